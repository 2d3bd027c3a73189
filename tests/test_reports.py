"""End-to-end: the batch runs the real notebook through papermill and exports HTML + PDF."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from oneplan import cli, export, paths, reports
from oneplan.thai import national_id_is_valid


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


@pytest.fixture(scope="module")
def kk_batch(tmp_path_factory, sample_db):
    out = tmp_path_factory.mktemp("reports")
    result = reports.run_batch(["40"], out_root=out, db_path=sample_db, workers=1,
                               progress=False)
    return out, result


def test_batch_writes_html_pdf_summary(kk_batch):
    out, result = kk_batch
    assert not result.failures, result.failures
    folder = out / "2570" / "40"
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["province_code"] == "40" and summary["synthetic"] is True
    # optimal within the plan's gap tolerance (portfolio.mip_rel_gap, 0.01 % by default)
    assert summary["solver_status"] == "optimal"
    assert 0 <= summary["gap"] <= summary["params"]["portfolio"]["mip_rel_gap"] + 1e-9
    assert 0 < summary["selected_baht"] <= summary["budget_baht"]
    assert summary["n_selected"] == len(summary["selected_ids"])
    assert json.loads((folder / "params.json").read_text(encoding="utf-8"))["province_code"] == "40"


def test_html_is_thai_with_code_hidden(kk_batch):
    out, _ = kk_batch
    page = (out / "2570" / "40" / "water_portfolio.html").read_text(encoding="utf-8")
    assert "ขอนแก่น" in page and 'lang="th"' in page
    assert "ข้อมูลตัวอย่างสังเคราะห์" in page          # synthetic label
    assert "waterplan.run_portfolio" not in page        # code cells hidden
    assert "Running HiGHS" not in page                  # no solver banner in the report
    assert "Traceback" not in page


def test_pdf_has_a_thai_text_layer(kk_batch):
    out, _ = kk_batch
    text = export.pdf_text(out / "2570" / "40" / "water_portfolio.pdf")
    for word in ("น้ำ", "อำเภอ", "ขอนแก่น"):
        assert word in text, word
    for broken in ("อาเภอ", "จานวน"):
        assert broken not in text, broken


def test_index_links_resolve(kk_batch):
    out, result = kk_batch
    page = result.index.read_text(encoding="utf-8")
    assert "ขอนแก่น" in page and "Khon Kaen" in page
    parser = _Links()
    parser.feed(page)
    assert len(parser.hrefs) == 2
    for href in parser.hrefs:
        assert (out / href).is_file(), href


def test_reports_leave_no_personal_data(kk_batch):
    out, _ = kk_batch
    # 13 digits that pass the ID checksum (as ../shared/tools/scan_pii.py looks for them,
    # decimals included: long float fractions must not be written either)
    thai_id = re.compile(r"(?<!\d)\d{13}(?!\d)")
    phone = re.compile(r"(?<![\d.])0[689]\d[- ]?\d{3}[- ]?\d{4}(?!\d)")
    scanned = 0
    for f in out.rglob("*"):
        if f.suffix in {".html", ".json"}:
            text = f.read_text(encoding="utf-8")
            scanned += 1
            ids = [m for m in thai_id.findall(text) if national_id_is_valid(m)]
            assert not ids and not phone.search(text), f
    assert scanned >= 4


def test_one_failing_province_does_not_stop_the_others(tmp_path, sample_db, monkeypatch):
    params = tmp_path / "params"
    shutil.copytree(paths.PARAMS_DIR, params)
    (params / "provinces" / "45.yml").write_text(
        "plan:\n  must_include: {NO-SUCH-PROJECT: committed in 2569}\n", encoding="utf-8")
    monkeypatch.setenv("ONEPLAN_PARAMS", str(params))
    out = tmp_path / "reports"
    code = cli.main(["report", "--province", "40", "--province", "45", "--formats", "html",
                     "--out", str(out), "--db", str(sample_db), "--workers", "2",
                     "--no-progress"])
    assert code == 1
    last = json.loads((out / "last_batch.json").read_text(encoding="utf-8"))
    by_code = {o["province_code"]: o for o in last["outcomes"]}
    assert by_code["40"]["ok"] and (out / "2570" / "40" / "water_portfolio.html").exists()
    assert not by_code["45"]["ok"] and "NO-SUCH-PROJECT" in by_code["45"]["error"]
    assert not (out / "2570" / "45" / "water_portfolio.html").exists()

"""The reports portal (reports/index.html): offline, every province, every link resolves."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from oneplan.core import areas
from oneplan.reports import portal
from oneplan.batch import runner as reports


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.rows: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if a.get("src"):
            self.srcs.append(a["src"])
        if tag == "tr" and "data-region" in a:
            self.rows.append(a)


def _touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path):
    fy = tmp_path / "2570"
    made = [
        _touch(fy / "40" / "water_portfolio.html"), _touch(fy / "40" / "water_portfolio.pdf"),
        _touch(fy / "40" / "cookbook_water.html"), _touch(fy / "40" / "followup.pdf"),
        _touch(fy / "45" / "water_portfolio.html"),
        _touch(fy / "national" / "national_overview.html"),
        _touch(fy / "national" / "national_overview.pdf"),
        _touch(fy / "national" / "cookbook_surin.pdf"),
    ]
    _touch(fy / "40" / "summary.json", json.dumps(
        {"synthetic": True, "n_candidates": 562, "n_selected": 321,
         "selected_baht": 1_593_540_000.0, "households_served": 69945}))
    _touch(fy / "40" / "needs_plan.summary.json", json.dumps({"synthetic": True, "needs": 4321}))
    _touch(fy / "45" / "summary.json", "{not json")        # unreadable: figures shown as –
    _touch(fy / "45" / "cookbook_damrongdhama.summary.json",  # backs up complaints.summary
           json.dumps({"synthetic": True, "figures": {"complaint_records": 98765}}))
    _touch(fy / "40" / "notes.html")                        # not a report: not linked
    return tmp_path, made


def test_every_link_resolves_and_every_report_is_linked(tree):
    root, made = tree
    path = portal.write_portal(root, 2570)
    assert path == root / "index.html"
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    targets = [root / unquote(h) for h in page.hrefs]
    for t in targets:
        assert t.is_file(), t
    assert sorted(targets) == sorted(made)       # every report, nothing else
    assert not page.srcs                          # nothing loaded from anywhere


def test_every_province_with_names_region_and_figures(tree):
    root, _ = tree
    text = portal.render_portal(root, 2570)
    page = _Page()
    page.feed(text)
    assert len(page.rows) == 76 == len(areas.planning_provinces())
    kk = next(r for r in page.rows if "khon kaen" in r["data-search"])
    assert kk["data-region"] == "northeast" and kk["data-reports"] == "1"
    assert "40" in kk["data-search"] and "ขอนแก่น" in kk["data-search"]
    assert sum(r["data-reports"] == "1" for r in page.rows) == 2
    assert "ขอนแก่น" in text and "Khon Kaen" in text and "ภาคตะวันออกเฉียงเหนือ" in text
    assert "1,593.5" in text and "69,945" in text and "4,321" in text   # key figures
    assert "98,765" in text
    assert "ข้อมูลตัวอย่างสังเคราะห์" in text                            # synthetic banner
    assert "ภาพรวมประเทศ" in text and "National overview" in text


def test_offline_page_with_embedded_font_and_filter(tree):
    root, _ = tree
    text = portal.render_portal(root, 2570)
    assert "@font-face" in text and "data:font/ttf;base64," in text
    assert not re.search(r"(src|href)=\"https?://", text)
    assert 'id="q"' in text and 'id="region"' in text and "addEventListener" in text
    for code in areas.REGION_NAMES:
        assert f'<option value="{code}">' in text


def test_no_synthetic_banner_for_real_data(tmp_path):
    _touch(tmp_path / "2570" / "40" / "summary.json", json.dumps(
        {"synthetic": False, "n_candidates": 1, "n_selected": 1, "selected_baht": 1.0,
         "households_served": 1}))
    _touch(tmp_path / "2570" / "40" / "water_portfolio.html")
    text = portal.render_portal(tmp_path, 2570)
    assert "ข้อมูลตัวอย่างสังเคราะห์" not in text
    assert "ยังไม่มีรายงานระดับประเทศ" in text   # says so when no national report exists


def test_reports_write_index_is_the_portal(tree):
    root, made = tree
    path = reports.write_index(root, 2570)
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    assert len(page.rows) == 76 and len(page.hrefs) == len(made)


def test_cli_rewrites_the_portal(tree, capsys):
    from oneplan import cli

    root, made = tree
    assert cli.main(["portal", "--out", str(root), "--fiscal-year", "2570"]) == 0
    assert str(root / "index.html") in capsys.readouterr().out
    page = _Page()
    page.feed((root / "index.html").read_text(encoding="utf-8"))
    assert len(page.hrefs) == len(made)

"""The reports portal (reports/index.html): offline, the provinces with reports, every file
of their folders linked, English behind a switch, every link resolves."""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

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


def _province_files(root: Path) -> list[Path]:
    return sorted(f for code in ("40", "45") for f in (root / "2570" / code).rglob("*")
                  if f.is_file())


def test_every_link_resolves_and_every_file_is_linked(tree):
    root, made = tree
    path = portal.write_portal(root, 2570)
    assert path == root / "index.html"
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    targets = [root / unquote(h) for h in page.hrefs if h != "#all"]
    for t in targets:
        assert t.is_file(), t
    national = [f for f in made if "national" in f.parts]
    # every file of a province's folder (summaries, notes too), the national reports
    assert sorted(targets) == sorted(_province_files(root) + national)
    assert not page.srcs                          # nothing loaded from anywhere


def test_only_provinces_with_reports_and_a_link_to_all(tree):
    root, _ = tree
    text = portal.render_portal(root, 2570, generated_on=date(2026, 12, 3))
    page = _Page()
    page.feed(text)
    assert [r["data-search"].split()[0] for r in page.rows] == ["40", "45"]
    assert "สร้างหน้านี้เมื่อ 3 ธันวาคม 2569" in text        # generation date in พ.ศ.
    assert "มีรายงาน 2 จาก 76 จังหวัด" in text
    assert '<a href="#all">ดูทั้ง 76 จังหวัด</a>' in text and "#all:target" in text
    others = re.findall(r'<li data-code="(\d+)">[^<]*<span class="en" lang="en">[^<]*</span>'
                        r' — <span class="none">ยังไม่มีรายงาน</span>', text)
    assert len(others) == 74 and "40" not in others and "45" not in others
    assert "ขอนแก่น" in text and "Khon Kaen" in text
    assert "1,593.5" in text and "69,945" in text and "4,321" in text   # key figures
    assert "98,765" in text
    assert "ข้อมูลตัวอย่างสังเคราะห์" in text                            # synthetic banner
    assert "ภาพรวมประเทศ" in text and "National overview" in text


def test_english_behind_a_css_switch(tree):
    root, _ = tree
    text = portal.render_portal(root, 2570)
    assert '<input type="checkbox" id="lang-en">' in text
    assert ".en { display: none;" in text and "#lang-en:checked ~ main .en" in text
    # every English text is inside an element marked lang="en" (hidden by default)
    body = text[text.index("<main>"):text.index("</main>")]
    visible = re.sub(r'<span class="en" lang="en">.*?</span>', "", body, flags=re.S)
    for english in ("Water plan", "Khon Kaen", "Reports", "National overview", "Cookbook"):
        assert english in body and english not in visible, english


def test_offline_page_with_embedded_font(tree):
    root, _ = tree
    text = portal.render_portal(root, 2570)
    assert "@font-face" in text and "data:font/ttf;base64," in text
    assert not re.search(r"(src|href)=\"https?://", text)


def test_a_batchs_files_each_in_one_group(tmp_path):
    """A province folder as the batch writes it: reports, cookbooks, Excel, OC4IDS, CSV
    tables (in <report>_tables/ and as complaints_<code>_*.csv), notebooks, summaries."""
    fy = tmp_path / "2570" / "40"
    names = ["water_portfolio.html", "water_portfolio.pdf", "water_portfolio.ipynb",
             "summary.json", "params.json", "plan_40_2570.xlsx", "needs_plan.html",
             "needs_plan.xlsx", "needs_plan.summary.json", "needs_plan_tables/ranking.csv",
             "oc4ids_40_2570.json", "followup.xlsx", "followup_tables/stale.csv",
             "complaints.html", "complaints_40.xlsx", "complaints_40_backlog.csv",
             "cookbook_water.html", "cookbook_water.pdf", "cookbook_water.summary.json",
             "<script>x.csv"]
    for n in names:
        _touch(fy / n)
    groups = {g.key: g for g in portal.province_files(fy, tmp_path, "40")}
    assert sum(g.count for g in groups.values()) == len(names)     # each file once
    labels = {g: [(e[0].th, [l.kind for l in e]) for e in groups[g].entries] for g in groups}
    assert labels["reports"][0] == ("แผนน้ำ", ["HTML", "PDF"])
    assert labels["cookbooks"] == [("ตำรา แผนน้ำแบบบูรณาการ", ["HTML", "PDF"])]
    assert labels["downloads"] == [("แผนน้ำ", ["Excel"]), ("ความต้องการสู่แผน", ["Excel"]),
                                   ("ติดตามผล", ["Excel"]), ("เรื่องร้องเรียน", ["Excel"]),
                                   ("ข้อมูลโครงการ OC4IDS", ["JSON"])]
    assert ("ความต้องการสู่แผน: ranking", ["CSV"]) in labels["tables"]
    assert ("เรื่องร้องเรียน: backlog", ["CSV"]) in labels["tables"]
    assert {e[0].href.rsplit("/", 1)[-1] for e in groups["analyst"].entries} == {
        "water_portfolio.ipynb", "summary.json", "params.json", "needs_plan.summary.json",
        "cookbook_water.summary.json"}
    text = portal.render_portal(tmp_path, 2570)
    assert "<script>x" not in text and "&lt;script&gt;x" in text   # escaped
    assert 'href="2570/40/%3Cscript%3Ex.csv"' in text             # quoted, relative
    assert "<details class=\"grp grp-tables\"><summary>ตารางข้อมูล CSV (4)" in text


def test_no_report_anywhere(tmp_path):
    text = portal.render_portal(tmp_path, 2570)
    assert "ยังไม่มีจังหวัดใดมีรายงาน" in text
    assert len(re.findall(r'<li data-code="', text)) == 76


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
    assert len(page.rows) == 2 and len(page.hrefs) == len(_province_files(root)) + 4


def test_cli_rewrites_the_portal(tree, capsys):
    from oneplan import cli

    root, made = tree
    assert cli.main(["portal", "--out", str(root), "--fiscal-year", "2570"]) == 0
    assert str(root / "index.html") in capsys.readouterr().out
    page = _Page()
    page.feed((root / "index.html").read_text(encoding="utf-8"))
    assert len(page.hrefs) == len(_province_files(root)) + 4  # + national + "#all"

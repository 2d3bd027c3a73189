"""The parts every report shares (reports/document.py): cover, executive summary, parts,
the report's own files."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from oneplan.reports import document


def test_cover_has_title_province_year_date_office_and_synthetic_mark():
    html = document.cover(title="แผนงานด้านน้ำ", province_name="ขอนแก่น", fiscal_year=2570,
                          lang="th", synthetic=True, issued_on=date(2026, 1, 15))
    assert 'class="oneplan-cover"' in html
    assert "แผนงานด้านน้ำ" in html and "จังหวัดขอนแก่น" in html
    assert "ปีงบประมาณ พ.ศ. 2570" in html
    assert "15 มกราคม 2569" in html          # พ.ศ. date
    assert "…………" in html                   # issuing office left to fill in
    assert "ข้อมูลตัวอย่างสังเคราะห์" in html


def test_cover_office_named_and_not_synthetic_and_national():
    html = document.cover(title="T", province_name=None, fiscal_year=2570, lang="en",
                          synthetic=False, issued_on=date(2026, 1, 15),
                          office="Provincial Office")
    assert "Provincial Office" in html and "…………" not in html
    assert "Synthetic" not in html and "All provinces" in html
    assert "15 January 2026" in html


def test_cover_escapes_every_value():
    html = document.cover(title="<script>x</script>", province_name="<b>", fiscal_year=2570,
                          lang="th", synthetic=False, office="a & b")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in html and "a &amp; b" in html


def test_summary_findings_decision_changes():
    html = document.executive_summary(
        [("โครงการที่เลือก", "321 โครงการ"), ("งบประมาณ", "1,593.5 ล้านบาท"),
         ("ครัวเรือน", "69,945 ครัวเรือน")],
        decision="เห็นชอบแผน", changes=None, lang="th",
        downloads=[("แผนงาน (Excel)", "plan_40_2570.xlsx")])
    assert html.count("<li><span class=\"oneplan-finding-number\">") == 3
    assert "1,593.5 ล้านบาท" in html and "เห็นชอบแผน" in html
    assert "ฉบับแรก" in html
    assert 'href="plan_40_2570.xlsx"' in html


def test_summary_lists_changes_when_there_are_several():
    html = document.executive_summary([("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")],
                                      decision="x", changes=["เพิ่ม 3 โครงการ", "งบ +2.0"],
                                      lang="th")
    assert "ฉบับแรก" not in html
    assert re.search(r"<li>เพิ่ม 3 โครงการ</li>", html)


@pytest.mark.parametrize("n", [0, 2, 6])
def test_summary_wants_three_to_five_findings(n):
    with pytest.raises(ValueError, match="3 to 5"):
        document.executive_summary([("a", "1")] * n, decision="x", changes=None, lang="th")


def test_summary_wants_a_decision():
    with pytest.raises(ValueError, match="decision"):
        document.executive_summary([("a", "1")] * 3, decision=" ", changes=None, lang="th")


def test_summary_link_cannot_run():
    html = document.executive_summary([("a", "1")] * 3, decision="x", changes=None,
                                      lang="th", downloads=[("x", "javascript:alert(1)")])
    assert "javascript:" not in html


def test_parts_are_lettered_appendices():
    assert "ภาคผนวก ก: วิธีการ" in document.part("method", "th", number=1)
    assert "ภาคผนวก ข: แหล่งข้อมูลและไฟล์ประกอบ" in document.part("data", "th", number=2)
    assert "Appendix B" in document.part("data", "en", number=2)
    assert 'class="oneplan-part oneplan-part-detail"' in document.part("detail", "th")
    with pytest.raises(ValueError):
        document.part("nope", "th")


def test_files_list_links_relative_paths():
    html = document.files_list([("แผนงาน (Excel)", "plan_40_2570.xlsx", "ทุกโครงการ"),
                                ("CSV", "needs.csv")])
    assert 'href="plan_40_2570.xlsx"' in html and 'href="needs.csv"' in html
    assert "ทุกโครงการ" in html


def test_export_stylesheet_has_the_page_break_hooks():
    from oneplan.batch.export import REPORT_CSS

    for hook in (".oneplan-cover { break-after: page",
                 ".oneplan-summary { break-after: page",
                 ".oneplan-part { break-before: page"):
        assert hook in REPORT_CSS


@pytest.mark.slow
def test_every_report_starts_with_cover_and_summary_and_its_file_links_resolve():
    """Every report of the set: the cover first, then the summary, the appendices after the
    detail; every relative link points at a file the batch wrote beside the report."""
    from html.parser import HTMLParser
    from urllib.parse import urlsplit

    import report_set

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.hrefs = []

        def handle_starttag(self, tag, attrs):
            if tag == "a":
                self.hrefs += [v for k, v in attrs if k == "href" and v]

    reports = ("water_portfolio", "needs_plan", "followup", "complaints", "national_overview")
    files = report_set.htmls(reports)
    assert len(files) == 13
    for path in files:
        html = path.read_text(encoding="utf-8")
        cover_at, summary_at = html.find('class="oneplan-cover"'), html.find('class="oneplan-summary"')
        assert 0 < cover_at < summary_at, path
        assert summary_at < html.find("oneplan-part-data"), path
        parser = Links()
        parser.feed(html)
        own = [h for h in parser.hrefs if not urlsplit(h).scheme and not h.startswith("#")]
        assert len(own) >= 2, path
        for href in own:
            assert (path.parent / href).exists(), f"{path.name}: {href}"


def test_a_later_appendix_follows_on_the_same_page():
    from oneplan.batch.export import REPORT_CSS

    assert "oneplan-part-follows" not in document.part("method", "th", number=1)
    assert "oneplan-part-follows" in document.part("data", "th", number=2)
    assert ".oneplan-part.oneplan-part-follows { break-before: auto" in REPORT_CSS


def test_changes_since_the_last_version(tmp_path):
    now = {"province_code": "40", "fiscal_year": 2570, "n": 321, "baht": 1_593_540_000.0,
           "share": 0.5436, "same": 7}
    fields = [("n", "โครงการ", "count"), ("baht", "งบ", "money"), ("share", "เบิกจ่าย", "share"),
              ("same", "คงเดิม", "count")]
    assert document.changes_since(None, now, fields, "th") == []
    before = {**now, "n": 300, "baht": 1_500_000_000.0, "share": 0.5}
    lines = document.changes_since(before, now, fields, "th")
    assert lines == ["โครงการ: 300 → 321", "งบ: 1,500.0 → 1,593.5", "เบิกจ่าย: 50.0% → 54.4%"]
    assert document.changes_since(now, now, fields, "th") == ["ตัวเลขสำคัญไม่เปลี่ยนจากฉบับก่อน"]
    path = tmp_path / "x.summary.json"
    path.write_text('{"province_code": "40", "fiscal_year": 2570, "n": 1}', encoding="utf-8")
    assert document.previous_summary(path, province_code="40", fiscal_year=2570)["n"] == 1
    assert document.previous_summary(path, province_code="45") is None
    assert document.previous_summary(tmp_path / "missing.json") is None


def test_the_batch_tells_a_report_where_its_last_version_is():
    from oneplan.batch import engine, registry
    from oneplan.batch.jobs import Job
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        'province_code = ""\nprevious_dir = ""', metadata={"tags": ["parameters"]})])
    spec = registry.ReportSpec("x", "x.ipynb", "province")
    job = Job(spec, "40", 2570, "th", "", "db.duckdb", "/tmp/out", ("html",))
    params = engine._parameters(job, nb, Path("/tmp/staging"))
    assert params["previous_dir"] == str(job.out_dir) != params["output_dir"]

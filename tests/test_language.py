"""The Thai-only check (reports/language.py): it catches each kind of leak, lets proper
names, units, codes and the report's own file names through, skips formulas and the
analysts' boxed commands; and every generated Thai report passes it (slow)."""

from __future__ import annotations

import pytest

from oneplan.reports.language import english_leaks


def _kinds(html: str) -> list[tuple[str, str]]:
    return [(leak.kind, leak.text) for leak in english_leaks(html, "th")]


@pytest.mark.parametrize("html, expected", [
    ("<p>คอลัมน์ source_file ของฐานข้อมูล</p>", ("identifier", "source_file")),
    ("<p>กฎใน needs.authority_rules</p>", ("identifier", "needs.authority_rules")),
    ("<td>water_projects.cost_baht</td>", ("identifier", "water_projects.cost_baht")),
    ("<p>ดูไฟล์ explain.py</p>", ("identifier", "explain.py")),
    ("<p>ค่า _private ภายใน</p>", ("identifier", "_private")),
    ("<td>water_supply</td>", ("identifier", "water_supply")),
    ("<td>optimal</td>", ("english", "optimal")),
    ("<p>ช่องว่าง (gap) ของคำตอบ</p>", ("english", "gap")),
    ("<th>ความซ้ำ (Jaccard)</th>", ("english", "Jaccard")),
    ("<p>ตามเกณฑ์ใน params</p>", ("english", "params")),
    ("<p>จัดทำด้วย oneplan 0.1.0</p>", ("version", "oneplan 0.1.0")),
    ("<p>HiGHS (highspy 1.16.0) via PuLP</p>", ("version", "highspy 1.16.0")),
    ("<title>Water plan</title>", ("english", "Water")),
    ('<img alt="chart of budget">', ("english", "chart")),
    ("<p>ใช้ <code>oneplan report</code></p>", ("english", "report")),
])
def test_each_kind_of_leak_is_caught(html, expected):
    assert expected in _kinds(html)


def test_a_leak_says_where_it_is():
    [leak] = english_leaks("<h2>วิธีการ</h2><table><tr><td>ตาม params</td></tr></table>",
                           "th")
    assert leak.where == "วิธีการ › td" and "ตาม params" in leak.context
    assert "params" in str(leak)


def test_thai_with_proper_names_units_and_codes_passes():
    html = ("<h1>แผนงานโครงการด้านน้ำ</h1><p>คำนวณด้วยโปรแกรม HiGHS ผ่าน PuLP "
            "จัดทำด้วยระบบ oneplan รุ่น 0.1.0 ตามมาตรฐาน OC4IDS รหัสจังหวัด (DOPA) 40 "
            "โครงการ WP-40-0001 ระยะทาง 12 km ไฟล์ Excel และ CSV รางวัล Excellent "
            "Innovation Awards 2567 ค่า F1 Splink BOQ</p>")
    assert english_leaks(html, "th") == []


def test_the_reports_own_file_names_pass_others_do_not():
    html = ('<ul><li><a href="plan_40_2570.xlsx">แผนงาน</a> plan_40_2570.xlsx</li>'
            '<li><a href="needs_plan_tables/ranking_full.csv">ลำดับ</a></li></ul>'
            "<p>ranking_full.csv และ secret_dump.csv</p>")
    assert _kinds(html) == [("identifier", "secret_dump.csv")]


def test_formulas_and_analyst_notes_are_skipped_other_code_is_not():
    html = ('<p>สูตร <code class="formula">log1p(households), min-max</code></p>'
            '<aside class="analyst-note"><p>สำหรับนักวิเคราะห์</p>'
            "<code>oneplan report --province 40</code></aside>"
            "<p><code>oneplan select --province 40</code></p>")
    assert {t for _, t in _kinds(html)} == {"select", "province"}


def test_style_and_script_are_not_text():
    html = "<style>.jp-Cell { font-family: sans-serif; }</style><script>var x_y = 1;</script>"
    assert english_leaks(html, "th") == []


def test_english_reports_are_not_checked_and_allow_adds_words():
    assert english_leaks("<p>optimal gap</p>", "en") == []
    assert english_leaks("<p>ตาม params ของ Thai Water Plan</p>", "th",
                         allow=["params"]) == []


# ------------------------------------------------------------------- every generated report

def _report_htmls():
    import report_set

    return [p for p in report_set.htmls() if p.name != "index.html"]


def _report_names() -> list[str]:
    from oneplan.batch import registry

    return sorted({s.name for s in registry.available_reports()})


@pytest.mark.slow
def test_the_set_has_every_report_of_three_provinces_and_the_nation():
    files = _report_htmls()
    assert {"water_portfolio", "needs_plan", "followup", "complaints",
            "national_overview"} <= {p.stem for p in files}
    assert {p.parent.name for p in files} == {"40", "45", "32", "national"}


@pytest.mark.slow
@pytest.mark.parametrize("report", _report_names())
def test_every_generated_thai_report_is_in_thai(report):
    files = [p for p in _report_htmls() if p.stem == report]
    found = []
    for path in files:
        for leak in english_leaks(path.read_text(encoding="utf-8"), "th"):
            found.append(f"{path.parent.name}/{path.name}: {leak}")
    assert not found, f"{len(found)} leaks:\n" + "\n".join(found[:60])

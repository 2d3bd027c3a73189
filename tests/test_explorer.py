"""The planner's explorer: its re-solve (oneplan.reports.water.explore_solve), what changed
between two plans (oneplan.reports.explorer.plan_change), the solver's state in Thai, the
widgets' Thai labels, the Thai font in notebook output, and the water notebook writing
nothing into reports/ when run interactively."""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import re

import pandas as pd
import pytest

from oneplan.core.paths import NOTEBOOKS_DIR
from oneplan.reports import explorer as ex
from oneplan.reports import water as waterplan
from oneplan.selection import highs

THAI = re.compile(r"[\u0E00-\u0E7F]")
IDENTIFIER = re.compile(r"\b[a-z]+_[a-z_]+\b")  # snake_case keys such as cost_effectiveness


@pytest.fixture(scope="module")
def run(sample_db):
    return waterplan.run_portfolio("40", db_path=sample_db)


# --- the re-solve -----------------------------------------------------------------------

def test_same_budget_and_weights_give_the_report_plan(run):
    # at the report's own tolerance the explorer reproduces the report's plan
    res = waterplan.explore_solve(run, time_limit_s=60, previous=run.result,
                                  mip_rel_gap=run.params.portfolio.mip_rel_gap)
    assert res.mip_rel_gap == run.params.portfolio.mip_rel_gap == pytest.approx(1e-4)
    assert res.status == "optimal" and res.gap <= 1e-4
    assert res.objective == pytest.approx(run.result.objective, rel=2e-4)


def test_the_explorer_tolerance_is_stated_and_kept(run):
    res = waterplan.explore_solve(run, time_limit_s=30, previous=run.result)
    assert res.mip_rel_gap == waterplan.EXPLORER_MIP_REL_GAP == pytest.approx(0.005)
    assert res.status == "optimal" and res.gap <= waterplan.EXPLORER_MIP_REL_GAP
    # the report's plan is the first incumbent: never worse than it
    assert res.objective >= run.result.objective * (1 - 1e-9)


def test_a_bigger_budget_and_other_weights_resolve_within_the_limit(run):
    budget = 1.2 * next(iter(run.spec.budget_by_year.values()))
    weights = {k: (0.9 if i == 0 else 0.1) for i, k in
               enumerate(run.params.priority.weights)}
    res = waterplan.explore_solve(run, budget_per_year_baht=budget, weights=weights,
                                  previous=run.result, time_limit_s=1.0)
    assert res.status in ("optimal", "time_limit")
    if res.status == "time_limit":            # a stopped solve says so, with its gap
        assert not res.is_optimal and res.gap is not None and res.gap > 1e-4
    assert res.solve_seconds < 5
    for y in run.years:
        assert res.spend_by_year[y] <= budget + 1e-6
    # re-scored: the priority column follows the new weights, not the report's
    assert not res.plan["priority"].equals(run.candidates["priority"])


# --- what changed -----------------------------------------------------------------------

def _plan(rows):
    """A plan frame: (id, selected, start, cost, households, district, priority)."""
    return pd.DataFrame(rows, columns=["project_id", "selected", "start_year", "cost_baht",
                                       "households_served", "district_code", "priority"]
                        ).assign(district_name=lambda d: "อำเภอ" + d["district_code"],
                                 district_name_en=lambda d: "District " + d["district_code"],
                                 name_th=lambda d: "โครงการ " + d["project_id"],
                                 type_code="pond",
                                 subdistrict_name_en="Sub " + pd.Series(range(4)).astype(str))


BEFORE = _plan([("A", True, 2570, 10e6, 100, "01", 0.5),
                ("B", True, 2570, 20e6, 300, "02", 0.4),
                ("C", False, None, 30e6, 500, "03", 0.9),
                ("D", True, 2571, 5e6, 50, "01", 0.2)])
AFTER = _plan([("A", True, 2571, 10e6, 100, "01", 0.1),   # moved a year, other weights
               ("B", False, None, 20e6, 300, "02", 0.1),  # dropped
               ("C", True, 2570, 30e6, 500, "03", 0.8),   # added
               ("D", True, 2571, 5e6, 50, "01", 0.7)])


def test_plan_change_counts_projects_money_benefit_households_and_districts():
    c = ex.plan_change(BEFORE, AFTER)
    assert c.added["project_id"].tolist() == ["C"]
    assert c.dropped["project_id"].tolist() == ["B"]
    assert c.moved == ("A",)
    assert c.delta_budget_baht == pytest.approx(10e6)       # 45 M − 35 M
    assert c.delta_households == 500 - 300
    # benefit on one scale: the before plan's priorities, whatever AFTER's weights were
    assert c.benefit_before == pytest.approx(0.5 + 0.4 + 0.2)
    assert c.benefit_after == pytest.approx(0.5 + 0.9 + 0.2)
    assert c.delta_benefit_pct == pytest.approx(100 * 0.5 / 1.1)
    # districts with a project added or dropped, the largest change first
    assert c.districts["district_code"].tolist() == ["03", "02"]
    assert c.districts["delta_cost_baht"].tolist() == [30e6, -20e6]
    assert not c.unchanged


def test_plan_change_discounts_late_starts_as_the_model_does():
    c = ex.plan_change(BEFORE, AFTER, start_discount=0.9, first_year=2570)
    assert c.benefit_before == pytest.approx(0.5 + 0.4 + 0.2 * 0.9)
    assert c.benefit_after == pytest.approx(0.5 * 0.9 + 0.9 + 0.2 * 0.9)


def test_the_same_plan_is_unchanged():
    c = ex.plan_change(BEFORE, BEFORE.copy())
    assert c.unchanged and c.delta_budget_baht == 0 and c.districts.empty
    assert ex.change_summary(c) == "ไม่มีโครงการเปลี่ยน"
    assert ex.change_table(c).empty and ex.districts_text(c) == ""


def test_the_change_in_thai_words_and_a_table():
    c = ex.plan_change(BEFORE, AFTER)
    s = ex.change_summary(c, "th")
    assert "เพิ่ม 1 โครงการ ตัดออก 1 โครงการ เลื่อนปีเริ่ม 1 โครงการ" in s
    assert "งบ +10.0 ล้านบาท" in s and "ครัวเรือน +200" in s
    assert "ประโยชน์ +0.50 (+45.5 %)" in s
    assert ex.districts_text(c, "th") == "อำเภอที่ได้รับผลกระทบ (2): อำเภอ03, อำเภอ02"
    t = ex.change_table(c, "th")
    assert list(t.columns) == ["การเปลี่ยนแปลง", "โครงการ", "อำเภอ", "งบ (ล้านบาท)", "ครัวเรือน"]
    assert t.values.tolist() == [["เพิ่ม", "โครงการ C", "อำเภอ03", 30.0, 500],
                                 ["ตัดออก", "โครงการ B", "อำเภอ02", 20.0, 300]]
    assert "budget −10.0 million baht" in ex.change_summary(ex.plan_change(AFTER, BEFORE), "en")


def test_the_table_keeps_the_costliest_rows_and_says_how_many_more():
    rows = [(f"P{i}", False, None, (i + 1) * 1e6, i, "01", 0.1) for i in range(24)]
    before = pd.DataFrame(rows, columns=BEFORE.columns[:7]).assign(
        district_name="อำเภอ01", name_th=lambda d: "โครงการ " + d["project_id"])
    c = ex.plan_change(before, before.assign(selected=True, start_year=2570))
    t = ex.change_table(c, "th", rows=10)
    assert len(t) == 10 and t["งบ (ล้านบาท)"].tolist()[:2] == [24.0, 23.0]
    html = ex.panel_html("r", "p", [("previous", "h", c)], "th")
    assert "… และอีก 14 โครงการ" in html


def test_names_in_the_panel_are_escaped():
    after = AFTER.assign(name_th=AFTER["name_th"].where(AFTER["project_id"] != "C",
                                                       "<script>alert(1)</script>"))
    html = ex.panel_html("<b>x</b>", "y", [("report", "h", ex.plan_change(BEFORE, after))])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>x</b>" not in html


# --- the solver's state in Thai ---------------------------------------------------------

@pytest.mark.parametrize("status,gap,th,en", [
    ("optimal", 0.0, "ดีที่สุด (พิสูจน์แล้ว)", "optimal (proven)"),
    ("optimal", None, "ดีที่สุด (พิสูจน์แล้ว)", "optimal (proven)"),
    ("optimal", 3.01e-5, "ดีที่สุดภายใน 0.003 %", "optimal within 0.003 %"),
    ("time_limit", 0.0123, "หยุดเพราะครบเวลา — ช่องว่าง 1.2 %",
     "stopped at the time limit — gap 1.2 %"),
    ("time_limit", None, "หยุดเพราะครบเวลา — ยังไม่ทราบช่องว่าง",
     "stopped at the time limit — gap unknown"),
    ("iteration_limit", 0.5, "หยุดก่อนพิสูจน์ว่าดีที่สุด — ช่องว่าง 50.0 %",
     "stopped before proving optimality — gap 50.0 %"),
])
def test_solver_states_in_thai_never_optimal_unless_proven(run, status, gap, th, en):
    res = dataclasses.replace(run.result, status=status, gap=gap)
    assert ex.status_text(res, "th") == th
    assert ex.status_text(res, "en") == en


def test_the_result_line_is_thai_with_one_decimal_millions(run):
    line = ex.result_line(run.result, "th", seconds=0.123)
    sel = run.selected
    assert line.startswith(f"แผนนี้: {len(sel):,} โครงการ งบ {sel['cost_baht'].sum() / 1e6:,.1f} "
                           "ล้านบาท")
    assert "(คำนวณ 0.12 วินาที)" in line
    assert not re.search(r"[A-Za-z]", line)


def test_a_time_boxed_stop_is_not_a_warning(caplog):
    """The explorer's re-solve and the revision's confirming re-solves stop at their limit by
    design and report it themselves: logged at INFO, so no stderr in a notebook cell."""
    out = highs.SolveOutcome("time_limit", True, 1.0, 1.1, 0.1, 0.5)
    with caplog.at_level(logging.INFO, logger="oneplan.selection.highs"):
        highs.check_outcome(out, 0.5, "plan", stop_expected=True)
        assert [r.levelno for r in caplog.records] == [logging.INFO]
        caplog.clear()
        highs.check_outcome(out, 0.5, "plan")
        assert [r.levelno for r in caplog.records] == [logging.WARNING]


# --- the widgets ------------------------------------------------------------------------

def test_every_widget_has_a_thai_label_and_a_move_shows_what_changed(run):
    e = ex.Explorer(run)
    labels = [e.budget.description, *(s.description for s in e.weights.values()),
              e.reset.description]
    for label in labels:
        assert THAI.search(label) and not IDENTIFIER.search(label), label
    assert e.weights["cost_effectiveness"].description == "ความคุ้มค่าต่อบาท"
    first = e.panel.value
    assert "แผนในรายงาน:" in first and 'class="oneplan-change"' not in first

    e.budget.value = round(e.budget.value * 1.3, 1)   # what a slider release does
    moved = e.panel.value
    assert moved != first
    assert re.search(r"แผนนี้: [\d,]+ โครงการ งบ [\d,]+\.\d ล้านบาท", moved)
    assert moved.count('class="oneplan-change"') == 1   # the previous plan is the report's
    assert "เทียบกับแผนในรายงาน (แผนก่อนหน้า)" in moved
    assert "<table" in moved and "เพิ่ม" in moved and "อำเภอที่ได้รับผลกระทบ" in moved
    assert e.shown is not run.result
    n_shown = int(e.shown.plan["selected"].sum())
    assert n_shown != len(run.selected) or not e.shown.plan["selected"].equals(
        run.candidates["selected"])

    e.weights["need"].value = 0.9                    # a second move: both comparisons
    both = e.panel.value
    assert both.count('class="oneplan-change"') == 2
    assert "เทียบกับแผนก่อนหน้า</h4>" in both and "เทียบกับแผนในรายงาน</h4>" in both

    e.reset.click()                                  # back to the report's plan, no solve
    assert e.shown is run.result
    assert e.budget.value == pytest.approx(
        next(iter(run.spec.budget_by_year.values())) / 1e6)


def test_all_weights_zero_asks_for_one(run):
    e = ex.Explorer(run)
    for s in e.weights.values():
        s.value = 0.0
    assert "น้ำหนักทุกเกณฑ์เป็นศูนย์" in e.panel.value


def test_the_app_lists_the_provinces_with_candidates(sample_db):
    choices = ex.province_choices(str(sample_db))
    assert [code for _, code in choices] == ["32", "40", "45"]
    assert ("ขอนแก่น (40)", "40") in choices


# --- the Thai font in notebook output ---------------------------------------------------

def test_the_font_css_embeds_the_packages_thai_font_for_the_thai_block():
    css = ex.font_css()
    faces = re.findall(r"@font-face \{[^}]*\}", css)
    assert len(faces) == 2 and {"font-weight: 400", "font-weight: 700"} <= {
        m for f in faces for m in re.findall(r"font-weight: \d+", f)}
    for face in faces:
        assert f"font-family: '{ex.CSS_FAMILY}'" in face
        assert "unicode-range: U+0E00-0E7F" in face
        data = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", face).group(1))
        assert data[:4] == b"\x00\x01\x00\x00" and b"Noto Sans Thai" in data.replace(b"\x00", b"")
    assert f"'{ex.CSS_FAMILY}', var(--jp-content-font-family" in css
    html = ex.thai_font_css()
    assert html.data.startswith("<style>") and css in html.data


# --- the water notebook: no stderr, nothing written when interactive --------------------

def _run_notebook(tmp_path, **params):
    import papermill as pm

    out = tmp_path / f"out-{params.get('interactive')}.ipynb"
    # execution_timeout: without one, nbclient waits for a widget cell's reply with no
    # timeout and can block for ever (jupyter/nbclient#312); with one it polls
    pm.execute_notebook(str(NOTEBOOKS_DIR / "water_portfolio.ipynb"), str(out),
                        parameters=params, progress_bar=False, kernel_name="python3",
                        cwd=str(tmp_path), execution_timeout=600)
    return json.loads(out.read_text(encoding="utf-8"))


def _stderr(nb) -> list[str]:
    return ["".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", [])
            if o.get("name") == "stderr"]


@pytest.mark.slow
def test_an_interactive_run_writes_nothing_and_a_batch_run_writes_its_files(
        tmp_path, monkeypatch, sample_db):
    reports = tmp_path / "reports"
    monkeypatch.setenv("ONEPLAN_REPORTS", str(reports))
    nb = _run_notebook(tmp_path, province_code="40", db_path=str(sample_db), interactive=True)
    assert not reports.exists() or not any(reports.rglob("*"))
    assert _stderr(nb) == []
    html = [o["data"]["text/html"] for c in nb["cells"] for o in c.get("outputs", [])
            if "text/html" in o.get("data", {})]
    assert any("@font-face" in "".join(h) for h in html)  # the font, in the first cell

    out_dir = tmp_path / "batch"
    nb = _run_notebook(tmp_path, province_code="40", db_path=str(sample_db),
                       interactive=False, output_dir=str(out_dir))
    assert (out_dir / "summary.json").is_file() and (out_dir / "plan_40_2570.xlsx").is_file()
    assert not reports.exists() or not any(reports.rglob("*"))
    assert _stderr(nb) == []


@pytest.mark.slow
@pytest.mark.parametrize("province", ["45", "32"])
def test_no_stderr_in_any_cell(tmp_path, monkeypatch, sample_db, province):
    monkeypatch.setenv("ONEPLAN_REPORTS", str(tmp_path / "reports"))
    nb = _run_notebook(tmp_path, province_code=province, db_path=str(sample_db),
                       interactive=False, output_dir=str(tmp_path / "out"))
    assert _stderr(nb) == []

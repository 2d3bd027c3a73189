"""oneplan.selection.compare: budget frontier, scenarios, and the optimum against two baselines."""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from oneplan import charts
from oneplan.selection import baselines, compare, equal_shares, portfolio, priority
from oneplan.data import db
from oneplan.data.params import load_params

HAS_PLAN_MODEL = hasattr(portfolio, "plan_portfolio")


@pytest.fixture(scope="module")
def kk(sample_db) -> pd.DataFrame:
    """Khon Kaen's scored candidates (sample database)."""
    con = db.connect(sample_db, read_only=True)
    try:
        cands = db.water_candidates(con, "40", 2570)
    finally:
        con.close()
    return priority.score_candidates(cands, load_params("40").priority.weights)


def frame(rows: list[tuple], cols=("project_id", "district_code", "cost_baht", "priority")):
    return pd.DataFrame(rows, columns=list(cols))


def _direct_objective(cands: pd.DataFrame, budget: float) -> float:
    """The one-year optimum solved directly (plan model if present, else v1 on the pool)."""
    if HAS_PLAN_MODEL:
        spec = portfolio.PlanSpec(years=[2570], budget_by_year={2570: budget},
                                  readiness_first_year=False)
        return portfolio.plan_portfolio(cands, spec).objective
    pool = cands[baselines.available_mask(cands, 2570, readiness=False).to_numpy()]
    return portfolio.select_projects(pool, budget).objective


# --------------------------------------------------------------------------------------
# Budget frontier
# --------------------------------------------------------------------------------------


def test_frontier_is_non_decreasing_and_its_100_percent_point_is_a_direct_solve(kk):
    budget = 120e6
    fr = compare.budget_frontier(kk, budget)
    assert fr["fraction"].tolist() == sorted(compare.DEFAULT_FRACTIONS)
    assert (fr["status"] == "optimal").all()
    assert (fr["benefit"].diff().dropna() >= -1e-9).all()
    assert (fr["spend_baht"] <= fr["budget_baht"] * (1 + 1e-12)).all()
    assert fr["projects"].dtype == "Int64" and fr["current"].sum() == 1
    cur = fr[fr["current"]].iloc[0]
    assert cur["budget_baht"] == budget
    assert cur["objective"] == pytest.approx(_direct_objective(kk, budget), abs=1e-7)
    # marginal benefit per extra million between consecutive points
    m = fr["marginal_benefit_per_million"]
    assert math.isnan(m.iloc[0])
    expect = (fr["benefit"].iloc[2] - fr["benefit"].iloc[1]) / (
        (fr["budget_baht"].iloc[2] - fr["budget_baht"].iloc[1]) / 1e6)
    assert m.iloc[2] == pytest.approx(expect)
    assert (m.dropna() >= -1e-9).all() and m.dropna().iloc[0] > m.dropna().iloc[-1]


def test_frontier_scales_every_year_of_a_plan_spec(monkeypatch):
    seen = []

    @dataclass
    class Result:
        plan: pd.DataFrame
        spend_by_year: dict
        status: str = "optimal"
        objective: float = 1.0
        gap: float = 0.0
        solve_seconds: float = 0.0

    def fake_plan_portfolio(cands, spec, **kw):
        seen.append(dict(spec.budget_by_year))
        plan = cands.assign(selected=False, start_year=pd.array([pd.NA] * len(cands), "Int64"))
        return Result(plan, {y: 0.0 for y in spec.years})

    monkeypatch.setattr(portfolio, "plan_portfolio", fake_plan_portfolio, raising=False)
    cands = frame([("a", "d1", 5.0, 0.5)])
    spec = portfolio.PlanSpec(years=[2570, 2571], budget_by_year={2570: 100.0, 2571: 60.0})
    fr = compare.budget_frontier(cands, spec, fractions=(1.5, 0.5, 1.0))
    assert seen == [{2570: 50.0, 2571: 30.0}, {2570: 100.0, 2571: 60.0},
                    {2570: 150.0, 2571: 90.0}]
    assert fr["budget_baht"].tolist() == [80.0, 160.0, 240.0]
    assert spec.budget_by_year == {2570: 100.0, 2571: 60.0}  # the caller's spec is unchanged


def test_frontier_reports_an_infeasible_budget_instead_of_failing():
    cands = frame([("a", "d1", 80.0, 0.9), ("b", "d1", 10.0, 0.5)])
    fr = compare.budget_frontier(cands, 100.0, fractions=(0.5, 1.0), must_include=["a"])
    assert fr["status"].tolist()[0] == "infeasible" and math.isnan(fr["benefit"].iloc[0])
    assert fr["benefit"].iloc[1] == pytest.approx(1.4)


# --------------------------------------------------------------------------------------
# Baselines
# --------------------------------------------------------------------------------------


def test_priority_order_skips_what_does_not_fit_and_continues():
    cands = frame([("A", "d1", 6.0, 0.9), ("B", "d1", 5.0, 0.8), ("C", "d2", 3.0, 0.7),
                   ("D", "d2", 1.0, 0.6), ("E", "d2", 0.5, 0.1)])
    pick = baselines.priority_order_pick(cands, 10.0)
    assert pick.selected_ids == ["A", "C", "D"]  # B (5) does not fit in the 4 left; E in 0
    assert pick.spend == 10.0 and pick.benefit == pytest.approx(2.2)
    assert pick.plan["pick_order"].tolist() == [1, pd.NA, 2, 3, pd.NA]
    assert set(pick.plan.loc[pick.plan["selected"], "pick_stage"]) == {"priority"}


def test_priority_order_honours_the_optimums_rules():
    cands = pd.DataFrame({
        "project_id": ["canal", "dam", "alt1", "alt2", "notready", "noteligible", "later",
                       "committed", "excluded"],
        "district_code": "d1",
        "cost_baht": [2.0, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 4.0, 1.0],
        "priority": [0.9, 0.1, 0.8, 0.7, 0.95, 0.99, 0.97, 0.05, 0.98],
        "ready": [True, True, True, True, False, True, True, True, True],
        "eligible": [True, True, True, True, True, False, True, True, True],
        "requires": ["dam", None, None, None, None, None, None, None, None],
        "alternative_group": [None, None, "g", "g", None, None, None, None, None],
        "earliest_start": pd.array([None] * 6 + [2571, None, None], dtype="Int64"),
    })
    pick = baselines.priority_order_pick(cands, 10.0, only_ready=True, fiscal_year=2570,
                                         must_include=["committed"], must_exclude=["excluded"])
    # committed first; canal brings its dam (dam first); one of the alternatives
    assert pick.selected_ids == ["committed", "dam", "canal", "alt1"]
    assert pick.spend == 10.0
    # without readiness the not-ready project is fine, and wins over the chain
    pick = baselines.priority_order_pick(cands, 10.0, fiscal_year=2570,
                                         must_include=["committed"], must_exclude=["excluded"])
    assert pick.selected_ids[:3] == ["committed", "notready", "dam"]


def test_baselines_schedule_years_like_the_plan_model():
    cands = pd.DataFrame({
        "project_id": ["big", "notready", "late", "canal", "dam"],
        "district_code": ["d1", "d1", "d2", "d2", "d2"],
        "cost_baht": [100.0, 40.0, 30.0, 20.0, 50.0],
        "priority": [0.9, 0.8, 0.7, 0.6, 0.1],
        "ready": [True, False, True, True, True],
        "cost_profile": [(0.5, 0.5), (1.0,), None, (1.0,), (0.2, 0.8)],
        "earliest_start": pd.array([None, None, 2571, None, None], dtype="Int64"),
        "requires": [None, None, None, "dam", None],
    })
    spec = portfolio.PlanSpec(years=[2570, 2571], budget_by_year={2570: 60.0, 2571: 100.0},
                start_discount=0.9)
    for pick in (baselines.priority_order_pick(cands, spec),
                 equal_shares.equal_shares_pick(cands, spec)):
        starts = pick.starts
        for y in spec.years:
            assert pick.spend_by_year[y] <= spec.budget_by_year[y] + 1e-9
            assert pick.plan[f"cost_{y}"].sum() == pytest.approx(pick.spend_by_year[y])
        assert starts.get("notready", 2571) == 2571 and starts.get("late", 2571) == 2571
        if "canal" in starts:
            assert "dam" in starts and starts["dam"] <= starts["canal"]
    po = baselines.priority_order_pick(cands, spec)
    # big: 50 + 50 from 2570; notready 40 in 2571; late (30) no longer fits 2571's 10;
    # canal needs the dam (10 + 40 from 2570) which no longer fits 2570's 10
    assert po.starts == {"big": 2570, "notready": 2571}
    assert po.benefit == pytest.approx(0.9 + 0.8 * 0.9)


@pytest.mark.parametrize("budget", [60e6, 100e6])
@pytest.mark.parametrize("only_ready", [False, True])
def test_optimum_is_at_least_both_baselines(kk, budget, only_ready):
    table = compare.compare_methods(kk, budget, only_ready=only_ready)
    b = table["benefit"]
    assert b["optimum"] >= b["priority_order"] - 1e-9
    assert b["optimum"] >= b["equal_shares"] - 1e-9
    assert (table["benefit_vs_optimum_pct"] <= 1e-9).all()
    assert (table["spend_baht"] <= budget * (1 + 1e-12)).all()
    assert table.loc["optimum", "status"] == "optimal"
    assert (table["min_district_share"] <= table["max_district_share"]).all()
    if budget == 100e6 and not only_ready:  # typical: a real gain over today's practice
        assert b["optimum"] > b["priority_order"] * 1.05
        assert b["optimum"] > b["equal_shares"]


def test_equal_shares_and_priority_order_respect_the_budget_and_readiness(kk):
    for method in (baselines.priority_order_pick, equal_shares.equal_shares_pick):
        pick = method(kk, 80e6, only_ready=True)
        sel = pick.plan[pick.plan["selected"]]
        assert pick.spend <= 80e6 and sel["ready"].all() and sel["eligible"].all()
        assert (sel["cost_profile"].map(len) == 1).all()
        groups = sel["alternative_group"].dropna()
        assert not groups.duplicated().any()


@pytest.mark.skipif(not HAS_PLAN_MODEL, reason="needs portfolio.plan_portfolio")
def test_multi_year_optimum_is_at_least_both_baselines(kk):
    years = [2570, 2571, 2572]
    spec = portfolio.PlanSpec(years=years, budget_by_year={y: 300e6 for y in years},
                              start_discount=0.97)
    table = compare.compare_methods(kk, spec, time_limit_s=30)
    b = table["benefit"]
    tol = 1e-6 + (0.0 if table.loc["optimum", "status"] == "optimal" else 0.01 * b["optimum"])
    assert b["optimum"] >= b["priority_order"] - tol
    assert b["optimum"] >= b["equal_shares"] - tol


# --------------------------------------------------------------------------------------
# Method of Equal Shares, by hand
# --------------------------------------------------------------------------------------


def test_mes_gives_each_district_its_share():
    # Budget 10, two districts -> 5 each. X proposes x1 (cost 5, value 0.9) and x2 (5, 0.8);
    # Y proposes y1 (5, 0.3) and y2 (5, 0.2). Round 1: x1 has ρ = 5/0.9 = 5.6, y1 16.7,
    # x2 6.25, y2 25 -> x1, paid by X, who is now empty. Round 2: only Y can pay: y1
    # (ρ 16.7) -> Y is empty. Outcome {x1, y1}, value 1.2, while the optimum (and the
    # priority order) take x1 + x2, value 1.7: MES gives Y its proportional share.
    cands = frame([("x1", "X", 5.0, 0.9), ("x2", "X", 5.0, 0.8), ("y1", "Y", 5.0, 0.3),
                   ("y2", "Y", 5.0, 0.2)])
    for completion in (None, "add1u"):
        pick = equal_shares.equal_shares_pick(cands, 10.0, completion=completion)
        assert pick.selected_ids == ["x1", "y1"]
        assert pick.info["payments"] == {"X": 5.0, "Y": 5.0}
    assert baselines.priority_order_pick(cands, 10.0).selected_ids == ["x1", "x2"]
    table = compare.compare_methods(cands, 10.0)
    assert table.loc["equal_shares", "benefit_vs_optimum_pct"] == pytest.approx(
        100 * (1.2 - 1.7) / 1.7)
    assert table.loc["equal_shares", "districts_reached"] == 2
    assert table.loc["optimum", "districts_reached"] == 1
    assert table.loc["optimum", "min_district_share"] == 0.0


def test_mes_poor_rich_payments():
    # Two voters, budget 20 -> 10 each. Utilities: P1 (cost 12): v1 1, v2 1;
    # P2 (cost 7): v1 1, v2 3; P3 (cost 2.5): v1 1.
    # Round 1: ρ(P1) = 12/2 = 6; ρ(P2) = 7/4 = 1.75 (v2 pays 5.25 ≤ 10); ρ(P3) = 2.5
    #   -> P2: v1 pays 1.75 (8.25 left), v2 pays 5.25 (4.75 left).
    # Round 2: P1: at ρ = 6 v2 would pay 6 > 4.75, so v2 is "poor" and pays 4.75, v1 pays
    #   the other 7.25 -> ρ(P1) = 7.25 (naively 6); ρ(P3) = 2.5 -> P3, v1 has 5.75 left.
    # Round 3: P1 needs 12 > 5.75 + 4.75: not affordable. MES = [P2, P3].
    costs = {"P1": 12.0, "P2": 7.0, "P3": 2.5}
    utilities = {"v1": {"P1": 1, "P2": 1, "P3": 1}, "v2": {"P1": 1, "P2": 3}}
    out = equal_shares.method_of_equal_shares(costs, utilities, 20.0, completion=None)
    assert out.selected == ["P2", "P3"]
    assert out.payments == pytest.approx({"v1": 4.25, "v2": 5.25})
    # Add1: for a share s < 10.75 P1 stays unaffordable after P2 and P3, and from 10.75
    # on MES funds all three (21.5 > 20), so Add1 keeps [P2, P3]; nothing else fits 10.5.
    for completion in ("add1", "add1u", "utilitarian"):
        out = equal_shares.method_of_equal_shares(costs, utilities, 20.0,
                                                  completion=completion, add1_increment=0.25)
        assert out.selected == ["P2", "P3"] and out.share_per_voter < 10.75
    # with a budget of 22 the equal share 11 already buys all three (P1 last)
    out = equal_shares.method_of_equal_shares(costs, utilities, 22.0, completion=None)
    assert out.selected == ["P2", "P3", "P1"]


def test_mes_add1_and_utilitarian_completion():
    # Budget 10, districts X and Y (share 5). X: x1 (cost 4, value 0.9), x2 (4, 0.8);
    # Y: y1 (6, 0.5), y2 (1, 0.1). MES at 5: x1 (ρ 4.4), y2 (ρ 10); x2 needs 4 > X's 1
    # and y1 6 > Y's 4 -> [x1, y2], 5 spent.
    # Add1: for s in [5, 7) the outcome stays {x1, y2}; at s = 7 Y buys y1 as well (y2
    # then y1: 7) and X x1 -> 11 > 10, so Add1 stops below 7 with [x1, y2].
    # Utilitarian fill of the 5 left, by value per baht: x2 (0.2) fits, y1 (0.083) does not.
    cands = frame([("x1", "X", 4.0, 0.9), ("x2", "X", 4.0, 0.8), ("y1", "Y", 6.0, 0.5),
                   ("y2", "Y", 1.0, 0.1)])
    alone = equal_shares.equal_shares_pick(cands, 10.0, completion=None)
    assert alone.selected_ids == ["x1", "y2"]
    add1 = equal_shares.equal_shares_pick(cands, 10.0, completion="add1", add1_increment=0.05)
    assert add1.selected_ids == ["x1", "y2"]
    assert 6.9 <= add1.info["share_per_voter"] < 7.0
    both = equal_shares.equal_shares_pick(cands, 10.0)  # add1u with the galloping steps
    assert both.selected_ids == ["x1", "y2", "x2"]
    assert both.plan.set_index("project_id")["pick_stage"]["x2"] == "completion"
    # Add1 that helps: X's only project x (cost 6) is out of reach of the share 5
    cands = frame([("x", "X", 6.0, 0.9), ("y", "Y", 2.0, 0.5)])
    assert equal_shares.equal_shares_pick(cands, 10.0, completion=None).selected_ids == ["y"]
    add1 = equal_shares.equal_shares_pick(cands, 10.0, completion="add1", add1_increment=0.5)
    assert add1.selected_ids == ["y", "x"] and add1.info["share_per_voter"] == 6.0
    assert equal_shares.equal_shares_pick(cands, 10.0, completion="add1").selected_ids == ["y", "x"]


def test_mes_committed_projects_and_bad_input():
    out = equal_shares.method_of_equal_shares({"a": 4.0, "b": 3.0, "c": 3.0},
                                              {"v1": {"b": 1}, "v2": {"c": 1}}, 10.0,
                                              committed=["a"], completion=None)
    assert out.selected == ["a", "b", "c"] and out.initial_share == 3.0
    with pytest.raises(portfolio.InfeasibleSelectionError):
        equal_shares.method_of_equal_shares({"a": 11.0}, {"v": {"a": 1}}, 10.0, committed=["a"])
    with pytest.raises(ValueError, match="unknown project"):
        equal_shares.method_of_equal_shares({"a": 1.0}, {"v": {"zz": 1}}, 10.0)
    with pytest.raises(ValueError, match="completion"):
        equal_shares.method_of_equal_shares({"a": 1.0}, {"v": {"a": 1}}, 10.0, completion="x")


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------


def test_scenario_comparison_changes_with_the_weights(kk):
    base = dict(load_params("40").priority.weights)
    table = compare.compare_weightings(kk, {"base": base, "storage": {"storage": 1.0}},
                                       100e6)
    assert list(table.columns) == ["label_th", "label_en", "base", "storage"]
    assert table.loc["jaccard_base", "base"] == 1.0
    assert 0 < table.loc["jaccard_base", "storage"] < 1
    assert table.loc["storage_m3", "storage"] > table.loc["storage_m3", "base"]
    # valued with the base weights, the base plan is the best one
    assert table.loc["benefit_base", "base"] >= table.loc["benefit_base", "storage"]
    assert table.loc["benefit", "base"] == pytest.approx(_direct_objective(kk, 100e6))
    ids = table.attrs["selected_ids"]
    assert set(ids["base"]) != set(ids["storage"])


def test_compare_scenarios_from_params_with_thai_and_english_labels(sample_db):
    table = compare.compare_scenarios("40", ["flood-first", "drought-first"], db_path=sample_db,
                                      overrides={"portfolio": {"budget_baht": 100e6}})
    assert list(table.columns) == ["label_th", "label_en", "default", "flood-first",
                                   "drought-first"]
    assert table.loc["area_rai", "flood-first"] > table.loc["area_rai", "default"]
    assert table.loc["jaccard_base", "flood-first"] < 1
    assert table.loc["households", "label_th"] == "ครัวเรือนได้ประโยชน์"
    assert table.loc["households", "label_en"] == "Households served"
    th = compare.localise(table, "th")
    assert "น้ำท่วมก่อน" in th.columns and "ครัวเรือนได้ประโยชน์" in th.index
    en = compare.localise(table, "en")
    assert "Flood first" in en.columns and "Households served" in en.index


def test_flood_first_scenario_weights_area_and_storage():
    w = load_params("40", "flood-first").priority.weights
    assert w["area"] + w["storage"] > 0.5 and w["households"] < w["area"]


def test_method_table_has_thai_and_english_labels():
    cands = frame([("a", "d1", 4.0, 0.9), ("b", "d2", 4.0, 0.5)])
    table = compare.compare_methods(cands, 5.0)
    assert table.loc["priority_order", "label_th"].startswith("เรียงตามคะแนน")
    assert "Equal Shares" in table.loc["equal_shares", "label_en"]
    th = compare.localise(table, "th")
    assert th.index.name == "วิธีคัดเลือก" and "ประโยชน์รวม (คะแนนความสำคัญ)" in th.columns


# --------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------


def _texts(fig) -> str:
    from matplotlib.text import Text

    buf = io.BytesIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(buf, format="png")
    glyph = [str(w.message) for w in caught if "glyph" in str(w.message).lower()]
    assert not glyph, glyph
    assert buf.getvalue().startswith(b"\x89PNG")
    return " ".join(t.get_text() for t in fig.findobj(Text) if t.get_visible())


def test_frontier_and_scenario_charts_in_thai_and_english():
    fr = pd.DataFrame({"fraction": [0.5, 1.0, 1.5], "budget_baht": [50e6, 100e6, 150e6],
                       "benefit": [10.0, 15.0, 17.0],
                       "marginal_benefit_per_million": [np.nan, 0.1, 0.04],
                       "current": [False, True, False]})
    th = _texts(charts.frontier_chart(fr))
    assert "งบประมาณ (ล้านบาท)" in th and "งบปัจจุบัน" in th
    assert "Current budget" in _texts(charts.frontier_chart(fr, lang="en"))
    table = pd.DataFrame({"label_th": ["ประโยชน์ (น้ำหนักฐาน)", "งบที่ใช้"],
                          "label_en": ["Benefit (base weights)", "Spend"],
                          "default": [10.0, 100e6], "flood-first": [9.5, 98e6]},
                         index=["benefit_base", "spend_baht"])
    table.attrs["selected_ids"] = {"default": ["a", "b", "c"], "flood-first": ["a", "d"]}
    th = _texts(charts.scenario_chart(table))  # differences against the base, not indices
    assert "น้ำท่วมก่อน" in th and "+1" in th and "−2" in th and "-2.0 ล้านบาท" in th
    en = _texts(charts.scenario_chart(table, lang="en"))
    assert "Flood first" in en and "Projects added" in en and "-2.0 million baht" in en
    unknown = table.copy()
    unknown.attrs = {}  # no plans to compare: never claims that they coincide
    assert "ทุกฉากทัศน์เลือกโครงการชุดเดียวกัน" not in _texts(charts.scenario_chart(unknown))
    with pytest.raises(ValueError):
        charts.frontier_chart(fr, lang="fr")


def test_frontier_and_methods_reuse_the_known_plan_and_keep_their_answers(kk):
    years = [2570, 2571]
    spec = portfolio.PlanSpec(
        years=years, budget_by_year={y: 60e6 for y in years}, start_discount=0.97,
        group_limits=[portfolio.GroupLimit("district_code", max_share=0.3, name="cap")])
    res = portfolio.plan_portfolio(kk, spec)
    fr = compare.budget_frontier(kk, spec, fractions=(0.5, 1.0, 1.5), known=res)
    cur = fr[fr["current"]].iloc[0]
    # the known plan is read, not solved again (its own solve time is reported)
    assert cur["objective"] == res.objective and cur["solve_seconds"] == res.solve_seconds
    cold = compare.budget_frontier(kk, spec, fractions=(0.5, 1.0, 1.5))
    # chained MIP starts do not change the optima (all proven at gap 0)
    assert (fr["status"] == "optimal").all() and (cold["status"] == "optimal").all()
    assert fr["objective"].tolist() == pytest.approx(cold["objective"].tolist(), abs=1e-7)
    m = compare.compare_methods(kk, spec, known=res)
    assert set(m.attrs["selected_ids"]["optimum_with_rules"]) == set(res.selected_ids)
    # without the cap the optimum can only be as good or better
    assert m.loc["optimum", "benefit"] >= m.loc["optimum_with_rules", "benefit"] - 1e-9


def test_weightings_solve_the_base_first_and_start_the_others_from_it(kk, monkeypatch):
    seen = []
    real = portfolio.plan_portfolio

    def spy(cands, spec, **kw):
        seen.append(kw.get("mip_start"))
        return real(cands, spec, **kw)

    monkeypatch.setattr(portfolio, "plan_portfolio", spy)
    w = load_params("40").priority.weights
    out = compare.compare_weightings(kk, {"a": w, "b": {**w, "need": 0.6}}, 200e6, base="b")
    assert seen[0] is None and isinstance(seen[1], dict) and seen[1]
    assert set(seen[1]) == set(out.attrs["selected_ids"]["b"])
    assert list(out.columns[2:]) == ["a", "b"]

"""Tests for the block decomposition of large plans (oneplan.selection.decompose via plan_portfolio).

The property that matters: the Lagrangian bound is a real upper bound (never below the
true optimum, found here by brute force or by HiGHS on the whole model), the plan meets
every rule, and "optimal" is only said when plan and bound are within the tolerance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oneplan.selection import decompose, highs, model, portfolio
from oneplan.samples import water as sample
from oneplan.selection.portfolio import GroupLimit, PlanSpec, plan_portfolio

from test_plan_model import _brute_force, _check_plan_feasible, _instance
from oneplan.samples import build

GAP = 1e-4


def _provinces(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Two provinces: D0 and D1 in P1, D2 in P2 (district rows stay inside one). With an
    odd seed a precedence across the two is dropped, so that more instances decompose;
    with an even one it stays (a linking row the blocks cannot share: the fallback)."""
    out = df.copy()
    out["province_code"] = np.where(out["district_code"] == "D2", "P2", "P1")
    if seed % 2:
        prov = dict(zip(out["project_id"], out["province_code"]))
        out["requires"] = [r if not isinstance(r, str) or prov[r] == p else None
                           for r, p in zip(out["requires"], out["province_code"])]
    return out


@pytest.mark.parametrize("seed", range(48))
def test_decomposed_plan_is_feasible_and_its_bound_is_valid(seed):
    df, spec = _instance(seed)
    df = _provinces(df, seed)
    best = _brute_force(df, spec)
    if best is None:
        with pytest.raises(portfolio.InfeasibleSelectionError):
            plan_portfolio(df, spec, mip_rel_gap=GAP, decompose_by="province_code")
        return
    res = plan_portfolio(df, spec, mip_rel_gap=GAP, decompose_by="province_code")
    _check_plan_feasible(df, spec, res)
    assert res.objective <= best[0] + 1e-6            # a plan, so never above the optimum
    assert res.best_bound >= best[0] - 1e-6           # the bound really bounds
    if res.status == "optimal":
        assert res.gap <= GAP + 1e-12
        assert res.objective >= best[0] - GAP * abs(best[0]) - 1e-9
    assert res.gap == pytest.approx(
        max(res.best_bound - res.objective, 0) / max(abs(res.objective), 1e-12), abs=1e-9)


def test_the_block_path_is_taken_on_the_small_instances():
    """Not every random instance decomposes (a precedence across provinces, a floor on a
    basin that spans both), but many must — or the test above checks only the fallback."""
    taken = 0
    for seed in range(48):
        df, spec = _instance(seed)
        df = _provinces(df, seed)
        try:
            res = plan_portfolio(df, spec, mip_rel_gap=GAP, decompose_by="province_code")
        except portfolio.InfeasibleSelectionError:
            continue
        taken += res.method.startswith("2 blocks by province_code")
    assert taken >= 15


def test_non_resource_linking_rows_fall_back_to_the_whole_model():
    df = pd.DataFrame({
        "project_id": ["A", "B", "C", "D"], "priority": [0.9, 0.5, 0.6, 0.3],
        "cost_baht": [10.0, 10.0, 10.0, 10.0], "ready": True,
        "province_code": ["P1", "P1", "P2", "P2"],
        "requires": [None, None, "A", None],    # a precedence from P2 to P1 links them
    })
    spec = PlanSpec(years=[2570], budget_by_year={2570: 20.0})
    res = plan_portfolio(df, spec, mip_rel_gap=GAP, decompose_by="province_code")
    assert res.method.startswith("HiGHS branch-and-bound (no blocks by province_code: a row "
                                 "across blocks has a negative coefficient")
    assert res.status == "optimal" and set(res.selected_ids) == {"A", "C"}


def test_auto_decomposes_by_province_only_with_a_tolerance_and_two_provinces():
    df, spec = _instance(3)
    one = df.assign(province_code="P1")
    two = _provinces(df, 3)
    assert "blocks by" not in plan_portfolio(one, spec, mip_rel_gap=GAP).method
    assert "blocks by" not in plan_portfolio(two, spec).method       # gap 0: whole model
    assert "blocks by" not in plan_portfolio(two, spec, mip_rel_gap=GAP,
                                          decompose_by=None).method
    with pytest.raises(ValueError, match="no column 'amphoe'"):
        plan_portfolio(two, spec, mip_rel_gap=GAP, decompose_by="amphoe")


@pytest.fixture(scope="module")
def three_provinces():
    from oneplan.data import db
    from oneplan.selection import priority
    from oneplan.data.params import PriorityParams
    import duckdb

    tables = sample.generate(["40", "45", "46"], seed=11, fiscal_year=2570,
                             projects_min=300, projects_max=300)
    con = duckdb.connect()
    con.execute(db.schema_sql())
    for name in build.TABLES_FROM_SAMPLE:
        frame = tables[name]
        con.register("incoming", frame)
        con.execute(f"INSERT INTO {name} ({', '.join(frame.columns)}) "
                    "SELECT * FROM incoming")
        con.unregister("incoming")
    cands = db.all_water_candidates(con, 2570, fund_source="province")
    con.close()
    cands = priority.score_candidates(cands, PriorityParams().weights)
    years = [2570, 2571, 2572]
    spec = PlanSpec(
        years=years, budget_by_year=dict.fromkeys(years, 3 * 250e6),
        group_limits=[GroupLimit("province_code", max_baht=3 * 300e6, name="envelope"),
                      GroupLimit("district_code", max_baht=120e6, name="district cap"),
                      GroupLimit("district_code", min_count=1, name="district floor"),
                      GroupLimit("basin", max_share=0.5, name="basin cap")],
        readiness_first_year=True, start_discount=0.97)
    return cands, spec


def test_blocks_agree_with_the_whole_model_on_generated_provinces(three_provinces):
    cands, spec = three_provinces
    assert cands["province_code"].nunique() == 3 and len(cands) == 900
    blocks = plan_portfolio(cands, spec, mip_rel_gap=GAP, time_limit_s=120)
    whole = plan_portfolio(cands, spec, mip_rel_gap=GAP, time_limit_s=120,
                           decompose_by=None)
    assert blocks.method.startswith("3 blocks by province_code")
    assert whole.status == "optimal"
    # each bound bounds the other's plan; each plan is within the tolerance of both bounds
    assert blocks.best_bound >= whole.objective - 1e-9
    assert whole.best_bound >= blocks.objective - 1e-9
    tighter = min(blocks.best_bound, whole.best_bound)   # both are valid upper bounds
    if blocks.status == "optimal":
        assert blocks.objective >= tighter * (1 - GAP) - 1e-9
    assert whole.objective >= tighter * (1 - GAP) - 1e-9
    for y in spec.years:
        assert blocks.spend_by_year[y] <= spec.budget_by_year[y] + 1e-6
    sel = blocks.plan[blocks.plan["selected"]]
    assert (sel.groupby("district_code")["cost_baht"].sum() <= 120e6 + 1e-6).all()
    assert (sel.groupby("province_code")["cost_baht"].sum() <= 900e6 + 1e-6).all()


def test_lagrangian_bound_lies_between_the_plan_and_the_lp(three_provinces):
    cands, spec = three_provinces
    prob, _, meta = model.build_plan_model(cands, spec)
    engine = highs.PlanEngine(prob, meta, time_limit_s=60, mip_rel_gap=GAP,
                              threads=None, highs_options=None)
    codes = np.unique(meta.data.frame["province_code"].astype(str), return_inverse=True)[1]
    block_of_col = np.zeros(engine.highs.getNumCol(), np.int64)
    block_of_col[engine.col] = codes[meta.cols.proj]
    out = decompose.solve_by_blocks(engine.highs, block_of_col, mip_rel_gap=GAP,
                                    time_limit_s=60)
    assert out is not None and out.n_blocks == 3
    # HiGHS minimises −value: plan ≥ bound ≥ LP bound (the Lagrangian is never weaker)
    assert out.objective >= out.bound - 1e-9
    assert out.bound >= out.lp_bound - 1e-7
    assert out.n_linking_rows >= 3                    # the yearly budgets at least
    assert set(np.unique(out.x)) <= {0.0, 1.0}

"""The blocks-alone path of the decomposition, and what happens when its bound is wrong.

``plan_portfolio`` splits a multi-province plan into province blocks
(``oneplan.selection.decompose``). When the blocks' plan is within ``mip_rel_gap`` of their
Lagrangian bound, that bound is the *only* proof of the answer: HiGHS never sees the whole
model. These instances (2–3 provinces, the yearly budgets and a basin cap linking them,
districts, envelopes, precedence and alternatives inside a province) take that path most
of the time (about half), and each answer is checked against a brute-force optimum written here
(``tests/plan_oracle.py``): plan ≤ optimum ≤ bound.

A bound that a feasible plan beats is a bug, never a proof: injected into one block, it
makes :func:`~oneplan.selection.decompose.solve_by_blocks` raise
:class:`~oneplan.selection.decompose.InvalidBoundError` and the whole model is solved
instead; it is never clipped to the plan.
"""

from __future__ import annotations

import dataclasses

import highspy
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import plan_oracle as oracle
from oneplan.selection import decompose, highs, model
from oneplan.selection.portfolio import GroupLimit, PlanSpec, plan_portfolio

SEEDS = range(60)
BASE_YEAR = 2570


def province_instance(seed: int) -> tuple[pd.DataFrame, PlanSpec, float]:
    """A seeded plan over 2–3 provinces that has a plan, and the gap to solve it with."""
    rng = np.random.default_rng(70_000 + seed)
    while True:  # the first draw of this seed's stream that has a plan
        df, spec, gap = _draw(rng, seed)
        if oracle.best_plan(df, spec, "priority") is not None:
            return df, spec, gap


def _draw(rng: np.random.Generator, seed: int) -> tuple[pd.DataFrame, PlanSpec, float]:
    T = int(rng.choice([1, 1, 2, 3]))
    n = int(rng.integers(*{1: (12, 17), 2: (8, 11), 3: (7, 9)}[T]))
    years = [BASE_YEAR + t for t in range(T)]
    n_prov = int(rng.integers(2, 4))
    province = [f"{40 + int(p)}" for p in np.sort(rng.integers(0, n_prov, n))]
    if len(set(province)) < 2:
        province[-1] = "41" if province[0] == "40" else "40"
    district = [f"{p}0{int(rng.integers(1, 3))}" for p in province]
    ids = [f"P{seed}-{j:02d}" for j in range(n)]
    cost = rng.integers(2, 41, n) * 250_000.0
    profiles = [[(1.0,), (0.5, 0.5), (0.3, 0.7)][int(rng.integers(min(T, 2) + T // 2))]
                for _ in range(n)]
    requires: list = [None] * n
    alt: list = [None] * n
    for j in range(1, n):
        same = [i for i in range(j) if province[i] == province[j]]
        if same and rng.random() < 0.2:
            requires[j] = ids[int(rng.choice(same))]
        elif same and rng.random() < 0.15:
            alt[j] = alt[same[-1]] = f"site {province[j]}-{j}"
    df = pd.DataFrame({
        "project_id": ids, "priority": np.round(rng.random(n), 6) + 0.01,
        "cost_baht": cost, "cost_profile": profiles, "ready": rng.random(n) < 0.8,
        "requires": requires, "alternative_group": alt,
        "province_code": province, "district_code": district,
        "basin": [("Chi", "Mun")[int(b)] for b in rng.integers(0, 2, n)],
    })
    tight = rng.random() < 0.6        # budgets that bind (duals > 0) or not
    per_year = cost.sum() * (rng.uniform(0.2, 0.45) if tight else 1.0) / T
    budgets = {y: float(np.floor(per_year * rng.uniform(0.8, 1.2) / 1000) * 1000)
               for y in years}
    limits = [GroupLimit("province_code", max_baht=float(np.floor(cost.sum() * 0.5 / 1000)
                                                         * 1000), name="envelope")]
    if rng.random() < 0.5:
        limits.append(GroupLimit("district_code", max_count=int(rng.integers(1, 4))))
    if rng.random() < 0.5:
        limits.append(GroupLimit("district_code", min_count=1, name="district floor"))
    if rng.random() < 0.4:   # across provinces: a linking row of the resource kind
        limits.append(GroupLimit("basin", max_share=round(float(rng.uniform(0.3, 0.7)), 2),
                                 name="basin cap"))
    spec = PlanSpec(years=years, budget_by_year=budgets, group_limits=limits,
                    readiness_first_year=True, start_discount=float(rng.choice([1.0, 0.95])))
    gap = float(rng.choice([0.02, 0.1, 0.3, 0.5]))
    return df, spec, gap


def _blocks_alone(method: str) -> bool:
    return "blocks by province_code (HiGHS each)" in method and "whole model" not in method


@pytest.mark.parametrize("seed", SEEDS)
def test_plan_le_optimum_le_bound(seed):
    df, spec, gap = province_instance(seed)
    best = oracle.best_plan(df, spec, "priority")
    res = plan_portfolio(df, spec, mip_rel_gap=gap)          # "auto": by province_code
    assert best is not None
    assert "blocks by province_code" in res.method, res.method
    assert oracle.violations(df, spec, res.starts) == []
    assert res.objective == pytest.approx(oracle.plan_value(df, spec, res.starts, "priority"),
                                          abs=1e-9)
    assert res.objective <= best[0] + 1e-9                   # a plan
    assert res.best_bound >= best[0] - 1e-9                  # a bound
    assert res.gap == pytest.approx(
        max(res.best_bound - res.objective, 0.0) / res.objective, abs=1e-9)
    if res.status == "optimal":
        assert res.gap <= gap + 1e-12
        assert res.objective >= best[0] * (1 - gap) - 1e-9
    if _blocks_alone(res.method):                            # the bound is the only proof
        assert res.status == "optimal" and res.best_bound >= res.objective - 1e-9


def test_the_blocks_alone_path_is_taken_often():
    """Or the test above would check mostly the whole-model continuation (an independent
    check saw the path in 5 of 130 decomposed runs). Here it is about half, and in many of
    them the Lagrangian bound lies above the optimum: a real bound, not the blocks' own
    optima added up."""
    alone = bound_bites = 0
    for seed in SEEDS:
        df, spec, gap = province_instance(seed)
        res = plan_portfolio(df, spec, mip_rel_gap=gap)
        if _blocks_alone(res.method):
            alone += 1
            best = oracle.best_plan(df, spec, "priority")[0]
            bound_bites += res.best_bound > best + 1e-6   # a bound above the optimum
    assert alone >= 25, alone                                # 32 of 60 when written
    assert bound_bites >= 8, bound_bites                     # 14 when written


def test_multi_province_instances_use_three_provinces_and_linking_caps():
    provinces = [province_instance(s)[0]["province_code"].nunique() for s in SEEDS]
    basin = sum(any(g.name == "basin cap" for g in province_instance(s)[1].group_limits)
                for s in SEEDS)
    assert min(provinces) == 2 and max(provinces) == 3 and basin >= 5


# --------------------------------------------------------------------------------------
# An invalid bound is a bug: raised, never clipped
# --------------------------------------------------------------------------------------


def _inflate_lagrangian_bounds(monkeypatch, by: float, share_fails: bool = False):
    """Make every Lagrangian block report a lower bound ``by`` too high (HiGHS minimises,
    so the bound passes the plan): a stand-in for a wrong bound from a block."""
    real = decompose._solve_block

    def wrong(*args, **kwargs):
        if kwargs.get("start") is None:               # step 2: the Lagrangian blocks
            name, x, bound = real(*args, **kwargs)
            return name, x, bound + by
        if share_fails:                               # step 3: no plan within the shares
            return "kTimeLimit", None, -np.inf
        return real(*args, **kwargs)

    monkeypatch.setattr(decompose, "_solve_block", wrong)


def _engine(df, spec, gap):
    prob, _, meta = model.build_plan_model(df, spec)
    engine = highs.PlanEngine(prob, meta, time_limit_s=30, mip_rel_gap=gap, threads=None,
                              highs_options=None)
    codes = np.unique(df["province_code"].astype(str), return_inverse=True)[1]
    block_of_col = np.zeros(engine.highs.getNumCol(), np.int64)
    block_of_col[engine.col] = codes[meta.cols.proj]
    return engine, block_of_col


def _alone_seed() -> int:
    for seed in SEEDS:
        df, spec, gap = province_instance(seed)
        if _blocks_alone(plan_portfolio(df, spec, mip_rel_gap=gap).method):
            return seed
    raise AssertionError("no instance takes the blocks-alone path")


def test_solve_by_blocks_raises_on_a_bound_above_its_plan(monkeypatch):
    df, spec, gap = province_instance(_alone_seed())
    engine, block_of_col = _engine(df, spec, gap)
    good = decompose.solve_by_blocks(engine.highs, block_of_col, mip_rel_gap=gap,
                                     time_limit_s=30)
    assert good.x is not None and good.bound <= good.objective + 1e-9
    _inflate_lagrangian_bounds(monkeypatch, by=1.0)
    with pytest.raises(decompose.InvalidBoundError, match="bound .* is beaten") as err:
        decompose.solve_by_blocks(engine.highs, block_of_col, mip_rel_gap=gap,
                                  time_limit_s=30)
    assert isinstance(err.value, decompose.NotDecomposableError)
    assert err.value.bound > err.value.objective           # reported as found, not clipped
    assert err.value.bound == pytest.approx(good.bound + good.n_blocks * 1.0, abs=1e-6)
    # the plan it carries meets every row of the whole model
    lp = engine.highs.getLp()
    a = lp.a_matrix_
    kind = sp.csr_matrix if a.format_ == highspy.MatrixFormat.kRowwise else sp.csc_matrix
    matrix = kind((a.value_, a.index_, a.start_), shape=(lp.num_row_, lp.num_col_))
    act = matrix @ err.value.x
    assert (act <= np.asarray(lp.row_upper_) + 1e-9).all()
    assert (act >= np.asarray(lp.row_lower_) - 1e-9).all()


def test_an_invalid_bound_falls_back_to_the_whole_model(monkeypatch):
    seed = _alone_seed()
    df, spec, gap = province_instance(seed)
    best = oracle.best_plan(df, spec, "priority")[0]
    _inflate_lagrangian_bounds(monkeypatch, by=1.0)
    res = plan_portfolio(df, spec, mip_rel_gap=gap)
    assert res.method.startswith("HiGHS branch-and-bound (blocks by province_code not used: "
                                 "the Lagrangian bound"), res.method
    assert res.status == "optimal"                       # HiGHS's own proof, on the whole model
    assert res.objective <= best + 1e-9 and res.best_bound >= best - 1e-9
    assert res.best_bound >= res.objective - 1e-9
    assert oracle.violations(df, spec, res.starts) == []


def test_an_invalid_bound_after_the_whole_model_is_dropped(monkeypatch):
    """No plan within the shares: HiGHS continues on the whole model; its plan beats the
    (wrong) Lagrangian bound, which is then not used — before, it was clipped to gap 0."""
    seed = _alone_seed()
    df, spec, gap = province_instance(seed)
    best = oracle.best_plan(df, spec, "priority")[0]
    _inflate_lagrangian_bounds(monkeypatch, by=1.0, share_fails=True)
    res = plan_portfolio(df, spec, mip_rel_gap=gap)
    assert "then HiGHS on the whole model" in res.method
    assert "Lagrangian bound beaten by a plan, not used" in res.method
    assert res.best_bound >= best - 1e-9                 # HiGHS's bound, which holds
    assert res.objective <= best + 1e-9
    assert res.gap == pytest.approx(
        max(res.best_bound - res.objective, 0.0) / res.objective, abs=1e-9)
    if res.status == "optimal":
        assert res.gap <= gap + 1e-12


def test_a_bound_within_rounding_is_not_an_error(monkeypatch):
    """A hair above the plan (the same sums in another order) is rounding, not a bug."""
    df, spec, gap = province_instance(_alone_seed())
    engine, block_of_col = _engine(df, spec, gap)
    good = decompose.solve_by_blocks(engine.highs, block_of_col, mip_rel_gap=gap,
                                     time_limit_s=30)
    hair = (good.objective - good.bound) / good.n_blocks + 1e-12 * abs(good.objective)
    _inflate_lagrangian_bounds(monkeypatch, by=hair)
    out = decompose.solve_by_blocks(engine.highs, block_of_col, mip_rel_gap=gap,
                                    time_limit_s=30)
    assert out.bound > out.objective                     # kept as computed: not clipped
    assert out.bound - out.objective <= decompose.BOUND_TOLERANCE * abs(out.objective)
    assert out.gap == 0.0


def test_a_highs_bound_beaten_by_a_plan_proves_nothing(monkeypatch):
    """On the whole-model continuation HiGHS's bound is checked as well: one that a plan
    beats is dropped; the plan is then optimal only if the Lagrangian bound proves it,
    and refused as numerical trouble otherwise — never "optimal" on HiGHS's word."""
    from oneplan.selection.portfolio import SelectionSolveError

    real = highs.PlanEngine.run

    def wrong_bound(self, *args, **kwargs):  # HiGHS "proves" a bound below its own plan
        outcome, x = real(self, *args, **kwargs)
        if outcome.objective is not None:
            outcome = dataclasses.replace(outcome, status="optimal", gap=0.0,
                                          best_bound=outcome.objective - 1.0)
        return outcome, x

    seen = {"refused": 0, "lagrangian": 0}
    for seed in SEEDS:
        df, spec, gap = province_instance(seed)
        if "then HiGHS on the whole model" not in plan_portfolio(df, spec,
                                                                 mip_rel_gap=gap).method:
            continue
        best = oracle.best_plan(df, spec, "priority")[0]
        with monkeypatch.context() as m:
            m.setattr(highs.PlanEngine, "run", wrong_bound)
            try:
                res = plan_portfolio(df, spec, mip_rel_gap=gap)
            except SelectionSolveError as err:
                assert err.status == "bound_invalid" and "numerical trouble" in str(err)
                seen["refused"] += 1
                continue
        assert "HiGHS bound beaten by a plan, not used" in res.method
        assert "proven by the Lagrangian bound" in res.method and res.status == "optimal"
        assert res.best_bound >= best - 1e-9 and res.gap <= gap + 1e-12
        seen["lagrangian"] += 1
        if min(seen.values()) >= 1:
            break
    assert min(seen.values()) >= 1, seen

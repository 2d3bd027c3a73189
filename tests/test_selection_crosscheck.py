"""Randomized cross-check: 160 small seeded instances solved two ways, optima compared.

One way is the project's model (``plan_portfolio`` / ``select_projects``: validation,
pre-checks, the PuLP model in model units, HiGHS); the other is ``tests/plan_oracle.py``,
a full enumeration written from the spec's words that calls nothing in
``oneplan.selection``. The instances (6–12 projects, 1–4 years) draw on every family the
spec defines: yearly budgets and cost profiles, eligibility (the fund may pay), readiness,
earliest and fixed starts, committed and excluded projects, requirements (also on a
project that is not a candidate), alternatives, floors and caps per district and basin
(counts, baht, shares; floors that are skipped), the stability penalty against an
approved plan and the start discount; the one-year selection adds budget rows by column
(a fund) and by mapping (a district cap). Half are in real amounts (millions of baht, so
the model counts in millions; benefits in baht, so the objective is scaled), a quarter in
tens of thousands (the model counts in thousands), a quarter in tens of baht (as given). Infeasible instances must be refused, feasible ones
reach the oracle's optimum with a plan the oracle finds feasible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import plan_oracle as oracle
from oneplan.selection import units
from oneplan.selection.model import build_plan_model
from oneplan.selection.portfolio import (
    BudgetRow,
    GroupLimit,
    InfeasibleSelectionError,
    PlanSpec,
    SelectionSolveError,
    plan_portfolio,
    select_projects,
)

PLAN_SEEDS = range(120)
SELECTION_SEEDS = range(40)
BASE_YEAR = 2569
PROFILES = [(1.0,), (1.0,), (0.5, 0.5), (0.3, 0.7), (0.2, 0.3, 0.5), (0.1, 0.2, 0.3, 0.4)]
MAX_PROJECTS = {1: 12, 2: 11, 3: 9, 4: 8}   # keeps the enumeration small


def _amounts(rng, n: int, seed: int) -> np.ndarray:
    """Costs by seed: multiples of 250,000 baht up to 15 million (even seeds: the model
    counts in millions), 10,000–100,000 baht (seeds 1, 5, 9, …: in thousands) or
    10–100 baht (the others: as given)."""
    if seed % 2 == 0:
        return rng.integers(2, 61, n) * 250_000.0
    return rng.integers(10, 101, n) * (1000.0 if seed % 4 == 1 else 1.0)


def plan_instance(seed: int) -> tuple[pd.DataFrame, PlanSpec, str]:
    """A seeded random plan instance and its value column."""
    rng = np.random.default_rng(40_000 + seed)
    T = int(rng.integers(1, 5))
    n = int(rng.integers(6, MAX_PROJECTS[T] + 1))
    years = [BASE_YEAR + t for t in range(T)]
    real = seed % 2 == 0
    ids = [f"X{seed}-{j:02d}" for j in range(n)]
    cost = _amounts(rng, n, seed)
    profiles = [PROFILES[int(rng.integers(len(PROFILES)))] for _ in range(n)]
    for j in range(n):  # mostly profiles that fit; a few that never do
        if len(profiles[j]) > T and rng.random() < 0.8:
            profiles[j] = (1.0,)
    value_col = "benefit_baht" if real and rng.random() < 0.7 else "priority"
    value = (np.round(cost * rng.uniform(0.2, 3.0, n), -3) if value_col == "benefit_baht"
             else np.round(rng.random(n), 6) + 0.01)
    requires: list = [None] * n
    for j in range(1, n):
        u = rng.random()
        if u < 0.2:
            requires[j] = ids[int(rng.integers(0, j))]
        elif u < 0.23:
            requires[j] = f"X{seed}-missing"           # not a candidate: never selectable
        elif u < 0.26 and j >= 2:
            requires[j] = [ids[0], ids[1]]
    alt: list = [None] * n
    for g in range(int(rng.integers(0, 3))):
        for j in rng.choice(n, size=int(rng.integers(2, 4)), replace=False):
            alt[int(j)] = f"site {g}"
    df = pd.DataFrame({
        "project_id": ids, "priority": value if value_col == "priority" else 0.5,
        "cost_baht": cost, "cost_profile": profiles,
        "ready": rng.random(n) < 0.75, "eligible": rng.random(n) < 0.9,
        "earliest_start": pd.array([years[-1] if T > 1 and rng.random() < 0.12 else None
                                    for _ in range(n)], dtype="Int64"),
        "requires": requires, "alternative_group": alt,
        "district_code": [f"40{int(d):02d}" for d in rng.integers(1, 4, n)],
        "basin": [("Chi", "Phong", "Mun")[int(b)] for b in rng.integers(0, 3, n)],
    })
    if value_col == "benefit_baht":
        df["benefit_baht"] = value
    grid = 1000.0 if real else 1.0
    per_year = cost.sum() * rng.uniform(0.25, 0.6) / T
    budgets = {y: float(np.floor(per_year * rng.uniform(0.7, 1.3) / grid) * grid)
               for y in years}
    plan_budget = sum(budgets.values())
    limits = []
    if rng.random() < 0.4:
        limits.append(GroupLimit("district_code", min_count=1 + int(rng.random() < 0.15),
                                 name="district floor"))
    if rng.random() < 0.35:
        limits.append(GroupLimit("district_code", max_count=int(rng.integers(1, 4))))
    if rng.random() < 0.35:
        limits.append(GroupLimit("basin", max_share=round(float(rng.uniform(0.3, 0.7)), 2),
                                 name="basin cap"))
    if rng.random() < 0.25:
        limits.append(GroupLimit("district_code", key="4001",
                                 max_baht=float(np.floor(plan_budget * 0.4 / grid) * grid),
                                 min_baht=float(np.floor(plan_budget * 0.05 / grid) * grid)))
    if rng.random() < 0.2:
        limits.append(GroupLimit("basin", key="Chi",
                                 min_share=round(float(rng.uniform(0.03, 0.15)), 2)))
    perm = [int(j) for j in rng.permutation(n)]
    likely = [j for j in perm if df["eligible"].iat[j] and df["ready"].iat[j]
              and len(profiles[j]) < T and requires[j] is None]
    pick = likely if likely and rng.random() < 0.8 else perm
    must_in = {ids[j]: "สัญญาผูกพัน" for j in pick[: int(rng.random() < 0.35)]}
    rest = [j for j in perm if ids[j] not in must_in]
    must_out = {ids[j]: "ซ้ำกับโครงการกรมชลประทาน" for j in rest[: int(rng.random() < 0.3)]}
    fixed = {ids[rest[1]]: years[int(rng.integers(T))]} if rng.random() < 0.25 else {}
    baseline, penalty = None, 0.0
    if rng.random() < 0.35:
        baseline = {ids[j]: years[int(rng.integers(T))] for j in rest[2:5]}
        baseline[f"X{seed}-gone"] = years[0]          # no longer a candidate: ignored
        scale = float(np.median(value))
        penalty = float(rng.choice([0.05, 0.3, 1.0])) * scale
    spec = PlanSpec(years=years, budget_by_year=budgets, group_limits=limits,
                    must_include=must_in, must_exclude=must_out,
                    readiness_first_year=bool(rng.random() < 0.85),
                    start_discount=float(rng.choice([1.0, 0.95, 1.05])),
                    baseline=baseline, stability_penalty=penalty, fixed_start=fixed)
    return df, spec, value_col


def _tolerance(df: pd.DataFrame, value_col: str) -> float:
    """HiGHS's absolute gap (1e-6 of a model objective of order 1), in user units."""
    return 2e-6 * max(1.0, float(df[value_col].abs().max()))


@pytest.mark.parametrize("seed", PLAN_SEEDS)
def test_plan_agrees_with_enumeration(seed):
    df, spec, value_col = plan_instance(seed)
    best = oracle.best_plan(df, spec, value_col)
    if best is None:
        with pytest.raises(InfeasibleSelectionError):
            plan_portfolio(df, spec, value_col=value_col)
        return
    res = plan_portfolio(df, spec, value_col=value_col)
    tol = _tolerance(df, value_col)
    assert res.status == "optimal"
    assert oracle.violations(df, spec, res.starts) == []
    assert res.objective == pytest.approx(oracle.plan_value(df, spec, res.starts, value_col),
                                          abs=1e-9 * max(1.0, abs(best[0])))
    assert res.objective == pytest.approx(best[0], abs=tol)
    assert res.best_bound == pytest.approx(best[0], abs=tol)
    # figures in baht: the plan's spending is its cost, year by year
    for y in spec.years:
        assert res.spend_by_year[y] == pytest.approx(res.plan[f"cost_{y}"].sum(), rel=1e-12)
    sel = res.plan[res.plan["selected"]]
    assert sum(res.spend_by_year.values()) == pytest.approx(sel["cost_baht"].sum(), rel=1e-9)


def test_plan_instances_cover_every_family():
    seen: dict[str, int] = dict.fromkeys([
        "one_year", "four_years", "profile", "horizon", "not_eligible", "not_ready",
        "earliest", "fixed", "must_include", "must_exclude", "requires", "requires_missing",
        "requires_two", "alternatives", "floor_count", "cap_count", "cap_share", "cap_baht",
        "floor_baht", "floor_share", "skipped_floor", "stability", "discount",
        "infeasible", "money_millions", "money_thousands", "money_baht",
        "objective_scaled"], 0)
    for seed in PLAN_SEEDS:
        df, spec, value_col = plan_instance(seed)
        T = len(spec.years)
        lims = spec.group_limits
        seen["one_year"] += T == 1
        seen["four_years"] += T == 4
        seen["profile"] += bool(df["cost_profile"].map(len).gt(1).any())
        seen["horizon"] += bool(df["cost_profile"].map(len).gt(T).any())
        seen["not_eligible"] += bool((~df["eligible"]).any())
        seen["not_ready"] += bool((~df["ready"]).any() and spec.readiness_first_year)
        seen["earliest"] += bool(df["earliest_start"].notna().any())
        seen["fixed"] += bool(spec.fixed_start)
        seen["must_include"] += bool(spec.must_include)
        seen["must_exclude"] += bool(spec.must_exclude)
        req = df["requires"].tolist()
        seen["requires"] += any(isinstance(r, str) and "missing" not in r for r in req)
        seen["requires_missing"] += any(isinstance(r, str) and "missing" in r for r in req)
        seen["requires_two"] += any(isinstance(r, list) for r in req)
        seen["alternatives"] += bool(df["alternative_group"].notna().any())
        seen["floor_count"] += any(g.min_count for g in lims)
        seen["cap_count"] += any(g.max_count is not None for g in lims)
        seen["cap_share"] += any(g.max_share is not None for g in lims)
        seen["cap_baht"] += any(g.max_baht is not None for g in lims)
        seen["floor_baht"] += any(g.min_baht for g in lims)
        seen["floor_share"] += any(g.min_share for g in lims)
        wanted = sum((1 if g.key is not None else df[g.column].nunique())
                     * (bool(g.min_count) + bool(g.min_baht or g.min_share)) for g in lims)
        applied = sum(kind.startswith("min") for _, _, kind, _ in oracle.group_rows(df, spec))
        seen["skipped_floor"] += applied < wanted
        seen["stability"] += spec.stability_penalty > 0
        seen["discount"] += spec.start_discount != 1.0
        best = oracle.best_plan(df, spec, value_col)
        seen["infeasible"] += best is None
        if best is not None:
            _, _, meta = build_plan_model(df, spec, value_col=value_col)
            seen["money_millions"] += meta.scales.money == units.MONEY_UNIT
            seen["money_baht"] += meta.scales.money == 1.0
            seen["money_thousands"] += meta.scales.money == 1000.0
            seen["objective_scaled"] += meta.scales.objective != 1.0
    missing = [k for k, v in seen.items() if v < 3]
    assert not missing, (missing, seen)
    assert seen["infeasible"] <= len(PLAN_SEEDS) // 3      # most instances have a plan


# --------------------------------------------------------------------------------------
# The one-year selection with budget rows
# --------------------------------------------------------------------------------------


def selection_instance(seed: int):
    """A seeded one-year selection: main budget, a fund row by column, a district cap by
    mapping, committed and excluded projects."""
    rng = np.random.default_rng(50_000 + seed)
    n = int(rng.integers(6, 13))
    real = seed % 2 == 0
    ids = [f"S{seed}-{j:02d}" for j in range(n)]
    cost = _amounts(rng, n, seed)
    value_col = "benefit_baht" if real else "priority"
    value = (np.round(cost * rng.uniform(0.2, 3.0, n), -3) if real
             else np.round(rng.random(n), 6) + 0.01)
    df = pd.DataFrame({"project_id": ids, value_col: value, "cost_baht": cost,
                       "district_code": [f"40{int(d):02d}" for d in rng.integers(1, 4, n)]})
    df["fund_share"] = np.where(rng.random(n) < 0.5, cost, 0.0)   # what the fund pays
    grid = 1000.0 if real else 1.0
    budget = float(np.floor(cost.sum() * rng.uniform(0.3, 0.7) / grid) * grid)
    rows = []
    if rng.random() < 0.6:
        rows.append(("fund", "fund_share",
                     float(np.floor(df["fund_share"].sum() * 0.5 / grid) * grid)))
    if rng.random() < 0.6:
        members = df[df["district_code"] == "4001"]
        rows.append(("district 4001 cap", dict(zip(members["project_id"], members["cost_baht"])),
                     float(np.floor(budget * 0.3 / grid) * grid)))
    perm = [int(j) for j in rng.permutation(n)]
    must_in = [ids[j] for j in perm[: int(rng.random() < 0.3)]]
    must_out = [ids[j] for j in perm[1: 1 + int(rng.random() < 0.3)]]
    return df, budget, rows, must_in, must_out, value_col


@pytest.mark.parametrize("seed", SELECTION_SEEDS)
def test_selection_agrees_with_enumeration(seed):
    df, budget, rows, must_in, must_out, value_col = selection_instance(seed)
    best = oracle.best_selection(df, budget, value_col=value_col, cost_col="cost_baht",
                                 rows=rows, must_include=must_in, must_exclude=must_out)
    extra = [BudgetRow(name, costs, limit) for name, costs, limit in rows]
    kwargs = dict(value_col=value_col, extra_budgets=extra, must_include=must_in,
                  must_exclude=must_out)
    if best is None:  # refused before the solve, or HiGHS proves it infeasible
        with pytest.raises((InfeasibleSelectionError, SelectionSolveError)):
            select_projects(df, budget, **kwargs)
        return
    res = select_projects(df, budget, **kwargs)
    assert res.status == "optimal"
    tol = _tolerance(df, value_col)
    assert res.objective == pytest.approx(best[0], abs=tol)
    assert res.best_bound == pytest.approx(best[0], abs=tol)
    chosen = set(res.selected_ids)
    assert set(must_in) <= chosen and not chosen & set(must_out)
    pick = df["project_id"].isin(chosen).to_numpy()
    assert res.budget_used == pytest.approx(df["cost_baht"][pick].sum(), rel=1e-12)
    assert res.budget_used <= budget * (1 + 1e-12)
    for name, costs, limit in rows:
        a = (df[costs].to_numpy() if isinstance(costs, str)
             else df["project_id"].map(costs).fillna(0.0).to_numpy())
        assert res.row_usage[name] == pytest.approx(a[pick].sum(), rel=1e-12)
        assert a[pick].sum() <= limit * (1 + 1e-12)


def test_selection_instances_cover_the_rows_and_both_outcomes():
    kinds = {"column_row": 0, "mapping_row": 0, "must_include": 0, "must_exclude": 0,
             "infeasible": 0, "feasible": 0}
    for seed in SELECTION_SEEDS:
        df, budget, rows, must_in, must_out, value_col = selection_instance(seed)
        kinds["column_row"] += any(isinstance(c, str) for _, c, _ in rows)
        kinds["mapping_row"] += any(isinstance(c, dict) for _, c, _ in rows)
        kinds["must_include"] += bool(must_in)
        kinds["must_exclude"] += bool(must_out)
        best = oracle.best_selection(df, budget, value_col=value_col, cost_col="cost_baht",
                                     rows=rows, must_include=must_in, must_exclude=must_out)
        kinds["infeasible" if best is None else "feasible"] += 1
    assert min(kinds.values()) >= 1 and kinds["feasible"] >= 30, kinds

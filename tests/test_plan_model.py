"""Tests for the multi-year plan model: oneplan.selection.portfolio.plan_portfolio / explain_plan.

The brute force below re-implements the documented semantics (docs/plan-model-api.md)
independently of the model: it enumerates every (project → start year or nothing)
assignment, pruning partial plans that already break a monotone constraint (a yearly
budget, a cap, an alternative group), and checks the rest at the leaves.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from oneplan.selection.explain import REASON_CODES, explain_plan
from oneplan.selection.highs import solve_model
from oneplan.selection.model import build_plan_model
from oneplan.selection.portfolio import (
    GroupLimit,
    InfeasibleSelectionError,
    PlanSpec,
    extract_plan,
    plan_portfolio,
    select_projects,
)

DATA = Path(__file__).parent / "data"
BASE_YEAR = 2570


# --------------------------------------------------------------------------------------
# Random instances touching every constraint family
# --------------------------------------------------------------------------------------

PROFILES_2 = [(1.0,), (1.0,), (0.5, 0.5), (0.3, 0.7)]
PROFILES_3 = PROFILES_2 + [(0.2, 0.3, 0.5)]


def _instance(seed: int):
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(6, 13))
    T = int(rng.choice([2, 3]))
    years = [BASE_YEAR + t for t in range(T)]
    ids = [f"K{seed}-{j:02d}" for j in range(n)]
    profiles = PROFILES_3 if T == 3 else PROFILES_2
    prof = [profiles[int(rng.integers(len(profiles)))] for _ in range(n)]
    cost = rng.integers(10, 101, size=n).astype(float)
    value = rng.random(n).round(1 if seed % 4 == 0 else 6) + 0.01
    ready = rng.random(n) < 0.7
    eligible = rng.random(n) < 0.9
    earliest = [years[1] if rng.random() < 0.15 else None for _ in range(n)]
    requires = [None] * n
    for j in range(1, n):
        if rng.random() < 0.2:
            requires[j] = ids[int(rng.integers(0, j))]
    alt = [None] * n
    for g in range(int(rng.integers(0, 3))):
        members = rng.choice(n, size=int(rng.integers(2, 4)), replace=False)
        for j in members:
            alt[int(j)] = f"site{g}"
    district = [f"D{int(d)}" for d in rng.integers(0, 3, size=n)]
    basin = [("Chi", "Phong")[int(b)] for b in rng.integers(0, 2, size=n)]
    df = pd.DataFrame({
        "project_id": ids, "priority": value, "cost_baht": cost, "cost_profile": prof,
        "ready": ready, "eligible": eligible,
        "earliest_start": pd.array(earliest, dtype="Int64"),
        "requires": requires, "alternative_group": alt,
        "district_code": district, "basin": basin,
    })
    per_year = np.floor(cost.sum() * rng.uniform(0.3, 0.6) / T)
    budget = {y: float(per_year * rng.uniform(0.8, 1.2)) for y in years}
    limits = []
    if rng.random() < 0.6:
        limits.append(GroupLimit("district_code", min_count=1 + int(rng.random() < 0.25),
                                 name="district floor"))
    if rng.random() < 0.4:
        limits.append(GroupLimit("basin", max_share=float(rng.uniform(0.3, 0.7)),
                                 name="basin cap"))
    if rng.random() < 0.4:
        limits.append(GroupLimit("district_code", max_count=int(rng.integers(1, 4))))
    if rng.random() < 0.25:
        limits.append(GroupLimit("basin", key="Chi", min_baht=float(rng.integers(10, 60)),
                                 max_baht=float(rng.integers(80, 200)), name="Chi"))
    if rng.random() < 0.2:
        limits.append(GroupLimit("district_code", key="D0",
                                 min_share=float(rng.uniform(0.03, 0.15))))
    perm = [int(j) for j in rng.permutation(n)]
    likely = [j for j in perm if eligible[j] and ready[j] and len(prof[j]) < T] or perm
    must_in = {ids[j]: "สัญญาผูกพัน" for j in likely[: int(rng.random() < 0.35)]}
    perm = [j for j in perm if ids[j] not in must_in]
    must_out = {ids[j]: "duplicate of an RID project"
                for j in perm[1: 1 + int(rng.random() < 0.3)]}
    fixed = {}
    if rng.random() < 0.3:
        j = perm[2]
        fixed[ids[j]] = years[int(rng.integers(0, T))]
    baseline, penalty = None, 0.0
    if rng.random() < 0.4:
        baseline = {ids[j]: years[int(rng.integers(0, T))] for j in perm[3:6]}
        penalty = float(rng.choice([0.05, 0.2, 1.0]))
    spec = PlanSpec(
        years=years, budget_by_year=budget, group_limits=limits, must_include=must_in,
        must_exclude=must_out, readiness_first_year=bool(rng.random() < 0.85),
        start_discount=float(rng.choice([1.0, 0.97, 0.9])), baseline=baseline,
        stability_penalty=penalty, fixed_start=fixed,
    )
    return df, spec


def _opt(x):
    """None for a missing value (pandas 3 stores None in a string column as NaN)."""
    return x if isinstance(x, str) else None


def _domains(df: pd.DataFrame, spec: PlanSpec) -> list[set[int]]:
    """Start-year indices each project may take (before/after precedence propagation)."""
    years = list(spec.years)
    T = len(years)
    ids = df["project_id"].tolist()
    pos = {p: j for j, p in enumerate(ids)}
    dom = []
    for j, row in enumerate(df.itertuples(index=False)):
        ok = set()
        for k in range(T):
            if not row.eligible or row.project_id in spec.must_exclude:
                continue
            if k + len(row.cost_profile) > T:
                continue
            if not pd.isna(row.earliest_start) and years[k] < row.earliest_start:
                continue
            if spec.readiness_first_year and not row.ready and k == 0:
                continue
            if row.project_id in spec.fixed_start and years[k] != spec.fixed_start[row.project_id]:
                continue
            ok.add(k)
        dom.append(ok)
    committed = set(pos[p] for p in spec.must_include)
    stack = list(committed)
    while stack:  # committed projects and what they require
        r = _opt(df["requires"].iloc[stack.pop()])
        if r is not None and pos[r] not in committed:
            committed.add(pos[r])
            stack.append(pos[r])
    changed = True
    while changed:
        changed = False
        for b, r in enumerate(map(_opt, df["requires"])):
            if r is None:
                continue
            a = pos[r]
            new_b = {k for k in dom[b] if any(s <= k for s in dom[a])}
            new_a = dom[a]
            if b in committed:
                new_a = {s for s in dom[a] if any(k >= s for k in new_b)}
            if new_b != dom[b] or new_a != dom[a]:
                dom[b], dom[a], changed = new_b, new_a, True
    return dom


def _brute_force(df: pd.DataFrame, spec: PlanSpec):
    """Best objective and one best assignment (start index or -1 per project), or None."""
    years = list(spec.years)
    T = len(years)
    n = len(df)
    ids = df["project_id"].tolist()
    pos = {p: j for j, p in enumerate(ids)}
    cost = df["cost_baht"].to_numpy(float)
    value = df["priority"].to_numpy(float)
    budgets = np.array([spec.budget_by_year[y] for y in years])
    dom = _domains(df, spec)
    spend = np.zeros((n, T, T))  # project, start, year
    for j, prof in enumerate(df["cost_profile"]):
        for k in range(T):
            for s, share in enumerate(prof):
                if k + s < T:
                    spend[j, k, k + s] = cost[j] * share
    plan_budget = budgets.sum()
    # resolve group limits into (members, kind, bound); floors only with enough capable
    committed = {pos[p] for p in spec.must_include}
    capable = np.array([bool(dom[j]) and df["eligible"].iloc[j]
                        and (df["ready"].iloc[j] or j in committed) for j in range(n)])
    rows = []
    for lim in spec.group_limits:
        col = df[lim.column].tolist()
        keys = sorted(set(col)) if lim.key is None else [lim.key]
        for key in keys:
            members = np.array([v == key for v in col])
            if lim.max_count is not None:
                rows.append((members, "max_count", lim.max_count))
            caps = [b for b in (lim.max_baht, None if lim.max_share is None
                                else lim.max_share * plan_budget) if b is not None]
            if caps:
                rows.append((members, "max_baht", min(caps)))
            if lim.min_count and (members & capable).sum() >= lim.min_count:
                rows.append((members, "min_count", lim.min_count))
            floors = [b for b in (lim.min_baht, None if lim.min_share is None
                                  else lim.min_share * plan_budget) if b]
            if floors and cost[members & capable].sum() >= max(floors) - 1e-9:
                rows.append((members, "min_baht", max(floors)))
    alt = [_opt(a) for a in df["alternative_group"]]
    groups = sorted({g for g in alt if g is not None})
    alt_m = np.array([[a == g for a in alt] for g in groups], dtype=bool).reshape(len(groups), n)

    choice = np.full((1, 0), -1, dtype=np.int64)
    used = np.zeros((1, T))
    for j in range(n):
        opts = [-1] + sorted(dom[j])
        choice = np.concatenate(
            [np.hstack([choice, np.full((len(choice), 1), o)]) for o in opts])
        used = np.concatenate(
            [used + (spend[j, o] if o >= 0 else 0.0) for o in opts])
        ok = (used <= budgets + 1e-9).all(axis=1)
        chosen = choice >= 0
        for members, kind, bound in rows:
            if kind == "max_count":
                ok &= chosen[:, members[: j + 1]].sum(axis=1) <= bound
            elif kind == "max_baht":
                ok &= (chosen * cost[: j + 1])[:, members[: j + 1]].sum(axis=1) <= bound + 1e-9
        for m in alt_m:
            ok &= chosen[:, m[: j + 1]].sum(axis=1) <= 1
        choice, used = choice[ok], used[ok]
    chosen = choice >= 0
    ok = np.ones(len(choice), dtype=bool)
    for p in spec.must_include:
        ok &= chosen[:, pos[p]]
    for b, r in enumerate(map(_opt, df["requires"])):
        if r is not None:
            a = pos[r]
            ok &= ~chosen[:, b] | (chosen[:, a] & (choice[:, a] <= choice[:, b]))
    for members, kind, bound in rows:
        if kind == "min_count":
            ok &= chosen[:, members].sum(axis=1) >= bound
        elif kind == "min_baht":
            ok &= (chosen * cost)[:, members].sum(axis=1) >= bound - 1e-9
    if not ok.any():
        return None
    choice, chosen = choice[ok], chosen[ok]
    disc = np.where(chosen, spec.start_discount ** np.maximum(choice, 0), 0.0)
    obj = (disc * value).sum(axis=1)
    for p, y in (spec.baseline or {}).items():
        obj += spec.stability_penalty * ((choice[:, pos[p]] == years.index(y)) - 1.0)
    best = int(np.argmax(obj))
    return float(obj[best]), choice[best]


def _check_plan_feasible(df: pd.DataFrame, spec: PlanSpec, res) -> None:
    """Independent check of the reported plan against every rule."""
    years = list(spec.years)
    plan = res.plan
    sel = plan["selected"].to_numpy()
    ids = plan["project_id"].tolist()
    pos = {p: j for j, p in enumerate(ids)}
    start = plan["start_year"]
    for y in years:
        assert plan[f"cost_{y}"].sum() <= spec.budget_by_year[y] + 1e-6
        assert res.spend_by_year[y] == pytest.approx(plan[f"cost_{y}"].sum())
    for j, row in enumerate(df.itertuples(index=False)):
        if not sel[j]:
            assert pd.isna(start.iloc[j])
            assert all(plan[f"cost_{y}"].iloc[j] == 0 for y in years)
            continue
        s = int(start.iloc[j])
        k = years.index(s)
        assert row.eligible and row.project_id not in spec.must_exclude
        assert k + len(row.cost_profile) <= len(years)
        assert pd.isna(row.earliest_start) or s >= row.earliest_start
        assert row.ready or not spec.readiness_first_year or k > 0
        if row.project_id in spec.fixed_start:
            assert s == spec.fixed_start[row.project_id]
        if _opt(row.requires) is not None:
            a = pos[row.requires]
            assert sel[a] and int(start.iloc[a]) <= s
        for t, share in enumerate(row.cost_profile):
            assert plan[f"cost_{years[k + t]}"].iloc[j] == pytest.approx(row.cost_baht * share)
    for p in spec.must_include:
        assert sel[pos[p]]
    for g in set(df["alternative_group"].dropna()):
        assert sel[(df["alternative_group"] == g).to_numpy()].sum() <= 1
    plan_budget = sum(spec.budget_by_year[y] for y in years)
    for lim in spec.group_limits:
        keys = sorted(set(df[lim.column])) if lim.key is None else [lim.key]
        for key in keys:
            m = (df[lim.column] == key).to_numpy() & sel
            if lim.max_count is not None:
                assert m.sum() <= lim.max_count
            if lim.max_baht is not None:
                assert df["cost_baht"][m].sum() <= lim.max_baht + 1e-6
            if lim.max_share is not None:
                assert df["cost_baht"][m].sum() <= lim.max_share * plan_budget + 1e-6


SEEDS = range(48)


@pytest.mark.parametrize("seed", SEEDS)
def test_plan_matches_brute_force(seed):
    df, spec = _instance(seed)
    best = _brute_force(df, spec)
    if best is None:
        with pytest.raises(InfeasibleSelectionError):
            plan_portfolio(df, spec)
        return
    res = plan_portfolio(df, spec)
    assert res.status == "optimal" and res.is_optimal and res.gap == pytest.approx(0, abs=1e-9)
    assert res.objective == pytest.approx(best[0], abs=1e-6)
    assert res.best_bound == pytest.approx(best[0], abs=1e-6)
    _check_plan_feasible(df, spec, res)
    assert res.objective == pytest.approx(res.value_total - res.stability_cost, abs=1e-9)


def test_brute_force_instances_cover_every_family():
    seen = dict.fromkeys(
        ["profiles", "floor", "skipped_floor", "cap_count", "cap_share", "baht_floor",
         "share_floor", "precedence", "alternatives", "not_ready", "not_eligible",
         "must_include", "must_exclude", "fixed_start", "earliest_start", "discount",
         "stability", "infeasible", "two_years", "three_years"], 0)
    for seed in SEEDS:
        df, spec = _instance(seed)
        seen["profiles"] += df["cost_profile"].map(len).gt(1).any()
        seen["floor"] += any(g.min_count for g in spec.group_limits)
        seen["cap_count"] += any(g.max_count is not None for g in spec.group_limits)
        seen["cap_share"] += any(g.max_share is not None for g in spec.group_limits)
        seen["baht_floor"] += any(g.min_baht for g in spec.group_limits)
        seen["share_floor"] += any(g.min_share for g in spec.group_limits)
        seen["precedence"] += df["requires"].notna().any()
        seen["alternatives"] += df["alternative_group"].notna().any()
        seen["not_ready"] += (~df["ready"]).any() and spec.readiness_first_year
        seen["not_eligible"] += (~df["eligible"]).any()
        seen["must_include"] += bool(spec.must_include)
        seen["must_exclude"] += bool(spec.must_exclude)
        seen["fixed_start"] += bool(spec.fixed_start)
        seen["earliest_start"] += df["earliest_start"].notna().any()
        seen["discount"] += spec.start_discount < 1
        seen["stability"] += bool(spec.baseline) and spec.stability_penalty > 0
        seen["two_years"] += len(spec.years) == 2
        seen["three_years"] += len(spec.years) == 3
        if _brute_force(df, spec) is None:
            seen["infeasible"] += 1
        else:
            _, _, meta = build_plan_model(df, spec)
            seen["skipped_floor"] += bool(meta.skipped_floors)
    assert all(v >= 3 for v in seen.values()), seen
    assert seen["infeasible"] <= len(SEEDS) // 4, seen  # most instances are solved


# --------------------------------------------------------------------------------------
# OR-Library mknap1 through the plan model, and the single-year equivalence with v1
# --------------------------------------------------------------------------------------

MKNAP1_OPTIMA = [3800, 8706.1, 4015, 6120, 12400, 10618, 16537]


def _read_mknap1(path: Path) -> list[dict]:
    tokens = iter(path.read_text().split())
    out = []
    for _ in range(int(next(tokens))):
        n, m, opt = int(next(tokens)), int(next(tokens)), float(next(tokens))
        profits = [float(next(tokens)) for _ in range(n)]
        costs = [[float(next(tokens)) for _ in range(n)] for _ in range(m)]
        caps = [float(next(tokens)) for _ in range(m)]
        out.append(dict(n=n, m=m, profits=profits, costs=np.array(costs), caps=caps))
    return out


@pytest.mark.parametrize("k", range(7))
def test_mknap1_through_plan_portfolio(k):
    """Knapsack row r = plan year r: every item spends a_ri in year r.

    Each item's cost profile spans the whole horizon (shares a_ri / Σ_r a_ri), so it can
    only start in the first year and the yearly budgets are exactly the knapsack rows.
    """
    p = _read_mknap1(DATA / "mknap1.txt")[k]
    a = p["costs"]
    total = a.sum(axis=0)
    assert (total > 0).all()
    years = [BASE_YEAR + r for r in range(p["m"])]
    df = pd.DataFrame({
        "project_id": [f"item{j}" for j in range(p["n"])], "profit": p["profits"],
        "cost_baht": total, "cost_profile": [tuple(a[:, j] / total[j]) for j in range(p["n"])],
        "ready": True,
    })
    spec = PlanSpec(years=years, budget_by_year=dict(zip(years, p["caps"])))
    res = plan_portfolio(df, spec, value_col="profit")
    assert res.status == "optimal"
    assert res.objective == pytest.approx(MKNAP1_OPTIMA[k], abs=1e-6)
    assert (res.plan.loc[res.plan["selected"], "start_year"] == years[0]).all()
    chosen = res.plan["selected"].to_numpy()
    for r, y in enumerate(years):
        assert a[r, chosen].sum() <= p["caps"][r] + 1e-6
        assert res.spend_by_year[y] == pytest.approx(a[r, chosen].sum())


@pytest.mark.parametrize("seed", range(10))
def test_one_year_plan_equals_select_projects(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    df = pd.DataFrame({
        "project_id": [f"S{j}" for j in range(n)], "priority": rng.random(n),
        "cost_baht": rng.integers(1, 100, n).astype(float), "ready": True,
    })
    budget = float(np.floor(df["cost_baht"].sum() * rng.uniform(0.2, 0.8)))
    must_in = [f"S{j}" for j in rng.choice(n, size=min(n, 1), replace=False)] if seed % 2 else []
    v1 = select_projects(df, budget, must_include=must_in)
    spec = PlanSpec(years=[BASE_YEAR], budget_by_year={BASE_YEAR: budget},
                    must_include={p: "committed" for p in must_in})
    v2 = plan_portfolio(df, spec)
    assert v2.objective == pytest.approx(v1.objective, abs=1e-9)
    assert v2.spend_by_year[BASE_YEAR] <= budget


# --------------------------------------------------------------------------------------
# Named infeasibility
# --------------------------------------------------------------------------------------


def _site() -> pd.DataFrame:
    return pd.DataFrame({
        "project_id": ["RES-1", "CAN-1", "WEIR-A", "WEIR-B", "POND-1", "WELL-1"],
        "priority": [0.8, 0.6, 0.5, 0.55, 0.3, 0.2],
        "cost_baht": [120e6, 40e6, 30e6, 35e6, 10e6, 5e6],
        "cost_profile": [(0.5, 0.5), None, None, None, None, None],
        "ready": [True, True, True, True, False, True],
        "eligible": [True, True, True, True, True, False],
        "requires": [None, "RES-1", None, None, None, None],
        "alternative_group": [None, None, "weir site", "weir site", None, None],
        "district_code": ["4001", "4001", "4002", "4002", "4003", "4003"],
    })


def _spec(**kw) -> PlanSpec:
    years = kw.pop("years", [2570, 2571, 2572])
    budget = kw.pop("budget", 100e6)
    return PlanSpec(years=years, budget_by_year={y: budget for y in years}, **kw)


def test_committed_over_a_years_budget_names_them():
    spec = _spec(must_include={"RES-1": "ongoing", "WEIR-A": "contract"},
                 fixed_start={"RES-1": 2570, "WEIR-A": 2570}, budget=80e6)
    with pytest.raises(InfeasibleSelectionError) as err:
        plan_portfolio(_site(), spec)
    msg = str(err.value)
    assert "2570" in msg and "RES-1" in msg and "WEIR-A" in msg and "CAN-1" not in msg
    assert "90,000,000" in msg and "80,000,000" in msg


def test_committed_over_budget_across_years_given_profiles():
    # RES-1 (120 M over two years) + CAN-1 (40 M) must fit in 2 years of 70 M
    spec = _spec(years=[2570, 2571], budget=70e6, must_include={"CAN-1": "ongoing"})
    with pytest.raises(InfeasibleSelectionError, match=r"2570–2571.*RES-1.*CAN-1|2570–2571.*CAN-1"):
        plan_portfolio(_site(), spec)


def test_committed_but_not_eligible():
    with pytest.raises(InfeasibleSelectionError, match="WELL-1.*not eligible"):
        plan_portfolio(_site(), _spec(must_include={"WELL-1": "MP request"}))


def test_committed_and_excluded():
    with pytest.raises(InfeasibleSelectionError, match="POND-1.*committed: x.*excluded: y"):
        plan_portfolio(_site(), _spec(must_include={"POND-1": "x"}, must_exclude={"POND-1": "y"}))


def test_committed_requires_an_excluded_project():
    spec = _spec(must_include={"CAN-1": "ongoing"}, must_exclude={"RES-1": "EIA refused"})
    with pytest.raises(InfeasibleSelectionError, match="CAN-1.*RES-1.*excluded.*EIA refused"):
        plan_portfolio(_site(), spec)


def test_two_committed_alternatives():
    spec = _spec(must_include={"WEIR-A": "a", "WEIR-B": "b"})
    with pytest.raises(InfeasibleSelectionError, match="weir site.*WEIR-A, WEIR-B"):
        plan_portfolio(_site(), spec)


def test_committed_not_ready_in_a_one_year_plan():
    spec = _spec(years=[2570], must_include={"POND-1": "ongoing"})
    with pytest.raises(InfeasibleSelectionError, match="POND-1.*not ready"):
        plan_portfolio(_site(), spec)


def test_committed_over_a_group_cap():
    cap = GroupLimit("district_code", key="4001", max_baht=100e6, name="district cap")
    spec = _spec(must_include={"CAN-1": "ongoing"}, group_limits=[cap])
    with pytest.raises(InfeasibleSelectionError, match="district cap.*4001.*CAN-1.*RES-1|"
                       "district cap.*4001.*RES-1.*CAN-1"):
        plan_portfolio(_site(), spec)


def test_floors_that_cannot_all_be_met_are_named():
    floor = GroupLimit("district_code", min_baht=60e6, name="equity floor")
    spec = _spec(years=[2570, 2571], budget=70e6, group_limits=[floor])
    with pytest.raises(InfeasibleSelectionError) as err:
        plan_portfolio(_site(), spec)
    msg = str(err.value)
    # 4002 has 65 M of ready candidates, but they are alternatives: one weir (≤ 35 M)
    assert "equity floor" in msg and "4002" in msg and "4001" not in msg
    assert "4003" in str(build_plan_model(_site(), spec)[2].skipped_floors)


# --------------------------------------------------------------------------------------
# Behaviour of single families
# --------------------------------------------------------------------------------------


def test_site_plan_respects_precedence_alternatives_and_readiness():
    res = plan_portfolio(_site(), _spec(budget=100e6))
    plan = res.plan.set_index("project_id")
    assert plan.loc["CAN-1", "selected"] and plan.loc["RES-1", "selected"]
    assert plan.loc["CAN-1", "start_year"] >= plan.loc["RES-1", "start_year"]
    assert plan.loc[["WEIR-A", "WEIR-B"], "selected"].sum() == 1
    assert plan.loc["POND-1", "start_year"] != 2570
    assert not plan.loc["WELL-1", "selected"]
    assert plan["start_year"].dtype == "Int64"
    assert res.plan.index.equals(_site().index)


def test_floor_gives_every_district_with_a_ready_project_one():
    df = _site()
    df["priority"] = [0.9, 0.8, 0.1, 0.1, 0.05, 0.2]
    df.loc[4, "ready"] = True
    floor = GroupLimit("district_code", min_count=1, name="equity")
    without = plan_portfolio(df, _spec(budget=60e6))
    with_floor = plan_portfolio(df, _spec(budget=60e6, group_limits=[floor]))
    assert with_floor.skipped_floors == []
    got = with_floor.plan.groupby("district_code")["selected"].sum()
    assert (got >= 1).all()
    assert with_floor.objective <= without.objective + 1e-9


def test_stability_keeps_the_approved_plan_unless_change_pays():
    df = _site()
    first = plan_portfolio(df, _spec())
    baseline = dict(zip(first.plan.loc[first.plan["selected"], "project_id"],
                        first.plan.loc[first.plan["selected"], "start_year"].astype(int)))
    df2 = df.copy()
    df2.loc[df2["project_id"] == "WEIR-A", "priority"] = 0.6  # now slightly better than B
    calm = plan_portfolio(df2, _spec(baseline=baseline, stability_penalty=1.0))
    assert calm.changed_from_baseline == [] and calm.stability_cost == 0
    free = plan_portfolio(df2, _spec(baseline=baseline, stability_penalty=0.0))
    assert free.changed_from_baseline
    assert free.value_total >= calm.value_total


def test_fixed_start_and_earliest_start():
    df = _site()
    df["earliest_start"] = pd.array([None, None, 2572, None, None, None], dtype="Int64")
    res = plan_portfolio(df, _spec(fixed_start={"RES-1": 2571}, budget=200e6))
    plan = res.plan.set_index("project_id")
    assert plan.loc["RES-1", "start_year"] == 2571
    assert plan.loc["CAN-1", "start_year"] >= 2571
    if plan.loc["WEIR-A", "selected"]:
        assert plan.loc["WEIR-A", "start_year"] == 2572


def test_force_in_and_force_out():
    res = plan_portfolio(_site(), _spec(), force_in=["POND-1"], force_out=["RES-1"])
    sel = set(res.selected_ids)
    assert "POND-1" in sel and "RES-1" not in sel and "CAN-1" not in sel


def test_build_names_are_deterministic_and_safe():
    df = _site()
    df.loc[5, "project_id"] = "บ่อ 1"
    spec = _spec(group_limits=[GroupLimit("district_code", min_count=1, max_share=0.6,
                                           name="อำเภอ")], must_include={"CAN-1": "ongoing"})
    p1, y1, m1 = build_plan_model(df, spec)
    p2, y2, m2 = build_plan_model(df, spec)
    assert [c for c in p1._constraints] == [c for c in p2._constraints]
    assert [v.name for v in y1.values()] == [v.name for v in y2.values()]
    names = list(p1._constraints)
    assert {"budget_2570", "budget_2571", "budget_2572"} <= set(names)
    assert any(n.startswith("must_include_CAN_1") for n in names)
    assert any(n.startswith("precedence_CAN_1_") and "_needs_RES_1_" in n for n in names)
    assert any(n.startswith("alternative_weir_site") for n in names)
    assert any(n.startswith("group_") and n.endswith("_min_count") for n in names)
    assert all(n.isascii() for n in names) and all(v.name.isascii() for v in y1.values())
    assert ("RES-1", 2570) in y1 and ("POND-1", 2570) not in y1  # not ready in year one


def test_plan_build_is_linear():
    # 20,000 candidates x 3 years (~42,000 binaries, ~16,000 rows) build in about half a
    # second; a quadratic build (Python sum() over PuLP terms) would take minutes.
    n = 20_000
    rng = np.random.default_rng(3)
    df = pd.DataFrame({
        "project_id": [f"N{j}" for j in range(n)], "priority": rng.random(n),
        "cost_baht": rng.integers(1, 100, n) * 1e6,
        "cost_profile": [(1.0,), (0.5, 0.5)] * (n // 2), "ready": rng.random(n) < 0.6,
        "district_code": rng.integers(0, 50, n),
    })
    years = [2570, 2571, 2572]
    spec = PlanSpec(years=years, budget_by_year=dict.fromkeys(years, 5e9),
                    group_limits=[GroupLimit("district_code", max_share=0.05),
                                  GroupLimit("district_code", min_count=1)])
    start = time.perf_counter()
    prob, y, meta = build_plan_model(df, spec)
    assert time.perf_counter() - start < 6
    assert len(y) > 2 * n and len(prob._constraints) > n // 2
    assert meta.build_seconds > 0


def test_solve_model_on_a_plan_reports_timings_and_values():
    prob, y, meta = build_plan_model(_site(), _spec())
    out = solve_model(prob)
    assert out.status == "optimal" and out.has_solution
    assert out.seconds >= out.run_seconds > 0 and out.transfer_seconds >= 0
    res = extract_plan(meta, out)  # reads the PuLP variables' values
    direct = plan_portfolio(_site(), _spec())
    assert res.objective == pytest.approx(direct.objective) == pytest.approx(out.objective)
    assert res.selected_ids == direct.selected_ids


# --------------------------------------------------------------------------------------
# Reasons
# --------------------------------------------------------------------------------------


def test_structural_reasons_are_plain_and_named():
    df = _site()
    df.loc[len(df)] = ["BIG-1", 0.9, 90e6, (0.3, 0.3, 0.4), True, True, None, None, "4003"]
    df.loc[len(df)] = ["CAN-2", 0.4, 10e6, None, True, True, "RES-2", None, "4001"]
    df.loc[len(df)] = ["RES-2", 0.01, 95e6, None, True, True, None, None, "4002"]
    cap = GroupLimit("district_code", key="4001", max_count=2, name="Mueang cap")
    spec = _spec(years=[2570, 2571], budget=100e6, must_exclude={"WEIR-B": "ซ้ำซ้อน"},
                 group_limits=[cap])
    res = plan_portfolio(df, spec)
    ex = explain_plan(df, spec, res).set_index("project_id")
    assert set(ex["reason_code"]) <= set(REASON_CODES)
    assert ex.loc["WELL-1", "reason_code"] == "not_eligible"
    assert ex.loc["WEIR-B", "reason_code"] == "excluded"
    assert "ซ้ำซ้อน" in ex.loc["WEIR-B", "reason_th"]
    assert ex.loc["BIG-1", "reason_code"] == "outside_horizon"
    assert ex.loc["POND-1", "reason_code"] in ("selected", "budget", "group_cap")
    for pid, row in ex.iterrows():
        assert row["reason_th"] and row["reason_en"] and row["reason_en"].endswith(".")
        assert row["selected"] == (pid in res.selected_ids)
    if not ex.loc["CAN-2", "selected"]:
        assert ex.loc["CAN-2", "reason_code"] in ("needs", "group_cap")
        if ex.loc["CAN-2", "reason_code"] == "needs":
            assert ex.loc["CAN-2", "related_id"] == "RES-2"
            assert "RES-2" in ex.loc["CAN-2", "reason_en"]
    one_year = _spec(years=[2570], budget=200e6)
    ex1 = explain_plan(df, one_year, plan_portfolio(df, one_year)).set_index("project_id")
    assert ex1.loc["POND-1", "reason_code"] == "not_ready_year_one"
    assert "2570" in ex1.loc["POND-1", "reason_th"]


def test_alternative_and_cap_reasons_name_the_other_project_and_group():
    df = _site()
    cap = GroupLimit("district_code", key="4001", max_count=1, name="Mueang cap")
    spec = _spec(budget=300e6, group_limits=[cap])
    res = plan_portfolio(df, spec)
    ex = explain_plan(df, spec, res).set_index("project_id")
    loser = "WEIR-A" if "WEIR-B" in res.selected_ids else "WEIR-B"
    winner = "WEIR-B" if loser == "WEIR-A" else "WEIR-A"
    assert ex.loc[loser, "reason_code"] == "alternative_chosen"
    assert ex.loc[loser, "related_id"] == winner and winner in ex.loc[loser, "reason_en"]
    # only one of RES-1 / CAN-1 may enter district 4001, and CAN-1 needs RES-1
    assert ex.loc["CAN-1", "reason_code"] in ("group_cap", "needs")
    if ex.loc["CAN-1", "reason_code"] == "group_cap":
        assert "Mueang cap" in ex.loc["CAN-1", "reason_en"]


@pytest.mark.parametrize("seed", [s for s in range(16)])
def test_reasons_confirmed_by_forced_resolves(seed):
    df, spec = _instance(seed)
    if _brute_force(df, spec) is None:
        return
    res = plan_portfolio(df, spec)
    ex = explain_plan(df, spec, res, max_resolves=60)
    assert len(ex) == len(df) and ex.index.equals(df.index)
    for row in ex.itertuples():
        if not row.confirmed:
            continue
        # at gap 0 the proven lower end and the found plan's loss coincide
        assert row.objective_delta_low == pytest.approx(row.objective_delta, abs=1e-6) or (
            math.isinf(row.objective_delta) and math.isinf(row.objective_delta_low))
        if row.selected and row.reason_code == "selected":  # leave-one-out
            assert row.objective_delta >= -1e-9
            try:
                out = plan_portfolio(df, spec, force_out=[row.project_id])
                assert res.objective - out.objective == pytest.approx(row.objective_delta, abs=1e-6)
            except InfeasibleSelectionError:
                assert math.isinf(row.objective_delta)
        elif not row.selected and row.reason_code in ("budget", "needs", "alternative_chosen",
                                                      "group_cap"):
            try:
                forced = plan_portfolio(df, spec, force_in=[row.project_id])
            except InfeasibleSelectionError:
                assert math.isinf(row.objective_delta)
                continue
            assert row.objective_delta == pytest.approx(res.objective - forced.objective, abs=1e-6)
            assert row.objective_delta >= -1e-9
            if row.reason_code == "needs":
                assert row.related_id in forced.selected_ids
            if row.reason_code == "budget" and row.objective_delta > 1e-9 and row.related_id:
                assert row.related_id not in forced.selected_ids  # really displaced


def test_explain_respects_max_resolves_and_marks_estimates():
    df, spec = _instance(5)
    res = plan_portfolio(df, spec)
    ex0 = explain_plan(df, spec, res, max_resolves=0)
    assert not ex0["confirmed"].any()
    ex2 = explain_plan(df, spec, res, max_resolves=2)
    assert 1 <= ex2["confirmed"].sum() <= 2
    guessed = ex2[~ex2["confirmed"] & np.isfinite(ex2["objective_delta"])
                  & ex2["reason_code"].isin(["selected", "budget", "alternative_chosen",
                                             "group_cap", "needs"])]
    assert len(guessed) and guessed["reason_en"].str.contains(
        r"\(estimate by rule, not re-solved\)").all()
    assert guessed["reason_th"].str.contains("ประมาณการตามกฎ ไม่ได้คำนวณซ้ำ").all()
    assert guessed["objective_delta_low"].isna().all()
    with pytest.raises(ValueError, match="max_resolves"):
        explain_plan(df, spec, res, max_resolves=-1)


def test_explain_builds_and_loads_the_model_once(monkeypatch):
    from oneplan.selection import explain, highs

    calls = {"build": 0, "load": 0, "run": 0}
    build, load, run = (explain.build_plan_model, highs.BulkHiGHS.load,
                        highs.PlanEngine.run)

    def count(key, fn):
        def wrapped(*a, **k):
            calls[key] += 1
            return fn(*a, **k)
        return wrapped

    df, spec = _instance(1)
    res = plan_portfolio(df, spec)
    monkeypatch.setattr(explain, "build_plan_model", count("build", build))
    monkeypatch.setattr(highs.BulkHiGHS, "load", count("load", load))
    monkeypatch.setattr(highs.PlanEngine, "run", count("run", run))
    ex = explain_plan(df, spec, res, max_resolves=6)
    assert calls["build"] == 1 and calls["load"] == 1
    assert calls["run"] == ex["confirmed"].sum() <= 6


def test_forcing_does_not_change_which_floors_apply():
    df = _site()
    floor = GroupLimit("district_code", key="4002", min_count=1, name="equity")
    spec = _spec(group_limits=[floor])
    # forcing both 4002 candidates out leaves the floor unmeetable: a named conflict,
    # not a silently skipped floor
    with pytest.raises(InfeasibleSelectionError, match="equity.*4002"):
        plan_portfolio(df, spec, force_out=["WEIR-A", "WEIR-B"])
    # whereas excluding them in the spec removes them as candidates: the floor is skipped
    res = plan_portfolio(df, _spec(group_limits=[floor],
                                   must_exclude={"WEIR-A": "x", "WEIR-B": "y"}))
    assert res.skipped_floors and "4002" in res.skipped_floors[0]


def test_explain_confirms_at_the_plan_gap():
    df, spec = _instance(2)
    res = plan_portfolio(df, spec, mip_rel_gap=0.5)
    assert res.mip_rel_gap == 0.5
    ex = explain_plan(df, spec, res, max_resolves=4, mip_rel_gap=0.0)
    assert ex["confirmed"].sum() <= 4


def test_explain_rejects_a_result_from_another_spec():
    res = plan_portfolio(_site(), _spec())
    with pytest.raises(ValueError, match="does not match"):
        explain_plan(_site(), _spec(must_exclude={sid: "x" for sid in res.selected_ids[:1]}), res)


# --------------------------------------------------------------------------------------
# Time limit
# --------------------------------------------------------------------------------------


def _hard_plan(seed: int = 7, n: int = 400):
    """Strongly correlated values and costs, two-year profiles, three years."""
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 1001, n).astype(float)
    df = pd.DataFrame({
        "project_id": [f"H{j:03d}" for j in range(n)],
        "priority": cost + rng.integers(1, 101, n),
        "cost_baht": cost,
        "cost_profile": [(0.5, 0.5) if j % 3 else (1.0,) for j in range(n)],
        "ready": True,
        "district_code": rng.integers(0, 8, n),
    })
    years = [2570, 2571, 2572]
    spec = PlanSpec(years=years, budget_by_year=dict.fromkeys(years, cost.sum() / 5),
                    group_limits=[GroupLimit("district_code", max_share=0.2)])
    return df, spec


def test_time_limit_is_reported_with_its_gap():
    df, spec = _hard_plan()
    res = plan_portfolio(df, spec, time_limit_s=0.3)
    assert res.status == "time_limit" and not res.is_optimal
    assert res.gap is not None and res.gap > 0
    assert res.best_bound >= res.objective - 1e-6
    for y in spec.years:
        assert res.spend_by_year[y] <= spec.budget_by_year[y] + 1e-6
    assert res.solve_seconds < 10


def _exact_loss(df, spec, res, row):
    kw = ({"force_out": [row.project_id]} if row.selected
          else {"force_in": [row.project_id]})
    try:
        return res.objective - plan_portfolio(df, spec, **kw).objective
    except InfeasibleSelectionError:
        return math.inf


def test_loose_re_solves_bracket_the_exact_loss():
    """With a loose gap and the early stop, every confirmed loss range still contains
    the exact loss (brute-force-checked instances, exact re-solves at gap 0)."""
    checked = 0
    for seed in range(8):
        df, spec = _instance(seed)
        if _brute_force(df, spec) is None:
            continue
        res = plan_portfolio(df, spec)
        ex = explain_plan(df, spec, res, max_resolves=12, mip_rel_gap=0.05, loss_width=0.5)
        for row in ex[ex["confirmed"]].itertuples():
            exact = _exact_loss(df, spec, res, row)
            if math.isinf(exact):
                assert math.isinf(row.objective_delta)
                continue
            assert row.objective_delta_low - 1e-6 <= exact <= row.objective_delta + 1e-6
            checked += 1
    assert checked >= 10


def test_loss_range_is_written_in_the_sentence():
    from oneplan.selection.explain import reason_texts

    info = {"code": "budget", "short": [2571], "delta": 0.5, "delta_low": 0.25,
            "confirmed": True, "displaced": []}
    data = type("D", (), {"years": [2570, 2571], "T": 2})()
    th, en = reason_texts(info, data, [])
    assert "between 0.250 and 0.500" in en and "0.250–0.500" in th
    info.update(delta_low=-0.1)
    th, en = reason_texts(info, data, [])
    assert "at most 0.500" in en and "ไม่เกิน 0.500" in th
    info.update(delta_low=math.nan)  # re-solved, but HiGHS gave no bound
    th, en = reason_texts(info, data, [])
    assert "at most 0.500" in en
    info.update(delta_low=0.5)
    th, en = reason_texts(info, data, [])
    assert "by 0.500." in en and "(estimate" not in en
    info.update(confirmed=False)
    th, en = reason_texts(info, data, [])
    assert "(estimate by rule, not re-solved)" in en


def test_explain_rejects_a_bad_loss_width():
    df, spec = _instance(1)
    res = plan_portfolio(df, spec)
    with pytest.raises(ValueError, match="loss_width"):
        explain_plan(df, spec, res, loss_width=1.5)


def test_mip_start_keeps_the_optimum_and_ignores_bad_starts():
    df, spec = _instance(4)
    res = plan_portfolio(df, spec)
    again = plan_portfolio(df, spec, mip_start=res)
    assert again.objective == pytest.approx(res.objective, abs=1e-9) and again.is_optimal
    # a start that breaks the budgets (everything, year one) and names unknown ids
    bad = {pid: spec.years[0] for pid in df["project_id"]} | {"NOPE": 2570}
    third = plan_portfolio(df, spec, mip_start=bad)
    assert third.objective == pytest.approx(res.objective, abs=1e-9) and third.is_optimal


def test_guarded_solve_returns_the_plan_or_is_killed():
    from oneplan.selection.portfolio import SelectionSolveError, plan_portfolio_guarded

    df, spec = _instance(3)
    res = plan_portfolio(df, spec)
    guarded = plan_portfolio_guarded(df, spec, time_limit_s=30)
    assert guarded.status == "optimal"
    assert guarded.objective == pytest.approx(res.objective, abs=1e-9)
    assert guarded.selected_ids == res.selected_ids
    with pytest.raises(InfeasibleSelectionError):  # errors come back from the child
        plan_portfolio_guarded(df, spec, force_in=df["project_id"].tolist()[:1],
                               force_out=df["project_id"].tolist()[:1])
    t0 = time.perf_counter()
    with pytest.raises(SelectionSolveError) as err:  # a child that cannot finish in time
        plan_portfolio_guarded(df, spec, time_limit_s=30, hard_limit_s=0.05)
    assert err.value.status == "killed" and time.perf_counter() - t0 < 10

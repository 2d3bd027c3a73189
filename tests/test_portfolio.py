"""Tests for oneplan.selection.portfolio: the 0-1 project-selection model (PuLP + HiGHS)."""

from __future__ import annotations

import itertools
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pulp
import pytest

from oneplan.selection import highs, portfolio
from oneplan.selection.candidates import sanitise_name
from oneplan.selection.highs import (
    STOPPED_EARLY_STATUSES,
    SolveOutcome,
    highs_status_name,
    solve_model,
    solver_versions,
)
from oneplan.selection.model import build_model
from oneplan.selection.portfolio import (
    BudgetRow,
    InfeasibleSelectionError,
    SelectionSolveError,
    select_projects,
)

DATA = Path(__file__).parent / "data"


# --------------------------------------------------------------------------------------
# OR-Library mknap1 (Petersen 1967; Weingartner & Ness 1967): published optima
# --------------------------------------------------------------------------------------

MKNAP1_OPTIMA = [3800, 8706.1, 4015, 6120, 12400, 10618, 16537]


def _read_mknap1(path: Path) -> list[dict]:
    """Format: #problems; per problem: n m optimum; n profits; m rows of n costs; m capacities."""
    tokens = iter(path.read_text().split())
    problems = []
    for _ in range(int(next(tokens))):
        n, m, optimum = int(next(tokens)), int(next(tokens)), float(next(tokens))
        profits = [float(next(tokens)) for _ in range(n)]
        costs = [[float(next(tokens)) for _ in range(n)] for _ in range(m)]
        caps = [float(next(tokens)) for _ in range(m)]
        problems.append(dict(n=n, m=m, optimum=optimum, profits=profits, costs=costs, caps=caps))
    return problems


MKNAP1 = _read_mknap1(DATA / "mknap1.txt")


def test_mknap1_file_matches_published_optima():
    assert [p["optimum"] for p in MKNAP1] == pytest.approx(MKNAP1_OPTIMA)


@pytest.mark.parametrize("k", range(len(MKNAP1_OPTIMA)))
def test_mknap1_reaches_published_optimum(k):
    p = MKNAP1[k]
    df = pd.DataFrame({"project_id": [f"item{j}" for j in range(p["n"])], "profit": p["profits"]})
    for r, row in enumerate(p["costs"]):
        df[f"cost{r}"] = row
    rows = [BudgetRow(f"row{r}", f"cost{r}", cap) for r, cap in enumerate(p["caps"])]
    # every knapsack row is an extra budget row; no separate main budget
    res = select_projects(df, math.inf, value_col="profit", cost_col="cost0", extra_budgets=rows)
    assert res.status == "optimal" and res.is_optimal
    assert res.objective == pytest.approx(MKNAP1_OPTIMA[k], abs=1e-6)
    assert res.gap == pytest.approx(0.0, abs=1e-9)
    assert res.best_bound == pytest.approx(MKNAP1_OPTIMA[k], rel=1e-9)
    chosen = res.selected["selected"].to_numpy()
    for r, cap in enumerate(p["caps"]):
        assert np.asarray(p["costs"][r])[chosen].sum() <= cap + 1e-9
        assert res.row_usage[f"row{r}"] == pytest.approx(np.asarray(p["costs"][r])[chosen].sum())


# --------------------------------------------------------------------------------------
# Brute force on small random instances
# --------------------------------------------------------------------------------------


def _random_instance(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 13))
    m = int(rng.integers(1, 4))
    ids = [f"P{seed}-{j}" for j in range(n)]
    values = rng.random(n)
    if seed % 3 == 0:  # ties
        values = np.round(values, 1)
    costs = rng.integers(0, 101, size=(m, n)).astype(float)
    limits = np.floor(costs.sum(axis=1) * rng.uniform(0.2, 0.8, size=m))
    df = pd.DataFrame({"project_id": ids, "priority": values, "cost_baht": costs[0]})
    extra = []
    for r in range(1, m):
        if r == 2:  # a district-cap style row given as a mapping over some projects
            costs[r, rng.random(n) < 0.4] = 0.0
            mapping = {ids[j]: costs[r, j] for j in range(n) if costs[r, j] > 0}
            extra.append(BudgetRow(f"cap{r}", mapping, limits[r]))
        else:
            df[f"cost{r}"] = costs[r]
            extra.append(BudgetRow(f"year{r}", f"cost{r}", limits[r]))
    perm = rng.permutation(n)
    k_in = int(rng.integers(0, 3)) if seed % 2 else 0
    k_out = int(rng.integers(0, 3)) if seed % 4 in (1, 2) else 0
    must_in = [ids[j] for j in perm[:k_in]]
    must_out = [ids[j] for j in perm[k_in : k_in + k_out]]
    return df, costs, limits, extra, must_in, must_out


def _brute_force(values, costs, limits, must_in_idx, must_out_idx):
    n = len(values)
    subsets = np.array(list(itertools.product([0, 1], repeat=n)), dtype=bool).reshape(-1, n)
    ok = np.all(subsets.astype(float) @ costs.T <= limits + 1e-9, axis=1)
    if must_in_idx:
        ok &= subsets[:, must_in_idx].all(axis=1)
    if must_out_idx:
        ok &= ~subsets[:, must_out_idx].any(axis=1)
    if not ok.any():
        return None
    return float((subsets[ok].astype(float) @ values).max())


@pytest.mark.parametrize("seed", range(40))
def test_matches_brute_force(seed):
    df, costs, limits, extra, must_in, must_out = _random_instance(seed)
    pos = {pid: j for j, pid in enumerate(df["project_id"])}
    must_in_idx = [pos[p] for p in must_in]
    must_out_idx = [pos[p] for p in must_out]
    best = _brute_force(df["priority"].to_numpy(), costs, limits, must_in_idx, must_out_idx)
    kwargs = dict(extra_budgets=extra, must_include=must_in, must_exclude=must_out)
    if best is None:  # only committed projects can make v1 infeasible
        with pytest.raises(InfeasibleSelectionError):
            select_projects(df, limits[0], **kwargs)
        return
    res = select_projects(df, limits[0], **kwargs)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best, abs=1e-6)
    chosen = res.selected["selected"].to_numpy()
    assert np.all(costs[:, chosen].sum(axis=1) <= limits + 1e-9)
    assert all(chosen[pos[p]] for p in must_in)
    assert not any(chosen[pos[p]] for p in must_out)
    assert res.budget_used == pytest.approx(costs[0, chosen].sum())
    assert res.objective == pytest.approx(df.loc[chosen, "priority"].sum())


def test_brute_force_instances_cover_the_features():
    instances = [_random_instance(s) for s in range(40)]
    assert any(len(x[3]) == 2 for x in instances)  # 3 budget rows
    assert any(isinstance(r.costs, dict) for x in instances for r in x[3])
    assert sum(bool(x[4]) for x in instances) >= 5 and sum(bool(x[5]) for x in instances) >= 5


# --------------------------------------------------------------------------------------
# Behaviour and errors
# --------------------------------------------------------------------------------------


def _small() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "project_id": ["KK-01", "KK-02", "KK-03", "KK-04"],
            "priority": [0.9, 0.8, 0.3, 0.5],
            "cost_baht": [60e6, 50e6, 30e6, 45e6],
            "district": ["Mueang", "Mueang", "Phon", "Phon"],
        },
        index=[10, 11, 12, 13],
    )


def test_small_selection_and_result_fields():
    df = _small()
    res = select_projects(df, 100e6)
    assert res.status == "optimal" and res.gap == 0.0
    assert res.selected_ids == ["KK-02", "KK-04"]  # 1.3 beats KK-01 + KK-03 (1.2)
    assert res.objective == pytest.approx(1.3)
    assert res.best_bound == pytest.approx(1.3)
    assert res.budget_used == pytest.approx(95e6)
    assert res.n_candidates == 4 and res.solve_seconds >= 0
    assert "HiGHS" in res.solver
    # input rows (with their index) plus a bool column
    assert res.selected.index.tolist() == [10, 11, 12, 13]
    assert res.selected["selected"].dtype == bool
    assert "selected" not in df.columns


def test_must_include_and_exclude_are_honoured():
    res = select_projects(_small(), 100e6, must_include=["KK-01"], must_exclude=["KK-03"])
    assert res.selected_ids == ["KK-01"]  # KK-01 + KK-04 is over budget, KK-03 excluded
    assert res.objective == pytest.approx(0.9)


def test_district_cap_as_mapping_row():
    df = _small()
    mueang = df.loc[df["district"] == "Mueang"].set_index("project_id")["cost_baht"].to_dict()
    res = select_projects(df, 200e6, extra_budgets=[BudgetRow("Mueang cap", mueang, 70e6)])
    assert res.selected_ids == ["KK-01", "KK-03", "KK-04"]
    assert res.row_usage["Mueang cap"] == pytest.approx(60e6)


def test_changing_thread_count_between_solves():
    # HiGHS keeps one process-wide scheduler; a new thread count must not break the solve
    for threads in (1, 2, None, 1):
        res = select_projects(_small(), 100e6, threads=threads)
        assert res.status == "optimal" and res.objective == pytest.approx(1.3)


def test_infeasible_commitment_names_projects_and_amounts():
    with pytest.raises(InfeasibleSelectionError) as err:
        select_projects(_small(), 100e6, must_include=["KK-01", "KK-02"])
    msg = str(err.value)
    assert isinstance(err.value, ValueError)
    assert "KK-01" in msg and "KK-02" in msg and "KK-03" not in msg
    assert "110,000,000" in msg and "100,000,000" in msg


def test_infeasible_commitment_on_extra_row_names_the_row():
    df = _small()
    with pytest.raises(InfeasibleSelectionError, match="'Phon cap'.*KK-04"):
        select_projects(
            df, 500e6, must_include=["KK-04"],
            extra_budgets=[BudgetRow("Phon cap", {"KK-03": 30e6, "KK-04": 45e6}, 40e6)],
        )


def test_include_and_exclude_same_project():
    with pytest.raises(InfeasibleSelectionError, match="KK-02"):
        select_projects(_small(), 100e6, must_include=["KK-02"], must_exclude=["KK-02"])


def test_unknown_ids_rejected():
    with pytest.raises(ValueError, match="must_include.*KK-99"):
        select_projects(_small(), 100e6, must_include=["KK-99"])
    with pytest.raises(ValueError, match="must_exclude.*KK-98"):
        select_projects(_small(), 100e6, must_exclude=["KK-98"])


def test_duplicated_ids_rejected():
    df = pd.concat([_small(), _small().iloc[[1]]])
    with pytest.raises(ValueError, match="duplicated project id.*KK-02"):
        select_projects(df, 100e6)


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_bad_cost_names_the_project(bad):
    df = _small()
    df.loc[12, "cost_baht"] = bad
    with pytest.raises(ValueError, match="KK-03"):
        select_projects(df, 100e6)


def test_bad_budget_and_missing_columns():
    with pytest.raises(ValueError, match="budget"):
        select_projects(_small(), -5)
    with pytest.raises(ValueError, match="'value'"):
        select_projects(_small(), 100e6, value_col="value")
    with pytest.raises(ValueError, match="duplicate budget row"):
        select_projects(_small(), 1e9, extra_budgets=[BudgetRow("y", "cost_baht", 1e9)] * 2)


def test_empty_candidates_give_empty_optimal_result():
    res = select_projects(_small().iloc[:0], 100e6)
    assert res.status == "optimal" and res.is_optimal
    assert res.objective == 0.0 and res.gap == 0.0 and res.n_candidates == 0
    assert res.budget_used == 0.0 and len(res.selected) == 0
    assert "selected" in res.selected.columns
    with pytest.raises(ValueError, match="KK-01"):
        select_projects(_small().iloc[:0], 100e6, must_include=["KK-01"])


def test_ids_given_as_a_string_rejected():
    with pytest.raises(ValueError, match="collection of project ids"):
        select_projects(_small(), 100e6, must_include="KK-01")
    with pytest.raises(ValueError, match="must_exclude.*KK-01"):
        select_projects(_small().iloc[:0], 100e6, must_exclude=["KK-01"])


def test_model_builds_in_linear_time():
    # 20,000 candidates x 2 rows build in well under a second; a quadratic build
    # (Python sum() over PuLP terms) would take tens of seconds.
    n = 20_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "project_id": [f"P{i}" for i in range(n)],
            "priority": rng.random(n),
            "cost_baht": rng.random(n) * 1e7,
            "year2": rng.random(n),
        }
    )
    start = time.perf_counter()
    prob, x = build_model(df, 1e9, extra_budgets=[BudgetRow("y2", "year2", 100.0)])
    assert time.perf_counter() - start < 5
    assert len(x) == n and len(prob.constraints()) == 2
    assert len(prob.constraints()[0]) == n


def test_deterministic_sanitised_names():
    df = _small()
    df["project_id"] = ["KK-01", "KK 01", "หนองบัว", "P_4"]
    prob1, x1 = build_model(df, 100e6, must_include=["P_4"], must_exclude=["หนองบัว"])
    prob2, x2 = build_model(df, 100e6, must_include=["P_4"], must_exclude=["หนองบัว"])
    names1 = [v.name for v in x1.values()]
    assert names1 == [v.name for v in x2.values()]
    assert len(set(names1)) == 4 and all(n.isascii() for n in names1)
    assert "x_P_4" in names1  # already-safe ids are kept as they are
    cons = [c.name for c in prob1.constraints()]
    assert cons == [c.name for c in prob2.constraints()]
    assert cons[0] == "budget" and "must_include_P_4" in cons
    assert any(c.startswith("must_exclude__") for c in cons)
    assert sanitise_name("KK-01") != sanitise_name("KK 01")


def test_solver_versions():
    v = solver_versions()
    assert set(v) == {"pulp", "highspy"}
    assert all(isinstance(s, str) and s[0].isdigit() for s in v.values())


# --------------------------------------------------------------------------------------
# Status mapping and the time-limit path
# --------------------------------------------------------------------------------------


def test_status_mapping_of_real_highs_members():
    highspy = pytest.importorskip("highspy")
    S = highspy.HighsModelStatus
    assert highs_status_name(S.kOptimal) == "optimal"
    assert highs_status_name(S.kTimeLimit) == "time_limit"
    assert highs_status_name(S.kInfeasible) == "infeasible"
    assert highs_status_name(S.kUnbounded) == "unbounded"
    assert highs_status_name(S.kNotset) == "not_solved"
    assert highs_status_name(S.kSolveError) == "solve_error"
    for member in S.__members__.values():  # every member maps to something known
        assert highs_status_name(member) != "unknown" or member.name == "kUnknown"


def test_status_mapping_of_fake_values():
    class FakeStatus:
        name = "kTimeLimit"

    assert highs_status_name(FakeStatus()) == "time_limit"
    assert highs_status_name("kIterationLimit") == "iteration_limit"
    assert highs_status_name("kSomethingNew") == "unknown"
    assert {"time_limit", "iteration_limit", "interrupted"} <= STOPPED_EARLY_STATUSES


@pytest.mark.parametrize(
    "outcome, ok",
    [
        (SolveOutcome("time_limit", True, 1.2, 1.5, 0.2, 0.1), True),
        (SolveOutcome("time_limit", False, None, 1.5, None, 0.1), False),
        (SolveOutcome("infeasible", False, None, None, None, 0.1), False),
        (SolveOutcome("unbounded", False, None, None, None, 0.1), False),
        (SolveOutcome("solve_error", False, None, None, None, 0.1), False),
    ],
)
def test_status_policy_with_fake_solver(monkeypatch, outcome, ok):
    def fake_solve(prob, **kwargs):
        for var in prob.variables():
            var.varValue = 0.0
        return outcome

    monkeypatch.setattr(portfolio, "solve_model", fake_solve)
    if ok:
        res = select_projects(_small(), 100e6)
        assert res.status == "time_limit" and not res.is_optimal and res.gap == 0.2
    else:
        with pytest.raises(SelectionSolveError) as err:
            select_projects(_small(), 100e6)
        assert err.value.status == outcome.status
        assert outcome.status in str(err.value)


def _hard_instance(seed: int, n: int = 400, m: int = 5):
    """Strongly correlated multidimensional knapsack: values track costs."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 1001, size=(m, n)).astype(float)
    df = pd.DataFrame(
        {
            "project_id": [f"W{j:03d}" for j in range(n)],
            "priority": a.mean(axis=0) + rng.integers(1, 101, size=n),
            "cost_baht": a[0],
        }
    )
    for r in range(1, m):
        df[f"year{r}"] = a[r]
    rows = [BudgetRow(f"year{r}", f"year{r}", 0.5 * a[r].sum()) for r in range(1, m)]
    return df, 0.5 * a[0].sum(), rows, a


def test_time_limit_is_not_reported_as_optimal():
    df, budget, rows, a = _hard_instance(7)
    prob, x = build_model(df, budget, extra_budgets=rows)
    outcome = solve_model(prob, time_limit_s=0.2)
    # PuLP calls a timed-out MIP "Optimal"; the real HiGHS status must not.
    if outcome.status == "optimal":
        assert outcome.gap is not None and outcome.gap <= 1e-9
    else:
        assert outcome.status == "time_limit"
        assert pulp.LpStatus[prob.status] != "Infeasible"

    res = select_projects(df, budget, extra_budgets=rows, time_limit_s=0.2)
    assert res.status in ("optimal", "time_limit")
    if res.status == "optimal":
        assert res.gap is not None and res.gap <= 1e-9
    else:
        assert res.gap is None or res.gap > 0
        assert res.best_bound is None or res.best_bound >= res.objective - 1e-6
    chosen = res.selected["selected"].to_numpy()
    assert np.all(a[:, chosen].sum(axis=1) <= 0.5 * a.sum(axis=1) + 1e-9)
    assert res.solve_seconds < 10


def test_hard_instance_actually_hits_the_time_limit():
    """Guards the test above: on this instance HiGHS cannot prove optimality in 0.2 s."""
    df, budget, rows, _ = _hard_instance(7)
    res = select_projects(df, budget, extra_budgets=rows, time_limit_s=0.2)
    assert res.status == "time_limit"
    assert res.gap is not None and res.gap > 0


# --------------------------------------------------------------------------------------
# The bulk model transfer to HiGHS (passModel) against PuLP's own HiGHS path
# --------------------------------------------------------------------------------------


def _mixed_model(seed: int, sense: int) -> pulp.LpProblem:
    """Continuous (some free), integer and binary variables, =, >= and <= rows, zeros."""
    rng = np.random.default_rng(seed)
    prob = pulp.LpProblem(f"mixed_{seed}", sense)
    xs = []
    for j in range(int(rng.integers(3, 9))):
        kind = j % 3
        if kind == 0:
            xs.append(prob.add_variable(f"b{j}", 0, 1, cat=pulp.LpBinary))
        elif kind == 1:
            xs.append(prob.add_variable(f"i{j}", 0, int(rng.integers(1, 6)), cat=pulp.LpInteger))
        else:
            lo = None if rng.random() < 0.3 else float(rng.integers(-3, 1))
            xs.append(prob.add_variable(f"c{j}", lo, float(rng.integers(1, 8))))
    prob.setObjective(pulp.LpAffineExpression(
        [(x, float(rng.integers(-5, 6))) for x in xs], constant=float(rng.integers(-4, 5))))
    for r in range(int(rng.integers(1, 5))):
        coefs = rng.integers(-3, 4, size=len(xs)).astype(float)
        expr = pulp.LpAffineExpression(list(zip(xs, coefs)))  # explicit zeros included
        sense_r = (pulp.LpConstraintLE, pulp.LpConstraintGE, pulp.LpConstraintEQ)[r % 3]
        rhs = 0.0 if sense_r == pulp.LpConstraintEQ else float(rng.integers(-2, 10))
        prob.addConstraint(pulp.LpConstraint(expr, sense_r, f"r{r}", rhs))
    return prob


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("sense", [pulp.LpMinimize, pulp.LpMaximize])
def test_bulk_transfer_matches_pulps_highs(seed, sense):
    ours = _mixed_model(seed, sense)
    out = solve_model(ours, time_limit_s=10)
    theirs = _mixed_model(seed, sense)
    with highs.quiet_c_stdout():
        theirs.solve(pulp.HiGHS(msg=False, gapRel=0.0))
    their_status = highs_status_name(theirs.solverModel.getModelStatus())
    assert out.status == their_status
    if out.status == "optimal":
        their_obj = pulp.value(theirs.objective)
        assert out.objective == pytest.approx(their_obj, abs=1e-6)
        assert pulp.value(ours.objective) == pytest.approx(their_obj, abs=1e-6)  # varValues
        for con in ours.constraints():  # PuLP's slack convention: >= 0 when satisfied
            lhs = sum(c * v.varValue for v, c in con.items())
            rhs = -con.constant
            expected = rhs - lhs if con.sense == pulp.LpConstraintLE else lhs - rhs
            assert con.slack == pytest.approx(expected, abs=1e-6)
            assert con.slack >= -1e-6
        assert out.transfer_seconds >= 0 and out.run_seconds >= 0
    elif out.status == "infeasible":
        assert all(v.varValue is None for v in ours.variables())
        assert pulp.LpStatus[ours.status] == "Infeasible"


def test_bulk_transfer_passes_highs_options_and_threads():
    df = _small()
    prob, x = build_model(df, 100e6)
    out = solve_model(prob, highs_options={"presolve": "off", "threads": 1})
    assert out.status == "optimal" and out.objective == pytest.approx(1.3)
    value = prob.solverModel.getOptionValue("presolve")
    assert (value[-1] if isinstance(value, tuple) else value) == "off"
    res = select_projects(df, 100e6)
    assert res.objective == pytest.approx(1.3)

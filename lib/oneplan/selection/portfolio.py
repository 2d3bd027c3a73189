"""Choosing water projects, end to end: the one-year selection and the multi-year plan.

:func:`select_projects` (one year, one or more budget rows) and :func:`plan_portfolio`
(several years, start years, groups, precedence, a baseline) validate the candidates,
build the model (:mod:`oneplan.selection.model`), solve it with HiGHS
(:mod:`oneplan.selection.highs`) and read the solution into a :class:`SelectionResult` /
:class:`PlanResult`. :func:`plan_portfolio` splits a national model into province blocks
(:mod:`oneplan.selection.decompose`) when that proves the gap faster;
:func:`plan_portfolio_guarded` runs a solve in a child process with a hard wall-clock
kill. Why each project is in or out: :mod:`oneplan.selection.explain`.

The module is the model's front door: the spec types (:class:`PlanSpec`,
:class:`GroupLimit`, :class:`BudgetRow`) and the errors are importable from here too.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pulp

from oneplan.selection.candidates import (
    AlignedBudgetRow,
    amount_text,
    check_ids,
    prepare_selection,
)
from oneplan.selection.checks import check_committed_fit
from oneplan.selection.errors import InfeasibleSelectionError, SelectionSolveError
from oneplan.selection.highs import (
    INFEASIBLE_STATUSES,
    PlanEngine,
    SolveOutcome,
    check_outcome,
    check_solver_options,
    solve_model,
    solver_label,
)
from oneplan.selection.model import (
    PlanMeta,
    build_plan_model,
    build_selection_model,
    plan_columns,
)
from oneplan.selection.spec import MAIN_BUDGET, BudgetRow, GroupLimit, PlanSpec

__all__ = [
    "MAIN_BUDGET",
    "BudgetRow",
    "GroupLimit",
    "InfeasibleSelectionError",
    "PlanResult",
    "PlanSpec",
    "SelectionResult",
    "SelectionSolveError",
    "extract_plan",
    "extract_result",
    "plan_portfolio",
    "plan_portfolio_guarded",
    "select_projects",
]

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass
class SelectionResult:
    """Outcome of :func:`select_projects`.

    ``status`` is the mapped HiGHS model status (see
    :func:`~oneplan.selection.highs.highs_status_name`);
    ``objective`` is ``Σ v_i`` over the selected projects; ``best_bound`` is HiGHS's proven
    upper bound on the objective (``mip_dual_bound``); ``gap`` the relative MIP gap
    (HiGHS ``mip_gap``; 0.0 when proven optimal, ``None`` when unknown); ``selected`` a
    copy of the candidates with a bool column ``selected``; ``budget_used`` the main-budget
    cost of the selection; ``row_usage`` the usage of every budget row by name.
    """

    status: str
    objective: float
    best_bound: float | None
    gap: float | None
    selected: pd.DataFrame
    solve_seconds: float
    n_candidates: int
    budget_used: float
    solver: str
    row_usage: dict[str, float] = field(default_factory=dict)

    @property
    def is_optimal(self) -> bool:
        """True only if HiGHS proved optimality (within ``mip_rel_gap``)."""
        return self.status == "optimal"

    @property
    def selected_ids(self) -> list[Any]:
        """Ids of the funded projects, in input order (needs ``project_id`` column)."""
        frame = self.selected
        if "project_id" not in frame.columns:
            return frame.index[frame["selected"]].tolist()
        return frame.loc[frame["selected"], "project_id"].tolist()


@dataclass
class PlanResult:
    """Outcome of :func:`plan_portfolio`.

    ``status`` is the mapped HiGHS model status; ``objective`` the plan's objective
    ``Σ value·discount^k − penalty × (approved projects dropped or moved)``, recomputed
    exactly for the reported plan; ``best_bound``/``gap`` HiGHS's proven bound and relative
    gap; ``plan`` a copy of the candidates with ``selected``, ``start_year`` (Int64, NA
    when not selected) and ``cost_<year>`` columns; ``spend_by_year`` the plan's spending
    per year; ``skipped_floors`` the floors not applied (too few ready, eligible
    candidates). ``value_total`` is the discounted value alone, ``stability_cost`` the
    penalty paid, ``changed_from_baseline`` the approved projects dropped or moved, and
    ``mip_rel_gap`` the gap tolerance the plan was solved with (explanations re-solve with
    the same). ``method`` names how the plan and its bound were found: HiGHS
    branch-and-bound on the whole model, or blocks (:mod:`oneplan.selection.decompose`).
    """

    status: str
    objective: float
    best_bound: float | None
    gap: float | None
    solve_seconds: float
    build_seconds: float
    n_candidates: int
    solver: str
    plan: pd.DataFrame
    spend_by_year: dict[int, float]
    skipped_floors: list[str] = field(default_factory=list)
    value_total: float = 0.0
    stability_cost: float = 0.0
    changed_from_baseline: list[Any] = field(default_factory=list)
    mip_rel_gap: float = 0.0
    method: str = "HiGHS branch-and-bound"

    @property
    def is_optimal(self) -> bool:
        """True only if optimality is proved (within ``mip_rel_gap``): by HiGHS, or for a
        decomposed solve by the Lagrangian bound (``method`` says which)."""
        return self.status == "optimal"

    @property
    def selected_ids(self) -> list[Any]:
        """Ids of the selected projects, in input order."""
        return self.plan.loc[self.plan["selected"], "project_id"].tolist()

    @property
    def starts(self) -> dict[Any, int]:
        """Start year of every selected project, in input order."""
        sel = self.plan[self.plan["selected"].astype(bool)]
        return {pid: int(y) for pid, y in zip(sel["project_id"], sel["start_year"])}


# --------------------------------------------------------------------------------------
# The one-year selection
# --------------------------------------------------------------------------------------


def extract_result(
    x: Mapping[Any, pulp.LpVariable],
    candidates: pd.DataFrame,
    outcome: SolveOutcome,
    *,
    value_col: str = "priority",
    rows: Sequence[AlignedBudgetRow] = (),
) -> SelectionResult:
    """Read the 0-1 solution (``x_i > 0.5``) into a :class:`SelectionResult`.

    ``objective`` is recomputed as ``Σ v_i`` over the selected projects (exact for the
    reported plan); each budget row's usage is recomputed and a warning is logged if the
    rounded plan breaks a row by more than a relative 1e-9.
    """
    chosen = np.array([(var.varValue or 0.0) > 0.5 for var in x.values()], dtype=bool)
    selected = candidates.copy()
    selected["selected"] = chosen
    values = pd.to_numeric(candidates[value_col]).to_numpy(dtype=float)
    usage = {row.name: float(row.costs[chosen].sum()) for row in rows}
    for row in rows:
        if usage[row.name] > row.limit * (1 + 1e-9) + 1e-6:
            log.warning(
                "selection uses %s of budget row %r, over its limit %s",
                amount_text(usage[row.name]), row.name, amount_text(row.limit),
            )
    return SelectionResult(
        status=outcome.status,
        objective=float(values[chosen].sum()),
        best_bound=outcome.best_bound,
        gap=outcome.gap,
        selected=selected,
        solve_seconds=outcome.seconds,
        n_candidates=len(candidates),
        budget_used=usage.get(MAIN_BUDGET, 0.0),
        solver=solver_label(),
        row_usage=usage,
    )


def _empty_result(candidates: pd.DataFrame) -> SelectionResult:
    """The result of a selection among no candidates."""
    selected = candidates.copy()
    selected["selected"] = pd.Series(dtype=bool, index=selected.index)
    return SelectionResult(
        status="optimal",
        objective=0.0,
        best_bound=0.0,
        gap=0.0,
        selected=selected,
        solve_seconds=0.0,
        n_candidates=0,
        budget_used=0.0,
        solver=solver_label(),
        row_usage={},
    )


def select_projects(
    candidates: pd.DataFrame,
    budget: float,
    *,
    value_col: str = "priority",
    cost_col: str = "cost_baht",
    id_col: str = "project_id",
    extra_budgets: Sequence[BudgetRow] = (),
    must_include: Iterable[Any] = (),
    must_exclude: Iterable[Any] = (),
    time_limit_s: float = 60,
    mip_rel_gap: float = 0.0,
    threads: int | None = None,
) -> SelectionResult:
    """Choose the projects that maximise total value within the budget(s).

    ``budget`` limits ``Σ cost_col`` (``math.inf`` for no main budget, e.g. when every
    row comes from ``extra_budgets``). Returns a :class:`SelectionResult` whose status is
    ``"optimal"`` (proven, within ``mip_rel_gap``) or a stopped-early status such as
    ``"time_limit"`` with a feasible plan and its real gap.

    Raises:
        ValueError: bad input (missing columns, duplicated/missing ids, NaN or negative
            costs naming the project, unknown ids in must_include/must_exclude).
        InfeasibleSelectionError: committed projects alone exceed a budget row (names
            them and the amounts), or a project is both committed and excluded.
        SelectionSolveError: HiGHS reports infeasible/unbounded/an error, or stopped
            (e.g. time limit) without any feasible plan.
    """
    check_solver_options(time_limit_s, mip_rel_gap)
    if len(candidates) == 0:
        float_budget = float(budget)
        if math.isnan(float_budget) or float_budget < 0:
            raise ValueError(f"budget must be ≥ 0 (or inf), got {budget}")
        for wanted, what in ((must_include, "must_include"), (must_exclude, "must_exclude")):
            check_ids(wanted, {}, what)  # every id is unknown in an empty list
        return _empty_result(candidates)

    prep = prepare_selection(
        candidates, budget, value_col=value_col, cost_col=cost_col, id_col=id_col,
        extra_budgets=extra_budgets, must_include=must_include, must_exclude=must_exclude,
    )
    check_committed_fit(prep.rows, prep.must_include, prep.position)
    prob, x = build_selection_model(prep)
    outcome = solve_model(prob, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
                          threads=threads)
    check_outcome(outcome, time_limit_s, "selection")
    return extract_result(x, candidates, outcome, value_col=value_col, rows=prep.rows)


# --------------------------------------------------------------------------------------
# The multi-year plan
# --------------------------------------------------------------------------------------


def _empty_plan_result(meta: PlanMeta) -> PlanResult:
    """The result of a plan model without columns (nothing can start)."""
    return extract_plan(meta, SolveOutcome("optimal", True, 0.0, 0.0, 0.0, 0.0),
                        x=np.zeros(0, dtype=bool))


def extract_plan(
    meta: PlanMeta,
    outcome: SolveOutcome,
    *,
    x: np.ndarray | None = None,
) -> PlanResult:
    """Read a solved plan into a :class:`PlanResult`.

    ``x`` are the chosen columns (bool, in ``meta.cols`` order); by default they are read
    from the PuLP variables (``varValue > 0.5``, as set by
    :func:`~oneplan.selection.highs.solve_model`). The
    objective is recomputed exactly for the reported plan; a plan that breaks a yearly
    budget by more than a relative 1e-9 is logged as a warning.
    """
    data, cols = meta.data, meta.cols
    n, T, years = data.n, data.T, data.years
    if x is None:
        x = np.fromiter(((v.varValue or 0.0) > 0.5 for v in cols.vars), bool, len(cols.vars))
    chosen = np.flatnonzero(x)
    p = cols.proj[chosen]
    if len(np.unique(p)) != len(p):
        log.warning("a project has more than one start in the solution; keeping the last")
    selected = np.zeros(n, dtype=bool)
    selected[p] = True
    kstart = np.full(n, -1, dtype=np.int64)
    kstart[p] = cols.k[chosen]
    per_project = np.zeros((n, T))
    np.add.at(per_project, p, cols.spend[chosen])
    spend = per_project.sum(axis=0)
    over = spend > data.budgets * (1 + 1e-9) + 1e-6
    if over.any():
        log.warning("plan spends over the budget in %s",
                    [years[t] for t in np.flatnonzero(over)])
    value_total = float((data.values[p] * data.discount ** cols.k[chosen]).sum())
    changed = [data.ids[i] for i, kb in sorted(data.baseline.items()) if kstart[i] != kb]
    plan = data.frame.copy()
    plan["selected"] = selected
    plan["start_year"] = pd.array(
        [years[k] if k >= 0 else pd.NA for k in kstart.tolist()], dtype="Int64"
    )
    for t, year in enumerate(years):
        plan[f"cost_{year}"] = per_project[:, t]
    return PlanResult(
        status=outcome.status,
        objective=float(cols.coef[chosen].sum() + cols.constant),
        best_bound=outcome.best_bound,
        gap=outcome.gap,
        solve_seconds=outcome.seconds,
        build_seconds=meta.build_seconds,
        n_candidates=n,
        solver=solver_label(),
        plan=plan,
        spend_by_year={year: float(spend[t]) for t, year in enumerate(years)},
        skipped_floors=list(meta.skipped_floors),
        value_total=value_total,
        stability_cost=data.penalty * len(changed),
        changed_from_baseline=changed,
    )


def plan_portfolio(
    candidates: pd.DataFrame,
    spec: PlanSpec,
    *,
    value_col: str = "priority",
    time_limit_s: float = 60,
    mip_rel_gap: float = 0.0,
    threads: int | None = None,
    force_in: Iterable[Any] = (),
    force_out: Iterable[Any] = (),
    highs_options: Mapping[str, Any] | None = None,
    mip_start: Mapping[Any, int] | PlanResult | None = None,
    decompose_by: str | None = "auto",
    stop_expected: bool = False,
) -> PlanResult:
    """Choose the projects of a multi-year plan and their start years.

    See ``docs/plan-model-api.md`` and :mod:`oneplan.selection.model` for the model.
    ``force_in``/``force_out`` act as extra must-include/must-exclude entries (used to
    confirm reasons). ``mip_start``: a plan
    known to be good (project id → start year, or a :class:`PlanResult`, e.g. the plan
    at a smaller budget or the approved plan) handed to HiGHS as its first incumbent;
    entries that are not columns of this model are dropped, and HiGHS ignores a start
    that breaks a row, so it can speed a solve up but never change its answer's
    validity. The status is the real HiGHS status: ``"optimal"`` or a stopped-early
    status such as ``"time_limit"`` with a feasible plan and its gap.

    ``decompose_by``: a candidate column (e.g. ``"province_code"``) whose values split a
    large model into blocks solved one by one with a proven Lagrangian bound
    (:mod:`oneplan.selection.decompose`); ``"auto"`` (default) uses ``province_code`` when the
    candidates span two or more provinces and ``mip_rel_gap > 0``; ``None`` never. A
    decomposed plan is ``"optimal"`` only if its gap to that bound is within
    ``mip_rel_gap``; otherwise HiGHS continues on the whole model from it and the
    tighter of the two bounds is reported (``PlanResult.method`` says what was done).

    ``stop_expected``: the solve is time-boxed by design and the caller reports its status
    and gap (the explorer, a confirming re-solve), so a stop is logged at INFO, not as a
    warning (:func:`~oneplan.selection.highs.check_outcome`).

    Raises:
        ValueError: bad input (names the column/projects).
        InfeasibleSelectionError: a conflict found before solving (committed projects
            over a year's budget or a cap, committed but not eligible/excluded/needing an
            excluded project, two committed alternatives, …) or an infeasible model,
            with the commitments/floors that cannot all be met named.
        SelectionSolveError: HiGHS failed, or stopped without a feasible plan.
    """
    check_solver_options(time_limit_s, mip_rel_gap)
    prob, _, meta = build_plan_model(candidates, spec, value_col=value_col,
                                     force_in=force_in, force_out=force_out)
    if not meta.cols.vars:
        return _empty_plan_result(meta)
    engine = PlanEngine(prob, meta, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
                        threads=threads, highs_options=highs_options)
    if mip_start is not None:
        starts = mip_start.starts if isinstance(mip_start, PlanResult) else mip_start
        engine.set_start(plan_columns(meta, starts))
    key = _decomposition_key(meta, decompose_by, mip_rel_gap)
    method = "HiGHS branch-and-bound"
    if key is None:
        outcome, x = engine.run()
    else:
        outcome, x, method = _solve_decomposed(engine, meta, key, time_limit_s=time_limit_s,
                                               mip_rel_gap=mip_rel_gap, threads=threads)
    outcome = SolveOutcome(outcome.status, outcome.has_solution, outcome.objective,
                           outcome.best_bound, outcome.gap,
                           outcome.seconds + engine.solver.transfer_seconds,
                           engine.solver.transfer_seconds, outcome.run_seconds)
    if outcome.status in INFEASIBLE_STATUSES:
        err = InfeasibleSelectionError(engine.diagnose_infeasible())
        err.status = outcome.status
        raise err
    check_outcome(outcome, time_limit_s, "plan", stop_expected=stop_expected)
    result = extract_plan(meta, outcome, x=x)
    result.mip_rel_gap = float(mip_rel_gap)
    result.method = method
    return result


# --------------------------------------------------------------------------------------
# Large plans: blocks, and a guarded child process
# --------------------------------------------------------------------------------------


def _decomposition_key(meta: PlanMeta, decompose_by: str | None, mip_rel_gap: float
                       ) -> str | None:
    """The candidate column to split the model by, or None (see :func:`plan_portfolio`)."""
    if decompose_by is None or not mip_rel_gap > 0:
        return None
    frame = meta.data.frame
    key = "province_code" if decompose_by == "auto" else decompose_by
    if key not in frame.columns:
        if decompose_by == "auto":
            return None
        raise ValueError(f"decompose_by: no column {key!r} in the candidates")
    if frame[key].nunique(dropna=False) < 2:
        return None
    return key


def _solve_decomposed(engine: PlanEngine, meta: PlanMeta, key: str, *,
                      time_limit_s: float, mip_rel_gap: float, threads: int | None
                      ) -> tuple[SolveOutcome, np.ndarray | None, str]:
    """Blocks by ``key`` with a Lagrangian bound; HiGHS on the whole model (from the
    blocks' plan) only if that bound does not already prove the gap.

    A bound beaten by a feasible plan is never clipped to it: the blocks raise
    :class:`~oneplan.selection.decompose.InvalidBoundError` and the whole model is solved
    (from the blocks' plan); a bound beaten after the whole-model run is dropped, and
    the plan is called optimal only if a bound that holds proves it.
    """
    from oneplan.selection import decompose

    t0 = time.perf_counter()

    def whole_model() -> tuple[SolveOutcome, np.ndarray | None, float]:
        spent = time.perf_counter() - t0
        engine.set_time_limit(max(time_limit_s - spent, 1.0))
        outcome, x = engine.run()
        return outcome, x, spent + outcome.seconds

    codes = np.unique(meta.data.frame[key].astype(str).to_numpy(), return_inverse=True)[1]
    block_of_col = np.zeros(engine.highs.getNumCol(), np.int64)
    block_of_col[engine.col] = codes[meta.cols.proj]
    try:
        blocks = decompose.solve_by_blocks(engine.highs, block_of_col,
                                           mip_rel_gap=mip_rel_gap,
                                           time_limit_s=time_limit_s, threads=threads)
    except decompose.InvalidBoundError as why:  # a bug, never a proof: the whole model
        engine.set_start(why.x[engine.col] > 0.5)
        outcome, x, total = whole_model()
        return (dataclasses.replace(outcome, seconds=total), x,
                f"HiGHS branch-and-bound (blocks by {key} not used: {why})")
    except decompose.NotDecomposableError as why:
        outcome, x, total = whole_model()
        return (dataclasses.replace(outcome, seconds=total), x,
                f"HiGHS branch-and-bound (no blocks by {key}: {why})")
    # minimising, in the objective's own units from here on (HiGHS: minimise sign × model)
    sign = -1.0 if engine.sense == pulp.LpMaximize else 1.0
    unit = engine.scales.objective
    b_objective, b_bound = blocks.objective / unit, blocks.bound / unit
    label = (f"{blocks.n_blocks} blocks by {key} (HiGHS each), Lagrangian bound over "
             f"{blocks.n_linking_rows} linking rows")
    x = None if blocks.x is None else blocks.x[engine.col] > 0.5
    if x is not None and blocks.gap <= mip_rel_gap:
        spent = time.perf_counter() - t0
        return (SolveOutcome("optimal", True, sign * b_objective, sign * b_bound,
                             blocks.gap, spent, 0.0, spent), x, label)
    # not proven yet: HiGHS on the whole model from the blocks' plan, tighter bound kept
    if x is not None:
        engine.set_start(x)
    else:  # no plan within the shares: the Lagrangian plan (HiGHS drops it if it breaks a row)
        engine.set_start(blocks.start[engine.col] > 0.5)
        label += f" ({blocks.note})"
    outcome, x_full, total = whole_model()
    label += "; then HiGHS on the whole model"
    if not outcome.has_solution and x is None:
        return dataclasses.replace(outcome, seconds=total), x_full, label
    best_x, objective = x, b_objective
    if outcome.has_solution and (x is None or sign * outcome.objective < objective):
        best_x, objective = x_full, sign * outcome.objective
    slack = decompose.BOUND_TOLERANCE * max(1.0, abs(objective))
    bounds = {"Lagrangian": b_bound}
    if outcome.best_bound is not None:
        bounds["HiGHS"] = sign * outcome.best_bound
    beaten = {name: b for name, b in bounds.items() if b > objective + slack}
    for name, b in beaten.items():
        log.warning("%s bound %.12g is beaten by a feasible plan %.12g (minimising); "
                    "not used", name, b, objective)
        label += f" ({name} bound beaten by a plan, not used)"
    valid = {name: b for name, b in bounds.items() if name not in beaten}
    if not valid:
        raise SelectionSolveError(
            "no bound on the plan holds: both the Lagrangian and HiGHS's bound are beaten "
            "by a feasible plan (numerical trouble); the plan cannot be called optimal",
            "bound_invalid")
    proof = max(valid, key=valid.__getitem__)
    bound = valid[proof]
    gap = max((objective - bound) / max(abs(objective), 1e-12), 0.0)
    if gap <= mip_rel_gap:
        status = "optimal"
        if outcome.status != "optimal" or "HiGHS" in beaten:
            label += f" ({outcome.status}, proven by the {proof} bound)"
    elif "HiGHS" in beaten:  # HiGHS's own proof fails: its status says nothing
        raise SelectionSolveError(
            f"HiGHS ended {outcome.status} with a bound that a feasible plan beats "
            f"(numerical trouble); the Lagrangian bound leaves a gap of {gap:.3g}",
            "bound_invalid")
    else:
        status = outcome.status
    return (SolveOutcome(status, True, sign * objective, sign * bound, gap, total, 0.0, total),
            best_x, label)


def _guarded_child(conn, candidates, spec, kwargs) -> None:  # pragma: no cover - child
    """Run :func:`plan_portfolio` and send its result (or error) back to the parent."""
    try:
        conn.send(("ok", plan_portfolio(candidates, spec, **kwargs)))
    except BaseException as exc:  # sent back and re-raised in the parent
        conn.send(("error", exc))
    finally:
        conn.close()


def plan_portfolio_guarded(
    candidates: pd.DataFrame,
    spec: PlanSpec,
    *,
    time_limit_s: float = 60,
    hard_limit_s: float | None = None,
    **kwargs: Any,
) -> PlanResult:
    """:func:`plan_portfolio` in a child process that is killed if it overruns.

    HiGHS gets ``time_limit_s`` and normally stops there with its incumbent and gap
    (status ``time_limit``). On very large models it has been seen to overrun its limit
    during MIP set-up (0.5 s limit, 5.4 s at 20,000 candidates), where neither its clock
    nor a callback is checked; a run that must not hang (a batch of 76 provinces) uses
    this instead: the solve runs in a fresh process (``spawn``: no HiGHS thread pool is
    inherited), and is killed at ``hard_limit_s`` (default ``2 × time_limit_s + 10``).
    The extra process costs about a second (start-up and imports), so it is meant for
    the large solves only.

    Returns:
        The child's :class:`PlanResult` (same status policy as :func:`plan_portfolio`).

    Raises:
        SelectionSolveError: status ``killed`` when the child did not finish by
            ``hard_limit_s`` (no plan is available then), or the child died.
        Any error :func:`plan_portfolio` raises (re-raised from the child).
    """
    import multiprocessing as mp

    check_solver_options(time_limit_s, kwargs.get("mip_rel_gap", 0.0))
    hard = 2 * float(time_limit_s) + 10 if hard_limit_s is None else float(hard_limit_s)
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    kwargs = dict(kwargs, time_limit_s=time_limit_s)
    proc = ctx.Process(target=_guarded_child, args=(child, candidates, spec, kwargs),
                       daemon=True)
    start = time.perf_counter()
    proc.start()
    child.close()
    try:
        if not parent.poll(hard):
            raise SelectionSolveError(
                f"the plan solve did not finish within {hard:.1f} s (HiGHS time limit "
                f"{time_limit_s:g} s) and was stopped; no plan is available", "killed")
        try:
            kind, payload = parent.recv()
        except EOFError:
            raise SelectionSolveError(
                f"the plan solve process died (exit code {proc.exitcode})", "solve_error"
            ) from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()
    log.info("guarded plan solve: %.2f s in a child process", time.perf_counter() - start)
    if kind == "error":
        raise payload
    return payload

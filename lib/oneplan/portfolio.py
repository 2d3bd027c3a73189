"""Water-project portfolio selection: a 0-1 (multidimensional) knapsack in PuLP, solved by HiGHS.

Model (v1)
----------
Sets and data: candidate projects ``i ∈ P`` with value ``v_i`` (default: the priority from
:mod:`oneplan.priority`) and cost ``c_i`` (baht); the main budget ``B``; optional extra
budget rows ``r ∈ R`` (fund sources, fiscal years, district caps) with costs ``a_ri`` and
limits ``L_r``; committed projects ``I ⊆ P`` and excluded projects ``E ⊆ P``.

Variables: ``x_i ∈ {0, 1}``, 1 if project ``i`` is funded.

::

    maximise    Σ_i v_i x_i
    subject to  Σ_i c_i  x_i ≤ B                 (budget)
                Σ_i a_ri x_i ≤ L_r   ∀ r ∈ R     (budget_<row>)
                x_i = 1              ∀ i ∈ I     (must_include_<id>)
                x_i = 0              ∀ i ∈ E     (must_exclude_<id>)

Structure, so that later versions (multi-year budgets, district caps, precedence,
alternatives, readiness) slot in as further ``add_*`` functions:

* :func:`build_model` validates the input, runs the cheap infeasibility pre-checks and
  orchestrates :func:`add_objective`, :func:`add_budget_constraints` and
  :func:`add_fixed_choices`. Each ``add_*`` states its algebra in its docstring, returns
  early on empty input and names every constraint deterministically from sanitised ids
  (:func:`sanitise_name`). Expressions are built in linear time from ``(var, coef)``
  pairs (never Python's ``sum()`` over PuLP terms, which is quadratic).
* :func:`solve_model` runs HiGHS in-process and reports the **real** HiGHS model status
  (:func:`highs_status_name`). PuLP maps a time limit to ``"Optimal"``, so
  ``pulp.LpStatus`` is never used to decide whether a plan is optimal.
* :func:`extract_result` turns the solved model into a :class:`SelectionResult`.

:func:`select_projects` does the three steps in order.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import re
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pulp

__all__ = [
    "BudgetRow",
    "InfeasibleSelectionError",
    "SelectionResult",
    "SelectionSolveError",
    "SolveOutcome",
    "MAIN_BUDGET",
    "STOPPED_EARLY_STATUSES",
    "add_budget_constraints",
    "add_fixed_choices",
    "add_objective",
    "build_model",
    "extract_result",
    "highs_status_name",
    "sanitise_name",
    "select_projects",
    "solve_model",
    "solver_versions",
]

log = logging.getLogger(__name__)

MAIN_BUDGET = "budget"
"""Name of the main budget row (constraint ``budget``); extra rows are ``budget_<name>``."""


# --------------------------------------------------------------------------------------
# Errors, input and result types
# --------------------------------------------------------------------------------------


class InfeasibleSelectionError(ValueError):
    """The selection is infeasible before solving (e.g. committed projects exceed a budget)."""


class SelectionSolveError(RuntimeError):
    """HiGHS did not return a usable plan; ``status`` is the mapped HiGHS model status."""

    def __init__(self, message: str, status: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class BudgetRow:
    """One extra budget row ``Σ_i a_i x_i ≤ limit``.

    ``costs`` is either the name of a candidates column, or a mapping project id → cost
    (ids absent from the mapping cost 0 in this row, e.g. a district cap lists only that
    district's projects). ``limit`` may be ``math.inf`` (row is then omitted).
    """

    name: str
    costs: str | Mapping[Hashable, float]
    limit: float


@dataclass
class SelectionResult:
    """Outcome of :func:`select_projects`.

    ``status`` is the mapped HiGHS model status (see :func:`highs_status_name`);
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


@dataclass(frozen=True)
class _Row:
    """A resolved budget row: costs aligned with the candidate order."""

    name: str
    constraint: str
    costs: np.ndarray
    limit: float


@dataclass
class _Prepared:
    ids: list[Any]
    names: list[str]
    values: np.ndarray
    rows: list[_Row]
    must_include: list[Any]
    must_exclude: list[Any]


# --------------------------------------------------------------------------------------
# Names, versions, status mapping
# --------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^0-9A-Za-z_]")


def sanitise_name(value: Any) -> str:
    """A deterministic, LP-safe fragment for a PuLP name.

    ASCII letters, digits and ``_`` are kept; anything else becomes ``_`` and, so that
    e.g. ``"KK-01"`` and ``"KK 01"`` (or two Thai ids) stay distinct, a short SHA-1 of the
    original text is appended: ``"KK-01"`` → ``"KK_01_<8 hex>"``.
    """
    text = str(value)
    clean = _UNSAFE.sub("_", text)
    if clean != text or not clean:
        clean = f"{clean}_{hashlib.sha1(text.encode('utf-8')).hexdigest()[:8]}"
    return clean


def solver_versions() -> dict[str, str]:
    """Versions of the optimisation stack, for provenance."""
    out = {}
    for dist in ("pulp", "highspy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover - both are dependencies
            out[dist] = "not installed"
    return out


def _solver_label() -> str:
    v = solver_versions()
    return f"HiGHS (highspy {v['highspy']}) via PuLP {v['pulp']}"


# HighsModelStatus member name -> status string. Keyed by *name* so that members added
# or missing in other highspy versions do not break the import.
_HIGHS_STATUS: dict[str, str] = {
    "kOptimal": "optimal",
    "kTimeLimit": "time_limit",
    "kIterationLimit": "iteration_limit",
    "kSolutionLimit": "solution_limit",
    "kMemoryLimit": "memory_limit",
    "kInterrupt": "interrupted",
    "kHighsInterrupt": "interrupted",
    "kObjectiveBound": "objective_bound",
    "kObjectiveTarget": "objective_target",
    "kInfeasible": "infeasible",
    "kUnbounded": "unbounded",
    "kUnboundedOrInfeasible": "unbounded_or_infeasible",
    "kNotset": "not_solved",
    "kModelEmpty": "model_empty",
    "kLoadError": "load_error",
    "kModelError": "model_error",
    "kPresolveError": "presolve_error",
    "kSolveError": "solve_error",
    "kPostsolveError": "postsolve_error",
    "kUnknown": "unknown",
}

STOPPED_EARLY_STATUSES: frozenset[str] = frozenset(
    {
        "time_limit",
        "iteration_limit",
        "solution_limit",
        "memory_limit",
        "interrupted",
        "objective_bound",
        "objective_target",
    }
)
"""Statuses where HiGHS stopped before proving optimality; usable only with a solution."""


def highs_status_name(model_status: Any) -> str:
    """Map a ``highspy.HighsModelStatus`` (or its member name) to a status string.

    ================================  ===========================
    HiGHS                              status
    ================================  ===========================
    kOptimal                          ``optimal``
    kTimeLimit                        ``time_limit``
    kIterationLimit                   ``iteration_limit``
    kSolutionLimit                    ``solution_limit``
    kMemoryLimit                      ``memory_limit``
    kInterrupt, kHighsInterrupt       ``interrupted``
    kObjectiveBound / kObjectiveTarget ``objective_bound`` / ``objective_target``
    kInfeasible                       ``infeasible``
    kUnbounded                        ``unbounded``
    kUnboundedOrInfeasible            ``unbounded_or_infeasible``
    kNotset                           ``not_solved``
    kModelEmpty                       ``model_empty``
    kLoadError … kPostsolveError      ``load_error`` … ``postsolve_error``
    kUnknown, anything else           ``unknown``
    ================================  ===========================
    """
    name = model_status if isinstance(model_status, str) else getattr(model_status, "name", None)
    if name is None:
        name = str(model_status).rsplit(".", 1)[-1]
    status = _HIGHS_STATUS.get(name)
    if status is None:
        log.warning("unrecognised HiGHS model status %r; treating it as 'unknown'", model_status)
        return "unknown"
    return status


# --------------------------------------------------------------------------------------
# Validation and pre-checks
# --------------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return format(float(x), ",.10g")


def _list(items: Sequence[Any], limit: int = 10) -> str:
    shown = ", ".join(map(str, items[:limit]))
    return shown + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


def _numeric(
    frame: pd.DataFrame, col: str, ids: list[Any], *, what: str, nonneg: bool
) -> np.ndarray:
    if col not in frame.columns:
        raise ValueError(f"{what} column {col!r} is missing from the candidates")
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if nonneg:
        bad |= values < 0
    if bad.any():
        detail = [f"{ids[k]} ({frame[col].iloc[k]!r})" for k in np.flatnonzero(bad)]
        need = "finite and ≥ 0" if nonneg else "finite"
        raise ValueError(
            f"{what} column {col!r} must be {need}; not so for project(s): {_list(detail)}"
        )
    return values


def _resolve_rows(
    frame: pd.DataFrame,
    ids: list[Any],
    budget: float,
    cost_col: str,
    extra_budgets: Sequence[BudgetRow],
) -> list[_Row]:
    """The main budget row plus the extra rows, with costs aligned to ``ids``."""
    rows: list[_Row] = []
    budget = float(budget)
    if math.isnan(budget) or budget < 0:
        raise ValueError(f"budget must be ≥ 0 (or inf), got {budget}")
    costs = _numeric(frame, cost_col, ids, what="cost", nonneg=True)
    rows.append(_Row(MAIN_BUDGET, MAIN_BUDGET, costs, budget))

    position = {pid: k for k, pid in enumerate(ids)}
    seen = {MAIN_BUDGET}
    for row in extra_budgets:
        constraint = f"{MAIN_BUDGET}_{sanitise_name(row.name)}"
        if constraint in seen:
            raise ValueError(f"duplicate budget row name {row.name!r}")
        seen.add(constraint)
        limit = float(row.limit)
        if math.isnan(limit) or limit < 0:
            raise ValueError(f"budget row {row.name!r}: limit must be ≥ 0 (or inf), got {limit}")
        if isinstance(row.costs, str):
            a = _numeric(frame, row.costs, ids, what=f"budget row {row.name!r} cost", nonneg=True)
        else:
            a = np.zeros(len(ids), dtype=float)
            unknown = []
            for pid, c in row.costs.items():
                k = position.get(pid)
                if k is None:
                    unknown.append(pid)
                    continue
                c = float(c)
                if not math.isfinite(c) or c < 0:
                    raise ValueError(
                        f"budget row {row.name!r}: cost of project {pid} must be finite "
                        f"and ≥ 0, got {c}"
                    )
                a[k] = c
            if unknown:
                log.warning(
                    "budget row %r lists %d project id(s) not among the candidates (ignored): %s",
                    row.name, len(unknown), _list(unknown),
                )
        rows.append(_Row(str(row.name), constraint, a, limit))
    return rows


def _id_list(wanted: Iterable[Any], what: str) -> list[Any]:
    if isinstance(wanted, (str, bytes)):
        raise ValueError(f"{what} must be a collection of project ids, not the string {wanted!r}")
    return list(dict.fromkeys(wanted))


def _check_ids(wanted: Iterable[Any], position: Mapping[Any, int], what: str) -> list[Any]:
    out = _id_list(wanted, what)
    unknown = [pid for pid in out if pid not in position]
    if unknown:
        raise ValueError(f"{what} lists unknown project id(s): {_list(unknown)}")
    return out


def _check_committed_fit(
    rows: Sequence[_Row], must_include: Sequence[Any], position: Mapping[Any, int]
) -> None:
    """Raise :class:`InfeasibleSelectionError` if the committed projects alone break a budget row.

    The message names every budget row that is broken, the committed projects with a
    cost in that row, and the amounts.
    """
    if not must_include:
        return
    idx = [position[pid] for pid in must_include]
    problems = []
    for row in rows:
        total = float(row.costs[idx].sum())
        if total > row.limit * (1 + 1e-12) + 1e-9:
            parts = [
                f"{pid} ({_fmt(row.costs[k])})"
                for pid, k in zip(must_include, idx)
                if row.costs[k] > 0
            ]
            problems.append(
                f"budget row {row.name!r}: committed projects cost {_fmt(total)} > limit "
                f"{_fmt(row.limit)} (over by {_fmt(total - row.limit)}): {_list(parts, 50)}"
            )
    if problems:
        raise InfeasibleSelectionError(
            "must-include projects alone exceed the budget; " + "; ".join(problems)
        )


def _prepare(
    candidates: pd.DataFrame,
    budget: float,
    *,
    value_col: str,
    cost_col: str,
    id_col: str,
    extra_budgets: Sequence[BudgetRow],
    must_include: Iterable[Any],
    must_exclude: Iterable[Any],
) -> _Prepared:
    """Validate everything that can be checked before building the model."""
    if id_col not in candidates.columns:
        raise ValueError(f"id column {id_col!r} is missing from the candidates")
    id_series = candidates[id_col]
    if id_series.isna().any():
        rows = candidates.index[id_series.isna()].tolist()
        raise ValueError(f"id column {id_col!r} has missing values at row(s): {_list(rows)}")
    dup = id_series[id_series.duplicated(keep=False)].unique().tolist()
    if dup:
        raise ValueError(f"duplicated project id(s) in {id_col!r}: {_list(dup)}")
    ids = id_series.tolist()
    position = {pid: k for k, pid in enumerate(ids)}

    names = [f"x_{sanitise_name(pid)}" for pid in ids]
    if len(set(names)) != len(names):
        clash = pd.Series(names)[pd.Series(names).duplicated(keep=False)]
        raise ValueError(
            "project ids map to the same variable name (e.g. 1 and '1'): "
            + _list([ids[k] for k in clash.index])
        )

    values = _numeric(candidates, value_col, ids, what="value", nonneg=False)
    rows = _resolve_rows(candidates, ids, budget, cost_col, extra_budgets)
    include = _check_ids(must_include, position, "must_include")
    exclude = _check_ids(must_exclude, position, "must_exclude")
    excluded = set(exclude)
    both = [pid for pid in include if pid in excluded]
    if both:
        raise InfeasibleSelectionError(
            f"project(s) both in must_include and must_exclude: {_list(both)}"
        )
    _check_committed_fit(rows, include, position)
    return _Prepared(ids, names, values, rows, include, exclude)


# --------------------------------------------------------------------------------------
# Model building
# --------------------------------------------------------------------------------------


def add_objective(
    prob: pulp.LpProblem, x: Mapping[Any, pulp.LpVariable], values: Mapping[Any, float]
) -> None:
    """Objective: ``maximise Σ_i v_i x_i``.

    Every variable enters the objective (zero coefficients included) so that each one is
    registered with the problem even if it appears in no constraint.
    """
    if not x:
        return
    prob.setObjective(pulp.LpAffineExpression([(x[pid], float(values[pid])) for pid in x]))


def add_budget_constraints(
    prob: pulp.LpProblem, x: Mapping[Any, pulp.LpVariable], rows: Sequence[_Row]
) -> None:
    """Budget rows: ``Σ_i a_ri x_i ≤ L_r`` for every row ``r`` with a finite limit.

    Named ``budget`` (main row) and ``budget_<sanitised row name>``. Zero costs are left
    out of the row; a row with an infinite limit is omitted.
    """
    if not rows or not x:
        return
    pids = list(x)
    for row in rows:
        if not math.isfinite(row.limit):
            continue
        expr = pulp.LpAffineExpression(
            (x[pids[k]], float(row.costs[k])) for k in np.flatnonzero(row.costs)
        )
        prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, row.constraint, row.limit))


def add_fixed_choices(
    prob: pulp.LpProblem,
    x: Mapping[Any, pulp.LpVariable],
    must_include: Iterable[Any] = (),
    must_exclude: Iterable[Any] = (),
) -> None:
    """Committed and excluded projects: ``x_i = 1 ∀ i ∈ I``, ``x_i = 0 ∀ i ∈ E``.

    Named ``must_include_<sanitised id>`` / ``must_exclude_<sanitised id>``. Explicit
    constraints (rather than variable bounds) keep the choice visible in an LP export.
    """
    include, exclude = list(must_include), list(must_exclude)
    if not include and not exclude:
        return
    for fixed, prefix, pids in ((1, "must_include", include), (0, "must_exclude", exclude)):
        for pid in pids:
            name = f"{prefix}_{sanitise_name(pid)}"
            expr = pulp.LpAffineExpression([(x[pid], 1.0)])
            prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintEQ, name, fixed))


def build_model(
    candidates: pd.DataFrame,
    budget: float,
    *,
    value_col: str = "priority",
    cost_col: str = "cost_baht",
    id_col: str = "project_id",
    extra_budgets: Sequence[BudgetRow] = (),
    must_include: Iterable[Any] = (),
    must_exclude: Iterable[Any] = (),
) -> tuple[pulp.LpProblem, dict[Any, pulp.LpVariable]]:
    """Validate the input, pre-check feasibility and build the model (see module docstring).

    Returns the ``pulp.LpProblem`` and the binary variables keyed by project id, in input
    order. Raises ``ValueError`` for bad input and :class:`InfeasibleSelectionError` when
    the committed projects alone break a budget row.
    """
    prep = _prepare(
        candidates, budget, value_col=value_col, cost_col=cost_col, id_col=id_col,
        extra_budgets=extra_budgets, must_include=must_include, must_exclude=must_exclude,
    )
    return _build(prep)


def _build(prep: _Prepared) -> tuple[pulp.LpProblem, dict[Any, pulp.LpVariable]]:
    prob = pulp.LpProblem("water_portfolio", pulp.LpMaximize)
    x = {
        pid: prob.add_variable(name, 0, 1, cat=pulp.LpBinary)
        for pid, name in zip(prep.ids, prep.names)
    }
    add_objective(prob, x, dict(zip(prep.ids, prep.values)))
    add_budget_constraints(prob, x, prep.rows)
    add_fixed_choices(prob, x, prep.must_include, prep.must_exclude)
    log.debug(
        "built selection model: %d candidates, %d constraints "
        "(%d budget rows, %d committed, %d excluded)",
        len(x),
        prob.numConstraints(),
        len(prep.rows),
        len(prep.must_include),
        len(prep.must_exclude),
    )
    return prob, x


# --------------------------------------------------------------------------------------
# Solving and extraction
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SolveOutcome:
    """What HiGHS reported, in the objective's own sense."""

    status: str
    has_solution: bool
    objective: float | None
    best_bound: float | None
    gap: float | None
    seconds: float


def _finite(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _check_solver_options(time_limit_s: float, mip_rel_gap: float) -> None:
    if not (time_limit_s > 0):  # also rejects NaN
        raise ValueError(f"time_limit_s must be > 0, got {time_limit_s}")
    if not (0 <= mip_rel_gap < 1):
        raise ValueError(f"mip_rel_gap must be in [0, 1), got {mip_rel_gap}")


def _reset_highs_scheduler() -> None:
    """Drop HiGHS's process-wide thread pool so a new ``threads`` value can take effect.

    HiGHS sizes one global scheduler on the first MIP solve; a later solve with a
    different ``threads`` option fails with status kNotset ("the scheduler has already
    been initialized"). Not safe while another HiGHS solve runs in this process.
    """
    import highspy

    reset = getattr(highspy.Highs, "resetThreadScheduler", None) or getattr(
        highspy.Highs, "resetGlobalScheduler", None
    )
    if reset is not None:
        reset(True)


@contextlib.contextmanager
def _quiet_c_stdout():
    """Silence file descriptor 1 while HiGHS runs.

    highspy prints its banner ("Running HiGHS …") from C++ every time a solver object is
    created, before ``output_flag`` can be set; in a notebook that line would end up in
    the report. Python-level redirection cannot catch it, so fd 1 is pointed at
    ``/dev/null`` for the duration and restored afterwards.
    """
    fd = 1  # C++ writes to the process's fd 1, whatever sys.stdout is (e.g. in ipykernel)
    try:
        sys.stdout.flush()
    except (AttributeError, OSError, ValueError):
        pass
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def solve_model(
    prob: pulp.LpProblem,
    *,
    time_limit_s: float = 60,
    mip_rel_gap: float = 0.0,
    threads: int | None = None,
) -> SolveOutcome:
    """Solve ``prob`` with in-process HiGHS and read the real HiGHS status and MIP info.

    ``mip_rel_gap`` is always passed (HiGHS's own default is 1e-4, which would stop short
    of optimality on large objectives). ``threads`` sets HiGHS's thread count; because
    HiGHS keeps one process-wide thread pool, giving it resets that pool first. Does not
    raise on a bad status; see :func:`select_projects` for the policy.
    """
    _check_solver_options(time_limit_s, mip_rel_gap)
    solver = pulp.HiGHS(
        msg=False,
        # Guard: HiGHS gets the time limit, but in-process HiGHS has been seen to overrun
        # it (the clock is only checked at certain points of presolve / branch-and-bound),
        # and solve_seconds also includes PuLP's model transfer. Allow some slack; a large
        # overrun is logged as a warning below.
        timeLimit=float(time_limit_s) if math.isfinite(time_limit_s) else None,
        gapRel=float(mip_rel_gap),
        threads=threads,
    )
    if threads is not None:
        _reset_highs_scheduler()
    start = time.perf_counter()
    try:
        with _quiet_c_stdout():
            prob.solve(solver)
    except KeyError as exc:
        # PuLP 3.3's status table lacks statuses newer HiGHS can return (kSolutionLimit,
        # kMemoryLimit, kHighsInterrupt); it fails *after* loading the solution values,
        # and we read the real status from HiGHS below anyway.
        log.debug("PuLP could not map the HiGHS status (%s); using HiGHS directly", exc)
    seconds = time.perf_counter() - start
    if math.isfinite(time_limit_s) and seconds > time_limit_s + max(1.0, 0.5 * time_limit_s):
        log.warning(
            "HiGHS overran its time limit: %.2f s for a %.2f s limit", seconds, time_limit_s
        )

    highs = prob.solverModel
    status = highs_status_name(highs.getModelStatus())
    info = highs.getInfo()
    has_solution = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
    # PuLP hands HiGHS "minimise -objective" for a maximisation: flip signs back.
    sign = -1.0 if prob.sense == pulp.LpMaximize else 1.0
    objective = _finite(info.objective_function_value) if has_solution else None
    best_bound = _finite(info.mip_dual_bound)
    if objective is not None:
        objective *= sign
    if best_bound is not None:
        best_bound *= sign
    gap = _finite(info.mip_gap) if has_solution else None
    if gap is not None:
        gap = max(gap, 0.0)
    if status == "optimal" and gap is None:
        gap = 0.0
    log.info(
        "HiGHS status %s in %.3f s: objective %s, bound %s, gap %s",
        status, seconds, objective, best_bound, gap,
    )
    return SolveOutcome(status, has_solution, objective, best_bound, gap, seconds)


def extract_result(
    x: Mapping[Any, pulp.LpVariable],
    candidates: pd.DataFrame,
    outcome: SolveOutcome,
    *,
    value_col: str = "priority",
    rows: Sequence[_Row] = (),
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
                _fmt(usage[row.name]), row.name, _fmt(row.limit),
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
        solver=_solver_label(),
        row_usage=usage,
    )


def _empty_result(candidates: pd.DataFrame) -> SelectionResult:
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
        solver=_solver_label(),
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
    _check_solver_options(time_limit_s, mip_rel_gap)
    if len(candidates) == 0:
        float_budget = float(budget)
        if math.isnan(float_budget) or float_budget < 0:
            raise ValueError(f"budget must be ≥ 0 (or inf), got {budget}")
        for wanted, what in ((must_include, "must_include"), (must_exclude, "must_exclude")):
            _check_ids(wanted, {}, what)  # every id is unknown in an empty list
        return _empty_result(candidates)

    prep = _prepare(
        candidates, budget, value_col=value_col, cost_col=cost_col, id_col=id_col,
        extra_budgets=extra_budgets, must_include=must_include, must_exclude=must_exclude,
    )
    prob, x = _build(prep)
    outcome = solve_model(prob, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, threads=threads)
    if outcome.status == "optimal":
        if not outcome.has_solution:  # pragma: no cover - defensive
            raise SelectionSolveError(
                "HiGHS reported optimal but returned no solution", outcome.status
            )
    elif outcome.status in STOPPED_EARLY_STATUSES:
        if not outcome.has_solution:
            raise SelectionSolveError(
                f"HiGHS stopped ({outcome.status}) after {outcome.seconds:.2f} s without a "
                f"feasible selection; raise time_limit_s (was {time_limit_s})",
                outcome.status,
            )
        log.warning(
            "selection not proven optimal: HiGHS stopped with %s, gap %s",
            outcome.status, outcome.gap,
        )
    else:
        raise SelectionSolveError(
            f"HiGHS could not solve the selection model: status {outcome.status}",
            outcome.status,
        )
    return extract_result(x, candidates, outcome, value_col=value_col, rows=prep.rows)

"""Water-project portfolio selection in PuLP, solved by HiGHS: v1 (one year) and the plan.

v1: :func:`select_projects`
---------------------------
Sets and data: candidate projects ``i ∈ P`` with value ``v_i`` (default: the priority from
:mod:`oneplan.selection.priority`) and cost ``c_i`` (baht); the main budget ``B``; optional extra
budget rows ``r ∈ R`` (fund sources, fiscal years, district caps) with costs ``a_ri`` and
limits ``L_r``; committed projects ``I ⊆ P`` and excluded projects ``E ⊆ P``.

Variables: ``x_i ∈ {0, 1}``, 1 if project ``i`` is funded.

::

    maximise    Σ_i v_i x_i
    subject to  Σ_i c_i  x_i ≤ B                 (budget)
                Σ_i a_ri x_i ≤ L_r   ∀ r ∈ R     (budget_<row>)
                x_i = 1              ∀ i ∈ I     (must_include_<id>)
                x_i = 0              ∀ i ∈ E     (must_exclude_<id>)

v2: the multi-year water plan, :func:`plan_portfolio` (``docs/plan-model-api.md``)
---------------------------------------------------------------------------------
Variables ``y[i,t] ∈ {0,1}``: project ``i`` starts in plan year ``t``, created only for the
feasible pairs (:func:`feasible_starts`: eligible, not excluded, finishes in the horizon,
not before ``earliest_start``, not in year one if not ready, the fixed start if any, its
requirements able to start no later); ``x_i = Σ_t y[i,t]``. With ``k`` the years after the
first plan year, ``p_i`` the cost profile and ``d`` the start discount::

    maximise  Σ_i Σ_t v_i d^k y[i,t] − P Σ_{i∈A} (1 − y[i,b_i])     (stability vs baseline A)
    s.t.      Σ_i Σ_t c_i p_i[τ−t] y[i,t] ≤ B_τ        ∀ τ           (budget_<year>)
              x_i ≤ 1                                  ∀ i           (one_start_<id>)
              x_i = 1                                  ∀ i ∈ I       (must_include_<id>)
              Σ_{s≤t} y[B,s] ≤ Σ_{s≤t} y[A,s]          ∀ B needs A, t (precedence_…)
              Σ_{i∈g} x_i ≤ 1                          ∀ alternative groups g
              floors / caps on Σ_{i∈g} x_i and Σ_{i∈g} c_i x_i per group (group_…)

each family in its own ``add_*`` function (:func:`add_plan_objective`,
:func:`add_yearly_budgets`, :func:`add_one_start`, :func:`add_commitments`,
:func:`add_precedence`, :func:`add_alternatives`, :func:`add_group_limits`).
:func:`build_plan_model` validates, runs pre-checks that name conflicts
(:func:`_precheck_plan`) and builds; :func:`explain_plan` gives every candidate a reason
and confirms the closest ones by re-solving the model kept in HiGHS with changed bounds,
from a MIP start, reporting the objective lost as the range HiGHS's bound and incumbent
prove (``docs/plan-model-api.md``); :func:`plan_portfolio_guarded` runs a solve in a
child process with a hard wall-clock kill.

Shared machinery
----------------
* Every ``add_*`` states its algebra in its docstring, returns early on empty input and
  names every constraint deterministically from sanitised ids (:func:`sanitise_name`).
  Expressions are built in linear time from ``(var, coef)`` pairs (never Python's
  ``sum()`` over PuLP terms, which is quadratic).
* :func:`solve_model` hands the PuLP model to in-process HiGHS in one ``passModel`` call
  (:class:`_BulkHiGHS`) and reports the **real** HiGHS model status
  (:func:`highs_status_name`). PuLP maps a time limit to ``"Optimal"``, so
  ``pulp.LpStatus`` is never used to decide whether a plan is optimal.
* :func:`extract_result` / :func:`extract_plan` turn the solution into a result.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import math
import operator
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
    "GroupLimit",
    "InfeasibleSelectionError",
    "PlanMeta",
    "PlanResult",
    "PlanSpec",
    "REASON_CODES",
    "SelectionResult",
    "SelectionSolveError",
    "SolveOutcome",
    "MAIN_BUDGET",
    "STOPPED_EARLY_STATUSES",
    "add_alternatives",
    "add_budget_constraints",
    "add_commitments",
    "add_fixed_choices",
    "add_group_limits",
    "add_objective",
    "add_one_start",
    "add_plan_objective",
    "add_precedence",
    "add_yearly_budgets",
    "build_model",
    "build_plan_model",
    "explain_plan",
    "extract_plan",
    "extract_result",
    "feasible_starts",
    "highs_status_name",
    "plan_portfolio",
    "plan_portfolio_guarded",
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


def _sanitise_many(values: Sequence[Any]) -> list[str]:
    """:func:`sanitise_name` of every value (vectorised; same result)."""
    text = pd.Series([str(v) for v in values], dtype=object)
    clean = text.str.replace(_UNSAFE.pattern, "_", regex=True)
    out = clean.tolist()
    for k in np.flatnonzero((clean != text).to_numpy() | (text == "").to_numpy()).tolist():
        t = text.iat[k]
        out[k] = f"{out[k]}_{hashlib.sha1(t.encode('utf-8')).hexdigest()[:8]}"
    return out


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


def _check_id_column(
    candidates: pd.DataFrame, id_col: str
) -> tuple[list[Any], dict[Any, int], list[str]]:
    """Ids (input order), id → position, and the sanitised ids used in variable names.

    Raises ``ValueError`` for a missing column, missing or duplicated ids, or two ids that
    sanitise to the same name (e.g. ``1`` and ``"1"``).
    """
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
    safe = _sanitise_many(ids)
    if len(set(safe)) != len(safe):
        clash = pd.Series(safe)[pd.Series(safe).duplicated(keep=False)]
        raise ValueError(
            "project ids map to the same variable name (e.g. 1 and '1'): "
            + _list([ids[k] for k in clash.index])
        )
    return ids, position, safe


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
    ids, position, safe = _check_id_column(candidates, id_col)
    names = [f"x_{name}" for name in safe]

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
    """What HiGHS reported, in the objective's own sense.

    ``seconds`` is the whole solve as seen by the caller (model transfer to HiGHS plus the
    HiGHS run); ``transfer_seconds`` and ``run_seconds`` split it (``run_seconds`` is the
    bare ``Highs.run()``, the figure to compare a model build against).
    """

    status: str
    has_solution: bool
    objective: float | None
    best_bound: float | None
    gap: float | None
    seconds: float
    transfer_seconds: float = 0.0
    run_seconds: float = 0.0


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


_INDEX = operator.attrgetter("index")
_LOW = operator.attrgetter("lowBound")
_UP = operator.attrgetter("upBound")
_CAT = operator.attrgetter("cat")


class _BulkHiGHS(pulp.HiGHS):
    """``pulp.HiGHS`` that hands the model to HiGHS in one ``passModel`` call.

    PuLP's own ``buildSolverModel`` calls ``addCol``/``changeColIntegrality`` once per
    variable and ``addRow`` once per constraint; at 150,000 variables that is ~1.5 s of
    Python↔C++ round trips. Here the columns, bounds, integrality and the row-wise (CSR)
    matrix are collected with C-level iteration over PuLP's own dicts and passed at
    once, together with the objective constant (``offset``), so HiGHS's objective and
    bound include it. Column ``j`` is PuLP's ``lp.variables()[j]`` (``var.index = j``),
    row ``r`` its ``r``-th constraint (``constraint.index = r``), as with ``pulp.HiGHS``.

    ``findSolutionValues`` reads the real HiGHS status (:func:`highs_status_name`), sets
    ``varValue`` only when HiGHS holds a feasible solution and maps to PuLP's status
    codes the way ``pulp.HiGHS`` does (a time limit with a solution is PuLP "Optimal";
    never rely on ``prob.status``). Timings of the last solve: ``transfer_seconds``,
    ``run_seconds``.
    """

    transfer_seconds = 0.0
    run_seconds = 0.0

    def buildSolverModel(self, lp):
        variables = lp.variables()
        self._variables = variables
        n = len(variables)
        for j, var in enumerate(variables):
            var.index = j
        sign = -1.0 if lp.sense == pulp.LpMaximize else 1.0
        cost = np.zeros(n)
        offset = 0.0
        objective = lp.objective
        if objective is not None:
            if len(objective):
                where = np.fromiter(map(_INDEX, objective.keys()), np.int64, len(objective))
                cost[where] = np.fromiter(objective.values(), float, len(objective))
            offset = float(objective.constant)
        lower = np.array(list(map(_LOW, variables)), dtype=float)  # None -> nan
        upper = np.array(list(map(_UP, variables)), dtype=float)
        lower[np.isnan(lower)] = -np.inf
        upper[np.isnan(upper)] = np.inf
        if self.mip:
            integrality = (np.array(list(map(_CAT, variables))) == pulp.LpInteger).astype(np.int32)
        else:
            integrality = np.zeros(n, dtype=np.int32)

        constraints = list(lp._constraints.values())
        m = len(constraints)
        counts = np.empty(m, dtype=np.int64)
        row_lo = np.empty(m)
        row_up = np.empty(m)
        index: list[int] = []
        value: list[float] = []
        for r, con in enumerate(constraints):
            con.index = r
            expr = con.expr
            index.extend(map(_INDEX, expr.keys()))
            value.extend(expr.values())
            counts[r] = len(expr)
            lb, ub = con.getLb(), con.getUb()
            row_lo[r] = -np.inf if lb is None else lb
            row_up[r] = np.inf if ub is None else ub
        a_index = np.array(index, dtype=np.int32)
        a_value = np.array(value, dtype=float)
        nonzero = a_value != 0
        if not nonzero.all():  # PuLP keeps explicit zeros; HiGHS should not see them
            rows = np.repeat(np.arange(m), counts)[nonzero]
            counts = np.bincount(rows, minlength=m)
            a_index, a_value = a_index[nonzero], a_value[nonzero]
        a_start = np.zeros(m, dtype=np.int32)
        if m > 1:
            a_start[1:] = np.cumsum(counts[:-1])
        status = lp.solverModel.passModel(
            n, m, len(a_index), 2, 1, sign * offset,  # 2 = row-wise matrix, 1 = minimise
            sign * cost, lower, upper, row_lo, row_up, a_start, a_index, a_value, integrality,
        )
        if getattr(status, "name", str(status)).endswith("kError"):
            raise SelectionSolveError(f"HiGHS rejected the model ({status})", "load_error")

    def findSolutionValues(self, lp):
        highs = lp.solverModel
        status = highs_status_name(highs.getModelStatus())
        has_solution = int(highs.getInfo().primal_solution_status) == 2
        variables = self._variables
        if has_solution:
            solution = highs.getSolution()
            for var, val in zip(variables, solution.col_value):
                var.varValue = val
            for con, val in zip(lp._constraints.values(), solution.row_value):
                # as pulp.HiGHS: constant is on the left-hand side; flip for <= rows
                slack = con.constant + val
                con.slack = -slack if con.sense == pulp.LpConstraintLE else slack
        else:
            for var in variables:
                var.varValue = None
        if status == "optimal":
            return pulp.LpStatusOptimal, pulp.LpSolutionOptimal
        if status in STOPPED_EARLY_STATUSES and has_solution:
            return pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible
        if status in ("infeasible", "unbounded_or_infeasible"):
            return pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible
        if status == "unbounded":
            return pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded
        return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound

    def load(self, lp) -> None:
        """Create the HiGHS object with this solver's options and pass ``lp`` to it."""
        self.createAndConfigureSolver(lp)
        start = time.perf_counter()
        self.buildSolverModel(lp)
        self.transfer_seconds = time.perf_counter() - start

    def actualSolve(self, lp):
        self.load(lp)
        start = time.perf_counter()
        self.callSolver(lp)
        self.run_seconds = time.perf_counter() - start
        status, sol_status = self.findSolutionValues(lp)
        lp.assignStatus(status, sol_status)
        return status


def _make_solver(
    time_limit_s: float, mip_rel_gap: float, threads: int | None,
    highs_options: Mapping[str, Any] | None,
) -> _BulkHiGHS:
    _check_solver_options(time_limit_s, mip_rel_gap)
    options = dict(highs_options or {})
    if "threads" in options:
        if threads is None:
            threads = int(options.pop("threads"))
        else:
            options.pop("threads")
    solver = _BulkHiGHS(
        msg=False,
        # Guard: HiGHS gets the time limit, but in-process HiGHS has been seen to overrun
        # it (the clock is only checked at certain points of presolve / branch-and-bound;
        # e.g. MIP set-up on 150,000 binaries with dense budget rows); solve_seconds also
        # includes the model transfer. A large overrun is logged as a warning.
        timeLimit=float(time_limit_s) if math.isfinite(time_limit_s) else None,
        gapRel=float(mip_rel_gap),
        threads=threads,
    )
    solver.optionsDict.update(options)  # passed to Highs.setOptionValue as they are
    return solver


def _read_outcome(highs: Any, sense: int, seconds: float, transfer: float = 0.0,
                  run: float = 0.0) -> SolveOutcome:
    """The real HiGHS status, objective, bound and gap (objective's own sense)."""
    status = highs_status_name(highs.getModelStatus())
    info = highs.getInfo()
    has_solution = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
    # The model is handed to HiGHS as "minimise -objective" for a maximisation.
    sign = -1.0 if sense == pulp.LpMaximize else 1.0
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
    return SolveOutcome(status, has_solution, objective, best_bound, gap, seconds, transfer, run)


def _warn_overrun(seconds: float, time_limit_s: float) -> None:
    if math.isfinite(time_limit_s) and seconds > time_limit_s + max(1.0, 0.5 * time_limit_s):
        log.warning(
            "HiGHS overran its time limit: %.2f s for a %.2f s limit", seconds, time_limit_s
        )


def solve_model(
    prob: pulp.LpProblem,
    *,
    time_limit_s: float = 60,
    mip_rel_gap: float = 0.0,
    threads: int | None = None,
    highs_options: Mapping[str, Any] | None = None,
) -> SolveOutcome:
    """Solve ``prob`` with in-process HiGHS and read the real HiGHS status and MIP info.

    The model is passed to HiGHS in bulk (:class:`_BulkHiGHS`); afterwards
    ``prob.solverModel`` is the ``highspy.Highs`` object, every variable has its
    ``varValue`` (``None`` if HiGHS found no feasible solution) and ``.index`` (its HiGHS
    column). ``mip_rel_gap`` is always passed (HiGHS's own default is 1e-4, which would
    stop short of optimality on large objectives). ``threads`` sets HiGHS's thread count;
    because HiGHS keeps one process-wide thread pool, giving it resets that pool first.
    ``highs_options`` are passed to ``Highs.setOptionValue`` as they are (e.g.
    ``{"presolve": "off"}``, which on 100,000+ binaries with dense budget rows avoids a
    MIP set-up that can run far past the time limit). Does not raise on a bad status;
    see :func:`select_projects` / :func:`plan_portfolio` for the policy.
    """
    solver = _make_solver(time_limit_s, mip_rel_gap, threads, highs_options)
    if threads is not None:
        _reset_highs_scheduler()
    start = time.perf_counter()
    with _quiet_c_stdout():
        prob.solve(solver)
    seconds = time.perf_counter() - start
    _warn_overrun(seconds, time_limit_s)
    outcome = _read_outcome(
        prob.solverModel, prob.sense, seconds, solver.transfer_seconds, solver.run_seconds
    )
    log.info(
        "HiGHS status %s in %.3f s (transfer %.3f s): objective %s, bound %s, gap %s",
        outcome.status, seconds, outcome.transfer_seconds, outcome.objective,
        outcome.best_bound, outcome.gap,
    )
    return outcome


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


# ======================================================================================
# v2: the multi-year water plan (issue 3)
# ======================================================================================


@dataclass(frozen=True)
class GroupLimit:
    """Floors and caps for the projects of one group (or of every group) of a column.

    ``key=None`` applies the limit to every value of ``column`` separately (e.g. every
    district). Counts are of selected projects; baht are their total plan cost; shares are
    of the whole plan budget ``Σ_t B_t``. Floors (``min_*``) apply only to groups with
    enough ready, eligible candidates to meet them; the others are skipped and reported
    (:attr:`PlanResult.skipped_floors`). ``name`` is used in constraint names and reasons.
    """

    column: str
    key: Hashable | None = None
    min_count: int | None = None
    max_count: int | None = None
    min_baht: float | None = None
    max_baht: float | None = None
    max_share: float | None = None
    min_share: float | None = None
    name: str = ""

    def __post_init__(self):
        limits = (self.min_count, self.max_count, self.min_baht, self.max_baht,
                  self.max_share, self.min_share)
        if all(v is None for v in limits):
            raise ValueError(f"GroupLimit on {self.column!r} sets no floor or cap")
        for attr in ("min_count", "max_count"):
            v = getattr(self, attr)
            if v is not None and (isinstance(v, bool) or int(v) != v or v < 0):
                raise ValueError(f"GroupLimit {attr} must be a whole number ≥ 0, got {v!r}")
        for attr in ("min_baht", "max_baht"):
            v = getattr(self, attr)
            if v is not None and (math.isnan(float(v)) or v < 0 or
                                  (attr == "min_baht" and math.isinf(float(v)))):
                raise ValueError(f"GroupLimit {attr} must be ≥ 0, got {v!r}")
        for attr in ("min_share", "max_share"):
            v = getattr(self, attr)
            if v is not None and not (0 <= float(v) <= 1):
                raise ValueError(f"GroupLimit {attr} must be in [0, 1], got {v!r}")
        for lo, hi in (("min_count", "max_count"), ("min_baht", "max_baht"),
                       ("min_share", "max_share")):
            a, b = getattr(self, lo), getattr(self, hi)
            if a is not None and b is not None and a > b:
                raise ValueError(f"GroupLimit on {self.column!r}: {lo} {a} > {hi} {b}")

    @property
    def label(self) -> str:
        return self.name or self.column


@dataclass
class PlanSpec:
    """What the plan must respect; see ``docs/plan-model-api.md``."""

    years: Sequence[int]
    budget_by_year: Mapping[int, float]
    group_limits: Sequence[GroupLimit] = ()
    must_include: Mapping[Hashable, str] = field(default_factory=dict)
    must_exclude: Mapping[Hashable, str] = field(default_factory=dict)
    readiness_first_year: bool = True
    start_discount: float = 1.0
    baseline: Mapping[Hashable, int] | None = None
    stability_penalty: float = 0.0
    fixed_start: Mapping[Hashable, int] = field(default_factory=dict)


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


@dataclass
class _PlanData:
    """Validated candidates and spec, aligned with the candidate order (index ``i``)."""

    ids: list[Any]
    position: dict[Any, int]
    safe: list[str]                 # sanitised ids, for names
    years: list[int]
    budgets: np.ndarray             # (T,), inf = no limit
    values: np.ndarray              # (n,)
    costs: np.ndarray               # (n,)
    profiles: np.ndarray            # (n, T) cost shares from the start year, zero-padded
    durations: np.ndarray           # (n,) length of the cost profile in years
    ready: np.ndarray
    eligible: np.ndarray
    earliest: np.ndarray            # (n,) float year, nan = none
    requires: list[tuple[int, ...]]
    unknown_requires: dict[int, list[Any]]
    alt_group: list[Hashable | None]
    committed: dict[int, str]       # must_include and force_in: i -> reason
    excluded: dict[int, str]        # must_exclude and force_out: i -> reason
    forced_in: set[int]
    forced_out: set[int]
    fixed: dict[int, int]           # i -> year index
    baseline: dict[int, int]        # i -> year index
    frame: pd.DataFrame
    spec: PlanSpec
    discount: float
    penalty: float
    readiness_first_year: bool
    starts: np.ndarray = None       # (n, T) feasible start years, see feasible_starts
    blocked: dict[int, tuple] = field(default_factory=dict)
    closure: set[int] = field(default_factory=set)  # committed + what they require

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def T(self) -> int:
        return len(self.years)


@dataclass
class _Columns:
    """The model's columns ``y[i,t]`` in project order, then year order."""

    vars: list[pulp.LpVariable]
    proj: np.ndarray      # project index of each column
    k: np.ndarray         # year index of each column
    first: np.ndarray     # (n+1,): project i owns columns first[i]:first[i+1]
    spend: np.ndarray     # (ncol, T) baht spent in each year if the column is chosen
    coef: np.ndarray      # objective coefficient of each column
    constant: float = 0.0


@dataclass(frozen=True)
class _GroupRow:
    name: str            # constraint name
    label: str           # "district cap (district_code = 4001)"
    limit: GroupLimit
    key: Hashable
    kind: str            # min_count | max_count | min_baht | max_baht
    bound: float
    members: np.ndarray  # project indices of the group (all candidates)
    source: str          # which field set the bound, e.g. "max_share 0.15"


@dataclass
class PlanMeta:
    """Everything :func:`build_plan_model` knows besides the PuLP problem.

    ``data``: the validated input; ``cols``: the columns ``y[i,t]`` with their spending
    and objective coefficients; ``group_rows``: the floors/caps applied;
    ``skipped_floors``: those not applied; ``relaxable``: names of the rows a diagnosis of
    infeasibility may relax (commitments and floors); ``build_seconds``: validation,
    pre-checks and PuLP model construction.
    """

    data: _PlanData
    cols: _Columns
    group_rows: list[_GroupRow]
    skipped_floors: list[str]
    relaxable: dict[str, str]
    build_seconds: float = 0.0


# --------------------------------------------------------------------------------------
# Plan input
# --------------------------------------------------------------------------------------


def _is_missing(x: Any) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    if isinstance(x, float) and math.isnan(x):
        return True
    return isinstance(x, str) and not x.strip()


def _check_years(years: Sequence[int]) -> list[int]:
    try:
        out = [int(y) for y in years]
    except (TypeError, ValueError):
        raise ValueError(f"PlanSpec.years must be whole fiscal years, got {years!r}") from None
    if not out:
        raise ValueError("PlanSpec.years is empty; give at least one fiscal year")
    if any(b != a + 1 for a, b in zip(out, out[1:])):
        raise ValueError(f"PlanSpec.years must be consecutive fiscal years in order, got {out}")
    return out


def _bool_column(frame: pd.DataFrame, col: str, ids: list[Any], *, na: bool) -> np.ndarray:
    series = frame[col]
    if series.dtype == bool:
        return series.to_numpy(dtype=bool)
    if str(series.dtype) == "boolean":
        return series.fillna(na).to_numpy(dtype=bool)
    out = np.empty(len(frame), dtype=bool)
    bad = []
    for k, v in enumerate(frame[col].tolist()):
        if _is_missing(v):
            out[k] = na
        elif isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, float, np.number))
                                                 and v in (0, 1)):
            out[k] = bool(v)
        else:
            bad.append(f"{ids[k]} ({v!r})")
    if bad:
        raise ValueError(f"column {col!r} must be True/False; not so for: {_list(bad)}")
    return out


def _parse_profile(p: Any) -> tuple[float, ...] | None:
    if isinstance(p, str):
        p = [float(t) for t in re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", p)]
    try:
        return tuple(float(v) for v in p)
    except (TypeError, ValueError):
        return None


def _profiles(frame: pd.DataFrame, ids: list[Any], T: int) -> tuple[np.ndarray, np.ndarray]:
    """Cost profiles padded to the horizon and their lengths (see the candidates table)."""
    n = len(frame)
    profiles = np.zeros((n, T))
    durations = np.ones(n, dtype=np.int64)
    if "cost_profile" not in frame.columns:
        profiles[:, 0] = 1.0
        return profiles, durations
    cache: dict[tuple, tuple[float, ...] | None] = {}
    bad = []
    for i, p in enumerate(frame["cost_profile"].tolist()):
        if not isinstance(p, (str, list, tuple, np.ndarray)) and _is_missing(p):
            prof: tuple[float, ...] | None = (1.0,)
        else:
            key = tuple(p) if isinstance(p, (list, tuple, np.ndarray)) else (p,)
            try:
                prof = cache[key]
            except (KeyError, TypeError):
                prof = _parse_profile(p)
                if prof is not None and (
                    not prof or not all(math.isfinite(v) and v >= 0 for v in prof)
                    or abs(sum(prof) - 1.0) > 1e-6
                ):
                    prof = None
                try:
                    cache[key] = prof
                except TypeError:
                    pass
        if prof is None:
            bad.append(f"{ids[i]} ({p!r})")
            continue
        durations[i] = len(prof)
        m = min(len(prof), T)
        profiles[i, :m] = prof[:m]
    if bad:
        raise ValueError(
            "cost_profile must be shares ≥ 0 of the cost per year from the start year, "
            f"summing to 1; not so for: {_list(bad)}"
        )
    return profiles, durations


def _requirements(
    frame: pd.DataFrame, ids: list[Any], position: Mapping[Any, int]
) -> tuple[list[tuple[int, ...]], dict[int, list[Any]]]:
    n = len(frame)
    if "requires" not in frame.columns:
        return [()] * n, {}
    out: list[tuple[int, ...]] = [()] * n
    unknown: dict[int, list[Any]] = {}
    values = frame["requires"].tolist()
    present = ~frame["requires"].isna().to_numpy()
    for i in np.flatnonzero(present).tolist():
        r = values[i]
        if isinstance(r, (list, tuple, set, frozenset, np.ndarray)):
            wanted = [v for v in r if not _is_missing(v)]
        else:
            wanted = [] if _is_missing(r) else [r]
        known = []
        for pid in dict.fromkeys(wanted):
            if pid == ids[i]:
                raise ValueError(f"project {pid} requires itself")
            if pid in position:
                known.append(position[pid])
            else:
                unknown.setdefault(i, []).append(pid)
        out[i] = tuple(known)
    if unknown:
        log.warning(
            "%d project(s) require a project that is not a candidate; they cannot be "
            "selected: %s", len(unknown),
            _list([f"{ids[i]} needs {', '.join(map(str, u))}" for i, u in unknown.items()]),
        )
    return out, unknown


def _reasons(wanted: Any, position: Mapping[Any, int], what: str, default: str) -> dict[int, str]:
    if wanted is None:
        return {}
    if isinstance(wanted, Mapping):
        items = [(pid, "" if _is_missing(r) else str(r)) for pid, r in wanted.items()]
    else:
        items = [(pid, default) for pid in _id_list(wanted, what)]
    unknown = [pid for pid, _ in items if pid not in position]
    if unknown:
        raise ValueError(f"{what} lists unknown project id(s): {_list(unknown)}")
    return {position[pid]: (reason or default) for pid, reason in items}


def _year_index(mapping: Mapping[Any, Any] | None, position: Mapping[Any, int],
                years: list[int], what: str, *, strict: bool) -> dict[int, int]:
    out: dict[int, int] = {}
    if not mapping:
        return out
    ignored = []
    for pid, year in mapping.items():
        if pid not in position:
            if strict:
                raise ValueError(f"{what} lists unknown project id {pid!r}")
            ignored.append(f"{pid} (not a candidate)")
            continue
        try:
            k = years.index(int(year))
        except (TypeError, ValueError):
            if strict:
                raise ValueError(
                    f"{what}[{pid!r}] = {year!r} is not one of the plan years {years}"
                ) from None
            ignored.append(f"{pid} ({year!r} outside the plan)")
            continue
        out[position[pid]] = k
    if ignored:
        log.warning("%s: ignoring %d entr(ies): %s", what, len(ignored), _list(ignored))
    return out


def _prepare_plan(
    candidates: pd.DataFrame,
    spec: PlanSpec,
    *,
    value_col: str,
    force_in: Iterable[Any],
    force_out: Iterable[Any],
) -> _PlanData:
    """Validate the candidates and the spec (everything checkable without a model)."""
    if not isinstance(candidates, pd.DataFrame):
        raise TypeError("candidates must be a pandas DataFrame")
    if not isinstance(spec, PlanSpec):
        raise TypeError("spec must be a PlanSpec")
    ids, position, safe = _check_id_column(candidates, "project_id")
    years = _check_years(spec.years)
    T = len(years)

    budgets = np.empty(T)
    missing = [y for y in years if y not in spec.budget_by_year]
    if missing:
        raise ValueError(f"budget_by_year has no budget for year(s) {missing}")
    for k, y in enumerate(years):
        b = float(spec.budget_by_year[y])
        if math.isnan(b) or b < 0:
            raise ValueError(f"budget for {y} must be ≥ 0 (or inf), got {b}")
        budgets[k] = b
    extra = [y for y in spec.budget_by_year if y not in years]
    if extra:
        log.warning("budget_by_year has years outside the plan (ignored): %s", extra)

    discount = float(spec.start_discount)
    if not (math.isfinite(discount) and discount > 0):
        raise ValueError(f"start_discount must be > 0, got {spec.start_discount!r}")
    penalty = float(spec.stability_penalty)
    if not (math.isfinite(penalty) and penalty >= 0):
        raise ValueError(f"stability_penalty must be ≥ 0, got {spec.stability_penalty!r}")

    values = _numeric(candidates, value_col, ids, what="value", nonneg=False)
    costs = _numeric(candidates, "cost_baht", ids, what="cost", nonneg=True)
    profiles, durations = _profiles(candidates, ids, T)
    if "ready" in candidates.columns:
        ready = _bool_column(candidates, "ready", ids, na=False)
    elif spec.readiness_first_year:
        raise ValueError(
            "column 'ready' is missing from the candidates (needed because "
            "PlanSpec.readiness_first_year is True)"
        )
    else:
        ready = np.ones(len(ids), dtype=bool)
    eligible = (_bool_column(candidates, "eligible", ids, na=True)
                if "eligible" in candidates.columns else np.ones(len(ids), dtype=bool))
    earliest = (pd.to_numeric(candidates["earliest_start"], errors="coerce").to_numpy(float)
                if "earliest_start" in candidates.columns else np.full(len(ids), np.nan))
    if "earliest_start" in candidates.columns:
        bad = np.isnan(earliest) & ~candidates["earliest_start"].isna().to_numpy()
        if bad.any():
            raise ValueError("earliest_start must be a fiscal year or empty; not so for: "
                             + _list([ids[i] for i in np.flatnonzero(bad)]))
    requires, unknown = _requirements(candidates, ids, position)
    alt = ([None if _is_missing(g) else g for g in candidates["alternative_group"].tolist()]
           if "alternative_group" in candidates.columns else [None] * len(ids))

    committed = _reasons(spec.must_include, position, "must_include", "committed")
    excluded = _reasons(spec.must_exclude, position, "must_exclude", "excluded")
    committed = {i: committed[i] for i in sorted(committed)}
    spec_in, spec_out = set(committed), set(excluded)
    forced_in = _reasons(force_in, position, "force_in", "forced in")
    forced_out = _reasons(force_out, position, "force_out", "forced out")
    for i, r in forced_in.items():
        committed.setdefault(i, r)
    for i, r in forced_out.items():
        excluded.setdefault(i, r)
    both = sorted(set(committed) & set(excluded))
    if both:
        raise InfeasibleSelectionError(
            "project(s) both committed (must_include/force_in) and excluded "
            "(must_exclude/force_out): "
            + _list([f"{ids[i]} (committed: {committed[i]}; excluded: {excluded[i]})"
                     for i in both])
        )
    fixed = _year_index(spec.fixed_start, position, years, "fixed_start", strict=True)
    baseline = _year_index(spec.baseline, position, years, "baseline", strict=False)
    for limit in spec.group_limits:
        if not isinstance(limit, GroupLimit):
            raise TypeError(f"group_limits must hold GroupLimit objects, got {limit!r}")
        if limit.column not in candidates.columns:
            raise ValueError(f"group limit {limit.label!r}: column {limit.column!r} is missing")
    return _PlanData(
        ids=ids, position=position, safe=safe, years=years, budgets=budgets, values=values,
        costs=costs, profiles=profiles, durations=durations, ready=ready, eligible=eligible,
        earliest=earliest, requires=requires, unknown_requires=unknown, alt_group=alt,
        committed=committed, excluded=excluded, forced_in=set(forced_in) - spec_in,
        forced_out=set(forced_out) - spec_out, fixed=fixed,
        baseline=baseline, frame=candidates, spec=spec, discount=discount, penalty=penalty,
        readiness_first_year=bool(spec.readiness_first_year),
    )


# --------------------------------------------------------------------------------------
# Feasible starts and pre-checks
# --------------------------------------------------------------------------------------


def _edges(data: _PlanData) -> tuple[np.ndarray, np.ndarray]:
    """Precedence edges (B, A): project B requires project A."""
    pairs = [(b, a) for b, reqs in enumerate(data.requires) for a in reqs]
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    arr = np.array(pairs, dtype=np.int64)
    return arr[:, 0], arr[:, 1]


def _closure(data: _PlanData) -> set[int]:
    """The committed projects and, transitively, every project they require."""
    out = set(data.committed)
    stack = list(out)
    while stack:
        for a in data.requires[stack.pop()]:
            if a not in out:
                out.add(a)
                stack.append(a)
    return out


def feasible_starts(data: _PlanData) -> np.ndarray:
    """The start years each project may take: ``y[i,t]`` exists iff ``S[i,t]``.

    With ``k`` the index of year ``t`` in the plan (0-based), ``L_i`` the length of the
    cost profile and ``T`` the number of plan years::

        S[i,t] = eligible_i ∧ i ∉ E                    (eligibility, must-exclude)
                 ∧ k + L_i ≤ T                          (finishes inside the horizon)
                 ∧ t ≥ earliest_start_i                 (earliest start)
                 ∧ (ready_i ∨ k > 0)                    (readiness, if readiness_first_year)
                 ∧ (t = fixed_start_i if given)         (fixed start)
                 ∧ ∀ A required by i: ∃ s ≤ t, S[A,s]   (precedence: A can start no later)
                 ∧ (i required by a committed B ⇒ ∃ s ≥ t, S[B,s])

    Every other ``y[i,t]`` is fixed at 0 by omission. The last two lines are propagated
    to a fixed point. Projects left with no start get their reason in ``data.blocked``:
    ``(code, detail)`` with code ``excluded``, ``not_eligible``, ``not_ready_year_one``,
    ``outside_horizon`` or ``needs``.
    """
    T, years = data.T, data.years
    k = np.arange(T)
    base = data.eligible.copy()
    if data.excluded:
        base[list(data.excluded)] = False
    fits = k[None, :] + data.durations[:, None] <= T
    with np.errstate(invalid="ignore"):
        early_ok = ~(np.asarray(years, float)[None, :] < data.earliest[:, None])
    S0 = base[:, None] & fits & early_ok
    for i, kf in data.fixed.items():
        keep = np.zeros(T, dtype=bool)
        keep[kf] = True
        S0[i] &= keep
    S = S0.copy()
    if data.readiness_first_year:
        S[~data.ready, 0] = False
    not_ready_only = S0.any(axis=1) & ~S.any(axis=1)
    for i in data.unknown_requires:
        S[i] = False
    before_requirements = S.copy()

    eB, eA = _edges(data)
    data.closure = _closure(data)
    if len(eB):
        committed_edge = np.array([b in data.closure for b in eB], dtype=bool)
        while True:
            allowed = np.ones_like(S)
            np.logical_and.at(allowed, eB, np.logical_or.accumulate(S[eA], axis=1))
            if committed_edge.any():
                later = np.logical_or.accumulate(S[eB[committed_edge]][:, ::-1], axis=1)[:, ::-1]
                np.logical_and.at(allowed, eA[committed_edge], later)
            new = S & allowed
            if np.array_equal(new, S):
                break
            S = new

    blocked: dict[int, tuple] = {}
    for i in np.flatnonzero(~S.any(axis=1)).tolist():
        if i in data.excluded:
            blocked[i] = ("excluded", {"reason": data.excluded[i]})
        elif not data.eligible[i]:
            blocked[i] = ("not_eligible", {})
        elif i in data.unknown_requires:
            blocked[i] = ("needs", {"ids": data.unknown_requires[i], "why": "not_candidate"})
        elif not_ready_only[i]:
            blocked[i] = ("not_ready_year_one", {})
        elif not S0[i].any():
            blocked[i] = ("outside_horizon", {
                "duration": int(data.durations[i]),
                "earliest": None if np.isnan(data.earliest[i]) else int(data.earliest[i]),
                "fixed": years[data.fixed[i]] if i in data.fixed else None,
            })
        else:
            culprit = None
            for a in data.requires[i]:
                if not (before_requirements[i] & np.logical_or.accumulate(S[a])).any():
                    culprit = a
                    break
            if culprit is None:  # required by a committed project that starts too early
                users = [b for b, a in zip(eB.tolist(), eA.tolist())
                         if a == i and b in data.closure]
                blocked[i] = ("needs", {"ids": [data.ids[b] for b in users],
                                        "why": "committed_needs_earlier"})
                continue
            why = "cannot_start" if not S[culprit].any() else "too_late"
            blocked[i] = ("needs", {"ids": [data.ids[culprit]], "index": culprit, "why": why})
    data.starts = S
    data.blocked = blocked
    return S


_BLOCKED_EN = {
    "excluded": "it is excluded ({reason})",
    "not_eligible": "it is not eligible for this budget source",
    "not_ready_year_one": "it is not ready and so cannot start in {first}, and no later "
                          "start finishes within the plan",
    "outside_horizon": "it cannot start and finish within the plan years",
}


def _blocked_en(data: _PlanData, i: int) -> str:
    code, detail = data.blocked[i]
    if code == "needs":
        what = ", ".join(map(str, detail["ids"]))
        if detail["why"] == "not_candidate":
            return f"it requires {what}, which is not a candidate"
        if detail["why"] == "committed_needs_earlier":
            return f"committed project {what} needs it to start earlier than it can"
        if detail["why"] == "cannot_start":
            a = detail["index"]
            inner = _blocked_en(data, a) if a in data.blocked else "it cannot start"
            return f"it requires {what}, which cannot be selected ({inner})"
        return f"it requires {what}, which cannot start early enough"
    return _BLOCKED_EN[code].format(first=data.years[0], **detail)


def _spend_by_start(data: _PlanData, i: int) -> np.ndarray:
    """(T starts, T years): baht spent by project ``i`` in each year for each start."""
    T = data.T
    out = np.zeros((T, T))
    for k in range(T):
        m = min(int(data.durations[i]), T - k)
        out[k, k:k + m] = data.costs[i] * data.profiles[i, :m]
    return out


def _precheck_plan(data: _PlanData, group_rows: Sequence[_GroupRow]) -> None:
    """Raise :class:`InfeasibleSelectionError` naming the conflict, before any solve.

    Checks (``C`` = committed projects and everything they require):

    * every committed project has a feasible start (eligible, not excluded, ready in time,
      fits the horizon, its requirements can be met);
    * at most one project of ``C`` per alternative group;
    * for every window of consecutive years ``[a, b]``:
      ``Σ_{i∈C} min_{t∈S_i} spend_i(t, [a,b]) ≤ Σ_{τ=a..b} B_τ``
      (the least each committed project must spend in the window, given its profile and
      feasible starts, fits the budget);
    * ``C`` alone does not break a group cap (count or baht);
    * every applied floor can be reached by its selectable candidates.

    What these necessary conditions miss (e.g. floors that fit one by one but not
    together) is found by HiGHS and named by :meth:`_PlanSolver.diagnose_infeasible`.
    """
    problems = []
    ids, years = data.ids, data.years
    dead = [i for i in sorted(data.committed) if i in data.blocked]
    dead += [i for i in sorted(data.closure - set(data.committed)) if i in data.blocked]
    for i in dead:
        what = "committed project" if i in data.committed else "project required by a committed one"
        problems.append(f"{what} {ids[i]} cannot be selected: {_blocked_en(data, i)}")
    if problems:
        raise InfeasibleSelectionError("; ".join(problems))

    closure = sorted(data.closure)
    by_alt: dict[Hashable, list[int]] = {}
    for i in closure:
        if data.alt_group[i] is not None:
            by_alt.setdefault(data.alt_group[i], []).append(i)
    for g, members in by_alt.items():
        if len(members) > 1:
            problems.append(
                f"alternative group {g!r} has more than one committed project: "
                + _list([ids[i] for i in members], 50)
            )

    if closure:
        T = data.T
        least = np.zeros((len(closure), T, T))  # [project, a, b]: least spend in window
        for row, i in enumerate(closure):
            sp = _spend_by_start(data, i)[data.starts[i]]  # feasible starts only
            cum = np.concatenate([np.zeros((len(sp), 1)), np.cumsum(sp, axis=1)], axis=1)
            for a in range(T):
                for b in range(a, T):
                    least[row, a, b] = (cum[:, b + 1] - cum[:, a]).min()
        found = None
        for width in range(1, T + 1):
            for a in range(T - width + 1):
                b = a + width - 1
                need = least[:, a, b].sum()
                have = data.budgets[a:b + 1].sum()
                if need > have * (1 + 1e-12) + 1e-6:
                    found = (a, b, need, have)
                    break
            if found:
                break
        if found:
            a, b, need, have = found
            span = str(years[a]) if a == b else f"{years[a]}–{years[b]}"
            parts = [f"{ids[i]} ({_fmt(least[r, a, b])})"
                     for r, i in enumerate(closure) if least[r, a, b] > 0]
            problems.append(
                f"committed projects need at least {_fmt(need)} baht in {span} but the "
                f"budget there is {_fmt(have)} (over by {_fmt(need - have)}): "
                + _list(parts, 50)
            )
    has_start = data.starts.any(axis=1)
    for row in group_rows:
        if not row.kind.startswith("min"):
            continue
        able = row.members[has_start[row.members]] if len(row.members) else row.members
        most = float(len(able)) if row.kind == "min_count" else float(data.costs[able].sum())
        if most < row.bound * (1 - 1e-12) - 1e-6:
            problems.append(
                f"{row.label}: the floor ({row.source}) cannot be met, its selectable "
                f"candidates give at most {_fmt(most)}"
                + (f" ({_list([ids[i] for i in able], 20)})" if len(able) else "")
            )
    if closure:
        closure_set = set(closure)
        for row in group_rows:
            if not row.kind.startswith("max"):
                continue
            inside = [i for i in row.members.tolist() if i in closure_set]
            if not inside:
                continue
            used = len(inside) if row.kind == "max_count" else float(data.costs[inside].sum())
            if used > row.bound * (1 + 1e-12) + 1e-6:
                problems.append(
                    f"{row.label}: committed projects exceed the cap ({row.source}): "
                    f"{_fmt(used)} > {_fmt(row.bound)}: " + _list([ids[i] for i in inside], 50)
                )
    if problems:
        raise InfeasibleSelectionError("; ".join(problems))


# --------------------------------------------------------------------------------------
# Plan model: columns and constraint families
# --------------------------------------------------------------------------------------


def _expr(vars_: list[pulp.LpVariable], cols: np.ndarray, coefs: Any) -> pulp.LpAffineExpression:
    """``Σ coef_c y_c`` built in linear time from (var, coef) pairs."""
    if np.isscalar(coefs):
        coefs = [float(coefs)] * len(cols)
    elif isinstance(coefs, np.ndarray):
        coefs = coefs.tolist()
    return pulp.LpAffineExpression(zip(map(vars_.__getitem__, cols.tolist()), coefs))


def _columns_of(cols: _Columns, projects: np.ndarray) -> np.ndarray:
    """The columns of the given projects, concatenated (one arange, no Python loop)."""
    projects = np.asarray(projects, dtype=np.int64)
    if not len(projects):
        return np.zeros(0, dtype=np.int64)
    starts, ends = cols.first[projects], cols.first[projects + 1]
    lengths = ends - starts
    total = int(lengths.sum())
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return offsets + np.arange(total)


def _add(prob: pulp.LpProblem, expr, sense: int, name: str, rhs: float) -> None:
    prob.addConstraint(pulp.LpConstraint(expr, sense, name, rhs))


def _make_columns(prob: pulp.LpProblem, data: _PlanData) -> _Columns:
    """One binary ``y[i,t]`` per feasible (project, start year), named ``y_<id>_<year>``."""
    S = data.starts
    proj, k = np.nonzero(S)  # project-major, then year: deterministic order
    counts = S.sum(axis=1)
    first = np.zeros(data.n + 1, dtype=np.int64)
    np.cumsum(counts, out=first[1:])
    years, safe = data.years, data.safe
    vars_ = [
        prob.add_variable(f"y_{safe[i]}_{years[t]}", 0, 1, cat=pulp.LpBinary)
        for i, t in zip(proj.tolist(), k.tolist())
    ]
    T = data.T
    spend = np.zeros((len(proj), T))
    for s in range(T):  # share s of the profile is spent in year k + s
        tau = k + s
        ok = tau < T
        spend[np.flatnonzero(ok), tau[ok]] = data.costs[proj[ok]] * data.profiles[proj[ok], s]
    coef = data.values[proj] * data.discount ** k
    constant = 0.0
    for i, kb in data.baseline.items():
        constant -= data.penalty
        hit = np.flatnonzero(k[first[i]:first[i + 1]] == kb)
        if len(hit):
            coef[first[i] + hit[0]] += data.penalty
    return _Columns(vars_, proj, k, first, spend, coef, constant)


def add_plan_objective(prob: pulp.LpProblem, cols: _Columns) -> None:
    """Objective: maximise ``Σ_i Σ_t v_i d^k y[i,t] − P Σ_{i∈A} (1 − y[i,b_i])``.

    ``d`` is ``start_discount`` and ``k`` how many years after the first plan year
    project ``i`` starts; ``A`` are the approved projects of the baseline with start
    ``b_i`` and ``P`` the ``stability_penalty``: an approved project dropped or started in
    another year costs ``P``. Written as coefficients ``v_i d^k + P·[t = b_i]`` plus the
    constant ``−P·|A|``.
    """
    if not cols.vars:
        return
    expr = _expr(cols.vars, np.arange(len(cols.vars)), cols.coef)
    expr.constant = cols.constant
    prob.setObjective(expr)


def add_yearly_budgets(prob: pulp.LpProblem, cols: _Columns, data: _PlanData) -> None:
    """Budgets: ``Σ_i Σ_{t ≤ τ} c_i p_i[τ − t] y[i,t] ≤ B_τ`` for every plan year ``τ``.

    ``p_i`` is the cost profile (share of ``c_i`` spent ``τ − t`` years after the start).
    Named ``budget_<year>``; an infinite budget or a year nobody can spend in is omitted.
    """
    if not cols.vars:
        return
    for tau, year in enumerate(data.years):
        if not math.isfinite(data.budgets[tau]):
            continue
        nz = np.flatnonzero(cols.spend[:, tau])
        if len(nz):
            _add(prob, _expr(cols.vars, nz, cols.spend[nz, tau]), pulp.LpConstraintLE,
                 f"budget_{year}", float(data.budgets[tau]))


def add_one_start(prob: pulp.LpProblem, cols: _Columns, data: _PlanData) -> None:
    """At most one start: ``x_i = Σ_t y[i,t] ≤ 1`` for every project with ≥ 2 start years.

    Named ``one_start_<id>``. Committed projects get the equality of
    :func:`add_commitments` instead.
    """
    counts = np.diff(cols.first)
    first, vars_, safe = cols.first.tolist(), cols.vars, data.safe
    for i in np.flatnonzero(counts >= 2).tolist():
        if i in data.committed:
            continue
        expr = pulp.LpAffineExpression([(v, 1.0) for v in vars_[first[i]:first[i + 1]]])
        _add(prob, expr, pulp.LpConstraintLE, f"one_start_{safe[i]}", 1)


def add_commitments(prob: pulp.LpProblem, cols: _Columns, data: _PlanData) -> dict[str, str]:
    """Must-include: ``Σ_t y[i,t] = 1`` for every committed (or forced-in) project.

    Named ``must_include_<id>`` (``force_in_<id>`` when forced by the caller); the reason
    is kept in the returned mapping name → reason. Must-exclude needs no row: excluded
    projects have no columns (:func:`feasible_starts`).
    """
    out: dict[str, str] = {}
    for i in sorted(data.committed):
        prefix = "force_in" if i in data.forced_in else "must_include"
        name = f"{prefix}_{data.safe[i]}"
        _add(prob, _expr(cols.vars, np.arange(cols.first[i], cols.first[i + 1]), 1.0),
             pulp.LpConstraintEQ, name, 1)
        out[name] = f"{data.ids[i]} committed: {data.committed[i]}"
    return out


def add_precedence(prob: pulp.LpProblem, cols: _Columns, data: _PlanData) -> None:
    """Precedence, B requires A: ``Σ_{s ≤ t} y[B,s] ≤ Σ_{s ≤ t} y[A,s]`` for each start ``t`` of B.

    "If B has started by ``t``, A has started by ``t``": B only with A, and A no later
    than B. At B's last start year this is ``x_B ≤ x_A``; rows at years where B cannot
    start are implied by the previous one and left out. Named
    ``precedence_<B>_needs_<A>_<year>``.
    """
    eB, eA = _edges(data)
    for b, a in zip(eB.tolist(), eA.tolist()):
        cb = np.arange(cols.first[b], cols.first[b + 1])
        ca = np.arange(cols.first[a], cols.first[a + 1])
        if not len(cb):
            continue
        kb, ka = cols.k[cb], cols.k[ca]
        for c in cb.tolist():
            t = cols.k[c]
            mine, theirs = cb[kb <= t], ca[ka <= t]
            expr = _expr(cols.vars, np.concatenate([mine, theirs]),
                         [1.0] * len(mine) + [-1.0] * len(theirs))
            _add(prob, expr, pulp.LpConstraintLE,
                 f"precedence_{data.safe[b]}_needs_{data.safe[a]}_{data.years[t]}", 0)


def add_alternatives(prob: pulp.LpProblem, cols: _Columns, data: _PlanData) -> None:
    """Mutually exclusive alternatives: ``Σ_{i∈g} Σ_t y[i,t] ≤ 1`` per alternative group ``g``.

    Named ``alternative_<group>``; groups with fewer than two selectable projects are
    omitted.
    """
    groups: dict[Hashable, list[int]] = {}
    for i, g in enumerate(data.alt_group):
        if g is not None and cols.first[i + 1] > cols.first[i]:
            groups.setdefault(g, []).append(i)
    for g in sorted(groups, key=str):
        members = groups[g]
        if len(members) < 2:
            continue
        cs = _columns_of(cols, np.array(members))
        _add(prob, _expr(cols.vars, cs, 1.0), pulp.LpConstraintLE,
             f"alternative_{sanitise_name(g)}", 1)


def _capable(data: _PlanData) -> np.ndarray:
    """Projects that count towards a floor: a feasible start, eligible, ready or committed.

    Decided from the spec alone: ``force_in``/``force_out`` are what-if probes and do not
    change which floors apply (so a forced re-solve answers "same rules, this project
    in/out").
    """
    if data.forced_in or data.forced_out:
        data = dataclasses.replace(
            data,
            committed={i: r for i, r in data.committed.items() if i not in data.forced_in},
            excluded={i: r for i, r in data.excluded.items() if i not in data.forced_out},
            forced_in=set(), forced_out=set(), starts=None, blocked={},
        )
        feasible_starts(data)
    has_start = data.starts.any(axis=1)
    capable = has_start & data.eligible & data.ready
    if data.committed:
        capable[list(data.committed)] |= has_start[list(data.committed)]
    return capable


def _group_rows(data: _PlanData) -> tuple[list[_GroupRow], list[str]]:
    """Resolve the GroupLimits into rows, skipping floors that cannot be met."""
    rows: list[_GroupRow] = []
    skipped: list[str] = []
    plan_budget = float(data.budgets.sum())
    capable = _capable(data)
    used_names: set[str] = set()
    frame = data.frame
    for j, limit in enumerate(data.spec.group_limits):
        codes, uniques = pd.factorize(frame[limit.column], use_na_sentinel=True)
        order = np.argsort(codes, kind="stable")
        bounds_at = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
        by_key = {uniques[u]: order[bounds_at[u]:bounds_at[u + 1]] for u in range(len(uniques))}
        if limit.key is None:
            keys = sorted(by_key, key=lambda v: (str(type(v)), str(v)))
        else:
            keys = [limit.key]
        for key in keys:
            members = by_key.get(key)
            if members is None:  # the key may differ in type only (e.g. 4001 vs "4001")
                members = next((m for u, m in by_key.items() if u == key),
                               np.zeros(0, dtype=np.int64))
            members = np.asarray(members, dtype=np.int64)
            label = f"{limit.label} ({limit.column} = {key})"
            bounds: dict[str, tuple[float, str]] = {}
            if limit.max_count is not None:
                bounds["max_count"] = (float(limit.max_count), f"max_count {limit.max_count}")
            caps = []
            if limit.max_baht is not None and math.isfinite(float(limit.max_baht)):
                caps.append((float(limit.max_baht), f"max_baht {_fmt(limit.max_baht)}"))
            if limit.max_share is not None:
                if math.isfinite(plan_budget):
                    caps.append((limit.max_share * plan_budget,
                                 f"max_share {limit.max_share:g} of {_fmt(plan_budget)}"))
                else:
                    log.warning("%s: max_share ignored, the plan budget is unlimited", label)
            if caps:
                bounds["max_baht"] = min(caps)
            n_cap = int(capable[members].sum()) if len(members) else 0
            baht_cap = float(data.costs[members[capable[members]]].sum()) if len(members) else 0.0
            if limit.min_count is not None and limit.min_count > 0:
                if n_cap >= limit.min_count:
                    bounds["min_count"] = (float(limit.min_count), f"min_count {limit.min_count}")
                else:
                    skipped.append(f"{label}: min_count {limit.min_count} skipped, only "
                                   f"{n_cap} ready, eligible candidate(s)")
            floors = []
            if limit.min_baht is not None and limit.min_baht > 0:
                floors.append((float(limit.min_baht), f"min_baht {_fmt(limit.min_baht)}"))
            if limit.min_share is not None and limit.min_share > 0:
                if math.isfinite(plan_budget):
                    floors.append((limit.min_share * plan_budget,
                                   f"min_share {limit.min_share:g} of {_fmt(plan_budget)}"))
                else:
                    skipped.append(f"{label}: min_share skipped, the plan budget is unlimited")
            if floors:
                need, source = max(floors)
                if baht_cap >= need * (1 - 1e-12):
                    bounds["min_baht"] = (need, source)
                else:
                    skipped.append(f"{label}: {source} skipped, ready, eligible candidates "
                                   f"cost only {_fmt(baht_cap)}")
            for kind, (bound, source) in bounds.items():
                name = f"group_{sanitise_name(limit.label)}_{sanitise_name(key)}_{kind}"
                if name in used_names:
                    name = f"{name}_{j}"
                used_names.add(name)
                rows.append(_GroupRow(name, label, limit, key, kind, bound, members, source))
    return rows, skipped


def add_group_limits(prob: pulp.LpProblem, cols: _Columns, rows: Sequence[_GroupRow]) -> None:
    """Floors and caps per group ``g`` (district, basin, zone, strategy, …)::

        Σ_{i∈g} x_i        ≥ min_count_g   /  ≤ max_count_g
        Σ_{i∈g} c_i x_i    ≥ max(min_baht_g, min_share_g · Σ_τ B_τ)
                           ≤ min(max_baht_g, max_share_g · Σ_τ B_τ)

    with ``x_i = Σ_t y[i,t]``. Floors reach here only if the group has enough ready,
    eligible candidates (see :func:`_group_rows`). Named
    ``group_<limit name>_<key>_<min_count|max_count|min_baht|max_baht>``.
    """
    if not rows or not cols.vars:
        return
    for row in rows:
        cs = _columns_of(cols, row.members)
        if not len(cs):
            continue  # a cap on nobody; floors without columns were skipped
        coefs = 1.0 if row.kind.endswith("count") else cols.spend[cs].sum(axis=1)
        sense = pulp.LpConstraintGE if row.kind.startswith("min") else pulp.LpConstraintLE
        _add(prob, _expr(cols.vars, cs, coefs), sense, row.name, row.bound)


def build_plan_model(
    candidates: pd.DataFrame,
    spec: PlanSpec,
    *,
    value_col: str = "priority",
    force_in: Iterable[Any] = (),
    force_out: Iterable[Any] = (),
) -> tuple[pulp.LpProblem, dict[tuple[Any, int], pulp.LpVariable], PlanMeta]:
    """Validate, pre-check and build the plan model (no solve).

    Returns the ``pulp.LpProblem``, the binaries ``y[(project_id, start_year)]`` (only
    feasible pairs, see :func:`feasible_starts`) and a :class:`PlanMeta`. ``force_in`` /
    ``force_out`` act like extra must-include / must-exclude entries.

    Raises ``ValueError`` for bad input and :class:`InfeasibleSelectionError` for a
    conflict found before solving (:func:`_precheck_plan`).
    """
    start = time.perf_counter()
    data = _prepare_plan(candidates, spec, value_col=value_col,
                         force_in=force_in, force_out=force_out)
    feasible_starts(data)
    group_rows, skipped = _group_rows(data)
    _precheck_plan(data, group_rows)
    if skipped:
        log.info("floors skipped: %s", "; ".join(skipped))

    prob = pulp.LpProblem("water_plan", pulp.LpMaximize)
    cols = _make_columns(prob, data)
    add_plan_objective(prob, cols)
    add_yearly_budgets(prob, cols, data)
    add_one_start(prob, cols, data)
    relaxable = add_commitments(prob, cols, data)
    add_precedence(prob, cols, data)
    add_alternatives(prob, cols, data)
    add_group_limits(prob, cols, group_rows)
    for row in group_rows:
        if row.kind.startswith("min") and row.name in prob._constraints:
            relaxable[row.name] = f"{row.label}: {row.source}"
    y = {(data.ids[i], data.years[t]): v
         for i, t, v in zip(cols.proj.tolist(), cols.k.tolist(), cols.vars)}
    meta = PlanMeta(data, cols, group_rows, skipped, relaxable)
    meta.build_seconds = time.perf_counter() - start
    log.debug("built plan model: %d candidates, %d columns, %d rows in %.3f s",
              data.n, len(cols.vars), len(prob._constraints), meta.build_seconds)
    return prob, y, meta


# --------------------------------------------------------------------------------------
# Plan model: solving (once, or repeatedly with changed bounds) and extraction
# --------------------------------------------------------------------------------------


_INFEASIBLE = frozenset({"infeasible", "unbounded_or_infeasible"})  # all columns are binary


class _PlanSolver:
    """The plan model loaded into HiGHS once, re-solved with changed bounds.

    Forcing project ``i`` in raises the lower bound of its ``one_start_<id>`` row (or of
    its only column) to 1; forcing it out sets the upper bounds of its columns to 0. The
    changes are undone after each solve, so no re-transfer from PuLP is needed: a
    re-solve costs one HiGHS run.
    """

    def __init__(self, prob: pulp.LpProblem, meta: PlanMeta, *, time_limit_s: float,
                 mip_rel_gap: float, threads: int | None,
                 highs_options: Mapping[str, Any] | None):
        self.meta = meta
        self.time_limit_s = float(time_limit_s)
        self.solver = _make_solver(time_limit_s, mip_rel_gap, threads, highs_options)
        if threads is not None:
            _reset_highs_scheduler()
        with _quiet_c_stdout():
            self.solver.load(prob)
        self.highs = prob.solverModel
        self.sense = prob.sense
        self.prob = prob
        cols = meta.cols
        self.col = np.fromiter(map(_INDEX, cols.vars), np.int32, len(cols.vars))
        self.current_limit = self.time_limit_s
        self.runs = 0

    def _row(self, name: str) -> int | None:
        con = self.prob._constraints.get(name)
        return None if con is None else con.index

    def set_time_limit(self, seconds: float) -> None:
        self.current_limit = float(seconds)
        self.highs.setOptionValue("time_limit", float(seconds))

    def run(self, stop_when: tuple[float, float] | None = None
            ) -> tuple[SolveOutcome, np.ndarray | None]:
        """Solve as the model stands; the chosen columns (bool) if HiGHS has a solution.

        ``stop_when = (reference, width)``: stop branch-and-bound (HiGHS callback
        interrupt, status ``interrupted``) as soon as HiGHS has proved its objective lies
        below ``reference`` and the loss ``reference − objective`` is known to within
        ``width`` of itself: ``(ub − inc) ≤ width · (reference − inc)`` with ``ub`` the
        proven bound and ``inc`` the incumbent. Used by :func:`explain_plan`, which only
        needs the loss of a forcing, not the forced optimum to the last decimal.
        """
        h = self.highs
        callback = None
        if stop_when is not None:
            reference, width = stop_when
            sign = -1.0 if self.sense == pulp.LpMaximize else 1.0

            def callback(event):  # HiGHS minimises sign × objective
                out = event.data_out
                ub, inc = sign * out.mip_dual_bound, sign * out.mip_primal_bound
                loss_low, loss_high = reference - ub, reference - inc
                # always set the flag: HiGHS keeps it between runs of the same object
                event.interrupt(bool(math.isfinite(ub) and math.isfinite(inc)
                                     and loss_low > 1e-9
                                     and loss_high - loss_low <= width * loss_high))

            h.cbMipInterrupt.subscribe(callback)
        start = time.perf_counter()
        try:
            with _quiet_c_stdout():
                h.run()
        finally:
            if callback is not None:
                h.cbMipInterrupt.unsubscribe(callback)
        seconds = time.perf_counter() - start
        self.runs += 1
        _warn_overrun(seconds, self.current_limit)
        outcome = _read_outcome(self.highs, self.sense, seconds, 0.0, seconds)
        x = None
        if outcome.has_solution:
            x = np.asarray(self.highs.getSolution().col_value)[self.col] > 0.5
        return outcome, x

    def set_start(self, start: np.ndarray | None) -> None:
        """Give HiGHS a MIP start: ``start`` are the chosen columns (bool, ``meta.cols``
        order). HiGHS checks it (an LP with the binaries fixed); a start that breaks a row
        is ignored, so a wrong guess costs one LP, never a wrong answer."""
        if start is None:
            return
        value = np.zeros(self.highs.getNumCol())
        value[self.col[np.flatnonzero(start)]] = 1.0
        index = np.arange(len(value), dtype=np.int32)
        self.highs.setSolution(len(value), index, value)

    def solve_with(self, *, force_in: Sequence[int] = (), force_out: Sequence[int] = (),
                   start: np.ndarray | None = None,
                   stop_when: tuple[float, float] | None = None
                   ) -> tuple[SolveOutcome, np.ndarray | None]:
        """Solve with projects (indices) forced in / out, then undo the forcing.

        ``start``: a plan (chosen columns) that respects the forcing, handed to HiGHS as
        its first incumbent (:meth:`set_start`), e.g. the base plan without the project
        forced out; with it a time-limited re-solve always has a plan to report.
        """
        cols, data, h = self.meta.cols, self.meta.data, self.highs
        undo_rows: list[tuple[int, float, float]] = []
        undo_cols: list[np.ndarray] = []
        try:
            for i in force_in:
                lo, hi = cols.first[i], cols.first[i + 1]
                if hi == lo:
                    return SolveOutcome("infeasible", False, None, None, None, 0.0), None
                if i in data.committed:
                    continue
                if hi - lo == 1:
                    c = self.col[lo:hi]
                    h.changeColsBounds(1, c, np.ones(1), np.ones(1))
                    undo_cols.append(c)
                else:
                    r = self._row(f"one_start_{data.safe[i]}")
                    h.changeRowBounds(r, 1.0, 1.0)
                    undo_rows.append((r, -np.inf, 1.0))
            for i in force_out:
                c = self.col[cols.first[i]:cols.first[i + 1]]
                if len(c):
                    h.changeColsBounds(len(c), c, np.zeros(len(c)), np.zeros(len(c)))
                    undo_cols.append(c)
            self.set_start(start)
            return self.run(stop_when)
        finally:
            for r, lo, hi in undo_rows:
                h.changeRowBounds(r, lo, hi)
            for c in undo_cols:
                h.changeColsBounds(len(c), c, np.zeros(len(c)), np.ones(len(c)))

    def diagnose_infeasible(self, budget_s: float = 30.0) -> str:
        """Name a minimal set of commitments/floors that cannot all hold (deletion filter).

        Feasibility checks run with a zero objective (HiGHS stops at the first feasible
        plan). Everything else (budgets, caps, precedence, alternatives, horizon) is
        kept; with all commitments and floors relaxed the empty plan is feasible.
        """
        meta, h = self.meta, self.highs
        relax = list(meta.relaxable)
        if not relax:
            return "HiGHS proved the plan infeasible"
        ncol = h.getNumCol()
        lp = h.getLp()
        costs = np.array(lp.col_cost_)
        h.changeColsCost(ncol, np.arange(ncol, dtype=np.int32), np.zeros(ncol))
        rows = {name: self._row(name) for name in relax}
        original = {name: (lp.row_lower_[r], lp.row_upper_[r]) for name, r in rows.items()}

        def loosen(name: str) -> None:
            lo, hi = original[name]
            h.changeRowBounds(rows[name], -np.inf, hi if hi < 1e30 and name.startswith(
                ("must_include", "force_in")) else np.inf)

        def infeasible() -> bool:
            outcome, _ = self.run()
            return outcome.status in _INFEASIBLE

        deadline = time.perf_counter() + budget_s
        needed = list(relax)
        try:
            self.set_time_limit(max(1.0, min(5.0, budget_s / 4)))
            if len(relax) <= 40:
                needed = []
                for name in relax:
                    if time.perf_counter() > deadline:
                        needed.append(name)
                        continue
                    loosen(name)
                    if not infeasible():
                        lo, hi = original[name]
                        h.changeRowBounds(rows[name], lo, hi)
                        needed.append(name)
        finally:
            for name, (lo, hi) in original.items():
                h.changeRowBounds(rows[name], lo, hi)
            h.changeColsCost(ncol, np.arange(ncol, dtype=np.int32), costs)
            self.set_time_limit(self.time_limit_s)
        what = "; ".join(meta.relaxable[name] for name in needed)
        return ("the plan is infeasible: these commitments/floors cannot all be met within the "
                f"budgets, caps and precedences: {what}")


def _empty_plan_result(meta: PlanMeta) -> PlanResult:
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
    from the PuLP variables (``varValue > 0.5``, as set by :func:`solve_model`). The
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
        solver=_solver_label(),
        plan=plan,
        spend_by_year={year: float(spend[t]) for t, year in enumerate(years)},
        skipped_floors=list(meta.skipped_floors),
        value_total=value_total,
        stability_cost=data.penalty * len(changed),
        changed_from_baseline=changed,
    )


def _start_columns(meta: PlanMeta, start: Mapping[Any, int] | PlanResult) -> np.ndarray:
    """A plan (id → start year, or a PlanResult) as chosen columns of this model; ids or
    years that are not columns here are left out (the start is only a hint)."""
    if isinstance(start, PlanResult):
        sel = start.plan[start.plan["selected"].astype(bool)]
        start = dict(zip(sel["project_id"].tolist(), sel["start_year"].tolist()))
    data, cols = meta.data, meta.cols
    x = np.zeros(len(cols.vars), dtype=bool)
    for pid, year in start.items():
        i = data.position.get(pid)
        if i is None or _is_missing(year) or int(year) not in data.years:
            continue
        k = data.years.index(int(year))
        hit = np.flatnonzero(cols.k[cols.first[i]:cols.first[i + 1]] == k)
        if len(hit):
            x[cols.first[i] + hit[0]] = True
    return x


def _check_outcome(outcome: SolveOutcome, time_limit_s: float, what: str) -> None:
    """The status policy shared by the plan functions (as :func:`select_projects`)."""
    if outcome.status == "optimal":
        if not outcome.has_solution:  # pragma: no cover - defensive
            raise SelectionSolveError("HiGHS reported optimal but returned no solution",
                                      outcome.status)
    elif outcome.status in STOPPED_EARLY_STATUSES:
        if not outcome.has_solution:
            raise SelectionSolveError(
                f"HiGHS stopped ({outcome.status}) after {outcome.seconds:.2f} s without a "
                f"feasible {what}; raise time_limit_s (was {time_limit_s})", outcome.status,
            )
        log.warning("%s not proven optimal: HiGHS stopped with %s, gap %s",
                    what, outcome.status, outcome.gap)
    else:
        raise SelectionSolveError(
            f"HiGHS could not solve the {what} model: status {outcome.status}", outcome.status
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
) -> PlanResult:
    """Choose the projects of a multi-year plan and their start years.

    See ``docs/plan-model-api.md`` and the functions :func:`feasible_starts`,
    :func:`add_plan_objective`, :func:`add_yearly_budgets`, :func:`add_one_start`,
    :func:`add_commitments`, :func:`add_precedence`, :func:`add_alternatives` and
    :func:`add_group_limits` for the model. ``force_in``/``force_out`` act as extra
    must-include/must-exclude entries (used to confirm reasons). ``mip_start``: a plan
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

    Raises:
        ValueError: bad input (names the column/projects).
        InfeasibleSelectionError: a conflict found before solving (committed projects
            over a year's budget or a cap, committed but not eligible/excluded/needing an
            excluded project, two committed alternatives, …) or an infeasible model,
            with the commitments/floors that cannot all be met named.
        SelectionSolveError: HiGHS failed, or stopped without a feasible plan.
    """
    _check_solver_options(time_limit_s, mip_rel_gap)
    prob, _, meta = build_plan_model(candidates, spec, value_col=value_col,
                                     force_in=force_in, force_out=force_out)
    if not meta.cols.vars:
        return _empty_plan_result(meta)
    engine = _PlanSolver(prob, meta, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
                         threads=threads, highs_options=highs_options)
    if mip_start is not None:
        engine.set_start(_start_columns(meta, mip_start))
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
    if outcome.status in _INFEASIBLE:
        err = InfeasibleSelectionError(engine.diagnose_infeasible())
        err.status = outcome.status
        raise err
    _check_outcome(outcome, time_limit_s, "plan")
    result = extract_plan(meta, outcome, x=x)
    result.mip_rel_gap = float(mip_rel_gap)
    result.method = method
    return result


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


def _solve_decomposed(engine: "_PlanSolver", meta: PlanMeta, key: str, *,
                      time_limit_s: float, mip_rel_gap: float, threads: int | None
                      ) -> tuple[SolveOutcome, np.ndarray | None, str]:
    """Blocks by ``key`` with a Lagrangian bound; HiGHS on the whole model (from the
    blocks' plan) only if that bound does not already prove the gap."""
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
    except decompose.NotDecomposable as why:
        outcome, x, total = whole_model()
        return (dataclasses.replace(outcome, seconds=total), x,
                f"HiGHS branch-and-bound (no blocks by {key}: {why})")
    sign = -1.0 if engine.sense == pulp.LpMaximize else 1.0
    label = (f"{blocks.n_blocks} blocks by {key} (HiGHS each), Lagrangian bound over "
             f"{blocks.n_linking_rows} linking rows")
    x = None if blocks.x is None else blocks.x[engine.col] > 0.5
    if x is not None and blocks.gap <= mip_rel_gap:
        spent = time.perf_counter() - t0
        return (SolveOutcome("optimal", True, sign * blocks.objective, sign * blocks.bound,
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
    best_x, objective = x, blocks.objective  # minimising sense from here on
    if outcome.has_solution and (x is None or sign * outcome.objective < objective):
        best_x, objective = x_full, sign * outcome.objective
    bound = blocks.bound
    if outcome.best_bound is not None:
        bound = max(bound, sign * outcome.best_bound)
    gap = max((objective - bound) / max(abs(objective), 1e-12), 0.0)
    status = "optimal" if gap <= mip_rel_gap else outcome.status
    if status == "optimal" and outcome.status != "optimal":
        label += f" ({outcome.status}, proven by the Lagrangian bound)"
    return (SolveOutcome(status, True, sign * objective, sign * bound, gap, total, 0.0, total),
            best_x, label)


def _guarded_child(conn, candidates, spec, kwargs) -> None:  # pragma: no cover - child
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

    _check_solver_options(time_limit_s, kwargs.get("mip_rel_gap", 0.0))
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


# --------------------------------------------------------------------------------------
# Reasons: why each candidate is in or out of the plan
# --------------------------------------------------------------------------------------

REASON_CODES: tuple[str, ...] = (
    "selected", "committed", "excluded", "not_eligible", "not_ready_year_one",
    "outside_horizon", "needs", "alternative_chosen", "group_cap", "budget",
)
"""``reason_code`` values of :func:`explain_plan` (``outside_horizon``: cannot start and
finish inside the plan years, e.g. a 3-year project in a 2-year plan)."""


def _pts(x: float) -> str:
    return f"{x:,.3f}"


def _ids_text(ids: Sequence[Any], limit: int = 3) -> str:
    shown = ", ".join(map(str, ids[:limit]))
    return shown + (f" (+{len(ids) - limit})" if len(ids) > limit else "")


def _base_columns(meta: PlanMeta, result: PlanResult) -> np.ndarray:
    """The result's plan as chosen columns of this model (raises if they do not match)."""
    data, cols = meta.data, meta.cols
    plan = result.plan
    for col in ("project_id", "selected", "start_year"):
        if col not in plan.columns:
            raise ValueError(f"result.plan has no {col!r} column")
    x = np.zeros(len(cols.vars), dtype=bool)
    mismatch = []
    chosen = plan.loc[plan["selected"].astype(bool), ["project_id", "start_year"]]
    for pid, year in zip(chosen["project_id"].tolist(), chosen["start_year"].tolist()):
        i = data.position.get(pid)
        if i is None or _is_missing(year) or int(year) not in data.years:
            mismatch.append(pid)
            continue
        k = data.years.index(int(year))
        ks = cols.k[cols.first[i]:cols.first[i + 1]]
        hit = np.flatnonzero(ks == k)
        if not len(hit):
            mismatch.append(pid)
            continue
        x[cols.first[i] + hit[0]] = True
    if mismatch:
        raise ValueError(
            "result does not match these candidates and spec (selected project or start "
            f"year not allowed): {_list(mismatch)}"
        )
    return x


class _Explainer:
    """Structural reasons, cheap estimates and forced re-solves for :func:`explain_plan`."""

    def __init__(self, meta: PlanMeta, base: np.ndarray):
        self.meta, self.data, self.cols = meta, meta.data, meta.cols
        data, cols = self.data, self.cols
        n = data.n
        self.base = base
        self.coef_total = float(cols.coef[base].sum() + cols.constant)
        chosen = np.flatnonzero(base)
        self.sel = np.zeros(n, dtype=bool)
        self.sel[cols.proj[chosen]] = True
        self.kstart = np.full(n, -1, dtype=np.int64)
        self.kstart[cols.proj[chosen]] = cols.k[chosen]
        self.ccol = np.full(n, -1, dtype=np.int64)  # chosen column per project
        self.ccol[cols.proj[chosen]] = chosen
        self.free = data.budgets - cols.spend[base].sum(axis=0)
        self.dependents: dict[int, list[int]] = {}
        for b, reqs in enumerate(data.requires):
            for a in reqs:
                self.dependents.setdefault(a, []).append(b)
        self.rows_of: dict[int, list[_GroupRow]] = {}
        self.usage: dict[str, float] = {}
        for row in meta.group_rows:
            m = row.members
            if row.kind.endswith("count"):
                self.usage[row.name] = float(self.sel[m].sum()) if len(m) else 0.0
            else:
                self.usage[row.name] = float(data.costs[m[self.sel[m]]].sum()) if len(m) else 0.0
            for i in m.tolist():
                self.rows_of.setdefault(i, []).append(row)
        removable = [j for j in chosen.tolist() if cols.proj[j] not in data.closure]
        self.removable = np.array(removable, dtype=np.int64)  # columns that may be dropped
        self.pool_proj = cols.proj[self.removable]
        self.alt_members: dict[Hashable, list[int]] = {}
        for i, g in enumerate(data.alt_group):
            if g is not None:
                self.alt_members.setdefault(g, []).append(i)

    # ---- helpers ----------------------------------------------------------------------

    def chosen_coef(self, i: int) -> float:
        return float(self.cols.coef[self.ccol[i]]) if self.ccol[i] >= 0 else 0.0

    def selected_dependents(self, i: int) -> list[int]:
        out, stack = [], [i]
        seen = {i}
        while stack:
            for b in self.dependents.get(stack.pop(), ()):
                if b not in seen and self.sel[b]:
                    seen.add(b)
                    out.append(b)
                    stack.append(b)
        return out

    def allowed_columns(self, i: int) -> np.ndarray:
        """Columns of ``i`` compatible with the starts of its (selected) requirements."""
        cols = self.cols
        cs = np.arange(cols.first[i], cols.first[i + 1])
        reqs = self.data.requires[i]
        if reqs and all(self.sel[a] for a in reqs):
            latest = max(self.kstart[a] for a in reqs)
            cs = cs[cols.k[cs] >= latest]
        return cs

    def cap_hit(self, i: int) -> _GroupRow | None:
        for row in self.rows_of.get(i, ()):
            if not row.kind.startswith("max"):
                continue
            add = 1.0 if row.kind == "max_count" else float(self.data.costs[i])
            if self.usage[row.name] + add > row.bound * (1 + 1e-9) + 1e-6:
                return row
        return None

    def estimate_in(self, i: int, cap: _GroupRow | None,
                    alternative: int | None) -> tuple[float, list[int], int | None]:
        """Greedy estimate of the loss of forcing ``i`` in: (loss, displaced, year index).

        ``i`` (with its unselected requirements at their earliest starts) is added at the
        start that loses least; the chosen alternative is dropped, then optional selected
        projects in increasing order of score per baht freed in the short years (members
        of the blocking cap's group first) until the budgets and the cap hold again. Not
        a re-solve: a quick upper-bound-style guess used to rank the closest misses and
        shown as unconfirmed.
        """
        data, cols = self.data, self.cols
        extra, gain_extra, spend_extra = [], 0.0, np.zeros(data.T)
        stack = [a for a in data.requires[i] if not self.sel[a]]
        while stack:
            a = stack.pop()
            if a in extra:
                continue
            if cols.first[a + 1] == cols.first[a]:
                return math.inf, [], None
            c = int(cols.first[a])
            extra.append(a)
            gain_extra += cols.coef[c]
            spend_extra = spend_extra + cols.spend[c]
            stack.extend(b for b in data.requires[a] if not self.sel[b])
        cands = (np.arange(cols.first[i], cols.first[i + 1]) if extra
                 else self.allowed_columns(i))
        if not len(cands):
            return math.inf, [], None
        pool = self.removable
        if alternative is not None:
            pool = pool[self.pool_proj != alternative]
        S, C = cols.spend[pool], cols.coef[pool]
        best: tuple[float, list[int], int | None] = (math.inf, [], None)
        for c in cands.tolist():
            need = cols.spend[c] + spend_extra - self.free
            loss, removed = 0.0, []
            if alternative is not None:
                removed.append(alternative)
                loss += self.chosen_coef(alternative)
                need = need - cols.spend[self.ccol[alternative]]
            keep = np.ones(len(pool), dtype=bool)
            if cap is not None:
                add = 1.0 if cap.kind == "max_count" else float(data.costs[i])
                over = self.usage[cap.name] + add - cap.bound
                members = np.isin(cols.proj[pool], cap.members)
                size = (np.ones(len(pool)) if cap.kind == "max_count"
                        else data.costs[cols.proj[pool]])
                order = np.flatnonzero(members)[np.argsort(C[members] / (size[members] + 1e-9),
                                                           kind="stable")]
                cum = np.cumsum(size[order])
                hit = np.flatnonzero(cum >= over - 1e-9)
                if over > 1e-9:
                    if not len(hit):
                        continue
                    take = order[:hit[0] + 1]
                    keep[take] = False
                    removed += cols.proj[pool[take]].tolist()
                    loss += float(C[take].sum())
                    need = need - S[take].sum(axis=0)
            short = need > 1e-6
            if short.any():
                freed = S[:, short].sum(axis=1)
                ok = keep & (freed > 0)
                idx = np.flatnonzero(ok)
                order = idx[np.argsort(C[idx] / freed[idx], kind="stable")]
                cum = np.cumsum(S[order][:, short], axis=0)
                covered = np.flatnonzero((cum >= need[short] - 1e-6).all(axis=1))
                if not len(covered):
                    continue
                take = order[:covered[0] + 1]
                removed += cols.proj[pool[take]].tolist()
                loss += float(C[take].sum())
            est = loss - float(cols.coef[c]) - gain_extra
            if est < best[0]:
                best = (est, removed, int(cols.k[c]))
        return best

    def needed_for(self, i: int) -> tuple[str, str] | None:
        """What a selected project cannot be left out for: (Thai, English) or None."""
        data = self.data
        if i in data.closure:
            stack, seen = [i], {i}
            while stack:
                for b in self.dependents.get(stack.pop(), ()):
                    if b in data.committed:
                        who = data.ids[b]
                        return (f"โครงการผูกพัน {who} ต้องใช้โครงการนี้",
                                f"committed project {who} needs it")
                    if b not in seen:
                        seen.add(b)
                        stack.append(b)
        gone = [i] + self.selected_dependents(i)  # leaving i out drops these too
        for row in self.rows_of.get(i, ()):
            if row.kind.startswith("min"):
                out = [j for j in gone if j in set(row.members.tolist())]
                drop = float(len(out)) if row.kind == "min_count" else float(data.costs[out].sum())
                if self.usage[row.name] - drop < row.bound - 1e-6:
                    return (f"ต้องใช้เพื่อให้ถึงขั้นต่ำของ {_group_label(row, 'th')}",
                            f"the floor of {_group_label(row, 'en')} needs it")
        return None

    def short_years(self, i: int) -> list[int]:
        """Plan years whose remaining budget is too small for ``i`` at its best start."""
        cols, data = self.cols, self.data
        cs = self.allowed_columns(i)
        if not len(cs):
            return []
        over = np.maximum(cols.spend[cs] - self.free[None, :], 0.0)
        c = int(np.argmin(over.sum(axis=1)))
        return [data.years[t] for t in np.flatnonzero(over[c] > 1e-6)]

    # ---- MIP starts for the re-solves ---------------------------------------------------

    def start_out(self, i: int) -> np.ndarray:
        """The base plan without ``i`` and the selected projects that need it."""
        cols = self.cols
        x = self.base.copy()
        for j in [i] + self.selected_dependents(i):
            x[cols.first[j]:cols.first[j + 1]] = False
        return x

    def start_in(self, i: int, info: dict) -> np.ndarray | None:
        """The greedy plan behind the estimate of forcing ``i`` in (see
        :meth:`estimate_in`): the base plan without the displaced projects, with ``i`` at
        the estimated start and its unselected requirements at their earliest starts.
        ``None`` when the estimate found no plan."""
        k = info.get("k")
        if k is None or not math.isfinite(info.get("est", math.inf)):
            return None
        cols, data = self.cols, self.data
        x = self.base.copy()
        for j in info.get("displaced", ()):
            x[cols.first[j]:cols.first[j + 1]] = False
        hit = np.flatnonzero(cols.k[cols.first[i]:cols.first[i + 1]] == k)
        if not len(hit):
            return None
        x[cols.first[i] + hit[0]] = True
        stack, seen = [a for a in data.requires[i] if not self.sel[a]], set()
        while stack:
            a = stack.pop()
            if a in seen or cols.first[a + 1] == cols.first[a]:
                continue
            seen.add(a)
            x[cols.first[a]] = True
            stack.extend(b for b in data.requires[a] if not self.sel[b])
        return x

    # ---- structural reasons -----------------------------------------------------------

    def structural(self, i: int) -> dict:
        data = self.data
        if self.sel[i]:
            year = data.years[self.kstart[i]]
            if i in data.committed:
                return dict(code="committed", year=year, reason=data.committed[i])
            deps = self.selected_dependents(i)
            est = self.chosen_coef(i) + sum(self.chosen_coef(j) for j in deps)
            return dict(code="selected", year=year, est=est, resolve="out", deps=deps,
                        needed_for=self.needed_for(i))
        if i in data.blocked:
            code, detail = data.blocked[i]
            out = dict(code=code, **detail)
            if code == "needs":
                out["related"] = detail["ids"][0] if detail["ids"] else None
            return out
        missing = [a for a in data.requires[i] if not self.sel[a]]
        if missing:
            est, displaced, k = self.estimate_in(i, None, None)
            return dict(code="needs", related=data.ids[missing[0]], why="not_chosen",
                        est=est, displaced=displaced, resolve="in", need_idx=missing[0],
                        k=k)
        if data.requires[i] and not len(self.allowed_columns(i)):
            a = max(data.requires[i], key=lambda a: self.kstart[a])
            return dict(code="needs", related=data.ids[a], why="too_late",
                        start=data.years[self.kstart[a]], est=math.inf, resolve="in",
                        need_idx=a, displaced=[])
        g = data.alt_group[i]
        if g is not None:
            chosen = [j for j in self.alt_members[g] if self.sel[j]]
            if chosen:
                est, displaced, k = self.estimate_in(i, None, chosen[0])
                return dict(code="alternative_chosen", related=data.ids[chosen[0]],
                            group=g, est=est, displaced=displaced, resolve="in", k=k)
        cap = self.cap_hit(i)
        if cap is not None:
            est, displaced, k = self.estimate_in(i, cap, None)
            return dict(code="group_cap", row=cap, est=est, displaced=displaced, resolve="in",
                        k=k)
        est, displaced, k = self.estimate_in(i, None, None)
        return dict(code="budget", short=self.short_years(i), est=est, displaced=displaced,
                    k=k,
                    resolve="in", value=float(self.cols.coef[self.cols.first[i]:
                                                             self.cols.first[i + 1]].max()))


_GROUP_COLUMN_LABELS = {  # column -> (Thai, English) for reasons
    "district_code": ("อำเภอ", "district"),
    "basin": ("ลุ่มน้ำ", "basin"),
    "zone": ("โซน", "zone"),
    "strategy_no": ("ยุทธศาสตร์ที่", "strategy"),
    "type_code": ("ประเภทโครงการ", "project type"),
    "province_code": ("จังหวัด", "province"),
}


def _group_label(row: _GroupRow, lang: str) -> str:
    """"district_cap (อำเภอ 4001)" / "district_cap (district 4001)"."""
    th, en = _GROUP_COLUMN_LABELS.get(row.limit.column, (row.limit.column, row.limit.column))
    return f"{row.limit.label} ({th if lang == 'th' else en} {row.key})"


def _year_span(years: Sequence[int]) -> str:
    return ", ".join(map(str, years))


def _texts(info: dict, data: _PlanData, ids: list[Any]) -> tuple[str, str]:
    """(Thai, English) sentence for one candidate."""
    code = info["code"]
    y0, yT = data.years[0], data.years[-1]
    delta, confirmed = info.get("delta", math.nan), info.get("confirmed", False)
    low = info.get("delta_low", math.nan) if confirmed else math.nan
    est_th = "" if confirmed else " (ประมาณการตามกฎ ไม่ได้คำนวณซ้ำ)"
    est_en = "" if confirmed else " (estimate by rule, not re-solved)"
    displaced = [ids[j] for j in info.get("displaced", [])]

    def amount(lang: str) -> str:
        """The loss: exact, or the range HiGHS proved (bound) and found (plan)."""
        if not confirmed or math.isinf(delta) or (
                not math.isnan(low) and delta - low <= max(1e-6, 1e-3 * abs(delta))):
            return _pts(delta)
        if math.isnan(low) or low <= 1e-9:  # no bound, or it does not prove a loss
            return f"ไม่เกิน {_pts(delta)}" if lang == "th" else f"at most {_pts(delta)}"
        return (f"{_pts(low)}–{_pts(delta)}" if lang == "th"
                else f"between {_pts(low)} and {_pts(delta)}")

    def loss_clause() -> tuple[str, str]:
        if math.isnan(delta):
            return "", ""
        if math.isinf(delta):
            return (" แม้ตัดโครงการอื่นที่ไม่ผูกพันออกทั้งหมดก็ยังเลือกไม่ได้",
                    " Even dropping every optional project would not make room for it.")
        if delta < -1e-9:
            return (f" หากเลือก คะแนนรวมกลับเพิ่มขึ้น {_pts(-delta)} "
                    "(แผนนี้ยังไม่ได้รับการพิสูจน์ว่าดีที่สุด)",
                    f" Funding it would raise the plan's total score by {_pts(-delta)}: the "
                    "plan was not proven optimal.")
        th = en = ""
        if displaced:
            th += f" หากจะเลือกต้องตัด {_ids_text(displaced)} ออก"
            en += f" Funding it would displace {_ids_text(displaced)}"
            en += f" and lower the plan's total score by {amount('en')}{est_en}."
            th += f" คะแนนรวมของแผนจะลดลง {amount('th')}{est_th}"
        else:
            th += f" หากเลือก คะแนนรวมของแผนจะลดลง {amount('th')}{est_th}"
            en += f" Funding it would lower the plan's total score by {amount('en')}{est_en}."
        return th, en

    if code == "selected":
        th = f"ได้รับเลือก เริ่มปีงบประมาณ {info['year']}"
        en = f"Selected, starting in FY {info['year']}."
        if math.isinf(delta):
            th_why, en_why = info.get("needed_for") or (
                "เงื่อนไขของแผนต้องใช้โครงการนี้", "the plan's rules need it")
            th += f" แผนขาดโครงการนี้ไม่ได้: {th_why}"
            en += f" The plan cannot do without it: {en_why}."
        elif delta < -1e-9:
            th += (f" หากตัดออก คะแนนรวมกลับเพิ่มขึ้น {_pts(-delta)} "
                   "(แผนนี้ยังไม่ได้รับการพิสูจน์ว่าดีที่สุด)")
            en += (f" Leaving it out would raise the plan's total score by {_pts(-delta)}: "
                   "the plan was not proven optimal.")
        elif not math.isnan(delta):
            th += f" หากตัดออก คะแนนรวมของแผนจะลดลง {amount('th')}{est_th}"
            en += f" Leaving it out would lower the plan's total score by {amount('en')}{est_en}."
        return th, en
    if code == "committed":
        return (f"โครงการผูกพัน ({info['reason']}) เริ่มปีงบประมาณ {info['year']}",
                f"Committed ({info['reason']}), starting in FY {info['year']}.")
    if code == "excluded":
        return f"ถูกตัดออก: {info['reason']}", f"Excluded: {info['reason']}."
    if code == "not_eligible":
        return ("ไม่อยู่ในเกณฑ์ที่แหล่งงบประมาณนี้สนับสนุนได้",
                "Not eligible for this budget source.")
    if code == "not_ready_year_one":
        th = (f"ยังไม่พร้อม (ขาดแบบ/BOQ ที่ดิน หรือการยอมรับของชุมชน) "
              f"จึงเริ่มในปีงบประมาณ {y0} ไม่ได้")
        en = (f"Not ready (drawings/BOQ, land or community consent missing), so it cannot "
              f"start in FY {y0}")
        if data.T == 1:
            return th + " ซึ่งเป็นปีเดียวของแผน", en + ", the only year of this plan."
        return (th + f" และหากเริ่มปีถัดไปจะไม่แล้วเสร็จภายในปีงบประมาณ {yT}",
                en + f", and a later start would not finish by FY {yT}.")
    if code == "outside_horizon":
        if info.get("fixed") is not None:
            return (f"กำหนดให้เริ่มปีงบประมาณ {info['fixed']} "
                    "ซึ่งเริ่มไม่ได้หรือไม่แล้วเสร็จภายในแผน",
                    f"Its start is fixed at FY {info['fixed']}, when it cannot start or "
                    f"would not finish within the plan.")
        th = (f"ไม่สามารถเริ่มและแล้วเสร็จภายในช่วงแผน (ปีงบประมาณ {y0}–{yT}) "
              f"ใช้เวลา {info['duration']} ปี")
        en = (f"Cannot start and finish within the plan (FY {y0}–{yT}): it takes "
              f"{info['duration']} year(s)")
        if info.get("earliest") is not None:
            th += f" และเริ่มได้ไม่ก่อนปี {info['earliest']}"
            en += f" and cannot start before FY {info['earliest']}"
        return th, en + "."
    if code == "needs":
        x = info["related"]
        why = info["why"]
        if why == "not_candidate":
            th, en = (f"ต้องมีโครงการ {x} ซึ่งไม่อยู่ในรายการข้อเสนอ",
                      f"Needs {x}, which is not among the candidates.")
        elif why == "cannot_start":
            th, en = (f"ต้องมีโครงการ {x} ซึ่งไม่สามารถเลือกได้ในแผนนี้",
                      f"Needs {x}, which cannot be selected in this plan.")
        elif why == "too_late":
            start = info.get("start")
            if start is not None:
                th, en = (f"ต้องมีโครงการ {x} ก่อน ซึ่งเริ่มปี {start} "
                          "ช้าเกินกว่าจะแล้วเสร็จภายในแผน",
                          f"Needs {x}, which starts in FY {start}, too late for this "
                          "project to finish within the plan.")
            else:
                th, en = (f"ต้องมีโครงการ {x} ก่อน ซึ่งเริ่มได้ช้าเกินไป",
                          f"Needs {x}, which cannot start early enough.")
        else:
            th, en = (f"ต้องมีโครงการ {x} ก่อน แต่ {x} ไม่ได้รับเลือก",
                      f"Needs {x}, which was not chosen.")
        if not math.isnan(delta):
            if math.isinf(delta):
                th += " และแม้บังคับเลือกก็จัดลงแผนไม่ได้"
                en += " Even forced in, the two cannot be fitted into the plan."
            else:
                th += f" หากเลือกพร้อมกัน คะแนนรวมของแผนจะลดลง {amount('th')}{est_th}"
                en += (f" Funding both would lower the plan's total score by "
                       f"{amount('en')}{est_en}.")
        return th, en
    if code == "alternative_chosen":
        th = f"เลือกโครงการทางเลือก {info['related']} ที่จุดเดียวกันแล้ว"
        en = f"Its alternative {info['related']} at the same site was chosen instead."
        if not math.isnan(delta) and not math.isinf(delta):
            th += f" หากเลือกโครงการนี้แทน คะแนนรวมของแผนจะลดลง {amount('th')}{est_th}"
            en += (f" Choosing this one instead would lower the plan's total score by "
                   f"{amount('en')}{est_en}.")
        return th, en
    if code == "group_cap":
        row = info["row"]
        if row.kind == "max_count":
            used, bound = f"{int(info['used'])}", f"{int(row.bound)} โครงการ"
            used_en, bound_en = used, f"{int(row.bound)} projects"
        else:
            from oneplan.core.thai import format_baht
            used, bound = format_baht(info["used"], "th"), format_baht(row.bound, "th")
            used_en, bound_en = format_baht(info["used"], "en"), format_baht(row.bound, "en")
        th = f"ถึงเพดานของ {_group_label(row, 'th')} แล้ว ({used} จาก {bound})"
        en = f"The cap of {_group_label(row, 'en')} is reached ({used_en} of {bound_en})."
        lt, le = loss_clause()
        return th + lt, en + le
    # budget
    short = info.get("short") or []
    if not short:
        if info.get("value", 0.0) <= 0:
            return ("ไม่เพิ่มคะแนนให้แผน", "Adds nothing to the plan's score.")
        return ("งบประมาณยังพอ แต่ตัวแก้ปัญหาหยุดก่อนพิสูจน์ว่าแผนดีที่สุด",
                "Fits the remaining budget, but the solver stopped before proving the plan "
                "optimal.")
    th = f"งบประมาณปีงบประมาณ {_year_span(short)} ไม่พอ"
    en = f"Does not fit the budget of FY {_year_span(short)}."
    lt, le = loss_clause()
    return th + lt, en + le


def explain_plan(
    candidates: pd.DataFrame,
    spec: PlanSpec,
    result: PlanResult,
    *,
    value_col: str = "priority",
    max_resolves: int = 40,
    time_limit_s: float = 2.0,
    mip_rel_gap: float | None = None,
    threads: int | None = None,
    highs_options: Mapping[str, Any] | None = None,
    loss_width: float | None = None,
) -> pd.DataFrame:
    """One plain reason per candidate, in Thai and English, confirmed by re-solving.

    Reasons come from structural checks first, in this order: excluded; not eligible;
    not ready for year one (only when no later start fits); cannot start and finish in
    the horizon (``outside_horizon``); needs a project that was not chosen (or starts too
    late); its alternative was chosen; a group cap is reached (the group is named);
    otherwise the budget (the years that are short). Then, for at most ``max_resolves``
    candidates, the model built once is re-solved in HiGHS with bounds changed: the
    closest misses (smallest estimated loss) forced in, and the most valuable selected
    projects forced out (leave-one-out). For a re-solved row ``confirmed`` is True,
    ``objective_delta`` is ``result.objective`` minus the objective of the plan HiGHS
    found with the forcing (``inf`` if forcing is infeasible) and
    ``objective_delta_low`` is ``result.objective`` minus HiGHS's proven bound on any
    such plan: the true loss lies in ``[objective_delta_low, objective_delta]``, and it is
    proven positive when ``objective_delta_low > 0`` (whatever the status; a re-solve
    stopped by ``time_limit_s`` still gives both ends). Other rows carry a greedy
    estimate by rule (``confirmed=False``, ``objective_delta_low`` NaN, the sentence says
    so) or NaN when forcing makes no sense (excluded, not eligible, …).

    The model is built and handed to HiGHS once; each re-solve only changes bounds and
    hands HiGHS a MIP start (the base plan without the project forced out, or the greedy
    plan behind the estimate with it forced in), so it costs one HiGHS run
    (``time_limit_s`` is the limit of each re-solve). Re-solves use ``mip_rel_gap``
    (default: the gap ``result`` was solved with); with gap 0 and no time limit hit the
    two ends coincide. ``loss_width`` (e.g. 0.1) stops a re-solve early, as soon as the
    loss is proven positive and known to within that fraction of itself
    (``objective_delta − objective_delta_low ≤ loss_width × objective_delta``); ``None``
    (default) solves each re-solve to ``mip_rel_gap``.

    ``related_id``: the project it needs, its chosen alternative, or the most valuable
    project it would displace. Columns: ``project_id, selected, reason_code, reason_th,
    reason_en, related_id, objective_delta, objective_delta_low, confirmed``, index as
    ``candidates``.
    """
    if isinstance(max_resolves, bool) or int(max_resolves) != max_resolves or max_resolves < 0:
        raise ValueError(f"max_resolves must be a whole number ≥ 0, got {max_resolves!r}")
    if loss_width is not None and not (0 < loss_width < 1):
        raise ValueError(f"loss_width must be in (0, 1), got {loss_width!r}")
    _check_solver_options(time_limit_s, 0.0 if mip_rel_gap is None else mip_rel_gap)
    prob, _, meta = build_plan_model(candidates, spec, value_col=value_col)
    data, cols = meta.data, meta.cols
    base = _base_columns(meta, result)
    ex = _Explainer(meta, base)
    infos = [ex.structural(i) for i in range(data.n)]

    misses = [i for i, f in enumerate(infos) if f.get("resolve") == "in"]
    misses.sort(key=lambda i: (infos[i]["est"], -float(cols.coef[cols.first[i]:cols.first[i + 1]]
                                                         .max(initial=0.0))))
    tops = [i for i, f in enumerate(infos) if f.get("resolve") == "out"]
    tops.sort(key=lambda i: -ex.chosen_coef(i))
    n_miss = min(len(misses), (max_resolves + 1) // 2)
    n_top = min(len(tops), max_resolves - n_miss)
    n_miss = min(len(misses), max_resolves - n_top)
    todo = [(i, "in") for i in misses[:n_miss]] + [(i, "out") for i in tops[:n_top]]

    if todo:
        gap = result.mip_rel_gap if mip_rel_gap is None else mip_rel_gap
        engine = _PlanSolver(prob, meta, time_limit_s=time_limit_s, mip_rel_gap=gap,
                             threads=threads, highs_options=highs_options)
        started = time.perf_counter()
        for i, how in todo:
            info = infos[i]
            stop = None if loss_width is None else (ex.coef_total, loss_width)
            if how == "in":
                outcome, x = engine.solve_with(force_in=[i], start=ex.start_in(i, info),
                                               stop_when=stop)
            else:
                outcome, x = engine.solve_with(force_out=[i], start=ex.start_out(i),
                                               stop_when=stop)
            if outcome.status in _INFEASIBLE:
                info["delta"] = info["delta_low"] = math.inf
                info["confirmed"], info["displaced"] = True, []
                continue
            # HiGHS's bound on the forced plan: the loss is at least base − bound
            low = (ex.coef_total - outcome.best_bound if outcome.best_bound is not None
                   else math.nan)
            if x is None:
                info["delta_low"] = low
                continue  # stopped without a plan: keep the estimate
            forced = float(cols.coef[x].sum() + cols.constant)
            info["delta"] = ex.coef_total - forced
            info["delta_low"] = min(low, info["delta"]) if not math.isnan(low) else math.nan
            info["confirmed"] = True
            info["resolve_status"] = outcome.status
            if how == "in":
                now = np.zeros(data.n, dtype=bool)
                now[cols.proj[x]] = True
                dropped = np.flatnonzero(ex.sel & ~now)
                info["displaced"] = sorted(dropped.tolist(), key=lambda j: -ex.chosen_coef(j))
                info["forced_selected"] = now
        log.info("explain_plan: %d re-solves in %.2f s", len(todo), time.perf_counter() - started)

    rows = []
    for i, info in enumerate(infos):
        if "delta" not in info and "est" in info:
            info["delta"], info["confirmed"] = float(info["est"]), False
        if info["code"] == "group_cap":
            info["used"] = ex.usage[info["row"].name]
        th, en = _texts(info, data, data.ids)
        related = info.get("related")
        if related is None and info.get("displaced"):
            related = data.ids[info["displaced"][0]]
        confirmed = bool(info.get("confirmed", False))
        rows.append((data.ids[i], bool(ex.sel[i]), info["code"], th, en, related,
                     float(info.get("delta", math.nan)),
                     float(info.get("delta_low", math.nan)) if confirmed else math.nan,
                     confirmed))
    return pd.DataFrame(
        rows, index=candidates.index,
        columns=["project_id", "selected", "reason_code", "reason_th", "reason_en",
                 "related_id", "objective_delta", "objective_delta_low", "confirmed"],
    )

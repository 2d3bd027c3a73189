"""HiGHS as the engine of the water-plan model: solving, status names, solver versions.

* :func:`solve_model` hands a PuLP model to in-process HiGHS in one ``passModel`` call
  (:class:`BulkHiGHS`) and reports the **real** HiGHS model status
  (:func:`highs_status_name`). PuLP maps a time limit to ``"Optimal"``, so
  ``pulp.LpStatus`` is never used to decide whether a plan is optimal;
  :func:`check_outcome` is the one status policy.
* Time limits and the MIP gap are checked by :func:`check_solver_options` and passed to
  every solve (:func:`make_solver`); the C++ banner of highspy is kept out of reports
  (:func:`quiet_c_stdout`).
* :class:`PlanEngine` keeps the plan model loaded in HiGHS and re-solves it with changed
  bounds (projects forced in or out) from a MIP start, and names the commitments and
  floors that cannot all hold when HiGHS proves the plan infeasible.
* The model is in model units (money in millions of baht, an objective of order 1:
  :mod:`oneplan.selection.units`); the objective and bound HiGHS reports are converted
  back to the objective's own units here (:func:`read_outcome`), so every
  :class:`SolveOutcome` is in the caller's units.
"""

from __future__ import annotations

import contextlib
import logging
import math
import operator
import os
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import pulp

from oneplan.selection.errors import SelectionSolveError
from oneplan.selection.model import PlanMeta
from oneplan.selection.units import HIGHS_MIP_FEASIBILITY, Scales, scales_of

__all__ = [
    "INFEASIBLE_STATUSES",
    "STOPPED_EARLY_STATUSES",
    "BulkHiGHS",
    "PlanEngine",
    "SolveOutcome",
    "check_outcome",
    "check_solver_options",
    "highs_status_name",
    "make_solver",
    "quiet_c_stdout",
    "read_outcome",
    "reset_highs_scheduler",
    "solve_model",
    "solver_label",
    "solver_versions",
]

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------
# Versions and status names
# --------------------------------------------------------------------------------------


def solver_versions() -> dict[str, str]:
    """Versions of the optimisation stack, for provenance."""
    out = {}
    for dist in ("pulp", "highspy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover - both are dependencies
            out[dist] = "not installed"
    return out


def solver_label() -> str:
    """The solver as a result names it: ``HiGHS (highspy …) via PuLP …``."""
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
# Solving a PuLP model
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


def check_solver_options(time_limit_s: float, mip_rel_gap: float) -> None:
    """``ValueError`` unless ``time_limit_s > 0`` and ``0 ≤ mip_rel_gap < 1``."""
    if not (time_limit_s > 0):  # also rejects NaN
        raise ValueError(f"time_limit_s must be > 0, got {time_limit_s}")
    if not (0 <= mip_rel_gap < 1):
        raise ValueError(f"mip_rel_gap must be in [0, 1), got {mip_rel_gap}")


def reset_highs_scheduler() -> None:
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
def quiet_c_stdout() -> Iterator[None]:
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


class BulkHiGHS(pulp.HiGHS):
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
        """Pass ``lp`` to HiGHS in one ``passModel`` call (see the class docstring)."""
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
        """Read HiGHS's status and solution into ``lp`` (see the class docstring)."""
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
        """Load ``lp``, run HiGHS and read the solution back (PuLP's solve hook)."""
        self.load(lp)
        start = time.perf_counter()
        self.callSolver(lp)
        self.run_seconds = time.perf_counter() - start
        status, sol_status = self.findSolutionValues(lp)
        lp.assignStatus(status, sol_status)
        return status


def make_solver(
    time_limit_s: float, mip_rel_gap: float, threads: int | None,
    highs_options: Mapping[str, Any] | None, scales: Scales | None = None,
) -> BulkHiGHS:
    """A :class:`BulkHiGHS` with the time limit, gap, threads and raw HiGHS options
    (``threads`` in ``highs_options`` counts only when ``threads`` is not given).

    ``scales``: the units of the model to solve; HiGHS's ``mip_feasibility_tolerance`` is
    set to ``scales.feasibility_tolerance`` unless ``highs_options`` sets it
    (:mod:`oneplan.selection.units` says why).
    """
    check_solver_options(time_limit_s, mip_rel_gap)
    options = dict(highs_options or {})
    tolerance = (scales or Scales()).feasibility_tolerance
    if tolerance < HIGHS_MIP_FEASIBILITY:
        options.setdefault("mip_feasibility_tolerance", tolerance)
    if "threads" in options:
        if threads is None:
            threads = int(options.pop("threads"))
        else:
            options.pop("threads")
    solver = BulkHiGHS(
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


def read_outcome(highs: Any, sense: int, seconds: float, transfer: float = 0.0,
                 run: float = 0.0, scales: Scales | None = None) -> SolveOutcome:
    """The real HiGHS status, objective, bound and gap (objective's own sense).

    ``scales``: the units the model was built in; objective and bound are divided back
    by ``scales.objective`` (the relative gap does not change).
    """
    scales = scales or Scales()
    status = highs_status_name(highs.getModelStatus())
    info = highs.getInfo()
    has_solution = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
    # The model is handed to HiGHS as "minimise -objective" for a maximisation.
    sign = -1.0 if sense == pulp.LpMaximize else 1.0
    objective = _finite(info.objective_function_value) if has_solution else None
    best_bound = _finite(info.mip_dual_bound)
    if objective is not None:
        objective = scales.objective_from_model(objective * sign)
    if best_bound is not None:
        best_bound = scales.objective_from_model(best_bound * sign)
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

    The model is passed to HiGHS in bulk (:class:`BulkHiGHS`); afterwards
    ``prob.solverModel`` is the ``highspy.Highs`` object, every variable has its
    ``varValue`` (``None`` if HiGHS found no feasible solution) and ``.index`` (its HiGHS
    column). ``mip_rel_gap`` is always passed (HiGHS's own default is 1e-4, which would
    stop short of optimality on large objectives). ``threads`` sets HiGHS's thread count;
    because HiGHS keeps one process-wide thread pool, giving it resets that pool first.
    ``highs_options`` are passed to ``Highs.setOptionValue`` as they are (e.g.
    ``{"presolve": "off"}``, which on 100,000+ binaries with dense budget rows avoids a
    MIP set-up that can run far past the time limit). Does not raise on a bad status;
    see :func:`check_outcome` for the policy. Objective and bound are in the objective's
    own units whatever units the model was built in (:func:`oneplan.selection.units.scales_of`).
    """
    solver = make_solver(time_limit_s, mip_rel_gap, threads, highs_options, scales_of(prob))
    if threads is not None:
        reset_highs_scheduler()
    start = time.perf_counter()
    with quiet_c_stdout():
        prob.solve(solver)
    seconds = time.perf_counter() - start
    _warn_overrun(seconds, time_limit_s)
    outcome = read_outcome(
        prob.solverModel, prob.sense, seconds, solver.transfer_seconds, solver.run_seconds,
        scales_of(prob),
    )
    log.info(
        "HiGHS status %s in %.3f s (transfer %.3f s): objective %s, bound %s, gap %s",
        outcome.status, seconds, outcome.transfer_seconds, outcome.objective,
        outcome.best_bound, outcome.gap,
    )
    return outcome


def check_outcome(outcome: SolveOutcome, time_limit_s: float, what: str, *,
                  stop_expected: bool = False) -> None:
    """The status policy of every solve that must return a plan.

    ``optimal`` passes; a stopped-early status (e.g. ``time_limit``) passes with a logged
    warning when HiGHS holds a feasible ``what`` (e.g. "plan") — logged at INFO instead
    with ``stop_expected``, for a solve time-boxed by design whose caller reports the
    status and gap itself (the explorer's re-solve, a confirming re-solve); anything else
    raises :class:`~oneplan.selection.errors.SelectionSolveError` with the status.
    """
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
        log.log(logging.INFO if stop_expected else logging.WARNING,
                "%s not proven optimal: HiGHS stopped with %s, gap %s",
                what, outcome.status, outcome.gap)
    else:
        raise SelectionSolveError(
            f"HiGHS could not solve the {what} model: status {outcome.status}", outcome.status
        )


# --------------------------------------------------------------------------------------
# The plan model kept in HiGHS
# --------------------------------------------------------------------------------------


INFEASIBLE_STATUSES: frozenset[str] = frozenset({"infeasible", "unbounded_or_infeasible"})
"""Statuses that mean "no plan exists" (every column is binary, so never unbounded)."""


class PlanEngine:
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
        self.solver = make_solver(time_limit_s, mip_rel_gap, threads, highs_options,
                                  scales_of(prob))
        if threads is not None:
            reset_highs_scheduler()
        with quiet_c_stdout():
            self.solver.load(prob)
        self.highs = prob.solverModel
        self.sense = prob.sense
        self.prob = prob
        self.scales = scales_of(prob)
        cols = meta.cols
        self.col = np.fromiter(map(_INDEX, cols.vars), np.int32, len(cols.vars))
        self.current_limit = self.time_limit_s
        self.runs = 0

    def _row(self, name: str) -> int | None:
        con = self.prob._constraints.get(name)
        return None if con is None else con.index

    def set_time_limit(self, seconds: float) -> None:
        """The time limit of the next runs."""
        self.current_limit = float(seconds)
        self.highs.setOptionValue("time_limit", float(seconds))

    def run(self, stop_when: tuple[float, float] | None = None
            ) -> tuple[SolveOutcome, np.ndarray | None]:
        """Solve as the model stands; the chosen columns (bool) if HiGHS has a solution.

        ``stop_when = (reference, width)``: stop branch-and-bound (HiGHS callback
        interrupt, status ``interrupted``) as soon as HiGHS has proved its objective lies
        below ``reference`` and the loss ``reference − objective`` is known to within
        ``width`` of itself: ``(ub − inc) ≤ width · (reference − inc)`` with ``ub`` the
        proven bound and ``inc`` the incumbent. Used by
        :func:`oneplan.selection.explain.explain_plan`, which only
        needs the loss of a forcing, not the forced optimum to the last decimal.
        """
        h = self.highs
        callback = None
        if stop_when is not None:
            reference, width = stop_when
            # HiGHS minimises sign × objective, in model units
            sign = (-1.0 if self.sense == pulp.LpMaximize else 1.0) / self.scales.objective

            def callback(event):
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
            with quiet_c_stdout():
                h.run()
        finally:
            if callback is not None:
                h.cbMipInterrupt.unsubscribe(callback)
        seconds = time.perf_counter() - start
        self.runs += 1
        _warn_overrun(seconds, self.current_limit)
        outcome = read_outcome(self.highs, self.sense, seconds, 0.0, seconds, self.scales)
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
        value = self.repair_start(value)
        index = np.arange(len(value), dtype=np.int32)
        self.highs.setSolution(len(value), index, value)

    def repair_start(self, value: np.ndarray, tol: float = 1e-9) -> np.ndarray:
        """A start (0/1 per HiGHS column) made to fit the rows' upper limits: while a row
        is over (a year's budget after a cut, a district's cap, a project whose source
        was dropped), the chosen column of that row with the least objective per unit of
        the row is dropped. A plan on screen at a smaller budget then still starts the
        solve instead of being ignored. Lower limits (floors) are not repaired: HiGHS
        ignores a start that breaks one."""
        lp = self.highs.getLp()
        n_row = lp.num_row_
        if not n_row or not value.any():
            return value
        a = lp.a_matrix_
        start, index, coef = (np.asarray(a.start_), np.asarray(a.index_),
                              np.asarray(a.value_, dtype=float))
        col_of = np.repeat(np.arange(lp.num_col_), np.diff(start))
        upper = np.asarray(lp.row_upper_, dtype=float)
        worth = np.abs(np.asarray(lp.col_cost_, dtype=float))
        x = value.copy()
        for _ in range(int(x.sum()) + 1):
            act = np.bincount(index, weights=coef * x[col_of], minlength=n_row)
            over = np.flatnonzero(act > upper + tol * np.maximum(1.0, np.abs(upper)))
            if not len(over):
                break
            r = over[0]
            m = (index == r) & (coef > 0) & (x[col_of] > 0.5)
            if not m.any():
                break
            cand = col_of[m]
            x[cand[np.argmin(worth[cand] / coef[m])]] = 0.0
        return x

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
            return outcome.status in INFEASIBLE_STATUSES

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

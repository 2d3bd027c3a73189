"""Solve a large plan model block by block, with a proven bound (Lagrangian relaxation).

A national plan is 76 province plans tied together by a handful of rows: the yearly
budgets and the basin caps span provinces; every other row (a district's cap and floor,
a province's envelope, precedence, alternatives, one start per project) lies inside one
province. Branch-and-bound on the whole model (71,532 binaries) closes the gap slowly
because its bound comes from one LP for everything; each province on its own is small.

:func:`solve_by_blocks` works on the model as loaded in HiGHS (minimise ``c·x`` subject
to ``lo ≤ A x ≤ up``, binary ``x``) and a block label per column:

1. **LP duals.** Solve the LP relaxation of the whole model; ``y_r`` is the dual of each
   *linking* row (a row whose columns lie in more than one block).
2. **Lagrangian bound.** For any feasible ``x`` and those ``y ≤ 0`` (HiGHS's sign for a
   ``≤`` row when minimising), ``c·x ≥ c·x + Σ_r y_r (up_r − A_r x)``, so
   ``z* ≥ Σ_blocks min { (c − Aᵀy)·x_p : x_p meets its block's own rows } + Σ_r y_r up_r``.
   Each block is a small MIP; the bound uses each block's proven (dual) bound, so it is
   valid even when a block stops early. It is never weaker than the LP bound.
3. **A feasible plan.** The Lagrangian blocks may together overspend a linking row. Each
   block is given a share of every linking row it touches, in proportion to what it used
   in step 2 (``up_p,r = up_r · u_p,r / Σ_q u_q,r``), and is solved again with its true
   objective and those shares as hard limits. The blocks' plans then add up to a plan of
   the whole model, checked against every row.

The gap reported is ``(plan − bound) / |plan|``, as HiGHS defines it. When it is above
the tolerance the caller hands the plan to HiGHS as a MIP start on the whole model and
keeps the better of the two bounds.

A bound above the plan's value (in HiGHS's minimising sense: a "lower bound" that a
feasible plan beats) proves a bug or a numerical failure, not optimality. It is never
clipped to the plan: beyond rounding (:data:`BOUND_TOLERANCE`) :func:`solve_by_blocks`
raises :class:`InvalidBoundError` (a :class:`NotDecomposableError`, carrying the plan),
and the caller solves the whole model instead.

Only linking rows of the resource kind are handled (coefficients ≥ 0, no lower bound
above 0, a finite upper bound or none); for any other model :func:`solve_by_blocks`
raises :class:`NotDecomposableError` and the caller solves the whole model as usual.
"""
from __future__ import annotations

import logging
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

log = logging.getLogger(__name__)

_INF = highspy.kHighsInf

BOUND_TOLERANCE = 1e-9
"""Relative amount by which the Lagrangian bound may pass the plan's value by rounding
(the block bounds and the plan are sums of the same numbers in another order); beyond it
the bound is invalid (:class:`InvalidBoundError`)."""


@dataclass(frozen=True)
class BlockSolution:
    """What :func:`solve_by_blocks` found, in HiGHS's own (minimising) sense.

    ``x`` are the values of every HiGHS column (0/1), or ``None`` when the blocks gave
    no plan within their shares (``note`` says why; the bound still holds and ``start``
    is the Lagrangian plan); ``objective`` is ``c·x`` plus the model's offset; ``bound``
    the proven lower bound (Lagrangian) and ``lp_bound`` the LP relaxation's;
    ``gap = (objective − bound) / |objective|``.
    """

    x: np.ndarray | None
    objective: float
    bound: float
    lp_bound: float
    gap: float
    n_blocks: int
    n_linking_rows: int
    start: np.ndarray | None = None  # when x is None: the Lagrangian plan, as a MIP start
    note: str = ""


class NotDecomposableError(ValueError):
    """The model does not split into blocks this way (the message says why)."""


class InvalidBoundError(NotDecomposableError):
    """The blocks' Lagrangian bound is beaten by their own feasible plan: the bound is
    wrong (a bug or a numerical failure in a block), so it proves nothing.

    ``x`` is the blocks' plan (every HiGHS column, checked against every row), a valid
    MIP start for the whole model; ``objective`` and ``bound`` are in HiGHS's minimising
    sense and units.
    """

    def __init__(self, message: str, x: np.ndarray, objective: float, bound: float):
        super().__init__(message)
        self.x = x
        self.objective = objective
        self.bound = bound


class _Model:
    """The HiGHS model as arrays: costs, bounds, the matrix in CSR and CSC."""

    def __init__(self, highs: highspy.Highs):
        lp = highs.getLp()
        m, n = int(lp.num_row_), int(lp.num_col_)
        a = lp.a_matrix_
        data = (np.asarray(a.value_, float), np.asarray(a.index_, np.int32),
                np.asarray(a.start_, np.int64))
        if a.format_ == highspy.MatrixFormat.kColwise:
            csc = sp.csc_matrix(data, shape=(m, n))
            self.csr = csc.tocsr()
        else:
            self.csr = sp.csr_matrix(data, shape=(m, n))
        self.csr.sort_indices()
        self.m, self.n = m, n
        self.cost = np.asarray(lp.col_cost_, float)
        self.offset = float(lp.offset_)
        self.col_lo = np.asarray(lp.col_lower_, float)
        self.col_up = np.asarray(lp.col_upper_, float)
        self.row_lo = np.asarray(lp.row_lower_, float)
        self.row_up = np.asarray(lp.row_upper_, float)
        self.minimise = lp.sense_ == highspy.ObjSense.kMinimize


def _new_highs(threads: int | None, time_limit_s: float, mip_rel_gap: float,
               feasibility: float | None = None) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if feasibility is not None:
        h.setOptionValue("mip_feasibility_tolerance", float(feasibility))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    h.setOptionValue("time_limit", max(float(time_limit_s), 0.01))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    return h


def _pass(h: highspy.Highs, cost: np.ndarray, lo: np.ndarray, up: np.ndarray,
          a: sp.csr_matrix, row_lo: np.ndarray, row_up: np.ndarray, integer: bool) -> None:
    n = len(cost)
    m = a.shape[0]
    integrality = np.ones(n, np.int32) if integer else np.zeros(n, np.int32)
    status = h.passModel(n, m, int(a.nnz), 2, 1, 0.0, cost, lo, up, row_lo, row_up,
                         a.indptr[:-1].astype(np.int32), a.indices.astype(np.int32),
                         a.data.astype(float), integrality)
    if str(status).endswith("kError"):
        raise RuntimeError(f"HiGHS rejected a block model ({status})")


def _lp_duals(model: _Model, threads: int | None, time_limit_s: float
              ) -> tuple[float, np.ndarray]:
    h = _new_highs(threads, time_limit_s, 0.0)
    _pass(h, model.cost, model.col_lo, model.col_up, model.csr, model.row_lo, model.row_up,
          integer=False)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise NotDecomposableError(
            f"the LP relaxation ended {h.modelStatusToString(h.getModelStatus())}")
    sol = h.getSolution()
    return float(h.getInfo().objective_function_value), np.asarray(sol.row_dual, float)


def _solve_block(cost, lo, up, a, row_lo, row_up, *, start, threads, time_limit_s, gap,
                 feasibility=None) -> tuple[str, np.ndarray | None, float]:
    """One block MIP: (status, x or None, proven lower bound)."""
    h = _new_highs(threads, time_limit_s, gap, feasibility)
    _pass(h, cost, lo, up, a, row_lo, row_up, integer=True)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(map(float, start))
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    has = int(info.primal_solution_status) == 2
    x = np.round(np.asarray(h.getSolution().col_value, float)) if has else None
    bound = float(info.mip_dual_bound)
    if status == highspy.HighsModelStatus.kOptimal:
        name = "optimal"
    elif status == highspy.HighsModelStatus.kInfeasible:
        name = "infeasible"
    else:
        name = str(status).rsplit(".", 1)[-1]
    if not math.isfinite(bound):
        bound = -math.inf
    return name, x, bound


def solve_by_blocks(highs: highspy.Highs, block_of_col: np.ndarray, *,
                    mip_rel_gap: float, time_limit_s: float, threads: int | None = None
                    ) -> BlockSolution:
    """Solve the model loaded in ``highs`` block by block (see the module docstring).

    ``block_of_col``: an integer block label for every HiGHS column. The blocks are solved
    with the ``mip_feasibility_tolerance`` set on ``highs`` (the model's units,
    :mod:`oneplan.selection.units`), and each block's share of a linking row is reduced by
    it, so that the shares' plans add up within the row.

    Raises:
        NotDecomposableError: one block only, a linking row of another kind, a block that is
            infeasible on its own (so is the whole model) or has no plan in time — the
            caller then solves the whole model.
        InvalidBoundError: the Lagrangian bound is above the blocks' own plan by more than
            :data:`BOUND_TOLERANCE` (relative): the bound is invalid and is not used; the
            caller solves the whole model (from the plan it carries).
    """
    deadline = time.perf_counter() + float(time_limit_s)
    workers = max(1, int(threads) if threads else len(os.sched_getaffinity(0)))
    model = _Model(highs)
    feasibility = highs.getOptionValue("mip_feasibility_tolerance")
    feasibility = float(feasibility[-1] if isinstance(feasibility, tuple) else feasibility)
    if not model.minimise or model.n == 0 or len(block_of_col) != model.n:
        raise NotDecomposableError("not a minimisation with a block for every column")
    labels, block = np.unique(np.asarray(block_of_col), return_inverse=True)
    nb = len(labels)
    if nb < 2:
        raise NotDecomposableError("one block only")
    csr = model.csr
    row_of_nz = np.repeat(np.arange(model.m), np.diff(csr.indptr))
    nz_block = block[csr.indices]
    first = np.full(model.m, nb, np.int64)
    last = np.full(model.m, -1, np.int64)
    np.minimum.at(first, row_of_nz, nz_block)
    np.maximum.at(last, row_of_nz, nz_block)
    empty = last < 0
    linking = ~empty & (first != last)
    link_rows = np.flatnonzero(linking)
    # a precedence or a floor across blocks: proportional shares would not be valid
    if (csr[link_rows].data < 0).any():
        raise NotDecomposableError("a row across blocks has a negative coefficient "
                              "(e.g. a precedence between them)")
    if (model.row_lo[link_rows] > 0).any():
        raise NotDecomposableError("a row across blocks has a lower bound (e.g. a floor)")
    # with coefficients ≥ 0 and no floor, a row across blocks without a cap binds nothing
    link_rows = link_rows[np.isfinite(model.row_up[link_rows])]
    # 1. LP duals of the linking rows
    lp_bound, row_dual = _lp_duals(model, threads, deadline - time.perf_counter())
    lp_bound += model.offset
    # Any y ≤ 0 on a capped row gives a valid bound (the rows are ≤ rows of non-negative
    # coefficients); the LP's duals are the best such prices. A dual of the wrong sign
    # (round-off) is set to 0.
    y = np.zeros(model.m)
    y[link_rows] = np.minimum(row_dual[link_rows], 0.0)
    y[np.abs(y) < 1e-15] = 0.0
    constant = float(y[y != 0] @ model.row_up[y != 0])
    adj_cost = model.cost - csr.T @ y  # c − Aᵀy (y is zero off the linking rows)

    cols_of = [np.flatnonzero(block == b) for b in range(nb)]
    inner_rows = [[] for _ in range(nb)]
    for r in np.flatnonzero(~linking & ~empty).tolist():
        inner_rows[first[r]].append(r)
    inner = [csr[np.asarray(rows, np.int64)][:, cols] if rows else
             sp.csr_matrix((0, len(cols))) for rows, cols in zip(inner_rows, cols_of)]
    # the bound needs the blocks' bounds tight; the plan only needs to be within the
    # tolerance once the shares cost their little (measured: ~0.003 % nationally)
    bound_gap, plan_gap = float(mip_rel_gap) / 10.0, float(mip_rel_gap) / 2.0

    # 2. Lagrangian blocks (in parallel: HiGHS releases the GIL while it runs)
    def lagrangian(b: int):
        cols, rows = cols_of[b], inner_rows[b]
        return _solve_block(
            adj_cost[cols], model.col_lo[cols], model.col_up[cols], inner[b],
            model.row_lo[rows], model.row_up[rows], start=None, threads=None,
            time_limit_s=deadline - time.perf_counter(), gap=bound_gap, feasibility=feasibility)

    bound = constant + model.offset
    x = np.zeros(model.n)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lagrangian, range(nb)))
    for b, (status, xb, lb) in enumerate(results):
        if status == "infeasible":
            raise NotDecomposableError(f"block {labels[b]} is infeasible on its own")
        if xb is None or not math.isfinite(lb):
            raise NotDecomposableError(f"block {labels[b]} ended {status} without a plan")
        bound += lb
        x[cols_of[b]] = xb

    # 3. Shares of the linking rows, then the blocks again with their true objective
    if len(link_rows):
        link = csr[link_rows].tocsc()
        parts = [link[:, cols] for cols in cols_of]          # each block's part of the rows
        use = np.array([part @ x[cols] for part, cols in zip(parts, cols_of)])
        touches = np.array([part.getnnz(axis=1) > 0 for part in parts])
        total = use.sum(axis=0)
        share = np.where(total > 0, use / np.where(total > 0, total, 1.0),
                         touches / np.maximum(touches.sum(axis=0), 1))
        # HiGHS accepts a block plan up to its feasibility tolerance over a share
        allot = np.maximum(share * model.row_up[link_rows] * (1 - 1e-12) - feasibility, 0.0)

        def with_shares(b: int):
            cols, rows = cols_of[b], inner_rows[b]
            touched = np.flatnonzero(touches[b])
            a = sp.vstack([inner[b], parts[b][touched].tocsr()], format="csr")
            row_lo = np.concatenate([model.row_lo[rows], np.full(len(touched), -_INF)])
            row_up = np.concatenate([model.row_up[rows], allot[b, touched]])
            # the Lagrangian plan as a start: HiGHS repairs or drops it if it overspends
            return _solve_block(
                model.cost[cols], model.col_lo[cols], model.col_up[cols], a, row_lo, row_up,
                start=x[cols], threads=None, time_limit_s=deadline - time.perf_counter(),
                gap=plan_gap, feasibility=feasibility)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(with_shares, range(nb)))
        failed = [str(labels[b]) for b, r in enumerate(results) if r[1] is None]
        if failed:  # the bound stands; the caller goes on from the Lagrangian plan
            return _no_plan(x, bound, lp_bound, nb, len(link_rows),
                            f"block {failed[0]} has no plan within its shares")
        x = np.zeros(model.n)
        for b, (_, xb, _) in enumerate(results):
            x[cols_of[b]] = xb

    # the combined plan must meet every row of the whole model
    act = csr @ x
    tol = 1e-9 * np.maximum(1.0, np.abs(np.where(np.isfinite(model.row_up), model.row_up, 0)))
    if ((act > model.row_up + tol) | (act < model.row_lo - tol)).any():  # pragma: no cover
        return _no_plan(x, bound, lp_bound, nb, len(link_rows),
                        "the blocks' plans together break a row")
    objective = float(model.cost @ x) + model.offset
    if bound > objective + BOUND_TOLERANCE * max(1.0, abs(objective)):
        log.warning("blocks: Lagrangian bound %.12g is beaten by the blocks' own plan "
                    "%.12g (HiGHS minimises); the bound is invalid and is not used",
                    bound, objective)
        raise InvalidBoundError(
            f"the Lagrangian bound {bound:.12g} is beaten by the blocks' own plan "
            f"{objective:.12g} (minimising): the bound is invalid", x, objective, bound)
    # within rounding the bound may pass the plan by a hair: reported as computed, gap 0
    gap = (objective - bound) / max(abs(objective), 1e-12)
    return BlockSolution(x=x, objective=objective, bound=bound, lp_bound=lp_bound,
                         gap=max(gap, 0.0), n_blocks=nb, n_linking_rows=len(link_rows))


def _no_plan(start, bound, lp_bound, nb, n_link, why) -> BlockSolution:
    log.info("blocks: no combined plan (%s); the bound %.9g stands", why, bound)
    return BlockSolution(x=None, objective=math.inf, bound=bound, lp_bound=lp_bound,
                         gap=math.inf, n_blocks=nb, n_linking_rows=n_link, start=start,
                         note=why)

"""The water plan as a PuLP model: its columns and one ``add_*`` function per constraint family.

Every ``add_*`` states its algebra in its docstring, returns early on empty input and
names its constraints deterministically from sanitised ids
(:func:`~oneplan.selection.candidates.sanitise_name`). Expressions are built in linear
time from ``(var, coef)`` pairs (never Python's ``sum()`` over PuLP terms, which is
quadratic). Solving is :mod:`oneplan.selection.highs`; choosing a plan end to end is
:mod:`oneplan.selection.portfolio`.

The one-year selection: :func:`build_model`
-------------------------------------------
Sets and data: candidate projects ``i ∈ P`` with value ``v_i`` (default: the priority from
:mod:`oneplan.selection.priority`) and cost ``c_i`` (baht); the main budget ``B``; optional
extra budget rows ``r ∈ R`` (fund sources, fiscal years, district caps) with costs
``a_ri`` and limits ``L_r``; committed projects ``I ⊆ P`` and excluded projects ``E ⊆ P``.

Variables: ``x_i ∈ {0, 1}``, 1 if project ``i`` is funded.

::

    maximise    Σ_i v_i x_i                                  (add_objective)
    subject to  Σ_i c_i  x_i ≤ B                 (budget)    (add_budget_constraints)
                Σ_i a_ri x_i ≤ L_r   ∀ r ∈ R     (budget_<row>)
                x_i = 1              ∀ i ∈ I     (must_include_<id>)  (add_fixed_choices)
                x_i = 0              ∀ i ∈ E     (must_exclude_<id>)

The multi-year plan: :func:`build_plan_model` (``docs/plan-model-api.md``)
-------------------------------------------------------------------------
Variables ``y[i,t] ∈ {0,1}``: project ``i`` starts in plan year ``t``, created only for the
feasible pairs (:func:`~oneplan.selection.checks.feasible_starts`: eligible, not
excluded, finishes in the horizon, not before ``earliest_start``, not in year one if not
ready, the fixed start if any, its requirements able to start no later);
``x_i = Σ_t y[i,t]``. With ``k`` the years after the first plan year, ``p_i`` the cost
profile and ``d`` the start discount::

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
:func:`build_plan_model` validates (:mod:`oneplan.selection.candidates`), runs the
pre-checks that name conflicts (:mod:`oneplan.selection.checks`) and builds.

Units
-----
The algebra above is in baht and in the objective's own units; the rows HiGHS receives
are not. :func:`build_model` and :func:`build_plan_model` write every money coefficient
and right-hand side in millions of baht and scale an objective whose terms are far from 1
(:mod:`oneplan.selection.units`, which says why: in baht HiGHS proved a wrong plan
optimal). The ``add_*`` functions take the factors as ``money=`` / ``scale=`` (default 1:
as given); the builders attach them to the problem (``units.scales_of(prob)``) and keep
them in ``PlanMeta.scales``. ``Columns.spend`` and ``Columns.coef`` stay in baht and
objective units: plans, spending and objectives are recomputed from them.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pulp

from oneplan.selection.candidates import (
    AlignedBudgetRow,
    PlanData,
    SelectionData,
    is_missing,
    list_text,
    prepare_plan,
    prepare_selection,
    sanitise_name,
)
from oneplan.selection.checks import (
    GroupRow,
    check_committed_fit,
    feasible_starts,
    precheck_plan,
    requirement_edges,
    resolve_group_limits,
)
from oneplan.selection.spec import BudgetRow, PlanSpec
from oneplan.selection.units import Scales, attach_scales, money_unit, objective_scale

__all__ = [
    "Columns",
    "PlanMeta",
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
    "build_selection_model",
    "columns_of",
    "expression",
    "make_columns",
    "plan_columns",
]

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------
# The one-year selection
# --------------------------------------------------------------------------------------


def add_objective(
    prob: pulp.LpProblem, x: Mapping[Any, pulp.LpVariable], values: Mapping[Any, float],
    *, scale: float = 1.0,
) -> None:
    """Objective: ``maximise Σ_i v_i x_i`` (each ``v_i`` times ``scale`` in the model).

    Every variable enters the objective (zero coefficients included) so that each one is
    registered with the problem even if it appears in no constraint.
    """
    if not x:
        return
    prob.setObjective(pulp.LpAffineExpression(
        [(x[pid], float(values[pid]) * scale) for pid in x]))


def add_budget_constraints(
    prob: pulp.LpProblem, x: Mapping[Any, pulp.LpVariable], rows: Sequence[AlignedBudgetRow],
    *, money: float = 1.0,
) -> None:
    """Budget rows: ``Σ_i a_ri x_i ≤ L_r`` for every row ``r`` with a finite limit.

    Named ``budget`` (main row) and ``budget_<sanitised row name>``. Zero costs are left
    out of the row; a row with an infinite limit is omitted. Costs and limits enter the
    model divided by ``money`` (baht per model unit).
    """
    if not rows or not x:
        return
    pids = list(x)
    for row in rows:
        if not math.isfinite(row.limit):
            continue
        expr = pulp.LpAffineExpression(
            (x[pids[k]], float(row.costs[k]) / money) for k in np.flatnonzero(row.costs)
        )
        prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, row.constraint,
                                             row.limit / money))


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
    order. Raises ``ValueError`` for bad input and
    :class:`~oneplan.selection.errors.InfeasibleSelectionError` when the committed projects
    alone break a budget row.
    """
    data = prepare_selection(
        candidates, budget, value_col=value_col, cost_col=cost_col, id_col=id_col,
        extra_budgets=extra_budgets, must_include=must_include, must_exclude=must_exclude,
    )
    check_committed_fit(data.rows, data.must_include, data.position)
    return build_selection_model(data)


def build_selection_model(prep: SelectionData
                          ) -> tuple[pulp.LpProblem, dict[Any, pulp.LpVariable]]:
    """The one-year model of validated input: objective, budget rows, fixed choices.

    Built in model units (see the module docstring): the scales are attached to the
    problem (:func:`oneplan.selection.units.scales_of`).
    """
    prob = pulp.LpProblem("water_portfolio", pulp.LpMaximize)
    x = {
        pid: prob.add_variable(name, 0, 1, cat=pulp.LpBinary)
        for pid, name in zip(prep.ids, prep.names)
    }
    scales = Scales(money=money_unit(np.concatenate([row.costs for row in prep.rows]))
                    if prep.rows else 1.0,
                    objective=objective_scale(prep.values))
    attach_scales(prob, scales)
    add_objective(prob, x, dict(zip(prep.ids, prep.values)), scale=scales.objective)
    add_budget_constraints(prob, x, prep.rows, money=scales.money)
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
# The multi-year plan
# --------------------------------------------------------------------------------------


@dataclass
class Columns:
    """The model's columns ``y[i,t]`` in project order, then year order."""

    vars: list[pulp.LpVariable]
    proj: np.ndarray      # project index of each column
    k: np.ndarray         # year index of each column
    first: np.ndarray     # (n+1,): project i owns columns first[i]:first[i+1]
    spend: np.ndarray     # (ncol, T) baht spent in each year if the column is chosen
    coef: np.ndarray      # objective coefficient of each column
    constant: float = 0.0


@dataclass
class PlanMeta:
    """Everything :func:`build_plan_model` knows besides the PuLP problem.

    ``data``: the validated input; ``cols``: the columns ``y[i,t]`` with their spending
    and objective coefficients; ``group_rows``: the floors/caps applied;
    ``skipped_floors``: those not applied; ``relaxable``: names of the rows a diagnosis of
    infeasibility may relax (commitments and floors); ``build_seconds``: validation,
    pre-checks and PuLP model construction; ``scales``: the model's units
    (:mod:`oneplan.selection.units`).
    """

    data: PlanData
    cols: Columns
    group_rows: list[GroupRow]
    skipped_floors: list[str]
    relaxable: dict[str, str]
    build_seconds: float = 0.0
    scales: Scales = Scales()


def expression(vars_: list[pulp.LpVariable], cols: np.ndarray, coefs: Any
               ) -> pulp.LpAffineExpression:
    """``Σ coef_c y_c`` built in linear time from (var, coef) pairs."""
    if np.isscalar(coefs):
        coefs = [float(coefs)] * len(cols)
    elif isinstance(coefs, np.ndarray):
        coefs = coefs.tolist()
    return pulp.LpAffineExpression(zip(map(vars_.__getitem__, cols.tolist()), coefs))


def columns_of(cols: Columns, projects: np.ndarray) -> np.ndarray:
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
    """Add the row ``expr <sense> rhs`` named ``name``."""
    prob.addConstraint(pulp.LpConstraint(expr, sense, name, rhs))


def make_columns(prob: pulp.LpProblem, data: PlanData) -> Columns:
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
    return Columns(vars_, proj, k, first, spend, coef, constant)


def add_plan_objective(prob: pulp.LpProblem, cols: Columns, *, scale: float = 1.0) -> None:
    """Objective: maximise ``Σ_i Σ_t v_i d^k y[i,t] − P Σ_{i∈A} (1 − y[i,b_i])``.

    ``d`` is ``start_discount`` and ``k`` how many years after the first plan year
    project ``i`` starts; ``A`` are the approved projects of the baseline with start
    ``b_i`` and ``P`` the ``stability_penalty``: an approved project dropped or started in
    another year costs ``P``. Written as coefficients ``v_i d^k + P·[t = b_i]`` plus the
    constant ``−P·|A|``. Coefficients and constant enter the model times ``scale``.
    """
    if not cols.vars:
        return
    expr = expression(cols.vars, np.arange(len(cols.vars)), cols.coef * scale)
    expr.constant = cols.constant * scale
    prob.setObjective(expr)


def add_yearly_budgets(prob: pulp.LpProblem, cols: Columns, data: PlanData, *,
                       money: float = 1.0) -> None:
    """Budgets: ``Σ_i Σ_{t ≤ τ} c_i p_i[τ − t] y[i,t] ≤ B_τ`` for every plan year ``τ``.

    ``p_i`` is the cost profile (share of ``c_i`` spent ``τ − t`` years after the start).
    Named ``budget_<year>``; an infinite budget or a year nobody can spend in is omitted.
    Amounts enter the model divided by ``money`` (baht per model unit).
    """
    if not cols.vars:
        return
    for tau, year in enumerate(data.years):
        if not math.isfinite(data.budgets[tau]):
            continue
        nz = np.flatnonzero(cols.spend[:, tau])
        if len(nz):
            _add(prob, expression(cols.vars, nz, cols.spend[nz, tau] / money),
                 pulp.LpConstraintLE, f"budget_{year}", float(data.budgets[tau]) / money)


def add_one_start(prob: pulp.LpProblem, cols: Columns, data: PlanData) -> None:
    """At most one start: ``x_i = Σ_t y[i,t] ≤ 1`` for every project with ≥ 2 start years.

    Named ``one_start_<id>``. Committed projects get the equality of
    :func:`add_commitments` instead.
    """
    if not cols.vars:
        return
    counts = np.diff(cols.first)
    first, vars_, safe = cols.first.tolist(), cols.vars, data.safe
    for i in np.flatnonzero(counts >= 2).tolist():
        if i in data.committed:
            continue
        expr = pulp.LpAffineExpression([(v, 1.0) for v in vars_[first[i]:first[i + 1]]])
        _add(prob, expr, pulp.LpConstraintLE, f"one_start_{safe[i]}", 1)


def add_commitments(prob: pulp.LpProblem, cols: Columns, data: PlanData) -> dict[str, str]:
    """Must-include: ``Σ_t y[i,t] = 1`` for every committed (or forced-in) project.

    Named ``must_include_<id>`` (``force_in_<id>`` when forced by the caller); the reason
    is kept in the returned mapping name → reason. Must-exclude needs no row: excluded
    projects have no columns (:func:`~oneplan.selection.checks.feasible_starts`).
    """
    out: dict[str, str] = {}
    if not data.committed:
        return out
    for i in sorted(data.committed):
        prefix = "force_in" if i in data.forced_in else "must_include"
        name = f"{prefix}_{data.safe[i]}"
        _add(prob, expression(cols.vars, np.arange(cols.first[i], cols.first[i + 1]), 1.0),
             pulp.LpConstraintEQ, name, 1)
        out[name] = f"{data.ids[i]} committed: {data.committed[i]}"
    return out


def add_precedence(prob: pulp.LpProblem, cols: Columns, data: PlanData) -> None:
    """Precedence, B requires A: ``Σ_{s ≤ t} y[B,s] ≤ Σ_{s ≤ t} y[A,s]`` for each start ``t`` of B.

    "If B has started by ``t``, A has started by ``t``": B only with A, and A no later
    than B. At B's last start year this is ``x_B ≤ x_A``; rows at years where B cannot
    start are implied by the previous one and left out. Named
    ``precedence_<B>_needs_<A>_<year>``.
    """
    eB, eA = requirement_edges(data)
    if not len(eB) or not cols.vars:
        return
    for b, a in zip(eB.tolist(), eA.tolist()):
        cb = np.arange(cols.first[b], cols.first[b + 1])
        ca = np.arange(cols.first[a], cols.first[a + 1])
        if not len(cb):
            continue
        kb, ka = cols.k[cb], cols.k[ca]
        for c in cb.tolist():
            t = cols.k[c]
            mine, theirs = cb[kb <= t], ca[ka <= t]
            expr = expression(cols.vars, np.concatenate([mine, theirs]),
                              [1.0] * len(mine) + [-1.0] * len(theirs))
            _add(prob, expr, pulp.LpConstraintLE,
                 f"precedence_{data.safe[b]}_needs_{data.safe[a]}_{data.years[t]}", 0)


def add_alternatives(prob: pulp.LpProblem, cols: Columns, data: PlanData) -> None:
    """Mutually exclusive alternatives: ``Σ_{i∈g} Σ_t y[i,t] ≤ 1`` per alternative group ``g``.

    Named ``alternative_<group>``; groups with fewer than two selectable projects are
    omitted.
    """
    if not cols.vars:
        return
    groups: dict[Hashable, list[int]] = {}
    for i, g in enumerate(data.alt_group):
        if g is not None and cols.first[i + 1] > cols.first[i]:
            groups.setdefault(g, []).append(i)
    for g in sorted(groups, key=str):
        members = groups[g]
        if len(members) < 2:
            continue
        cs = columns_of(cols, np.array(members))
        _add(prob, expression(cols.vars, cs, 1.0), pulp.LpConstraintLE,
             f"alternative_{sanitise_name(g)}", 1)


def add_group_limits(prob: pulp.LpProblem, cols: Columns, rows: Sequence[GroupRow], *,
                     money: float = 1.0) -> None:
    """Floors and caps per group ``g`` (district, basin, zone, strategy, …)::

        Σ_{i∈g} x_i        ≥ min_count_g   /  ≤ max_count_g
        Σ_{i∈g} c_i x_i    ≥ max(min_baht_g, min_share_g · Σ_τ B_τ)
                           ≤ min(max_baht_g, max_share_g · Σ_τ B_τ)

    with ``x_i = Σ_t y[i,t]``. Floors reach here only if the group has enough ready,
    eligible candidates (see :func:`~oneplan.selection.checks.resolve_group_limits`). Named
    ``group_<limit name>_<key>_<min_count|max_count|min_baht|max_baht>``. Baht rows enter
    the model divided by ``money`` (baht per model unit); count rows as they are.
    """
    if not rows or not cols.vars:
        return
    for row in rows:
        cs = columns_of(cols, row.members)
        if not len(cs):
            continue  # a cap on nobody; floors without columns were skipped
        count = row.kind.endswith("count")
        coefs = 1.0 if count else cols.spend[cs].sum(axis=1) / money
        sense = pulp.LpConstraintGE if row.kind.startswith("min") else pulp.LpConstraintLE
        _add(prob, expression(cols.vars, cs, coefs), sense, row.name,
             row.bound if count else row.bound / money)


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
    feasible pairs, see :func:`~oneplan.selection.checks.feasible_starts`) and a
    :class:`PlanMeta`. ``force_in`` / ``force_out`` act like extra must-include /
    must-exclude entries.

    Raises ``ValueError`` for bad input and
    :class:`~oneplan.selection.errors.InfeasibleSelectionError` for a conflict found before
    solving (:func:`~oneplan.selection.checks.precheck_plan`).
    """
    start = time.perf_counter()
    data = prepare_plan(candidates, spec, value_col=value_col,
                        force_in=force_in, force_out=force_out)
    feasible_starts(data)
    group_rows, skipped = resolve_group_limits(data)
    precheck_plan(data, group_rows)
    if skipped:
        log.info("floors skipped: %s", "; ".join(skipped))

    prob = pulp.LpProblem("water_plan", pulp.LpMaximize)
    cols = make_columns(prob, data)
    scales = Scales(money=money_unit(data.costs), objective=objective_scale(cols.coef))
    attach_scales(prob, scales)
    add_plan_objective(prob, cols, scale=scales.objective)
    add_yearly_budgets(prob, cols, data, money=scales.money)
    add_one_start(prob, cols, data)
    relaxable = add_commitments(prob, cols, data)
    add_precedence(prob, cols, data)
    add_alternatives(prob, cols, data)
    add_group_limits(prob, cols, group_rows, money=scales.money)
    for row in group_rows:
        if row.kind.startswith("min") and row.name in prob._constraints:
            relaxable[row.name] = f"{row.label}: {row.source}"
    y = {(data.ids[i], data.years[t]): v
         for i, t, v in zip(cols.proj.tolist(), cols.k.tolist(), cols.vars)}
    meta = PlanMeta(data, cols, group_rows, skipped, relaxable, scales=scales)
    meta.build_seconds = time.perf_counter() - start
    log.debug("built plan model: %d candidates, %d columns, %d rows in %.3f s",
              data.n, len(cols.vars), len(prob._constraints), meta.build_seconds)
    return prob, y, meta


def plan_columns(meta: PlanMeta, starts: Mapping[Any, Any], *, strict: bool = False
                 ) -> np.ndarray:
    """A plan (project id → start year) as the chosen columns of this model (bool).

    ``strict=False`` leaves out ids and years that are not columns here (a MIP start is
    only a hint); ``strict=True`` raises ``ValueError`` naming them.
    """
    data, cols = meta.data, meta.cols
    x = np.zeros(len(cols.vars), dtype=bool)
    mismatch = []
    for pid, year in starts.items():
        i = data.position.get(pid)
        if i is None or is_missing(year) or int(year) not in data.years:
            mismatch.append(pid)
            continue
        k = data.years.index(int(year))
        hit = np.flatnonzero(cols.k[cols.first[i]:cols.first[i + 1]] == k)
        if not len(hit):
            mismatch.append(pid)
            continue
        x[cols.first[i] + hit[0]] = True
    if strict and mismatch:
        raise ValueError(
            "result does not match these candidates and spec (selected project or start "
            f"year not allowed): {list_text(mismatch)}"
        )
    return x

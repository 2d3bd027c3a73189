"""The baseline methods the optimum is compared with, on the same candidates and rules.

* :func:`priority_order_pick` (here): sort by priority, fund while the budget lasts (skip
  what does not fit, continue) — how plans are usually drawn up by hand;
* :func:`~oneplan.selection.equal_shares.equal_shares_pick`: the **Method of Equal
  Shares** (Peters & Skowron) with the districts as voters, each holding an equal share
  of the budget (:mod:`oneplan.selection.equal_shares`).

Both fund projects through the bookkeeping here: a :class:`CandidatePool` (the
candidates as the model validated them), a :class:`Choice` (requirements, alternatives)
and a :class:`Schedule` (start years within the yearly budgets).

A budget is a :class:`~oneplan.selection.spec.PlanSpec`, the model's own type; a number
of baht is a one-year spec (:func:`as_plan_spec`). :func:`selection_metrics` gives the
indicators of any selection (benefit, households, spend, district spread), for the
baselines and for every table of :mod:`oneplan.selection.compare`.

Fair comparison
---------------
The baselines see exactly the projects and start years the optimum may use: they are
decided by the model's own :func:`~oneplan.selection.checks.feasible_starts` (eligible,
not excluded, not before ``earliest_start``, not in the first year unless ``ready`` when
readiness is required, finishing (``cost_profile``) inside the plan years, requirements
able to start no later); :func:`available_mask` shows them. Each funded project starts in
the earliest feasible year its cost profile fits what is left of the yearly budgets.
Committed projects (must-include, fixed starts) are funded first by every method; one
that can never start is an :class:`~oneplan.selection.errors.InfeasibleSelectionError`,
as for the model. A project that ``requires`` another is funded only with it (starting
no earlier), and at most one project of an ``alternative_group`` is funded. Group
floors/caps and the revision terms of a spec are *not* applied to the baselines
(:func:`without_group_rules`). Benefit is Σ value, discounted for late starts exactly as
the model's objective (``start_discount``).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from oneplan.selection.candidates import PlanData, prepare_plan
from oneplan.selection.checks import blocked_text, feasible_starts
from oneplan.selection.errors import InfeasibleSelectionError
from oneplan.selection.spec import PlanSpec

__all__ = [
    "MONEY_TOLERANCE",
    "CandidatePool",
    "Choice",
    "PickResult",
    "Schedule",
    "as_plan_spec",
    "available_mask",
    "candidate_pool",
    "fund_committed",
    "pick_result",
    "plan_budgets",
    "plan_total",
    "priority_order_pick",
    "selection_metrics",
    "without_group_rules",
]

log = logging.getLogger(__name__)

_DEFAULT_FY = 2570
MONEY_TOLERANCE = 1e-9
"""Baht below which a budget is taken as met (absolute; relative 1e-12 on top)."""


# --------------------------------------------------------------------------------------
# Budgets: a number or a PlanSpec
# --------------------------------------------------------------------------------------


def _fiscal_year(candidates: pd.DataFrame, fiscal_year: int | None) -> int:
    """The given fiscal year, else the candidates' most common one, else 2570."""
    if fiscal_year is not None:
        return int(fiscal_year)
    if "fiscal_year" in candidates.columns and len(candidates):
        return int(pd.to_numeric(candidates["fiscal_year"]).mode().iloc[0])
    return _DEFAULT_FY


def as_plan_spec(spec_or_budget: Any, candidates: pd.DataFrame, *,
                 fiscal_year: int | None = None, only_ready: bool = False,
                 must_include: Iterable[Hashable] = (),
                 must_exclude: Iterable[Hashable] = ()) -> PlanSpec:
    """A budget in baht as a one-year :class:`PlanSpec`, or a spec as it is.

    A number is a plan for ``fiscal_year`` (default: the candidates' ``fiscal_year``)
    with readiness required when ``only_ready``. ``must_include`` / ``must_exclude`` are
    added to the spec's own committed / excluded projects (reason ``committed`` /
    ``excluded``); without them a given spec is returned unchanged.
    """
    include, exclude = tuple(dict.fromkeys(must_include)), tuple(dict.fromkeys(must_exclude))
    if isinstance(spec_or_budget, (int, float, np.integer, np.floating)) and not isinstance(
            spec_or_budget, bool):
        budget = float(spec_or_budget)
        if not math.isfinite(budget) or budget < 0:
            raise ValueError(f"budget must be a finite number ≥ 0, got {spec_or_budget!r}")
        fy = _fiscal_year(candidates, fiscal_year)
        return PlanSpec(years=[fy], budget_by_year={fy: budget},
                        must_include={pid: "committed" for pid in include},
                        must_exclude={pid: "excluded" for pid in exclude},
                        readiness_first_year=bool(only_ready))
    spec = spec_or_budget
    if not isinstance(spec, PlanSpec):
        raise TypeError(
            f"expected a budget in baht or a PlanSpec, got {type(spec_or_budget).__name__}")
    years = [int(y) for y in spec.years]
    if not years or any(b - a != 1 for a, b in zip(years, years[1:])):
        raise ValueError(f"plan years must be consecutive fiscal years, got {years}")
    more_in = {pid: "committed" for pid in include if pid not in spec.must_include}
    more_out = {pid: "excluded" for pid in exclude if pid not in spec.must_exclude}
    if not more_in and not more_out:
        return spec
    return dataclasses.replace(spec, must_include={**spec.must_include, **more_in},
                               must_exclude={**spec.must_exclude, **more_out})


def plan_budgets(spec: PlanSpec) -> dict[int, float]:
    """The budget of every plan year (years outside the plan left out)."""
    return {int(y): float(spec.budget_by_year[y]) for y in spec.years}


def plan_total(spec: PlanSpec) -> float:
    """The whole plan's budget, all years together."""
    return float(sum(plan_budgets(spec).values()))


def without_group_rules(spec: PlanSpec) -> PlanSpec:
    """The same spec without what the baselines cannot honour: group floors/caps and the
    revision terms (``baseline``, ``stability_penalty``)."""
    changes: dict[str, Any] = {}
    if spec.group_limits:
        changes["group_limits"] = ()
    if spec.baseline is not None:
        changes["baseline"] = None
    if spec.stability_penalty:
        changes["stability_penalty"] = 0.0
    return dataclasses.replace(spec, **changes) if changes else spec


# --------------------------------------------------------------------------------------
# Which projects a plan may fund, and the indicators of a selection
# --------------------------------------------------------------------------------------


def available_mask(candidates: pd.DataFrame, years: int | Sequence[int], *,
                   readiness: bool = True, must_include: Iterable[Hashable] = (),
                   must_exclude: Iterable[Hashable] = ()) -> pd.Series:
    """Projects a plan over ``years`` (one fiscal year or consecutive ones) may fund.

    True when the model gives the project a feasible start
    (:func:`~oneplan.selection.checks.feasible_starts`): eligible (default True), not in
    ``must_exclude``, able to start and finish inside the plan — no earlier than its
    ``earliest_start`` and, if ``readiness`` (``readiness_first_year``), not in the first
    year unless ``ready``; its ``cost_profile`` (default one year) must end by the last
    year — and what it ``requires`` able to start no later. Committed projects
    (``must_include``) are always shown available (the model reports one that cannot
    start as a conflict).
    """
    years = [int(years)] if isinstance(years, (int, np.integer)) else [int(y) for y in years]
    spec = PlanSpec(years=years, budget_by_year={y: math.inf for y in years},
                    must_include={p: "committed" for p in dict.fromkeys(must_include)},
                    must_exclude={p: "excluded" for p in dict.fromkeys(must_exclude)},
                    readiness_first_year=readiness)
    data = prepare_plan(candidates, spec, value_col=None)
    ok = feasible_starts(data).any(axis=1)
    ok[list(data.committed)] = True
    return pd.Series(ok, index=candidates.index, name="available")


def _col_sum(frame: pd.DataFrame, col: str) -> float:
    """Σ of a column (NaN when the candidates do not have it)."""
    if col not in frame.columns:
        return float("nan")
    return float(pd.to_numeric(frame[col], errors="coerce").sum())


def selection_metrics(candidates: pd.DataFrame,
                      selection: Iterable[Hashable] | Mapping[Hashable, int], *,
                      value_col: str = "priority", group_col: str = "district_code",
                      groups: Sequence[Hashable] | None = None, start_discount: float = 1.0,
                      first_year: int | None = None) -> dict[str, float]:
    """Benefit, projects, households, storage, area, spend and district spread of a selection.

    ``selection`` is a collection of project ids, or a mapping id → start year. With start
    years, ``benefit`` counts each value × ``start_discount ** (start − first_year)`` (the
    plan model's objective without revision terms); ``priority_sum`` is always the plain
    Σ value. ``spend_baht`` is the total cost of the selected projects; district shares are
    each group's part of it, over ``groups`` (default: every group among the candidates,
    so a district without a selected project has share 0).
    """
    starts = dict(selection) if isinstance(selection, Mapping) else None
    ids = set(starts) if starts is not None else set(selection)
    chosen = candidates[candidates["project_id"].isin(ids)]
    spend = _col_sum(chosen, "cost_baht")
    values = pd.to_numeric(chosen[value_col], errors="coerce")
    benefit = float(values.sum())
    if starts is not None and start_discount != 1.0 and first_year is not None and len(chosen):
        delay = np.array([starts[p] - first_year for p in chosen["project_id"]], dtype=float)
        benefit = float((values.to_numpy(dtype=float) * start_discount ** delay).sum())
    out: dict[str, float] = {
        "benefit": benefit,
        "priority_sum": float(values.sum()),
        "projects": int(len(chosen)),
        "households": _col_sum(chosen, "households_served"),
        "storage_m3": _col_sum(chosen, "storage_m3"),
        "area_rai": _col_sum(chosen, "area_rai"),
        "spend_baht": spend,
    }
    if group_col in candidates.columns:
        all_groups = list(groups) if groups is not None else list(
            pd.unique(candidates[group_col].dropna()))
        by = chosen.groupby(group_col)["cost_baht"].sum().reindex(all_groups).fillna(0.0)
        share = by / spend if spend > 0 else by * 0.0
        out["districts_reached"] = int(chosen[group_col].dropna().nunique())
        out["min_district_share"] = float(share.min()) if len(share) else float("nan")
        out["max_district_share"] = float(share.max()) if len(share) else float("nan")
    return out


# --------------------------------------------------------------------------------------
# Shared bookkeeping (choices, requirements, alternatives, yearly budgets)
# --------------------------------------------------------------------------------------


@dataclass
class PickResult:
    """A plan made by a baseline method.

    ``plan`` is a copy of the candidates with ``selected`` (bool), ``start_year`` (Int64,
    NA when not selected), ``cost_<year>`` per plan year (as in ``PlanResult.plan``),
    ``pick_order`` (Int64, 1 = funded first) and ``pick_stage`` (``committed``,
    ``priority``, ``mes``, ``completion``; empty when not selected).
    """

    method: str
    plan: pd.DataFrame
    budget_by_year: dict[int, float]
    spend_by_year: dict[int, float]
    value_col: str
    start_discount: float = 1.0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def selected_ids(self) -> list[Hashable]:
        """Selected project ids, in the order they were funded."""
        sel = self.plan[self.plan["selected"]].sort_values("pick_order")
        return sel["project_id"].tolist()

    @property
    def starts(self) -> dict[Hashable, int]:
        """Start year of every selected project, in the order they were funded."""
        sel = self.plan[self.plan["selected"]].sort_values("pick_order")
        return {p: int(y) for p, y in zip(sel["project_id"], sel["start_year"])}

    @property
    def spend(self) -> float:
        """Baht spent, all years together."""
        return float(sum(self.spend_by_year.values()))

    @property
    def benefit(self) -> float:
        """Σ value of the selected projects, discounted for late starts like the model."""
        return selection_metrics(self.plan, self.starts, value_col=self.value_col,
                                 group_col="", start_discount=self.start_discount,
                                 first_year=min(self.budget_by_year))["benefit"]


@dataclass
class CandidatePool:
    """Candidates as arrays, with the rules the baselines honour (the model's own data)."""

    data: PlanData
    ids: list[Hashable]
    cost: np.ndarray
    value: np.ndarray
    available: np.ndarray        # has a feasible start (the model's feasible_starts)
    profile: list[np.ndarray]    # yearly cost shares
    requires: list[int]          # index of the required project, -1 for none, -2 unknown
    group: list[Hashable | None]  # alternative group
    committed: list[int]         # requirements before dependants
    fixed_start: dict[int, int]
    rank: np.ndarray             # tie-break rank: higher value, lower cost, input order
    start_years: list[list[int]]  # the years each project may start in (feasible_starts)


def candidate_pool(candidates: pd.DataFrame, spec: PlanSpec, value_col: str
                   ) -> CandidatePool:
    """The candidates validated and their starts decided exactly as for the model; fixed
    starts count as committed."""
    fixed = dict(spec.fixed_start)
    include = dict(spec.must_include)
    include.update({p: "fixed start" for p in fixed if p not in include})
    data = prepare_plan(candidates, dataclasses.replace(spec, must_include=include),
                        value_col=value_col)
    feasible_starts(data)
    ids = data.ids
    req = []
    for k, needs in enumerate(data.requires):
        if len(needs) + len(data.unknown_requires.get(k, ())) > 1:
            raise ValueError(f"project {ids[k]} requires more than one project; the "
                             "baselines follow one requirement per project")
        req.append(needs[0] if needs else (-2 if k in data.unknown_requires else -1))
    committed: list[int] = []

    def visit(k: int) -> None:  # requirements first
        if k in committed:
            return
        if req[k] >= 0 and req[k] in data.committed:
            visit(req[k])
        committed.append(k)

    for p in include:
        visit(data.position[p])
    cost, value = data.costs, data.values
    order = np.lexsort((np.arange(len(ids)), cost, -value))
    rank = np.empty(len(ids), dtype=int)
    rank[order] = np.arange(len(ids))
    profiles = [data.profiles[k, :min(int(data.durations[k]), data.T)]
                for k in range(len(ids))]
    start_years = [[data.years[t] for t in np.flatnonzero(row)] for row in data.starts]
    return CandidatePool(data, ids, cost, value, data.starts.any(axis=1), profiles, req,
                         list(data.alt_group), committed,
                         {data.position[p]: int(y) for p, y in fixed.items()}, rank,
                         start_years)


class Choice:
    """Chosen projects with the requirement / alternative-group bookkeeping (no years)."""

    def __init__(self, pool: CandidatePool):
        self.pool = pool
        self.chosen: list[int] = []
        self.is_chosen = np.zeros(len(pool.ids), dtype=bool)
        self.groups_taken: set[Hashable] = set()
        self.stage: dict[int, str] = {}

    def add(self, k: int, stage: str) -> None:
        """Choose ``k`` (at ``stage``)."""
        self.chosen.append(k)
        self.is_chosen[k] = True
        self.stage[k] = stage
        if self.pool.group[k] is not None:
            self.groups_taken.add(self.pool.group[k])

    def open(self, k: int) -> bool:
        """Available, not chosen, its alternative group not yet taken."""
        p = self.pool
        return bool(p.available[k] and not self.is_chosen[k]
                    and (p.group[k] is None or p.group[k] not in self.groups_taken))

    def needs_met(self, k: int) -> bool:
        """``k`` requires nothing, or a project already chosen."""
        r = self.pool.requires[k]
        return r == -1 or (r >= 0 and bool(self.is_chosen[r]))

    def chain(self, k: int) -> list[int] | None:
        """``k`` and the unselected projects it requires (required first); None if blocked."""
        out, groups, j = [], set(), k
        while j >= 0 and not self.is_chosen[j]:
            if j in out or not self.open(j):
                return None
            g = self.pool.group[j]
            if g is not None:
                if g in groups:
                    return None
                groups.add(g)
            out.append(j)
            j = self.pool.requires[j]
        if j == -2:
            return None
        return out[::-1]


class Schedule(Choice):
    """A :class:`Choice` whose projects are also scheduled within the yearly budgets."""

    def __init__(self, pool: CandidatePool, spec: PlanSpec):
        super().__init__(pool)
        self.years = tuple(int(y) for y in spec.years)
        self.left = plan_budgets(spec)
        self.start: dict[int, int] = {}

    def copy(self) -> "Schedule":
        """An independent copy (for a trial)."""
        new = Schedule.__new__(Schedule)
        new.pool, new.years = self.pool, self.years
        new.chosen, new.is_chosen = list(self.chosen), self.is_chosen.copy()
        new.groups_taken, new.stage = set(self.groups_taken), dict(self.stage)
        new.left, new.start = dict(self.left), dict(self.start)
        return new

    def fits(self, k: int, t: int) -> bool:
        """``k`` started in ``t`` fits the horizon and what is left of the budgets."""
        spend = self.pool.cost[k] * self.pool.profile[k]
        if t + len(spend) - 1 > self.years[-1] or t < self.years[0]:
            return False
        return all(s <= self.left[t + i] * (1 + 1e-12) + MONEY_TOLERANCE
                   for i, s in enumerate(spend))

    def earliest(self, k: int) -> int | None:
        """Earliest feasible start at which ``k`` fits the budgets left (and no earlier than
        its requirement)."""
        lo = self.years[0]
        r = self.pool.requires[k]
        if r >= 0:
            if r not in self.start:
                return None
            lo = self.start[r]
        for t in self.pool.start_years[k]:
            if t >= lo and self.fits(k, t):
                return t
        return None

    def place(self, k: int, t: int, stage: str) -> None:
        """Fund ``k`` from year ``t``."""
        for i, s in enumerate(self.pool.cost[k] * self.pool.profile[k]):
            self.left[t + i] -= s
        self.start[k] = t
        self.add(k, stage)

    def try_add(self, k: int, stage: str) -> bool:
        """Fund ``k`` at its earliest start, if it has one."""
        t = self.earliest(k)
        if t is None:
            return False
        self.place(k, t, stage)
        return True

    def try_chain(self, chain: Sequence[int], stage: str) -> bool:
        """Fund every project of ``chain`` in order, or none of them."""
        trial = self.copy()
        for k in chain:
            if not trial.try_add(k, stage):
                return False
        self.__dict__.update(trial.__dict__)
        return True

    @property
    def spend_by_year(self) -> dict[int, float]:
        """Baht spent in each plan year."""
        spend = {y: 0.0 for y in self.years}
        for k, t in self.start.items():
            for i, s in enumerate(self.pool.cost[k] * self.pool.profile[k]):
                spend[t + i] += s
        return spend


def fund_committed(pool: CandidatePool, spec: PlanSpec) -> Schedule:
    """A state with the committed projects funded (at their fixed start, else earliest)."""
    state = Schedule(pool, spec)
    for k in pool.committed:
        if not pool.available[k]:
            raise InfeasibleSelectionError(f"committed project {pool.ids[k]} cannot be "
                                           f"selected: {blocked_text(pool.data, k)}")
        t = pool.fixed_start.get(k)
        if t is None:
            t = state.earliest(k)
        elif not state.fits(k, t):
            t = None
        if t is None:
            committed = [pool.ids[j] for j in pool.committed]
            raise InfeasibleSelectionError(
                f"committed project {pool.ids[k]} does not fit the yearly budgets "
                f"{plan_budgets(spec)} next to the other committed projects "
                f"{committed[:10]}")
        state.place(k, t, "committed")
    return state


def pick_result(method: str, candidates: pd.DataFrame, state: Schedule, spec: PlanSpec,
                value_col: str, info: dict[str, Any]) -> PickResult:
    """The candidates with the method's choice, start years, spending and pick order."""
    out = candidates.copy()
    n = len(out)
    order: list[int | None] = [None] * n
    start: list[int | None] = [None] * n
    stage = [""] * n
    for i, k in enumerate(state.chosen, start=1):
        order[k], start[k], stage[k] = i, state.start[k], state.stage[k]
    out["selected"] = state.is_chosen.copy()
    out["start_year"] = pd.array(start, dtype="Int64")
    for y in state.years:
        col = np.zeros(n)
        for k, t in state.start.items():
            prof = state.pool.profile[k]
            if 0 <= y - t < len(prof):
                col[k] = state.pool.cost[k] * prof[y - t]
        out[f"cost_{y}"] = col
    out["pick_order"] = pd.array(order, dtype="Int64")
    out["pick_stage"] = stage
    return PickResult(method, out, plan_budgets(spec), state.spend_by_year, value_col,
                      float(spec.start_discount), info)


def priority_order_pick(candidates: pd.DataFrame, budget: Any, *, value_col: str = "priority",
                        fiscal_year: int | None = None, only_ready: bool = False,
                        must_include: Iterable[Hashable] = (),
                        must_exclude: Iterable[Hashable] = ()) -> PickResult:
    """The way plans are drawn up by hand: highest priority first while the budget lasts.

    ``budget`` is baht (a one-year plan for ``fiscal_year``, ``only_ready`` as
    ``portfolio.only_ready``) or a ``PlanSpec`` (its years, yearly budgets, readiness,
    committed/excluded projects and fixed starts; group limits are not applied).

    Committed projects are funded first. Then the available projects (the optimum's rules,
    see :func:`available_mask`) are taken in descending ``value_col`` (ties: the cheaper
    first, then input order); each starts in the earliest year in which its cost profile
    fits what is left of the yearly budgets; one that fits no start year is skipped and
    the next is tried. A project that ``requires`` an unselected one is funded together
    with it (the required one first, starting no later) when both fit, else skipped; only
    the first project of an ``alternative_group`` is funded.
    """
    spec = as_plan_spec(budget, candidates, fiscal_year=fiscal_year, only_ready=only_ready,
                        must_include=must_include, must_exclude=must_exclude)
    pool = candidate_pool(candidates, spec, value_col)
    state = fund_committed(pool, spec)
    for k in np.argsort(pool.rank, kind="stable"):
        if not state.open(int(k)):
            continue
        chain = state.chain(int(k))
        if chain is not None:
            state.try_chain(chain, "priority")
    return pick_result("priority_order", candidates, state, spec, value_col, {})

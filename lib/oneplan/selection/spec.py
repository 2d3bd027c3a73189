"""What a plan must respect: :class:`PlanSpec`, :class:`GroupLimit` and :class:`BudgetRow`,
and the one place where validated parameters become a spec (:func:`plan_spec`).

The report, the comparisons, the revision and the CLI all build their plan from
:func:`plan_spec`, so a floor, cap or committed project in ``params/`` means the same
thing everywhere. ``docs/plan-model-api.md`` pins these types.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Hashable, Mapping, Sequence

if TYPE_CHECKING:  # the model itself does not need pydantic; plan_spec imports it
    from oneplan.data.params import Params

__all__ = ["MAIN_BUDGET", "BudgetRow", "GroupLimit", "PlanSpec", "plan_spec", "plan_years"]

MAIN_BUDGET = "budget"
"""Name of the main budget row (constraint ``budget``); extra rows are ``budget_<name>``."""


@dataclass(frozen=True)
class BudgetRow:
    """One extra budget row ``Σ_i a_i x_i ≤ limit`` of the one-year selection.

    ``costs`` is either the name of a candidates column, or a mapping project id → cost
    (ids absent from the mapping cost 0 in this row, e.g. a district cap lists only that
    district's projects). ``limit`` may be ``math.inf`` (row is then omitted).
    """

    name: str
    costs: str | Mapping[Hashable, float]
    limit: float


@dataclass(frozen=True)
class GroupLimit:
    """Floors and caps for the projects of one group (or of every group) of a column.

    ``key=None`` applies the limit to every value of ``column`` separately (e.g. every
    district). Counts are of selected projects; baht are their total plan cost; shares are
    of the whole plan budget ``Σ_t B_t``. Floors (``min_*``) apply only to groups with
    enough ready, eligible candidates to meet them; the others are skipped and reported
    (``PlanResult.skipped_floors``). ``name`` is used in constraint names and reasons.
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
        """The limit's name, or its column when it has none."""
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


def plan_years(params: Params) -> list[int]:
    """Fiscal years (พ.ศ.) of the plan: ``fiscal_year`` and the ``plan.years - 1`` after it."""
    return [params.fiscal_year + k for k in range(params.plan.years)]


def plan_spec(params: Params, *, years: Sequence[int] | None = None,
              budget_by_year: Mapping[int, float] | None = None,
              with_stability: bool = False) -> PlanSpec:
    """The plan the parameters describe.

    Budgets: ``budget_by_year`` argument, else ``plan.budget_by_year`` (one amount per
    plan year), else ``portfolio.budget_baht`` every year. Equity floor and caps come from
    ``plan.district_min_projects``, ``plan.district_max_share``, ``plan.basin_max_share``
    and ``plan.limits``; committed and excluded projects, with their reasons, from
    ``plan.must_include`` / ``plan.must_exclude``. ``with_stability`` adds
    ``plan.stability_penalty`` (used at a revision, with a baseline).

    Raises:
        ParamsError: ``plan.budget_by_year`` does not have one amount per plan year.
    """
    from oneplan.data.params import ParamsError

    p = params.plan
    yrs = list(years) if years else plan_years(params)
    if budget_by_year:
        budgets = {int(y): float(b) for y, b in budget_by_year.items()}
    elif p.budget_by_year:
        if len(p.budget_by_year) != len(yrs):
            raise ParamsError(
                f"plan.budget_by_year has {len(p.budget_by_year)} amounts for "
                f"{len(yrs)} plan years ({yrs[0]}–{yrs[-1]})")
        budgets = dict(zip(yrs, map(float, p.budget_by_year)))
    else:
        budgets = {y: float(params.portfolio.budget_baht) for y in yrs}
    limits: list[GroupLimit] = []
    if p.district_min_projects:
        limits.append(GroupLimit("district_code", min_count=p.district_min_projects,
                                 name="district_min"))
    if p.district_max_share is not None:
        limits.append(GroupLimit("district_code", max_share=p.district_max_share,
                                 name="district_cap"))
    if p.basin_max_share is not None:
        limits.append(GroupLimit("basin", max_share=p.basin_max_share, name="basin_cap"))
    limits += [GroupLimit(**lim.model_dump()) for lim in p.limits]
    return PlanSpec(
        years=yrs, budget_by_year=budgets, group_limits=tuple(limits),
        must_include=dict(p.must_include), must_exclude=dict(p.must_exclude),
        readiness_first_year=p.readiness_first_year, start_discount=p.start_discount,
        stability_penalty=p.stability_penalty if with_stability else 0.0)

"""Validated parameters → the model's :class:`~oneplan.selection.portfolio.PlanSpec` (one place).

The report, the comparisons, the revision and the CLI all build their plan from here, so
a floor, cap or committed project in ``params/`` means the same thing everywhere.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from oneplan.selection import portfolio
from oneplan.data.params import Params, ParamsError


def plan_years(params: Params) -> list[int]:
    """Fiscal years (พ.ศ.) of the plan: ``fiscal_year`` and the ``plan.years - 1`` after it."""
    return [params.fiscal_year + k for k in range(params.plan.years)]


def plan_spec(params: Params, *, years: Sequence[int] | None = None,
              budget_by_year: Mapping[int, float] | None = None,
              with_stability: bool = False) -> portfolio.PlanSpec:
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
    limits: list[portfolio.GroupLimit] = []
    if p.district_min_projects:
        limits.append(portfolio.GroupLimit("district_code", min_count=p.district_min_projects,
                                           name="district_min"))
    if p.district_max_share is not None:
        limits.append(portfolio.GroupLimit("district_code", max_share=p.district_max_share,
                                           name="district_cap"))
    if p.basin_max_share is not None:
        limits.append(portfolio.GroupLimit("basin", max_share=p.basin_max_share,
                                           name="basin_cap"))
    limits += [portfolio.GroupLimit(**lim.model_dump()) for lim in p.limits]
    return portfolio.PlanSpec(
        years=yrs, budget_by_year=budgets, group_limits=tuple(limits),
        must_include=dict(p.must_include), must_exclude=dict(p.must_exclude),
        readiness_first_year=p.readiness_first_year, start_discount=p.start_discount,
        stability_penalty=p.stability_penalty if with_stability else 0.0)

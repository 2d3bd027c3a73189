"""The interactive explorer's re-solve (oneplan.reports.water.explore_solve)."""

from __future__ import annotations

import pytest

from oneplan.reports import water as waterplan


@pytest.fixture(scope="module")
def run(sample_db):
    return waterplan.run_portfolio("40", db_path=sample_db)


def test_same_budget_and_weights_give_the_report_plan(run):
    # at the report's own tolerance the explorer reproduces the report's plan
    res = waterplan.explore_solve(run, time_limit_s=60, previous=run.result,
                                  mip_rel_gap=run.params.portfolio.mip_rel_gap)
    assert res.mip_rel_gap == run.params.portfolio.mip_rel_gap == pytest.approx(1e-4)
    assert res.status == "optimal" and res.gap <= 1e-4
    assert res.objective == pytest.approx(run.result.objective, rel=2e-4)


def test_the_explorer_tolerance_is_stated_and_kept(run):
    res = waterplan.explore_solve(run, time_limit_s=30, previous=run.result)
    assert res.mip_rel_gap == waterplan.EXPLORER_MIP_REL_GAP == pytest.approx(0.005)
    assert res.status == "optimal" and res.gap <= waterplan.EXPLORER_MIP_REL_GAP
    # the report's plan is the first incumbent: never worse than it
    assert res.objective >= run.result.objective * (1 - 1e-9)


def test_a_bigger_budget_and_other_weights_resolve_within_the_limit(run):
    budget = 1.2 * next(iter(run.spec.budget_by_year.values()))
    weights = {k: (0.9 if i == 0 else 0.1) for i, k in
               enumerate(run.params.priority.weights)}
    res = waterplan.explore_solve(run, budget_per_year_baht=budget, weights=weights,
                                  previous=run.result, time_limit_s=1.0)
    assert res.status in ("optimal", "time_limit")
    if res.status == "time_limit":            # a stopped solve says so, with its gap
        assert not res.is_optimal and res.gap is not None and res.gap > 1e-4
    assert res.solve_seconds < 5
    for y in run.years:
        assert res.spend_by_year[y] <= budget + 1e-6
    # re-scored: the priority column follows the new weights, not the report's
    assert not res.plan["priority"].equals(run.candidates["priority"])

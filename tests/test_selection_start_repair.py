"""A MIP start that no longer fits (a budget cut in the explorer) is repaired, not ignored
(oneplan.selection.highs.PlanEngine.repair_start)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from oneplan.reports import water as waterplan
from oneplan.selection import portfolio
from oneplan.selection.highs import PlanEngine
from oneplan.selection.model import build_plan_model, plan_columns


@pytest.fixture(scope="module")
def run(sample_db):
    return waterplan.run_portfolio("40", db_path=sample_db)


def test_a_start_over_the_budget_is_cut_to_fit_every_row(run):
    cut = dataclasses.replace(run.spec, budget_by_year={
        y: b * 0.6 for y, b in run.spec.budget_by_year.items()})
    prob, _, meta = build_plan_model(run.candidates, cut)
    engine = PlanEngine(prob, meta, time_limit_s=5, mip_rel_gap=1e-3, threads=None,
                        highs_options=None)
    start = plan_columns(meta, run.result.starts)
    value = np.zeros(engine.highs.getNumCol())
    value[engine.col[np.flatnonzero(start)]] = 1.0
    lp = engine.highs.getLp()
    a = lp.a_matrix_
    col_of = np.repeat(np.arange(lp.num_col_), np.diff(np.asarray(a.start_)))

    def activity(x):
        return np.bincount(np.asarray(a.index_), weights=np.asarray(a.value_) * x[col_of],
                           minlength=lp.num_row_)

    upper = np.asarray(lp.row_upper_)
    assert (activity(value) > upper + 1e-6).any()  # the report's plan breaks the cut budget
    fixed = engine.repair_start(value)
    assert (activity(fixed) <= upper + 1e-6).all()
    assert 0 < fixed.sum() < value.sum() and (fixed <= value).all()  # only drops
    # and the re-solve with that start still gives a plan within the cut budget
    res = portfolio.plan_portfolio(run.candidates, cut, time_limit_s=5, mip_rel_gap=1e-3,
                                   mip_start=run.result)
    assert res.status in ("optimal", "time_limit")
    for y, b in cut.budget_by_year.items():
        assert res.spend_by_year[y] <= b + 1e-6

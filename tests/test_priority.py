"""Tests for oneplan.selection.priority: the transparent multi-criteria score."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from oneplan.selection.priority import CRITERIA, SOURCE_COLUMNS, score_candidates
from oneplan.selection.priority import normalise_weights

ALL_WEIGHTS = {"households": 3, "storage": 2, "area": 1, "need": 2, "cost_effectiveness": 2}


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "project_id": ["KK-001", "KK-002", "KK-003", "KK-004"],
            "households_served": [120, 800, 45, 2500],
            "storage_m3": [50_000, 0, 1_200_000, 300_000],
            "area_rai": [300, 1500, 80, 6000],
            "need_index": [0.9, 0.4, 0.7, 0.2],
            "cost_baht": [2_500_000, 9_000_000, 30_000_000, 48_000_000],
        }
    )


def test_criteria_table_is_complete():
    assert set(CRITERIA) == set(SOURCE_COLUMNS) == {
        "households", "storage", "area", "need", "cost_effectiveness",
    }
    for thai, english, description in CRITERIA.values():
        assert thai and english and description


def test_weights_are_normalised_to_sum_one():
    w = normalise_weights({"households": 2, "need": 6})
    assert w == pytest.approx({"households": 0.25, "need": 0.75})
    scored = score_candidates(_frame(), {"households": 2, "need": 6})
    # the best household project contributes exactly its normalised weight
    assert scored["contrib_households"].max() == pytest.approx(0.25)
    assert scored["contrib_need"].max() == pytest.approx(0.75)


def test_contributions_sum_to_priority_and_stay_in_0_1():
    df = _frame()
    scored = score_candidates(df, ALL_WEIGHTS)
    contrib = scored[[f"contrib_{c}" for c in ALL_WEIGHTS]].sum(axis=1)
    np.testing.assert_allclose(scored["priority"], contrib, rtol=0, atol=1e-12)
    assert scored["priority"].between(0, 1).all()
    for c in ALL_WEIGHTS:
        assert scored[f"crit_{c}"].between(0, 1).all()
        assert scored[f"crit_{c}"].min() == 0.0 and scored[f"crit_{c}"].max() == pytest.approx(1.0)
    # input untouched, rows and order kept
    assert "priority" not in df.columns
    assert scored["project_id"].tolist() == df["project_id"].tolist()


def test_constant_column_gives_zero_not_nan():
    df = _frame()
    df["need_index"] = 0.5
    scored = score_candidates(df, {"need": 1, "households": 1})
    assert (scored["crit_need"] == 0.0).all()
    assert not scored["priority"].isna().any()
    single = score_candidates(df.iloc[:1], ALL_WEIGHTS)
    assert single["priority"].tolist() == [0.0]


def test_more_households_scores_higher():
    df = _frame()
    scored = score_candidates(df, {"households": 1})
    order = df["households_served"].argsort().to_numpy()
    assert np.all(np.diff(scored["crit_households"].to_numpy()[order]) > 0)


def test_log1p_keeps_mega_project_from_flattening_the_rest():
    df = _frame()
    df["households_served"] = [10, 100, 1_000, 1_000_000]
    crit = score_candidates(df, {"households": 1})["crit_households"].to_numpy()
    expected = np.log1p(df["households_served"])
    expected = (expected - expected.min()) / (expected.max() - expected.min())
    np.testing.assert_allclose(crit, expected)
    assert crit[1] > 0.15  # value/max on the raw scale would give ~0.0001


def test_cost_effectiveness_is_benefit_units_per_baht():
    df = _frame()
    units = df["households_served"] + df["area_rai"] / 10 + df["storage_m3"] / 1000
    raw = units / df["cost_baht"]
    crit = score_candidates(df, {"cost_effectiveness": 1})["crit_cost_effectiveness"]
    np.testing.assert_allclose(crit, (raw - raw.min()) / (raw.max() - raw.min()))


def test_unknown_criterion_lists_valid_ones():
    with pytest.raises(ValueError, match="unknown priority criterion 'beauty'") as err:
        score_candidates(_frame(), {"beauty": 1, "need": 1})
    for name in CRITERIA:
        assert name in str(err.value)


@pytest.mark.parametrize("bad", [-0.1, math.nan, math.inf])
def test_bad_weight_names_the_key(bad):
    with pytest.raises(ValueError, match="'storage'"):
        score_candidates(_frame(), {"households": 1, "storage": bad})


def test_all_zero_weights_rejected():
    with pytest.raises(ValueError, match="sum to 0"):
        normalise_weights({"households": 0, "need": 0})


def test_missing_column_and_bad_values_are_named():
    df = _frame().drop(columns="storage_m3")
    with pytest.raises(ValueError, match="storage_m3"):
        score_candidates(df, {"storage": 1})
    df = _frame()
    df.loc[2, "households_served"] = np.nan
    with pytest.raises(ValueError, match="KK-003"):
        score_candidates(df, {"households": 1})
    df = _frame()
    df.loc[1, "cost_baht"] = 0
    with pytest.raises(ValueError, match="KK-002"):
        score_candidates(df, {"cost_effectiveness": 1})
    df = _frame()
    df.loc[3, "need_index"] = 1.5
    with pytest.raises(ValueError, match="KK-004"):
        score_candidates(df, {"need": 1})


def test_empty_frame_scores_to_empty_columns():
    scored = score_candidates(_frame().iloc[:0], ALL_WEIGHTS)
    assert len(scored) == 0
    assert "priority" in scored.columns and "crit_need" in scored.columns

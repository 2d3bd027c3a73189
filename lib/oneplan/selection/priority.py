"""Transparent multi-criteria priority score for candidate water projects.

Every number that goes into a project's priority is kept as a column, so a planner can
see *why* a project ranks where it does:

``crit_<c>``
    criterion ``c`` normalised to 0..1 **within the frame that was scored** (min-max, see
    :func:`score_candidates`);
``contrib_<c>``
    ``weight_c * crit_<c>``, with the weights first normalised to sum to 1;
``priority``
    the sum of the contributions, therefore also in 0..1.

Value used by the selection model
---------------------------------
:func:`oneplan.selection.portfolio.select_projects` maximises ``Σ priority_i`` over the funded
projects, subject to the budget(s): the *value* of a project is its priority, not
``priority * cost_baht``. Multiplying by cost would reward spending (a project twice as
expensive would count twice as much for the same merit). Value-per-baht is handled in two
transparent places instead: the knapsack itself (a cheap project leaves budget for
others) and the ``cost_effectiveness`` criterion below. A consequence worth stating to
planners: maximising the sum of priorities tends to fund more, smaller projects when
their priorities are comparable; raise the size weights if large schemes should win.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from oneplan.core import scoring
from oneplan.core.scoring import min_max
from oneplan.core.text import pairs

__all__ = [
    "CRITERIA",
    "SOURCE_COLUMNS",
    "LOG_CRITERIA",
    "normalise_weights",
    "min_max",
    "raw_criterion",
    "score_candidates",
]

_HOW: dict[str, str] = {
    "households":
        "log1p(households_served), min-max normalised to 0..1 within the candidate list.",
    "storage": "log1p(storage_m3), min-max normalised to 0..1 within the candidate list.",
    "area": "log1p(area_rai), min-max normalised to 0..1 within the candidate list.",
    "need": "need_index (0..1 need of the project's sub-district), min-max normalised "
            "to 0..1 within the candidate list.",
    "cost_effectiveness":
        "Benefit units per baht, (households_served + area_rai/10 + storage_m3/1000) "
        "/ cost_baht, min-max normalised to 0..1 within the candidate list. "
        "A simple, transparent proxy, not an economic appraisal.",
}

CRITERIA: dict[str, tuple[str, str, str]] = {
    name: (*pairs("selection.priority.criterion")[name], how) for name, how in _HOW.items()
}
"""Criterion name → (Thai name, English name, how it is computed). The names are in the
catalogue (``lib/oneplan/selection/text/priority.yml``)."""

#: criterion name -> input columns it is computed from
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "households": ("households_served",),
    "storage": ("storage_m3",),
    "area": ("area_rai",),
    "need": ("need_index",),
    "cost_effectiveness": ("households_served", "area_rai", "storage_m3", "cost_baht"),
}

#: size criteria that are log1p-transformed before normalising
LOG_CRITERIA: frozenset[str] = frozenset({"households", "storage", "area"})

_ID_COL = "project_id"


def _row_labels(df: pd.DataFrame, mask: np.ndarray) -> str:
    labels = df[_ID_COL] if _ID_COL in df.columns else pd.Series(df.index, index=df.index)
    bad = [str(v) for v in labels[mask].tolist()]
    more = f" (and {len(bad) - 10} more)" if len(bad) > 10 else ""
    return ", ".join(bad[:10]) + more


def _column(df: pd.DataFrame, col: str, *, criterion: str) -> np.ndarray:
    if col not in df.columns:
        raise ValueError(f"criterion {criterion!r} needs column {col!r}, which is missing")
    values = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"column {col!r} has missing or non-numeric values for: {_row_labels(df, bad)}"
        )
    return values


def _nonnegative(df: pd.DataFrame, values: np.ndarray, col: str) -> np.ndarray:
    bad = values < 0
    if bad.any():
        raise ValueError(f"column {col!r} has negative values for: {_row_labels(df, bad)}")
    return values


def normalise_weights(weights: Mapping[str, float],
                      criteria: Mapping[str, object] | None = None) -> dict[str, float]:
    """Return ``weights`` scaled to sum to 1 (:func:`oneplan.core.scoring.normalise_weights`),
    checked against the water :data:`CRITERIA` unless other ``criteria`` are given."""
    return scoring.normalise_weights(weights, CRITERIA if criteria is None else criteria)


def raw_criterion(df: pd.DataFrame, criterion: str) -> np.ndarray:
    """The criterion before normalisation (log1p already applied to size criteria)."""
    if criterion == "cost_effectiveness":
        hh, area, storage = (
            _nonnegative(df, _column(df, col, criterion=criterion), col)
            for col in ("households_served", "area_rai", "storage_m3")
        )
        cost = _column(df, "cost_baht", criterion=criterion)
        bad = cost <= 0
        if bad.any():
            raise ValueError(
                f"cost_effectiveness needs cost_baht > 0; not so for: {_row_labels(df, bad)}"
            )
        return (hh + area / 10.0 + storage / 1000.0) / cost
    (col,) = SOURCE_COLUMNS[criterion]
    values = _column(df, col, criterion=criterion)
    if criterion == "need":
        bad = (values < 0) | (values > 1)
        if bad.any():
            raise ValueError(f"need_index must lie in 0..1; not so for: {_row_labels(df, bad)}")
        return values
    return np.log1p(_nonnegative(df, values, col))


def score_candidates(df: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Score candidate projects; return a copy of ``df`` with the score columns added.

    For each criterion ``c`` in ``weights`` (see :data:`CRITERIA`):

    * the raw criterion is read from its source column(s) (:data:`SOURCE_COLUMNS`). The
      size criteria ``households``, ``storage`` and ``area`` are transformed with
      ``log1p`` first, so that one mega-project does not squash every other project
      towards 0. ``cost_effectiveness`` is a simple, transparent proxy of benefit units
      per baht: ``(households_served + area_rai/10 + storage_m3/1000) / cost_baht``
      (no log).
    * ``crit_<c>`` = min-max normalisation **within this frame**:
      ``(x - min) / (max - min)``, so the weakest candidate scores 0 and the strongest 1
      on that criterion. A constant column (including a single row) scores 0 for everyone
      rather than NaN: it does not discriminate, so it contributes nothing. Scores are
      therefore relative to the list being scored; re-scoring a filtered list can change
      them.
    * ``contrib_<c>`` = ``w_c * crit_<c>`` with the weights normalised to sum to 1
      (:func:`normalise_weights`; a negative weight is a ``ValueError`` naming its key).

    ``priority`` = ``Σ_c contrib_<c>``, in 0..1. Existing columns of the same names are
    overwritten. Missing/NaN/negative inputs raise ``ValueError`` naming the projects.
    """
    w = normalise_weights(weights)
    out = df.copy()
    priority = np.zeros(len(out), dtype=float)
    for criterion, weight in w.items():
        crit = min_max(raw_criterion(out, criterion))
        contrib = weight * crit
        out[f"crit_{criterion}"] = crit
        out[f"contrib_{criterion}"] = contrib
        priority += contrib
    # guard tiny float overshoot so priority stays inside 0..1
    out["priority"] = np.clip(priority, 0.0, 1.0)
    return out

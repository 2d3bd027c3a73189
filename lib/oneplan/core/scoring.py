"""Transparent scoring arithmetic shared by the water priority and the Plan101Pro ranking:
published weights normalised to sum to 1, criteria scaled to 0..1."""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np


def normalise_weights(weights: Mapping[str, float],
                      criteria: Mapping[str, object]) -> dict[str, float]:
    """Return ``weights`` scaled to sum to 1, after validating them.

    ``criteria`` are the valid criterion names (the water criteria of
    :mod:`oneplan.selection.priority`, or the ranking's own). Raises ``ValueError`` for an unknown
    criterion (listing the valid ones), a negative or non-finite weight (naming the key),
    an empty mapping or weights that sum to 0.
    """
    if not weights:
        raise ValueError(f"no priority weights given; valid criteria: {', '.join(criteria)}")
    unknown = [k for k in weights if k not in criteria]
    if unknown:
        raise ValueError(
            f"unknown priority criterion {', '.join(map(repr, unknown))}; "
            f"valid criteria: {', '.join(criteria)}"
        )
    clean: dict[str, float] = {}
    for key, w in weights.items():
        try:
            w = float(w)
        except (TypeError, ValueError):
            raise ValueError(f"priority weight {key!r} is not a number: {w!r}") from None
        if not math.isfinite(w):
            raise ValueError(f"priority weight {key!r} is not finite: {w}")
        if w < 0:
            raise ValueError(f"priority weight {key!r} is negative: {w}")
        clean[key] = w
    total = sum(clean.values())
    if total <= 0:
        raise ValueError("priority weights sum to 0; give at least one positive weight")
    return {k: w / total for k, w in clean.items()}


def min_max(values: np.ndarray) -> np.ndarray:
    """(v - min) / (max - min); a constant (or empty) column gives 0 everywhere."""
    if values.size == 0:
        return values.astype(float)
    lo, hi = float(values.min()), float(values.max())
    if hi - lo <= 0:
        return np.zeros_like(values, dtype=float)
    return (values - lo) / (hi - lo)

"""The units of the numbers HiGHS sees: money in millions of baht, an objective of order 1.

HiGHS decides feasibility and optimality with absolute tolerances (1e-6 … 1e-9) on the
numbers it is given. A plan model written in baht puts coefficients around 1e7 in the
budget rows next to the 1s of the one-start, precedence and count rows; on such a model
HiGHS 1.16 proved a plan worth 8.5271829 "optimal", with an equal bound, when a plan worth
8.5442608 exists, and gave three different "optimal" values under three random seeds
(``tests/data/false_optimal_58x4.mps``, ``tests/test_selection_numerics.py``). The same
model in millions of baht gives 8.5442608 under every seed.

So the model is built in **model units**, and only the model:

* every money coefficient and right-hand side (yearly budgets, budget rows of the one-year
  selection, the baht floors and caps of a group) is divided by :attr:`Scales.money`,
  1,000,000 baht (:data:`MONEY_UNIT`) for real plans (:func:`money_unit`);
* the objective is multiplied by :attr:`Scales.objective` when its terms are far from 1
  (:func:`objective_scale`; 1 for priority scores, the usual values);
* HiGHS's ``mip_feasibility_tolerance`` is tightened to match
  (:attr:`Scales.feasibility_tolerance`): its tolerance is absolute, and 1e-6 of a
  million baht is one baht — HiGHS took a plan one baht over a 30-million budget as
  feasible. At 1e-9 no plan passes a money row by more than 0.001 baht
  (:data:`MONEY_TOLERANCE`), below a satang.

Everything a user reads stays in baht and in the objective's own units: the candidates,
the spec, ``Columns.spend`` and ``Columns.coef`` (from which plans, spending and
objectives are recomputed), results and reports. Only the numbers read back from HiGHS
(objective, bound) are converted, by :mod:`oneplan.selection.highs` with the scales the
model builder attached to the problem (:func:`attach_scales`, :func:`scales_of`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

__all__ = [
    "HIGHS_MIP_FEASIBILITY",
    "MONEY_TOLERANCE",
    "MONEY_UNIT",
    "Scales",
    "attach_scales",
    "money_unit",
    "objective_scale",
    "scales_of",
]

MONEY_UNIT = 1_000_000.0
"""Baht per model unit of money for real plans: the model counts in millions of baht."""

MONEY_TOLERANCE = 1e-3
"""Baht by which a plan HiGHS accepts may pass a money row at most (below a satang)."""

HIGHS_MIP_FEASIBILITY = 1e-6
"""HiGHS's own default ``mip_feasibility_tolerance`` (absolute, in model units)."""

_ATTRIBUTE = "oneplan_scales"
_OBJECTIVE_RANGE = (1e-2, 1e2)  # largest |objective term| left as it is


@dataclass(frozen=True)
class Scales:
    """How model units relate to the user's: ``model money = baht / money``,
    ``model objective = objective × objective``."""

    money: float = 1.0
    objective: float = 1.0

    def __post_init__(self):
        for name in ("money", "objective"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"Scales.{name} must be a finite number > 0, got {v!r}")

    def money_to_model(self, baht: Any) -> Any:
        """Baht (a number or an array) in model units of money."""
        return baht / self.money

    @property
    def feasibility_tolerance(self) -> float:
        """HiGHS's ``mip_feasibility_tolerance`` for a model in these units: the smaller of
        HiGHS's default and :data:`MONEY_TOLERANCE` baht in model units (1e-9 in
        millions of baht)."""
        return min(HIGHS_MIP_FEASIBILITY, MONEY_TOLERANCE / self.money)

    def objective_from_model(self, value: float | None) -> float | None:
        """An objective value or bound read from HiGHS, in the objective's own units."""
        return None if value is None else value / self.objective


def money_unit(costs: Iterable[float]) -> float:
    """Baht per model unit for a model whose largest money amount is ``max(costs)``.

    :data:`MONEY_UNIT` (millions of baht) when the largest cost is a million baht or more,
    as in every real plan; otherwise the largest power of 1,000 not above it (1 for costs
    below 1,000 baht), so that small amounts (tests, toy examples) are not pushed down to
    1e-5 where HiGHS's absolute tolerances would swallow them. Non-finite values are
    ignored.
    """
    arr = np.asarray(list(costs) if not isinstance(costs, np.ndarray) else costs, float)
    arr = np.abs(arr[np.isfinite(arr)])
    top = float(arr.max()) if arr.size else 0.0
    if top >= MONEY_UNIT:
        return MONEY_UNIT
    if top < 1000.0:
        return 1.0
    return 1000.0 ** math.floor(math.log10(top) / 3.0)


def objective_scale(coefs: Iterable[float]) -> float:
    """The factor that brings the objective's terms to order 1.

    1 when the largest ``|coef|`` lies in [0.01, 100] (priority scores, the usual values)
    or every term is 0; otherwise the power of ten that puts it in [1, 10), e.g. 1e-6 for
    benefits of a few million baht.
    """
    arr = np.asarray(list(coefs) if not isinstance(coefs, np.ndarray) else coefs, float)
    arr = np.abs(arr[np.isfinite(arr)])
    top = float(arr.max()) if arr.size else 0.0
    if top == 0.0 or _OBJECTIVE_RANGE[0] <= top <= _OBJECTIVE_RANGE[1]:
        return 1.0
    return 10.0 ** -math.floor(math.log10(top))


def attach_scales(prob: Any, scales: Scales) -> None:
    """Record on a PuLP problem the units it was built in (read by :func:`scales_of`)."""
    setattr(prob, _ATTRIBUTE, scales)


def scales_of(prob: Any) -> Scales:
    """The units ``prob`` was built in; ``Scales()`` (as given) for a problem not built
    by :mod:`oneplan.selection.model`."""
    scales = getattr(prob, _ATTRIBUTE, None)
    return scales if isinstance(scales, Scales) else Scales()

"""The errors of the water-plan model: a plan that cannot exist, and a solve that failed.

Both are raised by every entry point of :mod:`oneplan.selection` (the model, the
comparisons, the revision) and are importable from :mod:`oneplan.selection.portfolio`.
"""

from __future__ import annotations

__all__ = ["InfeasibleSelectionError", "SelectionSolveError"]


class InfeasibleSelectionError(ValueError):
    """The selection is infeasible before solving (e.g. committed projects exceed a budget)."""


class SelectionSolveError(RuntimeError):
    """HiGHS did not return a usable plan; ``status`` is the mapped HiGHS model status."""

    def __init__(self, message: str, status: str):
        super().__init__(message)
        self.status = status

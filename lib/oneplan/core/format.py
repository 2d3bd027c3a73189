"""Numbers as the machine-readable summaries store them (rounded, JSON-safe)."""

from __future__ import annotations

import math


def rounded(obj, digits: int = 10, *, places: int | None = None):
    """``obj`` with every float kept to ``digits`` significant digits (or, with ``places``,
    rounded to that many decimal places), through dicts, lists and tuples.

    Files people read keep short numbers: a long fraction also looks like an ID number to
    personal-data scanners, while tiny gaps stay visible.
    """
    if isinstance(obj, float):
        if places is not None:
            return round(obj, places)
        return float(f"{obj:.{digits}g}") if math.isfinite(obj) else obj
    if isinstance(obj, dict):
        return {k: rounded(v, digits, places=places) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [rounded(v, digits, places=places) for v in obj]
    return obj

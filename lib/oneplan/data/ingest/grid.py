"""The cells of one sheet as the import reads them (:class:`Grid`), what was found wrong
while reading a row (:class:`ReadProblem`), and what counts as an empty cell."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ReadProblem:
    """A row found wrong while the file was read (a quote left open, a NUL character):
    the problem ``code``, its catalogue ``key`` and fields, and the cell index or None."""

    code: str
    key: str
    fields: dict[str, Any] = field(default_factory=dict)
    column: int | None = None


@dataclass
class Grid:
    """The cells of one sheet (``sheet`` None for a CSV file), row by row.

    Every row of the file is accounted for: ``lines`` is how many rows the file has here
    (a CSV file's physical lines, a sheet's rows holding a value), ``continuation`` the CSV
    lines that continue a cell begun on an earlier line (a quoted line break), and each of
    the others is one entry of ``rows``.
    """

    sheet: str | None
    rows: list[tuple[int, list]]     # (row number the user sees, cell values)
    hidden: bool = False
    lines: int = 0
    continuation: int = 0
    problems: dict[int, list[ReadProblem]] = field(default_factory=dict)   # by row number
    state: str = "visible"
    extent: str = ""


def is_blank(v: object) -> bool:
    """Whether a cell is empty: None, blank text or NaN."""
    return v is None or (isinstance(v, str) and not v.strip()) or (
        isinstance(v, float) and math.isnan(v))

"""Which sheets of a workbook are data, and why each other one is not read.

Every sheet is either read as data or named in the summary with its reason and its rows
(:class:`SkippedSheet`). A sheet is told apart by its **content**, not its name: the
template's own sheets are skipped only when they hold what the template writes there
(the instructions, the look-up sheets of a province's template, the hidden drop-down
lists, the problem list of a rejects file). A sheet of yours named ``ปัญหา``, ``หมู่บ้าน``,
``หน่วยงาน``, ``ประเด็นยุทธศาสตร์`` or ``คำอธิบาย`` that holds a table with a header row is
read like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from oneplan.data.ingest.grid import Grid, is_blank
from oneplan.data.ingest.messages import Message, message
from oneplan.data.ingest.rejects import PROBLEMS_SHEET, problems_header
from oneplan.data.templates import INSTRUCTIONS_SHEET, KINDS, LISTS_SHEET

REFERENCE_HEADERS = {
    "หมู่บ้าน": ["รหัสหมู่บ้าน", "หมู่บ้าน", "รหัสตำบล", "ตำบล", "อำเภอ"],
    "หน่วยงาน": ["รหัสหน่วยงาน", "ชื่อหน่วยงาน", "ระดับ"],
    "ประเด็นยุทธศาสตร์": ["ประเด็นที่", "ประเด็นยุทธศาสตร์"],
}
"""The header row of each look-up sheet of a province's template
(:func:`oneplan.data.templates.province_reference`)."""

REASONS = ("hidden", "no_header", "empty", "instructions", "lookup", "problems", "lists")
"""Why a sheet is not read (catalogue ``data.ingest.sheet.<reason>``)."""


@dataclass
class SkippedSheet:
    """A sheet not read: its name, why (one of :data:`REASONS`) and its rows."""

    name: str
    reason: str
    rows: int

    @property
    def why(self) -> Message:
        """The reason in Thai and English."""
        return message(f"data.ingest.sheet.{self.reason}")


def _first_row(grid: Grid) -> list[str]:
    if not grid.rows:
        return []
    cells = [("" if is_blank(v) else str(v).strip()) for v in grid.rows[0][1]]
    while cells and not cells[-1]:
        cells.pop()
    return cells


_TITLES = {f"{k.title_th} / {k.title_en}" for k in KINDS.values()}


def template_sheet(grid: Grid) -> str | None:
    """The reason a sheet is one of the template's (or a rejects file's) own sheets, not
    data; None for any other sheet."""
    name = grid.sheet
    if name == LISTS_SHEET and grid.hidden:
        return "lists"
    first = _first_row(grid)
    if name == INSTRUCTIONS_SHEET and first[:1] and first[0] in _TITLES:
        return "instructions"
    if name in REFERENCE_HEADERS and first == REFERENCE_HEADERS[name]:
        return "lookup"
    if name == PROBLEMS_SHEET and first == problems_header():
        return "problems"
    return None

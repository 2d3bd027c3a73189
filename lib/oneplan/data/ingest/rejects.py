"""The rejects file ``<name>.rejected.xlsx``: the rows an import did not accept, as typed,
in template layout with their reasons, so the user fixes them there and imports that file
again (the rows keep the file and row they were first typed in as their source).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from oneplan.core.files import save_workbook, xlsx_value
from oneplan.data.ingest.check import Row
from oneplan.data.ingest.messages import message
from oneplan.data.ingest.xlsx import CellFault
from oneplan.data.templates import FIRST_DATA_ROW, REJECT_COLUMNS, Kind, write_sheet

PROBLEMS_SHEET = "ปัญหา"
"""The sheet of a rejects file that lists every problem (never imported as data)."""
_PROBLEM_COLUMNS = ("sheet_here", "row_here", "source_file", "source_sheet", "source_row",
                    "column", "header", "value", "code")


def problems_header() -> list[str]:
    """The header row of the ``ปัญหา`` sheet of a rejects file (how the import knows the
    sheet is that list and not data)."""
    heads = [message(f"data.ingest.rejects.{name}") for name in _PROBLEM_COLUMNS]
    return [f"{h.th} / {h.en}" for h in heads] + list(message("data.ingest.rejects.problem"))


def _as_typed(v: object) -> object:
    """A cell value as the rejects file shows it: a date without midnight, a formula Excel
    never calculated or an Excel error as its text."""
    if isinstance(v, datetime) and not v.time():
        return v.date()
    return str(v) if isinstance(v, CellFault) else v


def rejects_path(path: Path, rejects_dir: str | Path | None = None) -> Path:
    """Where the rejected rows of ``path`` go: ``<name>.rejected.xlsx`` beside it (or in
    ``rejects_dir``); a rejects file being re-imported is rewritten in place."""
    stem = path.stem if path.stem.endswith(".rejected") else f"{path.stem}.rejected"
    folder = Path(rejects_dir) if rejects_dir else path.parent
    return folder / f"{stem}.xlsx"


def write_rejects(out: Path, rejected: list[tuple[Kind, list[Row]]]) -> Path:
    """Write rejected rows in template layout (the values as typed, the problem cells
    red with a comment, then columns with the file, sheet and row the row was first typed
    in, the wrong columns and the reasons) and a ``ปัญหา`` sheet with one line per problem
    (its row in this file, where it was first typed, the column here). It re-imports once
    fixed, keeping the original file and row as the rows' source.

    Returns:
        ``out``.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    red = PatternFill("solid", fgColor="FFC7CE")
    problems_rows = []
    for kind, rows in rejected:
        codes = [c.code for c in kind.columns]
        extras: list[str] = []
        for r in rows:
            extras += [h for h in r.extra if h not in extras]
        headers = tuple((h, h) for h in extras) + tuple((th, en) for _, th, en in REJECT_COLUMNS)
        data = []
        for i, r in enumerate(rows, start=FIRST_DATA_ROW):
            vals = [r.raw.get(c.code) for c in kind.columns] + [r.extra.get(h) for h in extras]
            src_file, src_sheet, src_row = r.source
            src_file = src_file or r.problems[0].file
            # the template headers, not letters: the columns move between the file and this one
            names = list(dict.fromkeys(kind.column(p.field).th for p in r.problems if p.field))
            vals += [src_file, src_sheet or "", src_row, ", ".join(names),
                     "; ".join(p.th for p in r.problems), "; ".join(p.en for p in r.problems)]
            data.append([_as_typed(v) for v in vals])
            problems_rows += [
                [kind.sheet_th, i, src_file, src_sheet or "", src_row,
                 get_column_letter(codes.index(p.field) + 1) if p.field in codes else "",
                 kind.column(p.field).th if p.field in codes else "",
                 "" if p.value is None else str(p.value), p.code, p.th, p.en]
                for p in r.problems]
        ws = write_sheet(wb, kind, data, extra_headers=headers)
        for i, r in enumerate(rows, start=FIRST_DATA_ROW):
            for p in r.problems:
                if p.field not in codes:
                    continue
                cell = ws.cell(i, codes.index(p.field) + 1)
                cell.fill = red
                cell.comment = Comment(f"{p.th}\n{p.en}", "oneplan")
    ws = wb.create_sheet(PROBLEMS_SHEET)
    heads = [message(f"data.ingest.rejects.{name}") for name in _PROBLEM_COLUMNS]
    ws.append([f"{h.th} / {h.en}" for h in heads] + list(message("data.ingest.rejects.problem")))
    for pr in problems_rows:
        ws.append([xlsx_value(v) for v in pr])  # the values as text, never a formula
    for letter, width in zip("ABCDEFGHIJK", (16, 10, 24, 14, 10, 10, 24, 20, 18, 60, 60)):
        ws.column_dimensions[letter].width = width
    # a rejects file being re-imported is replaced only when complete; every cell inert
    return save_workbook(wb, out)

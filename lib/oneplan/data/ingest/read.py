"""Reading an import file into grids of cells and finding its header row.

XLSX workbooks (:mod:`~oneplan.data.ingest.xlsx`: streamed in bounded memory, merged
cells spread over their range, percent cells as typed, formulas without a calculated
value and Excel errors marked per cell, hidden sheets flagged) and CSV files
(:mod:`~oneplan.data.ingest.csvtext`: UTF-8, UTF-16 or TIS-620/cp874, quoting errors and
NUL characters found per line, mojibake an error) become :class:`Grid` objects;
:func:`detect_header` finds the header row of a grid below title rows and merged group
cells and tells which kind of file it is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from oneplan.core import thai
from oneplan.data.ingest.csvtext import decode_csv, read_csv
from oneplan.data.ingest.errors import ImportFileError
from oneplan.data.ingest.grid import Grid, is_blank
from oneplan.data.ingest.messages import Message, message
from oneplan.data.ingest.xlsx import read_workbook
from oneplan.data.templates import KINDS, REJECT_COLUMNS, Column, Kind

__all__ = ["HEADER_SEARCH_ROWS", "MIN_HEADER_MATCHES", "Grid", "Header", "ImportFileError",
           "decode_csv", "detect_header", "is_blank", "is_header_row", "match_header",
           "normalise_header", "read_grids"]

HEADER_SEARCH_ROWS = 30
"""Header rows are looked for in the first rows (holding values) of a sheet."""
MIN_HEADER_MATCHES = 2
"""A header row names at least this many distinct columns of its kind."""

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


def read_grids(path: str | Path) -> list[Grid]:
    """Every sheet of an XLSX file (hidden ones flagged ``hidden``), or the one table of
    a CSV file, as rows of cells, every row of the file accounted for
    (:class:`~oneplan.data.ingest.grid.Grid`).

    Raises:
        ImportFileError: the file is missing, a folder, of another format, encrypted,
            too large or unreadable.
    """
    path = Path(path)
    if not path.exists():
        raise ImportFileError(path.name, *message("data.ingest.file.not_found",
                                                  path=Message("", str(path))))
    if not path.is_file():
        raise ImportFileError(path.name, *message("data.ingest.path.not_a_file",
                                                  path=str(path)))
    ext = path.suffix.lower()
    if ext in XLSX_SUFFIXES:
        return [Grid(s.name, s.rows, hidden=s.state != "visible", lines=len(s.rows),
                     state=s.state, extent=s.extent) for s in read_workbook(path)]
    if ext in CSV_SUFFIXES:
        return [read_csv(path)]
    if ext == ".xls":
        raise ImportFileError(path.name, *message("data.ingest.file.xls"))
    raise ImportFileError(path.name, *message("data.ingest.file.unknown_type", ext=ext))


# --- header detection ------------------------------------------------------------------

def normalise_header(h: object) -> str:
    """A header as a lookup key: NFC, Thai typing habits undone, zero-width spaces, ``*``,
    all spaces and a trailing ``:`` dropped, case folded."""
    text = thai.fix_thai_typing(unicodedata.normalize("NFC", str(h)).replace("\u200b", "")
                                ).replace("*", "")
    return re.sub(r"\s+", "", text).rstrip(":").casefold()


def _strip_parens(h: str) -> str:
    return re.sub(r"\([^)]*\)", "", str(h))


def _header_index(kind: Kind) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for col in kind.columns:
        for h in col.headers():
            index.setdefault(normalise_header(h), col)
    return index


_INDEXES = {name: _header_index(k) for name, k in KINDS.items()}
_REJECT_HEADERS = {normalise_header(h): code for code, th, en in REJECT_COLUMNS
                   for h in (th, en)}


def match_header(kind: Kind, header: object) -> Column | None:
    """The column of ``kind`` a header names (Thai, English, code or alias; ``*``, spaces,
    case and a trailing ``(...)`` ignored), or None."""
    if is_blank(header):
        return None
    index = _INDEXES[kind.name]
    return index.get(normalise_header(header)) or index.get(
        normalise_header(_strip_parens(header)))


@dataclass
class Header:
    """The header of one sheet: its kind, where the data starts and what each column is."""

    kind: Kind
    first_row: int                     # index into grid.rows of the first data row
    columns: dict[int, Column]         # cell index -> spec column
    unknown: dict[int, str]            # cell index -> header text
    reject_cols: dict[int, str]        # cell index -> rejects-file column (_file, _row, …)
    header_text: dict[int, str]
    repeated: dict[int, int] = field(default_factory=dict)   # cell index -> first index
    span: int = 1                      # header rows (2: a group row above sub-headers)


def _combined(grid: Grid, i: int, span: int) -> list:
    rows = [grid.rows[k][1] for k in range(i, i + span)]
    width = max(len(r) for r in rows)
    out = []
    for j in range(width):
        cell = None
        for r in rows:   # the lowest non-empty cell of the header block names the column
            if j < len(r) and not is_blank(r[j]):
                cell = r[j]
        out.append(cell)
    return out


def _score(kind: Kind, headers: list) -> int:
    return len({c.code for h in headers if (c := match_header(kind, h))})


def detect_header(grid: Grid, kind_name: str | None = None, *, file: str = ""
                  ) -> Header | None:
    """Find the header row of a sheet and its kind.

    Looks at the first :data:`HEADER_SEARCH_ROWS` rows, each alone and each with the row
    below (a two-row header under merged group cells), and keeps the block naming the most
    distinct columns of a kind (at least :data:`MIN_HEADER_MATCHES`).

    Returns:
        The header, or None when no block names enough columns of any kind.

    Raises:
        ImportFileError: two kinds fit the headers equally well (use ``--kind``).
    """
    kinds = [KINDS[kind_name]] if kind_name else list(KINDS.values())
    best: dict[str, tuple[int, int, int]] = {}
    for i in range(min(HEADER_SEARCH_ROWS, len(grid.rows))):
        for span in (1, 2):
            # a two-row header is two rows one above the other
            if i + span > len(grid.rows) or (
                    span == 2 and grid.rows[i + 1][0] != grid.rows[i][0] + 1):
                continue
            headers = _combined(grid, i, span)
            for kind in kinds:
                s = _score(kind, headers)
                cand = (s, -span, -i)
                if s >= MIN_HEADER_MATCHES and cand > best.get(kind.name, (0, 0, 0)):
                    best[kind.name] = cand
    if not best:
        return None
    top = max(v[0] for v in best.values())
    winners = [k for k, v in best.items() if v[0] == top]
    if len(winners) > 1:
        joiner = message("data.ingest.word.or")
        raise ImportFileError(file, *message(
            "data.ingest.file.ambiguous_kind",
            kinds=Message(joiner.th.join(winners), joiner.en.join(winners)),
            sheet=Message("", grid.sheet or "")))
    kind = KINDS[winners[0]]
    _, span, i = best[kind.name]
    span, i = -span, -i
    headers = _combined(grid, i, span)
    columns: dict[int, Column] = {}
    unknown: dict[int, str] = {}
    repeated: dict[int, int] = {}
    rejects: dict[int, str] = {}
    texts: dict[int, str] = {}
    for j, h in enumerate(headers):
        if is_blank(h):
            continue
        texts[j] = str(h).strip()
        col = match_header(kind, h)
        if col is not None and col not in columns.values():
            columns[j] = col
        elif col is not None:
            repeated[j] = next(k for k, c in columns.items() if c is col)
            unknown[j] = str(h).strip()
        elif normalise_header(h) in _REJECT_HEADERS:
            rejects[j] = _REJECT_HEADERS[normalise_header(h)]
        else:
            unknown[j] = str(h).strip()
    return Header(kind, i + span, columns, unknown, rejects, texts, repeated, span)


def is_header_row(kind: Kind, cells: list) -> bool:
    """Whether a row below the header is another header row (the template's English
    headers, or the header repeated on every printed page): at least
    :data:`MIN_HEADER_MATCHES` cells, all of them headers of ``kind``."""
    values = [v for v in cells if not is_blank(v)]
    return len(values) >= MIN_HEADER_MATCHES and all(
        match_header(kind, v) or normalise_header(v) in _REJECT_HEADERS for v in values)

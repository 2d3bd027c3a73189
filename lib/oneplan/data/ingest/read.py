"""Reading an import file into grids of cells and finding its header row.

XLSX sheets (merged cells spread over their range, percent cells as typed, hidden sheets
named but not read) and CSV files (UTF-8, UTF-16 with BOM or TIS-620/cp874; mojibake is an
error, never loaded) become :class:`Grid` objects; :func:`detect_header` finds the header
row of a grid below title rows and merged group cells and tells which kind of file it is.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from oneplan.core import thai
from oneplan.data.ingest.messages import Message, message
from oneplan.data.templates import KINDS, REJECT_COLUMNS, Column, Kind

log = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 30
"""Header rows are looked for in the first rows of a sheet (titles, merged group cells)."""
MIN_HEADER_MATCHES = 2
"""A header row names at least this many distinct columns of its kind."""


class ImportFileError(ValueError):
    """A whole file cannot be read (format, encoding, no header row); nothing is loaded.

    Attributes:
        th: the message in Thai; ``str(exc)`` is the English one.
    """

    def __init__(self, file: str, th: str, en: str):
        self.file, self.th, self.en = file, th, en
        super().__init__(f"{file}: {en}")


@dataclass
class Grid:
    """The cells of one sheet (``sheet`` None for a CSV file), row by row."""

    sheet: str | None
    rows: list[tuple[int, list]]     # (row number the user sees, cell values)
    hidden: bool = False


def is_blank(v: object) -> bool:
    """Whether a cell is empty: None, blank text or NaN."""
    return v is None or (isinstance(v, str) and not v.strip()) or (
        isinstance(v, float) and math.isnan(v))


def _read_xlsx(path: Path) -> list[Grid]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException …
        raise ImportFileError(path.name, *message(
            "data.ingest.file.not_xlsx", error=type(exc).__name__,
            detail=Message("", str(exc)))) from None
    grids = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            grids.append(Grid(ws.title, [], hidden=True))   # named in the summary, not read
            continue
        values: dict[tuple[int, int], object] = {}
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if v is None:
                    continue
                if (isinstance(v, (int, float)) and not isinstance(v, bool)
                        and "%" in (cell.number_format or "")):
                    v = f"{v * 100:g}%"   # a percent-formatted cell holds 0.3 for 30 %
                values[(cell.row, cell.column)] = v
        # merged cells: every cell of the range gets the top-left value (a merged group
        # header above several columns, a village code merged down several need rows)
        for rng in ws.merged_cells.ranges:
            v = values.get((rng.min_row, rng.min_col))
            if v is None:
                continue
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    values[(r, c)] = v
        if not values:
            grids.append(Grid(ws.title, []))
            continue
        nrow = max(r for r, _ in values)
        ncol = max(c for _, c in values)
        rows = [(r, [values.get((r, c)) for c in range(1, ncol + 1)])
                for r in range(1, nrow + 1)]
        grids.append(Grid(ws.title, rows))
    return grids


_MOJIBAKE_RE = re.compile(r"à¸|à¹|Ã[\x80-\xbf]")
# A Thai vowel or tone mark cannot follow a Latin letter or digit: such text is Latin-1 /
# Windows-1252 bytes read as TIS-620.
_NOT_THAI_RE = re.compile(r"[A-Za-z0-9][\u0E31\u0E34-\u0E3A\u0E47-\u0E4E]")


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def decode_csv(path: Path, raw: bytes | None = None) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read with.

    Tried in order: UTF-16 (with BOM), UTF-8 (with or without BOM), TIS-620/cp874.

    Returns:
        ``(text, encoding name)``.

    Raises:
        ImportFileError: none of them decodes the bytes, or the text decodes but is
            mojibake (Thai already garbled by a wrong encoding) — never loaded silently.
    """
    raw = path.read_bytes() if raw is None else raw
    name = path.name
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, enc = raw.decode("utf-16"), "UTF-16"
    else:
        try:
            text, enc = raw.decode("utf-8-sig"), "UTF-8"
        except UnicodeDecodeError as utf8_error:
            try:
                text, enc = raw.decode("cp874"), "TIS-620/cp874"
            except UnicodeDecodeError:
                raise ImportFileError(name, *message(
                    "data.ingest.file.not_utf8_or_tis620", byte=raw[utf8_error.start],
                    line=raw.count(b"\n", 0, utf8_error.start) + 1)) from None
            if m := _NOT_THAI_RE.search(text):
                raise ImportFileError(name, *message(
                    "data.ingest.file.garbled_tis620",
                    snippet=text[max(0, m.start() - 8):m.end() + 8],
                    line=_line_of(text, m.start())))
    if "\x00" in text:
        raise ImportFileError(name, *message("data.ingest.file.nul"))
    if m := _MOJIBAKE_RE.search(text):
        raise ImportFileError(name, *message(
            "data.ingest.file.mojibake", snippet=text[m.start():m.start() + 12],
            line=_line_of(text, m.start())))
    return text, enc


def _read_csv(path: Path) -> list[Grid]:
    text, enc = decode_csv(path)
    log.info("%s read as %s", path.name, enc)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    # the row number is the record number: what a spreadsheet shows when it opens the CSV
    rows = [(i, rec) for i, rec in enumerate(reader, start=1)]
    return [Grid(None, rows)]


def read_grids(path: str | Path) -> list[Grid]:
    """Every sheet of an XLSX file (hidden ones empty, flagged ``hidden``), or the one
    table of a CSV file, as rows of cells.

    Raises:
        ImportFileError: the file is missing, of another format, or unreadable.
    """
    path = Path(path)
    if not path.exists():
        raise ImportFileError(path.name, *message("data.ingest.file.not_found",
                                                  path=Message("", str(path))))
    ext = path.suffix.lower()
    if ext in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if ext in (".csv", ".txt", ".tsv"):
        return _read_csv(path)
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
            if i + span > len(grid.rows):
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
    return Header(kind, i + span, columns, unknown, rejects, texts, repeated)


def is_header_row(kind: Kind, cells: list) -> bool:
    """Whether a row below the header is another header row (the template's English
    headers, or the header repeated on every printed page): at least
    :data:`MIN_HEADER_MATCHES` cells, all of them headers of ``kind``."""
    values = [v for v in cells if not is_blank(v)]
    return len(values) >= MIN_HEADER_MATCHES and all(
        match_header(kind, v) or normalise_header(v) in _REJECT_HEADERS for v in values)

"""Reading a CSV file into a :class:`~oneplan.data.ingest.grid.Grid`, line by line, so
that no line is lost without a word.

* **Encodings**: UTF-16 (with a BOM, or without one when the bytes plainly are), UTF-8
  with or without BOM, TIS-620/cp874; text that decodes but is mojibake is refused.
* **Not text at all** (a zip, PDF, image or Excel file named ``.csv``, or binary bytes)
  is refused as a whole, naming what it is.
* **Quoting errors**: a quoted cell that runs over several lines holding what looks like
  whole rows (an unclosed ``"`` swallowing the rows below it) is not read as one cell:
  each of its lines becomes a row of its own, rejected with the line where the quote
  opened. A cell longer than the csv module's limit never crashes the import.
* **Control characters**: a line holding a NUL (or another control character Excel
  cannot store) is rejected with its line number; the rest of the file is read.

Every physical line is accounted for: one row each, or a continuation line of a cell
with a legitimate line break (``Grid.continuation``).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import statistics
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from oneplan.data.ingest.errors import ImportFileError
from oneplan.data.ingest.grid import Grid, ReadProblem
from oneplan.data.ingest.messages import message

log = logging.getLogger(__name__)

LONG_CELL = 32_767
"""The most characters an Excel cell holds; a quoted cell running over several lines and
longer than this is an unclosed quote, not a description."""

_MOJIBAKE_RE = re.compile(r"à¸|à¹|Ã[\x80-\xbf]")
# A Thai vowel or tone mark cannot follow a Latin letter or digit: such text is Latin-1 /
# Windows-1252 bytes read as TIS-620.
_NOT_THAI_RE = re.compile(r"[A-Za-z0-9][\u0E31\u0E34-\u0E3A\u0E47-\u0E4E]")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Control characters no spreadsheet cell holds (tab, line feed and return are fine)."""
_MAGIC = ((b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"), (b"%PDF", "pdf"),
          (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"), (b"\x89PNG", "image"),
          (b"\xff\xd8\xff", "image"), (b"GIF8", "image"), (b"\x1f\x8b", "gzip"))


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _utf16_without_bom(raw: bytes) -> str | None:
    """The text of UTF-16 bytes written without a BOM (every other byte NUL in ASCII
    text), or None when the bytes are not that."""
    if len(raw) < 4 or len(raw) % 2:
        return None
    even, odd = raw[0::2].count(0), raw[1::2].count(0)
    half = len(raw) // 2
    for zeros, codec in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros >= 0.3 * half and zeros > 3 * min(even, odd):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                return None
            return None if "\x00" in text else text
    return None


def decode_csv(path: Path, raw: bytes | None = None) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read with.

    Tried in order: UTF-16 (with BOM), UTF-8 (with or without BOM), UTF-16 without a BOM
    (when the bytes plainly are), TIS-620/cp874. A few NUL characters stay in the text
    (their lines are rejected by :func:`read_csv`).

    Returns:
        ``(text, encoding name)``.

    Raises:
        ImportFileError: none of them decodes the bytes; the text decodes but is mojibake
            (Thai already garbled by a wrong encoding); the file is not text at all.
    """
    raw = path.read_bytes() if raw is None else raw
    name = path.name
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            raise ImportFileError(name, *message("data.ingest.file.not_text",
                                                 what=message(f"data.ingest.binary.{what}")))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, enc = raw.decode("utf-16"), "UTF-16"
    elif b"\x00" in raw and (utf16 := _utf16_without_bom(raw)) is not None:
        text, enc = utf16, "UTF-16 (no BOM)"
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
    many = max(8, len(text) // 100)
    if text.count("\x00") > many:   # not a few stray NULs: UTF-16 or binary
        raise ImportFileError(name, *message("data.ingest.file.nul"))
    if len(CONTROL_RE.findall(text)) > many:
        raise ImportFileError(name, *message("data.ingest.file.not_text",
                                             what=message("data.ingest.binary.binary")))
    if m := _MOJIBAKE_RE.search(text):
        raise ImportFileError(name, *message(
            "data.ingest.file.mojibake", snippet=text[m.start():m.start() + 12],
            line=_line_of(text, m.start())))
    return text, enc


@contextmanager
def _field_limit(size: int):
    """Let the csv module read cells up to ``size`` characters (its default limit of
    131,072 would stop a whole file with ``_csv.Error``)."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, size + 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _dialect(text: str):
    sample = CONTROL_RE.sub("", text[:8192])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _alone(line: str, dialect) -> list[str]:
    """One physical line read as a row of its own."""
    return next(csv.reader([line], dialect), [])


def _shape(cell: str) -> str:
    """What the first cell of a row looks like: digits, empty or text."""
    cell = cell.strip()
    return "empty" if not cell else "digits" if _DIGITS_RE.fullmatch(cell) else "text"


_DIGITS_RE = re.compile(r"[0-9\u0e50-\u0e59.,]+")


class _RowShape:
    """What the rows of a file look like (from the rows on one line each): how many
    cells they have and what their first cell looks like."""

    def __init__(self, records: list[tuple[int, int, list[str]]]):
        """The shape of the single-line rows of ``records`` (the first is the header)."""
        single = [cells for start, end, cells in records[1:] if start == end and len(cells) > 1]
        self.width = int(statistics.median(len(c) for c in single)) if single else 0
        firsts = Counter(_shape(c[0]) for c in single)
        self.first = firsts.most_common(1)[0][0] if firsts else ""

    def like_a_row(self, cells: list[str]) -> bool:
        """Whether ``cells`` (one physical line read alone) look like a row of the file."""
        return (self.width >= 3 and len(cells) >= max(3, self.width - 1)
                and _shape(cells[0]) == self.first)


def read_csv(path: Path) -> Grid:
    """The one table of a CSV file, every physical line accounted for (see the module
    docstring).

    Raises:
        ImportFileError: the file cannot be read as text (see :func:`decode_csv`).
    """
    text, enc = decode_csv(path)
    log.info("%s read as %s", path.name, enc)
    lines = io.StringIO(text, newline="").readlines()
    dialect = _dialect(text)
    records: list[tuple[int, int, list[str]]] = []   # (first line, last line, cells)
    with _field_limit(len(text)):
        try:
            reader = csv.reader((CONTROL_RE.sub("", ln) for ln in lines), dialect)
            last = 0
            for cells in reader:
                records.append((last + 1, reader.line_num, cells))
                last = reader.line_num
        except csv.Error as exc:   # not expected once the limit is raised: never a traceback
            raise ImportFileError(path.name, *message("data.ingest.file.csv_error",
                                                      line=last + 1, error=str(exc))) from None
        shape = _RowShape(records)
        grid = Grid(None, [], lines=len(lines))
        for start, end, cells in records:
            if end > start and _swallowed(lines, start, end, cells, shape, dialect):
                col = max(len(_alone(CONTROL_RE.sub("", lines[start - 1]), dialect)) - 1, 0)
                for n in range(start, end + 1):
                    key = "open" if n == start else "inside"
                    _add(grid, lines[n - 1:n], _alone(CONTROL_RE.sub("", lines[n - 1]),
                                                      dialect),
                         n, ReadProblem("quote", f"data.ingest.line.quote_{key}",
                                        dict(line=n, start=start, end=end, column=col),
                                        col if n == start else None))
                continue
            grid.continuation += end - start
            _add(grid, lines[start - 1:end], cells, start, None)
    return grid


def _swallowed(lines: list[str], start: int, end: int, cells: list[str], shape: _RowShape,
               dialect) -> bool:
    """Whether a quoted cell running over lines ``start``–``end`` swallowed whole rows (a
    quote left open) rather than holding line breaks: it runs to the end of the file
    without its closing quote, or it is longer than a cell can be, or two of its lines
    look like rows of the file (one, when the row it ends has not the usual number of
    cells)."""
    if any(len(c) > LONG_CELL for c in cells):
        return True
    if end == len(lines):
        try:
            for _ in csv.reader((CONTROL_RE.sub("", ln) for ln in lines[start - 1:end]),
                                dialect, strict=True):
                pass
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                return True
    rows = sum(shape.like_a_row(_alone(CONTROL_RE.sub("", lines[n - 1]), dialect))
               for n in range(start + 1, end + 1))
    return rows >= 2 or (rows == 1 and len(cells) != shape.width)


def _add(grid: Grid, raw: list[str], cells: list[str], line: int,
         quote: ReadProblem | None) -> None:
    """Append one row read from the physical lines ``raw`` (the first is line ``line``;
    the row's number is its place among the rows, as a spreadsheet numbers the rows of a
    CSV file) with what was wrong on its lines."""
    number = len(grid.rows) + 1
    problems = [quote] if quote else []
    for k, text in enumerate(raw):
        if m := CONTROL_RE.search(text):
            char = m.group()
            nul = char == "\x00"
            problems.append(ReadProblem(
                "nul" if nul else "control_char",
                "data.ingest.line.nul" if nul else "data.ingest.line.control_char",
                dict(line=line + k, code=f"U+{ord(char):04X}")))
            break
    if problems:
        grid.problems[number] = problems
    grid.rows.append((number, cells))

"""Import the files people really have: village needs, committee stages, proposals and
quarterly progress, from XLSX or CSV.

``import_files(paths, db_path)`` reads each file, finds its header row (below title rows and
merged cells), tells the kind from the headers (:data:`oneplan.data.templates.KINDS`), reads
every row with the column specs, checks references against the database, and loads the
accepted rows in one transaction per file. Rows that fail are never dropped: they are
written, in template layout and with their reasons, to ``<name>.rejected.xlsx`` which the
user fixes and imports again. Every import keeps ``accepted + rejected == rows read``.

Decisions (see ``docs/import.md``):

* Unknown columns are a **warning** (people add remark columns); they are ignored, but kept
  in the rejects file so nothing typed is lost. A missing *required* column rejects every
  row with that reason (the rejects file then has the column, to fill in).
* Rows whose key appears more than once in a file are **all** rejected: the importer does
  not guess which copy is right.
* Re-importing: a row whose key is in the database with the same content hash is
  ``unchanged`` (nothing is written, its source stays the first file); changed content is
  ``updated`` (only the columns present in the file are written). Columns other modules own
  (``needs.stage``, ``authority``, ``proposals.status`` when blank) are not overwritten.
* Fiscal years must be พ.ศ.; a ค.ศ.-looking year (2027) is rejected with the พ.ศ. it would
  be, not converted. Two-digit years (15/03/67) are rejected as ambiguous. Excel date cells
  whose year is 2400 or more are พ.ศ. typed into a ค.ศ. cell and are converted (−543).
* CSV files must be UTF-8 (with or without BOM), UTF-16 with BOM or TIS-620/cp874; text
  that decodes but looks like mojibake is an error, never loaded.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import logging
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from oneplan.core import areas, thai, vocab
from oneplan.data import db
from oneplan.data.templates import (
    FIRST_DATA_ROW,
    KINDS,
    REFERENCE_SHEETS,
    REJECT_COLUMNS,
    Column,
    Kind,
    write_sheet,
)

log = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 30
"""Header rows are looked for in the first rows of a sheet (titles, merged group cells)."""
MIN_HEADER_MATCHES = 2
MIN_DATE, MAX_DATE = date(1990, 1, 1), date(2100, 12, 31)
MIN_FY, MAX_FY = 2500, 2700


class ImportFileError(ValueError):
    """A whole file cannot be read (format, encoding, no header row); nothing is loaded.

    Attributes:
        th: the message in Thai; ``str(exc)`` is the English one.
    """

    def __init__(self, file: str, th: str, en: str):
        self.file, self.th, self.en = file, th, en
        super().__init__(f"{file}: {en}")


@dataclass
class Problem:
    """Why one cell (or row) was rejected."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None          # column letter as the spreadsheet shows it
    header: str | None          # the header of that column (in the file, or the template's)
    code: str                   # error type, e.g. village_unknown
    value: object
    th: str
    en: str
    field: str | None = None    # the template column code (None for row-level problems)

    def where(self, lang: str = "en") -> str:
        """``file, sheet "x", row 7, column C "header"`` in Thai or English."""
        th = lang == "th"
        parts = [self.file]
        if self.sheet:
            parts.append(f'ชีต "{self.sheet}"' if th else f'sheet "{self.sheet}"')
        if self.row:
            parts.append(f"แถว {self.row}" if th else f"row {self.row}")
        if self.column or self.header:
            col = ("คอลัมน์" if th else "column") + (f" {self.column}" if self.column else "")
            parts.append(col + (f' "{self.header}"' if self.header else ""))
        return ", ".join(parts)

    def text(self, lang: str = "en") -> str:
        """Location and message, e.g. ``f.csv, row 5, column D "Village code": ...``."""
        return f"{self.where(lang)}: {self.th if lang == 'th' else self.en}"


@dataclass
class SheetResult:
    """Counts and problems of one sheet (one kind) of one file."""

    file: str
    sheet: str | None
    kind: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)   # (th, en)

    @property
    def accepted(self) -> int:
        return self.inserted + self.updated + self.unchanged


@dataclass
class FileResult:
    """What happened to one input file."""

    path: Path
    sheets: list[SheetResult] = field(default_factory=list)
    rejects_path: Path | None = None
    error: ImportFileError | None = None
    skipped_sheets: list[str] = field(default_factory=list)   # no header row found
    hidden_sheets: list[str] = field(default_factory=list)    # hidden in Excel: not read

    def total(self, attr: str) -> int:
        return sum(getattr(s, attr) for s in self.sheets)


class _Bad(Exception):
    """A cell value that does not parse (code, Thai message, English message)."""

    def __init__(self, code: str, th: str, en: str):
        super().__init__(en)
        self.code, self.th, self.en = code, th, en


# --- reading files into grids ----------------------------------------------------------

@dataclass
class _Grid:
    sheet: str | None
    rows: list[tuple[int, list]]     # (row number the user sees, cell values)
    hidden: bool = False


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (
        isinstance(v, float) and math.isnan(v))


def _read_xlsx(path: Path) -> list[_Grid]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException …
        raise ImportFileError(
            path.name, f"เปิดไฟล์ Excel ไม่ได้ ({type(exc).__name__}): ไฟล์อาจเสียหรือไม่ใช่ .xlsx",
            f"cannot open it as an Excel .xlsx workbook ({type(exc).__name__}: {exc})") from None
    grids = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            grids.append(_Grid(ws.title, [], hidden=True))   # named in the summary, not read
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
            grids.append(_Grid(ws.title, []))
            continue
        nrow = max(r for r, _ in values)
        ncol = max(c for _, c in values)
        rows = [(r, [values.get((r, c)) for c in range(1, ncol + 1)])
                for r in range(1, nrow + 1)]
        grids.append(_Grid(ws.title, rows))
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
                line = raw.count(b"\n", 0, utf8_error.start) + 1
                raise ImportFileError(
                    name,
                    f"อ่านไฟล์ไม่ได้: ไม่ใช่ UTF-8 และไม่ใช่ TIS-620/cp874 (ไบต์ "
                    f"0x{raw[utf8_error.start]:02X} บรรทัด {line}); ให้บันทึกใหม่เป็น "
                    "\"CSV UTF-8\"",
                    f"cannot read it: it is neither UTF-8 nor TIS-620/cp874 (byte "
                    f"0x{raw[utf8_error.start]:02X} on line {line}); save it again as "
                    "\"CSV UTF-8\"") from None
            if m := _NOT_THAI_RE.search(text):
                line = _line_of(text, m.start())
                raise ImportFileError(
                    name,
                    f"อ่านไฟล์ไม่ได้: ไม่ใช่ UTF-8 และอ่านเป็น TIS-620 แล้วได้ข้อความเพี้ยน "
                    f"(\"{text[max(0, m.start() - 8):m.end() + 8]}\" บรรทัด {line}); "
                    "ให้บันทึกใหม่เป็น \"CSV UTF-8\"",
                    f"cannot read it: it is not UTF-8, and read as TIS-620 it gives garbled "
                    f"text (\"{text[max(0, m.start() - 8):m.end() + 8]}\" on line {line}); "
                    "save it again as \"CSV UTF-8\"")
    if "\x00" in text:
        raise ImportFileError(
            name, "อ่านไฟล์ไม่ได้: ไฟล์มีอักขระ NUL (น่าจะเป็น UTF-16 ที่ไม่มี BOM); "
                  "ให้บันทึกใหม่เป็น \"CSV UTF-8\"",
            "cannot read it: it contains NUL characters (UTF-16 without a BOM?); save it "
            "again as \"CSV UTF-8\"")
    if m := _MOJIBAKE_RE.search(text):
        line = _line_of(text, m.start())
        raise ImportFileError(
            name,
            f"ข้อความภาษาไทยในไฟล์เพี้ยนแล้ว (\"{text[m.start():m.start() + 12]}\" บรรทัด "
            f"{line}): ไฟล์ถูกเปิดด้วยการเข้ารหัสผิดแล้วบันทึกทับ; ใช้ไฟล์ต้นฉบับ",
            f"the Thai text in it is already garbled (mojibake \"{text[m.start():m.start() + 12]}"
            f"\" on line {line}): it was opened with a wrong encoding and saved; use the "
            "original file")
    return text, enc


def _read_csv(path: Path) -> list[_Grid]:
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
    return [_Grid(None, rows)]


def read_grids(path: str | Path) -> list[_Grid]:
    """Every visible sheet of an XLSX file, or the one table of a CSV file, as rows of cells.

    Raises:
        ImportFileError: the file is missing, of another format, or unreadable.
    """
    path = Path(path)
    if not path.exists():
        raise ImportFileError(path.name, "ไม่พบไฟล์", f"file not found: {path}")
    ext = path.suffix.lower()
    if ext in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if ext in (".csv", ".txt", ".tsv"):
        return _read_csv(path)
    if ext == ".xls":
        raise ImportFileError(path.name, "ไฟล์ .xls (Excel รุ่นเก่า) ใช้ไม่ได้: ให้บันทึกเป็น .xlsx",
                              "old Excel .xls files are not read: save it as .xlsx")
    raise ImportFileError(path.name, f"ไม่รู้จักไฟล์ชนิด \"{ext}\": ใช้ .xlsx หรือ .csv",
                          f"unknown file type \"{ext}\": use .xlsx or .csv")


# --- header detection ------------------------------------------------------------------

def _thai_typing(text: str) -> str:
    """Undo two Thai typing habits that look right on screen: นิคหิต + สระอา for สระอำ
    (ํา → ำ) and two เ for แ (เเ → แ); NFC does not fold either."""
    return text.replace("\u0e4d\u0e32", "\u0e33").replace("\u0e40\u0e40", "\u0e41")


def _norm_header(h: object) -> str:
    text = _thai_typing(unicodedata.normalize("NFC", str(h)).replace("\u200b", "")
                        ).replace("*", "")
    return re.sub(r"\s+", "", text).rstrip(":").casefold()


def _strip_parens(h: str) -> str:
    return re.sub(r"\([^)]*\)", "", str(h))


def _header_index(kind: Kind) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for col in kind.columns:
        for h in col.headers():
            index.setdefault(_norm_header(h), col)
    return index


_INDEXES = {name: _header_index(k) for name, k in KINDS.items()}
_REJECT_HEADERS = {_norm_header(h): code for code, th, en in REJECT_COLUMNS for h in (th, en)}


def match_header(kind: Kind, header: object) -> Column | None:
    """The column of ``kind`` a header names (Thai, English, code or alias; ``*``, spaces,
    case and a trailing ``(...)`` ignored), or None."""
    if _blank(header):
        return None
    index = _INDEXES[kind.name]
    return index.get(_norm_header(header)) or index.get(_norm_header(_strip_parens(header)))


@dataclass
class _Header:
    kind: Kind
    first_row: int                     # index into grid.rows of the first data row
    columns: dict[int, Column]         # cell index -> spec column
    unknown: dict[int, str]            # cell index -> header text
    reject_cols: dict[int, str]        # cell index -> rejects-file column (_file, _row, …)
    header_text: dict[int, str]
    repeated: dict[int, int] = field(default_factory=dict)   # cell index -> first index


def _combined(grid: _Grid, i: int, span: int) -> list:
    rows = [grid.rows[k][1] for k in range(i, i + span)]
    width = max(len(r) for r in rows)
    out = []
    for j in range(width):
        cell = None
        for r in rows:   # the lowest non-empty cell of the header block names the column
            if j < len(r) and not _blank(r[j]):
                cell = r[j]
        out.append(cell)
    return out


def _score(kind: Kind, headers: list) -> int:
    return len({c.code for h in headers if (c := match_header(kind, h))})


def detect_header(grid: _Grid, kind_name: str | None = None, *, file: str = ""
                  ) -> _Header | None:
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
        raise ImportFileError(
            file, f"บอกไม่ได้ว่าเป็นไฟล์ประเภทใด ({' หรือ '.join(winners)}): ใช้ --kind",
            f"cannot tell the kind of data ({' or '.join(winners)}) from the headers of sheet "
            f"{grid.sheet or ''!r}: use --kind")
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
        if _blank(h):
            continue
        texts[j] = str(h).strip()
        col = match_header(kind, h)
        if col is not None and col not in columns.values():
            columns[j] = col
        elif col is not None:
            repeated[j] = next(k for k, c in columns.items() if c is col)
            unknown[j] = str(h).strip()
        elif _norm_header(h) in _REJECT_HEADERS:
            rejects[j] = _REJECT_HEADERS[_norm_header(h)]
        else:
            unknown[j] = str(h).strip()
    return _Header(kind, i + span, columns, unknown, rejects, texts, repeated)


def is_header_row(kind: Kind, cells: list) -> bool:
    """Whether a row below the header is another header row (the template's English
    headers, or the header repeated on every printed page): at least
    :data:`MIN_HEADER_MATCHES` cells, all of them headers of ``kind``."""
    values = [v for v in cells if not _blank(v)]
    return len(values) >= MIN_HEADER_MATCHES and all(
        match_header(kind, v) or _norm_header(v) in _REJECT_HEADERS for v in values)


# --- cell parsers ----------------------------------------------------------------------

def _show(v: object) -> str:
    if isinstance(v, datetime):
        v = v.date() if not v.time() else v
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return f'"{v}"'


def _text(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, datetime):
        v = v.date()
    return _thai_typing(unicodedata.normalize("NFC", str(v)).replace("\u200b", "")).strip()


def _digits_text(v: object) -> str:
    return thai.thai_digits_to_arabic(_text(v))


def _parse_id(v: object, col: Column) -> str:
    text = re.sub(r"\s+", " ", _digits_text(v))
    return text


def _parse_text(v: object, col: Column) -> str:
    return _text(v)


_MILLION_RE = re.compile(r"^(.*?)\s*ล้าน\s*(บาท)?\s*$")


def _number(v: object, col: Column) -> float:
    if isinstance(v, bool):
        raise _Bad("number", f"{_show(v)} ไม่ใช่ตัวเลข", f"{_show(v)} is not a number")
    if isinstance(v, (int, float)):
        return float(v)
    text = _digits_text(v)
    scale = 1.0
    if m := _MILLION_RE.match(text):
        text, scale = m[1], 1e6
    text = re.sub(r"\s*(ครัวเรือน|คน|หลังคาเรือน|หลัง)$", "", text)
    try:
        x = thai.parse_number(text)
    except thai.ThaiNumberError:
        raise _Bad("number", f"{_show(v)} ไม่ใช่ตัวเลข: ต้องเป็นตัวเลข เช่น 1,234.50",
                   f"{_show(v)} is not a number: expected a number such as 1,234.50") from None
    return x * scale


def _parse_int(v: object, col: Column) -> int:
    x = _number(v, col)
    if not float(x).is_integer():
        raise _Bad("integer", f"{_show(v)} ไม่ใช่จำนวนเต็ม: ต้องเป็นจำนวนเต็ม เช่น 120",
                   f"{_show(v)} is not a whole number: expected a whole number such as 120")
    if x < 0:
        raise _Bad("negative", f"{_show(v)} ติดลบ: ต้องเป็น 0 หรือมากกว่า",
                   f"{_show(v)} is negative: expected 0 or more")
    return int(x)


def _parse_money(v: object, col: Column) -> float:
    x = _number(v, col)
    if x < 0 or (col.positive and x == 0):
        more = "มากกว่า 0" if col.positive else "0 หรือมากกว่า"
        raise _Bad("money_range", f"{_show(v)} ใช้ไม่ได้: จำนวนเงินต้อง{more} (บาท)",
                   f"{_show(v)} cannot be used: the amount must be "
                   f"{'more than 0' if col.positive else '0 or more'} (baht)")
    return round(x, 2)


def _parse_pct(v: object, col: Column) -> float:
    text = _digits_text(v).rstrip("%").strip() if isinstance(v, str) else v
    x = _number(text, col)
    if not 0 <= x <= 100:
        raise _Bad("pct_range", f"{_show(v)} อยู่นอกช่วง: ร้อยละต้องอยู่ระหว่าง 0 ถึง 100",
                   f"{_show(v)} is out of range: a percentage must be between 0 and 100")
    return round(x, 2)


def _parse_date(v: object, col: Column) -> date:
    if isinstance(v, (datetime, date)):
        d = v.date() if isinstance(v, datetime) else v
        if d.year >= thai.MIN_BE:
            # Excel stored the พ.ศ. year the user typed as a ค.ศ. year (15/03/2567 → 2567 AD)
            d = d.replace(year=d.year - thai.BE_OFFSET)
    elif isinstance(v, (int, float)):
        raise _Bad("date", f"{_show(v)} เป็นตัวเลข ไม่ใช่วันที่: ต้องเป็นวันที่ เช่น 15/03/2567",
                   f"{_show(v)} is a number, not a date: expected a date such as 15/03/2567")
    else:
        text = _text(v)
        try:
            d = thai.parse_thai_date(text)
        except thai.ThaiDateError as exc:
            digits = thai.thai_digits_to_arabic(text)
            if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}", digits) or re.fullmatch(
                    r"\d{1,2}\s*\D+?\s*\d{2}", digits):
                yy = int(re.findall(r"\d+", digits)[-1])
                raise _Bad("date_ambiguous",
                           f"{_show(v)} มีปีเพียง 2 หลัก อาจเป็น พ.ศ. {2500 + yy} หรือ ค.ศ. "
                           f"{2000 + yy}: ให้เขียนปีเต็ม 4 หลัก เช่น 15/03/2567",
                           f"{_show(v)} has a two-digit year, which could be {2500 + yy} "
                           f"(พ.ศ.) or {2000 + yy} (ค.ศ.): write the full year, e.g. "
                           "15/03/2567") from None
            raise _Bad("date", f"{_show(v)} อ่านเป็นวันที่ไม่ได้: ต้องเป็นวันที่ เช่น 15/03/2567 "
                               "หรือ 15 มี.ค. 2567",
                       f"{_show(v)} is not a date: expected a date such as 15/03/2567 or "
                       f"15 มี.ค. 2567 ({exc})") from None
    if not MIN_DATE <= d <= MAX_DATE:
        raise _Bad("date_range",
                   f"{_show(v)} ไม่น่าใช่: ปี พ.ศ. {d.year + 543} อยู่นอกช่วง "
                   f"{MIN_DATE.year + 543}–{MAX_DATE.year + 543}",
                   f"{_show(v)} is not plausible: the year {d.year} (พ.ศ. {d.year + 543}) is "
                   f"outside {MIN_DATE.year}–{MAX_DATE.year}")
    return d


def _parse_fiscal_year(v: object, col: Column) -> int:
    text = _digits_text(v)
    text = re.sub(r"^(ปีงบประมาณ|ปีงบ|ปี|พ\.ศ\.|fy)\s*(พ\.ศ\.)?\s*", "", text,
                  flags=re.IGNORECASE).strip()
    if not re.fullmatch(r"\d{4}(\.0+)?", text):
        raise _Bad("fiscal_year", f"{_show(v)} ไม่ใช่ปีงบประมาณ: ต้องเป็นปี พ.ศ. 4 หลัก เช่น 2570",
                   f"{_show(v)} is not a fiscal year: expected a four-digit พ.ศ. year such "
                   "as 2570")
    y = int(float(text))
    if MIN_FY - 543 <= y <= MAX_FY - 543:
        raise _Bad("fiscal_year_ce",
                   f"{_show(v)} ดูเหมือนปี ค.ศ.: ปีงบประมาณต้องเป็น พ.ศ. (ค.ศ. {y} = พ.ศ. "
                   f"{y + 543})",
                   f"{_show(v)} looks like a ค.ศ. (CE) year: fiscal years are written in พ.ศ. "
                   f"(CE {y} = พ.ศ. {y + 543})")
    if not MIN_FY <= y <= MAX_FY:
        raise _Bad("fiscal_year", f"{_show(v)} ไม่ใช่ปีงบประมาณ: ต้องเป็นปี พ.ศ. {MIN_FY}–{MAX_FY}",
                   f"{_show(v)} is not a fiscal year: expected a พ.ศ. year {MIN_FY}–{MAX_FY}")
    return y


def _parse_quarter(v: object, col: Column) -> int:
    text = _digits_text(v)
    text = re.sub(r"^(ไตรมาสที่|ไตรมาส|q)\s*", "", text, flags=re.IGNORECASE).strip()
    if re.fullmatch(r"\d+(\.0+)?", text) and 1 <= int(float(text)) <= 4:
        return int(float(text))
    raise _Bad("quarter", f"{_show(v)} ไม่ใช่ไตรมาส: ต้องเป็น 1, 2, 3 หรือ 4",
               f"{_show(v)} is not a quarter: expected 1, 2, 3 or 4")


def _parse_vocab(v: object, col: Column) -> str:
    try:
        return vocab.lookup(col.vocab, _text(v))
    except vocab.UnknownTermError:
        th_list = ", ".join(n[0] for n in col.vocab.values())
        en_list = ", ".join(f"{c} ({n[1]})" for c, n in col.vocab.items())
        raise _Bad("vocab", f"{_show(v)} ไม่อยู่ในรายการ: ต้องเป็นหนึ่งใน {th_list}",
                   f"{_show(v)} is not in the list: expected one of {en_list}") from None


_NO_ATTACHMENT = {"-", "–", "—", "ไม่มี", "ไม่มีเอกสาร", "no", "none", "n/a", "na", "ยังไม่มี"}


def _parse_attachment(v: object, col: Column) -> str | None:
    text = _text(v)
    return None if text.casefold() in _NO_ATTACHMENT else text


def _parse_code(v: object, digits: int, what_th: str, what_en: str, example: str) -> str:
    text = re.sub(r"[\s-]", "", _digits_text(v))
    if not re.fullmatch(rf"\d{{{digits}}}", text):
        raise _Bad(f"{what_en.replace(' ', '_').replace('-', '')}_format",
                   f"{_show(v)} ไม่ใช่{what_th}: ต้องเป็นตัวเลข {digits} หลัก เช่น {example}",
                   f"{_show(v)} is not a {what_en} code: expected {digits} digits, e.g. "
                   f"{example}")
    return text


_PARSERS = {
    "text": _parse_text, "id": _parse_id, "int": _parse_int, "money": _parse_money,
    "pct": _parse_pct, "date": _parse_date, "fiscal_year": _parse_fiscal_year,
    "quarter": _parse_quarter, "vocab": _parse_vocab, "attachment": _parse_attachment,
    # reference types: parsed to text here, checked against the database in _References
    "village": lambda v, c: _parse_code(v, 8, "รหัสหมู่บ้าน", "village", "32010101"),
    "subdistrict": lambda v, c: _parse_code(v, 6, "รหัสตำบล", "sub-district", "320101"),
    "district": lambda v, c: _parse_code(v, 4, "รหัสอำเภอ", "district", "3201"),
    "province": lambda v, c: _text(v), "agency": _parse_id, "strategy": None,
    "project": _parse_id, "need": _parse_id,
}


def _parse_strategy(v: object, col: Column) -> int:
    text = _digits_text(v)
    text = re.sub(r"^(ประเด็นยุทธศาสตร์ที่|ประเด็นยุทธศาสตร์|ยุทธศาสตร์ที่|ประเด็นที่|ที่)\s*",
                  "", text).strip()
    if re.fullmatch(r"\d+(\.0+)?", text):
        return int(float(text))
    raise _Bad("strategy", f"{_show(v)} ไม่ใช่เลขประเด็นยุทธศาสตร์: ต้องเป็นตัวเลข เช่น 1",
               f"{_show(v)} is not a strategic issue number: expected a number such as 1")


_PARSERS["strategy"] = _parse_strategy


# --- references in the database --------------------------------------------------------

class _References:
    """Codes and ids the rows are checked against (loaded once per import run)."""

    def __init__(self, con):
        self.villages = {r[0] for r in con.execute(
            "SELECT code FROM areas WHERE level = 'village'").fetchall()}
        self.area_names = dict(con.execute(
            "SELECT code, name_th FROM areas WHERE level <> 'village'").fetchall())
        self.levels = dict(con.execute(
            "SELECT code, level FROM areas WHERE level <> 'village'").fetchall())
        self.moo_by_sub: dict[str, list[int]] = {}
        for code in self.villages:
            self.moo_by_sub.setdefault(code[:6], []).append(int(code[6:]))
        self._close: dict[str, list[str]] = {}
        self.agencies: dict[str, tuple[str, str | None]] = {}   # norm name/id -> (id, prov)
        self.agency_ids: dict[str, str | None] = {}
        for aid, th, en, prov in con.execute(
                "SELECT agency_id, name_th, name_en, province_code FROM agencies").fetchall():
            self.agency_ids[aid] = prov
            for key in (aid, th, en):
                if key:
                    self.agencies.setdefault(vocab.term_key(key), (aid, prov))
        self.strategies: dict[str, set[int]] = {}
        for prov, no in con.execute(
                "SELECT province_code, issue_no FROM strategic_issues").fetchall():
            self.strategies.setdefault(prov, set()).add(int(no))
        self.projects = {r[0] for r in con.execute(
            "SELECT project_id FROM proposals UNION SELECT project_id FROM water_projects"
        ).fetchall()}
        self.needs = {r[0] for r in con.execute("SELECT need_id FROM needs").fetchall()}
        # keys loaded by this run: (kind, key) -> (file, row); two files of one import that
        # carry the same key overwrite each other, which the user should hear about
        self.run_keys: dict[tuple, tuple[str, int]] = {}

    def village(self, code: str) -> None:
        if code in self.villages:
            return
        sub = code[:6]
        if self.levels.get(sub) != "subdistrict":
            raise _Bad("village_unknown",
                       f"ไม่พบรหัสหมู่บ้าน {code}: ไม่มีตำบลรหัส {sub} (6 หลักแรกต้องเป็นรหัสตำบล)",
                       f"village code {code} not found: there is no sub-district {sub} (the "
                       "first 6 digits must be a sub-district code)")
        moos = sorted(self.moo_by_sub.get(sub, []))
        have_th = f"มีหมู่ที่ 1–{moos[-1]}" if moos else "ยังไม่มีหมู่บ้านในฐานข้อมูล"
        have_en = f"it has หมู่ 1–{moos[-1]}" if moos else "it has no villages in the database"
        raise _Bad("village_unknown",
                   f"ไม่พบรหัสหมู่บ้าน {code}: ตำบล{self.area_names[sub]} ({sub}) ไม่มีหมู่ที่ "
                   f"{int(code[6:])} ({have_th})",
                   f"village code {code} not found: sub-district {sub} has no หมู่ "
                   f"{int(code[6:])} ({have_en})")

    def area(self, code: str, level: str) -> None:
        if self.levels.get(code) != level:
            th = {"district": "อำเภอ", "subdistrict": "ตำบล"}[level]
            raise _Bad(f"{level}_unknown", f"ไม่พบรหัส{th} {code}",
                       f"{level.replace('sub', 'sub-')} code {code} not found")

    def agency(self, text: str) -> tuple[str, str | None]:
        hit = self.agencies.get(vocab.term_key(text))
        if hit:
            return hit
        if text not in self._close:   # many rows often repeat one misspelt agency
            self._close[text] = difflib.get_close_matches(text, list(self.agency_ids), n=1,
                                                          cutoff=0.7)
        close = self._close[text]
        hint_th = f" (หรือหมายถึง {close[0]}?)" if close else ""
        hint_en = f" (did you mean {close[0]}?)" if close else ""
        raise _Bad("agency_unknown",
                   f"ไม่พบหน่วยงาน \"{text}\" ในทะเบียนหน่วยงาน: ต้องเป็นรหัสหรือชื่อเต็มของหน่วยงาน"
                   f"{hint_th}",
                   f"agency \"{text}\" is not in the agencies register: expected an agency "
                   f"id or its full name{hint_en}")

    def strategy(self, province_code: str, no: int) -> None:
        have = sorted(self.strategies.get(province_code, ()))
        if no in have:
            return
        name = areas.province(province_code).name_th
        listed = ", ".join(map(str, have)) or "-"
        raise _Bad("strategy_unknown",
                   f"จังหวัด{name}ไม่มีประเด็นยุทธศาสตร์ที่ {no} (มี {listed})",
                   f"province {province_code} has no strategic issue {no} (it has {listed})")

    def project(self, pid: str) -> None:
        if pid not in self.projects:
            raise _Bad("project_unknown",
                       f"ไม่พบรหัสโครงการ {pid}: ต้องนำเข้าข้อเสนอโครงการก่อน",
                       f"project {pid} not found: import its proposal first")

    def need(self, nid: str) -> None:
        if nid not in self.needs:
            raise _Bad("need_unknown", f"ไม่พบรหัสความต้องการ {nid}",
                       f"need {nid} not found")


def _province_of(text: str) -> str:
    t = _digits_text(text)
    t = re.sub(r"^จังหวัด|^จ\.", "", t).strip()
    if re.fullmatch(r"\d{2}", t):
        try:
            return areas.province(t).code
        except areas.UnknownAreaError:
            pass
    for p in areas.all_provinces():
        if vocab.term_key(t) in (vocab.term_key(p.name_th), vocab.term_key(p.name_en)):
            return p.code
    raise _Bad("province_unknown", f"\"{text}\" ไม่ใช่จังหวัด: ต้องเป็นรหัส 2 หลักหรือชื่อจังหวัด",
               f"\"{text}\" is not a province: expected a 2-digit code or a province name")


# --- rows ------------------------------------------------------------------------------

@dataclass
class _Row:
    sheet: str | None
    number: int
    raw: dict[str, object]          # column code -> cell value as typed
    extra: dict[str, object]        # unknown column header -> cell value
    values: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    key: tuple | None = None
    # where the row was first typed, when it comes back in a rejects file: (file, sheet, row)
    origin: tuple[str, str | None, int] | None = None

    @property
    def source(self) -> tuple[str | None, str | None, int]:
        """(file or None for the file being read, sheet, row) stored with the row."""
        return self.origin or (None, self.sheet, self.number)


def _letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


class _Checker:
    """Parses and checks the rows of one sheet of one kind."""

    def __init__(self, file: str, grid: _Grid, header: _Header, refs: _References):
        self.file, self.grid, self.h, self.refs = file, grid, header, refs
        self.kind = header.kind
        self.where = {c.code: (_letter(j), header.header_text[j])
                      for j, c in header.columns.items()}
        self.headless: dict[str, int] = {}   # column letter -> first row with a value

    def problem(self, row: _Row, code: str | None, err: _Bad) -> None:
        letter, header = self.where.get(code, (None, None)) if code else (None, None)
        if code and header is None:
            header = self.kind.column(code).th
        row.problems.append(Problem(self.file, row.sheet, row.number, letter, header,
                                    err.code, row.raw.get(code) if code else None,
                                    err.th, err.en, code))

    def rows(self) -> list[_Row]:
        out = []
        for number, cells in self.grid.rows[self.h.first_row:]:
            if all(_blank(v) for v in cells) or is_header_row(self.kind, cells):
                continue
            raw = {c.code: (cells[j] if j < len(cells) else None)
                   for j, c in self.h.columns.items()}
            extra = {t: cells[j] for j, t in self.h.unknown.items()
                     if j < len(cells) and not _blank(cells[j])}
            for j, v in enumerate(cells):
                # values under no header at all: not imported, but never silently dropped
                if j not in self.h.header_text and not _blank(v):
                    extra[f"({_letter(j)})"] = v
                    self.headless.setdefault(_letter(j), number)
            row = _Row(self.grid.sheet, number, raw, extra, origin=self._origin(cells))
            self.check(row)
            out.append(row)
        return out

    def _origin(self, cells: list) -> tuple[str, str | None, int] | None:
        """The original file, sheet and row a rejects file names for a row."""
        got = {code: cells[j] for j, code in self.h.reject_cols.items() if j < len(cells)}
        file, row = got.get("_file"), got.get("_row")
        if _blank(file) or _blank(row):
            return None
        try:
            number = int(float(_digits_text(row)))
        except ValueError:
            return None
        sheet = got.get("_sheet")
        return _text(file), None if _blank(sheet) else _text(sheet), number

    def check(self, row: _Row) -> None:
        present = set(self.where)
        for col in self.kind.columns:
            if col.code not in present:
                if col.required:
                    self.problem(row, col.code, _Bad(
                        "missing_column",
                        f"ไม่มีคอลัมน์ \"{col.th}\" ({col.en}) ซึ่งต้องกรอก",
                        f"the file has no column \"{col.th}\" ({col.en}), which is required"))
                continue
            v = row.raw.get(col.code)
            if _blank(v):
                row.values[col.code] = None
                if col.required:
                    self.problem(row, col.code, _Bad(
                        "required", f"ต้องกรอก: {col.hint_th}", f"required: {col.hint_en}"))
                continue
            try:
                row.values[col.code] = _PARSERS[col.type](v, col)
            except _Bad as err:
                self.problem(row, col.code, err)
                row.values[col.code] = None
        self.references(row)
        getattr(self, f"finish_{self.kind.name}")(row)
        # problems in the order of the columns, as the user reads the row
        order = {c.code: i for i, c in enumerate(self.kind.columns)}
        cols = {c.code: j for j, c in self.h.columns.items()}
        row.problems.sort(key=lambda p: (cols.get(p.field, -1), order.get(p.field, -1)))

    def _try(self, row: _Row, code: str, fn, *args):
        try:
            return fn(*args)
        except _Bad as err:
            self.problem(row, code, err)
            return None

    def references(self, row: _Row) -> None:
        v = row.values
        for col in self.kind.columns:
            val = v.get(col.code)
            if val is None:
                continue
            if col.type == "village":
                try:
                    self.refs.village(val)
                except _Bad as err:
                    self.problem(row, col.code, err)
                    v[col.code] = None
            elif col.type in ("district", "subdistrict"):
                try:
                    self.refs.area(val, col.type)
                except _Bad as err:
                    self.problem(row, col.code, err)
                    v[col.code] = None
            elif col.type == "agency":
                hit = self._try(row, col.code, self.refs.agency, val)
                v[col.code] = hit[0] if hit else None
                row.values["_agency_province"] = hit[1] if hit else None
            elif col.type == "project":
                self._try(row, col.code, self.refs.project, val)
            elif col.type == "need":
                self._try(row, col.code, self.refs.need, val)
            elif col.type == "province":
                v[col.code] = self._try(row, col.code, _province_of, val)

    def _strategy(self, row: _Row, province_code: str | None) -> None:
        no = row.values.get("strategy_no")
        if no is not None and province_code:
            self._try(row, "strategy_no", self.refs.strategy, province_code, no)

    def finish_needs(self, row: _Row) -> None:
        v = row.values
        vc = v.get("village_code")
        if vc:
            v["subdistrict_code"], v["district_code"], v["province_code"] = \
                vc[:6], vc[:4], vc[:2]
            self._strategy(row, vc[:2])
        if not v.get("need_id"):
            if v.get("item_no") is not None and vc and v.get("fiscal_year"):
                v["need_id"] = f"{v['fiscal_year']}-{vc}-{v['item_no']:03d}"
            elif "item_no" not in self.where and "need_id" not in self.where:
                self.problem(row, "item_no", _Bad(
                    "missing_column",
                    "ไม่มีคอลัมน์ \"รหัสความต้องการ\" หรือ \"ลำดับที่\": ต้องมีอย่างใดอย่างหนึ่ง",
                    "the file has neither a \"รหัสความต้องการ\" (Need ID) nor a \"ลำดับที่\" "
                    "(Item no.) column: one of them is required"))
            elif _blank(row.raw.get("item_no")):
                self.problem(row, "need_id" if "need_id" in self.where else "item_no", _Bad(
                    "need_key", "ต้องกรอกรหัสความต้องการ หรือ ลำดับที่ อย่างใดอย่างหนึ่ง",
                    "required: a need ID or an item number"))
        row.key = (v["need_id"],) if v.get("need_id") else None

    def finish_proposals(self, row: _Row) -> None:
        v = row.values
        prov = v.get("province_code")
        codes = [(c, v.get(c)) for c in ("village_code", "subdistrict_code", "district_code")]
        given = [(c, x) for c, x in codes if x]
        for (c1, x1), (c2, x2) in zip(given, given[1:]):
            if not x1.startswith(x2):
                self.problem(row, c1, _Bad(
                    "location_mismatch",
                    f"{x1} ไม่อยู่ใน {x2} ({self.kind.column(c2).th})",
                    f"{x1} is not inside {x2} ({self.kind.column(c2).en})"))
        loc = given[0][1] if given else None
        if loc and prov and not loc.startswith(prov):
            self.problem(row, given[0][0], _Bad(
                "location_mismatch", f"{loc} ไม่อยู่ในจังหวัดรหัส {prov}",
                f"{loc} is not in province {prov}"))
        if not prov:
            prov = loc[:2] if loc else v.get("_agency_province")
        if loc:
            v["subdistrict_code"] = v.get("subdistrict_code") or (loc[:6] if len(loc) >= 6
                                                                  else None)
            v["district_code"] = v.get("district_code") or loc[:4]
        v["province_code"] = prov
        # an unknown province or agency already says why the province is missing
        if prov is None and not any(p.field in ("province_code", "agency_id")
                                    for p in row.problems):
            self.problem(row, "province_code", _Bad(
                "province_missing",
                "ไม่ทราบจังหวัด: กรอกจังหวัด หรือรหัสพื้นที่ หรือใช้หน่วยงานที่มีจังหวัด",
                "the province is unknown: fill in the province, a location code, or an "
                "agency of a province"))
        self._strategy(row, prov)
        start, end = v.get("planned_start"), v.get("planned_end")
        if start and end and end < start:
            self.problem(row, "planned_end", _Bad(
                "date_order", "วันสิ้นสุดโครงการอยู่ก่อนวันเริ่มโครงการ",
                "the planned end is before the planned start"))
        row.key = (v["project_id"],) if v.get("project_id") else None

    def finish_need_stages(self, row: _Row) -> None:
        v = row.values
        stage, linked = v.get("stage"), v.get("linked_need_id")
        if stage == "merged" and not linked and "linked_need_id" not in {
                p.field for p in row.problems}:
            self.problem(row, "linked_need_id", _Bad(
                "merged_without_link",
                "ขั้นตอน \"รวมกับความต้องการอื่น\" ต้องกรอกรหัสความต้องการที่รวมเข้าไป",
                "stage \"merged\" needs the ID of the need it was merged into"))
        if linked and linked == v.get("need_id"):
            self.problem(row, "linked_need_id", _Bad(
                "merged_into_itself", "รวมความต้องการเข้ากับตัวเองไม่ได้",
                "a need cannot be merged into itself"))
        if stage == "rejected" and not v.get("reason"):
            self.problem(row, "reason", _Bad(
                "rejected_without_reason", "ไม่ผ่านการพิจารณา ต้องกรอกเหตุผล",
                "stage \"rejected\" needs a reason"))
        if v.get("need_id") and stage:
            row.key = (v["need_id"], stage)

    def finish_progress(self, row: _Row) -> None:
        v = row.values
        if all(v.get(k) is not None for k in self.kind.key):
            row.key = tuple(v[k] for k in self.kind.key)


def _duplicates(checker: _Checker, rows: list[_Row]) -> None:
    by_key: dict[tuple, list[_Row]] = {}
    for r in rows:
        if r.key is not None:
            by_key.setdefault(r.key, []).append(r)
    kind = checker.kind
    key_col = kind.key[0] if kind.key[0] in checker.where else "item_no"
    for key, group in by_key.items():
        if len(group) < 2:
            continue
        shown = "/".join(str(k) for k in key)
        for r in group:
            others = ", ".join(str(o.number) for o in group if o is not r)
            checker.problem(r, key_col, _Bad(
                "duplicate_key",
                f"รหัส {shown} ซ้ำกับแถว {others} ในไฟล์เดียวกัน: เก็บไว้แถวเดียว",
                f"key {shown} appears again in row(s) {others} of this file: keep one"))


# --- loading ---------------------------------------------------------------------------

_DB_COLUMNS = {
    "needs": ("need_id", "fiscal_year", "village_code", "subdistrict_code", "district_code",
              "province_code", "category", "description", "households", "estimated_cost",
              "submitted_on", "strategy_no"),
    "proposals": ("project_id", "fiscal_year", "province_code", "district_code",
                  "subdistrict_code", "village_code", "agency_id", "name_th", "category",
                  "strategy_no", "cost_baht", "households", "beneficiaries", "need_id",
                  "drawing_ref", "boq_ref", "photo_ref", "land_ref", "status",
                  "allocated_baht", "planned_start", "planned_end"),
    "progress": ("project_id", "fiscal_year", "quarter", "disbursed_baht", "physical_pct",
                 "stage", "problems", "reported_on"),
    "need_stages": ("need_id", "stage", "stage_on", "reason", "linked_need_id"),
}
# need_stages has no row_hash / synthetic columns: its stored content is hashed on the fly
_HAS_ROW_HASH = {"needs", "proposals", "progress"}
_DERIVED = {"needs": {"subdistrict_code", "district_code", "province_code"},
            "proposals": {"province_code", "district_code", "subdistrict_code"},
            "progress": set(), "need_stages": set()}
# Columns that keep their stored value when the file leaves them blank (others own them).
_STICKY = {"proposals": {"status"}}


def row_hash(kind: str, values: dict) -> str:
    """Content hash of a row's database values (source columns excluded).

    Returns:
        16 hex digits of SHA-256 over the canonical JSON of the values.
    """
    canon = {}
    for c in _DB_COLUMNS[kind]:
        x = values.get(c)
        if isinstance(x, date):
            x = x.isoformat()
        elif isinstance(x, float):
            x = round(x, 2)
        canon[c] = x
    return hashlib.sha256(json.dumps(canon, ensure_ascii=False, sort_keys=True)
                          .encode()).hexdigest()[:16]


def _load(con, kind: Kind, rows: list[_Row], written: set[str], file: str,
          result: SheetResult) -> None:
    """Insert new rows, update changed ones, count unchanged ones (inside the caller's
    transaction)."""
    if not rows:
        return
    table, key = kind.table, kind.key
    cols = _DB_COLUMNS[kind.name]
    records = []
    for r in rows:
        rec = {c: r.values.get(c) for c in cols}
        rec["row_hash"] = row_hash(kind.name, rec)
        src_file, src_sheet, src_row = r.source
        rec.update(source_file=src_file or file, source_sheet=src_sheet, source_row=src_row)
        records.append(rec)
    df = pd.DataFrame.from_records(records)
    for c in cols:
        if c in df and df[c].isna().all():
            df[c] = df[c].astype(object)
    key_sql = " AND ".join(f"t.{k} = i.{k}" for k in key)
    con.register("incoming", df)
    try:
        if kind.name in _HAS_ROW_HASH:
            existing = con.execute(
                f"SELECT {', '.join('i.' + k for k in key)}, t.row_hash FROM incoming i "
                f"JOIN {table} t ON {key_sql}").fetchall()
            stored = {tuple(r[:-1]): r[-1] for r in existing}
        else:
            existing = con.execute(
                f"SELECT {', '.join('t.' + c for c in cols)} FROM incoming i "
                f"JOIN {table} t ON {key_sql}").fetchall()
            stored = {tuple(r[cols.index(k)] for k in key):
                      row_hash(kind.name, dict(zip(cols, r))) for r in existing}
    finally:
        con.unregister("incoming")
    new, changed = [], []
    for rec in records:
        k = tuple(rec[c] for c in key)
        if k not in stored:
            new.append(rec)
        elif stored[k] == rec["row_hash"]:
            result.unchanged += 1
        else:
            changed.append(rec)
    write_cols = [c for c in cols if c in written or c in key or c in _DERIVED[kind.name]]
    meta = ["source_file", "source_sheet", "source_row"]
    if kind.name in _HAS_ROW_HASH:
        meta.insert(0, "row_hash")
    if new:
        ins = pd.DataFrame.from_records(new)
        if kind.name == "proposals":
            ins["status"] = ins["status"].where(ins["status"].notna(), "proposed")
        extra = {"needs": ", 'submitted' AS stage, false AS synthetic",
                 "proposals": ", false AS synthetic", "progress": ", false AS synthetic",
                 "need_stages": ""}
        extra_cols = {"needs": ", stage, synthetic", "need_stages": ""}.get(kind.name,
                                                                           ", synthetic")
        names = list(cols) + meta
        con.register("incoming", _typed(ins[names]))
        con.execute(f"INSERT INTO {table} ({', '.join(names)}{extra_cols}) "
                    f"SELECT {', '.join(names)}{extra[kind.name]} FROM incoming")
        con.unregister("incoming")
        result.inserted += len(new)
    if changed:
        upd = pd.DataFrame.from_records(changed)
        sets = []
        for c in write_cols + meta:
            if c in key:
                continue
            if c in _STICKY.get(kind.name, ()):
                sets.append(f"{c} = coalesce(i.{c}, t.{c})")
            else:
                sets.append(f"{c} = i.{c}")
        if kind.name in _HAS_ROW_HASH:
            sets.append("synthetic = false")   # a sample row a user's file replaced is real
        names = list(cols) + meta
        con.register("incoming", _typed(upd[names]))
        con.execute(f"UPDATE {table} AS t SET {', '.join(sets)} FROM incoming i "
                    f"WHERE {key_sql}")
        con.unregister("incoming")
        result.updated += len(changed)
    if kind.name == "progress" and (new or changed):
        result.warnings += _cumulative_warnings(con, new + changed)
    if kind.name == "needs":
        _submitted_stage(con, new + changed)
    elif kind.name == "need_stages" and (new or changed):
        _current_stage(con, sorted({r["need_id"] for r in new + changed}))


def _cumulative_warnings(con, records: list[dict]) -> list[tuple[str, str]]:
    """Progress figures are cumulative: warn where a quarter this file wrote reports less
    disbursed or a lower physical percentage than the quarter before it (in the file or
    already in the database) — usually a quarter's own figure typed instead of the total.
    """
    pairs = pd.DataFrame({(r["project_id"], r["fiscal_year"]) for r in records},
                         columns=["project_id", "fiscal_year"])
    con.register("pairs_in", pairs)
    try:
        rows = con.execute("""
            SELECT * FROM (
                SELECT p.project_id, p.fiscal_year, p.quarter, p.disbursed_baht,
                       p.physical_pct, p.source_file, p.source_row,
                       lag(p.quarter) OVER w AS prev_q,
                       lag(p.disbursed_baht) OVER w AS prev_d,
                       lag(p.physical_pct) OVER w AS prev_p
                FROM progress p JOIN pairs_in USING (project_id, fiscal_year)
                WINDOW w AS (PARTITION BY p.project_id, p.fiscal_year ORDER BY p.quarter))
            WHERE disbursed_baht < prev_d OR physical_pct < prev_p
            ORDER BY project_id, fiscal_year, quarter""").fetchall()
    finally:
        con.unregister("pairs_in")
    file_rows = {(r["project_id"], r["fiscal_year"], r["quarter"]) for r in records}
    out = []
    for pid, fy, q, d, pct, _, row, prev_q, prev_d, prev_p in rows:
        if (pid, fy, q) not in file_rows:
            continue
        what_th, what_en = [], []
        if d is not None and prev_d is not None and d < prev_d:
            what_th.append(f"เบิกจ่ายสะสม {d:,.0f} บาท น้อยกว่าไตรมาส {prev_q} ({prev_d:,.0f} บาท)")
            what_en.append(f"disbursed to date {d:,.0f} baht is less than in Q{prev_q} "
                           f"({prev_d:,.0f} baht)")
        if pct is not None and prev_p is not None and pct < prev_p:
            what_th.append(f"ผลการดำเนินงาน {pct:g}% น้อยกว่าไตรมาส {prev_q} ({prev_p:g}%)")
            what_en.append(f"physical progress {pct:g}% is below Q{prev_q} ({prev_p:g}%)")
        out.append((f"แถว {row}: โครงการ {pid} ปี {fy} ไตรมาส {q}: {'; '.join(what_th)} — "
                    "ตัวเลขต้องเป็นยอดสะสม",
                    f"row {row}: project {pid} FY {fy} Q{q}: {'; '.join(what_en)} — figures "
                    "are cumulative"))
    return out


def _current_stage(con, need_ids: list[str]) -> None:
    """Set ``needs.stage`` (and ``merged_into``) to each need's latest stage: the latest
    date, and on one date the later stage of :data:`oneplan.core.vocab.NEED_STAGES`."""
    order = {code: i for i, code in enumerate(vocab.NEED_STAGES)}
    rows = con.execute(
        "SELECT need_id, stage, stage_on, linked_need_id FROM need_stages "
        "WHERE list_contains(?, need_id)", [need_ids]).fetchall()
    latest: dict[str, tuple] = {}
    for nid, stage, on, linked in rows:
        rank = (on, order.get(stage, -1))
        if nid not in latest or rank > latest[nid][0]:
            latest[nid] = (rank, stage, linked)
    df = pd.DataFrame([(nid, stage, linked if stage == "merged" else None)
                       for nid, (_, stage, linked) in latest.items()],
                      columns=["need_id", "stage", "merged_into"]).astype(object)
    con.register("current_in", df)
    try:
        con.execute("UPDATE needs AS t SET stage = c.stage, merged_into = c.merged_into "
                    "FROM current_in c WHERE t.need_id = c.need_id")
    finally:
        con.unregister("current_in")


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """Give all-None columns a type DuckDB can insert (object columns of None are fine,
    dates must be datetime64 or objects of date)."""
    for c in df.columns:
        if df[c].isna().all():
            df[c] = df[c].astype(object)
    return df


def _submitted_stage(con, records: list[dict]) -> None:
    """Record the 'submitted' stage of imported needs that give a submission date (set
    based: DuckDB's executemany runs one statement per row)."""
    rows = [(r["need_id"], r["submitted_on"], r["source_file"], r["source_sheet"],
             r["source_row"]) for r in records if r.get("submitted_on")]
    if not rows:
        return
    df = pd.DataFrame(rows, columns=["need_id", "stage_on", "source_file", "source_sheet",
                                     "source_row"]).astype({"source_sheet": object})
    con.register("stages_in", df)
    try:
        con.execute("DELETE FROM need_stages WHERE stage = 'submitted' AND need_id IN "
                    "(SELECT need_id FROM stages_in)")
        con.execute("INSERT INTO need_stages (need_id, stage, stage_on, source_file, "
                    "source_sheet, source_row) SELECT need_id, 'submitted', stage_on, "
                    "source_file, source_sheet, source_row FROM stages_in")
    finally:
        con.unregister("stages_in")


# --- rejects file ----------------------------------------------------------------------

def rejects_path(path: Path, rejects_dir: str | Path | None = None) -> Path:
    """Where the rejected rows of ``path`` go: ``<name>.rejected.xlsx`` beside it (or in
    ``rejects_dir``); a rejects file being re-imported is rewritten in place."""
    stem = path.stem if path.stem.endswith(".rejected") else f"{path.stem}.rejected"
    folder = Path(rejects_dir) if rejects_dir else path.parent
    return folder / f"{stem}.xlsx"


def write_rejects(out: Path, rejected: list[tuple[Kind, list[_Row]]]) -> Path:
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

    wb = Workbook()
    wb.remove(wb.active)
    red = PatternFill("solid", fgColor="FFC7CE")
    problems_rows = []
    from openpyxl.utils import get_column_letter

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
            data.append([v.date() if isinstance(v, datetime) and not v.time() else v
                         for v in vals])
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
    ws = wb.create_sheet("ปัญหา")
    ws.append(["ชีตในไฟล์นี้ / sheet here", "แถวในไฟล์นี้ / row here", "ไฟล์ต้นฉบับ / source file",
               "ชีตต้นฉบับ / source sheet", "แถวต้นฉบับ / source row", "คอลัมน์ / column",
               "หัวคอลัมน์ / header", "ค่า / value", "รหัสปัญหา / code", "ปัญหา", "problem"])
    for pr in problems_rows:
        ws.append(pr)
    for letter, width in zip("ABCDEFGHIJK", (16, 10, 24, 14, 10, 10, 24, 20, 18, 60, 60)):
        ws.column_dimensions[letter].width = width
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    wb.save(tmp)
    os.replace(tmp, out)   # a rejects file being re-imported is replaced only when complete
    return out


# --- the import ------------------------------------------------------------------------

_NOT_DATA_SHEETS = {"คำอธิบาย", "ปัญหา", *REFERENCE_SHEETS}


@dataclass
class _Prepared:
    path: Path
    sheets: list[tuple[_Grid, _Header]]
    skipped: list[str]
    hidden: list[str]


def _prepare(path: Path, kind_name: str | None) -> _Prepared:
    grids = read_grids(path)
    sheets, skipped, hidden = [], [], []
    for g in grids:
        # the template's own instructions and the rejects file's problem list are not data
        if g.sheet in _NOT_DATA_SHEETS:
            continue
        if g.hidden:
            if g.sheet != "รายการ":   # the templates' own drop-down lists
                hidden.append(g.sheet)
            continue
        h = detect_header(g, kind_name, file=path.name)
        if h is None:
            if g.sheet is not None and g.rows:
                skipped.append(g.sheet)
            continue
        sheets.append((g, h))
    if not sheets:
        expected = "; ".join(f"{k.name}: " + ", ".join(c.th for c in k.columns if c.required)
                             for k in ([KINDS[kind_name]] if kind_name else KINDS.values()))
        raise ImportFileError(
            path.name,
            f"ไม่พบแถวหัวตาราง (ใน {HEADER_SEARCH_ROWS} แถวแรก) ที่มีชื่อคอลัมน์ตามแบบฟอร์ม; "
            f"ต้องมีอย่างน้อย {MIN_HEADER_MATCHES} คอลัมน์ เช่น {expected}",
            f"no header row with the template's column names in the first "
            f"{HEADER_SEARCH_ROWS} rows (at least {MIN_HEADER_MATCHES} columns needed), "
            f"e.g. {expected}")
    sheets.sort(key=lambda gh: list(KINDS).index(gh[1].kind.name))
    return _Prepared(path, sheets, skipped, hidden)


def _unknown_warnings(h: _Header) -> list[tuple[str, str]]:
    out = []
    for j, text in h.unknown.items():
        if j in h.repeated:
            k = _letter(h.repeated[j])
            out.append((f"คอลัมน์ {_letter(j)} \"{text}\" ซ้ำกับคอลัมน์ {k}: ไม่ได้นำเข้า "
                        f"(ใช้คอลัมน์ {k})",
                        f"column {_letter(j)} \"{text}\" repeats column {k}: it was not "
                        f"imported (column {k} was)"))
            continue
        names = [c.th for c in h.kind.columns] + [c.en for c in h.kind.columns]
        close = difflib.get_close_matches(text, names, n=1, cutoff=0.6)
        hint_th = f" (หรือหมายถึง \"{close[0]}\"?)" if close else ""
        hint_en = f" (did you mean \"{close[0]}\"?)" if close else ""
        out.append((f"คอลัมน์ {_letter(j)} \"{text}\" ไม่ใช่คอลัมน์ของแบบฟอร์ม {h.kind.name}: "
                    f"ไม่ได้นำเข้า{hint_th}",
                    f"column {_letter(j)} \"{text}\" is not a column of the {h.kind.name} "
                    f"template: it was not imported{hint_en}"))
    return out


def import_file(con, refs: _References, prep: _Prepared | Path, *, kind: str | None = None,
                rejects_dir: str | Path | None = None) -> FileResult:
    """Import one file (a path, or a file already read by :func:`_prepare`) into the open
    database ``con``, in one transaction.

    Returns:
        The file's result (counts per sheet, problems, rejects file). File-level errors
        are in ``result.error`` (nothing loaded).

    Raises:
        AssertionError: the counts do not add up (a bug: rows would have been lost).
    """
    if not isinstance(prep, _Prepared):
        try:
            prep = _prepare(Path(prep), kind)
        except ImportFileError as exc:
            return FileResult(Path(prep), error=exc)
    path = prep.path
    result = FileResult(path)
    result.skipped_sheets, result.hidden_sheets = prep.skipped, prep.hidden
    rejected: list[tuple[Kind, list[_Row]]] = []
    new_projects: set[str] = set()
    new_needs: set[str] = set()
    con.execute("BEGIN TRANSACTION")
    try:
        for grid, header in prep.sheets:
            sr = SheetResult(path.name, grid.sheet, header.kind.name)
            sr.warnings = _unknown_warnings(header)
            checker = _Checker(path.name, grid, header, refs)
            rows = checker.rows()
            _duplicates(checker, rows)
            for letter, first in checker.headless.items():
                sr.warnings.append((
                    f"คอลัมน์ {letter} มีข้อมูล (ตั้งแต่แถว {first}) แต่ไม่มีหัวตาราง: ไม่ได้นำเข้า",
                    f"column {letter} has values (from row {first}) but no header: it was not "
                    "imported"))
            sr.read = len(rows)
            good = [r for r in rows if not r.problems]
            bad = [r for r in rows if r.problems]
            written = {c.code for c in header.columns.values()}
            _load(con, header.kind, good, written, path.name, sr)
            repeats = []
            for r in good:
                seen = refs.run_keys.get((header.kind.name, r.key))
                if seen and seen[0] != path.name:
                    repeats.append((r, seen))
                refs.run_keys[(header.kind.name, r.key)] = (path.name, r.number)
            if repeats:
                shown = ", ".join(f"{'/'.join(map(str, r.key))} ({f} {n})"
                                  for r, (f, n) in repeats[:5])
                more = f" …+{len(repeats) - 5}" if len(repeats) > 5 else ""
                sr.warnings.append((
                    f"{len(repeats)} แถวมีรหัสซ้ำกับไฟล์ก่อนหน้าในการนำเข้าครั้งนี้ "
                    f"และแทนที่ข้อมูลนั้น: {shown}{more}",
                    f"{len(repeats)} row(s) have the key of a row of an earlier file of this "
                    f"import and replaced it: {shown}{more}"))
            sr.rejected = len(bad)
            sr.problems = [p for r in bad for p in r.problems]
            if sr.read != sr.accepted + sr.rejected:
                raise AssertionError(f"{path.name} {grid.sheet}: read {sr.read} != accepted "
                                     f"{sr.accepted} + rejected {sr.rejected}")
            if bad:
                merged = next((rs for k, rs in rejected if k is header.kind), None)
                if merged is None:
                    rejected.append((header.kind, bad))
                else:
                    merged.extend(bad)
            result.sheets.append(sr)
            # later sheets and files of the same run may cite what this one brought in
            if header.kind.name == "proposals":
                new_projects.update({r.values["project_id"] for r in good} - refs.projects)
                refs.projects.update(new_projects)
            elif header.kind.name == "needs":
                new_needs.update({r.values["need_id"] for r in good} - refs.needs)
                refs.needs.update(new_needs)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        refs.projects -= new_projects   # nothing of this file is in the database
        refs.needs -= new_needs
        raise
    if rejected:
        result.rejects_path = write_rejects(rejects_path(path, rejects_dir), rejected)
    return result


def import_files(paths: list[str | Path], db_path: str | Path | None = None, *,
                 kind: str | None = None, rejects_dir: str | Path | None = None
                 ) -> list[FileResult]:
    """Import files into the central database; needs before proposals before progress.

    Args:
        paths: XLSX or CSV files.
        db_path: the database (default ``$ONEPLAN_DB`` or ``data/oneplan.duckdb``); it must
            exist (``oneplan build-sample`` or a real build).
        kind: ``needs``, ``proposals`` or ``progress`` to skip detection from headers.
        rejects_dir: folder for the rejects files (default: beside each input).

    Returns:
        One result per file, in the order the files were loaded.

    Raises:
        db.DatabaseMissingError: the database file does not exist.
    """
    from oneplan.core.paths import default_db_path

    target = Path(db_path) if db_path else default_db_path()
    if not target.exists():
        raise db.DatabaseMissingError(
            f"central database {target} does not exist; build it with "
            f"`oneplan build-sample --db {target}`")
    con = db.connect(target, read_only=False)
    try:
        con.execute(db.schema_sql())   # tables added after the file was built
        refs = _References(con)
        order = {name: i for i, name in enumerate(KINDS)}
        failed, prepared = [], []
        for p in expand_paths(paths):
            try:
                prepared.append(_prepare(p, kind))
            except ImportFileError as exc:
                failed.append(FileResult(p, error=exc))
        # needs before the proposals that cite them, proposals before their progress
        prepared.sort(key=lambda pr: min(order[h.kind.name] for _, h in pr.sheets))
        results = failed
        for pr in prepared:
            try:
                results.append(import_file(con, refs, pr, rejects_dir=rejects_dir))
            except duckdb.Error as exc:   # rolled back: nothing of this file is loaded
                log.exception("loading %s failed", pr.path)
                results.append(FileResult(pr.path, error=ImportFileError(
                    pr.path.name, f"ฐานข้อมูลไม่รับข้อมูลของไฟล์นี้ (ไม่ได้นำเข้าแถวใดเลย): {exc}",
                    f"the database refused the rows of this file (nothing was loaded): "
                    f"{exc}")))
        if any(fr.sheets for fr in results):
            con.execute("INSERT OR REPLACE INTO meta VALUES ('last_import_at', ?)",
                        [datetime.now(timezone.utc).isoformat(timespec="seconds")])
    finally:
        con.close()
    return results


_IMPORTABLE = (".xlsx", ".xlsm", ".csv", ".tsv", ".txt")


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files to import: each path, and for a folder its ``.xlsx``/``.csv`` files (sorted;
    ``*.rejected.xlsx`` and Excel's ``~$`` lock files left out — import a rejects file by
    naming it).

    Returns:
        The file paths, in order.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir()
                          if f.suffix.lower() in _IMPORTABLE and not f.name.startswith("~$")
                          and not f.stem.endswith(".rejected"))
        else:
            out.append(p)
    return out


def summary_lines(results: list[FileResult], lang: str = "both") -> list[str]:
    """Human summary: per file and sheet, rows read / accepted (new, updated, unchanged) /
    rejected, warnings, problems and the rejects file.

    Args:
        lang: ``"th"``, ``"en"`` or ``"both"`` (each Thai line followed by its English one).

    Returns:
        The lines, without line ends.

    Raises:
        AssertionError: a sheet's counts do not add up (rows read != accepted + rejected).
    """
    lines = _summary_both(results)
    if lang == "both":
        return lines
    # _summary_both alternates Thai and English lines
    return lines[0 if lang == "th" else 1::2]


def _summary_both(results: list[FileResult]) -> list[str]:
    lines = []
    for fr in results:
        if fr.error:
            lines.append(f"✗ {fr.error.file}: {fr.error.th}")
            lines.append(f"  {fr.error.file}: {fr.error.en}")
            continue
        for s in fr.sheets:
            where = f"{s.file}" + (f" [{s.sheet}]" if s.sheet else "")
            if s.read != s.accepted + s.rejected:   # never: rows would have been lost
                raise AssertionError(f"{where}: read {s.read} != accepted {s.accepted} + "
                                     f"rejected {s.rejected}")
            lines.append(
                f"{'✓' if not s.rejected else '!'} {where} ({s.kind}): อ่าน {s.read} แถว, "
                f"รับ {s.accepted} (ใหม่ {s.inserted}, ปรับปรุง {s.updated}, ไม่เปลี่ยน "
                f"{s.unchanged}), ไม่รับ {s.rejected}")
            lines.append(
                f"  read {s.read} rows = accepted {s.accepted} (new {s.inserted}, updated "
                f"{s.updated}, unchanged {s.unchanged}) + rejected {s.rejected}")
            for th, en in s.warnings:
                lines.append(f"  คำเตือน: {th}")
                lines.append(f"  warning: {en}")
            for p in s.problems[:20]:
                lines.append(f"  - {p.text('th')}")
                lines.append(f"    {p.text('en')}")
            if len(s.problems) > 20:
                lines.append(f"  … และอีก {len(s.problems) - 20} ปัญหา (ดูในไฟล์แถวที่ไม่รับ)")
                lines.append(f"  … and {len(s.problems) - 20} more problems (see the rejects "
                             "file)")
        for name in fr.hidden_sheets:
            lines.append(f"  ข้ามชีต \"{name}\": ชีตถูกซ่อนไว้ (ให้เลิกซ่อนถ้าเป็นข้อมูลที่ต้องนำเข้า)")
            lines.append(f"  sheet \"{name}\" skipped: it is hidden (unhide it if it holds "
                         "data to import)")
        for name in fr.skipped_sheets:
            lines.append(f"  ข้ามชีต \"{name}\": ไม่พบแถวหัวตาราง")
            lines.append(f"  sheet \"{name}\" skipped: no header row")
        if fr.rejects_path:
            lines.append(f"  แถวที่ไม่รับอยู่ในไฟล์ {fr.rejects_path}: แก้แล้วนำเข้าไฟล์นั้นอีกครั้ง")
            lines.append(f"  rejected rows are in {fr.rejects_path}: fix them there and "
                         "import that file")
    return lines

"""Reading an XLSX workbook as a stream, in bounded memory, every sheet and every cell.

The workbook's XML is read part by part (``xml.etree`` iterparse over the zip members), so
a file of a few kilobytes that claims a cell in XFD1048576, or formats a million empty
cells, costs what its real values cost, never a 16,384 × 1,048,576 grid:

* only rows holding a value are kept, each as wide as its last value; a merged range
  gives its value only to rows that hold values and to columns inside the data;
* a sheet holding more than :data:`MAX_CELLS` values, :data:`MAX_SLOTS` row cells in all,
  or :data:`MAX_XML_CELLS` cell elements is refused with a message naming its extent;
* a formula cell without a value Excel calculated (files written by other programs) and
  an Excel error value (``#REF!``) are :class:`CellFault` values, rejected per cell;
* an encrypted (password-protected) workbook, an old binary ``.xls`` saved as ``.xlsx``,
  and a zip that is not a workbook each get their own message.

Dates (built-in, custom and the Thai-locale formats ``ว/ด/ปปปป``, ``[$-1070000]``) become
``datetime``; percent-formatted numbers become the text the cell shows (``"30%"``).
"""

from __future__ import annotations

import math
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

from oneplan.data.ingest.errors import ImportFileError
from oneplan.data.ingest.messages import Message, message

MAX_CELLS = 2_000_000
"""Values one workbook may hold (all sheets); more is refused, not read."""
MAX_SLOTS = 10_000_000
"""Cells of the kept rows in all (each row as wide as its last value): bounds the memory a
stray far value multiplied over many rows could take."""
MAX_XML_CELLS = 20_000_000
"""Cell elements (values or only formatting) one workbook may have."""
MAX_ROW, MAX_COLUMN = 1_048_576, 16_384
"""The last row and column of an Excel worksheet (XFD1048576)."""
MAX_MERGES = 100_000
"""Merged ranges one sheet may have."""

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""An OLE2 compound file: an encrypted OOXML workbook, or an old binary .xls."""
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_DATE_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59),
             *range(71, 82)}
"""Built-in number formats that are dates or times (ECMA-376 18.8.30, with the East Asian
and Thai-locale ids 27–36, 50–58 and 71–81 that Thai Excel writes)."""
_PERCENT_IDS = {9, 10, 67, 68}
_THAI_DATE_RE = re.compile(r"[วดปชนท]|b{2,4}|B[12]")


@dataclass(frozen=True)
class CellFault:
    """A cell whose value cannot be used: a formula Excel never calculated (``kind``
    ``formula``, ``text`` the formula) or an Excel error value (``error``, ``#REF!``)."""

    kind: str
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass
class SheetCells:
    """The values of one sheet, rows holding values only."""

    name: str
    state: str                                   # visible, hidden, veryHidden
    rows: list[tuple[int, list]] = field(default_factory=list)
    extent: str = ""                             # e.g. A1:H14, the cells holding values


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _refuse(path: Path, key: str, **fields) -> ImportFileError:
    return ImportFileError(path.name, *message(key, **fields))


def check_container(path: Path) -> None:
    """Tell, from its first bytes, why a file named ``.xlsx`` is not a workbook.

    Raises:
        ImportFileError: a password-protected workbook, an old binary ``.xls``, or not a
            zip file at all.
    """
    with path.open("rb") as fh:
        head = fh.read(8)
        if head == OLE2_MAGIC:
            fh.seek(0)
            tail = b""
            while chunk := fh.read(1 << 20):
                if _ENCRYPTION_INFO in tail + chunk:
                    raise _refuse(path, "data.ingest.file.encrypted")
                tail = chunk[-len(_ENCRYPTION_INFO):]
            raise _refuse(path, "data.ingest.file.xls_named_xlsx")
    if not zipfile.is_zipfile(path):
        raise _refuse(path, "data.ingest.file.not_xlsx", error="BadZipFile",
                      detail=Message("", "it is not a zip file"))


class _Budget:
    """What the workbook's cells have used of :data:`MAX_CELLS`, :data:`MAX_SLOTS` and
    :data:`MAX_XML_CELLS`."""

    def __init__(self, path: Path):
        self.path, self.cells, self.slots, self.xml_cells = path, 0, 0, 0

    def too_large(self, sheet: str, rows: int, last: str) -> ImportFileError:
        return _refuse(self.path, "data.ingest.file.too_large", sheet=sheet, rows=rows,
                       last=last, cells=f"{MAX_CELLS:,}")


class Workbook:
    """An XLSX file opened for streaming: its sheets in order, shared strings, styles."""

    def __init__(self, path: Path):
        """Open ``path`` (see :func:`check_container` for what is refused first)."""
        check_container(path)
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
            self._names = set(self.zip.namelist())
            self.book = self._office_document()
            if self.book not in self._names:
                raise _refuse(path, "data.ingest.file.not_a_workbook")
            self.sheets = self._sheet_list()
            self.epoch = self._epoch
            self.strings = self._shared_strings()
            self.date_styles, self.percent_styles = self._styles()
        except ImportFileError:
            raise
        except (zipfile.BadZipFile, ParseError, KeyError, ValueError, OSError, EOFError,
                NotImplementedError, RuntimeError, IndexError) as exc:
            raise _refuse(path, "data.ingest.file.not_xlsx", error=type(exc).__name__,
                          detail=Message("", str(exc))) from None

    def close(self) -> None:
        """Close the zip file."""
        self.zip.close()

    def _xml(self, name: str):
        return iterparse(self.zip.open(name), events=("end",))

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """The relationships of ``part``: id -> (target part, relationship type)."""
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        out: dict[str, tuple[str, str]] = {}
        if rels not in self._names:
            return out
        for _, el in self._xml(rels):
            if _local(el.tag) == "Relationship":
                target = el.get("Target", "")
                target = (target.lstrip("/") if target.startswith("/")
                          else posixpath.normpath(posixpath.join(folder, target)))
                out[el.get("Id", "")] = (target, el.get("Type", ""))
        return out

    def _office_document(self) -> str:
        for target, kind in self._rels("").values():
            if kind.endswith("/officeDocument"):
                return target
        return "xl/workbook.xml"

    def _sheet_list(self) -> list[tuple[str, str, str | None]]:
        self.book_rels = self._rels(self.book)
        sheets, self._epoch = [], WINDOWS_EPOCH
        for _, el in self._xml(self.book):
            tag = _local(el.tag)
            if tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
                sheets.append((el.get("name", ""), el.get("state", "visible"),
                               self.book_rels.get(rid, (None, ""))[0]))
            elif tag == "workbookPr" and el.get("date1904") in ("1", "true"):
                self._epoch = MAC_EPOCH
        return sheets

    def _part(self, type_suffix: str) -> str | None:
        for target, kind in self.book_rels.values():
            if kind.endswith(type_suffix) and target in self._names:
                return target
        return None

    def _shared_strings(self) -> list[str]:
        part = self._part("/sharedStrings")
        if not part:
            return []
        out = []
        for _, el in self._xml(part):
            if _local(el.tag) == "si":
                out.append(_text_of(el))
                el.clear()
        return out

    def _styles(self) -> tuple[set[int], set[int]]:
        part = self._part("/styles")
        if not part:
            return set(), set()
        custom: dict[int, str] = {}
        xf_formats: list[int] = []
        in_cell_xfs = False
        for event, el in iterparse(self.zip.open(part), events=("start", "end")):
            tag = _local(el.tag)
            if tag == "cellXfs":
                in_cell_xfs = event == "start"
            elif event == "end" and tag == "numFmt":
                custom[int(el.get("numFmtId", "0"))] = el.get("formatCode", "")
            elif event == "end" and tag == "xf" and in_cell_xfs:
                xf_formats.append(int(el.get("numFmtId", "0")))
        dates, percents = set(), set()
        for style, fid in enumerate(xf_formats):
            code = custom.get(fid, BUILTIN_FORMATS.get(fid, ""))
            if fid in _DATE_IDS or (fid in custom and (
                    is_date_format(code) or _THAI_DATE_RE.search(
                        re.sub(r'"[^"]*"|\[[^\]]*\]', "", code.split(";")[0])))):
                dates.add(style)
            elif fid in _PERCENT_IDS or "%" in code:
                percents.add(style)
        return dates, percents

    def read_sheet(self, name: str, state: str, part: str | None, budget: _Budget
                   ) -> SheetCells:
        """The values of one sheet (see the module docstring for the bounds).

        Raises:
            ImportFileError: the sheet is too large, or its XML is broken.
        """
        out = SheetCells(name, state)
        if not part or part not in self._names:
            return out
        rows: dict[int, dict[int, object]] = {}
        merges: list[tuple[int, int, int, int]] = []
        max_col = 0
        last_ref = ""
        try:
            for _, el in self._xml(part):
                tag = _local(el.tag)
                if tag == "c":
                    budget.xml_cells += 1
                    if budget.xml_cells > MAX_XML_CELLS:
                        raise budget.too_large(name, len(rows), el.get("r", "?"))
                    got = self._cell(el)
                    el.clear()
                    if got is None:
                        continue
                    r, c, v = got
                    row = rows.setdefault(r, {})
                    row[c] = v
                    max_col = max(max_col, c)
                    last_ref = f"{_letter(c)}{r}"
                    budget.cells += 1
                    if budget.cells > MAX_CELLS:
                        raise budget.too_large(name, len(rows), last_ref)
                elif tag == "mergeCell":
                    if len(merges) < MAX_MERGES:
                        merges.append(_range(el.get("ref", "")))
                elif tag in ("row", "sheetData"):
                    el.clear()
        except (ParseError, ValueError, IndexError, KeyError, zipfile.BadZipFile, OSError,
                EOFError, RuntimeError, NotImplementedError) as exc:
            raise _refuse(self.path, "data.ingest.file.not_xlsx", error=type(exc).__name__,
                          detail=Message("", f"sheet {name!r}: {exc}")) from None
        if _spread_merges(rows, merges, max_col, MAX_CELLS - budget.cells):
            raise budget.too_large(name, len(rows), last_ref)
        for r in sorted(rows):
            cells = rows[r]
            width = max(cells)
            budget.slots += width
            if budget.slots > MAX_SLOTS:
                raise budget.too_large(name, len(rows), f"{_letter(width)}{r}")
            line = [None] * width
            for c, v in cells.items():
                line[c - 1] = v
            out.rows.append((r, line))
        if rows:
            out.extent = f"A1:{_letter(max_col)}{max(rows)}"
        return out

    def _cell(self, el) -> tuple[int, int, object] | None:
        ref = el.get("r")
        if not ref or not len(el):
            return None   # only formatting; or no reference, which no spreadsheet writes
        letters, r = coordinate_from_string(ref)
        c = column_index_from_string(letters)
        if not (1 <= r <= MAX_ROW and 1 <= c <= MAX_COLUMN):
            raise ValueError(f"cell {ref} is outside a worksheet")
        t = el.get("t", "n")
        v_text, formula, inline = None, None, None
        has_v = False
        for child in el:
            tag = _local(child.tag)
            if tag == "v":
                has_v, v_text = True, child.text
            elif tag == "f":
                formula = child.text or ""
            elif tag == "is":
                inline = _text_of(child)
        if t == "inlineStr":
            value: object = inline
        elif formula is not None and (not has_v or (not v_text and t != "str")):
            # no value Excel calculated (other programs write <v/> or nothing); a text
            # formula whose value is "" (t="str") is a calculated empty cell
            value = CellFault("formula", "=" + formula)
        elif v_text is None or v_text == "":
            value = None if t not in ("str", "s") else ""
        elif t == "s":
            value = self.strings[int(v_text)]
        elif t == "str":
            value = v_text
        elif t == "b":
            value = v_text.strip() in ("1", "true")
        elif t == "e":
            value = CellFault("error", v_text)
        elif t == "d":
            from openpyxl.utils.datetime import from_ISO8601

            value = from_ISO8601(v_text)
        else:
            value = self._number(v_text, int(el.get("s", "0") or 0))
        if value is None or value == "":
            return None
        return r, c, value

    def _number(self, text: str, style: int) -> object:
        try:
            x: float | int = int(text) if re.fullmatch(r"-?\d+", text.strip()) else float(text)
        except ValueError:
            return text
        if isinstance(x, float) and not math.isfinite(x):
            return text                 # "1E+400", "NaN" as written: rejected per cell
        if style in self.date_styles and math.isfinite(x):
            try:
                return from_excel(x, self.epoch)
            except (OverflowError, ValueError):
                return CellFault("error", f"#DATE? ({text})")
        if style in self.percent_styles and math.isfinite(x):
            return f"{x * 100:g}%"      # a percent-formatted cell holds 0.3 for 30 %
        return x


def _text_of(el) -> str:
    """The text of a shared or inline string: its ``t`` runs, phonetic runs left out."""
    parts = []
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts += [t.text or "" for t in child if _local(t.tag) == "t"]
    return "".join(parts)


def _letter(c: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(max(1, min(c, MAX_COLUMN)))


def _range(ref: str) -> tuple[int, int, int, int]:
    from openpyxl.utils.cell import range_boundaries

    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        return (0, 0, -1, -1)
    return (min_row or 1, min_col or 1, max_row or MAX_ROW, max_col or MAX_COLUMN)


def _spread_merges(rows: dict[int, dict[int, object]],
                   merges: list[tuple[int, int, int, int]], max_col: int, allowed: int
                   ) -> bool:
    """Give every cell of a merged range its top-left value (a group header over several
    columns, a village code merged down several rows): only in rows that hold values and
    columns up to the last that holds one.

    Returns:
        True when that would add more than ``allowed`` cells (nothing more is added).
    """
    from bisect import bisect_left, bisect_right

    if not merges or not rows:
        return False
    row_numbers = sorted(rows)
    for r0, c0, r1, c1 in merges:
        v = rows.get(r0, {}).get(c0)
        if v is None:
            continue
        c1 = min(c1, max_col)
        for r in row_numbers[bisect_left(row_numbers, r0):bisect_right(row_numbers, r1)]:
            row = rows[r]
            allowed -= c1 - c0 + 1
            if allowed < 0:
                return True
            for c in range(c0, c1 + 1):
                row[c] = v
    return False


def read_workbook(path: Path) -> list[SheetCells]:
    """Every sheet of the workbook at ``path``, in order, hidden ones included.

    Raises:
        ImportFileError: the file is not a readable workbook, is encrypted, or too large.
    """
    wb = Workbook(path)
    try:
        budget = _Budget(path)
        return [wb.read_sheet(name, state, part, budget) for name, state, part in wb.sheets]
    finally:
        wb.close()

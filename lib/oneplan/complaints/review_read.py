"""Reading a filled review file back (:mod:`oneplan.complaints.review`): the sheet and
columns of the review list, whatever language it was exported in, and the officer's
decision words — the drop-down words in Thai or English, their short forms (ซ้ำ / ไม่ซ้ำ,
same / diff, s / d, 1 / 2), Thai digits, stray spaces and invisible characters. Cells are
read as typed: a formula is reported as one, never evaluated (``data_only=False``)."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from oneplan.core import thai
from oneplan.core.errors import UserError
from oneplan.core.text import LANGS, text

DECISIONS = ("same", "different")
"""What a decision may be: one matter (must-link) or two matters (cannot-link)."""


# Words read as a decision, after :func:`_word` (lower case, no spaces, dots or dashes,
# Thai digits as Arabic): the catalogue's own labels in both languages are added.
_SAME_WORDS = {"เดียวกัน", "ซ้ำ", "ซ้ำกัน", "ใช่", "รวม", "same", "s", "y", "yes", "1",
               "dup", "duplicate", "match", "onematter", "samematters"}
_DIFFERENT_WORDS = {"คนละ", "ต่าง", "ต่างกัน", "ไม่ซ้ำ", "ไม่ใช่", "แยก", "different", "diff",
                    "d", "n", "no", "2", "notsame", "nomatch", "distinct", "separate",
                    "differentmatter", "twomatters"}
_PENDING_WORDS = {"", "?", "ไม่แน่ใจ", "ยังไม่แน่ใจ", "รอ", "รอตรวจ", "unsure", "pending",
                  "skip", "notsure"}
_HEADER_ALIASES = {"pair": {"รหัสคู่", "pair", "pairid"},
                   "decision": {"การตัดสิน", "ตัดสิน", "ผลการตัดสิน", "decision"},
                   "decided_by": {"ผู้ตัดสิน", "decidedby", "ตำแหน่ง/โต๊ะที่ตัดสิน"}}
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_NOISE = re.compile(r"[\s._\-–—'\"]+")
_PAREN = re.compile(r"\([^)]*\)")


class ReviewFileError(UserError):
    """A review file that cannot be read at all (wrong kind, damaged, no review columns):
    exit code 2, one Thai / English line naming the file and what was expected."""


def _t(key: str, lang: str, **fields: Any) -> str:
    return text(f"complaints.review.{key}", lang, **fields)


def _both(key: str, **fields: Any) -> str:
    """The catalogue text ``complaints.review.<key>``: Thai, then English, on one line."""
    return " / ".join(_t(key, lang, **fields) for lang in LANGS)


def _word(value: Any) -> str:
    """A typed word as the import compares it: NFC, Thai typing fixed, invisible
    characters, spaces, dots, dashes and quotes removed, lower case, Thai digits Arabic."""
    s = unicodedata.normalize("NFC", str(value))
    s = thai.fix_thai_typing(_INVISIBLE.sub("", s)).translate(thai.TO_ARABIC_DIGITS)
    return _NOISE.sub("", s).casefold()


@lru_cache(maxsize=1)
def _decision_words() -> dict[str, str | None]:
    out: dict[str, str | None] = {_word(w): None for w in _PENDING_WORDS}
    out.update({_word(w): "same" for w in _SAME_WORDS})
    out.update({_word(w): "different" for w in _DIFFERENT_WORDS})
    for lang in LANGS:
        for d in DECISIONS:
            out[_word(_t(f"decision.{d}", lang))] = d
    return out


def parse_decision(value: Any) -> str | None:
    """``same``, ``different`` or None (blank or unsure: still pending) from what the
    officer typed: the drop-down words in Thai or English, their short forms (ซ้ำ /
    ไม่ซ้ำ, same / diff, s / d, 1 / 2, Thai digits too), any spacing or case.

    Raises:
        ValueError: a word that is none of these.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = f"{value:g}"
    key = _word(value)
    words = _decision_words()
    if key in words:
        return words[key]
    raise ValueError(str(value))


def _header_key(value: Any) -> str | None:
    if value is None:
        return None
    h = _word(_PAREN.sub("", str(value)))
    for key, aliases in _HEADER_ALIASES.items():
        known = {_word(a) for a in aliases} | {
            _word(_PAREN.sub("", _t(f"column.{key}", lang))) for lang in LANGS}
        if h in known:
            return key
    return None


@dataclass
class Cell:
    """One cell as typed: its value, and whether it holds a formula (never evaluated)."""

    value: Any
    formula: bool = False


@dataclass
class Row:
    """One review row: its sheet, its row number (as a spreadsheet shows it) and its
    ``pair``, ``decision`` and (when the file has the column) ``decided_by`` cells."""

    sheet: str
    row: int
    cells: dict[str, Cell]


def _grid_rows(sheet: str, grid: Iterable[list[Cell]]) -> list[Row] | None:
    """The review rows of one sheet's grid (None: no review header in its first rows)."""
    it = iter(grid)
    cols: dict[str, int] = {}
    for r, cells in enumerate(it, start=1):
        found = {k: j for j, c in enumerate(cells)
                 if not c.formula and (k := _header_key(c.value))}
        if {"pair", "decision"} <= set(found):
            cols = found
            break
        if r >= 10:
            return None
    else:
        return None
    out = []
    for r2, cells in enumerate(it, start=r + 1):
        picked = {k: cells[j] if j < len(cells) else Cell(None) for k, j in cols.items()}
        if not (is_blank(picked["pair"].value) and is_blank(picked["decision"].value)):
            out.append(Row(sheet, r2, picked))
    return out


def is_blank(value: Any) -> bool:
    """Whether a cell value is empty (None, NaN, or only spaces and invisible characters)."""
    return value is None or (isinstance(value, float) and pd.isna(value)) or (
        isinstance(value, str) and not _INVISIBLE.sub("", value).strip())


def read_review_file(path: str | os.PathLike) -> list[Row]:
    """The rows of a filled review file that carry a pair id or a decision, with their sheet and row (as a spreadsheet numbers them).

    Raises:
        ReviewFileError: not ``.xlsx``/``.csv``, unreadable, or no sheet with the review
            file's pair and decision columns.
    """
    path = Path(path)
    kind = path.suffix.lower()
    if kind not in (".xlsx", ".csv"):
        raise ReviewFileError(_both("error.format", file=path))
    wb = None
    try:
        if kind == ".csv":
            grids = [("-", _csv_grid(path))]
        else:
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True, data_only=False)
            grids = [(ws.title, _xlsx_grid(ws)) for ws in wb.worksheets]
        for sheet, grid in grids:
            rows = _grid_rows(sheet, grid)
            if rows is not None:
                return rows
    except Exception as exc:  # a damaged zip, wrong encoding, not a spreadsheet …
        raise ReviewFileError(_both("error.unreadable", file=path,
                                    reason=type(exc).__name__)) from None
    finally:
        if wb is not None:
            wb.close()
    raise ReviewFileError(_both("error.no_header", file=path, pair=_t("column.pair", "th"),
                                decision=_t("column.decision", "th")))


def _xlsx_grid(ws) -> Iterable[list[Cell]]:
    for row in ws.iter_rows():
        cells = []
        for c in row:
            value = getattr(c, "value", None)
            formula = getattr(c, "data_type", None) == "f"
            if formula and not isinstance(value, str):
                value = getattr(value, "text", None) or str(value)
            cells.append(Cell(value, formula))
        yield cells


def _csv_grid(path: Path) -> list[list[Cell]]:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "cp874"):
        try:
            decoded = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnicodeDecodeError("utf-8", raw[:1], 0, 1, "neither UTF-8 nor TIS-620")
    import csv
    import io

    return [[Cell(v) for v in line] for line in csv.reader(io.StringIO(decoded))]


def typed(cell: Cell) -> str:
    """A cell's value as text, as typed (``1.0`` → ``1``; empty → ``""``)."""
    v = cell.value
    if v is None:
        return ""
    return f"{v:g}" if isinstance(v, float) else str(v)


def clean_id(value: str) -> str:
    """A typed id without invisible characters, surrounding spaces or the ``'`` a
    spreadsheet puts before text that looks like a formula."""
    s = unicodedata.normalize("NFC", _INVISIBLE.sub("", value)).strip()
    return s[1:].strip() if s.startswith("'") else s



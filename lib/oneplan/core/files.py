"""Writing files safely: atomic replace (readers never see half a file), and the one
writer of every CSV and XLSX file the project produces, whose cells are inert.

Inert cells (the OWASP CSV-injection rule): a text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is something Excel, LibreOffice or Google Sheets
may run as a formula (``=HYPERLINK(...)``, ``@SUM(...)``, ``-2+3``, DDE). :func:`neutralise`
puts a single quote ``'`` before such a text, so it is shown and never evaluated. Only
text is touched: numbers (a negative cost), dates and booleans are written as they are,
and a lone character (``-`` for "none") or a signed number written as text (``-20%``)
cannot call or refer to anything and stays as it is.

:func:`write_csv` and :func:`write_xlsx` neutralise every text cell and header; in XLSX
files text is also stored as text (openpyxl would make ``"=..."`` a formula and
``"#N/A"`` an error value) and characters XLSX cannot hold are replaced by ``U+FFFD``.
Workbooks built cell by cell (the import templates, the rejects file) are saved with
:func:`save_workbook`, which applies the same rule to every cell.

A formula the project writes on purpose is a :class:`Formula` (``Formula('=SUM(B2:B9)')``):
the writers keep it. Data-validation lists are not cells and are not touched. Text a user
typed that must come back unchanged when the file is imported again (the rows of a
rejects file) is written with :func:`typed_text`: as typed, stored as text and marked
with Excel's own "text" prefix (``quotePrefix``), so nothing runs and nothing changes on
re-import.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet cell a formula (OWASP CSV injection)."""

_XLSX_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
"""Control characters an XLSX cell cannot hold (openpyxl refuses them)."""

_SIGNED_NUMBER = re.compile(r"[+-][0-9][0-9,]*(?:\.[0-9]+)?%?")
"""A signed number as text (``-20%``, ``+1,250.5``): shown as a number, never a formula."""

_ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


class Formula(str):
    """A formula the project writes on purpose (``Formula('=SUM(B2:B9)')``); every other
    text starting with ``=`` is neutralised by the writers."""

    __slots__ = ()


def write_atomic(path: str | os.PathLike, data: str | bytes, *, mode: int | None = None) -> Path:
    """Write ``data`` (str as UTF-8) to ``path`` via a temp file in the same folder + os.replace.

    Readers never see a half-written file; the parent folder is created when missing. The
    file keeps the permissions of the file it replaces (new files: 0644), or gets ``mode``
    (e.g. ``0o600`` for a file holding personal data) when given.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if mode is None:
            mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(tmp, mode)  # before any byte is written: a 0600 file is never readable
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# === cells ================================================================================

def is_dangerous(value: Any) -> bool:
    """Whether ``value`` is text a spreadsheet could run as a formula: it starts with one
    of :data:`DANGEROUS_START` and has more than one character. Not dangerous: a
    :class:`Formula` the project writes, and a signed number written as text (``-20%``,
    ``+1,250.5``: digits only, nothing to call or refer to)."""
    return (isinstance(value, str) and not isinstance(value, Formula) and len(value) > 1
            and value.startswith(DANGEROUS_START) and not _SIGNED_NUMBER.fullmatch(value))


def neutralise(value: Any) -> Any:
    """``value`` safe for a spreadsheet cell: text starting with ``= + - @``, tab or CR gets
    a leading ``'`` (``"=1+1"`` → ``"'=1+1"``); anything else (numbers, dates, ``None``,
    a :class:`Formula`, a lone ``-``, a signed number as text like ``-20%``) is returned
    unchanged."""
    return "'" + value if is_dangerous(value) else value


def _neutralise_label(label: Any) -> Any:
    """A column or index label neutralised (a tuple label: each part)."""
    if isinstance(label, tuple):
        return tuple(neutralise(v) for v in label)
    return neutralise(label)


def neutralise_frame(df: pd.DataFrame, *, index: bool = False) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column labels (and with ``index`` its index
    labels) are :func:`neutralise`-d; numeric columns are left exactly as they are."""
    out = df.copy()
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
            continue
        if col.map(is_dangerous, na_action="ignore").fillna(False).astype(bool).any():
            out.isetitem(i, col.map(neutralise, na_action="ignore"))
    if any(is_dangerous(v) or isinstance(v, tuple) for v in out.columns):
        out.columns = pd.Index([_neutralise_label(v) for v in out.columns],
                               name=out.columns.name, tupleize_cols=False) \
            if not isinstance(out.columns, pd.MultiIndex) \
            else pd.MultiIndex.from_tuples([_neutralise_label(v) for v in out.columns],
                                           names=out.columns.names)
    if index and any(is_dangerous(v) or isinstance(v, tuple) for v in out.index):
        out.index = pd.Index([_neutralise_label(v) for v in out.index], name=out.index.name,
                             tupleize_cols=False) \
            if not isinstance(out.index, pd.MultiIndex) \
            else pd.MultiIndex.from_tuples([_neutralise_label(v) for v in out.index],
                                           names=out.index.names)
    return out


# === CSV ==================================================================================

def write_csv(df: pd.DataFrame, path: str | os.PathLike, *, encoding: str = "utf-8-sig",
              index: bool = False, mode: int | None = None, **to_csv: Any) -> Path:
    """Write ``df`` as CSV with inert cells (:func:`neutralise_frame`), atomically.

    The default encoding is UTF-8 with a BOM, so Excel reads the Thai; ``mode`` sets the
    file's permissions (:func:`write_atomic`); other keywords go to ``DataFrame.to_csv``.
    Clean data is written exactly as ``df.to_csv(path, index=index, encoding=encoding)``
    would.

    Returns:
        ``path``.
    """
    frame = neutralise_frame(df, index=index)
    if "quoting" not in to_csv and _has_carriage_return(frame, index=index):
        # the csv module quotes a field with "\n" but not one with a lone "\r", which
        # Excel reads as a new row: a cell "'\r=1" would become "'" and a formula "=1"
        to_csv["quoting"] = csv.QUOTE_NONNUMERIC
    text = frame.to_csv(index=index, **to_csv)
    return write_atomic(path, text.encode(encoding), mode=mode)


def _has_carriage_return(df: pd.DataFrame, *, index: bool) -> bool:
    """Whether a text cell or label of ``df`` holds a carriage return."""
    def cr(v: Any) -> bool:
        return isinstance(v, str) and "\r" in v

    labels = [*df.columns, *(df.index if index else [])]
    if any(cr(v) or (isinstance(v, tuple) and any(map(cr, v))) for v in labels):
        return True
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
            continue
        if col.map(cr, na_action="ignore").fillna(False).astype(bool).any():
            return True
    return False


# === XLSX =================================================================================

def _xlsx_text(value: str) -> str:
    """Text as an XLSX cell can hold it: illegal control characters become ``U+FFFD``."""
    return _XLSX_ILLEGAL.sub("\ufffd", value)


def make_inert(wb) -> Any:
    """Make every cell of openpyxl workbook ``wb`` inert, in place; returns ``wb``.

    A formula cell the project did not mean to write (:func:`set_formula`; a
    :class:`Formula` in :func:`write_xlsx`) becomes its text, neutralised; text cells are neutralised (unless marked as typed text by
    :func:`typed_text`) and stored as text, never as a formula or an error value.
    """
    for ws in wb.worksheets:
        # the cells that exist, from openpyxl's cell store (iter_rows would create the
        # empty ones and change the file)
        for cell in list(ws._cells.values()):
            value = cell.value
            if not isinstance(value, str):
                if cell.data_type == "f" and value is not None:  # ArrayFormula & co.
                    text = getattr(value, "text", None) or str(value)
                    cell.value = neutralise(_xlsx_text(str(text)))
                    cell.data_type = "s"
                continue
            if cell.data_type == "f" and value.startswith("=") and _is_allowed(cell):
                continue
            if cell.quotePrefix and cell.data_type == "s":
                continue  # typed text, kept as typed (typed_text)
            safe = neutralise(_xlsx_text(value))
            if safe is not value or cell.data_type != "s":
                cell.value = safe
                cell.data_type = "s"
    return wb


_ALLOWED_ATTR = "_oneplan_formula"


def _is_allowed(cell) -> bool:
    """Whether ``cell`` holds a formula the project wrote on purpose (:func:`set_formula`)."""
    return bool(getattr(cell.parent, _ALLOWED_ATTR, {}).get(cell.coordinate))


def set_formula(ws, row: int, column: int, formula: str) -> Any:
    """Write a formula the project means to write into ``ws`` (openpyxl) at ``row``,
    ``column``; :func:`make_inert` keeps it. Returns the cell."""
    if not formula.startswith("="):
        raise ValueError(f"a formula starts with '=': {formula!r}")
    cell = ws.cell(row=row, column=column, value=str(formula))
    allowed = getattr(ws, _ALLOWED_ATTR, None)
    if allowed is None:
        allowed = {}
        setattr(ws, _ALLOWED_ATTR, allowed)
    allowed[cell.coordinate] = True
    return cell


def typed_text(cell, value: Any) -> Any:
    """Put ``value`` into openpyxl ``cell`` as the user typed it, so that importing the
    file again gives the same value: text is stored as text, and text that starts like a
    formula is marked as text with Excel's own prefix (``quotePrefix``), so it shows and
    never runs. Returns the cell."""
    if isinstance(value, str):
        value = _xlsx_text(value)
        cell.value = value
        cell.data_type = "s"
        if is_dangerous(value) or value in _ERROR_CODES:
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def _workbook_bytes(wb) -> bytes:
    buffer = io.BytesIO()
    make_inert(wb).save(buffer)
    return buffer.getvalue()


def save_workbook(wb, path: str | os.PathLike, *, mode: int | None = None) -> Path:
    """Save openpyxl workbook ``wb`` to ``path`` atomically, every cell inert
    (:func:`make_inert`). Returns ``path``."""
    return write_atomic(path, _workbook_bytes(wb), mode=mode)


def workbook_bytes(wb) -> bytes:
    """The bytes of openpyxl workbook ``wb`` saved as XLSX, every cell inert
    (:func:`make_inert`): for writers that post-process the file (fixed zip times)."""
    return _workbook_bytes(wb)


def xlsx_value(value: Any) -> Any:
    """``value`` ready for an XLSX cell (``ws.append([xlsx_value(v) for v in row])``):
    text neutralised and without the control characters XLSX cannot hold; a
    :class:`Formula` and anything not text as it is."""
    if isinstance(value, str) and not isinstance(value, Formula):
        return neutralise(_xlsx_text(value))
    return value



def _xlsx_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell and column label passed through :func:`xlsx_value`
    (the frame itself when nothing needs a change)."""
    def needs(v: Any) -> bool:
        return isinstance(v, str) and xlsx_value(v) is not v

    out = df
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
            continue
        if col.map(needs, na_action="ignore").fillna(False).astype(bool).any():
            if out is df:
                out = df.copy()
            out.isetitem(i, col.map(xlsx_value, na_action="ignore"))
    if any(needs(c) for c in df.columns) and not isinstance(df.columns, pd.MultiIndex):
        if out is df:
            out = df.copy()
        out.columns = pd.Index([xlsx_value(c) for c in df.columns], name=df.columns.name,
                               tupleize_cols=False)
    return out


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | Path, *,
               note: str | None = None, mode: int | None = None,
               formulas: Mapping[str, Sequence[str]] | None = None) -> Path:
    """Write several tables to one XLSX file (one sheet each), header row frozen, columns
    sized to their content; ``note`` (e.g. the synthetic-data label) goes in a first
    sheet so nobody mistakes a sample for real figures.

    Every text cell and header is inert (:func:`neutralise`, stored as text). Formulas the
    project builds itself are kept: a :class:`Formula` value (in a column of dtype
    ``object``), or every ``=…`` value of the columns ``formulas[sheet]`` names.

    Returns:
        ``path``.
    """
    formulas = formulas or {}
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        if note:
            pd.DataFrame({"หมายเหตุ / Note": [xlsx_value(note)]}).to_excel(
                writer, sheet_name="README", index=False)
        for name, df in sheets.items():
            sheet = name[:31]
            _xlsx_frame(df).to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            _keep_formulas(ws, df, formulas.get(name, ()))
            ws.freeze_panes = "A2"
            for i, col in enumerate(df.columns, start=1):
                width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)])
                ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(
                    60, max(8, width + 2))
        make_inert(writer.book)
    return write_atomic(path, buffer.getvalue(), mode=mode)


def _keep_formulas(ws, df: pd.DataFrame, columns: Sequence[str]) -> None:
    """Write the formulas the project means to write (header in row 1, no index): the
    :class:`Formula` values of ``df`` and the ``=…`` values of its ``columns``."""
    for j in range(df.shape[1]):
        col = df.iloc[:, j]
        chosen = df.columns[j] in columns
        if not chosen and col.dtype != object:
            continue
        for i, v in enumerate(col.to_numpy(), start=2):
            if isinstance(v, Formula) or (chosen and isinstance(v, str) and v.startswith("=")):
                set_formula(ws, i, j + 1, v)

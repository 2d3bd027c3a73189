"""Scanning text and files for personal data (national IDs, phones, names): the check every
report, export and log passes before it leaves the database."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable

from oneplan.core import thai


_ID_RE = re.compile(r"(?<!\d)(\d[\- ]?\d{4}[\- ]?\d{5}[\- ]?\d{2}[\- ]?\d)(?!\d)")


_PHONE_RE = re.compile(r"(?<!\d)(?:\+66[\- ]?|0)[689]\d[\- ]?\d{3}[\- ]?\d{4}(?!\d)")


_NAME_RE = re.compile(r"(?:นางสาว|น\.ส\.|นาย|นาง)\s?[\u0e01-\u0e4e]{2,}\s+[\u0e01-\u0e4e]{2,}")


_TEXT_SUFFIXES = {".html", ".htm", ".csv", ".json", ".md", ".txt", ".tsv", ".log",
                  ".ipynb", ".xml"}


def scan_text(text: str, names: Iterable[str] = ()) -> list[tuple[str, str]]:
    """Personal data found in ``text``: ``[(kind, first 4 characters), ...]``.

    Finds valid national IDs, Thai phone numbers, a title followed by two Thai words (a
    titled name) and any of ``names`` (e.g. every name the generator made).
    """
    hits = []
    for m in _ID_RE.finditer(text):
        if thai.national_id_is_valid(m.group(1)):
            hits.append(("national ID", m.group(1)[:4]))
    hits += [("phone", m.group(0)[:4]) for m in _PHONE_RE.finditer(text)]
    hits += [("titled name", m.group(0)[:4]) for m in _NAME_RE.finditer(text)]
    for name in names:
        if name and name in text:
            hits.append(("name", name[:2]))
    return hits


def _file_text(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in _TEXT_SUFFIXES:
        return path.read_text(encoding="utf-8", errors="ignore")
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        return "\n".join(" ".join("" if v is None else str(v) for v in row)
                         for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    if suffix == ".pdf":
        from oneplan.core.pdf import pdf_text

        return pdf_text(path)
    return None


def scan_paths(paths: Iterable[str | os.PathLike], names: Iterable[str] = ()
               ) -> dict[str, list[tuple[str, str]]]:
    """:func:`scan_text` over every readable file under ``paths`` (HTML, CSV, JSON, XLSX,
    PDF, notebooks, logs). Returns ``{file: hits}`` for files with hits only."""
    names = [n for n in set(names) if n and len(n) >= 3]
    found = {}
    for root in paths:
        root = Path(root)
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            text = _file_text(path)
            if text is None:
                continue
            hits = scan_text(text, names)
            if hits:
                found[str(path)] = hits
    return found

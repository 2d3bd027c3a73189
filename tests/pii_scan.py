"""Personal-data patterns for tests, copied from the project's scanner
(``/work/shared/tools/scan_pii.py``, not part of a clone): valid 13-digit Thai national IDs
(with or without separators) and Thai phone numbers. PDFs are read through their text
layer (:func:`oneplan.batch.pdf.pdf_text`); executed notebooks are scanned too."""

from __future__ import annotations

import re
from pathlib import Path
from oneplan.core.pdf import pdf_text

ID = re.compile(r"(?<!\d)(\d[\- ]?\d{4}[\- ]?\d{5}[\- ]?\d{2}[\- ]?\d)(?!\d)")
BASE64_PAYLOAD = re.compile(r"data:[\w/+.-]*;base64,[A-Za-z0-9+/=\\n]+")
PHONE = re.compile(r"(?<!\d)(?:\+66[\- ]?|0)[689]\d[\- ]?\d{3}[\- ]?\d{4}(?!\d)")
TEXT = {".html", ".htm", ".csv", ".json", ".md", ".txt", ".tsv", ".ipynb"}


def scan(folder: Path) -> tuple[list[tuple[Path, str, str]], int]:
    """(hits, files scanned) under ``folder``: each hit is (file, kind, first 4 chars)."""
    from oneplan.core import thai

    hits, scanned = [], 0
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file():
            continue
        if path.suffix.lower() == ".pdf":
            text = pdf_text(path)
        elif path.suffix.lower() in TEXT:
            text = path.read_text(encoding="utf-8", errors="ignore")
        else:
            continue
        # embedded images (charts, maps, fonts) are base64, not text a person typed: at
        # national scale their payload holds runs of digits that look like phone numbers
        text = BASE64_PAYLOAD.sub("data:;base64,", text)
        scanned += 1
        for m in ID.finditer(text):
            if thai.national_id_is_valid(m.group(1)):
                hits.append((path, "national ID", m.group(1)[:4]))
        for m in PHONE.finditer(text):
            hits.append((path, "phone", m.group(0)[:4]))
    return hits, scanned

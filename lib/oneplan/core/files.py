"""Writing files safely: atomic replace (readers never see half a file) and XLSX tables."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Mapping

import pandas as pd


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (str as UTF-8) to ``path`` via a temp file in the same folder + os.replace.

    Readers never see a half-written file; the parent folder is created when missing.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | Path, *,
               note: str | None = None) -> Path:
    """Write several tables to one XLSX file (one sheet each), header row frozen, columns
    sized to their content; ``note`` (e.g. the synthetic-data label) goes in a first
    sheet so nobody mistakes a sample for real figures."""
    from oneplan.core.files import write_atomic

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        if note:
            pd.DataFrame({"หมายเหตุ / Note": [note]}).to_excel(
                writer, sheet_name="README", index=False)
        for name, df in sheets.items():
            sheet = name[:31]
            df.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            ws.freeze_panes = "A2"
            for i, col in enumerate(df.columns, start=1):
                width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)])
                ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(
                    60, max(8, width + 2))
    return write_atomic(path, buffer.getvalue())

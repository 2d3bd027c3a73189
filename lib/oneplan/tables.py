"""How tables look in reports: thousands separators, one decimal, no noise.

``style(df)`` returns a pandas ``Styler`` that notebooks ``display()``; nbconvert keeps its
HTML, so the PDF shows "4,203" rather than "4203". Export helpers write the same tables to
XLSX with Thai headers for the governor's office.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pandas as pd


def style(df: pd.DataFrame, *, hide_index: bool = False, decimals: int = 1,
          precise: Mapping[str, int] | None = None):
    """A Styler with thousands separators; ``precise`` gives columns their own decimals."""
    precise = dict(precise or {})
    formats = {}
    for col in df.columns:
        if _is_year(df[col]):
            formats[col] = "{:.0f}"  # พ.ศ. years print as 2571, not 2,571
        elif col in precise:
            formats[col] = f"{{:,.{precise[col]}f}}"
        elif pd.api.types.is_integer_dtype(df[col]):
            formats[col] = "{:,.0f}"
        elif pd.api.types.is_float_dtype(df[col]):
            formats[col] = f"{{:,.{decimals}f}}"
    styler = df.style.format(formats, na_rep="–")
    if hide_index:
        styler = styler.hide(axis="index")
    return styler


def _is_year(values: pd.Series) -> bool:
    """A numeric column whose values are all whole Buddhist-Era years (2400–2800)."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return False
    v = values.dropna()
    return len(v) > 0 and bool(((v >= 2400) & (v <= 2800) & (v % 1 == 0)).all())


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | Path, *,
               note: str | None = None) -> Path:
    """Write several tables to one XLSX file (one sheet each), header row frozen, columns
    sized to their content; ``note`` (e.g. the synthetic-data label) goes in a first
    sheet so nobody mistakes a sample for real figures."""
    from .export import write_atomic
    import io

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

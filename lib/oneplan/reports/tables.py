"""How tables look in reports: thousands separators, one decimal, no noise; and which
column of a frame names its rows in the report language.

``style(df)`` returns a pandas ``Styler`` that notebooks ``display()``; nbconvert keeps its
HTML, so the PDF shows "4,203" rather than "4203". :func:`name_column` and :func:`names`
read the catalogue ``reports/text/tables.yml`` (``district_name`` in Thai,
``district_name_en`` in English, …).
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from oneplan.core.text import text


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


def name_column(kind: str, lang: str) -> str:
    """The column that holds a ``kind``'s name (district, agency, …) in ``lang``."""
    return text(f"reports.tables.column.{kind}", lang)


def names(df: pd.DataFrame, kind: str, lang: str) -> pd.Series:
    """The names of ``df``'s rows as a ``kind`` in ``lang``: one column, or several joined
    with ", " (a water project in English: its type and sub-district)."""
    first, *rest = name_column(kind, lang).split(", ")
    out = df[first]
    for col in rest:
        out = out + ", " + df[col]
    return out

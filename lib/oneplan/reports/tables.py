"""How tables look in reports: thousands separators, one decimal, no noise; and which
column of a frame names its rows in the report language.

``style(df)`` returns a pandas ``Styler`` that notebooks ``display()``; nbconvert keeps its
HTML, so the PDF shows "4,203" rather than "4203". Every cell, column label and row label
is HTML-escaped (a Styler escapes nothing by default): a proposal named ``<script>…``
shows as typed and never runs. :func:`name_column` and :func:`names`
read the catalogue ``reports/text/tables.yml`` (``district_name`` in Thai,
``district_name_en`` in English, …).
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from oneplan.core.text import text
from oneplan.reports.pages import escape_html


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
    df = _names_escaped(df)
    # escape="html": every cell and label (a Styler escapes nothing by default)
    styler = df.style.format(formats, na_rep="–", escape="html")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if hide_index:
        styler = styler.hide(axis="index")
    return styler


def _names_escaped(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the names of its index and columns HTML-escaped (:func:`escape_html`;
    the Styler shows them as they are); ``df`` itself when none needs it."""
    def esc(names):
        return [escape_html(n) if isinstance(n, str) else n for n in names]

    if esc(df.index.names) == list(df.index.names) and \
            esc(df.columns.names) == list(df.columns.names):
        return df
    out = df.copy(deep=False)
    out.index = out.index.set_names(esc(df.index.names))
    out.columns = out.columns.set_names(esc(df.columns.names))
    return out


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

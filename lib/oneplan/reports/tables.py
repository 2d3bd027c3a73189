"""How tables look in reports: each number by its kind (counts whole, money in ล้านบาท and
percentages with one decimal, :mod:`oneplan.core.numbers`), no noise; and which
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

from oneplan.core import numbers
from oneplan.core.text import text
from oneplan.reports.pages import escape_html


def style(df: pd.DataFrame, *, hide_index: bool = False,
          kinds: Mapping[str, str] | None = None,
          precise: Mapping[str, int] | None = None, decimals: int | None = None):
    """A Styler that shows every numeric column by its kind (:mod:`oneplan.core.numbers`):
    counts as whole numbers with thousands separators, money in ล้านบาท and percentages
    with one decimal, scores with three, พ.ศ. years as written. The kind is guessed from
    the column's label and values (:func:`oneplan.core.numbers.column_kind`); ``kinds``
    names it for a column ({label: "count" | "money" | "pct" | "score" | "number"}).
    ``precise`` gives a column its own number of decimals; ``decimals`` (kept for callers
    that still pass it) only sets the decimals of plain measures (kind ``number``).
    A table of at most :data:`KEEP_ROWS` rows is marked to stay on one printed page."""
    kinds = dict(kinds or {})
    precise = dict(precise or {})
    formats = {}
    for col in df.columns:
        values = df[col]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        if col in precise:
            formats[col] = f"{{:,.{precise[col]}f}}"
            continue
        kind = kinds.get(col) or numbers.column_kind(
            col, values, integer=pd.api.types.is_integer_dtype(values))
        if kind == "number" and decimals is not None:
            formats[col] = f"{{:,.{decimals}f}}"
        else:
            formats[col] = numbers.cell_format(kind)
    df = _names_escaped(df)
    # escape="html": every cell and label (a Styler escapes nothing by default)
    styler = df.style.format(formats, na_rep="–", escape="html")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if hide_index:
        styler = styler.hide(axis="index")
    if len(df) <= KEEP_ROWS:
        styler = styler.set_table_attributes('class="oneplan-keep"')
    return styler


KEEP_ROWS = 12
"""Tables this short stay on one printed page (the export's ``table.oneplan-keep``)."""


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

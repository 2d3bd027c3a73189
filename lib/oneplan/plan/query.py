"""The province filter and the fiscal-year query that the plan's loaders share (needs,
follow-up, the governor's overview): one province, or every province for ``None``/``""``."""

from __future__ import annotations

import duckdb
import pandas as pd

from oneplan.core import areas


def province_filter(province_code: str | None, alias: str = "") -> tuple[str, list]:
    """SQL `` AND <alias>province_code = ?`` and its argument for one province; ``("", [])``
    for every province (``None`` or ``""``).

    Raises:
        oneplan.core.areas.UnknownAreaError: an unknown province code.
    """
    if province_code in (None, ""):
        return "", []
    return f" AND {alias}province_code = ?", [areas.province(province_code).code]


def rows_of_year(con: duckdb.DuckDBPyConnection, sql: str, province_code: str | None,
                 fiscal_year: int, alias: str = "") -> pd.DataFrame:
    """The rows of ``sql`` for one fiscal year and province (every province for ``None``
    or ``""``): ``sql`` has one ``?`` for the fiscal year, then ``{where}`` where the
    province filter (:func:`province_filter` on ``alias``) goes."""
    where, args = province_filter(province_code, alias)
    return con.execute(sql.replace("{where}", where), [int(fiscal_year), *args]).df()

"""The central database: one DuckDB file for all 76 provinces.

The schema is documented in ``schema.sql`` beside this module. :func:`oneplan.samples.build.build_sample`
creates it from the synthetic sample.
Reports open the database read-only, so many batch workers can read it at once.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from oneplan.core import areas
from oneplan.core.errors import UserError
from oneplan.core.vocab import FUND_SOURCES
from oneplan.core.paths import default_db_path

log = logging.getLogger(__name__)


class DatabaseMissingError(UserError, FileNotFoundError):
    """The central database file does not exist yet (a user error: exit 2)."""


def schema_sql() -> str:
    """The DDL of every table (``schema.sql``)."""
    return resources.files("oneplan.data").joinpath("schema.sql").read_text(encoding="utf-8")


def connect(path: str | Path | None = None, *, read_only: bool = True
            ) -> duckdb.DuckDBPyConnection:
    """Open the central database.

    Args:
        path: database file; default ``$ONEPLAN_DB`` or ``data/oneplan.duckdb``.
        read_only: reports read only; only the build and imports write.

    Raises:
        DatabaseMissingError: the file does not exist; the message names the command
            that builds it.
    """
    path = Path(path) if path else default_db_path()
    if read_only and not path.exists():
        raise DatabaseMissingError(
            f"central database {path} does not exist; build it with "
            f"`oneplan build-sample --db {path}` (or `make run`)"
        )
    return duckdb.connect(str(path), read_only=read_only)


def meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The ``meta`` table as a dict (synthetic flag, seed, versions, build time)."""
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


_CANDIDATES_SQL = """
    SELECT p.*,
           p.requires_project_id AS requires,
           coalesce(list_contains(p.fund_sources, $fund_source), true) AS eligible,
           d.name_th AS district_name, d.name_en AS district_name_en,
           s.name_th AS subdistrict_name, s.name_en AS subdistrict_name_en,
           w.need_index
    FROM water_projects p
    JOIN areas d ON d.code = p.district_code
    JOIN areas s ON s.code = p.subdistrict_code
    LEFT JOIN subdistrict_water w
           ON w.subdistrict_code = p.subdistrict_code AND w.fiscal_year = p.fiscal_year
    WHERE p.fiscal_year = $fiscal_year {where}
    ORDER BY p.project_id
"""


def _check_fund_source(fund_source: str) -> str:
    if fund_source not in FUND_SOURCES:
        raise ValueError(f"fund_source must be one of {', '.join(FUND_SOURCES)}; "
                         f"got {fund_source!r}")
    return fund_source


def _as_tuple(value) -> tuple | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return tuple(value.tolist() if hasattr(value, "tolist") else value)


def _plan_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Python-friendly plan columns: tuples for the lists, None for missing ids, Int64."""
    df["cost_profile"] = [p if p is not None else (1.0,)
                          for p in map(_as_tuple, df["cost_profile"])]
    df["fund_sources"] = [_as_tuple(f) for f in df["fund_sources"]]
    for col in ("requires_project_id", "requires", "alternative_group"):
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    for col in ("earliest_start", "duration_years"):
        df[col] = df[col].astype("Int64")
    df["eligible"] = df["eligible"].astype(bool)
    return df


def water_candidates(con: duckdb.DuckDBPyConnection, province_code: str,
                     fiscal_year: int, *, fund_source: str = "province") -> pd.DataFrame:
    """Water project candidates of one province and fiscal year, with area names, the need
    index of each project's sub-district and the multi-year plan columns of
    ``docs/plan-model-api.md``.

    Besides every column of ``water_projects``:

    * ``requires`` — ``requires_project_id`` (None when the project needs no other);
    * ``alternative_group`` — None when the project has no alternatives;
    * ``cost_profile`` — a tuple of yearly cost shares (``(1.0,)`` when not stated);
    * ``fund_sources`` — a tuple of budget sources (None when not stated);
    * ``earliest_start`` — fiscal year (พ.ศ.), pandas ``Int64`` (NA when not stated);
    * ``eligible`` — True when ``fund_source`` may fund the project (also when its
      ``fund_sources`` are not stated);
    * ``district_name``/``_en``, ``subdistrict_name``/``_en``, ``need_index``.

    Args:
        fund_source: the budget being planned: ``province`` (งบพัฒนาจังหวัด),
            ``department`` (งบกรม) or ``lao`` (งบท้องถิ่น).
    """
    code = areas.province(province_code).code
    sql = _CANDIDATES_SQL.format(where="AND p.province_code = $province")
    df = con.execute(sql, {"province": code, "fiscal_year": int(fiscal_year),
                           "fund_source": _check_fund_source(fund_source)}).df()
    return _plan_columns(df)


def all_water_candidates(con: duckdb.DuckDBPyConnection, fiscal_year: int, *,
                         fund_source: str = "province") -> pd.DataFrame:
    """:func:`water_candidates` of every province at once (national analyses, benchmark)."""
    sql = _CANDIDATES_SQL.format(where="")
    df = con.execute(sql, {"fiscal_year": int(fiscal_year),
                           "fund_source": _check_fund_source(fund_source)}).df()
    return _plan_columns(df)


def province_districts(con: duckdb.DuckDBPyConnection, province_code: str) -> pd.DataFrame:
    """Districts of a province with their (sample) population and households."""
    return con.execute(
        "SELECT code, name_th, name_en, population, households FROM areas "
        "WHERE level = 'district' AND parent_code = ? ORDER BY code",
        [areas.province(province_code).code],
    ).df()

"""The central database: one DuckDB file for all 76 provinces.

The schema is documented in ``schema.sql`` beside this module. :func:`build_sample`
creates the file from the synthetic sample; it writes a new file beside the old one and
swaps it in atomically, so a report running meanwhile never reads a half-built database.
Reports open the database read-only, so many batch workers can read it at once.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from . import __version__, areas, sample
from .paths import default_db_path

log = logging.getLogger(__name__)

TABLES_FROM_SAMPLE = ("areas", "subdistrict_water", "agencies", "strategic_issues",
                      "water_projects")


class DatabaseMissingError(FileNotFoundError):
    """The central database file does not exist yet."""


def schema_sql() -> str:
    """The DDL of every table (``schema.sql``)."""
    return resources.files("oneplan").joinpath("schema.sql").read_text(encoding="utf-8")


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


def build_sample(path: str | Path | None = None, *, seed: int = 2567, fiscal_year: int = 2570,
                 provinces: list[str] | None = None, projects_min: int = 250,
                 projects_max: int = 1500) -> Path:
    """Create the central database from the synthetic sample (all 76 provinces by default).

    Returns:
        The path of the database written.
    """
    path = Path(path) if path else default_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    tables = sample.generate(provinces, seed=seed, fiscal_year=fiscal_year,
                             projects_min=projects_min, projects_max=projects_max)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute(schema_sql())
        for name in TABLES_FROM_SAMPLE:
            df = tables[name]
            cols = ", ".join(df.columns)
            con.register("incoming", df)
            con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM incoming")
            con.unregister("incoming")
        meta = {
            "synthetic": "true",
            "synthetic_note_th": sample.SYNTHETIC_NOTE_TH,
            "synthetic_note_en": sample.SYNTHETIC_NOTE_EN,
            "generator": sample.GENERATOR,
            "seed": str(seed),
            "fiscal_year": str(fiscal_year),
            "oneplan_version": __version__,
            "geography_version": areas.geography_version(),
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        con.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, path)
    log.info("built %s in %.1f s", path, time.perf_counter() - started)
    return path


def meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The ``meta`` table as a dict (synthetic flag, seed, versions, build time)."""
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


def water_candidates(con: duckdb.DuckDBPyConnection, province_code: str,
                     fiscal_year: int) -> pd.DataFrame:
    """Water project candidates of one province and fiscal year, with area names and the
    need index of each project's sub-district."""
    code = areas.province(province_code).code
    return con.execute(
        """
        SELECT p.*, d.name_th AS district_name, d.name_en AS district_name_en,
               s.name_th AS subdistrict_name, s.name_en AS subdistrict_name_en,
               w.need_index
        FROM water_projects p
        JOIN areas d ON d.code = p.district_code
        JOIN areas s ON s.code = p.subdistrict_code
        LEFT JOIN subdistrict_water w
               ON w.subdistrict_code = p.subdistrict_code AND w.fiscal_year = p.fiscal_year
        WHERE p.province_code = ? AND p.fiscal_year = ?
        ORDER BY p.project_id
        """,
        [code, fiscal_year],
    ).df()


def province_districts(con: duckdb.DuckDBPyConnection, province_code: str) -> pd.DataFrame:
    """Districts of a province with their (sample) population and households."""
    return con.execute(
        "SELECT code, name_th, name_en, population, households FROM areas "
        "WHERE level = 'district' AND parent_code = ? ORDER BY code",
        [areas.province(province_code).code],
    ).df()

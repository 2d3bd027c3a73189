"""The central database: one DuckDB file for all 76 provinces.

The schema is documented in ``schema.sql`` beside this module. :func:`oneplan.samples.build.build_sample`
creates it from the synthetic sample.

Sharing the file
    DuckDB lets one process write the file, or many read it, never both at once. Imports
    and other writers open it read-write; reports open it read-only, read what they need
    and close it at once, so a writer can get in between. :func:`connect` waits for a
    lock another process holds: it says once on stderr that it is waiting, tries again
    with a growing pause, and gives up after ``$ONEPLAN_DB_WAIT`` seconds (default
    :data:`DEFAULT_WAIT_S`) with :class:`DatabaseBusyError`. A path that is a folder or
    not a DuckDB file is refused with :class:`DatabaseFileError`, naming the path.

What a report depends on
    :func:`content_digests` fingerprints the stored data of each province (and the
    country-wide rows apart), so a report is redone when, and only when, the data it shows
    changed (:mod:`oneplan.batch.fingerprints`); an import that changes nothing changes no
    digest.
"""

from __future__ import annotations

import logging
import os
import random
import re
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Collection

import duckdb
import pandas as pd

from oneplan.core import areas
from oneplan.core.errors import Failure, UserError
from oneplan.core.paths import default_db_path
from oneplan.core.text import text
from oneplan.core.vocab import FUND_SOURCES

log = logging.getLogger(__name__)

WAIT_ENV = "ONEPLAN_DB_WAIT"
DEFAULT_WAIT_S = 300.0
"""How long :func:`connect` waits for another process's lock, seconds (``$ONEPLAN_DB_WAIT``)."""


def _both(key: str, **fields) -> str:
    """The catalogue text ``data.db.<key>`` as one line: Thai / English."""
    return " / ".join(text(f"data.db.{key}", lang, **fields) for lang in ("th", "en"))


class DatabaseMissingError(UserError, FileNotFoundError):
    """The central database file does not exist yet."""


class DatabaseFileError(UserError):
    """The database path is a folder, or a file that is not a DuckDB database."""


class DatabaseBusyError(Failure):
    """Another process kept the database locked longer than the wait allows."""


def schema_sql() -> str:
    """The DDL of every table (``schema.sql``)."""
    return resources.files("oneplan.data").joinpath("schema.sql").read_text(encoding="utf-8")


def wait_seconds() -> float:
    """How long to wait for a lock: ``$ONEPLAN_DB_WAIT`` seconds, else :data:`DEFAULT_WAIT_S`.

    Raises:
        oneplan.core.errors.UserError: the variable is not a number ≥ 0.
    """
    raw = os.environ.get(WAIT_ENV, "").strip()
    if not raw:
        return DEFAULT_WAIT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise UserError(_both("bad_wait", var=WAIT_ENV, value=raw))
    return value


MEMORY_ENV = "ONEPLAN_DUCKDB_MEMORY"
TMPDIR_ENV = "ONEPLAN_TMPDIR"
DEFAULT_MEMORY = "4GB"
"""DuckDB's memory limit unless ``$ONEPLAN_DUCKDB_MEMORY`` (or the caller) says otherwise
(DuckDB's own default is 80 % of the machine's memory)."""
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.I)


def duckdb_config(path: str | Path | None = None, memory_limit: str | None = None) -> dict:
    """DuckDB settings the project sets itself: ``memory_limit`` (``$ONEPLAN_DUCKDB_MEMORY``,
    else ``memory_limit``, else :data:`DEFAULT_MEMORY`) and ``temp_directory`` for spills
    (``$ONEPLAN_TMPDIR``, else beside the database file as ``<name>.tmp``, else — for an
    in-memory database — ``oneplan-duckdb-<user>`` in the system's temporary folder;
    never the current folder, where DuckDB would put ``.tmp``).

    Raises:
        oneplan.core.errors.UserError: ``$ONEPLAN_DUCKDB_MEMORY`` is not a memory size.
    """
    import getpass
    import tempfile

    env = os.environ.get(MEMORY_ENV, "").strip()
    if env and not _MEMORY.match(env):
        raise UserError(_both("bad_memory", var=MEMORY_ENV, value=env))
    tmp = os.environ.get(TMPDIR_ENV, "").strip()
    if not tmp:
        if path is not None and str(path) != ":memory:":
            p = Path(path).resolve()
            tmp = str(p.with_name(p.name + ".tmp"))
        else:
            tmp = str(Path(tempfile.gettempdir()) / f"oneplan-duckdb-{getpass.getuser()}")
    return {"memory_limit": env or memory_limit or DEFAULT_MEMORY, "temp_directory": tmp}


_LOCKED = re.compile(r"Could not set lock on file|Conflicting lock is held", re.I)
_HOLDER = re.compile(r"\(PID (\d+)\)")


def is_server(target: str | Path | None = None) -> bool:
    """True when ``target`` (default ``$ONEPLAN_DB``) is a PostgreSQL server's URL."""
    from oneplan.data import pgstore

    return pgstore.is_url(target if target else os.environ.get("ONEPLAN_DB", ""))


def server_layout() -> "pgstore.Layout":  # noqa: F821 - imported when a server is used
    """What a server workspace needs of the schema (:class:`oneplan.data.pgstore.Layout`)."""
    from oneplan.data import pgstore

    return pgstore.Layout(schema_sql(), PROVINCE_OF, SPREAD_OVER_PROVINCES,
                          duckdb_config(None))


def shown(target: str | Path | None) -> str:
    """How a database is named in a message: a file's path, a URL without its password."""
    from oneplan.data import pgstore

    return pgstore.masked(str(target)) if is_server(target) else str(target)


def connect(path: str | Path | None = None, *, read_only: bool = True,
            wait_s: float | None = None, province: str | None = None,
            tables: Collection[str] | None = None):
    """Open the central database, waiting while another process holds it.

    Args:
        path: database file or ``postgresql://`` URL; default ``$ONEPLAN_DB`` or
            ``data/oneplan.duckdb``. A URL opens a workspace of the server
            (:mod:`oneplan.data.pgstore`): a DuckDB connection with the rows the role
            may read; a writer publishes its changes with :func:`commit`.
        read_only: reports read only; only the build and imports write.
        wait_s: how long to wait for another process's lock (default
            :func:`wait_seconds`); the wait is said once on stderr.
        province: a server workspace's scope: a province code, ``""`` for the whole
            country, None for ``$ONEPLAN_PROVINCE`` (else the whole country); a DuckDB
            file is always whole.
        tables: a server writer fills only these tables, and a province writer's
            ``areas`` holds only its own villages (``Workspace.villages_of``): the
            command must name every table it reads. A DuckDB file is always whole.

    Raises:
        DatabaseMissingError: the file does not exist (read-only); the message names the
            command that builds it.
        DatabaseFileError: the path is a folder, or not a DuckDB database file, or cannot
            be opened.
        DatabaseBusyError: still locked by another process after the wait.
    """
    if is_server(path):
        return _connect_server(str(path or os.environ["ONEPLAN_DB"]), read_only=read_only,
                               wait_s=wait_s, province=province, tables=tables)
    path = Path(path) if path else default_db_path()
    if path.is_dir():
        raise DatabaseFileError(_both("is_folder", path=path))
    if read_only and not path.exists():
        raise DatabaseMissingError(_both("missing", path=path))
    limit = wait_seconds() if wait_s is None else wait_s
    deadline = time.monotonic() + limit
    pause, said = 0.05, False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only,
                                  config=duckdb_config(path))
        except duckdb.IOException as exc:
            message = str(exc)
            if not _LOCKED.search(message):
                if "not a valid DuckDB database" in message:
                    raise DatabaseFileError(_both("not_duckdb", path=path)) from None
                reason = message.split("Error: ", 1)[-1].splitlines()[0][:300]
                raise DatabaseFileError(_both("cannot_open", path=path, reason=reason)) \
                    from None
            holder = (_HOLDER.search(message) or [None, "?"])[1]
        left = deadline - time.monotonic()
        if left <= 0:
            raise DatabaseBusyError(_both("busy", path=path, pid=holder, seconds=f"{limit:g}",
                                          var=WAIT_ENV)) from None
        if not said:
            said = True
            line = _both("waiting", path=path, pid=holder)
            log.info(line)
            print(line, file=sys.stderr, flush=True)
        time.sleep(min(left, pause * random.uniform(0.5, 1.0)))
        pause = min(pause * 1.6, 1.0)


def _connect_server(url: str, *, read_only: bool, wait_s: float | None,
                    province: str | None, tables: Collection[str] | None = None):
    """A workspace of the server at ``url`` (see :func:`connect`)."""
    from oneplan.data import pgstore

    limit = wait_seconds() if wait_s is None else wait_s
    where = pgstore.masked(url)

    def on_wait(pid: str) -> None:
        line = _both("waiting", path=where, pid=pid)
        log.info(line)
        print(line, file=sys.stderr, flush=True)

    def busy(pid: str) -> DatabaseBusyError:
        return DatabaseBusyError(_both("busy", path=where, pid=pid, seconds=f"{limit:g}",
                                       var=WAIT_ENV))

    return pgstore.open_workspace(url, server_layout(), read_only=read_only,
                                  province=province, wait_s=limit, on_wait=on_wait,
                                  busy=busy, tables=tables)


def commit(con) -> dict[str, dict[str, int]]:
    """Make a writer's changes part of the central database.

    For a DuckDB file nothing is left to do (its statements already wrote the file):
    returns ``{}``. For a server workspace the local changes are published in one
    server transaction (:meth:`oneplan.data.pgstore.Workspace.publish`), judged row by
    row by the server's rights; returns ``{table: {inserted, updated, deleted}}``.

    Raises:
        oneplan.core.errors.UserError: the server refused a row; nothing was saved.
    """
    from oneplan.data import pgstore

    if pgstore.is_workspace(con):
        return con.publish()
    return {}


def is_workspace(con) -> bool:
    """True when ``con`` is a server workspace rather than a DuckDB file's connection."""
    from oneplan.data import pgstore

    return pgstore.is_workspace(con)


def check_server(url: str) -> str:
    """``url`` when its server answers a login, else a one-line :class:`UserError` naming
    host, port and database (never the password)."""
    from oneplan.data import pgstore

    pgstore.psycopg_connect(url).close()
    return pgstore.normalised(url)


def province_of_need(target: str | Path | None, need_id: str) -> str:
    """The province of need ``need_id`` on a server (the scope a stage change locks);
    ``""`` (the whole country) for a DuckDB file or a need the server does not show."""
    from oneplan.data import pgstore

    if not is_server(target):
        return ""
    url = str(target or os.environ["ONEPLAN_DB"])
    with pgstore.psycopg_connect(url) as con:
        row = con.execute("SELECT province_code FROM needs WHERE need_id = %s",
                          [need_id]).fetchone()
    return row[0] if row and row[0] else ""


def meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The ``meta`` table as a dict (synthetic flag, seed, versions, build time)."""
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


# --- what the reports depend on -----------------------------------------------------------

VOLATILE_META = frozenset({"last_import_at"})
"""``meta`` keys that say when something was written, not what the data are."""

NOT_REPORTED = frozenset({"meta", "complaint_rejects", "complaint_link_runs", "audit_log",
                          "schema_migrations"})
"""Tables no report shows: ``meta`` (its other keys identify the build, see
:data:`VOLATILE_META`), the problems of rejected complaint rows (appended at every
import of a feed), the log of link runs (one row per run, whatever it changed) and the
audit trail (one row per import, whatever it changed: an identical re-import redoes no
report; the appendix line names the last import that changed data, see
:func:`oneplan.data.audit.latest`) and the schema versions applied (an upgrade that
changes what a report shows changes the tables it reads)."""

VOLATILE_COLUMNS = frozenset({"imported_at", "linked_at"})
"""Columns that say when a row was written, not what it holds."""

PROVINCE_OF: dict[str, tuple[str, str]] = {
    "need_stages": ("need_stages t LEFT JOIN needs p ON p.need_id = t.need_id",
                    "p.province_code"),
    "progress": ("progress t LEFT JOIN proposals p ON p.project_id = t.project_id "
                 "LEFT JOIN water_projects w ON w.project_id = t.project_id",
                 "coalesce(p.province_code, w.province_code)"),
    "plan_items": ("plan_items t LEFT JOIN plan_versions p ON p.version_id = t.version_id",
                   "p.province_code"),
    "complaint_truth": ("complaint_truth t LEFT JOIN complaints p "
                        "ON p.complaint_id = t.complaint_id", "p.province_code"),
    # a pair awaiting review, or an officer's decision on one, belongs to the province of
    # its first record: a decision no longer marks every province's report stale
    "complaint_review_pairs": ("complaint_review_pairs t LEFT JOIN complaints p "
                               "ON p.complaint_id = t.left_id", "p.province_code"),
    "complaint_link_decisions": ("complaint_link_decisions t LEFT JOIN complaints p "
                                 "ON p.complaint_id = t.left_id", "p.province_code"),
}
"""Tables without a ``province_code`` column: the rows they are joined to (the table is
``t``) and the province of a row. A table with a ``province_code`` column belongs to that
province; a row with no province (central agencies, a table not named here) belongs to
the whole country ("")."""

SPREAD_OVER_PROVINCES = {"complaint_clusters": ("complaints", "complaint_id", "cluster_id")}
"""Tables whose groups span provinces (table: (the table giving the province, the key
joining them, the group)): a matter (cluster) of complaints in two provinces counts for
both, since each province's report shows the whole matter."""

COUNTRY_FIGURES = {
    "as_of": "SELECT n.fiscal_year, max(s.stage_on) FROM need_stages s "
             "JOIN needs n ON n.need_id = s.need_id GROUP BY 1",
}
"""Figures of the whole country that every province's report uses: the day the plan data
stand at (:func:`oneplan.plan.needs.as_of_date`, when the database sets no
``plan_as_of``)."""


def _row_hash(con: duckdb.DuckDBPyConnection, table: str, alias: str) -> str:
    cols = [c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND table_schema = 'main' ORDER BY ordinal_position", [table]).fetchall()
        if c not in VOLATILE_COLUMNS]
    return "hash(" + ", ".join(f'{alias}."{c}"' for c in cols) + ")"


def content_digests(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """What the stored data of each province are, as ``{province code: {table: digest}}``
    (``""``: rows of the whole country and :data:`COUNTRY_FIGURES`).

    A digest is the row count with the sum and the XOR of the rows' hashes (columns of
    :data:`VOLATILE_COLUMNS` left out), so it changes when a row of that province is
    added, changed or deleted, and not when an import rewrites nothing. Tables of
    :data:`NOT_REPORTED` are left out. One pass over the data (≈ 0.3 s for the whole
    country's sample).
    """
    tables = [t for (t,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_type = 'BASE TABLE' ORDER BY 1").fetchall() if t not in NOT_REPORTED]
    out: dict[str, dict[str, str]] = {}

    def add(table: str, rows) -> None:
        for prov, n, total, xor in rows:
            out.setdefault(prov or "", {})[table] = f"{n}:{total}:{xor}"

    for table in tables:
        h = _row_hash(con, table, "t")
        if table in SPREAD_OVER_PROVINCES:
            owner, key, group = SPREAD_OVER_PROVINCES[table]
            add(table, con.execute(f"""
                WITH r AS (SELECT t.{group} AS g, {h} AS h, o.province_code AS prov
                           FROM {table} t LEFT JOIN {owner} o ON o.{key} = t.{key}),
                     grp AS (SELECT g, hash(g, sum(h), bit_xor(h)) AS gh FROM r GROUP BY g),
                     pg AS (SELECT DISTINCT prov, g FROM r)
                SELECT pg.prov, count(*), sum(gh)::VARCHAR, bit_xor(gh)::VARCHAR
                FROM pg JOIN grp USING (g) GROUP BY 1""").fetchall())
            continue
        if table in PROVINCE_OF:
            source, prov = PROVINCE_OF[table]
        else:
            has_prov = con.execute(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = ? "
                "AND table_schema = 'main' AND column_name = 'province_code'",
                [table]).fetchone()[0]
            source, prov = f"{table} t", "t.province_code" if has_prov else "NULL"
        add(table, con.execute(
            f"SELECT {prov} AS prov, count(*), sum({h})::VARCHAR, bit_xor({h})::VARCHAR "
            f"FROM {source} GROUP BY 1").fetchall())
    for name, sql in COUNTRY_FIGURES.items():
        try:
            rows = con.execute(sql).fetchall()
        except duckdb.CatalogException:  # an older file without the table
            rows = []
        out.setdefault("", {})[name] = repr(sorted(map(repr, rows)))
    return out


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

"""Versions of the central database's schema, on DuckDB and on PostgreSQL.

A schema version is a file ``data/migrations/NNNN_name.sql`` (DuckDB dialect; PostgreSQL
runs it through :func:`oneplan.data.pgschema.translate`). ``0001_base`` is the schema of
the release before the complaint-feed work, ``0002_complaint_feeds`` brings it to that
work's schema, and each later file one step further. Every statement is idempotent
(``IF NOT EXISTS``), so a file that older code already altered ad hoc upgrades cleanly.

A database records the versions it has in ``schema_migrations``; a database made from
``schema.sql`` is stamped with all of them (:func:`stamp`). A database without that table
(made before versions existed) is given the version its tables and columns show: each
migration is *present* when every table it creates and every column it adds exist, and
the version is the last of the unbroken run of present migrations from 0001 (so a file
of the previous release is 1, one with the complaint-feed columns 2).

:func:`upgrade` applies what is missing, each migration in its own transaction together
with its ``schema_migrations`` row; a database newer than this code is refused
(:class:`DatabaseTooNewError`). It takes a DuckDB connection or a psycopg connection to
the server (as the owner role); on the server the PostgreSQL-only DDL
(:func:`oneplan.data.pgschema.server_only_sql`: rights, triggers) is applied again after
an upgrade, so new tables get their rights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources

from oneplan.core.errors import UserError, message
from oneplan.data import pgschema, pgstore

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_CREATES = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)", re.I)
_ADDS = re.compile(r"ALTER TABLE (\w+) ADD COLUMN IF NOT EXISTS (\w+)", re.I)

TABLE = "schema_migrations"
TABLE_DDL = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL
)"""
"""The version table (as in ``schema.sql``), made by :func:`upgrade` where it is missing."""


class DatabaseTooNewError(UserError):
    """The database has a schema version this oneplan does not know."""


@dataclass(frozen=True)
class Migration:
    """One schema version: its number, name and DuckDB-dialect SQL."""

    version: int
    name: str
    sql: str

    @property
    def label(self) -> str:
        """``NNNN_name``, as the file is called."""
        return f"{self.version:04d}_{self.name}"

    def objects(self) -> tuple[set[str], set[tuple[str, str]]]:
        """The tables this migration creates and the (table, column) pairs it adds."""
        code = "\n".join(line.partition("--")[0] for line in self.sql.splitlines())
        return ({t.lower() for t in _CREATES.findall(code)},
                {(t.lower(), c.lower()) for t, c in _ADDS.findall(code)})


@lru_cache(maxsize=1)
def migrations() -> tuple[Migration, ...]:
    """Every migration of ``data/migrations/``, in version order.

    Raises:
        RuntimeError: two files share a number, or the numbers have a gap (a packaging bug).
    """
    folder = resources.files("oneplan.data").joinpath("migrations")
    found = []
    for f in folder.iterdir():
        m = _FILE.match(f.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2),
                                   f.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError("data/migrations/ must number its files 0001, 0002, … "
                           f"without gaps: {[m.label for m in found]}")
    return tuple(found)


def latest() -> int:
    """The newest schema version this oneplan knows."""
    return migrations()[-1].version


# --- either engine --------------------------------------------------------------------------

def engine_of(con) -> str:
    """``"postgresql"`` for a psycopg connection, else ``"duckdb"`` (a DuckDB connection or
    anything that forwards DuckDB's ``execute``)."""
    return "postgresql" if type(con).__module__.split(".")[0] == "psycopg" else "duckdb"


def _rows(con, sql: str, params: tuple = ()) -> list[tuple]:
    if engine_of(con) == "postgresql":
        cur = con.execute(sql.replace("?", "%s"), params or None)
        return cur.fetchall() if cur.description else []
    res = con.execute(sql, list(params)) if params else con.execute(sql)
    try:
        return res.fetchall()
    except Exception:  # noqa: BLE001 - a statement without rows
        return []


def table_names(con) -> list[str]:
    """The base tables of the database's current schema, sorted."""
    return [t for (t,) in _rows(
        con, "SELECT table_name FROM information_schema.tables WHERE table_schema = "
             "current_schema() AND table_type = 'BASE TABLE' ORDER BY 1")]


def _columns(con) -> set[tuple[str, str]]:
    return {(t.lower(), c.lower()) for t, c in _rows(
        con, "SELECT table_name, column_name FROM information_schema.columns "
             "WHERE table_schema = current_schema()")}


def _run_script(con, sql: str) -> None:
    """Run a DDL script (several statements) on either engine."""
    if engine_of(con) == "postgresql":
        con.execute(pgschema.translate(sql))
    else:
        con.execute(sql)


class _Transaction:
    """One transaction on either engine (commit on success, roll back on an error)."""

    def __init__(self, con):
        self.con = con
        self.pg = engine_of(con) == "postgresql"

    def __enter__(self):
        if self.pg:
            self.inner = self.con.transaction()
            self.inner.__enter__()
        else:
            self.con.execute("BEGIN TRANSACTION")
        return self

    def __exit__(self, kind, exc, tb):
        if self.pg:
            return self.inner.__exit__(kind, exc, tb)
        self.con.execute("ROLLBACK" if kind else "COMMIT")
        return False


# --- what a database has ------------------------------------------------------------------

def recorded(con) -> list[int] | None:
    """The versions in ``schema_migrations``, or None when the database has no such table."""
    if TABLE not in table_names(con):
        return None
    return [v for (v,) in _rows(con, f"SELECT version FROM {TABLE} ORDER BY version")]


def detected_version(con) -> int:
    """The version the tables and columns show (for a database without
    ``schema_migrations``): the last of the unbroken run of migrations whose tables and
    added columns all exist; 0 for an empty database."""
    have_cols = _columns(con)
    have_tables = {t for t, _ in have_cols}
    version = 0
    for m in migrations():
        tables, cols = m.objects()
        if not (tables <= have_tables and cols <= have_cols):
            break
        version = m.version
    return version


def current_version(con) -> int:
    """The database's schema version: the highest recorded in ``schema_migrations``, or
    :func:`detected_version` when it has no such table (or an empty one)."""
    versions = recorded(con)
    return max(versions) if versions else detected_version(con)


def is_recorded(con) -> bool:
    """Whether the version comes from ``schema_migrations`` (else from the columns)."""
    return bool(recorded(con))


def check_known(con) -> int:
    """The database's version, when this oneplan knows it.

    Raises:
        DatabaseTooNewError: the database is newer than this code.
    """
    version = current_version(con)
    if version > latest():
        raise DatabaseTooNewError(message("data.migrations.too_new", version=version,
                                          latest=latest()))
    return version


def pending(con) -> list[Migration]:
    """The migrations the database lacks, in the order :func:`upgrade` applies them.

    Raises:
        DatabaseTooNewError: the database is newer than this code.
    """
    version = check_known(con)
    done = set(recorded(con) or range(1, version + 1))
    return [m for m in migrations() if m.version not in done]


def _record(con, m: Migration, when: datetime) -> None:
    _rows(con, f"INSERT INTO {TABLE} (version, name, applied_at) VALUES (?, ?, ?) "
               "ON CONFLICT DO NOTHING", (m.version, m.name, when))


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def stamp(con) -> list[int]:
    """Record the versions the database shows in ``schema_migrations`` when it records
    none yet (a database just made from ``schema.sql`` gets every version); a database
    that records versions is left alone. Returns the versions recorded now."""
    _run_script(con, TABLE_DDL)
    if recorded(con):
        return []
    version = detected_version(con)
    now = _now()
    with _Transaction(con):
        for m in migrations()[:version]:
            _record(con, m, now)
    return list(range(1, version + 1))


def upgrade(con) -> list[Migration]:
    """Bring the database to :func:`latest`: record the versions an unversioned database
    already shows, then apply each missing migration in its own transaction with its
    ``schema_migrations`` row. Upgrading an up-to-date database does nothing.

    Returns:
        The migrations applied now (empty when there was nothing to do).

    Raises:
        DatabaseTooNewError: the database is newer than this code.
    """
    check_known(con)
    pg = engine_of(con) == "postgresql"
    if pg:
        con.execute(pgschema.PRELUDE)  # functions that schema checks use, by DuckDB's names
    stamp(con)
    if pg:
        con.commit()  # each migration below is then a transaction of its own
    todo = pending(con)
    for m in todo:
        with _Transaction(con):
            _run_script(con, m.sql)
            _record(con, m, _now())
    if pg:
        if todo:
            server_only = pgschema.server_only_sql()
            if server_only.strip():
                con.execute(server_only)
        con.commit()
    return todo


def notice(con, lang: str = "th") -> str | None:
    """One line telling the user to run ``oneplan db upgrade`` when the database is older
    than this code, else None (nothing is changed)."""
    from oneplan.core.text import text

    try:
        version = current_version(con)
    except Exception:  # noqa: BLE001 - a notice never stops a command
        return None
    if version >= latest():
        return None
    return text("data.migrations.older", lang, version=version, latest=latest())


# --- opening a database for the `oneplan db` actions ------------------------------------------

def shown(target) -> str:
    """A database address fit to print: a server URL without its password
    (:func:`oneplan.data.pgstore.masked`), a file's path as it is."""
    return pgstore.masked(str(target)) if pgstore.is_url(target) else str(target)


def open_database(target, *, read_only: bool = True, create: bool = False):
    """A connection to the database ``target`` for the ``oneplan db`` actions: psycopg
    (as the role of the URL) for a ``postgresql://`` URL, else the DuckDB file (checked
    and opened with :func:`oneplan.data.db.connect`; ``create``: it may not exist yet).

    Raises:
        UserError: the server cannot be reached, or the file is not usable.
    """
    if pgschema.is_postgres_url(target):
        import psycopg

        try:
            return psycopg.connect(str(target))
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
            raise UserError(message("data.migrations.no_server", target=shown(target),
                                    reason=reason)) from None
    from oneplan.data import db

    return db.connect(target, read_only=read_only and not create)


def row_counts(con) -> dict[str, int]:
    """Rows of every base table, by table name."""
    return {t: int(_rows(con, f'SELECT count(*) FROM "{t}"')[0][0]) for t in table_names(con)}


def create_schema(con) -> None:
    """Make every table of ``schema.sql`` in a new DuckDB database and stamp it with every
    version (:func:`stamp`)."""
    from oneplan.data import db

    con.execute(db.schema_sql())
    stamp(con)

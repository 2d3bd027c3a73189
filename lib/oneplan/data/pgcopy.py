"""Making the central database on a server, and copying every table between databases.

* :func:`init_server` makes the schema on a PostgreSQL server: ``schema.sql`` and the
  server-only files (:func:`oneplan.data.pgschema.postgres_ddl`); safe to run again.
* :func:`copy_database` copies every table from one database to another, either engine
  (a DuckDB file or a ``postgresql://`` URL) in either direction, as Arrow: DuckDB's own
  Arrow export, ADBC's binary ``COPY`` into and out of the server. The target must be
  empty (bookkeeping tables such as ``schema_migrations`` aside) unless ``replace``;
  rows the target already holds under the same key (a table whose rows cannot be
  removed, like the append-only ``audit_log``) are kept, not doubled. It connects as
  the URL's role: copy into a server as its owner (``oneplan_owner``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from oneplan.core.errors import UserError, message
from oneplan.data import db, pgschema, pgstore

log = logging.getLogger(__name__)

BOOKKEEPING = frozenset({"schema_migrations"})
"""Tables a fresh database already fills itself (left out of the emptiness check; their
rows are merged by key)."""


def init_server(url: str) -> None:
    """Make (or complete) the schema, rights and triggers on the server at ``url``: an
    empty database gets ``schema.sql`` stamped with every version; one that has tables is
    upgraded first (:func:`oneplan.data.migrations.upgrade`).

    Raises:
        UserError: not a server URL, or the server cannot be reached.
    """
    if not pgstore.is_url(url):
        raise UserError(message("data.pgstore.init_needs_url"))
    from oneplan.data import migrations

    with pgstore.psycopg_connect(url) as con:
        existing = con.execute("SELECT count(*) FROM information_schema.tables "
                               "WHERE table_schema = 'public'").fetchone()[0]
        if existing:  # an older database: its migrations first, then what is missing
            migrations.upgrade(con)
        con.execute(pgschema.postgres_ddl())
        con.commit()
        migrations.stamp(con)  # a database just made records every version
        con.commit()


@dataclass
class CopyResult:
    """What :func:`copy_database` copied: rows per table and the seconds it took."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def line(self, source: str, target: str) -> str:
        """One line for the user (Thai / English)."""
        return message("data.pgstore.copied", tables=len(self.rows),
                       rows=f"{sum(self.rows.values()):,}", source=db.shown(source),
                       target=db.shown(target), seconds=f"{self.seconds:.1f}")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Duck:
    """A DuckDB file as a source or target."""

    def __init__(self, path: str, write: bool):
        if write and not Path(path).exists():
            con = duckdb.connect(str(path), config=db.duckdb_config(path))
            con.execute(db.schema_sql())
            con.close()
        self.con = db.connect(path, read_only=not write)
        if write:
            self.con.execute(db.schema_sql())

    def columns(self) -> dict[str, list[str]]:
        return pgstore.local_columns(self.con)

    def count(self, table: str) -> int:
        return self.con.execute(f"SELECT count(*) FROM {_q(table)}").fetchall()[0][0]

    def read(self, table: str, cols: list[str]):
        names = ", ".join(_q(c) for c in cols)
        return self.con.sql(f"SELECT {names} FROM {_q(table)}").to_arrow_table()

    def clear(self, table: str) -> bool:
        self.con.execute(f"DELETE FROM {_q(table)}")
        return True

    def write(self, table: str, data, merge: bool) -> None:
        names = ", ".join(_q(c) for c in data.column_names)
        self.con.register("_oneplan_copy", data)
        verb = "INSERT OR IGNORE" if merge else "INSERT"
        self.con.execute(f"{verb} INTO {_q(table)} ({names}) SELECT {names} FROM _oneplan_copy")
        self.con.unregister("_oneplan_copy")

    def commit(self) -> None:
        pass

    def close(self) -> None:
        self.con.close()


class _Server:
    """A PostgreSQL database as a source or target (one transaction when written)."""

    def __init__(self, url: str, write: bool):
        self.con = pgstore.adbc_connect(url, autocommit=not write)

    def _all(self, sql: str):
        with self.con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()

    def _run(self, sql: str) -> None:
        with self.con.cursor() as cur:
            cur.execute(sql)

    def columns(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for t, c in self._all(
                "SELECT table_name, column_name FROM information_schema.columns WHERE "
                "table_schema = current_schema() AND table_name IN (SELECT table_name FROM "
                "information_schema.tables WHERE table_schema = current_schema() AND "
                "table_type = 'BASE TABLE') ORDER BY table_name, ordinal_position"):
            out.setdefault(t, []).append(c)
        return out

    def count(self, table: str) -> int:
        return self._all(f"SELECT count(*) FROM {_q(table)}")[0][0]

    def read(self, table: str, cols: list[str]):
        with self.con.cursor() as cur:
            cur.execute(f"SELECT {', '.join(_q(c) for c in cols)} FROM {_q(table)}")
            return cur.fetch_arrow_table()

    def clear(self, table: str) -> bool:
        """Empty ``table``; False when the server refuses (an append-only table)."""
        self._run("SAVEPOINT oneplan_clear")
        try:
            self._run(f"TRUNCATE {_q(table)}")
        except Exception:  # noqa: BLE001 - e.g. the audit trail's trigger
            self._run("ROLLBACK TO SAVEPOINT oneplan_clear")
            return False
        self._run("RELEASE SAVEPOINT oneplan_clear")
        return True

    def write(self, table: str, data, merge: bool) -> None:
        with self.con.cursor() as cur:
            if not merge:
                cur.adbc_ingest(table, data, mode="append")
                return
            cur.adbc_ingest("_oneplan_copy", data, mode="replace", temporary=True)
        names = ", ".join(_q(c) for c in data.column_names)
        self._run(f"INSERT INTO {_q(table)} ({names}) SELECT {names} FROM _oneplan_copy "
                  "ON CONFLICT DO NOTHING")

    def commit(self) -> None:
        self.con.commit()

    def close(self) -> None:
        self.con.close()


def _open(target: str | Path, write: bool):
    if pgstore.is_url(target):
        return _Server(pgstore.normalised(target), write)
    return _Duck(str(target), write)


def copy_database(source: str | Path, target: str | Path, *,
                  replace: bool = False) -> CopyResult:
    """Copy every table of ``source`` into ``target`` (files or server URLs).

    The tables are those of both databases (by name), with the columns both have.

    Raises:
        UserError: the target is not empty and ``replace`` was not given (the table and
            its rows named), or a server cannot be reached.
    """
    started = time.perf_counter()
    src = _open(source, write=False)
    try:
        dst = _open(target, write=True)
        try:
            result = _copy(src, dst, str(target), replace)
            dst.commit()
        finally:
            dst.close()
    finally:
        src.close()
    result.seconds = time.perf_counter() - started
    return result


def _copy(src, dst, target: str, replace: bool) -> CopyResult:
    have, want = src.columns(), dst.columns()
    tables = [t for t in want if t in have]
    merge: set[str] = set(BOOKKEEPING)
    for t in tables:
        n = dst.count(t)
        if not n or t in BOOKKEEPING:
            continue
        if not replace:
            raise UserError(message("data.pgstore.target_not_empty", target=db.shown(target),
                                    table=t, n=f"{n:,}"))
        if not dst.clear(t):
            merge.add(t)
    result = CopyResult()
    for t in tables:
        cols = [c for c in want[t] if c in have[t]]
        data = src.read(t, cols)
        result.rows[t] = data.num_rows
        if data.num_rows:
            dst.write(t, data, merge=t in merge)
        log.info("copied %s: %d rows", t, data.num_rows)
    return result

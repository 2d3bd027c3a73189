"""Publishing a write workspace's changes to the PostgreSQL server (:mod:`oneplan.data.pgstore`).

When a write workspace is opened (and after each publish) a :class:`Baseline` records, in
the local schema ``_oneplan_base``, each row's key with one hash per column (tables
with a primary key) or the rows themselves (the few tables without one, compared by
whole-row identity). :func:`publish` compares the local tables with it: rows inserted,
deleted, and updated (only the columns that changed), and applies them in one server
transaction, under the connecting role, so the server's row-level security and
privileges judge every row:

* the rows go by ADBC (binary ``COPY``) into TEMP tables, then ``DELETE … USING``,
  ``UPDATE … FROM`` and ``INSERT … SELECT`` (``COPY`` straight into a table with row-level
  security is refused for non-owners);
* a statement that touches fewer rows than it should (a row the role may not see) or an
  error of the server (``new row violates row-level security policy``, a privilege, a key
  already held by another province's row) aborts the whole publish with a
  :class:`oneplan.core.errors.UserError` naming the table and the province; the server's
  detail lines (which may quote a row) are never shown;
* a serialization failure or deadlock is retried (:data:`RETRIES` times, said on stderr).
"""

from __future__ import annotations

import logging
import re
import sys
import time
from dataclasses import dataclass

import duckdb

from oneplan.core.errors import UserError, message

log = logging.getLogger(__name__)

BASE_SCHEMA = "_oneplan_base"
"""Local schema of the baseline (never under ``main``, so table lists leave it out)."""
RETRIES = 5
"""Tries of a publish that meets a serialization failure or a deadlock."""
_RETRY_STATES = {"40001", "40P01"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Table:
    """A local table: its columns and its primary key (empty: none)."""

    name: str
    columns: list[str]
    key: list[str]


def local_tables(con: duckdb.DuckDBPyConnection) -> list[Table]:
    """The tables of the local ``main`` schema with their columns and primary keys."""
    cols: dict[str, list[str]] = {}
    for t, c in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name IN (SELECT table_name FROM "
            "information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE') ORDER BY table_name, ordinal_position"
    ).fetchall():
        cols.setdefault(t, []).append(c)
    keys = {t: list(k) for t, k in con.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
        "WHERE schema_name = 'main' AND constraint_type = 'PRIMARY KEY'").fetchall()}
    return [Table(t, c, keys.get(t, [])) for t, c in cols.items()]


def _hashes(table: Table, alias: str) -> str:
    return ", ".join(f"hash({alias}.{_q(c)}) AS {_q('h_' + c)}" for c in table.columns)


def _record(con: duckdb.DuckDBPyConnection, t: Table) -> None:
    """Record table ``t`` as it is now in the baseline schema."""
    target = f"{BASE_SCHEMA}.{_q(t.name)}"
    if t.key:
        keys = ", ".join(f"b.{_q(k)}" for k in t.key)
        con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT {keys}, "
                    f"{_hashes(t, 'b')} FROM {_q(t.name)} b")
    else:
        con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {_q(t.name)}")


class Baseline:
    """What the workspace held when it was opened or last published."""

    def __init__(self, tables: list[Table]):
        self.tables = tables

    @classmethod
    def take(cls, con: duckdb.DuckDBPyConnection) -> "Baseline":
        """Record the current local tables (replacing an earlier baseline)."""
        tables = local_tables(con)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {BASE_SCHEMA}")
        for t in tables:
            _record(con, t)
        return cls(tables)

    def refreshed(self, con: duckdb.DuckDBPyConnection,
                  changed: dict[str, dict[str, int]]) -> "Baseline":
        """The baseline after a publish of ``changed`` (:func:`publish`'s counts): only
        the tables that changed are recorded again."""
        for t in self.tables:
            if t.name in changed:
                _record(con, t)
        return self


@dataclass
class Change:
    """One table's difference: DuckDB relations (SQL text) of the rows to send."""

    table: Table
    inserted: str | None = None
    updated: str | None = None
    update_columns: tuple[str, ...] = ()
    deleted: str | None = None
    n_inserted: int = 0
    n_updated: int = 0
    n_deleted: int = 0

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
        return not (self.n_inserted or self.n_updated or self.n_deleted)


def _sizes(con: duckdb.DuckDBPyConnection, base: Baseline) -> dict[str, tuple[int, int]]:
    """``{table: (local rows, baseline rows)}`` of every table, in one query."""
    parts = [f"(SELECT count(*) FROM {_q(t.name)}), "
             f"(SELECT count(*) FROM {BASE_SCHEMA}.{_q(t.name)})" for t in base.tables]
    if not parts:
        return {}
    row = con.execute("SELECT " + ", ".join(parts)).fetchall()[0]
    return {t.name: (row[2 * i], row[2 * i + 1]) for i, t in enumerate(base.tables)}


def diff(con: duckdb.DuckDBPyConnection, base: Baseline) -> list[Change]:
    """The changes of every table since ``base`` (tables that did not change left out).

    A table empty now and in the baseline is skipped; a keyed table is compared in one
    pass (a full join of its rows with the baseline on the key)."""
    out = []
    sizes = _sizes(con, base)
    for t in base.tables:
        if sizes.get(t.name) == (0, 0):
            continue
        local, old = _q(t.name), f"{BASE_SCHEMA}.{_q(t.name)}"
        cols = ", ".join(f"l.{_q(c)}" for c in t.columns)
        ch = Change(t)
        if t.key:
            using = ", ".join(_q(k) for k in t.key)
            ch.inserted = f"SELECT {cols} FROM {local} l ANTI JOIN {old} b USING ({using})"
            ch.deleted = (f"SELECT {', '.join('b.' + _q(k) for k in t.key)} FROM {old} b "
                          f"ANTI JOIN {local} l USING ({using})")
            differs = {c: f"hash(l.{_q(c)}) <> b.{_q('h_' + c)}" for c in t.columns
                       if c not in t.key}
            both = "l._l AND b._b"
            anyd = " OR ".join(differs.values()) or "false"
            on = " AND ".join(f"l.{_q(k)} = b.{_q(k)}" for k in t.key)
            flags = con.execute(
                "SELECT count(*) FILTER (WHERE b._b IS NULL), "
                "count(*) FILTER (WHERE l._l IS NULL), "
                f"count(*) FILTER (WHERE {both} AND ({anyd}))"
                + "".join(f", bool_or({both} AND {d})" for d in differs.values())
                + f" FROM (SELECT *, true AS _l FROM {local}) l FULL JOIN "
                f"(SELECT *, true AS _b FROM {old}) b ON {on}").fetchall()[0]
            ch.n_inserted, ch.n_deleted, ch.n_updated = flags[0], flags[1], flags[2]
            ch.update_columns = tuple(c for c, f in zip(differs, flags[3:]) if f)
            if ch.update_columns:
                ch.updated = (f"SELECT {cols} FROM {local} l JOIN {old} b USING ({using}) "
                              f"WHERE " + " OR ".join(differs[c] for c in ch.update_columns))
        else:  # whole-row identity, as multisets
            names = ", ".join(_q(c) for c in t.columns)
            ch.inserted = f"SELECT {names} FROM {local} EXCEPT ALL SELECT {names} FROM {old}"
            ch.deleted = f"SELECT {names} FROM {old} EXCEPT ALL SELECT {names} FROM {local}"
            ch.n_inserted = con.execute(
                f"SELECT count(*) FROM ({ch.inserted})").fetchall()[0][0]
            ch.n_deleted = con.execute(f"SELECT count(*) FROM ({ch.deleted})").fetchall()[0][0]
        if not ch.empty:
            out.append(ch)
    return out


def _first_line(exc: BaseException) -> str:
    """The server's one-line reason (``ERROR: …``), without the query or DETAIL lines."""
    text = str(exc)
    found = re.search(r"ERROR:\s+([^\n]*)", text)
    line = found.group(1) if found else text.splitlines()[0] if text else type(exc).__name__
    return re.sub(r"\[libpq\].*?'\s*:", "", line).strip()[:200]


class _Refused(Exception):
    def __init__(self, table: str, reason: str):
        super().__init__(reason)
        self.table, self.reason = table, reason


def _run(server, sql: str) -> int:
    """Run one statement on its own cursor (ADBC allows one open result per cursor);
    returns the rows it touched."""
    with server.cursor() as cur:
        cur.execute(sql)
        return cur.rowcount


def _send(con, server, relation: str, name: str, columns: list[str]) -> int:
    """Copy the rows of the local ``relation`` into the server's TEMP table ``name``."""
    cols = ", ".join(_q(c) for c in columns)
    data = con.sql(f"SELECT {cols} FROM ({relation})").to_arrow_table()
    _run(server, f"DROP TABLE IF EXISTS {_q(name)}")
    with server.cursor() as cur:
        cur.adbc_ingest(name, data, mode="create", temporary=True)
    return data.num_rows


def schema_order(tables: list[str]) -> list[str]:
    """``tables`` in the order ``schema.sql`` creates them: a parent (needs, proposals,
    plan_versions, complaints) before the rows that belong to it (need_stages, progress,
    plan_items, complaint_clusters), whose rights the server checks through the parent
    row; tables it does not name come last, by name."""
    from importlib import resources

    ddl = resources.files("oneplan.data").joinpath("schema.sql").read_text(encoding="utf-8")
    made = re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", ddl)
    rank = {name: i for i, name in enumerate(made)}
    return sorted(tables, key=lambda t: (rank.get(t, len(rank)), t))


def _apply_deletes(con, server, ch: Change) -> None:
    t = ch.table
    target = _q(t.name)
    if ch.n_deleted:
        keys = t.key or t.columns
        n = _send(con, server, ch.deleted, "_oneplan_del", keys)
        if t.key:
            cond = " AND ".join(f"x.{_q(k)} = d.{_q(k)}" for k in keys)
            done = _run(server, f"DELETE FROM {target} x USING _oneplan_del d WHERE {cond}")
        else:
            same = " AND ".join(f"x.{_q(c)} IS NOT DISTINCT FROM d.{_q(c)}" for c in keys)
            part = ", ".join(f"t.{_q(c)}" for c in keys)
            names = ", ".join(_q(c) for c in keys)
            done = _run(
                server, f"DELETE FROM {target} WHERE ctid IN (SELECT x.ctid FROM "
                f"(SELECT t.ctid, {part}, row_number() OVER (PARTITION BY {part}) AS rn "
                f"FROM {target} t) x JOIN (SELECT {names}, count(*) AS n FROM _oneplan_del "
                f"GROUP BY {names}) d ON {same} WHERE x.rn <= d.n)")
        if done != n:
            raise _Refused(t.name, message("data.pgstore.not_visible", done=done, n=n))


def _apply_writes(con, server, ch: Change) -> None:
    t = ch.table
    target = _q(t.name)
    if ch.n_updated and ch.update_columns:
        n = _send(con, server, ch.updated, "_oneplan_upd", t.key + list(ch.update_columns))
        sets = ", ".join(f"{_q(c)} = u.{_q(c)}" for c in ch.update_columns)
        cond = " AND ".join(f"x.{_q(k)} = u.{_q(k)}" for k in t.key)
        done = _run(server, f"UPDATE {target} x SET {sets} FROM _oneplan_upd u WHERE {cond}")
        if done != n:
            raise _Refused(t.name, message("data.pgstore.not_visible", done=done, n=n))
    if ch.n_inserted:
        # columns NULL in every new row are left to the server (its default, or NULL)
        nonnull = con.execute(
            "SELECT " + ", ".join(f"count({_q(c)})" for c in t.columns)
            + f" FROM ({ch.inserted})").fetchall()[0]
        cols = [c for c, n in zip(t.columns, nonnull) if n] or t.columns[:1]
        n = _send(con, server, ch.inserted, "_oneplan_ins", cols)
        names = ", ".join(_q(c) for c in cols)
        done = _run(server, f"INSERT INTO {target} ({names}) SELECT {names} FROM _oneplan_ins")
        if done != n:
            raise _Refused(t.name, message("data.pgstore.not_visible", done=done, n=n))


def publish(con: duckdb.DuckDBPyConnection, base: Baseline, server,
            province: str | None) -> dict[str, dict[str, int]]:
    """Apply the changes since ``base`` on the server in one transaction, through
    ``server``: the workspace's ADBC connection (autocommit off, its role).

    Returns:
        ``{table: {"inserted": n, "updated": n, "deleted": n}}`` of the changed tables.

    Raises:
        UserError: the server refused a row (the table and the province named); nothing
            of the publish was written.
    """
    changes = diff(con, base)
    order = schema_order([c.table.name for c in changes])
    changes.sort(key=lambda c: order.index(c.table.name))
    counts = {c.table.name: {"inserted": c.n_inserted, "updated": c.n_updated,
                             "deleted": c.n_deleted} for c in changes}
    if not changes:
        return counts
    scope = province or message("data.pgstore.whole_country")
    for attempt in range(1, RETRIES + 1):
        table = changes[0].table.name
        try:
            # rows that belong to a parent go first when deleted and last when written,
            # so the server can check them against their parent row
            for ch in reversed(changes):
                table = ch.table.name
                _apply_deletes(con, server, ch)
            for ch in changes:
                table = ch.table.name
                _apply_writes(con, server, ch)
            server.commit()
            return counts
        except _Refused as exc:
            server.rollback()
            raise UserError(message("data.pgstore.refused", table=exc.table,
                                    province=scope, reason=exc.reason)) from None
        except duckdb.Error:  # the local copy: not the server's refusal
            server.rollback()
            raise
        except Exception as exc:  # noqa: BLE001 - the server's own errors
            server.rollback()
            state = getattr(exc, "sqlstate", None)
            if state in _RETRY_STATES and attempt < RETRIES:
                print(message("data.pgstore.retry", attempt=attempt, tries=RETRIES),
                      file=sys.stderr, flush=True)
                time.sleep(0.05 * attempt)
                continue
            if state in _RETRY_STATES:
                raise UserError(message("data.pgstore.gave_up", tries=RETRIES)) from None
            log.debug("publish of %s refused", table, exc_info=True)
            raise UserError(message("data.pgstore.refused", table=table, province=scope,
                                    reason=_first_line(exc))) from None
    return counts  # pragma: no cover - the loop returns or raises

"""The central database on a PostgreSQL server, seen through a DuckDB *workspace*.

DuckDB stays the compute engine of every command (docs/postgres.md). With
``ONEPLAN_DB=postgresql://…`` :func:`oneplan.data.db.connect` returns a :class:`Workspace`:
an in-memory DuckDB connection holding a snapshot of the rows the connecting role may
read, fetched as Arrow through ADBC (one ``REPEATABLE READ`` transaction, so every table
is of one moment). Every DuckDB method is forwarded, so the existing SQL runs unchanged.

What is read
    Every table of ``schema.sql``; columns the role may not ``SELECT`` (column privileges)
    are NULL, tables it may not read are empty (the server's row-level security decides
    the rows). A *scope* (``province=``, else ``$ONEPLAN_PROVINCE``) limits the snapshot
    to one province: tables with a ``province_code`` (their rows of that province and
    those without one), the tables joined to them (:data:`oneplan.data.db.PROVINCE_OF`),
    whole complaint matters that touch the province
    (:data:`oneplan.data.db.SPREAD_OVER_PROVINCES`); the reference tables
    (:data:`REFERENCE_TABLES`) are always whole.

Cache
    Read-only opens of one process for the same server, role and scope reuse the
    snapshot while the server's data did not change: the snapshot is keyed by the
    server's ``pg_current_snapshot()`` (equal snapshots see equal data; any write
    transaction since, anywhere in the database, makes a fresh load). Each open gets its
    own DuckDB cursor on the shared snapshot.

Writing
    A write workspace also holds a session advisory lock on its scope (a province, or the
    whole country; a country writer excludes every province writer, writers of two
    provinces run side by side), taken before the snapshot is read; waiting says the
    database's one "waiting" line once and gives up after the wait. The command works on
    the local copy; :func:`oneplan.data.db.commit` publishes the difference
    (:mod:`oneplan.data.pgpublish`). ``close()`` without it discards the local changes.

Passwords
    A URL's password is never printed: :func:`masked` replaces it in every message.
"""

from __future__ import annotations

import logging
import os
import random
import re
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Collection
from urllib.parse import urlsplit, urlunsplit

import duckdb

from oneplan.core.errors import UserError, message

log = logging.getLogger(__name__)

PROVINCE_ENV = "ONEPLAN_PROVINCE"
"""The scope of read workspaces when no ``province=`` is given (the batch sets it per job)."""

REFERENCE_TABLES = frozenset({"meta", "areas", "agencies", "strategic_issues"})
"""Tables read whole whatever the scope (names of areas, agencies, plan issues)."""

CACHE_SIZE = 3
"""Read snapshots kept per process (a warm report kernel runs one province after another)."""

_URL = re.compile(r"^postgres(ql)?:/+", re.I)


def is_url(target: Any) -> bool:
    """True when ``target`` is a PostgreSQL address (``postgresql://…``), also after
    ``pathlib.Path`` folded its ``//`` into one slash."""
    return isinstance(target, str | os.PathLike) and bool(_URL.match(str(target).strip()))


def normalised(target: Any) -> str:
    """The URL of ``target`` with its ``//`` back (``Path`` makes ``postgresql:/h/db``)."""
    return _URL.sub(lambda m: m.group(0).rstrip("/") + "//", str(target).strip(), count=1)


def masked(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for every message and log line)."""
    parts = urlsplit(normalised(url))
    if parts.password is None:
        return urlunsplit(parts)
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def server_name(url: str) -> dict[str, str]:
    """``host``, ``port`` and ``database`` of ``url`` (for messages; no password)."""
    parts = urlsplit(normalised(url))
    return {"host": parts.hostname or "localhost", "port": str(parts.port or 5432),
            "database": parts.path.lstrip("/") or "?"}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Layout:
    """What a workspace needs to know of the schema (given by :mod:`oneplan.data.db`)."""

    ddl: str
    """``schema.sql``: the local tables."""
    province_of: dict[str, tuple[str, str]]
    """Tables without ``province_code``: (the join, the province expression)."""
    spread: dict[str, tuple[str, str, str]]
    """Tables whose groups span provinces: (owner table, key, group)."""
    duckdb_config: dict[str, str] = field(default_factory=dict)
    """Settings of the in-memory DuckDB."""


# --- the server connection ------------------------------------------------------------------

def adbc_connect(url: str, autocommit: bool = True):
    """An ADBC (Arrow) connection to the server at ``url``.

    Raises:
        UserError: the server cannot be reached or refuses the login (host, port and
            database named; never the password).
    """
    import adbc_driver_postgresql.dbapi as pgdb

    try:
        return pgdb.connect(normalised(url), autocommit=autocommit)
    except Exception as exc:  # adbc's OperationalError / ProgrammingError
        raise unreachable(url, exc) from None


def psycopg_connect(url: str, **kwargs):
    """A psycopg connection to ``url`` (locks, publishing), named after this process.

    Raises:
        UserError: as :func:`adbc_connect`.
    """
    import psycopg

    try:
        return psycopg.connect(normalised(url), application_name=f"oneplan pid {os.getpid()}",
                               connect_timeout=10, **kwargs)
    except psycopg.Error as exc:
        raise unreachable(url, exc) from None


def unreachable(url: str, exc: BaseException) -> UserError:
    """The one-line error of a server that cannot be reached (no password in it)."""
    reason = " ".join(str(exc).split())
    parts = urlsplit(normalised(url))
    if parts.password:
        reason = reason.replace(parts.password, "***")
    return UserError(message("data.pgstore.unreachable", **server_name(url),
                             reason=reason[:300]))


# --- what the role may read -----------------------------------------------------------------

_READABLE_SQL = """
SELECT c.relname, a.attname, has_column_privilege(c.oid, a.attnum, 'SELECT')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p')
ORDER BY c.relname, a.attnum
"""


def readable_columns(cur) -> dict[str, list[str]]:
    """``{table: [columns the current role may SELECT]}`` on the server (cursor ``cur``)."""
    out: dict[str, list[str]] = {}
    cur.execute(_READABLE_SQL)
    for table, column, ok in cur.fetchall():
        cols = out.setdefault(table, [])
        if ok:
            cols.append(column)
    return out


def local_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """``{table: [columns]}`` of the local DuckDB's ``main`` schema, in column order."""
    out: dict[str, list[str]] = {}
    for table, column in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name IN (SELECT table_name FROM "
            "information_schema.tables WHERE table_schema = 'main' AND "
            "table_type = 'BASE TABLE') ORDER BY table_name, ordinal_position").fetchall():
        out.setdefault(table, []).append(column)
    return out


def scope_filter(table: str, columns: list[str], layout: Layout,
                 province: str | None) -> tuple[str, list]:
    """``FROM … WHERE …`` (the table aliased ``t``) and its parameters: the rows of
    ``table`` in ``province``'s snapshot (every row when ``province`` is None)."""
    if not province or table in REFERENCE_TABLES:
        return f"{_quote(table)} t", []
    touching = {}
    for spread, (owner, key, group) in layout.spread.items():
        touching[spread] = (
            f"SELECT s.{group} FROM {spread} s JOIN {owner} o ON o.{key} = s.{key} "
            f"WHERE o.province_code = %s")
        if table == spread:
            return f"{spread} t WHERE t.{group} IN ({touching[spread]})", [province]
        if table == owner:
            return (f"{owner} t WHERE t.province_code = %s OR t.province_code IS NULL OR "
                    f"t.{key} IN (SELECT {key} FROM {spread} WHERE {group} IN "
                    f"({touching[spread]}))", [province, province])
    if table in layout.province_of:
        source, prov = layout.province_of[table]
        return f"{source} WHERE ({prov}) = %s OR ({prov}) IS NULL", [province]
    if "province_code" in columns:
        return f"{_quote(table)} t WHERE t.province_code = %s OR t.province_code IS NULL", \
            [province]
    return f"{_quote(table)} t", []


def _inline(sql: str, params: list) -> str:
    """``%s`` placeholders filled with quoted literals (province codes only: digits)."""
    for p in params:
        if not re.fullmatch(r"\d{1,4}", str(p)):
            raise ValueError(f"not a province code: {p!r}")
        sql = sql.replace("%s", f"'{p}'", 1)
    return sql


ALWAYS_LOADED = frozenset({"meta", "schema_migrations"})
"""Tables every snapshot holds, whatever ``tables=`` names (the schema's version)."""


def load_snapshot(url: str, layout: Layout, province: str | None,
                  con: duckdb.DuckDBPyConnection | None = None, server=None, *,
                  tables: Collection[str] | None = None, own_villages: bool = False,
                  autocommit: bool = True) -> tuple[duckdb.DuckDBPyConnection, str, str, dict[str, int]]:
    """A new in-memory DuckDB with the tables of ``layout`` filled from the server.

    Args:
        server: an open ADBC connection to read through (default: one of its own).
        autocommit: whether ``server`` is in autocommit mode (the snapshot is then an
            explicit ``BEGIN … COMMIT``); when it is not (a write workspace's connection)
            the snapshot is its next transaction, committed before returning.
        tables: fill only these tables (and :data:`ALWAYS_LOADED`); the others exist,
            empty. None: every table.
        own_villages: with a ``province``, ``areas`` holds that province's villages only
            (and every area above village level): what an office's import checks its
            rows against; another province's village is refused by its province anyway.

    Returns:
        The DuckDB connection, the server snapshot it holds (``pg_current_snapshot()``),
        the role (``current_user``) and the rows loaded per table (tables not filled are
        left out).
    """
    mem = con or duckdb.connect(config=dict(layout.duckdb_config))
    mem.execute(layout.ddl)
    own = server is None
    pc = server or adbc_connect(url)
    explicit = own or autocommit
    wanted = None if tables is None else set(tables) | ALWAYS_LOADED
    counts: dict[str, int] = {}
    try:
        with pc.cursor() as cur:
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if explicit else
                        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try:
                cur.execute("SELECT pg_current_snapshot()::text, current_user::text")
                snap, role = cur.fetchone()
                readable = readable_columns(cur)
                for table, cols in local_columns(mem).items():
                    if wanted is not None and table not in wanted:
                        continue
                    have = [c for c in cols if c in readable.get(table, ())]
                    if not have:
                        counts[table] = 0
                        continue
                    if own_villages and province and table == "areas":
                        source, params = ("areas t WHERE t.level <> 'village' "
                                          "OR t.province_code = %s", [province])
                    else:
                        source, params = scope_filter(table, cols, layout, province)
                    select = ", ".join(f"t.{_quote(c)}" for c in have)
                    cur.execute(_inline(f"SELECT {select} FROM {source}", params))
                    data = cur.fetch_arrow_table()
                    counts[table] = data.num_rows
                    if data.num_rows:
                        mem.register("_oneplan_load", data)
                        names = ", ".join(_quote(c) for c in have)
                        mem.execute(f"INSERT INTO {_quote(table)} ({names}) "
                                    f"SELECT {names} FROM _oneplan_load")
                        mem.unregister("_oneplan_load")
            finally:
                if explicit:
                    cur.execute("COMMIT")
        if not explicit:
            pc.commit()
    finally:
        if own:
            pc.close()
    return mem, snap, role, counts


# --- the workspace --------------------------------------------------------------------------

class Workspace:
    """A DuckDB connection holding the server's rows; every DuckDB method is forwarded.

    ``read_only`` workspaces are snapshots (perhaps shared through the cache); write
    workspaces hold their scope's lock until :meth:`close` and publish with
    :func:`oneplan.data.db.commit`.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, *, url: str, province: str | None,
                 read_only: bool, role: str, layout: Layout, lock=None,
                 counts: dict[str, int] | None = None, server=None,
                 villages_of: str | None = None):
        self._con = con
        self.url = url
        self.province = province
        self.read_only = read_only
        self.role = role
        self.layout = layout
        self.loaded = dict(counts or {})
        """Rows read per table; a table not named was not filled (``tables=``)."""
        self.villages_of = villages_of
        """When set, ``areas`` holds the villages of this province only."""
        self._lock = lock
        self._server = server
        self._base = None
        if not read_only:
            from oneplan.data import pgpublish

            self._base = pgpublish.Baseline.take(con)

    def __getattr__(self, name: str):
        return getattr(self._con, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        kind = "read" if self.read_only else "write"
        return f"<oneplan workspace ({kind}) of {masked(self.url)} scope {self.province or 'all'}>"

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The local DuckDB connection itself."""
        return self._con

    def execute(self, *args, **kwargs):
        """DuckDB's ``execute``; returns this workspace, as DuckDB returns its connection."""
        self._con.execute(*args, **kwargs)
        return self

    def publish(self) -> dict[str, dict[str, int]]:
        """Send the local changes since the last publish to the server in one transaction
        (:func:`oneplan.data.pgpublish.publish`); returns ``{table: {inserted, updated,
        deleted}}`` for the tables that changed.

        Raises:
            UserError: the server refused a row (row-level security, a privilege, a key of
                another province) or the workspace is read-only; nothing was written.
        """
        from oneplan.data import pgpublish

        if self.read_only:
            raise UserError(message("data.pgstore.read_only", url=masked(self.url)))
        complete = getattr(self._con, "complete", None)
        if complete is not None:  # DuckDB 2: a statement's result not yet fetched
            complete()
        if self._server is None:
            self._server = adbc_connect(self.url, autocommit=False)
        counts = pgpublish.publish(self._con, self._base, self._server, self.province)
        self._base = self._base.refreshed(self._con, counts)
        return counts

    def close(self) -> None:
        """Close the local connection (local changes not published are dropped) and
        release the scope's lock."""
        try:
            self._con.close()
        finally:
            _close_quietly(self._server)
            self._server = None
            if self._lock is not None:
                try:
                    self._lock.close()
                except Exception:  # noqa: BLE001 - the server ends the lock with the session
                    log.debug("closing the lock session failed", exc_info=True)
                self._lock = None


def is_workspace(con: Any) -> bool:
    """True when ``con`` is a workspace of the server (not a DuckDB file's connection)."""
    return isinstance(con, Workspace)


# --- read cache -----------------------------------------------------------------------------

@dataclass
class _Cached:
    mem: duckdb.DuckDBPyConnection
    snapshot: str
    role: str
    counts: dict[str, int]
    server: Any = None


_CACHE: OrderedDict[tuple, _Cached] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget every cached snapshot (tests; a process that wants fresh reads)."""
    with _CACHE_LOCK:
        while _CACHE:
            _, entry = _CACHE.popitem()
            _close_quietly(entry.mem, entry.server)


def _close_quietly(*things) -> None:
    for thing in things:
        try:
            if thing is not None:
                thing.close()
        except Exception:  # noqa: BLE001 - closing a dead connection
            pass


def _server_state(server) -> tuple[str, str]:
    with server.cursor() as cur:
        cur.execute("SELECT pg_current_snapshot()::text, current_user::text")
        return cur.fetchone()


def _read_workspace(url: str, layout: Layout, province: str | None) -> Workspace:
    key = (normalised(url), province or "")
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is not None:
            try:
                snap, role = _server_state(entry.server)
            except Exception:  # noqa: BLE001 - the server went away: load afresh
                snap = role = None
            if (snap, role) == (entry.snapshot, entry.role):
                _CACHE.move_to_end(key)
                return Workspace(entry.mem.cursor(), url=url, province=province,
                                 read_only=True, role=role, layout=layout,
                                 counts=entry.counts)
            _CACHE.pop(key)
            _close_quietly(entry.mem, entry.server)
        server = adbc_connect(url)
        try:
            mem, snap, role, counts = load_snapshot(url, layout, province, server=server)
        except BaseException:
            _close_quietly(server)
            raise
        _CACHE[key] = _Cached(mem, snap, role, counts, server)
        while len(_CACHE) > CACHE_SIZE:
            _, old = _CACHE.popitem(last=False)
            _close_quietly(old.mem, old.server)
        return Workspace(mem.cursor(), url=url, province=province, read_only=True,
                         role=role, layout=layout, counts=counts)


# --- write locks ----------------------------------------------------------------------------

_LOCK_SPACE = 0x0E1A  # first key of the advisory locks (oneplan's own space)


def _lock_keys(province: str | None) -> list[tuple[str, int, int]]:
    """The advisory locks of a scope: (mode, space, key); the country lock is shared by
    province writers and exclusive for a country writer."""
    if province:
        return [("shared", _LOCK_SPACE, 0), ("exclusive", _LOCK_SPACE, int(province))]
    return [("exclusive", _LOCK_SPACE, 0)]


def _holder(lock_con, space: int, key: int) -> str:
    """Who holds the lock (the process named in its application name), else ``?``."""
    try:
        row = lock_con.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
            "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.classid = %s AND l.objid = %s AND l.pid <> pg_backend_pid() LIMIT 1",
            [space, key]).fetchone()
    except Exception:  # noqa: BLE001 - the statistics view may be hidden from the role
        return "?"
    name = (row or [""])[0] or ""
    found = re.search(r"pid (\d+)", name)
    return found.group(1) if found else "?"


def take_lock(url: str, province: str | None, wait_s: float,
              on_wait: Callable[[str], None], busy: Callable[[str], Exception]):
    """A session on the server holding the scope's advisory lock(s).

    Waits while another writer holds it: ``on_wait(holder pid)`` once, then retries with
    a growing pause; after ``wait_s`` seconds raises ``busy(holder pid)``.
    """
    lock_con = psycopg_connect(url, autocommit=True)
    try:
        deadline = time.monotonic() + wait_s
        pause, said = 0.05, False
        for mode, space, key in _lock_keys(province):
            fn = "pg_try_advisory_lock_shared" if mode == "shared" else "pg_try_advisory_lock"
            while not lock_con.execute(f"SELECT {fn}(%s, %s)", [space, key]).fetchone()[0]:
                holder = _holder(lock_con, space, key)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise busy(holder)
                if not said:
                    said = True
                    on_wait(holder)
                time.sleep(min(left, pause * random.uniform(0.5, 1.0)))
                pause = min(pause * 1.6, 1.0)
    except BaseException:
        lock_con.close()
        raise
    return lock_con


def open_workspace(url: str, layout: Layout, *, read_only: bool = True,
                   province: str | None = None, wait_s: float = 300.0,
                   tables: Collection[str] | None = None,
                   on_wait: Callable[[str], None] | None = None,
                   busy: Callable[[str], Exception] | None = None) -> Workspace:
    """Open a workspace of the server at ``url`` (see the module docstring).

    Args:
        province: the scope: a province code, ``""`` for the whole country, None for
            ``$ONEPLAN_PROVINCE`` (unset or empty: the whole country).
        wait_s: how long a writer waits for its scope's lock.
        tables: a writer fills only these tables (:func:`load_snapshot`; the command
            must name every table it reads), and in a province scope ``areas`` holds
            only its own province's villages. None: every table, whole ``areas``.
            Reads always fill every table (they share the cache).
        on_wait: called once with the holder's process id when a writer must wait.
        busy: makes the error raised when the wait is over (given the holder's pid).

    Raises:
        UserError: the server cannot be reached.
    """
    url = normalised(url)
    if province is None:
        province = os.environ.get(PROVINCE_ENV, "").strip()
    province = province or None
    if read_only:
        return _read_workspace(url, layout, province)
    lock = take_lock(url, province, wait_s,
                     on_wait or (lambda pid: print(f"waiting ({pid})", file=sys.stderr)),
                     busy or (lambda pid: TimeoutError(f"lock held by {pid}")))
    server = None
    try:
        # one connection reads the snapshot and later publishes (autocommit off)
        server = adbc_connect(url, autocommit=False)
        own_villages = tables is not None and bool(province)
        mem, _snap, role, counts = load_snapshot(url, layout, province, server=server,
                                                 tables=tables, own_villages=own_villages,
                                                 autocommit=False)
    except BaseException:
        _close_quietly(server)
        lock.close()
        raise
    return Workspace(mem, url=url, province=province, read_only=False, role=role,
                     layout=layout, lock=lock, counts=counts, server=server,
                     villages_of=province if own_villages else None)

"""Backups of the central database, the same format from either engine and into either.

A backup is a folder: one Parquet file per table of ``schema.sql`` (``<table>.parquet``)
and ``manifest.json`` with the oneplan version, the engine and schema version it came
from, when it was made, and per table the row count, an order-independent checksum and
the Parquet file's sha256. ``schema_migrations`` is not copied: the manifest's
``schema_version`` says the version, and the target records its own.

The checksum is computed the same way whatever the engine, always by DuckDB over the
rows as Arrow or Parquet: the count, the sum and the XOR of a 64-bit hash of each row,
every column cast to text, the columns in name order (:func:`checksum`). So a backup
of a PostgreSQL database restored into a DuckDB file (or the reverse) checks equal.

:func:`restore` loads a backup into a fresh database (a new DuckDB file made from
``schema.sql``, or a server database: its schema is made with
:func:`oneplan.data.pgschema.postgres_ddl` when it has none), refusing one that holds rows
unless ``replace``. Before loading it checks every file's sha256 (a changed file is a
:class:`~oneplan.core.errors.Failure`, nothing is loaded); a backup of an older schema
version loads into the current schema (the target is upgraded first, columns the backup
lacks take their defaults); a newer one is refused. Everything is loaded in one
transaction (on the server as the URL's role, with COPY through ADBC), then read back and
compared with the manifest's counts and checksums: a difference is a ``Failure``.

Personal data: the Parquet files hold the complaint tables as stored (salted hashes and
the normalised names kept for linkage), so a backup folder is as confidential as the
database; files are written readable by their owner only (0600).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from oneplan import __version__
from oneplan.core.errors import Failure, UserError, message
from oneplan.data import db, migrations, pgschema

MANIFEST = "manifest.json"
FORMAT = "oneplan-backup/1"
_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)", re.I)


def schema_tables() -> list[str]:
    """The tables a backup holds: every table of ``schema.sql`` but ``schema_migrations``."""
    code = "\n".join(line.partition("--")[0] for line in db.schema_sql().splitlines())
    return [t for t in _TABLE.findall(code) if t != migrations.TABLE]


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file, in hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def checksum(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> dict:
    """``{"rows", "sum", "xor"}`` of ``relation`` (a table name or ``read_parquet(…)``) on
    the DuckDB connection ``con``: the count, and the sum and XOR of
    ``hash(col1::VARCHAR, col2::VARCHAR, …)`` over every row, ``columns`` in name order.
    Independent of the rows' order and of the engine they came from."""
    cols = sorted(columns)
    h = "hash(" + ", ".join(f'"{c}"::VARCHAR' for c in cols) + ")" if cols else "0"
    n, total, xor = con.execute(
        f"SELECT count(*), coalesce(sum({h}), 0)::VARCHAR, "
        f"coalesce(bit_xor({h}), 0)::VARCHAR FROM {relation}").fetchall()[0]
    return {"rows": int(n), "sum": total, "xor": xor}


def _quote_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _private(path: Path) -> None:
    try:
        os.chmod(path, 0o600)
    except OSError:  # pragma: no cover - a file system without modes
        pass


# --- backup -------------------------------------------------------------------------------

def _empty_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise UserError(message("data.backup.not_folder", path=folder))
    if folder.exists() and any(folder.iterdir()):
        raise UserError(message("data.backup.folder_not_empty", path=folder))
    folder.mkdir(parents=True, exist_ok=True)


def backup(target, folder: str | Path) -> dict:
    """Write every table of the database ``target`` (a DuckDB file or a ``postgresql://``
    URL) to ``folder`` (new or empty) as Parquet files, with ``manifest.json``.

    Returns:
        The manifest written.

    Raises:
        UserError: the folder is not empty, or the database cannot be opened.
        oneplan.data.migrations.DatabaseTooNewError: the database is newer than this code.
    """
    folder = Path(folder)
    _empty_folder(folder)
    con = migrations.open_database(target, read_only=True)
    try:
        engine = migrations.engine_of(con)
        version = migrations.check_known(con)
        present = set(migrations.table_names(con))
        tables = [t for t in schema_tables() if t in present]
        if engine == "postgresql":
            _pg_to_parquet(str(target), tables, folder)
        else:
            for t in tables:
                con.execute(f'COPY (SELECT * FROM "{t}") TO '
                            f"{_quote_path(folder / (t + '.parquet'))} (FORMAT parquet)")
    finally:
        con.close()
    entries = {}
    mem = duckdb.connect()
    for t in tables:
        path = folder / f"{t}.parquet"
        _private(path)
        rel = f"read_parquet({_quote_path(path)})"
        cols = [r[0] for r in mem.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()]
        entries[t] = {"file": path.name, "columns": cols, **checksum(mem, rel, cols),
                      "sha256": file_sha256(path)}
    mem.close()
    manifest = {"format": FORMAT, "oneplan_version": __version__, "engine": engine,
                "schema_version": version,
                "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "tables": entries}
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")
    _private(path)
    return manifest


def _pg_to_parquet(url: str, tables: list[str], folder: Path) -> None:
    """Each table of the server as Arrow (ADBC), written as Parquet by DuckDB."""
    import adbc_driver_postgresql.dbapi as adbc

    mem = duckdb.connect()
    with adbc.connect(url) as con, con.cursor() as cur:
        for t in tables:
            cur.execute(f'SELECT * FROM "{t}"')
            mem.register("server_rows", cur.fetch_arrow_table())
            mem.execute(f"COPY (SELECT * FROM server_rows) TO "
                        f"{_quote_path(folder / (t + '.parquet'))} (FORMAT parquet)").fetchall()
            mem.unregister("server_rows")
    mem.close()


# --- restore ------------------------------------------------------------------------------

def read_manifest(folder: str | Path) -> dict:
    """The manifest of a backup folder, its files checked against their sha256.

    Raises:
        UserError: no manifest, or not a oneplan backup.
        Failure: a file is missing or changed since the backup (its sha256 differs).
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise UserError(message("data.backup.no_manifest", path=folder))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        manifest = {}
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UserError(message("data.backup.not_backup", path=path))
    for table, entry in manifest["tables"].items():
        file = folder / entry["file"]
        if Path(entry["file"]).name != entry["file"] or not file.is_file():
            raise Failure(message("data.backup.file_missing", table=table, path=file))
        if file_sha256(file) != entry["sha256"]:
            raise Failure(message("data.backup.file_changed", table=table, path=file))
    return manifest


def restore(folder: str | Path, target, *, replace: bool = False) -> dict[str, int]:
    """Load the backup in ``folder`` into the database ``target`` (a DuckDB file, made
    when missing, or a ``postgresql://`` URL as the owner role), then check it.

    Returns:
        Rows loaded per table.

    Raises:
        UserError: not a backup; a backup newer than this code; the target holds rows
            and not ``replace``.
        Failure: a file changed since the backup, the load failed, or what was loaded
            does not match the manifest's counts and checksums.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    if int(manifest["schema_version"]) > migrations.latest():
        raise UserError(message("data.migrations.too_new", version=manifest["schema_version"],
                                latest=migrations.latest()))
    pg = pgschema.is_postgres_url(target)
    fresh = not pg and not Path(target).exists()
    con = migrations.open_database(target, read_only=False, create=fresh)
    try:
        if pg:
            if not migrations.table_names(con):
                con.execute(pgschema.postgres_ddl())
                con.commit()
            migrations.upgrade(con)
        elif fresh:
            migrations.create_schema(con)
        else:
            migrations.upgrade(con)
        tables = manifest["tables"]
        missing = [t for t in tables if t not in set(migrations.table_names(con))]
        if missing:
            raise UserError(message("data.backup.unknown_table", table=missing[0]))
        counts = {t: n for t, n in migrations.row_counts(con).items() if t in tables and n}
        if counts and not replace:
            table, n = next(iter(counts.items()))
            raise UserError(message("data.backup.target_not_empty", table=table, rows=n))
        if not pg:
            _load_duckdb(con, folder, tables)
    finally:
        con.close()
    if pg:
        _load_pg(str(target), folder, tables)
    _verify(target, tables)
    return {t: e["rows"] for t, e in tables.items()}


def _load_duckdb(con, folder: Path, tables: dict) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        for t, entry in tables.items():
            cols = ", ".join(f'"{c}"' for c in entry["columns"])
            if con.execute(f'SELECT EXISTS (SELECT 1 FROM "{t}")').fetchall()[0][0]:
                con.execute(f'DELETE FROM "{t}"')
            con.execute(f'INSERT INTO "{t}" ({cols}) SELECT {cols} FROM '
                        f"read_parquet({_quote_path(folder / entry['file'])})")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise Failure(message("data.backup.load_failed", table=t, reason=_reason(exc))) \
            from None
    con.execute("COMMIT")


def _load_pg(url: str, folder: Path, tables: dict) -> None:
    """Every table in one server transaction, by COPY (ADBC ingest)."""
    import adbc_driver_postgresql.dbapi as adbc

    mem = duckdb.connect()
    con = adbc.connect(url)
    t = ""
    try:
        with con.cursor() as cur:
            for t, entry in tables.items():
                cols = ", ".join(f'"{c}"' for c in entry["columns"])
                rows = mem.sql(f"SELECT {cols} FROM read_parquet("
                               f"{_quote_path(folder / entry['file'])})").to_arrow_table()
                cur.execute(f'SELECT EXISTS (SELECT 1 FROM "{t}")')
                if cur.fetchone()[0]:  # --replace (audit_log stays append-only: refused)
                    cur.execute(f'DELETE FROM "{t}"')
                if rows.num_rows:
                    cur.adbc_ingest(t, rows, mode="append")
        con.commit()
    except Exception as exc:  # noqa: BLE001 - ADBC raises its own error classes
        con.rollback()
        raise Failure(message("data.backup.load_failed", table=t, reason=_reason(exc))) \
            from None
    finally:
        con.close()
        mem.close()


def _reason(exc: BaseException) -> str:
    lines = [s.strip() for s in str(exc).splitlines() if s.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]


def _verify(target, tables: dict) -> None:
    """Read every table back from ``target`` and compare with the manifest.

    Raises:
        Failure: a count or checksum differs (the table is named).
    """
    if pgschema.is_postgres_url(target):
        import adbc_driver_postgresql.dbapi as adbc

        mem = duckdb.connect()
        with adbc.connect(str(target)) as con, con.cursor() as cur:
            for t, entry in tables.items():
                cur.execute(f'SELECT * FROM "{t}"')
                mem.register("server_rows", cur.fetch_arrow_table())
                _compare(t, entry, checksum(mem, "server_rows", entry["columns"]))
                mem.unregister("server_rows")
        mem.close()
        return
    con = db.connect(target, read_only=True)
    try:
        for t, entry in tables.items():
            _compare(t, entry, checksum(con, f'"{t}"', entry["columns"]))
    finally:
        con.close()


def _compare(table: str, entry: dict, got: dict) -> None:
    want = {k: entry[k] for k in ("rows", "sum", "xor")}
    if got != want:
        raise Failure(message("data.backup.mismatch", table=table, rows=got["rows"],
                              expected=want["rows"]))

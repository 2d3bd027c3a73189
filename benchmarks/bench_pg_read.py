"""How fast a report's data arrive from the PostgreSQL server (docs/postgres.md).

Times, medians of ``--repeats`` (default 5), of reading one province's snapshot and the
national one into an in-memory DuckDB:

* ``adbc``   — the workspace's own path (oneplan.data.pgstore.load_snapshot: ADBC, Arrow);
* ``copy``   — psycopg ``COPY (SELECT …) TO STDOUT`` (binary) of the same rows, parsed by
  psycopg and inserted into DuckDB from Arrow (what the workspace could use instead);
* ``file``   — reading the same tables from the DuckDB file (``SELECT *`` into a fresh
  in-memory DuckDB), the embedded baseline;
* ``cached`` — a repeated read-only open of the same snapshot (the warm report kernel).

    python benchmarks/bench_pg_read.py --db data/oneplan.duckdb --url postgresql://…
        [--province 40] [--repeats 5]

The URL's database must hold a copy of the file (``oneplan db copy FILE URL``).
Prints the machine's line first; the password of the URL is never printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import duckdb
import pyarrow as pa

from oneplan.data import db, pgstore


def _timed(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def read_adbc(url: str, province: str | None):
    """A workspace snapshot as the workspace reads it (no cache)."""
    mem, _snap, _role, counts = pgstore.load_snapshot(url, db.server_layout(), province)
    mem.close()
    return sum(counts.values())


def read_copy(url: str, province: str | None):
    """The same rows through psycopg's binary COPY, into DuckDB via Arrow."""
    import psycopg

    layout = db.server_layout()
    mem = duckdb.connect(config=dict(layout.duckdb_config))
    mem.execute(layout.ddl)
    total = 0
    with psycopg.connect(pgstore.normalised(url)) as con:
        for table, cols in pgstore.local_columns(mem).items():
            source, params = pgstore.scope_filter(table, cols, layout, province)
            names = ", ".join(f't."{c}"' for c in cols)
            select = (f"SELECT {names} FROM {source}"
                      .replace("%s", "{}").format(*[f"'{p}'" for p in params]))
            with con.cursor() as cur:
                cur.execute(f"SELECT * FROM ({select}) q LIMIT 0")
                oids = [d.type_code for d in cur.description]
                with cur.copy(f"COPY ({select}) TO STDOUT (FORMAT BINARY)") as copy:
                    copy.set_types(oids)
                    rows = list(copy.rows())
            total += len(rows)
            if rows:
                data = pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)})
                mem.register("_b", data)
                mem.execute(f"INSERT INTO {table} SELECT * FROM _b")
                mem.unregister("_b")
    mem.close()
    return total


def read_file(path: str, province: str | None):
    """The tables of the DuckDB file into a fresh in-memory DuckDB."""
    mem = duckdb.connect()
    mem.execute(f"ATTACH '{path}' AS f (READ_ONLY)")
    total = 0
    for (table,) in mem.execute("SELECT table_name FROM information_schema.tables WHERE "
                                "table_catalog = 'f' AND table_schema = 'main'").fetchall():
        mem.execute(f"CREATE TABLE {table} AS SELECT * FROM f.main.{table}")
        total += mem.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    mem.close()
    return total


def read_cached(url: str, province: str | None):
    """A read-only open when the snapshot is cached."""
    con = db.connect(url, province=province or "")
    n = con.execute("SELECT count(*) FROM needs").fetchall()[0][0]
    con.close()
    return n


def main() -> None:
    """Print the medians."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default=str(db.default_db_path()))
    ap.add_argument("--url", default=os.environ.get("ONEPLAN_PG_URL", ""))
    ap.add_argument("--province", default="40")
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, duckdb {duckdb.__version__}")
    print(f"file {a.db}; server {pgstore.masked(a.url)}; medians of {a.repeats}")
    for scope in (a.province, None):
        name = f"province {scope}" if scope else "national"
        for method, fn in (("adbc", lambda: read_adbc(a.url, scope)),
                           ("copy", lambda: read_copy(a.url, scope)),
                           ("file", lambda: read_file(a.db, scope)),
                           ("cached", lambda: read_cached(a.url, scope))):
            if method == "file" and scope:
                continue   # the file is read whole whatever the report
            if method == "cached":
                read_cached(a.url, scope)   # warm the cache once
            secs, rows = _timed(fn, a.repeats)
            print(f"  {name:12s} {method:7s} {secs * 1000:9.1f} ms  ({rows:,} rows)")


if __name__ == "__main__":
    main()

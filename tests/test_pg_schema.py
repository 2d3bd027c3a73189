"""``schema.sql`` makes the same tables and columns on PostgreSQL as on DuckDB."""

from __future__ import annotations

import duckdb
import pytest
from oneplan.data import db, pgschema

pytestmark = pytest.mark.pg


def _duckdb_columns() -> dict[str, list[str]]:
    con = duckdb.connect()
    con.execute(db.schema_sql())
    rows = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
                       ).fetchall()
    out: dict[str, list[str]] = {}
    for t, c in rows:
        out.setdefault(t, []).append(c)
    return out


def test_same_tables_and_columns_on_both_engines(pg_url):
    import psycopg

    with psycopg.connect(pg_url) as con:
        rows = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                           "WHERE table_schema = 'public' ORDER BY table_name, "
                           "ordinal_position").fetchall()
    pg: dict[str, list[str]] = {}
    for t, c in rows:
        pg.setdefault(t, []).append(c)
    duck = _duckdb_columns()
    assert len(duck) >= 20
    assert pg == duck


def test_checks_hold_on_the_server(pg_url):
    import psycopg

    with psycopg.connect(pg_url) as con:
        with pytest.raises(psycopg.errors.CheckViolation):
            con.execute("INSERT INTO areas (code, level, province_code, name_th, synthetic, "
                        "source_file) VALUES ('99', 'galaxy', '99', 'x', true, 'f')")


def test_urls_are_told_from_paths():
    assert pgschema.is_postgres_url("postgresql://u:p@127.0.0.1:5432/oneplan")
    assert pgschema.is_postgres_url("postgres://h/db")
    assert not pgschema.is_postgres_url("data/oneplan.duckdb")
    assert not pgschema.is_postgres_url(None)

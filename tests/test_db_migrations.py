"""Schema versions (``oneplan.data.migrations``, ``oneplan db status|upgrade``): a database
made by the previous release's schema (0001) upgrades to this one on DuckDB and on
PostgreSQL, its rows survive, the current code reads it, and a database newer than the
code is refused."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from oneplan import cli
from oneplan.complaints import store
from oneplan.data import db, migrations, pgschema

# rows of several tables, in the columns the 0001 schema has
ROWS = {
    "areas": [
        "('40', 'province', NULL, '40', 'ขอนแก่น', 'Khon Kaen', 'northeast', 1000, 400, "
        "true, 'old.xlsx', 'areas', 2)",
        "('4001', 'district', '40', '40', 'เมืองขอนแก่น', 'Mueang', 'northeast', 500, 200, "
        "true, 'old.xlsx', 'areas', 3)",
        "('400101', 'subdistrict', '4001', '40', 'ในเมือง', 'Nai Mueang', 'northeast', 100, "
        "40, true, 'old.xlsx', 'areas', 4)",
    ],
    "needs": [
        "('N2570-40-000001', 2570, '40010101', '400101', '4001', '40', 'water', 'บ่อบาดาล', 25, "
        "150000.5, DATE '2026-06-01', 'lao', 2, 'submitted', NULL, NULL, 'h1', true, "
        "'needs.xlsx', 'needs', 5)",
    ],
    "need_stages": [
        "('N2570-40-000001', 'submitted', DATE '2026-06-01', NULL, NULL, 'needs.xlsx', "
        "'needs', 5)",
    ],
    "complaints": [
        "('pea:1', 'pea', '1', DATE '2026-01-05', NULL, 'electricity', '40', '4001', "
        "'400101', 3, 'ไฟดับบ่อย', 'สมชาย', 'ใจดี', 'h-id', 'h-ph', 'h-ad', 'closed', "
        "DATE '2026-01-06', DATE '2026-01-20', 0, 1, true, 'pea.csv', NULL, 2, "
        "TIMESTAMP '2026-02-01 10:00:00')",
        "('pea:2', 'pea', '2', DATE '2026-01-07', NULL, 'electricity', '40', '4001', "
        "'400101', NULL, 'ไฟดับอีกแล้ว', NULL, NULL, NULL, NULL, NULL, 'received', NULL, "
        "NULL, 0, 0, true, 'pea.csv', NULL, 3, TIMESTAMP '2026-02-01 10:00:00')",
    ],
    "complaint_clusters": [
        "('CL:pea:1', 'pea:1', true, 'P:pea:1', TIMESTAMP '2026-02-01 10:00:00')",
        "('CL:pea:1', 'pea:2', false, NULL, TIMESTAMP '2026-02-01 10:00:00')",
    ],
    "meta": ["('synthetic', 'true')", "('oneplan_version', '0.9')"],
}

def _base_sql() -> str:
    return migrations.migrations()[0].sql


def _fill(execute) -> None:
    for table, rows in ROWS.items():
        execute(f"INSERT INTO {table} VALUES " + ", ".join(rows))


def _old_file(path) -> None:
    con = duckdb.connect(str(path))
    con.execute(_base_sql())
    _fill(con.execute)
    con.close()


def _rows(con, table: str, cols: list[str]) -> list[tuple]:
    return sorted(con.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(),
                  key=repr)


def _base_columns() -> dict[str, list[str]]:
    con = duckdb.connect()
    con.execute(_base_sql())
    return {t: [c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position", [t]).fetchall()] for t in ROWS}


def test_the_migrations_are_numbered_and_named():
    ms = migrations.migrations()
    assert [m.version for m in ms] == list(range(1, len(ms) + 1))
    assert ms[0].label == "0001_base" and ms[1].label == "0002_complaint_feeds"
    assert migrations.latest() == len(ms) >= 2


def test_an_old_file_is_version_1_by_its_columns(tmp_path):
    _old_file(tmp_path / "old.duckdb")
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    assert migrations.recorded(con) is None
    assert migrations.current_version(con) == 1
    assert [m.label for m in migrations.pending(con)][0] == "0002_complaint_feeds"
    with pytest.raises(duckdb.BinderException):  # this release's reader needs the new columns
        store.cases(con, "40")


def test_upgrade_keeps_the_rows_and_the_current_code_reads_them(tmp_path, capsys):
    path = tmp_path / "old.duckdb"
    _old_file(path)
    cols = _base_columns()
    con = duckdb.connect(str(path))
    before = {t: _rows(con, t, cols[t]) for t in ROWS}
    con.close()
    assert all(before.values())

    assert cli.main(["db", "upgrade", "--db", str(path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "applied: 0002_complaint_feeds (version 2)" in out
    assert f"now at version {migrations.latest()}" in out

    assert cli.main(["db", "status", "--db", str(path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert f"schema version: {migrations.latest()} " in out and "up to date" in out
    assert "  complaints: 2 rows" in out and "  areas: 3 rows" in out

    con = duckdb.connect(str(path))
    assert {t: _rows(con, t, cols[t]) for t in ROWS} == before
    assert migrations.recorded(con) == list(range(1, migrations.latest() + 1))
    # new columns have their defaults; the place of a complaint may now be unknown
    assert con.execute("SELECT complaint_id, case_no_repeat, agency_category, date_flag, "
                       "house_no_hash, place_source FROM complaints ORDER BY 1").fetchall() \
        == [("pea:1", False, None, None, None, None), ("pea:2", False, None, None, None, None)]
    con.execute("INSERT INTO complaints (complaint_id, agency_id, case_no, received_on, "
                "category, province_code, text, status, synthetic, source_file) VALUES "
                "('pea:3', 'pea', '3', DATE '2026-01-09', 'other', '40', 'x', 'received', "
                "true, 'pea.csv')")
    assert con.execute("SELECT case_no_repeat FROM complaints WHERE complaint_id = 'pea:3'"
                       ).fetchone() == (False,)
    # the current code reads it: the complaints reader, set-aside counts, report digests
    cases = store.cases(con, "40")
    assert list(cases["complaint_id"]) == ["pea:1", "pea:2", "pea:3"]
    assert cases.set_index("complaint_id").loc["pea:2", "cluster_id"] == "CL:pea:1"
    assert store.setaside_count(con, "40") == 0
    assert "needs" in db.content_digests(con)["40"]
    con.close()


def test_upgrade_twice_changes_nothing(tmp_path, capsys):
    path = tmp_path / "old.duckdb"
    _old_file(path)
    assert cli.main(["db", "upgrade", "--db", str(path)]) == 0
    con = duckdb.connect(str(path))
    stamps = con.execute("SELECT * FROM schema_migrations ORDER BY 1").fetchall()
    con.close()
    capsys.readouterr()
    assert cli.main(["db", "upgrade", "--db", str(path), "--lang", "en"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    con = duckdb.connect(str(path))
    assert con.execute("SELECT * FROM schema_migrations ORDER BY 1").fetchall() == stamps
    assert migrations.upgrade(con) == []
    con.close()


def test_a_file_touched_by_the_old_ad_hoc_alters_upgrades_cleanly(tmp_path):
    """The previous code added some 0002 columns itself (store.ensure_tables) but not the
    link tables: the file is version 1, and the idempotent 0002 finishes the job."""
    path = tmp_path / "old.duckdb"
    _old_file(path)
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE complaints ADD COLUMN IF NOT EXISTS date_flag VARCHAR")
    assert migrations.current_version(con) == 1
    applied = migrations.upgrade(con)
    assert [m.version for m in applied] == list(range(2, migrations.latest() + 1))
    assert migrations.current_version(con) == migrations.latest()
    assert store.cases(con, "40").shape[0] == 2
    con.close()


def test_migrations_from_nothing_make_the_schema_of_schema_sql():
    """0001 + 0002 + … on an empty database = schema.sql (tables, columns, types,
    nullability; column order may differ where a migration appended a column)."""
    def shape(con):
        return sorted(con.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM "
            "information_schema.columns WHERE table_schema = 'main'").fetchall())

    fresh = duckdb.connect()
    fresh.execute(db.schema_sql())
    upgraded = duckdb.connect()
    assert migrations.current_version(upgraded) == 0
    assert [m.version for m in migrations.upgrade(upgraded)] == \
        list(range(1, migrations.latest() + 1))
    assert shape(upgraded) == shape(fresh)


def test_a_database_made_from_schema_sql_is_stamped_latest(sample_db):
    con = duckdb.connect(str(sample_db), read_only=True)
    assert migrations.recorded(con) == list(range(1, migrations.latest() + 1))
    assert migrations.pending(con) == []
    con.close()
    fresh = duckdb.connect()
    migrations.create_schema(fresh)
    assert migrations.recorded(fresh) == list(range(1, migrations.latest() + 1))
    assert migrations.stamp(fresh) == []  # a stamped database is left alone


def test_a_newer_database_is_refused(tmp_path, capsys):
    path = tmp_path / "new.duckdb"
    con = duckdb.connect(str(path))
    migrations.create_schema(con)
    newer = migrations.latest() + 7
    con.execute("INSERT INTO schema_migrations VALUES (?, 'from_the_future', now())", [newer])
    con.close()
    assert cli.main(["db", "upgrade", "--db", str(path), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert f"this database is version {newer}; this oneplan knows up to " \
           f"{migrations.latest()}" in err
    assert "Traceback" not in err
    assert cli.main(["db", "status", "--db", str(path)]) == 2
    con = duckdb.connect(str(path))
    with pytest.raises(migrations.DatabaseTooNewError):
        migrations.upgrade(con)
    assert migrations.notice(con) is None
    con.close()


def test_an_older_database_gets_a_notice(tmp_path):
    _old_file(tmp_path / "old.duckdb")
    con = duckdb.connect(str(tmp_path / "old.duckdb"), read_only=True)
    assert "oneplan db upgrade" in migrations.notice(con, "en")
    assert "oneplan db upgrade" in migrations.notice(con, "th")


def test_a_password_is_never_printed():
    assert migrations.shown("postgresql://u:secret@127.0.0.1:5432/x") == \
        "postgresql://u:***@127.0.0.1:5432/x"
    assert migrations.shown("data/oneplan.duckdb") == "data/oneplan.duckdb"


# --- PostgreSQL ------------------------------------------------------------------------------

@pytest.fixture
def old_pg_url(pg_server):
    """A server database made by the 0001 schema (translated), with the rows above."""
    import psycopg
    from pg_server import fresh_database

    with fresh_database(pg_server, "m_",
                        pgschema.PRELUDE + pgschema.translate(_base_sql())) as url:
        with psycopg.connect(url, autocommit=True) as con:
            _fill(con.execute)
        yield url


def _pg_shape(url) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as con:
        return sorted(con.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM "
            "information_schema.columns WHERE table_schema = 'public'").fetchall())


@pytest.mark.pg
def test_upgrade_on_the_server(old_pg_url, pg_url, capsys):
    import psycopg

    cols = _base_columns()
    with psycopg.connect(old_pg_url) as con:
        assert migrations.engine_of(con) == "postgresql"
        assert migrations.current_version(con) == 1
        before = {t: _rows(con, t, cols[t]) for t in ROWS}
    assert cli.main(["db", "status", "--db", old_pg_url, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "(PostgreSQL)" in out and "pending: 0002_complaint_feeds" in out

    assert cli.main(["db", "upgrade", "--db", old_pg_url, "--lang", "en"]) == 0
    assert "applied: 0002_complaint_feeds" in capsys.readouterr().out
    assert cli.main(["db", "status", "--db", old_pg_url, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "up to date" in out and "  complaints: 2 rows" in out

    with psycopg.connect(old_pg_url) as con:
        assert {t: _rows(con, t, cols[t]) for t in ROWS} == before
        assert migrations.recorded(con) == list(range(1, migrations.latest() + 1))
        assert con.execute("SELECT count(*) FROM complaints WHERE case_no_repeat = false"
                           ).fetchone() == (2,)
        assert migrations.upgrade(con) == []  # twice: nothing
    # the same tables and columns as a server database made from schema.sql today
    assert _pg_shape(old_pg_url) == _pg_shape(pg_url)


@pytest.mark.pg
def test_a_newer_server_database_is_refused(pg_url, capsys):
    import psycopg

    with psycopg.connect(pg_url) as con:
        migrations.stamp(con)
        con.execute("INSERT INTO schema_migrations VALUES (%s, 'future', now())",
                    [migrations.latest() + 1])
        con.commit()
    assert cli.main(["db", "upgrade", "--db", pg_url, "--lang", "en"]) == 2
    assert f"version {migrations.latest() + 1}; this oneplan knows up to" in \
        capsys.readouterr().err


def test_dates_survive_as_dates(tmp_path):
    """(a guard on the fixture: the 0001 rows hold real DATE values, not strings)"""
    _old_file(tmp_path / "old.duckdb")
    con = duckdb.connect(str(tmp_path / "old.duckdb"), read_only=True)
    assert con.execute("SELECT received_on FROM complaints WHERE complaint_id = 'pea:1'"
                       ).fetchone() == (dt.date(2026, 1, 5),)


def test_a_report_on_an_older_file_says_to_upgrade_once(tmp_path, capsys):
    from oneplan import cli_db

    _old_file(tmp_path / "old.duckdb")
    cli_db.upgrade_notice(tmp_path / "old.duckdb", "en")
    err = capsys.readouterr().err
    assert err.count("oneplan db upgrade") == 1 and "schema version 1" in err
    assert cli.main(["db", "upgrade", "--db", str(tmp_path / "old.duckdb")]) == 0
    capsys.readouterr()
    cli_db.upgrade_notice(tmp_path / "old.duckdb", "en")
    assert capsys.readouterr().err == ""

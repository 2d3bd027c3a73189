"""Backups (``oneplan.data.backup``, ``oneplan db backup|restore``): the session's sample
restored into a new DuckDB file and into a server database, and back, with every table's
count and checksum equal; a changed file, a non-empty target and an older backup."""

from __future__ import annotations

import json
import stat

import duckdb
import pytest
from oneplan import cli
from oneplan.data import backup, migrations


def _sums(path) -> dict[str, dict]:
    """Count and checksum of every backed-up table of a DuckDB file, computed directly."""
    con = duckdb.connect(str(path), read_only=True)
    out = {}
    for t in backup.schema_tables():
        cols = [c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = 'main'", [t]).fetchall()]
        out[t] = backup.checksum(con, f'"{t}"', cols)
    con.close()
    return out


@pytest.fixture(scope="module")
def sample_backup(sample_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bk") / "backup"
    assert cli.main(["db", "backup", str(folder), "--db", str(sample_db)]) == 0
    return folder


def test_backup_writes_a_parquet_file_per_table_and_a_manifest(sample_db, sample_backup):
    manifest = json.loads((sample_backup / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["engine"] == "duckdb"
    assert manifest["schema_version"] == migrations.latest()
    assert set(manifest["tables"]) == set(backup.schema_tables())
    assert "schema_migrations" not in manifest["tables"]
    want = _sums(sample_db)
    for t, entry in manifest["tables"].items():
        path = sample_backup / entry["file"]
        assert path.is_file() and entry["sha256"] == backup.file_sha256(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert {k: entry[k] for k in ("rows", "sum", "xor")} == want[t], t
    assert manifest["tables"]["complaints"]["rows"] > 100
    assert manifest["tables"]["needs"]["rows"] > 100


def test_restore_into_a_new_file_gives_the_same_tables(sample_db, sample_backup, tmp_path,
                                                        capsys):
    target = tmp_path / "restored.duckdb"
    assert cli.main(["db", "restore", str(sample_backup), "--db", str(target),
                     "--lang", "en"]) == 0
    assert "every table's row count and checksum match" in capsys.readouterr().out
    assert _sums(target) == _sums(sample_db)
    con = duckdb.connect(str(target), read_only=True)
    assert migrations.recorded(con) == list(range(1, migrations.latest() + 1))
    con.close()


def test_the_checksum_sees_one_changed_value_and_not_the_order():
    con = duckdb.connect()
    con.execute("CREATE TABLE a (x INTEGER, y VARCHAR); CREATE TABLE b (y VARCHAR, x INTEGER)")
    con.execute("INSERT INTO a VALUES (1, 'ก'), (2, 'ข'), (3, NULL)")
    con.execute("INSERT INTO b VALUES (NULL, 3), ('ข', 2), ('ก', 1)")
    assert backup.checksum(con, "a", ["x", "y"]) == backup.checksum(con, "b", ["y", "x"])
    con.execute("UPDATE b SET y = 'ค' WHERE x = 2")
    assert backup.checksum(con, "a", ["x", "y"]) != backup.checksum(con, "b", ["y", "x"])


def test_a_changed_file_is_found_before_loading(sample_backup, tmp_path, capsys):
    import shutil

    folder = tmp_path / "tampered"
    shutil.copytree(sample_backup, folder)
    needs = folder / "needs.parquet"
    needs.chmod(0o600)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_parquet('{needs}') LIMIT 5) TO '{needs}.x' "
                "(FORMAT parquet)")
    (folder / "needs.parquet.x").replace(needs)
    target = tmp_path / "t.duckdb"
    assert cli.main(["db", "restore", str(folder), "--db", str(target), "--lang", "en"]) == 3
    err = capsys.readouterr().err
    assert "needs.parquet" in err and "sha256" in err and "nothing was loaded" in err
    assert not target.exists()


def test_restore_into_a_database_with_rows_is_refused(sample_backup, sample_db, tmp_path,
                                                      capsys):
    target = tmp_path / "t.duckdb"
    assert cli.main(["db", "restore", str(sample_backup), "--db", str(target)]) == 0
    con = duckdb.connect(str(target))
    con.execute("DELETE FROM needs WHERE need_id IN (SELECT need_id FROM needs LIMIT 3)")
    con.close()
    changed = _sums(target)
    assert cli.main(["db", "restore", str(sample_backup), "--db", str(target),
                     "--lang", "en"]) == 2
    assert "already holds rows" in capsys.readouterr().err
    assert _sums(target) == changed  # nothing touched
    assert cli.main(["db", "restore", str(sample_backup), "--db", str(target),
                     "--replace"]) == 0
    assert _sums(target) == _sums(sample_db)


def test_backup_never_writes_into_a_folder_with_files(sample_db, tmp_path, capsys):
    (tmp_path / "old.txt").write_text("x")
    assert cli.main(["db", "backup", str(tmp_path), "--db", str(sample_db),
                     "--lang", "en"]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]


def test_a_backup_of_the_previous_version_restores_into_this_one(tmp_path):
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))
    con.execute(migrations.migrations()[0].sql)
    con.execute("INSERT INTO complaints (complaint_id, agency_id, case_no, received_on, "
                "category, province_code, district_code, subdistrict_code, text, status, "
                "synthetic, source_file) VALUES ('pea:1', 'pea', '1', DATE '2026-01-05', "
                "'electricity', '40', '4001', '400101', 'ไฟดับ', 'closed', true, 'pea.csv')")
    con.close()
    manifest = backup.backup(old, tmp_path / "bk")
    assert manifest["schema_version"] == 1
    assert "complaint_setaside" not in manifest["tables"]
    target = tmp_path / "new.duckdb"
    assert backup.restore(tmp_path / "bk", target)["complaints"] == 1
    con = duckdb.connect(str(target), read_only=True)
    assert migrations.current_version(con) == migrations.latest()
    assert con.execute("SELECT complaint_id, case_no_repeat, date_flag FROM complaints"
                       ).fetchall() == [("pea:1", False, None)]
    con.close()


def test_a_newer_backup_is_refused(sample_backup, tmp_path, capsys):
    import shutil

    folder = tmp_path / "future"
    shutil.copytree(sample_backup, folder)
    path = folder / "manifest.json"
    path.chmod(0o600)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["schema_version"] = migrations.latest() + 1
    path.write_text(json.dumps(manifest), encoding="utf-8")
    assert cli.main(["db", "restore", str(folder), "--db", str(tmp_path / "t.duckdb"),
                     "--lang", "en"]) == 2
    assert "this oneplan knows up to" in capsys.readouterr().err


@pytest.fixture
def empty_pg_url(pg_server):
    """A new, empty server database (no schema: the restore makes it)."""
    from pg_server import fresh_database

    with fresh_database(pg_server, "b_") as url:
        yield url


@pytest.mark.pg
def test_through_the_server_and_back(sample_db, sample_backup, empty_pg_url, tmp_path,
                                     capsys):
    import psycopg

    assert cli.main(["db", "restore", str(sample_backup), "--db", empty_pg_url,
                     "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "every table's row count and checksum match" in out
    assert "oneplan-dev-only" not in out  # the password is not printed
    with psycopg.connect(empty_pg_url) as con:
        assert con.execute("SELECT count(*) FROM needs").fetchone()[0] == \
            json.loads((sample_backup / "manifest.json").read_text())["tables"]["needs"]["rows"]
        assert migrations.current_version(con) == migrations.latest()
    # a second restore into it is refused; the server's rows stay
    assert cli.main(["db", "restore", str(sample_backup), "--db", empty_pg_url]) == 2
    capsys.readouterr()

    folder = tmp_path / "from_server"
    assert cli.main(["db", "backup", str(folder), "--db", empty_pg_url]) == 0
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["engine"] == "postgresql"
    original = json.loads((sample_backup / "manifest.json").read_text(encoding="utf-8"))
    for t, entry in original["tables"].items():
        assert {k: manifest["tables"][t][k] for k in ("rows", "sum", "xor")} == \
            {k: entry[k] for k in ("rows", "sum", "xor")}, t
    back = tmp_path / "back.duckdb"
    assert cli.main(["db", "restore", str(folder), "--db", str(back)]) == 0
    assert _sums(back) == _sums(sample_db)

"""Every command against the PostgreSQL server (oneplan.data.pgstore, pgpublish, pgcopy):
the session's small sample (provinces 40, 45, 32) is copied into a fresh database and read
and written through workspaces, as the owner role (rights are tests/test_pg_rights.py)."""

from __future__ import annotations

import csv
import io
import threading
import time

import duckdb
import pytest

from oneplan.cli import main as cli_main
from oneplan.core.errors import UserError
from oneplan.data import db, pgcopy, pgstore

pytestmark = pytest.mark.pg

NEEDS_TH = ["ลำดับที่", "ปีงบประมาณ", "รหัสหมู่บ้าน", "ประเภทความต้องการ", "รายละเอียดความต้องการ",
            "จำนวนครัวเรือนที่ได้รับประโยชน์", "งบประมาณโดยประมาณ (บาท)", "วันที่เสนอ"]
PASSWORD = "oneplan-dev-only"


@pytest.fixture
def server(pg_url, sample_db):
    """The sample copied into a fresh server database; its URL."""
    pgstore.clear_cache()
    pgcopy.copy_database(sample_db, pg_url)
    yield pg_url
    pgstore.clear_cache()


def _server_rows(url: str, sql: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as con:
        return con.execute(sql, params).fetchall()


def _file_rows(path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


QUERIES = [
    "SELECT province_code, count(*), sum(cost_baht) FROM water_projects GROUP BY 1 ORDER BY 1",
    "SELECT stage, count(*) FROM needs GROUP BY 1 ORDER BY 1",
    "SELECT * FROM water_projects ORDER BY project_id LIMIT 5",
    "SELECT count(*), count(DISTINCT cluster_id) FROM complaint_clusters",
]


def test_read_path_gives_the_file_s_results(server, sample_db):
    con = db.connect(server)
    try:
        assert db.is_workspace(con)
        for q in QUERIES:
            assert con.execute(q).fetchall() == _file_rows(sample_db, q), q
        file_con = duckdb.connect(str(sample_db), read_only=True)
        try:
            assert db.content_digests(con) == db.content_digests(file_con)
        finally:
            file_con.close()
    finally:
        con.close()


def test_province_snapshot_holds_that_province_and_the_country_rows(server, sample_db):
    con = db.connect(server, province="32")
    file_con = duckdb.connect(str(sample_db), read_only=True)
    try:
        assert con.execute("SELECT DISTINCT province_code FROM needs").fetchall() == [("32",)]
        mine, whole = db.content_digests(con), db.content_digests(file_con)
        assert mine["32"] == whole["32"]
        assert mine[""] == whole[""]
        assert con.loaded["needs"] < file_con.execute(
            "SELECT count(*) FROM needs").fetchall()[0][0]
    finally:
        con.close()
        file_con.close()


def test_read_snapshot_is_cached_until_the_server_changes(server):
    a = db.connect(server, province="45")
    n = a.execute("SELECT count(*) FROM needs").fetchall()[0][0]
    a.close()
    b = db.connect(server, province="45")   # same snapshot: no reload
    assert b.loaded == a.loaded
    b.close()
    need = _server_rows(server, "SELECT need_id FROM needs WHERE province_code = '45' "
                                "ORDER BY 1 LIMIT 1")[0][0]
    import psycopg
    with psycopg.connect(server) as c:
        c.execute("DELETE FROM needs WHERE need_id = %s", [need])
    c = db.connect(server, province="45")
    try:
        assert c.execute("SELECT count(*) FROM needs").fetchall()[0][0] == n - 1
    finally:
        c.close()


def test_publish_of_an_unchanged_workspace_changes_nothing(server):
    before = _server_rows(server, "SELECT count(*), sum(hashtext(need_id || stage)) FROM needs")
    con = db.connect(server, read_only=False, province="40")
    try:
        con.execute("UPDATE needs SET stage = stage")   # the same values written again
        assert db.commit(con) == {}
    finally:
        con.close()
    assert _server_rows(server, "SELECT count(*), sum(hashtext(need_id || stage)) "
                                "FROM needs") == before


def test_publish_sends_inserts_updates_deletes_and_close_discards(server):
    con = db.connect(server, read_only=False, province="32")
    ids = [r[0] for r in con.execute(
        "SELECT need_id FROM needs ORDER BY 1 LIMIT 3").fetchall()]
    con.execute("UPDATE needs SET description = 'แก้ไข' WHERE need_id = ?", [ids[0]])
    con.execute("DELETE FROM need_stages WHERE need_id = ?", [ids[1]])
    con.execute("INSERT INTO complaint_link_runs SELECT * FROM complaint_link_runs")
    counts = db.commit(con)
    assert counts["needs"] == {"inserted": 0, "updated": 1, "deleted": 0}
    assert counts["need_stages"]["deleted"] >= 1
    assert counts["complaint_link_runs"] == {"inserted": 1, "updated": 0, "deleted": 0}
    con.execute("DELETE FROM needs WHERE need_id = ?", [ids[2]])   # never published
    con.close()
    assert _server_rows(server, "SELECT description FROM needs WHERE need_id = %s",
                        [ids[0]]) == [("แก้ไข",)]
    assert _server_rows(server, "SELECT count(*) FROM need_stages WHERE need_id = %s",
                        [ids[1]]) == [(0,)]
    assert _server_rows(server, "SELECT count(*) FROM needs WHERE need_id = %s",
                        [ids[2]]) == [(1,)]


def test_a_key_held_by_another_province_is_refused_whole(server):
    other = _server_rows(server, "SELECT need_id FROM needs WHERE province_code = '40' "
                                 "LIMIT 1")[0][0]
    con = db.connect(server, read_only=False, province="32")
    try:
        con.execute("UPDATE needs SET description = 'x' WHERE need_id = "
                    "(SELECT min(need_id) FROM needs)")
        con.execute("INSERT INTO needs SELECT * REPLACE (? AS need_id) FROM needs LIMIT 1",
                    [other])
        with pytest.raises(UserError, match="needs") as err:
            db.commit(con)
        assert "32" in str(err.value) and PASSWORD not in str(err.value)
    finally:
        con.close()
    assert _server_rows(server, "SELECT count(*) FROM needs WHERE description = 'x'") == [(0,)]


def _write_needs_csv(path, villages: list[str]):
    buf = io.StringIO()
    rows = [NEEDS_TH] + [[str(i), "2570", v, "แหล่งน้ำและประปา", f"ความต้องการทดสอบ {i}",
                          "120", "1,250,000", "15/03/2569"] for i, v in enumerate(villages, 1)]
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def test_import_needs_stage_and_classify_against_the_server(server, tmp_path, capsys):
    villages = [r[0] for r in _server_rows(
        server, "SELECT code FROM areas WHERE level = 'village' AND province_code = '32' "
                "ORDER BY code LIMIT 3")]
    before = _server_rows(server, "SELECT count(*) FROM needs WHERE province_code = '32'")[0][0]
    f = _write_needs_csv(tmp_path / "needs32.csv", villages)
    code = cli_main(["import", str(f), "--db", server, "--province", "32",
                     "--rejects", str(tmp_path)])
    out = capsys.readouterr()
    assert code == 0, out.err
    after = _server_rows(server, "SELECT count(*) FROM needs WHERE province_code = '32'")[0][0]
    assert after == before + 3
    assert PASSWORD not in out.out + out.err
    need = _server_rows(server, "SELECT need_id FROM needs WHERE description = "
                                "'ความต้องการทดสอบ 1'")[0][0]
    code = cli_main(["needs", "stage", "--need", need, "--to", "tambon_screened",
                     "--on", "20/06/2569", "--db", server])
    assert code == 0, capsys.readouterr().err
    assert _server_rows(server, "SELECT stage FROM needs WHERE need_id = %s",
                        [need]) == [("tambon_screened",)]
    assert ("tambon_screened",) in _server_rows(
        server, "SELECT stage FROM need_stages WHERE need_id = %s", [need])


def test_an_import_reads_only_its_tables_and_its_own_villages(server, tmp_path, capsys):
    from oneplan.data.ingest.run import IMPORT_TABLES

    con = db.connect(server, read_only=False, province="32", tables=IMPORT_TABLES)
    try:
        assert set(con.loaded) == set(IMPORT_TABLES) | pgstore.ALWAYS_LOADED
        assert con.villages_of == "32"
        assert con.execute("SELECT count(*) FROM complaints").fetchall() == [(0,)]
        assert con.execute("SELECT DISTINCT province_code FROM areas WHERE level = "
                           "'village'").fetchall() == [("32",)]
        n_up = _server_rows(server, "SELECT count(*) FROM areas WHERE level <> 'village'")
        assert con.execute("SELECT count(*) FROM areas WHERE level <> 'village'"
                           ).fetchall() == n_up
        con.execute("INSERT INTO audit_log (event_id, \"at\", actor, action) VALUES "
                    "('t-1', now(), 'x', 'import')")   # an unfilled table: insert only
        assert db.commit(con) == {"audit_log": {"inserted": 1, "updated": 0, "deleted": 0}}
    finally:
        con.close()
    # a village of another province: refused by the province rule, not called unknown
    own, other = (_server_rows(server, "SELECT min(code) FROM areas WHERE level = 'village' "
                                       "AND province_code = %s", [p])[0][0]
                  for p in ("32", "45"))
    f = _write_needs_csv(tmp_path / "mixed.csv", [own, other])
    code = cli_main(["import", str(f), "--db", server, "--province", "32",
                     "--rejects", str(tmp_path)])
    out = capsys.readouterr()
    assert code == 1, out.err
    assert "รับ 1 + ไม่รับ 1" in out.out
    rejects = next(tmp_path.glob("mixed*rejected*"))
    import openpyxl

    cells = [str(c.value) for row in openpyxl.load_workbook(rejects).active.iter_rows()
             for c in row if c.value]
    text = " ".join(cells)
    assert "(45)" in text and "import each province in a file of its own" in text
    assert "not found" not in text and "ไม่พบรหัสหมู่บ้าน" not in text
    assert _server_rows(server, "SELECT village_code FROM needs WHERE description "
                                "LIKE 'ความต้องการทดสอบ _'") == [(own,)]


def test_plan_approve_against_the_server(server, monkeypatch):
    from oneplan.selection import versions

    vid = versions.approve("45", db_path=server, time_limit_s=20)
    rows = _server_rows(server, "SELECT province_code, status FROM plan_versions "
                                "WHERE version_id = %s", [vid])
    assert rows == [("45", "approved")]
    assert _server_rows(server, "SELECT count(*) > 0 FROM plan_items WHERE version_id = %s",
                        [vid]) == [(True,)]


def test_complaints_import_and_link_against_the_server(server, tmp_path, capsys):
    from oneplan.samples import feeds as generate

    gen = generate.generate(120, ["32"], seed=7, id_tag="T7", fiscal_year=2570)
    generate.write_feeds(gen, tmp_path / "feeds")
    before = _server_rows(server, "SELECT count(*) FROM complaints")[0][0]
    code = cli_main(["complaints", "import", str(tmp_path / "feeds"), "--link",
                     "--db", server])
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    after = _server_rows(server, "SELECT count(*) FROM complaints")[0][0]
    assert after > before
    # every complaint is in exactly one matter after the link, on the server
    assert _server_rows(server, "SELECT count(*) FROM complaints c LEFT JOIN "
                                "complaint_clusters k USING (complaint_id) "
                                "WHERE k.cluster_id IS NULL") == [(0,)]


def _hold(url: str, province: str, seconds: float, started: threading.Event):
    con = db.connect(url, read_only=False, province=province)
    started.set()
    time.sleep(seconds)
    con.close()


def test_writers_of_one_province_queue_of_two_provinces_do_not(server, capsys):
    started = threading.Event()
    t = threading.Thread(target=_hold, args=(server, "32", 1.5, started))
    t.start()
    try:
        assert started.wait(30)
        t0 = time.monotonic()
        other = db.connect(server, read_only=False, province="40")   # not blocked
        other.close()
        assert time.monotonic() - t0 < 1.5
        with pytest.raises(db.DatabaseBusyError):
            db.connect(server, read_only=False, province="32", wait_s=0.3)
        assert "waiting" in capsys.readouterr().err
        t0 = time.monotonic()
        same = db.connect(server, read_only=False, province="32", wait_s=30)   # queues
        same.close()
        assert time.monotonic() - t0 > 0.3
    finally:
        t.join()


def test_password_never_printed(server, capsys):
    wrong = server.replace(PASSWORD, "s3cret-wrong")
    assert cli_main(["db", "copy", wrong, str(server)]) == 2
    out = capsys.readouterr()
    assert "s3cret-wrong" not in out.out + out.err
    assert "***" in pgstore.masked(server) and PASSWORD not in pgstore.masked(server)
    assert pgstore.normalised(str(__import__("pathlib").Path(server))) == server
    assert cli_main(["db", "init", "--db", server]) == 0
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err and "***" in out.out


def test_copy_back_to_a_file_round_trips(server, sample_db, tmp_path):
    back = tmp_path / "back.duckdb"
    result = pgcopy.copy_database(server, back)
    assert result.rows["needs"] > 0
    for q in QUERIES:
        assert _file_rows(back, q) == _file_rows(sample_db, q), q
    with pytest.raises(UserError, match="--replace"):
        pgcopy.copy_database(sample_db, server)

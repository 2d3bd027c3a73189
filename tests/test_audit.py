"""The audit trail (oneplan.data.audit): one row per import file, stage change, plan
approval and revision, complaint feed file; an identical re-import writes its row and
changes no report's digest; the line in the reports' data appendix; on PostgreSQL the
rows cannot be changed or deleted by anyone, and the server says who and when.

Every DuckDB test works on its own small database (a plan-free Surin sample, or an
in-memory one); the session database is never written to.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from oneplan.data import audit, db, ingest
from oneplan.plan import needs
from oneplan.reports import document
from oneplan.reports.language import english_leaks
from oneplan.selection import portfolio, versions
from oneplan.selection.facts import FollowUpFacts
from oneplan.selection.revision import revise_plan
from plan_free_db import build_plan_free

NEEDS_TH = ["ลำดับที่", "ปีงบประมาณ", "รหัสหมู่บ้าน", "ประเภทความต้องการ", "รายละเอียดความต้องการ",
            "จำนวนครัวเรือนที่ได้รับประโยชน์", "งบประมาณโดยประมาณ (บาท)", "วันที่เสนอ"]


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("audit-db") / "base.duckdb"
    build_plan_free(path)
    return path


@pytest.fixture
def dbfile(base_db, tmp_path) -> Path:
    path = tmp_path / "oneplan.duckdb"
    shutil.copy(base_db, path)
    return path


@pytest.fixture(autouse=True)
def _user(monkeypatch):
    monkeypatch.setenv(audit.USER_ENV, "office-test")


def _need(item, village="32010101", cost="250,000"):
    return [str(item), "2570", village, "แหล่งน้ำและประปา", f"ความต้องการที่ {item}", "120",
            cost, "15/03/2569"]


def _csv(path: Path, rows: list[list]) -> Path:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def _rows(path: Path, action: str | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        df = con.execute('SELECT * FROM audit_log ORDER BY "at", event_id').df()
    finally:
        con.close()
    return df if action is None else df[df["action"] == action].reset_index(drop=True)


# ------------------------------------------------------------------------------ imports


def test_an_import_writes_one_row_per_file_with_its_counts_and_sha256(dbfile, tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    a = _csv(inbox / "needs_a.csv", [NEEDS_TH, _need(1), _need(2), _need(3, village="32019999")])
    b = _csv(inbox / "needs_b.csv", [NEEDS_TH, _need(4)])
    ingest.import_files([inbox], dbfile, rejects_dir=tmp_path / "rejects")
    rows = _rows(dbfile, "import").set_index("file_name")
    assert sorted(rows.index) == ["needs_a.csv", "needs_b.csv"]      # one per file, name only
    ra, rb = rows.loc["needs_a.csv"], rows.loc["needs_b.csv"]
    assert (ra.rows_read, ra.rows_accepted, ra.rows_rejected, ra.rows_changed) == (3, 2, 1, 2)
    assert (rb.rows_read, rb.rows_accepted, rb.rows_rejected, rb.rows_changed) == (1, 1, 0, 1)
    assert ra.file_sha256 == hashlib.sha256(a.read_bytes()).hexdigest()
    assert rb.file_sha256 == hashlib.sha256(b.read_bytes()).hexdigest()
    assert set(rows["province_code"]) == {"32"} and set(rows["actor"]) == {"office-test"}
    assert json.loads(ra.detail_json)["inserted"] == 2
    assert str(tmp_path) not in " ".join(map(str, rows.reset_index().to_numpy().ravel()))


def test_a_reimport_writes_another_row_and_redoes_no_report(dbfile, tmp_path):
    f = _csv(tmp_path / "needs.csv", [NEEDS_TH, _need(1), _need(2)])
    ingest.import_files([f], dbfile)
    con = duckdb.connect(str(dbfile), read_only=True)
    before = db.content_digests(con)
    first = audit.latest(con, "32")
    con.close()
    ingest.import_files([f], dbfile)
    rows = _rows(dbfile, "import")
    assert list(rows["rows_changed"]) == [2, 0] and list(rows["rows_accepted"]) == [2, 2]
    assert rows["file_sha256"].nunique() == 1
    con = duckdb.connect(str(dbfile), read_only=True)
    try:
        assert db.content_digests(con) == before                 # no report is redone
        assert audit.latest(con, "32") == first                  # …and its line stays true
        assert len(audit.events(con, "32", actions=["import"])) == 2
    finally:
        con.close()


def test_a_file_that_cannot_be_read_has_its_row_too(dbfile, tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a workbook")
    [res] = ingest.import_files([bad], dbfile)
    assert res.error is not None
    [row] = _rows(dbfile, "import").itertuples()
    assert row.file_name == "broken.xlsx" and row.rows_changed == 0
    assert json.loads(row.detail_json) == {"not_loaded": True}


# ------------------------------------------------------------- stages, plans, complaints


def test_a_stage_change_writes_its_row_in_the_same_transaction(dbfile, tmp_path):
    ingest.import_files([_csv(tmp_path / "n.csv", [NEEDS_TH, _need(1)])], dbfile)
    con = db.connect(dbfile, read_only=False)
    try:
        nid = con.execute("SELECT need_id FROM needs").fetchone()[0]
        needs.record_stage(con, nid, "tambon_screened", date(2026, 6, 20))
        with pytest.raises(needs.StageTransitionError):            # refused: no row
            needs.record_stage(con, nid, "in_plan", date(2026, 6, 21))
    finally:
        con.close()
    [row] = _rows(dbfile, "need_stage").itertuples()
    assert row.province_code == "32" and row.rows_changed == 1
    assert json.loads(row.detail_json) == {"need_id": nid, "from": "submitted",
                                           "to": "tambon_screened", "on": "2026-06-20",
                                           "linked_need_id": None}


def test_classification_and_link_runs_write_their_rows(dbfile, tmp_path):
    from oneplan.complaints import linkage
    from oneplan.data.params import load_params

    ingest.import_files([_csv(tmp_path / "n.csv", [NEEDS_TH, _need(1)])], dbfile)
    con = db.connect(dbfile, read_only=False)
    try:
        nid = con.execute("SELECT need_id FROM needs").fetchone()[0]
        needs.record_stage(con, nid, "tambon_screened", date(2026, 6, 20))
        needs.apply_classification(con, "32", 2570, load_params("32"))
        needs.apply_classification(con, "32", 2570, load_params("32"))   # nothing new
        linkage.record_run(con, linkage.LinkStats(records=10, new_records=4,
                                                  changed_records=3), incremental=True)
    finally:
        con.close()
    rows = _rows(dbfile, "needs_classify")
    assert list(rows["rows_read"]) == [1, 1] and list(rows["rows_changed"]) == [1, 0]
    [link] = _rows(dbfile, "complaint_link").itertuples()
    assert (link.rows_read, link.rows_changed) == (10, 3) and pd.isna(link.province_code)
    assert json.loads(link.detail_json)["mode"] == "incremental"


def test_the_migration_makes_the_table_of_schema_sql():
    from importlib import resources

    def columns(ddl: str) -> list[tuple]:
        con = duckdb.connect()
        con.execute(ddl)
        out = con.execute("SELECT column_name, data_type, is_nullable FROM "
                          "information_schema.columns WHERE table_name = 'audit_log' "
                          "ORDER BY ordinal_position").fetchall()
        con.close()
        return out

    migration = resources.files("oneplan.data").joinpath(
        "migrations/0003_audit_log.sql").read_text(encoding="utf-8")
    assert columns(db.schema_sql()) == columns(migration) == columns(audit.DDL)
    assert [c for c, _, _ in columns(migration)] == [c.strip('"') for c in audit.COLUMNS]


def test_plan_approve_and_revise_write_their_rows():
    con = duckdb.connect()
    con.execute(db.schema_sql())
    cands = pd.DataFrame({"project_id": ["A", "B", "C"], "priority": [10, 8, 7],
                          "cost_baht": [60, 40, 55], "ready": True, "district_code": "4001"})
    spec = portfolio.PlanSpec(years=[2570], budget_by_year={2570: 100})
    approved = portfolio.plan_portfolio(cands, spec)
    v1 = versions.save_plan_version(con, "40", 2570, approved, reason="approved",
                                    params_json={"spec": versions.spec_to_json(spec)})
    events = pd.DataFrame([{"project_id": "A", "event": "cancelled", "new_cost_baht": None,
                            "delay_years": None, "note": "x"}])
    rev = revise_plan(cands, spec, approved, FollowUpFacts(events), months=6)
    v2 = versions.save_plan_version(con, "40", 2570, rev, reason="6 months",
                                    params_json="{}", parent_version_id=v1)
    rows = audit.events(con, "40")
    con.close()
    assert list(rows["action"]) == ["plan_revise", "plan_approve"]
    d2, d1 = (json.loads(x) for x in rows["detail_json"])
    assert (d1["version_id"], d1["selected"]) == (v1, 2)
    assert (d2["version_id"], d2["parent_version_id"]) == (v2, v1)
    assert d2["changes"]["dropped"] == 1
    assert set(rows["province_code"]) == {"40"} and set(rows["rows_changed"]) == {3}


def test_a_complaint_feed_import_writes_one_row_per_file(tmp_path, monkeypatch):
    from oneplan.complaints import store
    from oneplan.samples import feeds as generate

    monkeypatch.setenv("ONEPLAN_PII_SALT", "tests-only-salt-0123456789")
    gen = generate.generate(120, ["40"], seed=7, id_tag="A")
    feeds_dir = tmp_path / "feeds"
    paths = generate.write_feeds(gen, feeds_dir)
    con = duckdb.connect(str(tmp_path / "c.duckdb"))
    try:
        con.execute(db.schema_sql())
        counts = store.import_dir(con, feeds_dir)
        rows = audit.events(con, actions=["complaint_import"], limit=1000)
        again = store.import_dir(con, feeds_dir)
        later = audit.events(con, actions=["complaint_import"], limit=1000)
    finally:
        con.close()
    assert sorted(rows["file_name"]) == sorted(counts) == sorted(p.name for p in paths)
    by_file = rows.set_index("file_name")
    for name, c in counts.items():
        r = by_file.loc[name]
        assert (r.rows_read, r.rows_rejected, r.rows_changed) == \
            (c["read"], c["setaside"], c["inserted"] + c["updated"])
        assert r.file_sha256 == audit.file_sha256(feeds_dir / name)
    assert set(by_file["province_code"].dropna()) <= {"40"}
    assert len(later) == 2 * len(rows) and sum(c["inserted"] for c in again.values()) == 0
    # counts only: no name or hash of a person in the trail
    text = " ".join(map(str, later.to_numpy().ravel()))
    assert not any(n in text for n in gen.records["first_name"].dropna().head(50))


def test_personal_data_is_refused_in_the_detail():
    con = duckdb.connect()
    with pytest.raises(ValueError, match="personal"):
        audit.record(con, action="import", detail={"rows": [{"phone": "x"}]})
    with pytest.raises(ValueError, match="personal"):
        audit.record(con, action="import", detail={"note": "โทร 081-234-5678"})
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(con, action="imports")
    assert audit.events(con).empty


# ----------------------------------------------------------------------- the report line


def test_the_data_appendix_names_the_last_import(dbfile, tmp_path):
    from oneplan.reports import plan_document
    from oneplan.reports.plan import start_run

    run = start_run("32", 2570, "th", str(dbfile))                 # only the sample build
    html = plan_document.data_appendix(run, "needs_plan")
    assert "ข้อมูลตัวอย่างสังเคราะห์สร้างเมื่อ" in html and ">build-sample</code>" in html
    assert english_leaks(html, "th") == []
    ingest.import_files([_csv(tmp_path / "n.csv", [NEEDS_TH, _need(1)])], dbfile)
    run = start_run("32", 2570, "th", str(dbfile))
    html = plan_document.data_appendix(run, "needs_plan")
    at = run.last_import.at + timedelta(hours=7)
    assert f"ข้อมูลล่าสุดนำเข้าเมื่อ {at.day} " in html and f"{at.year + 543} เวลา " in html
    assert '<code class="account">office-test</code>' in html
    assert english_leaks(html, "th") == []
    en = plan_document.data_appendix(start_run("32", 2570, "en", str(dbfile)), "needs_plan")
    assert "Data last imported on" in en and "by account" in en


def test_the_line_escapes_the_account_and_says_when_nothing_is_on_record():
    ev = audit.Event("e", datetime(2026, 12, 3, 17, 30), "<script>x</script>", "import")
    html = document.data_origin(ev, "th")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "4 ธันวาคม 2569 เวลา 00:30 น." in html                   # UTC+7, next day, พ.ศ.
    assert "ไม่มีบันทึกการนำเข้า" in document.data_origin(None, "th")


# ------------------------------------------------------------------------------ PostgreSQL


def _forbidden(con, sql: str):
    import psycopg

    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only|permission"):
        con.execute(sql)


_INSERT = ('INSERT INTO audit_log (event_id, "at", actor, action) '
           "VALUES (%s, TIMESTAMP '2000-01-01 00:00', 'forged', 'import')")


def _as(url: str, user: str, password: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    u = urlsplit(url)
    return urlunsplit(u._replace(netloc=f"{user}:{password}@{u.hostname}:{u.port}"))


@pytest.mark.pg
def test_nobody_changes_or_deletes_audit_rows_on_the_server(pg_url):
    import uuid

    import psycopg

    tag = uuid.uuid4().hex[:8]
    clerk, boss = f"audit_clerk_{tag}", f"audit_boss_{tag}"
    with psycopg.connect(pg_url, autocommit=True) as owner:
        for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
                    "TRUNCATE audit_log"):
            _forbidden(owner, sql)                                  # even on an empty table
        owner.execute(_INSERT, ["restored-1"])                       # a restore keeps history
        assert owner.execute("SELECT actor, \"at\" FROM audit_log").fetchone() == \
            ("forged", datetime(2000, 1, 1))
        for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
                    "TRUNCATE audit_log"):
            _forbidden(owner, sql)                                  # the owner too
        # writers of the central planning group (row-level security lets its members add
        # audit rows of any province); the boss also holds every table privilege
        owner.execute(f"CREATE ROLE {clerk} LOGIN PASSWORD 'clerk-pw' IN ROLE oneplan_central")
        owner.execute(f"GRANT SELECT, INSERT ON audit_log TO {clerk}")
        owner.execute(f"CREATE ROLE {boss} LOGIN PASSWORD 'boss-pw' IN ROLE oneplan_central")
        owner.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON audit_log TO {boss}")
    try:
        for user, pw in ((clerk, "clerk-pw"), (boss, "boss-pw")):
            with psycopg.connect(_as(pg_url, user, pw), autocommit=True) as con:
                for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
                            "TRUNCATE audit_log"):
                    _forbidden(con, sql)      # granted or not: the trigger refuses
                con.execute(_INSERT, [f"by-{user}"])
                actor, at, now = con.execute(
                    "SELECT actor, \"at\", now() AT TIME ZONE 'UTC' FROM audit_log "
                    "WHERE event_id = %s", [f"by-{user}"]).fetchone()
                assert actor == user                       # the session's account, not 'forged'
                assert abs((now - at).total_seconds()) < 60   # the server's clock, not 2000
        with psycopg.connect(pg_url) as owner:
            assert owner.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 3
    finally:
        with psycopg.connect(pg_url, autocommit=True) as owner:
            for role in (clerk, boss):
                owner.execute(f"DROP OWNED BY {role}")
                owner.execute(f"DROP ROLE {role}")


@pytest.mark.pg
def test_the_server_ddl_is_idempotent(pg_url):
    import psycopg
    from oneplan.data import pgschema

    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(pgschema.server_only_sql())                       # twice is harmless
        triggers = {r[0] for r in con.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
            "AND NOT tgisinternal").fetchall()}
    assert triggers == {"audit_log_stamp", "audit_log_no_update", "audit_log_no_delete",
                        "audit_log_no_truncate"}

"""Per-province rights are the server's (data/pg/20_rights.sql, data/pgrights.py): through an
account's own connection and hand-written SQL, an office reads and writes only its
province, only linkage reads the complaint personal columns, readonly writes nothing.

Every database of a test holds the same few rows of Surin (32) and Khon Kaen (40), made by
the owner; accounts are made with ``pgrights.grant`` (roles belong to the whole server, so
each test's names are its own and dropped afterwards).
"""

from __future__ import annotations

import stat
import uuid

import psycopg
import pytest
from oneplan.core.errors import UserError
from oneplan.data import pgrights, pgschema
from psycopg import errors

pytestmark = pytest.mark.pg

PROVINCES = ("32", "40")


def _seed_sql(p: str) -> str:
    """One row of each province table for province ``p`` (ids end in the province)."""
    d, s, v = f"{p}01", f"{p}0101", f"{p}010101"
    return f"""
    INSERT INTO areas (code, level, province_code, name_th, synthetic, source_file)
        VALUES ('{p}', 'province', '{p}', 'จังหวัด {p}', true, 'test');
    INSERT INTO needs (need_id, fiscal_year, village_code, subdistrict_code, district_code,
                       province_code, category, stage, synthetic, source_file)
        VALUES ('N{p}', 2570, '{v}', '{s}', '{d}', '{p}', 'water', 'submitted', true, 'test');
    INSERT INTO need_stages (need_id, stage, stage_on, source_file)
        VALUES ('N{p}', 'submitted', '2026-11-01', 'test');
    INSERT INTO proposals (project_id, fiscal_year, province_code, district_code, agency_id,
                           name_th, category, cost_baht, synthetic, source_file)
        VALUES ('P{p}', 2570, '{p}', '{d}', 'A{p}', 'โครงการ {p}', 'water', 100000, true, 'test');
    INSERT INTO water_projects (project_id, province_code, district_code, subdistrict_code,
        fiscal_year, name_th, type_code, type_th, basin, zone, cost_baht, households_served,
        area_rai, storage_m3, has_design_boq, has_land, has_consent, ready, synthetic,
        source_file)
        VALUES ('W{p}', '{p}', '{d}', '{s}', 2570, 'ฝาย {p}', 'weir', 'ฝาย', 'มูล', 'upstream',
                500000, 50, 10, 1000, true, true, true, true, true, 'test');
    INSERT INTO progress (project_id, fiscal_year, quarter, physical_pct, source_file)
        VALUES ('P{p}', 2570, 1, 10, 'test'), ('W{p}', 2570, 1, 20, 'test');
    INSERT INTO plan_versions (version_id, province_code, fiscal_year, created_at)
        VALUES ('{p}-2570-v1', '{p}', 2570, '2026-11-01');
    INSERT INTO plan_items (version_id, project_id, selected)
        VALUES ('{p}-2570-v1', 'W{p}', true);
    INSERT INTO complaints (complaint_id, agency_id, case_no, received_on, category,
        province_code, text, first_name, last_name, person_id_hash, phone_hash, status,
        synthetic, source_file)
        VALUES ('C:{p}', 'damrongdhama', '{p}', '2026-11-01', 'water', '{p}', 'น้ำไม่ไหล',
                'สมชาย', 'ใจดี', 'hash-{p}', 'phone-{p}', 'received', true, 'test');
    INSERT INTO complaint_clusters (cluster_id, complaint_id, is_parent, linked_at)
        VALUES ('CL:C:{p}', 'C:{p}', true, '2026-11-02');
    """


@pytest.fixture
def db(pg_url):
    """The test database with rows of provinces 32 and 40, as the owner made them."""
    with psycopg.connect(pg_url, autocommit=True) as con:
        for p in PROVINCES:
            con.execute(_seed_sql(p))
    return pg_url


@pytest.fixture
def account(db):
    """``account(role, province=None) -> (user, url)``: a new account of this test, its own
    address with its password; every one is dropped after the test."""
    made = []

    def make(role: str = "office", province: str | None = None):
        user = f"t{uuid.uuid4().hex[:10]}_{role}"
        password = pgrights.grant(db, user=user, role=role, province=province)
        made.append(user)
        return user, pgrights.account_url(db, user, password)

    yield make
    with psycopg.connect(db, autocommit=True) as con:
        for user in made:
            con.execute(f'DROP ROLE IF EXISTS "{user}"')


def _connect(url):
    return psycopg.connect(url, autocommit=True)


def _one_column(con, sql):
    return sorted(r[0] for r in con.execute(sql).fetchall())


def _owner_rows(db, sql):
    with _connect(db) as con:
        return con.execute(sql).fetchall()


NEED_OF_40 = ("INSERT INTO needs (need_id, fiscal_year, village_code, subdistrict_code, "
              "district_code, province_code, category, stage, synthetic, source_file) VALUES "
              "('N40b', 2570, '40010101', '400101', '4001', '40', 'water', 'submitted', "
              "false, 'surin.xlsx')")


# --- an office and its province -------------------------------------------------------------

def test_an_office_reads_its_province_and_the_reference_tables_only(account):
    _, url = account("office", "32")
    with _connect(url) as con:
        assert _one_column(con, "SELECT need_id FROM needs") == ["N32"]
        assert _one_column(con, "SELECT need_id FROM need_stages") == ["N32"]
        assert _one_column(con, "SELECT project_id FROM proposals") == ["P32"]
        assert _one_column(con, "SELECT project_id FROM progress") == ["P32", "W32"]
        assert _one_column(con, "SELECT project_id FROM water_projects") == ["W32"]
        assert _one_column(con, "SELECT version_id FROM plan_versions") == ["32-2570-v1"]
        assert _one_column(con, "SELECT project_id FROM plan_items") == ["W32"]
        assert _one_column(con, "SELECT complaint_id FROM complaints") == ["C:32"]
        assert _one_column(con, "SELECT complaint_id FROM complaint_clusters") == ["C:32"]
        # reference tables are whole
        assert _one_column(con, "SELECT code FROM areas") == ["32", "40"]


def test_an_office_may_not_insert_a_need_of_another_province(db, account):
    _, url = account("office", "สุรินทร์")       # by its Thai name
    with _connect(url) as con, pytest.raises(errors.InsufficientPrivilege,
                                             match="row-level security"):
        con.execute(NEED_OF_40)
    assert _owner_rows(db, "SELECT count(*) FROM needs WHERE need_id = 'N40b'") == [(0,)]


def test_an_office_may_not_move_its_need_to_another_province(db, account):
    _, url = account("office", "32")
    with _connect(url) as con:
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            con.execute("UPDATE needs SET province_code = '40' WHERE need_id = 'N32'")
        # nor to a village of another province under its own province code (issue 15: a
        # Surin file moved a need to another province's village)
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            con.execute("UPDATE needs SET village_code = '40010101', subdistrict_code = "
                        "'400101', district_code = '4001' WHERE need_id = 'N32'")
    assert _owner_rows(db, "SELECT province_code, village_code FROM needs "
                           "WHERE need_id = 'N32'") == [("32", "32010101")]


def test_an_office_changes_nothing_of_another_province(db, account):
    _, url = account("office", "32")
    before = {t: _owner_rows(db, f"SELECT * FROM {t} ORDER BY 1")
              for t in ("needs", "need_stages", "proposals", "progress")}
    with _connect(url) as con:
        for sql in ("UPDATE needs SET category = 'road' WHERE need_id = 'N40'",
                    "UPDATE needs SET category = 'road' WHERE province_code = '40'",
                    "UPDATE need_stages SET reason = 'x' WHERE need_id = 'N40'",
                    "UPDATE proposals SET cost_baht = 1 WHERE project_id = 'P40'",
                    "UPDATE progress SET physical_pct = 99 WHERE project_id LIKE '%40'",
                    "DELETE FROM progress WHERE project_id IN ('P40', 'W40')",
                    "DELETE FROM need_stages WHERE need_id = 'N40'",
                    "DELETE FROM proposals WHERE province_code = '40'",
                    "DELETE FROM needs WHERE need_id = 'N40'"):
            assert con.execute(sql).rowcount == 0, sql
    after = {t: _owner_rows(db, f"SELECT * FROM {t} ORDER BY 1") for t in before}
    assert after == before


def test_an_office_writes_its_own_province(db, account):
    """The positive control of the tests above: the same statements on its own rows."""
    _, url = account("office", "32")
    with _connect(url) as con:
        con.execute(NEED_OF_40.replace("'40", "'32").replace("N40b", "N32b"))
        assert con.execute("UPDATE needs SET category = 'road' WHERE need_id = 'N32'"
                           ).rowcount == 1
        con.execute("INSERT INTO need_stages (need_id, stage, stage_on, source_file) "
                    "VALUES ('N32b', 'submitted', '2026-12-01', 'surin.xlsx')")
        assert con.execute("UPDATE progress SET physical_pct = 50 WHERE project_id IN "
                           "('P32', 'W32')").rowcount == 2
        assert con.execute("DELETE FROM need_stages WHERE need_id = 'N32'").rowcount == 1
    assert _owner_rows(db, "SELECT count(*) FROM needs WHERE province_code = '32'") == [(2,)]
    assert _owner_rows(db, "SELECT need_id FROM need_stages ORDER BY 1") == [("N32b",),
                                                                             ("N40",)]


def test_stages_and_progress_of_another_province_are_refused_through_their_join(db, account):
    _, url = account("office", "32")
    with _connect(url) as con:
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            con.execute("INSERT INTO need_stages (need_id, stage, stage_on, source_file) "
                        "VALUES ('N40', 'tambon_screened', '2026-12-01', 'surin.xlsx')")
        for project in ("P40", "W40"):          # a proposal, a water project
            with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
                con.execute("INSERT INTO progress (project_id, fiscal_year, quarter, "
                            f"source_file) VALUES ('{project}', 2570, 2, 'surin.xlsx')")
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            con.execute("UPDATE need_stages SET need_id = 'N40' WHERE need_id = 'N32'")
        # a stage of a need that exists nowhere belongs to no province: refused too
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            con.execute("INSERT INTO need_stages (need_id, stage, stage_on, source_file) "
                        "VALUES ('N99', 'submitted', '2026-12-01', 'surin.xlsx')")
    assert _owner_rows(db, "SELECT count(*) FROM need_stages") == [(2,)]
    assert _owner_rows(db, "SELECT count(*) FROM progress") == [(4,)]


def test_an_office_may_not_write_plans_or_water_projects(account):
    _, url = account("office", "32")
    with _connect(url) as con:
        for sql in (("INSERT INTO plan_versions (version_id, province_code, fiscal_year, "
                     "created_at) VALUES ('32-2570-v2', '32', 2570, now())"),
                    "UPDATE water_projects SET status = 'funded' WHERE project_id = 'W32'",
                    "DELETE FROM plan_items"):
            with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
                con.execute(sql)


# --- complaint personal data ------------------------------------------------------------------

@pytest.mark.parametrize("role,province", [("office", "32"), ("central", None),
                                           ("readonly", None)])
def test_only_linkage_reads_complaint_personal_columns(account, role, province):
    _, url = account(role, province)
    with _connect(url) as con:
        for column in pgrights.PERSONAL_COLUMNS:
            with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
                con.execute(f"SELECT {column} FROM complaints")
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            con.execute("SELECT * FROM complaints")
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            con.execute("SELECT count(*) FROM complaints WHERE person_id_hash = 'hash-32'")
        # the other columns are readable (the report's complaints pages)
        assert con.execute("SELECT count(*) FROM complaints").fetchone()[0] >= 1


def test_linkage_reads_and_writes_the_complaint_tables(account):
    _, url = account("linkage")
    with _connect(url) as con:
        assert con.execute("SELECT complaint_id, person_id_hash, first_name FROM complaints "
                           "ORDER BY 1").fetchall() == [("C:32", "hash-32", "สมชาย"),
                                                        ("C:40", "hash-40", "สมชาย")]
        assert con.execute("UPDATE complaints SET phone_hash = NULL").rowcount == 2
        con.execute("INSERT INTO complaint_clusters VALUES ('CL:C:32', 'C:40', false, "
                    "NULL, now()) ON CONFLICT (complaint_id) DO UPDATE SET "
                    "cluster_id = excluded.cluster_id, is_parent = excluded.is_parent")
        assert _one_column(con, "SELECT code FROM areas") == ["32", "40"]
        # not a planner: no needs, no plans
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            con.execute("SELECT * FROM needs")


# --- readonly and central ---------------------------------------------------------------------

def test_readonly_reads_every_province_and_writes_nothing(db, account):
    _, url = account("readonly")
    with _connect(url) as con:
        assert _one_column(con, "SELECT need_id FROM needs") == ["N32", "N40"]
        assert _one_column(con, "SELECT complaint_id FROM complaint_clusters") == ["C:32",
                                                                                   "C:40"]
        tables = _one_column(con, "SELECT table_name FROM information_schema.tables "
                                  "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
        assert {"needs", "complaints", "plan_versions", "meta"} <= set(tables)
        for t in tables:
            for sql in (f'INSERT INTO "{t}" DEFAULT VALUES', f'DELETE FROM "{t}"',
                        f'TRUNCATE "{t}"'):
                with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
                    con.execute(sql)
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            con.execute("UPDATE needs SET category = 'road'")
    assert _owner_rows(db, "SELECT count(*) FROM needs") == [(2,)]


def test_central_reads_all_provinces_and_approves_plans(db, account):
    _, url = account("central")
    with _connect(url) as con:
        assert _one_column(con, "SELECT need_id FROM needs") == ["N32", "N40"]
        assert _one_column(con, "SELECT project_id FROM progress") == ["P32", "P40", "W32",
                                                                       "W40"]
        con.execute("INSERT INTO plan_versions (version_id, province_code, fiscal_year, "
                    "created_at, parent_version_id, status) "
                    "VALUES ('40-2570-v2', '40', 2570, now(), '40-2570-v1', 'revised')")
        con.execute("INSERT INTO plan_items (version_id, project_id, selected) "
                    "VALUES ('40-2570-v2', 'W40', true)")
        assert con.execute("UPDATE water_projects SET status = 'in_plan' "
                           "WHERE project_id IN ('W32', 'W40')").rowcount == 2
        con.execute(NEED_OF_40)            # imports for any province
        # complaints are the linkage role's
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            con.execute("UPDATE complaints SET status = 'closed'")
    assert _owner_rows(db, "SELECT version_id FROM plan_versions ORDER BY 1") == [
        ("32-2570-v1",), ("40-2570-v1",), ("40-2570-v2",)]


# --- meta and the audit trail -------------------------------------------------------------------

def test_an_import_stamps_meta_but_changes_nothing_else_there(db, account):
    _, url = account("office", "32")
    with psycopg.connect(db, autocommit=True) as con:
        con.execute("INSERT INTO meta VALUES ('last_import_at', 'x'), ('fiscal_year', '2570')")
    with _connect(url) as con:
        assert con.execute("UPDATE meta SET value = '2026-12-03T10:00:00+00:00' "
                           "WHERE key = 'last_import_at'").rowcount == 1
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            con.execute("INSERT INTO meta VALUES ('synthetic', 'false')")
        assert con.execute("UPDATE meta SET value = '2599' WHERE key = 'fiscal_year'"
                           ).rowcount == 0
    assert _owner_rows(db, "SELECT value FROM meta WHERE key = 'fiscal_year'") == [("2570",)]


AUDIT_LOG = """CREATE TABLE IF NOT EXISTS audit_log (
    event_id VARCHAR PRIMARY KEY, at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL, province_code VARCHAR, file_name VARCHAR, file_sha256 VARCHAR,
    rows_read BIGINT, rows_accepted BIGINT, rows_rejected BIGINT, rows_changed BIGINT,
    detail_json VARCHAR)"""


def test_an_office_adds_audit_rows_of_its_province_only(db, account):
    """With the audit table of the contract (made here when schema.sql has none yet, and
    the rights applied once more, as ``db upgrade`` does after a new table)."""
    with psycopg.connect(db, autocommit=True) as con:
        con.execute(AUDIT_LOG)
        con.execute(pgschema.server_only_sql())
    _, url = account("office", "32")
    row = ("INSERT INTO audit_log (event_id, at, actor, action, province_code) "
           "VALUES ('{id}', now(), 'x', 'import', '{p}')")
    with _connect(url) as con:
        con.execute(row.format(id="e1", p="32"))
        con.execute("INSERT INTO audit_log (event_id, at, actor, action) "     # no province:
                    "VALUES ('e3', now(), 'x', 'import')")                  # a file not read
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            con.execute(row.format(id="e2", p="40"))
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            con.execute("DELETE FROM audit_log")
        assert _one_column(con, "SELECT event_id FROM audit_log") == ["e1"]


# --- the rights file itself ---------------------------------------------------------------------

def test_the_rights_apply_again_and_cover_new_columns(db, account):
    def policies():
        return _owner_rows(db, "SELECT tablename, policyname, cmd, roles::text, qual, "
                               "with_check FROM pg_policies ORDER BY 1, 2")

    before = policies()
    assert len(before) > 40
    with psycopg.connect(db, autocommit=True) as con:
        con.execute("ALTER TABLE complaints ADD COLUMN channel VARCHAR")
        con.execute("ALTER TABLE complaints ADD COLUMN IF NOT EXISTS first_name VARCHAR")
        con.execute(pgschema.server_only_sql())
    assert policies() == before
    _, url = account("readonly")
    with _connect(url) as con:
        assert con.execute("SELECT count(channel) FROM complaints").fetchone() == (0,)
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            con.execute("SELECT first_name FROM complaints")


def test_every_table_has_row_level_security(db):
    rows = _owner_rows(db, "SELECT relname, relrowsecurity FROM pg_class c JOIN pg_namespace n "
                           "ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
                           "AND c.relkind = 'r'")
    assert len(rows) >= 20
    assert [name for name, on in rows if not on] == []


# --- accounts -------------------------------------------------------------------------------------

def test_grant_changes_an_account_and_revoke_ends_it(db, account):
    user, url = account("office", "32")
    password = pgrights.grant(db, user=user, role="office", province="Khon Kaen",
                              password="new-secret-1")
    assert password == "new-secret-1"
    new_url = pgrights.account_url(db, user, password)
    with _connect(new_url) as con:
        assert _one_column(con, "SELECT need_id FROM needs") == ["N40"]
    with pytest.raises(psycopg.OperationalError):
        _connect(url)                                  # the old password no longer works
    pgrights.grant(db, user=user, role="readonly", password="new-secret-2")
    assert _owner_rows(db, "SELECT count(*) FROM oneplan_rights.office_accounts "
                           f"WHERE role_name = '{user}'") == [(0,)]
    assert pgrights.revoke(db, user) is True
    with pytest.raises(psycopg.OperationalError):
        _connect(pgrights.account_url(db, user, "new-secret-2"))
    assert pgrights.revoke(db, "tnobody_at_all") is False


@pytest.mark.parametrize("kwargs,match", [
    ({"user": "Surin Office"}, "account name"),
    ({"user": "oneplan_owner"}, "account name"),
    ({"user": "pg_monitor"}, "account name"),
    ({"user": "tx_office"}, "needs its province"),
    ({"user": "tx_office", "province": "99"}, "no province '99'"),
    ({"user": "tx_central", "role": "central", "province": "32"}, "covers every province"),
    ({"user": "tx_boss", "role": "admin"}, "no account kind"),
])
def test_grant_refuses_bad_requests(db, kwargs, match):
    with pytest.raises(UserError, match=match):
        pgrights.grant(db, **kwargs)


def test_grant_leaves_other_roles_alone(db):
    name = f"t{uuid.uuid4().hex[:10]}_dba"
    with psycopg.connect(db, autocommit=True) as con:
        con.execute(f'CREATE ROLE "{name}" LOGIN')
        try:
            with pytest.raises(UserError, match="not made by `oneplan db grant`"):
                pgrights.grant(db, user=name, role="readonly")
            with pytest.raises(UserError, match="not made by `oneplan db grant`"):
                pgrights.revoke(db, name)
        finally:
            con.execute(f'DROP ROLE "{name}"')


def test_grant_needs_a_server(tmp_path):
    with pytest.raises(UserError, match="postgresql://"):
        pgrights.grant(str(tmp_path / "oneplan.duckdb"), user="x_office", province="32")


# --- oneplan db grant ---------------------------------------------------------------------------

def test_db_grant_makes_a_working_office_account(db, tmp_path, capsys):
    from oneplan.cli import main

    user = f"t{uuid.uuid4().hex[:10]}_surin"
    secret = tmp_path / "surin.password"
    try:
        code = main(["db", "grant", "--db", db, "--province", "32", "--user", user,
                     "--password-file", str(secret)])
        out = capsys.readouterr()
        assert code == 0, out.err
        password = secret.read_text(encoding="utf-8").strip()
        assert len(password) >= 24
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
        assert password not in out.out + out.err
        assert f"{user}:{pgrights.MASK}@" in out.out
        with _connect(pgrights.account_url(db, user, password)) as con:
            assert _one_column(con, "SELECT need_id FROM needs") == ["N32"]
        # the file is written once: a second grant to it is refused before any change
        assert main(["db", "grant", "--db", db, "--province", "40", "--user", user,
                     "--password-file", str(secret)]) == 2
        assert "already exists" in capsys.readouterr().err
        with _connect(pgrights.account_url(db, user, password)) as con:
            assert _one_column(con, "SELECT need_id FROM needs") == ["N32"]
        # --show-password: printed (the only copy), no file
        assert main(["db", "grant", "--db", db, "--role", "readonly", "--user", user,
                     "--show-password"]) == 0
        shown = capsys.readouterr().out.strip().splitlines()[-1]
        assert shown != password
        with _connect(pgrights.account_url(db, user, shown)) as con:
            assert _one_column(con, "SELECT need_id FROM needs") == ["N32", "N40"]
        assert main(["db", "grant", "--db", db, "--user", user, "--revoke"]) == 0
        capsys.readouterr()
    finally:
        with psycopg.connect(db, autocommit=True) as con:
            con.execute(f'DROP ROLE IF EXISTS "{user}"')


def test_db_grant_refuses_an_office_without_province(db, capsys):
    from oneplan.cli import main

    assert main(["db", "grant", "--db", db, "--user", "tx_office", "--show-password"]) == 2
    assert "--province" in capsys.readouterr().err
    assert _owner_rows(db, "SELECT count(*) FROM pg_roles WHERE rolname = 'tx_office'"
                       ) == [(0,)]

"""Storing complaints: older database files keep working, repeated case numbers never lose
a record (the incremental bug of issue 14), set-aside rows are counted in the statistics,
unknown places are a row of their own."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from oneplan.complaints import feeds, stats, store, tracking
from oneplan.data.params import load_params
from oneplan.samples import feeds as generate

# The complaints table as the first version created it (before issue 14).
OLD_DDL = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE complaints (
    complaint_id     VARCHAR PRIMARY KEY,
    agency_id        VARCHAR NOT NULL,
    case_no          VARCHAR NOT NULL,
    received_on      DATE NOT NULL,
    received_at      TIMESTAMP,
    category         VARCHAR NOT NULL,
    province_code    VARCHAR NOT NULL,
    district_code    VARCHAR NOT NULL,
    subdistrict_code VARCHAR NOT NULL,
    moo              INTEGER,
    text             VARCHAR NOT NULL,
    first_name       VARCHAR,
    last_name        VARCHAR,
    person_id_hash   VARCHAR,
    phone_hash       VARCHAR,
    address_hash     VARCHAR,
    status           VARCHAR NOT NULL,
    first_action_on  DATE,
    closed_on        DATE,
    reopen_count     INTEGER NOT NULL DEFAULT 0,
    transfers        INTEGER NOT NULL DEFAULT 0,
    synthetic        BOOLEAN NOT NULL,
    source_file      VARCHAR NOT NULL,
    source_sheet     VARCHAR,
    source_row       INTEGER,
    imported_at      TIMESTAMP
);
INSERT INTO complaints VALUES ('dd_province:OLD1', 'dd_province', 'OLD1', DATE '2026-11-02',
    NULL, 'road', '40', '4001', '400101', 3, 'ถนนชำรุด', NULL, NULL, NULL, NULL, NULL,
    'received', NULL, NULL, 0, 0, true, 'old.csv', NULL, 2, NULL);
"""


@pytest.fixture(autouse=True)
def _salt(monkeypatch):
    monkeypatch.setenv("ONEPLAN_PII_SALT", "tests-only-salt-0123456789")


@pytest.fixture(scope="module")
def part():
    gen = generate.generate(400, ["40"], seed=5)
    feed = feeds.registry()["dd_province"]
    rows = gen.records[gen.records["agency_id"] == "dd_province"].head(12)
    return generate.to_feed_frame(rows, feed).reset_index(drop=True), feed


def _save(con, frame, feed, name="dd_province_2570.csv"):
    return store.save(con, feeds.adapt(frame, feed, source_file=name))


def test_an_old_database_file_is_brought_up_to_date(tmp_path, part):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(OLD_DDL)
    con.close()
    con = duckdb.connect(str(path))
    try:
        store.ensure_tables(con)
        store.ensure_tables(con)                                   # twice is harmless
        cols = {r[0]: r[1] for r in con.execute(
            "SELECT column_name, is_nullable FROM information_schema.columns "
            "WHERE table_name = 'complaints'").fetchall()}
        assert set(feeds.CANONICAL_COLUMNS) <= set(cols)
        assert cols["subdistrict_code"] == cols["district_code"] == "YES"
        assert con.execute("SELECT case_no_repeat, agency_category FROM complaints"
                           ).fetchall() == [(False, None)]          # the old row, kept
        frame, feed = part
        frame = frame.copy()
        frame.loc[0, [feed.columns["subdistrict"], feed.columns["address"]]] = [
            "ไม่มีตำบลนี้", pd.NA]                                    # a NULL place now fits
        c = _save(con, frame, feed)
        assert c["inserted"] == 12 and c["setaside"] == 0
        assert con.execute("SELECT count(*) FROM complaints WHERE subdistrict_code IS NULL"
                           ).fetchall()[0][0] == 1
        assert store.setaside_count(con) == 0
    finally:
        con.close()


def test_a_stored_case_number_with_new_content_is_a_new_record_not_an_update(tmp_path, part):
    """The incremental bug of issue 14: two new records whose case numbers matched older
    ones were reported "updated" and lost."""
    frame, feed = part
    h = feed.columns
    con = duckdb.connect(str(tmp_path / "c.duckdb"))
    try:
        store.ensure_tables(con)
        first = _save(con, frame.head(6), feed)
        assert first["inserted"] == 6
        later = frame.iloc[6:].copy().reset_index(drop=True)
        # two new complaints typed under case numbers the agency already used
        later.loc[0, h["case_no"]] = frame.loc[1, h["case_no"]]
        later.loc[1, h["case_no"]] = frame.loc[2, h["case_no"]]
        # and one old complaint again with a new status: an update
        again = frame.iloc[[3]].copy()
        again[h["status"]] = "ยุติเรื่อง"
        again[h["closed"]] = again[h["first_action"]]
        batch = pd.concat([later, again], ignore_index=True)
        c = _save(con, batch, feed, "dd_province_2570b.csv")
        assert (c["inserted"], c["updated"], c["unchanged"], c["repeated"]) == (6, 1, 0, 2)
        n = con.execute("SELECT count(*) FROM complaints").fetchall()[0][0]
        assert n == 12                                            # nothing lost
        ids = dict(con.execute("SELECT complaint_id, case_no_repeat FROM complaints").fetchall())
        for i in (1, 2):
            case = frame.loc[i, h["case_no"]]
            assert ids[f"dd_province:{case}"] is False and ids[f"dd_province:{case}#2"] is True
        # the same batch again: nothing new, nothing changed, ids stable
        c = _save(con, batch, feed, "dd_province_2570b.csv")
        assert (c["inserted"], c["updated"], c["unchanged"], c["repeated"]) == (0, 0, 7, 0)
        # a third different complaint under one of those numbers: #3
        third = later.iloc[[0]].copy()
        third[h["text"]] = "เรื่องที่สามคนละเรื่อง"
        c = _save(con, third, feed, "dd_province_2570c.csv")
        assert c["repeated"] == 1
        assert f"dd_province:{frame.loc[1, h['case_no']]}#3" in {r[0] for r in con.execute(
            "SELECT complaint_id FROM complaints").fetchall()}
    finally:
        con.close()


def test_set_aside_rows_are_stored_counted_and_replaced_on_reimport(tmp_path, part):
    frame, feed = part
    h = feed.columns
    frame = frame.copy()
    frame.loc[[2, 5], h["text"]] = pd.NA
    con = duckdb.connect(str(tmp_path / "c.duckdb"))
    try:
        store.ensure_tables(con)
        c = _save(con, frame, feed)
        assert (c["inserted"], c["setaside"]) == (10, 2)
        rows = con.execute("SELECT source_row, problem, province_code, row_json FROM "
                           "complaint_setaside ORDER BY source_row").fetchall()
        assert [r[:3] for r in rows] == [(4, "no_text", "40"), (7, "no_text", "40")]
        name = frame.loc[2, h["name"]]
        assert name not in rows[0][3] and frame.loc[2, h["case_no"]] in rows[0][3]
        assert store.setaside_count(con) == 2 == store.setaside_count(con, "40")
        assert store.setaside_count(con, "45") == 0
        frame.loc[5, h["text"]] = "มาเติมรายละเอียดแล้ว"              # completed by the agency
        c = _save(con, frame, feed)
        assert (c["inserted"], c["setaside"]) == (1, 1) and store.setaside_count(con) == 1
        d = stats.load(con, "40", 2570)
        s = stats.summary(d)
        assert s["setaside_rows"] == 1 and s["place_unknown_records"] == 0
        from oneplan.reports import complaints as report

        assert "1 แถวที่ไม่มีเนื้อหาให้ใช้ได้" in report.intro(d)
        d.lang = "en"
        assert "1 rows of the agencies' files had no usable content" in report.intro(d)
    finally:
        con.close()


def test_unknown_places_are_their_own_row_in_every_table_by_area(tmp_path, part):
    frame, feed = part
    h = feed.columns
    frame = frame.copy()
    frame.loc[[0, 1], [h["subdistrict"], h["address"]]] = ["ไม่มีตำบลนี้", pd.NA]
    con = duckdb.connect(str(tmp_path / "c.duckdb"))
    try:
        store.ensure_tables(con)
        _save(con, frame, feed)
        d = stats.load(con, "40", 2570)           # the generator's fiscal year
    finally:
        con.close()
    cases = d.cases
    assert cases["subdistrict_code"].isna().sum() == 2
    table = stats.by_district(d)
    n = stats.column_names("th")
    unknown = table[table.iloc[:, 0] == tracking.UNKNOWN_PLACE]
    assert len(unknown) == 1 and unknown.iloc[0, 1] == "ไม่ทราบพื้นที่"
    assert unknown[n["records"]].item() == 2
    assert table[n["records"]].sum() == len(cases)                 # nobody dropped
    assert d.clusters["place_unknown"].sum() == 2
    assert len(tracking.clusters(cases, load_params().complaints)) == len(d.clusters)
    assert stats.summary(d)["place_unknown_records"] == 2
    en = stats.by_district(stats.ComplaintData(d.province_code, d.fiscal_year, d.cases,
                                               d.clusters, d.params, "en"))
    assert "place unknown" in en.iloc[:, 1].tolist()

"""Agency feeds: the registry, round trips of every feed shape, and malformed input."""

from __future__ import annotations

import pandas as pd
import pytest

from oneplan.complaints import feeds
from oneplan.samples import feeds as generate


@pytest.fixture(scope="module")
def gen():
    return generate.generate(1500, ["40"], seed=11)


@pytest.fixture(autouse=True)
def _salt(monkeypatch):
    monkeypatch.setenv("ONEPLAN_PII_SALT", "tests-only-salt-0123456789")


def test_registry_has_15_feeds_mapped_to_one_schema():
    reg = feeds.registry()
    assert len(reg.feeds) == 15
    for f in reg.feeds.values():
        assert set(feeds.REQUIRED) <= set(f.columns)
        assert set(f.categories.values()) <= set(reg.categories)
        assert set(f.statuses.values()) <= set(feeds.STATUSES)
    # configuration really differs between agencies
    assert len({(f.format, f.encoding, f.dates.order, f.dates.era) for f in reg.feeds.values()}) > 5


def test_every_feed_round_trips_through_its_file(gen, tmp_path):
    paths = generate.write_feeds(gen, tmp_path)
    assert len(paths) == 15
    reg = feeds.registry()
    total = 0
    for path in paths:
        agency = feeds.agency_of_file(path)
        res = feeds.import_file(path, agency)
        assert len(res.rejected) == 0, (path.name, res.rejected.head())
        src = gen.records[gen.records["agency_id"] == agency].reset_index(drop=True)
        acc = res.accepted
        assert len(acc) == len(src) == res.rows_read
        assert (acc["category"].to_numpy() == src["category"].to_numpy()).all()
        assert (acc["subdistrict_code"].to_numpy() == src["subdistrict_code"].to_numpy()).all()
        assert (acc["received_on"].dt.date.to_numpy()
                == src["received"].dt.date.to_numpy()).all(), reg[agency].dates
        assert (acc["status"].to_numpy() == src["status"].to_numpy()).all()
        assert acc["source_row"].tolist() == list(range(2, len(acc) + 2))
        total += len(acc)
    assert total == len(gen.records)


def _frame(gen, agency):
    reg = feeds.registry()
    part = gen.records[gen.records["agency_id"] == agency].head(20)
    return generate.to_feed_frame(part, reg[agency]), reg[agency]


def test_unknown_and_missing_columns_are_clear_errors(gen):
    frame, feed = _frame(gen, "dd_province")
    with pytest.raises(feeds.FeedError, match="unknown columns.*หมายเหตุ"):
        feeds.adapt(frame.assign(หมายเหตุ="x"), feed, source_file="f.csv")
    res = feeds.adapt(frame.assign(หมายเหตุ="x"), feed, source_file="f.csv", strict_columns=False)
    assert len(res.accepted) == 20
    with pytest.raises(feeds.FeedError, match="missing columns.*วันที่รับเรื่อง"):
        feeds.adapt(frame.drop(columns=["วันที่รับเรื่อง"]), feed, source_file="f.csv")


def test_bad_rows_are_rejected_with_row_column_and_expectation_no_row_lost(gen, tmp_path):
    frame, feed = _frame(gen, "dd_province")
    frame.loc[2, "วันที่รับเรื่อง"] = "31/02/2567"          # no such day
    frame.loc[5, "วันที่รับเรื่อง"] = "15/03/2024 10:00"    # ค.ศ. year in a พ.ศ. feed
    frame.loc[7, "ประเภทเรื่อง"] = "เรื่องอื่น"             # not in the vocabulary
    frame.loc[9, "สถานะ"] = "??"
    frame.loc[11, "ตำบล"] = "ไม่มีตำบลนี้"
    frame.loc[13, "เลขที่เรื่อง"] = frame.loc[12, "เลขที่เรื่อง"]  # repeated case number
    path = tmp_path / "dd_province_2570.csv"
    frame.to_csv(path, index=False, encoding=feed.encoding)
    res = feeds.import_file(path, "dd_province")
    bad = dict(zip(res.rejected["source_row"], res.rejected["column"]))
    assert bad == {4: "วันที่รับเรื่อง", 7: "วันที่รับเรื่อง", 9: "ประเภทเรื่อง", 11: "สถานะ",
                   13: "ตำบล", 15: "เลขที่เรื่อง"}
    assert "พ.ศ." in res.rejected.loc[res.rejected["source_row"] == 7, "problem"].item()
    assert len(res.accepted) + res.rejected["source_row"].nunique() == res.rows_read == 20
    fix = pd.read_csv(tmp_path / "dd_province_2570.csv.rejected.csv", dtype=str)
    assert sorted(fix["source_row"].astype(int)) == [4, 7, 9, 11, 13, 15]
    assert "problem" in fix.columns


def test_wrong_encoding_is_a_clear_error(gen, tmp_path):
    frame, feed = _frame(gen, "pm1111")            # utf-8 feed
    path = tmp_path / "pm1111_2570.csv"
    frame.to_csv(path, index=False, encoding="cp874")
    with pytest.raises(feeds.FeedError, match="not in the encoding utf-8.*line"):
        feeds.import_file(path, "pm1111")


def test_dates_of_each_format():
    spec = feeds.DateSpec(order="d_mon_y", era="be")
    got, bad = feeds.parse_dates(pd.Series(["15 มี.ค. 2567", "1 ธันวาคม 2566", "", "x"]), spec)
    assert [str(x.date()) if pd.notna(x) else None for x in got] == [
        "2024-03-15", "2023-12-01", None, None]
    assert bad.tolist() == [False, False, False, True]
    spec = feeds.DateSpec(order="ymd", era="ce", time=True)
    got, bad = feeds.parse_dates(pd.Series(["2024-03-15T14:30", "2567-03-15"]), spec)
    assert str(got[0]) == "2024-03-15 14:30:00" and bad.tolist() == [False, True]


def test_every_feed_has_a_short_name_used_in_the_duplicates_table(sample_db):
    from oneplan.data import db
    from oneplan.complaints import stats
    from oneplan.complaints.feeds import registry

    reg = registry()
    shorts = {f.short_th for f in reg.feeds.values()}
    assert len(shorts) == len(reg.feeds) and "" not in shorts     # one per feed, distinct
    assert reg.feeds["pea"].short_name("th") == "กฟภ." and reg.feeds["pea"].short_name("en") == "PEA"
    con = db.connect(sample_db, read_only=True)
    try:
        d = stats.load(con, "40", 2570)
    finally:
        con.close()
    table = stats.duplicates_table(d)
    assert len(table)                                   # the sample has cross-agency matters
    cells = [a for row in table["หน่วยงาน"] for a in row.split(", ")]
    assert set(cells) <= shorts                          # abbreviations, never feed ids
    assert not set(cells) & set(reg.feeds)
    parent = table["เรื่องหลัก"].str.rsplit(" ", n=1)         # "ศดธ.จังหวัด 7040000146"
    assert parent.str[0].isin(shorts).all() and parent.str[1].str.fullmatch(r"\w+").all()
    by_agency = stats.by_agency(d)
    assert set(by_agency["หน่วยงาน"]) <= shorts                # abbreviation, then full name
    assert set(by_agency["ชื่อ"]) <= {f.name_th for f in reg.feeds.values()}

"""Agency feeds: the registry, round trips of every feed shape, and malformed input."""

from __future__ import annotations

import json
import re
import sys

import pandas as pd
import pytest

from oneplan.complaints import feeds
from oneplan.core import pii
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
    total = mixed = others = 0
    for path in paths:
        agency = feeds.agency_of_file(path)
        res = feeds.import_file(path, agency)
        assert len(res.setaside) == 0 and res.skipped_rows == 0, (path.name, res.setaside)
        src = gen.records[gen.records["agency_id"] == agency].reset_index(drop=True)
        acc = res.accepted
        assert len(acc) == len(src) == res.rows_read
        own = (src["label_form"] == 0).to_numpy()
        assert (acc["category"].to_numpy()[own] == src["category"].to_numpy()[own]).all()
        assert (acc["category"].to_numpy()[~own] == "other").all()      # kept, as other
        assert acc["agency_category"].notna().all()
        placed = ~src["address_only"].to_numpy()
        assert (acc["subdistrict_code"].to_numpy()[placed]
                == src["subdistrict_code"].to_numpy()[placed]).all()
        assert (acc["place_source"].to_numpy()[placed] == "columns").all()
        assert (acc["received_on"].dt.date.to_numpy()
                == src["received"].dt.date.to_numpy()).all(), reg[agency].dates
        assert (acc["status"].to_numpy() == src["status"].to_numpy()).all()
        assert acc["source_row"].tolist() == list(range(2, len(acc) + 2))
        assert acc["complaint_id"].is_unique
        assert (acc["case_no_repeat"].to_numpy() == src["case_repeat"].to_numpy()).all()
        mixed += int((src["date_form"] > 0).sum())
        others += int((~own).sum())
        total += len(acc)
    assert total == len(gen.records)
    assert mixed > 50 and others > 5 and gen.records["case_repeat"].sum() >= 1
    assert gen.records["address_only"].sum() > 5


def test_the_generator_can_write_every_record_in_its_feeds_form():
    tidy = generate.generate(300, ["40"], seed=11, messy=False).records
    messy = generate.generate(300, ["40"], seed=11).records
    assert not tidy[["date_form", "label_form"]].any().any()
    assert not tidy[["address_only", "case_repeat"]].any().any()
    same = ["agency_id", "received", "text", "truth_matter", "truth_person", "category"]
    pd.testing.assert_frame_equal(tidy[same], messy[same])     # the same people and matters


def test_registry_has_the_other_category_and_labels_match_loosely():
    reg = feeds.registry()
    assert reg.categories["other"][:2] == ("อื่น ๆ", "Other")
    pao, drr = reg["pao"], reg["drr"]
    keys = [feeds.label_key(x) for x in ("อื่น ๆ", "อื่นๆ", " อื่น  ๆ ", "ถนน", "ไฟฟ้า.")]
    assert pao.category_of(keys) == ["other", "other", "other", "road", "streetlight"]
    # "อื่น ๆ" means other in a feed that never declared it; an unknown word is None
    assert drr.category_of([feeds.label_key("อื่น ๆ"), feeds.label_key("สะพาน ชำรุด"),
                            feeds.label_key("เรื่องประหลาด")]) == ["other", "road", None]


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


def test_wrong_encoding_is_a_clear_error(gen, tmp_path):
    frame, feed = _frame(gen, "pm1111")            # utf-8 feed
    path = tmp_path / "pm1111_2570.csv"
    frame.to_csv(path, index=False, encoding="cp874")
    with pytest.raises(feeds.FeedError, match="not in the encoding utf-8.*line"):
        feeds.import_file(path, "pm1111")


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


# --- feeds as agencies really send them ------------------------------------------------

def _mixed(gen, agency="dd_province", n=20):
    frame, feed = _frame(gen, agency)
    return frame.head(n).copy(), feed


def test_mixed_date_forms_in_one_feed_are_all_stored(gen):
    frame, feed = _mixed(gen)
    h = feed.columns
    forms = ["13/07/2568 09:15", "21 ก.พ. 2568", "2025-03-04", "๑๕ มี.ค. ๒๕๖๘", "15มี.ค.68",
             "15 มีนาคม 2568 14.30 น.", "03/04/2568", "45731", "2568-03-15", "04/15/2568"]
    frame.loc[:9, h["received"]] = forms
    frame[h["first_action"]] = pd.NA                 # no action/closing dates to compare
    frame[h["closed"]] = pd.NA
    res = feeds.adapt(frame, feed, source_file="f.csv")
    assert len(res.setaside) == 0 and len(res.accepted) == 20
    acc = res.accepted.head(10)
    assert [str(d.date()) for d in acc["received_on"]] == [
        "2025-07-13", "2025-02-21", "2025-03-04", "2025-03-15", "2025-03-15", "2025-03-15",
        "2025-04-03", "2025-03-15", "2025-03-15", "2025-04-15"]
    assert str(acc["received_at"].iloc[0]) == "2025-07-13 09:15:00"
    assert str(acc["received_at"].iloc[5]) == "2025-03-15 14:30:00"
    assert pd.isna(acc["received_at"].iloc[1])                 # no time written
    flags = dict(zip(range(10), acc["date_flag"]))
    assert flags[4] == "two_digit_year" and flags[6] == "ambiguous_dm"
    assert res.counts["ambiguous_dates"] >= 1 and res.counts["two_digit_years"] == 1
    assert any("date_flag" in w for w in res.warnings)


def test_unknown_categories_are_stored_as_other_with_their_label_and_one_warning(gen):
    frame, feed = _mixed(gen)
    col = feed.columns["category"]
    frame.loc[[1, 2, 3], col] = ["อื่น ๆ", "เรื่องประหลาด", "เรื่องประหลาด"]
    frame.loc[4, col] = " ถนน ชำรุด "                          # a known label, spaced
    frame.loc[5, col] = pd.NA                                  # no category at all
    res = feeds.adapt(frame, feed, source_file="dd_province_2570.csv")
    acc = res.accepted
    assert len(acc) == 20 and len(res.setaside) == 0
    assert acc.loc[[1, 2, 3, 5], "category"].tolist() == ["other"] * 4
    assert acc.loc[[1, 2, 3], "agency_category"].tolist() == ["อื่น ๆ", "เรื่องประหลาด",
                                                              "เรื่องประหลาด"]
    assert acc.loc[4, "category"] == "road" and pd.isna(acc.loc[5, "agency_category"])
    assert res.counts["unknown_categories"] == 2
    (line,) = [w for w in res.warnings if "เรื่องประหลาด" in w]
    assert "dd_province_2570.csv" in line and "2" in line and " / " in line and "\n" not in line


def test_unknown_status_is_inferred_not_rejected(gen):
    frame, feed = _mixed(gen)
    h = feed.columns
    frame.loc[0, h["status"]] = "??"
    frame.loc[0, h["closed"]] = pd.NA
    frame.loc[0, h["first_action"]] = pd.NA
    res = feeds.adapt(frame, feed, source_file="f.csv")
    assert res.accepted.loc[0, "status"] == "received" and res.counts["unknown_statuses"] == 1


def test_repeated_case_numbers_within_a_file(gen):
    frame, feed = _mixed(gen)
    h = feed.columns
    frame.loc[5, h["case_no"]] = frame.loc[2, h["case_no"]]    # other content: a new record
    frame.loc[8] = frame.loc[3]                               # the same record again, later:
    frame.loc[8, h["status"]] = "ยุติเรื่อง"                     # its later state wins
    res = feeds.adapt(frame, feed, source_file="f.csv")
    acc = res.accepted.set_index("source_row")
    case = frame.loc[2, h["case_no"]]
    assert acc.loc[4, "complaint_id"] == f"dd_province:{case}" and not acc.loc[4, "case_no_repeat"]
    assert acc.loc[7, "complaint_id"] == f"dd_province:{case}#2" and acc.loc[7, "case_no_repeat"]
    assert acc.loc[7, "case_no"] == case
    assert 5 not in acc.index and acc.loc[10, "status"] == "closed"   # row 5 updated by 10
    assert res.skipped == {"repeated_row": 1} and res.counts["repeated_cases"] == 1
    assert res.rows_read == len(res.accepted) + len(res.setaside) + res.skipped_rows == 20
    assert acc["complaint_id"].is_unique


def test_only_rows_with_no_usable_content_are_set_aside(gen, tmp_path):
    frame, feed = _mixed(gen)
    h = feed.columns
    frame.loc[1, h["text"]] = pd.NA                                        # no text
    for c in (h["received"], h["first_action"], h["closed"]):             # no date at all,
        frame.loc[2, c] = "31/02/2567"                                     # no place either
    frame.loc[2, [h["subdistrict"], h["address"]]] = ["ไม่มีตำบลนี้", pd.NA]
    frame.loc[3, h["received"]] = "yesterday"           # a readable action date stands in
    frame.loc[4, h["case_no"]] = pd.NA                  # no case number: made from content
    frame.loc[5, [h["subdistrict"], h["address"]]] = ["ไม่มีตำบลนี้", pd.NA]  # place unknown:
    #                                                                       still stored
    frame.loc[6, h["reopened"]] = "สองครั้ง"
    frame.loc[20] = pd.NA                                # a blank line
    path = tmp_path / "dd_province_2570.csv"
    frame.to_csv(path, index=False, encoding=feed.encoding)
    res = feeds.import_file(path, "dd_province")
    assert dict(zip(res.setaside["source_row"], res.setaside["problem"])) == {
        3: "no_text", 4: "no_date_no_place"}
    assert res.skipped == {"blank": 1}
    assert res.rows_read == 21 == len(res.accepted) + len(res.setaside) + res.skipped_rows
    acc = res.accepted.set_index("source_row")
    assert acc.loc[5, "date_flag"] == "received_from_other_date"
    assert acc.loc[6, "case_no"].startswith("nocase-")
    assert pd.isna(acc.loc[7, "subdistrict_code"]) and acc.loc[7, "province_code"] == "40"
    assert pd.isna(acc.loc[7, "place_source"]) and acc.loc[8, "reopen_count"] == 0
    line = res.accounting()
    assert "21" in line and "= stored 18 + set aside 2 + skipped 1" in line
    out = tmp_path / "dd_province_2570.csv.rejected.csv"
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    fix = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert fix["source_row"].astype(int).tolist() == [3, 4]
    assert "no complaint text" in fix["problem"].iloc[0]
    row = json.loads(res.setaside["row_json"].iloc[1])
    name = frame.loc[2, h["name"]]
    assert row[h["case_no"]] == frame.loc[2, h["case_no"]] and name not in row.values()


class _FakeAddress:
    """The address parser of the contract, as a small fake: a few known texts."""

    calls: list = []

    @classmethod
    def parse(cls, texts, *, province_hint=None, district_hint=None):
        cls.calls.append((list(texts), province_hint))
        rows = []
        for t in texts:
            hit = "ตั้งใจ" in t
            rows.append({"house_no": "66" if hit else None, "moo": 2 if hit else None,
                         "subdistrict_code": "320114" if hit else None,
                         "district_code": "3201" if hit else None,
                         "province_code": "32" if hit else None,
                         "confidence": 0.8 if hit else 0.0,
                         "method": "fuzzy" if hit else "none"})
        out = pd.DataFrame(rows, index=texts.index)
        out["moo"] = out["moo"].astype("Int64")
        return out


def test_places_from_free_text_when_the_columns_do_not_resolve(gen, monkeypatch):
    monkeypatch.setitem(sys.modules, "oneplan.complaints.address", _FakeAddress)
    _FakeAddress.calls = []
    frame, feed = _mixed(gen)
    h = feed.columns
    frame.loc[0, [h["subdistrict"], h["address"]]] = ["ตั้งจัย", "66 ม.2 ต.ตั้งใจ อ.เมืองสุรินทร์"]
    frame.loc[1, [h["subdistrict"], h["address"]]] = [pd.NA, "บ้านไม่รู้ที่"]
    res = feeds.adapt(frame, feed, source_file="f.csv")
    acc = res.accepted
    assert len(_FakeAddress.calls) == 1 and len(_FakeAddress.calls[0][0]) == 2  # only those
    assert _FakeAddress.calls[0][1] == "40"                       # the file's province
    assert acc.loc[0, ["subdistrict_code", "district_code", "place_source"]].tolist() == [
        "320114", "3201", "free_text"]
    assert acc.loc[0, "place_confidence"] == 0.8 and acc.loc[0, "moo"] == 2
    assert pd.isna(acc.loc[1, "subdistrict_code"]) and acc.loc[1, "province_code"] == "40"
    assert (acc.loc[2:, "place_source"] == "columns").all()
    assert res.counts["places_from_text"] == 1 and res.counts["places_unknown"] == 1
    assert acc["house_no_hash"].notna().sum() >= 18


def test_a_feed_that_only_sends_free_text_addresses(gen, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "oneplan.complaints.address", _FakeAddress)
    reg = feeds.load_registry(extra=[_user_feeds(tmp_path)])
    feed = reg["town_hall"]
    frame = pd.DataFrame({"Case ID": ["A1", "A2", "A1"], "Date": ["15/03/2567", "2024-03-16",
                                                                   "17 มี.ค. 67"],
                          "Complaint": ["ถนนพัง", "ไฟดับ", "น้ำท่วม"],
                          "Where": ["66 ม.2 ต.ตั้งใจ", "12 ต.ตั้งใจ", "ที่ไหนไม่รู้"],
                          "Type": ["ถนน", "ไฟ", "ไม่มีในรายการ"]})
    res = feeds.adapt(frame, feed, source_file="town_hall_2570.csv", province_hint="32")
    acc = res.accepted
    assert acc["complaint_id"].tolist() == ["town_hall:A1", "town_hall:A2", "town_hall:A1#2"]
    assert acc["place_source"].tolist()[:2] == ["free_text", "free_text"]
    assert acc["category"].tolist() == ["road", "streetlight", "other"]
    assert acc["status"].tolist() == ["received"] * 3       # no status column: inferred
    assert pd.isna(acc.loc[2, "subdistrict_code"]) and acc.loc[2, "province_code"] == "32"


def _user_feeds(tmp_path):
    path = tmp_path / "myfeeds.yml"
    path.write_text(
        "feeds:\n"
        "  town_hall:\n"
        "    name_th: เทศบาลเมือง\n    name_en: Town hall\n    format: csv\n"
        "    columns: {case_no: เลขที่, received: วันที่รับ, text: รายละเอียด,\n"
        "              address: ที่อยู่, category: ประเภท, status: สถานะ}\n"
        "    header_synonyms: {case_no: [Case ID], received: [date], text: [complaint],\n"
        "                      address: [where], category: [type]}\n"
        "    dates: {order: dmy, era: be}\n"
        "    statuses: {เสร็จ: closed}\n"
        "    categories: {ถนน: road, ไฟ: streetlight}\n", encoding="utf-8")
    return path


def test_header_synonyms_and_a_users_feed_file(tmp_path):
    reg = feeds.load_registry(extra=[_user_feeds(tmp_path)])
    assert "town_hall" in reg.feeds and len(reg.feeds) == 16
    feed = reg["town_hall"]
    got, unused = feeds.match_columns(["  Case  ID ", "DATE:", "Ｃomplaint", "note"], feed)
    assert got == {"case_no": "  Case  ID ", "received": "DATE:", "text": "Ｃomplaint"}
    assert unused == ["note"]
    bad = tmp_path / "bad.yml"
    bad.write_text("feeds:\n  x:\n    name_th: x\n    name_en: x\n    format: csv\n"
                   "    columns: {case_no: a}\n    dates: {order: dmy, era: be}\n"
                   "    statuses: {}\n    categories: {a: nowhere}\n", encoding="utf-8")
    with pytest.raises(feeds.FeedError, match="bad.yml: feed x"):
        feeds.load_registry(extra=[bad])
    bad.write_text("feeds: [unclosed\n", encoding="utf-8")
    with pytest.raises(feeds.FeedError, match="not valid YAML"):
        feeds.load_registry(extra=[bad])


def test_check_is_a_dry_run_that_explains_the_file(gen, tmp_path, capsys):
    from oneplan import cli

    frame, feed = _mixed(gen)
    h = feed.columns
    frame.loc[0, h["category"]] = "เรื่องประหลาด"
    frame.loc[1, h["received"]] = "03/04/2568"     # the column shows d/m and m/d forms
    frame.loc[2, h["received"]] = "04/15/2568"
    path = tmp_path / "dd_province_2570.csv"
    frame.to_csv(path, index=False, encoding=feed.encoding)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert cli.main(["complaints", "check", str(path), "--feed", "dd_province",
                     "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert f"{h['received']} -> received" in out and "first 5 rows" in out
    assert "would store 20 rows, set aside 0" in out and "เรื่องประหลาด (1)" in out
    swapped = re.search(r"could be swapped \(the feed's order decided, flagged\): (\d+)", out)
    assert int(swapped[1]) >= 1 and "date flag ambiguous_dm" in out
    assert pii.scan_text(out) == [] and frame.loc[0, h["name"]] not in out
    frame.loc[3, h["text"]] = pd.NA
    frame.to_csv(path, index=False, encoding=feed.encoding)
    assert cli.main(["complaints", "check", str(path), "--feed", "dd_province"]) == 1
    out = capsys.readouterr().out
    assert "ไม่ใช้" not in out or "->" in out
    assert "พักไว้ตรวจ 1 แถว" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == before     # nothing written
    assert cli.main(["complaints", "check", str(path)]) == 2          # no --feed
    assert cli.main(["complaints", "check", str(path), "--feed", "nope"]) == 2


def test_header_spellings_with_underscores_hyphens_and_case_are_one_header():
    from oneplan.complaints.feedspec import header_key, match_columns
    assert header_key("tambon_code") == header_key("Tambon code") == header_key("tambon-code")
    assert header_key("ชื่อ-สกุลผู้ร้อง") == header_key("ชื่อ สกุลผู้ร้อง")
    assert header_key("tambon_code") != header_key("tambon_name")
    reg = feeds.registry()
    feed = next(f for f in reg.feeds.values() if any("_" in h for h in f.columns.values()))
    varied = [h.replace("_", " ").upper() for h in feed.columns.values()]
    matched, extra = match_columns(varied, feed)
    assert extra == [] and set(matched) == set(feed.columns)

"""The officer's review queue (issue 14, item 7): uncertain pairs out to an XLSX/CSV review
file with personal data masked, the officer's decisions back in (hostile files too), the
count in the report, and decisions that every later relink respects."""

from __future__ import annotations

import csv
import json
import stat

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook

from oneplan.complaints import linkage, privacy, review
from oneplan.complaints.review_read import ReviewFileError, parse_decision
from oneplan.core import pii, thai
from oneplan.data import db

SALT = b"tests-only-salt-0123456789"

# the linkage helper's table, as the contract (COMPLAINTS_CONTRACT.md) writes it: here so
# these tests run before its branch is merged (IF NOT EXISTS: harmless after)
REVIEW_PAIRS_DDL = """
CREATE TABLE IF NOT EXISTS complaint_review_pairs (
    left_id VARCHAR NOT NULL, right_id VARCHAR NOT NULL, level VARCHAR NOT NULL,
    probability DOUBLE NOT NULL, evidence VARCHAR NOT NULL, linked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (left_id, right_id, level))"""
# columns the feeds helper adds to ``complaints`` (store.ensure_tables, ADD COLUMN IF NOT
# EXISTS): the fixture rows carry them
FEED_COLUMNS = ("house_no_hash VARCHAR", "agency_category VARCHAR", "date_flag VARCHAR",
                "place_source VARCHAR", "place_confidence DOUBLE")


def _id_with_check_digit(first12: str) -> str:
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return first12 + str((11 - total % 11) % 10)


CLEAR_ID = _id_with_check_digit("110140012345")
CLEAR_PHONE = "081-234-5678"
assert thai.national_id_is_valid(CLEAR_ID)


def _row(cid, *, received, category, sub, text, first=None, last=None, pid=None,
         phone=None, house=None, moo=None, agency_category=None):
    agency, case_no = cid.split(":", 1)
    h = lambda v, kind: None if v is None else privacy.hash_values(  # noqa: E731
        pd.Series([v]), kind, SALT).iloc[0]
    return {"complaint_id": cid, "agency_id": agency, "case_no": case_no,
            "received_on": pd.Timestamp(received), "received_at": pd.NaT,
            "category": category, "province_code": sub[:2], "district_code": sub[:4],
            "subdistrict_code": sub, "moo": moo, "text": text, "first_name": first,
            "last_name": last, "person_id_hash": h(pid, "id"), "phone_hash": h(phone, "phone"),
            "address_hash": h(None if house is None else f"{house}|{moo}|{sub}", "address"),
            "status": "received", "first_action_on": pd.NaT, "closed_on": pd.NaT,
            "reopen_count": 0, "transfers": 0, "synthetic": True,
            "source_file": f"{agency}.csv", "source_sheet": None, "source_row": 2,
            "imported_at": pd.Timestamp("2024-05-01"),
            "house_no_hash": h(house, "house"), "agency_category": agency_category}


ROWS = [
    # pair A (sub-district 400101): one person's road complaint at two agencies
    _row("dd_province:6701", received="2024-03-01", category="road", sub="400101", moo=3,
         first="สมชาย", last="ใจดี", pid=CLEAR_ID, phone="0812345678", house="12",
         text=f"นายสมชาย ใจดี แจ้งถนนหมู่ 3 ชำรุดเป็นหลุม โทร {CLEAR_PHONE} "
              f"บัตร {CLEAR_ID} สมชายขอให้ซ่อมด่วน",
         agency_category="ถนนชำรุด"),
    _row("doh:R-0091", received="2024-03-04", category="road", sub="400101", moo=3,
         first="สมชาย", last="ใจดี", pid=None, phone="0812345678", house="12",
         text="ถนนหมู่ 3 เป็นหลุมลึก นางสาวมาลี ศรีสุข เพื่อนบ้านแจ้งด้วย",
         agency_category="=HYPERLINK(\"http://x\")"),
    # pair B (400102): two records of one surname, different house, same topic
    _row("dd_province:6702", received="2024-04-02", category="garbage", sub="400102",
         moo=5, first="มาลี", last="ศรีสุข", house="7", text="ขยะกองหน้าบ้าน ม.5 ส่งกลิ่น"),
    _row("dla:๖๗-๐๐๑", received="2024-04-20", category="garbage", sub="400102", moo=5,
         first="มานี", last="ศรีสุข", house="9", text="ขยะไม่มีคนเก็บ ม.5 หลายสัปดาห์"),
    # pair C (400201): anonymous records
    _row("pea:X1", received="2024-05-01", category="streetlight", sub="400201",
         text="ไฟทางดับ 3 ต้น"),
    _row("pea:X2", received="2024-05-03", category="streetlight", sub="400201",
         text="ไฟส่องสว่างดับหลายต้น"),
]
NAMES = ("สมชาย", "ใจดี", "มาลี", "ศรีสุข", "มานี")

PAIRS = [  # left < right, as the linkage writes them
    ("dd_province:6701", "doh:R-0091", "matter", 0.734,
     {"person_id_hash": "null", "phone_hash": "exact match", "text": 0.41,
      "category": "same category"}),
    ("dd_province:6701", "doh:R-0091", "person", 0.9,
     {"first_name": "exact match", "last_name": "exact match"}),
    # labels as the linkage writes them (complaints/linkage_model.py)
    ("dd_province:6702", "dla:๖๗-๐๐๑", "person", 0.61,
     {"id": "ID missing", "phone": "phone missing", "first_name": "first name JW≥0.9",
      "last_name": "same last name", "place": "same sub-district, other house"}),
    ("pea:X1", "pea:X2", "matter", 0.55,
     {"text": "text J≥0.35", "numbers": "numbers on one side only",
      "category": "same category", "days": "≤7 days apart", "moo": "หมู่ unknown"}),
]


def _schema(con):
    con.execute(db.schema_sql())
    for col in FEED_COLUMNS:
        con.execute(f"ALTER TABLE complaints ADD COLUMN IF NOT EXISTS {col}")
    con.execute(REVIEW_PAIRS_DDL)
    review.ensure_tables(con)


def _insert(con, rows):
    frame = pd.DataFrame(rows)
    con.register("fixture_rows", frame)
    con.execute(f"INSERT INTO complaints ({', '.join(frame.columns)}) "
                f"SELECT {', '.join(frame.columns)} FROM fixture_rows")
    con.unregister("fixture_rows")


def _pairs(con, pairs):
    for left, right, level, p, ev in pairs:
        con.execute("INSERT INTO complaint_review_pairs VALUES (?, ?, ?, ?, ?, now())",
                    [left, right, level, p, json.dumps(ev)])


@pytest.fixture
def con():
    c = duckdb.connect()
    _schema(c)
    _insert(c, ROWS)
    _pairs(c, PAIRS)
    yield c
    c.close()


def _sheet(path):
    wb = load_workbook(path)
    return wb, wb.worksheets[0]


def _fill(path, decisions: dict[int, object], *, out=None, column="decision"):
    """Type ``decisions`` ({row: value}) into the exported workbook's decision column."""
    wb, ws = _sheet(path)
    heads = [c.value for c in ws[1]]
    j = heads.index(review.headers("th")[column]) + 1
    for row, value in decisions.items():
        ws.cell(row=row, column=j, value=value)
    wb.save(out or path)
    return out or path


# --- export -------------------------------------------------------------------------

def test_export_lists_each_pending_pair_once_in_thai(con, tmp_path):
    out = tmp_path / "review.xlsx"
    done = review.export_review(con, out)
    assert done.pairs == done.pending == 3 == review.pending_count(con)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    wb, ws = _sheet(out)
    assert [s.title for s in wb.worksheets] == ["คู่รอตรวจ", "คำแนะนำ"]
    heads = [c.value for c in ws[1]]
    assert heads == list(review.headers("th").values())
    assert heads[:3] == ["รหัสคู่ (ห้ามแก้)", "โอกาสเป็นเรื่องเดียวกัน (%)", "การตัดสิน"]
    assert ws.freeze_panes == "D2"
    rows = [dict(zip(heads, [c.value for c in r])) for r in ws.iter_rows(min_row=2)]
    # sub-district order (400101, 400102, 400201), one row per pair (matter level kept)
    assert [r["รหัสคู่ (ห้ามแก้)"] for r in rows] == [
        "dd_province:6701 | doh:R-0091", "dd_province:6702 | dla:๖๗-๐๐๑", "pea:X1 | pea:X2"]
    first = rows[0]
    assert first["โอกาสเป็นเรื่องเดียวกัน (%)"] == 73.4
    assert ws.cell(row=2, column=2).number_format == "0.0"
    assert first["การตัดสิน"] is None
    assert first["ระบบไม่แน่ใจเรื่อง"] == "เป็นเรื่องเดียวกันหรือไม่"
    assert first["หน่วยงาน ก"] == "ศดธ.จังหวัด" and first["วันที่รับ ก"] == "1 มี.ค. 2567"
    assert first["วันที่รับ ข"] == "4 มี.ค. 2567"
    assert first["ประเภทเรื่อง ก"] == "ถนน สะพาน ชำรุด (หน่วยงานระบุ: ถนนชำรุด)"
    assert first["สถานที่ ก"] == "ม.3 ต.ในเมือง อ.เมืองขอนแก่น"
    assert first["เลขบัตรประชาชน"] == "ไม่ทราบ (ไม่มีข้อมูล)"
    assert first["โทรศัพท์"] == "ตรงกัน" and first["บ้านเลขที่"] == "ตรงกัน"
    assert first["ชื่อ-สกุล"] == "ตรงกัน" and first["ชื่อ ก (ปิดบัง)"] == "ส× ใ×"
    assert first["หลักฐานจากระบบ"] == ("เลขบัตรประชาชน: ไม่มีข้อมูล; โทรศัพท์: ตรงกัน; "
                                      "ข้อความ: เหมือนกัน 41 %; ประเภทเรื่อง: ตรงกัน")
    second, third = rows[1], rows[2]
    assert second["หลักฐานจากระบบ"] == (
        "เลขบัตรประชาชน: ไม่มีข้อมูล; โทรศัพท์: ไม่มีข้อมูล; ชื่อ: คล้ายกันอย่างน้อย 90 %; "
        "นามสกุล: ตรงกัน; สถานที่: ตำบลเดียวกัน คนละบ้าน")
    assert third["หลักฐานจากระบบ"] == (
        "ข้อความ: คล้ายกันอย่างน้อย 35 %; ตัวเลขในข้อความ: มีตัวเลขฝั่งเดียว; "
        "ประเภทเรื่อง: ตรงกัน; วันที่รับ: ห่างกันไม่เกิน 7 วัน; หมู่ที่: ไม่มีข้อมูล")
    assert second["ระบบไม่แน่ใจเรื่อง"] == "เป็นผู้ร้องคนเดียวกันหรือไม่"
    assert second["ชื่อ-สกุล"] == "นามสกุลตรงกัน ชื่อต่างกัน"
    assert second["บ้านเลขที่"] == "ต่างกัน" and second["เลขบัตรประชาชน"] == "ไม่ทราบ (ไม่มีข้อมูล)"
    assert second["หน่วยงาน ข"] == "สถ." and first["หน่วยงาน ข"] == "ทล."
    # the decision column offers the two words (a list, not a cell: nothing runs)
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == '"เรื่องเดียวกัน,คนละเรื่อง"'
    assert str(dv.sqref) == "C2:C4"
    # the agency's label that looks like a formula is shown as text
    assert rows[0]["ประเภทเรื่อง ข"].startswith("ถนน สะพาน ชำรุด (หน่วยงานระบุ: ")
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    help_text = "\n".join(str(c.value) for c in wb.worksheets[1]["A"])
    assert "oneplan complaints review import" in help_text and "ข้อมูลตัวอย่างสังเคราะห์" in help_text


def test_export_english_province_limit_and_csv(con, tmp_path):
    out = review.export_review(con, tmp_path / "r.xlsx", lang="en", province_code="40",
                               limit=1)
    assert (out.pairs, out.pending) == (1, 3)
    wb, ws = _sheet(out.path)
    assert ws.title == "pairs to review" and ws["C1"].value == "decision"
    (dv,) = ws.data_validations.dataValidation
    assert dv.formula1 == '"same matter,different matters"'
    row = dict(zip([c.value for c in ws[1]], [c.value for c in ws[2]]))
    assert row["chance of one matter (%)"] == 73.4
    assert (row["received A"], row["received B"]) == ("1 Mar 2024", "4 Mar 2024")
    assert row["agency A"] == "DDC province" and row["national ID"] == "unknown (not given)"
    assert review.export_review(con, tmp_path / "x.xlsx", province_code="45").pairs == 0
    csv_path = review.export_review(con, tmp_path / "r.csv").path
    assert stat.S_IMODE(csv_path.stat().st_mode) == 0o600
    table = pd.read_csv(csv_path, dtype=str, encoding="utf-8-sig")
    assert len(table) == 3 and table["โอกาสเป็นเรื่องเดียวกัน (%)"].tolist() == [
        "73.4", "61.0", "55.0"]
    with pytest.raises(ReviewFileError, match=r"\.xlsx หรือ \.csv"):
        review.export_review(con, tmp_path / "r.pdf")


def test_export_shows_no_clear_personal_data(con, tmp_path):
    from tests import pii_scan

    xlsx = review.export_review(con, tmp_path / "out" / "r.xlsx").path
    review.export_review(con, tmp_path / "out" / "r.csv")
    review.export_review(con, tmp_path / "out" / "r_en.xlsx", lang="en")
    assert pii.scan_paths([tmp_path / "out"], names=NAMES) == {}
    hits, scanned = pii_scan.scan(tmp_path / "out")
    assert scanned == 1 and hits == []
    _, ws = _sheet(xlsx)
    cells = " ".join(str(c.value) for r in ws.iter_rows() for c in r)
    # the masked forms are there: first letters, the last 4 digits, titles kept
    assert "นายส× ใ×" in cells and "xxx-5678" in cells and "นางสาว ม× ศ×" in cells
    assert CLEAR_ID[-4:] in cells and CLEAR_ID not in cells.replace("-", "")
    for name in NAMES:
        assert name not in cells


def test_nothing_to_review_before_a_link_run(tmp_path):
    c = duckdb.connect()
    c.execute(db.schema_sql())
    assert review.pending_count(c) == 0
    assert review.export_review(c, tmp_path / "r.xlsx").pairs == 0


# --- import -------------------------------------------------------------------------

def test_export_fill_import_stores_decisions(con, tmp_path):
    path = review.export_review(con, tmp_path / "review.xlsx").path
    _fill(path, {2: "เรื่องเดียวกัน", 3: "  คนละ เรื่อง ", 4: None})
    _fill(path, {2: "โต๊ะ 2 ศดธ."}, column="decided_by")
    res = review.import_decisions(con, path, decided_by="desk")
    assert (res.read, res.accepted, res.rejected) == (3, 3, 0)
    assert (res.decided, res.pending, res.replaced) == (2, 1, 0)
    assert res.rejected_path is None
    got = con.execute("SELECT left_id, right_id, decision, decided_by, source_file, "
                      "source_row FROM complaint_link_decisions ORDER BY source_row").fetchall()
    assert got == [("dd_province:6701", "doh:R-0091", "same", "โต๊ะ 2 ศดธ.", "review.xlsx", 2),
                   ("dd_province:6702", "dla:๖๗-๐๐๑", "different", "desk", "review.xlsx", 3)]
    assert review.pending_count(con) == 1
    again = review.export_review(con, tmp_path / "again.xlsx")
    assert again.pairs == 1
    line = res.summary_line()
    assert "อ่าน 3 แถว" in line and " / " in line and "read 3 rows" in line


def test_a_later_decision_replaces_the_earlier_one(con, tmp_path):
    path = review.export_review(con, tmp_path / "a.xlsx").path
    _fill(path, {2: "same"})
    assert review.import_decisions(con, path).decided == 1
    later = tmp_path / "b.csv"
    heads = review.headers("th")
    with open(later, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([heads["pair"], heads["decision"]])
        w.writerow(["doh:R-0091 | dd_province:6701", "ไม่ซ้ำ"])  # either order
    res = review.import_decisions(con, later)
    assert (res.decided, res.replaced, res.rejected) == (1, 1, 0)
    assert con.execute("SELECT decision, source_file, source_row FROM "
                       "complaint_link_decisions").fetchall() == [("different", "b.csv", 2)]


@pytest.mark.parametrize("label, words", [
    ("same ID", "ตรงกัน"), ("different phone", "ต่างกัน"), ("first name missing", "ไม่มีข้อมูล"),
    ("last name JW≥0.75", "คล้ายกันอย่างน้อย 75 %"), ("same house", "บ้านเดียวกัน"),
    ("same sub-district, other หมู่", "ตำบลเดียวกัน คนละหมู่"), ("elsewhere", "ต่างพื้นที่"),
    ("different text", "ต่างกัน"), ("same numbers", "ตรงกัน"),
    ("อื่น ๆ (other) on a side", "ฝั่งหนึ่งเป็น อื่น ๆ"), ("same category group", "กลุ่มเรื่องเดียวกัน"),
    ("further apart", "ห่างกันมาก"), ("different หมู่", "ต่างกัน"), ("same หมู่", "ตรงกัน"),
    ("something new", "something new"),
])
def test_evidence_labels_in_thai_words(label, words):
    assert review.evidence_words(json.dumps({"x": label}), "th") == f"x: {words}"


def test_evidence_that_is_not_an_object():
    assert review.evidence_words("not json") == "ไม่มีรายละเอียด"
    assert review.evidence_words("[]", "en") == "no details"


@pytest.mark.parametrize("typed, expected", [
    ("เรื่องเดียวกัน", "same"), ("คนละเรื่อง", "different"), (" ซ้ำ ", "same"),
    ("ไม่ซ้ำ", "different"), ("Same Matter", "same"), ("DIFFERENT matters", "different"),
    ("s", "same"), ("d.", "different"), ("๑", "same"), ("๒", "different"), (1, "same"),
    (2.0, "different"), ("", None), ("  ", None), ("ไม่แน่ใจ", None), (None, None),
    ("เรื่อง\u200bเดียวกัน", "same"), ("ซ\u0e49\u0e4d\u0e32", "same"),
])
def test_decision_words(typed, expected):
    assert parse_decision(typed) == expected


@pytest.mark.parametrize("typed", ["maybe", "3", "=1+1", "เรื่องเดียว", "yes please"])
def test_unknown_decision_words_are_refused(typed):
    with pytest.raises(ValueError):
        parse_decision(typed)


def test_hostile_review_file(con, tmp_path):
    path = review.export_review(con, tmp_path / "h.xlsx").path
    wb, ws = _sheet(path)
    heads = [c.value for c in ws[1]]
    pc, dc = heads.index("รหัสคู่ (ห้ามแก้)") + 1, heads.index("การตัดสิน") + 1
    ws.cell(row=2, column=dc, value="=IF(1,\"เรื่องเดียวกัน\")")       # a formula: refused
    ws.cell(row=3, column=dc, value="๒")                              # Thai digit: different
    ws.cell(row=3, column=pc, value=" dd_province:๖๗๐๒ | dla:67-001 ")  # Thai/Arabic digits
    ws.cell(row=4, column=dc, value="อาจจะ")                          # unknown word
    extra = [("nope:1 | pea:X1", "same"),                             # no such complaint
             ("pea:X1", "same"),                                      # not a pair
             ("pea:X1 | pea:X1", "different"),                        # one complaint twice
             (None, "same"),                                          # no pair id
             ("=HYPERLINK(\"http://evil\",\"pea:X1 | pea:X2\")", "same"),  # formula id
             ("pea:X1 | pea:X2", f"โทร {CLEAR_PHONE}"),                # junk with a phone
             ("pea:X2 | pea:X1", "S"),                                 # ok: later row wins
             (None, None)]                                             # empty: not a row
    for i, (pair, dec) in enumerate(extra, start=5):
        ws.cell(row=i, column=pc, value=pair)
        ws.cell(row=i, column=dc, value=dec)
    wb.save(path)
    res = review.import_decisions(con, path)
    assert res.read == 10 and res.accepted + res.rejected == res.read
    assert (res.accepted, res.rejected, res.decided) == (2, 8, 2)
    got = dict(((l, r), d) for l, r, d in con.execute(
        "SELECT left_id, right_id, decision FROM complaint_link_decisions").fetchall())
    assert got == {("dd_province:6702", "dla:๖๗-๐๐๑"): "different",
                   ("pea:X1", "pea:X2"): "same"}
    out = res.rejected_path
    assert out == tmp_path / "h.xlsx.rejected.csv"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    table = pd.read_csv(out, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert table["แถว / row"].tolist() == ["2", "4", "5", "6", "7", "8", "9", "10"]
    assert set(table["ชีต / sheet"]) == {"คู่รอตรวจ"}
    assert table["คอลัมน์ / column"].tolist()[:3] == ["การตัดสิน"] * 2 + ["รหัสคู่ (ห้ามแก้)"]
    problems = table["ปัญหา / problem"].tolist()
    assert "เป็นสูตร" in problems[0] and "a formula" in problems[0]
    assert "ไม่รู้จักคำว่า 'อาจจะ'" in problems[1] and "'เรื่องเดียวกัน' หรือ 'คนละเรื่อง'" in problems[1]
    assert "ไม่พบเรื่อง 'nope:1'" in problems[2]
    assert "ไม่ถูกรูปแบบ" in problems[3] and "ทั้งสองฝั่ง" in problems[4]
    assert "ไม่มีรหัสคู่" in problems[5] and "เป็นสูตร" in problems[6]
    # masked, and inert when opened in a spreadsheet
    raw = out.read_text(encoding="utf-8-sig")
    assert CLEAR_PHONE not in raw and "xxx-5678" in raw
    assert pii.scan_paths([out]) == {}
    assert "\n=" not in raw and ",=" not in raw
    assert any(m.startswith("ไฟล์ h.xlsx ชีต คู่รอตรวจ แถว 2 คอลัมน์ 'การตัดสิน'")
               for m in res.problems)
    # fixed and imported again: the rejected file is a review file too; then it goes away
    fixed = table.copy()
    fixed.loc[:, "การตัดสิน"] = ""
    fixed.loc[0, "การตัดสิน"] = "ซ้ำ"
    fixed.to_csv(out, index=False, encoding="utf-8-sig")
    again = review.import_decisions(con, out)
    # the bad pair ids are still bad; the rows without a pair and a decision are no rows
    assert (again.read, again.decided, again.pending, again.rejected) == (7, 1, 2, 4)


def test_files_that_are_not_review_files(con, tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ReviewFileError, match="อ่านไฟล์ .* ไม่ได้"):
        review.import_decisions(con, bad)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ReviewFileError, match="ไม่มีหัวคอลัมน์ 'รหัสคู่ \\(ห้ามแก้\\)'"):
        review.import_decisions(con, other)
    with pytest.raises(ReviewFileError, match=r"\.xlsx หรือ \.csv"):
        review.import_decisions(con, tmp_path / "x.txt")


def test_tis620_csv_in_english_headers(con, tmp_path):
    path = tmp_path / "tis.csv"
    heads = review.headers("en")
    body = f"{heads['pair']},{heads['decision']}\npea:X1 | pea:X2,คนละเรื่อง\n"
    path.write_bytes(body.encode("cp874"))
    res = review.import_decisions(con, path)
    assert (res.decided, res.rejected) == (1, 0)


# --- the command ----------------------------------------------------------------------

@pytest.fixture
def db_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ONEPLAN_PII_SALT", SALT.decode())
    path = tmp_path / "c.duckdb"
    c = duckdb.connect(str(path))
    _schema(c)
    c.execute("INSERT INTO meta VALUES ('synthetic', 'true')")
    _insert(c, ROWS)
    _pairs(c, PAIRS)
    c.close()
    return path


def test_cli_export_and_import(db_file, tmp_path, capsys):
    from oneplan import cli

    out = tmp_path / "คู่รอตรวจ.xlsx"
    assert cli.main(["complaints", "review", "export", str(out), "--db", str(db_file),
                     "--province", "40"]) == 0
    assert "3" in capsys.readouterr().out and out.exists()
    _fill(out, {2: "same", 3: "nonsense"})
    assert cli.main(["complaints", "review", "import", str(out), "--db", str(db_file)]) == 1
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and "ปฏิเสธ 1 แถว" in printed[0]
    _fill(out, {3: "different"})
    assert cli.main(["complaints", "review", "import", str(out), "--db", str(db_file),
                     "--relink"]) == 0
    assert "linked 6 records" in capsys.readouterr().out
    assert cli.main(["complaints", "review", "export", "--db", str(db_file)]) == 2
    assert cli.main(["complaints", "review", "import", str(tmp_path / "none.xlsx"),
                     "--db", str(db_file)]) == 2
    c = duckdb.connect(str(db_file), read_only=True)
    assert c.execute("SELECT count(*) FROM complaint_link_decisions").fetchone()[0] == 2
    # after the relink: the two decided pairs no longer wait; what waits is exactly the
    # relink's uncertain pairs without a decision (how many depends on the model's weights)
    undecided = c.execute(
        "SELECT count(*) FROM complaint_review_pairs p WHERE NOT EXISTS (SELECT 1 FROM "
        "complaint_link_decisions d WHERE d.left_id = p.left_id AND d.right_id = p.right_id)"
    ).fetchone()[0]
    assert review.pending_count(c, "40") == undecided < 3
    c.close()


# --- the report -----------------------------------------------------------------------

def test_report_states_pending_pairs_in_an_analyst_note(con):
    from oneplan.reports import complaints as report

    html = report.review_note(review.pending_count(con, "40"), "40", "th")
    assert html.startswith('<aside class="analyst-note">') and html.endswith("</aside>")
    assert "3 คู่" in html
    assert "<code>oneplan complaints review export คู่รอตรวจ_40.xlsx --province 40</code>" in html
    en = report.review_note(3, None, "en")
    assert "3 pairs" in en and "--province" not in en
    assert "ไม่มีคู่" in report.review_note(0, "40", "th")
    assert "<code>" not in report.review_note(0, "40", "th")


# --- decisions against the linkage --------------------------------------------------------

def _link_fixture():
    """Two pairs: X (one person's copy of one matter at two agencies: the linkage merges
    it) and Y (two people, two matters in one sub-district: the linkage keeps them apart)."""
    text_x = "ถนนหมู่ 4 บ้านโคกสี ชำรุดเป็นหลุมยาว 30 เมตร รถจักรยานยนต์ล้มบ่อย ขอให้ซ่อมด่วน"
    rows = [
        _row("dd_province:X-1", received="2024-06-03", category="road", sub="400103", moo=4,
             first="ประยุทธ", last="สายทอง", pid=CLEAR_ID, phone="0812345678", house="45",
             text=text_x),
        _row("doh:X-2", received="2024-06-05", category="road", sub="400103", moo=4,
             first="ประยุทธ", last="สายทอง", pid=CLEAR_ID, phone="0812345678", house="45",
             text=text_x),
        _row("dd_province:Y-1", received="2024-06-10", category="flood", sub="400104", moo=2,
             first="บุญมี", last="แก้วกล้า", pid=_id_with_check_digit("310050012345"),
             text="น้ำท่วมขังถนนหน้าวัดหมู่ 2 ระบายไม่ทัน"),
        _row("dla:Y-2", received="2024-06-12", category="garbage", sub="400104", moo=2,
             first="สุดา", last="พรหมมา", pid=_id_with_check_digit("340990054321"),
             text="ท่อระบายน้ำอุดตันเพราะขยะ น้ำเอ่อล้นถนน"),
    ]
    c = duckdb.connect()
    _schema(c)
    _insert(c, rows)
    return c


def _together(c, a, b):
    got = dict(c.execute("SELECT complaint_id, cluster_id FROM complaint_clusters "
                         "WHERE complaint_id IN (?, ?)", [a, b]).fetchall())
    return got[a] == got[b]


def test_fixture_pairs_link_as_the_decisions_must_overturn(monkeypatch):
    monkeypatch.setenv("ONEPLAN_PII_SALT", SALT.decode())
    c = _link_fixture()
    linkage.link(c, incremental=False)
    assert _together(c, "dd_province:X-1", "doh:X-2")
    assert not _together(c, "dd_province:Y-1", "dla:Y-2")


def test_decisions_survive_every_relink(monkeypatch, tmp_path):
    monkeypatch.setenv("ONEPLAN_PII_SALT", SALT.decode())
    c = _link_fixture()
    linkage.link(c, incremental=False)
    decisions = tmp_path / "decisions.csv"
    heads = review.headers("th")
    pd.DataFrame({heads["pair"]: ["dd_province:X-1 | doh:X-2", "dd_province:Y-1 | dla:Y-2"],
                  heads["decision"]: ["คนละเรื่อง", "เรื่องเดียวกัน"]}).to_csv(
        decisions, index=False, encoding="utf-8-sig")
    assert review.import_decisions(c, decisions).decided == 2
    linkage.link(c, incremental=False)
    assert not _together(c, "dd_province:X-1", "doh:X-2")   # 'different' splits
    assert _together(c, "dd_province:Y-1", "dla:Y-2")        # 'same' joins
    # an incremental link with a new copy of X's matter keeps both decisions
    new = _row("pea:X-3", received="2024-06-06", category="road", sub="400103", moo=4,
               first="ประยุทธ", last="สายทอง", pid=CLEAR_ID, house="45",
               text="ถนนหมู่ 4 บ้านโคกสี ชำรุดเป็นหลุมยาว 30 เมตร ขอให้ซ่อม")
    _insert(c, [new])
    linkage.link(c)
    assert not _together(c, "dd_province:X-1", "doh:X-2")
    assert _together(c, "dd_province:Y-1", "dla:Y-2")
    linkage.link(c, incremental=False)
    assert not _together(c, "dd_province:X-1", "doh:X-2")
    assert _together(c, "dd_province:Y-1", "dla:Y-2")


def test_decisions_table_is_in_the_schema():
    c = duckdb.connect()
    c.execute(db.schema_sql())
    cols = [r[0] for r in c.execute("DESCRIBE complaint_link_decisions").fetchall()]
    assert cols == ["left_id", "right_id", "decision", "decided_by", "source_file",
                    "source_row", "decided_at"]

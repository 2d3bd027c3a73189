"""Import of the files people really have (oneplan.data.ingest): a folder of deliberately broken
files, one per error type, with the exact messages checked and no row lost.

Every test works on its own copy of a tiny Surin (32) sample database; the conftest
session database is never written to.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest

from plan_free_db import build_plan_free
from oneplan.data import ingest
from oneplan.cli import main as cli_main

NEEDS_TH = ["ลำดับที่", "ปีงบประมาณ", "รหัสหมู่บ้าน", "ประเภทความต้องการ", "รายละเอียดความต้องการ",
            "จำนวนครัวเรือนที่ได้รับประโยชน์", "งบประมาณโดยประมาณ (บาท)", "วันที่เสนอ"]
NEEDS_EN = ["Item no.", "Fiscal year", "Village code", "Category", "Description", "Households",
            "Estimated cost (baht)", "Submitted on"]


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ingest-db") / "base.duckdb"
    build_plan_free(path)
    return path


@pytest.fixture
def dbfile(base_db, tmp_path) -> Path:
    path = tmp_path / "oneplan.duckdb"
    shutil.copy(base_db, path)
    return path


def _csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _xlsx(path: Path, rows: list[list], sheet: str = "Sheet1", merges: tuple[str, ...] = ()
          ) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    wb.save(path)
    return path


def _run(dbfile: Path, *files: Path, **kw) -> list[ingest.FileResult]:
    results = ingest.import_files(list(files), dbfile, **kw)
    for fr in results:
        for s in fr.sheets:   # the standard: nothing is lost
            assert s.read == s.accepted + s.rejected
    return results


def _one(results) -> ingest.SheetResult:
    (fr,) = results
    assert fr.error is None, fr.error
    (s,) = fr.sheets
    return s


def _texts(s: ingest.SheetResult, lang: str = "en") -> list[str]:
    return [p.text(lang) for p in s.problems]


def _table(dbfile: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(dbfile), read_only=True)
    try:
        return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    finally:
        con.close()


def _need(item, village="32010101", category="แหล่งน้ำและประปา", when="15/03/2569",
          cost="1,250,000", fy="2570"):
    return [str(item), fy, village, category, f"ความต้องการที่ {item}", "120", cost, when]


# --- the broken folder -----------------------------------------------------------------

def test_bad_village_codes(dbfile, tmp_path):
    f = _csv(tmp_path / "villages.csv", [NEEDS_TH, _need(1), _need(2, village="3201011"),
                                         _need(3, village="32019901"),
                                         _need(4, village="32010199")])
    s = _one(_run(dbfile, f))
    assert (s.read, s.inserted, s.rejected) == (4, 1, 3)
    assert _texts(s) == [
        'villages.csv, row 3, column C "รหัสหมู่บ้าน": "3201011" is not a village code: '
        'expected 8 digits, e.g. 32010101',
        'villages.csv, row 4, column C "รหัสหมู่บ้าน": village code 32019901 not found: there '
        'is no sub-district 320199 (the first 6 digits must be a sub-district code)',
        'villages.csv, row 5, column C "รหัสหมู่บ้าน": village code 32010199 not found: '
        'sub-district 320101 has no หมู่ 99 (it has หมู่ 1–14)',
    ]
    assert s.problems[2].text("th") == (
        'villages.csv, แถว 5, คอลัมน์ C "รหัสหมู่บ้าน": ไม่พบรหัสหมู่บ้าน 32010199: '
        'ตำบลในเมือง (320101) ไม่มีหมู่ที่ 99 (มีหมู่ที่ 1–14)')
    assert [p.code for p in s.problems] == ["village_format", "village_unknown",
                                           "village_unknown"]


def test_unknown_category(dbfile, tmp_path):
    f = _csv(tmp_path / "category.csv", [NEEDS_TH, _need(1, category="ประปา"),
                                         _need(2, category="Roads and transport"),
                                         _need(3, category="water")])
    s = _one(_run(dbfile, f))
    assert (s.read, s.accepted, s.rejected) == (3, 2, 1)
    (p,) = s.problems
    assert p.text("th").startswith(
        'category.csv, แถว 2, คอลัมน์ D "ประเภทความต้องการ": "ประปา" ไม่อยู่ในรายการ: '
        "ต้องเป็นหนึ่งใน แหล่งน้ำและประปา, ถนนและการคมนาคม,")
    assert p.en.startswith('"ประปา" is not in the list: expected one of water (Water and '
                           "water supply), road (Roads and transport),")


def test_bad_dates_and_be_ce_ambiguity(dbfile, tmp_path):
    f = _csv(tmp_path / "dates.csv", [
        NEEDS_TH, _need(1, when="31/02/2567"), _need(2, when="15/03/67"),
        _need(3, when="15 มี.ค. 2567"), _need(4, when="2024-03-15"), _need(5, fy="2027"),
        _need(6, when="๑๕/๐๓/๒๕๖๗"), _need(7, when="เมื่อวาน")])
    s = _one(_run(dbfile, f))
    assert (s.read, s.accepted, s.rejected) == (7, 3, 4)
    assert [p.en for p in s.problems] == [
        '"31/02/2567" is not a date: expected a date such as 15/03/2567 or 15 มี.ค. 2567 '
        "('31/02/2567' is not a real date: กุมภาพันธ์ 2567 (February 2024) has 29 days.)",
        '"15/03/67" has a two-digit year, which could be 2567 (พ.ศ.) or 2067 (ค.ศ.): write '
        "the full year, e.g. 15/03/2567",
        '"2027" looks like a ค.ศ. (CE) year: fiscal years are written in พ.ศ. (CE 2027 = '
        "พ.ศ. 2570)",
        '"เมื่อวาน" is not a date: expected a date such as 15/03/2567 or 15 มี.ค. 2567 '
        "(Cannot read 'เมื่อวาน' as a date; write it like 15/03/2567, 2024-03-15 or "
        "15 มีนาคม 2567.)",
    ]
    assert [p.th for p in s.problems[1:3]] == [
        '"15/03/67" มีปีเพียง 2 หลัก อาจเป็น พ.ศ. 2567 หรือ ค.ศ. 2067: ให้เขียนปีเต็ม 4 หลัก '
        "เช่น 15/03/2567",
        '"2027" ดูเหมือนปี ค.ศ.: ปีงบประมาณต้องเป็น พ.ศ. (ค.ศ. 2027 = พ.ศ. 2570)',
    ]
    assert [p.column for p in s.problems] == ["H", "H", "B", "H"]
    # พ.ศ. with Thai month, ค.ศ. ISO and Thai digits all give 15 March 2024
    dates = {r[0]: r[10] for r in _table(dbfile, "needs")}
    assert {dates[f"2570-32010101-00{i}"] for i in (3, 4, 6)} == {date(2024, 3, 15)}


def test_thai_digits_and_thousands_separators(dbfile, tmp_path):
    f = _csv(tmp_path / "numbers.csv", [
        NEEDS_TH,
        ["๑", "๒๕๗๐", "๓๒๐๑๐๑๐๑", "ถนนและการคมนาคม", "ถนน", "๑,๒๐๐", "๒,๕๐๐,๐๐๐.๕๐ บาท", ""],
        ["2", "2570", "32010101", "road", "ถนน", "1,200 ครัวเรือน", "1.5 ล้านบาท", ""],
        ["3", "2570", "32010101", "road", "ถนน", "12.5", "1.250.000", ""],
        ["4", "2570", "32010101", "road", "ถนน", "-3", "-5", ""]])
    s = _one(_run(dbfile, f))
    assert (s.read, s.accepted, s.rejected) == (4, 2, 2)
    assert _texts(s) == [
        'numbers.csv, row 4, column F "จำนวนครัวเรือนที่ได้รับประโยชน์": "12.5" is not a whole '
        "number: expected a whole number such as 120",
        'numbers.csv, row 4, column G "งบประมาณโดยประมาณ (บาท)": "1.250.000" is not a number: '
        "expected a number such as 1,234.50",
        'numbers.csv, row 5, column F "จำนวนครัวเรือนที่ได้รับประโยชน์": "-3" is negative: '
        "expected 0 or more",
        'numbers.csv, row 5, column G "งบประมาณโดยประมาณ (บาท)": "-5" cannot be used: the '
        "amount must be 0 or more (baht)",
    ]
    rows = {r[0]: r for r in _table(dbfile, "needs")}
    assert rows["2570-32010101-001"][8:10] == (1200, 2500000.5)
    assert rows["2570-32010101-002"][8:10] == (1200, 1500000.0)


def test_title_rows_merged_group_header_and_two_row_header(dbfile, tmp_path):
    rows = [
        ["แผนพัฒนาหมู่บ้าน ตำบลในเมือง อำเภอเมืองสุรินทร์"] + [None] * 7,
        ["ปีงบประมาณ 2570"] + [None] * 7,
        [None] * 8,
        ["ลำดับที่", "ปีงบประมาณ", "ที่ตั้ง", None, "ความต้องการ", None, "งบประมาณโดยประมาณ (บาท)",
         "วันที่เสนอ"],
        [None, None, "รหัสหมู่บ้าน", None, "ประเภท", "รายละเอียด", None, None],
        [1, 2570, 32010101, None, "แหล่งน้ำและประปา", "ขุดลอกสระ", 250000,
         datetime(2026, 3, 15)],
        [2, 2570, 32010102, None, "การเกษตร", "ปลูกผัก", "90,000", datetime(2569, 3, 16)],
    ]
    f = _xlsx(tmp_path / "titled.xlsx", rows, sheet="แผนหมู่บ้าน",
              merges=("A1:H1", "A2:H2", "C4:D4", "E4:F4", "A4:A5", "B4:B5", "G4:G5", "H4:H5"))
    s = _one(_run(dbfile, f))
    assert (s.sheet, s.kind, s.read, s.inserted, s.rejected) == ("แผนหมู่บ้าน", "needs", 2, 2, 0)
    got = {r[0]: (r[2], r[6], r[10], r[-1]) for r in _table(dbfile, "needs")}
    # source_row is the row the user sees; an Excel date typed with a พ.ศ. year is read as พ.ศ.
    assert got == {"2570-32010101-001": ("32010101", "water", date(2026, 3, 15), 6),
                   "2570-32010102-002": ("32010102", "agriculture", date(2026, 3, 16), 7)}


def test_tis620_and_utf8_bom_csv(dbfile, tmp_path):
    rows = [NEEDS_TH, _need(1), _need(2)]
    a = _csv(tmp_path / "tis620.csv", rows, encoding="cp874")
    b = _csv(tmp_path / "bom.csv", [NEEDS_TH, _need(3)], encoding="utf-8-sig")
    results = _run(dbfile, a, b)
    assert [(fr.sheets[0].read, fr.sheets[0].inserted) for fr in results] == [(2, 2), (1, 1)]
    descriptions = sorted(r[7] for r in _table(dbfile, "needs"))
    assert descriptions == ["ความต้องการที่ 1", "ความต้องการที่ 2", "ความต้องการที่ 3"]


def test_wrong_encoding_is_an_error_never_mojibake(dbfile, tmp_path):
    text = "\r\n".join(",".join(r) for r in [NEEDS_TH, _need(1)])
    moji = tmp_path / "mojibake.csv"
    moji.write_bytes(text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8"))
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Item no.,Fiscal year,Village code,Category,Description\r\n"
                      "1,2570,32010101,water,Café près de l'école\r\n".encode("cp1252"))
    sjis = tmp_path / "sjis.csv"
    sjis.write_bytes("Item no.,Fiscal year,Village code,Category,Description\r\n"
                     "1,2570,32010101,water,日本語のテキスト\r\n".encode("shift_jis"))
    results = _run(dbfile, moji, latin, sjis)
    assert [str(fr.error) for fr in results] == [
        'mojibake.csv: the Thai text in it is already garbled (mojibake "à¸¥à¸³à¸”à¸±" on '
        'line 1): it was opened with a wrong encoding and saved; use the original file',
        'latin.csv: cannot read it: it is not UTF-8, and read as TIS-620 it gives garbled text '
        '("water,Caf้ pr่s de" on line 2); save it again as "CSV UTF-8"',
        'sjis.csv: cannot read it: it is neither UTF-8 nor TIS-620/cp874 (byte 0x93 on line '
        '2); save it again as "CSV UTF-8"',
    ]
    assert results[2].error.th == ('อ่านไฟล์ไม่ได้: ไม่ใช่ UTF-8 และไม่ใช่ TIS-620/cp874 (ไบต์ 0x93 '
                                   'บรรทัด 2); ให้บันทึกใหม่เป็น "CSV UTF-8"')
    assert all(not fr.sheets for fr in results)
    assert _table(dbfile, "needs") == []


def test_missing_required_column_rejects_every_row_with_the_reason(dbfile, tmp_path):
    header = [h for h in NEEDS_TH if h != "ประเภทความต้องการ"]
    f = _csv(tmp_path / "nocategory.csv",
             [header] + [[c for i, c in enumerate(_need(n)) if i != 3] for n in (1, 2)])
    s = _one(_run(dbfile, f))
    assert (s.read, s.accepted, s.rejected) == (2, 0, 2)
    assert _texts(s) == [
        'nocategory.csv, row 2, column "ประเภทความต้องการ": the file has no column '
        '"ประเภทความต้องการ" (Category), which is required',
        'nocategory.csv, row 3, column "ประเภทความต้องการ": the file has no column '
        '"ประเภทความต้องการ" (Category), which is required',
    ]
    # the rejects file has the column, in template layout, ready to be filled in
    wb = openpyxl.load_workbook(tmp_path / "nocategory.rejected.xlsx")
    ws = wb["ความต้องการ"]
    assert ws.cell(2, 5).value == "ประเภทความต้องการ *"
    assert ws.cell(4, 5).value is None and ws.cell(4, 6).value == "ความต้องการที่ 1"


def test_duplicate_key_inside_the_file_rejects_all_copies(dbfile, tmp_path):
    f = _csv(tmp_path / "dupes.csv", [NEEDS_TH, _need(1), _need(2), _need(1, cost="5,000"),
                                      _need(3)])
    s = _one(_run(dbfile, f))
    assert (s.read, s.accepted, s.rejected) == (4, 2, 2)
    assert _texts(s) == [
        'dupes.csv, row 2, column A "ลำดับที่": key 2570-32010101-001 appears again in row(s) 4 '
        "of this file: keep one",
        'dupes.csv, row 4, column A "ลำดับที่": key 2570-32010101-001 appears again in row(s) 2 '
        "of this file: keep one",
    ]
    assert s.problems[0].th == ("รหัส 2570-32010101-001 ซ้ำกับแถว 4 ในไฟล์เดียวกัน: "
                                "เก็บไว้แถวเดียว")


PROPOSALS_EN = ["Project ID", "Fiscal year", "Project name", "Agency", "Village code",
                "Category", "Strategic issue no.", "Cost (baht)"]


def test_unknown_agency_and_strategy_in_proposals(dbfile, tmp_path):
    f = _csv(tmp_path / "proposals.csv", [
        PROPOSALS_EN,
        ["P-1", "2570", "ประปา", "32-DPT", "32010101", "water", "1", "2,500,000"],
        ["P-2", "2570", "ถนน", "สำนักงานโยธาธิการและผังเมืองจังหวัดสุรินทร์", "32010102",
         "road", "2", "900,000"],
        ["P-3", "2570", "ฝาย", "32-DTP", "32010101", "water", "1", "500,000"],
        ["P-4", "2570", "ฝาย", "กรมที่ไม่มีจริง", "32010101", "water", "9", "0"]])
    s = _one(_run(dbfile, f))
    assert (s.kind, s.read, s.accepted, s.rejected) == ("proposals", 4, 2, 2)
    assert _texts(s) == [
        'proposals.csv, row 4, column D "Agency": agency "32-DTP" is not in the agencies '
        "register: expected an agency id or its full name (did you mean 32-DPT?)",
        'proposals.csv, row 5, column D "Agency": agency "กรมที่ไม่มีจริง" is not in the '
        "agencies register: expected an agency id or its full name",
        'proposals.csv, row 5, column G "Strategic issue no.": province 32 has no strategic '
        "issue 9 (it has 1, 2, 3, 4, 5)",
        'proposals.csv, row 5, column H "Cost (baht)": "0" cannot be used: the amount must be '
        "more than 0 (baht)",
    ]
    got = {r[0]: (r[2], r[3], r[4], r[6]) for r in _table(dbfile, "proposals")}
    assert got == {"P-1": ("32", "3201", "320101", "32-DPT"),
                   "P-2": ("32", "3201", "320101", "32-DPT")}


PROGRESS_TH = ["รหัสโครงการ", "ปีงบประมาณ", "ไตรมาส", "เบิกจ่ายสะสม (บาท)", "ผลการดำเนินงาน (%)"]


def test_progress_quarter_out_of_range_and_unknown_project(dbfile, tmp_path):
    props = _csv(tmp_path / "proposals.csv", [
        PROPOSALS_EN, ["P-1", "2570", "ประปา", "32-DPT", "32010101", "water", "1", "2,500,000"]])
    prog = _csv(tmp_path / "progress.csv", [
        PROGRESS_TH, ["P-1", "2570", "ไตรมาส ๑", "100,000", "10%"],
        ["P-1", "2570", "5", "200,000", "20"], ["P-1", "2570", "2", "200,000", "120"],
        ["P-9", "2570", "2", "1", "1"]])
    results = _run(dbfile, prog, props)   # proposals load first whatever the order given
    assert [fr.path.name for fr in results] == ["proposals.csv", "progress.csv"]
    s = results[1].sheets[0]
    assert (s.kind, s.read, s.accepted, s.rejected) == ("progress", 4, 1, 3)
    assert _texts(s) == [
        'progress.csv, row 3, column C "ไตรมาส": "5" is not a quarter: expected 1, 2, 3 or 4',
        'progress.csv, row 4, column E "ผลการดำเนินงาน (%)": "120" is out of range: a '
        "percentage must be between 0 and 100",
        'progress.csv, row 5, column A "รหัสโครงการ": project P-9 not found: import its '
        "proposal first",
    ]
    assert _table(dbfile, "progress")[0][:5] == ("P-1", 2570, 1, 100000.0, 10.0)


def test_unknown_column_is_a_warning_and_kept_in_rejects(dbfile, tmp_path):
    f = _csv(tmp_path / "extra.csv", [NEEDS_TH + ["หมายเหตุ", "ประเภทความต้องกร"],
                                      _need(1) + ["ด่วน", "x"],
                                      _need(2, village="1") + ["รอ", "y"]])
    s = _one(_run(dbfile, f))
    assert s.warnings == [
        ('คอลัมน์ I "หมายเหตุ" ไม่ใช่คอลัมน์ของแบบฟอร์ม needs: ไม่ได้นำเข้า',
         'column I "หมายเหตุ" is not a column of the needs template: it was not imported'),
        ('คอลัมน์ J "ประเภทความต้องกร" ไม่ใช่คอลัมน์ของแบบฟอร์ม needs: ไม่ได้นำเข้า '
         '(หรือหมายถึง "ประเภทความต้องการ"?)',
         'column J "ประเภทความต้องกร" is not a column of the needs template: it was not '
         'imported (did you mean "ประเภทความต้องการ"?)')]
    ws = openpyxl.load_workbook(tmp_path / "extra.rejected.xlsx")["ความต้องการ"]
    headers = [c.value for c in ws[2]]
    assert headers[10:12] == ["หมายเหตุ", "ประเภทความต้องกร"]
    assert [c.value for c in ws[4]][10:12] == ["รอ", "y"]


def test_no_header_row_and_unsupported_format(dbfile, tmp_path):
    f = _csv(tmp_path / "nohead.csv", [["a", "b"], ["1", "2"]])
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    results = _run(dbfile, f, old)
    assert str(results[0].error).startswith(
        "nohead.csv: no header row with the template's column names in the first 30 rows "
        "(at least 2 columns needed), e.g. needs: ปีงบประมาณ, รหัสหมู่บ้าน,")
    assert str(results[1].error) == ("old.xls: old Excel .xls files are not read: save it as "
                                     ".xlsx")


# --- idempotency, updates and the fix-and-re-import loop -------------------------------

def test_reimport_changes_nothing_and_changed_rows_are_updated(dbfile, tmp_path):
    rows = [NEEDS_TH, _need(1), _need(2), _need(3, village="x")]
    f = _csv(tmp_path / "needs.csv", rows)
    first = _one(_run(dbfile, f))
    assert (first.inserted, first.rejected) == (2, 1)
    snapshot = {t: _table(dbfile, t) for t in ("needs", "need_stages")}
    again = _one(_run(dbfile, f))
    assert (again.read, again.inserted, again.updated, again.unchanged, again.rejected) == \
        (3, 0, 0, 2, 1)
    assert {t: _table(dbfile, t) for t in snapshot} == snapshot
    # a committee classified need 1 meanwhile: an edit of the file must not undo that
    con = duckdb.connect(str(dbfile))
    con.execute("UPDATE needs SET authority = 'lao', stage = 'tambon_screened' "
                "WHERE need_id = '2570-32010101-001'")
    con.close()
    rows[1] = _need(1, cost="2,000,000", when="16/03/2569")
    _csv(f, rows)
    third = _one(_run(dbfile, f))
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 1)
    need = {r[0]: r for r in _table(dbfile, "needs")}["2570-32010101-001"]
    assert (need[9], need[10], need[11], need[13]) == (2_000_000.0, date(2026, 3, 16), "lao",
                                                      "tambon_screened")
    stages = [(r[0], r[1], r[2]) for r in _table(dbfile, "need_stages")]
    assert ("2570-32010101-001", "submitted", date(2026, 3, 16)) in stages
    assert len(stages) == 2


def test_fixed_rejects_reimport(dbfile, tmp_path):
    rows = [NEEDS_TH, _need(1), _need(2, village="3201011"), _need(3, category="ประปา"),
            _need(4, when="15/03/67")]
    f = _csv(tmp_path / "village-plan.csv", rows)
    s = _one(_run(dbfile, f))
    assert (s.inserted, s.rejected) == (1, 3)
    rej = tmp_path / "village-plan.rejected.xlsx"
    wb = openpyxl.load_workbook(rej)
    ws = wb["ความต้องการ"]
    assert [c.value for c in ws[2]][-6:] == ["ไฟล์ต้นฉบับ", "ชีต", "แถว", "คอลัมน์ที่ผิด", "ปัญหา",
                                            "ปัญหา (อังกฤษ)"]
    assert [c.value for c in ws[4]][-6:-2] == ["village-plan.csv", None, 3, "รหัสหมู่บ้าน"]
    assert ws["D4"].fill.fgColor.rgb.endswith("FFC7CE")   # the wrong cell is marked
    assert [r[:7] for r in wb["ปัญหา"].iter_rows(min_row=2, values_only=True)] == [
        ("ความต้องการ", 4, "village-plan.csv", None, 3, "D", "รหัสหมู่บ้าน"),
        ("ความต้องการ", 5, "village-plan.csv", None, 4, "E", "ประเภทความต้องการ"),
        ("ความต้องการ", 6, "village-plan.csv", None, 5, "I", "วันที่เสนอ")]
    # fix two of the three rows in the rejects file and import it
    ws["D4"] = "32010102"
    ws["E5"] = "แหล่งน้ำและประปา"
    wb.save(rej)
    s2 = _one(_run(dbfile, rej))
    assert (s2.read, s2.inserted, s2.rejected) == (3, 2, 1)
    # the rejects file now holds only the row still wrong, with its reason
    ws = openpyxl.load_workbook(rej)["ความต้องการ"]
    assert ws.max_row == 4 and ws["B4"].value == "4"
    # still pointing at the line first typed, not at the rejects file
    assert [c.value for c in ws[4]][-6:-2] == ["village-plan.csv", None, 5, "วันที่เสนอ"]
    assert s2.problems[0].text().startswith(
        'village-plan.rejected.xlsx, sheet "ความต้องการ", row 6, column I "วันที่เสนอ": ')
    assert ws.cell(4, ws.max_column).value.startswith('"15/03/67" has a two-digit year')
    ws.parent["ความต้องการ"]["I4"] = "15/03/2569"
    ws.parent.save(rej)
    s3 = _one(_run(dbfile, rej))
    assert (s3.read, s3.inserted, s3.rejected) == (1, 1, 0)
    assert len(_table(dbfile, "needs")) == 4
    # the fixed rows keep the source they were first typed in
    sources = {r[0]: (r[18], r[19], r[20]) for r in _table(dbfile, "needs")}
    assert sources == {"2570-32010101-001": ("village-plan.csv", None, 2),
                       "2570-32010102-002": ("village-plan.csv", None, 3),
                       "2570-32010101-003": ("village-plan.csv", None, 4),
                       "2570-32010101-004": ("village-plan.csv", None, 5)}
    # and the original file again: the accepted rows are unchanged, the broken rows again
    # rejected, nothing duplicated
    s4 = _one(_run(dbfile, f, rejects_dir=tmp_path / "rejects"))
    assert (s4.unchanged, s4.rejected) == (1, 3)
    assert len(_table(dbfile, "needs")) == 4
    assert (tmp_path / "rejects" / "village-plan.rejected.xlsx").exists()


def test_a_file_loads_all_or_nothing(dbfile, tmp_path, monkeypatch):
    f = _csv(tmp_path / "needs.csv", [NEEDS_TH, _need(1), _need(2)])

    def boom(*a, **k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(ingest.load, "submitted_stage", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        _run(dbfile, f)
    assert _table(dbfile, "needs") == []


def test_cli_import_exit_codes_and_summary(dbfile, tmp_path, capsys):
    good = _csv(tmp_path / "good.csv", [NEEDS_TH, _need(1)])
    assert cli_main(["import", str(good), "--db", str(dbfile)]) == 0
    out = capsys.readouterr().out
    assert "อ่าน 1 แถว, รับ 1 (ใหม่ 1, ปรับปรุง 0, ไม่เปลี่ยน 0), ไม่รับ 0" in out
    assert "total: read 1 rows = accepted 1 + rejected 0" in out
    bad = _csv(tmp_path / "bad.csv", [NEEDS_TH, _need(2), _need(3, village="1")])
    assert cli_main(["import", str(bad), str(good), "--db", str(dbfile), "--kind",
                     "needs"]) == 1
    out = capsys.readouterr().out
    assert "total: read 3 rows = accepted 2 + rejected 1" in out
    assert f"rejected rows are in {tmp_path / 'bad.rejected.xlsx'}" in out
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Fiscal year,Village code\r\n2570,Café\r\n".encode("cp1252"))
    assert cli_main(["import", str(latin), "--db", str(dbfile)]) == 2
    assert "1 file(s) could not be read" in capsys.readouterr().out
    assert cli_main(["import", str(good), "--db", str(tmp_path / "none.duckdb")]) == 2


def test_two_files_of_one_import_with_the_same_key_are_reported(dbfile, tmp_path):
    a = _csv(tmp_path / "a.csv", [NEEDS_TH, _need(1), _need(2)])
    b = _csv(tmp_path / "b.csv", [NEEDS_TH, _need(1, cost="9,000")])
    ra, rb = _run(dbfile, a, b)
    assert (rb.sheets[0].updated, rb.sheets[0].warnings) == (1, [(
        "1 แถวมีรหัสซ้ำกับไฟล์ก่อนหน้าในการนำเข้าครั้งนี้ และแทนที่ข้อมูลนั้น: "
        "2570-32010101-001 (a.csv 2)",
        "1 row(s) have the key of a row of an earlier file of this import and replaced it: "
        "2570-32010101-001 (a.csv 2)")])


def test_summary_in_one_language_and_typed_formulas_stay_text(dbfile, tmp_path):
    f = _csv(tmp_path / "formula.csv", [NEEDS_TH, _need(1),
                                        ["=HYPERLINK(\"x\")", "2570", "x", "water", "d"]])
    results = _run(dbfile, f)
    th, en = ingest.summary_lines(results, "th"), ingest.summary_lines(results, "en")
    assert ingest.summary_lines(results) == [x for pair in zip(th, en) for x in pair]
    assert th[0] == ("! formula.csv (needs): อ่าน 2 แถว, รับ 1 (ใหม่ 1, ปรับปรุง 0, ไม่เปลี่ยน 0), "
                     "ไม่รับ 1")
    assert en[0] == ("  read 2 rows = accepted 1 (new 1, updated 0, unchanged 0) + "
                     "rejected 1")
    assert en[-1].startswith(f"  rejected rows are in {tmp_path / 'formula.rejected.xlsx'}")
    cell = openpyxl.load_workbook(tmp_path / "formula.rejected.xlsx")["ความต้องการ"]["B4"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("x")', "s")


STAGES_TH = ["รหัสความต้องการ", "ขั้นตอนการพิจารณา", "วันที่พิจารณา", "เหตุผล/หมายเหตุ",
             "รวมกับความต้องการรหัส"]


def test_committee_stages_set_the_current_stage(dbfile, tmp_path):
    needs = _csv(tmp_path / "needs.csv", [NEEDS_TH, _need(1), _need(2), _need(3)])
    stages = _csv(tmp_path / "stages.csv", [
        STAGES_TH,
        ["2570-32010101-001", "กบต. กลั่นกรองแล้ว", "10/04/2569", "", ""],
        ["2570-32010101-001", "amphoe_screened", "25 เม.ย. 2569", "", ""],
        ["2570-32010101-002", "merged", "10/04/2569", "ซ้ำ", "2570-32010101-001"],
        ["2570-32010101-003", "rejected", "10/04/2569", "", ""],
        ["2570-32010101-003", "merged", "10/04/2569", "", ""],
        ["2570-32010101-009", "rejected", "10/04/2569", "ไม่ใช่", ""]])
    rn, rs = _run(dbfile, stages, needs)   # needs load first
    s = rs.sheets[0]
    assert (s.kind, s.read, s.inserted, s.rejected) == ("need_stages", 6, 3, 3)
    assert [p.en for p in s.problems] == [
        'stage "rejected" needs a reason',
        'stage "merged" needs the ID of the need it was merged into',
        "need 2570-32010101-009 not found",
    ]
    current = {r[0]: (r[13], r[14]) for r in _table(dbfile, "needs")}
    assert current == {"2570-32010101-001": ("amphoe_screened", None),
                       "2570-32010101-002": ("merged", "2570-32010101-001"),
                       "2570-32010101-003": ("submitted", None)}
    before = _table(dbfile, "need_stages")
    again = _one(_run(dbfile, stages))
    assert (again.unchanged, again.inserted, again.updated) == (3, 0, 0)
    assert _table(dbfile, "need_stages") == before


def test_workbook_of_several_kinds_percent_cells_and_merged_data(dbfile, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "โครงการ"
    ws.append(["รหัสโครงการ", "ปีงบประมาณ", "ชื่อโครงการ", "หน่วยงาน", "รหัสตำบล", "รหัสหมู่บ้าน",
               "ประเภท", "งบประมาณ (บาท)", "วันเริ่มโครงการ", "วันสิ้นสุดโครงการ"])
    ws.append(["P-1", 2570, "ประปา", "32-DPT", "320101", "32010101", "water", 1_000_000,
               "01/11/2569", "30/06/2570"])
    ws.append(["P-2", 2570, "ถนน", "32-DPT", "320101", "32010201", "road", 500_000, None, None])
    ws.append(["P-3", 2570, "ถนน", "32-DPT", None, "32010101", "road", 500_000,
               "01/11/2569", "01/10/2569"])
    prog = wb.create_sheet("ติดตามผล")
    prog.append(["รหัสโครงการ", "ปีงบประมาณ", "ไตรมาส", "ผลการดำเนินงาน (%)"])
    prog.append(["P-1", 2570, 1, 0.25])
    prog.append([None, 2570, 2, 0.5])
    prog.merge_cells("A2:A3")   # one project id merged down over its quarters
    for r in (2, 3):
        prog.cell(r, 4).number_format = "0%"
    f = tmp_path / "agency.xlsx"
    wb.save(f)
    (fr,) = _run(dbfile, f)
    props, progress = fr.sheets
    assert (props.kind, props.read, props.accepted, props.rejected) == ("proposals", 3, 1, 2)
    assert [p.text() for p in props.problems] == [
        'agency.xlsx, sheet "โครงการ", row 3, column F "รหัสหมู่บ้าน": 32010201 is not inside '
        "320101 (Sub-district code)",
        'agency.xlsx, sheet "โครงการ", row 4, column J "วันสิ้นสุดโครงการ": the planned end is '
        "before the planned start"]
    assert (progress.kind, progress.read, progress.accepted) == ("progress", 2, 2)
    assert [r[:3] + (r[4],) for r in _table(dbfile, "progress")] == [
        ("P-1", 2570, 1, 25.0), ("P-1", 2570, 2, 50.0)]


def test_utf16_and_semicolon_csv(dbfile, tmp_path):
    text = "\r\n".join(";".join(r) for r in [NEEDS_TH, _need(1), _need(2)]) + "\r\n"
    f = tmp_path / "excel-unicode.csv"
    f.write_bytes(text.encode("utf-16"))
    s = _one(_run(dbfile, f))
    assert (s.read, s.inserted) == (2, 2)


def test_thai_typing_habits_and_sample_rows_replaced(dbfile, tmp_path):
    # นิคหิต + สระอา instead of สระอำ in the header and the value, เเ instead of แ
    header = [h.replace("ำ", "\u0e4d\u0e32") for h in NEEDS_TH]
    f = _csv(tmp_path / "typing.csv", [header, _need(1, category="เเหล่งน\u0e49\u0e4d\u0e32และประปา")])
    s = _one(_run(dbfile, f))
    assert (s.read, s.inserted, s.warnings) == (1, 1, [])
    assert _table(dbfile, "needs")[0][6] == "water"
    # a synthetic sample row with the same key becomes the user's row, marked real
    con = duckdb.connect(str(dbfile))
    con.execute("UPDATE needs SET synthetic = true, row_hash = NULL")
    con.close()
    again = _one(_run(dbfile, f))
    assert again.updated == 1
    assert _table(dbfile, "needs")[0][17] is False
    con = duckdb.connect(str(dbfile), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'last_import_at'").fetchone()
    con.close()


def test_progress_that_is_not_cumulative_is_warned(dbfile, tmp_path):
    props = _csv(tmp_path / "proposals.csv", [
        PROPOSALS_EN, ["P-1", "2570", "ประปา", "32-DPT", "32010101", "water", "1", "2,500,000"]])
    q12 = _csv(tmp_path / "q12.csv", [PROGRESS_TH, ["P-1", "2570", "1", "300,000", "20"],
                                      ["P-1", "2570", "2", "500,000", "40"]])
    _, first = _run(dbfile, props, q12)
    assert first.sheets[0].warnings == []
    q3 = _csv(tmp_path / "q3.csv", [PROGRESS_TH, ["P-1", "2570", "3", "200,000", "55"]])
    s = _one(_run(dbfile, q3))
    assert (s.inserted, s.warnings) == (1, [(
        "แถว 2: โครงการ P-1 ปี 2570 ไตรมาส 3: เบิกจ่ายสะสม 200,000 บาท น้อยกว่าไตรมาส 2 "
        "(500,000 บาท) — ตัวเลขต้องเป็นยอดสะสม",
        "row 2: project P-1 FY 2570 Q3: disbursed to date 200,000 baht is less than in Q2 "
        "(500,000 baht) — figures are cumulative")])


def test_values_under_no_header_are_warned_and_kept(dbfile, tmp_path):
    f = _csv(tmp_path / "headless.csv", [NEEDS_TH, _need(1) + ["", "โทร. ผู้ใหญ่บ้าน"],
                                         _need(2, village="9") + ["", "x"]])
    s = _one(_run(dbfile, f))
    assert s.warnings == [("คอลัมน์ J มีข้อมูล (ตั้งแต่แถว 2) แต่ไม่มีหัวตาราง: ไม่ได้นำเข้า",
                           "column J has values (from row 2) but no header: it was not "
                           "imported")]
    ws = openpyxl.load_workbook(tmp_path / "headless.rejected.xlsx")["ความต้องการ"]
    assert [c.value for c in ws[2]][10] == "(J)" and ws.cell(4, 11).value == "x"


def test_repeated_header_rows_and_columns(dbfile, tmp_path):
    f = _csv(tmp_path / "printed.csv", [NEEDS_TH + ["Fiscal year"], NEEDS_EN + [""],
                                        _need(1) + ["2571"], NEEDS_TH + [""], _need(2) + [""]])
    s = _one(_run(dbfile, f))
    assert (s.read, s.inserted, s.rejected) == (2, 2, 0)   # header rows are not data
    assert s.warnings == [('คอลัมน์ I "Fiscal year" ซ้ำกับคอลัมน์ B: ไม่ได้นำเข้า (ใช้คอลัมน์ B)',
                           'column I "Fiscal year" repeats column B: it was not imported '
                           "(column B was)")]


def test_proposal_province_from_agency_or_column(dbfile, tmp_path):
    f = _csv(tmp_path / "where.csv", [
        ["Project ID", "Fiscal year", "Project name", "Agency", "Province", "Category",
         "Cost (baht)"],
        ["P-1", "2570", "ฝึกอาชีพ", "32-PAO", "", "occupation", "100,000"],
        ["P-2", "2570", "ฝึกอาชีพ", "กรมที่ไม่มี", "", "occupation", "100,000"],
        ["P-3", "2570", "ฝึกอาชีพ", "กรมที่ไม่มี", "สุรินทร์", "occupation", "100,000"],
        ["P-4", "2570", "ฝึกอาชีพ", "32-PAO", "จังหวัดสุรินทร์", "occupation", "100,000"],
        ["P-5", "2570", "ฝึกอาชีพ", "32-PAO", "Atlantis", "occupation", "100,000"]])
    s = _one(_run(dbfile, f))
    assert (s.read, s.accepted) == (5, 2)
    # one reason per row: an unknown agency or province is not repeated as "province unknown"
    assert [(p.row, p.code) for p in s.problems] == [
        (3, "agency_unknown"), (4, "agency_unknown"), (6, "province_unknown")]
    assert {r[0]: r[2] for r in _table(dbfile, "proposals")} == {"P-1": "32", "P-4": "32"}


def test_hidden_and_headerless_sheets_are_named_not_read(dbfile, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "หมู่ 1"
    for r in (NEEDS_TH, _need(1)):
        ws.append(r)
    hidden = wb.create_sheet("หมู่ 2 (ซ่อน)")
    for r in (NEEDS_TH, _need(2)):
        hidden.append(r)
    hidden.sheet_state = "hidden"
    wb.create_sheet("สรุป").append(["รวมทั้งหมด", 1])
    wb.save(tmp_path / "moo.xlsx")
    (fr,) = _run(dbfile, tmp_path / "moo.xlsx")
    assert (fr.sheets[0].inserted, fr.hidden_sheets, fr.skipped_sheets) == (
        1, ["หมู่ 2 (ซ่อน)"], ["สรุป"])
    lines = ingest.summary_lines([fr], "en")
    assert '  sheet "หมู่ 2 (ซ่อน)" not read (2 rows): it is hidden (unhide it if it holds ' \
           'data to import)' in lines
    assert '  sheet "สรุป" not read (1 rows): no header row with the template\'s column ' \
           'names (add one if it holds data)' in lines
    # every row of the workbook is accounted for: 2 + 2 + 1 rows
    assert '  file moo.xlsx: 5 rows in the file = accepted 1 + rejected 0 + skipped 4 ' \
           '(header rows 1, rows of sheets not read 3)' in lines


def test_every_message_key_of_the_importer_exists():
    """Literal keys in ``message("…")`` and ``CellError(code, "…")`` calls resolve (the
    catalogue test checks ``text``/``texts`` calls only)."""
    import ast

    from oneplan.core import text as catalogue

    lib = Path(ingest.__file__).parent
    missing, seen = [], 0
    for path in sorted(lib.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            args = {"message": node.args[:1], "CellError": node.args[1:2]}.get(node.func.id, [])
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    seen += 1
                    try:
                        catalogue.text(arg.value, "th")
                    except KeyError as exc:
                        missing.append(f"{path.name}:{node.lineno} {exc}")
    assert seen > 50
    assert not missing, "\n".join(missing)

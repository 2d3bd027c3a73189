"""Import the committed folder of deliberately broken files (``tests/data/broken/``) in one
run: each file's counts and first message are checked, and no row is lost."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from plan_free_db import build_plan_free
from oneplan.data import ingest

BROKEN = Path(__file__).parent / "data" / "broken"


def _maker():
    spec = importlib.util.spec_from_file_location("make_broken", BROKEN / "make_broken.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# file -> (rows read, accepted, rejected, first problem in English) or the file error
EXPECTED = {
    "01_bad_village.csv": (4, 1, 3, 'row 3, column C "รหัสหมู่บ้าน": "3201011" is not a village '
                                    "code: expected 8 digits, e.g. 32010101"),
    "02_unknown_category.csv": (2, 1, 1, 'row 2, column D "ประเภทความต้องการ": "ประปา" is not in '
                                         "the list: expected one of water (Water and water "
                                         "supply), road (Roads and transport),"),
    "03_bad_date.csv": (2, 1, 1, 'row 2, column H "วันที่เสนอ": "31/02/2567" is not a date: '
                                 "expected a date such as 15/03/2567 or 15 มี.ค. 2567"),
    "04_be_ce_ambiguity.csv": (3, 1, 2, 'row 2, column H "วันที่เสนอ": "15/03/67" has a '
                                        "two-digit year, which could be 2567 (พ.ศ.) or 2067 "
                                        "(ค.ศ.): write the full year, e.g. 15/03/2567"),
    "05_thai_digits.csv": (2, 1, 1, 'row 3, column F "จำนวนครัวเรือนที่ได้รับประโยชน์": "๑๒.๕" is '
                                    "not a whole number: expected a whole number such as 120"),
    "06_thousands_separators.csv": (2, 1, 1, 'row 3, column G "งบประมาณโดยประมาณ (บาท)": '
                                             '"1.234.567,50" is not a number: expected a '
                                             "number such as 1,234.50"),
    "07_title_and_merged_header.xlsx": (2, 1, 1, 'sheet "แผนหมู่บ้าน", row 6, column E '
                                                 '"ประเภท": "อาชีพ" is not in the list:'),
    "08_tis620.csv": (2, 2, 0, None),
    "09_mojibake.csv": "the Thai text in it is already garbled (mojibake",
    "09_wrong_encoding.csv": "cannot read it: it is not UTF-8, and read as TIS-620 it gives "
                             "garbled text",
    "10_missing_required_column.xlsx": (2, 0, 2, 'sheet "แผนหมู่บ้าน", row 2, column '
                                                 '"ลำดับที่": the file has neither a '
                                                 '"รหัสความต้องการ" (Need ID) nor a "ลำดับที่" '
                                                 "(Item no.) column: one of them is required"),
    "11_duplicate_key.csv": (3, 1, 2, 'row 2, column A "ลำดับที่": key 2570-32010111-001 '
                                      "appears again in row(s) 4 of this file: keep one"),
    "12_unknown_agency.csv": (2, 1, 1, 'row 3, column D "Agency": agency "32-DTP" is not in '
                                       "the agencies register: expected an agency id or its "
                                       "full name (did you mean 32-DPT?)"),
    "13_quarter_out_of_range.csv": (2, 1, 1, 'row 3, column C "ไตรมาส": "5" is not a quarter: '
                                             "expected 1, 2, 3 or 4"),
}


def test_committed_broken_files_are_what_the_script_writes(tmp_path):
    mod = _maker()
    for name, data in mod.CSV_FILES.items():
        assert (BROKEN / name).read_bytes() == data, name
    assert sorted(p.name for p in ingest.expand_paths([BROKEN])) == sorted(EXPECTED)


@pytest.fixture
def folder_db(tmp_path) -> Path:
    path = tmp_path / "oneplan.duckdb"
    build_plan_free(path)
    return path


def test_import_the_broken_folder(folder_db, tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(BROKEN, folder)
    rejects = tmp_path / "rejects"
    results = ingest.import_files([folder], folder_db, rejects_dir=rejects)
    by_name = {fr.path.name: fr for fr in results}
    assert sorted(by_name) == sorted(EXPECTED)
    # the proposals file loads before the progress that cites its project
    names = [fr.path.name for fr in results if not fr.error]
    assert names.index("12_unknown_agency.csv") < names.index("13_quarter_out_of_range.csv")
    read = accepted = rejected = 0
    for name, expected in EXPECTED.items():
        fr = by_name[name]
        if isinstance(expected, str):
            assert fr.error is not None and fr.error.en.startswith(expected), name
            continue
        (s,) = fr.sheets
        assert (s.read, s.accepted, s.rejected) == expected[:3], name
        read, accepted, rejected = read + s.read, accepted + s.accepted, rejected + s.rejected
        if expected[3] is None:
            assert not s.problems and fr.rejects_path is None
        else:
            assert s.problems[0].text("en").startswith(f"{name}, {expected[3]}"), name
            assert fr.rejects_path == rejects / f"{Path(name).stem}.rejected.xlsx"
            assert fr.rejects_path.exists()
    assert (read, accepted, rejected) == (28, 12, 16)
    missing = by_name["10_missing_required_column.xlsx"].sheets[0].problems
    assert [p.text("en").split(": ", 1)[1] for p in missing[:2]] == [
        'the file has neither a "รหัสความต้องการ" (Need ID) nor a "ลำดับที่" (Item no.) column: '
        "one of them is required",
        'the file has no column "ประเภทความต้องการ" (Category), which is required']
    # every rejected row is in a rejects file, with its reasons
    import openpyxl
    kept = 0
    for f in rejects.glob("*.rejected.xlsx"):
        wb = openpyxl.load_workbook(f)
        ws = wb.worksheets[0]
        kept += ws.max_row - 3
        assert all(ws.cell(r, ws.max_column).value for r in range(4, ws.max_row + 1))
    assert kept == rejected
    # the whole folder again: nothing new, nothing changed
    again = ingest.import_files([folder], folder_db, rejects_dir=rejects)
    assert sum(fr.total("inserted") + fr.total("updated") for fr in again) == 0
    assert sum(fr.total("unchanged") for fr in again) == accepted

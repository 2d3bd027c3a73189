"""The Excel templates in data/templates/ match the column specs, and a template filled in
Thai imports."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from plan_free_db import build_plan_free
from oneplan.data import db, ingest, templates
from oneplan.data.templates import EN_HEADER_ROW, FIRST_DATA_ROW, HEADER_ROW, KINDS


def _cells(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb}


@pytest.mark.parametrize("name", list(KINDS))
def test_committed_template_matches_the_spec(name):
    kind = KINDS[name]
    path = templates.TEMPLATES_DIR / kind.template_file
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["คำอธิบาย", kind.sheet_th]
    ws = wb[kind.sheet_th]
    assert ws.cell(1, 1).value == f"{kind.title_th} / {kind.title_en}"
    assert [str(r) for r in ws.merged_cells.ranges][0].startswith("A1:")
    thai = [ws.cell(HEADER_ROW, j).value for j in range(1, len(kind.columns) + 1)]
    assert thai == [c.th + (" *" if c.required else "") for c in kind.columns]
    english = [ws.cell(EN_HEADER_ROW, j).value for j in range(1, len(kind.columns) + 1)]
    assert english == [c.en for c in kind.columns]
    assert ws.max_row == EN_HEADER_ROW   # no example rows in the empty template
    # a drop-down for every vocabulary column, fed from the hidden list sheet
    lists = wb["รายการ"]
    assert lists.sheet_state == "hidden"
    dvs = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    for j, col in enumerate(kind.columns, start=1):
        letter = openpyxl.utils.get_column_letter(j)
        if col.vocab is None:
            assert f"{letter}{FIRST_DATA_ROW}" not in dvs
            continue
        dv = dvs[f"{letter}{FIRST_DATA_ROW}"]
        sheet, rng = dv.formula1.split("!")
        assert sheet == "'รายการ'"
        values = [c.value for row in lists[rng.replace("$", "")] for c in row]
        assert values == [n[0] for n in col.vocab.values()]
    # the instructions list every column with what is expected
    listed = {r[0]: r for r in wb["คำอธิบาย"].iter_rows(values_only=True) if r and r[0]}
    for col in kind.columns:
        assert listed[col.th][1] == col.en and listed[col.th][4] == col.hint_en


def test_committed_templates_are_what_the_specs_write(tmp_path):
    written = templates.write_templates(tmp_path)
    assert sorted(p.name for p in written) == sorted(
        p.name for p in templates.TEMPLATES_DIR.glob("*.xlsx"))
    for p in written:
        assert _cells(p) == _cells(templates.TEMPLATES_DIR / p.name), (
            f"{p.name} is out of date: run `oneplan templates`")


def test_every_header_names_one_column_of_its_kind():
    for kind in KINDS.values():
        for col in kind.columns:
            for h in col.headers():
                assert ingest.match_header(kind, h) is col, (kind.name, h)
            assert ingest.match_header(kind, col.th + " *") is col


@pytest.fixture
def surin_db(tmp_path) -> Path:
    path = tmp_path / "oneplan.duckdb"
    build_plan_free(path)
    return path


def test_filled_examples_import_into_the_surin_sample(surin_db, tmp_path):
    files = [shutil.copy(templates.TEMPLATES_DIR / f"{k}.example.xlsx", tmp_path)
             for k in KINDS]
    results = ingest.import_files(files, surin_db)
    got = {fr.path.name: (s.read, s.inserted, s.rejected) for fr in results for s in fr.sheets}
    assert got == {"needs.example.xlsx": (3, 3, 0), "need_stages.example.xlsx": (4, 4, 0),
                   "proposals.example.xlsx": (2, 2, 0),
                   "progress.example.xlsx": (2, 2, 0)}
    assert not any(fr.skipped_sheets or fr.rejects_path for fr in results)


def test_empty_template_filled_in_thai_imports(surin_db, tmp_path):
    path = shutil.copy(templates.TEMPLATES_DIR / "needs.xlsx", tmp_path / "หมู่ 4 ในเมือง.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["ความต้องการ"]
    rows = [
        [None, "๑", "๒๕๗๐", "๓๒๐๑๐๑๐๔", "แหล่งน้ำและประปา", "ขุดเจาะบ่อบาดาล", "๖๐",
         "๔๕๐,๐๐๐ บาท", "๒ เม.ย. ๒๕๖๙", "๑"],
        [None, "๒", "ปีงบประมาณ ๒๕๗๐", "๓๒๐๑๐๑๐๔", "ไฟฟ้าและแสงสว่าง", "ติดตั้งไฟส่องสว่าง",
         "๓๕", "๑.๒ ล้านบาท", "๒ เมษายน พ.ศ. ๒๕๖๙", None],
    ]
    for i, row in enumerate(rows, start=FIRST_DATA_ROW):
        for j, v in enumerate(row, start=1):
            ws.cell(i, j, v)
    wb.save(path)
    (fr,) = ingest.import_files([path], surin_db)
    (s,) = fr.sheets
    assert (s.read, s.inserted, s.rejected) == (2, 2, 0)
    con = db.connect(surin_db)
    got = con.execute("SELECT need_id, category, households, estimated_cost, submitted_on, "
                      "strategy_no, source_file, source_row FROM needs ORDER BY need_id"
                      ).fetchall()
    con.close()
    from datetime import date
    assert got == [
        ("2570-32010104-001", "water", 60, 450000.0, date(2026, 4, 2), 1,
         "หมู่ 4 ในเมือง.xlsx", 4),
        ("2570-32010104-002", "electricity", 35, 1200000.0, date(2026, 4, 2), None,
         "หมู่ 4 ในเมือง.xlsx", 5),
    ]


def test_province_templates_have_lookup_sheets_and_import(surin_db, tmp_path):
    from oneplan.cli import main as cli_main

    out = tmp_path / "surin"
    assert cli_main(["templates", "--province", "32", "--db", str(surin_db), "--out",
                     str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(k.template_file
                                                           for k in KINDS.values())
    wb = openpyxl.load_workbook(out / "proposals.xlsx")
    assert wb.sheetnames == ["คำอธิบาย", "ข้อเสนอโครงการ", "รายการ", "หมู่บ้าน", "หน่วยงาน",
                             "ประเด็นยุทธศาสตร์"]
    con = db.connect(surin_db)
    n_villages = con.execute("SELECT count(*) FROM areas WHERE level = 'village'").fetchone()[0]
    con.close()
    assert wb["หมู่บ้าน"].max_row == n_villages + 1
    assert wb["หมู่บ้าน"]["A2"].value == "32010101" and wb["หมู่บ้าน"]["D2"].value == "ในเมือง"
    agency_ids = [row[0].value for row in wb["หน่วยงาน"].iter_rows(min_row=2)]
    assert "32-DPT" in agency_ids and agency_ids == sorted(agency_ids)
    formulas = {str(dv.sqref): dv.formula1
                for dv in wb["ข้อเสนอโครงการ"].data_validations.dataValidation}
    assert formulas["D4:D5000"] == "'หน่วยงาน'!$A$2:$A$" + str(wb["หน่วยงาน"].max_row)
    assert formulas["H4:H5000"] == f"'หมู่บ้าน'!$A$2:$A${n_villages + 1}"
    # filled in and imported: the look-up sheets are not data
    ws = wb["ข้อเสนอโครงการ"]
    for j, v in enumerate(["P-77", 2570, "ฝายชะลอน้ำ", "32-DPT", None, None, None, "32010101",
                           "water", 1, "80,000"], start=1):
        ws.cell(FIRST_DATA_ROW, j, v)
    wb.save(out / "proposals.xlsx")
    (fr,) = ingest.import_files([out / "proposals.xlsx"], surin_db)
    assert (fr.sheets[0].inserted, fr.skipped_sheets) == (1, [])

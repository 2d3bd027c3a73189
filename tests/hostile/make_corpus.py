"""The hostile-input corpus of the import: files a hostile but realistic user sends, each
with the outcome it must have, written deterministically into a folder (no binary file is
committed) and run through the real import against a real database.

    python tests/hostile/make_corpus.py DIR            # write the files into DIR
    python tests/hostile/make_corpus.py --report DIR   # write, import each into a fresh
                                                       # sample database, print the table

Each :class:`Case` names its file, the kind of bad input, how the file is written, the
rows it holds (counted here, independently of the importer) and what must happen: rows
accepted and rejected (the rest skipped with a reason), problem codes, or the error class
and a phrase of its message. :func:`run_case` imports one case and measures everything the
test checks: accounting, rejects file, database row counts before and after.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # tests/: plan_free_db
sys.path.insert(0, str(HERE.parents[1] / "lib"))

from plan_free_db import PLAN_TABLES, build_plan_free  # noqa: E402
from files import (  # noqa: E402
    NEEDS_EN,
    NEEDS_ID_TH,
    NEEDS_TH,
    PROGRESS_TH,
    PROPOSALS_TH,
    STAGES_TH,
    compound_file,
    csv_text,
    need,
    needs,
    physical_lines,
    raw_workbook,
    workbook,
    write_bytes,
    zip_of,
)

PROVINCES = ["32", "40"]
"""The database of the corpus: Surin (32) and Khon Kaen (40), plan tables emptied."""
COUNTED = PLAN_TABLES + ("areas", "agencies", "strategic_issues", "water_projects")


@dataclass
class Case:
    """One hostile file and the outcome it must have."""

    name: str                          # file name in the corpus folder
    kind: str                          # kind of bad input (a row of the report table)
    make: Callable[[Path], object]     # writes the file (or folder) at the path
    lines: int | None = None           # rows in the file, counted here (None: not read)
    accepted: int = 0
    rejected: int = 0
    codes: frozenset = frozenset()     # problem codes that must appear
    error: str | None = None           # error class name (file error or raised)
    phrase: str = ""                   # in the English message (error or a problem)
    options: dict = field(default_factory=dict)   # import_files keyword arguments
    setup: tuple = ()                  # (name, make, options) imported first
    db_checks: tuple = ()              # (SQL, expected first value)
    inserted: int | None = None
    updated: int | None = None
    path: str | None = None            # the path imported, when not the file itself


def _csv(rows, encoding="utf-8", **kw):
    text = csv_text(rows, **kw)
    return (lambda p: write_bytes(p, text.encode(encoding))), physical_lines(text)


def _text(text: str, encoding="utf-8"):
    return (lambda p: write_bytes(p, text.encode(encoding))), physical_lines(text)


def _case(name, kind, made, **kw) -> Case:
    make, lines = made
    return Case(name, kind, make, lines=kw.pop("lines", lines), **kw)


def _quote_text(n: int, at: int) -> str:
    """``n`` needs under the header, the description of item ``at`` opening a quote that
    is never closed (costs without thousands separators: no other quote in the file)."""
    text = csv_text([NEEDS_TH] + needs(n))
    return text.replace(f"ความต้องการที่ {at},", f'"ความต้องการที่ {at},', 1)


def cases() -> list[Case]:  # noqa: C901 - one list, read top to bottom
    """Every case of the corpus, in order."""
    out: list[Case] = []
    add = out.append
    H = [NEEDS_TH]

    # --- CSV quoting ------------------------------------------------------------------
    add(_case("quote_unclosed_20.csv", "csv quoting", _text(_quote_text(20, 5)), accepted=4,
              rejected=16, codes=frozenset({"quote"}), phrase="lines 6–21 read as one cell"))
    add(_case("quote_unclosed_3000.csv", "csv quoting", _text(_quote_text(3000, 10)),
              accepted=9, rejected=2991, codes=frozenset({"quote"})))
    text = csv_text(H + needs(6)).replace("ความต้องการที่ 2,", '"ความต้องการที่ 2,', 1)
    text = text.replace("ความต้องการที่ 4,", 'ความต้องการที่ 4",', 1)
    add(_case("quote_closed_later.csv", "csv quoting", _text(text), accepted=3, rejected=3,
              codes=frozenset({"quote"})))
    add(_case("multiline_cell.csv", "csv quoting",
              _csv(H + [need(1, desc="ขุดลอกคลอง\nสายหลัก\nและคลองซอย")] + needs(2, start=2)),
              accepted=3, phrase=""))
    last = [NEEDS_TH[:4] + NEEDS_TH[5:] + [NEEDS_TH[4]]] + [r[:4] + r[5:] + [r[4]]
                                                            for r in needs(5)]
    text = csv_text(last).replace("ความต้องการที่ 4\r\n", '"ความต้องการที่ 4\r\n', 1)
    add(_case("quote_unclosed_last_column.csv", "csv quoting", _text(text), accepted=3,
              rejected=2, codes=frozenset({"quote"})))
    add(_case("multiline_cell_with_commas.csv", "csv quoting",
              _csv(H + [need(1, desc="ปัญหา:\nฝนตก, น้ำท่วม, วัสดุขาด, ผู้รับเหมาทิ้งงาน, อื่น ๆ,"
                                     " ล่าช้า, ยกเลิก\nแก้ไขแล้ว")] + needs(3, start=2)),
              accepted=4))
    add(_case("quote_mid_field.csv", "csv quoting",
              _csv(H + [need(1, desc='ท่อ 4" ยาว 20 เมตร')] + needs(2, start=2)), accepted=3))
    big = "ก" * 200_000
    add(_case("huge_cell_single_line.csv", "csv quoting",
              _csv(H + [need(1, desc=big)] + needs(2, start=2)), accepted=2, rejected=1,
              codes=frozenset({"too_long"})))
    text = csv_text(H + needs(3)) + '4,2570,32010101,แหล่งน้ำและประปา,"' + "ข" * 140_000
    add(_case("quote_unclosed_huge_field.csv", "csv quoting", _text(text), accepted=3,
              rejected=1, codes=frozenset({"too_long"})))

    # --- NUL and control characters -----------------------------------------------------
    text = csv_text(H + needs(5)).replace("ความต้องการที่ 3", "ความต้องการ\x00ที่ 3")
    add(_case("nul_one_line.csv", "nul / control", _text(text), accepted=4, rejected=1,
              codes=frozenset({"nul"}), phrase="line 4 holds a NUL character"))
    text = csv_text(H + needs(3)) + "\x00\x00\r\n"
    add(_case("nul_only_line.csv", "nul / control", _text(text), accepted=3, rejected=1,
              codes=frozenset({"nul"})))
    text = csv_text(H + needs(4)).replace("ความต้องการที่ 2", "ความต้องการ\x07ที่ 2")
    add(_case("control_char.csv", "nul / control", _text(text), accepted=3, rejected=1,
              codes=frozenset({"control_char"})))
    text = csv_text(H + needs(3))
    add(_case("utf16le_no_bom.csv", "nul / control",
              ((lambda p: write_bytes(p, text.encode("utf-16-le"))), physical_lines(text)),
              accepted=3))
    add(_case("nul_everywhere.csv", "nul / control",
              _text("\x00".join(csv_text(H + needs(2)))), lines=None,
              error="ImportFileError", phrase="NUL characters"))
    add(_case("binary_junk.csv", "nul / control",
              ((lambda p: write_bytes(p, bytes(range(1, 32)) * 40)), None),
              error="ImportFileError", phrase="binary data"))

    # --- encodings and delimiters (held before) -----------------------------------------
    rows = H + needs(3)
    add(_case("tis620.csv", "encodings", _csv(rows, "cp874"), accepted=3))
    add(_case("utf8_bom.csv", "encodings", _csv(rows, "utf-8-sig"), accepted=3))
    add(_case("utf16_bom.csv", "encodings", _csv(rows, "utf-16"), accepted=3))
    add(_case("mojibake.csv", "encodings",
              _text(csv_text(rows).encode("utf-8").decode("latin-1")), lines=None,
              error="ImportFileError", phrase="already garbled"))
    add(_case("latin1_garbled.csv", "encodings",
              ((lambda p: write_bytes(p, "ลำดับที่,Café naïve ok\r\n1,2\r\n".encode("utf-8")
                                      .decode("utf-8").encode("cp874", "replace")
                                      .replace(b"Caf", b"Caf\xe9\xe9"))), None),
              error="ImportFileError", phrase="not UTF-8"))
    add(_case("crlf.csv", "encodings", _csv(rows, terminator="\r\n"), accepted=3))
    add(_case("cr_only.csv", "encodings", _csv(rows, terminator="\r"), accepted=3))
    add(_case("lf_only.csv", "encodings", _csv(rows, terminator="\n"), accepted=3))
    add(_case("semicolon.csv", "encodings", _csv(rows, delimiter=";"), accepted=3))
    add(_case("tab.tsv", "encodings", _csv(rows, delimiter="\t"), accepted=3))
    add(_case("rtl_emoji.csv", "encodings",
              _csv(H + [need(1, desc="مياه 💧 น้ำ \u202eevil\u202c 👍🏽"), need(2)]),
              accepted=2))
    add(_case("thai_digits_be_dates.csv", "encodings",
              _csv(H + [need(1, households="๑๒๐", cost="๑,๒๕๐,๐๐๐ บาท",
                             when="๑๕ มี.ค. ๒๕๖๙", fy="๒๕๗๐")]), accepted=1))

    # --- structure of the table (held before) -------------------------------------------
    add(_case("empty.csv", "structure", _text(""), lines=None, error="ImportFileError",
              phrase="no header row"))
    add(_case("header_only.csv", "structure", _csv(H), accepted=0))
    add(_case("english_headers.csv", "structure", _csv([NEEDS_EN] + needs(2)), accepted=2))
    dup = NEEDS_TH + ["รายละเอียดความต้องการ"]
    add(_case("duplicate_header_column.csv", "structure",
              _csv([dup] + [r + ["ซ้ำ"] for r in needs(2)]), accepted=2))
    add(_case("missing_required_column.csv", "structure",
              _csv([NEEDS_TH[:4]] + [r[:4] for r in needs(3)]), rejected=3,
              codes=frozenset({"missing_column"})))
    add(_case("blank_lines_between.csv", "structure",
              _text(csv_text(H + needs(2)) + "\r\n,,,,\r\n\r\n" + csv_text(needs(2, start=3))),
              accepted=4))
    add(_case("repeated_header_rows.csv", "structure",
              _csv(H + needs(2) + H + needs(2, start=3)), accepted=4))
    add(_case("totals_row.csv", "structure",
              _csv(H + needs(2) + [["รวม", "", "", "", "", "240", "2500000", ""]]),
              accepted=2, rejected=1))
    add(_case("title_rows.csv", "structure",
              _csv([["แผนพัฒนาหมู่บ้าน ปี 2570"], ["หมู่ 1"], []] + H + needs(2)), accepted=2))
    add(_case("merged_header.xlsx", "structure",
              (lambda p: workbook(p, [("แผน", [["แผนหมู่บ้าน"], ["ข้อมูล", None, None, "ความต้องการ"],
                                              NEEDS_TH] + needs(2))],
                                  merges={"แผน": ["A1:H1", "A2:C2", "D2:H2"]}), 5),
              accepted=2))

    # --- sheets ----------------------------------------------------------------------------
    thai_sheets = [("ปัญหา", 2), ("หมู่บ้าน", 2), ("หน่วยงาน", 1), ("ประเด็นยุทธศาสตร์", 1),
                   ("คำอธิบาย", 1)]
    sheets, item = [], 1
    for name, n in thai_sheets:
        sheets.append((name, H + needs(n, start=item)))
        item += n
    add(_case("thai_named_sheets.xlsx", "sheets", ((lambda p: workbook(p, sheets)), 12),
              accepted=7))
    add(_case("only_sheet_panha.xlsx", "sheets",
              ((lambda p: workbook(p, [("ปัญหา", H + needs(3))])), 4), accepted=3))
    add(_case("template_with_lookups.xlsx", "sheets", (_template_with_lookups, None),
              accepted=2))
    add(_case("rejects_file_reimport.xlsx", "sheets", (_rejects_like, None), accepted=1))
    add(_case("only_instructions.xlsx", "sheets", (_only_instructions, None), lines=None,
              error="ImportFileError", phrase="no sheet holds data"))
    add(_case("hidden_sheet_with_data.xlsx", "sheets",
              ((lambda p: workbook(p, [("หมู่ 1", H + needs(2)),
                                       ("ซ่อน", H + needs(2, start=3))], hidden=("ซ่อน",))), 6),
              accepted=2))
    add(_case("headerless_sheet_with_data.xlsx", "sheets",
              ((lambda p: workbook(p, [("หมู่ 1", H + needs(2)),
                                       ("บันทึก", [["ข้อความ", 1], ["อีก", 2]])])), 5),
              accepted=2))
    add(_case("empty_workbook.xlsx", "sheets",
              ((lambda p: workbook(p, [("Sheet1", [])])), None), lines=None,
              error="ImportFileError", phrase="no header row"))

    # --- stray far cells and extent ---------------------------------------------------------
    add(_case("stray_xfd1048576.xlsx", "extent",
              ((lambda p: workbook(p, [("Sheet", H + needs(12))],
                                   cells={"Sheet": {"XFD1048576": "x"}})), 14),
              accepted=12, rejected=1, codes=frozenset({"only_headless"})))
    add(_case("lying_dimension.xlsx", "extent",
              ((lambda p: raw_workbook(p, [(1, NEEDS_TH)] + [(i + 2, r) for i, r in
                                                             enumerate(needs(3))],
                                       dimension="A1:XFD1048576")), 4), accepted=3))
    add(_case("many_styled_cells.xlsx", "extent",
              ((lambda p: raw_workbook(p, [(1, NEEDS_TH)] + [(i + 2, r) for i, r in
                                                             enumerate(needs(3))],
                                       empty_styled=100_000)), 4), accepted=3))
    add(_case("absurd_extent.xlsx", "extent",
              ((lambda p: workbook(p, [("Sheet", H + needs(3))], cells={"Sheet": {
                  f"XFD{r}": "x" for r in range(10, 710)}})), None),
              error="ImportFileError", phrase="too large to import"))
    merged = [(1, ["ชื่อเรื่อง"]), (2, NEEDS_TH)] + [(i + 3, r) for i, r in enumerate(needs(2))]
    add(_case("merge_whole_sheet.xlsx", "extent",   # openpyxl would make 17 billion cells
              ((lambda p: raw_workbook(p, merged, extra_xml='<mergeCells count="1">'
                                       '<mergeCell ref="A1:XFD1048576"/></mergeCells>')), None),
              error="ImportFileError", phrase="no header row"))

    # --- numbers out of range ---------------------------------------------------------------
    add(_case("households_2pow31.csv", "numbers",
              _csv(H + [need(1, households=str(2 ** 31)), need(2, households=str(2 ** 31 - 1)),
                        need(3)]), accepted=2, rejected=1, codes=frozenset({"out_of_range"}),
              phrase="expected a number from 0 to 2,147,483,647"))
    add(_case("cost_401_digits.csv", "numbers",
              _csv(H + [need(1, cost="9" * 401), need(2)]), accepted=1, rejected=1,
              codes=frozenset({"out_of_range"}), phrase="not a usable number",
              db_checks=(("SELECT count(*) FROM needs WHERE NOT isfinite(estimated_cost)", 0),)))
    add(_case("cost_too_large.csv", "numbers",
              _csv(H + [need(1, cost="5,000,000,000,000"), need(2, cost="2.5 ล้านบาท")]),
              accepted=1, rejected=1, codes=frozenset({"out_of_range"})))
    rows = [(1, NEEDS_TH), (2, need(1)[:6] + [("n", "1E+400"), "15/03/2569"]),
            (3, need(2)[:6] + [("n", "NaN"), "15/03/2569"]),
            (4, need(3)[:5] + [("n", "-5"), 100, "15/03/2569"]), (5, need(4))]
    add(_case("nonfinite_cells.xlsx", "numbers", ((lambda p, rows=rows: raw_workbook(p, rows)), 5),
              accepted=1, rejected=3, codes=frozenset({"out_of_range", "number", "negative"})))
    add(_case("strategy_huge.csv", "numbers",
              _csv([NEEDS_TH + ["ประเด็นยุทธศาสตร์ที่"]] + [need(1) + ["99999999999"],
                                                           need(2) + ["1"]]),
              accepted=1, rejected=1))

    # --- keys with invisible or look-alike characters -----------------------------------
    base = "2570-32010101-001"
    variants = [base, "2570-3201\u200b0101-001", "2570\u200c-32010101-001",
                "2570-32010101-\u200d001", "\ufeff2570-32010101-001", "2570-3201\u00ad0101-001",
                "２５７０\u2011３２０１０１０１\u2011００１"]
    add(_case("zero_width_ids.csv", "keys",
              _csv([NEEDS_ID_TH] + [[v] + need(i + 1) for i, v in enumerate(variants)]),
              rejected=7, codes=frozenset({"duplicate_key"}),
              db_checks=(("SELECT count(*) FROM needs", 0),)))
    add(_case("zero_width_one_id.csv", "keys",
              _csv([NEEDS_ID_TH] + [["2570-3201\u200b0101-\u2060009"] + need(9)]), accepted=1,
              db_checks=(("SELECT count(*) FROM needs WHERE need_id = '2570-32010101-009'", 1),)))
    add(_case("lookalike_cyrillic_id.csv", "keys",
              _csv([NEEDS_ID_TH] + [["2570-32010101-0А1"] + need(1), [""] + need(2)]),
              accepted=1, rejected=1, codes=frozenset({"lookalike"}),
              phrase="CYRILLIC CAPITAL LETTER A"))
    add(_case("fullwidth_village_code.csv", "keys",
              _csv(H + [need(1, village="３２０１０１０１"), need(2, village="3201\u200b0102")]),
              accepted=2, db_checks=(("SELECT count(*) FROM needs WHERE village_code IN "
                                      "('32010101', '32010102')", 2),)))

    # --- formulas -------------------------------------------------------------------------
    add(_case("formula_uncached.xlsx", "formulas",
              ((lambda p: workbook(p, [("Sheet", H + needs(3))],
                                   cells={"Sheet": {"G3": "=1000*1250", "F4": "=SUM(F2:F3)"}})),
               4), accepted=1, rejected=2, codes=frozenset({"formula_uncached"}),
              phrase="open and save the file in Excel first"))
    rows = [(1, NEEDS_TH), (2, need(1)[:6] + [("f", "1000*1250", "1250000"), "15/03/2569"]),
            (3, need(2)[:5] + [("e", "1/0", "#DIV/0!"), 100, "15/03/2569"]),
            (4, need(3)[:5] + [("f", "A1", None), 100, "15/03/2569"])]
    add(_case("formula_cached_and_errors.xlsx", "formulas",
              ((lambda p, rows=rows: raw_workbook(p, rows)), 4), accepted=1, rejected=2,
              codes=frozenset({"excel_error", "formula_uncached"}),
              db_checks=(("SELECT estimated_cost FROM needs", 1250000.0),)))
    add(_case("typed_formula_text.csv", "formulas",
              _csv(H + [need(1, desc="=HYPERLINK(\"http://x\",\"y\")"), need(2, desc="+1-2")]),
              accepted=2))

    # --- provinces --------------------------------------------------------------------------
    kk = ("kk_needs.csv", _csv(H + needs(2, village="40010101"))[0], {})
    add(_case("surin_with_khonkaen_row.csv", "provinces",
              _csv(H + needs(3) + [need(7, village="40010101")]), accepted=3, rejected=1,
              codes=frozenset({"other_province"})))
    add(_case("surin_moves_khonkaen_need.csv", "provinces",
              _csv([NEEDS_ID_TH] + [["2570-40010101-001"] + need(1)] +
                   [[""] + r for r in needs(2, start=2)]), setup=(kk,), accepted=2, rejected=1,
              codes=frozenset({"province_change"}),
              db_checks=(("SELECT province_code FROM needs WHERE need_id = '2570-40010101-001'",
                          "40"),)))
    add(_case("multi_province_by_design.csv", "provinces",
              _csv(H + needs(2) + needs(2, village="40010101")), accepted=4,
              options={"multi_province": True}))
    add(_case("province_option.csv", "provinces",
              _csv(H + needs(3) + needs(1, village="40010101", start=5)), accepted=1,
              rejected=3, codes=frozenset({"other_province"}), options={"province": "40"}))
    props = ("props.csv", _csv([PROPOSALS_TH, ["SR-1", "2570", "ฝาย", "32-PAO", "32010101",
                                               "water", "100000"],
                                ["KK-1", "2570", "ฝาย", "40-PAO", "40010101", "water",
                                 "100000"]])[0], {"multi_province": True})
    add(_case("progress_other_province.csv", "provinces",
              _csv([PROGRESS_TH, ["SR-1", "2570", "1", "1000", "10"],
                    ["SR-1", "2570", "2", "2000", "20"], ["KK-1", "2570", "1", "10", "1"]]),
              setup=(props,), accepted=2, rejected=1, codes=frozenset({"other_province"})))
    add(_case("stages_other_province.csv", "provinces",
              _csv([STAGES_TH, ["2570-32010101-001", "tambon_screened", "20/04/2569", ""],
                    ["2570-40010101-001", "tambon_screened", "20/04/2569", ""]]),
              setup=(("sr.csv", _csv(H + needs(1))[0], {}), kk), accepted=1, rejected=1,
              codes=frozenset({"other_province"})))

    # --- wrong kinds of file --------------------------------------------------------------
    add(Case("encrypted.xlsx", "wrong file",
             lambda p: compound_file(p, ["EncryptionInfo", "EncryptedPackage"]),
             error="ImportFileError", phrase="password-protected"))
    add(Case("old_xls_named.xlsx", "wrong file", lambda p: compound_file(p, ["Workbook"]),
             error="ImportFileError", phrase="old Excel .xls file named .xlsx"))
    add(Case("pdf_named.xlsx", "wrong file", lambda p: write_bytes(p, b"%PDF-1.4\n%\xe2\xe3\n"),
             error="ImportFileError", phrase="not a zip file"))
    add(Case("word_named.xlsx", "wrong file",
             lambda p: zip_of(p, {"word/document.xml": b"<w:document/>"}),
             error="ImportFileError", phrase="not an Excel workbook"))
    add(Case("truncated.xlsx", "wrong file",
             lambda p: (workbook(p, [("S", H + needs(2))]),
                        write_bytes(p, p.read_bytes()[:700])),
             error="ImportFileError", phrase="cannot open it as an Excel"))
    add(Case("xlsx_named.csv", "wrong file",
             lambda p: workbook(p, [("S", H + needs(2))]),
             error="ImportFileError", phrase="a zip file (perhaps an Excel .xlsx"))
    add(Case("png_named.csv", "wrong file",
             lambda p: write_bytes(p, b"\x89PNG\r\n\x1a\n" + bytes(64)),
             error="ImportFileError", phrase="an image"))
    add(Case("old.xls", "wrong file", lambda p: compound_file(p, ["Workbook"]),
             error="ImportFileError", phrase="old Excel .xls files are not read"))
    add(Case("notes.docx", "wrong file", lambda p: write_bytes(p, b"x"),
             error="ImportFileError", phrase='unknown file type ".docx"'))

    # --- paths --------------------------------------------------------------------------------
    add(Case("folder_named.xlsx", "paths", lambda p: p.mkdir(), error="ImportPathError",
             phrase="has no .xlsx or .csv file"))
    add(Case("missing.csv", "paths", lambda p: None, error="ImportPathError",
             phrase="no file or folder"))
    add(_case("rejects_is_a_file.csv", "paths", _csv(H + [need(1, village="x")]), lines=None,
              error="RejectsDirError", phrase="is a file, not a folder",
              options={"rejects_dir": "afile"}))
    add(_case("rejects_parent_missing.csv", "paths", _csv(H + [need(1, village="x")]),
              lines=None, error="RejectsDirError", phrase="parent folder",
              options={"rejects_dir": "no/such/rejects"}))
    add(_case("rejects_created.csv", "paths", _csv(H + [need(1), need(2, village="x")]),
              accepted=1, rejected=1, options={"rejects_dir": "new_rejects"}))
    add(_case("unknown_province_option.csv", "paths", _csv(H + needs(1)), lines=None,
              error="ImportPathError", phrase="unknown province",
              options={"province": "Atlantis"}))
    return out


def _template_with_lookups(path: Path) -> int:
    from oneplan.data.templates import NEEDS, template_workbook, save_stable

    from oneplan.data.ingest.sheets import REFERENCE_HEADERS

    reference = {name: (headers, [tuple(f"{name}-{k}" for k in range(len(headers)))])
                 for name, headers in REFERENCE_HEADERS.items()}
    rows = [[None, 1, 2570, "32010101", "water", "ขุดลอก", 10, 1000, "15/03/2569", None],
            [None, 2, 2570, "32010101", "water", "ฝาย", 10, 1000, "15/03/2569", None]]
    wb = template_workbook(NEEDS, rows, reference=reference)
    save_stable(wb, path)


def _rejects_like(path: Path) -> None:
    from oneplan.data.ingest.rejects import problems_header
    from oneplan.data.templates import NEEDS, save_stable, template_workbook

    wb = template_workbook(NEEDS, [[None, 1, 2570, "32010101", "water", "ขุดลอก", 10, 1000,
                                    "15/03/2569", None]])
    ws = wb.create_sheet("ปัญหา")
    ws.append(problems_header())
    ws.append(["ความต้องการ", 4, "a.csv", "", 2, "C", "รหัสหมู่บ้าน", "x", "village_format",
               "ไม่ใช่", "not"])
    save_stable(wb, path)


def _only_instructions(path: Path) -> None:
    from oneplan.data.templates import NEEDS, save_stable, template_workbook

    wb = template_workbook(NEEDS)
    wb.remove(wb[NEEDS.sheet_th])
    save_stable(wb, path)


def write_corpus(folder: Path) -> list[Case]:
    """Write every case's file into ``folder`` (and what its options name).

    Returns:
        The cases, each with ``lines`` filled in for workbooks counted after writing.
    """
    folder.mkdir(parents=True, exist_ok=True)
    out = cases()
    for c in out:
        c.make(folder / c.name)
        if c.options.get("rejects_dir") == "afile":
            (folder / "afile").write_text("not a folder")
        if c.lines is None and c.error is None:
            c.lines = xlsx_rows(folder / c.name)
    return out


def xlsx_rows(path: Path) -> int:
    """Rows holding a value, over every sheet, counted with openpyxl (independently of
    the importer's reader)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return sum(sum(1 for row in ws.iter_rows(values_only=True)
                   if any(v is not None for v in row)) for ws in wb.worksheets)


def build_db(path: Path) -> Path:
    """The corpus database: the sample of :data:`PROVINCES` with the plan tables empty."""
    return build_plan_free(path, PROVINCES)


@dataclass
class Outcome:
    """What importing one case did, measured from outside the importer."""

    case: Case
    error: str | None = None           # error class name
    message: str = ""                  # its English (and Thai) message
    crash: str | None = None           # a traceback: anything but a UserError
    lines: int | None = None           # rows in the file, as the importer accounted
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0
    inserted: int = 0
    updated: int = 0
    codes: set = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    rejects_rows: int = 0              # data rows in the rejects file
    db_delta: dict = field(default_factory=dict)    # table -> rows added
    expected_delta: dict = field(default_factory=dict)
    checks: list = field(default_factory=list)      # (SQL, got, expected)
    summary: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        """Rows lost without a word: rows of the file not accounted for, rejected rows
        missing from the rejects file, rows the database gained or lost unexplained."""
        lost = sum(abs(self.db_delta.get(t, 0) - self.expected_delta.get(t, 0))
                   for t in set(self.db_delta) | set(self.expected_delta))
        if self.case.lines is not None and self.lines is not None:
            lost += abs(self.case.lines - (self.accepted + self.rejected + self.skipped))
        return lost + abs(self.rejected - self.rejects_rows)

    @property
    def clear_error(self) -> bool:
        """A whole-file error or rejected rows, each with its message."""
        return self.crash is None and (self.error is not None or (
            self.rejected > 0 and len(self.problems) >= self.rejected))

    def mismatches(self) -> list[str]:
        """How the outcome differs from what the case expects (empty: as expected)."""
        c, out = self.case, []
        if self.crash:
            return [f"crashed: {self.crash}"]
        if self.error != c.error:
            out.append(f"error {self.error!r} ({self.message}), expected {c.error!r}")
        if c.phrase and c.phrase not in self.message and not any(
                c.phrase in p for p in self.problems):
            out.append(f"no {c.phrase!r} in {self.message or self.problems[:3]}")
        if c.error is None:
            if (self.accepted, self.rejected) != (c.accepted, c.rejected):
                out.append(f"accepted/rejected {self.accepted}/{self.rejected}, expected "
                           f"{c.accepted}/{c.rejected}")
            if not c.codes <= self.codes:
                out.append(f"problem codes {sorted(self.codes)} lack {sorted(c.codes - self.codes)}")
        for sql, got, want in self.checks:
            if got != want:
                out.append(f"{sql} = {got!r}, expected {want!r}")
        if self.lost:
            out.append(f"{self.lost} rows lost (file {c.lines} vs {self.lines}: "
                       f"{self.accepted}+{self.rejected}+{self.skipped}; rejects file "
                       f"{self.rejects_rows}; db {self.db_delta} vs {self.expected_delta})")
        return out


def _counts(db: Path) -> tuple[dict, set]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
        ids = {r[0] for r in con.execute("SELECT need_id FROM needs").fetchall()}
        return counts, ids
    finally:
        con.close()


def rejects_rows(path: Path | None) -> int:
    """Data rows of a rejects file (template layout: from row 4, sheets other than the
    problem list)."""
    import openpyxl

    from oneplan.data.templates import FIRST_DATA_ROW

    if path is None or not path.exists():
        return 0
    wb = openpyxl.load_workbook(path)
    return sum(1 for ws in wb.worksheets if ws.title != "ปัญหา" and ws.sheet_state == "visible"
               for row in ws.iter_rows(min_row=FIRST_DATA_ROW, values_only=True)
               if any(v is not None for v in row))


def run_case(case: Case, folder: Path, template_db: Path, work: Path) -> Outcome:
    """Import ``case`` (its file in ``folder``) into a fresh copy of ``template_db`` in
    ``work``, and measure everything (see :class:`Outcome`)."""
    import duckdb

    from oneplan.core.errors import UserError
    from oneplan.data import ingest

    work.mkdir(parents=True, exist_ok=True)
    db = work / "oneplan.duckdb"
    shutil.copy(template_db, db)
    out = Outcome(case)
    opts = dict(case.options)
    if "rejects_dir" in opts:
        opts["rejects_dir"] = folder / opts["rejects_dir"]
    else:
        opts["rejects_dir"] = work / "rejects"
    try:
        for name, make, options in case.setup:
            make(work / name)
            for fr in ingest.import_files([work / name], db, rejects_dir=work / "setup-rej",
                                          **options):
                assert fr.error is None and fr.total("rejected") == 0, (name, fr.error)
        before, ids_before = _counts(db)
        try:
            results = ingest.import_files([folder / (case.path or case.name)], db, **opts)
        except UserError as exc:
            out.error, out.message = type(exc).__name__, str(exc)
            results = []
        after, ids_after = _counts(db)
        out.db_delta = {t: after[t] - before[t] for t in COUNTED if after[t] != before[t]}
        for fr in results:
            out.summary = ingest.summary_lines([fr])
            if fr.error:
                out.error, out.message = type(fr.error).__name__, f"{fr.error.th} / {fr.error.en}"
                continue
            out.lines = fr.lines
            out.accepted, out.rejected = fr.total("accepted"), fr.total("rejected")
            out.skipped = fr.skipped_rows
            out.inserted, out.updated = fr.total("inserted"), fr.total("updated")
            for s in fr.sheets:
                out.codes |= {p.code for p in s.problems}
                out.problems += [p.text("en") for p in s.problems]
                table = s.kind   # each kind has its table of the same name
                out.expected_delta[table] = out.expected_delta.get(table, 0) + s.inserted
            out.rejects_rows = rejects_rows(fr.rejects_path)
        con = duckdb.connect(str(db), read_only=True)
        try:
            new_dated = con.execute(
                "SELECT count(*) FROM needs WHERE submitted_on IS NOT NULL AND "
                "list_contains(?, need_id)", [sorted(ids_after - ids_before)]).fetchone()[0]
            if new_dated:
                out.expected_delta["need_stages"] = (out.expected_delta.get("need_stages", 0)
                                                     + new_dated)
            out.checks = [(sql, con.execute(sql).fetchone()[0], want)
                          for sql, want in case.db_checks]
        finally:
            con.close()
        out.expected_delta = {t: n for t, n in out.expected_delta.items() if n}
    except Exception:   # noqa: BLE001 - a crash is what the corpus counts
        out.crash = traceback.format_exc(limit=8)
    return out


def report(outcomes: list[Outcome]) -> list[str]:
    """The closing-note table: kind of bad input → files, outcome as expected, clear
    errors, crashes, rows lost."""
    kinds: dict[str, list[Outcome]] = {}
    for o in outcomes:
        kinds.setdefault(o.case.kind, []).append(o)
    head = (f"| {'kind of bad input':<16} | files | as expected | clear errors | crashes "
            f"| rows lost |")
    lines = [head, "| " + " | ".join("-" * len(x) for x in head.strip("| ").split(" | "))
             + " |"]
    total = [0, 0, 0, 0, 0]
    for kind, os_ in kinds.items():
        row = [len(os_), sum(not o.mismatches() for o in os_), sum(o.clear_error for o in os_),
               sum(o.crash is not None for o in os_), sum(o.lost for o in os_)]
        total = [a + b for a, b in zip(total, row)]
        lines.append(f"| {kind:<16} | {row[0]:>5} | {row[1]:>11} | {row[2]:>12} | {row[3]:>7} "
                     f"| {row[4]:>9} |")
    lines.append(f"| {'total':<16} | {total[0]:>5} | {total[1]:>11} | {total[2]:>12} | "
                 f"{total[3]:>7} | {total[4]:>9} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Write the corpus (and with ``--report`` import it and print the table)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--report", action="store_true",
                    help="import every file into a fresh sample database and print the table")
    args = ap.parse_args(argv)
    corpus = write_corpus(args.folder)
    print(f"{len(corpus)} files written to {args.folder}")
    if not args.report:
        return 0
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        template = build_db(Path(tmp) / "corpus.duckdb")
        outcomes = [run_case(c, args.folder, template, Path(tmp) / f"case{i}")
                    for i, c in enumerate(corpus)]
    for o in outcomes:
        for m in o.mismatches():
            print(f"{o.case.name}: {m}")
    print("\n".join(report(outcomes)))
    return 0 if all(not o.mismatches() for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())

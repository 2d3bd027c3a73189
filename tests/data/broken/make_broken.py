"""Write the deliberately broken import files of this folder (one per error type).

    python tests/data/broken/make_broken.py

CSV files are written byte for byte (their encodings are the point); the XLSX files show a
title row with merged cells above a two-row header, and a missing required column.
``tests/test_ingest_folder.py`` imports the whole folder and checks every message.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent

NEEDS_TH = ["ลำดับที่", "ปีงบประมาณ", "รหัสหมู่บ้าน", "ประเภทความต้องการ", "รายละเอียดความต้องการ",
            "จำนวนครัวเรือนที่ได้รับประโยชน์", "งบประมาณโดยประมาณ (บาท)", "วันที่เสนอ"]


def need(item, village="32010101", category="แหล่งน้ำและประปา", when="15/03/2569",
         cost="1,250,000", fy="2570", households="120"):
    return [str(item), fy, village, category, f"ความต้องการที่ {item}", households, cost, when]


def in_village(moo: int):
    """``need`` for the village หมู่ ``moo`` of ตำบลในเมือง: each file its own village, so
    the files of the folder do not share need keys."""
    return lambda item, **kw: need(item, **{"village": f"320101{moo:02d}", **kw})


def csv_bytes(rows, encoding="utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


CSV_FILES: dict[str, bytes] = {
    "01_bad_village.csv": csv_bytes([NEEDS_TH, need(1), need(2, village="3201011"),
                                     need(3, village="32019901"), need(4, village="32010199")]),
    "02_unknown_category.csv": csv_bytes([NEEDS_TH, in_village(2)(1, category="ประปา"),
                                          in_village(2)(2, category="Roads and transport")]),
    "03_bad_date.csv": csv_bytes([NEEDS_TH, in_village(3)(1, when="31/02/2567"),
                                  in_village(3)(2, when="15 มี.ค. 2567")]),
    "04_be_ce_ambiguity.csv": csv_bytes([NEEDS_TH, in_village(4)(1, when="15/03/67"),
                                         in_village(4)(2, fy="2027"),
                                         in_village(4)(3, when="2024-03-15")]),
    "05_thai_digits.csv": csv_bytes([NEEDS_TH, ["๑", "๒๕๗๐", "๓๒๐๑๐๑๐๕", "ถนนและการคมนาคม",
                                                "ถนน คสล.", "๘๕", "๒,๔๐๐,๐๐๐ บาท",
                                                "๒๐/๐๓/๒๕๖๙"],
                                     in_village(5)(2, households="๑๒.๕")]),
    "06_thousands_separators.csv": csv_bytes([NEEDS_TH,
                                              in_village(6)(1, cost="1,234,567.50 บาท"),
                                              in_village(6)(2, cost="1.234.567,50")]),
    "08_tis620.csv": csv_bytes([NEEDS_TH, in_village(8)(1), in_village(8)(2)], encoding="cp874"),
    "09_wrong_encoding.csv": "Item no.,Fiscal year,Village code,Category,Description\r\n"
                             "1,2570,32010101,water,Café près de l'école\r\n".encode("cp1252"),
    "09_mojibake.csv": csv_bytes([NEEDS_TH, need(1)]).decode("utf-8").encode(
        "utf-8").decode("cp1252", errors="replace").encode("utf-8"),
    "11_duplicate_key.csv": csv_bytes([NEEDS_TH, in_village(11)(1), in_village(11)(2),
                                       in_village(11)(1, cost="5,000")]),
    "12_unknown_agency.csv": csv_bytes([
        ["Project ID", "Fiscal year", "Project name", "Agency", "Village code", "Category",
         "Cost (baht)"],
        ["P-1", "2570", "ประปาหมู่บ้าน", "32-DPT", "32010101", "water", "2,500,000"],
        ["P-2", "2570", "ฝาย", "32-DTP", "32010101", "water", "500,000"]]),
    "13_quarter_out_of_range.csv": csv_bytes([
        ["รหัสโครงการ", "ปีงบประมาณ", "ไตรมาส", "เบิกจ่ายสะสม (บาท)", "ผลการดำเนินงาน (%)"],
        ["P-1", "2570", "ไตรมาส ๑", "100,000", "10%"], ["P-1", "2570", "5", "200,000", "20"]]),
}


def write_xlsx(path: Path) -> None:
    import openpyxl

    if path.name.startswith("07"):
        rows = [
            ["แผนพัฒนาหมู่บ้าน ตำบลในเมือง อำเภอเมืองสุรินทร์"] + [None] * 7,
            [None] * 8,
            ["ลำดับที่", "ปีงบประมาณ", "ที่ตั้ง", None, "ความต้องการ", None,
             "งบประมาณโดยประมาณ (บาท)", "วันที่เสนอ"],
            [None, None, "รหัสหมู่บ้าน", None, "ประเภท", "รายละเอียด", None, None],
            [1, 2570, 32010107, None, "แหล่งน้ำและประปา", "ขุดลอกสระ", 250000,
             datetime(2026, 3, 15)],
            [2, 2570, 32010107, None, "อาชีพ", "ฝึกอาชีพ", "90,000", datetime(2569, 3, 16)],
        ]
        merges = ("A1:H1", "C3:D3", "E3:F3", "A3:A4", "B3:B4", "G3:G4", "H3:H4")
    else:
        rows = [["ปีงบประมาณ", "รหัสหมู่บ้าน", "รายละเอียดความต้องการ"],
                [2570, "32010105", "ไฟฟ้าส่องสว่าง"], [2570, "32010106", "ถนนลูกรัง"]]
        merges = ()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "แผนหมู่บ้าน"
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    wb.save(path)


XLSX_FILES = ("07_title_and_merged_header.xlsx", "10_missing_required_column.xlsx")


def write_all(folder: Path = HERE) -> list[Path]:
    """Write every broken file into ``folder``.

    Returns:
        The paths written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, data in CSV_FILES.items():
        (folder / name).write_bytes(data)
        out.append(folder / name)
    for name in XLSX_FILES:
        write_xlsx(folder / name)
        out.append(folder / name)
    return out


if __name__ == "__main__":
    for p in write_all():
        print(p)

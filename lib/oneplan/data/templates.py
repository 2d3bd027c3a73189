"""Column specs of the import files (needs, proposals, progress) and the Excel templates
made from them.

One :class:`Kind` per file type lists its columns: the database column (``code``), the Thai
header users see, the English header, the value type, whether it is required, and the
vocabulary or reference it is checked against. :mod:`oneplan.data.ingest` reads files with these
specs; :func:`write_templates` writes the XLSX templates of ``data/templates/`` from them, so
the templates and the importer cannot drift apart (``tests/test_ingest_templates.py``).

Value types (what :mod:`oneplan.data.ingest` accepts):

* ``text`` — any text; ``id`` — an identifier (spaces trimmed, Thai digits made Arabic);
* ``int`` / ``money`` / ``pct`` — numbers with Thai digits, thousands separators, "บาท",
  "%"; ``int`` must be whole, ``money`` >= 0, ``pct`` 0–100;
* ``date`` — พ.ศ. or ค.ศ. dates (15/03/2567, 15 มี.ค. 2567, 2024-03-15) or Excel date cells;
* ``fiscal_year`` — a พ.ศ. year as users name fiscal years (2570, ๒๕๗๐, "ปีงบประมาณ 2570");
* ``quarter`` — 1–4 (also "ไตรมาส 2", "Q2");
* ``vocab`` — a code, Thai or English name of a :mod:`oneplan.core.vocab` vocabulary;
* ``village`` / ``subdistrict`` / ``district`` — DOPA codes that must exist in ``areas``;
* ``province`` — a province code or Thai/English name;
* ``agency`` — an ``agencies`` id or exact Thai/English name;
* ``strategy`` — an issue number of the province's ``strategic_issues``;
* ``project`` / ``need`` — an id that must exist in ``proposals``/``water_projects`` or
  ``needs`` (or earlier in the same import);
* ``attachment`` — a file reference; blank, "-", "ไม่มี", "no" mean missing (NULL).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from oneplan.core import vocab
from oneplan.core.files import typed_text, workbook_bytes, xlsx_value
from oneplan.core.paths import ROOT
from oneplan.core.text import LANGS, text

log = logging.getLogger(__name__)

TEMPLATES_DIR = ROOT / "data" / "templates"

TITLE_ROW = 1
"""Rows of a template sheet: a merged title, the Thai headers, the English headers."""
HEADER_ROW = 2
EN_HEADER_ROW = 3
FIRST_DATA_ROW = 4

INSTRUCTIONS_SHEET = "คำอธิบาย"
"""The first sheet of a template: how to fill it in (never imported as data)."""
LISTS_SHEET = "รายการ"
"""The hidden sheet holding the drop-down lists of the vocabulary columns."""


@dataclass(frozen=True)
class Column:
    """One column of an import file."""

    code: str                      # database column (or a helper field such as item_no)
    th: str                        # Thai header
    en: str                        # English header
    type: str                      # see the module docstring
    required: bool = False
    positive: bool = False         # numbers: must be more than 0 (not just >= 0)
    vocab: dict[str, tuple[str, str]] | None = None
    aliases: tuple[str, ...] = ()  # other headers users write for it
    hint_th: str = ""              # what is expected, shown in the instructions and errors
    hint_en: str = ""
    width: int = 16
    example: object = None

    def headers(self) -> tuple[str, ...]:
        """Every header that names this column (Thai, English, code, aliases)."""
        return (self.th, self.en, self.code, *self.aliases)


@dataclass(frozen=True)
class Kind:
    """An import file type: its table, key and columns."""

    name: str                      # needs / proposals / progress
    table: str
    title_th: str
    title_en: str
    sheet_th: str                  # data sheet name in the template
    key: tuple[str, ...]           # primary key columns of the table
    columns: tuple[Column, ...] = field(default_factory=tuple)
    notes_th: tuple[str, ...] = ()
    notes_en: tuple[str, ...] = ()

    def column(self, code: str) -> Column:
        """The column with database name ``code``.

        Raises:
            KeyError: no such column.
        """
        for c in self.columns:
            if c.code == code:
                return c
        raise KeyError(code)

    @property
    def template_file(self) -> str:
        """File name of the template in ``data/templates/``."""
        return f"{self.name}.xlsx"


_YEAR_HINT = ("ปีงบประมาณ พ.ศ. เช่น 2570", "fiscal year in พ.ศ. (Buddhist Era), e.g. 2570")
_DATE_HINT = ("วันที่ เช่น 15/03/2567 หรือ 15 มี.ค. 2567",
              "a date such as 15/03/2567 or 15 มี.ค. 2567")
_ATTACH_HINT = ("ชื่อไฟล์หรือลิงก์เอกสาร; เว้นว่างหรือ \"ไม่มี\" = ยังไม่มี",
                "file name or link of the document; blank or \"ไม่มี\" = missing")

NEEDS = Kind(
    name="needs", table="needs",
    title_th="แบบบันทึกความต้องการของหมู่บ้าน (แผนพัฒนาหมู่บ้าน)",
    title_en="Village needs (village development plan)",
    sheet_th="ความต้องการ",
    key=("need_id",),
    columns=(
        Column("need_id", "รหัสความต้องการ", "Need ID", "id", aliases=("รหัส",),
               hint_th="ถ้าเว้นว่าง ระบบสร้างจาก ปีงบประมาณ-รหัสหมู่บ้าน-ลำดับที่",
               hint_en="blank: made from fiscal year-village code-item no.", width=22),
        Column("item_no", "ลำดับที่", "Item no.", "int", aliases=("ลำดับ", "ที่", "No."),
               hint_th="ลำดับความต้องการของหมู่บ้าน (1, 2, 3, ...) เมื่อไม่มีรหัส",
               hint_en="the need's number within its village (1, 2, 3, ...) when no ID",
               width=9, example=1),
        Column("fiscal_year", "ปีงบประมาณ", "Fiscal year", "fiscal_year", required=True,
               aliases=("ปีงบประมาณ พ.ศ.", "ปี"), hint_th=_YEAR_HINT[0], hint_en=_YEAR_HINT[1],
               width=11, example=2570),
        Column("village_code", "รหัสหมู่บ้าน", "Village code", "village", required=True,
               aliases=("รหัสหมู่บ้าน 8 หลัก",),
               hint_th="รหัสหมู่บ้าน 8 หลัก (รหัสตำบล 6 หลัก + หมู่ที่ 2 หลัก) เช่น 32010101",
               hint_en="8-digit village code (6-digit sub-district code + 2-digit หมู่ที่), "
                       "e.g. 32010101", width=13, example="32010101"),
        Column("category", "ประเภทความต้องการ", "Category", "vocab", required=True,
               vocab=vocab.NEED_CATEGORIES, aliases=("ประเภท", "ด้าน"),
               hint_th="เลือกจากรายการ เช่น แหล่งน้ำและประปา",
               hint_en="one of the list, e.g. Water and water supply", width=24,
               example="แหล่งน้ำและประปา"),
        Column("description", "รายละเอียดความต้องการ", "Description", "text", required=True,
               aliases=("รายละเอียด", "ความต้องการ", "ชื่อโครงการ/กิจกรรม"),
               hint_th="สิ่งที่หมู่บ้านต้องการ", hint_en="what the village needs", width=40,
               example="ขุดลอกสระน้ำสาธารณะประจำหมู่บ้าน"),
        Column("households", "จำนวนครัวเรือนที่ได้รับประโยชน์", "Households", "int",
               aliases=("ครัวเรือน", "จำนวนครัวเรือน"),
               hint_th="จำนวนเต็ม เช่น 120", hint_en="a whole number, e.g. 120", width=14,
               example=120),
        Column("estimated_cost", "งบประมาณโดยประมาณ (บาท)", "Estimated cost (baht)", "money",
               aliases=("งบประมาณ", "งบประมาณ (บาท)", "ประมาณการ (บาท)"),
               hint_th="บาท เช่น 1,250,000", hint_en="baht, e.g. 1,250,000", width=16,
               example=1_250_000),
        Column("submitted_on", "วันที่เสนอ", "Submitted on", "date",
               aliases=("วันที่", "วันที่ยื่น"), hint_th=_DATE_HINT[0], hint_en=_DATE_HINT[1],
               width=13, example="15/03/2569"),
        Column("strategy_no", "ประเด็นยุทธศาสตร์ที่", "Strategic issue no.", "strategy",
               aliases=("ประเด็นยุทธศาสตร์", "ยุทธศาสตร์ที่"),
               hint_th="เลขประเด็นยุทธศาสตร์ของจังหวัด; เว้นว่าง = ยังไม่ระบุ",
               hint_en="number of the province's strategic issue; blank = not stated",
               width=12, example=1),
    ),
    notes_th=("หนึ่งแถวต่อหนึ่งความต้องการ",
              "รหัสหมู่บ้าน = รหัสตำบล 6 หลัก ต่อด้วยหมู่ที่ 2 หลัก (หมู่ 3 = 03)",
              "ใส่รหัสความต้องการ หรือ ลำดับที่ อย่างใดอย่างหนึ่ง"),
    notes_en=("One row per need.",
              "Village code = 6-digit sub-district code followed by the 2-digit หมู่ที่ "
              "(Moo 3 = 03).",
              "Give either a need ID or an item number."),
)

NEED_STAGES = Kind(
    name="need_stages", table="need_stages",
    title_th="ผลการพิจารณาความต้องการของคณะกรรมการ (กบต. / กบอ.)",
    title_en="Committee decisions on village needs (sub-district / district committees)",
    sheet_th="ผลการพิจารณา",
    key=("need_id", "stage"),
    columns=(
        Column("need_id", "รหัสความต้องการ", "Need ID", "need", required=True,
               aliases=("รหัส",), hint_th="รหัสความต้องการที่มีในระบบ",
               hint_en="a need ID already in the database", width=22,
               example="2570-32010101-001"),
        Column("stage", "ขั้นตอนการพิจารณา", "Stage", "vocab", required=True,
               vocab=vocab.NEED_STAGES, aliases=("ขั้นตอน", "ผลการพิจารณา", "สถานะ"),
               hint_th="เลือกจากรายการ เช่น กบต. กลั่นกรองแล้ว",
               hint_en="one of the list, e.g. Screened by the sub-district committee",
               width=28, example="กบต. กลั่นกรองแล้ว"),
        Column("stage_on", "วันที่พิจารณา", "Date", "date", required=True,
               aliases=("วันที่", "วันที่ประชุม"), hint_th=_DATE_HINT[0],
               hint_en=_DATE_HINT[1], width=13, example="10/04/2569"),
        Column("reason", "เหตุผล/หมายเหตุ", "Reason / remark", "text",
               aliases=("เหตุผล", "หมายเหตุ"),
               hint_th="ต้องกรอกเมื่อไม่ผ่านการพิจารณา", hint_en="required when rejected",
               width=36, example="ผ่านการกลั่นกรอง"),
        Column("linked_need_id", "รวมกับความต้องการรหัส", "Merged into need ID", "need",
               hint_th="ต้องกรอกเมื่อรวมกับความต้องการอื่น", hint_en="required when merged",
               width=22),
    ),
    notes_th=("หนึ่งแถวต่อความต้องการต่อขั้นตอน; ขั้นตอนล่าสุดเป็นสถานะปัจจุบันของความต้องการ",),
    notes_en=("One row per need and stage; the latest stage becomes the need's current "
              "stage.",),
)

PROPOSALS = Kind(
    name="proposals", table="proposals",
    title_th="แบบเสนอโครงการของหน่วยงาน (Plan101Pro)",
    title_en="Agency project proposals (Plan101Pro)",
    sheet_th="ข้อเสนอโครงการ",
    key=("project_id",),
    columns=(
        Column("project_id", "รหัสโครงการ", "Project ID", "id", required=True,
               aliases=("รหัส",), hint_th="รหัสโครงการของหน่วยงาน ไม่ซ้ำกัน",
               hint_en="the agency's project code, unique", width=18, example="32-DPT-2570-001"),
        Column("fiscal_year", "ปีงบประมาณ", "Fiscal year", "fiscal_year", required=True,
               aliases=("ปีงบประมาณ พ.ศ.", "ปี"), hint_th=_YEAR_HINT[0], hint_en=_YEAR_HINT[1],
               width=11, example=2570),
        Column("name_th", "ชื่อโครงการ", "Project name", "text", required=True,
               aliases=("โครงการ",), hint_th="ชื่อโครงการ", hint_en="the project's name",
               width=40, example="ก่อสร้างระบบประปาหมู่บ้าน หมู่ที่ 1 ตำบลในเมือง"),
        Column("agency_id", "หน่วยงานที่เสนอ", "Agency", "agency", required=True,
               aliases=("หน่วยงาน", "รหัสหน่วยงาน", "Agency ID"),
               hint_th="รหัสหรือชื่อหน่วยงาน ตามทะเบียนหน่วยงาน",
               hint_en="agency id or name, as in the agencies register", width=22,
               example="32-DPT"),
        Column("province_code", "จังหวัด", "Province", "province",
               aliases=("รหัสจังหวัด",),
               hint_th="รหัสหรือชื่อจังหวัด; เว้นว่าง = จากที่ตั้งหรือหน่วยงาน",
               hint_en="province code or name; blank = from the location or the agency",
               width=12, example="สุรินทร์"),
        Column("district_code", "รหัสอำเภอ", "District code", "district",
               hint_th="รหัสอำเภอ 4 หลัก", hint_en="4-digit district code", width=10),
        Column("subdistrict_code", "รหัสตำบล", "Sub-district code", "subdistrict",
               hint_th="รหัสตำบล 6 หลัก", hint_en="6-digit sub-district code", width=10),
        Column("village_code", "รหัสหมู่บ้าน", "Village code", "village",
               hint_th="รหัสหมู่บ้าน 8 หลัก", hint_en="8-digit village code", width=12,
               example="32010101"),
        Column("category", "ประเภทโครงการ", "Category", "vocab", required=True,
               vocab=vocab.NEED_CATEGORIES, aliases=("ประเภท", "ด้าน"),
               hint_th="เลือกจากรายการ", hint_en="one of the list", width=22,
               example="แหล่งน้ำและประปา"),
        Column("strategy_no", "ประเด็นยุทธศาสตร์ที่", "Strategic issue no.", "strategy",
               aliases=("ประเด็นยุทธศาสตร์", "ยุทธศาสตร์ที่"),
               hint_th="เลขประเด็นยุทธศาสตร์ของจังหวัด", hint_en="the province's issue number",
               width=12, example=1),
        Column("cost_baht", "งบประมาณ (บาท)", "Cost (baht)", "money", required=True,
               positive=True,
               aliases=("งบประมาณ", "วงเงิน (บาท)", "วงเงิน"),
               hint_th="บาท มากกว่า 0 เช่น 2,500,000", hint_en="baht, more than 0",
               width=16, example=2_500_000),
        Column("households", "ครัวเรือนที่ได้รับประโยชน์", "Beneficiary households", "int",
               aliases=("ครัวเรือน",), hint_th="จำนวนเต็ม", hint_en="a whole number",
               width=12, example=180),
        Column("beneficiaries", "ประชาชนที่ได้รับประโยชน์ (คน)", "Beneficiaries (people)",
               "int", aliases=("ผู้ได้รับประโยชน์",), hint_th="จำนวนเต็ม (คน)",
               hint_en="a whole number of people", width=12, example=540),
        Column("need_id", "รหัสความต้องการ", "Need ID", "need",
               hint_th="ความต้องการของหมู่บ้านที่โครงการนี้ตอบ (ถ้ามี)",
               hint_en="the village need it answers, if any", width=22),
        Column("drawing_ref", "แบบรูปรายการ", "Drawings", "attachment",
               aliases=("แบบรูป",), hint_th=_ATTACH_HINT[0], hint_en=_ATTACH_HINT[1],
               width=16, example="แบบ-ประปา-ม1.pdf"),
        Column("boq_ref", "ประมาณราคา (BOQ)", "Cost estimate (BOQ)", "attachment",
               aliases=("BOQ", "ประมาณราคา"), hint_th=_ATTACH_HINT[0],
               hint_en=_ATTACH_HINT[1], width=16, example="BOQ-ประปา-ม1.xlsx"),
        Column("photo_ref", "ภาพถ่ายพื้นที่", "Site photos", "attachment",
               aliases=("ภาพถ่าย",), hint_th=_ATTACH_HINT[0], hint_en=_ATTACH_HINT[1],
               width=16, example="ไม่มี"),
        Column("land_ref", "เอกสารสิทธิ์/หนังสืออนุญาตใช้พื้นที่", "Land document",
               "attachment", aliases=("เอกสารสิทธิ์", "หนังสืออนุญาตใช้พื้นที่"),
               hint_th=_ATTACH_HINT[0], hint_en=_ATTACH_HINT[1], width=18,
               example="นสล-1234.pdf"),
        Column("status", "สถานะ", "Status", "vocab", vocab=vocab.PROPOSAL_STATUSES,
               hint_th="เลือกจากรายการ; เว้นว่าง = เสนอโครงการ",
               hint_en="one of the list; blank = proposed", width=18, example="เสนอโครงการ"),
        Column("allocated_baht", "งบประมาณที่ได้รับจัดสรร (บาท)", "Allocated (baht)", "money",
               aliases=("งบที่ได้รับจัดสรร",), hint_th="บาท", hint_en="baht", width=16),
        Column("planned_start", "วันเริ่มโครงการ", "Planned start", "date",
               hint_th=_DATE_HINT[0], hint_en=_DATE_HINT[1], width=13, example="01/11/2569"),
        Column("planned_end", "วันสิ้นสุดโครงการ", "Planned end", "date",
               hint_th=_DATE_HINT[0], hint_en=_DATE_HINT[1], width=13, example="30/06/2570"),
    ),
    notes_th=("หนึ่งแถวต่อหนึ่งโครงการ; รหัสโครงการต้องไม่ซ้ำ",
              "เอกสารแนบ: ใส่ชื่อไฟล์หรือลิงก์; เว้นว่างหรือ \"ไม่มี\" = ยังไม่มีเอกสาร"),
    notes_en=("One row per project; project IDs must be unique.",
              "Attachments: a file name or link; blank or \"ไม่มี\" = the document is missing."),
)

PROGRESS = Kind(
    name="progress", table="progress",
    title_th="แบบรายงานความก้าวหน้าโครงการรายไตรมาส",
    title_en="Quarterly project progress",
    sheet_th="ความก้าวหน้า",
    key=("project_id", "fiscal_year", "quarter"),
    columns=(
        Column("project_id", "รหัสโครงการ", "Project ID", "project", required=True,
               aliases=("รหัส",), hint_th="รหัสโครงการที่มีในระบบ",
               hint_en="a project ID already in the database", width=18,
               example="32-DPT-2570-001"),
        Column("fiscal_year", "ปีงบประมาณ", "Fiscal year", "fiscal_year", required=True,
               aliases=("ปีงบประมาณ พ.ศ.", "ปี"), hint_th=_YEAR_HINT[0], hint_en=_YEAR_HINT[1],
               width=11, example=2570),
        Column("quarter", "ไตรมาส", "Quarter", "quarter", required=True,
               hint_th="1–4 (ไตรมาส 1 = ต.ค.–ธ.ค.)", hint_en="1–4 (Q1 = Oct–Dec)", width=8,
               example=2),
        Column("disbursed_baht", "เบิกจ่ายสะสม (บาท)", "Disbursed to date (baht)", "money",
               aliases=("เบิกจ่ายสะสม", "ผลการเบิกจ่าย (บาท)", "เบิกจ่าย (บาท)"),
               hint_th="ยอดเบิกจ่ายสะสมถึงสิ้นไตรมาส (บาท)",
               hint_en="cumulative disbursement to the end of the quarter (baht)", width=16,
               example=750_000),
        Column("physical_pct", "ผลการดำเนินงาน (%)", "Physical progress (%)", "pct",
               aliases=("ความก้าวหน้า (%)", "ร้อยละความก้าวหน้า"),
               hint_th="ร้อยละสะสม 0–100", hint_en="cumulative percent, 0–100", width=12,
               example=30),
        Column("stage", "ขั้นตอน", "Stage", "vocab", vocab=vocab.PROPOSAL_STATUSES,
               aliases=("สถานะ",), hint_th="เลือกจากรายการ", hint_en="one of the list",
               width=18, example="อยู่ระหว่างดำเนินการ"),
        Column("problems", "ปัญหาอุปสรรค", "Problems", "text",
               aliases=("ปัญหา/อุปสรรค", "ปัญหา"), hint_th="ถ้ามี", hint_en="if any", width=30,
               example="ฝนตกต่อเนื่อง"),
        Column("reported_on", "วันที่รายงาน", "Reported on", "date",
               hint_th=_DATE_HINT[0], hint_en=_DATE_HINT[1], width=13, example="05/04/2570"),
    ),
    notes_th=("หนึ่งแถวต่อโครงการต่อไตรมาส; ตัวเลขเป็นยอดสะสม",),
    notes_en=("One row per project and quarter; figures are cumulative.",),
)

KINDS: dict[str, Kind] = {k.name: k for k in (NEEDS, NEED_STAGES, PROPOSALS, PROGRESS)}
"""Import kinds in load order (needs before their stages and the proposals that cite them,
proposals before their progress)."""


# --- templates -------------------------------------------------------------------------

REJECT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("_file", "ไฟล์ต้นฉบับ", "Source file"),
    ("_sheet", "ชีต", "Sheet"),
    ("_row", "แถว", "Row"),
    ("_columns", "คอลัมน์ที่ผิด", "Columns"),
    ("_problem_th", "ปัญหา", "Problem"),
    ("_problem_en", "ปัญหา (อังกฤษ)", "Problem (English)"),
)
"""Columns a rejects file adds after the template's columns (ignored when re-imported)."""


def _vocab_names(col: Column) -> list[str]:
    return [names[0] for names in col.vocab.values()]


def write_sheet(wb, kind: Kind, rows: list[list] | None = None, *, sheet_name: str | None = None,
                extra_headers: tuple[tuple[str, str], ...] = ()):
    """Add a data sheet in template layout to workbook ``wb``: merged title (row 1), Thai
    headers (row 2, ``*`` = required), English headers (row 3), then ``rows``.

    Vocabulary columns get a drop-down list (from a hidden ``รายการ`` sheet).

    Returns:
        The worksheet.
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = wb.create_sheet(sheet_name or kind.sheet_th)
    ncols = len(kind.columns) + len(extra_headers)
    ws.cell(TITLE_ROW, 1, f"{kind.title_th} / {kind.title_en}").font = Font(bold=True, size=14)
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=ncols)
    req_fill = PatternFill("solid", fgColor="FCE4D6")
    opt_fill = PatternFill("solid", fgColor="DDEBF7")
    for j, col in enumerate(kind.columns, start=1):
        c = ws.cell(HEADER_ROW, j, col.th + (" *" if col.required else ""))
        c.font = Font(bold=True)
        c.fill = req_fill if col.required else opt_fill
        c.alignment = Alignment(wrap_text=True, vertical="center")
        e = ws.cell(EN_HEADER_ROW, j, col.en)
        e.font = Font(italic=True, color="666666", size=9)
        ws.column_dimensions[get_column_letter(j)].width = col.width
    for k, (th, en) in enumerate(extra_headers, start=len(kind.columns) + 1):
        c = ws.cell(HEADER_ROW, k, xlsx_value(th))
        c.font = Font(bold=True, color="C00000")
        ws.cell(EN_HEADER_ROW, k, xlsx_value(en)).font = Font(italic=True, color="C00000",
                                                              size=9)
        ws.column_dimensions[get_column_letter(k)].width = 28
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)
    for i, row in enumerate(rows or [], start=FIRST_DATA_ROW):
        for j, value in enumerate(row, start=1):
            if value is not None and value != "":
                # as typed, so it imports again unchanged; text, never a formula to run
                typed_text(ws.cell(i, j), value)

    vocab_cols = [(j, col) for j, col in enumerate(kind.columns, start=1) if col.vocab]
    if vocab_cols:
        lists = (wb[LISTS_SHEET] if LISTS_SHEET in wb.sheetnames
                 else wb.create_sheet(LISTS_SHEET))
        lists.sheet_state = "hidden"
        for j, col in vocab_cols:
            # one list column per vocabulary, shared by every sheet that uses it
            header = f"{col.code}"
            existing = [lists.cell(1, k).value for k in range(1, lists.max_column + 1)]
            if header in existing:
                k = existing.index(header) + 1
            else:
                k = (lists.max_column + 1) if lists.cell(1, 1).value else 1
                lists.cell(1, k, header)
                for i, n in enumerate(_vocab_names(col), start=2):
                    lists.cell(i, k, n)
            letter = get_column_letter(k)
            last = len(col.vocab) + 1
            dv = DataValidation(type="list",
                                formula1=f"'{LISTS_SHEET}'!${letter}$2:${letter}${last}",
                                allow_blank=True, showErrorMessage=False)
            dv.promptTitle = col.th[:32]
            dv.prompt = col.hint_th[:255]
            dv.showInputMessage = True
            ws.add_data_validation(dv)
            dv.add(f"{get_column_letter(j)}{FIRST_DATA_ROW}:{get_column_letter(j)}5000")
    return ws


def _both(key: str) -> str:
    """A catalogue text as ``ไทย / English`` (a cell read in both languages)."""
    return " / ".join(text(key, lang) for lang in LANGS)


def _instructions(wb, kind: Kind) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet(INSTRUCTIONS_SHEET, 0)
    ws.append([f"{kind.title_th} / {kind.title_en}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append([_both("data.templates.how_to")])
    ws["A3"].font = Font(bold=True)
    general = [tuple(text("data.templates.general.fill_in", lang, sheet=kind.sheet_th,
                          row=FIRST_DATA_ROW) for lang in LANGS),
               tuple(text("data.templates.general.required", lang) for lang in LANGS),
               tuple(text("data.templates.general.import", lang) for lang in LANGS)]
    for th, en in [*general, *zip(kind.notes_th, kind.notes_en)]:
        ws.append([th, en])
    ws.append([])
    ws.append([text("data.templates.columns.column", "th"),
               text("data.templates.columns.column", "en"),
               _both("data.templates.columns.required"),
               text("data.templates.columns.format", "th"),
               text("data.templates.columns.format", "en"),
               _both("data.templates.columns.allowed")])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    required = _both("data.templates.columns.required_yes")
    for col in kind.columns:
        allowed = "; ".join(f"{n[0]} ({code})" for code, n in col.vocab.items()) \
            if col.vocab else ""
        ws.append([col.th, col.en, required if col.required else "", col.hint_th,
                   col.hint_en, allowed])
    for letter, width in zip("ABCDEF", (34, 30, 16, 50, 50, 60)):
        ws.column_dimensions[letter].width = width


REFERENCE_SHEETS = ("หมู่บ้าน", "หน่วยงาน", "ประเด็นยุทธศาสตร์")
"""Look-up sheets of a province's templates (never imported as data)."""


def province_reference(con, province_code: str) -> dict[str, tuple[list[str], list[tuple]]]:
    """The codes a province's users need while filling in a template: its villages (with
    sub-district and district names), the agencies that may propose there (its own and the
    central ones) and its strategic issues.

    Returns:
        ``{sheet name: (headers, rows)}`` for :data:`REFERENCE_SHEETS`.
    """
    villages = con.execute("""
        SELECT v.code, v.name_th, s.code, s.name_th, d.name_th
        FROM areas v JOIN areas s ON s.code = v.parent_code JOIN areas d ON d.code = s.parent_code
        WHERE v.level = 'village' AND v.province_code = ? ORDER BY v.code""",
                           [province_code]).fetchall()
    agencies = con.execute("""
        SELECT agency_id, name_th, level FROM agencies
        WHERE province_code = ? OR province_code IS NULL
        ORDER BY province_code NULLS LAST, agency_id""", [province_code]).fetchall()
    issues = con.execute("SELECT issue_no, name_th FROM strategic_issues WHERE province_code = ? "
                         "ORDER BY issue_no", [province_code]).fetchall()
    return {
        "หมู่บ้าน": (["รหัสหมู่บ้าน", "หมู่บ้าน", "รหัสตำบล", "ตำบล", "อำเภอ"], villages),
        "หน่วยงาน": (["รหัสหน่วยงาน", "ชื่อหน่วยงาน", "ระดับ"], agencies),
        "ประเด็นยุทธศาสตร์": (["ประเด็นที่", "ประเด็นยุทธศาสตร์"], issues),
    }


# which look-up sheet feeds the drop-down of which column type
_REFERENCE_OF = {"village": "หมู่บ้าน", "agency": "หน่วยงาน", "strategy": "ประเด็นยุทธศาสตร์"}


def _reference_sheets(wb, kind: Kind, reference: dict) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for name, (headers, rows) in reference.items():
        ws = wb.create_sheet(name)
        ws.append(headers)
        for c in ws[1]:
            c.font = Font(bold=True)
        for r in rows:
            ws.append(list(r))
        for j, width in enumerate((14, 40, 12, 20, 20)[:len(headers)], start=1):
            ws.column_dimensions[get_column_letter(j)].width = width
        ws.freeze_panes = "A2"
    data = wb[kind.sheet_th]
    for j, col in enumerate(kind.columns, start=1):
        sheet = _REFERENCE_OF.get(col.type)
        if sheet is None or not reference[sheet][1]:
            continue
        last = len(reference[sheet][1]) + 1
        dv = DataValidation(type="list", formula1=f"'{sheet}'!$A$2:$A${last}",
                            allow_blank=True, showErrorMessage=False)
        dv.promptTitle = col.th[:32]
        dv.prompt = f"ดูชีต \"{sheet}\"; {col.hint_th}"[:255]
        dv.showInputMessage = True
        data.add_data_validation(dv)
        letter = get_column_letter(j)
        dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}5000")


def template_workbook(kind: Kind, rows: list[list] | None = None, *,
                      reference: dict | None = None):
    """The template workbook of ``kind``: instructions, the data sheet, hidden lists, and
    with ``reference`` (:func:`province_reference`) the province's look-up sheets with
    drop-downs of its village codes, agencies and strategic issues.

    Returns:
        An ``openpyxl.Workbook`` (not saved).
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _instructions(wb, kind)
    write_sheet(wb, kind, rows)
    if reference:
        _reference_sheets(wb, kind, reference)
    wb.properties.title = kind.title_th
    wb.properties.subject = f"oneplan import template: {kind.name}"
    return wb


# More example rows, filled the way people do: Thai digits, Thai month names, "บาท".
_MORE_EXAMPLES: dict[str, list[dict[str, object]]] = {
    "needs": [
        dict(item_no="๒", fiscal_year="๒๕๗๐", village_code="๓๒๐๑๐๑๐๒", category="ถนนและการคมนาคม",
             description="ก่อสร้างถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน", households="๘๕",
             estimated_cost="๒,๔๐๐,๐๐๐ บาท", submitted_on="๒๐ มี.ค. ๒๕๖๙", strategy_no="๓"),
        dict(item_no=3, fiscal_year="ปีงบประมาณ 2570", village_code="32010201",
             category="การเกษตร", description="ส่งเสริมการปลูกผักปลอดสารพิษ", households=40,
             estimated_cost="150,000", submitted_on="2026-03-22"),
    ],
    "proposals": [
        dict(project_id="32-PAO-2570-014", fiscal_year=2570, name_th="ขุดลอกหนองน้ำสาธารณะ",
             agency_id="องค์การบริหารส่วนจังหวัดสุรินทร์", village_code="32010203",
             category="water", strategy_no=1, cost_baht="1.8 ล้านบาท", households="๒๑๐",
             need_id="2570-32010101-001", drawing_ref="ไม่มี", boq_ref="BOQ-หนอง.xlsx",
             status="บรรจุในแผน", planned_start="1 ธ.ค. 2569", planned_end="31 พ.ค. 2570"),
    ],
    "need_stages": [
        dict(need_id="2570-32010101-001", stage="amphoe_screened", stage_on="๒๕ เม.ย. ๒๕๖๙"),
        dict(need_id="2570-32010102-002", stage="ไม่ผ่านการพิจารณา", stage_on="10/04/2569",
             reason="อยู่ในแผนของ อบต. แล้ว"),
        dict(need_id="2570-32010201-003", stage="merged", stage_on="10/04/2569",
             reason="ความต้องการเดียวกัน", linked_need_id="2570-32010101-001"),
    ],
    "progress": [
        dict(project_id="32-DPT-2570-001", fiscal_year="๒๕๗๐", quarter="ไตรมาส ๓",
             disbursed_baht="1,600,000.00 บาท", physical_pct="65%", stage="in_progress",
             reported_on="๕ ก.ค. ๒๕๗๐"),
    ],
}


def example_rows(kind: Kind) -> list[list]:
    """Filled example rows of ``kind``: the ``example`` of each column, then a few rows
    written the way people do (Thai digits, Thai month names, amounts with "บาท")."""
    rows = [[c.example for c in kind.columns]]
    rows += [[extra.get(c.code) for c in kind.columns] for extra in _MORE_EXAMPLES[kind.name]]
    return rows


_FIXED_TIME = (2026, 1, 1, 0, 0, 0)


def save_stable(wb, path: str | Path) -> Path:
    """Save workbook ``wb`` so that the same content gives the same bytes: fixed zip entry
    times and document dates (openpyxl stamps both with the clock), so regenerating the
    committed templates shows no change in git unless the specs changed.

    Returns:
        ``path``.
    """
    import io
    import re as _re
    import zipfile

    buf = io.BytesIO(workbook_bytes(wb))  # every cell inert (data validations stay)
    path = Path(path)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                               rb"\g<1>2026-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    return path


def write_templates(out_dir: str | Path | None = None, *, examples: bool = True,
                    province: str | None = None, db_path: str | Path | None = None
                    ) -> list[Path]:
    """Write ``<kind>.xlsx`` (empty template) for every kind, and with ``examples``
    ``<kind>.example.xlsx`` (the same with filled example rows, importable into the Surin
    sample), into ``out_dir`` (default ``data/templates/``).

    With ``province``, the templates get that province's look-up sheets (villages,
    agencies, strategic issues, from the database ``db_path``) and drop-downs fed by them;
    they go to ``data/templates/provinces/<code>/`` by default (not committed), without
    the Surin examples.

    Returns:
        The paths written.

    Raises:
        oneplan.core.areas.UnknownAreaError: ``province`` is not a province code.
        oneplan.data.db.DatabaseMissingError: the database does not exist.
    """
    reference = None
    if province:
        from oneplan.core import areas
        from oneplan.data import db

        code = areas.province(province).code
        con = db.connect(db_path)
        try:
            reference = province_reference(con, code)
        finally:
            con.close()
        examples = False
    default = TEMPLATES_DIR / "provinces" / province if province else TEMPLATES_DIR
    out = Path(out_dir) if out_dir else default
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS.values():
        path = out / kind.template_file
        save_stable(template_workbook(kind, reference=reference), path)
        written.append(path)
        if examples:
            path = out / f"{kind.name}.example.xlsx"
            save_stable(template_workbook(kind, example_rows(kind)), path)
            written.append(path)
    log.info("wrote %d templates to %s", len(written), out)
    return written

"""Writers of the hostile corpus: CSV bytes in any encoding and line ending, workbooks
through openpyxl (saved byte-stable), workbooks written XML by XML (cached formula values,
error cells, lying dimensions, millions of styled empty cells — what openpyxl will not
write), and OLE2 compound files (an encrypted workbook, an old .xls).

Everything is deterministic: the same call writes the same bytes.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

from oneplan.core.files import set_formula
from oneplan.data.templates import save_stable

NEEDS_TH = ["ลำดับที่", "ปีงบประมาณ", "รหัสหมู่บ้าน", "ประเภทความต้องการ", "รายละเอียดความต้องการ",
            "จำนวนครัวเรือนที่ได้รับประโยชน์", "งบประมาณโดยประมาณ (บาท)", "วันที่เสนอ"]
NEEDS_EN = ["Item no.", "Fiscal year", "Village code", "Category", "Description", "Households",
            "Estimated cost (baht)", "Submitted on"]
NEEDS_ID_TH = ["รหัสความต้องการ"] + NEEDS_TH
PROPOSALS_TH = ["รหัสโครงการ", "ปีงบประมาณ", "ชื่อโครงการ", "หน่วยงานที่เสนอ", "รหัสหมู่บ้าน",
                "ประเภทโครงการ", "งบประมาณ (บาท)"]
PROGRESS_TH = ["รหัสโครงการ", "ปีงบประมาณ", "ไตรมาส", "เบิกจ่ายสะสม (บาท)", "ผลการดำเนินงาน (%)"]
STAGES_TH = ["รหัสความต้องการ", "ขั้นตอนการพิจารณา", "วันที่พิจารณา", "เหตุผล/หมายเหตุ"]
_FIXED = (2026, 1, 1, 0, 0, 0)


def need(item, village="32010101", *, desc=None, households="120", cost="1250000",
         when="15/03/2569", fy="2570", category="แหล่งน้ำและประปา") -> list[str]:
    """One needs row (Thai header order of :data:`NEEDS_TH`)."""
    return [str(item), fy, village, category, desc or f"ความต้องการที่ {item}", households,
            cost, when]


def needs(n: int, village="32010101", start: int = 1, **kw) -> list[list[str]]:
    """``n`` needs rows of one village, items ``start``…"""
    return [need(i, village, **kw) for i in range(start, start + n)]


def csv_text(rows, *, delimiter=",", terminator="\r\n") -> str:
    """Rows as CSV text (quoted as Excel quotes)."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=terminator).writerows(rows)
    return buf.getvalue()


def physical_lines(text: str) -> int:
    """Lines of a text (CR LF, LF or CR each end one; a last unterminated line counts),
    counted independently of the importer."""
    if not text:
        return 0
    return len(re.findall(r"\r\n|\r|\n", text)) + (0 if text.endswith(("\n", "\r")) else 1)


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` at ``path``."""
    path.write_bytes(data)


def workbook(path: Path, sheets, *, merges=None, cells=None, hidden=()) -> None:
    """A workbook through openpyxl: ``sheets`` is ``[(name, rows)]``; ``merges`` and
    ``cells`` map a sheet name to ranges to merge and ``{ref: value}`` to set; sheets named
    in ``hidden`` are hidden."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        for m in (merges or {}).get(name, ()):
            ws.merge_cells(m)
        for ref, v in (cells or {}).get(name, {}).items():
            ws[ref] = v
        if name in hidden:
            ws.sheet_state = "hidden"
        # a hostile workbook keeps what openpyxl makes of "=…": a live formula (the
        # project's writers would make it inert text); only the cells written (a far
        # stray cell must not make the whole grid)
        typed = [(i, j, v) for i, r in enumerate(rows, 1) for j, v in enumerate(r, 1)]
        typed += [(ws[ref].row, ws[ref].column, v)
                  for ref, v in (cells or {}).get(name, {}).items()]
        for i, j, v in typed:
            if isinstance(v, str) and v.startswith("="):
                set_formula(ws, i, j, v)
    save_stable(wb, path)


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_xml(ref: str, value) -> str:
    """One ``<c>``: a str is an inline string, ``("f", formula, cached)`` a formula with a
    cached value (None: none), ``("e", formula, error)`` an error value, ``("n", text)`` a
    number as written, an int/float a number."""
    if isinstance(value, tuple):
        tag = value[0]
        if tag == "n":
            return f'<c r="{ref}"><v>{value[1]}</v></c>'
        if tag == "e":
            return f'<c r="{ref}" t="e"><f>{escape(value[1])}</f><v>{value[2]}</v></c>'
        formula, cached = value[1], value[2]
        v = "" if cached is None else f"<v>{cached}</v>"
        return f'<c r="{ref}"><f>{escape(formula)}</f>{v}</c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def raw_workbook(path: Path, rows: list[tuple[int, list]], *, dimension: str | None = None,
                 extra_xml: str = "", empty_styled: int = 0, sheet_name: str = "ข้อมูล"
                 ) -> None:
    """A one-sheet workbook written XML by XML: ``rows`` are ``(row number, cells)``
    (see :func:`cell_xml`); ``dimension`` is the extent the sheet claims; ``empty_styled``
    rows of styled empty cells follow the data (a file that formats a million cells)."""
    body = []
    for r, cells in rows:
        cs = "".join(cell_xml(f"{_col(j)}{r}", v) for j, v in enumerate(cells, start=1)
                     if v is not None)
        body.append(f'<row r="{r}">{cs}</row>')
    last = max((r for r, _ in rows), default=0)
    for k in range(empty_styled):
        r = last + 1 + k
        body.append(f'<row r="{r}"><c r="A{r}" s="1"/><c r="H{r}" s="1"/></row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'{dim}<sheetData>{"".join(body)}</sheetData>{extra_xml}</worksheet>')
    ns = "http://schemas.openxmlformats.org"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxml'
            'formats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxml'
            'formats-officedocument.spreadsheetml.styles+xml"/></Types>'),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/'
            f'2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>'
            f'<sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets>'
            '</workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{ns}/officeDocument/2006/relationships/styles" '
            'Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{ns}/spreadsheetml/'
            '2006/main"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
            '<borders count="1"><border/></borders><cellXfs count="2"><xf numFmtId="0"/>'
            '<xf numFmtId="0" fillId="0"/></cellXfs></styleSheet>'),
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(zipfile.ZipInfo(name, date_time=_FIXED), text.encode("utf-8"),
                       compress_type=zipfile.ZIP_DEFLATED)


def zip_of(path: Path, members: dict[str, bytes]) -> None:
    """A zip file of ``members`` (a Word document, a workbook without its workbook part)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, date_time=_FIXED), data,
                       compress_type=zipfile.ZIP_DEFLATED)


def compound_file(path: Path, streams: list[str]) -> None:
    """A minimal OLE2 compound file (magic D0CF11E0) whose directory names ``streams``
    (empty): ``EncryptionInfo`` + ``EncryptedPackage`` is how Excel stores a
    password-protected workbook, ``Workbook`` an old binary .xls."""
    sector = 512
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 44, 1)            # sectors of the FAT
    struct.pack_into("<I", header, 48, 1)            # first directory sector
    struct.pack_into("<I", header, 56, 4096)         # mini stream cut-off
    struct.pack_into("<II", header, 60, 0xFFFFFFFE, 0)
    struct.pack_into("<II", header, 68, 0xFFFFFFFE, 0)
    struct.pack_into("<I", header, 76, 0)            # DIFAT[0]: the FAT is sector 0
    for k in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * k, 0xFFFFFFFF)
    fat = bytearray(b"\xff" * sector)
    struct.pack_into("<II", fat, 0, 0xFFFFFFFD, 0xFFFFFFFE)
    directory = bytearray()
    for i, (name, kind) in enumerate([("Root Entry", 5)] + [(s, 2) for s in streams]):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry[0:len(encoded)] = encoded
        struct.pack_into("<HBB", entry, 64, len(encoded), kind, 1)
        right = i + 1 if 0 < i < len(streams) else 0xFFFFFFFF
        child = 1 if i == 0 and streams else 0xFFFFFFFF
        struct.pack_into("<III", entry, 68, 0xFFFFFFFF, right, child)
        struct.pack_into("<II", entry, 116, 0xFFFFFFFE, 0)
        directory += entry
    directory += b"\x00" * (-len(directory) % sector)
    path.write_bytes(bytes(header) + bytes(fat) + bytes(directory))

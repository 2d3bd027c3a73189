"""Output is inert (issue 13): nothing a user typed runs in a report or a spreadsheet.

End to end: script, image, event-handler and ``javascript:`` payloads and spreadsheet
formulas (``=HYPERLINK``, ``+SUM``, ``-2+3``, ``@cmd``, tab, CR) are planted into every
name a report shows, in a real sample database of Surin (:mod:`hostile_names`); the
batch then writes every report of the province and the national ones, HTML and PDF, as
``oneplan report`` does. No HTML may hold a script, an event handler or a ``javascript:``
link of the data; every PDF builds; no XLSX holds a formula and no CSV or XLSX cell
starts like one. The payloads must be there, shown as typed (the checks cannot pass on
an empty report). The same for the province import templates (look-up sheets from the
database), the rejects file of an import, a complaint feed's rejected rows and the
follow-up facts file; then the writers and the escaping point one by one.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import nbformat
import openpyxl
import pandas as pd
import pytest
from hostile_names import (
    FORMULA_PAYLOADS,
    HTML_PAYLOADS,
    MATH_PAYLOADS,
    PAYLOADS,
    plant,
)
from oneplan import cli
from oneplan.batch import registry
from oneplan.core import files
from oneplan.core.pdf import pdf_text
from oneplan.samples import build

PROVINCE = "32"
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
SIGNED_NUMBER = re.compile(r"[+-][0-9][0-9,]*(?:\.[0-9]+)?%?")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"}


def would_run(value) -> bool:
    """Whether a spreadsheet could take this cell for a formula (the OWASP rule): text of
    more than one character starting with = + - @ tab or CR. A signed number written as
    text ("-20%", "+1,250.5") is shown as a number: nothing to call or refer to."""
    return (isinstance(value, str) and len(value) > 1 and value.startswith(DANGEROUS_START)
            and not SIGNED_NUMBER.fullmatch(value))


class Active(HTMLParser):
    """What in an HTML page could run: scripts, event-handler attributes, links or sources
    with a script URL, the payload's ``<img src=x>``; and the text a reader sees."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[tuple[str, str, str]] = []
        self.script_urls: list[tuple[str, str, str]] = []
        self.payload_images: list[list] = []
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name, value))
            if name in URL_ATTRIBUTES and value and re.sub(r"\s", "", value).lower().startswith(
                    ("javascript:", "vbscript:", "data:text/html")):
                self.script_urls.append((tag, name, value))
        if tag == "img" and dict(attrs).get("src") == "x":
            self.payload_images.append(attrs)
        if tag in ("script", "style"):
            self._in = tag
            if tag == "script":
                self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts[-1] += data
        elif self._in is None:
            self.text.append(data)

    @classmethod
    def of(cls, page: str) -> Active:
        parser = cls()
        parser.feed(page)
        parser.close()
        return parser

    @property
    def visible(self) -> str:
        return "".join(self.text)


def assert_nothing_runs(page: str, where: str, *, own_scripts: bool = False) -> Active:
    """No handler, script URL or payload image in ``page``; scripts only where the project
    writes its own (``own_scripts``), and none of them the data's."""
    found = Active.of(page)
    assert not found.handlers, (where, found.handlers[:3])
    assert not found.script_urls, (where, found.script_urls[:3])
    assert not found.payload_images, (where, found.payload_images[:3])
    if own_scripts:
        assert not [s for s in found.scripts if "alert(" in s], where
    else:
        assert not found.scripts, (where, [s[:80] for s in found.scripts[:3]])
    assert "<script>alert" not in page, where
    return found


def xlsx_cells(path: Path):
    """(sheet, cell) of every cell holding a value."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield ws.title, cell


def assert_xlsx_inert(path: Path, *, typed_sheets: tuple[str, ...] = ()) -> list[str]:
    """No formula cell, no text cell that would run, in ``path``; in ``typed_sheets`` (text
    kept as the user typed it, to import again) such text must be stored as text with
    Excel's own text prefix. Returns the text values."""
    values = []
    for sheet, cell in xlsx_cells(path):
        where = f"{path.name} {sheet}!{cell.coordinate} {cell.value!r}"
        assert cell.data_type != "f", where
        if isinstance(cell.value, str):
            values.append(cell.value)
            assert cell.data_type == "s", where
            if would_run(cell.value):
                assert sheet in typed_sheets and cell.quotePrefix, where
    return values


def csv_cells(path: Path, encoding: str = "utf-8-sig") -> list[list[str]]:
    """The rows of a CSV file as a spreadsheet reads them (a lone CR is a line break; in
    an unquoted field the csv module refuses it)."""
    raw = path.read_bytes().decode(encoding)
    return list(csv.reader(io.StringIO(raw, newline=""), strict=True))


def assert_csv_inert(path: Path, encoding: str = "utf-8-sig") -> list[str]:
    """No cell of ``path`` would run; returns every cell."""
    cells = [v for row in csv_cells(path, encoding) for v in row]
    assert not [v for v in cells if would_run(v)], (path.name,
                                                      [v for v in cells if would_run(v)][:3])
    return cells


NEUTRALISED = tuple("'" + p for p in FORMULA_PAYLOADS)


# ------------------------------------------------------------------------ end to end


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> Path:
    """A sample database of Surin with the payloads in every name a report shows."""
    path = tmp_path_factory.mktemp("hostile-db") / "hostile.duckdb"
    build.build_sample(path, provinces=[PROVINCE])
    counts = plant(path, PROVINCE)
    assert min(counts.values()) > 0, counts
    return path


@pytest.fixture(scope="module")
def reports(hostile_db, tmp_path_factory) -> dict:
    """Every report of the province and the national ones, HTML and PDF, by the batch."""
    out = tmp_path_factory.mktemp("hostile-reports") / "reports"
    code = cli.main(["report", "--province", PROVINCE, "--national", "--formats", "html,pdf",
                     "--out", str(out), "--db", str(hostile_db), "--workers", "2",
                     "--no-progress"])
    return {"code": code, "out": out, "year": out / "2570"}


def _report_files(reports, ext: str) -> list[Path]:
    specs = registry.available_reports()
    return [reports["year"] / (PROVINCE if s.scope == "province" else "national")
            / f"{s.name}.{ext}" for s in specs]


def test_every_report_is_written_html_and_pdf(reports):
    assert reports["code"] == 0
    for ext in ("html", "pdf"):
        missing = [p for p in _report_files(reports, ext) if not p.is_file()]
        assert not missing, missing
    assert (reports["out"] / "index.html").is_file()


def test_no_payload_runs_in_any_report_html(reports):
    pages = sorted(reports["out"].rglob("*.html"))
    assert len(pages) == len(_report_files(reports, "html")) + 1   # + the portal
    for page in pages:
        assert_nothing_runs(page.read_text(encoding="utf-8"), page.name,
                            own_scripts=page.name == "index.html")


@pytest.mark.parametrize("report, shown", [
    ("needs_plan", HTML_PAYLOADS), ("followup", HTML_PAYLOADS[:2]),
    ("water_portfolio", HTML_PAYLOADS[:2]), ("complaints", HTML_PAYLOADS[:2]),
    ("national/national_overview", HTML_PAYLOADS[1:2])])
def test_payloads_are_shown_as_typed(reports, report, shown):
    folder, _, name = report.rpartition("/")
    page = reports["year"] / (folder or PROVINCE) / f"{name}.html"
    visible = Active.of(page.read_text(encoding="utf-8")).visible
    for payload in shown:
        assert payload in visible, (report, payload)


def test_the_pdf_of_the_needs_plan_prints_the_payloads_as_text(reports):
    text = pdf_text(reports["year"] / PROVINCE / "needs_plan.pdf")
    assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(1)>" in text


def test_markdown_is_escaped_where_the_sentence_is_made(reports):
    """Without the batch's inert Markdown step (nbconvert's own filter lets raw HTML and
    ``javascript:`` links through), the sentences of every notebook still hold nothing
    that runs: their data was escaped by the report helpers."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    shown = 0
    for path in sorted(reports["year"].rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                md = output.get("data", {}).get("text/markdown")
                if md is None:
                    continue
                found = assert_nothing_runs(markdown2html_mistune(md), path.name)
                shown += sum(p in found.visible for p in HTML_PAYLOADS)
    assert shown > 0   # some sentence names a planted district, agency or project


def test_no_xlsx_of_the_reports_holds_a_formula(reports):
    books = sorted(reports["out"].rglob("*.xlsx"))
    assert {p.name for p in books} >= {"needs_plan.xlsx", "followup.xlsx",
                                       f"complaints_{PROVINCE}.xlsx",
                                       f"plan_{PROVINCE}_2570.xlsx"}
    for book in books:
        values = assert_xlsx_inert(book)
        assert any(v.startswith(NEUTRALISED) for v in values), book.name


def test_every_csv_cell_of_the_reports_is_neutralised(reports):
    tables = sorted(reports["out"].rglob("*.csv"))
    assert len(tables) > 20
    seen = set()
    for table in tables:
        cells = assert_csv_inert(table)
        seen |= {p for p in NEUTRALISED for v in cells if v.startswith(p)}
        if table.name in ("ranking.csv", "ranking_full.csv", "proposals_lacking.csv"):
            assert any(v.startswith(NEUTRALISED) for v in cells), table.name
    assert seen == set(NEUTRALISED)   # every payload, CR and tab included, came through


def test_province_templates_lookup_sheets_are_inert(hostile_db, tmp_path):
    from oneplan.data.templates import write_templates

    written = write_templates(tmp_path, province=PROVINCE, db_path=hostile_db)
    assert written
    lists = []
    for book in written:
        values = assert_xlsx_inert(book)
        assert any(v.startswith(NEUTRALISED) for v in values), book.name
        # the drop-down lists the project means to write are still there
        wb = openpyxl.load_workbook(book)
        mine = [dv.formula1 for ws in wb.worksheets for dv in ws.data_validations.dataValidation]
        assert mine and all(re.fullmatch(r"'[^']+'!\$[A-Z]+\$2:\$[A-Z]+\$\d+", f)
                            for f in mine), (book.name, mine)
        lists += mine
    assert any(f.startswith("'หมู่บ้าน'!$A$2") for f in lists)


# ----------------------------------------------------------- files written for users

NEEDS_TH = ["ลำดับที่", "ปีงบประมาณ", "รหัสหมู่บ้าน", "ประเภทความต้องการ", "รายละเอียดความต้องการ",
            "จำนวนครัวเรือนที่ได้รับประโยชน์", "งบประมาณโดยประมาณ (บาท)", "วันที่เสนอ"]


def test_rejects_file_is_inert_and_keeps_what_was_typed(tmp_path):
    from oneplan.data import ingest
    from plan_free_db import build_plan_free

    db = build_plan_free(tmp_path / "plan.duckdb")
    rows = [NEEDS_TH] + [[str(i), "2570", payload, "water", payload, "10", "1000",
                          "2026-03-16"] for i, payload in enumerate(PAYLOADS, start=1)]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    src = tmp_path / "hostile-needs.csv"
    src.write_bytes(buf.getvalue().encode("utf-8"))
    (result,) = ingest.import_files([src], db)
    assert result.error is None
    (sheet,) = result.sheets
    assert sheet.read == sheet.rejected == len(PAYLOADS)
    rejects = result.rejects_path
    data_sheet = "ความต้องการ"
    values = assert_xlsx_inert(rejects, typed_sheets=(data_sheet,))
    assert any(v.startswith(NEUTRALISED) for v in values)   # the problems sheet's values

    def typed(path):
        ws = openpyxl.load_workbook(path)[data_sheet]
        col = [c.value for c in ws[3]].index("Description") + 1
        return [ws.cell(r, col) for r in range(4, ws.max_row + 1)]

    cells = typed(rejects)
    # each description as typed (XML reads a CR as a line break), text, never a formula
    assert [c.value.strip() for c in cells] == [p.strip() for p in PAYLOADS]
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [would_run(p) for p in PAYLOADS]
    assert any(c.quotePrefix for c in cells)
    # importing the rejects file again reads the same values: nothing changed on the way
    (again,) = ingest.import_files([rejects], db)
    assert again.sheets[0].rejected == len(PAYLOADS)
    assert [c.value for c in typed(rejects)] == [c.value for c in cells]
    assert_xlsx_inert(rejects, typed_sheets=(data_sheet,))


def test_a_feeds_rejected_rows_are_written_inert(tmp_path, monkeypatch):
    from oneplan.complaints import feeds
    from oneplan.samples import feeds as generate

    monkeypatch.setenv("ONEPLAN_PII_SALT", "tests-only-salt-0123456789")
    gen = generate.generate(200, ["40"], seed=11)
    feed = feeds.registry()["dd_province"]
    part = gen.records[gen.records["agency_id"] == "dd_province"].head(len(PAYLOADS))
    frame = generate.to_feed_frame(part, feed).reset_index(drop=True)
    frame["ตำบล"] = list(PAYLOADS)[:len(frame)]          # not a sub-district, and
    frame["รายละเอียดเรื่อง"] = None                          # no text: set aside
    path = tmp_path / "dd_province_2570.csv"
    frame.to_csv(path, index=False, encoding=feed.encoding, quoting=csv.QUOTE_NONNUMERIC)
    res = feeds.import_file(path, "dd_province")
    assert res.rejected["source_row"].nunique() == len(frame)
    rejected = path.with_name(path.name + ".rejected.csv")
    cells = assert_csv_inert(rejected)
    assert any(v.startswith(NEUTRALISED) for v in cells)


def test_follow_up_facts_files_are_inert(tmp_path):
    from oneplan.selection import facts

    events = pd.DataFrame({"project_id": ["P1", "P2", "P3"],
                           "event": ["delay", "cancelled", "cost_overrun"],
                           "new_cost_baht": [None, None, 1_500_000.0],
                           "delay_years": [1, None, None],
                           "note": [FORMULA_PAYLOADS[0], FORMULA_PAYLOADS[3], HTML_PAYLOADS[0]]})
    f = facts.FollowUpFacts(events=events, months=6)
    book = facts.write_facts(f, tmp_path / "facts.xlsx")
    values = assert_xlsx_inert(book)
    assert "'" + FORMULA_PAYLOADS[0] in values and HTML_PAYLOADS[0] in values
    table = facts.write_facts(f, tmp_path / "facts.csv")
    assert "'@cmd" in assert_csv_inert(table, encoding="utf-8")
    back = facts.read_facts(book)
    assert back.events["project_id"].tolist() == ["P1", "P2", "P3"]
    assert back.events["new_cost_baht"].iloc[2] == 1_500_000.0


# -------------------------------------------------------------------------- writers


RAW_WRITERS = re.compile(r"\.to_csv\(|\.to_excel\(|ExcelWriter\(|csv\.(?:Dict)?[Ww]riter\(|"
                         r"\b(?:wb|book|workbook)\.save\(")
ALLOWED_RAW = {"core/files.py",          # the one writer
               "samples/feeds.py"}       # simulated raw agency files, as agencies send them


def test_every_csv_and_xlsx_writer_goes_through_core_files():
    lib = Path(files.__file__).resolve().parents[1]
    raw = [f"{path.relative_to(lib)}:{i}: {line.strip()}"
           for path in sorted(lib.rglob("*.py"))
           if path.relative_to(lib).as_posix() not in ALLOWED_RAW
           for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
           if RAW_WRITERS.search(line)]
    assert not raw, raw


@pytest.mark.parametrize("value, expected", [
    ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
    ("+SUM(1)", "'+SUM(1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("=1", "'=1"), ("-5 บาท", "'-5 บาท"),
    ("-", "-"), ("=", "="), ("-20%", "-20%"), ("+1,250.5", "+1,250.5"),
    ("ถนน =1", "ถนน =1"), ("<script>", "<script>"), ("", ""),
    (-5, -5), (-2.5, -2.5), (None, None), (True, True),
])
def test_neutralise(value, expected):
    assert files.neutralise(value) == expected
    assert files.neutralise(files.Formula("=SUM(A1:A2)")) == "=SUM(A1:A2)"


def test_write_csv_clean_data_is_byte_identical_to_pandas(tmp_path):
    df = pd.DataFrame({"อำเภอ": ["เมืองสุรินทร์", "ท่าตูม"], "งบ": [1.5, -2.0], "n": [3, -4],
                       "เปลี่ยน": ["-20%", "+20%"]})
    out = files.write_csv(df, tmp_path / "t.csv")
    assert out.read_bytes() == df.to_csv(index=False).encode("utf-8-sig")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o644


def test_write_csv_neutralises_cells_and_headers_and_quotes_a_lone_cr(tmp_path):
    df = pd.DataFrame({"name": list(PAYLOADS), "n": range(-5, -5 + len(PAYLOADS)),
                       "=h": ["x"] * len(PAYLOADS)})
    out = files.write_csv(df, tmp_path / "t.csv", mode=0o600)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    rows = csv_cells(out)
    assert rows[0] == ["name", "n", "'=h"]
    assert [r[0] for r in rows[1:]] == [files.neutralise(p) for p in PAYLOADS]
    assert [int(r[1]) for r in rows[1:]] == list(range(-5, -5 + len(PAYLOADS)))
    assert b'"\'\r=1"' in out.read_bytes()   # quoted: a spreadsheet keeps it in its cell
    assert not any(would_run(v) for r in rows for v in r)


def test_write_xlsx_strings_stay_strings_and_kept_formulas(tmp_path):
    df = pd.DataFrame({"name": list(PAYLOADS) + ["#N/A", "a\x01b"],
                       "n": range(len(PAYLOADS) + 2),
                       "link": ['=HYPERLINK("#t!A1","go")'] + [None] * (len(PAYLOADS) + 1)})
    kept = pd.DataFrame({"sum": pd.Series([files.Formula("=SUM(1,2)"), "=1+1"], dtype=object)})
    out = files.write_xlsx({"t": df, "k": kept}, tmp_path / "t.xlsx", note="=note",
                           formulas={"t": ["link"]})
    wb = openpyxl.load_workbook(out)
    ws = wb["t"]
    names = [ws.cell(r, 1) for r in range(2, len(PAYLOADS) + 4)]
    assert all(c.data_type == "s" for c in names)
    assert [c.value for c in names[:len(PAYLOADS)]] == [
        files.neutralise(p).replace("\r", "\n") if "\r" in p else files.neutralise(p)
        for p in PAYLOADS]  # (XML reads a CR in text as a line break)
    assert names[-2].value == "#N/A" and names[-1].value == "a\ufffdb"
    assert ws["B3"].value == 1 and ws["B3"].data_type == "n"
    assert (ws["C2"].value, ws["C2"].data_type) == ('=HYPERLINK("#t!A1","go")', "f")
    assert (wb["k"]["A2"].value, wb["k"]["A2"].data_type) == ("=SUM(1,2)", "f")
    assert (wb["k"]["A3"].value, wb["k"]["A3"].data_type) == ("'=1+1", "s")
    assert wb["README"]["A2"].value == "'=note"
    assert ws.freeze_panes == "A2"


def test_save_workbook_makes_hand_built_cells_inert(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "=1+1"                                   # openpyxl makes this a formula
    ws["A2"] = "@cmd"
    ws["A3"] = "#DIV/0!"                                # openpyxl makes this an error
    files.set_formula(ws, 4, 1, "=SUM(A1:A2)")
    files.typed_text(ws["A5"], "=HYPERLINK(\"x\")")    # as typed, marked as text
    files.typed_text(ws["A6"], "plain")
    files.typed_text(ws["A7"], 12)
    out = files.save_workbook(wb, tmp_path / "w.xlsx")
    ws = openpyxl.load_workbook(out).active
    assert [(ws[f"A{i}"].value, ws[f"A{i}"].data_type) for i in range(1, 8)] == [
        ("'=1+1", "s"), ("'@cmd", "s"), ("#DIV/0!", "s"), ("=SUM(A1:A2)", "f"),
        ('=HYPERLINK("x")', "s"), ("plain", "s"), (12, "n")]
    assert ws["A5"].quotePrefix and not ws["A6"].quotePrefix
    with pytest.raises(ValueError):
        files.set_formula(ws, 1, 2, "SUM(A1)")


# ------------------------------------------------------------------- the escaping point


def test_tables_escape_cells_labels_and_names():
    from oneplan.reports.tables import style

    df = pd.DataFrame({"<b>ชื่อ</b>": HTML_PAYLOADS, "n": range(len(HTML_PAYLOADS))},
                      index=pd.Index([f"<i>{i}</i>" for i in range(len(HTML_PAYLOADS))],
                                     name="<u>ix</u>"))
    page = style(df).to_html()
    found = assert_nothing_runs(page, "styler")
    for p in HTML_PAYLOADS + ("<b>ชื่อ</b>", "<i>0</i>", "<u>ix</u>"):
        assert p in found.visible, p
    assert "<b>" not in page and "<i>" not in page and "<u>" not in page


def test_sentences_escape_their_data_and_leave_clean_text_alone():
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    from oneplan.core.text import text
    from oneplan.reports.pages import escape_markdown, sentence

    for clean in ("อำเภอเมืองสุรินทร์", "1,234.5", "12.5 ล้านบาท", "Mueang Surin (Surin)"):
        assert escape_markdown(clean) == clean
        assert sentence("reports.plan.place.province", "th", name=clean) == text(
            "reports.plan.place.province", "th", name=clean)
    for payload in HTML_PAYLOADS + ("line\n\n# heading", "http://evil.example/x"):
        md = sentence("reports.plan.place.province", "en", name=payload)
        found = assert_nothing_runs(markdown2html_mistune(md), payload)
        assert "<a" not in markdown2html_mistune(md) and "<h1" not in markdown2html_mistune(md)
        assert re.sub(r"\n+", " ", payload) in found.visible


def test_templates_escape_every_value_but_the_projects_own_markup():
    from markupsafe import Markup
    from oneplan.reports.pages import environment, inline_markdown, safe_url

    template = environment().from_string(
        '<p title="{{ x }}">{{ x }}</p><a href="{{ x | url }}">{{ x | inline }}</a>{{ own }}')
    for payload in HTML_PAYLOADS:
        page = template.render(x=payload, own=Markup("<b>ของโครงการ</b>"))
        found = assert_nothing_runs(page, payload)
        assert "<b>ของโครงการ</b>" in page and found.visible.count(payload) == 2
    assert str(inline_markdown("**ตัวหนา** <i>x</i>")) == "<strong>ตัวหนา</strong> &lt;i&gt;x&lt;/i&gt;"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:x", "data:text/html,x",
                "vbscript:x"):
        assert safe_url(bad) == "#", bad
    for good in ("2570/32/needs_plan.html", "#region=northeast", "https://example.org/x",
                 "../a b.pdf"):
        assert safe_url(good) == good


def test_batch_markdown_step_shows_raw_html_as_text():
    from oneplan.reports.pages import markdown_to_html

    page = markdown_to_html("# ชื่อ\n\n**ตัวหนา** " + " ".join(HTML_PAYLOADS)
                            + " <a href=\"javascript:alert(1)\">x</a>")
    found = assert_nothing_runs(page, "markdown")
    assert "<strong>ตัวหนา</strong>" in page and "<h1" in page
    for p in HTML_PAYLOADS[:3]:
        assert p in found.visible


def test_a_chart_label_is_text_not_math_markup():
    from oneplan import charts

    for name in MATH_PAYLOADS + ("ราคา $5 และ $6",):
        projects = pd.DataFrame({"district_name": [name, "ท่าตูม"], "cost_baht": [1e6, 2e6],
                                 "selected": [True, True]})
        fig = charts.budget_by_district(projects)
        fig.savefig(io.BytesIO(), format="png")   # a math parser would stop here
        assert any(t.get_text() == name for ax in fig.axes for t in ax.get_yticklabels()
                   + ax.get_xticklabels())


def test_hostile_db_really_holds_the_payloads(hostile_db):
    con = duckdb.connect(str(hostile_db), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name_th FROM proposals WHERE province_code = ?", [PROVINCE]).fetchall()]
    finally:
        con.close()
    for p in PAYLOADS:
        assert any(n.startswith(p) for n in names), p

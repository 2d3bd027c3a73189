"""Notebook → HTML (code hidden, Thai font embedded) → A4 PDF with a faithful Thai text layer."""

from __future__ import annotations

import base64
import io
import re
import shutil
import stat
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from oneplan import charts
from oneplan.batch import export
from oneplan.core.files import write_atomic
from oneplan.core.pdf import pdf_text
from oneplan.core import pii

MARKDOWN = "# รายงานทดสอบ\n\nอำเภอเมืองขอนแก่น ปริมาณน้ำ"
CODE_MARKER = "CODE_INPUT_MUST_NOT_LEAK"
STDERR_NOISE = "STDERR_NOISE_MUST_NOT_LEAK"
# shapes that appear when Thai marks are dropped or sara am is split; none is real Thai here
BROKEN_FORMS = ("อาเภอ", "นา ", "ปริมาณนา", "\u0e4d\u0e32", "อําเภอ", "\x00")


def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "อำเภอ": ["เมืองขอนแก่น", "น้ำพอง", "บ้านฝาง"],
        "งบประมาณ (ล้านบาท)": [12.5, 3.2, 0.8],
        "selected": [True, True, False],
    })


def make_notebook() -> nbformat.NotebookNode:
    """An 'executed' notebook: outputs are made here, no kernel needed."""
    df = _table()
    projects = pd.DataFrame({"district_name": df["อำเภอ"],
                             "cost_baht": df["งบประมาณ (ล้านบาท)"] * 1e6,
                             "selected": df["selected"]})
    fig = charts.synthetic_watermark(charts.budget_by_district(projects))
    png = io.BytesIO()
    fig.savefig(png, format="png")
    v4 = nbformat.v4
    code = v4.new_code_cell(f"# {CODE_MARKER}\ndf = load()\ndf", execution_count=1, outputs=[
        v4.new_output("stream", name="stderr", text=f"{STDERR_NOISE}: a warning\n"),
        v4.new_output("execute_result", execution_count=1,
                      data={"text/html": df.to_html(), "text/plain": df.to_string()}),
    ])
    chart = v4.new_code_cell(f"fig  # {CODE_MARKER}", execution_count=2, outputs=[
        v4.new_output("display_data", data={
            "image/png": base64.b64encode(png.getvalue()).decode("ascii"),
            "text/plain": "<Figure>"}),
    ])
    hidden = v4.new_code_cell("secret()", execution_count=3, metadata={"tags": ["remove-cell"]},
                              outputs=[v4.new_output("stream", name="stdout",
                                                     text="REMOVED_CELL_OUTPUT\n")])
    nb = v4.new_notebook(cells=[v4.new_markdown_cell(MARKDOWN), code, chart, hidden])
    nb.metadata["language_info"] = {"name": "python"}
    return nb


@pytest.fixture(scope="module")
def notebook() -> nbformat.NotebookNode:
    return make_notebook()


@pytest.fixture(scope="module")
def html_th(notebook) -> str:
    return export.notebook_to_html(notebook, title="รายงาน ขอนแก่น", lang="th")


# ------------------------------------------------------------------------------------ HTML


def test_html_shows_thai_markdown_and_outputs_not_code(html_th):
    assert "อำเภอเมืองขอนแก่น ปริมาณน้ำ" in html_th
    assert "น้ำพอง" in html_th  # the pandas table
    assert "data:image/png;base64," in html_th  # the chart
    assert CODE_MARKER not in html_th
    assert "load()" not in html_th
    assert STDERR_NOISE not in html_th
    assert "REMOVED_CELL_OUTPUT" not in html_th
    assert re.search(r"In\s*\[\d+\]", html_th) is None  # no prompts


def test_html_head_language_title_font_and_print_css(html_th):
    assert '<html lang="th">' in html_th
    assert "<title>รายงาน ขอนแก่น</title>" in html_th
    assert html_th.count("@font-face") >= 2
    assert "data:font/ttf;base64," in html_th
    assert "'Noto Sans Thai', sans-serif" in html_th
    assert "size: A4" in html_th and "@media print" in html_th
    assert "page-break-inside: avoid" in html_th
    assert 'alt="แผนภูมิ"' in html_th


def test_html_is_offline(html_th):
    assert "<script src=" not in html_th
    assert re.search(r"""(src|href)=["']https?://""", html_th) is None


def test_html_synthetic_banner(notebook, html_th):
    assert "ข้อมูลตัวอย่างสังเคราะห์ ไม่ใช่ข้อมูลจริง" in html_th
    en = export.notebook_to_html(notebook, title="Khon Kaen report", lang="en")
    assert '<html lang="en">' in en
    assert "Synthetic sample data — not real figures" in en
    assert 'alt="Chart"' in en
    plain = export.notebook_to_html(notebook, title="x", synthetic=False)
    assert 'class="oneplan-banner"' not in plain


def test_html_leaves_input_notebook_untouched(notebook):
    before = nbformat.writes(notebook)
    export.notebook_to_html(notebook, title="x")
    assert nbformat.writes(notebook) == before


def test_html_rejects_unknown_language(notebook):
    with pytest.raises(ValueError, match="lang must be one of th, en"):
        export.notebook_to_html(notebook, title="x", lang="fr")


def test_write_atomic(tmp_path):
    target = tmp_path / "sub" / "report.html"
    write_atomic(target, "อำเภอ")
    assert target.read_text(encoding="utf-8") == "อำเภอ"
    write_atomic(target, b"%PDF-1.4")
    assert target.read_bytes() == b"%PDF-1.4"
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]  # no temp files left
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


# --------------------------------------------------------------------------------- Browser


def _fake_browser(tmp_path: Path, body: str) -> Path:
    exe = tmp_path / "fake-chromium"
    exe.write_text(f"#!/bin/sh\n{body}\n")
    exe.chmod(0o755)
    return exe


def test_find_browser_env_and_path(tmp_path, monkeypatch):
    exe = _fake_browser(tmp_path, "exit 0")
    monkeypatch.setenv("ONEPLAN_CHROMIUM", str(exe))
    assert export.find_browser() == exe
    monkeypatch.setenv("ONEPLAN_CHROMIUM", str(tmp_path / "missing"))
    with pytest.raises(export.PdfExportError, match="ONEPLAN_CHROMIUM"):
        export.find_browser()
    monkeypatch.delenv("ONEPLAN_CHROMIUM")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert export.find_browser() is None


def test_pdf_without_browser_says_how_to_install(tmp_path, monkeypatch):
    html = tmp_path / "r.html"
    html.write_text("<p>x</p>")
    monkeypatch.delenv("ONEPLAN_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    for page_numbers in (True, False):
        with pytest.raises(export.PdfExportError, match="install Chromium.*make setup"):
            export.html_to_pdf(html, tmp_path / "r.pdf", page_numbers=page_numbers)
    assert not (tmp_path / "r.pdf").exists()


@pytest.mark.parametrize("page_numbers", [True, False])
def test_failing_browser_error_has_stderr_tail(tmp_path, monkeypatch, page_numbers):
    html = tmp_path / "r.html"
    html.write_text("<p>x</p>")
    exe = _fake_browser(tmp_path, "echo 'boom: cannot open display' >&2; exit 3")
    monkeypatch.setenv("ONEPLAN_CHROMIUM", str(exe))
    with pytest.raises(export.PdfExportError, match="boom: cannot open display"):
        export.html_to_pdf(html, tmp_path / "r.pdf", page_numbers=page_numbers, timeout_s=20)
    assert not (tmp_path / "r.pdf").exists()


def test_hanging_browser_times_out(tmp_path, monkeypatch):
    html = tmp_path / "r.html"
    html.write_text("<p>x</p>")
    monkeypatch.setenv("ONEPLAN_CHROMIUM", str(_fake_browser(tmp_path, "exec sleep 30")))
    with pytest.raises(export.PdfExportError, match="in time|within"):
        export.html_to_pdf(html, tmp_path / "r.pdf", page_numbers=False, timeout_s=1)
    with pytest.raises(export.PdfExportError, match="in time|within"):
        export.html_to_pdf(html, tmp_path / "r.pdf", timeout_s=1)


# ------------------------------------------------------------------------------------- PDF

@pytest.fixture(scope="module")
def pdf_files(html_th, tmp_path_factory):
    if export.find_browser() is None:
        pytest.skip("no Chromium/Chrome found (install with `apt-get install chromium` or "
                    "set ONEPLAN_CHROMIUM) — PDF export cannot be tested")
    out = tmp_path_factory.mktemp("pdf")
    html = write_atomic(out / "report.html", html_th)
    numbered = export.html_to_pdf(html, out / "report.pdf")
    plain = export.html_to_pdf(html, out / "report-plain.pdf", page_numbers=False)
    return numbered, plain


def _fonts(pdf: Path) -> list[tuple[str, dict]]:
    """(BaseFont, font descriptor) of every font used on every page."""
    from pypdf import PdfReader

    found = []
    for page in PdfReader(str(pdf)).pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            font = ref.get_object()
            desc_font = font
            if font.get("/Subtype") == "/Type0":
                desc_font = font["/DescendantFonts"][0].get_object()
            descriptor = desc_font.get("/FontDescriptor")
            found.append((str(font.get("/BaseFont")),
                          descriptor.get_object() if descriptor else {}))
    return found


@pytest.mark.parametrize("which", [0, 1], ids=["page-numbers", "plain-cli"])
def test_pdf_thai_text_layer_is_intact(pdf_files, which):
    text = pdf_text(pdf_files[which])  # pypdf, ActualText-aware
    for word in ("น้ำ", "อำเภอ", "อำเภอเมืองขอนแก่น", "ปริมาณน้ำ", "น้ำพอง",
                 "ข้อมูลตัวอย่างสังเคราะห์"):
        assert word in text, word
    for broken in BROKEN_FORMS:
        assert broken not in text, repr(broken)


def test_pdf_text_with_pdftotext_agrees(pdf_files):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    text = pdf_text(pdf_files[0], engine="pdftotext")
    for word in ("น้ำ", "อำเภอ", "อำเภอเมืองขอนแก่น", "น้ำพอง"):
        assert word in text, word
    for broken in BROKEN_FORMS:
        assert broken not in text, repr(broken)


def test_pdf_fonts_embedded(pdf_files):
    for pdf in pdf_files:
        fonts = _fonts(pdf)
        assert fonts
        for name, descriptor in fonts:
            assert any(k in descriptor for k in ("/FontFile2", "/FontFile3", "/FontFile")), \
                f"{pdf.name}: font {name} is not embedded (Type 3 or missing FontFile)"
        assert any("NotoSansThai-Regular" in name for name, _ in fonts)
        assert any("NotoSansThai-Bold" in name for name, _ in fonts)
        # every glyph, footer included, comes from the packaged font, not the system's
        assert all("NotoSansThai" in name for name, _ in fonts), [n for n, _ in fonts]


def test_pdf_is_a4_with_page_numbers_only_when_asked(pdf_files):
    from pypdf import PdfReader

    numbered, plain = pdf_files
    for pdf in pdf_files:
        box = PdfReader(str(pdf)).pages[0].mediabox
        assert float(box.width) == pytest.approx(595.3, abs=1.5)
        assert float(box.height) == pytest.approx(841.9, abs=1.5)
    assert re.search(r"1\s*/\s*1", pdf_text(numbered))
    assert not re.search(r"1\s*/\s*1", pdf_text(plain))


def test_htmls_to_pdfs_one_browser_many_files(pdf_files, tmp_path):
    html = pdf_files[0].with_name("report.html")
    pairs = [(html, tmp_path / f"r{i}.pdf") for i in range(3)]
    out = export.htmls_to_pdfs(pairs)
    assert out == [p for _, p in pairs]
    for pdf in out:
        assert pdf.read_bytes().startswith(b"%PDF-")
        assert "อำเภอ" in pdf_text(pdf)
    assert export.htmls_to_pdfs([]) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r0.pdf", "r1.pdf", "r2.pdf"]


def test_pdf_has_bookmarks_from_headings(pdf_files):
    from pypdf import PdfReader

    outline = PdfReader(str(pdf_files[0])).outline
    titles = [item["/Title"] for item in outline if isinstance(item, dict)]
    assert "รายงานทดสอบ" in titles


def test_pdf_printer_reuses_one_browser_and_recovers(pdf_files, tmp_path):
    html = pdf_files[0].with_name("report.html")
    with export.PdfPrinter(timeout_s=60) as printer:
        for i in range(2):
            assert printer.print(html, tmp_path / f"r{i}.pdf").read_bytes().startswith(b"%PDF-")
        assert printer.started == 1
        printer._chrome.proc.kill()  # the browser crashes between two files
        printer._chrome.proc.wait()
        with pytest.raises(export.PdfExportError):
            printer.print(html, tmp_path / "lost.pdf")
        assert not (tmp_path / "lost.pdf").exists()
        assert "อำเภอ" in pdf_text(printer.print(html, tmp_path / "r2.pdf"))
        assert printer.started == 2
    assert printer._chrome is None


@pytest.mark.parametrize("full", [False, True])
def test_nbformat_import_skips_the_slow_optional_checker(full):
    import importlib.util
    import os
    import subprocess
    import sys

    if importlib.util.find_spec("rfc3987_syntax") is None:
        pytest.skip("rfc3987-syntax is not installed here; nothing to skip")
    env = dict(os.environ)
    env.pop("ONEPLAN_FULL_JSONSCHEMA", None)
    if full:
        env["ONEPLAN_FULL_JSONSCHEMA"] = "1"
    code = ("import sys, oneplan.batch.export, nbformat\n"
            "nbformat.validate(nbformat.v4.new_notebook())\n"  # validation still works
            "print(sys.modules.get('rfc3987_syntax') is not None)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120, check=True)
    assert res.stdout.strip() == str(full)


def test_a_chart_whose_base64_reads_like_a_phone_number_is_re_encoded(monkeypatch):
    """The scanners cannot tell a chart's base64 from text; at national scale one payload
    in thousands holds ``08…`` and ten digits. Such an image is re-encoded: other bytes,
    the same pixels. (A real hit is too rare to build, so the first encoding is made to
    look like one.)"""
    from PIL import Image

    img = Image.new("RGB", (40, 20), (200, 120, 30))
    img.putpixel((3, 4), (0, 0, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    original = base64.b64encode(buf.getvalue()).decode("ascii")
    real_scan = pii.scan_text
    monkeypatch.setattr(pii, "scan_text",
                        lambda text, names=(): [("phone", "0812")] if text == original
                        else real_scan(text, names))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("chart()")])
    nb.cells[0].outputs = [nbformat.v4.new_output(
        "display_data", data={"image/png": original, "text/plain": "<Figure>"})]
    clean = export._strip_noise(nb)
    encoded = clean.cells[0].outputs[0]["data"]["image/png"]
    assert encoded != original and not pii.scan_text(encoded)
    again = Image.open(io.BytesIO(base64.b64decode(encoded)))
    assert again.convert("RGB").tobytes() == img.tobytes()           # the same pixels
    assert nb.cells[0].outputs[0]["data"]["image/png"] == original   # input untouched
    # an image that reads like nothing personal is passed through byte for byte
    assert export._unlike_personal_data(encoded) == encoded

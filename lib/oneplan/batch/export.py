"""Export executed notebooks to self-contained HTML and to A4 PDF (Thai text kept as text).

HTML
    :func:`notebook_to_html` uses nbconvert's ``HTMLExporter`` in process (no ``jupyter
    nbconvert`` subprocess). Code cells are hidden, markdown and outputs are shown, stderr
    streams are dropped, the Noto Sans Thai font is embedded as a data URL and a print
    stylesheet lays the page out for A4. The page loads nothing from the network
    (nbconvert's CDN scripts for require.js, MathJax and Mermaid are left out, so LaTeX in
    markdown stays as typed).

PDF
    Printed by headless Chromium, which shapes Thai with HarfBuzz and writes a text layer that
    copies and searches correctly (WeasyPrint drops Thai marks). Chromium is driven over the
    DevTools protocol on a pipe (``--remote-debugging-pipe``; no port, no websocket library):
    this lets one browser print many files (:func:`htmls_to_pdfs`) and adds page numbers in
    the footer, which the plain ``--print-to-pdf`` command line cannot do (it offers only
    Chromium's default header/footer with date, title and file URL, or none). With
    ``page_numbers=False`` :func:`html_to_pdf` uses that plain command line instead.
    No browser is ever downloaded: :func:`find_browser` looks for an installed one.
    The browser runs in its own process group and dies with the process that started it
    (parent-death signal, :mod:`oneplan.batch.procs`); its renderers die with it.

Text layer
    :func:`oneplan.core.pdf.pdf_text` reads it back with pypdf, honouring the
    ``/ActualText`` spans Chromium writes for shaped Thai (pypdf's own ``extract_text``
    ignores them and garbles Thai), or with poppler's ``pdftotext``; see its docstring.

The texts of a report page (the synthetic-data banner, the charts' alt text) come from the
catalogue (``core/text/labels.yml``, ``batch/text/export.yml``).
"""

from __future__ import annotations

import base64
import copy
import functools
import io
import json
import logging
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

FULL_JSONSCHEMA_ENV = "ONEPLAN_FULL_JSONSCHEMA"
if "jsonschema" not in sys.modules and not os.environ.get(FULL_JSONSCHEMA_ENV):
    # `import nbformat` imports jsonschema, whose format checkers import every optional
    # package installed; jupyter-events (a JupyterLab dependency) installs rfc3987-syntax,
    # which builds a Lark grammar at import: ~1.4 s of the ~1.6 s `import nbformat` costs.
    # Notebook validation never uses the "iri" formats it checks, so it is kept out of this
    # process (jsonschema skips a checker whose module fails to import). Set
    # ONEPLAN_FULL_JSONSCHEMA=1 to keep it.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbformat  # noqa: E402

from oneplan.batch import procs
from oneplan.core.files import write_atomic
from oneplan.core.fonts import FONT_FAMILY, thai_font_css
from oneplan.core.text import check_lang, text

log = logging.getLogger(__name__)

REMOVE_CELL_TAGS = frozenset({"remove_cell", "remove-cell"})
REMOVE_OUTPUT_TAGS = frozenset({"remove_output", "remove-output"})
"""Cell tags honoured by the export (same names as Jupyter Book / nbconvert docs use)."""

CHROMIUM_ENV = "ONEPLAN_CHROMIUM"
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

PAGE_CSS = "@page { size: A4; margin: 15mm 12mm; }"

REPORT_CSS = (
    """
:root {
  --jp-content-font-family: '%(font)s', sans-serif;
  --jp-ui-font-family: '%(font)s', sans-serif;
  /* monospace output (text tables) falls back to the embedded font for Thai characters */
  --jp-code-font-family: 'DejaVu Sans Mono', 'Liberation Mono', monospace, '%(font)s';
  --jp-code-font-family-default: var(--jp-code-font-family);
  --jp-content-heading-font-weight: 700;  /* lab's 500 would fall back to Regular */
}
body.jp-Notebook { max-width: 190mm; margin: 0 auto; padding: 16px; line-height: 1.5; }
.oneplan-banner {
  border: 1px solid #d9822b; background: #fff4e5; color: #7a3e00; border-radius: 4px;
  padding: 6px 10px; margin: 0 0 12px; font-weight: 600; font-size: 10pt;
}
.jp-RenderedHTMLCommon { font-family: var(--jp-content-font-family); }
.jp-RenderedHTMLCommon table { margin-left: 0; table-layout: auto; max-width: 100%%; }
/* long text wraps (Thai at word boundaries), numbers and words are never split */
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { overflow-wrap: break-word; }
.jp-OutputArea-output img { max-width: 100%%; height: auto; }
/* the document parts (reports/document.py): cover, executive summary, parts, files */
.jp-RenderedHTMLCommon .oneplan-cover, .oneplan-cover p, .oneplan-cover h1 {
  text-align: center !important; }
.oneplan-cover { padding: 45mm 0 10mm; }
.oneplan-cover-system { color: #555; font-size: 11pt; margin-bottom: 20mm; }
.jp-RenderedHTMLCommon h1.oneplan-cover-title { font-size: 24pt; line-height: 1.35; margin: 0 0 10mm; }
.oneplan-cover-place { font-size: 18pt; font-weight: 700; margin: 0 0 4mm; }
.oneplan-cover-year { font-size: 15pt; margin: 0 0 25mm; }
.oneplan-cover { width: 100%%; box-sizing: border-box; }
.jp-RenderedHTMLCommon table.oneplan-cover-meta { margin: 0 auto 20mm; font-size: 12pt;
  border: none; }
.jp-RenderedHTMLCommon .oneplan-cover-meta th, .jp-RenderedHTMLCommon .oneplan-cover-meta td {
  border: none; background: none; text-align: left !important; padding: 1.5mm 4mm; }
.jp-RenderedHTMLCommon .oneplan-cover-meta th { color: #555; font-weight: 400; }
.jp-RenderedHTMLCommon .oneplan-cover-meta tr { background: none !important; }
.oneplan-cover-synthetic { display: inline-block; border: 1px solid #d9822b;
  background: #fff4e5; color: #7a3e00; padding: 4px 14px; font-weight: 600; }
/* the cover carries the synthetic-data mark: no banner above it */
body:has(.oneplan-cover) .oneplan-banner { display: none; }
.oneplan-findings { list-style: none; padding: 0; margin: 4mm 0 6mm; }
.oneplan-findings li { display: grid; grid-template-columns: 74mm 1fr; gap: 4mm;
  align-items: baseline; border-bottom: 1px solid #ddd; padding: 3mm 0; }
.oneplan-finding-number { white-space: normal; overflow-wrap: anywhere; font-size: 13pt; font-weight: 700; color: #0b4f8a; text-align: right; }
.oneplan-finding-text { font-size: 11pt; }
.oneplan-decision { border-left: 4px solid #0b4f8a; background: #f3f7fb; padding: 3mm 4mm; }
.oneplan-downloads { columns: 2; }
.oneplan-files li, .oneplan-downloads li { margin: 1mm 0; }
code.formula { white-space: pre-wrap; }
%(page)s
@media print {
  body.jp-Notebook { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  .jp-Cell { padding: 0 !important; }
  /* JupyterLab keeps each output on one page (a long table would leave a blank page) and
     lays it out as display: table, which cannot break; let long outputs flow */
  .jp-OutputArea-child {
    display: block !important; break-inside: auto !important; page-break-inside: auto !important;
  }
  .jp-OutputArea-output, .jp-RenderedHTMLCommon { overflow: visible !important; }
  img, svg, figure, .jp-RenderedImage, .jp-RenderedSVG, tr {
    break-inside: avoid; page-break-inside: avoid;
  }
  h1, h2, h3, h4, h5 { break-after: avoid; page-break-after: avoid; }
  /* page breaks only where a part starts: after the cover and the summary, before the
     detail and each appendix; a table or figure is never split from its rows */
  .oneplan-cover { break-after: page; page-break-after: always; min-height: 250mm;
    box-sizing: border-box; }
  .oneplan-summary { break-after: page; page-break-after: always; }
  .oneplan-part { break-before: page; page-break-before: always; }
  .oneplan-part.oneplan-part-follows { break-before: auto; page-break-before: auto; }
  /* short tables (reports/tables.py marks them) stay on one page; long ones flow */
  table.oneplan-keep { break-inside: avoid; page-break-inside: avoid; }
  /* a chart or map takes at most about half a page, so text and tables share its page */
  .jp-OutputArea-output img { max-height: 110mm; width: auto !important; object-fit: contain; }
  .oneplan-files a, .oneplan-downloads a { text-decoration: underline; color: #0b4f8a; }
  thead { display: table-header-group; }
  .jp-RenderedHTMLCommon table { font-size: 8.5pt; max-width: 100%%; }
  .jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { padding: 2px 5px; }
  a { color: inherit; text-decoration: none; }
}
"""
    % {"font": FONT_FAMILY, "page": PAGE_CSS}
)
"""Report stylesheet added after JupyterLab's own CSS (screen and A4 print)."""

_FONT_MARKER = "<!-- oneplan:thai-font-css -->"

_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">""" + _FONT_MARKER + """</style>
<style type="text/css">{{ resources.oneplan_css }}</style>
{%- endblock html_head_css -%}
{%- block body_header -%}
{{ super() }}
{%- if resources.oneplan_banner %}
<div class="oneplan-banner" role="note">{{ resources.oneplan_banner | e }}</div>
{%- endif %}
{%- endblock body_header -%}
"""

_TEMPLATE_NAME = "oneplan_report.html.j2"
_NBCONVERT_ALT = 'alt="No description has been provided for this image"'


class ExportError(RuntimeError):
    """A report could not be exported."""


class PdfExportError(ExportError):
    """No browser was found, or the browser failed to print the PDF."""


# --------------------------------------------------------------------------------------- HTML


class _DropMissingAltWarning(logging.Filter):
    """nbconvert warns about every matplotlib image without alt text; we set our own alt."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop nbconvert's missing-alt-text warning."""
        return "Alternative text is missing" not in record.getMessage()


@functools.lru_cache(maxsize=None)
def _html_exporter(lang: str):
    """One configured HTMLExporter per language, created once (a warm one converts fast)."""
    import jinja2
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    cfg = Config()
    cfg.TagRemovePreprocessor.enabled = True
    cfg.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    cfg.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    nb_log = logging.getLogger(f"{__name__}.nbconvert")
    if not any(isinstance(f, _DropMissingAltWarning) for f in nb_log.filters):
        nb_log.addFilter(_DropMissingAltWarning())
    exporter = HTMLExporter(
        config=cfg,
        log=nb_log,
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({_TEMPLATE_NAME: _TEMPLATE})],
        template_file=_TEMPLATE_NAME,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code=lang,
        # Markdown outputs inert: raw HTML shown as text, no javascript: links
        filters={"markdown2html": jinja2.pass_context(_inert_markdown)},
    )
    return exporter


def _inert_markdown(context, source: str) -> str:
    """nbconvert's ``markdown2html`` filter made inert
    (:func:`oneplan.reports.pages.markdown_to_html`)."""
    from oneplan.reports.pages import markdown_to_html

    return markdown_to_html(source, attachments=context.get("cell", {}).get("attachments"))


def _strip_noise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` without stderr streams (warnings, progress bars, log lines), its
    PNG images re-encoded where their base64 text reads like personal data
    (:func:`_unlike_personal_data`)."""
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if cell.get("cell_type") == "code" and cell.get("outputs"):
            cell.outputs = [
                o for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
            for o in cell.outputs:
                png = o.get("data", {}).get("image/png")
                if isinstance(png, str):
                    o["data"]["image/png"] = _unlike_personal_data(png)
    return out


def _unlike_personal_data(png_b64: str) -> str:
    """``png_b64`` as it is, or the same image re-encoded when its base64 text holds a run
    that reads like a phone number or a valid national ID.

    A chart's base64 is not data anyone typed, but at national scale (thousands of
    charts) some payload holds ten digits in a row starting 08…, and a personal-data
    scanner run over the HTML cannot tell. Re-encoding with a PNG text chunk of another
    length shifts every following byte, so the base64 changes; the pixels do not.
    """
    from oneplan.core.pii import scan_text

    if not scan_text(png_b64):
        return png_b64
    from PIL import Image, PngImagePlugin

    image = Image.open(io.BytesIO(base64.b64decode(png_b64)))
    for k in range(1, 64):
        info = PngImagePlugin.PngInfo()
        info.add_text("Software", "oneplan" + " " * k)
        buf = io.BytesIO()
        image.save(buf, format="PNG", pnginfo=info)
        encoded = base64.b64encode(buf.getvalue()).decode("ascii")
        if not scan_text(encoded):
            return encoded
    log.warning("a chart's base64 still reads like personal data after re-encoding")
    return png_b64  # pragma: no cover - 63 independent re-encodings all matching


def notebook_to_html(nb: nbformat.NotebookNode, *, title: str, lang: str = "th",
                     synthetic: bool = True) -> str:
    """Self-contained report HTML of an executed notebook, code hidden.

    ``title`` becomes the ``<title>``; ``lang`` (``"th"`` or ``"en"``) sets ``<html lang>``
    and the language of the synthetic-data banner shown when ``synthetic`` is true. Cells
    tagged ``remove-cell`` are left out, outputs of cells tagged ``remove-output`` too.
    The notebook passed in is not modified.
    """
    check_lang(lang)
    exporter = _html_exporter(lang)
    clean = _strip_noise(nb)
    clean.metadata["title"] = title
    resources = {
        "metadata": {"name": title},
        "oneplan_css": REPORT_CSS,
        "oneplan_banner": text("core.labels.synthetic_note", lang) if synthetic else "",
    }
    body, _ = exporter.from_notebook_node(clean, resources=resources)
    if _FONT_MARKER not in body:  # pragma: no cover - template changed under us
        raise ExportError("report template did not render the font placeholder")
    # the ~130 kB font CSS goes in after nbconvert's HTML pass, which would otherwise parse it
    body = body.replace(_FONT_MARKER, thai_font_css(), 1)
    return body.replace(_NBCONVERT_ALT, f'alt="{text("batch.export.image_alt", lang)}"')




# ---------------------------------------------------------------------------------- Browser

_INSTALL_HINT = ("install Chromium: `make setup` does it, or `apt-get install chromium`, "
                 f"or set {CHROMIUM_ENV} to the browser's path")


def find_browser() -> Path | None:
    """The Chromium/Chrome to print with: ``$ONEPLAN_CHROMIUM``, else the first on PATH of
    ``chromium``, ``chromium-browser``, ``google-chrome``, ``google-chrome-stable``.

    Returns None when none is found. A set but unusable ``$ONEPLAN_CHROMIUM`` is an error
    (:class:`PdfExportError`), not silently replaced by another browser.
    """
    env = os.environ.get(CHROMIUM_ENV, "").strip()
    if env:
        found = shutil.which(env)
        if found is None:
            raise PdfExportError(f"{CHROMIUM_ENV}={env!r} is not an executable file")
        return Path(found)
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def _require_browser() -> Path:
    browser = find_browser()
    if browser is None:
        raise PdfExportError(f"no Chromium/Chrome browser found to print the PDF; {_INSTALL_HINT}")
    return browser


_BASE_FLAGS = (
    "--headless",
    "--no-sandbox",  # needed as root / in containers; we only open our own local files
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",  # small /dev/shm in Docker would crash the renderer
    "--hide-scrollbars",
    "--mute-audio",
)

FOOTER_HTML = (
    '<div style="width:100%; text-align:center; font-size:8pt; color:#666; '
    f"font-family:'{FONT_FAMILY}', sans-serif;\">"
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)
"""Chromium footer: "page / pages", centred in the bottom page margin, language-neutral."""


@functools.lru_cache(maxsize=1)
def _footer_template() -> str:
    # the footer is rendered as a separate document that does not see the page's fonts;
    # embedding the font keeps it independent of the system's fonts
    return f"<style>{thai_font_css()}</style>{FOOTER_HTML}"


def _tail(path: Path, limit: int = 2000) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    # the Debian wrapper script prints a harmless shell warning; keep the rest
    lines = [ln for ln in text.splitlines() if "unexpected operator" not in ln]
    return "\n".join(lines)[-limit:].strip()


def _kill_group(proc: subprocess.Popen) -> None:
    procs.kill_group(proc.pid)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass


def _check_pdf(data: bytes, source: Path) -> bytes:
    if not data.startswith(b"%PDF-"):
        raise PdfExportError(f"the browser did not produce a PDF for {source}")
    return data


def _print_cli(browser: Path, html_path: Path, pdf_path: Path, timeout_s: float) -> Path:
    """One ``chromium --print-to-pdf`` run, no header/footer (so no page numbers)."""
    with tempfile.TemporaryDirectory(prefix="oneplan-chromium-") as profile:
        tmp_pdf = Path(profile) / "out.pdf"
        err = Path(profile) / "stderr.txt"
        cmd = [str(browser), *_BASE_FLAGS, "--no-pdf-header-footer",
               f"--user-data-dir={Path(profile) / 'profile'}", f"--print-to-pdf={tmp_pdf}",
               html_path.as_uri()]
        with open(err, "wb") as err_fh:
            proc = subprocess.Popen(_guarded(cmd), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=err_fh,
                                    start_new_session=True,
                                    env={**os.environ, "TMPDIR": profile})
            try:
                rc = proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                raise PdfExportError(
                    f"{browser.name} did not print {html_path.name} within {timeout_s:g} s; "
                    f"browser output:\n{_tail(err)}") from None
        if rc != 0 or not tmp_pdf.is_file():
            raise PdfExportError(
                f"{browser.name} failed to print {html_path.name} (exit code {rc}); "
                f"browser output:\n{_tail(err)}")
        return write_atomic(pdf_path, _check_pdf(tmp_pdf.read_bytes(), html_path))


def _high_fd(fd: int) -> int:
    """Move ``fd`` to a number ≥ 10 (close-on-exec), out of the way of 3 and 4."""
    import fcntl  # POSIX only; imported here so the HTML half of this module works anywhere

    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


# Asks for SIGKILL when its parent (the batch worker) dies and ends if the parent is gone
# already (oneplan.batch.procs.die_with_parent, Linux; the setting survives exec), then
# becomes the browser. The browser's own children (zygote, renderers, GPU) end when it
# does. (Portable: no bash, no preexec_fn, works through wrapper scripts.)
_DIE_WITH_PARENT = (
    "import ctypes,os,signal,sys\n"
    "try: ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)\n"
    "except (OSError, AttributeError): pass\n"
    "if os.getppid() != int(sys.argv[1]): os._exit(137)\n")
_GUARDED = _DIE_WITH_PARENT + "os.execv(sys.argv[2], sys.argv[2:])"
# The same, and the two pipe ends put on fds 3 and 4, where --remote-debugging-pipe
# expects them.
_TRAMPOLINE = (_DIE_WITH_PARENT + "os.dup2(int(sys.argv[2]),3); os.dup2(int(sys.argv[3]),4)\n"
               "os.execv(sys.argv[4], sys.argv[4:])")


def _guarded(cmd: list[str]) -> list[str]:
    """``cmd`` run so that it dies with this process (see ``_DIE_WITH_PARENT``)."""
    return [sys.executable, "-c", _GUARDED, str(os.getpid()), *cmd]


_LIVE: set = set()  # browsers of this process not closed yet (see kill_browsers)


def kill_browsers() -> None:
    """Kill every browser this process started and has not closed, also one still
    starting, and remove their profiles (for a process told to die)."""
    for chrome in list(_LIVE):
        chrome.kill()


class _Chromium:
    """A headless Chromium driven over the DevTools protocol on a pipe (NUL-framed JSON)."""

    def __init__(self, browser: Path, timeout_s: float):
        self.browser = browser
        self.timeout_s = timeout_s
        self._dir = Path(tempfile.mkdtemp(prefix="oneplan-chromium-"))
        self._err_path = self._dir / "stderr.txt"
        self._buf = b""
        self._next_id = 0
        self._events: list[dict] = []
        to_child_r, self._to_child = map(_high_fd, os.pipe())
        self._from_child, from_child_w = map(_high_fd, os.pipe())
        os.set_blocking(self._to_child, False)
        cmd = [sys.executable, "-c", _TRAMPOLINE, str(os.getpid()), str(to_child_r),
               str(from_child_w), str(browser), *_BASE_FLAGS, f"--user-data-dir={self._dir / 'profile'}",
               "--remote-debugging-pipe", "about:blank"]
        try:
            with open(self._err_path, "wb") as err_fh:
                # the browser's own temporary files go in its folder, removed with it
                self.proc = subprocess.Popen(
                    cmd, pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=err_fh, start_new_session=True,
                    env={**os.environ, "TMPDIR": str(self._dir)})
        except OSError as exc:
            self._cleanup_fds()
            shutil.rmtree(self._dir, ignore_errors=True)
            raise PdfExportError(f"could not start {browser}: {exc}") from exc
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        _LIVE.add(self)
        try:
            self.call("Browser.getVersion", timeout_s=min(60.0, timeout_s))
        except BaseException:
            self.close(graceful=False)
            raise

    # -- protocol
    def _fail(self, what: str) -> PdfExportError:
        return PdfExportError(
            f"{self.browser.name} {what}; browser output:\n{_tail(self._err_path)}")

    def _recv(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._fail("did not answer in time")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                self.proc.poll()
                raise self._fail(f"exited unexpectedly (exit code {self.proc.returncode})")
            self._buf += chunk
        msg, _, self._buf = self._buf.partition(b"\0")
        return json.loads(msg)

    def _send(self, message: dict) -> None:
        data = json.dumps(message).encode("utf-8") + b"\0"
        deadline = time.monotonic() + self.timeout_s
        try:
            while data:  # the pipe is non-blocking: a hung browser cannot block us forever
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self._fail("stopped reading its DevTools pipe")
                _, ready, _ = select.select([], [self._to_child], [], left)
                if ready:
                    try:
                        data = data[os.write(self._to_child, data):]
                    except BlockingIOError:
                        pass
        except BrokenPipeError:
            raise self._fail("closed the DevTools pipe") from None

    def call(self, method: str, params: dict | None = None, *, session: str | None = None,
             timeout_s: float | None = None) -> dict:
        """Send a DevTools command and wait for its reply (events met meanwhile are kept)."""
        self._next_id += 1
        msg_id = self._next_id
        message: dict = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._send(message)
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        while True:
            reply = self._recv(deadline)
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise self._fail(f"refused {method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def wait_event(self, method: str, session: str, deadline: float) -> dict:
        """The next ``method`` event of ``session`` (waiting for it until ``deadline``)."""
        while True:
            for i, ev in enumerate(self._events):
                if ev.get("method") == method and ev.get("sessionId") == session:
                    return self._events.pop(i)
            self._events.append(self._recv(deadline))

    # -- printing
    def print_pdf(self, html_path: Path, *, page_numbers: bool = True,
                  outline: bool = True) -> bytes:
        """Print ``html_path`` in a new tab; returns the PDF's bytes."""
        deadline = time.monotonic() + self.timeout_s
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        try:
            session = self.call("Target.attachToTarget",
                                {"targetId": target, "flatten": True})["sessionId"]
            self.call("Page.enable", session=session)
            nav = self.call("Page.navigate", {"url": html_path.as_uri()}, session=session)
            if nav.get("errorText"):
                raise PdfExportError(f"could not open {html_path}: {nav['errorText']}")
            self.wait_event("Page.loadEventFired", session, deadline)
            # web fonts are data URLs, but wait for them explicitly before printing
            self.call("Runtime.evaluate", {"expression": "document.fonts.ready.then(() => 1)",
                                           "awaitPromise": True}, session=session)
            params = {
                "preferCSSPageSize": True,  # A4 and margins from the page's @page rule
                "printBackground": True,
                "displayHeaderFooter": page_numbers,
                "headerTemplate": "<span></span>",
                "footerTemplate": _footer_template() if page_numbers else "<span></span>",
                # bookmarks from the headings (h1–h6); needs a tagged PDF (Chromium ≥ 125,
                # older versions ignore both keys)
                "generateTaggedPDF": outline,
                "generateDocumentOutline": outline,
            }
            left = max(1.0, deadline - time.monotonic())
            data = base64.b64decode(self.call("Page.printToPDF", params, session=session,
                                              timeout_s=left)["data"])
        finally:
            try:
                self.call("Target.closeTarget", {"targetId": target}, timeout_s=10)
            except PdfExportError:
                log.debug("could not close tab for %s", html_path, exc_info=True)
            self._events.clear()
        return _check_pdf(data, html_path)

    def close(self, *, graceful: bool = True) -> None:
        """Ask the browser to quit (or kill it after an error) and remove its profile."""
        if self.proc.poll() is None:
            try:
                if not graceful:
                    raise subprocess.TimeoutExpired("chromium", 0)
                self._send({"id": self._next_id + 1, "method": "Browser.close", "params": {}})
                self.proc.wait(timeout=5)
            except (PdfExportError, subprocess.TimeoutExpired, OSError):
                _kill_group(self.proc)
        self._cleanup_fds()
        shutil.rmtree(self._dir, ignore_errors=True)
        _LIVE.discard(self)

    def kill(self) -> None:
        """Kill the browser and its children now and remove its profile, without waiting
        (for a process that is being told to die; see :mod:`oneplan.batch.procs`)."""
        procs.kill_group(self.proc.pid)
        self._cleanup_fds()
        shutil.rmtree(self._dir, ignore_errors=True)
        _LIVE.discard(self)

    def _cleanup_fds(self) -> None:
        for fd in (getattr(self, "_to_child", None), getattr(self, "_from_child", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._to_child = self._from_child = None

    def __enter__(self) -> _Chromium:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(graceful=exc_type is None)


class PdfPrinter:
    """One headless Chromium kept open to print many PDFs (a batch worker holds one).

    The browser starts on the first :meth:`print` (~1 s) and is reused; after a failure it
    is killed and the next :meth:`print` starts a fresh one, so one bad page cannot break
    the following ones. Use as a context manager or call :meth:`close`.
    """

    def __init__(self, *, timeout_s: float = 120, page_numbers: bool = True,
                 outline: bool = True):
        self.timeout_s = timeout_s
        self.page_numbers = page_numbers
        self.outline = outline
        self._chrome: _Chromium | None = None
        self.started = 0
        """How many browser processes this printer has started (1 when all went well)."""

    def print(self, html_path: str | os.PathLike, pdf_path: str | os.PathLike) -> Path:
        """Print ``html_path`` to ``pdf_path`` (A4, written atomically); returns the PDF path.

        Raises:
            PdfExportError: no browser, the HTML file is missing, or the browser failed.
        """
        html_path = Path(html_path).resolve()
        if not html_path.is_file():
            raise PdfExportError(f"HTML file not found: {html_path}")
        if self._chrome is None:
            self._chrome = _Chromium(_require_browser(), self.timeout_s)
            self.started += 1
        t = time.perf_counter()
        try:
            data = self._chrome.print_pdf(html_path, page_numbers=self.page_numbers,
                                          outline=self.outline)
        except BaseException:
            self._chrome.close(graceful=False)
            self._chrome = None
            raise
        out = write_atomic(pdf_path, data)
        log.info("printed %s -> %s in %.2f s", html_path.name, pdf_path,
                 time.perf_counter() - t)
        return out

    def close(self) -> None:
        """Quit the browser, if one is running."""
        if self._chrome is not None:
            self._chrome.close()
            self._chrome = None

    def kill(self) -> None:
        """Kill the browser now (no goodbye over the pipe), if one is running."""
        chrome, self._chrome = self._chrome, None
        if chrome is not None:
            chrome.kill()

    def __enter__(self) -> PdfPrinter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()


def htmls_to_pdfs(pairs: Iterable[tuple[str | os.PathLike, str | os.PathLike]], *,
                  timeout_s: float = 120, page_numbers: bool = True) -> list[Path]:
    """Print many ``(html_path, pdf_path)`` pairs with one browser process.

    The browser starts once (~1 s) and each page then takes a fraction of a second.
    ``timeout_s`` applies to each file. Stops at the first failure with
    :class:`PdfExportError` (PDFs already written stay). Returns the PDF paths in order.
    """
    jobs = [(Path(h).resolve(), Path(p)) for h, p in pairs]
    if not jobs:
        return []
    for html_path, _ in jobs:
        if not html_path.is_file():
            raise PdfExportError(f"HTML file not found: {html_path}")
    browser = _require_browser()
    done: list[Path] = []
    t0 = time.perf_counter()
    with _Chromium(browser, timeout_s) as chrome:
        for html_path, pdf_path in jobs:
            t = time.perf_counter()
            data = chrome.print_pdf(html_path, page_numbers=page_numbers)
            done.append(write_atomic(pdf_path, data))
            log.info("printed %s -> %s in %.2f s",
                     html_path.name, pdf_path, time.perf_counter() - t)
    log.info("printed %d PDF(s) in %.2f s", len(done), time.perf_counter() - t0)
    return done


def html_to_pdf(html_path: str | os.PathLike, pdf_path: str | os.PathLike, *,
                timeout_s: float = 120, page_numbers: bool = True) -> Path:
    """Print one HTML file to an A4 PDF with headless Chromium; written atomically.

    With ``page_numbers`` (default) the footer shows "page / pages" (DevTools protocol
    route); ``page_numbers=False`` runs the plain ``--print-to-pdf --no-pdf-header-footer``
    command line. Raises :class:`PdfExportError` when no browser is found or it fails.
    """
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path)
    if not html_path.is_file():
        raise PdfExportError(f"HTML file not found: {html_path}")
    if page_numbers:
        return htmls_to_pdfs([(html_path, pdf_path)], timeout_s=timeout_s)[0]
    browser = _require_browser()
    t = time.perf_counter()
    out = _print_cli(browser, html_path, pdf_path, timeout_s)
    log.info("printed %s -> %s in %.2f s", html_path.name, pdf_path, time.perf_counter() - t)
    return out


__all__ = [
    "ExportError",
    "PdfExportError",
    "PdfPrinter",
    "find_browser",
    "html_to_pdf",
    "htmls_to_pdfs",
    "kill_browsers",
    "notebook_to_html",
]

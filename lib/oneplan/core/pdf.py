"""Reading the text layer of a PDF, as a reader's copy-paste or a search engine sees it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path


class PdfTextError(RuntimeError):
    """The PDF's text could not be read (missing tool or a tool that failed)."""


def pdf_text(pdf_path: str | os.PathLike, *, engine: str = "pypdf") -> str:
    """The PDF's text layer, for tests and search; pages separated by form feeds.

    ``engine="pypdf"`` (default, pure Python): :func:`pdf_text_pypdf`. ``engine=
    "pdftotext"``: poppler's ``pdftotext -layout`` (Debian ``poppler-utils``), which keeps
    the page layout (columns, table alignment).

    Why not pypdf's own ``extract_text``: Chromium shapes Thai with HarfBuzz, so one
    character can become several glyphs (sara am ``ำ`` is drawn as nikhahit + sara aa) and
    stacked tone marks use alternate glyphs with no Unicode value of their own. Chromium
    wraps each such cluster in a ``/Span <</ActualText (…)>> BDC … EMC`` sequence holding
    the real text. pypdf's ``extract_text`` (6.x) ignores ActualText and returns e.g.
    "อําเภอ" (U+0E4D U+0E32) and "นํ า" (tone mark lost) for "อำเภอ" and "น้ำ".
    ``pdftotext`` honours ActualText but puts a space after some stacked clusters
    ("ปั้ น" for "ปั้น"); :func:`pdf_text_pypdf` returns the words intact, with rougher
    spacing and line breaks. Compare words, not whitespace.
    """
    pdf_path = Path(pdf_path)
    if engine == "pypdf":
        return pdf_text_pypdf(pdf_path)
    if engine != "pdftotext":
        raise ValueError(f"engine must be 'pypdf' or 'pdftotext', not {engine!r}")
    exe = shutil.which("pdftotext")
    if exe is None:
        raise PdfTextError("pdftotext is not installed (Debian package poppler-utils)")
    res = subprocess.run([exe, "-layout", "-enc", "UTF-8", str(pdf_path), "-"],
                         capture_output=True, timeout=120)
    if res.returncode != 0:
        raise PdfTextError(f"pdftotext failed on {pdf_path}: "
                          f"{res.stderr.decode(errors='replace').strip()}")
    return res.stdout.decode("utf-8", errors="replace")


def _parse_tounicode(data: bytes) -> dict[int, str]:
    """Code → text from a ToUnicode CMap (``bfchar`` and ``bfrange`` sections)."""
    text = data.decode("latin-1")
    out: dict[int, str] = {}

    def utf16(hexstr: str) -> str:
        return bytes.fromhex(hexstr).decode("utf-16-be", errors="replace") if hexstr else ""

    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            out[int(src, 16)] = utf16(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(
                r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", block):
            lo_i, hi_i = int(lo, 16), int(hi, 16)
            if dst.startswith("["):
                for k, item in enumerate(re.findall(r"<([0-9A-Fa-f]*)>", dst)):
                    out[lo_i + k] = utf16(item)
            else:
                base = bytes.fromhex(dst[1:-1])
                for k in range(hi_i - lo_i + 1):
                    b = base[:-2] + (int.from_bytes(base[-2:], "big") + k).to_bytes(2, "big")
                    out[lo_i + k] = b.decode("utf-16-be", errors="replace")
    return out


def _mat_mul(a: list[float], b: list[float]) -> list[float]:
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def _string_bytes(obj) -> bytes:
    """Raw bytes of a pypdf string operand (TextStringObject or ByteStringObject)."""
    raw = getattr(obj, "original_bytes", None)
    return bytes(raw) if raw is not None else bytes(obj)


def _page_text_actualtext(page, reader) -> str:
    """Text of one page in content order, using /ActualText spans where present."""
    from pypdf.generic import ContentStream, DictionaryObject

    resources = page.get("/Resources") or {}
    font_dict = resources.get("/Font") or {}
    fonts: dict[str, tuple[int, dict[int, str]]] = {}
    for name, ref in font_dict.items():
        font = ref.get_object()
        width = 2 if font.get("/Subtype") == "/Type0" else 1
        tu = font.get("/ToUnicode")
        fonts[name] = (width, _parse_tounicode(tu.get_object().get_data()) if tu else {})
    contents = page.get_contents()
    if contents is None:
        return ""
    parts: list[str] = []
    # marked-content stack; an ActualText entry is [text, emitted?], others None
    stack: list[list | None] = []
    ctm = [1.0, 0, 0, 1, 0, 0]
    ctm_stack: list[list[float]] = []
    tm = [1.0, 0, 0, 1, 0, 0]
    tlm = list(tm)
    font: tuple[int, dict[int, str]] = (1, {})
    size = 10.0
    last_y: float | None = None
    new_text_object = False

    def place() -> None:
        """Start a new line when the baseline moved, a space between text objects."""
        nonlocal last_y, new_text_object
        trm = _mat_mul(tm, ctm)
        y = trm[5]
        height = abs(size * trm[3]) or abs(size * trm[2]) or 1.0
        if last_y is not None and abs(y - last_y) > 0.5 * height:
            parts.append("\n")
        elif new_text_object and parts and not parts[-1].endswith((" ", "\n")):
            parts.append(" ")
        last_y = y
        new_text_object = False

    def span() -> list | None:
        """The outermost open ActualText span, if any."""
        return next((e for e in stack if e is not None), None)

    def decode(raw: bytes) -> str:
        width, cmap = font
        chars = []
        for k in range(0, len(raw) - width + 1, width):
            code = int.from_bytes(raw[k:k + width], "big")
            chars.append(cmap.get(code, chr(code) if width == 1 else ""))
        return "".join(chars).replace("\x00", "")

    for operands, op in ContentStream(contents, reader).operations:
        if op == b"BDC":
            props = operands[1] if len(operands) > 1 else None
            if isinstance(props, DictionaryObject) and "/ActualText" in props:
                stack.append([str(props["/ActualText"]), False])
            else:
                stack.append(None)
        elif op == b"BMC":
            stack.append(None)
        elif op == b"EMC":
            if stack:
                entry = stack.pop()
                if entry is not None and not entry[1] and span() is None:
                    parts.append(entry[0])  # a span that drew no glyph: keep its text
        elif op == b"q":
            ctm_stack.append(list(ctm))
        elif op == b"Q":
            if ctm_stack:
                ctm = ctm_stack.pop()
        elif op == b"cm":
            ctm = _mat_mul([float(x) for x in operands], ctm)
        elif op == b"BT":
            tm, tlm = [1.0, 0, 0, 1, 0, 0], [1.0, 0, 0, 1, 0, 0]
            new_text_object = True
        elif op == b"Tf":
            font = fonts.get(operands[0], (1, {}))
            size = float(operands[1])
        elif op == b"Tm":
            tm = [float(x) for x in operands]
            tlm = list(tm)
        elif op in (b"Td", b"TD"):
            tlm = _mat_mul([1, 0, 0, 1, float(operands[0]), float(operands[1])], tlm)
            tm = list(tlm)
        elif op == b"T*":
            tlm = _mat_mul([1, 0, 0, 1, 0, -size * 1.2], tlm)
            tm = list(tlm)
        elif op in (b"Tj", b"'", b'"', b"TJ"):
            outer = span()
            if outer is not None:
                if not outer[1]:  # the span's first glyph: its text, at this position
                    place()
                    parts.append(outer[0])
                    outer[1] = True
                continue
            items = operands[0] if op == b"TJ" else [operands[-1]]
            text = "".join(decode(_string_bytes(x)) for x in items
                           if not isinstance(x, (int, float)))
            if text:
                place()
                parts.append(text)
    return "".join(parts)


def pdf_text_pypdf(pdf_path: str | os.PathLike) -> str:
    """The PDF's text layer with pypdf only (no poppler), honouring ``/ActualText`` spans.

    Reads text drawn directly in page content (what Chromium writes); text inside form
    XObjects is not visited. Pages are separated by a form feed, like ``pdftotext``.
    """
    from pypdf import PdfReader

    reader = PdfReader(str(pdf_path))
    return "\f".join(_page_text_actualtext(page, reader) for page in reader.pages)

"""The one Thai font every report uses: Noto Sans Thai from the ``fontpkg-noto-sans-thai`` wheel.

The font ships inside a PyPI package, so reports look the same on every machine whether or
not the system has Thai fonts installed, and nothing is downloaded at run time.

The file is a *variable* font (axes ``wght`` 100–900 and ``wdth`` 62.5–100); neither Chromium
(for PDF) nor matplotlib uses it well as is, so static instances are derived from it:

* Chromium renders the variable font fine on screen, but prints a variable web font into the
  PDF as Type 3 glyph procedures (no embedded font file). :func:`thai_font_css` therefore
  embeds static Regular (400) and Bold (700) instances, which Chromium embeds as proper
  subset CID TrueType fonts (``FontFile2``).
* matplotlib/FreeType only ever draws the default instance (Regular, 400) of a variable
  font, so :mod:`oneplan.charts` registers the package file for Regular and the static Bold
  instance (:func:`thai_bold_font_path`) for bold.

Instances are made once with fontTools (a matplotlib dependency) and cached on disk.
"""

from __future__ import annotations

import base64
import functools
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

FONT_FAMILY = "Noto Sans Thai"
"""CSS / matplotlib family name of the embedded font."""

_FONT_FILE = "NotoSansThai[wdth,wght].ttf"
_BOLD_WEIGHT = 700


class FontNotFoundError(RuntimeError):
    """The Noto Sans Thai font package is not installed or its font file is missing."""


def thai_font_path() -> Path:
    """Path of the Noto Sans Thai variable TTF shipped by ``fontpkg-noto-sans-thai``.

    Raises :class:`FontNotFoundError` with an install hint when the package or file is absent.
    """
    hint = (
        "the Thai report font comes from the PyPI package 'fontpkg-noto-sans-thai'; "
        "install the project with `pip install -e .` (or `make setup`)"
    )
    try:
        import fontpkg_noto_sans_thai as pkg
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise FontNotFoundError(f"Noto Sans Thai is not installed: {hint}") from exc
    path = Path(pkg.ROOT) / "files" / _FONT_FILE
    if not path.is_file():  # pragma: no cover - broken install
        raise FontNotFoundError(f"font file missing: {path}; {hint}")
    return path


CSS_WEIGHTS = (400, 700)
"""Weights embedded by :func:`thai_font_css` (CSS picks 700 for bold, 400 for normal/500)."""


@functools.lru_cache(maxsize=1)
def thai_font_css() -> str:
    """CSS ``@font-face`` rules embedding the font as base64 data URLs, plus a body font stack.

    Self-contained: the browser reads no file and no network. Static Regular (400) and Bold
    (700) instances are embedded rather than the variable file: Chromium prints a variable
    web font as Type 3 glyph procedures (no FontFile, poor rendering in some viewers), but a
    static TrueType font as a proper embedded, subset CID TrueType font. About 130 kB.
    """
    rules = []
    for weight in CSS_WEIGHTS:
        data = base64.b64encode(thai_font_instance(weight).read_bytes()).decode("ascii")
        rules.append(
            "@font-face {\n"
            f"  font-family: '{FONT_FAMILY}';\n"
            f"  src: url(data:font/ttf;base64,{data}) format('truetype');\n"
            f"  font-weight: {weight};\n"
            "  font-style: normal;\n"
            "  font-display: block;\n"
            "}\n"
        )
    rules.append(f"html, body {{ font-family: '{FONT_FAMILY}', sans-serif; }}\n")
    return "".join(rules)


def _font_cache_dir() -> Path:
    """A writable folder for derived font files (inside matplotlib's cache folder)."""
    import matplotlib

    return Path(matplotlib.get_cachedir()) / "oneplan-fonts"


@functools.lru_cache(maxsize=None)
def thai_font_instance(weight: int) -> Path:
    """A static instance (``wght`` = ``weight``, normal width) of the variable font.

    Made once with fontTools (a matplotlib dependency, ~0.2 s) and cached on disk under
    matplotlib's cache folder; the file name includes the source size and mtime, so a font
    upgrade makes new instances. Written atomically, so parallel workers are safe.
    """
    if not 100 <= weight <= 900:
        raise ValueError(f"weight must be within 100..900, not {weight}")
    src = thai_font_path()
    st = src.stat()
    out = _font_cache_dir() / f"NotoSansThai-w{weight}-{st.st_size}-{int(st.st_mtime)}.ttf"
    if out.is_file():
        return out
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    log.info("making static weight-%d instance of %s -> %s", weight, src.name, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    quiet = logging.getLogger("fontTools")
    level = quiet.level
    quiet.setLevel(max(level, logging.WARNING))  # fontTools logs every step at INFO
    try:
        font = instancer.instantiateVariableFont(
            TTFont(src), {"wght": weight, "wdth": 100}, updateFontNames=True
        )
    finally:
        quiet.setLevel(level)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".instance-", suffix=".ttf")
    try:
        with os.fdopen(fd, "wb") as fh:
            font.save(fh)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def thai_bold_font_path() -> Path:
    """Static Bold (wght 700) instance, for matplotlib.

    matplotlib cannot select a weight inside a variable font, so without this ``fontweight=
    "bold"`` would silently render Regular on machines without a system Thai bold font.
    """
    return thai_font_instance(_BOLD_WEIGHT)

"""The one Thai font every report uses: Noto Sans Thai from the ``fontpkg-noto-sans-thai`` wheel.

The font ships inside a PyPI package, so reports look the same on every machine whether or
not the system has Thai fonts installed, and nothing is downloaded at run time.

The file is a *variable* font (axes ``wght`` 100–900 and ``wdth`` 62.5–100):

* Browsers (Chromium) use the weight axis directly, so :func:`thai_font_css` declares the
  whole weight range and ``font-weight: bold`` renders a real bold.
* matplotlib/FreeType only ever draws the default instance (Regular, 400) of a variable font,
  so :func:`thai_bold_font_path` makes a static Bold (``wght`` 700) instance once with
  fontTools (a matplotlib dependency) and caches it; :mod:`oneplan.charts` registers both.
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


@functools.lru_cache(maxsize=1)
def thai_font_css() -> str:
    """CSS with an ``@font-face`` embedding the font as a base64 data URL, and a body font stack.

    Self-contained (no file or network access by the browser); about 290 kB of text. Declares
    the variable font's full weight (100–900) and width (62.5–100 %) ranges so bold works.
    """
    data = base64.b64encode(thai_font_path().read_bytes()).decode("ascii")
    return (
        "@font-face {\n"
        f"  font-family: '{FONT_FAMILY}';\n"
        f"  src: url(data:font/ttf;base64,{data}) format('truetype');\n"
        "  font-weight: 100 900;\n"
        "  font-stretch: 62.5% 100%;\n"
        "  font-style: normal;\n"
        "  font-display: block;\n"
        "}\n"
        f"html, body {{ font-family: '{FONT_FAMILY}', sans-serif; }}\n"
    )


def _font_cache_dir() -> Path:
    """A writable folder for derived font files (inside matplotlib's cache folder)."""
    import matplotlib

    return Path(matplotlib.get_cachedir()) / "oneplan-fonts"


@functools.lru_cache(maxsize=1)
def thai_bold_font_path() -> Path:
    """A static Bold (wght 700) instance of the variable font, made once and cached on disk.

    matplotlib cannot select a weight inside a variable font, so without this ``fontweight=
    "bold"`` would silently render Regular on machines without a system Thai bold font. The
    cache file name includes the source size and mtime, so a font upgrade makes a new one.
    """
    src = thai_font_path()
    st = src.stat()
    out = _font_cache_dir() / f"NotoSansThai-Bold-{st.st_size}-{int(st.st_mtime)}.ttf"
    if out.is_file():
        return out
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    log.info("making static bold instance of %s -> %s", src.name, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    font = instancer.instantiateVariableFont(
        TTFont(src), {"wght": _BOLD_WEIGHT, "wdth": 100}, updateFontNames=True
    )
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".bold-", suffix=".ttf")
    try:
        with os.fdopen(fd, "wb") as fh:
            font.save(fh)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out

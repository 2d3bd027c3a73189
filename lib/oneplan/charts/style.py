"""Report charts: one matplotlib style with the embedded Thai font, one function per chart.

Every chart function returns a :class:`matplotlib.figure.Figure` built without pyplot, so
it is not kept alive by pyplot's figure registry and a notebook shows it exactly once (when
it is the cell's value or passed to ``display``). Labels are Thai by default, English with
``lang="en"``, from the catalogue ``charts/text/*.yml``. Amounts are shown in million baht.
This module owns the style (font, rcParams, palette), :func:`new_figure`, the "no data"
panel, the synthetic-data mark and :func:`show`.

matplotlib ≥ 3.11 shapes text with HarfBuzz (libraqm), so Thai vowels and tone marks stack
correctly in PNG/SVG output. Note that matplotlib's *own* PDF backend still writes a poor
text layer for shaped Thai (searching the PDF fails); reports are printed from HTML by
Chromium instead, see :mod:`oneplan.batch.export`.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

import matplotlib

log = logging.getLogger(__name__)


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


# Headless batch runs (papermill workers, CI, the CLI) get the non-interactive Agg backend.
# Inside a Jupyter kernel ipykernel sets MPLBACKEND to its inline backend; leave that alone.
if not _has_display() and not os.environ.get("MPLBACKEND") and "ipykernel" not in sys.modules:
    matplotlib.use("Agg")

from cycler import cycler  # noqa: E402  (after the backend choice)
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: E402

from oneplan.core.fonts import FONT_FAMILY, thai_bold_font_path, thai_font_path
from oneplan.core.text import text

PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # green
    "#CC79A7",  # purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",
)
"""Okabe–Ito colour-blind-safe colours, the default colour cycle."""

SELECTED_COLOUR = PALETTE[0]
"""Colour of selected projects (and of single-series bars)."""
NOT_SELECTED_COLOUR = "#9E9E9E"
"""Colour of projects not selected (grey)."""

STYLE: Mapping[str, object] = {
    "font.family": [FONT_FAMILY, "sans-serif"],
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "figure.titlesize": 13,
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "axes.axisbelow": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    # keep text as text: TrueType (Type 42) in PDF/PS; SVG text elements ("none"; SVG has
    # no "42", its choices are "path" and "none")
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "none",
    # names come from the data: "$…$" in one is text, never math markup (a name such as
    # "$\\undefined$" would stop the chart, and with it the report)
    "text.parse_math": False,
}
"""rcParams set by :func:`use_thai_style`."""


def _register_fonts() -> None:
    """Add the Regular (variable) and static Bold files to matplotlib and make them win ties.

    A system copy of Noto Sans Thai (Debian ``fonts-noto-core``) scores exactly the same as
    ours and findfont keeps the first of equal scores, so our entries go to the front of the
    list: every machine then draws with the same, packaged font files.
    """
    fm = font_manager.fontManager
    ours = {str(thai_font_path()), str(thai_bold_font_path())}
    known = {e.fname for e in fm.ttflist}
    for path in sorted(ours - known):
        fm.addfont(path)
    mine = [e for e in fm.ttflist if e.fname in ours]
    if fm.ttflist[: len(mine)] != mine:
        fm.ttflist[:] = mine + [e for e in fm.ttflist if e.fname not in ours]
    fm._findfont_cached.cache_clear()  # noqa: SLF001 - matplotlib's own cache of findfont


def _enable_notebook_display() -> None:
    """In a Jupyter kernel, make a bare Figure (a cell's value) display as a PNG image.

    The chart functions never touch pyplot, and IPython only shows a Figure as an image once
    a formatter is registered for it (``%matplotlib inline`` does that); register the PNG
    one if none is. Figures made here are not registered with pyplot, so the inline backend
    never shows them a second time.
    """
    if "ipykernel" not in sys.modules:
        return
    from IPython import get_ipython

    ip = get_ipython()
    if ip is None:
        return
    formatters = ip.display_formatter.formatters
    if any(Figure in f.type_printers for f in formatters.values()):
        return
    from IPython.core.pylabtools import select_figure_formats

    select_figure_formats(ip, {"png"})


def use_thai_style() -> None:
    """Register the Thai font with matplotlib and set the report rcParams. Safe to call often."""
    _register_fonts()
    matplotlib.rcParams.update(STYLE)
    _enable_notebook_display()


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` × ``height`` inches in the report style, constrained layout."""
    use_thai_style()
    return Figure(figsize=(width, height), dpi=matplotlib.rcParams["figure.dpi"],
                  layout="constrained")


def million_tick(v: float, _pos: object = None) -> str:
    """Million-baht label with one decimal, as money is written in reports: 1,234.0 ·
    12.5 · 1.3; amounts under 0.1 million (a log axis of small works) keep two significant
    digits (0.05), and 0 is "0"."""
    if v == 0:
        return "0"
    if abs(v) >= 0.095:
        return f"{v:,.1f}"
    return f"{v:.2g}"


def no_data(fig: Figure, ax, lang: str) -> Figure:
    """Write "no data" in the middle of ``ax``, hide its axes and return ``fig``."""
    ax.text(0.5, 0.5, text("charts.style.label.no_data", lang), ha="center", va="center",
            transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def synthetic_watermark(fig: Figure, lang: str = "th") -> Figure:
    """Add a small grey corner note saying the data is synthetic; returns ``fig``."""
    use_thai_style()
    note = text("charts.style.label.synthetic", lang)
    style = {"ha": "right", "fontsize": 7, "color": "#777777", "gid": "oneplan-synthetic-watermark"}
    constrained = isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    if constrained and fig._supxlabel is None:  # noqa: SLF001
        # a figure-level x label: constrained layout reserves room so it never hits the axes
        fig.supxlabel(note, x=0.995, **style)
    else:
        fig.text(0.995, 0.005, note, va="bottom", **style)
    return fig


def show(fig: Figure, *, synthetic: bool, lang: str = "th") -> None:
    """Display ``fig`` in the notebook, with the synthetic-data mark when the data is the
    sample (every report chart goes through here, so none can forget the mark)."""
    from IPython.display import display

    if synthetic:
        synthetic_watermark(fig, lang)
    display(fig)

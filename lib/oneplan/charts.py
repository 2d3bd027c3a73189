"""Report charts: one matplotlib style with the embedded Thai font, one function per chart.

Every chart function returns a :class:`matplotlib.figure.Figure` built without pyplot, so
it is not kept alive by pyplot's figure registry and a notebook shows it exactly once (when
it is the cell's value or passed to ``display``). Labels are Thai by default, English with
``lang="en"``. Amounts are shown in million baht.

matplotlib ≥ 3.11 shapes text with HarfBuzz (libraqm), so Thai vowels and tone marks stack
correctly in PNG/SVG output. Note that matplotlib's *own* PDF backend still writes a poor
text layer for shaped Thai (searching the PDF fails); reports are printed from HTML by
Chromium instead, see :mod:`oneplan.export`.
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
from matplotlib import font_manager, ticker  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: E402

from .fonts import FONT_FAMILY, thai_bold_font_path, thai_font_path  # noqa: E402

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
NOT_SELECTED_COLOUR = "#9E9E9E"

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
}
"""rcParams set by :func:`use_thai_style`."""

TEXT = {
    "th": {
        "budget_title": "งบประมาณโครงการที่เลือก จำแนกตามอำเภอ",
        "budget_x": "งบประมาณ (ล้านบาท)",
        "budget_y": "อำเภอ",
        "bvc_title": "คะแนนความสำคัญเทียบกับค่าใช้จ่าย",
        "bvc_x": "ค่าใช้จ่าย (ล้านบาท, สเกลลอการิทึม)",
        "bvc_y": "คะแนนความสำคัญ",
        "selected": "โครงการที่เลือก",
        "not_selected": "ไม่ได้เลือก",
        "no_data": "ไม่มีข้อมูล",
        "synthetic": "ข้อมูลสังเคราะห์ (ตัวอย่าง) — ไม่ใช่ข้อมูลจริง",
    },
    "en": {
        "budget_title": "Selected project budget by district",
        "budget_x": "Budget (million baht)",
        "budget_y": "District",
        "bvc_title": "Priority score vs cost",
        "bvc_x": "Cost (million baht, log scale)",
        "bvc_y": "Priority score",
        "selected": "Selected",
        "not_selected": "Not selected",
        "no_data": "No data",
        "synthetic": "Synthetic sample data — not real",
    },
}


def _text(lang: str) -> Mapping[str, str]:
    try:
        return TEXT[lang]
    except KeyError:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(TEXT)}") from None


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


def _new_figure(width: float, height: float) -> Figure:
    use_thai_style()
    return Figure(figsize=(width, height), dpi=matplotlib.rcParams["figure.dpi"],
                  layout="constrained")


def _million(v: float, _pos: object = None) -> str:
    """Million-baht label: 1,234 · 12.5 · 1.25 · 0.05 (trailing zeros dropped)."""
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 0.01:
        return f"{v:,.{1 if abs(v) >= 10 else 2}f}".rstrip("0").rstrip(".")
    return f"{v:.2g}"


def budget_by_district(df, *, district_col: str = "district_name", value_col: str = "cost_baht",
                       lang: str = "th", selected_col: str | None = "selected") -> Figure:
    """Horizontal bars of the selected budget per district, in million baht, largest on top.

    When ``selected_col`` is a column of ``df`` only rows where it is true are counted; pass
    ``selected_col=None`` (or a frame of selected projects only) to sum every row.
    """
    t = _text(lang)
    data = df
    if selected_col is not None and selected_col in df.columns:
        data = df[df[selected_col].fillna(False).astype(bool)]
    totals = (data.groupby(district_col, dropna=False)[value_col].sum() / 1e6).sort_values()
    fig = _new_figure(7.5, max(2.2, 0.32 * len(totals) + 1.2))
    ax = fig.add_subplot()
    ax.set_title(t["budget_title"], loc="left")
    if totals.empty:
        ax.text(0.5, 0.5, t["no_data"], ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    labels = [str(x) for x in totals.index]
    bars = ax.barh(labels, totals.to_numpy(), color=SELECTED_COLOUR, height=0.7)
    ax.bar_label(bars, labels=[_million(v) for v in totals.to_numpy()], padding=3, fontsize=8)
    ax.set_xlabel(t["budget_x"])
    ax.set_ylabel(t["budget_y"])
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(_million))
    ax.grid(axis="x")
    ax.margins(x=0.12)
    ax.tick_params(axis="y", length=0)
    return fig


def benefit_vs_cost(df, *, cost_col: str = "cost_baht", value_col: str = "priority",
                    selected_col: str = "selected", lang: str = "th") -> Figure:
    """Scatter of priority score against cost (log x, million baht), selected vs not selected."""
    t = _text(lang)
    fig = _new_figure(7.5, 4.2)
    ax = fig.add_subplot()
    ax.set_title(t["bvc_title"], loc="left")
    cost = df[cost_col].astype(float)
    ok = cost > 0
    if not ok.all():
        log.warning("benefit_vs_cost: %d row(s) without a positive %s left out of the log axis",
                     int((~ok).sum()), cost_col)
    data = df[ok]
    if data.empty:
        ax.text(0.5, 0.5, t["no_data"], ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    sel = (data[selected_col].fillna(False).astype(bool) if selected_col in data.columns
           else None)
    x = data[cost_col].astype(float) / 1e6
    y = data[value_col].astype(float)
    if sel is None:
        ax.scatter(x, y, s=18, color=SELECTED_COLOUR, alpha=0.8)
    else:
        others = ax.scatter(x[~sel], y[~sel], s=14, color=NOT_SELECTED_COLOUR, alpha=0.6,
                            label=t["not_selected"], linewidths=0)
        chosen = ax.scatter(x[sel], y[sel], s=22, color=SELECTED_COLOUR, alpha=0.9,
                            label=t["selected"], edgecolors="white", linewidths=0.4)
        ax.legend(handles=[chosen, others], loc="best")  # drawn on top, listed first
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(_million))
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_xlabel(t["bvc_x"])
    ax.set_ylabel(t["bvc_y"])
    ax.grid(axis="both", which="major")
    return fig


def synthetic_watermark(fig: Figure, lang: str = "th") -> Figure:
    """Add a small grey corner note saying the data is synthetic; returns ``fig``."""
    use_thai_style()
    note = _text(lang)["synthetic"]
    style = {"ha": "right", "fontsize": 7, "color": "#777777", "gid": "oneplan-synthetic-watermark"}
    constrained = isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    if constrained and fig._supxlabel is None:  # noqa: SLF001
        # a figure-level x label: constrained layout reserves room so it never hits the axes
        fig.supxlabel(note, x=0.995, **style)
    else:
        fig.text(0.995, 0.005, note, va="bottom", **style)
    return fig

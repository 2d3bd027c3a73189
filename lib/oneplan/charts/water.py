"""Charts of the water plan: budget by district, benefit against cost, the budget frontier
and the scenario comparison (each a function of a DataFrame and the report language; the
labels are in the catalogue ``charts/text/water.yml``)."""

from __future__ import annotations

import logging

from matplotlib import ticker
from matplotlib.figure import Figure

from oneplan.charts.style import (NOT_SELECTED_COLOUR, PALETTE, SELECTED_COLOUR, million_tick,
                                  new_figure, no_data)
from oneplan.core import vocab
from oneplan.core.labels import SCENARIO_LABELS
from oneplan.core.text import texts

log = logging.getLogger(__name__)


def budget_by_district(df, *, district_col: str = "district_name", value_col: str = "cost_baht",
                       lang: str = "th", selected_col: str | None = "selected") -> Figure:
    """Horizontal bars of the selected budget per district, in million baht, largest on top.

    When ``selected_col`` is a column of ``df`` only rows where it is true are counted; pass
    ``selected_col=None`` (or a frame of selected projects only) to sum every row.
    """
    t = texts("charts.water.label", lang)
    data = df
    if selected_col is not None and selected_col in df.columns:
        data = df[df[selected_col].fillna(False).astype(bool)]
    totals = (data.groupby(district_col, dropna=False)[value_col].sum() / 1e6).sort_values()
    fig = new_figure(7.5, max(2.2, 0.32 * len(totals) + 1.2))
    ax = fig.add_subplot()
    ax.set_title(t["budget_title"], loc="left")
    if totals.empty:
        return no_data(fig, ax, lang)
    labels = [str(x) for x in totals.index]
    bars = ax.barh(labels, totals.to_numpy(), color=SELECTED_COLOUR, height=0.7)
    ax.bar_label(bars, labels=[million_tick(v) for v in totals.to_numpy()], padding=3, fontsize=8)
    ax.set_xlabel(t["budget_x"])
    ax.set_ylabel(t["budget_y"])
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(million_tick))
    ax.grid(axis="x")
    ax.margins(x=0.12)
    ax.tick_params(axis="y", length=0)
    return fig


def benefit_vs_cost(df, *, cost_col: str = "cost_baht", value_col: str = "priority",
                    selected_col: str = "selected", lang: str = "th") -> Figure:
    """Scatter of priority score against cost (log x, million baht), selected vs not selected."""
    t = texts("charts.water.label", lang)
    fig = new_figure(7.5, 4.2)
    ax = fig.add_subplot()
    ax.set_title(t["bvc_title"], loc="left")
    cost = df[cost_col].astype(float)
    ok = cost > 0
    if not ok.all():
        log.warning("benefit_vs_cost: %d row(s) without a positive %s left out of the log axis",
                     int((~ok).sum()), cost_col)
    data = df[ok]
    if data.empty:
        return no_data(fig, ax, lang)
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
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(million_tick))
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_xlabel(t["bvc_x"])
    ax.set_ylabel(t["bvc_y"])
    ax.grid(axis="both", which="major")
    return fig


def frontier_chart(frontier_df, lang: str = "th", *, value_col: str = "benefit") -> Figure:
    """Benefit against budget (million baht) from :func:`oneplan.selection.compare.budget_frontier`.

    Top panel: ``value_col`` at each budget, the current budget (``current`` row, else
    fraction 1) marked with a dashed line. Bottom panel: the marginal benefit per extra
    million baht between consecutive budgets, as bars between the two points.
    """
    t = texts("charts.water.label", lang)
    fig = new_figure(7.5, 5.2)
    ax, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (2.2, 1)})
    ax.set_title(t["frontier_title"], loc="left")
    data = frontier_df.sort_values("budget_baht")
    ok = data[value_col].notna()
    if not ok.any():
        ax2.set_axis_off()
        return no_data(fig, ax, lang)
    x = data["budget_baht"].astype(float) / 1e6
    y = data[value_col].astype(float)
    ax.plot(x[ok], y[ok], marker="o", color=SELECTED_COLOUR, linewidth=1.8, markersize=5)
    if "current" in data.columns and data["current"].astype(bool).any():
        cur = data[data["current"].astype(bool)].iloc[0]
    else:
        near = (data["fraction"] - 1.0).abs() if "fraction" in data.columns else None
        cur = data.loc[near.idxmin()] if near is not None else None
    if cur is not None:
        cx = float(cur["budget_baht"]) / 1e6
        for a in (ax, ax2):
            a.axvline(cx, color=PALETTE[5], linestyle="--", linewidth=1)
        label = f"{t['current']} {million_tick(cx)}"
        ax.annotate(label, xy=(cx, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(4, -4), textcoords="offset points", va="top", fontsize=8,
                    color=PALETTE[5])
        if _notna(cur[value_col]):
            ax.plot([cx], [float(cur[value_col])], marker="o", markersize=8,
                    markerfacecolor="none", markeredgecolor=PALETTE[5])
    ax.set_ylabel(t["frontier_y"])
    ax.grid(axis="both")
    if "marginal_benefit_per_million" in data.columns:
        m = data["marginal_benefit_per_million"].astype(float)
        xs = x.to_numpy()
        left, right = xs[:-1], xs[1:]
        heights = m.to_numpy()[1:]
        keep = [i for i in range(len(heights)) if heights[i] == heights[i]]  # not NaN
        if keep:
            ax2.bar([(left[i] + right[i]) / 2 for i in keep], [heights[i] for i in keep],
                    width=[(right[i] - left[i]) * 0.8 for i in keep], color=PALETTE[2],
                    alpha=0.85)
    ax2.set_ylabel(t["marginal_y"])
    ax2.set_xlabel(t["frontier_x"])
    ax2.grid(axis="y")
    ax2.xaxis.set_major_formatter(ticker.FuncFormatter(million_tick))
    return fig


def _notna(value) -> bool:
    """True for a real number (not None / NaN / NA)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False
    return v == v


_SCENARIO_INDICATORS = ("benefit_base", "projects", "households", "storage_m3", "area_rai",
                        "spend_baht", "districts_reached")


def scenario_chart(table, lang: str = "th", *, base: str | None = None,
                   indicators=None) -> Figure:
    """Grouped bars of key indicators of each scenario, as % of the base scenario.

    ``table`` is :func:`oneplan.selection.compare.compare_weightings` / ``compare_scenarios`` output
    (indicator rows, ``label_th``/``label_en`` and one column per scenario). The base is
    ``base``, else ``table.attrs["base"]``, else the first scenario column; it is the
    dashed line at 100 and every other scenario is a bar from 100 to its value (so that
    differences of a few per cent stay visible), labelled with the value.
    """
    t = texts("charts.water.label", lang)
    scenarios = [c for c in table.columns if c not in ("label_th", "label_en")]
    base = base or table.attrs.get("base") or (scenarios[0] if scenarios else None)
    others = [sc for sc in scenarios if sc != base]
    rows = [r for r in (indicators or _SCENARIO_INDICATORS) if r in table.index]
    fig = new_figure(7.5, max(3.0, 0.2 * len(rows) * max(len(others), 1) + 1.6))
    ax = fig.add_subplot()
    ax.set_title(t["scenario_title"], loc="left")
    if not rows or base not in scenarios:
        return no_data(fig, ax, lang)

    names = dict(SCENARIO_LABELS)
    names.update(table.attrs.get("scenario_labels", {}))
    ref = table.loc[rows, base].astype(float)
    height = 0.8 / max(len(others), 1)
    ypos = list(range(len(rows)))[::-1]  # first indicator on top
    ax.axvline(100, color="#555555", linestyle="--", linewidth=1,
               label=f"{vocab.name(names, base, lang)} = 100")
    lo, hi = 100.0, 100.0
    for j, sc in enumerate(others):
        vals = (table.loc[rows, sc].astype(float) / ref.where(ref != 0) * 100).to_numpy()
        offs = [y + 0.4 - height * (j + 0.5) for y in ypos]
        shown = [v if v == v else 100.0 for v in vals]  # NaN (base 0) -> no bar
        bars = ax.barh(offs, [v - 100 for v in shown], left=100, height=height * 0.9,
                       color=PALETTE[(j + 1) % len(PALETTE)], label=vocab.name(names, sc, lang))
        ax.bar_label(bars, labels=[f"{v:.1f}" if v == v else "–" for v in vals], padding=2,
                     fontsize=7)
        lo, hi = min(lo, *shown), max(hi, *shown)
    span = max(hi - lo, 1.0)
    ax.set_xlim(lo - 0.25 * span, hi + 0.25 * span)
    ax.set_yticks(ypos)
    ax.set_yticklabels([str(table.loc[r, f"label_{lang}"]) if f"label_{lang}" in table.columns
                        else r for r in rows])
    ax.set_xlabel(t["scenario_x"])
    ax.grid(axis="x")
    ax.tick_params(axis="y", length=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig

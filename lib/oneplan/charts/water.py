"""Charts of the water plan: budget by district, benefit against cost, the budget frontier
and the scenario comparison (each a function of a DataFrame and the report language; the
labels are in the catalogue ``charts/text/water.yml``)."""

from __future__ import annotations

import logging

import numpy as np

from matplotlib import ticker
from matplotlib.figure import Figure

from oneplan.charts.style import (NOT_SELECTED_COLOUR, PALETTE, SELECTED_COLOUR, million_tick,
                                  new_figure, no_data)
from oneplan.core import vocab
from oneplan.core.labels import SCENARIO_LABELS
from oneplan.core.text import text, texts

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


def scenario_changes(table, *, base: str | None = None):
    """What each scenario changes against the base plan, from a scenario table
    (:func:`oneplan.selection.compare.compare_weightings` / ``compare_scenarios``).

    Returns a DataFrame indexed by the other scenarios with ``added`` and ``dropped``
    (projects in the scenario's plan and not the base's, and the reverse; from
    ``attrs["selected_ids"]``, else the table's ``added_base``/``dropped_base`` rows),
    ``benefit_delta`` (the scenario's plan valued with the base weights minus the base
    plan: comparable across scenarios; ``benefit_base`` row) and ``spend_delta_m``
    (million baht; ``spend_baht`` row). ``attrs["base"]`` names the base.
    """
    import pandas as pd

    scenarios = [c for c in table.columns if c not in ("label_th", "label_en")]
    base = base or table.attrs.get("base") or (scenarios[0] if scenarios else None)
    ids = table.attrs.get("selected_ids") or {}
    rows = {}
    for sc in scenarios:
        if sc == base:
            continue
        if sc in ids and base in ids:
            a, b = set(ids[base]), set(ids[sc])
            added, dropped = len(b - a), len(a - b)
        else:
            added = table.loc["added_base", sc] if "added_base" in table.index else float("nan")
            dropped = (table.loc["dropped_base", sc] if "dropped_base" in table.index
                       else float("nan"))

        def delta(row):
            if row not in table.index:
                return float("nan")
            return float(table.loc[row, sc]) - float(table.loc[row, base])

        rows[sc] = {"added": added, "dropped": dropped, "benefit_delta": delta("benefit_base"),
                    "spend_delta_m": delta("spend_baht") / 1e6}
    out = pd.DataFrame.from_dict(rows, orient="index",
                                 columns=["added", "dropped", "benefit_delta", "spend_delta_m"])
    out.attrs["base"] = base
    return out


def scenario_chart(table, lang: str = "th", *, base: str | None = None) -> Figure:
    """What each scenario changes against the base plan (differences, not indices).

    Left: projects the scenario adds (right of 0) and drops (left of 0) against the base
    plan, labelled with the counts. Right: the change in benefit, both plans valued with
    the base weights (so scenarios compare), labelled with the change in million baht of
    spending. When no scenario changes any project, the chart says so instead of drawing
    empty bars. ``table`` is :func:`oneplan.selection.compare.compare_scenarios` output
    (see :func:`scenario_changes`).
    """
    t = texts("charts.water.label", lang)
    ch = scenario_changes(table, base=base)
    base = ch.attrs["base"]
    fig = new_figure(7.5, max(2.6, 0.55 * len(ch) + 1.6))
    names = dict(SCENARIO_LABELS)
    names.update(table.attrs.get("scenario_labels", {}))
    if ch.empty:
        ax = fig.add_subplot()
        ax.set_title(t["scenario_title"], loc="left")
        return no_data(fig, ax, lang)
    ax, ax2 = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": (1.2, 1)})
    fig.suptitle(text("charts.water.label.scenario_vs", lang,
                      base=vocab.name(names, base, lang)), x=0.01, ha="left",
                 fontsize=12, fontweight="bold")
    labels = [vocab.name(names, sc, lang) for sc in ch.index]
    y = list(range(len(ch)))[::-1]
    known = bool(ch[["added", "dropped"]].notna().all().all())
    added = ch["added"].fillna(0).astype(int).to_numpy()
    dropped = ch["dropped"].fillna(0).astype(int).to_numpy()
    same = known and not (added.any() or dropped.any())
    bars = ax.barh(y, added, color=PALETTE[2], height=0.6, label=t["added"])
    if not same:
        ax.bar_label(bars, labels=[f"+{v:,d}" if known else "–" for v in added], padding=2,
                     fontsize=8)
    bars = ax.barh(y, -dropped, color=PALETTE[5], height=0.6, label=t["dropped"])
    if not same:
        ax.bar_label(bars, labels=[f"−{v:,d}" if v else "" for v in dropped], padding=2,
                     fontsize=8)
    span = max(int(added.max(initial=0)), int(dropped.max(initial=0)), 1)
    ax.set_xlim(-span * 1.35, span * 1.35)
    ax.axvline(0, color="#555555", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlabel(t["changes_x"])
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: f"{abs(v):,.0f}"))
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True, nbins=5))
    ax.grid(axis="x")
    ax.tick_params(axis="y", length=0)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, fontsize=8)
    if same:
        ax.set_xticks([0])
        ax.text(0.5, 0.5, t["no_change"], transform=ax.transAxes, ha="center", va="center",
                fontsize=9, wrap=True,
                bbox={"facecolor": "white", "edgecolor": "#BBBBBB", "boxstyle": "round"})
    db = ch["benefit_delta"].to_numpy(dtype=float)
    shown = np.where(np.isfinite(db), db, 0.0)
    bars = ax2.barh(y, shown, color=[PALETTE[0] if v >= 0 else PALETTE[1] for v in shown],
                    height=0.6)
    money = ch["spend_delta_m"].to_numpy(dtype=float)
    ax2.bar_label(bars, labels=[
        (f"{v:+,.1f}" if np.isfinite(v) else "–")
        + (f" ({text('charts.water.label.money_delta', lang, m=f'{m:+,.1f}')})"
           if np.isfinite(m) else "")
        for v, m in zip(db, money)], padding=2, fontsize=8)
    reach = float(np.max(np.abs(shown), initial=0.0))
    if reach > 0:
        ax2.set_xlim(-reach * 3.2, reach * 3.2)
    else:  # no change: one tick at 0, not a scale magnifying nothing
        ax2.set_xlim(-1, 1)
        ax2.set_xticks([0])
    ax2.axvline(0, color="#555555", linewidth=0.8)
    ax2.set_xlabel(t["benefit_delta_x"])
    ax2.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: f"{v:,.1f}"))
    ax2.grid(axis="x")
    ax2.tick_params(axis="y", length=0)
    return fig

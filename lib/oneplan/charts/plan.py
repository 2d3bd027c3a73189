"""Charts of the needs → plan and follow-up reports, in the Thai report style of
:mod:`oneplan.charts.style` (same font, palette and figure conventions: each function returns a
:class:`matplotlib.figure.Figure` built without pyplot; Thai labels by default, English
with ``lang="en"``, from the catalogue ``charts/text/plan.yml``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure

from oneplan.charts.style import NOT_SELECTED_COLOUR, PALETTE, SELECTED_COLOUR, new_figure, no_data
from oneplan.core import vocab
from oneplan.core.text import texts


def funnel_chart(funnel: pd.DataFrame, lang: str = "th") -> Figure:
    """Horizontal bars of the needs reaching each stage, first stage on top, with count
    and share of all needs; rejected and merged in grey below."""
    t = texts("charts.plan.label", lang)
    fig = new_figure(7.5, 0.34 * len(funnel) + 1.3)
    ax = fig.add_subplot()
    ax.set_title(t["funnel_title"], loc="left")
    if funnel.empty or funnel["needs"].sum() == 0:
        return no_data(fig, ax, lang)
    labels = [vocab.name(vocab.AUTHORITY_LEVELS, "village", lang) if s == "self_help"
              else vocab.name(vocab.NEED_STAGES, s, lang) for s in funnel["stage"]]
    colours = [NOT_SELECTED_COLOUR if s in ("rejected", "merged") else
               PALETTE[2] if s == "self_help" else
               SELECTED_COLOUR for s in funnel["stage"]]
    y = np.arange(len(funnel))[::-1]
    bars = ax.barh(y, funnel["needs"], color=colours, height=0.7)
    ax.bar_label(bars, labels=[f"{n:,} ({s * 100:.0f}%)" for n, s in
                               zip(funnel["needs"], funnel["share"].fillna(0))],
                 padding=3, fontsize=8)
    ax.set_yticks(y, labels)
    ax.set_xlabel(t["needs"])
    ax.xaxis.set_major_formatter(ticker.StrMethodFormatter("{x:,.0f}"))
    ax.margins(x=0.2)
    ax.grid(axis="x")
    ax.tick_params(axis="y", length=0)
    return fig


def contributions_chart(ranked: pd.DataFrame, criteria: dict[str, tuple[str, str, str]],
                        lang: str = "th", rows: int = 15) -> Figure:
    """Stacked horizontal bars of each criterion's contribution to the score of the
    ``rows`` best proposals (best on top)."""
    t = texts("charts.plan.label", lang)
    top = ranked.head(rows)
    fig = new_figure(7.5, 0.3 * len(top) + 1.8)
    ax = fig.add_subplot()
    ax.set_title(t["contrib_title"], loc="left")
    if top.empty:
        return no_data(fig, ax, lang)
    y = np.arange(len(top))[::-1]
    left = np.zeros(len(top))
    for k, c in enumerate(criteria):
        v = top[f"contrib_{c}"].to_numpy(dtype=float)
        ax.barh(y, v, left=left, height=0.7, color=PALETTE[k % len(PALETTE)],
                label=vocab.name(criteria, c, lang))
        left += v
    ax.set_yticks(y, [f"{r}. {p}" for r, p in zip(top["rank"], top["project_id"])])
    ax.set_xlabel(t["score"])
    ax.set_xlim(0, max(1.0, float(left.max()) * 1.02))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.5 / max(len(top), 1)),
              ncol=2, fontsize=8)
    ax.grid(axis="x")
    ax.tick_params(axis="y", length=0, labelsize=8)
    return fig


def overview_chart(by_area: pd.DataFrame, name_col: str, groups: dict[str, tuple[str, str]],
                   lang: str = "th") -> Figure:
    """Stacked horizontal bars of project counts per area: done, in progress, awaiting
    budget (most projects on top)."""
    t = texts("charts.plan.label", lang)
    keep = [g for g in groups if g != "proposed"]
    df = by_area.assign(_n=by_area[[f"{g}_count" for g in keep]].sum(axis=1)).sort_values("_n")
    fig = new_figure(7.5, max(2.4, 0.3 * len(df) + 1.4))
    ax = fig.add_subplot()
    ax.set_title(t["overview_title"], loc="left")
    if df.empty:
        return no_data(fig, ax, lang)
    colours = {"done": PALETTE[2], "in_progress": PALETTE[0],
               "awaiting_budget": PALETTE[1]}
    left = np.zeros(len(df))
    for g in keep:
        v = df[f"{g}_count"].to_numpy(dtype=float)
        ax.barh(df[name_col].astype(str), v, left=left, color=colours[g], height=0.7,
                label=vocab.name(groups, g, lang))
        left += v
    ax.set_xlabel(t["projects"])
    ax.legend(loc="lower right")
    ax.grid(axis="x")
    ax.tick_params(axis="y", length=0)
    return fig


def disbursement_chart(by_quarter: pd.DataFrame, lang: str = "th") -> Figure:
    """Bars of cumulative disbursement per fiscal quarter with the target as a line."""
    t = texts("charts.plan.label", lang)
    fig = new_figure(6.5, 3.6)
    ax = fig.add_subplot()
    ax.set_title(t["disb_title"], loc="left")
    q = by_quarter["quarter"].to_numpy()
    actual = by_quarter["disbursed_share"].to_numpy(dtype=float) * 100
    target = by_quarter["target_share"].to_numpy(dtype=float) * 100
    bars = ax.bar(q, np.nan_to_num(actual), color=SELECTED_COLOUR, width=0.6,
                  label=t["actual"])
    ax.bar_label(bars, labels=["" if np.isnan(a) else f"{a:.0f}%" for a in actual],
                 padding=2, fontsize=8)
    ax.plot(q, target, color=PALETTE[5], marker="o", label=t["target"])
    ax.set_xticks(q, [f"Q{int(x)}" for x in q])
    ax.set_xlabel(t["quarter"])
    ax.set_ylabel(t["disb_y"])
    ax.set_ylim(0, 105)
    ax.legend(loc="upper left")
    ax.grid(axis="y")
    return fig


def scorecard_chart(cards: pd.DataFrame, name_col: str, lang: str = "th",
                    rows: int = 15) -> Figure:
    """Disbursed share of the ranked agencies with the target: the first ``rows`` agencies
    of the scorecard, drawn in the order of the share they plot (largest on top, so the
    bars are sorted by their value), labelled with one decimal."""
    t = texts("charts.plan.label", lang)
    df = cards[cards["ranked"]].head(rows).sort_values("disbursed_share", kind="stable")
    fig = new_figure(7.5, max(2.4, 0.3 * len(df) + 1.4))
    ax = fig.add_subplot()
    ax.set_title(t["score_title"], loc="left")
    if df.empty:
        return no_data(fig, ax, lang)
    v = df["disbursed_share"].to_numpy(dtype=float) * 100
    bars = ax.barh(df[name_col].astype(str), v, color=SELECTED_COLOUR, height=0.7)
    ax.bar_label(bars, labels=[f"{x:.1f}%" for x in v], padding=2, fontsize=8)
    ax.axvline(float(df["target_share"].iloc[0]) * 100, color=PALETTE[5],
               linestyle="--", label=t["target"])
    ax.set_xlabel(t["disbursed_pct"])
    ax.set_xlim(0, 110)
    ax.legend(loc="lower right")
    ax.tick_params(axis="y", length=0, labelsize=8)
    return fig

"""Charts of the needs → plan and follow-up reports, in the Thai report style of
:mod:`oneplan.charts` (same font, palette and figure conventions: each function returns a
:class:`matplotlib.figure.Figure` built without pyplot; Thai labels by default, English
with ``lang="en"``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure

from oneplan import charts
from oneplan.core import vocab

TEXT = {
    "th": {
        "funnel_title": "เส้นทางความต้องการของหมู่บ้านสู่โครงการที่แล้วเสร็จ",
        "needs": "จำนวนความต้องการ",
        "contrib_title": "คะแนนโครงการอันดับต้น แยกตามเกณฑ์",
        "score": "คะแนน (0–1)",
        "overview_title": "สถานะโครงการ จำแนกตามพื้นที่",
        "projects": "จำนวนโครงการ",
        "disb_title": "การเบิกจ่ายสะสมเทียบเป้าหมายรายไตรมาส",
        "disb_y": "ร้อยละของงบที่ได้รับจัดสรร",
        "target": "เป้าหมาย",
        "actual": "เบิกจ่ายจริง",
        "quarter": "ไตรมาส",
        "score_title": "การเบิกจ่ายรายหน่วยงาน (ที่จัดอันดับ)",
        "disbursed_pct": "เบิกจ่ายแล้ว (ร้อยละ)",
        "no_data": "ไม่มีข้อมูล",
    },
    "en": {
        "funnel_title": "From village needs to completed works",
        "needs": "Needs",
        "contrib_title": "Top-ranked proposals: score by criterion",
        "score": "Score (0–1)",
        "overview_title": "Project status by area",
        "projects": "Projects",
        "disb_title": "Cumulative disbursement against the quarterly targets",
        "disb_y": "% of the allocation",
        "target": "Target",
        "actual": "Disbursed",
        "quarter": "Quarter",
        "score_title": "Disbursement by agency (ranked only)",
        "disbursed_pct": "Disbursed (%)",
        "no_data": "No data",
    },
}


def _t(lang: str) -> dict[str, str]:
    if lang not in TEXT:
        raise ValueError(f"unknown language {lang!r}; use th or en")
    return TEXT[lang]


def _empty(fig: Figure, ax, lang: str) -> Figure:
    ax.text(0.5, 0.5, _t(lang)["no_data"], ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def funnel_chart(funnel: pd.DataFrame, lang: str = "th") -> Figure:
    """Horizontal bars of the needs reaching each stage, first stage on top, with count
    and share of all needs; rejected and merged in grey below."""
    t = _t(lang)
    fig = charts.new_figure(7.5, 0.34 * len(funnel) + 1.3)
    ax = fig.add_subplot()
    ax.set_title(t["funnel_title"], loc="left")
    if funnel.empty or funnel["needs"].sum() == 0:
        return _empty(fig, ax, lang)
    labels = [vocab.name(vocab.AUTHORITY_LEVELS, "village", lang) if s == "self_help"
              else vocab.name(vocab.NEED_STAGES, s, lang) for s in funnel["stage"]]
    colours = [charts.NOT_SELECTED_COLOUR if s in ("rejected", "merged") else
               charts.PALETTE[2] if s == "self_help" else
               charts.SELECTED_COLOUR for s in funnel["stage"]]
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
    t = _t(lang)
    top = ranked.head(rows)
    fig = charts.new_figure(7.5, 0.3 * len(top) + 1.8)
    ax = fig.add_subplot()
    ax.set_title(t["contrib_title"], loc="left")
    if top.empty:
        return _empty(fig, ax, lang)
    y = np.arange(len(top))[::-1]
    left = np.zeros(len(top))
    for k, (c, names) in enumerate(criteria.items()):
        v = top[f"contrib_{c}"].to_numpy(dtype=float)
        ax.barh(y, v, left=left, height=0.7, color=charts.PALETTE[k % len(charts.PALETTE)],
                label=names[0 if lang == "th" else 1])
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
    t = _t(lang)
    keep = [g for g in groups if g != "proposed"]
    df = by_area.assign(_n=by_area[[f"{g}_count" for g in keep]].sum(axis=1)).sort_values("_n")
    fig = charts.new_figure(7.5, max(2.4, 0.3 * len(df) + 1.4))
    ax = fig.add_subplot()
    ax.set_title(t["overview_title"], loc="left")
    if df.empty:
        return _empty(fig, ax, lang)
    colours = {"done": charts.PALETTE[2], "in_progress": charts.PALETTE[0],
               "awaiting_budget": charts.PALETTE[1]}
    left = np.zeros(len(df))
    for g in keep:
        v = df[f"{g}_count"].to_numpy(dtype=float)
        ax.barh(df[name_col].astype(str), v, left=left, color=colours[g], height=0.7,
                label=groups[g][0 if lang == "th" else 1])
        left += v
    ax.set_xlabel(t["projects"])
    ax.legend(loc="lower right")
    ax.grid(axis="x")
    ax.tick_params(axis="y", length=0)
    return fig


def disbursement_chart(by_quarter: pd.DataFrame, lang: str = "th") -> Figure:
    """Bars of cumulative disbursement per fiscal quarter with the target as a line."""
    t = _t(lang)
    fig = charts.new_figure(6.5, 3.6)
    ax = fig.add_subplot()
    ax.set_title(t["disb_title"], loc="left")
    q = by_quarter["quarter"].to_numpy()
    actual = by_quarter["disbursed_share"].to_numpy(dtype=float) * 100
    target = by_quarter["target_share"].to_numpy(dtype=float) * 100
    bars = ax.bar(q, np.nan_to_num(actual), color=charts.SELECTED_COLOUR, width=0.6,
                  label=t["actual"])
    ax.bar_label(bars, labels=["" if np.isnan(a) else f"{a:.0f}%" for a in actual],
                 padding=2, fontsize=8)
    ax.plot(q, target, color=charts.PALETTE[5], marker="o", label=t["target"])
    ax.set_xticks(q, [f"Q{int(x)}" for x in q])
    ax.set_xlabel(t["quarter"])
    ax.set_ylabel(t["disb_y"])
    ax.set_ylim(0, 105)
    ax.legend(loc="upper left")
    ax.grid(axis="y")
    return fig


def scorecard_chart(cards: pd.DataFrame, name_col: str, lang: str = "th",
                    rows: int = 15) -> Figure:
    """Disbursed share of the ranked agencies (best score on top) with the target."""
    t = _t(lang)
    df = cards[cards["ranked"]].head(rows).iloc[::-1]
    fig = charts.new_figure(7.5, max(2.4, 0.3 * len(df) + 1.4))
    ax = fig.add_subplot()
    ax.set_title(t["score_title"], loc="left")
    if df.empty:
        return _empty(fig, ax, lang)
    v = df["disbursed_share"].to_numpy(dtype=float) * 100
    bars = ax.barh(df[name_col].astype(str), v, color=charts.SELECTED_COLOUR, height=0.7)
    ax.bar_label(bars, labels=[f"{x:.0f}%" for x in v], padding=2, fontsize=8)
    ax.axvline(float(df["target_share"].iloc[0]) * 100, color=charts.PALETTE[5],
               linestyle="--", label=t["target"])
    ax.set_xlabel(t["disbursed_pct"])
    ax.set_xlim(0, 110)
    ax.legend(loc="lower right")
    ax.tick_params(axis="y", length=0, labelsize=8)
    return fig

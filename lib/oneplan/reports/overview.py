"""The national overview: every province's plans and projects from the central database.

The Permanent Secretary asked that the plans and projects of all 76 provinces sit in one
central database "so the ministry and the country can be managed as a whole". This module
answers the questions of ``notebooks/national_overview.ipynb`` from that database and from
the province water reports the same batch wrote (``<fiscal year>/<code>/summary.json``):

* plan totals (candidates requested, projects selected, needs, proposals, complaints);
* water investment per person and per household in need (households without piped water);
* requested against selected baht;
* village needs met (current stage ``completed``);
* complaints per 10,000 people;
* province rankings, each with a minimum-count guard (a province with too few cases for a
  rate to mean anything is listed as "not ranked" and says why, never ranked on noise);
* the three award provinces against the other provinces of their region (the median);
* a national province map of any of these figures.

Every figure is a column of :func:`province_figures`, so a number in the report can be found
in one table; the SQL below says where each column comes from. The labels, headings and
sentences are in ``reports/text/overview.yml``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from oneplan.core import areas, numbers, thai
from oneplan.core.paths import NATIONAL_DIR, default_reports_dir
from oneplan.core.text import check_lang, text
from oneplan.data import audit, db
from oneplan.reports import document
from oneplan.reports.pages import escape_html, sentence

log = logging.getLogger(__name__)

AWARD_PROVINCES: dict[str, str] = {"32": "surin", "45": "plan101pro", "40": "water"}
"""Province code → the practice it was awarded for (Excellent Innovation Awards 2567).
The fourth award, the Damrongdhama complaint linkage, went to the ministry's Office of
Inspection and Public Complaints (a central office; the centres are in every province)."""


@dataclass(frozen=True)
class Ranking:
    """One ranking of provinces on a metric, with its minimum-count guard."""

    metric: str            # column of province_figures
    guard: str             # column that must reach min_count for the province to be ranked
    min_count: float
    descending: bool = True  # rank 1 = the highest value


RANKINGS: tuple[Ranking, ...] = (
    Ranking("baht_per_capita", "n_selected", 5),
    Ranking("baht_per_household_in_need", "households_in_need", 1000),
    Ranking("selected_share", "n_candidates", 30),
    Ranking("needs_met_share", "needs", 30),
    Ranking("complaints_per_10k", "complaints", 30),
)
"""Default rankings. Guards: a per-person figure needs at least 5 selected projects, a
per-household figure 1,000 households in need, a share 30 candidates or needs, a complaint
rate 30 complaints (below that one case more or less moves a province many places)."""

def label(key: str, lang: str = "th") -> str:
    """Thai or English label of a figure or column (``reports/text/overview.yml``)."""
    return text(f"reports.overview.label.{key}", lang)


def fiscal_year_dir(output_dir: str | Path | None, fiscal_year: int) -> Path:
    """The folder holding the province folders (``<code>/summary.json``) of a fiscal year.

    ``output_dir`` is the national report's own folder: ``reports/<fy>/national`` (its
    parent is returned) or ``reports/<fy>`` itself.
    A batch runs the notebook in a staging folder inside the national one, so the nearest
    folder named after the fiscal year is taken; none means the default reports folder.
    """
    if output_dir:
        out = Path(output_dir)
        for folder in (out, *out.parents):
            if folder.name == str(fiscal_year):
                return folder
    return default_reports_dir() / str(fiscal_year)


def default_output_dir(fiscal_year: int) -> Path:
    """``reports/<fiscal year>/national`` under the default reports folder."""
    return default_reports_dir() / str(fiscal_year) / NATIONAL_DIR


_PROVINCES_SQL = """
WITH prov AS (
    SELECT code, name_th, name_en, population, households
    FROM areas WHERE level = 'province'
),
water_need AS (   -- households without piped water: the water plan's "households in need"
    SELECT province_code AS code, sum(households_no_piped) AS households_in_need
    FROM subdistrict_water WHERE fiscal_year = $fy GROUP BY 1
),
cand AS (         -- the candidates every province proposed (what was requested)
    SELECT province_code AS code, count(*) AS n_candidates, sum(cost_baht) AS requested_baht
    FROM water_projects WHERE fiscal_year = $fy GROUP BY 1
),
nd AS (           -- village needs (Surin One Plan); merged needs live on in their target
    SELECT province_code AS code,
           count(*) FILTER (WHERE stage <> 'merged') AS needs,
           count(*) FILTER (WHERE stage = 'completed') AS needs_met
    FROM needs WHERE fiscal_year = $fy GROUP BY 1
),
pr AS (
    SELECT province_code AS code, count(*) AS proposals
    FROM proposals WHERE fiscal_year = $fy GROUP BY 1
),
cp AS (           -- complaints received in the fiscal year, by the sub-district of the matter
    SELECT left(subdistrict_code, 2) AS code, count(*) AS complaints
    FROM complaints
    WHERE received_on BETWEEN $start AND $end AND subdistrict_code IS NOT NULL
    GROUP BY 1
)
SELECT prov.*, water_need.households_in_need, cand.n_candidates, cand.requested_baht,
       nd.needs, nd.needs_met, pr.proposals, cp.complaints
FROM prov
LEFT JOIN water_need USING (code) LEFT JOIN cand USING (code) LEFT JOIN nd USING (code)
LEFT JOIN pr USING (code) LEFT JOIN cp USING (code)
ORDER BY code
"""


def read_water_summaries(fy_dir: str | Path, codes: list[str]) -> pd.DataFrame:
    """The province water reports' ``summary.json`` present under ``fy_dir/<code>/``.

    Returns one row per province found (index ``code``) with ``n_selected``,
    ``selected_baht``, ``households_served``, ``solver_status``, ``synthetic``; provinces
    without a report are simply absent. A summary that cannot be read is logged and skipped.
    """
    rows = []
    for code in codes:
        path = Path(fy_dir) / code / "summary.json"
        if not path.is_file():
            continue
        try:
            s = json.loads(path.read_text(encoding="utf-8"))
            rows.append({"code": code, "n_selected": int(s["n_selected"]),
                         "selected_baht": float(s["selected_baht"]),
                         "households_served": int(s["households_served"]),
                         "solver_status": str(s["solver_status"]),
                         "report_synthetic": bool(s.get("synthetic"))})
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("skipping unreadable water summary %s: %s", path, exc)
    cols = ["code", "n_selected", "selected_baht", "households_served", "solver_status",
            "report_synthetic"]
    return pd.DataFrame(rows, columns=cols).set_index("code")


def province_figures(con, fiscal_year: int, fy_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per planning province in the database (index: DOPA code) with every figure
    of the overview.

    Columns from the database: ``name_th``, ``name_en``, ``region`` (code), ``region_th``,
    ``region_en``, ``population``, ``households``, ``households_in_need`` (sum of
    ``subdistrict_water.households_no_piped``), ``n_candidates`` and ``requested_baht``
    (``water_projects``), ``needs`` (not merged) and ``needs_met`` (stage ``completed``),
    ``proposals``, ``complaints`` (received in the fiscal year, 1 Oct – 30 Sep). From the
    water summaries in ``fy_dir``: ``n_selected``, ``selected_baht`` (over the plan's
    years), ``households_served``, ``solver_status`` — NaN where a province has no report.
    Derived: ``selected_share`` (% of requested baht), ``baht_per_capita``,
    ``baht_per_household_in_need``, ``needs_met_share`` (%), ``complaints_per_10k``.
    Counts missing in the database are 0; rates whose denominator is 0 are NaN.
    """
    start, end = thai.fiscal_year_bounds(int(fiscal_year))
    df = con.execute(_PROVINCES_SQL, {"fy": int(fiscal_year), "start": start, "end": end}).df()
    df = df[df["code"] != areas.BANGKOK].set_index("code")
    for col in ("n_candidates", "needs", "needs_met", "proposals", "complaints",
                "households_in_need"):
        df[col] = df[col].fillna(0).astype("int64")
    df["requested_baht"] = df["requested_baht"].fillna(0.0).astype(float)
    region = {p.code: p.region for p in areas.all_provinces()}
    df["region"] = [region.get(c, "") for c in df.index]
    df["region_th"] = [areas.REGION_NAMES[r][0] if r else "" for r in df["region"]]
    df["region_en"] = [areas.REGION_NAMES[r][1] if r else "" for r in df["region"]]
    summaries = read_water_summaries(fy_dir or default_reports_dir() / str(fiscal_year),
                                     list(df.index))
    df = df.join(summaries, how="left")
    df["selected_share"] = _ratio(df["selected_baht"], df["requested_baht"]) * 100
    df["baht_per_capita"] = _ratio(df["selected_baht"], df["population"])
    df["baht_per_household_in_need"] = _ratio(df["selected_baht"], df["households_in_need"])
    df["needs_met_share"] = _ratio(df["needs_met"], df["needs"]) * 100
    df["complaints_per_10k"] = _ratio(df["complaints"], df["population"]) * 10_000
    # an empty table means "not loaded yet", not "no problem anywhere": no rate at all
    if df["complaints"].sum() == 0:
        df["complaints_per_10k"] = np.nan
    return df


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    den = pd.to_numeric(den, errors="coerce").astype(float)
    return pd.to_numeric(num, errors="coerce").astype(float) / den.where(den > 0)


def national_totals(df: pd.DataFrame) -> dict[str, Any]:
    """Totals and national rates (ratios of totals, not means of province rates).

    Selected baht and the rates built on it count only provinces with a water report, and
    their population / households in need, so a missing report does not dilute the rate.
    """
    has = df["selected_baht"].notna()
    sel = float(df.loc[has, "selected_baht"].sum())
    req_has = float(df.loc[has, "requested_baht"].sum())
    pop_has = float(df.loc[has, "population"].sum())
    hh_has = float(df.loc[has, "households_in_need"].sum())
    needs, met = int(df["needs"].sum()), int(df["needs_met"].sum())
    pop = float(df["population"].sum())
    complaints = int(df["complaints"].sum())
    return {
        "provinces": int(len(df)),
        "provinces_with_water_report": int(has.sum()),
        "population": int(pop),
        "households": int(df["households"].sum()),
        "households_in_need": int(df["households_in_need"].sum()),
        "n_candidates": int(df["n_candidates"].sum()),
        "requested_baht": float(df["requested_baht"].sum()),
        "n_selected": int(df.loc[has, "n_selected"].sum()),
        "selected_baht": sel,
        "households_served": int(df.loc[has, "households_served"].sum()),
        "selected_share": sel / req_has * 100 if req_has else None,
        "baht_per_capita": sel / pop_has if pop_has else None,
        "baht_per_household_in_need": sel / hh_has if hh_has else None,
        "needs": needs,
        "needs_met": met,
        "needs_met_share": met / needs * 100 if needs else None,
        "proposals": int(df["proposals"].sum()),
        "complaints": complaints,
        "complaints_per_10k": complaints / pop * 10_000 if pop and complaints else None,
    }


def _name(df: pd.DataFrame, lang: str) -> pd.Series:
    return df[f"name_{check_lang(lang)}"]


def ranking(df: pd.DataFrame, rk: Ranking, lang: str = "th") -> pd.DataFrame:
    """Provinces ranked on ``rk.metric``; those below the guard are listed last, unranked,
    with the reason ("fewer than 30 complaints"); provinces without a value are left out.

    Columns: rank (Int64, NA when not ranked), code, province, value, the guard count, note.
    Ties share the lower rank (1, 2, 2, 4).
    """
    data = df[df[rk.metric].notna()].copy()
    ok = data[rk.guard].fillna(0) >= rk.min_count
    ranks = data.loc[ok, rk.metric].rank(ascending=not rk.descending, method="min")
    data["rank"] = ranks.astype("Int64").reindex(data.index)
    # the guard's label inside a sentence: lower case in English (Thai has no case)
    too_few = text("reports.overview.ranking.not_ranked", lang,
                   guard=label(rk.guard, lang).lower(), min_count=thai.format_int(rk.min_count))
    data["note"] = np.where(ok, "", too_few)
    data = data.sort_values(["rank", rk.metric], ascending=[True, not rk.descending],
                            na_position="last")
    out = pd.DataFrame({
        label("rank", lang): data["rank"],
        label("code", lang): data.index,
        label("province", lang): _name(data, lang),
        label(rk.metric, lang): data[rk.metric].astype(float),
        label(rk.guard, lang): data[rk.guard].fillna(0).round().astype("int64"),
        label("note", lang): data["note"],
    })
    return out.reset_index(drop=True)


PEER_METRICS = ("baht_per_capita", "baht_per_household_in_need", "selected_share",
                "needs_met_share", "complaints_per_10k")


def award_vs_peers(df: pd.DataFrame, metrics: tuple[str, ...] = PEER_METRICS,
                   lang: str = "th", min_peers: int = 3) -> pd.DataFrame:
    """The award provinces present in ``df`` against the median of the other provinces of
    their region that have the figure (their peers; the other award provinces excluded).

    One row per (province, metric): value, number of peers, peer median, difference. With
    fewer than ``min_peers`` peers the median is not given (NaN) and the note says so.
    """
    rows = []
    for code, practice in AWARD_PROVINCES.items():
        if code not in df.index:
            continue
        region = df.at[code, "region"]
        peers = df[(df["region"] == region) & ~df.index.isin(list(AWARD_PROVINCES))]
        for m in metrics:
            vals = peers[m].dropna()
            value = df.at[code, m]
            enough = len(vals) >= min_peers
            median = float(vals.median()) if enough else np.nan
            note = "" if enough else text("reports.overview.few_peers", lang,
                                          min_peers=min_peers)
            rows.append({
                label("province", lang): _name(df.loc[[code]], lang).iloc[0],
                label("practice", lang): text(f"reports.overview.practice.{practice}", lang),
                label("metric", lang): label(m, lang),
                label("value", lang): float(value) if pd.notna(value) else np.nan,
                label("peers", lang): len(vals),
                label("peer_median", lang): median,
                label("difference", lang): (float(value) - median
                                            if enough and pd.notna(value) else np.nan),
                label("note", lang): note,
            })
    return pd.DataFrame(rows)


def province_table(df: pd.DataFrame, lang: str = "th") -> pd.DataFrame:
    """The overview's main table: one row per province, amounts in million baht."""
    out = pd.DataFrame({
        label("code", lang): df.index,
        label("province", lang): _name(df, lang).to_numpy(),
        label("population", lang): df["population"].to_numpy(),
        label("n_candidates", lang): df["n_candidates"].to_numpy(),
        label("requested_baht", lang): (df["requested_baht"] / 1e6).to_numpy(),
        label("selected_baht", lang): (df["selected_baht"] / 1e6).to_numpy(),
        label("selected_share", lang): df["selected_share"].to_numpy(),
        label("baht_per_capita", lang): df["baht_per_capita"].to_numpy(),
        label("needs_met_share", lang): df["needs_met_share"].to_numpy(),
        label("complaints_per_10k", lang): df["complaints_per_10k"].to_numpy(),
    })
    return out


def styled(df: pd.DataFrame, **kwargs):
    """:func:`oneplan.reports.tables.style` with text columns aligned left (numbers stay right)."""
    from oneplan.reports.tables import style

    text_cols = [c for c in df.columns if df[c].dtype == object
                 or pd.api.types.is_string_dtype(df[c])]
    styler = style(df, hide_index=True, **kwargs)
    if text_cols:
        styler = styler.set_properties(subset=text_cols, **{"text-align": "left"})
    return styler


def totals_table(totals: dict[str, Any], lang: str = "th") -> pd.DataFrame:
    """National totals as a two-column table (figure, value as text)."""
    def fmt(key, v):
        if v is None:
            return "–"
        if key.endswith("_baht"):
            return thai.format_million(v)  # the label says "million baht"
        if key.endswith("_share"):
            return f"{v:,.1f} %"
        if isinstance(v, float):
            return f"{v:,.1f}"
        return thai.format_int(v)

    keys = ["population", "households_in_need", "n_candidates", "requested_baht",
            "n_selected", "selected_baht", "selected_share", "households_served",
            "baht_per_capita", "baht_per_household_in_need", "needs", "needs_met",
            "needs_met_share", "proposals", "complaints", "complaints_per_10k"]
    return pd.DataFrame({
        text("reports.overview.totals_column.figure", lang): [label(k, lang) for k in keys],
        text("reports.overview.totals_column.national", lang): [fmt(k, totals[k]) for k in keys]})


def requested_vs_selected_chart(df: pd.DataFrame, lang: str = "th", top: int = 25):
    """Bars of requested and selected million baht for the provinces with a water report
    (the ``top`` largest requests), largest on top."""
    from matplotlib import ticker
    from matplotlib.figure import Figure

    from oneplan import charts

    charts.use_thai_style()
    data = df[df["selected_baht"].notna()].sort_values("requested_baht").tail(top)
    fig = Figure(figsize=(7.5, max(2.4, 0.32 * len(data) + 1.4)), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(text("reports.overview.chart.requested_title", lang), loc="left")
    if data.empty:
        return charts.no_data(fig, ax, lang)
    y = np.arange(len(data))
    names = _name(data, lang).tolist()
    ax.barh(y + 0.2, data["requested_baht"] / 1e6, height=0.4, color=charts.NOT_SELECTED_COLOUR,
            label=text("reports.overview.chart.requested", lang))
    ax.barh(y - 0.2, data["selected_baht"] / 1e6, height=0.4, color=charts.SELECTED_COLOUR,
            label=text("reports.overview.chart.selected", lang))
    ax.set_yticks(y, names)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(charts.million_tick))
    ax.grid(axis="x")
    ax.tick_params(axis="y", length=0)
    ax.legend(loc="lower right")
    return fig


def choropleth(df: pd.DataFrame, metric: str, lang: str = "th", label_top: int = 5):
    """National province map of one column of :func:`province_figures`."""
    from oneplan.charts import maps

    return maps.province_choropleth(df[metric].dropna(), title=label(metric, lang),
                                    legend_label=label(metric, lang), lang=lang,
                                    label_top=label_top)


@dataclass
class Overview:
    """What the national overview notebook shows."""

    fiscal_year: int
    lang: str
    figures: pd.DataFrame
    totals: dict[str, Any]
    synthetic: bool
    db_meta: dict[str, str]
    last_import: audit.Event | None = None   # the data appendix's line (audit trail)


def load(fiscal_year: int, lang: str = "th", db_path: str | Path | None = None,
         output_dir: str | Path | None = None) -> Overview:
    """Read the central database and the province water summaries beside ``output_dir``.

    Raises:
        oneplan.data.db.DatabaseMissingError: the central database has not been built.
        ValueError: ``lang`` is not "th" or "en".
    """
    check_lang(lang)
    con = db.connect(db_path or None, read_only=True)
    try:
        meta = db.meta(con)
        last = audit.latest(con, None)
        figs = province_figures(con, int(fiscal_year), fiscal_year_dir(output_dir, fiscal_year))
    finally:
        con.close()
    return Overview(int(fiscal_year), lang, figs, national_totals(figs),
                    meta.get("synthetic") == "true", meta, last)


def title(lang: str = "th", fiscal_year: int | None = None) -> str:
    """Report title (with the fiscal year when given)."""
    out = sentence("reports.overview.title", lang)
    if fiscal_year:
        out += sentence("reports.overview.title_fiscal_year", lang, fiscal_year=fiscal_year)
    return out


def intro(ov: Overview) -> str:
    """The opening paragraph (Markdown)."""
    t, lang = ov.totals, ov.lang
    out = sentence("reports.overview.intro.database", lang, provinces=t["provinces"],
               population=thai.format_int(t["population"]),
               candidates=thai.format_int(t["n_candidates"]),
               requested=thai.format_baht(t["requested_baht"], lang),
               reports=t["provinces_with_water_report"])
    if t["provinces_with_water_report"]:
        out += sentence("reports.overview.intro.selected", lang,
                    selected=thai.format_int(t["n_selected"]),
                    selected_baht=thai.format_baht(t["selected_baht"], lang))
    out += sentence("reports.overview.intro.plan_years", lang)
    if ov.synthetic:
        out += "\n\n" + sentence("reports.overview.intro.synthetic", lang,
                              note=text("core.labels.synthetic_note", lang))
    return out


def heading(key: str, lang: str = "th", level: int = 2) -> str:
    """A Markdown heading in the report's language (``reports/text/overview.yml``)."""
    return "#" * level + " " + text(f"reports.overview.heading.{key}", lang)


def interpret_rankings(ov: Overview, rk: Ranking) -> str:
    """One sentence on a ranking: who leads, how many are ranked and how many are not."""
    lang = ov.lang
    tab = ranking(ov.figures, rk, lang)
    ranked = tab[tab[label("rank", lang)].notna()]
    n_out = len(tab) - len(ranked)
    if ranked.empty:
        return sentence("reports.overview.ranking.none", lang, guard=label(rk.guard, lang).lower(),
                    min_count=thai.format_int(rk.min_count))
    first = ranked.iloc[0]
    fields = dict(n=len(ranked), province=first[label("province", lang)],
                  value=first[label(rk.metric, lang)], n_out=n_out)
    if n_out:
        return sentence("reports.overview.ranking.some_not_ranked", lang, **fields)
    return sentence("reports.overview.ranking.all_ranked", lang, **fields)


def method_note(lang: str = "th") -> str:
    """Where each figure comes from (Markdown)."""
    return sentence("reports.overview.method", lang)


def summary(ov: Overview) -> dict[str, Any]:
    """Machine-readable summary (``national_overview.summary.json``)."""
    def ranked_codes(rk: Ranking) -> list[str]:
        tab = ranking(ov.figures, rk, "en")
        ranked = tab[label("rank", "en")].notna()
        return [str(c) for c in tab.loc[ranked, label("code", "en")].head(10)]

    peers = award_vs_peers(ov.figures, lang="en")
    return {
        "report": "national_overview",
        "synthetic": ov.synthetic,
        "province_code": "",
        "fiscal_year": ov.fiscal_year,
        "lang": ov.lang,
        **{k: v for k, v in ov.totals.items()},
        "top10": {rk.metric: ranked_codes(rk) for rk in RANKINGS},
        "ranking_guards": {rk.metric: {"guard": rk.guard, "min_count": rk.min_count}
                           for rk in RANKINGS},
        "award_provinces": [c for c in AWARD_PROVINCES if c in ov.figures.index],
        "award_vs_peers_rows": int(len(peers)),
        "database_built_at": ov.db_meta.get("built_at"),
    }


def write_summary(ov: Overview, out_dir: str | Path) -> Path:
    """Write ``national_overview.summary.json`` into ``out_dir``; returns its path."""
    from oneplan.core.files import write_atomic
    from oneplan.core.format import rounded

    path = Path(out_dir) / "national_overview.summary.json"
    return write_atomic(path, json.dumps(rounded(summary(ov), 6), ensure_ascii=False,
                                         indent=2, default=str))


# --- the report as a document ---------------------------------------------------------------

def cover(ov: Overview) -> str:
    """The national report's cover page."""
    return document.cover(title=text("reports.overview.doc.title", ov.lang), province_name=None,
                          fiscal_year=ov.fiscal_year, lang=ov.lang, synthetic=ov.synthetic)


def files(lang: str) -> list[tuple[str, str]]:
    """The files the report writes or sits beside, as (label, relative link)."""
    return [(text("reports.overview.doc.file.summary", lang), "national_overview.summary.json"),
            (text("reports.overview.doc.file.portal", lang), "../../index.html")]


def executive_summary(ov: Overview, previous: dict[str, Any] | None = None) -> str:
    """The one-page summary: reports made, requested against selected money, the needs-met
    and complaint rates (each with its n); the decision asked; changes."""
    t, L = ov.totals, ov.lang

    def f(key, **kw):
        return text(f"reports.overview.doc.finding.{key}", L, **kw)

    findings = [
        (f("reports", provinces=numbers.count(t["provinces"])),
         text("reports.overview.doc.provinces", L,
              n=numbers.count(t["provinces_with_water_report"]))),
        (f("requested", n=numbers.count(t["n_candidates"])),
         numbers.money(t["requested_baht"], L)),
        (f("selected", n=numbers.count(t.get("n_selected") or 0)),
         numbers.money(t.get("selected_baht") or 0.0, L)),
        (f("needs", n=numbers.count(t.get("needs") or 0)), numbers.pct(t.get("needs_met_share"))),
        (f("complaints", n=numbers.count(t.get("complaints") or 0)),
         f"{t.get('complaints_per_10k') or 0:,.1f}"),
    ]
    missing = t["provinces"] - t["provinces_with_water_report"]
    decision = (text("reports.overview.doc.decision", L, missing=numbers.count(missing))
                if missing > 0 else
                text("reports.overview.doc.decision_complete", L,
                     selected=numbers.money(t.get("selected_baht") or 0.0, L)))
    fields = [("provinces_with_water_report", f("f_reports"), "count"),
              ("selected_baht", f("f_selected"), "money"),
              ("needs_met_share", label("needs_met_share", L), "pct"),
              ("complaints_per_10k", label("complaints_per_10k", L), "number")]
    return document.executive_summary(
        findings, decision=decision, changes=document.changes_since(previous, t, fields, L),
        lang=L, downloads=files(L))


def previous(ov: Overview, out_dir: str | Path) -> dict[str, Any] | None:
    """The last version's ``national_overview.summary.json`` in ``out_dir`` (same year)."""
    return document.previous_summary(Path(out_dir) / "national_overview.summary.json",
                                     fiscal_year=ov.fiscal_year)


def data_appendix(ov: Overview) -> str:
    """Where the figures come from and the links to the report's files (HTML)."""
    note = text("reports.overview.doc.sources", ov.lang,
                built=ov.db_meta.get("built_at") or "–")
    return (f"<p>{escape_html(note)}</p>" + document.data_origin(ov.last_import, ov.lang)
            + document.files_list(files(ov.lang)))

"""The quarterly follow-up report of a province (or the whole country),
``notebooks/followup.ipynb``: disbursement against the quarterly targets, progress by
area and stage, late, at-risk and out-of-date projects, and the agencies' scorecards
(Plan101Pro's three-monthly reports).

The notebook calls these functions in order; each returns a table in the report language,
a chart, a map or a sentence of interpretation (the words are in
``reports/text/plan*.yml``), computed by :mod:`oneplan.plan.followup`. Every table shown is
kept in ``run.tables`` and exported as CSV and XLSX (:func:`export_followup`). The run and
the headings are :mod:`oneplan.reports.plan`'s; :func:`heading` and :func:`label` are
re-exported for the notebook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from oneplan import __version__
from oneplan.charts import plan as plancharts
from oneplan.core import thai, vocab
from oneplan.core.files import write_csv
from oneplan.core.text import text
from oneplan.plan import followup, needs
from oneplan.reports.plan import (PlanRun, export_tables, heading, label, output_dir,
                                  start_run, synthetic_note, with_province_names,
                                  write_summary)
from oneplan.reports.pages import sentence
from oneplan.reports.tables import name_column

__all__ = ["area_map", "area_table", "disbursement_chart", "disbursement_table",
           "export_followup", "heading", "interpret_area", "interpret_disbursement",
           "interpret_late", "interpret_scorecards", "interpret_stale", "intro_followup",
           "label", "late_table", "run_followup", "scorecard_chart", "scorecard_table",
           "stage_table", "stale_table", "summary_followup", "title_followup"]



def _t(key: str, run: PlanRun, **fields: Any) -> str:
    """A sentence of the report: its text fields escaped for Markdown (:func:`sentence`)."""
    return sentence(f"reports.plan_followup.{key}", run.lang, **fields)


def run_followup(province_code: str, fiscal_year: int = 2570, lang: str = "th",
                 db_path: str | None = None, as_of_quarter: int = 0) -> PlanRun:
    """Load and compute the quarterly follow-up (``as_of_quarter`` 0 = params, else the
    latest quarter with a report).

    Raises:
        oneplan.core.areas.UnknownAreaError, oneplan.data.params.ParamsError,
        oneplan.data.db.DatabaseMissingError.
    """
    run = start_run(province_code, fiscal_year, lang, db_path)
    con = run.connect()
    try:
        funded = followup.load_funded(con, run.code, run.fiscal_year)
        progress = followup.load_progress(con, run.code, run.fiscal_year)
        if run.province is None:
            funded = with_province_names(con, funded)
        figures = followup.cookbook_figures(con, run.code, run.fiscal_year, run.params)
    finally:
        con.close()
    status = followup.project_status(funded, progress, run.fiscal_year, run.params,
                                     as_of_quarter or None)
    q = status.attrs["as_of_quarter"]
    run.data.update(funded=funded, progress=progress, status=status,
                    by_quarter=followup.disbursement_by_quarter(funded, progress, run.params, q),
                    cards=followup.scorecards(status, run.params))
    run.extra.update(figures=figures, as_of_quarter=q,
                     as_of=followup.quarter_end(run.fiscal_year, q))
    return run


def title_followup(run: PlanRun) -> str:
    """The report's title."""
    return _t("title", run, place=run.place, fiscal_year=run.fiscal_year,
              quarter=run.extra["as_of_quarter"])


def intro_followup(run: PlanRun) -> str:
    """What the report covers: projects, allocation, the quarter's end and the targets."""
    return _t("intro", run, projects=thai.format_int(len(run.data["status"])),
              allocated=thai.format_baht(float(run.data["status"]["allocated_baht"].sum()),
                                         run.lang),
              date=thai.format_date(run.extra["as_of"], lang=run.lang),
              targets="/".join(f"{t:g}" for t in run.params.followup.disbursement_targets_pct)
              ) + synthetic_note(run)


# --- disbursement ---------------------------------------------------------------------------

def disbursement_table(run: PlanRun) -> pd.DataFrame:
    """Cumulative disbursement and its target per quarter."""
    L = run.lang
    b = run.data["by_quarter"]
    return run.keep("disbursement_by_quarter", pd.DataFrame({
        label("quarter", L): [f"Q{q}" for q in b["quarter"]],
        label("target", L): (b["target_share"] * 100).round(1),
        label("disbursed", L): (b["disbursed_share"] * 100).round(1),
        label("disbursed_m", L): (b["disbursed_baht"] / 1e6).round(1),
        label("reports", L): b["reports"].astype(int)}))


def disbursement_chart(run: PlanRun):
    """Disbursement against the targets (:func:`oneplan.charts.plan.disbursement_chart`)."""
    return plancharts.disbursement_chart(run.data["by_quarter"], run.lang)


def interpret_disbursement(run: PlanRun) -> str:
    """How far the quarter's disbursement is above or below its target."""
    b = run.data["by_quarter"]
    q = run.extra["as_of_quarter"]
    row = b[b["quarter"] == q].iloc[0]
    actual, target = row["disbursed_share"] * 100, row["target_share"] * 100
    gap = actual - target
    if np.isnan(actual):
        return _t("disbursement.none", run)
    return _t("disbursement.interpret", run, quarter=q, actual=actual) + (
        _t("disbursement.below", run, target=target, points=-gap) if gap < 0
        else _t("disbursement.above", run, target=target, points=gap))


# --- progress by area and stage -------------------------------------------------------------

def area_table(run: PlanRun) -> pd.DataFrame:
    """Projects, allocation, disbursement, works and problems per district (province)."""
    L = run.lang
    st = run.data["status"]
    code, name = run.area_key
    g = st.groupby([code, name], dropna=False).agg(
        projects=("project_id", "size"), allocated=("allocated_baht", "sum"),
        disbursed=("disbursed_baht", "sum"), physical=("physical_pct", "mean"),
        late=("late", "sum"), at_risk=("at_risk", "sum"), stale=("stale", "sum")).reset_index()
    g["share"] = g["disbursed"] / g["allocated"]
    run.extra["by_area"] = g
    return run.keep("progress_by_area", pd.DataFrame({
        label(run.area_level, L): g[name],
        label("projects", L): g["projects"].astype(int),
        label("allocated_m", L): (g["allocated"] / 1e6).round(1),
        label("disbursed", L): (g["share"] * 100).round(1),
        label("physical", L): g["physical"].round(1),
        label("late", L): g["late"].astype(int), label("at_risk", L): g["at_risk"].astype(int),
        label("stale", L): g["stale"].astype(int)}).sort_values(label("disbursed", L)))


def _by_area(run: PlanRun) -> pd.DataFrame:
    if "by_area" not in run.extra:
        area_table(run)
    return run.extra["by_area"]


def stage_table(run: PlanRun) -> pd.DataFrame:
    """Funded projects by the stage their last report gave (procurement, contract, works,
    completed; 'not reported' for none)."""
    L = run.lang
    st = run.data["status"]
    stage = st["stage_reported"].fillna("none")
    g = st.assign(_s=stage).groupby("_s").agg(
        projects=("project_id", "size"), allocated=("allocated_baht", "sum"),
        disbursed=("disbursed_baht", "sum"), physical=("physical_pct", "mean"))
    order = [s for s in (*needs.MAIN_LINE, "none") if s in g.index]
    g = g.reindex(order)
    none = _t("not_reported", run)
    return run.keep("projects_by_stage", pd.DataFrame({
        label("stage", L): [none if s == "none" else vocab.name(vocab.NEED_STAGES, s, L)
                            for s in g.index],
        label("projects", L): g["projects"].astype(int).to_numpy(),
        label("allocated_m", L): (g["allocated"] / 1e6).round(1).to_numpy(),
        label("disbursed", L): (g["disbursed"] / g["allocated"] * 100).round(1).to_numpy(),
        label("physical", L): g["physical"].round(1).to_numpy()}))


def area_map(run: PlanRun):
    """Map of the disbursed share of the allocation per district (province)."""
    from oneplan.charts import maps

    title = _t("area.map_title", run)
    v = _by_area(run).set_index(run.area_key[0])["share"] * 100
    if run.province is None:
        return maps.province_choropleth(v, title=title, legend_label="%", lang=run.lang)
    return maps.district_choropleth(v, run.code, title=title, legend_label="%", lang=run.lang)


def interpret_area(run: PlanRun) -> str:
    """The areas that disbursed least and most, average works, and projects in
    procurement."""
    g = _by_area(run).dropna(subset=["share"]).sort_values("share")
    if g.empty:
        return ""
    lo, hi = g.iloc[0], g.iloc[-1]
    name = run.area_key[1]
    st = run.data["status"]
    waiting = int(st["stage_reported"].isin(["allocated", "procurement"]).sum())
    return _t("area.interpret", run, low=run.area_named(lo[name]), low_pct=lo["share"] * 100,
              high=run.area_named(hi[name]), high_pct=hi["share"] * 100,
              physical=st["physical_pct"].mean(), procurement=thai.format_int(waiting))


# --- late and out-of-date projects ----------------------------------------------------------

def _project_rows(run: PlanRun, df: pd.DataFrame) -> pd.DataFrame:
    L = run.lang
    return pd.DataFrame({
        label("project", L): df["project_id"], label("name", L): df["name_th"],
        label("agency", L): df[name_column("agency", L)],
        label("allocated_m", L): (df["allocated_baht"] / 1e6).round(2),
        label("disbursed", L): (df["disbursed_share"] * 100).round(1),
        label("physical", L): df["physical_pct"].round(1),
        label("time", L): (df["time_share"] * 100).round(0),
        label("planned_end", L): [thai.format_date(pd.Timestamp(d).date(), lang=L,
                                                   style="short")
                                  if pd.notna(d) else "–" for d in df["planned_end"]],
        label("problems", L): df["problems"].fillna("–"),
    })


def late_table(run: PlanRun, rows: int = 25) -> pd.DataFrame:
    """Late and at-risk projects, late first and then by how far works trail the time."""
    st = run.data["status"]
    late = st[st["late"] | st["at_risk"]].assign(
        _gap=lambda t: t["time_share"] * 100 - t["physical_pct"]).sort_values(
        ["late", "_gap"], ascending=[False, False])
    L = run.lang
    t = _project_rows(run, late)
    t.insert(0, label("status", L), np.where(late["late"], label("late", L), label("at_risk", L)))
    run.keep("late_at_risk", t)
    return t.head(rows)


def interpret_late(run: PlanRun) -> str:
    """How many projects are late and at risk, and the problem reported most often."""
    st = run.data["status"]
    probs = st.loc[st["late"] | st["at_risk"], "problems"].dropna()
    top = probs.value_counts().index[0] if len(probs) else None
    out = _t("late.interpret", run, late=int(st["late"].sum()), at_risk=int(st["at_risk"].sum()),
             gap=run.params.followup.at_risk_gap_pct, projects=thai.format_int(len(st)))
    return out + (_t("late.top_problem", run, problem=top) if top else "")


def stale_table(run: PlanRun, rows: int = 25) -> pd.DataFrame:
    """Projects whose last report is older than the params allow, oldest first."""
    L = run.lang
    st = run.data["status"]
    s = st[st["stale"]].sort_values(["quarters_since_update", "project_id"],
                                    ascending=[False, True], na_position="first")
    t = _project_rows(run, s)
    t.insert(3, label("last_q", L), [f"Q{int(q)}" if pd.notna(q) else "–"
                                     for q in s["last_quarter"]])
    run.keep("stale", t)
    return t.head(rows)


def interpret_stale(run: PlanRun) -> str:
    """The share of projects reported this quarter and how many are out of date."""
    st = run.data["status"]
    return _t("stale.interpret", run,
              updated_pct=(float(st["updated_this_quarter"].mean()) if len(st) else 0.0) * 100,
              stale=int(st["stale"].sum()), quarters=run.params.followup.stale_after_quarters)


# --- agencies -------------------------------------------------------------------------------

def scorecard_table(run: PlanRun, ranked_only: bool = True) -> pd.DataFrame:
    """Agency scorecards; the report shows the ranked agencies (the export has all)."""
    L = run.lang
    c = run.data["cards"]
    yes, no = text("reports.plan.yes", L), _t("scorecards.not_ranked", run)
    t = run.keep("agency_scorecards", pd.DataFrame({
        label("rank", L): c["rank"], label("agency", L): c[name_column("agency", L)].fillna(
            c["agency_id"]),
        label("projects", L): c["projects"].astype(int),
        label("allocated_m", L): (c["allocated_baht"] / 1e6).round(1),
        label("disbursed", L): (c["disbursed_share"] * 100).round(1),
        label("physical", L): c["physical_pct"].round(1),
        label("late", L): c["late"].astype(int), label("at_risk", L): c["at_risk"].astype(int),
        label("stale", L): c["stale"].astype(int),
        label("updated", L): (c["updated_share"] * 100).round(0),
        label("score", L): c["score"].round(3),
        label("ranked", L): [yes if r else no for r in c["ranked"]]}))
    return t[c["ranked"].to_numpy()] if ranked_only else t


def scorecard_chart(run: PlanRun):
    """Disbursed share of the ranked agencies (:func:`oneplan.charts.plan.scorecard_chart`)."""
    return plancharts.scorecard_chart(run.data["cards"], name_column("agency", run.lang),
                                      run.lang)


def interpret_scorecards(run: PlanRun) -> str:
    """Which ranked agency does best and which needs the closest follow-up."""
    c = run.data["cards"]
    ranked = c[c["ranked"]]
    k = run.params.followup.min_projects_scorecard
    if ranked.empty:
        return _t("scorecards.none", run, min_projects=k)
    name = name_column("agency", run.lang)
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    return _t("scorecards.interpret", run, min_projects=k, ranked=len(ranked),
              unranked=int((~c["ranked"]).sum()), best=best[name],
              best_pct=best["disbursed_share"] * 100, worst=worst[name],
              worst_pct=worst["disbursed_share"] * 100)


# --- summary and files ----------------------------------------------------------------------

def summary_followup(run: PlanRun) -> dict[str, Any]:
    """The machine-readable summary (``followup.summary.json``)."""
    st = run.data["status"]
    c = run.data["cards"]
    return {
        "report": "followup", "synthetic": run.synthetic, "province_code": run.code or "",
        "fiscal_year": run.fiscal_year, "lang": run.lang,
        "as_of_quarter": run.extra["as_of_quarter"], "as_of": run.extra["as_of"].isoformat(),
        **run.extra["figures"],
        "at_risk_projects": int(st["at_risk"].sum()),
        "stale_projects": int(st["stale"].sum()),
        "allocated_baht": float(st["allocated_baht"].sum()),
        "disbursed_baht": float(st["disbursed_baht"].sum()),
        "agencies": int(len(c)), "agencies_ranked": int(c["ranked"].sum()),
        "disbursement_targets_pct": list(run.params.followup.disbursement_targets_pct),
        "by_quarter": [{"quarter": int(r.quarter), "target_share": float(r.target_share),
                        "disbursed_share": None if pd.isna(r.disbursed_share)
                        else float(r.disbursed_share)}
                       for r in run.data["by_quarter"].itertuples()],
        "oneplan_version": __version__,
    }


def export_followup(run: PlanRun, out_dir: str = "") -> dict[str, Path]:
    """Summary and tables (CSV/XLSX) of the follow-up report, plus the status of every
    followed project."""
    out = output_dir(run, out_dir)
    paths = {"summary": write_summary(summary_followup(run), out)}
    paths.update(export_tables(run, "followup", out))
    st = run.data["status"]
    cols = ["project_id", "agency_id", "district_code", "status", "allocated_baht",
            "disbursed_baht", "disbursed_share", "target_share", "physical_pct", "time_share",
            "last_quarter", "stale", "late", "at_risk", "problems"]
    path = out / "followup_tables" / "projects_full.csv"
    write_csv(st[cols].round(4), path)
    paths["projects_full"] = path
    return paths

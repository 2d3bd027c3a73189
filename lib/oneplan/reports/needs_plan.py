"""The needs → plan report of a province (or the whole country),
``notebooks/needs_plan.ipynb``: village needs through the committees into the provincial
plan (Surin One Plan), the Plan101Pro ranking of the proposals and the governor's
overview.

The notebook calls these functions in order; each returns a table in the report language,
a chart or a sentence of interpretation (the words are in ``reports/text/plan*.yml``), so
every figure in the report traces back to one function of :mod:`oneplan.plan.needs`,
:mod:`oneplan.plan.ranking` or :mod:`oneplan.plan.governor`. Every table shown is also
kept in ``run.tables`` and exported as CSV and XLSX (:func:`export_needs_plan`) beside the
machine-readable summary. The run and the headings are :mod:`oneplan.reports.plan`'s;
:func:`heading` is re-exported for the notebook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from oneplan import __version__
from oneplan.charts import plan as plancharts
from oneplan.core import thai, vocab
from oneplan.core.files import write_csv
from oneplan.core.text import text, texts
from oneplan.plan import followup, governor, needs, oc4ids, ranking
from oneplan.reports.plan import (PlanRun, as_of, export_tables, heading, label, output_dir,
                                  start_run, synthetic_note, with_province_names,
                                  write_summary)
from oneplan.reports.pages import sentence
from oneplan.reports.tables import name_column

__all__ = ["classification_tables", "contributions_chart", "documents_table",
           "export_needs_plan", "funnel_chart", "funnel_table", "heading",
           "interpret_classification", "interpret_documents", "interpret_funnel",
           "interpret_overview", "interpret_ranking", "interpret_sensitivity",
           "interpret_silent", "interpret_waiting", "intro_needs", "lacking_table",
           "method_needs", "overview_chart", "overview_tables", "ranking_explorer",
           "ranking_table", "run_needs_plan", "sensitivity_table", "silent_list", "silent_map",
           "silent_table", "summary_needs", "title_needs", "waiting_table", "weights_table"]


def _t(key: str, run: PlanRun, **fields: Any) -> str:
    """A sentence of the report: its text fields escaped for Markdown (:func:`sentence`)."""
    return sentence(f"reports.plan_needs.{key}", run.lang, **fields)


def run_needs_plan(province_code: str, fiscal_year: int = 2570, lang: str = "th",
                   db_path: str | None = None) -> PlanRun:
    """Load and compute everything the needs → plan report shows.

    Args:
        province_code: two-digit code; "" = national.

    Raises:
        oneplan.core.areas.UnknownAreaError: unknown province.
        oneplan.data.params.ParamsError: bad parameters (file and key named).
        oneplan.data.db.DatabaseMissingError: no database.
    """
    run = start_run(province_code, fiscal_year, lang, db_path)
    con = run.connect()
    try:
        n = needs.load_needs(con, run.code, run.fiscal_year)
        st = needs.load_stages(con, run.code, run.fiscal_year)
        if run.province:
            needs.check_strategies(con, run.code, run.params)
            silent_by = needs.silent_by_district(con, run.code, run.fiscal_year)
        else:
            silent_by = con.execute(
                "SELECT v.province_code, count(*) AS villages, count(*) FILTER (WHERE NOT "
                "EXISTS (SELECT 1 FROM needs n WHERE n.village_code = v.code AND "
                "n.fiscal_year = ?)) AS silent FROM areas v WHERE v.level = 'village' "
                "GROUP BY 1 ORDER BY 1", [run.fiscal_year]).df()
            silent_by = with_province_names(con, silent_by).assign(
                silent_share=lambda t: t["silent"] / t["villages"].clip(lower=1))
        silent = needs.silent_villages(con, run.code, run.fiscal_year)
        props = con.execute(
            "SELECT p.*, a.name_th AS agency_name, a.name_en AS agency_name_en "
            "FROM proposals p LEFT JOIN agencies a USING (agency_id) WHERE p.fiscal_year = ? "
            + ("AND p.province_code = ? " if run.code else "") + "AND p.status <> 'cancelled' "
            "ORDER BY p.project_id", [run.fiscal_year] + ([run.code] if run.code else [])).df()
        projects = governor.load_projects(con, run.code, run.fiscal_year)
        if run.province is None:
            projects = with_province_names(con, projects)
        figures = needs.cookbook_figures(con, run.code, run.fiscal_year, run.params)
    finally:
        con.close()
    screened = set(st.loc[st["stage"] == "tambon_screened", "need_id"])
    classified = needs.classify(n, run.params) if len(n) else n.assign(
        authority=None, strategy_no=None, rule_no=None)
    classified["screened"] = classified["need_id"].isin(screened)
    run.data.update(needs=n, stages=st, classified=classified, silent=silent,
                    silent_by=silent_by, proposals=props,
                    ranked=ranking.rank_proposals(props, run.params.ranking.weights),
                    projects=projects)
    run.extra["figures"] = figures
    run.extra["as_of"] = as_of(run)
    return run


def title_needs(run: PlanRun) -> str:
    """The report's title."""
    return _t("title", run, place=run.place, fiscal_year=run.fiscal_year)


def intro_needs(run: PlanRun) -> str:
    """What the report follows, the date of the data and the synthetic-data mark."""
    return (_t("intro", run, date=thai.format_date(run.extra["as_of"], lang=run.lang))
            + synthetic_note(run))


# --- funnel -----------------------------------------------------------------------------

def funnel_table(run: PlanRun) -> pd.DataFrame:
    """Needs reaching each stage, their share of all needs and of the stage before."""
    f = needs.funnel(run.data["stages"], run.data["needs"])
    run.extra["funnel"] = f
    L = run.lang
    return run.keep("funnel", pd.DataFrame({
        label("stage", L): [vocab.name(vocab.AUTHORITY_LEVELS, "village", L) if s == "self_help"
                            else vocab.name(vocab.NEED_STAGES, s, L) for s in f["stage"]],
        label("needs", L): f["needs"].astype(int),
        label("share", L): (f["share"] * 100).round(1),
        label("step", L): (f["step_share"] * 100).round(1),
    }))


def _funnel(run: PlanRun) -> pd.DataFrame:
    if "funnel" not in run.extra:
        funnel_table(run)
    return run.extra["funnel"]


def funnel_chart(run: PlanRun):
    """The funnel as horizontal bars (:func:`oneplan.charts.plan.funnel_chart`)."""
    return plancharts.funnel_chart(_funnel(run), run.lang)


def interpret_funnel(run: PlanRun) -> str:
    """How many needs reached the plan, a budget and completion, and how long it takes."""
    g = _funnel(run).set_index("stage")["needs"]
    n = int(g["submitted"])
    med = run.extra["figures"]["median_days_to_plan"]
    if n == 0:
        return _t("funnel.none", run)
    fi = thai.format_int
    out = _t("funnel.main", run, n=fi(n), in_plan=fi(g["in_plan"]),
             in_plan_pct=g["in_plan"] / n * 100, allocated=fi(g["allocated"]),
             completed=fi(g["completed"]), self_help=fi(g["self_help"]),
             rejected=fi(g["rejected"]), merged=fi(g["merged"]))
    return out + (_t("funnel.median", run, days=med) if med is not None else "")


# --- classification ---------------------------------------------------------------------

def classification_tables(run: PlanRun) -> dict[str, pd.DataFrame]:
    """Needs screened by the กบต. by authority level (rules of params) and by strategic
    issue."""
    L = run.lang
    c = run.data["classified"]
    c = c[c["screened"]]
    t = needs.classification_table(c)
    by_auth = run.keep("classification", pd.DataFrame({
        label("authority", L): [_t("classification.unclassified", run) if a == "unclassified"
                                else vocab.name(vocab.AUTHORITY_LEVELS, a, L)
                                for a in t["authority"]],
        label("needs", L): t["needs"].astype(int),
        label("share", L): (t["share"] * 100).round(1),
        label("baht_m", L): (t["estimated_baht"] / 1e6).round(1),
        label("fit", L): t["fit_strategy"].astype(int),
    }))
    con = run.connect()
    try:
        issues = con.execute("SELECT DISTINCT issue_no, name_th, name_en FROM strategic_issues"
                             + (" WHERE province_code = ?" if run.code else "")
                             + " ORDER BY issue_no", [run.code] if run.code else []).df()
        issues = issues.drop_duplicates("issue_no")
    finally:
        con.close()
    s = c.groupby(c["strategy_no"].fillna(-1).astype(int)).agg(
        needs=("need_id", "size"), baht=("estimated_cost", "sum")).reset_index()
    names = dict(zip(issues["issue_no"], issues[f"name_{L}"]))
    none = _t("classification.no_strategy", run)
    by_strat = run.keep("strategy_fit", pd.DataFrame({
        label("strategy", L): [none if k < 0 else f"{k}. {names.get(k, '')}"
                               for k in s["strategy_no"]],
        label("needs", L): s["needs"].astype(int),
        label("baht_m", L): (s["baht"] / 1e6).round(1),
    }))
    run.extra["classification"] = t
    return {"authority": by_auth, "strategy": by_strat}


def interpret_classification(run: PlanRun) -> str:
    """The share of screened needs local bodies can do, and the share that fits the
    strategy."""
    if "classification" not in run.extra:
        classification_tables(run)
    t = run.extra["classification"]
    total = max(int(t["needs"].sum()), 1)
    local = int(t.loc[t["authority"].isin(["village", "lao", "joint"]), "needs"].sum())
    fit = int(t["fit_strategy"].sum())
    return _t("classification.interpret", run, local_pct=local / total * 100,
              fit_pct=fit / total * 100)


# --- villages without needs ---------------------------------------------------------------

def silent_table(run: PlanRun) -> pd.DataFrame:
    """Villages with no need recorded, per district (per province nationally)."""
    L = run.lang
    s = run.data["silent_by"]
    code, name = run.area_key
    name = name if name in s else ("province_name" if run.province is None else "district_name")
    t = pd.DataFrame({
        label(run.area_level, L): s[name],
        label("villages", L): s["villages"].astype(int),
        label("silent", L): s["silent"].astype(int),
        label("silent_share", L): (s["silent_share"] * 100).round(1),
    }).sort_values(label("silent_share", L), ascending=False)
    return run.keep("silent_villages", t)


def silent_list(run: PlanRun, rows: int = 30) -> pd.DataFrame:
    """The villages with no need recorded (the first ``rows``; the export has all)."""
    L = run.lang
    s = run.data["silent"]
    t = pd.DataFrame({label("village", L): s["village_code"],
                      label("subdistrict", L): s[name_column("subdistrict", L)],
                      label("district", L): s[name_column("district", L)],
                      label("households", L): s["households"].astype("Int64")})
    run.keep("silent_village_list", t)
    return t.head(rows)


def silent_map(run: PlanRun):
    """Map of the share of villages with no need recorded."""
    from oneplan.charts import maps

    s = run.data["silent_by"]
    title = _t("silent.map_title", run)
    if run.province is None:
        return maps.province_choropleth(s.set_index("province_code")["silent_share"] * 100,
                                        title=title, legend_label="%", lang=run.lang,
                                        cmap="Oranges")
    return maps.district_choropleth(s.set_index("district_code")["silent_share"] * 100,
                                    run.code, title=title, legend_label="%", lang=run.lang,
                                    cmap="Oranges")


def interpret_silent(run: PlanRun) -> str:
    """How many villages recorded no need, and where most of them are."""
    s = run.data["silent_by"]
    n, k = int(s["villages"].sum()), int(s["silent"].sum())
    name = run.area_key[1] if run.area_key[1] in s else "district_name"
    top = s.sort_values("silent_share", ascending=False).iloc[0] if len(s) else None
    count = dict(silent=thai.format_int(k), villages=thai.format_int(n),
                 pct=k / max(n, 1) * 100)
    if top is None:
        return _t("silent.count_only", run, **count)
    return _t("silent.count", run, **count) + _t(
        "silent.most", run, where=run.area_named(top[name]), pct=top["silent_share"] * 100,
        unit=text(f"reports.plan.area_unit.{run.area_level}", run.lang))


# --- waiting ------------------------------------------------------------------------------

def waiting_table(run: PlanRun) -> pd.DataFrame:
    """The needs waiting longest at their stage."""
    L = run.lang
    w = needs.waiting_longest(run.data["needs"], run.data["stages"], run.extra["as_of"],
                              rows=run.params.needs.waiting_rows)
    run.extra["waiting"] = w
    return run.keep("waiting_longest", pd.DataFrame({
        label("need_id", L): w["need_id"], label("village", L): w["village_code"],
        label("district", L): w[name_column("district", L)],
        label("category", L): needs.name_of(vocab.NEED_CATEGORIES, w["category"], L),
        label("description", L): w["description"],
        label("stage", L): needs.name_of(vocab.NEED_STAGES, w["stage"], L),
        label("since", L): [thai.format_date(pd.Timestamp(d).date(), lang=L, style="short")
                            for d in w["last_stage_on"]],
        label("days", L): w["days_waiting"].astype(int),
    }))


def interpret_waiting(run: PlanRun) -> str:
    """How many needs are open, where most of them wait, and the longest wait."""
    if "waiting" not in run.extra:
        waiting_table(run)
    w = run.extra["waiting"]
    if w.empty:
        return _t("waiting.none", run)
    all_open = needs.waiting_longest(run.data["needs"], run.data["stages"], run.extra["as_of"],
                                     rows=None)
    top_stage = all_open["stage"].value_counts().index[0]
    return _t("waiting.interpret", run, open=thai.format_int(len(all_open)),
              stage=vocab.name(vocab.NEED_STAGES, top_stage, run.lang),
              days=int(w["days_waiting"].iloc[0]))


# --- ranking ------------------------------------------------------------------------------

def weights_table(run: PlanRun) -> pd.DataFrame:
    """The ranking criteria, their weights and how each is computed."""
    L = run.lang
    w = ranking.weights_table(run.params.ranking.weights, L)
    words = texts("reports.plan_document.criterion", L)  # the formulas: method appendix
    return run.keep("ranking_weights", pd.DataFrame({
        label("criterion", L): w["name"], label("weight", L): w["weight"].round(3),
        label("weight_share", L): (w["share"] * 100).round(1),
        label("how", L): w["criterion"].map(lambda c: words.get(c, c))}))


def ranking_table(run: PlanRun, rows: int | None = None) -> pd.DataFrame:
    """The top of the ranking with each criterion's contribution."""
    L = run.lang
    r = run.data["ranked"]
    rows = rows or run.params.ranking.top_n
    short = texts("reports.plan.criterion_short", L)
    t = pd.DataFrame({
        label("rank", L): r["rank"].astype(int), label("project", L): r["project_id"],
        label("name", L): r["name_th"], label("agency", L): r[name_column("agency", L)],
        label("cost_m", L): (r["cost_baht"] / 1e6).round(2),
        **{short[c]: r[f"contrib_{c}"].round(3) for c in run.params.ranking.weights},
        label("score", L): r["score"].round(3),
        label("status", L): needs.name_of(vocab.PROPOSAL_STATUSES, r["status"], L),
    })
    run.keep("ranking", t)
    return t.head(rows)


def contributions_chart(run: PlanRun):
    """Each criterion's part of the best proposals' scores
    (:func:`oneplan.charts.plan.contributions_chart`)."""
    crit = {c: ranking.CRITERIA[c] for c in run.params.ranking.weights}
    return plancharts.contributions_chart(run.data["ranked"], crit, run.lang)


def interpret_ranking(run: PlanRun) -> str:
    """How many proposals are ranked, which criterion leads the top and how many of the
    top are funded."""
    r = run.data["ranked"]
    n = run.params.ranking.top_n
    if r.empty:
        return _t("ranking.none", run)
    top = r.head(n)
    funded = int(top["status"].isin(followup.FUNDED_STATUSES).sum())
    means = {c: float(top[f"contrib_{c}"].mean()) for c in run.params.ranking.weights}
    lead = max(means, key=means.get)
    return _t("ranking.interpret", run, ranked=thai.format_int(len(r)), top=len(top),
              criterion=vocab.name(ranking.CRITERIA, lead, run.lang), funded=funded)


def documents_table(run: PlanRun) -> pd.DataFrame:
    """How many proposals lack each document."""
    L = run.lang
    d = ranking.documents_table(run.data["ranked"], L)
    return run.keep("documents_missing", pd.DataFrame({
        label("document", L): d["document"], label("count", L): d["missing"].astype(int),
        label("share", L): (d["share"] * 100).round(1)}))


def lacking_table(run: PlanRun, rows: int = 20) -> pd.DataFrame:
    """What each proposal still lacks (incomplete ones, best ranked first)."""
    L = run.lang
    r = run.data["ranked"]
    r = r[r["readiness"] < 1]
    missing = ranking.missing_documents(r, L)
    t = pd.DataFrame({label("rank", L): r["rank"].astype(int),
                      label("project", L): r["project_id"], label("name", L): r["name_th"],
                      label("agency", L): r[name_column("agency", L)],
                      label("missing", L): missing})
    run.keep("proposals_lacking", t)
    return t.head(rows)


def interpret_documents(run: PlanRun) -> str:
    """The share of complete proposals, the document most often missing, and the top."""
    r = run.data["ranked"]
    if r.empty:
        return ""
    complete = float((r["readiness"] == 1).mean())
    top = r.head(run.params.ranking.top_n)
    top_incomplete = int((top["readiness"] < 1).sum())
    d = ranking.documents_table(r, run.lang).iloc[:-1].sort_values("missing", ascending=False)
    out = _t("documents.complete", run, complete_pct=complete * 100,
             document=d["document"].iloc[0])
    if top_incomplete:
        return out + _t("documents.top_incomplete", run, top=len(top),
                        incomplete=top_incomplete)
    return out + _t("documents.top_complete", run, top=len(top))


def _sensitivity(run: PlanRun) -> pd.DataFrame:
    if "sensitivity" not in run.extra:
        sensitivity_table(run)
    return run.extra["sensitivity"]


def sensitivity_table(run: PlanRun) -> pd.DataFrame:
    """How the top of the ranking holds when each weight moves ± the params' step."""
    L = run.lang
    p = run.params.ranking
    s = ranking.sensitivity(run.data["proposals"], p.weights, top_n=p.top_n,
                            step=p.sensitivity_step)
    run.extra["sensitivity"] = s
    yes, no = text("reports.plan.yes", L), text("reports.plan.no", L)
    return run.keep("sensitivity", pd.DataFrame({
        label("criterion", L): [vocab.name(ranking.CRITERIA, c, L) for c in s["criterion"]],
        label("change", L): [f"{c * 100:+.0f}%" for c in s["change"]],
        label("kept", L): s["kept"].astype(int),
        label("kept_share", L): (s["kept_share"] * 100).round(0),
        label("same_first", L): [yes if v else no for v in s["same_first"]],
        label("max_shift", L): s["max_rank_shift"].astype(int),
        label("entered", L): [", ".join(v) for v in s["entered"]],
    }))


def interpret_sensitivity(run: PlanRun) -> str:
    """The least share of the top that stays when one weight moves, and whether the
    number one changes."""
    s = _sensitivity(run)
    if s.empty:
        return ""
    worst = s.sort_values("kept_share").iloc[0]
    return _t("sensitivity.interpret", run,
              step_pct=run.params.ranking.sensitivity_step * 100,
              top=min(run.params.ranking.top_n, len(run.data["proposals"])),
              kept_pct=worst["kept_share"] * 100,
              criterion=vocab.name(ranking.CRITERIA, worst["criterion"], run.lang),
              change_pct=worst["change"] * 100) + _t(
        "sensitivity.same_first" if bool(s["same_first"].all()) else "sensitivity.first_changes",
        run)


# --- governor's overview ------------------------------------------------------------------

def overview_tables(run: PlanRun) -> dict[str, pd.DataFrame]:
    """Done / in progress / awaiting budget: totals, by area, by strategic issue."""
    L = run.lang
    p = run.data["projects"]
    tot = governor.totals(p)
    run.extra["overview_totals"] = tot
    totals = run.keep("overview", pd.DataFrame({
        label("group", L): [vocab.name(governor.GROUPS, g, L) for g in tot["group"]],
        label("projects", L): tot["projects"].astype(int),
        label("baht", L): (tot["baht"] / 1e6).round(1)}))
    code, name = run.area_key
    by_area = governor.overview_by(p, [code, name])
    run.extra["overview_area"] = by_area
    cols = {name: label(run.area_level, L)}
    for g in ("done", "in_progress", "awaiting_budget"):
        gname = vocab.name(governor.GROUPS, g, L)
        cols[f"{g}_count"] = gname
        cols[f"{g}_baht"] = _t("overview.baht_column", run, group=gname)
    area = _in_millions(by_area[list(cols)]).rename(columns=cols)
    run.keep("overview_by_area", area)
    ps = p.assign(strategy=governor.strategy_labels(p, L))
    by_s = governor.overview_by(ps, "strategy")
    strat = _in_millions(by_s[["strategy"] + list(cols)[1:]]).rename(
        columns={**cols, "strategy": label("strategy", L)})
    run.keep("overview_by_strategy", strat)
    return {"totals": totals, "area": area, "strategy": strat}


def _in_millions(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its ``*_baht`` columns in million baht, one decimal."""
    df = df.copy()
    for c in df.columns[1:]:
        if c.endswith("_baht"):
            df[c] = (df[c] / 1e6).round(1)
    return df


def overview_chart(run: PlanRun):
    """Projects done, in progress and awaiting budget per area
    (:func:`oneplan.charts.plan.overview_chart`)."""
    if "overview_area" not in run.extra:
        overview_tables(run)
    return plancharts.overview_chart(run.extra["overview_area"], run.area_key[1],
                                     governor.GROUPS, run.lang)


def interpret_overview(run: PlanRun) -> str:
    """Projects and baht done, in progress and awaiting budget."""
    if "overview_totals" not in run.extra:
        overview_tables(run)
    g = run.extra["overview_totals"].set_index("group")
    L = run.lang
    return _t("overview.interpret", run,
              done=thai.format_int(g.at["done", "projects"]),
              done_baht=thai.format_baht(g.at["done", "baht"], L),
              in_progress=thai.format_int(g.at["in_progress", "projects"]),
              in_progress_baht=thai.format_baht(g.at["in_progress", "baht"], L),
              awaiting=thai.format_int(g.at["awaiting_budget", "projects"]),
              awaiting_baht=thai.format_baht(g.at["awaiting_budget", "baht"], L))


def method_needs(run: PlanRun) -> str:
    """How needs are classified and proposals ranked, in plain words."""
    p = run.params
    return _t("method", run, step_pct=p.ranking.sensitivity_step * 100, top=p.ranking.top_n,
              version=__version__)


# --- summary and files ----------------------------------------------------------------------

def summary_needs(run: PlanRun) -> dict[str, Any]:
    """The machine-readable summary (``needs_plan.summary.json``)."""
    s = _sensitivity(run)
    tot = governor.totals(run.data["projects"]).set_index("group")
    r = run.data["ranked"]
    return {
        "report": "needs_plan", "synthetic": run.synthetic, "province_code": run.code or "",
        "fiscal_year": run.fiscal_year, "lang": run.lang,
        "as_of": run.extra["as_of"].isoformat(),
        **run.extra["figures"],
        "needs_rejected": int((run.data["needs"]["stage"] == "rejected").sum()),
        "needs_merged": int((run.data["needs"]["stage"] == "merged").sum()),
        "villages_silent": int(len(run.data["silent"])),
        "proposals_ranked": int(len(r)),
        "proposals_complete_attachments": int((r["readiness"] == 1).sum()) if len(r) else 0,
        "ranking_weights": {k: float(v) for k, v in run.params.ranking.weights.items()},
        "top_ids": r["project_id"].head(run.params.ranking.top_n).tolist(),
        "sensitivity_min_kept_share": float(s["kept_share"].min()) if len(s) else None,
        "sensitivity_same_first": bool(s["same_first"].all()) if len(s) else None,
        "overview": {g: {"projects": int(tot.at[g, "projects"]),
                         "baht": float(tot.at[g, "baht"])} for g in governor.GROUPS},
        "oneplan_version": __version__,
    }


def export_needs_plan(run: PlanRun, out_dir: str = "") -> dict[str, Path]:
    """Summary, tables (CSV/XLSX), the full ranking and the OC4IDS package of the report."""
    out = output_dir(run, out_dir)
    paths = {"summary": write_summary(summary_needs(run), out)}
    paths.update(export_tables(run, "needs_plan", out))
    cols = ["rank", "project_id", "name_th", "agency_id", "category", "strategy_no",
            "cost_baht", "households", "need_id", "status", "score", "readiness", "missing",
            *[f"contrib_{c}" for c in ranking.CRITERIA]]
    r = run.data["ranked"]
    path = out / "needs_plan_tables" / "ranking_full.csv"
    # rounded: long float digits are noise (and look like ID numbers to PII scanners)
    write_csv(r[[c for c in cols if c in r]].round(4), path)
    paths["ranking_full"] = path
    if run.province is not None:
        con = run.connect()
        try:
            paths["oc4ids"] = oc4ids.write_package(con, run.code, run.fiscal_year, out,
                                                   synthetic=run.synthetic)
        finally:
            con.close()
    return paths


# --- interactive --------------------------------------------------------------------------

def ranking_explorer(run: PlanRun, rows: int = 15):
    """Sliders for the ranking weights that re-rank the proposals and redraw the top
    (JupyterLab). Returns an ipywidgets box; under papermill it is built but nothing
    waits for input."""
    import ipywidgets as w
    from IPython.display import display

    from oneplan.reports import tables

    base = run.data["proposals"]
    sliders = {c: w.FloatSlider(value=float(v), min=0, max=1, step=0.05,
                                description=vocab.name(ranking.CRITERIA, c, run.lang),
                                style={"description_width": "initial"},
                                layout=w.Layout(width="480px"), continuous_update=False)
               for c, v in run.params.ranking.weights.items()}
    out = w.Output()

    def redraw(*_):
        weights = {c: s.value for c, s in sliders.items()}
        if sum(weights.values()) <= 0:
            return
        r = ranking.rank_proposals(base, weights)
        s = ranking.sensitivity(base, weights, top_n=run.params.ranking.top_n,
                                step=run.params.ranking.sensitivity_step)
        with out:
            out.clear_output(wait=True)
            display(tables.style(r.head(rows)[["rank", "project_id", "name_th", "score",
                                               "status"]], hide_index=True, decimals=3))
            display(_t("explorer_kept", run, top=run.params.ranking.top_n,
                       step_pct=run.params.ranking.sensitivity_step * 100,
                       kept_pct=s["kept_share"].min() * 100))

    for s in sliders.values():
        s.observe(redraw, names="value")
    redraw()
    return w.VBox([*sliders.values(), out])

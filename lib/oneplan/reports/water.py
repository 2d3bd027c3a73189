"""The water-portfolio report of one province: load, score, select, summarise, explain.

The notebook ``notebooks/water_portfolio.ipynb`` imports this module only and calls its
functions in order; each returns a table, a map or a sentence (Thai by default, English
with ``lang="en"``; the words are in ``reports/text/water*.yml``), so every number in the
report can be traced to one function and the row's ``source_*`` columns in the database.

This module owns the need, candidate and plan tables, the maps, the sentences, the XLSX
for the governor's office and the explorer's re-solve (``reports.explorer``). The run itself (load, score,
solve, labels, summary) is :mod:`oneplan.reports.water_run`, the reasons and comparisons
:mod:`oneplan.reports.water_compare`; their public names are re-exported here.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Mapping

import pandas as pd

from oneplan.core import areas, thai, vocab
from oneplan.core.files import write_xlsx
from oneplan.selection.status import gap_words, status_words
from oneplan.core.text import text, texts
from oneplan.data import db
from oneplan.reports.pages import escape_markdown, sentence
from oneplan.reports.tables import name_column, names
from oneplan.reports.water_compare import (closest_misses, frontier, frontier_table,
                                           interpret_frontier, interpret_methods,
                                           interpret_reasons, interpret_scenarios, methods, methods_table, reasons,
                                           reasons_summary, revision, scenarios,
                                           scenarios_table)
from oneplan.reports.water_run import (PortfolioRun, baht, basin_names, heading, label,
                                       load_candidates, run_portfolio, solve, summary,
                                       write_summary, years_text, zone_names)
from oneplan.selection import portfolio, priority

__all__ = [
    # the run (water_run)
    "PortfolioRun", "baht", "basin_names", "heading", "label", "load_candidates",
    "run_portfolio", "solve", "summary", "write_summary", "years_text", "zone_names",
    # reasons and comparisons (water_compare)
    "closest_misses", "frontier", "frontier_table", "interpret_frontier", "interpret_methods",
    "interpret_reasons", "interpret_scenarios", "methods", "methods_table", "reasons",
    "reasons_summary", "revision",
    "scenarios", "scenarios_table",
    # this module
    "EXPLORER_MIP_REL_GAP", "EXPLORER_TIME_LIMIT_S", "budget_by_basin", "budget_by_district",
    "candidates_by_type", "district_map", "explore_solve", "export_plan_xlsx",
    "interpret_candidates",
    "interpret_districts", "interpret_need", "interpret_scatter", "interpret_selection",
    "intro", "method_note", "need_map", "need_tables", "selected_table", "spend_by_year",
    "title", "weights_table",
]


def _province(run: PortfolioRun) -> str:
    return getattr(run.province, f"name_{run.lang}")


# --- need hierarchy ---------------------------------------------------------------------

def need_tables(run: PortfolioRun) -> dict[str, pd.DataFrame]:
    """Need indicators rolled up by basin and zone, and by district beside the plan
    (:mod:`oneplan.plan.waterneed`), with headings in the report language."""
    from oneplan.plan import waterneed

    con = db.connect(run.db_path, read_only=True)
    try:
        by_zone = waterneed.zone_need(con, run.province.code, run.params.fiscal_year)
        by_district = waterneed.district_need_budget(
            con, run.province.code, run.params.fiscal_year, plan=run.candidates,
            fund_source=run.params.plan.fund_source)
    finally:
        con.close()
    lang = run.lang
    zones = pd.DataFrame({
        label("basin", lang): basin_names(run, by_zone["basin"]),
        label("zone", lang): zone_names(run, by_zone["zone"]),
        label("population", lang): by_zone["population"].astype(int),
        label("shortfall", lang): (by_zone["shortfall_m3"] / 1e6).round(1),
        label("no_piped", lang): by_zone["households_no_piped"].astype(int),
        label("drought", lang): by_zone["drought_risk"].round(2),
        label("flood", lang): by_zone["flood_risk"].round(2),
        label("need", lang): by_zone["need_index"].round(2),
    })
    districts = pd.DataFrame({
        label("district", lang): by_district[name_column("area", lang)],
        label("need", lang): by_district["need_index"].round(2),
        label("shortfall", lang): (by_district["shortfall_m3"] / 1e6).round(1),
        label("count", lang): by_district["candidates"].astype(int),
        label("selected_count", lang): by_district["selected"].fillna(0).astype(int),
        label("selected_cost_m", lang): (by_district["selected_baht"].fillna(0) / 1e6).round(1),
    }).sort_values(label("need", lang), ascending=False)
    run.extra["district_need"] = by_district
    return {"zones": zones, "districts": districts}


def _district_need(run: PortfolioRun) -> pd.DataFrame:
    if "district_need" not in run.extra:
        need_tables(run)
    return run.extra["district_need"]


def need_map(run: PortfolioRun):
    """Choropleth of the need index per district."""
    from oneplan.charts import maps

    values = _district_need(run).set_index("district_code")["need_index"]
    return maps.district_choropleth(
        values, run.province.code, lang=run.lang, cmap="OrRd",
        title=text("reports.water.need_map_title", run.lang, province=_province(run)),
        legend_label=label("need", run.lang))


def interpret_need(run: PortfolioRun) -> str:
    """The neediest district and the share of the plan the five neediest receive."""
    by_district = _district_need(run)
    top = by_district.sort_values("need_index", ascending=False).iloc[0]
    served = by_district.sort_values("need_index", ascending=False).head(5)
    share = served["selected_baht"].fillna(0).sum() / max(run.result.plan[
        run.result.plan["selected"]]["cost_baht"].sum(), 1e-9) * 100
    return sentence("reports.water.interpret.need", run.lang,
                name=top[name_column("area", run.lang)], index=top["need_index"], share=share)


# --- tables ---------------------------------------------------------------------------

def district_map(run: PortfolioRun):
    """Choropleth of the selected budget (million baht) per district of the province."""
    from oneplan.charts import maps

    values = run.selected.groupby("district_code")["cost_baht"].sum() / 1e6
    values = values.reindex([d.code for d in areas.districts(run.province.code)]).fillna(0.0)
    return maps.district_choropleth(
        values, run.province.code, lang=run.lang,
        title=text("reports.water.district_map_title", run.lang, province=_province(run),
                   years=years_text(run)),
        legend_label=label("selected_cost_m", run.lang),
    )


def candidates_by_type(run: PortfolioRun) -> pd.DataFrame:
    """Candidates and selected projects per project type: counts and million baht."""
    c = run.candidates
    lang = run.lang
    g = c.groupby(name_column("project_type", lang), sort=False)
    out = pd.DataFrame({
        label("count", lang): g.size(),
        label("ready", lang): g["ready"].sum(),
        label("eligible", lang): g["eligible"].sum(),
        label("cost_m", lang): g["cost_baht"].sum() / 1e6,
        label("selected_count", lang): g["selected"].sum(),
        label("selected_cost_m", lang): g.apply(
            lambda d: d.loc[d["selected"], "cost_baht"].sum() / 1e6, include_groups=False),
    }).sort_values(label("cost_m", lang), ascending=False)
    out.index.name = label("type", lang)
    return out


def spend_by_year(run: PortfolioRun) -> pd.DataFrame:
    """Budget, planned spend and new starts per fiscal year of the plan."""
    lang = run.lang
    starts = run.selected["start_year"].value_counts()
    rows = []
    for y in run.years:
        budget = run.spec.budget_by_year[y]
        spend = run.result.spend_by_year.get(y, 0.0)
        rows.append({label("year", lang): y, label("budget_m", lang): budget / 1e6,
                     label("spend_m", lang): spend / 1e6,
                     label("share", lang): spend / budget * 100 if budget else 0.0,
                     label("starts", lang): int(starts.get(y, 0))})
    return pd.DataFrame(rows)


def budget_by_district(run: PortfolioRun) -> pd.DataFrame:
    """Per district: candidates, selected count, selected cost and households served."""
    c = run.candidates
    lang = run.lang
    name = name_column("district", lang)
    sel = c[c["selected"]]
    out = pd.DataFrame({
        label("count", lang): c.groupby(name).size(),
        label("selected_count", lang): sel.groupby(name).size(),
        label("selected_cost_m", lang): sel.groupby(name)["cost_baht"].sum() / 1e6,
        label("households", lang): sel.groupby(name)["households_served"].sum(),
    }).fillna(0)
    out = out.astype({label("selected_count", lang): int, label("households", lang): int})
    out.index.name = label("district", lang)
    return out.sort_values(label("selected_cost_m", lang), ascending=False)


def budget_by_basin(run: PortfolioRun) -> pd.DataFrame:
    """Per basin and zone: selected projects, million baht and households."""
    lang = run.lang
    sel = run.selected
    g = sel.groupby(["basin", "zone"])
    out = pd.DataFrame({
        label("selected_count", lang): g.size(),
        label("selected_cost_m", lang): g["cost_baht"].sum() / 1e6,
        label("households", lang): g["households_served"].sum(),
        label("storage", lang): g["storage_m3"].sum(),
    }).reset_index()
    out["basin"] = basin_names(run, out["basin"])
    out["zone"] = zone_names(run, out["zone"])
    return out.rename(columns={"basin": label("basin", lang), "zone": label("zone", lang)})


def selected_table(run: PortfolioRun, reasons: pd.DataFrame | None = None,
                   rows: int | None = None) -> pd.DataFrame:
    """The selected projects, highest priority first, with start year and (when reasons
    were computed) the leave-one-out value."""
    lang = run.lang
    sel = run.selected.sort_values("priority", ascending=False)
    rows = rows or run.params.report.table_rows
    out = pd.DataFrame({
        label("id", lang): sel["project_id"],
        label("project", lang): names(sel, "project", lang),
        label("district", lang): sel[name_column("district", lang)],
        label("basin", lang): basin_names(run, sel["basin"]),
        label("start_year", lang): sel["start_year"].astype("Int64"),
        label("cost_m", lang): sel["cost_baht"] / 1e6,
        label("households", lang): sel["households_served"],
        label("priority", lang): sel["priority"],
    })
    if reasons is not None:
        loo = reasons.set_index("project_id")
        confirmed = loo["confirmed"] & (loo["reason_code"].isin(["selected", "committed"]))
        out[label("loo", lang)] = sel["project_id"].map(
            loo["objective_delta"].where(confirmed))
        if "objective_delta_low" in loo:  # the re-solve's proven lower end of the range
            out[label("loo_low", lang)] = sel["project_id"].map(
                loo["objective_delta_low"].where(confirmed))
    return out.head(rows).reset_index(drop=True).rename(index=lambda i: i + 1)


def weights_table(run: PortfolioRun) -> pd.DataFrame:
    """The published criteria, what each measures, and their normalised weights."""
    w = run.params.priority.weights
    total = sum(w.values())
    lang = run.lang
    meaning = texts("reports.water.criterion_meaning", lang)
    return pd.DataFrame([{
        label("criterion", lang): vocab.name(priority.CRITERIA, key, lang),
        label("weight", lang): round(weight / total, 3),
        label("what", lang): meaning.get(key, priority.CRITERIA[key][2]),
    } for key, weight in w.items()])


# --- sentences ------------------------------------------------------------------------

def title(run: PortfolioRun) -> str:
    """The report's title."""
    return sentence("reports.water.title", run.lang, province=_province(run), years=years_text(run))


def intro(run: PortfolioRun) -> str:
    """What the report does, for which province and budget, and the synthetic-data mark."""
    per_year = sorted(set(run.spec.budget_by_year.values()))
    budget = (baht(run, per_year[0]) if len(per_year) == 1
              else f"{baht(run, min(per_year))}–{baht(run, max(per_year))}")
    out = sentence("reports.water.intro", run.lang, n_years=len(run.years),
               province=_province(run), region=run.province.region_th, budget=budget,
               today=thai.format_date(date.today(), lang=run.lang))
    if run.synthetic:
        out += f"\n\n**{escape_markdown(run.db_meta.get(f'synthetic_note_{run.lang}'))}**"
    return out


def interpret_candidates(run: PortfolioRun) -> str:
    """How much the proposals ask for against the budget, and how many are ready."""
    c = run.candidates
    total = c["cost_baht"].sum()
    return sentence("reports.water.interpret.candidates", run.lang, n=thai.format_int(len(c)),
                total=baht(run, total), ratio=total / run.plan_budget,
                ready=thai.format_int(int(c["ready"].sum())),
                eligible=thai.format_int(int(c["eligible"].sum())))


def _status_text(run: PortfolioRun) -> str:
    """The solver's status (and gap) in words of the report language
    (:func:`oneplan.selection.status.status_words`)."""
    r = run.result
    status = status_words(r.status, run.lang, mip_rel_gap=r.mip_rel_gap)
    gap = gap_words(r.gap, run.lang)
    return (text("reports.water.solver_status.line", run.lang, status=status)
            + (text("reports.water.solver_status.gap", run.lang, gap=gap) if gap else ""))


def interpret_selection(run: PortfolioRun) -> str:
    """How many projects the plan selects, the budget used, households served, status."""
    sel = run.selected
    used = sel["cost_baht"].sum()
    skipped = run.result.skipped_floors
    out = sentence("reports.water.interpret.selection", run.lang, n=thai.format_int(len(sel)),
               used=baht(run, used), share=used / run.plan_budget * 100,
               households=thai.format_int(sel["households_served"].sum()),
               status=_status_text(run))
    if skipped:
        out += sentence("reports.water.interpret.floors_skipped", run.lang, n=len(skipped))
    return out


def interpret_districts(run: PortfolioRun) -> str:
    """Which district receives most, and how many receive nothing."""
    table = budget_by_district(run)
    col = label("selected_cost_m", run.lang)
    n_all = len(table)
    n_zero = int((table[col] == 0).sum())
    top = table.index[0] if n_all else "-"
    top_share = table[col].iloc[0] / max(table[col].sum(), 1e-9) * 100 if n_all else 0
    out = sentence("reports.water.interpret.districts_top", run.lang, top=top, share=top_share)
    if n_zero:
        return out + sentence("reports.water.interpret.districts_without", run.lang,
                          n_zero=n_zero, n_all=n_all)
    return out + sentence("reports.water.interpret.districts_all", run.lang, n_all=n_all)


def interpret_scatter(run: PortfolioRun) -> str:
    """The median cost of selected projects against the others."""
    sel, rest = run.selected, run.candidates[~run.candidates["selected"]]
    med_sel = sel["cost_baht"].median() if len(sel) else 0
    med_rest = rest["cost_baht"].median() if len(rest) else 0
    return sentence("reports.water.interpret.scatter", run.lang, selected=baht(run, med_sel),
                rest=baht(run, med_rest))


def method_note(run: PortfolioRun) -> str:
    """How the plan was made, in plain words, with the solver's real status."""
    r = run.result
    p = run.params
    lang = run.lang
    out = sentence("reports.water.method_note.main", lang,
               discount=100 - p.plan.start_discount * 100,
               min_projects=p.plan.district_min_projects)
    if p.plan.district_max_share:
        out += sentence("reports.water.method_note.max_share", lang,
                    max_share=p.plan.district_max_share * 100)
    return out + sentence("reports.water.method_note.rest", lang,
                      status=status_words(r.status, lang, mip_rel_gap=r.mip_rel_gap),
                      gap=gap_words(r.gap, lang) or "-",
                      build=r.build_seconds, solve=r.solve_seconds,
                      limit=p.portfolio.time_limit_s)


# --- exports ----------------------------------------------------------------------------

def export_plan_xlsx(run: PortfolioRun, out_dir: str | Path) -> Path:
    """The chosen plan as XLSX with Thai headers for the governor's office: the plan by
    project, spending by year, by district, and the reasons for every candidate."""
    lang = "th"  # the governor's file is always Thai
    col = texts("reports.water.xlsx.column", lang)
    sheet = texts("reports.water.xlsx.sheet", lang)
    yes, no = text("reports.water.xlsx.yes", lang), text("reports.water.xlsx.no", lang)
    sel = run.selected.sort_values(["start_year", "priority"], ascending=[True, False])
    plan = pd.DataFrame({
        col["project_id"]: sel["project_id"], col["name"]: sel["name_th"],
        col["type"]: sel["type_th"], col["district"]: sel["district_name"],
        col["subdistrict"]: sel["subdistrict_name"], col["basin"]: sel["basin"],
        col["start_year"]: sel["start_year"].astype("Int64"),
        col["cost"]: sel["cost_baht"],
        **{text("reports.water.xlsx.cost_in_year", lang, year=y): sel.get(f"cost_{y}", 0.0)
           for y in run.years},
        col["households"]: sel["households_served"],
        col["area"]: sel["area_rai"], col["storage"]: sel["storage_m3"],
        col["priority"]: sel["priority"].round(4),
        col["source"]: sel["source_file"] + " / " + sel["source_sheet"].astype(str)
        + text("reports.water.xlsx.row_word", lang) + sel["source_row"].astype(str),
    })
    thai_run = dataclasses.replace(run, lang=lang)
    sheets = {sheet["plan"]: plan, sheet["by_year"]: spend_by_year(thai_run),
              sheet["by_district"]: budget_by_district(thai_run).reset_index()}
    if "reasons" in run.extra:
        r = run.extra["reasons"].merge(run.candidates[["project_id", "name_th"]],
                                       on="project_id")
        sheets[sheet["reasons"]] = pd.DataFrame({
            col["project_id"]: r["project_id"], col["name"]: r["name_th"],
            col["selected"]: r["selected"].map({True: yes, False: no}),
            col["reason"]: r["reason_th"], col["related"]: r["related_id"],
            col["delta"]: r["objective_delta"],
            col["delta_low"]: r["objective_delta_low"],
            col["confirmed"]: r["confirmed"].map({True: yes, False: no})})
    note = run.db_meta.get("synthetic_note_th") if run.synthetic else None
    path = Path(out_dir) / f"plan_{run.province.code}_{run.years[0]}.xlsx"
    return write_xlsx(sheets, path, note=note)


# --- interactive ------------------------------------------------------------------------

EXPLORER_TIME_LIMIT_S = 0.8
"""Time limit of one re-solve of the explorer: with re-scoring and building the model
(~0.15 s for the sample's largest province) the slider answers within a second, proven or
with its gap stated (benchmarks/bench_explore_solve.py)."""
EXPLORER_MIP_REL_GAP = 0.005
"""Tolerance of an explorer re-solve: proven within 0.5 % of the optimum (the report's own
plan keeps ``portfolio.mip_rel_gap``). Under the sample's scarcity, proving 0.01 % takes
the largest province 10–20 s (``benchmarks/bench_explore_solve.py``)."""


def explore_solve(run: PortfolioRun, *, budget_per_year_baht: float | None = None,
                  weights: Mapping[str, float] | None = None,
                  previous: portfolio.PlanResult | None = None,
                  time_limit_s: float = EXPLORER_TIME_LIMIT_S,
                  mip_rel_gap: float | None = None) -> portfolio.PlanResult:
    """One re-solve of the explorer: the province re-scored with ``weights`` and planned
    with ``budget_per_year_baht`` a year, at the report's gap tolerance.

    ``previous`` (the plan on screen) is handed to HiGHS as its first incumbent, and the
    solve stops after ``time_limit_s`` so that the slider answers within about a second;
    the result then carries HiGHS's real status (``time_limit``) and gap, which the
    explorer prints — it never calls a stopped solve optimal. ``mip_rel_gap``: the
    tolerance (default the larger of :data:`EXPLORER_MIP_REL_GAP` and the report's); the
    result's ``mip_rel_gap`` says which was used.
    """
    base = run.candidates.drop(columns=[c for c in run.candidates.columns
                                        if c in ("selected", "start_year")
                                        or str(c).startswith("cost_2")])
    scored = base if weights is None else priority.score_candidates(base, dict(weights))
    budgets = dict(run.spec.budget_by_year)
    if budget_per_year_baht is not None:
        budgets = {y: float(budget_per_year_baht) for y in run.years}
    spec = dataclasses.replace(run.spec, budget_by_year=budgets)
    return portfolio.plan_portfolio(
        scored, spec, time_limit_s=min(time_limit_s, run.params.portfolio.time_limit_s),
        mip_rel_gap=(max(EXPLORER_MIP_REL_GAP, run.params.portfolio.mip_rel_gap)
                     if mip_rel_gap is None else mip_rel_gap),
        mip_start=previous, stop_expected=True)

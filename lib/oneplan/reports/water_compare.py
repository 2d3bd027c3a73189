"""Why projects were left out of the water plan and how the plan compares: one reason per
candidate (confirmed by re-solving where it matters), the budget frontier, the scenarios,
the usual ways of picking, and the demonstration review after six months.

:mod:`oneplan.reports.water` (what the notebook imports) re-exports everything public here.
"""

from __future__ import annotations

import pandas as pd

from oneplan.core import thai, vocab
from oneplan.core.text import texts
from oneplan.reports.pages import sentence
from oneplan.reports.tables import names
from oneplan.reports.water_run import PortfolioRun, label
from oneplan.selection import compare, explain, facts
from oneplan.selection import revision as rv
from oneplan.selection.spec import plan_spec


# --- reasons ----------------------------------------------------------------------------

def reasons(run: PortfolioRun) -> pd.DataFrame:
    """One plain reason per candidate (:func:`oneplan.selection.explain.explain_plan`), the
    closest misses and top selected projects confirmed by re-solving."""
    if "reasons" not in run.extra:
        run.extra["reasons"] = explain.explain_plan(
            run.candidates, run.spec, run.result,
            max_resolves=run.params.plan.explain_max_resolves,
            time_limit_s=min(run.params.plan.explain_time_limit_s,
                             run.params.portfolio.time_limit_s),
            loss_width=run.params.plan.explain_loss_width)
    return run.extra["reasons"]


def _reason_name(code: str, lang: str) -> str:
    """The name of a kind of reason (``budget`` → "งบประมาณไม่พอ") in ``lang``."""
    return texts("reports.water_compare.reason_code", lang).get(code, code)


def reasons_summary(run: PortfolioRun) -> pd.DataFrame:
    """How many candidates, and how many baht, for each kind of reason."""
    r = reasons(run).merge(run.candidates[["project_id", "cost_baht"]], on="project_id")
    lang = run.lang
    g = r.groupby("reason_code")
    out = pd.DataFrame({label("count", lang): g.size(),
                        label("cost_m", lang): g["cost_baht"].sum() / 1e6})
    out.index = [_reason_name(c, lang) for c in out.index]
    out.index.name = label("reason_code", lang)
    return out.sort_values(label("count", lang), ascending=False)


def closest_misses(run: PortfolioRun, rows: int = 15) -> pd.DataFrame:
    """Projects not chosen whose loss was confirmed by re-solving, smallest loss first."""
    lang = run.lang
    r = reasons(run)
    miss = r[~r["selected"]].merge(
        run.candidates[["project_id", "name_th", "type_code", "subdistrict_name_en",
                        "cost_baht", "priority"]], on="project_id")
    miss = miss.sort_values(["confirmed", "objective_delta"], ascending=[False, True])
    return pd.DataFrame({
        label("id", lang): miss["project_id"],
        label("project", lang): names(miss, "project", lang),
        label("cost_m", lang): miss["cost_baht"] / 1e6,
        label("priority", lang): miss["priority"],
        label("reason", lang): miss[f"reason_{lang}"],
        label("delta", lang): miss["objective_delta"].where(miss["confirmed"]),
        label("delta_low", lang): miss["objective_delta_low"].where(miss["confirmed"])
        if "objective_delta_low" in miss else float("nan"),
    }).head(rows).reset_index(drop=True).rename(index=lambda i: i + 1)


def interpret_reasons(run: PortfolioRun) -> str:
    """How many projects were left out, the commonest reason and how many were confirmed."""
    r = reasons(run)
    n_conf = int(r["confirmed"].sum())
    low = r.get("objective_delta_low")
    n_proven = int((r["confirmed"] & (low > 1e-9)).sum()) if low is not None else n_conf
    n_miss = int((~r["selected"]).sum())
    top = r.loc[~r["selected"], "reason_code"].value_counts()
    return sentence("reports.water_compare.interpret.reasons", run.lang,
                n_miss=thai.format_int(n_miss),
                main=_reason_name(top.index[0], run.lang) if len(top) else "-",
                n_main=int(top.iloc[0]) if len(top) else 0,
                n_confirmed=n_conf, n_proven=n_proven)


# --- comparisons ----------------------------------------------------------------------

def _compare_limit(run: PortfolioRun) -> float:
    """Time limit of each comparison solve (frontier, scenarios, methods): a stopped solve
    shows its status and gap in the table."""
    return min(run.params.plan.compare_time_limit_s, run.params.portfolio.time_limit_s)


def frontier(run: PortfolioRun) -> pd.DataFrame:
    """Benefit at fractions of the budget (:func:`oneplan.selection.compare.budget_frontier`)."""
    if "frontier" not in run.extra:
        run.extra["frontier"] = compare.budget_frontier(
            run.candidates, run.spec, fractions=run.params.plan.frontier_fractions,
            time_limit_s=_compare_limit(run), mip_rel_gap=run.params.plan.compare_mip_rel_gap,
            known=run.result)
    return run.extra["frontier"]


def frontier_table(run: PortfolioRun) -> pd.DataFrame:
    """The budget frontier as a table in the report language."""
    f = frontier(run).copy()
    f["budget_m"] = f["budget_baht"] / 1e6  # money in ล้านบาท (full baht only in the XLSX)
    if "spend_baht" in f:
        f["spend_m"] = f["spend_baht"] / 1e6
    cols = [c for c in ("fraction", "budget_m", "benefit", "n_selected", "households",
                        "spend_m", "marginal_per_million", "status") if c in f.columns]
    return compare.localise(f[cols], run.lang)


def interpret_frontier(run: PortfolioRun) -> str:
    """What the next step of budget above today's would add ("" without one)."""
    f = frontier(run)
    cur = f[f["current"]].iloc[0] if "current" in f and f["current"].any() else None
    above = f[f["fraction"] > 1.0]
    if cur is None or above.empty:
        return ""
    nxt = above.iloc[0]
    gain = nxt["benefit"] - cur["benefit"]
    return sentence("reports.water_compare.interpret.frontier", run.lang,
                extra_m=(nxt["budget_baht"] - cur["budget_baht"]) / 1e6, gain=gain,
                gain_pct=gain / max(cur["benefit"], 1e-9) * 100)


def scenarios(run: PortfolioRun) -> pd.DataFrame:
    """The plan under each scenario of ``plan.compare_scenarios``, side by side."""
    if "scenarios" not in run.extra:
        run.extra["scenarios"] = compare.compare_scenarios(
            run.province.code, run.params.plan.compare_scenarios, db_path=run.db_path,
            fiscal_year=run.params.fiscal_year, mip_start=run.result,
            time_limit_s=_compare_limit(run), mip_rel_gap=run.params.plan.compare_mip_rel_gap)
    return run.extra["scenarios"]


def scenarios_table(run: PortfolioRun) -> pd.DataFrame:
    """The scenario comparison as a table in the report language: money in ล้านบาท, the
    overlap with the base plan as a percentage."""
    t = scenarios(run).copy()
    cols = [c for c in t.columns if c not in ("label_th", "label_en")]
    keys = {"spend_baht": "spend_m", "jaccard_base": "jaccard_base_pct"}
    scale = {"spend_baht": 1e-6, "jaccard_base": 100.0}
    lab = {lang: texts("selection.compare.label", lang) for lang in ("th", "en")}
    for row, key in keys.items():
        if row in t.index:
            t.loc[row, cols] = t.loc[row, cols].astype(float) * scale[row]
            t.loc[row, "label_th"], t.loc[row, "label_en"] = lab["th"][key], lab["en"][key]
    return compare.localise(t, run.lang)


def interpret_scenarios(run: PortfolioRun) -> str:
    """What each scenario changes against the base plan, in words (projects added and
    dropped, the share of the base plan that changes, Δ benefit at the base weights, Δ
    million baht); when every scenario picks the same projects it says so and why (the
    budget covers every eligible project, or the weights agree on what gives most per
    baht), never a row of identical figures without a reason."""
    from oneplan.charts import scenario_changes
    from oneplan.core import labels as core_labels

    table = scenarios(run)
    ch = scenario_changes(table)
    lang = run.lang
    ids = table.attrs.get("selected_ids", {})
    n_base = max(len(ids.get(ch.attrs["base"], ())), 1)
    names = dict(core_labels.SCENARIO_LABELS)
    names.update(table.attrs.get("scenario_labels", {}))

    def name(key: str) -> str:
        return vocab.name(names, key, lang)

    if ch.empty or not (ch["added"].fillna(0).any() or ch["dropped"].fillna(0).any()):
        c = run.candidates
        demand = float(c.loc[c["eligible"].astype(bool), "cost_baht"].sum()) / 1e6
        budget = run.plan_budget / 1e6
        why = "budget_covers" if demand <= budget else "weights_agree"
        reason = sentence(f"reports.water_compare.interpret.same_reason.{why}", lang,
                          budget=budget, demand=demand)
        return sentence("reports.water_compare.interpret.scenarios_same", lang, reason=reason)
    lines = [sentence("reports.water_compare.interpret.scenarios_intro", lang,
                      base=name(ch.attrs["base"]))]
    for key, r in ch.iterrows():
        added, dropped = int(r["added"]), int(r["dropped"])
        lines.append("- " + sentence(
            "reports.water_compare.interpret.scenario_change", lang, name=name(key),
            added=added, dropped=dropped, share=dropped / n_base * 100,
            benefit=float(r["benefit_delta"]), money=float(r["spend_delta_m"])))
    return "\n".join(lines)


def methods(run: PortfolioRun) -> pd.DataFrame:
    """Optimum vs priority order vs equal shares across districts."""
    if "methods" not in run.extra:
        run.extra["methods"] = compare.compare_methods(
            run.candidates, run.spec, time_limit_s=_compare_limit(run),
            mip_rel_gap=run.params.portfolio.mip_rel_gap, known=run.result)
    return run.extra["methods"]


def methods_table(run: PortfolioRun) -> pd.DataFrame:
    """The comparison with methods as columns and a few indicators as rows (fits A4)."""
    m = methods(run).copy()
    m["spend_baht"] = m["spend_baht"] / 1e6
    for col in ("min_district_share", "max_district_share"):
        m[col] = m[col] * 100
    keep = ["benefit", "benefit_vs_optimum_pct", "projects", "households", "storage_m3",
            "area_rai", "spend_baht", "districts_reached", "min_district_share",
            "max_district_share"]
    out = compare.localise(m[keep], run.lang)
    out.index = m[f"label_{run.lang}"]
    out = out.T
    out.index = [label("spend_m", run.lang) if k == "spend_baht" else name
                 for k, name in zip(keep, out.index)]
    out.index = [f"{name} (%)" if k.endswith("_share") else name
                 for k, name in zip(keep, out.index)]
    out.columns.name = None
    return out


def interpret_methods(run: PortfolioRun) -> str:
    """How far picking down the priority list and equal shares fall from the optimum."""
    m = methods(run)
    diff = m.set_index("method")["benefit_vs_optimum_pct"] if "method" in m else None
    if diff is None:
        return ""
    return sentence("reports.water_compare.interpret.methods", run.lang,
                priority_order=diff.get("priority_order", float("nan")),
                equal_shares=diff.get("equal_shares", float("nan")))


# --- revision ---------------------------------------------------------------------------

def revision(run: PortfolioRun, months: int = 6):
    """A demonstration review after ``months``: synthetic follow-up facts (delays, cost
    overruns, cancellations, a budget cut, new proposals) applied to the plan and the
    remaining years re-optimised with the stability penalty
    (:func:`oneplan.selection.revision.revise_plan`)."""
    key = f"revision_{months}"
    if key not in run.extra:
        sampled = facts.sample_followup(run.result, run.candidates, months=months,
                                        seed=run.params.sample.seed)
        spec = plan_spec(run.params, with_stability=True)
        run.extra[key] = rv.revise_plan(run.candidates, spec, run.result, sampled,
                                        months=months, confirm_resolves=4,
                                        confirm_time_limit_s=run.params.plan.explain_time_limit_s,
                                        time_limit_s=run.params.portfolio.time_limit_s,
                                        mip_rel_gap=run.params.portfolio.mip_rel_gap,
                                        weights=run.params.priority.weights)
    return run.extra[key]

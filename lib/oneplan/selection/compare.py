"""Comparisons around the water plan: budget frontier, weight scenarios and baseline methods.

Three questions a provincial planning office asks of a plan, each answered by one table:

:func:`budget_frontier`
    *What would more (or less) money buy?* The optimum is re-solved at fractions of the
    budget (every year's budget scaled); the table gives the benefit, projects, households,
    spend, solver status and gap at each point and the **marginal benefit per extra million
    baht** between consecutive points.

:func:`compare_scenarios` / :func:`compare_weightings`
    *How much does the plan depend on the weights?* Candidates are re-scored with each
    scenario's weights (``params/scenarios/<name>.yml``), solved, and tabulated side by side
    (benefit, projects, households, storage, area, spend, districts reached, overlap with
    the base plan), with Thai and English labels.

:func:`compare_methods`
    *What does optimisation add over today's practice?* The optimum next to the two
    baselines of :mod:`oneplan.selection.baselines` (priority order, Method of Equal Shares
    across districts) on the same candidates and the same rules. The baselines do not
    apply group floors/caps or revision terms, so the optimum is solved without them too
    (and the plan with them is shown on an extra row).

A budget is a number of baht (a one-year plan) or a
:class:`~oneplan.selection.spec.PlanSpec`. Labels come from the catalogue
``lib/oneplan/selection/text/compare.yml`` (:func:`localise`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from oneplan.core.labels import SCENARIO_LABELS
from oneplan.core.text import check_lang, pairs, text, texts
from oneplan.selection.status import status_words
from oneplan.selection import portfolio
from oneplan.selection.baselines import (
    as_plan_spec,
    plan_budgets,
    plan_total,
    priority_order_pick,
    selection_metrics,
    without_group_rules,
)
from oneplan.selection.equal_shares import equal_shares_pick
from oneplan.selection.errors import InfeasibleSelectionError
from oneplan.selection.spec import PlanSpec, plan_spec

__all__ = [
    "DEFAULT_FRACTIONS",
    "budget_frontier",
    "compare_methods",
    "compare_scenarios",
    "compare_weightings",
    "localise",
]

log = logging.getLogger(__name__)

DEFAULT_FRACTIONS: tuple[float, ...] = (0.5, 0.625, 0.75, 0.875, 1.0, 1.125, 1.25, 1.375, 1.5)
"""Budget fractions of :func:`budget_frontier` (also ``plan.frontier_fractions``)."""


def localise(table: pd.DataFrame, lang: str = "th") -> pd.DataFrame:
    """A display copy of a table of this module with Thai (default) or English labels.

    Column keys of the catalogue (``selection.compare.label``) are renamed; a table with
    ``label_th``/``label_en`` columns gets those as its index (and loses them); scenario
    columns are renamed with the scenario names (``core.labels.scenario``).
    """
    labels = texts("selection.compare.label", check_lang(lang))
    out = table.copy()
    if {"label_th", "label_en"} <= set(out.columns):
        out.index = pd.Index(out[f"label_{lang}"].to_numpy(),
                             name=labels["method" if table.attrs.get("kind") == "method"
                                         else "indicator"])
        out = out.drop(columns=["label_th", "label_en"])
    if "status" in out.columns:  # the solver's status in words, never its code word
        out["status"] = out["status"].map(lambda s: status_words(s, lang)
                                          if isinstance(s, str) else s)
    rename = {c: labels[c] for c in out.columns if c in labels}
    scenarios = texts("core.labels.scenario", lang)
    rename.update({c: scenarios[c] for c in out.columns if c in scenarios})
    return out.rename(columns=rename)


# --------------------------------------------------------------------------------------
# The optimum
# --------------------------------------------------------------------------------------


@dataclass
class _Solved:
    """What a comparison keeps of an optimum."""

    starts: dict[Hashable, int]  # selected project id -> start year
    status: str
    objective: float
    gap: float | None
    seconds: float
    spend: float

    @property
    def selected_ids(self) -> list[Hashable]:
        """Selected project ids."""
        return list(self.starts)


def _solve(candidates: pd.DataFrame, spec: PlanSpec, *, value_col: str, time_limit_s: float,
           mip_rel_gap: float, mip_start: Any = None, known: Any = None) -> _Solved:
    """The optimum of ``plan``; ``known`` (a ``PlanResult`` of exactly this problem, e.g.
    the report's own plan) is read instead of solving again; ``mip_start`` (a plan) is
    HiGHS's first incumbent (see ``portfolio.plan_portfolio``). A comparison solve is
    time-boxed by design: a stop is reported in its table's status and gap, not warned."""
    res = known if known is not None else portfolio.plan_portfolio(
        candidates, spec, value_col=value_col, time_limit_s=time_limit_s,
        mip_rel_gap=mip_rel_gap, mip_start=mip_start, stop_expected=True)
    sel = res.plan[res.plan["selected"].astype(bool)]
    starts = {pid: int(y) for pid, y in zip(sel["project_id"], sel["start_year"])}
    spend = float(sum(res.spend_by_year.values()))
    return _Solved(starts, res.status, float(res.objective), res.gap,
                   float(res.solve_seconds), spend)


# --------------------------------------------------------------------------------------
# Budget frontier
# --------------------------------------------------------------------------------------


def budget_frontier(candidates: pd.DataFrame, spec_or_budget: Any, *,
                    fractions: Sequence[float] = DEFAULT_FRACTIONS,
                    value_col: str = "priority", fiscal_year: int | None = None,
                    only_ready: bool = False, must_include: Iterable[Hashable] = (),
                    must_exclude: Iterable[Hashable] = (), time_limit_s: float = 60,
                    mip_rel_gap: float = 0.0, known: Any = None) -> pd.DataFrame:
    """Re-solve the optimum at fractions of the budget: what would more money buy?

    The fractions are solved in ascending order, each with the plan of the previous one
    as HiGHS's first incumbent (a plan that fits a smaller budget usually fits a larger
    one); ``known`` (a ``PlanResult`` of ``spec_or_budget`` itself, e.g. the report's
    plan) is used for fraction 1 instead of solving it again.

    Args:
        candidates: scored candidates (see ``docs/plan-model-api.md``).
        spec_or_budget: a budget in baht (a one-year plan for ``fiscal_year``, default the
            candidates' ``fiscal_year``) or a ``PlanSpec``, whose every yearly budget is
            multiplied by the fraction (caps given as shares scale with it; floors and caps
            in baht do not).
        fractions: multiples of the budget (sorted ascending in the output); 1.0 is the
            current budget.
        only_ready, must_include, must_exclude: the rules of a one-year plan when a number
            is given (``portfolio.only_ready`` / ``must_include`` / ``must_exclude``).

    Returns:
        One row per fraction: ``fraction``, ``budget_baht`` (sum over years),
        ``objective`` (the model's), ``benefit`` (Σ value of the selected projects, with
        the spec's start discount), ``priority_sum`` (undiscounted), ``projects``,
        ``households``, ``spend_baht``, ``status``, ``gap``, ``solve_seconds``,
        ``marginal_benefit_per_million`` (extra benefit per extra million baht of budget
        since the previous row; NaN on the first) and ``current`` (fraction 1). A budget
        the committed projects do not fit gives a row with status ``infeasible`` and NaN.
    """
    fr = sorted({float(f) for f in fractions})
    if not fr or any(not math.isfinite(f) or f < 0 for f in fr):
        raise ValueError(f"fractions must be finite and ≥ 0, got {list(fractions)}")
    spec = as_plan_spec(spec_or_budget, candidates, fiscal_year=fiscal_year,
                        only_ready=only_ready, must_include=must_include,
                        must_exclude=must_exclude)
    rows = []
    previous: dict[Hashable, int] | None = None
    for f in fr:
        scaled = dataclasses.replace(
            spec, budget_by_year={y: b * f for y, b in plan_budgets(spec).items()})
        row: dict[str, Any] = {"fraction": f, "budget_baht": plan_total(scaled)}
        try:
            s = _solve(candidates, scaled, value_col=value_col, time_limit_s=time_limit_s,
                       mip_rel_gap=mip_rel_gap, mip_start=previous,
                       known=known if math.isclose(f, 1.0) else None)
            previous = s.starts
        except InfeasibleSelectionError as exc:
            log.info("frontier: budget fraction %g is infeasible: %s", f, exc)
            row.update(objective=np.nan, benefit=np.nan, priority_sum=np.nan, projects=np.nan,
                       households=np.nan, spend_baht=np.nan, status="infeasible", gap=np.nan,
                       solve_seconds=np.nan)
            rows.append(row)
            continue
        m = selection_metrics(candidates, s.starts, value_col=value_col,
                              start_discount=spec.start_discount, first_year=spec.years[0])
        row.update(objective=s.objective, benefit=m["benefit"], priority_sum=m["priority_sum"],
                   projects=m["projects"], households=m["households"], spend_baht=s.spend,
                   status=s.status, gap=s.gap, solve_seconds=s.seconds)
        rows.append(row)
    out = pd.DataFrame(rows)
    d_benefit = out["benefit"].diff()
    d_budget = out["budget_baht"].diff() / 1e6
    out["marginal_benefit_per_million"] = (d_benefit / d_budget.where(d_budget > 0)).astype(float)
    out["current"] = np.isclose(out["fraction"], 1.0)
    out["projects"] = out["projects"].astype("Int64")
    out.attrs.update(kind="frontier", value_col=value_col, budget_baht=plan_total(spec),
                     years=[int(y) for y in spec.years])
    return out


# --------------------------------------------------------------------------------------
# Optimum vs baselines
# --------------------------------------------------------------------------------------


def compare_methods(candidates: pd.DataFrame, spec_or_budget: Any, *,
                    value_col: str = "priority", group_col: str = "district_code",
                    groups: Sequence[Hashable] | None = None, fiscal_year: int | None = None,
                    only_ready: bool = False, must_include: Iterable[Hashable] = (),
                    must_exclude: Iterable[Hashable] = (), completion: str | None = "add1u",
                    time_limit_s: float = 60, mip_rel_gap: float = 0.0,
                    known: Any = None) -> pd.DataFrame:
    """Optimum vs priority order vs equal shares on the same candidates, budgets and rules.

    ``spec_or_budget``: baht (a one-year plan) or a ``PlanSpec`` (several years need
    ``portfolio.plan_portfolio``). The baselines do not apply group floors/caps or
    revision terms, so the ``optimum`` row is solved without them too; with group limits
    an extra row ``optimum_with_rules`` shows the plan as specified.

    Returns one row per method (index ``optimum``, [``optimum_with_rules``,]
    ``priority_order``, ``equal_shares``) with ``label_th``, ``label_en``, ``benefit``
    (Σ value, discounted for late starts as the model does), ``benefit_vs_optimum_pct``
    (100 × (benefit − optimum) / optimum), ``priority_sum``, ``projects``,
    ``households``, ``storage_m3``, ``area_rai``, ``spend_baht``, ``districts_reached``,
    ``min_district_share``, ``max_district_share`` (over every district among the
    candidates, or ``groups``) and ``status``. ``attrs["selected_ids"]`` maps method → ids.
    ``known``: a ``PlanResult`` of ``spec_or_budget`` itself (the report's plan), used for
    ``optimum_with_rules`` instead of solving again; it is also the first incumbent of
    the ``optimum`` solve (without the group rules it stays feasible).
    """
    spec = as_plan_spec(spec_or_budget, candidates, fiscal_year=fiscal_year,
                        only_ready=only_ready, must_include=must_include,
                        must_exclude=must_exclude)
    if groups is None and group_col in candidates.columns:
        groups = list(pd.unique(candidates[group_col].dropna()))
    fair = without_group_rules(spec)
    kw = dict(value_col=value_col, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    solved = _solve(candidates, fair, mip_start=known, **kw)
    runs: dict[str, tuple[dict[Hashable, int], str]] = {"optimum": (solved.starts,
                                                                    solved.status)}
    if spec.group_limits:
        ruled = _solve(candidates, spec, known=known, **kw)
        runs["optimum_with_rules"] = (ruled.starts, ruled.status)
    t0 = time.perf_counter()
    po = priority_order_pick(candidates, fair, value_col=value_col)
    t1 = time.perf_counter()
    es = equal_shares_pick(candidates, fair, group_col=group_col, groups=groups,
                           completion=completion, value_col=value_col)
    t2 = time.perf_counter()
    runs["priority_order"] = (po.starts, "heuristic")
    runs["equal_shares"] = (es.starts, "heuristic")
    rows = []
    for key, (starts, status) in runs.items():
        m = selection_metrics(candidates, starts, value_col=value_col, group_col=group_col,
                              groups=groups, start_discount=spec.start_discount,
                              first_year=spec.years[0])
        rows.append({"method": key, "label_th": text(f"selection.compare.method.{key}", "th"),
                     "label_en": text(f"selection.compare.method.{key}", "en"), **m,
                     "status": status})
    out = pd.DataFrame(rows).set_index("method")
    opt = float(out.loc["optimum", "benefit"])
    out["benefit_vs_optimum_pct"] = (100.0 * (out["benefit"] - opt) / opt) if opt > 0 else 0.0
    cols = ["label_th", "label_en", "benefit", "benefit_vs_optimum_pct", "priority_sum",
            "projects", "households", "storage_m3", "area_rai", "spend_baht",
            "districts_reached", "min_district_share", "max_district_share", "status"]
    out = out[[c for c in cols if c in out.columns]]
    out.attrs.update(kind="method", value_col=value_col, budget_baht=plan_total(spec),
                     years=[int(y) for y in spec.years],
                     selected_ids={k: list(v[0]) for k, v in runs.items()},
                     seconds={"optimum": solved.seconds, "priority_order": t1 - t0,
                              "equal_shares": t2 - t1},
                     equal_shares={k: es.info[k] for k in ("completion", "share_per_voter",
                                                           "initial_share", "runs",
                                                           "dropped")})
    return out


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------

_SCENARIO_ROWS = ("benefit", "benefit_base", "projects", "households", "storage_m3",
                  "area_rai", "spend_baht", "districts_reached", "jaccard_base")


def _jaccard(a: Iterable[Hashable], b: Iterable[Hashable]) -> float:
    """|A∩B| / |A∪B| (1 for two empty selections)."""
    a, b = set(a), set(b)
    return 1.0 if not a and not b else len(a & b) / len(a | b)


def compare_weightings(candidates: pd.DataFrame, weightings: Mapping[str, Mapping[str, float]],
                       spec_or_budget: Any | Mapping[str, Any], *, base: str | None = None,
                       fiscal_year: int | None = None, only_ready: bool = False,
                       must_include: Iterable[Hashable] = (),
                       must_exclude: Iterable[Hashable] = (), group_col: str = "district_code",
                       time_limit_s: float = 60, mip_rel_gap: float = 0.0,
                       mip_start: Any = None) -> pd.DataFrame:
    """Re-score the candidates with each set of weights, solve, and tabulate side by side.

    Args:
        weightings: scenario name → priority weights (``priority.weights``); the first is
            the base unless ``base`` names another.
        spec_or_budget: baht, a ``PlanSpec``, or a mapping scenario name → either (when
            scenarios differ in budget or rules).

    Returns:
        Rows (index): ``benefit`` (Σ priority under the scenario's own weights),
        ``benefit_base`` (the same selection valued with the base weights, comparable
        across columns), ``projects``, ``households``, ``storage_m3``, ``area_rai``,
        ``spend_baht``, ``districts_reached``, ``jaccard_base`` (|A∩B| / |A∪B| of the
        selected ids against the base plan). Columns: ``label_th``, ``label_en`` and one
        per scenario. ``attrs``: ``base``, ``selected_ids``, ``status``, ``weights``.

    ``mip_start`` (a plan, e.g. the report's) is HiGHS's first incumbent in every solve;
    the base scenario's plan is the start of the others.
    """
    from oneplan.selection import priority

    names = list(weightings)
    if not names:
        raise ValueError("give at least one weighting")
    base = names[0] if base is None else base
    if base not in weightings:
        raise ValueError(f"base {base!r} is not one of the weightings {names}")
    base_scored = priority.score_candidates(candidates, weightings[base])
    selected: dict[str, list[Hashable]] = {}
    status: dict[str, str] = {}
    metrics: dict[str, dict[str, float]] = {}
    starts: dict[str, dict[Hashable, int]] = {}
    for name in sorted(names, key=lambda n: n != base):  # the base first: it starts the rest
        scored = priority.score_candidates(candidates, weightings[name])
        sob = (spec_or_budget[name] if isinstance(spec_or_budget, Mapping)
               else spec_or_budget)
        spec = as_plan_spec(sob, candidates, fiscal_year=fiscal_year, only_ready=only_ready,
                            must_include=must_include, must_exclude=must_exclude)
        s = _solve(scored, spec, value_col="priority", time_limit_s=time_limit_s,
                   mip_rel_gap=mip_rel_gap,
                   mip_start=mip_start if name == base or base not in starts else starts[base])
        selected[name], status[name] = s.selected_ids, s.status
        starts[name] = s.starts
        disc = dict(start_discount=spec.start_discount, first_year=spec.years[0])
        m = selection_metrics(scored, s.starts, group_col=group_col, **disc)
        m["benefit_base"] = selection_metrics(base_scored, s.starts, group_col=group_col,
                                              **disc)["benefit"]
        metrics[name] = m
    for name in names:
        metrics[name]["jaccard_base"] = _jaccard(selected[name], selected[base])
    rows = list(_SCENARIO_ROWS)
    labels = pairs("selection.compare.label")
    out = pd.DataFrame({
        "label_th": [labels[r][0] for r in rows],
        "label_en": [labels[r][1] for r in rows],
        **{name: [float(metrics[name].get(r, np.nan)) for r in rows] for name in names},
    }, index=pd.Index(rows, name="indicator"))
    out.attrs.update(kind="indicator", base=base, selected_ids=selected, status=status,
                     weights={n: dict(w) for n, w in weightings.items()},
                     scenario_labels={n: SCENARIO_LABELS.get(n, (n, n)) for n in names})
    return out


def compare_scenarios(province_code: str, scenarios: Sequence[str], *,
                      db_path: str | Path | None = None, fiscal_year: int | None = None,
                      multi_year: bool = True, include_default: bool = True,
                      overrides: Mapping[str, Any] | None = None, mip_start: Any = None,
                      time_limit_s: float | None = None,
                      mip_rel_gap: float | None = None) -> pd.DataFrame:
    """Compare weight scenarios for one province (see :func:`compare_weightings`).

    Each scenario's parameters come from ``load_params(province_code, scenario)``; its
    weights re-score the province's candidates and its budget and rules apply. The base
    is the run without a scenario (column ``default``) unless ``include_default=False``,
    when the first scenario is the base. By default the plan is the multi-year plan of the
    ``plan`` section (years, yearly budgets, readiness, district floors and caps,
    committed/excluded projects); ``multi_year=False`` compares one-year selections
    (``portfolio.budget_baht``, ``only_ready``). ``mip_start``: a plan handed to HiGHS as
    the first incumbent (see :func:`compare_weightings`); ``time_limit_s`` /
    ``mip_rel_gap`` override the params' ``portfolio`` settings.
    """
    from oneplan.core import areas
    from oneplan.data import db
    from oneplan.data.params import load_params

    names = (["default"] if include_default else []) + [s for s in scenarios if s != "default"]
    if not names:
        raise ValueError("give at least one scenario")
    layer = dict(overrides or {})
    if fiscal_year:
        layer["fiscal_year"] = int(fiscal_year)
    params = {n: load_params(province_code, None if n == "default" else n, layer)
              for n in names}
    fy = params[names[0]].fiscal_year
    prov = areas.province(province_code)
    con = db.connect(db_path, read_only=True)
    try:
        cands = db.water_candidates(con, prov.code, fy,
                                    fund_source=params[names[0]].plan.fund_source)
    finally:
        con.close()
    specs: dict[str, Any] = {}
    first = params[names[0]]
    for n, p in params.items():
        if multi_year:
            specs[n] = plan_spec(p)
        else:
            specs[n] = as_plan_spec(p.portfolio.budget_baht, cands, fiscal_year=fy,
                                    only_ready=p.portfolio.only_ready,
                                    must_include=p.plan.must_include,
                                    must_exclude=p.plan.must_exclude)
    out = compare_weightings(
        cands, {n: params[n].priority.weights for n in names}, specs,
        time_limit_s=first.portfolio.time_limit_s if time_limit_s is None else time_limit_s,
        mip_rel_gap=first.portfolio.mip_rel_gap if mip_rel_gap is None else mip_rel_gap,
        mip_start=mip_start)
    out.attrs.update(province_code=prov.code, fiscal_year=fy, multi_year=multi_year)
    return out

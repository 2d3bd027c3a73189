"""Comparisons around the water plan: budget frontier, scenarios and baseline methods.

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
    *What does optimisation add over today's practice?* The optimum next to two baselines
    on the same candidates and the same rules:

    * :func:`priority_order_pick`: sort by priority, fund while the budget lasts (skip what
      does not fit, continue) — how plans are usually drawn up by hand;
    * :func:`equal_shares_pick`: the **Method of Equal Shares** (Peters & Skowron) with the
      districts as voters, each holding an equal share of the budget.

Fair comparison
---------------
The baselines see exactly the projects the optimum may fund (:func:`available_mask`):
eligible (``eligible``, default True), not excluded, able to start (not before
``earliest_start``; not in the first year unless ``ready`` when readiness is required) and
finish (``cost_profile``) inside the plan years. Each funded project starts in the earliest
year its cost profile fits what is left of the yearly budgets. Committed projects
(must-include, fixed starts) are funded first by every method. A project that ``requires``
another is funded only with it (starting no earlier), and at most one project of an
``alternative_group`` is funded. Group floors/caps and the revision terms of a ``PlanSpec``
are *not* applied to the baselines, so :func:`compare_methods` solves the optimum without
them (and shows the plan with them on an extra row). Benefit is Σ value, discounted for
late starts exactly as the model's objective (``start_discount``).

Method of Equal Shares: library decision
----------------------------------------
``pabutools`` (1.2.3, the reference implementation by the MES authors) was evaluated and
not used: it is GPL-3.0-or-later (oneplan is MIT, and a GPL runtime dependency would make
the distributed whole GPL), and it hard-requires ``gurobipy`` (a 15 MB proprietary solver
wheel) and ``gmpy2`` even though MES needs neither. The rule is short; it is implemented
here (:func:`method_of_equal_shares`) with the exact "poor/rich" payment computation for
cardinal utilities and tested on hand-worked examples. It was cross-checked against
pabutools 1.2.3 outside the test suite: identical outcomes on 800 random cardinal
instances (MES alone, and Add1 with ``voter_budget_increment=1``).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from oneplan.core.labels import SCENARIO_LABELS
from oneplan.selection import portfolio

__all__ = [
    "DEFAULT_FRACTIONS",
    "LABELS",
    "METHOD_LABELS",
    "SCENARIO_LABELS",
    "EqualSharesOutcome",
    "PickResult",
    "available_mask",
    "budget_frontier",
    "compare_methods",
    "compare_scenarios",
    "compare_weightings",
    "equal_shares_pick",
    "localise",
    "method_of_equal_shares",
    "priority_order_pick",
    "selection_metrics",
]

log = logging.getLogger(__name__)

DEFAULT_FRACTIONS: tuple[float, ...] = (0.5, 0.625, 0.75, 0.875, 1.0, 1.125, 1.25, 1.375, 1.5)
"""Budget fractions of :func:`budget_frontier` (also ``plan.frontier_fractions``)."""

_DEFAULT_FY = 2570
_TOL = 1e-9

# --------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------

LABELS: dict[str, tuple[str, str]] = {
    "fraction": ("สัดส่วนของงบปัจจุบัน", "Share of current budget"),
    "budget_baht": ("งบประมาณ (บาท)", "Budget (baht)"),
    "objective": ("ค่าเป้าหมายของแบบจำลอง", "Model objective"),
    "benefit": ("ประโยชน์รวม (คะแนนความสำคัญ)", "Total benefit (priority points)"),
    "benefit_base": ("ประโยชน์รวมตามน้ำหนักฐาน", "Benefit at base weights"),
    "projects": ("จำนวนโครงการ", "Projects"),
    "households": ("ครัวเรือนได้ประโยชน์", "Households served"),
    "storage_m3": ("ความจุเพิ่ม (ลบ.ม.)", "Storage added (m³)"),
    "area_rai": ("พื้นที่ได้ประโยชน์ (ไร่)", "Area benefited (rai)"),
    "spend_baht": ("งบที่ใช้ (บาท)", "Spend (baht)"),
    "districts_reached": ("อำเภอที่ได้รับโครงการ", "Districts reached"),
    "min_district_share": ("สัดส่วนงบต่ำสุดของอำเภอ", "Smallest district share"),
    "max_district_share": ("สัดส่วนงบสูงสุดของอำเภอ", "Largest district share"),
    "benefit_vs_optimum_pct": ("ประโยชน์ต่างจากแผนที่ดีที่สุด (%)", "Benefit vs optimum (%)"),
    "jaccard_base": ("ความซ้ำกับแผนฐาน (Jaccard)", "Overlap with base plan (Jaccard)"),
    "status": ("สถานะตัวแก้ปัญหา", "Solver status"),
    "gap": ("ช่องว่างจากขอบเขตบน (gap)", "MIP gap"),
    "solve_seconds": ("เวลาคำนวณ (วินาที)", "Solve time (s)"),
    "marginal_benefit_per_million": ("ประโยชน์ที่เพิ่มต่องบเพิ่ม 1 ล้านบาท",
                                     "Extra benefit per extra million baht"),
    "current": ("งบปัจจุบัน", "Current budget"),
    "method": ("วิธีคัดเลือก", "Method"),
    "indicator": ("ตัวชี้วัด", "Indicator"),
}
"""Column / indicator key → (Thai, English)."""

METHOD_LABELS: dict[str, tuple[str, str]] = {
    "optimum": ("แผนที่ดีที่สุด (แบบจำลองคณิตศาสตร์)", "Optimum (optimisation model)"),
    "optimum_with_rules": ("แผนที่ดีที่สุด ตามเกณฑ์รายอำเภอของแผน",
                           "Optimum with the plan's group rules"),
    "priority_order": ("เรียงตามคะแนน จัดสรรจนงบหมด (วิธีปัจจุบัน)",
                       "Priority order until the budget runs out (current practice)"),
    "equal_shares": ("แบ่งงบเท่ากันทุกอำเภอ (Method of Equal Shares)",
                     "Equal shares across districts (Method of Equal Shares)"),
}



def _check_lang(lang: str) -> int:
    if lang not in ("th", "en"):
        raise ValueError(f"unknown language {lang!r}; use 'th' or 'en'")
    return 0 if lang == "th" else 1


def localise(table: pd.DataFrame, lang: str = "th") -> pd.DataFrame:
    """A display copy of a table of this module with Thai (default) or English labels.

    Column keys found in :data:`LABELS` are renamed; a table with ``label_th``/``label_en``
    columns gets those as its index (and loses them); scenario columns are renamed with
    :data:`SCENARIO_LABELS`.
    """
    k = _check_lang(lang)
    out = table.copy()
    if {"label_th", "label_en"} <= set(out.columns):
        out.index = pd.Index(out[f"label_{lang}"].to_numpy(),
                             name=LABELS["method" if table.attrs.get("kind") == "method"
                                         else "indicator"][k])
        out = out.drop(columns=["label_th", "label_en"])
    rename = {c: LABELS[c][k] for c in out.columns if c in LABELS}
    rename.update({c: SCENARIO_LABELS[c][k] for c in out.columns if c in SCENARIO_LABELS})
    return out.rename(columns=rename)


# --------------------------------------------------------------------------------------
# Budgets: a number or a PlanSpec
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """The budget side of a spec, normalised: one number becomes a one-year plan."""

    years: tuple[int, ...]
    budget_by_year: Mapping[int, float]
    readiness_first_year: bool
    must_include: tuple[Hashable, ...] = ()
    must_exclude: tuple[Hashable, ...] = ()
    start_discount: float = 1.0
    fixed_start: Mapping[Hashable, int] = field(default_factory=dict)
    spec: Any = None  # the caller's PlanSpec, if one was given

    @property
    def total(self) -> float:
        return float(sum(self.budget_by_year.values()))

    def scaled(self, fraction: float) -> "_Plan":
        budgets = {y: float(b) * fraction for y, b in self.budget_by_year.items()}
        spec = self.spec
        if spec is not None:
            spec = dataclasses.replace(spec, budget_by_year=budgets)
        return dataclasses.replace(self, budget_by_year=budgets, spec=spec)

    @property
    def has_group_limits(self) -> bool:
        return bool(self.spec is not None and getattr(self.spec, "group_limits", ()))

    def for_baselines(self) -> "_Plan":
        """The same plan without what the baselines cannot honour: group floors/caps and
        the revision terms (``baseline``, ``stability_penalty``)."""
        if self.spec is None:
            return self
        changes: dict[str, Any] = {}
        if getattr(self.spec, "group_limits", ()):
            changes["group_limits"] = ()
        if getattr(self.spec, "baseline", None) is not None:
            changes["baseline"] = None
        if getattr(self.spec, "stability_penalty", 0.0):
            changes["stability_penalty"] = 0.0
        if not changes:
            return self
        return dataclasses.replace(self, spec=dataclasses.replace(self.spec, **changes))


def _fiscal_year(candidates: pd.DataFrame, fiscal_year: int | None) -> int:
    if fiscal_year is not None:
        return int(fiscal_year)
    if "fiscal_year" in candidates.columns and len(candidates):
        return int(pd.to_numeric(candidates["fiscal_year"]).mode().iloc[0])
    return _DEFAULT_FY


def _as_plan(spec_or_budget: Any, candidates: pd.DataFrame, *, fiscal_year: int | None = None,
             only_ready: bool = False, must_include: Iterable[Hashable] = (),
             must_exclude: Iterable[Hashable] = ()) -> _Plan:
    if isinstance(spec_or_budget, _Plan):
        return spec_or_budget
    include, exclude = tuple(dict.fromkeys(must_include)), tuple(dict.fromkeys(must_exclude))
    if isinstance(spec_or_budget, (int, float, np.integer, np.floating)) and not isinstance(
            spec_or_budget, bool):
        budget = float(spec_or_budget)
        if not math.isfinite(budget) or budget < 0:
            raise ValueError(f"budget must be a finite number ≥ 0, got {spec_or_budget!r}")
        fy = _fiscal_year(candidates, fiscal_year)
        return _Plan((fy,), {fy: budget}, bool(only_ready), include, exclude)
    spec = spec_or_budget
    if not (hasattr(spec, "years") and hasattr(spec, "budget_by_year")):
        raise TypeError(
            f"expected a budget in baht or a PlanSpec, got {type(spec_or_budget).__name__}")
    years = tuple(int(y) for y in spec.years)
    if not years or any(b - a != 1 for a, b in zip(years, years[1:])):
        raise ValueError(f"plan years must be consecutive fiscal years, got {list(years)}")
    budgets = {int(y): float(spec.budget_by_year[y]) for y in spec.years}
    include += tuple(k for k in getattr(spec, "must_include", {}) or {} if k not in include)
    exclude += tuple(k for k in getattr(spec, "must_exclude", {}) or {} if k not in exclude)
    return _Plan(years, budgets, bool(getattr(spec, "readiness_first_year", True)),
                 include, exclude, float(getattr(spec, "start_discount", 1.0) or 1.0),
                 dict(getattr(spec, "fixed_start", {}) or {}), spec)


# --------------------------------------------------------------------------------------
# Which projects a plan may fund, and when they may start
# --------------------------------------------------------------------------------------


def _bool_col(frame: pd.DataFrame, col: str, default: bool) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), default, dtype=bool)
    # a copy: to_numpy may return the frame's own buffer, and callers update it in place
    return np.array(frame[col].astype("boolean").fillna(default).to_numpy(dtype=bool),
                    dtype=bool, copy=True)


def _profile(value: Any) -> np.ndarray:
    """Yearly cost shares; missing → ``(1.0,)``; normalised to sum 1."""
    if isinstance(value, (list, tuple, np.ndarray)) and len(value):
        arr = np.asarray(value, dtype=float)
        if np.isfinite(arr).all() and (arr >= 0).all() and arr.sum() > 0:
            return arr / arr.sum()
        raise ValueError(f"cost_profile must be shares ≥ 0 summing to 1, got {value!r}")
    return np.ones(1)


def _opt(value: Any) -> Any:
    """``None`` for a missing optional id/group (None, NA, NaN)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _first_starts(candidates: pd.DataFrame, years: Sequence[int],
                  readiness: bool) -> np.ndarray:
    """Earliest fiscal year each project may start (may lie beyond the plan)."""
    y0 = int(years[0])
    start = np.full(len(candidates), y0, dtype=np.int64)
    if readiness:
        start[~_bool_col(candidates, "ready", True)] = y0 + 1
    if "earliest_start" in candidates.columns:
        es = pd.to_numeric(candidates["earliest_start"], errors="coerce")
        es = es.fillna(y0).to_numpy(dtype=float).astype(np.int64)
        start = np.maximum(start, es)
    return start


def available_mask(candidates: pd.DataFrame, years: int | Sequence[int], *,
                   readiness: bool = True, must_include: Iterable[Hashable] = (),
                   must_exclude: Iterable[Hashable] = ()) -> pd.Series:
    """Projects a plan over ``years`` (one fiscal year or consecutive ones) may fund.

    True when: ``eligible`` (default True), not in ``must_exclude``, and the project can
    start and finish inside the plan — it starts no earlier than its ``earliest_start``
    and, if ``readiness`` (``readiness_first_year``), not in the first year unless
    ``ready``; its ``cost_profile`` (default one year) must end by the last year.
    Committed projects (``must_include``) are always available. A project that
    ``requires`` an unavailable (or unknown) project is unavailable too.
    """
    years = (int(years),) if isinstance(years, (int, np.integer)) else tuple(years)
    ids = candidates["project_id"]
    ok = _bool_col(candidates, "eligible", True)
    first = _first_starts(candidates, years, readiness)
    length = (np.array([len(_profile(v)) for v in candidates["cost_profile"]])
              if "cost_profile" in candidates.columns else np.ones(len(candidates), int))
    ok &= first + length - 1 <= years[-1]
    ok &= ~ids.isin(list(must_exclude)).to_numpy(dtype=bool)
    ok |= ids.isin(list(must_include)).to_numpy(dtype=bool)
    if "requires" in candidates.columns:  # propagate along requirement chains
        avail = dict(zip(ids, ok))
        req = {pid: _opt(r) for pid, r in zip(ids, candidates["requires"])}
        changed = True
        while changed:
            changed = False
            for pid, r in req.items():
                if avail[pid] and r is not None and not avail.get(r, False):
                    avail[pid] = False
                    changed = True
        ok = np.array([avail[pid] for pid in ids], dtype=bool)
    return pd.Series(ok, index=candidates.index, name="available")


# --------------------------------------------------------------------------------------
# Solving the optimum (plan_portfolio when it exists, else the one-year select_projects)
# --------------------------------------------------------------------------------------


@dataclass
class _Solved:
    starts: dict[Hashable, int]  # selected project id -> start year
    status: str
    objective: float
    gap: float | None
    seconds: float
    spend: float

    @property
    def selected_ids(self) -> list[Hashable]:
        return list(self.starts)


def _spec_for(plan: _Plan) -> Any:
    if plan.spec is not None:
        return plan.spec
    return portfolio.PlanSpec(  # type: ignore[attr-defined]
        years=list(plan.years), budget_by_year=dict(plan.budget_by_year),
        must_include={pid: "committed" for pid in plan.must_include},
        must_exclude={pid: "excluded" for pid in plan.must_exclude},
        readiness_first_year=plan.readiness_first_year)


def _solve(candidates: pd.DataFrame, plan: _Plan, *, value_col: str, time_limit_s: float,
           mip_rel_gap: float, mip_start: Any = None, known: Any = None) -> _Solved:
    """The optimum of ``plan``; ``known`` (a ``PlanResult`` of exactly this problem, e.g.
    the report's own plan) is read instead of solving again; ``mip_start`` (a plan) is
    HiGHS's first incumbent (see ``portfolio.plan_portfolio``)."""
    res = known if known is not None else portfolio.plan_portfolio(
        candidates, _spec_for(plan), value_col=value_col, time_limit_s=time_limit_s,
        mip_rel_gap=mip_rel_gap, mip_start=mip_start)
    sel = res.plan[res.plan["selected"].astype(bool)]
    starts = {pid: int(y) for pid, y in zip(sel["project_id"], sel["start_year"])}
    spend = float(sum(res.spend_by_year.values()))
    return _Solved(starts, res.status, float(res.objective), res.gap,
                   float(res.solve_seconds), spend)


# --------------------------------------------------------------------------------------
# Indicators of a selection
# --------------------------------------------------------------------------------------


def _col_sum(frame: pd.DataFrame, col: str) -> float:
    if col not in frame.columns:
        return float("nan")
    return float(pd.to_numeric(frame[col], errors="coerce").sum())


def selection_metrics(candidates: pd.DataFrame,
                      selection: Iterable[Hashable] | Mapping[Hashable, int], *,
                      value_col: str = "priority", group_col: str = "district_code",
                      groups: Sequence[Hashable] | None = None, start_discount: float = 1.0,
                      first_year: int | None = None) -> dict[str, float]:
    """Benefit, projects, households, storage, area, spend and district spread of a selection.

    ``selection`` is a collection of project ids, or a mapping id → start year. With start
    years, ``benefit`` counts each value × ``start_discount ** (start − first_year)`` (the
    plan model's objective without revision terms); ``priority_sum`` is always the plain
    Σ value. ``spend_baht`` is the total cost of the selected projects; district shares are
    each group's part of it, over ``groups`` (default: every group among the candidates,
    so a district without a selected project has share 0).
    """
    starts = dict(selection) if isinstance(selection, Mapping) else None
    ids = set(starts) if starts is not None else set(selection)
    chosen = candidates[candidates["project_id"].isin(ids)]
    spend = _col_sum(chosen, "cost_baht")
    values = pd.to_numeric(chosen[value_col], errors="coerce")
    benefit = float(values.sum())
    if starts is not None and start_discount != 1.0 and first_year is not None and len(chosen):
        delay = np.array([starts[p] - first_year for p in chosen["project_id"]], dtype=float)
        benefit = float((values.to_numpy(dtype=float) * start_discount ** delay).sum())
    out: dict[str, float] = {
        "benefit": benefit,
        "priority_sum": float(values.sum()),
        "projects": int(len(chosen)),
        "households": _col_sum(chosen, "households_served"),
        "storage_m3": _col_sum(chosen, "storage_m3"),
        "area_rai": _col_sum(chosen, "area_rai"),
        "spend_baht": spend,
    }
    if group_col in candidates.columns:
        all_groups = list(groups) if groups is not None else list(
            pd.unique(candidates[group_col].dropna()))
        by = chosen.groupby(group_col)["cost_baht"].sum().reindex(all_groups).fillna(0.0)
        share = by / spend if spend > 0 else by * 0.0
        out["districts_reached"] = int(chosen[group_col].dropna().nunique())
        out["min_district_share"] = float(share.min()) if len(share) else float("nan")
        out["max_district_share"] = float(share.max()) if len(share) else float("nan")
    return out


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
    plan = _as_plan(spec_or_budget, candidates, fiscal_year=fiscal_year, only_ready=only_ready,
                    must_include=must_include, must_exclude=must_exclude)
    rows = []
    previous: dict[Hashable, int] | None = None
    for f in fr:
        scaled = plan.scaled(f)
        row: dict[str, Any] = {"fraction": f, "budget_baht": scaled.total}
        try:
            s = _solve(candidates, scaled, value_col=value_col, time_limit_s=time_limit_s,
                       mip_rel_gap=mip_rel_gap, mip_start=previous,
                       known=known if math.isclose(f, 1.0) else None)
            previous = s.starts
        except portfolio.InfeasibleSelectionError as exc:
            log.info("frontier: budget fraction %g is infeasible: %s", f, exc)
            row.update(objective=np.nan, benefit=np.nan, priority_sum=np.nan, projects=np.nan,
                       households=np.nan, spend_baht=np.nan, status="infeasible", gap=np.nan,
                       solve_seconds=np.nan)
            rows.append(row)
            continue
        m = selection_metrics(candidates, s.starts, value_col=value_col,
                              start_discount=plan.start_discount, first_year=plan.years[0])
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
    out.attrs.update(kind="frontier", value_col=value_col, budget_baht=plan.total,
                     years=list(plan.years))
    return out


# --------------------------------------------------------------------------------------
# Baselines: shared bookkeeping (choices, requirements, alternatives, yearly budgets)
# --------------------------------------------------------------------------------------


@dataclass
class PickResult:
    """A plan made by a baseline method.

    ``plan`` is a copy of the candidates with ``selected`` (bool), ``start_year`` (Int64,
    NA when not selected), ``cost_<year>`` per plan year (as in ``PlanResult.plan``),
    ``pick_order`` (Int64, 1 = funded first) and ``pick_stage`` (``committed``,
    ``priority``, ``mes``, ``completion``; empty when not selected).
    """

    method: str
    plan: pd.DataFrame
    budget_by_year: dict[int, float]
    spend_by_year: dict[int, float]
    value_col: str
    start_discount: float = 1.0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def selected_ids(self) -> list[Hashable]:
        sel = self.plan[self.plan["selected"]].sort_values("pick_order")
        return sel["project_id"].tolist()

    @property
    def starts(self) -> dict[Hashable, int]:
        sel = self.plan[self.plan["selected"]].sort_values("pick_order")
        return {p: int(y) for p, y in zip(sel["project_id"], sel["start_year"])}

    @property
    def spend(self) -> float:
        return float(sum(self.spend_by_year.values()))

    @property
    def benefit(self) -> float:
        """Σ value of the selected projects, discounted for late starts like the model."""
        return selection_metrics(self.plan, self.starts, value_col=self.value_col,
                                 group_col="", start_discount=self.start_discount,
                                 first_year=min(self.budget_by_year))["benefit"]


@dataclass
class _Pool:
    """Candidates as arrays, with the rules the baselines honour."""

    ids: list[Hashable]
    cost: np.ndarray
    value: np.ndarray
    available: np.ndarray
    first_start: np.ndarray      # earliest start year
    profile: list[np.ndarray]    # yearly cost shares
    requires: list[int]          # index of the required project, -1 for none
    group: list[Hashable | None]  # alternative group
    committed: list[int]         # requirements before dependants
    fixed_start: dict[int, int]
    rank: np.ndarray             # tie-break rank: higher value, lower cost, input order


def _pool(candidates: pd.DataFrame, plan: _Plan, value_col: str) -> _Pool:
    for col in ("project_id", "cost_baht", value_col):
        if col not in candidates.columns:
            raise ValueError(f"column {col!r} is missing from the candidates")
    ids = candidates["project_id"].tolist()
    if len(set(ids)) != len(ids):
        raise ValueError("duplicated project ids in the candidates")
    cost = pd.to_numeric(candidates["cost_baht"], errors="coerce").to_numpy(dtype=float)
    value = pd.to_numeric(candidates[value_col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(cost) | (cost < 0) | ~np.isfinite(value)
    if bad.any():
        raise ValueError("cost_baht must be finite and ≥ 0 and the value finite; not so for: "
                         + ", ".join(map(str, np.asarray(ids, dtype=object)[bad][:10])))
    position = {pid: k for k, pid in enumerate(ids)}
    fixed = dict(plan.fixed_start)
    wanted = list(plan.must_include) + [p for p in fixed if p not in plan.must_include]
    unknown = [p for p in wanted + list(plan.must_exclude) if p not in position]
    if unknown:
        raise ValueError(f"must_include/must_exclude/fixed_start list unknown project id(s): "
                         f"{unknown[:10]}")
    both = set(wanted) & set(plan.must_exclude)
    if both:
        raise portfolio.InfeasibleSelectionError(
            f"project(s) both committed and excluded: {sorted(map(str, both))}")
    avail = available_mask(candidates, plan.years, readiness=plan.readiness_first_year,
                           must_include=wanted, must_exclude=plan.must_exclude).to_numpy()
    req = [-1] * len(ids)
    if "requires" in candidates.columns:
        for k, r in enumerate(candidates["requires"]):
            r = _opt(r)
            if r is not None:
                req[k] = position.get(r, -2)  # -2: requires an unknown project
                if req[k] == -2:
                    avail[k] = False
    grp = ([_opt(g) for g in candidates["alternative_group"]]
           if "alternative_group" in candidates.columns else [None] * len(ids))
    profiles = ([_profile(v) for v in candidates["cost_profile"]]
                if "cost_profile" in candidates.columns else [np.ones(1)] * len(ids))
    committed: list[int] = []

    def visit(k: int) -> None:  # requirements first
        if k in committed:
            return
        if req[k] >= 0 and ids[req[k]] in wanted:
            visit(req[k])
        committed.append(k)

    for p in wanted:
        visit(position[p])
    order = np.lexsort((np.arange(len(ids)), cost, -value))
    rank = np.empty(len(ids), dtype=int)
    rank[order] = np.arange(len(ids))
    return _Pool(ids, cost, value, avail, _first_starts(candidates, plan.years,
                                                       plan.readiness_first_year),
                 profiles, req, grp, committed,
                 {position[p]: int(y) for p, y in fixed.items()}, rank)


class _Choice:
    """Chosen projects with the requirement / alternative-group bookkeeping (no years)."""

    def __init__(self, pool: _Pool):
        self.pool = pool
        self.chosen: list[int] = []
        self.is_chosen = np.zeros(len(pool.ids), dtype=bool)
        self.groups_taken: set[Hashable] = set()
        self.stage: dict[int, str] = {}

    def add(self, k: int, stage: str) -> None:
        self.chosen.append(k)
        self.is_chosen[k] = True
        self.stage[k] = stage
        if self.pool.group[k] is not None:
            self.groups_taken.add(self.pool.group[k])

    def open(self, k: int) -> bool:
        """Available, not chosen, its alternative group not yet taken."""
        p = self.pool
        return bool(p.available[k] and not self.is_chosen[k]
                    and (p.group[k] is None or p.group[k] not in self.groups_taken))

    def needs_met(self, k: int) -> bool:
        r = self.pool.requires[k]
        return r == -1 or (r >= 0 and bool(self.is_chosen[r]))

    def chain(self, k: int) -> list[int] | None:
        """``k`` and the unselected projects it requires (required first); None if blocked."""
        out, groups, j = [], set(), k
        while j >= 0 and not self.is_chosen[j]:
            if j in out or not self.open(j):
                return None
            g = self.pool.group[j]
            if g is not None:
                if g in groups:
                    return None
                groups.add(g)
            out.append(j)
            j = self.pool.requires[j]
        if j == -2:
            return None
        return out[::-1]


class _State(_Choice):
    """A :class:`_Choice` whose projects are also scheduled within the yearly budgets."""

    def __init__(self, pool: _Pool, plan: _Plan):
        super().__init__(pool)
        self.years = tuple(plan.years)
        self.left = {y: float(plan.budget_by_year[y]) for y in self.years}
        self.start: dict[int, int] = {}

    def copy(self) -> "_State":
        new = _State.__new__(_State)
        new.pool, new.years = self.pool, self.years
        new.chosen, new.is_chosen = list(self.chosen), self.is_chosen.copy()
        new.groups_taken, new.stage = set(self.groups_taken), dict(self.stage)
        new.left, new.start = dict(self.left), dict(self.start)
        return new

    def _fits(self, k: int, t: int) -> bool:
        spend = self.pool.cost[k] * self.pool.profile[k]
        if t + len(spend) - 1 > self.years[-1] or t < self.years[0]:
            return False
        return all(s <= self.left[t + i] * (1 + 1e-12) + _TOL for i, s in enumerate(spend))

    def earliest(self, k: int) -> int | None:
        """Earliest start at which ``k`` fits the budgets left (and after its requirement)."""
        lo = int(self.pool.first_start[k])
        r = self.pool.requires[k]
        if r >= 0:
            if r not in self.start:
                return None
            lo = max(lo, self.start[r])
        for t in range(max(lo, self.years[0]), self.years[-1] + 1):
            if self._fits(k, t):
                return t
        return None

    def place(self, k: int, t: int, stage: str) -> None:
        for i, s in enumerate(self.pool.cost[k] * self.pool.profile[k]):
            self.left[t + i] -= s
        self.start[k] = t
        self.add(k, stage)

    def try_add(self, k: int, stage: str) -> bool:
        t = self.earliest(k)
        if t is None:
            return False
        self.place(k, t, stage)
        return True

    def try_chain(self, chain: Sequence[int], stage: str) -> bool:
        trial = self.copy()
        for k in chain:
            if not trial.try_add(k, stage):
                return False
        self.__dict__.update(trial.__dict__)
        return True

    @property
    def spend_by_year(self) -> dict[int, float]:
        spend = {y: 0.0 for y in self.years}
        for k, t in self.start.items():
            for i, s in enumerate(self.pool.cost[k] * self.pool.profile[k]):
                spend[t + i] += s
        return spend


def _commit(pool: _Pool, plan: _Plan) -> _State:
    """A state with the committed projects funded (at their fixed start, else earliest)."""
    state = _State(pool, plan)
    for k in pool.committed:
        t = pool.fixed_start.get(k)
        if t is None:
            t = state.earliest(k)
        elif not state._fits(k, t):
            t = None
        if t is None:
            committed = [pool.ids[j] for j in pool.committed]
            raise portfolio.InfeasibleSelectionError(
                f"committed project {pool.ids[k]} does not fit the yearly budgets "
                f"{dict(plan.budget_by_year)} next to the other committed projects "
                f"{committed[:10]}")
        state.place(k, t, "committed")
    return state


def _pick_result(method: str, candidates: pd.DataFrame, state: _State, plan: _Plan,
                 value_col: str, info: dict[str, Any]) -> PickResult:
    out = candidates.copy()
    n = len(out)
    order: list[int | None] = [None] * n
    start: list[int | None] = [None] * n
    stage = [""] * n
    for i, k in enumerate(state.chosen, start=1):
        order[k], start[k], stage[k] = i, state.start[k], state.stage[k]
    out["selected"] = state.is_chosen.copy()
    out["start_year"] = pd.array(start, dtype="Int64")
    for y in state.years:
        col = np.zeros(n)
        for k, t in state.start.items():
            prof = state.pool.profile[k]
            if 0 <= y - t < len(prof):
                col[k] = state.pool.cost[k] * prof[y - t]
        out[f"cost_{y}"] = col
    out["pick_order"] = pd.array(order, dtype="Int64")
    out["pick_stage"] = stage
    return PickResult(method, out, dict(plan.budget_by_year), state.spend_by_year, value_col,
                      plan.start_discount, info)


def priority_order_pick(candidates: pd.DataFrame, budget: Any, *, value_col: str = "priority",
                        fiscal_year: int | None = None, only_ready: bool = False,
                        must_include: Iterable[Hashable] = (),
                        must_exclude: Iterable[Hashable] = ()) -> PickResult:
    """The way plans are drawn up by hand: highest priority first while the budget lasts.

    ``budget`` is baht (a one-year plan for ``fiscal_year``, ``only_ready`` as
    ``portfolio.only_ready``) or a ``PlanSpec`` (its years, yearly budgets, readiness,
    committed/excluded projects and fixed starts; group limits are not applied).

    Committed projects are funded first. Then the available projects (the optimum's rules,
    see :func:`available_mask`) are taken in descending ``value_col`` (ties: the cheaper
    first, then input order); each starts in the earliest year in which its cost profile
    fits what is left of the yearly budgets; one that fits no start year is skipped and
    the next is tried. A project that ``requires`` an unselected one is funded together
    with it (the required one first, starting no later) when both fit, else skipped; only
    the first project of an ``alternative_group`` is funded.
    """
    plan = _as_plan(budget, candidates, fiscal_year=fiscal_year, only_ready=only_ready,
                    must_include=must_include, must_exclude=must_exclude)
    pool = _pool(candidates, plan, value_col)
    state = _commit(pool, plan)
    for k in np.argsort(pool.rank, kind="stable"):
        if not state.open(int(k)):
            continue
        chain = state.chain(int(k))
        if chain is not None:
            state.try_chain(chain, "priority")
    return _pick_result("priority_order", candidates, state, plan, value_col, {})


# --------------------------------------------------------------------------------------
# Method of Equal Shares
# --------------------------------------------------------------------------------------


@dataclass
class EqualSharesOutcome:
    """Result of :func:`method_of_equal_shares`.

    ``selected``: project ids in the order they were funded. ``stage``: id → ``mes`` (the
    rule itself, at the final share), ``completion`` (utilitarian greedy fill) or
    ``committed``. ``share_per_voter``: the equal share the MES stage ran with (raised
    from ``initial_share`` by the Add1 completion). ``payments``: voter → amount paid in
    the MES stage. ``runs``: how many times the MES stage was run.
    """

    selected: list[Hashable]
    stage: dict[Hashable, str]
    share_per_voter: float
    initial_share: float
    payments: dict[Hashable, float]
    spend: float
    runs: int


def _rho(cost: float, b: np.ndarray, u: np.ndarray) -> float:
    """Smallest ρ with Σ_i min(b_i, ρ·u_i) = cost (the "poor/rich" computation).

    Supporters are taken in increasing ``b_i/u_i``; the poorest pay all they have while
    the rest pay ρ per unit of utility. ``inf`` when they cannot afford the project.
    """
    order = np.argsort(b / u, kind="stable")
    remaining, u_rest = cost, float(u.sum())
    for i in order:
        if u_rest <= 0:
            break
        rho = remaining / u_rest
        if b[i] >= rho * u[i] - _TOL * max(1.0, rho * u[i]):
            return max(rho, 0.0)
        remaining -= b[i]
        u_rest -= u[i]
    return math.inf


class _MES:
    """The MES stage on index arrays; :meth:`run` for one equal share per voter."""

    def __init__(self, pool: _Pool, sup_idx: list[np.ndarray], sup_u: list[np.ndarray],
                 n_voters: int, committed: _State):
        self.pool, self.sup_idx, self.sup_u, self.n = pool, sup_idx, sup_u, n_voters
        self.committed = committed
        self.total_u = np.array([float(u.sum()) for u in sup_u])
        self.cands = [k for k in range(len(pool.ids))
                      if pool.available[k] and not committed.is_chosen[k]
                      and self.total_u[k] > 0]
        self.runs = 0

    def run(self, share: float) -> tuple[_Choice, np.ndarray]:
        """MES with ``share`` per voter: which projects, in order; money left per voter."""
        self.runs += 1
        pool = self.pool
        choice = _Choice(pool)
        for k in self.committed.chosen:
            choice.add(k, "committed")
        money = np.full(self.n, float(share))
        alive = set(self.cands)
        # ρ never decreases as voters spend, so the last computed ρ of a project is a lower
        # bound: scan in that order and stop once no stale bound can beat the best so far.
        bound = {k: (pool.cost[k] / self.total_u[k] if pool.cost[k] > 0 else 0.0)
                 for k in alive}
        while alive:
            best, best_key = -1, (math.inf, math.inf)
            for k in sorted(alive, key=lambda j: (bound[j], pool.rank[j])):
                if (bound[k], pool.rank[k]) >= best_key:
                    break
                if not choice.open(k):
                    alive.discard(k)
                    continue
                if not choice.needs_met(k):
                    continue  # may become available once its requirement is funded
                idx, u, c = self.sup_idx[k], self.sup_u[k], pool.cost[k]
                b = money[idx]
                if b.sum() < c * (1 - 1e-12) - _TOL:
                    alive.discard(k)  # money only shrinks: never affordable again
                    continue
                rho = _rho(c, b, u) if c > 0 else 0.0
                if not math.isfinite(rho):
                    alive.discard(k)
                    continue
                bound[k] = rho
                if (rho, pool.rank[k]) < best_key:
                    best, best_key = k, (rho, pool.rank[k])
            if best < 0:
                break
            idx, u = self.sup_idx[best], self.sup_u[best]
            pay = np.minimum(money[idx], best_key[0] * u)
            short = pool.cost[best] - pay.sum()
            if short > 0:  # rounding: supporters with money left cover a tiny shortfall
                for i in np.argsort(-(money[idx] - pay)):
                    extra = min(short, money[idx][i] - pay[i])
                    pay[i] += extra
                    short -= extra
                    if short <= 0:
                        break
            money[idx] = np.maximum(money[idx] - pay, 0.0)
            choice.add(best, "mes")
            alive.discard(best)
        return choice, money

    def schedule(self, choice: _Choice) -> tuple[_State, list[int]]:
        """Schedule a MES outcome in its order (earliest start); return the state and the
        projects that did not fit the yearly budgets (dropped)."""
        state = self.committed.copy()
        dropped = []
        for k in choice.chosen:
            if state.is_chosen[k]:
                continue
            if not (state.open(k) and state.needs_met(k) and state.try_add(k, "mes")):
                dropped.append(k)
        return state, dropped

    def exhaustive(self, state: _State) -> bool:
        """No open project with supporters (requirement met) fits the budgets left."""
        return not any(state.open(k) and state.needs_met(k) and state.earliest(k) is not None
                       for k in self.cands)


def _equal_shares(pool: _Pool, plan: _Plan, voters: list[Hashable], sup_idx: list[np.ndarray],
                  sup_u: list[np.ndarray], *, completion: str | None,
                  add1_increment: float | None, add1_resolution: float,
                  ) -> tuple[_State, dict[str, Any]]:
    completions = (None, "none", "add1", "utilitarian", "add1u")
    if completion not in completions:
        raise ValueError(f"completion must be one of {completions}, got {completion!r}")
    if not voters:
        raise ValueError("equal shares needs at least one voter (group)")
    if add1_increment is not None and not add1_increment > 0:
        raise ValueError(f"add1_increment must be > 0, got {add1_increment}")
    committed = _commit(pool, plan)
    n = len(voters)
    left = plan.total - sum(committed.spend_by_year.values())
    mes = _MES(pool, sup_idx, sup_u, n, committed)
    share0 = max(left, 0.0) / n
    choice, money = mes.run(share0)
    state, dropped = mes.schedule(choice)
    share = share0
    fine = (float(add1_increment) if add1_increment is not None
            else add1_resolution * share0)
    if dropped:
        # Several years: MES decides on the plan total, and its outcome may not fit the
        # yearly budgets. Then use the largest equal share (to ``fine``) whose outcome fits.
        log.info("equal shares: the MES outcome at the equal share does not fit the yearly "
                 "budgets (%d project(s) left over); lowering the share", len(dropped))
        lo, hi = 0.0, share0
        choice, money = mes.run(0.0)
        state, _ = mes.schedule(choice)
        while hi - lo > fine:
            mid = (lo + hi) / 2
            c_mid, m_mid = mes.run(mid)
            s_mid, d_mid = mes.schedule(c_mid)
            if d_mid:
                hi = mid
            else:
                lo, choice, money, state = mid, c_mid, m_mid, s_mid
        share = lo
    elif completion in ("add1", "add1u") and share0 > 0:
        # Add1: raise every voter's share step by step while the MES outcome still fits the
        # budget(s), stopping once it is exhaustive; keep the last outcome that fits.
        fixed = add1_increment is not None
        step = fine
        cap = plan.total + fine  # beyond the whole budget nothing more can change
        while not mes.exhaustive(state) and share < cap:
            nxt = share + step
            c_next, m_next = mes.run(nxt)
            s_next, d_next = mes.schedule(c_next)
            if d_next:
                if fixed or step <= fine:
                    break
                step = fine  # galloped too far: go back to fine steps from ``share``
                continue
            changed = c_next.chosen != choice.chosen
            choice, money, state, share = c_next, m_next, s_next, nxt
            if not fixed:  # gallop while nothing changes
                step = fine if changed else step * 2
    paid = share - money
    if completion in ("utilitarian", "add1u"):
        order = sorted(range(len(pool.ids)),
                       key=lambda k: (-(pool.value[k] / pool.cost[k]) if pool.cost[k] > 0
                                      else -math.inf, pool.rank[k]))
        for k in order:
            if pool.value[k] > 0 and state.open(k) and state.needs_met(k):
                state.try_add(k, "completion")
    info = {"share_per_voter": share, "initial_share": share0, "runs": mes.runs,
            "completion": completion or "none", "n_voters": n, "dropped": len(dropped),
            "payments": dict(zip(voters, paid.tolist()))}
    return state, info


def method_of_equal_shares(costs: Mapping[Hashable, float],
                           utilities: Mapping[Hashable, Mapping[Hashable, float]],
                           budget: float, *, completion: str | None = "add1u",
                           add1_increment: float | None = None,
                           add1_resolution: float = 0.001,
                           committed: Iterable[Hashable] = ()) -> EqualSharesOutcome:
    """The Method of Equal Shares (Peters & Skowron) for cardinal (additive) utilities.

    Each of the ``n`` voters gets ``budget / n`` (after committed projects are paid from
    the whole budget). Repeatedly, among the projects its supporters can still afford, the
    one with the smallest ρ is funded, where ρ is the smallest price per unit of utility
    such that ``Σ_i min(money_i, ρ·u_ip) = cost_p``; each supporter pays
    ``min(money_i, ρ·u_ip)``. Ties go to the larger total utility, then the cheaper
    project, then input order.

    Completion (MES alone usually leaves money unspent):

    * ``"add1"`` — the Add1 method: raise every voter's share in steps and re-run MES while
      its outcome stays within ``budget``, stopping when the outcome is exhaustive (no
      further supported project fits); keep the last outcome that fits.
      ``add1_increment`` (per voter) gives the plain fixed-step rule (pabutools'
      ``voter_budget_increment``); by default the step is ``add1_resolution`` × the
      initial share, doubled while the outcome does not change and reset to the fine step
      when it overspends (far fewer runs; where the outcome's cost is not monotone in the
      share the two variants can stop at different points).
    * ``"utilitarian"`` — greedy fill: remaining projects by total utility per unit of
      cost, each funded if it fits in what is left.
    * ``"add1u"`` (default) — Add1, then the utilitarian fill for what Add1 leaves (the
      combination the authors recommend on equalshares.net).
    * ``None`` / ``"none"`` — MES alone.

    Args:
        costs: project id → cost (≥ 0).
        utilities: voter → {project id → utility ≥ 0}.
        budget: total budget.
        committed: project ids funded first, whatever they cost (raises
            ``InfeasibleSelectionError`` if they do not fit).
    """
    ids = list(costs)
    position = {p: k for k, p in enumerate(ids)}
    voters = list(utilities)
    sup: list[list[tuple[int, float]]] = [[] for _ in ids]
    value = np.zeros(len(ids))
    for vi, v in enumerate(voters):
        for p, u in utilities[v].items():
            if p not in position:
                raise ValueError(f"voter {v!r} rates unknown project {p!r}")
            u = float(u)
            if not math.isfinite(u) or u < 0:
                raise ValueError(f"utility of voter {v!r} for {p!r} must be ≥ 0, got {u}")
            if u > 0:
                sup[position[p]].append((vi, u))
                value[position[p]] += u
    frame = pd.DataFrame({"project_id": ids, "cost_baht": [float(costs[p]) for p in ids],
                          "_value": value})
    plan = _Plan((0,), {0: float(budget)}, False, tuple(committed))
    pool = _pool(frame, plan, "_value")
    sup_idx = [np.array([i for i, _ in s], dtype=int) for s in sup]
    sup_u = [np.array([u for _, u in s], dtype=float) for s in sup]
    state, info = _equal_shares(pool, plan, voters, sup_idx, sup_u, completion=completion,
                                add1_increment=add1_increment,
                                add1_resolution=add1_resolution)
    return EqualSharesOutcome(
        selected=[ids[k] for k in state.chosen],
        stage={ids[k]: state.stage[k] for k in state.chosen},
        share_per_voter=info["share_per_voter"], initial_share=info["initial_share"],
        payments=info["payments"], spend=float(sum(state.spend_by_year.values())),
        runs=info["runs"])


def equal_shares_pick(candidates: pd.DataFrame, budget: Any, *, group_col: str = "district_code",
                      groups: Sequence[Hashable] | None = None, value_col: str = "priority",
                      completion: str | None = "add1u", add1_increment: float | None = None,
                      add1_resolution: float = 0.001, fiscal_year: int | None = None,
                      only_ready: bool = False, must_include: Iterable[Hashable] = (),
                      must_exclude: Iterable[Hashable] = ()) -> PickResult:
    """Method of Equal Shares across districts (see :func:`method_of_equal_shares`).

    Every group of ``group_col`` (default: each district among the candidates, or the
    given ``groups`` so that districts without proposals count too) is a voter holding an
    equal share of the plan budget (all years together, after committed projects); it
    supports the projects located in it, with utility = the project's ``value_col``. With
    one supporter per project, MES amounts to: each district funds its own projects in
    order of value per baht from its share, the best value per baht across all districts
    going first. Completion ``"add1u"`` (default): Add1 raises the equal share while the
    outcome still fits, then a utilitarian greedy fill (value per baht) spends what is
    left.

    Budget and rules as :func:`priority_order_pick`. With several years, MES decides on the
    plan total and its outcome is then scheduled in MES order (earliest start within the
    yearly budgets); an outcome that does not fit the yearly budgets counts as over budget
    for Add1, and when already the equal share's outcome does not fit, the largest smaller
    share whose outcome fits is used (bisection) before the utilitarian fill.
    """
    plan = _as_plan(budget, candidates, fiscal_year=fiscal_year, only_ready=only_ready,
                    must_include=must_include, must_exclude=must_exclude)
    pool = _pool(candidates, plan, value_col)
    if group_col not in candidates.columns:
        raise ValueError(f"group column {group_col!r} is missing from the candidates")
    grp = candidates[group_col]
    voters = list(groups) if groups is not None else list(pd.unique(grp.dropna()))
    vpos = {v: i for i, v in enumerate(voters)}
    missing = sorted({str(g) for g in grp.dropna() if g not in vpos})
    if missing:
        raise ValueError(f"groups do not list {group_col} value(s) of candidates: {missing[:10]}")
    sup_idx, sup_u = [], []
    for g, v in zip(grp, pool.value):
        ok = _opt(g) is not None and v > 0
        sup_idx.append(np.array([vpos[g]] if ok else [], dtype=int))
        sup_u.append(np.array([v] if ok else [], dtype=float))
    state, info = _equal_shares(pool, plan, voters, sup_idx, sup_u, completion=completion,
                                add1_increment=add1_increment,
                                add1_resolution=add1_resolution)
    info["group_col"] = group_col
    return _pick_result("equal_shares", candidates, state, plan, value_col, info)


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
    plan = _as_plan(spec_or_budget, candidates, fiscal_year=fiscal_year, only_ready=only_ready,
                    must_include=must_include, must_exclude=must_exclude)
    if groups is None and group_col in candidates.columns:
        groups = list(pd.unique(candidates[group_col].dropna()))
    fair = plan.for_baselines()
    kw = dict(value_col=value_col, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    solved = _solve(candidates, fair, mip_start=known, **kw)
    runs: dict[str, tuple[dict[Hashable, int], str]] = {"optimum": (solved.starts,
                                                                    solved.status)}
    if plan.has_group_limits:
        ruled = _solve(candidates, plan, known=known, **kw)
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
                              groups=groups, start_discount=plan.start_discount,
                              first_year=plan.years[0])
        th, en = METHOD_LABELS[key]
        rows.append({"method": key, "label_th": th, "label_en": en, **m, "status": status})
    out = pd.DataFrame(rows).set_index("method")
    opt = float(out.loc["optimum", "benefit"])
    out["benefit_vs_optimum_pct"] = (100.0 * (out["benefit"] - opt) / opt) if opt > 0 else 0.0
    cols = ["label_th", "label_en", "benefit", "benefit_vs_optimum_pct", "priority_sum",
            "projects", "households", "storage_m3", "area_rai", "spend_baht",
            "districts_reached", "min_district_share", "max_district_share", "status"]
    out = out[[c for c in cols if c in out.columns]]
    out.attrs.update(kind="method", value_col=value_col, budget_baht=plan.total,
                     years=list(plan.years),
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
        plan = _as_plan(sob, candidates, fiscal_year=fiscal_year, only_ready=only_ready,
                        must_include=must_include, must_exclude=must_exclude)
        s = _solve(scored, plan, value_col="priority", time_limit_s=time_limit_s,
                   mip_rel_gap=mip_rel_gap,
                   mip_start=mip_start if name == base or base not in starts else starts[base])
        selected[name], status[name] = s.selected_ids, s.status
        starts[name] = s.starts
        disc = dict(start_discount=plan.start_discount, first_year=plan.years[0])
        m = selection_metrics(scored, s.starts, group_col=group_col, **disc)
        m["benefit_base"] = selection_metrics(base_scored, s.starts, group_col=group_col,
                                              **disc)["benefit"]
        metrics[name] = m
    for name in names:
        metrics[name]["jaccard_base"] = _jaccard(selected[name], selected[base])
    rows = list(_SCENARIO_ROWS)
    out = pd.DataFrame({
        "label_th": [LABELS[r][0] for r in rows],
        "label_en": [LABELS[r][1] for r in rows],
        **{name: [float(metrics[name].get(r, np.nan)) for r in rows] for name in names},
    }, index=pd.Index(rows, name="indicator"))
    out.attrs.update(kind="indicator", base=base, selected_ids=selected, status=status,
                     weights={n: dict(w) for n, w in weightings.items()},
                     scenario_labels={n: SCENARIO_LABELS.get(n, (n, n)) for n in names})
    return out


def _spec_from_params(params: Any) -> Any:
    """A multi-year ``PlanSpec`` from validated params (see :mod:`oneplan.selection.spec`)."""
    from oneplan.selection.spec import plan_spec

    return plan_spec(params)


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
            specs[n] = _spec_from_params(p)
        else:
            specs[n] = _Plan((fy,), {fy: p.portfolio.budget_baht}, p.portfolio.only_ready,
                             tuple(p.plan.must_include), tuple(p.plan.must_exclude))
    out = compare_weightings(
        cands, {n: params[n].priority.weights for n in names}, specs,
        time_limit_s=first.portfolio.time_limit_s if time_limit_s is None else time_limit_s,
        mip_rel_gap=first.portfolio.mip_rel_gap if mip_rel_gap is None else mip_rel_gap,
        mip_start=mip_start)
    out.attrs.update(province_code=prov.code, fiscal_year=fy, multi_year=multi_year)
    return out

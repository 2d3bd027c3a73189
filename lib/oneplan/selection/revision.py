"""Revising an approved multi-year water plan when the follow-up facts differ from it.

Khon Kaen reviews its water plan 6 and 12 months after approval. By then some projects
have started, some are late, some cost more than estimated, one or two are cancelled, the
budget of a coming year may be cut and new proposals arrive. This module turns those facts
into a revised plan that changes as little as it should, and says why each change was made.

The facts themselves (:class:`~oneplan.selection.facts.FollowUpFacts`, files, the
synthetic sample) are :mod:`oneplan.selection.facts`; saving the revised plan as a new
version is :mod:`oneplan.selection.versions`.

How a revision is made (:func:`revise_plan`)
--------------------------------------------
``months`` counts from the start of the first plan year (1 October). Years entirely past
are *closed*: nothing new starts in them. The year in progress (or the one starting now)
is *open*: approved projects may still start in it, other ready projects may too (the
mid-year reallocation to reserve projects), and not-ready ones may not.

* cancelled → excluded, with the note as the reason;
* cost facts → ``cost_baht`` updated; when the candidates carry the priority criteria the
  ``cost_effectiveness`` part of the value is recomputed on the approved plan's scale (so a
  dearer project is worth a little less per baht; nothing else is rescored);
* delay → ``earliest_start`` = approved start + delay (a project pushed past the horizon is
  excluded);
* started / completed → ``fixed_start`` at the approved year and committed (their
  spending in every year, including elapsed ones, is counted first). An approved project
  whose start year is already over and that has no fact is assumed started;
* budget changes → the year's budget; a year whose committed spending now exceeds its
  budget gets the committed amount (the money is owed) and a note says so;
* new proposals → added to the candidates, scored on the approved plan's scale.

The new spec's ``baseline`` is the approved start of every approved project, moved by its
delay if any (a fact, not a planners' choice), and ``stability_penalty`` is charged for
each approved project the re-optimisation drops or moves. **A change is therefore made
only when it gains more value than the penalty** (in priority points; 0.05 by default):
with no facts the revised plan is the approved plan. A tiny tie-break (``tie_break``,
1e-4) keeps the approved plan among equally good ones even when the penalty is 0.

The :class:`Revision` returned has the new :class:`~oneplan.selection.portfolio.PlanResult`, a
diff table (each approved or new project ``kept`` / ``added`` / ``dropped`` / ``moved``, with
a reason in Thai and English; dropped projects that could have been kept carry the
objective lost by keeping them, from an actual re-solve) and the totals before/after.
The reasons are sentences of the catalogue ``lib/oneplan/selection/text/revision.yml``.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from oneplan.core import thai
from oneplan.core.text import LANGS, check_lang, text, texts
from oneplan.selection import priority
from oneplan.selection.candidates import is_missing
from oneplan.selection.changes import change_table
from oneplan.selection.errors import InfeasibleSelectionError, SelectionSolveError
from oneplan.selection.facts import (
    RESULT_COLUMNS,
    FactsError,
    FollowUpFacts,
    first_open_year,
    plan_starts,
    spending_profile,
)
from oneplan.selection.portfolio import plan_portfolio

__all__ = ["CHANGES", "Revision", "revise_plan"]

log = logging.getLogger(__name__)

CHANGES = ("kept", "added", "dropped", "moved")
"""What can happen to a project at a revision (labels: ``selection.revision.change``)."""


def _spec_reason(key: str) -> str:
    """The reason a revised spec gives a project it commits or excludes: one text for both
    languages, ``"<English> (<Thai>)"``."""
    return (f"{text(f'selection.revision.spec_reason.{key}', 'en')} "
            f"({text(f'selection.revision.spec_reason.{key}', 'th')})")


# --------------------------------------------------------------------------------------
# Small helpers on plans
# --------------------------------------------------------------------------------------


def _spend(cands: pd.DataFrame, starts: Mapping[Any, int], years: Sequence[int]
           ) -> dict[int, float]:
    """Spending per year of ``starts`` with the costs and profiles of ``cands``."""
    out = {int(y): 0.0 for y in years}
    rows = cands.set_index("project_id")
    for pid, start in starts.items():
        if pid not in rows.index:
            continue
        cost = float(rows.at[pid, "cost_baht"])
        prof = spending_profile(rows.at[pid, "cost_profile"]) if "cost_profile" in rows.columns \
            else (1.0,)
        for j, f in enumerate(prof):
            if start + j in out:
                out[start + j] += cost * f
    return out


def _value(values: Mapping[Any, float], starts: Mapping[Any, int], years: Sequence[int],
           discount: float) -> float:
    """Σ value × discount^(start − first year) of a plan (the model's objective)."""
    first = int(years[0])
    return float(sum(values.get(pid, 0.0) * discount ** (int(y) - first)
                     for pid, y in starts.items()))


def _n_changes(baseline: Mapping[Any, int], starts: Mapping[Any, int]) -> int:
    """Approved projects dropped or moved."""
    return sum(1 for pid, y in baseline.items() if starts.get(pid) != y)


# --------------------------------------------------------------------------------------
# Values on the approved plan's scale
# --------------------------------------------------------------------------------------


def _infer_weights(cands: pd.DataFrame) -> dict[str, float] | None:
    """The normalised criterion weights, read back from ``crit_<c>``/``contrib_<c>``."""
    weights = {}
    for c in priority.CRITERIA:
        crit, contrib = f"crit_{c}", f"contrib_{c}"
        if crit in cands.columns and contrib in cands.columns:
            cr = pd.to_numeric(cands[crit], errors="coerce").to_numpy(dtype=float)
            co = pd.to_numeric(cands[contrib], errors="coerce").to_numpy(dtype=float)
            ok = np.isfinite(cr) & np.isfinite(co) & (cr > 1e-9)
            weights[c] = float(np.median(co[ok] / cr[ok])) if ok.any() else 0.0
    return weights or None


class _Scale:
    """Min-max scales of the priority criteria over the approved plan's candidates, so
    that a changed cost or a new proposal is valued on the same scale as the others."""

    def __init__(self, reference: pd.DataFrame, weights: Mapping[str, float] | None):
        self.weights: dict[str, float] = {}
        self.bounds: dict[str, tuple[float, float]] = {}
        if not weights:
            return
        try:
            w = priority.normalise_weights(weights)
        except ValueError:
            return
        for c, wc in w.items():
            try:
                raw = priority.raw_criterion(reference, c)
            except (ValueError, KeyError):
                self.weights, self.bounds = {}, {}
                return
            self.bounds[c] = (float(raw.min()), float(raw.max())) if raw.size else (0.0, 0.0)
            self.weights[c] = wc

    @property
    def usable(self) -> bool:
        """Weights and scales are known (new values can be computed)."""
        return bool(self.weights)

    def crit(self, df: pd.DataFrame, c: str) -> np.ndarray:
        """Criterion ``c`` of ``df`` on the approved scale, 0..1."""
        lo, hi = self.bounds[c]
        raw = priority.raw_criterion(df, c)
        if hi - lo <= 0:
            return np.zeros_like(raw, dtype=float)
        return np.clip((raw - lo) / (hi - lo), 0.0, 1.0)

    def score(self, df: pd.DataFrame) -> np.ndarray:
        """The priority of ``df``'s rows on the approved scale."""
        total = np.zeros(len(df), dtype=float)
        for c, wc in self.weights.items():
            total += wc * self.crit(df, c)
        return np.clip(total, 0.0, 1.0)


# --------------------------------------------------------------------------------------
# Revision
# --------------------------------------------------------------------------------------


@dataclass
class Revision:
    """A revised plan and how it differs from the approved one.

    ``diff`` has one row per project in the approved or the revised plan: ``project_id``,
    ``name_th``, ``change`` (kept/added/dropped/moved), ``start_before``, ``start_after``,
    ``cost_before``, ``cost_after``, ``value_before``, ``value_after``, ``events``,
    ``new_proposal``, ``reason_code``, ``reason_th``, ``reason_en``, ``related_id``,
    ``objective_delta`` (objective lost by undoing the change, from an actual re-solve:
    for a dropped project, by forcing it back in; for a kept overrun project, by forcing
    it out; NaN when not re-solved) and ``confirmed``.

    ``spend`` has one row per fiscal year: budget and spending before/after and the
    committed spending of started projects. ``totals`` compares the two plans.
    """

    result: Any                      # portfolio.PlanResult
    diff: pd.DataFrame
    totals: pd.DataFrame
    spend: pd.DataFrame
    spec: Any                        # portfolio.PlanSpec used for the re-optimisation
    candidates: pd.DataFrame         # candidates after the facts (costs, values, proposals)
    facts: FollowUpFacts
    months: int
    stability_penalty: float
    value_before: float              # approved plan, at approval
    value_after: float
    n_penalised: int                 # approved projects dropped or moved by choice
    baseline: dict[Any, int]         # approved starts, moved by delays
    approved: dict[Any, int]         # approved starts
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def penalty_paid(self) -> float:
        """Stability penalty paid for the changes made by choice."""
        return self.stability_penalty * self.n_penalised

    @property
    def objective_before(self) -> float:
        """The approved plan's value (no penalty)."""
        return self.value_before

    @property
    def objective_after(self) -> float:
        """Plan value minus the stability penalty of the changes chosen."""
        return self.value_after - self.penalty_paid

    @property
    def counts(self) -> dict[str, int]:
        """How many projects were kept, added, dropped and moved."""
        vc = self.diff["change"].value_counts()
        return {c: int(vc.get(c, 0)) for c in CHANGES}

    @property
    def selected_ids(self) -> list[Any]:
        """Ids of the revised plan's projects."""
        return list(self.result.selected_ids)

    def table(self, lang: str = "th", *, changed_only: bool = True) -> pd.DataFrame:
        """The diff for a report: labelled columns, costs in million baht, one reason."""
        heads = texts("selection.revision.table", check_lang(lang))
        changes = texts("selection.revision.change", lang)
        d = self.diff[self.diff["change"] != "kept"] if changed_only else self.diff
        out = pd.DataFrame({
            "project_id": d["project_id"], "name_th": d["name_th"],
            "change": d["change"].map(changes),
            "start_before": d["start_before"], "start_after": d["start_after"],
            "cost_before": d["cost_before"] / 1e6, "cost_after": d["cost_after"] / 1e6,
            "reason": d[f"reason_{lang}"]})
        if out["name_th"].isna().all():
            out = out.drop(columns="name_th")
        return out.rename(columns={c: heads[c] for c in out.columns}) \
            .reset_index(drop=True)

    def summary(self, lang: str = "th") -> str:
        """A few plain sentences: what happened, what changed, what the penalty means."""
        syn = f" ({text('selection.facts.synthetic', lang)})" if self.facts.synthetic else ""
        return text("selection.revision.summary", lang, months=self.months, synthetic=syn,
                    **self.facts.counts(), **self.counts, p=f"{self.stability_penalty:g}",
                    value_before=f"{self.value_before:.3f}",
                    value_after=f"{self.value_after:.3f}", n_penalised=self.n_penalised,
                    penalty_paid=f"{self.penalty_paid:.3f}")


def revise_plan(
    candidates: pd.DataFrame,
    spec: Any,
    approved_plan: Any,
    facts: FollowUpFacts | None,
    *,
    months: int = 6,
    stability_penalty: float | None = None,
    value_col: str = "priority",
    weights: Mapping[str, float] | None = None,
    allow_new_starts_in_current_year: bool = True,
    tie_break: float = 1e-4,
    confirm_resolves: int = 12,
    confirm_time_limit_s: float = 10.0,
    time_limit_s: float = 60,
    mip_rel_gap: float = 0.0,
    threads: int | None = None,
) -> Revision:
    """Apply the follow-up ``facts`` to the approved plan and re-optimise what is left.

    Args:
        candidates: the candidates the plan was approved from (with ``value_col``).
        spec: the approved plan's :class:`~oneplan.selection.portfolio.PlanSpec`.
        approved_plan: the approved plan (``PlanResult``, ``PlanVersion`` or a DataFrame
            with ``project_id``, ``start_year`` and optionally ``selected``).
        facts: the follow-up facts (``None`` = no facts).
        months: months since approval (start of the first plan year); 6 or 12 usually.
        stability_penalty: priority points lost per approved project dropped or moved by
            choice; default ``spec.stability_penalty``. A change is made only when it gains
            more than this.
        weights: priority weights, to value changed costs and new proposals on the
            approved scale; default read back from the ``crit_``/``contrib_`` columns.
        allow_new_starts_in_current_year: other ready projects may start in a year already
            in progress (mid-year reallocation to reserve projects).
        tie_break: smallest penalty actually used, so that among equally good plans the
            approved one is kept (also with ``stability_penalty=0``).
        confirm_resolves: at most this many re-solves to measure, for dropped projects
            (and kept overrun ones), the objective lost by undoing the decision.

    Raises:
        FactsError: facts naming unknown projects, contradictory facts, a started project
            that is not in the approved plan, a budget change for a year outside the plan.
        oneplan.selection.portfolio.InfeasibleSelectionError, SelectionSolveError: from the model.
    """
    t0 = time.perf_counter()
    facts = facts if facts is not None else FollowUpFacts.empty(months)
    years = [int(y) for y in spec.years]
    first, last = years[0], years[-1]
    k0, in_progress = first_open_year(years, int(months))
    open_year = years[k0]
    new_from = k0 + (1 if in_progress and not allow_new_starts_in_current_year else 0)
    penalty = float(spec.stability_penalty if stability_penalty is None else stability_penalty)
    if penalty < 0 or not math.isfinite(penalty):
        raise ValueError(f"stability_penalty must be ≥ 0, got {penalty}")
    discount = float(getattr(spec, "start_discount", 1.0))
    notes: list[str] = []

    # --- candidates as approved -------------------------------------------------------
    base = candidates.drop(columns=[c for c in RESULT_COLUMNS if c in candidates.columns]
                           + [c for c in candidates.columns
                              if re.fullmatch(r"cost_\d{4}", str(c))])
    base = base.reset_index(drop=True)
    if base["project_id"].duplicated().any():
        dup = base.loc[base["project_id"].duplicated(), "project_id"].tolist()[:10]
        raise ValueError(f"duplicated project ids: {dup}")
    if value_col not in base.columns:
        raise ValueError(f"candidates have no value column {value_col!r}")
    approved = plan_starts(approved_plan)
    unknown = [p for p in approved if p not in set(base["project_id"])]
    if unknown:
        raise ValueError(f"approved projects missing from the candidates: {unknown[:10]}")
    values_before = dict(zip(base["project_id"], pd.to_numeric(base[value_col]).astype(float)))
    cost_before = dict(zip(base["project_id"], base["cost_baht"].astype(float)))
    scale = _Scale(base, weights if weights is not None else _infer_weights(base))

    # --- new proposals ----------------------------------------------------------------
    cands = base.copy()
    cands["new_proposal"] = False
    if "earliest_start" not in cands.columns:
        cands["earliest_start"] = pd.NA
    cands["earliest_start"] = pd.array(
        [None if is_missing(v) else int(v) for v in cands["earliest_start"]], dtype="Int64")
    props = facts.new_proposals
    if len(props):
        cands = _add_proposals(cands, props, scale, value_col, spec, years[new_from]
                               if new_from < len(years) else last + 1)
    ids = set(cands["project_id"])

    # --- events -----------------------------------------------------------------------
    ev = facts.events
    unknown = sorted(set(ev["project_id"]) - ids)
    if unknown:
        raise FactsError(f"follow-up facts name unknown projects: {unknown[:10]}")
    by_id: dict[Any, dict[str, Any]] = {}
    for r in ev.itertuples(index=False):
        d = by_id.setdefault(r.project_id, {"events": [], "notes": [], "delay": 0,
                                            "new_cost": None})
        d["events"].append(r.event)
        if r.note:
            d["notes"].append(r.note)
        if not is_missing(r.delay_years):
            d["delay"] += int(r.delay_years) if r.event == "delay" else 0
        if not is_missing(r.new_cost_baht):
            d["new_cost"] = float(r.new_cost_baht)
    cancelled = {p for p, d in by_id.items() if "cancelled" in d["events"]}
    started = {p for p, d in by_id.items() if {"started", "completed"} & set(d["events"])}
    both = sorted(cancelled & {p for p, d in by_id.items() if "completed" in d["events"]})
    if both:
        raise FactsError(f"projects both cancelled and completed: {both}")
    not_approved = sorted(p for p in started - cancelled if p not in approved)
    if not_approved:
        raise FactsError("started/completed projects that are not in the approved plan "
                         f"(their start year is unknown): {not_approved[:10]}")
    started -= cancelled
    # approved for a year that is over, no fact: assumed started as approved
    assumed = {p for p, y in approved.items()
               if y < open_year and p not in started and p not in cancelled
               and not by_id.get(p, {}).get("delay")}
    if assumed:
        notes.append(f"{len(assumed)} approved project(s) due to start in a year already "
                     "over had no follow-up fact and are assumed started as approved")
    delayed_started = sorted(p for p in started if by_id[p]["delay"])
    if delayed_started:
        notes.append(f"delay ignored for projects already started: {delayed_started[:10]}")

    # costs and values
    pos = {p: i for i, p in enumerate(cands["project_id"])}
    cost = cands["cost_baht"].astype(float).to_numpy().copy()
    changed = [p for p, d in by_id.items() if d["new_cost"] is not None]
    for p in changed:
        cost[pos[p]] = by_id[p]["new_cost"]
    old_cost_frame = cands.copy()
    cands["cost_baht"] = cost
    if changed and scale.usable and "cost_effectiveness" in scale.weights:
        idx = [pos[p] for p in changed]
        w = scale.weights["cost_effectiveness"]
        old_c = scale.crit(old_cost_frame.iloc[idx], "cost_effectiveness")
        new_c = scale.crit(cands.iloc[idx], "cost_effectiveness")
        vals = pd.to_numeric(cands[value_col]).astype(float).to_numpy().copy()
        vals[idx] = np.clip(vals[idx] + w * (new_c - old_c), 0.0, None)
        cands[value_col] = vals

    # earliest starts and the baseline (approved starts, moved by delays)
    fixed = {p: int(y) for p, y in dict(getattr(spec, "fixed_start", {}) or {}).items()}
    for p in sorted(cancelled & set(fixed)):
        notes.append(f"started project {p} was cancelled; its spending so far is sunk")
        fixed.pop(p)
    for p in started | assumed:
        fixed[p] = approved[p]
    must_in = dict(getattr(spec, "must_include", {}) or {})
    must_out = dict(getattr(spec, "must_exclude", {}) or {})
    for p in sorted(cancelled & set(must_in)):
        notes.append(f"committed project {p} was cancelled; it is no longer required")
        must_in.pop(p)
    for p in sorted(started | assumed):
        must_in.setdefault(p, _spec_reason("started"))
    for p in sorted(cancelled):
        note = "; ".join(by_id[p]["notes"])
        must_out[p] = _spec_reason("cancelled") + (f": {note}" if note else "")

    es = cands["earliest_start"].to_numpy(dtype=object).copy()
    ready = cands["ready"].fillna(False).astype(bool).to_numpy()
    profiles = ({p: spending_profile(v) for p, v in zip(cands["project_id"],
                                                        cands["cost_profile"])}
                if "cost_profile" in cands.columns else {p: (1.0,) for p in cands["project_id"]})
    baseline: dict[Any, int] = {}
    beyond: dict[Any, str] = {}
    readiness = bool(getattr(spec, "readiness_first_year", True))
    for p, i in pos.items():
        if p in fixed or p in cancelled:
            continue
        cur = first if is_missing(es[i]) else int(es[i])
        delay = by_id.get(p, {}).get("delay", 0)
        # new starts: from the open year (or the next one when the year in progress is
        # closed to them); not-ready projects not in the year starting/running now
        floor = years[new_from] if new_from < len(years) else last + 1
        if readiness and not ready[i] and k0 >= 1:
            floor = max(floor, years[k0 + 1] if k0 + 1 < len(years) else last + 1)
        if p in approved and delay:
            e = max(cur, open_year, approved[p] + delay)
            baseline_start = e
        elif p in approved:
            # may stay at its approved year, or move earlier down to the floor
            e = max(cur, min(approved[p], floor))
            baseline_start = approved[p]
        else:
            e = max(cur + delay, floor)
            baseline_start = None
        if e != cur:
            es[i] = e
        if e + len(profiles[p]) - 1 > last:
            if p in approved:
                beyond[p] = (f"cannot start by FY {last - len(profiles[p]) + 1} "
                             f"and finish within the plan (delayed {delay} year(s))")
            else:
                must_out.setdefault(p, "no year left to start it within the plan")
            continue
        if baseline_start is not None:
            baseline[p] = int(baseline_start)
    for p, why in beyond.items():
        must_out[p] = why
        if p in must_in:
            notes.append(f"committed project {p} cannot be placed any more: {why}")
            must_in.pop(p)
    # excluded projects keep an earliest start inside the horizon (they are out anyway)
    cands["earliest_start"] = pd.array([None if is_missing(v) else min(int(v), last) for v in es],
                                       dtype="Int64")
    for p, y in fixed.items():
        baseline[p] = y
    # a started project's precedence is settled: it no longer waits for what it needed
    if "requires" in cands.columns:
        reqs = cands["requires"].to_numpy(dtype=object).copy()
        for p in fixed:
            i = pos.get(p)
            if i is not None and not is_missing(reqs[i]):
                need = reqs[i]
                if need in cancelled or need in beyond or by_id.get(need, {}).get("delay"):
                    notes.append(f"started project {p} needs {need}, which is "
                                 "cancelled or delayed; the requirement is lifted")
                reqs[i] = None
        cands["requires"] = reqs

    # budgets
    budget = {int(y): float(b) for y, b in dict(spec.budget_by_year).items()}
    budget_before = dict(budget)
    cut_pct: dict[int, float] = {}
    budget_notes: dict[int, str] = {}
    for r in facts.budget_changes.itertuples(index=False):
        y = int(r.fiscal_year)
        if y not in budget:
            raise FactsError(f"budget change for FY {y}, which is not a plan year {years}")
        if y < open_year:
            raise FactsError(f"budget change for FY {y}, which is already over")
        new = float(r.new_budget_baht) if not is_missing(r.new_budget_baht) else \
            budget[y] * (1 + float(r.change_pct) / 100.0)
        cut_pct[y] = 100.0 * (new / budget[y] - 1) if budget[y] > 0 else 0.0
        budget[y] = new
        budget_notes[y] = r.note
    committed = _spend(cands, fixed, years)
    for y in years:
        if committed[y] > budget[y] * (1 + 1e-12):
            notes.append(
                f"FY {y}: spending committed to started projects "
                f"({thai.format_baht(committed[y], 'en')}) exceeds the budget "
                f"({thai.format_baht(budget[y], 'en')}); the budget is raised to it")
            budget[y] = committed[y]

    eff_penalty = max(penalty, float(tie_break))
    new_spec = dataclasses.replace(
        spec, budget_by_year=budget, must_include=must_in, must_exclude=must_out,
        baseline=dict(baseline), stability_penalty=eff_penalty, fixed_start=fixed)
    # the approved plan (less what can no longer run) is HiGHS's first incumbent
    result = plan_portfolio(cands, new_spec, value_col=value_col,
                            time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
                            threads=threads, mip_start=dict(baseline))
    after = plan_starts(result)
    values_now = dict(zip(cands["project_id"], pd.to_numeric(cands[value_col]).astype(float)))

    def net(starts: Mapping[Any, int]) -> float:
        return (_value(values_now, starts, years, discount)
                - penalty * _n_changes(baseline, starts))

    # --- re-solves that measure the decisions -----------------------------------------
    forced_away = cancelled | set(beyond)
    dropped = [p for p in approved if p not in after]
    overrun_kept = [p for p in approved if p in after and p in by_id
                    and by_id[p]["new_cost"] is not None
                    and by_id[p]["new_cost"] > cost_before[p] and p not in fixed]
    to_check = [p for p in sorted(dropped, key=lambda p: -values_before[p])
                if p not in forced_away] + sorted(overrun_kept, key=lambda p: -values_now[p])
    delta: dict[Any, tuple[float | None, float | None]] = {}
    net_after = net(after)
    for p in to_check[:max(0, int(confirm_resolves))]:
        kw = {"force_in": [p]} if p not in after else {"force_out": [p]}
        try:
            start = {q: y for q, y in after.items() if q != p}
            if p not in after:
                start[p] = baseline.get(p, approved.get(p))
            alt = plan_portfolio(cands, new_spec, value_col=value_col,
                                 time_limit_s=confirm_time_limit_s,
                                 mip_rel_gap=mip_rel_gap, threads=threads,
                                 mip_start=start, stop_expected=True, **kw)
            alt_starts = plan_starts(alt)
            delta[p] = (net_after - net(alt_starts),
                        _value(values_now, alt_starts, years, discount)
                        - _value(values_now, after, years, discount))
        except (InfeasibleSelectionError, SelectionSolveError) as exc:
            log.info("re-solve with %s forced %s: %s", p, kw, exc)
            delta[p] = (None, None)

    diff = change_table(
        cands=cands, approved=approved, after=after, baseline=baseline, by_id=by_id,
        cancelled=cancelled, beyond=beyond, started=started, assumed=assumed,
        values_before=values_before, values_now=values_now, cost_before=cost_before,
        profiles=profiles, years=years, cut_pct=cut_pct, budget_notes=budget_notes,
        penalty=penalty, delta=delta)

    spend_before = _spend(base, approved, years)
    spend_after = {int(y): float(v) for y, v in result.spend_by_year.items()}
    spend = pd.DataFrame({
        "fiscal_year": years,
        "budget_before": [budget_before[y] for y in years],
        "budget_after": [budget[y] for y in years],
        "spend_before": [spend_before[y] for y in years],
        "spend_after": [spend_after.get(y, 0.0) for y in years],
        "committed_after": [committed[y] for y in years],
    })
    value_before = _value(values_before, approved, years, discount)
    value_after = _value(values_now, after, years, discount)
    n_pen = _n_changes(baseline, after)
    totals = pd.DataFrame([
        ("projects", len(approved), len(after)),
        ("plan_value", value_before, value_after),
        ("penalty_paid", 0.0, penalty * n_pen),
        ("objective", value_before, value_after - penalty * n_pen),
        ("cost_baht", sum(cost_before[p] for p in approved),
         float(sum(cands.set_index("project_id").loc[list(after), "cost_baht"]))
         if after else 0.0),
        ("budget_baht", sum(budget_before.values()), sum(budget.values())),
    ] + [(f"spend_{y}", spend_before[y], spend_after.get(y, 0.0)) for y in years],
        columns=["metric", "before", "after"])
    totals["change"] = totals["after"] - totals["before"]
    for lang in LANGS:
        label = texts("selection.revision.totals", lang)
        totals[f"label_{lang}"] = [
            label.get(m) or text("selection.revision.spending", lang, year=m[6:])
            for m in totals["metric"]]
    rev = Revision(
        result=result, diff=diff, totals=totals, spend=spend, spec=new_spec,
        candidates=cands, facts=facts, months=int(months), stability_penalty=penalty,
        value_before=value_before, value_after=value_after, n_penalised=n_pen,
        baseline=dict(baseline), approved=dict(approved), notes=notes,
        seconds=time.perf_counter() - t0)
    log.info("revision after %d months: %s in %.2f s", months, rev.counts, rev.seconds)
    return rev


def _add_proposals(cands: pd.DataFrame, props: pd.DataFrame, scale: _Scale, value_col: str,
                   spec: Any, earliest: int) -> pd.DataFrame:
    """The candidates with the new proposals added, valued on the approved scale."""
    props = props.copy()
    props = props.drop(columns=[c for c in RESULT_COLUMNS if c in props.columns])
    if "project_id" not in props.columns or "cost_baht" not in props.columns:
        raise FactsError("new proposals need project_id and cost_baht columns")
    props["project_id"] = props["project_id"].astype(str).str.strip()
    clash = sorted(set(props["project_id"]) & set(cands["project_id"]))
    if clash or props["project_id"].duplicated().any():
        raise FactsError(f"new proposal ids must be new and unique: {clash[:10]}")
    costs = pd.to_numeric(props["cost_baht"], errors="coerce")
    if not (costs > 0).all():
        raise FactsError("new proposals need cost_baht > 0: "
                         f"{props.loc[~(costs > 0), 'project_id'].tolist()[:10]}")
    props["cost_baht"] = costs.astype(float)
    if "ready" not in props.columns:
        flags = [c for c in ("has_design_boq", "has_land", "has_consent") if c in props.columns]
        props["ready"] = props[flags].fillna(False).astype(bool).all(axis=1) if flags else False
    props["ready"] = props["ready"].fillna(False).astype(bool)
    needed = sorted({g.column for g in getattr(spec, "group_limits", ())} - set(props.columns))
    if needed:
        raise FactsError(f"new proposals need the columns the plan's limits use: {needed}")
    has_value = value_col in props.columns and pd.to_numeric(
        props[value_col], errors="coerce").notna().all()
    if not has_value:
        if not scale.usable:
            raise FactsError(f"new proposals need a {value_col!r} column (the candidates "
                             "carry no priority criteria to score them with)")
        try:
            props[value_col] = scale.score(props)
        except ValueError as exc:
            raise FactsError(f"cannot score the new proposals: {exc}") from exc
    e = props["earliest_start"] if "earliest_start" in props.columns else \
        pd.Series([None] * len(props))
    props["earliest_start"] = pd.array(
        [max(earliest, int(v)) if not is_missing(v) else earliest for v in e], dtype="Int64")
    props["new_proposal"] = True
    out = pd.concat([cands, props[[c for c in props.columns if c in cands.columns]]
                     .reindex(columns=cands.columns)], ignore_index=True)
    out["new_proposal"] = out["new_proposal"].astype(bool)
    out["ready"] = out["ready"].astype(bool)
    return out

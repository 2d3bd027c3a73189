"""Why each candidate is in or out of the plan, confirmed by re-solving: :func:`explain_plan`.

Reasons come from structural checks first (:meth:`Explainer.structural`): excluded, not
eligible, not ready, outside the horizon, needs another project, its alternative was
chosen, a group cap is reached, or the budget. For the closest misses and the most
valuable selected projects the model kept in HiGHS (:class:`~oneplan.selection.highs.PlanEngine`)
is re-solved with the project forced in or out, from a MIP start, and the objective lost
is reported as the range HiGHS's bound and incumbent prove (``docs/plan-model-api.md``).
The sentences, in Thai and English, are in the catalogue
``lib/oneplan/selection/text/reasons.yml`` (:func:`reason_text`).
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from oneplan.core.text import text, texts
from oneplan.core.thai import format_baht
from oneplan.selection.candidates import PlanData
from oneplan.selection.checks import GroupRow
from oneplan.selection.highs import INFEASIBLE_STATUSES, PlanEngine, check_solver_options
from oneplan.selection.model import PlanMeta, build_plan_model, plan_columns
from oneplan.selection.portfolio import PlanResult
from oneplan.selection.spec import PlanSpec

__all__ = [
    "REASON_CODES",
    "Explainer",
    "explain_plan",
    "group_label",
    "reason_text",
    "reason_texts",
    "result_columns",
]

log = logging.getLogger(__name__)

REASON_CODES: tuple[str, ...] = (
    "selected", "committed", "excluded", "not_eligible", "not_ready_year_one",
    "outside_horizon", "needs", "alternative_chosen", "group_cap", "budget",
)
"""``reason_code`` values of :func:`explain_plan` (``outside_horizon``: cannot start and
finish inside the plan years, e.g. a 3-year project in a 2-year plan)."""


# --------------------------------------------------------------------------------------
# Reasons found without a solve, and the re-solves' starts
# --------------------------------------------------------------------------------------


def _pts(x: float) -> str:
    return f"{x:,.3f}"


def _ids_text(ids: Sequence[Any], limit: int = 3) -> str:
    shown = ", ".join(map(str, ids[:limit]))
    return shown + (f" (+{len(ids) - limit})" if len(ids) > limit else "")


def result_columns(meta: PlanMeta, result: PlanResult) -> np.ndarray:
    """The result's plan as chosen columns of this model (raises if they do not match)."""
    plan = result.plan
    for col in ("project_id", "selected", "start_year"):
        if col not in plan.columns:
            raise ValueError(f"result.plan has no {col!r} column")
    chosen = plan.loc[plan["selected"].astype(bool), ["project_id", "start_year"]]
    starts = dict(zip(chosen["project_id"].tolist(), chosen["start_year"].tolist()))
    return plan_columns(meta, starts, strict=True)


class Explainer:
    """Structural reasons, cheap estimates and forced re-solves for :func:`explain_plan`."""

    def __init__(self, meta: PlanMeta, base: np.ndarray):
        self.meta, self.data, self.cols = meta, meta.data, meta.cols
        data, cols = self.data, self.cols
        n = data.n
        self.base = base
        self.coef_total = float(cols.coef[base].sum() + cols.constant)
        chosen = np.flatnonzero(base)
        self.sel = np.zeros(n, dtype=bool)
        self.sel[cols.proj[chosen]] = True
        self.kstart = np.full(n, -1, dtype=np.int64)
        self.kstart[cols.proj[chosen]] = cols.k[chosen]
        self.ccol = np.full(n, -1, dtype=np.int64)  # chosen column per project
        self.ccol[cols.proj[chosen]] = chosen
        self.free = data.budgets - cols.spend[base].sum(axis=0)
        self.dependents: dict[int, list[int]] = {}
        for b, reqs in enumerate(data.requires):
            for a in reqs:
                self.dependents.setdefault(a, []).append(b)
        self.rows_of: dict[int, list[GroupRow]] = {}
        self.usage: dict[str, float] = {}
        for row in meta.group_rows:
            m = row.members
            if row.kind.endswith("count"):
                self.usage[row.name] = float(self.sel[m].sum()) if len(m) else 0.0
            else:
                self.usage[row.name] = float(data.costs[m[self.sel[m]]].sum()) if len(m) else 0.0
            for i in m.tolist():
                self.rows_of.setdefault(i, []).append(row)
        removable = [j for j in chosen.tolist() if cols.proj[j] not in data.closure]
        self.removable = np.array(removable, dtype=np.int64)  # columns that may be dropped
        self.pool_proj = cols.proj[self.removable]
        self.alt_members: dict[Hashable, list[int]] = {}
        for i, g in enumerate(data.alt_group):
            if g is not None:
                self.alt_members.setdefault(g, []).append(i)

    # ---- helpers ----------------------------------------------------------------------

    def chosen_coef(self, i: int) -> float:
        """Objective coefficient of ``i``'s chosen column (0 when not selected)."""
        return float(self.cols.coef[self.ccol[i]]) if self.ccol[i] >= 0 else 0.0

    def selected_dependents(self, i: int) -> list[int]:
        """Selected projects that need ``i``, directly or through others."""
        out, stack = [], [i]
        seen = {i}
        while stack:
            for b in self.dependents.get(stack.pop(), ()):
                if b not in seen and self.sel[b]:
                    seen.add(b)
                    out.append(b)
                    stack.append(b)
        return out

    def allowed_columns(self, i: int) -> np.ndarray:
        """Columns of ``i`` compatible with the starts of its (selected) requirements."""
        cols = self.cols
        cs = np.arange(cols.first[i], cols.first[i + 1])
        reqs = self.data.requires[i]
        if reqs and all(self.sel[a] for a in reqs):
            latest = max(self.kstart[a] for a in reqs)
            cs = cs[cols.k[cs] >= latest]
        return cs

    def cap_hit(self, i: int) -> GroupRow | None:
        """A group cap that adding ``i`` to the plan would break, if any."""
        for row in self.rows_of.get(i, ()):
            if not row.kind.startswith("max"):
                continue
            add = 1.0 if row.kind == "max_count" else float(self.data.costs[i])
            if self.usage[row.name] + add > row.bound * (1 + 1e-9) + 1e-6:
                return row
        return None

    def estimate_in(self, i: int, cap: GroupRow | None,
                    alternative: int | None) -> tuple[float, list[int], int | None]:
        """Greedy estimate of the loss of forcing ``i`` in: (loss, displaced, year index).

        ``i`` (with its unselected requirements at their earliest starts) is added at the
        start that loses least; the chosen alternative is dropped, then optional selected
        projects in increasing order of score per baht freed in the short years (members
        of the blocking cap's group first) until the budgets and the cap hold again. Not
        a re-solve: a quick upper-bound-style guess used to rank the closest misses and
        shown as unconfirmed.
        """
        data, cols = self.data, self.cols
        extra, gain_extra, spend_extra = [], 0.0, np.zeros(data.T)
        stack = [a for a in data.requires[i] if not self.sel[a]]
        while stack:
            a = stack.pop()
            if a in extra:
                continue
            if cols.first[a + 1] == cols.first[a]:
                return math.inf, [], None
            c = int(cols.first[a])
            extra.append(a)
            gain_extra += cols.coef[c]
            spend_extra = spend_extra + cols.spend[c]
            stack.extend(b for b in data.requires[a] if not self.sel[b])
        cands = (np.arange(cols.first[i], cols.first[i + 1]) if extra
                 else self.allowed_columns(i))
        if not len(cands):
            return math.inf, [], None
        pool = self.removable
        if alternative is not None:
            pool = pool[self.pool_proj != alternative]
        S, C = cols.spend[pool], cols.coef[pool]
        best: tuple[float, list[int], int | None] = (math.inf, [], None)
        for c in cands.tolist():
            need = cols.spend[c] + spend_extra - self.free
            loss, removed = 0.0, []
            if alternative is not None:
                removed.append(alternative)
                loss += self.chosen_coef(alternative)
                need = need - cols.spend[self.ccol[alternative]]
            keep = np.ones(len(pool), dtype=bool)
            if cap is not None:
                add = 1.0 if cap.kind == "max_count" else float(data.costs[i])
                over = self.usage[cap.name] + add - cap.bound
                members = np.isin(cols.proj[pool], cap.members)
                size = (np.ones(len(pool)) if cap.kind == "max_count"
                        else data.costs[cols.proj[pool]])
                order = np.flatnonzero(members)[np.argsort(C[members] / (size[members] + 1e-9),
                                                           kind="stable")]
                cum = np.cumsum(size[order])
                hit = np.flatnonzero(cum >= over - 1e-9)
                if over > 1e-9:
                    if not len(hit):
                        continue
                    take = order[:hit[0] + 1]
                    keep[take] = False
                    removed += cols.proj[pool[take]].tolist()
                    loss += float(C[take].sum())
                    need = need - S[take].sum(axis=0)
            short = need > 1e-6
            if short.any():
                freed = S[:, short].sum(axis=1)
                ok = keep & (freed > 0)
                idx = np.flatnonzero(ok)
                order = idx[np.argsort(C[idx] / freed[idx], kind="stable")]
                cum = np.cumsum(S[order][:, short], axis=0)
                covered = np.flatnonzero((cum >= need[short] - 1e-6).all(axis=1))
                if not len(covered):
                    continue
                take = order[:covered[0] + 1]
                removed += cols.proj[pool[take]].tolist()
                loss += float(C[take].sum())
            est = loss - float(cols.coef[c]) - gain_extra
            if est < best[0]:
                best = (est, removed, int(cols.k[c]))
        return best

    def needed_for(self, i: int) -> tuple[str, Any] | None:
        """What a selected project cannot be left out for, or None: ``("committed", id)``
        (a committed project needs it) or ``("floor", row)`` (a group floor needs it)."""
        data = self.data
        if i in data.closure:
            stack, seen = [i], {i}
            while stack:
                for b in self.dependents.get(stack.pop(), ()):
                    if b in data.committed:
                        return ("committed", data.ids[b])
                    if b not in seen:
                        seen.add(b)
                        stack.append(b)
        gone = [i] + self.selected_dependents(i)  # leaving i out drops these too
        for row in self.rows_of.get(i, ()):
            if row.kind.startswith("min"):
                out = [j for j in gone if j in set(row.members.tolist())]
                drop = float(len(out)) if row.kind == "min_count" else float(data.costs[out].sum())
                if self.usage[row.name] - drop < row.bound - 1e-6:
                    return ("floor", row)
        return None

    def short_years(self, i: int) -> list[int]:
        """Plan years whose remaining budget is too small for ``i`` at its best start."""
        cols, data = self.cols, self.data
        cs = self.allowed_columns(i)
        if not len(cs):
            return []
        over = np.maximum(cols.spend[cs] - self.free[None, :], 0.0)
        c = int(np.argmin(over.sum(axis=1)))
        return [data.years[t] for t in np.flatnonzero(over[c] > 1e-6)]

    # ---- MIP starts for the re-solves ---------------------------------------------------

    def start_out(self, i: int) -> np.ndarray:
        """The base plan without ``i`` and the selected projects that need it."""
        cols = self.cols
        x = self.base.copy()
        for j in [i] + self.selected_dependents(i):
            x[cols.first[j]:cols.first[j + 1]] = False
        return x

    def start_in(self, i: int, info: dict) -> np.ndarray | None:
        """The greedy plan behind the estimate of forcing ``i`` in (see
        :meth:`estimate_in`): the base plan without the displaced projects, with ``i`` at
        the estimated start and its unselected requirements at their earliest starts.
        ``None`` when the estimate found no plan."""
        k = info.get("k")
        if k is None or not math.isfinite(info.get("est", math.inf)):
            return None
        cols, data = self.cols, self.data
        x = self.base.copy()
        for j in info.get("displaced", ()):
            x[cols.first[j]:cols.first[j + 1]] = False
        hit = np.flatnonzero(cols.k[cols.first[i]:cols.first[i + 1]] == k)
        if not len(hit):
            return None
        x[cols.first[i] + hit[0]] = True
        stack, seen = [a for a in data.requires[i] if not self.sel[a]], set()
        while stack:
            a = stack.pop()
            if a in seen or cols.first[a + 1] == cols.first[a]:
                continue
            seen.add(a)
            x[cols.first[a]] = True
            stack.extend(b for b in data.requires[a] if not self.sel[b])
        return x

    # ---- structural reasons -----------------------------------------------------------

    def structural(self, i: int) -> dict:
        """The reason of project ``i`` found without a re-solve (``code`` and details),
        with the estimated loss ``est`` of undoing the decision where that makes sense."""
        data = self.data
        if self.sel[i]:
            year = data.years[self.kstart[i]]
            if i in data.committed:
                return dict(code="committed", year=year, reason=data.committed[i])
            deps = self.selected_dependents(i)
            est = self.chosen_coef(i) + sum(self.chosen_coef(j) for j in deps)
            return dict(code="selected", year=year, est=est, resolve="out", deps=deps,
                        needed_for=self.needed_for(i))
        if i in data.blocked:
            code, detail = data.blocked[i]
            out = dict(code=code, **detail)
            if code == "needs":
                out["related"] = detail["ids"][0] if detail["ids"] else None
            return out
        missing = [a for a in data.requires[i] if not self.sel[a]]
        if missing:
            est, displaced, k = self.estimate_in(i, None, None)
            return dict(code="needs", related=data.ids[missing[0]], why="not_chosen",
                        est=est, displaced=displaced, resolve="in", need_idx=missing[0],
                        k=k)
        if data.requires[i] and not len(self.allowed_columns(i)):
            a = max(data.requires[i], key=lambda a: self.kstart[a])
            return dict(code="needs", related=data.ids[a], why="too_late",
                        start=data.years[self.kstart[a]], est=math.inf, resolve="in",
                        need_idx=a, displaced=[])
        g = data.alt_group[i]
        if g is not None:
            chosen = [j for j in self.alt_members[g] if self.sel[j]]
            if chosen:
                est, displaced, k = self.estimate_in(i, None, chosen[0])
                return dict(code="alternative_chosen", related=data.ids[chosen[0]],
                            group=g, est=est, displaced=displaced, resolve="in", k=k)
        cap = self.cap_hit(i)
        if cap is not None:
            est, displaced, k = self.estimate_in(i, cap, None)
            return dict(code="group_cap", row=cap, est=est, displaced=displaced, resolve="in",
                        k=k)
        est, displaced, k = self.estimate_in(i, None, None)
        return dict(code="budget", short=self.short_years(i), est=est, displaced=displaced,
                    k=k,
                    resolve="in", value=float(self.cols.coef[self.cols.first[i]:
                                                             self.cols.first[i + 1]].max()))


# --------------------------------------------------------------------------------------
# Sentences (lib/oneplan/selection/text/reasons.yml)
# --------------------------------------------------------------------------------------


def group_label(row: GroupRow, lang: str) -> str:
    """"งบสูงสุดต่ออำเภอ (อำเภอ 4001)" / "the per-district budget cap (district 4001)": a
    built-in limit by its name in ``lang``, a user's own limit by the name it was given."""
    column = row.limit.column
    name = texts("selection.reasons.group_column", lang).get(column, column)
    limit = texts("selection.reasons.group_limit", lang).get(row.limit.label, row.limit.label)
    return f"{limit} ({name} {row.key})"


def _needed_for(needed: tuple[str, Any] | None, lang: str) -> str:
    """What a selected project is indispensable for (see :meth:`Explainer.needed_for`)."""
    if needed is None:
        return text("selection.reasons.needed_for.rules", lang)
    kind, what = needed
    if kind == "committed":
        return text("selection.reasons.needed_for.committed", lang, who=what)
    return text("selection.reasons.needed_for.floor", lang, group=group_label(what, lang))


def reason_text(info: dict, data: PlanData, ids: list[Any], lang: str) -> str:
    """The sentence for one candidate in ``lang``; ``info`` is its
    :meth:`Explainer.structural` reason with the loss found (``delta``, ``delta_low``,
    ``confirmed``, ``displaced``)."""
    code = info["code"]
    y0, yT = data.years[0], data.years[-1]
    delta, confirmed = info.get("delta", math.nan), info.get("confirmed", False)
    low = info.get("delta_low", math.nan) if confirmed else math.nan
    estimate = "" if confirmed else text("selection.reasons.estimate", lang)
    displaced = [ids[j] for j in info.get("displaced", [])]

    def say(key: str, **fields: Any) -> str:
        return text(f"selection.reasons.{key}", lang, **fields)

    def amount() -> str:
        """The loss: exact, or the range HiGHS proved (bound) and found (plan)."""
        if not confirmed or math.isinf(delta) or (
                not math.isnan(low) and delta - low <= max(1e-6, 1e-3 * abs(delta))):
            return _pts(delta)
        if math.isnan(low) or low <= 1e-9:  # no bound, or it does not prove a loss
            return say("amount.at_most", high=_pts(delta))
        return say("amount.range", low=_pts(low), high=_pts(delta))

    def loss_clause() -> str:
        if math.isnan(delta):
            return ""
        if math.isinf(delta):
            return say("loss.impossible")
        if delta < -1e-9:
            return say("loss.gain", gain=_pts(-delta))
        if displaced:
            return say("loss.displace", ids=_ids_text(displaced), amount=amount(),
                       estimate=estimate)
        return say("loss.lower", amount=amount(), estimate=estimate)

    if code == "selected":
        out = say("selected.start", year=info["year"])
        if math.isinf(delta):
            out += say("selected.indispensable",
                       why=_needed_for(info.get("needed_for"), lang))
        elif delta < -1e-9:
            out += say("selected.gain", gain=_pts(-delta))
        elif not math.isnan(delta):
            out += say("selected.lower", amount=amount(), estimate=estimate)
        return out
    if code == "committed":
        return say("committed", reason=info["reason"], year=info["year"])
    if code == "excluded":
        return say("excluded", reason=info["reason"])
    if code == "not_eligible":
        return say("not_eligible")
    if code == "not_ready_year_one":
        if data.T == 1:
            return say("not_ready_year_one.only_year", first=y0)
        return say("not_ready_year_one.later", first=y0, last=yT)
    if code == "outside_horizon":
        if info.get("fixed") is not None:
            return say("outside_horizon.fixed", fixed=info["fixed"])
        if info.get("earliest") is not None:
            return say("outside_horizon.earliest", first=y0, last=yT,
                       duration=info["duration"], earliest=info["earliest"])
        return say("outside_horizon.duration", first=y0, last=yT, duration=info["duration"])
    if code == "needs":
        why, related = info["why"], info["related"]
        if why == "too_late":
            start = info.get("start")
            out = (say("needs.starts_too_late", related=related, start=start)
                   if start is not None else say("needs.too_late", related=related))
        elif why in ("not_candidate", "cannot_start"):
            out = say(f"needs.{why}", related=related)
        else:
            out = say("needs.not_chosen", related=related)
        if not math.isnan(delta):
            out += (say("needs.impossible") if math.isinf(delta)
                    else say("needs.lower", amount=amount(), estimate=estimate))
        return out
    if code == "alternative_chosen":
        out = say("alternative_chosen.chosen", related=info["related"])
        if not math.isnan(delta) and not math.isinf(delta):
            out += say("alternative_chosen.lower", amount=amount(), estimate=estimate)
        return out
    if code == "group_cap":
        row = info["row"]
        if row.kind == "max_count":
            used, bound = f"{int(info['used'])}", say("count", n=int(row.bound))
        else:
            used, bound = format_baht(info["used"], lang), format_baht(row.bound, lang)
        return say("group_cap", group=group_label(row, lang), used=used, bound=bound) \
            + loss_clause()
    # budget
    short = info.get("short") or []
    if not short:
        return say("budget.no_value" if info.get("value", 0.0) <= 0 else "budget.fits")
    return say("budget.short", years=", ".join(map(str, short))) + loss_clause()


def reason_texts(info: dict, data: PlanData, ids: list[Any]) -> tuple[str, str]:
    """(Thai, English) sentence for one candidate (see :func:`reason_text`)."""
    return reason_text(info, data, ids, "th"), reason_text(info, data, ids, "en")


# --------------------------------------------------------------------------------------
# explain_plan
# --------------------------------------------------------------------------------------


def explain_plan(
    candidates: pd.DataFrame,
    spec: PlanSpec,
    result: PlanResult,
    *,
    value_col: str = "priority",
    max_resolves: int = 40,
    time_limit_s: float = 2.0,
    mip_rel_gap: float | None = None,
    threads: int | None = None,
    highs_options: Mapping[str, Any] | None = None,
    loss_width: float | None = None,
) -> pd.DataFrame:
    """One plain reason per candidate, in Thai and English, confirmed by re-solving.

    Reasons come from structural checks first, in this order: excluded; not eligible;
    not ready for year one (only when no later start fits); cannot start and finish in
    the horizon (``outside_horizon``); needs a project that was not chosen (or starts too
    late); its alternative was chosen; a group cap is reached (the group is named);
    otherwise the budget (the years that are short). Then, for at most ``max_resolves``
    candidates, the model built once is re-solved in HiGHS with bounds changed: the
    closest misses (smallest estimated loss) forced in, and the most valuable selected
    projects forced out (leave-one-out). For a re-solved row ``confirmed`` is True,
    ``objective_delta`` is ``result.objective`` minus the objective of the plan HiGHS
    found with the forcing (``inf`` if forcing is infeasible) and
    ``objective_delta_low`` is ``result.objective`` minus HiGHS's proven bound on any
    such plan: the true loss lies in ``[objective_delta_low, objective_delta]``, and it is
    proven positive when ``objective_delta_low > 0`` (whatever the status; a re-solve
    stopped by ``time_limit_s`` still gives both ends). Other rows carry a greedy
    estimate by rule (``confirmed=False``, ``objective_delta_low`` NaN, the sentence says
    so) or NaN when forcing makes no sense (excluded, not eligible, …).

    The model is built and handed to HiGHS once; each re-solve only changes bounds and
    hands HiGHS a MIP start (the base plan without the project forced out, or the greedy
    plan behind the estimate with it forced in), so it costs one HiGHS run
    (``time_limit_s`` is the limit of each re-solve). Re-solves use ``mip_rel_gap``
    (default: the gap ``result`` was solved with); with gap 0 and no time limit hit the
    two ends coincide. ``loss_width`` (e.g. 0.1) stops a re-solve early, as soon as the
    loss is proven positive and known to within that fraction of itself
    (``objective_delta − objective_delta_low ≤ loss_width × objective_delta``); ``None``
    (default) solves each re-solve to ``mip_rel_gap``.

    ``related_id``: the project it needs, its chosen alternative, or the most valuable
    project it would displace. Columns: ``project_id, selected, reason_code, reason_th,
    reason_en, related_id, objective_delta, objective_delta_low, confirmed``, index as
    ``candidates``.
    """
    if isinstance(max_resolves, bool) or int(max_resolves) != max_resolves or max_resolves < 0:
        raise ValueError(f"max_resolves must be a whole number ≥ 0, got {max_resolves!r}")
    if loss_width is not None and not (0 < loss_width < 1):
        raise ValueError(f"loss_width must be in (0, 1), got {loss_width!r}")
    check_solver_options(time_limit_s, 0.0 if mip_rel_gap is None else mip_rel_gap)
    prob, _, meta = build_plan_model(candidates, spec, value_col=value_col)
    data, cols = meta.data, meta.cols
    base = result_columns(meta, result)
    ex = Explainer(meta, base)
    infos = [ex.structural(i) for i in range(data.n)]

    misses = [i for i, f in enumerate(infos) if f.get("resolve") == "in"]
    misses.sort(key=lambda i: (infos[i]["est"], -float(cols.coef[cols.first[i]:cols.first[i + 1]]
                                                         .max(initial=0.0))))
    tops = [i for i, f in enumerate(infos) if f.get("resolve") == "out"]
    tops.sort(key=lambda i: -ex.chosen_coef(i))
    n_miss = min(len(misses), (max_resolves + 1) // 2)
    n_top = min(len(tops), max_resolves - n_miss)
    n_miss = min(len(misses), max_resolves - n_top)
    todo = [(i, "in") for i in misses[:n_miss]] + [(i, "out") for i in tops[:n_top]]

    if todo:
        gap = result.mip_rel_gap if mip_rel_gap is None else mip_rel_gap
        engine = PlanEngine(prob, meta, time_limit_s=time_limit_s, mip_rel_gap=gap,
                            threads=threads, highs_options=highs_options)
        started = time.perf_counter()
        for i, how in todo:
            info = infos[i]
            stop = None if loss_width is None else (ex.coef_total, loss_width)
            if how == "in":
                outcome, x = engine.solve_with(force_in=[i], start=ex.start_in(i, info),
                                               stop_when=stop)
            else:
                outcome, x = engine.solve_with(force_out=[i], start=ex.start_out(i),
                                               stop_when=stop)
            if outcome.status in INFEASIBLE_STATUSES:
                info["delta"] = info["delta_low"] = math.inf
                info["confirmed"], info["displaced"] = True, []
                continue
            # HiGHS's bound on the forced plan: the loss is at least base − bound
            low = (ex.coef_total - outcome.best_bound if outcome.best_bound is not None
                   else math.nan)
            if x is None:
                info["delta_low"] = low
                continue  # stopped without a plan: keep the estimate
            forced = float(cols.coef[x].sum() + cols.constant)
            info["delta"] = ex.coef_total - forced
            info["delta_low"] = min(low, info["delta"]) if not math.isnan(low) else math.nan
            info["confirmed"] = True
            info["resolve_status"] = outcome.status
            if how == "in":
                now = np.zeros(data.n, dtype=bool)
                now[cols.proj[x]] = True
                dropped = np.flatnonzero(ex.sel & ~now)
                info["displaced"] = sorted(dropped.tolist(), key=lambda j: -ex.chosen_coef(j))
                info["forced_selected"] = now
        log.info("explain_plan: %d re-solves in %.2f s", len(todo), time.perf_counter() - started)

    rows = []
    for i, info in enumerate(infos):
        if "delta" not in info and "est" in info:
            info["delta"], info["confirmed"] = float(info["est"]), False
        if info["code"] == "group_cap":
            info["used"] = ex.usage[info["row"].name]
        th, en = reason_texts(info, data, data.ids)
        related = info.get("related")
        if related is None and info.get("displaced"):
            related = data.ids[info["displaced"][0]]
        confirmed = bool(info.get("confirmed", False))
        rows.append((data.ids[i], bool(ex.sel[i]), info["code"], th, en, related,
                     float(info.get("delta", math.nan)),
                     float(info.get("delta_low", math.nan)) if confirmed else math.nan,
                     confirmed))
    return pd.DataFrame(
        rows, index=candidates.index,
        columns=["project_id", "selected", "reason_code", "reason_th", "reason_en",
                 "related_id", "objective_delta", "objective_delta_low", "confirmed"],
    )

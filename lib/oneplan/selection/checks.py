"""Which projects may start when, which floors can apply, and conflicts found before a solve.

:func:`feasible_starts` decides the columns of the plan model (a project ``i`` may start in
year ``t`` only if ``S[i,t]``) and why a project can never start (``PlanData.blocked``);
the comparison baselines honour exactly the same starts. :func:`resolve_group_limits`
turns the spec's :class:`~oneplan.selection.spec.GroupLimit` objects into rows, skipping
floors the candidates cannot meet. :func:`precheck_plan` (the plan) and
:func:`check_committed_fit` (the one-year selection) raise
:class:`~oneplan.selection.errors.InfeasibleSelectionError` naming the conflict before any
solve; what they miss HiGHS finds, and
:meth:`oneplan.selection.highs.PlanEngine.diagnose_infeasible` names.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass
from typing import Any, Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from oneplan.selection.candidates import (
    AlignedBudgetRow,
    PlanData,
    amount_text,
    list_text,
    sanitise_name,
)
from oneplan.selection.errors import InfeasibleSelectionError
from oneplan.selection.spec import GroupLimit

__all__ = [
    "GroupRow",
    "blocked_text",
    "check_committed_fit",
    "committed_closure",
    "feasible_starts",
    "precheck_plan",
    "requirement_edges",
    "resolve_group_limits",
]

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------
# Feasible starts
# --------------------------------------------------------------------------------------


def requirement_edges(data: PlanData) -> tuple[np.ndarray, np.ndarray]:
    """Precedence edges (B, A): project B requires project A."""
    pairs = [(b, a) for b, reqs in enumerate(data.requires) for a in reqs]
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    arr = np.array(pairs, dtype=np.int64)
    return arr[:, 0], arr[:, 1]


def committed_closure(data: PlanData) -> set[int]:
    """The committed projects and, transitively, every project they require."""
    out = set(data.committed)
    stack = list(out)
    while stack:
        for a in data.requires[stack.pop()]:
            if a not in out:
                out.add(a)
                stack.append(a)
    return out


def feasible_starts(data: PlanData) -> np.ndarray:
    """The start years each project may take: ``y[i,t]`` exists iff ``S[i,t]``.

    With ``k`` the index of year ``t`` in the plan (0-based), ``L_i`` the length of the
    cost profile and ``T`` the number of plan years::

        S[i,t] = eligible_i ∧ i ∉ E                    (eligibility, must-exclude)
                 ∧ k + L_i ≤ T                          (finishes inside the horizon)
                 ∧ t ≥ earliest_start_i                 (earliest start)
                 ∧ (ready_i ∨ k > 0)                    (readiness, if readiness_first_year)
                 ∧ (t = fixed_start_i if given)         (fixed start)
                 ∧ ∀ A required by i: ∃ s ≤ t, S[A,s]   (precedence: A can start no later)
                 ∧ (i required by a committed B ⇒ ∃ s ≥ t, S[B,s])

    Every other ``y[i,t]`` is fixed at 0 by omission. The last two lines are propagated
    to a fixed point. Projects left with no start get their reason in ``data.blocked``:
    ``(code, detail)`` with code ``excluded``, ``not_eligible``, ``not_ready_year_one``,
    ``outside_horizon`` or ``needs``.
    """
    T, years = data.T, data.years
    k = np.arange(T)
    base = data.eligible.copy()
    if data.excluded:
        base[list(data.excluded)] = False
    fits = k[None, :] + data.durations[:, None] <= T
    with np.errstate(invalid="ignore"):
        early_ok = ~(np.asarray(years, float)[None, :] < data.earliest[:, None])
    S0 = base[:, None] & fits & early_ok
    for i, kf in data.fixed.items():
        keep = np.zeros(T, dtype=bool)
        keep[kf] = True
        S0[i] &= keep
    S = S0.copy()
    if data.readiness_first_year:
        S[~data.ready, 0] = False
    not_ready_only = S0.any(axis=1) & ~S.any(axis=1)
    for i in data.unknown_requires:
        S[i] = False
    before_requirements = S.copy()

    eB, eA = requirement_edges(data)
    data.closure = committed_closure(data)
    if len(eB):
        committed_edge = np.array([b in data.closure for b in eB], dtype=bool)
        while True:
            allowed = np.ones_like(S)
            np.logical_and.at(allowed, eB, np.logical_or.accumulate(S[eA], axis=1))
            if committed_edge.any():
                later = np.logical_or.accumulate(S[eB[committed_edge]][:, ::-1], axis=1)[:, ::-1]
                np.logical_and.at(allowed, eA[committed_edge], later)
            new = S & allowed
            if np.array_equal(new, S):
                break
            S = new

    blocked: dict[int, tuple] = {}
    for i in np.flatnonzero(~S.any(axis=1)).tolist():
        if i in data.excluded:
            blocked[i] = ("excluded", {"reason": data.excluded[i]})
        elif not data.eligible[i]:
            blocked[i] = ("not_eligible", {})
        elif i in data.unknown_requires:
            blocked[i] = ("needs", {"ids": data.unknown_requires[i], "why": "not_candidate"})
        elif not_ready_only[i]:
            blocked[i] = ("not_ready_year_one", {})
        elif not S0[i].any():
            blocked[i] = ("outside_horizon", {
                "duration": int(data.durations[i]),
                "earliest": None if np.isnan(data.earliest[i]) else int(data.earliest[i]),
                "fixed": years[data.fixed[i]] if i in data.fixed else None,
            })
        else:
            culprit = None
            for a in data.requires[i]:
                if not (before_requirements[i] & np.logical_or.accumulate(S[a])).any():
                    culprit = a
                    break
            if culprit is None:  # required by a committed project that starts too early
                users = [b for b, a in zip(eB.tolist(), eA.tolist())
                         if a == i and b in data.closure]
                blocked[i] = ("needs", {"ids": [data.ids[b] for b in users],
                                        "why": "committed_needs_earlier"})
                continue
            why = "cannot_start" if not S[culprit].any() else "too_late"
            blocked[i] = ("needs", {"ids": [data.ids[culprit]], "index": culprit, "why": why})
    data.starts = S
    data.blocked = blocked
    return S


_BLOCKED_EN = {
    "excluded": "it is excluded ({reason})",
    "not_eligible": "it is not eligible for this budget source",
    "not_ready_year_one": "it is not ready and so cannot start in {first}, and no later "
                          "start finishes within the plan",
    "outside_horizon": "it cannot start and finish within the plan years",
}


def blocked_text(data: PlanData, i: int) -> str:
    """Why project ``i`` can never start (``data.blocked``), for an error message."""
    code, detail = data.blocked[i]
    if code == "needs":
        what = ", ".join(map(str, detail["ids"]))
        if detail["why"] == "not_candidate":
            return f"it requires {what}, which is not a candidate"
        if detail["why"] == "committed_needs_earlier":
            return f"committed project {what} needs it to start earlier than it can"
        if detail["why"] == "cannot_start":
            a = detail["index"]
            inner = blocked_text(data, a) if a in data.blocked else "it cannot start"
            return f"it requires {what}, which cannot be selected ({inner})"
        return f"it requires {what}, which cannot start early enough"
    return _BLOCKED_EN[code].format(first=data.years[0], **detail)


# --------------------------------------------------------------------------------------
# Floors and caps per group
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    """One floor or cap of one group, as it enters the model (``add_group_limits``)."""

    name: str            # constraint name
    label: str           # "district cap (district_code = 4001)"
    limit: GroupLimit
    key: Hashable
    kind: str            # min_count | max_count | min_baht | max_baht
    bound: float
    members: np.ndarray  # project indices of the group (all candidates)
    source: str          # which field set the bound, e.g. "max_share 0.15"


def _capable(data: PlanData) -> np.ndarray:
    """Projects that count towards a floor: a feasible start, eligible, ready or committed.

    Decided from the spec alone: ``force_in``/``force_out`` are what-if probes and do not
    change which floors apply (so a forced re-solve answers "same rules, this project
    in/out").
    """
    if data.forced_in or data.forced_out:
        data = dataclasses.replace(
            data,
            committed={i: r for i, r in data.committed.items() if i not in data.forced_in},
            excluded={i: r for i, r in data.excluded.items() if i not in data.forced_out},
            forced_in=set(), forced_out=set(), starts=None, blocked={},
        )
        feasible_starts(data)
    has_start = data.starts.any(axis=1)
    capable = has_start & data.eligible & data.ready
    if data.committed:
        capable[list(data.committed)] |= has_start[list(data.committed)]
    return capable


def resolve_group_limits(data: PlanData) -> tuple[list[GroupRow], list[str]]:
    """Resolve the GroupLimits into rows, skipping floors that cannot be met."""
    rows: list[GroupRow] = []
    skipped: list[str] = []
    plan_budget = float(data.budgets.sum())
    capable = _capable(data)
    used_names: set[str] = set()
    frame = data.frame
    for j, limit in enumerate(data.spec.group_limits):
        codes, uniques = pd.factorize(frame[limit.column], use_na_sentinel=True)
        order = np.argsort(codes, kind="stable")
        bounds_at = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
        by_key = {uniques[u]: order[bounds_at[u]:bounds_at[u + 1]] for u in range(len(uniques))}
        if limit.key is None:
            keys = sorted(by_key, key=lambda v: (str(type(v)), str(v)))
        else:
            keys = [limit.key]
        for key in keys:
            members = by_key.get(key)
            if members is None:  # the key may differ in type only (e.g. 4001 vs "4001")
                members = next((m for u, m in by_key.items() if u == key),
                               np.zeros(0, dtype=np.int64))
            members = np.asarray(members, dtype=np.int64)
            label = f"{limit.label} ({limit.column} = {key})"
            bounds: dict[str, tuple[float, str]] = {}
            if limit.max_count is not None:
                bounds["max_count"] = (float(limit.max_count), f"max_count {limit.max_count}")
            caps = []
            if limit.max_baht is not None and math.isfinite(float(limit.max_baht)):
                caps.append((float(limit.max_baht), f"max_baht {amount_text(limit.max_baht)}"))
            if limit.max_share is not None:
                if math.isfinite(plan_budget):
                    caps.append((limit.max_share * plan_budget,
                                 f"max_share {limit.max_share:g} of {amount_text(plan_budget)}"))
                else:
                    log.warning("%s: max_share ignored, the plan budget is unlimited", label)
            if caps:
                bounds["max_baht"] = min(caps)
            n_cap = int(capable[members].sum()) if len(members) else 0
            baht_cap = float(data.costs[members[capable[members]]].sum()) if len(members) else 0.0
            if limit.min_count is not None and limit.min_count > 0:
                if n_cap >= limit.min_count:
                    bounds["min_count"] = (float(limit.min_count), f"min_count {limit.min_count}")
                else:
                    skipped.append(f"{label}: min_count {limit.min_count} skipped, only "
                                   f"{n_cap} ready, eligible candidate(s)")
            floors = []
            if limit.min_baht is not None and limit.min_baht > 0:
                floors.append((float(limit.min_baht), f"min_baht {amount_text(limit.min_baht)}"))
            if limit.min_share is not None and limit.min_share > 0:
                if math.isfinite(plan_budget):
                    floors.append((limit.min_share * plan_budget,
                                   f"min_share {limit.min_share:g} of {amount_text(plan_budget)}"))
                else:
                    skipped.append(f"{label}: min_share skipped, the plan budget is unlimited")
            if floors:
                need, source = max(floors)
                if baht_cap >= need * (1 - 1e-12):
                    bounds["min_baht"] = (need, source)
                else:
                    skipped.append(f"{label}: {source} skipped, ready, eligible candidates "
                                   f"cost only {amount_text(baht_cap)}")
            for kind, (bound, source) in bounds.items():
                name = f"group_{sanitise_name(limit.label)}_{sanitise_name(key)}_{kind}"
                if name in used_names:
                    name = f"{name}_{j}"
                used_names.add(name)
                rows.append(GroupRow(name, label, limit, key, kind, bound, members, source))
    return rows, skipped


# --------------------------------------------------------------------------------------
# Conflicts found before a solve
# --------------------------------------------------------------------------------------


def check_committed_fit(
    rows: Sequence[AlignedBudgetRow], must_include: Sequence[Any], position: Mapping[Any, int]
) -> None:
    """Raise :class:`InfeasibleSelectionError` if the committed projects alone break a budget row.

    The message names every budget row that is broken, the committed projects with a
    cost in that row, and the amounts.
    """
    if not must_include:
        return
    idx = [position[pid] for pid in must_include]
    problems = []
    for row in rows:
        total = float(row.costs[idx].sum())
        if total > row.limit * (1 + 1e-12) + 1e-9:
            parts = [
                f"{pid} ({amount_text(row.costs[k])})"
                for pid, k in zip(must_include, idx)
                if row.costs[k] > 0
            ]
            problems.append(
                f"budget row {row.name!r}: committed projects cost {amount_text(total)} > "
                f"limit {amount_text(row.limit)} (over by {amount_text(total - row.limit)}): "
                f"{list_text(parts, 50)}"
            )
    if problems:
        raise InfeasibleSelectionError(
            "must-include projects alone exceed the budget; " + "; ".join(problems)
        )


def _spend_by_start(data: PlanData, i: int) -> np.ndarray:
    """(T starts, T years): baht spent by project ``i`` in each year for each start."""
    T = data.T
    out = np.zeros((T, T))
    for k in range(T):
        m = min(int(data.durations[i]), T - k)
        out[k, k:k + m] = data.costs[i] * data.profiles[i, :m]
    return out


def precheck_plan(data: PlanData, group_rows: Sequence[GroupRow]) -> None:
    """Raise :class:`InfeasibleSelectionError` naming the conflict, before any solve.

    Checks (``C`` = committed projects and everything they require):

    * every committed project has a feasible start (eligible, not excluded, ready in time,
      fits the horizon, its requirements can be met);
    * at most one project of ``C`` per alternative group;
    * for every window of consecutive years ``[a, b]``:
      ``Σ_{i∈C} min_{t∈S_i} spend_i(t, [a,b]) ≤ Σ_{τ=a..b} B_τ``
      (the least each committed project must spend in the window, given its profile and
      feasible starts, fits the budget);
    * ``C`` alone does not break a group cap (count or baht);
    * every applied floor can be reached by its selectable candidates.

    What these necessary conditions miss (e.g. floors that fit one by one but not
    together) is found by HiGHS and named by
    :meth:`oneplan.selection.highs.PlanEngine.diagnose_infeasible`.
    """
    problems = []
    ids, years = data.ids, data.years
    dead = [i for i in sorted(data.committed) if i in data.blocked]
    dead += [i for i in sorted(data.closure - set(data.committed)) if i in data.blocked]
    for i in dead:
        what = "committed project" if i in data.committed else "project required by a committed one"
        problems.append(f"{what} {ids[i]} cannot be selected: {blocked_text(data, i)}")
    if problems:
        raise InfeasibleSelectionError("; ".join(problems))

    closure = sorted(data.closure)
    by_alt: dict[Hashable, list[int]] = {}
    for i in closure:
        if data.alt_group[i] is not None:
            by_alt.setdefault(data.alt_group[i], []).append(i)
    for g, members in by_alt.items():
        if len(members) > 1:
            problems.append(
                f"alternative group {g!r} has more than one committed project: "
                + list_text([ids[i] for i in members], 50)
            )

    if closure:
        T = data.T
        least = np.zeros((len(closure), T, T))  # [project, a, b]: least spend in window
        for row, i in enumerate(closure):
            sp = _spend_by_start(data, i)[data.starts[i]]  # feasible starts only
            cum = np.concatenate([np.zeros((len(sp), 1)), np.cumsum(sp, axis=1)], axis=1)
            for a in range(T):
                for b in range(a, T):
                    least[row, a, b] = (cum[:, b + 1] - cum[:, a]).min()
        found = None
        for width in range(1, T + 1):
            for a in range(T - width + 1):
                b = a + width - 1
                need = least[:, a, b].sum()
                have = data.budgets[a:b + 1].sum()
                if need > have * (1 + 1e-12) + 1e-6:
                    found = (a, b, need, have)
                    break
            if found:
                break
        if found:
            a, b, need, have = found
            span = str(years[a]) if a == b else f"{years[a]}–{years[b]}"
            parts = [f"{ids[i]} ({amount_text(least[r, a, b])})"
                     for r, i in enumerate(closure) if least[r, a, b] > 0]
            problems.append(
                f"committed projects need at least {amount_text(need)} baht in {span} but the "
                f"budget there is {amount_text(have)} (over by {amount_text(need - have)}): "
                + list_text(parts, 50)
            )
    has_start = data.starts.any(axis=1)
    for row in group_rows:
        if not row.kind.startswith("min"):
            continue
        able = row.members[has_start[row.members]] if len(row.members) else row.members
        most = float(len(able)) if row.kind == "min_count" else float(data.costs[able].sum())
        if most < row.bound * (1 - 1e-12) - 1e-6:
            problems.append(
                f"{row.label}: the floor ({row.source}) cannot be met, its selectable "
                f"candidates give at most {amount_text(most)}"
                + (f" ({list_text([ids[i] for i in able], 20)})" if len(able) else "")
            )
    if closure:
        closure_set = set(closure)
        for row in group_rows:
            if not row.kind.startswith("max"):
                continue
            inside = [i for i in row.members.tolist() if i in closure_set]
            if not inside:
                continue
            used = len(inside) if row.kind == "max_count" else float(data.costs[inside].sum())
            if used > row.bound * (1 + 1e-12) + 1e-6:
                problems.append(
                    f"{row.label}: committed projects exceed the cap ({row.source}): "
                    f"{amount_text(used)} > {amount_text(row.bound)}: "
                    + list_text([ids[i] for i in inside], 50)
                )
    if problems:
        raise InfeasibleSelectionError("; ".join(problems))

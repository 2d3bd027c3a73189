"""An independent oracle for small plan instances: full enumeration, from the spec's words.

Written from ``docs/plan-model-api.md`` (the candidates table and :class:`PlanSpec`), not
from the model: nothing in ``oneplan.selection`` is called here. Every constraint family
is checked on its own terms:

* a project may start in year ``k`` of the plan only if it is eligible, not excluded,
  finishes inside the plan (``k + len(profile) ≤ T``), not before ``earliest_start``, not
  in the first year when not ready (``readiness_first_year``), in its ``fixed_start``
  year if it has one, and never if it requires a project that is not a candidate;
* yearly budgets: the plan's spending in each year (cost × profile share) ≤ the budget;
* ``requires``: a selected project's requirements are selected and start no later;
* ``alternative_group``: at most one selected per group;
* committed (``must_include``) projects are selected;
* group limits: caps on the count and on the baht (``max_baht``, ``max_share`` of the
  plan budget Σ_t B_t, the smaller); floors on the count and on the baht (the larger of
  ``min_baht`` and ``min_share`` × plan budget) apply only to a group whose ready,
  eligible candidates that can start (or committed ones) are enough to meet them;
* objective: Σ value × start_discount^k − stability_penalty × (approved projects of the
  baseline not started in their approved year).

:func:`best_plan` enumerates every assignment project → start year or none (pruning
partial assignments that already break a budget, a cap or an alternative group, which
only grow), :func:`violations` checks one plan against every family, and
:func:`best_selection` does the same for the one-year selection with its budget rows.
"""

from __future__ import annotations

import math
from typing import Any, Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

EPS = 1e-9  # relative slack for sums of floats in baht


def _ids(df: pd.DataFrame) -> list[Any]:
    return df["project_id"].tolist()


def _requirements(df: pd.DataFrame) -> list[list[Any]]:
    """Ids each project requires (``requires``: None, an id, or a list of ids)."""
    if "requires" not in df.columns:
        return [[] for _ in range(len(df))]
    out = []
    for r in df["requires"].tolist():
        if isinstance(r, (list, tuple)):
            out.append([v for v in r if isinstance(v, str)])
        else:
            out.append([r] if isinstance(r, str) else [])
    return out


def _column(df: pd.DataFrame, name: str, default: Any) -> list[Any]:
    return df[name].tolist() if name in df.columns else [default] * len(df)


def own_starts(df: pd.DataFrame, spec) -> list[list[int]]:
    """Start-year indices each project may take by its own rules (no precedence yet)."""
    years = list(spec.years)
    T = len(years)
    ids = set(_ids(df))
    eligible = _column(df, "eligible", True)
    ready = _column(df, "ready", True)
    earliest = _column(df, "earliest_start", None)
    out = []
    for j, pid in enumerate(_ids(df)):
        prof = df["cost_profile"].iat[j] if "cost_profile" in df.columns else (1.0,)
        ok = []
        blocked = (not eligible[j] or pid in spec.must_exclude
                   or any(a not in ids for a in _requirements(df)[j]))
        for k in range(T):
            if blocked or k + len(prof) > T:
                continue
            e = earliest[j]
            if e is not None and not pd.isna(e) and years[k] < int(e):
                continue
            if spec.readiness_first_year and not ready[j] and k == 0:
                continue
            if pid in spec.fixed_start and years[k] != int(spec.fixed_start[pid]):
                continue
            ok.append(k)
        out.append(ok)
    return out


def _committed_closure(df: pd.DataFrame, spec) -> set[int]:
    pos = {p: j for j, p in enumerate(_ids(df))}
    reqs = _requirements(df)
    out = {pos[p] for p in spec.must_include}
    stack = list(out)
    while stack:
        for a in reqs[stack.pop()]:
            if a in pos and pos[a] not in out:
                out.add(pos[a])
                stack.append(pos[a])
    return out


def can_start(df: pd.DataFrame, spec) -> list[set[int]]:
    """Start years left once requirements are taken into account: B at ``k`` needs each
    requirement able to start at some ``s ≤ k``; a project required (directly or not) by a
    committed one must be able to start no later than that project can."""
    dom = [set(d) for d in own_starts(df, spec)]
    pos = {p: j for j, p in enumerate(_ids(df))}
    edges = [(b, pos[a]) for b, rs in enumerate(_requirements(df)) for a in rs if a in pos]
    closure = _committed_closure(df, spec)
    changed = True
    while changed:
        changed = False
        for b, a in edges:
            new_b = {k for k in dom[b] if any(s <= k for s in dom[a])}
            new_a = ({s for s in dom[a] if any(k >= s for k in new_b)} if b in closure
                     else dom[a])
            if new_b != dom[b] or new_a != dom[a]:
                dom[b], dom[a], changed = new_b, new_a, True
    return dom


def group_rows(df: pd.DataFrame, spec) -> list[tuple[str, np.ndarray, str, float]]:
    """(label, members, kind, bound) of every floor and cap that applies."""
    committed = {j for j, p in enumerate(_ids(df)) if p in spec.must_include}
    dom = can_start(df, spec)
    eligible = _column(df, "eligible", True)
    ready = _column(df, "ready", True)
    counts = np.array([bool(dom[j]) and bool(eligible[j]) and (bool(ready[j]) or j in committed)
                       for j in range(len(df))])
    cost = df["cost_baht"].to_numpy(float)
    plan_budget = float(sum(spec.budget_by_year[y] for y in spec.years))
    rows = []
    for lim in spec.group_limits:
        col = df[lim.column].tolist()
        keys = sorted(set(col), key=str) if lim.key is None else [lim.key]
        for key in keys:
            members = np.array([v == key for v in col], dtype=bool)
            label = f"{lim.name or lim.column} {key}"
            if lim.max_count is not None:
                rows.append((label, members, "max_count", float(lim.max_count)))
            caps = [c for c in (lim.max_baht,
                                None if lim.max_share is None else lim.max_share * plan_budget)
                    if c is not None and math.isfinite(c)]
            if caps:
                rows.append((label, members, "max_baht", min(caps)))
            if lim.min_count and (members & counts).sum() >= lim.min_count:
                rows.append((label, members, "min_count", float(lim.min_count)))
            floors = [f for f in (lim.min_baht,
                                  None if lim.min_share is None else lim.min_share * plan_budget)
                      if f]
            if floors and cost[members & counts].sum() >= max(floors) * (1 - 1e-12):
                rows.append((label, members, "min_baht", max(floors)))
    return rows


def _spend(df: pd.DataFrame, T: int) -> np.ndarray:
    """(project, start, year): baht spent in each year for each start."""
    cost = df["cost_baht"].to_numpy(float)
    out = np.zeros((len(df), T, T))
    for j in range(len(df)):
        prof = df["cost_profile"].iat[j] if "cost_profile" in df.columns else (1.0,)
        for k in range(T):
            for s, share in enumerate(prof):
                if k + s < T:
                    out[j, k, k + s] = cost[j] * share
    return out


def _values(df: pd.DataFrame, spec, value_col: str) -> np.ndarray:
    """(project, start): objective value of each start."""
    v = df[value_col].to_numpy(float)
    d = float(spec.start_discount)
    return v[:, None] * d ** np.arange(len(spec.years))[None, :]


def _baseline(df: pd.DataFrame, spec) -> list[tuple[int, int]]:
    """(project, start index) of the approved plan's entries that are in this plan."""
    pos = {p: j for j, p in enumerate(_ids(df))}
    years = list(spec.years)
    return [(pos[p], years.index(int(y))) for p, y in (spec.baseline or {}).items()
            if p in pos and int(y) in years]


def plan_value(df: pd.DataFrame, spec, starts: Mapping[Any, int], value_col: str) -> float:
    """The objective of a plan (project id → start year)."""
    pos = {p: j for j, p in enumerate(_ids(df))}
    years = list(spec.years)
    vals = _values(df, spec, value_col)
    total = sum(vals[pos[p], years.index(int(y))] for p, y in starts.items())
    for j, kb in _baseline(df, spec):
        pid = _ids(df)[j]
        if pid not in starts or years.index(int(starts[pid])) != kb:
            total -= float(spec.stability_penalty)
    return float(total)


def violations(df: pd.DataFrame, spec, starts: Mapping[Any, int]) -> list[str]:
    """Every rule the plan (project id → start year) breaks; empty when it is feasible."""
    years = list(spec.years)
    T = len(years)
    ids = _ids(df)
    pos = {p: j for j, p in enumerate(ids)}
    dom = own_starts(df, spec)
    out = []
    k_of = {}
    for p, y in starts.items():
        if p not in pos or int(y) not in years:
            out.append(f"{p}: not a candidate or {y} not a plan year")
            continue
        k_of[pos[p]] = years.index(int(y))
        if k_of[pos[p]] not in dom[pos[p]]:
            out.append(f"{p}: may not start in {y}")
    spend = _spend(df, T)
    used = np.zeros(T)
    for j, k in k_of.items():
        used += spend[j, k]
    for t, y in enumerate(years):
        if used[t] > spec.budget_by_year[y] * (1 + EPS):
            out.append(f"budget {y}: {used[t]} > {spec.budget_by_year[y]}")
    reqs = _requirements(df)
    for b, k in k_of.items():
        for a in reqs[b]:
            if pos.get(a) not in k_of or k_of[pos[a]] > k:
                out.append(f"{ids[b]} requires {a} started no later")
    alt = _column(df, "alternative_group", None)
    groups: dict[Hashable, int] = {}
    for j in k_of:
        if isinstance(alt[j], str):
            groups[alt[j]] = groups.get(alt[j], 0) + 1
    out += [f"alternatives {g}: {c} selected" for g, c in groups.items() if c > 1]
    out += [f"{p} committed but not selected" for p in spec.must_include if p not in starts]
    chosen = np.zeros(len(df), dtype=bool)
    chosen[list(k_of)] = True
    cost = df["cost_baht"].to_numpy(float)
    for label, members, kind, bound in group_rows(df, spec):
        m = members & chosen
        amount = float(m.sum()) if kind.endswith("count") else float(cost[m].sum())
        if kind.startswith("max") and amount > bound * (1 + EPS):
            out.append(f"{label} {kind}: {amount} > {bound}")
        if kind.startswith("min") and amount < bound * (1 - EPS):
            out.append(f"{label} {kind}: {amount} < {bound}")
    return out


def best_plan(df: pd.DataFrame, spec, value_col: str = "priority"
              ) -> tuple[float, dict[Any, int]] | None:
    """The best objective and one best plan (id → start year), or None if no plan meets
    every rule. Enumerates project by project, dropping partial plans that already break
    a budget, a cap or an alternative group; the other rules are checked at the end."""
    years = list(spec.years)
    T = len(years)
    n = len(df)
    ids = _ids(df)
    pos = {p: j for j, p in enumerate(ids)}
    dom = own_starts(df, spec)
    spend = _spend(df, T)
    budgets = np.array([spec.budget_by_year[y] for y in years], float)
    cost = df["cost_baht"].to_numpy(float)
    rows = group_rows(df, spec)
    caps = [(m, kind, b) for _, m, kind, b in rows if kind.startswith("max")]
    floors = [(m, kind, b) for _, m, kind, b in rows if kind.startswith("min")]
    alt = _column(df, "alternative_group", None)
    alt_groups = sorted({a for a in alt if isinstance(a, str)})

    choice = np.full((1, 0), -1, dtype=np.int8)
    used = np.zeros((1, T))
    cap_used = np.zeros((1, len(caps)))
    alt_used = np.zeros((1, len(alt_groups)), dtype=np.int8)
    for j in range(n):
        options = [-1] + list(dom[j])
        parts_c, parts_u, parts_cap, parts_alt = [], [], [], []
        for o in options:
            parts_c.append(np.hstack([choice, np.full((len(choice), 1), o, np.int8)]))
            if o < 0:
                parts_u.append(used)
                parts_cap.append(cap_used)
                parts_alt.append(alt_used)
                continue
            parts_u.append(used + spend[j, o])
            add = np.array([0.0 if not m[j] else (1.0 if kind == "max_count" else cost[j])
                            for m, kind, _ in caps])
            parts_cap.append(cap_used + add)
            a = alt_used.copy()
            if isinstance(alt[j], str):
                a[:, alt_groups.index(alt[j])] += 1
            parts_alt.append(a)
        choice = np.concatenate(parts_c)
        used = np.concatenate(parts_u)
        cap_used = np.concatenate(parts_cap)
        alt_used = np.concatenate(parts_alt)
        ok = (used <= budgets * (1 + EPS)).all(axis=1)
        for r, (_, _, bound) in enumerate(caps):
            ok &= cap_used[:, r] <= bound * (1 + EPS)
        ok &= (alt_used <= 1).all(axis=1)
        choice, used, cap_used, alt_used = choice[ok], used[ok], cap_used[ok], alt_used[ok]
        if not len(choice):
            return None
    chosen = choice >= 0
    ok = np.ones(len(choice), dtype=bool)
    for p in spec.must_include:
        ok &= chosen[:, pos[p]]
    for b, rs in enumerate(_requirements(df)):
        for a in rs:
            if a in pos:
                ok &= ~chosen[:, b] | (chosen[:, pos[a]] & (choice[:, pos[a]] <= choice[:, b]))
    for m, kind, bound in floors:
        amount = (chosen[:, m].sum(axis=1) if kind == "min_count"
                  else (chosen * cost)[:, m].sum(axis=1))
        ok &= amount >= bound * (1 - EPS)
    if not ok.any():
        return None
    choice, chosen = choice[ok], chosen[ok]
    vals = _values(df, spec, value_col)
    k = np.maximum(choice, 0).astype(np.int64)
    obj = np.where(chosen, vals[np.arange(n)[None, :], k], 0.0).sum(axis=1)
    for j, kb in _baseline(df, spec):
        obj -= float(spec.stability_penalty) * (choice[:, j] != kb)
    best = int(np.argmax(obj))
    starts = {ids[j]: years[int(choice[best, j])] for j in range(n) if choice[best, j] >= 0}
    return float(obj[best]), starts


def best_selection(df: pd.DataFrame, budget: float, *, value_col: str, cost_col: str,
                   rows: Sequence[tuple[str, Any, float]] = (),
                   must_include: Sequence[Any] = (), must_exclude: Sequence[Any] = ()
                   ) -> tuple[float, set[Any]] | None:
    """The one-year selection by enumeration of every subset: Σ cost ≤ budget, each extra
    row ``(name, column name or {id: cost}, limit)`` respected, committed in, excluded
    out. The best value and one best set of ids, or None."""
    n = len(df)
    ids = _ids(df)
    subsets = ((np.arange(2 ** n)[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
    ok = np.ones(len(subsets), dtype=bool)
    matrix = [(df[cost_col].to_numpy(float), float(budget))]
    for _, costs, limit in rows:
        if isinstance(costs, str):
            matrix.append((df[costs].to_numpy(float), float(limit)))
        else:
            matrix.append((np.array([float(costs.get(p, 0.0)) for p in ids]), float(limit)))
    for a, limit in matrix:
        if math.isfinite(limit):
            ok &= subsets @ a <= limit * (1 + EPS)
    for p in must_include:
        ok &= subsets[:, ids.index(p)]
    for p in must_exclude:
        ok &= ~subsets[:, ids.index(p)]
    if not ok.any():
        return None
    value = subsets[ok] @ df[value_col].to_numpy(float)
    best = int(np.argmax(value))
    return float(value[best]), {ids[j] for j in np.flatnonzero(subsets[ok][best])}

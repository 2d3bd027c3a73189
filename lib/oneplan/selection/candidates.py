"""The candidates table and the spec, validated: what the model may rely on.

Everything that can be checked without a model is checked here, with messages that name
the column and the projects: ids (present, unique, distinct once sanitised for PuLP
names), numbers (finite, ≥ 0 where it matters), booleans, cost profiles, requirements,
committed/excluded/fixed projects and plan years. The result is aligned with the
candidate order (index ``i``): :class:`SelectionData` for the one-year selection,
:class:`PlanData` for the multi-year plan.

:func:`cost_profile` is the one reader of a ``cost_profile`` cell (the model, the
baselines and the revision all use it).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from oneplan.selection.errors import InfeasibleSelectionError
from oneplan.selection.spec import MAIN_BUDGET, BudgetRow, GroupLimit, PlanSpec

__all__ = [
    "AlignedBudgetRow",
    "PlanData",
    "SelectionData",
    "amount_text",
    "bool_column",
    "check_id_column",
    "check_ids",
    "cost_profile",
    "id_list",
    "is_missing",
    "list_text",
    "numeric_column",
    "prepare_plan",
    "prepare_selection",
    "resolve_budget_rows",
    "sanitise_name",
    "sanitise_names",
]

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^0-9A-Za-z_]")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


# --------------------------------------------------------------------------------------
# Names and small texts for messages
# --------------------------------------------------------------------------------------


def sanitise_name(value: Any) -> str:
    """A deterministic, LP-safe fragment for a PuLP name.

    ASCII letters, digits and ``_`` are kept; anything else becomes ``_`` and, so that
    e.g. ``"KK-01"`` and ``"KK 01"`` (or two Thai ids) stay distinct, a short SHA-1 of the
    original text is appended: ``"KK-01"`` → ``"KK_01_<8 hex>"``.
    """
    text = str(value)
    clean = _UNSAFE.sub("_", text)
    if clean != text or not clean:
        clean = f"{clean}_{hashlib.sha1(text.encode('utf-8')).hexdigest()[:8]}"
    return clean


def sanitise_names(values: Sequence[Any]) -> list[str]:
    """:func:`sanitise_name` of every value (vectorised; same result)."""
    text = pd.Series([str(v) for v in values], dtype=object)
    clean = text.str.replace(_UNSAFE.pattern, "_", regex=True)
    out = clean.tolist()
    for k in np.flatnonzero((clean != text).to_numpy() | (text == "").to_numpy()).tolist():
        t = text.iat[k]
        out[k] = f"{out[k]}_{hashlib.sha1(t.encode('utf-8')).hexdigest()[:8]}"
    return out


def amount_text(x: float) -> str:
    """A number for an error or log message: ``1,234,567.5`` (10 significant digits)."""
    return format(float(x), ",.10g")


def list_text(items: Sequence[Any], limit: int = 10) -> str:
    """The first ``limit`` items, comma-separated, and how many more there are."""
    shown = ", ".join(map(str, items[:limit]))
    return shown + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


# --------------------------------------------------------------------------------------
# Cells and columns
# --------------------------------------------------------------------------------------


def is_missing(x: Any) -> bool:
    """True for None, NA, NaT, NaN and a blank string."""
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    if isinstance(x, float) and math.isnan(x):
        return True
    return isinstance(x, str) and not x.strip()


def cost_profile(value: Any) -> tuple[float, ...] | None:
    """A ``cost_profile`` cell as shares of the cost per year from the start year.

    Missing (None, NA, NaN) → ``(1.0,)``, one year; a list, tuple or array → its numbers;
    a text such as ``"0.3;0.7"`` or ``"[0.3, 0.7]"`` → the numbers in it (``()`` for a
    blank text). ``None`` when the cell is none of these (e.g. a lone number). Whether the
    shares are ≥ 0 and sum to 1 is checked by the model (:class:`PlanData`), not here.
    """
    if not isinstance(value, (str, list, tuple, np.ndarray)) and is_missing(value):
        return (1.0,)
    if isinstance(value, str):
        value = [float(t) for t in _NUMBER.findall(value)]
    try:
        return tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None


def numeric_column(frame: pd.DataFrame, col: str, ids: list[Any], *, what: str,
                   nonneg: bool) -> np.ndarray:
    """Column ``col`` as floats; ``ValueError`` naming the projects when a value is not a
    finite number (or negative, with ``nonneg``)."""
    if col not in frame.columns:
        raise ValueError(f"{what} column {col!r} is missing from the candidates")
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if nonneg:
        bad |= values < 0
    if bad.any():
        detail = [f"{ids[k]} ({frame[col].iloc[k]!r})" for k in np.flatnonzero(bad)]
        need = "finite and ≥ 0" if nonneg else "finite"
        raise ValueError(
            f"{what} column {col!r} must be {need}; not so for project(s): {list_text(detail)}"
        )
    return values


def bool_column(frame: pd.DataFrame, col: str, ids: list[Any], *, na: bool) -> np.ndarray:
    """Column ``col`` as booleans (missing → ``na``); ``ValueError`` naming the projects
    whose value is not True/False/0/1."""
    series = frame[col]
    if series.dtype == bool:
        return series.to_numpy(dtype=bool)
    if str(series.dtype) == "boolean":
        return series.fillna(na).to_numpy(dtype=bool)
    out = np.empty(len(frame), dtype=bool)
    bad = []
    for k, v in enumerate(frame[col].tolist()):
        if is_missing(v):
            out[k] = na
        elif isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, float, np.number))
                                                 and v in (0, 1)):
            out[k] = bool(v)
        else:
            bad.append(f"{ids[k]} ({v!r})")
    if bad:
        raise ValueError(f"column {col!r} must be True/False; not so for: {list_text(bad)}")
    return out


# --------------------------------------------------------------------------------------
# Ids
# --------------------------------------------------------------------------------------


def id_list(wanted: Iterable[Any], what: str) -> list[Any]:
    """``wanted`` as a list without repeats (a lone string is an error, not many ids)."""
    if isinstance(wanted, (str, bytes)):
        raise ValueError(f"{what} must be a collection of project ids, not the string {wanted!r}")
    return list(dict.fromkeys(wanted))


def check_ids(wanted: Iterable[Any], position: Mapping[Any, int], what: str) -> list[Any]:
    """:func:`id_list` of ``wanted``; ``ValueError`` naming the ids not in ``position``."""
    out = id_list(wanted, what)
    unknown = [pid for pid in out if pid not in position]
    if unknown:
        raise ValueError(f"{what} lists unknown project id(s): {list_text(unknown)}")
    return out


def check_id_column(
    candidates: pd.DataFrame, id_col: str
) -> tuple[list[Any], dict[Any, int], list[str]]:
    """Ids (input order), id → position, and the sanitised ids used in variable names.

    Raises ``ValueError`` for a missing column, missing or duplicated ids, or two ids that
    sanitise to the same name (e.g. ``1`` and ``"1"``).
    """
    if id_col not in candidates.columns:
        raise ValueError(f"id column {id_col!r} is missing from the candidates")
    id_series = candidates[id_col]
    if id_series.isna().any():
        rows = candidates.index[id_series.isna()].tolist()
        raise ValueError(f"id column {id_col!r} has missing values at row(s): {list_text(rows)}")
    dup = id_series[id_series.duplicated(keep=False)].unique().tolist()
    if dup:
        raise ValueError(f"duplicated project id(s) in {id_col!r}: {list_text(dup)}")
    ids = id_series.tolist()
    position = {pid: k for k, pid in enumerate(ids)}
    safe = sanitise_names(ids)
    if len(set(safe)) != len(safe):
        clash = pd.Series(safe)[pd.Series(safe).duplicated(keep=False)]
        raise ValueError(
            "project ids map to the same variable name (e.g. 1 and '1'): "
            + list_text([ids[k] for k in clash.index])
        )
    return ids, position, safe


# --------------------------------------------------------------------------------------
# The one-year selection
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlignedBudgetRow:
    """A resolved budget row: costs aligned with the candidate order."""

    name: str
    constraint: str
    costs: np.ndarray
    limit: float


@dataclass
class SelectionData:
    """The validated input of the one-year selection, in candidate order."""

    ids: list[Any]
    position: dict[Any, int]
    names: list[str]                # variable names x_<sanitised id>
    values: np.ndarray
    rows: list[AlignedBudgetRow]
    must_include: list[Any]
    must_exclude: list[Any]


def resolve_budget_rows(
    frame: pd.DataFrame,
    ids: list[Any],
    budget: float,
    cost_col: str,
    extra_budgets: Sequence[BudgetRow],
) -> list[AlignedBudgetRow]:
    """The main budget row plus the extra rows, with costs aligned to ``ids``."""
    rows: list[AlignedBudgetRow] = []
    budget = float(budget)
    if math.isnan(budget) or budget < 0:
        raise ValueError(f"budget must be ≥ 0 (or inf), got {budget}")
    costs = numeric_column(frame, cost_col, ids, what="cost", nonneg=True)
    rows.append(AlignedBudgetRow(MAIN_BUDGET, MAIN_BUDGET, costs, budget))

    position = {pid: k for k, pid in enumerate(ids)}
    seen = {MAIN_BUDGET}
    for row in extra_budgets:
        constraint = f"{MAIN_BUDGET}_{sanitise_name(row.name)}"
        if constraint in seen:
            raise ValueError(f"duplicate budget row name {row.name!r}")
        seen.add(constraint)
        limit = float(row.limit)
        if math.isnan(limit) or limit < 0:
            raise ValueError(f"budget row {row.name!r}: limit must be ≥ 0 (or inf), got {limit}")
        if isinstance(row.costs, str):
            a = numeric_column(frame, row.costs, ids, what=f"budget row {row.name!r} cost",
                               nonneg=True)
        else:
            a = np.zeros(len(ids), dtype=float)
            unknown = []
            for pid, c in row.costs.items():
                k = position.get(pid)
                if k is None:
                    unknown.append(pid)
                    continue
                c = float(c)
                if not math.isfinite(c) or c < 0:
                    raise ValueError(
                        f"budget row {row.name!r}: cost of project {pid} must be finite "
                        f"and ≥ 0, got {c}"
                    )
                a[k] = c
            if unknown:
                log.warning(
                    "budget row %r lists %d project id(s) not among the candidates (ignored): %s",
                    row.name, len(unknown), list_text(unknown),
                )
        rows.append(AlignedBudgetRow(str(row.name), constraint, a, limit))
    return rows


def prepare_selection(
    candidates: pd.DataFrame,
    budget: float,
    *,
    value_col: str,
    cost_col: str,
    id_col: str,
    extra_budgets: Sequence[BudgetRow],
    must_include: Iterable[Any],
    must_exclude: Iterable[Any],
) -> SelectionData:
    """Validate the input of the one-year selection (the budget fit of the committed
    projects is checked by :func:`oneplan.selection.checks.check_committed_fit`)."""
    ids, position, safe = check_id_column(candidates, id_col)
    names = [f"x_{name}" for name in safe]

    values = numeric_column(candidates, value_col, ids, what="value", nonneg=False)
    rows = resolve_budget_rows(candidates, ids, budget, cost_col, extra_budgets)
    include = check_ids(must_include, position, "must_include")
    exclude = check_ids(must_exclude, position, "must_exclude")
    excluded = set(exclude)
    both = [pid for pid in include if pid in excluded]
    if both:
        raise InfeasibleSelectionError(
            f"project(s) both in must_include and must_exclude: {list_text(both)}"
        )
    return SelectionData(ids, position, names, values, rows, include, exclude)


# --------------------------------------------------------------------------------------
# The multi-year plan
# --------------------------------------------------------------------------------------


@dataclass
class PlanData:
    """Validated candidates and spec, aligned with the candidate order (index ``i``).

    ``starts``, ``blocked`` and ``closure`` are filled in by
    :func:`oneplan.selection.checks.feasible_starts`.
    """

    ids: list[Any]
    position: dict[Any, int]
    safe: list[str]                 # sanitised ids, for names
    years: list[int]
    budgets: np.ndarray             # (T,), inf = no limit
    values: np.ndarray              # (n,)
    costs: np.ndarray               # (n,)
    profiles: np.ndarray            # (n, T) cost shares from the start year, zero-padded
    durations: np.ndarray           # (n,) length of the cost profile in years
    ready: np.ndarray
    eligible: np.ndarray
    earliest: np.ndarray            # (n,) float year, nan = none
    requires: list[tuple[int, ...]]
    unknown_requires: dict[int, list[Any]]
    alt_group: list[Hashable | None]
    committed: dict[int, str]       # must_include and force_in: i -> reason
    excluded: dict[int, str]        # must_exclude and force_out: i -> reason
    forced_in: set[int]
    forced_out: set[int]
    fixed: dict[int, int]           # i -> year index
    baseline: dict[int, int]        # i -> year index
    frame: pd.DataFrame
    spec: PlanSpec
    discount: float
    penalty: float
    readiness_first_year: bool
    starts: np.ndarray = None       # (n, T) feasible start years, see feasible_starts
    blocked: dict[int, tuple] = field(default_factory=dict)
    closure: set[int] = field(default_factory=set)  # committed + what they require

    @property
    def n(self) -> int:
        """Number of candidates."""
        return len(self.ids)

    @property
    def T(self) -> int:
        """Number of plan years."""
        return len(self.years)


def _check_years(years: Sequence[int]) -> list[int]:
    try:
        out = [int(y) for y in years]
    except (TypeError, ValueError):
        raise ValueError(f"PlanSpec.years must be whole fiscal years, got {years!r}") from None
    if not out:
        raise ValueError("PlanSpec.years is empty; give at least one fiscal year")
    if any(b != a + 1 for a, b in zip(out, out[1:])):
        raise ValueError(f"PlanSpec.years must be consecutive fiscal years in order, got {out}")
    return out


def _profiles(frame: pd.DataFrame, ids: list[Any], T: int) -> tuple[np.ndarray, np.ndarray]:
    """Cost profiles padded to the horizon and their lengths (see the candidates table)."""
    n = len(frame)
    profiles = np.zeros((n, T))
    durations = np.ones(n, dtype=np.int64)
    if "cost_profile" not in frame.columns:
        profiles[:, 0] = 1.0
        return profiles, durations
    cache: dict[tuple, tuple[float, ...] | None] = {}
    bad = []
    for i, p in enumerate(frame["cost_profile"].tolist()):
        key = tuple(p) if isinstance(p, (list, tuple, np.ndarray)) else (p,)
        try:
            prof = cache[key]
        except (KeyError, TypeError):
            prof = cost_profile(p)
            if prof is not None and (
                not prof or not all(math.isfinite(v) and v >= 0 for v in prof)
                or abs(sum(prof) - 1.0) > 1e-6
            ):
                prof = None
            try:
                cache[key] = prof
            except TypeError:
                pass
        if prof is None:
            bad.append(f"{ids[i]} ({p!r})")
            continue
        durations[i] = len(prof)
        m = min(len(prof), T)
        profiles[i, :m] = prof[:m]
    if bad:
        raise ValueError(
            "cost_profile must be shares ≥ 0 of the cost per year from the start year, "
            f"summing to 1; not so for: {list_text(bad)}"
        )
    return profiles, durations


def _requirements(
    frame: pd.DataFrame, ids: list[Any], position: Mapping[Any, int]
) -> tuple[list[tuple[int, ...]], dict[int, list[Any]]]:
    n = len(frame)
    if "requires" not in frame.columns:
        return [()] * n, {}
    out: list[tuple[int, ...]] = [()] * n
    unknown: dict[int, list[Any]] = {}
    values = frame["requires"].tolist()
    present = ~frame["requires"].isna().to_numpy()
    for i in np.flatnonzero(present).tolist():
        r = values[i]
        if isinstance(r, (list, tuple, set, frozenset, np.ndarray)):
            wanted = [v for v in r if not is_missing(v)]
        else:
            wanted = [] if is_missing(r) else [r]
        known = []
        for pid in dict.fromkeys(wanted):
            if pid == ids[i]:
                raise ValueError(f"project {pid} requires itself")
            if pid in position:
                known.append(position[pid])
            else:
                unknown.setdefault(i, []).append(pid)
        out[i] = tuple(known)
    if unknown:
        log.warning(
            "%d project(s) require a project that is not a candidate; they cannot be "
            "selected: %s", len(unknown),
            list_text([f"{ids[i]} needs {', '.join(map(str, u))}" for i, u in unknown.items()]),
        )
    return out, unknown


def _reasons(wanted: Any, position: Mapping[Any, int], what: str, default: str) -> dict[int, str]:
    if wanted is None:
        return {}
    if isinstance(wanted, Mapping):
        items = [(pid, "" if is_missing(r) else str(r)) for pid, r in wanted.items()]
    else:
        items = [(pid, default) for pid in id_list(wanted, what)]
    unknown = [pid for pid, _ in items if pid not in position]
    if unknown:
        raise ValueError(f"{what} lists unknown project id(s): {list_text(unknown)}")
    return {position[pid]: (reason or default) for pid, reason in items}


def _year_index(mapping: Mapping[Any, Any] | None, position: Mapping[Any, int],
                years: list[int], what: str, *, strict: bool) -> dict[int, int]:
    out: dict[int, int] = {}
    if not mapping:
        return out
    ignored = []
    for pid, year in mapping.items():
        if pid not in position:
            if strict:
                raise ValueError(f"{what} lists unknown project id {pid!r}")
            ignored.append(f"{pid} (not a candidate)")
            continue
        try:
            k = years.index(int(year))
        except (TypeError, ValueError):
            if strict:
                raise ValueError(
                    f"{what}[{pid!r}] = {year!r} is not one of the plan years {years}"
                ) from None
            ignored.append(f"{pid} ({year!r} outside the plan)")
            continue
        out[position[pid]] = k
    if ignored:
        log.warning("%s: ignoring %d entr(ies): %s", what, len(ignored), list_text(ignored))
    return out


def _budgets(spec: PlanSpec, years: list[int]) -> np.ndarray:
    budgets = np.empty(len(years))
    missing = [y for y in years if y not in spec.budget_by_year]
    if missing:
        raise ValueError(f"budget_by_year has no budget for year(s) {missing}")
    for k, y in enumerate(years):
        b = float(spec.budget_by_year[y])
        if math.isnan(b) or b < 0:
            raise ValueError(f"budget for {y} must be ≥ 0 (or inf), got {b}")
        budgets[k] = b
    extra = [y for y in spec.budget_by_year if y not in years]
    if extra:
        log.warning("budget_by_year has years outside the plan (ignored): %s", extra)
    return budgets


def prepare_plan(
    candidates: pd.DataFrame,
    spec: PlanSpec,
    *,
    value_col: str | None,
    force_in: Iterable[Any] = (),
    force_out: Iterable[Any] = (),
) -> PlanData:
    """Validate the candidates and the spec (everything checkable without a model).

    ``value_col=None`` reads no value (all 0), for callers that only need which projects
    may start when. ``force_in``/``force_out`` act as extra must-include/must-exclude
    entries.
    """
    if not isinstance(candidates, pd.DataFrame):
        raise TypeError("candidates must be a pandas DataFrame")
    if not isinstance(spec, PlanSpec):
        raise TypeError("spec must be a PlanSpec")
    ids, position, safe = check_id_column(candidates, "project_id")
    years = _check_years(spec.years)
    T = len(years)
    budgets = _budgets(spec, years)

    discount = float(spec.start_discount)
    if not (math.isfinite(discount) and discount > 0):
        raise ValueError(f"start_discount must be > 0, got {spec.start_discount!r}")
    penalty = float(spec.stability_penalty)
    if not (math.isfinite(penalty) and penalty >= 0):
        raise ValueError(f"stability_penalty must be ≥ 0, got {spec.stability_penalty!r}")

    values = (np.zeros(len(ids)) if value_col is None else
              numeric_column(candidates, value_col, ids, what="value", nonneg=False))
    costs = numeric_column(candidates, "cost_baht", ids, what="cost", nonneg=True)
    profiles, durations = _profiles(candidates, ids, T)
    if "ready" in candidates.columns:
        ready = bool_column(candidates, "ready", ids, na=False)
    elif spec.readiness_first_year:
        raise ValueError(
            "column 'ready' is missing from the candidates (needed because "
            "PlanSpec.readiness_first_year is True)"
        )
    else:
        ready = np.ones(len(ids), dtype=bool)
    eligible = (bool_column(candidates, "eligible", ids, na=True)
                if "eligible" in candidates.columns else np.ones(len(ids), dtype=bool))
    earliest = (pd.to_numeric(candidates["earliest_start"], errors="coerce").to_numpy(float)
                if "earliest_start" in candidates.columns else np.full(len(ids), np.nan))
    if "earliest_start" in candidates.columns:
        bad = np.isnan(earliest) & ~candidates["earliest_start"].isna().to_numpy()
        if bad.any():
            raise ValueError("earliest_start must be a fiscal year or empty; not so for: "
                             + list_text([ids[i] for i in np.flatnonzero(bad)]))
    requires, unknown = _requirements(candidates, ids, position)
    alt = ([None if is_missing(g) else g for g in candidates["alternative_group"].tolist()]
           if "alternative_group" in candidates.columns else [None] * len(ids))

    committed = _reasons(spec.must_include, position, "must_include", "committed")
    excluded = _reasons(spec.must_exclude, position, "must_exclude", "excluded")
    committed = {i: committed[i] for i in sorted(committed)}
    spec_in, spec_out = set(committed), set(excluded)
    forced_in = _reasons(force_in, position, "force_in", "forced in")
    forced_out = _reasons(force_out, position, "force_out", "forced out")
    for i, r in forced_in.items():
        committed.setdefault(i, r)
    for i, r in forced_out.items():
        excluded.setdefault(i, r)
    both = sorted(set(committed) & set(excluded))
    if both:
        raise InfeasibleSelectionError(
            "project(s) both committed (must_include/force_in) and excluded "
            "(must_exclude/force_out): "
            + list_text([f"{ids[i]} (committed: {committed[i]}; excluded: {excluded[i]})"
                         for i in both])
        )
    fixed = _year_index(spec.fixed_start, position, years, "fixed_start", strict=True)
    baseline = _year_index(spec.baseline, position, years, "baseline", strict=False)
    for limit in spec.group_limits:
        if not isinstance(limit, GroupLimit):
            raise TypeError(f"group_limits must hold GroupLimit objects, got {limit!r}")
        if limit.column not in candidates.columns:
            raise ValueError(f"group limit {limit.label!r}: column {limit.column!r} is missing")
    return PlanData(
        ids=ids, position=position, safe=safe, years=years, budgets=budgets, values=values,
        costs=costs, profiles=profiles, durations=durations, ready=ready, eligible=eligible,
        earliest=earliest, requires=requires, unknown_requires=unknown, alt_group=alt,
        committed=committed, excluded=excluded, forced_in=set(forced_in) - spec_in,
        forced_out=set(forced_out) - spec_out, fixed=fixed,
        baseline=baseline, frame=candidates, spec=spec, discount=discount, penalty=penalty,
        readiness_first_year=bool(spec.readiness_first_year),
    )

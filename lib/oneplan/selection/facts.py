"""Follow-up facts of an approved water plan: what they are, reading and writing them,
and a synthetic sample for demonstrations.

Khon Kaen reviews its water plan 6 and 12 months after approval. By then some projects
have started, some are late, some cost more than estimated, one or two are cancelled, the
budget of a coming year may be cut and new proposals arrive: those are the follow-up
facts that :func:`oneplan.selection.revision.revise_plan` turns into a revised plan.

Follow-up facts (:class:`FollowUpFacts`)
----------------------------------------
``events`` — one row per fact about one project (several rows per project are allowed,
e.g. a delay and a cost overrun):

============== ======== ===============================================================
column         type     meaning
============== ======== ===============================================================
project_id     str      a candidate (or a new proposal) id
event          str      ``delay`` | ``cost_overrun`` | ``cancelled`` | ``started`` |
                        ``completed``
new_cost_baht  float    the new total cost (required for ``cost_overrun``; optional for
                        the others, e.g. the final cost of a completed project)
delay_years    int      years the start slips (required ≥ 1 for ``delay``)
note           str      free text shown in the reasons (e.g. "ที่ดินยังไม่ได้รับอนุญาต")
============== ======== ===============================================================

``budget_changes`` — plan-level budget facts, one row per fiscal year changed:
``fiscal_year`` (พ.ศ.), ``change_pct`` (e.g. ``-10`` for a 10 % cut) *or*
``new_budget_baht`` (the new amount; wins when both are given), ``note``.

``new_proposals`` — extra candidate rows with the candidates' columns (``project_id``,
``cost_baht``, ``ready``, the group columns used by the plan's limits, and either the
value column or the priority source columns — ``households_served``, ``area_rai``,
``storage_m3``, ``need_index`` — so they are scored on the approved plan's scale).

Files: an XLSX with sheets ``events`` (required), ``budget`` and ``proposals``; or a CSV
of events with optional companions ``<stem>.budget.csv`` and ``<stem>.proposals.csv``
(:func:`read_facts`, :func:`write_facts`). :func:`sample_followup` makes a deterministic,
clearly labelled synthetic set for demonstrations.

The small helpers every plan form needs are here too: :func:`plan_frame`,
:func:`plan_starts` (a ``PlanResult``, ``PlanVersion``, ``Revision`` or DataFrame),
:func:`first_open_year` (which plan years a review ``months`` after approval may still
change) and :func:`spending_profile`.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from oneplan.core import thai
from oneplan.core.files import write_csv, write_xlsx
from oneplan.core.text import text
from oneplan.selection.candidates import cost_profile, is_missing

__all__ = [
    "BUDGET_COLUMNS",
    "EVENTS",
    "EVENT_COLUMNS",
    "RESULT_COLUMNS",
    "FactsError",
    "FollowUpFacts",
    "jsonable",
    "first_open_year",
    "plan_frame",
    "plan_starts",
    "read_facts",
    "sample_followup",
    "spending_profile",
    "write_facts",
]

log = logging.getLogger(__name__)

EVENTS = ("delay", "cost_overrun", "cancelled", "started", "completed")
"""The kinds of follow-up event (labels: ``selection.facts.event`` in the catalogue)."""
EVENT_COLUMNS = ["project_id", "event", "new_cost_baht", "delay_years", "note"]
"""Columns of the events table."""
BUDGET_COLUMNS = ["fiscal_year", "change_pct", "new_budget_baht", "note"]
"""Columns of the budget-changes table."""
RESULT_COLUMNS = ("selected", "start_year")
"""Columns a plan adds to the candidates; dropped before a plan is reused as input."""


class FactsError(ValueError):
    """Follow-up facts that cannot be applied; the message names the rows."""


# --------------------------------------------------------------------------------------
# Follow-up facts
# --------------------------------------------------------------------------------------


def _empty_events() -> pd.DataFrame:
    """An events table without rows, with the columns' types."""
    return pd.DataFrame({
        "project_id": pd.Series(dtype=object), "event": pd.Series(dtype=object),
        "new_cost_baht": pd.Series(dtype=float), "delay_years": pd.Series(dtype="Int64"),
        "note": pd.Series(dtype=object)})


def _empty_budget() -> pd.DataFrame:
    """A budget-changes table without rows, with the columns' types."""
    return pd.DataFrame({
        "fiscal_year": pd.Series(dtype="Int64"), "change_pct": pd.Series(dtype=float),
        "new_budget_baht": pd.Series(dtype=float), "note": pd.Series(dtype=object)})


@dataclass
class FollowUpFacts:
    """What the 6- or 12-month follow-up found (see the module docstring for the columns).

    ``synthetic`` marks the sample made by :func:`sample_followup`; reports must say so.
    """

    events: pd.DataFrame = field(default_factory=_empty_events)
    budget_changes: pd.DataFrame = field(default_factory=_empty_budget)
    new_proposals: pd.DataFrame = field(default_factory=pd.DataFrame)
    months: int | None = None
    synthetic: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        self.events = _normalise_events(self.events)
        self.budget_changes = _normalise_budget(self.budget_changes)
        if self.new_proposals is None:
            self.new_proposals = pd.DataFrame()
        self.new_proposals = self.new_proposals.reset_index(drop=True)

    @classmethod
    def empty(cls, months: int | None = None) -> "FollowUpFacts":
        """No facts at all: the revision must return the approved plan."""
        return cls(months=months, source="none")

    @property
    def is_empty(self) -> bool:
        """No event, no budget change, no new proposal."""
        return self.events.empty and self.budget_changes.empty and self.new_proposals.empty

    def counts(self) -> dict[str, int]:
        """Number of events of each kind, budget changes and new proposals."""
        out = {e: int((self.events["event"] == e).sum()) for e in EVENTS}
        out["budget_changes"] = len(self.budget_changes)
        out["new_proposals"] = len(self.new_proposals)
        return out

    def summary_json(self) -> dict[str, Any]:
        """A compact description stored with a plan version."""
        return {"months": self.months, "synthetic": self.synthetic, "source": self.source,
                "counts": self.counts(),
                "budget_changes": _records(self.budget_changes),
                "events": _records(self.events)}


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``df`` as JSON-ready dicts."""
    return [{k: jsonable(v) for k, v in rec.items()} for rec in df.to_dict("records")]


def jsonable(v: Any) -> Any:
    """``v`` as a plain JSON value: numpy numbers and arrays, NA/NaN → None, times → ISO."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(float(v)) else float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, (pd.Timestamp, datetime)):
        return v.isoformat()
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def _normalise_events(df: pd.DataFrame | None) -> pd.DataFrame:
    """The events with the standard columns, checked (:class:`FactsError` names rows)."""
    if df is None or len(df) == 0:
        return _empty_events()
    df = df.copy()
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in ("project_id", "event") if c not in df.columns]
    if missing:
        raise FactsError(f"follow-up events need columns {missing}; have {list(df.columns)}")
    for col in EVENT_COLUMNS:
        if col not in df.columns:
            df[col] = None
    df = df[EVENT_COLUMNS + [c for c in df.columns if c not in EVENT_COLUMNS]]
    df = df[~df["project_id"].map(is_missing)].reset_index(drop=True)
    df["project_id"] = df["project_id"].astype(str).str.strip()
    df["event"] = df["event"].astype(str).str.strip().str.lower()
    df["note"] = df["note"].map(lambda v: "" if is_missing(v) else str(v).strip())
    bad = df.loc[~df["event"].isin(EVENTS)]
    if len(bad):
        rows = ", ".join(f"{r.project_id}: {r.event!r}" for r in bad.head(10).itertuples())
        raise FactsError(f"unknown follow-up event(s) {rows}; expected one of {EVENTS}")
    df["new_cost_baht"] = pd.to_numeric(
        df["new_cost_baht"].map(lambda v: None if is_missing(v) else thai.parse_number(str(v))
                                if isinstance(v, str) else v), errors="coerce").astype(float)
    delay = pd.to_numeric(df["delay_years"], errors="coerce")
    if ((delay.dropna() % 1) != 0).any():
        raise FactsError("delay_years must be whole years")
    df["delay_years"] = delay.round().astype("Int64")
    problems = []
    for r in df.itertuples():
        if r.event == "cost_overrun" and not (r.new_cost_baht > 0):
            problems.append(f"{r.project_id}: cost_overrun needs new_cost_baht > 0")
        elif not is_missing(r.new_cost_baht) and not (r.new_cost_baht > 0):
            problems.append(f"{r.project_id}: new_cost_baht must be > 0")
        if r.event == "delay" and (is_missing(r.delay_years) or int(r.delay_years) < 1):
            problems.append(f"{r.project_id}: delay needs delay_years ≥ 1")
        elif not is_missing(r.delay_years) and int(r.delay_years) < 0:
            problems.append(f"{r.project_id}: delay_years must be ≥ 0")
    if problems:
        raise FactsError("bad follow-up events: " + "; ".join(problems[:10]))
    return df


def _normalise_budget(df: pd.DataFrame | None) -> pd.DataFrame:
    """The budget changes with the standard columns, checked."""
    if df is None or len(df) == 0:
        return _empty_budget()
    df = df.copy()
    df.columns = [str(c).strip() for c in df.columns]
    if "fiscal_year" not in df.columns:
        raise FactsError("budget changes need a fiscal_year column")
    for col in BUDGET_COLUMNS:
        if col not in df.columns:
            df[col] = None
    df = df[BUDGET_COLUMNS]
    df = df[~df["fiscal_year"].map(is_missing)].reset_index(drop=True)
    df["fiscal_year"] = pd.to_numeric(df["fiscal_year"], errors="raise").astype("Int64")
    df["change_pct"] = pd.to_numeric(df["change_pct"], errors="coerce").astype(float)
    df["new_budget_baht"] = pd.to_numeric(df["new_budget_baht"], errors="coerce").astype(float)
    df["note"] = df["note"].map(lambda v: "" if is_missing(v) else str(v).strip())
    bad = df[df["change_pct"].isna() & df["new_budget_baht"].isna()]
    if len(bad):
        raise FactsError("budget change for FY "
                         f"{', '.join(map(str, bad['fiscal_year']))} gives neither "
                         "change_pct nor new_budget_baht")
    if (df["change_pct"].dropna() <= -100).any() or (df["new_budget_baht"].dropna() < 0).any():
        raise FactsError("a budget change must leave a budget ≥ 0 (change_pct > -100)")
    if df["fiscal_year"].duplicated().any():
        raise FactsError("one budget change per fiscal year, please: "
                         f"{sorted(df.loc[df['fiscal_year'].duplicated(), 'fiscal_year'])}")
    return df


def read_facts(path: str | Path, *, months: int | None = None) -> FollowUpFacts:
    """Read follow-up facts from an XLSX (sheets ``events``, ``budget``, ``proposals``;
    a ``README`` sheet is ignored) or a CSV of events with optional companions
    ``<stem>.budget.csv`` / ``<stem>.proposals.csv``. Raises :class:`FactsError`."""
    path = Path(path)
    if not path.exists():
        raise FactsError(f"follow-up facts file {path} does not exist")
    budget = proposals = None
    synthetic = False
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        sheets = pd.read_excel(path, sheet_name=None, dtype={"project_id": str})
        lower = {k.strip().lower(): v for k, v in sheets.items()}
        if "events" not in lower:
            raise FactsError(f"{path}: no 'events' sheet (have {list(sheets)})")
        events = lower["events"]
        budget = lower.get("budget")
        proposals = lower.get("proposals")
        readme = lower.get("readme")
        synthetic = readme is not None and "synthetic" in readme.to_string().lower()
    elif path.suffix.lower() == ".csv":
        events = pd.read_csv(path, dtype={"project_id": str}, encoding="utf-8-sig")
        stem = path.with_suffix("")
        b, p = Path(f"{stem}.budget.csv"), Path(f"{stem}.proposals.csv")
        budget = pd.read_csv(b, encoding="utf-8-sig") if b.exists() else None
        proposals = (pd.read_csv(p, dtype={"project_id": str}, encoding="utf-8-sig")
                     if p.exists() else None)
    else:
        raise FactsError(f"{path}: follow-up facts must be .xlsx or .csv")
    if proposals is not None and "cost_profile" in proposals.columns:
        proposals["cost_profile"] = proposals["cost_profile"].map(
            lambda v: cost_profile(v) if isinstance(v, str) and v.strip() else v)
    try:
        return FollowUpFacts(events, budget, proposals if proposals is not None
                             else pd.DataFrame(), months=months, synthetic=synthetic,
                             source=str(path))
    except FactsError as exc:
        raise FactsError(f"{path}: {exc}") from exc


def write_facts(facts: FollowUpFacts, path: str | Path) -> Path:
    """Write facts to XLSX (three sheets + README) or CSV (+ companions), for editing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    proposals = facts.new_proposals.copy()
    if "cost_profile" in proposals.columns:
        proposals["cost_profile"] = proposals["cost_profile"].map(
            lambda v: ";".join(f"{x:g}" for x in spending_profile(v)))
    if path.suffix.lower() == ".xlsx":
        note = (f"{text('selection.facts.synthetic', 'th')} / "
                f"{text('selection.facts.synthetic', 'en')}" if facts.synthetic else
                f"follow-up facts, {facts.months} months")
        write_xlsx({"README": pd.DataFrame({"note": [note]}), "events": facts.events,
                    "budget": facts.budget_changes, "proposals": proposals}, path)
    elif path.suffix.lower() == ".csv":
        stem = path.with_suffix("")
        write_csv(facts.events, path, encoding="utf-8")
        write_csv(facts.budget_changes, f"{stem}.budget.csv", encoding="utf-8")
        write_csv(proposals, f"{stem}.proposals.csv", encoding="utf-8")
    else:
        raise FactsError(f"{path}: write facts as .xlsx or .csv")
    return path


# --------------------------------------------------------------------------------------
# Plans in any form
# --------------------------------------------------------------------------------------


def spending_profile(v: Any) -> tuple[float, ...]:
    """A ``cost_profile`` cell as shares per year; anything unreadable or missing → one
    year, ``(1.0,)`` (see :func:`~oneplan.selection.candidates.cost_profile`)."""
    return cost_profile(v) or (1.0,)


def plan_frame(plan: Any) -> pd.DataFrame:
    """The plan table of a DataFrame, a PlanVersion (its ``items``), a PlanResult (its
    ``plan``) or a Revision (its result's plan)."""
    if isinstance(plan, pd.DataFrame):
        return plan
    for attr in ("items", "plan"):
        frame = getattr(plan, attr, None)
        if isinstance(frame, pd.DataFrame):
            return frame
    if getattr(plan, "result", None) is not None:
        return plan_frame(plan.result)
    raise TypeError(f"expected a PlanResult, Revision, PlanVersion or DataFrame, got "
                    f"{type(plan).__name__}")


def plan_starts(plan: Any) -> dict[Any, int]:
    """project_id → start year of the selected projects of a plan (see :func:`plan_frame`)."""
    df = plan_frame(plan)
    if "project_id" not in df.columns or "start_year" not in df.columns:
        raise ValueError("a plan needs project_id and start_year columns")
    sel = df["start_year"].notna()
    if "selected" in df.columns:
        sel &= df["selected"].fillna(False).astype(bool)
    return {pid: int(y) for pid, y in zip(df.loc[sel, "project_id"], df.loc[sel, "start_year"])}


def first_open_year(years: Sequence[int], months: int) -> tuple[int, bool]:
    """(index of the first open year, whether that year is already in progress)."""
    if months < 0:
        raise ValueError(f"months must be ≥ 0, got {months}")
    k0 = months // 12
    if k0 >= len(years):
        raise ValueError(f"{months} months after approval the plan ({years[0]}–{years[-1]}) "
                         "is over; nothing is left to revise")
    return k0, months % 12 != 0


# --------------------------------------------------------------------------------------
# Synthetic follow-up facts
# --------------------------------------------------------------------------------------


def _plan_years(plan: Any, years: Sequence[int] | None) -> list[int]:
    """``years``, else the years the plan spends in, else those its starts span."""
    if years is not None:
        return [int(y) for y in years]
    spend = getattr(plan, "spend_by_year", None)
    if spend:
        return sorted(int(y) for y in spend)
    df = plan_frame(plan)
    cols = sorted(int(c[5:]) for c in df.columns if re.fullmatch(r"cost_\d{4}", str(c)))
    if cols:
        return cols
    starts = plan_starts(plan)
    if not starts:
        raise ValueError("cannot tell the plan years; pass years=")
    return list(range(min(starts.values()), max(starts.values()) + 1))


def sample_followup(plan_result_or_plan_df: Any, candidates: pd.DataFrame, *,
                    months: int = 6, seed: int = 2567, years: Sequence[int] | None = None,
                    budget_cut_pct: float = 10.0, n_new: int = 5) -> FollowUpFacts:
    """Deterministic, plausible **synthetic** follow-up facts for a demonstration.

    For the approved projects due to have started by ``months`` (their start year has
    begun): one in twenty (1–4) delayed a year, one cancelled, three in four of the rest
    started (those whose work should be over by now: completed); of the later ones 1–3
    are delayed one or two years and one is cancelled when there are eight or more. About
    4 % (2–12) of the approved projects cost 5–40 % more. The budget of the next plan year (the last
    when none is left) is cut by ``budget_cut_pct`` %. ``n_new`` new proposals are made
    from existing candidates (benefits ×1.0–1.6, cost ×0.8–1.2), ids ``…-N<mm><nn>``.
    Every note says the facts are synthetic; ``FollowUpFacts.synthetic`` is True.
    """
    if months < 0:
        raise ValueError("months must be ≥ 0")
    yrs = _plan_years(plan_result_or_plan_df, years)
    k0, in_progress = first_open_year(yrs, int(months))
    rng = np.random.default_rng([int(seed), int(months), 40417])
    approved = plan_starts(plan_result_or_plan_df)
    cands = candidates.drop(columns=[c for c in RESULT_COLUMNS if c in candidates.columns])
    prof = {p: spending_profile(v) for p, v in zip(cands["project_id"], cands["cost_profile"])} \
        if "cost_profile" in cands.columns else {}
    cost = dict(zip(cands["project_id"], cands["cost_baht"].astype(float)))
    ids = sorted(approved)
    open_year = yrs[k0]
    due = [p for p in ids if approved[p] < open_year or (approved[p] == open_year
                                                          and in_progress)]
    later = [p for p in ids if p not in set(due)]
    tag = text("selection.facts.sample.tag", "th")

    def note(key: str, **fields: Any) -> str:  # the sample's notes are in Thai, as written
        return text(f"selection.facts.sample.{key}", "th", tag=tag, **fields)

    rows: list[dict[str, Any]] = []
    taken: set[Any] = set()

    def pick(pool: list[Any], n: int) -> list[Any]:
        pool = [p for p in pool if p not in taken]
        n = min(n, len(pool))
        out = list(rng.choice(np.array(pool, dtype=object), size=n, replace=False)) if n else []
        taken.update(out)
        return sorted(out)

    n_cancel_due = 1 if len(due) >= 4 else 0
    n_cancel_later = 1 if len(later) >= 8 else 0
    if n_cancel_due + n_cancel_later == 0 and ids:
        n_cancel_later = 1 if later else 0
        n_cancel_due = 0 if later else 1
    for p in pick(due, n_cancel_due) + pick(later, n_cancel_later):
        rows.append({"project_id": p, "event": "cancelled",
                     "note": note("cancelled")})
    n_delay_due = min(4, max(1, round(len(due) / 20))) if due else 0
    for p in pick(due, n_delay_due):
        rows.append({"project_id": p, "event": "delay", "delay_years": 1,
                     "note": note("delay_due")})
    for p in pick(later, min(3, max(1, len(later) // 10)) if later else 0):
        rows.append({"project_id": p, "event": "delay",
                     "delay_years": int(rng.choice([1, 1, 2])),
                     "note": note("delay_later")})
    started = [p for p in due if p not in taken]
    n_start = int(round(0.75 * (len(due) - n_cancel_due - n_delay_due)))
    started = sorted(rng.choice(np.array(started, dtype=object), size=min(n_start,
                                len(started)), replace=False)) if started else []
    for p in started:
        done = approved[p] + len(prof.get(p, (1.0,))) - 1 < open_year
        rows.append({"project_id": p, "event": "completed" if done else "started",
                     "note": note("completed" if done else "started")})
    pool = [p for p in ids if p not in taken or p in set(started)]
    n_over = min(12, max(2, round(0.04 * len(ids)))) if ids else 0
    over = sorted(rng.choice(np.array(pool, dtype=object), size=min(n_over, len(pool)),
                             replace=False)) if pool else []
    for p in over:
        pct = float(rng.uniform(0.05, 0.40))
        rows.append({"project_id": p, "event": "cost_overrun",
                     "new_cost_baht": float(round(cost[p] * (1 + pct), -3)),
                     "note": note("cost_overrun", pct=f"{pct:.0%}")})
    events = pd.DataFrame(rows, columns=EVENT_COLUMNS)

    cut_year = yrs[k0 + 1] if k0 + 1 < len(yrs) else yrs[-1]
    budget = pd.DataFrame([{"fiscal_year": cut_year, "change_pct": -float(budget_cut_pct),
                            "new_budget_baht": None,
                            "note": note("budget_cut")}]) \
        if budget_cut_pct else None

    proposals = pd.DataFrame()
    if n_new > 0 and len(cands):
        src = cands.iloc[sorted(rng.choice(len(cands), size=min(n_new, len(cands)),
                                           replace=False))].copy()
        drop = [c for c in src.columns if str(c).startswith(("crit_", "contrib_"))
                or re.fullmatch(r"cost_\d{4}", str(c))] + ["priority"]
        src = src.drop(columns=[c for c in drop if c in src.columns])
        first_id = str(src["project_id"].iloc[0])
        prefix = first_id.rsplit("-", 1)[0] if "-" in first_id else "NEW"
        src["project_id"] = [f"{prefix}-N{months:02d}{i + 1:02d}" for i in range(len(src))]
        grow = rng.uniform(1.0, 1.6, size=len(src))
        for col in ("households_served", "area_rai", "storage_m3"):
            if col in src.columns:
                vals = pd.to_numeric(src[col]).to_numpy(dtype=float) * grow
                src[col] = np.round(vals).astype(src[col].dtype) \
                    if pd.api.types.is_integer_dtype(src[col]) else vals
        src["cost_baht"] = np.round(src["cost_baht"].to_numpy(dtype=float)
                                    * rng.uniform(0.8, 1.2, size=len(src)), -3)
        src["ready"] = rng.uniform(size=len(src)) < 0.8
        for col in ("has_design_boq", "has_land", "has_consent"):
            if col in src.columns:
                src[col] = src["ready"]
        if "name_th" in src.columns:
            src["name_th"] = src["name_th"].astype(str).map(
                lambda name: text("selection.facts.sample.new_name", "th", name=name))
        if "synthetic" in src.columns:
            src["synthetic"] = True
        if "source_file" in src.columns:
            src["source_file"] = f"oneplan.selection.revision.sample_followup seed={seed}"
        if "earliest_start" in src.columns:
            src["earliest_start"] = pd.NA
        for col in ("requires", "requires_project_id", "alternative_group"):
            if col in src.columns:     # a separate need: no links to the copied project
                src[col] = None
        proposals = src.reset_index(drop=True)
    return FollowUpFacts(events, budget, proposals, months=int(months), synthetic=True,
                         source=f"oneplan.selection.revision.sample_followup seed={seed} "
                                f"months={months}")

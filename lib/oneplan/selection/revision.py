"""Revising an approved multi-year water plan when the follow-up facts differ from it.

Khon Kaen reviews its water plan 6 and 12 months after approval. By then some projects
have started, some are late, some cost more than estimated, one or two are cancelled, the
budget of a coming year may be cut and new proposals arrive. This module turns those facts
into a revised plan that changes as little as it should, and says why each change was made.

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

The :class:`Revision` returned has the new :class:`~oneplan.selection.portfolio.PlanResult`, a diff
table (each approved or new project ``kept`` / ``added`` / ``dropped`` / ``moved``, with
a reason in Thai and English; dropped projects that could have been kept carry the
objective lost by keeping them, from an actual re-solve) and the totals before/after.

Plan versions in the database
-----------------------------
:func:`save_plan_version` writes the ``plan_versions`` header and one ``plan_items`` row
per candidate; ids are ``"<province>-<first fiscal year>-v<n>"`` (``40-2570-v1`` is the
approved plan, ``40-2570-v2`` its first revision). :func:`ensure_tables` creates or
upgrades both tables, so a database built before they existed keeps working. Reports open
the database read-only; :func:`approve` and :func:`revise` are the separate, explicit
writing steps (``oneplan plan approve`` / ``oneplan plan revise``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from oneplan import __version__
from oneplan.core import areas, thai
from oneplan.data import db
from oneplan.selection import portfolio, priority

__all__ = [
    "BUDGET_COLUMNS",
    "CHANGES",
    "EVENTS",
    "EVENT_COLUMNS",
    "FactsError",
    "FollowUpFacts",
    "PlanVersion",
    "Revision",
    "approve",
    "ensure_tables",
    "list_plan_versions",
    "load_plan_version",
    "next_version_id",
    "read_facts",
    "revise",
    "revise_plan",
    "sample_followup",
    "save_plan_version",
    "spec_from_json",
    "spec_to_json",
    "write_facts",
]

log = logging.getLogger(__name__)

EVENTS = ("delay", "cost_overrun", "cancelled", "started", "completed")
EVENT_COLUMNS = ["project_id", "event", "new_cost_baht", "delay_years", "note"]
BUDGET_COLUMNS = ["fiscal_year", "change_pct", "new_budget_baht", "note"]
CHANGES = ("kept", "added", "dropped", "moved")

EVENT_LABELS = {
    "delay": ("ล่าช้า", "delay"),
    "cost_overrun": ("ค่าก่อสร้างเพิ่มขึ้น", "cost overrun"),
    "cancelled": ("ยกเลิก", "cancelled"),
    "started": ("เริ่มดำเนินการแล้ว", "started"),
    "completed": ("แล้วเสร็จ", "completed"),
}
CHANGE_LABELS = {
    "kept": ("คงไว้", "kept"),
    "added": ("เพิ่มใหม่", "added"),
    "dropped": ("ตัดออก", "dropped"),
    "moved": ("เลื่อนปีเริ่ม", "moved"),
}

SYNTHETIC_FACTS_TH = "ข้อเท็จจริงติดตามผลสังเคราะห์ (ตัวอย่าง) ไม่ใช่ข้อมูลจริง"
SYNTHETIC_FACTS_EN = "Synthetic follow-up facts (sample) — not real figures"

#: columns a plan/result adds to the candidates; dropped before reusing a plan as input
_RESULT_COLUMNS = ("selected", "start_year")


class FactsError(ValueError):
    """Follow-up facts that cannot be applied; the message names the rows."""


# --------------------------------------------------------------------------------------
# Follow-up facts
# --------------------------------------------------------------------------------------


def _empty_events() -> pd.DataFrame:
    return pd.DataFrame({
        "project_id": pd.Series(dtype=object), "event": pd.Series(dtype=object),
        "new_cost_baht": pd.Series(dtype=float), "delay_years": pd.Series(dtype="Int64"),
        "note": pd.Series(dtype=object)})


def _empty_budget() -> pd.DataFrame:
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
    out = []
    for rec in df.to_dict("records"):
        out.append({k: _jsonable(v) for k, v in rec.items()})
    return out


def _jsonable(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(float(v)) else float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.ndarray):
        return [_jsonable(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (pd.Timestamp, datetime)):
        return v.isoformat()
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def _blank(v: Any) -> bool:
    if v is None or v is pd.NA:
        return True
    if isinstance(v, str):
        return v.strip() == ""
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _normalise_events(df: pd.DataFrame | None) -> pd.DataFrame:
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
    df = df[~df["project_id"].map(_blank)].reset_index(drop=True)
    df["project_id"] = df["project_id"].astype(str).str.strip()
    df["event"] = df["event"].astype(str).str.strip().str.lower()
    df["note"] = df["note"].map(lambda v: "" if _blank(v) else str(v).strip())
    bad = df.loc[~df["event"].isin(EVENTS)]
    if len(bad):
        rows = ", ".join(f"{r.project_id}: {r.event!r}" for r in bad.head(10).itertuples())
        raise FactsError(f"unknown follow-up event(s) {rows}; expected one of {EVENTS}")
    df["new_cost_baht"] = pd.to_numeric(
        df["new_cost_baht"].map(lambda v: None if _blank(v) else thai.parse_number(str(v))
                                if isinstance(v, str) else v), errors="coerce").astype(float)
    delay = pd.to_numeric(df["delay_years"], errors="coerce")
    if ((delay.dropna() % 1) != 0).any():
        raise FactsError("delay_years must be whole years")
    df["delay_years"] = delay.round().astype("Int64")
    problems = []
    for r in df.itertuples():
        if r.event == "cost_overrun" and not (r.new_cost_baht > 0):
            problems.append(f"{r.project_id}: cost_overrun needs new_cost_baht > 0")
        elif not _blank(r.new_cost_baht) and not (r.new_cost_baht > 0):
            problems.append(f"{r.project_id}: new_cost_baht must be > 0")
        if r.event == "delay" and (_blank(r.delay_years) or int(r.delay_years) < 1):
            problems.append(f"{r.project_id}: delay needs delay_years ≥ 1")
        elif not _blank(r.delay_years) and int(r.delay_years) < 0:
            problems.append(f"{r.project_id}: delay_years must be ≥ 0")
    if problems:
        raise FactsError("bad follow-up events: " + "; ".join(problems[:10]))
    return df


def _normalise_budget(df: pd.DataFrame | None) -> pd.DataFrame:
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
    df = df[~df["fiscal_year"].map(_blank)].reset_index(drop=True)
    df["fiscal_year"] = pd.to_numeric(df["fiscal_year"], errors="raise").astype("Int64")
    df["change_pct"] = pd.to_numeric(df["change_pct"], errors="coerce").astype(float)
    df["new_budget_baht"] = pd.to_numeric(df["new_budget_baht"], errors="coerce").astype(float)
    df["note"] = df["note"].map(lambda v: "" if _blank(v) else str(v).strip())
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
        proposals["cost_profile"] = proposals["cost_profile"].map(_parse_profile_text)
    try:
        return FollowUpFacts(events, budget, proposals if proposals is not None
                             else pd.DataFrame(), months=months, synthetic=synthetic,
                             source=str(path))
    except FactsError as exc:
        raise FactsError(f"{path}: {exc}") from exc


def _parse_profile_text(v: Any) -> Any:
    if isinstance(v, str) and v.strip():
        parts = [p for p in re.split(r"[;,\s\[\]()]+", v) if p]
        return tuple(float(p) for p in parts)
    return v


def write_facts(facts: FollowUpFacts, path: str | Path) -> Path:
    """Write facts to XLSX (three sheets + README) or CSV (+ companions), for editing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    proposals = facts.new_proposals.copy()
    if "cost_profile" in proposals.columns:
        proposals["cost_profile"] = proposals["cost_profile"].map(
            lambda v: ";".join(f"{x:g}" for x in _profile(v)))
    if path.suffix.lower() == ".xlsx":
        note = (f"{SYNTHETIC_FACTS_TH} / {SYNTHETIC_FACTS_EN}" if facts.synthetic else
                f"follow-up facts, {facts.months} months")
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            pd.DataFrame({"note": [note]}).to_excel(writer, sheet_name="README", index=False)
            facts.events.to_excel(writer, sheet_name="events", index=False)
            facts.budget_changes.to_excel(writer, sheet_name="budget", index=False)
            proposals.to_excel(writer, sheet_name="proposals", index=False)
    elif path.suffix.lower() == ".csv":
        stem = path.with_suffix("")
        facts.events.to_csv(path, index=False, encoding="utf-8")
        facts.budget_changes.to_csv(f"{stem}.budget.csv", index=False, encoding="utf-8")
        proposals.to_csv(f"{stem}.proposals.csv", index=False, encoding="utf-8")
    else:
        raise FactsError(f"{path}: write facts as .xlsx or .csv")
    return path


# --------------------------------------------------------------------------------------
# Small helpers on plans
# --------------------------------------------------------------------------------------


def _profile(v: Any) -> tuple[float, ...]:
    """A cost profile as a tuple of fractions; missing → ``(1.0,)``."""
    if v is None or v is pd.NA:
        return (1.0,)
    if isinstance(v, str):
        v = _parse_profile_text(v)
        if isinstance(v, str):
            return (1.0,)
    if isinstance(v, (float, int, np.floating, np.integer)):
        return (1.0,)
    try:
        out = tuple(float(x) for x in v)
    except TypeError:
        return (1.0,)
    return out or (1.0,)


def _plan_frame(plan: Any) -> pd.DataFrame:
    """The plan table of a PlanResult, a Revision, a PlanVersion or a DataFrame."""
    if isinstance(plan, Revision):
        return plan.result.plan
    if isinstance(plan, PlanVersion):
        return plan.items
    if isinstance(plan, pd.DataFrame):
        return plan
    frame = getattr(plan, "plan", None)
    if isinstance(frame, pd.DataFrame):
        return frame
    raise TypeError(f"expected a PlanResult, Revision, PlanVersion or DataFrame, got "
                    f"{type(plan).__name__}")


def _starts(plan: Any) -> dict[Any, int]:
    """project_id → start year of the selected projects of a plan."""
    df = _plan_frame(plan)
    if "project_id" not in df.columns or "start_year" not in df.columns:
        raise ValueError("a plan needs project_id and start_year columns")
    sel = df["start_year"].notna()
    if "selected" in df.columns:
        sel &= df["selected"].fillna(False).astype(bool)
    return {pid: int(y) for pid, y in zip(df.loc[sel, "project_id"], df.loc[sel, "start_year"])}


def _spend_years(start: int, profile: Sequence[float], years: Sequence[int]) -> list[int]:
    return [start + j for j, f in enumerate(profile) if f > 0 and start + j in years]


def _spend(cands: pd.DataFrame, starts: Mapping[Any, int], years: Sequence[int]
           ) -> dict[int, float]:
    """Spending per year of ``starts`` with the costs and profiles of ``cands``."""
    out = {int(y): 0.0 for y in years}
    rows = cands.set_index("project_id")
    for pid, start in starts.items():
        if pid not in rows.index:
            continue
        cost = float(rows.at[pid, "cost_baht"])
        prof = _profile(rows.at[pid, "cost_profile"]) if "cost_profile" in rows.columns \
            else (1.0,)
        for j, f in enumerate(prof):
            if start + j in out:
                out[start + j] += cost * f
    return out


def _value(values: Mapping[Any, float], starts: Mapping[Any, int], years: Sequence[int],
           discount: float) -> float:
    first = int(years[0])
    return float(sum(values.get(pid, 0.0) * discount ** (int(y) - first)
                     for pid, y in starts.items()))


def _n_changes(baseline: Mapping[Any, int], starts: Mapping[Any, int]) -> int:
    return sum(1 for pid, y in baseline.items() if starts.get(pid) != y)


def _fmt_baht(x: float, lang: str) -> str:
    try:
        return thai.format_baht(float(x), lang)
    except (thai.ThaiLocaleError, TypeError, ValueError):
        return "–"


def _fmt_pct(x: float) -> str:
    return f"{x:+.0f}"


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
        return bool(self.weights)

    def crit(self, df: pd.DataFrame, c: str) -> np.ndarray:
        lo, hi = self.bounds[c]
        raw = priority.raw_criterion(df, c)
        if hi - lo <= 0:
            return np.zeros_like(raw, dtype=float)
        return np.clip((raw - lo) / (hi - lo), 0.0, 1.0)

    def score(self, df: pd.DataFrame) -> np.ndarray:
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
        return self.stability_penalty * self.n_penalised

    @property
    def objective_before(self) -> float:
        return self.value_before

    @property
    def objective_after(self) -> float:
        """Plan value minus the stability penalty of the changes chosen."""
        return self.value_after - self.penalty_paid

    @property
    def counts(self) -> dict[str, int]:
        vc = self.diff["change"].value_counts()
        return {c: int(vc.get(c, 0)) for c in CHANGES}

    @property
    def selected_ids(self) -> list[Any]:
        return list(self.result.selected_ids)

    def table(self, lang: str = "th", *, changed_only: bool = True) -> pd.DataFrame:
        """The diff for a report: labelled columns, costs in million baht, one reason."""
        if lang not in ("th", "en"):
            raise ValueError(f"lang must be 'th' or 'en', got {lang!r}")
        k = 0 if lang == "th" else 1
        d = self.diff[self.diff["change"] != "kept"] if changed_only else self.diff
        heads = {"project_id": ("รหัส", "ID"), "name_th": ("โครงการ", "Project"),
                 "change": ("การเปลี่ยนแปลง", "Change"),
                 "start_before": ("ปีเริ่มเดิม", "Start before"),
                 "start_after": ("ปีเริ่มใหม่", "Start after"),
                 "cost_before": ("ค่าก่อสร้างเดิม (ล้านบาท)", "Cost before (million baht)"),
                 "cost_after": ("ค่าก่อสร้างใหม่ (ล้านบาท)", "Cost after (million baht)"),
                 "reason": ("เหตุผล", "Reason")}
        out = pd.DataFrame({
            "project_id": d["project_id"], "name_th": d["name_th"],
            "change": d["change"].map(lambda c: CHANGE_LABELS[c][k]),
            "start_before": d["start_before"], "start_after": d["start_after"],
            "cost_before": d["cost_before"] / 1e6, "cost_after": d["cost_after"] / 1e6,
            "reason": d["reason_th" if lang == "th" else "reason_en"]})
        if out["name_th"].isna().all():
            out = out.drop(columns="name_th")
        return out.rename(columns={c: heads[c][k] for c in out.columns}) \
            .reset_index(drop=True)

    def summary(self, lang: str = "th") -> str:
        """A few plain sentences: what happened, what changed, what the penalty means."""
        c = self.counts
        f = self.facts.counts()
        p = self.stability_penalty
        syn = ""
        if self.facts.synthetic:
            syn = f" ({SYNTHETIC_FACTS_TH})" if lang == "th" else f" ({SYNTHETIC_FACTS_EN})"
        if lang == "th":
            return (
                f"ทบทวนแผนหลังอนุมัติ {self.months} เดือน{syn}: เริ่มแล้ว {f['started']} "
                f"แล้วเสร็จ {f['completed']} ล่าช้า {f['delay']} ค่าก่อสร้างเพิ่ม "
                f"{f['cost_overrun']} ยกเลิก {f['cancelled']} โครงการ ปรับงบประมาณ "
                f"{f['budget_changes']} ปี และข้อเสนอใหม่ {f['new_proposals']} โครงการ. "
                f"ผล: คงไว้ {c['kept']} เลื่อนปีเริ่ม {c['moved']} ตัดออก {c['dropped']} "
                f"เพิ่มใหม่ {c['added']} โครงการ. คุณค่ารวมของแผน {self.value_before:.3f} → "
                f"{self.value_after:.3f} คะแนน. ค่าปรับความเสถียร {p:g} คะแนนต่อการเปลี่ยน"
                f"โครงการที่อนุมัติแล้วหนึ่งโครงการ: จะเปลี่ยนก็ต่อเมื่อได้คุณค่าเพิ่มมากกว่า "
                f"{p:g} คะแนน (เปลี่ยนโดยการตัดสินใจ {self.n_penalised} โครงการ "
                f"ค่าปรับรวม {self.penalty_paid:.3f})."
            )
        return (
            f"Revision {self.months} months after approval{syn}: {f['started']} started, "
            f"{f['completed']} completed, {f['delay']} delayed, {f['cost_overrun']} cost "
            f"overruns, {f['cancelled']} cancelled, {f['budget_changes']} budget change(s) "
            f"and {f['new_proposals']} new proposals. Result: {c['kept']} kept, "
            f"{c['moved']} moved, {c['dropped']} dropped, {c['added']} added. Plan value "
            f"{self.value_before:.3f} → {self.value_after:.3f} priority points. The "
            f"stability penalty is {p:g} points per approved project dropped or moved: a "
            f"change is made only when it gains more than {p:g} "
            f"({self.n_penalised} change(s) by choice, penalty {self.penalty_paid:.3f})."
        )


def _years_state(years: Sequence[int], months: int) -> tuple[int, bool]:
    """(index of the first open year, whether that year is already in progress)."""
    if months < 0:
        raise ValueError(f"months must be ≥ 0, got {months}")
    k0 = months // 12
    if k0 >= len(years):
        raise ValueError(f"{months} months after approval the plan ({years[0]}–{years[-1]}) "
                         "is over; nothing is left to revise")
    return k0, months % 12 != 0


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
    k0, in_progress = _years_state(years, int(months))
    open_year = years[k0]
    new_from = k0 + (1 if in_progress and not allow_new_starts_in_current_year else 0)
    penalty = float(spec.stability_penalty if stability_penalty is None else stability_penalty)
    if penalty < 0 or not math.isfinite(penalty):
        raise ValueError(f"stability_penalty must be ≥ 0, got {penalty}")
    discount = float(getattr(spec, "start_discount", 1.0))
    notes: list[str] = []

    # --- candidates as approved -------------------------------------------------------
    base = candidates.drop(columns=[c for c in _RESULT_COLUMNS if c in candidates.columns]
                           + [c for c in candidates.columns
                              if re.fullmatch(r"cost_\d{4}", str(c))])
    base = base.reset_index(drop=True)
    if base["project_id"].duplicated().any():
        dup = base.loc[base["project_id"].duplicated(), "project_id"].tolist()[:10]
        raise ValueError(f"duplicated project ids: {dup}")
    if value_col not in base.columns:
        raise ValueError(f"candidates have no value column {value_col!r}")
    approved = _starts(approved_plan)
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
        [None if _blank(v) else int(v) for v in cands["earliest_start"]], dtype="Int64")
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
        if not _blank(r.delay_years):
            d["delay"] += int(r.delay_years) if r.event == "delay" else 0
        if not _blank(r.new_cost_baht):
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
        must_in.setdefault(p, "started (เริ่มดำเนินการแล้ว)")
    for p in sorted(cancelled):
        note = "; ".join(by_id[p]["notes"])
        must_out[p] = "cancelled (ยกเลิก)" + (f": {note}" if note else "")

    es = cands["earliest_start"].to_numpy(dtype=object).copy()
    ready = cands["ready"].fillna(False).astype(bool).to_numpy()
    profiles = {p: _profile(v) for p, v in zip(cands["project_id"], cands["cost_profile"])} \
        if "cost_profile" in cands.columns else {p: (1.0,) for p in cands["project_id"]}
    baseline: dict[Any, int] = {}
    beyond: dict[Any, str] = {}
    readiness = bool(getattr(spec, "readiness_first_year", True))
    for p, i in pos.items():
        if p in fixed or p in cancelled:
            continue
        cur = first if _blank(es[i]) else int(es[i])
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
    cands["earliest_start"] = pd.array([None if _blank(v) else min(int(v), last) for v in es],
                                       dtype="Int64")
    for p, y in fixed.items():
        baseline[p] = y
    # a started project's precedence is settled: it no longer waits for what it needed
    if "requires" in cands.columns:
        reqs = cands["requires"].to_numpy(dtype=object).copy()
        for p in fixed:
            i = pos.get(p)
            if i is not None and not _blank(reqs[i]):
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
        new = float(r.new_budget_baht) if not _blank(r.new_budget_baht) else \
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
    result = portfolio.plan_portfolio(cands, new_spec, value_col=value_col,
                                      time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
                                      threads=threads, mip_start=dict(baseline))
    after = _starts(result)
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
            alt = portfolio.plan_portfolio(cands, new_spec, value_col=value_col,
                                           time_limit_s=confirm_time_limit_s,
                                           mip_rel_gap=mip_rel_gap, threads=threads,
                                           mip_start=start, **kw)
            alt_starts = _starts(alt)
            delta[p] = (net_after - net(alt_starts),
                        _value(values_now, alt_starts, years, discount)
                        - _value(values_now, after, years, discount))
        except (portfolio.InfeasibleSelectionError, portfolio.SelectionSolveError) as exc:
            log.info("re-solve with %s forced %s: %s", p, kw, exc)
            delta[p] = (None, None)

    diff = _diff(
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
    label = {"projects": ("จำนวนโครงการ", "Projects"),
             "plan_value": ("คุณค่ารวมของแผน (คะแนน)", "Plan value (priority points)"),
             "penalty_paid": ("ค่าปรับความเสถียร", "Stability penalty paid"),
             "objective": ("ค่าเป้าหมาย (คุณค่า − ค่าปรับ)", "Objective (value − penalty)"),
             "cost_baht": ("งบประมาณรวมของโครงการ (บาท)", "Total cost (baht)"),
             "budget_baht": ("งบประมาณทั้งแผน (บาท)", "Plan budget (baht)")}
    totals["label_th"] = [label.get(m, (f"รายจ่ายปี {m[6:]} (บาท)",))[0]
                          for m in totals["metric"]]
    totals["label_en"] = [label.get(m, (None, f"Spending FY {m[6:]} (baht)"))[1]
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
    props = props.copy()
    props = props.drop(columns=[c for c in _RESULT_COLUMNS if c in props.columns])
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
        [max(earliest, int(v)) if not _blank(v) else earliest for v in e], dtype="Int64")
    props["new_proposal"] = True
    out = pd.concat([cands, props[[c for c in props.columns if c in cands.columns]]
                     .reindex(columns=cands.columns)], ignore_index=True)
    out["new_proposal"] = out["new_proposal"].astype(bool)
    out["ready"] = out["ready"].astype(bool)
    return out


def _diff(*, cands, approved, after, baseline, by_id, cancelled, beyond, started, assumed,
          values_before, values_now, cost_before, profiles, years, cut_pct, budget_notes,
          penalty, delta) -> pd.DataFrame:
    names = dict(zip(cands["project_id"], cands["name_th"])) if "name_th" in cands.columns \
        else {}
    new_ids = set(cands.loc[cands["new_proposal"], "project_id"])
    requires = {p: r for p, r in zip(cands["project_id"], cands["requires"])
                if not _blank(r)} if "requires" in cands.columns else {}
    cost_now = dict(zip(cands["project_id"], cands["cost_baht"].astype(float)))
    p_txt = f"{penalty:g}"
    rows = []

    def years_of(p, start):
        return set(_spend_years(start, profiles[p], years))

    dropped = [p for p in approved if p not in after]
    added = [p for p in after if p not in approved]
    freed = [p for p in dropped] + [p for p in approved if p in after and after[p] != approved[p]]

    for p in list(approved) + [p for p in after if p not in approved]:
        s0, s1 = approved.get(p), after.get(p)
        d = by_id.get(p, {"events": [], "notes": [], "delay": 0, "new_cost": None})
        note = "; ".join(d["notes"])
        note_th = f" ({note})" if note else ""
        c0, c1 = cost_before.get(p, cost_now[p]), cost_now[p]
        pct = 100.0 * (c1 / c0 - 1) if c0 else 0.0
        cost_th = (f"ค่าก่อสร้างเปลี่ยนจาก {_fmt_baht(c0, 'th')} เป็น {_fmt_baht(c1, 'th')} "
                   f"({_fmt_pct(pct)}%)")
        cost_en = (f"cost went from {_fmt_baht(c0, 'en')} to {_fmt_baht(c1, 'en')} "
                   f"({_fmt_pct(pct)} %)")
        overrun = d["new_cost"] is not None and c1 > c0
        dl, dg = delta.get(p, (None, None))
        related = None
        if s0 is not None and s1 is not None:
            change = "kept" if s0 == s1 else "moved"
        elif s0 is not None:
            change = "dropped"
        else:
            change = "added"

        if change == "kept":
            if p in started and "completed" in d["events"]:
                code, th, en = "completed", f"ดำเนินการแล้วเสร็จ{note_th}", \
                    f"completed{note_th}"
            elif p in started:
                code = "started"
                th = (f"เริ่มดำเนินการแล้วในปี {s0} จึงคงปีเริ่มไว้และนับรายจ่ายเป็นภาระผูกพัน"
                      f"{note_th}")
                en = (f"already started in FY {s0}: start fixed, spending committed"
                      f"{note_th}")
            elif p in assumed:
                code = "assumed_started"
                th = (f"กำหนดเริ่มปี {s0} ซึ่งผ่านไปแล้วและไม่มีรายงานติดตาม "
                      "จึงถือว่าเริ่มดำเนินการตามแผน")
                en = (f"due to start in FY {s0}, which is over, with no follow-up fact: "
                      "assumed started as approved")
            elif overrun:
                code = "kept_despite_overrun"
                th = f"{cost_th} แต่ยังคุ้มค่าที่จะคงไว้"
                en = f"{cost_en}, but it is still worth keeping"
                if dl is not None:
                    th += (f" (หากตัดออก คุณค่าของแผนเปลี่ยน {dg:+.3f} คะแนน ค่าเป้าหมายลดลง "
                           f"{dl:.3f} หลังหักค่าปรับความเสถียร {p_txt} ต่อการเปลี่ยน)")
                    en += (f" (dropping it: plan value {dg:+.3f} points, objective "
                           f"−{dl:.3f} after the stability penalty of {p_txt} per change)")
            else:
                code, th, en = "as_approved", "คงไว้ตามแผนที่อนุมัติ", "kept as approved"
        elif change == "moved":
            cuts = [y for y in sorted(years_of(p, s0)) if cut_pct.get(y, 0) < 0]
            if d["delay"] and s1 == baseline.get(p):
                code = "delayed"
                th = f"ล่าช้า {d['delay']} ปี จึงเลื่อนปีเริ่มจาก {s0} เป็น {s1}{note_th}"
                en = f"delayed {d['delay']} year(s): start moved from FY {s0} to FY {s1}{note_th}"
            elif d["delay"]:
                code = "delayed"
                th = (f"ล่าช้า {d['delay']} ปี{note_th} และเลื่อนต่อเป็นปี {s1} "
                      "เพื่อให้อยู่ในงบประมาณ")
                en = (f"delayed {d['delay']} year(s){note_th}, and moved on to FY {s1} to "
                      "fit the budget")
            elif requires.get(p) is not None and by_id.get(requires[p], {}).get("delay"):
                code = "needs"
                related = requires[p]
                th = (f"ต้องอาศัยโครงการ {related} ซึ่งล่าช้า จึงเลื่อนปีเริ่มจาก {s0} "
                      f"เป็น {s1}")
                en = (f"it needs project {related}, which is delayed: start moved from "
                      f"FY {s0} to FY {s1}")
            elif cuts:
                code = "budget_cut"
                y = cuts[0]
                th = (f"งบประมาณปี {y} ถูกปรับลด {abs(cut_pct[y]):.0f}% จึงปรับจังหวะการเบิกจ่าย "
                      f"เลื่อนปีเริ่มจาก {s0} เป็น {s1}")
                en = (f"the FY {y} budget was cut by {abs(cut_pct[y]):.0f} %: its spending is "
                      f"re-timed, start moved from FY {s0} to FY {s1}")
            else:
                code = "replanned"
                th = (f"เลื่อนจากปี {s0} เป็นปี {s1} เพื่อใช้งบประมาณได้คุ้มค่ากว่า "
                      f"(ได้มากกว่าค่าปรับความเสถียร {p_txt})")
                en = (f"moved from FY {s0} to FY {s1}: the re-planned budget gains more than "
                      f"the stability penalty {p_txt}")
        elif change == "dropped":
            v = values_before[p]
            my_years = years_of(p, s0)
            cuts = [y for y in sorted(my_years) if cut_pct.get(y, 0) < 0]
            displacers = sorted(
                (q for q in added if q in new_ids and years_of(q, after[q]) & my_years),
                key=lambda q: -values_now[q])
            need = requires.get(p)
            if p in cancelled:
                code, th, en = "cancelled", f"ยกเลิกโครงการ{note_th}", f"cancelled{note_th}"
            elif need is not None and need not in after:
                related = need
                code = "needs"
                th = f"ต้องอาศัยโครงการ {need} ซึ่งไม่อยู่ในแผนที่ปรับแล้ว"
                en = f"it needs project {need}, which is not in the revised plan"
            elif p in beyond:
                code = "delayed_beyond_plan"
                th = (f"ล่าช้า {d['delay']} ปี{note_th} จนเริ่มและแล้วเสร็จไม่ทันภายในแผน "
                      f"(ถึงปี {years[-1]})")
                en = (f"delayed {d['delay']} year(s){note_th}: it can no longer start and "
                      f"finish within the plan (to FY {years[-1]})")
            elif overrun:
                code = "cost_overrun"
                th = (f"{cost_th} ไม่คุ้มที่จะคงไว้: เสียคุณค่า {values_now[p]:.3f} คะแนน "
                      f"แต่งบประมาณที่ได้คืนสร้างคุณค่าได้มากกว่า เกินค่าปรับความเสถียร {p_txt}")
                en = (f"{cost_en}: no longer worth it — dropping loses {values_now[p]:.3f} "
                      f"points but the budget buys more, by more than the stability "
                      f"penalty {p_txt}")
            elif cuts:
                code = "budget_cut"
                y = cuts[0]
                th = (f"งบประมาณปี {y} ถูกปรับลด {abs(cut_pct[y]):.0f}% การตัดโครงการนี้ "
                      f"(คุณค่า {v:.3f} คะแนน, {_fmt_baht(c1, 'th')}) เสียคุณค่าน้อยที่สุด")
                en = (f"the FY {y} budget was cut by {abs(cut_pct[y]):.0f} %: giving up this "
                      f"project (value {v:.3f} points, {_fmt_baht(c1, 'en')}) loses the "
                      "least value")
                if budget_notes.get(y):
                    th += f" ({budget_notes[y]})"
                    en += f" ({budget_notes[y]})"
            elif displacers:
                related = displacers[0]
                code = "displaced"
                th = (f"ถูกแทนที่โดยข้อเสนอใหม่ {related} ซึ่งมีคุณค่าสูงกว่า "
                      f"({values_now[related]:.3f} > {v:.3f} คะแนน)")
                en = (f"displaced by new proposal {related} with a higher value "
                      f"({values_now[related]:.3f} > {v:.3f} points)")
            else:
                code = "replanned"
                th = (f"ตัดออกเพื่อใช้งบประมาณกับโครงการที่ให้คุณค่ามากกว่า "
                      f"(ได้มากกว่าค่าปรับความเสถียร {p_txt})")
                en = (f"dropped: the budget buys more value elsewhere, by more than the "
                      f"stability penalty {p_txt}")
            if dl is not None:
                th += f"; หากคงไว้ ค่าเป้าหมายจะลดลง {dl:.3f} คะแนน (หลังหักค่าปรับแล้ว)"
                en += f"; keeping it would lower the objective by {dl:.3f} (net of the penalty)"
            elif p in delta:
                th += "; ไม่สามารถคงไว้ได้ภายใต้งบประมาณและเงื่อนไขที่ปรับแล้ว"
                en += "; it cannot be kept under the revised budget and rules"
        else:  # added
            my_years = years_of(p, s1)
            sources = [q for q in freed if years_of(q, approved[q]) & my_years]
            if p in new_ids:
                code = "new_proposal"
                th = (f"ข้อเสนอใหม่ (คุณค่า {values_now[p]:.3f} คะแนน, "
                      f"{_fmt_baht(c1, 'th')}) อยู่ในงบประมาณที่ปรับแล้ว")
                en = (f"new proposal (value {values_now[p]:.3f} points, "
                      f"{_fmt_baht(c1, 'en')}) fits the revised budget")
            elif sources:
                related = sources[0]
                code = "budget_freed"
                th = f"ใช้งบประมาณที่ว่างจาก {', '.join(map(str, sources[:3]))}"
                en = f"uses budget freed by {', '.join(map(str, sources[:3]))}"
            else:
                code = "replanned"
                th = "เพิ่มเพื่อใช้งบประมาณให้เกิดคุณค่าสูงสุด"
                en = "added to make the best use of the budget"
            if related is None and sources:
                related = sources[0]
            if p in new_ids and sources:
                th += f" (ใช้งบที่ว่างจาก {', '.join(map(str, sources[:3]))})"
                en += f" (budget freed by {', '.join(map(str, sources[:3]))})"
        rows.append({
            "project_id": p, "name_th": names.get(p), "change": change,
            "start_before": s0, "start_after": s1,
            "cost_before": c0 if s0 is not None else np.nan, "cost_after": c1,
            "value_before": values_before.get(p, np.nan), "value_after": values_now[p],
            "events": ",".join(d["events"]), "new_proposal": p in new_ids,
            "reason_code": code, "reason_th": th, "reason_en": en, "related_id": related,
            "objective_delta": np.nan if dl is None else float(dl),
            "confirmed": dl is not None,
        })
    diff = pd.DataFrame(rows, columns=[
        "project_id", "name_th", "change", "start_before", "start_after", "cost_before",
        "cost_after", "value_before", "value_after", "events", "new_proposal",
        "reason_code", "reason_th", "reason_en", "related_id", "objective_delta",
        "confirmed"])
    diff["start_before"] = diff["start_before"].astype("Int64")
    diff["start_after"] = diff["start_after"].astype("Int64")
    order = {c: i for i, c in enumerate(("dropped", "moved", "added", "kept"))}
    diff = diff.sort_values(["change", "value_before"], key=lambda s: s.map(order)
                            if s.name == "change" else -s.fillna(0), kind="stable")
    return diff.reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Synthetic follow-up facts
# --------------------------------------------------------------------------------------


def _plan_years(plan: Any, years: Sequence[int] | None) -> list[int]:
    if years is not None:
        return [int(y) for y in years]
    spend = getattr(plan, "spend_by_year", None)
    if spend:
        return sorted(int(y) for y in spend)
    df = _plan_frame(plan)
    cols = sorted(int(c[5:]) for c in df.columns if re.fullmatch(r"cost_\d{4}", str(c)))
    if cols:
        return cols
    starts = _starts(plan)
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
    k0, in_progress = _years_state(yrs, int(months))
    rng = np.random.default_rng([int(seed), int(months), 40417])
    approved = _starts(plan_result_or_plan_df)
    cands = candidates.drop(columns=[c for c in _RESULT_COLUMNS if c in candidates.columns])
    prof = {p: _profile(v) for p, v in zip(cands["project_id"], cands["cost_profile"])} \
        if "cost_profile" in cands.columns else {}
    cost = dict(zip(cands["project_id"], cands["cost_baht"].astype(float)))
    ids = sorted(approved)
    open_year = yrs[k0]
    due = [p for p in ids if approved[p] < open_year or (approved[p] == open_year
                                                          and in_progress)]
    later = [p for p in ids if p not in set(due)]
    tag = "(สังเคราะห์ / synthetic)"
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
                     "note": f"ชุมชนคัดค้าน/พื้นที่ไม่พร้อม {tag}"})
    n_delay_due = min(4, max(1, round(len(due) / 20))) if due else 0
    for p in pick(due, n_delay_due):
        rows.append({"project_id": p, "event": "delay", "delay_years": 1,
                     "note": f"รอผลการประกวดราคา {tag}"})
    for p in pick(later, min(3, max(1, len(later) // 10)) if later else 0):
        rows.append({"project_id": p, "event": "delay",
                     "delay_years": int(rng.choice([1, 1, 2])),
                     "note": f"ที่ดินยังไม่ได้รับอนุญาต {tag}"})
    started = [p for p in due if p not in taken]
    n_start = int(round(0.75 * (len(due) - n_cancel_due - n_delay_due)))
    started = sorted(rng.choice(np.array(started, dtype=object), size=min(n_start,
                                len(started)), replace=False)) if started else []
    for p in started:
        done = approved[p] + len(prof.get(p, (1.0,))) - 1 < open_year
        rows.append({"project_id": p, "event": "completed" if done else "started",
                     "note": f"ลงนามสัญญาแล้ว {tag}" if not done else f"ส่งมอบงานแล้ว {tag}"})
    pool = [p for p in ids if p not in taken or p in set(started)]
    n_over = min(12, max(2, round(0.04 * len(ids)))) if ids else 0
    over = sorted(rng.choice(np.array(pool, dtype=object), size=min(n_over, len(pool)),
                             replace=False)) if pool else []
    for p in over:
        pct = float(rng.uniform(0.05, 0.40))
        rows.append({"project_id": p, "event": "cost_overrun",
                     "new_cost_baht": float(round(cost[p] * (1 + pct), -3)),
                     "note": f"ราคาวัสดุสูงขึ้น {pct:.0%} {tag}"})
    events = pd.DataFrame(rows, columns=EVENT_COLUMNS)

    cut_year = yrs[k0 + 1] if k0 + 1 < len(yrs) else yrs[-1]
    budget = pd.DataFrame([{"fiscal_year": cut_year, "change_pct": -float(budget_cut_pct),
                            "new_budget_baht": None,
                            "note": f"ปรับลดวงเงินงบประมาณ {tag}"}]) \
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
            src["name_th"] = "ข้อเสนอใหม่: " + src["name_th"].astype(str)
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


# --------------------------------------------------------------------------------------
# Plan versions in the database
# --------------------------------------------------------------------------------------


def _table_ddl(name: str) -> str:
    m = re.search(rf"CREATE TABLE IF NOT EXISTS {name} \((.*?)\n\);", db.schema_sql(),
                  flags=re.S)
    if not m:  # pragma: no cover - schema.sql always has both
        raise RuntimeError(f"schema.sql has no {name} table")
    return m.group(0)


def _ddl_columns(ddl: str) -> list[tuple[str, str]]:
    cols = []
    for line in ddl.splitlines()[1:]:
        line = line.split("--")[0].strip().rstrip(",")
        m = re.match(r"([a-z_][a-z0-9_]*)\s+([A-Z]+(?:\[\])?)", line)
        if m and m.group(1) not in ("primary", "unique", "check"):
            cols.append((m.group(1), m.group(2)))
    return cols


def ensure_tables(con) -> None:
    """Create ``plan_versions`` and ``plan_items`` if missing, and add any column that a
    database built by an older oneplan lacks (``ALTER TABLE … ADD COLUMN IF NOT EXISTS``)."""
    for name in ("plan_versions", "plan_items"):
        ddl = _table_ddl(name)
        con.execute(ddl)
        for col, typ in _ddl_columns(ddl):
            con.execute(f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS {col} {typ}")


def next_version_id(con, province_code: str, fiscal_year: int) -> str:
    """``"<province>-<fiscal year>-v<n>"`` with ``n`` one more than the highest so far."""
    code = areas.province(province_code).code
    prefix = f"{code}-{int(fiscal_year)}-v"
    rows = con.execute("SELECT version_id FROM plan_versions WHERE version_id LIKE ?",
                       [prefix + "%"]).fetchall()
    ns = [int(v[len(prefix):]) for (v,) in rows if v[len(prefix):].isdigit()]
    return f"{prefix}{max(ns, default=0) + 1}"


def _json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=_jsonable, sort_keys=True)


def spec_to_json(spec: Any) -> dict[str, Any]:
    """A PlanSpec as plain JSON (group limits as dicts, year keys as strings)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(spec):
        v = getattr(spec, f.name)
        if f.name == "group_limits":
            v = [{k: _jsonable(x) for k, x in dataclasses.asdict(g).items()} for g in v]
        elif isinstance(v, Mapping):
            v = {str(k): _jsonable(x) for k, x in v.items()}
        elif isinstance(v, (list, tuple)):
            v = [_jsonable(x) for x in v]
        else:
            v = _jsonable(v)
        out[f.name] = v
    return out


def spec_from_json(d: Mapping[str, Any]) -> Any:
    """The inverse of :func:`spec_to_json` (unknown keys are ignored)."""
    names = {f.name for f in dataclasses.fields(portfolio.PlanSpec)}
    kw: dict[str, Any] = {}
    for k, v in d.items():
        if k not in names:
            continue
        if k == "years":
            v = [int(y) for y in v]
        elif k == "group_limits":
            v = tuple(portfolio.GroupLimit(**g) for g in v)
        elif k in ("budget_by_year",):
            v = {int(y): float(b) for y, b in v.items()}
        elif k in ("baseline", "fixed_start"):
            v = None if v is None else {p: int(y) for p, y in v.items()}
        kw[k] = v
    return portfolio.PlanSpec(**kw)


@dataclass
class PlanVersion:
    """One saved plan version: its header (``plan_versions`` row) and items."""

    header: dict[str, Any]
    items: pd.DataFrame

    @property
    def version_id(self) -> str:
        return self.header["version_id"]

    @property
    def params(self) -> dict[str, Any]:
        return json.loads(self.header.get("params_json") or "{}")

    @property
    def plan(self) -> pd.DataFrame:
        """The selected items (``project_id``, ``start_year``, …): an approved plan for
        :func:`revise_plan`."""
        return self.items[self.items["selected"]].reset_index(drop=True)

    @property
    def starts(self) -> dict[Any, int]:
        return _starts(self.items)


def save_plan_version(con, province_code: str, fiscal_year: int, plan_result: Any, *,
                      reason: str, params_json: str | Mapping[str, Any] | None,
                      parent_version_id: str | None = None,
                      months_after_approval: int | None = None, status: str | None = None,
                      value_col: str = "priority", stability_penalty: float | None = None,
                      synthetic_facts: bool | None = None,
                      budget_by_year: Mapping[int, float] | None = None) -> str:
    """Write a plan version (header + one item per candidate) and return its id.

    ``plan_result`` is a ``PlanResult`` (an approval) or a :class:`Revision` (its diff
    gives each item's change and reasons, its months and penalty the header's). Items
    keep the cost and value known at this version, so a later revision starts from them.
    Creates/upgrades the tables first (:func:`ensure_tables`). The whole write is one
    transaction.
    """
    ensure_tables(con)
    code = areas.province(province_code).code
    revision = plan_result if isinstance(plan_result, Revision) else None
    result = revision.result if revision else plan_result
    plan = _plan_frame(result)
    if parent_version_id is not None:
        found = con.execute("SELECT 1 FROM plan_versions WHERE version_id = ?",
                            [parent_version_id]).fetchone()
        if not found:
            raise ValueError(f"parent plan version {parent_version_id} does not exist")
    if isinstance(params_json, Mapping):
        params_json = _json(params_json)
    if revision is not None:
        months_after_approval = revision.months if months_after_approval is None \
            else months_after_approval
        stability_penalty = revision.stability_penalty if stability_penalty is None \
            else stability_penalty
        synthetic_facts = revision.facts.synthetic if synthetic_facts is None \
            else synthetic_facts
        budget_by_year = budget_by_year or revision.spec.budget_by_year
        objective, plan_value = revision.objective_after, revision.value_after
    else:
        objective = plan_value = float(result.objective)
    status = status or ("revised" if parent_version_id else "approved")
    spend = {str(y): {"spend": float(v)} for y, v in result.spend_by_year.items()}
    for y, b in dict(budget_by_year or {}).items():
        spend.setdefault(str(y), {})["budget"] = float(b)

    items = pd.DataFrame({
        "project_id": plan["project_id"].astype(str),
        "selected": plan["selected"].fillna(False).astype(bool),
        "start_year": plan["start_year"].astype("Int64"),
        "cost_baht": plan["cost_baht"].astype(float),
        "value": pd.to_numeric(plan[value_col], errors="coerce").astype(float)
        if value_col in plan.columns else np.nan,
        "earliest_start": plan["earliest_start"].astype("Int64")
        if "earliest_start" in plan.columns else pd.array([pd.NA] * len(plan), "Int64"),
        "new_proposal": plan["new_proposal"].fillna(False).astype(bool)
        if "new_proposal" in plan.columns else False,
    })
    items["prev_start_year"] = pd.array([pd.NA] * len(items), dtype="Int64")
    items["change"] = None
    items["reason_th"] = None
    items["reason_en"] = None
    items["proposal_json"] = None
    if revision is not None:
        d = revision.diff.set_index("project_id")
        idx = items["project_id"].isin(d.index)
        sub = d.loc[items.loc[idx, "project_id"]]
        items.loc[idx, "change"] = sub["change"].to_numpy()
        items.loc[idx, "reason_th"] = sub["reason_th"].to_numpy()
        items.loc[idx, "reason_en"] = sub["reason_en"].to_numpy()
        items.loc[idx, "prev_start_year"] = sub["start_before"].to_numpy()
        new = plan["new_proposal"].fillna(False).astype(bool).to_numpy() \
            if "new_proposal" in plan.columns else np.zeros(len(plan), bool)
        skip = {"selected", "start_year"} | {c for c in plan.columns
                                             if re.fullmatch(r"cost_\d{4}", str(c))}
        items.loc[new, "proposal_json"] = [
            _json({k: _jsonable(v) for k, v in rec.items() if k not in skip})
            for rec in plan.loc[new].to_dict("records")]
    elif parent_version_id is None:
        sel = items["selected"]
        items.loc[sel, "reason_th"] = "อยู่ในแผนที่อนุมัติ"
        items.loc[sel, "reason_en"] = "in the approved plan"
    items.insert(0, "version_id", "")

    con.execute("BEGIN TRANSACTION")
    try:
        version_id = next_version_id(con, code, fiscal_year)
        items["version_id"] = version_id
        con.execute(
            "INSERT INTO plan_versions (version_id, province_code, fiscal_year, created_at, "
            "reason, params_json, selected_ids, parent_version_id, months_after_approval, "
            "status, objective, plan_value, solver_status, gap, stability_penalty, "
            "synthetic_facts, spend_json, oneplan_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [version_id, code, int(fiscal_year),
             datetime.now(timezone.utc).replace(tzinfo=None), reason, params_json,
             [str(p) for p in result.selected_ids], parent_version_id,
             int(months_after_approval or 0), status, float(objective), float(plan_value),
             str(result.status), None if result.gap is None else float(result.gap),
             None if stability_penalty is None else float(stability_penalty),
             synthetic_facts, _json(spend), __version__])
        cols = ", ".join(items.columns)
        con.register("incoming_items", items)
        con.execute(f"INSERT INTO plan_items ({cols}) SELECT {cols} FROM incoming_items")
        con.unregister("incoming_items")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    log.info("saved plan version %s (%d selected)", version_id, int(items["selected"].sum()))
    return version_id


def load_plan_version(con, version_id: str) -> PlanVersion:
    """A saved version: header dict and items (one row per candidate)."""
    ensure_tables_read = _has_table(con, "plan_versions")
    if not ensure_tables_read:
        raise KeyError(f"no plan versions in this database (looking for {version_id})")
    hdr = con.execute("SELECT * FROM plan_versions WHERE version_id = ?",
                      [version_id]).df()
    if hdr.empty:
        raise KeyError(f"plan version {version_id} does not exist")
    header = {k: _jsonable(v) for k, v in hdr.iloc[0].to_dict().items()}
    header["selected_ids"] = list(header.get("selected_ids") or [])
    items = con.execute("SELECT * FROM plan_items WHERE version_id = ? ORDER BY project_id",
                        [version_id]).df() if _has_table(con, "plan_items") else \
        pd.DataFrame(columns=["project_id", "selected", "start_year"])
    if len(items):
        items["selected"] = items["selected"].astype(bool)
        for col in ("start_year", "prev_start_year", "earliest_start"):
            if col in items.columns:
                items[col] = items[col].astype("Int64")
    return PlanVersion(header=header, items=items)


def _has_table(con, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
        [name]).fetchone()[0])


def list_plan_versions(con, province_code: str, fiscal_year: int | None = None
                       ) -> pd.DataFrame:
    """The versions of a province's plan, oldest first (no items)."""
    code = areas.province(province_code).code
    cols = ["version_id", "province_code", "fiscal_year", "created_at", "status",
            "parent_version_id", "months_after_approval", "reason", "objective",
            "plan_value", "solver_status", "gap", "stability_penalty", "synthetic_facts",
            "n_selected"]
    if not _has_table(con, "plan_versions"):
        return pd.DataFrame(columns=cols)
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = "
        "'plan_versions'").fetchall()}
    sel = ", ".join(c if c in have else f"NULL AS {c}" for c in cols[:-1])
    sql = (f"SELECT {sel}, len(selected_ids) AS n_selected FROM plan_versions "
           "WHERE province_code = ?")
    args: list[Any] = [code]
    if fiscal_year is not None:
        sql += " AND fiscal_year = ?"
        args.append(int(fiscal_year))
    df = con.execute(sql, args).df()
    key = df["version_id"].str.extract(r"-v(\d+)$")[0].astype(float)
    return df.assign(_k=key).sort_values(["fiscal_year", "_k"]).drop(columns="_k") \
        .reset_index(drop=True)


# --------------------------------------------------------------------------------------
# The two writing steps (``oneplan plan approve`` / ``oneplan plan revise``)
# --------------------------------------------------------------------------------------


def _spec_from_params(params: Any, years: Sequence[int] | None = None,
                      budget_by_year: Mapping[int, float] | None = None) -> Any:
    """A PlanSpec from the ``plan:`` parameters (see :mod:`oneplan.selection.spec`), with the
    revision's stability penalty."""
    from oneplan.selection.spec import plan_spec

    return plan_spec(params, years=years, budget_by_year=budget_by_year, with_stability=True)


def _eligible(cands: pd.DataFrame, fund_source: str) -> pd.DataFrame:
    """``eligible`` from a ``fund_sources`` column (list/array or comma text), if any."""
    if "eligible" in cands.columns or "fund_sources" not in cands.columns:
        return cands

    def ok(v: Any) -> bool:
        if isinstance(v, str):
            return fund_source in [s.strip() for s in v.split(",")]
        try:
            return fund_source in list(v)
        except TypeError:
            return True
    return cands.assign(eligible=cands["fund_sources"].map(ok))


def _open_rw(db_path: str | Path | None):
    from oneplan.core.paths import default_db_path

    path = Path(db_path) if db_path else default_db_path()
    if not path.exists():
        raise db.DatabaseMissingError(
            f"central database {path} does not exist; build it with "
            f"`oneplan build-sample --db {path}`")
    try:
        return db.connect(path, read_only=False)
    except Exception as exc:  # duckdb.IOException: a reader holds the file
        raise RuntimeError(f"cannot open {path} for writing ({exc}); a report may be "
                           "reading it — retry when it has finished") from exc


def _load_scored(con, params: Any, province_code: str, fiscal_year: int,
                 weights: Mapping[str, float]) -> pd.DataFrame:
    try:
        cands = db.water_candidates(con, province_code, fiscal_year,
                                    fund_source=params.plan.fund_source)
    except TypeError:  # an older db module without fund sources
        cands = db.water_candidates(con, province_code, fiscal_year)
    if cands.empty:
        raise ValueError(f"no water candidates for province {province_code} in FY "
                         f"{fiscal_year}")
    scored = priority.score_candidates(cands, weights)
    return _eligible(scored, params.plan.fund_source)


def approve(province_code: str, *, db_path: str | Path | None = None,
            fiscal_year: int | None = None, scenario: str | None = None,
            overrides: Mapping[str, Any] | None = None, reason: str | None = None,
            years: Sequence[int] | None = None,
            budget_by_year: Mapping[int, float] | None = None,
            time_limit_s: float | None = None) -> str:
    """Solve the province's multi-year plan and save it as the approved version (v1, or
    the next number when one exists). Returns the version id, e.g. ``"40-2570-v1"``."""
    from oneplan.data.params import load_params

    layer: dict[str, Any] = dict(overrides or {})
    if fiscal_year:
        layer["fiscal_year"] = int(fiscal_year)
    params = load_params(province_code, scenario or None, layer)
    code = areas.province(province_code).code
    spec = _spec_from_params(params, years, budget_by_year)
    weights = dict(params.priority.weights)
    con = _open_rw(db_path)
    try:
        cands = _load_scored(con, params, code, params.fiscal_year, weights)
        result = portfolio.plan_portfolio(
            cands, spec, time_limit_s=time_limit_s or params.portfolio.time_limit_s,
            mip_rel_gap=params.portfolio.mip_rel_gap)
        meta = db.meta(con)
        payload = {"kind": "approve", "province_code": code, "fiscal_year":
                   params.fiscal_year, "scenario": scenario, "value_col": "priority",
                   "weights": weights, "spec": spec_to_json(spec),
                   "db_synthetic": meta.get("synthetic") == "true",
                   "solver": result.solver}
        return save_plan_version(
            con, code, params.fiscal_year, result,
            reason=reason or "อนุมัติแผน / plan approved", params_json=payload,
            stability_penalty=spec.stability_penalty, budget_by_year=spec.budget_by_year)
    finally:
        con.close()


def revise(province_code: str, *, db_path: str | Path | None = None,
           facts_file: str | Path | None = None, months: int = 6,
           fiscal_year: int | None = None, parent_version_id: str | None = None,
           stability_penalty: float | None = None, seed: int = 2567,
           reason: str | None = None, time_limit_s: float | None = None,
           facts_out: str | Path | None = None, confirm_resolves: int = 12) -> str:
    """Revise the latest plan version (or ``parent_version_id``) with follow-up facts
    and save the result as the next version. Returns its id, e.g. ``"40-2570-v2"``.

    ``facts_file`` is an XLSX/CSV of facts (:func:`read_facts`); ``None`` uses the
    **synthetic** sample facts (:func:`sample_followup`; the version is marked so).
    ``facts_out`` writes the facts used (handy to edit the sample and rerun). The
    approved rules (years, limits, committed projects, weights) come from the parent
    version's stored parameters; costs and values from its items (so earlier overruns
    and new proposals carry over).
    """
    from oneplan.data.params import load_params

    code = areas.province(province_code).code
    con = _open_rw(db_path)
    try:
        ensure_tables(con)
        if parent_version_id is None:
            versions = list_plan_versions(con, code, fiscal_year)
            if versions.empty:
                raise KeyError(f"province {code} has no approved plan version; run "
                               "`oneplan plan approve` first")
            parent_version_id = str(versions["version_id"].iloc[-1])
        parent = load_plan_version(con, parent_version_id)
        p = parent.params
        spec = spec_from_json(p["spec"])
        weights = p.get("weights") or None
        value_col = p.get("value_col", "priority")
        fy = int(parent.header["fiscal_year"])
        params = load_params(code, p.get("scenario") or None, {"fiscal_year": fy})
        cands = _load_scored(con, params, code, fy, weights or dict(params.priority.weights))
        cands = _apply_items(cands, parent.items, value_col)
        if facts_file is not None:
            facts = read_facts(facts_file, months=months)
        else:
            facts = sample_followup(parent.items, cands, months=months, seed=seed,
                                    years=spec.years)
        if facts_out is not None:
            write_facts(facts, facts_out)
        penalty = stability_penalty if stability_penalty is not None else \
            params.plan.stability_penalty
        rev = revise_plan(cands, spec, parent.items, facts, months=months,
                          stability_penalty=penalty, value_col=value_col, weights=weights,
                          time_limit_s=time_limit_s or params.portfolio.time_limit_s,
                          mip_rel_gap=params.portfolio.mip_rel_gap,
                          confirm_resolves=confirm_resolves)
        spec_json = spec_to_json(rev.spec)
        spec_json["stability_penalty"] = penalty
        payload = {"kind": "revise", "province_code": code, "fiscal_year": fy,
                   "scenario": p.get("scenario"), "value_col": value_col,
                   "weights": weights, "spec": spec_json, "months": months,
                   "facts": rev.facts.summary_json(), "counts": rev.counts,
                   "value_before": rev.value_before, "value_after": rev.value_after,
                   "notes": rev.notes, "solver": rev.result.solver}
        why = reason or (f"ทบทวนแผนหลัง {months} เดือน / revision after {months} months"
                         + (" (synthetic facts)" if facts.synthetic else ""))
        vid = save_plan_version(con, code, fy, rev, reason=why, params_json=payload,
                                parent_version_id=parent_version_id, value_col=value_col)
        log.info("%s: %s", vid, rev.summary("en"))
        return vid
    finally:
        con.close()


def _apply_items(cands: pd.DataFrame, items: pd.DataFrame, value_col: str) -> pd.DataFrame:
    """Costs, values and earliest starts of a saved version over freshly loaded
    candidates, plus the version's new proposals (not in ``water_projects``)."""
    if items.empty:
        return cands
    out = cands.copy()
    it = items.set_index("project_id")
    known = out["project_id"].isin(it.index)
    sub = it.loc[out.loc[known, "project_id"]]
    out.loc[known, "cost_baht"] = sub["cost_baht"].to_numpy(dtype=float)
    if sub["value"].notna().all():
        out.loc[known, value_col] = sub["value"].to_numpy(dtype=float)
    if "earliest_start" in it.columns:
        es = out["earliest_start"] if "earliest_start" in out.columns else \
            pd.Series([pd.NA] * len(out), index=out.index)
        es = pd.array(es, dtype="Int64")
        es[known.to_numpy()] = pd.array(sub["earliest_start"], dtype="Int64")
        out["earliest_start"] = es
    extra = items[items["proposal_json"].notna()] if "proposal_json" in items.columns \
        else items.iloc[0:0]
    extra = extra[~extra["project_id"].isin(out["project_id"])]
    if len(extra):
        rows = pd.DataFrame([json.loads(s) for s in extra["proposal_json"]])
        if "cost_profile" in rows.columns:
            rows["cost_profile"] = rows["cost_profile"].map(
                lambda v: tuple(v) if isinstance(v, list) else v)
        rows = rows.reindex(columns=out.columns)
        out = pd.concat([out, rows], ignore_index=True)
        out["ready"] = out["ready"].fillna(False).astype(bool)
    return out

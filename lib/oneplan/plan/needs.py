"""Surin One Plan: village needs, how the committees sort them, and where they stand.

Village leaders enter needs with their eight-digit village code; the sub-district (กบต.)
and district (กบอ.) integrated committees sort each one — done by the village itself, by
the local government (LAO), jointly, or by the district, province or a central department
— and check whether it fits a strategic issue of the province, before the governor puts it
into the provincial development plan. After that each need is followed through budget,
procurement, contract and works to completion.

This module holds

* the **classification rules** (:func:`classify`, written to the database by
  :func:`apply_classification`): category + estimated cost → authority level, category →
  strategic issue, both from ``params.needs``;
* the **stage machine** (:data:`TRANSITIONS`, :func:`check_transition`,
  :func:`check_history`, :func:`record_stage`): the legal moves between committee stages,
  with a clear :class:`StageTransitionError` for an illegal jump;
* what the reports show: the **funnel** from needs to completed works, **villages with no
  needs**, the **needs waiting longest**, and :func:`cookbook_figures`.

The governor's overview of projects (done / in progress / awaiting budget) is in
:mod:`oneplan.plan.governor`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from oneplan.core import areas, vocab
from oneplan.core.errors import UserError
from oneplan.data import audit
from oneplan.plan import query

log = logging.getLogger(__name__)

STAGES: tuple[str, ...] = tuple(vocab.NEED_STAGES)
"""Every stage code, in the order of :data:`oneplan.core.vocab.NEED_STAGES`."""

MAIN_LINE: tuple[str, ...] = (
    "submitted", "tambon_screened", "amphoe_screened", "agency_assigned", "in_plan",
    "budget_requested", "allocated", "procurement", "contract", "in_progress", "completed")
"""The committee path a need normally takes, from the village to completed works."""

TERMINAL: frozenset[str] = frozenset({"completed", "rejected", "merged"})
"""Stages after which nothing more happens to a need."""

LOCAL_AUTHORITIES: frozenset[str] = frozenset({"village", "lao", "joint"})
"""Authority levels the sub-district committee settles itself: their needs go from กบต.
screening straight to the agency (the village or the LAO), without the district committee."""

TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"tambon_screened", "rejected", "merged"}),
    "tambon_screened": frozenset({"amphoe_screened", "agency_assigned", "rejected", "merged"}),
    "amphoe_screened": frozenset({"agency_assigned", "rejected", "merged"}),
    "agency_assigned": frozenset({"in_plan", "in_progress", "rejected"}),
    "in_plan": frozenset({"budget_requested", "rejected"}),
    "budget_requested": frozenset({"allocated", "rejected"}),
    "allocated": frozenset({"procurement", "rejected"}),
    "procurement": frozenset({"contract", "rejected"}),
    "contract": frozenset({"in_progress"}),
    "in_progress": frozenset({"completed"}),
    "completed": frozenset(),
    "rejected": frozenset(),
    "merged": frozenset(),
}
"""Legal moves: stage → stages that may follow it. Two moves are legal only for some
authority levels (:func:`check_transition`): ``tambon_screened → agency_assigned`` for
needs the sub-district settles (:data:`LOCAL_AUTHORITIES`), and ``agency_assigned →
in_progress`` for village self-help (no budget, no procurement)."""

_SHORTCUTS: dict[tuple[str, str], frozenset[str]] = {
    ("tambon_screened", "agency_assigned"): LOCAL_AUTHORITIES,
    ("agency_assigned", "in_progress"): frozenset({"village"}),
}

FUNNEL_STAGES: tuple[str, ...] = (
    "submitted", "tambon_screened", "agency_assigned", "in_plan", "budget_requested",
    "allocated", "contract", "in_progress", "completed")
"""Stages shown in the funnel (``amphoe_screened`` is left out: local needs skip it)."""


_NEEDS_SQL = (
    "SELECT n.*, d.name_th AS district_name, d.name_en AS district_name_en, "
    "s.name_th AS subdistrict_name, s.name_en AS subdistrict_name_en "
    "FROM needs n LEFT JOIN areas d ON d.code = n.district_code "
    "LEFT JOIN areas s ON s.code = n.subdistrict_code "
    "WHERE n.fiscal_year = ?{where} ORDER BY n.need_id")
_STAGES_SQL = ("SELECT s.* FROM need_stages s JOIN needs n USING (need_id) "
               "WHERE n.fiscal_year = ?{where} ORDER BY s.need_id, s.stage_on")


class StageTransitionError(UserError, ValueError):
    """A move between committee stages that the process does not allow (exit 2)."""


class NeedsDataError(UserError, ValueError):
    """Need data that cannot be used as it is (unknown category, bad village code, ...);
    exit 2."""


# --- stage machine ----------------------------------------------------------------------

def _stage_name(code: str) -> str:
    return f"{code} ({vocab.name(vocab.NEED_STAGES, code)})"


def check_transition(current: str | None, new: str, *, authority: str | None = None,
                     need_id: str = "") -> None:
    """Check that a need may move from ``current`` to ``new``.

    Args:
        current: the need's stage now; None for a need not entered yet (only
            ``submitted`` may come first).
        new: the stage it would move to.
        authority: the need's authority level; needed for the two shortcuts of
            :data:`TRANSITIONS`.
        need_id: named in the error message.

    Raises:
        StageTransitionError: the move is not allowed; the message names both stages,
            what may follow ``current`` and, for a shortcut, the authority it needs.
    """
    who = f"need {need_id}: " if need_id else ""
    if new not in vocab.NEED_STAGES:
        raise StageTransitionError(f"{who}unknown stage {new!r}; stages are: "
                                   + ", ".join(STAGES))
    if current is None:
        if new != "submitted":
            raise StageTransitionError(
                f"{who}a need starts at 'submitted', not at {_stage_name(new)}")
        return
    if current not in vocab.NEED_STAGES:
        raise StageTransitionError(f"{who}unknown current stage {current!r}")
    allowed = TRANSITIONS[current]
    if new not in allowed:
        nxt = ", ".join(sorted(allowed, key=STAGES.index)) or "nothing (it is final)"
        raise StageTransitionError(
            f"{who}cannot move from {_stage_name(current)} to {_stage_name(new)}; "
            f"after {current} may come: {nxt}")
    needs_auth = _SHORTCUTS.get((current, new))
    if needs_auth is not None and authority not in needs_auth:
        raise StageTransitionError(
            f"{who}moving from {current} straight to {new} is only for needs of authority "
            f"{', '.join(sorted(needs_auth))}; this need is {authority or 'not classified'} "
            f"and must go through the next committee stage first")


def check_history(stages: Sequence[str], dates: Sequence[date] | None = None, *,
                  authority: str | None = None, need_id: str = "") -> None:
    """Check a whole stage history (oldest first): every move legal, dates never going
    back.

    Raises:
        StageTransitionError: the first illegal move or date going backwards.
    """
    current = None
    for i, stage in enumerate(stages):
        check_transition(current, stage, authority=authority, need_id=need_id)
        if dates is not None and i and pd.Timestamp(dates[i]) < pd.Timestamp(dates[i - 1]):
            raise StageTransitionError(
                f"need {need_id}: {stage} on {dates[i]} is before {stages[i - 1]} on "
                f"{dates[i - 1]}")
        current = stage


def record_stage(con: duckdb.DuckDBPyConnection, need_id: str, stage: str, on: date, *,
                 reason: str | None = None, linked_need_id: str | None = None,
                 source_file: str = "oneplan.plan.needs.record_stage") -> None:
    """Move a need to ``stage`` on ``on``: add the ``need_stages`` row and update
    ``needs.stage`` (and ``merged_into`` for a merge) in one transaction.

    Raises:
        NeedsDataError: unknown need; a merge without the need it goes into, or into
            itself or an unknown need; a rejection without a reason.
        StageTransitionError: the move is not allowed, or ``on`` is before the last stage.
    """
    row = con.execute("SELECT stage, authority, province_code FROM needs WHERE need_id = ?",
                      [need_id]).fetchone()
    if row is None:
        raise NeedsDataError(f"no need {need_id!r} in the database")
    current, authority, province = row
    check_transition(current, stage, authority=authority, need_id=need_id)
    last = con.execute("SELECT max(stage_on) FROM need_stages WHERE need_id = ?",
                       [need_id]).fetchone()[0]
    if last is not None and pd.Timestamp(on) < pd.Timestamp(last):
        raise StageTransitionError(
            f"need {need_id}: {stage} on {on} is before its last stage on {last}")
    if stage == "merged":
        if not linked_need_id or linked_need_id == need_id:
            raise NeedsDataError(f"need {need_id}: a merge needs the id of the other need")
        if con.execute("SELECT 1 FROM needs WHERE need_id = ?", [linked_need_id]).fetchone() \
                is None:
            raise NeedsDataError(f"need {need_id}: merged into unknown need {linked_need_id!r}")
    if stage in ("rejected", "merged") and not reason:
        raise NeedsDataError(f"need {need_id}: say why it is {stage} (reason)")
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("INSERT INTO need_stages (need_id, stage, stage_on, reason, linked_need_id,"
                    " source_file) VALUES (?, ?, ?, ?, ?, ?)",
                    [need_id, stage, on, reason, linked_need_id, source_file])
        con.execute("UPDATE needs SET stage = ?, merged_into = coalesce(?, merged_into) "
                    "WHERE need_id = ?", [stage, linked_need_id, need_id])
        audit.record(con, action="need_stage", province_code=province, rows_changed=1,
                     detail={"need_id": need_id, "from": current, "to": stage,
                             "on": str(on), "linked_need_id": linked_need_id})
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def validate_histories(stages: pd.DataFrame, needs: pd.DataFrame) -> pd.DataFrame:
    """Check every need's history in a table of ``need_stages`` rows.

    Returns:
        One row per need whose history breaks the stage machine: ``need_id``, ``error``
        (empty when every history is legal).
    """
    auth = needs.set_index("need_id")["authority"].to_dict() if len(needs) else {}
    order = {s: i for i, s in enumerate(STAGES)}
    df = stages.assign(_o=stages["stage"].map(order)).sort_values(["need_id", "stage_on", "_o"])
    bad = []
    for need_id, g in df.groupby("need_id", sort=False):
        try:
            check_history(g["stage"].tolist(), g["stage_on"].tolist(),
                          authority=auth.get(need_id), need_id=need_id)
        except StageTransitionError as exc:
            bad.append({"need_id": need_id, "error": str(exc)})
    return pd.DataFrame(bad, columns=["need_id", "error"])


# --- classification -------------------------------------------------------------------

def classify(needs: pd.DataFrame, params) -> pd.DataFrame:
    """Sort needs by the rules of ``params.needs``.

    ``authority`` comes from the first rule of ``authority_rules`` whose categories hold
    the need's category (or ``*``) and whose ``max_cost_baht`` is at least the need's
    ``estimated_cost`` (no bound when null). A need without an estimated cost stays
    unclassified (None): the committee cannot tell its level. ``strategy_no`` is
    ``strategy_by_category`` of the category, None (does not fit) for an unmapped one.

    Args:
        needs: at least ``category`` and ``estimated_cost``.
        params: a :class:`oneplan.data.params.Params` (or its ``needs`` section).

    Returns:
        A copy of ``needs`` with ``authority`` and ``strategy_no`` replaced and
        ``rule_no`` (1-based rule that matched; NA when unclassified).

    Raises:
        NeedsDataError: a category that is not in :data:`oneplan.core.vocab.NEED_CATEGORIES`
            (the need ids are named).
    """
    section = params.needs if hasattr(params, "needs") else params
    out = needs.copy()
    cat = out["category"].astype(str).to_numpy()
    unknown = ~np.isin(cat, list(vocab.NEED_CATEGORIES))
    if unknown.any():
        ids = out.loc[unknown, "need_id"].astype(str).tolist() if "need_id" in out else []
        raise NeedsDataError(
            f"unknown need categories {sorted(set(cat[unknown]))} (needs {', '.join(ids[:10])}"
            f"); categories are: {', '.join(vocab.NEED_CATEGORIES)}")
    cost = pd.to_numeric(out["estimated_cost"], errors="coerce").to_numpy(dtype=float)
    has_cost = np.isfinite(cost)
    authority = np.full(len(out), None, dtype=object)
    rule_no = np.zeros(len(out), dtype=int)
    open_ = has_cost.copy()
    for k, rule in enumerate(section.authority_rules, start=1):
        cats = rule.categories
        m = open_ & (np.ones(len(out), bool) if "*" in cats else np.isin(cat, cats))
        if rule.max_cost_baht is not None:
            m &= cost <= rule.max_cost_baht
        authority[m] = rule.authority
        rule_no[m] = k
        open_ &= ~m
    if open_.any():
        log.warning("%d need(s) match no authority rule; they stay unclassified",
                    int(open_.sum()))
    out["authority"] = pd.Series(authority, index=out.index, dtype=object)
    out["rule_no"] = pd.array([k if k > 0 else pd.NA for k in rule_no], dtype="Int64")
    mapping = section.strategy_by_category
    out["strategy_no"] = pd.array([mapping.get(c) for c in cat], dtype="Int64")
    return out


def apply_classification(con: duckdb.DuckDBPyConnection, province_code: str,
                         fiscal_year: int, params) -> pd.DataFrame:
    """Write the rules' authority level and strategic issue into ``needs`` for the needs
    the sub-district committee has screened (the others stay unclassified).

    Returns:
        Needs per authority level written (``authority``, ``needs``); unclassified ones
        (no cost estimate) as authority None.
    """
    code = areas.province(province_code).code
    n = con.execute(
        "SELECT need_id, category, estimated_cost FROM needs n WHERE province_code = ? "
        "AND fiscal_year = ? AND EXISTS (SELECT 1 FROM need_stages s WHERE s.need_id = "
        "n.need_id AND s.stage = 'tambon_screened')", [code, int(fiscal_year)]).df()
    if n.empty:
        return pd.DataFrame(columns=["authority", "needs"])
    c = classify(n, params)[["need_id", "authority", "strategy_no"]]
    con.register("classified_needs", c)
    try:
        changed = con.execute(
            "SELECT count(*) FROM classified_needs c JOIN needs n USING (need_id) WHERE "
            "n.authority IS DISTINCT FROM c.authority OR n.strategy_no IS DISTINCT FROM "
            "c.strategy_no").fetchone()[0]
        con.execute("UPDATE needs SET authority = c.authority, strategy_no = c.strategy_no "
                    "FROM classified_needs c WHERE needs.need_id = c.need_id")
    finally:
        con.unregister("classified_needs")
    audit.record(con, action="needs_classify", province_code=code, rows_read=len(c),
                 rows_changed=int(changed), detail={"fiscal_year": int(fiscal_year)})
    log.info("classified %d needs of province %s", len(c), code)
    return (c.groupby(c["authority"].fillna("unclassified")).size()
            .rename("needs").reset_index())


def check_strategies(con: duckdb.DuckDBPyConnection, province_code: str, params) -> list[int]:
    """Strategic issue numbers of ``params.needs.strategy_by_category`` that the province
    does not have (logged as a warning; such needs are shown as 'does not fit')."""
    known = {r[0] for r in con.execute(
        "SELECT issue_no FROM strategic_issues WHERE province_code = ?",
        [province_code]).fetchall()}
    section = params.needs if hasattr(params, "needs") else params
    missing = sorted({v for v in section.strategy_by_category.values()
                      if v is not None and v not in known})
    if missing:
        log.warning("province %s has no strategic issue %s (params needs.strategy_by_category)",
                    province_code, missing)
    return missing


# --- reading ----------------------------------------------------------------------------

def load_needs(con: duckdb.DuckDBPyConnection, province_code: str | None,
               fiscal_year: int) -> pd.DataFrame:
    """Needs of a province (None = every province) and fiscal year, with district and
    sub-district names."""
    return query.rows_of_year(con, _NEEDS_SQL, province_code, fiscal_year, "n.")


def load_stages(con: duckdb.DuckDBPyConnection, province_code: str | None,
                fiscal_year: int) -> pd.DataFrame:
    """``need_stages`` rows of the needs of a province (None = all) and fiscal year."""
    return query.rows_of_year(con, _STAGES_SQL, province_code, fiscal_year, "n.")


def as_of_date(con: duckdb.DuckDBPyConnection, fiscal_year: int) -> date:
    """The date the data stands at: the last stage date recorded for the fiscal year's
    needs (the sample's snapshot day), or today when there is none."""
    d = con.execute("SELECT max(s.stage_on) FROM need_stages s JOIN needs n USING (need_id) "
                    "WHERE n.fiscal_year = ?", [int(fiscal_year)]).fetchone()[0]
    return pd.Timestamp(d).date() if d is not None else date.today()


# --- what the report shows ---------------------------------------------------------------

def funnel(stages: pd.DataFrame, needs: pd.DataFrame | None = None) -> pd.DataFrame:
    """How many needs ever reached each stage of :data:`FUNNEL_STAGES`, how many the
    villages did themselves, and how many ended rejected or merged.

    Village self-help needs go from the agency straight to the works, without plan,
    budget or contract; so that each stage is a subset of the one before, the stages from
    ``in_plan`` on count only the other needs, and the self-help ones that reached the
    works are the row ``self_help`` (needs ``authority`` tells them apart; without
    ``needs`` every need counts everywhere).

    Returns:
        ``stage``, ``needs`` (count), ``share`` (of submitted, 0..1), ``step_share``
        (of the stage before, NaN for the rows after ``completed``); then ``self_help``,
        ``rejected`` and ``merged``.
    """
    village: set = set()
    n0 = stages.loc[stages["stage"] == "submitted", "need_id"].nunique()
    if needs is not None:
        n0 = max(n0, len(needs))
        village = set(needs.loc[needs["authority"] == "village", "need_id"])
    after_plan = set(FUNNEL_STAGES[FUNNEL_STAGES.index("in_plan"):])
    rows, prev = [], None
    for s in FUNNEL_STAGES:
        ids = stages.loc[stages["stage"] == s, "need_id"]
        if s in after_plan:
            ids = ids[~ids.isin(village)]
        n = n0 if s == "submitted" else int(ids.nunique())
        rows.append({"stage": s, "needs": n, "share": n / n0 if n0 else np.nan,
                     "step_share": 1.0 if prev is None else (n / prev if prev else np.nan)})
        prev = n
    ids = stages.loc[stages["stage"] == "in_progress", "need_id"]
    extra = {"self_help": int(ids[ids.isin(village)].nunique()),
             "rejected": int(stages.loc[stages["stage"] == "rejected", "need_id"].nunique()),
             "merged": int(stages.loc[stages["stage"] == "merged", "need_id"].nunique())}
    for s, n in extra.items():
        rows.append({"stage": s, "needs": n, "share": n / n0 if n0 else np.nan,
                     "step_share": np.nan})
    return pd.DataFrame(rows)


def classification_table(classified: pd.DataFrame) -> pd.DataFrame:
    """Needs and estimated baht by authority level (rows) and strategic fit.

    Returns:
        ``authority`` (None = unclassified), ``needs``, ``estimated_baht``,
        ``fit_strategy`` (needs fitting an issue), ``share`` of all needs.
    """
    df = classified.assign(authority=classified["authority"].fillna("unclassified"),
                           fits=classified["strategy_no"].notna())
    g = df.groupby("authority").agg(needs=("need_id", "size"),
                                    estimated_baht=("estimated_cost", "sum"),
                                    fit_strategy=("fits", "sum"))
    order = [*vocab.AUTHORITY_LEVELS, "unclassified"]
    g = g.reindex([o for o in order if o in g.index]).reset_index()
    g["share"] = g["needs"] / max(len(df), 1)
    return g


def silent_villages(con: duckdb.DuckDBPyConnection, province_code: str | None,
                    fiscal_year: int) -> pd.DataFrame:
    """Villages of the province (None = all) with no need recorded for the fiscal year.

    Returns:
        ``village_code``, ``village_name``, ``subdistrict_code``, ``subdistrict_name``,
        ``district_code``, ``district_name``, ``households``.
    """
    where, args = query.province_filter(province_code, "v.")
    return con.execute(
        "SELECT v.code AS village_code, v.name_th AS village_name, "
        "s.code AS subdistrict_code, s.name_th AS subdistrict_name, "
        "s.name_en AS subdistrict_name_en, d.code AS district_code, "
        "d.name_th AS district_name, d.name_en AS district_name_en, v.households "
        "FROM areas v JOIN areas s ON s.code = v.parent_code "
        "JOIN areas d ON d.code = s.parent_code "
        f"WHERE v.level = 'village'{where} AND NOT EXISTS (SELECT 1 FROM needs n "
        "WHERE n.village_code = v.code AND n.fiscal_year = ?) ORDER BY v.code",
        [*args, int(fiscal_year)]).df()


def silent_by_district(con: duckdb.DuckDBPyConnection, province_code: str,
                       fiscal_year: int) -> pd.DataFrame:
    """Per district: villages, villages with no need, their share.

    Returns:
        ``district_code``, ``district_name``, ``district_name_en``, ``villages``,
        ``silent``, ``silent_share``.
    """
    code = areas.province(province_code).code
    return con.execute(
        "SELECT d.code AS district_code, d.name_th AS district_name, "
        "d.name_en AS district_name_en, count(*) AS villages, "
        "count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM needs n WHERE n.village_code = "
        "v.code AND n.fiscal_year = ?)) AS silent "
        "FROM areas v JOIN areas s ON s.code = v.parent_code "
        "JOIN areas d ON d.code = s.parent_code "
        "WHERE v.level = 'village' AND v.province_code = ? "
        "GROUP BY ALL ORDER BY d.code", [int(fiscal_year), code]).df().assign(
            silent_share=lambda t: t["silent"] / t["villages"].clip(lower=1))


def waiting_longest(needs: pd.DataFrame, stages: pd.DataFrame, as_of: date,
                    rows: int | None = 20) -> pd.DataFrame:
    """Needs still open (not completed, rejected or merged) by days since their last
    stage, longest first.

    Returns:
        The needs' columns plus ``last_stage_on`` and ``days_waiting``; ``rows`` rows
        (None = all).
    """
    last = stages.groupby("need_id")["stage_on"].max().rename("last_stage_on")
    open_ = needs[~needs["stage"].isin(TERMINAL)].join(last, on="need_id")
    days = (pd.Timestamp(as_of) - pd.to_datetime(open_["last_stage_on"])).dt.days
    out = open_.assign(days_waiting=days).sort_values(["days_waiting", "need_id"],
                                                      ascending=[False, True])
    return out if rows is None else out.head(rows)


def days_to_plan(stages: pd.DataFrame) -> pd.Series:
    """Days from submission to the provincial plan, per need that got there."""
    wide = stages.pivot_table(index="need_id", columns="stage", values="stage_on",
                              aggfunc="min")
    if "in_plan" not in wide or "submitted" not in wide:
        return pd.Series(dtype=float)
    d = (pd.to_datetime(wide["in_plan"]) - pd.to_datetime(wide["submitted"])).dt.days
    return d.dropna()


def cookbook_figures(con: duckdb.DuckDBPyConnection, province_code: str | None,
                     fiscal_year: int, params=None) -> dict:
    """Key figures of the needs → plan path for the cookbook (province_code None =
    national).

    Returns:
        ``villages``, ``villages_with_needs``, ``needs``, ``needs_classified`` (screened
        by the กบต. and given an authority level by the rules), ``needs_fit_strategy``
        (classified needs fitting a strategic issue), ``needs_in_plan``,
        ``needs_allocated``, ``needs_completed`` (needs that ever reached the stage), and
        ``median_days_to_plan`` (None when no need reached the plan).
    """
    from oneplan.data.params import load_params

    params = params or load_params(province_code or None, overrides={"fiscal_year": fiscal_year})
    where, args = query.province_filter(province_code)
    villages = con.execute(f"SELECT count(*) FROM areas WHERE level = 'village'{where}",
                           args).fetchone()[0]
    needs = load_needs(con, province_code, fiscal_year)
    stages = load_stages(con, province_code, fiscal_year)
    reached = stages.groupby("stage")["need_id"].nunique()
    screened = set(stages.loc[stages["stage"] == "tambon_screened", "need_id"])
    cls = classify(needs, params) if len(needs) else needs.assign(authority=None,
                                                                   strategy_no=None)
    cls = cls[cls["need_id"].isin(screened)]
    classified = cls["authority"].notna()
    d = days_to_plan(stages)
    return {
        "villages": int(villages),
        "villages_with_needs": int(needs["village_code"].nunique()),
        "needs": int(len(needs)),
        "needs_classified": int(classified.sum()),
        "needs_fit_strategy": int((classified & cls["strategy_no"].notna()).sum()),
        "needs_in_plan": int(reached.get("in_plan", 0)),
        "needs_allocated": int(reached.get("allocated", 0)),
        "needs_completed": int(reached.get("completed", 0)),
        "median_days_to_plan": float(d.median()) if len(d) else None,
    }


def name_of(vocabulary: Mapping[str, tuple[str, str]], codes: Iterable, lang: str) -> list[str]:
    """Names of ``codes`` in the report language (``–`` for missing)."""
    return ["–" if c is None or (isinstance(c, float) and c != c)
            else vocab.name(vocabulary, c, lang) for c in codes]

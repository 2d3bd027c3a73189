"""Plan101Pro's quarterly follow-up: disbursement against targets, physical progress, late
and at-risk projects, stale data and agency scorecards.

Agencies report every funded project each fiscal quarter (Q1 = Oct–Dec): cumulative
baht disbursed, physical progress (%), the procurement stage and problems (table
``progress``). The follow-up is as of one quarter (``params.followup.as_of_quarter``, by
default the latest quarter with any report):

* **disbursement** of each project and of the province = disbursed ÷ allocated, against
  the cumulative target of the quarter (``disbursement_targets_pct``, e.g. 20/45/70/100 %);
* **late**: the planned end is past the as-of day and the works are not complete;
  **at risk**: not late, but physical progress is more than ``at_risk_gap_pct`` points
  behind the share of the planned time elapsed, or disbursement that far behind the
  target;
* **stale**: the last report is more than ``stale_after_quarters`` quarters old (or the
  project never reported) — its figures are carried forward from that report;
* **agency scorecards**: per agency, projects, baht, disbursement, progress, late and
  stale counts; only agencies with at least ``min_projects_scorecard`` projects are ranked,
  so one project does not top the table.
"""

from __future__ import annotations

import logging
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from oneplan.plan import query

log = logging.getLogger(__name__)

FUNDED_STATUSES = ("allocated", "procurement", "contract", "in_progress", "completed")
"""Proposal statuses of projects with a budget, the ones followed up."""

_FUNDED_SQL = (
    "SELECT p.*, a.name_th AS agency_name, a.name_en AS agency_name_en, "
    "a.level AS agency_level, d.name_th AS district_name, d.name_en AS district_name_en "
    "FROM proposals p LEFT JOIN agencies a USING (agency_id) "
    "LEFT JOIN areas d ON d.code = p.district_code "
    "WHERE p.fiscal_year = ? AND p.allocated_baht > 0{where} ORDER BY p.project_id")
_PROGRESS_SQL = ("SELECT g.* FROM progress g JOIN proposals p USING (project_id) "
                 "WHERE g.fiscal_year = ?{where} ORDER BY g.project_id, g.quarter")


def quarter_end(fiscal_year: int, quarter: int) -> date:
    """Last day of a fiscal quarter (Q1 = Oct–Dec of the Gregorian year before).

    Raises:
        ValueError: quarter outside 1..4.
    """
    if int(quarter) not in (1, 2, 3, 4):
        raise ValueError(f"fiscal quarter must be 1..4, got {quarter!r}")
    y = int(fiscal_year) - 543
    return {1: date(y - 1, 12, 31), 2: date(y, 3, 31), 3: date(y, 6, 30),
            4: date(y, 9, 30)}[int(quarter)]


def load_funded(con: duckdb.DuckDBPyConnection, province_code: str | None,
                fiscal_year: int) -> pd.DataFrame:
    """Funded proposals of the fiscal year with agency and district names."""
    return query.rows_of_year(con, _FUNDED_SQL, province_code, fiscal_year, "p.")


def load_progress(con: duckdb.DuckDBPyConnection, province_code: str | None,
                  fiscal_year: int) -> pd.DataFrame:
    """Quarterly reports of the fiscal year's proposals."""
    return query.rows_of_year(con, _PROGRESS_SQL, province_code, fiscal_year, "p.")


def latest_quarter(progress: pd.DataFrame) -> int | None:
    """The latest quarter with any report, None without reports."""
    return int(progress["quarter"].max()) if len(progress) else None


def project_status(funded: pd.DataFrame, progress: pd.DataFrame, fiscal_year: int,
                   params, as_of_quarter: int | None = None) -> pd.DataFrame:
    """One row per funded project as of a quarter.

    Args:
        params: :class:`oneplan.data.params.Params` (its ``followup`` section is used).
        as_of_quarter: default ``params.followup.as_of_quarter``, else the latest quarter
            with a report (1 when there is none).

    Returns:
        ``funded`` with ``last_quarter`` (latest report up to the as-of quarter, NA if
        none), ``quarters_since_update``, ``stale``, ``updated_this_quarter``,
        ``disbursed_baht``, ``disbursed_share``, ``target_share``, ``physical_pct``,
        ``stage_reported``, ``problems``, ``time_share`` (share of the planned period
        elapsed), ``late``, ``at_risk``, ``completed``; and attribute
        ``df.attrs['as_of_quarter']``.
    """
    f = params.followup
    q = as_of_quarter or f.as_of_quarter or latest_quarter(progress) or 1
    as_of = pd.Timestamp(quarter_end(fiscal_year, q))
    rep = progress[progress["quarter"] <= q].sort_values(["project_id", "quarter"])
    last = rep.groupby("project_id").tail(1).set_index("project_id")
    out = funded.copy()
    out = out.join(last[["quarter", "disbursed_baht", "physical_pct", "stage", "problems"]]
                   .rename(columns={"quarter": "last_quarter", "stage": "stage_reported",
                                    "problems": "problems_reported"}), on="project_id")
    out["last_quarter"] = out["last_quarter"].astype("Int64")
    since = q - out["last_quarter"].astype("float")
    out["quarters_since_update"] = since
    # never reported: as stale as can be (counted from the start of the year)
    out["stale"] = since.isna() | (since > f.stale_after_quarters)
    out["updated_this_quarter"] = out["last_quarter"].astype("float") == q
    alloc = out["allocated_baht"].astype(float)
    out["disbursed_baht"] = out["disbursed_baht"].fillna(0.0)
    out["physical_pct"] = out["physical_pct"].fillna(0.0)
    out["disbursed_share"] = out["disbursed_baht"] / alloc
    out["target_share"] = f.disbursement_targets_pct[q - 1] / 100
    start = pd.to_datetime(out["planned_start"])
    end = pd.to_datetime(out["planned_end"])
    span = (end - start).dt.days.astype(float)
    elapsed = (as_of - start).dt.days.astype(float)
    out["time_share"] = np.clip(elapsed / span.where(span > 0), 0, 1).fillna(0.0)
    out["completed"] = (out["physical_pct"] >= 100) | (out["status"] == "completed")
    out["late"] = (end < as_of) & ~out["completed"]
    gap = f.at_risk_gap_pct / 100
    behind_works = out["physical_pct"] / 100 < out["time_share"] - gap
    behind_money = out["disbursed_share"] < out["target_share"] - gap
    out["at_risk"] = ~out["late"] & ~out["completed"] & (behind_works | behind_money)
    out["problems"] = out.pop("problems_reported")
    out.attrs["as_of_quarter"] = int(q)
    return out


def disbursement_by_quarter(funded: pd.DataFrame, progress: pd.DataFrame, params,
                            as_of_quarter: int) -> pd.DataFrame:
    """Cumulative disbursement of the province per quarter against the targets.

    A project's figure carries forward from its last report (stale projects count with
    what they last said), so a missing report never lowers the total.

    Returns:
        ``quarter`` (1..4), ``target_share``, ``disbursed_baht`` and ``disbursed_share`` of
        the allocated total (NaN for quarters after the as-of quarter), ``reports``
        (projects reporting that quarter).
    """
    alloc = float(funded["allocated_baht"].sum())
    ids = set(funded["project_id"])
    p = progress[progress["project_id"].isin(ids)]
    rows = []
    for q in range(1, 5):
        target = params.followup.disbursement_targets_pct[q - 1] / 100
        if q > as_of_quarter:
            rows.append({"quarter": q, "target_share": target, "disbursed_baht": np.nan,
                         "disbursed_share": np.nan, "reports": 0})
            continue
        upto = p[p["quarter"] <= q].sort_values("quarter").groupby("project_id").tail(1)
        paid = float(upto["disbursed_baht"].fillna(0).sum())
        rows.append({"quarter": q, "target_share": target, "disbursed_baht": paid,
                     "disbursed_share": paid / alloc if alloc else np.nan,
                     "reports": int((p["quarter"] == q).sum())})
    return pd.DataFrame(rows)


def scorecards(status: pd.DataFrame, params) -> pd.DataFrame:
    """Agency scorecards, best first.

    The ``score`` is the mean of three shares — disbursement against target (capped at
    1), projects not late or at risk, projects updated this quarter. Only agencies with
    at least ``params.followup.min_projects_scorecard`` projects get a ``rank``; the
    others are listed after them with ``rank`` NA and ``ranked`` False, so a single
    project does not top the table.

    Returns:
        ``agency_id``, ``agency_name``, ``agency_name_en``, ``projects``,
        ``allocated_baht``, ``disbursed_baht``, ``disbursed_share``, ``target_share``,
        ``physical_pct`` (mean), ``late``, ``at_risk``, ``stale``, ``updated_share``,
        ``score``, ``ranked``, ``rank``.
    """
    g = status.groupby("agency_id", dropna=False)
    t = g.agg(agency_name=("agency_name", "first"), agency_name_en=("agency_name_en", "first"),
              projects=("project_id", "size"), allocated_baht=("allocated_baht", "sum"),
              disbursed_baht=("disbursed_baht", "sum"), physical_pct=("physical_pct", "mean"),
              late=("late", "sum"), at_risk=("at_risk", "sum"), stale=("stale", "sum"),
              updated_share=("updated_this_quarter", "mean"),
              target_share=("target_share", "first")).reset_index()
    t["disbursed_share"] = t["disbursed_baht"] / t["allocated_baht"]
    on_track = 1 - (t["late"] + t["at_risk"]) / t["projects"]
    money = np.minimum(t["disbursed_share"] / t["target_share"].where(t["target_share"] > 0),
                       1).fillna(1.0)
    t["score"] = (money + on_track + t["updated_share"]) / 3
    t["ranked"] = t["projects"] >= params.followup.min_projects_scorecard
    t = t.sort_values(["ranked", "score", "agency_id"], ascending=[False, False, True],
                      ignore_index=True)
    t["rank"] = pd.array([i + 1 if r else pd.NA for i, r in enumerate(t["ranked"])],
                         dtype="Int64")
    return t


def district_table(status: pd.DataFrame) -> pd.DataFrame:
    """Per district: projects, allocated and disbursed baht, disbursement share, late,
    at risk, stale."""
    g = status.groupby(["district_code", "district_name", "district_name_en"], dropna=False)
    t = g.agg(projects=("project_id", "size"), allocated_baht=("allocated_baht", "sum"),
              disbursed_baht=("disbursed_baht", "sum"), late=("late", "sum"),
              at_risk=("at_risk", "sum"), stale=("stale", "sum")).reset_index()
    t["disbursed_share"] = t["disbursed_baht"] / t["allocated_baht"]
    return t.sort_values("district_code", ignore_index=True)


def cookbook_figures(con: duckdb.DuckDBPyConnection, province_code: str | None,
                     fiscal_year: int, params=None) -> dict:
    """Key figures of the proposals and their follow-up for the cookbook
    (province_code None = national).

    Returns:
        ``proposals`` (of the fiscal year), ``proposals_complete_attachments`` (all four
        documents), ``projects_followed`` (funded), ``share_updated_last_quarter``,
        ``disbursed_share`` (of allocated, as of the quarter), ``disbursed_target_share``
        (the quarter's target), ``late_projects``; shares are None without projects.
    """
    from oneplan.data.params import load_params

    params = params or load_params(province_code or None, overrides={"fiscal_year": fiscal_year})
    where, args = query.province_filter(province_code)
    n, complete = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE drawing_ref IS NOT NULL AND boq_ref IS NOT "
        "NULL AND photo_ref IS NOT NULL AND land_ref IS NOT NULL) FROM proposals "
        f"WHERE fiscal_year = ?{where}", [int(fiscal_year), *args]).fetchone()
    funded = load_funded(con, province_code, fiscal_year)
    progress = load_progress(con, province_code, fiscal_year)
    st = project_status(funded, progress, fiscal_year, params)
    alloc = float(st["allocated_baht"].sum())
    has = len(st) > 0
    return {
        "proposals": int(n),
        "proposals_complete_attachments": int(complete),
        "projects_followed": int(len(st)),
        "share_updated_last_quarter": float(st["updated_this_quarter"].mean()) if has else None,
        "disbursed_share": float(st["disbursed_baht"].sum() / alloc) if alloc else None,
        "disbursed_target_share": float(st["target_share"].iloc[0]) if has else None,
        "late_projects": int(st["late"].sum()),
    }

"""The governor's overview: what is done, in progress and awaiting budget.

Projects (the ``proposals`` table: agencies' proposals, most carrying village needs) are
grouped by their status:

========================  =============================================================
group                     proposal statuses
========================  =============================================================
``done``                  completed
``in_progress``           allocated, procurement, contract, in_progress
``awaiting_budget``       in_plan, budget_requested (in the provincial plan, no money yet)
``proposed``              proposed (not yet in the plan)
========================  =============================================================

Cancelled proposals are left out. Baht are the allocation for funded projects and the
proposal's cost otherwise.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from oneplan.core.text import LANGS, check_lang, text
from oneplan.plan import query

GROUPS: dict[str, tuple[str, str]] = {
    group: tuple(text(f"plan.governor.group.{group}", lang) for lang in LANGS)
    for group in ("done", "in_progress", "awaiting_budget", "proposed")}
"""Group -> (Thai, English) name, in display order (names: ``plan/text/governor.yml``)."""

STATUS_GROUP: dict[str, str] = {
    "completed": "done", "allocated": "in_progress", "procurement": "in_progress",
    "contract": "in_progress", "in_progress": "in_progress", "in_plan": "awaiting_budget",
    "budget_requested": "awaiting_budget", "proposed": "proposed",
}
"""Proposal status -> group (cancelled proposals have none)."""

NAME_COLUMNS = ("strategy_name", "strategy_name_en")
"""The columns of :func:`load_projects` holding the strategic issue's name, in the order of
:data:`oneplan.core.text.LANGS` (Thai, English)."""


def group_name(group: str, lang: str = "th") -> str:
    """The name of a group of :data:`GROUPS` in ``lang``."""
    return text(f"plan.governor.group.{group}", lang)


def load_projects(con: duckdb.DuckDBPyConnection, province_code: str | None,
                  fiscal_year: int) -> pd.DataFrame:
    """Proposals of the fiscal year (not cancelled) with ``group``, ``baht``, district
    names and the strategic issue's names."""
    df = query.rows_of_year(
        con, "SELECT p.*, d.name_th AS district_name, d.name_en AS district_name_en, "
        "i.name_th AS strategy_name, i.name_en AS strategy_name_en "
        "FROM proposals p LEFT JOIN areas d ON d.code = p.district_code "
        "LEFT JOIN strategic_issues i ON i.province_code = p.province_code "
        "AND i.issue_no = p.strategy_no "
        "WHERE p.fiscal_year = ? AND p.status <> 'cancelled'{where} ORDER BY p.project_id",
        province_code, fiscal_year, "p.")
    df["group"] = df["status"].map(STATUS_GROUP)
    df["baht"] = df["allocated_baht"].where(df["allocated_baht"].notna(), df["cost_baht"])
    return df


def overview_by(projects: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """Counts and baht of each group per value of ``by`` (e.g. ``district_code``).

    Returns:
        ``by`` columns, then ``<group>_count`` and ``<group>_baht`` for each group of
        :data:`GROUPS`, and ``total_count``, ``total_baht``.
    """
    by = [by] if isinstance(by, str) else list(by)
    df = projects.assign(**{c: projects[c].fillna(-1) if projects[c].dtype.kind in "if"
                            else projects[c].fillna("–") for c in by})
    counts = df.pivot_table(index=by, columns="group", values="project_id", aggfunc="count",
                            fill_value=0)
    baht = df.pivot_table(index=by, columns="group", values="baht", aggfunc="sum",
                          fill_value=0.0)
    out = pd.DataFrame(index=counts.index)
    for g in GROUPS:
        out[f"{g}_count"] = counts[g].astype(int) if g in counts else 0
        out[f"{g}_baht"] = baht[g].astype(float) if g in baht else 0.0
    out["total_count"] = out[[f"{g}_count" for g in GROUPS]].sum(axis=1)
    out["total_baht"] = out[[f"{g}_baht" for g in GROUPS]].sum(axis=1)
    return out.reset_index()


def totals(projects: pd.DataFrame) -> pd.DataFrame:
    """One row per group: ``group``, ``projects``, ``baht``, ``share_count``."""
    g = projects.groupby("group").agg(projects=("project_id", "size"), baht=("baht", "sum"))
    g = g.reindex(list(GROUPS), fill_value=0).reset_index()
    g["share_count"] = g["projects"] / max(int(g["projects"].sum()), 1)
    return g


def strategy_labels(projects: pd.DataFrame, lang: str = "th") -> pd.Series:
    """Strategic issue as "n. name", or 'does not fit' for proposals without one."""
    col = NAME_COLUMNS[LANGS.index(check_lang(lang))]
    none = text("plan.governor.no_strategy", lang)
    no = projects["strategy_no"]
    return pd.Series(np.where(no.notna(), no.astype("Int64").astype(str) + ". "
                              + projects[col].fillna("").astype(str), none),
                     index=projects.index)

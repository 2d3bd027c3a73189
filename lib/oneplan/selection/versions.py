"""Plan versions in the central database: tables, version ids, saving, loading, listing,
and the two writing steps ``oneplan plan approve`` / ``oneplan plan revise``.

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
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from oneplan import __version__
from oneplan.core import areas
from oneplan.core.errors import UserError
from oneplan.core.text import text
from oneplan.data import audit, db
from oneplan.selection import priority
from oneplan.selection.facts import (
    jsonable,
    plan_frame,
    plan_starts,
    read_facts,
    sample_followup,
    write_facts,
)
from oneplan.selection.portfolio import plan_portfolio
from oneplan.selection.revision import Revision, revise_plan
from oneplan.selection.spec import GroupLimit, PlanSpec, plan_spec

__all__ = [
    "NoApprovedPlanError",
    "NoCandidatesError",
    "PlanVersion",
    "approve",
    "ensure_tables",
    "list_plan_versions",
    "load_plan_version",
    "next_version_id",
    "revise",
    "save_plan_version",
    "spec_from_json",
    "spec_to_json",
]

log = logging.getLogger(__name__)


class NoApprovedPlanError(UserError, LookupError):
    """A revision asked for a province that has no approved plan version yet (exit 2)."""


class NoCandidatesError(UserError, ValueError):
    """No water projects of the province in that fiscal year to plan with (exit 2)."""


def _both(key: str, **fields: Any) -> str:
    """A stored text in both languages, ``"<Thai> / <English>"``."""
    return f"{text(key, 'th', **fields)} / {text(key, 'en', **fields)}"


# --------------------------------------------------------------------------------------
# Tables and ids
# --------------------------------------------------------------------------------------


def _table_ddl(name: str) -> str:
    """The ``CREATE TABLE`` statement of ``name`` in ``schema.sql``."""
    m = re.search(rf"CREATE TABLE IF NOT EXISTS {name} \((.*?)\n\);", db.schema_sql(),
                  flags=re.S)
    if not m:  # pragma: no cover - schema.sql always has both
        raise RuntimeError(f"schema.sql has no {name} table")
    return m.group(0)


def _ddl_columns(ddl: str) -> list[tuple[str, str]]:
    """(column, type) of a ``CREATE TABLE`` statement."""
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
    """``obj`` as sorted JSON text, Thai kept readable."""
    return json.dumps(obj, ensure_ascii=False, default=jsonable, sort_keys=True)


def spec_to_json(spec: Any) -> dict[str, Any]:
    """A PlanSpec as plain JSON (group limits as dicts, year keys as strings)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(spec):
        v = getattr(spec, f.name)
        if f.name == "group_limits":
            v = [{k: jsonable(x) for k, x in dataclasses.asdict(g).items()} for g in v]
        elif isinstance(v, Mapping):
            v = {str(k): jsonable(x) for k, x in v.items()}
        elif isinstance(v, (list, tuple)):
            v = [jsonable(x) for x in v]
        else:
            v = jsonable(v)
        out[f.name] = v
    return out


def spec_from_json(d: Mapping[str, Any]) -> Any:
    """The inverse of :func:`spec_to_json` (unknown keys are ignored)."""
    names = {f.name for f in dataclasses.fields(PlanSpec)}
    kw: dict[str, Any] = {}
    for k, v in d.items():
        if k not in names:
            continue
        if k == "years":
            v = [int(y) for y in v]
        elif k == "group_limits":
            v = tuple(GroupLimit(**g) for g in v)
        elif k in ("budget_by_year",):
            v = {int(y): float(b) for y, b in v.items()}
        elif k in ("baseline", "fixed_start"):
            v = None if v is None else {p: int(y) for p, y in v.items()}
        kw[k] = v
    return PlanSpec(**kw)


@dataclass
class PlanVersion:
    """One saved plan version: its header (``plan_versions`` row) and items."""

    header: dict[str, Any]
    items: pd.DataFrame

    @property
    def version_id(self) -> str:
        """The version's id, e.g. ``40-2570-v2``."""
        return self.header["version_id"]

    @property
    def params(self) -> dict[str, Any]:
        """The stored parameters (kind, spec, weights, …) of the version."""
        return json.loads(self.header.get("params_json") or "{}")

    @property
    def plan(self) -> pd.DataFrame:
        """The selected items (``project_id``, ``start_year``, …): an approved plan for
        :func:`revise_plan`."""
        return self.items[self.items["selected"]].reset_index(drop=True)

    @property
    def starts(self) -> dict[Any, int]:
        """Start year of every selected project."""
        return plan_starts(self.items)


def save_plan_version(con, province_code: str, fiscal_year: int, plan_result: Any, *,
                      reason: str, params_json: str | Mapping[str, Any] | None,
                      parent_version_id: str | None = None,
                      months_after_approval: int | None = None, status: str | None = None,
                      value_col: str = "priority", stability_penalty: float | None = None,
                      synthetic_facts: bool | None = None,
                      budget_by_year: Mapping[int, float] | None = None,
                      source_file: str | Path | None = None) -> str:
    """Write a plan version (header + one item per candidate) and return its id.

    ``plan_result`` is a ``PlanResult`` (an approval) or a :class:`Revision` (its diff
    gives each item's change and reasons, its months and penalty the header's). Items
    keep the cost and value known at this version, so a later revision starts from them.
    Creates/upgrades the tables first (:func:`ensure_tables`). The whole write is one
    transaction, with its audit row (``plan_approve``, or ``plan_revise`` for a version
    with a parent; ``source_file``: the follow-up facts file it was revised with).
    """
    ensure_tables(con)
    code = areas.province(province_code).code
    revision = plan_result if isinstance(plan_result, Revision) else None
    result = revision.result if revision else plan_result
    plan = plan_frame(result)
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
            _json({k: jsonable(v) for k, v in rec.items() if k not in skip})
            for rec in plan.loc[new].to_dict("records")]
    elif parent_version_id is None:
        sel = items["selected"]
        items.loc[sel, "reason_th"] = text("selection.versions.in_approved_plan", "th")
        items.loc[sel, "reason_en"] = text("selection.versions.in_approved_plan", "en")
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
        changes = items["change"].dropna().value_counts()
        audit.record(con, action="plan_revise" if parent_version_id else "plan_approve",
                     province_code=code, file=source_file, rows_changed=len(items),
                     detail={"version_id": version_id, "parent_version_id": parent_version_id,
                             "status": status, "selected": int(items["selected"].sum()),
                             "changes": {str(k): int(v) for k, v in changes.items()}})
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
    header = {k: jsonable(v) for k, v in hdr.iloc[0].to_dict().items()}
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
    """The database has a table ``name``."""
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


def _open_rw(db_path: str | Path | None, province_code: str):
    """The central database opened for writing the province's plan (a clear error when a
    reader holds a DuckDB file); on a server, a write workspace of that province, whose
    changes :func:`oneplan.data.db.commit` publishes."""
    from oneplan.core.paths import default_db_path

    if db.is_server(db_path):
        return db.connect(db_path, read_only=False, province=province_code)
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
    """The province's candidates, scored with ``weights``, eligible for its fund source."""
    try:
        cands = db.water_candidates(con, province_code, fiscal_year,
                                    fund_source=params.plan.fund_source)
    except TypeError:  # an older db module without fund sources
        cands = db.water_candidates(con, province_code, fiscal_year)
    if cands.empty:
        raise NoCandidatesError(_both("selection.versions.no_candidates", code=province_code,
                                      fiscal_year=fiscal_year))
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
    spec = plan_spec(params, years=years, budget_by_year=budget_by_year, with_stability=True)
    weights = dict(params.priority.weights)
    con = _open_rw(db_path, code)
    try:
        cands = _load_scored(con, params, code, params.fiscal_year, weights)
        result = plan_portfolio(
            cands, spec, time_limit_s=time_limit_s or params.portfolio.time_limit_s,
            mip_rel_gap=params.portfolio.mip_rel_gap)
        meta = db.meta(con)
        payload = {"kind": "approve", "province_code": code, "fiscal_year":
                   params.fiscal_year, "scenario": scenario, "value_col": "priority",
                   "weights": weights, "spec": spec_to_json(spec),
                   "db_synthetic": meta.get("synthetic") == "true",
                   "solver": result.solver}
        vid = save_plan_version(
            con, code, params.fiscal_year, result,
            reason=reason or _both("selection.versions.approved"), params_json=payload,
            stability_penalty=spec.stability_penalty, budget_by_year=spec.budget_by_year)
        db.commit(con)
        return vid
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
    con = _open_rw(db_path, code)
    try:
        ensure_tables(con)
        if parent_version_id is None:
            versions = list_plan_versions(con, code, fiscal_year)
            if versions.empty:
                raise NoApprovedPlanError(_both("selection.versions.no_approved_plan",
                                                code=code))
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
        why = reason or (_both("selection.versions.revised", months=months)
                         + (" (synthetic facts)" if facts.synthetic else ""))
        vid = save_plan_version(con, code, fy, rev, reason=why, params_json=payload,
                                parent_version_id=parent_version_id, value_col=value_col,
                                source_file=facts_file)
        log.info("%s: %s", vid, rev.summary("en"))
        db.commit(con)
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

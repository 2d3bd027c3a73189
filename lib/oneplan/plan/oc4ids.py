"""Open export of projects as OC4IDS-style JSON (Open Contracting for Infrastructure Data
Standard, project package).

Each proposal becomes one OC4IDS ``project``; its stages map onto the OC4IDS project
phases and the ``projectStatus`` codelist:

=========================================  ===================  ============================
proposal status                            ``status``           period filled
=========================================  ===================  ============================
proposed                                   identification       ``identificationPeriod``
in_plan, budget_requested                  preparation          ``preparationPeriod``
allocated, procurement, contract,          implementation       ``implementationPeriod``
in_progress
completed                                  completion           ``completionPeriod``
cancelled                                  cancelled
=========================================  ===================  ============================

Dates come from the village need's committee stages (``need_stages``) when the proposal
carries one — identification from the village's submission to the provincial plan,
preparation from the plan to the allocation, implementation from the allocation to
completion — and from the planned start/end otherwise. Field names follow the OC4IDS
project schema (``id``, ``updated``, ``title``, ``description``, ``status``, ``type``,
``sector``, ``purpose``, ``locations``, ``budget``, ``parties``, ``publicAuthority``,
``documents``, ``contractingProcesses``, ``completion``); codes come from its codelists
(``projectSector``, ``documentType``, ``contractingProcessStatus``). Fields it does not
have are prefixed ``x_`` (e.g. ``x_villageNeed``). The id prefix ``oc4ids-oneplan-`` is
not a registered OC4IDS prefix: a province publishing for real registers its own.
No person is named: parties are agencies only.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from oneplan import __version__
from oneplan.core import areas
from oneplan.core.labels import SYNTHETIC_NOTE_TH
from oneplan.plan import ranking

ID_PREFIX = "oc4ids-oneplan-"
OC4IDS_VERSION = "0.9"

STATUS: dict[str, str] = {
    "proposed": "identification", "in_plan": "preparation", "budget_requested": "preparation",
    "allocated": "implementation", "procurement": "implementation",
    "contract": "implementation", "in_progress": "implementation",
    "completed": "completion", "cancelled": "cancelled",
}
"""Proposal status -> OC4IDS ``projectStatus`` code."""

SECTOR: dict[str, list[str]] = {
    "water": ["waterAndWaste"], "road": ["transport.road"], "electricity": ["energy"],
    "agriculture": ["economy"], "occupation": ["economy"], "health": ["health"],
    "education": ["education"], "environment": ["naturalResources"],
    "safety": ["governance"], "other": ["governance"],
}
"""Need category -> OC4IDS ``projectSector`` codes."""

DOCUMENT_TYPES: dict[str, tuple[str, str]] = {
    col: (dtype, ranking.document_name(col, "th")) for col, dtype in (
        ("drawing_ref", "technicalSpecifications"), ("boq_ref", "billOfQuantity"),
        ("photo_ref", "illustration"), ("land_ref", "landAndSettlementImpact"))}
"""Attachment column -> (OC4IDS ``documentType``, Thai title)."""

PROCESS_STATUS: dict[str, str] = {"procurement": "pre-award", "contract": "active",
                                  "in_progress": "active", "completed": "closed"}
"""Proposal status -> OC4IDS ``contractingProcessStatus``."""


def _iso(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    return pd.Timestamp(value).date().isoformat()


def _clean(value):
    """None for missing values (NaN, NA, None), else the value."""
    if value is None:
        return None
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):  # lists and arrays are values
        return value


def _period(start, end) -> dict[str, str] | None:
    p = {k: v for k, v in (("startDate", _iso(start)), ("endDate", _iso(end))) if v}
    return p or None


def _value(amount) -> dict[str, Any] | None:
    if amount is None or pd.isna(amount):
        return None
    return {"amount": round(float(amount), 2), "currency": "THB"}


def load(con: duckdb.DuckDBPyConnection, province_code: str,
         fiscal_year: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Proposals (with agency, area and strategy names), the stages of their needs and
    their latest progress report."""
    code = areas.province(province_code).code
    props = con.execute(
        "SELECT p.*, a.name_th AS agency_name, a.name_en AS agency_name_en, "
        "d.name_th AS district_name, s.name_th AS subdistrict_name, "
        "i.name_th AS strategy_name, n.description AS need_description "
        "FROM proposals p LEFT JOIN agencies a USING (agency_id) "
        "LEFT JOIN areas d ON d.code = p.district_code "
        "LEFT JOIN areas s ON s.code = p.subdistrict_code "
        "LEFT JOIN strategic_issues i ON i.province_code = p.province_code "
        "AND i.issue_no = p.strategy_no LEFT JOIN needs n ON n.need_id = p.need_id "
        "WHERE p.province_code = ? AND p.fiscal_year = ? ORDER BY p.project_id",
        [code, int(fiscal_year)]).df()
    stages = con.execute(
        "SELECT s.need_id, s.stage, s.stage_on FROM need_stages s JOIN proposals p "
        "ON p.need_id = s.need_id WHERE p.province_code = ? AND p.fiscal_year = ?",
        [code, int(fiscal_year)]).df()
    latest = con.execute(
        "SELECT g.* FROM progress g JOIN proposals p USING (project_id) "
        "WHERE p.province_code = ? AND p.fiscal_year = ? "
        "QUALIFY row_number() OVER (PARTITION BY g.project_id ORDER BY g.quarter DESC) = 1",
        [code, int(fiscal_year)]).df()
    return props, stages, latest


def project(row: dict[str, Any], stages: dict[str, Any], latest: dict[str, Any] | None,
            province: areas.Province, updated: str) -> dict[str, Any]:
    """One OC4IDS project from a proposal row, its need's stage dates and latest report."""
    row = {k: _clean(v) for k, v in dict(row).items()}
    status = STATUS.get(row["status"], "identification")
    s = stages or {}
    first = s.get("submitted") or s.get("agency_assigned")
    out: dict[str, Any] = {
        "id": f"{ID_PREFIX}{row['project_id']}",
        "updated": updated,
        "title": row["name_th"],
        "description": row.get("need_description") or row["name_th"],
        "status": status,
        "type": "construction",
        "sector": SECTOR.get(row["category"], ["governance"]),
        "purpose": row.get("strategy_name") or None,
        "identificationPeriod": _period(first, s.get("in_plan")),
        "preparationPeriod": _period(s.get("in_plan"), s.get("allocated")),
        "implementationPeriod": _period(s.get("allocated") or row.get("planned_start"),
                                        s.get("completed") or row.get("planned_end")),
        "completionPeriod": _period(s.get("completed"), None) if status == "completion"
        else None,
        "locations": [{
            "id": "1",
            "description": " ".join(x for x in (
                row.get("subdistrict_name") and f"ตำบล{row['subdistrict_name']}",
                row.get("district_name") and f"อำเภอ{row['district_name']}",
                f"จังหวัด{province.name_th}") if x),
            "address": {"locality": row.get("subdistrict_name"),
                        "region": province.name_th, "countryName": "Thailand"},
            "x_dopaCode": row.get("village_code") or row.get("subdistrict_code"),
        }],
        "budget": {"amount": _value(row["allocated_baht"] if pd.notna(row["allocated_baht"])
                                    else row["cost_baht"]),
                   "approvalDate": _iso(s.get("allocated"))},
        "parties": [{"id": row["agency_id"], "name": row.get("agency_name") or row["agency_id"],
                     "roles": ["publicAuthority"]}],
        "publicAuthority": {"id": row["agency_id"],
                            "name": row.get("agency_name") or row["agency_id"]},
        "documents": [{"id": col.removesuffix("_ref"), "documentType": dtype, "title": title,
                       "url": row[col]}
                      for col, (dtype, title) in DOCUMENT_TYPES.items() if pd.notna(row[col])],
        "x_costEstimate": _value(row["cost_baht"]),
        "x_beneficiaryHouseholds": int(row["households"]) if pd.notna(row["households"])
        else None,
        "x_villageNeed": row.get("need_id") if pd.notna(row.get("need_id")) else None,
        "x_stages": [{"stage": k, "date": _iso(v)} for k, v in s.items()],
    }
    if row["status"] in PROCESS_STATUS:
        process = {"id": f"{row['project_id']}-1",
                   "summary": {"status": PROCESS_STATUS[row["status"]],
                               "title": row["name_th"],
                               "tender": {"procuringEntity": {"id": row["agency_id"],
                                                              "name": row.get("agency_name")}},
                               "contractPeriod": _period(s.get("contract"),
                                                         row.get("planned_end"))}}
        if latest is not None:
            process["summary"]["x_physicalProgressPct"] = float(latest["physical_pct"])
            process["summary"]["x_disbursed"] = _value(latest["disbursed_baht"])
            process["summary"]["x_reportedQuarter"] = int(latest["quarter"])
            if _clean(latest.get("problems")):
                process["summary"]["x_problems"] = latest["problems"]
        out["contractingProcesses"] = [process]
    if status == "completion":
        out["completion"] = {"endDate": _iso(s.get("completed")),
                             "finalValue": _value(latest["disbursed_baht"]
                                                  if latest is not None else None)}
    return {k: v for k, v in out.items() if v is not None}


def project_package(con: duckdb.DuckDBPyConnection, province_code: str, fiscal_year: int,
                    *, synthetic: bool = True) -> dict[str, Any]:
    """The province's proposals of the fiscal year as an OC4IDS project package."""
    prov = areas.province(province_code)
    props, stages, latest = load(con, prov.code, fiscal_year)
    by_need: dict[str, dict[str, Any]] = {}
    for need_id, stage, on in stages.sort_values(["need_id", "stage_on"]).itertuples(
            index=False):
        by_need.setdefault(need_id, {})[stage] = on
    last = {r["project_id"]: r for r in latest.to_dict("records")}
    updated = datetime.now(timezone.utc).isoformat(timespec="seconds")
    projects = [project(r, by_need.get(r["need_id"]) if pd.notna(r["need_id"]) else None,
                        last.get(r["project_id"]), prov, updated)
                for r in props.to_dict("records")]
    return {
        "version": OC4IDS_VERSION,
        "publishedDate": updated,
        "publisher": {"name": f"oneplan {__version__} — จังหวัด{prov.name_th}"},
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "x_synthetic": bool(synthetic),
        "x_note": f"{SYNTHETIC_NOTE_TH} / Synthetic sample data" if synthetic else None,
        "x_fiscalYear": int(fiscal_year),
        "projects": projects,
    }


def write_package(con: duckdb.DuckDBPyConnection, province_code: str, fiscal_year: int,
                  out_dir: str | Path, *, synthetic: bool = True) -> Path:
    """Write ``oc4ids_<province>_<fiscal year>.json`` into ``out_dir``; returns its path."""
    from oneplan.core.files import write_atomic

    pkg = project_package(con, province_code, fiscal_year, synthetic=synthetic)
    path = Path(out_dir) / f"oc4ids_{areas.province(province_code).code}_{int(fiscal_year)}.json"
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return write_atomic(path, json.dumps(pkg, ensure_ascii=False, default=str))


def phase_counts(package: dict[str, Any]) -> dict[str, int]:
    """Projects per OC4IDS status in a package (for the report and tests)."""
    out: dict[str, int] = {}
    for p in package["projects"]:
        out[p["status"]] = out.get(p["status"], 0) + 1
    return out

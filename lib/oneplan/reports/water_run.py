"""The water-portfolio report's run: load a province's candidates, score them, choose the
multi-year plan (:class:`PortfolioRun`), the report's headings and column labels, and the
machine-readable summary written beside the report.

:mod:`oneplan.reports.water` (what the notebook imports) re-exports everything public here.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from oneplan import __version__
from oneplan.core import areas, thai, vocab
from oneplan.core.format import rounded
from oneplan.core.text import text, texts
from oneplan.data import audit, db
from oneplan.data.params import Params, load_params
from oneplan.selection import highs, portfolio, priority
from oneplan.selection.spec import plan_spec

log = logging.getLogger(__name__)

REPORT_ACTIONS = ("import", "sample_build")
"""The audit actions whose latest the water plan's data appendix names."""


@dataclass
class PortfolioRun:
    """Everything one province's water-plan report shows."""

    params: Params
    province: areas.Province
    spec: portfolio.PlanSpec
    candidates: pd.DataFrame          # scored, with ``selected``, ``start_year``, ``cost_<year>``
    result: portfolio.PlanResult
    db_meta: dict[str, str]
    db_path: str | None = None
    lang: str = "th"
    extra: dict[str, Any] = field(default_factory=dict)
    last_import: audit.Event | None = None   # the data appendix's line (audit trail)

    @property
    def selected(self) -> pd.DataFrame:
        """The selected projects."""
        return self.candidates[self.candidates["selected"]]

    @property
    def synthetic(self) -> bool:
        """Whether the database holds the synthetic sample."""
        return self.db_meta.get("synthetic") == "true"

    @property
    def years(self) -> list[int]:
        """The plan's fiscal years."""
        return list(self.spec.years)

    @property
    def plan_budget(self) -> float:
        """The budget of every year of the plan together."""
        return float(sum(self.spec.budget_by_year.values()))


def load_candidates(province_code: str, params: Params, db_path: str | Path | None = None
                    ) -> tuple[pd.DataFrame, dict[str, str]]:
    """The province's candidates scored with the params' weights (``priority`` and each
    criterion's contribution), eligibility for the params' budget source, and the
    database's meta (synthetic flag, versions)."""
    scored, meta, _ = load_with_origin(province_code, params, db_path)
    return scored, meta


def load_with_origin(province_code: str, params: Params, db_path: str | Path | None = None
                     ) -> tuple[pd.DataFrame, dict[str, str], audit.Event | None]:
    """:func:`load_candidates` and the province's last import on record
    (:data:`REPORT_ACTIONS`), read on one connection."""
    con = db.connect(db_path, read_only=True)
    try:
        meta = db.meta(con)
        last = audit.latest(con, province_code, REPORT_ACTIONS)
        cands = db.water_candidates(con, province_code, params.fiscal_year,
                                    fund_source=params.plan.fund_source)
    finally:
        con.close()
    if cands.empty:
        log.warning("no water candidates for province %s in FY %s", province_code,
                    params.fiscal_year)
    scored = priority.score_candidates(cands, params.priority.weights)
    if params.portfolio.only_ready:
        scored = scored.assign(eligible=scored["eligible"] & scored["ready"])
    return scored, meta, last


def solve(candidates: pd.DataFrame, params: Params, spec: portfolio.PlanSpec
          ) -> tuple[pd.DataFrame, portfolio.PlanResult]:
    """Solve the plan; return the candidates with the plan's columns and the result."""
    result = portfolio.plan_portfolio(
        candidates, spec, time_limit_s=params.portfolio.time_limit_s,
        mip_rel_gap=params.portfolio.mip_rel_gap)
    return result.plan, result


def run_portfolio(province_code: str, fiscal_year: int | None = None, scenario: str = "",
                  db_path: str | Path | None = None, lang: str | None = None,
                  overrides: dict[str, Any] | None = None) -> PortfolioRun:
    """Load a province's candidates, score them and choose the multi-year plan.

    Raises:
        oneplan.core.areas.UnknownAreaError: unknown province code.
        oneplan.data.params.ParamsError: bad parameters (file and key named).
        oneplan.data.db.DatabaseMissingError: the central database has not been built.
        oneplan.selection.portfolio.InfeasibleSelectionError: committed projects that cannot fit
            (named).
        oneplan.selection.portfolio.SelectionSolveError: the solver found no usable solution.
    """
    layer: dict[str, Any] = dict(overrides or {})
    if fiscal_year:
        layer["fiscal_year"] = int(fiscal_year)
    if lang:
        layer.setdefault("report", {})["language"] = lang
    params = load_params(province_code, scenario or None, layer)
    prov = areas.province(province_code)
    cands, meta, last = load_with_origin(prov.code, params, db_path)
    spec = plan_spec(params)
    planned, result = solve(cands, params, spec)
    return PortfolioRun(params=params, province=prov, spec=spec, candidates=planned,
                        result=result, db_meta=meta,
                        db_path=str(db_path) if db_path else None,
                        lang=params.report.language, last_import=last)


# --- labels ---------------------------------------------------------------------------

def heading(key: str, lang: str = "th", level: int = 2) -> str:
    """A Markdown section heading in the report language."""
    return f"{'#' * level} {text(f'reports.water.heading.{key}', lang)}"


def label(key: str, lang: str = "th") -> str:
    """A column heading of the report's tables in ``lang``."""
    return text(f"reports.water.label.{key}", lang)


def baht(run: PortfolioRun, x: float) -> str:
    """An amount of baht in words of the report language (``12.5 ล้านบาท``)."""
    return thai.format_baht(x, lang=run.lang)


_BASINS = {th: (th, en) for th, en in vocab.BASIN_EN.items()}


def basin_names(run: PortfolioRun, values: pd.Series) -> pd.Series:
    """Basin names in the report language (Thai names are the data's own)."""
    return values.map(lambda b: vocab.name(_BASINS, b, run.lang))


def zone_names(run: PortfolioRun, values: pd.Series) -> pd.Series:
    """Basin stretches (``upstream`` …) in the report language."""
    names = texts("reports.water.zone", run.lang)
    return values.map(lambda z: names.get(z, z))


def years_text(run: PortfolioRun) -> str:
    """The plan's fiscal years: ``2570`` or ``2570–2572``."""
    y = run.years
    return str(y[0]) if len(y) == 1 else f"{y[0]}–{y[-1]}"


# --- machine-readable summary ------------------------------------------------------------

def summary(run: PortfolioRun) -> dict[str, Any]:
    """A JSON-able summary of the run (written beside the report; tests assert on it)."""
    r = run.result
    sel = run.selected
    out = {
        "province_code": run.province.code,
        "province_name_th": run.province.name_th,
        "province_name_en": run.province.name_en,
        "fiscal_year": run.params.fiscal_year,
        "plan_years": run.years,
        "scenario": run.params.scenario,
        "language": run.lang,
        "synthetic": run.synthetic,
        "budget_baht": run.plan_budget,
        "budget_by_year": {str(y): b for y, b in run.spec.budget_by_year.items()},
        "spend_by_year": {str(y): float(v) for y, v in r.spend_by_year.items()},
        "n_candidates": int(len(run.candidates)),
        "n_ready": int(run.candidates["ready"].sum()),
        "n_eligible": int(run.candidates["eligible"].sum()),
        "requested_baht": float(run.candidates["cost_baht"].sum()),
        "n_selected": int(len(sel)),
        "selected_baht": float(sel["cost_baht"].sum()),
        "households_served": int(sel["households_served"].sum()),
        "objective": round(float(r.objective), 6),
        "solver_status": r.status,
        "gap": r.gap,
        "best_bound": r.best_bound,
        "build_seconds": round(float(r.build_seconds), 3),
        "solve_seconds": round(float(r.solve_seconds), 3),
        "skipped_floors": list(r.skipped_floors),
        "selected_ids": sorted(sel["project_id"].tolist()),
        "params": run.params.model_dump(mode="json"),
        "versions": {"oneplan": __version__, **highs.solver_versions(),
                     "geography": run.db_meta.get("geography_version")},
        "database_built_at": run.db_meta.get("built_at"),
    }
    if "reasons" in run.extra:
        rs = run.extra["reasons"]
        out["reasons"] = rs.loc[~rs["selected"], "reason_code"].value_counts().to_dict()
        out["reasons_confirmed"] = int(rs["confirmed"].sum())
        if "objective_delta_low" in rs:  # confirmed with the loss proven > 0 by the bound
            out["reasons_proven"] = int((rs["confirmed"] & (rs["objective_delta_low"] > 1e-9))
                                        .sum())
    if "frontier" in run.extra:
        f = run.extra["frontier"]
        out["frontier"] = [{"fraction": float(a), "benefit": round(float(b), 6), "status": c}
                           for a, b, c in zip(f["fraction"], f["benefit"], f["status"])]
    if "revision_6" in run.extra:
        out["revision_6_months"] = {k: int(v) for k, v in run.extra["revision_6"].counts.items()}
    return out


def write_summary(run: PortfolioRun, out_dir: str | Path) -> Path:
    """Write ``summary.json`` for the run into ``out_dir`` and return its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "summary.json"
    path.write_text(json.dumps(rounded(summary(run)), ensure_ascii=False, indent=2,
                               default=str), encoding="utf-8")
    return path

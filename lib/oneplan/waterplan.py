"""The water-portfolio report of one province: load, score, select, summarise, explain.

The notebook ``notebooks/water_portfolio.ipynb`` calls these functions in order; each
returns a table or a sentence (Thai by default, English with ``lang="en"``), so every
number in the report can be traced to one function here and the row's ``source_*``
columns in the database.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__, areas, db, portfolio, priority, thai
from .params import Params, load_params

log = logging.getLogger(__name__)


@dataclass
class PortfolioRun:
    """Everything one province's water-portfolio report shows."""

    params: Params
    province: areas.Province
    candidates: pd.DataFrame          # scored, with a bool ``selected`` column
    result: portfolio.SelectionResult
    db_meta: dict[str, str]
    lang: str = "th"
    excluded_not_ready: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def selected(self) -> pd.DataFrame:
        return self.candidates[self.candidates["selected"]]

    @property
    def synthetic(self) -> bool:
        return self.db_meta.get("synthetic") == "true"


def run_portfolio(province_code: str, fiscal_year: int | None = None, scenario: str = "",
                  db_path: str | Path | None = None, lang: str | None = None,
                  overrides: dict[str, Any] | None = None) -> PortfolioRun:
    """Load a province's candidates, score them and select the portfolio under its budget.

    Raises:
        oneplan.areas.UnknownAreaError: unknown province code.
        oneplan.params.ParamsError: bad parameters (file and key named).
        oneplan.db.DatabaseMissingError: the central database has not been built.
        oneplan.portfolio.SelectionSolveError: the solver found no usable solution.
    """
    layer: dict[str, Any] = dict(overrides or {})
    if fiscal_year:
        layer["fiscal_year"] = int(fiscal_year)
    if lang:
        layer.setdefault("report", {})["language"] = lang
    params = load_params(province_code, scenario or None, layer)
    prov = areas.province(province_code)
    con = db.connect(db_path, read_only=True)
    try:
        meta = db.meta(con)
        cands = db.water_candidates(con, prov.code, params.fiscal_year)
    finally:
        con.close()
    if cands.empty:
        log.warning("no water candidates for province %s in FY %s", prov.code,
                    params.fiscal_year)
    scored = priority.score_candidates(cands, params.priority.weights)
    pool = scored
    not_ready = 0
    if params.portfolio.only_ready:
        not_ready = int((~scored["ready"]).sum())
        pool = scored[scored["ready"]]
    result = portfolio.select_projects(
        pool, params.portfolio.budget_baht,
        must_include=params.portfolio.must_include,
        must_exclude=params.portfolio.must_exclude,
        time_limit_s=params.portfolio.time_limit_s,
        mip_rel_gap=params.portfolio.mip_rel_gap,
    )
    chosen = set(result.selected.loc[result.selected["selected"], "project_id"])
    scored = scored.assign(selected=scored["project_id"].isin(chosen))
    return PortfolioRun(params=params, province=prov, candidates=scored, result=result,
                        db_meta=meta, lang=params.report.language,
                        excluded_not_ready=not_ready)


# --- labels ---------------------------------------------------------------------------

_LABELS = {
    "type": ("ประเภทโครงการ", "Project type"),
    "district": ("อำเภอ", "District"),
    "count": ("จำนวนโครงการ", "Projects"),
    "cost_m": ("งบประมาณ (ล้านบาท)", "Cost (million baht)"),
    "selected_count": ("ได้รับเลือก", "Selected"),
    "selected_cost_m": ("งบที่เลือก (ล้านบาท)", "Selected cost (million baht)"),
    "ready": ("พร้อมดำเนินการ", "Ready"),
    "households": ("ครัวเรือนได้ประโยชน์", "Households served"),
    "area": ("พื้นที่ (ไร่)", "Area (rai)"),
    "storage": ("ความจุเพิ่ม (ลบ.ม.)", "Storage added (m³)"),
    "priority": ("คะแนนความสำคัญ", "Priority score"),
    "project": ("โครงการ", "Project"),
    "id": ("รหัส", "ID"),
    "subdistrict": ("ตำบล", "Sub-district"),
    "basin": ("ลุ่มน้ำ", "Basin"),
    "criterion": ("เกณฑ์", "Criterion"),
    "weight": ("น้ำหนัก", "Weight"),
    "what": ("ความหมาย", "Meaning"),
}


_HEADINGS = {
    "candidates": ("ข้อเสนอโครงการด้านน้ำ", "Water project proposals"),
    "selection": ("ผลการคัดเลือกภายใต้งบประมาณ", "Selection under the budget"),
    "districts": ("งบประมาณที่เลือกรายอำเภอ", "Selected budget by district"),
    "scatter": ("คะแนนความสำคัญเทียบกับมูลค่าโครงการ", "Priority against cost"),
    "table": ("โครงการที่ได้รับเลือก (เรียงตามคะแนน)", "Selected projects (by priority)"),
    "method": ("เกณฑ์และวิธีการ", "Criteria and method"),
}


def heading(key: str, lang: str = "th", level: int = 2) -> str:
    """A Markdown section heading in the report language."""
    th, en = _HEADINGS[key]
    return f"{'#' * level} {th if lang == 'th' else en}"


def label(key: str, lang: str = "th") -> str:
    th, en = _LABELS[key]
    return th if lang == "th" else en


def _million(x: float) -> float:
    return round(float(x) / 1e6, 1)


# --- tables ---------------------------------------------------------------------------

def district_map(run: PortfolioRun):
    """Choropleth of the selected budget (million baht) per district of the province."""
    from . import maps

    values = run.selected.groupby("district_code")["cost_baht"].sum() / 1e6
    values = values.reindex([d.code for d in areas.districts(run.province.code)]).fillna(0.0)
    name = run.province.name_th if run.lang == "th" else run.province.name_en
    return maps.district_choropleth(
        values, run.province.code, lang=run.lang,
        title=(f"งบประมาณโครงการที่เลือก จังหวัด{name}" if run.lang == "th"
               else f"Selected budget by district, {name}"),
        legend_label=label("selected_cost_m", run.lang),
    )


def candidates_by_type(run: PortfolioRun) -> pd.DataFrame:
    """Candidates and selected projects per project type: counts and million baht."""
    c = run.candidates
    g = c.groupby("type_th" if run.lang == "th" else "type_code", sort=False)
    out = pd.DataFrame({
        label("count", run.lang): g.size(),
        label("ready", run.lang): g["ready"].sum(),
        label("cost_m", run.lang): g["cost_baht"].sum().map(_million),
        label("selected_count", run.lang): g["selected"].sum(),
        label("selected_cost_m", run.lang): g.apply(
            lambda d: _million(d.loc[d["selected"], "cost_baht"].sum()), include_groups=False),
    }).sort_values(label("cost_m", run.lang), ascending=False)
    out.index.name = label("type", run.lang)
    return out


def budget_by_district(run: PortfolioRun) -> pd.DataFrame:
    """Per district: candidates, selected count, selected cost and households served."""
    c = run.candidates
    name = "district_name" if run.lang == "th" else "district_name_en"
    sel = c[c["selected"]]
    out = pd.DataFrame({
        label("count", run.lang): c.groupby(name).size(),
        label("selected_count", run.lang): sel.groupby(name).size(),
        label("selected_cost_m", run.lang): sel.groupby(name)["cost_baht"].sum().map(_million),
        label("households", run.lang): sel.groupby(name)["households_served"].sum(),
    }).fillna(0)
    out = out.astype({label("selected_count", run.lang): int,
                      label("households", run.lang): int})
    out.index.name = label("district", run.lang)
    return out.sort_values(label("selected_cost_m", run.lang), ascending=False)


def selected_table(run: PortfolioRun, rows: int | None = None) -> pd.DataFrame:
    """The selected projects, highest priority first (``rows`` of them)."""
    lang = run.lang
    sel = run.selected.sort_values("priority", ascending=False)
    rows = rows or run.params.report.table_rows
    out = pd.DataFrame({
        label("id", lang): sel["project_id"],
        label("project", lang): sel["name_th"] if lang == "th" else
        sel["type_code"] + ", " + sel["subdistrict_name_en"],
        label("district", lang): sel["district_name" if lang == "th" else "district_name_en"],
        label("basin", lang): sel["basin"],
        label("cost_m", lang): sel["cost_baht"].map(_million),
        label("households", lang): sel["households_served"],
        label("priority", lang): sel["priority"].round(3),
    })
    return out.head(rows).reset_index(drop=True).rename(index=lambda i: i + 1)


def weights_table(run: PortfolioRun) -> pd.DataFrame:
    """The published criteria and their normalised weights."""
    w = run.params.priority.weights
    total = sum(w.values())
    lang = run.lang
    rows = []
    for key, weight in w.items():
        th, en, what = priority.CRITERIA[key]
        rows.append({label("criterion", lang): th if lang == "th" else en,
                     label("weight", lang): round(weight / total, 3),
                     label("what", lang): what})
    return pd.DataFrame(rows)


# --- sentences ------------------------------------------------------------------------

def title(run: PortfolioRun) -> str:
    fy = run.params.fiscal_year
    if run.lang == "th":
        return f"แผนงานโครงการด้านน้ำ จังหวัด{run.province.name_th} ปีงบประมาณ {fy}"
    return f"Water project portfolio, {run.province.name_en} province, fiscal year {fy} BE"


def intro(run: PortfolioRun) -> str:
    today = thai.format_date(date.today(), lang=run.lang)
    note = (run.db_meta.get("synthetic_note_th") if run.lang == "th"
            else run.db_meta.get("synthetic_note_en"))
    if run.lang == "th":
        text = (f"รายงานนี้เลือกโครงการด้านน้ำของจังหวัด{run.province.name_th} "
                f"({run.province.region_th}) ภายใต้งบประมาณ "
                f"{thai.format_baht(run.params.portfolio.budget_baht)} "
                f"ด้วยแบบจำลองคณิตศาสตร์ (PuLP + HiGHS) จัดทำเมื่อ {today}")
    else:
        text = (f"This report selects water projects for {run.province.name_en} under a budget "
                f"of {thai.format_baht(run.params.portfolio.budget_baht, lang='en')} with an "
                f"optimisation model (PuLP + HiGHS); prepared {today}")
    if run.synthetic:
        text += f"\n\n**{note}**"
    return text


def interpret_candidates(run: PortfolioRun) -> str:
    c = run.candidates
    total = c["cost_baht"].sum()
    ratio = total / run.params.portfolio.budget_baht
    n_ready = int(c["ready"].sum())
    if run.lang == "th":
        return (f"มีข้อเสนอโครงการ {thai.format_int(len(c))} โครงการ วงเงินรวม "
                f"{thai.format_baht(total)} หรือ {ratio:.1f} เท่าของงบประมาณ "
                f"โดยพร้อมดำเนินการ (มีแบบรูปรายการ/BOQ ที่ดิน และความยินยอมของชุมชน) "
                f"{thai.format_int(n_ready)} โครงการ")
    return (f"{thai.format_int(len(c))} proposals ask for "
            f"{thai.format_baht(total, lang='en')}, {ratio:.1f} times the budget; "
            f"{thai.format_int(n_ready)} are ready (drawings/BOQ, land and community consent).")


def interpret_selection(run: PortfolioRun) -> str:
    r = run.result
    sel = run.selected
    used = sel["cost_baht"].sum()
    budget = run.params.portfolio.budget_baht
    status_th = {"optimal": "คำตอบที่ดีที่สุด (พิสูจน์แล้ว)",
                 "time_limit": "หยุดเมื่อครบเวลาที่กำหนด ยังไม่พิสูจน์ว่าดีที่สุด"}
    gap = "" if r.gap is None else f"{r.gap * 100:.2f}%"
    if run.lang == "th":
        text = (f"แบบจำลองเลือก {thai.format_int(len(sel))} โครงการ ใช้งบ {thai.format_baht(used)} "
                f"({used / budget * 100:.1f}% ของงบ) ครัวเรือนได้ประโยชน์ "
                f"{thai.format_int(sel['households_served'].sum())} ครัวเรือน "
                f"สถานะของตัวแก้ปัญหา: {status_th.get(r.status, r.status)}")
        if gap:
            text += f" ช่องว่างจากขอบเขตบน (gap) {gap}"
        return text
    text = (f"The model selects {thai.format_int(len(sel))} projects using "
            f"{thai.format_baht(used, lang='en')} ({used / budget * 100:.1f}% of the budget), "
            f"serving {thai.format_int(sel['households_served'].sum())} households. "
            f"Solver status: {r.status}")
    return text + (f", gap {gap}" if gap else "")


def interpret_districts(run: PortfolioRun) -> str:
    table = budget_by_district(run)
    col = label("selected_cost_m", run.lang)
    n_all = len(table)
    n_zero = int((table[col] == 0).sum())
    top = table.index[0] if n_all else "-"
    top_share = table[col].iloc[0] / max(table[col].sum(), 1e-9) * 100 if n_all else 0
    if run.lang == "th":
        text = f"อำเภอ{top}ได้งบมากที่สุด ({top_share:.0f}% ของงบที่เลือก) "
        if n_zero:
            return text + (f"มี {n_zero} จาก {n_all} อำเภอที่ไม่ได้รับโครงการในรอบนี้ "
                           "ซึ่งควรพิจารณาเกณฑ์ความเป็นธรรมระหว่างอำเภอ")
        return text + f"และทั้ง {n_all} อำเภอได้รับโครงการอย่างน้อยหนึ่งโครงการ"
    text = f"{top} receives the most ({top_share:.0f}% of the selected budget); "
    if n_zero:
        return text + f"{n_zero} of {n_all} districts get no project in this round."
    return text + f"all {n_all} districts get at least one project."


def interpret_scatter(run: PortfolioRun) -> str:
    sel, rest = run.selected, run.candidates[~run.candidates["selected"]]
    med_sel = sel["cost_baht"].median() if len(sel) else 0
    med_rest = rest["cost_baht"].median() if len(rest) else 0
    if run.lang == "th":
        return (f"โครงการที่ได้รับเลือกมีมูลค่ากลาง (มัธยฐาน) {thai.format_baht(med_sel)} "
                f"เทียบกับ {thai.format_baht(med_rest)} ของโครงการที่ไม่ได้รับเลือก: "
                f"แบบจำลองให้ความสำคัญกับคะแนนต่อบาท โครงการใหญ่จึงต้องมีคะแนนสูงมากจึงจะได้รับเลือก")
    return (f"Selected projects have a median cost of {thai.format_baht(med_sel, lang='en')} "
            f"against {thai.format_baht(med_rest, lang='en')} for the others: the model "
            f"values priority per baht, so a large project needs a very high score.")


# --- machine-readable summary ------------------------------------------------------------

def summary(run: PortfolioRun) -> dict[str, Any]:
    """A JSON-able summary of the run (written beside the report; tests assert on it)."""
    r = run.result
    sel = run.selected
    return {
        "province_code": run.province.code,
        "province_name_th": run.province.name_th,
        "province_name_en": run.province.name_en,
        "fiscal_year": run.params.fiscal_year,
        "scenario": run.params.scenario,
        "language": run.lang,
        "synthetic": run.synthetic,
        "budget_baht": run.params.portfolio.budget_baht,
        "n_candidates": int(len(run.candidates)),
        "n_ready": int(run.candidates["ready"].sum()),
        "requested_baht": float(run.candidates["cost_baht"].sum()),
        "n_selected": int(len(sel)),
        "selected_baht": float(sel["cost_baht"].sum()),
        "households_served": int(sel["households_served"].sum()),
        "objective": float(r.objective),
        "solver_status": r.status,
        "gap": r.gap,
        "best_bound": r.best_bound,
        "solve_seconds": round(float(r.solve_seconds), 3),
        "selected_ids": sorted(sel["project_id"].tolist()),
        "params": run.params.model_dump(mode="json"),
        "versions": {"oneplan": __version__, **portfolio.solver_versions(),
                     "geography": run.db_meta.get("geography_version")},
        "database_built_at": run.db_meta.get("built_at"),
    }


def write_summary(run: PortfolioRun, out_dir: str | Path) -> Path:
    """Write ``summary.json`` for the run into ``out_dir`` and return its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "summary.json"
    path.write_text(json.dumps(summary(run), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def method_note(run: PortfolioRun) -> str:
    """How the selection was made, in plain words, with the solver's real status."""
    r = run.result
    p = run.params.portfolio
    gap = "-" if r.gap is None else f"{r.gap * 100:.3f}%"
    if run.lang == "th":
        text = (
            "คะแนนความสำคัญของแต่ละโครงการ (0–1) คือผลรวมถ่วงน้ำหนักของเกณฑ์ข้างต้น "
            "แต่ละเกณฑ์ปรับเป็นสเกล 0–1 ภายในจังหวัด แบบจำลองเลือกชุดโครงการที่ให้คะแนนรวมสูงสุด "
            f"โดยค่าใช้จ่ายรวมไม่เกิน {thai.format_baht(p.budget_baht)} "
            f"(ตัวแก้ปัญหา {r.solver}, สถานะ {r.status}, gap {gap}, "
            f"ใช้เวลา {r.solve_seconds:.2f} วินาที, จำกัดเวลา {p.time_limit_s:g} วินาที)"
        )
        if p.only_ready:
            text += f" พิจารณาเฉพาะโครงการที่พร้อม (ตัดออก {run.excluded_not_ready} โครงการ)"
        return text
    text = (
        "Each project's priority (0–1) is the weighted sum of the criteria above, each scaled "
        "0–1 within the province. The model picks the set with the highest total priority "
        f"whose cost fits {thai.format_baht(p.budget_baht, lang='en')} (solver {r.solver}, "
        f"status {r.status}, gap {gap}, {r.solve_seconds:.2f} s, time limit "
        f"{p.time_limit_s:g} s)."
    )
    if p.only_ready:
        text += f" Only ready projects were considered ({run.excluded_not_ready} left out)."
    return text

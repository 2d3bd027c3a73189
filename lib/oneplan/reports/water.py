"""The water-portfolio report of one province: load, score, select, summarise, explain.

The notebook ``notebooks/water_portfolio.ipynb`` calls these functions in order; each
returns a table or a sentence (Thai by default, English with ``lang="en"``), so every
number in the report can be traced to one function here and the row's ``source_*``
columns in the database.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from oneplan import __version__
from oneplan.core import areas, thai
from oneplan.data import db
from oneplan.selection import explain, highs, portfolio, priority
from oneplan.data.params import Params, load_params
from oneplan.selection.spec import plan_spec
from oneplan.core.files import write_xlsx

log = logging.getLogger(__name__)


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

    @property
    def selected(self) -> pd.DataFrame:
        return self.candidates[self.candidates["selected"]]

    @property
    def synthetic(self) -> bool:
        return self.db_meta.get("synthetic") == "true"

    @property
    def years(self) -> list[int]:
        return list(self.spec.years)

    @property
    def plan_budget(self) -> float:
        return float(sum(self.spec.budget_by_year.values()))


def load_candidates(province_code: str, params: Params, db_path: str | Path | None = None
                    ) -> tuple[pd.DataFrame, dict[str, str]]:
    """The province's candidates scored with the params' weights (``priority`` and each
    criterion's contribution), eligibility for the params' budget source, and the
    database's meta (synthetic flag, versions)."""
    con = db.connect(db_path, read_only=True)
    try:
        meta = db.meta(con)
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
    return scored, meta


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
    cands, meta = load_candidates(prov.code, params, db_path)
    spec = plan_spec(params)
    planned, result = solve(cands, params, spec)
    return PortfolioRun(params=params, province=prov, spec=spec, candidates=planned,
                        result=result, db_meta=meta,
                        db_path=str(db_path) if db_path else None,
                        lang=params.report.language)


# --- labels ---------------------------------------------------------------------------

_LABELS = {
    "type": ("ประเภทโครงการ", "Project type"),
    "district": ("อำเภอ", "District"),
    "count": ("จำนวนโครงการ", "Projects"),
    "cost_m": ("งบประมาณ (ล้านบาท)", "Cost (million baht)"),
    "selected_count": ("ได้รับเลือก", "Selected"),
    "selected_cost_m": ("งบที่เลือก (ล้านบาท)", "Selected cost (million baht)"),
    "ready": ("พร้อมดำเนินการ", "Ready"),
    "eligible": ("งบนี้จัดสรรได้", "Eligible"),
    "households": ("ครัวเรือนได้ประโยชน์", "Households served"),
    "area": ("พื้นที่ (ไร่)", "Area (rai)"),
    "storage": ("ความจุเพิ่ม (ลบ.ม.)", "Storage added (m³)"),
    "priority": ("คะแนนความสำคัญ", "Priority score"),
    "project": ("โครงการ", "Project"),
    "id": ("รหัส", "ID"),
    "subdistrict": ("ตำบล", "Sub-district"),
    "basin": ("ลุ่มน้ำ", "Basin"),
    "zone": ("ช่วงลุ่มน้ำ", "Zone"),
    "criterion": ("เกณฑ์", "Criterion"),
    "weight": ("น้ำหนัก", "Weight"),
    "what": ("ความหมาย", "Meaning"),
    "year": ("ปีงบประมาณ", "Fiscal year"),
    "budget_m": ("งบประมาณ (ล้านบาท)", "Budget (million baht)"),
    "spend_m": ("ใช้จริงตามแผน (ล้านบาท)", "Planned spend (million baht)"),
    "share": ("สัดส่วนที่ใช้ (%)", "Used (%)"),
    "starts": ("โครงการเริ่มใหม่", "Projects starting"),
    "start_year": ("ปีที่เริ่ม", "Start year"),
    "loo": ("คุณค่าที่เสียไปหากตัดออก", "Value lost if removed"),
    "reason": ("เหตุผล", "Reason"),
    "delta": ("คะแนนรวมที่ลดลงหากบังคับเลือก (ไม่เกิน)", "Objective lost if forced in (at most)"),
    "delta_low": ("ลดลงอย่างน้อย (พิสูจน์แล้ว)", "Lost at least (proven)"),
    "loo_low": ("เสียไปอย่างน้อย (พิสูจน์แล้ว)", "Lost at least (proven)"),
    "confirmed": ("ยืนยันด้วยการคำนวณซ้ำ", "Confirmed by re-solve"),
    "reason_code": ("ประเภทเหตุผล", "Reason type"),
    "need": ("ดัชนีความต้องการ", "Need index"),
    "shortfall": ("น้ำขาด (ล้าน ลบ.ม.)", "Shortfall (million m³)"),
    "no_piped": ("ครัวเรือนไม่มีประปา", "Households without piped water"),
    "drought": ("ความเสี่ยงแล้ง", "Drought risk"),
    "flood": ("ความเสี่ยงน้ำท่วม", "Flood risk"),
    "population": ("ประชากร", "Population"),
}

_HEADINGS = {
    "need": ("ความต้องการน้ำ: จากตำบลสู่ลุ่มน้ำ", "Water need: from sub-district to basin"),
    "candidates": ("ข้อเสนอโครงการด้านน้ำ", "Water project proposals"),
    "selection": ("แผนงานหลายปีภายใต้งบประมาณ", "The multi-year plan under the budget"),
    "districts": ("งบประมาณที่เลือกรายอำเภอและลุ่มน้ำ", "Selected budget by district and basin"),
    "scatter": ("คะแนนความสำคัญเทียบกับมูลค่าโครงการ", "Priority against cost"),
    "table": ("โครงการที่ได้รับเลือก (เรียงตามคะแนน)", "Selected projects (by priority)"),
    "reasons": ("ทำไมโครงการจึงไม่ได้รับเลือก", "Why projects were not chosen"),
    "frontier": ("ถ้างบประมาณเปลี่ยน: เส้นพรมแดนงบประมาณ", "If the budget changes: the budget frontier"),
    "scenarios": ("เปรียบเทียบสถานการณ์ (น้ำหนักเกณฑ์)", "Scenarios (criteria weights) compared"),
    "methods": ("เทียบกับวิธีเลือกแบบเดิม", "Compared with the usual ways of picking"),
    "revision": ("การทบทวนแผนเมื่อครบ 6 เดือน", "Revising the plan after 6 months"),
    "method": ("เกณฑ์และวิธีการ", "Criteria and method"),
}

_REASON_CODES = {
    "selected": ("ได้รับเลือก", "Selected"),
    "committed": ("ผูกพัน/ต้องดำเนินการ", "Committed"),
    "excluded": ("ถูกตัดออก", "Excluded"),
    "not_eligible": ("งบนี้จัดสรรให้ไม่ได้", "Not eligible for this budget"),
    "not_ready_year_one": ("ยังไม่พร้อม", "Not ready"),
    "outside_horizon": ("ทำไม่ทันในกรอบแผน", "Cannot finish within the plan"),
    "needs": ("ต้องมีโครงการอื่นก่อน", "Needs another project"),
    "alternative_chosen": ("เลือกทางเลือกอื่นแล้ว", "An alternative was chosen"),
    "group_cap": ("เต็มเพดานของกลุ่ม", "Group cap reached"),
    "budget": ("งบประมาณไม่พอ", "Budget"),
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


def _baht(run: PortfolioRun, x: float) -> str:
    return thai.format_baht(x, lang=run.lang)


def _basin(run: PortfolioRun, values: pd.Series) -> pd.Series:
    """Basin names in the report language (Thai names are the data's own)."""
    from oneplan.core.vocab import BASIN_EN

    return values if run.lang == "th" else values.map(lambda b: BASIN_EN.get(b, b))


def _years_text(run: PortfolioRun) -> str:
    y = run.years
    return str(y[0]) if len(y) == 1 else f"{y[0]}–{y[-1]}"


# --- need hierarchy ---------------------------------------------------------------------

def need_tables(run: PortfolioRun) -> dict[str, pd.DataFrame]:
    """Need indicators rolled up by basin and zone, and by district beside the plan
    (:mod:`oneplan.plan.waterneed`), with headings in the report language."""
    from oneplan.plan import waterneed

    con = db.connect(run.db_path, read_only=True)
    try:
        by_zone = waterneed.zone_need(con, run.province.code, run.params.fiscal_year)
        by_district = waterneed.district_need_budget(
            con, run.province.code, run.params.fiscal_year, plan=run.candidates,
            fund_source=run.params.plan.fund_source)
    finally:
        con.close()
    lang = run.lang
    name = "name_th" if lang == "th" else "name_en"
    zone_names = {"upstream": ("ต้นน้ำ", "upstream"), "midstream": ("กลางน้ำ", "midstream"),
                  "downstream": ("ปลายน้ำ", "downstream")}
    zones = pd.DataFrame({
        label("basin", lang): _basin(run, by_zone["basin"]),
        label("zone", lang): by_zone["zone"].map(
            lambda z: zone_names.get(z, (z, z))[0 if lang == "th" else 1]),
        label("population", lang): by_zone["population"].astype(int),
        label("shortfall", lang): (by_zone["shortfall_m3"] / 1e6).round(1),
        label("no_piped", lang): by_zone["households_no_piped"].astype(int),
        label("drought", lang): by_zone["drought_risk"].round(2),
        label("flood", lang): by_zone["flood_risk"].round(2),
        label("need", lang): by_zone["need_index"].round(2),
    })
    districts = pd.DataFrame({
        label("district", lang): by_district[name],
        label("need", lang): by_district["need_index"].round(2),
        label("shortfall", lang): (by_district["shortfall_m3"] / 1e6).round(1),
        label("count", lang): by_district["candidates"].astype(int),
        label("selected_count", lang): by_district["selected"].fillna(0).astype(int),
        label("selected_cost_m", lang): (by_district["selected_baht"].fillna(0) / 1e6).round(1),
    }).sort_values(label("need", lang), ascending=False)
    run.extra["district_need"] = by_district
    return {"zones": zones, "districts": districts}


def need_map(run: PortfolioRun):
    """Choropleth of the need index per district."""
    from oneplan.charts import maps

    by_district = run.extra.get("district_need")
    if by_district is None:
        need_tables(run)
        by_district = run.extra["district_need"]
    values = by_district.set_index("district_code")["need_index"]
    name = run.province.name_th if run.lang == "th" else run.province.name_en
    return maps.district_choropleth(
        values, run.province.code, lang=run.lang, cmap="OrRd",
        title=(f"ดัชนีความต้องการน้ำรายอำเภอ จังหวัด{name}" if run.lang == "th"
               else f"Water need index by district, {name}"),
        legend_label=label("need", run.lang))


def interpret_need(run: PortfolioRun) -> str:
    by_district = run.extra.get("district_need")
    if by_district is None:
        need_tables(run)
        by_district = run.extra["district_need"]
    top = by_district.sort_values("need_index", ascending=False).iloc[0]
    served = by_district.sort_values("need_index", ascending=False).head(5)
    share = served["selected_baht"].fillna(0).sum() / max(run.result.plan[
        run.result.plan["selected"]]["cost_baht"].sum(), 1e-9) * 100
    if run.lang == "th":
        return (f"อำเภอ{top['name_th']}มีดัชนีความต้องการน้ำสูงสุด ({top['need_index']:.2f}) "
                f"ห้าอำเภอที่ต้องการมากที่สุดได้รับงบ {share:.0f}% ของแผน "
                "ดัชนีรวมสัดส่วนน้ำขาด ความเสี่ยงแล้งและน้ำท่วม และครัวเรือนที่ไม่มีประปา")
    return (f"{top['name_en']} has the highest need index ({top['need_index']:.2f}); the five "
            f"neediest districts receive {share:.0f}% of the plan. The index combines the "
            "storage shortfall, drought and flood risk and households without piped water.")


# --- tables ---------------------------------------------------------------------------

def district_map(run: PortfolioRun):
    """Choropleth of the selected budget (million baht) per district of the province."""
    from oneplan.charts import maps

    values = run.selected.groupby("district_code")["cost_baht"].sum() / 1e6
    values = values.reindex([d.code for d in areas.districts(run.province.code)]).fillna(0.0)
    name = run.province.name_th if run.lang == "th" else run.province.name_en
    return maps.district_choropleth(
        values, run.province.code, lang=run.lang,
        title=(f"งบประมาณโครงการที่เลือก จังหวัด{name} ปี {_years_text(run)}"
               if run.lang == "th" else f"Selected budget by district, {name}, "
               f"FY {_years_text(run)}"),
        legend_label=label("selected_cost_m", run.lang),
    )


def candidates_by_type(run: PortfolioRun) -> pd.DataFrame:
    """Candidates and selected projects per project type: counts and million baht."""
    c = run.candidates
    lang = run.lang
    g = c.groupby("type_th" if lang == "th" else "type_code", sort=False)
    out = pd.DataFrame({
        label("count", lang): g.size(),
        label("ready", lang): g["ready"].sum(),
        label("eligible", lang): g["eligible"].sum(),
        label("cost_m", lang): g["cost_baht"].sum() / 1e6,
        label("selected_count", lang): g["selected"].sum(),
        label("selected_cost_m", lang): g.apply(
            lambda d: d.loc[d["selected"], "cost_baht"].sum() / 1e6, include_groups=False),
    }).sort_values(label("cost_m", lang), ascending=False)
    out.index.name = label("type", lang)
    return out


def spend_by_year(run: PortfolioRun) -> pd.DataFrame:
    """Budget, planned spend and new starts per fiscal year of the plan."""
    lang = run.lang
    starts = run.selected["start_year"].value_counts()
    rows = []
    for y in run.years:
        budget = run.spec.budget_by_year[y]
        spend = run.result.spend_by_year.get(y, 0.0)
        rows.append({label("year", lang): y, label("budget_m", lang): budget / 1e6,
                     label("spend_m", lang): spend / 1e6,
                     label("share", lang): spend / budget * 100 if budget else 0.0,
                     label("starts", lang): int(starts.get(y, 0))})
    return pd.DataFrame(rows)


def budget_by_district(run: PortfolioRun) -> pd.DataFrame:
    """Per district: candidates, selected count, selected cost and households served."""
    c = run.candidates
    lang = run.lang
    name = "district_name" if lang == "th" else "district_name_en"
    sel = c[c["selected"]]
    out = pd.DataFrame({
        label("count", lang): c.groupby(name).size(),
        label("selected_count", lang): sel.groupby(name).size(),
        label("selected_cost_m", lang): sel.groupby(name)["cost_baht"].sum() / 1e6,
        label("households", lang): sel.groupby(name)["households_served"].sum(),
    }).fillna(0)
    out = out.astype({label("selected_count", lang): int, label("households", lang): int})
    out.index.name = label("district", lang)
    return out.sort_values(label("selected_cost_m", lang), ascending=False)


def budget_by_basin(run: PortfolioRun) -> pd.DataFrame:
    """Per basin and zone: selected projects, million baht and households."""
    lang = run.lang
    sel = run.selected
    g = sel.groupby(["basin", "zone"])
    out = pd.DataFrame({
        label("selected_count", lang): g.size(),
        label("selected_cost_m", lang): g["cost_baht"].sum() / 1e6,
        label("households", lang): g["households_served"].sum(),
        label("storage", lang): g["storage_m3"].sum(),
    }).reset_index()
    out["basin"] = _basin(run, out["basin"])
    if lang == "th":
        from oneplan.core.vocab import ZONE_TH

        out["zone"] = out["zone"].map(lambda z: ZONE_TH.get(z, z))
    return out.rename(columns={"basin": label("basin", lang), "zone": label("zone", lang)})


def selected_table(run: PortfolioRun, reasons: pd.DataFrame | None = None,
                   rows: int | None = None) -> pd.DataFrame:
    """The selected projects, highest priority first, with start year and (when reasons
    were computed) the leave-one-out value."""
    lang = run.lang
    sel = run.selected.sort_values("priority", ascending=False)
    rows = rows or run.params.report.table_rows
    out = pd.DataFrame({
        label("id", lang): sel["project_id"],
        label("project", lang): sel["name_th"] if lang == "th" else
        sel["type_code"] + ", " + sel["subdistrict_name_en"],
        label("district", lang): sel["district_name" if lang == "th" else "district_name_en"],
        label("basin", lang): _basin(run, sel["basin"]),
        label("start_year", lang): sel["start_year"].astype("Int64"),
        label("cost_m", lang): sel["cost_baht"] / 1e6,
        label("households", lang): sel["households_served"],
        label("priority", lang): sel["priority"],
    })
    if reasons is not None:
        loo = reasons.set_index("project_id")
        confirmed = loo["confirmed"] & (loo["reason_code"].isin(["selected", "committed"]))
        out[label("loo", lang)] = sel["project_id"].map(
            loo["objective_delta"].where(confirmed))
        if "objective_delta_low" in loo:  # the re-solve's proven lower end of the range
            out[label("loo_low", lang)] = sel["project_id"].map(
                loo["objective_delta_low"].where(confirmed))
    return out.head(rows).reset_index(drop=True).rename(index=lambda i: i + 1)


_CRITERIA_TH = {
    "households": "ครัวเรือนที่ได้รับประโยชน์ (สเกลลอการิทึม) ปรับเป็น 0–1 ในจังหวัด",
    "storage": "ปริมาณน้ำเก็บกักที่เพิ่มขึ้น ลบ.ม. (สเกลลอการิทึม) ปรับเป็น 0–1 ในจังหวัด",
    "area": "พื้นที่รับประโยชน์ ไร่ (สเกลลอการิทึม) ปรับเป็น 0–1 ในจังหวัด",
    "need": "ดัชนีความต้องการน้ำของตำบลที่ตั้งโครงการ ปรับเป็น 0–1 ในจังหวัด",
    "cost_effectiveness": "หน่วยประโยชน์ต่อบาท (ครัวเรือน + ไร่/10 + ลบ.ม./1,000) ÷ งบประมาณ "
                          "เป็นตัวชี้วัดอย่างง่าย ไม่ใช่การวิเคราะห์ทางเศรษฐศาสตร์",
}


def weights_table(run: PortfolioRun) -> pd.DataFrame:
    """The published criteria, what each measures, and their normalised weights."""
    w = run.params.priority.weights
    total = sum(w.values())
    lang = run.lang
    rows = []
    for key, weight in w.items():
        th, en, what = priority.CRITERIA[key]
        rows.append({label("criterion", lang): th if lang == "th" else en,
                     label("weight", lang): round(weight / total, 3),
                     label("what", lang): _CRITERIA_TH.get(key, what) if lang == "th"
                     else what})
    return pd.DataFrame(rows)


# --- reasons ----------------------------------------------------------------------------

def reasons(run: PortfolioRun) -> pd.DataFrame:
    """One plain reason per candidate (:func:`oneplan.selection.explain.explain_plan`), the closest
    misses and top selected projects confirmed by re-solving."""
    if "reasons" not in run.extra:
        run.extra["reasons"] = explain.explain_plan(
            run.candidates, run.spec, run.result,
            max_resolves=run.params.plan.explain_max_resolves,
            time_limit_s=min(run.params.plan.explain_time_limit_s,
                             run.params.portfolio.time_limit_s),
            loss_width=run.params.plan.explain_loss_width)
    return run.extra["reasons"]


def reasons_summary(run: PortfolioRun) -> pd.DataFrame:
    """How many candidates, and how many baht, for each kind of reason."""
    r = reasons(run).merge(run.candidates[["project_id", "cost_baht"]], on="project_id")
    lang = run.lang
    k = 0 if lang == "th" else 1
    g = r.groupby("reason_code")
    out = pd.DataFrame({label("count", lang): g.size(),
                        label("cost_m", lang): g["cost_baht"].sum() / 1e6})
    out.index = [_REASON_CODES.get(c, (c, c))[k] for c in out.index]
    out.index.name = label("reason_code", lang)
    return out.sort_values(label("count", lang), ascending=False)


def closest_misses(run: PortfolioRun, rows: int = 15) -> pd.DataFrame:
    """Projects not chosen whose loss was confirmed by re-solving, smallest loss first."""
    lang = run.lang
    r = reasons(run)
    miss = r[~r["selected"]].merge(
        run.candidates[["project_id", "name_th", "type_code", "subdistrict_name_en",
                        "cost_baht", "priority"]], on="project_id")
    miss = miss.sort_values(["confirmed", "objective_delta"], ascending=[False, True])
    return pd.DataFrame({
        label("id", lang): miss["project_id"],
        label("project", lang): miss["name_th"] if lang == "th"
        else miss["type_code"] + ", " + miss["subdistrict_name_en"],
        label("cost_m", lang): miss["cost_baht"] / 1e6,
        label("priority", lang): miss["priority"],
        label("reason", lang): miss["reason_th" if lang == "th" else "reason_en"],
        label("delta", lang): miss["objective_delta"].where(miss["confirmed"]),
        label("delta_low", lang): miss["objective_delta_low"].where(miss["confirmed"])
        if "objective_delta_low" in miss else float("nan"),
    }).head(rows).reset_index(drop=True).rename(index=lambda i: i + 1)


def interpret_reasons(run: PortfolioRun) -> str:
    r = reasons(run)
    n_conf = int(r["confirmed"].sum())
    low = r.get("objective_delta_low")
    n_proven = int((r["confirmed"] & (low > 1e-9)).sum()) if low is not None else n_conf
    n_miss = int((~r["selected"]).sum())
    top = r.loc[~r["selected"], "reason_code"].value_counts()
    main = _REASON_CODES.get(top.index[0], (top.index[0],) * 2) if len(top) else ("-", "-")
    if run.lang == "th":
        return (f"ไม่ได้รับเลือก {thai.format_int(n_miss)} โครงการ เหตุผลที่พบมากที่สุดคือ "
                f"“{main[0]}” ({thai.format_int(top.iloc[0]) if len(top) else 0} โครงการ) "
                f"เหตุผลของ {n_conf} โครงการได้รับการยืนยันด้วยการคำนวณซ้ำโดยบังคับเลือก/ตัดออก "
                f"และแสดงช่วงของคะแนนรวมที่จะเสียไป ({n_proven} โครงการพิสูจน์ได้ว่าเสียคะแนนจริง "
                "จากขอบเขตของตัวแก้ปัญหา) เหตุผลอื่นเป็นการประมาณตามกฎ ไม่ได้คำนวณซ้ำ")
    return (f"{thai.format_int(n_miss)} projects were not chosen; the most common reason is "
            f"'{main[1]}' ({int(top.iloc[0]) if len(top) else 0}). {n_conf} reasons were "
            "confirmed by re-solving with the project forced in or out, and the range of the "
            f"objective lost is shown ({n_proven} with the loss proven positive by the "
            "solver's bound); the other figures are estimates by rule, not re-solved.")


# --- comparisons ----------------------------------------------------------------------

def _compare_limit(run: PortfolioRun) -> float:
    """Time limit of each comparison solve (frontier, scenarios, methods): a stopped solve
    shows its status and gap in the table."""
    return min(run.params.plan.compare_time_limit_s, run.params.portfolio.time_limit_s)


def frontier(run: PortfolioRun) -> pd.DataFrame:
    """Benefit at fractions of the budget (:func:`oneplan.selection.compare.budget_frontier`)."""
    from oneplan.selection import compare

    if "frontier" not in run.extra:
        run.extra["frontier"] = compare.budget_frontier(
            run.candidates, run.spec, fractions=run.params.plan.frontier_fractions,
            time_limit_s=_compare_limit(run), mip_rel_gap=run.params.plan.compare_mip_rel_gap,
            known=run.result)
    return run.extra["frontier"]


def frontier_table(run: PortfolioRun) -> pd.DataFrame:
    from oneplan.selection import compare

    f = frontier(run)
    cols = [c for c in ("fraction", "budget_baht", "benefit", "n_selected", "households",
                        "spend_baht", "marginal_per_million", "status") if c in f.columns]
    return compare.localise(f[cols], run.lang)


def interpret_frontier(run: PortfolioRun) -> str:
    f = frontier(run)
    cur = f[f["current"]].iloc[0] if "current" in f and f["current"].any() else None
    above = f[f["fraction"] > 1.0]
    if cur is None or above.empty:
        return ""
    nxt = above.iloc[0]
    gain = nxt["benefit"] - cur["benefit"]
    extra_m = (nxt["budget_baht"] - cur["budget_baht"]) / 1e6
    if run.lang == "th":
        return (f"หากได้งบเพิ่มอีก {extra_m:,.0f} ล้านบาท คะแนนรวมจะเพิ่ม {gain:.2f} "
                f"({gain / max(cur['benefit'], 1e-9) * 100:.1f}%) "
                "ยิ่งงบมาก ประโยชน์ต่อบาทที่เพิ่มขึ้นยิ่งลดลง เพราะโครงการที่คุ้มค่าที่สุดถูกเลือกไปก่อนแล้ว")
    return (f"{extra_m:,.0f} million baht more would add {gain:.2f} to the objective "
            f"({gain / max(cur['benefit'], 1e-9) * 100:.1f}%); each extra baht buys less, "
            "because the best-value projects are already in the plan.")


def scenarios(run: PortfolioRun) -> pd.DataFrame:
    """The plan under each scenario of ``plan.compare_scenarios``, side by side."""
    from oneplan.selection import compare

    if "scenarios" not in run.extra:
        run.extra["scenarios"] = compare.compare_scenarios(
            run.province.code, run.params.plan.compare_scenarios, db_path=run.db_path,
            fiscal_year=run.params.fiscal_year, mip_start=run.result,
            time_limit_s=_compare_limit(run), mip_rel_gap=run.params.plan.compare_mip_rel_gap)
    return run.extra["scenarios"]


def scenarios_table(run: PortfolioRun) -> pd.DataFrame:
    from oneplan.selection import compare

    return compare.localise(scenarios(run), run.lang)


def methods(run: PortfolioRun) -> pd.DataFrame:
    """Optimum vs priority order vs equal shares across districts."""
    from oneplan.selection import compare

    if "methods" not in run.extra:
        run.extra["methods"] = compare.compare_methods(
            run.candidates, run.spec, time_limit_s=_compare_limit(run),
            mip_rel_gap=run.params.portfolio.mip_rel_gap, known=run.result)
    return run.extra["methods"]


def methods_table(run: PortfolioRun) -> pd.DataFrame:
    """The comparison with methods as columns and a few indicators as rows (fits A4)."""
    from oneplan.selection import compare

    m = methods(run).copy()
    m["spend_baht"] = m["spend_baht"] / 1e6
    for col in ("min_district_share", "max_district_share"):
        m[col] = m[col] * 100
    keep = ["benefit", "benefit_vs_optimum_pct", "projects", "households", "storage_m3",
            "area_rai", "spend_baht", "districts_reached", "min_district_share",
            "max_district_share"]
    out = compare.localise(m[keep], run.lang)
    out.index = m["label_th" if run.lang == "th" else "label_en"]
    out = out.T
    out.index = [label("spend_m", run.lang) if k == "spend_baht" else name
                 for k, name in zip(keep, out.index)]
    out.index = [f"{name} (%)" if k.endswith("_share") else name
                 for k, name in zip(keep, out.index)]
    out.columns.name = None
    return out


def interpret_methods(run: PortfolioRun) -> str:
    m = methods(run)
    diff = m.set_index("method")["benefit_vs_optimum_pct"] if "method" in m else None
    if diff is None:
        return ""
    po = diff.get("priority_order", float("nan"))
    es = diff.get("equal_shares", float("nan"))
    if run.lang == "th":
        return (f"ด้วยงบและกติกาเดียวกัน การเลือกตามลำดับคะแนนได้ประโยชน์ต่างจากแผนที่ดีที่สุด "
                f"{po:+.1f}% และการแบ่งงบเท่ากันทุกอำเภอ (Method of Equal Shares) {es:+.1f}%")
    return (f"With the same budget and rules, picking down the priority list gets {po:+.1f}% "
            f"benefit against the optimum, and equal shares across districts {es:+.1f}%.")


# --- revision ---------------------------------------------------------------------------

def revision(run: PortfolioRun, months: int = 6):
    """A demonstration review after ``months``: synthetic follow-up facts (delays, cost
    overruns, cancellations, a budget cut, new proposals) applied to the plan and the
    remaining years re-optimised with the stability penalty
    (:func:`oneplan.selection.revision.revise_plan`)."""
    from oneplan.selection import facts as followup
    from oneplan.selection import revision as rv

    key = f"revision_{months}"
    if key not in run.extra:
        facts = followup.sample_followup(run.result, run.candidates, months=months,
                                         seed=run.params.sample.seed)
        spec = plan_spec(run.params, with_stability=True)
        run.extra[key] = rv.revise_plan(run.candidates, spec, run.result, facts,
                                        months=months, confirm_resolves=4,
                                        confirm_time_limit_s=run.params.plan.explain_time_limit_s,
                                        time_limit_s=run.params.portfolio.time_limit_s,
                                        mip_rel_gap=run.params.portfolio.mip_rel_gap,
                                        weights=run.params.priority.weights)
    return run.extra[key]


# --- sentences ------------------------------------------------------------------------

def title(run: PortfolioRun) -> str:
    if run.lang == "th":
        return (f"แผนงานโครงการด้านน้ำ จังหวัด{run.province.name_th} "
                f"ปีงบประมาณ {_years_text(run)}")
    return f"Water project plan, {run.province.name_en} province, fiscal years {_years_text(run)} BE"


def intro(run: PortfolioRun) -> str:
    today = thai.format_date(date.today(), lang=run.lang)
    note = (run.db_meta.get("synthetic_note_th") if run.lang == "th"
            else run.db_meta.get("synthetic_note_en"))
    per_year = sorted(set(run.spec.budget_by_year.values()))
    budget = (_baht(run, per_year[0]) if len(per_year) == 1
              else f"{_baht(run, min(per_year))}–{_baht(run, max(per_year))}")
    if run.lang == "th":
        text = (f"รายงานนี้จัดทำแผนงานโครงการด้านน้ำ {len(run.years)} ปี ของจังหวัด"
                f"{run.province.name_th} ({run.province.region_th}) ภายใต้งบประมาณปีละ {budget} "
                f"ด้วยแบบจำลองคณิตศาสตร์ (PuLP + HiGHS) ตามแนวทางแผนบริหารจัดการน้ำแบบบูรณาการของ"
                f"จังหวัดขอนแก่น “จากภูพานถึงมหานที” จัดทำเมื่อ {today}")
    else:
        text = (f"This report draws up a {len(run.years)}-year water project plan for "
                f"{run.province.name_en} under a budget of {budget} a year with an optimisation "
                f"model (PuLP + HiGHS), following Khon Kaen's integrated water plan; "
                f"prepared {today}")
    if run.synthetic:
        text += f"\n\n**{note}**"
    return text


def interpret_candidates(run: PortfolioRun) -> str:
    c = run.candidates
    total = c["cost_baht"].sum()
    ratio = total / run.plan_budget
    n_ready = int(c["ready"].sum())
    n_elig = int(c["eligible"].sum())
    if run.lang == "th":
        return (f"มีข้อเสนอโครงการ {thai.format_int(len(c))} โครงการ วงเงินรวม "
                f"{_baht(run, total)} หรือ {ratio:.1f} เท่าของงบทั้งแผน "
                f"พร้อมดำเนินการ (มีแบบรูปรายการ/BOQ ที่ดิน และความยินยอมของชุมชน) "
                f"{thai.format_int(n_ready)} โครงการ และงบแหล่งนี้จัดสรรให้ได้ "
                f"{thai.format_int(n_elig)} โครงการ")
    return (f"{thai.format_int(len(c))} proposals ask for {_baht(run, total)}, "
            f"{ratio:.1f} times the plan's budget; {thai.format_int(n_ready)} are ready "
            f"(drawings/BOQ, land and community consent) and {thai.format_int(n_elig)} may be "
            "funded from this budget source.")


def _status_text(run: PortfolioRun) -> str:
    r = run.result
    gap = "" if r.gap is None else f"{r.gap * 100:.3f}%"
    tol = r.mip_rel_gap or 0.0  # "optimal" means: proven within this relative gap
    if run.lang == "th":
        best = ("คำตอบที่ดีที่สุด (พิสูจน์แล้ว)" if tol == 0 else
                f"คำตอบที่ดีที่สุดภายในค่าคลาดเคลื่อน {tol * 100:g}% (พิสูจน์แล้ว)")
        status = {"optimal": best,
                  "time_limit": "หยุดเมื่อครบเวลาที่กำหนด ยังไม่พิสูจน์ว่าดีที่สุด"
                  }.get(r.status, r.status)
        return f"สถานะของตัวแก้ปัญหา: {status}" + (f" ช่องว่างจากขอบเขต (gap) {gap}" if gap else "")
    status = (f"optimal within {tol * 100:g} %" if r.status == "optimal" and tol > 0
              else r.status)
    return f"Solver status: {status}" + (f", gap {gap}" if gap else "")


def interpret_selection(run: PortfolioRun) -> str:
    sel = run.selected
    used = sel["cost_baht"].sum()
    skipped = run.result.skipped_floors
    if run.lang == "th":
        text = (f"แบบจำลองเลือก {thai.format_int(len(sel))} โครงการ ใช้งบ {_baht(run, used)} "
                f"({used / run.plan_budget * 100:.1f}% ของงบทั้งแผน) ครัวเรือนได้ประโยชน์ "
                f"{thai.format_int(sel['households_served'].sum())} ครัวเรือน "
                f"{_status_text(run)}")
        if skipped:
            text += f" (เกณฑ์ขั้นต่ำที่ใช้ไม่ได้เพราะไม่มีโครงการพร้อม: {len(skipped)} กลุ่ม)"
        return text
    text = (f"The model selects {thai.format_int(len(sel))} projects using {_baht(run, used)} "
            f"({used / run.plan_budget * 100:.1f}% of the plan budget), serving "
            f"{thai.format_int(sel['households_served'].sum())} households. {_status_text(run)}")
    if skipped:
        text += f" ({len(skipped)} floors skipped: no ready, eligible project)"
    return text


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
        return (f"โครงการที่ได้รับเลือกมีมูลค่ากลาง (มัธยฐาน) {_baht(run, med_sel)} "
                f"เทียบกับ {_baht(run, med_rest)} ของโครงการที่ไม่ได้รับเลือก: "
                f"แบบจำลองให้ความสำคัญกับคะแนนต่อบาท โครงการใหญ่จึงต้องมีคะแนนสูงมากจึงจะได้รับเลือก")
    return (f"Selected projects have a median cost of {_baht(run, med_sel)} against "
            f"{_baht(run, med_rest)} for the others: the model values priority per baht, "
            "so a large project needs a very high score.")


def method_note(run: PortfolioRun) -> str:
    """How the plan was made, in plain words, with the solver's real status."""
    r = run.result
    p = run.params
    gap = "-" if r.gap is None else f"{r.gap * 100:.3f}%"
    if run.lang == "th":
        return (
            "คะแนนความสำคัญของแต่ละโครงการ (0–1) คือผลรวมถ่วงน้ำหนักของเกณฑ์ข้างต้น "
            "แต่ละเกณฑ์ปรับเป็นสเกล 0–1 ภายในจังหวัด แบบจำลองเลือกโครงการและปีที่เริ่มเพื่อให้คะแนนรวมสูงสุด "
            f"(คะแนนลดลง {100 - p.plan.start_discount * 100:.0f}% ต่อปีที่เริ่มช้า) ภายใต้งบแต่ละปี "
            "ตามสัดส่วนการเบิกจ่ายของโครงการ โครงการที่ยังไม่พร้อมเริ่มได้ตั้งแต่ปีที่สอง "
            f"ทุกอำเภอที่มีโครงการพร้อมได้อย่างน้อย {p.plan.district_min_projects} โครงการ "
            + (f"ไม่มีอำเภอใดได้เกิน {p.plan.district_max_share * 100:.0f}% ของงบ "
               if p.plan.district_max_share else "")
            + "โครงการที่ต้องพึ่งโครงการอื่นจะถูกเลือกพร้อมกันเท่านั้น และเลือกได้ทางเลือกเดียวต่อพื้นที่ "
            f"(ตัวแก้ปัญหา {r.solver}, สถานะ {r.status}, gap {gap}, สร้างแบบจำลอง "
            f"{r.build_seconds:.2f} วินาที แก้ {r.solve_seconds:.2f} วินาที, "
            f"จำกัดเวลา {p.portfolio.time_limit_s:g} วินาที)")
    return (
        "Each project's priority (0–1) is the weighted sum of the criteria above, each scaled "
        "0–1 within the province. The model chooses projects and start years to maximise "
        f"total priority (−{100 - p.plan.start_discount * 100:.0f}% per year of delay) within "
        "each year's budget, spending along each project's cost profile; projects not ready "
        f"may start from year two; every district with a ready project gets at least "
        f"{p.plan.district_min_projects}"
        + (f", none more than {p.plan.district_max_share * 100:.0f}% of the budget"
           if p.plan.district_max_share else "")
        + "; a project that needs another comes only with it; one alternative per site "
        f"(solver {r.solver}, status {r.status}, gap {gap}, build {r.build_seconds:.2f} s, "
        f"solve {r.solve_seconds:.2f} s, time limit {p.portfolio.time_limit_s:g} s).")


# --- exports ----------------------------------------------------------------------------

def export_plan_xlsx(run: PortfolioRun, out_dir: str | Path) -> Path:
    """The chosen plan as XLSX with Thai headers for the governor's office: the plan by
    project, spending by year, by district, and the reasons for every candidate."""

    lang = "th"
    sel = run.selected.sort_values(["start_year", "priority"], ascending=[True, False])
    plan = pd.DataFrame({
        "รหัสโครงการ": sel["project_id"], "ชื่อโครงการ": sel["name_th"],
        "ประเภท": sel["type_th"], "อำเภอ": sel["district_name"],
        "ตำบล": sel["subdistrict_name"], "ลุ่มน้ำ": sel["basin"],
        "ปีที่เริ่ม": sel["start_year"].astype("Int64"),
        "งบประมาณรวม (บาท)": sel["cost_baht"],
        **{f"งบปี {y} (บาท)": sel.get(f"cost_{y}", 0.0) for y in run.years},
        "ครัวเรือนได้ประโยชน์": sel["households_served"],
        "พื้นที่ (ไร่)": sel["area_rai"], "ความจุเพิ่ม (ลบ.ม.)": sel["storage_m3"],
        "คะแนนความสำคัญ": sel["priority"].round(4),
        "ที่มาของข้อมูล": sel["source_file"] + " / " + sel["source_sheet"].astype(str)
        + " แถว " + sel["source_row"].astype(str),
    })
    thai_run = dataclasses.replace(run, lang=lang)  # the governor's file is always Thai
    sheets = {"แผนงาน": plan, "งบรายปี": spend_by_year(thai_run),
              "รายอำเภอ": budget_by_district(thai_run).reset_index()}
    if "reasons" in run.extra:
        r = run.extra["reasons"].merge(run.candidates[["project_id", "name_th"]],
                                       on="project_id")
        sheets["เหตุผลรายโครงการ"] = pd.DataFrame({
            "รหัสโครงการ": r["project_id"], "ชื่อโครงการ": r["name_th"],
            "ได้รับเลือก": r["selected"].map({True: "ใช่", False: "ไม่"}),
            "เหตุผล": r["reason_th"], "โครงการที่เกี่ยวข้อง": r["related_id"],
            "คะแนนที่เปลี่ยน (ไม่เกิน)": r["objective_delta"],
            "คะแนนที่เปลี่ยนอย่างน้อย (พิสูจน์แล้ว)": r["objective_delta_low"],
            "ยืนยันด้วยการคำนวณซ้ำ": r["confirmed"].map({True: "ใช่", False: "ไม่"})})
    note = run.db_meta.get("synthetic_note_th") if run.synthetic else None
    path = Path(out_dir) / f"plan_{run.province.code}_{run.years[0]}.xlsx"
    return write_xlsx(sheets, path, note=note)


# --- interactive ------------------------------------------------------------------------

EXPLORER_TIME_LIMIT_S = 1.0


def explore_solve(run: PortfolioRun, *, budget_per_year_baht: float | None = None,
                  weights: Mapping[str, float] | None = None,
                  previous: portfolio.PlanResult | None = None,
                  time_limit_s: float = EXPLORER_TIME_LIMIT_S) -> portfolio.PlanResult:
    """One re-solve of the explorer: the province re-scored with ``weights`` and planned
    with ``budget_per_year_baht`` a year, at the report's gap tolerance.

    ``previous`` (the plan on screen) is handed to HiGHS as its first incumbent, and the
    solve stops after ``time_limit_s`` so that the slider answers within about a second;
    the result then carries HiGHS's real status (``time_limit``) and gap, which the
    explorer prints — it never calls a stopped solve optimal.
    """
    base = run.candidates.drop(columns=[c for c in run.candidates.columns
                                        if c in ("selected", "start_year")
                                        or str(c).startswith("cost_2")])
    scored = base if weights is None else priority.score_candidates(base, dict(weights))
    budgets = dict(run.spec.budget_by_year)
    if budget_per_year_baht is not None:
        budgets = {y: float(budget_per_year_baht) for y in run.years}
    spec = dataclasses.replace(run.spec, budget_by_year=budgets)
    return portfolio.plan_portfolio(
        scored, spec, time_limit_s=min(time_limit_s, run.params.portfolio.time_limit_s),
        mip_rel_gap=run.params.portfolio.mip_rel_gap, mip_start=previous)


def explorer(run: PortfolioRun):
    """Sliders for the yearly budget and the criteria weights that re-score and re-solve
    the province (:func:`explore_solve`) and redraw (JupyterLab). Returns an ipywidgets
    box; under papermill it is built but nothing waits for input."""
    import ipywidgets as w
    from IPython.display import display

    from oneplan import charts

    budget0 = float(next(iter(run.spec.budget_by_year.values())))
    budget = w.FloatSlider(value=budget0 / 1e6, min=budget0 / 2e6, max=budget0 * 1.5e-6,
                           step=budget0 / 40e6, description=label("budget_m", run.lang),
                           style={"description_width": "initial"}, continuous_update=False)
    sliders = {k: w.FloatSlider(value=v, min=0, max=1, step=0.05, description=k,
                                continuous_update=False)
               for k, v in run.params.priority.weights.items()}
    out = w.Output()
    shown: dict[str, portfolio.PlanResult] = {"plan": run.result}

    def redraw(*_):
        weights = {k: s.value for k, s in sliders.items()}
        if sum(weights.values()) <= 0:
            return
        start = time.perf_counter()
        res = explore_solve(run, budget_per_year_baht=budget.value * 1e6, weights=weights,
                            previous=shown["plan"])
        shown["plan"] = res
        sel = res.plan[res.plan["selected"]]
        gap = "–" if res.gap is None else f"{res.gap:.3%}"
        with out:
            out.clear_output(wait=True)
            print(f"{len(sel)} projects, {sel['cost_baht'].sum() / 1e6:,.1f} M baht, "
                  f"{sel['households_served'].sum():,} households; status {res.status}, "
                  f"gap {gap}; {time.perf_counter() - start:.2f} s")
            display(charts.budget_by_district(
                sel, lang=run.lang,
                district_col="district_name" if run.lang == "th" else "district_name_en"))

    for s in (budget, *sliders.values()):
        s.observe(redraw, names="value")
    redraw()
    return w.VBox([budget, *sliders.values(), out])


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
    from oneplan.core.format import rounded

    path.write_text(json.dumps(rounded(summary(run)), ensure_ascii=False, indent=2,
                               default=str), encoding="utf-8")
    return path

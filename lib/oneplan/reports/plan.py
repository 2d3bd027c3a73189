"""The two plan reports of a province (or the whole country): village needs → provincial
plan (``notebooks/needs_plan.ipynb``) and the quarterly follow-up
(``notebooks/followup.ipynb``).

The notebooks call these functions in order; each returns a table in the report language,
a chart or a sentence of interpretation, so every figure in the report traces back to one
function of :mod:`oneplan.plan.needs`, :mod:`oneplan.plan.ranking`, :mod:`oneplan.reports.overview` or
:mod:`oneplan.plan.followup`. Every table shown is also kept in ``run.tables`` and exported
as CSV and XLSX (:func:`export_tables`) beside the machine-readable summary.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from oneplan import __version__
from oneplan.core import areas, thai, vocab
from oneplan.data import db
from oneplan.plan import followup, needs, oc4ids, governor, ranking
from oneplan.charts import plan as plancharts
from oneplan.data.params import Params, load_params
from oneplan.core.files import write_xlsx

log = logging.getLogger(__name__)

_HEADINGS = {
    "funnel": ("เส้นทางจากความต้องการของหมู่บ้านสู่แผนพัฒนาจังหวัด", "From village needs to the provincial plan"),
    "classify": ("การจำแนกความต้องการ: ใครดำเนินการ และสอดคล้องยุทธศาสตร์หรือไม่",
                 "Sorting the needs: who acts, and does it fit the strategy"),
    "silent": ("หมู่บ้านที่ยังไม่ได้บันทึกความต้องการ", "Villages with no needs recorded"),
    "waiting": ("ความต้องการที่รอนานที่สุด", "Needs waiting longest"),
    "ranking": ("การจัดลำดับโครงการ (Plan101Pro) และน้ำหนักเกณฑ์ที่ใช้",
                "Ranking the proposals (Plan101Pro) with the published weights"),
    "lacks": ("เอกสารที่ข้อเสนอโครงการยังขาด", "What the proposals still lack"),
    "sensitivity": ("ความไวของอันดับต่อการปรับน้ำหนัก ±20%",
                    "How stable the ranking is when each weight moves ±20 %"),
    "overview": ("ภาพรวมสำหรับผู้ว่าราชการจังหวัด: แล้วเสร็จ ระหว่างดำเนินการ รองบประมาณ",
                 "Governor's overview: done, in progress, awaiting budget"),
    "method": ("วิธีการและที่มาของข้อมูล", "Method and data"),
    "disbursement": ("การเบิกจ่ายเทียบเป้าหมายรายไตรมาส", "Disbursement against the quarterly targets"),
    "progress": ("ความก้าวหน้ารายพื้นที่", "Progress by area"),
    "late": ("โครงการล่าช้าและเสี่ยงล่าช้า", "Late and at-risk projects"),
    "stale": ("โครงการที่ข้อมูลไม่เป็นปัจจุบัน", "Projects whose data is out of date"),
    "scorecards": ("ผลการดำเนินงานของหน่วยงาน", "Agency scorecards"),
}

_L = {
    "stage": ("ขั้นตอน", "Stage"), "needs": ("จำนวนความต้องการ", "Needs"),
    "share": ("ร้อยละของทั้งหมด", "% of all"), "step": ("ร้อยละจากขั้นก่อน", "% of previous"),
    "authority": ("ผู้ดำเนินการ", "Who acts"), "baht_m": ("ประมาณการ (ล้านบาท)", "Estimate (M baht)"),
    "fit": ("สอดคล้องยุทธศาสตร์", "Fit a strategic issue"),
    "strategy": ("ประเด็นยุทธศาสตร์", "Strategic issue"), "category": ("ประเภท", "Category"),
    "district": ("อำเภอ", "District"), "province": ("จังหวัด", "Province"),
    "subdistrict": ("ตำบล", "Sub-district"), "village": ("รหัสหมู่บ้าน", "Village code"),
    "villages": ("หมู่บ้านทั้งหมด", "Villages"), "silent": ("ไม่มีความต้องการ", "No needs"),
    "silent_share": ("ร้อยละไม่มีความต้องการ", "% silent"),
    "need_id": ("รหัสความต้องการ", "Need"), "description": ("รายละเอียด", "Description"),
    "days": ("รอมาแล้ว (วัน)", "Days waiting"), "since": ("ตั้งแต่", "Since"),
    "households": ("ครัวเรือน", "Households"),
    "rank": ("อันดับ", "Rank"), "project": ("รหัสโครงการ", "Project"),
    "name": ("ชื่อโครงการ", "Project name"), "agency": ("หน่วยงาน", "Agency"),
    "cost_m": ("งบประมาณ (ล้านบาท)", "Cost (M baht)"), "score": ("คะแนน", "Score"),
    "missing": ("เอกสารที่ยังขาด", "Still lacks"), "status": ("สถานะ", "Status"),
    "criterion": ("เกณฑ์", "Criterion"), "weight": ("น้ำหนักที่กำหนด", "Weight given"),
    "weight_share": ("สัดส่วนน้ำหนัก", "Share of weights"), "how": ("วิธีคิด", "How computed"),
    "change": ("การปรับน้ำหนัก", "Weight change"), "kept": ("คงอยู่ในอันดับต้น", "Still in top"),
    "kept_share": ("สัดส่วนที่คงอยู่", "Share kept"), "entered": ("เข้ามาใหม่", "Entered"),
    "left": ("หลุดออก", "Left"), "same_first": ("อันดับ 1 คงเดิม", "Same number one"),
    "max_shift": ("อันดับเปลี่ยนมากสุด", "Largest rank shift"),
    "document": ("เอกสาร", "Document"), "count": ("จำนวนโครงการ", "Proposals"),
    "group": ("สถานะ", "Status"), "projects": ("จำนวนโครงการ", "Projects"),
    "baht": ("งบประมาณ (ล้านบาท)", "Baht (million)"),
    "quarter": ("ไตรมาส", "Quarter"), "target": ("เป้าหมาย (%)", "Target (%)"),
    "disbursed": ("เบิกจ่ายสะสม (%)", "Disbursed (%)"),
    "disbursed_m": ("เบิกจ่าย (ล้านบาท)", "Disbursed (M baht)"),
    "allocated_m": ("งบจัดสรร (ล้านบาท)", "Allocated (M baht)"),
    "reports": ("จำนวนรายงาน", "Reports"), "physical": ("ผลงาน (%)", "Physical (%)"),
    "late": ("ล่าช้า", "Late"), "at_risk": ("เสี่ยงล่าช้า", "At risk"),
    "stale": ("ข้อมูลไม่เป็นปัจจุบัน", "Stale"), "updated": ("รายงานไตรมาสนี้ (%)", "Updated (%)"),
    "planned_end": ("กำหนดแล้วเสร็จ", "Planned end"), "problems": ("ปัญหาอุปสรรค", "Problems"),
    "last_q": ("รายงานล่าสุด", "Last report"), "time": ("เวลาผ่านไป (%)", "Time elapsed (%)"),
    "ranked": ("จัดอันดับ", "Ranked"),
}


def heading(key: str, lang: str = "th", level: int = 2) -> str:
    """A Markdown section heading in the report language."""
    th, en = _HEADINGS[key]
    return f"{'#' * level} {th if lang == 'th' else en}"


def _l(key: str, lang: str) -> str:
    th, en = _L[key]
    return th if lang == "th" else en


def _m(x) -> float:
    return round(float(x) / 1e6, 2)


def _pct(x) -> float:
    return round(float(x) * 100, 1) if pd.notna(x) else np.nan


@dataclass
class PlanRun:
    """Everything one plan report (needs → plan or follow-up) shows."""

    params: Params
    province: areas.Province | None      # None = national
    fiscal_year: int
    lang: str
    db_meta: dict[str, str]
    db_path: str | None = None
    data: dict[str, pd.DataFrame] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str | None:
        return self.province.code if self.province else None

    @property
    def synthetic(self) -> bool:
        return self.db_meta.get("synthetic") == "true"

    @property
    def place(self) -> str:
        if self.province is None:
            return "ทั้งประเทศ" if self.lang == "th" else "all provinces"
        return (f"จังหวัด{self.province.name_th}" if self.lang == "th"
                else self.province.name_en)

    @property
    def area_key(self) -> tuple[str, str]:
        """Column of the area code and of its name: districts in a province report,
        provinces in the national one."""
        name = "_name" if self.lang == "th" else "_name_en"
        return ("district_code", f"district{name}") if self.province else (
            "province_code", f"province{name}")

    def keep(self, name: str, df: pd.DataFrame) -> pd.DataFrame:
        """Remember a shown table for the CSV/XLSX export; returns it."""
        self.tables[name] = df
        return df

    def connect(self):
        return db.connect(self.db_path, read_only=True)


def _start(province_code: str, fiscal_year: int, lang: str, db_path: str | None) -> PlanRun:
    code = province_code or None
    params = load_params(code, overrides={"fiscal_year": int(fiscal_year),
                                          "report": {"language": lang}})
    prov = areas.province(code) if code else None
    con = db.connect(db_path or None, read_only=True)
    try:
        meta = db.meta(con)
    finally:
        con.close()
    return PlanRun(params=params, province=prov, fiscal_year=int(fiscal_year),
                   lang=params.report.language, db_meta=meta, db_path=db_path or None)


def _province_names(con) -> pd.DataFrame:
    return con.execute("SELECT code AS province_code, name_th AS province_name, "
                       "name_en AS province_name_en FROM areas WHERE level = 'province'").df()


def _with_province_names(con, df: pd.DataFrame) -> pd.DataFrame:
    return df.merge(_province_names(con), on="province_code", how="left")


def as_of(run: PlanRun) -> date:
    """The day the data stands at: the sample's snapshot (``meta.plan_as_of``) or the
    last stage recorded."""
    v = run.db_meta.get("plan_as_of")
    if v:
        return date.fromisoformat(v)
    con = run.connect()
    try:
        return needs.as_of_date(con, run.fiscal_year)
    finally:
        con.close()


def _synthetic_note(run: PlanRun) -> str:
    if not run.synthetic:
        return ""
    note = run.db_meta.get("synthetic_note_th" if run.lang == "th" else "synthetic_note_en")
    return f"\n\n**{note}**"


# === needs → plan =======================================================================

def run_needs_plan(province_code: str, fiscal_year: int = 2570, lang: str = "th",
                   db_path: str | None = None) -> PlanRun:
    """Load and compute everything the needs → plan report shows.

    Args:
        province_code: two-digit code; "" = national.

    Raises:
        oneplan.core.areas.UnknownAreaError: unknown province.
        oneplan.data.params.ParamsError: bad parameters (file and key named).
        oneplan.data.db.DatabaseMissingError: no database.
    """
    run = _start(province_code, fiscal_year, lang, db_path)
    con = run.connect()
    try:
        n = needs.load_needs(con, run.code, run.fiscal_year)
        st = needs.load_stages(con, run.code, run.fiscal_year)
        if run.province:
            needs.check_strategies(con, run.code, run.params)
            silent_by = needs.silent_by_district(con, run.code, run.fiscal_year)
        else:
            silent_by = con.execute(
                "SELECT v.province_code, count(*) AS villages, count(*) FILTER (WHERE NOT "
                "EXISTS (SELECT 1 FROM needs n WHERE n.village_code = v.code AND "
                "n.fiscal_year = ?)) AS silent FROM areas v WHERE v.level = 'village' "
                "GROUP BY 1 ORDER BY 1", [run.fiscal_year]).df()
            silent_by = _with_province_names(con, silent_by).assign(
                silent_share=lambda t: t["silent"] / t["villages"].clip(lower=1))
        silent = needs.silent_villages(con, run.code, run.fiscal_year)
        props = con.execute(
            "SELECT p.*, a.name_th AS agency_name, a.name_en AS agency_name_en "
            "FROM proposals p LEFT JOIN agencies a USING (agency_id) WHERE p.fiscal_year = ? "
            + ("AND p.province_code = ? " if run.code else "") + "AND p.status <> 'cancelled' "
            "ORDER BY p.project_id", [run.fiscal_year] + ([run.code] if run.code else [])).df()
        projects = governor.load_projects(con, run.code, run.fiscal_year)
        if run.province is None:
            projects = _with_province_names(con, projects)
        figures = needs.cookbook_figures(con, run.code, run.fiscal_year, run.params)
    finally:
        con.close()
    screened = set(st.loc[st["stage"] == "tambon_screened", "need_id"])
    classified = needs.classify(n, run.params) if len(n) else n.assign(
        authority=None, strategy_no=None, rule_no=None)
    classified["screened"] = classified["need_id"].isin(screened)
    run.data.update(needs=n, stages=st, classified=classified, silent=silent,
                    silent_by=silent_by, proposals=props,
                    ranked=ranking.rank_proposals(props, run.params.ranking.weights),
                    projects=projects)
    run.extra["figures"] = figures
    run.extra["as_of"] = as_of(run)
    return run


def title_needs(run: PlanRun) -> str:
    if run.lang == "th":
        return f"จากความต้องการของหมู่บ้านสู่แผนพัฒนา{run.place} ปีงบประมาณ {run.fiscal_year}"
    return f"From village needs to the development plan, {run.place}, fiscal year {run.fiscal_year} BE"


def intro_needs(run: PlanRun) -> str:
    d = thai.format_date(run.extra["as_of"], lang=run.lang)
    if run.lang == "th":
        text = (f"รายงานนี้ติดตามความต้องการที่หมู่บ้านบันทึกด้วยรหัสหมู่บ้าน ผ่านการกลั่นกรองของ กบต. "
                f"และ กบอ. สู่แผนพัฒนาจังหวัด ตามแนวทาง Surin One Plan และจัดลำดับข้อเสนอโครงการ"
                f"ของหน่วยงานด้วยเกณฑ์และน้ำหนักที่เปิดเผยตามแนวทาง Plan101Pro ของจังหวัดร้อยเอ็ด "
                f"ข้อมูล ณ วันที่ {d}")
    else:
        text = (f"This report follows the needs villages enter with their village code through "
                f"the sub-district and district committees into the provincial plan (Surin One "
                f"Plan), and ranks the agencies' proposals with published criteria and weights "
                f"(Roi Et's Plan101Pro). Data as of {d}.")
    return text + _synthetic_note(run)


def funnel_table(run: PlanRun) -> pd.DataFrame:
    f = needs.funnel(run.data["stages"], run.data["needs"])
    run.extra["funnel"] = f
    L = run.lang
    return run.keep("funnel", pd.DataFrame({
        _l("stage", L): [vocab.name(vocab.AUTHORITY_LEVELS, "village", L) if s == "self_help"
                         else vocab.name(vocab.NEED_STAGES, s, L) for s in f["stage"]],
        _l("needs", L): f["needs"].astype(int),
        _l("share", L): (f["share"] * 100).round(1),
        _l("step", L): (f["step_share"] * 100).round(1),
    }))


def funnel_chart(run: PlanRun):
    if "funnel" not in run.extra:
        funnel_table(run)
    return plancharts.funnel_chart(run.extra["funnel"], run.lang)


def interpret_funnel(run: PlanRun) -> str:
    f = run.extra.get("funnel")
    if f is None:
        funnel_table(run)
        f = run.extra["funnel"]
    g = f.set_index("stage")["needs"]
    fig = run.extra["figures"]
    n = int(g["submitted"])
    med = fig["median_days_to_plan"]
    if n == 0:
        return ("ยังไม่มีความต้องการที่บันทึกในปีงบประมาณนี้" if run.lang == "th"
                else "No needs are recorded for this fiscal year yet.")
    if run.lang == "th":
        return (f"จากความต้องการ {thai.format_int(n)} รายการ เข้าสู่แผนพัฒนาจังหวัด "
                f"{thai.format_int(g['in_plan'])} รายการ ({g['in_plan'] / n * 100:.0f}%) ได้รับจัดสรรงบ "
                f"{thai.format_int(g['allocated'])} รายการ และแล้วเสร็จ {thai.format_int(g['completed'])} "
                f"รายการ หมู่บ้านดำเนินการเอง {thai.format_int(g['self_help'])} รายการ ไม่ผ่านการพิจารณา {thai.format_int(g['rejected'])} และรวมกับความต้องการอื่น "
                f"{thai.format_int(g['merged'])} รายการ"
                + (f" ความต้องการใช้เวลาเฉลี่ย (มัธยฐาน) {med:.0f} วันจากหมู่บ้านถึงแผนจังหวัด"
                   if med is not None else ""))
    return (f"Of {n:,} needs, {g['in_plan']:,} ({g['in_plan'] / n * 100:.0f}%) reached the "
            f"provincial plan, {g['allocated']:,} got a budget and {g['completed']:,} are "
            f"completed; villages took on {g['self_help']:,} themselves; {g['rejected']:,} were rejected and {g['merged']:,} merged into "
            "another need"
            + (f". A need takes a median {med:.0f} days from the village to the plan."
               if med is not None else "."))


def classification_tables(run: PlanRun) -> dict[str, pd.DataFrame]:
    """Needs screened by the กบต. by authority level (rules of params) and by strategic
    issue."""
    L = run.lang
    c = run.data["classified"]
    c = c[c["screened"]]
    t = needs.classification_table(c)
    by_auth = run.keep("classification", pd.DataFrame({
        _l("authority", L): [("ยังจำแนกไม่ได้ (ไม่มีประมาณการ)" if L == "th"
                              else "Unclassified (no estimate)") if a == "unclassified"
                             else vocab.name(vocab.AUTHORITY_LEVELS, a, L)
                             for a in t["authority"]],
        _l("needs", L): t["needs"].astype(int),
        _l("share", L): (t["share"] * 100).round(1),
        _l("baht_m", L): (t["estimated_baht"] / 1e6).round(1),
        _l("fit", L): t["fit_strategy"].astype(int),
    }))
    con = run.connect()
    try:
        issues = con.execute("SELECT DISTINCT issue_no, name_th, name_en FROM strategic_issues"
                             + (" WHERE province_code = ?" if run.code else "")
                             + " ORDER BY issue_no", [run.code] if run.code else []).df()
        issues = issues.drop_duplicates("issue_no")
    finally:
        con.close()
    s = c.groupby(c["strategy_no"].fillna(-1).astype(int)).agg(
        needs=("need_id", "size"), baht=("estimated_cost", "sum")).reset_index()
    names = dict(zip(issues["issue_no"], issues["name_th" if L == "th" else "name_en"]))
    none = "ไม่สอดคล้องประเด็นยุทธศาสตร์" if L == "th" else "Does not fit"
    by_strat = run.keep("strategy_fit", pd.DataFrame({
        _l("strategy", L): [none if k < 0 else f"{k}. {names.get(k, '')}"
                            for k in s["strategy_no"]],
        _l("needs", L): s["needs"].astype(int),
        _l("baht_m", L): (s["baht"] / 1e6).round(1),
    }))
    run.extra["classification"] = t
    return {"authority": by_auth, "strategy": by_strat}


def interpret_classification(run: PlanRun) -> str:
    t = run.extra.get("classification")
    if t is None:
        classification_tables(run)
        t = run.extra["classification"]
    total = max(int(t["needs"].sum()), 1)
    local = int(t.loc[t["authority"].isin(["village", "lao", "joint"]), "needs"].sum())
    fit = int(t["fit_strategy"].sum())
    if run.lang == "th":
        return (f"ตามเกณฑ์ใน params (ประเภทและวงเงิน) ความต้องการที่ผ่าน กบต. แล้ว {local / total * 100:.0f}% "
                f"หมู่บ้านหรือท้องถิ่นดำเนินการเองหรือร่วมกันได้ ส่วนที่เหลือต้องส่งต่ออำเภอ จังหวัด หรือกรม "
                f"และ {fit / total * 100:.0f}% สอดคล้องกับประเด็นยุทธศาสตร์ของจังหวัด")
    return (f"By the rules in params (category and cost), {local / total * 100:.0f}% of the "
            "screened needs can be done by the village or local government, alone or jointly; "
            f"the rest go to the district, province or a department. {fit / total * 100:.0f}% fit "
            "a strategic issue of the province.")


def silent_table(run: PlanRun) -> pd.DataFrame:
    L = run.lang
    s = run.data["silent_by"]
    code, name = run.area_key
    name = name if name in s else ("province_name" if run.province is None else "district_name")
    t = pd.DataFrame({
        _l("district" if run.province else "province", L): s[name],
        _l("villages", L): s["villages"].astype(int),
        _l("silent", L): s["silent"].astype(int),
        _l("silent_share", L): (s["silent_share"] * 100).round(1),
    }).sort_values(_l("silent_share", L), ascending=False)
    return run.keep("silent_villages", t)


def silent_list(run: PlanRun, rows: int = 30) -> pd.DataFrame:
    L = run.lang
    s = run.data["silent"]
    sub = "subdistrict_name" if L == "th" else "subdistrict_name_en"
    dist = "district_name" if L == "th" else "district_name_en"
    t = pd.DataFrame({_l("village", L): s["village_code"], _l("subdistrict", L): s[sub],
                      _l("district", L): s[dist],
                      _l("households", L): s["households"].astype("Int64")})
    run.keep("silent_village_list", t)
    return t.head(rows)


def silent_map(run: PlanRun):
    from oneplan.charts import maps

    s = run.data["silent_by"]
    title = ("ร้อยละของหมู่บ้านที่ไม่มีความต้องการ" if run.lang == "th"
             else "Share of villages with no needs recorded (%)")
    if run.province is None:
        return maps.province_choropleth(s.set_index("province_code")["silent_share"] * 100,
                                        title=title, legend_label="%", lang=run.lang,
                                        cmap="Oranges")
    return maps.district_choropleth(s.set_index("district_code")["silent_share"] * 100,
                                    run.code, title=title, legend_label="%", lang=run.lang,
                                    cmap="Oranges")


def interpret_silent(run: PlanRun) -> str:
    s = run.data["silent_by"]
    n, k = int(s["villages"].sum()), int(s["silent"].sum())
    name = run.area_key[1] if run.area_key[1] in s else "district_name"
    top = s.sort_values("silent_share", ascending=False).iloc[0] if len(s) else None
    if run.lang == "th":
        text = (f"{thai.format_int(k)} จาก {thai.format_int(n)} หมู่บ้าน ({k / max(n, 1) * 100:.0f}%) "
                "ยังไม่ได้บันทึกความต้องการในปีนี้ ")
        if top is not None:
            where = f"อำเภอ{top[name]}" if run.province else f"จังหวัด{top[name]}"
            who = "อำเภอ" if run.province else "จังหวัด"
            text += (f"สูงสุดที่{where} ({top['silent_share'] * 100:.0f}%) "
                     f"ควรให้{who}ติดตามว่าหมู่บ้านไม่มีความต้องการจริงหรือยังไม่ได้บันทึก")
        return text
    text = f"{k:,} of {n:,} villages ({k / max(n, 1) * 100:.0f}%) recorded no need this year"
    if top is not None:
        who = "district" if run.province else "province"
        return text + (f"; most in {top[name]} ({top['silent_share'] * 100:.0f}%). The {who} "
                       "should check whether these villages have no needs or have not entered "
                       "them.")
    return text + "."


def waiting_table(run: PlanRun) -> pd.DataFrame:
    L = run.lang
    w = needs.waiting_longest(run.data["needs"], run.data["stages"], run.extra["as_of"],
                              rows=run.params.needs.waiting_rows)
    run.extra["waiting"] = w
    dist = "district_name" if L == "th" else "district_name_en"
    return run.keep("waiting_longest", pd.DataFrame({
        _l("need_id", L): w["need_id"], _l("village", L): w["village_code"],
        _l("district", L): w[dist],
        _l("category", L): needs.name_of(vocab.NEED_CATEGORIES, w["category"], L),
        _l("description", L): w["description"],
        _l("stage", L): needs.name_of(vocab.NEED_STAGES, w["stage"], L),
        _l("since", L): [thai.format_date(pd.Timestamp(d).date(), lang=L, style="short")
                         for d in w["last_stage_on"]],
        _l("days", L): w["days_waiting"].astype(int),
    }))


def interpret_waiting(run: PlanRun) -> str:
    w = run.extra.get("waiting")
    if w is None:
        waiting_table(run)
        w = run.extra["waiting"]
    if w.empty:
        return "ไม่มีความต้องการที่ค้างอยู่" if run.lang == "th" else "No need is waiting."
    all_open = needs.waiting_longest(run.data["needs"], run.data["stages"], run.extra["as_of"],
                                     rows=None)
    top_stage = all_open["stage"].value_counts().index[0]
    if run.lang == "th":
        return (f"ความต้องการที่ยังไม่สิ้นสุด {thai.format_int(len(all_open))} รายการ ส่วนใหญ่ค้างที่ขั้น "
                f"“{vocab.name(vocab.NEED_STAGES, top_stage, 'th')}” รายการที่รอนานที่สุดรอมาแล้ว "
                f"{int(w['days_waiting'].iloc[0])} วัน")
    return (f"{len(all_open):,} needs are still open, most of them at "
            f"'{vocab.name(vocab.NEED_STAGES, top_stage, 'en')}'; the longest has waited "
            f"{int(w['days_waiting'].iloc[0])} days.")


def weights_table(run: PlanRun) -> pd.DataFrame:
    L = run.lang
    w = ranking.weights_table(run.params.ranking.weights, L)
    return run.keep("ranking_weights", pd.DataFrame({
        _l("criterion", L): w["name"], _l("weight", L): w["weight"].round(3),
        _l("weight_share", L): (w["share"] * 100).round(1), _l("how", L): w["how"]}))


_SHORT = {"households": ("ครัวเรือน", "Households"), "cost_effectiveness": ("ความคุ้มค่า", "Value"),
          "strategy_fit": ("ยุทธศาสตร์", "Strategy"), "readiness": ("เอกสาร", "Documents"),
          "village_need": ("ความต้องการหมู่บ้าน", "Village need")}


def ranking_table(run: PlanRun, rows: int | None = None) -> pd.DataFrame:
    """The top of the ranking with each criterion's contribution."""
    L = run.lang
    r = run.data["ranked"]
    rows = rows or run.params.ranking.top_n
    agency = "agency_name" if L == "th" else "agency_name_en"
    t = pd.DataFrame({
        _l("rank", L): r["rank"].astype(int), _l("project", L): r["project_id"],
        _l("name", L): r["name_th"], _l("agency", L): r[agency],
        _l("cost_m", L): (r["cost_baht"] / 1e6).round(2),
        **{_SHORT[c][0 if L == "th" else 1]: r[f"contrib_{c}"].round(3)
           for c in run.params.ranking.weights},
        _l("score", L): r["score"].round(3),
        _l("status", L): needs.name_of(vocab.PROPOSAL_STATUSES, r["status"], L),
    })
    run.keep("ranking", t)
    return t.head(rows)


def contributions_chart(run: PlanRun):
    crit = {c: ranking.CRITERIA[c] for c in run.params.ranking.weights}
    return plancharts.contributions_chart(run.data["ranked"], crit, run.lang)


def interpret_ranking(run: PlanRun) -> str:
    r = run.data["ranked"]
    n = run.params.ranking.top_n
    if r.empty:
        return "ไม่มีข้อเสนอโครงการ" if run.lang == "th" else "There are no proposals."
    top = r.head(n)
    funded = int(top["status"].isin(followup.FUNDED_STATUSES).sum())
    crit = [c for c in run.params.ranking.weights]
    means = {c: float(top[f"contrib_{c}"].mean()) for c in crit}
    lead = max(means, key=means.get)
    name = ranking.CRITERIA[lead][0 if run.lang == "th" else 1]
    if run.lang == "th":
        return (f"จัดลำดับข้อเสนอ {thai.format_int(len(r))} โครงการ คะแนนของ {len(top)} อันดับแรกมาจาก"
                f"เกณฑ์ “{name}” มากที่สุด และในจำนวนนี้ได้รับงบประมาณแล้ว {funded} โครงการ "
                "คะแนนเป็นค่าสัมพัทธ์ภายในรายการที่จัดลำดับ")
    return (f"{len(r):,} proposals are ranked; among the top {len(top)}, '{name}' contributes "
            f"most to the score, and {funded} of them already have a budget. Scores are "
            "relative to the proposals ranked.")


def documents_table(run: PlanRun) -> pd.DataFrame:
    L = run.lang
    d = ranking.documents_table(run.data["ranked"], L)
    return run.keep("documents_missing", pd.DataFrame({
        _l("document", L): d["document"], _l("count", L): d["missing"].astype(int),
        _l("share", L): (d["share"] * 100).round(1)}))


def lacking_table(run: PlanRun, rows: int = 20) -> pd.DataFrame:
    """What each proposal still lacks (incomplete ones, best ranked first)."""
    L = run.lang
    r = run.data["ranked"]
    r = r[r["readiness"] < 1]
    missing = ranking.missing_documents(r, L)
    t = pd.DataFrame({_l("rank", L): r["rank"].astype(int), _l("project", L): r["project_id"],
                      _l("name", L): r["name_th"],
                      _l("agency", L): r["agency_name" if L == "th" else "agency_name_en"],
                      _l("missing", L): missing})
    run.keep("proposals_lacking", t)
    return t.head(rows)


def interpret_documents(run: PlanRun) -> str:
    r = run.data["ranked"]
    if r.empty:
        return ""
    complete = float((r["readiness"] == 1).mean())
    top = r.head(run.params.ranking.top_n)
    top_incomplete = int((top["readiness"] < 1).sum())
    d = ranking.documents_table(r, run.lang).iloc[:-1].sort_values("missing", ascending=False)
    if run.lang == "th":
        text = (f"ข้อเสนอที่มีเอกสารครบทั้งแบบรูป BOQ ภาพถ่าย และเอกสารที่ดิน {complete * 100:.0f}% "
                f"เอกสารที่ขาดบ่อยที่สุดคือ{d['document'].iloc[0]} ")
        if top_incomplete:
            return text + (f"และใน {len(top)} อันดับแรกยังมี {top_incomplete} โครงการที่เอกสารไม่ครบ "
                           "ซึ่งควรเร่งให้หน่วยงานส่งก่อนขอรับงบ")
        return text + (f"ทั้ง {len(top)} อันดับแรกมีเอกสารครบ เพราะความพร้อมเป็นเกณฑ์หนึ่งของคะแนน")
    text = (f"{complete * 100:.0f}% of proposals have drawings, BOQ, photos and land documents; "
            f"the document most often missing is {d['document'].iloc[0]}")
    if top_incomplete:
        return text + (f", and {top_incomplete} of the top {len(top)} are still incomplete — "
                       "their agencies should send them before the budget request.")
    return text + (f"; all of the top {len(top)} are complete, since readiness is one of the "
                   "criteria.")


def sensitivity_table(run: PlanRun) -> pd.DataFrame:
    L = run.lang
    p = run.params.ranking
    s = ranking.sensitivity(run.data["proposals"], p.weights, top_n=p.top_n,
                            step=p.sensitivity_step)
    run.extra["sensitivity"] = s
    yes, no = ("ใช่", "ไม่") if L == "th" else ("yes", "no")
    return run.keep("sensitivity", pd.DataFrame({
        _l("criterion", L): [ranking.CRITERIA[c][0 if L == "th" else 1] for c in s["criterion"]],
        _l("change", L): [f"{c * 100:+.0f}%" for c in s["change"]],
        _l("kept", L): s["kept"].astype(int),
        _l("kept_share", L): (s["kept_share"] * 100).round(0),
        _l("same_first", L): [yes if v else no for v in s["same_first"]],
        _l("max_shift", L): s["max_rank_shift"].astype(int),
        _l("entered", L): [", ".join(v) for v in s["entered"]],
    }))


def interpret_sensitivity(run: PlanRun) -> str:
    s = run.extra.get("sensitivity")
    if s is None:
        sensitivity_table(run)
        s = run.extra["sensitivity"]
    if s.empty:
        return ""
    worst = s.sort_values("kept_share").iloc[0]
    n = min(run.params.ranking.top_n, len(run.data["proposals"]))
    name = ranking.CRITERIA[worst["criterion"]][0 if run.lang == "th" else 1]
    first = bool(s["same_first"].all())
    if run.lang == "th":
        return (f"เมื่อปรับน้ำหนักแต่ละเกณฑ์ ±{run.params.ranking.sensitivity_step * 100:.0f}% "
                f"โครงการใน {n} อันดับแรกคงอยู่อย่างน้อย {worst['kept_share'] * 100:.0f}% "
                f"(เปลี่ยนมากที่สุดเมื่อปรับเกณฑ์ “{name}” {worst['change'] * 100:+.0f}%) "
                + ("และอันดับ 1 ไม่เปลี่ยน" if first else "และอันดับ 1 เปลี่ยนในบางกรณี"))
    return (f"Moving each weight ±{run.params.ranking.sensitivity_step * 100:.0f}% keeps at least "
            f"{worst['kept_share'] * 100:.0f}% of the top {n} (the largest change when '{name}' "
            f"moves {worst['change'] * 100:+.0f}%); "
            + ("the number one never changes." if first else "the number one changes in some cases."))


def overview_tables(run: PlanRun) -> dict[str, pd.DataFrame]:
    """Done / in progress / awaiting budget: totals, by area, by strategic issue."""
    L = run.lang
    p = run.data["projects"]
    tot = governor.totals(p)
    run.extra["overview_totals"] = tot
    totals = run.keep("overview", pd.DataFrame({
        _l("group", L): [governor.GROUPS[g][0 if L == "th" else 1] for g in tot["group"]],
        _l("projects", L): tot["projects"].astype(int),
        _l("baht", L): (tot["baht"] / 1e6).round(1)}))
    code, name = run.area_key
    by_area = governor.overview_by(p, [code, name])
    run.extra["overview_area"] = by_area
    cols = {name: _l("district" if run.province else "province", L)}
    for g in ("done", "in_progress", "awaiting_budget"):
        gname = governor.GROUPS[g][0 if L == "th" else 1]
        cols[f"{g}_count"] = gname
        cols[f"{g}_baht"] = f"{gname} ({'ล้านบาท' if L == 'th' else 'M baht'})"
    area = by_area[list(cols)].rename(columns=cols)
    for c in area.columns[1:]:
        if "baht" in c or "บาท" in c:
            area[c] = (area[c] / 1e6).round(1)
    run.keep("overview_by_area", area)
    ps = p.assign(strategy=governor.strategy_labels(p, L))
    by_s = governor.overview_by(ps, "strategy")
    strat = by_s[["strategy"] + list(cols)[1:]].rename(
        columns={**cols, "strategy": _l("strategy", L)})
    for c in strat.columns[1:]:
        if "baht" in c or "บาท" in c:
            strat[c] = (strat[c] / 1e6).round(1)
    run.keep("overview_by_strategy", strat)
    return {"totals": totals, "area": area, "strategy": strat}


def overview_chart(run: PlanRun):
    if "overview_area" not in run.extra:
        overview_tables(run)
    return plancharts.overview_chart(run.extra["overview_area"], run.area_key[1],
                                     governor.GROUPS, run.lang)


def interpret_overview(run: PlanRun) -> str:
    t = run.extra.get("overview_totals")
    if t is None:
        overview_tables(run)
        t = run.extra["overview_totals"]
    g = t.set_index("group")
    if run.lang == "th":
        return (f"แล้วเสร็จ {thai.format_int(g.at['done', 'projects'])} โครงการ "
                f"({thai.format_baht(g.at['done', 'baht'])}) อยู่ระหว่างดำเนินการ "
                f"{thai.format_int(g.at['in_progress', 'projects'])} โครงการ "
                f"({thai.format_baht(g.at['in_progress', 'baht'])}) และบรรจุในแผนแต่ยังรองบประมาณ "
                f"{thai.format_int(g.at['awaiting_budget', 'projects'])} โครงการ "
                f"({thai.format_baht(g.at['awaiting_budget', 'baht'])})")
    return (f"{g.at['done', 'projects']:,} projects are done "
            f"({thai.format_baht(g.at['done', 'baht'], 'en')}), "
            f"{g.at['in_progress', 'projects']:,} in progress "
            f"({thai.format_baht(g.at['in_progress', 'baht'], 'en')}) and "
            f"{g.at['awaiting_budget', 'projects']:,} are in the plan awaiting budget "
            f"({thai.format_baht(g.at['awaiting_budget', 'baht'], 'en')}).")


def method_needs(run: PlanRun) -> str:
    p = run.params
    if run.lang == "th":
        return ("ผู้ดำเนินการของแต่ละความต้องการกำหนดจากกฎใน params (needs.authority_rules: ประเภท "
                "และวงเงินไม่เกินที่กำหนด กฎแรกที่ตรงมีผล) ความสอดคล้องยุทธศาสตร์จาก "
                "needs.strategy_by_category ขั้นตอนของคณะกรรมการเป็นไปตามลำดับที่กำหนด "
                "ข้ามขั้นไม่ได้ (ยกเว้นงานที่ตำบลดำเนินการเองไม่ต้องผ่าน กบอ.) คะแนนโครงการคือผลรวมถ่วงน้ำหนัก"
                "ของเกณฑ์ข้างต้น แต่ละเกณฑ์ปรับเป็น 0–1 ภายในรายการ "
                f"ตรวจความไวด้วยการปรับน้ำหนักทีละเกณฑ์ ±{p.ranking.sensitivity_step * 100:.0f}% "
                f"และดู {p.ranking.top_n} อันดับแรก ที่มาของทุกแถวอยู่ในคอลัมน์ source_file/"
                f"source_sheet/source_row ของฐานข้อมูล (oneplan {__version__})")
    return ("Who acts on a need comes from the rules in params (needs.authority_rules: "
            "category and a cost ceiling; the first matching rule wins); strategic fit from "
            "needs.strategy_by_category. Committee stages follow a fixed order and cannot be "
            "skipped (needs the sub-district settles itself skip the district committee). A "
            "proposal's score is the weighted sum of the criteria above, each scaled 0–1 "
            "within the list; the sensitivity check moves one weight at a time by "
            f"±{p.ranking.sensitivity_step * 100:.0f}% and looks at the top {p.ranking.top_n}. "
            "Every row keeps its source_file/source_sheet/source_row in the database "
            f"(oneplan {__version__}).")


def summary_needs(run: PlanRun) -> dict[str, Any]:
    """The machine-readable summary (``needs_plan.summary.json``)."""
    s = run.extra.get("sensitivity")
    if s is None:
        sensitivity_table(run)
        s = run.extra["sensitivity"]
    tot = governor.totals(run.data["projects"]).set_index("group")
    r = run.data["ranked"]
    return {
        "report": "needs_plan", "synthetic": run.synthetic, "province_code": run.code or "",
        "fiscal_year": run.fiscal_year, "lang": run.lang,
        "as_of": run.extra["as_of"].isoformat(),
        **run.extra["figures"],
        "needs_rejected": int((run.data["needs"]["stage"] == "rejected").sum()),
        "needs_merged": int((run.data["needs"]["stage"] == "merged").sum()),
        "villages_silent": int(len(run.data["silent"])),
        "proposals_ranked": int(len(r)),
        "proposals_complete_attachments": int((r["readiness"] == 1).sum()) if len(r) else 0,
        "ranking_weights": {k: float(v) for k, v in run.params.ranking.weights.items()},
        "top_ids": r["project_id"].head(run.params.ranking.top_n).tolist(),
        "sensitivity_min_kept_share": float(s["kept_share"].min()) if len(s) else None,
        "sensitivity_same_first": bool(s["same_first"].all()) if len(s) else None,
        "overview": {g: {"projects": int(tot.at[g, "projects"]),
                         "baht": float(tot.at[g, "baht"])} for g in governor.GROUPS},
        "oneplan_version": __version__,
    }


# === follow-up ============================================================================

def run_followup(province_code: str, fiscal_year: int = 2570, lang: str = "th",
                 db_path: str | None = None, as_of_quarter: int = 0) -> PlanRun:
    """Load and compute the quarterly follow-up (``as_of_quarter`` 0 = params, else the
    latest quarter with a report).

    Raises:
        oneplan.core.areas.UnknownAreaError, oneplan.data.params.ParamsError,
        oneplan.data.db.DatabaseMissingError.
    """
    run = _start(province_code, fiscal_year, lang, db_path)
    con = run.connect()
    try:
        funded = followup.load_funded(con, run.code, run.fiscal_year)
        progress = followup.load_progress(con, run.code, run.fiscal_year)
        if run.province is None:
            funded = _with_province_names(con, funded)
        figures = followup.cookbook_figures(con, run.code, run.fiscal_year, run.params)
    finally:
        con.close()
    status = followup.project_status(funded, progress, run.fiscal_year, run.params,
                                     as_of_quarter or None)
    q = status.attrs["as_of_quarter"]
    run.data.update(funded=funded, progress=progress, status=status,
                    by_quarter=followup.disbursement_by_quarter(funded, progress, run.params, q),
                    cards=followup.scorecards(status, run.params))
    run.extra.update(figures=figures, as_of_quarter=q,
                     as_of=followup.quarter_end(run.fiscal_year, q))
    return run


def title_followup(run: PlanRun) -> str:
    q = run.extra["as_of_quarter"]
    if run.lang == "th":
        return (f"การติดตามโครงการรายไตรมาส {run.place} ปีงบประมาณ {run.fiscal_year} "
                f"ไตรมาสที่ {q}")
    return f"Quarterly follow-up of projects, {run.place}, fiscal year {run.fiscal_year} BE, Q{q}"


def intro_followup(run: PlanRun) -> str:
    n = len(run.data["status"])
    alloc = float(run.data["status"]["allocated_baht"].sum())
    d = thai.format_date(run.extra["as_of"], lang=run.lang)
    if run.lang == "th":
        text = (f"หน่วยงานรายงานผลโครงการที่ได้รับงบประมาณทุก 3 เดือน (แนวทาง Plan101Pro) รายงานนี้สรุป "
                f"{thai.format_int(n)} โครงการ งบจัดสรร {thai.format_baht(alloc)} ณ สิ้นไตรมาส "
                f"({d}) เทียบเป้าหมายการเบิกจ่ายสะสม "
                f"{'/'.join(f'{t:g}' for t in run.params.followup.disbursement_targets_pct)}% ต่อไตรมาส")
    else:
        text = (f"Agencies report every funded project each quarter (Plan101Pro). This report "
                f"covers {n:,} projects with {thai.format_baht(alloc, 'en')} allocated, as of "
                f"the end of the quarter ({d}), against cumulative disbursement targets of "
                f"{'/'.join(f'{t:g}' for t in run.params.followup.disbursement_targets_pct)}%.")
    return text + _synthetic_note(run)


def disbursement_table(run: PlanRun) -> pd.DataFrame:
    L = run.lang
    b = run.data["by_quarter"]
    return run.keep("disbursement_by_quarter", pd.DataFrame({
        _l("quarter", L): [f"Q{q}" for q in b["quarter"]],
        _l("target", L): (b["target_share"] * 100).round(1),
        _l("disbursed", L): (b["disbursed_share"] * 100).round(1),
        _l("disbursed_m", L): (b["disbursed_baht"] / 1e6).round(1),
        _l("reports", L): b["reports"].astype(int)}))


def disbursement_chart(run: PlanRun):
    return plancharts.disbursement_chart(run.data["by_quarter"], run.lang)


def interpret_disbursement(run: PlanRun) -> str:
    b = run.data["by_quarter"]
    q = run.extra["as_of_quarter"]
    row = b[b["quarter"] == q].iloc[0]
    actual, target = row["disbursed_share"] * 100, row["target_share"] * 100
    gap = actual - target
    if np.isnan(actual):
        return "ยังไม่มีโครงการที่ได้รับงบ" if run.lang == "th" else "No funded project yet."
    if run.lang == "th":
        return (f"ณ สิ้นไตรมาสที่ {q} เบิกจ่ายสะสม {actual:.1f}% ของงบที่ได้รับจัดสรร "
                + (f"ต่ำกว่าเป้าหมาย {target:.0f}% อยู่ {-gap:.1f} จุด" if gap < 0
                   else f"สูงกว่าเป้าหมาย {target:.0f}% อยู่ {gap:.1f} จุด"))
    return (f"By the end of Q{q}, {actual:.1f}% of the allocation is disbursed, "
            + (f"{-gap:.1f} points below the {target:.0f}% target." if gap < 0
               else f"{gap:.1f} points above the {target:.0f}% target."))


def area_table(run: PlanRun) -> pd.DataFrame:
    L = run.lang
    st = run.data["status"]
    code, name = run.area_key
    g = st.groupby([code, name], dropna=False).agg(
        projects=("project_id", "size"), allocated=("allocated_baht", "sum"),
        disbursed=("disbursed_baht", "sum"), physical=("physical_pct", "mean"),
        late=("late", "sum"), at_risk=("at_risk", "sum"), stale=("stale", "sum")).reset_index()
    g["share"] = g["disbursed"] / g["allocated"]
    run.extra["by_area"] = g
    return run.keep("progress_by_area", pd.DataFrame({
        _l("district" if run.province else "province", L): g[name],
        _l("projects", L): g["projects"].astype(int),
        _l("allocated_m", L): (g["allocated"] / 1e6).round(1),
        _l("disbursed", L): (g["share"] * 100).round(1),
        _l("physical", L): g["physical"].round(1),
        _l("late", L): g["late"].astype(int), _l("at_risk", L): g["at_risk"].astype(int),
        _l("stale", L): g["stale"].astype(int)}).sort_values(_l("disbursed", L)))


def stage_table(run: PlanRun) -> pd.DataFrame:
    """Funded projects by the stage their last report gave (procurement, contract, works,
    completed; 'not reported' for none)."""
    L = run.lang
    st = run.data["status"]
    stage = st["stage_reported"].fillna("none")
    g = st.assign(_s=stage).groupby("_s").agg(
        projects=("project_id", "size"), allocated=("allocated_baht", "sum"),
        disbursed=("disbursed_baht", "sum"), physical=("physical_pct", "mean"))
    order = [s for s in (*needs.MAIN_LINE, "none") if s in g.index]
    g = g.reindex(order)
    none = "ยังไม่รายงาน" if L == "th" else "not reported"
    return run.keep("projects_by_stage", pd.DataFrame({
        _l("stage", L): [none if s == "none" else vocab.name(vocab.NEED_STAGES, s, L)
                         for s in g.index],
        _l("projects", L): g["projects"].astype(int).to_numpy(),
        _l("allocated_m", L): (g["allocated"] / 1e6).round(1).to_numpy(),
        _l("disbursed", L): (g["disbursed"] / g["allocated"] * 100).round(1).to_numpy(),
        _l("physical", L): g["physical"].round(1).to_numpy()}))


def area_map(run: PlanRun):
    from oneplan.charts import maps

    if "by_area" not in run.extra:
        area_table(run)
    g = run.extra["by_area"]
    title = ("ร้อยละการเบิกจ่ายสะสม" if run.lang == "th" else "Disbursed, % of allocation")
    v = g.set_index(run.area_key[0])["share"] * 100
    if run.province is None:
        return maps.province_choropleth(v, title=title, legend_label="%", lang=run.lang)
    return maps.district_choropleth(v, run.code, title=title, legend_label="%", lang=run.lang)


def interpret_area(run: PlanRun) -> str:
    if "by_area" not in run.extra:
        area_table(run)
    g = run.extra["by_area"].dropna(subset=["share"]).sort_values("share")
    if g.empty:
        return ""
    lo, hi = g.iloc[0], g.iloc[-1]
    name = run.area_key[1]
    st = run.data["status"]
    waiting = int(st["stage_reported"].isin(["allocated", "procurement"]).sum())
    if run.lang == "th":
        unit = "อำเภอ" if run.province else "จังหวัด"
        return (f"{unit}{lo[name]}เบิกจ่ายต่ำที่สุด ({lo['share'] * 100:.0f}%) และ{unit}{hi[name]}สูงที่สุด "
                f"({hi['share'] * 100:.0f}%) ผลงานเฉลี่ยทั้งหมด "
                f"{st['physical_pct'].mean():.0f}% และยังอยู่ในขั้นจัดซื้อจัดจ้าง "
                f"{thai.format_int(waiting)} โครงการ")
    return (f"{lo[name]} has disbursed least ({lo['share'] * 100:.0f}%) and {hi[name]} most "
            f"({hi['share'] * 100:.0f}%); average physical progress is "
            f"{st['physical_pct'].mean():.0f}%, and {waiting:,} projects are still in "
            "procurement.")


def _project_rows(run: PlanRun, df: pd.DataFrame) -> pd.DataFrame:
    L = run.lang
    agency = "agency_name" if L == "th" else "agency_name_en"
    return pd.DataFrame({
        _l("project", L): df["project_id"], _l("name", L): df["name_th"],
        _l("agency", L): df[agency],
        _l("allocated_m", L): (df["allocated_baht"] / 1e6).round(2),
        _l("disbursed", L): (df["disbursed_share"] * 100).round(1),
        _l("physical", L): df["physical_pct"].round(1),
        _l("time", L): (df["time_share"] * 100).round(0),
        _l("planned_end", L): [thai.format_date(pd.Timestamp(d).date(), lang=L, style="short")
                               if pd.notna(d) else "–" for d in df["planned_end"]],
        _l("problems", L): df["problems"].fillna("–"),
    })


def late_table(run: PlanRun, rows: int = 25) -> pd.DataFrame:
    st = run.data["status"]
    late = st[st["late"] | st["at_risk"]].assign(
        _gap=lambda t: t["time_share"] * 100 - t["physical_pct"]).sort_values(
        ["late", "_gap"], ascending=[False, False])
    L = run.lang
    t = _project_rows(run, late)
    t.insert(0, _l("status", L), np.where(late["late"], _l("late", L), _l("at_risk", L)))
    run.keep("late_at_risk", t)
    return t.head(rows)


def interpret_late(run: PlanRun) -> str:
    st = run.data["status"]
    n, late, risk = len(st), int(st["late"].sum()), int(st["at_risk"].sum())
    probs = st.loc[st["late"] | st["at_risk"], "problems"].dropna()
    top = probs.value_counts().index[0] if len(probs) else None
    if run.lang == "th":
        return (f"โครงการเลยกำหนดแล้วเสร็จแต่ยังไม่เสร็จ {late} โครงการ และเสี่ยงล่าช้า (ผลงานหรือการเบิกจ่าย"
                f"ตามหลังเกิน {run.params.followup.at_risk_gap_pct:g} จุด) อีก {risk} โครงการ จาก "
                f"{thai.format_int(n)} โครงการ" + (f" ปัญหาที่รายงานบ่อยที่สุดคือ “{top}”" if top else ""))
    return (f"{late} projects are past their planned end and not finished, and {risk} more are "
            f"at risk (works or disbursement more than {run.params.followup.at_risk_gap_pct:g} "
            f"points behind), of {n:,}." + (f" The problem reported most often: “{top}”." if top
                                              else ""))


def stale_table(run: PlanRun, rows: int = 25) -> pd.DataFrame:
    L = run.lang
    st = run.data["status"]
    s = st[st["stale"]].sort_values(["quarters_since_update", "project_id"],
                                    ascending=[False, True], na_position="first")
    t = _project_rows(run, s)
    t.insert(3, _l("last_q", L), [f"Q{int(q)}" if pd.notna(q) else "–"
                                  for q in s["last_quarter"]])
    run.keep("stale", t)
    return t.head(rows)


def interpret_stale(run: PlanRun) -> str:
    st = run.data["status"]
    n = int(st["stale"].sum())
    share = float(st["updated_this_quarter"].mean()) if len(st) else 0.0
    k = run.params.followup.stale_after_quarters
    if run.lang == "th":
        return (f"รายงานครบในไตรมาสนี้ {share * 100:.0f}% ของโครงการ มี {n} โครงการที่ไม่ได้ปรับข้อมูล"
                f"เกิน {k} ไตรมาส ตัวเลขของโครงการเหล่านี้ยกมาจากรายงานครั้งล่าสุด "
                "ควรให้หน่วยงานปรับข้อมูลก่อนการประชุมติดตามครั้งถัดไป")
    return (f"{share * 100:.0f}% of projects reported this quarter; {n} have not been updated "
            f"for more than {k} quarter(s) and their figures are carried from their last report "
            "— the agencies should update them before the next follow-up meeting.")


def scorecard_table(run: PlanRun, ranked_only: bool = True) -> pd.DataFrame:
    """Agency scorecards; the report shows the ranked agencies (the export has all)."""
    L = run.lang
    c = run.data["cards"]
    name = "agency_name" if L == "th" else "agency_name_en"
    yes, no = ("ใช่", "ไม่ (โครงการน้อย)") if L == "th" else ("yes", "no (too few projects)")
    t = run.keep("agency_scorecards", pd.DataFrame({
        _l("rank", L): c["rank"], _l("agency", L): c[name].fillna(c["agency_id"]),
        _l("projects", L): c["projects"].astype(int),
        _l("allocated_m", L): (c["allocated_baht"] / 1e6).round(1),
        _l("disbursed", L): (c["disbursed_share"] * 100).round(1),
        _l("physical", L): c["physical_pct"].round(1),
        _l("late", L): c["late"].astype(int), _l("at_risk", L): c["at_risk"].astype(int),
        _l("stale", L): c["stale"].astype(int),
        _l("updated", L): (c["updated_share"] * 100).round(0),
        _l("score", L): c["score"].round(3),
        _l("ranked", L): [yes if r else no for r in c["ranked"]]}))
    return t[c["ranked"].to_numpy()] if ranked_only else t


def scorecard_chart(run: PlanRun):
    name = "agency_name" if run.lang == "th" else "agency_name_en"
    return plancharts.scorecard_chart(run.data["cards"], name, run.lang)


def interpret_scorecards(run: PlanRun) -> str:
    c = run.data["cards"]
    ranked = c[c["ranked"]]
    k = run.params.followup.min_projects_scorecard
    unranked = int((~c["ranked"]).sum())
    name = "agency_name" if run.lang == "th" else "agency_name_en"
    if ranked.empty:
        return (f"ไม่มีหน่วยงานที่มีโครงการถึง {k} โครงการ จึงไม่จัดอันดับ" if run.lang == "th"
                else f"No agency has {k} or more projects, so none is ranked.")
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    if run.lang == "th":
        return (f"จัดอันดับเฉพาะหน่วยงานที่มีโครงการอย่างน้อย {k} โครงการ ({len(ranked)} หน่วยงาน; "
                f"อีก {unranked} หน่วยงานอยู่ในไฟล์ส่งออกแต่ไม่จัดอันดับ) {best[name]}มีผลรวมดีที่สุด "
                f"(เบิกจ่าย {best['disbursed_share'] * 100:.0f}%) และ{worst[name]}ควรได้รับการติดตามมากที่สุด "
                f"(เบิกจ่าย {worst['disbursed_share'] * 100:.0f}%)")
    return (f"Only agencies with at least {k} projects are ranked ({len(ranked)}; {unranked} more "
            f"are in the exported table without a rank). {best[name]} does best (disbursed "
            f"{best['disbursed_share'] * 100:.0f}%) and {worst[name]} needs the closest follow-up "
            f"(disbursed {worst['disbursed_share'] * 100:.0f}%).")


def summary_followup(run: PlanRun) -> dict[str, Any]:
    """The machine-readable summary (``followup.summary.json``)."""
    st = run.data["status"]
    c = run.data["cards"]
    return {
        "report": "followup", "synthetic": run.synthetic, "province_code": run.code or "",
        "fiscal_year": run.fiscal_year, "lang": run.lang,
        "as_of_quarter": run.extra["as_of_quarter"], "as_of": run.extra["as_of"].isoformat(),
        **run.extra["figures"],
        "at_risk_projects": int(st["at_risk"].sum()),
        "stale_projects": int(st["stale"].sum()),
        "allocated_baht": float(st["allocated_baht"].sum()),
        "disbursed_baht": float(st["disbursed_baht"].sum()),
        "agencies": int(len(c)), "agencies_ranked": int(c["ranked"].sum()),
        "disbursement_targets_pct": list(run.params.followup.disbursement_targets_pct),
        "by_quarter": [{"quarter": int(r.quarter), "target_share": float(r.target_share),
                        "disbursed_share": None if pd.isna(r.disbursed_share)
                        else float(r.disbursed_share)}
                       for r in run.data["by_quarter"].itertuples()],
        "oneplan_version": __version__,
    }


# === files ===============================================================================

def output_dir(run: PlanRun, output_dir: str = "") -> Path:
    """``output_dir`` or ``reports/<fiscal_year>/<province_code or 'national'>``."""
    from oneplan.core.paths import default_reports_dir

    if output_dir:
        return Path(output_dir)
    return default_reports_dir() / str(run.fiscal_year) / (run.code or "national")


def write_summary(summary: dict[str, Any], out_dir: Path) -> Path:
    """Write ``<report>.summary.json`` (floats rounded) and return its path."""
    from oneplan.core.files import write_atomic
    from oneplan.core.format import rounded

    out_dir.mkdir(parents=True, exist_ok=True)
    return write_atomic(out_dir / f"{summary['report']}.summary.json",
                        json.dumps(rounded(summary, places=6), ensure_ascii=False, indent=2, default=str))


def export_tables(run: PlanRun, report: str, out_dir: Path) -> dict[str, Path]:
    """Every table the report showed as CSV (UTF-8 with BOM, so Excel reads the Thai) in
    ``<out_dir>/<report>_tables/`` and all of them in ``<report>.xlsx``; the synthetic
    label goes into the XLSX's first sheet."""

    folder = out_dir / f"{report}_tables"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, df in run.tables.items():
        path = folder / f"{name}.csv"
        df.to_csv(path, index=False, encoding="utf-8-sig")
        paths[name] = path
    note = run.db_meta.get("synthetic_note_th") if run.synthetic else None
    paths["xlsx"] = write_xlsx(run.tables, out_dir / f"{report}.xlsx", note=note)
    return paths


def export_needs_plan(run: PlanRun, out_dir: str = "") -> dict[str, Path]:
    """Summary, tables (CSV/XLSX), the full ranking and the OC4IDS package of the report."""
    out = output_dir(run, out_dir)
    paths = {"summary": write_summary(summary_needs(run), out)}
    paths.update(export_tables(run, "needs_plan", out))
    cols = ["rank", "project_id", "name_th", "agency_id", "category", "strategy_no",
            "cost_baht", "households", "need_id", "status", "score", "readiness", "missing",
            *[f"contrib_{c}" for c in ranking.CRITERIA]]
    r = run.data["ranked"]
    path = out / "needs_plan_tables" / "ranking_full.csv"
    # rounded: long float digits are noise (and look like ID numbers to PII scanners)
    r[[c for c in cols if c in r]].round(4).to_csv(path, index=False, encoding="utf-8-sig")
    paths["ranking_full"] = path
    if run.province is not None:
        con = run.connect()
        try:
            paths["oc4ids"] = oc4ids.write_package(con, run.code, run.fiscal_year, out,
                                                   synthetic=run.synthetic)
        finally:
            con.close()
    return paths


def export_followup(run: PlanRun, out_dir: str = "") -> dict[str, Path]:
    """Summary and tables (CSV/XLSX) of the follow-up report, plus the status of every
    followed project."""
    out = output_dir(run, out_dir)
    paths = {"summary": write_summary(summary_followup(run), out)}
    paths.update(export_tables(run, "followup", out))
    st = run.data["status"]
    cols = ["project_id", "agency_id", "district_code", "status", "allocated_baht",
            "disbursed_baht", "disbursed_share", "target_share", "physical_pct", "time_share",
            "last_quarter", "stale", "late", "at_risk", "problems"]
    path = out / "followup_tables" / "projects_full.csv"
    st[cols].round(4).to_csv(path, index=False, encoding="utf-8-sig")
    paths["projects_full"] = path
    return paths


# === interactive =========================================================================

def ranking_explorer(run: PlanRun, rows: int = 15):
    """Sliders for the ranking weights that re-rank the proposals and redraw the top
    (JupyterLab). Returns an ipywidgets box; under papermill it is built but nothing
    waits for input."""
    import ipywidgets as w
    from IPython.display import display

    from oneplan.reports import tables

    base = run.data["proposals"]
    sliders = {c: w.FloatSlider(value=float(v), min=0, max=1, step=0.05,
                                description=ranking.CRITERIA[c][0 if run.lang == "th" else 1],
                                style={"description_width": "initial"},
                                layout=w.Layout(width="480px"), continuous_update=False)
               for c, v in run.params.ranking.weights.items()}
    out = w.Output()

    def redraw(*_):
        weights = {c: s.value for c, s in sliders.items()}
        if sum(weights.values()) <= 0:
            return
        r = ranking.rank_proposals(base, weights)
        s = ranking.sensitivity(base, weights, top_n=run.params.ranking.top_n,
                                step=run.params.ranking.sensitivity_step)
        with out:
            out.clear_output(wait=True)
            display(tables.style(r.head(rows)[["rank", "project_id", "name_th", "score",
                                               "status"]], hide_index=True, decimals=3))
            display(f"min share of the top {run.params.ranking.top_n} kept at ±"
                    f"{run.params.ranking.sensitivity_step * 100:.0f}%: "
                    f"{s['kept_share'].min() * 100:.0f}%")

    for s in sliders.values():
        s.observe(redraw, names="value")
    redraw()
    return w.VBox([*sliders.values(), out])

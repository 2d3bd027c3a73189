"""Best-practice cookbooks: the four awarded systems as recipes, with each province's numbers.

After the Excellent Innovation Awards 2567 the Permanent Secretary asked that the success
factors of the four best practices be spread "as cookbooks" to every department and
province, "so the good does not stay in four provinces". One cookbook per practice:

========== ====================================================== =========================
practice   system (award)                                          owner
========== ====================================================== =========================
surin      Surin One Plan (special award, innovation prototype)    Surin Provincial Office
plan101pro Plan101Pro (2nd runner-up)                              Roi Et Provincial Office
water      Khon Kaen integrated water management (1st runner-up)   Khon Kaen Provincial Office
damrongdhama Damrongdhama complaint linkage (winner)               MOI Office of Inspection
                                                                   and Public Complaints
========== ====================================================== =========================

The text (problem, ingredients, steps with the toolkit's commands, notebooks and templates,
success factors, pitfalls, KPIs) is in ``cookbooks/<practice>.yml`` beside this module, in
Thai and English, and is validated by :class:`CookbookContent`. The numbers come from
*figure providers*, one per module, each a function ``cookbook_figures(con, province_code |
None, fiscal_year)`` returning a dict with fixed keys (see :data:`PROVIDERS`); ``None``
means the whole country. A provider that is not installed or fails leaves its figures
"no data yet" and the cookbook still renders — figures are never made up here.

The water provider (:func:`water_figures`) lives in this module: it reads the candidates and
plan versions from the central database and the province's water report ``summary.json``.
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from oneplan.core import areas, thai
from oneplan import complaints
from oneplan.data import db
from oneplan.plan import followup, needs
from oneplan.core.paths import default_db_path, default_reports_dir

log = logging.getLogger(__name__)

PRACTICES = ("surin", "plan101pro", "water", "damrongdhama")
LANGS = ("th", "en")

# --- figure providers --------------------------------------------------------------------

PROVIDERS: dict[str, tuple[Callable[..., dict], tuple[str, ...]]] = {
    "needs": (needs.cookbook_figures, (
        "villages", "villages_with_needs", "needs", "needs_classified", "needs_fit_strategy",
        "needs_in_plan", "needs_allocated", "needs_completed", "median_days_to_plan")),
    "followup": (followup.cookbook_figures, (
        "proposals", "proposals_complete_attachments", "projects_followed",
        "share_updated_last_quarter", "disbursed_share", "disbursed_target_share",
        "late_projects")),
    "complaints": (complaints.cookbook_figures, (
        "complaint_records", "agencies", "clusters", "cross_agency_clusters",
        "duplicate_share", "median_days_to_close", "sla_breach_share", "backlog_over_30d")),
    "water": (None, (  # water_figures, below (it reads the batch's water summaries too)
        "water_candidates", "water_candidates_ready", "water_requested_baht",
        "households_in_need", "water_selected", "water_selected_baht",
        "water_households_served", "water_solver_status", "plan_versions",
        "plan_revisions")),
}
"""Provider name → (its ``cookbook_figures(con, province_code, fiscal_year)``, the keys it
returns). Shares are fractions 0–1, days are numbers of days, baht are baht."""

FIGURE_PROVIDER = {key: name for name, (_, keys) in PROVIDERS.items() for key in keys}

Kind = Literal["count", "share", "baht", "days", "text"]

FIGURES: dict[str, tuple[str, str, Kind]] = {
    "villages": ("หมู่บ้านที่มีรหัส", "Villages with a code", "count"),
    "villages_with_needs": ("หมู่บ้านที่ส่งความต้องการ", "Villages that sent needs", "count"),
    "needs": ("ความต้องการที่บันทึก", "Needs entered", "count"),
    "needs_classified": ("ความต้องการที่ กบต. จำแนกแล้ว", "Needs classified by the กบต.",
                         "count"),
    "needs_fit_strategy": ("ความต้องการที่สอดคล้องประเด็นยุทธศาสตร์",
                           "Needs fitting a strategic issue", "count"),
    "needs_in_plan": ("ความต้องการที่บรรจุในแผนพัฒนาจังหวัด", "Needs in the provincial plan",
                      "count"),
    "needs_allocated": ("ความต้องการที่ได้รับงบประมาณ", "Needs with budget allocated", "count"),
    "needs_completed": ("ความต้องการที่แล้วเสร็จ", "Needs completed", "count"),
    "median_days_to_plan": ("มัธยฐานจำนวนวันจากเสนอถึงบรรจุในแผน",
                            "Median days from submission to the plan", "days"),
    "proposals": ("ข้อเสนอโครงการ", "Project proposals", "count"),
    "proposals_complete_attachments": ("ข้อเสนอที่มีเอกสารครบ (แบบรูป BOQ ภาพถ่าย ที่ดิน)",
                                       "Proposals with all attachments (drawings, BOQ, "
                                       "photos, land)", "count"),
    "projects_followed": ("โครงการที่ติดตามรายไตรมาส", "Projects followed quarterly", "count"),
    "share_updated_last_quarter": ("สัดส่วนที่รายงานความก้าวหน้าไตรมาสล่าสุด",
                                   "Share updated last quarter", "share"),
    "disbursed_share": ("สัดส่วนการเบิกจ่าย", "Share disbursed", "share"),
    "disbursed_target_share": ("เป้าหมายการเบิกจ่าย", "Disbursement target", "share"),
    "late_projects": ("โครงการที่ล่าช้า", "Late projects", "count"),
    "complaint_records": ("เรื่องร้องเรียน (ระเบียนจากทุกหน่วยงาน)",
                          "Complaint records (all agencies)", "count"),
    "agencies": ("หน่วยงานที่เชื่อมข้อมูล", "Agencies linked", "count"),
    "clusters": ("เรื่องหลังเชื่อมโยงเรื่องซ้ำ", "Matters after linking duplicates", "count"),
    "cross_agency_clusters": ("เรื่องที่ร้องซ้ำหลายหน่วยงาน", "Matters filed at several agencies",
                              "count"),
    "duplicate_share": ("สัดส่วนระเบียนที่ซ้ำ", "Share of duplicate records", "share"),
    "median_days_to_close": ("มัธยฐานจำนวนวันจนยุติเรื่อง", "Median days to close", "days"),
    "sla_breach_share": ("สัดส่วนเรื่องที่เกินกำหนดเวลา", "Share past the time standard",
                         "share"),
    "backlog_over_30d": ("เรื่องค้างเกิน 30 วัน", "Backlog older than 30 days", "count"),
    "water_candidates": ("โครงการด้านน้ำที่เสนอ", "Water projects proposed", "count"),
    "water_candidates_ready": ("โครงการที่พร้อม (แบบรูป/BOQ ที่ดิน ประชาคม)",
                               "Projects ready (drawings/BOQ, land, consent)", "count"),
    "water_requested_baht": ("งบที่เสนอขอ", "Requested", "baht"),
    "households_in_need": ("ครัวเรือนที่ยังไม่มีน้ำประปา", "Households without piped water",
                           "count"),
    "water_selected": ("โครงการที่เลือกเข้าแผน", "Projects selected for the plan", "count"),
    "water_selected_baht": ("งบของโครงการที่เลือก", "Budget of the projects selected", "baht"),
    "water_households_served": ("ครัวเรือนที่ได้ประโยชน์", "Households served", "count"),
    "water_solver_status": ("สถานะตัวแก้ปัญหา", "Solver status", "text"),
    "plan_versions": ("ฉบับของแผนที่บันทึกไว้", "Plan versions saved", "count"),
    "plan_revisions": ("การทบทวนแผน (6/12 เดือน)", "Plan revisions (6/12 months)", "count"),
}
"""Figure key → (Thai label, English label, kind)."""

_UNLABELLED = sorted(set(FIGURE_PROVIDER) - set(FIGURES))
if _UNLABELLED:  # a provider key without a label is a programming error: fail at import
    raise RuntimeError(f"oneplan.reports.cookbook.FIGURES lacks labels for {_UNLABELLED}")

TEXT = {
    "th": {
        "no_data": "ยังไม่มีข้อมูล",
        "no_data_why": "ยังไม่มีข้อมูล ({why})",
        "province_numbers": "ตัวเลขของจังหวัด",
        "national_numbers": "ตัวเลขทั้งประเทศ",
        "command": "คำสั่ง",
        "notebook": "สมุดงาน (notebook)",
        "template": "แบบฟอร์ม Excel",
        "toc": "สารบัญ",
        "problem": "ปัญหาที่แก้",
        "ingredients": "ส่วนประกอบ",
        "data": "ข้อมูล",
        "people": "คนและคณะกรรมการ",
        "tools": "เครื่องมือ",
        "recipe": "วิธีทำทีละขั้น",
        "step": "ขั้นที่",
        "success": "ปัจจัยความสำเร็จ",
        "pitfalls": "ข้อควรระวัง",
        "kpis": "ตัวชี้วัด (KPI)",
        "compare": "เปรียบเทียบจังหวัด",
        "source": "ที่มา",
        "kpi": "ตัวชี้วัด",
        "province_value": "จังหวัด",
        "national_value": "ทั้งประเทศ",
        "target": "เป้าหมาย",
        "standing": "เทียบกับทั้งประเทศ",
        "rank_in_country": "อันดับในประเทศ",
        "better": "ดีกว่า",
        "worse": "ต่ำกว่า",
        "same": "เท่ากัน",
        "higher": "ยิ่งสูงยิ่งดี",
        "lower": "ยิ่งต่ำยิ่งดี",
        "direction": "ทิศทาง",
        "provider_failed": "โมดูล {module} คำนวณไม่สำเร็จ",
        "province": "จังหวัด",
        "code": "รหัส",
        "region": "ภาค",
        "national_title": "ตำรา (cookbook) {name} — เปรียบเทียบทุกจังหวัด",
        "province_title": "ตำรา (cookbook) {name} — จังหวัด{province}",
        "fy": "ปีงบประมาณ {fy}",
        "synthetic": "ข้อมูลตัวอย่างสังเคราะห์ ไม่ใช่ข้อมูลจริง",
        "compare_note": ("ตารางเรียงตามตัวชี้วัดแรก จังหวัดที่ยังไม่มีข้อมูลแสดงเป็น «–» "
                         "และไม่ถูกจัดอันดับ"),
        "compare_none": "ยังไม่มีจังหวัดใดมีตัวเลขของตัวชี้วัดเหล่านี้",
        "award": "รางวัล",
        "owner": "เจ้าของผลงาน",
    },
    "en": {
        "no_data": "no data yet",
        "no_data_why": "no data yet ({why})",
        "province_numbers": "The province's numbers",
        "national_numbers": "National numbers",
        "command": "Command",
        "notebook": "Notebook",
        "template": "Excel template",
        "toc": "Contents",
        "problem": "The problem it solves",
        "ingredients": "Ingredients",
        "data": "Data",
        "people": "People and committees",
        "tools": "Tools",
        "recipe": "The recipe, step by step",
        "step": "Step",
        "success": "Success factors",
        "pitfalls": "Pitfalls",
        "kpis": "KPIs",
        "compare": "Provinces compared",
        "source": "Source",
        "kpi": "KPI",
        "province_value": "Province",
        "national_value": "National",
        "target": "Target",
        "standing": "Against the country",
        "rank_in_country": "Rank in the country",
        "better": "better",
        "worse": "behind",
        "same": "level",
        "higher": "higher is better",
        "lower": "lower is better",
        "direction": "Direction",
        "provider_failed": "module {module} failed",
        "province": "Province",
        "code": "Code",
        "region": "Region",
        "national_title": "Cookbook: {name} — all provinces compared",
        "province_title": "Cookbook: {name} — {province}",
        "fy": "fiscal year {fy}",
        "synthetic": "Synthetic sample data — not real figures",
        "compare_note": ("Sorted by the first KPI; provinces without the figure show “–” and "
                         "are not ranked."),
        "compare_none": "No province has a figure for these KPIs yet.",
        "award": "Award",
        "owner": "Owner",
    },
}


class CookbookError(ValueError):
    """A cookbook content file is missing or invalid, or a parameter is wrong."""


# --- content model -----------------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in Thai and English."""

    th: str
    en: str

    def get(self, lang: str) -> str:
        return self.th if lang == "th" else self.en


class Step(_Strict):
    title: Text
    text: Text
    command: list[str] = []     # `oneplan ...` lines to run
    notebook: str | None = None  # a file in notebooks/
    template: str | None = None  # a file in data/templates/
    figures: list[str] = []      # FIGURES keys shown beside the step

    @model_validator(mode="after")
    def _known_figures(self):
        unknown = [f for f in self.figures if f not in FIGURES]
        if unknown:
            raise ValueError(f"unknown figure key(s) {unknown}; known: {sorted(FIGURES)}")
        return self


class Kpi(_Strict):
    label: Text
    figure: str | None = None  # a FIGURES key shown as is
    num: str | None = None     # or a ratio num / den of two count figures
    den: str | None = None
    better: Literal["higher", "lower"] = "higher"
    target: float | None = None  # share (0–1) for ratios, else in the figure's unit

    @model_validator(mode="after")
    def _one_form(self):
        if (self.figure is None) == (self.num is None):
            raise ValueError("a KPI has either `figure` or `num` and `den`")
        if (self.num is None) != (self.den is None):
            raise ValueError("a ratio KPI needs both `num` and `den`")
        for f in (self.figure, self.num, self.den):
            if f is not None and f not in FIGURES:
                raise ValueError(f"unknown figure key {f!r}")
        return self

    @property
    def kind(self) -> Kind:
        return "share" if self.num else FIGURES[self.figure][2]


class Ingredients(_Strict):
    data: list[Text]
    people: list[Text]
    tools: list[Text]


class CookbookContent(_Strict):
    """One ``cookbooks/<practice>.yml`` file."""

    practice: str
    name: Text
    award: Text
    owner: Text
    home_province: str | None = None  # DOPA code of the province that won, if a province
    source: Text                      # what the news release says (paraphrase, with date)
    problem: Text
    ingredients: Ingredients
    steps: list[Step]
    success_factors: list[Text]
    pitfalls: list[Text]
    kpis: list[Kpi]

    @property
    def figure_keys(self) -> list[str]:
        keys: list[str] = []
        for s in self.steps:
            keys += s.figures
        for k in self.kpis:
            keys += [f for f in (k.figure, k.num, k.den) if f]
        return list(dict.fromkeys(keys))


def _check_practice(practice: str) -> str:
    if practice not in PRACTICES:
        raise CookbookError(f"unknown practice {practice!r}; use one of {', '.join(PRACTICES)}")
    return practice


@lru_cache(maxsize=None)
def load_content(practice: str) -> CookbookContent:
    """The validated content of one cookbook.

    Raises:
        CookbookError: unknown practice, or the YAML file is missing or invalid (the file
            and the field are named).
    """
    _check_practice(practice)
    name = f"cookbooks/{practice}.yml"
    try:
        raw = resources.files("oneplan.reports").joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CookbookError(f"cookbook content file lib/oneplan/reports/{name} is missing") from None
    try:
        content = CookbookContent.model_validate(yaml.safe_load(raw))
    except (yaml.YAMLError, ValidationError) as exc:
        raise CookbookError(f"lib/oneplan/reports/{name}: {exc}") from exc
    if content.practice != practice:
        raise CookbookError(f"lib/oneplan/reports/{name}: practice is {content.practice!r}, "
                            f"expected {practice!r}")
    return content


# --- figures -----------------------------------------------------------------------------

@dataclass
class Figures:
    """Figure values of one area (a province or the whole country).

    ``values`` holds only figures a provider really returned; ``missing`` says, per
    provider, why its figures are absent (not installed, failed).
    """

    values: dict[str, Any] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def get(self, key: str):
        return self.values.get(key)


def _provider_function(name: str) -> Callable:
    fn = PROVIDERS[name][0]
    return water_figures if fn is None else fn


def collect_figures(con, province_code: str | None, fiscal_year: int, keys: list[str], *,
                    lang: str = "th", fy_dir: str | Path | None = None) -> Figures:
    """Ask each provider that owns one of ``keys`` for its figures.

    A provider module that is not installed, lacks ``cookbook_figures``, raises or returns
    something that is not a dict is logged and recorded in ``Figures.missing``; keys it did
    not return (or returned as None/NaN) stay absent. Never raises for a provider's failure.
    """
    out = Figures()
    needed = list(dict.fromkeys(FIGURE_PROVIDER[k] for k in keys if k in FIGURE_PROVIDER))
    t = TEXT[lang]
    for name in needed:
        fn = _provider_function(name)
        module_name = fn.__module__
        try:
            kwargs = {"fy_dir": fy_dir} if name == "water" else {}
            got = fn(con, province_code or None, int(fiscal_year), **kwargs)
            if not isinstance(got, dict):
                raise TypeError(f"returned {type(got).__name__}, not a dict")
        except Exception as exc:  # noqa: BLE001 — one provider failing must not stop the book
            log.warning("figure provider %s failed for province %s: %s", module_name,
                        province_code or "national", exc, exc_info=log.isEnabledFor(10))
            out.missing[name] = t["provider_failed"].format(module=module_name)
            continue
        for key in PROVIDERS[name][1]:
            v = got.get(key)
            if v is None or (isinstance(v, float) and v != v):
                continue
            out.values[key] = v
    return out


def _summary_path(fy_dir: Path, code: str) -> Path:
    return fy_dir / code / "summary.json"


def water_figures(con, province_code: str | None, fiscal_year: int, *,
                  fy_dir: str | Path | None = None) -> dict[str, Any]:
    """The water practice's figures for a province (or the whole country with None).

    From the database: ``water_candidates``, ``water_candidates_ready``,
    ``water_requested_baht`` (``water_projects`` of the fiscal year), ``households_in_need``
    (``subdistrict_water.households_no_piped``), ``plan_versions`` and ``plan_revisions``
    (``plan_versions``, revisions = versions made 6/12 months after approval). From the
    water report's ``summary.json`` under ``fy_dir/<code>/`` (default reports folder), when
    it exists: ``water_selected``, ``water_selected_baht``, ``water_households_served``,
    ``water_solver_status`` (nationally: the sums over the reports found and the number of
    reports per status). Keys without a source are left out.
    """
    fy = int(fiscal_year)
    code = areas.province(province_code).code if province_code else None
    where, args = ("AND province_code = ?", [code]) if code else ("", [])
    n, ready, req = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE ready), sum(cost_baht) FROM water_projects "
        f"WHERE fiscal_year = ? {where}", [fy, *args]).fetchone()
    hh = con.execute(f"SELECT sum(households_no_piped) FROM subdistrict_water "
                     f"WHERE fiscal_year = ? {where}", [fy, *args]).fetchone()[0]
    out: dict[str, Any] = {"water_candidates": int(n), "water_candidates_ready": int(ready)}
    if req is not None:
        out["water_requested_baht"] = float(req)
    if hh is not None:
        out["households_in_need"] = int(hh)
    has_versions = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'plan_versions' "
        "AND column_name = 'months_after_approval'").fetchone()[0]
    if has_versions:
        v, r = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE coalesce(months_after_approval, 0) > 0) "
            f"FROM plan_versions WHERE fiscal_year = ? {where}", [fy, *args]).fetchone()
        out["plan_versions"], out["plan_revisions"] = int(v), int(r)
    fy_dir = Path(fy_dir) if fy_dir else default_reports_dir() / str(fy)
    codes = [code] if code else [p.code for p in areas.planning_provinces()]
    summaries = []
    for c in codes:
        path = _summary_path(fy_dir, c)
        if path.is_file():
            try:
                summaries.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                log.warning("unreadable water summary %s: %s", path, exc)
    if summaries:
        out["water_selected"] = sum(int(s["n_selected"]) for s in summaries)
        out["water_selected_baht"] = sum(float(s["selected_baht"]) for s in summaries)
        out["water_households_served"] = sum(int(s["households_served"]) for s in summaries)
        statuses = pd.Series([str(s["solver_status"]) for s in summaries]).value_counts()
        out["water_solver_status"] = (statuses.index[0] if code else
                                      ", ".join(f"{k} ({v})" for k, v in statuses.items()))
    return out


# --- the cookbook of one area ------------------------------------------------------------

@dataclass
class Cookbook:
    """Everything a cookbook page shows."""

    content: CookbookContent
    lang: str
    fiscal_year: int
    province: areas.Province | None   # None: the national cookbook
    figures: Figures                  # the province's (or the country's)
    national: Figures                 # the country's, for "where it stands"
    comparison: pd.DataFrame | None   # one row per province (KPI values and ranks)
    synthetic: bool

    @property
    def practice(self) -> str:
        return self.content.practice

    @property
    def t(self) -> dict[str, str]:
        return TEXT[self.lang]


def kpi_value(kpi: Kpi, figs: Figures) -> float | str | None:
    """A KPI's value from figures: the figure itself, or num / den (None when either is
    missing or den is 0)."""
    if kpi.figure:
        return figs.get(kpi.figure)
    num, den = figs.get(kpi.num), figs.get(kpi.den)
    if num is None or den is None:
        return None
    try:
        return float(num) / float(den) if float(den) else None
    except (TypeError, ValueError):
        return None


def _comparison(con, content: CookbookContent, fiscal_year: int, lang: str,
                fy_dir: Path | None) -> pd.DataFrame:
    """One row per province present in the database: its KPI values ``kpi<i>`` (floats,
    NaN = none; text KPIs as text) and ranks ``rank<i>`` among the provinces with a value
    (1 = best by the KPI's direction, ties share a rank). ``rank`` is ``rank0``; rows are
    sorted by it, provinces without a value last."""
    codes = [r[0] for r in con.execute(
        "SELECT code FROM areas WHERE level = 'province' AND code <> ? ORDER BY code",
        [areas.BANGKOK]).fetchall()]
    rows = []
    keys = content.figure_keys
    for code in codes:
        prov = areas.province(code)
        figs = collect_figures(con, code, fiscal_year, keys, lang=lang, fy_dir=fy_dir)
        row = {"code": code, "name_th": prov.name_th, "name_en": prov.name_en,
               "region": prov.region}
        for i, k in enumerate(content.kpis):
            v = kpi_value(k, figs)
            if k.num:  # kept for the national ratio over provinces with both figures
                row[f"num{i}"], row[f"den{i}"] = (_num(figs.get(k.num)), _num(figs.get(k.den)))
            if k.kind == "text":
                row[f"kpi{i}"] = None if v is None else str(v)
            else:
                row[f"kpi{i}"] = float(v) if isinstance(v, (int, float)) else float("nan")
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    for i, k in enumerate(content.kpis):
        if k.kind == "text":
            df[f"rank{i}"] = pd.array([pd.NA] * len(df), dtype="Int64")
            continue
        df[f"rank{i}"] = df[f"kpi{i}"].astype(float).rank(
            ascending=k.better == "lower", method="min").astype("Int64")
    # content files put a numeric KPI first (checked by the tests)
    df["rank"] = df["rank0"]
    return df.sort_values(["rank", "code"], na_position="last").reset_index(drop=True)


_COMPARISONS: dict[tuple, pd.DataFrame] = {}


def _inputs_identity(db_file: Path, fy_dir: Path | None) -> tuple:
    """What a comparison depends on besides its arguments: the database file and the
    province water summaries of the year (name, size, modification time of each) — the
    only files a provider reads (not the cookbooks' own summaries, written meanwhile)."""
    def stat(path: Path) -> tuple:
        try:
            st = path.stat()
        except OSError:
            return (str(path), None)
        return (str(path), st.st_size, st.st_mtime_ns)

    summaries = (tuple(stat(f) for f in sorted(Path(fy_dir).glob("[0-9][0-9]/summary.json")))
                 if fy_dir else ())
    return stat(db_file), summaries


def _comparison_cached(con, content: CookbookContent, fiscal_year: int, lang: str,
                       fy_dir: Path | None, db_file: Path) -> pd.DataFrame:
    """:func:`_comparison`, computed once per database, summaries, practice and language
    and kept in this process: a batch's warm kernel builds 76 province cookbooks of one
    practice from one comparison instead of asking every provider 76 × 76 times."""
    key = (content.practice, int(fiscal_year), lang, str(fy_dir),
           _inputs_identity(db_file, fy_dir))
    if key not in _COMPARISONS:
        if len(_COMPARISONS) >= 16:
            _COMPARISONS.clear()
        _COMPARISONS[key] = _comparison(con, content, fiscal_year, lang, fy_dir)
    return _COMPARISONS[key].copy()


def _num(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def national_kpi(cb: Cookbook, kpi_index: int):
    """The country's value of a KPI.

    A ratio KPI is Σ numerator / Σ denominator over the provinces that have *both* figures
    (a province without a water report must not add its requests to the denominator while
    adding nothing to the numerator); None when no province has both. Other KPIs are the
    provider's national figure.
    """
    k = cb.content.kpis[kpi_index]
    df = cb.comparison
    if not k.num or df is None or df.empty or f"num{kpi_index}" not in df:
        return kpi_value(k, cb.national)
    both = df[[f"num{kpi_index}", f"den{kpi_index}"]].dropna()
    den = float(both[f"den{kpi_index}"].sum())
    return float(both[f"num{kpi_index}"].sum()) / den if len(both) and den else None


def build(practice: str, province_code: str = "", fiscal_year: int = 2570, lang: str = "th",
          db_path: str | Path | None = None, output_dir: str | Path | None = None) -> Cookbook:
    """Load a cookbook's content and the figures of a province ("" = the national cookbook).

    ``output_dir`` locates the water reports: the province folders of the fiscal year are
    in the nearest folder of ``output_dir`` named after the year
    (:func:`oneplan.reports.overview.fiscal_year_dir`); empty means the default reports folder.

    Raises:
        CookbookError: unknown practice or language, invalid content file.
        oneplan.core.areas.UnknownAreaError: unknown province code.
        oneplan.data.db.DatabaseMissingError: the central database has not been built.
    """
    from oneplan.reports.overview import fiscal_year_dir

    content = load_content(practice)
    if lang not in LANGS:
        raise CookbookError(f"lang must be 'th' or 'en', not {lang!r}")
    prov = areas.province(province_code) if province_code else None
    fy_dir = fiscal_year_dir(output_dir, fiscal_year)
    con = db.connect(db_path or None, read_only=True)
    try:
        synthetic = db.meta(con).get("synthetic") == "true"
        keys = content.figure_keys
        national = collect_figures(con, None, fiscal_year, keys, lang=lang, fy_dir=fy_dir)
        figs = (collect_figures(con, prov.code, fiscal_year, keys, lang=lang, fy_dir=fy_dir)
                if prov else national)
        # province cookbooks too: their KPI table says where the province ranks
        comparison = _comparison_cached(con, content, fiscal_year, lang, fy_dir,
                                        Path(db_path or default_db_path()))
    finally:
        con.close()
    return Cookbook(content, lang, int(fiscal_year), prov, figs, national, comparison,
                    synthetic)


# --- rendering ---------------------------------------------------------------------------

SECTIONS = ("problem", "ingredients", "recipe", "success", "pitfalls", "kpis", "compare",
            "source")


def sections(cb: Cookbook) -> list[str]:
    """Sections of this cookbook, in order (the comparison only in the national one)."""
    return [s for s in SECTIONS if s != "compare" or cb.province is None]


def anchor(cb: Cookbook, section: str) -> str:
    """The HTML id of a section heading (ASCII, stable: the TOC links to it)."""
    return f"{cb.practice}-{section}"


_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def _inline(text: str) -> str:
    """Escape ``text`` for HTML, then `code` and **bold** as in Markdown."""
    out = html.escape(text.strip())
    out = _CODE.sub(r"<code>\1</code>", out)
    return _BOLD.sub(r"<strong>\1</strong>", out)


def format_value(value, kind: Kind, lang: str = "th") -> str:
    """A figure as text: counts with separators, shares in %, baht in (million) baht, days."""
    if value is None:
        return TEXT[lang]["no_data"]
    if kind == "text":
        return str(value)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if kind == "share":
        return f"{v * 100:,.1f} %"
    if kind == "baht":
        return thai.format_baht(v, lang)
    if kind == "days":
        return f"{v:,.0f} วัน" if lang == "th" else f"{v:,.0f} days"
    return thai.format_int(v)


def title(cb: Cookbook) -> str:
    """The cookbook's title (also the HTML page title)."""
    name = cb.content.name.get(cb.lang)
    if cb.province is None:
        return cb.t["national_title"].format(name=name)
    prov = cb.province.name_th if cb.lang == "th" else cb.province.name_en
    return cb.t["province_title"].format(name=name, province=prov)


def title_for(practice: str, province_code: str = "", lang: str = "th") -> str:
    """The title without loading figures (for the batch's HTML export)."""
    content = load_content(practice)
    t = TEXT[lang]
    name = content.name.get(lang)
    if not province_code:
        return t["national_title"].format(name=name)
    prov = areas.province(province_code)
    return t["province_title"].format(name=name, province=prov.name_th if lang == "th"
                                      else prov.name_en)


def _why_missing(cb: Cookbook, figs: Figures, key: str) -> str:
    reason = figs.missing.get(FIGURE_PROVIDER.get(key, ""))
    return cb.t["no_data_why"].format(why=reason) if reason else cb.t["no_data"]


def _figure_list(cb: Cookbook, keys: list[str]) -> str:
    if not keys:
        return ""
    figs = cb.figures
    items = []
    for k in keys:
        th, en, kind = FIGURES[k]
        name = th if cb.lang == "th" else en
        v = figs.get(k)
        text = (format_value(v, kind, cb.lang) if v is not None
                else f'<span class="nodata">{html.escape(_why_missing(cb, figs, k))}</span>')
        items.append(f"<li>{html.escape(name)}: <strong>{text}</strong></li>")
    head = cb.t["province_numbers"] if cb.province else cb.t["national_numbers"]
    return (f'<div class="cb-figures"><div class="cb-figures-head">{html.escape(head)}</div>'
            f"<ul>{''.join(items)}</ul></div>")


def header_html(cb: Cookbook) -> str:
    """Title, award line, synthetic-data note and the table of contents (links to the
    section ids)."""
    c, t = cb.content, cb.t
    fy = t["fy"].format(fy=cb.fiscal_year)
    toc = "".join(f'<li><a href="#{anchor(cb, s)}">{html.escape(t[s])}</a></li>'
                  for s in sections(cb))
    # the export adds the synthetic-data banner above the page; the meta line repeats it
    # for readers of the notebook itself
    synthetic = f' · <strong>{html.escape(t["synthetic"])}</strong>' if cb.synthetic else ""
    return (f'{_CSS}<h1 id="{cb.practice}-title">{html.escape(title(cb))}</h1>'
            f'<p class="cb-meta">{html.escape(t["award"])}: {_inline(c.award.get(cb.lang))}'
            f' · {html.escape(t["owner"])}: {_inline(c.owner.get(cb.lang))} · {fy}{synthetic}</p>'
            f'<nav class="cb-toc"><h2 id="{cb.practice}-toc">'
            f'{html.escape(t["toc"])}</h2><ol>{toc}</ol></nav>')


def _h2(cb: Cookbook, section: str) -> str:
    return f'<h2 id="{anchor(cb, section)}">{html.escape(cb.t[section])}</h2>'


def _bullets(items: list[Text], lang: str) -> str:
    return "<ul>" + "".join(f"<li>{_inline(i.get(lang))}</li>" for i in items) + "</ul>"


def _step_html(cb: Cookbook, i: int, step: Step) -> str:
    t, lang = cb.t, cb.lang
    parts = [f'<div class="cb-step"><h3 id="{cb.practice}-step-{i}">{t["step"]} {i}. '
             f"{_inline(step.title.get(lang))}</h3><p>{_inline(step.text.get(lang))}</p>"]
    tools = []
    if step.command:
        cmds = "<br>".join(f"<code>{html.escape(c)}</code>" for c in step.command)
        tools.append(f"<dt>{t['command']}</dt><dd>{cmds}</dd>")
    if step.notebook:
        tools.append(f"<dt>{t['notebook']}</dt><dd><code>notebooks/"
                     f"{html.escape(step.notebook)}</code></dd>")
    if step.template:
        tools.append(f"<dt>{t['template']}</dt><dd><code>{html.escape(step.template)}"
                     "</code></dd>")
    if tools:
        parts.append(f'<dl class="cb-tools">{"".join(tools)}</dl>')
    parts.append(_figure_list(cb, step.figures))
    parts.append("</div>")
    return "".join(parts)


def kpi_table(cb: Cookbook) -> pd.DataFrame:
    """The KPIs: province value, national value, target, direction and standing (text)."""
    t, lang = cb.t, cb.lang
    rows = []
    for i, k in enumerate(cb.content.kpis):
        own, nat = kpi_value(k, cb.figures), national_kpi(cb, i)
        standing = ""
        if cb.province is not None and isinstance(own, (int, float)) \
                and isinstance(nat, (int, float)):
            diff = float(own) - float(nat)
            if abs(diff) < 1e-9 * max(1.0, abs(float(nat))):
                standing = t["same"]
            else:
                good = diff > 0 if k.better == "higher" else diff < 0
                standing = t["better"] if good else t["worse"]
        row = {t["kpi"]: k.label.get(lang)}
        if cb.province is not None:
            row[t["province_value"]] = format_value(own, k.kind, lang)
        row[t["national_value"]] = format_value(nat, k.kind, lang)
        if any(x.target is not None for x in cb.content.kpis):
            row[t["target"]] = (format_value(k.target, k.kind, lang) if k.target is not None
                                else "–")
        row[t["direction"]] = "" if k.kind == "text" else t[k.better]
        if cb.province is not None:
            row[t["standing"]] = standing
            row[t["rank_in_country"]] = _rank_text(cb, i)
        rows.append(row)
    return pd.DataFrame(rows)


def province_rank(cb: Cookbook, kpi_index: int) -> tuple[int, int] | None:
    """(rank, provinces with a value) of the cookbook's province on one KPI, or None when
    the province has no value (or this is the national cookbook)."""
    df = cb.comparison
    if cb.province is None or df is None or df.empty:
        return None
    mine = df.loc[df["code"] == cb.province.code, f"rank{kpi_index}"]
    if mine.empty or pd.isna(mine.iloc[0]):
        return None
    return int(mine.iloc[0]), int(df[f"rank{kpi_index}"].notna().sum())


def _rank_text(cb: Cookbook, kpi_index: int) -> str:
    r = province_rank(cb, kpi_index)
    return "–" if r is None else f"{r[0]} / {r[1]}"


def comparison_table(cb: Cookbook) -> pd.DataFrame:
    """National cookbook: provinces × KPIs as formatted text, best first on the first KPI."""
    t, lang = cb.t, cb.lang
    df = cb.comparison
    if df is None or df.empty:
        return pd.DataFrame()
    out = pd.DataFrame({
        "#": [str(r) if pd.notna(r) else "–" for r in df["rank"]],
        t["code"]: df["code"],
        t["province"]: df["name_th"] if lang == "th" else df["name_en"],
    })
    for i, k in enumerate(cb.content.kpis):
        out[k.label.get(lang)] = [format_value(v, k.kind, lang) if pd.notna(v) else "–"
                                  for v in df[f"kpi{i}"]]
    return out


def _table_html(df: pd.DataFrame) -> str:
    if df.empty:
        return ""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f'<table class="cb-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def section_html(cb: Cookbook, section: str) -> str:
    """One section of the cookbook as an HTML fragment (the notebook displays it)."""
    if section not in SECTIONS:
        raise CookbookError(f"unknown section {section!r}; use one of {', '.join(SECTIONS)}")
    c, t, lang = cb.content, cb.t, cb.lang
    if section == "problem":
        return _h2(cb, section) + f"<p>{_inline(c.problem.get(lang))}</p>"
    if section == "ingredients":
        return (_h2(cb, section)
                + f"<h3>{t['data']}</h3>" + _bullets(c.ingredients.data, lang)
                + f"<h3>{t['people']}</h3>" + _bullets(c.ingredients.people, lang)
                + f"<h3>{t['tools']}</h3>" + _bullets(c.ingredients.tools, lang))
    if section == "recipe":
        return _h2(cb, section) + "".join(_step_html(cb, i, s)
                                          for i, s in enumerate(c.steps, start=1))
    if section == "success":
        return _h2(cb, section) + _bullets(c.success_factors, lang)
    if section == "pitfalls":
        return _h2(cb, section) + _bullets(c.pitfalls, lang)
    if section == "kpis":
        missing = sorted(set(cb.figures.missing.values()) | set(cb.national.missing.values()))
        note = ("".join(f'<p class="nodata">{html.escape(t["no_data_why"].format(why=m))}</p>'
                        for m in missing))
        return _h2(cb, section) + _table_html(kpi_table(cb)) + note
    if section == "compare":
        if cb.province is not None:
            return ""
        table = comparison_table(cb)
        if table.empty or cb.comparison[[f"kpi{i}" for i in range(len(c.kpis))]].isna().all().all():
            # no province has any KPI yet: say so instead of a table of dashes
            return _h2(cb, section) + f"<p>{html.escape(t['compare_none'])}</p>"
        return (_h2(cb, section) + f"<p>{html.escape(t['compare_note'])}</p>"
                + _table_html(table))
    return _h2(cb, section) + f"<p>{_inline(c.source.get(lang))}</p>"


def comparison_map(cb: Cookbook, kpi_index: int = 0):
    """National cookbook: province map of one KPI, or None when no province has a value."""
    from oneplan.charts import maps

    if cb.comparison is None or cb.comparison.empty:
        return None
    values = cb.comparison.set_index("code")[f"kpi{kpi_index}"].dropna()
    if values.empty:
        return None
    k = cb.content.kpis[kpi_index]
    scale = 100 if k.kind == "share" else 1
    unit = " (%)" if k.kind == "share" else ""
    return maps.province_choropleth(values * scale, title=k.label.get(cb.lang) + unit,
                                    legend_label=k.label.get(cb.lang) + unit, lang=cb.lang)


_CSS = """<style>
.cb-meta { color: #555; }
.cb-synthetic { border: 1px solid #d9822b; background: #fff4e5; color: #7a3e00;
  padding: 4px 8px; display: inline-block; }
.cb-toc ol { columns: 2; margin-top: 0; }
.cb-toc a { text-decoration: none; }
.cb-step { border-left: 3px solid #0072B2; padding: 2px 0 2px 12px; margin: 12px 0;
  break-inside: avoid; page-break-inside: avoid; }
.cb-tools { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 4px 0; }
.cb-tools dt { color: #555; } .cb-tools dd { margin: 0; }
.cb-figures { background: #f3f7fb; padding: 4px 10px; margin: 6px 0; }
.cb-figures-head { font-weight: 700; }
.cb-figures ul { margin: 2px 0; }
.nodata { color: #8a6d3b; font-style: italic; }
table.cb-table { border-collapse: collapse; }
.jp-RenderedHTMLCommon table.cb-table th, .jp-RenderedHTMLCommon table.cb-table td {
  border-bottom: 1px solid #ddd; padding: 2px 6px; text-align: left; }
@media print { .cb-toc a { color: inherit; } h2 { break-before: auto; } }
</style>"""


# --- summary -----------------------------------------------------------------------------

def summary(cb: Cookbook) -> dict[str, Any]:
    """Machine-readable summary (``cookbook_<practice>.summary.json``): the figures shown
    (numbers only), each KPI's province and national value, missing providers."""
    def nums(figs: Figures) -> dict[str, Any]:
        return {k: v for k, v in figs.values.items() if k in cb.content.figure_keys}

    kpis = []
    for i, k in enumerate(cb.content.kpis):
        rank = province_rank(cb, i)
        kpis.append({"label_en": k.label.en, "better": k.better,
                     "province": kpi_value(k, cb.figures) if cb.province else None,
                     "national": national_kpi(cb, i),
                     "rank": rank[0] if rank else None,
                     "ranked_provinces": rank[1] if rank else None})
    out = {
        "report": f"cookbook_{cb.practice}",
        "practice": cb.practice,
        "synthetic": cb.synthetic,
        "province_code": cb.province.code if cb.province else "",
        "fiscal_year": cb.fiscal_year,
        "lang": cb.lang,
        "steps": len(cb.content.steps),
        "figures": nums(cb.figures),
        "national_figures": nums(cb.national),
        "kpis": kpis,
        "missing_providers": dict(cb.figures.missing | cb.national.missing),
    }
    if cb.comparison is not None and cb.province is None:
        out["provinces_compared"] = int(len(cb.comparison))
        out["provinces_with_first_kpi"] = int(cb.comparison["kpi0"].notna().sum()) \
            if len(cb.comparison) else 0
    return out


def write_summary(cb: Cookbook, out_dir: str | Path) -> Path:
    """Write ``cookbook_<practice>.summary.json`` into ``out_dir``; returns its path."""
    from oneplan.core.files import write_atomic
    from oneplan.core.format import rounded

    path = Path(out_dir) / f"cookbook_{cb.practice}.summary.json"
    return write_atomic(path, json.dumps(rounded(summary(cb), 6), ensure_ascii=False,
                                         indent=2, default=str))


def default_output_dir(province_code: str, fiscal_year: int) -> Path:
    """``reports/<fy>/<code>``, or ``reports/<fy>/national`` for the national cookbook."""
    from oneplan.core.paths import NATIONAL_DIR

    return default_reports_dir() / str(fiscal_year) / (province_code or NATIONAL_DIR)

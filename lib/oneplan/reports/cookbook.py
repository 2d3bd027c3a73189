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

A cookbook is three parts: what it says (:mod:`oneplan.reports.cookbook_content`, the
``cookbooks/<practice>.yml`` files), its numbers (:mod:`oneplan.reports.cookbook_figures`,
the figure providers and the provinces compared) and, here, the cookbook of one area
(:func:`build`) as the notebook ``notebooks/cookbook.ipynb`` shows it: a cover and an
executive summary (:mod:`oneplan.reports.document`), then the detail — the recipe written
for the reader's province (what a planner there does, which committee, which template,
which report file to open; the ``oneplan`` commands only in a box for the analyst, with
the reader's province code), the KPIs against all 76 planning provinces with the number
that have each figure (better/worse only for rates), the comparison map — and the summary
JSON. HTML comes from the templates ``reports/templates/cookbook_*.html.j2``; the words
from ``reports/text/cookbook.yml``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from oneplan.core import areas, thai
from oneplan.core.paths import NATIONAL_DIR, default_db_path, default_reports_dir
from oneplan.core.text import LANGS, text, texts
from oneplan.data import db
from oneplan.data.templates import KINDS as TEMPLATE_KINDS
from oneplan.reports import document
from oneplan.reports.cookbook_content import (FIGURES, REPORT_FILES, CookbookContent,
                                              CookbookError, Kind, Step, figure_label,
                                              load_content)
from oneplan.reports.cookbook_figures import (FIGURE_PROVIDER, Figures, KpiStats,
                                              collect_figures, comparison, kpi_stats,
                                              kpi_value)
from oneplan.reports.pages import inline_markdown, render

log = logging.getLogger(__name__)

WATER_SUMMARY_FIGURES = frozenset({"water_selected", "water_selected_baht",
                                   "water_households_served", "water_solver_status"})
"""Figures read from the provinces' water reports: nationally, a sum over the provinces
that have one (the national cookbook says how many)."""


@dataclass
class Cookbook:
    """Everything a cookbook page shows."""

    content: CookbookContent
    lang: str
    fiscal_year: int
    province: areas.Province | None   # None: the national cookbook
    figures: Figures                  # the province's (or the country's)
    national: Figures                 # the country's
    comparison: pd.DataFrame | None   # one row per planning province (KPI values, ranks)
    synthetic: bool
    folder: Path | None = None        # where the batch puts this cookbook's reports
    previous: dict | None = None      # the last version's summary, if there is one

    @property
    def practice(self) -> str:
        """The practice's key (``surin``, ``plan101pro``, ``water``, ``damrongdhama``)."""
        return self.content.practice

    @property
    def code(self) -> str:
        """The reader's province code (``""``: the national cookbook)."""
        return self.province.code if self.province else ""


def _read_previous(folder: Path | None, practice: str) -> dict | None:
    """The cookbook's summary of its last run, from the folder the batch keeps it in."""
    if folder is None:
        return None
    path = folder / f"cookbook_{practice}.summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def build(practice: str, province_code: str = "", fiscal_year: int = 2570, lang: str = "th",
          db_path: str | Path | None = None, output_dir: str | Path | None = None) -> Cookbook:
    """Load a cookbook's content and the figures of a province ("" = the national cookbook).

    ``output_dir`` locates the reports: the province folders of the fiscal year are in the
    nearest folder of ``output_dir`` named after the year
    (:func:`oneplan.reports.overview.fiscal_year_dir`); empty means the default reports
    folder. The cookbook links the province's report files found there and compares its
    figures with the last version's summary kept there.

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
        compared = comparison(con, content, fiscal_year, lang, fy_dir,
                              Path(db_path or default_db_path()))
    finally:
        con.close()
    folder = Path(fy_dir) / (prov.code if prov else NATIONAL_DIR) if fy_dir else None
    return Cookbook(content, lang, int(fiscal_year), prov, figs, national, compared,
                    synthetic, folder, _read_previous(folder, practice))


# --- where the province stands -----------------------------------------------------------

@dataclass(frozen=True)
class Standing:
    """One KPI of the reader's province against the planning provinces."""

    value: float | None      # the province's (None: no figure, or the national cookbook)
    stats: KpiStats          # median and range of the provinces with a value, n of total
    rank: int | None         # rates only: 1 = best; None for totals
    ties: int                # provinces sharing that rank (1: none)
    verdict: str | None      # rates only: "better", "worse" or "same" than the median


def standing(cb: Cookbook, kpi_index: int) -> Standing:
    """Where the cookbook's province stands on one KPI among the 76 planning provinces."""
    k = cb.content.kpis[kpi_index]
    stats = kpi_stats(cb.comparison, kpi_index)
    value = kpi_value(k, cb.figures) if cb.province else None
    value = float(value) if isinstance(value, (int, float)) else None
    rank, ties, verdict = None, 1, None
    df = cb.comparison
    # a rank or a verdict needs another province to compare with
    if cb.province is not None and value is not None and k.direction and stats.n >= 2:
        mine = df.loc[df["code"] == cb.province.code]
        if len(mine) and pd.notna(mine[f"rank{kpi_index}"].iloc[0]):
            rank = int(mine[f"rank{kpi_index}"].iloc[0])
            ties = int(mine[f"ties{kpi_index}"].iloc[0])
        if stats.median is not None:
            diff = value - stats.median
            if abs(diff) <= 1e-9 * max(1.0, abs(stats.median)):
                verdict = "same"
            else:
                verdict = "better" if (diff > 0) == (k.direction == "higher") else "worse"
    return Standing(value, stats, rank, ties, verdict)


def province_rank(cb: Cookbook, kpi_index: int) -> tuple[int, int] | None:
    """(rank, provinces with a value) of the cookbook's province on a rate KPI, or None
    (no value, a total, or the national cookbook)."""
    st = standing(cb, kpi_index)
    return None if st.rank is None else (st.rank, st.stats.n)


def among(stats: KpiStats, lang: str) -> str:
    """"76 จังหวัด", or "3 จังหวัดที่มีข้อมูล จาก 76 จังหวัด" when not all have the figure."""
    if stats.n == stats.total:
        return text("reports.cookbook.among.all", lang, n=stats.n)
    return text("reports.cookbook.among.some", lang, n=stats.n, total=stats.total)


def rank_text(st: Standing, lang: str) -> str:
    """"อันดับ 12 จาก 76 จังหวัด" (with the provinces it ties with), "–" without a rank."""
    if st.rank is None:
        return "–"
    out = text("reports.cookbook.rank", lang, rank=st.rank, among=among(st.stats, lang))
    if st.ties > 1:
        out += text("reports.cookbook.tied", lang, n=st.ties)
    return out


def median_text(cb: Cookbook, kpi_index: int, st: Standing | None = None) -> str:
    """"ค่ามัธยฐาน 76 จังหวัด 58.1 %" (no province with the figure: says so)."""
    st = st or standing(cb, kpi_index)
    k = cb.content.kpis[kpi_index]
    if st.stats.median is None:
        return text("reports.cookbook.median_none", cb.lang, total=st.stats.total)
    return text("reports.cookbook.median", cb.lang, among=among(st.stats, cb.lang),
                value=format_value(st.stats.median, k.kind, cb.lang))


def kpi_sentence(cb: Cookbook, kpi_index: int) -> str:
    """One KPI in words, always with the number of provinces it is compared among: the
    province's value, its rank and how it stands against the median (rates), or the
    median beside it (totals, never called better or worse); nationally the median and
    range."""
    k, lang = cb.content.kpis[kpi_index], cb.lang
    st = standing(cb, kpi_index)
    label = k.label.get(lang)
    if cb.province is None:
        if st.stats.median is None:
            return text("reports.cookbook.sentence.none", lang, kpi=label,
                        median=median_text(cb, kpi_index, st))
        return text("reports.cookbook.sentence.national", lang, kpi=label,
                    median=median_text(cb, kpi_index, st),
                    low=format_value(st.stats.low, k.kind, lang),
                    high=format_value(st.stats.high, k.kind, lang))
    fields = dict(kpi=label, province=province_phrase(cb),
                  value=format_value(st.value, k.kind, lang),
                  median=median_text(cb, kpi_index, st))
    if st.value is None:
        return text("reports.cookbook.sentence.no_value", lang, **fields)
    if k.direction is None:
        return text("reports.cookbook.sentence.total", lang, **fields)
    verdict = text(f"reports.cookbook.verdict.{st.verdict or 'none'}", lang)
    if st.rank is None:
        return text("reports.cookbook.sentence.rate_unranked", lang, verdict=verdict, **fields)
    return text("reports.cookbook.sentence.rate", lang, rank=rank_text(st, lang),
                verdict=verdict, **fields)


# --- text and tables ---------------------------------------------------------------------

def _solver_status(value: Any, lang: str) -> str:
    """A solver status in words ({status: n} nationally: each with its provinces)."""
    names = texts("reports.cookbook.solver_status", lang)
    if isinstance(value, dict):
        return ", ".join(text("reports.cookbook.solver_status_count", lang,
                              status=names.get(str(k), names["other"]), n=int(v))
                         for k, v in value.items())
    return names.get(str(value), names["other"])


def format_value(value, kind: Kind, lang: str = "th") -> str:
    """A figure as text: counts with separators, shares in % with one decimal, baht in
    ล้านบาท with one decimal, days as whole days."""
    if value is None or (isinstance(value, float) and value != value):
        return text("reports.cookbook.no_data", lang)
    if kind == "text":
        return _solver_status(value, lang)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if kind == "share":
        return f"{v * 100:,.1f} %"
    if kind == "baht":
        return thai.format_baht(v, lang)
    if kind == "days":
        return text("reports.cookbook.days", lang, days=v)
    return thai.format_int(v)


def title_for(practice: str, province_code: str = "", lang: str = "th") -> str:
    """The title without loading figures (for the batch's HTML export)."""
    name = load_content(practice).name.get(lang)
    if not province_code:
        return text("reports.cookbook.title.national", lang, name=name)
    prov = areas.province(province_code)
    return text("reports.cookbook.title.province", lang, name=name,
                province=getattr(prov, f"name_{lang}"))


def title(cb: Cookbook) -> str:
    """The cookbook's title (also the HTML page title)."""
    return title_for(cb.practice, cb.code, cb.lang)


def province_phrase(cb: Cookbook) -> str:
    """The reader's province as the recipe names it ("จังหวัดขอนแก่น"), or "each
    province" in the national cookbook."""
    if cb.province is None:
        return text("reports.cookbook.each_province", cb.lang)
    return text("reports.cookbook.province", cb.lang,
                name=getattr(cb.province, f"name_{cb.lang}"))


def kpi_table(cb: Cookbook) -> pd.DataFrame:
    """The KPIs as text: the province's value, its rank (rates), the median of the
    provinces with a value with their number, how it stands against the median (rates),
    the direction and the target when any KPI has one."""
    lang = cb.lang
    col = texts("reports.cookbook.column", lang)
    directions = texts("reports.cookbook.direction", lang)
    rows = []
    for i, k in enumerate(cb.content.kpis):
        st = standing(cb, i)
        row = {col["kpi"]: k.label.get(lang)}
        if cb.province is not None:
            row[province_phrase(cb)] = format_value(st.value, k.kind, lang)
            row[col["rank"]] = rank_text(st, lang)
        row[col["median"]] = ("–" if st.stats.median is None else
                              text("reports.cookbook.median_cell", lang,
                                   value=format_value(st.stats.median, k.kind, lang),
                                   among=among(st.stats, lang)))
        if cb.province is not None:
            row[col["standing"]] = (text(f"reports.cookbook.standing.{st.verdict}", lang)
                                    if st.verdict else "–")
        row[col["direction"]] = directions[k.direction or "total"]
        if any(x.target is not None for x in cb.content.kpis):
            row[col["target"]] = (format_value(k.target, k.kind, lang) if k.target is not None
                                  else "–")
        rows.append(row)
    return pd.DataFrame(rows)


def comparison_table(cb: Cookbook) -> pd.DataFrame:
    """National cookbook: the provinces with a value of any KPI × KPIs as text, best first
    on the first KPI (a rate)."""
    lang = cb.lang
    col = texts("reports.cookbook.column", lang)
    df = cb.comparison
    if df is None or df.empty:
        return pd.DataFrame()
    kpis = [f"kpi{i}" for i in range(len(cb.content.kpis))]
    df = df[df[kpis].notna().any(axis=1)]
    out = pd.DataFrame({
        "#": [str(r) if pd.notna(r) else "–" for r in df["rank"]],
        col["code"]: df["code"],
        col["province"]: df[f"name_{lang}"],
    })
    for i, k in enumerate(cb.content.kpis):
        out[k.label.get(lang)] = [format_value(v, k.kind, lang) if pd.notna(v) else "–"
                                  for v in df[f"kpi{i}"]]
    return out.reset_index(drop=True)


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


# --- cover and executive summary ---------------------------------------------------------

def _changes(cb: Cookbook) -> list[str]:
    """What changed since the last version: each KPI whose value moved (empty: the first
    version; one line saying nothing moved when none did)."""
    prev = cb.previous
    if not prev or not isinstance(prev.get("kpis"), list):
        return []
    before = {k.get("label_en"): k.get("value") for k in prev["kpis"]
              if isinstance(k, dict) and "value" in k}  # a summary of this layout
    if not before:
        return []
    out = []
    for i, k in enumerate(cb.content.kpis):
        st = standing(cb, i)
        now = st.value if cb.province else st.stats.median
        old = before.get(k.label.en)
        if k.label.en not in before:
            continue
        # as the reader sees them: a change below the shown precision is no change
        was, is_ = format_value(old, k.kind, cb.lang), format_value(now, k.kind, cb.lang)
        if was != is_:
            out.append(text("reports.cookbook.changed", cb.lang, kpi=k.label.get(cb.lang),
                            before=was, after=is_))
    return out or [text("reports.cookbook.unchanged", cb.lang)]


def findings(cb: Cookbook) -> list[tuple[str, str]]:
    """3–5 headline findings for the executive summary: the first KPIs, each with the
    province's value (or the median nationally) and its rank or median, n stated."""
    out = []
    for i, k in enumerate(cb.content.kpis[:document.MAX_FINDINGS]):
        st = standing(cb, i)
        if cb.province is None:
            number = format_value(st.stats.median, k.kind, cb.lang)
            detail = median_text(cb, i, st)
        else:
            number = format_value(st.value, k.kind, cb.lang)
            detail = rank_text(st, cb.lang) if st.rank is not None else median_text(cb, i, st)
        out.append((text("reports.cookbook.finding", cb.lang, kpi=k.label.get(cb.lang),
                         detail=detail), number))
    while len(out) < document.MIN_FINDINGS:  # content files have ≥ 3 KPIs (tested)
        out.append((text("reports.cookbook.finding_steps", cb.lang),
                    thai.format_int(len(cb.content.steps))))
    return out


def front_html(cb: Cookbook) -> str:
    """The cover page and the one-page executive summary (findings with n, the decision
    asked of the reader, what changed since the last version)."""
    name = getattr(cb.province, f"name_{cb.lang}") if cb.province else None
    cover = document.cover(title=title(cb), province_name=name, fiscal_year=cb.fiscal_year,
                           lang=cb.lang, synthetic=cb.synthetic)
    decision = text("reports.cookbook.decision", cb.lang, province=province_phrase(cb),
                    name=cb.content.name.get(cb.lang))
    summary_ = document.executive_summary(findings(cb), decision=decision,
                                          changes=_changes(cb), lang=cb.lang)
    return cover + summary_


# --- HTML --------------------------------------------------------------------------------

SECTIONS = ("problem", "ingredients", "recipe", "success", "pitfalls", "kpis", "compare",
            "source")
"""Every section a cookbook may have, in order (headings ``reports.cookbook.section.*``)."""


def sections(cb: Cookbook) -> list[str]:
    """Sections of this cookbook, in order (the comparison only in the national one)."""
    return [s for s in SECTIONS if s != "compare" or cb.province is None]


def anchor(cb: Cookbook, section: str) -> str:
    """The HTML id of a section heading (ASCII, stable: the TOC links to it)."""
    return f"{cb.practice}-{section}"


def header_html(cb: Cookbook) -> str:
    """The detail's heading: title, award line, synthetic-data note and the table of
    contents (links to the section ids)."""
    c, lang = cb.content, cb.lang
    names = texts("reports.cookbook.section", lang)
    return render(
        "cookbook_header.html.j2", practice=cb.practice, title=title(cb),
        page=texts("reports.cookbook.page", lang),
        award=inline_markdown(c.award.get(lang)), owner=inline_markdown(c.owner.get(lang)),
        fiscal_year=text("reports.cookbook.fiscal_year", lang, fiscal_year=cb.fiscal_year),
        synthetic=text("core.labels.synthetic_note", lang) if cb.synthetic else "",
        toc=[(anchor(cb, s), names[s]) for s in sections(cb)])


def _no_data(cb: Cookbook, provider: str) -> str:
    """"no data yet", with the reason when the provider failed."""
    reason = cb.figures.missing.get(provider)
    if reason:
        return text("reports.cookbook.no_data_why", cb.lang, why=reason)
    return text("reports.cookbook.no_data", cb.lang)


def _figure_list(cb: Cookbook, keys: list[str]) -> dict:
    """The figures shown beside a step: label, formatted value (or why there is none);
    nationally, the water reports' figures say how many provinces they add up."""
    items = []
    water_reports = cb.figures.get("water_reports")
    total = len(areas.planning_provinces())
    for k in keys:
        v = cb.figures.get(k)
        name = figure_label(k, cb.lang)
        if cb.province is None and k in WATER_SUMMARY_FIGURES and v is not None:
            name += text("reports.cookbook.from_reports", cb.lang, n=int(water_reports or 0),
                         total=total)
        items.append({"name": name,
                      "value": None if v is None else format_value(v, FIGURES[k], cb.lang),
                      "missing": _no_data(cb, FIGURE_PROVIDER.get(k, ""))})
    head = (text("reports.cookbook.page.province_numbers", cb.lang,
                 province=province_phrase(cb)) if cb.province else
            text("reports.cookbook.page.national_numbers", cb.lang, total=total))
    return {"head": head, "entries": items}


def report_file(cb: Cookbook, key: str) -> str:
    """The file name of report ``key`` in the province's folder (``plan_40_2570.xlsx``)."""
    return REPORT_FILES[key].format(code=cb.code, fiscal_year=cb.fiscal_year)


def _report_links(cb: Cookbook, step: Step) -> list[dict]:
    """The reports a step opens: label, file name and the relative link when the file is
    there (the province's folder; nationally, the portal that lists every province's)."""
    lang = cb.lang
    if not step.reports:
        return []
    if cb.province is None:
        names = ", ".join(text(f"reports.cookbook.report.{r}", lang) for r in step.reports)
        return [{"label": text("reports.cookbook.portal_reports", lang, reports=names),
                 "file": "index.html", "href": "../../index.html"}]
    out = []
    for key in step.reports:
        name = report_file(cb, key)
        there = cb.folder is not None and (cb.folder / name).is_file()
        out.append({"label": text(f"reports.cookbook.report.{key}", lang),
                    "file": Path(name).name, "href": name if there else None})
    return out


def _analyst(cb: Cookbook, step: Step) -> dict | None:
    """The analyst's box of a step: its commands with the reader's province code, the
    template's file and the notebook (None when the step has none of them)."""
    code = cb.code or text("reports.cookbook.code_placeholder", cb.lang)
    commands = [c.format(code=code) for c in step.analyst]
    template = (f"data/templates/provinces/{code}/{TEMPLATE_KINDS[step.template].template_file}"
                if step.template else None)
    notebook = f"notebooks/{step.notebook}" if step.notebook else None
    if not (commands or template or notebook):
        return None
    return {"commands": commands, "template": template, "notebook": notebook}


def _step(cb: Cookbook, i: int, step: Step) -> dict:
    """What the recipe template shows of one step."""
    lang = cb.lang
    template = None
    if step.template:
        kind = TEMPLATE_KINDS[step.template]
        template = text("reports.cookbook.template_of", lang,
                        template=getattr(kind, f"title_{lang}"), province=province_phrase(cb))
    return {
        "number": i + 1,
        "title": step.title.get(lang), "text": step.text.get(lang),
        "local": step.local.get(lang).format(province=province_phrase(cb)),
        "committees": [text(f"reports.cookbook.committee.{c}", lang) for c in step.committee],
        "template": template,
        "reports": _report_links(cb, step),
        "analyst": _analyst(cb, step),
        "figures": _figure_list(cb, step.figures),
    }


def _table(df: pd.DataFrame) -> dict:
    return {"columns": [str(c) for c in df.columns],
            "rows": [[str(v) for v in row] for row in df.itertuples(index=False)]}


def section_html(cb: Cookbook, section: str) -> str:
    """One section of the cookbook as an HTML fragment (the notebook displays it)."""
    if section not in SECTIONS:
        raise CookbookError(f"unknown section {section!r}; use one of {', '.join(SECTIONS)}")
    if section == "compare" and cb.province is not None:
        return ""
    context: dict[str, Any] = {}
    if section == "recipe":
        context["steps"] = [_step(cb, i, s) for i, s in enumerate(cb.content.steps)]
        context["where"] = text("reports.cookbook.page.in_province", cb.lang,
                                province=province_phrase(cb))
    elif section == "kpis":
        missing = sorted(set(cb.figures.missing.values()) | set(cb.national.missing.values()))
        context["kpis"] = _table(kpi_table(cb))
        context["sentences"] = [kpi_sentence(cb, i) for i in range(len(cb.content.kpis))]
        context["missing"] = [text("reports.cookbook.no_data_why", cb.lang, why=m)
                              for m in missing]
    elif section == "compare":
        table = comparison_table(cb)
        context["compare"] = _table(table)
        context["compare_note"] = text("reports.cookbook.page.compare_note", cb.lang,
                                       n=len(table), total=len(cb.comparison))
    return render("cookbook_section.html.j2", section=section, practice=cb.practice,
                  lang=cb.lang, content=cb.content, page=texts("reports.cookbook.page", cb.lang),
                  heading=text(f"reports.cookbook.section.{section}", cb.lang), **context)


# --- summary -----------------------------------------------------------------------------

def summary(cb: Cookbook) -> dict[str, Any]:
    """Machine-readable summary (``cookbook_<practice>.summary.json``): the figures shown
    (numbers only) and each KPI's value, median, number of provinces with a value of the
    total compared, rank and verdict (rates only), missing providers."""
    def nums(figs: Figures) -> dict[str, Any]:
        return {k: v for k, v in figs.values.items() if k in cb.content.figure_keys}

    kpis = []
    for i, k in enumerate(cb.content.kpis):
        st = standing(cb, i)
        kpis.append({"label_en": k.label.en, "kind": k.kind, "rate": k.is_rate,
                     "better": k.direction,
                     "value": st.value if cb.province else st.stats.median,
                     "median": st.stats.median, "provinces_with_value": st.stats.n,
                     "provinces_compared": st.stats.total,
                     "rank": st.rank, "tied_with": st.ties if st.rank else None,
                     "verdict": st.verdict})
    out = {
        "report": f"cookbook_{cb.practice}",
        "practice": cb.practice,
        "synthetic": cb.synthetic,
        "province_code": cb.code,
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
    return default_reports_dir() / str(fiscal_year) / (province_code or NATIONAL_DIR)

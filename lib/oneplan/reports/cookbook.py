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
(:func:`build`) as the notebook ``notebooks/cookbook.ipynb`` shows it: title, KPI tables,
HTML sections (the templates ``reports/templates/cookbook_*.html.j2``), the comparison map
and the summary JSON. Its words are in ``reports/text/cookbook.yml``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from oneplan.core import areas, thai
from oneplan.core.paths import default_db_path, default_reports_dir
from oneplan.core.text import LANGS, text, texts
from oneplan.data import db
from oneplan.reports.cookbook_content import (FIGURES, CookbookContent, CookbookError, Kind,
                                              figure_label, load_content)
from oneplan.reports.cookbook_figures import (FIGURE_PROVIDER, Figures, collect_figures,
                                              comparison, kpi_value)
from oneplan.reports.pages import inline_markdown, render


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
        """The practice's key (``surin``, ``plan101pro``, ``water``, ``damrongdhama``)."""
        return self.content.practice


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
        compared = comparison(con, content, fiscal_year, lang, fy_dir,
                              Path(db_path or default_db_path()))
    finally:
        con.close()
    return Cookbook(content, lang, int(fiscal_year), prov, figs, national, compared,
                    synthetic)


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


# --- text and tables ---------------------------------------------------------------------

def format_value(value, kind: Kind, lang: str = "th") -> str:
    """A figure as text: counts with separators, shares in %, baht in (million) baht, days."""
    if value is None:
        return text("reports.cookbook.no_data", lang)
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
    return title_for(cb.practice, cb.province.code if cb.province else "", cb.lang)


def kpi_table(cb: Cookbook) -> pd.DataFrame:
    """The KPIs: province value, national value, target, direction and standing (text)."""
    lang = cb.lang
    col = texts("reports.cookbook.column", lang)
    standings = texts("reports.cookbook.standing", lang)
    directions = texts("reports.cookbook.direction", lang)
    rows = []
    for i, k in enumerate(cb.content.kpis):
        own, nat = kpi_value(k, cb.figures), national_kpi(cb, i)
        standing = ""
        if cb.province is not None and isinstance(own, (int, float)) \
                and isinstance(nat, (int, float)):
            diff = float(own) - float(nat)
            if abs(diff) < 1e-9 * max(1.0, abs(float(nat))):
                standing = standings["same"]
            else:
                good = diff > 0 if k.better == "higher" else diff < 0
                standing = standings["better" if good else "worse"]
        row = {col["kpi"]: k.label.get(lang)}
        if cb.province is not None:
            row[col["province_value"]] = format_value(own, k.kind, lang)
        row[col["national_value"]] = format_value(nat, k.kind, lang)
        if any(x.target is not None for x in cb.content.kpis):
            row[col["target"]] = (format_value(k.target, k.kind, lang) if k.target is not None
                                  else "–")
        row[col["direction"]] = "" if k.kind == "text" else directions[k.better]
        if cb.province is not None:
            row[col["standing"]] = standing
            r = province_rank(cb, i)
            row[col["rank_in_country"]] = "–" if r is None else f"{r[0]} / {r[1]}"
        rows.append(row)
    return pd.DataFrame(rows)


def comparison_table(cb: Cookbook) -> pd.DataFrame:
    """National cookbook: provinces × KPIs as formatted text, best first on the first KPI."""
    lang = cb.lang
    col = texts("reports.cookbook.column", lang)
    df = cb.comparison
    if df is None or df.empty:
        return pd.DataFrame()
    out = pd.DataFrame({
        "#": [str(r) if pd.notna(r) else "–" for r in df["rank"]],
        col["code"]: df["code"],
        col["province"]: df[f"name_{lang}"],
    })
    for i, k in enumerate(cb.content.kpis):
        out[k.label.get(lang)] = [format_value(v, k.kind, lang) if pd.notna(v) else "–"
                                  for v in df[f"kpi{i}"]]
    return out


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
    """Title, award line, synthetic-data note and the table of contents (links to the
    section ids)."""
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
    """The figures shown beside a step: label, formatted value (or why there is none)."""
    items = []
    for k in keys:
        v = cb.figures.get(k)
        items.append({"name": figure_label(k, cb.lang),
                      "value": None if v is None else format_value(v, FIGURES[k], cb.lang),
                      "missing": _no_data(cb, FIGURE_PROVIDER.get(k, ""))})
    head = (text("reports.cookbook.page.province_numbers", cb.lang) if cb.province else
            text("reports.cookbook.page.national_numbers", cb.lang))
    return {"head": head, "entries": items}


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
        context["step_figures"] = [_figure_list(cb, s.figures) for s in cb.content.steps]
    elif section == "kpis":
        missing = sorted(set(cb.figures.missing.values()) | set(cb.national.missing.values()))
        context["kpis"] = _table(kpi_table(cb))
        context["missing"] = [text("reports.cookbook.no_data_why", cb.lang, why=m)
                              for m in missing]
    elif section == "compare":
        table = comparison_table(cb)
        kpis = [f"kpi{i}" for i in range(len(cb.content.kpis))]
        # no province has any KPI yet: say so instead of a table of dashes
        none = table.empty or cb.comparison[kpis].isna().all().all()
        context["compare"] = _table(pd.DataFrame() if none else table)
    return render("cookbook_section.html.j2", section=section, practice=cb.practice,
                  lang=cb.lang, content=cb.content, page=texts("reports.cookbook.page", cb.lang),
                  heading=text(f"reports.cookbook.section.{section}", cb.lang), **context)


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

"""The complaints section of the province report (and the national view): headings,
sentences of interpretation, Thai charts and the summary JSON. The notebook
``notebooks/complaints.ipynb`` only calls these; the tables themselves are
:mod:`oneplan.complaints.stats` and :mod:`oneplan.complaints.tracking`. Every sentence and
label is in ``reports/text/complaints.yml``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from oneplan.core import areas, numbers
from oneplan import charts
from oneplan.core.text import text, texts
from oneplan.reports import document
from oneplan.reports.pages import escape_html, sentence
from oneplan.data import audit, db
from oneplan.complaints import review, stats, tracking
from oneplan.complaints.stats import ComplaintData, area_name


def open_data(province_code: str, fiscal_year: int, db_path: str = "", lang: str = "th"
              ) -> ComplaintData:
    """Load the section's data (``province_code`` "" = national) from the central DB."""
    con = db.connect(db_path or None)
    try:
        data = stats.load(con, province_code or None, fiscal_year, lang=lang)
        data.accuracy = stats.linkage_accuracy(con, data.province_code)
        data.review_pending = review.pending_count(con, data.province_code)
        data.synthetic = data.synthetic and db.meta(con).get("synthetic") == "true"
        data.last_import = audit.latest(con, data.province_code,
                                        ("complaint_import", "sample_build"))
    finally:
        con.close()
    return data


def heading(key: str, lang: str) -> str:
    """A section heading (Markdown ``##``): ``duplicates``, ``tracking``, ``stats``,
    ``hotspots`` or ``method``."""
    return text(f"reports.complaints.heading.{key}", lang)


def place_name(d: ComplaintData) -> str:
    """"จังหวัดขอนแก่น" / "Khon Kaen", or the whole country for the national view."""
    if d.province_code is None:
        return text("reports.complaints.place.national", d.lang)
    return text("reports.complaints.place.province", d.lang,
                name=area_name(areas.province(d.province_code), d.lang))


def title(d: ComplaintData) -> str:
    """The report title: the place and the fiscal year."""
    return sentence("reports.complaints.title", d.lang, place=place_name(d),
                fiscal_year=d.fiscal_year)


def intro(d: ComplaintData) -> str:
    """The opening paragraph: records, agencies, matters after linking, duplicates (and the
    synthetic-data mark on a sample)."""
    s = stats.summary(d)
    out = sentence("reports.complaints.intro", d.lang, agencies=s["agencies"],
               records=s["complaint_records"], clusters=s["clusters"],
               duplicate_pct=100 * s["duplicate_share"], cross=s["cross_agency_clusters"])
    if s["setaside_rows"] or s["place_unknown_records"]:
        out += " " + sentence("reports.complaints.intake", d.lang, setaside=s["setaside_rows"],
                              unknown=s["place_unknown_records"])
    if d.synthetic:
        out += f"\n\n*{text('core.labels.synthetic_note', d.lang)}*"
    return out


def _bar(labels, values, *, title_: str, lang: str, colour=None) -> Figure:
    fig = charts.new_figure(7.5, max(2.2, 0.32 * len(labels) + 1.2))
    ax = fig.add_subplot()
    ax.set_title(title_, loc="left")
    if not len(labels):
        return charts.no_data(fig, ax, lang)
    bars = ax.barh([str(x) for x in labels], values, color=colour or charts.PALETTE[0],
                   height=0.7)
    ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values], padding=3, fontsize=8)
    ax.set_xlabel(text("reports.complaints.chart.matters", lang))
    ax.invert_yaxis()
    ax.grid(axis="x")
    ax.margins(x=0.12)
    ax.tick_params(axis="y", length=0)
    return fig


def _finish(fig: Figure, d: ComplaintData) -> Figure:
    if d.synthetic:
        charts.synthetic_watermark(fig, d.lang)
    return fig


def chart_agencies_per_matter(d: ComplaintData) -> Figure:
    """Bars: how many matters reached 1, 2, 3, 4+ agencies."""
    t = stats.agencies_per_matter(d)
    return _finish(_bar(t.iloc[:, 0], t.iloc[:, 1].to_numpy(),
                        title_=text("reports.complaints.chart.agencies_per_matter", d.lang),
                        lang=d.lang), d)


def chart_by_category(d: ComplaintData) -> Figure:
    """Bars: matters (after linking) by category, most first."""
    n = stats.column_names(d.lang)
    t = stats.by_category(d).sort_values(n["clusters"], ascending=False)
    return _finish(_bar(t.iloc[:, 1], t[n["clusters"]].to_numpy(),
                        title_=text("reports.complaints.chart.by_category", d.lang),
                        lang=d.lang), d)


def chart_backlog(d: ComplaintData) -> Figure:
    """Bars: open matters by age band."""
    t = tracking.backlog_by_age(d.clusters, d.params, d.lang)
    return _finish(_bar(t.iloc[:, 0], t.iloc[:, 1].to_numpy(),
                        title_=text("reports.complaints.chart.backlog", d.lang), lang=d.lang,
                        colour=charts.PALETTE[5]), d)


def chart_by_month(d: ComplaintData) -> Figure:
    """Lines: records and matters by month of the fiscal year."""
    t = stats.by_month(d)
    n = stats.column_names(d.lang)
    fig = charts.new_figure(7.5, 3.2)
    ax = fig.add_subplot()
    ax.set_title(text("reports.complaints.chart.by_month", d.lang), loc="left")
    x = range(len(t))
    ax.plot(x, t[n["records"]], marker="o", label=n["records"])
    ax.plot(x, t[n["clusters"]], marker="s", label=n["clusters"])
    ax.set_xticks(list(x), t.iloc[:, 0], rotation=0, fontsize=8)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y")
    ax.legend(loc="lower right")
    return _finish(fig, d)


def area_map(d: ComplaintData) -> Figure:
    """Matters per district (province) or per province (national), as a map."""
    from oneplan.charts import maps

    matters = text("reports.complaints.chart.matters", d.lang)
    if d.province_code is None:
        v = d.clusters.groupby("province_code").size().astype(float)
        fig = maps.province_choropleth(
            v, title=text("reports.complaints.chart.map_province", d.lang),
            legend_label=matters, lang=d.lang, cmap="OrRd", label_top=5)
    else:
        v = d.clusters.groupby("district_code").size().astype(float)
        fig = maps.district_choropleth(
            v, d.province_code, title=text("reports.complaints.chart.map_district", d.lang),
            legend_label=matters, lang=d.lang, cmap="OrRd")
    return _finish(fig, d)


def interpret_duplicates(d: ComplaintData) -> str:
    """What the duplicates are and, on a sample, how well the linkage found them."""
    s = stats.summary(d)
    out = sentence("reports.complaints.interpret.duplicates", d.lang,
               copies=s["complaint_records"] - s["clusters"])
    acc = d.accuracy
    if acc:
        out += sentence("reports.complaints.interpret.accuracy", d.lang,
                    precision=acc["precision"], recall=acc["recall"], f1=acc["f1"],
                    baseline_f1=acc["baseline_f1"])
    return out


def interpret_tracking(d: ComplaintData) -> str:
    """Times to first action and to close, deadline misses, backlog, bounced and reopened."""
    s = stats.summary(d)
    cl = d.clusters
    first = cl["days_to_first_action"].median()
    return sentence("reports.complaints.interpret.tracking", d.lang,
                median_close=s["median_days_to_close"],
                first_action=0 if pd.isna(first) else first,
                sla_pct=100 * s["sla_breach_share"], backlog=s["backlog_over_30d"],
                bounced=int(cl["bounced"].sum()), reopened=int((cl["reopen_count"] > 0).sum()))


def sla_table(d: ComplaintData) -> pd.DataFrame:
    """SLA by category: deadline (days), matters, breached, share."""
    cl = d.clusters
    from oneplan.complaints.feeds import registry

    reg = registry()
    g = cl.groupby("category")
    t = pd.DataFrame({"sla": g["sla_days"].first(), "n": g.size(),
                      "breached": g["sla_breached"].sum().astype(int)})
    t["share"] = 100 * t["breached"] / t["n"]
    t = t.reset_index()
    t["category"] = t["category"].map(lambda c: reg.category_name(c, d.lang))
    col = texts("reports.complaints.sla_column", d.lang)
    t.columns = [col[k] for k in ("category", "sla", "matters", "breached", "share")]
    return t.sort_values(t.columns[3], ascending=False).reset_index(drop=True)


def review_note(pending: int, province_code: str | None, lang: str) -> str:
    """The analyst's note on the officer's review queue (HTML, every text escaped): how
    many pairs of complaints await review and the commands that export them and import
    the decisions (for the province's own code), or that none does."""
    def esc(key: str, **fields) -> str:
        return escape_html(text(f"complaints.review.report.{key}", lang, **fields))

    title = f'<p><strong>{esc("title")}</strong></p>'
    if not pending:
        return f'<aside class="analyst-note">{title}<p>{esc("none")}</p></aside>'
    name = text("complaints.review.report.file", lang) + (
        f"_{province_code}" if province_code else "") + ".xlsx"
    export = f"oneplan complaints review export {name}" + (
        f" --province {province_code}" if province_code else "")
    imp = f"oneplan complaints review import {name} --relink"
    return (f'<aside class="analyst-note">{title}<p>{esc("pending", pairs=f"{pending:,}")} '
            f"<code>{escape_html(export)}</code> {esc('then')} "
            f"<code>{escape_html(imp)}</code></p></aside>")


def review_note_html(d: ComplaintData) -> str:
    """:func:`review_note` for the section's data (pairs counted by :func:`open_data`)."""
    return review_note(getattr(d, "review_pending", 0), d.province_code, d.lang)


def method_note(d: ComplaintData) -> str:
    """How complaints are linked, in two levels (Markdown)."""
    return sentence("reports.complaints.method", d.lang, window=d.params.matter_window_days)


def summary_dict(d: ComplaintData, lang: str) -> dict:
    """Machine-readable summary (``complaints.summary.json``): the headline figures, bounced
    and reopened matters, hotspots and, on a sample, the linkage accuracy."""
    s = stats.summary(d)
    cl = d.clusters
    out = {"synthetic": bool(d.synthetic), "province_code": d.province_code or "",
           "fiscal_year": int(d.fiscal_year), "lang": lang, **s,
           "bounced_clusters": int(cl["bounced"].sum()),
           "reopened_clusters": int((cl["reopen_count"] > 0).sum()),
           "hotspots": int(len(stats.hotspots(d))),
           "review_pairs_pending": int(getattr(d, "review_pending", 0))}
    acc = d.accuracy
    if acc:
        out.update({"linkage_precision": acc["precision"], "linkage_recall": acc["recall"],
                    "linkage_f1": acc["f1"], "exact_id_baseline_f1": acc["baseline_f1"]})
    return out


def write_summary(d: ComplaintData, out_dir: str | Path, lang: str) -> Path:
    """Write ``complaints.summary.json`` (floats rounded) and return its path."""
    from oneplan.core.format import rounded

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "complaints.summary.json"
    path.write_text(json.dumps(rounded(summary_dict(d, lang), 4), ensure_ascii=False,
                               indent=2), encoding="utf-8")
    return path


def default_output_dir(d: ComplaintData) -> Path:
    """``reports/<fy>/<code>``, or ``reports/<fy>/national`` for the national view."""
    from oneplan.core.paths import NATIONAL_DIR, default_reports_dir

    return default_reports_dir() / str(d.fiscal_year) / (d.province_code or NATIONAL_DIR)


# --- the report as a document -------------------------------------------------------------

def category_table(d: ComplaintData, top: int = 14) -> pd.DataFrame:
    """Matters by category, by the category's name only (never its stored code)."""
    t = stats.ranking(stats.by_category(d), d, top=top)
    return t.drop(columns=[text("complaints.stats.group.category", d.lang)], errors="ignore")


def cover(d: ComplaintData) -> str:
    """The report's cover page."""
    name = (None if d.province_code is None
            else area_name(areas.province(d.province_code), d.lang))
    return document.cover(title=text("reports.complaints.doc.title", d.lang),
                          province_name=name, fiscal_year=d.fiscal_year, lang=d.lang,
                          synthetic=bool(d.synthetic))


def files(d: ComplaintData) -> list[tuple[str, str]]:
    """The files the report writes beside itself, as (label, relative link)."""
    tag = d.province_code or "national"
    f = texts("reports.complaints.doc.file", d.lang)
    return [(f["xlsx"], f"complaints_{tag}.xlsx"), (f["backlog"], f"complaints_{tag}_backlog.csv"),
            (f["by_area"], f"complaints_{tag}_by_area.csv"),
            (f["summary"], "complaints.summary.json")]


def executive_summary(d: ComplaintData, previous: dict | None = None) -> str:
    """The one-page summary: records and real matters, the deadline-miss rate (a rate, with
    its n), the backlog, the median time to close; the decision asked; changes."""
    s = summary_dict(d, d.lang)
    L = d.lang
    t = texts("reports.complaints.doc.finding", L)
    u = texts("reports.complaints.doc.unit", L)
    findings = [
        (t["records"].format(agencies=numbers.count(s["agencies"])),
         u["records"].format(n=numbers.count(s["complaint_records"]))),
        (t["clusters"].format(dup=numbers.pct(100 * s["duplicate_share"])),
         u["matters"].format(n=numbers.count(s["clusters"]))),
        (t["sla"].format(n=numbers.count(s["clusters"])),
         numbers.pct(100 * s["sla_breach_share"])),
        (t["backlog"], u["matters"].format(n=numbers.count(s["backlog_over_30d"]))),
        (t["close"], u["days"].format(n=numbers.count(s["median_days_to_close"]))),
    ]
    decision = text("reports.complaints.doc.decision", L,
                    backlog=numbers.count(s["backlog_over_30d"]),
                    bounced=numbers.count(s["bounced_clusters"]))
    fields = [("complaint_records", t["f_records"], "count"),
              ("clusters", t["f_clusters"], "count"),
              ("sla_breach_share", t["f_sla"], "share"),
              ("backlog_over_30d", t["f_backlog"], "count")]
    return document.executive_summary(
        findings, decision=decision, changes=document.changes_since(previous, s, fields, L),
        lang=L, downloads=files(d)[:1])


def previous(d: ComplaintData, out_dir: str | Path) -> dict | None:
    """The last version's ``complaints.summary.json`` in ``out_dir`` (same place and year)."""
    return document.previous_summary(Path(out_dir) / "complaints.summary.json",
                                     province_code=d.province_code or "",
                                     fiscal_year=d.fiscal_year)


def data_appendix(d: ComplaintData) -> str:
    """The linkage terms with their formulas, where the figures come from, and links to
    the report's own files (HTML)."""
    terms = "".join(f'<li><code class="formula">{escape_html(v)}</code></li>'
                    for v in texts("reports.complaints.doc.terms", d.lang).values())
    return (f"<p>{escape_html(text('reports.complaints.doc.terms_intro', d.lang))}</p>"
            f'<ul class="oneplan-formulas">{terms}</ul>'
            f"<p>{escape_html(text('reports.complaints.doc.sources', d.lang))}</p>"
            + document.data_origin(d.last_import, d.lang)
            + document.files_list(files(d)))

"""The complaints section of the province report (and the national view): headings,
sentences of interpretation, Thai charts and the summary JSON. The notebook
``notebooks/complaints.ipynb`` only calls these."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from oneplan.core import areas
from oneplan import charts
from oneplan.data import db
from oneplan.core.labels import SYNTHETIC_NOTE_EN, SYNTHETIC_NOTE_TH
from oneplan.complaints import stats, tracking
from oneplan.complaints.stats import ComplaintData

HEADINGS = {
    "th": {"duplicates": "## เรื่องซ้ำที่ร้องหลายหน่วยงาน", "tracking": "## การติดตามเรื่อง",
           "stats": "## สถิติสำหรับผู้บริหาร", "hotspots": "## ปัญหาซ้ำซากและพื้นที่เฝ้าระวัง",
           "method": "## วิธีการเชื่อมโยงเรื่อง"},
    "en": {"duplicates": "## Duplicates across agencies", "tracking": "## Case tracking",
           "stats": "## Executive statistics", "hotspots": "## Recurring problems and hotspots",
           "method": "## How complaints are linked"},
}


def open_data(province_code: str, fiscal_year: int, db_path: str = "", lang: str = "th"
              ) -> ComplaintData:
    """Load the section's data (``province_code`` "" = national) from the central DB."""
    con = db.connect(db_path or None)
    try:
        data = stats.load(con, province_code or None, fiscal_year, lang=lang)
        data.accuracy = stats.linkage_accuracy(con, data.province_code)
        data.synthetic = data.synthetic and db.meta(con).get("synthetic") == "true"
    finally:
        con.close()
    return data


def heading(key: str, lang: str) -> str:
    return HEADINGS[lang][key]


def place_name(d: ComplaintData) -> str:
    if d.province_code is None:
        return "ทั้งประเทศ" if d.lang == "th" else "all provinces"
    p = areas.province(d.province_code)
    return f"จังหวัด{p.name_th}" if d.lang == "th" else p.name_en


def title(d: ComplaintData) -> str:
    if d.lang == "th":
        return f"เรื่องร้องเรียนศูนย์ดำรงธรรม {place_name(d)} ปีงบประมาณ {d.fiscal_year}"
    return f"Damrongdhama complaints — {place_name(d)}, fiscal year {d.fiscal_year}"


def intro(d: ComplaintData) -> str:
    s = stats.summary(d)
    note = ""
    if d.synthetic:
        note = (f"\n\n*{SYNTHETIC_NOTE_TH}*" if d.lang == "th" else f"\n\n*{SYNTHETIC_NOTE_EN}*")
    if d.lang == "th":
        return (f"ศูนย์ดำรงธรรมรับข้อมูลเรื่องร้องเรียนจาก {s['agencies']} หน่วยงาน รวม "
                f"{s['complaint_records']:,} คำร้อง เมื่อเชื่อมโยงเรื่องเดียวกันที่ร้องหลายแห่ง "
                f"เหลือ {s['clusters']:,} เรื่อง ({100 * s['duplicate_share']:.1f}% ของคำร้องเป็น"
                f"เรื่องซ้ำ) โดย {s['cross_agency_clusters']:,} เรื่องร้องมากกว่าหนึ่งหน่วยงาน" + note)
    return (f"The Damrongdhama Center received {s['complaint_records']:,} complaint records "
            f"from {s['agencies']} agencies. Linking the same matter filed at several agencies "
            f"leaves {s['clusters']:,} matters ({100 * s['duplicate_share']:.1f}% of records "
            f"were duplicates); {s['cross_agency_clusters']:,} matters reached more than one "
            "agency." + note)


def _bar(labels, values, *, title_: str, xlabel: str, lang: str, colour=None) -> Figure:
    fig = charts.new_figure(7.5, max(2.2, 0.32 * len(labels) + 1.2))
    ax = fig.add_subplot()
    ax.set_title(title_, loc="left")
    if not len(labels):
        ax.text(0.5, 0.5, charts.TEXT[lang]["no_data"], ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    bars = ax.barh([str(x) for x in labels], values, color=colour or charts.PALETTE[0],
                   height=0.7)
    ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values], padding=3, fontsize=8)
    ax.set_xlabel(xlabel)
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
    t = stats.agencies_per_matter(d)
    th = d.lang == "th"
    return _finish(_bar(t.iloc[:, 0], t.iloc[:, 1].to_numpy(),
                        title_="จำนวนหน่วยงานที่รับเรื่องเดียวกัน" if th else
                        "Agencies that received the same matter",
                        xlabel="เรื่อง" if th else "matters", lang=d.lang), d)


def chart_by_category(d: ComplaintData) -> Figure:
    n = stats.column_names(d.lang)  # noqa: SLF001
    t = stats.by_category(d).sort_values(n["clusters"], ascending=False)
    th = d.lang == "th"
    return _finish(_bar(t.iloc[:, 1], t[n["clusters"]].to_numpy(),
                        title_="เรื่องร้องเรียนจำแนกตามหมวด (หลังรวมเรื่องซ้ำ)" if th else
                        "Matters by category (after linking duplicates)",
                        xlabel="เรื่อง" if th else "matters", lang=d.lang), d)


def chart_backlog(d: ComplaintData) -> Figure:
    t = tracking.backlog_by_age(d.clusters, d.params, d.lang)
    th = d.lang == "th"
    return _finish(_bar(t.iloc[:, 0], t.iloc[:, 1].to_numpy(),
                        title_="เรื่องค้างจำแนกตามอายุเรื่อง" if th else "Open matters by age",
                        xlabel="เรื่อง" if th else "matters", lang=d.lang,
                        colour=charts.PALETTE[5]), d)


def chart_by_month(d: ComplaintData) -> Figure:
    t = stats.by_month(d)
    th = d.lang == "th"
    n = stats.column_names(d.lang)  # noqa: SLF001
    fig = charts.new_figure(7.5, 3.2)
    ax = fig.add_subplot()
    ax.set_title("คำร้องและเรื่องจริงรายเดือน" if th else "Records and matters by month", loc="left")
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

    th = d.lang == "th"
    if d.province_code is None:
        v = d.clusters.groupby("province_code").size().astype(float)
        fig = maps.province_choropleth(v, title="เรื่องร้องเรียนรายจังหวัด" if th else
                                       "Matters by province", legend_label="เรื่อง" if th
                                       else "matters", lang=d.lang, cmap="OrRd", label_top=5)
    else:
        v = d.clusters.groupby("district_code").size().astype(float)
        fig = maps.district_choropleth(v, d.province_code, title="เรื่องร้องเรียนรายอำเภอ" if th
                                       else "Matters by district", legend_label="เรื่อง" if th
                                       else "matters", lang=d.lang, cmap="OrRd")
    return _finish(fig, d)


def interpret_duplicates(d: ComplaintData) -> str:
    s = stats.summary(d)
    acc = d.accuracy
    th = d.lang == "th"
    text = (f"คำร้อง {s['complaint_records'] - s['clusters']:,} รายการเป็นสำเนาของเรื่องเดียวกันที่"
            f"ยื่นต่อหลายหน่วยงาน เรื่องหลัก (parent) คือคำร้องแรกของแต่ละเรื่อง คำร้องอื่นเชื่อมเป็น"
            "เรื่องย่อย โดยเก็บคำร้องต้นฉบับทุกฉบับไว้ตามเดิม" if th else
            f"{s['complaint_records'] - s['clusters']:,} records are copies of a matter filed "
            "at several agencies. The parent is each matter's first record; the others are "
            "linked to it as children, and every source record is kept as it was.")
    if acc:
        text += (f" เมื่อเทียบกับคำตอบจริงของข้อมูลสังเคราะห์ ความแม่นยำแบบคู่ (precision) "
                 f"{acc['precision']:.3f} ความครบถ้วน (recall) {acc['recall']:.3f} F1 {acc['f1']:.3f} "
                 f"(การจับคู่ด้วยเลขประจำตัวประชาชนอย่างเดียวได้ F1 {acc['baseline_f1']:.3f})" if th else
                 f" Against the synthetic sample's truth: pairwise precision "
                 f"{acc['precision']:.3f}, recall {acc['recall']:.3f}, F1 {acc['f1']:.3f} "
                 f"(exact national ID alone: F1 {acc['baseline_f1']:.3f}).")
    return text


def interpret_tracking(d: ComplaintData) -> str:
    s = stats.summary(d)
    cl = d.clusters
    th = d.lang == "th"
    bounced = int(cl["bounced"].sum())
    reopened = int((cl["reopen_count"] > 0).sum())
    first = cl["days_to_first_action"].median()
    if th:
        return (f"เรื่องที่ยุติแล้วใช้เวลามัธยฐาน {s['median_days_to_close']:.0f} วัน "
                f"เริ่มดำเนินการครั้งแรกภายในมัธยฐาน {0 if pd.isna(first) else first:.0f} วัน "
                f"เกินกำหนดเวลาตามหมวด {100 * s['sla_breach_share']:.1f}% ของเรื่อง "
                f"ค้างเกิน 30 วัน {s['backlog_over_30d']:,} เรื่อง ถูกส่งต่อระหว่างหน่วยงานตั้งแต่ 2 ครั้ง "
                f"{bounced:,} เรื่อง และถูกเปิดใหม่ {reopened:,} เรื่อง")
    return (f"Closed matters took a median {s['median_days_to_close']:.0f} days; the first "
            f"action came after a median {0 if pd.isna(first) else first:.0f} days. "
            f"{100 * s['sla_breach_share']:.1f}% of matters missed their category's deadline, "
            f"{s['backlog_over_30d']:,} are open after more than 30 days, {bounced:,} were "
            f"passed between agencies twice or more and {reopened:,} were reopened.")


def sla_table(d: ComplaintData) -> pd.DataFrame:
    """SLA by category: deadline (days), matters, breached, share."""
    cl = d.clusters
    from oneplan.complaints.feeds import registry

    reg = registry()
    th = d.lang == "th"
    g = cl.groupby("category")
    t = pd.DataFrame({"sla": g["sla_days"].first(), "n": g.size(),
                      "breached": g["sla_breached"].sum().astype(int)})
    t["share"] = 100 * t["breached"] / t["n"]
    t = t.reset_index()
    t["category"] = t["category"].map(lambda c: reg.category_name(c, d.lang))
    t.columns = (["หมวด", "กำหนด (วัน)", "เรื่อง", "เกินกำหนด", "ร้อยละ"] if th else
                 ["category", "deadline (days)", "matters", "breached", "share %"])
    return t.sort_values(t.columns[3], ascending=False).reset_index(drop=True)


def method_note(d: ComplaintData) -> str:
    p = d.params
    if d.lang == "th":
        return ("เชื่อมโยงสองระดับ: (1) **ใครเป็นผู้ร้อง** — Splink เปรียบเทียบเลขประจำตัวและเบอร์โทร"
                "ที่เข้ารหัสแบบแฮชพร้อมเกลือ ชื่อ-สกุล (ตัดคำนำหน้า) บ้านเลขที่และตำบล (2) **เรื่องเดียวกันหรือไม่** — "
                f"หมวดเดียวกัน วันที่รับห่างกันไม่เกิน {p.matter_window_days} วัน และข้อความคล้ายกัน "
                "(ไตรแกรมตัวอักษรหลังตัดวรรณยุกต์ คำขึ้นต้น/ลงท้าย และรวมคำย่อ ม./หมู่ ต./ตำบล) "
                "คำร้องที่ไม่ระบุตัวตนเทียบกับคำร้องในตำบลและหมวดเดียวกันด้วยเกณฑ์ที่เข้มกว่า "
                "รายงานนี้ไม่แสดงชื่อ เลขประจำตัว หรือเบอร์โทรของผู้ร้อง")
    return ("Two levels: (1) **who filed it** — Splink compares salted hashes of the national "
            "ID and phone, names without titles, house and sub-district; (2) **which matter** — "
            f"same category group, received within {p.matter_window_days} days, similar text "
            "(character trigrams without tone marks, boilerplate or abbreviation variants). "
            "Records without identity are compared with the same sub-district and category at "
            "a stricter threshold. No name, national ID or phone appears in this report.")


def summary_dict(d: ComplaintData, lang: str) -> dict:
    s = stats.summary(d)
    cl = d.clusters
    out = {"synthetic": bool(d.synthetic), "province_code": d.province_code or "",
           "fiscal_year": int(d.fiscal_year), "lang": lang, **s,
           "bounced_clusters": int(cl["bounced"].sum()),
           "reopened_clusters": int((cl["reopen_count"] > 0).sum()),
           "hotspots": int(len(stats.hotspots(d)))}
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
    from oneplan.core.paths import default_reports_dir

    return default_reports_dir() / str(d.fiscal_year) / (d.province_code or "national")

"""Executive statistics of complaints: by category, district, agency and month;
recurring problems and hotspots; rankings that show a row only when it has at least
``complaints.min_count`` cases (small counts rank by chance and can point at a person).

Every table is a plain DataFrame without personal data, exportable as CSV/XLSX
(:func:`export_tables`); its column names come from ``complaints/text/stats.yml`` in the
report's language. This module also owns the loading of one area's cases and clusters
(:func:`load`, :class:`ComplaintData`) and the linkage accuracy against a sample's truth."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from oneplan.core import areas, thai
from oneplan.core.text import check_lang, text, texts
from oneplan.data.params import ComplaintsParams, load_params
from oneplan.complaints import tracking
from oneplan.complaints.feeds import registry
from oneplan.complaints.store import cases as load_cases, setaside_count
from oneplan.complaints.tracking import UNKNOWN_PLACE, place_keys, unknown_place_name

log = logging.getLogger(__name__)


@dataclass
class ComplaintData:
    """Cases and their clusters for one province (or the nation) and fiscal year."""

    province_code: str | None
    fiscal_year: int
    cases: pd.DataFrame
    clusters: pd.DataFrame
    params: ComplaintsParams
    lang: str = "th"
    synthetic: bool = True
    accuracy: dict | None = None
    """Linkage P/R/F1 against the generator's truth (sample databases only)."""
    setaside: int = 0
    """Feed rows set aside for review (no usable content), not in ``cases``."""
    last_import: Any = None
    """The last feed import on record (:func:`oneplan.data.audit.latest`), for the report."""


def load(con: duckdb.DuckDBPyConnection, province_code: str | None, fiscal_year: int, *,
         lang: str = "th", params: ComplaintsParams | None = None) -> ComplaintData:
    """Cases and per-cluster tracking for a province (None or "": national)."""
    check_lang(lang)
    code = areas.province(province_code).code if province_code else None
    p = params or load_params(code).complaints
    cs = load_cases(con, code, fiscal_year)
    cl = tracking.clusters(cs, p) if len(cs) else tracking.clusters(
        cs.assign(received_on=pd.to_datetime([]), first_action_on=pd.to_datetime([]),
                  closed_on=pd.to_datetime([])), p, pd.Timestamp("2000-01-01"))
    synthetic = bool(cs["synthetic"].all()) if len(cs) else True
    return ComplaintData(code, fiscal_year, cs, cl, p, lang, synthetic,
                         setaside=setaside_count(con, code))


def column_names(lang: str) -> dict[str, str]:
    """The figure columns of the grouped tables in ``lang``, by key (``records``,
    ``clusters``, ``dup``, ``cross``, ``median_close``, ``sla``, ``open``)."""
    return texts("complaints.stats.column", lang)


def area_name(area, lang: str) -> str:
    """The name of a province, district or sub-district (``name_th``/``name_en``) in ``lang``."""
    return getattr(area, f"name_{check_lang(lang)}")


def summary(d: ComplaintData) -> dict[str, float | int]:
    """Headline figures: records, agencies, clusters, cross-agency clusters, duplicate
    share (children / records), median days to close, SLA breach share, backlog > 30 d,
    records whose place is unknown, feed rows set aside for review."""
    cs, cl = d.cases, d.clusters
    closed = cl[cl["status"] == "closed"]
    open_ = cl[cl["status"] != "closed"]
    n = len(cs)
    return {
        "complaint_records": int(n),
        "agencies": int(cs["agency_id"].nunique()) if n else 0,
        "clusters": int(len(cl)),
        "cross_agency_clusters": int((cl["agencies"] >= 2).sum()),
        "duplicate_share": float((~cs["is_parent"]).sum() / n) if n else 0.0,
        "median_days_to_close": float(closed["days_to_close"].median()) if len(closed) else 0.0,
        "sla_breach_share": float(cl["sla_breached"].mean()) if len(cl) else 0.0,
        "backlog_over_30d": int((open_["age_days"] > 30).sum()),
        "place_unknown_records": int(cs["subdistrict_code"].isna().sum()) if n else 0,
        "setaside_rows": int(d.setaside),
    }


def _group_table(d: ComplaintData, key: str, label: str, names: pd.Series | dict | None
                 ) -> pd.DataFrame:
    cs, cl = d.cases, d.clusters
    if key in ("district_code", "subdistrict_code"):  # unknown places: a row of their own
        cs = cs.assign(**{key: place_keys(cs[key])})
        cl = cl.assign(**{key: place_keys(cl[key])})
        names = {**(names or {}), UNKNOWN_PLACE: unknown_place_name(d.lang)}
    n = column_names(d.lang)
    rec = cs.groupby(key).size().rename(n["records"])
    if key in cl:
        g = cl.groupby(key)
        agg = pd.DataFrame({n["clusters"]: g.size(),
                            n["cross"]: g["agencies"].apply(lambda s: int((s >= 2).sum())),
                            n["median_close"]: g["days_to_close"].median(),
                            n["sla"]: 100 * g["sla_breached"].mean(),
                            n["open"]: g["status"].apply(lambda s: int((s != "closed").sum()))})
    else:  # agency: a cluster counts for every agency that holds a copy of it
        m = cs[[key, "cluster_id"]].merge(
            cl[["cluster_id", "agencies", "days_to_close", "sla_breached", "status"]],
            on="cluster_id")
        g = m.groupby(key)
        agg = pd.DataFrame({n["clusters"]: g["cluster_id"].nunique(),
                            n["cross"]: g.apply(lambda x: int(x.loc[x["agencies"] >= 2,
                                                                     "cluster_id"].nunique()),
                                                include_groups=False),
                            n["median_close"]: g["days_to_close"].median(),
                            n["sla"]: 100 * g["sla_breached"].mean(),
                            n["open"]: g.apply(lambda x: int(x.loc[x["status"] != "closed",
                                                                    "cluster_id"].nunique()),
                                               include_groups=False)})
    # a group may hold matters but no record of this selection (a matter's category or place
    # comes from its parent, which may be another agency's copy filed under another label),
    # or records but no matter: both count 0 there, never a crash
    out = pd.concat([rec, agg], axis=1).fillna(
        {n["records"]: 0, n["clusters"]: 0, n["cross"]: 0, n["open"]: 0})
    out[n["dup"]] = (100 * (1 - out[n["clusters"]] / out[n["records"]].where(out[n["records"]] > 0))
                     ).clip(lower=0)
    out = out.reset_index().rename(columns={key: label})
    if names is not None:
        out.insert(1, text("complaints.stats.group.name", d.lang),
                   out[label].map(names).fillna(out[label]))
    for col in (n["records"], n["clusters"], n["cross"], n["open"]):
        out[col] = out[col].astype(int)
    for col in (n["median_close"], n["sla"], n["dup"]):
        out[col] = out[col].astype(float).round(1)
    return out.sort_values(n["records"], ascending=False).reset_index(drop=True)


def by_category(d: ComplaintData) -> pd.DataFrame:
    """By complaint category, most records first."""
    reg = registry()
    names = {k: reg.category_name(k, d.lang) for k in reg.categories}
    return _group_table(d, "category", text("complaints.stats.group.category", d.lang), names)


def by_agency(d: ComplaintData) -> pd.DataFrame:
    """By agency (a matter counts for every agency that holds a copy), most records first."""
    reg = registry()
    names = {k: f.full_name(d.lang) for k, f in reg.feeds.items()}
    label = text("complaints.stats.group.agency", d.lang)
    out = _group_table(d, "agency_id", label, names)
    # the abbreviation readers know (กฟภ.), not the feed id
    out[label] = out[label].map(lambda a: reg.agency_short(a, d.lang))
    return out


def _district_names(codes, lang: str) -> dict[str, str]:
    out = {}
    for pc in sorted({c[:2] for c in codes}):
        for dist in areas.districts(pc):
            out[dist.code] = area_name(dist, lang)
    return out


def by_district(d: ComplaintData) -> pd.DataFrame:
    """By district (province report) or by province (national view)."""
    if d.province_code is None:
        names = {p.code: area_name(p, d.lang) for p in areas.all_provinces()}
        return _group_table(d, "province_code", text("complaints.stats.group.province", d.lang),
                            names)
    names = _district_names([c for c in d.cases["district_code"].dropna().unique()], d.lang)
    return _group_table(d, "district_code", text("complaints.stats.group.district", d.lang),
                        names)


def by_month(d: ComplaintData) -> pd.DataFrame:
    """By month of the fiscal year (ต.ค. … ก.ย.), labelled in พ.ศ."""
    cs = d.cases.assign(month=pd.to_datetime(d.cases["received_on"]).dt.to_period("M"))
    cl = d.clusters.assign(month=pd.to_datetime(d.clusters["received_on"]).dt.to_period("M"))
    n = column_names(d.lang)
    out = pd.DataFrame({n["records"]: cs.groupby("month").size(),
                        n["clusters"]: cl.groupby("month").size()}).fillna(0).astype(int)
    out.insert(0, text("complaints.stats.group.month", d.lang),
               [month_label(m, d.lang) for m in out.index])
    return out.reset_index(drop=True)


YEAR_DIGITS = {"th": 2, "en": 4}
"""Digits of the year in a month label, by language: ``ต.ค. 68`` (พ.ศ.), ``Oct 2025``."""


def month_label(month: pd.Period, lang: str) -> str:
    """A month as the tables and charts show it: ``ต.ค. 68`` in Thai (พ.ศ.), ``Oct 2025``
    in English."""
    _day, name, year = thai.format_date(month.start_time, check_lang(lang), "short").split(" ")
    return f"{name} {year[-YEAR_DIGITS[lang]:]}"


def ranking(table: pd.DataFrame, d: ComplaintData, top: int = 10) -> pd.DataFrame:
    """The ``top`` rows of a grouped table, only rows with at least ``min_count`` records
    (small groups rank by chance and may point at one person)."""
    n = column_names(d.lang)
    return table[table[n["records"]] >= d.params.min_count].head(top).reset_index(drop=True)


def hotspots(d: ComplaintData) -> pd.DataFrame:
    """Sub-districts where one category came back again and again: at least
    ``hotspot_min_clusters`` distinct matters of that category in the year, with the months
    they span."""
    cl = d.clusters
    if not len(cl):
        return pd.DataFrame()
    cl = cl.assign(subdistrict_code=place_keys(cl["subdistrict_code"]))
    g = cl.groupby(["subdistrict_code", "category"])
    t = pd.DataFrame({"matters": g.size(), "records": g["records"].sum(),
                      "months": g["received_on"].apply(
                          lambda s: pd.to_datetime(s).dt.to_period("M").nunique()),
                      "open": g["status"].apply(lambda s: int((s != "closed").sum()))})
    t = t[t["matters"] >= d.params.hotspot_min_clusters].reset_index()
    reg = registry()
    col = texts("complaints.stats.hotspot", d.lang)
    sub_names = {UNKNOWN_PLACE: unknown_place_name(d.lang)}
    for code in t["subdistrict_code"].unique():
        if code == UNKNOWN_PLACE:
            continue
        dist = areas.subdistricts(code[:4])
        for s in dist:
            sub_names[s.code] = area_name(s, d.lang)
    dist_names = _district_names([c[:4] for c in t["subdistrict_code"].unique()
                                  if c != UNKNOWN_PLACE], d.lang)
    t.insert(1, col["subdistrict"], t["subdistrict_code"].map(sub_names))
    t.insert(2, col["district"], t["subdistrict_code"].str[:4].map(dist_names))
    t["category"] = t["category"].map(lambda c: reg.category_name(c, d.lang))
    t = t.rename(columns={"subdistrict_code": col["code"], "category": col["category"],
                          "matters": col["matters"], "records": col["records"],
                          "months": col["months"], "open": col["open"]})
    return t.sort_values(t.columns[4], ascending=False).reset_index(drop=True)


def recurring(d: ComplaintData) -> pd.DataFrame:
    """Recurring problems: the same person back with the same category in the same
    sub-district as separate matters (after linking duplicates) — counts only."""
    cs = d.cases[d.cases["is_parent"] & d.cases["person_no"].notna()]
    cs = cs.assign(subdistrict_code=place_keys(cs["subdistrict_code"]))
    rep = cs.groupby(["person_no", "category", "subdistrict_code"]).size()
    rep = rep[rep >= 2].reset_index(name="n")
    reg = registry()
    col = texts("complaints.stats.recurring", d.lang)
    if not len(rep):
        return pd.DataFrame(columns=[col["category"]])
    t = rep.groupby("category").agg(people=("person_no", "size"), matters=("n", "sum"))
    t = t.reset_index()
    t["category"] = t["category"].map(lambda c: reg.category_name(c, d.lang))
    t = t.rename(columns=col)
    return t.sort_values(t.columns[1], ascending=False).reset_index(drop=True)


def _case_label(case: str, reg, lang: str) -> str:
    """``dd_province:7040000146`` → ``ศดธ.จังหวัด 7040000146`` (the agency's own number)."""
    agency, sep, number = case.partition(":")
    return f"{reg.agency_short(agency, lang)} {number}" if sep else case


def duplicates_table(d: ComplaintData, top: int = 15) -> pd.DataFrame:
    """Cross-agency duplicates found: clusters at two or more agencies (largest first),
    with the agencies and status; case numbers only, no personal data."""
    cl = d.clusters[d.clusters["agencies"] >= 2].sort_values(
        ["agencies", "records", "received_on"], ascending=[False, False, True]).head(top)
    reg = registry()
    col = texts("complaints.stats.duplicates", d.lang)
    status = texts("complaints.stats.duplicate_status", d.lang)
    return pd.DataFrame({
        col["parent"]: cl["cluster_id"].str.removeprefix("CL:").map(
            lambda c: _case_label(c, reg, d.lang)),
        col["category"]: cl["category"].map(lambda c: reg.category_name(c, d.lang)),
        col["agencies"]: cl["agencies"].astype(int),
        col["records"]: cl["records"].astype(int),
        col["holders"]: cl["agency_list"].map(
            lambda ids: ", ".join(reg.agency_short(a, d.lang) for a in str(ids).split(", "))),
        col["first"]: [
            thai.format_date(x, d.lang, "short") for x in pd.to_datetime(cl["received_on"])],
        col["status"]: cl["status"].map(status),
    }).reset_index(drop=True)


def agencies_per_matter(d: ComplaintData) -> pd.DataFrame:
    """How many agencies each matter reached (1, 2, 3, 4+)."""
    k = d.clusters["agencies"].clip(upper=4)
    counts = k.value_counts().reindex([1, 2, 3, 4], fill_value=0)
    col = texts("complaints.stats.agencies_per_matter", d.lang)
    return pd.DataFrame({col["agencies"]: ["1", "2", "3", "4+"],
                         col["matters"]: counts.to_numpy().astype(int)})


def all_tables(d: ComplaintData) -> dict[str, pd.DataFrame]:
    """Every table of the complaints section, keyed by a short sheet name."""
    return {
        "summary": pd.DataFrame([summary(d)]),
        "duplicates": duplicates_table(d, top=1000),
        "agencies_per_matter": agencies_per_matter(d),
        "status": tracking.status_table(d.clusters, d.lang),
        "backlog": tracking.backlog_by_age(d.clusters, d.params, d.lang),
        "by_category": by_category(d),
        "by_area": by_district(d),
        "by_agency": by_agency(d),
        "by_month": by_month(d),
        "hotspots": hotspots(d),
        "recurring": recurring(d),
    }


def export_tables(d: ComplaintData, out_dir: str | Path) -> list[Path]:
    """Write every table as CSV (UTF-8 with BOM, opens in Excel) and all of them as one
    XLSX; no personal data (tables are built from :data:`store.PUBLIC_COLUMNS`).

    Returns:
        The files written.
    """
    from oneplan.core.files import write_csv, write_xlsx
    from oneplan.core.labels import SYNTHETIC_NOTE_EN, SYNTHETIC_NOTE_TH

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = all_tables(d)
    tag = d.province_code or "national"
    paths = []
    # round floats: a long fraction (29.6703296703297) reads as an ID number to scanners
    tables = {k: v.round(4) for k, v in tables.items()}
    for name, df in tables.items():
        paths.append(write_csv(df, out / f"complaints_{tag}_{name}.csv"))
    note = f"{SYNTHETIC_NOTE_TH} / {SYNTHETIC_NOTE_EN}" if d.synthetic else None
    paths.append(write_xlsx(tables, out / f"complaints_{tag}.xlsx", note=note))
    return paths


def linkage_accuracy(con: duckdb.DuckDBPyConnection, province_code: str | None = None
                     ) -> dict[str, float] | None:
    """Pairwise precision/recall/F1 of the stored clusters against the generator's truth
    (sample databases only; None when there is no truth), and the exact-ID baseline."""
    from oneplan.complaints.linkage import pairwise_scores

    where = "WHERE c.province_code = ?" if province_code else ""
    df = con.execute(
        "SELECT c.complaint_id, c.person_id_hash, k.cluster_id, t.truth_matter FROM complaints c "
        "JOIN complaint_truth t USING (complaint_id) JOIN complaint_clusters k USING "
        f"(complaint_id) {where}", [province_code] if province_code else []).df()
    if not len(df):
        return None
    s = pairwise_scores(df["cluster_id"], df["truth_matter"])
    base = pairwise_scores(df["person_id_hash"].fillna("x" + df["complaint_id"]),
                           df["truth_matter"])
    return {"precision": s["precision"], "recall": s["recall"], "f1": s["f1"],
            "baseline_f1": base["f1"], "records": len(df)}

"""Case tracking across agencies: one row per cluster (the matter), built from every
agency's copy of it.

A cluster is *closed* when every copy is closed, *in progress* when any agency has acted,
else *received*. Its time to first action is from its first receipt to the first action of
any agency; its time to close from first receipt to the last copy's closure. The SLA is
``complaints.sla_days`` of its category (params): a closed cluster breached it when it took
longer; an open one when it is already older. Reopens are summed over copies; a cluster is
*bounced* when its copies were passed on between agencies two or more times in all.

It owns the per-cluster table (:func:`clusters`) and the tracking tables of the report
(:func:`backlog_by_age`, :func:`status_table`, labels from ``complaints/text/tracking.yml``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oneplan.core.text import text, texts
from oneplan.data.params import ComplaintsParams

UNKNOWN_PLACE = "-"
"""The area code of records and matters whose place could not be read: a row of its own
in every table by area ("ไม่ทราบพื้นที่ / place unknown"), never dropped."""


def place_keys(codes: pd.Series) -> pd.Series:
    """Area codes with an unknown place as :data:`UNKNOWN_PLACE` (so a group-by keeps it)."""
    return codes.astype(object).where(codes.notna(), UNKNOWN_PLACE)


def unknown_place_name(lang: str = "th") -> str:
    """What a table shows for :data:`UNKNOWN_PLACE`."""
    return text("complaints.tracking.place_unknown", lang)


def as_of_date(cases: pd.DataFrame) -> pd.Timestamp:
    """The data's own "today": the latest date any record mentions."""
    dates = pd.concat([cases["received_on"], cases["first_action_on"], cases["closed_on"]])
    return pd.Timestamp(dates.max()).normalize()


def clusters(cases: pd.DataFrame, p: ComplaintsParams, as_of: pd.Timestamp | None = None
             ) -> pd.DataFrame:
    """One row per cluster with its cross-agency status and timings.

    Args:
        cases: :func:`oneplan.complaints.store.cases`.
        as_of: the day ages are counted to (default :func:`as_of_date`).

    Returns:
        Columns ``cluster_id, category, province_code, district_code, subdistrict_code
        (NA: place unknown; a matter takes the first known place of its copies),
        place_unknown, records, agencies, agency_list, status, received_on,
        first_action_on, closed_on,
        days_to_first_action, days_to_close, age_days, sla_days, sla_breached,
        reopen_count, transfers, bounced``.
    """
    as_of = as_of or as_of_date(cases)
    c = cases.copy()
    c["is_closed"] = c["status"] == "closed"
    c["acted"] = c["status"] != "received"
    parents = c[c["is_parent"]].set_index("cluster_id")
    g = c.groupby("cluster_id", sort=False)
    out = pd.DataFrame({
        "records": g.size(),
        "agencies": g["agency_id"].nunique(),
        "agency_list": g["agency_id"].agg(lambda s: ", ".join(sorted(set(s)))),
        "all_closed": g["is_closed"].all(),
        "any_acted": g["acted"].any(),
        "received_on": g["received_on"].min(),
        "first_action_on": g["first_action_on"].min(),
        "closed_on": g["closed_on"].max(),
        "reopen_count": g["reopen_count"].sum(),
        "transfers": g["transfers"].sum(),
    })
    # a matter's parent may lie outside this selection (another fiscal year or province):
    # its earliest record here stands in for it, so no matter is left without a category
    first = c.sort_values("received_on", kind="stable").drop_duplicates("cluster_id")
    first = first.set_index("cluster_id")
    for col in ("category", "province_code", "district_code", "subdistrict_code"):
        out[col] = parents[col].reindex(out.index)
        if col in ("category", "province_code"):
            out[col] = out[col].fillna(first[col].reindex(out.index))
    # a parent without a place takes that of its first copy that has one
    placed = c[c["subdistrict_code"].notna()].drop_duplicates("cluster_id").set_index(
        "cluster_id")
    missing = out["subdistrict_code"].isna()
    if missing.any():
        for col in ("province_code", "district_code", "subdistrict_code"):
            found = placed[col].reindex(out.index)[missing]
            out.loc[missing, col] = found.fillna(out.loc[missing, col]) \
                if col == "province_code" else found
    out["place_unknown"] = out["subdistrict_code"].isna()
    out["status"] = np.where(out["all_closed"], "closed",
                             np.where(out["any_acted"], "in_progress", "received"))
    out.loc[~out["all_closed"], "closed_on"] = pd.NaT
    out["days_to_first_action"] = (out["first_action_on"] - out["received_on"]).dt.days
    out["days_to_close"] = (out["closed_on"] - out["received_on"]).dt.days
    out["age_days"] = (as_of - out["received_on"]).dt.days
    out["sla_days"] = out["category"].map(p.sla_days).fillna(p.default_sla_days).astype(int)
    out["sla_breached"] = np.where(out["status"] == "closed",
                                   out["days_to_close"] > out["sla_days"],
                                   out["age_days"] > out["sla_days"])
    out["bounced"] = out["transfers"] >= 2
    return out.drop(columns=["all_closed", "any_acted"]).reset_index()


def backlog_by_age(cl: pd.DataFrame, p: ComplaintsParams, lang: str = "th") -> pd.DataFrame:
    """Open clusters by age band (``complaints.backlog_bins_days``)."""
    bins = [-1] + list(p.backlog_bins_days) + [10**6]
    labels = [text("complaints.tracking.age_band.over", lang, low=lo) if hi == 10**6 else
              text("complaints.tracking.age_band.between", lang, low=lo + 1, high=hi)
              for lo, hi in zip(bins[:-1], bins[1:])]
    open_ = cl[cl["status"] != "closed"]
    band = pd.cut(open_["age_days"], bins=bins, labels=labels)
    counts = band.value_counts().reindex(labels, fill_value=0)
    col = texts("complaints.tracking.backlog", lang)
    return pd.DataFrame({col["age"]: labels, col["open"]: counts.to_numpy().astype(int)})


def status_table(cl: pd.DataFrame, lang: str = "th") -> pd.DataFrame:
    """Clusters by cross-agency status, with the share of each."""
    names = texts("complaints.tracking.status", lang)
    col = texts("complaints.tracking.status_table", lang)
    counts = cl["status"].value_counts().reindex(list(names), fill_value=0)
    return pd.DataFrame({
        col["status"]: list(names.values()),
        col["matters"]: counts.to_numpy().astype(int),
        col["share"]: (100 * counts / max(len(cl), 1)).round(1).to_numpy()})

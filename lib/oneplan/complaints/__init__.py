"""Damrongdhama complaint linkage: 15 agency feeds → one schema, personal data as salted
hashes, cross-agency duplicates linked at two levels (who filed it, then which matter),
case tracking and executive statistics. See ``docs/complaints.md``."""


def cookbook_figures(con, province_code: str | None, fiscal_year: int) -> dict:
    """Headline complaint figures for the cookbook writer (``province_code`` None:
    national): ``complaint_records, agencies, clusters, cross_agency_clusters,
    duplicate_share, median_days_to_close, sla_breach_share, backlog_over_30d``.

    A rate without a base is None, not 0: no records, no duplicate share; no matter, no SLA
    share; no matter closed, no median days to close (a province without complaints in the
    database must not rank best on them)."""
    from oneplan.complaints.stats import load, summary

    keys = ("complaint_records", "agencies", "clusters", "cross_agency_clusters",
            "duplicate_share", "median_days_to_close", "sla_breach_share", "backlog_over_30d")
    data = load(con, province_code or None, fiscal_year)
    figures = summary(data)
    out: dict = {k: figures[k] for k in keys}
    if not out["complaint_records"]:
        out["duplicate_share"] = None
    if not out["clusters"]:
        out["sla_breach_share"] = None
    closed = bool(len(data.clusters)) and bool((data.clusters["status"] == "closed").any())
    if not closed:
        out["median_days_to_close"] = None
    return out

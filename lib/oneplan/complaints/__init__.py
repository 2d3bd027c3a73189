"""Damrongdhama complaint linkage: 15 agency feeds → one schema, personal data as salted
hashes, cross-agency duplicates linked at two levels (who filed it, then which matter),
case tracking and executive statistics. See ``docs/complaints.md``."""


def cookbook_figures(con, province_code: str | None, fiscal_year: int) -> dict:
    """Headline complaint figures for the cookbook writer (``province_code`` None:
    national): ``complaint_records, agencies, clusters, cross_agency_clusters,
    duplicate_share, median_days_to_close, sla_breach_share, backlog_over_30d``."""
    from oneplan.complaints.stats import load, summary

    keys = ("complaint_records", "agencies", "clusters", "cross_agency_clusters",
            "duplicate_share", "median_days_to_close", "sla_breach_share", "backlog_over_30d")
    figures = summary(load(con, province_code or None, fiscal_year))
    return {k: figures[k] for k in keys}

"""Putting complaint records into the central database and reading them back without
personal data."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from oneplan.complaints.feeds import (
    CANONICAL_COLUMNS,
    AdaptResult,
    FeedError,
    import_file,
    registry,
)

log = logging.getLogger(__name__)

PUBLIC_COLUMNS = ("complaint_id", "agency_id", "case_no", "received_on", "category",
                  "province_code", "district_code", "subdistrict_code", "moo", "status",
                  "first_action_on", "closed_on", "reopen_count", "transfers", "synthetic",
                  "source_file", "source_sheet", "source_row")
"""The columns that reports and exports may show: no names, no hashes, no free text
(free text may hold a name or a phone number someone typed)."""

_TRACKING = ("status", "first_action_on", "closed_on", "reopen_count", "transfers")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the complaint tables in an older database file that lacks them."""
    from oneplan.data import db

    sql = db.schema_sql()
    start = sql.index("-- Complaints (oneplan.complaints)")
    con.execute(sql[start:])


def save(con: duckdb.DuckDBPyConnection, result: AdaptResult) -> dict[str, int]:
    """Insert one adapted feed: new cases are added; a case already in the database (same
    agency and case number) gets its tracking columns (status, dates, counts) updated —
    its identity and text stay as first received. Rejected rows are recorded.

    Returns:
        ``{"read", "inserted", "updated", "rejected"}``.
    """
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    acc = result.accepted.assign(imported_at=now)
    cols = list(CANONICAL_COLUMNS) + ["imported_at"]
    con.register("incoming", acc[cols])
    try:
        updated = con.execute(
            "SELECT count(*) FROM incoming i JOIN complaints c USING (complaint_id)"
        ).fetchall()[0][0]
        if updated:
            sets = ", ".join(f"{c} = i.{c}" for c in _TRACKING)
            con.execute(f"UPDATE complaints SET {sets} FROM incoming i "
                        "WHERE complaints.complaint_id = i.complaint_id")
        con.execute(f"INSERT INTO complaints ({', '.join(cols)}) SELECT {', '.join(cols)} "
                    "FROM incoming WHERE complaint_id NOT IN (SELECT complaint_id FROM complaints)")
    finally:
        con.unregister("incoming")
    rej = result.rejected.assign(agency_id=result.agency_id, imported_at=now)
    if len(rej):
        con.register("rej", rej)
        con.execute('INSERT INTO complaint_rejects SELECT agency_id, source_file, source_sheet, '
                    'source_row, "column", problem, imported_at FROM rej')
        con.unregister("rej")
    counts = {"read": result.rows_read, "inserted": len(acc) - int(updated),
              "updated": int(updated),
              "rejected": int(result.rejected["source_row"].nunique()) if len(rej) else 0}
    log.info("%s: %s", result.source_file, counts)
    return counts


def import_dir(con: duckdb.DuckDBPyConnection, folder: str | Path, *,
               synthetic: bool = False) -> dict[str, dict[str, int]]:
    """Import every feed file of ``folder`` (its name starts with the agency id, e.g.
    ``dd_province_2570.csv``; ``*.rejected.csv`` files are skipped).

    Returns:
        ``{file name: counts}`` (see :func:`save`).

    Raises:
        FeedError: a file whose agency cannot be told from its name, or that cannot be
            read as its feed says (nothing of that file is imported).
    """
    from oneplan.complaints.feeds import agency_of_file

    ensure_tables(con)
    out = {}
    reg = registry()
    files = [p for p in sorted(Path(folder).iterdir()) if p.suffix in (".csv", ".xlsx")
             and not p.name.endswith(".rejected.csv")]
    try:  # every file's agency first, so a stray file stops the import before it starts
        agencies = [agency_of_file(path, reg) for path in files]
    except ValueError as exc:
        raise FeedError(str(exc)) from None
    for path, agency in zip(files, agencies):
        out[path.name] = save(con, import_file(path, agency, synthetic=synthetic, reg=reg))
    return out


def cases(con: duckdb.DuckDBPyConnection, province_code: str | None = None,
          fiscal_year: int | None = None) -> pd.DataFrame:
    """Every complaint of a province (None: all) with its cluster, without personal data:
    :data:`PUBLIC_COLUMNS` plus ``cluster_id``, ``is_parent``, ``fiscal_year``.
    ``person_key`` is replaced by ``person_no``, a number that means nothing outside
    this frame."""
    from oneplan.core import thai

    where, args = [], []
    if province_code:
        where.append("c.province_code = ?")
        args.append(province_code)
    if fiscal_year:
        start, end = thai.fiscal_year_bounds(int(fiscal_year))
        where.append("c.received_on BETWEEN ? AND ?")
        args += [start, end]
    sql = (f"SELECT {', '.join('c.' + c for c in PUBLIC_COLUMNS)}, k.cluster_id, k.is_parent, "
           "dense_rank() OVER (ORDER BY k.person_key) AS person_no, k.person_key IS NULL AS "
           "anonymous FROM complaints c LEFT JOIN complaint_clusters k USING (complaint_id)"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY c.complaint_id")
    df = con.execute(sql, args).df()
    df.loc[df["anonymous"], "person_no"] = pd.NA
    df["cluster_id"] = df["cluster_id"].fillna("CL:" + df["complaint_id"])
    df["is_parent"] = df["is_parent"].fillna(True).astype(bool)
    return df

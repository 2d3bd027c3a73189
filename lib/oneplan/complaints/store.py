"""Putting complaint records into the central database and reading them back without
personal data. An import counts what it did honestly: a case read again with nothing
changed is *unchanged*, not updated; the salt of the hashes is checked against the
database's before anything is written (:mod:`oneplan.complaints.privacy`)."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from oneplan.complaints import privacy
from oneplan.core.errors import UserError
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
_HASHES = ("person_id_hash", "phone_hash", "address_hash")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the complaint tables (and ``meta``, which holds the salt's fingerprint) in a
    database file that lacks them."""
    from oneplan.data import db

    sql = db.schema_sql()
    start = sql.index("-- Complaints (oneplan.complaints)")
    meta = sql[sql.index("CREATE TABLE IF NOT EXISTS meta"):]
    con.execute(meta[:meta.index(";") + 1])
    con.execute(sql[start:])


def save(con: duckdb.DuckDBPyConnection, result: AdaptResult, *,
         rehash: bool = False) -> dict[str, int]:
    """Insert one adapted feed: new cases are added; a case already in the database (same
    agency and case number) gets its tracking columns (status, dates, counts) updated when
    they changed — its identity and text stay as first received — and is left alone when
    nothing changed. Rejected rows are recorded (a re-import of the same file replaces
    that file's earlier rejections, keeping those that did not change).

    Args:
        rehash: the salt changed (:func:`import_dir` with ``rehash``): a case already in
            the database also takes the new ID/phone/house hashes.

    Returns:
        ``{"read", "inserted", "updated", "unchanged", "rejected"}`` and, with ``rehash``,
        ``"rehashed"`` (cases whose hashes were replaced).

    Raises:
        oneplan.complaints.privacy.SaltMismatchError: the rows were hashed with another
            salt than the database's (and not ``rehash``).
    """
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    acc = result.accepted.assign(imported_at=now)
    cols = list(CANONICAL_COLUMNS) + ["imported_at"]
    con.register("incoming", acc[cols])
    try:
        if result.salt_fingerprint is not None:
            if not rehash:  # no fingerprint yet: cases read again must hash as before
                privacy.check_same_hashes(con, "incoming")
            privacy.check_fingerprint(con, result.salt_fingerprint, rehash=rehash,
                                      record=not rehash)
        existing, changed = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE "
            + " OR ".join(f"c.{c} IS DISTINCT FROM i.{c}" for c in _TRACKING)
            + ") FROM incoming i JOIN complaints c USING (complaint_id)").fetchall()[0]
        if changed:
            sets = ", ".join(f"{c} = i.{c}" for c in _TRACKING)
            differs = " OR ".join(f"complaints.{c} IS DISTINCT FROM i.{c}" for c in _TRACKING)
            con.execute(f"UPDATE complaints SET {sets} FROM incoming i "
                        f"WHERE complaints.complaint_id = i.complaint_id AND ({differs})")
        rehashed = 0
        if rehash and existing:
            differs = " OR ".join(f"complaints.{c} IS DISTINCT FROM i.{c}"
                                  for c in _HASHES)
            rehashed = con.execute(
                f"UPDATE complaints SET {', '.join(f'{c} = i.{c}' for c in _HASHES)} "
                f"FROM incoming i WHERE complaints.complaint_id = i.complaint_id "
                f"AND ({differs})").fetchall()[0][0]
        con.execute(f"INSERT INTO complaints ({', '.join(cols)}) SELECT {', '.join(cols)} "
                    "FROM incoming WHERE complaint_id NOT IN (SELECT complaint_id FROM complaints)")
    finally:
        con.unregister("incoming")
    _save_rejects(con, result, now)
    counts = {"read": result.rows_read, "inserted": len(acc) - int(existing),
              "updated": int(changed), "unchanged": int(existing) - int(changed),
              "rejected": int(result.rejected["source_row"].nunique())
              if len(result.rejected) else 0}
    if rehash:
        counts["rehashed"] = int(rehashed)
    log.info("%s: %s", result.source_file, counts)
    return counts


def _save_rejects(con: duckdb.DuckDBPyConnection, result: AdaptResult, now: datetime) -> None:
    """This file's rejections: those of an earlier import of the same file that are gone
    are deleted, new ones added, unchanged ones kept as they were."""
    rej = result.rejected.assign(agency_id=result.agency_id, imported_at=now)
    con.register("rej", rej[["agency_id", "source_file", "source_sheet", "source_row",
                             "column", "problem", "imported_at"]])
    try:
        same = ('r.agency_id = x.agency_id AND r.source_file = x.source_file AND '
                'r.source_sheet IS NOT DISTINCT FROM x.source_sheet AND '
                'r.source_row = x.source_row AND r."column" IS NOT DISTINCT FROM x."column" '
                'AND r.problem = x.problem')
        con.execute(f"DELETE FROM complaint_rejects r WHERE r.agency_id = ? AND "
                    f"r.source_file = ? AND NOT EXISTS (SELECT 1 FROM rej x WHERE {same})",
                    [result.agency_id, result.source_file])
        con.execute(f'INSERT INTO complaint_rejects SELECT x.agency_id, x.source_file, '
                    f'x.source_sheet, x.source_row, x."column", x.problem, x.imported_at '
                    f'FROM rej x WHERE NOT EXISTS (SELECT 1 FROM complaint_rejects r '
                    f'WHERE {same})')
    finally:
        con.unregister("rej")


def import_dir(con: duckdb.DuckDBPyConnection, folder: str | Path, *,
               synthetic: bool = False, rehash: bool = False) -> dict[str, dict[str, int]]:
    """Import one feed file, or every feed file of ``folder`` (its name starts with the agency id, e.g.
    ``dd_province_2570.csv``; ``*.rejected.csv`` files are skipped), each file in one
    transaction.

    The salt is checked against the database's first
    (:func:`oneplan.complaints.privacy.database_salt`): a lost salt file or a changed
    ``$ONEPLAN_PII_SALT`` stops the import before anything is read.

    Args:
        rehash: the earlier salt is gone (see :mod:`oneplan.complaints.privacy`): import
            with the current salt, replace the hashes of every case in these files, drop
            the hashes of cases not in them when the salt changed, and record the new
            salt — all in one transaction. Give the folder of every feed imported so far.

    Returns:
        ``{file name: counts}`` (see :func:`save`).

    Raises:
        FeedError: a file whose agency cannot be told from its name, or that cannot be
            read as its feed says (nothing of that file is imported).
        oneplan.complaints.privacy.SaltError: the salt is missing, too short, or not the
            database's (and not ``rehash``).
        UserError: ``rehash`` with no feed file in ``folder``.
    """
    from oneplan.complaints.feeds import agency_of_file

    ensure_tables(con)
    out = {}
    reg = registry()
    folder = Path(folder)
    files = [folder] if folder.is_file() else [
        p for p in sorted(folder.iterdir()) if p.suffix in (".csv", ".xlsx")
        and not p.name.endswith(".rejected.csv")]
    try:  # every file's agency first, so a stray file stops the import before it starts
        agencies = [agency_of_file(path, reg) for path in files]
    except ValueError as exc:
        raise FeedError(str(exc)) from None
    if rehash and not files:  # a re-hash of nothing would only drop every hash
        raise UserError(privacy.rehash_nothing_message(folder))
    key = privacy.database_salt(con, rehash=rehash)  # before any file is read
    if rehash:
        con.begin()
        try:
            ids: list[pd.Series] = []
            for path, agency in zip(files, agencies):
                result = import_file(path, agency, synthetic=synthetic, reg=reg, key=key)
                out[path.name] = save(con, result, rehash=True)
                ids.append(result.accepted["complaint_id"])
            refreshed, dropped = _drop_stale_hashes(con, pd.concat(ids) if ids else
                                                    pd.Series(dtype=str), key)
            con.commit()
        except BaseException:
            con.rollback()
            raise
        log.warning("%s", privacy.rehash_message(refreshed, dropped))
        return out
    for path, agency in zip(files, agencies):
        result = import_file(path, agency, synthetic=synthetic, reg=reg, key=key)
        con.begin()
        try:
            out[path.name] = save(con, result)
            con.commit()
        except BaseException:
            con.rollback()
            raise
    return out


def _drop_stale_hashes(con: duckdb.DuckDBPyConnection, refreshed_ids: pd.Series,
                       key: bytes) -> tuple[int, int]:
    """After a re-hash: when the salt changed (or was never recorded), drop the hashes of
    cases not re-imported (made with the old salt, they can no longer match anything) and
    record the new salt. Returns ``(cases re-imported, cases whose hashes were dropped)``."""
    fp = privacy.fingerprint(key)
    ids = pd.DataFrame({"complaint_id": refreshed_ids.astype(str).unique()})
    dropped = 0
    if privacy.recorded_fingerprint(con) != fp:
        con.register("refreshed", ids)
        try:
            dropped = con.execute(
                f"UPDATE complaints SET {', '.join(f'{c} = NULL' for c in _HASHES)} "
                "WHERE complaint_id NOT IN (SELECT complaint_id FROM refreshed) AND ("
                + " OR ".join(f"{c} IS NOT NULL" for c in _HASHES) + ")").fetchall()[0][0]
        finally:
            con.unregister("refreshed")
    privacy.record_fingerprint(con, fp)
    return len(ids), int(dropped)


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

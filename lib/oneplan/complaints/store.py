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
from oneplan.data import audit
from oneplan.complaints.feeds import (
    CANONICAL_COLUMNS,
    AdaptResult,
    FeedError,
    Registry,
    import_file,
    registry,
)

log = logging.getLogger(__name__)

PUBLIC_COLUMNS = ("complaint_id", "agency_id", "case_no", "received_on", "category",
                  "date_flag", "case_no_repeat", "place_source",
                  "province_code", "district_code", "subdistrict_code", "moo", "status",
                  "first_action_on", "closed_on", "reopen_count", "transfers", "synthetic",
                  "source_file", "source_sheet", "source_row")
"""The columns that reports and exports may show: no names, no hashes, no free text
(free text may hold a name or a phone number someone typed)."""

_TRACKING = ("status", "first_action_on", "closed_on", "reopen_count", "transfers")
_HASHES = ("person_id_hash", "phone_hash", "address_hash", "house_no_hash")


_NEW_COLUMNS = (("agency_category", "VARCHAR"), ("date_flag", "VARCHAR"),
                ("case_no_repeat", "BOOLEAN DEFAULT FALSE"), ("house_no_hash", "VARCHAR"),
                ("place_source", "VARCHAR"), ("place_confidence", "DOUBLE"))
"""Columns added to ``complaints`` after its first version (added to older files)."""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the complaint tables (and ``meta``, which holds the salt's fingerprint) in a
    database file that lacks them, and bring an older file's ``complaints`` table up to
    date (new columns added, sub-district and district nullable)."""
    from oneplan.data import db

    sql = db.schema_sql()
    start = sql.index("-- Complaints (oneplan.complaints)")
    meta = sql[sql.index("CREATE TABLE IF NOT EXISTS meta"):]
    con.execute(meta[:meta.index(";") + 1])
    con.execute(sql[start:])
    have = {r[0]: r[1] for r in con.execute(
        "SELECT column_name, is_nullable FROM information_schema.columns "
        "WHERE table_name = 'complaints' AND table_schema = current_schema()").fetchall()}
    for name, kind in _NEW_COLUMNS:
        if name not in have:
            con.execute(f"ALTER TABLE complaints ADD COLUMN IF NOT EXISTS {name} {kind}")
            if name == "case_no_repeat":
                con.execute("UPDATE complaints SET case_no_repeat = FALSE "
                            "WHERE case_no_repeat IS NULL")
    for name in ("district_code", "subdistrict_code"):
        if have.get(name) == "NO":
            con.execute(f"ALTER TABLE complaints ALTER COLUMN {name} DROP NOT NULL")
    setaside = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'complaint_setaside' AND table_schema = current_schema()"
    ).fetchall()}
    if "province_code" not in setaside:
        con.execute("ALTER TABLE complaint_setaside ADD COLUMN IF NOT EXISTS province_code VARCHAR")


def _content(received_on: pd.Series, body: pd.Series) -> pd.Series:
    return (pd.to_datetime(received_on).dt.strftime("%Y-%m-%d").fillna("") + "\x1f"
            + body.fillna("").astype(str))


def resolve_ids(con: duckdb.DuckDBPyConnection, acc: pd.DataFrame) -> pd.DataFrame:
    """Final ``complaint_id``/``case_no_repeat`` of incoming records against what is stored.

    A record with the case number, received date and text of a stored record *is* that
    record (its id is kept: an update of status or closing dates). One whose case number
    is stored with other content is a new record, ``agency:case#n`` with the next free
    ``n`` (2, 3, … in order of arrival), flagged ``case_no_repeat``.
    """
    if not len(acc):
        return acc
    agency = str(acc["agency_id"].iloc[0])
    con.register("inc_cases", pd.DataFrame({"case_no": acc["case_no"].astype(str).unique()}))
    try:
        stored = con.execute(
            "SELECT complaint_id, case_no, received_on, text FROM complaints WHERE "
            "agency_id = ? AND case_no IN (SELECT case_no FROM inc_cases)", [agency]).df()
    finally:
        con.unregister("inc_cases")
    if not len(stored):
        return acc
    acc = acc.copy()
    key_in = acc["case_no"].astype(str) + "\x1e" + _content(acc["received_on"], acc["text"])
    key_st = stored["case_no"].astype(str) + "\x1e" + _content(stored["received_on"],
                                                               stored["text"])
    same = dict(zip(key_st, stored["complaint_id"]))
    matched = key_in.map(same)
    acc.loc[matched.notna(), "complaint_id"] = matched[matched.notna()]
    base = agency + ":" + acc["case_no"].astype(str)
    used: dict[str, set[str]] = {}
    for case, cid in zip(stored["case_no"].astype(str), stored["complaint_id"]):
        used.setdefault(case, set()).add(cid)
    for case, cid in zip(acc["case_no"][matched.notna()].astype(str), matched.dropna()):
        used.setdefault(case, set()).add(cid)
    todo = matched.isna() & acc["case_no"].astype(str).isin(set(stored["case_no"].astype(str)))
    for i in acc.index[todo]:  # new content under a stored case number: the next free #n
        case = str(acc.at[i, "case_no"])
        taken = used.setdefault(case, set())
        cid, n = base[i], 1
        while cid in taken:
            n += 1
            cid = f"{base[i]}#{n}"
        taken.add(cid)
        acc.at[i, "complaint_id"] = cid
        acc.at[i, "case_no_repeat"] = n >= 2
    return acc


def save(con: duckdb.DuckDBPyConnection, result: AdaptResult, *,
         rehash: bool = False) -> dict[str, int]:
    """Insert one adapted feed: new records are added; a record already in the database
    (same agency, case number, received date and text) gets its tracking columns (status,
    dates, counts) updated when they changed and is left alone when nothing changed; a
    stored case number arriving with other content is a new record (``case#n``,
    :func:`resolve_ids`). Set-aside rows are recorded in ``complaint_setaside`` (a
    re-import of the same file replaces that file's earlier ones, keeping those that did
    not change).

    Args:
        rehash: the salt changed (:func:`import_dir` with ``rehash``): a case already in
            the database also takes the new ID/phone/house hashes.

    Returns:
        ``{"read", "inserted", "updated", "unchanged", "repeated", "setaside", "skipped"}``
        (``repeated``: new records kept under a repeated case number) and, with
        ``rehash``, ``"rehashed"`` (cases whose hashes were replaced).

    Raises:
        oneplan.complaints.privacy.SaltMismatchError: the rows were hashed with another
            salt than the database's (and not ``rehash``).
    """
    ensure_tables(con)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    acc = resolve_ids(con, result.accepted).assign(imported_at=now)
    result.stored_ids = acc["complaint_id"]
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
        repeated = con.execute(
            "SELECT count(*) FROM incoming WHERE case_no_repeat AND complaint_id NOT IN "
            "(SELECT complaint_id FROM complaints)").fetchall()[0][0]
        con.execute(f"INSERT INTO complaints ({', '.join(cols)}) SELECT {', '.join(cols)} "
                    "FROM incoming WHERE complaint_id NOT IN (SELECT complaint_id FROM complaints)")
    finally:
        con.unregister("incoming")
    _save_setaside(con, result, now)
    counts = {"read": result.rows_read, "inserted": len(acc) - int(existing),
              "updated": int(changed), "unchanged": int(existing) - int(changed),
              "repeated": int(repeated), "setaside": len(result.setaside),
              "skipped": result.skipped_rows}
    if rehash:
        counts["rehashed"] = int(rehashed)
    log.info("%s: %s", result.source_file, counts)
    return counts


def _save_setaside(con: duckdb.DuckDBPyConnection, result: AdaptResult, now: datetime) -> None:
    """This file's set-aside rows: those of an earlier import of the same file that are
    gone are deleted, new ones added, unchanged ones kept as they were."""
    cols = ["agency_id", "source_file", "source_sheet", "source_row", "problem", "row_json",
            "province_code"]
    rows = result.setaside.assign(imported_at=now)
    con.register("aside", rows[cols[:6] + ["imported_at", "province_code"]])
    try:
        same = ("r.agency_id = x.agency_id AND r.source_file = x.source_file AND "
                "r.source_sheet IS NOT DISTINCT FROM x.source_sheet AND "
                "r.source_row = x.source_row AND r.problem = x.problem AND "
                "r.row_json = x.row_json")
        con.execute(f"DELETE FROM complaint_setaside r WHERE r.agency_id = ? AND "
                    f"r.source_file = ? AND NOT EXISTS (SELECT 1 FROM aside x WHERE {same})",
                    [result.agency_id, result.source_file])
        con.execute(f"INSERT INTO complaint_setaside (agency_id, source_file, source_sheet, "
                    f"source_row, problem, row_json, imported_at, province_code) "
                    f"SELECT x.* FROM aside x WHERE NOT EXISTS "
                    f"(SELECT 1 FROM complaint_setaside r WHERE {same})")
    finally:
        con.unregister("aside")


def setaside_count(con: duckdb.DuckDBPyConnection, province_code: str | None = None) -> int:
    """Rows set aside for review (no usable content), of a province (None: all). A database
    without the table has none."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables "
                         "WHERE table_name = 'complaint_setaside'").fetchall()[0][0]
    if not exists:
        return 0
    if province_code:
        return int(con.execute("SELECT count(*) FROM complaint_setaside WHERE province_code = ?",
                               [province_code]).fetchall()[0][0])
    return int(con.execute("SELECT count(*) FROM complaint_setaside").fetchall()[0][0])


def import_dir(con: duckdb.DuckDBPyConnection, folder: str | Path, *,
               synthetic: bool = False, rehash: bool = False, reg: Registry | None = None,
               results: list | None = None) -> dict[str, dict[str, int]]:
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
    reg = reg or registry()
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
                record_feed(con, path, result, out[path.name])
                if results is not None:
                    results.append(result)
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
        if results is not None:
            results.append(result)
        con.begin()
        try:
            out[path.name] = save(con, result)
            record_feed(con, path, result, out[path.name])
            con.commit()
        except BaseException:
            con.rollback()
            raise
    return out


def record_feed(con: duckdb.DuckDBPyConnection, path: str | Path, result: AdaptResult,
                counts: dict[str, int]) -> str:
    """The audit row of one imported feed file (inside its transaction): its name and
    sha256, the agency, its province when every stored record is of one, rows read,
    stored (accepted), set aside (rejected) and changed (new or updated); no personal
    data (counts only)."""
    provinces = result.accepted["province_code"].dropna().unique() \
        if "province_code" in result.accepted else []
    return audit.record(
        con, action="complaint_import", file=path,
        province_code=str(provinces[0]) if len(provinces) == 1 else None,
        rows_read=counts["read"], rows_accepted=len(result.accepted),
        rows_rejected=counts["setaside"], rows_changed=counts["inserted"] + counts["updated"],
        detail={"agency_id": result.agency_id, "provinces": int(len(provinces)),
                **{k: int(v) for k, v in counts.items() if k != "read"}})


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

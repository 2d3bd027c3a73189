"""The audit trail: who imported, changed or approved what, and when (table ``audit_log``).

Every command that changes data writes one row here through :func:`record`, on the same
connection (or PostgreSQL workspace) as its data and before that is committed, so the
row and the data are stored together or not at all: one row per import file (with its
sha256 and its rows accepted, rejected and changed), per committee stage change, per
classification, per plan approval or revision, per complaint feed file, per link run and
per review file; the sample build writes one for itself (actor ``build-sample``).

Who and when
    ``at`` is UTC. On the embedded DuckDB file the actor is ``$ONEPLAN_USER``, else the
    login name of the operating system (the file has no accounts and no triggers: anyone
    who can write the file can also edit this table; see ``docs/postgres.md``). On
    PostgreSQL the trigger of ``data/pg/30_audit.sql`` sets ``actor`` to the session's
    account and ``at`` to the server's clock whatever the client sent, and refuses every
    UPDATE, DELETE and TRUNCATE of the table, for every role including the owner.

What is never stored
    A file is stored by its name only (no folders, which may name a person's home). The
    detail holds counts and ids of needs, plans and feeds; :func:`record` refuses personal
    column names and anything :func:`oneplan.core.pii.scan_text` finds (national IDs,
    phones, titled names).

Reports read :func:`latest` (the "data last imported on … by …" line of every report's
data appendix) and :func:`events`. The table is not a report's content
(:data:`oneplan.data.db.NOT_REPORTED`): an identical re-import writes its audit row and
redoes no report.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from oneplan.core import pii

USER_ENV = "ONEPLAN_USER"
"""The account name the embedded database's audit rows give (else the OS login name)."""

SAMPLE_ACTOR = "build-sample"
"""The actor of the sample build's own audit row."""

ACTIONS = ("import", "need_stage", "needs_classify", "plan_approve", "plan_revise",
           "complaint_import", "complaint_link", "review_import", "sample_build")
"""What an audit row records: ``import`` (one file of ``oneplan import``), ``need_stage``
(``oneplan needs stage``), ``needs_classify``, ``plan_approve`` / ``plan_revise``,
``complaint_import`` (one agency feed file), ``complaint_link`` (a link run),
``review_import`` (an officer's review file), ``sample_build`` (``oneplan build-sample``)."""

IMPORT_ACTIONS = ("import", "complaint_import", "sample_build")
"""The actions that bring data in: what a report's "data last imported" line names."""

PERSONAL_KEYS = frozenset({"first_name", "last_name", "name", "full_name", "person_id",
                           "national_id", "phone", "address", "house_no", "person_id_hash",
                           "phone_hash", "address_hash", "house_no_hash"})
"""Keys :func:`record` refuses in ``detail`` (personal data never leaves the data tables)."""

COLUMNS = ("event_id", '"at"', "actor", "action", "province_code", "file_name", "file_sha256",
           "rows_read", "rows_accepted", "rows_rejected", "rows_changed", "detail_json")

DDL = """CREATE TABLE IF NOT EXISTS audit_log (
    event_id VARCHAR PRIMARY KEY, "at" TIMESTAMP NOT NULL, actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL, province_code VARCHAR, file_name VARCHAR, file_sha256 VARCHAR,
    rows_read BIGINT, rows_accepted BIGINT, rows_rejected BIGINT, rows_changed BIGINT,
    detail_json VARCHAR)"""
"""The table as ``schema.sql`` makes it, for a database file built before it existed."""


@dataclass(frozen=True)
class Event:
    """One row of the audit trail."""

    event_id: str
    at: datetime                  # UTC, naive
    actor: str
    action: str
    province_code: str | None = None
    file_name: str | None = None
    file_sha256: str | None = None
    rows_read: int | None = None
    rows_accepted: int | None = None
    rows_rejected: int | None = None
    rows_changed: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def actor() -> str:
    """Who writes on this machine: ``$ONEPLAN_USER``, else the OS login name (else
    ``uid-<n>`` when the system has no name for the process's user)."""
    name = os.environ.get(USER_ENV, "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):   # a container user without a passwd entry
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, 64 hex digits (read in 1 MiB blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ensure_table(con) -> None:
    """Create ``audit_log`` when the database was built before it existed."""
    con.execute(DDL)


def _check_detail(detail: Mapping[str, Any]) -> str:
    """``detail`` as JSON, refused when it holds personal data.

    Raises:
        ValueError: a personal key, or a value that :func:`oneplan.core.pii.scan_text`
            flags (a bug in the caller: the trail must not carry personal data).
    """
    def keys(x: Any) -> Iterable[str]:
        if isinstance(x, Mapping):
            for k, v in x.items():
                yield str(k)
                yield from keys(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                yield from keys(v)

    bad = sorted(set(keys(detail)) & PERSONAL_KEYS)
    if bad:
        raise ValueError(f"audit detail must not hold personal data: {', '.join(bad)}")
    out = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    hits = pii.scan_text(out)
    if hits:
        raise ValueError(f"audit detail must not hold personal data ({hits[0][0]})")
    return out


def _count(x: int | None) -> int | None:
    return None if x is None else int(x)


def record(con, *, action: str, province_code: str | None = None,
           file: str | os.PathLike | None = None, rows_read: int | None = None,
           rows_accepted: int | None = None, rows_rejected: int | None = None,
           rows_changed: int | None = None, detail: Mapping[str, Any] | None = None,
           by: str | None = None) -> str:
    """Append one row to the audit trail on ``con`` (inside the caller's transaction when
    there is one) and return its event id.

    Args:
        action: one of :data:`ACTIONS`.
        province_code: the province the change is of (None: the whole country, or several).
        file: the file the data came from: stored by name only; its sha256 is computed
            here when the file exists.
        rows_read, rows_accepted, rows_rejected, rows_changed: the counts (``changed``:
            rows inserted or updated; 0 for an identical re-import).
        detail: more counts and ids, stored as JSON (no personal data).
        by: the actor to name instead of :func:`actor` (the sample build names
            :data:`SAMPLE_ACTOR`); on PostgreSQL the trigger names the session's account.

    Raises:
        ValueError: an unknown action, or personal data in ``detail``.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; one of {', '.join(ACTIONS)}")
    detail_json = _check_detail(dict(detail or {}))
    name = sha = None
    if file is not None:
        path = Path(file)
        name = path.name
        if path.is_file():
            sha = file_sha256(path)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    # time-ordered ids: rows of one PostgreSQL transaction share the server's now()
    event_id = f"{now:%Y%m%d%H%M%S%f}-{uuid.uuid4().hex[:12]}"
    ensure_table(con)
    con.execute(
        f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
        [event_id, now, by or actor(), action, province_code, name, sha, _count(rows_read),
         _count(rows_accepted), _count(rows_rejected), _count(rows_changed), detail_json])
    return event_id


def _has_table(con) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_name = 'audit_log'").fetchone()[0])


def _event(row: Mapping[str, Any]) -> Event:
    def count(x):
        return None if x is None or pd.isna(x) else int(x)

    at = pd.Timestamp(row["at"]).to_pydatetime()
    try:
        detail = json.loads(row["detail_json"]) if row["detail_json"] else {}
    except ValueError:
        detail = {}
    return Event(event_id=row["event_id"], at=at, actor=row["actor"], action=row["action"],
                 province_code=row["province_code"] or None, file_name=row["file_name"],
                 file_sha256=row["file_sha256"], rows_read=count(row["rows_read"]),
                 rows_accepted=count(row["rows_accepted"]),
                 rows_rejected=count(row["rows_rejected"]),
                 rows_changed=count(row["rows_changed"]), detail=detail)


def _where(province_code: str | None, actions: Iterable[str] | None) -> tuple[str, list]:
    clauses, params = [], []
    if province_code:
        clauses.append("(province_code = ? OR province_code IS NULL)")
        params.append(str(province_code))
    if actions is not None:
        actions = list(actions)
        clauses.append(f"action IN ({', '.join('?' * len(actions))})" if actions else "false")
        params += actions
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def events(con, province_code: str | None = None, *, actions: Iterable[str] | None = None,
           limit: int = 50) -> pd.DataFrame:
    """The latest audit rows, newest first: of ``province_code`` and of the whole country
    (None: every row), of ``actions`` (None: all), at most ``limit``. A database without
    the table has none (an empty frame with the table's columns)."""
    if not _has_table(con):
        return pd.DataFrame(columns=[c.strip('"') for c in COLUMNS])
    where, params = _where(province_code, actions)
    return con.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_log{where} "
                       f'ORDER BY "at" DESC, event_id DESC LIMIT {int(limit)}', params).df()


def latest(con, province_code: str | None, actions: Iterable[str] = IMPORT_ACTIONS, *,
           changed_only: bool = True) -> Event | None:
    """The latest event of ``actions`` for ``province_code`` (its own rows and the whole
    country's; None: of any province), or None when there is none.

    ``changed_only`` (default) skips events that changed no row (an identical re-import):
    the report is not redone for them, so the line it prints stays true of the data it
    shows.
    """
    if not _has_table(con):
        return None
    where, params = _where(province_code, actions)
    if changed_only:
        where += (" AND " if where else " WHERE ") + "coalesce(rows_changed, 1) > 0"
    df = con.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_log{where} "
                     'ORDER BY "at" DESC, event_id DESC LIMIT 1', params).df()
    if df.empty:
        return None
    return _event(df.astype(object).where(df.notna(), None).iloc[0].to_dict())

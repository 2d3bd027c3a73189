"""What a link run reads and leaves besides the clusters: the officer's decisions
(must-link / cannot-link, read only), the review pairs of the uncertain band and one row
per run (``complaint_link_runs``). Tables are ensured here too, so a database made before
they existed keeps working."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pandas as pd

DECISIONS_DDL = """
CREATE TABLE IF NOT EXISTS complaint_link_decisions (
    left_id      VARCHAR NOT NULL,
    right_id     VARCHAR NOT NULL,
    decision     VARCHAR NOT NULL,
    decided_by   VARCHAR,
    source_file  VARCHAR NOT NULL,
    source_row   INTEGER NOT NULL,
    decided_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (left_id, right_id)
)"""
"""The decisions table as the review part defines it (created here only when missing)."""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``complaint_review_pairs``, ``complaint_link_runs`` and (when missing)
    ``complaint_link_decisions``."""
    from oneplan.data import db

    sql = db.schema_sql()
    for name in ("complaint_review_pairs", "complaint_link_runs"):
        start = sql.index(f"CREATE TABLE IF NOT EXISTS {name}")
        con.execute(sql[start:sql.index(";", start) + 1])
    con.execute(DECISIONS_DDL)


def decisions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The officer's decisions: ``left_id, right_id, decision`` ('same' / 'different')."""
    return con.execute("SELECT left_id, right_id, decision FROM complaint_link_decisions "
                       "WHERE decision IN ('same', 'different')").df()


def write_review_pairs(con: duckdb.DuckDBPyConnection, pairs: pd.DataFrame, *,
                       full: bool, reexamined: pd.Series, now: datetime) -> int:
    """Replace the review pairs: all of them (``full``), else those touching a record
    the run re-examined; pairs the officer already decided are left out.

    Args:
        pairs: ``left_id, right_id, level, probability, evidence`` (evidence a dict).

    Returns:
        The number of pairs awaiting review after the write.
    """
    if full:
        con.execute("DELETE FROM complaint_review_pairs")
    else:
        con.register("reexamined", pd.DataFrame({"complaint_id": reexamined.astype(str)}))
        con.execute("DELETE FROM complaint_review_pairs WHERE left_id IN (SELECT complaint_id "
                    "FROM reexamined) OR right_id IN (SELECT complaint_id FROM reexamined)")
        con.unregister("reexamined")
    if len(pairs):
        out = pairs.assign(evidence=[json.dumps(e, ensure_ascii=False, sort_keys=True)
                                     for e in pairs["evidence"]], linked_at=now)
        out = out.drop_duplicates(["left_id", "right_id", "level"])
        con.register("review_in", out[["left_id", "right_id", "level", "probability",
                                       "evidence", "linked_at"]])
        con.execute("""
            INSERT OR REPLACE INTO complaint_review_pairs
            SELECT r.* FROM review_in r
            WHERE NOT EXISTS (SELECT 1 FROM complaint_link_decisions d
                              WHERE d.left_id = r.left_id AND d.right_id = r.right_id)""")
        con.unregister("review_in")
    return con.execute("SELECT count(*) FROM complaint_review_pairs").fetchone()[0]


def write_run(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """Append one row to ``complaint_link_runs`` (``summary`` becomes ``summary_json``)."""
    cols = ["run_at", "mode", "records", "new_records", "matters", "persons", "review_pairs",
            "capped_blocks", "capped_records", "seconds"]
    values = [row[c] for c in cols] + [json.dumps(row.get("summary", {}), ensure_ascii=False,
                                                  sort_keys=True, default=str)]
    con.execute(f"INSERT INTO complaint_link_runs ({', '.join(cols)}, summary_json) "
                f"VALUES ({', '.join('?' * (len(cols) + 1))})", values)

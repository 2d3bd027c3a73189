"""Writing the accepted rows of a sheet to the database: new rows inserted, changed rows
updated (only the columns the file has; columns other modules own are kept), unchanged
rows counted, all inside the caller's transaction; then what follows from them (a need's
``submitted`` stage, its current stage, warnings on progress figures that go down).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from oneplan.core import vocab
from oneplan.data.ingest.check import Problem, Row
from oneplan.data.ingest.messages import Message, message
from oneplan.data.templates import Kind

DB_COLUMNS = {
    "needs": ("need_id", "fiscal_year", "village_code", "subdistrict_code", "district_code",
              "province_code", "category", "description", "households", "estimated_cost",
              "submitted_on", "strategy_no"),
    "proposals": ("project_id", "fiscal_year", "province_code", "district_code",
                  "subdistrict_code", "village_code", "agency_id", "name_th", "category",
                  "strategy_no", "cost_baht", "households", "beneficiaries", "need_id",
                  "drawing_ref", "boq_ref", "photo_ref", "land_ref", "status",
                  "allocated_baht", "planned_start", "planned_end"),
    "progress": ("project_id", "fiscal_year", "quarter", "disbursed_baht", "physical_pct",
                 "stage", "problems", "reported_on"),
    "need_stages": ("need_id", "stage", "stage_on", "reason", "linked_need_id"),
}
"""Database columns each kind writes (source columns aside)."""
# need_stages has no row_hash / synthetic columns: its stored content is hashed on the fly
_HAS_ROW_HASH = {"needs", "proposals", "progress"}
_DERIVED = {"needs": {"subdistrict_code", "district_code", "province_code"},
            "proposals": {"province_code", "district_code", "subdistrict_code"},
            "progress": set(), "need_stages": set()}
# Columns that keep their stored value when the file leaves them blank (others own them).
_STICKY = {"proposals": {"status"}}


@dataclass
class SheetResult:
    """Counts and problems of one sheet (one kind) of one file."""

    file: str
    sheet: str | None
    kind: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)   # (th, en)
    lines: int = 0                  # rows of the sheet (CSV: physical lines) = read + skipped
    skipped: dict[str, int] = field(default_factory=dict)   # rows not data, by reason

    @property
    def accepted(self) -> int:
        """Rows inserted, updated or unchanged."""
        return self.inserted + self.updated + self.unchanged


def row_hash(kind: str, values: dict) -> str:
    """Content hash of a row's database values (source columns excluded).

    Returns:
        16 hex digits of SHA-256 over the canonical JSON of the values.
    """
    canon = {}
    for c in DB_COLUMNS[kind]:
        x = values.get(c)
        if isinstance(x, date):
            x = x.isoformat()
        elif isinstance(x, float):
            x = round(x, 2)
        canon[c] = x
    return hashlib.sha256(json.dumps(canon, ensure_ascii=False, sort_keys=True)
                          .encode()).hexdigest()[:16]


def load_rows(con, kind: Kind, rows: list[Row], written: set[str], file: str,
              result: SheetResult) -> None:
    """Insert new rows, update changed ones, count unchanged ones in ``result`` (inside
    the caller's transaction). ``written`` are the columns the file has."""
    if not rows:
        return
    table, key = kind.table, kind.key
    cols = DB_COLUMNS[kind.name]
    records = []
    for r in rows:
        rec = {c: r.values.get(c) for c in cols}
        rec["row_hash"] = row_hash(kind.name, rec)
        src_file, src_sheet, src_row = r.source
        rec.update(source_file=src_file or file, source_sheet=src_sheet, source_row=src_row)
        records.append(rec)
    df = pd.DataFrame.from_records(records)
    for c in cols:
        if c in df and df[c].isna().all():
            df[c] = df[c].astype(object)
    key_sql = " AND ".join(f"t.{k} = i.{k}" for k in key)
    con.register("incoming", df)
    try:
        if kind.name in _HAS_ROW_HASH:
            existing = con.execute(
                f"SELECT {', '.join('i.' + k for k in key)}, t.row_hash FROM incoming i "
                f"JOIN {table} t ON {key_sql}").fetchall()
            stored = {tuple(r[:-1]): r[-1] for r in existing}
        else:
            existing = con.execute(
                f"SELECT {', '.join('t.' + c for c in cols)} FROM incoming i "
                f"JOIN {table} t ON {key_sql}").fetchall()
            stored = {tuple(r[cols.index(k)] for k in key):
                      row_hash(kind.name, dict(zip(cols, r))) for r in existing}
    finally:
        con.unregister("incoming")
    new, changed = [], []
    for rec in records:
        k = tuple(rec[c] for c in key)
        if k not in stored:
            new.append(rec)
        elif stored[k] == rec["row_hash"]:
            result.unchanged += 1
        else:
            changed.append(rec)
    write_cols = [c for c in cols if c in written or c in key or c in _DERIVED[kind.name]]
    meta = ["source_file", "source_sheet", "source_row"]
    if kind.name in _HAS_ROW_HASH:
        meta.insert(0, "row_hash")
    if new:
        ins = pd.DataFrame.from_records(new)
        if kind.name == "proposals":
            ins["status"] = ins["status"].where(ins["status"].notna(), "proposed")
        extra = {"needs": ", 'submitted' AS stage, false AS synthetic",
                 "proposals": ", false AS synthetic", "progress": ", false AS synthetic",
                 "need_stages": ""}
        extra_cols = {"needs": ", stage, synthetic", "need_stages": ""}.get(kind.name,
                                                                           ", synthetic")
        names = list(cols) + meta
        con.register("incoming", _typed(ins[names]))
        con.execute(f"INSERT INTO {table} ({', '.join(names)}{extra_cols}) "
                    f"SELECT {', '.join(names)}{extra[kind.name]} FROM incoming")
        con.unregister("incoming")
        result.inserted += len(new)
    if changed:
        upd = pd.DataFrame.from_records(changed)
        sets = []
        for c in write_cols + meta:
            if c in key:
                continue
            if c in _STICKY.get(kind.name, ()):
                sets.append(f"{c} = coalesce(i.{c}, t.{c})")
            else:
                sets.append(f"{c} = i.{c}")
        if kind.name in _HAS_ROW_HASH:
            sets.append("synthetic = false")   # a sample row a user's file replaced is real
        names = list(cols) + meta
        con.register("incoming", _typed(upd[names]))
        con.execute(f"UPDATE {table} AS t SET {', '.join(sets)} FROM incoming i "
                    f"WHERE {key_sql}")
        con.unregister("incoming")
        result.updated += len(changed)
    if kind.name == "progress" and (new or changed):
        result.warnings += _cumulative_warnings(con, new + changed)
    if kind.name == "needs":
        submitted_stage(con, new + changed)
    elif kind.name == "need_stages" and (new or changed):
        _current_stage(con, sorted({r["need_id"] for r in new + changed}))


def _cumulative_warnings(con, records: list[dict]) -> list[Message]:
    """Progress figures are cumulative: warn where a quarter this file wrote reports less
    disbursed or a lower physical percentage than the quarter before it (in the file or
    already in the database) — usually a quarter's own figure typed instead of the total.
    """
    pairs = pd.DataFrame({(r["project_id"], r["fiscal_year"]) for r in records},
                         columns=["project_id", "fiscal_year"])
    con.register("pairs_in", pairs)
    try:
        rows = con.execute("""
            SELECT * FROM (
                SELECT p.project_id, p.fiscal_year, p.quarter, p.disbursed_baht,
                       p.physical_pct, p.source_file, p.source_row,
                       lag(p.quarter) OVER w AS prev_q,
                       lag(p.disbursed_baht) OVER w AS prev_d,
                       lag(p.physical_pct) OVER w AS prev_p
                FROM progress p JOIN pairs_in USING (project_id, fiscal_year)
                WINDOW w AS (PARTITION BY p.project_id, p.fiscal_year ORDER BY p.quarter))
            WHERE disbursed_baht < prev_d OR physical_pct < prev_p
            ORDER BY project_id, fiscal_year, quarter""").fetchall()
    finally:
        con.unregister("pairs_in")
    file_rows = {(r["project_id"], r["fiscal_year"], r["quarter"]) for r in records}
    out = []
    for pid, fy, q, d, pct, _, row, prev_q, prev_d, prev_p in rows:
        if (pid, fy, q) not in file_rows:
            continue
        what = []
        if d is not None and prev_d is not None and d < prev_d:
            what.append(message("data.ingest.warning.disbursed_less", now=d, quarter=prev_q,
                                before=prev_d))
        if pct is not None and prev_p is not None and pct < prev_p:
            what.append(message("data.ingest.warning.physical_less", now=pct, quarter=prev_q,
                                before=prev_p))
        out.append(message("data.ingest.warning.cumulative", row=row, project=pid, fy=fy,
                           quarter=q, what=Message("; ".join(w.th for w in what),
                                                   "; ".join(w.en for w in what))))
    return out


def _current_stage(con, need_ids: list[str]) -> None:
    """Set ``needs.stage`` (and ``merged_into``) to each need's latest stage: the latest
    date, and on one date the later stage of :data:`oneplan.core.vocab.NEED_STAGES`."""
    order = {code: i for i, code in enumerate(vocab.NEED_STAGES)}
    rows = con.execute(
        "SELECT need_id, stage, stage_on, linked_need_id FROM need_stages "
        "WHERE list_contains(?, need_id)", [need_ids]).fetchall()
    latest: dict[str, tuple] = {}
    for nid, stage, on, linked in rows:
        rank = (on, order.get(stage, -1))
        if nid not in latest or rank > latest[nid][0]:
            latest[nid] = (rank, stage, linked)
    df = pd.DataFrame([(nid, stage, linked if stage == "merged" else None)
                       for nid, (_, stage, linked) in latest.items()],
                      columns=["need_id", "stage", "merged_into"]).astype(object)
    con.register("current_in", df)
    try:
        con.execute("UPDATE needs AS t SET stage = c.stage, merged_into = c.merged_into "
                    "FROM current_in c WHERE t.need_id = c.need_id")
    finally:
        con.unregister("current_in")


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """Give all-None columns a type DuckDB can insert (object columns of None are fine,
    dates must be datetime64 or objects of date)."""
    for c in df.columns:
        if df[c].isna().all():
            df[c] = df[c].astype(object)
    return df


def submitted_stage(con, records: list[dict]) -> None:
    """Record the 'submitted' stage of imported needs that give a submission date (set
    based: DuckDB's executemany runs one statement per row)."""
    rows = [(r["need_id"], r["submitted_on"], r["source_file"], r["source_sheet"],
             r["source_row"]) for r in records if r.get("submitted_on")]
    if not rows:
        return
    df = pd.DataFrame(rows, columns=["need_id", "stage_on", "source_file", "source_sheet",
                                     "source_row"]).astype({"source_sheet": object})
    con.register("stages_in", df)
    try:
        con.execute("DELETE FROM need_stages WHERE stage = 'submitted' AND need_id IN "
                    "(SELECT need_id FROM stages_in)")
        con.execute("INSERT INTO need_stages (need_id, stage, stage_on, source_file, "
                    "source_sheet, source_row) SELECT need_id, 'submitted', stage_on, "
                    "source_file, source_sheet, source_row FROM stages_in")
    finally:
        con.unregister("stages_in")

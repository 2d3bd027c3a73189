"""Benchmark: the officer's review file (prints figures; no timed asserts).

    python benchmarks/bench_review.py            # 500, 2,000 and 10,000 pending pairs
    python benchmarks/bench_review.py --quick    # 500 and 2,000

For each size: a synthetic in-memory database with two complaints per pair (Thai texts
with titled names and phone numbers to mask, real sub-district codes) and the pairs in
``complaint_review_pairs`` with the linkage's own evidence labels; then, each timed
(median of ``--repeat`` runs): ``pending_count``, ``export_review`` to XLSX and to CSV,
and ``import_decisions`` of the XLSX with every row decided. Prints seconds, pairs per
second and the file sizes. The XLSX writer (openpyxl, every cell made inert by
``core.files``) is most of the export's time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from oneplan.complaints import privacy, review
from oneplan.data import db

SUBS = ["400101", "400102", "400103", "400104", "400201", "400202"]
EVIDENCE = json.dumps({"text": "text J≥0.35", "numbers": "same numbers",
                       "category": "same category group", "days": "≤30 days apart",
                       "moo": "same หมู่"}, ensure_ascii=False)


def build(n_pairs: int) -> duckdb.DuckDBPyConnection:
    """An in-memory database with ``n_pairs`` pending pairs (synthetic)."""
    con = duckdb.connect()
    con.execute(db.schema_sql())
    for col in ("house_no_hash VARCHAR", "agency_category VARCHAR"):
        con.execute(f"ALTER TABLE complaints ADD COLUMN IF NOT EXISTS {col}")
    con.execute("CREATE TABLE IF NOT EXISTS complaint_review_pairs (left_id VARCHAR, "
                "right_id VARCHAR, level VARCHAR, probability DOUBLE, evidence VARCHAR, "
                "linked_at TIMESTAMP, PRIMARY KEY (left_id, right_id, level))")
    review.ensure_tables(con)
    n = 2 * n_pairs
    key = b"bench-only-salt-0123456789"
    ids = pd.Series([f"{i:09d}" for i in range(n)])
    frame = pd.DataFrame({
        "complaint_id": [f"dd_province:{i:07d}" if i % 2 == 0 else f"dla:{i:07d}"
                         for i in range(n)],
        "agency_id": ["dd_province" if i % 2 == 0 else "dla" for i in range(n)],
        "case_no": [f"{i:07d}" for i in range(n)],
        "received_on": pd.Timestamp("2026-11-01") + pd.to_timedelta(
            [i % 200 for i in range(n)], unit="D"),
        "category": ["road" if i % 3 else "flood" for i in range(n)],
        "province_code": "40", "district_code": [SUBS[i % 6][:4] for i in range(n)],
        "subdistrict_code": [SUBS[i % 6] for i in range(n)], "moo": [1 + i % 9 for i in range(n)],
        "text": [f"นายสมชาย ใจดี แจ้งว่าถนนหมู่ {1 + i % 9} ชำรุด โทร 08{i % 10}-234-5678 "
                 f"ขอให้ซ่อมโดยด่วน เรื่องที่ {i}" for i in range(n)],
        "first_name": "สมชาย", "last_name": "ใจดี",
        "person_id_hash": privacy.hash_values(ids, "id", key),
        "phone_hash": None, "address_hash": None, "status": "received",
        "reopen_count": 0, "transfers": 0, "synthetic": True, "source_file": "bench.csv",
        "source_row": range(n), "house_no_hash": None, "agency_category": "ถนนชำรุด"})
    con.register("f", frame)
    con.execute(f"INSERT INTO complaints ({', '.join(frame.columns)}) "
                f"SELECT {', '.join(frame.columns)} FROM f")
    con.execute("INSERT INTO complaint_review_pairs SELECT a.complaint_id, b.complaint_id, "
                "'matter', 0.5 + (a.source_row % 40) / 100.0, ?, now() FROM complaints a "
                "JOIN complaints b ON b.source_row = a.source_row + 1 "
                "WHERE a.source_row % 2 = 0", [EVIDENCE])
    return con


def timed(fn, repeat: int) -> float:
    """Median seconds of ``repeat`` calls of ``fn``."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> None:
    """Run the benchmark and print one line per step and size."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sizes = [500, 2000] if args.quick else [500, 2000, 10000]
    tmp = Path(tempfile.mkdtemp(prefix="bench-review-"))
    print(f"{'pairs':>7} {'step':<24} {'seconds':>8} {'pairs/s':>9} {'size':>9}")
    for n in sizes:
        con = build(n)
        xlsx, csv_path = tmp / f"r{n}.xlsx", tmp / f"r{n}.csv"
        steps = [("pending_count", lambda: review.pending_count(con), None),
                 ("export_review xlsx", lambda: review.export_review(con, xlsx), xlsx),
                 ("export_review csv", lambda: review.export_review(con, csv_path), csv_path)]
        for name, fn, path in steps:
            s = timed(fn, args.repeat)
            size = f"{path.stat().st_size / 1e6:.1f} MB" if path else ""
            print(f"{n:>7,} {name:<24} {s:>8.2f} {n / s:>9,.0f} {size:>9}")
        table = pd.read_csv(csv_path, dtype=str, encoding="utf-8-sig")
        heads = review.headers("th")
        table[heads["decision"]] = ["ซ้ำ" if i % 2 else "ไม่ซ้ำ" for i in range(len(table))]
        filled = tmp / f"filled{n}.csv"
        table[[heads["pair"], heads["decision"]]].to_csv(filled, index=False,
                                                          encoding="utf-8-sig")
        s = timed(lambda: review.import_decisions(con, filled), args.repeat)
        print(f"{n:>7,} {'import_decisions csv':<24} {s:>8.2f} {n / s:>9,.0f}")
        con.close()


if __name__ == "__main__":
    main()

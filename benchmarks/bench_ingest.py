#!/usr/bin/env python
"""Benchmark of the file import (``oneplan.data.ingest.import_files``).

Prints figures; it is not a test. Run from the repository root::

    python benchmarks/bench_ingest.py            # 3 repeats (medians)
    python benchmarks/bench_ingest.py --quick    # 1 repeat, smaller files

What it measures, on a Surin (32) sample database:

1. needs files written the way people do (Thai digits, พ.ศ. dates with Thai month names,
   "บาท", Thai headers), 1 % of the rows broken (unknown village, bad date), as CSV
   (UTF-8) and XLSX;
2. ``import_files`` end to end into a fresh copy of the database (read, detect, check,
   load in one transaction, write the rejects file), then the same file again (every row
   unchanged);
3. side by side, a baseline that only moves the bytes: ``pandas.read_csv`` (or
   ``openpyxl`` for XLSX) plus one DuckDB ``INSERT`` of the raw text, without parsing or
   checking anything. The ratio is what the checking costs.

Times are ``time.perf_counter`` wall-clock seconds; medians over ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import csv
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))  # a clone runs it without installing

import duckdb  # noqa: E402
import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402

from oneplan.data import ingest
from oneplan.core import thai
from oneplan.samples import build

HEADERS = ["ลำดับที่", "ปีงบประมาณ", "รหัสหมู่บ้าน", "ประเภทความต้องการ", "รายละเอียดความต้องการ",
           "จำนวนครัวเรือนที่ได้รับประโยชน์", "งบประมาณโดยประมาณ (บาท)", "วันที่เสนอ"]
CATEGORIES = ["แหล่งน้ำและประปา", "ถนนและการคมนาคม", "การเกษตร", "ไฟฟ้าและแสงสว่าง", "สาธารณสุข"]


def rows(villages: list[str], n: int) -> list[list[str]]:
    """``n`` need rows over ``villages``; every 100th row is broken."""
    out = []
    for i in range(n):
        v = villages[i % len(villages)]
        item = i // len(villages) + 1
        when = f"{1 + i % 28} {thai.THAI_MONTHS_ABBR[i % 12]} {2568 + i % 2}"
        row = [str(item), "2570", v, CATEGORIES[i % len(CATEGORIES)], f"ความต้องการ {i}",
               str(20 + i % 300), f"{(i % 90 + 1) * 10_000:,} บาท", when]
        if i % 12 == 0:
            row = [thai.arabic_to_thai_digits(x) for x in row]
        if i % 100 == 7:
            row[2] = v[:6] + "99"
        if i % 100 == 57:
            row[7] = "31/02/2569"
        out.append(row)
    return out


def write_csv(path: Path, data: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADERS] + data)


def write_xlsx(path: Path, data: list[list[str]]) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("ความต้องการ")
    ws.append(["แผนพัฒนาหมู่บ้าน จังหวัดสุรินทร์"])
    ws.append(HEADERS)
    for r in data:
        ws.append(r)
    wb.save(path)


def baseline(path: Path, dbfile: Path) -> None:
    """Move the bytes only: read the table, insert it as text."""
    if path.suffix == ".csv":
        df = pd.read_csv(path, dtype=str)
    else:
        wb = openpyxl.load_workbook(path, read_only=True)
        values = list(wb.worksheets[0].iter_rows(min_row=3, values_only=True))
        df = pd.DataFrame(values, columns=HEADERS).astype(str)
    df.columns = [f"c{i}" for i in range(len(df.columns))]
    con = duckdb.connect(str(dbfile))
    con.execute("CREATE OR REPLACE TABLE raw AS SELECT * FROM df")
    con.close()


def timed(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="1 repeat, smaller files")
    args = ap.parse_args()
    repeats = 1 if args.quick else args.repeats
    sizes = [("csv", 2_000), ("xlsx", 2_000)] if args.quick else \
        [("csv", 5_000), ("csv", 50_000), ("xlsx", 5_000), ("xlsx", 20_000)]
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        base = build.build_sample(tmp / "base.duckdb", provinces=["32"])
        con = duckdb.connect(str(base), read_only=True)
        villages = [r[0] for r in con.execute(
            "SELECT code FROM areas WHERE level = 'village' ORDER BY code").fetchall()]
        con.close()
        print(f"python {platform.python_version()}, duckdb {duckdb.__version__}, "
              f"openpyxl {openpyxl.__version__}; Surin sample, {len(villages)} villages; "
              f"medians of {repeats}")
        print(f"{'file':>12} {'rows':>7} {'import s':>9} {'rows/s':>8} {'again s':>8} "
              f"{'baseline s':>10} {'ratio':>6}  read = accepted + rejected")
        for ext, n in sizes:
            data = rows(villages, n)
            src = tmp / f"needs-{n}.{ext}"
            (write_csv if ext == "csv" else write_xlsx)(src, data)
            target = tmp / "run.duckdb"

            def first():
                shutil.copy(base, target)
                return ingest.import_files([src], target, rejects_dir=tmp / "rejects")

            t_first, res = timed(first, repeats)
            t_again, res2 = timed(
                lambda: ingest.import_files([src], target, rejects_dir=tmp / "rejects"),
                repeats)
            t_base, _ = timed(lambda: baseline(src, tmp / "raw.duckdb"), repeats)
            s, s2 = res[0].sheets[0], res2[0].sheets[0]
            assert s.read == n == s.accepted + s.rejected and s2.unchanged == s.accepted
            print(f"{ext:>12} {n:>7,d} {t_first:>9.2f} {n / t_first:>8,.0f} {t_again:>8.2f} "
                  f"{t_base:>10.2f} {t_first / t_base:>6.1f}  {s.read:,} = {s.accepted:,} + "
                  f"{s.rejected:,}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Benchmark of the tolerant Thai date reader (``oneplan.core.thaidates.parse``).

Prints figures; it is not a test. Run from the repository root::

    python benchmarks/bench_thaidates.py            # 1,000,000 values, 3 repeats (medians)
    python benchmarks/bench_thaidates.py --rows 200000 --repeats 1

What it measures: one column of ``--rows`` received dates of one fiscal year, mixed as
agencies type them (90 % ``dd/mm/yyyy hh:mm`` พ.ศ., the rest ``15 มี.ค. 2568``, ``15 มีนาคม
2568``, ISO ค.ศ., Thai digits, two-digit years; 0.1 % not a date), read by
``thaidates.parse``; side by side, the baseline ``pandas.to_datetime(format="%d/%m/%Y
%H:%M")`` on the same column with the พ.ศ. year turned to ค.ศ. first (a reader of ONE form,
which leaves the other forms NaT). The ratio is what reading every form costs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import pandas as pd

from oneplan.core import thai, thaidates


def column(rows: int, seed: int = 2567) -> pd.Series:
    """``rows`` received dates of fiscal year 2569 in mixed forms."""
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2025-10-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")
    minute = rng.integers(7 * 60, 19 * 60, rows)
    form = rng.choice(7, rows, p=[0.9, 0.03, 0.02, 0.02, 0.015, 0.014, 0.001])
    d, m, y = day.day.to_numpy(), day.month.to_numpy(), day.year.to_numpy()
    out = np.empty(rows, dtype=object)
    for i in range(rows):
        hm = f"{minute[i] // 60:02d}:{minute[i] % 60:02d}"
        f = form[i]
        if f == 0:
            out[i] = f"{d[i]:02d}/{m[i]:02d}/{y[i] + 543} {hm}"
        elif f == 1:
            out[i] = f"{d[i]} {thai.THAI_MONTHS_ABBR[m[i] - 1]} {y[i] + 543}"
        elif f == 2:
            out[i] = f"{d[i]} {thai.THAI_MONTHS[m[i] - 1]} {y[i] + 543} {hm} น."
        elif f == 3:
            out[i] = f"{y[i]}-{m[i]:02d}-{d[i]:02d}T{hm}"
        elif f == 4:
            out[i] = thai.arabic_to_thai_digits(f"{d[i]:02d}/{m[i]:02d}/{y[i] + 543}")
        elif f == 5:
            out[i] = f"{d[i]}/{m[i]}/{(y[i] + 543) % 100:02d}"
        else:
            out[i] = "ไม่ระบุ"
    return pd.Series(out)


def baseline(values: pd.Series) -> pd.Series:
    """One form only: พ.ศ. year to ค.ศ. with a regex, then ``pd.to_datetime``."""
    ce = values.str.replace(r"/(\d{4}) ", lambda mt: f"/{int(mt[1]) - 543} ", regex=True)
    return pd.to_datetime(ce, format="%d/%m/%Y %H:%M", errors="coerce")


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, pandas {pd.__version__}")
    values = column(args.rows)
    print(f"column: {args.rows:,} values, {values.nunique():,} distinct")
    ours, base = [], []
    for _ in range(args.repeats):
        t = time.perf_counter()
        r = thaidates.parse(values)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        b = baseline(values)
        base.append(time.perf_counter() - t)
    mo, mb = statistics.median(ours), statistics.median(base)
    print(f"thaidates.parse     {mo:7.2f} s median of {args.repeats}  "
          f"({r.timestamps.notna().sum():,} read, {r.problems.notna().sum():,} problems, "
          f"{r.flags.notna().sum():,} flagged)")
    print(f"baseline one form   {mb:7.2f} s median of {args.repeats}  "
          f"({b.notna().sum():,} read, {b.isna().sum():,} left NaT)")
    print(f"ratio               {mo / mb:7.2f} x the one-form reader")


if __name__ == "__main__":
    main()

"""Benchmark: the report batch reading PostgreSQL vs reading the embedded file, side by side.

    python benchmarks/bench_pg_batch.py --db data/oneplan.duckdb --url postgresql://… \
        --province 40 --province 45 --province 32 [--report needs_plan] [--rounds 2]

The server database must hold the same data as the file (``oneplan db copy FILE URL``;
``make national-pg`` does it for the national sample). Each round runs the real command
``oneplan report --province … --force --formats html`` once against the file and once
against the server (the order alternates between rounds, so neither always runs on a
warm cache), into two temporary folders, and times the whole command. Prints the seconds
of every run, the median per engine and the ratio server ÷ file (the issue's bar: ≤ 1.3).
A report that fails on either engine stops the benchmark (exit 3): a ratio of failures
means nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_batch(target: str, provinces: list[str], reports: list[str], out: Path,
              workers: int | None) -> float:
    """Seconds of one ``oneplan report`` run against ``target`` (file or URL)."""
    args = [sys.executable, "-m", "oneplan.cli", "report", "--force", "--no-progress",
            "--formats", "html", "--out", str(out), "--db", target]
    for p in provinces:
        args += ["--province", p]
    for r in reports:
        args += ["--report", r]
    if workers:
        args += ["--workers", str(workers)]
    t0 = time.perf_counter()
    run = subprocess.run(args, capture_output=True, text=True,
                         env={**os.environ, "ONEPLAN_REPORTS": str(out)})
    seconds = time.perf_counter() - t0
    if run.returncode != 0:
        print(run.stderr[-2000:], file=sys.stderr)
        raise SystemExit(3)
    return seconds


def main(argv: list[str] | None = None) -> None:
    """Run the side-by-side benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, help="the embedded database file")
    ap.add_argument("--url", required=True, help="the same data on the server")
    ap.add_argument("--province", action="append", required=True)
    ap.add_argument("--report", action="append", default=[])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int)
    args = ap.parse_args(argv)
    times: dict[str, list[float]] = {"file": [], "server": []}
    with tempfile.TemporaryDirectory(prefix="oneplan-bench-pg-") as tmp:
        for r in range(args.rounds):
            order = ["file", "server"] if r % 2 == 0 else ["server", "file"]
            for engine in order:
                target = args.db if engine == "file" else args.url
                s = run_batch(target, args.province, args.report,
                              Path(tmp) / f"{engine}-{r}", args.workers)
                times[engine].append(s)
                print(f"round {r + 1}: {engine:6s} {s:8.1f} s", flush=True)
    f, s = statistics.median(times["file"]), statistics.median(times["server"])
    what = ", ".join(args.report) or "every report"
    print(f"\nprovinces {', '.join(args.province)}; {what}; {args.rounds} rounds")
    print(f"median: file {f:.1f} s, server {s:.1f} s, server ÷ file = {s / f:.2f}")


if __name__ == "__main__":
    main()

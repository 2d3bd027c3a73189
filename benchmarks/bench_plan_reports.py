#!/usr/bin/env python
"""Benchmark of the needs / proposals / follow-up path at national scale.

Prints figures; it is not a test. Run from the repository root::

    python benchmarks/bench_plan_reports.py            # 3 repeats (medians)
    python benchmarks/bench_plan_reports.py --quick    # 1 repeat

What it measures (wall-clock ``time.perf_counter`` seconds, medians over the repeats):

1. ``plansample.load_sample`` for all 76 provinces into an in-memory DuckDB holding the
   core sample (target: under ~20 s), with the row counts it writes;
2. national queries and computations the reports run: ``needs.cookbook_figures``
   (classification of every need, funnel counts), ``needs.funnel``, the Plan101Pro
   ranking of every proposal and its ±20 % sensitivity (10 re-rankings), the quarterly
   status of every funded project and the agency scorecards, and the OC4IDS package of
   the largest province;
3. the same for one province (Nakhon Ratchasima, the largest), as a report sees it.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))  # a clone runs it without installing

import duckdb  # noqa: E402

from oneplan.data import db
from oneplan.plan import followup, needs, oc4ids, ranking
from oneplan.samples import plan as plansample, water as sample
from oneplan.data.params import load_params
from oneplan.samples import build


def _core(seed: int, fiscal_year: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(db.schema_sql())
    tables = sample.generate(None, seed=seed, fiscal_year=fiscal_year)
    for name in build.TABLES_FROM_SAMPLE:
        df = tables[name]
        con.register("incoming", df)
        con.execute(f"INSERT INTO {name} ({', '.join(df.columns)}) "
                    f"SELECT {', '.join(df.columns)} FROM incoming")
        con.unregister("incoming")
    con.execute("INSERT INTO meta VALUES ('synthetic', 'true')")
    return con


def _timed(fn, repeats: int):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="one repeat")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2567)
    ap.add_argument("--fiscal-year", type=int, default=2570)
    args = ap.parse_args()
    repeats = 1 if args.quick else args.repeats
    fy = args.fiscal_year
    print(f"python {platform.python_version()}, duckdb {duckdb.__version__}, "
          f"{platform.machine()}, repeats {repeats}")

    t = time.perf_counter()
    base = _core(args.seed, fy)
    print(f"core sample, 76 provinces: {time.perf_counter() - t:.1f} s")

    def build():
        con = base.cursor()
        con.execute("BEGIN TRANSACTION")
        plansample.load_sample(con, None, seed=args.seed, fiscal_year=fy)
        counts = {tb: con.execute(f"SELECT count(*) FROM {tb}").fetchone()[0]
                  for tb in ("needs", "need_stages", "proposals", "progress")}
        con.execute("ROLLBACK")
        return counts

    med, best, counts = _timed(build, repeats)
    print(f"plansample.load_sample, 76 provinces: median {med:.2f} s, best {best:.2f} s; "
          + ", ".join(f"{k} {v:,}" for k, v in counts.items()))

    plansample.load_sample(base, None, seed=args.seed, fiscal_year=fy)
    params = load_params()
    for label, code in (("national", None), ("province 30", "30")):
        p = load_params(code) if code else params
        med, _, f = _timed(lambda: needs.cookbook_figures(base, code, fy, p), repeats)
        print(f"[{label}] needs.cookbook_figures: {med:.2f} s ({f['needs']:,} needs)")
        st = needs.load_stages(base, code, fy)
        nd = needs.load_needs(base, code, fy)
        med, _, _ = _timed(lambda: needs.funnel(st, nd), repeats)
        print(f"[{label}] needs.funnel: {med:.2f} s ({len(st):,} stage rows)")
        props = base.execute("SELECT * FROM proposals WHERE fiscal_year = ? "
                             + ("AND province_code = ?" if code else ""),
                             [fy] + ([code] if code else [])).df()
        w = p.ranking.weights
        med, _, _ = _timed(lambda: ranking.rank_proposals(props, w), repeats)
        print(f"[{label}] ranking.rank_proposals: {med:.2f} s ({len(props):,} proposals)")
        med, _, s = _timed(lambda: ranking.sensitivity(props, w, top_n=p.ranking.top_n),
                           repeats)
        print(f"[{label}] ranking.sensitivity (±20 %, {len(s)} re-rankings): {med:.2f} s, "
              f"min share of top {p.ranking.top_n} kept {s['kept_share'].min():.2f}")
        funded = followup.load_funded(base, code, fy)
        prog = followup.load_progress(base, code, fy)

        def status():
            st_ = followup.project_status(funded, prog, fy, p)
            return followup.scorecards(st_, p)

        med, _, cards = _timed(status, repeats)
        print(f"[{label}] followup status + scorecards: {med:.2f} s ({len(funded):,} projects, "
              f"{len(cards):,} agencies)")
    med, _, pkg = _timed(lambda: oc4ids.project_package(base, "30", fy), repeats)
    print(f"[province 30] oc4ids.project_package: {med:.2f} s ({len(pkg['projects']):,} projects)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Re-solve speed of the planner's explorer (``reports.water.explore_solve``).

Prints figures; it is not a test. Run from the repository root::

    python benchmarks/bench_explore_solve.py                  # largest province and 40
    python benchmarks/bench_explore_solve.py --provinces 40 --moves 10
    python benchmarks/bench_explore_solve.py --limit 5        # time to prove, 5 s limit

For each province it plans the report's plan (``reports.water.run_portfolio``), then
makes ``--moves`` slider moves the way a planner does in the explorer: every other move
changes the yearly budget (±5–25 %), the others move one criterion weight (±0.05–0.3),
always from the plan on screen (``previous=``, HiGHS's first incumbent). Each move is one
``explore_solve`` call with the explorer's own time limit (``EXPLORER_TIME_LIMIT_S``,
1 s, unless ``--limit``), timed wall-clock end to end (re-scoring, model build, solve).
It prints every move (seconds, status, gap, projects) and then the median and 90th
percentile seconds, how many moves were proven optimal within the report's tolerance
(``portfolio.mip_rel_gap``) and the largest gap stated.

The "largest province" is the one with the most candidates eligible for the plan's fund
in the sample (the biggest model). Without ``--db`` the sample's water tables are
generated into a temporary database first.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))  # a clone runs it without installing

import numpy as np  # noqa: E402

from oneplan.core import areas  # noqa: E402
from oneplan.data import db  # noqa: E402
from oneplan.data.params import load_params  # noqa: E402
from oneplan.reports import water  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_scarcity import water_db  # noqa: E402


def largest_province(db_path: Path, fiscal_year: int) -> str:
    """The province with the most candidates eligible for its plan's fund."""
    con = db.connect(db_path, read_only=True)
    try:
        best, n_best = "", -1
        for p in areas.planning_provinces():
            fund = load_params(p.code).plan.fund_source
            n = con.execute(
                "SELECT count(*) FROM water_projects WHERE province_code = ? AND fiscal_year = ?"
                " AND list_contains(fund_sources, ?)", [p.code, fiscal_year, fund]).fetchone()[0]
            if n > n_best:
                best, n_best = p.code, n
    finally:
        con.close()
    return best


def moves(run, n: int, seed: int = 7):
    """``n`` slider positions (budget a year in baht, weights), each one move from the last."""
    rng = np.random.default_rng(seed)
    budget = float(next(iter(run.spec.budget_by_year.values())))
    weights = dict(run.params.priority.weights)
    out = []
    for i in range(n):
        if i % 2 == 0:
            budget = budget * (1 + rng.choice([-1, 1]) * rng.uniform(0.05, 0.25))
        else:
            k = list(weights)[int(rng.integers(len(weights)))]
            weights[k] = float(np.clip(weights[k] + rng.choice([-1, 1]) * rng.uniform(0.05, 0.3),
                                       0.0, 1.0))
            if sum(weights.values()) <= 0:
                weights[k] = 0.1
        out.append((budget, dict(weights)))
    return out


def bench_province(code: str, db_path: Path, n_moves: int, limit: float | None) -> dict:
    """Plan the province, then time ``n_moves`` explorer re-solves."""
    t0 = time.perf_counter()
    run = water.run_portfolio(code, db_path=db_path, lang="th")
    first = time.perf_counter() - t0
    eligible = int(run.candidates["eligible"].sum())
    print(f"\nprovince {code} {run.province.name_en}: {len(run.candidates)} candidates, "
          f"{eligible} eligible, {len(run.years)} years; report plan {first:.1f} s "
          f"({run.result.status}, gap {run.result.gap})")
    kw = {} if limit is None else {"time_limit_s": limit}
    previous = run.result
    secs, statuses, gaps = [], [], []
    for i, (budget, weights) in enumerate(moves(run, n_moves), 1):
        t = time.perf_counter()
        res = water.explore_solve(run, budget_per_year_baht=budget, weights=weights,
                                  previous=previous, **kw)
        s = time.perf_counter() - t
        previous = res
        n_sel = int(res.plan["selected"].sum())
        secs.append(s)
        statuses.append(res.status)
        gaps.append(res.gap if res.gap is not None else float("nan"))
        what = "budget" if i % 2 else "weight"
        print(f"  move {i:>2} ({what}, {budget / 1e6:7.1f} M/yr): {s:5.2f} s  {res.status:<10} "
              f"gap {res.gap if res.gap is not None else float('nan'):.2e}  {n_sel} projects")
    q = statistics.quantiles(secs, n=10) if len(secs) > 1 else secs
    tol = previous.mip_rel_gap or 0.0  # the tolerance explore_solve used
    return {"province": code, "name": run.province.name_en, "eligible": eligible,
            "median": statistics.median(secs), "p90": q[-1], "max": max(secs),
            "proven": sum(st == "optimal" for st in statuses), "n": len(secs),
            "max_gap": np.nanmax(gaps) if gaps else float("nan"), "tol": tol}


def main(argv: list[str] | None = None) -> int:
    """Print the explorer's re-solve figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--provinces", nargs="*", help="province codes (default: largest and 40)")
    ap.add_argument("--db", help="a built database (default: generate the water tables)")
    ap.add_argument("--moves", type=int, default=20)
    ap.add_argument("--limit", type=float, default=None,
                    help=f"time limit per re-solve (default {water.EXPLORER_TIME_LIMIT_S} s)")
    args = ap.parse_args(argv)
    fy = load_params().fiscal_year
    print(f"explore_solve: limit {args.limit or water.EXPLORER_TIME_LIMIT_S} s, report "
          f"tolerance {load_params().portfolio.mip_rel_gap:g}, {args.moves} moves")
    with tempfile.TemporaryDirectory(prefix="oneplan-explore-") as tmp:
        if args.db:
            db_path = Path(args.db)
        else:
            t0 = time.perf_counter()
            db_path = water_db(Path(tmp) / "water.duckdb",
                               [p.code for p in areas.planning_provinces()], fy,
                               load_params().sample.seed)
            print(f"generated the water sample in {time.perf_counter() - t0:.1f} s")
        codes = args.provinces or [largest_province(db_path, fy), "40"]
        rows = [bench_province(c, db_path, args.moves, args.limit) for c in dict.fromkeys(codes)]
    print("\nsummary (seconds per re-solve, wall clock: re-score + build + solve)")
    for r in rows:
        print(f"  {r['province']} {r['name']:<20} {r['eligible']:>4} eligible: median "
              f"{r['median']:.2f} s, p90 {r['p90']:.2f} s, max {r['max']:.2f} s; proven "
              f"within {r['tol']:.2%} in {r['proven']}/{r['n']}; largest gap stated "
              f"{r['max_gap']:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

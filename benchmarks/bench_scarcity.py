#!/usr/bin/env python
"""Scarcity in the sample: do the default scenarios choose different plans?

Prints figures; it is not a test. Run from the repository root::

    python benchmarks/bench_scarcity.py                 # all 76 planning provinces
    python benchmarks/bench_scarcity.py --provinces 40 45 32
    python benchmarks/bench_scarcity.py --db data/oneplan.duckdb   # a built database

For every planning province (all but Bangkok) it loads the water candidates the way the
report does (``db.water_candidates`` for the plan's fund source), plans the default
multi-year plan and each scenario of ``plan.compare_scenarios``
(``selection.compare.compare_scenarios``, the report's own code path and time limits) and
prints one row per province:

``demand×``
    what the proposals the province's fund may pay for ask, divided by the plan budget
    (all years): the sample is meant to put this at 2.5–4;
``used %``
    the base plan's spend as a share of the plan budget;
``<scenario> Δ%``
    the share of the base plan's projects that the scenario's plan does not select (it
    selects others instead), in per cent; the summary also gives the projects in only one
    of the two plans as a share of the projects in either (1 − Jaccard);
``bend``
    the frontier's bend: marginal benefit per extra million baht at the low end of the
    budget frontier (0.5 → 0.75 of the budget) divided by the one at the high end
    (1.25 → 1.5); above 1 the frontier bends (each extra baht buys less).

then a summary: medians, and how many provinces have every scenario (and each scenario)
changing at least 5 % of the projects. Without ``--db`` the water tables of the sample
are generated into a temporary database first (a few seconds; no needs or complaints).
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

import duckdb  # noqa: E402

from oneplan.core import areas  # noqa: E402
from oneplan.data import db  # noqa: E402
from oneplan.data.params import load_params  # noqa: E402
from oneplan.samples import water as sample  # noqa: E402
from oneplan.samples.build import TABLES_FROM_SAMPLE  # noqa: E402
from oneplan.selection import compare, priority  # noqa: E402
from oneplan.selection.spec import plan_spec  # noqa: E402

THRESHOLD = 0.05
"""A scenario "matters" in a province when it changes at least this share of the projects."""


def water_db(path: Path, codes: list[str], fiscal_year: int, seed: int) -> Path:
    """The sample's water tables (no needs, no complaints) in a new database at ``path``."""
    tables = sample.generate(codes, seed=seed, fiscal_year=fiscal_year)
    con = duckdb.connect(str(path))
    try:
        con.execute(db.schema_sql())
        for name in TABLES_FROM_SAMPLE:
            df = tables[name]
            con.register("incoming", df)
            con.execute(f"INSERT INTO {name} ({', '.join(df.columns)}) SELECT "
                        f"{', '.join(df.columns)} FROM incoming")
            con.unregister("incoming")
    finally:
        con.close()
    return path


def bend(candidates, spec, params) -> float:
    """Marginal benefit per million at 0.5→0.75 of the budget over the one at 1.25→1.5."""
    f = compare.budget_frontier(candidates, spec, fractions=(0.5, 0.75, 1.25, 1.5),
                                time_limit_s=params.plan.compare_time_limit_s,
                                mip_rel_gap=params.plan.compare_mip_rel_gap)
    m = f["marginal_benefit_per_million"].to_numpy()
    return float(m[1] / m[3]) if m[3] > 0 else float("inf")


def province_row(code: str, db_path: Path, fiscal_year: int, with_bend: bool) -> dict:
    """The figures of one province."""
    params = load_params(code, overrides={"fiscal_year": fiscal_year})
    con = db.connect(db_path, read_only=True)
    try:
        cands = db.water_candidates(con, code, fiscal_year,
                                    fund_source=params.plan.fund_source)
    finally:
        con.close()
    spec = plan_spec(params)
    budget = float(sum(spec.budget_by_year.values()))
    demand = float(cands.loc[cands["eligible"], "cost_baht"].sum())
    t0 = time.perf_counter()
    table = compare.compare_scenarios(
        code, params.plan.compare_scenarios, db_path=db_path, fiscal_year=fiscal_year,
        time_limit_s=params.plan.compare_time_limit_s,
        mip_rel_gap=params.plan.compare_mip_rel_gap)
    seconds = time.perf_counter() - t0
    ids = table.attrs["selected_ids"]
    base = set(ids["default"])
    row = {"province": code, "name": areas.province(code).name_en,
           "candidates": len(cands), "eligible": int(cands["eligible"].sum()),
           "demand_ratio": demand / budget,
           "used_pct": table.loc["spend_baht", "default"] / budget * 100,
           "selected": len(base), "seconds": seconds,
           "status": ",".join(sorted(set(table.attrs["status"].values())))}
    for sc in params.plan.compare_scenarios:
        other = set(ids[sc])
        union = base | other
        row[sc] = len(base - other) / len(base) if base else 0.0
        row[sc + ":sym"] = len(base ^ other) / len(union) if union else 0.0
    if with_bend:
        scored = priority.score_candidates(cands, params.priority.weights)
        row["bend"] = bend(scored, spec, params)
    return row


def main(argv: list[str] | None = None) -> int:
    """Print the scarcity figures of the sample."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--provinces", nargs="*", help="province codes (default: all 76)")
    ap.add_argument("--db", help="a built database (default: generate the water tables)")
    ap.add_argument("--fiscal-year", type=int, default=2570)
    ap.add_argument("--no-bend", action="store_true", help="skip the frontier's bend")
    args = ap.parse_args(argv)
    codes = args.provinces or [p.code for p in areas.planning_provinces()]
    scenarios = load_params().plan.compare_scenarios
    print(f"portfolio: HiGHS via PuLP; gap {load_params().plan.compare_mip_rel_gap:g}, "
          f"limit {load_params().plan.compare_time_limit_s:g} s per solve; "
          f"{len(codes)} provinces; scenarios {', '.join(scenarios)}")
    with tempfile.TemporaryDirectory(prefix="oneplan-scarcity-") as tmp:
        if args.db:
            db_path = Path(args.db)
        else:
            t0 = time.perf_counter()
            db_path = water_db(Path(tmp) / "water.duckdb", codes, args.fiscal_year,
                               load_params().sample.seed)
            print(f"generated the water sample in {time.perf_counter() - t0:.1f} s")
        head = (f"{'prov':>4} {'name':<24} {'cands':>5} {'elig':>5} {'demand×':>7} "
                f"{'used %':>6} {'sel':>4} " + " ".join(f"{s[:14] + ' Δ%':>17}"
                                                          for s in scenarios)
                + ("" if args.no_bend else f" {'bend':>5}") + f" {'s':>5}  status")
        print(head)
        rows = []
        for code in codes:
            r = province_row(code, db_path, args.fiscal_year, not args.no_bend)
            rows.append(r)
            print(f"{r['province']:>4} {r['name'][:24]:<24} {r['candidates']:>5} "
                  f"{r['eligible']:>5} {r['demand_ratio']:>7.2f} {r['used_pct']:>6.1f} "
                  f"{r['selected']:>4} "
                  + " ".join(f"{r[s] * 100:>17.1f}" for s in scenarios)
                  + ("" if args.no_bend else f" {r['bend']:>5.2f}")
                  + f" {r['seconds']:>5.1f}  {r['status']}", flush=True)
    n = len(rows)
    med = statistics.median
    print(f"\nsummary over {n} provinces")
    print(f"  eligible demand / plan budget: median {med(r['demand_ratio'] for r in rows):.2f}, "
          f"min {min(r['demand_ratio'] for r in rows):.2f}, "
          f"max {max(r['demand_ratio'] for r in rows):.2f}; "
          f"{sum(2.5 <= r['demand_ratio'] <= 4.0 for r in rows)}/{n} within 2.5–4")
    print(f"  budget used by the base plan: median {med(r['used_pct'] for r in rows):.1f} %, "
          f"min {min(r['used_pct'] for r in rows):.1f} %")
    for s in scenarios:
        print(f"  {s}: projects that differ from the base, median "
              f"{med(r[s] for r in rows) * 100:.1f} %; ≥ {THRESHOLD:.0%} in "
              f"{sum(r[s] >= THRESHOLD for r in rows)}/{n} provinces; in only one of the "
              f"two plans: median {med(r[s + ':sym'] for r in rows) * 100:.1f} %")
    every = sum(all(r[s] >= THRESHOLD for s in scenarios) for r in rows)
    print(f"  every scenario changes ≥ {THRESHOLD:.0%} of the projects in {every}/{n} provinces")
    if not args.no_bend:
        bends = [r["bend"] for r in rows]
        print(f"  frontier bend (marginal benefit low end / high end): median {med(bends):.2f}; "
              f"> 1.1 in {sum(b > 1.1 for b in bends)}/{n} provinces")
    statuses = sorted({s for r in rows for s in r["status"].split(",")})
    print(f"  solver statuses seen: {', '.join(statuses)}")
    print(f"  seconds per province (4 plans): median {med(r['seconds'] for r in rows):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Benchmark: everything the water report computes for one province (one notebook run).

Prints figures; it is not a test. Run from the repository root::

    python benchmarks/bench_water_report.py                 # Khon Kaen and the largest province, 3 runs
    python benchmarks/bench_water_report.py --quick         # 1 run
    python benchmarks/bench_water_report.py --provinces 40 --old-settings

For each province it times, in the order the notebook calls them, the computations of
``notebooks/water_portfolio.ipynb`` (no charts, maps or file export): ``run_portfolio``
(load, score, solve the plan), ``need_tables``, ``reasons`` (``explain_plan`` with its
confirming re-solves), ``frontier``, ``scenarios``, ``methods`` and ``revision`` (6
months). Medians over ``--repeats`` runs, wall-clock and CPU (``time.process_time``, all
threads of this process: on a shared machine wall-clock includes waiting for a core).

``--old-settings`` adds, side by side, one run with the settings before this change
(plan solved to gap 0, each confirming re-solve to gap 0 with a 10 s limit, comparisons
at the 60 s limit and gap 0); the code path is today's (MIP starts and the reuse of the
report's plan stay on), so the ratio shows what the settings buy, not all of the change.

The database is the synthetic sample (``oneplan build-sample``), built into a temporary
folder first so that the run does not depend on, or change, ``data/oneplan.duckdb``.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))  # a clone runs it without installing

from oneplan.data import db
from oneplan.reports import water as waterplan
from oneplan.data.params import load_params
from oneplan.samples import build

STEPS = ("run_portfolio", "need_tables", "reasons", "frontier", "scenarios", "methods",
         "revision")
OLD_SETTINGS = {
    "portfolio": {"mip_rel_gap": 0.0},
    "plan": {"explain_time_limit_s": 10.0, "explain_loss_width": None,
             "compare_time_limit_s": 60.0, "compare_mip_rel_gap": 0.0},
}
TARGET_S = 5.0  # "a few seconds" per province report


def log(msg: str) -> None:
    print(msg, flush=True)


def one_run(code: str, db_path: str, overrides: dict | None) -> tuple[dict, dict, dict]:
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    run = None

    def step(name, fn):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall[name], cpu[name] = time.perf_counter() - w0, time.process_time() - c0
        return out

    run = step("run_portfolio", lambda: waterplan.run_portfolio(
        code, None, "", db_path, "th", overrides=overrides))
    step("need_tables", lambda: waterplan.need_tables(run))
    step("reasons", lambda: waterplan.reasons(run))
    step("frontier", lambda: waterplan.frontier(run))
    step("scenarios", lambda: waterplan.scenarios(run))
    step("methods", lambda: waterplan.methods(run))
    step("revision", lambda: waterplan.revision(run, months=6))
    wall["total"], cpu["total"] = sum(wall.values()), sum(cpu.values())
    r = run.extra["reasons"]
    conf = r[r["confirmed"]]
    fr = run.extra["frontier"]
    facts = {
        "candidates": len(run.candidates),
        "plan": f"{run.result.status}, gap {run.result.gap or 0:.2e}, "
                f"{len(run.result.selected_ids)} selected",
        "reasons": f"{len(conf)} confirmed by re-solve, "
                   f"{int((conf['objective_delta_low'] > 1e-9).sum())} with the loss proven > 0 "
                   f"(range {conf['objective_delta_low'].min():.4f}..{conf['objective_delta'].max():.4f})"
        if len(conf) else "0 confirmed",
        "frontier": ", ".join(f"{f:g}: {s}" for f, s in zip(fr["fraction"], fr["status"])),
    }
    return wall, cpu, facts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="one run instead of three")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--provinces", nargs="*", default=None,
                    help="province codes (default: Khon Kaen 40 and the province with "
                         "the most candidates in the sample)")
    ap.add_argument("--old-settings", action="store_true",
                    help="also one run with the previous settings (gap 0, 10 s re-solves)")
    args = ap.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 3)
    logging.basicConfig(level=logging.ERROR)

    p = load_params("40")
    with tempfile.TemporaryDirectory() as tmp:
        db_path = str(Path(tmp) / "sample.duckdb")
        t0 = time.perf_counter()
        build.build_sample(db_path, seed=p.sample.seed, fiscal_year=p.fiscal_year,
                        projects_min=p.sample.projects_min, projects_max=p.sample.projects_max)
        con = db.connect(db_path, read_only=True)
        try:
            counts = dict(con.execute(
                "SELECT province_code, count(*) FROM water_projects GROUP BY 1").fetchall())
        finally:
            con.close()
        largest = max(counts, key=counts.get)
        codes = args.provinces or ["40", largest]
        log("oneplan benchmark: one province's water-report computations")
        log(f"  sample database built in {time.perf_counter() - t0:.1f} s; largest province "
            f"{largest} ({counts[largest]} candidates); repeats {repeats} (medians)")
        summary = []
        for code in codes:
            log(f"\n== province {code} ({counts.get(code, 0)} candidates) ==")
            walls, cpus = [], []
            facts = {}
            for r in range(repeats):
                wall, cpu, facts = one_run(code, db_path, None)
                walls.append(wall)
                cpus.append(cpu)
                log(f"  run {r + 1}: " + ", ".join(f"{k} {wall[k]:.2f}" for k in wall)
                    + f" s (cpu {cpu['total']:.2f} s)")
            for k, v in facts.items():
                log(f"  {k:<10} {v}")
            med = {k: statistics.median(w[k] for w in walls) for k in walls[0]}
            medc = {k: statistics.median(c[k] for c in cpus) for k in cpus[0]}
            old = None
            if args.old_settings:
                old, old_cpu, old_facts = one_run(code, db_path, OLD_SETTINGS)
                log("  old settings: " + ", ".join(f"{k} {old[k]:.2f}" for k in old)
                    + f" s (cpu {old_cpu['total']:.2f} s); reasons {old_facts['reasons']}")
            summary.append((code, med, medc, old))
        log("\n== summary: median seconds per step (wall / cpu) ==")
        head = f"{'step':<14}" + "".join(
            f"  {code + ' wall':>9} {code + ' cpu':>8}" + ("  old wall  ratio" if old else "")
            for code, _, _, old in summary)
        log(head)
        for k in STEPS + ("total",):
            line = f"{k:<14}"
            for code, med, medc, old in summary:
                line += f"  {med[k]:>9.2f} {medc[k]:>8.2f}"
                if old:
                    line += f"  {old[k]:>8.2f}  {old[k] / max(med[k], 1e-9):>5.1f}×"
            log(line)
        log(f"target: a few seconds per province report (≤ {TARGET_S:g} s of computation)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the report batch (``oneplan.batch.runner.run_batch``) against the naive loop.

The naive loop is what one would write first, one province after the other:

1. ``papermill IN OUT -r province_code … -p …``   (a new process and kernel per notebook)
2. ``jupyter nbconvert --to html --no-input OUT``   (a new process per HTML export)
3. ``chromium --headless --print-to-pdf=… HTML``    (a new browser per PDF)

The batch runs the same notebooks for the same provinces with a warm kernel per worker,
an in-process HTML exporter and one browser per worker (``force=True``: nothing skipped).
Both write HTML and PDF. Two notebooks are measured, each side by side:

* ``water``: ``notebooks/water_portfolio.ipynb`` as it is today (its re-solves — reasons
  confirmed by forcing projects in, the budget frontier, scenarios, baselines, revision —
  take most of its time; that cost is the same in both runs);
* ``light``: the same notebook without the cells that re-solve (need tables, candidates,
  the one optimal solve, charts, maps, summary and XLSX), generated into the work folder:
  it makes the per-notebook overheads the engine removes visible.

The batch is run with 1 worker (overheads only) and with the machine's cores. Figures:
medians per report, totals, ratios naive / batch, and an extrapolation to 76 provinces
(both totals scaled linearly, which overcharges the batch its once-per-worker start-up)
and the steady-state ratio per report (medians, start-up left out).

usage: python benchmarks/bench_batch.py [--provinces 3] [--notebooks light,water]
                                        [--workers N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from oneplan.core import areas
from oneplan.batch import export, registry, runner as reports
from oneplan.core.paths import NOTEBOOKS_DIR
from oneplan.samples import build

HEAVY_CALLS = ("waterplan.reasons(", "waterplan.frontier(", "waterplan.scenarios(",
               "waterplan.methods_table(", "waterplan.revision(")


def light_notebook(folder: Path) -> Path:
    """The water notebook without its re-solving cells (written to ``folder``)."""
    import nbformat

    nb = nbformat.read(NOTEBOOKS_DIR / "water_portfolio.ipynb", as_version=4)
    keep = []
    for cell in nb.cells:
        if cell.cell_type == "code" and any(c in cell.source for c in HEAVY_CALLS):
            continue
        keep.append(cell)
    nb.cells = keep
    path = folder / "water_light.ipynb"
    nbformat.write(nb, path)
    return path


def _run(cmd: list[str], **kw) -> float:
    t = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if res.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{res.stderr[-3000:]}")
    return time.perf_counter() - t


def naive(notebook: Path, codes: list[str], out: Path, db_path: Path) -> dict:
    """The naive loop; returns per-stage seconds per province and the total."""
    bin_dir = Path(sys.executable).parent
    browser = export.find_browser()
    if browser is None:
        raise SystemExit("no Chromium found (the PDF stage needs it)")
    stages: dict[str, list[float]] = {"papermill": [], "nbconvert": [], "chromium": []}
    t0 = time.perf_counter()
    for code in codes:
        folder = out / "2570" / code
        folder.mkdir(parents=True, exist_ok=True)
        executed = folder / f"{notebook.stem}.ipynb"
        stages["papermill"].append(_run([
            str(bin_dir / "papermill"), str(notebook), str(executed), "--cwd",
            str(NOTEBOOKS_DIR), "--no-progress-bar", "-r", "province_code", code,
            "-p", "fiscal_year", "2570", "-r", "lang", "th", "-r", "db_path", str(db_path),
            "-r", "output_dir", str(folder), "-p", "interactive", "False",
            "-r", "scenario", ""]))
        stages["nbconvert"].append(_run([
            str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input",
            "--no-prompt", str(executed), "--output-dir", str(folder)]))
        html = folder / f"{notebook.stem}.html"
        with tempfile.TemporaryDirectory() as profile:
            stages["chromium"].append(_run([
                str(browser), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-pdf-header-footer", f"--user-data-dir={profile}",
                f"--print-to-pdf={folder / (notebook.stem + '.pdf')}", html.as_uri()],
                timeout=300))
    return {"stages": stages, "total": time.perf_counter() - t0}


def _naive_one(spec: "registry.ReportSpec", code: str, out: Path, db_path: Path,
               stages: dict[str, list[float]], bin_dir: Path, browser: Path) -> None:
    """One report of the naive loop: papermill CLI, nbconvert CLI, one Chromium."""
    folder = registry.report_dir(out, 2570, code)
    folder.mkdir(parents=True, exist_ok=True)
    executed = folder / f"{spec.name}.ipynb"
    extra = [a for k, v in spec.extra for a in ("-r", k, str(v))]
    env = dict(os.environ, ONEPLAN_REPORTS=str(out), ONEPLAN_DB=str(db_path))
    stages["papermill"].append(_run([
        str(bin_dir / "papermill"), str(spec.notebook_path), str(executed), "--cwd",
        str(NOTEBOOKS_DIR), "--no-progress-bar", "-r", "province_code", code,
        "-p", "fiscal_year", "2570", "-r", "lang", "th", "-r", "db_path", str(db_path),
        "-r", "output_dir", str(folder), "-p", "interactive", "False", *extra], env=env))
    stages["nbconvert"].append(_run([
        str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input",
        "--no-prompt", str(executed), "--output-dir", str(folder)]))
    with tempfile.TemporaryDirectory() as profile:
        stages["chromium"].append(_run([
            str(browser), "--headless", "--no-sandbox", "--disable-gpu",
            "--no-pdf-header-footer", f"--user-data-dir={profile}",
            f"--print-to-pdf={folder / (spec.name + '.pdf')}",
            (folder / f"{spec.name}.html").as_uri()], timeout=300))


def naive_full(codes: list[str], out: Path, db_path: Path) -> dict:
    """The naive loop over every registered report, in the batch's order: the province
    reports, then those that read every province (cookbooks), then the national ones.
    ``stages`` hold seconds per report; ``per_province`` sums a province's reports."""
    bin_dir = Path(sys.executable).parent
    browser = export.find_browser()
    if browser is None:
        raise SystemExit("no Chromium found (the PDF stage needs it)")
    specs = registry.available_reports()
    first = [s for s in specs if s.scope == "province" and not s.after_provinces]
    later = [s for s in specs if s.scope == "province" and s.after_provinces]
    national = [s for s in specs if s.scope == "national"]
    stages: dict[str, list[float]] = {"papermill": [], "nbconvert": [], "chromium": []}
    t0 = time.perf_counter()
    for group, group_codes in ((first, codes), (later, codes), (national, [""])):
        for code in group_codes:
            for spec in group:
                _naive_one(spec, code, out, db_path, stages, bin_dir, browser)
    return {"stages": stages, "total": time.perf_counter() - t0,
            "reports": len(stages["papermill"])}


def ours_full(codes: list[str], out: Path, db_path: Path, workers: int) -> dict:
    """The batch over every registered report and the national ones (``--all`` shape)."""
    t0 = time.perf_counter()
    result = reports.run_batch(codes, out_root=out, db_path=db_path, formats=("html", "pdf"),
                               workers=workers, progress=False, force=True, national=True)
    total = time.perf_counter() - t0
    if result.failures:
        raise SystemExit(f"batch failures: {[(o.key, o.error) for o in result.failures]}")
    t1 = time.perf_counter()
    again = reports.run_batch(codes, out_root=out, db_path=db_path, formats=("html", "pdf"),
                              workers=workers, progress=False, national=True)
    skip = time.perf_counter() - t1
    assert all(o.status == "skipped" for o in again.outcomes)
    return {"per_report": [o.seconds for o in result.outcomes], "total": total,
            "rerun_skipped": skip}


def ours(notebook: Path, codes: list[str], out: Path, db_path: Path, workers: int) -> dict:
    spec = registry.ReportSpec(notebook.stem, str(notebook), "province",
                              "แผนงานโครงการด้านน้ำ จังหวัด{province_th}",
                              "Water portfolio, {province_en}", summary="summary.json",
                              params_file="params.json")
    saved = list(registry.REPORTS)
    registry.REPORTS[:] = [spec]
    try:
        t0 = time.perf_counter()
        result = reports.run_batch(codes, out_root=out, db_path=db_path,
                                   formats=("html", "pdf"), workers=workers,
                                   progress=False, force=True)
        total = time.perf_counter() - t0
        if result.failures:
            raise SystemExit(f"batch failures: {[(o.key, o.error) for o in result.failures]}")
        t1 = time.perf_counter()
        again = reports.run_batch(codes, out_root=out, db_path=db_path,
                                  formats=("html", "pdf"), workers=workers, progress=False)
        skip = time.perf_counter() - t1
        assert all(o.status == "skipped" for o in again.outcomes)
    finally:
        registry.REPORTS[:] = saved
    return {"per_report": [o.seconds for o in result.outcomes], "total": total,
            "rerun_skipped": skip}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--provinces", type=int, default=3,
                    help="how many provinces (the first N of the 76 by code; default 3)")
    ap.add_argument("--notebooks", default="light,water",
                    help="comma-separated: light, water, full (every registered report and "
                         "the national ones, as `oneplan report --all` runs them)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--keep", help="keep outputs in this folder (default: a temp folder)")
    args = ap.parse_args(argv)

    all_codes = [p.code for p in areas.planning_provinces()]
    codes = all_codes[:max(1, min(args.provinces, len(all_codes)))]
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-batch-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "sample.duckdb"
    if not db_path.exists():
        build.build_sample(db_path, provinces=codes)
    os.environ["ONEPLAN_DB"] = str(db_path)
    kinds = [k.strip() for k in args.notebooks.split(",") if k.strip()]
    notebooks = {"light": light_notebook(work), "water": NOTEBOOKS_DIR / "water_portfolio.ipynb"}
    print(f"provinces: {len(codes)} of 76 ({', '.join(codes)}); cores: {os.cpu_count()}; "
          f"batch workers: 1 and {args.workers}; outputs: HTML + PDF")
    rows = []
    try:
        for kind in kinds:
            if kind == "full":
                print(f"\n== full: every registered report ({len(registry.available_reports())} "
                      "notebook runs per province or national)", flush=True)
                n = naive_full(codes, work / "naive-full", db_path)
                run_ours = lambda w: ours_full(codes, work / f"ours-full-w{w}", db_path, w)  # noqa: E731
                unit = "report"
            else:
                nb = notebooks[kind]
                print(f"\n== {kind}: {nb.name}", flush=True)
                n = naive(nb, codes, work / f"naive-{kind}", db_path)
                run_ours = lambda w, nb=nb: ours(nb, codes, work / f"ours-{kind}-w{w}",  # noqa: E731
                                                 db_path, w)
                unit = "province"
            st = n["stages"]
            per_naive = [sum(x) for x in zip(*st.values())]
            print(f"naive loop     total {n['total']:7.1f} s; per {unit} median "
                  f"{statistics.median(per_naive):6.2f} s (papermill "
                  f"{statistics.median(st['papermill']):.2f}, nbconvert "
                  f"{statistics.median(st['nbconvert']):.2f}, chromium "
                  f"{statistics.median(st['chromium']):.2f})", flush=True)
            for w in sorted({1, args.workers}):
                o = run_ours(w)
                ratio = n["total"] / o["total"]
                print(f"batch, {w} worker{'s' if w > 1 else ' '} total {o['total']:7.1f} s; "
                      f"per report median {statistics.median(o['per_report']):6.2f} s; "
                      f"naive/batch = {ratio:4.1f}x; re-run (all up to date) "
                      f"{o['rerun_skipped']:.1f} s", flush=True)
                rows.append((kind, w, n["total"], o["total"], ratio,
                             statistics.median(per_naive), statistics.median(o["per_report"])))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\nsummary (measured):")
    print(f"{'notebook':8s} {'workers':>7s} {'naive s':>9s} {'batch s':>9s} {'ratio':>6s} "
          f"{'steady':>7s}   76 provinces, linear from {len(codes)}: naive / batch")
    for kind, w, tn, to, ratio, med_n, med_o in rows:
        # steady: median naive seconds per province / median batch seconds per report
        # (the batch's start-up, paid once per worker, left out); the 76-province figures
        # scale both totals linearly, which charges the batch its start-up 76/N times
        steady = med_n / med_o
        print(f"{kind:8s} {w:7d} {tn:9.1f} {to:9.1f} {ratio:5.1f}x {steady:6.1f}x   "
              f"{tn * 76 / len(codes) / 60:6.1f} min / {to * 76 / len(codes) / 60:5.1f} min")
    print(json.dumps({"provinces": codes, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

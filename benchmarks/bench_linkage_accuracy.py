"""Benchmark: complaint linkage accuracy through the real path, on two generators (prints).

    python benchmarks/bench_linkage_accuracy.py                       # 10k and 100k records
    python benchmarks/bench_linkage_accuracy.py --sizes 10k,100k,1M   # the issue's scales
    python benchmarks/bench_linkage_accuracy.py --sizes 10k --skew 0  # no skewed-name case

For each generator and size, agency files are written into a fresh folder and imported and
linked by the command a user runs, ``oneplan complaints import DIR --link``, into a fresh
database file, in a child process (so its peak RSS is the import's and the linkage's own).
The stored complaints and their clusters are then read back and scored against the truth:

* ``first``: the project's own generator (``oneplan.samples.feeds``: ``generate`` +
  ``write_feeds``), the data the linkage was tuned on;
* ``second``: ``tests/generators/independent.py``, written apart with its own noise model
  (mixed date forms, labels outside a feed's list, repeated case numbers, free-text-only
  addresses, namesakes, relatives, paraphrases); never tuned on;
* ``second+skewN`` (``--skew N``, default 300): the second with everyone named by one of N
  (first name, surname) pairs, the stress case for blocking.

Printed per run: rows written, rows the import read, stored, set aside (review table),
rejected (0 expected: every generated row is valid), matter-level pairwise precision /
recall / F1 (``linkage.pairwise_scores``) over the stored records and the recall over all
written rows (a complaint not stored loses its pairs), person-level F1, the exact-ID
baseline's F1, link seconds, import+link seconds, peak RSS of the child, capped blocks and
pairs awaiting review (from ``complaint_link_runs`` when the linkage records them).
Targets (issue 14): F1 ≥ 0.95 and precision ≥ 0.95 at every scale on the second generator;
0 rejected; 1M skewed records in ≤ 8 GB and ≤ 10 min on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the child runs the command from the library --lib names (ONEPLAN_BENCH_LIB)
sys.path.insert(0, os.environ.get("ONEPLAN_BENCH_LIB") or str(ROOT / "lib"))
sys.path.insert(1, str(ROOT / "tests"))  # tests/generators
SALT = "benchmark-only-salt-0123456789"
os.environ.setdefault("ONEPLAN_PII_SALT", SALT)

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

NORTHEAST = ",".join(str(c) for c in range(30, 50))


def _size(text: str) -> int:
    t = text.strip().lower().replace("_", "").replace(",", "")
    mult = 1_000_000 if t.endswith("m") else 1_000 if t.endswith("k") else 1
    return int(float(t.rstrip("mk")) * mult)


# --- writing the files ---------------------------------------------------------------------


def write_first(n: int, provinces: list[str], seed: int, out: Path) -> pd.DataFrame:
    """The project's generator; truth keyed by (agency_id, case_no)."""
    from oneplan.samples import feeds as sample

    gen = sample.generate(n, provinces, seed=seed)
    sample.write_feeds(gen, out)
    t = gen.records[["agency_id", "case_no", "truth_matter", "truth_person"]].copy()
    t["case_no"] = t["case_no"].astype(str)
    return t


def write_second(n: int, provinces: list[str], seed: int, out: Path,
                 skew: int | None, options: dict) -> pd.DataFrame:
    """The independent generator; truth keyed by (file, source_row)."""
    from generators import independent

    w = independent.write(out.parent, independent.Config(
        n_records=n, provinces=tuple(provinces), seed=seed, skew_pairs=skew), **options)
    if w.feeds_dir != out:
        shutil.move(str(w.feeds_dir), str(out))
    return w.truth


# --- the real path, in a child ---------------------------------------------------------------


def child(feeds_dir: str, db: str, out: str) -> None:
    """Child process: ``oneplan complaints import DIR --link --db DB``; writes the exit
    code, the printed lines and the peak RSS to ``out``."""
    import contextlib
    import io
    import resource

    from oneplan import cli

    buf, err = io.StringIO(), io.StringIO()
    t = time.perf_counter()
    try:
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
            code = cli.main(["complaints", "import", feeds_dir, "--link", "--db", db])
    except SystemExit as e:  # argparse / error mapping may exit
        code = e.code if isinstance(e.code, int) else 3
    except Exception as e:  # noqa: BLE001 - a benchmark reports, it does not stop
        code, err = 99, io.StringIO(f"{type(e).__name__}: {e}")
    Path(out).write_text(json.dumps({
        "exit": code, "seconds": time.perf_counter() - t, "stdout": buf.getvalue(),
        "stderr": err.getvalue()[-2000:],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_cli(feeds_dir: Path, db: Path, lib: Path) -> dict:
    out = db.with_suffix(".child.json")
    env = dict(os.environ, PYTHONPATH=str(lib), ONEPLAN_BENCH_LIB=str(lib))
    subprocess.run([sys.executable, __file__, "--child", str(feeds_dir), str(db), str(out)],
                   env=env, check=False)
    if not out.exists():
        return {"exit": 98, "seconds": float("nan"), "stdout": "", "stderr": "child died",
                "peak_rss_mb": float("nan")}
    return json.loads(out.read_text())


# --- reading the result back -------------------------------------------------------------------


def _table_exists(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                            "table_name = ?", [name]).fetchone()[0])


def _count(con, sql: str) -> int | None:
    try:
        return int(con.execute(sql).fetchone()[0])
    except duckdb.Error:
        return None


def score(db: Path, truth: pd.DataFrame, key: str, cli_out: dict) -> dict:
    """Figures of one run (stored rows joined to the truth by ``key``)."""
    from oneplan.complaints import linkage

    res: dict = {"written": len(truth)}
    read = sum(int(x.replace(",", "")) for x in re.findall(r"\bread\s+([\d,]+)",
                                                             cli_out.get("stdout", "")))
    res["read"] = read or None
    m = re.search(r"linked .*?([\d.]+) s\b", cli_out.get("stdout", ""))
    res["link_s"] = float(m.group(1)) if m else None
    if not db.exists():
        return res
    con = duckdb.connect(str(db), read_only=True)
    try:
        res["stored"] = _count(con, "SELECT count(*) FROM complaints")
        res["setaside"] = (_count(con, "SELECT count(*) FROM complaint_setaside")
                           if _table_exists(con, "complaint_setaside") else 0)
        res["rejected"] = (_count(con, "SELECT count(DISTINCT (source_file, source_row)) "
                                       "FROM complaint_rejects")
                           if _table_exists(con, "complaint_rejects") else 0)
        if _table_exists(con, "complaint_link_runs"):
            row = con.execute("SELECT seconds, capped_blocks, capped_records, review_pairs "
                              "FROM complaint_link_runs ORDER BY run_at DESC LIMIT 1").fetchone()
            if row:
                res.update(link_s=row[0], capped_blocks=row[1], capped_records=row[2],
                           review_pairs=row[3])
        if not res["stored"] or not _table_exists(con, "complaint_clusters"):
            return res
        recs = con.execute(
            "SELECT c.complaint_id, c.agency_id, c.case_no, c.source_file, c.source_row, "
            "c.person_id_hash, k.cluster_id, k.person_key FROM complaints c "
            "LEFT JOIN complaint_clusters k USING (complaint_id)").df()
    finally:
        con.close()
    recs["file"] = recs["source_file"].map(lambda p: Path(str(p)).name)
    recs["case_no"] = recs["case_no"].astype(str)
    cols = ["agency_id", "case_no"] if key == "case" else ["file", "source_row"]
    t = truth.drop_duplicates(cols)
    m = recs.merge(t[cols + ["truth_matter", "truth_person"]], on=cols, how="inner")
    res["matched"] = len(m)
    if m.empty:
        return res
    alone = "alone:" + m["complaint_id"].astype(str)
    s = linkage.pairwise_scores(m["cluster_id"].fillna(alone), m["truth_matter"])
    res.update(precision=s["precision"], recall=s["recall"], f1=s["f1"])
    # end to end: the pairs of every written row (a row not stored loses its pairs)
    counts = truth.groupby("truth_matter").size().to_numpy(dtype=np.int64)
    all_pairs = int((counts * (counts - 1) // 2).sum())
    res["recall_all"] = s["tp_pairs"] / all_pairs if all_pairs else 1.0
    person = linkage.pairwise_scores(m["person_key"].fillna(alone), m["truth_person"])
    res["person_f1"] = person["f1"]
    base = linkage.pairwise_scores(linkage.exact_id_baseline(m), m["truth_matter"])
    res["baseline_f1"] = base["f1"]
    return res


# --- the table -----------------------------------------------------------------------------------


COLUMNS = [("run", "{}", 16), ("written", "{:,}", 9), ("read", "{:,}", 9),
           ("stored", "{:,}", 9), ("setaside", "{:,}", 8), ("rejected", "{:,}", 8),
           ("precision", "{:.3f}", 9), ("recall", "{:.3f}", 6), ("f1", "{:.3f}", 6),
           ("recall_all", "{:.3f}", 10), ("person_f1", "{:.3f}", 9),
           ("baseline_f1", "{:.3f}", 11), ("link_s", "{:.1f}", 7), ("total_s", "{:.1f}", 7),
           ("peak_rss_mb", "{:,.0f}", 11), ("capped_blocks", "{:,}", 13),
           ("review_pairs", "{:,}", 12), ("exit", "{}", 4)]


def _cell(value, fmt: str, width: int) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–".rjust(width)
    try:
        return fmt.format(value).rjust(width)
    except (ValueError, TypeError):
        return str(value).rjust(width)


def print_table(rows: list[dict]) -> None:
    print(" ".join(name.rjust(w) for name, _, w in COLUMNS))
    for r in rows:
        print(" ".join(_cell(r.get(name), fmt, w) for name, fmt, w in COLUMNS))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10k,100k", help="records per run, e.g. 10k,100k,1M")
    ap.add_argument("--generators", default="first,second", help="first, second or both")
    ap.add_argument("--skew", type=int, default=300,
                    help="name pairs of the skewed-name case (0: no skewed run)")
    ap.add_argument("--provinces", default=NORTHEAST,
                    help="province codes to draw from (default: the 20 of the northeast)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--work", help="folder for the files and databases (default: a temp one)")
    ap.add_argument("--keep", action="store_true", help="keep the files and databases")
    ap.add_argument("--lib", default=str(ROOT / "lib"),
                    help="the oneplan library the command runs from (default: this tree's)")
    ap.add_argument("--gen-opt", action="append", default=[], metavar="NAME=VALUE",
                    help="a field of the second generator's Config (JSON value), e.g. "
                         "p_header_variant=0 or 'free_text={}' (diagnostic runs)")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    import splink

    sizes = [_size(s) for s in args.sizes.split(",") if s.strip()]
    options = {}
    for opt in args.gen_opt:
        name, _, value = opt.partition("=")
        try:
            options[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[name.strip()] = value
    provinces = [p.strip() for p in args.provinces.split(",") if p.strip()]
    gens = [g.strip() for g in args.generators.split(",") if g.strip()]
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"{len(os.sched_getaffinity(0))} cores usable, Python {platform.python_version()}, "
          f"duckdb {duckdb.__version__}, pandas {pd.__version__}, splink {splink.__version__}")
    print(f"sizes {sizes}, generators {gens}, skew {args.skew or 'off'}, "
          f"{len(provinces)} provinces, seed {args.seed}, library {args.lib}"
          + (f", second generator options {options}" if options else ""))
    work = Path(args.work or tempfile.mkdtemp(prefix="oneplan-bench-accuracy-"))
    work.mkdir(parents=True, exist_ok=True)
    plan = [(g, n, None) for n in sizes for g in gens]
    if args.skew and "second" in gens:
        plan += [("second", n, args.skew) for n in sizes]
    rows = []
    for gen, n, skew in plan:
        name = f"{gen}{'+skew' + str(skew) if skew else ''}@{n // 1000}k"
        run_dir = work / name.replace("@", "_").replace("+", "_")
        shutil.rmtree(run_dir, ignore_errors=True)
        feeds_dir = run_dir / "feeds"
        feeds_dir.mkdir(parents=True)
        t = time.perf_counter()
        if gen == "first":
            truth, key = write_first(n, provinces, args.seed, feeds_dir), "case"
        else:
            truth, key = write_second(n, provinces, args.seed, feeds_dir, skew,
                                      options), "row"
        gen_s = time.perf_counter() - t
        db = run_dir / "complaints.duckdb"
        out = run_cli(feeds_dir, db, Path(args.lib))
        row = {"run": name, "gen_s": gen_s, "total_s": out["seconds"],
               "peak_rss_mb": out["peak_rss_mb"], "exit": out["exit"]}
        row.update(score(db, truth, key, out))
        rows.append(row)
        print(f"  {name}: generated in {gen_s:.1f} s; oneplan exit {out['exit']}"
              + (f"; {out['stderr'].strip().splitlines()[-1][:300]}"
                 if out["exit"] not in (0, 1) and out["stderr"].strip() else ""), flush=True)
        if not args.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
    print()
    print_table(rows)
    print("\nprecision/recall/f1: matter level, pairs among stored records; recall_all: over "
          "every written row;\nperson_f1: person level; baseline_f1: exact national-ID "
          "matching; link_s: the linkage's own time;\ntotal_s: import + link in the child; "
          "peak_rss_mb: the child's peak resident memory.")
    if args.keep:
        print(f"files and databases kept in {work}")
    elif not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

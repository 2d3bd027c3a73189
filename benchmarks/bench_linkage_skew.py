"""Benchmark: the linkage on skewed names — few name pairs, few sub-districts (prints figures).

    python benchmarks/bench_linkage_skew.py                       # 150,000 records
    python benchmarks/bench_linkage_skew.py --records 1000000     # the issue's 1M case
    python benchmarks/bench_linkage_skew.py --caps 100,300,0      # 0 = no cap (baseline)

The records come from the first generator (``oneplan.samples.feeds``), with names replaced
by ``--name-pairs`` (first, last) pairs drawn Zipf-wise and people placed in
``--subdistricts`` sub-districts (``tests/linkage_helpers.skewed``), so blocking on a name
and a sub-district makes huge blocks. For each block cap the full linkage
(``linkage.link_frames``) runs in a fresh process (its own peak RSS) under the project's
DuckDB memory limit; printed side by side: the candidate pairs blocking would make
without a cap, the bound after capping (≤ cap × records per rule), the blocks and records
capped, seconds, peak RSS and pairwise precision/recall/F1 against the generator's truth.

Target (issue 14, 2 cores): 1,000,000 records in ≤ 8 GB and ≤ 10 min.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))
sys.path.insert(0, str(ROOT / "tests"))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: str, cap: int, out: str) -> None:
    """Fresh process: link the records of ``path`` with block cap ``cap``."""
    import pandas as pd

    from oneplan.complaints import linkage
    from oneplan.data.params import load_params

    recs = pd.read_parquet(path)
    p = load_params().complaints
    p.block_cap = cap if cap > 0 else 10**9
    base = _rss_mb()
    t = time.perf_counter()
    assign, st = linkage.link_frames(None, recs.drop(columns=["truth_matter", "truth_person"]),
                                     p)
    seconds = time.perf_counter() - t
    m = recs.merge(assign, on="complaint_id")
    s = linkage.pairwise_scores(m["cluster_id"], m["truth_matter"])
    Path(out).write_text(json.dumps({
        "seconds": seconds, "phases": st.seconds, "peak_rss_mb": _rss_mb(),
        "rss_after_load_mb": base, "scores": s, "blocks": st.blocks,
        "person_links": st.person_links, "matter_links": st.matter_links}))


def uncapped_pairs(recs) -> int:
    """Pairs the blocking rules would make with no cap (sum of n(n-1)/2 per block)."""
    import duckdb

    from oneplan.complaints import blocking

    con = duckdb.connect()
    con.register("t", recs)
    total = 0
    for rule in blocking.RULES:
        key = "concat_ws('|', " + ", ".join(f"CAST({k} AS VARCHAR)" for k in rule.keys) + ")"
        nn = " AND ".join(f"{k} IS NOT NULL" for k in rule.keys)
        total += con.execute(f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM (SELECT "
                             f"count(*) AS n FROM t WHERE {nn} GROUP BY {key})").fetchone()[0]
    return int(total)


def main() -> None:
    """Generate the skewed records, then link them once per cap and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=150_000)
    ap.add_argument("--name-pairs", type=int, default=300)
    ap.add_argument("--subdistricts", type=int, default=20)
    ap.add_argument("--caps", default="100,300", help="block caps to compare (0 = none)")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2])
        return
    import duckdb
    import linkage_helpers
    import splink

    os.environ.setdefault("ONEPLAN_DUCKDB_MEMORY", "4GB")
    print(f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores usable, "
          f"duckdb {duckdb.__version__}, splink {splink.__version__}; DuckDB memory limit "
          f"{os.environ['ONEPLAN_DUCKDB_MEMORY']}")
    t = time.perf_counter()
    recs = linkage_helpers.skewed(args.records, args.seed, name_pairs=args.name_pairs,
                                  subdistricts=args.subdistricts)
    print(f"generated {len(recs):,} records in {time.perf_counter() - t:.0f} s: "
          f"{recs['first_name'].nunique()} first names, {recs['last_name'].nunique()} last "
          f"names, {recs['subdistrict_code'].nunique()} sub-districts")
    unc = uncapped_pairs(recs)
    print(f"candidate pairs without a cap: {unc:,} ({unc / len(recs):,.0f} per record)")
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "recs.parquet")
        recs.to_parquet(path)
        rows = []
        for cap in [int(c) for c in args.caps.split(",")]:
            out = str(Path(tmp) / f"cap{cap}.json")
            env = dict(os.environ, PYTHONPATH=str(ROOT / "lib"))
            subprocess.run([sys.executable, __file__, "--child", path, str(cap), out],
                           check=True, env=env)
            r = json.loads(Path(out).read_text())
            rows.append((cap, r))
    print(f"\n{'cap':>6} {'pair bound':>14} {'per record':>10} {'capped blocks':>13} "
          f"{'capped recs':>11} {'seconds':>8} {'peak RSS MB':>11} {'precision':>9} "
          f"{'recall':>7} {'F1':>6}")
    for cap, r in rows:
        b, s = r["blocks"], r["scores"]
        print(f"{cap or 'none':>6} {b['pair_bound']:>14,} {b['pair_bound'] / len(recs):>10,.0f} "
              f"{b['capped_blocks']:>13,} {b['capped_records']:>11,} {r['seconds']:>8.1f} "
              f"{r['peak_rss_mb']:>11,.0f} {s['precision']:>9.4f} {s['recall']:>7.4f} "
              f"{s['f1']:>6.4f}")
    print("\nphases (s):", {cap: {k: round(v, 1) for k, v in r["phases"].items()}
                            for cap, r in rows})


if __name__ == "__main__":
    main()

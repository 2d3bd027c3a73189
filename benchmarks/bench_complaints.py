"""Benchmark: cross-agency complaint linkage at national scale (prints figures).

    python benchmarks/bench_complaints.py             # 1,000,000 records + 10,000 new
    python benchmarks/bench_complaints.py --quick     # 100,000 + 1,000
    python benchmarks/bench_complaints.py --check-full  # also relink all and compare

Steps (each timed on its own):

1. generate ``--records + --new`` records with the generator's truth (all 76 provinces);
   the latest ``--new`` by received time are held back as the next batch;
2. preprocess: every record goes through its agency's adapter (the agency's own shape →
   the complaint schema, Thai normalisation, salted hashes), as an import would;
3. full linkage of ``--records`` (Splink person level + matter level + clusters) in a
   fresh process, so its peak RSS is the linkage's own (data loaded from Parquet);
   pairwise precision, recall and F1 against the truth, and the exact-ID baseline's F1;
4. incremental linkage of the ``--new`` records against the linked ``--records`` in an
   in-memory DuckDB with the real schema (the ``oneplan complaints link`` path).

Targets (issue 6, 2 cores): full ≤ 60 s and ≤ 4 GB at F1 ≥ 0.95; incremental ≤ 5 s.
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
os.environ.setdefault("ONEPLAN_PII_SALT", "benchmark-only-salt-0123456789")

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _machine() -> str:
    import splink

    return (f"{platform.processor() or platform.machine()}, {len(os.sched_getaffinity(0))} "
            f"cores usable, Python {platform.python_version()}, duckdb {duckdb.__version__}, "
            f"pandas {pd.__version__}, numpy {np.__version__}, splink {splink.__version__}")


def stage_link(path: str, out: str) -> None:
    """Child process: link the records of ``path`` from scratch; write figures to ``out``."""
    from oneplan.complaints import linkage
    from oneplan.data.params import load_params

    # only what linkage reads (as `oneplan complaints link` selects from the database)
    recs = pd.read_parquet(path, columns=list(linkage.LINK_COLUMNS) + [
        "truth_matter", "truth_person"])
    base_rss = _rss_mb()
    t = time.perf_counter()
    assign, st = linkage.link_frames(None, recs, load_params().complaints)
    seconds = time.perf_counter() - t
    m = recs.merge(assign, on="complaint_id")
    s = linkage.pairwise_scores(m["cluster_id"], m["truth_matter"])
    base = linkage.pairwise_scores(linkage.exact_id_baseline(m), m["truth_matter"])
    person = linkage.pairwise_scores(m["person_key"].fillna("x" + m["complaint_id"]),
                                     m["truth_person"])
    assign.to_parquet(out + ".assign.parquet")
    Path(out).write_text(json.dumps({
        "seconds": seconds, "phases": st.seconds, "peak_rss_mb": _rss_mb(),
        "rss_after_load_mb": base_rss, "scores": s, "baseline": base, "person": person,
        "clusters": st.clusters, "people": st.people, "person_links": st.person_links,
        "matter_links": st.matter_links}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--new", type=int, default=10_000)
    ap.add_argument("--quick", action="store_true", help="100,000 records + 1,000 new")
    ap.add_argument("--check-full", action="store_true",
                    help="also relink everything and compare with the incremental result")
    ap.add_argument("--seed", type=int, default=2567)
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stage == "link":
        stage_link(args.out + ".in", args.out)
        return 0
    if args.quick:
        args.records, args.new = 100_000, 1_000

    from oneplan.data import db
    from oneplan.complaints import feeds, linkage
    from oneplan.samples import feeds as generate
    from oneplan.data.params import load_params

    print(f"machine: {_machine()}")
    print(f"records: {args.records:,} + {args.new:,} new, all 76 provinces, seed {args.seed}")
    t = time.perf_counter()
    g = generate.generate(args.records + args.new, None, seed=args.seed)
    t_gen = time.perf_counter() - t
    print(f"generate            {t_gen:7.1f} s  ({len(g.records):,} agency records, "
          f"{g.records['truth_matter'].nunique():,} matters, "
          f"{g.records['truth_person'].nunique():,} people)")

    t = time.perf_counter()
    reg = feeds.registry()
    parts = []
    for agency, part in g.records.groupby("agency_id", sort=True):
        frame = generate.to_feed_frame(part, reg[agency])
        res = feeds.adapt(frame, reg[agency], source_file=f"{agency}.csv", synthetic=True)
        if len(res.rejected):
            raise SystemExit(f"{agency}: {len(res.rejected)} generated rows rejected")
        parts.append(res.accepted.assign(truth_matter=part["truth_matter"].to_numpy(),
                                         truth_person=part["truth_person"].to_numpy(),
                                         received_at_=part["received"].to_numpy()))
    recs = pd.concat(parts, ignore_index=True)
    t_pre = time.perf_counter() - t
    print(f"preprocess          {t_pre:7.1f} s  (15 adapters: parse, normalise, hash)")
    del g, parts
    recs = recs.sort_values(["received_at_", "complaint_id"]).reset_index(drop=True)
    old, new = recs.iloc[: args.records].copy(), recs.iloc[args.records:].copy()
    old = old.drop(columns="received_at_")
    new = new.drop(columns="received_at_")

    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "figs.json.in")
        old.to_parquet(inp)
        out = os.path.join(tmp, "figs.json")
        subprocess.run([sys.executable, __file__, "--stage", "link", "--out", out], check=True)
        f = json.loads(Path(out).read_text())
        assign = pd.read_parquet(out + ".assign.parquet")
    s, b, pp = f["scores"], f["baseline"], f["person"]
    print(f"full linkage        {f['seconds']:7.1f} s  (person/Splink "
          f"{f['phases']['person_splink']:.1f} s, matter {f['phases']['matter']:.1f} s); "
          f"peak RSS {f['peak_rss_mb'] / 1024:.2f} GB (data loaded: "
          f"{f['rss_after_load_mb'] / 1024:.2f} GB)")
    print(f"  pairwise          precision {s['precision']:.4f}  recall {s['recall']:.4f}  "
          f"F1 {s['f1']:.4f}  ({s['true_pairs']:,} true pairs)")
    print(f"  exact-ID baseline precision {b['precision']:.4f}  recall {b['recall']:.4f}  "
          f"F1 {b['f1']:.4f}")
    print(f"  person level      precision {pp['precision']:.4f}  recall {pp['recall']:.4f}  "
          f"F1 {pp['f1']:.4f}  ({f['people']:,} people, {f['clusters']:,} clusters)")

    # incremental: the linked records in a DuckDB with the real schema, then the batch
    con = duckdb.connect()
    con.execute(db.schema_sql())
    cols = list(feeds.CANONICAL_COLUMNS)
    con.register("o", old[cols])
    con.execute(f"INSERT INTO complaints ({', '.join(cols)}) SELECT * FROM o")
    con.register("a", assign)
    con.execute("INSERT INTO complaint_clusters SELECT cluster_id, complaint_id, is_parent, "
                "person_key, now() FROM a")
    con.register("n", new[cols])
    con.execute(f"INSERT INTO complaints ({', '.join(cols)}) SELECT * FROM n")
    p = load_params().complaints
    t = time.perf_counter()
    st = linkage.link(con, p, incremental=True)
    t_inc = time.perf_counter() - t
    k = con.execute("SELECT complaint_id, cluster_id FROM complaint_clusters").df()
    truth = pd.concat([old, new])[["complaint_id", "truth_matter"]]
    m = truth.merge(k, on="complaint_id")
    si = linkage.pairwise_scores(m["cluster_id"], m["truth_matter"])
    joined = k.merge(new[["complaint_id"]], on="complaint_id").merge(
        con.execute("SELECT complaint_id, is_parent FROM complaint_clusters").df())
    print(f"incremental         {t_inc:7.1f} s  ({st.new_records:,} new against "
          f"{st.records - st.new_records:,}; Splink {st.seconds['person_splink']:.1f} s, "
          f"matter {st.seconds['matter']:.1f} s; {st.changed_records:,} rows rewritten; "
          f"{(~joined['is_parent']).sum():,} new records joined existing matters)")
    print(f"  after increment   precision {si['precision']:.4f}  recall {si['recall']:.4f}  "
          f"F1 {si['f1']:.4f}")
    if args.check_full:
        t = time.perf_counter()
        assign2, _ = linkage.link_frames(None, pd.concat([old, new], ignore_index=True), p)
        same = assign2.sort_values("complaint_id").reset_index(drop=True)[
            ["complaint_id", "cluster_id", "is_parent", "person_key"]]
        inc = con.execute("SELECT complaint_id, cluster_id, is_parent, person_key FROM "
                          "complaint_clusters ORDER BY complaint_id").df()
        a, b = same.fillna("").astype(str), inc.fillna("").astype(str)
        equal = a.equals(b)
        if not equal:
            diff = (a != b).any(axis=1)
            print(f"  {int(diff.sum()):,} records differ, e.g.\n{a[diff].head(3)}\n{b[diff].head(3)}")
        print(f"full relink check   {time.perf_counter() - t:7.1f} s  incremental == full: "
              f"{bool(equal)}")
    targets = (f["seconds"] <= 60, f["peak_rss_mb"] <= 4096, s["f1"] >= 0.95, t_inc <= 5)
    print("targets (≤ 60 s, ≤ 4 GB, F1 ≥ 0.95, incremental ≤ 5 s): "
          + ", ".join("met" if x else "MISSED" for x in targets))
    return 0


if __name__ == "__main__":
    sys.exit(main())

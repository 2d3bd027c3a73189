"""Try the person-level Splink model on Spark (once), and compare it with DuckDB.

    pip install pyspark          # optional; needs Java 17
    python benchmarks/spark_person_level.py --records 100000

Generates records with the truth, runs them through the adapters, then scores the same
Splink settings (:func:`oneplan.complaints.linkage.person_settings`) with the DuckDB
backend and with the Spark backend (local[2]) and prints time, links and how many links
the two agree on.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))
os.environ.setdefault("ONEPLAN_PII_SALT", "benchmark-only-salt-0123456789")

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=100_000)
    args = ap.parse_args()
    from oneplan.complaints import feeds, linkage
    from oneplan.samples import feeds as generate
    from oneplan.data.params import load_params

    try:
        from pyspark.sql import SparkSession
    except ImportError:
        print("pyspark is not installed: pip install pyspark (and Java 17)")
        return 1
    from splink import DuckDBAPI, Linker, SparkAPI
    from splink.backends.spark import similarity_jar_location

    g = generate.generate(args.records, None, seed=7)
    reg = feeds.registry()
    parts = [feeds.adapt(generate.to_feed_frame(part, reg[a]), reg[a], source_file=a).accepted
             for a, part in g.records.groupby("agency_id", sort=True)]
    recs = pd.concat(parts, ignore_index=True)
    recs["rid"] = np.arange(len(recs), dtype=np.int64)
    ident = recs[["person_id_hash", "phone_hash", "first_name"]].notna().any(axis=1)
    person = recs.loc[ident, list(linkage.PERSON_COLUMNS)].reset_index(drop=True)
    p = load_params().complaints
    thr = p.person.threshold
    print(f"{len(person):,} records with identity")

    t = time.perf_counter()
    con = duckdb.connect()
    api = DuckDBAPI(con)
    linker = Linker(api.register(person), linkage.person_settings(p), log_level=None)
    d = linker.inference.predict(threshold_match_probability=thr, warning_mode="never")
    duck = con.execute(f"SELECT rid_l, rid_r FROM {d.physical_name}").df()
    print(f"DuckDB  {time.perf_counter() - t:6.1f} s  {len(duck):,} person links")

    t = time.perf_counter()
    spark = (SparkSession.builder.master("local[2]").appName("oneplan-complaints")
             .config("spark.driver.memory", "4g").config("spark.sql.shuffle.partitions", "8")
             .config("spark.jars", similarity_jar_location())  # Splink's Jaro-Winkler UDFs
             .getOrCreate())
    spark.sparkContext.setCheckpointDir(str(Path("/tmp") / "oneplan-spark-ckpt"))
    t_start = time.perf_counter() - t
    t = time.perf_counter()
    sapi = SparkAPI(spark_session=spark, break_lineage_method="parquet")
    sdf = spark.createDataFrame(person.astype(object).where(person.notna(), None))
    linker = Linker(sapi.register(sdf), linkage.person_settings(p), log_level=None)
    s = linker.inference.predict(threshold_match_probability=thr, warning_mode="never")
    sp = s.as_pandas_dataframe()[["rid_l", "rid_r"]]
    print(f"Spark   {time.perf_counter() - t:6.1f} s  {len(sp):,} person links "
          f"(+ {t_start:.1f} s to start Spark)")
    a = set(map(tuple, duck.to_numpy().tolist()))
    b = set(map(tuple, sp.astype("int64").to_numpy().tolist()))
    print(f"agree on {len(a & b):,} links; DuckDB only {len(a - b):,}, Spark only {len(b - a):,}")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Linked synthetic complaints in the sample database (``oneplan build-sample``).

Each province gets about ``complaints.sample_per_10k_people`` records per 10,000 people
of its (sample) population, drawn from its own seed so one province's sample does not
change when another is added. The records go through the real adapters (each agency's
export shape → the complaint schema, hashing on the way in) and the real linkage.
"""

from __future__ import annotations

import logging
import time

import duckdb
import pandas as pd

from oneplan.core import areas
from oneplan.data.params import load_params
from oneplan.samples import feeds as gen
from oneplan.complaints.feeds import adapt, registry
from oneplan.complaints.linkage import link
from oneplan.complaints.store import ensure_tables, save
from oneplan.complaints.feeds import feed_file_name

log = logging.getLogger(__name__)


def load_sample(con: duckdb.DuckDBPyConnection, province_codes: list[str] | None, *,
                seed: int, fiscal_year: int) -> int:
    """Generate, import and link sample complaints for ``province_codes`` (None: all 76).

    Returns:
        The number of complaint records inserted.
    """
    started = time.perf_counter()
    p = load_params().complaints
    ensure_tables(con)
    codes = province_codes or [q.code for q in areas.planning_provinces()]
    pop = dict(con.execute("SELECT province_code, sum(population) FROM areas "
                           "WHERE level = 'district' GROUP BY 1").fetchall())
    reg = registry()
    frames = []
    for code in codes:
        code = areas.province(code).code
        n = max(50, int(pop.get(code, 500_000) / 10_000 * p.sample_per_10k_people))
        g = gen.generate(n, [code], seed=seed * 100 + int(code), fiscal_year=fiscal_year,
                         reg=reg, truth_offset=int(code) * 10**8)
        frames.append(g.records)
    records = pd.concat(frames, ignore_index=True)
    truth_parts = []
    total = 0
    for agency_id, part in records.groupby("agency_id", sort=True):
        feed = reg[agency_id]
        result = adapt(gen.to_feed_frame(part, feed), feed,
                       source_file=feed_file_name(agency_id, feed, fiscal_year),
                       source_sheet=feed.sheet, synthetic=True)
        save(con, result)
        total += len(result.accepted)
        # each stored record's truth, by the line it came from (repeated case numbers
        # are stored as case#n)
        rows = result.accepted["source_row"].to_numpy() - 2
        truth_parts.append(pd.DataFrame({
            "complaint_id": result.stored_ids.to_numpy(),
            "truth_matter": part["truth_matter"].to_numpy()[rows],
            "truth_person": part["truth_person"].to_numpy()[rows]}))
    truth = pd.concat(truth_parts, ignore_index=True)
    con.register("truth_in", truth)
    con.execute("INSERT INTO complaint_truth SELECT * FROM truth_in "
                "WHERE complaint_id IN (SELECT complaint_id FROM complaints)")
    con.unregister("truth_in")
    link(con, p, incremental=False)
    log.info("sample complaints: %d records for %d provinces in %.1f s", total, len(codes),
             time.perf_counter() - started)
    return total

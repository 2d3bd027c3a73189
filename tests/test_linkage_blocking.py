"""Bounded cost whatever the data (issue 14, item 6): blocks larger than the cap are cut
into sorted windows, so the candidate pairs stay ≤ cap × records per rule on a skewed
100k case (few names, few sub-districts), and the run summary says where it capped. The
DuckDB connections run with the project's memory limit and temporary folder."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from oneplan.complaints import blocking, linkage
from oneplan.core.errors import UserError
from oneplan.data import db
from oneplan.data.params import load_params

import linkage_helpers as helpers


def _uncapped(con, table) -> int:
    total = 0
    for rule in blocking.RULES:
        key = "concat_ws('|', " + ", ".join(f"CAST({k} AS VARCHAR)" for k in rule.keys) + ")"
        nn = " AND ".join(f"{k} IS NOT NULL" for k in rule.keys)
        total += con.execute(f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM (SELECT "
                             f"count(*) AS n FROM {table} WHERE {nn} GROUP BY {key})"
                             ).fetchone()[0]
    return int(total)


def test_skewed_100k_pairs_stay_under_the_cap():
    recs = helpers.skewed(100_000, seed=4)
    assert recs["last_name"].nunique() <= 10 and recs["subdistrict_code"].nunique() <= 20
    con = duckdb.connect()
    con.register("r", recs.assign(rid=np.arange(len(recs)))[list(linkage.PERSON_COLUMNS)])
    con.execute("CREATE TABLE t AS SELECT * FROM r")
    cap = 100
    uncapped = _uncapped(con, "t")
    report = blocking.add_capped_keys(con, "t", cap)
    # exact count of the distinct pairs Splink's rules over the two capped keys of the
    # surname + sub-district rule generate (same window, at most `neighbours` apart)
    ka, kb = blocking.key_columns(2)
    pos, w = blocking.position_column(2), report.neighbours
    generated = con.execute(" UNION ".join(
        f"SELECT l.rid AS a, r.rid AS b FROM t l JOIN t r ON l.{k} = r.{k} AND l.rid < r.rid "
        f"AND abs(l.{pos} - r.{pos}) <= {w}"
        for k in (ka, kb)).join(["SELECT count(*) FROM (", ")"])).fetchone()[0]
    per_rule = report.per_rule["last_sub"]
    assert per_rule["capped_blocks"] > 0
    assert 0 < generated <= per_rule["pair_bound"] <= cap * len(recs)
    assert report.pair_bound <= len(blocking.RULES) * cap * len(recs)
    assert uncapped > 20 * report.pair_bound  # what capping saved on this data
    assert report.capped_blocks > 0 and report.capped_records > len(recs) // 2
    # no block left above the cap
    for k in [c for i in range(len(blocking.RULES)) for c in blocking.key_columns(i)]:
        biggest = con.execute(f"SELECT max(n) FROM (SELECT count(*) n FROM t WHERE {k} IS NOT "
                              f"NULL GROUP BY {k})").fetchone()[0]
        assert biggest is None or biggest <= cap


def test_windows_overlap_so_neighbours_in_the_sort_meet():
    con = duckdb.connect()
    n = 25
    con.register("r", pd.DataFrame({
        "rid": np.arange(n), "person_id_hash": None, "phone_hash": None,
        "first_name": [f"n{i:02d}" for i in range(n)], "last_name": "same",
        "subdistrict_code": "450101", "house_no_hash": None, "moo": None,
        "address_hash": None}).astype({"person_id_hash": "string", "phone_hash": "string",
                                       "house_no_hash": "string", "address_hash": "string",
                                       "moo": "Int64"}))
    con.execute("CREATE TABLE t AS SELECT * FROM r")
    report = blocking.add_capped_keys(con, "t", 10)
    assert report.per_rule["last_sub"] == {"capped_blocks": 1, "capped_records": n,
                                           "pair_bound": report.per_rule["last_sub"]["pair_bound"]}
    a, b = blocking.key_columns(2)
    rows = con.execute(f"SELECT first_name, {a}, {b} FROM t ORDER BY first_name").fetchall()
    for (_, a1, b1), (_, a2, b2) in zip(rows, rows[1:]):
        assert a1 == a2 or b1 == b2  # adjacent records share a window


def test_capped_run_says_so(monkeypatch):
    monkeypatch.setattr(linkage.privacy, "verify_salt", lambda con: None)
    recs = helpers.skewed(4000, seed=2, subdistricts=2)
    p = load_params().complaints
    p.block_cap = 20
    _, st = linkage.link_frames(None, recs, p)
    assert st.blocks["capped_blocks"] > 0 and st.blocks["cap"] == 20
    assert st.blocks["pair_bound"] <= len(blocking.RULES) * 20 * len(recs)


def test_duckdb_memory_and_temp_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(db.MEMORY_ENV, raising=False)
    monkeypatch.delenv(db.TMPDIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "x.duckdb"
    con = db.connect(path, read_only=False)
    mem, tmp = con.execute("SELECT current_setting('memory_limit'), "
                           "current_setting('temp_directory')").fetchone()
    con.close()
    assert Path(tmp) == path.with_name("x.duckdb.tmp") and mem.startswith("3.7")
    cfg = db.duckdb_config(None)
    assert not Path(cfg["temp_directory"]).resolve().is_relative_to(Path.cwd())
    assert Path(cfg["temp_directory"]).name.startswith("oneplan-duckdb-")
    monkeypatch.setenv(db.MEMORY_ENV, "1GB")
    monkeypatch.setenv(db.TMPDIR_ENV, str(tmp_path / "spill"))
    mem_con = linkage.memory_connection(load_params().complaints)
    mem, tmp = mem_con.execute("SELECT current_setting('memory_limit'), "
                               "current_setting('temp_directory')").fetchone()
    mem_con.close()
    assert mem.startswith("953") and tmp == str(tmp_path / "spill")
    monkeypatch.setenv(db.MEMORY_ENV, "lots")
    with pytest.raises(UserError, match="ONEPLAN_DUCKDB_MEMORY"):
        db.duckdb_config(None)


def test_pairs_are_bounded_per_record_not_per_block():
    """Skewed names: whatever a block's size, a record meets at most
    ``max(cap - 1, 2 × neighbours)`` others per rule, and its nearest neighbours in the
    rule's sort are among them."""
    recs = helpers.skewed(20_000, seed=5, subdistricts=3)
    con = duckdb.connect()
    con.register("r", recs.assign(rid=np.arange(len(recs)))[list(linkage.PERSON_COLUMNS)])
    con.execute("CREATE TABLE t AS SELECT * FROM r")
    cap, w = 30, 8
    report = blocking.add_capped_keys(con, "t", cap, neighbours=w)
    assert report.neighbours == w and report.capped_blocks > 0
    for i, rule in enumerate(blocking.RULES):
        ka, kb = blocking.key_columns(i)
        pos = blocking.position_column(i)
        pairs = " UNION ".join(
            f"SELECT l.rid AS a, r.rid AS b FROM t l JOIN t r ON l.{k} = r.{k} "
            f"AND l.rid <> r.rid AND abs(l.{pos} - r.{pos}) <= {w}" for k in (ka, kb))
        most, total = con.execute(f"SELECT max(n), sum(n) // 2 FROM (SELECT a, count(*) AS n "
                                  f"FROM ({pairs}) GROUP BY a)").fetchone()
        if most is None:
            continue
        assert most <= max(cap - 1, 2 * w), rule.name
        assert total <= report.per_rule[rule.name]["pair_bound"], rule.name
    # in a capped block, records next to each other in the sort are compared
    ka, kb = blocking.key_columns(2)
    pos = blocking.position_column(2)
    missing = con.execute(f"""
        SELECT count(*) FROM t l JOIN t r ON split_part(coalesce(l.{kb}, ''), '~', 1) =
            split_part(coalesce(r.{kb}, ''), '~', 1) AND l.{kb} IS NOT NULL
            AND r.{pos} - l.{pos} BETWEEN 1 AND {w}
        WHERE NOT (l.{ka} = r.{ka} OR l.{kb} = r.{kb})""").fetchone()[0]
    assert missing == 0

"""Cannot-link clustering (issue 14): two different national IDs never end in one person,
records without an ID cannot chain two identified people, and the officer's decisions
(must-link / cannot-link at matter level) hold in every full and incremental relink."""

from __future__ import annotations

from datetime import datetime

import duckdb
import numpy as np
import pandas as pd

from oneplan.complaints import clustering, feeds, linkage, linkage_tables
from oneplan.data import db
from oneplan.data.params import load_params

from test_linkage_evidence import TEXT_A, TEXT_A2, rec


def test_union_find_refuses_to_chain_two_labels():
    # 0 (id A) - 1 (no id) - 2 (id B): plain components would make one group
    edges = np.array([[0, 1], [1, 2]])
    plain = clustering.components(3, edges)
    assert len(set(plain)) == 1
    group, refused = clustering.constrained_clusters(
        3, edges, np.array([0.99, 0.97]), labels=np.array([0, -1, 1]))
    assert group[0] == group[1] != group[2] and refused == 1
    # the stronger link wins whichever order the edges come in
    group, _ = clustering.constrained_clusters(
        3, edges, np.array([0.96, 0.999]), labels=np.array([0, -1, 1]))
    assert group[1] == group[2] != group[0]


def test_cannot_and_must_links():
    edges = np.array([[0, 1], [1, 2], [3, 4]])
    group, refused = clustering.constrained_clusters(
        5, edges, np.array([0.9, 0.95, 0.99]), cannot=np.array([[0, 2]]),
        must=np.array([[2, 3]]))
    assert group[2] == group[3] == group[4] == group[1] and group[0] != group[2]
    assert refused == 1
    # without a conflict: exactly the connected components
    group, refused = clustering.constrained_clusters(5, edges, None)
    assert refused == 0 and (group == clustering.components(5, edges)).all()


def test_two_national_ids_never_in_one_person():
    """Same name, same house, two different valid IDs, and a copy without ID or phone
    that looks like both: two people, and the copy joins one of them at most."""
    rows = [rec("a:1", "2026-11-02", "road", TEXT_A, person_id_hash="id1", house_no_hash="h1"),
            rec("b:1", "2026-11-03", "road", TEXT_A2, house_no_hash="h1"),
            rec("c:1", "2026-11-04", "road", TEXT_A, person_id_hash="id2", house_no_hash="h1"),
            rec("d:1", "2026-11-30", "flood", "น้ำท่วมขังหน้าวัด หมู่ 4 ขังนานหลายวัน",
                person_id_hash="id2", house_no_hash="h1")]
    out, st = linkage.link_frames(None, pd.DataFrame(rows).astype({"moo": "Int64"}),
                                  load_params().complaints)
    o = out.set_index("complaint_id")
    assert o.loc["a:1", "person_key"] != o.loc["c:1", "person_key"]
    assert o.loc["c:1", "person_key"] == o.loc["d:1", "person_key"]
    assert o.loc["b:1", "person_key"] in (o.loc["a:1", "person_key"], o.loc["c:1", "person_key"])
    assert o.loc["a:1", "cluster_id"] != o.loc["c:1", "cluster_id"]
    assert st.refused_person_links >= 1


def _db(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(db.schema_sql())
    frame = pd.DataFrame(rows)
    full = pd.DataFrame({c: frame[c] if c in frame else None for c in feeds.CANONICAL_COLUMNS})
    full = full.assign(agency_id=frame["complaint_id"].str.split(":").str[0],
                       case_no=frame["complaint_id"].str.split(":").str[1],
                       province_code=frame["subdistrict_code"].str[:2], status="received",
                       reopen_count=0, transfers=0, synthetic=True, source_file="t",
                       case_no_repeat=False)
    con.register("r", full)
    con.execute(f"INSERT INTO complaints ({', '.join(feeds.CANONICAL_COLUMNS)}) "
                f"SELECT {', '.join(feeds.CANONICAL_COLUMNS)} FROM r")
    con.unregister("r")
    linkage_tables.ensure_tables(con)
    return con


def _decide(con, left, right, decision):
    con.execute("INSERT OR REPLACE INTO complaint_link_decisions VALUES (?, ?, ?, 'desk 1', "
                "'review.xlsx', 2, ?)", [min(left, right), max(left, right), decision,
                                         datetime(2026, 12, 1)])


def _clusters(con) -> pd.Series:
    return con.execute("SELECT complaint_id, cluster_id FROM complaint_clusters").df(
    ).set_index("complaint_id")["cluster_id"]


def test_decisions_hold_in_full_and_incremental_relinks(monkeypatch):
    monkeypatch.setenv("ONEPLAN_PII_SALT", "tests-only-salt-0123456789")
    monkeypatch.setattr(linkage.privacy, "verify_salt", lambda con: None)
    p = load_params().complaints
    other = "ไฟถนนหน้าตลาดนัด หมู่ 4 ดับมาหลายคืน ขอให้เปลี่ยนหลอดไฟ"
    rows = [rec("a:1", "2026-11-02", "road", TEXT_A, person_id_hash="id1"),
            rec("b:1", "2026-11-04", "road", TEXT_A2, person_id_hash="id1"),
            rec("a:2", "2026-11-05", "streetlight", other, person_id_hash="id1")]
    con = _db(rows)
    linkage.link(con, p, incremental=False)
    c = _clusters(con)
    assert c["a:1"] == c["b:1"] != c["a:2"]
    # the officer: a:1 and b:1 are different matters; a:1 and a:2 are one
    _decide(con, "a:1", "b:1", "different")
    _decide(con, "a:1", "a:2", "same")
    st = linkage.link(con, p, incremental=True)  # no new record, but decisions to apply
    c = _clusters(con)
    assert c["a:1"] != c["b:1"] and c["a:1"] == c["a:2"], c
    assert st.new_records == 0
    # a new record like b:1 arrives: the decisions still hold (incremental)
    con.execute("INSERT INTO complaints SELECT * REPLACE ('c:1' AS complaint_id, 'c' AS "
                "agency_id, '1' AS case_no) FROM complaints WHERE complaint_id = 'b:1'")
    linkage.link(con, p, incremental=True)
    c = _clusters(con)
    assert c["a:1"] != c["b:1"] and c["a:1"] == c["a:2"] and c["c:1"] == c["b:1"], c
    # and in a full relink
    linkage.link(con, p, incremental=False)
    c = _clusters(con)
    assert c["a:1"] != c["b:1"] and c["a:1"] == c["a:2"] and c["c:1"] == c["b:1"], c
    # decided pairs are not put up for review again
    decided = con.execute("SELECT count(*) FROM complaint_review_pairs r JOIN "
                          "complaint_link_decisions d USING (left_id, right_id)").fetchone()[0]
    assert decided == 0

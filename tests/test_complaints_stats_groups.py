"""Group tables of the complaint statistics when a matter's group holds no record of the
selection (a matter takes its category from its parent, which may be another agency's
copy filed under another label): a row with 0 records, never a crash (the batch's
complaints report failed on this in provinces 17 and 21)."""

from __future__ import annotations

import duckdb

from oneplan.complaints import stats


def test_a_matter_whose_category_has_no_record_counts_zero_records(sample_db):
    con = duckdb.connect(str(sample_db), read_only=True)
    try:
        d = stats.load(con, "40", 2570)
    finally:
        con.close()
    assert len(d.clusters) and "category" in d.clusters
    lonely = "a_label_no_record_has"
    d.clusters = d.clusters.copy()
    d.clusters.loc[d.clusters.index[0], "category"] = lonely
    table = stats.by_category(d)
    n = stats.column_names("th")
    row = table[table.iloc[:, 0] == lonely].iloc[0]
    assert row[n["records"]] == 0 and row[n["clusters"]] == 1
    assert table[n["records"]].sum() == len(d.cases)
    assert table[n["clusters"]].sum() == len(d.clusters)



def test_every_matter_has_a_category_even_when_its_parent_is_elsewhere(sample_db):
    con = duckdb.connect(str(sample_db), read_only=True)
    try:
        d = stats.load(con, "40", 2570)
    finally:
        con.close()
    parents = set(d.cases.loc[d.cases["is_parent"], "cluster_id"])
    assert not set(d.clusters["cluster_id"]) <= parents  # the case this test is about
    assert d.clusters["category"].notna().all()
    assert d.clusters["province_code"].notna().all()

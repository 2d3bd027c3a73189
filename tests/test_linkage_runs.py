"""What a link run leaves besides the clusters: review pairs of the uncertain band with
evidence (level labels, no personal data), one ``complaint_link_runs`` row, and the CLI
summary with totals after an incremental link (issue 14, items 6 and 7)."""

from __future__ import annotations

import json
import re

import duckdb
import pandas as pd

from oneplan import cli
from oneplan.complaints import feeds, linkage, linkage_model
from oneplan.data import db
from oneplan.data.params import load_params

import linkage_helpers as helpers


def _db(recs: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(db.schema_sql())
    cols = list(feeds.CANONICAL_COLUMNS)
    con.register("r", recs[cols])
    con.execute(f"INSERT INTO complaints ({', '.join(cols)}) SELECT * FROM r")
    con.unregister("r")
    return con


def test_review_pairs_and_run_rows(monkeypatch):
    monkeypatch.setattr(linkage.privacy, "verify_salt", lambda con: None)
    p = load_params().complaints
    recs = helpers.records(2000, seed=8)
    old, new = recs.iloc[:1600], recs.iloc[1600:]
    con = _db(old)
    st = linkage.link(con, p, incremental=False)
    pairs = con.execute("SELECT * FROM complaint_review_pairs").df()
    assert len(pairs) == st.review_pairs > 0
    assert set(pairs["level"]) == {"person", "matter"}
    assert (pairs["left_id"] < pairs["right_id"]).all()
    lo = p.review_min_probability
    person = pairs[pairs["level"] == "person"]
    matter = pairs[pairs["level"] == "matter"]
    assert person["probability"].between(lo, p.person.threshold, inclusive="left").all()
    assert matter["probability"].between(lo, p.matter_threshold, inclusive="left").all()
    labels_p = {lab for levels in linkage_model.PERSON_LEVELS.values() for lab in levels}
    labels_m = {lab for levels in linkage_model.matter_labels(p.matter).values()
                for lab in levels}
    for level, ev in zip(pairs["level"], pairs["evidence"]):
        ev = json.loads(ev)
        names = linkage_model.PERSON_LEVELS if level == "person" else linkage_model.MATTER_LEVELS
        assert set(ev) == set(names)
        assert set(ev.values()) <= (labels_p if level == "person" else labels_m)
    # no name, hash or text of any record in the evidence
    blob = " ".join(pairs["evidence"])
    for col in ("first_name", "last_name", "person_id_hash", "phone_hash"):
        values = old[col].dropna().astype(str)
        assert not any(v in blob for v in values if len(v) > 3)
    run = con.execute("SELECT * FROM complaint_link_runs").df()
    assert len(run) == 1 and run.loc[0, "mode"] == "full"
    assert run.loc[0, "records"] == 1600 and run.loc[0, "review_pairs"] == len(pairs)
    assert "blocks" in json.loads(run.loc[0, "summary_json"])

    # incremental: totals, not the part reloaded
    cols = list(feeds.CANONICAL_COLUMNS)
    con.register("n", new[cols])
    con.execute(f"INSERT INTO complaints ({', '.join(cols)}) SELECT * FROM n")
    st = linkage.link(con, p, incremental=True)
    total = con.execute("SELECT count(*), count(DISTINCT cluster_id), "
                        "count(DISTINCT person_key) FROM complaint_clusters").fetchone()
    assert (st.records, st.clusters, st.people) == total
    assert st.new_records == 400 and 400 <= st.reexamined < 2000
    run = con.execute("SELECT * FROM complaint_link_runs ORDER BY run_at").df()
    assert list(run["mode"]) == ["full", "incremental"]
    assert run.iloc[1]["matters"] == total[1] and run.iloc[1]["persons"] == total[2]
    assert run.iloc[1]["review_pairs"] == con.execute(
        "SELECT count(*) FROM complaint_review_pairs").fetchone()[0]


def test_cli_prints_totals_after_an_incremental_link(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ONEPLAN_PII_SALT", "tests-only-salt-0123456789")
    dbfile = tmp_path / "c.duckdb"
    first, second = tmp_path / "f1", tmp_path / "f2"
    for out, seed in ((first, 3), (second, 4)):
        assert cli.main(["complaints", "generate", "--out", str(out), "--records", "600",
                         "--province", "45", "--seed", str(seed)]) == 0
    assert cli.main(["complaints", "import", str(first), "--db", str(dbfile), "--link"]) == 0
    capsys.readouterr()
    assert cli.main(["complaints", "import", str(second), "--db", str(dbfile), "--link"]) == 0
    text = capsys.readouterr().out
    con = db.connect(dbfile)
    try:
        n, matters, persons = con.execute(
            "SELECT count(*), count(DISTINCT cluster_id), count(DISTINCT person_key) "
            "FROM complaint_clusters").fetchone()
        review = con.execute("SELECT count(*) FROM complaint_review_pairs").fetchone()[0]
    finally:
        con.close()
    m = re.search(r"linked ([\d,]+) new records \(([\d,]+) in all, ([\d,]+) re-examined\): "
                  r"([\d,]+) matters and ([\d,]+) persons in all, ([\d,]+) pairs await review",
                  text)
    assert m, text
    got = [int(g.replace(",", "")) for g in m.groups()]
    assert got[0] == 600 and got[1] == n == 1200
    assert got[3] == matters and got[4] == persons and got[5] == review
    assert 600 <= got[2] < n

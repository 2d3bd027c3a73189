"""The `oneplan complaints` command: generate, import (with rejects), link, export."""

from __future__ import annotations

import re

import pandas as pd

from oneplan import cli
from oneplan.data import db
from oneplan.core import pii


def test_generate_import_link_export(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ONEPLAN_PII_SALT", "tests-only-salt-0123456789")
    feeds_dir, out, dbfile = tmp_path / "feeds", tmp_path / "out", tmp_path / "c.duckdb"
    assert cli.main(["complaints", "generate", "--out", str(feeds_dir), "--records", "800",
                     "--province", "45", "--seed", "3"]) == 0
    # one agency's file gets a bad date (stored all the same: its action date stands in)
    # and a row with no text: that one is set aside, the rest imported
    path = feeds_dir / "pm1111_2570.csv"
    frame = pd.read_csv(path, dtype=str)
    frame.loc[0, "created_at"] = "yesterday"
    frame.loc[1, "description"] = None
    frame.to_csv(path, index=False)
    capsys.readouterr()
    # exit 1: done, but a row was set aside (kept in <file>.rejected.csv)
    assert cli.main(["complaints", "import", str(feeds_dir), "--db", str(dbfile), "--link"]) == 1
    text = capsys.readouterr().out
    assert "set aside     1" in text and "linked" in text
    acct = re.search(r"pm1111_2570.csv: ([\d,]+) lines = stored ([\d,]+) \+ set aside 1 "
                     r"\+ skipped 0", text)
    assert acct and int(acct[1]) == len(frame) == int(acct[2]) + 1
    assert (feeds_dir / "pm1111_2570.csv.rejected.csv").exists()
    con = db.connect(dbfile)
    try:
        n, linked = con.execute("SELECT (SELECT count(*) FROM complaints), "
                                "(SELECT count(*) FROM complaint_clusters)").fetchall()[0]
        aside = con.execute("SELECT source_row, problem FROM complaint_setaside").fetchall()
    finally:
        con.close()
    assert n == linked == 799 and aside == [(3, "no_text")]
    assert cli.main(["complaints", "export", "--province", "45", "--out", str(out),
                     "--db", str(dbfile)]) == 0
    assert (out / "complaints_45.xlsx").exists()
    assert pii.scan_paths([out]) == {}
    # a folder with a file of no known agency is refused with a clear message
    (feeds_dir / "unknown_2570.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert cli.main(["complaints", "import", str(feeds_dir), "--db", str(dbfile)]) == 2
    assert "no feed name" in capsys.readouterr().err

"""A report is redone when the data it shows changed, and only then.

The batch fingerprints the data of each province (``oneplan.data.db.content_digests``):
an import that changes nothing redoes no report; a changed need of one province redoes that
province's reports and the national ones, not the other provinces'; a write by anything
else than an import (here SQL straight into the file) counts the same way.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from oneplan.batch import registry, runner
from oneplan.data import db, ingest

NEEDS_TH = ["ลำดับที่", "ปีงบประมาณ", "รหัสหมู่บ้าน", "ประเภทความต้องการ", "รายละเอียดความต้องการ",
            "จำนวนครัวเรือนที่ได้รับประโยชน์", "งบประมาณโดยประมาณ (บาท)", "วันที่เสนอ"]

PARAMETERS = '''
province_code = "32"
fiscal_year = 2570
lang = "th"
db_path = ""
output_dir = ""
report_name = "light"
'''

BODY = '''
import json, pathlib
from oneplan.data import db
con = db.connect(db_path or None)
n = con.execute("SELECT count(*) FROM needs WHERE province_code = ? OR ? = ''",
                [province_code, province_code]).fetchone()[0]
con.close()
out = pathlib.Path(output_dir)
out.mkdir(parents=True, exist_ok=True)
(out / f"{report_name}.summary.json").write_text(json.dumps(
    {"synthetic": True, "needs": n}), encoding="utf-8")
print(n)
'''


@pytest.fixture
def setup(sample_db, tmp_path, monkeypatch):
    """A database copy, a light report per province and a national one."""
    path = tmp_path / "fresh.duckdb"
    shutil.copy(sample_db, path)
    nb = new_notebook(cells=[new_code_cell(PARAMETERS.strip(), metadata={"tags": ["parameters"]}),
                             new_code_cell(BODY.strip())])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb_path = tmp_path / "light.ipynb"
    nbformat.write(nb, nb_path)
    monkeypatch.setattr(registry, "REPORTS", [])
    registry.register(registry.ReportSpec("light", str(nb_path), "province",
                                          extra={"report_name": "light"}, timeout_s=120))
    registry.register(registry.ReportSpec("overall", str(nb_path), "national",
                                          extra={"report_name": "overall"}, timeout_s=120))
    return path, tmp_path / "reports"


def _batch(path: Path, out: Path) -> dict[str, str]:
    result = runner.run_batch(["32", "45"], out_root=out, db_path=path, formats=("html",),
                              workers=1, progress=False, national=True)
    assert not result.failures, [(o.key, o.error) for o in result.failures]
    return {o.key: o.status for o in result.outcomes}


def _needs_file(path: Path, villages: list[str], cost: str = "450,000") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(NEEDS_TH)
        for i, village in enumerate(villages, start=1):
            w.writerow([i, "2570", village, "แหล่งน้ำและประปา", f"ฝายชะลอน้ำ {i}", "60",
                        cost if i == 1 else "300,000", "20/03/2569"])
    return path


def _sql(path: Path, sql: str, params=()):
    con = duckdb.connect(str(path))
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


ALL = {"32/light", "45/light", "national/overall"}


def test_only_the_reports_whose_data_changed_are_redone(setup, tmp_path):
    path, out = setup
    villages = [c for (c,) in _sql(path, "SELECT code FROM areas WHERE level = 'village' "
                                          "AND province_code = '32' ORDER BY code LIMIT 3")]
    f = _needs_file(tmp_path / "needs_32.csv", villages)
    assert _batch(path, out) == dict.fromkeys(ALL, "ok")
    assert _batch(path, out) == dict.fromkeys(ALL, "skipped")

    # a new need of Surin (32): Surin's report and the national one
    (res,) = ingest.import_files([f], path)
    assert res.total("inserted") == 3
    assert _batch(path, out) == {"32/light": "ok", "45/light": "skipped",
                                 "national/overall": "ok"}

    # the identical file again: nothing changes, not even meta.last_import_at
    stamp = _sql(path, "SELECT value FROM meta WHERE key = 'last_import_at'")
    (res,) = ingest.import_files([f], path)
    assert (res.total("unchanged"), res.total("inserted"), res.total("updated")) == (3, 0, 0)
    assert _sql(path, "SELECT value FROM meta WHERE key = 'last_import_at'") == stamp
    assert _batch(path, out) == dict.fromkeys(ALL, "skipped")

    # one need of Surin changed (its cost): Surin's report and the national one again
    _needs_file(f, villages, cost="990,000")
    (res,) = ingest.import_files([f], path)
    assert (res.total("updated"), res.total("unchanged")) == (1, 2)
    assert _batch(path, out) == {"32/light": "ok", "45/light": "skipped",
                                 "national/overall": "ok"}

    # a write that is no import (a committee stage typed in by hand) counts the same way
    _sql(path, "UPDATE needs SET stage = 'tambon_screened' WHERE need_id = "
               "(SELECT min(need_id) FROM needs WHERE province_code = '45')")
    assert _batch(path, out) == {"32/light": "skipped", "45/light": "ok",
                                 "national/overall": "ok"}
    # a rebuilt database (another build time) redoes everything
    _sql(path, "UPDATE meta SET value = 'rebuilt' WHERE key = 'built_at'")
    assert _batch(path, out) == dict.fromkeys(ALL, "ok")


def test_digests_follow_each_provinces_rows(sample_db, tmp_path):
    path = tmp_path / "digests.duckdb"
    shutil.copy(sample_db, path)

    def digests():
        con = db.connect(path)
        try:
            return db.content_digests(con)
        finally:
            con.close()

    first = digests()
    assert {"", "32", "40", "45"} <= set(first)
    assert first == digests()  # a fixed function of the data
    # a complaint matter of province 40 linked to a case of 45 counts for both
    row = _sql(path, "SELECT k.cluster_id, c.complaint_id FROM complaint_clusters k "
                     "JOIN complaints c USING (complaint_id) WHERE c.province_code = '45' "
                     "LIMIT 1")[0]
    forty = _sql(path, "SELECT min(c.complaint_id) FROM complaints c JOIN complaint_clusters "
                       "k USING (complaint_id) WHERE c.province_code = '40' AND k.cluster_id "
                       "IN (SELECT cluster_id FROM complaint_clusters GROUP BY 1 "
                       "HAVING count(*) = 1)")[0][0]
    _sql(path, "UPDATE complaint_clusters SET cluster_id = ? WHERE complaint_id = ?",
         [row[0], forty])
    second = digests()
    changed = {p for p in set(first) | set(second) if first.get(p) != second.get(p)}
    assert changed == {"40", "45"}
    assert {t for t in second["45"] if second["45"][t] != first["45"][t]} == \
        {"complaint_clusters"}
    # when a row was written, not what it holds: no change
    _sql(path, "UPDATE complaints SET imported_at = now()")
    _sql(path, "UPDATE meta SET value = '2099-01-01' WHERE key = 'last_import_at'")
    assert digests() == second
    # the day the plan data stand at is the whole country's: every province's reports use it
    _sql(path, "UPDATE need_stages SET stage_on = DATE '2099-01-01' WHERE need_id = "
               "(SELECT min(need_id) FROM needs WHERE province_code = '40')")
    third = digests()
    assert third[""]["as_of"] != second[""]["as_of"]


def test_every_table_has_a_province_or_is_named():
    """A new table must say whose data it holds: a ``province_code`` column, a join in
    ``db.PROVINCE_OF``, ``db.SPREAD_OVER_PROVINCES``, or ``db.NOT_REPORTED``."""
    con = duckdb.connect()
    try:
        con.execute(db.schema_sql())
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables"
                                            ).fetchall()]
        with_province = {t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE column_name = 'province_code'").fetchall()}
    finally:
        con.close()
    named = with_province | set(db.PROVINCE_OF) | set(db.SPREAD_OVER_PROVINCES) | \
        db.NOT_REPORTED
    assert not set(tables) - named, f"say whose data these are: {set(tables) - named}"
    assert not (set(db.PROVINCE_OF) | set(db.SPREAD_OVER_PROVINCES)) - set(tables)

"""Personal data: salted hashes only, the salt outside git, and a scan of every generated
report and export for national IDs, phones and names."""

from __future__ import annotations

import stat

import nbformat
import pandas as pd
import papermill as pm
import pytest

from oneplan.data import db
from oneplan.complaints import privacy
from oneplan.core.paths import NOTEBOOKS_DIR, ROOT
from oneplan.core import pii


def test_hashes_depend_on_the_salt_and_hide_the_value(monkeypatch):
    v = pd.Series(["1101700230708", None])
    a = privacy.hash_values(v, "id", b"salt-one-0123456789")
    b = privacy.hash_values(v, "id", b"salt-two-0123456789")
    assert a[0] != b[0] and len(a[0]) == 32 and "1101700230708" not in a[0]
    assert pd.isna(a[1])
    assert privacy.hash_values(v, "phone", b"salt-one-0123456789")[0] != a[0]


def test_salt_from_env_else_a_private_file(monkeypatch, tmp_path):
    monkeypatch.setenv("ONEPLAN_PII_SALT", "from-the-environment-123")
    assert privacy.salt() == b"from-the-environment-123"
    monkeypatch.setenv("ONEPLAN_PII_SALT", "short")
    with pytest.raises(privacy.SaltError):
        privacy.salt()
    monkeypatch.delenv("ONEPLAN_PII_SALT")
    path = tmp_path / "salt"
    monkeypatch.setenv("ONEPLAN_PII_SALT_FILE", str(path))
    first = privacy.salt()
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert privacy.salt() == first and len(first) >= 32


def test_salt_file_is_ignored_by_git():
    ignore = (ROOT / ".gitignore").read_text()
    assert "data/.pii_salt" in ignore


def test_scanner_finds_planted_personal_data():
    assert pii.scan_text("เลขที่ 1-1017-00230-70-8")[0][0] == "national ID"
    assert pii.scan_text("โทร 081-234-5678")[0][0] == "phone"
    assert pii.scan_text("ผู้ร้อง นางสาวสมศรี ใจดี")[0][0] == "titled name"
    assert pii.scan_text("สมศรี ใจดี", names=["สมศรี ใจดี"])[0][0] == "name"
    assert pii.scan_text("2,825 เรื่อง ร้อยละ 50.4 รหัสตำบล 400101") == []


def test_database_holds_no_plain_ids_or_phones(sample_db):
    con = db.connect(sample_db)
    try:
        df = con.execute("SELECT * FROM complaints").df()
    finally:
        con.close()
    text = df.astype(str).to_csv()
    hits = [h for h in pii.scan_text(text) if h[0] in ("national ID", "phone")]
    assert hits == []
    assert df["person_id_hash"].dropna().str.fullmatch(r"[a-p]{32}").all()


@pytest.fixture(scope="module")
def written(sample_db, tmp_path_factory):
    """The complaints notebook run for a province and for the nation, as HTML, with its
    exports, plus the CLI export."""
    from oneplan.batch.export import notebook_to_html

    out = tmp_path_factory.mktemp("complaints-reports")
    for code in ("40", ""):
        sub = out / (code or "national")
        nb_out = sub / "complaints.ipynb"
        sub.mkdir()
        pm.execute_notebook(str(NOTEBOOKS_DIR / "complaints.ipynb"), str(nb_out),
                            parameters={"province_code": code, "output_dir": str(sub),
                                        "db_path": str(sample_db)}, progress_bar=False)
        html = notebook_to_html(nbformat.read(nb_out, as_version=4), title="complaints")
        (sub / "complaints.html").write_text(html, encoding="utf-8")
    con = db.connect(sample_db)
    try:
        names = con.execute("SELECT DISTINCT first_name || ' ' || last_name FROM complaints "
                            "WHERE first_name IS NOT NULL AND last_name IS NOT NULL").fetchall()
    finally:
        con.close()
    return out, [n[0] for n in names]


def test_reports_and_exports_have_no_ids_phones_or_names(written):
    out, names = written
    files = [p for p in out.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".html", ".csv", ".xlsx", ".json"} <= kinds
    assert len(names) > 500
    assert pii.scan_paths([out], names) == {}


def test_summary_json_follows_the_report_contract(written):
    import json

    out, _ = written
    for code, sub in (("40", "40"), ("", "national")):
        s = json.loads((out / sub / "complaints.summary.json").read_text(encoding="utf-8"))
        assert s["synthetic"] is True and s["province_code"] == code
        assert s["fiscal_year"] == 2570 and s["lang"] == "th"
        assert s["complaint_records"] > s["clusters"] > 0
        assert s["linkage_f1"] > s["exact_id_baseline_f1"]


def test_cookbook_figures_keys(sample_db):
    from oneplan.complaints import cookbook_figures

    con = db.connect(sample_db)
    try:
        prov = cookbook_figures(con, "40", 2570)
        nat = cookbook_figures(con, None, 2570)
    finally:
        con.close()
    keys = {"complaint_records", "agencies", "clusters", "cross_agency_clusters",
            "duplicate_share", "median_days_to_close", "sla_breach_share", "backlog_over_30d"}
    assert set(prov) == set(nat) == keys
    assert nat["complaint_records"] > prov["complaint_records"] > prov["clusters"] > 0
    assert prov["agencies"] == 15 and 0 < prov["duplicate_share"] < 1

"""National overview: figures from the central database and the province water summaries."""

from __future__ import annotations

import json
import shutil
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from oneplan.data import db
from oneplan.reports import overview


def _write_summary(folder, code, **over):
    s = {"province_code": code, "synthetic": True, "n_selected": 10,
         "selected_baht": 100_000_000.0, "households_served": 5000, "solver_status": "optimal"}
    s.update(over)
    (folder / code).mkdir(parents=True, exist_ok=True)
    (folder / code / "summary.json").write_text(json.dumps(s), encoding="utf-8")


@pytest.fixture(scope="module")
def figures(sample_db, tmp_path_factory):
    fy_dir = tmp_path_factory.mktemp("reports") / "2570"
    _write_summary(fy_dir, "40", selected_baht=250_000_000.0, n_selected=40)
    _write_summary(fy_dir, "45", selected_baht=120_000_000.0, n_selected=3)
    con = db.connect(sample_db)
    try:
        return overview.province_figures(con, 2570, fy_dir), con.execute(
            "SELECT province_code, sum(cost_baht), count(*) FROM water_projects "
            "WHERE fiscal_year = 2570 GROUP BY 1").fetchall()
    finally:
        con.close()


def test_figures_join_database_and_summaries(figures, sample_db):
    df, requested = figures
    assert sorted(df.index) == ["32", "40", "45"]
    for code, baht, n in requested:
        assert df.at[code, "requested_baht"] == pytest.approx(baht)
        assert df.at[code, "n_candidates"] == n
    con = db.connect(sample_db)
    pop = dict(con.execute("SELECT code, population FROM areas WHERE level = 'province'")
               .fetchall())
    hh = dict(con.execute("SELECT province_code, sum(households_no_piped) FROM "
                          "subdistrict_water WHERE fiscal_year = 2570 GROUP BY 1").fetchall())
    con.close()
    assert df.at["40", "selected_baht"] == 250_000_000.0
    assert df.at["40", "baht_per_capita"] == pytest.approx(250_000_000.0 / pop["40"])
    assert df.at["40", "baht_per_household_in_need"] == pytest.approx(250_000_000.0 / hh["40"])
    assert df.at["40", "selected_share"] == pytest.approx(
        250_000_000.0 / df.at["40", "requested_baht"] * 100)
    # Surin has no water report: no selected figures, not zero
    assert np.isnan(df.at["32", "selected_baht"]) and np.isnan(df.at["32", "baht_per_capita"])
    assert df.at["40", "region"] == "northeast"


def test_needs_met_share_counts_completed_needs(figures, sample_db):
    df, _ = figures
    con = db.connect(sample_db)
    rows = con.execute("SELECT province_code, count(*) FILTER (WHERE stage <> 'merged'), "
                       "count(*) FILTER (WHERE stage = 'completed') FROM needs "
                       "WHERE fiscal_year = 2570 GROUP BY 1").fetchall()
    con.close()
    assert rows, "the sample has village needs"
    for code, n, met in rows:
        assert df.at[code, "needs_met_share"] == pytest.approx(met / n * 100)


def test_empty_tables_give_no_rate_not_zero(sample_db, tmp_path):
    empty = tmp_path / "empty.duckdb"
    shutil.copy(sample_db, empty)
    con = duckdb.connect(str(empty))
    con.execute("DELETE FROM needs")
    con.execute("DELETE FROM complaints")
    con.close()
    con = db.connect(empty)
    try:
        df = overview.province_figures(con, 2570, tmp_path / "no-reports")
    finally:
        con.close()
    # no complaints or needs recorded: the rates are unknown, not 0
    assert df["complaints"].sum() == 0 and df["complaints_per_10k"].isna().all()
    assert df["needs_met_share"].isna().all()
    totals = overview.national_totals(df)
    assert totals["complaints_per_10k"] is None and totals["needs_met_share"] is None


def test_national_rates_are_ratios_of_totals(figures):
    df, _ = figures
    t = overview.national_totals(df)
    has = df["selected_baht"].notna()
    assert t["provinces_with_water_report"] == 2
    assert t["selected_baht"] == pytest.approx(370_000_000.0)
    expected = 370_000_000.0 / df.loc[has, "population"].sum()
    assert t["baht_per_capita"] == pytest.approx(expected)
    # not the mean of the province rates (they differ here)
    assert t["baht_per_capita"] != pytest.approx(df.loc[has, "baht_per_capita"].mean(), rel=1e-6)


def test_complaint_rate_counts_the_fiscal_year_only(sample_db, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copy(sample_db, path)
    con = duckdb.connect(str(path))
    sub = con.execute("SELECT code FROM areas WHERE level = 'subdistrict' AND province_code = '40'"
                      " LIMIT 1").fetchone()[0]
    con.execute("DELETE FROM complaints")  # only the rows below
    # 40 complaints inside FY 2570 (1 Oct 2026 – 30 Sep 2027 CE), 5 in FY 2568
    rows = [(f"A:{i}", "A", str(i), date(2026, 11, 1) if i < 40 else date(2025, 5, 1),
             sub, sub[:4], sub[:2]) for i in range(45)]
    con.executemany("INSERT INTO complaints (complaint_id, agency_id, case_no, received_on, "
                    "subdistrict_code, district_code, province_code, category, text, status, "
                    "synthetic, source_file) VALUES (?, ?, ?, ?, ?, ?, ?, 'road', 'ถนนชำรุด', "
                    "'received', true, 'test')", rows)
    df = overview.province_figures(con, 2570, tmp_path / "none")
    con.close()
    assert df.at["40", "complaints"] == 40  # FY 2570 = 1 Oct 2026 – 30 Sep 2027 (CE)
    assert df.at["40", "complaints_per_10k"] == pytest.approx(40 / df.at["40", "population"] * 1e4)
    assert df.at["45", "complaints"] == 0 and df.at["45", "complaints_per_10k"] == 0
    rk = overview.Ranking("complaints_per_10k", "complaints", 30)
    table = overview.ranking(df, rk, "en")
    assert table.loc[table["Code"] == "40", "Rank"].iloc[0] == 1
    assert table.loc[table["Code"] == "45", "Rank"].isna().all()
    assert "below 30" in table.loc[table["Code"] == "45", "Note"].iloc[0]


def _frame():
    return pd.DataFrame({
        "name_th": ["ก", "ข", "ค", "ง", "จ", "ฉ"],
        "name_en": ["A", "B", "C", "D", "E", "F"],
        "region": ["northeast"] * 5 + ["south"],
        "metric": [5.0, 9.0, 9.0, 1.0, np.nan, 7.0],
        "count": [100, 100, 100, 100, 100, 3],
    }, index=pd.Index(["40", "41", "42", "43", "44", "80"], name="code"))


def test_ranking_guard_and_ties():
    df = _frame()
    df = df.rename(columns={"metric": "baht_per_capita", "count": "n_selected"})
    table = overview.ranking(df, overview.Ranking("baht_per_capita", "n_selected", 10), "en")
    assert table["Code"].tolist() == ["41", "42", "40", "43", "80"]  # 44 has no value
    assert table["Rank"].tolist()[:4] == [1, 1, 3, 4]                 # tie shares rank 1
    assert pd.isna(table["Rank"].iloc[4]) and "not ranked" in table["Note"].iloc[4]
    low = overview.ranking(df, overview.Ranking("baht_per_capita", "n_selected", 10,
                                                descending=False), "th")
    assert low.iloc[0]["รหัส"] == "43"


def test_award_provinces_against_regional_peers():
    df = _frame().rename(columns={"metric": "baht_per_capita"})
    # 40 (Khon Kaen) is an award province; its peers are 41, 42, 43 (44 has no value,
    # 80 is in another region)
    out = overview.award_vs_peers(df, ("baht_per_capita",), lang="en")
    assert len(out) == 1
    row = out.iloc[0]
    assert row["Peers"] == 3 and row["Peer median"] == 9.0 and row["Difference from median"] == -4.0
    few = overview.award_vs_peers(df.drop(index=["42", "43"]), ("baht_per_capita",), lang="en")
    assert np.isnan(few.iloc[0]["Peer median"]) and "fewer than 3" in few.iloc[0]["Note"]


def test_fiscal_year_dir():
    assert overview.fiscal_year_dir("/r/2570/national", 2570).as_posix() == "/r/2570"
    assert overview.fiscal_year_dir("/r/2570", 2570).as_posix() == "/r/2570"
    # a batch's staging folder inside the national one
    assert overview.fiscal_year_dir("/r/2570/national/.cookbook_water.staging-7",
                                    2570).as_posix() == "/r/2570"


def test_notebook_writes_summary_and_thai_report(sample_db, tmp_path):
    import nbformat
    import papermill as pm

    from oneplan.batch import export
    from oneplan.core import paths

    fy = tmp_path / "2570"
    _write_summary(fy, "40", selected_baht=250_000_000.0)
    out = fy / "national"
    nb_out = tmp_path / "national_overview.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS_DIR / "national_overview.ipynb"), str(nb_out),
                        kernel_name="python3", progress_bar=False, cwd=str(paths.NOTEBOOKS_DIR),
                        parameters=dict(province_code="", fiscal_year=2570, lang="th",
                                        db_path=str(sample_db), output_dir=str(out)))
    s = json.loads((out / "national_overview.summary.json").read_text(encoding="utf-8"))
    assert s["synthetic"] is True and s["province_code"] == "" and s["fiscal_year"] == 2570
    assert s["provinces"] == 3 and s["provinces_with_water_report"] == 1
    assert s["selected_baht"] == 250_000_000.0
    assert s["top10"]["baht_per_capita"] == ["40"]
    page = export.notebook_to_html(nbformat.read(nb_out, as_version=4),
                                   title=overview.title("th", 2570), lang="th")
    assert "ภาพรวมแผนงานโครงการ 76 จังหวัด" in page and "ขอนแก่น" in page
    assert "overview.load" not in page and "Traceback" not in page

import duckdb
import pytest

from oneplan import areas, db, sample


def test_national_sample_covers_every_province():
    tables = sample.generate()
    wp = tables["water_projects"]
    assert set(wp["province_code"]) == {p.code for p in areas.planning_provinces()}
    per = wp.groupby("province_code").size()
    assert per.min() >= 250 and per.max() <= 1500
    assert tables["areas"].query("level == 'subdistrict'").shape[0] == 7436 - len(
        [s for d in areas.districts("10") for s in areas.subdistricts(d.code)])


def test_sample_is_deterministic_and_per_province():
    a = sample.generate(["40"])["water_projects"]
    b = sample.generate(["45", "40"])["water_projects"].query("province_code == '40'")
    assert a.reset_index(drop=True).equals(b.reset_index(drop=True))


def test_sample_is_plausible():
    t = sample.generate(["40"])
    wp = t["water_projects"]
    for ty in sample.PROJECT_TYPES:
        costs = wp.loc[wp.type_code == ty.code, "cost_baht"]
        assert costs.between(ty.cost[0] - 1e3, ty.cost[1] + 1e3).all(), ty.code
    assert set(wp["basin"]) == {"ชี", "พอง", "เชิญ"}  # Khon Kaen's real rivers
    assert set(wp["zone"]) <= set(sample.ZONES)
    assert (wp["ready"] == (wp.has_design_boq & wp.has_land & wp.has_consent)).all()
    # proposals ask for several times a province budget of hundreds of millions
    assert 1e9 < wp["cost_baht"].sum() < 2e10
    villages = t["areas"].query("level == 'village'")
    assert villages["code"].str.len().eq(8).all()
    assert villages["code"].str[:6].isin(wp["subdistrict_code"].tolist() + list(
        t["areas"].query("level == 'subdistrict'")["code"])).all()


def test_every_row_is_marked_synthetic_with_its_source():
    for name, df in sample.generate(["32"]).items():
        real = df[~df["synthetic"]]
        # only the real national departments (names, no figures) are not synthetic
        assert name == "agencies" or real.empty, name
        assert real.empty or (real["level"] == "central").all()
        assert df["source_file"].str.contains("seed").all(), name
        assert df["source_row"].notna().all(), name


def test_database_tables_and_meta(sample_db):
    con = db.connect(sample_db)
    try:
        assert db.meta(con)["synthetic"] == "true"
        n = con.execute("SELECT count(*) FROM water_projects WHERE province_code='40'").fetchone()[0]
        assert n > 250
        cands = db.water_candidates(con, "40", 2570)
        assert len(cands) == n
        assert cands["need_index"].between(0, 1).all()
        assert cands["district_name"].notna().all()
        with pytest.raises(duckdb.Error):  # reports open read-only
            con.execute("DELETE FROM water_projects")
    finally:
        con.close()


def test_missing_database_names_the_build_command(tmp_path):
    with pytest.raises(db.DatabaseMissingError, match="oneplan build-sample"):
        db.connect(tmp_path / "nope.duckdb")


def test_build_replaces_atomically(tmp_path):
    path = tmp_path / "x.duckdb"
    db.build_sample(path, provinces=["32"])
    db.build_sample(path, provinces=["45"])
    con = db.connect(path)
    codes = {r[0] for r in con.execute("SELECT DISTINCT province_code FROM water_projects").fetchall()}
    con.close()
    assert codes == {"45"}
    assert not list(tmp_path.glob(".*tmp"))

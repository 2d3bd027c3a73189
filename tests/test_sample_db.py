import duckdb
import pytest

from oneplan.core import areas
from oneplan.data import db
from oneplan.samples import water as sample
from oneplan.samples import build


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
    build.build_sample(path, provinces=["32"])
    build.build_sample(path, provinces=["45"])
    con = db.connect(path)
    codes = {r[0] for r in con.execute("SELECT DISTINCT province_code FROM water_projects").fetchall()}
    con.close()
    assert codes == {"45"}
    assert not list(tmp_path.glob(".*tmp"))


# --- sample v2: the multi-year plan columns ---------------------------------------------

@pytest.fixture(scope="module")
def national():
    return sample.generate()


def test_v2_cost_profiles_and_durations(national):
    wp = national["water_projects"]
    for _, p in wp.iterrows():
        prof = p["cost_profile"]
        assert len(prof) == p["duration_years"], p["project_id"]
        assert abs(sum(prof) - 1) < 1e-9 and min(prof) >= 0.1 - 1e-12, p["project_id"]
    for code, (lo, hi) in sample.DURATION_YEARS.items():
        d = wp.loc[wp["type_code"] == code, "duration_years"]
        assert d.between(lo, hi).all(), code
        assert set(d) == set(range(lo, hi + 1)), code  # both lengths occur nationally
    # reservoirs are back-loaded, dredging front-loaded
    first = wp["cost_profile"].str[0]
    multi = wp["duration_years"] > 1
    assert first[multi & (wp.type_code == "reservoir")].mean() < 0.3
    assert first[multi & (wp.type_code == "dredging")].mean() > 0.55


def test_v2_precedence(national):
    wp = national["water_projects"].set_index("project_id")
    req = wp[wp["requires_project_id"].notna()]
    assert 300 <= len(req) <= 3000  # hundreds to a few thousand of ~47,000 proposals
    target = wp.loc[req["requires_project_id"]]
    assert (target["province_code"].to_numpy() == req["province_code"].to_numpy()).all()
    assert (target.index != req.index).all()
    assert (target["district_code"].to_numpy() == req["district_code"].to_numpy()).all()
    ranks = sample.REQUIRES_RANK
    assert all(ranks[a] > ranks[b] for a, b in zip(req["type_code"], target["type_code"]))
    for (kind, to), n in req.groupby([req["type_code"],
                                      target["type_code"].to_numpy()]).size().items():
        assert to in sample.REQUIRES[kind][0], (kind, to)
    canals = req[req["type_code"] == "canal"]
    assert len(canals) > 200
    same_group = (req["alternative_group"].notna()
                  & (req["alternative_group"].to_numpy() == target["alternative_group"].to_numpy()))
    assert not same_group.any()
    # same or neighbouring sub-district (next in code order within the district)
    for pid, row in req.iterrows():
        subs = [s.code for s in areas.subdistricts(row["district_code"])]
        gap = abs(subs.index(row["subdistrict_code"])
                  - subs.index(wp.at[row["requires_project_id"], "subdistrict_code"]))
        assert gap <= (1 if row["type_code"] == "canal" else 0), pid


def test_v2_alternatives(national):
    wp = national["water_projects"]
    alt = wp[wp["alternative_group"].notna()]
    groups = alt.groupby("alternative_group")
    assert 300 <= groups.ngroups <= 2000
    assert groups.size().between(2, 3).all()
    assert (groups["subdistrict_code"].nunique() == 1).all()
    assert (groups["type_code"].nunique() == groups.size()).all()  # different types
    kinds = groups["type_code"].apply(frozenset)
    assert (kinds >= {"reservoir", "retention"}).any() or (kinds >= {"reservoir"}).any()
    assert kinds.apply(lambda k: {"village_supply", "well"} <= k).any()


def test_v2_fund_sources_and_earliest_start(national):
    wp = national["water_projects"]
    fs = wp["fund_sources"]
    assert fs.apply(lambda f: 0 < len(f) and set(f) <= set(sample.FUND_SOURCES)).all()
    has = {f: fs.apply(lambda x, f=f: f in x) for f in sample.FUND_SOURCES}
    lao_only = fs.apply(lambda x: list(x) == ["lao"])
    assert lao_only[wp.type_code == "check_dam"].mean() > 0.7
    assert has["lao"][wp.type_code == "village_supply"].all()
    big = (wp.type_code == "reservoir") & (wp.cost_baht > 50e6)
    assert fs[big].apply(lambda x: list(x) == ["department"]).all()
    lo, hi = sample.PROVINCE_FUND_BAHT  # the provincial fund pays for mid-size works only
    mid = wp.cost_baht.between(lo, hi)
    assert has["province"][mid].mean() > 0.6
    assert not has["province"][~mid].any()
    fy = wp["fiscal_year"]
    late = wp["earliest_start"] - fy
    assert late.between(0, 2).all() and (late == 0).mean() > 0.85 and (late > 0).any()
    assert (wp["earliest_start"] + wp["duration_years"] - 1 <= fy + 2).all()


def test_v2_khon_kaen_zones():
    w = sample.generate(["40"])["subdistrict_water"]
    per = w.groupby("basin")["zone"].apply(set)
    assert set(per.index) == {"ชี", "พอง", "เชิญ"}
    assert all(z == set(sample.ZONES) for z in per)
    assert set(sample._KHON_KAEN_ZONES) == {d.name_en for d in areas.districts("40")}


def test_water_candidates_plan_columns(sample_db):
    con = db.connect(sample_db)
    try:
        c = db.water_candidates(con, "40", 2570)
        assert {"requires", "alternative_group", "cost_profile", "earliest_start",
                "eligible", "duration_years", "fund_sources"} <= set(c.columns)
        assert c["cost_profile"].apply(lambda p: isinstance(p, tuple)).all()
        assert c["fund_sources"].apply(lambda p: isinstance(p, tuple)).all()
        assert c["requires"].apply(lambda r: r is None or isinstance(r, str)).all()
        assert c["requires"].notna().any() and c["alternative_group"].notna().any()
        assert c["requires"].dropna().isin(c["project_id"]).all()  # same province, same year
        assert str(c["earliest_start"].dtype) == "Int64"
        for src in db.FUND_SOURCES:
            e = db.water_candidates(con, "40", 2570, fund_source=src)
            assert (e["eligible"] == e["fund_sources"].apply(lambda f: src in f)).all()
        assert 0.3 < c["eligible"].mean() < 0.9  # the provincial budget: most mid-size works
        with pytest.raises(ValueError, match="fund_source"):
            db.water_candidates(con, "40", 2570, fund_source="ministry")
        everything = db.all_water_candidates(con, 2570)
        assert set(everything["province_code"]) == {"40", "45", "32"}
        assert everything.query("province_code == '40'").reset_index(drop=True)[
            ["project_id", "eligible"]].equals(c[["project_id", "eligible"]])
    finally:
        con.close()


def test_schema_rejects_bad_cost_profile(tmp_path):
    path = build.build_sample(tmp_path / "v.duckdb", provinces=["32"])
    con = duckdb.connect(str(path))
    try:
        pid = con.execute("SELECT project_id FROM water_projects LIMIT 1").fetchone()[0]
        with pytest.raises(duckdb.Error):
            con.execute("UPDATE water_projects SET cost_profile = [0.5, 0.4] "
                        "WHERE project_id = ?", [pid])
        with pytest.raises(duckdb.Error):
            con.execute("UPDATE water_projects SET requires_project_id = project_id "
                        "WHERE project_id = ?", [pid])
    finally:
        con.close()

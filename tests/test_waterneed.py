"""The water-need hierarchy (oneplan.plan.waterneed) on the session's sample database."""

import numpy as np
import pandas as pd
import pytest

from oneplan.core import areas
from oneplan.data import db
from oneplan.plan import waterneed as wn

SUMS = ["n_subdistricts", "population", "households", "water_demand_m3", "water_storage_m3",
        "shortfall_m3", "unmet_demand_m3", "subdistricts_short", "households_no_piped",
        "need_weight"]
MEANS = ["drought_risk", "flood_risk", "need_index"]


@pytest.fixture(scope="module")
def con(sample_db):
    c = db.connect(sample_db)
    yield c
    c.close()


@pytest.mark.parametrize("code", ["40", "45", "32"])
def test_district_basin_zone_sums_equal_province_totals(con, code):
    prov = wn.province_need(con, code)
    assert len(prov) == 1
    for level in ("district", "basin", "zone"):
        part = wn.need_rollup(con, level, code)
        for col in SUMS:
            assert part[col].sum() == pytest.approx(prov[col].iat[0], rel=1e-9), (level, col)
        # weighted means: the province's equals the population-weighted mean of the parts
        for col in MEANS:
            w = part["population"]
            assert (part[col] * w).sum() / w.sum() == pytest.approx(prov[col].iat[0], rel=1e-9)
    sub = wn.subdistrict_need(con, code)
    assert prov["n_subdistricts"].iat[0] == len(sub)
    assert prov["shortfall_m3"].iat[0] == pytest.approx(
        prov["water_demand_m3"].iat[0] - prov["water_storage_m3"].iat[0])


@pytest.mark.parametrize("weight", ["population", "households"])
def test_weighted_means_and_shares_within_bounds(con, weight):
    sub = wn.subdistrict_need(con, "40")
    d = wn.district_need(con, "40", weight=weight)
    for _, row in d.iterrows():
        members = sub[sub["district_code"] == row["district_code"]]
        for col in MEANS:
            assert members[col].min() - 1e-12 <= row[col] <= members[col].max() + 1e-12
        assert row["need_index_max"] == members["need_index"].max()
        assert row["unmet_demand_m3"] >= row["shortfall_m3"] - 1e-6
    for col in MEANS + ["share_no_piped", "need_index_max"]:
        assert d[col].between(0, 1).all(), col
    assert (d["storage_ratio"] > 0).all()
    assert (d["share_no_piped"] == d["households_no_piped"] / d["households"]).all()


def test_khon_kaen_has_its_three_basins_and_zones(con):
    b = wn.basin_need(con, "40")
    assert set(b["basin"]) == {"ชี", "พอง", "เชิญ"}
    assert set(b["name_en"]) == {"Chi", "Phong", "Choen"}
    z = wn.zone_need(con, "40")
    for basin in ("ชี", "พอง", "เชิญ"):  # each river has upstream, midstream, downstream
        assert list(z.loc[z["basin"] == basin, "zone"]) == ["upstream", "midstream", "downstream"]
    assert z["name_th"].iat[0] == "ชี ต้นน้ำ" and z["name_en"].iat[0] == "Chi upstream"
    # Ubolratana (the dam) sits mid-Phong; Mueang Khon Kaen on the lower Chi
    d = wn.district_need(con, "40").set_index("name_en")
    assert d.loc["Ubolratana", ["main_basin", "main_zone"]].tolist() == ["พอง", "midstream"]
    assert d.loc["Mueang Khon Kaen", ["main_basin", "main_zone"]].tolist() == ["ชี", "downstream"]


@pytest.mark.parametrize("code", ["40", "45", "32"])
def test_every_district_appears_with_names(con, code):
    d = wn.district_need(con, code)
    assert list(d["district_code"]) == [x.code for x in areas.districts(code)]
    assert list(d["district_code"]) == list(db.province_districts(con, code)["code"])
    assert d["name_th"].notna().all() and d["name_en"].notna().all()
    assert (d["n_subdistricts"] > 0).all()
    assert (d["fiscal_year"] == 2570).all()


def test_national_rollups_are_consistent(con):
    provs = wn.national_need(con)
    assert set(provs["province_code"]) == {"40", "45", "32"}
    nation = wn.national_need(con, "nation")
    regions = wn.national_need(con, "region")
    basins = wn.national_need(con, "basin")
    districts = wn.national_need(con, "district")
    assert len(nation) == 1 and nation["name_en"].iat[0] == "Whole country"
    assert len(districts) == sum(len(areas.districts(c)) for c in ("40", "45", "32"))
    for part in (provs, regions, basins, districts):
        for col in SUMS:
            assert part[col].sum() == pytest.approx(nation[col].iat[0], rel=1e-9), col
    kk = provs.set_index("province_code").loc["40"]
    assert kk["need_index"] == pytest.approx(wn.province_need(con, "40")["need_index"].iat[0])
    assert regions["name_th"].tolist() == ["ภาคตะวันออกเฉียงเหนือ"]


def test_district_need_budget(con):
    cands = db.water_candidates(con, "40", 2570)
    base = wn.district_need_budget(con, "40")
    assert base["candidates"].sum() == len(cands)
    assert base["candidate_baht"].sum() == pytest.approx(cands["cost_baht"].sum())
    assert base["ready_candidates"].sum() == cands["ready"].sum()
    assert base["eligible_candidates"].sum() == cands["eligible"].sum()
    assert "selected" not in base

    picked = cands.iloc[::7].copy()
    plan = cands.assign(selected=cands["project_id"].isin(picked["project_id"]),
                        cost_2570=np.where(cands["project_id"].isin(picked["project_id"]),
                                           cands["cost_baht"], 0.0))
    out = wn.district_need_budget(con, "40", plan=plan)
    assert out["selected"].sum() == len(picked)
    assert out["selected_baht"].sum() == pytest.approx(picked["cost_baht"].sum())
    assert out["selected_baht_2570"].sum() == pytest.approx(picked["cost_baht"].sum())
    assert out["need_share"].sum() == pytest.approx(1)
    assert out["budget_share"].sum() == pytest.approx(1)
    by_id = wn.district_need_budget(con, "40", plan=picked["project_id"].tolist())
    pd.testing.assert_series_equal(by_id["selected_baht"], out["selected_baht"])
    dept = wn.district_need_budget(con, "40", fund_source="department")
    assert dept["eligible_candidates"].sum() == db.water_candidates(
        con, "40", 2570, fund_source="department")["eligible"].sum()
    th = wn.labelled(out, "th")
    assert "งบที่ได้รับเลือก (บาท)" in th.columns and "งบที่ได้รับเลือก ปี 2570 (บาท)" in th.columns
    assert "Share of need" in wn.labelled(out, "en").columns


def test_bad_arguments(con):
    with pytest.raises(ValueError, match="level"):
        wn.need_rollup(con, "village", "40")
    with pytest.raises(ValueError, match="weight"):
        wn.district_need(con, "40", weight="area")
    with pytest.raises(ValueError, match="fund_source"):
        wn.district_need_budget(con, "40", fund_source="ministry")
    with pytest.raises(areas.UnknownAreaError):
        wn.district_need(con, "99")
    with pytest.raises(LookupError):
        wn.district_need(con, "50")  # not in the test database


def test_district_need_budget_with_a_plan_result(con):
    from oneplan.selection import portfolio, priority
    from oneplan.data.params import PriorityParams

    if not hasattr(portfolio, "plan_portfolio"):
        pytest.skip("the multi-year model is not available")
    cands = priority.score_candidates(db.water_candidates(con, "40", 2570),
                                      PriorityParams().weights)
    years = [2570, 2571, 2572]
    spec = portfolio.PlanSpec(years=years, budget_by_year={y: 200e6 for y in years},
                              start_discount=0.97)
    result = portfolio.plan_portfolio(cands, spec, time_limit_s=30, mip_rel_gap=1e-3)
    out = wn.district_need_budget(con, "40", plan=result.plan)
    assert out["selected"].sum() == len(result.selected_ids)
    for y in years:
        assert out[f"selected_baht_{y}"].sum() == pytest.approx(result.spend_by_year[y])

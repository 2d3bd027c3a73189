"""Scarcity in the sample (oneplan.samples.water): what a province's fund may pay for asks
2.5–4 times its budget, benefit per baht spreads widely, and the report says why when the
scenarios still coincide (reports.water_compare.interpret_scenarios)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from oneplan.reports import water_compare
from oneplan.samples import water as sample

PROVINCES = ["40", "45", "32", "75", "34"]  # the three default ones, the smallest, a big one


@pytest.fixture(scope="module")
def tables():
    return sample.generate(PROVINCES)


def test_eligible_demand_is_several_times_the_budget(tables):
    budgets = sample.plan_budgets(PROVINCES, 2570)
    wp = tables["water_projects"]
    for code in PROVINCES:
        ratio = sample.eligible_demand(wp[wp["province_code"] == code]) / budgets[code]
        assert sample.DEMAND_RATIO[0] <= ratio <= sample.DEMAND_RATIO[1], (code, ratio)


def test_calibration_is_what_makes_the_scarcity():
    budgets = sample.plan_budgets(["75"], 2570)
    plain = sample.generate(["75"], plan_budgets_baht=None)["water_projects"]
    assert sample.eligible_demand(plain) / budgets["75"] < sample.DEMAND_RATIO[0]
    # a province with a large budget draws more proposals, up to projects_max
    rich = sample.generate(["75"], plan_budgets_baht={"75": 1e9})["water_projects"]
    assert len(rich) > len(plain)


def test_benefit_per_baht_spreads_over_an_order_of_magnitude(tables):
    wp = tables["water_projects"]
    for code in PROVINCES:
        p = wp[(wp["province_code"] == code)
               & wp["fund_sources"].map(lambda f: "province" in f)]
        per_baht = (p["households_served"] + p["area_rai"] / 10 + p["storage_m3"] / 1000) \
            / p["cost_baht"]
        p10, p90 = np.percentile(per_baht, [10, 90])
        assert p90 / p10 >= 5, code
        assert per_baht.max() / per_baht.min() >= 50, code  # a long tail


def test_costs_stay_in_their_type_range_and_funds_are_never_empty(tables):
    wp = tables["water_projects"]
    for ty in sample.PROJECT_TYPES:
        costs = wp.loc[wp.type_code == ty.code, "cost_baht"]
        assert costs.between(ty.cost[0] - 1e3, ty.cost[1] + 1e3).all(), ty.code
    assert wp["fund_sources"].map(len).min() >= 1
    lo, hi = sample.PROVINCE_FUND_BAHT
    prov = wp[wp["fund_sources"].map(lambda f: "province" in f)]
    assert prov["cost_baht"].between(lo, hi).all()


def _run(same: bool, demand_baht: float, budget_baht: float):
    ids = {"default": list(range(10)),
           "drought-first": list(range(10)) if same else list(range(2, 13))}
    rows = ["benefit_base", "spend_baht"]
    table = pd.DataFrame({"label_th": rows, "label_en": rows, "default": [5.0, 100e6],
                          "drought-first": [5.0, 100e6] if same else [4.6, 98.5e6]},
                         index=rows)
    table.attrs.update(base="default", selected_ids=ids)
    cands = pd.DataFrame({"eligible": [True, True, False],
                          "cost_baht": [demand_baht / 2, demand_baht / 2, 5e9]})
    return SimpleNamespace(extra={"scenarios": table}, candidates=cands, lang="th",
                           plan_budget=budget_baht)


def test_report_says_why_scenarios_coincide():
    covers = water_compare.interpret_scenarios(_run(True, 300e6, 450e6))
    assert covers.startswith("ทุกสถานการณ์เลือกโครงการชุดเดียวกัน เพราะ")
    assert "พอสำหรับโครงการที่มีสิทธิ์" in covers and "300.0" in covers and "450.0" in covers
    agree = water_compare.interpret_scenarios(_run(True, 1500e6, 450e6))
    assert agree.startswith("ทุกสถานการณ์เลือกโครงการชุดเดียวกัน เพราะ")
    assert "ไม่ว่าจะให้น้ำหนักเกณฑ์แบบใด" in agree


def test_report_lists_what_each_scenario_changes():
    out = water_compare.interpret_scenarios(_run(False, 1500e6, 450e6))
    assert "เพิ่ม 3 โครงการ ตัดออก 2 โครงการ (ร้อยละ 20.0 ของแผนฐาน)" in out
    assert "-0.4 คะแนน" in out and "-1.5 ล้านบาท" in out
    en = _run(False, 1500e6, 450e6)
    en.lang = "en"
    assert "3 projects added, 2 dropped" in water_compare.interpret_scenarios(en)

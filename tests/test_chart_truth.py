"""Charts that tell the truth (oneplan.charts.check): degenerate scales are caught, the
scenario chart shows differences, maps merge a tiny colour range into one class."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from oneplan import charts
from oneplan.charts import check, maps
from oneplan.charts.style import million_tick, new_figure


def _scenario_table(same: bool) -> pd.DataFrame:
    base = list(range(200))
    ids = {"default": base,
           "drought-first": base if same else list(range(12, 210)),
           "households-first": base if same else list(range(20, 222))}
    rows = ["benefit", "benefit_base", "projects", "spend_baht"]
    t = pd.DataFrame({"label_th": rows, "label_en": rows,
                      "default": [100.0, 100.0, 200, 749.5e6],
                      "drought-first": [101, 100 if same else 98.7, 198,
                                        749.5e6 if same else 748.1e6],
                      "households-first": [103, 100 if same else 97.2, 202,
                                           749.5e6 if same else 745.3e6]}, index=rows)
    t.attrs.update(base="default", selected_ids=ids)
    return t


def test_flat_bars_on_a_tight_axis_are_caught():
    fig = new_figure(5, 3)
    ax = fig.add_subplot()
    ax.barh([0, 1, 2], [100.0, 100.0, 100.0])
    ax.set_xlim(99.8, 100.2)  # the old scenario chart: every bar at 100.0
    kinds = [p.kind for p in check.degenerate(fig)]
    assert kinds == ["flat_bars"]
    ok = new_figure(5, 3)
    ok.add_subplot().barh([0, 1, 2], [100.0, 100.0, 100.0])  # from 0: honest
    assert check.degenerate(ok) == []


def test_a_colour_scale_over_a_tiny_range_is_caught():
    fig = new_figure(5, 3)
    ax = fig.add_subplot()
    sm = ScalarMappable(norm=Normalize(7.975, 7.995), cmap="YlGnBu")
    fig.colorbar(sm, ax=ax)
    assert "tiny_colour_range" in [p.kind for p in check.degenerate(fig)]
    wide = new_figure(5, 3)
    wide.colorbar(ScalarMappable(norm=Normalize(2.0, 14.0), cmap="YlGnBu"),
                  ax=wide.add_subplot())
    assert check.degenerate(wide) == []


def test_bars_not_sorted_by_value_are_caught():
    fig = new_figure(5, 3)
    fig.add_subplot().barh([0, 1, 2, 3], [3.0, 9.0, 5.0, 1.0])
    assert [p.kind for p in check.degenerate(fig)] == ["unsorted_bars"]
    assert check.degenerate(fig, check_order=False) == []


def test_budget_by_district_is_sorted_by_its_value():
    df = pd.DataFrame({"district_name": list("abcde"),
                       "cost_baht": [5e6, 1e6, 3e6, 8e6, 2e6], "selected": True})
    fig = charts.budget_by_district(df)
    assert check.degenerate(fig) == []
    shown = sorted(t.get_text() for t in fig.axes[0].texts)
    assert shown == ["1.0", "2.0", "3.0", "5.0", "8.0"]  # ล้านบาท, one decimal


def test_shared_ranks_give_ties_one_rank():
    assert check.shared_ranks([10, 8, 8, 5]).tolist() == [1, 2, 2, 4]
    # compared as shown: 7.98 and 8.02 both print as "8.0"
    assert check.shared_ranks([7.98, 8.02, 9.5]).tolist() == [2, 2, 1]
    assert check.shared_ranks([1, 2, 2], ascending=True).tolist() == [1, 2, 2]


def test_scenario_chart_shows_projects_added_and_dropped():
    table = _scenario_table(same=False)
    ch = charts.scenario_changes(table)
    assert ch.loc["drought-first", ["added", "dropped"]].tolist() == [10, 12]
    assert ch.loc["households-first", "benefit_delta"] == pytest.approx(-2.8)
    assert ch.loc["households-first", "spend_delta_m"] == pytest.approx(-4.2)
    fig = charts.scenario_chart(table)
    assert check.degenerate(fig, check_order=False) == []
    shown = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "+10" in shown and "−12" in shown and "-2.8" in shown.replace("−", "-")
    assert "ล้านบาท" in shown
    # no index of 100 anywhere: the axis is a count around 0
    lo, hi = fig.axes[0].get_xlim()
    assert lo < 0 < hi


def test_scenario_chart_says_when_every_scenario_picks_the_same():
    fig = charts.scenario_chart(_scenario_table(same=True), lang="th")
    shown = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "ทุกฉากทัศน์เลือกโครงการชุดเดียวกัน" in shown
    assert check.degenerate(fig, check_order=False) == []
    assert list(fig.axes[1].get_xticks()) == [0]  # no scale magnifying nothing


def test_map_merges_a_tiny_range_into_one_class():
    codes = maps.province_codes()
    rng = np.random.default_rng(1)
    tight = pd.Series(7.985 + rng.uniform(-0.01, 0.01, len(codes)), index=codes)
    fig = maps.province_choropleth(tight, legend_label="เรื่อง", label_top=5)
    assert check.degenerate(fig) == []
    ax = fig.axes[0]
    faces = {tuple(np.round(f, 4)) for f in ax.collections[0].get_facecolors()}
    assert len(faces) == 1  # one class, one colour
    legend = ax.get_legend()
    assert legend is not None and "ทุกจังหวัดเท่ากัน (8.0 เรื่อง)" in [
        t.get_text() for t in legend.get_texts()]
    assert len(fig.axes) == 1  # no colour bar
    assert not [t for t in ax.texts if t.get_gid() != maps.CREDIT_GID]  # no "top 5"
    wide = maps.province_choropleth(pd.Series(np.linspace(1, 50, len(codes)), index=codes),
                                    legend_label="ล้านบาท")
    assert len(wide.axes) == 2 and check.degenerate(wide) == []
    en = maps.district_choropleth(pd.Series(5.0, index=maps.district_codes("40")), "40",
                                  lang="en", legend_label="M baht")
    assert "All districts equal (5.0 M baht)" in [
        t.get_text() for t in en.axes[0].get_legend().get_texts()]


def test_money_ticks_have_one_decimal():
    assert million_tick(1234) == "1,234.0"
    assert million_tick(12.5) == "12.5"
    assert million_tick(1.25) in ("1.2", "1.3")
    assert million_tick(0) == "0"
    assert million_tick(0.05) == "0.05"  # a log axis of small works


def test_followup_scorecard_bars_are_sorted_by_the_share_they_plot():
    from oneplan.charts import plan as plancharts

    cards = pd.DataFrame({"agency": ["ก", "ข", "ค", "ง"], "ranked": True,
                          "disbursed_share": [0.40, 0.75, 0.55, 0.10],  # score order ≠ share
                          "target_share": 0.45})
    fig = plancharts.scorecard_chart(cards, "agency")
    assert check.degenerate(fig) == []
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["ง", "ก", "ค", "ข"]  # bottom to top: smallest to largest share
    assert "75.0%" in [t.get_text() for t in fig.axes[0].texts]

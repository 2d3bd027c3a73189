"""Quarterly follow-up: targets, late / at-risk, stale data, scorecards with a minimum count."""

from datetime import date

import pandas as pd
import pytest

from oneplan.data import db
from oneplan.plan import followup
from oneplan.data.params import ParamsError, load_params


@pytest.fixture(scope="module")
def params():
    return load_params("45")


def _funded(rows):
    cols = ["project_id", "agency_id", "allocated_baht", "planned_start", "planned_end",
            "status"]
    df = pd.DataFrame(rows, columns=cols)
    df["agency_name"] = df["agency_id"]
    df["agency_name_en"] = df["agency_id"]
    for c in ("planned_start", "planned_end"):
        df[c] = pd.to_datetime(df[c])
    return df


def _progress(rows):
    return pd.DataFrame(rows, columns=["project_id", "quarter", "disbursed_baht",
                                       "physical_pct", "stage", "problems"])


def test_quarter_ends_are_fiscal():
    assert followup.quarter_end(2570, 1) == date(2026, 12, 31)
    assert followup.quarter_end(2570, 4) == date(2027, 9, 30)
    with pytest.raises(ValueError, match="1..4"):
        followup.quarter_end(2570, 5)


def test_status_late_at_risk_stale(params):
    f = _funded([
        # on time: 80 % done at Q3, 60 % of the time gone, 75 % paid
        ("ok", "A", 1e6, "2026-11-01", "2027-12-31", "in_progress"),
        # late: planned end before 30 June 2027, 70 % done
        ("late", "A", 1e6, "2026-11-01", "2027-05-31", "in_progress"),
        # at risk: 20 % done with most of its time gone
        ("risk", "A", 1e6, "2026-11-01", "2027-08-31", "in_progress"),
        # stale: last report Q1 (two quarters ago)
        ("stale", "B", 2e6, "2026-11-01", "2027-12-31", "in_progress"),
        # done before its planned end
        ("done", "B", 1e6, "2026-11-01", "2027-05-31", "completed"),
    ])
    g = _progress([
        ("ok", 3, 750e3, 80, "in_progress", None), ("late", 3, 700e3, 70, "in_progress", "x"),
        ("risk", 3, 700e3, 20, "in_progress", None), ("stale", 1, 0.0, 0, "contract", None),
        ("done", 2, 900e3, 100, "completed", None), ("done", 3, 990e3, 100, "completed", None),
    ])
    s = followup.project_status(f, g, 2570, params).set_index("project_id")
    assert s.attrs["as_of_quarter"] == 3
    assert s["late"].to_dict() == {"ok": False, "late": True, "risk": False, "stale": False,
                                   "done": False}
    assert s["at_risk"].to_dict() == {"ok": False, "late": False, "risk": True, "stale": True,
                                      "done": False}
    assert s["stale"].to_dict() == {"ok": False, "late": False, "risk": False, "stale": True,
                                    "done": False}
    assert s.loc["stale", "quarters_since_update"] == 2
    assert s.loc["ok", "target_share"] == pytest.approx(0.70)
    assert s.loc["ok", "disbursed_share"] == pytest.approx(0.75)
    assert s.loc["late", "problems"] == "x"


def test_stale_threshold_and_as_of_come_from_params():
    p = load_params("45", overrides={"followup": {"stale_after_quarters": 0,
                                                  "as_of_quarter": 2}})
    f = _funded([("a", "A", 1e6, "2026-11-01", "2027-12-31", "in_progress")])
    g = _progress([("a", 1, 0.0, 0, "contract", None), ("a", 3, 5e5, 50, "in_progress", None)])
    s = followup.project_status(f, g, 2570, p)
    assert s.attrs["as_of_quarter"] == 2          # the Q3 report is not seen yet
    assert bool(s["stale"].iloc[0]) and s["disbursed_baht"].iloc[0] == 0
    assert s["target_share"].iloc[0] == pytest.approx(0.45)


def test_never_reported_is_stale(params):
    f = _funded([("a", "A", 1e6, "2026-11-01", "2027-12-31", "allocated")])
    s = followup.project_status(f, _progress([]), 2570, params, as_of_quarter=2)
    assert bool(s["stale"].iloc[0]) and pd.isna(s["last_quarter"].iloc[0])


def test_disbursement_by_quarter_carries_stale_figures_forward(params):
    f = _funded([("a", "A", 1e6, "2026-11-01", "2027-12-31", "in_progress"),
                 ("b", "A", 1e6, "2026-11-01", "2027-12-31", "in_progress")])
    g = _progress([("a", 1, 1e5, 5, "contract", None), ("a", 2, 4e5, 40, "in_progress", None),
                   ("b", 1, 2e5, 10, "contract", None)])           # b stopped reporting
    b = followup.disbursement_by_quarter(f, g, params, as_of_quarter=3)
    assert b["disbursed_share"].tolist()[:3] == pytest.approx([0.15, 0.30, 0.30])
    assert pd.isna(b["disbursed_share"].iloc[3])
    assert b["target_share"].tolist() == pytest.approx([0.2, 0.45, 0.7, 1.0])
    assert b["reports"].tolist() == [2, 1, 0, 0]


def test_scorecards_do_not_rank_an_agency_with_one_project():
    p = load_params("45", overrides={"followup": {"min_projects_scorecard": 3}})
    rows, reps = [], []
    for i in range(4):   # agency BIG: 4 projects, middling
        rows.append((f"B{i}", "BIG", 1e6, "2026-11-01", "2027-12-31", "in_progress"))
        reps.append((f"B{i}", 3, 5e5, 50, "in_progress", None))
    rows.append(("S0", "SOLO", 1e6, "2026-11-01", "2027-12-31", "completed"))  # perfect
    reps.append(("S0", 3, 1e6, 100, "completed", None))
    st = followup.project_status(_funded(rows), _progress(reps), 2570, p)
    cards = followup.scorecards(st, p).set_index("agency_id")
    assert cards.loc["SOLO", "score"] > cards.loc["BIG", "score"]   # better, but ...
    assert cards.loc["BIG", "rank"] == 1 and pd.isna(cards.loc["SOLO", "rank"])
    assert not cards.loc["SOLO", "ranked"]
    assert list(cards.index) == ["BIG", "SOLO"]


def test_targets_are_validated():
    with pytest.raises(ParamsError, match="four cumulative targets"):
        load_params("45", overrides={"followup": {"disbursement_targets_pct": [20, 45, 70]}})
    with pytest.raises(ParamsError, match="never decrease"):
        load_params("45", overrides={"followup": {"disbursement_targets_pct": [50, 45, 70, 100]}})


def test_cookbook_figures(sample_db):
    con = db.connect(sample_db)
    try:
        f = followup.cookbook_figures(con, "45", 2570)
        national = followup.cookbook_figures(con, None, 2570)
    finally:
        con.close()
    assert list(f) == ["proposals", "proposals_complete_attachments", "projects_followed",
                       "share_updated_last_quarter", "disbursed_share",
                       "disbursed_target_share", "late_projects"]
    assert f["proposals"] > f["proposals_complete_attachments"] > 0
    assert f["proposals"] > f["projects_followed"] > f["late_projects"] > 0
    assert 0.5 < f["share_updated_last_quarter"] < 1
    assert 0 < f["disbursed_share"] < 1 and f["disbursed_target_share"] == pytest.approx(0.7)
    assert national["proposals"] > f["proposals"]

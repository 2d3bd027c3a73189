"""Tests for oneplan.selection.revision: revising an approved multi-year plan with follow-up facts.

Hand-made instances use one or two fiscal years, budgets of 100 (baht, for readability)
and priorities chosen so that every optimum is unique; their optima are worked out in the
comments. The Khon Kaen (40) tests use the session's synthetic sample database.
"""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

from oneplan.data import db
from oneplan.selection import facts as facts_mod
from oneplan.selection import portfolio, priority, versions
from oneplan.selection.facts import FollowUpFacts
from oneplan.selection.revision import revise_plan

Y1, Y2 = 2570, 2571


def _cands(rows, **extra) -> pd.DataFrame:
    """rows: (project_id, priority, cost_baht); all ready, one district."""
    df = pd.DataFrame(rows, columns=["project_id", "priority", "cost_baht"])
    df["ready"] = True
    df["district_code"] = "4001"
    for k, v in extra.items():
        df[k] = v
    return df


def _spec(budget, years=(Y1,), **kw):
    return portfolio.PlanSpec(years=list(years), budget_by_year=dict(zip(years, budget)), **kw)


def _plan(starts) -> pd.DataFrame:
    return pd.DataFrame({"project_id": list(starts), "start_year": list(starts.values()),
                         "selected": True})


def _events(*rows) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(["project_id", "event", "new_cost_baht", "delay_years",
                                   "note"], r)) for r in rows])


def _change(rev, pid) -> str:
    return rev.diff.set_index("project_id").at[pid, "change"]


def _row(rev, pid) -> pd.Series:
    return rev.diff.set_index("project_id").loc[pid]


def _check_counts(rev) -> None:
    before, after = set(rev.approved), set(rev.result.selected_ids)
    c = rev.counts
    assert c["kept"] + c["moved"] + c["dropped"] == len(before)
    assert c["kept"] + c["moved"] + c["added"] == len(after)
    assert c["dropped"] == len(before - after) and c["added"] == len(after - before)
    assert c["kept"] + c["moved"] == len(before & after)
    assert set(rev.diff["project_id"]) == before | after
    assert rev.diff["reason_th"].str.len().gt(0).all()
    assert rev.diff["reason_en"].str.len().gt(0).all()


# --------------------------------------------------------------------------------------
# Hand-made instances
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("penalty", [0.0, 0.05, 3.0])
@pytest.mark.parametrize("months", [0, 6, 12])
def test_no_facts_returns_the_approved_plan(penalty, months):
    # Two years of 100, no start discount: many plans tie (any project may start in
    # either year), so only the stability preference keeps the approved one.
    c = _cands([("A", 5, 60), ("B", 4, 40), ("C", 3, 50), ("D", 3, 50), ("E", 1, 90)])
    spec = _spec([100, 100], (Y1, Y2))
    approved = portfolio.plan_portfolio(c, spec)
    rev = revise_plan(c, spec, approved, FollowUpFacts.empty(), months=months,
                      stability_penalty=penalty)
    assert facts_mod.plan_starts(rev.result) == facts_mod.plan_starts(approved)
    assert rev.counts == {"kept": len(approved.selected_ids), "added": 0, "dropped": 0,
                          "moved": 0}
    assert rev.value_after == pytest.approx(rev.value_before)
    assert rev.n_penalised == 0
    _check_counts(rev)


def test_cancellation_drops_it_and_the_freed_budget_is_reused():
    # One year of 100. Approved: A+B = 18 (cost 100; B+C = 15, A+C does not fit).
    # A is cancelled 6 months in: B+C = 95 ≤ 100, value 15 — C uses A's budget.
    c = _cands([("A", 10, 60), ("B", 8, 40), ("C", 7, 55)])
    spec = _spec([100])
    approved = portfolio.plan_portfolio(c, spec)
    assert sorted(approved.selected_ids) == ["A", "B"]
    facts = FollowUpFacts(_events(("A", "cancelled", None, None, "ชุมชนคัดค้าน")))
    rev = revise_plan(c, spec, approved, facts, months=6, stability_penalty=0.05)
    assert sorted(rev.result.selected_ids) == ["B", "C"]
    a, cc = _row(rev, "A"), _row(rev, "C")
    assert (a["change"], a["reason_code"]) == ("dropped", "cancelled")
    assert "ชุมชนคัดค้าน" in a["reason_th"] and "cancelled" in a["reason_en"]
    assert (cc["change"], cc["reason_code"], cc["related_id"]) == ("added", "budget_freed", "A")
    assert _change(rev, "B") == "kept"
    # the cancellation is a fact, not a choice: no penalty is paid for it
    assert rev.n_penalised == 0
    assert rev.spend.set_index("fiscal_year").at[Y1, "spend_after"] == 95
    assert rev.table("th")["การเปลี่ยนแปลง"].tolist() == ["ตัดออก", "เพิ่มใหม่"]
    assert list(rev.table("en", changed_only=False)["Change"]) == ["dropped", "added", "kept"]
    _check_counts(rev)


# Cost overrun against the stability penalty (one year, budget 100):
#
#   project   A     B     C     D
#   value    10     4    12   4.5
#   cost     50    25    55    25      (C costs more than 50, so it never fits with B+D)
#
# At approval the feasible plans are {A,B,D} = 18.5 (cost 100), {C,D} = 16.5, {C,B} = 16,
# {A,D} = 14.5, ... so {A,B,D} is approved. Then A's cost rises to 60 and A+B+D = 110 no
# longer fits. The best revisions are
#
#   keep A:  {A,D}  value 14.5, one change (B dropped)        → objective 14.5 − p
#   drop A:  {C,D}  value 16.5, two changes (A and B dropped) → objective 16.5 − 2p
#
# ({A,B} = 14, {B,D} = 8.5 and {C,B} = 16 are worse.) Dropping A gains 2.0 in value for one
# more change, so A is dropped exactly when 2.0 > p: with p = 1.5 it goes (objective
# 13.5 vs 13.0 — keeping it would lose 0.5), with p = 2.5 it stays (12.0 vs 11.5).
OVERRUN = [("A", 10, 50), ("B", 4, 25), ("C", 12, 55), ("D", 4.5, 25)]


def _overrun_revision(penalty):
    c = _cands(OVERRUN)
    spec = _spec([100])
    approved = portfolio.plan_portfolio(c, spec)
    assert sorted(approved.selected_ids) == ["A", "B", "D"]
    facts = FollowUpFacts(_events(("A", "cost_overrun", 60, None, "ราคาเหล็กสูงขึ้น")))
    return revise_plan(c, spec, approved, facts, months=6, stability_penalty=penalty)


def test_cost_overrun_drops_the_project_when_the_gain_exceeds_the_penalty():
    rev = _overrun_revision(1.5)
    assert sorted(rev.result.selected_ids) == ["C", "D"]
    a = _row(rev, "A")
    assert (a["change"], a["reason_code"]) == ("dropped", "cost_overrun")
    assert a["confirmed"] and a["objective_delta"] == pytest.approx(0.5)
    assert "+20" in a["reason_en"] and "1.5" in a["reason_en"]
    assert _change(rev, "C") == "added" and _change(rev, "B") == "dropped"
    assert rev.value_after == pytest.approx(16.5)
    assert rev.n_penalised == 2 and rev.objective_after == pytest.approx(13.5)
    _check_counts(rev)


def test_cost_overrun_keeps_the_project_when_the_gain_is_below_the_penalty():
    rev = _overrun_revision(2.5)
    assert sorted(rev.result.selected_ids) == ["A", "D"]
    a = _row(rev, "A")
    assert (a["change"], a["reason_code"]) == ("kept", "kept_despite_overrun")
    # forcing A out re-solves to {C,D}: value +2.0, objective 0.5 lower
    assert a["objective_delta"] == pytest.approx(0.5)
    assert "+2.000" in a["reason_en"]
    assert _change(rev, "B") == "dropped"
    assert rev.objective_after == pytest.approx(12.0)
    _check_counts(rev)


def test_delay_moves_the_start_and_a_long_delay_drops_it():
    # Two years of 100, value × 0.9 a year later: A (60) in 2570, B (value 8, cost 30) in
    # 2571, E (30) in 2570. A is delayed a year: A+B = 90 fit in 2571. E is delayed two
    # years: past the plan, dropped. Moving B into the freed 2570 would gain
    # 8 − 7.2 = 0.8: done with a penalty of 0.5, not with 1.0.
    c = _cands([("A", 10, 60), ("B", 8, 30), ("E", 5, 30)])
    spec = _spec([100, 100], (Y1, Y2), start_discount=0.9)
    approved = _plan({"A": Y1, "B": Y2, "E": Y1})
    facts = FollowUpFacts(_events(("A", "delay", None, 1, "รอผลประกวดราคา"),
                                  ("E", "delay", None, 2, "ที่ดิน")))
    moved = revise_plan(c, spec, approved, facts, months=6, stability_penalty=0.5)
    assert _row(moved, "B")["start_after"] == Y1
    assert (_change(moved, "B"), moved.n_penalised) == ("moved", 1)
    rev = revise_plan(c, spec, approved, facts, months=6, stability_penalty=1.0)
    a = _row(rev, "A")
    assert (a["change"], a["start_before"], a["start_after"]) == ("moved", Y1, Y2)
    assert a["reason_code"] == "delayed" and "รอผลประกวดราคา" in a["reason_th"]
    assert _change(rev, "B") == "kept"
    assert (_change(rev, "E"), _row(rev, "E")["reason_code"]) == ("dropped",
                                                                   "delayed_beyond_plan")
    assert rev.n_penalised == 0   # both changes are facts
    _check_counts(rev)


def test_started_projects_keep_their_start_and_commit_their_spending():
    # A started in 2570 and now costs 120 (> the 2570 budget of 100): it stays in 2570,
    # the year's budget is raised to what is owed (noted), and B, approved for 2570 but
    # not started, moves to 2571, where it still fits.
    c = _cands([("A", 10, 60), ("B", 8, 40), ("C", 1, 10)])
    spec = _spec([100, 100], (Y1, Y2), start_discount=0.9)
    approved = _plan({"A": Y1, "B": Y1})
    facts = FollowUpFacts(_events(("A", "started", None, None, "ลงนามสัญญาแล้ว"),
                                  ("A", "cost_overrun", 120, None, "")))
    rev = revise_plan(c, spec, approved, facts, months=6, stability_penalty=0.0)
    a = _row(rev, "A")
    assert (a["change"], a["start_after"], a["reason_code"]) == ("kept", Y1, "started")
    assert rev.spec.fixed_start["A"] == Y1
    assert _row(rev, "B")["start_after"] == Y2
    spend = rev.spend.set_index("fiscal_year")
    assert spend.at[Y1, "committed_after"] == 120 and spend.at[Y1, "budget_after"] == 120
    assert any("exceeds the budget" in n for n in rev.notes)
    # twelve months in, an approved 2570 project with no fact is assumed started
    rev12 = revise_plan(c, spec, _plan({"A": Y1, "B": Y2}), FollowUpFacts.empty(),
                        months=12, stability_penalty=0.0)
    assert rev12.spec.fixed_start == {"A": Y1}
    assert _row(rev12, "A")["reason_code"] == "assumed_started"
    _check_counts(rev12)


def test_budget_cut_drops_the_least_valuable():
    # 2570 is full (W = 100). 2571 holds X+Y+Z = 100; its budget is cut by 30 % to 70:
    # X+Y = 70 (value 18) is the best that fits, so Z (value 3) is dropped.
    c = _cands([("W", 5, 100), ("X", 10, 40), ("Y", 8, 30), ("Z", 3, 30)])
    spec = _spec([100, 100], (Y1, Y2))
    approved = _plan({"W": Y1, "X": Y2, "Y": Y2, "Z": Y2})
    budget = pd.DataFrame([{"fiscal_year": Y2, "change_pct": -30, "note": "ตัดงบ"}])
    rev = revise_plan(c, spec, approved, FollowUpFacts(budget_changes=budget), months=6,
                      stability_penalty=0.05)
    assert sorted(rev.result.selected_ids) == ["W", "X", "Y"]
    z = _row(rev, "Z")
    assert (z["change"], z["reason_code"]) == ("dropped", "budget_cut")
    assert "30 %" in z["reason_en"]
    assert rev.spec.budget_by_year[Y2] == pytest.approx(70)
    _check_counts(rev)


def test_new_proposal_displaces_a_weaker_project():
    # One year of 100, A (10, 60) + B (2, 40) approved. A new proposal N (value 6, cost 40)
    # replaces B: gain 4 > penalty 0.05.
    c = _cands([("A", 10, 60), ("B", 2, 40)])
    spec = _spec([100])
    props = _cands([("N", 6, 40)])
    rev = revise_plan(c, spec, _plan({"A": Y1, "B": Y1}), FollowUpFacts(new_proposals=props),
                      months=6, stability_penalty=0.05)
    assert sorted(rev.result.selected_ids) == ["A", "N"]
    b, n = _row(rev, "B"), _row(rev, "N")
    assert (b["reason_code"], b["related_id"]) == ("displaced", "N")
    assert (n["change"], n["reason_code"], bool(n["new_proposal"])) == ("added",
                                                                        "new_proposal", True)
    # with a penalty above the gain nothing changes
    rev2 = revise_plan(c, spec, _plan({"A": Y1, "B": Y1}), FollowUpFacts(new_proposals=props),
                       months=6, stability_penalty=5.0)
    assert sorted(rev2.result.selected_ids) == ["A", "B"]


def test_bad_facts_are_named():
    c = _cands([("A", 10, 60)])
    spec = _spec([100])
    with pytest.raises(facts_mod.FactsError, match="unknown projects.*ZZ"):
        revise_plan(c, spec, _plan({"A": Y1}), FollowUpFacts(_events(("ZZ", "cancelled"))),
                    months=6)
    with pytest.raises(facts_mod.FactsError, match="explode"):
        FollowUpFacts(_events(("A", "explode")))
    with pytest.raises(facts_mod.FactsError, match="new_cost_baht"):
        FollowUpFacts(_events(("A", "cost_overrun")))
    with pytest.raises(ValueError, match="over"):
        revise_plan(c, spec, _plan({"A": Y1}), None, months=12)


def test_facts_files_round_trip(tmp_path):
    facts = FollowUpFacts(
        _events(("A", "delay", None, 1, "ที่ดิน"), ("B", "cost_overrun", 33000.0, None, "")),
        pd.DataFrame([{"fiscal_year": Y2, "change_pct": -10.0, "note": "ตัดงบ"}]),
        _cands([("N1", 5, 20)]))
    for name in ("facts.xlsx", "facts.csv"):
        back = facts_mod.read_facts(facts_mod.write_facts(facts, tmp_path / name))
        pd.testing.assert_frame_equal(back.events[facts_mod.EVENT_COLUMNS],
                                      facts.events[facts_mod.EVENT_COLUMNS], check_dtype=False)
        assert back.budget_changes["change_pct"].tolist() == [-10.0]
        assert back.new_proposals["project_id"].tolist() == ["N1"]


# --------------------------------------------------------------------------------------
# Khon Kaen (40) on the synthetic sample, and plan versions in DuckDB
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def khon_kaen(sample_db, tmp_path_factory):
    """A copy of the sample database with an approved plan (v1) and a synthetic 6-month
    revision (v2) of Khon Kaen."""
    path = tmp_path_factory.mktemp("revision") / "plans.duckdb"
    shutil.copy(sample_db, path)
    v1 = versions.approve("40", db_path=path, time_limit_s=30)
    v2 = versions.revise("40", db_path=path, months=6, time_limit_s=30, confirm_resolves=2)
    return path, v1, v2


def test_approve_and_revise_write_versions(khon_kaen):
    path, v1, v2 = khon_kaen
    assert (v1, v2) == ("40-2570-v1", "40-2570-v2")
    con = db.connect(path, read_only=True)
    try:
        listed = versions.list_plan_versions(con, "40")
        one, two = versions.load_plan_version(con, v1), versions.load_plan_version(con, v2)
    finally:
        con.close()
    assert listed["version_id"].tolist() == [v1, v2]
    assert listed["status"].tolist() == ["approved", "revised"]
    assert two.header["parent_version_id"] == v1
    assert two.header["months_after_approval"] == 6 and two.header["synthetic_facts"]
    assert two.header["solver_status"] == "optimal"
    assert sorted(two.header["selected_ids"]) == sorted(two.plan["project_id"])
    counts = two.items["change"].value_counts()
    before, after = set(one.plan["project_id"]), set(two.plan["project_id"])
    assert counts.get("dropped", 0) == len(before - after)
    assert counts.get("added", 0) == len(after - before)
    assert counts.get("kept", 0) + counts.get("moved", 0) == len(before & after)
    assert two.items.loc[two.items["change"].notna(), "reason_th"].notna().all()
    assert two.items["new_proposal"].sum() == 5          # the synthetic proposals are kept
    # a revision of the revision starts from v2's costs, exclusions and proposals
    v3 = versions.revise("40", db_path=path, months=12, time_limit_s=30, confirm_resolves=0)
    assert v3 == "40-2570-v3"


def test_synthetic_revision_of_khon_kaen_adds_up(khon_kaen, sample_db):
    path, v1, _ = khon_kaen
    con = db.connect(path, read_only=True)
    try:
        one = versions.load_plan_version(con, v1)
    finally:
        con.close()
    p = one.params
    spec = versions.spec_from_json(p["spec"])
    con = db.connect(sample_db, read_only=True)
    try:
        cands = priority.score_candidates(db.water_candidates(con, "40", 2570), p["weights"])
    finally:
        con.close()
    facts = facts_mod.sample_followup(one.items, cands, months=6, seed=2567, years=spec.years)
    again = facts_mod.sample_followup(one.items, cands, months=6, seed=2567, years=spec.years)
    pd.testing.assert_frame_equal(facts.events, again.events)
    assert facts.synthetic and facts.counts()["cancelled"] in (1, 2)
    assert len(facts.new_proposals) == 5 and facts.budget_changes["change_pct"].tolist() == [-10]
    rev = revise_plan(cands, spec, one.items, facts, months=6, stability_penalty=0.05,
                      confirm_resolves=2)
    _check_counts(rev)
    assert set(rev.diff.loc[rev.diff["events"].str.contains("cancelled"), "change"]) == \
        {"dropped"}
    assert rev.spend["spend_after"].le(rev.spend["budget_after"] + 1e-6).all()
    assert "synthetic" in rev.summary("en").lower() and "สังเคราะห์" in rev.summary("th")
    # and with no facts the approved plan comes back unchanged (with the stability
    # penalty: under the sample's scarcity a plan with two start years swapped can be
    # exactly as good, and only the penalty says the approved one is to be kept)
    same = revise_plan(cands, spec, one.items, None, months=6, stability_penalty=0.05,
                       confirm_resolves=0)
    assert facts_mod.plan_starts(same.result) == one.starts


def test_old_database_is_upgraded(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE plan_versions (version_id VARCHAR PRIMARY KEY, province_code "
                "VARCHAR NOT NULL, fiscal_year INTEGER NOT NULL, created_at TIMESTAMP NOT "
                "NULL, reason VARCHAR, params_json VARCHAR, selected_ids VARCHAR[])")
    c = _cands([("A", 10, 60), ("B", 8, 40), ("C", 7, 55)])
    spec = _spec([100])
    approved = portfolio.plan_portfolio(c, spec)
    v1 = versions.save_plan_version(con, "40", Y1, approved, reason="approved",
                                    params_json={"spec": versions.spec_to_json(spec)})
    rev = revise_plan(c, spec, approved,
                      FollowUpFacts(_events(("A", "cancelled", None, None, "x"))), months=6)
    v2 = versions.save_plan_version(con, "40", Y1, rev, reason="6 months",
                                    params_json="{}", parent_version_id=v1)
    con.close()
    con = duckdb.connect(str(path), read_only=True)
    loaded = versions.load_plan_version(con, v2)
    assert (v1, v2) == ("40-2570-v1", "40-2570-v2")
    assert loaded.starts == {"B": Y1, "C": Y1}
    assert loaded.items.set_index("project_id").at["A", "change"] == "dropped"
    assert versions.spec_from_json(
        versions.load_plan_version(con, v1).params["spec"]) == spec
    con.close()

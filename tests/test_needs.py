"""Surin One Plan: classification rules, the stage machine, funnel, silent villages."""

from datetime import date

import duckdb
import pandas as pd
import pytest

from oneplan.data import db
from oneplan.plan import needs
from oneplan.data.params import ParamsError, load_params


@pytest.fixture(scope="module")
def params():
    return load_params("32")


def _needs(rows):
    return pd.DataFrame(rows, columns=["need_id", "category", "estimated_cost"])


# --- classification ---------------------------------------------------------------------

def test_default_rules_sort_by_category_and_cost(params):
    df = _needs([
        ("a", "road", 30_000),          # small: the village itself
        ("b", "road", 1_500_000),       # road ≤ 2 M: the LAO
        ("c", "agriculture", 2_000_000),  # agriculture 0.5–3 M: joint
        ("d", "safety", 1_000_000),     # safety ≤ 3 M: the district
        ("e", "road", 15_000_000),      # ≤ 20 M: the province
        ("f", "water", 80_000_000),     # above: a department
        ("g", "electricity", 3_000_000),  # electricity above the LAO's: department (PEA)
        ("h", "health", None),          # no cost: cannot be classified
    ])
    out = needs.classify(df, params).set_index("need_id")
    assert out["authority"].to_dict() == {
        "a": "village", "b": "lao", "c": "joint", "d": "district", "e": "province",
        "f": "department", "g": "department", "h": None}
    assert out.loc["b", "rule_no"] == 2 and pd.isna(out.loc["h", "rule_no"])


def test_cost_bound_is_inclusive_and_first_rule_wins(params):
    out = needs.classify(_needs([("x", "road", 50_000), ("y", "road", 50_001)]), params)
    assert out["authority"].tolist() == ["village", "lao"]


def test_strategy_mapping_and_does_not_fit(params):
    out = needs.classify(_needs([("a", "water", 1e6), ("b", "electricity", 1e6),
                                 ("c", "safety", 1e6)]), params)
    assert out["strategy_no"].tolist()[0] == 1
    assert pd.isna(out["strategy_no"].iloc[1])     # electricity: does not fit
    assert out["strategy_no"].iloc[2] == 5


def test_rules_come_from_params():
    p = load_params("32", overrides={"needs": {
        "authority_rules": [{"categories": ["road"], "max_cost_baht": 10_000_000,
                             "authority": "district"},
                            {"categories": ["*"], "authority": "province"}],
        "strategy_by_category": {"road": 3, "water": None}}})  # merged key by key
    out = needs.classify(_needs([("a", "road", 30_000), ("b", "water", 30_000)]), p)
    assert out["authority"].tolist() == ["district", "province"]
    assert out["strategy_no"].iloc[0] == 3 and pd.isna(out["strategy_no"].iloc[1])


def test_bad_rules_are_refused_with_the_key():
    with pytest.raises(ParamsError, match="authority"):
        load_params("32", overrides={"needs": {"authority_rules": [
            {"categories": ["road"], "authority": "king"}]}})
    with pytest.raises(ParamsError, match="categories"):
        load_params("32", overrides={"needs": {"authority_rules": [
            {"categories": ["roads"], "authority": "lao"}]}})


def test_unknown_category_names_the_need(params):
    with pytest.raises(needs.NeedsDataError, match="n9.*categories are"):
        needs.classify(_needs([("n9", "space", 1e6)]), params)


# --- stage machine ----------------------------------------------------------------------

def test_the_main_line_is_legal_for_a_provincial_need():
    needs.check_history(list(needs.MAIN_LINE), authority="province", need_id="n1")


@pytest.mark.parametrize("current,new", [
    ("submitted", "amphoe_screened"),     # skips the กบต.
    ("submitted", "in_plan"),
    ("tambon_screened", "allocated"),
    ("in_plan", "allocated"),             # skips the budget request
    ("allocated", "in_progress"),         # skips procurement and contract
    ("completed", "rejected"),            # final
    ("rejected", "tambon_screened"),      # final
    ("merged", "submitted"),
])
def test_illegal_jumps_are_refused(current, new):
    with pytest.raises(needs.StageTransitionError, match=f"cannot move from {current}"):
        needs.check_transition(current, new, authority="province", need_id="n1")


def test_a_need_starts_at_submitted():
    with pytest.raises(needs.StageTransitionError, match="starts at 'submitted'"):
        needs.check_transition(None, "tambon_screened")
    needs.check_transition(None, "submitted")


def test_shortcuts_only_for_their_authority():
    # the กบต. settles local needs itself ...
    for a in ("village", "lao", "joint"):
        needs.check_transition("tambon_screened", "agency_assigned", authority=a)
    # ... but a provincial one must go through the กบอ.
    with pytest.raises(needs.StageTransitionError, match="only for needs of authority"):
        needs.check_transition("tambon_screened", "agency_assigned", authority="province")
    # village self-help starts works without budget; nobody else does
    needs.check_transition("agency_assigned", "in_progress", authority="village")
    with pytest.raises(needs.StageTransitionError, match="village"):
        needs.check_transition("agency_assigned", "in_progress", authority="lao")


def test_history_dates_may_not_go_back():
    with pytest.raises(needs.StageTransitionError, match="before submitted"):
        needs.check_history(["submitted", "tambon_screened"],
                            [date(2025, 7, 1), date(2025, 6, 1)], authority="lao")


def test_unknown_stage_lists_the_stages():
    with pytest.raises(needs.StageTransitionError, match="unknown stage 'approved'"):
        needs.check_transition("submitted", "approved")


@pytest.fixture()
def con():
    c = duckdb.connect()
    c.execute(db.schema_sql())
    for nid, auth in (("n1", "province"), ("n2", "province")):
        c.execute("INSERT INTO needs (need_id, fiscal_year, village_code, subdistrict_code, "
                  "district_code, province_code, category, stage, authority, synthetic, "
                  "source_file) VALUES (?, 2570, '32010101', '320101', '3201', '32', 'road', "
                  "'submitted', ?, true, 'test')", [nid, auth])
        c.execute("INSERT INTO need_stages (need_id, stage, stage_on, source_file) "
                  "VALUES (?, 'submitted', DATE '2025-06-10', 'test')", [nid])
    yield c
    c.close()


def test_record_stage_moves_the_need(con):
    needs.record_stage(con, "n1", "tambon_screened", date(2025, 6, 20))
    assert con.execute("SELECT stage FROM needs WHERE need_id = 'n1'").fetchone()[0] == \
        "tambon_screened"
    assert con.execute("SELECT count(*) FROM need_stages WHERE need_id = 'n1'").fetchone()[0] == 2


def test_record_stage_refuses_a_jump_and_changes_nothing(con):
    with pytest.raises(needs.StageTransitionError, match="cannot move from submitted .* to in_plan"):
        needs.record_stage(con, "n1", "in_plan", date(2025, 10, 1))
    assert con.execute("SELECT stage FROM needs WHERE need_id = 'n1'").fetchone()[0] == "submitted"
    assert con.execute("SELECT count(*) FROM need_stages").fetchone()[0] == 2


def test_merge_needs_a_link_and_a_reason(con):
    with pytest.raises(needs.NeedsDataError, match="id of the other need"):
        needs.record_stage(con, "n2", "merged", date(2025, 6, 20), reason="same road")
    with pytest.raises(needs.NeedsDataError, match="unknown need 'n7'"):
        needs.record_stage(con, "n2", "merged", date(2025, 6, 20), reason="x",
                           linked_need_id="n7")
    with pytest.raises(needs.NeedsDataError, match="reason"):
        needs.record_stage(con, "n2", "merged", date(2025, 6, 20), linked_need_id="n1")
    needs.record_stage(con, "n2", "merged", date(2025, 6, 20), reason="same road",
                       linked_need_id="n1")
    assert con.execute("SELECT stage, merged_into FROM needs WHERE need_id = 'n2'"
                       ).fetchone() == ("merged", "n1")


def test_record_stage_refuses_an_earlier_date(con):
    with pytest.raises(needs.StageTransitionError, match="before its last stage"):
        needs.record_stage(con, "n1", "tambon_screened", date(2025, 6, 1))


# --- funnel and waiting ------------------------------------------------------------------

def _stages(rows):
    return pd.DataFrame(rows, columns=["need_id", "stage", "stage_on"]).assign(
        stage_on=lambda t: pd.to_datetime(t["stage_on"]))


def test_funnel_counts_each_stage_and_keeps_self_help_apart():
    st = _stages([
        ("a", "submitted", "2025-06-01"), ("a", "tambon_screened", "2025-06-10"),
        ("a", "agency_assigned", "2025-06-20"), ("a", "in_progress", "2025-07-01"),
        ("b", "submitted", "2025-06-01"), ("b", "tambon_screened", "2025-06-10"),
        ("b", "amphoe_screened", "2025-06-20"), ("b", "agency_assigned", "2025-07-01"),
        ("b", "in_plan", "2025-10-20"),
        ("c", "submitted", "2025-06-01"), ("c", "rejected", "2025-06-12"),
    ])
    nd = pd.DataFrame({"need_id": ["a", "b", "c"], "authority": ["village", "province", None]})
    f = needs.funnel(st, nd).set_index("stage")
    assert f.loc["submitted", "needs"] == 3
    assert f.loc["agency_assigned", "needs"] == 2
    assert f.loc["in_plan", "needs"] == 1
    assert f.loc["in_progress", "needs"] == 0       # the village's own works count apart
    assert f.loc["self_help", "needs"] == 1
    assert f.loc["rejected", "needs"] == 1
    main = f.loc[list(needs.FUNNEL_STAGES), "needs"].to_numpy()
    assert (main[1:] <= main[:-1]).all()


def test_waiting_longest_skips_finished_needs_and_counts_days():
    st = _stages([("a", "submitted", "2025-06-01"), ("b", "submitted", "2025-06-01"),
                  ("b", "tambon_screened", "2025-07-01"), ("c", "submitted", "2025-05-01"),
                  ("c", "rejected", "2025-05-10")])
    nd = pd.DataFrame({"need_id": ["a", "b", "c"],
                       "stage": ["submitted", "tambon_screened", "rejected"]})
    w = needs.waiting_longest(nd, st, date(2025, 8, 1), rows=None)
    assert w["need_id"].tolist() == ["a", "b"]
    assert w["days_waiting"].tolist() == [61, 31]


def test_days_to_plan():
    st = _stages([("a", "submitted", "2025-06-01"), ("a", "in_plan", "2025-10-29"),
                  ("b", "submitted", "2025-06-01")])
    assert needs.days_to_plan(st).tolist() == [150]


# --- on the session's sample database ------------------------------------------------------

@pytest.fixture(scope="module")
def sample(sample_db):
    c = db.connect(sample_db)
    yield c
    c.close()


def test_cookbook_figures_keys_and_consistency(sample):
    f = needs.cookbook_figures(sample, "32", 2570)
    assert list(f) == ["villages", "villages_with_needs", "needs", "needs_classified",
                       "needs_fit_strategy", "needs_in_plan", "needs_allocated",
                       "needs_completed", "median_days_to_plan"]
    assert 0 < f["villages_with_needs"] < f["villages"]
    assert f["needs"] >= f["needs_classified"] >= f["needs_fit_strategy"] > 0
    assert f["needs"] > f["needs_in_plan"] > f["needs_allocated"] > f["needs_completed"] > 0
    assert 30 < f["median_days_to_plan"] < 365
    national = needs.cookbook_figures(sample, None, 2570)
    assert national["needs"] > f["needs"] and national["villages"] > f["villages"]


def test_silent_villages_are_real_villages_of_the_province(sample):
    s = needs.silent_villages(sample, "32", 2570)
    assert len(s) > 0 and s["village_code"].str.fullmatch(r"32\d{6}").all()
    n_with = sample.execute("SELECT count(*) FROM needs WHERE village_code IN "
                            "(SELECT unnest(?))", [s["village_code"].tolist()]).fetchone()[0]
    assert n_with == 0
    by = needs.silent_by_district(sample, "32", 2570)
    assert by["silent"].sum() == len(s)


def test_sample_histories_follow_the_stage_machine(sample):
    nd = needs.load_needs(sample, "45", 2570)
    st = needs.load_stages(sample, "45", 2570)
    assert needs.validate_histories(st, nd).empty
    # the current stage is the last one recorded
    last = st.assign(o=st["stage"].map(needs.STAGES.index)).sort_values(
        ["need_id", "stage_on", "o"]).groupby("need_id")["stage"].last()
    assert (nd.set_index("need_id")["stage"] == last.reindex(nd["need_id"]).to_numpy()).all()


def test_cli_records_a_stage_and_refuses_a_jump(tmp_path, sample_db, capsys):
    import shutil

    from oneplan import cli

    path = tmp_path / "copy.duckdb"
    shutil.copy(sample_db, path)
    c = db.connect(path)
    nid = c.execute("SELECT need_id FROM needs WHERE stage = 'submitted' AND province_code = "
                    "'32' ORDER BY need_id LIMIT 1").fetchone()[0]
    c.close()
    assert cli.main(["needs", "stage", "--need", nid, "--to", "in_plan", "--on", "1/7/2570",
                     "--db", str(path)]) == 2
    assert "cannot move from submitted" in capsys.readouterr().err
    assert cli.main(["needs", "stage", "--need", nid, "--to", "tambon_screened",
                     "--on", "1/7/2570", "--db", str(path)]) == 0
    c = db.connect(path)
    assert c.execute("SELECT stage FROM needs WHERE need_id = ?", [nid]).fetchone()[0] == \
        "tambon_screened"
    assert str(c.execute("SELECT stage_on FROM need_stages WHERE need_id = ? AND stage = "
                         "'tambon_screened'", [nid]).fetchone()[0]) == "2027-07-01"
    c.close()
    assert cli.main(["needs", "classify", "--province", "32", "--db", str(path)]) == 0
    assert "village" in capsys.readouterr().out
    c = db.connect(path)
    row = c.execute("SELECT need_id, category, estimated_cost, authority FROM needs "
                    "WHERE need_id = ?", [nid]).df()
    c.close()
    expected = needs.classify(row, load_params("32"))["authority"].iloc[0]
    assert row["authority"].iloc[0] == expected or (expected is None
                                                    and pd.isna(row["authority"].iloc[0]))
    assert cli.main(["needs", "oc4ids", "--province", "32", "--db", str(path),
                     "--out", str(tmp_path)]) == 0
    assert (tmp_path / "oc4ids_32_2570.json").exists()

"""The synthetic plan sample (oneplan.samples.plan) in the session's database."""

import pandas as pd
import pytest

from oneplan.data import db
from oneplan.samples import plan as plansample
from oneplan.core import vocab


@pytest.fixture(scope="module")
def con(sample_db):
    c = db.connect(sample_db)
    yield c
    c.close()


def test_every_need_is_in_a_real_village_of_its_sub_district(con):
    bad = con.execute(
        "SELECT count(*) FROM needs n LEFT JOIN areas v ON v.code = n.village_code "
        "AND v.level = 'village' WHERE v.code IS NULL OR v.parent_code <> n.subdistrict_code "
        "OR left(n.village_code, 4) <> n.district_code "
        "OR left(n.village_code, 2) <> n.province_code").fetchone()[0]
    assert bad == 0


def test_every_sub_district_has_silent_and_active_villages_overall(con):
    t = con.execute(
        "SELECT v.province_code, count(DISTINCT v.code) AS villages, "
        "count(DISTINCT n.village_code) AS active "
        "FROM areas v LEFT JOIN needs n ON n.village_code = v.code WHERE v.level = 'village' "
        "GROUP BY 1").df()
    share = 1 - t["active"] / t["villages"]
    assert ((share > 0.05) & (share < 0.3)).all()
    assert set(t["province_code"]) == {"40", "45", "32"}


def test_codes_come_from_the_vocabularies(con):
    def values(sql):
        return {r[0] for r in con.execute(sql).fetchall()}
    assert values("SELECT DISTINCT category FROM needs") <= set(vocab.NEED_CATEGORIES)
    assert values("SELECT DISTINCT authority FROM needs WHERE authority IS NOT NULL") <= set(
        vocab.AUTHORITY_LEVELS)
    assert values("SELECT DISTINCT stage FROM need_stages") <= set(vocab.NEED_STAGES)
    assert values("SELECT DISTINCT status FROM proposals") <= set(vocab.PROPOSAL_STATUSES)
    assert values("SELECT DISTINCT level FROM agencies") <= set(vocab.AGENCY_LEVELS)
    assert values("SELECT DISTINCT lao_type FROM agencies WHERE lao_type IS NOT NULL") == set(
        vocab.LAO_TYPES)
    # every LAO has its type
    assert con.execute("SELECT count(*) FROM agencies WHERE level = 'lao' AND lao_type IS NULL"
                       ).fetchone()[0] == 0


def test_rejections_and_merges_carry_reasons_and_links(con):
    rej = con.execute("SELECT reason FROM need_stages WHERE stage = 'rejected'").df()
    assert len(rej) > 0 and rej["reason"].notna().all()
    m = con.execute(
        "SELECT n.need_id, n.merged_into, s.linked_need_id, s.reason, n.subdistrict_code, "
        "n.category, t.subdistrict_code AS t_sub, t.category AS t_cat, t.stage AS t_stage "
        "FROM needs n JOIN need_stages s ON s.need_id = n.need_id AND s.stage = 'merged' "
        "JOIN needs t ON t.need_id = n.merged_into").df()
    n_merged = con.execute("SELECT count(*) FROM needs WHERE stage = 'merged'").fetchone()[0]
    assert len(m) == n_merged > 0
    assert (m["merged_into"] == m["linked_need_id"]).all() and m["reason"].notna().all()
    assert (m["subdistrict_code"] == m["t_sub"]).all() and (m["category"] == m["t_cat"]).all()
    assert (~m["t_stage"].isin(["merged", "rejected"])).all()


def test_proposals_attachments_and_funding(con):
    p = con.execute("SELECT * FROM proposals").df()
    refs = p[["drawing_ref", "boq_ref", "photo_ref", "land_ref"]]
    assert refs.isna().any().all() and refs.notna().any().all()   # some present, some missing
    funded = p["status"].isin(["allocated", "procurement", "contract", "in_progress",
                               "completed"])
    assert (p.loc[funded, "allocated_baht"] > 0).all()
    assert p.loc[~funded, "allocated_baht"].isna().all()
    assert p["synthetic"].all()
    # every need-based proposal is the project its need points at
    linked = con.execute("SELECT count(*) FROM proposals p JOIN needs n ON n.need_id = p.need_id "
                         "WHERE n.project_id <> p.project_id").fetchone()[0]
    assert linked == 0


def test_progress_is_cumulative_and_some_is_stale(con):
    g = con.execute("SELECT * FROM progress ORDER BY project_id, quarter").df()
    assert g["quarter"].max() == plansample.SNAPSHOT_QUARTER
    d = g.groupby("project_id")[["disbursed_baht", "physical_pct"]].diff().dropna()
    assert (d >= 0).all().all()
    last = g.groupby("project_id")["quarter"].max()
    assert 0.03 < (last <= plansample.SNAPSHOT_QUARTER - 2).mean() < 0.2
    over = con.execute("SELECT count(*) FROM progress g JOIN proposals p USING (project_id) "
                       "WHERE g.disbursed_baht > p.allocated_baht + 1").fetchone()[0]
    assert over == 0


def test_sample_is_deterministic_and_per_province(con):
    a = plansample.generate(con, ["32"], seed=7, fiscal_year=2570)
    b = plansample.generate(con, ["32"], seed=7, fiscal_year=2570)
    pd.testing.assert_frame_equal(a["needs"], b["needs"])
    both = plansample.generate(con, ["32", "45"], seed=7, fiscal_year=2570)
    only = both["needs"][both["needs"]["province_code"] == "32"].reset_index(drop=True)
    pd.testing.assert_frame_equal(only, a["needs"])
    assert con.execute("SELECT value FROM meta WHERE key = ?",
                       [plansample.META_KEY]).fetchone()[0] == "2027-06-30"

"""Plan101Pro ranking: published weights, contributions, readiness, ±20 % sensitivity."""

import numpy as np
import pandas as pd
import pytest

from oneplan.plan import ranking
from oneplan.data.params import ParamsError, load_params

W = {"households": 0.25, "cost_effectiveness": 0.20, "strategy_fit": 0.20, "readiness": 0.20,
     "village_need": 0.15}


def _props(n=6, seed=1):
    rng = np.random.default_rng(seed)
    docs = rng.uniform(size=(n, 4)) < 0.6
    return pd.DataFrame({
        "project_id": [f"P{i:02d}" for i in range(n)],
        "cost_baht": np.round(rng.uniform(1e5, 2e7, n), -3),
        "households": rng.integers(10, 2000, n),
        "strategy_no": pd.array([1 if u < 0.7 else None for u in rng.uniform(size=n)],
                                dtype="Int64"),
        "need_id": [f"N{i}" if u < 0.5 else None for i, u in enumerate(rng.uniform(size=n))],
        **{c: np.where(docs[:, k], f"f{k}", None) for k, c in enumerate(ranking.DOCUMENTS)},
    })


def test_contributions_sum_to_the_score_with_normalised_weights():
    r = ranking.rank_proposals(_props(30), {k: v * 10 for k, v in W.items()})
    contrib = r[[f"contrib_{c}" for c in W]].sum(axis=1)
    np.testing.assert_allclose(contrib, r["score"])
    # each contribution is the (normalised) weight times the criterion
    for c, w in W.items():
        np.testing.assert_allclose(r[f"contrib_{c}"], w * r[f"crit_{c}"])
    assert r["rank"].tolist() == list(range(1, 31))
    assert (np.diff(r["score"]) <= 0).all()


def test_criteria_by_hand():
    df = pd.DataFrame({
        "project_id": ["a", "b", "c"], "cost_baht": [1e6, 1e6, 4e6],
        "households": [0, 99, 99], "strategy_no": pd.array([1, None, 2], dtype="Int64"),
        "need_id": ["n1", None, None],
        "drawing_ref": ["d", None, "d"], "boq_ref": ["b", None, "b"],
        "photo_ref": ["p", None, None], "land_ref": ["l", None, None]})
    r = ranking.rank_proposals(df, W).set_index("project_id")
    assert r.loc["a", "crit_households"] == 0 and r.loc["b", "crit_households"] == 1
    assert r.loc["b", "crit_cost_effectiveness"] == 1        # 99 households per M baht
    assert r.loc["a", "crit_cost_effectiveness"] == 0
    assert r["crit_strategy_fit"].to_dict() == {"a": 1.0, "b": 0.0, "c": 1.0}
    assert r["readiness"].to_dict() == {"a": 1.0, "b": 0.0, "c": 0.5}
    assert r.loc["a", "missing"] == "" and r.loc["c", "missing"] == (
        "ภาพถ่ายพื้นที่, เอกสารสิทธิ์/หนังสืออนุญาตใช้พื้นที่")
    assert ranking.missing_documents(df, "en").tolist()[1] == (
        "drawings, BOQ, site photos, land documents")


def test_only_readiness_ranks_complete_proposals_first():
    r = ranking.rank_proposals(_props(20), {"readiness": 1})
    assert (np.diff(r["readiness"]) <= 0).all()


def test_documents_table_counts_what_is_missing():
    p = _props(12)
    t = ranking.documents_table(ranking.rank_proposals(p, W), "en").set_index("document")
    assert t.loc["drawings", "missing"] == p["drawing_ref"].isna().sum()
    assert t.loc["all documents present", "missing"] == p[list(ranking.DOCUMENTS)].notna().all(
        axis=1).sum()


def test_bad_weights_and_costs_are_refused():
    with pytest.raises(ValueError, match="unknown priority criterion 'storage'"):
        ranking.rank_proposals(_props(), {"storage": 1})
    with pytest.raises(ValueError, match="negative"):
        ranking.rank_proposals(_props(), {"households": -1, "readiness": 1})
    bad = _props().assign(cost_baht=0.0)
    with pytest.raises(ValueError, match="P00"):
        ranking.rank_proposals(bad, W)
    with pytest.raises(ParamsError, match="ranking.weights"):
        load_params("45", overrides={"ranking": {"weights": {"storage": 1}}})


def test_weights_table_publishes_the_params():
    t = ranking.weights_table(load_params("45").ranking.weights, "th")
    assert t["share"].sum() == pytest.approx(1)
    assert t["name"].iloc[0] == "ครัวเรือนที่ได้ประโยชน์"


def test_sensitivity_is_stable_when_one_criterion_separates_everything():
    # households grow with the index; every other criterion is equal: any weights keep
    # the order, so the whole top stays
    n = 10
    df = pd.DataFrame({"project_id": [f"P{i}" for i in range(n)], "cost_baht": 1e6,
                       "households": np.arange(1, n + 1) * 10,
                       "strategy_no": pd.array([1] * n, dtype="Int64"), "need_id": "N",
                       **{c: "x" for c in ranking.DOCUMENTS}})
    s = ranking.sensitivity(df, {"households": 0.5, "readiness": 0.5}, top_n=3)
    assert len(s) == 4 and (s["kept_share"] == 1).all() and s["same_first"].all()
    assert (s["max_rank_shift"] == 0).all()


def test_sensitivity_reports_a_swap_at_the_edge_of_the_top():
    # a: households only; b: readiness only. With equal weights a wins by a hair
    # (0.5 + 0.01 > 0.5); moving readiness +20 % puts b first.
    df = pd.DataFrame({
        "project_id": ["a", "b", "z"], "cost_baht": 1e6, "households": [100, 0, 0],
        "strategy_no": pd.array([None, None, None], dtype="Int64"), "need_id": None,
        "drawing_ref": [None, "x", None], "boq_ref": [None, "x", None],
        "photo_ref": [None, "x", None], "land_ref": [None, "x", None]})
    w = {"households": 0.51, "readiness": 0.49}
    base = ranking.rank_proposals(df, w)
    assert base["project_id"].tolist()[:2] == ["a", "b"]
    s = ranking.sensitivity(df, w, top_n=1, step=0.2).set_index(["criterion", "change"])
    assert s.loc[("readiness", 0.2), "kept"] == 0
    assert s.loc[("readiness", 0.2), "entered"] == ["b"]
    assert s.loc[("readiness", 0.2), "left"] == ["a"]
    assert not s.loc[("readiness", 0.2), "same_first"]
    assert s.loc[("readiness", -0.2), "kept"] == 1
    assert s.loc[("households", 0.2), "kept"] == 1


def test_sensitivity_arguments_are_checked():
    with pytest.raises(ValueError, match="top_n"):
        ranking.sensitivity(_props(), W, top_n=0)
    with pytest.raises(ValueError, match="step"):
        ranking.sensitivity(_props(), W, step=1.5)


def test_ranking_is_reproducible_on_ties():
    df = _props(8).assign(households=100, cost_baht=1e6, strategy_no=pd.array([1] * 8,
                                                                              dtype="Int64"),
                          need_id="N", **{c: "x" for c in ranking.DOCUMENTS})
    r = ranking.rank_proposals(df.sample(frac=1, random_state=3), W)
    assert r["project_id"].tolist() == sorted(df["project_id"])

"""The two scoring models of the linkage, with fixed parameters (``params: complaints``).

* **Person** — a Splink model (DuckDB backend) of who filed a record: hashed national ID,
  hashed phone, first and last name (Jaro-Winkler), and one *place* comparison in which a
  different house number or หมู่ in the same sub-district counts **against** a match and an
  unknown house is neutral. Blocking is on the capped keys of
  :mod:`oneplan.complaints.blocking`.
* **Matter** — are two candidate records one matter? A Fellegi–Sunter sum of weights over
  the text (trigram Jaccard), the phrases kept (5-gram containment: a paraphrase by
  another officer keeps the place and details), the numbers the texts mention, the category (same code /
  same group / อื่น ๆ on a side / different: evidence, never a gate), the days apart and the
  หมู่. Scored in numpy: the text evidence is a bit-set Jaccard (:mod:`linkage_text`),
  which SQL cannot do at this speed.

Both give a match probability per pair and, for the officer's review list, the level each
comparison was at (:data:`PERSON_LEVELS`, :func:`matter_levels`) — labels, never values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oneplan.complaints import blocking
from oneplan.data.params import ComplaintsParams, MatterModelParams

PERSON_COLUMNS = ("rid", "person_id_hash", "phone_hash", "first_name", "last_name",
                  "address_hash", "house_no_hash", "moo", "subdistrict_code", "district_code")
"""Columns the person model reads (``rid`` is the record's row number in the run)."""

PERSON_LEVELS = {
    "id": ["ID missing", "same ID", "different ID"],
    "phone": ["phone missing", "same phone", "different phone"],
    "first_name": ["first name missing", "same first name", "first name JW≥0.9",
                   "first name JW≥0.75", "different first name"],
    "last_name": ["last name missing", "same last name", "last name JW≥0.9",
                  "last name JW≥0.75", "different last name"],
    "place": ["place missing", "same house", "same sub-district, other หมู่",
              "same sub-district, other house", "same sub-district", "elsewhere"],
}
"""Per person comparison, the label of each Splink level in order of ``gamma`` (the null
level first, then from the strongest down): ``label = levels[len - 1 - gamma]`` for
``gamma >= 0``, ``levels[0]`` for ``gamma = -1``."""


def person_level_label(name: str, gamma: int) -> str:
    """The label of Splink level ``gamma`` of person comparison ``name``."""
    levels = PERSON_LEVELS[name]
    return levels[0] if gamma < 0 else levels[len(levels) - 1 - int(gamma)]


def _mu(m: float, u: float) -> dict:
    return {"m_probability": m, "u_probability": u}


def person_settings(p: ComplaintsParams, *, capped: bool = False):
    """The Splink model of person identity with the fixed parameters of ``p.person``.

    Args:
        capped: block on the capped key columns of
            :func:`oneplan.complaints.blocking.add_capped_keys` (the linkage always does);
            False blocks on the raw keys (for a look at the model alone).
    """
    from splink import SettingsCreator, block_on

    q = p.person
    pm, pu = q.place_m, q.place_u
    same_sub = "subdistrict_code_l = subdistrict_code_r"
    comparisons = [
        {"output_column_name": "id", "comparison_description": "national ID (hash)",
         "comparison_levels": [
             {"sql_condition": "person_id_hash_l IS NULL OR person_id_hash_r IS NULL",
              "label_for_charts": "ID missing", "is_null_level": True},
             {"sql_condition": "person_id_hash_l = person_id_hash_r",
              "label_for_charts": "same ID", **_mu(q.id_m, q.id_u)},
             {"sql_condition": "ELSE", "label_for_charts": "different ID",
              **_mu(1 - q.id_m, 1 - q.id_u)}]},
        {"output_column_name": "phone", "comparison_description": "phone (hash)",
         "comparison_levels": [
             {"sql_condition": "phone_hash_l IS NULL OR phone_hash_r IS NULL",
              "label_for_charts": "phone missing", "is_null_level": True},
             {"sql_condition": "phone_hash_l = phone_hash_r",
              "label_for_charts": "same phone", **_mu(q.phone_m, q.phone_u)},
             {"sql_condition": "ELSE", "label_for_charts": "different phone",
              **_mu(1 - q.phone_m, 1 - q.phone_u)}]},
        _name_comparison("first_name", q.first_name_m, q.first_name_u),
        _name_comparison("last_name", q.last_name_m, q.last_name_u),
        # one comparison for place: house, หมู่ and sub-district are not independent
        # evidence. Column names unquoted: in Spark SQL "x" is a string literal.
        {"output_column_name": "place", "comparison_description":
            "house, else หมู่, else sub-district",
         "comparison_levels": [
             {"sql_condition": "subdistrict_code_l IS NULL OR subdistrict_code_r IS NULL",
              "label_for_charts": "place missing", "is_null_level": True},
             {"sql_condition": f"address_hash_l = address_hash_r OR ({same_sub} AND "
                               "house_no_hash_l = house_no_hash_r AND (moo_l IS NULL OR "
                               "moo_r IS NULL OR moo_l = moo_r))",
              "label_for_charts": "same house", **_mu(pm[0], pu[0])},
             {"sql_condition": f"{same_sub} AND moo_l <> moo_r",
              "label_for_charts": "same sub-district, other หมู่", **_mu(pm[1], pu[1])},
             {"sql_condition": f"{same_sub} AND (house_no_hash_l <> house_no_hash_r OR "
                               "(moo_l IS NOT NULL AND moo_r IS NOT NULL AND "
                               "address_hash_l <> address_hash_r))",
              "label_for_charts": "same sub-district, other house", **_mu(pm[2], pu[2])},
             {"sql_condition": same_sub, "label_for_charts": "same sub-district",
              **_mu(pm[3], pu[3])},
             {"sql_condition": "ELSE", "label_for_charts": "elsewhere", **_mu(pm[4], pu[4])},
         ]},
    ]
    if capped:
        rules = blocking.splink_rules(p.block_cap, p.block_neighbours)
    else:
        rules = [block_on(*r.keys) for r in blocking.RULES]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="rid",
        probability_two_random_records_match=q.prior,
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
        retain_matching_columns=True,  # with the gamma_* levels: the review evidence (only
        # the levels leave the in-memory database, never the compared values)
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=[],
    )


def _name_comparison(col: str, m: list[float], u: list[float]) -> dict:
    label = col.replace("_", " ")
    jw = f"jaro_winkler_similarity({col}_l, {col}_r)"
    return {"output_column_name": col, "comparison_description": f"{label} (Jaro-Winkler)",
            "comparison_levels": [
                {"sql_condition": f"{col}_l IS NULL OR {col}_r IS NULL",
                 "label_for_charts": f"{label} missing", "is_null_level": True},
                {"sql_condition": f"{col}_l = {col}_r", "label_for_charts": f"same {label}",
                 **_mu(m[0], u[0])},
                {"sql_condition": f"{jw} >= 0.9", "label_for_charts": f"{label} JW≥0.9",
                 **_mu(m[1], u[1])},
                {"sql_condition": f"{jw} >= 0.75", "label_for_charts": f"{label} JW≥0.75",
                 **_mu(m[2], u[2])},
                {"sql_condition": "ELSE", "label_for_charts": f"different {label}",
                 **_mu(m[3], u[3])}]}


# --- the matter level ------------------------------------------------------------------

MATTER_LEVELS = {
    "text": ["text J≥{0}", "text J≥{1}", "text J≥{2}", "text J≥{3}", "different text"],
    "phrase": ["phrases C≥{0}", "phrases C≥{1}", "phrases C≥{2}", "phrases C≥{3}",
               "few phrases shared"],
    "numbers": ["numbers on one side only", "same numbers", "different numbers"],
    "category": ["same category", "same category group", "อื่น ๆ (other) on a side",
                 "different category"],
    "days": ["≤{0} days apart", "≤{1} days apart", "≤{2} days apart", "further apart"],
    "moo": ["same หมู่", "หมู่ unknown", "different หมู่"],
}
"""Per matter comparison, its levels' labels (``{i}``: the level's threshold)."""


def matter_levels(feat: dict[str, np.ndarray], q: MatterModelParams) -> dict[str, np.ndarray]:
    """Level index (0 = strongest) of each matter comparison for every candidate pair.

    Args:
        feat: per pair ``sim`` (text Jaccard), ``contain`` (5-gram containment), ``overlap`` (share of numbers shared, NaN
            when a side has none), ``cat`` (0 same code, 1 same group, 2 other on a side,
            3 different), ``days`` (days apart) and ``moo`` (0 same, 1 unknown, 2 different).
    """
    t = np.asarray(q.text_levels)
    sim = feat["sim"]
    text = (sim[:, None] < t[None, :]).sum(axis=1)
    c = np.asarray(q.phrase_levels)
    phrase = (feat["contain"][:, None] < c[None, :]).sum(axis=1)
    ov = feat["overlap"]
    numbers = np.where(np.isnan(ov), 0, np.where(ov >= q.numbers_shared, 1, 2))
    d = np.asarray(q.days_levels)
    days = (feat["days"][:, None] > d[None, :]).sum(axis=1)
    return {"text": text, "phrase": phrase, "numbers": numbers, "category": feat["cat"].astype(np.int64),
            "days": days, "moo": feat["moo"].astype(np.int64)}


def matter_probability(levels: dict[str, np.ndarray], anonymous: np.ndarray,
                       q: MatterModelParams) -> np.ndarray:
    """Match probability of each candidate pair: the prior of its kind (one person, or an
    anonymous side) times the Bayes factors ``m/u`` of its levels."""
    logit = np.where(anonymous, np.log(q.prior_anonymous / (1 - q.prior_anonymous)),
                     np.log(q.prior_person / (1 - q.prior_person)))
    for name in MATTER_LEVELS:
        m = np.asarray(getattr(q, f"{name}_m"))
        u = np.asarray(getattr(q, f"{name}_u"))
        logit = logit + np.log(m / u)[levels[name]]
    return 1 / (1 + np.exp(-logit))


def matter_labels(q: MatterModelParams) -> dict[str, list[str]]:
    """The level labels of the matter comparisons with their thresholds filled in."""
    out = {}
    for name, labels in MATTER_LEVELS.items():
        th = (q.text_levels if name == "text" else q.phrase_levels if name == "phrase"
              else q.days_levels if name == "days" else [])
        out[name] = [lab.format(*th) for lab in labels]
    return out


def category_level(cat_l: pd.Series, cat_r: pd.Series, groups: dict[str, str]) -> np.ndarray:
    """0 same code, 1 same group, 2 ``other`` (อื่น ๆ) on a side, 3 different."""
    a, b = cat_l.to_numpy(dtype=object), cat_r.to_numpy(dtype=object)
    ga = pd.Series(a).map(groups).fillna(pd.Series(a)).to_numpy(dtype=object)
    gb = pd.Series(b).map(groups).fillna(pd.Series(b)).to_numpy(dtype=object)
    other = (a == "other") | (b == "other") | (ga == "other") | (gb == "other")
    return np.where(a == b, 0, np.where(other, 2, np.where(ga == gb, 1, 3))).astype(np.int64)

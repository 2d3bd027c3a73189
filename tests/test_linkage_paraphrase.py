"""Paraphrases of one matter (issue 14): the first generator retells copies the way another
agency's officer would, the phrase comparison (5-gram containment) lets such copies meet,
and one person's different matter of the same category in the same village still stays
apart. Synthetic data only."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from oneplan.complaints import linkage
from oneplan.complaints.linkage_text import (containment_bits, jaccard_bits, number_bits,
                                             number_overlap, phrase_bits, text_bits)
from oneplan.data.params import load_params
from oneplan.samples import feeds as generate

sys.path.insert(0, str(Path(__file__).parent))
from test_linkage_evidence import rec  # noqa: E402

# one matter told twice: a villager's own words, and an officer's retelling (reordered,
# abbreviated, another facet, courtesy added, the duration remembered differently)
OWN = ("ถนนลาดยางหน้าวัดบ้านโนนแก หมู่ 4 ชำรุดเป็นหลุมเป็นบ่อ มา 5 วันแล้ว "
       "ขอให้ซ่อมแซมโดยด่วน")
RETOLD = ("ได้รับแจ้งจากผู้ร้องว่า ถ.ลาดยาง เสียหายเป็นหลุมเป็นบ่อ บริเวณหน้าวัดบ้านโนนแก ม.4 "
          "ตั้งแต่ 1 สัปดาห์ก่อน อยากให้ซ่อมแซมโดยด่วน จะเป็นพระคุณอย่างสูง")
# the same person's other road matter in the same village ten days later
OTHER = ("ถนนคอนกรีตข้างโรงสีข้าวบ้านโนนแก หมู่ 4 แตกร้าวเสียหายหนัก ซอย 9 "
         "ขอให้เร่งซ่อมถนน")


def test_first_generator_retells_copies():
    """Later copies are retold: another wording of the same matter (low trigram Jaccard
    for some), abbreviations, the officer's courtesy phrases, related categories; the
    matter's landmark stays in every copy."""
    r = generate.generate(4000, ["40"], seed=3).records
    multi = r[r.groupby("truth_matter")["truth_matter"].transform("size") > 1]
    assert len(multi) > 1000
    opens = tuple(o.strip() for o in generate.RETELL_OPEN if o.strip())
    retold = r["text"].str.startswith(opens) | r["text"].str.contains("ถ.|ซ.|ร.ร.", regex=False)
    assert retold.mean() > 0.05
    # copies of one matter differ in wording, yet share the landmark (kind + village)
    by_matter = multi.groupby("truth_matter")["text"]
    assert (by_matter.nunique() > 1).mean() > 0.9
    village = "บ้าน(?:{})(?:{})".format("|".join(generate.VILLAGE_HEAD),
                                        "|".join(generate.VILLAGE_TAIL))
    land = multi["text"].str.extract(f"({village})")[0]
    assert land.notna().all()
    assert (land.groupby(multi["truth_matter"]).nunique() == 1).all()
    # some copies of one matter are filed under another category
    assert (multi.groupby("truth_matter")["category"].nunique() > 1).any()
    # first and surnames are skewed: the most common first name is far above the median
    counts = r.drop_duplicates("truth_person")["first_name"].value_counts()
    assert counts.iloc[0] > 4 * counts.median()


def test_phrase_containment_sees_a_retelling_that_jaccard_misses():
    texts = [OWN, RETOLD, OTHER]
    jac = jaccard_bits(text_bits(texts), np.array([0]), np.array([1]))[0]
    cont = containment_bits(phrase_bits(texts), np.array([0, 0]), np.array([1, 2]))
    assert cont[0] > cont[1] + 0.1          # the retelling keeps more phrases than OTHER
    assert cont[0] > jac                    # and containment sees more than Jaccard
    # how long it lasted is no number that must agree (5 วัน / 1 สัปดาห์ are left out)
    nums = number_bits(texts)
    assert number_overlap(nums, np.array([0]), np.array([1]))[0] == 1.0
    assert number_bits([OWN.replace("มา 5 วันแล้ว", "นาน 3 เดือน")])[0] == nums[0]
    assert number_bits([OWN.replace("หมู่ 4", "หมู่ 7")])[0] != nums[0]


def test_two_retellings_of_one_matter_link_and_other_matter_stays_apart():
    """One person: a matter and its retelling at another agency, filed as อื่น ๆ there,
    6 days apart, link; the person's other road matter in the same village 10 days later
    (same category) does not join them."""
    out = _run([rec("a:1", "2026-11-02", "road", OWN, person_id_hash="id1"),
                rec("b:1", "2026-11-08", "other", RETOLD, person_id_hash="id1"),
                rec("c:1", "2026-11-12", "road", OTHER, person_id_hash="id1")])
    assert out["person_key"].nunique() == 1
    assert out.loc["a:1", "cluster_id"] == out.loc["b:1", "cluster_id"]
    assert out.loc["c:1", "cluster_id"] != out.loc["a:1", "cluster_id"]


def test_a_pair_scored_apart_is_not_chained_through_a_third_record():
    """A vague third record that is close to both matters must not glue them into one:
    the pair of clearly different matters is a cannot-link."""
    vague = "ถนนหน้าวัดบ้านโนนแก หมู่ 4 ชำรุด ข้างโรงสีข้าวบ้านโนนแก แตกร้าว ขอให้ซ่อมแซม"
    out = _run([rec("a:1", "2026-11-02", "road", OWN, person_id_hash="id1"),
                rec("c:1", "2026-11-12", "road", OTHER, person_id_hash="id1"),
                rec("v:1", "2026-11-07", "road", vague, person_id_hash="id1")])
    assert out.loc["a:1", "cluster_id"] != out.loc["c:1", "cluster_id"]


def _run(rows):
    frame = pd.DataFrame(rows).astype({"moo": "Int64"})
    out, _ = linkage.link_frames(None, frame, load_params().complaints)
    return out.set_index("complaint_id")

"""Thai normalisation of names, phones, IDs, addresses and text."""

import pandas as pd

from oneplan.complaints import linkage
from oneplan.complaints import normalise as nz


def test_titles_are_dropped_from_names():
    s = pd.Series(["นางสาวสมศรี ใจดี", "น.ส. สมศรี  ใจดี", "นาง สมศรี ใจดี", "นายสมชาย ใจดี", None])
    parts = nz.split_name(s)
    assert parts["first_name"].tolist()[:3] == ["สมศรี"] * 3
    assert parts["first_name"][3] == "สมชาย"
    assert parts["last_name"].tolist()[:4] == ["ใจดี"] * 4
    assert pd.isna(parts["first_name"][4])


def test_phone_formats_become_one():
    s = pd.Series(["081-234-5678", "+66 81 234 5678", "66812345678", "๐๘๑๒๓๔๕๖๗๘",
                   "081 234 5678 ต่อ 12", "12345", None])
    out = nz.phones(s)
    assert out.tolist()[:5] == ["0812345678"] * 5
    assert out[5:].isna().all()


def test_national_ids_need_a_valid_check_digit():
    out = nz.national_ids(pd.Series(["1-1017-00230-70-8", "1101700230709", "12", None]))
    assert out[0] == "1101700230708"
    assert out[1:].isna().all()


def test_address_abbreviations():
    s = pd.Series(["12/3 หมู่ที่ 4 ตำบลในเมือง", "12/3 ม.4 ต.ในเมือง", "บ้านเลขที่ 12/3 หมู่ 4"])
    assert nz.moo_from_address(s).tolist() == [4, 4, 4]
    assert nz.house_from_address(s).tolist() == ["12/3"] * 3
    assert nz.address(s)[0] == nz.address(s)[1] == "12/3 ม.4 ต.ในเมือง"


def test_text_key_ignores_tone_marks_boilerplate_and_abbreviations():
    a, b = nz.text_keys(["เรียน ผู้ว่าราชการจังหวัด ไฟฟ้าดับ หมู่ที่ 4 ขอบคุณครับ",
                         "ไฟฟาดับ ม.4"])
    assert a == b == "ไฟฟาดับม4"
    assert nz.text_key(pd.Series(["ไฟฟ้าดับ หมู่ 4"]))[0] == "ไฟฟาดับม4"


def test_similar_texts_score_higher_than_different_ones():
    bits = linkage.text_bits(["ถนนลาดยางซอย 5 หมู่ 3 ชำรุดเป็นหลุมเป็นบ่อ ขอให้ซ่อมแซม",
                              "ขอให้เร่งซ่อมถนน เนื่องจากถนนลาดยางซอย 5 ม.3 ชำรุดเป็นหลุมเป็นบ่อ",
                              "น้ำประปาไม่ไหลหลายวัน โซน 2 หมู่ 7"])
    import numpy as np

    sim = linkage.jaccard_bits(bits, np.array([0, 0]), np.array([1, 2]))
    assert sim[0] > 0.5 > 0.1 > sim[1]

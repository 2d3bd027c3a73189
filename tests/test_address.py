"""Free-text Thai addresses read into DOPA sub-district codes (complaints/address.py).

Expected codes come from geothai.match on the separated names (its own exact matcher), so
the table checks the parser against the real register, not against numbers typed here.
"""

import geothai
import pandas as pd
import pytest

from oneplan.complaints import address


def code(sub: str, dist: str, prov: str) -> str:
    """The one real sub-district code of three written-out names."""
    found = geothai.match(sub, district=dist, province=prov)
    assert len(found) == 1, (sub, dist, prov, found)
    return found[0].subdistrict.code


TANG_CHAI = code("ตั้งใจ", "เมืองสุรินทร์", "สุรินทร์")
SALAKDAI = code("สลักได", "เมืองสุรินทร์", "สุรินทร์")
NONG_BUA_THA_TUM = code("หนองบัว", "ท่าตูม", "สุรินทร์")
NONG_BUA_SIKHORAPHUM = code("หนองบัว", "ศีขรภูมิ", "สุรินทร์")
LAT_YAO = code("ลาดยาว", "จตุจักร", "กรุงเทพมหานคร")
SI_PHUM = code("ศรีภูมิ", "เมืองเชียงใหม่", "เชียงใหม่")
SI_NARONG_SUB = code("ศรีณรงค์", "ชุมพลบุรี", "สุรินทร์")
NAI_MUEANG_KK = code("ในเมือง", "เมืองขอนแก่น", "ขอนแก่น")
BAN_YANG_PHUTTHAISONG = code("บ้านยาง", "พุทไธสง", "บุรีรัมย์")
THANON_PHO = code("ถนนโพธิ์", "โนนไทย", "นครราชสีมา")
PO_PHAN = code("ปอภาร (ปอพาน)", "เมืองร้อยเอ็ด", "ร้อยเอ็ด")
PA_AO = code("ปะอาว", "เมืองอุบลราชธานี", "อุบลราชธานี")

# (text, province hint, expected sub-district, expected house, expected หมู่, methods allowed)
CASES = [
    # the usual forms
    ("66 ม.2 ต.ตั้งใจ อ.เมืองสุรินทร์ จ.สุรินทร์", None, TANG_CHAI, "66", 2, {"exact"}),
    ("บ้านเลขที่ 66 หมู่ที่ 2 ตำบลตั้งใจ อำเภอเมืองสุรินทร์ จังหวัดสุรินทร์", None, TANG_CHAI,
     "66", 2, {"exact"}),
    ("เลขที่ 66/1 หมู่ 2 ต.ตั้งใจ อ.เมืองสุรินทร์", "32", TANG_CHAI, "66/1", 2, {"exact"}),
    ("66 ม. 2 ต. ตั้งใจ อ. เมืองสุรินทร์ จ. สุรินทร์", None, TANG_CHAI, "66", 2, {"exact"}),
    ("66 หมู่ 2 ตำบล ตั้งใจ อำเภอ เมืองสุรินทร์ จังหวัด สุรินทร์ 32000", None, TANG_CHAI, "66", 2,
     {"exact"}),
    # Thai digits
    ("๖๖ ม.๒ ต.ตั้งใจ อ.เมืองสุรินทร์ จ.สุรินทร์", None, TANG_CHAI, "66", 2, {"exact"}),
    ("บ้านเลขที่ ๑๒/๓ หมู่ที่ ๑๕ ต.สลักได อ.เมืองสุรินทร์", "32", SALAKDAI, "12/3", 15, {"exact"}),
    # no spaces
    ("66ม.2ต.ตั้งใจอ.เมืองสุรินทร์จ.สุรินทร์", None, TANG_CHAI, "66", 2, {"exact"}),
    ("66หมู่2ตำบลตั้งใจอำเภอเมืองสุรินทร์จังหวัดสุรินทร์", None, TANG_CHAI, "66", 2, {"exact"}),
    ("66ม.2ต.ตั้งใจอ.เมืองจ.สุรินทร์", None, TANG_CHAI, "66", 2, {"abbreviation"}),
    # อ.เมือง with the province written or hinted
    ("66 ม.2 ต.ตั้งใจ อ.เมือง จ.สุรินทร์", None, TANG_CHAI, "66", 2, {"abbreviation"}),
    ("66 ม.2 ต.ตั้งใจ อ.เมือง", "32", TANG_CHAI, "66", 2, {"abbreviation"}),
    ("ต.ในเมือง อ.เมือง จ.ขอนแก่น", None, NAI_MUEANG_KK, None, None, {"abbreviation"}),
    ("ต.ศรีภูมิ อ.เมือง จ.เชียงใหม่ 50200", None, SI_PHUM, None, None, {"abbreviation"}),
    ("ต.ศรีภูมิ อ.เมืองเชียงใหม่", "เชียงใหม่", SI_PHUM, None, None, {"exact"}),
    # missing parts
    ("66 ม.2 ต.ตั้งใจ", "32", TANG_CHAI, "66", 2, {"exact"}),
    ("ต.ตั้งใจ", "สุรินทร์", TANG_CHAI, None, None, {"exact"}),
    ("ต.สลักได จ.สุรินทร์", None, SALAKDAI, None, None, {"exact"}),
    ("12 ม.4 ต.หนองบัว อ.ท่าตูม", "32", NONG_BUA_THA_TUM, "12", 4, {"exact"}),
    ("ม.4 ต.หนองบัว อ.ศีขรภูมิ จ.สุรินทร์", None, NONG_BUA_SIKHORAPHUM, None, 4, {"exact"}),
    # names without markers
    ("ตั้งใจ เมืองสุรินทร์ สุรินทร์", None, TANG_CHAI, None, None, {"exact"}),
    ("66 ม.2 ตั้งใจ เมืองสุรินทร์", "32", TANG_CHAI, "66", 2, {"exact"}),
    # Bangkok: แขวง/เขต, กทม, กรุงเทพฯ, no spaces
    ("99/1 แขวงลาดยาว เขตจตุจักร กรุงเทพฯ 10900", None, LAT_YAO, "99/1", None, {"exact"}),
    ("99/1 แขวงลาดยาว เขตจตุจักร กรุงเทพมหานคร", "32", LAT_YAO, "99/1", None, {"exact"}),
    ("แขวงลาดยาว เขตจตุจักร กทม.", None, LAT_YAO, None, None, {"exact"}),
    ("แขวงลาดยาวเขตจตุจักรกทม.", None, LAT_YAO, None, None, {"exact"}),
    # a sub-district whose name is also a district's
    ("ต.ศรีณรงค์ อ.ชุมพลบุรี จ.สุรินทร์", None, SI_NARONG_SUB, None, None, {"exact"}),
    # typos (tone marks, confusable letters, a slip in a marker word)
    ("66 ม.2 ต.ตั้งไจ อ.เมือง จ.สุรินทร์", None, TANG_CHAI, "66", 2, {"fuzzy"}),
    ("66 ม.2 ต.ตังใจ อ.เมืองสุรินทร์", "32", TANG_CHAI, "66", 2, {"fuzzy"}),
    ("ต.สลักไดร อ.เมืองสุรินทร์ จ.สุรินทร์", None, SALAKDAI, None, None, {"fuzzy"}),
    ("ตำบน ตั้งใจ อำเภอ เมืองสุรินทร์ จังหวัดสุรินท", None, TANG_CHAI, None, None, {"fuzzy"}),
    ("ต.ตั้งใจ อ.เมืองสุรินทร์ จ.สุรินทน์", None, TANG_CHAI, None, None, {"fuzzy"}),
    ("ต.ศรีภูม อ.เมือง จ.เชียงใหม่", None, SI_PHUM, None, None, {"fuzzy"}),
    # names that look like markers or hold a second spelling
    ("15 หมู่ 2 ตำบล ถนนโพธิ์ อำเภอ โนนไทย จังหวัด นครราชสีมา", None, THANON_PHO, "15", 2,
     {"exact"}),
    ("8 หมู่ 2 ต.ปอภาร (ปอพาน) อ.เมือง จ.ร้อยเอ็ด", None, PO_PHAN, "8", 2, {"abbreviation"}),
    ("8 หมู่ 2 ต.ปอพาน อ.เมืองร้อยเอ็ด", None, PO_PHAN, "8", 2, {"exact"}),
    # อ.เมือง with no province: a name found in one capital district only
    ("24 หมู่ 9 ต.ปะอาว อ.เมือง", None, PA_AO, "24", 9, {"abbreviation"}),
    # the same name in several districts and nothing to choose
    ("ต.บ้านยาง จ.บุรีรัมย์", None, None, None, None, {"none"}),
]


@pytest.mark.parametrize("text,hint,expected,house,moo,methods", CASES,
                         ids=[c[0][:40] for c in CASES])
def test_real_address_forms(text, hint, expected, house, moo, methods):
    row = address.parse(pd.Series([text]), province_hint=hint).iloc[0]
    assert row["subdistrict_code"] == expected
    assert row["method"] in methods
    assert (row["house_no"] if row["house_no"] is not None else None) == house
    assert (None if pd.isna(row["moo"]) else int(row["moo"])) == moo
    if expected:
        assert row["district_code"] == expected[:4] and row["province_code"] == expected[:2]
        assert 0.5 <= row["confidence"] <= 1.0
    else:
        assert row["confidence"] == 0.0


def test_table_has_thirty_forms():
    assert len(CASES) >= 30


def test_full_written_address_is_fully_confident_and_missing_parts_lower_it():
    out = address.parse(pd.Series([
        "66 ม.2 ต.ตั้งใจ อ.เมืองสุรินทร์ จ.สุรินทร์",   # everything
        "66 ม.2 ต.ตั้งใจ",                               # the file's province only
        "66 ม.2 ต.ตั้งไจ อ.เมืองสุรินทร์",               # a slip
        "ต.ตั้งใจ อ.ปราสาท",                             # a district that does not hold it
    ]), province_hint="32")
    conf = out["confidence"].tolist()
    assert (out["subdistrict_code"] == TANG_CHAI).all()
    assert conf[0] == 1.0
    assert conf[0] > conf[1] > conf[3]
    assert conf[0] > conf[2]
    assert conf[3] <= 0.6


@pytest.mark.parametrize("text,hint", [
    ("ต.หนองบัว", "32"),                      # in ท่าตูม and ศีขรภูมิ
    ("ต.หนองบัว จ.สุรินทร์", None),
    ("12 ม.3 ต.หนองบัว", None),               # 28 districts in the country
    ("ต.ในเมือง", None),
    ("ต.ในเมือง จ.ขอนแก่น", None),            # three districts of Khon Kaen
    ("ต.ในเมือง อ.เมือง", None),              # which province's เมือง?
    ("ต.ศรีสุข จ.สุรินทร์", None),            # สำโรงทาบ and ศรีณรงค์
    ("ต.บ้านยาง อ.เมือง", None),
    ("ต.หนองบัว อ.เมือง", None),              # in several capital districts
    ("21 หมู่ 5 ต.หนอบัว อ.เมือง", None),     # a slip, in no province: not guessed
    ("ต.นาดรนดำ อ.เมือง", None),
])
def test_ambiguous_names_give_no_code(text, hint):
    row = address.parse(pd.Series([text]), province_hint=hint).iloc[0]
    assert row["subdistrict_code"] is None
    assert row["method"] == "none"
    assert row["confidence"] == 0.0


def test_ambiguous_name_keeps_the_province_it_is_sure_of():
    row = address.parse(pd.Series(["ต.หนองบัว"]), province_hint="32").iloc[0]
    assert row["province_code"] == "32" and row["district_code"] is None


def test_district_hint_decides_between_same_named_places():
    texts = pd.Series(["ต.หนองบัว", "ต.หนองบัว", "ต.หนองบัว", "ต.บ้านยาง"])
    hints = pd.Series(["3203", "ศีขรภูมิ", None, "พุทไธสง"])
    out = address.parse(texts, province_hint="32", district_hint=hints)
    assert out["subdistrict_code"].tolist()[:3] == [NONG_BUA_THA_TUM, NONG_BUA_SIKHORAPHUM, None]
    assert out["method"].tolist()[:2] == ["hint", "hint"]
    assert 0.5 < out["confidence"][0] < 1.0
    # a hint that is no district of the file's province is ignored, and Surin has no
    # บ้านยาง (its ต.ยาง in ศีขรภูมิ is another name, not a part of this one)
    assert out["subdistrict_code"][3] is None


def test_a_slip_close_to_two_names_is_not_guessed():
    # ศรีสุข is in two districts of Surin; a slip of it must not pick one of them
    row = address.parse(pd.Series(["ต.ศรีสุก จ.สุรินทร์"])).iloc[0]
    assert row["subdistrict_code"] is None


def test_nothing_to_read():
    out = address.parse(pd.Series(["", None, "ไม่ทราบที่อยู่", "12 ม.3", "ต.xyz"], index=[5, 6, 7, 8, 9]),
                        province_hint="32")
    assert list(out.index) == [5, 6, 7, 8, 9]
    assert out["subdistrict_code"].isna().all()
    assert (out["method"] == "none").all() and (out["confidence"] == 0).all()
    assert out.loc[8, "house_no"] == "12" and out.loc[8, "moo"] == 3
    assert (out["province_code"] == "32").all()


def test_columns_and_types():
    out = address.parse(pd.Series(["66 ม.2 ต.ตั้งใจ อ.เมืองสุรินทร์ จ.สุรินทร์", None]))
    assert list(out.columns) == ["house_no", "moo", "subdistrict_code", "district_code",
                                 "province_code", "confidence", "method"]
    assert str(out["moo"].dtype) == "Int64"
    assert out["confidence"].dtype == float
    assert set(out["method"]) <= set(address.METHODS)


def test_repeated_strings_are_read_once_and_give_the_same_answer():
    texts = pd.Series(["66 ม.2 ต.ตั้งใจ อ.เมือง", "67 ม.2 ต.ตั้งใจ อ.เมือง"] * 5000)
    out = address.parse(texts, province_hint="32")
    assert (out["subdistrict_code"] == TANG_CHAI).all()
    assert out["house_no"].tolist()[:2] == ["66", "67"]


def test_every_real_sub_district_name_of_a_province_is_read_back():
    # all sub-districts of Surin written out in full come back with their own code
    rows = [(s.code, f"1 ม.1 ต.{s.name_th} อ.{d.name_th} จ.สุรินทร์")
            for d in geothai.districts("32") for s in geothai.subdistricts(d.code)]
    out = address.parse(pd.Series([t for _, t in rows]))
    assert out["subdistrict_code"].tolist() == [c for c, _ in rows]
    assert (out["confidence"] == 1.0).all()

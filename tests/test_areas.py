import pytest

from oneplan.core import areas


def test_counts_match_dopa():
    assert len(areas.all_provinces()) == 77
    assert len(areas.planning_provinces()) == 76
    assert areas.BANGKOK not in {p.code for p in areas.planning_provinces()}
    assert sum(len(areas.districts(p.code)) for p in areas.all_provinces()) == 928


def test_province_names_and_region():
    kk = areas.province("40")
    assert (kk.name_th, kk.name_en, kk.region) == ("ขอนแก่น", "Khon Kaen", "northeast")
    assert areas.province("32").name_th == "สุรินทร์"
    assert areas.province("45").name_th == "ร้อยเอ็ด"


def test_every_province_has_a_region():
    assert {p.region for p in areas.all_provinces()} <= set(areas.REGION_NAMES)


def test_unknown_code_says_how_to_list():
    with pytest.raises(areas.UnknownAreaError, match="oneplan provinces"):
        areas.province("99")


def test_integer_code_is_rejected_with_the_string_form():
    # papermill `-p province_code 01` arrives as the integer 1
    with pytest.raises(areas.UnknownAreaError, match="'01'"):
        areas.province(1)


def test_village_code_roundtrip():
    assert areas.village_code("400101", 3) == "40010103"
    assert areas.split_village_code("40010103") == ("400101", 3)
    with pytest.raises(areas.UnknownAreaError):
        areas.village_code("400101", 0)


def test_subdistricts_of_a_real_district():
    subs = areas.subdistricts("4001")
    assert subs and all(s.code.startswith("4001") and len(s.code) == 6 for s in subs)
    with pytest.raises(areas.UnknownAreaError):
        areas.subdistricts("4099")

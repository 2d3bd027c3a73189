"""Thailand's administrative areas with their real DOPA codes.

Provinces, districts and sub-districts come from the maintained ``geothai`` package
(77 provinces incl. Bangkok, 928 districts, 7,436 sub-districts, Thai and English names).
Villages have no public register in that package: a village code is the sub-district code
plus the two-digit หมู่ที่ (``village_code("400101", 3) == "40010103"``).

The "76 provinces" of provincial planning are the 77 codes without Bangkok (10), which is
governed as a special local administration; :func:`planning_provinces` returns them and
:func:`planning_province` refuses Bangkok with the reason (it is administered by the Bangkok
Metropolitan Administration, not as a Ministry of Interior province with a provincial
development plan, and the sample holds no water, plan or complaint data for it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import geothai

from oneplan.core.errors import UserError, message

BANGKOK = "10"

# Regions by DOPA province code, for grouping and filtering (the north includes the lower
# north, 60-67; the west is 70, 71, 76, 77).
_REGIONS: dict[str, tuple[str, ...]] = {
    "north": ("50", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62",
              "63", "64", "65", "66", "67"),
    "northeast": ("30", "31", "32", "33", "34", "35", "36", "37", "38", "39", "40", "41",
                  "42", "43", "44", "45", "46", "47", "48", "49"),
    "central": ("10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "26", "72",
                "73", "74", "75"),
    "east": ("20", "21", "22", "23", "24", "25", "27"),
    "west": ("70", "71", "76", "77"),
    "south": ("80", "81", "82", "83", "84", "85", "86", "90", "91", "92", "93", "94", "95",
              "96"),
}
REGION_NAMES = {
    "north": ("ภาคเหนือ", "North"),
    "northeast": ("ภาคตะวันออกเฉียงเหนือ", "Northeast"),
    "central": ("ภาคกลาง", "Central"),
    "east": ("ภาคตะวันออก", "East"),
    "west": ("ภาคตะวันตก", "West"),
    "south": ("ภาคใต้", "South"),
}
_REGION_OF = {code: region for region, codes in _REGIONS.items() for code in codes}


class UnknownAreaError(UserError, ValueError):
    """An area code that is not a current DOPA code (a user error: exit 2)."""


class NotAPlanningProvinceError(UnknownAreaError):
    """Bangkok (10) where a province with a provincial development plan is needed."""


@dataclass(frozen=True)
class Province:
    """A province: DOPA code, Thai and English names, region code."""

    code: str
    name_th: str
    name_en: str
    region: str

    @property
    def region_th(self) -> str:
        """The Thai name of the province's region."""
        return REGION_NAMES[self.region][0]


def _check_code(code: object, digits: int, level: str) -> str:
    if isinstance(code, int) and not isinstance(code, bool):
        # papermill/YAML turn "01" into 1; a province code is a string of two digits.
        raise UnknownAreaError(
            f"{level} code {code!r} is a number; write it as a quoted string of {digits} "
            f"digits, e.g. '{code:0{digits}d}'"
        )
    text = str(code).strip()
    if not re.fullmatch(rf"\d{{{digits}}}", text):
        raise UnknownAreaError(f"{level} code {code!r} is not {digits} digits")
    return text


@lru_cache(maxsize=1)
def _provinces() -> dict[str, Province]:
    out = {}
    for p in geothai.provinces():
        out[p.code] = Province(p.code, p.name_th, p.name_en, _REGION_OF[p.code])
    return out


def all_provinces() -> list[Province]:
    """All 77 province-level areas (Bangkok included), sorted by code."""
    return list(_provinces().values())


def planning_provinces() -> list[Province]:
    """The 76 provinces that make a provincial development plan (all but Bangkok)."""
    return [p for p in _provinces().values() if p.code != BANGKOK]


def province(code: object) -> Province:
    """One province by its two-digit DOPA code.

    Raises:
        UnknownAreaError: the code is not a province; the message says how to list them.
    """
    text = _check_code(code, 2, "province")
    try:
        return _provinces()[text]
    except KeyError:
        raise UnknownAreaError(
            f"no province has code {text!r}; list the valid codes with `oneplan provinces`"
        ) from None


def planning_province(code: object) -> Province:
    """One of the 76 provinces that make a provincial development plan, by its code.

    Raises:
        UnknownAreaError: the code is not a province.
        NotAPlanningProvinceError: the code is Bangkok (10); the message gives the reason
            (Thai / English, ``core/text/areas.yml``).
    """
    p = province(code)
    if p.code == BANGKOK:
        raise NotAPlanningProvinceError(message("core.areas.bangkok.refused"))
    return p


def planning_note(code: str) -> str:
    """Why a province makes no provincial plan (Thai / English), or ``""`` for the 76 that do
    (``oneplan provinces --all`` shows it beside Bangkok)."""
    return message("core.areas.bangkok.note") if code == BANGKOK else ""


def districts(province_code: str) -> list[geothai.types.District]:
    """Districts (อำเภอ/เขต) of a province, sorted by code."""
    return geothai.districts(province(province_code).code)


def subdistricts(district_code: str) -> list[geothai.types.Subdistrict]:
    """Sub-districts (ตำบล/แขวง) of a district, sorted by code."""
    text = _check_code(district_code, 4, "district")
    if geothai.district(text) is None:
        raise UnknownAreaError(f"no district has code {text!r}")
    return geothai.subdistricts(text)


def village_code(subdistrict_code: str, moo: int) -> str:
    """Eight-digit village code: sub-district code + two-digit หมู่ที่ (1–99)."""
    text = _check_code(subdistrict_code, 6, "sub-district")
    if not 1 <= int(moo) <= 99:
        raise UnknownAreaError(f"หมู่ที่ {moo} is outside 1–99")
    return f"{text}{int(moo):02d}"


def split_village_code(code: str) -> tuple[str, int]:
    """Inverse of :func:`village_code`: ``"40010103"`` → ``("400101", 3)``."""
    text = _check_code(code, 8, "village")
    return text[:6], int(text[6:])


def geography_version() -> str:
    """Release of the GeoThai data behind the codes (for provenance)."""
    return geothai.DATA_VERSION

"""Shared vocabularies of the plan data (needs, proposals, follow-up): the codes stored in
the database and their Thai and English names.

Importers accept a code, its Thai name or its English name (see :func:`lookup`); reports
show the name in the report's language. Codes never change once data is stored with them.
"""

from __future__ import annotations

from oneplan.core.text import LANGS, check_lang, pairs


NEED_CATEGORIES: dict[str, tuple[str, str]] = pairs("core.vocab.need_categories")
"""Need and proposal categories: code -> (Thai, English)."""

AUTHORITY_LEVELS: dict[str, tuple[str, str]] = pairs("core.vocab.authority_levels")
"""Who a need belongs to, as sorted by the กบต./กบอ. committees: code -> (Thai, English)."""

NEED_STAGES: dict[str, tuple[str, str]] = pairs("core.vocab.need_stages")
"""Committee stages of a village need, in order; the last two end a need early."""

PROPOSAL_STATUSES: dict[str, tuple[str, str]] = pairs("core.vocab.proposal_statuses")
"""Statuses of an agency's project proposal, in order: code -> (Thai, English)."""

AGENCY_LEVELS: dict[str, tuple[str, str]] = pairs("core.vocab.agency_levels")
"""Levels of government an agency belongs to: code -> (Thai, English)."""

LAO_TYPES: dict[str, tuple[str, str]] = pairs("core.vocab.lao_types")
"""Kinds of local administrative organisation: code -> (Thai, English)."""

FUND_SOURCES: dict[str, tuple[str, str]] = pairs("core.vocab.fund_sources")
"""Budgets that may fund a water project (``water_projects.fund_sources``, the plan's
``fund_source``): code -> (Thai, English)."""


class UnknownTermError(ValueError):
    """A value that is not a code or a name of the vocabulary."""


def term_key(text: str) -> str:
    """``text`` as a lookup key: zero-width spaces dropped, spaces collapsed, case folded."""
    return " ".join(str(text).replace("\u200b", "").split()).casefold()


def lookup(vocabulary: dict[str, tuple[str, str]], value: str) -> str:
    """The code for ``value``, given as a code, a Thai name or an English name
    (case, repeated spaces and zero-width spaces ignored).

    Raises:
        UnknownTermError: ``value`` is none of them; the message lists the codes.
    """
    key = term_key(value)
    for code, names in vocabulary.items():
        if key == code.casefold() or key in (term_key(n) for n in names):
            return code
    raise UnknownTermError(f"{value!r} is not one of: " + ", ".join(
        f"{code} ({names[0]})" for code, names in vocabulary.items()))


def name(vocabulary: dict[str, tuple[str, str]], code: str, lang: str = "th") -> str:
    """The Thai (``lang='th'``) or English name of ``code``; the code itself if unknown."""
    names = vocabulary.get(code)
    if names is None:
        return code
    return names[LANGS.index(check_lang(lang))]


ZONE_TH = {"upstream": "ต้นน้ำ", "midstream": "กลางน้ำ", "downstream": "ปลายน้ำ"}
"""Thai names of the zones of a river basin (``subdistrict_water.zone``)."""

BASIN_EN = {
    "ปิง": "Ping", "วัง": "Wang", "ยม": "Yom", "น่าน": "Nan", "กก": "Kok",
    "โขงเหนือ": "Northern Mekong", "ชี": "Chi", "มูล": "Mun",
    "โขงตะวันออกเฉียงเหนือ": "Northeastern Mekong", "เจ้าพระยา": "Chao Phraya",
    "ท่าจีน": "Tha Chin", "ป่าสัก": "Pa Sak", "สะแกกรัง": "Sakae Krang",
    "บางปะกง": "Bang Pakong", "ปราจีนบุรี": "Prachin Buri", "โตนเลสาบ": "Tonle Sap",
    "ชายฝั่งทะเลตะวันออก": "East Coast", "แม่กลอง": "Mae Klong", "เพชรบุรี": "Phetchaburi",
    "ชายฝั่งทะเลตะวันตก": "West Coast", "ตาปี": "Tapi", "ทะเลสาบสงขลา": "Songkhla Lake",
    "ปัตตานี": "Pattani", "ภาคใต้ฝั่งตะวันออก": "Southern East Coast",
    "ภาคใต้ฝั่งตะวันตก": "Southern West Coast", "พอง": "Phong", "เชิญ": "Choen",
}
"""English names of the river basins the sample uses (main basins of Thailand and Khon
Kaen's rivers), by Thai name."""

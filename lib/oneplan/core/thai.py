"""Thai locale helpers: Buddhist-Era years, fiscal years, dates, numbers, IDs and phones.

Conventions used throughout:

* พ.ศ. (Buddhist Era, BE) = ค.ศ. (Christian/Common Era, CE) + 543.
* The Thai fiscal year (ปีงบประมาณ) runs 1 October – 30 September and is named by the BE
  year in which it *ends*: 1 October 2024 starts FY 2568.
* Input parsers accept Thai digits (๐-๙) wherever Arabic digits are accepted.
* Readers of messy feeds (:func:`normalize_phone`, :func:`national_id_is_valid`) return
  ``None``/``False`` instead of raising; the other parsers raise a subclass of
  :class:`ThaiLocaleError` (a ``ValueError``) whose message names the offending value.
"""

from __future__ import annotations

import calendar
import logging
import math
import numbers
import operator
import re
from datetime import date, datetime
from functools import lru_cache

from oneplan.core.errors import UserError
from oneplan.core.text import LANGS, text, texts

logger = logging.getLogger(__name__)

BE_OFFSET = 543
MIN_BE, MAX_BE = 2400, 2800  # years outside this range are almost certainly a mistake
MIN_CE, MAX_CE = MIN_BE - BE_OFFSET, MAX_BE - BE_OFFSET  # 1857 .. 2257

THAI_MONTHS = tuple(texts("core.thai.month.full", "th").values())
"""มกราคม … ธันวาคม (from ``lib/oneplan/core/text/thai.yml``)."""
THAI_MONTHS_ABBR = tuple(texts("core.thai.month.short", "th").values())
"""ม.ค. … ธ.ค."""
_EN_MONTHS = tuple(texts("core.thai.month.full", "en").values())

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
"""The Thai digits ๐-๙, in order (the one table every part uses)."""
TO_ARABIC_DIGITS = str.maketrans(THAI_DIGITS, "0123456789")
"""``str.translate`` table: Thai digits → Arabic digits."""
_TO_THAI = str.maketrans("0123456789", THAI_DIGITS)
THAI_DIGIT_CLASS = f"[{THAI_DIGITS[0]}-{THAI_DIGITS[-1]}]"
"""Regular-expression class matching one Thai digit (``[๐-๙]``)."""


class ThaiLocaleError(UserError, ValueError):
    """A value or option that the Thai locale helpers cannot use (a user error: exit 2)."""


class ThaiYearError(ThaiLocaleError):
    """A year that is not plausible in the era it was given in."""


class ThaiDateError(ThaiLocaleError):
    """Text that is not a readable or real calendar date."""


class ThaiNumberError(ThaiLocaleError):
    """Text or a value that is not a readable number."""


class NationalIdError(ThaiLocaleError):
    """A Thai national ID that is not 13 digits or whose check digit is wrong."""


# --- years and fiscal years ------------------------------------------------------------

_ERAS = {"BE": ("Buddhist-Era (พ.ศ.)", MIN_BE, MAX_BE),
         "CE": ("Christian-Era (ค.ศ.)", MIN_CE, MAX_CE)}


def _checked_year(year: object, era: str) -> int:
    if isinstance(year, bool) or not hasattr(year, "__index__"):
        raise ThaiYearError(f"Year {year!r} is not a whole number.")
    y = operator.index(year)
    name, lo, hi = _ERAS[era]
    if lo <= y <= hi:
        return y
    other, olo, ohi = _ERAS["CE" if era == "BE" else "BE"]
    hint = f" It looks like a {other} year already." if olo <= y <= ohi else ""
    raise ThaiYearError(
        f"Year {year!r} is not a plausible {name} year (expected {lo} to {hi}).{hint}")


def be_to_ce(year: int) -> int:
    """Convert a Buddhist-Era (พ.ศ.) year to a Christian-Era (ค.ศ.) year.

    Returns:
        ``year - 543``, e.g. 2567 → 2024.

    Raises:
        ThaiYearError: if ``year`` is not a whole number or lies outside 2400–2800; the
            message says when it looks like a ค.ศ. year already.
    """
    return _checked_year(year, "BE") - BE_OFFSET


def ce_to_be(year: int) -> int:
    """Convert a Christian-Era (ค.ศ.) year to a Buddhist-Era (พ.ศ.) year.

    Returns:
        ``year + 543``, e.g. 2024 → 2567.

    Raises:
        ThaiYearError: if ``year`` is not a whole number or lies outside 1857–2257; the
            message says when it looks like a พ.ศ. year already.
    """
    return _checked_year(year, "CE") + BE_OFFSET


def fiscal_year(d: date | datetime | str) -> int:
    """Return the Thai fiscal year (ปีงบประมาณ, พ.ศ.) that contains ``d``.

    Returns:
        The BE year in which the fiscal year ends: 2024-09-30 → 2567, 2024-10-01 → 2568.

    Raises:
        ThaiDateError: if ``d`` is text that :func:`parse_thai_date` cannot read.
    """
    d = parse_thai_date(d)
    return ce_to_be(d.year + 1 if d.month >= 10 else d.year)


def fiscal_year_bounds(fy_be: int) -> tuple[date, date]:
    """Return the first and last day of fiscal year ``fy_be`` (พ.ศ.).

    Returns:
        ``(1 October of the previous CE year, 30 September)``; FY 2568 →
        ``(date(2024, 10, 1), date(2025, 9, 30))``.

    Raises:
        ThaiYearError: if ``fy_be`` is not a plausible พ.ศ. year (see :func:`be_to_ce`).
    """
    ce = be_to_ce(fy_be)
    return date(ce - 1, 10, 1), date(ce, 9, 30)


def fiscal_quarter(d: date | datetime | str) -> tuple[int, int]:
    """Return ``(fiscal year พ.ศ., quarter 1-4)`` of ``d``; Q1 is October–December.

    Raises:
        ThaiDateError: if ``d`` is text that :func:`parse_thai_date` cannot read.
    """
    d = parse_thai_date(d)
    return fiscal_year(d), (d.month - 10) % 12 // 3 + 1


# --- digits and numbers ----------------------------------------------------------------

def thai_digits_to_arabic(s: str) -> str:
    """Return ``s`` with Thai digits ๐-๙ replaced by 0-9; other characters are unchanged."""
    return s.translate(TO_ARABIC_DIGITS)


def arabic_to_thai_digits(s: str) -> str:
    """Return ``s`` with digits 0-9 replaced by Thai digits ๐-๙; other characters unchanged."""
    return s.translate(_TO_THAI)


def fix_thai_typing(text: str) -> str:
    """Undo two Thai typing habits that look right on screen: นิคหิต + สระอา for สระอำ
    (ํา → ำ) and two เ for แ (เเ → แ); Unicode NFC does not fold either."""
    return text.replace("\u0e4d\u0e32", "\u0e33").replace("\u0e40\u0e40", "\u0e41")


_NUMBER_RE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def parse_number(s: str | float | int | None) -> float | None:
    """Read a number such as ``"1,234,567.50"``, ``" ๑,๒๐๐ บาท "``, ``"1,200.-"`` or ``-3.5``.

    Returns:
        The value as a float; ``None`` for ``None``, NaN, empty or blank text.

    Raises:
        ThaiNumberError: if the text is not a number (misplaced commas included).
    """
    if s is None:
        return None
    if not isinstance(s, str):
        try:
            if isinstance(s, bool):
                raise TypeError
            v = float(s)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ThaiNumberError(f"{s!r} is not a number.") from None
        return None if math.isnan(v) else v
    text = thai_digits_to_arabic(s).strip()
    text = text.removesuffix("บาท").strip().removesuffix(".-").removeprefix("฿").strip()
    if not text:
        return None
    if not _NUMBER_RE.fullmatch(text):
        raise ThaiNumberError(f"Cannot read {s!r} as a number; expected something like 1,234.50.")
    return float(text.replace(",", ""))


def _finite(x: object) -> float:
    if x is None or isinstance(x, (str, bytes, bool)):
        raise ThaiNumberError(f"{x!r} is not a number that can be formatted.")
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ThaiNumberError(f"{x!r} is not a number that can be formatted.") from None
    if not math.isfinite(v):
        raise ThaiNumberError(f"{x!r} is not a number that can be formatted (missing value?).")
    return v


def _check_digits(digits: int) -> int:
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
        raise ThaiLocaleError(f"digits must be a whole number 0 or more, not {digits!r}.")
    return digits


def format_int(x: float) -> str:
    """Return ``x`` rounded to a whole number with thousands separators: 1234 → ``"1,234"``.

    Raises:
        ThaiNumberError: if ``x`` is not a finite number.
    """
    if isinstance(x, int) and not isinstance(x, bool):
        return f"{x:,}"  # exact for large ints
    return f"{_finite(x):z,.0f}"


def format_million(x: float, digits: int = 1) -> str:
    """Return ``x`` in millions, number only: 12_500_000 → ``"12.5"``, 1.25e9 → ``"1,250.0"``.

    Raises:
        ThaiNumberError: if ``x`` is not a finite number.
        ThaiLocaleError: if ``digits`` is not a whole number 0 or more.
    """
    return f"{_finite(x) / 1e6:z,.{_check_digits(digits)}f}"


def format_baht(x: float, lang: str = "th", digits: int = 1) -> str:
    """Return a human-scale amount of money.

    Amounts of a million baht or more are given in millions with ``digits`` decimals
    (``"12.5 ล้านบาท"``, ``"1,250.0 ล้านบาท"``); smaller amounts in whole baht
    (``"850,000 บาท"``). ``lang="en"`` gives ``"12.5 million baht"`` / ``"850,000 baht"``.

    Raises:
        ThaiNumberError: if ``x`` is not a finite number (``None`` and NaN included).
        ThaiLocaleError: if ``lang`` is not ``"th"``/``"en"`` or ``digits`` is invalid.
    """
    if lang not in LANGS:
        raise ThaiLocaleError(f"Language {lang!r} is not supported; use 'th' or 'en'.")
    _check_digits(digits)
    v = _finite(x)
    if abs(round(v)) >= 1_000_000:
        return text("core.thai.baht.million", lang, amount=format_million(v, digits))
    return text("core.thai.baht.whole", lang, amount=format_int(v))


# --- dates -----------------------------------------------------------------------------

def _month_key(name: str) -> str:
    return re.sub(r"[.\s]", "", name).lower()


_MONTH_LOOKUP = {
    _month_key(n): i
    for names in (THAI_MONTHS, THAI_MONTHS_ABBR, _EN_MONTHS, [m[:3] for m in _EN_MONTHS])
    for i, n in enumerate(names, start=1)
}
_TIME_RE = re.compile(r"(?:\s+|T)\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?"
                      r"(?:Z|[+-]\d{2}:?\d{2})?\s*(?:น\.)?$")
_DMY_RE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d+)")
_YMD_RE = re.compile(r"(\d{4})([/.-])(\d{1,2})\2(\d{1,2})")
_NAMED_RE = re.compile(r"(\d{1,2})\s*(\D+?)\s*(?:(พ\.ศ\.|ค\.ศ\.)\s*)?(\d+)")
_FORMS = "15/03/2567, 2024-03-15 or 15 มีนาคม 2567"


def _ce_year(y_text: str, era: str | None, original: str) -> int:
    if len(y_text) != 4:
        problem = "does not have four digits"
        if len(y_text) == 2:
            problem = (f"has only two digits and could mean {2500 + int(y_text)} (พ.ศ.) "
                       f"or {2000 + int(y_text)} (ค.ศ.)")
        raise ThaiDateError(f"Cannot read {original!r} as a date: the year {y_text!r} {problem}. "
                            "Please write the full year, e.g. 2567.")
    y = int(y_text)
    try:
        if era == "พ.ศ." or (era is None and y >= MIN_BE):
            return be_to_ce(y)
        return _checked_year(y, "CE")
    except ThaiYearError as exc:
        raise ThaiDateError(f"Cannot read {original!r} as a date: {exc}") from None


def parse_thai_date(s: str | date | datetime) -> date:
    """Read a date written the Thai way (or ISO).

    Accepted: ``"15/03/2567"`` (also ``-`` or ``.`` separators), ``"2567-03-15"``,
    ``"2024-03-15"``, ``"15 มีนาคม 2567"``, ``"15 มี.ค. พ.ศ. 2567"``, ``"15 March 2024"``,
    Thai digits, and a trailing time (``"15/03/2567 14:30"``), which is ignored. A four-digit
    year of 2400 or more is read as พ.ศ., otherwise as ค.ศ. ``date``/``datetime`` objects are
    returned as a ``date``.

    Returns:
        The calendar date.

    Raises:
        ThaiDateError: for unreadable text, two-digit years (ambiguous) and impossible
            dates such as ``"31/02/2567"``; the message names the value.
    """
    if isinstance(s, datetime):
        return s.date()
    if isinstance(s, date):
        return s
    if not isinstance(s, str):
        raise ThaiDateError(f"{s!r} is not a date.")
    text = _TIME_RE.sub("", thai_digits_to_arabic(s).strip())
    text = text.removeprefix("วันที่").strip()
    if m := _DMY_RE.fullmatch(text):
        day, month, year = int(m[1]), int(m[3]), _ce_year(m[4], None, s)
    elif m := _YMD_RE.fullmatch(text):
        year, month, day = _ce_year(m[1], None, s), int(m[3]), int(m[4])
    elif (m := _NAMED_RE.fullmatch(text)) and _month_key(m[2]) in _MONTH_LOOKUP:
        day, month, year = int(m[1]), _MONTH_LOOKUP[_month_key(m[2])], _ce_year(m[4], m[3], s)
    else:
        raise ThaiDateError(f"Cannot read {s!r} as a date; write it like {_FORMS}.")
    if not 1 <= month <= 12:
        raise ThaiDateError(f"{s!r} is not a real date: there is no month {month}.")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ThaiDateError(
            f"{s!r} is not a real date: {THAI_MONTHS[month - 1]} {year + BE_OFFSET} "
            f"({_EN_MONTHS[month - 1]} {year}) has {last} days.")
    return date(year, month, day)


def format_thai_date(d: date | datetime, style: str = "full") -> str:
    """Return ``d`` in Thai with a พ.ศ. year.

    Returns:
        ``style="full"`` → ``"15 มีนาคม 2567"``, ``"short"`` → ``"15 มี.ค. 2567"``,
        ``"numeric"`` → ``"15/03/2567"``.

    Raises:
        ThaiDateError: if ``d`` is not a date (text is read with :func:`parse_thai_date`).
        ThaiLocaleError: if ``style`` is unknown.
    """
    return format_date(d, lang="th", style=style)


def format_date(d: date | datetime, lang: str = "th", style: str = "full") -> str:
    """Return ``d`` in Thai (พ.ศ. year) or English (ค.ศ. year).

    Returns:
        For ``lang="en"``: ``"15 March 2024"`` / ``"15 Mar 2024"`` / ``"15/03/2024"``;
        for ``lang="th"`` see :func:`format_thai_date`.

    Raises:
        ThaiDateError: if ``d`` is not a date (text is read with :func:`parse_thai_date`).
        ThaiLocaleError: if ``lang`` or ``style`` is unknown.
    """
    if lang not in LANGS:
        raise ThaiLocaleError(f"Language {lang!r} is not supported; use 'th' or 'en'.")
    if style not in ("full", "short", "numeric"):
        raise ThaiLocaleError(
            f"Date style {style!r} is unknown; use 'full', 'short' or 'numeric'.")
    d = parse_thai_date(d)
    year = _YEAR_IN[lang](d.year)
    if style == "numeric":
        return f"{d.day:02d}/{d.month:02d}/{year}"
    return f"{d.day} {_month_names(style, lang)[d.month - 1]} {year}"


_YEAR_IN = dict(zip(LANGS, (ce_to_be, int)))
"""A ค.ศ. year as each language writes it: พ.ศ. in Thai, ค.ศ. in English."""


@lru_cache(maxsize=None)
def _month_names(style: str, lang: str) -> tuple[str, ...]:
    return tuple(texts(f"core.thai.month.{style}", lang).values())


# --- national ID and phone numbers -----------------------------------------------------

def _id_digits(s: object) -> str | None:
    if s is None or isinstance(s, bool):
        return None
    text = re.sub(r"[\s-]", "", thai_digits_to_arabic(str(s)))
    return text if re.fullmatch(r"\d{13}", text) else None


def _id_check_digit(first12: str) -> int:
    return (11 - sum(int(c) * (13 - i) for i, c in enumerate(first12)) % 11) % 10


def national_id_is_valid(s: str | None) -> bool:
    """Return whether ``s`` is a 13-digit Thai national ID with a correct check digit.

    Dashes, spaces and Thai digits are allowed (``"1-2345-67890-12-1"``). Never raises:
    anything that is not 13 digits gives ``False``.
    """
    digits = _id_digits(s)
    return digits is not None and _id_check_digit(digits[:12]) == int(digits[12])


def normalize_national_id(s: str, check_digit: bool = True) -> str:
    """Return the 13 digits of Thai national ID ``s`` without dashes or spaces.

    Raises:
        NationalIdError: if ``s`` is not 13 digits, or (with ``check_digit=True``) its last
            digit does not match the others, which usually means a typing mistake.
    """
    digits = _id_digits(s)
    if digits is None:
        raise NationalIdError(f"{s!r} is not a Thai national ID: it must have 13 digits.")
    if check_digit and not national_id_is_valid(digits):
        raise NationalIdError(
            f"{s!r} is not a valid Thai national ID: the last digit does not match the "
            "others (probably a typing mistake).")
    return digits


_EXTENSION_RE = re.compile(r"\s*(?:ต่อ|ext\.?|x|#)\s*\d{1,5}$", re.IGNORECASE)


def normalize_phone(s: str | int | float | None) -> str | None:
    """Return a Thai phone number as ``"0XXXXXXXXX"`` (mobile) or ``"0XXXXXXXX"`` (landline).

    Accepts ``"+66 81 234 5678"``, ``"081-234-5678"``, ``"66812345678"``, Thai digits,
    ``"02-123-4567"`` and a trailing extension (``"ต่อ 12"``, dropped). Numbers read as
    ``int``/``float`` by a spreadsheet get their lost leading zero back.

    Returns:
        The canonical number, or ``None`` for empty input and for anything that is not a
        Thai mobile (06/08/09 + 8 digits) or landline (02-07 + 7 digits) number. Never raises.
    """
    if s is None or isinstance(s, bool):
        return None
    if isinstance(s, numbers.Real):  # a spreadsheet cell read as a number lost its "0"
        if not (math.isfinite(s) and float(s).is_integer() and s > 0):
            return None
        s = str(int(s))
        s = "0" + s if len(s) in (8, 9) else s  # 8/9 digits: landline/mobile without "0"
    text = _EXTENSION_RE.sub("", thai_digits_to_arabic(str(s)).strip())
    text = re.sub(r"[\s().-]", "", text)
    if not text:
        return None
    if m := re.fullmatch(r"\+?66(\d{8,10})", text):
        text = "0" + m[1].removeprefix("0")
    if re.fullmatch(r"0[689]\d{8}|0[2-7]\d{7}", text):
        return text
    logger.debug("not a Thai phone number: %r", s)
    return None

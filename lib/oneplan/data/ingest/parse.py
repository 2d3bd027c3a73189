"""Reading one cell as the value its column expects: Thai digits, พ.ศ. dates, money in baht
or millions, percentages, fiscal years and quarters, vocabulary names, area codes,
provinces by code or name.

Keys (ids and codes) are normalised (:func:`key_text`: NFKC, invisible format characters
such as zero-width spaces and joiners removed, dashes made ``-``) so that IDs differing
only by such characters are one key; a letter of another script that looks like a Thai or
Latin one (Cyrillic ``А``) is rejected. Numbers must be finite and within the range their
database column holds (:data:`INT_MAX`, :data:`MONEY_MAX`); text within what an Excel cell
holds (:data:`TEXT_MAX`).

Each parser takes the cell value and its :class:`~oneplan.data.templates.Column` and
returns the value to store, or raises :class:`CellError` saying why the cell cannot be
used (in Thai and English). :data:`PARSERS` maps each column type to its parser.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from typing import Any, Callable

from oneplan.core import areas, thai, vocab
from oneplan.data.ingest.messages import Message, message
from oneplan.data.templates import Column

MIN_DATE, MAX_DATE = date(1990, 1, 1), date(2100, 12, 31)
"""Dates outside this range are typing mistakes."""
MIN_FY, MAX_FY = 2500, 2700
"""Plausible fiscal years (พ.ศ.)."""
INT_MAX = 2_147_483_647
"""The largest whole number a count column (households, people) holds."""
MONEY_MAX = 1_000_000_000_000.0
"""The largest amount of money (baht) one row may carry: a million million baht, a third
of the national budget; more is a typing mistake (or a number Excel shows as 1E+15)."""
TEXT_MAX = 32_767
"""The most characters an Excel cell holds."""
SHOWN_MAX = 80
"""A value quoted in a message is cut to this many characters."""


class CellError(Exception):
    """A cell value that does not parse, or is not in the database: the problem ``code``
    and the message in Thai (``th``) and English (``en``, also ``str(exc)``)."""

    def __init__(self, code: str, key: str, /, **fields: Any):
        """The message is the catalogue text ``key`` with ``fields`` (see
        :func:`oneplan.data.ingest.messages.message`)."""
        self.code = code
        self.th, self.en = message(key, **fields)
        super().__init__(self.en)


def shown(v: object) -> str:
    """A cell value as a message quotes it: ``"15/03/2567"``, whole floats without ``.0``,
    dates without midnight."""
    if isinstance(v, datetime):
        v = v.date() if not v.time() else v
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v)
    if len(text) > SHOWN_MAX:   # a 401-digit number, a page of text: its start and length
        text = f"{text[:SHOWN_MAX - 20]}… ({len(text):,})"
    return f'"{text}"'


def cell_text(v: object) -> str:
    """A cell as text: NFC, Thai typing habits undone, zero-width spaces dropped, trimmed;
    whole floats without ``.0``, dates as dates."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, datetime):
        v = v.date()
    return thai.fix_thai_typing(unicodedata.normalize("NFC", str(v)).replace("\u200b", "")
                                ).strip()


def digits_text(v: object) -> str:
    """:func:`cell_text` with Thai digits made Arabic."""
    return thai.thai_digits_to_arabic(cell_text(v))


_DASHES = re.compile(r"[\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d]")


def key_text(v: object, *, strict: bool = True) -> str:
    """A cell as a key (an ID or a code): :func:`digits_text` after NFKC, with Unicode
    format characters (category Cf: zero-width spaces and joiners, soft hyphens, marks of
    direction, the BOM) removed, dashes made ``-`` and spaces collapsed.

    Raises:
        CellError: (``strict``) it holds a letter or digit of another script than Thai
            and Latin (a look-alike such as Cyrillic ``А`` for Latin ``A``).
    """
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = unicodedata.normalize("NFKC", str(v))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _DASHES.sub("-", thai.fix_thai_typing(text))
    text = re.sub(r"\s+", " ", thai.thai_digits_to_arabic(text)).strip()
    for ch in text if strict else ():
        if ch.isalnum() and not (ch.isascii() or "\u0e00" <= ch <= "\u0e7f"):
            raise CellError("lookalike", "data.ingest.value.lookalike", value=shown(text),
                            char=ch, name=unicodedata.name(ch, f"U+{ord(ch):04X}"))
    return text


def _parse_id(v: object, col: Column) -> str:
    return _long(key_text(v))


def _parse_name(v: object, col: Column) -> str:
    """A key looked up by name in a register (an agency): normalised, any script."""
    return _long(key_text(v, strict=False))


def _long(text: str) -> str:
    if len(text) > TEXT_MAX:
        raise CellError("too_long", "data.ingest.value.too_long", length=len(text),
                        limit=TEXT_MAX)
    return text


def _parse_text(v: object, col: Column) -> str:
    return _long(cell_text(v))


def _in_range(x: float, v: object, low: float, high: float) -> float:
    """``x`` when finite and within ``low``–``high``, else a per-cell error naming the
    range (never ``inf`` stored, never a database cast error)."""
    bounds = dict(value=shown(v), low=f"{low:,.0f}", high=f"{high:,.0f}")
    if not math.isfinite(x):
        raise CellError("out_of_range", "data.ingest.value.not_finite", **bounds)
    if not low <= x <= high:
        raise CellError("out_of_range", "data.ingest.value.out_of_range", **bounds)
    return x


_EXPONENT_RE = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]{1,5}")
_MILLION_RE = re.compile(r"^(.*?)\s*ล้าน\s*(บาท)?\s*$")


def _number(v: object, col: Column) -> float:
    if isinstance(v, bool):
        raise CellError("number", "data.ingest.value.not_a_number_plain", value=shown(v))
    if isinstance(v, (int, float)):
        try:
            return float(v)
        except OverflowError:   # a whole number of hundreds of digits
            return math.inf
    text = digits_text(unicodedata.normalize("NFKC", v) if isinstance(v, str) else v)
    scale = 1.0
    if m := _MILLION_RE.match(text):
        text, scale = m[1], 1e6
    text = re.sub(r"\s*(ครัวเรือน|คน|หลังคาเรือน|หลัง)$", "", text)
    try:
        x = (float(text) if _EXPONENT_RE.fullmatch(text)   # 1.25E+06, as Excel exports
             else thai.parse_number(text))
    except thai.ThaiNumberError:
        x = None
    if x is None:   # not a number, or only a unit ("บาท")
        raise CellError("number", "data.ingest.value.not_a_number", value=shown(v))
    return x * scale


def _parse_int(v: object, col: Column) -> int:
    x = _number(v, col)
    if math.isfinite(x) and not float(x).is_integer():
        raise CellError("integer", "data.ingest.value.not_whole", value=shown(v))
    if x < 0:
        raise CellError("negative", "data.ingest.value.negative", value=shown(v))
    return int(_in_range(x, v, 0, INT_MAX))


def _parse_money(v: object, col: Column) -> float:
    x = _number(v, col)
    if col.positive and x <= 0:
        raise CellError("money_range", "data.ingest.value.money_not_positive", value=shown(v))
    if x < 0:
        raise CellError("money_range", "data.ingest.value.money_negative", value=shown(v))
    return round(_in_range(x, v, 0, MONEY_MAX), 2)


def _parse_pct(v: object, col: Column) -> float:
    text = digits_text(v).rstrip("%").strip() if isinstance(v, str) else v
    x = _number(text, col)
    if not 0 <= x <= 100:
        raise CellError("pct_range", "data.ingest.value.pct_range", value=shown(v))
    return round(x, 2)


def _parse_date(v: object, col: Column) -> date:
    if isinstance(v, (datetime, date)):
        d = v.date() if isinstance(v, datetime) else v
        if d.year >= thai.MIN_BE:
            # Excel stored the พ.ศ. year the user typed as a ค.ศ. year (15/03/2567 → 2567 AD)
            d = d.replace(year=d.year - thai.BE_OFFSET)
    elif isinstance(v, (int, float)):
        raise CellError("date", "data.ingest.value.date_number", value=shown(v))
    else:
        text = cell_text(v)
        try:
            d = thai.parse_thai_date(text)
        except thai.ThaiDateError as exc:
            digits = thai.thai_digits_to_arabic(text)
            if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}", digits) or re.fullmatch(
                    r"\d{1,2}\s*\D+?\s*\d{2}", digits):
                yy = int(re.findall(r"\d+", digits)[-1])
                raise CellError("date_ambiguous", "data.ingest.value.date_two_digit_year",
                                value=shown(v), be=2500 + yy, ce=2000 + yy) from None
            raise CellError("date", "data.ingest.value.not_a_date", value=shown(v),
                            reason=Message("", str(exc))) from None
    if not MIN_DATE <= d <= MAX_DATE:
        raise CellError("date_range", "data.ingest.value.date_range", value=shown(v),
                        be=d.year + 543, ce=Message("", str(d.year)),
                        first=Message(str(MIN_DATE.year + 543), str(MIN_DATE.year)),
                        last=Message(str(MAX_DATE.year + 543), str(MAX_DATE.year)))
    return d


def _parse_fiscal_year(v: object, col: Column) -> int:
    text = key_text(v)
    text = re.sub(r"^(ปีงบประมาณ|ปีงบ|ปี|พ\.ศ\.|fy)\s*(พ\.ศ\.)?\s*", "", text,
                  flags=re.IGNORECASE).strip()
    if not re.fullmatch(r"\d{4}(\.0+)?", text):
        raise CellError("fiscal_year", "data.ingest.value.fiscal_year_format", value=shown(v))
    y = int(float(text))
    if MIN_FY - 543 <= y <= MAX_FY - 543:
        raise CellError("fiscal_year_ce", "data.ingest.value.fiscal_year_ce", value=shown(v),
                        ce=y, be=y + 543)
    if not MIN_FY <= y <= MAX_FY:
        raise CellError("fiscal_year", "data.ingest.value.fiscal_year_range", value=shown(v),
                        first=MIN_FY, last=MAX_FY)
    return y


def _parse_quarter(v: object, col: Column) -> int:
    text = key_text(v)
    text = re.sub(r"^(ไตรมาสที่|ไตรมาส|q)\s*", "", text, flags=re.IGNORECASE).strip()
    if re.fullmatch(r"\d+(\.0+)?", text) and 1 <= int(float(text)) <= 4:
        return int(float(text))
    raise CellError("quarter", "data.ingest.value.quarter", value=shown(v))


def _parse_vocab(v: object, col: Column) -> str:
    try:
        return vocab.lookup(col.vocab, cell_text(v))
    except vocab.UnknownTermError:
        allowed = Message(", ".join(n[0] for n in col.vocab.values()),
                          ", ".join(f"{c} ({n[1]})" for c, n in col.vocab.items()))
        raise CellError("vocab", "data.ingest.value.vocab", value=shown(v),
                        allowed=allowed) from None


_NO_ATTACHMENT = {"-", "–", "—", "ไม่มี", "ไม่มีเอกสาร", "no", "none", "n/a", "na", "ยังไม่มี"}


def _parse_attachment(v: object, col: Column) -> str | None:
    text = cell_text(v)
    return None if text.casefold() in _NO_ATTACHMENT else text


def _area_code_parser(level: str, digits: int, example: str) -> Callable[[object, Column], str]:
    """A parser of ``digits``-digit codes of ``level`` (village, subdistrict, district);
    whether the code exists is checked against the database later."""
    def parse(v: object, col: Column) -> str:
        text = re.sub(r"[\s-]", "", key_text(v))
        if not re.fullmatch(rf"[0-9]{{{digits}}}", text):
            raise CellError(f"{level}_format", "data.ingest.value.area_code", value=shown(v),
                            what=message(f"data.ingest.area_code.{level}"), digits=digits,
                            example=example)
        return text
    return parse


def _parse_strategy(v: object, col: Column) -> int:
    text = key_text(v)
    text = re.sub(r"^(ประเด็นยุทธศาสตร์ที่|ประเด็นยุทธศาสตร์|ยุทธศาสตร์ที่|ประเด็นที่|ที่)\s*",
                  "", text).strip()
    if re.fullmatch(r"[0-9]{1,6}(\.0+)?", text):
        return int(float(text))
    raise CellError("strategy", "data.ingest.value.strategy", value=shown(v))


PARSERS: dict[str, Callable[[object, Column], Any]] = {
    "text": _parse_text, "id": _parse_id, "int": _parse_int, "money": _parse_money,
    "pct": _parse_pct, "date": _parse_date, "fiscal_year": _parse_fiscal_year,
    "quarter": _parse_quarter, "vocab": _parse_vocab, "attachment": _parse_attachment,
    # reference types: parsed to text here, checked against the database by check.References
    "village": _area_code_parser("village", 8, "32010101"),
    "subdistrict": _area_code_parser("subdistrict", 6, "320101"),
    "district": _area_code_parser("district", 4, "3201"),
    "province": lambda v, c: key_text(v), "agency": _parse_name, "strategy": _parse_strategy,
    "project": _parse_id, "need": _parse_id,
}
"""Column type → parser ``(cell value, column) -> value`` (see
:mod:`oneplan.data.templates` for the types)."""


def province_code_of(text: str) -> str:
    """The code of a province given by its 2-digit code or its Thai or English name
    (``จังหวัด``/``จ.`` ignored).

    Raises:
        CellError: no such province.
    """
    t = key_text(text)
    t = re.sub(r"^จังหวัด|^จ\.", "", t).strip()
    if re.fullmatch(r"[0-9]{2}", t):
        try:
            return areas.province(t).code
        except areas.UnknownAreaError:
            pass
    for p in areas.all_provinces():
        if vocab.term_key(t) in (vocab.term_key(p.name_th), vocab.term_key(p.name_en)):
            return p.code
    raise CellError("province_unknown", "data.ingest.reference.province_unknown", value=text)

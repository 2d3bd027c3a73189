"""One tolerant reader of dates as Thai people and Thai systems write them, for whole columns.

Accepted in one column, mixed freely: ``15/03/2567`` (``/ - .`` separators, 2- or 4-digit
years), ISO ``2024-03-15`` and ``2567-03-15`` (with or without a time), Thai month names
full, abbreviated or cut short, with or without dots and spaces (``15 มี.ค. 2567``,
``15 มีนาคม 2567``, ``15มี.ค.67``, ``15 มีนา 67``, ``๑๕ มี.ค. ๒๕๖๗``, ``15 March 2024``),
``พ.ศ.``/``ค.ศ.`` written out, a leading ``วันที่``, Thai digits anywhere, a time of day
(``14:30``, ``14.30 น.``, ``T14:30:00``, ``2:30 PM``), Excel serial numbers (``45366``) and
real date cells (``datetime``/``Timestamp``) of an XLSX file.

The era comes from the year's size: a four-digit year of 2400 or more is พ.ศ., one up to 2200
is ค.ศ. Only what the value itself cannot say is taken from the column's *hint* (the order
``dmy``/``mdy`` for ``03/04/2567``, the era of a two-digit year), and such a value is
*flagged*, never refused: ``ambiguous_dm`` (day and month both 12 or less, and the
column's own unambiguous values do not settle the order: none, or both orders, were seen,
and the declared order decided; or only the other order was seen, and that order was
taken; a column whose every unambiguous value shows the declared order is not flagged), ``two_digit_year``, ``era_guessed`` (the hinted era gave an
implausible year and the other one was taken). A value that is no date at all
gets a *problem* code (``not_a_date``, ``no_such_day`` for 31/02/2567,
``year_out_of_range``); :func:`problem_text` words it for people.

Work is done once per distinct value (a column of a million rows holds a few thousand
distinct dates), so it is fast on large feeds. The maintained parsers were checked first:
``dateparser`` reads Thai month names but keeps a พ.ศ. year as the year 2567 (its issues
#1063 and #588, open) and parses value by value; ``dateutil``/``pandas`` know neither Thai
months nor the Buddhist era.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import numpy as np
import pandas as pd

from oneplan.core import thai
from oneplan.core.text import text, texts

FLAGS = ("ambiguous_dm", "two_digit_year", "era_guessed")
"""Flag codes: the value was read, but part of it came from the column's hint."""
PROBLEMS = ("not_a_date", "no_such_day", "year_out_of_range")
"""Problem codes: the value was written but could not be read as a date."""

MIN_BE_YEAR = 2400
MAX_CE_YEAR = 2200
EXCEL_SERIALS = (20_000, 80_000)
"""Excel serial numbers read as dates (1954-10-03 … 2119-01-10); other bare numbers are
not dates."""
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _month_key(name: str) -> str:
    return re.sub(r"[.\s]", "", name).lower().replace("ฏ", "ฎ")


@lru_cache(maxsize=1)
def month_lookup() -> dict[str, int]:
    """Month names as people type them (dots and spaces removed, lower case) -> 1..12:
    full and abbreviated Thai names, the spoken short forms (มีนา, กรกฎา), English names
    and their three-letter abbreviations."""
    en = tuple(texts("core.thai.month.full", "en").values())
    out: dict[str, int] = {}
    for names in (thai.THAI_MONTHS, thai.THAI_MONTHS_ABBR, en, [m[:3] for m in en]):
        for i, n in enumerate(names, start=1):
            out[_month_key(n)] = i
    for i, n in enumerate(thai.THAI_MONTHS, start=1):  # มีนาคม -> มีนา, กุมภาพันธ์ -> กุมภา
        out[_month_key(re.sub(r"(?:คม|ยน|พันธ์)$", "", n))] = i
    out["sept"] = 9
    return out


_ERA_RE = re.compile(r"\s*(พ\s*\.\s*ศ\s*\.?|ค\s*\.\s*ศ\s*\.?|B\.?E\.?|A\.?D\.?|C\.?E\.?)\s*",
                     re.IGNORECASE)
_PREFIX_RE = re.compile(r"^(?:วัน\S{0,8}?ที่|วันที่|ลงวันที่)\s*")
_TIME_RE = re.compile(
    r"^(?P<date>.*?\S)(?:\s*,?\s*(?:T|\s|เวลา)\s*(?P<h>\d{1,2})[:.](?P<m>\d{2})"
    r"(?:[:.](?P<s>\d{2})(?:\.\d+)?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?|ก่อนเที่ยง|หลังเที่ยง)?"
    r"\s*(?:น\.?|นาฬิกา)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$")
_YMD_RE = re.compile(r"(\d{4})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{1,2})")
_DMY_RE = re.compile(r"(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})")
_NAMED_RE = re.compile(r"(\d{1,2})\s*([^\d\s,/\-][^\d,/\-]*?)\s*[,\-/]?\s*(\d{4}|\d{2})")
_NAMED_FIRST_RE = re.compile(r"([^\d\s,][^\d,]*?)\s*(\d{1,2})\s*,?\s*(\d{4})")
_COMPACT_RE = re.compile(r"\d{8}")
_SERIAL_RE = re.compile(r"\d{5}(?:\.\d+)?")


@dataclass
class ParsedDates:
    """What :func:`parse` read from a column (all Series share the input's index).

    ``timestamps`` (``datetime64[us]``, NaT where empty or unreadable), ``flags`` (NA or
    comma-separated codes of :data:`FLAGS`), ``problems`` (NA or one code of
    :data:`PROBLEMS`), ``has_time`` (the value carried a time of day). Unpacks as
    ``timestamps, flags, problems``."""

    timestamps: pd.Series
    flags: pd.Series
    problems: pd.Series
    has_time: pd.Series

    def __iter__(self):
        return iter((self.timestamps, self.flags, self.problems))

    @property
    def empty(self) -> pd.Series:
        """True where nothing was written (no date and no problem)."""
        return self.timestamps.isna() & self.problems.isna()


def _year(y_text: str, era_hint: str, era_word: str | None) -> tuple[int | None, list[str]]:
    """A ค.ศ. year from the written year; flags; None for an impossible year."""
    y = int(y_text)
    flags: list[str] = []
    if len(y_text) == 2:
        flags.append("two_digit_year")
        be = era_word == "be" or (era_word is None and era_hint == "be")
        ce = 2500 + y - thai.BE_OFFSET if be else 2000 + y
        other = 2000 + y if be else 2500 + y - thai.BE_OFFSET
        this_year = date.today().year
        if not (1990 <= ce <= this_year + 5) and 1990 <= other <= this_year + 5:
            flags.append("era_guessed")
            ce = other
        return ce, flags
    if len(y_text) != 4:
        return None, flags
    if era_word == "be" or (era_word is None and y >= MIN_BE_YEAR):
        return y - thai.BE_OFFSET, flags
    if y <= MAX_CE_YEAR:
        return y, flags
    return None, flags


def _one(value: str, order: str, era_hint: str) -> tuple:
    """``(year, month, day, flags, problem, numeric_order)`` of one value's date part;
    numeric_order is 'dm'/'md' evidence or 'ambiguous' for a numeric d/m form."""
    s = _PREFIX_RE.sub("", value)
    era_word = None
    if m := _ERA_RE.search(s):
        word = m.group(1).upper().replace(" ", "")
        era_word = "be" if word.startswith(("พ", "B")) else "ce"
        s = (s[:m.start()] + " " + s[m.end():]).strip()
    s = re.sub(r"\s+", " ", s).strip()
    numeric = None
    if m := _YMD_RE.fullmatch(s):
        y_text, month, day = m[1], int(m[3]), int(m[4])
    elif m := _DMY_RE.fullmatch(s):
        a, b, y_text = int(m[1]), int(m[3]), m[4]
        if a > 12 and b <= 12:
            day, month, numeric = a, b, "dm"
        elif b > 12 and a <= 12:
            day, month, numeric = b, a, "md"
        else:
            day, month = (b, a) if order == "mdy" else (a, b)
            numeric = "ambiguous" if a != b else None
    elif (m := _NAMED_RE.fullmatch(s)) and _month_key(m[2]) in month_lookup():
        day, month, y_text = int(m[1]), month_lookup()[_month_key(m[2])], m[3]
    elif (m := _NAMED_FIRST_RE.fullmatch(s)) and _month_key(m[1]) in month_lookup():
        day, month, y_text = int(m[2]), month_lookup()[_month_key(m[1])], m[3]
    elif _COMPACT_RE.fullmatch(s):
        if int(s[:4]) >= 1900:
            y_text, month, day = s[:4], int(s[4:6]), int(s[6:])
        else:
            day, month, y_text = int(s[:2]), int(s[2:4]), s[4:]
    else:
        return None, None, None, (), "not_a_date", None
    year, flags = _year(y_text, era_hint, era_word)
    if year is None:
        return None, None, None, tuple(flags), "year_out_of_range", numeric
    try:
        date(year, month, day)
    except ValueError:
        return None, None, None, tuple(flags), "no_such_day", numeric
    return year, month, day, tuple(flags), None, numeric


def _normalise(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.translate(thai.TO_ARABIC_DIGITS)
    s = s.map(lambda v: unicodedata.normalize("NFKC", v) if isinstance(v, str) else v,
              na_action="ignore").astype("string")
    s = s.str.replace(r"[\u200b\u200c\u200d\ufeff]", "", regex=True)
    return s.str.replace(r"\s+", " ", regex=True).str.strip().replace("", pd.NA)


def parse(values: pd.Series, *, order: str = "dmy", era: str = "be",
          min_year: int = 1900, max_year: int = 2200) -> ParsedDates:
    """Read every value of a column as a date (and time), whatever form each is in.

    Args:
        values: strings, numbers (Excel serials) or datetime cells, mixed.
        order: the column's declared order (``dmy``, ``mdy``, ``ymd``, ``d_mon_y``): only
            decides ``03/04/2567`` (``mdy`` reads it as 4 March; any other as 3 April).
        era: the column's declared era (``be``/``ce``): only decides two-digit years.
        min_year, max_year: ค.ศ. years outside are ``year_out_of_range``.

    Returns:
        :class:`ParsedDates`; never raises on a value.
    """
    index = values.index
    n = len(values)
    ts = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    flags = np.full(n, None, dtype=object)
    problems = np.full(n, None, dtype=object)
    has_time = np.zeros(n, dtype=bool)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        ts[:] = values.dt.tz_localize(None).to_numpy("datetime64[us]") \
            if getattr(values.dt, "tz", None) else values.to_numpy("datetime64[us]")
        stamps = pd.Series(ts, index=index)
        has_time = (stamps.notna() & (stamps != stamps.dt.normalize())).to_numpy()
        return _result(ts, flags, problems, has_time, index, min_year, max_year)
    obj = values.astype(object).to_numpy()
    # real cells: datetime / date objects and numbers (Excel serials)
    is_dt = np.fromiter((isinstance(v, (datetime, date)) for v in obj), bool, n)
    is_num = np.fromiter((isinstance(v, (int, float, np.integer, np.floating))
                          and not isinstance(v, bool) and v == v for v in obj), bool, n)
    for i in np.flatnonzero(is_dt):
        t = pd.Timestamp(obj[i])
        ts[i] = t.tz_localize(None).to_datetime64() if t.tz else t.to_datetime64()
        has_time[i] = t != t.normalize()
    if is_num.any():
        num = obj[is_num].astype(float)
        ok = (num >= EXCEL_SERIALS[0]) & (num <= EXCEL_SERIALS[1])
        stamp = _EXCEL_EPOCH + pd.to_timedelta(np.where(ok, num, 0) * 86400 * 10**6,
                                               unit="us").round("s")
        idx = np.flatnonzero(is_num)
        ts[idx[ok]] = stamp[ok].to_numpy("datetime64[us]")
        has_time[idx[ok]] = (num[ok] % 1) != 0
        problems[idx[~ok]] = "not_a_date"
    rest = ~is_dt & ~is_num
    if rest.any():
        strings = pd.Series(obj[rest]).where(pd.notna(pd.Series(obj[rest])), None)
        s = _normalise(strings)
        _parse_strings(s, np.flatnonzero(rest), order, era, ts, flags, problems, has_time)
    return _result(ts, flags, problems, has_time, index, min_year, max_year)


def _parse_strings(s: pd.Series, where: np.ndarray, order: str, era: str, ts, flags,
                   problems, has_time) -> None:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if not len(uniques):
        return
    u = pd.Series(uniques, dtype="string")
    serial = u.str.fullmatch(_SERIAL_RE.pattern).fillna(False).to_numpy(bool)
    parts = u.str.extract(_TIME_RE)
    date_part = parts["date"].where(parts["date"].notna(), u)
    # each distinct date part once (a time of day multiplies distinct values)
    d_codes, d_uniques = pd.factorize(date_part)
    read = [_one(v, order, era) for v in d_uniques]
    numeric = np.array([r[5] for r in read], dtype=object)
    # the column's own evidence of its day/month order
    evidence = {o for o in numeric[np.unique(d_codes[d_codes >= 0])] if o in ("dm", "md")}
    declared = "md" if order == "mdy" else "dm"
    flip_to_md = evidence == {"md"} and declared == "dm"
    flip_to_dm = evidence == {"dm"} and declared == "md"
    y = np.full(len(d_uniques), -1, dtype=np.int64)
    mo = np.zeros(len(d_uniques), dtype=np.int64)
    dd = np.zeros(len(d_uniques), dtype=np.int64)
    d_flags = np.full(len(d_uniques), None, dtype=object)
    d_prob = np.full(len(d_uniques), None, dtype=object)
    for i, (yr, mn, dy, fl, pr, num) in enumerate(read):
        fl = list(fl)
        if num == "ambiguous" and (flip_to_md or flip_to_dm):
            mn, dy = dy, mn
        if num == "ambiguous" and evidence != {declared}:
            fl.insert(0, "ambiguous_dm")
        if pr is None and (flip_to_md or flip_to_dm) and num == "ambiguous":
            try:
                date(yr, mn, dy)
            except ValueError:
                pr, yr = "no_such_day", None
        if pr is None:
            y[i], mo[i], dd[i] = yr, mn, dy
        d_prob[i] = pr
        d_flags[i] = ",".join(fl) or None
    ok = y >= 0
    base = np.full(len(d_uniques), np.datetime64("NaT"), dtype="datetime64[us]")
    if ok.any():
        base[ok] = pd.to_datetime(pd.DataFrame({"year": y[ok], "month": mo[ok],
                                                "day": dd[ok]})).to_numpy("datetime64[us]")
    hour = pd.to_numeric(parts["h"], errors="coerce").to_numpy(float)
    minute = pd.to_numeric(parts["m"], errors="coerce").to_numpy(float)
    sec = pd.to_numeric(parts["s"], errors="coerce").to_numpy(float)
    ampm = parts["ampm"].fillna("").str.lower().str.replace(".", "", regex=False)
    pm = ampm.isin(["pm", "หลังเที่ยง"]).to_numpy() & (hour < 12)
    am12 = ampm.isin(["am", "ก่อนเที่ยง"]).to_numpy() & (hour == 12)
    hour = np.where(pm, hour + 12, np.where(am12, 0, hour))
    timed = ~np.isnan(hour)
    bad_time = timed & ((hour > 23) | (minute > 59) | (np.nan_to_num(sec) > 59))
    u_ts = base[d_codes] if len(d_uniques) else np.full(len(u), np.datetime64("NaT"),
                                                        dtype="datetime64[us]")
    u_ts = np.where(d_codes >= 0, u_ts, np.datetime64("NaT"))
    secs = np.nan_to_num(hour) * 3600 + np.nan_to_num(minute) * 60 + np.nan_to_num(sec)
    u_ts = u_ts + (np.where(bad_time, 0, secs) * 10**6).astype("timedelta64[us]")
    u_prob = np.where(d_codes >= 0, d_prob[np.maximum(d_codes, 0)], "not_a_date").astype(object)
    u_flag = np.where(d_codes >= 0, d_flags[np.maximum(d_codes, 0)], None).astype(object)
    u_time = timed & ~bad_time & ~((secs == 0) & ~np.isnan(sec))  # "00:00:00" of a date cell
    # Excel serials written as text
    if serial.any():
        num = u[serial].astype(float).to_numpy()
        good = (num >= EXCEL_SERIALS[0]) & (num <= EXCEL_SERIALS[1])
        idx = np.flatnonzero(serial)
        stamp = (_EXCEL_EPOCH + pd.to_timedelta(np.where(good, num, 0) * 86400 * 10**6,
                                                unit="us").round("s")).to_numpy("datetime64[us]")
        u_ts[idx[good]] = stamp[good]
        u_prob[idx[good]] = None
        u_time[idx[good]] = (num[good] % 1) != 0
        u_ts[idx[~good]] = np.datetime64("NaT")
        u_prob[idx[~good]] = "not_a_date"
    u_ts = np.where(pd.isna(u_prob), u_ts, np.datetime64("NaT"))
    got = codes >= 0
    target = where[got]
    c = codes[got]
    ts[target] = u_ts[c]
    flags[target] = u_flag[c]
    problems[target] = u_prob[c]
    has_time[target] = u_time[c]


def _result(ts, flags, problems, has_time, index, min_year, max_year) -> ParsedDates:
    stamps = pd.Series(ts, index=index, dtype="datetime64[us]")
    years = stamps.dt.year
    out = stamps.notna() & ((years < min_year) | (years > max_year))
    probs = pd.Series(problems, index=index, dtype="string")
    if out.any():
        probs[out] = "year_out_of_range"
        stamps[out] = pd.NaT
    fl = pd.Series(flags, index=index, dtype="string").where(stamps.notna())
    return ParsedDates(stamps, fl, probs, pd.Series(has_time, index=index) & stamps.notna())


def problem_text(code: str, lang: str = "th") -> str:
    """A problem code of :data:`PROBLEMS` in words, with the forms that are read."""
    return text(f"core.thaidates.problem.{code}", lang)


def flag_text(code: str, lang: str = "th") -> str:
    """A flag code of :data:`FLAGS` in words."""
    return text(f"core.thaidates.flag.{code}", lang)

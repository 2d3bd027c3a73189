"""Tests for oneplan.core.thai: hand-checked examples, boundaries and error messages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from oneplan.core import thai
from oneplan.core.thai import (
    THAI_MONTHS,
    THAI_MONTHS_ABBR,
    NationalIdError,
    ThaiDateError,
    ThaiLocaleError,
    ThaiNumberError,
    ThaiYearError,
    arabic_to_thai_digits,
    be_to_ce,
    ce_to_be,
    fiscal_quarter,
    fiscal_year,
    fiscal_year_bounds,
    format_baht,
    format_date,
    format_int,
    format_million,
    format_thai_date,
    national_id_is_valid,
    normalize_national_id,
    normalize_phone,
    parse_number,
    parse_thai_date,
    thai_digits_to_arabic,
)


def test_errors_are_value_errors():
    for cls in (ThaiLocaleError, ThaiYearError, ThaiDateError, ThaiNumberError, NationalIdError):
        assert issubclass(cls, ValueError)
        assert cls.__name__.endswith("Error")


# --- years -----------------------------------------------------------------------------

@pytest.mark.parametrize("be, ce", [(2567, 2024), (2568, 2025), (2400, 1857), (2800, 2257)])
def test_be_ce_round_trip(be, ce):
    assert be_to_ce(be) == ce
    assert ce_to_be(ce) == be


def test_be_to_ce_rejects_a_ce_year_with_a_clear_message():
    with pytest.raises(ThaiYearError, match=r"2024.*ค\.ศ\.") as exc:
        be_to_ce(2024)
    assert "already" in str(exc.value)


def test_ce_to_be_rejects_a_be_year_with_a_clear_message():
    with pytest.raises(ThaiYearError, match=r"2567.*พ\.ศ\.\) year already"):
        ce_to_be(2567)


@pytest.mark.parametrize("bad", [2399, 2801, "2567", 2567.0, True, None])
def test_be_to_ce_rejects_implausible_or_non_integer_years(bad):
    with pytest.raises(ThaiYearError, match=repr(bad).replace(".", r"\.")):
        be_to_ce(bad)


@pytest.mark.parametrize("bad", [1856, 2258])
def test_ce_to_be_rejects_out_of_range(bad):
    with pytest.raises(ThaiYearError, match=str(bad)):
        ce_to_be(bad)


# --- fiscal years ----------------------------------------------------------------------

@pytest.mark.parametrize("d, fy", [
    (date(2024, 9, 30), 2567),   # last day of FY 2567
    (date(2024, 10, 1), 2568),   # first day of FY 2568
    (date(2025, 1, 15), 2568),
    (date(2025, 9, 30), 2568),
    (date(2025, 10, 1), 2569),
    (date(2024, 1, 1), 2567),
    (date(2023, 12, 31), 2567),
    (datetime(2024, 9, 30, 23, 59), 2567),
    ("30/09/2567", 2567),
    ("01/10/2567", 2568),
])
def test_fiscal_year(d, fy):
    assert fiscal_year(d) == fy


def test_fiscal_year_bounds():
    assert fiscal_year_bounds(2568) == (date(2024, 10, 1), date(2025, 9, 30))
    assert fiscal_year_bounds(2567) == (date(2023, 10, 1), date(2024, 9, 30))
    start, end = fiscal_year_bounds(2568)
    assert fiscal_year(start) == fiscal_year(end) == 2568
    assert fiscal_year(date(2024, 9, 30)) == 2567  # the day before start
    with pytest.raises(ThaiYearError, match="2025"):
        fiscal_year_bounds(2025)  # a CE year by mistake


@pytest.mark.parametrize("d, expected", [
    (date(2024, 10, 1), (2568, 1)),
    (date(2024, 12, 31), (2568, 1)),
    (date(2025, 1, 1), (2568, 2)),
    (date(2025, 3, 31), (2568, 2)),
    (date(2025, 4, 1), (2568, 3)),
    (date(2025, 6, 30), (2568, 3)),
    (date(2025, 7, 1), (2568, 4)),
    (date(2025, 9, 30), (2568, 4)),
    (date(2024, 9, 30), (2567, 4)),
])
def test_fiscal_quarter(d, expected):
    assert fiscal_quarter(d) == expected


def test_fiscal_year_rejects_non_dates():
    with pytest.raises(ThaiDateError, match="'yesterday'"):
        fiscal_year("yesterday")
    with pytest.raises(ThaiDateError, match="20240315"):
        fiscal_year(20240315)


# --- digits and numbers ----------------------------------------------------------------

def test_digit_conversion():
    assert thai_digits_to_arabic("๐๑๒๓๔๕๖๗๘๙") == "0123456789"
    assert arabic_to_thai_digits("0123456789") == "๐๑๒๓๔๕๖๗๘๙"
    assert thai_digits_to_arabic("ปี ๒๕๖๗ ข้อ 3") == "ปี 2567 ข้อ 3"
    assert arabic_to_thai_digits("15 มี.ค. 2567") == "๑๕ มี.ค. ๒๕๖๗"
    assert thai_digits_to_arabic(arabic_to_thai_digits("1,234.50")) == "1,234.50"


@pytest.mark.parametrize("text, value", [
    ("1,234,567.50", 1234567.5),
    ("  42 ", 42.0),
    ("๑,๒๐๐", 1200.0),
    ("1,200 บาท", 1200.0),
    ("๓๕๐บาท", 350.0),
    ("1,200.- บาท", 1200.0),
    ("฿1,200", 1200.0),
    ("-3.25", -3.25),
    ("+7", 7.0),
    ("1234567", 1234567.0),
    ("0", 0.0),
    (12, 12.0),
    (2.5, 2.5),
    (Decimal("2.5"), 2.5),
])
def test_parse_number(text, value):
    result = parse_number(text)
    assert result == value
    assert isinstance(result, float)


@pytest.mark.parametrize("empty", [None, "", "   ", " บาท ", float("nan")])
def test_parse_number_empty_is_none(empty):
    assert parse_number(empty) is None


@pytest.mark.parametrize("bad", ["abc", "12abc", "1,23", "12,34,567", "1.2.3", "1 234", "--5"])
def test_parse_number_garbage_names_the_value(bad):
    with pytest.raises(ThaiNumberError, match=f"Cannot read '{bad}' as a number"):
        parse_number(bad)


def test_parse_number_rejects_non_numbers():
    with pytest.raises(ThaiNumberError, match=r"\[1\]"):
        parse_number([1])
    with pytest.raises(ThaiNumberError, match="True"):
        parse_number(True)


# --- formatting numbers ----------------------------------------------------------------

@pytest.mark.parametrize("x, th, en", [
    (12_500_000, "12.5 ล้านบาท", "12.5 million baht"),
    (1_250_000_000, "1,250.0 ล้านบาท", "1,250.0 million baht"),
    (1_000_000, "1.0 ล้านบาท", "1.0 million baht"),
    (850_000, "850,000 บาท", "850,000 baht"),
    (999_999.4, "999,999 บาท", "999,999 baht"),
    (999_999.6, "1.0 ล้านบาท", "1.0 million baht"),  # rounds up into millions
    (1234.56, "1,235 บาท", "1,235 baht"),
    (0, "0 บาท", "0 baht"),
    (-0.2, "0 บาท", "0 baht"),  # no "-0"
    (-12_500_000, "-12.5 ล้านบาท", "-12.5 million baht"),
    (-850_000, "-850,000 บาท", "-850,000 baht"),
])
def test_format_baht(x, th, en):
    assert format_baht(x) == th
    assert format_baht(x, lang="en") == en


def test_format_baht_digits():
    assert format_baht(12_345_678, digits=2) == "12.35 ล้านบาท"
    assert format_baht(12_345_678, digits=0) == "12 ล้านบาท"


@pytest.mark.parametrize("bad", [None, float("nan"), float("inf"), "12"])
def test_format_baht_rejects_missing_values(bad):
    with pytest.raises(ThaiNumberError, match=repr(bad)):
        format_baht(bad)


def test_format_baht_rejects_bad_options():
    with pytest.raises(ThaiLocaleError, match="'fr'"):
        format_baht(1, lang="fr")
    with pytest.raises(ThaiLocaleError, match="-1"):
        format_baht(1, digits=-1)


def test_format_million():
    assert format_million(12_500_000) == "12.5"
    assert format_million(1_250_000_000) == "1,250.0"
    assert format_million(870_000) == "0.9"
    assert format_million(12_345_678, digits=3) == "12.346"
    assert format_million(-2_000_000) == "-2.0"


def test_format_int():
    assert format_int(1234) == "1,234"
    assert format_int(1234567.6) == "1,234,568"
    assert format_int(0) == "0"
    assert format_int(-1234) == "-1,234"
    assert format_int(12_345_678_901_234_567_891) == "12,345,678,901,234,567,891"  # exact
    with pytest.raises(ThaiNumberError, match="nan"):
        format_int(float("nan"))


# --- parsing dates ---------------------------------------------------------------------

MARCH_15 = date(2024, 3, 15)


@pytest.mark.parametrize("text", [
    "15/03/2567",
    "15/3/2567",
    "15-03-2567",
    "15.03.2567",
    "2567-03-15",
    "2024-03-15",
    "15/03/2024",       # d/m/CE: a year below 2400 is CE
    "๑๕/๐๓/๒๕๖๗",
    "15 มีนาคม 2567",
    "15 มี.ค. 2567",
    "15 มี.ค.2567",
    "15มีนาคม2567",
    "๑๕ มี.ค. ๒๕๖๗",
    "15 มีนาคม พ.ศ. 2567",
    "วันที่ 15 มีนาคม 2567",
    "15 March 2024",
    "15 Mar 2024",
    "15/03/2567 14:30",
    "15/03/2567 14:30:59",
    "15/03/2567 14.30 น.",
    "2024-03-15T14:30:00+07:00",
    "  15/03/2567  ",
])
def test_parse_thai_date_accepts(text):
    assert parse_thai_date(text) == MARCH_15


def test_parse_thai_date_passes_dates_through():
    assert parse_thai_date(MARCH_15) == MARCH_15
    result = parse_thai_date(datetime(2024, 3, 15, 14, 30))
    assert result == MARCH_15 and type(result) is date


@pytest.mark.parametrize("i", range(12))
def test_parse_every_month_name(i):
    assert parse_thai_date(f"1 {THAI_MONTHS[i]} 2567") == date(2024, i + 1, 1)
    assert parse_thai_date(f"1 {THAI_MONTHS_ABBR[i]} 2567") == date(2024, i + 1, 1)


def test_year_rule_boundary():
    # a four-digit year of 2400 or more is พ.ศ.; below that it is ค.ศ.
    assert parse_thai_date("01/01/2400") == date(1857, 1, 1)
    assert parse_thai_date("2401-06-01") == date(1858, 6, 1)
    assert parse_thai_date("01/01/2257") == date(2257, 1, 1)
    with pytest.raises(ThaiDateError, match=r"'01/01/2399'.*2399"):
        parse_thai_date("01/01/2399")  # neither a plausible พ.ศ. nor ค.ศ. year


def test_leap_day():
    assert parse_thai_date("29/02/2567") == date(2024, 2, 29)  # 2024 is a leap year
    assert parse_thai_date("29 ก.พ. 2567") == date(2024, 2, 29)
    with pytest.raises(ThaiDateError, match=r"'29/02/2566' is not a real date.*28 days"):
        parse_thai_date("29/02/2566")  # 2023 is not


@pytest.mark.parametrize("text, message", [
    ("31/02/2567", r"'31/02/2567' is not a real date.*February 2024\) has 29 days"),
    ("31/04/2567", r"'31/04/2567' is not a real date.*30 days"),
    ("00/03/2567", r"'00/03/2567' is not a real date"),
    ("15/13/2567", r"'15/13/2567' is not a real date: there is no month 13"),
    ("15/3/67", r"'15/3/67'.*two digits.*2567.*2067"),
    ("15 มี.ค. 67", r"'15 มี.ค. 67'.*two digits"),
    ("15/03/567", r"'15/03/567'.*four digits"),
    ("15 มีนาคม ค.ศ. 2567", r"'15 มีนาคม ค.ศ. 2567'.*already"),
    ("15 มีนาคม พ.ศ. 2024", r"'15 มีนาคม พ.ศ. 2024'.*already"),
    ("2300-01-01", r"'2300-01-01'"),
    ("15 Marchh 2024", r"Cannot read '15 Marchh 2024' as a date"),
    ("yesterday", r"Cannot read 'yesterday' as a date"),
    ("", r"Cannot read '' as a date"),
    ("15/03-2567", r"Cannot read '15/03-2567'"),
])
def test_parse_thai_date_errors_name_the_value(text, message):
    with pytest.raises(ThaiDateError, match=message):
        parse_thai_date(text)


def test_parse_thai_date_rejects_non_strings():
    with pytest.raises(ThaiDateError, match="None"):
        parse_thai_date(None)


# --- formatting dates ------------------------------------------------------------------

def test_month_tables():
    assert len(THAI_MONTHS) == len(THAI_MONTHS_ABBR) == 12
    assert THAI_MONTHS[0] == "มกราคม" and THAI_MONTHS[11] == "ธันวาคม"
    assert THAI_MONTHS_ABBR == ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                                "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")


def test_format_thai_date():
    assert format_thai_date(MARCH_15) == "15 มีนาคม 2567"
    assert format_thai_date(MARCH_15, style="short") == "15 มี.ค. 2567"
    assert format_thai_date(MARCH_15, style="numeric") == "15/03/2567"
    assert format_thai_date(date(2025, 1, 5), style="numeric") == "05/01/2568"
    assert format_thai_date(date(2025, 1, 5)) == "5 มกราคม 2568"
    assert format_thai_date(datetime(2024, 12, 31, 8)) == "31 ธันวาคม 2567"
    with pytest.raises(ThaiLocaleError, match="'long'"):
        format_thai_date(MARCH_15, style="long")


def test_format_date_english():
    assert format_date(MARCH_15) == "15 มีนาคม 2567"
    assert format_date(MARCH_15, lang="en") == "15 March 2024"
    assert format_date(MARCH_15, lang="en", style="short") == "15 Mar 2024"
    assert format_date(MARCH_15, lang="en", style="numeric") == "15/03/2024"
    with pytest.raises(ThaiLocaleError, match="'de'"):
        format_date(MARCH_15, lang="de")


@pytest.mark.parametrize("d", [date(2024, 2, 29), date(2023, 10, 1), date(2025, 9, 30)])
@pytest.mark.parametrize("style", ["full", "short", "numeric"])
def test_format_parse_round_trip(d, style):
    assert parse_thai_date(format_thai_date(d, style)) == d
    assert parse_thai_date(format_date(d, "en", style)) == d


# --- national ID -----------------------------------------------------------------------
# Check digit = (11 - (sum(d[i] * (13 - i) for i in 0..11) % 11)) % 10, worked by hand:
#
# 1101700230708: 1*13 + 1*12 + 0*11 + 1*10 + 7*9 + 0*8 + 0*7 + 2*6 + 3*5 + 0*4 + 7*3 + 0*2
#              = 13 + 12 + 0 + 10 + 63 + 0 + 0 + 12 + 15 + 0 + 21 + 0 = 146
#              146 % 11 = 3 (11*13 = 143); (11 - 3) % 10 = 8  -> last digit 8, valid.
# 1234567890121: 1*13 + 2*12 + 3*11 + 4*10 + 5*9 + 6*8 + 7*7 + 8*6 + 9*5 + 0*4 + 1*3 + 2*2
#              = 13 + 24 + 33 + 40 + 45 + 48 + 49 + 48 + 45 + 0 + 3 + 4 = 352
#              352 % 11 = 0 (11*32 = 352); (11 - 0) % 10 = 1  -> last digit 1, valid.
#              (exercises the "% 10" wrap from 11 to 1)
# 1000000000050: 1*13 + 5*2 = 23; 23 % 11 = 1; (11 - 1) % 10 = 0 -> last digit 0, valid.
#              (exercises the "% 10" wrap from 10 to 0)
VALID_IDS = ["1101700230708", "1234567890121", "1000000000050"]


@pytest.mark.parametrize("nid", VALID_IDS)
def test_national_id_valid(nid):
    assert national_id_is_valid(nid)
    assert normalize_national_id(nid) == nid


@pytest.mark.parametrize("nid", VALID_IDS)
def test_national_id_every_wrong_check_digit_is_invalid(nid):
    for last in "0123456789":
        if last != nid[-1]:
            assert not national_id_is_valid(nid[:-1] + last)


@pytest.mark.parametrize("text", [
    "1-2345-67890-12-1",
    "1 2345 67890 12 1",
    " 1234567890121 ",
    "๑๒๓๔๕๖๗๘๙๐๑๒๑",
    "๑-๒๓๔๕-๖๗๘๙๐-๑๒-๑",
    1234567890121,
])
def test_national_id_formats(text):
    assert national_id_is_valid(text)
    assert normalize_national_id(text) == "1234567890121"


@pytest.mark.parametrize("bad", [
    None, "", "123456789012", "12345678901211", "1234567890120", "1234567890a21",
    "1/2345/67890/12/1", True,
])
def test_national_id_invalid_is_false(bad):
    assert national_id_is_valid(bad) is False


def test_normalize_national_id_errors():
    with pytest.raises(NationalIdError, match="'123456789012'.*13 digits"):
        normalize_national_id("123456789012")
    with pytest.raises(NationalIdError, match="'1-2345-67890-12-0'.*last digit"):
        normalize_national_id("1-2345-67890-12-0")
    assert normalize_national_id("1-2345-67890-12-0", check_digit=False) == "1234567890120"


# --- phone numbers ---------------------------------------------------------------------

@pytest.mark.parametrize("raw, canonical", [
    ("+66 81 234 5678", "0812345678"),
    ("+66812345678", "0812345678"),
    ("+66 (0)81 234 5678", "0812345678"),
    ("081-234-5678", "0812345678"),
    ("081 234 5678", "0812345678"),
    ("๐๘๑๒๓๔๕๖๗๘", "0812345678"),
    ("๐๘๑-๒๓๔-๕๖๗๘", "0812345678"),
    ("66812345678", "0812345678"),
    ("0612345678", "0612345678"),
    ("0912345678", "0912345678"),
    ("0661234567", "0661234567"),
    ("02-123-4567", "021234567"),
    ("(02) 123 4567", "021234567"),
    ("+66 2 123 4567", "021234567"),
    ("053-123456", "053123456"),
    ("02-123-4567 ต่อ 12", "021234567"),
    ("02-123-4567 ext. 12", "021234567"),
    (812345678, "0812345678"),      # a spreadsheet dropped the leading zero
    (812345678.0, "0812345678"),
    (66812345678, "0812345678"),
    (661234567, "0661234567"),      # an 066 mobile, not the +66 country code
    (21234567, "021234567"),
    (6621234567, "021234567"),
])
def test_normalize_phone(raw, canonical):
    assert normalize_phone(raw) == canonical


@pytest.mark.parametrize("bad", [
    None, "", "   ", "-", "1669", "081-234-567", "081-234-56789", "0112345678",
    "+1 212 555 1234", "abc", "081-234-5678, 089-999-9999", float("nan"), -812345678,
    8.5, True,
])
def test_normalize_phone_invalid_is_none(bad):
    assert normalize_phone(bad) is None


def test_module_does_not_print(capsys):
    normalize_phone("garbage")
    parse_thai_date("15/03/2567")
    format_baht(1)
    assert capsys.readouterr() == ("", "")
    assert thai.logger.name == "oneplan.core.thai"


def test_pandas_and_numpy_values():
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    assert normalize_phone(np.float64(812345678.0)) == "0812345678"  # a float column
    assert normalize_phone(np.int64(812345678)) == "0812345678"
    assert normalize_phone(np.float64("nan")) is None
    assert parse_number(np.float64("nan")) is None
    assert parse_number(np.int64(5)) == 5.0
    assert format_baht(np.int64(12_500_000)) == "12.5 ล้านบาท"
    assert format_int(np.int64(1234)) == "1,234"
    assert parse_thai_date(pd.Timestamp("2024-03-15 10:00")) == MARCH_15
    assert fiscal_year(pd.Timestamp("2024-10-01")) == 2568
    column = pd.Series(["081-234-5678", "x", None]).map(normalize_phone)
    assert column.iloc[0] == "0812345678" and column.iloc[1:].isna().all()

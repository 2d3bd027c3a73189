"""The tolerant Thai date reader: every form people type, mixed in one column, hostile
values as problems (never an exception), ambiguity as flags."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from oneplan.core import thaidates as td

MARCH_15 = "2024-03-15"
FORMS = {
    "15/03/2567": (MARCH_15, None), "15-03-2567": (MARCH_15, None),
    "15.03.2567": (MARCH_15, None), "15 / 03 / 2567": (MARCH_15, None),
    "15/3/67": (MARCH_15, "two_digit_year"), "2024-03-15": (MARCH_15, None),
    "2567-03-15": (MARCH_15, None), "2567/3/15": (MARCH_15, None),
    "15 มี.ค. 2567": (MARCH_15, None), "15 มีนาคม 2567": (MARCH_15, None),
    "15มี.ค.67": (MARCH_15, "two_digit_year"), "๑๕ มี.ค. ๒๕๖๗": (MARCH_15, None),
    "15 มี. ค. 2567": (MARCH_15, None), "15 มีค 2567": (MARCH_15, None),
    "15 มีนา 67": (MARCH_15, "two_digit_year"), "วันที่ 15 มีนาคม พ.ศ. 2567": (MARCH_15, None),
    "วันศุกร์ที่ 15 มีนาคม 2567": (MARCH_15, None), "15 มีนาคม ค.ศ. 2024": (MARCH_15, None),
    "15 March 2024": (MARCH_15, None), "March 15, 2024": (MARCH_15, None),
    "15 Mar 2024": (MARCH_15, None), "15/03/2024": (MARCH_15, None),
    "๑๕/๐๓/๒๕๖๗": (MARCH_15, None), "15032567": (MARCH_15, None), "20240315": (MARCH_15, None),
    "45366": (MARCH_15, None), "\u200b15/03/2567 ": (MARCH_15, None),
    "１５/０３/２５６７": (MARCH_15, None),                         # full-width digits (NFKC)
    "15 กรกฏาคม 2567": ("2024-07-15", None), "15 ก.ค. 2567": ("2024-07-15", None),
    "1 ธ.ค. 2566": ("2023-12-01", None), "29 ก.พ. 2567": ("2024-02-29", None),
    "13/07/2568": ("2025-07-13", None), "21 ก.พ. 2568": ("2025-02-21", None),
}


def _l(s: pd.Series) -> list:
    return [None if pd.isna(x) else x for x in s]


def _one(value, **kw):
    r = td.parse(pd.Series([value], dtype=object), **kw)
    t = r.timestamps.iloc[0]
    return (None if pd.isna(t) else str(t.date()), None if pd.isna(r.flags.iloc[0])
            else r.flags.iloc[0], None if pd.isna(r.problems.iloc[0]) else r.problems.iloc[0])


@pytest.mark.parametrize("value", list(FORMS))
def test_every_form_alone(value):
    want, flag = FORMS[value]
    assert _one(value) == (want, flag, None)


def test_every_form_mixed_in_one_column_keeps_its_row():
    values = pd.Series(list(FORMS) * 3, index=np.arange(len(FORMS) * 3) * 7, dtype=object)
    r = td.parse(values)
    assert list(r.timestamps.index) == list(values.index)
    assert [str(t.date()) for t in r.timestamps] == [w for w, _ in FORMS.values()] * 3
    assert r.problems.isna().all()


@pytest.mark.parametrize("value,problem", [
    ("31/02/2567", "no_such_day"), ("30 ก.พ. 2567", "no_such_day"), ("29/02/2566", "no_such_day"),
    ("15/13/2567", "no_such_day"), ("00/03/2567", "no_such_day"), ("yesterday", "not_a_date"),
    ("เมื่อวาน", "not_a_date"), ("15 ฟักทอง 2567", "not_a_date"), ("2567", "not_a_date"),
    ("15/03/2300", "year_out_of_range"), ("15/03/0024", "year_out_of_range"),
    ("=HYPERLINK(\"x\")", "not_a_date"), ("'; DROP TABLE complaints; --", "not_a_date"),
    ("15/03/2567/01", "not_a_date"), ("9" * 400, "not_a_date"), ("12345", "not_a_date"),
    ("1.5", "not_a_date"), ("15 มี.ค.", "not_a_date"),
])
def test_hostile_values_are_problems_not_crashes(value, problem):
    assert _one(value) == (None, None, problem)


def test_empty_values_are_neither_dates_nor_problems():
    r = td.parse(pd.Series(["", "  ", None, np.nan, pd.NA], dtype=object))
    assert r.timestamps.isna().all() and r.problems.isna().all() and r.empty.all()


def test_times_of_day():
    values = ["15/03/2567 14:30", "15/03/2567 14.30 น.", "2024-03-15T14:30:00",
              "15/03/2567 2:30 PM", "15 มี.ค. 2567 เวลา 14.30 นาฬิกา", "15/03/2567 2:30 หลังเที่ยง",
              "2024-03-15 14:30:00+07:00", "45366.6041666667"]
    r = td.parse(pd.Series(values))
    assert [t.strftime("%Y-%m-%d %H:%M") for t in r.timestamps] == ["2024-03-15 14:30"] * 8
    assert r.has_time.all()
    r = td.parse(pd.Series(["15/03/2567", "2024-03-15 00:00:00", "15/03/2567 25:70"]))
    assert not r.has_time.any()       # a date cell's 00:00:00 and an impossible time: no time
    assert [str(t.date()) for t in r.timestamps] == [MARCH_15] * 3


def test_ambiguous_day_month_is_flagged_and_the_hint_decides():
    # nothing in the column settles the order: the hint decides, and says so
    r = td.parse(pd.Series(["03/04/2567", "04/04/2567", "05/06/2567"]), order="dmy")
    assert [str(t.date()) for t in r.timestamps] == ["2024-04-03", "2024-04-04", "2024-06-05"]
    assert _l(r.flags) == ["ambiguous_dm", None, "ambiguous_dm"]     # 04/04 is not ambiguous
    r = td.parse(pd.Series(["03/04/2567", "05/06/2567"]), order="mdy")
    assert [str(t.date()) for t in r.timestamps] == ["2024-03-04", "2024-05-06"]
    assert r.flags.iloc[0] == "ambiguous_dm"
    # the column's other values all show the declared order: settled, not flagged
    r = td.parse(pd.Series(["03/04/2567", "15/04/2567"]), order="dmy")
    assert str(r.timestamps.iloc[0].date()) == "2024-04-03" and r.flags.isna().all()


def test_a_column_that_shows_only_the_other_order_is_read_in_that_order():
    # a feed declared d/m/y that really sends m/d/y: 04/15 proves it; 03/04 follows
    r = td.parse(pd.Series(["04/15/2567", "03/04/2567", "12/31/2566"]), order="dmy")
    assert [str(t.date()) for t in r.timestamps] == ["2024-04-15", "2024-03-04", "2023-12-31"]
    assert _l(r.flags) == [None, "ambiguous_dm", None]
    # both orders seen: the hint decides the ambiguous ones, flagged
    r = td.parse(pd.Series(["04/15/2567", "15/04/2567", "03/04/2567"]), order="dmy")
    assert str(r.timestamps.iloc[2].date()) == "2024-04-03"
    assert _l(r.flags) == [None, None, "ambiguous_dm"]


def test_two_digit_years_follow_the_era_hint_or_are_guessed():
    assert _one("15/03/67", era="be") == (MARCH_15, "two_digit_year", None)
    assert _one("15/03/24", era="ce") == (MARCH_15, "two_digit_year", None)
    # a พ.ศ. feed sending 24: 2524 is 1981, implausible; 2024 is taken and said so
    assert _one("15/03/24", era="be") == (MARCH_15, "two_digit_year,era_guessed", None)
    assert _one("15/03/67", era="ce") == (MARCH_15, "two_digit_year,era_guessed", None)


def test_real_cells_of_an_xlsx_and_numbers():
    values = pd.Series([dt.datetime(2024, 3, 15, 10, 0), dt.date(2024, 3, 15),
                        pd.Timestamp("2024-03-15"), 45366, 45366.5, 7, "15/03/2567"],
                       dtype=object)
    r = td.parse(values)
    assert [None if pd.isna(t) else str(t) for t in r.timestamps] == [
        "2024-03-15 10:00:00", "2024-03-15 00:00:00", "2024-03-15 00:00:00",
        "2024-03-15 00:00:00", "2024-03-15 12:00:00", None, "2024-03-15 00:00:00"]
    assert r.problems.iloc[5] == "not_a_date" and r.has_time.tolist()[:2] == [True, False]
    typed = td.parse(pd.Series(pd.to_datetime(["2024-03-15 08:00", None])))
    assert str(typed.timestamps.iloc[0]) == "2024-03-15 08:00:00" and typed.empty.iloc[1]


def test_year_bounds_are_a_problem():
    r = td.parse(pd.Series(["15/03/2450", "15/03/2567"]), min_year=1990, max_year=2100)
    assert _l(r.problems) == ["year_out_of_range", None]


def test_words_for_problems_and_flags_in_both_languages():
    for code in td.PROBLEMS:
        assert td.problem_text(code, "th") != td.problem_text(code, "en")
    for code in td.FLAGS:
        assert td.flag_text(code, "en")


def test_a_large_column_is_read_once_per_distinct_value(monkeypatch):
    calls = []
    real = td._one

    def counting(value, order, era):
        calls.append(value)
        return real(value, order, era)

    monkeypatch.setattr(td, "_one", counting)
    days = pd.date_range("2023-10-01", periods=365, freq="D")
    values = pd.Series([f"{d.day}/{d.month}/{d.year + 543} {h:02d}:{m:02d}" for d in days
                        for h, m in ((8, 0), (9, 15), (14, 30))] * 20)
    r = td.parse(values)
    assert r.problems.isna().all() and len(r.timestamps) == len(values)
    assert len(calls) == 365   # one call per distinct date, whatever the times

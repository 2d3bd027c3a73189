"""Numbers as people write them (core/numbers.py, reports/tables.py ``style``): counts
whole, money in ล้านบาท with one decimal, percentages with one decimal; and no table of a
generated report shows a count with decimals or baht with ".00" (slow)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from oneplan.core import numbers
from oneplan.reports.tables import style


def test_counts_money_percentages_scores():
    assert numbers.count(321.0) == "321" and numbers.count(69945) == "69,945"
    assert numbers.count(np.nan) == "–"
    assert numbers.million(1_593_540_000) == "1,593.5"
    assert numbers.money(1_593_540_000) == "1,593.5 ล้านบาท"
    assert numbers.money(860_000, "en") == "0.9 million baht"
    assert numbers.money_m(12.46) == "12.5 ล้านบาท"
    assert numbers.pct(88.46) == "88.5%" and numbers.pct(1, of=8) == "12.5%"
    assert numbers.pct(1, of=0) == "–"
    assert numbers.score(0.41234) == "0.412"
    with pytest.raises(ValueError):
        numbers.cell_format("weird")


@pytest.mark.parametrize("label, values, kind", [
    ("จำนวนโครงการ", [321.0, 12.0], "count"),
    ("ครัวเรือน", [69945.0, np.nan], "count"),
    ("งบประมาณ (ล้านบาท)", [12.0, 3.0], "money"),
    ("Cost (million baht)", [12.345], "money"),
    ("ร้อยละที่เบิกจ่าย", [54.36], "pct"),
    ("Share (%)", [50.0], "pct"),
    ("คะแนน", [0.41, 0.2], "score"),
    ("ปีที่เริ่ม", [2570.0, 2571.0], "year"),
    ("งบประมาณ (บาท)", [1_250_000.0], "count"),
    ("มัธยฐานวัน", [12.5], "number"),
    ("เรื่องร้องเรียนต่อประชากร 10,000 คน", [8.0, 8.0], "number"),
])
def test_column_kind(label, values, kind):
    assert numbers.column_kind(label, values) == kind


def test_style_formats_by_kind():
    df = pd.DataFrame({"จำนวนโครงการ": [321.0, 4203.0], "ครัวเรือน": [69945.0, 12.0],
                       "งบ (ล้านบาท)": [1593.54, 2.0], "ร้อยละ": [88.46, 1.0],
                       "คะแนน": [0.4123, 0.5], "ปี": [2570, 2571], "ชื่อ": ["ก", "ข"]})
    html = style(df, hide_index=True).to_html()
    for shown in ("321", "4,203", "69,945", "1,593.5", "2.0", "88.5", "0.412", "2570", "ก"):
        assert f">{shown}<" in html, shown
    for wrong in ("321.0", "69,945.0", "4,203.0", "2,570"):
        assert f">{wrong}<" not in html, wrong
    assert 'class="oneplan-keep"' in html     # short table stays on one page


def test_style_kinds_and_precise_override_the_guess():
    df = pd.DataFrame({"x": [1.0, 2.0], "y": [0.12345, 1.0]})
    html = style(df, kinds={"x": "money"}, precise={"y": 2}).to_html()
    assert ">1.0<" in html and ">0.12<" in html


def test_long_tables_may_break_across_pages():
    assert "oneplan-keep" not in style(pd.DataFrame({"n": range(13)})).to_html()


# ------------------------------------------------------------------ every generated table

class _Tables(HTMLParser):
    """Header labels and cell texts of every ``<table>`` of a page."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self.cell: list[str] | None = None
        self.row: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"head": [], "rows": []})
        elif tag in ("td", "th") and self.tables:
            self.cell = []
            self.kind = tag

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append((self.kind, " ".join("".join(self.cell).split())))
            self.cell = None
        elif tag == "tr" and self.tables:
            if self.row and all(k == "th" for k, _ in self.row):
                self.tables[-1]["head"] = [t for _, t in self.row]
            elif self.row:
                self.tables[-1]["rows"].append([t for _, t in self.row])
            self.row = []

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


_NUMBER = re.compile(r"^-?[\d,]+\.(\d+)$")
_ZERO_DECIMALS = re.compile(r"^-?[\d,]+\.0+$")


def _problems(head: list[str], rows: list[list[str]]) -> list[str]:
    out = []
    width = max((len(r) for r in rows), default=0)
    labels = ([""] * (width - len(head)) + head)[-width:] if head else [""] * width
    for j, name in enumerate(labels):
        cells = [r[j] for r in rows if j < len(r) and r[j] not in ("", "–")]
        nums = [c for c in cells if _NUMBER.match(c)]
        if len(nums) < 2 or len(nums) != len(cells):
            continue
        money = re.search(r"ล้านบาท|million baht|%|ร้อยละ|คะแนน|score|ดัชนี|น้ำหนัก|ต่อ|per |"
                          r"อัตรา|rate", name, re.I)
        if re.search(r"บาท|baht", name, re.I) and not money and \
                any(c.endswith(".00") for c in nums):
            out.append(f"baht with .00 in {name!r}: {nums[:3]}")
        elif not money and all(_ZERO_DECIMALS.match(c) for c in nums):
            out.append(f"count with decimals in {name!r}: {nums[:3]}")
    return out


def test_the_table_check_catches_counts_with_decimals_and_baht_with_cents():
    assert _problems(["โครงการ", "ครัวเรือน"], [["321.00", "69,945.0"], ["4.00", "1.0"]])
    assert _problems(["งบ (บาท)"], [["1,250,000.00"], ["3,000.00"]])
    assert not _problems(["งบ (ล้านบาท)", "โครงการ"], [["12.0", "3"], ["4.0", "5"]])
    assert not _problems(["มัธยฐานวัน"], [["12.5"], ["3.0"]])
    assert not _problems(["เรื่องต่อประชากร 10,000 คน"], [["8.0"], ["8.0"]])   # a rate


@pytest.mark.slow
def test_no_generated_table_shows_a_count_with_decimals_or_baht_with_cents():
    import report_set

    files = [p for p in report_set.htmls() if p.name != "index.html"]
    assert files
    found, n_tables = [], 0
    for path in files:
        parser = _Tables()
        parser.feed(path.read_text(encoding="utf-8"))
        for table in parser.tables:
            n_tables += 1
            found += [f"{path.parent.name}/{path.name}: {p}"
                      for p in _problems(table["head"], table["rows"])]
    assert n_tables > 50
    assert not found, "\n".join(found[:60])

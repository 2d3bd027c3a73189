"""Numbers as people write them in a report: the one place that says how a count, an
amount of money, a percentage or a score is shown.

* **count** — a whole number with thousands separators: ``321``, ``69,945`` (never
  ``321.00``);
* **money** — in ล้านบาท with one decimal: ``1,593.5``; :func:`money` adds the unit
  (``"1,593.5 ล้านบาท"``). Full baht appear only in XLSX files;
* **pct** — one decimal: ``88.5%``;
* **score** — a 0–1 score or index with three decimals: ``0.412``;
* **number** — any other measure, one decimal.

:func:`cell_format` gives the ``str.format`` spec of each kind for tables
(:func:`oneplan.reports.tables.style`); :func:`column_kind` guesses a table column's kind
from its label (``(ล้านบาท)``, ``%``, ``คะแนน`` …) and values (whole numbers: a count).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from oneplan.core.text import text

KINDS = ("count", "money", "pct", "score", "number", "year")
"""The kinds of number a report shows."""

_FORMATS = {
    "count": "{:,.0f}",
    "money": "{:,.1f}",
    "pct": "{:,.1f}",
    "score": "{:,.3f}",
    "number": "{:,.1f}",
    "year": "{:.0f}",
}

_MONEY_LABEL = re.compile(r"ล้านบาท|million baht|\(m(?:illion)? ?฿?\)|ล้าน|million", re.I)
_BAHT_LABEL = re.compile(r"บาท|baht", re.I)
_PCT_LABEL = re.compile(r"%|ร้อยละ|percent", re.I)
_RATE_LABEL = re.compile(r"ต่อ|per |อัตรา|\brate\b", re.I)
_SCORE_LABEL = re.compile(r"คะแนน|score|ดัชนี|index|ค่าความ|weight|น้ำหนัก", re.I)


def _finite(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def count(x) -> str:
    """``x`` as a whole number with thousands separators (``"69,945"``); ``"–"`` when
    missing."""
    v = _finite(x)
    return "–" if v is None else f"{v:z,.0f}"


def million(baht) -> str:
    """An amount in baht as ล้านบาท, number only, one decimal: 1_593_480_000 → ``"1,593.5"``."""
    v = _finite(baht)
    return "–" if v is None else f"{v / 1e6:z,.1f}"


def money(baht, lang: str = "th") -> str:
    """An amount in baht as text with its unit: ``"1,593.5 ล้านบาท"`` /
    ``"1,593.5 million baht"`` (always in millions, one decimal)."""
    return text("core.numbers.million", lang, amount=million(baht))


def money_m(millions, lang: str = "th") -> str:
    """An amount already in millions of baht as text with its unit (``"12.5 ล้านบาท"``)."""
    v = _finite(millions)
    return text("core.numbers.million", lang, amount="–" if v is None else f"{v:z,.1f}")


def pct(x, *, of: float | None = None) -> str:
    """A percentage with one decimal (``"88.5%"``): ``x`` itself, or ``x`` as a share of
    ``of``. Missing values and a zero ``of`` give ``"–"``."""
    v = _finite(x)
    if of is not None:
        d = _finite(of)
        v = None if v is None or not d else 100.0 * v / d
    return "–" if v is None else f"{v:z,.1f}%"


def score(x) -> str:
    """A score or index with three decimals (``"0.412"``)."""
    v = _finite(x)
    return "–" if v is None else f"{v:z,.3f}"


def cell_format(kind: str) -> str:
    """The ``str.format`` spec a table shows a column of ``kind`` with."""
    try:
        return _FORMATS[kind]
    except KeyError:
        raise ValueError(f"unknown number kind {kind!r}; use one of {', '.join(KINDS)}") from None


def _whole(values: Iterable) -> bool:
    vals = [v for v in (_finite(x) for x in values) if v is not None]
    return bool(vals) and all(v == int(v) for v in vals)


def _years(values: Iterable) -> bool:
    vals = [v for v in (_finite(x) for x in values) if v is not None]
    return bool(vals) and all(2400 <= v <= 2800 and v == int(v) for v in vals)


def column_kind(label, values: Iterable, *, integer: bool = False) -> str:
    """The kind of a numeric table column from its ``label`` and ``values``: whole
    พ.ศ. years are ``year``; a label in ล้านบาท is ``money``, with % or ร้อยละ ``pct``,
    a score/index/weight ``score``, a rate (ต่อ…, per …) a ``number``; an integer column (``integer``) or one whose values
    are all whole is a ``count``; anything else a ``number``."""
    values = list(values)
    name = " ".join(map(str, label)) if isinstance(label, tuple) else str(label)
    if _years(values):
        return "year"
    if _MONEY_LABEL.search(name):
        return "money"
    if _PCT_LABEL.search(name):
        return "pct"
    if _SCORE_LABEL.search(name):
        return "score"
    if _RATE_LABEL.search(name):
        return "number"   # a rate keeps its decimal even when it is whole (8.0 per 10,000)
    if integer or _whole(values):
        return "count"
    if _BAHT_LABEL.search(name):
        return "count"   # whole baht, never ".00"
    return "number"

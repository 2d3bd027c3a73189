"""The parts every report shares, as a governor's office reads a document: a cover page,
a one-page executive summary, the detail, then appendices (method, data and files).

Each function returns an HTML fragment a notebook shows with ``display(HTML(...))``;
every value in it is escaped by the one escaping point (:func:`oneplan.reports.pages.render`
and the ``reports/templates/document_*.html.j2`` templates). The export's stylesheet
(:data:`oneplan.batch.export.REPORT_CSS`) gives the hooks their layout: ``.oneplan-cover``
fills a page and the page breaks after it, ``.oneplan-summary`` is one page followed by a
break, ``.oneplan-part`` (the detail, each appendix) starts a new page. Texts come from
``reports/text/document.yml``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from oneplan.core import numbers
from oneplan.core.text import check_lang, text
from oneplan.core.thai import format_date
from oneplan.reports.pages import escape_html, render

THAILAND_TIME = timezone(timedelta(hours=7))
"""Indochina Time (UTC+7, no daylight saving): the times a report shows."""

MIN_FINDINGS = 3
MAX_FINDINGS = 5
"""An executive summary gives 3 to 5 headline findings."""


def _t(key: str, lang: str, **fields) -> str:
    return text(f"reports.document.{key}", lang, **fields)


def cover(*, title: str, province_name: str | None, fiscal_year: int, lang: str,
          synthetic: bool, issued_on: date | None = None, office: str | None = None) -> str:
    """The cover page: ``title``, the province (``None`` or empty: all provinces), the
    fiscal year (พ.ศ.), the date it was made (``issued_on``, default today; in พ.ศ. in
    Thai), the issuing office (``office``; a blank "…………" to fill in when ``None``) and,
    when ``synthetic``, the synthetic-data mark."""
    check_lang(lang)
    place = (_t("cover.place", lang, province=province_name) if province_name
             else _t("cover.place_national", lang))
    labels = {k: _t(f"cover.{k}", lang) for k in ("system", "issued_on", "office")}
    return render(
        "document_cover.html.j2", lang=lang, t=labels, title=title, place=place,
        year=_t("cover.year", lang, fiscal_year=int(fiscal_year)),
        issued_on=format_date(issued_on or date.today(), lang),
        office=office or _t("cover.office_blank", lang),
        synthetic=text("core.labels.synthetic_note", lang) if synthetic else "")


def executive_summary(findings: Sequence[tuple[str, str]], *, decision: str,
                      changes: str | Sequence[str] | None, lang: str,
                      downloads: Sequence[tuple[str, str]] = ()) -> str:
    """The one-page executive summary: ``findings`` as (headline, number text) pairs, 3 to
    5 of them, each number shown large beside its headline; the ``decision`` asked of the
    reader; what ``changes`` since the last version (one text or several; ``None`` or
    empty: "ฉบับแรก" / "First version"); ``downloads`` as (label, relative link) pairs to
    the report's own files.

    Raises:
        ValueError: fewer than 3 or more than 5 findings, or an empty decision.
    """
    check_lang(lang)
    findings = [(str(h), str(n)) for h, n in findings]
    if not MIN_FINDINGS <= len(findings) <= MAX_FINDINGS:
        raise ValueError(f"an executive summary gives {MIN_FINDINGS} to {MAX_FINDINGS} "
                         f"findings, not {len(findings)}")
    if not str(decision).strip():
        raise ValueError("an executive summary asks the reader for a decision")
    if isinstance(changes, str):
        changes = [changes]
    changes = [str(c) for c in (changes or ()) if str(c).strip()]
    if not changes:
        changes = [_t("summary.first_version", lang)]
    labels = {k: _t(f"summary.{k}", lang) for k in ("title", "decision", "changes", "downloads")}
    return render("document_summary.html.j2", lang=lang, t=labels, findings=findings,
                  decision=decision, changes=changes, downloads=list(downloads))


def part(kind: str, lang: str, *, title: str | None = None, number: int = 1) -> str:
    """The heading that starts a part on a new page: ``"detail"`` (the report's body),
    ``"method"`` or ``"data"`` (appendices, lettered by ``number``: ก, ข … in Thai,
    A, B … in English); ``title`` replaces the part's own name. The detail and the first
    appendix start a new page; a later appendix follows on the page of the one before."""
    check_lang(lang)
    if kind not in ("detail", "method", "data"):
        raise ValueError(f"unknown report part {kind!r}; use detail, method or data")
    name = title or _t(f"part.{kind}", lang)
    if kind != "detail":
        letters = _t("letters", lang)
        name = _t("part.appendix", lang, letter=letters[(number - 1) % len(letters)], title=name)
    return render("document_part.html.j2", kind=kind, anchor=f"oneplan-part-{kind}-{number}",
                  title=name, follows=kind != "detail" and number > 1)


def data_origin(event: Any, lang: str) -> str:
    """The data appendix's line from the audit trail, as HTML: when the data were last
    imported (พ.ศ. date and time, Thailand time) and by which account, from ``event`` (an
    :class:`oneplan.data.audit.Event`, e.g. :func:`oneplan.data.audit.latest`); the sample
    build's own row says no real data were imported; ``None``: no import on record. The
    account name is shown as written, in ``<code class="account">`` (the language check
    reads it as a name, not as English)."""
    check_lang(lang)
    if event is None:
        return f'<p class="oneplan-data-origin">{escape_html(_t("origin.none", lang))}</p>'
    kind = event.action if event.action in ("complaint_import", "sample_build") else "import"
    at = event.at if event.at.tzinfo else event.at.replace(tzinfo=timezone.utc)
    at = at.astimezone(THAILAND_TIME)
    mark = "\x00"
    line = escape_html(_t(f"origin.{kind}", lang, date=format_date(at.date(), lang),
                          time=f"{at:%H:%M}", actor=mark))
    account = f'<code class="account">{escape_html(event.actor)}</code>'
    return f'<p class="oneplan-data-origin">{line.replace(mark, account)}</p>'


def files_list(files: Sequence[tuple[str, str] | tuple[str, str, str]]) -> str:
    """A list of links to the report's own files: (label, relative path[, note]) each,
    e.g. ``("แผนงาน (Excel)", "plan_40_2570.xlsx")``."""
    rows = [(f[0], f[1], f[2] if len(f) > 2 else "") for f in files]
    return render("document_files.html.j2", files=rows)


def previous_summary(path: str | Path, **same: Any) -> dict[str, Any] | None:
    """The machine-readable summary of the last version of a report (``path``, read before
    the run writes its own), or None when there is none or it is of another province or
    year (``same``: keys that must match, e.g. ``province_code="40"``)."""
    try:
        prev = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(prev, dict):
        return None
    if any(str(prev.get(k)) != str(v) for k, v in same.items()):
        return None
    return prev


def changes_since(previous: Mapping[str, Any] | None, current: Mapping[str, Any],
                  fields: Sequence[tuple[str, str, str]], lang: str) -> list[str]:
    """What changed between two summaries of a report, one line per figure that moved:
    ``fields`` as (summary key, label, kind: count / money / pct / share / number) with ``share``
    a 0–1 value shown in percent. ``[]`` when there is no ``previous`` (a first version);
    one line saying nothing changed when no figure moved."""
    if not previous:
        return []
    out = []
    for key, name, kind in fields:
        before, now = previous.get(key), current.get(key)
        if not isinstance(before, (int, float)) or not isinstance(now, (int, float)):
            continue
        show = _SHOW[kind]
        if show(before) == show(now):
            continue
        out.append(_t("changes.moved", lang, name=name, before=show(before), now=show(now)))
    return out or [_t("changes.none", lang)]


_SHOW = {
    "count": numbers.count,
    "money": lambda v: numbers.million(v),
    "pct": lambda v: numbers.pct(v),
    "share": lambda v: numbers.pct(100 * v),
    "number": lambda v: f"{v:,.1f}",
}

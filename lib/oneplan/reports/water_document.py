"""The water plan as a document: its cover, the one-page executive summary with the
plan's result (projects, ล้านบาท, households), what changed since the last version
(the previous ``summary.json`` beside the report) and the appendix of data and files.

The parts themselves come from :mod:`oneplan.reports.document`; texts from
``reports/text/water_document.yml``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from oneplan.core import numbers
from oneplan.core.text import text
from oneplan.reports import document
from oneplan.reports.pages import escape_html
from oneplan.reports.water_run import PortfolioRun, years_text
from oneplan.selection.status import status_words


def _t(key: str, lang: str, **fields) -> str:
    return text(f"reports.water_document.{key}", lang, **fields)


def province_name(run: PortfolioRun) -> str:
    """The province's name in the report language."""
    return getattr(run.province, f"name_{run.lang}")


def cover(run: PortfolioRun) -> str:
    """The report's cover page."""
    return document.cover(title=_t("title", run.lang, years=years_text(run)),
                          province_name=province_name(run),
                          fiscal_year=run.params.fiscal_year, lang=run.lang,
                          synthetic=run.synthetic)


def previous_summary(out_dir: str | Path, run: PortfolioRun) -> dict[str, Any] | None:
    """The ``summary.json`` of the last version of this report in ``out_dir`` (read before
    the run writes its own), or None when there is none for this province and year."""
    path = Path(out_dir) / "summary.json"
    try:
        prev = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (str(prev.get("province_code")) != run.province.code
            or prev.get("fiscal_year") != run.params.fiscal_year):
        return None
    return prev


def changes(run: PortfolioRun, previous: dict[str, Any] | None) -> list[str]:
    """What changed since the ``previous`` summary: projects added and dropped, the
    budget used and the households served ([] for a first version)."""
    if not previous or "selected_ids" not in previous:
        return []
    lang = run.lang
    now = set(run.selected["project_id"])
    before = set(previous.get("selected_ids") or [])
    added, dropped = len(now - before), len(before - now)
    spent = float(run.selected["cost_baht"].sum())
    d_spent = spent - float(previous.get("selected_baht") or 0.0)
    households = int(run.selected["households_served"].sum())
    d_house = households - int(previous.get("households_served") or 0)
    if not added and not dropped and abs(d_spent) < 0.05e6:
        return [_t("changes.none", lang)]
    return [_t("changes.projects", lang, added=numbers.count(added),
               dropped=numbers.count(dropped)),
            _t("changes.budget", lang, delta=_signed(d_spent / 1e6),
               households=_signed(d_house, digits=0))]


def _signed(x: float, digits: int = 1) -> str:
    return f"{x:+,.{digits}f}".replace("+0.0", "0.0") if digits else f"{x:+,.0f}"


def executive_summary(run: PortfolioRun, previous: dict[str, Any] | None = None) -> str:
    """The one-page summary: the plan's result first (projects, ล้านบาท, households), the
    demand against the budget, the quality of the answer; the decision asked; changes."""
    lang = run.lang
    sel, cand = run.selected, run.candidates
    spent = float(sel["cost_baht"].sum())
    requested = float(cand["cost_baht"].sum())
    r = run.result
    findings = [
        (_t("finding.selected", lang, n_candidates=numbers.count(len(cand))),
         _t("unit.projects", lang, n=numbers.count(len(sel)))),
        (_t("finding.budget", lang, share=numbers.pct(spent, of=run.plan_budget),
            budget=numbers.money(run.plan_budget, lang), years=years_text(run)),
         numbers.money(spent, lang)),
        (_t("finding.households", lang),
         _t("unit.households", lang, n=numbers.count(sel["households_served"].sum()))),
        (_t("finding.requested", lang, ratio=f"{requested / max(run.plan_budget, 1):.1f}"),
         numbers.money(requested, lang)),
        (_t("finding.status", lang), status_words(r.status, lang, mip_rel_gap=r.mip_rel_gap)),
    ]
    decision = _t("decision", lang, n=numbers.count(len(sel)), amount=numbers.money(spent, lang),
                  years=years_text(run))
    return document.executive_summary(findings, decision=decision,
                                      changes=changes(run, previous), lang=lang,
                                      downloads=files(run)[:2])


def files(run: PortfolioRun) -> list[tuple[str, str]]:
    """The files the report writes beside itself, as (label, relative link)."""
    lang = run.lang
    return [(_t("file.xlsx", lang), f"plan_{run.province.code}_{run.years[0]}.xlsx"),
            (_t("file.summary", lang), "summary.json")]


def data_appendix(run: PortfolioRun) -> str:
    """Where the numbers come from (the database, its build date, the geography), when
    and by whom the data were last imported (the audit trail) and the links to the
    report's own files, as HTML."""
    lang = run.lang
    note = _t("data.sources", lang, built=run.db_meta.get("built_at") or "–",
              geography=run.db_meta.get("geography_version") or "–",
              n=numbers.count(len(run.candidates)))
    return (f'<p class="oneplan-data-note">{escape_html(note)}</p>'
            + document.data_origin(run.last_import, lang)
            + document.files_list(files(run)))

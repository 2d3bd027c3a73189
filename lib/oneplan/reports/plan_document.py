"""The needs plan and the follow-up as documents: their covers, one-page executive
summaries (headline figures, the decision asked, what changed since the last version's
``<report>.summary.json``), the criteria in words with their formulas in the method
appendix, and the appendix of data and files.

The parts come from :mod:`oneplan.reports.document`; texts from
``reports/text/plan_document.yml``.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from oneplan.core import numbers
from oneplan.core.text import text, texts
from oneplan.plan import ranking
from oneplan.reports import document
from oneplan.reports.pages import escape_html
from oneplan.reports.plan import PlanRun


def _t(key: str, lang: str, **fields) -> str:
    return text(f"reports.plan_document.{key}", lang, **fields)


def _province_name(run: PlanRun) -> str | None:
    return getattr(run.province, f"name_{run.lang}") if run.province else None


def cover(run: PlanRun, report: str) -> str:
    """The cover of the ``report`` (``needs_plan`` or ``followup``)."""
    quarter = run.extra.get("as_of_quarter") or ""
    return document.cover(title=_t(f"title.{report}", run.lang, quarter=str(quarter)),
                          province_name=_province_name(run), fiscal_year=run.fiscal_year,
                          lang=run.lang, synthetic=run.synthetic)


def previous(run: PlanRun, report: str, out_dir: str | Path) -> dict[str, Any] | None:
    """The last version's summary of ``report`` in ``out_dir`` (same province and year)."""
    return document.previous_summary(Path(out_dir) / f"{report}.summary.json",
                                     province_code=run.code or "",
                                     fiscal_year=run.fiscal_year)


def files(run: PlanRun, report: str) -> list[tuple[str, str]]:
    """The files the ``report`` writes beside itself, as (label, relative link)."""
    L = run.lang
    out = [(_t("file.xlsx", L), f"{report}.xlsx"),
           (_t(f"file.full_{report}", L), f"{report}_tables/"
            + ("ranking_full.csv" if report == "needs_plan" else "projects_full.csv"))]
    if report == "needs_plan" and run.province is not None:
        out.append((_t("file.oc4ids", L), f"oc4ids_{run.code}_{run.fiscal_year}.json"))
    out.append((_t("file.summary", L), f"{report}.summary.json"))
    return out


def needs_summary(run: PlanRun, summary: dict[str, Any],
                  previous: dict[str, Any] | None = None) -> str:
    """The needs plan's one-page summary, the governor's overview first: projects done,
    in progress and awaiting budget, then the needs that reached the plan and the villages
    not heard."""
    L = run.lang
    ov = summary.get("overview", {})

    def group(g):
        v = ov.get(g, {"projects": 0, "baht": 0.0})
        return _t("unit.projects_money", L, n=numbers.count(v["projects"]),
                  amount=numbers.money(v["baht"], L))

    findings = [
        (_t("needs.done", L), group("done")),
        (_t("needs.in_progress", L), group("in_progress")),
        (_t("needs.awaiting", L), group("awaiting_budget")),
        (_t("needs.in_plan", L, needs=numbers.count(summary.get("needs", 0))),
         numbers.pct(summary.get("needs_in_plan", 0), of=summary.get("needs", 0))),
        (_t("needs.silent", L, villages=numbers.count(summary.get("villages", 0))),
         _t("unit.villages", L, n=numbers.count(summary.get("villages_silent", 0)))),
    ]
    decision = _t("needs.decision", L, n=numbers.count(
        ov.get("awaiting_budget", {}).get("projects", 0)),
        amount=numbers.money(ov.get("awaiting_budget", {}).get("baht", 0.0), L))
    fields = [("needs", _t("needs.f_needs", L), "count"),
              ("needs_in_plan", _t("needs.f_in_plan", L), "count"),
              ("proposals_ranked", _t("needs.f_ranked", L), "count"),
              ("villages_silent", _t("needs.f_silent", L), "count")]
    return document.executive_summary(
        findings, decision=decision, changes=document.changes_since(previous, summary,
                                                                    fields, L),
        lang=L, downloads=files(run, "needs_plan")[:2])


def followup_summary(run: PlanRun, summary: dict[str, Any],
                     previous: dict[str, Any] | None = None) -> str:
    """The follow-up's one-page summary: disbursement against the target, late, at-risk
    and stale projects."""
    L = run.lang
    findings = [
        (_t("followup.disbursed", L, allocated=numbers.money(summary.get("allocated_baht", 0), L),
            target=numbers.pct(100 * summary.get("disbursed_target_share", 0))),
         numbers.pct(100 * summary.get("disbursed_share", 0))),
        (_t("followup.followed", L), _t("unit.projects", L, n=numbers.count(
            summary.get("projects_followed", 0)))),
        (_t("followup.late", L), _t("unit.projects", L, n=numbers.count(
            summary.get("late_projects", 0)))),
        (_t("followup.at_risk", L), _t("unit.projects", L, n=numbers.count(
            summary.get("at_risk_projects", 0)))),
        (_t("followup.stale", L), _t("unit.projects", L, n=numbers.count(
            summary.get("stale_projects", 0)))),
    ]
    decision = _t("followup.decision", L,
                  late=numbers.count(summary.get("late_projects", 0)),
                  stale=numbers.count(summary.get("stale_projects", 0)))
    fields = [("disbursed_share", _t("followup.f_disbursed", L), "share"),
              ("late_projects", _t("followup.late", L), "count"),
              ("at_risk_projects", _t("followup.at_risk", L), "count"),
              ("stale_projects", _t("followup.stale", L), "count")]
    return document.executive_summary(
        findings, decision=decision, changes=document.changes_since(previous, summary,
                                                                    fields, L),
        lang=L, downloads=files(run, "followup")[:2])


def criteria_in_words(lang: str) -> dict[str, str]:
    """How each ranking criterion is computed, in words of ``lang`` (the formula itself
    is in the method appendix, :func:`formulas`)."""
    return dict(texts("reports.plan_document.criterion", lang))


def formulas(lang: str) -> str:
    """The method appendix's formulas of the ranking criteria: each criterion's name and
    its formula in ``<code class="formula">``."""
    rows = "".join(
        f"<li>{escape_html(ranking.criterion_name(c, lang))}: "
        f'<code class="formula">{html.escape(how)}</code></li>'
        for c, how in ranking.COMPUTED_AS.items())
    return (f"<p>{escape_html(_t('formulas', lang))}</p>"
            f'<ul class="oneplan-formulas">{rows}</ul>')


def data_appendix(run: PlanRun, report: str) -> str:
    """Where the figures come from, when and by whom the data were last imported (the
    audit trail) and links to the report's own files, as HTML."""
    note = _t("data_sources", run.lang, built=run.db_meta.get("built_at") or "–")
    return (f"<p>{escape_html(note)}</p>" + document.data_origin(run.last_import, run.lang)
            + document.files_list(files(run, report)))

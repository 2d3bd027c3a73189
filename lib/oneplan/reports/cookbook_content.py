"""What a cookbook says: the content of ``cookbooks/<practice>.yml`` and the figures it may
show.

Each of the four practices has one YAML file beside this module, in Thai and English
(problem, ingredients, steps, success factors, pitfalls, KPIs), validated by
:class:`CookbookContent` when it is loaded (:func:`load_content`): an unknown key, an unknown
figure key or a KPI in neither form fails, naming the file and the field.

A step is written for a reader in *any* province: ``local`` says what a planner does in the
reader's province (``{province}`` stands for it), ``committee`` which committees decide
(ตำบล/อำเภอ/จังหวัด), ``template`` which import template is filled (a kind of
:data:`oneplan.data.templates.KINDS`), ``reports`` which report files to open (keys of
:data:`REPORT_FILES`), and ``analyst`` the ``oneplan`` commands behind the step, with
``{code}`` for the reader's province code — they are shown only in the analyst's box,
never a province's code written out.

:data:`FIGURES` lists every figure a step or a KPI may show, with its kind; its label is
``reports.cookbook.figure.<key>`` in the catalogue. A KPI is a *rate* (a share or a number of
days: it may be called better or worse than other provinces') or a *total* (a count, an amount:
shown beside the others, never ranked as better or worse).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from oneplan.core.text import check_lang, text, texts
from oneplan.data.templates import KINDS as TEMPLATE_KINDS

PRACTICES = ("surin", "plan101pro", "water", "damrongdhama")
"""The four awarded practices, one cookbook each."""

Kind = Literal["count", "share", "baht", "days", "text"]

FIGURES: dict[str, Kind] = {
    "villages": "count", "villages_with_needs": "count", "needs": "count",
    "needs_classified": "count", "needs_fit_strategy": "count", "needs_in_plan": "count",
    "needs_allocated": "count", "needs_completed": "count", "median_days_to_plan": "days",
    "proposals": "count", "proposals_complete_attachments": "count",
    "projects_followed": "count", "share_updated_last_quarter": "share",
    "disbursed_share": "share", "disbursed_target_share": "share", "late_projects": "count",
    "complaint_records": "count", "agencies": "count", "clusters": "count",
    "cross_agency_clusters": "count", "duplicate_share": "share",
    "median_days_to_close": "days", "sla_breach_share": "share", "backlog_over_30d": "count",
    "water_candidates": "count", "water_candidates_ready": "count",
    "water_requested_baht": "baht", "households_in_need": "count", "water_selected": "count",
    "water_selected_baht": "baht", "water_households_served": "count",
    "water_solver_status": "text", "water_reports": "count", "plan_versions": "count",
    "plan_revisions": "count",
}
"""Figure key → its kind (how :func:`oneplan.reports.cookbook.format_value` writes it)."""

_UNLABELLED = sorted(set(FIGURES) - set(texts("reports.cookbook.figure", "th")))
if _UNLABELLED:  # a figure without a label is a programming error: fail at import
    raise RuntimeError(f"reports/text/cookbook.yml lacks figure labels for {_UNLABELLED}")


RATE_KINDS: frozenset[str] = frozenset({"share", "days"})
"""Kinds of KPI that are rates (comparable between provinces of any size); the others
(counts, baht) are totals."""

Committee = Literal["tambon", "amphoe", "changwat"]
"""The integrated committees of ตำบล (กบต.), อำเภอ (กบอ.) and จังหวัด (กบจ.); their names are
``reports.cookbook.committee.<key>``."""

REPORT_FILES: dict[str, str] = {
    "water_portfolio": "water_portfolio.html", "needs_plan": "needs_plan.html",
    "followup": "followup.html", "complaints": "complaints.html",
    "plan_xlsx": "plan_{code}_{fiscal_year}.xlsx", "needs_plan_xlsx": "needs_plan.xlsx",
    "followup_xlsx": "followup.xlsx", "complaints_xlsx": "complaints_{code}.xlsx",
    "oc4ids": "oc4ids_{code}_{fiscal_year}.json",
    "national_overview": "../national/national_overview.html",
}
"""Report key → the file the batch writes for a province, in the province's folder beside
its cookbooks (``{code}``, ``{fiscal_year}`` filled in); its label is
``reports.cookbook.report.<key>``."""

_CODE_WRITTEN_OUT = re.compile(r"--province(?:=|\s+)(?!\{code\})")


def figure_label(key: str, lang: str = "th") -> str:
    """The label of a figure in ``lang``."""
    return text(f"reports.cookbook.figure.{key}", lang)


class CookbookError(ValueError):
    """A cookbook content file is missing or invalid, or a parameter is wrong."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in Thai and English."""

    th: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang``."""
        return getattr(self, check_lang(lang))


class Step(_Strict):
    """One step of the recipe: what is done and why (``text``), what a planner does in the
    reader's province (``local``, with ``{province}``), the committees, the template filled,
    the reports opened, the analyst's commands (``{code}`` = the reader's province code),
    and the figures shown beside it."""

    title: Text
    text: Text
    local: Text
    committee: list[Committee] = []
    template: str | None = None  # a kind of oneplan.data.templates.KINDS
    reports: list[str] = []      # REPORT_FILES keys
    analyst: list[str] = []      # `oneplan ...` lines, "{code}" for the province code
    notebook: str | None = None  # a file in notebooks/ (named in the analyst's box)
    figures: list[str] = []      # FIGURES keys shown beside the step

    @model_validator(mode="after")
    def _known_keys(self):
        unknown = [f for f in self.figures if f not in FIGURES]
        if unknown:
            raise ValueError(f"unknown figure key(s) {unknown}; known: {sorted(FIGURES)}")
        if self.template is not None and self.template not in TEMPLATE_KINDS:
            raise ValueError(f"unknown template {self.template!r}; known: "
                             f"{sorted(TEMPLATE_KINDS)}")
        unknown = [r for r in self.reports if r not in REPORT_FILES]
        if unknown:
            raise ValueError(f"unknown report key(s) {unknown}; known: {sorted(REPORT_FILES)}")
        for lang in ("th", "en"):
            if "{province}" not in self.local.get(lang):
                raise ValueError(f"local.{lang} must name the reader's province: {{province}}")
        for line in self.analyst:
            if not line.startswith("oneplan "):
                raise ValueError(f"an analyst command starts with 'oneplan ': {line!r}")
            if _CODE_WRITTEN_OUT.search(line):
                raise ValueError(f"write the province as --province {{code}}, not a code: "
                                 f"{line!r}")
        return self


class Kpi(_Strict):
    """A KPI: one figure as it is, or the ratio of two count figures; which way is better
    and an optional target."""

    label: Text
    figure: str | None = None  # a FIGURES key shown as is
    num: str | None = None     # or a ratio num / den of two count figures
    den: str | None = None
    better: Literal["higher", "lower"] | None = None  # rates only; ratios default higher
    target: float | None = None  # share (0–1) for ratios, else in the figure's unit

    @model_validator(mode="after")
    def _one_form(self):
        if (self.figure is None) == (self.num is None):
            raise ValueError("a KPI has either `figure` or `num` and `den`")
        if (self.num is None) != (self.den is None):
            raise ValueError("a ratio KPI needs both `num` and `den`")
        for f in (self.figure, self.num, self.den):
            if f is not None and f not in FIGURES:
                raise ValueError(f"unknown figure key {f!r}")
        if self.better is not None and not self.is_rate:
            raise ValueError(f"a total ({self.kind}) is never better or worse than another "
                             f"province's: drop `better` or make the KPI a rate")
        return self

    @property
    def kind(self) -> Kind:
        """``share`` for a ratio, else the kind of its figure."""
        return "share" if self.num else FIGURES[self.figure]

    @property
    def is_rate(self) -> bool:
        """A share or a number of days: provinces of any size compare on it."""
        return self.kind in RATE_KINDS

    @property
    def direction(self) -> Literal["higher", "lower"] | None:
        """Which way is better for a rate (``higher`` unless said); None for a total."""
        return (self.better or "higher") if self.is_rate else None


class Ingredients(_Strict):
    """What the practice needs: data, people and committees, tools."""

    data: list[Text]
    people: list[Text]
    tools: list[Text]


class CookbookContent(_Strict):
    """One ``cookbooks/<practice>.yml`` file."""

    practice: str
    name: Text
    award: Text
    owner: Text
    home_province: str | None = None  # DOPA code of the province that won, if a province
    source: Text                      # what the news release says (paraphrase, with date)
    problem: Text
    ingredients: Ingredients
    steps: list[Step]
    success_factors: list[Text]
    pitfalls: list[Text]
    kpis: list[Kpi]

    @property
    def figure_keys(self) -> list[str]:
        """Every figure the steps and KPIs show, in order, once each."""
        keys: list[str] = []
        for s in self.steps:
            keys += s.figures
        for k in self.kpis:
            keys += [f for f in (k.figure, k.num, k.den) if f]
        return list(dict.fromkeys(keys))


def _check_practice(practice: str) -> str:
    if practice not in PRACTICES:
        raise CookbookError(f"unknown practice {practice!r}; use one of {', '.join(PRACTICES)}")
    return practice


@lru_cache(maxsize=None)
def load_content(practice: str) -> CookbookContent:
    """The validated content of one cookbook.

    Raises:
        CookbookError: unknown practice, or the YAML file is missing or invalid (the file
            and the field are named).
    """
    _check_practice(practice)
    name = f"cookbooks/{practice}.yml"
    try:
        raw = resources.files("oneplan.reports").joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CookbookError(f"cookbook content file lib/oneplan/reports/{name} is missing") from None
    try:
        content = CookbookContent.model_validate(yaml.safe_load(raw))
    except (yaml.YAMLError, ValidationError) as exc:
        raise CookbookError(f"lib/oneplan/reports/{name}: {exc}") from exc
    if content.practice != practice:
        raise CookbookError(f"lib/oneplan/reports/{name}: practice is {content.practice!r}, "
                            f"expected {practice!r}")
    return content

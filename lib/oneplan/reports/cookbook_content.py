"""What a cookbook says: the content of ``cookbooks/<practice>.yml`` and the figures it may
show.

Each of the four practices has one YAML file beside this module, in Thai and English
(problem, ingredients, steps with the toolkit's commands, notebooks and templates, success
factors, pitfalls, KPIs), validated by :class:`CookbookContent` when it is loaded
(:func:`load_content`): an unknown key, an unknown figure key or a KPI in neither form
fails, naming the file and the field. :data:`FIGURES` lists every figure a step or a KPI
may show, with its kind; its label is ``reports.cookbook.figure.<key>`` in the catalogue.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from oneplan.core.text import check_lang, text, texts

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
    "water_solver_status": "text", "plan_versions": "count", "plan_revisions": "count",
}
"""Figure key → its kind (how :func:`oneplan.reports.cookbook.format_value` writes it)."""

_UNLABELLED = sorted(set(FIGURES) - set(texts("reports.cookbook.figure", "th")))
if _UNLABELLED:  # a figure without a label is a programming error: fail at import
    raise RuntimeError(f"reports/text/cookbook.yml lacks figure labels for {_UNLABELLED}")


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
    """One step of the recipe: what to do, the tools for it, the figures shown beside it."""

    title: Text
    text: Text
    command: list[str] = []     # `oneplan ...` lines to run
    notebook: str | None = None  # a file in notebooks/
    template: str | None = None  # a file in data/templates/
    figures: list[str] = []      # FIGURES keys shown beside the step

    @model_validator(mode="after")
    def _known_figures(self):
        unknown = [f for f in self.figures if f not in FIGURES]
        if unknown:
            raise ValueError(f"unknown figure key(s) {unknown}; known: {sorted(FIGURES)}")
        return self


class Kpi(_Strict):
    """A KPI: one figure as it is, or the ratio of two count figures; which way is better
    and an optional target."""

    label: Text
    figure: str | None = None  # a FIGURES key shown as is
    num: str | None = None     # or a ratio num / den of two count figures
    den: str | None = None
    better: Literal["higher", "lower"] = "higher"
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
        return self

    @property
    def kind(self) -> Kind:
        """``share`` for a ratio, else the kind of its figure."""
        return "share" if self.num else FIGURES[self.figure]


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

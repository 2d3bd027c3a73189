"""The batch's report registry: which notebooks the batch runs, with which parameters.

:data:`REPORTS` lists the report notebooks as :class:`ReportSpec` entries (name, notebook,
scope, extra parameters, titles, summary file). One notebook may appear in several entries
with different extra parameters (the cookbooks: one per practice) as long as the names
differ. Entries whose notebook file is not there are skipped. :func:`register` adds one;
:func:`available_reports` lists those present; :func:`report_dir` says where a province's
reports go. The titles of the built-in reports are in ``batch/text/registry.yml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from oneplan.core import areas
from oneplan.core.paths import NATIONAL_DIR, NOTEBOOKS_DIR
from oneplan.core.text import LANGS, check_lang, text

DEFAULT_TIMEOUT_S = 1800.0
"""Time limit of one notebook run (all its cells), seconds."""


@dataclass(frozen=True)
class ReportSpec:
    """One report of the batch: a notebook run with a set of parameters.

    Attributes:
        name: output base name, unique per scope (``<name>.html``, ``<name>.pdf`` …).
        notebook: notebook file, relative to ``notebooks/`` (or absolute).
        scope: ``"province"`` (one run per province) or ``"national"`` (one run, after the
            provinces, with ``province_code=""``).
        title_th, title_en: HTML ``<title>``; ``{province}`` is replaced by the province's
            name in the report's language, ``{province_th}`` / ``{province_en}`` by its Thai
            / English name.
        extra: extra notebook parameters (e.g. ``{"practice": "surin"}``).
        summary: summary file the notebook writes; default ``<name>.summary.json``.
        params_file: when set, the summary's ``params`` entry is also written to this file.
        timeout_s: time limit of one run.
        after_provinces: a province report that reads every province's summaries (the
            cookbooks rank the province among the others): run after all the other
            province reports, like the national ones, and out of date when a summary
            changes.
    """

    name: str
    notebook: str
    scope: Literal["province", "national"] = "province"
    title_th: str = ""
    title_en: str = ""
    extra: tuple[tuple[str, Any], ...] = ()
    summary: str = ""
    params_file: str = ""
    timeout_s: float = DEFAULT_TIMEOUT_S
    after_provinces: bool = False

    def __post_init__(self):
        if self.scope not in ("province", "national"):
            raise ValueError(f"report {self.name!r}: scope must be 'province' or 'national', "
                             f"not {self.scope!r}")
        if not re.fullmatch(r"[a-z0-9_]+", self.name):
            raise ValueError(f"report name {self.name!r}: use lower-case letters, digits, _")
        if isinstance(self.extra, dict):
            object.__setattr__(self, "extra", tuple(sorted(self.extra.items())))

    @property
    def key(self) -> str:
        """Registry key: ``<scope>:<name>``."""
        return f"{self.scope}:{self.name}"

    @property
    def summary_file(self) -> str:
        """The summary file the notebook writes."""
        return self.summary or f"{self.name}.summary.json"

    @property
    def notebook_path(self) -> Path:
        """The notebook file (relative names are in ``notebooks/``)."""
        path = Path(self.notebook)
        return path if path.is_absolute() else NOTEBOOKS_DIR / path

    def title(self, lang: str, province_code: str) -> str:
        """The report's title in ``lang`` for a province (``""``: national)."""
        if province_code:
            prov = areas.province(province_code)
            names = {"th": prov.name_th, "en": prov.name_en}
        else:
            names = {code: text("batch.registry.nationwide", code) for code in LANGS}
        template = getattr(self, f"title_{check_lang(lang)}") or self.name
        return template.format(province=names[lang], province_th=names["th"],
                               province_en=names["en"])


PRACTICES = ("surin", "plan101pro", "water", "damrongdhama")
"""The four best practices the cookbook notebook teaches (parameter ``practice``)."""


def _titled(name: str, notebook: str, scope: str, **options: Any) -> ReportSpec:
    """A built-in report whose titles are ``batch.registry.title.<name>``."""
    key = f"batch.registry.title.{name}"
    return ReportSpec(name, notebook, scope, text(key, "th"), text(key, "en"), **options)


REPORTS: list[ReportSpec] = [
    _titled("water_portfolio", "water_portfolio.ipynb", "province",
            summary="summary.json", params_file="params.json"),
    _titled("needs_plan", "needs_plan.ipynb", "province"),
    _titled("followup", "followup.ipynb", "province"),
    _titled("complaints", "complaints.ipynb", "province"),
    *[_titled(f"cookbook_{practice}", "cookbook.ipynb", scope, extra={"practice": practice},
              after_provinces=True)
      for scope in ("province", "national") for practice in PRACTICES],
    _titled("national_overview", "national_overview.ipynb", "national"),
]
"""Every report notebook of the batch (entries whose notebook is missing are skipped)."""


def register(spec: ReportSpec) -> ReportSpec:
    """Add ``spec`` to :data:`REPORTS` (replacing an entry with the same scope and name)."""
    REPORTS[:] = [s for s in REPORTS if s.key != spec.key] + [spec]
    return spec


def available_reports(names: list[str] | None = None) -> list[ReportSpec]:
    """The registered reports whose notebook exists, optionally only those named.

    Raises:
        ValueError: a name in ``names`` is not a registered report (the message lists them).
    """
    present = [s for s in REPORTS if s.notebook_path.is_file()]
    if not names:
        return present
    known = {s.name for s in REPORTS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown report(s) {', '.join(unknown)}; registered: "
                         f"{', '.join(sorted(known))}")
    missing = [n for n in names if not any(s.name == n for s in present)]
    if missing:
        raise ValueError(f"report notebook(s) not found for {', '.join(missing)}")
    return [s for s in present if s.name in names]


def input_summaries() -> list[str]:
    """The province summary files the national reports and the cookbooks read: those of
    the first-phase province reports (not the cookbooks' own, which are written in the
    same phase as their readers)."""
    return sorted({s.summary_file for s in REPORTS
                   if s.scope == "province" and not s.after_provinces})


def report_dir(out_root: str | Path, fiscal_year: int, province_code: str) -> Path:
    """Folder of a province's reports; national reports (code ``""``) go in the year's
    ``national`` folder (:data:`oneplan.core.paths.NATIONAL_DIR`)."""
    return Path(out_root) / str(fiscal_year) / (province_code or NATIONAL_DIR)

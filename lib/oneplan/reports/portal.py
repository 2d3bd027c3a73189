"""The reports portal: ``reports/index.html``, one static page linking every report.

It opens straight from disk (``file://``, no server, no network): the Thai font is embedded
as CSS, the filter by region and name is a few lines of inline JavaScript (without
JavaScript every province is simply listed), and every link is a relative path to a file
that exists when the page is written.

What it finds under ``<out_root>/<fiscal year>/``:

* ``national/`` (or the fiscal-year folder itself): ``national_overview.{html,pdf}`` and the
  national cookbooks ``cookbook_<practice>.{html,pdf}``, shown at the top;
* ``<code>/`` for each of the 76 provinces: the water report (``water_portfolio``), the
  needs plan (``needs_plan``), the follow-up (``followup``), the complaints report
  (``complaints``) and the cookbooks (``cookbook_<practice>``), HTML and PDF, with key
  figures from the summaries beside them (``summary.json`` of the water report,
  ``<report>.summary.json`` of the others).

Every planning province gets a row, with or without reports, so a missing report is seen.
This module finds the files and figures; the page is the template
``reports/templates/portal.html.j2`` (autoescaped), its words ``reports/text/portal.yml``
(both languages side by side).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from oneplan.core import areas, thai
from oneplan.core.paths import NATIONAL_DIR
from oneplan.core.text import text, texts
from oneplan.reports.pages import render

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Report:
    """A report file stem the portal looks for, with its Thai and English label."""

    stem: str
    th: str
    en: str


def _both(key: str, **fields) -> tuple[str, str]:
    """A text in Thai and in English (the page shows both)."""
    return text(key, "th", **fields), text(key, "en", **fields)


def _reports(names: tuple[str, ...], group: str, cookbook: str) -> tuple[Report, ...]:
    """The reports ``names`` (labels ``reports.portal.<group>.<name>``) and the cookbook of
    every practice (labels ``reports.portal.cookbook.<cookbook>``)."""
    out = [Report(n, *_both(f"reports.portal.{group}.{n}")) for n in names]
    for p in texts("reports.portal.practice", "th"):
        th, en = _both(f"reports.portal.practice.{p}")
        out.append(Report(f"cookbook_{p}",
                          text(f"reports.portal.cookbook.{cookbook}", "th", practice=th),
                          text(f"reports.portal.cookbook.{cookbook}", "en", practice=en)))
    return tuple(out)


PROVINCE_REPORTS: tuple[Report, ...] = _reports(
    ("water_portfolio", "needs_plan", "followup", "complaints"), "report", "province")
"""Report file stems looked for in each province folder, with Thai and English labels."""

NATIONAL_REPORTS: tuple[Report, ...] = _reports(("national_overview",), "national_report",
                                                "national")
"""Report file stems looked for in the national folder, with Thai and English labels."""


@dataclass(frozen=True)
class KeyFigure:
    """A figure shown beside each province: its label (``reports.portal.figure.<name>``),
    where it is read — ``(summary file, key path)`` pairs, the first that has the key wins,
    none gives "–" — and how it is written (``int`` or ``million``)."""

    name: str
    sources: tuple[tuple[str, tuple[str, ...]], ...]
    kind: str = "int"


# The cookbook summaries carry the providers' fixed keys, so they back up the reports' own
# summaries.
KEY_FIGURES: tuple[KeyFigure, ...] = (
    KeyFigure("n_candidates", (("summary.json", ("n_candidates",)),)),
    KeyFigure("n_selected", (("summary.json", ("n_selected",)),)),
    KeyFigure("selected_baht", (("summary.json", ("selected_baht",)),), "million"),
    KeyFigure("households_served", (("summary.json", ("households_served",)),)),
    KeyFigure("needs", (("needs_plan.summary.json", ("needs",)),
                        ("cookbook_surin.summary.json", ("figures", "needs")))),
    KeyFigure("complaint_records", (
        ("complaints.summary.json", ("complaint_records",)),
        ("cookbook_damrongdhama.summary.json", ("figures", "complaint_records")))),
)
"""The key figures of the province table, in column order."""


@dataclass
class _Link:
    stem: str
    th: str
    en: str
    files: list[tuple[str, str]]  # (HTML/PDF, href)


@dataclass
class _Row:
    province: areas.Province
    links: list[_Link]
    figures: list[str]
    synthetic: bool

    @property
    def search(self) -> str:
        """What the name filter searches: code, Thai and English name, in lower case."""
        p = self.province
        return f"{p.code} {p.name_th} {p.name_en}".lower()


def _href(path: Path, out_root: Path) -> str:
    return quote(path.relative_to(out_root).as_posix())


def _links(folder: Path, out_root: Path, reports: tuple[Report, ...]) -> list[_Link]:
    found = []
    for r in reports:
        files = [(ext.upper(), _href(folder / f"{r.stem}.{ext}", out_root))
                 for ext in ("html", "pdf") if (folder / f"{r.stem}.{ext}").is_file()]
        if files:
            found.append(_Link(r.stem, r.th, r.en, files))
    return found


def _read_json(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else None
    except (OSError, ValueError) as exc:
        log.warning("portal: unreadable summary %s: %s", path, exc)
        return None


def _fmt(value, kind: str) -> str:
    if value is None:
        return "–"
    try:
        if kind == "million":
            return thai.format_million(float(value))
        return thai.format_int(int(value))
    except (TypeError, ValueError):  # thai's number errors are ValueErrors
        return "–"


def _lookup(data: dict | None, path: tuple[str, ...]):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _province_row(prov: areas.Province, folder: Path, out_root: Path) -> _Row:
    summaries: dict[str, dict | None] = {}

    def summary(file: str) -> dict | None:
        if file not in summaries:
            summaries[file] = _read_json(folder / file)
        return summaries[file]

    figures = []
    for fig in KEY_FIGURES:
        value = next((v for file, path in fig.sources
                      if (v := _lookup(summary(file), path)) is not None), None)
        figures.append(_fmt(value, fig.kind))
    for r in PROVINCE_REPORTS:  # every report's summary says whether it is synthetic
        summary(f"{r.stem}.summary.json")
    synthetic = any(bool(s.get("synthetic")) for s in summaries.values() if s)
    return _Row(prov, _links(folder, out_root, PROVINCE_REPORTS), figures, synthetic)


def _national(fy_dir: Path, out_root: Path) -> tuple[list[_Link], bool]:
    folder = fy_dir / NATIONAL_DIR  # where the batch writes them (reports.report_dir)
    links = _links(folder, out_root, NATIONAL_REPORTS)
    summaries = [_read_json(folder / f"{link.stem}.summary.json") for link in links]
    return links, any(bool(s and s.get("synthetic")) for s in summaries)


def render_portal(out_root: str | Path, fiscal_year: int) -> str:
    """The portal page as HTML text (see :func:`write_portal`)."""
    from oneplan.core import fonts

    out_root = Path(out_root)
    fy_dir = out_root / str(fiscal_year)
    national, synthetic = _national(fy_dir, out_root)
    rows = [_province_row(p, fy_dir / p.code, out_root) for p in areas.planning_provinces()]
    synthetic = synthetic or any(r.synthetic for r in rows)
    heading_th, heading_en = _both("reports.portal.heading", fiscal_year=fiscal_year)
    synthetic_th, synthetic_en = _both("core.labels.synthetic_note")
    return render(
        "portal.html.j2", heading_th=heading_th, heading_en=heading_en,
        th=texts("reports.portal.page", "th"), en=texts("reports.portal.page", "en"),
        font_css=Markup(fonts.thai_font_css()), synthetic=synthetic,
        synthetic_th=synthetic_th, synthetic_en=synthetic_en, national=national, rows=rows,
        n_with=sum(1 for r in rows if r.links),
        figure_heads=[_both(f"reports.portal.figure.{f.name}") for f in KEY_FIGURES],
        regions=areas.REGION_NAMES)


def write_portal(out_root: str | Path, fiscal_year: int) -> Path:
    """Write ``<out_root>/index.html`` for the fiscal year; returns its path.

    Only files that exist are linked (paths relative to ``out_root``); a summary that
    cannot be read is logged and its figures shown as "–".
    """
    from oneplan.core.files import write_atomic

    out_root = Path(out_root)
    page = render_portal(out_root, int(fiscal_year))
    return write_atomic(out_root / "index.html", page)

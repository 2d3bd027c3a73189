"""The reports portal: ``reports/index.html``, one static page linking every report.

It opens straight from disk (``file://``, no server, no network, no JavaScript needed): the
Thai font is embedded as CSS, every link is a relative path to a file that exists when the
page is written, and every value goes through the one escaping point
(:mod:`oneplan.reports.pages`, links through ``safe_url``).

What it shows, for ``<out_root>/<fiscal year>/``:

* the date the page was made (พ.ศ.) and the synthetic-data mark when the reports are;
* ``national/``: the national overview and the national cookbooks;
* by default **only the provinces that have reports**, one row each: code, name, key
  figures (from ``summary.json`` of the water report and ``<report>.summary.json`` of the
  others) and Thai links in groups — the reports (HTML · PDF), the cookbooks, the downloads
  (Excel, OC4IDS, the CSV tables behind a ``<details>``) and the analyst's files (executed
  notebooks, summaries, parameters). **Every file** in a province's folder is reachable
  (:func:`province_files` sorts each into one group; what no group claims is listed with the
  analyst's files);
* English labels behind a CSS-only switch (a checkbox before the page; elements in English
  carry ``lang="en"``);
* a link "all 76 provinces" to a list (shown by CSS ``:target``) of the others, each
  "ยังไม่มีรายงาน".

This module finds the files and figures; the page is the template
``reports/templates/portal.html.j2`` (autoescaped), its words ``reports/text/portal.yml``.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date
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
class Link:
    """One file linked from the portal: its Thai and English label, the format shown
    (HTML, PDF, Excel …) and the relative link."""

    th: str
    en: str
    kind: str
    href: str


@dataclass
class FileGroup:
    """Links of one kind for a province: reports, cookbooks, downloads, CSV tables or the
    analyst's files; ``entries`` groups the formats of one report (HTML · PDF)."""

    key: str
    th: str
    en: str
    entries: list[list[Link]]

    @property
    def count(self) -> int:
        """How many files the group links."""
        return sum(len(e) for e in self.entries)


@dataclass
class _Row:
    province: areas.Province
    groups: list[FileGroup]
    figures: list[str]
    synthetic: bool

    @property
    def search(self) -> str:
        """What the name filter searches: code, Thai and English name, in lower case."""
        p = self.province
        return f"{p.code} {p.name_th} {p.name_en}".lower()

    @property
    def has_reports(self) -> bool:
        """Any file at all in the province's folder."""
        return any(g.entries for g in self.groups)


def _href(path: Path, out_root: Path) -> str:
    return quote(path.relative_to(out_root).as_posix())


_KIND = {".html": "HTML", ".pdf": "PDF", ".xlsx": "Excel", ".csv": "CSV", ".json": "JSON",
         ".ipynb": "Jupyter"}


def _kind(path: Path) -> str:
    return _KIND.get(path.suffix.lower(), path.suffix.lstrip(".").upper() or "–")


def _labelled(key: str, **fields) -> tuple[str, str]:
    return _both(f"reports.portal.file.{key}", **fields)


def _download_label(name: str, code: str) -> tuple[str, str] | None:
    """The label of a download the batch writes (Excel, OC4IDS), None if unknown."""
    stems = {r.stem: (r.th, r.en) for r in PROVINCE_REPORTS}
    if re.fullmatch(rf"plan_{code}_\d{{4}}\.xlsx", name):
        return stems["water_portfolio"]
    if re.fullmatch(rf"oc4ids_{code}_\d{{4}}\.json", name):
        return _labelled("oc4ids")
    stem = name.rsplit(".", 1)[0]
    if name.endswith(".xlsx"):
        stem = re.sub(rf"_{code}$", "", stem)
        if stem in stems:
            return stems[stem]
    return None


def _csv_label(rel: Path, code: str) -> tuple[str, str]:
    """A CSV table: the report it belongs to (its ``<report>_tables`` folder or its
    ``<report>_<code>_`` prefix) and the table's name."""
    stems = {r.stem: (r.th, r.en) for r in PROVINCE_REPORTS}
    table = rel.stem
    owner = None
    if len(rel.parts) > 1 and rel.parts[0].endswith("_tables"):
        owner = rel.parts[0][: -len("_tables")]
    else:
        m = re.match(rf"([a-z_]+?)_{code}_(.+)$", rel.stem)
        if m:
            owner, table = m.group(1), m.group(2)
    if owner not in stems:
        return table, table
    return tuple(f"{name}: {table}" for name in stems[owner])


GROUPS = ("reports", "cookbooks", "downloads", "tables", "analyst")
"""The groups of a province's files, in the order the portal shows them."""


def province_files(folder: Path, out_root: Path, code: str) -> list[FileGroup]:
    """Every file in a province's folder, sorted into the portal's groups (empty groups
    left out): ``reports`` and ``cookbooks`` (each report's HTML · PDF together),
    ``downloads`` (Excel, OC4IDS), ``tables`` (CSV) and ``analyst`` (executed notebooks,
    summaries, parameters, anything else). Each file is in exactly one group."""
    if not folder.is_dir():
        return []
    files = sorted(f for f in folder.rglob("*") if f.is_file())
    claimed: set[Path] = set()
    groups: dict[str, list[list[Link]]] = {k: [] for k in GROUPS}
    for r in PROVINCE_REPORTS:
        entry = []
        for ext in ("html", "pdf"):
            f = folder / f"{r.stem}.{ext}"
            if f in files:
                entry.append(Link(r.th, r.en, _kind(f), _href(f, out_root)))
                claimed.add(f)
        if entry:
            groups["cookbooks" if r.stem.startswith("cookbook_") else "reports"].append(entry)
    for f in files:
        if f in claimed:
            continue
        rel = f.relative_to(folder)
        label = _download_label(f.name, code) if len(rel.parts) == 1 else None
        if label and f.suffix in (".xlsx", ".json"):
            groups["downloads"].append([Link(*label, _kind(f), _href(f, out_root))])
        elif f.suffix == ".csv":
            groups["tables"].append([Link(*_csv_label(rel, code), "CSV", _href(f, out_root))])
        else:
            groups["analyst"].append([Link(rel.as_posix(), rel.as_posix(), _kind(f),
                                           _href(f, out_root))])
    order = {r.th: i for i, r in enumerate(PROVINCE_REPORTS)}  # downloads in report order
    groups["downloads"].sort(key=lambda e: order.get(e[0].th, len(order)))
    return [FileGroup(k, *_both(f"reports.portal.group.{k}"), v)
            for k, v in groups.items() if v]


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
    return _Row(prov, province_files(folder, out_root, prov.code), figures, synthetic)


def _national(fy_dir: Path, out_root: Path) -> tuple[list[list[Link]], bool]:
    folder = fy_dir / NATIONAL_DIR  # where the batch writes them (reports.report_dir)
    entries, synthetic = [], False
    for r in NATIONAL_REPORTS:
        entry = [Link(r.th, r.en, _kind(f), _href(f, out_root))
                 for ext in ("html", "pdf") if (f := folder / f"{r.stem}.{ext}").is_file()]
        if entry:
            entries.append(entry)
            s = _read_json(folder / f"{r.stem}.summary.json")
            synthetic = synthetic or bool(s and s.get("synthetic"))
    return entries, synthetic


def render_portal(out_root: str | Path, fiscal_year: int,
                  generated_on: date | None = None) -> str:
    """The portal page as HTML text (see :func:`write_portal`); ``generated_on`` is the
    date shown (default today)."""
    from oneplan.core import fonts

    out_root = Path(out_root)
    fy_dir = out_root / str(fiscal_year)
    national, synthetic = _national(fy_dir, out_root)
    rows = [_province_row(p, fy_dir / p.code, out_root) for p in areas.planning_provinces()]
    with_reports = [r for r in rows if r.has_reports]
    without = [r for r in rows if not r.has_reports]
    synthetic = synthetic or any(r.synthetic for r in rows)
    day = generated_on or date.today()
    heading_th, heading_en = _both("reports.portal.heading", fiscal_year=fiscal_year)
    generated_th = text("reports.portal.generated", "th", date=thai.format_date(day, "th"))
    generated_en = text("reports.portal.generated", "en", date=thai.format_date(day, "en"))
    synthetic_th, synthetic_en = _both("core.labels.synthetic_note")
    return render(
        "portal.html.j2", heading_th=heading_th, heading_en=heading_en,
        generated_th=generated_th, generated_en=generated_en,
        th=texts("reports.portal.page", "th"), en=texts("reports.portal.page", "en"),
        font_css=Markup(fonts.thai_font_css()), synthetic=synthetic,
        synthetic_th=synthetic_th, synthetic_en=synthetic_en, national=national,
        rows=with_reports, without=without, n_total=len(rows),
        all_th=text("reports.portal.all_provinces", "th", n=len(rows)),
        all_en=text("reports.portal.all_provinces", "en", n=len(rows)),
        count_th=text("reports.portal.count", "th", n=len(with_reports), total=len(rows)),
        count_en=text("reports.portal.count", "en", n=len(with_reports), total=len(rows)),
        figure_heads=[_both(f"reports.portal.figure.{f.name}") for f in KEY_FIGURES])


def write_portal(out_root: str | Path, fiscal_year: int) -> Path:
    """Write ``<out_root>/index.html`` for the fiscal year; returns its path.

    Only files that exist are linked (paths relative to ``out_root``); a summary that
    cannot be read is logged and its figures shown as "–".
    """
    from oneplan.core.files import write_atomic

    out_root = Path(out_root)
    page = render_portal(out_root, int(fiscal_year))
    return write_atomic(out_root / "index.html", page)

"""The numbers of a cookbook: figure providers, the water provider and the provinces compared.

The numbers come from *figure providers*, one per module, each a function
``cookbook_figures(con, province_code | None, fiscal_year)`` returning a dict with fixed keys
(see :data:`PROVIDERS`); ``None`` means the whole country. A provider that is not installed
or fails leaves its figures "no data yet" and the cookbook still renders — figures are never
made up here.

The water provider (:func:`water_figures`) lives in this module: it reads the candidates and
plan versions from the central database and the province's water report ``summary.json``.
:func:`comparison` gives every planning province's KPI values and ranks (rates only),
computed once per inputs; :func:`kpi_stats` the median and the number of provinces with a
value — the "where it stands" of a cookbook is always against all 76 planning provinces,
with the number that have the figure said.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from oneplan import complaints
from oneplan.core import areas
from oneplan.core.paths import default_reports_dir
from oneplan.core.text import text
from oneplan.plan import followup, needs
from oneplan.reports.cookbook_content import FIGURES, CookbookContent, Kpi

log = logging.getLogger(__name__)

PROVIDERS: dict[str, tuple[Callable[..., dict], tuple[str, ...]]] = {
    "needs": (needs.cookbook_figures, (
        "villages", "villages_with_needs", "needs", "needs_classified", "needs_fit_strategy",
        "needs_in_plan", "needs_allocated", "needs_completed", "median_days_to_plan")),
    "followup": (followup.cookbook_figures, (
        "proposals", "proposals_complete_attachments", "projects_followed",
        "share_updated_last_quarter", "disbursed_share", "disbursed_target_share",
        "late_projects")),
    "complaints": (complaints.cookbook_figures, (
        "complaint_records", "agencies", "clusters", "cross_agency_clusters",
        "duplicate_share", "median_days_to_close", "sla_breach_share", "backlog_over_30d")),
    "water": (None, (  # water_figures, below (it reads the batch's water summaries too)
        "water_candidates", "water_candidates_ready", "water_requested_baht",
        "households_in_need", "water_selected", "water_selected_baht",
        "water_households_served", "water_solver_status", "water_reports", "plan_versions",
        "plan_revisions")),
}
"""Provider name → (its ``cookbook_figures(con, province_code, fiscal_year)``, the keys it
returns). Shares are fractions 0–1, days are numbers of days, baht are baht."""

FIGURE_PROVIDER = {key: name for name, (_, keys) in PROVIDERS.items() for key in keys}
"""Figure key → the name of the provider that returns it."""

_UNLABELLED = sorted(set(FIGURE_PROVIDER) - set(FIGURES))
if _UNLABELLED:  # a provider key without a kind and label is a programming error
    raise RuntimeError(f"oneplan.reports.cookbook_content.FIGURES lacks {_UNLABELLED}")


@dataclass
class Figures:
    """Figure values of one area (a province or the whole country).

    ``values`` holds only figures a provider really returned; ``missing`` says, per
    provider, why its figures are absent (not installed, failed).
    """

    values: dict[str, Any] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def get(self, key: str):
        """The value of figure ``key``, None when absent."""
        return self.values.get(key)


def _provider_function(name: str) -> Callable:
    fn = PROVIDERS[name][0]
    return water_figures if fn is None else fn


def collect_figures(con, province_code: str | None, fiscal_year: int, keys: list[str], *,
                    lang: str = "th", fy_dir: str | Path | None = None) -> Figures:
    """Ask each provider that owns one of ``keys`` for its figures.

    A provider module that is not installed, lacks ``cookbook_figures``, raises or returns
    something that is not a dict is logged and recorded in ``Figures.missing``; keys it did
    not return (or returned as None/NaN) stay absent. Never raises for a provider's failure.
    """
    out = Figures()
    needed = list(dict.fromkeys(FIGURE_PROVIDER[k] for k in keys if k in FIGURE_PROVIDER))
    for name in needed:
        fn = _provider_function(name)
        module_name = fn.__module__
        try:
            kwargs = {"fy_dir": fy_dir} if name == "water" else {}
            got = fn(con, province_code or None, int(fiscal_year), **kwargs)
            if not isinstance(got, dict):
                raise TypeError(f"returned {type(got).__name__}, not a dict")
        except Exception as exc:  # noqa: BLE001 — one provider failing must not stop the book
            log.warning("figure provider %s failed for province %s: %s", module_name,
                        province_code or "national", exc, exc_info=log.isEnabledFor(10))
            out.missing[name] = text("reports.cookbook.provider_failed", lang,
                                     module=module_name)
            continue
        for key in PROVIDERS[name][1]:
            v = got.get(key)
            if v is None or (isinstance(v, float) and v != v):
                continue
            out.values[key] = v
    return out


def _summary_path(fy_dir: Path, code: str) -> Path:
    return fy_dir / code / "summary.json"


def water_figures(con, province_code: str | None, fiscal_year: int, *,
                  fy_dir: str | Path | None = None) -> dict[str, Any]:
    """The water practice's figures for a province (or the whole country with None).

    From the database: ``water_candidates``, ``water_candidates_ready``,
    ``water_requested_baht`` (``water_projects`` of the fiscal year), ``households_in_need``
    (``subdistrict_water.households_no_piped``), ``plan_versions`` and ``plan_revisions``
    (``plan_versions``, revisions = versions made 6/12 months after approval). From the
    water report's ``summary.json`` under ``fy_dir/<code>/`` (default reports folder), when
    it exists: ``water_selected``, ``water_selected_baht``, ``water_households_served``,
    ``water_solver_status`` (nationally: the sums over the reports found and
    ``{status: number of reports}``) and ``water_reports`` (how many water reports these
    figures come from: 1 for a province, up to 76 nationally). Keys without a source are
    left out.
    """
    fy = int(fiscal_year)
    code = areas.province(province_code).code if province_code else None
    where, args = ("AND province_code = ?", [code]) if code else ("", [])
    n, ready, req = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE ready), sum(cost_baht) FROM water_projects "
        f"WHERE fiscal_year = ? {where}", [fy, *args]).fetchone()
    hh = con.execute(f"SELECT sum(households_no_piped) FROM subdistrict_water "
                     f"WHERE fiscal_year = ? {where}", [fy, *args]).fetchone()[0]
    out: dict[str, Any] = {"water_candidates": int(n), "water_candidates_ready": int(ready)}
    if req is not None:
        out["water_requested_baht"] = float(req)
    if hh is not None:
        out["households_in_need"] = int(hh)
    has_versions = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'plan_versions' "
        "AND column_name = 'months_after_approval'").fetchone()[0]
    if has_versions:
        v, r = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE coalesce(months_after_approval, 0) > 0) "
            f"FROM plan_versions WHERE fiscal_year = ? {where}", [fy, *args]).fetchone()
        out["plan_versions"], out["plan_revisions"] = int(v), int(r)
    fy_dir = Path(fy_dir) if fy_dir else default_reports_dir() / str(fy)
    codes = [code] if code else [p.code for p in areas.planning_provinces()]
    summaries = []
    for c in codes:
        path = _summary_path(fy_dir, c)
        if path.is_file():
            try:
                summaries.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                log.warning("unreadable water summary %s: %s", path, exc)
    if summaries:
        out["water_selected"] = sum(int(s["n_selected"]) for s in summaries)
        out["water_selected_baht"] = sum(float(s["selected_baht"]) for s in summaries)
        out["water_households_served"] = sum(int(s["households_served"]) for s in summaries)
        statuses = pd.Series([str(s["solver_status"]) for s in summaries]).value_counts()
        out["water_solver_status"] = (statuses.index[0] if code else
                                      {str(k): int(v) for k, v in statuses.items()})
        out["water_reports"] = len(summaries)
    return out


def kpi_value(kpi: Kpi, figs: Figures) -> float | str | None:
    """A KPI's value from figures: the figure itself, or num / den (None when either is
    missing or den is 0)."""
    if kpi.figure:
        return figs.get(kpi.figure)
    num, den = figs.get(kpi.num), figs.get(kpi.den)
    if num is None or den is None:
        return None
    try:
        return float(num) / float(den) if float(den) else None
    except (TypeError, ValueError):
        return None


def _comparison(con, content: CookbookContent, fiscal_year: int, lang: str,
                fy_dir: Path | None) -> pd.DataFrame:
    """One row per planning province (all 76, whether the database has it or not): its KPI
    values ``kpi<i>`` (floats, NaN = none) and, for rates only, ranks ``rank<i>`` among the
    provinces with a value (1 = best by the KPI's direction, ties share the best rank) with
    ``ties<i>`` the provinces sharing it. Totals get no rank: a big province is not "better"
    for having more. ``rank`` is the first KPI's rank; rows are sorted by it, provinces
    without a value last."""
    present = {r[0] for r in con.execute(
        "SELECT code FROM areas WHERE level = 'province'").fetchall()}
    rows = []
    keys = content.figure_keys
    for prov in areas.planning_provinces():
        figs = (collect_figures(con, prov.code, fiscal_year, keys, lang=lang, fy_dir=fy_dir)
                if prov.code in present else Figures())
        row = {"code": prov.code, "name_th": prov.name_th, "name_en": prov.name_en,
               "region": prov.region}
        for i, k in enumerate(content.kpis):
            v = kpi_value(k, figs)
            if k.num:  # kept for the national ratio over provinces with both figures
                row[f"num{i}"], row[f"den{i}"] = (_num(figs.get(k.num)), _num(figs.get(k.den)))
            row[f"kpi{i}"] = _num(v)
        rows.append(row)
    df = pd.DataFrame(rows)
    for i, k in enumerate(content.kpis):
        values = df[f"kpi{i}"].astype(float)
        if k.direction is None:
            df[f"rank{i}"] = pd.array([pd.NA] * len(df), dtype="Int64")
            df[f"ties{i}"] = pd.array([pd.NA] * len(df), dtype="Int64")
            continue
        rank = values.rank(ascending=k.direction == "lower", method="min").astype("Int64")
        df[f"rank{i}"] = rank
        df[f"ties{i}"] = rank.map(rank.value_counts()).astype("Int64")
    # content files put a rate first (checked by the tests)
    df["rank"] = df["rank0"]
    return df.sort_values(["rank", "code"], na_position="last").reset_index(drop=True)


@dataclass(frozen=True)
class KpiStats:
    """A KPI over the provinces compared: the median and range of those with a value,
    ``n`` of them, of ``total`` provinces."""

    median: float | None
    low: float | None
    high: float | None
    n: int
    total: int


def kpi_stats(df: pd.DataFrame | None, kpi_index: int) -> KpiStats:
    """Median, range and number of provinces with a value of KPI ``kpi_index`` in a
    comparison (:func:`comparison`)."""
    if df is None or df.empty:
        return KpiStats(None, None, None, 0, 0)
    values = df[f"kpi{kpi_index}"].astype(float).dropna()
    if values.empty:
        return KpiStats(None, None, None, 0, len(df))
    return KpiStats(float(values.median()), float(values.min()), float(values.max()),
                    int(len(values)), int(len(df)))


_COMPARISONS: dict[tuple, pd.DataFrame] = {}


def _inputs_identity(db_file: Path, fy_dir: Path | None) -> tuple:
    """What a comparison depends on besides its arguments: the database file and the
    province water summaries of the year (name, size, modification time of each) — the
    only files a provider reads (not the cookbooks' own summaries, written meanwhile)."""
    def stat(path: Path) -> tuple:
        try:
            st = path.stat()
        except OSError:
            return (str(path), None)
        return (str(path), st.st_size, st.st_mtime_ns)

    summaries = (tuple(stat(f) for f in sorted(Path(fy_dir).glob("[0-9][0-9]/summary.json")))
                 if fy_dir else ())
    return stat(db_file), summaries


def comparison(con, content: CookbookContent, fiscal_year: int, lang: str,
               fy_dir: Path | None, db_file: Path) -> pd.DataFrame:
    """The provinces compared on a cookbook's KPIs (see :func:`_comparison`: values
    ``kpi<i>``, ranks ``rank<i>``, best first), computed once per database, summaries,
    practice and language and kept in this process: a batch's warm kernel builds 76
    province cookbooks of one practice from one comparison instead of asking every provider
    76 × 76 times."""
    key = (content.practice, int(fiscal_year), lang, str(fy_dir),
           _inputs_identity(db_file, fy_dir))
    if key not in _COMPARISONS:
        if len(_COMPARISONS) >= 16:
            _COMPARISONS.clear()
        _COMPARISONS[key] = _comparison(con, content, fiscal_year, lang, fy_dir)
    return _COMPARISONS[key].copy()


def _num(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")

"""What the two plan reports share: the run of a report (:class:`PlanRun`: parameters,
province or nation, the data loaded and the tables shown), its headings and column labels
(``reports/text/plan.yml``), and writing the summary and the tables (CSV/XLSX).

The reports themselves are :mod:`oneplan.reports.needs_plan` (village needs → provincial
plan, ``notebooks/needs_plan.ipynb``) and :mod:`oneplan.reports.followup` (the quarterly
follow-up, ``notebooks/followup.ipynb``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from oneplan.core import areas
from oneplan.core.files import write_atomic, write_csv, write_xlsx
from oneplan.core.format import rounded
from oneplan.core.paths import default_reports_dir
from oneplan.core.text import text
from oneplan.data import audit, db
from oneplan.data.params import Params, load_params
from oneplan.plan import needs
from oneplan.reports.pages import escape_markdown
from oneplan.reports.tables import name_column


def heading(key: str, lang: str = "th", level: int = 2) -> str:
    """A Markdown section heading in the report language."""
    return f"{'#' * level} {text(f'reports.plan.heading.{key}', lang)}"


def label(key: str, lang: str) -> str:
    """A column heading of the plan reports' tables in ``lang``."""
    return text(f"reports.plan.label.{key}", lang)


@dataclass
class PlanRun:
    """Everything one plan report (needs → plan or follow-up) shows."""

    params: Params
    province: areas.Province | None      # None = national
    fiscal_year: int
    lang: str
    db_meta: dict[str, str]
    db_path: str | None = None
    data: dict[str, pd.DataFrame] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    last_import: audit.Event | None = None   # the data appendix's line (audit trail)

    @property
    def code(self) -> str | None:
        """The province code; ``None`` for the national report."""
        return self.province.code if self.province else None

    @property
    def synthetic(self) -> bool:
        """Whether the database holds the synthetic sample."""
        return self.db_meta.get("synthetic") == "true"

    @property
    def place(self) -> str:
        """The place the report covers, in words (``จังหวัดสุรินทร์``, ``all provinces``)."""
        if self.province is None:
            return text("reports.plan.place.national", self.lang)
        return text("reports.plan.place.province", self.lang,
                    name=getattr(self.province, f"name_{self.lang}"))

    @property
    def area_level(self) -> str:
        """The areas the report's tables and maps break down by: ``district`` in a province
        report, ``province`` in the national one."""
        return "district" if self.province else "province"

    @property
    def area_key(self) -> tuple[str, str]:
        """Column of the area code and of its name: districts in a province report,
        provinces in the national one."""
        return f"{self.area_level}_code", name_column(self.area_level, self.lang)

    def area_named(self, name: str) -> str:
        """An area of the report's level named in a sentence (``อำเภอเมืองสุรินทร์``)."""
        return text(f"reports.plan.area_named.{self.area_level}", self.lang, name=name)

    def keep(self, name: str, df: pd.DataFrame) -> pd.DataFrame:
        """Remember a shown table for the CSV/XLSX export; returns it."""
        self.tables[name] = df
        return df

    def connect(self):
        """A read-only connection to the report's database."""
        return db.connect(self.db_path, read_only=True)


def start_run(province_code: str, fiscal_year: int, lang: str, db_path: str | None) -> PlanRun:
    """A :class:`PlanRun` with the parameters and database meta, nothing loaded yet
    (``province_code`` "" = national)."""
    code = province_code or None
    params = load_params(code, overrides={"fiscal_year": int(fiscal_year),
                                          "report": {"language": lang}})
    prov = areas.province(code) if code else None
    con = db.connect(db_path or None, read_only=True)
    try:
        meta = db.meta(con)
        last = audit.latest(con, code, ("import", "sample_build"))
    finally:
        con.close()
    return PlanRun(params=params, province=prov, fiscal_year=int(fiscal_year),
                   lang=params.report.language, db_meta=meta, db_path=db_path or None,
                   last_import=last)


def with_province_names(con, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the Thai and English name of its ``province_code``."""
    names = con.execute("SELECT code AS province_code, name_th AS province_name, "
                        "name_en AS province_name_en FROM areas WHERE level = 'province'").df()
    return df.merge(names, on="province_code", how="left")


def as_of(run: PlanRun) -> date:
    """The day the data stands at: the sample's snapshot (``meta.plan_as_of``) or the
    last stage recorded."""
    v = run.db_meta.get("plan_as_of")
    if v:
        return date.fromisoformat(v)
    con = run.connect()
    try:
        return needs.as_of_date(con, run.fiscal_year)
    finally:
        con.close()


def synthetic_note(run: PlanRun) -> str:
    """The synthetic-data mark as a bold paragraph after the introduction ("" for real
    data)."""
    if not run.synthetic:
        return ""
    return f"\n\n**{escape_markdown(run.db_meta.get(f'synthetic_note_{run.lang}'))}**"


# === files ===============================================================================

def output_dir(run: PlanRun, output_dir: str = "") -> Path:
    """``output_dir`` or ``reports/<fiscal_year>/<province_code or 'national'>``."""
    if output_dir:
        return Path(output_dir)
    return default_reports_dir() / str(run.fiscal_year) / (run.code or "national")


def write_summary(summary: dict[str, Any], out_dir: Path) -> Path:
    """Write ``<report>.summary.json`` (floats rounded) and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return write_atomic(out_dir / f"{summary['report']}.summary.json",
                        json.dumps(rounded(summary, places=6), ensure_ascii=False, indent=2,
                                   default=str))


def export_tables(run: PlanRun, report: str, out_dir: Path) -> dict[str, Path]:
    """Every table the report showed as CSV (UTF-8 with BOM, so Excel reads the Thai) in
    ``<out_dir>/<report>_tables/`` and all of them in ``<report>.xlsx``; the synthetic
    label goes into the XLSX's first sheet."""
    folder = out_dir / f"{report}_tables"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, df in run.tables.items():
        path = folder / f"{name}.csv"
        write_csv(df, path)
        paths[name] = path
    note = run.db_meta.get("synthetic_note_th") if run.synthetic else None
    paths["xlsx"] = write_xlsx(run.tables, out_dir / f"{report}.xlsx", note=note)
    return paths

"""Batch reports: run the report notebook for each province with papermill, export HTML
(code hidden) and PDF (Thai text layer), write ``index.html`` linking every report.

Layout of the output folder::

    reports/index.html
    reports/<fiscal_year>/<province_code>/water_portfolio.ipynb   executed notebook
    reports/<fiscal_year>/<province_code>/water_portfolio.html
    reports/<fiscal_year>/<province_code>/water_portfolio.pdf
    reports/<fiscal_year>/<province_code>/summary.json           machine-readable summary
    reports/<fiscal_year>/<province_code>/params.json            resolved parameters

One province failing never stops the others: failures are collected, listed at the end
and make :func:`run_batch`'s caller exit non-zero.
"""

from __future__ import annotations

import html
import json
import logging
import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import areas, db
from .params import load_params
from .paths import NOTEBOOKS_DIR, default_reports_dir

log = logging.getLogger(__name__)

WATER_NOTEBOOK = NOTEBOOKS_DIR / "water_portfolio.ipynb"
KERNEL = "python3"


@dataclass
class ReportOutcome:
    province_code: str
    ok: bool
    seconds: float
    files: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    summary: dict | None = None


def report_dir(out_root: Path, fiscal_year: int, province_code: str) -> Path:
    return Path(out_root) / str(fiscal_year) / province_code


def run_province(province_code: str, *, out_root: str | Path | None = None,
                 fiscal_year: int | None = None, scenario: str = "",
                 db_path: str | Path | None = None, lang: str | None = None,
                 formats: tuple[str, ...] | None = None) -> ReportOutcome:
    """Execute the water-portfolio notebook for one province and export it.

    Never raises for a failure inside the run: the outcome carries the error, so a batch
    goes on with the next province.
    """
    started = time.perf_counter()
    code = str(province_code)
    try:
        import papermill as pm
        import nbformat

        from . import export

        params = load_params(code, scenario or None,
                             {"fiscal_year": fiscal_year} if fiscal_year else None)
        lang = lang or params.report.language
        formats = tuple(formats or params.report.formats)
        out_dir = report_dir(Path(out_root or default_reports_dir()), params.fiscal_year, code)
        out_dir.mkdir(parents=True, exist_ok=True)
        db_file = str(db_path or "")
        executed = out_dir / "water_portfolio.ipynb"
        tmp_nb = out_dir / f".water_portfolio.{os.getpid()}.ipynb"
        pm.execute_notebook(
            str(WATER_NOTEBOOK), str(tmp_nb), kernel_name=KERNEL, progress_bar=False,
            cwd=str(NOTEBOOKS_DIR), log_output=False,
            parameters=dict(province_code=code, fiscal_year=params.fiscal_year,
                            scenario=scenario or "", output_dir=str(out_dir), lang=lang,
                            db_path=db_file, interactive=False),
        )
        os.replace(tmp_nb, executed)
        (out_dir / "water_portfolio.failed.ipynb").unlink(missing_ok=True)
        files = {"ipynb": str(executed)}
        summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
        files["summary"] = str(out_dir / "summary.json")
        export.write_atomic(out_dir / "params.json",
                            json.dumps(summary["params"], ensure_ascii=False, indent=2))
        files["params"] = str(out_dir / "params.json")
        prov = areas.province(code)
        title = (f"แผนงานโครงการด้านน้ำ จังหวัด{prov.name_th}" if lang == "th"
                 else f"Water portfolio, {prov.name_en}")
        nb = nbformat.read(executed, as_version=4)
        page = export.notebook_to_html(nb, title=title, lang=lang,
                                       synthetic=bool(summary.get("synthetic")))
        html_path = out_dir / "water_portfolio.html"
        export.write_atomic(html_path, page)
        files["html"] = str(html_path)
        if "pdf" in formats:
            pdf_path = out_dir / "water_portfolio.pdf"
            export.html_to_pdf(html_path, pdf_path)
            files["pdf"] = str(pdf_path)
        return ReportOutcome(code, True, time.perf_counter() - started, files,
                             summary={k: v for k, v in summary.items()
                                      if k not in ("params", "selected_ids")})
    except Exception as exc:  # noqa: BLE001 — a batch isolates every province's failure
        log.debug("province %s failed:\n%s", code, traceback.format_exc())
        return ReportOutcome(code, False, time.perf_counter() - started,
                             error=_error_message(exc, locals().get("tmp_nb")))


def _error_message(exc: Exception, failed_nb: Path | None) -> str:
    """One line saying what went wrong; for a notebook error, the error raised in it and
    where the executed notebook (with the traceback) was kept."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        message = f"{ename}: {evalue}"
        if failed_nb is not None and Path(failed_nb).exists():
            kept = Path(failed_nb).with_name("water_portfolio.failed.ipynb")
            os.replace(failed_nb, kept)
            message += f" (executed notebook kept in {kept})"
    else:
        message = f"{type(exc).__name__}: {exc}"
    return message.strip().splitlines()[0][:800]


@dataclass
class BatchResult:
    outcomes: list[ReportOutcome]
    seconds: float
    index: Path | None = None

    @property
    def failures(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if not o.ok]


def run_batch(province_codes: list[str], *, out_root: str | Path | None = None,
              fiscal_year: int | None = None, scenario: str = "",
              db_path: str | Path | None = None, lang: str | None = None,
              formats: tuple[str, ...] | None = None, workers: int | None = None,
              progress: bool = True) -> BatchResult:
    """Run the reports of several provinces in parallel worker processes.

    Codes are checked before anything runs (an unknown code fails fast and says how to
    list the valid ones) and so is the database. Each report runs in its own worker; a
    failing province is recorded and the rest go on.
    """
    codes = [areas.province(c).code for c in province_codes]
    db.connect(db_path, read_only=True).close()  # fail fast with the build command
    out_root = Path(out_root or default_reports_dir())
    out_root.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(workers or os.cpu_count() or 1, len(codes)))
    started = time.perf_counter()
    kwargs = dict(out_root=out_root, fiscal_year=fiscal_year, scenario=scenario,
                  db_path=db_path, lang=lang, formats=formats)
    outcomes: list[ReportOutcome] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(codes), unit="province", desc="reports")
    if workers == 1:
        for code in codes:
            outcomes.append(run_province(code, **kwargs))
            if bar:
                bar.update()
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run_province, code, **kwargs) for code in codes]
            for fut in as_completed(futures):
                outcomes.append(fut.result())
                if bar:
                    bar.update()
                    if not outcomes[-1].ok:
                        bar.write(f"failed: {outcomes[-1].province_code}: {outcomes[-1].error}")
    if bar:
        bar.close()
    outcomes.sort(key=lambda o: o.province_code)
    result = BatchResult(outcomes, time.perf_counter() - started)
    result.index = write_index(out_root, fiscal_year or load_params().fiscal_year)
    (out_root / "last_batch.json").write_text(
        json.dumps(_rounded({"seconds": result.seconds,
                             "outcomes": [asdict(o) for o in outcomes]}),
                   ensure_ascii=False, indent=2),
        encoding="utf-8")
    return result


def _rounded(obj, digits: int = 10):
    """Floats kept to ``digits`` significant digits for files people read (a long fraction
    also looks like an ID number to personal-data scanners); tiny gaps stay visible."""
    if isinstance(obj, float):
        return float(f"{obj:.{digits}g}")
    if isinstance(obj, dict):
        return {k: _rounded(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_rounded(v, digits) for v in obj]
    return obj


def write_index(out_root: str | Path, fiscal_year: int) -> Path:
    """Write ``index.html``, the reports portal (:func:`oneplan.portal.write_portal`): every
    province, its key figures and links to all its reports, the national overview and the
    cookbooks. Opens from disk, no server needed."""
    from . import portal

    return portal.write_portal(out_root, fiscal_year)

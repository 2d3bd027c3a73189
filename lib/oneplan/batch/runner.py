"""The national report batch: every report notebook for every province, then the national
ones; fast (warm kernels), resumable (up-to-date reports are skipped), and one bad province
never stops the others. :func:`run_batch` is the entry point (the ``oneplan report`` command).

Layout of the output folder::

    reports/index.html
    reports/<fy>/manifest.json                         run manifest (oneplan.batch.manifest)
    reports/<fy>/<code>/water_portfolio.ipynb          executed notebook
    reports/<fy>/<code>/water_portfolio.html           HTML, code hidden
    reports/<fy>/<code>/water_portfolio.pdf            A4 PDF, Thai text layer, bookmarks
    reports/<fy>/<code>/summary.json                   the water report's summary
    reports/<fy>/<code>/params.json                    its resolved parameters
    reports/<fy>/<code>/<name>.{ipynb,html,pdf}        every other report, and
    reports/<fy>/<code>/<name>.summary.json            its summary (report-notebook contract)
    reports/<fy>/<code>/<name>.failed.ipynb            a failed run, with the traceback
    reports/<fy>/<name>.{ipynb,html,pdf,summary.json}  national reports (province_code "")

The parts of the batch: which reports there are (:mod:`oneplan.batch.registry`), what a
report depends on (:mod:`oneplan.batch.fingerprints`), the jobs (:mod:`oneplan.batch.jobs`),
the run manifest (:mod:`oneplan.batch.manifest`), the code run inside a kernel
(:mod:`oneplan.batch.kernel`) and the HTML/PDF export (:mod:`oneplan.batch.export`). This
module runs them.

Engine
    Each worker process keeps one IPython kernel alive and runs many notebooks in it
    (nbclient, parameters injected like papermill: a cell tagged ``injected-parameters``
    after the ``parameters`` cell). Heavy imports are paid once per kernel
    (:func:`oneplan.batch.kernel.warm_up`); before each notebook the kernel is reset to that
    state (:func:`oneplan.batch.kernel.reset`) so reports cannot leak into each other. HTML
    is exported with a warm in-process nbconvert exporter and PDFs are printed by one
    Chromium per worker (:class:`oneplan.batch.export.PdfPrinter`). Each notebook has a time
    limit; a timed-out or crashed kernel is restarted and only that report fails.

Atomic and resumable
    A notebook writes into a staging folder; its files, the executed notebook, HTML and PDF
    are moved into place with ``os.replace`` once all of them exist, so a crash never
    leaves a half-written report, and a failed re-run keeps the last good files (the
    manifest says it failed). The manifest is rewritten (atomically) after every report.
    A report is up to date when its files exist and its fingerprint equals the manifest's;
    up-to-date reports are skipped unless ``force``.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import re
import shutil
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from oneplan.batch.fingerprints import browser_version
from oneplan.batch.jobs import Job, Planner, ReportOutcome
from oneplan.batch.manifest import Manifest, manifest_path, timestamp, up_to_date
from oneplan.batch.registry import ReportSpec, available_reports
from oneplan.core import areas
from oneplan.core.files import write_atomic
from oneplan.core.paths import NOTEBOOKS_DIR, default_reports_dir
from oneplan.data.params import load_params

log = logging.getLogger(__name__)

KERNEL = "python3"
"""The Jupyter kernel the report notebooks run in."""

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# ------------------------------------------------------------------------------- engine

_PARAM_NAME = re.compile(r"^([A-Za-z_]\w*)\s*(?::[^=]+)?=", re.M)


def _declared_parameters(nb) -> set[str]:
    """Names assigned in the notebook's ``parameters`` cell."""
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return set(_PARAM_NAME.findall(cell.source))
    return set()


def _parameters(job: Job, nb, output_dir: Path) -> dict:
    """Parameters injected into the notebook: the contract's five, ``scenario`` and
    ``interactive`` when the notebook declares them, and the report's extras."""
    declared = _declared_parameters(nb)
    params: dict[str, Any] = dict(province_code=job.province_code,
                                  fiscal_year=job.fiscal_year, lang=job.lang,
                                  db_path=job.db_path, output_dir=str(output_dir))
    if "scenario" in declared:
        params["scenario"] = job.scenario
    if "interactive" in declared:
        params["interactive"] = False
    params.update(dict(job.spec.extra))
    return params


class ReportRunError(Exception):
    """A report run failed; the message is the one line the batch lists."""


class _Engine:
    """One long-lived kernel (and browser) that runs many report notebooks in turn."""

    def __init__(self):
        self._km = None
        self._kc = None
        self._printer = None
        self._log_path: Path | None = None
        self.kernel_starts = 0
        self.notebooks_run = 0
        self.timings: dict[str, float] = {}

    # -- kernel
    def _client(self, nb, cwd: Path, deadline: float | None = None):
        from nbclient import NotebookClient

        timeout_func = None
        if deadline is not None:
            def timeout_func(cell):  # noqa: ARG001 — what is left of the notebook's limit
                return max(1, int(deadline - time.monotonic()))
        client = NotebookClient(nb, km=self._km, kernel_name=KERNEL, timeout=600,
                                timeout_func=timeout_func, startup_timeout=120,
                                resources={"metadata": {"path": str(cwd)}},
                                record_timing=False)
        client.kc = self._kc
        return client

    def _run_code(self, source: str, timeout_s: float = 120) -> None:
        """Run ``source`` in the kernel (one request, no notebook around it).

        Raises:
            RuntimeError: the code raised in the kernel, or no reply within ``timeout_s``.
        """
        from jupyter_core.utils import run_sync

        try:
            reply = run_sync(self._kc.execute_interactive)(
                source, silent=False, store_history=False, allow_stdin=False,
                timeout=timeout_s, output_hook=lambda msg: None)
        except TimeoutError as exc:
            raise RuntimeError(f"kernel did not answer within {timeout_s:g} s") from exc
        content = reply["content"]
        if content.get("status") != "ok":
            raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")

    def start_kernel(self) -> None:
        """Start the kernel and pay the imports (:func:`oneplan.batch.kernel.warm_up`)."""
        from jupyter_client.manager import AsyncKernelManager

        self.stop_kernel()
        self._km = AsyncKernelManager(kernel_name=KERNEL)
        self._kc = None
        # the kernel process's own output (ipykernel's start-up warnings, C libraries
        # printing, a crash message) goes to a log, not the batch's terminal; its tail is
        # quoted when the kernel dies
        import tempfile

        fd, log_path = tempfile.mkstemp(prefix="oneplan-kernel-", suffix=".log")
        self._log_path = Path(log_path)
        import nbformat

        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            "import oneplan.batch.kernel as _bk\n_bk.warm_up()")])
        nb.metadata["kernelspec"] = {"name": KERNEL, "language": "python"}
        client = self._client(nb, NOTEBOOKS_DIR, time.monotonic() + 300)
        try:
            # starts the kernel; keeps it (the client does not own km)
            client.execute(stdout=fd, stderr=fd)
        except BaseException:
            self._kc = client.kc
            self.stop_kernel()
            raise
        finally:
            os.close(fd)  # the kernel holds its own copy
        self._kc = client.kc
        self.kernel_starts += 1

    def kernel_log_tail(self, limit: int = 300) -> str:
        """The last line of the kernel process's output (empty when none)."""
        try:
            lines = [ln for ln in self._log_path.read_text(errors="replace").splitlines()
                     if ln.strip() and "without encryption" not in ln]
        except (AttributeError, OSError):
            return ""
        return lines[-1][-limit:] if lines else ""

    def stop_kernel(self) -> None:
        """Stop the kernel (if any) and remove its log."""
        from jupyter_core.utils import run_sync

        if self._kc is not None:
            try:
                self._kc.stop_channels()
            except Exception:  # noqa: BLE001 — tearing down a possibly dead kernel
                log.debug("stop_channels failed", exc_info=True)
        if self._km is not None:
            try:
                run_sync(self._km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001
                log.debug("shutdown_kernel failed", exc_info=True)
        self._km = self._kc = None
        if getattr(self, "_log_path", None) is not None:
            self._log_path.unlink(missing_ok=True)
            self._log_path = None

    def close(self) -> None:
        """Stop the kernel and the browser."""
        self.stop_kernel()
        if self._printer is not None:
            self._printer.close()
            self._printer = None

    # -- one report
    def execute(self, nb, cwd: Path, timeout_s: float, env: dict[str, str] | None = None):
        """Run ``nb`` (parameters already injected) in the warm kernel after a reset.

        Raises:
            nbclient.exceptions.CellExecutionError: a cell raised (the notebook keeps the
                traceback in its outputs).
            ReportRunError: time limit reached or the kernel died (it is restarted).
        """
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        t = time.perf_counter()
        if self._km is None:
            self.start_kernel()
            self.timings["kernel"] = time.perf_counter() - t
            t = time.perf_counter()
        reset = f"import oneplan.batch.kernel as _bk\n_bk.reset({str(cwd)!r}, {env or {}!r})"
        try:
            self._run_code(reset)
        except Exception:  # noqa: BLE001 — a kernel that cannot reset is replaced
            log.warning("kernel reset failed; starting a new kernel", exc_info=True)
            self.start_kernel()
            self._run_code(reset)
        self.timings["reset"] = time.perf_counter() - t
        t = time.perf_counter()
        deadline = time.monotonic() + timeout_s
        self.notebooks_run += 1
        try:
            self._client(nb, cwd, deadline).execute()
            self.timings["execute"] = time.perf_counter() - t
        except CellTimeoutError:
            self.stop_kernel()
            raise ReportRunError(f"time limit of {timeout_s:g} s reached; kernel restarted") \
                from None
        except DeadKernelError:
            tail = self.kernel_log_tail()
            self.stop_kernel()
            raise ReportRunError("the kernel died (crash or out of memory); kernel restarted"
                               + (f"; its last output: {tail}" if tail else "")) from None
        except RuntimeError as exc:
            if "kernel" in str(exc).lower():  # e.g. "Kernel didn't respond in N seconds"
                self.stop_kernel()
                raise ReportRunError(f"kernel error: {exc}") from None
            raise
        return nb

    def printer(self):
        """This worker's PDF printer (one Chromium, started on first use)."""
        from oneplan.batch import export

        if self._printer is None:
            self._printer = export.PdfPrinter()
        return self._printer

    def run(self, job: Job) -> ReportOutcome:
        """Run one report and export it; never raises (the outcome carries the error)."""
        started = time.perf_counter()
        self.timings = {}
        out_dir = job.out_dir
        staging = out_dir / f".{job.spec.name}.staging-{os.getpid()}"
        nb = None
        try:
            import nbformat
            from nbclient.exceptions import CellExecutionError
            from papermill.parameterize import parameterize_notebook

            spec = job.spec
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            nb = nbformat.read(spec.notebook_path, as_version=4)
            nb.metadata.setdefault("papermill", {})
            for cell in nb.cells:  # as papermill's loader does; its helpers expect tags
                cell.metadata.setdefault("tags", [])
            params = _parameters(job, nb, staging)
            nb = parameterize_notebook(nb, params, kernel_name=KERNEL, language="python")
            nb.metadata.papermill.update(input_path=str(spec.notebook_path),
                                         start_time=timestamp(), exception=None)
            try:
                self.execute(nb, spec.notebook_path.parent, spec.timeout_s, job.env)
            except CellExecutionError as exc:
                nb.metadata.papermill["exception"] = True
                raise ReportRunError(f"{exc.ename}: {exc.evalue}") from None
            except ReportRunError:  # time limit or dead kernel: keep the outputs made so far
                nb.metadata.papermill["exception"] = True
                raise
            nb.metadata.papermill.update(end_time=timestamp(),
                                         duration=round(time.perf_counter() - started, 2),
                                         parameters=params)
            files = self._export(job, nb, staging)
            moved = _move_into_place(staging, out_dir, Path(job.out_root))
            (out_dir / f"{spec.name}.failed.ipynb").unlink(missing_ok=True)
            summary = json.loads((out_dir / spec.summary_file).read_text(encoding="utf-8"))
            return ReportOutcome(spec.name, job.province_code, "ok",
                                 time.perf_counter() - started,
                                 {**{k: moved[v] for k, v in files.items()},
                                  **{n: p for n, p in moved.items()
                                     if n not in files.values()}},
                                 summary={k: v for k, v in summary.items()
                                          if k not in ("params", "selected_ids")},
                                 timings={k: round(v, 3) for k, v in self.timings.items()})
        except Exception as exc:  # noqa: BLE001 — a batch isolates every report's failure
            log.debug("%s failed:\n%s", job.key, traceback.format_exc())
            message = str(exc) if isinstance(exc, ReportRunError) else \
                f"{type(exc).__name__}: {exc}"
            message = (message.strip().splitlines() or [type(exc).__name__])[0][:800]
            if nb is not None and nb.metadata.get("papermill", {}).get("exception"):
                kept = _keep_failed(nb, out_dir / f"{job.spec.name}.failed.ipynb")
                message += f" (executed notebook kept in {kept})"
            return ReportOutcome(job.spec.name, job.province_code, "failed",
                                 time.perf_counter() - started, error=message,
                                 timings={k: round(v, 3) for k, v in self.timings.items()})
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _export(self, job: Job, nb, staging: Path) -> dict[str, str]:
        """Write the executed notebook, params file, HTML and PDF into ``staging``; returns
        kind → file name."""
        import nbformat

        from oneplan.batch import export

        spec = job.spec
        summary_path = staging / spec.summary_file
        if not summary_path.is_file():
            raise ReportRunError(f"the notebook did not write its summary {spec.summary_file}")
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        files = {"summary": spec.summary_file, "ipynb": f"{spec.name}.ipynb"}
        write_atomic(staging / files["ipynb"], nbformat.writes(nb))
        if spec.params_file:
            if "params" not in summary:
                raise ReportRunError(f"{spec.summary_file} has no 'params' for {spec.params_file}")
            write_atomic(staging / spec.params_file,
                                json.dumps(summary["params"], ensure_ascii=False, indent=2))
            files["params"] = spec.params_file
        t = time.perf_counter()
        page = export.notebook_to_html(nb, title=spec.title(job.lang, job.province_code),
                                       lang=job.lang, synthetic=bool(summary.get("synthetic")))
        files["html"] = f"{spec.name}.html"
        write_atomic(staging / files["html"], page)
        self.timings["html"] = time.perf_counter() - t
        if "pdf" in job.formats:
            t = time.perf_counter()
            files["pdf"] = f"{spec.name}.pdf"
            try:
                self.printer().print(staging / files["html"], staging / files["pdf"])
            except export.PdfExportError as exc:
                raise ReportRunError(f"PDF: {exc}") from None
            self.timings["pdf"] = time.perf_counter() - t
        return files


def _move_into_place(staging: Path, out_dir: Path, out_root: Path) -> dict[str, str]:
    """Move every file of ``staging`` into ``out_dir`` (``os.replace``, so each file is
    replaced whole); returns file name → path relative to ``out_root``."""
    moved = {}
    for src in sorted(staging.rglob("*")):
        if src.is_file():
            rel = src.relative_to(staging)
            dst = out_dir / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
            moved[rel.as_posix()] = dst.relative_to(out_root).as_posix()
    return moved


def _keep_failed(nb, path: Path) -> Path:
    """Write the failed notebook (tracebacks in its outputs) with papermill's error banner
    on top, pointing at the cell that raised."""
    import nbformat


    nb = nbformat.from_dict(nb)
    failed_index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                         and any(o.get("output_type") == "error"
                                 for o in c.get("outputs", []))), None)
    if failed_index is not None:
        count = nb.cells[failed_index].get("execution_count")
        nb.cells[failed_index].metadata.setdefault("tags", []).append("papermill-error-cell")
        banner = nbformat.v4.new_markdown_cell(
            '<span style="color:red; font-size:2em">An Exception was encountered at '
            f"'In [{count}]'.</span>")
        banner.metadata["tags"] = ["papermill-error-cell-tag"]
        nb.cells.insert(0, banner)
    return write_atomic(path, nbformat.writes(nb))


_WORKER: _Engine | None = None


def _worker_init(log_level: int, thread_env: dict[str, str]) -> None:
    global _WORKER
    logging.basicConfig(level=log_level, format="%(levelname)s %(name)s: %(message)s")
    os.environ.update(thread_env)  # before the kernel starts: BLAS reads them at import
    _WORKER = _Engine()
    # multiprocessing children skip atexit; Finalize runs when the worker exits
    multiprocessing.util.Finalize(_WORKER, _WORKER.close, exitpriority=10)


def _worker_run(job: Job) -> ReportOutcome:
    assert _WORKER is not None
    return _WORKER.run(job)


class _Runner:
    """Runs jobs on ``workers`` processes (each with its own engine), or in this process
    when ``workers`` is 1. Kept across the batch's phases so kernels stay warm."""

    def __init__(self, workers: int):
        self.workers = workers
        self._engine: _Engine | None = None
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn: workers start clean (no copied threads, locks or open DuckDB handles)
        # parallel kernels each with a BLAS/OpenMP pool of all cores would oversubscribe
        # the machine: each worker gets its share (unless the variables are set already)
        share = str(max(1, (os.cpu_count() or 1) // self.workers))
        thread_env = {v: os.environ.get(v, share) for v in _THREAD_VARS}
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_worker_init,
                                   initargs=(logging.getLogger().level, thread_env))

    def run(self, jobs: list[Job], done: Callable[[Job, ReportOutcome], None]) -> None:
        """Run ``jobs`` and call ``done`` with each outcome as it comes; a worker that
        dies is replaced and its unfinished jobs run once more."""
        if not jobs:
            return
        if self.workers == 1:
            self._engine = self._engine or _Engine()
            for job in jobs:
                done(job, self._engine.run(job))
            return
        retry: list[Job] = []
        for attempt in (1, 2):
            self._pool = self._pool or self._new_pool()
            futures = {self._pool.submit(_worker_run, job): job for job in jobs}
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    done(job, fut.result())
                except BrokenProcessPool:
                    retry.append(job)
                except Exception as exc:  # noqa: BLE001 — never lose a report silently
                    done(job, ReportOutcome(job.spec.name, job.province_code, "failed",
                                            error=f"worker error: {type(exc).__name__}: {exc}"))
            if not retry:
                return
            # a worker process died: the pool is unusable; the unfinished jobs run once more
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            if attempt == 2:
                for job in retry:
                    done(job, ReportOutcome(job.spec.name, job.province_code, "failed",
                                            error="the worker process died twice"))
            jobs, retry = retry, []

    def close(self) -> None:
        """Stop the engine or the worker pool."""
        if self._engine is not None:
            self._engine.close()
        if self._pool is not None:  # after Ctrl-C: do not start what is still queued
            self._pool.shutdown(wait=True, cancel_futures=True)


# -------------------------------------------------------------------------------- batch


@dataclass
class BatchResult:
    """What :func:`run_batch` did: every report's outcome (sorted by province and report),
    the elapsed seconds, and the paths of the portal page and the manifest."""

    outcomes: list[ReportOutcome]
    seconds: float
    index: Path | None = None
    manifest: Path | None = None

    @property
    def failures(self) -> list[ReportOutcome]:
        """The reports that failed."""
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def skipped(self) -> list[ReportOutcome]:
        """The reports skipped as up to date."""
        return [o for o in self.outcomes if o.status == "skipped"]

    @property
    def written(self) -> list[ReportOutcome]:
        """The reports run and written."""
        return [o for o in self.outcomes if o.status == "ok"]


def run_batch(province_codes: list[str], *, out_root: str | Path | None = None,
              fiscal_year: int | None = None, scenario: str = "",
              db_path: str | Path | None = None, lang: str | None = None,
              formats: tuple[str, ...] | None = None, workers: int | None = None,
              progress: bool = True, reports: list[str] | None = None,
              national: bool = False, force: bool = False) -> BatchResult:
    """Run the report notebooks for provinces (then, with ``national``, the national ones).

    Args:
        province_codes: provinces to report on (checked before anything runs).
        out_root: output folder (default ``$ONEPLAN_REPORTS`` or ``reports/``).
        fiscal_year: fiscal year, พ.ศ. (default from the parameters).
        scenario: a file in ``params/scenarios`` without ``.yml``.
        db_path: database file (default ``$ONEPLAN_DB`` or ``data/oneplan.duckdb``).
        lang: ``th``/``en`` (default from each province's parameters).
        formats: ``("html",)`` or ``("html", "pdf")`` (default from the parameters).
        workers: worker processes (default: the machine's cores, at most the jobs).
        progress: show a progress bar with ETA.
        reports: names of the reports to run (default: every registered report present).
        national: also run the national-scope reports, after the provinces.
        force: redo reports that are up to date.

    Returns:
        The outcomes (``ok``, ``failed`` with its error, ``skipped``) sorted by province and
        report, the elapsed time, the index page and the manifest path.

    Raises:
        oneplan.core.areas.UnknownAreaError: a province code is unknown.
        oneplan.data.db.DatabaseMissingError: the database does not exist.
        ValueError: an unknown report name.
    """
    codes = [areas.province(c).code for c in province_codes]
    specs = available_reports(reports)
    started = time.perf_counter()
    out_root = Path(out_root or default_reports_dir()).resolve()
    fy = fiscal_year or load_params().fiscal_year
    db_file = str(Path(db_path).resolve()) if db_path else ""
    planner = Planner(out_root, fy, scenario or "", db_file, lang, formats)
    prov_specs = [s for s in specs if s.scope == "province"]
    first = [s for s in prov_specs if not s.after_provinces]
    later = [s for s in prov_specs if s.after_provinces]
    nat_specs = [s for s in specs if s.scope == "national"] if national else []
    wants_pdf = "pdf" in (formats or load_params().report.formats)
    manifest = Manifest(manifest_path(out_root, fy), planner.packages,
                         browser_version() if wants_pdf else None)
    outcomes: list[ReportOutcome] = []

    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(codes) * len(prov_specs) + len(nat_specs), unit="report",
                   desc="reports", smoothing=0.1)

    def done(job: Job, outcome: ReportOutcome) -> None:
        """Keep ``outcome``, record it in the manifest and show it on the progress bar."""
        outcomes.append(outcome)
        if outcome.status != "skipped":
            manifest.record(job, outcome)
        if bar is not None:
            bar.update()
            if outcome.status == "failed":
                bar.write(f"failed: {outcome.key}: {outcome.error}")

    def plan(pairs: list[tuple[ReportSpec, str]]) -> list[Job]:
        """The jobs of ``pairs`` still to run (up-to-date ones are reported skipped)."""
        todo = []
        for spec, code in pairs:
            try:
                job = planner.job(spec, code)
            except Exception as exc:  # noqa: BLE001 — e.g. one province's broken params
                fake = Job(spec, code, fy, lang or "th", scenario, db_file, str(out_root), ())
                done(fake, ReportOutcome(spec.name, code, "failed",
                                         error=f"{type(exc).__name__}: {exc}"[:800]))
                continue
            entry = manifest.entry(job.key)
            if not force and up_to_date(job, entry):
                done(job, ReportOutcome(spec.name, code, "skipped", files=entry["files"]))
            else:
                todo.append(job)
        return todo

    n_jobs = len(codes) * len(prov_specs) + len(nat_specs)
    runner = _Runner(max(1, min(workers or os.cpu_count() or 1, n_jobs or 1)))

    try:
        runner.run(plan([(s, c) for c in codes for s in first]), done)
        # national reports and cookbooks read the provinces' summaries, so they are
        # planned after them (a cookbook's rank among provinces sees every province)
        runner.run(plan([(s, c) for s in later for c in codes]
                        + [(s, "") for s in nat_specs]), done)
    finally:
        manifest.save()  # also after Ctrl-C: what finished stays recorded
        if bar is not None:
            bar.close()
        runner.close()  # workers stop their kernels and browsers
    outcomes.sort(key=lambda o: (o.province_code or "~", o.report))
    result = BatchResult(outcomes, time.perf_counter() - started)
    manifest.data["last_run"] = {
        "finished": timestamp(), "seconds": round(result.seconds, 2), "workers": runner.workers,
        "provinces": codes, "reports": [s.key for s in prov_specs + nat_specs],
        "written": len(result.written), "skipped": len(result.skipped),
        "failed": [{"key": o.key, "error": o.error} for o in result.failures],
    }
    manifest.save()
    result.manifest = manifest.path
    result.index = write_index(out_root, fy)
    return result


def write_index(out_root: str | Path, fiscal_year: int) -> Path:
    """Write ``index.html``, the reports portal (:func:`oneplan.reports.portal.write_portal`): every
    province, its key figures and links to all its reports, the national overview and the
    cookbooks. Opens from disk, no server needed."""
    from oneplan.reports import portal

    return portal.write_portal(out_root, fiscal_year)

"""The national report batch: every report notebook for every province, then the national
ones; fast (warm kernels), resumable (up-to-date reports are skipped), one bad province
never stops the others, and no process outlives it. :func:`run_batch` is the entry point
(the ``oneplan report`` command).

Layout of the output folder::

    reports/index.html
    reports/<fy>/manifest.json                         run manifest (oneplan.batch.manifest)
    reports/<fy>/manifest.journal                      its records since the last rewrite
    reports/<fy>/<code>/water_portfolio.ipynb          executed notebook
    reports/<fy>/<code>/water_portfolio.html           HTML, code hidden
    reports/<fy>/<code>/water_portfolio.pdf            A4 PDF, Thai text layer, bookmarks
    reports/<fy>/<code>/summary.json                   the water report's summary
    reports/<fy>/<code>/params.json                    its resolved parameters
    reports/<fy>/<code>/<name>.{ipynb,html,pdf}        every other report, and
    reports/<fy>/<code>/<name>.summary.json            its summary (report-notebook contract)
    reports/<fy>/<code>/<name>.failed.ipynb            a failed run, with the traceback
    reports/<fy>/<name>.{ipynb,html,pdf,summary.json}  national reports (province_code "")
    reports/<fy>/.staging/<pid>/                       reports being written (while a batch runs)

The parts of the batch: which reports there are (:mod:`oneplan.batch.registry`), what a
report depends on (:mod:`oneplan.batch.fingerprints`), the jobs (:mod:`oneplan.batch.jobs`),
the run manifest (:mod:`oneplan.batch.manifest`), the engine of a worker
(:mod:`oneplan.batch.engine`) and the code it runs inside a kernel
(:mod:`oneplan.batch.kernel`), the worker processes (:mod:`oneplan.batch.pool`) and what
keeps them from outliving the batch (:mod:`oneplan.batch.procs`), and the HTML/PDF export
(:mod:`oneplan.batch.export`). This module runs them.

Atomic and resumable
    A worker writes a report into the batch's staging folder and returns the file names;
    only this process (the coordinator) moves files into the output folder: it journals
    them in the manifest first (``placing``), moves each with ``os.replace`` (each file is
    replaced whole), then records the report. A crash never leaves a half-written report
    unrecorded, and a failed re-run keeps the last good files (the manifest says it failed).
    A report is up to date when its files exist and its fingerprint equals the manifest's;
    up-to-date reports are skipped unless ``force``.

Stopping
    Ctrl-C (SIGINT), SIGTERM and SIGHUP stop the batch: the workers are told to die (they
    kill their kernels and browsers), what finished stays recorded in the manifest, the
    staging folder is removed, one line says so on stderr, and then the signal takes its
    usual course: the process ends as killed by it (exit status 130 for Ctrl-C, 143 for
    SIGTERM, 129 for SIGHUP; ``KeyboardInterrupt`` for a caller in Python). When the batch
    process is killed outright (SIGKILL), its workers, kernels and browsers die with it
    (parent-death signals, :mod:`oneplan.batch.procs`); the next batch removes the staging
    folder left behind.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from oneplan.batch import pool as workers_pool
from oneplan.batch import procs
from oneplan.batch.engine import KERNEL, Engine, ReportRunError
from oneplan.batch.fingerprints import browser_version
from oneplan.batch.jobs import STAGING_DIR, Job, Planner, ReportOutcome, staging_root
from oneplan.batch.manifest import Manifest, manifest_path, timestamp, up_to_date
from oneplan.batch.registry import ReportSpec, available_reports
from oneplan.core import areas
from oneplan.core.errors import Failure
from oneplan.core.paths import default_reports_dir
from oneplan.core.text import text
from oneplan.data import db
from oneplan.data.params import load_params

log = logging.getLogger(__name__)

__all__ = ["KERNEL", "BatchInterrupted", "BatchResult", "ReportRunError", "run_batch",
           "write_index"]

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""The signals that stop a batch cleanly."""


class BatchInterrupted(Failure):
    """The batch was stopped by a signal whose usual handling did not end the process;
    ``exit_code`` is 128 + the signal number (the shell's convention)."""

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum


class _Stop(BaseException):
    """Raised in the batch's main thread by a stop signal (not an ``Exception``: nothing
    on the way may swallow it)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    """While the batch runs, a stop signal raises :class:`_Stop` once (a second one, while
    the batch is cleaning up, is ignored); the previous handlers are put back after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are only delivered to the main thread; its owner decides
        return
    stopping: list[int] = []

    def handler(signum, frame):  # noqa: ARG001
        if not stopping:
            stopping.append(signum)
            raise _Stop(signum)

    old = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _reraise(stop: _Stop, message: str) -> None:
    """After a clean stop, let the signal take its usual course (with the handlers the
    batch found): Ctrl-C raises ``KeyboardInterrupt``, SIGTERM ends the process. Raises
    :class:`BatchInterrupted` when the signal's handling returns."""
    print(message, file=sys.stderr, flush=True)
    signal.raise_signal(stop.signum)
    raise BatchInterrupted(message, stop.signum)


# ------------------------------------------------------------------------------ workers

_WORKER: Engine | None = None


def _worker_init(log_level: int, thread_env: dict[str, str]) -> None:
    global _WORKER
    logging.basicConfig(level=log_level, format="%(levelname)s %(name)s: %(message)s")
    os.environ.update(thread_env)  # before the kernel starts: BLAS reads them at import
    _WORKER = Engine()
    procs.on_kill(_WORKER.kill)  # SIGTERM or the batch's death: kernel and browser now
    import atexit

    atexit.register(_WORKER.close)  # a normal end: shut them down properly


def _worker_run(job: Job) -> ReportOutcome:
    assert _WORKER is not None
    return _WORKER.run(job)


class _Runner:
    """Runs jobs on ``workers`` processes (:class:`oneplan.batch.pool.WorkerPool`, each
    with its own engine), or in this process when ``workers`` is 1. Kept across the
    batch's phases so kernels stay warm."""

    def __init__(self, workers: int):
        self.workers = workers
        self._engine: Engine | None = None
        self._pool: workers_pool.WorkerPool | None = None

    def run(self, jobs: list[Job], done: Callable[[Job, ReportOutcome], None]) -> None:
        """Run ``jobs`` and call ``done`` with each outcome as it comes (in this process);
        a worker that dies is replaced and its job runs once more."""
        if not jobs:
            return
        if self.workers == 1:
            if self._engine is None:
                self._engine = Engine()
            for job in jobs:
                done(job, self._engine.run(job))
            return
        if self._pool is None:
            # parallel kernels each with a BLAS/OpenMP pool of all cores would
            # oversubscribe the machine: each worker gets its share (unless set already)
            share = str(max(1, (os.cpu_count() or 1) // self.workers))
            thread_env = {v: os.environ.get(v, share) for v in _THREAD_VARS}
            self._pool = workers_pool.WorkerPool(
                self.workers, _worker_run, initializer=_worker_init,
                initargs=(logging.getLogger().level, thread_env))

        def finished(job: Job, outcome: ReportOutcome | None, error: str | None) -> None:
            if outcome is None:
                error = ("the worker process died twice" if error == workers_pool.WORKER_DIED
                         else f"worker error: {error}")
                outcome = ReportOutcome(job.spec.name, job.province_code, "failed",
                                        error=error, staging=str(job.staging))
            done(job, outcome)

        self._pool.run(jobs, finished)

    def close(self, *, now: bool = False) -> None:
        """Stop the engine or the workers; ``now``: kill kernels and browsers at once."""
        if self._engine is not None:
            self._engine.kill() if now else self._engine.close()
            self._engine = None
        if self._pool is not None:
            self._pool.close(now=now)
            self._pool = None


# ---------------------------------------------------------------------------- placement


def _place(job: Job, outcome: ReportOutcome, manifest: Manifest) -> ReportOutcome:
    """Move a worker's staged files into the output folder, journaled in ``manifest``
    first; returns the outcome with ``files`` relative to the output folder. An ``ok``
    report brings every file of its staging folder (and its old failed notebook goes); a
    failed one only its failed notebook."""
    staging = Path(outcome.staging) if outcome.staging else None
    outcome.staging = None
    if staging is None:
        return outcome
    out_root, out_dir = Path(job.out_root), job.out_dir
    try:
        if outcome.status == "ok":
            names = sorted(f.relative_to(staging).as_posix() for f in staging.rglob("*")
                           if f.is_file())
        else:
            names = sorted(n for n in outcome.files.values() if (staging / n).is_file())
        dest = {n: (out_dir / n).relative_to(out_root).as_posix() for n in names}
        kinds = {k: v for k, v in outcome.files.items() if v in dest}
        files = {**{k: dest[v] for k, v in kinds.items()},
                 **{n: p for n, p in dest.items() if n not in kinds.values()}}
        if files:
            manifest.placing(job, files)
        for name in names:
            target = out_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)
        if outcome.status == "ok":
            (out_dir / f"{job.spec.name}.failed.ipynb").unlink(missing_ok=True)
        outcome.files = files
    except OSError as exc:
        outcome.status, outcome.files = "failed", {}
        outcome.error = f"could not move the report into {out_dir}: {exc}"[:800]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return outcome


def _clear_stale_staging(out_root: Path, fiscal_year: int) -> None:
    """Remove staging folders of batches that are no longer running (killed ones)."""
    folder = out_root / str(fiscal_year) / STAGING_DIR
    if not folder.is_dir():
        return
    for sub in folder.iterdir():
        if not (sub.name.isdigit() and procs.alive(int(sub.name))):
            shutil.rmtree(sub, ignore_errors=True)
    try:
        folder.rmdir()
    except OSError:
        pass  # another batch is writing here


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
        oneplan.data.db.DatabaseFileError: the database path is a folder or not DuckDB.
        oneplan.data.db.DatabaseBusyError: an import held the database past the wait.
        ValueError: an unknown report name.
        KeyboardInterrupt: Ctrl-C, once the batch has stopped cleanly (module docstring,
            "Stopping"); SIGTERM and SIGHUP end the process the same way.
        BatchInterrupted: a stop signal whose own handling did not end the process.
    """
    codes = [areas.province(c).code for c in province_codes]
    specs = available_reports(reports)
    started = time.perf_counter()
    out_root = Path(out_root or default_reports_dir()).resolve()
    fy = fiscal_year or load_params().fiscal_year
    if db.is_server(db_path):  # a server's URL stays as it is (never a notebook parameter)
        db_file = str(db_path or os.environ["ONEPLAN_DB"])
    else:
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
        """Move the report into place, keep ``outcome``, record it in the manifest and
        show it on the progress bar."""
        if outcome.status != "skipped":
            outcome = _place(job, outcome, manifest)
            manifest.record(job, outcome)
        outcomes.append(outcome)
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
    _clear_stale_staging(out_root, fy)
    stop: _Stop | None = None
    with _stop_on_signals():
        try:
            runner.run(plan([(s, c) for c in codes for s in first]), done)
            # national reports and cookbooks read the provinces' summaries, so they are
            # planned after them (a cookbook's rank among provinces sees every province)
            runner.run(plan([(s, c) for s in later for c in codes]
                            + [(s, "") for s in nat_specs]), done)
        except _Stop as exc:
            stop = exc
        except KeyboardInterrupt:
            stop = _Stop(signal.SIGINT)
        finally:
            # also after a stop or an error: workers, kernels and browsers end, what
            # finished stays recorded, nothing half-written is left
            if bar is not None:
                bar.close()
            runner.close(now=stop is not None)
            if stop is not None:
                manifest.data["last_run"] = {
                    "finished": timestamp(), "stopped_by": signal.Signals(stop.signum).name,
                    "provinces": codes, "written": sum(o.status == "ok" for o in outcomes)}
            manifest.save()
            shutil.rmtree(staging_root(out_root, fy), ignore_errors=True)
            _clear_stale_staging(out_root, fy)
    if stop is not None:
        _reraise(stop, _stopped_message(stop.signum, outcomes, manifest.path))
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


def _stopped_message(signum: int, outcomes: list[ReportOutcome], manifest: Path) -> str:
    """The one line a stopped batch prints: Thai, then English."""
    fields = dict(signal=signal.Signals(signum).name, manifest=manifest,
                  done=sum(o.status == "ok" for o in outcomes))
    return " / ".join(text("batch.runner.stopped", lang, **fields) for lang in ("th", "en"))


def write_index(out_root: str | Path, fiscal_year: int) -> Path:
    """Write ``index.html``, the reports portal (:func:`oneplan.reports.portal.write_portal`): every
    province, its key figures and links to all its reports, the national overview and the
    cookbooks. Opens from disk, no server needed."""
    from oneplan.reports import portal

    return portal.write_portal(out_root, fiscal_year)

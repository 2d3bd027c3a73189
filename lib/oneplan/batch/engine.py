"""The engine of one batch worker: a long-lived Jupyter kernel (and a Chromium) that runs
many report notebooks in turn (see :mod:`oneplan.batch.runner` for the batch around it).

Parameters are injected like papermill does (a cell tagged ``injected-parameters`` after
the ``parameters`` cell). Heavy imports are paid once per kernel
(:func:`oneplan.batch.kernel.warm_up`); before each notebook the kernel is reset to that
state (:func:`oneplan.batch.kernel.reset`) so reports cannot leak into each other. HTML is
exported with a warm in-process nbconvert exporter and PDFs are printed by one Chromium per
engine (:class:`oneplan.batch.export.PdfPrinter`). Each notebook has a time limit; a
timed-out or crashed kernel is restarted and only that report fails.

:meth:`Engine.run` writes everything a report makes (the notebook's own files, the executed
notebook, HTML, PDF, or the failed notebook with its traceback) into the job's staging
folder and returns the names; it never moves a file into the output folder: only the
batch's coordinator does that, and records it in the manifest. :meth:`Engine.kill` stops
the kernel and the browser at once (a worker told to die, :mod:`oneplan.batch.procs`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
import traceback
from pathlib import Path
from typing import Any

from oneplan.batch import export, procs
from oneplan.batch.jobs import Job, ReportOutcome
from oneplan.batch.manifest import timestamp
from oneplan.core.files import write_atomic
from oneplan.core.paths import NOTEBOOKS_DIR

log = logging.getLogger(__name__)

KERNEL = "python3"
"""The Jupyter kernel the report notebooks run in."""

_PARAM_NAME = re.compile(r"^([A-Za-z_]\w*)\s*(?::[^=]+)?=", re.M)


def _declared_parameters(nb) -> set[str]:
    """Names assigned in the notebook's ``parameters`` cell."""
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return set(_PARAM_NAME.findall(cell.source))
    return set()


def _parameters(job: Job, nb, output_dir: Path) -> dict:
    """Parameters injected into the notebook: the contract's five, ``scenario``,
    ``interactive`` and ``previous_dir`` (the report's final folder, where the last
    version's summary is) when the notebook declares them, and the report's extras."""
    declared = _declared_parameters(nb)
    params: dict[str, Any] = dict(province_code=job.province_code,
                                  fiscal_year=job.fiscal_year, lang=job.lang,
                                  db_path=job.db_path, output_dir=str(output_dir))
    if "scenario" in declared:
        params["scenario"] = job.scenario
    if "previous_dir" in declared:  # where the last version's summary is (not staging)
        params["previous_dir"] = str(job.out_dir)
    if "interactive" in declared:
        params["interactive"] = False
    params.update(dict(job.spec.extra))
    return params


def _refuse_signal_handler(*args, **kwargs):
    raise RuntimeError("oneplan.batch keeps its own SIGINT/SIGTERM handlers")


def keep_signal_handlers() -> None:
    """Keep nbclient from taking over SIGINT and SIGTERM.

    While it runs a notebook nbclient hands both signals to its event loop (to shut the
    kernel down and carry on), and afterwards resets them to the default: the batch's own
    handlers (stop everything now, :mod:`oneplan.batch.runner` and
    :mod:`oneplan.batch.pool`) would be lost. The event loop nbclient runs on (the one
    ``jupyter_core`` keeps for this thread) is told to refuse signal handlers, which
    nbclient accepts as "not in the main thread".
    """
    from jupyter_core.utils import ensure_event_loop

    loop = ensure_event_loop()
    if getattr(loop, "add_signal_handler", None) is not _refuse_signal_handler:
        loop.add_signal_handler = _refuse_signal_handler
        loop.remove_signal_handler = _refuse_signal_handler


class ReportRunError(Exception):
    """A report run failed; the message is the one line the batch lists."""


class Engine:
    """One long-lived kernel (and browser) that runs many report notebooks in turn."""

    def __init__(self):
        self._km = None
        self._kc = None
        self._kernel_pid: int | None = None
        self._printer = None
        self._log_path: Path | None = None
        self.kernel_starts = 0
        self.notebooks_run = 0
        self.timings: dict[str, float] = {}

    # -- kernel
    def _client(self, nb, cwd: Path, deadline: float | None = None):
        from nbclient import NotebookClient

        keep_signal_handlers()

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
            self._kernel_pid = getattr(self._km.provisioner, "pid", None)
            self.stop_kernel()
            raise
        finally:
            os.close(fd)  # the kernel holds its own copy
        self._kc = client.kc
        self._kernel_pid = getattr(self._km.provisioner, "pid", None)
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
        procs.kill_group(self._kernel_pid)  # whatever the kernel started, too
        self._km = self._kc = self._kernel_pid = None
        if getattr(self, "_log_path", None) is not None:
            self._log_path.unlink(missing_ok=True)
            self._log_path = None

    def close(self) -> None:
        """Stop the kernel and the browser."""
        self.stop_kernel()
        if self._printer is not None:
            self._printer.close()
            self._printer = None

    def kill(self) -> None:
        """Kill the kernel and the browser now, without asking them (for a process told
        to die): their process groups get SIGKILL, their files are removed."""
        if self._printer is not None:
            self._printer.kill()
            self._printer = None
        export.kill_browsers()  # also one still starting
        # the kernel's pid is known as soon as it is launched, before warm-up ends
        procs.kill_group(self._kernel_pid
                         or getattr(getattr(self._km, "provisioner", None), "pid", None))
        self._kernel_pid = None
        for path in (getattr(self._km, "connection_file", None), self._log_path):
            if path:
                Path(path).unlink(missing_ok=True)
        # no goodbye on the kernel's sockets: this may run in a signal handler that
        # interrupted them
        self._km = self._kc = self._log_path = None

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
        if self._printer is None:
            self._printer = export.PdfPrinter()
        return self._printer

    def run(self, job: Job) -> ReportOutcome:
        """Run one report and export it into the job's staging folder; never raises (the
        outcome carries the error).

        Returns:
            ``ok`` with ``files`` (kind → name in ``staging``; every file of the staging
            folder is the report's) and the summary, or ``failed`` with the error and, when
            the notebook ran, ``files={"failed_ipynb": name}`` (the executed notebook with
            its traceback). ``staging`` names the folder.
        """
        started = time.perf_counter()
        self.timings = {}
        staging = job.staging
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
            summary = json.loads((staging / spec.summary_file).read_text(encoding="utf-8"))
            return ReportOutcome(spec.name, job.province_code, "ok",
                                 time.perf_counter() - started, files,
                                 summary={k: v for k, v in summary.items()
                                          if k not in ("params", "selected_ids")},
                                 timings={k: round(v, 3) for k, v in self.timings.items()},
                                 staging=str(staging))
        except Exception as exc:  # noqa: BLE001 — a batch isolates every report's failure
            log.debug("%s failed:\n%s", job.key, traceback.format_exc())
            message = str(exc) if isinstance(exc, ReportRunError) else \
                f"{type(exc).__name__}: {exc}"
            message = (message.strip().splitlines() or [type(exc).__name__])[0][:800]
            files = {}
            if nb is not None and nb.metadata.get("papermill", {}).get("exception"):
                name = f"{job.spec.name}.failed.ipynb"
                try:
                    keep_failed(nb, staging / name)
                    files["failed_ipynb"] = name
                    kept = job.out_dir / name
                    message += f" (executed notebook kept in {kept})"
                except OSError:
                    log.warning("could not keep the failed notebook of %s", job.key,
                                exc_info=True)
            return ReportOutcome(job.spec.name, job.province_code, "failed",
                                 time.perf_counter() - started, files, error=message,
                                 timings={k: round(v, 3) for k, v in self.timings.items()},
                                 staging=str(staging))

    def _export(self, job: Job, nb, staging: Path) -> dict[str, str]:
        """Write the executed notebook, params file, HTML and PDF into ``staging``; returns
        kind → file name."""
        import nbformat

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


def keep_failed(nb, path: Path) -> Path:
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

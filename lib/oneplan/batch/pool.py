"""The batch's worker processes: a small pool whose workers never outlive the batch.

:class:`WorkerPool` starts ``size`` worker processes (``spawn``: each starts clean, with no
copied threads, locks or open database handles), gives each one task at a time over its
own pipe and hands every result to a callback in the calling process as it comes. Unlike
``concurrent.futures.ProcessPoolExecutor`` it knows its workers, so it can stop them:

* a worker that dies (a crash, the out-of-memory killer) costs only its own task, which
  runs once more on a fresh worker; the others carry on;
* :meth:`WorkerPool.close` asks the workers to finish (they stop their kernels and
  browsers), and with ``now=True`` (Ctrl-C, SIGTERM) tells them to die: SIGTERM, which
  runs their kill callbacks (:func:`oneplan.batch.procs.on_kill`), then SIGKILL for any
  still there a few seconds later;
* every worker asks for SIGTERM when the batch process dies, even by SIGKILL
  (:func:`oneplan.batch.procs.die_with_parent`), checks its parent once a second (where
  there is no such signal), and stops when its pipe closes;
* workers ignore Ctrl-C: the terminal sends it to the whole process group, and only the
  batch decides what stops.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from multiprocessing.connection import Connection, wait
from typing import Any, Callable

from oneplan.batch import procs

log = logging.getLogger(__name__)

ATTEMPTS = 2
"""How many times a task runs when its worker dies under it."""


WORKER_DIED = "the worker process died"
"""The ``error`` :meth:`WorkerPool.run` reports for a task whose worker died every time."""


def _ignore(signum, frame) -> None:  # noqa: ARG001
    """A no-op handler (unlike SIG_IGN it is not inherited by the programs a worker
    starts)."""


def _die(signum, frame) -> None:  # noqa: ARG001
    """SIGTERM in a worker: stop its kernel and browser, then end now."""
    procs.run_kill_callbacks()
    os._exit(128 + signum)


def _watch_parent(parent_pid: int) -> None:
    """Poll the parent once a second; when it is gone, stop like on SIGTERM (for systems
    without a parent-death signal, and in case it was lost)."""
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    _die(signal.SIGTERM, None)


def _serve(conn: Connection, parent_pid: int, initializer: Callable | None,
           initargs: tuple, target: Callable[[Any], Any]) -> None:
    """A worker's main loop: run ``target`` on each task received, send back
    ``(True, result)`` or ``(False, error line)``; stop on ``None`` or a closed pipe."""
    procs.die_with_parent(signal.SIGTERM, parent_pid)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="oneplan-parent-watch",
                     daemon=True).start()
    signal.signal(signal.SIGTERM, _die)
    signal.signal(signal.SIGINT, _ignore)
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            break
        if task is None:
            break
        try:
            reply = (True, target(task))
        except Exception as exc:  # noqa: BLE001 — reported to the batch, not lost
            reply = (False, f"{type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            break


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, ctx, initializer, initargs, target):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, name="oneplan-batch-worker",
                                   args=(child, os.getpid(), initializer, initargs, target),
                                   daemon=True)
        self.process.start()
        child.close()
        self.task: Any = None
        self.attempt = 0


class WorkerPool:
    """``size`` worker processes running ``target(task)`` (a module-level function);
    kept across :meth:`run` calls so the workers' state (warm kernels) is reused."""

    def __init__(self, size: int, target: Callable[[Any], Any], *,
                 initializer: Callable | None = None, initargs: tuple = ()):
        if size < 1:
            raise ValueError(f"a pool needs at least one worker, not {size}")
        self.size = size
        self._target, self._initializer, self._initargs = target, initializer, initargs
        self._ctx = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.process.pid for w in self._workers if w.process.is_alive()]

    def _spawn(self) -> _Worker:
        worker = _Worker(self._ctx, self._initializer, self._initargs, self._target)
        self._workers.append(worker)
        return worker

    def _drop(self, worker: _Worker) -> None:
        self._workers.remove(worker)
        worker.conn.close()
        worker.process.join(timeout=5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=5)

    def run(self, tasks: list, done: Callable[[Any, Any, str | None], None]) -> None:
        """Run every task; call ``done(task, result, error)`` in this process as each
        finishes (``error`` is None, the task's one-line error, or the worker's death
        after :data:`ATTEMPTS` tries: :data:`WORKER_DIED`). Returns when all are done."""
        queue: deque = deque((t, 1) for t in tasks)
        while len(self._workers) < min(self.size, len(queue)):
            self._spawn()
        idle = [w for w in self._workers]
        busy: dict[Connection, _Worker] = {}
        while queue or busy:
            while queue and idle:
                worker = idle.pop()
                worker.task, worker.attempt = queue.popleft()
                try:
                    worker.conn.send(worker.task)
                except (OSError, ValueError):  # died while idle: its task waits for another
                    queue.appendleft((worker.task, worker.attempt))
                    self._drop(worker)
                    idle.append(self._spawn())
                    continue
                busy[worker.conn] = worker
            sentinels = {w.process.sentinel: w for w in busy.values()}
            for ready in wait([*busy, *sentinels]):
                worker = busy.get(ready) or sentinels.get(ready)
                if worker is None or worker.conn not in busy:
                    continue  # both its pipe and its sentinel were ready: handled
                reply = None
                if ready is worker.conn or worker.conn.poll():
                    try:
                        reply = worker.conn.recv()
                    except (EOFError, OSError):
                        reply = None
                del busy[worker.conn]
                if reply is not None:
                    ok, value = reply
                    idle.append(worker)
                    done(worker.task, value if ok else None, None if ok else value)
                    continue
                # the worker died under its task
                log.warning("a batch worker (pid %s) died; exit code %s", worker.process.pid,
                            worker.process.exitcode)
                task, attempt = worker.task, worker.attempt
                self._drop(worker)
                if attempt < ATTEMPTS:
                    queue.appendleft((task, attempt + 1))
                    idle.append(self._spawn())
                else:
                    done(task, None, WORKER_DIED)
                    if queue:
                        idle.append(self._spawn())

    def close(self, *, now: bool = False, timeout_s: float = 60.0) -> None:
        """Stop the workers. Normally each finishes its cleanup (kernel shutdown, browser
        quit) within ``timeout_s``; with ``now`` (or past the time) they are sent SIGTERM
        (their kill callbacks stop kernels and browsers at once), and SIGKILL 5 s later."""
        workers, self._workers = self._workers, []
        if not now:
            for w in workers:
                try:
                    w.conn.send(None)
                except (OSError, ValueError):
                    pass
            deadline = time.monotonic() + timeout_s
            for w in workers:
                w.process.join(timeout=max(0.0, deadline - time.monotonic()))
        for w in workers:
            if w.process.is_alive():
                w.process.terminate()
        deadline = time.monotonic() + 5.0
        for w in workers:
            w.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=5)
            w.conn.close()

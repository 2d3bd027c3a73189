"""The batch's worker processes: a small pool whose workers never outlive the batch.

:class:`WorkerPool` starts ``size`` worker processes (fresh Python interpreters: no copied
threads, locks or open database handles), gives each one task at a time over its own
socket and hands every result to a callback in the calling process as it comes. Unlike
``concurrent.futures.ProcessPoolExecutor`` it knows its workers, so it can stop them:

* a worker that dies (a crash, the out-of-memory killer) costs only its own task, which
  runs once more on a fresh worker; the others carry on;
* :meth:`WorkerPool.close` asks the workers to finish (they stop their kernels and
  browsers), and with ``now=True`` (Ctrl-C, SIGTERM) tells them to die: SIGTERM, which
  runs their kill callbacks (:func:`oneplan.batch.procs.on_kill`), then SIGKILL for any
  still there a few seconds later;
* a worker asks for SIGTERM when the batch process dies, even by SIGKILL
  (:func:`oneplan.batch.procs.die_with_parent`), as the very first thing it does (before
  any heavy import: ``multiprocessing``'s spawn would first re-import the batch's main
  module, seconds in which a killed batch's worker would linger), checks its parent once
  a second (where there is no such signal), and stops when its socket closes;
* workers ignore Ctrl-C: the terminal sends it to the whole process group, and only the
  batch decides what stops.

A worker is ``python -c "from oneplan.batch.pool import serve_worker; serve_worker()"
FD PARENT_PID``; it receives the batch's ``sys.path``, then the initializer, its
arguments and the task function (pickled, so module-level functions), then the tasks.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from multiprocessing import Pipe
from multiprocessing.connection import Connection, wait
from typing import Any, Callable

from oneplan.batch import procs

log = logging.getLogger(__name__)

ATTEMPTS = 2
"""How many times a task runs when its worker dies under it."""

WORKER_DIED = "the worker process died"
"""The ``error`` :meth:`WorkerPool.run` reports for a task whose worker died every time."""

_BOOT = "from oneplan.batch.pool import serve_worker; serve_worker()"


def _ignore(signum, frame) -> None:  # noqa: ARG001
    """A no-op handler (unlike SIG_IGN it is not inherited by the programs a worker
    starts)."""


_DYING: list[int] = []


def _die(signum, frame) -> None:  # noqa: ARG001
    """SIGTERM in a worker (the batch's order, or its death): stop its kernel and browser,
    then end now. Runs in the main thread only (a signal handler); a second signal while
    it runs is ignored, so the cleanup is not cut short."""
    if _DYING:
        return
    _DYING.append(signum)
    procs.run_kill_callbacks()
    os._exit(128 + signum)


def _watch_parent(parent_pid: int, grace_s: float = 10.0) -> None:
    """Poll the parent once a second (for systems without a parent-death signal, and in
    case it was lost); when it is gone, send this process SIGTERM (:func:`_die` in the
    main thread), and end it outright if that has not happened ``grace_s`` later (its
    kernel and browser then die with it)."""
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(grace_s)
    os._exit(128 + signal.SIGTERM)


def serve_worker() -> None:
    """A worker's main (its command line: ``FD PARENT_PID``): tie its life to the
    parent's, then run the task function on each task received and send back
    ``(True, result)`` or ``(False, error line)``; stop on ``None`` or a closed socket."""
    fd, parent_pid = int(sys.argv[1]), int(sys.argv[2])
    procs.die_with_parent(signal.SIGTERM, parent_pid)
    signal.signal(signal.SIGTERM, _die)
    signal.signal(signal.SIGINT, _ignore)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="oneplan-parent-watch",
                     daemon=True).start()
    conn = Connection(fd)
    try:
        sys.path[:0] = [p for p in conn.recv() if p not in sys.path]
        initializer, initargs, target = conn.recv()
    except (EOFError, OSError):
        return
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
    """One worker process and the parent's end of its socket."""

    def __init__(self, initializer, initargs, target):
        self.conn, child = Pipe(duplex=True)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(child.fileno()), str(os.getpid())],
                pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL)
        finally:
            child.close()
        self.task: Any = None
        self.attempt = 0
        try:
            self.conn.send(list(sys.path))
            self.conn.send((initializer, initargs, target))
        except (OSError, ValueError):
            pass  # died at once: seen as a dead worker when it gets a task

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process.poll() is None


def _join(process: subprocess.Popen, timeout_s: float) -> None:
    try:
        process.wait(timeout=max(0.0, timeout_s))
    except subprocess.TimeoutExpired:
        pass


class WorkerPool:
    """``size`` worker processes running ``target(task)`` (a module-level function);
    kept across :meth:`run` calls so the workers' state (warm kernels) is reused."""

    def __init__(self, size: int, target: Callable[[Any], Any], *,
                 initializer: Callable | None = None, initargs: tuple = ()):
        if size < 1:
            raise ValueError(f"a pool needs at least one worker, not {size}")
        self.size = size
        self._target, self._initializer, self._initargs = target, initializer, initargs
        self._workers: list[_Worker] = []

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.process.pid for w in self._workers if w.alive()]

    def _spawn(self) -> _Worker:
        worker = _Worker(self._initializer, self._initargs, self._target)
        self._workers.append(worker)
        return worker

    def _drop(self, worker: _Worker) -> None:
        self._workers.remove(worker)
        worker.conn.close()
        _join(worker.process, 5)
        if worker.alive():
            worker.process.kill()
            _join(worker.process, 5)

    def run(self, tasks: list, done: Callable[[Any, Any, str | None], None]) -> None:
        """Run every task; call ``done(task, result, error)`` in this process as each
        finishes (``error`` is None, the task's one-line error, or the worker's death
        after :data:`ATTEMPTS` tries: :data:`WORKER_DIED`). Returns when all are done."""
        queue: deque = deque((t, 1) for t in tasks)
        while len(self._workers) < min(self.size, len(queue)):
            self._spawn()
        idle = list(self._workers)
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
            # a worker's socket is readable when it replies, and at EOF when it dies
            for ready in wait(list(busy)):
                worker = busy.pop(ready)
                try:
                    ok, value = ready.recv()
                except (EOFError, OSError):
                    pass  # the worker died under its task
                else:
                    idle.append(worker)
                    done(worker.task, value if ok else None, None if ok else value)
                    continue
                task, attempt = worker.task, worker.attempt
                self._drop(worker)
                log.warning("a batch worker (pid %s) died; exit code %s", worker.process.pid,
                            worker.process.returncode)
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
                _join(w.process, deadline - time.monotonic())
        for w in workers:
            if w.alive():
                w.process.terminate()
        deadline = time.monotonic() + 5.0
        for w in workers:
            _join(w.process, deadline - time.monotonic())
            if w.alive():
                w.process.kill()
                _join(w.process, 5)
            w.conn.close()

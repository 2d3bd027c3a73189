"""Child processes that never outlive the batch.

The batch starts worker processes (:mod:`oneplan.batch.pool`), each worker a Jupyter kernel
and a Chromium (:mod:`oneplan.batch.export`). None of them may survive the batch, however it
ends: a normal finish, Ctrl-C, ``kill`` (SIGTERM) or ``kill -9`` (SIGKILL, which the batch
cannot see coming). Three means cover it:

* **Parent-death signal** (Linux): :func:`die_with_parent` asks the kernel to send this
  process a signal the moment its parent dies (``prctl(PR_SET_PDEATHSIG)``), and exits at
  once if the parent is already gone. Workers ask for SIGTERM (they then stop their kernel
  and browser, see :func:`on_kill`), kernels and browsers for SIGKILL.
* **Process groups**: kernels and browsers run in their own session, so one
  :func:`kill_group` stops a browser with its renderer, GPU and zygote processes.
* **Kill callbacks**: :func:`on_kill` registers what a process must stop when it is told
  to die (SIGTERM); :func:`run_kill_callbacks` runs them (fast, no waiting on children
  that may hang) before the process ends itself.

On systems without ``prctl`` (macOS, Windows) :func:`die_with_parent` does nothing; the
groups and callbacks still work, and ipykernel's own parent poller ends orphaned kernels.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
from typing import Callable

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal sent to this process when its parent thread dies."""

_KILL_CALLBACKS: list[Callable[[], None]] = []


def die_with_parent(sig: int = signal.SIGKILL, parent_pid: int | None = None) -> bool:
    """Have this process receive ``sig`` when its parent dies (Linux only).

    When ``parent_pid`` is given and the parent is no longer that process (it died before
    the request was made, and this process was handed to another one), the process ends
    at once with exit code ``128 + sig``.

    Returns:
        Whether the request was made (False off Linux or when ``prctl`` is unavailable).
    """
    made = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            made = libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            made = False
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(128 + int(sig))
    return made


def on_kill(callback: Callable[[], None]) -> Callable[[], None]:
    """Register ``callback`` to run when this process is told to die
    (:func:`run_kill_callbacks`); returns it. Callbacks must be quick and must not wait
    on other processes (kill, do not ask)."""
    _KILL_CALLBACKS.append(callback)
    return callback


def forget_kill_callbacks() -> None:
    """Drop every registered kill callback (after a clean shutdown)."""
    _KILL_CALLBACKS.clear()


def run_kill_callbacks() -> None:
    """Run the registered kill callbacks, newest first; a failing one does not stop the
    others."""
    while _KILL_CALLBACKS:
        callback = _KILL_CALLBACKS.pop()
        try:
            callback()
        except Exception:  # noqa: BLE001 — a dying process cleans up what it can
            log.debug("kill callback failed", exc_info=True)


def kill_group(pid: int | None, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to the process group led by ``pid`` (a process started with
    ``start_new_session=True``), or to ``pid`` alone when it leads no group; quiet when
    it is gone already."""
    if not pid:
        return
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
            return
    except (ProcessLookupError, PermissionError):
        return
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return True

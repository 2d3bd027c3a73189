"""Code the batch runs *inside* a long-lived report kernel (see :mod:`oneplan.batch.runner`).

A batch worker keeps one IPython kernel alive for many notebooks. :func:`warm_up` runs once
per kernel: it pays the heavy imports (numpy, pandas, matplotlib, the oneplan modules the
notebooks use) and takes a snapshot of the state a fresh kernel would have after them.
:func:`reset` runs before every notebook and puts that state back, so one report cannot
leak into the next: the user namespace is emptied (``%reset -f``), open figures are closed,
matplotlib's rcParams, the working folder, ``os.environ``, ``sys.path``, warning filters and
the root logger's level and handlers are restored. Imported modules stay imported (that is
the point); module-level state a notebook changes on purpose is not undone.

:func:`warm_up` also ties the kernel's life to the batch worker that started it: the kernel
receives SIGKILL when the worker dies (:func:`oneplan.batch.procs.die_with_parent`; before
that, ipykernel's own poller ends a kernel whose parent is gone within a second).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import warnings

_STATE: dict = {}


def warm_up() -> list[str]:
    """Pay the heavy imports every report notebook makes and snapshot the fresh state;
    returns the names of the modules imported."""
    from oneplan.batch import procs

    parent = os.environ.get("JPY_PARENT_PID", "")
    procs.die_with_parent(signal.SIGKILL, int(parent) if parent.isdigit() else None)
    import IPython.display
    import matplotlib.pyplot
    import numpy
    import pandas

    import oneplan.charts
    import oneplan.charts.maps
    import oneplan.complaints.stats
    import oneplan.core.areas
    import oneplan.data.params
    import oneplan.reports.complaints
    import oneplan.reports.cookbook
    import oneplan.reports.overview
    import oneplan.reports.followup
    import oneplan.reports.needs_plan
    import oneplan.reports.tables
    import oneplan.reports.water

    loaded = [m.__name__ for m in (
        numpy, pandas, matplotlib.pyplot, IPython.display, oneplan.charts, oneplan.charts.maps,
        oneplan.complaints.stats, oneplan.core.areas, oneplan.data.params,
        oneplan.reports.complaints, oneplan.reports.cookbook, oneplan.reports.followup,
        oneplan.reports.needs_plan, oneplan.reports.overview, oneplan.reports.tables,
        oneplan.reports.water)]
    import matplotlib as mpl

    # the imported modules live as long as the kernel: move them out of the collector's
    # sight, so the full collection %reset does between notebooks only scans what the
    # notebooks made (≈ 0.2 s → a few ms)
    gc.collect()
    gc.freeze()
    _STATE.update(
        rc={k: v for k, v in mpl.rcParams.items() if k != "backend"},
        cwd=os.getcwd(),
        environ=dict(os.environ),
        path=list(sys.path),
        filters=list(warnings.filters),
        log_level=logging.getLogger().level,
        log_handlers=list(logging.getLogger().handlers),
    )
    return loaded


def reset(cwd: str | None = None, env: dict[str, str] | None = None) -> None:
    """Give the next notebook a clean kernel: see the module docstring. ``env`` is set on
    top of the restored environment (the batch passes its database, parameters and
    reports folders, so ``oneplan.core.paths`` defaults inside the notebook match the batch).

    Raises:
        RuntimeError: :func:`warm_up` has not run in this kernel.
    """
    if not _STATE:
        raise RuntimeError("oneplan.batch.kernel.reset() called before warm_up()")
    from IPython import get_ipython

    ip = get_ipython()
    if ip is not None:
        ip.reset(new_session=False)  # empties the user namespace, Out, _, __ …
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated keys warn when set, even to their value
        mpl.rcParams.update(_STATE["rc"])
    os.chdir(cwd or _STATE["cwd"])
    os.environ.clear()
    os.environ.update(_STATE["environ"])
    os.environ.update(env or {})
    sys.path[:] = _STATE["path"]
    warnings.filters[:] = _STATE["filters"]
    root = logging.getLogger()
    root.setLevel(_STATE["log_level"])
    root.handlers[:] = _STATE["log_handlers"]

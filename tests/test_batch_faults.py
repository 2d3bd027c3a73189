"""Killing the report batch leaves no process behind and no file unrecorded.

A real two-province batch (``python -m oneplan.cli report``, two workers, HTML + PDF) is
killed once it has finished a report and is working on others: with SIGTERM (it stops its
workers, kernels and browsers, records what finished and ends as killed by SIGTERM) and
with SIGKILL (it cannot clean up: its workers, kernels and browsers must die with it).
Every descendant seen before the kill is gone 5 s later, every file in the output folder
is listed in the manifest (the journal included), and the same command then completes.

Also, without subprocesses: the worker pool replaces a worker that dies and runs its task
once more, and the manifest journal survives a kill between two rewrites.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from oneplan.batch import pool
from oneplan.batch.jobs import STAGING_DIR
from oneplan.batch.manifest import JOURNAL_NAME, MANIFEST_NAME, load_manifest

import psutil  # noqa: E402 — a test dependency (pyproject [test])

ROOT = Path(__file__).resolve().parents[1]
PROVINCES = ("32", "45")
REPORTS = ("needs_plan", "complaints")


@pytest.fixture
def scratch():
    """A short folder for the batch's temporary files (Chromium puts sockets there, whose
    paths may not be long)."""
    path = Path(tempfile.mkdtemp(prefix="opf-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _env(tmp: Path) -> dict[str, str]:
    """The batch's environment: this tree's library; temporary files (browser profiles,
    kernel logs) and kernel connection files in folders of the test, to be checked."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "lib"), env.get("PYTHONPATH", "")])
    for var, name in (("TMPDIR", "tmp"), ("JUPYTER_RUNTIME_DIR", "runtime")):
        (tmp / name).mkdir(exist_ok=True)
        env[var] = str(tmp / name)
    return env


def _left_behind(tmp: Path) -> list[str]:
    """Browser profiles, kernel logs and kernel connection files still there."""
    return sorted([p.name for p in (tmp / "tmp").glob("oneplan-*")]
                  + [p.name for p in (tmp / "runtime").glob("kernel-*.json")])


def _argv(out: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "oneplan.cli", "report",
            *[a for c in PROVINCES for a in ("--province", c)],
            *[a for r in REPORTS for a in ("--report", r)],
            "--formats", "html,pdf", "--workers", "2", "--out", str(out), "--db", str(db),
            "--no-progress"]


def _living(procs: list) -> list:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def _cmd(p) -> str:
    try:
        return " ".join(p.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return ""


def _ok_reports(out: Path) -> int:
    data = load_manifest(out / "2570" / MANIFEST_NAME)
    return sum(e.get("status") == "ok" for e in data["reports"].values())


def _unlisted(out: Path) -> list[str]:
    """Files in the output folder the manifest does not list (the portal page, the
    manifest and its journal aside; the staging folder is checked on its own)."""
    data = load_manifest(out / "2570" / MANIFEST_NAME)
    listed = set()
    for entry in data["reports"].values():
        for key in ("files", "last_good_files", "interrupted_files"):
            listed.update((entry.get(key) or {}).values())
    own = {"index.html", f"2570/{MANIFEST_NAME}", f"2570/{JOURNAL_NAME}"}
    return sorted(rel for f in out.rglob("*") if f.is_file()
                  and (rel := f.relative_to(out).as_posix()) not in own | listed
                  and not rel.startswith(f"2570/{STAGING_DIR}/"))


@pytest.fixture(scope="module")
def batch_db(sample_db, tmp_path_factory) -> Path:
    """A copy of the session's sample database (the batch only reads it)."""
    db = tmp_path_factory.mktemp("faults") / "faults.duckdb"
    shutil.copy(sample_db, db)
    return db


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killed_batch_leaves_no_process_and_no_unrecorded_file(batch_db, tmp_path, scratch,
                                                                 sig):
    out = tmp_path / "reports"
    err = tmp_path / "stderr.txt"
    with open(err, "wb") as err_fh:
        batch = subprocess.Popen(_argv(out, batch_db), env=_env(scratch), cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=err_fh)
    parent = psutil.Process(batch.pid)
    seen: dict[int, psutil.Process] = {}
    deadline = time.monotonic() + 900
    try:
        # wait until a report is done and recorded while workers, kernels and browsers run
        while True:
            assert batch.poll() is None, f"the batch ended early:\n{err.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "the batch did not get going in 15 min"
            try:
                kids = parent.children(recursive=True)
            except psutil.NoSuchProcess:
                kids = []
            for p in kids:
                seen.setdefault(p.pid, p)
            names = " ".join(_cmd(p) for p in _living(kids))
            if ("ipykernel" in names and "chromium" in names
                    and _ok_reports(out) >= 1 and len(_living(kids)) >= 4):
                break
            time.sleep(0.2)
        kids = parent.children(recursive=True)
        for p in kids:
            seen.setdefault(p.pid, p)
        tree = list(seen.values())
        assert sum("ipykernel" in _cmd(p) for p in _living(tree)) >= 1
        batch.send_signal(sig)
        batch.wait(timeout=60)
    finally:
        if batch.poll() is None:  # the test failed: do not leave the batch behind
            batch.kill()
            batch.wait()
    stderr = err.read_text(encoding="utf-8", errors="replace")
    assert batch.returncode == -sig, stderr[-3000:]
    if sig == signal.SIGTERM:
        assert "stopped by SIGTERM" in stderr and "หยุดการสร้างรายงาน" in stderr
    time.sleep(5)
    survivors = [(p.pid, _cmd(p)[:120]) for p in _living(tree)]
    assert not survivors, survivors
    # the workers cleaned up after their kernels and browsers (also after SIGKILL: a
    # worker gets SIGTERM when the batch dies, and runs its kill callbacks)
    assert not _left_behind(scratch), _left_behind(scratch)
    assert _ok_reports(out) >= 1
    assert not _unlisted(out), _unlisted(out)
    staging = out / "2570" / STAGING_DIR
    if sig == signal.SIGTERM:  # cleaned up by the batch itself
        assert not staging.exists(), list(staging.rglob("*"))

    # the same command completes, doing what was left, and clears a dead batch's staging
    done = subprocess.run(_argv(out, batch_db), env=_env(scratch), cwd=ROOT, capture_output=True,
                          text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    manifest = json.loads((out / "2570" / MANIFEST_NAME).read_text(encoding="utf-8"))
    keys = {f"{c}/{r}" for c in PROVINCES for r in REPORTS}
    assert {k for k, e in manifest["reports"].items() if e["status"] == "ok"} == keys
    assert manifest["last_run"]["written"] + manifest["last_run"]["skipped"] == len(keys)
    assert manifest["last_run"]["skipped"] >= 1  # what finished before the kill is kept
    for key in keys:
        for rel in manifest["reports"][key]["files"].values():
            assert (out / rel).is_file(), rel
    assert not _unlisted(out), _unlisted(out)
    assert not staging.exists() and not (out / "2570" / JOURNAL_NAME).exists()
    assert not _left_behind(scratch), _left_behind(scratch)


# ------------------------------------------------------------------------- in process


def _square_or_die(task):
    """A pool task: dies on its first run when asked (a crash), else squares."""
    n, marker = task
    if n < 0 and not Path(marker).exists():
        Path(marker).write_text("died once")
        os._exit(9)
    if n == -99:
        os._exit(9)
    return n * n


def test_pool_replaces_a_dead_worker_and_retries_its_task_once(tmp_path):
    results = {}
    workers = pool.WorkerPool(2, _square_or_die)
    try:
        tasks = [(n, str(tmp_path / "marker")) for n in (2, -3, 4)] + [(-99, "")]
        workers.run(tasks, lambda t, r, e: results.__setitem__(t[0], (r, e)))
        pids = workers.pids
    finally:
        workers.close()
    assert results == {2: (4, None), -3: (9, None), 4: (16, None),
                       -99: (None, pool.WORKER_DIED)}
    assert pids  # the worker that died twice was not replaced: nothing was left to do
    time.sleep(0.5)
    assert not [p for p in pids if psutil.pid_exists(p)
                and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]


def test_pool_close_now_kills_busy_workers():
    workers = pool.WorkerPool(2, time.sleep)
    seen = []

    def stop_at_first(task, result, error):
        seen.append(workers.pids)
        raise KeyboardInterrupt  # as Ctrl-C would, while the other task still runs

    with pytest.raises(KeyboardInterrupt):
        workers.run([0.1, 600], stop_at_first)
    started = time.monotonic()
    workers.close(now=True)
    assert time.monotonic() - started < 15
    pids = seen[0]
    assert len(pids) == 2 and not [p for p in pids if psutil.pid_exists(p)
                                   and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]


HEAVY_MAIN = """
import time
if __name__ != "__main__":   # a main module's slow imports, were a worker to re-run them
    time.sleep(120)          # (multiprocessing's spawn does, before the worker's own code)
from oneplan.batch.pool import WorkerPool
if __name__ == "__main__":
    WorkerPool(2, time.sleep, initializer=time.sleep, initargs=(120,)).run(
        [120, 120], lambda *a: None)
"""


def test_workers_die_with_a_killed_batch_even_while_starting(tmp_path):
    """The batch process killed while its workers are still starting (in their
    initializer): they go at once. They never re-run the batch's main module, and they
    ask for the parent-death signal before anything else."""
    main = tmp_path / "heavy_main.py"
    main.write_text(HEAVY_MAIN, encoding="utf-8")
    batch = subprocess.Popen([sys.executable, str(main)], env=_env(tmp_path), cwd=tmp_path)
    parent = psutil.Process(batch.pid)
    try:
        for _ in range(600):
            kids = parent.children(recursive=True)
            if len(kids) >= 2:
                break
            time.sleep(0.05)
        assert len(kids) >= 2
        time.sleep(1.0)
    finally:
        batch.kill()
        batch.wait()
    time.sleep(5)
    assert not _living(kids), [(p.pid, _cmd(p)) for p in _living(kids)]

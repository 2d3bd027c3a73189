"""Several processes on the central database file at once.

DuckDB lets one process write the file or many read it. ``oneplan.data.db.connect`` waits
for a lock another process holds, says so once on stderr, and gives up after
``$ONEPLAN_DB_WAIT`` seconds with a one-line error; a folder or a file that is not a DuckDB
database is refused with a one-line error naming it.

End to end: two imports and a report (real ``python -m oneplan.cli`` processes) start
together while another process holds the file; all three wait visibly, then all succeed,
and the row counts add up.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from oneplan.core.errors import Failure, UserError
from oneplan.data import db

ROOT = Path(__file__).resolve().parents[1]
WAITING = "waiting for another import to finish"
NEEDS_TH = ["ลำดับที่", "ปีงบประมาณ", "รหัสหมู่บ้าน", "ประเภทความต้องการ", "รายละเอียดความต้องการ",
            "จำนวนครัวเรือนที่ได้รับประโยชน์", "งบประมาณโดยประมาณ (บาท)", "วันที่เสนอ"]


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "lib"), env.get("PYTHONPATH", "")])
    return env


class _LockHolder:
    """Another process holding the database file read-write until :meth:`release`."""

    def __init__(self, path: Path):
        code = ("import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('locked', "
                "flush=True); sys.stdin.readline(); c.close()")
        self.proc = subprocess.Popen([sys.executable, "-c", code, str(path)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)

    def __enter__(self) -> _LockHolder:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


@pytest.fixture
def dbcopy(sample_db, tmp_path) -> Path:
    path = tmp_path / "shared.duckdb"
    shutil.copy(sample_db, path)
    return path


def _count(path: Path, sql: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


# ------------------------------------------------------------------------------ connect


def test_a_folder_or_a_non_database_file_is_a_clear_user_error(tmp_path):
    folder = tmp_path / "x.duckdb"
    folder.mkdir()
    text_file = tmp_path / "notes.duckdb"
    text_file.write_text("not a database\n" * 50, encoding="utf-8")
    for path, words in ((folder, "is a folder"), (text_file, "is not a DuckDB database")):
        for read_only in (True, False):
            with pytest.raises(db.DatabaseFileError) as err:
                db.connect(path, read_only=read_only)
            assert isinstance(err.value, UserError)
            message = str(err.value)
            assert "\n" not in message and str(path) in message and words in message
            assert " / " in message and "ฐานข้อมูล" in message.split(" / ")[0]
    assert text_file.read_text(encoding="utf-8").startswith("not a database")  # untouched
    missing = tmp_path / "nowhere.duckdb"
    with pytest.raises(db.DatabaseMissingError) as err:
        db.connect(missing)
    assert isinstance(err.value, UserError) and "oneplan build-sample" in str(err.value)
    assert not missing.exists()


def test_a_bad_wait_setting_is_a_user_error(dbcopy, monkeypatch):
    for bad in ("soon", "-5", "nan", "inf"):
        monkeypatch.setenv(db.WAIT_ENV, bad)
        with pytest.raises(UserError, match=db.WAIT_ENV):
            db.connect(dbcopy)
    monkeypatch.setenv(db.WAIT_ENV, "2.5")
    assert db.wait_seconds() == 2.5


def test_a_writer_gives_up_after_the_wait_with_one_line(dbcopy, monkeypatch, capsys):
    monkeypatch.setenv(db.WAIT_ENV, "1")
    with _LockHolder(dbcopy) as holder:
        started = time.monotonic()
        with pytest.raises(db.DatabaseBusyError) as err:
            db.connect(dbcopy, read_only=False)
        waited = time.monotonic() - started
        with pytest.raises(db.DatabaseBusyError):
            db.connect(dbcopy, read_only=True, wait_s=0)  # readers too, never a traceback
        assert holder.proc.poll() is None
    assert waited >= 1.0
    message = str(err.value)
    assert isinstance(err.value, Failure) and "\n" not in message
    assert str(dbcopy) in message
    assert str(holder.proc.pid) in message and db.WAIT_ENV in message
    stderr = capsys.readouterr().err
    assert stderr.count(WAITING) == 1 and "กำลังรอการนำเข้าอื่นให้เสร็จ" in stderr


def test_a_reader_waits_for_a_writer_then_reads(dbcopy, capsys):
    holder = _LockHolder(dbcopy)
    import threading

    threading.Timer(1.5, holder.release).start()
    con = db.connect(dbcopy, read_only=True, wait_s=60)
    try:
        assert con.execute("SELECT count(*) FROM areas").fetchone()[0] > 0
    finally:
        con.close()
    assert capsys.readouterr().err.count(WAITING) == 1


# ---------------------------------------------------------------------- end to end


def _villages(path: Path, province: str, n: int) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [c for (c,) in con.execute(
            "SELECT code FROM areas WHERE level = 'village' AND province_code = ? "
            "ORDER BY code LIMIT ?", [province, n]).fetchall()]
    finally:
        con.close()


def _needs_file(path: Path, villages: list[str]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(NEEDS_TH)
        for i, village in enumerate(villages, start=1):
            w.writerow([i, "2570", village, "แหล่งน้ำและประปา", f"ขุดลอกสระหมู่บ้าน {i}",
                        "80", "450,000", "15/03/2569"])
    return path


@pytest.mark.slow
def test_two_imports_and_a_report_together_all_succeed(dbcopy, tmp_path):
    files = {code: _needs_file(tmp_path / f"needs_{code}.csv", _villages(dbcopy, code, 25))
             for code in ("32", "45")}
    before = {t: _count(dbcopy, f"SELECT count(*) FROM {t}") for t in ("needs", "need_stages")}
    out = tmp_path / "reports"
    python = [sys.executable, "-m", "oneplan.cli"]
    commands = {
        "import 32": [*python, "import", str(files["32"]), "--db", str(dbcopy)],
        "import 45": [*python, "import", str(files["45"]), "--db", str(dbcopy)],
        "report": [*python, "report", "--province", "32", "--report", "needs_plan",
                   "--formats", "html", "--workers", "1", "--out", str(out),
                   "--db", str(dbcopy), "--no-progress"],
    }
    procs, logs = {}, {}
    with _LockHolder(dbcopy):
        for name, argv in commands.items():
            logs[name] = tmp_path / f"{name.replace(' ', '_')}.log"
            with open(logs[name], "wb") as fh:
                procs[name] = subprocess.Popen(argv, env=_env(), cwd=ROOT, stdout=fh,
                                               stderr=subprocess.STDOUT)
        # every one of them is waiting for the file, visibly, before it is let go
        deadline = time.monotonic() + 300
        while not all(WAITING in logs[n].read_text(encoding="utf-8", errors="replace")
                      for n in commands):
            finished = {n: p.returncode for n, p in procs.items() if p.poll() is not None}
            assert not finished, (finished, {n: logs[n].read_text()[-2000:] for n in finished})
            assert time.monotonic() < deadline, "they did not all reach the database"
            time.sleep(0.2)
    for name, proc in procs.items():
        proc.wait(timeout=1800)
    outputs = {n: logs[n].read_text(encoding="utf-8", errors="replace") for n in commands}
    for name, proc in procs.items():
        assert proc.returncode == 0, (name, outputs[name][-3000:])
        assert "Traceback" not in outputs[name], (name, outputs[name][-3000:])
    for name in ("import 32", "import 45"):
        assert "read 25 rows = accepted 25 + rejected 0" in outputs[name], outputs[name]
    after = {t: _count(dbcopy, f"SELECT count(*) FROM {t}") for t in before}
    assert after == {t: n + 50 for t, n in before.items()}  # 25 needs (and stages) each
    for code in ("32", "45"):
        assert _count(dbcopy, f"SELECT count(*) FROM needs WHERE province_code = '{code}' "
                              "AND source_file LIKE 'needs_%.csv'") == 25
    assert (out / "2570" / "32" / "needs_plan.html").is_file()
    assert "1 reports written, 0 up to date, 0 failed" in outputs["report"]

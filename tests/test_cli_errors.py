"""Hostile command lines end in one line of Thai / English text and a documented exit code.

0 ok, 1 ok but rows rejected, 2 bad usage or input, 3 failure (an unexpected error names a
log file holding its traceback). Options are checked before any work: nothing is written to
stdout, no database is created or changed, no file is overwritten.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from oneplan import cli, cli_checks
from oneplan.core import areas, errors, thai
from oneplan.core.errors import Failure, UserError

ROOT = Path(__file__).resolve().parents[1]
THAI = tuple(chr(c) for c in range(0x0E01, 0x0E5C))


@pytest.fixture(autouse=True)
def _crash_logs(tmp_path, monkeypatch):
    """Crash logs go to the test's folder, never to the user's state folder."""
    monkeypatch.setenv("ONEPLAN_LOG_DIR", str(tmp_path / "logs"))


@pytest.fixture(scope="module")
def place(tmp_path_factory, sample_db):
    """A folder with the things a hostile user points options at."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "adir").mkdir()
    (root / "afile.txt").write_text("not a database, not a folder\n", encoding="utf-8")
    (root / "fake.duckdb").write_bytes(b"PK\x03\x04 this is a zip, not a database")
    (root / "needs.csv").write_text("ปีงบประมาณ,รหัสหมู่บ้าน\n2570,32010101\n", encoding="utf-8")
    shutil.copy(sample_db, root / "copy.duckdb")
    return root


def _fill(argv: list[str], place: Path) -> list[str]:
    names = {"{dir}": place / "adir", "{file}": place / "afile.txt",
             "{fake}": place / "fake.duckdb", "{missing}": place / "no" / "such",
             "{copy}": place / "copy.duckdb", "{csv}": place / "needs.csv"}
    out = []
    for arg in argv:
        for key, value in names.items():
            arg = arg.replace(key, str(value))
        out.append(arg)
    return out


# (id, command line, exit code, fragments the one line must hold)
HOSTILE = [
    # numbers out of range, or not numbers
    ("workers-negative", ["report", "--workers", "-3"], 2, ["--workers", "1", "64", "-3"]),
    ("workers-zero", ["report", "--workers", "0"], 2, ["--workers"]),
    ("workers-huge", ["report", "--workers", "1000"], 2, ["--workers", "1000"]),
    ("workers-word", ["report", "--workers", "many"], 2, ["--workers", "many"]),
    ("workers-fraction", ["report", "--workers", "2.5"], 2, ["--workers"]),
    ("formats-docx", ["report", "--formats", "docx"], 2, ["--formats", "html,pdf", "docx"]),
    ("formats-empty", ["report", "--formats", ""], 2, ["--formats"]),
    ("formats-mixed", ["report", "--formats", "html,docx"], 2, ["--formats"]),
    ("formats-commas", ["report", "--formats", ",,"], 2, ["--formats"]),
    ("records-negative", ["complaints", "generate", "--records", "-5", "--out", "{dir}"], 2,
     ["--records", "-5"]),
    ("records-zero", ["complaints", "generate", "--records", "0", "--out", "{dir}"], 2,
     ["--records"]),
    ("records-float", ["complaints", "generate", "--records", "1e9", "--out", "{dir}"], 2,
     ["--records"]),
    ("seed-negative", ["complaints", "generate", "--seed", "-1", "--out", "{dir}"], 2,
     ["--seed"]),
    ("months-7", ["plan", "revise", "--province", "40", "--months", "7"], 2, ["--months", "6", "12"]),
    ("months-word", ["plan", "revise", "--province", "40", "--months", "six"], 2, ["--months"]),
    ("fiscal-year-ce", ["report", "--fiscal-year", "2027"], 2, ["--fiscal-year", "2570"]),
    ("fiscal-year-huge", ["report", "--fiscal-year", "99999"], 2, ["--fiscal-year", "2500"]),
    ("fiscal-year-word", ["select", "--province", "40", "--fiscal-year", "next"], 2,
     ["--fiscal-year"]),
    ("fiscal-year-one", ["select", "--province", "40", "--fiscal-year", "1"], 2,
     ["--fiscal-year"]),
    ("fiscal-year-negative", ["portal", "--fiscal-year", "-2570"], 2, ["--fiscal-year"]),
    ("fiscal-year-3000", ["needs", "classify", "--province", "32", "--fiscal-year", "3000"], 2,
     ["--fiscal-year"]),
    # Bangkok and codes that are no province
    ("bangkok-report", ["report", "--province", "10"], 2, ["--province", "Bangkok", "BMA"]),
    ("bangkok-select", ["select", "--province", "10"], 2, ["--province", "Bangkok"]),
    ("bangkok-plan", ["plan", "approve", "--province", "10"], 2, ["--province", "Bangkok"]),
    ("bangkok-needs", ["needs", "classify", "--province", "10"], 2, ["--province", "Bangkok"]),
    ("bangkok-oc4ids", ["needs", "oc4ids", "--province", "10", "--out", "{dir}"], 2,
     ["--province", "Bangkok"]),
    ("bangkok-templates", ["templates", "--province", "10", "--out", "{dir}"], 2,
     ["--province", "Bangkok"]),
    ("bangkok-complaints", ["complaints", "export", "--province", "10", "--out", "{dir}"], 2,
     ["--province", "Bangkok"]),
    ("province-99", ["report", "--province", "99"], 2, ["--province", "oneplan provinces"]),
    ("province-one-digit", ["select", "--province", "4"], 2, ["--province", "'4'"]),
    ("province-word", ["select", "--province", "khonkaen"], 2, ["--province"]),
    ("province-path", ["plan", "list", "--province", "../40"], 2, ["--province"]),
    ("province-999", ["params", "--province", "999"], 2, ["--province"]),
    # a scenario is a name, never a path
    ("scenario-dotdot", ["report", "--scenario", "../x"], 2, ["--scenario", "drought-first"]),
    ("scenario-province", ["params", "--province", "40", "--scenario", "../provinces/40"], 2,
     ["--scenario"]),
    ("scenario-evil", ["select", "--province", "40", "--scenario", "../../../other/evil"], 2,
     ["--scenario"]),
    ("scenario-absolute", ["plan", "approve", "--province", "40", "--scenario", "/etc/passwd"],
     2, ["--scenario"]),
    # --db: a folder, another kind of file, a missing file
    ("db-dir", ["select", "--province", "40", "--db", "{dir}"], 2, ["--db", "adir", "folder"]),
    ("db-not-duckdb", ["select", "--province", "40", "--db", "{fake}"], 2,
     ["--db", "fake.duckdb", "DuckDB"]),
    ("db-missing", ["select", "--province", "40", "--db", "{missing}"], 2,
     ["oneplan build-sample"]),
    ("db-dir-import", ["import", "{csv}", "--db", "{dir}"], 2, ["--db", "folder"]),
    ("db-text-revise", ["plan", "revise", "--province", "40", "--db", "{file}"], 2,
     ["--db", "afile.txt"]),
    ("db-missing-classify", ["needs", "classify", "--province", "32", "--db", "{missing}"], 2,
     ["oneplan build-sample"]),
    ("db-dir-build", ["build-sample", "--db", "{dir}"], 2, ["--db", "folder"]),
    ("db-text-build", ["build-sample", "--db", "{file}"], 2, ["--db", "not overwritten"]),
    ("db-no-folder-build", ["build-sample", "--db", "{missing}/x.duckdb"], 2,
     ["--db", "does not exist"]),
    ("db-dir-complaints", ["complaints", "import", "{dir}", "--db", "{dir}"], 2, ["--db"]),
    ("db-fake-report", ["report", "--province", "40", "--db", "{fake}"], 2, ["--db"]),
    ("db-dir-stage", ["needs", "stage", "--need", "N", "--to", "tambon_screened", "--on",
                      "1/7/2570", "--db", "{dir}"], 2, ["--db"]),
    # --rejects, --out, --facts, a path to import
    ("rejects-file", ["import", "{csv}", "--rejects", "{file}"], 2, ["--rejects", "afile.txt"]),
    ("rejects-no-parent", ["import", "{csv}", "--rejects", "{missing}/deeper"], 2,
     ["--rejects", "does not exist"]),
    ("out-file-portal", ["portal", "--out", "{file}"], 2, ["--out", "afile.txt", "folder"]),
    ("out-file-templates", ["templates", "--out", "{file}"], 2, ["--out"]),
    ("out-file-oc4ids", ["needs", "oc4ids", "--province", "32", "--out", "{file}"], 2, ["--out"]),
    ("out-file-generate", ["complaints", "generate", "--out", "{file}"], 2, ["--out"]),
    ("out-file-report", ["report", "--province", "40", "--out", "{file}"], 2, ["--out"]),
    ("out-under-file", ["complaints", "export", "--province", "40", "--out", "{file}/sub"], 2,
     ["--out", "is a file"]),
    ("facts-missing", ["plan", "revise", "--province", "32", "--db", "{copy}", "--facts",
                       "{missing}.xlsx"], 2, ["--facts", "does not exist"]),
    ("facts-dir", ["plan", "revise", "--province", "32", "--db", "{copy}", "--facts", "{dir}"],
     2, ["--facts", "folder"]),
    ("facts-out-dir", ["plan", "revise", "--province", "32", "--db", "{copy}", "--facts-out",
                       "{dir}"], 2, ["--facts-out"]),
    ("complaints-import-missing", ["complaints", "import", "{missing}"], 2,
     ["PATH", "does not exist"]),
    ("complaints-import-no-path", ["complaints", "import"], 2, ["PATH"]),
    ("complaints-generate-no-out", ["complaints", "generate"], 2, ["--out"]),
    ("complaints-export-no-out", ["complaints", "export", "--province", "40"], 2, ["--out"]),
    # needs stage
    ("stage-no-to", ["needs", "stage", "--need", "N2570-32-000001"], 2, ["--to", "--on"]),
    ("stage-bad-date", ["needs", "stage", "--need", "N", "--to", "tambon_screened", "--on",
                        "yesterday"], 2, ["--on", "yesterday"]),
    ("stage-unknown-need", ["needs", "stage", "--need", "NOPE", "--to", "tambon_screened",
                            "--on", "1/7/2570", "--db", "{copy}"], 2, ["NOPE"]),
    ("classify-no-province", ["needs", "classify"], 2, ["--province"]),
    # plan revise before any plan was approved (was a KeyError)
    ("revise-unapproved", ["plan", "revise", "--province", "40", "--db", "{copy}"], 2,
     ["plan approve --province 40"]),
    ("approve-empty-year", ["plan", "approve", "--province", "40", "--fiscal-year", "2560",
                            "--db", "{copy}"], 2, ["40", "2560", "--fiscal-year"]),
    # usage
    ("no-command", [], 2, ["command"]),
    ("unknown-command", ["bogus"], 2, ["bogus"]),
    ("lang-fr", ["report", "--lang", "fr"], 2, ["--lang"]),
    ("import-nothing", ["import"], 2, ["FILE"]),
    ("plan-no-action", ["plan"], 2, ["action"]),
    ("report-unknown-name", ["report", "--province", "40", "--report", "nope"], 2, ["nope"]),
]


def test_at_least_fifty_hostile_lines():
    assert len(HOSTILE) >= 50
    assert len({name for name, *_ in HOSTILE}) == len(HOSTILE)


def _files(place: Path) -> dict[Path, int]:
    """Every file of ``place`` but the database copy that the lines refused by the database
    itself open (``plan revise`` before an approval, an unknown need)."""
    return {p: p.stat().st_mtime_ns for p in place.rglob("*")
            if p.is_file() and not p.name.startswith("copy.duckdb")}


@pytest.mark.parametrize("argv,code,fragments", [h[1:] for h in HOSTILE],
                         ids=[h[0] for h in HOSTILE])
def test_hostile_command_line_ends_in_one_clear_line(argv, code, fragments, place, capsys):
    before = _files(place)
    assert cli.main(_fill(argv, place)) == code
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith("oneplan")
    assert any(ch in lines[0] for ch in THAI), lines[0]          # Thai first …
    assert " / " in lines[0]                                      # … then English
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert out == ""                                             # nothing was done
    assert _files(place) == before                                       # nothing written or changed
    assert not (place / "no").exists()                           # no database created


def test_database_from_the_environment_is_named_so(place, monkeypatch, capsys):
    monkeypatch.setenv("ONEPLAN_DB", str(place / "adir"))
    assert cli.main(["select", "--province", "40"]) == 2
    assert "$ONEPLAN_DB" in capsys.readouterr().err


def test_the_fake_database_is_not_overwritten(place, capsys):
    text = (place / "afile.txt").read_text(encoding="utf-8")
    assert cli.main(["build-sample", "--db", str(place / "afile.txt")]) == 2
    assert (place / "afile.txt").read_text(encoding="utf-8") == text


@pytest.mark.parametrize("argv,expected", [
    (["report", "--fiscal-year", "๒๕๗๐"], ("fiscal_year", 2570)),
    (["report", "--workers", "๒"], ("workers", 2)),
    (["report", "--formats", "PDF, html,pdf"], ("formats", ("pdf", "html"))),
    (["report", "--province", "๔๐"], ("province", ["40"])),
    (["plan", "list", "--province", "40", "--months", "12"], ("months", 12)),
    (["params", "--province", "10"], ("province", "10")),  # params of Bangkok may be shown
    (["complaints", "generate", "--records", "1,000"], ("records", 1000)),
])
def test_good_values_are_read_as_people_write_them(argv, expected):
    args = cli.build_parser().parse_args(argv)
    assert getattr(args, expected[0]) == expected[1]


def test_formats_are_those_the_batch_writes():
    from oneplan.data.params import ReportParams

    assert set(cli_checks.report_formats()) == {"html", "pdf"}
    ReportParams(formats=list(cli_checks.report_formats()))  # every one is accepted


def test_every_user_error_class_is_a_user_error():
    from oneplan.complaints.feeds import FeedError
    from oneplan.data.db import DatabaseMissingError
    from oneplan.data.params import ParamsError
    from oneplan.plan.needs import NeedsDataError, StageTransitionError
    from oneplan.selection.versions import NoApprovedPlanError

    for cls, old in ((areas.UnknownAreaError, ValueError),
                     (areas.NotAPlanningProvinceError, ValueError),
                     (ParamsError, ValueError), (DatabaseMissingError, FileNotFoundError),
                     (FeedError, ValueError), (StageTransitionError, ValueError),
                     (NeedsDataError, ValueError), (thai.ThaiLocaleError, ValueError),
                     (thai.ThaiDateError, ValueError), (NoApprovedPlanError, LookupError)):
        assert issubclass(cls, UserError) and issubclass(cls, old), cls
        assert cls("x").exit_code == 2


def test_bangkok_is_refused_with_the_reason_and_marked_in_the_list(capsys):
    with pytest.raises(areas.NotAPlanningProvinceError, match="BMA"):
        areas.planning_province("10")
    assert areas.planning_province("40").code == "40"
    assert cli.main(["provinces"]) == 0
    assert not any(line.startswith("10 ") for line in capsys.readouterr().out.splitlines())
    assert cli.main(["provinces", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    bangkok = [line for line in lines if line.startswith("10 ")]
    assert len(lines) == 77 and len(bangkok) == 1
    assert "กรุงเทพมหานคร" in bangkok[0] and "BMA" in bangkok[0]
    assert not any("BMA" in line for line in lines if not line.startswith("10 "))


def test_bangkok_in_the_default_provinces_is_refused(tmp_path, monkeypatch, capsys):
    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    defaults = params / "default.yml"
    text = defaults.read_text(encoding="utf-8")
    assert "default_provinces" in text
    lines = [line for line in text.splitlines() if not line.startswith("default_provinces")]
    defaults.write_text("\n".join(lines) + "\ndefault_provinces: ['40', '10']\n",
                        encoding="utf-8")
    monkeypatch.setenv("ONEPLAN_PARAMS", str(params))
    assert cli.main(["report", "--no-progress"]) == 2
    assert "Bangkok" in capsys.readouterr().err


def test_unexpected_error_gives_exit_3_and_a_log_with_the_traceback(monkeypatch, capsys, tmp_path):
    def boom():
        raise RuntimeError("boom in the province list")

    monkeypatch.setattr(areas, "all_provinces", boom)
    assert cli.main(["provinces"]) == 3
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "RuntimeError: boom in the province list" in err
    logs = list((tmp_path / "logs").glob("oneplan-*.log"))
    assert len(logs) == 1 and str(logs[0]) in err
    body = logs[0].read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in body and "in boom" in body
    assert "command: oneplan provinces" in body
    assert stat.S_IMODE(logs[0].stat().st_mode) == 0o600   # may quote a row of data
    # --verbose also shows the traceback
    assert cli.main(["--verbose", "provinces"]) == 3
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_a_failure_is_exit_3_in_one_line(monkeypatch, capsys):
    def fails():
        raise Failure("ทำไม่ได้ / could not do it")

    monkeypatch.setattr(areas, "all_provinces", fails)
    assert cli.main(["provinces"]) == 3
    assert capsys.readouterr().err == "oneplan: ทำไม่ได้ / could not do it\n"


def test_an_english_only_user_error_gets_a_thai_prefix(monkeypatch, capsys):
    def refuses():
        raise UserError("something was wrong\nacross two lines")

    monkeypatch.setattr(areas, "all_provinces", refuses)
    assert cli.main(["provinces"]) == 2
    err = capsys.readouterr().err
    assert err == ("oneplan: คำสั่งหรือข้อมูลไม่ถูกต้อง / bad usage or input: something was "
                   "wrong across two lines\n")


def test_ctrl_c_is_one_line(monkeypatch, capsys):
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(areas, "all_provinces", interrupted)
    assert cli.main(["provinces"]) == 130
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_failed_reports_exit_3_naming_the_first_ones(monkeypatch, capsys, sample_db, tmp_path):
    from oneplan.batch import runner

    failures = [SimpleNamespace(key=f"40/r{i}", error=f"ValueError: broken {i}\nsecond line")
                for i in range(5)]
    result = SimpleNamespace(written=[], skipped=[], failures=failures, seconds=1.0,
                             manifest=tmp_path / "manifest.json", index=tmp_path / "index.html")
    monkeypatch.setattr(runner, "run_batch", lambda *a, **k: result)
    assert cli.main(["report", "--province", "40", "--no-progress", "--out",
                     str(tmp_path / "r")]) == 3
    out, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1
    assert "40/r0: ValueError: broken 0 second line" in err and "40/r2" in err
    assert "40/r3" not in err and "2 more" in err and "manifest.json" in err
    assert all(f"40/r{i}" in out for i in range(5))     # every failure is on stdout


def test_import_exit_codes_rejected_unreadable_and_rejects_folder(place, tmp_path, capsys):
    dbfile = tmp_path / "i.duckdb"
    shutil.copy(place / "copy.duckdb", dbfile)
    bad = tmp_path / "bad.csv"
    bad.write_text("ปีงบประมาณ,รหัสหมู่บ้าน,ชื่อโครงการ\n2570,1,x\n", encoding="utf-8")
    rejects = tmp_path / "rejects"            # missing, in an existing folder: created
    code = cli.main(["import", str(bad), "--db", str(dbfile), "--kind", "needs",
                     "--rejects", str(rejects)])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""            # done, rows rejected
    assert rejects.is_dir() and list(rejects.glob("*.rejected.xlsx"))
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Fiscal year,Village code\r\n2570,Café\r\n".encode("cp1252"))
    assert cli.main(["import", str(latin), "--db", str(dbfile)]) == 2
    out, err = capsys.readouterr()
    assert "could not be read" in out and len(err.strip().splitlines()) == 1
    assert "อ่านไม่ได้ 1 ไฟล์" in err and "Traceback" not in err


def test_complaints_import_of_one_file_works(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ONEPLAN_PII_SALT", "tests-only-salt-0123456789")
    feeds = tmp_path / "feeds"
    assert cli.main(["complaints", "generate", "--out", str(feeds), "--records", "200",
                     "--province", "45", "--seed", "5"]) == 0
    one = sorted(feeds.glob("*.csv"))[0]
    dbfile = tmp_path / "c.duckdb"
    capsys.readouterr()
    assert cli.main(["complaints", "import", str(one), "--db", str(dbfile)]) == 0
    out = capsys.readouterr().out
    assert one.name in out and out.count("read") == 1
    from oneplan.data import db

    con = db.connect(dbfile)
    try:
        n, files = con.execute("SELECT count(*), count(DISTINCT source_file) "
                               "FROM complaints").fetchone()
    finally:
        con.close()
    assert n > 0 and files == 1
    stray = tmp_path / "notes.csv"
    stray.write_text("a,b\n1,2\n", encoding="utf-8")
    assert cli.main(["complaints", "import", str(stray), "--db", str(dbfile)]) == 2
    err = capsys.readouterr().err
    assert "no feed name" in err and len(err.strip().splitlines()) == 1


def test_a_short_salt_is_one_line(tmp_path, monkeypatch, capsys):
    """The salt check belongs to ``complaints.privacy``; whatever it raises ends in one
    line (exit 2 once its error is a ``UserError``)."""
    from oneplan.complaints import privacy

    feeds = tmp_path / "feeds"
    monkeypatch.setenv("ONEPLAN_PII_SALT", "tests-only-salt-0123456789")
    assert cli.main(["complaints", "generate", "--out", str(feeds), "--records", "50",
                     "--province", "45"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("ONEPLAN_PII_SALT", "short")
    code = cli.main(["complaints", "import", str(feeds), "--db", str(tmp_path / "c.duckdb")])
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and "16" in err
    is_user_error = any(issubclass(obj, UserError) for obj in vars(privacy).values()
                        if isinstance(obj, type) and issubclass(obj, Exception)
                        and obj.__module__ == privacy.__name__)
    assert code == (2 if is_user_error else 3)


def test_message_and_one_line_helpers():
    assert errors.message("core.cli.interrupted") == "หยุดตามคำสั่งผู้ใช้ / interrupted"
    assert errors.one_line(ValueError("a\n  b\n")) == "a b"
    assert errors.one_line(ValueError()) == "ValueError"


# --- the real command, as a user runs it -------------------------------------------------

def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "lib"),
                                                        os.environ.get("PYTHONPATH", "")]),
                ONEPLAN_LOG_DIR=str(tmp_path / "logs"))


@pytest.mark.parametrize("argv,fragment", [
    (["report", "--workers", "-3"], "--workers"),
    (["select", "--province", "40", "--db", "{dir}"], "--db"),
    (["report", "--province", "10"], "Bangkok"),
    (["plan", "revise", "--province", "40", "--db", "{copy}"], "plan approve"),
    (["complaints", "import", "{missing}"], "does not exist"),
], ids=["workers", "db-dir", "bangkok", "revise-unapproved", "complaints-missing"])
def test_real_command_prints_one_line_and_exits_2(argv, fragment, place, tmp_path):
    res = subprocess.run([sys.executable, "-m", "oneplan.cli", *_fill(argv, place)],
                         capture_output=True, text=True, env=_env(tmp_path), timeout=300)
    assert res.returncode == 2, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert fragment in res.stderr and res.stdout == ""


def test_real_command_unexpected_error_names_its_log(tmp_path):
    code = ("import sys; from oneplan.core import areas; "
            "areas.all_provinces = lambda: 1 / 0; "
            "from oneplan import cli; sys.exit(cli.main(['provinces']))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=_env(tmp_path), timeout=300)
    assert res.returncode == 3
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert "ZeroDivisionError" in res.stderr
    log = next((tmp_path / "logs").glob("*.log"))
    assert str(log) in res.stderr and "ZeroDivisionError" in log.read_text(encoding="utf-8")


def test_reader_closing_the_pipe_is_a_quiet_exit(tmp_path):
    """``oneplan provinces | head``: the reader is gone before the first line is written."""
    proc = subprocess.Popen([sys.executable, "-m", "oneplan.cli", "provinces", "--all"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(tmp_path))
    proc.stdout.close()                       # the child is still importing: nobody reads
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 0
    assert err == "", err                     # no BrokenPipeError, no "Exception ignored"


def test_provinces_into_head(tmp_path):
    res = subprocess.run(["bash", "-c", f"set -o pipefail; '{sys.executable}' -m oneplan.cli "
                          "provinces --all | head -n 1"],
                         capture_output=True, text=True, env=_env(tmp_path), timeout=300)
    assert res.returncode == 0 and res.stderr == ""
    assert res.stdout.startswith("10  กรุงเทพมหานคร")


def test_a_crash_log_never_holds_a_server_password(tmp_path, monkeypatch):
    from oneplan import cli_errors

    monkeypatch.setenv("ONEPLAN_LOG_DIR", str(tmp_path))
    url = "postgresql://oneplan_owner:s3cret-pw@127.0.0.1:55432/oneplan"
    try:
        raise RuntimeError(f"could not talk to {url}")
    except RuntimeError as exc:
        path = cli_errors.write_crash_log(exc, ["report", "--db", url])
    text = path.read_text(encoding="utf-8")
    assert "s3cret-pw" not in text
    assert text.count("postgresql://oneplan_owner:***@127.0.0.1:55432/oneplan") == 2

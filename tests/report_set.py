"""The report set the slow language and number checks read: every report notebook of the
three test provinces and the national reports, HTML only, built once per test session
(the first test that asks builds it; the others reuse it)."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

from oneplan import cli

PROVINCES = ("40", "45", "32")


@functools.lru_cache(maxsize=1)
def build() -> Path:
    """The folder of the fiscal year's reports (``…/2570``), built by the ``oneplan
    report`` command over the session's sample database."""
    out = Path(tempfile.mkdtemp(prefix="oneplan-report-set-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    argv = ["report", *[a for c in PROVINCES for a in ("--province", c)], "--national",
            "--formats", "html", "--out", str(out), "--db", os.environ["ONEPLAN_DB"],
            "--workers", "2", "--no-progress"]
    code = cli.main(argv)
    if code != 0:
        raise RuntimeError(f"the report set did not build (exit {code}); see {out}")
    return out / "2570"


def htmls(kinds: tuple[str, ...] | None = None) -> list[Path]:
    """Every report HTML of the set (only the reports named in ``kinds`` when given)."""
    files = sorted(p for p in build().rglob("*.html"))
    if kinds is None:
        return files
    return [p for p in files if p.stem in kinds]

"""Shared test set-up.

A small sample database (the three default provinces) is built once per test session and
``ONEPLAN_DB`` / ``ONEPLAN_REPORTS`` point at temporary places, so tests and the notebooks
run by nbval never touch the user's ``data/`` or ``reports/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from oneplan.samples import build

TEST_PROVINCES = ["40", "45", "32"]
_TMP = Path(tempfile.mkdtemp(prefix="oneplan-tests-"))


def pytest_configure(config):

    os.environ["ONEPLAN_DB"] = str(_TMP / "sample.duckdb")
    os.environ["ONEPLAN_REPORTS"] = str(_TMP / "reports")
    os.environ.pop("ONEPLAN_PARAMS", None)
    build.build_sample(os.environ["ONEPLAN_DB"], provinces=TEST_PROVINCES)


def pytest_unconfigure(config):
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def sample_db() -> Path:
    """Path of the session's sample database (provinces 40, 45, 32)."""
    return Path(os.environ["ONEPLAN_DB"])


from pg_server import pg_server, pg_url  # noqa: E402,F401  (fixtures of the `pg` tests)

"""Every path the project uses, resolved once from this package's own location.

Notebooks and modules import these constants instead of building relative paths, so the
same code works from JupyterLab, papermill, pytest or the ``oneplan`` command in any
working directory. ``ONEPLAN_DB``, ``ONEPLAN_REPORTS`` and ``ONEPLAN_PARAMS`` override the database file, the
reports folder and the parameters folder (e.g. a province keeping its own params).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
"""Repository root (the folder holding ``lib/``, ``notebooks/``, ``params/``)."""

LIB_DIR = ROOT / "lib" / "oneplan"
DATA_DIR = ROOT / "data"
MAPS_DIR = DATA_DIR / "maps"
PARAMS_DIR = ROOT / "params"
NOTEBOOKS_DIR = ROOT / "notebooks"


def default_db_path() -> Path:
    """Central database file: ``$ONEPLAN_DB`` or ``data/oneplan.duckdb``."""
    return Path(os.environ.get("ONEPLAN_DB") or DATA_DIR / "oneplan.duckdb")


def default_reports_dir() -> Path:
    """Where reports are written: ``$ONEPLAN_REPORTS`` or ``reports/``."""
    return Path(os.environ.get("ONEPLAN_REPORTS") or ROOT / "reports")


def default_params_dir() -> Path:
    """Parameter files: ``$ONEPLAN_PARAMS`` or ``params/``."""
    return Path(os.environ.get("ONEPLAN_PARAMS") or PARAMS_DIR)


NATIONAL_DIR = "national"

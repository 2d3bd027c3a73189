"""Offices importing at once into the server: nothing lost, nothing in another province.

A bounded run of ``benchmarks/load_offices.py`` (6 offices, 40 needs and 8 stage changes
each, every office its own process under its own account, while the batch's read path
reads in a loop) on the session's server. The benchmark's full size (76 offices) is run by
hand; its figures are in docs/postgres.md. Checks what the run counted and, independently,
the server's rows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.pg
ROOT = Path(__file__).resolve().parents[1]


def test_six_offices_at_once_lose_nothing(pg_server, tmp_path):
    out = tmp_path / "load.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "load_offices.py"), "--url", pg_server,
         "--offices", "6", "--rows", "40", "--stages", "8", "--timeout", "300",
         "--cap", "600", "--no-baseline", "--json", str(out)],
        capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["commands"] == 12
    assert figures["failed"] == 0, figures["failures"]
    assert figures["lost_rows"] == 0
    assert figures["rows_in_wrong_province"] == 0
    assert figures["stage_changes_missing"] == 0
    assert figures["audit_rows_missing"] == 0
    assert figures["reader_loops"] >= 1 and figures["reader_errors"] == []
    assert figures["rows_per_s"] > 0 and figures["latency_p95_s"] >= figures["latency_p50_s"]
    assert "password" not in run.stdout.lower() and ":oneplan-dev-only@" not in run.stdout

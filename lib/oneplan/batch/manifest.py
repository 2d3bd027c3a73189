"""The run manifest, ``reports/<fy>/manifest.json``: every report's status, files, timings
and fingerprints, the package and browser versions and the last run's totals.

It is kept in memory by :class:`Manifest` and rewritten atomically after reports finish,
so an interrupted batch keeps what it did. A report is up to date (:func:`up_to_date`) when
its files exist and its fingerprint equals the one recorded here; an unreadable or older
manifest counts as empty, so every report is redone (which is safe).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone
from pathlib import Path

from oneplan.batch.jobs import Job, ReportOutcome
from oneplan.core.files import write_atomic
from oneplan.core.format import rounded

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


def manifest_path(out_root: str | Path, fiscal_year: int) -> Path:
    """``reports/<fy>/manifest.json``."""
    return Path(out_root) / str(fiscal_year) / MANIFEST_NAME


def load_manifest(path: str | Path) -> dict:
    """The manifest at ``path``; an empty one when missing or unreadable (then every report
    counts as not done, which is safe)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") == MANIFEST_VERSION and isinstance(data.get("reports"), dict):
            return data
        log.warning("%s has another format; every report will be redone", path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        log.warning("cannot read %s (%s); every report will be redone", path, exc)
    return {"version": MANIFEST_VERSION, "reports": {}}


def up_to_date(job: Job, entry: dict | None) -> bool:
    """Whether the manifest ``entry`` says ``job`` is done: status ok, same fingerprint,
    every file still there."""
    if not entry or entry.get("status") != "ok" or entry.get("fingerprint") != job.fingerprint:
        return False
    files = entry.get("files") or {}
    return bool(files) and all((Path(job.out_root) / f).is_file() for f in files.values())


def timestamp() -> str:
    """Now, in UTC, to the second (ISO 8601), as the manifest and notebooks record it."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Manifest:
    """The run manifest, kept in memory and rewritten atomically after every report."""

    SAVE_EVERY_S = 2.0
    """At most one rewrite per this many seconds while reports finish (a crash loses at
    most these records: those reports are redone, which is safe)."""

    def __init__(self, path: Path, packages: dict, browser: str | None):
        self.path = path
        self.data = load_manifest(path)
        self.data.update(version=MANIFEST_VERSION, packages=packages, browser=browser)
        self._saved = 0.0

    def entry(self, key: str) -> dict | None:
        """The recorded entry of a report (``<code>/<name>``), None when there is none."""
        return self.data["reports"].get(key)

    def record(self, job: Job, outcome: ReportOutcome) -> None:
        """Record what happened to ``job`` (a failure keeps pointing at the last good
        files); saves when the last save is older than :attr:`SAVE_EVERY_S`."""
        entry = {
            "report": job.spec.name, "scope": job.spec.scope, "notebook": job.spec.notebook,
            "province_code": job.province_code, "lang": job.lang,
            "extra": dict(job.spec.extra), "status": outcome.status,
            "seconds": round(outcome.seconds, 2), "timings": outcome.timings,
            "finished": timestamp(),
            "files": outcome.files, "error": outcome.error,
            "fingerprint": job.fingerprint, "fingerprints": job.fingerprints,
        }
        if outcome.status == "failed":
            old = self.entry(job.key) or {}
            # the last good files stay on disk; say which ones they are
            entry["last_good_files"] = old.get("files") if old.get("status") == "ok" \
                else old.get("last_good_files")
            entry["fingerprint"] = None
        self.data["reports"][job.key] = entry
        if time.monotonic() - self._saved >= self.SAVE_EVERY_S:
            self.save()

    def save(self) -> None:
        """Rewrite the manifest file (atomically)."""
        self._saved = time.monotonic()
        self.data["updated"] = timestamp()
        write_atomic(self.path, json.dumps(rounded(self.data), ensure_ascii=False,
                                           indent=1, sort_keys=False))

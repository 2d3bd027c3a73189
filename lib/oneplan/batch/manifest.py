"""The run manifest, ``reports/<fy>/manifest.json``: every report's status, files, timings
and fingerprints, the package and browser versions and the last run's totals.

It is kept in memory by :class:`Manifest` and rewritten atomically every few seconds;
between rewrites every record is appended at once to a journal beside it
(``manifest.journal``, one JSON line per record), which :func:`load_manifest` replays, so
even a batch killed with SIGKILL keeps every record it made. Before the batch moves a
report's files into place it journals them as ``placing`` (:meth:`Manifest.placing`):
every file in the output folder is listed in the manifest, also after a kill in the middle
of a move (a ``placing`` report is not up to date, so it is redone).

A report is up to date (:func:`up_to_date`) when its files exist and its fingerprint
equals the one recorded here; an unreadable or older manifest counts as empty, so every
report is redone (which is safe).
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
JOURNAL_NAME = "manifest.journal"
MANIFEST_VERSION = 1


def manifest_path(out_root: str | Path, fiscal_year: int) -> Path:
    """``reports/<fy>/manifest.json``."""
    return Path(out_root) / str(fiscal_year) / MANIFEST_NAME


def journal_path(path: str | Path) -> Path:
    """The journal beside the manifest at ``path``."""
    return Path(path).with_name(JOURNAL_NAME)


def load_manifest(path: str | Path) -> dict:
    """The manifest at ``path`` with the records of its journal applied; an empty one when
    missing or unreadable (then every report counts as not done, which is safe)."""
    path = Path(path)
    data = {"version": MANIFEST_VERSION, "reports": {}}
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        if found.get("version") == MANIFEST_VERSION and isinstance(found.get("reports"), dict):
            data = found
        else:
            log.warning("%s has another format; every report will be redone", path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        log.warning("cannot read %s (%s); every report will be redone", path, exc)
    try:
        lines = journal_path(path).read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        lines = []
    for line in lines:
        try:
            record = json.loads(line)
            data["reports"][record["key"]] = record["entry"]
        except (ValueError, KeyError, TypeError):  # a line cut short by a kill: the last one
            log.debug("skipping an unreadable journal line of %s", path)
    return data


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

    def _journal(self, key: str, entry: dict) -> None:
        self.data["reports"][key] = entry
        line = json.dumps({"key": key, "entry": rounded(entry)}, ensure_ascii=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(journal_path(self.path), "a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def placing(self, job: Job, files: dict[str, str]) -> None:
        """Journal that ``files`` (name → path relative to the output folder) are about
        to be moved into place for ``job``; the report counts as not done until
        :meth:`record` says it is."""
        old = self.entry(job.key) or {}
        self._journal(job.key, {
            "report": job.spec.name, "scope": job.spec.scope,
            "province_code": job.province_code, "status": "placing", "started": timestamp(),
            "files": files, "fingerprint": None,
            "last_good_files": old.get("files") if old.get("status") == "ok"
            else old.get("last_good_files")})

    def record(self, job: Job, outcome: ReportOutcome) -> None:
        """Record what happened to ``job`` (a failure keeps pointing at the last good
        files); journaled at once, and the manifest is saved when the last save is older
        than :attr:`SAVE_EVERY_S`."""
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
            if old.get("status") == "placing":  # a killed batch was moving these in
                entry["interrupted_files"] = old.get("files")
            entry["fingerprint"] = None
        self._journal(job.key, entry)
        if time.monotonic() - self._saved >= self.SAVE_EVERY_S:
            self.save()

    def listed_files(self) -> set[str]:
        """Every file the manifest names (paths relative to the output folder)."""
        out: set[str] = set()
        for entry in self.data["reports"].values():
            for key in ("files", "last_good_files", "interrupted_files"):
                out.update((entry.get(key) or {}).values())
        return out

    def save(self) -> None:
        """Rewrite the manifest file (atomically), then empty the journal."""
        self._saved = time.monotonic()
        self.data["updated"] = timestamp()
        write_atomic(self.path, json.dumps(rounded(self.data), ensure_ascii=False,
                                           indent=1, sort_keys=False))
        journal_path(self.path).unlink(missing_ok=True)

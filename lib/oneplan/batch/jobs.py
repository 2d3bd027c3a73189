"""The batch's units of work: a :class:`Job` (one notebook run for one province, with its
fingerprints), its :class:`ReportOutcome`, and the :class:`Planner` that builds the jobs of
a batch (parameters resolved and shared fingerprints computed once)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from oneplan.batch import fingerprints, registry
from oneplan.batch.registry import ReportSpec
from oneplan.core.paths import default_db_path, default_params_dir
from oneplan.data import db
from oneplan.data.params import load_params


@dataclass
class Job:
    """One notebook run of a batch (picklable: it is sent to worker processes)."""

    spec: ReportSpec
    province_code: str
    fiscal_year: int
    lang: str
    scenario: str
    db_path: str
    out_root: str
    formats: tuple[str, ...]
    fingerprints: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    """Set in the kernel: ONEPLAN_DB, ONEPLAN_PARAMS, ONEPLAN_REPORTS of the batch."""
    staging_root: str = ""
    """The batch's staging folder (default: ``<fy>/.staging/<this process id>``)."""

    @property
    def key(self) -> str:
        """Manifest key: ``<code>/<name>`` or ``national/<name>``."""
        return f"{self.province_code or 'national'}/{self.spec.name}"

    @property
    def out_dir(self) -> Path:
        """The folder the report's files go to."""
        return registry.report_dir(self.out_root, self.fiscal_year, self.province_code)

    @property
    def staging(self) -> Path:
        """The folder the report is written into before the batch moves it into place:
        ``<staging root>/<code or national>-<name>``."""
        root = Path(self.staging_root) if self.staging_root else \
            staging_root(self.out_root, self.fiscal_year)
        return root / self.key.replace("/", "-")

    @property
    def fingerprint(self) -> str:
        """One digest of all :attr:`fingerprints`."""
        return fingerprints.json_digest(self.fingerprints)


@dataclass
class ReportOutcome:
    """What happened to one report. ``status`` is ``ok``, ``failed`` or ``skipped`` (up to
    date); ``files`` maps a kind (``ipynb``, ``html``, ``pdf``, ``summary``, ``params`` or
    another file's name) to its path relative to the output folder."""

    report: str
    province_code: str
    status: str
    seconds: float = 0.0
    files: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    summary: dict | None = None
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per step: ``kernel`` (start + imports, when this report paid it), ``reset``,
    ``execute``, ``html``, ``pdf``."""
    staging: str | None = None
    """Set by a worker: the staging folder holding ``files`` (names in it) until the batch
    moves them into place; None once placed (``files`` are then relative to the output
    folder)."""

    @property
    def ok(self) -> bool:
        """True unless the report failed (skipped counts as ok)."""
        return self.status != "failed"

    @property
    def key(self) -> str:
        """Manifest key: ``<code>/<name>`` or ``national/<name>``."""
        return f"{self.province_code or 'national'}/{self.report}"


STAGING_DIR = ".staging"
"""Folder of the year's output folder where reports are written before they are moved
into place (one sub-folder per batch process, removed when the batch ends)."""


def staging_root(out_root: str | Path, fiscal_year: int, pid: int | None = None) -> Path:
    """``<out_root>/<fy>/.staging/<pid>``: the staging folder of the batch process ``pid``
    (default: this process)."""
    return Path(out_root) / str(fiscal_year) / STAGING_DIR / str(pid or os.getpid())


class Planner:
    """Builds the jobs of a batch; fingerprints shared by all jobs are computed once."""

    def __init__(self, out_root: Path, fiscal_year: int, scenario: str, db_path: str,
                 lang: str | None, formats: tuple[str, ...] | None):
        self.out_root, self.fiscal_year = out_root, fiscal_year
        self.scenario, self.db_path = scenario, db_path
        self.lang, self.formats = lang, formats
        self.packages = fingerprints.package_versions()
        identity, self._digests = fingerprints.database_state(db_path or None)
        self.shared = {
            "library": fingerprints.library_digest(),
            "database": fingerprints.json_digest(identity),
            "packages": fingerprints.json_digest(self.packages),
        }
        self._data: dict[str | None, str] = {}
        self._notebooks: dict[Path, str] = {}
        self._params: dict = {}

    def job(self, spec: ReportSpec, code: str) -> Job:
        """The job of ``spec`` for province ``code`` (``""``: national).

        Raises:
            oneplan.data.params.ParamsError: the province's parameters are invalid.
        """
        if code not in self._params:
            self._params[code] = load_params(code or None, self.scenario or None,
                                             {"fiscal_year": self.fiscal_year})
        params = self._params[code]
        lang = self.lang or params.report.language
        formats = tuple(self.formats or params.report.formats)
        nb = spec.notebook_path
        if nb not in self._notebooks:
            self._notebooks[nb] = fingerprints.file_digest(nb)
        prints = dict(self.shared, notebook=self._notebooks[nb],
                      params=fingerprints.json_digest(params.model_dump(mode="json")),
                      run=fingerprints.json_digest({
                          "lang": lang, "formats": formats, "scenario": self.scenario,
                          "extra": spec.extra, "fiscal_year": self.fiscal_year,
                          "summary": spec.summary_file, "params_file": spec.params_file}))
        whole_country = spec.scope == "national" or spec.after_provinces
        shown = None if whole_country else code
        if shown not in self._data:
            self._data[shown] = fingerprints.data_digest(self._digests, shown)
        prints["data"] = self._data[shown]
        if whole_country:
            prints["inputs"] = fingerprints.summaries_digest(
                self.out_root / str(self.fiscal_year), registry.input_summaries())
        env = {"ONEPLAN_DB": self.db_path or str(default_db_path()),
               "ONEPLAN_PARAMS": str(default_params_dir()),
               "ONEPLAN_REPORTS": str(self.out_root),
               # a server is read as the snapshot of the report's province (or the
               # whole country): oneplan.data.pgstore
               "ONEPLAN_PROVINCE": "" if whole_country else code}
        # a server's URL reaches the kernel through the environment only: a notebook
        # parameter is written into the executed notebook, with its password
        db_param = "" if db.is_server(self.db_path) else self.db_path
        return Job(spec, code, self.fiscal_year, lang, self.scenario, db_param,
                   str(self.out_root), formats, prints, env,
                   str(staging_root(self.out_root, self.fiscal_year)))

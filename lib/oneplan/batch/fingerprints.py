"""Fingerprints of what a report depends on, so the batch can tell an up-to-date report.

A report is up to date when its fingerprint (notebook file, library source, database
identity, the data it shows, resolved parameters, language, formats, extra parameters,
package versions and, for national reports and cookbooks, the province summaries) equals
the manifest's. This module computes the parts: :func:`digest` and its helpers,
:func:`library_digest`, :func:`database_state` (identity and data),
:func:`data_digest`, :func:`package_versions`, :func:`browser_version` and
:func:`summaries_digest`.

The data a province report shows are the province's own rows and the country-wide ones
(:func:`oneplan.data.db.content_digests`); a national report (and a cookbook, which ranks
the provinces) shows everything. So an import into one province redoes that province's
reports and the national ones, and an import that changes nothing redoes nothing: the
database file's size, time or ``meta.last_import_at`` play no part.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any, Iterable

from oneplan.core.paths import LIB_DIR, default_db_path
from oneplan.data import db

PACKAGES = ("oneplan", "pandas", "numpy", "duckdb", "pulp", "highspy", "pydantic",
            "matplotlib", "papermill", "nbclient", "nbconvert", "nbformat", "ipykernel",
            "jupyter_client", "geothai", "pypdf")
"""Packages whose versions go into the manifest (and into every report's fingerprint)."""


def digest(data: bytes | str) -> str:
    """sha256 shortened to 32 base32 characters (a-z, 2-7): hex digests hold long digit
    runs that personal-data scanners read as national IDs."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return base64.b32encode(hashlib.sha256(raw).digest()[:20]).decode("ascii").lower()


def json_digest(obj: Any) -> str:
    """:func:`digest` of ``obj`` as canonical JSON (sorted keys)."""
    return digest(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str))


def file_digest(path: Path) -> str:
    """:func:`digest` of a file's bytes."""
    return digest(path.read_bytes())


def library_digest() -> str:
    """Fingerprint of the library's source (every file under ``lib/oneplan``)."""
    parts = []
    for f in sorted(LIB_DIR.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc":
            parts.append(f"{f.relative_to(LIB_DIR).as_posix()}:{file_digest(f)}")
    return digest("\n".join(parts))


def database_state(db_path: str | Path | None) -> tuple[dict, dict[str, dict[str, str]]]:
    """The database's identity (its path and ``meta`` table, without the keys that only
    say when something was written) and its content digests per province
    (:func:`oneplan.data.db.content_digests`), read in one short read-only connection.

    Raises:
        oneplan.data.db.DatabaseMissingError: the file does not exist.
        oneplan.data.db.DatabaseBusyError: a writer held it longer than the wait.
    """
    if db.is_server(db_path):  # one national snapshot (shared with the batch's reads)
        path = str(db_path or os.environ["ONEPLAN_DB"])
        con = db.connect(path, read_only=True, province="")
        where = db.shown(path)
    else:
        path = Path(db_path) if db_path else default_db_path()
        con = db.connect(path, read_only=True)
        where = str(path.resolve())
    try:
        meta = {k: v for k, v in db.meta(con).items() if k not in db.VOLATILE_META}
        digests = db.content_digests(con)
    finally:
        con.close()
    return {"path": where, "meta": meta}, digests


def data_digest(digests: dict[str, dict[str, str]], province_code: str | None) -> str:
    """Fingerprint of the data a report shows: a province's rows and the country-wide ones
    (``province_code``), or everything (None: national reports and cookbooks)."""
    if province_code is None:
        return json_digest(digests)
    return json_digest({"": digests.get("", {}),
                        province_code: digests.get(province_code, {})})


def package_versions() -> dict[str, str]:
    """Python and :data:`PACKAGES` versions (``"missing"`` when not installed)."""
    import platform
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def browser_version() -> str | None:
    """The PDF browser's version line (``chromium --version``), None without a browser."""
    from oneplan.batch import export

    try:
        browser = export.find_browser()
    except export.PdfExportError:
        return None
    if browser is None:
        return None
    try:
        res = subprocess.run([str(browser), "--version"], capture_output=True, text=True,
                             timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return res.stdout.strip() or None


def summaries_digest(year_dir: Path, names: Iterable[str]) -> str:
    """Fingerprint of the province summaries ``names`` under ``reports/<fy>/<code>/``
    (:func:`oneplan.batch.registry.input_summaries`: what the national reports and the
    cookbooks read)."""
    names = sorted(names)
    parts = []
    if year_dir.is_dir():
        for folder in sorted(p for p in year_dir.iterdir() if p.is_dir()
                             and re.fullmatch(r"\d\d", p.name)):
            for name in names:
                f = folder / name
                if f.exists():
                    parts.append(f"{folder.name}/{name}:{file_digest(f)}")
    return digest("\n".join(parts))

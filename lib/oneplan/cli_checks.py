"""Checks of the ``oneplan`` command's arguments, made before any work starts.

Two kinds, both with one line of Thai / English text from ``core/text/cli.yml``:

* argparse ``type=`` functions (:func:`workers`, :func:`records`, :func:`seed`,
  :func:`months`, :func:`fiscal_year`, :func:`formats`, :func:`province`,
  :func:`planning_province`, :func:`scenario`, :func:`thai_date`) raise
  ``argparse.ArgumentTypeError``, so a bad option stops the command at parse time (exit 2)
  with a message that names the option;
* path checks (:func:`database`, :func:`out_dir`, :func:`rejects_dir`, :func:`input_file`,
  :func:`output_file`, :func:`input_path`) raise :class:`oneplan.core.errors.UserError`
  naming the option and the path, before a database is opened or a file written.
"""

from __future__ import annotations

import argparse
import os
import typing
from datetime import date
from pathlib import Path

from oneplan.core import areas, thai
from oneplan.core.errors import UserError, message
from oneplan.core.paths import default_db_path

MAX_WORKERS = 64
"""Most parallel report workers (each holds a Jupyter kernel and a Chromium)."""
MAX_RECORDS = 10_000_000
"""Most synthetic complaint records ``complaints generate`` draws."""
FISCAL_YEARS = (2500, 2700)
"""Plausible fiscal years, พ.ศ. (2500 = 1957, 2700 = 2157)."""
MAX_SEED = 2**32 - 1
"""Largest random seed (numpy accepts 0 … 2³²−1)."""

_DUCKDB_MAGIC = b"DUCK"   # bytes 8–11 of every DuckDB database file


def report_formats() -> tuple[str, ...]:
    """The formats the batch writes (the ``report.formats`` parameter's allowed values:
    ``html``, ``pdf``); HTML is always written, PDF on request."""
    from oneplan.data.params import ReportParams

    item = typing.get_args(ReportParams.model_fields["formats"].annotation)[0]
    return typing.get_args(item)


# --- argparse types ------------------------------------------------------------------

def _whole_number(value: str) -> int:
    text = thai.thai_digits_to_arabic(str(value)).strip().replace(",", "").replace("_", "")
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(message("core.cli.option.whole_number",
                                                 value=value)) from None


def int_range(low: int, high: int):
    """An argparse type: a whole number (Arabic or Thai digits) from ``low`` to ``high``."""

    def check(value: str) -> int:
        n = _whole_number(value)
        if not low <= n <= high:
            raise argparse.ArgumentTypeError(message("core.cli.option.range", low=low,
                                                     high=f"{high:,}", value=value))
        return n

    check.__name__ = "number"
    return check


workers = int_range(1, MAX_WORKERS)
records = int_range(1, MAX_RECORDS)
seed = int_range(0, MAX_SEED)


def months(value: str) -> int:
    """``--months``: 6 or 12."""
    try:
        n = _whole_number(value)
    except argparse.ArgumentTypeError:
        n = None
    if n not in (6, 12):
        raise argparse.ArgumentTypeError(message("core.cli.option.months", value=value))
    return n


def fiscal_year(value: str) -> int:
    """``--fiscal-year``: a พ.ศ. year in :data:`FISCAL_YEARS` (Thai digits accepted); a
    ค.ศ. year is refused with the พ.ศ. year to give instead."""
    low, high = FISCAL_YEARS
    try:
        n = _whole_number(value)
    except argparse.ArgumentTypeError:
        n = None
    if n is not None and low <= n <= high:
        return n
    if n is not None and low <= n + thai.BE_OFFSET <= high:
        raise argparse.ArgumentTypeError(message("core.cli.option.fiscal_year_ce", value=n,
                                                 be=n + thai.BE_OFFSET))
    raise argparse.ArgumentTypeError(message("core.cli.option.fiscal_year", low=low,
                                             high=high, value=value))


def formats(value: str) -> tuple[str, ...]:
    """``--formats``: a comma-separated subset of :func:`report_formats`, in order, once
    each."""
    known = report_formats()
    items = [f.strip().lower() for f in str(value).split(",") if f.strip()]
    if not items or any(f not in known for f in items):
        raise argparse.ArgumentTypeError(message("core.cli.option.formats",
                                                 known=",".join(known), value=value))
    return tuple(dict.fromkeys(items))


def province(value: str) -> str:
    """``--province``: a DOPA province code (Thai digits accepted) or a province's Thai or
    English name (``สุรินทร์``, ``Surin``), Bangkok included."""
    code = thai.thai_digits_to_arabic(str(value)).strip()
    if not code.isdigit():
        names = {}
        for p in areas.all_provinces():
            names[p.name_th] = names[p.name_en.casefold()] = p.code
        code = names.get(code.removeprefix("จังหวัด").strip(), names.get(code.casefold(), code))
    try:
        return areas.province(code).code
    except areas.UnknownAreaError:
        raise argparse.ArgumentTypeError(message("core.cli.option.province",
                                                 value=value)) from None


def planning_province(value: str) -> str:
    """``--province`` of a command about a provincial plan: one of the 76 provinces;
    Bangkok (10) is refused with the reason (:func:`oneplan.core.areas.planning_province`)."""
    code = province(value)
    try:
        return areas.planning_province(code).code
    except areas.NotAPlanningProvinceError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def scenario(value: str) -> str:
    """``--scenario``: the name of a file in ``params/scenarios/`` (without ``.yml``), never
    a path; ``""`` means none."""
    from oneplan.core.paths import default_params_dir
    from oneplan.data.params import list_scenarios

    name = str(value).strip()
    if not name:
        return ""
    known = list_scenarios()
    if name not in known:
        raise argparse.ArgumentTypeError(message(
            "core.cli.option.scenario", value=value,
            folder=Path(default_params_dir()) / "scenarios", known=", ".join(known) or "-"))
    return name


def thai_date(value: str) -> date:
    """``--on``: a date as people write it (``20/06/2568``, ``20 มิ.ย. 2568``, ISO)."""
    try:
        return thai.parse_thai_date(value)
    except thai.ThaiLocaleError:
        raise argparse.ArgumentTypeError(message("core.cli.option.date", value=value)) from None


def nonempty(value: str) -> str:
    """A text option that must not be blank."""
    if not str(value).strip():
        raise argparse.ArgumentTypeError(message("core.cli.option.empty"))
    return str(value).strip()


# --- paths ---------------------------------------------------------------------------

def _writable_folder(path: Path, option: str) -> None:
    """The nearest existing folder above ``path`` is a folder we may write in."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise UserError(message("core.cli.path.parent_not_dir", option=option,
                                parent=parent, path=path))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(message("core.cli.path.not_writable", option=option, path=parent))


def is_duckdb_file(path: str | Path) -> bool:
    """Whether ``path`` is a file that starts like a DuckDB database (its magic bytes)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    return head[8:12] == _DUCKDB_MAGIC


def _db_option(path: str | Path | None, option: str) -> str:
    """The name to show for the database setting: the option, or ``$ONEPLAN_DB`` when the
    path came from there."""
    return option if path or not os.environ.get("ONEPLAN_DB") else "$ONEPLAN_DB"


def database(path: str | Path | None, *, create: bool = False,
             option: str = "--db") -> Path | str:
    """The central database of ``--db`` (default ``$ONEPLAN_DB`` or
    ``data/oneplan.duckdb``), checked. A file: not a folder, a DuckDB file if it exists,
    and it must exist unless ``create`` (then its folder must exist and be writable).
    A ``postgresql://`` URL (returned as a string): its server must answer a login.

    Raises:
        UserError: a folder, another kind of file, a missing folder, or a server that
            cannot be reached (host, port and database named, never the password).
        oneplan.data.db.DatabaseMissingError: no such file and not ``create``.
    """
    from oneplan.data import db
    from oneplan.data.db import DatabaseMissingError

    if db.is_server(path):
        return db.check_server(str(path or os.environ["ONEPLAN_DB"]))
    option = _db_option(path, option)
    target = Path(path) if path else default_db_path()
    if target.is_dir():
        raise UserError(message("core.cli.path.db_is_dir", option=option, path=target))
    if target.exists():
        if not is_duckdb_file(target):
            raise UserError(message("core.cli.path.db_not_duckdb", option=option, path=target))
        return target
    if not create:
        raise DatabaseMissingError(message("core.cli.path.db_missing", path=target))
    _parent_folder(target, option)
    _writable_folder(target, option)
    return target


def build_target(path: str | Path | None, option: str = "--db") -> Path:
    """Where ``build-sample`` writes: a new file, or an existing DuckDB file it replaces
    (never another kind of file)."""
    option = _db_option(path, option)
    target = Path(path) if path else default_db_path()
    if target.is_dir():
        raise UserError(message("core.cli.path.db_is_dir", option=option, path=target))
    if target.exists() and not is_duckdb_file(target):
        raise UserError(message("core.cli.path.db_no_overwrite", option=option, path=target))
    if not target.exists():
        return database(target, create=True, option=option)
    return target


def out_dir(path: str | Path | None, option: str = "--out") -> Path | None:
    """A folder to write into: not an existing file, and no file where a parent folder is
    expected; a missing folder is fine (the writers create it)."""
    if path is None or str(path) == "":
        return None
    target = Path(path)
    if target.exists():
        if not target.is_dir():
            raise UserError(message("core.cli.path.dir_is_file", option=option, path=target))
        if not os.access(target, os.W_OK | os.X_OK):
            raise UserError(message("core.cli.path.not_writable", option=option, path=target))
        return target
    _writable_folder(target, option)
    return target


def rejects_dir(path: str | Path | None, option: str = "--rejects") -> Path | None:
    """The folder for rejects files: an existing folder, or a new one in an existing folder
    (created now, so no rejected row can be left with nowhere to go)."""
    if path is None or str(path) == "":
        return None
    target = Path(path)
    if target.exists():
        return out_dir(target, option)
    _parent_folder(target, option)
    _writable_folder(target, option)
    target.mkdir()
    return target


def _parent_folder(target: Path, option: str) -> None:
    """``target``'s parent is an existing folder, or a UserError says what it is."""
    if not target.parent.is_dir():
        key = "parent_not_dir" if target.parent.exists() else "parent_missing"
        raise UserError(message(f"core.cli.path.{key}", option=option,
                                parent=target.parent, path=target))


def input_file(path: str | Path | None, option: str) -> Path | None:
    """A file to read: it exists and is not a folder."""
    target = input_path(path, option)
    if target is not None and target.is_dir():
        raise UserError(message("core.cli.path.file_is_dir", option=option, path=target))
    return target


def output_file(path: str | Path | None, option: str) -> Path | None:
    """A file to write: not a folder, in an existing folder."""
    if path is None:
        return None
    target = Path(path)
    if target.is_dir():
        raise UserError(message("core.cli.path.file_is_dir", option=option, path=target))
    _parent_folder(target, option)
    _writable_folder(target, option)
    return target


def input_path(path: str | Path | None, option: str) -> Path | None:
    """A file or a folder to read: it exists."""
    if path is None:
        return None
    target = Path(path)
    if not target.exists():
        raise UserError(message("core.cli.path.missing", option=option, path=target))
    return target

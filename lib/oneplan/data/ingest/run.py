"""One import run: the paths checked first (missing files, empty folders, an unusable
rejects folder stop the run before anything is imported), files and folders read, each
file checked and loaded in one transaction (needs before proposals before progress), the
rejects files written.

Every row of every file is accounted for: ``rows in the file = accepted + rejected +
skipped`` (skipped with a reason: title and header rows, blank rows, continuation lines
of a CSV cell with line breaks, rows of sheets not read), per sheet and per file
(:class:`FileResult`); the summary (:mod:`~oneplan.data.ingest.summary`) prints it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from oneplan.core import areas
from oneplan.data import audit, db
from oneplan.data.ingest.check import (
    References,
    Row,
    RowChecker,
    header_warnings,
    mark_duplicates,
)
from oneplan.data.ingest.errors import ImportPathError, RejectsDirError
from oneplan.data.ingest.load import SheetResult, load_rows
from oneplan.data.ingest.messages import Message, message
from oneplan.data.ingest.parse import CellError, province_code_of
from oneplan.data.ingest.provinces import ProvinceScope
from oneplan.data.ingest.read import (
    CSV_SUFFIXES,
    HEADER_SEARCH_ROWS,
    MIN_HEADER_MATCHES,
    XLSX_SUFFIXES,
    Grid,
    Header,
    ImportFileError,
    detect_header,
    read_grids,
)
from oneplan.data.ingest.rejects import rejects_path, write_rejects
from oneplan.data.ingest.sheets import SkippedSheet, template_sheet
from oneplan.data.templates import KINDS, Kind

log = logging.getLogger(__name__)


@dataclass
class FileResult:
    """What happened to one input file, every row of it accounted for:
    ``lines == accepted + rejected + skipped`` (see :meth:`skipped_by_reason`)."""

    path: Path
    sheets: list[SheetResult] = field(default_factory=list)
    rejects_path: Path | None = None
    error: ImportFileError | None = None
    skipped: list[SkippedSheet] = field(default_factory=list)   # sheets not read, and why
    lines: int | None = None        # rows in the file (CSV: physical lines); None: unread
    unit: str = "row"               # "line" for a CSV file, "row" for a workbook
    province: str | None = None     # the province of the file (None: several, or unknown)

    def total(self, attr: str) -> int:
        """The sum of a count (``read``, ``accepted``, ``rejected`` …) over the sheets."""
        return sum(getattr(s, attr) for s in self.sheets)

    @property
    def skipped_sheets(self) -> list[str]:
        """Sheets holding values but no header row (not read)."""
        return [s.name for s in self.skipped if s.reason == "no_header"]

    @property
    def hidden_sheets(self) -> list[str]:
        """Sheets hidden in Excel (not read)."""
        return [s.name for s in self.skipped if s.reason == "hidden"]

    def skipped_by_reason(self) -> dict[str, int]:
        """Rows of the file not read as data, by reason (``title``, ``header``,
        ``blank``, ``continuation``, ``sheet``)."""
        out: dict[str, int] = {}
        for s in self.sheets:
            for reason, n in s.skipped.items():
                out[reason] = out.get(reason, 0) + n
        rows = sum(s.rows for s in self.skipped)
        if rows:
            out["sheet"] = rows
        return out

    @property
    def skipped_rows(self) -> int:
        """Rows of the file not read as data (every one with a reason)."""
        return sum(self.skipped_by_reason().values())


@dataclass
class PreparedFile:
    """A file read and its data sheets found, not yet checked or loaded."""

    path: Path
    sheets: list[tuple[Grid, Header]]
    skipped: list[SkippedSheet]
    lines: int = 0
    unit: str = "row"


def prepare(path: Path, kind_name: str | None) -> PreparedFile:
    """Read ``path`` and find the header of each data sheet (sheets in load order); every
    other sheet is named with its reason (:mod:`~oneplan.data.ingest.sheets`).

    Raises:
        ImportFileError: the file cannot be read, or no sheet holds data.
    """
    grids = read_grids(path)
    sheets, skipped = [], []
    for g in grids:
        reason = template_sheet(g) if g.sheet is not None else None
        if reason is None and g.hidden:
            reason = "hidden"
        h = None
        if reason is None:
            h = detect_header(g, kind_name, file=path.name)
            if h is None:
                reason = "no_header" if any(any(c is not None for c in cells)
                                            for _, cells in g.rows) else "empty"
        if reason is not None:
            if g.sheet is not None:
                skipped.append(SkippedSheet(g.sheet, reason, g.lines))
            continue
        sheets.append((g, h))
    if not sheets:
        if all(s.reason in ("no_header", "empty") for s in skipped):
            expected = "; ".join(f"{k.name}: " + ", ".join(c.th for c in k.columns
                                                           if c.required)
                                 for k in ([KINDS[kind_name]] if kind_name
                                           else KINDS.values()))
            raise ImportFileError(path.name, *message(
                "data.ingest.file.no_header", rows=HEADER_SEARCH_ROWS,
                least=MIN_HEADER_MATCHES, expected=expected))
        listed = [(s.name, s.why) for s in skipped]
        raise ImportFileError(path.name, *message(
            "data.ingest.file.no_data_sheet",
            sheets=Message("; ".join(f'"{n}" ({w.th})' for n, w in listed),
                           "; ".join(f'"{n}" ({w.en})' for n, w in listed))))
    sheets.sort(key=lambda gh: list(KINDS).index(gh[1].kind.name))
    return PreparedFile(path, sheets, skipped, sum(g.lines for g in grids),
                        "line" if path.suffix.lower() in CSV_SUFFIXES else "row")


def import_file(con, refs: References, prep: PreparedFile | Path, *, kind: str | None = None,
                rejects_dir: str | Path | None = None, scope: ProvinceScope | None = None
                ) -> FileResult:
    """Import one file (a path, or a file already read by :func:`prepare`) into the open
    database ``con``, in one transaction.

    Args:
        scope: the province rule of the file (default: one province, told by its rows).

    Returns:
        The file's result (counts per sheet, problems, rejects file). File-level errors
        are in ``result.error`` (nothing loaded).

    Raises:
        AssertionError: the counts do not add up (a bug: rows would have been lost).
    """
    if not isinstance(prep, PreparedFile):
        try:
            prep = prepare(Path(prep), kind)
        except ImportFileError as exc:
            return FileResult(Path(prep), error=exc)
    scope = scope or ProvinceScope()
    path = prep.path
    result = FileResult(path, skipped=prep.skipped, lines=prep.lines, unit=prep.unit)
    rejected: list[tuple[Kind, list[Row]]] = []
    new_projects: dict[str, str] = {}
    new_needs: dict[str, str] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for grid, header in prep.sheets:
            sr = SheetResult(path.name, grid.sheet, header.kind.name)
            sr.warnings = header_warnings(header)
            checker = RowChecker(path.name, grid, header, refs)
            rows = checker.rows()
            mark_duplicates(checker, rows)
            scope.check(checker, rows, refs)
            for letter, first in checker.headless.items():
                sr.warnings.append(message("data.ingest.warning.headless_column",
                                           column=letter, first=first))
            sr.read = len(rows)
            sr.lines, sr.skipped = grid.lines, checker.skipped
            good = [r for r in rows if not r.problems]
            bad = [r for r in rows if r.problems]
            written = {c.code for c in header.columns.values()}
            load_rows(con, header.kind, good, written, path.name, sr)
            repeats = []
            for r in good:
                seen = refs.run_keys.get((header.kind.name, r.key))
                if seen and seen[0] != path.name:
                    repeats.append((r, seen))
                refs.run_keys[(header.kind.name, r.key)] = (path.name, r.number)
            if repeats:
                shown = ", ".join(f"{'/'.join(map(str, r.key))} ({f} {n})"
                                  for r, (f, n) in repeats[:5])
                more = f" …+{len(repeats) - 5}" if len(repeats) > 5 else ""
                sr.warnings.append(message("data.ingest.warning.repeated_keys",
                                           count=len(repeats), shown=shown, more=more))
            sr.rejected = len(bad)
            sr.problems = [p for r in bad for p in r.problems]
            if sr.read != sr.accepted + sr.rejected or (
                    sr.lines != sr.read + sum(sr.skipped.values())):
                raise AssertionError(f"{path.name} {grid.sheet}: {sr.lines} rows = read "
                                     f"{sr.read} (accepted {sr.accepted} + rejected "
                                     f"{sr.rejected}) + skipped {sr.skipped}")
            if bad:
                merged = next((rs for k, rs in rejected if k is header.kind), None)
                if merged is None:
                    rejected.append((header.kind, bad))
                else:
                    merged.extend(bad)
            result.sheets.append(sr)
            # later sheets and files of the same run may cite what this one brought in
            if header.kind.name == "proposals":
                new_projects.update({r.values["project_id"]: r.values["province_code"]
                                     for r in good if r.values["project_id"]
                                     not in refs.project_province})
                refs.project_province.update(new_projects)
                refs.projects.update(new_projects)
            elif header.kind.name == "needs":
                new_needs.update({r.values["need_id"]: r.values["province_code"]
                                  for r in good if r.values["need_id"]
                                  not in refs.need_province})
                refs.need_province.update(new_needs)
                refs.needs.update(new_needs)
        record_import(con, result, scope)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        # nothing of this file is in the database
        for pid in new_projects:
            refs.projects.discard(pid)
            refs.project_province.pop(pid, None)
        for nid in new_needs:
            refs.needs.discard(nid)
            refs.need_province.pop(nid, None)
        raise
    result.province = scope.province if not scope.multi else None
    if result.lines != (result.total("accepted") + result.total("rejected")
                        + result.skipped_rows):
        raise AssertionError(f"{path.name}: {result.lines} rows in the file != accepted + "
                             f"rejected + skipped {result.skipped_by_reason()}")
    if rejected:
        result.rejects_path = write_rejects(rejects_path(path, rejects_dir), rejected)
    return result


def record_import(con, result: FileResult, scope: ProvinceScope | None = None) -> str:
    """The audit row of one import file (:func:`oneplan.data.audit.record`), on ``con``
    inside the file's transaction: its name and sha256, its province, rows read, accepted,
    rejected and changed (inserted or updated; 0 for an identical re-import); a file
    that could not be read or loaded says so in the detail (not the message, which may
    quote a cell)."""
    province = None
    if scope is not None and not scope.multi:
        province = scope.province
    detail: dict = {"kinds": [s.kind for s in result.sheets],
                    "inserted": result.total("inserted"), "updated": result.total("updated"),
                    "unchanged": result.total("unchanged"), "skipped": result.skipped_rows}
    if result.error is not None:
        detail = {"not_loaded": True}
    return audit.record(
        con, action="import", province_code=province, file=result.path,
        rows_read=result.total("read"), rows_accepted=result.total("accepted"),
        rows_rejected=result.total("rejected"),
        rows_changed=result.total("inserted") + result.total("updated"), detail=detail)


def check_rejects_dir(rejects_dir: str | Path | None) -> Path | None:
    """The folder for the rejects files, created when its parent exists; checked before
    any file is imported so that no rejected row is ever written nowhere.

    Raises:
        RejectsDirError: it is a file, its parent folder is missing, or it cannot be
            written into.
    """
    if rejects_dir is None:
        return None
    folder = Path(rejects_dir)
    if folder.exists() and not folder.is_dir():
        raise RejectsDirError(*message("data.ingest.path.rejects_is_file", path=folder))
    if not folder.exists():
        parent = folder.absolute().parent
        if not parent.is_dir():
            raise RejectsDirError(*message("data.ingest.path.rejects_parent_missing",
                                           path=folder, parent=parent))
        try:
            folder.mkdir()
        except OSError as exc:
            raise RejectsDirError(*message("data.ingest.path.rejects_not_writable",
                                           path=folder, error=exc.strerror or exc)) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise RejectsDirError(*message("data.ingest.path.rejects_not_writable", path=folder,
                                       error="permission denied"))
    return folder


IMPORT_TABLES = ("areas", "agencies", "strategic_issues", "water_projects", "proposals",
                 "needs", "need_stages", "progress")
"""What an import reads on a server (:class:`References` and the loaders): a province
office's write workspace fills only these (the audit row it adds needs no reading)."""


def import_files(paths: list[str | Path], db_path: str | Path | None = None, *,
                 kind: str | None = None, rejects_dir: str | Path | None = None,
                 province: str | None = None, multi_province: bool = False
                 ) -> list[FileResult]:
    """Import files into the central database; needs before proposals before progress.

    Args:
        paths: XLSX or CSV files, or folders of them.
        db_path: the database (default ``$ONEPLAN_DB`` or ``data/oneplan.duckdb``); it must
            exist (``oneplan build-sample`` or a real build).
        kind: ``needs``, ``proposals`` or ``progress`` to skip detection from headers.
        rejects_dir: folder for the rejects files (default: beside each input); created
            when its parent exists.
        province: the province every file is of (code or name); default: each file's is
            the province most of its rows are in (:mod:`~oneplan.data.ingest.provinces`).
        multi_province: the files hold several provinces by design (a national file):
            rows are not checked against one province of the file.

    Returns:
        One result per file, in the order the files were loaded.

    Raises:
        ImportPathError: a path is missing, or a folder without files to import.
        RejectsDirError: ``rejects_dir`` cannot be used.
        db.DatabaseMissingError: the database file does not exist.
        oneplan.core.errors.UserError: ``province`` is unknown, or given with
            ``multi_province``.
    """
    from oneplan.core.paths import default_db_path

    files = expand_paths(paths)
    rejects = check_rejects_dir(rejects_dir)
    fixed = _province_option(province, multi_province)
    if db.is_server(db_path):  # a workspace of the province (or the whole country)
        con = db.connect(db_path, read_only=False, province=fixed or "",
                         tables=IMPORT_TABLES)
    else:
        target = Path(db_path) if db_path else default_db_path()
        if not target.exists():
            raise db.DatabaseMissingError(
                f"central database {target} does not exist; build it with "
                f"`oneplan build-sample --db {target}`")
        con = db.connect(target, read_only=False)
    try:
        con.execute(db.schema_sql())   # tables added after the file was built
        refs = References(con)
        order = {name: i for i, name in enumerate(KINDS)}
        failed, prepared = [], []
        for p in files:
            try:
                prepared.append(prepare(p, kind))
            except ImportFileError as exc:
                failed.append(FileResult(p, error=exc))
        # needs before the proposals that cite them, proposals before their progress
        prepared.sort(key=lambda pr: min(order[h.kind.name] for _, h in pr.sheets))
        results = failed
        for pr in prepared:
            try:
                results.append(import_file(con, refs, pr, rejects_dir=rejects,
                                           scope=ProvinceScope(fixed, multi=multi_province)))
            except duckdb.Error as exc:   # rolled back: nothing of this file is loaded
                log.exception("loading %s failed", pr.path)
                results.append(FileResult(pr.path, error=ImportFileError(
                    pr.path.name, *message("data.ingest.file.db_refused", error=exc))))
        for fr in results:   # a file not loaded has its audit row too
            # (a loaded file's was written inside its transaction)
            if fr.error is not None:
                record_import(con, fr, ProvinceScope(fixed, multi=multi_province))
        # only an import that wrote something (reports do not depend on it: see
        # oneplan.data.db.content_digests)
        # (on a server the audit trail says when; offices may not write meta)
        wrote = any(s.inserted or s.updated for fr in results for s in fr.sheets)
        if wrote and not db.is_workspace(con):
            con.execute("INSERT OR REPLACE INTO meta VALUES ('last_import_at', ?)",
                        [datetime.now(timezone.utc).isoformat(timespec="seconds")])
        db.commit(con)
    finally:
        con.close()
    return results


def _province_option(province: str | None, multi: bool) -> str | None:
    """The code of the ``--province`` option (given by code or name).

    Raises:
        ImportPathError: unknown, or given together with ``multi``.
    """
    if province is None:
        return None
    try:
        code = province_code_of(str(province))
        areas.province(code)
    except (CellError, areas.UnknownAreaError):
        raise ImportPathError(*message("data.ingest.path.unknown_province",
                                       value=province)) from None
    if multi:
        raise ImportPathError(*message("data.ingest.path.province_and_multi"))
    return code


_IMPORTABLE = XLSX_SUFFIXES + CSV_SUFFIXES


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files to import: each path, and for a folder its ``.xlsx``/``.csv`` files (sorted;
    ``*.rejected.xlsx``, Excel's ``~$`` lock files and sub-folders left out — import a
    rejects file by naming it).

    Returns:
        The file paths, in order.

    Raises:
        ImportPathError: a path does not exist, or is a folder (whatever its name, even
            ``x.xlsx``) without a file to import; checked before anything is imported.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir()
                           if f.suffix.lower() in _IMPORTABLE and not f.name.startswith("~$")
                           and not f.stem.endswith(".rejected") and f.is_file())
            if not found:
                raise ImportPathError(*message("data.ingest.path.empty_folder", path=p))
            out += found
        elif p.exists():
            out.append(p)
        else:
            raise ImportPathError(*message("data.ingest.path.missing", path=p))
    return out

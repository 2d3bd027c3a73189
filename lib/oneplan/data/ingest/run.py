"""One import run: files and folders read, each file checked and loaded in one
transaction (needs before proposals before progress), the rejects files written, and the
summary a user reads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from oneplan.core.text import LANGS, check_lang
from oneplan.data import db
from oneplan.data.ingest.check import (
    References,
    Row,
    RowChecker,
    header_warnings,
    mark_duplicates,
)
from oneplan.data.ingest.load import SheetResult, load_rows
from oneplan.data.ingest.messages import Message, message
from oneplan.data.ingest.read import (
    HEADER_SEARCH_ROWS,
    MIN_HEADER_MATCHES,
    Grid,
    Header,
    ImportFileError,
    detect_header,
    read_grids,
)
from oneplan.data.ingest.rejects import PROBLEMS_SHEET, rejects_path, write_rejects
from oneplan.data.templates import (
    INSTRUCTIONS_SHEET,
    KINDS,
    LISTS_SHEET,
    REFERENCE_SHEETS,
    Kind,
)

log = logging.getLogger(__name__)


@dataclass
class FileResult:
    """What happened to one input file."""

    path: Path
    sheets: list[SheetResult] = field(default_factory=list)
    rejects_path: Path | None = None
    error: ImportFileError | None = None
    skipped_sheets: list[str] = field(default_factory=list)   # no header row found
    hidden_sheets: list[str] = field(default_factory=list)    # hidden in Excel: not read

    def total(self, attr: str) -> int:
        """The sum of a count (``read``, ``accepted``, ``rejected`` …) over the sheets."""
        return sum(getattr(s, attr) for s in self.sheets)


_NOT_DATA_SHEETS = {INSTRUCTIONS_SHEET, PROBLEMS_SHEET, *REFERENCE_SHEETS}


@dataclass
class PreparedFile:
    """A file read and its data sheets found, not yet checked or loaded."""

    path: Path
    sheets: list[tuple[Grid, Header]]
    skipped: list[str]
    hidden: list[str]


def prepare(path: Path, kind_name: str | None) -> PreparedFile:
    """Read ``path`` and find the header of each data sheet (sheets in load order).

    Raises:
        ImportFileError: the file cannot be read, or no sheet has a header row.
    """
    grids = read_grids(path)
    sheets, skipped, hidden = [], [], []
    for g in grids:
        # the template's own instructions and the rejects file's problem list are not data
        if g.sheet in _NOT_DATA_SHEETS:
            continue
        if g.hidden:
            if g.sheet != LISTS_SHEET:   # the templates' own drop-down lists
                hidden.append(g.sheet)
            continue
        h = detect_header(g, kind_name, file=path.name)
        if h is None:
            if g.sheet is not None and g.rows:
                skipped.append(g.sheet)
            continue
        sheets.append((g, h))
    if not sheets:
        expected = "; ".join(f"{k.name}: " + ", ".join(c.th for c in k.columns if c.required)
                             for k in ([KINDS[kind_name]] if kind_name else KINDS.values()))
        raise ImportFileError(path.name, *message(
            "data.ingest.file.no_header", rows=HEADER_SEARCH_ROWS, least=MIN_HEADER_MATCHES,
            expected=expected))
    sheets.sort(key=lambda gh: list(KINDS).index(gh[1].kind.name))
    return PreparedFile(path, sheets, skipped, hidden)


def import_file(con, refs: References, prep: PreparedFile | Path, *, kind: str | None = None,
                rejects_dir: str | Path | None = None) -> FileResult:
    """Import one file (a path, or a file already read by :func:`prepare`) into the open
    database ``con``, in one transaction.

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
    path = prep.path
    result = FileResult(path)
    result.skipped_sheets, result.hidden_sheets = prep.skipped, prep.hidden
    rejected: list[tuple[Kind, list[Row]]] = []
    new_projects: set[str] = set()
    new_needs: set[str] = set()
    con.execute("BEGIN TRANSACTION")
    try:
        for grid, header in prep.sheets:
            sr = SheetResult(path.name, grid.sheet, header.kind.name)
            sr.warnings = header_warnings(header)
            checker = RowChecker(path.name, grid, header, refs)
            rows = checker.rows()
            mark_duplicates(checker, rows)
            for letter, first in checker.headless.items():
                sr.warnings.append(message("data.ingest.warning.headless_column",
                                           column=letter, first=first))
            sr.read = len(rows)
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
            if sr.read != sr.accepted + sr.rejected:
                raise AssertionError(f"{path.name} {grid.sheet}: read {sr.read} != accepted "
                                     f"{sr.accepted} + rejected {sr.rejected}")
            if bad:
                merged = next((rs for k, rs in rejected if k is header.kind), None)
                if merged is None:
                    rejected.append((header.kind, bad))
                else:
                    merged.extend(bad)
            result.sheets.append(sr)
            # later sheets and files of the same run may cite what this one brought in
            if header.kind.name == "proposals":
                new_projects.update({r.values["project_id"] for r in good} - refs.projects)
                refs.projects.update(new_projects)
            elif header.kind.name == "needs":
                new_needs.update({r.values["need_id"] for r in good} - refs.needs)
                refs.needs.update(new_needs)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        refs.projects -= new_projects   # nothing of this file is in the database
        refs.needs -= new_needs
        raise
    if rejected:
        result.rejects_path = write_rejects(rejects_path(path, rejects_dir), rejected)
    return result


def import_files(paths: list[str | Path], db_path: str | Path | None = None, *,
                 kind: str | None = None, rejects_dir: str | Path | None = None
                 ) -> list[FileResult]:
    """Import files into the central database; needs before proposals before progress.

    Args:
        paths: XLSX or CSV files.
        db_path: the database (default ``$ONEPLAN_DB`` or ``data/oneplan.duckdb``); it must
            exist (``oneplan build-sample`` or a real build).
        kind: ``needs``, ``proposals`` or ``progress`` to skip detection from headers.
        rejects_dir: folder for the rejects files (default: beside each input).

    Returns:
        One result per file, in the order the files were loaded.

    Raises:
        db.DatabaseMissingError: the database file does not exist.
    """
    from oneplan.core.paths import default_db_path

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
        for p in expand_paths(paths):
            try:
                prepared.append(prepare(p, kind))
            except ImportFileError as exc:
                failed.append(FileResult(p, error=exc))
        # needs before the proposals that cite them, proposals before their progress
        prepared.sort(key=lambda pr: min(order[h.kind.name] for _, h in pr.sheets))
        results = failed
        for pr in prepared:
            try:
                results.append(import_file(con, refs, pr, rejects_dir=rejects_dir))
            except duckdb.Error as exc:   # rolled back: nothing of this file is loaded
                log.exception("loading %s failed", pr.path)
                results.append(FileResult(pr.path, error=ImportFileError(
                    pr.path.name, *message("data.ingest.file.db_refused", error=exc))))
        # only an import that wrote something (reports do not depend on it: see
        # oneplan.data.db.content_digests)
        if any(s.inserted or s.updated for fr in results for s in fr.sheets):
            con.execute("INSERT OR REPLACE INTO meta VALUES ('last_import_at', ?)",
                        [datetime.now(timezone.utc).isoformat(timespec="seconds")])
    finally:
        con.close()
    return results


_IMPORTABLE = (".xlsx", ".xlsm", ".csv", ".tsv", ".txt")


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files to import: each path, and for a folder its ``.xlsx``/``.csv`` files (sorted;
    ``*.rejected.xlsx`` and Excel's ``~$`` lock files left out — import a rejects file by
    naming it).

    Returns:
        The file paths, in order.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir()
                          if f.suffix.lower() in _IMPORTABLE and not f.name.startswith("~$")
                          and not f.stem.endswith(".rejected"))
        else:
            out.append(p)
    return out


def summary_lines(results: list[FileResult], lang: str = "both") -> list[str]:
    """Human summary: per file and sheet, rows read / accepted (new, updated, unchanged) /
    rejected, warnings, problems and the rejects file.

    Args:
        lang: ``"th"``, ``"en"`` or ``"both"`` (each Thai line followed by its English one).

    Returns:
        The lines, without line ends.

    Raises:
        AssertionError: a sheet's counts do not add up (rows read != accepted + rejected).
    """
    lines = _summary_both(results)
    if lang == "both":
        return lines
    # _summary_both alternates Thai and English lines
    return lines[LANGS.index(check_lang(lang))::2]


def _indented(m: Message) -> list[str]:
    return [f"  {m.th}", f"  {m.en}"]


def _summary_both(results: list[FileResult]) -> list[str]:
    lines = []
    for fr in results:
        if fr.error:
            lines.append(f"✗ {fr.error.file}: {fr.error.th}")
            lines.append(f"  {fr.error.file}: {fr.error.en}")
            continue
        for s in fr.sheets:
            where = f"{s.file}" + (f" [{s.sheet}]" if s.sheet else "")
            if s.read != s.accepted + s.rejected:   # never: rows would have been lost
                raise AssertionError(f"{where}: read {s.read} != accepted {s.accepted} + "
                                     f"rejected {s.rejected}")
            counts = message("data.ingest.summary.counts", read=s.read, accepted=s.accepted,
                             inserted=s.inserted, updated=s.updated, unchanged=s.unchanged,
                             rejected=s.rejected)
            lines.append(f"{'✓' if not s.rejected else '!'} {where} ({s.kind}): {counts.th}")
            lines.append(f"  {counts.en}")
            for th, en in s.warnings:
                lines += _indented(message("data.ingest.summary.warning",
                                           warning=Message(th, en)))
            for p in s.problems[:20]:
                lines.append(f"  - {p.text('th')}")
                lines.append(f"    {p.text('en')}")
            if len(s.problems) > 20:
                lines += _indented(message("data.ingest.summary.more_problems",
                                           count=len(s.problems) - 20))
        for name in fr.hidden_sheets:
            lines += _indented(message("data.ingest.summary.hidden_sheet", sheet=name))
        for name in fr.skipped_sheets:
            lines += _indented(message("data.ingest.summary.skipped_sheet", sheet=name))
        if fr.rejects_path:
            lines += _indented(message("data.ingest.summary.rejects_file",
                                       path=fr.rejects_path))
    return lines

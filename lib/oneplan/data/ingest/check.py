"""Checking the rows of one sheet: every cell parsed by its column's type, codes and ids
looked up in the database (:class:`References`), the rules between the columns of a row
(a village inside its district, a merged need with its link, …) and keys repeated within
the file. A row with any :class:`Problem` is rejected whole; nothing is dropped silently:
every row of the sheet is a data row (accepted or rejected) or counted as skipped with
its reason (:attr:`RowChecker.skipped`: title rows, header rows, blank rows, continuation
lines of a CSV cell with line breaks).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from oneplan.core import areas, vocab
from oneplan.core import text as catalogue
from oneplan.data.ingest.messages import Message, message
from oneplan.data.ingest.parse import (
    PARSERS,
    CellError,
    cell_text,
    digits_text,
    province_code_of,
)
from oneplan.data.ingest.read import Grid, Header, is_blank, is_header_row
from oneplan.data.ingest.xlsx import CellFault


@dataclass
class Problem:
    """Why one cell (or row) was rejected."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None          # column letter as the spreadsheet shows it
    header: str | None          # the header of that column (in the file, or the template's)
    code: str                   # error type, e.g. village_unknown
    value: object
    th: str
    en: str
    field: str | None = None    # the template column code (None for row-level problems)

    def where(self, lang: str = "en") -> str:
        """``file, sheet "x", row 7, column C "header"`` in Thai or English."""
        parts = [self.file]
        if self.sheet:
            parts.append(catalogue.text("data.ingest.where.sheet", lang, sheet=self.sheet))
        if self.row:
            parts.append(catalogue.text("data.ingest.where.row", lang, row=self.row))
        if self.column or self.header:
            col = catalogue.text("data.ingest.where.column", lang) + (
                f" {self.column}" if self.column else "")
            parts.append(col + (f' "{self.header}"' if self.header else ""))
        return ", ".join(parts)

    def text(self, lang: str = "en") -> str:
        """Location and message, e.g. ``f.csv, row 5, column D "Village code": ...``."""
        return f"{self.where(lang)}: {getattr(self, catalogue.check_lang(lang))}"


def column_letter(j: int) -> str:
    """The spreadsheet letter of cell index ``j`` (0 → ``A``)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


class References:
    """Codes and ids the rows are checked against (loaded once per import run)."""

    def __init__(self, con):
        """Read the areas, agencies, strategic issues, projects and needs of ``con``."""
        # a province office's server workspace holds its own province's villages only
        # (oneplan.data.pgstore): another province's village is refused by the province
        # rule (other_province), not called unknown here
        self.villages_of: str | None = getattr(con, "villages_of", None)
        self.villages = {r[0] for r in con.execute(
            "SELECT code FROM areas WHERE level = 'village'").fetchall()}
        self.area_names = dict(con.execute(
            "SELECT code, name_th FROM areas WHERE level <> 'village'").fetchall())
        self.levels = dict(con.execute(
            "SELECT code, level FROM areas WHERE level <> 'village'").fetchall())
        self.moo_by_sub: dict[str, list[int]] = {}
        for code in self.villages:
            self.moo_by_sub.setdefault(code[:6], []).append(int(code[6:]))
        self._close: dict[str, list[str]] = {}
        self.agencies: dict[str, tuple[str, str | None]] = {}   # norm name/id -> (id, prov)
        self.agency_ids: dict[str, str | None] = {}
        for aid, th, en, prov in con.execute(
                "SELECT agency_id, name_th, name_en, province_code FROM agencies").fetchall():
            self.agency_ids[aid] = prov
            for key in (aid, th, en):
                if key:
                    self.agencies.setdefault(vocab.term_key(key), (aid, prov))
        self.strategies: dict[str, set[int]] = {}
        for prov, no in con.execute(
                "SELECT province_code, issue_no FROM strategic_issues").fetchall():
            self.strategies.setdefault(prov, set()).add(int(no))
        # the province each project and need is in (a file of one province cannot move them)
        self.project_province: dict[str, str] = dict(con.execute(
            "SELECT project_id, province_code FROM water_projects UNION ALL "
            "SELECT project_id, province_code FROM proposals").fetchall())
        self.projects = set(self.project_province)
        self.need_province: dict[str, str] = dict(con.execute(
            "SELECT need_id, province_code FROM needs").fetchall())
        self.needs = set(self.need_province)
        # keys loaded by this run: (kind, key) -> (file, row); two files of one import that
        # carry the same key overwrite each other, which the user should hear about
        self.run_keys: dict[tuple, tuple[str, int]] = {}

    def village(self, code: str) -> None:
        """Check that village ``code`` exists.

        Raises:
            CellError: it does not; the message says what its sub-district has.
        """
        if code in self.villages:
            return
        if self.villages_of and code[:2] != self.villages_of:
            return   # not known here: the province rule refuses the row
        sub = code[:6]
        if self.levels.get(sub) != "subdistrict":
            raise CellError("village_unknown", "data.ingest.reference.no_subdistrict",
                            code=code, sub=sub)
        moos = sorted(self.moo_by_sub.get(sub, []))
        have = (message("data.ingest.reference.has_moos", last=moos[-1]) if moos
                else message("data.ingest.reference.no_villages"))
        raise CellError("village_unknown", "data.ingest.reference.no_moo", code=code, sub=sub,
                        name=Message(self.area_names[sub], ""), moo=int(code[6:]), have=have)

    def area(self, code: str, level: str) -> None:
        """Check that ``code`` is an area of ``level`` (``district`` or ``subdistrict``).

        Raises:
            CellError: it is not.
        """
        if self.levels.get(code) != level:
            raise CellError(f"{level}_unknown", f"data.ingest.reference.{level}_unknown",
                            code=code)

    def agency(self, name: str) -> tuple[str, str | None]:
        """The agency id and province of an agency given by id or exact name.

        Raises:
            CellError: no such agency; the message suggests a close id.
        """
        hit = self.agencies.get(vocab.term_key(name))
        if hit:
            return hit
        if name not in self._close:   # many rows often repeat one misspelt agency
            self._close[name] = difflib.get_close_matches(name, list(self.agency_ids), n=1,
                                                          cutoff=0.7)
        close = self._close[name]
        hint = (message("data.ingest.reference.did_you_mean", name=close[0]) if close
                else Message("", ""))
        raise CellError("agency_unknown", "data.ingest.reference.agency_unknown", agency=name,
                        hint=hint)

    def strategy(self, province_code: str, no: int) -> None:
        """Check that the province has strategic issue ``no``.

        Raises:
            CellError: it has not; the message lists the issues it has.
        """
        have = sorted(self.strategies.get(province_code, ()))
        if no in have:
            return
        raise CellError("strategy_unknown", "data.ingest.reference.strategy_unknown",
                        province=Message(areas.province(province_code).name_th,
                                         province_code),
                        no=no, listed=", ".join(map(str, have)) or "-")

    def project(self, pid: str) -> None:
        """Check that project ``pid`` is a proposal or water project already.

        Raises:
            CellError: it is not.
        """
        if pid not in self.projects:
            raise CellError("project_unknown", "data.ingest.reference.project_unknown",
                            project=pid)

    def need(self, nid: str) -> None:
        """Check that need ``nid`` exists.

        Raises:
            CellError: it does not.
        """
        if nid not in self.needs:
            raise CellError("need_unknown", "data.ingest.reference.need_unknown", need=nid)


@dataclass
class Row:
    """One data row of a sheet: the cells as typed, the parsed values, its problems."""

    sheet: str | None
    number: int
    raw: dict[str, object]          # column code -> cell value as typed
    extra: dict[str, object]        # unknown column header -> cell value
    values: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    key: tuple | None = None
    # where the row was first typed, when it comes back in a rejects file: (file, sheet, row)
    origin: tuple[str, str | None, int] | None = None

    @property
    def source(self) -> tuple[str | None, str | None, int]:
        """(file or None for the file being read, sheet, row) stored with the row."""
        return self.origin or (None, self.sheet, self.number)


class RowChecker:
    """Parses and checks the rows of one sheet of one kind."""

    def __init__(self, file: str, grid: Grid, header: Header, refs: References):
        """The checker of ``grid`` (of file ``file``) under ``header``."""
        self.file, self.grid, self.h, self.refs = file, grid, header, refs
        self.kind = header.kind
        self.where = {c.code: (column_letter(j), header.header_text[j])
                      for j, c in header.columns.items()}
        self.headless: dict[str, int] = {}   # column letter -> first row with a value
        # rows of the sheet that are not data, by reason (see the module docstring)
        self.skipped: dict[str, int] = {}

    def problem(self, row: Row, code: str | None, err: CellError) -> None:
        """Add ``err`` to the problems of ``row``, at column ``code`` (None: the row)."""
        letter, header = self.where.get(code, (None, None)) if code else (None, None)
        if code and header is None:
            header = self.kind.column(code).th
        row.problems.append(Problem(self.file, row.sheet, row.number, letter, header,
                                    err.code, row.raw.get(code) if code else None,
                                    err.th, err.en, code))

    def _skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def rows(self) -> list[Row]:
        """Every data row of the sheet, parsed and checked; the other rows (titles above
        the header, header rows, blank rows) counted in :attr:`skipped`."""
        start = self.h.first_row - self.h.span
        for k, (_, cells) in enumerate(self.grid.rows[:self.h.first_row]):
            self._skip("header" if k >= start else
                       "blank" if all(is_blank(v) for v in cells) else "title")
        if self.grid.continuation:
            self.skipped["continuation"] = self.grid.continuation
        out = []
        for number, cells in self.grid.rows[self.h.first_row:]:
            read_problems = self.grid.problems.get(number, [])
            if not read_problems:
                if all(is_blank(v) for v in cells):
                    self._skip("blank")
                    continue
                if is_header_row(self.kind, cells):
                    self._skip("header")
                    continue
            raw = {c.code: (cells[j] if j < len(cells) else None)
                   for j, c in self.h.columns.items()}
            extra = {t: cells[j] for j, t in self.h.unknown.items()
                     if j < len(cells) and not is_blank(cells[j])}
            headless = []
            for j, v in enumerate(cells):
                # values under no header at all: not imported, but never silently dropped
                if j not in self.h.header_text and not is_blank(v):
                    extra[f"({column_letter(j)})"] = v
                    headless.append(column_letter(j))
                    self.headless.setdefault(column_letter(j), number)
            row = Row(self.grid.sheet, number, raw, extra, origin=self._origin(cells))
            for rp in read_problems:
                self._read_problem(row, rp)
            if headless and all(is_blank(v) for j, v in enumerate(cells)
                                if j in self.h.header_text):
                # a stray value far from the table is not a data row with every cell missing
                row.problems.append(Problem(
                    self.file, row.sheet, number, headless[0], None, "only_headless",
                    None, *message("data.ingest.row.only_headless",
                                   columns=", ".join(headless[:5]))))
            else:
                self.check(row)
            out.append(row)
        return out

    def _read_problem(self, row: Row, rp) -> None:
        """Add a problem found while the file was read (a quote, a NUL) to ``row``."""
        j = rp.column
        letter = column_letter(j) if j is not None else None
        fields = dict(rp.fields)
        if "column" in fields:
            fields["column"] = column_letter(fields["column"])
        col = self.h.columns.get(j) if j is not None else None
        row.problems.append(Problem(
            self.file, row.sheet, row.number, letter,
            self.h.header_text.get(j) if j is not None else None, rp.code, None,
            *message(rp.key, **fields), col.code if col else None))

    def _origin(self, cells: list) -> tuple[str, str | None, int] | None:
        """The original file, sheet and row a rejects file names for a row."""
        got = {code: cells[j] for j, code in self.h.reject_cols.items() if j < len(cells)}
        file, row = got.get("_file"), got.get("_row")
        if is_blank(file) or is_blank(row):
            return None
        try:
            number = int(float(digits_text(row)))
        except (ValueError, OverflowError):
            return None
        if not 1 <= number <= 10_000_000:   # not a row any file has: keep this file's row
            return None
        sheet = got.get("_sheet")
        return cell_text(file), None if is_blank(sheet) else cell_text(sheet), number

    def check(self, row: Row) -> None:
        """Parse every cell of ``row`` and check it; problems go to ``row.problems`` in
        the order of the columns."""
        present = set(self.where)
        for col in self.kind.columns:
            if col.code not in present:
                if col.required:
                    self.problem(row, col.code, CellError(
                        "missing_column", "data.ingest.row.missing_column",
                        header_th=col.th, header_en=col.en))
                continue
            v = row.raw.get(col.code)
            if isinstance(v, CellFault):   # a formula never calculated, an Excel error
                row.values[col.code] = None
                self.problem(row, col.code, CellError(
                    "formula_uncached", "data.ingest.value.formula_uncached", formula=v.text)
                    if v.kind == "formula" else CellError(
                    "excel_error", "data.ingest.value.excel_error", error=v.text))
                continue
            if is_blank(v):
                row.values[col.code] = None
                if col.required:
                    self.problem(row, col.code, CellError(
                        "required", "data.ingest.row.required",
                        hint=Message(col.hint_th, col.hint_en)))
                continue
            try:
                row.values[col.code] = PARSERS[col.type](v, col)
            except CellError as err:
                self.problem(row, col.code, err)
                row.values[col.code] = None
        self.references(row)
        getattr(self, f"finish_{self.kind.name}")(row)
        # problems in the order of the columns, as the user reads the row
        order = {c.code: i for i, c in enumerate(self.kind.columns)}
        cols = {c.code: j for j, c in self.h.columns.items()}
        row.problems.sort(key=lambda p: (cols.get(p.field, -1), order.get(p.field, -1)))

    def _try(self, row: Row, code: str, fn, *args):
        try:
            return fn(*args)
        except CellError as err:
            self.problem(row, code, err)
            return None

    def references(self, row: Row) -> None:
        """Look up the row's codes and ids in the database (:class:`References`)."""
        v = row.values
        for col in self.kind.columns:
            val = v.get(col.code)
            if val is None:
                continue
            if col.type == "village":
                try:
                    self.refs.village(val)
                except CellError as err:
                    self.problem(row, col.code, err)
                    v[col.code] = None
            elif col.type in ("district", "subdistrict"):
                try:
                    self.refs.area(val, col.type)
                except CellError as err:
                    self.problem(row, col.code, err)
                    v[col.code] = None
            elif col.type == "agency":
                hit = self._try(row, col.code, self.refs.agency, val)
                v[col.code] = hit[0] if hit else None
                row.values["_agency_province"] = hit[1] if hit else None
            elif col.type == "project":
                self._try(row, col.code, self.refs.project, val)
            elif col.type == "need":
                self._try(row, col.code, self.refs.need, val)
            elif col.type == "province":
                v[col.code] = self._try(row, col.code, province_code_of, val)

    def _strategy(self, row: Row, province_code: str | None) -> None:
        no = row.values.get("strategy_no")
        if no is not None and province_code:
            self._try(row, "strategy_no", self.refs.strategy, province_code, no)

    def finish_needs(self, row: Row) -> None:
        """Needs: the area codes from the village, the need ID from the fiscal year,
        village and item number when not given."""
        v = row.values
        vc = v.get("village_code")
        if vc:
            v["subdistrict_code"], v["district_code"], v["province_code"] = \
                vc[:6], vc[:4], vc[:2]
            self._strategy(row, vc[:2])
        if not v.get("need_id"):
            if v.get("item_no") is not None and vc and v.get("fiscal_year"):
                v["need_id"] = f"{v['fiscal_year']}-{vc}-{v['item_no']:03d}"
            elif "item_no" not in self.where and "need_id" not in self.where:
                self.problem(row, "item_no", CellError(
                    "missing_column", "data.ingest.row.missing_need_key_column"))
            elif is_blank(row.raw.get("item_no")):
                self.problem(row, "need_id" if "need_id" in self.where else "item_no",
                             CellError("need_key", "data.ingest.row.need_key"))
        row.key = (v["need_id"],) if v.get("need_id") else None

    def finish_proposals(self, row: Row) -> None:
        """Proposals: the location codes nested in each other and in the province, the
        province from the location or the agency, the planned dates in order."""
        v = row.values
        prov = v.get("province_code")
        codes = [(c, v.get(c)) for c in ("village_code", "subdistrict_code", "district_code")]
        given = [(c, x) for c, x in codes if x]
        for (c1, x1), (c2, x2) in zip(given, given[1:]):
            if not x1.startswith(x2):
                outer = self.kind.column(c2)
                self.problem(row, c1, CellError(
                    "location_mismatch", "data.ingest.row.not_inside", inner=x1, outer=x2,
                    column=Message(outer.th, outer.en)))
        loc = given[0][1] if given else None
        if loc and prov and not loc.startswith(prov):
            self.problem(row, given[0][0], CellError(
                "location_mismatch", "data.ingest.row.not_in_province", location=loc,
                province=prov))
        if not prov:
            prov = loc[:2] if loc else v.get("_agency_province")
        if loc:
            v["subdistrict_code"] = v.get("subdistrict_code") or (loc[:6] if len(loc) >= 6
                                                                  else None)
            v["district_code"] = v.get("district_code") or loc[:4]
        v["province_code"] = prov
        # an unknown province or agency already says why the province is missing
        if prov is None and not any(p.field in ("province_code", "agency_id")
                                    for p in row.problems):
            self.problem(row, "province_code", CellError(
                "province_missing", "data.ingest.row.province_missing"))
        self._strategy(row, prov)
        start, end = v.get("planned_start"), v.get("planned_end")
        if start and end and end < start:
            self.problem(row, "planned_end", CellError("date_order",
                                                       "data.ingest.row.date_order"))
        row.key = (v["project_id"],) if v.get("project_id") else None

    def finish_need_stages(self, row: Row) -> None:
        """Committee stages: a merged need names the need it went into (not itself), a
        rejected one gives a reason."""
        v = row.values
        stage, linked = v.get("stage"), v.get("linked_need_id")
        if stage == "merged" and not linked and "linked_need_id" not in {
                p.field for p in row.problems}:
            self.problem(row, "linked_need_id", CellError(
                "merged_without_link", "data.ingest.row.merged_without_link"))
        if linked and linked == v.get("need_id"):
            self.problem(row, "linked_need_id", CellError(
                "merged_into_itself", "data.ingest.row.merged_into_itself"))
        if stage == "rejected" and not v.get("reason"):
            self.problem(row, "reason", CellError(
                "rejected_without_reason", "data.ingest.row.rejected_without_reason"))
        if v.get("need_id") and stage:
            row.key = (v["need_id"], stage)

    def finish_progress(self, row: Row) -> None:
        """Progress: the key once project, fiscal year and quarter are all read."""
        v = row.values
        if all(v.get(k) is not None for k in self.kind.key):
            row.key = tuple(v[k] for k in self.kind.key)


def mark_duplicates(checker: RowChecker, rows: list[Row]) -> None:
    """Reject every row whose key appears more than once in the sheet (the importer does
    not guess which copy is right)."""
    by_key: dict[tuple, list[Row]] = {}
    for r in rows:
        if r.key is not None:
            by_key.setdefault(r.key, []).append(r)
    kind = checker.kind
    key_col = kind.key[0] if kind.key[0] in checker.where else "item_no"
    for key, group in by_key.items():
        if len(group) < 2:
            continue
        shown = "/".join(str(k) for k in key)
        for r in group:
            others = ", ".join(str(o.number) for o in group if o is not r)
            checker.problem(r, key_col, CellError(
                "duplicate_key", "data.ingest.row.duplicate_key", key=shown, others=others))


def header_warnings(h: Header) -> list[Message]:
    """Warnings about the columns of a header that are not imported: repeated columns and
    columns that are not in the template (with the closest template header)."""
    out = []
    for j, header in h.unknown.items():
        if j in h.repeated:
            out.append(message("data.ingest.warning.repeated_column", column=column_letter(j),
                               header=header, first=column_letter(h.repeated[j])))
            continue
        names = [c.th for c in h.kind.columns] + [c.en for c in h.kind.columns]
        close = difflib.get_close_matches(header, names, n=1, cutoff=0.6)
        hint = (message("data.ingest.warning.did_you_mean", name=close[0]) if close
                else Message("", ""))
        out.append(message("data.ingest.warning.unknown_column", column=column_letter(j),
                           header=header, kind=h.kind.name, hint=hint))
    return out

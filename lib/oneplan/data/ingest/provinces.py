"""The province of an import file, and the rows that do not belong to it.

A file is of **one province** unless it is imported as a multi-province file by design
(``import_files(..., multi_province=True)``, ``oneplan import --multi-province``: a
national or regional file). The province of a file is the one given
(``--province 32``), else the province most of its rows are in (rows whose province is
known; on a tie, the first such row's). Then:

* a row of another province is rejected (``other_province``): a Surin file cannot bring
  in, or change, a Khon Kaen need;
* a row that would move a need or a proposal already in the database to another province
  is rejected (``province_change``), whatever the file: a key stays in its province,
  except in a multi-province file, which may correct it on purpose.

A row's province: a need's from its village, a proposal's from its location, province or
agency, a committee stage's from its need, progress from its project (as stored, or as
brought in earlier in the same import).
"""

from __future__ import annotations

from collections import Counter

from oneplan.core import areas
from oneplan.data.ingest.check import References, Row, RowChecker
from oneplan.data.ingest.messages import Message
from oneplan.data.ingest.parse import CellError

# the columns a province problem is shown on, first present wins
_PROBLEM_COLUMNS = {
    "needs": ("village_code", "need_id", "item_no"),
    "proposals": ("province_code", "village_code", "subdistrict_code", "district_code",
                  "agency_id", "project_id"),
    "progress": ("project_id",),
    "need_stages": ("need_id",),
}


def province_label(code: str) -> Message:
    """A province as messages name it: ``สุรินทร์ (32)`` / ``Surin (32)``."""
    try:
        p = areas.province(code)
    except areas.UnknownAreaError:
        return Message(code, code)
    return Message(f"{p.name_th} ({code})", f"{p.name_en} ({code})")


def row_province(kind: str, row: Row, refs: References) -> str | None:
    """The province ``row`` (of kind ``kind``) is in, or None when it is not known."""
    v = row.values
    if kind in ("needs", "proposals"):
        return v.get("province_code")
    if kind == "progress":
        return refs.project_province.get(v.get("project_id"))
    if kind == "need_stages":
        return refs.need_province.get(v.get("need_id"))
    return None


def _stored_province(kind: str, row: Row, refs: References) -> tuple[str, str | None]:
    """The row's key and the province the database has it in (needs and proposals)."""
    v = row.values
    if kind == "needs" and v.get("need_id"):
        return v["need_id"], refs.need_province.get(v["need_id"])
    if kind == "proposals" and v.get("project_id"):
        return v["project_id"], refs.project_province.get(v["project_id"])
    return "", None


class ProvinceScope:
    """The province rule of one file (see the module docstring)."""

    def __init__(self, province: str | None = None, *, multi: bool = False):
        """A file of ``province`` (None: told by its rows), or of several (``multi``)."""
        self.province, self.multi = province, multi

    def check(self, checker: RowChecker, rows: list[Row], refs: References) -> None:
        """Add the province problems of one sheet's ``rows``; the first sheet with rows of
        a known province sets the file's province when none was given."""
        kind = checker.kind.name
        provinces = [row_province(kind, r, refs) for r in rows]
        if not self.multi and self.province is None:
            counts = Counter(p for p in provinces if p)
            if counts:
                first = {p: i for i, p in reversed(list(enumerate(provinces))) if p}
                self.province = max(counts, key=lambda p: (counts[p], -first[p]))
        for row, prov in zip(rows, provinces):
            if not prov:
                continue
            if not self.multi and prov != self.province:
                self._problem(checker, row, CellError(
                    "other_province", "data.ingest.row.other_province",
                    province=province_label(prov), file_province=province_label(
                        self.province or "")))
                continue
            key, stored = _stored_province(kind, row, refs)
            if stored and stored != prov and not self.multi:
                self._problem(checker, row, CellError(
                    "province_change", "data.ingest.row.province_change", key=key,
                    stored=province_label(stored), province=province_label(prov)))

    @staticmethod
    def _problem(checker: RowChecker, row: Row, err: CellError) -> None:
        codes = _PROBLEM_COLUMNS.get(checker.kind.name, ())
        code = next((c for c in codes if c in checker.where), codes[0] if codes else None)
        checker.problem(row, code, err)

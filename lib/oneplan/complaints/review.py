"""The officer's review queue: pairs of complaints the linkage cannot decide, out to a
review file and the officer's decisions back in (issue 14, item 7).

* The linkage writes the pairs whose match probability falls in its uncertain band into
  ``complaint_review_pairs`` (rewritten by every link run). :func:`export_review` writes
  those without a decision to an XLSX (or CSV) file, one row per pair, sorted by
  sub-district then probability (highest first): both complaints' agency, case number,
  date received (พ.ศ.), category, place and text, the evidence in words and an empty
  decision column with a drop-down list. Personal data stay in the database: names show
  their first letter only (``ส× ใ×``), national IDs, phones and house numbers only whether
  they match (from the salted hashes), names, IDs and phones typed into the texts are
  masked (:func:`oneplan.complaints.privacy.mask_text`). The file is written through
  :mod:`oneplan.core.files` (every cell inert), readable by its owner only (mode 0600).
* :func:`import_decisions` reads the filled file back (XLSX or CSV; Thai or English words,
  short forms, Thai digits, stray spaces), takes each valid row into
  ``complaint_link_decisions`` — ``same`` (one matter: must-link) or ``different`` (two
  matters: cannot-link); a later decision on a pair replaces the earlier one — and writes
  the rows it could not take, with the file, sheet, row, column and what was expected, to
  ``<file>.rejected.csv`` (masked, mode 0600). A blank decision leaves the pair pending.
  Every row read is accepted or rejected. The linkage respects the decisions in every
  later run, full or incremental.
* :func:`pending_count` is what the complaints report states: pairs still awaiting review.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import duckdb
import pandas as pd

from oneplan.complaints import privacy
from oneplan.complaints.feeds import registry
from oneplan.complaints.review_read import (
    DECISIONS,
    ReviewFileError,
    Row,
    clean_id,
    parse_decision,
    read_review_file,
    typed,
)
from oneplan.core import areas, files, thai
from oneplan.core.errors import UserError
from oneplan.core.text import LANGS, check_lang, text
from oneplan.data import audit

PAIR_SEP = " | "
"""Between the two complaint ids of a pair id (``dd_province:123 | pea:456``)."""

SIDE_FIELDS = ("agency", "case_no", "received", "category", "place", "name", "text")
"""The columns shown for each complaint of a pair, side by side."""

PAIR_FIELDS = ("pair", "probability", "decision", "decided_by", "level", "evidence",
               "same_id", "same_phone", "same_house", "same_name")
"""The columns of a pair as a whole, first in the file."""

COLUMN_WIDTHS = {"pair": 40, "probability": 12, "decision": 16, "decided_by": 18,
                 "level": 24, "evidence": 44, "same_id": 13, "same_phone": 13,
                 "same_house": 13, "same_name": 20, "agency": 14, "case_no": 16,
                 "received": 13, "category": 26, "place": 30, "name": 11, "text": 60}
"""Column widths of the review sheet (characters), by field."""

WRAPPED = ("evidence", "category_1", "category_2", "place_1", "place_2", "text_1", "text_2")
"""Columns whose text wraps in the review sheet (the long ones)."""

_MAX_DECIDED_BY = 80


def _both(key: str, **fields: Any) -> str:
    """The catalogue text ``complaints.review.<key>``: Thai, then English, on one line."""
    return " / ".join(text(f"complaints.review.{key}", lang, **fields) for lang in LANGS)


def _t(key: str, lang: str, **fields: Any) -> str:
    if not fields:
        return _fixed(key, lang)
    return text(f"complaints.review.{key}", lang, **fields)


@lru_cache(maxsize=1024)
def _fixed(key: str, lang: str) -> str:
    return text(f"complaints.review.{key}", lang)


# --- the tables -------------------------------------------------------------------------

def decisions_ddl() -> str:
    """The ``CREATE TABLE IF NOT EXISTS complaint_link_decisions`` statement of
    ``data/schema.sql``."""
    from oneplan.data import db

    sql = db.schema_sql()
    start = sql.index("CREATE TABLE IF NOT EXISTS complaint_link_decisions")
    return sql[start:sql.index(";", start) + 1]


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``complaint_link_decisions`` in a database file that lacks it."""
    con.execute(decisions_ddl())


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the database has the table ``name`` (an older file may lack the linkage's)."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                            "table_schema = 'main' AND table_name = ?", [name]).fetchone()[0])


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_name = ?", [table]).fetchall()}


def _provinces(province_code: str | Iterable[str] | None) -> list[str]:
    if province_code is None or province_code == "":
        return []
    codes = [province_code] if isinstance(province_code, str) else list(province_code)
    out = []
    for code in codes:
        try:
            out.append(areas.province(code).code)
        except Exception:  # UnknownAreaError: one line naming what was given
            raise UserError(_both("error.province", province=code)) from None
    return out


def _pending_sql(con: duckdb.DuckDBPyConnection, codes: list[str]) -> tuple[str, list]:
    """SQL of the pending pairs (one row per pair: its matter-level row when both levels
    are uncertain), with their two complaints as ``l`` and ``r``; and its arguments."""
    undecided = ""
    if has_table(con, "complaint_link_decisions"):
        undecided = ("AND NOT EXISTS (SELECT 1 FROM complaint_link_decisions d WHERE "
                     "(d.left_id = p.left_id AND d.right_id = p.right_id) OR "
                     "(d.left_id = p.right_id AND d.right_id = p.left_id))")
    where, args = "", []
    if codes:
        marks = ", ".join("?" * len(codes))
        where = f"AND (l.province_code IN ({marks}) OR r.province_code IN ({marks}))"
        args = codes + codes
    sql = f"""
        WITH p AS (
            SELECT left_id, right_id, level, probability, evidence,
                   row_number() OVER (PARTITION BY left_id, right_id
                                      ORDER BY level = 'matter' DESC, probability DESC) AS k
            FROM complaint_review_pairs)
        SELECT {{select}} FROM p
        JOIN complaints l ON l.complaint_id = p.left_id
        JOIN complaints r ON r.complaint_id = p.right_id
        WHERE p.k = 1 {undecided} {where}"""
    return sql, args


def pending_count(con: duckdb.DuckDBPyConnection,
                  province_code: str | Iterable[str] | None = None) -> int:
    """Pairs awaiting the officer's review: uncertain pairs of the last link run without a
    decision (for a province: either complaint in it). 0 when nothing was linked yet."""
    if not (has_table(con, "complaint_review_pairs") and has_table(con, "complaints")):
        return 0
    sql, args = _pending_sql(con, _provinces(province_code))
    return int(con.execute(sql.format(select="count(*)"), args).fetchone()[0])


# --- the rows of the review file ----------------------------------------------------------

_COMPARE_SQL = """
    CASE WHEN l.{c} IS NULL OR r.{c} IS NULL THEN 'unknown'
         WHEN l.{c} = r.{c} THEN 'same' ELSE 'different' END AS cmp_{name}"""

_NAME_SQL = """
    CASE WHEN l.first_name IS NULL OR r.first_name IS NULL OR l.last_name IS NULL
              OR r.last_name IS NULL THEN 'unknown'
         WHEN l.first_name = r.first_name AND l.last_name = r.last_name THEN 'same'
         WHEN jaro_winkler_similarity(l.first_name, r.first_name) >= 0.9
              AND jaro_winkler_similarity(l.last_name, r.last_name) >= 0.9 THEN 'similar'
         WHEN l.first_name = r.first_name THEN 'first_only'
         WHEN l.last_name = r.last_name THEN 'last_only'
         ELSE 'different' END AS cmp_name"""


def pending_pairs(con: duckdb.DuckDBPyConnection,
                  province_code: str | Iterable[str] | None = None,
                  limit: int | None = None) -> pd.DataFrame:
    """The pending pairs with what the review file shows of both complaints, in the file's
    order (sub-district of the first complaint, then probability, highest first). Columns:
    ``left_id, right_id, level, probability, evidence``, the comparisons ``cmp_id,
    cmp_phone, cmp_house, cmp_name`` (``same``/``different``/``unknown``/…) and, for
    each side ``l_``/``r_``, the complaint's public columns, text and name keys (which
    never leave this module unmasked)."""
    if not (has_table(con, "complaint_review_pairs") and has_table(con, "complaints")):
        return pd.DataFrame()
    have = _columns(con, "complaints")
    house = "house_no_hash" if "house_no_hash" in have else "address_hash"
    side_cols = ["agency_id", "case_no", "received_on", "category", "province_code",
                 "district_code", "subdistrict_code", "moo", "text", "first_name",
                 "last_name", "synthetic"]
    sides = [f"{s}.{c} AS {s}_{c}" for s in ("l", "r") for c in side_cols]
    sides += [(f"{s}.agency_category" if "agency_category" in have else "NULL::VARCHAR")
              + f" AS {s}_agency_category" for s in ("l", "r")]
    select = ", ".join(["p.left_id", "p.right_id", "p.level", "p.probability", "p.evidence",
                        _COMPARE_SQL.format(c="person_id_hash", name="id"),
                        _COMPARE_SQL.format(c="phone_hash", name="phone"),
                        _COMPARE_SQL.format(c=house, name="house"), _NAME_SQL, *sides])
    sql, args = _pending_sql(con, _provinces(province_code))
    sql = (sql.format(select=select) + " ORDER BY l.subdistrict_code NULLS LAST, "
           "p.probability DESC, p.left_id, p.right_id")
    if limit is not None:
        sql += f" LIMIT {max(0, int(limit))}"
    return con.execute(sql, args).df()


@lru_cache(maxsize=65536)
def _place(sub: Any, dist: Any, moo: Any, lang: str) -> str:
    """A complaint's place in words (``ม.3 ต.ในเมือง อ.เมืองขอนแก่น``)."""
    moo_text = "" if moo is None or pd.isna(moo) else _t("place.moo", lang, moo=int(moo))
    name = f"name_{lang}"
    s_area = _geo("subdistrict", sub)
    d_area = _geo("district", dist if isinstance(dist, str) else
                  (sub[:4] if isinstance(sub, str) else None))
    if s_area is not None and d_area is not None:
        return _t("place.known", lang, moo=moo_text, subdistrict=getattr(s_area, name),
                  district=getattr(d_area, name))
    if d_area is not None:
        return _t("place.district_only", lang, district=getattr(d_area, name))
    return _t("place.unknown", lang)


def _geo(level: str, code: Any):
    import geothai

    if not isinstance(code, str) or not code:
        return None
    try:
        return getattr(geothai, level)(code)
    except Exception:  # a code geothai does not know
        return None


@lru_cache(maxsize=4096)
def _category(code: str, label: Any, lang: str) -> str:
    """The national category's name, with the agency's own label when it differs."""
    name = registry().category_name(code, lang)
    if isinstance(label, str) and label.strip() and label.strip() != name:
        return _t("category.with_label", lang, category=name, label=privacy.mask_text(label))
    return name


@lru_cache(maxsize=4096)
def _date(d: Any, lang: str) -> str:
    return thai.format_date(d, lang, "short")


def _masked_name(first: Any, last: Any) -> str:
    parts = [privacy.mask_word(v) for v in (first, last) if isinstance(v, str) and v.strip()]
    return " ".join(parts) or "—"


def _names(row: dict) -> tuple[str, ...]:
    return tuple(v for s in ("l", "r") for c in ("first_name", "last_name")
                 if isinstance(v := row[f"{s}_{c}"], str))


_WHAT = (("person_id", "id"), ("national_id", "id"), ("id_hash", "id"), ("phone", "phone"),
         ("first_name", "first_name"), ("last_name", "last_name"), ("surname", "last_name"),
         ("house", "house"), ("address", "house"), ("moo", "moo"), ("subdistrict", "place"),
         ("place", "place"), ("category", "category"), ("cat_", "category"),
         ("number", "numbers"), ("text", "text"), ("received", "date"), ("date", "date"),
         ("day", "date"), ("agency", "agency"), ("name", "name"))
"""Comparison names of the linkage's evidence (by part) → catalogue key; ``id`` is exact."""

_LEVEL = tuple((re.compile(rx, re.IGNORECASE), key) for rx, key in (
    (r"missing|unknown|null|not given", "missing"),
    (r"same sub-district, other หมู่", "other_moo"),
    (r"same sub-district, other house", "other_house"),
    (r"same sub-district", "same_subdistrict"),
    (r"same house", "same_house"),
    (r"elsewhere", "elsewhere"),
    (r"same category group", "same_group"),
    (r"other\) on a side|อื่น", "other_side"),
    (r"one side only", "one_side"),
    (r"\bJW?\s*(?:≥|>=)\s*([\d.]+)", "at_least"),
    (r"(?:≤|<=|within)\s*(\d+)\s*days?", "within_days"),
    (r"further apart|far apart", "far"),
    (r"differ|mismatch|no match|else|other", "different"),
    (r"similar|jaro|fuzzy", "similar"),
    (r"same|exact|equal|match", "same")))
"""The linkage's level labels (``linkage_model``: ``same ID``, ``first name JW≥0.9``,
``text J≥0.6``, ``≤7 days apart``, ``same sub-district, other หมู่`` …) → catalogue key;
the first rule that matches wins; a number it captures fills the sentence."""


@lru_cache(maxsize=4096)
def evidence_words(evidence: Any, lang: str = "th") -> str:
    """The linkage's evidence of a pair (a JSON object: comparison → level label, or a
    share) in words of ``lang``: ``"เลขบัตรประชาชน: ไม่มีข้อมูล; ชื่อ: คล้ายกัน"``. Names and
    labels the catalogue does not know are shown as they are (they hold no personal data;
    they are masked all the same)."""
    try:
        items = json.loads(evidence) if isinstance(evidence, str) else evidence
    except ValueError:
        items = None
    if not isinstance(items, dict) or not items:
        return _t("evidence.none", lang)
    out = []
    for name, level in items.items():
        low = str(name).lower()
        key = "id" if low == "id" else next((k for part, k in _WHAT if part in low), None)
        what = _t(f"evidence.what.{key}", lang) if key else str(name)
        out.append(_t("evidence.item", lang, what=what, level=_level_words(level, lang)))
    return privacy.mask_text("; ".join(out))


def _level_words(level: Any, lang: str) -> str:
    if isinstance(level, bool):
        return _t(f"evidence.level.{'same' if level else 'different'}", lang)
    if isinstance(level, (int, float)):
        if 0 <= level <= 1:
            return _t("evidence.level.share", lang, pct=f"{100 * level:.0f}")
        return f"{level:g}"
    label = str(level)
    for rx, key in _LEVEL:
        m = rx.search(label)
        if m is None:
            continue
        if key == "at_least":
            return _t("evidence.level.at_least", lang, pct=f"{100 * float(m.group(1)):.0f}")
        if key == "within_days":
            return _t("evidence.level.within_days", lang, days=m.group(1))
        return _t(f"evidence.level.{key}", lang)
    return label


def review_frame(pairs: pd.DataFrame, lang: str = "th") -> pd.DataFrame:
    """The rows of the review file from :func:`pending_pairs`: one column per field of
    :data:`PAIR_FIELDS` then the sides' :data:`SIDE_FIELDS` (A, B side by side), headed
    in ``lang``; personal data masked, the decision column empty."""
    check_lang(lang)
    heads = headers(lang)
    reg = registry()
    rows = []
    for row in pairs.to_dict("records"):
        names = _names(row)
        out: dict[str, Any] = {
            "pair": f"{row['left_id']}{PAIR_SEP}{row['right_id']}",
            "probability": round(100 * float(row["probability"]), 1),
            "decision": None, "decided_by": None,
            "level": _t(f"level.{row['level']}", lang) if row["level"] in ("matter", "person")
            else str(row["level"]),
            "evidence": evidence_words(row["evidence"], lang),
            **{f"same_{k}": _t(f"compare.{row[f'cmp_{k}']}", lang)
               for k in ("id", "phone", "house", "name")}}
        for n, s in (("1", "l"), ("2", "r")):
            moo = row[f"{s}_moo"]
            out[f"agency_{n}"] = reg.agency_short(row[f"{s}_agency_id"], lang)
            out[f"case_no_{n}"] = str(row[f"{s}_case_no"])
            out[f"received_{n}"] = _date(pd.Timestamp(row[f"{s}_received_on"]).date(), lang)
            out[f"category_{n}"] = _category(row[f"{s}_category"],
                                             row[f"{s}_agency_category"], lang)
            out[f"place_{n}"] = _place(row[f"{s}_subdistrict_code"],
                                       row[f"{s}_district_code"],
                                       None if pd.isna(moo) else int(moo), lang)
            out[f"name_{n}"] = _masked_name(row[f"{s}_first_name"], row[f"{s}_last_name"])
            out[f"text_{n}"] = privacy.mask_text(str(row[f"{s}_text"]), names)
        rows.append(out)
    keys = list(heads)
    frame = pd.DataFrame(rows, columns=keys)
    frame["probability"] = frame["probability"].astype(float)
    return frame.rename(columns=heads)


def headers(lang: str = "th") -> dict[str, str]:
    """The review file's header in ``lang``, ``{field key: header}`` in column order (side
    fields as ``<field>_1``, ``<field>_2``)."""
    out = {k: _t(f"column.{k}", lang) for k in PAIR_FIELDS}
    for f in SIDE_FIELDS:
        for n in ("1", "2"):
            out[f"{f}_{n}"] = _t(f"column.{f}", lang, side=_t(f"side.{n}", lang))
    return out


# --- export -----------------------------------------------------------------------------

@dataclass
class ReviewExport:
    """What :func:`export_review` wrote."""

    path: Path
    pairs: int
    pending: int

    def message(self) -> str:
        """One Thai / English line: how many pairs went to which file."""
        return _both("import.exported", pairs=f"{self.pairs:,}", path=self.path)


def export_review(con: duckdb.DuckDBPyConnection, out_path: str | os.PathLike, *,
                  province_code: str | Iterable[str] | None = None, lang: str = "th",
                  limit: int | None = None) -> ReviewExport:
    """Write the review list of pending pairs to ``out_path``: XLSX (a review sheet with a
    drop-down decision column, frozen header and pair columns, sized columns, and an
    instructions sheet), or CSV when the path ends ``.csv``. Mode 0600, every cell inert.

    Args:
        province_code: only pairs with a complaint in this province (or these provinces).
        lang: ``th`` (default) or ``en``: the header, the words and the drop-down list.
        limit: at most this many pairs (the first in the file's order).

    Returns:
        The path, the pairs written and the pairs pending in all (in scope).

    Raises:
        UserError: an unknown province; ``out_path`` not ``.xlsx``/``.csv``.
    """
    check_lang(lang)
    path = Path(out_path)
    kind = path.suffix.lower()
    if kind not in (".xlsx", ".csv"):
        raise ReviewFileError(_both("error.format", file=path))
    codes = _provinces(province_code)
    pairs = pending_pairs(con, codes, limit)
    frame = review_frame(pairs, lang) if len(pairs) else pd.DataFrame(
        columns=list(headers(lang).values()))
    pending = pending_count(con, codes)
    if kind == ".csv":
        out = frame.copy()
        prob = headers(lang)["probability"]
        out[prob] = out[prob].map(lambda v: f"{v:.1f}", na_action="ignore")
        files.write_csv(out, path, mode=0o600)
    else:
        synthetic = bool(len(pairs)) and bool(pairs["l_synthetic"].all()
                                              and pairs["r_synthetic"].all())
        files.save_workbook(_workbook(frame, lang, codes, pending, synthetic), path,
                            mode=0o600)
    return ReviewExport(path, len(frame), pending)


def _workbook(frame: pd.DataFrame, lang: str, codes: list[str], pending: int,
              synthetic: bool):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    keys = list(headers(lang))
    wb = Workbook()
    ws = wb.active
    ws.title = _t("sheet.pairs", lang)[:31]
    ws.append([files.xlsx_value(h) for h in frame.columns])
    for values in frame.itertuples(index=False):
        ws.append([files.xlsx_value(None if isinstance(v, float) and pd.isna(v) else v)
                   for v in values])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    for j, key in enumerate(keys, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = COLUMN_WIDTHS[key.rsplit("_", 1)[0]
                                                           if key[-2:] in ("_1", "_2")
                                                           else key]
        head = ws.cell(row=1, column=j)
        head.font, head.fill, head.alignment = bold, fill, wrap
    n = len(frame)
    prob_col = keys.index("probability") + 1
    wrapped = [keys.index(k) + 1 for k in WRAPPED]
    for i in range(2, n + 2):  # styles only where needed: a cell's style costs time
        ws.cell(row=i, column=prob_col).number_format = "0.0"
        for j in wrapped:
            ws.cell(row=i, column=j).alignment = wrap
    ws.freeze_panes = ws.cell(row=2, column=keys.index("decided_by") + 1).coordinate
    dec = get_column_letter(keys.index("decision") + 1)
    words = {d: _t(f"decision.{d}", lang) for d in DECISIONS}
    dv = DataValidation(type="list", formula1='"' + ",".join(words.values()) + '"',
                        allow_blank=True, showDropDown=False, showErrorMessage=True,
                        showInputMessage=True, errorStyle="warning",
                        promptTitle=_t("validation.title", lang),
                        prompt=_t("validation.prompt", lang, **words),
                        errorTitle=_t("validation.title", lang),
                        error=_t("validation.error", lang, **words))
    dv.add(f"{dec}2:{dec}{max(n + 1, 2)}")
    ws.add_data_validation(dv)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{n + 1}"

    help_ws = wb.create_sheet(_t("sheet.help", lang)[:31])
    heads = headers(lang)
    scope = (_t("help.scope_all", lang) if not codes else ", ".join(
        _t("help.scope_province", lang, name=getattr(areas.province(c), f"name_{lang}"))
        for c in codes))
    lines = [_t("help.title", lang),
             _t("help.made", lang, date=thai.format_date(datetime.now(), lang, "full"),
                pairs=f"{pending:,}", scope=scope),
             _t("help.what", lang),
             _t("help.how", lang, decision=heads["decision"], **words),
             _t("help.short", lang, **words),
             _t("help.privacy", lang),
             _t("help.keep", lang, pair=heads["pair"], decided_by=heads["decided_by"]),
             _t("help.import", lang),
             _t("help.forever", lang, **words),
             _t("help.secret", lang)]
    if synthetic:
        lines.append(text("core.labels.synthetic_note", lang))
    for line in lines:
        help_ws.append([files.xlsx_value(line)])
    help_ws["A1"].font = Font(bold=True, size=14)
    help_ws.column_dimensions["A"].width = 120
    for row in help_ws.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    wb.active = 0
    return wb


@dataclass
class ImportResult:
    """What :func:`import_decisions` did: ``read = accepted + rejected``; ``accepted``
    rows are decided (their pairs ``decided``, of which ``replaced`` had a decision
    before) or still ``pending``."""

    file: Path
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    pending: int = 0
    decided: int = 0
    replaced: int = 0
    rejected_path: Path | None = None
    problems: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        """The one line the command prints (Thai / English)."""
        fields = dict(file=self.file.name, read=f"{self.read:,}",
                      accepted=f"{self.accepted:,}", decided=f"{self.decided:,}",
                      replaced=f"{self.replaced:,}", pending=f"{self.pending:,}",
                      rejected=f"{self.rejected:,}")
        parts = []
        for lang in LANGS:
            line = _t("import.summary", lang, **fields)
            if self.rejected_path is not None:
                line += "; " + _t("import.rejected_file", lang, path=self.rejected_path)
            parts.append(line)
        return " / ".join(parts)


def import_decisions(con: duckdb.DuckDBPyConnection, path: str | os.PathLike, *,
                     decided_by: str | None = None) -> ImportResult:
    """Take the officer's decisions of a filled review file into
    ``complaint_link_decisions`` (one transaction).

    Each row with a pair id or a decision is accepted or rejected: the pair id must name
    two complaints of the database (Thai digits and stray spaces are read), the decision
    must be a word :func:`parse_decision` reads; a blank decision leaves the pair pending.
    A formula is never evaluated: it is rejected. A later decision on the same pair (in the
    file, or from an earlier file) replaces the earlier one, recorded with its file and
    row. Rejected rows go to ``<file>.rejected.csv`` beside the file (masked, mode 0600)
    with the sheet, row, column and what was expected; a stale one is removed when every
    row was taken.

    Args:
        decided_by: who decided (a role or desk, never a name) when the file's own column
            is blank; the text is masked like free text.

    Raises:
        ReviewFileError: the file cannot be read as a review file.
    """
    path = Path(path)
    rows = read_review_file(path)
    ensure_tables(con)
    result = ImportResult(path, read=len(rows))
    ids: set[str] = set()
    for r in rows:
        for part in clean_id(typed(r.cells["pair"])).split("|"):
            ids.add(clean_id(part).translate(thai.TO_ARABIC_DIGITS))
    known = _known_ids(con, ids)
    heads = headers("th")
    rejected: list[dict[str, Any]] = []
    decided: dict[tuple[str, str], dict[str, Any]] = {}
    words = {d: _t(f"decision.{d}", "th") for d in DECISIONS}

    def reject(r: Row, column: str, key: str, **fields: Any) -> None:
        result.problems.append(" / ".join(
            _t("problem.where", lang, file=path.name, sheet=r.sheet, row=r.row,
               column=_t(f"column.{column}", lang),
               problem=_t(f"problem.{key}", lang, **fields)) for lang in LANGS))
        rejected.append({"sheet": r.sheet, "row": r.row, "column": heads[column],
                         "problem": _both(f"problem.{key}", **fields), "cells": r.cells,
                         "pair_ok": column != "pair"})

    for r in rows:
        pair_cell, dec_cell = r.cells["pair"], r.cells["decision"]
        if pair_cell.formula or dec_cell.formula:
            col = "pair" if pair_cell.formula else "decision"
            reject(r, col, "formula", value=privacy.mask_text(typed(r.cells[col])))
            continue
        try:
            decision = parse_decision(dec_cell.value)
        except ValueError:
            raw = typed(dec_cell)
            key = "formula" if raw.lstrip().startswith(("=", "+", "@")) else "unknown_decision"
            reject(r, "decision", key, value=privacy.mask_text(raw), **words)
            continue
        typed_pair = clean_id(typed(pair_cell))
        if not typed_pair:
            reject(r, "pair", "no_pair")
            continue
        parts = [clean_id(p) for p in typed_pair.split("|")]
        if len(parts) != 2 or not all(parts):
            reject(r, "pair", "bad_pair", value=privacy.mask_text(typed_pair))
            continue
        found = [known.get(p.translate(thai.TO_ARABIC_DIGITS)) for p in parts]
        missing = [p for p, f in zip(parts, found) if f is None]
        if missing:
            reject(r, "pair", "unknown_pair", value=privacy.mask_text(missing[0]))
            continue
        if found[0] == found[1]:
            reject(r, "pair", "same_record", value=privacy.mask_text(typed_pair))
            continue
        result.accepted += 1
        if decision is None:
            result.pending += 1
            continue
        left, right = sorted(found)
        by = typed(r.cells["decided_by"]).strip() if "decided_by" in r.cells else ""
        by = privacy.mask_text(by or (decided_by or "")).strip()[:_MAX_DECIDED_BY] or None
        decided[(left, right)] = {"left_id": left, "right_id": right, "decision": decision,
                                  "decided_by": by, "source_file": path.name,
                                  "source_row": r.row}
    result.rejected = len(rejected)
    result.decided = len(decided)
    if decided:
        result.replaced = _store(con, pd.DataFrame(list(decided.values())))
    audit.record(con, action="review_import", file=path, rows_read=result.read,
                 rows_accepted=result.accepted, rows_rejected=result.rejected,
                 rows_changed=result.decided,
                 detail={"pending": result.pending, "replaced": result.replaced})
    result.rejected_path = _write_rejected(path, rejected, heads)
    return result


def _known_ids(con: duckdb.DuckDBPyConnection, keys: set[str]) -> dict[str, str]:
    """``{typed id with Arabic digits: complaint_id}`` for the typed ids that exist (an
    exact id wins over one that differs only in Thai digits)."""
    if not keys:
        return {}
    con.register("typed_ids", pd.DataFrame({"k": sorted(keys)}))
    try:
        rows = con.execute(
            "SELECT t.k, c.complaint_id, c.complaint_id = t.k AS exact FROM typed_ids t "
            "JOIN complaints c ON translate(c.complaint_id, ?, '0123456789') = t.k "
            "ORDER BY exact", [thai.THAI_DIGITS]).fetchall()
    finally:
        con.unregister("typed_ids")
    return {k: cid for k, cid, _ in rows}


def _store(con: duckdb.DuckDBPyConnection, dec: pd.DataFrame) -> int:
    """Upsert decisions; returns how many replaced an earlier decision."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    dec = dec.assign(decided_at=now, source_row=dec["source_row"].astype("int64"))
    con.register("new_decisions", dec)
    con.begin()
    try:
        replaced = con.execute(
            "SELECT count(*) FROM new_decisions n JOIN complaint_link_decisions d "
            "USING (left_id, right_id)").fetchone()[0]
        con.execute("DELETE FROM complaint_link_decisions d WHERE EXISTS (SELECT 1 FROM "
                    "new_decisions n WHERE (n.left_id = d.left_id AND n.right_id = d.right_id)"
                    " OR (n.left_id = d.right_id AND n.right_id = d.left_id))")
        con.execute("INSERT INTO complaint_link_decisions (left_id, right_id, decision, "
                    "decided_by, source_file, source_row, decided_at) SELECT left_id, "
                    "right_id, decision, decided_by, source_file, source_row, decided_at "
                    "FROM new_decisions")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        con.unregister("new_decisions")
    return int(replaced)


def rejected_path(path: str | os.PathLike) -> Path:
    """Where the rejected rows of review file ``path`` go: ``<file>.rejected.csv``."""
    path = Path(path)
    return path.with_name(path.name + ".rejected.csv")


def _write_rejected(path: Path, rejected: list[dict[str, Any]],
                    heads: dict[str, str]) -> Path | None:
    """Write the rejected rows (masked, mode 0600), re-importable once fixed: the review
    file's own pair/decision/decided-by columns follow the problem. Removes a stale file
    when nothing was rejected."""
    out = rejected_path(path)
    if not rejected:
        out.unlink(missing_ok=True)
        return None
    cols = {k: _t(f"rejected.{k}", "th") for k in ("sheet", "row", "column", "problem")}
    frame = pd.DataFrame([{
        cols["sheet"]: r["sheet"], cols["row"]: r["row"], cols["column"]: r["column"],
        cols["problem"]: r["problem"],
        heads["pair"]: typed(r["cells"]["pair"]) if r["pair_ok"]
        else privacy.mask_text(typed(r["cells"]["pair"])),
        heads["decision"]: privacy.mask_text(typed(r["cells"]["decision"])),
        heads["decided_by"]: privacy.mask_text(typed(r["cells"]["decided_by"]))
        if "decided_by" in r["cells"] else ""} for r in rejected])
    files.write_csv(frame, out, mode=0o600)
    return out

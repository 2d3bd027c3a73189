"""The registry of the 15 agency feeds and the one adapter that reads any of them.

Every feed is configuration (``feeds.yml`` beside this module): column names, date format
(พ.ศ./ค.ศ., with or without a time), encoding, status and category vocabularies. One adapter
maps each to the complaint schema (:data:`CANONICAL_COLUMNS`). Bad input never loses a
row: each row read is either accepted or rejected with the file, sheet, row, column and
what was expected (``accepted + rejected == rows read``); a problem with the whole file
(wrong encoding, unknown or missing columns) raises :class:`FeedError` naming it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict

from oneplan.core import areas, thai
from oneplan.core.errors import UserError
from oneplan.core.files import write_csv
from oneplan.core.text import LANGS, check_lang, text
from oneplan.complaints import normalise as nz
from oneplan.complaints.privacy import (fingerprint, hash_values, mask_frame, mask_text,
                                        salt)

log = logging.getLogger(__name__)

FIELDS = ("case_no", "received", "name", "title", "first_name", "last_name", "national_id",
          "phone", "address", "subdistrict_code", "subdistrict", "district", "province",
          "category", "text", "status", "first_action", "closed", "reopened", "transfers")
REQUIRED = ("case_no", "received", "category", "text", "status")
STATUSES = ("received", "in_progress", "closed")

CANONICAL_COLUMNS = (
    "complaint_id", "agency_id", "case_no", "received_on", "received_at", "category",
    "province_code", "district_code", "subdistrict_code", "moo", "text", "first_name",
    "last_name", "person_id_hash", "phone_hash", "address_hash", "status", "first_action_on",
    "closed_on", "reopen_count", "transfers", "synthetic", "source_file", "source_sheet",
    "source_row")
"""Columns of the ``complaints`` table, in order. ``first_name``/``last_name`` are
normalised name keys kept for linkage only; no report or export selects them."""


class FeedError(UserError, ValueError):
    """A feed file that cannot be read as configured (encoding, columns, format); a user
    error (exit 2)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DateSpec(_Strict):
    """How a feed writes its dates: field order, era (พ.ศ. ``be`` / ค.ศ. ``ce``), a time
    after the date or not, the separator."""

    order: Literal["dmy", "ymd", "d_mon_y"]
    era: Literal["be", "ce"]
    time: bool = False
    sep: str = "/"


class Feed(_Strict):
    """One agency's export, as configured in ``feeds.yml``."""

    agency_id: str = ""
    name_th: str
    name_en: str
    short_th: str = ""      # the usual abbreviation (กฟภ.), for tight table cells
    short_en: str = ""
    format: Literal["csv", "xlsx"]
    encoding: str = "utf-8"
    sheet: str | None = None
    columns: dict[str, str]
    dates: DateSpec
    statuses: dict[str, Literal["received", "in_progress", "closed"]]
    categories: dict[str, str]

    def header(self, name: str) -> str | None:
        """The feed's column header for a field of :data:`FIELDS` (None: not in this feed)."""
        return self.columns.get(name)

    def full_name(self, lang: str = "th") -> str:
        """The agency's name in ``lang``."""
        return getattr(self, f"name_{check_lang(lang)}")

    def short_name(self, lang: str = "th") -> str:
        """The agency's abbreviation in ``lang`` (its full name when none is set)."""
        return getattr(self, f"short_{check_lang(lang)}") or self.full_name(lang)


@dataclass
class Registry:
    """Every configured feed (by agency id) and the category vocabulary of ``feeds.yml``."""

    feeds: dict[str, Feed]
    categories: dict[str, tuple[str, str, str]]  # code -> (Thai, English, group)

    def __getitem__(self, agency_id: str) -> Feed:
        try:
            return self.feeds[agency_id]
        except KeyError:
            raise FeedError(f"no feed {agency_id!r}; known: {', '.join(self.feeds)}") from None

    def category_name(self, code: str, lang: str = "th") -> str:
        """A category's name in ``lang``; the code itself for a category not in the registry."""
        names = self.categories.get(code)
        return code if names is None else names[LANGS.index(check_lang(lang))]

    def agency_short(self, agency_id: str, lang: str = "th") -> str:
        """The agency's abbreviation (กฟภ.); the id itself for an agency not in the registry."""
        feed = self.feeds.get(agency_id)
        return agency_id if feed is None else feed.short_name(lang)


def load_registry(path: str | Path | None = None) -> Registry:
    """The feed registry from ``feeds.yml`` (or ``path``), validated.

    Raises:
        FeedError: an unknown key, a missing required column, or a category mapped to a
            code that is not in ``categories``.
    """
    text = (Path(path).read_text(encoding="utf-8") if path else
            resources.files("oneplan.complaints").joinpath("feeds.yml").read_text("utf-8"))
    data = yaml.safe_load(text)
    cats = {k: tuple(v) for k, v in data["categories"].items()}
    feeds = {}
    for agency_id, raw in data["feeds"].items():
        try:
            feed = Feed.model_validate({**raw, "agency_id": agency_id})
        except Exception as exc:  # pydantic's message names the key
            raise FeedError(f"feeds.yml: feed {agency_id}: {exc}") from None
        unknown = set(feed.columns) - set(FIELDS)
        missing = [f for f in REQUIRED if f not in feed.columns]
        if unknown or missing:
            raise FeedError(f"feeds.yml: feed {agency_id}: unknown fields {sorted(unknown)}"
                            f" / missing required {missing}")
        bad = {v for v in feed.categories.values() if v not in cats}
        if bad:
            raise FeedError(f"feeds.yml: feed {agency_id}: categories {sorted(bad)} are not "
                            f"in the category list")
        feeds[agency_id] = feed
    return Registry(feeds, cats)


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The default registry (cached)."""
    return load_registry()


# --- reading files --------------------------------------------------------------------

def read_feed_file(path: str | Path, feed: Feed) -> pd.DataFrame:
    """The rows of one feed file as strings, exactly as written (no conversion).

    Raises:
        FeedError: the file is not in the feed's encoding, or cannot be parsed.
    """
    path = Path(path)
    if feed.format == "xlsx":
        try:
            return pd.read_excel(path, sheet_name=feed.sheet or 0, dtype=str)
        except Exception as exc:
            raise FeedError(f"{path}: cannot read as XLSX (sheet {feed.sheet or 'first'}) "
                            f"for feed {feed.agency_id}: {exc}") from None
    raw = path.read_bytes()
    try:
        text = raw.decode(feed.encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FeedError(
            f"{path}: not in the encoding {feed.encoding} configured for feed "
            f"{feed.agency_id} (byte {exc.start}, line {line}); re-export it as "
            f"{feed.encoding} or fix 'encoding' in feeds.yml") from None
    import io

    try:
        return pd.read_csv(io.StringIO(text.removeprefix("\ufeff")), dtype=str,
                           keep_default_na=False, na_values=[""])
    except Exception as exc:
        raise FeedError(f"{path}: cannot parse as CSV for feed {feed.agency_id}: {exc}") from None


def check_columns(frame: pd.DataFrame, feed: Feed, source: str, *, strict: bool = True) -> None:
    """Raise :class:`FeedError` if configured columns are missing or (``strict``) the file
    has columns the feed does not know."""
    expected = set(feed.columns.values())
    found = [str(c) for c in frame.columns]
    missing = [c for c in feed.columns.values() if c not in found]
    extra = [c for c in found if c not in expected]
    hint = ""
    if missing and any(re.search(r"[\u00c0-\u00ff\ufffd]", c) for c in found):
        hint = f"; the headers look garbled: is the file really {feed.encoding}?"
    elif missing and len(missing) == len(expected):
        hint = "; is the first row a header row?"
    # what was found is shown masked: in a file without a header row it is a person's data
    if missing:
        raise FeedError(f"{source}: feed {feed.agency_id} is missing columns {missing} "
                        f"(found {[mask_text(c) for c in found]}){hint}")
    if extra and strict:
        raise FeedError(f"{source}: feed {feed.agency_id} has unknown columns "
                        f"{[mask_text(c) for c in extra]}; add them to feeds.yml or drop "
                        f"them (expected {sorted(expected)})")
    if extra:
        log.warning("%s: ignoring unknown columns %s", source, [mask_text(c) for c in extra])


# --- conversion -----------------------------------------------------------------------

_MONTHS = {re.sub(r"[.\s]", "", m): i + 1 for names in (thai.THAI_MONTHS, thai.THAI_MONTHS_ABBR)
           for i, m in enumerate(names)}
_TIME = r"(?:[ T](\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:\s*น\.)?)?"


def parse_dates(values: pd.Series, spec: DateSpec) -> tuple[pd.Series, pd.Series]:
    """Dates (``datetime64``) of a feed column written as ``spec`` says.

    Returns:
        ``(dates, bad)``: NaT where empty; ``bad`` is True where a value was written but is
        not a date of that format (or not a real date, or a year of the wrong era).
    """
    s = nz.clean(values.astype("string"))
    empty = s.isna() | (s == "")
    if spec.order == "d_mon_y":
        m = s.str.extract(r"^(\d{1,2})\s*([^\d\s]+)\s*(\d{4})" + _TIME + "$")
        month = m[1].str.replace(r"[.\s]", "", regex=True).map(_MONTHS)
        day, year = m[0], m[2]
        hour, minute = m[3], m[4]
    else:
        sep = re.escape(spec.sep) if spec.order == "dmy" else "[-/]"
        if spec.order == "dmy":
            m = s.str.extract(rf"^(\d{{1,2}}){sep}(\d{{1,2}}){sep}(\d{{4}})" + _TIME + "$")
            day, month, year = m[0], m[1], m[2]
        else:
            m = s.str.extract(rf"^(\d{{4}}){sep}(\d{{1,2}}){sep}(\d{{1,2}})" + _TIME + "$")
            year, month, day = m[0], m[1], m[2]
        hour, minute = m[3], m[4]
    y = pd.to_numeric(year, errors="coerce")
    if spec.era == "be":
        y = y - 543
    y = y.where((y >= 1990) & (y <= 2100))  # a ค.ศ. year in a พ.ศ. feed lands near 1481
    parts = pd.DataFrame({
        "year": y, "month": pd.to_numeric(month, errors="coerce"),
        "day": pd.to_numeric(day, errors="coerce"),
        "hour": pd.to_numeric(hour, errors="coerce").fillna(0),
        "minute": pd.to_numeric(minute, errors="coerce").fillna(0)})
    ok = parts[["year", "month", "day"]].notna().all(axis=1)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    if ok.any():
        out[ok] = pd.to_datetime(parts[ok], errors="coerce")
    bad = ~empty & out.isna()
    return out, bad


def _format_hint(spec: DateSpec) -> str:
    year = "2567 (พ.ศ.)" if spec.era == "be" else "2024 (ค.ศ.)"
    if spec.order == "d_mon_y":
        return f"e.g. 15 มี.ค. {year[:4]}; year {year}"
    if spec.order == "dmy":
        return f"day{spec.sep}month{spec.sep}year, year {year}" + (" [hh:mm]" if spec.time else "")
    return f"year-month-day, year {year}" + (" [hh:mm]" if spec.time else "")


@lru_cache(maxsize=1)
def _area_lookup() -> dict[tuple[str, str, str], str]:
    out = {}
    for p in areas.planning_provinces() + [areas.province(areas.BANGKOK)]:
        for d in areas.districts(p.code):
            for s in areas.subdistricts(d.code):
                out[(_area_key(p.name_th), _area_key(d.name_th), _area_key(s.name_th))] = s.code
    return out


def _area_key(name: str) -> str:
    return re.sub(r"^(?:จังหวัด|จ\.|อำเภอ|อ\.|ตำบล|ต\.|เขต|แขวง)\s*|\s+", "", str(name))


@lru_cache(maxsize=1)
def _subdistrict_index() -> pd.Index:
    return pd.Index(sorted(set(_area_lookup().values())))


def _is_subdistrict(codes: pd.Series) -> pd.Series:
    # one hash table, built once (Series.isin rebuilds it on every call)
    found = _subdistrict_index().get_indexer(codes.astype(object).where(codes.notna(), None))
    return pd.Series(found >= 0, index=codes.index)


@dataclass
class AdaptResult:
    """What one feed file gave: accepted rows (canonical schema) and rejected rows."""

    accepted: pd.DataFrame
    rejected: pd.DataFrame          # source_file, source_sheet, source_row, column, problem
    rows_read: int
    agency_id: str
    source_file: str
    notes: list[str] = field(default_factory=list)
    rejected_idx: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    """Positions (0-based, in the frame read) of the rejected rows."""
    salt_fingerprint: str | None = None
    """Fingerprint of the salt the hashes were made with (checked against the database's
    by :func:`oneplan.complaints.store.save`)."""


def adapt(frame: pd.DataFrame, feed: Feed, *, source_file: str, source_sheet: str | None = None,
          synthetic: bool = False, strict_columns: bool = True, key: bytes | None = None
          ) -> AdaptResult:
    """Map one agency's rows to the complaint schema; hash IDs and phones on the way in.

    Args:
        frame: the rows as strings (see :func:`read_feed_file`).
        feed: the feed's configuration.
        source_file: recorded with every row (and in every rejection).
        key: the PII salt (default :func:`oneplan.complaints.privacy.salt`).

    Returns:
        An :class:`AdaptResult`; ``len(accepted) + len(rejected rows) == rows_read``.

    Raises:
        FeedError: missing or unknown columns.
    """
    check_columns(frame, feed, source_file, strict=strict_columns)
    n = len(frame)
    frame = frame.reset_index(drop=True)
    col = {f: frame[h].astype("string") for f, h in feed.columns.items() if h in frame}
    problems: list[pd.DataFrame] = []
    # source_row: the line a user sees in the spreadsheet (header is row 1)
    source_row = pd.Series(np.arange(2, n + 2), dtype="int64")

    def flag(mask: pd.Series, field_name: str, problem: str) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            problems.append(pd.DataFrame({"idx": np.flatnonzero(mask.to_numpy()),
                                          "column": feed.columns.get(field_name, field_name),
                                          "problem": problem}))

    case_no = nz.clean(col["case_no"])
    flag(case_no.isna() | (case_no == ""), "case_no", "case number is empty")
    flag(case_no.duplicated(keep="first") & case_no.notna(), "case_no",
         "case number repeats an earlier row of this file")

    received, bad = parse_dates(col["received"], feed.dates)
    flag(bad, "received", f"not a date; expected {_format_hint(feed.dates)}")
    flag(received.isna() & ~bad, "received", "received date is empty")
    dates = {}
    for f in ("first_action", "closed"):
        if f in col:
            dates[f], bad = parse_dates(col[f], feed.dates)
            flag(bad, f, f"not a date; expected {_format_hint(feed.dates)}")
            flag(dates[f] < received.dt.normalize(), f, "date is before the received date")
        else:
            dates[f] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")

    cat_raw = nz.clean(col["category"])
    category = cat_raw.map(feed.categories)
    flag(category.isna(), "category",
         f"unknown category; expected one of {', '.join(feed.categories)}")
    status_raw = nz.clean(col["status"])
    status = status_raw.map(feed.statuses)
    flag(status.isna(), "status", f"unknown status; expected one of {', '.join(feed.statuses)}")

    if "subdistrict_code" in col:
        sub = nz.clean(col["subdistrict_code"]).str.translate(thai.TO_ARABIC_DIGITS)
        flag(~_is_subdistrict(sub), "subdistrict_code",
             "not a sub-district code (6 digits, DOPA)")
    else:
        lookup = _area_lookup()
        keys = zip(col["province"].fillna("").map(_area_key), col["district"].fillna("")
                   .map(_area_key), col["subdistrict"].fillna("").map(_area_key))
        sub = pd.Series([lookup.get(k) for k in keys], index=frame.index, dtype="string")
        flag(sub.isna(), "subdistrict", "no such sub-district in that district and province")
    sub = sub.where(_is_subdistrict(sub))

    for f in ("reopened", "transfers"):
        if f in col:
            v = pd.to_numeric(nz.clean(col[f]).fillna("0"), errors="coerce")
            flag(v.isna() | (v < 0), f, "expected a whole number ≥ 0")
            col[f] = v
    text = nz.clean(col["text"])
    flag(text.isna() | (text == ""), "text", "complaint text is empty")

    # identity
    if "name" in col:
        names = nz.split_name(col["name"])
    else:
        names = pd.DataFrame({"first_name": nz.strip_title(col.get("first_name", pd.Series(
            pd.NA, index=frame.index, dtype="string"))), "last_name": col.get(
            "last_name", pd.Series(pd.NA, index=frame.index, dtype="string"))})
    first = nz.name_key(names["first_name"])
    last = nz.name_key(names["last_name"])
    key = key or salt()
    empty = pd.Series(pd.NA, index=frame.index, dtype="string")
    nid = nz.national_ids(col["national_id"]) if "national_id" in col else empty
    phone = nz.phones(col["phone"]) if "phone" in col else empty
    if "address" in col:
        moo = nz.moo_from_address(col["address"])
        house = nz.house_from_address(col["address"])
        addr = house + "|" + moo.astype("string") + "|" + sub.fillna("")
    else:
        moo = pd.Series(pd.NA, index=frame.index, dtype="Int64")
        addr = empty

    out = pd.DataFrame({
        "complaint_id": feed.agency_id + ":" + case_no.fillna(""),
        "agency_id": feed.agency_id,
        "case_no": case_no,
        "received_on": received.dt.normalize().astype("datetime64[us]"),
        "received_at": received if feed.dates.time else pd.Series(
            pd.NaT, index=frame.index, dtype="datetime64[us]"),
        "category": category.astype("string"),
        "province_code": sub.str[:2],
        "district_code": sub.str[:4],
        "subdistrict_code": sub,
        "moo": moo,
        "text": text,
        "first_name": first,
        "last_name": last,
        "person_id_hash": hash_values(nid, "id", key),
        "phone_hash": hash_values(phone, "phone", key),
        "address_hash": hash_values(addr, "address", key),
        "status": status.astype("string"),
        "first_action_on": dates["first_action"].dt.normalize(),
        "closed_on": dates["closed"].dt.normalize(),
        "reopen_count": col["reopened"].fillna(0).astype("int64") if "reopened" in col
        else 0,
        "transfers": col["transfers"].fillna(0).astype("int64") if "transfers" in col else 0,
        "synthetic": bool(synthetic),
        "source_file": source_file,
        "source_sheet": source_sheet,
        "source_row": source_row,
    })
    if problems:
        rej = pd.concat(problems, ignore_index=True).sort_values(["idx", "column"])
        bad_idx = np.unique(rej["idx"].to_numpy())
    else:
        rej = pd.DataFrame({"idx": pd.Series(dtype="int64"), "column": pd.Series(dtype=str),
                            "problem": pd.Series(dtype=str)})
        bad_idx = np.array([], dtype=np.int64)
    keep = np.ones(n, dtype=bool)
    keep[bad_idx] = False
    accepted = out[keep].reset_index(drop=True)
    rejected = pd.DataFrame({
        "source_file": source_file, "source_sheet": source_sheet,
        "source_row": (rej["idx"].to_numpy() + 2).astype("int64"),
        "column": rej["column"].to_numpy(), "problem": rej["problem"].to_numpy()})
    result = AdaptResult(accepted, rejected, n, feed.agency_id, source_file,
                         rejected_idx=bad_idx, salt_fingerprint=fingerprint(key))
    log.info("%s: %d rows read, %d accepted, %d rejected", source_file, n, len(accepted),
             len(bad_idx))
    return result


def import_file(path: str | Path, agency_id: str, *, synthetic: bool = False,
                strict_columns: bool = True, write_rejects: bool = True,
                reg: Registry | None = None, key: bytes | None = None) -> AdaptResult:
    """Read and adapt one feed file. Rejected rows are written to ``<file>.rejected.csv``
    beside the input (:func:`write_rejected`): the row number, the problem and the row's
    columns with personal data masked, for the agency to find the row in its own file or
    system, fix it there and import the file again (rows already imported come back
    unchanged).

    Args:
        key: the PII salt (default :func:`oneplan.complaints.privacy.salt`; importing
            into a database, :func:`oneplan.complaints.privacy.database_salt`).

    Raises:
        FeedError: see :func:`read_feed_file` and :func:`check_columns`.
    """
    feed = (reg or registry())[agency_id]
    path = Path(path)
    frame = read_feed_file(path, feed)
    result = adapt(frame, feed, source_file=path.name, source_sheet=feed.sheet,
                   synthetic=synthetic, strict_columns=strict_columns, key=key)
    if write_rejects and len(result.rejected_idx):
        out = write_rejected(path, frame, result, feed)
        result.notes.append(f"rejected rows written to {out}")
    return result


def write_rejected(path: Path, frame: pd.DataFrame, result: AdaptResult, feed: Feed) -> Path:
    """Write the rejected rows of ``frame`` to ``<path>.rejected.csv``, readable by its
    owner only (mode 0600 whatever the umask): ``source_row`` (the line in the file),
    ``problem``, then the row's own columns with names, IDs, phones and house numbers
    masked (:func:`oneplan.complaints.privacy.mask_frame`); the case number, dates,
    category and status stay as written.

    Returns:
        The path written.
    """
    bad_rows = mask_frame(frame.iloc[result.rejected_idx], feed.columns,
                          keep=(feed.columns["case_no"],))
    reasons = result.rejected.groupby("source_row").apply(
        lambda g: "; ".join(f"{c}: {p}" for c, p in zip(g["column"], g["problem"])),
        include_groups=False)
    bad_rows.insert(0, "problem", reasons.to_numpy())
    bad_rows.insert(0, "source_row", reasons.index.to_numpy())
    out = path.with_name(path.name + ".rejected.csv")
    # written through a private temp file (mode 0600 before any byte) and moved into
    # place, with inert cells (core.files.write_csv)
    try:
        write_csv(bad_rows, out, mode=0o600)
    except OSError as exc:
        raise FeedError(" / ".join(text("complaints.feeds.rejects_unwritable", lang, path=out,
                                        reason=exc.strerror or type(exc).__name__)
                                   for lang in LANGS)) from None
    return out


def feed_file_name(agency_id: str, feed: Feed, fiscal_year: int) -> str:
    """The file name an agency's export is expected under: ``<agency>_<fy>.<ext>``."""
    return f"{agency_id}_{fiscal_year}.{feed.format}"


def agency_of_file(path: str | Path, reg: Registry | None = None) -> str:
    """The agency id a feed file belongs to (its name starts with it: ``<agency>_<fy>.<ext>``)."""
    reg = reg or registry()
    stem = Path(path).name
    for agency_id in sorted(reg.feeds, key=len, reverse=True):
        if stem.startswith(agency_id + "_"):
            return agency_id
    raise ValueError(f"{path}: no feed name at the start of the file name "
                     f"(expected one of {', '.join(reg.feeds)})")

"""The one adapter that reads any agency feed into the complaint schema, keeping every
complaint however it was typed.

Feeds are declared in YAML (:mod:`oneplan.complaints.feedspec`). Every date cell is read by
the tolerant reader :func:`oneplan.core.thaidates.parse` (the feed's declared format is a
hint for ambiguous values, which are flagged in ``date_flag``); a category label the feed
did not declare is kept in ``agency_category`` and filed under ``other``; a case number
repeated with different content becomes its own record (``agency:case#2``); a place is
read from the columns or else from the free-text address
(:mod:`oneplan.complaints.feedplaces`). Only a row with no usable content (no text, or
neither a date nor a place) is *set aside* for review (``complaint_setaside``, and
``<file>.rejected.csv`` masked, mode 0600). Every line is accounted for:
``lines == accepted + set aside + skipped`` (skipped: blank rows, and a row repeated as it
is later in the file, which the later one updates). A problem with the whole file (wrong
encoding, a column it must have) raises :class:`FeedError` naming it.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from oneplan.core import thaidates
from oneplan.core.files import write_csv
from oneplan.core.text import LANGS, text
from oneplan.complaints import normalise as nz
from oneplan.complaints.feedplaces import resolve as resolve_places
from oneplan.complaints.feedspec import (  # noqa: F401 — the public names of feeds
    FIELDS, FILE_REQUIRED, OTHER, REQUIRED, STATUSES, DateSpec, Feed, FeedError, Registry,
    header_key, label_key, load_registry, match_columns, registry)
from oneplan.complaints.privacy import (fingerprint, hash_values, mask_frame, mask_text,
                                        salt)

log = logging.getLogger(__name__)

CANONICAL_COLUMNS = (
    "complaint_id", "agency_id", "case_no", "received_on", "received_at", "category",
    "agency_category", "date_flag", "case_no_repeat", "province_code", "district_code",
    "subdistrict_code", "moo", "text", "first_name", "last_name", "person_id_hash",
    "phone_hash", "address_hash", "house_no_hash", "place_source", "place_confidence",
    "status", "first_action_on", "closed_on", "reopen_count", "transfers", "synthetic",
    "source_file", "source_sheet", "source_row")
"""Columns of the ``complaints`` table, in order. ``first_name``/``last_name`` are
normalised name keys kept for linkage only; no report or export selects them."""

SETASIDE_COLUMNS = ("agency_id", "source_file", "source_sheet", "source_row", "problem",
                    "row_json", "province_code")
SETASIDE_PROBLEMS = ("no_text", "no_date_no_place", "no_date", "no_province")
"""Why a row is set aside: no complaint text; neither a date nor a place; no date at all
(not even an action or closing date); no province (the file gives none anywhere)."""


def _both(key: str, **fields) -> str:
    return " / ".join(text(f"complaints.feeds.{key}", lang, **fields) for lang in LANGS)


# --- reading files --------------------------------------------------------------------

def read_feed_file(path: str | Path, feed: Feed) -> pd.DataFrame:
    """The rows of one feed file as strings, exactly as written (no conversion).

    Raises:
        FeedError: the file is not in the feed's encoding, or cannot be parsed.
    """
    path = Path(path)
    if feed.format == "xlsx" or path.suffix.lower() == ".xlsx":
        try:
            return pd.read_excel(path, sheet_name=feed.sheet or 0, dtype=str)
        except Exception as exc:
            raise FeedError(f"{path}: cannot read as XLSX (sheet {feed.sheet or 'first'}) "
                            f"for feed {feed.agency_id}: {exc}") from None
    raw = path.read_bytes()
    try:
        decoded = raw.decode(feed.encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FeedError(
            f"{path}: not in the encoding {feed.encoding} configured for feed "
            f"{feed.agency_id} (byte {exc.start}, line {line}); re-export it as "
            f"{feed.encoding} or fix 'encoding' in feeds.yml") from None
    try:
        return pd.read_csv(io.StringIO(decoded.removeprefix("\ufeff")), dtype=str,
                           keep_default_na=False, na_values=[""])
    except Exception as exc:
        raise FeedError(f"{path}: cannot parse as CSV for feed {feed.agency_id}: {exc}") from None


def check_columns(frame: pd.DataFrame, feed: Feed, source: str, *, strict: bool = True
                  ) -> dict[str, str]:
    """Which column of ``frame`` holds which field (:func:`feedspec.match_columns`).

    Returns:
        ``{field: header as in the file}``.

    Raises:
        FeedError: a column of :data:`FILE_REQUIRED` is missing (or, ``strict``, the file has
            columns the feed does not know).
    """
    found = [str(c) for c in frame.columns]
    matched, extra = match_columns(found, feed)
    missing = [feed.columns[f] for f in FILE_REQUIRED if f not in matched]
    hint = ""
    if missing and any(ch in c for c in found for ch in "\ufffdÃà"):
        hint = f"; the headers look garbled: is the file really {feed.encoding}?"
    elif missing and not matched:
        hint = "; is the first row a header row?"
    # what was found is shown masked: in a file without a header row it is a person's data
    if missing:
        raise FeedError(f"{source}: feed {feed.agency_id} is missing columns {missing} "
                        f"(found {[mask_text(c) for c in found]}){hint}")
    if extra and strict:
        raise FeedError(f"{source}: feed {feed.agency_id} has unknown columns "
                        f"{[mask_text(c) for c in extra]}; add them to the feed's "
                        f"header_synonyms or drop them (expected "
                        f"{sorted(feed.columns.values())})")
    if extra:
        log.warning("%s: ignoring unknown columns %s", source, [mask_text(c) for c in extra])
    absent = [h for f, h in feed.columns.items() if f not in matched]
    if absent:
        log.info("%s: columns not in this file: %s", source, absent)
    return matched


# --- the adapter ----------------------------------------------------------------------

@dataclass
class AdaptResult:
    """What one feed file gave: accepted rows (canonical schema), set-aside rows, counts."""

    accepted: pd.DataFrame
    setaside: pd.DataFrame          # SETASIDE_COLUMNS (row_json masked)
    rows_read: int
    agency_id: str
    source_file: str
    notes: list[str] = field(default_factory=list)
    setaside_idx: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    """Positions (0-based, in the frame read) of the set-aside rows."""
    skipped: dict[str, int] = field(default_factory=dict)
    """Rows neither stored nor set aside, by reason (``blank``, ``repeated_row``)."""
    counts: dict[str, int] = field(default_factory=dict)
    """What was flagged or inferred (see :func:`adapt`)."""
    labels: dict[str, Counter] = field(default_factory=dict)
    """Unknown labels seen, by kind (``category``, ``status``)."""
    warnings: list[str] = field(default_factory=list)
    """One line per kind of thing flagged, Thai / English (printed by the import)."""
    columns: dict[str, str] = field(default_factory=dict)
    """Which header of the file was read as which field."""
    salt_fingerprint: str | None = None
    """Fingerprint of the salt the hashes were made with (checked against the database's
    by :func:`oneplan.complaints.store.save`)."""
    stored_ids: pd.Series | None = None
    """The ``complaint_id`` each accepted row was stored under (set by
    :func:`oneplan.complaints.store.save`: a case number already stored with other content
    takes the next ``#n``)."""

    @property
    def rejected(self) -> pd.DataFrame:
        """The set-aside rows (the name of earlier versions)."""
        return self.setaside

    @property
    def skipped_rows(self) -> int:
        """Rows skipped, all reasons."""
        return sum(self.skipped.values())

    def accounting(self) -> str:
        """The row accounting line, Thai / English: lines = stored + set aside + skipped."""
        return _both("accounting", file=self.source_file, lines=f"{self.rows_read:,}",
                     accepted=f"{len(self.accepted):,}", setaside=f"{len(self.setaside):,}",
                     skipped=f"{self.skipped_rows:,}")


def _dates(col: dict[str, pd.Series], fld: str, feed: Feed, index) -> thaidates.ParsedDates:
    if fld not in col:
        nat = pd.Series(pd.NaT, index=index, dtype="datetime64[us]")
        none = pd.Series(pd.NA, index=index, dtype="string")
        return thaidates.ParsedDates(nat, none, none, pd.Series(False, index=index))
    order = "mdy" if feed.dates.order == "mdy" else "dmy"
    return thaidates.parse(col[fld], order=order, era=feed.dates.era, min_year=1950,
                           max_year=2150)


def _content_case_no(received: pd.Series, body: pd.Series) -> pd.Series:
    """A case number for a row without one, from its content (same row, same number)."""
    keys = received.dt.strftime("%Y-%m-%d").fillna("") + "|" + body.fillna("")
    return pd.Series(["nocase-" + hashlib.sha1(k.encode()).hexdigest()[:10] for k in keys],
                     index=received.index, dtype="string")


def _status(col, feed, dates, index, counts, labels) -> pd.Series:
    raw = nz.clean(col["status"]) if "status" in col else pd.Series(pd.NA, index=index,
                                                                      dtype="string")
    status = pd.Series(feed.status_of([label_key(v) for v in raw.astype(object)]),
                       index=index, dtype="string")
    unknown = status.isna()
    if unknown.any():  # from what the row says happened: a closing date, an action date
        inferred = np.where(dates["closed"].notna(), "closed",
                            np.where(dates["first_action"].notna(), "in_progress", "received"))
        status[unknown] = inferred[unknown.to_numpy()]
        seen = raw[unknown & raw.notna()]
        if len(seen):
            counts["unknown_statuses"] = int(len(seen))
            labels["status"] = Counter(seen.tolist())
    return status


def adapt(frame: pd.DataFrame, feed: Feed, *, source_file: str, source_sheet: str | None = None,
          synthetic: bool = False, strict_columns: bool = True, key: bytes | None = None,
          province_hint: str | None = None) -> AdaptResult:
    """Map one agency's rows to the complaint schema; hash IDs and phones on the way in.

    Args:
        frame: the rows as read (see :func:`read_feed_file`).
        feed: the feed's declaration.
        source_file: recorded with every row.
        key: the PII salt (default :func:`oneplan.complaints.privacy.salt`).
        province_hint: the file's province (a DOPA code) for rows whose place is unknown
            (default: the province most of its rows are in).

    Returns:
        An :class:`AdaptResult`; ``rows_read == accepted + set aside + skipped``. Its
        ``counts``: ``ambiguous_dates``, ``two_digit_years``, ``era_guessed``,
        ``date_problems``, ``received_from_other_date``, ``unknown_categories``,
        ``unknown_statuses``, ``repeated_cases``, ``places_from_text``, ``places_unknown``,
        ``bad_numbers``, ``dates_before_received``, ``no_case_no``.

    Raises:
        FeedError: a column the file must have is missing (or an unknown one, ``strict``).
    """
    matched = check_columns(frame, feed, source_file, strict=strict_columns)
    n = len(frame)
    frame = frame.reset_index(drop=True)
    index = frame.index
    col = {f: nz.clean(frame[h].astype("string")) for f, h in matched.items()}
    counts: dict[str, int] = {}
    labels: dict[str, Counter] = {}
    cells = frame.astype("string").apply(lambda s: s.str.strip()).replace("", pd.NA)
    blank = cells.isna().all(axis=1).to_numpy() if n else np.zeros(0, bool)

    # dates: one tolerant reader, the declaration only a hint
    dates = {f: _dates(col, f, feed, index) for f in ("received", "first_action", "closed")}
    rec = dates["received"]
    received = rec.timestamps.copy()
    date_flag = rec.flags.copy()
    for kind, code in (("ambiguous_dates", "ambiguous_dm"), ("two_digit_years", "two_digit_year"),
                       ("era_guessed", "era_guessed")):
        counts[kind] = int(rec.flags.str.contains(code, regex=False).fillna(False).sum())
    counts["date_problems"] = int(sum(d.problems.notna().sum() for d in dates.values()))
    other = dates["first_action"].timestamps.fillna(dates["closed"].timestamps)
    fallback = received.isna() & other.notna()
    received[fallback] = other[fallback]
    date_flag[fallback] = "received_from_other_date"
    counts["received_from_other_date"] = int(fallback.sum())
    day = received.dt.normalize()
    follow = {}
    counts["dates_before_received"] = 0
    for f in ("first_action", "closed"):
        v = dates[f].timestamps.dt.normalize()
        early = (v < day).fillna(False)
        counts["dates_before_received"] += int(early.sum())
        follow[f] = v.where(~early)
    body = col.get("text", pd.Series(pd.NA, index=index, dtype="string"))

    # categories: unknown labels kept and filed under "other"
    cat_raw = col.get("category", pd.Series(pd.NA, index=index, dtype="string"))
    category = pd.Series(feed.category_of([label_key(v) for v in cat_raw.astype(object)]),
                         index=index, dtype="string")
    unknown = category.isna() & cat_raw.notna()
    counts["unknown_categories"] = int(unknown.sum())
    if unknown.any():
        labels["category"] = Counter(cat_raw[unknown].tolist())
    category = category.fillna(OTHER)
    status = _status(col, feed, {k: v for k, v in follow.items()}, index, counts, labels)

    places = resolve_places(col, index, province_hint=province_hint)
    sub = places["subdistrict_code"]
    counts["places_from_text"] = int((places["place_source"] == "free_text").sum())

    # rows with no usable content are set aside
    no_text = body.isna() | (body == "")
    no_date = received.isna()
    has_place = sub.notna()
    problem = pd.Series(pd.NA, index=index, dtype="string")
    problem[no_date & ~has_place] = "no_date_no_place"
    problem[no_date & has_place] = "no_date"
    problem[places["province_code"].isna() & problem.isna()] = "no_province"
    problem[no_text] = "no_text"
    problem[blank] = pd.NA
    aside = problem.notna().to_numpy()
    keep = ~aside & ~blank
    counts["places_unknown"] = int((keep & sub.isna().to_numpy()).sum())

    # case numbers: a missing one from the content; repeats with other content kept
    case_no = col.get("case_no", pd.Series(pd.NA, index=index, dtype="string"))
    no_case = case_no.isna() | (case_no == "")
    counts["no_case_no"] = int((no_case & keep).sum())
    case_no = case_no.where(~no_case, _content_case_no(day, body))
    content = day.dt.strftime("%Y-%m-%d").fillna("") + "\x1f" + body.fillna("")
    k = pd.DataFrame({"case": case_no, "content": content, "pos": np.arange(n)})[keep]
    later_same = k.duplicated(["case", "content"], keep="last")
    repeated_row = np.zeros(n, bool)
    repeated_row[k.loc[later_same, "pos"].to_numpy()] = True
    k = k[~later_same]
    first_pos = k.groupby(["case", "content"])["pos"].transform("min")
    nth = first_pos.groupby(k["case"]).rank(method="dense").astype(int)
    suffix = pd.Series("", index=index, dtype="string")
    nth_all = pd.Series(1, index=index)
    nth_all[k.index] = nth
    suffix[nth_all >= 2] = "#" + nth_all[nth_all >= 2].astype(str)
    counts["repeated_cases"] = int(((nth_all >= 2) & ~pd.Series(repeated_row)).sum())
    keep &= ~repeated_row

    # numbers
    nums = {}
    counts["bad_numbers"] = 0
    for f in ("reopened", "transfers"):
        if f in col:
            v = pd.to_numeric(col[f].fillna("0"), errors="coerce")
            bad = v.isna() | (v < 0) | (v % 1 != 0)
            counts["bad_numbers"] += int((bad & pd.Series(keep)).sum())
            nums[f] = v.where(~bad, 0).astype("int64")
        else:
            nums[f] = pd.Series(0, index=index, dtype="int64")

    # identity
    if "name" in col:
        names = nz.split_name(col["name"])
    else:
        names = pd.DataFrame({"first_name": nz.strip_title(col.get("first_name", pd.Series(
            pd.NA, index=index, dtype="string"))), "last_name": col.get(
            "last_name", pd.Series(pd.NA, index=index, dtype="string"))})
    key = key or salt()
    empty = pd.Series(pd.NA, index=index, dtype="string")
    nid = nz.national_ids(col["national_id"]) if "national_id" in col else empty
    phone = nz.phones(col["phone"]) if "phone" in col else empty
    house = places["house_no"]
    addr = (house + "|" + places["moo"].astype("string") + "|" + sub.fillna("")).where(
        house.notna() | places["moo"].notna())

    out = pd.DataFrame({
        "complaint_id": feed.agency_id + ":" + case_no.fillna("") + suffix,
        "agency_id": feed.agency_id,
        "case_no": case_no,
        "received_on": day.astype("datetime64[us]"),
        "received_at": received.where(rec.has_time & ~fallback).astype("datetime64[us]"),
        "category": category,
        "agency_category": cat_raw,
        "date_flag": date_flag,
        "case_no_repeat": nth_all >= 2,
        "province_code": places["province_code"],
        "district_code": sub.str[:4],
        "subdistrict_code": sub,
        "moo": places["moo"],
        "text": body,
        "first_name": nz.name_key(names["first_name"]),
        "last_name": nz.name_key(names["last_name"]),
        "person_id_hash": hash_values(nid, "id", key),
        "phone_hash": hash_values(phone, "phone", key),
        "address_hash": hash_values(addr, "address", key),
        "house_no_hash": hash_values(house, "house", key),
        "place_source": places["place_source"],
        "place_confidence": places["place_confidence"],
        "status": status,
        "first_action_on": follow["first_action"].astype("datetime64[us]"),
        "closed_on": follow["closed"].astype("datetime64[us]"),
        "reopen_count": nums["reopened"],
        "transfers": nums["transfers"],
        "synthetic": bool(synthetic),
        "source_file": source_file,
        "source_sheet": source_sheet,
        "source_row": pd.Series(np.arange(2, n + 2), dtype="int64"),  # header is row 1
    })
    accepted = out[keep].reset_index(drop=True)
    aside_idx = np.flatnonzero(aside)
    setaside = setaside_frame(frame.iloc[aside_idx], matched, problem[aside].tolist(),
                              agency_id=feed.agency_id, source_file=source_file,
                              source_sheet=source_sheet,
                              province_codes=places["province_code"][aside].tolist())
    result = AdaptResult(
        accepted, setaside, n, feed.agency_id, source_file, setaside_idx=aside_idx,
        skipped={k: v for k, v in (("blank", int(blank.sum())),
                                   ("repeated_row", int(repeated_row.sum()))) if v},
        counts=counts, labels=labels, columns=matched, salt_fingerprint=fingerprint(key))
    result.warnings = warnings(result)
    log.info("%s: %d rows read, %d accepted, %d set aside, %d skipped", source_file, n,
             len(accepted), len(aside_idx), result.skipped_rows)
    return result


def setaside_frame(rows: pd.DataFrame, matched: dict[str, str], problems: list[str], *,
                   agency_id: str, source_file: str, source_sheet: str | None,
                   province_codes: list | None = None) -> pd.DataFrame:
    """Set-aside rows as stored in ``complaint_setaside``: where they are, why, and the row
    itself as JSON with its personal data masked."""
    masked = mask_frame(rows, matched, keep=tuple(h for f, h in matched.items()
                                                  if f == "case_no"))
    as_json = [json.dumps({str(k): (None if v is None or v != v else str(v))
                           for k, v in r.items()}, ensure_ascii=False)
               for r in masked.to_dict("records")]
    return pd.DataFrame({
        "agency_id": agency_id, "source_file": source_file, "source_sheet": source_sheet,
        "source_row": (rows.index.to_numpy() + 2).astype("int64"),
        "problem": pd.Series(problems, dtype="string").to_numpy(),
        "row_json": as_json,
        "province_code": pd.Series(province_codes if province_codes is not None
                                   else [None] * len(rows), dtype="string").to_numpy()},
        columns=list(SETASIDE_COLUMNS))


def warnings(result: AdaptResult, top: int = 10) -> list[str]:
    """One line per kind of thing flagged in a file (Thai / English): unknown categories
    with the labels seen (``top`` most common), unknown statuses, dates read with the hint
    or unreadable, repeated case numbers, places read from text or unknown."""
    c, out, f = result.counts, [], result.source_file
    for kind in ("category", "status"):
        seen = result.labels.get(kind)
        if seen:
            shown = ", ".join(f"{mask_text(lab)} ({k:,})" for lab, k in seen.most_common(top))
            out.append(_both(f"warn.unknown_{kind}", file=f, n=f"{sum(seen.values()):,}",
                             labels=shown))
    if c.get("ambiguous_dates") or c.get("two_digit_years") or c.get("era_guessed"):
        out.append(_both("warn.date_flags", file=f, ambiguous=f"{c['ambiguous_dates']:,}",
                         two_digit=f"{c['two_digit_years']:,}", era=f"{c['era_guessed']:,}"))
    if c.get("date_problems"):
        out.append(_both("warn.date_problems", file=f, n=f"{c['date_problems']:,}",
                         fallback=f"{c['received_from_other_date']:,}"))
    if c.get("repeated_cases"):
        out.append(_both("warn.repeated_cases", file=f, n=f"{c['repeated_cases']:,}"))
    if c.get("places_from_text") or c.get("places_unknown"):
        out.append(_both("warn.places", file=f, text=f"{c['places_from_text']:,}",
                         unknown=f"{c['places_unknown']:,}"))
    return out


def import_file(path: str | Path, agency_id: str, *, synthetic: bool = False,
                strict_columns: bool = True, write_rejects: bool = True,
                reg: Registry | None = None, key: bytes | None = None) -> AdaptResult:
    """Read and adapt one feed file. Set-aside rows are written to ``<file>.rejected.csv``
    beside the input (:func:`write_rejected`): the row number, the problem and the row's
    columns with personal data masked, for the agency to find the row in its own file or
    system, complete it there and import the file again.

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
    if write_rejects and len(result.setaside_idx):
        out = write_rejected(path, frame, result, feed)
        result.notes.append(f"set-aside rows written to {out}")
    return result


def write_rejected(path: Path, frame: pd.DataFrame, result: AdaptResult, feed: Feed) -> Path:
    """Write the set-aside rows of ``frame`` to ``<path>.rejected.csv``, readable by its
    owner only (mode 0600 whatever the umask): ``source_row`` (the line in the file),
    ``problem`` (in words, Thai / English), then the row's own columns with names, IDs,
    phones and house numbers masked (:func:`oneplan.complaints.privacy.mask_frame`); the
    case number, dates, category and status stay as written.

    Returns:
        The path written.
    """
    matched = result.columns or {f: h for f, h in feed.columns.items() if h in frame}
    case_header = tuple(h for f, h in matched.items() if f == "case_no")
    rows = mask_frame(frame.iloc[result.setaside_idx], matched, keep=case_header)
    reasons = [_both(f"setaside.{p}") for p in result.setaside["problem"]]
    rows.insert(0, "problem", reasons)
    rows.insert(0, "source_row", result.setaside["source_row"].to_numpy())
    out = path.with_name(path.name + ".rejected.csv")
    # written through a private temp file (mode 0600 before any byte) and moved into
    # place, with inert cells (core.files.write_csv)
    try:
        write_csv(rows, out, mode=0o600)
    except OSError as exc:
        raise FeedError(" / ".join(text("complaints.feeds.rejects_unwritable", lang, path=out,
                                        reason=exc.strerror or type(exc).__name__)
                                   for lang in LANGS)) from None
    return out


def problem_text(code: str, lang: str = "th") -> str:
    """Why a row was set aside (a code of :data:`SETASIDE_PROBLEMS`), in words."""
    return text(f"complaints.feeds.setaside.{code}", lang)


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

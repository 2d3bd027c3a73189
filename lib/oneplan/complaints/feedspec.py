"""Feed declarations: the YAML that says how one agency writes its export, read and checked.

A feed is configuration, not code (``feeds.yml`` beside this module, plus any file a user
gives with ``oneplan complaints import --feeds MYFEEDS.yml``): its columns (canonical field
-> header), other spellings of those headers (``header_synonyms``), the date order and era
it declares (a *hint* for ambiguous dates only: :mod:`oneplan.core.thaidates`), and its
status and category vocabularies. Headers, statuses and category labels match after NFKC,
case, space and dot normalisation (``อื่น ๆ`` = ``อื่นๆ``; ``Ticket ID`` = ``ticket_id``
is *not* implied: give it as a synonym).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict

from oneplan.core.errors import UserError
from oneplan.core.text import LANGS, check_lang

FIELDS = ("case_no", "received", "name", "title", "first_name", "last_name", "national_id",
          "phone", "address", "subdistrict_code", "subdistrict", "district", "province",
          "category", "text", "status", "first_action", "closed", "reopened", "transfers")
REQUIRED = ("case_no", "received", "category", "text", "status")
"""Fields every feed declaration names."""
FILE_REQUIRED = ("received", "text")
"""Fields a file must hold a column for (the others may be missing from a file: a missing
case-number column gets numbers made from the content, a missing place is read from the
address, a missing category is ``other``)."""
STATUSES = ("received", "in_progress", "closed")
OTHER = "other"
"""The national category of a label the feed does not declare (Thai "อื่น ๆ")."""
OTHER_WORDS = ("อื่น", "อื่นๆ", "อื่นๆๆ", "เรื่องอื่น", "เรื่องอื่นๆ", "อื่นๆโปรดระบุ", "ไม่ระบุ",
               "other", "others", "misc")
"""Labels that mean "other" in any feed (after :func:`label_key`)."""


class FeedError(UserError, ValueError):
    """A feed file or declaration that cannot be read as configured (encoding, columns,
    YAML); a user error (exit 2)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DateSpec(_Strict):
    """How a feed says it writes its dates: field order, era (พ.ศ. ``be`` / ค.ศ. ``ce``), a
    time after the received date or not, the separator. Only a hint: every date is read by
    :func:`oneplan.core.thaidates.parse` whatever its form."""

    order: Literal["dmy", "mdy", "ymd", "d_mon_y"]
    era: Literal["be", "ce"]
    time: bool = False
    sep: str = "/"


class Feed(_Strict):
    """One agency's export, as declared in YAML."""

    agency_id: str = ""
    name_th: str
    name_en: str
    short_th: str = ""      # the usual abbreviation (กฟภ.), for tight table cells
    short_en: str = ""
    format: Literal["csv", "xlsx"]
    encoding: str = "utf-8"
    sheet: str | None = None
    columns: dict[str, str]
    header_synonyms: dict[str, list[str]] = {}
    dates: DateSpec
    statuses: dict[str, Literal["received", "in_progress", "closed"]]
    categories: dict[str, str]

    def header(self, name: str) -> str | None:
        """The feed's declared column header for a field of :data:`FIELDS` (None: none)."""
        return self.columns.get(name)

    def full_name(self, lang: str = "th") -> str:
        """The agency's name in ``lang``."""
        return getattr(self, f"name_{check_lang(lang)}")

    def short_name(self, lang: str = "th") -> str:
        """The agency's abbreviation in ``lang`` (its full name when none is set)."""
        return getattr(self, f"short_{check_lang(lang)}") or self.full_name(lang)

    def category_of(self, label_keys) -> list[str | None]:
        """National category codes of normalised labels (:func:`label_key`); None where
        the feed does not know the label."""
        known = {label_key(k): v for k, v in self.categories.items()}
        return [known.get(k, OTHER if k in _OTHER_KEYS else None) if k else None
                for k in label_keys]

    def status_of(self, label_keys) -> list[str | None]:
        """Status codes of normalised status words; None where unknown."""
        known = {label_key(k): v for k, v in self.statuses.items()}
        return [known.get(k) if k else None for k in label_keys]


def header_key(name: object) -> str:
    """A header as matched: NFKC, case-folded, without spaces, underscores, hyphens,
    zero-width characters and a trailing ``:`` or ``*`` (``tambon_code`` = ``Tambon code``
    = ``tambon-code``; ``ชื่อ-สกุล`` = ``ชื่อ สกุล``)."""
    s = unicodedata.normalize("NFKC", str(name)).casefold()
    s = re.sub(r"[\s_\-\u2010-\u2015\u200b\u200c\u200d\ufeff]+", "", s)
    return s.rstrip(":*")


def label_key(label: object) -> str:
    """A category or status label as matched: NFKC, case-folded, without spaces, dots and
    zero-width characters (``อื่น ๆ`` = ``อื่นๆ``, ``ถนน ชำรุด`` = ``ถนนชำรุด``)."""
    if not isinstance(label, str):
        if label is None or pd.isna(label):
            return ""
        label = str(label)
    s = unicodedata.normalize("NFKC", str(label)).casefold()
    return re.sub(r"[\s.\u200b\u200c\u200d\ufeff]+", "", s)


_OTHER_KEYS = frozenset(label_key(w) for w in OTHER_WORDS)


def match_columns(headers, feed: Feed) -> tuple[dict[str, str], list[str]]:
    """Which header of a file holds which field: the declared header or one of its
    ``header_synonyms``, compared after :func:`header_key`.

    Returns:
        ``({field: header as in the file}, [headers not used])``.
    """
    found = {header_key(h): str(h) for h in headers}
    out: dict[str, str] = {}
    for fld, declared in feed.columns.items():
        for name in [declared] + list(feed.header_synonyms.get(fld, [])):
            h = found.get(header_key(name))
            if h is not None and h not in out.values():
                out[fld] = h
                break
    unused = [str(h) for h in headers if str(h) not in out.values()]
    return out, unused


@dataclass
class Registry:
    """Every configured feed (by agency id) and the category vocabulary."""

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


def _read_yaml(path: Path | None) -> dict:
    if path is None:
        raw = resources.files("oneplan.complaints").joinpath("feeds.yml").read_text("utf-8")
        where = "feeds.yml"
    else:
        where = str(path)
        try:
            raw = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FeedError(f"{where}: cannot read the feed declarations: {exc}") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise FeedError(f"{where}: not valid YAML" + (f" (line {line + 1})" if line is not None
                                                      else "")) from None
    if not isinstance(data, dict) or not isinstance(data.get("feeds"), dict):
        raise FeedError(f"{where}: expected a mapping with a 'feeds:' section")
    return {"where": where, **data}


def _check_feed(agency_id: str, raw: dict, cats: dict, where: str) -> Feed:
    try:
        feed = Feed.model_validate({**raw, "agency_id": agency_id})
    except Exception as exc:  # pydantic's message names the key
        first = str(exc).splitlines()
        raise FeedError(f"{where}: feed {agency_id}: {' '.join(first[:3])}") from None
    unknown = (set(feed.columns) | set(feed.header_synonyms)) - set(FIELDS)
    missing = [f for f in REQUIRED if f not in feed.columns]
    if unknown or missing:
        raise FeedError(f"{where}: feed {agency_id}: unknown fields {sorted(unknown)}"
                        f" / missing required {missing}")
    bad = {v for v in feed.categories.values() if v not in cats}
    if bad:
        raise FeedError(f"{where}: feed {agency_id}: categories {sorted(bad)} are not "
                        f"in the category list ({', '.join(cats)})")
    return feed


def load_registry(path: str | Path | None = None, extra: list[str | Path] | tuple = ()
                  ) -> Registry:
    """The feed registry from ``feeds.yml`` (or ``path``) and the user's feed files
    ``extra`` (each a mapping with ``feeds:``; a feed of the same id replaces the built-in
    one), validated.

    Raises:
        FeedError: unreadable YAML, an unknown key, a missing required column, or a
            category mapped to a code that is not in ``categories``.
    """
    base = _read_yaml(Path(path) if path else None)
    cats = {k: tuple(v) for k, v in base["categories"].items()}
    feeds: dict[str, Feed] = {}
    for data in [base] + [_read_yaml(Path(p)) for p in extra]:
        for agency_id, raw in data["feeds"].items():
            if not isinstance(raw, dict):
                raise FeedError(f"{data['where']}: feed {agency_id}: expected a mapping")
            feeds[str(agency_id)] = _check_feed(str(agency_id), raw, cats, data["where"])
    return Registry(feeds, cats)


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The default registry (cached)."""
    return load_registry()

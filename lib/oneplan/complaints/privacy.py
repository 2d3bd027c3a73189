"""Personal data protection for complaints: the salt, its fingerprint in the database, the
salted hashes, and the masking of rows that leave the database (rejected feed rows).

* National IDs, phone numbers and house addresses are stored only as salted hashes
  (HMAC-SHA-256 of the normalised value, truncated to 16 bytes). The salt comes from
  ``$ONEPLAN_PII_SALT`` or, if that is unset, from a salt file (``data/.pii_salt``, git
  ignored; ``$ONEPLAN_PII_SALT_FILE`` moves it). It must have at least 16 characters.
* **One salt per database.** The same person's hashes match only under the same salt, so
  the database records a *fingerprint* of the salt (an HMAC of a fixed label under the
  salt, :func:`fingerprint`: it names the salt without revealing it) in ``meta`` under
  :data:`FINGERPRINT_KEY` when hashes are first written. Importing and linking check it
  (:func:`database_salt`, :func:`verify_salt`) and refuse to run with another salt: a lost
  salt file or a changed ``$ONEPLAN_PII_SALT`` would otherwise break links silently. A new
  salt file is created only while the database holds no hashes yet.
* **Re-hash.** Raw IDs and phones are never kept, so hashes made with a lost salt cannot
  be recomputed from the database. ``oneplan complaints import DIR --rehash`` re-imports
  the agencies' feeds with the current salt, replaces the hashes of every record found in
  them, drops (sets to NULL) the hashes of records not in them — they were made with the
  old salt and can no longer match anything — and records the new fingerprint. Run it
  with every feed already imported; records of feeds left out keep their links and
  clusters but can be matched again only by name and place until their feed is
  re-imported with ``--rehash``.
* Names are kept only for linkage inside the database; no report, export or log shows
  them. Rows that leave the database for a person to fix (``<feed>.rejected.csv``) are
  masked (:func:`mask_frame`): IDs and phones keep their last 4 digits (``08x-xxx-1234``),
  names their first letter (``ส×``), addresses lose the house number; IDs, phones and
  titled names typed into free text are masked the same way. The scan of generated files
  is :mod:`oneplan.core.pii`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

import duckdb
import pandas as pd

from oneplan.core.errors import UserError
from oneplan.core.paths import ROOT
from oneplan.core.text import LANGS, text

log = logging.getLogger(__name__)

SALT_ENV = "ONEPLAN_PII_SALT"
SALT_FILE_ENV = "ONEPLAN_PII_SALT_FILE"
DEFAULT_SALT_FILE = ROOT / "data" / ".pii_salt"
MIN_SALT_CHARS = 16
FINGERPRINT_KEY = "pii_salt_fingerprint"
"""``meta`` key holding the fingerprint of the salt the database's hashes were made with."""

_FINGERPRINT_LABEL = b"oneplan: fingerprint of the personal-data salt, v1"
_HASH_COLUMNS = ("person_id_hash", "phone_hash", "address_hash")


def _both(key: str, **fields) -> str:
    """The catalogue text ``complaints.salt.<key>``: Thai, then English, on one line."""
    return " / ".join(text(f"complaints.salt.{key}", lang, **fields) for lang in LANGS)


class SaltError(UserError):
    """The salt is missing, too short or unreadable (exit code 2)."""


class SaltMissingError(SaltError):
    """No salt: ``$ONEPLAN_PII_SALT`` unset and no salt file, and none may be created."""


class SaltMismatchError(SaltError):
    """The salt in use is not the one the database's hashes were made with."""


def salt_file() -> Path:
    """Where the salt file is (``$ONEPLAN_PII_SALT_FILE``, else ``data/.pii_salt``)."""
    return Path(os.environ.get(SALT_FILE_ENV) or DEFAULT_SALT_FILE)


def salt_source() -> str:
    """Where the salt in use comes from, for messages: ``$ONEPLAN_PII_SALT`` or the file."""
    return f"${SALT_ENV}" if os.environ.get(SALT_ENV) is not None else str(salt_file())


def _create_salt_file(path: Path) -> None:
    # written whole to a private temporary file, then linked into place: a process
    # starting at the same moment sees either no file or the full salt, and only one wins
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    try:
        os.link(tmp, path)
        log.warning("created a new PII salt file at %s; keep it with the database backups "
                    "and out of git", path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def salt(*, create: bool = True) -> bytes:
    """The PII salt: ``$ONEPLAN_PII_SALT``, else the salt file.

    Args:
        create: create the salt file when it is missing (only safe while no database
            holds hashes: importing code asks :func:`database_salt` instead).

    Raises:
        SaltMissingError: no salt and ``create`` is False.
        SaltError: the salt is shorter than 16 characters or the file cannot be read.
    """
    value = os.environ.get(SALT_ENV)
    source = f"${SALT_ENV}"
    if value is None:
        path = salt_file()
        source = str(path)
        if not path.exists():
            if not create:
                raise SaltMissingError(_both("missing", path=path, env=SALT_ENV))
            _create_salt_file(path)
        try:
            value = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise SaltError(_both("unreadable", path=path,
                                  reason=type(exc).__name__)) from None
    if len(value) < MIN_SALT_CHARS:
        raise SaltError(_both("short", source=source, length=len(value),
                              minimum=MIN_SALT_CHARS, env=SALT_ENV))
    return value.encode("utf-8")


def fingerprint(key: bytes) -> str:
    """A short name of the salt ``key`` that does not reveal it: HMAC-SHA-256 of a fixed
    label under the salt, 64 bits written as 16 letters ``a``–``p``."""
    return (hmac.new(key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]
            .translate(_LETTERS))


# --- the salt of a database ---------------------------------------------------------------

def recorded_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The salt fingerprint recorded in the database's ``meta`` (None: none yet)."""
    try:
        rows = con.execute("SELECT value FROM meta WHERE key = ?", [FINGERPRINT_KEY]).fetchall()
    except duckdb.CatalogException:  # a database without a meta table: nothing recorded
        return None
    return rows[0][0] if rows else None


def record_fingerprint(con: duckdb.DuckDBPyConnection, fp: str) -> None:
    """Record ``fp`` as the fingerprint of the database's salt."""
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [FINGERPRINT_KEY, fp])


def has_hashes(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any complaint in the database holds a salted hash."""
    try:
        return bool(con.execute(
            "SELECT EXISTS (SELECT 1 FROM complaints WHERE "
            + " OR ".join(f"{c} IS NOT NULL" for c in _HASH_COLUMNS) + ")").fetchall()[0][0])
    except duckdb.CatalogException:  # a database without the complaint tables
        return False


def database_path(con: duckdb.DuckDBPyConnection) -> str:
    """The file of the database ``con`` is connected to (``:memory:`` for none)."""
    rows = con.execute("SELECT path FROM duckdb_databases() "
                       "WHERE database_name = current_database()").fetchall()
    return (rows[0][0] if rows else None) or ":memory:"


def _lost(con: duckdb.DuckDBPyConnection) -> SaltMismatchError:
    return SaltMismatchError(_both("lost", path=salt_file(), env=SALT_ENV,
                                   db=database_path(con)))


def _changed(con: duckdb.DuckDBPyConnection, recorded: str, current: str
             ) -> SaltMismatchError:
    return SaltMismatchError(_both("changed", source=salt_source(), env=SALT_ENV,
                                   db=database_path(con), recorded=recorded, current=current))


def check_fingerprint(con: duckdb.DuckDBPyConnection, fp: str, *, rehash: bool = False,
                      record: bool = True) -> None:
    """Check that hashes made with the salt of fingerprint ``fp`` may go into the database.

    They may when the database records ``fp``, records nothing yet, or holds no hashes;
    ``record`` then writes ``fp`` as the database's salt. A database with hashes but no
    fingerprint (made before fingerprints were kept) takes ``fp`` on trust, with a warning.

    Raises:
        SaltMismatchError: the database's hashes were made with another salt and
            ``rehash`` is False.
    """
    recorded = recorded_fingerprint(con)
    if recorded == fp:
        return
    if recorded is not None and not rehash and has_hashes(con):
        raise _changed(con, recorded, fp)
    if record and recorded is None and not rehash and has_hashes(con):
        log.warning("the database %s holds hashes but no salt fingerprint; taking the salt "
                    "of %s as its salt from now on", database_path(con), salt_source())
    if record:
        record_fingerprint(con, fp)


def check_same_hashes(con: duckdb.DuckDBPyConnection, incoming: str, *,
                      at_least: int = 3) -> None:
    """For a database without a recorded fingerprint (made before fingerprints were kept):
    check that cases imported again, in the registered table ``incoming``, hash as they
    did. Under one salt most cases read again keep their ID or phone hash; under another,
    none does. Checked when ``at_least`` cases carry an ID or phone hash on both sides.

    Raises:
        SaltMismatchError: no case read again kept its hashes.
    """
    if recorded_fingerprint(con) is not None:
        return
    pairs = [(f"c.{h}", f"i.{h}") for h in ("person_id_hash", "phone_hash")]
    both = " OR ".join(f"({a} IS NOT NULL AND {b} IS NOT NULL)" for a, b in pairs)
    same = " OR ".join(f"{a} = {b}" for a, b in pairs)
    n_both, n_same = con.execute(
        f"SELECT count(*) FILTER (WHERE {both}), count(*) FILTER (WHERE {same}) "
        f"FROM {incoming} i JOIN complaints c USING (complaint_id)").fetchall()[0]
    if n_both >= at_least and n_same == 0:
        raise SaltMismatchError(_both("unrecorded", source=salt_source(), env=SALT_ENV,
                                      db=database_path(con), cases=f"{n_both:,}"))


def database_salt(con: duckdb.DuckDBPyConnection, *, rehash: bool = False) -> bytes:
    """The salt to hash new records of this database with, checked against its fingerprint.

    A missing salt file is created only while the database holds no hashes (or with
    ``rehash``: the old hashes are then replaced). Nothing is recorded here: the
    fingerprint is written with the first hashes (:func:`check_fingerprint`).

    Raises:
        SaltMismatchError: the salt file is missing, or the salt is not the database's,
            while the database holds hashes and ``rehash`` is False.
        SaltError: the salt is too short or unreadable.
    """
    hashed = has_hashes(con)
    try:
        key = salt(create=rehash or not hashed)
    except SaltMissingError:
        raise _lost(con) from None
    check_fingerprint(con, fingerprint(key), rehash=rehash, record=False)
    return key


def verify_salt(con: duckdb.DuckDBPyConnection) -> None:
    """Check, before linking, that the salt in use is the database's own (a lost file or a
    changed ``$ONEPLAN_PII_SALT`` is found before the next import mixes two salts). A
    database without a recorded fingerprint or without hashes is not checked.

    Raises:
        SaltMismatchError: the salt is missing or is not the database's.
        SaltError: the salt is too short or unreadable.
    """
    recorded = recorded_fingerprint(con)
    if recorded is None or not has_hashes(con):
        return
    try:
        key = salt(create=False)
    except SaltMissingError:
        raise _lost(con) from None
    if fingerprint(key) != recorded:
        raise _changed(con, recorded, fingerprint(key))


def rehash_message(refreshed: int, dropped: int) -> str:
    """What a re-hash did, in Thai and English (one line)."""
    return _both("rehashed", refreshed=f"{refreshed:,}", dropped=f"{dropped:,}")


def rehash_nothing_message(folder) -> str:
    """The refusal of a re-hash given a folder without feed files (Thai / English)."""
    return _both("rehash_nothing", folder=folder)


# --- hashing ------------------------------------------------------------------------------

_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def hash_values(values: pd.Series, kind: str, key: bytes | None = None) -> pd.Series:
    """Salted hashes of normalised values (NA stays NA).

    Args:
        values: normalised IDs or phones (see :mod:`.normalise`).
        kind: ``"id"`` or ``"phone"``; part of the message so the two never collide.
        key: the salt; default :func:`salt`.

    Returns:
        32 characters ``a``–``p`` per value (128 bits, hex written with letters only, so
        that no scanner ever mistakes part of a hash for a national ID or a phone number).
    """
    key = key or salt()
    prefix = kind.encode() + b":"
    out = [None if v is None or v is pd.NA or v != v else
           hmac.new(key, prefix + str(v).encode(), hashlib.sha256).hexdigest()[:32]
           .translate(_LETTERS) for v in values.astype(object)]
    return pd.Series(out, index=values.index, dtype="string")


# --- masking rows that leave the database ---------------------------------------------------

MASK = "×"
"""What stands for a hidden letter of a name (a digit is hidden as ``x``)."""

# a run of 9+ digits (Thai digits too: ``\d`` is any decimal digit), possibly split by
# spaces, dashes, dots or brackets: an ID or a phone number
_NUMBER_RE = re.compile(r"(?<![\dx])\+?\d(?:[\s\-.()]{0,2}\d){8,}(?!\d)")
_TITLES = ("นางสาว", "น.ส.", "นาย", "นาง", "ด.ช.", "ด.ญ.", "เด็กชาย", "เด็กหญิง")
# a title, then one or two Thai words: a name (นายกเทศมนตรี, นายอำเภอ, นายช่าง … are
# offices, not names; masking a word too many is harmless, one too few is not)
_TITLED_RE = re.compile(
    r"(" + "|".join(re.escape(t) for t in _TITLES) + r")(?!กเทศ|กอบ|ก\s|กรัฐ|กองค์|อำเภอ|"
    r"ช่าง|หน้า|จ้าง|ทุน)\s?([\u0e01-\u0e4e]{2,})(?:(\s+)([\u0e01-\u0e4e]{2,}))?")
_TITLE_AT_START = re.compile(r"^\s*(" + "|".join(re.escape(t) for t in sorted(
    _TITLES + ("ว่าที่ร.ต.", "Mr.", "Mrs.", "Miss", "Ms."), key=len, reverse=True)) + r")\s*")
_HOUSE_RE = re.compile(r"^\s*((?:บ้านเลขที่|เลขที่)\s*)?\d{1,5}(?:\s*/\s*\d{1,4})?")


def mask_digits(value: str, *, head: int = 0, tail: int = 4) -> str:
    """``value`` with every digit but the first ``head`` and the last ``tail`` written as
    ``x`` (separators kept): ``081-234-5678`` → ``08x-xxx-5678`` with ``head=2``. Thai
    digits count as digits (and stay Thai)."""
    s = str(value)
    n = sum(c.isdigit() for c in s)
    out, i = [], 0
    for c in s:
        if c.isdigit():
            out.append(c if i < head or i >= n - tail else "x")
            i += 1
        else:
            out.append(c)
    return "".join(out)


def mask_word(word: str) -> str:
    """A name part as its first letter and :data:`MASK` (``สมชาย`` → ``ส×``)."""
    word = str(word).strip()
    return word[:1] + MASK if word else word


def mask_name(value: str) -> str:
    """A name with its title kept and each word masked (``นายสมชาย ใจดี`` → ``นาย ส× ใ×``)."""
    s = str(value)
    m = _TITLE_AT_START.match(s)
    title, rest = (m.group(1), s[m.end():]) if m else ("", s)
    words = [mask_word(w) for w in rest.split()]
    return " ".join(([title] if title else []) + words)


def mask_text(value: str, names: tuple[str, ...] = ()) -> str:
    """Free text with IDs and phones (9+ digits) reduced to their last 4 digits, titled
    names and the given ``names`` masked; everything else kept."""
    s = str(value)
    for name in sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True):
        s = s.replace(name, mask_word(name))
    s = _NUMBER_RE.sub(lambda m: mask_digits(m.group(0)), s)
    return _TITLED_RE.sub(lambda m: m.group(1) + " " + mask_word(m.group(2))
                          + (" " + mask_word(m.group(4)) if m.group(4) else ""), s)


def mask_address(value: str) -> str:
    """An address without its house number (``12/3 ม.4 ต.ในเมือง`` → ``× ม.4 ต.ในเมือง``):
    the village, sub-district and district stay, so the row can still be placed."""
    s = _HOUSE_RE.sub(lambda m: (m.group(1) or "") + MASK, str(value), count=1)
    return mask_text(s)


def mask_frame(frame: pd.DataFrame, columns: dict[str, str], *, keep: tuple[str, ...] = ()
               ) -> pd.DataFrame:
    """Rows of an agency feed with their personal data masked, to show a person.

    Args:
        frame: the rows as read (strings).
        columns: the feed's field → header map (``feeds.yml``): ``national_id`` and
            ``phone`` keep their last 4 digits (a phone its first 2 too), ``name``,
            ``first_name`` and ``last_name`` their first letter, ``address`` loses the
            house number; every other column is free text (:func:`mask_text`, which also
            masks the row's own names wherever they were typed).
        keep: headers written as they are (the case number, which may be all digits).

    Returns:
        A copy of ``frame``, same columns and index.
    """
    out = frame.copy().astype(object)
    header = {f: h for f, h in columns.items() if h in frame.columns}

    def parts(row: pd.Series) -> tuple[str, ...]:
        found = []
        for f in ("name", "first_name", "last_name"):
            v = row.get(header.get(f, ""), None) if f in header else None
            if isinstance(v, str):
                m = _TITLE_AT_START.match(v)
                found += (v[m.end():] if m else v).split()
        return tuple(found)

    names = [parts(row) for _, row in frame.iterrows()]
    special = {header.get("national_id"): lambda v: mask_digits(v),
               header.get("phone"): lambda v: mask_digits(v, head=2),
               header.get("name"): mask_name, header.get("first_name"): mask_name,
               header.get("last_name"): mask_name, header.get("address"): mask_address}
    special.pop(None, None)
    for col in frame.columns:
        if col in keep:
            continue
        fn = special.get(col)
        values = frame[col].astype(object)
        out[col] = [v if not isinstance(v, str) else
                    mask_text(fn(v), names[i]) if fn else mask_text(v, names[i])
                    for i, v in enumerate(values)]
    return out

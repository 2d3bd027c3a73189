"""Personal data protection for complaints.

* National IDs and phone numbers are stored only as salted hashes (HMAC-SHA-256 of the
  normalised value, truncated to 16 bytes, hex). The salt comes from ``$ONEPLAN_PII_SALT``
  or, if that is unset, from a salt file created on first use (``data/.pii_salt``, git
  ignored; ``$ONEPLAN_PII_SALT_FILE`` moves it). The same salt must be used for every
  import into one database, or the same person's hashes will not match; keep the file
  with the database's backups, never in git.
* Names are kept only for linkage inside the database; no report, export or log shows
  them. :func:`scan_text` / :func:`scan_paths` look for national IDs, phone numbers and
  titled Thai names in generated files (used by the tests on every report and export).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

import pandas as pd

from oneplan.core.paths import ROOT

log = logging.getLogger(__name__)

SALT_ENV = "ONEPLAN_PII_SALT"
SALT_FILE_ENV = "ONEPLAN_PII_SALT_FILE"
DEFAULT_SALT_FILE = ROOT / "data" / ".pii_salt"


class SaltError(RuntimeError):
    """The salt is missing, too short or unreadable."""


def salt() -> bytes:
    """The PII salt: ``$ONEPLAN_PII_SALT``, else the salt file (created on first use).

    Raises:
        SaltError: the salt is shorter than 16 characters.
    """
    value = os.environ.get(SALT_ENV)
    if value is None:
        path = Path(os.environ.get(SALT_FILE_ENV) or DEFAULT_SALT_FILE)
        if not path.exists():
            # written whole to a private temporary file, then linked into place: a
            # process starting at the same moment sees either no file or the full salt,
            # and only one salt ever wins
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
            try:
                os.link(tmp, path)
                log.warning("created a new PII salt file at %s; keep it with the database "
                            "backups and out of git", path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        value = path.read_text(encoding="utf-8").strip()
    if len(value) < 16:
        raise SaltError(f"the PII salt must have at least 16 characters (set {SALT_ENV} "
                        f"or fix the salt file)")
    return value.encode("utf-8")


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


# --- scanning generated files ------------------------------------------------------------








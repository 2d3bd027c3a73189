"""Accounts of the shared central database: who may read and write what, on the server.

The rights themselves are the server's (``data/pg/20_rights.sql``): four group roles,
row-level security by province and column privileges on the complaint personal data. This
module makes the accounts that belong to them (docs/postgres.md, "Rights"):

* :func:`grant` creates or updates a login role in one group (``office``, ``central``,
  ``linkage``, ``readonly``) and, for an office, records its province in
  ``oneplan_rights.office_accounts``; it returns the password (new, from :mod:`secrets`,
  unless one is given). The password is sent to the server only as a SCRAM verifier
  computed here (libpq's ``PQencryptPasswordConn``), so it is never in a statement the
  server could log.
* :func:`revoke` takes an account out of its group, forgets its province and stops it
  logging in.
* :func:`account_url` is the address an account connects with, the password masked unless
  asked for.

Only accounts made here are changed: a superuser, a role that may create roles, the owner
and the groups themselves are refused, and so is an existing role that is in none of the
groups and was not made here (accounts are marked by a comment on the role).
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import quote, urlsplit, urlunsplit

from oneplan.core.errors import UserError, message
from oneplan.data import pgschema, pgstore
from oneplan.data.ingest.parse import CellError, province_code_of

GROUPS = {"office": "oneplan_office", "central": "oneplan_central",
          "linkage": "oneplan_linkage", "readonly": "oneplan_readonly"}
"""The account kinds of ``oneplan db grant --role`` and their group roles on the server."""

PERSONAL_COLUMNS = ("first_name", "last_name", "person_id_hash", "phone_hash",
                    "address_hash", "house_no_hash")
"""Columns of ``complaints`` that only the linkage group (and the owner) may read."""

MASK = "***"
"""What stands for a password in a printed address."""

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_RESERVED = re.compile(r"^(pg_|oneplan_)")
_MARK = "oneplan account (oneplan db grant)"


def _connect(url: str):
    """An autocommit-off psycopg connection to ``url`` (the owner's address).

    Raises:
        UserError: not a PostgreSQL address, or the server cannot be reached / refuses
            the login (the reason, never the password).
    """
    import psycopg

    if not pgschema.is_postgres_url(url):
        raise UserError(message("data.rights.not_server", target=mask_url(url)))
    try:
        return psycopg.connect(url)
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split())
        raise UserError(message("data.rights.cannot_connect", url=mask_url(url),
                                reason=reason)) from None


def mask_url(url: str) -> str:
    """``url`` with its password (if any) replaced by :data:`MASK` (the one masking rule of
    :func:`oneplan.data.pgstore.masked`)."""
    return pgstore.masked(url)


def account_url(url: str, user: str, password: str | None = None) -> str:
    """The address ``user`` connects with: the server and database of ``url`` (its query
    string kept), with ``password`` when given, else :data:`MASK` in its place."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    secret = MASK if password is None else quote(password, safe="")
    return urlunsplit(parts._replace(netloc=f"{quote(user, safe='')}:{secret}@{host}"))


def check_user(user: str) -> str:
    """``user`` if it can be an account's role name (lower-case letters, digits and ``_``,
    not starting with a digit, at most 63 characters, not ``pg_…`` nor ``oneplan_…``).

    Raises:
        UserError: another name.
    """
    if not isinstance(user, str) or not _NAME.match(user) or _RESERVED.match(user):
        raise UserError(message("data.rights.bad_user", user=user))
    return user


def account_province(role: str, province) -> str | None:
    """The province code of an office account; ``None`` for the other kinds.

    Raises:
        UserError: an unknown kind, an office without a province or with an unknown one,
            or a province given for another kind.
    """
    if role not in GROUPS:
        raise UserError(message("data.rights.unknown_role", role=role,
                                roles=", ".join(GROUPS)))
    if role != "office":
        if province not in (None, ""):
            raise UserError(message("data.rights.province_refused", role=role))
        return None
    if province in (None, ""):
        raise UserError(message("data.rights.province_required"))
    try:
        return province_code_of(str(province))
    except CellError:
        raise UserError(message("data.rights.unknown_province", value=province)) from None


def _account(cur, user: str) -> list[str] | None:
    """The groups ``user`` is in (``None``: no such role); refuses a role this module must
    not change.

    Raises:
        UserError: a superuser, a role that may create roles or bypass row security, or
            an existing role that is neither in a group nor marked as an account made here.
    """
    row = cur.execute(
        "SELECT rolsuper OR rolcreaterole OR rolbypassrls, "
        "ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g "
        "      ON g.oid = m.roleid WHERE m.member = r.oid AND g.rolname = ANY(%s)), "
        "shobj_description(r.oid, 'pg_authid') "
        "FROM pg_roles r WHERE rolname = %s", [list(GROUPS.values()), user]).fetchone()
    if row is None:
        return None
    powerful, groups, comment = row
    if powerful or not (groups or comment == _MARK):
        raise UserError(message("data.rights.protected_user", user=user))
    return groups


def _check_rights_installed(cur) -> None:
    """Refuse a database whose rights were not made (``oneplan db init``)."""
    if cur.execute("SELECT to_regclass('oneplan_rights.office_accounts')").fetchone()[0] is None:
        raise UserError(message("data.rights.not_initialised"))


def grant(url: str, *, user: str, role: str = "office", province=None,
          password: str | None = None) -> str:
    """Create or update the account ``user`` of kind ``role`` on the database of ``url``
    (the owner's address), and return its password.

    Args:
        url: ``postgresql://…`` of a role that may create roles (the owner).
        user: the account's role name (:func:`check_user`).
        role: ``office``, ``central``, ``linkage`` or ``readonly`` (:data:`GROUPS`).
        province: an office's province, by code or Thai / English name; refused for the
            other kinds.
        password: the password to set; a new random one when ``None``.

    Returns:
        The account's password (the only copy: the server keeps a SCRAM verifier).

    Raises:
        UserError: a bad name, kind or province, a protected role, a database without the
            rights (not made by ``oneplan db init``), or a server that refuses.
    """
    import psycopg
    from psycopg import sql

    check_user(user)
    code = account_province(role, province)
    if password is None:
        password = secrets.token_urlsafe(24)
    elif not password or "\n" in password:
        raise UserError(message("data.rights.bad_password"))
    with _connect(url) as con, con.cursor() as cur:
        try:
            _check_rights_installed(cur)
            groups = _account(cur, user)
            verifier = con.pgconn.encrypt_password(
                password.encode(), user.encode(), b"scram-sha-256").decode()
            name = sql.Identifier(user)
            verb = "CREATE" if groups is None else "ALTER"
            cur.execute(sql.SQL(verb + " ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB "
                                "NOCREATEROLE NOBYPASSRLS INHERIT PASSWORD {}").format(
                name, sql.Literal(verifier)))
            cur.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(name, sql.Literal(_MARK)))
            for group in groups or ():
                if group != GROUPS[role]:
                    cur.execute(sql.SQL("REVOKE {} FROM {}").format(
                        sql.Identifier(group), name))
            if GROUPS[role] not in (groups or ()):
                cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(GROUPS[role]),
                                                             name))
            if code is None:
                cur.execute("DELETE FROM oneplan_rights.office_accounts WHERE role_name = %s",
                            [user])
            else:
                cur.execute("INSERT INTO oneplan_rights.office_accounts VALUES (%s, %s) "
                            "ON CONFLICT (role_name) DO UPDATE "
                            "SET province_code = excluded.province_code", [user, code])
        except psycopg.Error as exc:
            raise UserError(message("data.rights.refused", user=user,
                                    reason=" ".join(str(exc).split()))) from None
    return password


def revoke(url: str, user: str) -> bool:
    """Take the account ``user`` out of its group, forget its province and stop it
    logging in (the role stays, so the audit trail's actor names still mean someone).

    Returns:
        True when there was such an account, False when no role of that name exists.

    Raises:
        UserError: a protected role, or a server that refuses.
    """
    import psycopg
    from psycopg import sql

    check_user(user)
    with _connect(url) as con, con.cursor() as cur:
        try:
            _check_rights_installed(cur)
            groups = _account(cur, user)
            if groups is None:
                return False
            name = sql.Identifier(user)
            for group in groups:
                cur.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(group), name))
            cur.execute(sql.SQL("ALTER ROLE {} WITH NOLOGIN PASSWORD NULL").format(name))
            cur.execute("DELETE FROM oneplan_rights.office_accounts WHERE role_name = %s",
                        [user])
        except psycopg.Error as exc:
            raise UserError(message("data.rights.refused", user=user,
                                    reason=" ".join(str(exc).split()))) from None
    return True

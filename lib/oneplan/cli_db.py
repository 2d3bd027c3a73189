"""``oneplan db …``: the central database itself, on either engine (docs/postgres.md).

    oneplan db status  [--db FILE|URL]          schema version, engine, tables
    oneplan db upgrade [--db FILE|URL]          bring an older database to this version
    oneplan db init    --db URL                 make the schema and rights on a server
    oneplan db copy    FROM TO                  copy every row from one database to another
    oneplan db grant   --province 32 --user NAME [--role office|central|linkage|readonly]
    oneplan db backup  DIR [--db FILE|URL]      every table, with row counts and checksums
    oneplan db restore DIR [--db FILE|URL]      into a fresh database, checked

Each action is one ``_cmd_<action>`` function below, added to the parser by
:func:`add_parser`; the work itself lives in ``oneplan.data``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

ACTIONS: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {}
"""action -> (function, help); each block below registers its own."""


def _action(name: str, help_: str, *arguments: tuple[tuple, dict]):
    """Register ``func`` as ``oneplan db <name>``, with its own options besides ``--db``:
    each argument is ``(("--province",), {"required": True, ...})``."""
    def register(func):
        func.arguments = arguments
        ACTIONS[name] = (func, help_)
        return func
    return register


# --- status / upgrade (schema versions) ---------------------------------------------------

# --- init / copy (the server as the central database) ------------------------------------

# --- grant (per-province rights) ----------------------------------------------------------

@_action("grant", "create or update an account: a province office, central, linkage or "
                  "readonly (docs/postgres.md, Rights)",
         (("--user",), {"required": True, "help": "the account's role name, e.g. surin_office"}),
         (("--role",), {"default": "office",
                        "choices": ["office", "central", "linkage", "readonly"],
                        "help": "its group (default office)"}),
         (("--province",), {"help": "an office's province: code or name (office only)"}),
         (("--password-file",), {"metavar": "FILE",
                                 "help": "write the new password here, mode 0600, never "
                                         "overwriting (default ./<user>.password)"}),
         (("--show-password",), {"action": "store_true",
                                 "help": "print the password instead of writing a file"}),
         (("--revoke",), {"action": "store_true",
                          "help": "take the account's rights away and stop its login"}))
def _cmd_grant(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from oneplan.core.errors import UserError, message
    from oneplan.core.paths import default_db_path
    from oneplan.data import pgrights

    url = args.db or str(default_db_path())
    if args.revoke:
        done = pgrights.revoke(url, args.user)
        print(message("data.rights.revoked" if done else "data.rights.no_account",
                      user=args.user))
        return 0
    pgrights.check_user(args.user)
    pgrights.account_province(args.role, args.province)
    target = None
    if not args.show_password:   # checked before the account changes
        target = Path(args.password_file or f"{args.user}.password")
        if target.exists():
            raise UserError(message("data.rights.password_file_exists", path=target))
    password = pgrights.grant(url, user=args.user, role=args.role, province=args.province)
    if args.role == "office":
        print(message("data.rights.granted_office", user=args.user,
                      province=pgrights.account_province("office", args.province),
                      url=pgrights.account_url(url, args.user)))
    else:
        print(message("data.rights.granted", user=args.user, role=args.role,
                      url=pgrights.account_url(url, args.user)))
    if target is None:
        print(password)
        return 0
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(password + "\n")
    except OSError as exc:
        raise UserError(message("data.rights.password_file_unwritable", path=target,
                                reason=exc.strerror or exc)) from None
    print(message("data.rights.password_written", path=target))
    return 0


# --- backup / restore -----------------------------------------------------------------------


def add_parser(sub) -> None:
    """Add ``oneplan db`` and its actions to the sub-command parsers ``sub``."""
    p = sub.add_parser("db", help="the central database: versions, server, rights, backups")
    actions = p.add_subparsers(dest="db_action", required=True)
    for name, (func, help_) in ACTIONS.items():
        a = actions.add_parser(name, help=help_)
        a.add_argument("--db", help="database file or postgresql:// URL "
                                    "(default $ONEPLAN_DB or data/oneplan.duckdb)")
        for arg, kwargs in getattr(func, "arguments", ()):
            a.add_argument(*arg, **kwargs)
        a.set_defaults(func=func)

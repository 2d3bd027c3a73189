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

@_action("init", "make the schema, rights and triggers on a PostgreSQL server (idempotent)")
def _cmd_init(args: argparse.Namespace) -> int:
    import os

    from oneplan.core.errors import EXIT_OK, message
    from oneplan.data import db, pgcopy

    target = args.db or os.environ.get("ONEPLAN_DB", "")
    pgcopy.init_server(target)
    print(message("data.pgstore.initialised", target=db.shown(target)))
    return EXIT_OK


@_action("copy", "copy every table from one database to another (file or URL, either way)",
         (("source",), {"metavar": "FROM", "help": "database file or postgresql:// URL"}),
         (("target",), {"metavar": "TO", "help": "database file or postgresql:// URL "
                                                 "(a missing file is made)"}),
         (("--replace",), {"action": "store_true",
                           "help": "empty the target's tables first (else it must be empty)"}))
def _cmd_copy(args: argparse.Namespace) -> int:
    from oneplan import cli_checks as check
    from oneplan.core.errors import EXIT_OK
    from oneplan.data import pgcopy

    source = check.database(args.source, option="FROM")
    target = check.database(args.target, create=True, option="TO")
    result = pgcopy.copy_database(source, target, replace=args.replace)
    print(result.line(str(source), str(target)))
    return EXIT_OK


# --- grant (per-province rights) ----------------------------------------------------------

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

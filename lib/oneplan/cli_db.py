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

_LANG = (("--lang",), {"choices": ["th", "en"], "help": "language of what is printed "
                                                        "(default Thai)"})


def _target(args: argparse.Namespace, *, create: bool = False):
    """The database of ``--db`` (default ``$ONEPLAN_DB`` or ``data/oneplan.duckdb``): a
    server URL as given, a file checked by :func:`oneplan.cli_checks.database`."""
    import os

    from oneplan import cli_checks
    from oneplan.data import pgschema

    raw = args.db or os.environ.get("ONEPLAN_DB", "").strip() or None
    if pgschema.is_postgres_url(raw):
        return raw
    return cli_checks.database(raw, create=create)


@_action("status", "schema version, engine, pending upgrades and rows per table", _LANG)
def _cmd_status(args: argparse.Namespace) -> int:
    from oneplan.core.text import text
    from oneplan.data import migrations

    lang = args.lang or "th"
    target = _target(args)
    con = migrations.open_database(target, read_only=True)
    try:
        engine = migrations.engine_of(con)
        version = migrations.current_version(con)
        lines = [text("data.migrations.status.database", lang, target=migrations.shown(target),
                      engine="PostgreSQL" if engine == "postgresql" else "DuckDB"),
                 text("data.migrations.status.version", lang, version=version,
                      latest=migrations.latest())]
        if not migrations.is_recorded(con):
            lines.append(text("data.migrations.status.detected", lang))
        todo = migrations.pending(con)
        lines.append(text("data.migrations.status.pending", lang,
                          names=", ".join(m.label for m in todo)) if todo
                     else text("data.migrations.status.up_to_date", lang))
        lines.append(text("data.migrations.status.tables", lang))
        for table, rows in migrations.row_counts(con).items():
            lines.append(text("data.migrations.status.table_row", lang, table=table,
                              rows=f"{rows:,}"))
    finally:
        con.close()
    print("\n".join(lines))
    return 0


def upgrade_notice(target, lang: str | None = None) -> None:
    """Say once on stderr that the database ``target`` is older than this oneplan (run
    ``oneplan db upgrade``); silent when it is current or cannot be read (the command
    itself then says why). Nothing is changed: upgrades are explicit."""
    import sys

    from oneplan.data import migrations

    try:
        con = migrations.open_database(target, read_only=True)
    except Exception:  # noqa: BLE001 - a notice never stops a command
        return
    try:
        line = migrations.notice(con, lang or "th")
    finally:
        con.close()
    if line:
        print(line, file=sys.stderr, flush=True)


@_action("upgrade", "bring an older database to this oneplan's schema version", _LANG)
def _cmd_upgrade(args: argparse.Namespace) -> int:
    from oneplan.core.text import text
    from oneplan.data import migrations

    lang = args.lang or "th"
    con = migrations.open_database(_target(args), read_only=False)
    try:
        applied = migrations.upgrade(con)
        version = migrations.current_version(con)
    finally:
        con.close()
    for m in applied:
        print(text("data.migrations.upgrade.applied", lang, name=m.label, version=m.version))
    print(text("data.migrations.upgrade.done", lang, version=version) if applied
          else text("data.migrations.upgrade.nothing", lang, version=version))
    return 0


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

@_action("backup", "every table as Parquet, with row counts and checksums",
         (("dir",), {"metavar": "DIR", "help": "a new or empty folder"}), _LANG)
def _cmd_backup(args: argparse.Namespace) -> int:
    from oneplan.core.text import text
    from oneplan.data import backup

    manifest = backup.backup(_target(args), args.dir)
    tables = manifest["tables"]
    print(text("data.backup.done_backup", args.lang or "th", tables=len(tables),
               rows=f"{sum(e['rows'] for e in tables.values()):,}",
               version=manifest["schema_version"], path=args.dir))
    return 0


@_action("restore", "a backup into a fresh database, then checked",
         (("dir",), {"metavar": "DIR", "help": "a folder written by oneplan db backup"}),
         (("--replace",), {"action": "store_true",
                           "help": "replace the rows of a database that has some"}), _LANG)
def _cmd_restore(args: argparse.Namespace) -> int:
    from oneplan.core.text import text
    from oneplan.data import backup, migrations

    target = _target(args, create=True)
    loaded = backup.restore(args.dir, target, replace=args.replace)
    print(text("data.backup.done_restore", args.lang or "th", tables=len(loaded),
               rows=f"{sum(loaded.values()):,}", target=migrations.shown(target)))
    return 0


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

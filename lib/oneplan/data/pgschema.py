"""The central database's schema on PostgreSQL, from the one source ``schema.sql``.

``schema.sql`` is written for DuckDB, the embedded default. PostgreSQL reads the same
DDL but for a few type names; :func:`postgres_ddl` rewrites them, so both engines have
the same tables, columns, keys and checks from one file (``DOUBLE`` is ``DOUBLE
PRECISION`` there, ``VARCHAR`` stays ``VARCHAR``, lists like ``VARCHAR[]`` are arrays on
both). Nothing else may be engine-specific in ``schema.sql``; the test
``tests/test_pg_schema.py`` creates it on a real server and compares the columns.

:func:`is_postgres_url` tells a server address (``postgresql://…``) from a file path.
"""

from __future__ import annotations

import re
from importlib import resources

from oneplan.data import db, pgstore

_DOUBLE = re.compile(r"\bDOUBLE\b(?!\s+PRECISION)", re.I)
_TYPES = [
    (_DOUBLE, "DOUBLE PRECISION"),
    (re.compile(r"\bHUGEINT\b", re.I), "NUMERIC(38)"),
    (re.compile(r"\bUBIGINT\b", re.I), "NUMERIC(20)"),
    (re.compile(r"\bTINYINT\b", re.I), "SMALLINT"),
    (re.compile(r"\bBLOB\b", re.I), "BYTEA"),
]


def is_postgres_url(target) -> bool:
    """True when ``target`` is a PostgreSQL address (``postgresql://…`` or ``postgres://…``);
    the one rule of :func:`oneplan.data.pgstore.is_url`."""
    return pgstore.is_url(target)


def translate(sql: str) -> str:
    """DuckDB DDL as PostgreSQL DDL: the type names that differ, nothing else."""
    out = []
    for line in sql.splitlines():
        code, sep, comment = line.partition("--")
        for pattern, repl in _TYPES:
            code = pattern.sub(repl, code)
        out.append(code + sep + comment)
    return "\n".join(out) + "\n"


PRELUDE = """
-- DuckDB's list functions that schema.sql's checks use, under the same names
CREATE OR REPLACE FUNCTION len(a anyarray) RETURNS integer
    LANGUAGE sql IMMUTABLE AS 'SELECT cardinality(a)';
CREATE OR REPLACE FUNCTION list_sum(a double precision[]) RETURNS double precision
    LANGUAGE sql IMMUTABLE AS 'SELECT sum(x) FROM unnest(a) AS x';
CREATE OR REPLACE FUNCTION list_min(a double precision[]) RETURNS double precision
    LANGUAGE sql IMMUTABLE AS 'SELECT min(x) FROM unnest(a) AS x';
"""
"""Functions PostgreSQL lacks that ``schema.sql`` uses, defined under DuckDB's names."""


def server_only_sql() -> str:
    """The PostgreSQL-only DDL of ``data/pg/*.sql`` (rights, the audit trail's trigger), in
    file-name order; each file idempotent."""
    folder = resources.files("oneplan.data").joinpath("pg")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")),
                   key=lambda f: f.name)
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def postgres_ddl() -> str:
    """Every table of ``schema.sql`` as PostgreSQL DDL, after :data:`PRELUDE` and before
    :func:`server_only_sql` (idempotent: ``IF NOT EXISTS``, ``CREATE OR REPLACE``)."""
    return PRELUDE + translate(db.schema_sql()) + server_only_sql()

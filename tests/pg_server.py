"""A real PostgreSQL server for the tests marked ``pg`` (the shared central database).

The session fixture ``pg_server`` starts the project's own server with
``scripts/pg-server.sh start`` (which installs Debian's ``postgresql`` when it is missing
and the machine allows it) in a folder of the test session, on a port of its own. When
the server cannot be started the ``pg`` tests are skipped, saying why, unless
``ONEPLAN_REQUIRE_PG=1`` (set by ``.ci/run``): then they fail, so CI cannot pass without
having run them.

``pg_url`` gives each test a fresh, empty database on that server, owned by the owner
role, with the schema of ``schema.sql`` already made (:func:`oneplan.data.pgschema.postgres_ddl`),
and drops it after the test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fail_or_skip(reason: str):
    if os.environ.get("ONEPLAN_REQUIRE_PG") == "1":
        pytest.fail(f"PostgreSQL tests are required (ONEPLAN_REQUIRE_PG=1): {reason}")
    pytest.skip(f"no PostgreSQL server: {reason}")


@pytest.fixture(scope="session")
def pg_server():
    """The owner's URL of a server started for this test session (its ``postgres``
    database: make others with :func:`pg_url`)."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        _fail_or_skip(f"psycopg is not installed ({exc})")
    # not under pytest's own folder: as root the server runs as `postgres`, which may not
    # enter a folder only root can read
    folder = Path(tempfile.mkdtemp(prefix="oneplan-pg-"))
    os.chmod(folder, 0o755)
    env = dict(os.environ, ONEPLAN_PG_DIR=str(folder / "cluster"),
               ONEPLAN_PG_PORT=str(_free_port()), ONEPLAN_PG_DATABASE="postgres",
               ONEPLAN_PG_FSYNC="off")
    script = ROOT / "scripts" / "pg-server.sh"
    run = subprocess.run(["sh", str(script), "start"], env=env, capture_output=True,
                         text=True, timeout=900)
    if run.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        _fail_or_skip((run.stderr or run.stdout).strip()[-500:])
    url = run.stdout.strip().splitlines()[-1]
    yield url
    subprocess.run(["sh", str(script), "stop"], env=env, capture_output=True, timeout=120)
    shutil.rmtree(folder, ignore_errors=True)


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url``."""
    return server_url.rsplit("/", 1)[0] + "/" + name


@contextlib.contextmanager
def fresh_database(server_url: str, prefix: str = "t_", ddl: str | None = None):
    """A new database on the server of ``server_url`` (its URL, as the owner), with ``ddl``
    run in it when given; dropped on leaving."""
    import psycopg

    name = prefix + uuid.uuid4().hex[:12]
    with psycopg.connect(server_url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    url = database_url(server_url, name)
    try:
        if ddl:
            with psycopg.connect(url, autocommit=True) as con:
                con.execute(ddl)
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_server):
    """A fresh database with the schema made, as the owner role; dropped afterwards."""
    from oneplan.data import pgschema

    with fresh_database(pg_server, "t_", pgschema.postgres_ddl()) as url:
        yield url

"""The error classes every part raises for a user to read, and the command's exit codes.

One contract for the whole toolkit (``docs/architecture.md``):

* :class:`UserError` — bad usage or bad input the user can fix (a missing file, a path
  that is a folder, an option out of range, an unknown province). The message is one line,
  Thai first then English (``"… / …"``), and names what was expected. Exit code 2.
* :class:`Failure` — the work could not be done although the input was acceptable
  (a report failed, a database is locked for longer than the wait, a child process died).
  Exit code 3.
* Anything else is a bug: the command prints one line naming the log file that holds the
  traceback, and exits 3.

Exit codes of ``oneplan``: 0 ok, 1 ok but rows were rejected (kept for re-import),
2 bad usage or input, 3 failure.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_FAILURE = 3


class UserError(Exception):
    """Bad usage or input the user can fix; the message is one Thai / English line."""

    exit_code = EXIT_USAGE


class Failure(Exception):
    """Work that could not be done with acceptable input; exit code 3."""

    exit_code = EXIT_FAILURE


def message(key: str, /, **fields: object) -> str:
    """The catalogue text ``key`` (``core.text``) as one line, Thai first then English:
    ``"<Thai> / <English>"``, with ``fields`` filled in."""
    from oneplan.core.text import text

    return f"{text(key, 'th', **fields)} / {text(key, 'en', **fields)}"


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` folded onto one line (line breaks become spaces); the class
    name when the exception carries no message."""
    lines = [part.strip() for part in str(exc).splitlines() if part.strip()]
    return " ".join(lines) or type(exc).__name__

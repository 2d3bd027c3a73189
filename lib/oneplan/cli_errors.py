"""How the ``oneplan`` command ends: one line on stderr and a documented exit code.

:func:`run` calls a command and maps what it raises (``docs/architecture.md``, the error
contract in :mod:`oneplan.core.errors`):

=====  ======================================================================
 code  meaning
=====  ======================================================================
 0     done (also when the reader of a pipe stops early: ``oneplan provinces | head``)
 1     done, but some rows were rejected (they are kept in a rejects file)
 2     bad usage or input: ``UserError`` and its subclasses, argparse errors
 3     failure: ``Failure``, and any unexpected exception — its traceback goes to a
       log file (:func:`log_dir`) that the one line names, never to the terminal
 130   interrupted (Ctrl-C)
=====  ======================================================================
"""

from __future__ import annotations

import os
import re
import select
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path
from typing import Callable

from oneplan.core.errors import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    Failure,
    UserError,
    message,
    one_line,
)

EXIT_INTERRUPTED = 130
_THAI = re.compile("[\u0e00-\u0e7f]")


def log_dir() -> Path:
    """Where crash logs go: ``$ONEPLAN_LOG_DIR``, else ``$XDG_STATE_HOME/oneplan/logs``
    (``~/.local/state/oneplan/logs``)."""
    if os.environ.get("ONEPLAN_LOG_DIR"):
        return Path(os.environ["ONEPLAN_LOG_DIR"])
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "oneplan" / "logs"


_URL_PASSWORD = re.compile(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@", re.I)


def without_passwords(text: str) -> str:
    """``text`` with the password of every ``postgresql://user:password@…`` address in it
    replaced by ``***`` (a ``--db`` URL in the command line, or quoted in a traceback)."""
    return _URL_PASSWORD.sub(r"\1***@", text)


def write_crash_log(exc: BaseException, argv: list[str] | None) -> Path:
    """Write the traceback of ``exc`` with the command line and versions to a new log file
    (mode 0600: a traceback may quote a row of data); returns its path. Falls back to the
    temporary folder when the log folder cannot be written."""
    from oneplan import __version__

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    body = (f"oneplan {__version__}, Python {sys.version.split()[0]}, "
            f"{datetime.now().isoformat(timespec='seconds')}\n"
            f"command: oneplan {' '.join(sys.argv[1:] if argv is None else argv)}\n\n"
            + "".join(traceback.format_exception(exc)))
    body = without_passwords(body)
    for folder in (log_dir(), Path(tempfile.gettempdir()) / "oneplan-logs"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"oneplan-{stamp}-{os.getpid()}.log"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
            return path
        except OSError:
            continue
    raise OSError("no folder to write the crash log")


def say(line: str) -> None:
    """Print one ``oneplan: …`` line on stderr (line breaks folded)."""
    line = " ".join(part.strip() for part in str(line).splitlines() if part.strip())
    try:
        print(f"oneplan: {line}", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr closed: nothing more to tell
        pass


def has_thai(text: str) -> bool:
    """Whether ``text`` holds Thai script (a message from the catalogue does)."""
    return bool(_THAI.search(text))


def user_line(exc: BaseException, prefix_key: str) -> str:
    """The message of ``exc`` with a Thai / English prefix when it has no Thai of its own
    (older messages are English only)."""
    text = one_line(exc)
    if has_thai(text):
        return text
    return f"{message(prefix_key)}: {text}"


def quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the exit flush does not fail (the
    recipe of the Python docs, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a file (tests capture it)
        pass


def stdout_reader_gone() -> bool:
    """Whether stdout is a pipe whose reader has closed it (``| head`` has read enough)."""
    try:
        fd = sys.stdout.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        events = poller.poll(0)
    except (OSError, ValueError, AttributeError):
        return False
    return any(ev & select.POLLERR for _, ev in events)


def run(func: Callable[[], int], argv: list[str] | None, verbose: bool = False) -> int:
    """Run one command and map its end to an exit code with at most one line on stderr."""
    try:
        code = func()
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        say(message("core.cli.interrupted"))
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 — every end is mapped, see the table above
        return ended(exc, argv, verbose)


def ended(exc: Exception, argv: list[str] | None, verbose: bool = False) -> int:
    """The exit code for ``exc`` after telling the user in one line (a bug also gets a
    crash log with its traceback)."""
    if isinstance(exc, BrokenPipeError) and stdout_reader_gone():
        quiet_stdout()
        return EXIT_OK
    if isinstance(exc, UserError):
        say(user_line(exc, "core.cli.prefix.usage"))
        return EXIT_USAGE
    if isinstance(exc, Failure):
        say(user_line(exc, "core.cli.prefix.failure"))
        return getattr(exc, "exit_code", EXIT_FAILURE)  # 128 + signal for a stopped batch
    try:
        path: Path | str = write_crash_log(exc, argv)
    except OSError:
        path = "-"
    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    error = f"{type(exc).__name__}: {one_line(exc)}"
    say(f"{message('core.cli.unexpected', log=path)}: {error[:300]}")
    return EXIT_FAILURE

"""Shared CLI plumbing: the terminal consoles, the one error boundary, JSON output, and the
progress bar (the one drawing implementation of :class:`benchmarks.progress.Progress`).

The error boundary (:func:`user_errors`, applied to every command by :func:`guard`) turns an
expected failure (:data:`USER_ERRORS`: bad input, missing data, a refused operation, a full
disk) into one plain-text line ``error: ...`` on stderr with exit code 2, and anything else
(a bug) into one line ``internal error: ...`` with exit code 1; the traceback is printed only
with ``ecnas --debug`` or ``ECNAS_DEBUG=1``. User text in messages is never read as markup.
Warnings raised during a command (numpy's RuntimeWarnings, a library's UserWarning) are held:
a failed command prints only its one error line; a successful one prints each distinct
warning as one ``warning: ...`` line after its output, never a source line.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, Protocol, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.text import Text

from benchmarks.atomic import install_signal_cleanup
from benchmarks.errors import EcnasError
from benchmarks.sources.official import FetchError
from benchmarks.tables.benchmark import MissingCellError
from ecnas_cli.files import dumps

console = Console()
err_console = Console(stderr=True, highlight=False)

P = ParamSpec("P")
R = TypeVar("R")

#: Expected failures. ``ValueError`` is the library's bad-input contract (``EcnasError`` and
#: its subclasses are ValueErrors); the OS errors are about paths the user named; a missing
#: cell is a KeyError the library raises on purpose. Any other ``KeyError``, ``TypeError``,
#: ``AttributeError`` or ``OSError`` is a bug: exit 1.
USER_ERRORS: tuple[type[Exception], ...] = (
    EcnasError, ValueError, MissingCellError, FileNotFoundError, FileExistsError,
    PermissionError, NotADirectoryError, IsADirectoryError, FetchError)
#: OSErrors of the environment rather than of ecnas: reported as user errors.
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES,
                                errno.ENAMETOOLONG, errno.ELOOP})
DEBUG_ENV = "ECNAS_DEBUG"
_state = {"debug": False}


def setup(*, debug: bool) -> None:
    """Start of every ``ecnas`` call: show tracebacks of internal errors if ``debug`` (the
    ``--debug`` flag), and remove unfinished temp files on SIGTERM (``benchmarks.atomic``)."""
    _state["debug"] = debug
    install_signal_cleanup()


def debugging() -> bool:
    return _state["debug"] or os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")


def one_line(text: object) -> str:
    """``text`` on one line: whitespace runs collapsed, control characters shown escaped."""
    flat = " ".join(str(text).split())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in flat)


def _print_line(label: str, message: str) -> None:
    # a Text is never parsed as markup: "[/]" or "[red]" in user text is printed as is
    line = Text.assemble((label, "bold red"), " ", one_line(message))
    err_console.print(line, soft_wrap=True, markup=False, emoji=False)


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` on one line to stderr; return the exit to raise (code 2)."""
    _print_line("error:", message)
    return typer.Exit(code=2)


def is_user_error(exc: BaseException) -> bool:
    """Whether ``exc`` is an expected failure (exit 2) rather than a bug (exit 1)."""
    if isinstance(exc, USER_ERRORS):
        return True
    return isinstance(exc, OSError) and exc.errno in ENVIRONMENT_ERRNOS


def _message(exc: BaseException) -> str:
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc) or type(exc).__name__


def internal_error(exc: BaseException) -> typer.Exit:
    """Print one ``internal error`` line (and the traceback when debugging); exit code 1."""
    if debugging():
        traceback.print_exception(exc, file=sys.stderr)
    hint = "" if debugging() else "; rerun with --debug (or ECNAS_DEBUG=1) for the traceback"
    _print_line("internal error:", f"{type(exc).__name__}: {_message(exc)} (a bug in ecnas, "
                                   f"please report it{hint})")
    return typer.Exit(code=1)


def user_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command with the error boundary (see the module docstring). Idempotent."""
    if getattr(fn, "_ecnas_guarded", False):
        return fn

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with warnings.catch_warnings(record=True) as held:
            try:
                result = fn(*args, **kwargs)
            except (typer.Exit, typer.Abort, typer.TyperException):
                raise  # typer's own exits and usage errors
            except KeyboardInterrupt:
                _print_line("error:", "interrupted")  # as during start-up (cli.py)
                raise typer.Exit(code=130) from None
            except Exception as exc:
                if is_user_error(exc):
                    if debugging():
                        traceback.print_exception(exc, file=sys.stderr)
                    raise fail(_message(exc)) from None
                raise internal_error(exc) from None
        for text in dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in held):
            _print_line("warning:", text)
        return result

    wrapper._ecnas_guarded = True  # type: ignore[attr-defined]
    return wrapper


def guard(app: typer.Typer) -> typer.Typer:
    """Put every command of ``app`` and of its sub-apps behind :func:`user_errors`."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = user_errors(info.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            guard(group.typer_instance)
    return app


def print_json(data: Any) -> None:
    """Machine-readable output on stdout (no rich markup); NaN and infinities become null."""
    sys.stdout.write(dumps(data) + "\n")


def ensure_writable(folder: Path) -> None:
    """Create ``folder`` if needed and check a file can be written there, before long work."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise PermissionError(f"cannot write to output directory {folder}: "
                              f"{exc.strerror or exc}") from None


class Bar(Protocol):
    """A :class:`~benchmarks.progress.Progress` that can also replace its description."""

    def __call__(self, done: int, total: int | None, /, note: str | None = None) -> None: ...


@contextmanager
def progress_bar(description: str, *, quiet: bool = False) -> Iterator[Bar]:
    """A rich bar for ``progress(done, total[, note])`` on a terminal; it draws nothing when
    output is piped or ``quiet`` (e.g. under ``--json``), and vanishes when the work ends."""
    if quiet or not console.is_terminal:
        yield lambda done, total, /, note=None: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with RichProgress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(escape(description), total=None)

        def update(done: int, total: int | None, /, note: str | None = None) -> None:
            bar.update(task, completed=done, total=total,
                       description=escape(description if note is None else note))

        yield update

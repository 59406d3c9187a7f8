"""Shared CLI plumbing: the terminal consoles, one-line errors with exit code 2, JSON output."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from ecnas_cli.files import dumps

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

#: Errors a user can cause; anything else is a bug and keeps its traceback.
USER_ERRORS = (ValueError, KeyError, FileNotFoundError, PermissionError, NotADirectoryError,
               IsADirectoryError, OSError)


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` on one line to stderr; return the exit to raise (code 2)."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def user_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command so user errors become one line on stderr and exit code 2."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except USER_ERRORS as exc:
            text = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            raise fail(" ".join(str(text).split())) from None

    return wrapper


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

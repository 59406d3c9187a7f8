"""Shared CLI plumbing: one-line errors with exit code 2, JSON output, atomic file writes."""

from __future__ import annotations

import json
import math
import sys
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import pandas as pd
import typer
from rich.console import Console

from benchmarks.atomic import atomic_path

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


def dumps(data: Any) -> str:
    """Strict JSON text of ``data`` (see :func:`json_ready`)."""
    return json.dumps(json_ready(data), indent=2, allow_nan=False)


def json_ready(obj: Any) -> Any:
    """``obj`` as plain JSON values: NumPy scalars unwrapped, paths as text, string keys, and
    every non-finite float as None (strict JSON has no NaN)."""
    if isinstance(obj, dict):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_ready(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "item") and not isinstance(obj, str):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV or Parquet table; ``matrix`` is read as text to keep its leading zeros."""
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype={"matrix": str, "ops": str, "module_hash": str},
                       keep_default_na=False)


def write_table(df: pd.DataFrame, path: Path) -> None:
    """Write CSV or Parquet (by suffix) atomically."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"output must end in .csv or .parquet, got {path.name!r}")
    with atomic_path(path) as tmp:
        if suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False)


def ensure_writable(folder: Path) -> None:
    """Create ``folder`` if needed and check a file can be written there, before long work."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise PermissionError(f"cannot write to output directory {folder}: "
                              f"{exc.strerror or exc}") from None

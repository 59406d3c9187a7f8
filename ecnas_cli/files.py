"""Files the application reads and writes: strict JSON, CSV/Parquet tables, atomic writes.

No terminal code here: run storage, analysis and plots use these without typer or rich.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from benchmarks.atomic import atomic_path, check_target
from benchmarks.errors import EcnasError, UnsafePathError
from benchmarks.tables.storage import META_KEY

__all__ = ["atomic_path", "check_output", "dumps", "inside", "json_ready", "read_table",
           "write_table"]


def inside(root: Path, path: Path | str) -> Path:
    """``path`` (relative to ``root``, or absolute) resolved, if it stays inside ``root``.

    For every path read from a file the user can edit (a run.json's ``trials_file``, a stored
    name): symlinks and ``..`` are resolved first, so neither can lead out.

    >>> inside(Path("/tmp/run"), "trials.csv")
    PosixPath('/tmp/run/trials.csv')
    >>> inside(Path("/tmp/run"), "../../etc/passwd")
    Traceback (most recent call last):
    ...
    benchmarks.errors.UnsafePathError: path '../../etc/passwd' leads outside /tmp/run
    """
    if not isinstance(path, str | Path) or not str(path) or "\x00" in str(path):
        raise UnsafePathError(f"invalid path {path!r} in {root}")
    base = Path(root).resolve()
    target = (base / path).resolve()
    if target != base and base not in target.parents:
        raise UnsafePathError(f"path {str(path)!r} leads outside {root}")
    return target


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


def _is_benchmark_table(path: Path) -> bool:
    if not path.is_file() or path.suffix.lower() != ".parquet":
        return False
    try:
        return META_KEY in (pq.read_schema(path).metadata or {})
    except Exception:  # an unreadable Parquet file is not a table we protect
        return False


def check_output(path: Path, suffixes: tuple[str, ...] = (".csv", ".parquet")) -> Path:
    """``path`` if a table may be written there, checked before any work: its suffix, a new
    path or a regular file (``benchmarks.atomic.check_target``: never a device or fifo), and
    never a stored benchmark table."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise ValueError(f"output must end in {' or '.join(suffixes)}, got {path.name!r}")
    check_target(path)
    if _is_benchmark_table(path):
        raise EcnasError(f"refusing to overwrite {path}: it is a stored benchmark table; "
                         "choose another output path")
    return path


def write_table(df: pd.DataFrame, path: Path) -> None:
    """Write CSV or Parquet (by suffix) atomically, to a path :func:`check_output` accepts."""
    suffix = check_output(Path(path)).suffix.lower()
    with atomic_path(path) as tmp:
        if suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False)

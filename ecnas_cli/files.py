"""Files the application reads and writes: strict JSON, CSV/Parquet tables, atomic writes.

No terminal code here: run storage, analysis and plots use these without typer or rich.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.atomic import atomic_path

__all__ = ["atomic_path", "dumps", "json_ready", "read_table", "write_table"]


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

"""The measured 7V energy sample: ``energy_7V9E_4epochs_sample.csv`` (energy only, no accuracy).

Columns ``num_vertices, matrix, ops, energy_kwh, trainable_params``; ``matrix`` is a row-major
0/1 string that may still need pruning. Rows become 4-epoch measurements of their cells; a
cell that occurs twice (two vertex orders) gets repeats 0, 1, ...
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLE_FILE = "energy_7V9E_4epochs_sample.csv"


def find_sample(root: Path) -> Path:
    """The sample CSV: ``root`` itself, or the file of that name inside the folder ``root``."""
    path = Path(root) / SAMPLE_FILE if Path(root).is_dir() else Path(root)
    if not path.is_file():
        raise FileNotFoundError(f"{SAMPLE_FILE} not found at {path}")
    return path


def read_energy_csv(path: Path) -> tuple[pd.DataFrame, str]:
    """The raw rows (matrix as text) and the file's sha256.

    Raises
    ------
    ValueError
        If the file is not a CSV with ``matrix``, ``ops`` and ``energy_kwh`` columns and at
        least one row, or an energy is not a finite non-negative number (naming the line).
    """
    data = Path(path).read_bytes()
    try:
        df = pd.read_csv(io.BytesIO(data), dtype={"matrix": str, "ops": str},
                         keep_default_na=False)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a readable CSV: {' '.join(str(exc).split())}") from None
    missing = {"matrix", "ops", "energy_kwh"} - set(df.columns)
    if missing:
        raise ValueError(f"{path} lacks column(s) {', '.join(sorted(missing))}")
    if len(df) == 0:
        raise ValueError(f"{path} has a header but no rows")
    energy = pd.to_numeric(df["energy_kwh"].astype(str).str.strip(), errors="coerce")
    bad = ~np.isfinite(energy.to_numpy(dtype=float)) | (energy.to_numpy(dtype=float) < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{path}: line {i + 2}: energy_kwh {df['energy_kwh'].iloc[i]!r} is not "
                         "a finite non-negative number")
    df["energy_kwh"] = energy.astype(float)
    for col in ("matrix", "ops"):
        df[col] = df[col].astype(str)
    return df, hashlib.sha256(data).hexdigest()

"""The measured 7V energy sample: ``energy_7V9E_4epochs_sample.csv`` (energy only, no accuracy).

Columns ``num_vertices, matrix, ops, energy_kwh, trainable_params``; ``matrix`` is a row-major
0/1 string that may still need pruning. Rows become 4-epoch measurements of their cells; a
cell that occurs twice (two vertex orders) gets repeats 0, 1, ...
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

SAMPLE_FILE = "energy_7V9E_4epochs_sample.csv"


def find_sample(root: Path) -> Path:
    path = Path(root) / SAMPLE_FILE if Path(root).is_dir() else Path(root)
    if not path.is_file():
        raise FileNotFoundError(f"{SAMPLE_FILE} not found at {path}")
    return path


def read_energy_csv(path: Path) -> tuple[pd.DataFrame, str]:
    """The raw rows (matrix as text) and the file's sha256."""
    data = Path(path).read_bytes()
    df = pd.read_csv(path, dtype={"matrix": str, "ops": str})
    missing = {"matrix", "ops", "energy_kwh"} - set(df.columns)
    if missing:
        raise ValueError(f"{path} lacks column(s) {', '.join(sorted(missing))}")
    return df, hashlib.sha256(data).hexdigest()

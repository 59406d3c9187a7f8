"""The table of every unique cell of a space, built once and cached on disk as Parquet."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd

from benchmarks.atomic import atomic_path
from benchmarks.paths import cache_dir
from benchmarks.space.arch import OPS
from benchmarks.space.cost import count_batch
from benchmarks.space.enumeration import CellGroup, enumerate_groups

#: Bump when the cached table's content or layout changes.
CACHE_VERSION = 2
COLUMNS = ["module_hash", "matrix", "ops", "num_vertices", "num_edges", "trainable_params",
           "flops", "fingerprint"]
_OP_NAMES = np.array(["output", "input", *OPS])  # indexed by label + 2


def group_frame(group: CellGroup) -> pd.DataFrame:
    """One row per cell of ``group`` with :data:`COLUMNS`."""
    n, v = group.labels.shape
    bits = group.matrices.reshape(n, v * v) + ord("0")
    matrix = bits.astype(np.uint8).view(f"S{v * v}").ravel().astype(str)
    names = _OP_NAMES[group.labels.astype(np.int64) + 2]
    ops = names[:, 0]
    for i in range(1, v):
        ops = np.char.add(np.char.add(ops, ","), names[:, i])
    params, flops = count_batch(group.matrices, group.labels)
    return pd.DataFrame({
        "module_hash": group.hashes, "matrix": matrix, "ops": ops.astype(str),
        "num_vertices": np.full(n, v, dtype=np.int16),
        "num_edges": group.matrices.reshape(n, -1).sum(axis=1).astype(np.int16),
        "trainable_params": params, "flops": flops, "fingerprint": group.fingerprints})


def build_cells(max_vertices: int, max_edges: int,
                progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Enumerate and account every unique cell (no cache)."""
    frames = [group_frame(g) for g in enumerate_groups(max_vertices, max_edges, len(OPS),
                                                       progress)]
    return pd.concat(frames, ignore_index=True)


@cache
def load_cells(max_vertices: int, max_edges: int) -> pd.DataFrame:
    """The cell table of a space from the disk cache, building and caching it if needed."""
    return cached_cells(max_vertices, max_edges)


def cached_cells(max_vertices: int, max_edges: int,
                 progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    path = cache_dir() / f"cells-{max_vertices}v{max_edges}e-v{CACHE_VERSION}.parquet"
    if path.is_file():
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError):
            pass  # a damaged cache is rebuilt below
    cells = build_cells(max_vertices, max_edges, progress)
    with atomic_path(path) as tmp:
        cells.to_parquet(tmp, index=False)
    return cells

"""The table of every unique cell of a space, built once and cached on disk as Parquet.

The cache is verified on load (row count and content sha256 saved beside the rows) and rebuilt
when it does not match, so a truncated or edited cache never serves a partial space. A build
holds a lock file beside the cache: processes that need the same table at once (the workers of
``pytest -n``, parallel ``ecnas`` commands) wait for one build instead of each repeating it.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock

from benchmarks.atomic import atomic_path
from benchmarks.paths import cache_dir
from benchmarks.progress import Progress
from benchmarks.space.arch import OPS
from benchmarks.space.cost import count_batch
from benchmarks.space.enumeration import CellGroup, enumerate_groups

#: Bump when the cached table's content or layout changes.
CACHE_VERSION = 3
_META = b"ecnas-cells"
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
                progress: Progress | None = None) -> pd.DataFrame:
    """Enumerate and account every unique cell (no cache)."""
    frames = [group_frame(g) for g in enumerate_groups(max_vertices, max_edges, len(OPS),
                                                       progress)]
    return pd.concat(frames, ignore_index=True)


@cache
def load_cells(max_vertices: int, max_edges: int) -> pd.DataFrame:
    """The cell table of a space from the disk cache, building and caching it if needed."""
    return cached_cells(max_vertices, max_edges)


def cached_cells(max_vertices: int, max_edges: int,
                 progress: Progress | None = None) -> pd.DataFrame:
    """The cell table from the disk cache if it verifies, else built and cached again.

    The cache stores the row count and the content sha256 in its Parquet metadata; a file
    that is unreadable, truncated, edited or from an older layout is rebuilt, never served.
    Only one process builds a missing table; the others wait for it and read its cache.
    """
    path = cache_dir() / f"cells-{max_vertices}v{max_edges}e-v{CACHE_VERSION}.parquet"
    cells = _read_verified(path)
    if cells is not None:
        return cells
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path.with_name(path.name + ".lock")):
        cells = _read_verified(path)  # built by another process while this one waited
        if cells is None:
            cells = _build_and_write(path, max_vertices, max_edges, progress)
    return cells


def _build_and_write(path: Path, max_vertices: int, max_edges: int,
                     progress: Progress | None) -> pd.DataFrame:
    cells = build_cells(max_vertices, max_edges, progress)
    table = pa.Table.from_pandas(cells, preserve_index=False)
    meta = json.dumps({"rows": len(cells), "sha256": _digest(cells)}).encode()
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _META: meta})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, write_page_checksum=True)
    return cells


def _digest(cells: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(cells, index=False).to_numpy()
                          .tobytes()).hexdigest()


def _read_verified(path: Path) -> pd.DataFrame | None:
    """The cached cells at ``path`` if they match the row count and sha256 stored with them."""
    if not path.is_file():
        return None
    try:
        table = pq.read_table(path, page_checksum_verification=True)
        meta = json.loads((table.schema.metadata or {})[_META])
        cells = table.to_pandas()
        if (list(cells.columns) == COLUMNS and meta["rows"] == len(cells)
                and meta["sha256"] == _digest(cells)):
            return cells
    except (pa.ArrowException, OSError, ValueError, KeyError, TypeError):
        pass  # damaged: rebuilt by the caller
    return None

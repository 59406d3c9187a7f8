"""Enumerate every unique cell of a NAS-Bench-101 space, vectorised.

NAS-Bench-101's generator loops over vertex counts, adjacency bitmasks and op labellings and
md5-hashes each candidate (about 14 minutes for 7 vertices). Here each step is an array
operation: all bitmasks of one vertex count at once, the "full DAG" and edge-limit filters as
masks, all labellings by broadcasting, de-duplication by the integer WL fingerprint, and the
official md5 hash only for the unique cells (batched, each distinct round key hashed once).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from benchmarks.progress import Progress
from benchmarks.space.arch import OPS
from benchmarks.space.hashing import hash_modules_batch, wl_fingerprints


@dataclass(frozen=True)
class CellGroup:
    """Unique cells with ``num_vertices`` vertices: arrays aligned on the first axis."""

    num_vertices: int
    matrices: np.ndarray  # (N, V, V) uint8, upper-triangular, pruned
    labels: np.ndarray  # (N, V) int8: -1 input, -2 output, 0.. op index
    fingerprints: np.ndarray  # (N,) uint64
    hashes: list[str]


def full_dags(num_vertices: int, max_edges: int) -> np.ndarray:
    """All upper-triangular adjacency matrices in which every vertex lies on an in->out path.

    Returns a ``(D, V, V)`` uint8 array in increasing bitmask order (NAS-Bench-101's order).
    A DAG in topological order has that property iff every vertex but the output has an
    out-edge and every vertex but the input has an in-edge (``graph_util.is_full_dag``).
    """
    v = num_vertices
    rows, cols = np.triu_indices(v, 1)
    n_bits = len(rows)
    masks = np.arange(2**n_bits, dtype=np.int64)
    bits = ((masks[:, None] >> np.arange(n_bits)) & 1).astype(bool)
    bits = bits[bits.sum(axis=1) <= max_edges]
    a = np.zeros((len(bits), v, v), dtype=bool)
    a[:, rows, cols] = bits
    full = np.all(a[:, :-1].any(axis=2), axis=1) & np.all(a[:, :, 1:].any(axis=1), axis=1)
    return a[full].astype(np.uint8)


def _labellings(num_vertices: int, num_ops: int) -> np.ndarray:
    """All ``num_ops ** (V - 2)`` labellings, input -1 and output -2, first inner vertex slowest."""
    inner = num_vertices - 2
    codes = np.arange(num_ops**inner)
    digits = (codes[:, None] // num_ops ** np.arange(inner - 1, -1, -1)) % num_ops
    ends = np.full((len(codes), 1), -1)
    return np.hstack([ends, digits, ends - 1]).astype(np.int8)


def enumerate_groups(max_vertices: int, max_edges: int = 9, num_ops: int = len(OPS),
                     progress: Progress | None = None) -> Iterator[CellGroup]:
    """Yield the unique cells of each vertex count ``2..max_vertices``.

    ``progress(done, total)`` is called after each vertex count, ``total = max_vertices - 1``.
    """
    total = max_vertices - 1
    for step, v in enumerate(range(2, max_vertices + 1), start=1):
        dags = full_dags(v, max_edges)
        labs = _labellings(v, num_ops)
        mats = np.repeat(dags, len(labs), axis=0)
        labels = np.tile(labs, (len(dags), 1))
        fps = wl_fingerprints(mats, labels)
        _, first = np.unique(fps, return_index=True)
        first.sort()  # keep generator order: the first occurrence of each cell
        mats, labels, fps = mats[first], labels[first], fps[first]
        yield CellGroup(v, mats, labels, fps, hash_modules_batch(mats, labels))
        if progress is not None:
            progress(step, total)

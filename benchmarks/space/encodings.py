"""Numeric encodings of cells for model-based strategies and surrogates."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

import numpy as np

from benchmarks.space.arch import OPS, Arch, pad_matrices


def adjacency_encoding(archs: Sequence[Arch], max_vertices: int = 7) -> np.ndarray:
    """Upper-triangle adjacency bits plus one-hot inner ops, cells padded to ``max_vertices``.

    Padding vertices (inserted just before the output) have no edges and an all-zero op code.
    Width: ``M(M-1)/2 + 3(M-2)`` (36 for ``M = 7``). Cells are expected pruned.
    """
    m = max_vertices
    rows, cols = np.triu_indices(m, 1)
    out = np.zeros((len(archs), len(rows) + len(OPS) * (m - 2)), dtype=np.float32)
    for k, arch in enumerate(archs):
        out[k, : len(rows)] = pad_matrices(arch.array()[None], m)[0, rows, cols]
        for v, op in enumerate(arch.ops[1:-1], start=1):
            out[k, len(rows) + (v - 1) * len(OPS) + OPS.index(op)] = 1.0
    return out


def path_names(max_vertices: int = 7) -> list[tuple[str, ...]]:
    """Every op sequence an input -> output path can carry (0 to ``M - 2`` inner ops)."""
    return [seq for length in range(max_vertices - 1) for seq in product(OPS, repeat=length)]


def path_encoding(archs: Sequence[Arch], max_vertices: int = 7) -> np.ndarray:
    """Binary path encoding (BANANAS): 1 where the cell has an input -> output path with
    that op sequence. Width ``sum(3**l for l < M - 1)`` (364 for ``M = 7``)."""
    index = {seq: i for i, seq in enumerate(path_names(max_vertices))}
    out = np.zeros((len(archs), len(index)), dtype=np.float32)
    for k, arch in enumerate(archs):
        for seq in _paths(arch):
            out[k, index[seq]] = 1.0
    return out


def _paths(arch: Arch) -> set[tuple[str, ...]]:
    a, n = arch.array(), arch.num_vertices
    paths: list[set[tuple[str, ...]]] = [set() for _ in range(n)]
    paths[0].add(())
    for v in range(1, n):
        op = () if v == n - 1 else (arch.ops[v],)
        for u in np.flatnonzero(a[:, v]):
            paths[v].update(p + op for p in paths[u])
    return paths[n - 1]

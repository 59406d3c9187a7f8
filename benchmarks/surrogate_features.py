"""Cell -> feature vector for the energy surrogate, vectorised over cells of one vertex count.

DRAFT
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchmarks.network import count_batch, vertex_channels
from benchmarks.space.arch import OPS, Arch, check_arch

MAX_VERTICES = 7
_CONV3, _CONV1, _POOL = 0, 1, 2
_ALL_GROUPS = ("adjacency", "ops", "graph", "compute", "memory")
_UNIT = 128  # channels of a first-stack module; activation features are in these units


def padded_index(num_vertices: int) -> np.ndarray:
    """Positions of a ``num_vertices`` cell's vertices in the 7-vertex layout (output last)."""
    idx = np.arange(num_vertices)
    idx[-1] = MAX_VERTICES - 1
    return idx


def _adjacency(m: np.ndarray) -> tuple[np.ndarray, list[str]]:
    n, v = m.shape[:2]
    pad = np.zeros((n, MAX_VERTICES, MAX_VERTICES), dtype=np.float32)
    idx = padded_index(v)
    pad[:, idx[:, None], idx[None, :]] = m
    iu = np.triu_indices(MAX_VERTICES, 1)
    return pad[:, iu[0], iu[1]], [f"edge_{i}_{j}" for i, j in zip(*iu, strict=True)]


def _ops(lab: np.ndarray) -> tuple[np.ndarray, list[str]]:
    n, v = lab.shape
    out = np.zeros((n, MAX_VERTICES - 2, len(OPS)), dtype=np.float32)
    for t in range(1, v - 1):
        out[np.arange(n), t - 1, lab[:, t]] = 1.0
    names = [f"op_{t}_{k}" for t in range(1, MAX_VERTICES - 1) for k in range(len(OPS))]
    return out.reshape(n, -1), names


def _longest(m: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Largest sum of ``weight`` over vertices of an input -> output path (per cell)."""
    n, v = m.shape[:2]
    best = np.zeros((n, v))
    for t in range(1, v):
        cand = np.where(m[:, :t, t] > 0, best[:, :t], -np.inf).max(axis=1)
        best[:, t] = cand + weight[:, t]
    return best[:, -1]


def _graph(m: np.ndarray, lab: np.ndarray) -> tuple[np.ndarray, list[str]]:
    n, v = lab.shape
    interior = lab[:, 1:-1]
    counts = [(interior == k).sum(axis=1) for k in range(len(OPS))]
    indeg = m.sum(axis=1)
    cols = {
        "num_vertices": np.full(n, v),
        "num_edges": m.sum(axis=(1, 2)),
        "depth": _longest(m, np.ones((n, v))),
        "conv3_on_path": _longest(m, (lab == _CONV3).astype(float)),
        "in_to_out": m[:, 0, v - 1],
        "from_input": m[:, 0, :].sum(axis=1),
        "into_output": indeg[:, v - 1] if v > 1 else np.zeros(n),
        "num_adds": np.clip(indeg[:, 1:-1] - 1, 0, None).sum(axis=1),
        **{f"num_{op.split('-')[0]}": c for op, c in zip(OPS, counts, strict=True)},
    }
    return np.column_stack(list(cols.values())).astype(np.float32), list(cols)


def _channels(m: np.ndarray) -> np.ndarray:
    """Vertex channels of a first-stack module, computed once per distinct matrix."""
    flat = m.reshape(len(m), -1)
    uniq, inverse = np.unique(flat, axis=0, return_inverse=True)
    v = m.shape[1]
    table = np.array([vertex_channels(u.reshape(v, v), _UNIT, _UNIT) for u in uniq])
    return table[inverse.ravel()].astype(np.float64) / _UNIT


def _memory(m: np.ndarray, lab: np.ndarray) -> tuple[np.ndarray, list[str]]:
    n, v = lab.shape
    ch = _channels(m)
    inner = ch[:, 1:-1]
    kind = lab[:, 1:-1]
    proj = (m[:, 0, 1:] * ch[:, 1:]).sum(axis=1)
    indeg = m[:, :, 1:-1].sum(axis=1)
    cols = {
        "act_conv3": (inner * (kind == _CONV3)).sum(axis=1),
        "act_conv1": (inner * (kind == _CONV1)).sum(axis=1),
        "act_pool": (inner * (kind == _POOL)).sum(axis=1),
        "act_proj": proj,
        "act_add": (inner * np.clip(indeg - 1, 0, None)).sum(axis=1),
        "act_total": inner.sum(axis=1) + proj,
        "max_width": inner.max(axis=1) if v > 2 else np.zeros(n),
    }
    return np.column_stack(list(cols.values())).astype(np.float32), list(cols)


def _compute(m: np.ndarray, lab: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Params and MACs per op type by differencing: channels do not depend on the labels."""
    lab = lab.astype(np.int64)
    params, flops = count_batch(m, lab)
    swapped = {}
    for k in (_CONV3, _CONV1):
        alt = lab.copy()
        alt[alt == k] = _POOL
        swapped[k] = count_batch(m, alt)
    none = lab.copy()
    none[none >= 0] = _POOL
    base_p, base_f = count_batch(m, none)
    cols = {
        "log_params": np.log(params),
        "log_flops": np.log(flops),
        "gmac_conv3": (flops - swapped[_CONV3][1]) / 1e9,
        "gmac_conv1": (flops - swapped[_CONV1][1]) / 1e9,
        "gmac_proj": base_f / 1e9,
        "mparams_conv3": (params - swapped[_CONV3][0]) / 1e6,
        "mparams_conv1": (params - swapped[_CONV1][0]) / 1e6,
        "mparams_proj": base_p / 1e6,
    }
    return np.column_stack(list(cols.values())).astype(np.float32), list(cols)


_GROUPS = {"adjacency": lambda m, lab: _adjacency(m), "ops": lambda m, lab: _ops(lab),
           "graph": _graph, "memory": _memory, "compute": _compute}


def featurise_group(matrices: np.ndarray, labels: np.ndarray,
                    groups: Sequence[str] = _ALL_GROUPS) -> tuple[np.ndarray, list[str]]:
    """Features of ``N`` pruned cells that all have the same vertex count."""
    m = np.asarray(matrices, dtype=np.uint8)
    lab = np.asarray(labels, dtype=np.int64)
    blocks, names = [], []
    for g in groups:
        x, nm = _GROUPS[g](m, lab)
        blocks.append(x)
        names += nm
    return np.hstack(blocks), names


def cells_from_frame(df: pd.DataFrame) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pruned ``(matrix, labels)`` of each row of a frame with ``matrix`` and ``ops`` strings."""
    out = []
    for bits, ops in zip(df["matrix"], df["ops"], strict=True):
        a = check_arch(Arch.from_strings(bits, ops))
        out.append((a.array(), np.array(a.labels())))
    return out


def featurise(cells: Sequence[tuple[np.ndarray, np.ndarray]],
              groups: Sequence[str] = _ALL_GROUPS) -> tuple[np.ndarray, list[str]]:
    """Features of pruned cells of mixed vertex counts, in input order."""
    sizes = np.array([len(lab) for _, lab in cells])
    out = None
    names: list[str] = []
    for v in np.unique(sizes):
        rows = np.flatnonzero(sizes == v)
        m = np.stack([cells[i][0] for i in rows])
        lab = np.stack([cells[i][1] for i in rows])
        x, names = featurise_group(m, lab, groups)
        if out is None:
            out = np.zeros((len(cells), x.shape[1]), dtype=np.float32)
        out[rows] = x
    assert out is not None
    return out, names


@dataclass(frozen=True)
class FeatureSpec:
    groups: tuple[str, ...] = _ALL_GROUPS

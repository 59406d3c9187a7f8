"""Cell -> feature vector for the energy surrogate, vectorised over cells of one vertex count.

Feature groups (:data:`FEATURE_GROUPS`; a vertex's width is its channel count in a module with
``C`` output channels, which NAS-Bench-101 splits evenly over the vertices feeding the output,
so every width is ``C / k`` with ``k = 1..5`` the *width class*):

``vertex_types`` (27)
    Counts of what a module executes: vertices per (op, width class), input projections per
    width class, additions per width class (in-degree - 1), channel truncations, and the
    input -> output projection. The energy is nearly a sum over these kernels, so this group
    also feeds the linear base model of :mod:`benchmarks.surrogate.model`.
``graph`` (12)
    Vertices, edges, longest path, most conv3x3 on one path, input/output degrees, additions
    and op counts.
``memory`` (7)
    Activation volume (in units of ``C``) per op type, of the projections and additions, in
    total, and the widest vertex.
``compute`` (8)
    log trainable parameters, log MACs, and MACs and parameters of the 3x3 convolutions, the
    1x1 convolutions and the rest (projections, stem, classifier), from
    :func:`benchmarks.space.cost.count_batch` by swapping op labels (widths do not depend on them).
``adjacency`` (21), ``ops`` (15)
    EC-NAS's encoding: the upper triangle of the adjacency matrix padded to 7 vertices (output
    last) and one-hot ops per interior position.

Ablation: 5-fold CV on a development split (2,759 of the 3,448 measured 7V cells; the other
689 were kept for one final check), the MLP residual model of :mod:`benchmarks.surrogate.model` with
3 members, Kendall tau / MAE in Wh:

=========================================  ======  =====
features of the residual model             tau     MAE
=========================================  ======  =====
vertex_types                               0.9628  0.233
vertex_types + memory                      0.9634  0.227
vertex_types + compute                     0.9641  0.223
vertex_types + graph                       0.9642  0.220
vertex_types + memory + compute            0.9640  0.224
vertex_types + graph + memory + compute    0.9643  0.221  (default, :data:`DEFAULT_GROUPS`)
default + adjacency + ops                  0.9581  0.263
=========================================  ======  =====

``graph`` adds most; ``memory`` and ``compute`` add nothing measurable once it is in (the
spread between CV seeds is about 0.002 Wh) and are kept because they describe the work of the
network (parameters, MACs per op type) for cells unlike the training ones. ``adjacency`` and
``ops`` hurt: cells with identical default features differ by 1.6 % (log s.d.) in measured
energy, and a model on adjacency and ops explains none of that (R^2 -0.08), so it is
measurement noise that those columns let the model fit. Without the linear base, gradient-
boosted trees on all 3,448 cells reach 0.9205 / 0.523 on ``adjacency + ops`` (about EC-NAS's
encoding), 0.9532 / 0.310 adding ``graph``, 0.9482 / 0.321 on ``compute``, 0.9560 / 0.275 on
``memory`` and 0.9600 / 0.247 on ``graph + memory + compute``; a ridge regression on
``vertex_types`` alone reaches 0.935 / 0.427 (the energy is not quite additive over kernels).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from benchmarks.space.arch import OPS, Arch, check_arch, pad_matrices
from benchmarks.space.cost import count_batch, vertex_channels

MAX_VERTICES = 7
NUM_WIDTH_CLASSES = MAX_VERTICES - 2
FEATURE_GROUPS = ("vertex_types", "graph", "memory", "compute", "adjacency", "ops")
DEFAULT_GROUPS = ("vertex_types", "graph", "memory", "compute")
_CONV3, _CONV1, _POOL = 0, 1, 2
_OP_SHORT = ("conv3x3", "conv1x1", "maxpool3x3")
_C = 128  # module output channels used for widths; features are in units of it

Block = tuple[np.ndarray, list[str]]


def module_widths(matrices: np.ndarray) -> np.ndarray:
    """Vertex widths as fractions of the module's channels, ``(N, V)`` float.

    :func:`benchmarks.space.cost.vertex_channels` runs once per distinct matrix (about 1,600 of
    the 359,082 seven-vertex cells), so the cost is that of one ``np.unique`` on bit codes.
    """
    n, v = matrices.shape[:2]
    bits = np.packbits(matrices.reshape(n, v * v).astype(bool), axis=1)
    codes = np.zeros(n, dtype=np.uint64)
    for j in range(bits.shape[1]):
        codes = (codes << np.uint64(8)) | bits[:, j].astype(np.uint64)
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    table = np.array([vertex_channels(matrices[i], _C, _C) for i in first], dtype=float)
    return table[inverse.ravel()] / _C


def _width_class(widths: np.ndarray) -> np.ndarray:
    return np.rint(1.0 / np.maximum(widths, 1e-9)).astype(np.int64)


def _vertex_types(m: np.ndarray, lab: np.ndarray) -> Block:
    n, v = lab.shape
    w = module_widths(m)
    k, ops = _width_class(w[:, 1:-1]), lab[:, 1:-1]
    classes = range(1, NUM_WIDTH_CLASSES + 1)
    cols: dict[str, np.ndarray] = {}
    for op, name in enumerate(_OP_SHORT):
        for c in classes:
            cols[f"n_{name}_w{c}"] = ((ops == op) & (k == c)).sum(axis=1)
    for c in classes:
        cols[f"n_proj_w{c}"] = ((m[:, 0, 1:-1] > 0) & (k == c)).sum(axis=1)
    extra_inputs = np.clip(m[:, :, 1:-1].sum(axis=1) - 1, 0, None)
    for c in classes:
        cols[f"n_add_w{c}"] = (extra_inputs * (k == c)).sum(axis=1)
    trunc = np.zeros(n)
    for s in range(1, v - 1):
        wider = w[:, s, None] > w[:, s + 1 : v - 1] + 1e-9
        trunc += (m[:, s, s + 1 : v - 1] * wider).sum(axis=1)
    cols["n_truncate"] = trunc
    cols["n_proj_out"] = m[:, 0, v - 1]
    return np.column_stack(list(cols.values())).astype(float), list(cols)


def _longest(m: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Largest sum of ``weight`` over the vertices after the input on an input -> output path."""
    n, v = weight.shape
    best = np.zeros((n, v))
    for t in range(1, v):
        best[:, t] = np.where(m[:, :t, t] > 0, best[:, :t], -np.inf).max(axis=1) + weight[:, t]
    return best[:, -1]


def _graph(m: np.ndarray, lab: np.ndarray) -> Block:
    n, v = lab.shape
    indeg = m.sum(axis=1)
    cols = {
        "num_vertices": np.full(n, v),
        "num_edges": m.sum(axis=(1, 2)),
        "depth": _longest(m, np.ones((n, v))),
        "conv3x3_on_path": _longest(m, (lab == _CONV3).astype(float)),
        "in_to_out": m[:, 0, v - 1],
        "from_input": m[:, 0, :].sum(axis=1),
        "into_output": indeg[:, v - 1],
        "num_adds": np.clip(indeg[:, 1:-1] - 1, 0, None).sum(axis=1),
        "num_interior": np.full(n, v - 2),
        **{f"num_{name}": (lab[:, 1:-1] == op).sum(axis=1) for op, name in enumerate(_OP_SHORT)},
    }
    return np.column_stack(list(cols.values())).astype(float), list(cols)


def _memory(m: np.ndarray, lab: np.ndarray) -> Block:
    w = module_widths(m)
    inner, ops = w[:, 1:-1], lab[:, 1:-1]
    proj = (m[:, 0, 1:] * w[:, 1:]).sum(axis=1)
    extra_inputs = np.clip(m[:, :, 1:-1].sum(axis=1) - 1, 0, None)
    cols = {
        **{f"act_{name}": (inner * (ops == op)).sum(axis=1) for op, name in enumerate(_OP_SHORT)},
        "act_proj": proj,
        "act_add": (inner * extra_inputs).sum(axis=1),
        "act_total": inner.sum(axis=1) + proj,
        "max_width": inner.max(axis=1, initial=0.0),
    }
    return np.column_stack(list(cols.values())).astype(float), list(cols)


def _as_pool(lab: np.ndarray, ops: Sequence[int]) -> np.ndarray:
    out = lab.copy()
    out[np.isin(out, ops)] = _POOL
    return out


def _compute(m: np.ndarray, lab: np.ndarray) -> Block:
    params, flops = count_batch(m, lab)
    no_conv3 = count_batch(m, _as_pool(lab, [_CONV3]))
    no_conv1 = count_batch(m, _as_pool(lab, [_CONV1]))
    no_conv = count_batch(m, _as_pool(lab, [_CONV3, _CONV1]))
    cols = {
        "log_params": np.log(params),
        "log_flops": np.log(flops),
        "gmac_conv3x3": (flops - no_conv3[1]) / 1e9,
        "gmac_conv1x1": (flops - no_conv1[1]) / 1e9,
        "gmac_other": no_conv[1] / 1e9,
        "mparams_conv3x3": (params - no_conv3[0]) / 1e6,
        "mparams_conv1x1": (params - no_conv1[0]) / 1e6,
        "mparams_other": no_conv[0] / 1e6,
    }
    return np.column_stack(list(cols.values())).astype(float), list(cols)


def _adjacency(m: np.ndarray, lab: np.ndarray) -> Block:
    pad = pad_matrices(m, MAX_VERTICES).astype(float)  # NAS-Bench-101 padding: output last
    rows, cols = np.triu_indices(MAX_VERTICES, 1)
    return pad[:, rows, cols], [f"edge_{i}_{j}" for i, j in zip(rows, cols, strict=True)]


def _ops(m: np.ndarray, lab: np.ndarray) -> Block:
    n, v = lab.shape
    out = np.zeros((n, MAX_VERTICES - 2, len(OPS)))
    for t in range(1, v - 1):
        out[np.arange(n), t - 1, lab[:, t]] = 1.0
    names = [f"op_{t}_{name}" for t in range(1, MAX_VERTICES - 1) for name in _OP_SHORT]
    return out.reshape(n, -1), names


_BUILDERS: dict[str, Callable[[np.ndarray, np.ndarray], Block]] = {
    "vertex_types": _vertex_types, "graph": _graph, "memory": _memory, "compute": _compute,
    "adjacency": _adjacency, "ops": _ops,
}


def check_groups(groups: Sequence[str]) -> tuple[str, ...]:
    """``groups`` as a tuple; ValueError naming an unknown group."""
    for g in groups:
        if g not in _BUILDERS:
            raise ValueError(f"unknown feature group {g!r}; valid: {', '.join(FEATURE_GROUPS)}")
    return tuple(groups)


def featurise_group(matrices: np.ndarray, labels: np.ndarray,
                    groups: Sequence[str] = DEFAULT_GROUPS) -> Block:
    """Features of ``N`` pruned cells that all have the same number of vertices.

    Parameters
    ----------
    matrices : numpy.ndarray
        ``(N, V, V)`` 0/1 upper-triangular adjacency matrices of pruned cells, ``V <= 7``.
    labels : numpy.ndarray
        ``(N, V)`` vertex labels: -1 input, -2 output, 0/1/2 for :data:`benchmarks.space.OPS`.
    groups : sequence of str, optional
        Feature groups (see the module docstring), in output column order.

    Returns
    -------
    X : numpy.ndarray
        ``(N, F)`` float64 features.
    names : list of str
        ``F`` column names.
    """
    m = np.asarray(matrices).astype(np.int64)
    lab = np.asarray(labels).astype(np.int64)
    if m.ndim != 3 or lab.shape != m.shape[:2] or not 2 <= m.shape[1] <= MAX_VERTICES:
        raise ValueError(f"expected (N, V, V) matrices and (N, V) labels with V <= "
                         f"{MAX_VERTICES}, got {m.shape} and {lab.shape}")
    blocks = [_BUILDERS[g](m, lab) for g in check_groups(groups)]
    x = np.hstack([b[0] for b in blocks]) if blocks else np.zeros((len(m), 0))
    return x, [name for b in blocks for name in b[1]]


def featurise(matrices: Sequence[np.ndarray], labels: Sequence[np.ndarray],
              groups: Sequence[str] = DEFAULT_GROUPS) -> Block:
    """Features of pruned cells with mixed vertex counts, rows in input order.

    Cells are grouped by vertex count and each group goes through :func:`featurise_group`.
    """
    sizes = np.array([len(lab) for lab in labels], dtype=np.int64)
    names = feature_names(groups)
    out = np.zeros((len(sizes), len(names)))
    for v in np.unique(sizes):
        rows = np.flatnonzero(sizes == v)
        m = np.stack([np.asarray(matrices[int(i)]) for i in rows])
        lab = np.stack([np.asarray(labels[int(i)]) for i in rows])
        out[rows] = featurise_group(m, lab, groups)[0]
    return out, names


def feature_names(groups: Sequence[str] = DEFAULT_GROUPS) -> list[str]:
    """Column names of :func:`featurise_group` for ``groups``."""
    probe = featurise_group(np.array([[[0, 1], [0, 0]]]), np.array([[-1, -2]]), groups)
    return probe[1]


def cells_of_frame(cells: pd.DataFrame) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Pruned matrices and labels of a frame's ``matrix`` (0/1 string) and ``ops`` columns."""
    archs = [check_arch(Arch.from_strings(str(m), str(o)))
             for m, o in zip(cells["matrix"], cells["ops"], strict=True)]
    return [a.array() for a in archs], [np.array(a.labels(), dtype=np.int64) for a in archs]

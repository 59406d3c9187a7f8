"""Exact trainable parameters and FLOPs of the NAS-Bench-101 network, computed analytically.

The network is the one of NAS-Bench-101 (``model_builder.py`` and ``base_ops.py`` of
google-research/nasbench), reproduced without a deep learning framework:

- stem: 3x3 convolution ``input_channels -> stem_channels`` + batch norm + ReLU;
- ``num_stacks`` stacks of ``cells_per_stack`` modules (cells); before every stack but the
  first, a 2x2 max-pool with stride 2 ('same' padding: the side becomes ``ceil(side / 2)``)
  and the channel count doubles;
- in a module, vertex channels follow :func:`vertex_channels`; an interior vertex sums its
  inputs (those from interior vertices truncated by channel slicing, the module input through
  a 1x1 projection convolution + batch norm + ReLU) and applies its op; the output
  concatenates the interior vertices that feed it and adds a projection of the module input
  if the input feeds it directly;
- global average pooling and a dense layer ``C_final -> num_classes`` with bias.

Trainable parameters
    Convolutions have no bias; each batch norm has two per channel (gamma and beta); the dense
    layer has ``C * num_classes + num_classes``. Batch-norm moving statistics are not trainable.
FLOPs
    Multiply-accumulates (MACs) of one forward pass of one ``input_size`` x ``input_size``
    image: every convolution (stem, 1x1 projections, 3x3 and 1x1 op convolutions) counts
    ``k * k * C_in * C_out * H * W`` at its spatial size ('same' padding, stride 1), and the
    dense layer ``C * num_classes``. Batch norm, ReLU, pooling, additions, biases and
    concatenation are not counted.

:func:`count_batch` does the accounting for many cells at once with numpy (loops run only over
vertices and stacks); :func:`count_params` and :func:`count_flops` are thin wrappers for one
cell.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike

# Per op label (0 conv3x3-bn-relu, 1 conv1x1-bn-relu, 2 maxpool3x3): kernel area and
# batch-norm parameters per output channel.
_KERNEL_AREA = np.array([9, 1, 0], dtype=np.int64)
_BN_PER_CHANNEL = np.array([2, 2, 0], dtype=np.int64)


@dataclass(frozen=True)
class NetworkConfig:
    """Shape of the NAS-Bench-101 network; the defaults are the benchmark's CIFAR-10 network.

    Parameters
    ----------
    stem_channels : int
        Output channels of the stem convolution and of the modules of the first stack.
    num_stacks : int
        Number of stacks; channels double and the image side halves between stacks.
    cells_per_stack : int
        Modules (cells) per stack.
    input_size : int
        Side of the square input image, in pixels.
    num_classes : int
        Outputs of the final dense layer.
    input_channels : int
        Channels of the input image.
    """

    stem_channels: int = 128
    num_stacks: int = 3
    cells_per_stack: int = 3
    input_size: int = 32
    num_classes: int = 10
    input_channels: int = 3

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"NetworkConfig.{field.name} must be a positive int, "
                                 f"got {value!r}")


def vertex_channels(matrix: np.ndarray, input_channels: int, output_channels: int) -> list[int]:
    """Channels of every vertex of one module (NAS-Bench-101 ``compute_vertex_channels``).

    Parameters
    ----------
    matrix : numpy.ndarray
        ``(V, V)`` pruned upper-triangular 0/1 adjacency matrix.
    input_channels, output_channels : int
        Channels of the module input and output.

    Returns
    -------
    list of int
        Vertex 0 gets ``input_channels`` and the output vertex ``output_channels``. Interior
        vertices feeding the output split ``output_channels`` evenly, the first ones taking
        one extra channel each for the remainder; the others take the largest channel count
        among their interior successors.

    Examples
    --------
    >>> vertex_channels(np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]]), 64, 128)
    [64, 128, 128]
    """
    interior = _interior_channels(_channel_ranks(np.asarray(matrix)[None]), output_channels)
    return [input_channels, *(int(c) for c in interior[0]), output_channels]


def _channel_ranks(matrices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Channel structure of ``N`` cells, independent of the channel count.

    Returns the number of interior vertices feeding the output ``(N,)`` and, per interior
    vertex ``(N, V - 2)``, the smallest rank (order among the feeding vertices) it gets its
    channels from. A feeding vertex of rank ``r`` gets ``C // deg + (r < C % deg)`` channels,
    so the largest count among several feeding vertices is that of the smallest rank; a
    vertex that does not feed the output takes the largest among its interior successors,
    hence the smallest rank among them.
    """
    v = matrices.shape[1]
    feeds = matrices[:, 1 : v - 1, v - 1].astype(bool)
    rank = np.cumsum(feeds, axis=1, dtype=np.int64) - 1
    for t in range(v - 4, -1, -1):  # interior index t is vertex t + 1; the last one feeds
        successors = matrices[:, t + 1, t + 2 : v - 1].astype(bool)
        nearest = np.where(successors, rank[:, t + 1 :], v).min(axis=1)
        rank[:, t] = np.where(feeds[:, t], rank[:, t], nearest)
    return feeds.sum(axis=1), rank


def _interior_channels(ranks: tuple[np.ndarray, np.ndarray], channels: int) -> np.ndarray:
    """``(N, V - 2)`` interior vertex channels for a module with ``channels`` outputs."""
    degree, rank = ranks
    base, extra = np.divmod(channels, np.maximum(degree, 1))  # degree >= 1 when V > 2
    return base[:, None] + (rank < extra[:, None])


def count_batch(matrices: np.ndarray, labels: np.ndarray,
                config: NetworkConfig = NetworkConfig()) -> tuple[np.ndarray, np.ndarray]:
    """Trainable parameters and FLOPs (MACs) of the network of each of ``N`` cells.

    Parameters
    ----------
    matrices : numpy.ndarray
        ``(N, V, V)`` 0/1 adjacency matrices of pruned, upper-triangular cells, all with the
        same number of vertices ``V`` (as :func:`benchmarks.space.arch.check_arch` returns
        them; unpruned cells give undefined counts).
    labels : numpy.ndarray
        ``(N, V)`` integer vertex labels: -1 input, -2 output, 0 conv3x3-bn-relu,
        1 conv1x1-bn-relu, 2 maxpool3x3.
    config : NetworkConfig, optional
        Network shape; the default is NAS-Bench-101's CIFAR-10 network.

    Returns
    -------
    params, flops : numpy.ndarray
        ``(N,)`` int64 trainable-parameter counts and multiply-accumulates of one forward
        pass (see the module docstring for what is counted).
    """
    matrices, labels = _check_batch(matrices, labels)
    v = matrices.shape[1]
    ranks = _channel_ranks(matrices)
    projected = matrices[:, 0, 1 : v - 1].astype(np.int64)  # input -> interior projections
    out_projected = matrices[:, 0, v - 1].astype(np.int64)
    kernel, bn = _KERNEL_AREA[labels[:, 1 : v - 1]], _BN_PER_CHANNEL[labels[:, 1 : v - 1]]
    stem = config.input_channels * config.stem_channels
    params = np.full(len(matrices), 9 * stem + 2 * config.stem_channels, dtype=np.int64)
    flops = np.full(len(matrices), 9 * stem * config.input_size**2, dtype=np.int64)
    side, c_in = config.input_size, config.stem_channels
    for stack in range(config.num_stacks):
        c_out = config.stem_channels * 2**stack
        side = side if stack == 0 else -(-side // 2)  # 2x2 max-pool, stride 2, 'same'
        c = _interior_channels(ranks, c_out)
        proj = (projected * c).sum(axis=1)  # channels of the input projections
        op_macs = (kernel * c * c).sum(axis=1)
        fixed = op_macs + (bn * c).sum(axis=1) + 2 * proj + out_projected * 2 * c_out
        # A module's cost is affine in its input channels: c_in for the first, c_out after.
        for c_mod, count in ((c_in, 1), (c_out, config.cells_per_stack - 1)):
            linear = c_mod * (proj + out_projected * c_out)
            params += count * (linear + fixed)
            flops += count * (linear + op_macs) * side**2
        c_in = c_out
    params += c_in * config.num_classes + config.num_classes
    flops += c_in * config.num_classes
    return params, flops


def _check_batch(matrices: ArrayLike, labels: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    m, lab = np.asarray(matrices), np.asarray(labels)
    if m.ndim != 3 or m.shape[1] != m.shape[2] or m.shape[1] < 2:
        raise ValueError(f"matrices must have shape (N, V, V) with V >= 2, got {m.shape}")
    if lab.shape != m.shape[:2]:
        raise ValueError(f"labels must have shape {m.shape[:2]}, got {lab.shape}")
    if len(lab) and not (np.all(lab[:, 0] == -1) and np.all(lab[:, -1] == -2)):
        raise ValueError("labels must start with -1 (input) and end with -2 (output)")
    interior = lab[:, 1:-1]
    if interior.size and (interior.min() < 0 or interior.max() >= len(_KERNEL_AREA)):
        raise ValueError("interior labels must be 0, 1 or 2")
    return m, lab.astype(np.intp, copy=False)


def count_params(matrix: ArrayLike, labels: ArrayLike,
                 config: NetworkConfig = NetworkConfig()) -> int:
    """Trainable parameters of the network of one pruned cell (see :func:`count_batch`).

    Examples
    --------
    The smallest cell, input -> output, makes every module a 1x1 projection:

    >>> count_params([[0, 1], [0, 0]], [-1, -2])
    882570
    """
    return int(count_batch(np.asarray(matrix)[None], np.asarray(labels)[None], config)[0][0])


def count_flops(matrix: ArrayLike, labels: ArrayLike,
                config: NetworkConfig = NetworkConfig()) -> int:
    """Multiply-accumulates of one forward pass for one pruned cell (see :func:`count_batch`)."""
    return int(count_batch(np.asarray(matrix)[None], np.asarray(labels)[None], config)[1][0])

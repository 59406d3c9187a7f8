"""The NAS-Bench-101 network in PyTorch, for any cell and :class:`NetworkConfig`.

A port of ``model_builder.py`` / ``base_ops.py`` of google-research/nasbench: a 3x3 conv-bn-relu
stem; ``num_stacks`` stacks of ``cells_per_stack`` modules with a 2x2 max-pool (stride 2,
'same' padding) and doubled channels before every stack but the first; global average pooling
and a dense layer. Inside a module, vertex channels follow
:func:`benchmarks.space.cost.vertex_channels`; an interior vertex sums its inputs (interior
ones truncated to its channels, the module input through a 1x1 conv-bn-relu projection) and
applies its op; the output concatenates the interior vertices feeding it and adds a projection
of the module input when the input feeds it. Convolutions have no bias; batch norm uses the
benchmark's momentum 0.997 and epsilon 1e-5. The trainable parameters equal
:func:`benchmarks.space.cost.count_batch` for every cell (tested on all 4V and 5V cells).
"""

from __future__ import annotations

import torch
from torch import nn

from benchmarks.space.arch import Arch, check_arch
from benchmarks.space.cost import NetworkConfig, vertex_channels

__all__ = ["Module", "Network", "build_network"]

_BN_MOMENTUM = 1.0 - 0.997  # TF's decay 0.997 is torch's momentum 0.003
_BN_EPS = 1e-5
_DEFAULT = NetworkConfig()  # NAS-Bench-101's CIFAR-10 network


def conv_bn_relu(c_in: int, c_out: int, kernel: int) -> nn.Sequential:
    """Convolution ('same' padding, no bias), batch norm and ReLU, as NAS-Bench-101's."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(c_out, eps=_BN_EPS, momentum=_BN_MOMENTUM),
        nn.ReLU(inplace=False))


def _op(name: str, channels: int) -> nn.Module:
    if name == "conv3x3-bn-relu":
        return conv_bn_relu(channels, channels, 3)
    if name == "conv1x1-bn-relu":
        return conv_bn_relu(channels, channels, 1)
    if name == "maxpool3x3":
        return nn.MaxPool2d(3, stride=1, padding=1)
    raise ValueError(f"unknown op {name!r}")


class Module(nn.Module):
    """One NAS-Bench-101 module (cell) mapping ``c_in`` to ``c_out`` channels."""

    def __init__(self, arch: Arch, c_in: int, c_out: int) -> None:
        super().__init__()
        self.matrix = arch.array().astype(bool)
        v = len(self.matrix)
        self.channels = vertex_channels(self.matrix.astype(int), c_in, c_out)
        # Projections of the module input, keyed by the vertex they feed (``str`` for ModuleDict).
        self.proj = nn.ModuleDict({
            str(t): conv_bn_relu(c_in, self.channels[t], 1)
            for t in range(1, v) if self.matrix[0, t]
        })
        self.ops = nn.ModuleList(_op(arch.ops[t], self.channels[t]) for t in range(1, v - 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = len(self.matrix)
        tensors = [x]
        for t in range(1, v - 1):
            inputs = [tensors[s][:, : self.channels[t]] for s in range(1, t) if self.matrix[s, t]]
            if self.matrix[0, t]:
                inputs.append(self.proj[str(t)](x))
            tensors.append(self.ops[t - 1](torch.stack(inputs).sum(0) if len(inputs) > 1
                                           else inputs[0]))
        final = [tensors[t] for t in range(1, v - 1) if self.matrix[t, v - 1]]
        if not final:  # input -> output only
            return self.proj[str(v - 1)](x)
        out = torch.cat(final, dim=1) if len(final) > 1 else final[0]
        if self.matrix[0, v - 1]:
            out = out + self.proj[str(v - 1)](x)
        return out


class Network(nn.Module):
    """Stem, stacks of :class:`Module` with down-sampling between them, pooling and dense."""

    def __init__(self, arch: Arch, config: NetworkConfig = _DEFAULT) -> None:
        super().__init__()
        self.config = config
        layers: list[nn.Module] = [conv_bn_relu(config.input_channels, config.stem_channels, 3)]
        c_in = config.stem_channels
        for stack in range(config.num_stacks):
            c_out = config.stem_channels * 2**stack
            if stack > 0:
                layers.append(nn.MaxPool2d(2, stride=2, ceil_mode=True))
            for _ in range(config.cells_per_stack):
                layers.append(Module(arch, c_in, c_out))
                c_in = c_out
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(c_in, config.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).mean(dim=(2, 3)))


def build_network(arch: Arch | dict, config: NetworkConfig = _DEFAULT) -> Network:
    """The NAS-Bench-101 network of one cell, pruned first as the benchmark does.

    Parameters
    ----------
    arch : Arch or dict
        The cell (an :class:`~benchmarks.space.arch.Arch`, or its JSON form with ``matrix``
        and ``ops``); it is checked and pruned (vertices off every input-output path removed).
    config : NetworkConfig, optional
        Network shape; the default is NAS-Bench-101's CIFAR-10 network (128 stem channels,
        3 stacks of 3 modules, 32x32x3 input, 10 classes).

    Returns
    -------
    Network
        A ``torch.nn.Module`` mapping ``(N, input_channels, input_size, input_size)`` images
        to ``(N, num_classes)`` logits.
    """
    if isinstance(arch, dict):
        arch = Arch.from_json(arch)
    return Network(check_arch(arch), config)


def trainable_params(model: nn.Module) -> int:
    """Number of trainable parameters (batch-norm running statistics are buffers, not counted)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)

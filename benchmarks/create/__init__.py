"""Building an energy-aware benchmark on your own hardware.

Train every cell of a space with the NAS-Bench-101 network and protocol (:mod:`.network`,
:mod:`.training`) on a dataset (:mod:`.datasets`) while an energy meter runs (:mod:`.meters`),
write the official raw layout (:mod:`.layout`) from many Ray workers (:mod:`.workers`), and
optionally measure only a fraction of the cells and predict the rest with the energy surrogate
(:mod:`.select`). Needs the ``train`` extra (torch, ray, codecarbon); importing this package
does not import torch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_network"]


def build_network(arch: Any, config: Any = None) -> Any:
    """The NAS-Bench-101 ``torch.nn.Module`` of one cell (see :func:`.network.build_network`)."""
    from benchmarks.create.network import build_network as _build

    return _build(arch) if config is None else _build(arch, config)

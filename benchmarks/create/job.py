"""One benchmark-creation job: what to train (:class:`CreateSpec`) and one training run.

:func:`run_one` is the unit of work a worker executes: train cell ``module_hash`` once (repeat
``repeat``) with the spec's network, protocol and meter, and write its ``results.json``
atomically. It is a plain function of picklable arguments, so Ray can ship it.
"""

from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.create.datasets import canonical_dataset
from benchmarks.create.layout import run_path, run_record, write_run
from benchmarks.create.meters import EnergySettings
from benchmarks.create.training import TrainingConfig
from benchmarks.space import get_space
from benchmarks.space.cost import NetworkConfig

__all__ = ["CreateSpec", "cell_order", "network_for", "run_one"]


@dataclass(frozen=True)
class CreateSpec:
    """Everything that defines a benchmark to build.

    Parameters
    ----------
    out : pathlib.Path
        Root of the raw results tree.
    space : {"4v", "5v", "7v"}
    dataset : str
        ``cifar10``, ``digits``, ``folder:PATH`` or ``module:function``
        (:func:`~benchmarks.create.datasets.load_dataset`); kept in one spelling.
    data_root : pathlib.Path, optional
        Dataset folder (CIFAR-10).
    network : NetworkConfig
        Stem channels, stacks and modules per stack; input size, channels and classes are
        taken from the dataset.
    training : TrainingConfig
    energy : EnergySettings
    repeats : int
        Training runs per cell.
    seed : int
        Seeds the cell order, the data split and every run.
    """

    out: Path
    space: str = "4v"
    dataset: str = "digits"
    data_root: Path | None = None
    network: NetworkConfig = field(default_factory=NetworkConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    energy: EnergySettings = field(default_factory=EnergySettings)
    repeats: int = 3
    seed: int = 0

    def __post_init__(self) -> None:
        if self.repeats < 1:
            raise ValueError(f"repeats must be >= 1, got {self.repeats}")
        get_space(self.space)  # raises on an unknown space
        # one spelling per dataset (an absolute folder path), so settings and trees match
        object.__setattr__(self, "dataset", canonical_dataset(self.dataset))
        if self.dataset == "cifar10" and self.data_root is None:
            raise ValueError("cifar10 needs a root folder (--data-root)")

    @property
    def max_epochs(self) -> int:
        return self.training.checkpoints[-1]

    def path(self, module_hash: str, repeat: int) -> Path:
        return run_path(self.out, self.space, self.max_epochs, module_hash, repeat)


def cell_order(space: str, seed: int, n: int | None = None) -> list[str]:
    """Module hashes of ``space`` in a seeded random order; the first ``n`` when given."""
    hashes = get_space(space).cells()["module_hash"].to_numpy()
    if n is not None and not 1 <= n <= len(hashes):
        raise ValueError(f"cells must be in 1..{len(hashes)} for space {space}, got {n}")
    order = np.random.default_rng(seed).permutation(len(hashes))
    return [str(h) for h in hashes[order[:n]]]


@functools.lru_cache(maxsize=2)
def _dataset(name: str, root: Path | None, seed: int) -> Any:
    from benchmarks.create.datasets import load_dataset

    return load_dataset(name, root=root, seed=seed)


def network_for(spec: CreateSpec) -> NetworkConfig:
    """The spec's network with the dataset's input size, channels and classes."""
    data = _dataset(spec.dataset, spec.data_root, spec.seed)
    return replace(spec.network, input_size=data.input_size,
                   input_channels=data.input_channels, num_classes=data.num_classes)


def _gpu_index() -> int | None:
    import torch

    if not torch.cuda.is_available():
        return None
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "")  # NVML counts physical GPUs
    first = visible.split(",")[0].strip()
    return int(first) if first.isdigit() else torch.cuda.current_device()


def run_one(spec: CreateSpec, module_hash: str, repeat: int) -> dict[str, Any]:
    """Train one cell once, write its ``results.json``, return a short summary."""
    import torch

    from benchmarks.create.meters import EnergyTracker, make_meters
    from benchmarks.create.network import build_network, trainable_params
    from benchmarks.create.training import train_cell

    data = _dataset(spec.dataset, spec.data_root, spec.seed)
    config = network_for(spec)
    arch = get_space(spec.space).cells().set_index("module_hash").loc[module_hash]
    seed = int(np.random.SeedSequence([spec.seed, repeat, int(module_hash[:8], 16)])
               .generate_state(1)[0])
    gpu = _gpu_index()
    with torch.random.fork_rng(devices=[] if gpu is None else [torch.cuda.current_device()]):
        torch.manual_seed(seed)  # initialisation only, inside a forked RNG state
        from benchmarks.space.arch import Arch
        model = build_network(Arch.from_strings(arch["matrix"], arch["ops"]), config)
    model = model.to("cpu" if gpu is None else "cuda")
    tracker = EnergyTracker(make_meters(spec.energy, gpu_indices=None if gpu is None else [gpu]),
                            spec.energy)
    start, t0 = _now(), time.perf_counter()
    entries = train_cell(model, data, spec.training, tracker, seed=seed)
    record = run_record(
        trainable_params=trainable_params(model), entries=entries,
        usages=tracker.power_usages(), meter=tracker.name, estimated=tracker.estimated,
        pue=spec.energy.pue, intensity=spec.energy.carbon_intensity,
        total_time=time.perf_counter() - t0, start=start, stop=_now())
    write_run(spec.path(module_hash, repeat), record)
    return {"module_hash": module_hash, "repeat": repeat, "energy_kwh": tracker.energy_kwh(),
            "seconds": record["total_time"], "meter": tracker.name,
            "estimated": tracker.estimated}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")

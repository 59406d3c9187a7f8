"""The ``ecnas bench create`` application: settings -> spec, run, and a run.json beside the tree.

The tree's root gets ``create.json`` with the settings that define the benchmark; a restart
with different settings is refused (it would mix two benchmarks in one tree), while a restart
with the same settings resumes (finished runs are skipped).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.atomic import atomic_path
from benchmarks.create.build import Tally, check_guided, create_benchmark, create_guided
from benchmarks.create.job import CreateSpec, cell_order
from benchmarks.create.meters import EnergySettings
from benchmarks.create.select import RULES
from benchmarks.create.training import TrainingConfig
from benchmarks.space.cost import NetworkConfig

OnResult = Callable[[dict[str, Any], Tally], None] | None


def parse_epochs(text: str) -> tuple[int, ...]:
    """``"1,3"`` -> ``(1, 3)``: checkpoint epochs, increasing."""
    try:
        epochs = tuple(int(p) for p in text.split(","))
    except ValueError:
        raise ValueError(f"--epochs must be comma-separated integers, got {text!r}") from None
    return epochs


def make_spec(*, out: Path, space: str = "4v", dataset: str = "digits",
              data_root: Path | None = None, epochs: str = "4,12,36,108", repeats: int = 3,
              seed: int = 0, stem_channels: int = 128, num_stacks: int = 3,
              cells_per_stack: int = 3, batch_size: int = 256, learning_rate: float = 0.1,
              meter: str = "auto", pue: float = 1.59, carbon_intensity: float | None = None,
              tdp_w: float | None = None) -> CreateSpec:
    """A :class:`CreateSpec` from the command's flat options (validated by the dataclasses)."""
    energy = EnergySettings(meter=meter, pue=pue, tdp_w=tdp_w) if carbon_intensity is None \
        else EnergySettings(meter=meter, pue=pue, tdp_w=tdp_w, carbon_intensity=carbon_intensity)
    return CreateSpec(
        out=Path(out), space=space, dataset=dataset, data_root=data_root, repeats=repeats,
        seed=seed, network=NetworkConfig(stem_channels=stem_channels, num_stacks=num_stacks,
                                         cells_per_stack=cells_per_stack),
        training=TrainingConfig(checkpoints=parse_epochs(epochs), batch_size=batch_size,
                                learning_rate=learning_rate),
        energy=energy)


def spec_settings(spec: CreateSpec) -> dict[str, Any]:
    """What defines the benchmark ``spec`` builds (``create.json``'s ``settings``)."""
    return {"space": spec.space, "dataset": spec.dataset, "repeats": spec.repeats,
            "seed": spec.seed,  # input size, channels and classes come from the dataset
            "network": {k: getattr(spec.network, k)
                        for k in ("stem_channels", "num_stacks", "cells_per_stack")},
            "training": {k: list(v) if isinstance(v, tuple) else v
                         for k, v in asdict(spec.training).items()},
            "energy": asdict(spec.energy)}


def check_resume(spec: CreateSpec) -> dict[str, Any]:
    """The settings of ``spec``; a ValueError if its tree holds a benchmark of other settings."""
    settings = spec_settings(spec)
    path = spec.out / "create.json"
    if path.is_file():
        old = json.loads(path.read_text())["settings"]
        if old != settings:
            diff = sorted(k for k in settings if old.get(k) != settings[k])
            raise ValueError(f"{spec.out} holds a benchmark built with other settings "
                             f"({', '.join(diff)} differ); use another --out")
    return settings


def create(spec: CreateSpec, *, cells: int | None = None, workers: int = 1,
           address: str | None = None, measure: float | None = None, select: str = "random",
           on_result: OnResult = None) -> dict[str, Any]:
    """Build (or resume) the benchmark; write ``create.json``; return its summary.

    Every setting is checked before the first cell; ``create.json`` is written with the
    first finished run (a job that never started leaves none).
    """
    if cells is not None and measure is not None:
        raise ValueError("give --cells or --measure, not both")
    if select not in RULES:
        raise ValueError(f"unknown --select {select!r}; valid: {', '.join(RULES)}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"--workers must be >= 1, got {workers!r}")
    settings = check_resume(spec)
    if measure is None:
        hashes = cell_order(spec.space, spec.seed, cells)
    else:
        check_guided(spec, measure, select)
    ensure_dir(spec.out)
    on_result = _recording(spec.out / "create.json", settings, on_result)
    if measure is None:
        done = create_benchmark(spec, hashes, workers=workers, address=address,
                                on_result=on_result)
        summary: dict[str, Any] = {"cells": len(hashes), "runs_now": done.done,
                                   "energy_kwh_now": done.energy_kwh}
    else:
        summary = create_guided(spec, measure=measure, rule=select, workers=workers,
                                address=address, on_result=on_result)
    summary["tree"] = str(spec.out)
    _write_json(spec.out / "create.json", {"settings": settings, "status": "done",
                                           "summary": summary})
    return summary


def claim_tree(spec: CreateSpec) -> dict[str, Any]:
    """Check that ``spec.out`` may hold ``spec``'s runs (:func:`check_resume`); record the
    settings in its ``create.json`` if it has none yet; return them."""
    settings = check_resume(spec)
    ensure_dir(spec.out)
    if not (spec.out / "create.json").is_file():
        spec.out.mkdir(parents=True, exist_ok=True)
        _write_json(spec.out / "create.json", {"settings": settings, "status": "running"})
    return settings


def _recording(path: Path, settings: dict[str, Any], on_result: OnResult) -> OnResult:
    """``on_result`` that first records the settings in ``path`` (``create.json``), once."""
    started = path.is_file()

    def record(result: dict[str, Any], progress: Tally) -> None:
        nonlocal started
        if not started:
            _write_json(path, {"settings": settings, "status": "running"})
            started = True
        if on_result is not None:
            on_result(result, progress)

    return record


def ensure_dir(out: Path) -> None:
    """``out`` is, or can become, a directory (checked before any training)."""
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} exists and is not a directory")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2))


def tree_summary(out: Path, space: str) -> pd.DataFrame:
    """One row per cell of a built tree: mean energy / accuracy at the last checkpoint."""
    from benchmarks.sources.builders import frame_from_raw

    runs, _ = frame_from_raw(out, space)
    last = runs[runs["epochs"] == runs["epochs"].max()]
    return last.groupby("module_hash", sort=True).agg(
        matrix=("matrix", "first"), ops=("ops", "first"),
        trainable_params=("trainable_params", "first"), repeats=("repeat", "size"),
        energy_kwh=("energy_kwh", "mean"), training_time_s=("training_time_s", "mean"),
        validation_accuracy=("validation_accuracy", "mean"),
        test_accuracy=("test_accuracy", "mean"), energy_source=("energy_source", "first"),
    ).reset_index()

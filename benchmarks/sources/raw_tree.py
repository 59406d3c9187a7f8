"""Raw Carbontracker runs: ``.../energy/<SPACE>/<E>_epochs/<xx>/<hash>/repeat_<n>/``.

Each ``results.json`` is one training run with checkpoints (4V: epochs 0, 1, 4; 5V: 0, 2, 4).
Every checkpoint after epoch 0 becomes a row at that budget with its cumulative energy, CO2
and training time (``training_time_s`` excludes evaluation, as in NAS-Bench-101), so the
intermediate checkpoints are real low fidelities for multi-fidelity search.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SPACE_DIRS = {"4v": "4V9E", "5v": "5V9E", "7v": "7V9E"}


def find_space_dir(root: Path, space: str) -> Path:
    """``<root>/[train_model_results/energy/]<SPACE>`` for ``space`` in 4v/5v/7v."""
    if space not in SPACE_DIRS:
        raise ValueError(f"unknown space {space!r}; valid: {', '.join(SPACE_DIRS)}")
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"raw results directory not found: {root}")
    for cand in (root / "train_model_results" / "energy", root / "energy", root):
        if (cand / SPACE_DIRS[space]).is_dir():
            return cand / SPACE_DIRS[space]
    raise FileNotFoundError(
        f"no {SPACE_DIRS[space]} runs under {root} "
        f"(expected train_model_results/energy/{SPACE_DIRS[space]}/<E>_epochs/...)")


def result_files(space_dir: Path) -> list[Path]:
    """Every ``results.json`` of a space directory, in a stable order."""
    files = sorted(space_dir.glob("*_epochs/*/*/repeat_*/results.json"))
    if not files:
        raise FileNotFoundError(f"no results.json files under {space_dir}")
    return files


def read_raw_tree(root: Path, space: str,
                  progress: Callable[[int, int], None] | None = None) -> tuple[pd.DataFrame, str]:
    """Rows of every checkpoint of every run, and the sha256 over all files read.

    Columns are the table's (``benchmarks.tables.schema``) except matrix, ops, num_vertices and
    flops, which the caller joins from the space by ``module_hash``.
    """
    files = result_files(find_space_dir(root, space))
    digest = hashlib.sha256()
    rows: list[dict[str, Any]] = []
    for k, path in enumerate(files):
        data = path.read_bytes()
        digest.update(path.parent.name.encode() + path.parent.parent.name.encode() + data)
        try:
            rows.extend(_run_rows(json.loads(data), path))
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise ValueError(f"malformed results file {path}: {exc}") from None
        if progress is not None and (k % 256 == 0 or k == len(files) - 1):
            progress(k + 1, len(files))
    return pd.DataFrame(rows), digest.hexdigest()


def _run_rows(run: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    module_hash = path.parent.parent.name
    repeat = int(path.parent.name.removeprefix("repeat_")) - 1
    power = run.get("avg_power_usages:", run.get("avg_power_usages", {}))
    common = {
        "module_hash": module_hash, "repeat": repeat,
        "trainable_params": int(run["trainable_params"]),
        "gpu_power_w": _group_power(power.get("gpu")),
        "cpu_power_w": _group_power(power.get("cpu")),
        "device": "+".join(d.strip() for d in (power.get("gpu") or {}).get("devices", [])),
        "energy_source": "measured",
    }
    out = []
    for entry in run["evaluation_results"]:
        epochs = float(entry["epochs"])
        if epochs <= 0:
            continue
        out.append({**common, "epochs": round(epochs),
                    "train_accuracy": float(entry["train_accuracy"]),
                    "validation_accuracy": float(entry["validation_accuracy"]),
                    "test_accuracy": float(entry["test_accuracy"]),
                    "training_time_s": float(entry["training_time"]),
                    "energy_kwh": float(entry["energy (kWh)"]),
                    "co2eq_g": float(entry["co2eq (g)"]),
                    "carbon_intensity_g_per_kwh": float(entry["avg_intensity (gCO2/kWh)"])})
    if not out:
        raise ValueError("no evaluation after epoch 0")
    return out


def _group_power(group: dict[str, Any] | None) -> float:
    """Mean power of a device group in W: averaged over measurements, summed over devices."""
    if not group or not group.get("avg_power_usages (W)"):
        return float("nan")
    values = np.asarray(group["avg_power_usages (W)"], dtype=float)
    return float(values.reshape(-1, values.shape[-1]).mean(axis=0).sum())

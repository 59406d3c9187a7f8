"""Raw Carbontracker runs: ``.../energy/<SPACE>/<E>_epochs/<xx>/<hash>/repeat_<n>/``.

Each ``results.json`` is one training run with checkpoints (4V: epochs 0, 1, 4; 5V: 0, 2, 4).
Every checkpoint after epoch 0 becomes a row at that budget with its cumulative energy, CO2
and training time (``training_time_s`` excludes evaluation, as in NAS-Bench-101), so the
intermediate checkpoints are real low fidelities for multi-fidelity search.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.progress import Progress
from benchmarks.schema import METRICS, check_value

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
    """Every ``results.json`` of a space directory, in a stable order.

    Raises
    ------
    ValueError
        If an entry of the tree is a broken or looping symlink (glob would skip it silently).
    FileNotFoundError
        If there is no results file.
    """
    _check_links(space_dir, depth=4)
    files = sorted(space_dir.glob("*_epochs/*/*/repeat_*/results.json"))
    if not files:
        raise FileNotFoundError(f"no results.json files under {space_dir}")
    return files


def _check_links(folder: Path, depth: int) -> None:
    """Walk ``depth`` levels below ``folder``; refuse broken and looping symlinks on the way."""
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        raise ValueError(f"cannot read {folder} in the raw results tree: "
                         f"{exc.strerror or exc}") from None
    for entry in entries:
        if entry.is_symlink():
            try:
                os.stat(entry.path)
            except OSError as exc:
                raise ValueError(f"broken or looping symlink in the raw results tree: "
                                 f"{entry.path} ({exc.strerror or exc})") from None
        if depth > 0 and entry.is_dir():
            _check_links(Path(entry.path), depth - 1)
        elif depth == 0 and entry.name == "results.json" and not entry.is_file():
            raise ValueError(f"{entry.path} is not a regular file")


def read_raw_tree(root: Path, space: str,
                  progress: Progress | None = None) -> tuple[pd.DataFrame, str]:
    """Rows of every checkpoint of every run, and the sha256 over all files read.

    Columns are the table's (``benchmarks.schema``) except matrix, ops, num_vertices and
    flops, which the caller joins from the space by ``module_hash``.
    """
    files = result_files(find_space_dir(root, space))
    digest = hashlib.sha256()
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, int, int], Path] = {}  # (cell, epochs, repeat) -> the file holding it
    for k, path in enumerate(files):
        data = path.read_bytes()
        digest.update(path.parent.name.encode() + path.parent.parent.name.encode() + data)
        try:
            run_rows = _run_rows(json.loads(data), path)
        except KeyError as exc:
            raise ValueError(f"malformed results file {path}: no {exc} entry") from None
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:
            # TypeError/OverflowError: numpy on ragged or huge power lists
            raise ValueError(f"malformed results file {path}: {exc}") from None
        for row in run_rows:
            _check_new(seen, (row["module_hash"], row["epochs"], row["repeat"]), path)
        rows.extend(run_rows)
        if progress is not None and (k % 256 == 0 or k == len(files) - 1):
            progress(k + 1, len(files))
    return pd.DataFrame(rows), digest.hexdigest()


def _check_new(seen: dict[tuple[str, int, int], Path], key: tuple[str, int, int],
               path: Path) -> None:
    """Refuse a (cell, epochs, repeat) measured twice: in two budget folders, or twice in one
    file (a repeated checkpoint entry), it would count twice in every mean."""
    first = seen.setdefault(key, path)
    if first != path:
        raise ValueError(f"cell {key[0]} repeat_{key[2] + 1} at {key[1]} epochs is in both "
                         f"{first} and {path}; keep one copy")


_ENTRY_FIELDS = {"train_accuracy": "train_accuracy", "validation_accuracy": "validation_accuracy",
                 "test_accuracy": "test_accuracy", "training_time_s": "training_time",
                 "energy_kwh": "energy (kWh)", "co2eq_g": "co2eq (g)",
                 "carbon_intensity_g_per_kwh": "avg_intensity (gCO2/kWh)"}


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object, got {type(value).__name__}")
    return value


def _number(value: Any, key: str) -> float:
    """A JSON number (not a bool or string), as a float; NaN and infinities refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number, got {value!r}")
    try:
        x = float(value)
    except OverflowError:
        raise ValueError(f"{key} is too large ({int(value).bit_length()} bits)") from None
    if not math.isfinite(x):
        raise ValueError(f"{key} = {x!r} is not finite")
    return x


def run_rows(run: Any, path: Path) -> list[dict[str, Any]]:
    """The table rows (one per checkpoint after epoch 0) of one parsed ``results.json`` at
    ``path`` (its cell and repeat are read from the path), as :func:`read_raw_tree` makes them."""
    return _run_rows(run, path)


def _run_rows(run: Any, path: Path) -> list[dict[str, Any]]:
    run = _object(run, "the results file")
    module_hash = path.parent.parent.name
    repeat = int(path.parent.name.removeprefix("repeat_")) - 1
    if not 0 <= repeat < 2**15:
        raise ValueError(f"repeat folder {path.parent.name!r} out of range repeat_1..")
    params = _number(run["trainable_params"], "trainable_params")
    if params != int(params) or not 0 <= params <= 2**53:
        raise ValueError(f"trainable_params = {params!r} is not a count")
    power = _object(run.get("avg_power_usages:", run.get("avg_power_usages", {})),
                    "avg_power_usages")
    gpu = _object(power.get("gpu") or {}, "avg_power_usages.gpu")
    devices = gpu.get("devices", [])
    if not isinstance(devices, list) or not all(isinstance(d, str) for d in devices):
        raise ValueError("avg_power_usages.gpu.devices must be a list of names")
    common = {
        "module_hash": module_hash, "repeat": repeat, "trainable_params": int(params),
        "gpu_power_w": _group_power(gpu, "gpu"),
        "cpu_power_w": _group_power(_object(power.get("cpu") or {}, "avg_power_usages.cpu"),
                                    "cpu"),
        "device": "+".join(d.strip() for d in devices),
        "energy_source": run.get("energy_source", "measured"),
    }
    entries = run["evaluation_results"]
    if not isinstance(entries, list):
        raise ValueError("evaluation_results must be a list")
    out: list[dict[str, Any]] = []
    for entry in entries:
        entry = _object(entry, "an evaluation result")
        epochs = _number(entry["epochs"], "epochs")
        if epochs <= 0:
            continue
        if epochs >= 2**15:
            raise ValueError(f"epochs = {epochs!r} out of range")
        if round(epochs) in (row["epochs"] for row in out):
            raise ValueError(f"evaluation_results holds epochs {round(epochs)} twice (a "
                             "repeated checkpoint entry)")
        out.append({**common, "epochs": round(epochs),
                    **{col: check_value(col, _predicted_null(entry[key], key, common))
                       for col, key in _ENTRY_FIELDS.items()}})
    if not out:
        raise ValueError("no evaluation after epoch 0")
    return out


def _predicted_null(value: Any, key: str, common: dict[str, Any]) -> float:
    """NaN for a null in a surrogate-predicted run (it has energy, no accuracy), else a number."""
    if value is None and common["energy_source"] == "surrogate":
        return float("nan")
    return _number(value, key)


def _group_power(group: dict[str, Any], name: str) -> float:
    """Mean power of a device group in W: averaged over measurements, summed over devices."""
    if not group.get("avg_power_usages (W)"):
        return float("nan")
    values = np.asarray(group["avg_power_usages (W)"], dtype=float)
    if values.ndim not in (1, 2) or values.size == 0:
        raise ValueError(f"{name} avg_power_usages (W) must be a list or a list of lists")
    col = f"{name}_power_w"
    in_range = (values >= 0) & (values <= METRICS[col].upper)
    for x in values[~in_range & ~np.isnan(values)][:1]:
        check_value(col, float(x))  # each reading before the sum, which could overflow
    return check_value(col,
                       float(values.reshape(-1, values.shape[-1]).mean(axis=0).sum()))

"""The full 7V energy table: surrogate energy for every cell, measured cells kept as measured.

As EC-NAS does, the 4-epoch energy is scaled linearly to 12, 36 and 108 epochs. Without
NAS-Bench-101 data the table has energy, parameters and FLOPs (``ecnas-7v-energy``); with a
user's ``nasbench_only108`` / ``nasbench_full`` tfrecord its accuracies are joined per cell,
budget and repeat (``ecnas-7v``). Training time is left empty: NAS-Bench-101's times are TPU
times, not the GPU the energy was measured on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.progress import Progress
from benchmarks.space import get_space
from benchmarks.space.arch import arrays_from_strings
from benchmarks.surrogate.model import Surrogate

BUDGETS = (4, 12, 36, 108)


def cell_arrays(cells: pd.DataFrame) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``(row positions, (N, V, V) matrices, (N, V) labels)`` per vertex count of a cell table."""
    out = []
    groups = cells.groupby("num_vertices", sort=True).indices
    for key in sorted(groups, key=str):
        rows = np.asarray(groups[key])
        mats, labels = arrays_from_strings(cells["matrix"].to_numpy()[rows].tolist(),
                                           cells["ops"].to_numpy()[rows].tolist())
        out.append((rows, mats, labels))
    return out


def predict_cells(surrogate: Surrogate, cells: pd.DataFrame,
                  progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Predicted 4-epoch energy (kWh) and its ensemble spread for every row of ``cells``."""
    mean = np.empty(len(cells))
    std = np.empty(len(cells))
    groups = cell_arrays(cells)
    for k, (rows, mats, labels) in enumerate(groups):
        mean[rows], std[rows] = surrogate.predict(mats, labels)
        if progress is not None:
            progress(k + 1, len(groups))
    return mean, std


def build_energy_table(surrogate: Surrogate, measured: pd.DataFrame | None = None, *,
                       cells: pd.DataFrame | None = None, progress: Progress | None = None
                       ) -> pd.DataFrame:
    """Tidy rows (cell x budget) of surrogate or measured energy, linearly scaled.

    Parameters
    ----------
    surrogate
        A fitted energy surrogate (target ``energy_kwh``).
    measured
        Measured 4-epoch cells (``module_hash``, ``energy_kwh``); they keep their measurement
        (mean over repeats) and are marked ``measured`` / ``linear-scaled``.
    cells
        The cells to cover; default every cell of the 7v space.
    """
    if surrogate.target != "energy_kwh":
        raise ValueError(f"the surrogate predicts {surrogate.target}, not energy_kwh")
    cells = get_space("7v").cells() if cells is None else cells
    energy, _ = predict_cells(surrogate, cells, progress)
    source = np.full(len(cells), "surrogate", dtype=object)
    if measured is not None and len(measured):
        mean = measured.groupby("module_hash")["energy_kwh"].mean()
        hit = cells["module_hash"].map(mean)
        known = hit.notna().to_numpy()
        energy[known] = hit.to_numpy()[known]
        source[known] = "measured"
    base = cells[["module_hash", "matrix", "ops", "num_vertices", "trainable_params", "flops"]]
    frames = []
    for e in BUDGETS:
        frame = base.assign(epochs=e, repeat=0, energy_kwh=energy * e / 4)
        frame["energy_source"] = source if e == 4 else np.where(
            source == "measured", "linear-scaled", "surrogate")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def join_nasbench101(energy: pd.DataFrame, nb101: pd.DataFrame) -> pd.DataFrame:
    """Energy rows joined with NAS-Bench-101 accuracies per cell, budget and repeat.

    Every NAS-Bench-101 repeat becomes a row (with the cell's energy); cells or fidelities that
    NAS-Bench-101 lacks are dropped, and so are NAS-Bench-101 rows for cells outside the table.
    """
    acc = nb101[["module_hash", "epochs", "repeat", "train_accuracy", "validation_accuracy",
                 "test_accuracy"]].astype({"epochs": "int16", "repeat": "int16"})
    joined = energy.drop(columns=["repeat"]).merge(acc, on=["module_hash", "epochs"],
                                                   how="inner", validate="one_to_many")
    if joined.empty:
        raise ValueError("no NAS-Bench-101 row matches a cell and budget of the energy table")
    return joined


def table_meta(surrogate: Surrogate, measured_sha: str | None,
               nb101: Path | None) -> dict[str, Any]:
    """Provenance of a built table for its Parquet metadata."""
    inputs = {"surrogate training data": surrogate.data_sha256}
    if measured_sha:
        inputs["measured 7V energy CSV"] = measured_sha
    provenance = (f"{surrogate.kind} energy surrogate (seed {surrogate.seed}, "
                  f"{surrogate.n_train} measured cells), energy scaled linearly to "
                  f"{', '.join(map(str, BUDGETS))} epochs")
    if nb101 is not None:
        provenance += f"; accuracies from NAS-Bench-101 ({Path(nb101).name})"
    return {"provenance": provenance, "inputs": inputs}

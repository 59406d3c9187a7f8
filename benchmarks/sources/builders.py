"""Tidy benchmark frames from each source, joined with the space's cells (matrix, ops, FLOPs).

Each ``frame_from_*`` returns ``(frame, meta)``: the rows in ``benchmarks.schema`` form and
the provenance and input checksums to store beside them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.progress import Progress
from benchmarks.schema import validate
from benchmarks.sources.energy_csv import read_energy_csv
from benchmarks.sources.official_runs import (
    BUDGET_FACTORS,
    files_digest,
    find_runs,
    identify,
    read_run,
)
from benchmarks.sources.raw_tree import read_raw_tree
from benchmarks.sources.tfrecord import read_energy_table
from benchmarks.space import get_space


def frame_from_raw(root: Path, space: str, progress: Progress | None = None
                   ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Rows of a raw results tree joined with the space's cells (matrix, ops, FLOPs)."""
    rows, digest = read_raw_tree(root, space, progress)
    frame = _checked(_join_cells(rows, space), f"raw results tree {root}")
    return frame, {"provenance": f"raw results tree {Path(root).resolve()} ({space})",
                   "inputs": {"results.json tree": digest}}


def frame_from_tfrecord(path: Path, space: str | None, *, checkpoints: bool,
                        energy_source: str = "measured", progress: Progress | None = None
                        ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Rows of an EC-NAS energy tfrecord joined with the space's cells for FLOPs."""
    rows = read_energy_table(path, checkpoints=checkpoints, progress=progress)
    if len(rows) == 0:
        raise ValueError(f"{path} holds no records")
    if space is None:
        v = int(rows["num_vertices"].max())
        space = "4v" if v <= 4 else "5v" if v <= 5 else "7v"
    _check_hashes(rows, space, path)
    frame = _join_cells(rows.drop(columns=["matrix", "ops", "num_vertices"]), space)
    frame["energy_source"] = "measured"
    if energy_source != "measured":
        beyond = frame["epochs"] > 4 if energy_source == "linear-scaled" else slice(None)
        frame.loc[beyond, "energy_source"] = energy_source
    return _checked(frame, str(path)), {"provenance": f"tfrecord {Path(path).name}",
                                        "space_inferred": space}


def frame_from_csv(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The 7V energy sample: pruned cells, hashes, params and FLOPs; 4-epoch energy only."""
    from benchmarks.space.describe import describe_frame

    raw, digest = read_energy_csv(path)
    space = get_space("7v")
    described = describe_frame(raw[["matrix", "ops"]], space, pruned=True)
    bad = described["error"] != ""
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # 1-based, after the header line
        raise ValueError(f"{path}: row {row}: {described['error'][bad].iloc[0]}")
    frame = described.drop(columns=["error", "num_edges"])
    frame["energy_kwh"] = raw["energy_kwh"].astype(float)
    frame["epochs"] = 4
    frame["repeat"] = frame.groupby("module_hash").cumcount()
    frame["energy_source"] = "measured"
    return _checked(frame, str(path)), {"provenance": f"energy CSV {Path(path).resolve()}",
                                        "inputs": {path.name: digest}}


def frame_from_official_runs(root: Path, space: str = "4v", *, complete: bool = True
                             ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The table the EC-NAS authors searched, recovered from their runs of ``space``.

    Every valid trial row of ``root/official-runs/{space}_*.csv.gz`` is identified as one cell
    and budget (:func:`~benchmarks.sources.official_runs.identify`, against the 4-epoch repeat-0
    measurements of the raw results tree under ``root``). Checks, each an error naming the cell:
    all rows of a (cell, budget) carry the same values; their training time and CO2 are the
    repeat-0 values times the budget's factor (as their energy is, by the rule); and, when
    ``complete``, every cell of the space appears at every budget. Accuracies are the runs'
    (NAS-Bench-101's, as fractions); one row per (cell, budget), repeat 0.
    """
    measured, raw_digest = read_raw_tree(root, space)
    base = measured[(measured["epochs"] == 4) & (measured["repeat"] == 0)]
    files = find_runs(root, space)
    trials = pd.concat([read_run(r.path) for r in files], ignore_index=True)
    rows = identify(trials[trials["valid"]], base, source=f"official runs of {space}")
    metrics = ["val_acc", "tst_acc", "train_time", "energy", "co2eq"]
    spread = rows.groupby(["module_hash", "epochs"])[metrics].agg(np.ptp).max(axis=1)
    if (spread > 0).any():
        h, e = spread.index[int(np.flatnonzero(spread.to_numpy() > 0)[0])]
        raise ValueError(f"cell {h} at {e} epochs has different values in different runs")
    found = rows.drop_duplicates(["module_hash", "epochs"]).merge(
        base.drop(columns=["epochs", "repeat"]), on="module_hash", validate="many_to_one")
    factor = found["epochs"].map(BUDGET_FACTORS).to_numpy(dtype=float)
    for col, ref in (("train_time", "training_time_s"), ("co2eq", "co2eq_g")):
        scaled = found[ref].to_numpy(dtype=float) * factor
        off = ~np.isclose(found[col].to_numpy(dtype=float), scaled, rtol=1e-6, atol=0)
        if off.any():
            raise ValueError(f"cell {found['module_hash'].iloc[int(np.flatnonzero(off)[0])]}: "
                             f"{col} is not the 4-epoch repeat-0 value times budget/4")
    want = base["module_hash"].nunique() * len(BUDGET_FACTORS)
    if complete and len(found) != want:
        raise ValueError(f"the {space} runs hold {len(found)} of the {want} (cell, budget) "
                         "pairs; the table is incomplete")
    frame = pd.DataFrame({
        "module_hash": found["module_hash"], "epochs": found["epochs"], "repeat": 0,
        "validation_accuracy": -found["val_acc"] / 100, "test_accuracy": -found["tst_acc"] / 100,
        "training_time_s": found["train_time"], "energy_kwh": found["energy"],
        "co2eq_g": found["co2eq"], "trainable_params": found["trainable_params"],
        "device": found["device"],
        "energy_source": np.where(found["epochs"] > 4, "linear-scaled", "measured")})
    frame = _checked(_join_cells(frame, space), f"official runs of {space}")
    return frame, {"provenance": f"official runs {space}_*.csv.gz ({len(files)} runs) and the "
                                 f"raw results tree {Path(root).resolve()} ({space})",
                   "inputs": {"results.json tree": raw_digest,
                              f"official-runs/{space}_*.csv.gz": files_digest(
                                  [r.path for r in files])}}


def _checked(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """``frame`` if it passes the table rules (``schema.validate``); else name the source."""
    try:
        return validate(frame)
    except ValueError as exc:
        raise ValueError(f"{source}: {exc}") from None


def _check_hashes(rows: pd.DataFrame, space: str, source: Path) -> None:
    """Refuse a record whose adjacency and ops do not hash to its own module hash (its values
    would be served for another cell). Records equal to the space's copy of the cell are
    fine as they are; only the others are hashed."""
    records = rows[["module_hash", "matrix", "ops"]].drop_duplicates()
    cells = get_space(space).cells()[["module_hash", "matrix", "ops"]]
    joined = records.merge(cells, on="module_hash", how="left", suffixes=("", "_space"))
    same = (joined["matrix"] == joined["matrix_space"]) & (joined["ops"] == joined["ops_space"])
    others = joined.loc[~same, ["module_hash", "matrix", "ops"]].reset_index(drop=True)
    if others.empty:
        return
    from benchmarks.space.describe import describe_frame

    found = describe_frame(others[["matrix", "ops"]], get_space(space))
    bad = (found["module_hash"] != others["module_hash"]).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        what = found["error"].iloc[i] or f"they hash to {found['module_hash'].iloc[i]}"
        raise ValueError(f"{source}: {int(bad.sum())} record(s) whose adjacency and ops are not "
                         f"their cell's: cell {others['module_hash'].iloc[i]} holds adjacency "
                         f"{others['matrix'].iloc[i]} ops {others['ops'].iloc[i]} ({what})")


def _join_cells(rows: pd.DataFrame, space: str) -> pd.DataFrame:
    cells = get_space(space).cells()[["module_hash", "matrix", "ops", "num_vertices", "flops"]]
    frame = rows.merge(cells, on="module_hash", how="left", validate="many_to_one")
    missing = frame["matrix"].isna()
    if missing.any():
        raise ValueError(f"cell {frame['module_hash'][missing].iloc[0]} is not a cell of "
                         f"space {space}")
    return frame

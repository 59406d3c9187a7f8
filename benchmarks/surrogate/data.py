"""The surrogate's training table: measured cells with their 4-epoch energy (and time).

Two measurement campaigns exist, on the same GPU model and protocol but not comparable in
energy: the 37 cells measured in both have 2.1x (1.8 to 2.8x) the 7V sample's energy in the
4V/5V runs (their Carbontracker totals), while the 7V energy tracks the 4V/5V training time
within 4.8 % (log s.d.). Only the 4V/5V runs record training time. Hence the ``source`` column,
and :func:`benchmarks.surrogate.model.fit_surrogate` refuses to mix sources for energy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.sources.builders import frame_from_csv, frame_from_raw
from benchmarks.sources.energy_csv import find_sample
from benchmarks.tables.registry import load_benchmark

TRAINING_COLUMNS = ["source", "matrix", "ops", "num_vertices", "energy_kwh", "training_time_s",
           "trainable_params", "n_repeats"]
SAMPLE_SOURCE = "7v_sample"
RAW_SPACES = ("4v", "5v")


def load_training_data(raw_dir: Path | None = None, *, include_raw_4v5v: bool = False
                       ) -> pd.DataFrame:
    """Measured cells for the surrogate, one row per cell (repeats averaged).

    Parameters
    ----------
    raw_dir : pathlib.Path or None
        The EC-NAS data folder holding ``energy_7V9E_4epochs_sample.csv`` and, for the raw
        runs, ``train_model_results/`` (rows in file order). None: the same measurements from
        the embedded tables ``ecnas-7v-energy-sample``, ``ecnas-4v`` and ``ecnas-5v`` (rows
        sorted by cell hash), so the surrogate can be fitted offline.
    include_raw_4v5v : bool
        Also return the 4V and 5V runs (sources ``4v_raw``, ``5v_raw``) at their 4-epoch
        checkpoint: energy of another campaign (see the module docstring) and training time.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TRAINING_COLUMNS`; ``matrix``/``ops`` are the pruned cell as strings,
        energy in kWh, time in s (NaN for the 7V sample, which has none).
    """
    if raw_dir is None:
        sample = load_benchmark("ecnas-7v-energy-sample").frame
    else:
        sample, _ = frame_from_csv(find_sample(Path(raw_dir)))  # pruned cells, row for row
    frames = [sample.assign(source=SAMPLE_SOURCE, training_time_s=np.nan, n_repeats=1,
                            trainable_params=sample["trainable_params"].astype(np.int64))]
    if include_raw_4v5v:
        frames += [_raw_rows(raw_dir, space) for space in RAW_SPACES]
    return pd.concat(frames, ignore_index=True)[TRAINING_COLUMNS]


def _raw_rows(raw_dir: Path | None, space: str) -> pd.DataFrame:
    if raw_dir is None:
        runs = load_benchmark(f"ecnas-{space}").frame
    else:
        runs, _ = frame_from_raw(Path(raw_dir), space)  # joined with the space's cells
    last = runs[runs["epochs"] == runs["epochs"].max()]
    cells = last.groupby("module_hash", sort=True).agg(
        energy_kwh=("energy_kwh", "mean"), training_time_s=("training_time_s", "mean"),
        trainable_params=("trainable_params", "first"), n_repeats=("repeat", "size"),
        matrix=("matrix", "first"), ops=("ops", "first"), num_vertices=("num_vertices", "first"))
    cells["source"] = f"{space}_raw"
    return cells.reset_index(drop=True)

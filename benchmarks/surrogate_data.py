"""The surrogate's training table: measured cells with their 4-epoch energy (and time).

Two measurement campaigns exist, on the same GPU model and protocol but not comparable in
energy: the 37 cells measured in both have 2.1x (1.8 to 2.8x) the 7V sample's energy in the
4V/5V runs (their Carbontracker totals), while the 7V energy tracks the 4V/5V training time
within 4.8 % (log s.d.). Only the 4V/5V runs record training time. Hence the ``source`` column,
and :func:`benchmarks.surrogate.fit_surrogate` refuses to mix sources for energy.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.sources.csv_energy import find_sample, read_energy_csv
from benchmarks.sources.raw import read_raw_tree
from benchmarks.space.arch import OPS, Arch, check_arch

COLUMNS = ["source", "matrix", "ops", "num_vertices", "energy_kwh", "training_time_s",
           "trainable_params", "n_repeats"]
SAMPLE_SOURCE = "7v_sample"
RAW_SPACES = {"4v": "4V9E", "5v": "5V9E"}
_LABEL_OPS = {-1: "input", -2: "output", **dict(enumerate(OPS))}


def load_training_data(raw_dir: Path, *, include_raw_4v5v: bool = False) -> pd.DataFrame:
    """Measured cells for the surrogate, one row per cell (repeats averaged).

    Parameters
    ----------
    raw_dir : pathlib.Path
        The EC-NAS data folder holding ``energy_7V9E_4epochs_sample.csv`` and, for the raw
        runs, ``graphs/`` and ``train_model_results/``.
    include_raw_4v5v : bool
        Also return the 4V and 5V runs (sources ``4v_raw``, ``5v_raw``) at their 4-epoch
        checkpoint: energy of another campaign (see the module docstring) and training time.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`; ``matrix``/``ops`` are the pruned cell as strings, energy in
        kWh, time in s (NaN for the 7V sample, which has none).
    """
    raw_dir = Path(raw_dir)
    sample, _ = read_energy_csv(find_sample(raw_dir))
    frames = [_sample_rows(sample)]
    if include_raw_4v5v:
        frames += [_raw_rows(raw_dir, space) for space in RAW_SPACES]
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def _sample_rows(sample: pd.DataFrame) -> pd.DataFrame:
    pruned = [check_arch(Arch.from_strings(m, o))
              for m, o in zip(sample["matrix"], sample["ops"], strict=True)]
    return pd.DataFrame({
        "source": SAMPLE_SOURCE,
        "matrix": [a.to_strings()[0] for a in pruned],
        "ops": [a.to_strings()[1] for a in pruned],
        "num_vertices": [a.num_vertices for a in pruned],
        "energy_kwh": sample["energy_kwh"].astype(float),
        "training_time_s": np.nan,
        "trainable_params": sample["trainable_params"].astype(np.int64),
        "n_repeats": 1,
    })


def _raw_rows(raw_dir: Path, space: str) -> pd.DataFrame:
    runs, _ = read_raw_tree(raw_dir, space)
    last = runs[runs["epochs"] == runs["epochs"].max()]
    cells = last.groupby("module_hash", sort=True).agg(
        energy_kwh=("energy_kwh", "mean"), training_time_s=("training_time_s", "mean"),
        trainable_params=("trainable_params", "first"), n_repeats=("repeat", "size"))
    graphs = _read_graphs(raw_dir / "graphs" / f"generated_graphs_{RAW_SPACES[space]}.json")
    missing = sorted(set(cells.index) - set(graphs))
    if missing:
        raise ValueError(f"cell {missing[0]} of the {space} runs is not in the graphs file")
    cells["matrix"] = [graphs[h][0] for h in cells.index]
    cells["ops"] = [graphs[h][1] for h in cells.index]
    cells["num_vertices"] = [len(graphs[h][1].split(",")) for h in cells.index]
    cells["source"] = f"{space}_raw"
    return cells.reset_index(drop=True)


def _read_graphs(path: Path) -> dict[str, tuple[str, str]]:
    """``{hash: [matrix, labels]}`` -> ``{hash: (matrix bits, ops csv)}``, pruned."""
    if not path.is_file():
        raise FileNotFoundError(f"graphs file not found: {path}")
    out = {}
    for module_hash, (matrix, labels) in json.loads(path.read_text()).items():
        arch = check_arch(Arch(matrix, tuple(_LABEL_OPS[int(v)] for v in labels)))
        out[module_hash] = arch.to_strings()
    return out

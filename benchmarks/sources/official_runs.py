"""The EC-NAS authors' published search runs: ``official-runs/{space}_{strategy}_{seed}.csv.gz``.

One gzip CSV per run, one row per trial (``trial_index, arm_name, val_acc, tst_acc, train_time,
energy, co2eq, params``), as converted from the pickled Ax data of EC-NAS-Bench (commit 1a82fdd,
``ecnas/experiments/runs``). Accuracies are negated percentages, ``params`` is log10 of the
trainable parameters, and ``energy`` (kWh), ``train_time`` (s) and ``co2eq`` (g) are the
linear-scaled tables' values: the measured 4-epoch value of repeat 0 times 1, 3, 9 or 27 for 4,
12, 36 or 108 epochs. A row whose metrics are all 0 is an invalid proposal (it used a trial).

Cells are not named in the files. :func:`identify` recovers each row's cell and budget from
the 4-epoch repeat-0 measurements of the space (the ambiguity rule is in its docstring).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

RUNS_FOLDER = "official-runs"
RUN_COLUMNS = ("trial_index", "arm_name", "val_acc", "tst_acc", "train_time", "energy",
               "co2eq", "params")
METRIC_COLUMNS = RUN_COLUMNS[2:]
#: The authors' optimisers, by the name their files use.
STRATEGIES = ("rs", "semoa", "shemoa", "msehvi")
#: Training budget (epochs) -> factor on the 4-epoch energy, time and CO2 (linear scaling).
BUDGET_FACTORS = {4: 1, 12: 3, 36: 9, 108: 27}
FILE_PATTERN = re.compile(r"(?P<space>[457]v)_(?P<strategy>[a-z]+)_(?P<seed>\d+)\.csv\.gz")
#: Matching tolerances: energies agree to float rounding (measured worst: 4e-16 relative) and
#: log10 parameters to the files' printing (worst 5e-10), far below any gap between cells.
ENERGY_RTOL = 1e-9
PARAMS_ATOL = 1e-6


@dataclass(frozen=True)
class RunFile:
    """One run file: its space, the authors' optimiser name, the seed and where it is."""

    space: str
    strategy: str
    seed: int
    path: Path


def runs_folder(root: Path) -> Path:
    """``root/official-runs`` when that folder exists, else ``root`` itself."""
    sub = Path(root) / RUNS_FOLDER
    return sub if sub.is_dir() else Path(root)


def find_runs(root: Path, space: str | None = None) -> list[RunFile]:
    """The run files under ``root`` (or ``root/official-runs``), by space, strategy and seed.

    Raises
    ------
    FileNotFoundError
        If the folder holds no run file (of ``space``, when given).
    """
    folder = runs_folder(root)
    found = []
    for path in sorted(folder.glob("*.csv.gz")) if folder.is_dir() else []:
        m = FILE_PATTERN.fullmatch(path.name)
        if m and m["strategy"] in STRATEGIES and space in (None, m["space"]):
            found.append(RunFile(m["space"], m["strategy"], int(m["seed"]), path))
    if not found:
        raise FileNotFoundError(f"no official run files{f' of {space}' if space else ''} in "
                                f"{folder} (expected {space or '4v'}_rs_0.csv.gz and the like)")
    return sorted(found, key=lambda r: (r.space, STRATEGIES.index(r.strategy), r.seed))


def read_run(path: Path) -> pd.DataFrame:
    """The trials of one run, in trial order, with a boolean ``valid`` column.

    Raises
    ------
    ValueError
        If the file is not a gzip CSV with :data:`RUN_COLUMNS`, a metric is not a finite
        number, or the trial indices are not 0, 1, ..., n - 1 (naming the file).
    """
    try:
        df = pd.read_csv(path, compression="gzip", dtype={"arm_name": str})
    except (OSError, ValueError, EOFError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a readable gzip CSV: {' '.join(str(exc).split())}"
                         ) from None
    missing = [c for c in RUN_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path} lacks column(s) {', '.join(missing)}")
    values = df[list(METRIC_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(values.to_numpy(dtype=float)).all(axis=1)
    if bad.any():
        raise ValueError(f"{path}: line {int(np.flatnonzero(bad)[0]) + 2}: a metric is not a "
                         "finite number")
    trials = pd.to_numeric(df["trial_index"], errors="coerce").to_numpy(dtype=float)
    if len(df) == 0 or not np.array_equal(np.sort(trials), np.arange(len(df))):
        raise ValueError(f"{path}: trial_index is not 0..{len(df) - 1} (one row per trial)")
    out = values.assign(trial_index=trials.astype(np.int64), arm_name=df["arm_name"].astype(str))
    out = out.sort_values("trial_index", ignore_index=True)[list(RUN_COLUMNS)]
    out["valid"] = (out[list(METRIC_COLUMNS)] != 0).any(axis=1)
    return out


def files_digest(paths: list[Path]) -> str:
    """sha256 over the files' names and bytes, in name order (the input checksum)."""
    h = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def identify(rows: pd.DataFrame, cells: pd.DataFrame, *, source: str = "runs",
             budget_only: bool = False) -> pd.DataFrame:
    """The cell (``module_hash``) and budget (``epochs``) of each valid run row.

    A row is the (cell, budget) whose log10 trainable parameters equal the row's ``params``
    (within :data:`PARAMS_ATOL`) and whose 4-epoch repeat-0 energy times the budget's factor
    (:data:`BUDGET_FACTORS`) equals the row's ``energy`` (relative :data:`ENERGY_RTOL`).
    Exactly one candidate must match: none or several is an error, never a guess.

    Parameters
    ----------
    rows
        Valid run rows (``params``, ``energy``; other columns are kept).
    cells
        One row per cell: ``module_hash``, ``trainable_params``, ``energy_kwh`` (4 epochs,
        repeat 0).
    source
        Named in errors.
    budget_only
        Accept a row that matches several cells at one budget (5V energies are stored to 6
        decimals, so a few cells share parameters and energy): its ``module_hash`` is ``""``
        and only ``epochs`` is known. Several budgets, or none, are still an error.

    Raises
    ------
    ValueError
        Naming the first row with no matching cell or with more than one, and the candidates.
    """
    pairs, inverse = np.unique(rows[["energy", "params"]].to_numpy(dtype=float), axis=0,
                               return_inverse=True)  # each distinct row is matched once
    hashes = cells["module_hash"].to_numpy()
    log_params = np.log10(cells["trainable_params"].to_numpy(dtype=float))
    cand_e = np.concatenate([cells["energy_kwh"].to_numpy(dtype=float) * k
                             for k in BUDGET_FACTORS.values()])
    cand_p = np.tile(log_params, len(BUDGET_FACTORS))
    cand_h = np.tile(hashes, len(BUDGET_FACTORS))
    cand_b = np.repeat(list(BUDGET_FACTORS), len(hashes))
    order = np.argsort(cand_e, kind="stable")
    sorted_e = cand_e[order]
    energy, params = pairs[:, 0], pairs[:, 1]
    lo = np.searchsorted(sorted_e, energy * (1 - ENERGY_RTOL), side="left")
    hi = np.searchsorted(sorted_e, energy * (1 + ENERGY_RTOL), side="right")
    found = np.full(len(pairs), -1)
    for i in range(len(pairs)):
        window = order[lo[i]:hi[i]]
        match = window[np.abs(cand_p[window] - params[i]) <= PARAMS_ATOL]
        if budget_only and len(match) > 1 and len(set(cand_b[match])) == 1:
            found[i] = -2 - match[0]  # the budget of match[0], no cell
            continue
        if len(match) != 1:
            names = ", ".join(sorted(f"{cand_h[j]}@{cand_b[j]}" for j in match))
            what = f"{len(match)} cells ({names})" if len(match) else "no cell"
            raise ValueError(f"{source}: row with energy {float(energy[i])!r} kWh and log10 "
                             f"params {float(params[i])!r} matches {what}; a cell must be "
                             "identified exactly once")
        found[i] = match[0]
    found = found[inverse.ravel()]
    known = found >= 0
    index = np.where(known, found, -2 - found)
    return rows.assign(module_hash=np.where(known, cand_h[index], ""),
                       epochs=cand_b[index].astype(np.int64))

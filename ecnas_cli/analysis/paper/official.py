"""The EC-NAS authors' search runs as a reference: one summary row per run.

Each run's trials are identified (:func:`benchmarks.sources.official_runs.identify`) as cells
and budgets of the table they searched; its regret is measured at 108 epochs by the project's
one :class:`~benchmarks.tables.problem.Problem` on ``ecnas-4v-paper``, from the cells the run
trained at 108 epochs. Lower budgets cost energy and trials but do not enter the front (the
authors' runs compared architectures at the budget they were trained at; a 4-epoch accuracy
is not a 108-epoch one).
"""

from __future__ import annotations

from collections.abc import Sequence

import moocore
import numpy as np
import pandas as pd

from benchmarks.sources.official_runs import RunFile, identify, read_run
from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.problem import Problem

#: The authors' optimiser names (file names) -> how the paper names them.
PAPER_NAMES = {"rs": "RS", "semoa": "SEMOA", "shemoa": "SH-EMOA", "msehvi": "MS-EHVI"}
TARGET_EPOCHS = 108
#: The reference point (1 - validation accuracy as a fraction, energy in Wh) at which the mean
#: of the runs' hypervolumes gives the legend of the paper's 7V attainment figure
#: (``scripts/paper_hypervolumes.py`` searches for it).
LEGEND_REFERENCE = (1.5, 1e6)
COLUMNS = ["space", "strategy", "seed", "trials", "valid_trials", "distinct_cells_108",
           "search_energy_kwh", "regret"]


def base_cells(bench: Benchmark) -> pd.DataFrame:
    """The 4-epoch repeat-0 rows that identify run rows: hash, parameters and energy."""
    f = bench.frame
    return f[(f["epochs"] == 4) & (f["repeat"] == 0)][
        ["module_hash", "trainable_params", "energy_kwh"]]


def trials_108(trials: pd.DataFrame, base: pd.DataFrame, *, source: str,
               budget_only: bool = False) -> pd.DataFrame:
    """The valid trials at 108 epochs, with their ``module_hash`` (``""`` if ambiguous)."""
    rows = identify(trials[trials["valid"]], base, source=source, budget_only=budget_only)
    return rows[rows["epochs"] == TARGET_EPOCHS]


def run_regret(hashes: Sequence[str], problem: Problem) -> float:
    """Regret at the problem's epochs of the set of cells ``hashes`` (1 when empty)."""
    return problem.regret(problem.cell_means(list(dict.fromkeys(hashes))))


def summarise_run(run: RunFile, base: pd.DataFrame, problem: Problem | None) -> dict[str, object]:
    """One row of ``official_runs.csv``; ``regret`` is NaN when ``problem`` is None.

    ``distinct_cells_108`` counts distinct value rows at 108 epochs (on 4V each is one cell;
    on 5V two cells that share parameters, energy and accuracies would count once).
    """
    trials = read_run(run.path)
    at_108 = trials_108(trials, base, source=run.path.name, budget_only=problem is None)
    distinct = at_108[["val_acc", "tst_acc", "energy", "params"]].drop_duplicates()
    regret = np.nan if problem is None else run_regret(at_108["module_hash"], problem)
    return {"space": run.space, "strategy": run.strategy, "seed": run.seed,
            "trials": len(trials), "valid_trials": int(trials["valid"].sum()),
            "distinct_cells_108": len(distinct),
            "search_energy_kwh": float(trials["energy"].sum()), "regret": regret}


def summarise_runs(runs: Sequence[RunFile], bases: dict[str, pd.DataFrame],
                   problems: dict[str, Problem]) -> pd.DataFrame:
    """:func:`summarise_run` for every run whose space has identifying cells in ``bases``;
    regret only for spaces in ``problems`` (the spaces whose searched table is complete)."""
    rows = [summarise_run(r, bases[r.space], problems.get(r.space)) for r in runs
            if r.space in bases]
    return pd.DataFrame(rows, columns=COLUMNS)


def run_points(runs: Sequence[RunFile]) -> dict[str, list[np.ndarray]]:
    """Per optimiser (paper name), each run's valid trials as (1 - validation accuracy as a
    fraction, energy in Wh): the axes of the paper's 7V attainment figure."""
    out: dict[str, list[np.ndarray]] = {}
    for run in runs:
        t = read_run(run.path)
        t = t[t["valid"]]
        out.setdefault(PAPER_NAMES[run.strategy], []).append(np.column_stack(
            [1 + t["val_acc"].to_numpy() / 100, t["energy"].to_numpy() * 1000]))
    return out


def legend_hypervolumes(runs: Sequence[RunFile], ref: tuple[float, float] = LEGEND_REFERENCE
                        ) -> dict[str, tuple[float, int]]:
    """Per optimiser, the mean over its runs of the hypervolume of every valid trial (all
    budgets) in :func:`run_points`'s axes, and the number of runs."""
    out = {}
    for name, runs_points in run_points(runs).items():
        hv = []
        for P in runs_points:
            P = P[(P < np.asarray(ref)).all(axis=1)]
            hv.append(float(moocore.hypervolume(P, ref=list(ref))) if len(P) else 0.0)
        out[name] = (float(np.mean(hv)), len(hv))
    return out

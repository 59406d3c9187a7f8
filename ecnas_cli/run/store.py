"""Run results on disk: a tidy trial log (CSV or Parquet) plus a ``run.json`` sidecar.

Layout: ``<out>/<benchmark>/<strategy>/seed-<seed>/{trials.csv|trials.parquet, run.json}``
(the run's real seed, so runs of different seeds sit side by side). Fronts and curves are
never stored: they are recomputed from the trial log. Missing values are written as ``nan``
and read back as NaN, so numeric columns stay numeric.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.tables.objectives import Objective, parse_objectives, to_min
from benchmarks.tables.problem import Problem
from ecnas_cli.files import atomic_path, dumps, read_table

RUN_JSON = "run.json"
TRIAL_FILES = ("trials.parquet", "trials.csv")
#: Columns of every trial log, before the metric columns.
TRIAL_COLUMNS = ["index", "evaluation", "cached", "module_hash", "matrix", "ops", "epochs"]
#: Text columns of a trial log (everything else is numeric or boolean).
TEXT_COLUMNS = ("module_hash", "matrix", "ops")
#: Columns after the metric columns.
TRACE_COLUMNS = ["cumulative_energy_kwh", "cumulative_time_s", "strategy_time_s"]


@dataclass
class RunResult:
    """One search run: its trial log (one row per evaluation) and its ``run.json`` dict."""

    trials: pd.DataFrame
    meta: dict[str, Any]
    path: Path | None = None

    @property
    def objectives(self) -> tuple[Objective, ...]:
        return parse_objectives(self.meta["objectives"])

    @property
    def complete(self) -> bool:
        return bool(self.meta.get("status") == "complete")

    def F(self) -> np.ndarray:
        """Objective values of every trial in minimisation form ``(n, m)``."""
        objs = self.objectives
        return to_min(self.trials[[o.metric for o in objs]].to_numpy(dtype=float), objs)

    def regret(self, problem: Problem) -> float:
        """Hypervolume regret of the cells this run trained at ``problem.epochs`` (their
        mean values): what ``ecnas search`` and ``ecnas compare`` report."""
        trials = self.trials
        if "cached" in trials:
            trials = trials[~trials["cached"].astype(bool).to_numpy()]
        at = trials[trials["epochs"].to_numpy() == problem.epochs]
        return problem.regret(problem.cell_means(at["module_hash"].unique().tolist()))

    def save(self, run_dir: Path, fmt: str = "csv") -> None:
        """Write the trial log and ``run.json`` atomically (log first, then the sidecar)."""
        if fmt not in ("csv", "parquet"):
            raise ValueError(f"format must be csv or parquet, got {fmt!r}")
        name = f"trials.{fmt}"
        with atomic_path(run_dir / name) as tmp:
            if fmt == "csv":
                self.trials.to_csv(tmp, index=False, na_rep="nan")
            else:
                self.trials.to_parquet(tmp, index=False)
        with atomic_path(run_dir / RUN_JSON) as tmp:
            tmp.write_text(dumps({**self.meta, "trials_file": name}) + "\n")
        self.path = run_dir


def run_dir(out: Path, benchmark: str, strategy: str, seed: int,
            spawn_key: tuple[int, ...] | list[int] = ()) -> Path:
    """``out/<benchmark>/<strategy>/seed-<seed>`` (``-<k>`` per spawn key, if any)."""
    tail = "".join(f"-{k}" for k in spawn_key)
    return Path(out) / benchmark / strategy / f"seed-{seed}{tail}"


def read_trials(path: Path) -> pd.DataFrame:
    """A trial log: text columns as text, ``nan``/empty numeric cells as NaN."""
    if path.suffix.lower() != ".csv":
        return read_table(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    header = pd.read_csv(path, nrows=0).columns
    numeric = [c for c in header if c not in TEXT_COLUMNS]
    return pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS if c in header},
                       keep_default_na=False, na_values={c: ["nan", "NaN", ""] for c in numeric})


def load_run(path: Path) -> RunResult:
    """Load one run directory (the one holding ``run.json``)."""
    path = Path(path)
    meta_file = path / RUN_JSON
    if not meta_file.is_file():
        raise FileNotFoundError(f"no {RUN_JSON} in {path}: not a run directory")
    try:
        meta = json.loads(meta_file.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed {meta_file}: {exc}") from None
    trials_file = path / meta.get("trials_file", "trials.csv")
    trials = read_trials(trials_file)
    return RunResult(trials, meta, path)


def find_runs(path: Path) -> list[Path]:
    """Every run directory at or under ``path`` (one seed, a strategy or a benchmark tree)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such run directory: {path}")
    if (path / RUN_JSON).is_file():
        return [path]
    runs = sorted(p.parent for p in path.rglob(RUN_JSON))
    if not runs:
        raise FileNotFoundError(f"no runs (no {RUN_JSON}) under {path}")
    return runs

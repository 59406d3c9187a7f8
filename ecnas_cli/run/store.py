"""Run results on disk: a tidy trial log (CSV or Parquet) plus a ``run.json`` sidecar.

Layout: ``<out>/<benchmark>/<strategy>/seed-<k>/{trials.csv|trials.parquet, run.json}``.
Fronts and curves are never stored: they are recomputed from the trial log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.tables.objectives import Objective, parse_objectives, to_min
from ecnas_cli.files import atomic_path, dumps, read_table

RUN_JSON = "run.json"
TRIAL_FILES = ("trials.parquet", "trials.csv")
#: Columns of every trial log, before the metric columns.
TRIAL_COLUMNS = ["index", "module_hash", "matrix", "ops", "epochs"]
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

    def save(self, run_dir: Path, fmt: str = "csv") -> None:
        """Write the trial log and ``run.json`` atomically (log first, then the sidecar)."""
        if fmt not in ("csv", "parquet"):
            raise ValueError(f"format must be csv or parquet, got {fmt!r}")
        name = f"trials.{fmt}"
        with atomic_path(run_dir / name) as tmp:
            if fmt == "csv":
                self.trials.to_csv(tmp, index=False)
            else:
                self.trials.to_parquet(tmp, index=False)
        with atomic_path(run_dir / RUN_JSON) as tmp:
            tmp.write_text(dumps({**self.meta, "trials_file": name}) + "\n")
        self.path = run_dir


def run_dir(out: Path, benchmark: str, strategy: str, seed_index: int) -> Path:
    return Path(out) / benchmark / strategy / f"seed-{seed_index}"


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
    trials = read_table(trials_file)
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

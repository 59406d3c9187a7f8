"""Run results on disk: a tidy trial log (CSV or Parquet) plus a ``run.json`` sidecar.

Layout: ``<out>/<benchmark>/<strategy>/seed-<seed>/{trials.csv|trials.parquet, timing.csv,
run.json}`` (the run's real seed, so runs of different seeds sit side by side). Fronts and
curves are never stored: they are recomputed from the trial log. Missing values are written as
``nan`` and read back as NaN, so numeric columns stay numeric.

The trial log holds only what the seed determines, so a run interrupted and resumed writes the
same bytes as an uninterrupted one; what depends on the wall clock (:data:`TIMING_COLUMNS`)
goes to ``timing.csv`` beside it and is joined back on ``index`` when a run is loaded.
``run.json`` is checked on loading (:func:`load_run`): a damaged one, a trial log outside the
run directory, or a log shorter than ``run.json`` says is a one-line error naming the file.
:func:`load_runs` gathers comparable runs, and :func:`run_problem` loads their benchmark once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.errors import DamagedFileError, UnsafePathError
from benchmarks.tables.objectives import Objective, parse_objectives, to_min
from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import load_benchmark
from benchmarks.tables.storage import check_name
from ecnas_cli.files import atomic_path, dumps, inside, read_table

RUN_JSON = "run.json"
TRIAL_FILES = ("trials.parquet", "trials.csv")
#: Columns of every trial log, before the metric columns.
TRIAL_COLUMNS = ["index", "evaluation", "cached", "module_hash", "matrix", "ops", "epochs"]
#: Text columns of a trial log (everything else is numeric or boolean).
TEXT_COLUMNS = ("module_hash", "matrix", "ops")
#: Columns after the metric columns.
TRACE_COLUMNS = ["cumulative_energy_kwh", "cumulative_time_s"]
#: Wall-clock columns: the strategy's ask + tell seconds per query, and the seconds since the
#: run (or its resumption) started. Kept in memory with the log, stored in :data:`TIMING_FILE`.
TIMING_COLUMNS = ["strategy_time_s", "wall_s"]
TIMING_FILE = "timing.csv"
#: run.json keys the code reads (``save`` writes the two counts for every run).
REQUIRED_KEYS = ("benchmark", "strategy", "objectives", "epochs", "evaluations", "queries",
                 "trials_file")
#: Trial-log columns the code reads, besides the objectives' metrics.
NEEDED_COLUMNS = ("index", "module_hash", "epochs")


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
        """Write timing, trial log and ``run.json``, each atomically and in that order, so a
        run killed between two writes has a ``run.json`` that vouches for at most the rows
        of its log (:func:`load_run`)."""
        name = f"trials.{check_format(fmt)}"
        timing = [c for c in TIMING_COLUMNS if c in self.trials] if "index" in self.trials \
            else []
        if timing:
            with atomic_path(run_dir / TIMING_FILE) as tmp:
                self.trials[["index", *timing]].to_csv(tmp, index=False, na_rep="nan")
        log = self.trials.drop(columns=timing)
        with atomic_path(run_dir / name) as tmp:
            if fmt == "csv":
                log.to_csv(tmp, index=False, na_rep="nan")
            else:
                log.to_parquet(tmp, index=False)
        counts = {"queries": len(log), "evaluations": self.meta.get("evaluations",
                                                                    len(charged(log)))}
        with atomic_path(run_dir / RUN_JSON) as tmp:
            tmp.write_text(dumps({**self.meta, **counts, "trials_file": name}) + "\n")
        self.path = run_dir


def charged(trials: pd.DataFrame) -> pd.DataFrame:
    """The rows of a trial log that were trainings (paid budget), not cached answers."""
    if "cached" not in trials:
        return trials
    return trials[~trials["cached"].astype(bool).to_numpy()]
def check_format(fmt: str) -> str:
    """``fmt`` if it is a trial-log format (csv or parquet), else a ValueError."""
    if f"trials.{fmt}" not in TRIAL_FILES:
        raise ValueError(f"--format must be csv or parquet, got {fmt!r}")
    return fmt


def run_dir(out: Path, benchmark: str, strategy: str, seed: int,
            spawn_key: tuple[int, ...] | list[int] = ()) -> Path:
    """``out/<benchmark>/<strategy>/seed-<seed>`` (``-<k>`` per spawn key, if any); the names
    must be safe (:func:`~benchmarks.tables.storage.check_name`), so neither leads out."""
    check_name(benchmark)
    check_name(strategy)
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
    """Load one run directory (the one holding ``run.json``), checked.

    Raises
    ------
    FileNotFoundError
        No ``run.json`` (not a run directory) or no trial log.
    ValueError
        ``run.json`` is damaged (not a JSON object, keys missing, ``trials_file`` not a plain
        file name inside the run directory), or the log is unreadable or disagrees with it.
    """
    path = Path(path)
    meta_file = path / RUN_JSON
    if not meta_file.is_file():
        raise FileNotFoundError(f"no {RUN_JSON} in {path}: not a run directory")
    meta = read_meta(meta_file)
    trials_file = _trials_file(path, meta["trials_file"], meta_file)
    try:
        trials = read_trials(trials_file)
    except (FileNotFoundError, UnsafePathError):
        raise
    except Exception as exc:  # any parser's error: the file is damaged
        raise DamagedFileError(f"unreadable trial log {trials_file}: "
                               f"{' '.join(str(exc).split())}") from None
    _check_log(trials, meta, trials_file)
    return RunResult(_with_timing(trials, path / TIMING_FILE), meta, path)


def read_meta(meta_file: Path) -> dict[str, Any]:
    """The parsed ``run.json`` with the keys the code reads (else a DamagedFileError)."""
    try:
        meta = json.loads(meta_file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DamagedFileError(f"malformed run.json at {meta_file}: not valid JSON ({exc})"
                               ) from None
    if not isinstance(meta, dict):
        raise DamagedFileError(f"malformed run.json at {meta_file}: not a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise DamagedFileError(f"malformed run.json at {meta_file}: no {missing[0]!r}")
    counts_ok = all(isinstance(meta[k], int) and not isinstance(meta[k], bool)
                    and meta[k] >= 0 for k in ("evaluations", "queries"))
    if not counts_ok or meta.get("status", "complete") not in ("running", "complete", "failed"):
        raise DamagedFileError(f"malformed run.json at {meta_file}: evaluations and queries "
                               "must be counts, status running, complete or failed")
    return meta


def _trials_file(path: Path, name: object, meta_file: Path) -> Path:
    """``trials_file`` of run.json: one of :data:`TRIAL_FILES`, resolved inside ``path``."""
    where = f"malformed run.json at {meta_file}: trials_file"
    if not isinstance(name, str):
        raise DamagedFileError(f"{where} must be a file name, got {name!r}")
    if Path(name).name != name:
        raise UnsafePathError(f"{where} {name!r} is not a plain file name in the run directory")
    if name not in TRIAL_FILES:
        raise DamagedFileError(f"{where} must be one of {', '.join(TRIAL_FILES)}, got {name!r}")
    try:
        return inside(path, name)
    except UnsafePathError as exc:
        raise UnsafePathError(f"{where}: {exc}") from None


def _check_log(trials: pd.DataFrame, meta: dict[str, Any], trials_file: Path) -> None:
    """The log has the columns the code reads and the rows ``run.json`` counts.

    A running run's log may hold more rows than run.json counts (a checkpoint killed between
    its two writes), never fewer: a shorter log is truncated, an error.
    """
    try:
        parse_objectives(meta["objectives"])
    except (ValueError, TypeError) as exc:
        raise DamagedFileError(f"malformed run.json at {trials_file.parent / RUN_JSON}: "
                               f"objectives {meta['objectives']!r}: {exc}") from None
    need: Sequence[str] = NEEDED_COLUMNS
    missing = [c for c in need if c not in trials]
    if missing:
        raise DamagedFileError(f"damaged trial log {trials_file}: no column {missing[0]!r}")
    rows, queries = len(trials), meta["queries"]
    partial = meta.get("status") in ("running", "failed")  # stopped mid-step
    if rows < queries or (rows != queries and not partial):
        raise DamagedFileError(f"damaged trial log {trials_file}: {rows} rows but run.json "
                               f"counts {queries} queries (a truncated log?)")
    for col in (c for c in TRACE_COLUMNS if c in trials):  # what --x energy plots and sums
        v = pd.to_numeric(trials[col], errors="coerce").to_numpy(dtype=float)
        if not (np.isfinite(v).all() and (v >= 0).all() and (np.diff(v) >= 0).all()):
            raise DamagedFileError(f"damaged trial log {trials_file}: {col} must be finite, "
                                   "non-negative and non-decreasing")
    trained = len(charged(trials))
    if not partial and trained != meta["evaluations"]:
        raise DamagedFileError(f"damaged trial log {trials_file}: {trained} trainings but "
                               f"run.json counts {meta['evaluations']} evaluations")


def _with_timing(trials: pd.DataFrame, timing_file: Path) -> pd.DataFrame:
    """The log with the :data:`TIMING_COLUMNS` of ``timing.csv`` joined on ``index`` (NaN
    where it has no row; absent in runs written before the split)."""
    if not timing_file.is_file() or any(c in trials for c in TIMING_COLUMNS):
        return trials
    try:
        timing = pd.read_csv(timing_file).drop_duplicates("index", keep="last")
    except Exception as exc:  # any parser's error: the file is damaged
        raise DamagedFileError(f"unreadable {timing_file}: {' '.join(str(exc).split())}"
                               ) from None
    cols = [c for c in TIMING_COLUMNS if c in timing]
    return trials.merge(timing[["index", *cols]], on="index", how="left")


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


def load_runs(paths: Sequence[Path]) -> list[RunResult]:
    """Every run at or under ``paths``; they must share benchmark, objectives and epochs.

    Raises
    ------
    FileNotFoundError
        A path is missing or holds no run.
    ValueError
        A run is damaged or has no trials yet, or the runs are not comparable.
    """
    dirs = list(dict.fromkeys(d for p in paths for d in find_runs(Path(p))))
    runs = [load_run(d) for d in dirs]
    if not runs:
        raise FileNotFoundError("no runs given")
    first = runs[0]
    for run in runs:
        if len(run.trials) == 0:
            raise ValueError(f"run {run.path} has no trials yet")
        for key in ("benchmark", "objectives", "epochs"):
            if run.meta[key] != first.meta[key]:
                raise ValueError(f"cannot compare runs with different {key}: {first.path} has "
                                 f"{first.meta[key]}, {run.path} has {run.meta[key]}")
    return runs


def load_one_run(path: Path) -> RunResult:
    """The single run at ``path``; a folder holding several runs is an error."""
    runs = load_runs([path])
    if len(runs) != 1:
        raise ValueError(f"{path} holds {len(runs)} runs; give one seed directory")
    return runs[0]


def run_problem(run: RunResult, *, data_dir: Path | None = None,
                raw_dir: Path | None = None) -> Problem:
    """The problem a run was made on: its benchmark loaded once by the name in ``run.json``,
    with the run's objectives and epochs (the one Problem that measures it and its peers)."""
    bench = load_benchmark(str(run.meta["benchmark"]), data_dir=data_dir, raw_dir=raw_dir)
    return Problem.from_benchmark(bench, objectives=run.objectives,
                                  epochs=int(run.meta["epochs"]))

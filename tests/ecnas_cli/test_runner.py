"""The runner: every registered strategy through run_search, storage, seeds, jobs and resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.tables.problem import Problem
from ecnas_cli.run.runner import run_search
from ecnas_cli.run.seeds import run_grid
from ecnas_cli.run.store import TIMING_COLUMNS, RunResult, load_run
from ecnas_cli.run.termination import MaxEnergy
from tests.fixtures.names import CONVERGES, strategy_params
from tests.fixtures.rng import global_rng_untouched
from tests.fixtures.synthetic import synthetic_benchmark

TIMING = TIMING_COLUMNS


@pytest.fixture(scope="module")
def problem():
    return Problem.from_benchmark(synthetic_benchmark())


def log(result: RunResult) -> pd.DataFrame:
    return result.trials.drop(columns=TIMING)


def trained(result: RunResult) -> pd.DataFrame:
    return result.trials[~result.trials["cached"].astype(bool)]


@pytest.mark.parametrize("name", strategy_params())
def test_every_strategy_through_the_runner(problem, name):
    with global_rng_untouched():
        a = run_search(problem, name, budget=40, seed=7)
    paid = trained(a)
    assert len(paid) == 40 and paid["evaluation"].tolist() == list(range(1, 41))
    assert not paid.duplicated(["module_hash", "epochs"]).any()
    assert a.trials["index"].tolist() == list(range(len(a.trials)))
    assert set(a.trials["module_hash"]) <= set(problem.space.cells()["module_hash"])
    assert set(a.trials["epochs"]) <= set(problem.fidelities)
    pd.testing.assert_frame_equal(log(a), log(run_search(problem, name, budget=40, seed=7)))
    assert not log(a).equals(log(run_search(problem, name, budget=40, seed=8)))


@pytest.mark.parametrize("name", strategy_params())
def test_energy_budget_is_never_exceeded(problem, name):
    r = run_search(problem, name, budget=MaxEnergy(1.0), seed=1)
    assert 0 < r.trials["cumulative_energy_kwh"].iloc[-1] <= 1.0
    paid = trained(r)
    assert np.allclose(paid["energy_kwh"].cumsum(), paid["cumulative_energy_kwh"])
    converged = name in CONVERGES and "in a row" in r.meta["stop_reason"]
    assert converged or r.meta["stop_reason"].startswith("budget reached")


def test_unknown_names_and_bad_settings(problem):
    with pytest.raises(ValueError, match="unknown objective 'accuracy'"):
        Problem.from_benchmark(problem.benchmark, objectives="accuracy:max,energy_kwh:min")
    with pytest.raises(ValueError, match="fidelities: 1, 4"):
        Problem.from_benchmark(problem.benchmark, epochs=108)
    with pytest.raises(ValueError, match="unknown setting 'avoid_duplicates' for semo"):
        run_search(problem, "semo", settings={"avoid_duplicates": False})
    with pytest.raises(TypeError, match="avoid_duplicates"):  # settings travel apart
        run_search(problem, "semo", avoid_duplicates=False)


def test_run_is_written_with_its_protocol(problem, tmp_path):
    r = run_search(problem, "semo", budget=30, seed=3, out=tmp_path)
    back = load_run(tmp_path / "synthetic-4v" / "semo" / "seed-3")
    assert back.meta["status"] == "complete" and back.meta["seed"] == 3
    assert back.meta["settings"] == r.meta["settings"]
    assert back.meta["protocol"]["repeats"] == "cache"
    assert "distinct" in back.meta["protocol"]["budget_counts"]
    assert back.meta["evaluations"] == 30
    assert back.meta["cached_queries"] == int(back.trials["cached"].sum())
    pd.testing.assert_frame_equal(log(back), log(r), check_dtype=False)


def test_seeds_0_and_1_sit_side_by_side(problem, tmp_path):
    run_search(problem, "random", budget=10, seed=0, out=tmp_path)
    run_search(problem, "random", budget=10, seed=1, out=tmp_path)
    root = tmp_path / "synthetic-4v" / "random"
    assert sorted(p.name for p in root.iterdir()) == ["seed-0", "seed-1"]
    assert load_run(root / "seed-0").meta["seed"] == 0
    assert load_run(root / "seed-1").meta["seed"] == 1


def test_jobs_2_gives_the_logs_of_jobs_1(problem):
    # the Problem travels to the workers: its table is stored nowhere they could load it from
    kwargs = {"seeds": 2, "seed": 5, "budget": 25}
    one = run_grid(problem, ["random", "nsga2"], jobs=1, **kwargs)
    two = run_grid(problem, ["random", "nsga2"], jobs=2, **kwargs)
    assert [(r.meta["strategy"], r.meta["seed"]) for r in two] == [
        ("random", 5), ("random", 6), ("nsga2", 5), ("nsga2", 6)]
    for a, b in zip(one, two, strict=True):
        pd.testing.assert_frame_equal(log(a), log(b))
    small = run_grid(problem, ["nsga2"], jobs=2, seeds=2, budget=10,
                     settings={"population_size": 8})
    assert [r.meta["settings"]["population_size"] for r in small] == [8, 8]


def test_nan_metrics_survive_the_trial_log(problem, tmp_path):
    r = run_search(problem, "random", budget=5, seed=0)
    trials = r.trials.copy()
    trials.loc[1, "test_accuracy"] = np.nan
    trials.loc[2, "energy_kwh"] = np.nan
    RunResult(trials, r.meta).save(tmp_path / "run")
    back = load_run(tmp_path / "run").trials
    assert back["test_accuracy"].dtype == float and np.isnan(back["test_accuracy"].iat[1])
    assert back["energy_kwh"].dtype == float and np.isnan(back["energy_kwh"].iat[2])
    assert back["module_hash"].tolist() == trials["module_hash"].tolist()
    assert back["cached"].dtype == bool


def test_checkpoints_every_n_distinct_evaluations(problem, tmp_path, monkeypatch):
    writes = []
    original = RunResult.save
    monkeypatch.setattr(RunResult, "save", lambda self, *a, **k: (
        writes.append(len(self.trials)), original(self, *a, **k))[1])
    run_search(problem, "semo", budget=80, seed=0, out=tmp_path, checkpoint_every=25)
    assert len(writes) == 4  # after 25, 50 and 75 distinct evaluations, and the final log


SCRIPT = """
import sys, time
sys.path.insert(0, {tests!r})
from tests.fixtures.synthetic import synthetic_benchmark
from benchmarks.tables.problem import Problem
from ecnas_cli.run.runner import run_search
slow = lambda spent, total: time.sleep(0.002)
run_search(Problem.from_benchmark(synthetic_benchmark()), {strategy!r}, budget=80, seed=5,
           out={out!r}, progress=slow, resume=True, checkpoint_every=20)
"""


@pytest.mark.parametrize("name", ["semo", "nsga2"])
def test_resume_after_kill_gives_the_uninterrupted_log(problem, tmp_path, name):
    script = SCRIPT.format(tests=str(Path(__file__).resolve().parents[2]), strategy=name,
                           out=str(tmp_path / "killed"))
    proc = subprocess.Popen([sys.executable, "-c", script])
    trials = tmp_path / "killed" / "synthetic-4v" / name / "seed-5" / "trials.csv"
    deadline = time.time() + 60
    meta = trials.parent / "run.json"  # written after the log: the checkpoint is whole
    while not meta.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = load_run(trials.parent)
    assert partial.meta["status"] == "running" and 0 < len(trained(partial)) < 80
    resumed = run_search(problem, name, budget=80, seed=5, out=tmp_path / "killed",
                         resume=True, checkpoint_every=20)
    fresh = run_search(problem, name, budget=80, seed=5)
    pd.testing.assert_frame_equal(log(resumed), log(fresh))
    assert load_run(trials.parent).meta["status"] == "complete"

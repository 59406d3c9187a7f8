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

from benchmarks.tables.benchmark import save_table
from benchmarks.tables.registry import table_path
from ecnas_cli.run.runner import run_search
from ecnas_cli.run.seeds import run_grid
from ecnas_cli.run.store import TIMING_COLUMNS, RunResult, load_run
from ecnas_cli.run.termination import MaxEnergy
from tests.fixtures.names import CONVERGES, strategy_params
from tests.fixtures.synthetic import synthetic_benchmark

TIMING = TIMING_COLUMNS


@pytest.fixture(scope="module")
def bench():
    return synthetic_benchmark()


def log(result: RunResult) -> pd.DataFrame:
    return result.trials.drop(columns=TIMING)


def trained(result: RunResult) -> pd.DataFrame:
    return result.trials[~result.trials["cached"].astype(bool)]


@pytest.mark.parametrize("name", strategy_params())
def test_every_strategy_through_the_runner(bench, name):
    state = np.random.get_state()  # noqa: NPY002 (asserting it is untouched)
    a = run_search(bench, name, budget=40, seed=7)
    assert np.all(np.random.get_state()[1] == state[1])  # noqa: NPY002
    paid = trained(a)
    assert len(paid) == 40 and paid["evaluation"].tolist() == list(range(1, 41))
    assert not paid.duplicated(["module_hash", "epochs"]).any()
    assert a.trials["index"].tolist() == list(range(len(a.trials)))
    assert set(a.trials["module_hash"]) <= set(bench.space.cells()["module_hash"])
    assert set(a.trials["epochs"]) <= set(bench.fidelities)
    pd.testing.assert_frame_equal(log(a), log(run_search(bench, name, budget=40, seed=7)))
    assert not log(a).equals(log(run_search(bench, name, budget=40, seed=8)))


@pytest.mark.parametrize("name", strategy_params())
def test_energy_budget_is_never_exceeded(bench, name):
    r = run_search(bench, name, budget=MaxEnergy(1.0), seed=1)
    assert 0 < r.trials["cumulative_energy_kwh"].iloc[-1] <= 1.0
    paid = trained(r)
    assert np.allclose(paid["energy_kwh"].cumsum(), paid["cumulative_energy_kwh"])
    converged = name in CONVERGES and "in a row" in r.meta["stop_reason"]
    assert converged or r.meta["stop_reason"].startswith("budget reached")


def test_unknown_names_and_bad_settings(bench):
    with pytest.raises(ValueError, match="unknown objective 'accuracy'"):
        run_search(bench, "random", objectives="accuracy:max,energy_kwh:min")
    with pytest.raises(ValueError, match="fidelities: 1, 4"):
        run_search(bench, "random", epochs=108)
    with pytest.raises(ValueError, match="unknown setting 'avoid_duplicates' for semo"):
        run_search(bench, "semo", avoid_duplicates=False)


def test_run_is_written_with_its_protocol(bench, tmp_path):
    r = run_search(bench, "semo", budget=30, seed=3, out=tmp_path)
    back = load_run(tmp_path / "synthetic-4v" / "semo" / "seed-3")
    assert back.meta["status"] == "complete" and back.meta["seed"] == 3
    assert back.meta["settings"] == r.meta["settings"]
    assert back.meta["protocol"]["repeats"] == "cache"
    assert "distinct" in back.meta["protocol"]["budget_counts"]
    assert back.meta["evaluations"] == 30
    assert back.meta["cached_queries"] == int(back.trials["cached"].sum())
    pd.testing.assert_frame_equal(log(back), log(r), check_dtype=False)


def test_seeds_0_and_1_sit_side_by_side(bench, tmp_path):
    run_search(bench, "random", budget=10, seed=0, out=tmp_path)
    run_search(bench, "random", budget=10, seed=1, out=tmp_path)
    root = tmp_path / "synthetic-4v" / "random"
    assert sorted(p.name for p in root.iterdir()) == ["seed-0", "seed-1"]
    assert load_run(root / "seed-0").meta["seed"] == 0
    assert load_run(root / "seed-1").meta["seed"] == 1


def test_jobs_2_gives_the_logs_of_jobs_1(bench, tmp_path):
    data = tmp_path / "data"
    save_table(bench.frame, table_path("synthetic-4v", data), bench.meta)
    kwargs = {"seeds": 2, "seed": 5, "budget": 25, "data_dir": data}
    one = run_grid("synthetic-4v", ["random", "nsga2"], jobs=1, **kwargs)
    two = run_grid("synthetic-4v", ["random", "nsga2"], jobs=2, **kwargs)
    assert [(r.meta["strategy"], r.meta["seed"]) for r in two] == [
        ("random", 5), ("random", 6), ("nsga2", 5), ("nsga2", 6)]
    for a, b in zip(one, two, strict=True):
        pd.testing.assert_frame_equal(log(a), log(b))


def test_nan_metrics_survive_the_trial_log(bench, tmp_path):
    r = run_search(bench, "random", budget=5, seed=0)
    trials = r.trials.copy()
    trials.loc[1, "test_accuracy"] = np.nan
    trials.loc[2, "energy_kwh"] = np.nan
    RunResult(trials, r.meta).save(tmp_path / "run")
    back = load_run(tmp_path / "run").trials
    assert back["test_accuracy"].dtype == float and np.isnan(back["test_accuracy"].iat[1])
    assert back["energy_kwh"].dtype == float and np.isnan(back["energy_kwh"].iat[2])
    assert back["module_hash"].tolist() == trials["module_hash"].tolist()
    assert back["cached"].dtype == bool


def test_checkpoints_every_n_distinct_evaluations(bench, tmp_path, monkeypatch):
    writes = []
    original = RunResult.save
    monkeypatch.setattr(RunResult, "save", lambda self, *a, **k: (
        writes.append(len(self.trials)), original(self, *a, **k))[1])
    run_search(bench, "semo", budget=80, seed=0, out=tmp_path, checkpoint_every=25)
    assert len(writes) == 4  # after 25, 50 and 75 distinct evaluations, and the final log


SCRIPT = """
import sys, time
sys.path.insert(0, {tests!r})
from tests.fixtures.synthetic import synthetic_benchmark
from ecnas_cli.run.runner import run_search
slow = lambda spent, total: time.sleep(0.002)
run_search(synthetic_benchmark(), {strategy!r}, budget=80, seed=5, out={out!r},
           progress=slow, resume=True, checkpoint_every=20)
"""


@pytest.mark.parametrize("name", ["semo", "nsga2"])
def test_resume_after_kill_gives_the_uninterrupted_log(bench, tmp_path, name):
    script = SCRIPT.format(tests=str(Path(__file__).resolve().parents[2]), strategy=name,
                           out=str(tmp_path / "killed"))
    proc = subprocess.Popen([sys.executable, "-c", script])
    trials = tmp_path / "killed" / "synthetic-4v" / name / "seed-5" / "trials.csv"
    deadline = time.time() + 60
    while not trials.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = load_run(trials.parent)
    assert partial.meta["status"] == "running" and 0 < len(trained(partial)) < 80
    resumed = run_search(bench, name, budget=80, seed=5, out=tmp_path / "killed",
                         resume=True, checkpoint_every=20)
    fresh = run_search(bench, name, budget=80, seed=5)
    pd.testing.assert_frame_equal(log(resumed), log(fresh))
    assert load_run(trials.parent).meta["status"] == "complete"

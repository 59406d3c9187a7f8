"""The runner and the strategy contract, over every registered strategy."""

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

from ecnas_cli.run.runner import Budget, run_search
from ecnas_cli.run.store import load_run
from strategies import STRATEGIES, get_strategy
from tests.fixtures.synthetic import synthetic_benchmark

TIMING = ["strategy_time_s"]


@pytest.fixture(scope="module")
def bench():
    return synthetic_benchmark()


def log(result):
    return result.trials.drop(columns=TIMING)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_contract(bench, name):
    state = np.random.get_state()  # noqa: NPY002 (asserting it is untouched)
    a = run_search(bench, name, budget=60, seed=7)
    assert np.all(np.random.get_state()[1] == state[1])  # noqa: NPY002
    assert len(a.trials) == 60 and a.trials["index"].tolist() == list(range(60))
    assert set(a.trials["module_hash"]) <= set(bench.space.cells()["module_hash"])
    assert set(a.trials["epochs"]) <= set(bench.fidelities)
    b = run_search(bench, name, budget=60, seed=7)
    pd.testing.assert_frame_equal(log(a), log(b))
    c = run_search(bench, name, budget=60, seed=8)
    assert not log(a).equals(log(c))


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_energy_budget_is_never_exceeded(bench, name):
    r = run_search(bench, name, budget=Budget("energy", 1.0), seed=1)
    assert 0 < r.trials["cumulative_energy_kwh"].iloc[-1] <= 1.0
    assert np.allclose(r.trials["energy_kwh"].cumsum(), r.trials["cumulative_energy_kwh"])


def test_unknown_names_and_bad_budgets(bench):
    with pytest.raises(ValueError, match=r"valid: .*random"):
        get_strategy("annealing")
    with pytest.raises(ValueError, match="unknown objective 'accuracy'"):
        run_search(bench, "random", objectives="accuracy:max,energy_kwh:min")
    with pytest.raises(ValueError, match="budget must be > 0"):
        run_search(bench, "random", budget=0)
    with pytest.raises(ValueError, match="fidelities: 1, 4"):
        run_search(bench, "random", epochs=108)


def test_run_is_written_with_its_settings(bench, tmp_path):
    r = run_search(bench, "semo", budget=30, seed=3, out=tmp_path)
    back = load_run(tmp_path / "synthetic-4v" / "semo" / "seed-0")
    assert back.meta["status"] == "complete" and back.meta["seed"] == 3
    assert back.meta["settings"] == r.meta["settings"]
    pd.testing.assert_frame_equal(log(back), log(r), check_dtype=False)


SCRIPT = """
import sys, time
sys.path.insert(0, {tests!r})
from tests.fixtures.synthetic import synthetic_benchmark
from ecnas_cli.run.runner import run_search
import ecnas_cli.run.runner as runner
runner.CHECKPOINT_EVERY = 50
slow = lambda spent, total: time.sleep(0.002)
run_search(synthetic_benchmark(), {strategy!r}, budget=600, seed=5, out={out!r},
           progress=slow, resume=True)
"""


@pytest.mark.parametrize("name", ["semo", "nsga2"])
def test_resume_after_kill_gives_the_uninterrupted_log(bench, tmp_path, name):
    script = SCRIPT.format(tests=str(Path(__file__).resolve().parents[2]), strategy=name,
                           out=str(tmp_path / "killed"))
    proc = subprocess.Popen([sys.executable, "-c", script])
    trials = tmp_path / "killed" / "synthetic-4v" / name / "seed-0" / "trials.csv"
    deadline = time.time() + 60
    while not trials.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = load_run(trials.parent)
    assert partial.meta["status"] == "running" and 0 < len(partial.trials) < 600
    resumed = run_search(bench, name, budget=600, seed=5, out=tmp_path / "killed",
                         resume=True)
    fresh = run_search(bench, name, budget=600, seed=5)
    pd.testing.assert_frame_equal(log(resumed), log(fresh))
    assert load_run(trials.parent).meta["status"] == "complete"

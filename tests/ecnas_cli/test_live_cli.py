"""``ecnas search --live`` with real trainings on digits: 6 cells x 1 epoch on 2 Ray workers
and their replay on the written table; resuming after a kill mid-training; bad datasets and
settings refused before any training."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")
pytest.importorskip("ray")

from ecnas_cli.cli import app

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()
TINY = ["--live", "digits", "--space", "4v", "--epochs", "1", "--stem-channels", "4",
        "--num-stacks", "1", "--cells-per-stack", "1", "--batch-size", "128",
        "--meter", "estimate", "--tdp-w", "50"]


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(REPO))  # Ray workers import this checkout
    return {"ECNAS_RAW_DIR": None, "ECNAS_DATA_DIR": str(tmp_path / "data")}


def run(*args: str, env: dict[str, str | None]):
    return runner.invoke(app, ["search", *args], env=env)


def results(tree: Path) -> list[Path]:
    return sorted(tree.rglob("results.json"))


def test_six_cells_on_two_ray_workers_then_replay_on_the_table(env, tmp_path):
    tree = tmp_path / "tree"
    out = run(*TINY, "--strategy", "random", "--evals", "6", "--workers", "2", "--tree",
              str(tree), "--out", str(tmp_path / "runs"), "--json", env=env)
    assert out.exit_code == 0, out.stdout + out.stderr
    info = json.loads(out.stdout)
    assert info["evaluations"] == 6 and info["reused_trainings"] == 0
    assert info["most_in_flight"] == 2  # random is asynchronous: both workers busy
    assert info["search_energy_kwh"] > 0
    assert info["energy_spent_now_kwh"] == pytest.approx(info["search_energy_kwh"])
    assert len(results(tree)) == 6 and info["front"]
    trials = pd.read_csv(Path(info["run_dir"]) / "trials.csv")
    assert (trials["worker"].str.contains(":")).all()
    assert (trials["train_end_s"] >= trials["train_start_s"]).all()
    replay = run("--benchmark", info["table"], "--strategy", "random", "--evals", "6",
                 "--epochs", "1", "--out", str(tmp_path / "replay"), "--json", env=env)
    assert replay.exit_code == 0, replay.stdout + replay.stderr
    replayed = pd.read_csv(Path(json.loads(replay.stdout)[0]["run_dir"]) / "trials.csv")
    assert trials.sort_values("asked")["module_hash"].tolist() == \
        replayed["module_hash"].tolist()
    assert sorted(trials["validation_accuracy"]) == sorted(replayed["validation_accuracy"])


def test_a_killed_live_search_resumes_without_repeating_trainings(env, tmp_path):
    tree, runs = tmp_path / "tree", tmp_path / "runs"
    args = [sys.executable, "-c", "from ecnas_cli.cli import run; run()", "search", *TINY,
            "--strategy", "random", "--evals", "6", "--epochs", "3", "--tree", str(tree),
            "--out", str(runs), "--json"]
    child_env = {**os.environ, "ECNAS_DATA_DIR": env["ECNAS_DATA_DIR"]}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=child_env)
    deadline = time.monotonic() + 120
    while len(results(tree)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = {p: p.stat().st_mtime_ns for p in results(tree)}
    assert 2 <= len(finished) < 6, "the search was not killed half-way"
    refused = run(*args[4:], env=env)  # the interrupted run is kept unless resumed
    assert refused.exit_code == 2 and "--resume" in refused.stderr
    done = run(*args[4:], "--resume", env=env)  # in process: no second interpreter to start
    assert done.exit_code == 0, done.stdout + done.stderr
    info = json.loads(done.stdout)
    assert info["evaluations"] == 6 and info["reused_trainings"] == len(finished)
    assert len(results(tree)) == 6
    assert all(p.stat().st_mtime_ns == t for p, t in finished.items())  # not trained again


@pytest.mark.parametrize(("args", "message"), [
    (["--live", "mnist"], "unknown dataset 'mnist'"),
    (["--live", "cifar10"], "cifar10 needs a root folder"),
    (["--data-root", "{tmp}/nowhere", "--live", "cifar10"], "nowhere"),
    (["--live", "folder:{tmp}/nowhere"], "nowhere does not exist"),
    (["--live", "tests.fixtures.datasets:nope"], "cannot import it"),
    (["--live", "tests.fixtures.datasets:wrong_shape"], "must return a Dataset or"),
    (["--space", "6v"], "unknown space '6v'"),
    (["--workers", "0"], "--workers must be >= 1"),
    (["--learning-rate", "nan"], "learning_rate must be a finite number"),
    (["--pue", "0.5"], "pue must be a finite number in [1, 10]"),
    (["--epochs", "0"], "checkpoints must be increasing positive epochs"),
    (["--meter", "watts"], "unknown meter 'watts'"),
    (["--strategy", "nope"], "unknown strategy 'nope'"),
    (["--strategy", "random,nsga2"], "one strategy at a time"),
    (["--strategy", "random", "--set", "batch_size=0"], "batch_size must be a positive int"),
    (["--objectives", "flops:min,energy_kwh:min"], "measures no 'flops'"),
    (["--benchmark", "ecnas-4v"], "--benchmark is for table searches"),
    (["--protocol", "paper"], "--protocol is for table searches"),
])
def test_bad_datasets_and_settings_are_refused_before_any_training(env, tmp_path, args,
                                                                    message):
    tree = tmp_path / "tree"
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    out = run(*TINY, *args, "--evals", "2", "--tree", str(tree), "--out",
              str(tmp_path / "runs"), env=env)
    assert out.exit_code == 2, out.stdout + out.stderr
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not results(tmp_path)

"""``ecnas bench create``: a small benchmark with 2 Ray workers, imported and searched; resuming
after a kill; surrogate-guided creation; one-line errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")
pytest.importorskip("ray")

from ecnas_cli.cli import app

runner = CliRunner()
SMALL = ["--dataset", "digits", "--stem-channels", "4", "--num-stacks", "1",
         "--cells-per-stack", "1", "--batch-size", "128", "--meter", "estimate",
         "--tdp-w", "50"]


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


@pytest.fixture
def env(tmp_path):
    return {"ECNAS_RAW_DIR": None, "ECNAS_DATA_DIR": str(tmp_path / "data")}


def results(tree):
    return sorted(tree.rglob("results.json"))


def test_create_with_two_ray_workers_import_and_search(env, tmp_path):
    tree = tmp_path / "tree"
    out = run("bench", "create", "--space", "4v", "--epochs", "1", "--repeats", "1",
              "--cells", "4", "--workers", "2", "--out", str(tree), *SMALL, "--json", env=env)
    assert out.exit_code == 0, out.stdout + out.stderr
    summary = json.loads(out.stdout)
    assert summary["runs_now"] == 4 and summary["energy_kwh_now"] > 0
    assert len(results(tree)) == 4
    record = json.loads(results(tree)[0].read_text())
    assert record["meter"] == "tdp-estimate" and record["estimated"] is True
    assert record["pue"] == 1.59
    out = run("data", "import", "--raw", str(tree), "--space", "4v", "--name", "mine", env=env)
    assert out.exit_code == 0, out.stdout + out.stderr
    out = run("search", "--benchmark", "mine", "--strategy", "random", "--evals", "4",
              "--seeds", "1", "--out", str(tmp_path / "runs"), "--json", env=env)
    assert out.exit_code == 0, out.stdout + out.stderr
    found = json.loads(out.stdout)[0]
    assert found["unique_cells"] == 4 and found["search_energy_kwh"] > 0
    # same settings again: everything is finished, nothing is trained
    again = run("bench", "create", "--space", "4v", "--epochs", "1", "--repeats", "1",
                "--cells", "4", "--out", str(tree), *SMALL, "--json", env=env)
    assert again.exit_code == 0 and json.loads(again.stdout)["runs_now"] == 0


def test_killed_run_redoes_only_unfinished_runs(tmp_path):
    tree = tmp_path / "tree"
    args = [sys.executable, "-c", "from ecnas_cli.cli import run; run()", "bench", "create",
            "--epochs", "2,8", "--repeats", "1", "--cells", "8", "--workers", "1",
            "--out", str(tree), *SMALL, "--json"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while len(results(tree)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = {p: p.stat().st_mtime_ns for p in results(tree)}
    assert 2 <= len(finished) < 8, "the run was not killed half-way"
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["runs_now"] == 8 - len(finished)
    assert len(results(tree)) == 8
    assert all(p.stat().st_mtime_ns == t for p, t in finished.items())  # untouched
    assert not [p for p in tree.rglob("*") if p.name.startswith(".")]  # no temp files


def test_guided_creation_marks_predicted_rows(env, tmp_path):
    from benchmarks.tables.registry import load_benchmark

    tree = tmp_path / "tree"
    out = run("bench", "create", "--space", "4v", "--epochs", "1", "--repeats", "1",
              "--measure", "0.2", "--select", "uncertainty", "--out", str(tree), *SMALL,
              "--json", env=env)
    assert out.exit_code == 0, out.stdout + out.stderr
    summary = json.loads(out.stdout)
    assert summary["measured_cells"] == 18 and summary["predicted_cells"] == 73
    out = run("data", "import", "--raw", str(tree), "--space", "4v", "--name", "guided",
              env=env)
    assert out.exit_code == 0, out.stdout + out.stderr
    frame = load_benchmark("guided", data_dir=tmp_path / "data").frame
    counts = frame["energy_source"].value_counts().to_dict()
    assert counts == {"surrogate": 73, "measured": 18}
    predicted = frame[frame["energy_source"] == "surrogate"]
    assert predicted["test_accuracy"].isna().all() and (predicted["energy_kwh"] > 0).all()


@pytest.mark.parametrize(("args", "message"), [
    (["--space", "6v"], "unknown space '6v'"),
    (["--dataset", "mnist"], "unknown dataset 'mnist'"),
    (["--dataset", "folder:{tmp}/nowhere"], "nowhere does not exist"),
    (["--dataset", "tests.fixtures.datasets:one_class"], "fewer than 2 classes"),
    (["--epochs", "2,x"], "--epochs must be comma-separated integers"),
    (["--epochs", "3,1"], "checkpoints must be increasing"),
    (["--cells", "500"], "cells must be in 1..91"),
    (["--meter", "watts"], "unknown meter 'watts'"),
    (["--pue", "0.5"], "pue must be a finite number in [1, 10]"),
    (["--select", "best", "--measure", "0.2"], "unknown --select 'best'"),
    (["--select", "best"], "unknown --select 'best'"),
    (["--measure", "2"], "measure fraction must be in (0, 1]"),
    (["--carbon-intensity", "inf"], "carbon_intensity must be a finite number"),
    (["--carbon-intensity", "-1"], "carbon_intensity must be a finite number"),
    (["--learning-rate", "nan"], "learning_rate must be a finite number in (0, 100], got nan"),
    (["--learning-rate", "0"], "learning_rate must be a finite number"),
    (["--tdp-w", "inf"], "tdp_w must be a finite number"),
    (["--pue", "nan"], "pue must be a finite number"),
    (["--workers", "0"], "--workers must be >= 1"),
])
def test_bad_input_is_one_line_and_writes_nothing(env, tmp_path, args, message):
    tree = tmp_path / "tree"
    base = ["bench", "create", "--out", str(tree), "--epochs", "1", "--repeats", "1"]
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    out = run(*base, *SMALL, *args, env=env)
    assert out.exit_code == 2, out.stdout + out.stderr
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not tree.exists()


def test_a_job_that_never_started_writes_no_create_json(env, tmp_path, monkeypatch):
    from ecnas_cli.workflows import create

    def fails(*args, **kwargs):
        raise ValueError("the first cell could not start")

    monkeypatch.setattr(create, "create_benchmark", fails)
    tree = tmp_path / "tree"
    out = run("bench", "create", "--out", str(tree), "--epochs", "1", "--repeats", "1",
              *SMALL, env=env)
    assert out.exit_code == 2 and "could not start" in out.stderr
    assert not (tree / "create.json").exists()


def test_restart_with_other_settings_is_refused(env, tmp_path):
    tree = tmp_path / "tree"
    first = ["bench", "create", "--out", str(tree), "--repeats", "1", "--cells", "1", *SMALL]
    assert run(*first, "--epochs", "1", env=env).exit_code == 0
    out = run(*first, "--epochs", "2", env=env)
    assert out.exit_code == 2 and "other settings (training differ)" in out.stderr

"""Run directories: no lost runs, one run at a time, confined paths, byte-identical resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmarks.errors import UnsafeNameError, UnsafePathError
from benchmarks.tables.problem import Problem
from ecnas_cli.cli import app
from ecnas_cli.run.lock import RunInUseError, run_lock
from ecnas_cli.run.runner import run_search
from ecnas_cli.run.seeds import run_grid
from ecnas_cli.run.store import load_run, run_dir
from strategies.base import check_setting
from strategies.random_search import RandomSearch
from tests.fixtures.synthetic import synthetic_benchmark

ROOT = str(Path(__file__).resolve().parents[2])


@pytest.fixture(scope="module")
def problem() -> Problem:
    return Problem.from_benchmark(synthetic_benchmark())


def seed_dir(out: Path, strategy: str = "semo", seed: int = 0) -> Path:
    return out / "synthetic-4v" / strategy / f"seed-{seed}"


# ----- 1. a finished run is never replaced ------------------------------------------------------
def test_a_complete_run_is_never_replaced(problem, tmp_path):
    run_search(problem, "semo", budget=20, seed=0, out=tmp_path)
    log = seed_dir(tmp_path) / "trials.csv"
    before = log.read_bytes()
    with pytest.raises(FileExistsError, match=r"already holds a complete run.*--overwrite"):
        run_search(problem, "semo", budget=30, seed=0, out=tmp_path)
    assert log.read_bytes() == before
    reported = run_search(problem, "semo", budget=20, seed=0, out=tmp_path, resume=True)
    assert reported.complete and reported.meta["evaluations"] == 20
    assert log.read_bytes() == before
    with pytest.raises(ValueError, match="budget differs"):
        run_search(problem, "semo", budget=30, seed=0, out=tmp_path, resume=True)
    again = run_search(problem, "semo", budget=30, seed=0, out=tmp_path, overwrite=True)
    assert again.meta["evaluations"] == 30 and load_run(log.parent).meta["evaluations"] == 30


def test_a_grid_refuses_before_running_anything(problem, tmp_path):
    run_search(problem, "random", budget=5, seed=1, out=tmp_path)
    with pytest.raises(FileExistsError, match="seed-1"):
        run_grid(problem, ["random"], seeds=2, seed=0, budget=5, out=tmp_path)
    assert not seed_dir(tmp_path, "random", 0).exists()


def test_bad_input_is_reported_before_a_complete_run(problem, tmp_path):
    run_search(problem, "semo", budget=5, seed=0, out=tmp_path)
    with pytest.raises(ValueError, match="edge_changes"):
        run_grid(problem, ["semo"], budget=5, out=tmp_path, settings={"edge_changes": 50})


def test_search_command_keeps_a_finished_run(tmp_path):
    env = {"ECNAS_RAW_DIR": None, "ECNAS_DATA_DIR": str(tmp_path / "data")}
    args = ["search", "--benchmark", "ecnas-4v", "--strategy", "random", "--evals", "5",
            "--out", str(tmp_path / "r"), "--json"]
    cli = CliRunner()
    assert cli.invoke(app, args, env=env).exit_code == 0
    again = cli.invoke(app, args, env=env)
    assert again.exit_code == 2 and "already holds a complete run" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    assert cli.invoke(app, [*args, "--resume"], env=env).exit_code == 0
    assert cli.invoke(app, [*args, "--overwrite"], env=env).exit_code == 0


# ----- 2. one run per directory at a time --------------------------------------------------------
def test_a_locked_run_dir_refuses_a_second_run(problem, tmp_path):
    where = seed_dir(tmp_path)
    with run_lock(where):
        with pytest.raises(RunInUseError, match=f"{where}.*in use"):
            run_search(problem, "semo", budget=5, seed=0, out=tmp_path)
        with pytest.raises(RunInUseError):
            run_search(problem, "semo", budget=5, seed=0, out=tmp_path, resume=True)
    assert run_search(problem, "semo", budget=5, seed=0, out=tmp_path).complete


SLOW = """
import sys, time
sys.path.insert(0, {root!r})
from tests.fixtures.synthetic import synthetic_benchmark
from benchmarks.tables.problem import Problem
from ecnas_cli.run.runner import run_search
run_search(Problem.from_benchmark(synthetic_benchmark()), "semo", budget=60, seed=0,
           out={out!r}, resume=True, progress=lambda spent, total: time.sleep(0.5))
"""


def test_the_lock_of_a_killed_run_is_released(problem, tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", SLOW.format(root=ROOT, out=str(tmp_path))])
    try:
        deadline = time.time() + 60
        while not (seed_dir(tmp_path) / ".lock").exists() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        with pytest.raises(RunInUseError, match=f"pid {proc.pid}"):
            run_search(problem, "semo", budget=60, seed=0, out=tmp_path, resume=True)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert run_search(problem, "semo", budget=60, seed=0, out=tmp_path, resume=True).complete


# ----- 3. byte-identical resume -------------------------------------------------------------------
FAULTY = """
import os, sys
from contextlib import contextmanager
sys.path.insert(0, {root!r})
import ecnas_cli.run.store as store
from tests.fixtures.synthetic import synthetic_benchmark
from benchmarks.tables.problem import Problem
from ecnas_cli.run.runner import run_search
original, seen = store.atomic_path, []

@contextmanager
def faulty(path, *args, **kwargs):
    with original(path, *args, **kwargs) as tmp:
        yield tmp
        if path.name == {target!r}:
            seen.append(path)
            if len(seen) == {nth} and {when!r} == "during":
                os.kill(os.getpid(), 9)  # the new file is written, not yet moved into place
    if path.name == {target!r} and len(seen) == {nth} and {when!r} == "after":
        os.kill(os.getpid(), 9)

store.atomic_path = faulty
run_search(Problem.from_benchmark(synthetic_benchmark()), {strategy!r}, budget=80, seed=5,
           out={out!r}, checkpoint_every=20)
"""


@pytest.mark.parametrize(("strategy", "target", "nth", "when"), [
    ("semo", "trials.csv", 2, "during"),  # killed inside the trial log's write
    ("semo", "trials.csv", 2, "after"),  # between the trial log and run.json
    ("nsga2", "run.json", 2, "after"),  # right after a whole checkpoint
    ("semo", "trials.csv", 1, "after"),  # a trial log but no run.json yet
])
def test_resume_after_a_kill_is_byte_identical(problem, tmp_path, strategy, target, nth, when):
    killed = tmp_path / "killed"
    script = FAULTY.format(root=ROOT, target=target, nth=nth, when=when, strategy=strategy,
                           out=str(killed))
    proc = subprocess.run([sys.executable, "-c", script], timeout=120, check=False)
    assert proc.returncode == -signal.SIGKILL
    where = seed_dir(killed, strategy, 5)
    if (where / "run.json").exists():
        assert json.loads((where / "run.json").read_text())["status"] == "running"
    resumed = run_search(problem, strategy, budget=80, seed=5, out=killed, resume=True,
                         checkpoint_every=20)
    fresh = run_search(problem, strategy, budget=80, seed=5, out=tmp_path / "fresh")
    assert resumed.complete
    assert (where / "trials.csv").read_bytes() == \
        (seed_dir(tmp_path / "fresh", strategy, 5) / "trials.csv").read_bytes()
    timing = (where / "timing.csv").read_text().splitlines()
    assert timing[0].startswith("index,strategy_time_s") and len(timing) == len(fresh.trials) + 1


# ----- 4. run.json is checked when a run is loaded ------------------------------------------------
@pytest.fixture
def saved(problem, tmp_path) -> Path:
    run_search(problem, "semo", budget=20, seed=0, out=tmp_path)
    return seed_dir(tmp_path)


def _edit(where: Path, **changes: object) -> None:
    meta = json.loads((where / "run.json").read_text())
    (where / "run.json").write_text(json.dumps({**meta, **changes}))


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"benchmark": "synthetic-4v"}', "no 'strategy'"),
])
def test_a_damaged_run_json_is_one_line_naming_the_file(saved, text, message):
    (saved / "run.json").write_text(text)
    with pytest.raises(ValueError, match=message) as err:
        load_run(saved)
    assert str(saved / "run.json") in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(("trials_file", "error"), [
    ("../../../../etc/passwd", UnsafePathError), ("sub/trials.csv", UnsafePathError),
    (7, ValueError), ("trials.txt", ValueError)])
def test_trials_file_must_be_a_plain_name_inside_the_run(saved, trials_file, error):
    _edit(saved, trials_file=trials_file)
    with pytest.raises(error, match="trials_file"):
        load_run(saved)


def test_a_symlinked_trial_log_cannot_lead_outside(saved, tmp_path):
    outside = tmp_path / "elsewhere.csv"
    (saved / "trials.csv").rename(outside)
    (saved / "trials.csv").symlink_to(outside)
    with pytest.raises(UnsafePathError, match="outside"):
        load_run(saved)


def test_a_truncated_log_is_an_error_not_a_shorter_run(problem, saved):
    log = saved / "trials.csv"
    queries = load_run(saved).meta["queries"]
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:-3]))
    short = f"{queries - 3} rows"
    with pytest.raises(ValueError, match=f"{log}.*{short}.*run.json.*{queries}") as err:
        load_run(saved)
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match=short):
        run_search(problem, "semo", budget=20, seed=0, out=saved.parents[2], resume=True)
    _edit(saved, status="running")
    with pytest.raises(ValueError, match=short):
        run_search(problem, "semo", budget=20, seed=0, out=saved.parents[2], resume=True)


def test_a_log_missing_columns_or_evaluations_is_an_error(saved):
    _edit(saved, evaluations=19)
    with pytest.raises(ValueError, match=r"20 trainings but run\.json counts 19"):
        load_run(saved)
    _edit(saved, evaluations=20)
    log = saved / "trials.csv"
    log.write_text(log.read_text().replace("module_hash", "hash", 1))
    with pytest.raises(ValueError, match="no column 'module_hash'"):
        load_run(saved)


# ----- 5. settings finite and in range ------------------------------------------------------------
@pytest.mark.parametrize(("name", "settings", "message"), [
    ("semo", {"op_changes": float("inf")}, "op_changes must be finite"),
    ("semo", {"edge_changes": float("nan")}, "edge_changes"),
    ("nsga2", {"mutation_prob": float("inf")}, "mutation_prob"),
    ("semo", {"ref_point": [1.0, float("inf")]}, "ref_point"),
    ("semo", {"edge_changes": 50}, "edge_changes must be.*6 edge slots.*got 50"),
    ("semo", {"edge_changes": 6}, "edge_changes"),
    ("semo", {"op_changes": 3}, "op_changes must be.*2 inner ops.*got 3"),
])
def test_settings_must_be_finite_and_in_range(problem, tmp_path, name, settings, message):
    with pytest.raises(ValueError, match=message):
        run_search(problem, name, budget=5, out=tmp_path, settings=settings)
    assert not (tmp_path / "synthetic-4v").exists()


def test_in_range_semo_settings_still_run(problem):
    r = run_search(problem, "semo", budget=15, settings={"edge_changes": 5.9, "op_changes": 2.0})
    assert r.meta["evaluations"] == 15


def test_check_setting_refuses_non_finite_numbers():
    with pytest.raises(ValueError, match="finite"):
        check_setting("rate", float("inf"), True, "a number")


def test_search_command_refuses_inf_settings(tmp_path):
    env = {"ECNAS_RAW_DIR": None, "ECNAS_DATA_DIR": str(tmp_path / "data")}
    out = CliRunner().invoke(app, ["search", "--benchmark", "ecnas-4v", "--strategy", "semo",
                                   "--evals", "5", "--out", str(tmp_path / "r"), "--set",
                                   "op_changes=inf"], env=env)
    assert out.exit_code == 2 and "op_changes must be finite" in out.stderr
    assert not list((tmp_path / "r").rglob("*"))  # nothing written


# ----- 6. names used in paths are safe ------------------------------------------------------------
def test_run_dir_refuses_unsafe_names(tmp_path):
    with pytest.raises(UnsafeNameError):
        run_dir(tmp_path, "../evil", "semo", 0)
    with pytest.raises(UnsafeNameError):
        run_dir(tmp_path, "ecnas-4v", "a/b", 0)


class Escaping(RandomSearch):
    name = "../../escaped"


def test_a_strategy_name_cannot_lead_out_of_out(problem, tmp_path):
    with pytest.raises(UnsafeNameError, match="escaped"):
        run_search(problem, Escaping, budget=3, out=tmp_path / "runs")
    assert not any(tmp_path.rglob("run.json"))

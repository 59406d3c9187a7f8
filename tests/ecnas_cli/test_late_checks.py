"""Every argument checked before any work; diagnosing commands survive odd data dirs; outputs
that are devices or fifos refused; stored tables and runs never silently replaced; one line
on stderr whatever happens (warnings, Ctrl-C)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmarks.tables import registry
from ecnas_cli.cli import app
from tests.benchmarks.test_fuzz_parsers import sample_results
from tests.benchmarks.test_validation_sources import HASH, raw_tree

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def one_error(result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    return lines[0]


# --- 5. data list survives whatever it finds --------------------------------------------

def test_data_list_survives_dangling_links_and_directories(tmp_path):
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    os.symlink(tmp_path / "gone.parquet", folder / "dangling.parquet")
    (folder / "adir.parquet").mkdir()
    result = run("data", "list", "--data-dir", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    for name in ("dangling", "adir"):
        assert rows[name]["status"] == "bad" and "not a regular file" in rows[name]["error"]
    assert run("data", "list", "--data-dir", tmp_path).exit_code == 0


# --- 7. late checks -----------------------------------------------------------------------

def test_unknown_format_is_refused_before_any_write(tmp_path):
    out = tmp_path / "runs"
    line = one_error(run("search", "--benchmark", "ecnas-4v", "--evals", "5", "--out", out,
                         "--format", "xml"))
    assert "--format must be csv or parquet" in line
    assert not out.exists()


def _never(*args, **kwargs):
    raise AssertionError("the long work started before the arguments were checked")


def test_build_7v_checks_the_nasbench101_file_first(tmp_path, monkeypatch):
    from ecnas_cli.workflows import surrogate
    monkeypatch.setattr(surrogate, "build_7v", _never)
    line = one_error(run("surrogate", "build-7v", "--nasbench101", tmp_path / "none.tfrecord"))
    assert "none.tfrecord" in line


def test_surrogate_fit_checks_the_output_first(tmp_path, monkeypatch):
    from ecnas_cli.workflows import surrogate
    monkeypatch.setattr(surrogate, "fit", _never)
    line = one_error(run("surrogate", "fit", "--output", tmp_path))
    assert "must end in .skops" in line
    (tmp_path / "m.skops").mkdir()
    assert "not a regular file" in one_error(run("surrogate", "fit", "--output",
                                                 tmp_path / "m.skops"))


def test_arch_info_refuses_input_with_matrix_and_ops(tmp_path):
    (tmp_path / "in.csv").write_text("matrix,ops\n0100,\"input,output\"\n")
    line = one_error(run("arch", "info", "--input", tmp_path / "in.csv", "--output",
                         tmp_path / "o.csv", "--matrix", "0100", "--ops", "input,output"))
    assert "not both" in line and not (tmp_path / "o.csv").exists()
    one_error(run("arch", "info", "--matrix", "0100", "--ops", "input,output", "--output",
                  tmp_path / "o.csv"))


@pytest.fixture(scope="module")
def one_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs")
    assert run("search", "--strategy", "random", "--benchmark", "ecnas-4v", "--evals", "8",
               "--out", out).exit_code == 0
    return next(out.rglob("run.json")).parent


@pytest.mark.parametrize("status", ["running", "failed"])
def test_an_interrupted_or_failed_run_is_kept_without_overwrite(one_run, status, tmp_path):
    meta_file = one_run / "run.json"
    kept = meta_file.read_text()
    meta_file.write_text(kept.replace('"status": "complete"', f'"status": "{status}"'))
    try:
        text = meta_file.read_text()
        line = one_error(run("search", "--strategy", "random", "--benchmark", "ecnas-4v",
                             "--evals", "8", "--out", one_run.parents[2]))
        assert "it is kept" in line and "--overwrite" in line
        assert meta_file.read_text() == text
    finally:
        meta_file.write_text(kept)


def test_negative_cumulative_energy_in_a_log_is_one_line(one_run, tmp_path):
    import pandas as pd

    copy = tmp_path / "run"
    copy.mkdir()
    for f in one_run.iterdir():
        if f.is_file():
            (copy / f.name).write_bytes(f.read_bytes())
    log = pd.read_csv(copy / "trials.csv")
    log["cumulative_energy_kwh"] -= 5
    log.to_csv(copy / "trials.csv", index=False)
    line = one_error(run("compare", copy, "--x", "energy", "--log", "--out", tmp_path / "c"))
    assert "cumulative_energy_kwh must be finite, non-negative" in line


# --- 8. one line, whatever happens ----------------------------------------------------------

def test_warnings_before_an_error_are_not_printed(monkeypatch, tmp_path):
    def noisy(*args, **kwargs):
        warnings.warn("overflow encountered in reduce", RuntimeWarning, stacklevel=1)
        raise ValueError("the real problem")

    monkeypatch.setattr(registry, "list_benchmarks", noisy)
    assert one_error(run("data", "list", "--data-dir", tmp_path)) == "error: the real problem"


def test_warnings_of_a_successful_command_are_one_line_each(monkeypatch, tmp_path):
    def noisy(*args, **kwargs):
        for _ in range(3):
            warnings.warn("divide by zero", RuntimeWarning, stacklevel=1)
        return []

    monkeypatch.setattr(registry, "list_benchmarks", noisy)
    result = run("data", "list", "--data-dir", tmp_path)
    assert result.exit_code == 0
    assert result.stderr.strip().splitlines() == ["warning: RuntimeWarning: divide by zero"]


def test_ctrl_c_in_a_command_is_one_line(monkeypatch, tmp_path):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(registry, "list_benchmarks", interrupted)
    assert one_error(run("data", "list", "--data-dir", tmp_path), 130) == "error: interrupted"


@pytest.mark.parametrize("fraction", [0.25, 0.5])  # of the start-up time: in the imports
def test_ctrl_c_during_start_up_is_one_line(fraction, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "ECNAS_DATA_DIR": str(tmp_path)}
    args = [sys.executable, "-c", "from ecnas_cli.cli import run; run()", "data", "list"]
    start = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                   check=True)
    whole = time.perf_counter() - start  # a fixed delay could land in the interpreter's exit
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        proc.wait(fraction * whole)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    if proc.returncode == 0:
        pytest.skip("the command finished before the signal")  # a very fast machine
    assert proc.returncode == 130 and err.strip() == "error: interrupted", err


# --- 9. special files -----------------------------------------------------------------------

def test_outputs_that_are_not_regular_files_are_refused(tmp_path):
    fifo = tmp_path / "cells.csv"
    os.mkfifo(fifo)
    for args in (["space", "enumerate", "4v", "--output", fifo],
                 ["data", "export", "ecnas-4v", "--output", fifo]):
        assert "not a regular file" in one_error(run(*args))
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    one_error(run("space", "enumerate", "4v", "--output", "/dev/null"))
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_link_to_a_device_is_refused(tmp_path):
    os.symlink("/dev/null", tmp_path / "x.csv")
    assert "not a regular file" in one_error(run("space", "enumerate", "4v", "--output",
                                                 tmp_path / "x.csv"))


# --- 10. import never silently replaces a stored table ---------------------------------------

def test_import_refuses_to_replace_a_table_without_overwrite(tmp_path):
    tree = raw_tree(tmp_path / "raw", sample_results(HASH))
    data = tmp_path / "data"
    base = ["data", "import", "--name", "mine", "--raw", tree, "--space", "4v",
            "--data-dir", data]
    assert run(*base).exit_code == 0
    table = data / "benchmarks" / "mine.parquet"
    before = table.read_bytes()
    line = one_error(run(*base))
    assert "already stored" in line and "--overwrite" in line
    assert table.read_bytes() == before
    assert run(*base, "--overwrite").exit_code == 0

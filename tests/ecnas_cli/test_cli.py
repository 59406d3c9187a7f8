"""The command line: the contract scripts rely on, and one-line errors with exit code 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ecnas_cli.cli import app

runner = CliRunner()
CELL = ["--matrix", "0110001001000000010000000101000001000000010000000", "--ops",
        "input,conv3x3-bn-relu,conv3x3-bn-relu,maxpool3x3,conv1x1-bn-relu,conv3x3-bn-relu,output"]


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def test_version_and_help():
    assert run("--version").stdout.startswith("ecnas ")
    assert "search" in run("--help").stdout


def test_arch_info_json_and_errors():
    out = run("arch", "info", *CELL, "--json")
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert data["module_hash"] == "02676f7991564a472c58d7203d412502"
    assert data["trainable_params"] == 8992394 and data["num_vertices"] == 7
    bad = run("arch", "info", "--matrix", "0100", "--ops", "input,conv5x5")
    assert bad.exit_code == 2 and "last-op" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_arch_info_batch_keeps_rows_and_order(tmp_path, raw_dir):
    src = tmp_path / "cells.csv"
    lines = (raw_dir / "energy_7V9E_4epochs_sample.csv").read_text().splitlines()[:6]
    lines.insert(3, '2,0100,"input,output2",0,0')
    src.write_text("\n".join(lines) + "\n")
    out = run("arch", "info", "--input", str(src), "--output", str(tmp_path / "o.csv"))
    assert out.exit_code == 0, out.stdout
    import pandas as pd
    res = pd.read_csv(tmp_path / "o.csv", dtype={"matrix": str}, keep_default_na=False)
    assert len(res) == 6 and res["error"].astype(bool).tolist() == [0, 0, 1, 0, 0, 0]
    assert "last-op" in res["error"][2]
    assert str(res["trainable_params"][0]) == "8992394"


def test_space_info_json():
    out = run("space", "info", "5v", "--json")
    assert json.loads(out.stdout)["num_cells"] == 2532


@pytest.fixture
def env(tmp_path):
    """No raw data dir: the default benchmarks are the tables embedded in the package."""
    return {"ECNAS_RAW_DIR": None, "ECNAS_DATA_DIR": str(tmp_path / "data")}


def test_search_json_and_files(env, tmp_path):
    out = run("search", "--strategy", "random", "--evals", "50", "--seeds", "2",
              "--out", str(tmp_path / "res"), "--json", env=env)
    assert out.exit_code == 0, out.stdout + out.stderr
    runs = json.loads(out.stdout)
    assert len(runs) == 2 and runs[0]["evaluations"] == 50
    assert 0 <= runs[0]["regret"] < 1
    assert (tmp_path / "res" / "ecnas-5v" / "random" / "seed-1" / "run.json").is_file()


@pytest.mark.parametrize(("args", "message"), [
    (["--strategy", "annealing"], "unknown strategy 'annealing'"),
    (["--benchmark", "nope"], "unknown benchmark 'nope'"),
    (["--objectives", "accuracy:max,energy_kwh:min"], "unknown objective 'accuracy'"),
    (["--evals", "0"], "budget must be > 0"),
    (["--energy-budget", "-1"], "budget must be > 0"),
    (["--out", "/proc/forbidden"], "cannot write to output directory"),
])
def test_search_bad_input_is_one_line_and_exit_2(env, tmp_path, args, message):
    budget_flags = {"--evals", "--energy-budget", "--time-budget"}
    args = ["--out", str(tmp_path / "runs"), *args]  # a later --out wins
    out = run("search", *args, env=env) if budget_flags & set(args) \
        else run("search", "--evals", "5", *args, env=env)
    assert out.exit_code == 2, out.stdout
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_data_commands(env, tmp_path):
    listed = json.loads(run("data", "list", "--json", env=env).stdout)
    assert {"ecnas-4v", "ecnas-5v", "ecnas-7v"} <= {r["name"] for r in listed}
    info = json.loads(run("data", "info", "ecnas-4v", "--json", env=env).stdout)
    assert info["per_fidelity"]["4"]["rows"] == 273 and info["fidelities"] == [1, 4]
    stored = {r["name"]: r for r in json.loads(run("data", "list", "--json", env=env).stdout)}
    assert stored["ecnas-4v"]["status"] == "embedded" and stored["ecnas-4v"]["cells"] == 91
    assert stored["ecnas-7v"]["status"] == "fetch needed"
    assert stored["ecnas-4v"]["fidelities"] == [1, 4]
    assert "energy_kwh" in stored["ecnas-4v"]["metrics"]
    q = run("data", "query", "ecnas-4v", "--matrix", "0100", "--ops", "input,output",
            "--json", env=env)
    assert json.loads(q.stdout)["module_hash"] == "043721b9c7fe8c5fad811d47d83132ec"
    out = tmp_path / "t.parquet"
    assert run("data", "export", "ecnas-4v", "--output", str(out), env=env).exit_code == 0
    import pandas as pd
    assert len(pd.read_parquet(out)) == 546
    missing = run("data", "query", "ecnas-4v", "--hash", "f" * 32, env=env)
    assert missing.exit_code == 2 and "no cell with hash" in missing.stderr


def test_data_import_raw_and_bad_dirs(env, raw_dir, tmp_path):
    out = run("data", "import", "--raw", str(raw_dir), "--space", "4v", "--name", "mine",
              env=env)
    assert out.exit_code == 0, out.stderr
    assert json.loads(run("data", "info", "mine", "--json", env=env).stdout)["cells"] == 91
    bad = run("data", "import", "--raw", str(tmp_path / "nowhere"), "--space", "4v",
              "--name", "x", env=env)
    assert bad.exit_code == 2 and "not found" in bad.stderr
    broken = tmp_path / "broken" / "train_model_results" / "energy" / "4V9E" / "4_epochs" / "aa"
    (broken / ("a" * 32) / "repeat_1").mkdir(parents=True)
    (broken / ("a" * 32) / "repeat_1" / "results.json").write_text("{not json")
    bad = run("data", "import", "--raw", str(tmp_path / "broken"), "--space", "4v",
              "--name", "x", env=env)
    assert bad.exit_code == 2 and "malformed results file" in bad.stderr
    assert not (tmp_path / "data" / "benchmarks" / "x.parquet").exists()


def test_data_tables_fit_80_columns_with_readable_units(env):
    info = run("data", "info", "ecnas-5v", env=env)
    listed = run("data", "list", env=env)
    for out in (info, listed):
        assert out.exit_code == 0, out.stderr
        assert max(len(line) for line in out.stdout.splitlines()) <= 80
    # 4-epoch energies of 5V cells are 5-50 Wh: shown in Wh, parameters in millions
    assert "5.08 Wh" in info.stdout and "50.2 Wh" in info.stdout and "31.4 M" in info.stdout
    assert "embedded" in listed.stdout


def _energy_tfrecord(path, tmp_path):
    """An official-format energy tfrecord of the ecnas-4v rows at 4 epochs."""
    from benchmarks.sources.tfrecord import ENERGY_COLUMNS
    from benchmarks.tables.registry import load_benchmark
    from tests.fixtures.writers import write_energy_table
    bench = load_benchmark("ecnas-4v", data_dir=tmp_path / "build")
    rows = bench.frame[bench.frame["epochs"] == 4]
    write_energy_table(path, rows[list(ENERGY_COLUMNS)])
    return rows


def test_data_import_tfrecord_and_corrupt_record(env, tmp_path):
    rows = _energy_tfrecord(tmp_path / "e.tfrecord", tmp_path)
    out = run("data", "import", "--tfrecord", str(tmp_path / "e.tfrecord"), "--name", "tf4",
              "--no-checkpoints", env=env)
    assert out.exit_code == 0, out.stderr
    h = rows["module_hash"].iat[0]
    q = json.loads(run("data", "query", "tf4", "--hash", h, "--json", env=env).stdout)
    assert q["energy_kwh"] == pytest.approx(rows[rows["module_hash"] == h]["energy_kwh"].mean())
    data = bytearray((tmp_path / "e.tfrecord").read_bytes())
    data[5000] ^= 0xFF
    (tmp_path / "bad.tfrecord").write_bytes(bytes(data))
    bad = run("data", "import", "--tfrecord", str(tmp_path / "bad.tfrecord"), "--name", "tfx",
              env=env)
    assert bad.exit_code == 2 and "byte" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_data_fetch_from_a_mirror_with_a_bad_checksum(env, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "energy_4V9E_4epochs.tfrecord").write_bytes(b"not the official file")
    out = run("data", "fetch", "ecnas-4v", "--source", str(mirror), env=env)
    assert out.exit_code == 2 and "sha256" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    unknown = run("data", "fetch", "ecnas-7v-energy-sample", env=env)
    assert unknown.exit_code == 2 and "no official file" in unknown.stderr


def test_search_strategy_settings_from_the_command_line(env, tmp_path):
    out = run("search", "--strategy", "semo", "--evals", "20", "--out", str(tmp_path / "r"),
              "--set", "edge_changes=1.5", "--set", "n_init=5", "--json", env=env)
    assert out.exit_code == 0, out.stderr
    meta = json.loads((tmp_path / "r" / "ecnas-5v" / "semo" / "seed-0" / "run.json").read_text())
    assert meta["settings"]["edge_changes"] == 1.5 and meta["settings"]["n_init"] == 5
    bad = run("search", "--strategy", "semo", "--evals", "5", "--out", str(tmp_path / "r"),
              "--set", "nope=1", env=env)
    assert bad.exit_code == 2 and "unknown setting 'nope' for semo" in bad.stderr

"""The surrogate application: CSV prediction contract, the 7V energy table, NAS-Bench-101 join."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from benchmarks.sources.tfrecord import read_nasbench101
from benchmarks.space import get_space
from benchmarks.surrogate.model import fit_surrogate, load_training_data
from benchmarks.surrogate.table_7v import build_energy_table, join_nasbench101
from benchmarks.tables.registry import load_benchmark
from ecnas_cli.cli import app
from tests.fixtures.writers import write_nasbench101

# the 7V catalog (423,624 cells) is built once per session: under pytest -n, a worker that
# needs it while another builds it waits for that build (benchmarks.space.catalog's lock)

runner = CliRunner()


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    cells = load_training_data()  # from the embedded ecnas-7v-energy-sample
    model = fit_surrogate(cells.iloc[:1500], kind="gbt", seed=0, n_models=2,
                          settings={"max_iter": 100})
    return model.save(tmp_path_factory.mktemp("m") / "small.skops"), cells.iloc[1500:1520]


def test_predict_csv_contract_with_unseen_and_invalid_cells(model_file, tmp_path):
    path, unseen = model_file
    src = unseen[["matrix", "ops"]].copy()
    bad = pd.DataFrame({"matrix": ["0100", "010"], "ops": ["input,conv9", "input,output"]})
    src = pd.concat([src.iloc[:3], bad, src.iloc[3:]], ignore_index=True)
    src.to_csv(tmp_path / "in.csv", index=False)
    out = runner.invoke(app, ["surrogate", "predict", "--model", str(path), "--input",
                              str(tmp_path / "in.csv"), "--output", str(tmp_path / "o.csv")])
    assert out.exit_code == 0, out.stderr
    res = pd.read_csv(tmp_path / "o.csv", dtype={"matrix": str}, keep_default_na=False)
    assert len(res) == len(src) and (res["matrix"] == src["matrix"]).all()
    errors = res["error"].astype(bool).to_numpy()
    assert errors.tolist() == [False] * 3 + [True, True] + [False] * 17
    pred = pd.to_numeric(res["energy_kwh_pred"][~errors])
    truth = unseen["energy_kwh"].to_numpy()
    assert np.all(pred > 0) and np.median(np.abs(pred - truth) / truth) < 0.15


def test_energy_table_scales_linearly_and_keeps_measurements(model_file):
    from benchmarks.surrogate.model import load_surrogate
    surrogate = load_surrogate(model_file[0])
    cells = get_space("7v").cells().iloc[::997]
    measured = pd.DataFrame({"module_hash": [cells["module_hash"].iat[0]],
                             "energy_kwh": [0.0123]})
    table = build_energy_table(surrogate, measured, cells=cells)
    assert len(table) == 4 * len(cells) and table["energy_kwh"].notna().all()
    e4 = table[table["epochs"] == 4].set_index("module_hash")["energy_kwh"]
    e108 = table[table["epochs"] == 108].set_index("module_hash")["energy_kwh"]
    assert np.allclose(e108, 27 * e4)
    first = table[table["module_hash"] == cells["module_hash"].iat[0]]
    assert first["energy_source"].tolist() == ["measured"] + ["linear-scaled"] * 3
    assert first["energy_kwh"].iat[0] == 0.0123
    assert set(table["energy_source"][table["module_hash"] != first["module_hash"].iat[0]]) \
        == {"surrogate"}


def test_nasbench101_join_from_a_generated_tfrecord(model_file, tmp_path):
    from benchmarks.surrogate.model import load_surrogate
    cells = get_space("7v").cells().iloc[:50]
    energy = build_energy_table(load_surrogate(model_file[0]), cells=cells)
    rng = np.random.default_rng(0)
    nb = pd.DataFrame([{"module_hash": h, "matrix": m, "ops": o, "num_vertices": v,
                        "epochs": e, "repeat": r, "train_accuracy": 1.0,
                        "validation_accuracy": rng.uniform(0.8, 0.95),
                        "test_accuracy": 0.9, "training_time_s": 1000.0,
                        "trainable_params": p}
                       for h, m, o, v, p in cells[["module_hash", "matrix", "ops",
                                                   "num_vertices", "trainable_params"]]
                       .itertuples(index=False) for e in (4, 108) for r in range(3)])
    write_nasbench101(tmp_path / "nb.tfrecord", nb)
    joined = join_nasbench101(energy, read_nasbench101(tmp_path / "nb.tfrecord"))
    assert len(joined) == 50 * 2 * 3 and set(joined["epochs"]) == {4, 108}
    row = joined.iloc[0]
    src = nb[(nb["module_hash"] == row["module_hash"]) & (nb["epochs"] == row["epochs"])
             & (nb["repeat"] == row["repeat"])]
    assert row["validation_accuracy"] == src["validation_accuracy"].iat[0]


@pytest.mark.slow
def test_build_7v_gives_every_cell_at_four_budgets(model_file, raw_dir, tmp_path):
    env = {"ECNAS_RAW_DIR": str(raw_dir), "ECNAS_DATA_DIR": str(tmp_path)}
    out = runner.invoke(app, ["surrogate", "build-7v", "--model", str(model_file[0])], env=env)
    assert out.exit_code == 0, out.stderr
    bench = load_benchmark("ecnas-7v-energy", data_dir=tmp_path)
    assert len(bench.frame) == 423_624 * 4 and bench.fidelities == (4, 12, 36, 108)
    assert bench.frame["energy_kwh"].notna().all()
    assert (bench.frame["energy_source"] == "measured").sum() == 3448


def test_missing_model_and_bad_folds_are_one_line_errors(tmp_path):
    out = runner.invoke(app, ["surrogate", "predict", "--model", str(tmp_path / "none.skops"),
                              "--input", "x.csv", "--output", "y.csv"])
    assert out.exit_code == 2 and "no surrogate model" in out.stderr
    out = runner.invoke(app, ["surrogate", "eval", "--folds", "1"])
    assert out.exit_code == 2 and "--folds must be >= 2" in out.stderr

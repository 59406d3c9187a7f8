"""Datasets, protocol, raw layout, resumability and the selection rules of benchmark creation."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from benchmarks.create.datasets import load_dataset, read_cifar10_binary  # noqa: E402
from benchmarks.create.job import CreateSpec, cell_order  # noqa: E402
from benchmarks.create.layout import pending, run_path, write_run  # noqa: E402
from benchmarks.create.meters import EnergySettings  # noqa: E402
from benchmarks.create.select import next_batch, round_sizes  # noqa: E402
from benchmarks.create.training import TrainingConfig  # noqa: E402
from benchmarks.sources.raw_tree import read_raw_tree  # noqa: E402
from benchmarks.space.cost import NetworkConfig  # noqa: E402

SMALL = NetworkConfig(stem_channels=4, num_stacks=1, cells_per_stack=1)


def small_spec(out, **kw) -> CreateSpec:
    return CreateSpec(out=out, network=SMALL, repeats=kw.pop("repeats", 1),
                      training=TrainingConfig(checkpoints=(1, 2), batch_size=128),
                      energy=EnergySettings(meter="estimate", tdp_w=50.0), **kw)


def test_digits_splits_are_seeded_standardised_and_disjoint():
    a, b = load_dataset("digits", seed=0), load_dataset("digits", seed=1)
    assert (a.input_channels, a.input_size, a.num_classes) == (1, 8, 10)
    assert len(a.x_train) + len(a.x_valid) + len(a.x_test) == 1797
    assert abs(float(a.x_train.mean())) < 1e-4 and a.x_train.dtype == np.float32
    assert not np.array_equal(a.y_train, b.y_train)
    with pytest.raises(ValueError, match="unknown dataset 'mnist'"):
        load_dataset("mnist")
    with pytest.raises(ValueError, match="needs a root"):
        load_dataset("cifar10")


def test_cifar10_binary_reader(tmp_path):
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    for k, name in enumerate(names):
        rec = np.zeros((2, 3073), dtype=np.uint8)
        rec[:, 0] = [k, 9 - k]
        rec[1, 1:] = 255
        rec.tofile(tmp_path / name)
    x, y = read_cifar10_binary(tmp_path)
    assert x.shape == (12, 3, 32, 32) and y.tolist()[:4] == [0, 9, 1, 8]
    assert x[1].min() == 255 and x[0].max() == 0
    (tmp_path / "test_batch.bin").write_bytes(b"\0" * 100)
    with pytest.raises(ValueError, match="multiple of 3073"):
        read_cifar10_binary(tmp_path)


def test_training_config_validation():
    for bad in ({"checkpoints": ()}, {"checkpoints": (4, 2)}, {"batch_size": 0},
                {"learning_rate": 0.0}):
        with pytest.raises(ValueError):
            TrainingConfig(**bad)
    assert TrainingConfig().batch_size == 256 and TrainingConfig().epsilon == 1.0


def test_one_run_writes_the_official_layout_and_reads_back(tmp_path):
    from benchmarks.create.job import run_one

    spec = small_spec(tmp_path)
    h = cell_order("4v", 0, 1)[0]
    summary = run_one(spec, h, 1)
    path = run_path(tmp_path, "4v", 2, h, 1)
    assert path == tmp_path / "4V9E" / "2_epochs" / h[:2] / h / "repeat_1" / "results.json"
    record = json.loads(path.read_text())
    assert record["meter"] == "tdp-estimate" and record["estimated"] is True
    assert [e["epochs"] for e in record["evaluation_results"]] == [0.0, 1.0, 2.0]
    assert record["total_energy (kWh)"] == pytest.approx(summary["energy_kwh"])
    assert record["total_energy (kWh)"] > 0
    rows, _ = read_raw_tree(tmp_path, "4v")
    assert rows["epochs"].tolist() == [1, 2] and (rows["energy_source"] == "measured").all()
    assert rows["energy_kwh"].is_monotonic_increasing
    assert pending(tmp_path, "4v", 2, [h], 2) == [(h, 2)]


def test_predicted_runs_read_back_with_null_accuracy(tmp_path):
    from benchmarks.create.layout import run_record

    entry = {"epochs": 2.0, "training_time": None, "train_accuracy": None,
             "validation_accuracy": None, "test_accuracy": None, "energy (kWh)": 0.01,
             "co2eq (g)": 1.0, "avg_intensity (gCO2/kWh)": 96.0}
    h = cell_order("4v", 0, 1)[0]
    write_run(run_path(tmp_path, "4v", 2, h, 1), run_record(
        trainable_params=10, entries=[entry], usages={}, meter="surrogate", estimated=True,
        pue=1.59, intensity=96.0, total_time=0.0, start="", stop="", energy_source="surrogate"))
    rows, _ = read_raw_tree(tmp_path, "4v")
    assert rows["energy_source"].tolist() == ["surrogate"]
    assert np.isnan(rows["test_accuracy"][0]) and rows["energy_kwh"][0] == 0.01


def test_cell_order_is_seeded_and_checked():
    assert cell_order("4v", 3, 5) == cell_order("4v", 3)[:5] != cell_order("4v", 4, 5)
    assert len(set(cell_order("4v", 0))) == 91
    with pytest.raises(ValueError, match=r"cells must be in 1\.\.91"):
        cell_order("4v", 0, 92)
    with pytest.raises(ValueError, match="unknown space"):
        run_path(".", "6v", 4, "ab", 1)


def test_selection_rules():
    rng = np.random.default_rng(0)
    x = np.array([[0.0], [0.1], [10.0], [5.0], [0.2]])
    measured = np.array([True, False, False, False, False])
    assert next_batch("diverse", x, measured, 2, rng=rng).tolist() == [2, 3]
    spread = np.array([0.0, 0.5, 0.1, 0.2, 0.9])
    assert next_batch("uncertainty", x, measured, 2, rng=rng, spread=spread).tolist() == [4, 1]
    picked = next_batch("random", x, measured, 4, rng=rng)
    assert sorted(picked.tolist()) == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="unknown selection rule 'greedy'"):
        next_batch("greedy", x, measured, 1, rng=rng)
    with pytest.raises(ValueError, match="batch size"):
        next_batch("random", x, measured, 5, rng=rng)
    assert round_sizes(91, 0.5) == [12, 23, 35, 46]
    assert round_sizes(3448, 0.1)[-1] == 345
    with pytest.raises(ValueError, match="measure fraction"):
        round_sizes(91, 1.5)


def test_guided_rounds_on_a_known_energy(raw_dir):
    from benchmarks.create.select import guided_rounds
    from benchmarks.surrogate.model import load_training_data

    cells = load_training_data(raw_dir).iloc[:300].reset_index(drop=True)
    y = cells["energy_kwh"].to_numpy()
    seen: list[int] = []

    def measure(idx):
        seen.extend(idx.tolist())
        return y[idx]

    rounds = guided_rounds(cells, "uncertainty", [20, 40], measure,
                           rng=np.random.default_rng(0), n_models=2)
    assert [int(r.measured.sum()) for r in rounds] == [20, 40] and len(set(seen)) == 40
    err = [np.abs(r.mean - y)[~r.measured].mean() / y.mean() for r in rounds]
    assert err[-1] < 0.2  # within 20 % of the mean energy after 40 cells

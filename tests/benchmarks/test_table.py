"""The embedded benchmark tables against the real EC-NAS measurements: values, counts, fronts."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from benchmarks.space import Arch, InvalidArchError
from benchmarks.tables.benchmark import Benchmark, MissingCellError, summarise, table_digest
from benchmarks.tables.objectives import parse_objectives
from benchmarks.tables.registry import load_benchmark
from tests.fixtures.synthetic import synthetic_benchmark

OBJ = parse_objectives("validation_accuracy:max,energy_kwh:min")


@pytest.fixture(scope="module")
def bench5(tmp_path_factory):
    return load_benchmark("ecnas-5v", data_dir=tmp_path_factory.mktemp("d5"))


@pytest.fixture(scope="module")
def bench4(tmp_path_factory):
    return load_benchmark("ecnas-4v", data_dir=tmp_path_factory.mktemp("d4"))


def test_counts_and_budgets(bench4, bench5):
    f4 = bench4.frame[bench4.frame["epochs"] == 4]
    assert f4["module_hash"].nunique() == 91 and len(f4) == 91 * 3
    assert bench4.fidelities == (1, 4) and bench5.fidelities == (2, 4)
    assert bench5.frame["module_hash"].nunique() == 2532
    assert len(bench5.frame) == 2532 * 2
    assert (bench5.frame["energy_source"] == "measured").all()


def _runs(raw_dir, space):
    root = raw_dir / "train_model_results" / "energy" / space / "4_epochs"
    return sorted(root.glob("*/*/repeat_*/results.json"))


def test_every_metric_of_100_random_cells_equals_results_json(raw_dir, bench5):
    files = _runs(raw_dir, "5V9E")
    rng = np.random.default_rng(0)
    for path in [files[i] for i in rng.choice(len(files), 100, replace=False)]:
        run = json.loads(path.read_text())
        h = path.parent.parent.name
        for entry in run["evaluation_results"][1:]:
            got = bench5.query(h, epochs=int(entry["epochs"]), repeat=0)
            assert got["validation_accuracy"] == entry["validation_accuracy"]
            assert got["test_accuracy"] == entry["test_accuracy"]
            assert got["train_accuracy"] == entry["train_accuracy"]
            assert got["energy_kwh"] == entry["energy (kWh)"]
            assert got["co2eq_g"] == entry["co2eq (g)"]
            assert got["training_time_s"] == entry["training_time"]
            assert got["trainable_params"] == run["trainable_params"]
        gpu = run["avg_power_usages:"]["gpu"]["avg_power_usages (W)"]
        assert got["gpu_power_w"] == pytest.approx(np.mean(gpu, axis=0).sum())


def test_4v_mean_is_the_mean_over_repeats(raw_dir, bench4):
    by_hash: dict[str, list[float]] = {}
    for path in _runs(raw_dir, "4V9E"):
        run = json.loads(path.read_text())
        by_hash.setdefault(path.parent.parent.name, []).append(
            run["evaluation_results"][-1]["energy (kWh)"])
    for h, values in by_hash.items():
        assert len(values) == 3
        assert bench4.query(h)["energy_kwh"] == pytest.approx(np.mean(values), rel=1e-12)


def test_sampled_repeats_come_from_the_measurements(bench4):
    h = bench4.frame["module_hash"].iloc[0]
    measured = {bench4.query(h, repeat=r)["energy_kwh"] for r in range(3)}
    rng = np.random.default_rng(1)
    seen = {bench4.query(h, repeat="sample", rng=rng)["energy_kwh"] for _ in range(60)}
    assert seen == measured


def test_true_front_is_exact_against_brute_force(bench5):
    front = bench5.true_front(OBJ, epochs=4)
    hashes, values = bench5.cell_values(OBJ, epochs=4)
    acc, energy = values[:, 0], values[:, 1]
    brute = {hashes[i] for i in range(len(hashes))
             if not np.any(((acc >= acc[i]) & (energy <= energy[i]))
                           & ((acc > acc[i]) | (energy < energy[i])))}
    assert set(front["module_hash"]) == brute
    assert front["validation_accuracy"].is_monotonic_increasing


def test_query_many_matches_query(bench5):
    hashes = bench5.frame["module_hash"].unique()[:50]
    many = bench5.query_many(hashes, epochs=2)
    for i, h in enumerate(hashes):
        assert many["energy_kwh"][i] == bench5.query(h, epochs=2)["energy_kwh"]


def test_query_errors_are_distinct(bench5):
    with pytest.raises(InvalidArchError, match="too-many-vertices"):
        chain = np.eye(6, k=1, dtype=int)  # 6 vertices in a line: too many for 5v
        bench5.query(Arch(chain.tolist(), ["input", *["maxpool3x3"] * 4, "output"]))
    with pytest.raises(MissingCellError, match="no cell with hash"):
        bench5.query("f" * 32)
    with pytest.raises(ValueError, match="fidelities: 2, 4"):
        bench5.query(bench5.frame["module_hash"].iloc[0], epochs=108)


def test_table_metadata_matches_its_content_and_inputs(bench5, raw_dir):
    meta = bench5.meta
    assert meta["table_sha256"] == table_digest(bench5.frame)  # survives the Parquet round trip
    assert (meta["rows"], meta["cells"]) == (len(bench5.frame), 2532)
    assert meta["fidelities"] == [2, 4] and "validation_accuracy" in meta["metrics"]
    digest = hashlib.sha256()  # read_raw_tree's digest: run folder names and bytes, in order
    for path in sorted(_runs(raw_dir, "5V9E")):
        digest.update(path.parent.name.encode() + path.parent.parent.name.encode()
                      + path.read_bytes())
    assert meta["inputs"] == {"results.json tree": digest.hexdigest()}
    d = bench5.describe()
    assert d["default_objectives"] == ["validation_accuracy:max", "energy_kwh:min"]


def test_energy_sample_is_energy_only(raw_dir, tmp_path):
    bench = load_benchmark("ecnas-7v-energy-sample", data_dir=tmp_path)
    assert bench.frame["module_hash"].nunique() + (bench.frame["repeat"] > 0).sum() == 3448
    assert "validation_accuracy" not in bench.metrics
    assert bench.default_objectives[0].metric == "energy_kwh"
    raw = pd.read_csv(raw_dir / "energy_7V9E_4epochs_sample.csv", dtype={"matrix": str})
    assert (bench.frame["trainable_params"].sort_values().to_numpy()
            == raw["trainable_params"].sort_values().to_numpy()).all()


def test_summarise_by_hand():
    base = synthetic_benchmark(repeats=2)
    cells = sorted(set(base.frame["module_hash"]))[:2]
    frame = base.frame[base.frame["module_hash"].isin(cells)].reset_index(drop=True)
    frame = frame.sort_values(["epochs", "repeat", "module_hash"], ignore_index=True)
    # epochs 1: no energy measured; epochs 4: four rows with energies 4, 1, 2, 8 Wh
    frame["energy_kwh"] = [np.nan] * 4 + [0.004, 0.001, 0.002, 0.008]
    summary = summarise(Benchmark(frame, base.meta))
    assert summary["name"] == "synthetic-4v" and summary["rows"] == 8
    one, four = summary["per_fidelity"]["1"], summary["per_fidelity"]["4"]
    assert (one["cells"], one["rows"], four["cells"], four["rows"]) == (2, 4, 2, 4)
    assert "energy_kwh" not in one["metrics"]
    assert four["metrics"]["energy_kwh"] == {"min": 0.001, "median": 0.003, "max": 0.008,
                                             "unit": "kWh"}
    flops = sorted(frame.loc[frame["epochs"] == 1, "flops"].unique())
    assert one["metrics"]["flops"] == {"min": flops[0], "median": (flops[0] + flops[1]) / 2,
                                       "max": flops[1], "unit": "MAC"}
    assert all(type(v) is float for s in four["metrics"].values() for k, v in s.items()
               if k != "unit")

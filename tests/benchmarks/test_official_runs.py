"""The authors' run files: reading them, and recovering the 4V table they searched."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from benchmarks.sources.official_runs import (
    BUDGET_FACTORS,
    find_runs,
    identify,
    read_run,
)
from benchmarks.tables.registry import load_benchmark


def _cells(**energy: float) -> pd.DataFrame:
    return pd.DataFrame({"module_hash": list(energy), "trainable_params": 1000,
                         "energy_kwh": list(energy.values())})


def _rows(*pairs: tuple[float, float]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["energy", "params"])


def test_a_row_is_the_one_cell_and_budget_with_its_params_and_scaled_energy():
    cells = _cells(a=0.01, b=0.02)
    out = identify(_rows((0.01, 3.0), (0.27, 3.0), (0.06, 3.0), (0.01, 3.0)), cells)
    assert out["module_hash"].tolist() == ["a", "a", "b", "a"]
    assert out["epochs"].tolist() == [4, 108, 12, 4]


def test_an_ambiguous_or_unknown_row_is_an_error_not_a_guess():
    # a at 12 epochs (0.01 * 3) and b at 4 epochs (0.03) share params and energy
    with pytest.raises(ValueError, match=r"matches 2 cells \(a@12, b@4\)"):
        identify(_rows((0.03, 3.0)), _cells(a=0.01, b=0.03))
    with pytest.raises(ValueError, match="matches no cell"):
        identify(_rows((0.05, 3.0)), _cells(a=0.01))
    with pytest.raises(ValueError, match="matches no cell"):  # right energy, wrong params
        identify(_rows((0.01, 4.0)), _cells(a=0.01))


def test_read_run_rejects_a_file_without_the_run_columns(tmp_path):
    path = tmp_path / "4v_rs_0.csv.gz"
    path.write_bytes(gzip.compress(b"trial_index,energy\n0,1.0\n"))
    with pytest.raises(ValueError, match="lacks column"):
        read_run(path)
    path.write_bytes(b"not gzip")
    with pytest.raises(ValueError, match="not a readable gzip CSV"):
        read_run(path)


def test_every_4v_run_row_maps_to_exactly_one_cell_and_budget(raw_dir):
    runs = find_runs(raw_dir, "4v")
    assert len(runs) == 40 and {r.strategy for r in runs} == {"rs", "semoa", "shemoa", "msehvi"}
    bench = load_benchmark("ecnas-4v")
    base = bench.frame[(bench.frame["epochs"] == 4) & (bench.frame["repeat"] == 0)]
    paper = load_benchmark("ecnas-4v-paper").frame.set_index(["module_hash", "epochs"])
    for run in runs:
        trials = read_run(run.path)
        invalid = trials[~trials["valid"]]
        assert (invalid[["val_acc", "energy", "params"]] == 0).all().all()
        rows = identify(trials[trials["valid"]], base, source=run.path.name)  # raises if not 1
        assert len(rows) == trials["valid"].sum()
        table = paper.loc[list(zip(rows["module_hash"], rows["epochs"], strict=True))]
        np.testing.assert_array_equal(table["energy_kwh"], rows["energy"])
        np.testing.assert_allclose(table["validation_accuracy"], -rows["val_acc"] / 100)


def test_the_paper_table_holds_every_4v_cell_at_every_budget():
    bench = load_benchmark("ecnas-4v-paper")
    assert bench.fidelities == tuple(BUDGET_FACTORS)
    frame = bench.frame
    assert len(frame) == 364 and frame.groupby("epochs")["module_hash"].nunique().eq(91).all()
    wide = frame.pivot(index="module_hash", columns="epochs", values="energy_kwh")
    for epochs, factor in BUDGET_FACTORS.items():
        np.testing.assert_allclose(wide[epochs], wide[4] * factor, rtol=1e-12)
    best = frame[frame["epochs"] == 108]["validation_accuracy"].max()
    assert 0.94 < best < 0.95  # NAS-Bench-101's best 4V cell at 108 epochs, not a 4-epoch one

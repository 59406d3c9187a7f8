"""Tests for ecnas_cli.analysis.paper: hand-made tables with hand-computed numbers."""

from __future__ import annotations

import doctest
import math
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from benchmarks.tables.benchmark import Benchmark
from ecnas_cli.analysis.paper import (
    correlations,
    hardware,
    noise,
    op_swap,
    paper_numbers,
    scaling,
)
from ecnas_cli.analysis.paper.paper_numbers import PAPER_NUMBERS, by_key
from ecnas_cli.analysis.paper.report import FigureRecord, Ours
from ecnas_cli.analysis.paper.space_view import ACC_ENERGY
from ecnas_cli.workflows.reproduce_text import paper_vs_ecnas, readme
from tests.fixtures.synthetic import synthetic_benchmark

C3, C1, MP = op_swap.OPS


def _cells() -> pd.DataFrame:
    # a/b/c share a matrix and differ at vertex 1 only; d differs from a at vertex 2 only;
    # e has another matrix (no partner).
    rows = [("a", "m1", f"input,{C3},{C3},output", 10.0, 0.8),
            ("b", "m1", f"input,{C1},{C3},output", 8.0, 0.7),
            ("c", "m1", f"input,{MP},{C3},output", 5.0, 0.6),
            ("d", "m1", f"input,{C3},{MP},output", 6.0, 0.9),
            ("e", "m2", f"input,{C3},{C3},output", 1.0, 0.1)]
    return pd.DataFrame(rows, columns=["module_hash", "matrix", "ops", "energy_kwh",
                                       "validation_accuracy"])


def test_swap_pairs_finds_exactly_the_one_op_neighbours() -> None:
    pairs = op_swap.swap_pairs(_cells())
    got = {(r.a, r.b) for r in pairs.itertuples(index=False)}
    # a-b, a-c, b-c at vertex 1 and a-d at vertex 2, both directions; e has no partner
    assert got == {(0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1), (0, 3), (3, 0)}
    row = pairs[(pairs["a"] == 0) & (pairs["b"] == 3)].iloc[0]
    assert (row.old_op, row.new_op, row.position) == (C3, MP, 2)


def test_impact_means_by_hand() -> None:
    out = op_swap.impact(_cells(), ["energy_kwh", "validation_accuracy"], n_boot=200)
    e = out[out["metric"] == "energy_kwh"].set_index(["old_op", "new_op"])
    # conv3x3 -> maxpool: a->c (5/10 - 1 = -50%) and a->d (6/10 - 1 = -40%): mean -45%
    assert e.loc[(C3, MP), "mean"] == pytest.approx(-45.0)
    assert e.loc[(C3, MP), "pairs"] == 2
    assert e.loc[(C3, MP), "ci_low"] <= -45.0 <= e.loc[(C3, MP), "ci_high"]
    assert e.loc[(C1, C3), "mean"] == pytest.approx(25.0)  # b->a: 10/8 - 1
    acc = out[out["metric"] == "validation_accuracy"].set_index(["old_op", "new_op"])
    assert acc.loc[(C3, C1), "mean"] == pytest.approx(-0.1)  # absolute, a->b
    assert acc.loc[(C3, C1), "kind"] == "absolute"


def test_the_symmetric_change_is_antisymmetric_and_the_mean_change_is_not() -> None:
    out = op_swap.impact(_cells(), ["energy_kwh"], n_boot=50).set_index(["old_op", "new_op"])
    assert out.loc[(C3, C1), "symmetric"] == pytest.approx(-out.loc[(C1, C3), "symmetric"])
    assert out.loc[(C3, C1), "mean"] != pytest.approx(-out.loc[(C1, C3), "mean"])
    assert out.loc[(C3, C1), "symmetric"] == pytest.approx(200 * (8 - 10) / 18)  # a->b


def test_impact_is_reproducible_for_a_seed() -> None:
    a = op_swap.impact(_cells(), ["energy_kwh"], seed=3, n_boot=100)
    b = op_swap.impact(_cells(), ["energy_kwh"], seed=3, n_boot=100)
    pd.testing.assert_frame_equal(a, b)


def test_misranked_pairs_and_rank_correlations() -> None:
    assert correlations.misranked_pairs(np.array([1.0, 2, 3]), np.array([1.0, 2, 3])) == 0.0
    # only pairs apart by > 50% on both count: (1, 3) and (2, 3) -> both concordant
    assert correlations.misranked_pairs(np.array([1.0, 1.2, 3]), np.array([1.0, 0.9, 3]),
                                        margin=0.5) == 0.0
    cells = pd.DataFrame({"energy_kwh": [1.0, 2, 3, 4], "training_time_s": [1.0, 2, 3, 4],
                          "trainable_params": [4.0, 3, 2, 1]})
    t = correlations.rank_correlations(cells, "x").set_index("proxy")
    assert t.loc["training_time_s", "kendall_tau"] == pytest.approx(1.0)
    assert t.loc["trainable_params", "kendall_tau"] == pytest.approx(-1.0)
    assert t.loc["trainable_params", "misranked_share"] == pytest.approx(1.0)


def _two_checkpoints(e2: float) -> Benchmark:
    rows = [{"module_hash": "a", "epochs": 2, "repeat": 0, "energy_kwh": 1.0},
            {"module_hash": "a", "epochs": 4, "repeat": 0, "energy_kwh": e2}]
    return Benchmark(pd.DataFrame(rows), {"name": "two", "space": "4v"})


def test_scaling_by_hand() -> None:
    # E(2) = 1, E(4) = 1.8: b = 0.4 per epoch, a = 0.2 fixed; fixed share 0.2 / 1.8.
    t = scaling.checkpoint_ratios(_two_checkpoints(1.8))
    assert t["ratio"].iat[0] == pytest.approx(1.8)
    assert t["fixed_share_pct"].iat[0] == pytest.approx(100 * 0.2 / 1.8)
    # linear: 1.8 * 27 = 48.6; affine: 0.2 + 0.4 * 108 = 43.4
    assert t["scaling_error_pct"].iat[0] == pytest.approx(100 * (48.6 - 43.4) / 43.4)
    s = scaling.scaling_summary(t, "x")
    assert s["fixed_share_of_median_ratio_pct"] == pytest.approx(100 * 0.2 / 1.8)
    proportional = scaling.checkpoint_ratios(_two_checkpoints(2.0))
    assert proportional["scaling_error_pct"].iat[0] == pytest.approx(0.0)


def test_scaling_needs_two_fidelities() -> None:
    with pytest.raises(ValueError, match="two checkpoints"):
        scaling.checkpoint_ratios(synthetic_benchmark(fidelities=(4,)))


def test_repeat_cv_and_noise_floor() -> None:
    rows = [{"module_hash": h, "epochs": 4, "repeat": r, "energy_kwh": e,
             "validation_accuracy": acc, "training_time_s": 1.0}
            for h, vals in {"a": [(1.0, 0.5), (3.0, 0.5)], "b": [(2.0, 0.9), (2.0, 0.7)]}.items()
            for r, (e, acc) in enumerate(vals)]
    bench = Benchmark(pd.DataFrame(rows), {"name": "n", "space": "4v"})
    cv = noise.repeat_cv(bench).set_index("module_hash")
    assert cv.loc["a", "cv_energy_kwh"] == pytest.approx(100 * math.sqrt(2) / 2)
    assert cv.loc["b", "cv_energy_kwh"] == 0.0
    floor = noise.noise_floor(bench, ACC_ENERGY, draws=20, seed=1)
    assert floor.shape == (20,) and np.isfinite(floor).all()
    assert np.array_equal(floor, noise.noise_floor(bench, ACC_ENERGY, draws=20, seed=1))


def test_noise_floor_is_zero_without_noise() -> None:
    bench = synthetic_benchmark(repeats=1)
    assert np.allclose(noise.noise_floor(bench, ACC_ENERGY, draws=3), 0.0)


def test_hardware_on_generated_tables(tmp_path) -> None:
    a = synthetic_benchmark()
    frame = a.frame.copy()
    frame["energy_kwh"] *= 2.0
    b = Benchmark(frame, {"name": "other", "space": "4v"})
    energy = hardware.gpu_energy({"gpu_a": a, "gpu_b": b})
    agree = hardware.gpu_agreement(energy)
    assert agree["kendall_tau"].iat[0] == pytest.approx(1.0)
    assert agree["median_energy_ratio_b_over_a"].iat[0] == pytest.approx(2.0)
    knee = hardware.front_knee(a)
    assert 0 <= knee["energy_saving_pct"] <= 100 and knee["accuracy_drop_points"] >= 0
    assert hardware.present_tables(["ecnas-7v", "ecnas-4v-rtx3060"], tmp_path) == []


def test_paper_numbers_and_report() -> None:
    assert len(by_key()) == len(PAPER_NUMBERS)
    assert by_key()[f"swap:{C3}:{C1}:energy_kwh"].value == -17.68
    assert {p.kind for p in PAPER_NUMBERS} == {"stated", "derived"}
    key = f"swap:{C3}:{C1}:energy_kwh"
    text = paper_vs_ecnas({key: [Ours(-11.1, "5V measured", -11.5, -10.8)],
                           "scaling:ratio_4_2:5v": [Ours(1.885, "5V measured")]},
                          {"knee:7v:energy_saving": "table absent"})
    row = next(line for line in text.splitlines() if "conv3x3-bn-relu -> conv1x1-bn-relu: "
               "energy" in line)
    assert "-17.68" in row and "-11.10 [-11.50, -10.80]" in row and "figure label" in row
    assert "+6.58" not in text  # no ours - paper column
    stated, derived, only = (text.index(h) for h in (
        "## Numbers the paper states", "## Numbers derived", "## Ours only"))
    assert stated < text.index("Kendall-Tau R^2") < derived < text.index("square root") < only
    assert text.index("scaling:ratio_4_2:5v") > only  # our measurement, not the paper's
    assert "table absent" in text
    md = readme([FigureRecord(2, "b", "second", "shows b", ["b.png"]),
                 FigureRecord(1, "a", "first", "", absent="no table")], command="ecnas x")
    assert md.index("Figure 1: first") < md.index("Figure 2: second")
    assert "Not drawn here: no table" in md and "![second](b.png)" in md


@pytest.mark.parametrize("module", [correlations, noise, paper_numbers])
def test_doctests(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0

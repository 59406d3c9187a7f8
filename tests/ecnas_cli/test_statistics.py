"""Tests for compare's statistics, whole-front metrics and anytime ECDF, by hand."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.tables.problem import Problem
from ecnas_cli.analysis import coverage, ecdf, significance
from ecnas_cli.analysis.fronts import cell_means
from ecnas_cli.plots.panels import (
    ecdf_info,
    panel_groups,
    panels_size,
    render_ecdf,
    render_panels,
)
from ecnas_cli.plots.style import paper_figure, save_figure
from ecnas_cli.run.store import RunResult
from tests.ecnas_cli.test_analysis import HV_TRUE, _table, tiny_problem, tiny_run
from tests.fixtures.synthetic import synthetic_benchmark


# ----- significance and effect sizes --------------------------------------------------------------
def test_mann_whitney_with_ties_by_hand() -> None:
    # a = 1 2 2, b = 2 3 4: mid-ranks 1 3 3 | 3 5 6, U_a = 7 - 6 = 1, mean 4.5;
    # tie-corrected variance 9 / 12 * (7 - (27 - 3) / 30) = 4.65;
    # z = (1 - 4.5 + 0.5) / sqrt(4.65) = -1.391217, two-sided p = erfc(1.391217 / sqrt 2) = 0.164160
    u, p = significance.mann_whitney(np.array([1.0, 2, 2]), np.array([2.0, 3, 4]))
    assert u == 1.0 and p == pytest.approx(0.164160, abs=1e-6)


def test_a12_by_hand() -> None:
    # a beats b in 1<2,3,4 and 2<3,4 twice (7 pairs), ties 2=2 twice (half each): 8 / 9
    assert significance.a12(np.array([1.0, 2, 2]), np.array([2.0, 3, 4])) == pytest.approx(8 / 9)
    assert significance.a12(np.array([5.0]), np.array([5.0])) == 0.5
    rows = significance.a12(np.array([[1.0, 2], [3, 4]]), np.array([[2.0, 3], [1, 2]]))
    np.testing.assert_allclose(rows, [0.875, 0.0])  # rows are separate samples


def test_a12_is_the_share_of_pairs_on_random_samples() -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        a, b = rng.integers(0, 4, rng.integers(1, 8)), rng.integers(0, 4, rng.integers(1, 8))
        pairs = [(x < y) + 0.5 * (x == y) for x, y in itertools.product(a, b)]
        assert significance.a12(a.astype(float), b.astype(float)) == pytest.approx(
            np.mean(pairs))


def test_bootstrap_intervals() -> None:
    a, b = np.array([0.1, 0.2, 0.3]), np.array([0.4, 0.5, 0.6, 0.7])
    e = significance.bootstrap_effects(a, b, np.random.default_rng(0), resamples=500)
    # every resample of a lies below every resample of b: A12 is 1 throughout
    assert (e["a12"], e["a12_low"], e["a12_high"]) == (1.0, 1.0, 1.0)
    assert e["median_diff"] == pytest.approx(-0.35)
    # the extreme resamples: median of a in [0.1, 0.3], of b in [0.4, 0.7]
    assert -0.6 - 1e-12 <= e["median_diff_low"] <= e["median_diff"] <= e["median_diff_high"]
    assert e["median_diff_high"] <= -0.1 + 1e-12
    again = significance.bootstrap_effects(a, b, np.random.default_rng(0), resamples=500)
    assert again == e  # seeded: the same intervals


def test_holm_on_a_known_family() -> None:
    # sorted p 0.01 0.02 0.03 0.04 times 4 3 2 1 = 0.04 0.06 0.06 0.04 -> running max
    np.testing.assert_allclose(significance.holm([0.04, 0.01, 0.03, 0.02]),
                               [0.06, 0.04, 0.06, 0.06])


def test_pairwise_covers_every_pair_and_holm_over_all() -> None:
    t = _table({s: [([1], [r + k / 10]) for r in (0.1, 0.2, 0.3)]
                for k, s in enumerate(["random", "x", "random-genome", "y"])})
    p = significance.pairwise_tests(t)
    assert len(p) == 6 and p["against_reference"].sum() == 5  # only x-y is among the others
    assert set(p.loc[p["against_reference"], "b"]) == {"random", "random-genome"}
    np.testing.assert_allclose(p["p_holm"], significance.holm(p["p"]))
    assert significance.missing_references(["x", "random"], significance.REFERENCES) == [
        "random-genome"]


# ----- whole-front metrics ------------------------------------------------------------------------
def test_cell_worth_is_the_regret_of_missing_it() -> None:
    worth = coverage.cell_worth(tiny_problem())
    # a owns [0, 0.5] x [1, 1.1] (0.05); c owns [1, 1.1] x [0, 1/3]; b the rest of its box
    assert worth["a"] == pytest.approx(0.05 / HV_TRUE)
    assert worth["c"] == pytest.approx(0.1 / 3 / HV_TRUE)
    assert worth["b"] == pytest.approx(0.5 * (2 / 3) * 1 / HV_TRUE)


def test_run_coverage_by_hand() -> None:
    p = tiny_problem()
    got = coverage.run_coverage(cell_means(tiny_run(["d", "b", "c"]), p), p)
    assert got["true_cells_found"] == 2 and got["true_cells"] == 3
    # best accuracy 0.6 (b); within 1 point only b: 2.0 kWh
    assert got["best_accuracy"] == pytest.approx(0.6) and got["least_cost_near_best"] == 2.0


def test_found_cells_on_the_synthetic_table() -> None:
    problem = Problem.from_benchmark(synthetic_benchmark())
    true = problem.true_front["module_hash"].tolist()
    frame = problem.benchmark.frame
    other = frame.loc[~frame["module_hash"].isin(true), "module_hash"].unique().tolist()[:5]

    def run(hashes: list[str], strategy: str) -> RunResult:
        trials = pd.DataFrame({"index": range(len(hashes)), "module_hash": hashes,
                               "epochs": problem.epochs})
        return RunResult(trials, {"strategy": strategy})

    runs = [run(true[:2] + other, "s"), run(true[1:3], "s"), run(other, "t")]
    table = coverage.front_coverage(runs, problem)
    s = table[table["strategy"] == "s"].set_index("module_hash")["found_share"]
    assert s[true[0]] == 0.5 and s[true[1]] == 1.0 and s[true[2]] == 0.5
    assert s.drop(true[:3]).eq(0).all() and len(s) == len(true)
    assert table.loc[table["strategy"] == "t", "found_share"].eq(0).all()
    assert coverage.run_coverage(cell_means(runs[0], problem), problem)[
        "true_cells_found"] == 2


# ----- anytime ECDF -------------------------------------------------------------------------------
def test_ecdf_against_a_brute_force_count() -> None:
    rng = np.random.default_rng(3)
    runs = {s: [(list(np.cumsum(rng.uniform(0.1, 1, n))),  # cumulative energy
                 list(np.minimum.accumulate(rng.uniform(0, 1, n))))
                for n in rng.integers(3, 12, 4)] for s in ("A", "B")}
    t = _table(runs)
    targets = (0.5, 0.2, 0.05, 0.01)
    for x, column in ecdf.ECDF_AXES.items():
        curve = ecdf.ecdf(t, targets, x=x)
        for s, g in curve.groupby("strategy"):
            blocks = [b for _, b in t[t["strategy"] == s].groupby("run")]
            for xv, share in zip(g[column], g["share"], strict=True):
                reached = sum(bool(((b[column] <= xv) & (b["regret"] <= target)).any())
                              for b in blocks for target in targets)
                assert share == pytest.approx(reached / (len(blocks) * len(targets)))


def test_ecdf_by_hand() -> None:
    t = _table({"A": [([1, 1, 1], [0.5, 0.04, 0.005]), ([1, 1, 1], [0.5, 0.2, 0.03])]})
    curve = ecdf.ecdf(t, (0.1, 0.01))  # run 0 hits at 2 and 3, run 1 at 3 and never
    assert curve["evaluation"].tolist() == [0, 2, 3] and curve["share"].tolist() == [0, .25, .75]
    with pytest.raises(ValueError, match="x must be one of"):
        ecdf.ecdf(t, x="time")
    assert len(ecdf.TARGETS) == 11 and ecdf.TARGETS[-1] == pytest.approx(1e-3)


# ----- figure data --------------------------------------------------------------------------------
def test_ecdf_figure_data_and_panels(tmp_path: Path) -> None:
    t = _table({"A": [([1, 2, 3], [0.5, 0.04, 0.005])], "random": [([2, 4], [0.5, 0.2])]})
    info = ecdf_info(ecdf.ecdf(t, (0.1, 0.01), x="energy"), 2)
    assert info.xlabel == "search energy (kWh)" and list(info.series) == ["A", "random"]
    np.testing.assert_allclose(info.series["A"][0], [0, 2, 3])  # hits at 2 kWh and 3 kWh
    np.testing.assert_allclose(info.series["A"][1], [0, 0.5, 1])
    np.testing.assert_allclose(info.series["random"][1], [0, 0])  # never below 0.1
    refs = ("random", "random-genome")
    assert panel_groups(["A", "random", "B"], refs) == [["A", "random"], ["B", "random"]]
    assert panel_groups(["random"], refs) == [["random"]]
    assert panels_size(5) == (2.2 * 4 + 0.4, 1.9 * 2 + 0.3)
    with paper_figure(panels_size(2)) as fig:
        axes = render_panels(fig, panel_groups(["A", "random", "B"], refs),
                             lambda ax, names: render_ecdf(ax, info, names, refs))
        assert [ax.get_title() for ax in axes] == ["A", "B"]
        assert [line.get_label() for line in axes[0].get_lines()] == ["A", "random"]
        assert [line.get_label() for line in axes[1].get_lines()] == ["random"]  # B has none
        assert axes[0].get_lines()[1].get_color() == axes[1].get_lines()[0].get_color() == "0.15"
        assert axes[0].get_lines()[0].get_color() == "C0"  # the strategy keeps its colour
        path = save_figure(fig, tmp_path / "ecdf.png")
    assert path.read_bytes().startswith(b"\x89PNG")

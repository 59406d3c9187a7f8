"""Tests for the analysis package: fronts, trade-offs, comparisons on tiny fronts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.objectives import parse_objectives
from benchmarks.tables.problem import Problem
from ecnas_cli.analysis import comparison, significance
from ecnas_cli.analysis.fronts import pareto_report, run_front
from ecnas_cli.analysis.tradeoff import chosen_cells, knee, tradeoff_axes, tradeoff_table
from ecnas_cli.run.store import RunResult, load_runs

OBJS = parse_objectives("validation_accuracy:max,energy_kwh:min")

# A tiny benchmark, computable by hand. Cell a has two repeats (accuracy 0.9 and 0.7, mean 0.8).
# Normalised minimisation form (accuracy in [0.4, 0.8], energy in [1, 4]):
#   a (0, 1), b (0.5, 1/3), c (1, 0), d (0.75, 2/3); the true front is a, b, c and its
#   hypervolume with reference 1.1 is 0.5 * 0.1 + 0.5 * (1.1 - 1/3) + 0.1 * 1.1 = 0.54333...
CELLS = {"a": [(0.9, 4.0), (0.7, 4.0)], "b": [(0.6, 2.0)], "c": [(0.4, 1.0)], "d": [(0.5, 3.0)]}
HV_TRUE = 0.05 + 0.5 * (1.1 - 1 / 3) + 0.11


def tiny_bench() -> Benchmark:
    rows = [{"module_hash": h, "epochs": 4, "repeat": r, "validation_accuracy": acc,
             "test_accuracy": acc - 0.01, "energy_kwh": e, "trainable_params": 1000.0 * e,
             "training_time_s": 10.0 * e}
            for h, reps in CELLS.items() for r, (acc, e) in enumerate(reps)]
    return Benchmark(pd.DataFrame(rows), {"name": "tiny", "space": "4v"})


def tiny_problem() -> Problem:
    return Problem.from_benchmark(tiny_bench())


def tiny_run(hashes: list[str], *, strategy: str = "random", acc: list[float] | None = None,
             objectives: tuple[str, ...] = ("validation_accuracy:max", "energy_kwh:min"),
             path: Path | None = None) -> RunResult:
    """A trial log of ``hashes``; ``acc`` are the sampled accuracies (default: first repeat)."""
    acc = acc or [CELLS[h][0][0] for h in hashes]
    energy = [CELLS[h][0][1] for h in hashes]
    trials = pd.DataFrame({"index": range(len(hashes)), "module_hash": hashes, "epochs": 4,
                           "validation_accuracy": acc, "energy_kwh": energy,
                           "cumulative_energy_kwh": np.cumsum(energy)})
    meta = {"benchmark": "tiny", "strategy": strategy, "objectives": list(objectives),
            "epochs": 4, "seed": 0, "spawn_key": [0]}
    return RunResult(trials, meta, path)


# ----- run_front ----------------------------------------------------------------------------------
def test_run_front_uses_mean_values_and_hand_hypervolume() -> None:
    rf = run_front(tiny_run(["d", "b", "a"], acc=[0.5, 0.6, 0.9]), tiny_problem())
    assert rf.cells["module_hash"].tolist() == ["a", "b"]  # best first in accuracy
    assert rf.cells["validation_accuracy"].tolist() == pytest.approx([0.8, 0.6])  # mean, not 0.9
    assert rf.cells["test_accuracy"].tolist() == pytest.approx([0.79, 0.59])
    assert rf.cells["evaluation"].tolist() == [3, 2]
    hv = 0.5 * 0.1 + 0.6 * (1.1 - 1 / 3)
    assert rf.hypervolume == pytest.approx(hv)
    assert rf.true_hypervolume == pytest.approx(HV_TRUE)
    assert rf.regret == pytest.approx((HV_TRUE - hv) / HV_TRUE)
    assert (rf.evaluations, rf.unique_cells) == (3, 3)
    assert rf.search_energy_kwh == pytest.approx(9.0)


def test_run_front_of_the_true_front_has_zero_regret() -> None:
    rf = run_front(tiny_run(["c", "a", "b", "a"]), tiny_problem())
    assert rf.regret == pytest.approx(0.0, abs=1e-12)
    assert sorted(rf.cells["module_hash"]) == ["a", "b", "c"]
    assert rf.unique_cells == 3


# ----- trade-offs and knee ------------------------------------------------------------------------
FRONT = pd.DataFrame({"module_hash": ["w", "x", "y", "z"],
                      "validation_accuracy": [0.90, 0.895, 0.88, 0.85],
                      "energy_kwh": [10.0, 6.0, 3.0, 1.0]})


def test_tradeoff_table_by_hand() -> None:
    t = tradeoff_table(FRONT, OBJS)
    # within 0.25 pts: only w; 0.5: x (0.895 is exactly 0.5 below); 1: x; 2 and 3: y; 5: z.
    assert t["within_points"].tolist() == [0.25, 0.5, 1.0, 2.0, 3.0, 5.0]
    assert t["module_hash"].tolist() == ["w", "x", "x", "y", "y", "z"]
    assert t["saving_pct"].tolist() == pytest.approx([0, 40, 40, 70, 70, 90])
    assert t["drop_points"].tolist() == pytest.approx([0, 0.5, 0.5, 2, 2, 5])


def test_tradeoff_reference_is_cheapest_of_tied_best() -> None:
    front = pd.concat([FRONT, pd.DataFrame({"module_hash": ["v"], "validation_accuracy": [0.9],
                                            "energy_kwh": [8.0]})], ignore_index=True)
    t = tradeoff_table(front, OBJS, tolerances=[0.1, 1.0])
    assert t["module_hash"].tolist() == ["v", "x"]
    assert t["saving_pct"].tolist() == pytest.approx([0, 25])


def test_tradeoff_needs_accuracy_and_cost() -> None:
    objs = parse_objectives("energy_kwh:min,trainable_params:min")
    assert tradeoff_axes(objs) is None
    assert tradeoff_axes(parse_objectives("validation_accuracy,trainable_params,energy_kwh")) \
        == ("validation_accuracy", "energy_kwh")
    with pytest.raises(ValueError, match="accuracy"):
        tradeoff_table(FRONT, objs)


def test_knee_and_chosen_cells() -> None:
    front = pd.DataFrame({"module_hash": ["p", "q", "r", "s"],
                          "validation_accuracy": [0.9, 0.88, 0.8, 0.5],
                          "energy_kwh": [10.0, 3.0, 2.0, 1.0]})
    # Normalised to the front's extremes: p (0, 1), q (0.05, 2/9), r (0.25, 1/9), s (1, 0);
    # distance to x + y = 1 is largest for q (1 - 0.05 - 0.222 = 0.728 > 0.639).
    assert knee(front, OBJS)["module_hash"] == "q"
    chosen = chosen_cells(front, OBJS)
    assert chosen["role"].tolist() == ["best validation accuracy", "best training energy",
                                       "knee"]
    assert chosen["module_hash"].tolist() == ["p", "s", "q"]


# ----- curves and statistics ----------------------------------------------------------------------
def test_curves_by_hand_and_consistent_with_run_front() -> None:
    problem = tiny_problem()
    run = tiny_run(["d", "b", "a"], acc=[0.5, 0.6, 0.9])
    c = comparison.curves([run], problem, x="energy")
    hv = [0.35 * (1.1 - 2 / 3), 0.6 * (1.1 - 1 / 3), 0.05 + 0.6 * (1.1 - 1 / 3)]
    assert c["regret"].to_numpy() == pytest.approx([(HV_TRUE - h) / HV_TRUE for h in hv])
    assert c["x"].tolist() == [3.0, 5.0, 9.0]
    assert c["regret"].iat[-1] == pytest.approx(run_front(run, problem).regret)
    with pytest.raises(ValueError, match="x must be"):
        comparison.curves([run], problem, x="time")


def test_final_igd_plus_by_hand() -> None:
    # The front of d and b is b alone, (0.5, 1/3) normalised; IGD+ distances to the true
    # front a (0, 1), b, c (1, 0) are 0.5, 0 and 1/3.
    problem = tiny_problem()
    assert comparison.final_igd_plus(tiny_run(["d", "b"]), problem) == pytest.approx(5 / 18)
    assert comparison.final_igd_plus(tiny_run(["c", "b", "a"]), problem) == pytest.approx(0.0)


def _table(runs: dict[str, list[tuple[list[float], list[float]]]]) -> pd.DataFrame:
    """A curve table from {strategy: [(energy per eval, regret per eval), ...]}."""
    parts = []
    for s, rs in runs.items():
        for i, (energy, regret) in enumerate(rs):
            parts.append(pd.DataFrame({"strategy": s, "run": f"{s}{i}",
                                       "evaluation": np.arange(1, len(regret) + 1),
                                       "energy_kwh": energy, "regret": regret}))
    return pd.concat(parts, ignore_index=True)


def test_curve_bands_by_hand() -> None:
    t = _table({"A": [([1, 2], [0.5, 0.2]), ([1.5, 3], [0.4, 0.1])]})
    t["x"] = t["energy_kwh"]
    b = comparison.curve_bands(t, points=7)  # grid 0, 0.5, ..., 3
    # run 0: 1, 1, .5, .5, .2, -, -   run 1: 1, 1, 1, .4, .4, .4, .1
    assert b["x"].tolist() == pytest.approx([0, 0.5, 1, 1.5, 2, 2.5, 3])
    assert b["median"].tolist() == pytest.approx([1, 1, 0.75, 0.45, 0.3, 0.4, 0.1])
    assert b["runs"].tolist() == [2, 2, 2, 2, 2, 1, 1]
    t["x"] = t["evaluation"]
    assert comparison.curve_bands(t)["x"].tolist() == [1, 2]


def test_holm_known_values() -> None:
    assert significance.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert significance.holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])
    out = significance.holm([0.02, np.nan, 0.01])
    np.testing.assert_allclose(out, [0.02, np.nan, 0.02])


def test_compare_stats_by_hand() -> None:
    t = _table({"A": [([1, 2, 3], [0.5, 0.04, 0.005]), ([1, 2, 3], [0.5, 0.2, 0.03])],
                "B": [([2, 4, 6], [0.9, 0.8, 0.7])]})
    a, b = comparison.compare_stats(t).to_dict("records")
    assert a["strategy"] == "A" and a["final_regret_median"] == pytest.approx(0.0175)
    assert a["evals_to_95"] == 2.5 and a["kwh_to_95"] == 2.5 and a["reached_95"] == 1.0
    assert np.isnan(a["evals_to_99"]) and a["reached_99"] == 0.5  # one run of two: not reached
    assert np.isnan(b["kwh_to_95"]) and b["reached_95"] == 0.0
    assert b["search_energy_kwh"] == 6.0


def test_pairwise_tests() -> None:
    t = _table({"A": [([1], [r]) for r in (0.1, 0.2, 0.3)],
                "B": [([1], [r]) for r in (0.4, 0.5, 0.6)]})
    p = significance.pairwise_tests(t)
    assert p[["a", "b"]].values.tolist() == [["A", "B"]] and not p["against_reference"].iat[0]
    # asymptotic even without ties: U = 0, z = (0 - 4.5 + 0.5) / sqrt(3 * 3 * 7 / 12)
    assert p["u"].iat[0] == 0 and p["p"].iat[0] == pytest.approx(0.080856, abs=1e-6)
    assert p["p_holm"].iat[0] == p["p"].iat[0] and p["a12"].iat[0] == 1.0
    assert p["median_diff"].iat[0] == pytest.approx(-0.3)
    assert len(significance.pairwise_tests(t[t["strategy"] == "A"])) == 0
    # a reference is always b, whatever the order of the table
    p = significance.pairwise_tests(t, references=["A"])
    assert p[["a", "b"]].values.tolist() == [["B", "A"]] and p["against_reference"].iat[0]
    assert p["a12"].iat[0] == 0.0 and p["median_diff"].iat[0] == pytest.approx(0.3)


def test_attainment_in_raw_units() -> None:
    runs = [tiny_run(["a", "b", "c"]), tiny_run(["b", "d"]), tiny_run(["b", "c"])]
    surf = comparison.attainment(runs, tiny_problem())["random"]
    # Everyone attains b; two runs of three (>= 50%) attain c as well; a only one run.
    np.testing.assert_allclose(surf[75], [[0.6, 2.0]])
    np.testing.assert_allclose(surf[50], [[0.6, 2.0], [0.4, 1.0]])
    np.testing.assert_allclose(surf[25], [[0.8, 4.0], [0.6, 2.0], [0.4, 1.0]])


# ----- loading ------------------------------------------------------------------------------------
def _save(run: RunResult, root: Path, name: str) -> Path:
    run.save(root / name)
    return root / name


def test_load_runs_rejects_bad_input(tmp_path: Path) -> None:
    a = _save(tiny_run(["a"]), tmp_path, "a")
    b = _save(tiny_run(["a"], objectives=("validation_accuracy:max", "trainable_params:min")),
              tmp_path, "b")
    assert len(load_runs([a, a])) == 1
    with pytest.raises(ValueError, match="different objectives"):
        load_runs([a, b])
    with pytest.raises(FileNotFoundError):
        load_runs([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no runs"):
        load_runs([tmp_path / "empty"])
    empty = tiny_run([])
    empty.trials = empty.trials.iloc[:0]
    with pytest.raises(ValueError, match="no trials"):
        load_runs([_save(empty, tmp_path, "empty-run")])
    meta = json.loads((a / "run.json").read_text())
    del meta["epochs"]
    (a / "run.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"malformed run\.json"):
        load_runs([a])
    (a / "run.json").write_text("{not json")
    with pytest.raises(ValueError, match="malformed"):
        load_runs([a])


def test_pareto_report_json_has_no_nan(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bench = tiny_bench()
    monkeypatch.setattr("ecnas_cli.run.store.load_benchmark", lambda *a, **k: bench)
    report = pareto_report(_save(tiny_run(["d", "b", "a"]), tmp_path, "r"))
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["summary"]["front_size"] == 2
    # a two-point front has no inner point: the knee is the extreme with the smallest first
    # objective in minimisation form, the most accurate cell (a; b is 20 points below)
    assert data["knee"]["module_hash"] == "a"
    assert [r["module_hash"] for r in data["tradeoff"]] == ["a"] * 6  # b is 20 points below

"""The evaluation protocol: distinct trainings, the cache, the guard, terminations, plugins."""

from __future__ import annotations

import doctest
from functools import cache
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import benchmarks.tables.problem as problem_module
import strategies.base
from benchmarks.space import get_space
from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.objectives import from_min
from benchmarks.tables.problem import Problem
from ecnas_cli.run.protocol import Protocol
from ecnas_cli.run.runner import run, run_search
from ecnas_cli.run.termination import (
    AnyOf,
    MaxEnergy,
    MaxEvaluations,
    MaxTrainingTime,
    MaxWallClock,
    termination,
)
from strategies import Candidate, Strategy, get_strategy
from tests.fixtures.names import CONVERGES, strategy_params
from tests.fixtures.synthetic import synthetic_benchmark


@cache
def synthetic(space: str) -> Benchmark:
    """One repeat per cell of ``space`` at 4 epochs, metrics from the cell's size."""
    cells = get_space(space).cells()
    size = np.log(cells["flops"].to_numpy(dtype=float))
    frame = cells[["module_hash", "matrix", "ops", "num_vertices", "trainable_params",
                   "flops"]].assign(epochs=4, repeat=0)
    frame["validation_accuracy"] = 0.5 + 0.02 * size
    frame["test_accuracy"] = frame["train_accuracy"] = frame["validation_accuracy"]
    frame["training_time_s"] = frame["flops"] / 1e7
    frame["energy_kwh"] = frame["training_time_s"] * 2.5e-4
    frame["energy_source"] = "measured"
    return Benchmark(frame, {"name": f"synthetic-{space}", "space": space})


class Stuck(Strategy):
    """Asks the same cell forever (a converged or broken search)."""

    name = "stuck"

    def _ask(self) -> list[Candidate]:
        return [Candidate(self.space.arch(0), self.epochs)]

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        pass


@pytest.mark.parametrize("space", ["4v", "5v"])
@pytest.mark.parametrize("name", strategy_params())
def test_budget_is_spent_on_distinct_trainings_only(name, space):
    bench = synthetic(space)
    budget = 40 if space == "4v" else 80
    for seed in range(2):
        r = run_search(Problem.from_benchmark(bench), name, budget=budget, seed=seed,
                       max_cached=5000)
        paid = r.trials[~r.trials["cached"]]
        if name in CONVERGES and "in a row" in r.meta["stop_reason"]:
            assert 0 < len(paid) < budget
        else:
            assert len(paid) == budget, r.meta["stop_reason"]
        assert not paid.duplicated(["module_hash", "epochs"]).any()
        cached = r.trials[r.trials["cached"]]
        first = paid.drop_duplicates(["module_hash", "epochs"]).set_index(
            ["module_hash", "epochs"])["validation_accuracy"]
        again = cached.set_index(["module_hash", "epochs"])["validation_accuracy"]
        assert np.array_equal(first.loc[again.index].to_numpy(), again.to_numpy())
        assert (cached["cumulative_energy_kwh"].to_numpy() <= paid["cumulative_energy_kwh"].max()
                ).all()


def test_a_strategy_asking_one_cell_forever_is_stopped():
    r = run_search(Problem.from_benchmark(synthetic_benchmark()), Stuck, budget=50, max_cached=7)
    assert len(r.trials) == 8 and r.trials["cached"].sum() == 7
    assert "stuck asked 7 cells in a row" in r.meta["stop_reason"]
    assert r.meta["protocol"]["max_cached"] == 7


def test_retrain_rule_charges_repeats_and_samples_them():
    r = run_search(Problem.from_benchmark(synthetic_benchmark(repeats=3)), Stuck, budget=30,
                   repeats="retrain")
    assert len(r.trials) == 30 and not r.trials["cached"].any()
    assert r.trials["validation_accuracy"].nunique() == 3  # all three repeats drawn
    assert r.meta["protocol"]["repeats"] == "retrain"
    with pytest.raises(ValueError, match="repeats must be one of cache, retrain"):
        run_search(Problem.from_benchmark(synthetic_benchmark()), "random", repeats="reuse")


def test_a_table_with_gaps_between_repeats_samples_the_repeats_that_exist():
    bench = synthetic_benchmark(repeats=3)
    frame = bench.frame[bench.frame["repeat"] != 1]  # repeats 0 and 2 only
    gappy = Benchmark(frame.reset_index(drop=True), bench.meta)
    r = run_search(Problem.from_benchmark(gappy), Stuck, budget=40, repeats="retrain")
    values = r.trials["validation_accuracy"].to_numpy()
    assert np.isfinite(values).all() and len(np.unique(values)) == 2


@pytest.mark.parametrize(("stop", "key"), [
    (MaxEvaluations(20), "evaluations"), (MaxEnergy(0.5), "energy_kwh"),
    (MaxTrainingTime(2000.0), "training_time_s")])
def test_each_termination(stop, key):
    problem = Problem.from_benchmark(synthetic_benchmark())
    r = run(problem, "random", stop)
    spent = {"evaluations": r.meta["evaluations"], "energy_kwh": r.meta["search_energy_kwh"],
             "training_time_s": r.meta["search_time_s"]}[key]
    assert 0 < spent <= stop.amount and r.meta["budget"] == {key: stop.amount}


def test_wall_clock_and_a_combination_stop_at_the_first_reached():
    problem = Problem.from_benchmark(synthetic_benchmark())
    fast = run(problem, "random", MaxEvaluations(10) | MaxEnergy(1e6))
    assert fast.meta["evaluations"] == 10
    cheap = run(problem, "random", MaxEvaluations(10_000) | MaxEnergy(0.2))
    assert cheap.meta["search_energy_kwh"] <= 0.2 and cheap.meta["evaluations"] < 91
    clock = run(problem, Stuck, MaxWallClock(1e-9), protocol=Protocol("retrain"))
    assert len(clock.trials) == 0 and "wall_s" in clock.meta["stop_reason"]
    assert isinstance(termination(evaluations=5, energy_kwh=1.0), AnyOf)


@pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan"), 1e400, 10**20, "5", True])
def test_bad_budgets_are_refused(bad):
    with pytest.raises(ValueError, match="budget"):
        MaxEvaluations(bad)
    if not isinstance(bad, str | bool):
        with pytest.raises(ValueError, match="energy_kwh budget must be > 0, finite"):
            MaxEnergy(bad)


def test_a_cost_budget_on_a_table_without_that_cost_is_refused():
    bench = synthetic_benchmark()
    no_time = Benchmark(bench.frame.drop(columns="training_time_s"), bench.meta)
    with pytest.raises(ValueError, match="no complete 'training_time_s' column"):
        run_search(Problem.from_benchmark(no_time), "random", budget={"training_time_s": 100.0})
    frame = bench.frame.copy()
    frame.loc[5, "energy_kwh"] = np.nan
    with pytest.raises(ValueError, match="no complete 'energy_kwh' column"):
        run_search(Problem.from_benchmark(Benchmark(frame, bench.meta)), "random",
                   budget=MaxEnergy(1.0))
    r = run_search(Problem.from_benchmark(Benchmark(frame, bench.meta)), "random",
                   budget=91)  # no energy budget
    assert np.isfinite(r.trials["cumulative_energy_kwh"]).all()


def test_plugins_by_module_path_and_entry_point(monkeypatch):
    assert get_strategy("tests.ecnas_cli.test_protocol:Stuck") is Stuck
    with pytest.raises(ValueError, match="cannot load strategy"):
        get_strategy("tests.ecnas_cli.test_protocol:Nope")
    with pytest.raises(ValueError, match=r"not a strategies\.base\.Strategy"):
        get_strategy("tests.ecnas_cli.test_protocol:synthetic")
    ep = SimpleNamespace(name="stuck-plugin", load=lambda: Stuck)
    monkeypatch.setattr(strategies.base, "entry_points",
                        lambda group: [ep] if group == "ecnas.strategies" else [])
    assert get_strategy("stuck-plugin") is Stuck
    r = run_search(Problem.from_benchmark(synthetic_benchmark()), "stuck-plugin", budget=1)
    assert r.meta["strategy"] == "stuck-plugin" and len(r.trials) == 1


def test_problem_measures_like_the_reports():
    result = doctest.testmod(problem_module)  # the regret examples run as shown
    assert result.failed == 0 and result.attempted >= 7
    problem = Problem.from_benchmark(synthetic_benchmark())
    front = problem.true_front_values
    assert problem.regret(front) == pytest.approx(0.0)
    assert problem.regret(np.empty((0, 2))) == 1.0
    assert 0 < problem.regret(front[:1]) < 1
    assert problem.to_dict()["cells"] == 91 and problem.n_pairs == 182
    assert pd.Series(problem.bounds[0]).notna().all()
    ideal, nadir = (from_min(b[None, :], problem.objectives) for b in problem.bounds)
    np.testing.assert_allclose(problem.normalise(np.vstack([ideal, nadir])), [[0, 0], [1, 1]])


@pytest.mark.parametrize("objectives", [None, "validation_accuracy:max,energy_kwh:min,"
                                              "trainable_params:min"])
def test_regret_curve_equals_regret_recomputed_after_each_trial(objectives):
    """The incremental curve is Problem.regret of every prefix; NaN rows (lower fidelity,
    missing cells) and repeats add nothing."""
    problem = Problem.from_benchmark(synthetic_benchmark(), objectives=objectives)
    rng = np.random.default_rng(3)
    _, table = problem.benchmark.cell_values(problem.objectives, epochs=problem.epochs)
    values = table[rng.integers(len(table), size=120)]
    values[rng.random(120) < 0.2] = np.nan
    curve = problem.regret_curve(values)
    expected = [problem.regret(values[:k][np.isfinite(values[:k]).all(axis=1)])
                for k in range(1, len(values) + 1)]
    np.testing.assert_allclose(curve, expected, rtol=1e-12, atol=1e-15)
    assert (np.diff(curve) <= 0).all() and problem.regret_curve(values[:0]).shape == (0,)

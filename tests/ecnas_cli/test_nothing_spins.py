"""A run ends when its space is exhausted; a budget that buys nothing is refused (issue 20)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import load_benchmark
from ecnas_cli.cli import app
from ecnas_cli.run.loop import SPACE_EXHAUSTED
from ecnas_cli.run.runner import run_search
from ecnas_cli.run.seeds import run_grid
from ecnas_cli.run.termination import MaxEnergy, MaxTrainingTime, cheapest_training
from tests.fixtures.synthetic import synthetic_benchmark


@pytest.fixture(scope="module", params=["synthetic", "ecnas-4v"])
def problem(request) -> Problem:
    bench = synthetic_benchmark() if request.param == "synthetic" \
        else load_benchmark("ecnas-4v")
    return Problem.from_benchmark(bench)


@pytest.mark.parametrize("strategy", ["random", "mobohb"])
def test_a_run_past_the_space_stops_space_exhausted(problem, strategy, tmp_path):
    r = run_search(problem, strategy, budget=10 * problem.n_pairs, out=tmp_path)
    pairs = problem.n_pairs if strategy == "mobohb" else problem.n_cells
    assert r.meta["stop_reason"].startswith(SPACE_EXHAUSTED), r.meta["stop_reason"]
    assert f"all {pairs} " in r.meta["stop_reason"]
    assert r.meta["evaluations"] == pairs
    stored = json.loads((r.path / "run.json").read_text())
    assert stored["stop_reason"] == r.meta["stop_reason"] and stored["status"] == "complete"


def test_cheapest_training_is_the_least_cost_at_the_fidelities(problem):
    rows = problem.benchmark.frame
    rows = rows[rows["epochs"].isin(problem.fidelities)]
    cost, epochs = cheapest_training(problem, "energy_kwh")
    assert cost == rows["energy_kwh"].min() and epochs == min(problem.fidelities)


@pytest.mark.parametrize("term", [MaxEnergy, MaxTrainingTime])
def test_a_budget_below_the_cheapest_training_is_refused_before_any_run(problem, term,
                                                                       tmp_path):
    cheapest, _ = cheapest_training(problem, term.cost)
    with pytest.raises(ValueError, match=f"cheapest costs {cheapest:g} {term.cost}"):
        run_grid(problem, ["random", "nsga2"], seeds=2, budget=term(cheapest * 0.99),
                 out=tmp_path)
    assert not any(tmp_path.iterdir())  # nothing half-written
    # the cheapest training itself is a budget that buys one training
    r = run_search(problem, "random", budget=term(cheapest))
    assert r.meta["evaluations"] <= 1


@pytest.mark.parametrize(("flag", "value", "cost"), [("--time-budget", "1e-9", "training_time_s"),
                                                     ("--energy-budget", "1e-12", "energy_kwh")])
def test_search_refuses_an_empty_budget_with_exit_2(flag, value, cost, tmp_path):
    out = tmp_path / "runs"
    res = CliRunner().invoke(app, ["search", "--benchmark", "ecnas-4v", flag, value,
                                   "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "cannot buy one training" in res.output and "cheapest costs" in res.output
    assert cost in res.output and not list(out.rglob("run.json"))


def test_search_shows_the_space_exhausted_stop(tmp_path):
    res = CliRunner().invoke(app, ["search", "--benchmark", "ecnas-4v", "--strategy", "random",
                                   "--evals", "500", "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    [run] = json.loads(res.stdout)
    assert run["stop_reason"].startswith(SPACE_EXHAUSTED) and run["evaluations"] == 91
    shown = CliRunner().invoke(app, ["search", "--benchmark", "ecnas-4v", "--strategy",
                                     "random", "--evals", "500", "--out", str(tmp_path),
                                     "--resume"])
    assert "stopped: space exhausted" in " ".join(shown.output.split())

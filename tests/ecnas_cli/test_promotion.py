"""The multi-fidelity cost rule: ``promotion="continue"`` charges the checkpoint difference."""

from __future__ import annotations

import json
from functools import cache
from typing import ClassVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import checkpoint_fidelities, load_benchmark
from ecnas_cli.cli import app
from ecnas_cli.run.runner import run_search
from strategies import Candidate, Strategy
from tests.fixtures.synthetic import synthetic_benchmark

FIDELITIES = (1, 2, 4)


@cache  # read-only in every test; hypothesis would otherwise rebuild it for each example
def checkpoint_table(repeats: int = 3) -> Benchmark:
    """The synthetic table, marked as one training run per repeat with checkpoints."""
    bench = synthetic_benchmark(repeats=repeats, fidelities=FIDELITIES)
    return Benchmark(bench.frame, {**bench.meta, "checkpoint_fidelities": True})


class Scripted(Strategy):
    """Asks the (cell number, epochs) pairs of :attr:`script`, in order, then repeats."""

    name = "scripted"
    multi_fidelity = True
    script: ClassVar[list[tuple[int, int]]] = []

    def __init__(self, space, **kwargs) -> None:
        super().__init__(space, **kwargs)
        self._k = 0

    def _ask(self) -> list[Candidate]:
        cell, epochs = self.script[self._k % len(self.script)]
        self._k += 1
        return [Candidate(self.space.arch(cell), epochs)]

    def _tell(self, candidates, F) -> None:
        pass


def _charges(trials) -> np.ndarray:
    return np.diff(trials["cumulative_energy_kwh"].to_numpy(), prepend=0.0)


def _expected(trials, frame) -> tuple[np.ndarray, np.ndarray]:
    """What ``continue`` charges each row, and the epochs it continues, by an independent
    replay: each cell's highest training so far and its repeat (found in the table)."""
    runs: dict[str, tuple[int, int]] = {}  # cell -> (epochs, repeat) of its highest training
    # the table's rows by key, first row first (a replay that filters the frame per trial row
    # took seconds per hypothesis example)
    repeat_of: dict[tuple, int] = {}
    energy_of: dict[tuple, float] = {}
    for r in frame[["module_hash", "epochs", "repeat", "validation_accuracy",
                    "energy_kwh"]].itertuples(index=False):
        repeat_of.setdefault((r.module_hash, r.epochs, r.validation_accuracy), int(r.repeat))
        energy_of.setdefault((r.module_hash, r.epochs, int(r.repeat)), r.energy_kwh)
    charges, continued = [], []
    for row in trials.itertuples():
        repeat = repeat_of[(row.module_hash, row.epochs, row.validation_accuracy)]
        if row.cached:
            charges.append(0.0)
            continued.append(0)
            continue
        prior = runs.get(row.module_hash)
        if prior is not None and prior[0] < row.epochs:
            assert repeat == prior[1], "a continuation is the same training run (repeat)"
            charges.append(row.energy_kwh - energy_of[(row.module_hash, prior[0], repeat)])
            continued.append(prior[0])
        else:
            charges.append(row.energy_kwh)
            continued.append(0)
        if prior is None or prior[0] < row.epochs:
            runs[row.module_hash] = (row.epochs, repeat)
    return np.array(charges), np.array(continued)


SCRIPTS = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(FIDELITIES)),
                   min_size=1, max_size=25)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=SCRIPTS, seed=st.integers(0, 3), repeats=st.sampled_from(["cache", "retrain"]))
def test_continue_charges_exactly_the_checkpoint_difference(script, seed, repeats) -> None:
    Scripted.script = script
    bench = checkpoint_table()
    r = run_search(Problem.from_benchmark(bench), Scripted, budget=len(script), seed=seed,
                   repeats=repeats, max_cached=1000)
    charges, continued = _expected(r.trials, bench.frame)
    assert np.allclose(_charges(r.trials), charges, rtol=0, atol=1e-12)
    assert r.trials["continued_from"].tolist() == continued.tolist()
    assert r.meta["protocol"]["promotion"] == "continue"


@settings(max_examples=15, deadline=None)
@given(script=SCRIPTS, seed=st.integers(0, 3))
def test_restart_charges_every_training_in_full(script, seed) -> None:
    Scripted.script = script
    r = run_search(Problem.from_benchmark(checkpoint_table()), Scripted, budget=len(script),
                   seed=seed, promotion="restart")
    paid = np.where(r.trials["cached"], 0.0, r.trials["energy_kwh"])
    assert np.allclose(_charges(r.trials), paid, rtol=0, atol=1e-12)
    assert (r.trials["continued_from"] == 0).all()
    assert r.meta["protocol"]["promotion"] == "restart"


def test_a_promotion_is_cheaper_under_continue() -> None:
    Scripted.script = [(3, 1), (3, 4)]
    problem = Problem.from_benchmark(checkpoint_table())
    cont = run_search(problem, Scripted, budget=2)
    restart = run_search(problem, Scripted, budget=2, promotion="restart")
    total = cont.trials["cumulative_energy_kwh"].iloc[-1]
    assert total == pytest.approx(cont.trials["energy_kwh"].iloc[-1])  # the 4-epoch checkpoint
    assert cont.trials["continued_from"].tolist() == [0, 1]
    # restart samples the 4-epoch repeat afresh and pays both trainings in full
    assert restart.trials["cumulative_energy_kwh"].iloc[-1] == pytest.approx(
        restart.trials["energy_kwh"].sum())
    assert total < restart.trials["cumulative_energy_kwh"].iloc[-1]


def test_a_table_of_separate_runs_refuses_continue() -> None:
    problem = Problem.from_benchmark(synthetic_benchmark())  # no checkpoint_fidelities
    with pytest.raises(ValueError, match="synthetic-4v's are separate runs: use restart"):
        run_search(problem, "random", budget=2, promotion="continue")
    assert run_search(problem, "random", budget=2).meta["protocol"]["promotion"] == "restart"
    with pytest.raises(ValueError, match="promotion must be one of continue, restart"):
        run_search(problem, "random", budget=2, promotion="resume")


def test_which_tables_have_checkpoint_fidelities() -> None:
    assert checkpoint_fidelities(load_benchmark("ecnas-4v"))
    assert checkpoint_fidelities(load_benchmark("ecnas-5v"))
    frame = synthetic_benchmark().frame
    assert not checkpoint_fidelities(Benchmark(frame, {"name": "ecnas-5v-linscale",
                                                       "space": "4v"}))


def test_search_records_the_rule_and_refuses_an_unknown_one(tmp_path) -> None:
    env = {"ECNAS_RAW_DIR": None, "ECNAS_DATA_DIR": str(tmp_path / "data")}
    out = tmp_path / "runs"
    bad = CliRunner().invoke(app, ["search", "--evals", "5", "--promotion", "resume",
                                   "--out", str(out)], env=env)
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "--promotion must be one of continue, restart" in bad.stderr
    assert not out.exists()
    for rule in ("restart", None):
        args = ["search", "--strategy", "mobohb", "--benchmark", "ecnas-4v", "--evals", "30",
                "--out", str(out / str(rule)), *(["--promotion", rule] if rule else [])]
        ran = CliRunner().invoke(app, args, env=env)
        assert ran.exit_code == 0, ran.stderr
        meta = json.loads((out / str(rule) / "ecnas-4v" / "mobohb" / "seed-0" / "run.json")
                          .read_text())
        assert meta["protocol"]["promotion"] == (rule or "continue")

"""The live runner with fake trainers (no torch, no Ray): asynchronous telling in the order
results arrive, batches for the other strategies, the replay of a live search on its table,
and which strategies are asynchronous."""

from __future__ import annotations

import heapq
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks.create.job import CreateSpec
from benchmarks.create.layout import run_record, write_run
from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import load_benchmark
from ecnas_cli.live.loop import LiveLoop
from ecnas_cli.live.problem import LiveProblem
from ecnas_cli.live.search import estimate_s, live_search
from ecnas_cli.run.runner import run_search
from ecnas_cli.run.termination import Spent, termination
from strategies import STRATEGIES, get_strategy
from strategies.base import Candidate


def fake_record(module_hash: str, epochs: int) -> dict[str, Any]:
    """A raw-layout record whose numbers are fixed by the cell's hash (no training)."""
    u = [int(module_hash[i:i + 4], 16) / 65536 for i in (0, 4, 8)]
    entry = {"epochs": float(epochs), "training_time": 1.0 + u[2], "training_steps": 1,
             "train_accuracy": u[0], "validation_accuracy": u[0], "test_accuracy": u[1],
             "energy (kWh)": 1e-6 * (1 + u[1]), "co2eq (g)": 1e-4,
             "avg_intensity (gCO2/kWh)": 96.0}
    return run_record(trainable_params=100 + int(u[2] * 1000),
                      entries=[{**entry, "epochs": 0.0}, entry], usages={}, meter="fake",
                      estimated=True, pue=1.0, intensity=96.0, total_time=1.0, start="",
                      stop="")


def fake_trainer(spec: CreateSpec, module_hash: str) -> dict[str, Any]:
    """:func:`~ecnas_cli.live.trainer.train_or_reuse` with a made-up record."""
    path = spec.path(module_hash, 1)
    reused = path.is_file()
    if not reused:
        write_run(path, fake_record(module_hash, spec.max_epochs))
    return {"module_hash": module_hash, "reused": reused,
            "record": json.loads(path.read_text()), "worker": "fake", "start": 0.0,
            "end": 0.0}


class SlowPool:
    """N workers on a simulated clock: a training of cell ``h`` takes ``1 + h's first hex
    digit`` time units, so results arrive out of submission order."""

    def __init__(self, fn, workers: int) -> None:
        self.fn, self.workers, self.now = fn, workers, 0.0
        self._heap: list[tuple[float, int, tuple]] = []
        self.submitted: list[str] = []
        self.most_in_flight = 0

    @property
    def free(self) -> int:
        return self.workers - len(self._heap)

    @property
    def in_flight(self) -> int:
        return len(self._heap)

    def submit(self, spec, h):
        task = len(self.submitted)
        self.submitted.append(h)
        heapq.heappush(self._heap, (self.now + 1 + int(h[0], 16), task, (spec, h)))
        self.most_in_flight = max(self.most_in_flight, len(self._heap))
        return task

    def wait(self):
        self.now, task, args = heapq.heappop(self._heap)
        return task, self.fn(*args)


def problem(tmp_path: Path) -> LiveProblem:
    spec = CreateSpec(out=tmp_path / "tree", space="4v", repeats=1)
    return LiveProblem.make(spec, "live-fake")


class Recording:
    """Wraps a strategy's tell to record the groups it is told in."""

    def __init__(self, strat):
        self.groups: list[list[Candidate]] = []
        tell = strat.tell

        def spy(cands, F, failed=None):
            self.groups.append(list(cands))
            return tell(cands, F, failed)

        strat.tell = spy


def loop_of(tmp_path, name, workers, evals, rng_seed=0):
    p = problem(tmp_path)
    strat = get_strategy(name)(p.space, rng=np.random.default_rng(rng_seed),
                               fidelities=p.fidelities, n_objectives=2)
    pool = SlowPool(fake_trainer, workers)
    return LiveLoop(p, strat, name, termination(evals), pool), pool, Recording(strat)


def test_asynchronous_strategy_keeps_n_in_flight_and_is_told_as_results_arrive(tmp_path):
    loop, pool, told = loop_of(tmp_path, "random", workers=3, evals=12)
    loop.run()
    frame = loop.frame()
    assert loop.spent.evaluations == 12 and len(frame) == 12
    assert pool.most_in_flight == loop.most_in_flight == 3
    assert all(len(g) == 1 for g in told.groups)  # each alone, as it arrived
    assert frame["asked"].tolist() != sorted(frame["asked"])  # arrival order != ask order
    # the proposals are those of the same strategy and seed asked one at a time
    ref = get_strategy("random")(loop.problem.space, rng=np.random.default_rng(0),
                                 fidelities=(4,), n_objectives=2)
    asked = frame.sort_values("asked")["module_hash"].tolist()
    expected = []
    for _ in range(12):
        [c] = ref.ask()
        expected.append(loop.problem.space.hash(c.arch))
        ref.tell([c], np.zeros((1, 2)))
    assert asked == expected == pool.submitted


def test_batch_strategy_is_told_its_whole_batch_in_ask_order(tmp_path):
    loop, pool, told = loop_of(tmp_path, "semoa", workers=4, evals=10)
    loop.run()
    asked = [c for g in told.groups for c in g]
    assert len(told.groups) < len(asked)  # batches, not single answers
    assert pool.most_in_flight > 1  # a batch trains in parallel
    # told in ask order, whatever order the trainings ended in; the last batch's tail,
    # past the budget, is told failed
    hashes = [loop.problem.space.hash(c.arch) for c in asked]
    answered = loop.frame().sort_values("asked")["module_hash"].tolist()
    assert hashes[:len(answered)] == answered and len(hashes) > len(answered)
    assert loop.frame()["cached"].sum() + loop.spent.evaluations == len(loop.frame())


def test_sequential_strategy_trains_one_at_a_time(tmp_path):
    loop, pool, _ = loop_of(tmp_path, "local", workers=3, evals=5)
    loop.run()
    assert pool.most_in_flight == 1 and loop.spent.evaluations == 5


def test_only_result_independent_strategies_are_asynchronous(tmp_path):
    asynchronous = sorted(n for n, cls in STRATEGIES.items() if cls.asynchronous)
    assert asynchronous == ["random", "random-genome"]
    p = problem(tmp_path)
    for cls in STRATEGIES.values():
        strat = cls(p.space, rng=np.random.default_rng(0), fidelities=(4,), n_objectives=2)
        first = strat.ask()
        if cls.asynchronous:  # asked again before any tell; told out of order, one by one
            second = strat.ask()
            for c in [*second, *first]:
                strat.tell([c], np.zeros((1, 2)))
            with pytest.raises(RuntimeError, match="without a pending"):
                strat.tell(first, np.zeros((len(first), 2)))
        else:
            with pytest.raises(RuntimeError, match="before tell"):
                strat.ask()


@pytest.mark.parametrize("strategy", ["nsga2", "random"])
def test_replay_on_the_written_table_asks_the_same_cells(tmp_path, strategy):
    data = tmp_path / "data"
    p = problem(tmp_path)
    live = live_search(p, strategy, termination(16), seed=5, out=tmp_path / "runs",
                       trainer=fake_trainer, data_dir=data)
    table = Problem.from_benchmark(load_benchmark("live-fake", data_dir=data))
    replay = run_search(table, strategy, budget=16, seed=5)
    live_asks = live.trials.sort_values("asked")["module_hash"].tolist()
    assert live_asks == replay.trials["module_hash"].tolist()
    assert live.trials["validation_accuracy"].sum() == pytest.approx(
        replay.trials["validation_accuracy"].sum(), rel=0, abs=0)
    again = live_search(p, strategy, termination(16), seed=5, out=tmp_path / "runs2",
                        trainer=fake_trainer, data_dir=data)
    assert again.meta["reused_trainings"] == 16 and again.meta["energy_spent_now_kwh"] == 0


def test_the_estimate_to_the_budget_follows_the_pace_so_far():
    assert estimate_s(termination(10), Spent(evaluations=4, wall_s=20.0)) == 30.0
    assert estimate_s(termination(energy_kwh=1.0), Spent(1, 0.25, 0, 10.0)) == 30.0
    assert np.isnan(estimate_s(termination(10), Spent()))

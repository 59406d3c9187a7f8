"""``--protocol paper``: the EC-NAS authors' encoding, budgets as a search dimension, and every
proposal (invalid ones and repeats included) costing a trial."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from benchmarks.space import INPUT, OUTPUT, Arch, get_space
from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import load_benchmark
from ecnas_cli.cli import app
from ecnas_cli.run.paper_protocol import PaperEncoding
from ecnas_cli.run.protocol import Protocol
from ecnas_cli.run.runner import run
from ecnas_cli.run.termination import MaxEvaluations
from strategies import Candidate, Strategy
from strategies.semoa import configuration_arch
from tests.fixtures.synthetic import synthetic_benchmark

SKIP = Arch([[0, 1], [0, 0]], (INPUT, OUTPUT))  # input -> output: a valid 2-vertex cell
EMPTY = Arch([[0, 0], [0, 0]], (INPUT, OUTPUT))  # no path from input to output: invalid


class Scripted(Strategy):
    """Asks a fixed sequence: invalid, valid, the same valid cell again, invalid, ..."""

    name = "scripted"

    def __init__(self, space, **kwargs) -> None:
        super().__init__(space, **kwargs)
        self.told: list[float] = []
        self.k = 0

    def _ask(self) -> list[Candidate]:
        self.k += 1
        return [Candidate((EMPTY, SKIP, SKIP)[(self.k - 1) % 3], self.epochs)]

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        self.told.append(float(F[0, 0]))


def test_invalid_proposals_and_repeats_each_cost_a_trial():
    problem = Problem.from_benchmark(synthetic_benchmark(repeats=1, fidelities=(4, 12)))
    paper = run(problem, Scripted, MaxEvaluations(9), protocol=Protocol.named("paper"), seed=0)
    assert paper.meta["evaluations"] == 9 and paper.meta["invalid_proposals"] == 3
    assert len(paper.trials) == 6 and not paper.trials["cached"].any()  # 3 x SKIP, twice each
    assert set(paper.trials["epochs"]) <= {4, 12}
    assert paper.meta["protocol"]["name"] == "paper"
    # ecnas's protocol on the same strategy: a repeat is free (and an invalid cell an error)
    ecnas = run(problem, _ValidOnly, MaxEvaluations(3), protocol=Protocol(), seed=0)
    assert ecnas.meta["evaluations"] == 1 and ecnas.meta["cached_queries"] >= 2


class _ValidOnly(Scripted):
    name = "valid-only"

    def _ask(self) -> list[Candidate]:
        return [Candidate(SKIP, self.epochs)]


def test_single_fidelity_strategies_get_a_uniform_budget():
    problem = Problem.from_benchmark(synthetic_benchmark(repeats=1, fidelities=(4, 12)))
    result = run(problem, _ValidOnly, MaxEvaluations(400), protocol=Protocol.named("paper"),
                 seed=1)
    share = (result.trials["epochs"] == 4).mean()
    assert len(result.trials) == 400 and 0.4 < share < 0.6


def test_the_encoding_is_the_authors_and_reaches_every_4v_cell():
    space = get_space("4v")
    enc = PaperEncoding(space)
    assert len(enc.cells()) == 9 * 2**6 * 2 * 2  # ops^2 x edge bits x vertices x edge cap
    hashes = load_benchmark("ecnas-4v-paper").frame["module_hash"]
    valid = [space.hash(a) for a in map(enc.arch, range(len(enc.cells())))
             if space.is_valid(a)]
    assert set(valid) == set(hashes) and len(valid) == 1071  # 46.5%; the authors' RS: 46.2%
    # vertices=4 with an edge cap of 1 keeps only the first set bit: 0->1, not connected
    first_only = configuration_arch(4, ("maxpool3x3", "maxpool3x3"), (1, 0, 1, 0, 0, 1), 4, 1)
    assert not space.is_valid(first_only)


def test_protocol_errors_are_one_line_exit_2(tmp_path):
    with pytest.raises(ValueError, match="contradicts"):
        Protocol.named("paper", "cache")
    result = CliRunner().invoke(app, ["search", "--benchmark", "ecnas-4v", "--protocol",
                                      "nope", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "protocol must be one of ecnas, paper" in result.output
    assert not any(tmp_path.iterdir())

"""SEMOA as the EC-NAS authors ran it: their encoding, budgets in turn, an unbounded population."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.space import get_space
from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import load_benchmark
from ecnas_cli.run.paper_protocol import PaperEncoding
from ecnas_cli.run.protocol import Protocol
from ecnas_cli.run.runner import run
from ecnas_cli.run.termination import MaxEvaluations
from strategies.semoa import SEMOA, TOO_MANY_EDGES, Individual, configuration_arch


def _semoa(space, seed=0, **settings) -> SEMOA:
    return SEMOA(space, rng=np.random.default_rng(seed), fidelities=(4, 12, 36, 108),
                 n_objectives=2, **settings)


def test_perturbation_keeps_vertices_edge_cap_and_the_first_op():
    s = _semoa(get_space("5v"))
    parent = Individual(("maxpool3x3",) * 3, (1,) * 10, 5, 7)
    for _ in range(200):
        child = s._perturb(parent)
        assert (child.vertices, child.edges, child.ops[0]) == (5, 7, "maxpool3x3")
    changed = {s._perturb(parent).ops[1:] for _ in range(200)}
    assert len(changed) > 1  # op_node_1 and op_node_2 do change
    small = Individual(("maxpool3x3",) * 3, (0,) * 10, 2, 1)
    assert s._perturb(small).bits[0] == 1  # 2 vertices: the one edge flips with p = 2 > 1


def test_configurations_decode_as_the_authors_evaluate_network():
    assert configuration_arch(5, ("conv3x3-bn-relu",) * 3, (1,) * 10, 5, 10) is TOO_MANY_EDGES
    cell = configuration_arch(4, ("maxpool3x3", "conv1x1-bn-relu"), (0, 0, 1, 1, 1, 1), 4, 2)
    assert cell.matrix == ((0, 0, 0, 1), (0, 0, 1, 0), (0, 0, 0, 0), (0, 0, 0, 0))


def test_under_the_paper_protocol_budgets_cycle_and_invalid_proposals_cost_trials():
    problem = Problem.from_benchmark(load_benchmark("ecnas-4v-paper"), epochs=108)
    result = run(problem, "semoa", MaxEvaluations(600), protocol=Protocol.named("paper"),
                 seed=3)
    trials = result.trials
    assert result.meta["evaluations"] == 600
    assert result.meta["invalid_proposals"] + len(trials) == 600
    # the first step trains the first population at 4 epochs, the next steps go up in turn
    firsts = trials.drop_duplicates("epochs")["epochs"].tolist()
    assert firsts == [4, 12, 36, 108]
    again = run(problem, "semoa", MaxEvaluations(600), protocol=Protocol.named("paper"), seed=3)
    assert again.trials["module_hash"].tolist() == trials["module_hash"].tolist()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="eta_o"):
        _semoa(get_space("4v"), eta_p=1.5, eta_o=0.1)
    with pytest.raises(ValueError, match="population_size"):
        _semoa(get_space("4v"), population_size=0)


def test_invalid_configurations_are_proposed_only_when_charged():
    plain = _semoa(get_space("4v"), seed=1)
    asked = plain.ask()
    assert all(get_space("4v").is_valid(c.arch) for c in asked)
    paper = _semoa(PaperEncoding(get_space("4v")), seed=1)
    assert len(paper.ask()) == 10  # the whole first population, valid or not

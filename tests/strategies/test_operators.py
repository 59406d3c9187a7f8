"""The operators the strategies share: ranking and the archive (_pareto), successive halving
(_halving), the genome (_genome), duplicate elimination (duplicates), observation caps
(_optuna)."""

from __future__ import annotations

import inspect

import numpy as np
from optuna.samplers import NSGAIISampler

from benchmarks.space import get_space
from strategies._genome import Genome
from strategies._halving import Bracket, hyperband_brackets
from strategies._optuna import keep_indices
from strategies._pareto import Archive, best, best_first, tournament, worst
from strategies.duplicates import DuplicateElimination


# ----- duplicate elimination ----------------------------------------------------------------------
def test_first_new_takes_the_first_unasked_proposal() -> None:
    space = get_space("5v")
    seen = DuplicateElimination(space, np.random.default_rng(0), max_repeats=4)
    a, b = space.arch(0), space.arch(1)
    seen.add(a)
    proposals = iter([None, a, b])
    assert seen.first_new(lambda: next(proposals)) == b  # invalid, asked, then new
    assert a in seen and b not in seen and len(seen) == 1


def test_first_new_falls_back_to_a_new_cell_after_max_repeats() -> None:
    space = get_space("5v")
    seen = DuplicateElimination(space, np.random.default_rng(0), max_repeats=3)
    a = seen.add(space.arch(0))
    calls: list[int] = []

    def propose() -> object:
        calls.append(1)
        return a

    fresh = seen.first_new(propose)  # type: ignore[arg-type]
    assert len(calls) == 3 and fresh not in seen


def test_fresh_draws_the_last_unasked_cells_directly() -> None:
    space = get_space("4v")  # 91 cells
    seen = DuplicateElimination(space, np.random.default_rng(1), max_repeats=1)
    last = {space.hash(space.arch(i)) for i in (5, 50)}
    for i in range(91):
        if space.hash(space.arch(i)) not in last:
            seen.add(space.arch(i))
    assert sorted(seen.unseen().tolist()) == [5, 50]
    drawn = {space.hash(seen.add(seen.fresh([space.arch(0)]))) for _ in range(2)}
    assert drawn == last and len(seen.unseen()) == 0
    assert seen.fresh() in seen  # all asked: a repeat, not a hang


# ----- genome, archive, ranking -------------------------------------------------------------------
def test_genome_round_trip_and_gene_order() -> None:
    space = get_space("5v")
    genome = Genome(space, np.random.default_rng(0))
    assert genome.names[:3] == ["edge_0_1", "edge_0_2", "edge_0_3"] and genome.names[-1] == "op_3"
    for arch in space.sample(np.random.default_rng(1), 200):
        assert space.hash(genome.decode(genome.encode(arch))) == space.hash(arch)
        assert genome.valid(genome.encode(arch)) is not None
    assert genome.valid(dict.fromkeys(genome.names, 0) | {"op_1": space.ops[0],
                        "op_2": space.ops[0], "op_3": space.ops[0]}) is None  # no path


def test_archive_keeps_the_mutually_non_dominated_once() -> None:
    space = get_space("5v")
    archive = Archive(space, 2)
    cells = space.sample(np.random.default_rng(0), 4)
    told = [[1.0, 3.0], [3.0, 1.0], [2.0, 2.0], [0.5, 0.5]]
    assert [archive.insert(a, np.array(f)) for a, f in zip(cells, told, strict=True)] \
        == [True, True, True, True]
    assert archive.cells == [cells[3]] and archive.F.tolist() == [[0.5, 0.5]]
    assert not archive.insert(cells[0], np.array([0.5, 0.5]))  # equal values: kept once


def test_tournament_returns_the_best_of_the_drawn_rows() -> None:
    F = np.array([[3.0, 3.0], [0.0, 0.0], [2.0, 2.0], [1.0, 1.0]])
    assert tournament(F, 4, np.random.default_rng(0)) == 1
    rng = np.random.default_rng(5)
    picked = np.random.default_rng(5).choice(4, size=2, replace=False)
    assert tournament(F, 2, rng) == int(picked[np.argmin(F[picked, 0])])


# ----- Optuna's private NSGA-II child generation (pinned in pyproject.toml) ----------------------
def test_optuna_child_generation_is_where_nsga2_expects_it() -> None:
    from optuna.samplers.nsgaii._child_generation_strategy import (
        NSGAIIChildGenerationStrategy,
    )

    names = set(inspect.signature(NSGAIIChildGenerationStrategy.__init__).parameters)
    assert {"crossover", "crossover_prob", "swapping_prob", "mutation_prob", "rng"} <= names
    call = list(inspect.signature(NSGAIIChildGenerationStrategy.__call__).parameters)
    assert call == ["self", "study", "search_space", "parent_population"]
    default = NSGAIISampler(seed=0)._child_generation_strategy
    assert isinstance(default, NSGAIIChildGenerationStrategy)  # the default nsga2 wraps


# ----- ranking and halving ------------------------------------------------------------------------
def test_best_first_ranks_then_contributions() -> None:
    F = np.array([[2.0, 2.0], [0.0, 3.0], [1.0, 1.0], [np.inf, 0.0], [3.0, 0.0]])
    # front {(0,3), (1,1), (3,0)} at ref (4, 4): contributions 1, 6, 1; then (2,2); failed last
    assert best_first(F, ref=np.array([4.0, 4.0])).tolist() == [2, 1, 4, 0, 3]
    assert best(F, 2).tolist() == [2, 1]  # default reference (3.3, 3.3): 4 > 0.3 = 0.3
    assert best(np.full((3, 2), np.inf), 2).tolist() == []
    assert worst(F) == 3


def test_keep_indices_keeps_the_best_half_and_the_most_recent() -> None:
    F = np.array([[0.0, 0.0], *([[9.0, 9.0]] * 8), [5.0, 5.0]])
    assert keep_indices(F, 4) == [0, 7, 8, 9]


def test_hyperband_brackets_follow_the_fidelities() -> None:
    assert hyperband_brackets((1, 4), 3) == [(3, (1, 4)), (2, (4,))]
    assert hyperband_brackets((108,), 3) == [(1, (108,))]


def test_bracket_promotes_the_best_and_reuses_known_values() -> None:
    space = get_space("5v")
    cells = space.sample(np.random.default_rng(0), 4)
    known = {(space.hash(cells[3]), 2): np.array([5.0, 5.0])}
    bracket = Bracket(cells, (2, 4), 2, space, known)
    values = {0: [1.0, 1.0], 1: [0.0, 3.0], 2: [2.0, 2.0]}
    for _ in range(3):
        candidate = bracket.next()
        assert candidate is not None and candidate.epochs == 2
        bracket.record(np.array(values[cells.index(candidate.arch)]))
    promoted = [bracket.next(), None]
    assert promoted[0] is not None and promoted[0].epochs == 4
    bracket.record(np.array([1.0, 1.0]))
    second = bracket.next()
    assert second is not None and second.epochs == 4
    assert {promoted[0].arch, second.arch} == {cells[0], cells[1]}  # the front of rung one
    bracket.record(np.array([np.inf, np.inf]))
    assert bracket.next() is None
    assert [a for a, _ in bracket.results()] == [promoted[0].arch]

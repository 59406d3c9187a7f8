"""Unit tests of the search strategies on the 5-vertex space with a synthetic objective."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.space import Arch, SearchSpace, get_space
from strategies import NSGA2, SEMO, STRATEGIES, Candidate, RandomSearch, Strategy, get_strategy
from strategies.random_genome import RandomGenome

CONV = "conv3x3-bn-relu"
BUDGETS = (4, 12)


def objective(arch: Arch) -> np.ndarray:
    """Minimise minus the conv3x3 count (and a function of the matrix), and the edge count."""
    a = arch.array()
    depth = int(np.flatnonzero(a[0])[0]) if a[0].any() else 0
    return np.array([-(arch.ops.count(CONV) + 0.1 * arch.num_vertices + 0.01 * depth),
                     float(arch.num_edges)])


def make(name: str, seed: int = 0, space: SearchSpace | None = None, **settings) -> Strategy:
    return get_strategy(name)(space or get_space("5v"), rng=np.random.default_rng(seed),
                              fidelities=BUDGETS, n_objectives=2, **settings)


def run(strategy: Strategy, evals: int, fail_every: int = 0) -> list[Candidate]:
    """Ask/tell ``evals`` times; every ``fail_every``-th candidate is told ``inf``."""
    asked: list[Candidate] = []
    while len(asked) < evals:
        candidates = strategy.ask()
        F = np.array([objective(c.arch) for c in candidates])
        for k in range(len(candidates)):
            if fail_every and (len(asked) + k + 1) % fail_every == 0:
                F[k] = np.inf
        strategy.tell(candidates, F)
        asked += candidates
    return asked


def hashes(space: SearchSpace, candidates: list[Candidate]) -> list[str]:
    return [space.hash(c.arch) for c in candidates]


# ----- registry and contract ------------------------------------------------------------------
def test_registry_names_are_literal() -> None:
    mine = {"random": RandomSearch, "semo": SEMO, "nsga2": NSGA2, "random-genome": RandomGenome}
    assert mine.items() <= STRATEGIES.items()
    assert all(cls.name == name for name, cls in STRATEGIES.items())
    assert get_strategy("NSGA2") is NSGA2
    with pytest.raises(ValueError, match="random, semo, nsga2"):
        get_strategy("no-such-strategy")


@pytest.mark.parametrize(("kwargs", "bad"), [
    ({"fidelities": ()}, "fidelities"), ({"fidelities": (12, 4)}, "fidelities"),
    ({"fidelities": (0,)}, "fidelities"), ({"fidelities": ("4",)}, "fidelities"),
    ({"fidelities": 12}, "fidelities"), ({"n_objectives": 0}, "n_objectives"),
    ({"n_objectives": 2.5}, "n_objectives"),
    ({"rng": 0}, "rng")])
def test_common_arguments_are_validated(kwargs: dict, bad: str) -> None:
    args = {"rng": np.random.default_rng(0), "fidelities": BUDGETS, "n_objectives": 2, **kwargs}
    with pytest.raises(ValueError, match=bad):
        RandomSearch(get_space("5v"), **args)


@pytest.mark.parametrize(("name", "settings", "bad"), [
    ("random", {"batch_size": 0}, "batch_size"),
    ("random", {"batch_size": 1.5}, "batch_size"),
    ("semo", {"n_init": 0}, "n_init"),
    ("semo", {"edge_changes": -1.0}, "edge_changes"),
    ("semo", {"op_changes": "many"}, "op_changes"),
    ("semo", {"edge_changes": 0.0, "op_changes": 0.0}, "edge_changes"),
    ("semo", {"ref_point": [1.0]}, "ref_point"),
    ("semo", {"ref_point": [1.0, np.inf]}, "ref_point"),
    ("semo", {"selection_pressure": 2.5}, "selection_pressure"),
    ("semo", {"selection_pressure": True}, "selection_pressure"),
    ("random-genome", {"max_tries": 0}, "max_tries"),
    ("nsga2", {"population_size": 1}, "population_size"),
    ("nsga2", {"mutation_prob": 1.5}, "mutation_prob"),
    ("nsga2", {"crossover_prob": -0.1}, "crossover_prob"),
    ("nsga2", {"swapping_prob": True}, "swapping_prob"),
    ("nsga2", {"max_attempts": 0}, "max_attempts")])
def test_settings_are_validated(name: str, settings: dict, bad: str) -> None:
    with pytest.raises(ValueError, match=f"setting {bad} must be"):
        make(name, **settings)


# ----- random -----------------------------------------------------------------------------------
def test_random_batch_size() -> None:
    strategy = make("random", batch_size=3)
    assert RandomSearch.batch and not SEMO.batch and not NSGA2.batch
    assert len(strategy.ask()) == 3


def test_random_is_uniform_without_replacement() -> None:
    space = get_space("4v")  # 91 cells: two passes
    keys = hashes(space, run(make("random", space=space), 2 * 91))
    assert len(set(keys[:91])) == 91 and set(keys[91:]) == set(keys[:91])


def test_random_genome_exposes_the_encoding_prior() -> None:
    space = get_space("5v")
    asked = run(make("random-genome", space=space), 4000)
    small = np.mean([c.arch.num_vertices == 2 for c in asked])
    uniform = np.mean(space.cells()["num_vertices"].to_numpy() == 2)
    assert 0.18 < small < 0.26 and uniform < 0.01  # about 22% vs 1 cell of 2,532


# ----- semo -------------------------------------------------------------------------------------
def test_semo_archive_is_the_non_dominated_set_of_the_told_cells() -> None:
    space = get_space("5v")
    strategy = make("semo", n_init=5)
    assert isinstance(strategy, SEMO)
    told = []
    for _ in range(150):
        candidates = strategy.ask()
        F = np.array([objective(c.arch) for c in candidates])
        strategy.tell(candidates, F)
        told.append(F[0])
        A = strategy.archive_F
        weakly = (A[:, None, :] <= A[None, :, :]).all(axis=2)
        assert weakly.sum() == len(A)  # only each point itself: mutually non-dominated
        assert all((A <= f).all(axis=1).any() for f in told)  # and it covers all told cells
        keys = [space.hash(a) for a in strategy.archive]
        assert len(set(keys)) == len(keys)
        assert all(np.array_equal(objective(a), f) for a, f in zip(strategy.archive, A,
                                                                     strict=True))


def test_semo_never_archives_unevaluated_cells() -> None:
    strategy = make("semo")
    assert isinstance(strategy, SEMO)
    run(strategy, 60, fail_every=2)
    assert np.isfinite(strategy.archive_F).all() and strategy.archive


def test_semo_selection_pressure_is_linear_ranking() -> None:
    strategy = make("semo", n_init=3, ref_point=[4.0, 4.0], selection_pressure=1.9)
    assert isinstance(strategy, SEMO)
    for f in ([0.0, 3.0], [1.0, 1.0], [3.0, 0.0]):
        strategy.tell(strategy.ask(), np.array([f]))
    picks = np.bincount([strategy._select() for _ in range(30_000)], minlength=3) / 30_000
    # ranks: (1, 1) best, then (0, 3), (3, 0): shares 1.9/3, 1.0/3, 0.1/3
    assert np.allclose(picks, [1.0 / 3, 1.9 / 3, 0.1 / 3], atol=0.015)


def test_semo_linear_ranking_on_hypervolume_contribution() -> None:
    strategy = make("semo", n_init=3, ref_point=[4.0, 4.0])
    assert isinstance(strategy, SEMO)
    # hypervolume contributions at (4, 4): (0, 3) -> 1 * 1, (1, 1) -> 2 * 2, (3, 0) -> 1 * 1
    values = [[0.0, 3.0], [1.0, 1.0], [3.0, 0.0]]
    for f in values:
        candidates = strategy.ask()
        strategy.tell(candidates, np.array([f]))
    assert strategy.archive_F.tolist() == values
    picks = np.bincount([strategy._select() for _ in range(30_000)], minlength=3) / 30_000
    # ranked (1, 1), then the tie (0, 3), (3, 0) in archive order: weights 3, 2, 1
    assert np.allclose(picks, [2 / 6, 3 / 6, 1 / 6], atol=0.015)


# ----- nsga2 ------------------------------------------------------------------------------------
def test_nsga2_genome_round_trip() -> None:
    space = get_space("5v")
    strategy = make("nsga2")
    assert isinstance(strategy, NSGA2)
    for arch in space.sample(np.random.default_rng(1), 200):
        decoded = strategy._decode(strategy._encode(arch))
        assert space.hash(decoded) == space.hash(arch)


def test_nsga2_asks_no_cell_twice_and_is_told_no_duplicates() -> None:
    space = get_space("5v")
    strategy = make("nsga2", population_size=20)
    assert isinstance(strategy, NSGA2)
    keys = hashes(space, run(strategy, 600))
    assert len(set(keys)) == len(keys)  # duplicate elimination over the whole run
    assert strategy.n_regenerated > 0
    states = [t.state.name for t in strategy._study.trials]
    assert states.count("COMPLETE") == 600 and states.count("FAIL") == strategy.n_invalid


def test_nsga2_terminates_where_most_genomes_are_invalid() -> None:
    tight = SearchSpace("tight", 5, max_edges=2)
    rng = np.random.default_rng(0)
    rows, cols = np.triu_indices(5, 1)
    valid = 0
    for _ in range(300):
        matrix = np.zeros((5, 5), dtype=int)
        matrix[rows, cols] = rng.integers(2, size=len(rows))
        ops = ("input", *rng.choice(tight.ops, size=3).tolist(), "output")
        valid += tight.is_valid(Arch(tuple(map(tuple, matrix.tolist())), ops))
    assert valid < 0.5 * 300  # most random genomes are invalid
    strategy = make("nsga2", space=tight, population_size=20, max_attempts=3)
    assert isinstance(strategy, NSGA2)
    asked = run(strategy, 60)
    assert all(tight.is_valid(c.arch) for c in asked)
    trials = strategy._study.trials
    assert strategy.n_invalid > 0 and strategy.n_repaired > 0
    assert len(trials) == len(asked) + strategy.n_invalid
    # failed trials neither fill nor end a generation: exactly 20 completed trials in each
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    generations = [t.system_attrs["NSGAIISampler:generation"] for t in complete]
    assert generations == [k // 20 for k in range(len(complete))]


def test_nsga2_tells_unevaluated_candidates_as_failed() -> None:
    strategy = make("nsga2")
    assert isinstance(strategy, NSGA2)
    run(strategy, 40, fail_every=4)
    states = [t.state.name for t in strategy._study.trials]
    assert states.count("FAIL") == 10 + strategy.n_invalid
    assert states.count("COMPLETE") == 30

"""Strategy-specific tests on the 5-vertex space with the synthetic objective of
:mod:`strategies.testing` (the shared contract is tests/strategies/test_contract.py; the
shared operators are tests/strategies/test_operators.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from benchmarks.space import Arch, SearchSpace, get_space
from strategies import NSGA2, SEMO, STRATEGIES, Candidate, RandomSearch, Strategy, get_strategy
from strategies.random_genome import RandomGenome
from strategies.testing import FIDELITIES, drive, objective
from strategies.testing import make as make_class


def make(name: str, seed: int = 0, space: SearchSpace | None = None,
         **settings: Any) -> Strategy:
    return make_class(get_strategy(name), seed, space, **settings)


def hashes(space: SearchSpace, candidates: list[Candidate]) -> list[str]:
    return [space.hash(c.arch) for c in candidates]


# ----- registry and contract ------------------------------------------------------------------
def test_registry_names_are_literal() -> None:
    mine = {"random": RandomSearch, "semo": SEMO, "nsga2": NSGA2, "random-genome": RandomGenome}
    assert mine.items() <= STRATEGIES.items()
    assert all(cls.name == name for name, cls in STRATEGIES.items())
    multi = {n for n, cls in STRATEGIES.items() if cls.multi_fidelity}
    assert multi == {"mobohb", "shemoa", "semoa"}
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
    args = {"rng": np.random.default_rng(0), "fidelities": FIDELITIES, "n_objectives": 2,
            **kwargs}
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
    ("random-genome", {"max_attempts": 0}, "max_attempts"),
    ("nsga2", {"population_size": 1}, "population_size"),
    ("nsga2", {"mutation_prob": 1.5}, "mutation_prob"),
    ("nsga2", {"crossover_prob": -0.1}, "crossover_prob"),
    ("nsga2", {"swapping_prob": True}, "swapping_prob"),
    ("nsga2", {"max_repeats": 0}, "max_repeats"),
    ("mobohb", {"eta": 1}, "eta"), ("mobohb", {"random_fraction": 1.5}, "random_fraction"),
    ("mobohb", {"min_points_in_model": 1}, "min_points_in_model"),
    ("shemoa", {"population_size": 0}, "population_size"), ("shemoa", {"eta": 1.5}, "eta"),
    ("shemoa", {"fraction_mutation": -1}, "fraction_mutation"),
    ("motpe", {"n_startup_trials": 0}, "n_startup_trials"),
    ("motpe", {"multivariate": 1}, "multivariate"), ("motpe", {"max_repeats": 0}, "max_repeats"),
    ("ehvi", {"max_observations": 5}, "max_observations"),
    ("ehvi", {"refit_every": 0}, "refit_every"),
    ("nsga3", {"population_size": 1}, "population_size"),
    ("nsga3", {"crossover_prob": 2}, "crossover_prob"),
    ("nevergrad", {"optimizer": "NoSuchOptimizer"}, "optimizer"),
    ("nevergrad", {"max_repeats": 0}, "max_repeats"),
    ("local", {"perturbation": 0}, "perturbation"), ("local", {"n_init": 0}, "n_init"),
    ("local", {"max_repeats": 0}, "max_repeats"),
    ("evolution", {"sample_size": 101}, "sample_size"),
    ("evolution", {"edge_changes": 0.0, "op_changes": 0.0}, "edge_changes")])
def test_settings_are_validated(name: str, settings: dict, bad: str) -> None:
    with pytest.raises(ValueError, match=f"setting {bad} must be"):
        make(name, **settings)


def test_tell_splits_evaluated_and_failed_candidates() -> None:
    strategy = make("random", batch_size=3)
    candidates = strategy.ask()
    F = np.array([[1.0, 2.0], [np.nan, np.inf], [3.0, 4.0]])
    with pytest.raises(ValueError, match=r"failed has shape \(1,\)"):
        strategy.tell(candidates, F, failed=[True])
    with pytest.raises(ValueError, match="F row 1 is not finite"):
        strategy.tell(candidates, F)
    calls: list[tuple] = []
    strategy._tell = lambda c, values: calls.append(("tell", c, values.tolist()))  # type: ignore
    strategy._fail = lambda c: calls.append(("fail", c))  # type: ignore
    strategy.tell(candidates, F, failed=[False, True, False])
    assert calls == [("tell", [candidates[0], candidates[2]], [[1.0, 2.0], [3.0, 4.0]]),
                     ("fail", [candidates[1]])]


# ----- random -----------------------------------------------------------------------------------
def test_random_batch_size() -> None:
    strategy = make("random", batch_size=3)
    assert RandomSearch.batch and not SEMO.batch and not NSGA2.batch
    assert len(strategy.ask()) == 3


def test_random_is_uniform_without_replacement() -> None:
    space = get_space("4v")  # 91 cells: two passes
    keys = hashes(space, drive(make("random", space=space), 2 * 91))
    assert len(set(keys[:91])) == 91 and set(keys[91:]) == set(keys[:91])


def test_random_genome_exposes_the_encoding_prior() -> None:
    space = get_space("5v")
    asked = drive(make("random-genome", space=space), 4000)
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
    drive(strategy, 60, fail_every=2)
    assert np.isfinite(strategy.archive_F).all() and strategy.archive


def test_semo_selection_pressure_is_linear_ranking() -> None:
    strategy = make("semo", n_init=3, ref_point=[4.0, 4.0], selection_pressure=1.9)
    assert isinstance(strategy, SEMO)
    for f in ([0.0, 3.0], [1.0, 1.0], [3.0, 0.0]):
        strategy.tell(strategy.ask(), np.array([f]))
    picks = np.bincount(strategy._select(30_000), minlength=3) / 30_000
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
    picks = np.bincount(strategy._select(30_000), minlength=3) / 30_000
    # ranked (1, 1), then the tie (0, 3), (3, 0) in archive order: weights 3, 2, 1
    assert np.allclose(picks, [2 / 6, 3 / 6, 1 / 6], atol=0.015)


# ----- nsga2 ------------------------------------------------------------------------------------
def test_nsga2_asks_no_cell_twice_and_is_told_no_duplicates() -> None:
    space = get_space("5v")
    strategy = make("nsga2", population_size=20)
    assert isinstance(strategy, NSGA2)
    keys = hashes(space, drive(strategy, 600))
    assert len(set(keys)) == len(keys)  # duplicate elimination over the whole run
    assert strategy.n_regenerated > 0
    states = [t.state.name for t in strategy._study.trials]
    assert states.count("COMPLETE") == 600
    assert states.count("FAIL") == strategy.n_invalid + strategy.n_known  # first generation


def test_nsga2_terminates_where_most_genomes_are_invalid() -> None:
    tight = SearchSpace("tight", 7, max_edges=6)  # 2,549 cells, few 7-vertex ones
    rng = np.random.default_rng(0)
    rows, cols = np.triu_indices(7, 1)
    valid = 0
    for _ in range(300):
        matrix = np.zeros((7, 7), dtype=int)
        matrix[rows, cols] = rng.integers(2, size=len(rows))
        ops = ("input", *rng.choice(tight.ops, size=5).tolist(), "output")
        valid += tight.is_valid(Arch(tuple(map(tuple, matrix.tolist())), ops))
    assert valid < 0.5 * 300  # most random genomes are invalid
    strategy = make("nsga2", space=tight, population_size=20, max_repeats=3)
    assert isinstance(strategy, NSGA2)
    asked = drive(strategy, 60)
    assert all(tight.is_valid(c.arch) for c in asked)
    trials = strategy._study.trials
    assert strategy.n_invalid > 0 and strategy.n_fresh + strategy.n_repaired > 0
    assert len(trials) == len(asked) + strategy.n_invalid + strategy.n_known
    # failed trials neither fill nor end a generation: exactly 20 completed trials in each
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    generations = [t.system_attrs["NSGAIISampler:generation"] for t in complete]
    assert generations == [k // 20 for k in range(len(complete))]


def test_nsga2_tells_failed_candidates_as_failed() -> None:
    strategy = make("nsga2")
    assert isinstance(strategy, NSGA2)
    drive(strategy, 40, fail_every=4)
    states = [t.state.name for t in strategy._study.trials]
    assert states.count("FAIL") == 10 + strategy.n_invalid + strategy.n_known
    assert states.count("COMPLETE") == 30


def test_ehvi_names_the_extra_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else real(name, *a))
    with pytest.raises(ImportError, match=r"pip install ecnas\[bo\]"):
        make("ehvi")


# ----- multi-fidelity -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["mobohb", "shemoa"])
def test_multi_fidelity_asks_low_fidelity_first_and_promotes_a_minority(name: str) -> None:
    space = get_space("5v")
    asked = drive(make(name), 200)
    low, target = FIDELITIES
    low_keys = [space.hash(c.arch) for c in asked if c.epochs == low]
    high_keys = [space.hash(c.arch) for c in asked if c.epochs == target]
    assert len(low_keys) > len(high_keys) > 0
    promoted = [h for h in high_keys if h in set(low_keys)]
    assert promoted
    for h in promoted:  # trained low first, then at the target
        epochs = [c.epochs for c in asked if space.hash(c.arch) == h]
        assert epochs.index(low) < epochs.index(target)


def test_shemoa_population_is_bounded_and_at_the_target() -> None:
    space = get_space("5v")
    strategy = make("shemoa", population_size=5)
    asked = drive(strategy, 200)
    at_target = {space.hash(c.arch) for c in asked if c.epochs == FIDELITIES[-1]}
    population = strategy.population  # type: ignore[attr-defined]
    assert 0 < len(population) <= 5
    assert all(space.hash(a) in at_target for a in population)


# ----- single-fidelity ----------------------------------------------------------------------------
def test_local_search_proposes_neighbours_of_the_archive() -> None:
    space = get_space("5v")
    strategy = make("local", n_init=3)
    asked = drive(strategy, 60)
    first = [c.arch for c in asked[:3]]
    F = np.array([objective(a) for a in first])
    archive = [a for a, f in zip(first, F, strict=True)  # the non-dominated of the three
               if not ((F <= f).all(axis=1) & (F < f).any(axis=1)).any()]
    neighbours = {space.hash(n) for a in archive for n in space.neighbours(a)}
    assert space.hash(asked[3].arch) in neighbours
    A = strategy.archive_F  # type: ignore[attr-defined]
    assert ((A[:, None, :] <= A[None, :, :]).all(axis=2).sum() == len(A))


def test_evolution_population_is_the_last_told_cells() -> None:
    strategy = make("evolution", population_size=20, sample_size=5)
    asked = drive(strategy, 50)
    assert strategy.population == [c.arch for c in asked[-20:]]  # type: ignore[attr-defined]


def test_evolution_beats_its_own_random_phase_on_the_synthetic_objective() -> None:
    strategy = make("evolution", population_size=20, sample_size=5)
    asked = drive(strategy, 200)
    first = np.array([objective(c.arch)[0] for c in asked[:20]])
    last = np.array([objective(c.arch)[0] for c in asked[-50:]])
    assert np.median(last) < np.median(first)


def test_nsga3_counts_generations_of_completed_trials() -> None:
    strategy = make("nsga3", population_size=10)
    drive(strategy, 60)
    done = [t for t in strategy._study.trials if t.state.name == "COMPLETE"]  # type: ignore
    generations = [t.system_attrs["NSGAIIISampler:generation"] for t in done]
    assert generations == sorted(generations) and max(generations) >= 3


def test_ehvi_bounds_its_training_set() -> None:
    pytest.importorskip("torch")
    strategy = make("ehvi", max_observations=10, n_startup_trials=10)
    drive(strategy, 16)
    train = strategy._train  # type: ignore[attr-defined]
    assert len(strategy._cells) == 16 and len(train) <= 10 + 10 // 4  # type: ignore[attr-defined]
    assert train[-1] == 15  # the newest told cell is always in


def test_random_genome_memoises_decoded_genomes_only_on_small_spaces():
    """On 5v the genomes drawn repeat, and each is decoded once; on 7v (2^21 3^5 genomes)
    the memo would grow with every genome drawn, so nothing is kept: same cells either way."""
    asked = {}
    for name, kept in (("5v", True), ("7v", False)):
        space = get_space(name)
        strategy = RandomGenome(space, rng=np.random.default_rng(4), fidelities=(4,),
                                n_objectives=2)
        plain = RandomGenome(space, rng=np.random.default_rng(4), fidelities=(4,),
                             n_objectives=2)
        plain._memo = False
        cells = [strategy.ask()[0].arch for _ in range(40)]
        assert cells == [plain.ask()[0].arch for _ in range(40)]
        assert bool(strategy._pruned) is kept and not plain._pruned
        asked[name] = cells
    assert len(asked["7v"]) == 40

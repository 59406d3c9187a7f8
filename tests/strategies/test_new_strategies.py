"""Strategy-specific tests of mobohb, shemoa, motpe, ehvi, nsga3, nevergrad, local and
evolution (the shared contract is tests/strategies/test_contract.py), and of their helpers."""

from __future__ import annotations

import numpy as np
import pytest
from optuna.trial import TrialState

from benchmarks.space import get_space
from strategies import STRATEGIES
from strategies._halving import Bracket, hyperband_brackets
from strategies._optuna import keep_indices
from strategies._pareto import best, best_first, worst
from strategies.testing import drive, make, objective

NEW = ("mobohb", "shemoa", "motpe", "ehvi", "nsga3", "nevergrad", "local", "evolution")
CHEAP = tuple(n for n in NEW if n != "ehvi")  # ehvi: tests/strategies/test_ehvi.py


def test_registered_under_literal_names() -> None:
    assert all(STRATEGIES[name].name == name for name in NEW)
    assert {n for n in NEW if STRATEGIES[n].multi_fidelity} == {"mobohb", "shemoa"}


@pytest.mark.parametrize("name", CHEAP)
def test_never_asks_a_cell_twice_at_the_same_epochs(name: str) -> None:
    space = get_space("5v")
    keys = [(space.hash(c.arch), c.epochs) for c in drive(make(STRATEGIES[name]), 150)]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize(("name", "settings", "bad"), [
    ("mobohb", {"eta": 1}, "eta"), ("mobohb", {"random_fraction": 1.5}, "random_fraction"),
    ("mobohb", {"min_points_in_model": 1}, "min_points_in_model"),
    ("shemoa", {"population_size": 0}, "population_size"), ("shemoa", {"eta": 1.5}, "eta"),
    ("shemoa", {"fraction_mutation": -1}, "fraction_mutation"),
    ("motpe", {"n_startup_trials": 0}, "n_startup_trials"),
    ("motpe", {"multivariate": 1}, "multivariate"), ("motpe", {"max_known": -1}, "max_known"),
    ("ehvi", {"max_observations": 5}, "max_observations"),
    ("ehvi", {"n_qmc_samples": 0}, "n_qmc_samples"),
    ("nsga3", {"population_size": 1}, "population_size"),
    ("nsga3", {"crossover_prob": 2}, "crossover_prob"),
    ("nevergrad", {"optimizer": "NoSuchOptimizer"}, "optimizer"),
    ("local", {"perturbation": 0}, "perturbation"), ("local", {"n_init": 0}, "n_init"),
    ("evolution", {"sample_size": 101}, "sample_size"),
    ("evolution", {"edge_changes": 0.0, "op_changes": 0.0}, "edge_changes")])
def test_settings_are_validated(name: str, settings: dict, bad: str) -> None:
    with pytest.raises(ValueError, match=f"setting {bad} must be"):
        make(STRATEGIES[name], **settings)


def test_ehvi_names_the_extra_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else real(name, *a))
    with pytest.raises(ImportError, match=r"pip install ecnas\[bo\]"):
        make(STRATEGIES["ehvi"])


# ----- helpers ----------------------------------------------------------------------------------
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


# ----- multi-fidelity -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["mobohb", "shemoa"])
def test_multi_fidelity_asks_low_fidelity_first_and_promotes_a_minority(name: str) -> None:
    space = get_space("5v")
    asked = drive(make(STRATEGIES[name]), 200)
    low = [c for c in asked if c.epochs == 4]
    high = [c for c in asked if c.epochs == 12]
    assert len(low) > len(high) > 0
    low_keys = {space.hash(c.arch) for c in low}
    promoted = [c for c in high if space.hash(c.arch) in low_keys]
    assert promoted  # trained low first, then at the target


def test_shemoa_population_is_bounded_and_at_the_target() -> None:
    strategy = make(STRATEGIES["shemoa"], population_size=5)
    drive(strategy, 200)
    population = strategy.population  # type: ignore[attr-defined]
    assert 0 < len(population) <= 5


# ----- single-fidelity ----------------------------------------------------------------------------
def test_local_search_proposes_neighbours_of_the_archive() -> None:
    space = get_space("5v")
    strategy = make(STRATEGIES["local"], n_init=3)
    asked = drive(strategy, 60)
    told = {space.hash(c.arch) for c in asked[:3]}
    fourth = asked[3].arch
    assert any(space.hash(fourth) in {space.hash(n) for n in space.neighbours(c.arch)}
               for c in asked[:3] if space.hash(c.arch) in told)
    A = strategy.archive_F  # type: ignore[attr-defined]
    assert ((A[:, None, :] <= A[None, :, :]).all(axis=2).sum() == len(A))


def test_evolution_population_is_the_last_told_cells() -> None:
    strategy = make(STRATEGIES["evolution"], population_size=20, sample_size=5)
    asked = drive(strategy, 50)
    assert strategy.population == [c.arch for c in asked[-20:]]  # type: ignore[attr-defined]


def test_evolution_beats_its_own_random_phase_on_the_synthetic_objective() -> None:
    strategy = make(STRATEGIES["evolution"], population_size=20, sample_size=5)
    asked = drive(strategy, 200)
    first = np.array([objective(c.arch)[0] for c in asked[:20]])
    last = np.array([objective(c.arch)[0] for c in asked[-50:]])
    assert np.median(last) < np.median(first)


def test_nsga3_counts_generations_of_completed_trials() -> None:
    strategy = make(STRATEGIES["nsga3"], population_size=10)
    drive(strategy, 60)
    done = [t for t in strategy._study.trials if t.state.name == "COMPLETE"]  # type: ignore
    generations = [t.system_attrs["NSGAIIISampler:generation"] for t in done]
    assert generations == sorted(generations) and max(generations) >= 3


def test_ehvi_bounds_its_training_set() -> None:
    pytest.importorskip("torch")
    strategy = make(STRATEGIES["ehvi"], max_observations=10, n_startup_trials=10)
    drive(strategy, 16)
    done = strategy._study.get_trials(states=(TrialState.COMPLETE,))  # type: ignore[attr-defined]
    assert len(done) <= 10 + 10 // 4 + 1

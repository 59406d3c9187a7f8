"""SEMO asks no cell it was told: told children are drawn again before they are asked."""

from __future__ import annotations

import numpy as np

from benchmarks.space import get_space
from strategies.semo import SEMO
from strategies.testing import drive


def make(space_name: str, seed: int = 0) -> SEMO:
    return SEMO(get_space(space_name), rng=np.random.default_rng(seed), fidelities=(108,),
                n_objectives=2, n_init=5)


def test_semo_never_asks_a_cell_it_was_told() -> None:
    space = get_space("5v")
    asked = [space.hash(c.arch) for c in drive(make("5v"), 400, fail_every=7)]
    assert len(set(asked[5:])) == len(asked[5:])  # after the uniform start: all new
    assert not set(asked[:5]) & set(asked[5:])


def test_semo_asks_a_told_cell_only_when_none_is_left() -> None:
    space = get_space("4v")
    n_cells = len(space.cells())
    asked = [space.hash(c.arch) for c in drive(make("4v", seed=3), n_cells + 20)]
    reached = len(set(asked))
    assert reached >= n_cells - 5  # mutation reaches (almost) every cell of the space
    # past the uniform start, a told cell is asked only once every reachable one was told
    repeats = [i for i, h in enumerate(asked) if i >= 5 and h in asked[:i]]
    assert repeats and len(set(asked[:repeats[0]])) == reached


def test_semo_children_are_deterministic_per_seed() -> None:
    space = get_space("5v")
    runs = [[space.hash(c.arch) for c in drive(make("5v", seed), 120)] for seed in (4, 4, 5)]
    assert runs[0] == runs[1] != runs[2]

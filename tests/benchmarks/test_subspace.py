"""SubSpace: a table that samples its space is searched over its own cells."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.space import Arch, InvalidArchError, SearchSpace, SubSpace, get_space
from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import REGISTRY, load_benchmark
from ecnas_cli.run import loop
from ecnas_cli.run.runner import run_search
from tests.fixtures.names import CONVERGES, strategy_params
from tests.fixtures.synthetic import synthetic_benchmark

FULL = get_space("5v")


@pytest.fixture(scope="module")
def sub() -> SubSpace:
    """Every 25th 5V cell (102 of 2,532: 4%)."""
    return SubSpace(FULL, FULL.cells()["module_hash"].tolist()[::25])


def members(sub: SubSpace) -> set[str]:
    return set(sub.cells()["module_hash"])


def test_cells_are_the_members_in_the_full_tables_order(sub):
    full = FULL.cells()
    assert sub.cells()["module_hash"].tolist() == full["module_hash"].tolist()[::25]
    assert list(sub.cells().columns) == list(full.columns)
    assert [sub.hash(sub.arch(i)) for i in range(len(sub.cells()))] == \
        sub.cells()["module_hash"].tolist()


def test_sample_mutate_and_neighbours_stay_inside(sub):
    rng = np.random.default_rng(0)
    inside = members(sub)
    drawn = sub.sample(rng, 200)
    assert {sub.hash(a) for a in drawn} <= inside
    assert len({sub.hash(a) for a in drawn}) > 50  # uniform over the members, not a few
    for parent in drawn[:40]:
        child = sub.mutate(parent, rng)
        assert sub.hash(child) in inside and sub.hash(child) != sub.hash(parent)
        assert sub.validate(child) == child
        assert {sub.hash(n) for n in sub.neighbours(parent)} <= inside - {sub.hash(parent)}


def test_a_valid_cell_outside_the_set_is_invalid_and_keeps_its_hash(sub):
    outside = FULL.arch(1)  # every 25th cell is kept: the second is not
    assert FULL.is_valid(outside) and not sub.is_valid(outside)
    with pytest.raises(InvalidArchError, match="not one of this table's 102 cells"):
        sub.validate(outside)
    own = SearchSpace(FULL.name, FULL.max_vertices, FULL.max_edges)  # an empty hash memo
    cells = own.cells()
    i = next(i for i, h in enumerate(cells["module_hash"]) if h not in members(sub))
    assert not SubSpace(own, members(sub)).is_valid(
        Arch.from_strings(cells["matrix"][i], cells["ops"][i]))
    assert not own._hashes  # the full space's memo keeps no cell the subspace refused
    assert sub.hash(outside) == FULL.hash(outside)
    child = sub.mutate(outside, np.random.default_rng(1))  # any valid parent of the space
    assert sub.hash(child) in members(sub)


def test_mutation_draws_near_members_more_often(sub):
    """The mutation conditioned on the set: a member one edit away is drawn far more often than
    one many edits away, every member can be drawn, and the draw is the generator's."""
    from benchmarks.space.subspace import _encode

    parent = sub.arch(7)
    edges, ops = sub._encodings()
    mine_edges, mine_ops = _encode([parent], sub.max_vertices, sub.ops)
    dist = (edges != mine_edges).sum(axis=1) + ((ops != mine_ops) & (ops >= 0)
                                                & (mine_ops >= 0)).sum(axis=1)
    hashes = sub.cells()["module_hash"].to_numpy()
    drawn = [sub.hash(sub.mutate(parent, np.random.default_rng(k))) for k in range(300)]
    assert set(drawn) <= members(sub) - {sub.hash(parent)}
    drawn_dist = dist[[int(np.flatnonzero(hashes == h)[0]) for h in drawn]]
    others = dist[hashes != sub.hash(parent)]
    assert drawn_dist.mean() < others.mean() - 1  # near members first, not uniform
    assert [sub.hash(sub.mutate(parent, np.random.default_rng(5))) for _ in range(2)] == \
        [drawn[5]] * 2
    far = sub.mutate(parent, np.random.default_rng(0), edge_changes=5, op_changes=3)
    assert sub.hash(far) in members(sub)


def test_bad_member_sets_are_refused():
    with pytest.raises(ValueError, match="at least one cell"):
        SubSpace(FULL, [])
    with pytest.raises(ValueError, match="1 hashes are not cells of 5v"):
        SubSpace(FULL, ["0" * 32, FULL.cells()["module_hash"].iloc[0]]).cells()
    alone = SubSpace(FULL, FULL.cells()["module_hash"].iloc[:1])
    with pytest.raises(RuntimeError, match="the only cell"):
        alone.mutate(alone.arch(0), np.random.default_rng(0))


def test_only_tables_registered_as_samples_are_searched_over_their_cells():
    assert {n for n, s in REGISTRY.items() if s.sample} == {"ecnas-7v-energy-sample",
                                                           "ecnas-7v-4epochs"}
    sample = Problem.from_benchmark(load_benchmark("ecnas-7v-energy-sample"))
    assert isinstance(sample.space, SubSpace)
    assert len(sample.space.cells()) == sample.n_cells == 3448
    for name in ("ecnas-4v", "ecnas-5v"):
        bench = load_benchmark(name)
        assert Problem.from_benchmark(bench).space is bench.space
    # a table with a third of its space's cells (an imported live table, say) is not a sample
    full = synthetic_benchmark()
    kept = full.frame["module_hash"].isin(full.frame["module_hash"].unique()[::3])
    live = Benchmark(full.frame[kept].reset_index(drop=True),
                     {**full.meta, "name": "live-sparse"})
    assert Problem.from_benchmark(live).space is live.space


@pytest.fixture(scope="module")
def sample_problem() -> Problem:
    return Problem.from_benchmark(load_benchmark("ecnas-7v-energy-sample"))


@pytest.mark.slow
@pytest.mark.parametrize("name", strategy_params())
def test_no_strategy_spins_on_the_sparse_sample(name, sample_problem, monkeypatch):
    """Every proposal is a cell of the table: no strategy asks a cell it lacks (over the whole
    7V space ~99% of asks were, 0.8% of the cells having rows)."""
    queried = []
    train = loop.Loop._train
    monkeypatch.setattr(loop.Loop, "_train",
                        lambda self, h, epochs: queried.append(h) or train(self, h, epochs))
    evals = 12
    result = run_search(sample_problem, name, budget=evals, seed=0)
    trained = int((~result.trials["cached"].astype(bool)).sum())
    assert len(queried) == trained  # every table query had a row: no miss
    if name in CONVERGES:  # its guard stops it on known cells, never on missing ones
        assert "already trained" in result.meta["stop_reason"]
    else:
        assert trained == evals

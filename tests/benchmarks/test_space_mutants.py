"""Batched mutation by table look-up (SearchSpace.mutants): the cells and the distribution of
SearchSpace.mutate, the official hashes, and the plain fallback on large spaces."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from scipy.stats import chi2_contingency

from benchmarks.space import Arch, InvalidArchError, SearchSpace, get_space
from benchmarks.space.mutation import MAX_CODES, table_size


def test_every_code_decodes_to_the_row_of_its_pruned_cell() -> None:
    space = SearchSpace("4v-test", 4)  # a fresh space: its table is built here
    table = space._mutation_table()
    assert table is not None and table_size(4) == len(table.rows) == 576
    for code, row in enumerate(table.rows.tolist()):
        bits, rest = divmod(code, table.radix)
        matrix = np.zeros((4, 4), dtype=int)
        matrix[table.rows_i, table.cols_i] = (bits >> np.arange(table.n_slots)) & 1
        ops = ["input", *(space.ops[(rest // 3**v) % 3] for v in range(2)), "output"]
        try:
            pruned = space.validate(Arch(matrix.tolist(), ops))
        except InvalidArchError:
            assert row == -1
            continue
        assert space.cells()["module_hash"].iloc[row] == pruned.module_hash()
        assert table.decode(code) == pruned  # the same pruned cell, vertex order kept


def test_a_tight_edge_limit_is_honoured() -> None:
    space = SearchSpace("tight-5v", 5, max_edges=4)
    rng = np.random.default_rng(3)
    children = space.mutants([space.arch(len(space.cells()) - 1)], rng,
                             which=np.zeros(500, dtype=int))
    assert all(children.arch(i).num_edges <= 4 for i in range(len(children)))


@pytest.mark.parametrize("name", ["4v", "5v"])
def test_children_are_the_official_cells_never_the_parent(name: str) -> None:
    space = get_space(name)
    rng = np.random.default_rng(0)
    parents = [space.mutate(space.arch(i), rng) for i in range(0, len(space.cells()), 97)]
    which = rng.integers(len(parents), size=400)
    children = space.mutants(parents, rng, which=which)
    for i, p in enumerate(which.tolist()):
        child = children.arch(i)
        assert space.validate(child) == child
        assert space.row(child) == children.rows[i]
        assert space.hash(child) == child.module_hash() != parents[p].module_hash()


@pytest.mark.parametrize(("name", "parent"), [("4v", 3), ("5v", 2000)])
def test_the_distribution_is_mutates(name: str, parent: int) -> None:
    space = get_space(name)
    rng = np.random.default_rng(1)
    arch = space.mutate(space.arch(parent), rng)  # a cell in mutation's own vertex order
    n = 2500
    fast = Counter(space.mutants([arch], rng, which=np.zeros(n, dtype=int)).rows.tolist())
    slow = Counter(space.row(space.mutate(arch, rng)) for _ in range(n))
    cells = sorted(set(fast) | set(slow))
    assert len(cells) > 5
    counts = np.array([[fast[c] for c in cells], [slow[c] for c in cells]])
    common = counts.sum(axis=0) >= 10  # rarer children pooled into one column
    table = np.column_stack([counts[:, common], counts[:, ~common].sum(axis=1)])
    assert chi2_contingency(table[:, table.sum(axis=0) > 0]).pvalue > 1e-4


def test_large_spaces_mutate_one_by_one() -> None:
    space = SearchSpace("6v-test", 6, max_edges=5)  # 2.7 M padded cells: not tabulated
    assert table_size(6) > MAX_CODES and not space.tabulated and get_space("5v").tabulated
    rng = np.random.default_rng(2)
    parent = space.arch(100)
    children = space.mutants([parent], rng, which=np.zeros(5, dtype=int))
    assert [space.row(children.arch(i)) for i in range(5)] == children.rows.tolist()
    assert parent.module_hash() not in {children.arch(i).module_hash() for i in range(5)}


def test_same_rng_same_children() -> None:
    space = get_space("5v")
    parents = [space.arch(i) for i in (5, 50, 500)]
    a, b = (space.mutants(parents, np.random.default_rng(9), which=np.arange(3).repeat(20))
            for _ in range(2))
    assert a.rows.tolist() == b.rows.tolist() and a.codes.tolist() == b.codes.tolist()


@pytest.mark.parametrize("name", ["4v", "5v"])
def test_mutate_by_table_is_the_plain_mutate(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tabulated, plain = get_space(name), SearchSpace(f"plain-{name}", int(name[0]))
    monkeypatch.setattr(plain, "_mutation_table", lambda: None)
    parents = [tabulated.arch(i) for i in range(0, len(tabulated.cells()), 13)]
    for settings in ({}, {"edge_changes": 3.0, "op_changes": 0.0}, {"op_changes": 1.5}):
        fast, slow = np.random.default_rng(5), np.random.default_rng(5)
        for parent in parents:  # the same draws in the same order: the same child
            assert tabulated.mutate(parent, fast, **settings) == plain.mutate(parent, slow,
                                                                              **settings)


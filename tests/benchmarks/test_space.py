"""The cell space: exact NAS-Bench-101 hashes, counts, validation, sampling and mutation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.space import Arch, InvalidArchError, check_arch, get_space, hash_module
from benchmarks.space.encodings import adjacency_encoding, path_encoding
from benchmarks.space.hashing import hash_modules_batch, wl_fingerprints
from tests.fixtures.rng import global_rng_untouched

C3, C1, MP = "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"


def official(raw_dir, space: str) -> dict[str, tuple[list, list]]:
    return json.loads((raw_dir / "graphs" / f"generated_graphs_{space}.json").read_text())


@pytest.mark.parametrize("name", ["4V9E", "5V9E"])
def test_every_official_hash_is_reproduced(raw_dir, name):
    graphs = official(raw_dir, name)
    for h, (matrix, labels) in graphs.items():
        assert hash_module(np.array(matrix), labels) == h
    by_size: dict[int, list] = {}
    for h, (matrix, labels) in graphs.items():
        by_size.setdefault(len(labels), []).append((h, matrix, labels))
    for items in by_size.values():
        mats = np.array([m for _, m, _ in items])
        labs = np.array([lab for *_, lab in items])
        assert hash_modules_batch(mats, labs) == [h for h, *_ in items]


@pytest.mark.parametrize(("space", "name", "count"), [("4v", "4V9E", 91), ("5v", "5V9E", 2532)])
def test_enumeration_equals_official_hash_set(raw_dir, space, name, count):
    cells = get_space(space).cells()
    assert len(cells) == count
    assert set(cells["module_hash"]) == set(official(raw_dir, name))


@pytest.mark.slow
def test_7v_enumeration_count_and_accounting():
    cells = get_space("7v").cells()
    assert len(cells) == 423_624
    assert cells["module_hash"].is_unique  # the fingerprint never splits isomorphic cells
    assert cells["num_vertices"].value_counts().to_dict() == {
        7: 359_082, 6: 62_010, 5: 2_441, 4: 84, 3: 6, 2: 1}
    assert (cells["num_edges"] <= 9).all() and (cells["trainable_params"] > 0).all()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), data=st.data())
def test_hash_invariant_under_vertex_permutation(seed, data):
    """Relabel all vertices (input and output too): the hashes work on any vertex order."""
    space = get_space("5v")
    arch = space.sample(np.random.default_rng(seed))[0]
    order = np.array(data.draw(st.permutations(range(arch.num_vertices))))
    a, labels = arch.array(), np.array(arch.labels())
    b, other = a[np.ix_(order, order)], labels[order]
    assert hash_module(b, other.tolist()) == space.hash(arch)
    assert hash_modules_batch(b[None], other[None]) == [space.hash(arch)]
    fps = wl_fingerprints(np.stack([a, b]), np.stack([labels, other]))
    assert fps[0] == fps[1]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_mutation_always_yields_a_different_valid_cell(seed):
    space = get_space("5v")
    rng = np.random.default_rng(seed)
    parent = space.sample(rng)[0]
    child = space.mutate(parent, rng)
    assert space.is_valid(child)
    assert space.hash(child) != space.hash(parent)
    assert child == space.validate(child)  # returned pruned


def test_sampling_is_uniform_and_uses_only_the_given_rng():
    space = get_space("4v")
    with global_rng_untouched():
        a = [space.hash(x) for x in space.sample(np.random.default_rng(1), 5000)]
    assert a == [space.hash(x) for x in space.sample(np.random.default_rng(1), 5000)]
    counts = np.unique(a, return_counts=True)[1]
    assert len(counts) == 91 and counts.min() > 20  # 5000/91 ~ 55 per cell


def _one_move_hashes(space, arch: Arch) -> set[str]:
    """Hashes of the valid cells one edge flip or one op change from ``arch``, by brute force."""
    a, n, out = arch.array(), arch.num_vertices, set()
    flips = [(i, j, None) for i in range(n) for j in range(i + 1, n)]
    changes = [(None, v, op) for v in range(1, n - 1) for op in (C3, C1, MP)
               if op != arch.ops[v]]
    for i, j, op in flips + changes:
        b, ops = a.copy(), list(arch.ops)
        if op is None:
            b[i, j] ^= 1
        else:
            ops[j] = op
        cand = Arch(b.tolist(), ops)
        if space.is_valid(cand):
            out.add(space.hash(cand))
    return out - {space.hash(arch)}


def test_neighbours_are_valid_distinct_and_one_move_away():
    space = get_space("5v")
    arch = Arch([[0, 1, 0, 0, 1], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1],
                 [0, 0, 0, 0, 0]], ["input", C3, C1, MP, "output"])
    nbrs = space.neighbours(arch)
    assert all(space.is_valid(n) and space.validate(n) == n for n in nbrs)
    hashes = [space.hash(n) for n in nbrs]
    assert len(set(hashes)) == len(hashes) and space.hash(arch) not in hashes
    # 5 edge removals, 5 additions, 3 x 2 op changes; removing any chain edge prunes the cell to
    # input -> output (one cell for 4 moves): 2 + 5 + 6 = 13 distinct cells
    assert set(hashes) == _one_move_hashes(space, arch) and len(hashes) == 13


@pytest.mark.parametrize(("matrix", "ops", "rule"), [
    ([[0, 1], [0, 0], [0, 0]], ["input", "output"], "not-square"),
    ([[0, 2], [0, 0]], ["input", "output"], "not-binary"),
    ([[0, 1, 0], [0, 0, 1], [1, 0, 0]], ["input", C3, "output"], "not-upper-triangular"),
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv5x5", "output"], "unknown-op"),
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [C3, C3, "output"], "first-op"),
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", C3, C3], "last-op"),
    ([[0, 1, 0], [0, 0, 0], [0, 0, 0]], ["input", C3, "output"], "disconnected"),
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", C3], "ops-length"),
])
def test_each_broken_rule_is_named(matrix, ops, rule):
    with pytest.raises(InvalidArchError) as err:
        check_arch(Arch(matrix, ops))
    assert err.value.rule == rule and rule in str(err.value)


def test_limits_apply_after_pruning():
    full = np.triu(np.ones((6, 6), dtype=int), 1)  # 15 edges, 6 vertices
    arch = Arch(full.tolist(), ["input", C3, C3, C3, C3, "output"])
    with pytest.raises(InvalidArchError, match="too-many-vertices"):
        get_space("5v").validate(arch)
    with pytest.raises(InvalidArchError, match="too-many-edges"):
        get_space("7v").validate(arch)
    dangling = Arch([[0, 1, 1], [0, 0, 0], [0, 0, 0]], ["input", C3, "output"])
    assert get_space("4v").validate(dangling).num_vertices == 2


def test_json_and_csv_forms_round_trip():
    arch = Arch([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", MP, "output"])
    assert Arch.from_json(json.dumps(arch.to_json())) == arch
    assert Arch.from_strings(*arch.to_strings()) == arch
    assert arch.to_strings() == ("011001000", f"input,{MP},output")


def test_encodings_have_documented_widths_and_content():
    arch = Arch([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", MP, "output"])
    adj = adjacency_encoding([arch], 7)
    assert adj.shape == (1, 36)
    # slots: (0,1) is bit 0, (0,6) bit 5, (1,6) bit 10; op of vertex 1 = maxpool -> 21 + 2
    assert set(np.flatnonzero(adj[0])) == {0, 5, 10, 23}
    paths = path_encoding([arch], 7)
    assert paths.shape == (1, 364) and paths.sum() == 2  # () and (maxpool,)


def test_hash_many_matches_hash():
    space = get_space("5v")
    archs = space.sample(np.random.default_rng(3), 200)
    assert space.hash_many(archs) == [hash_module(a.array(), a.labels()) for a in archs]

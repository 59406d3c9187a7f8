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
        labels = np.array([lab for *_, lab in items])
        assert hash_modules_batch(mats, labels) == [h for h, *_ in items]


@pytest.mark.parametrize(("space", "name", "count"), [("4v", "4V9E", 91), ("5v", "5V9E", 2532)])
def test_enumeration_equals_official_hash_set(raw_dir, space, name, count):
    cells = get_space(space).cells()
    assert len(cells) == count
    assert set(cells["module_hash"]) == set(official(raw_dir, name))


@pytest.mark.slow
def test_7v_enumeration_count_and_accounting():
    cells = get_space("7v").cells()
    assert len(cells) == 423_624
    assert cells["module_hash"].is_unique
    assert cells["fingerprint"].is_unique  # the integer fingerprint separates every cell
    assert cells["num_vertices"].value_counts().to_dict() == {
        7: 359_082, 6: 62_010, 5: 2_441, 4: 84, 3: 6, 2: 1}
    assert (cells["num_edges"] <= 9).all() and (cells["trainable_params"] > 0).all()


def _permute(arch: Arch, inner_perm: list[int]) -> Arch | None:
    """Relabel inner vertices; None when the order is not topological."""
    n = arch.num_vertices
    order = [0, *[p + 1 for p in inner_perm], n - 1]
    a = arch.array()[np.ix_(order, order)]
    if np.tril(a).any():
        return None
    return Arch(a.tolist(), [arch.ops[i] for i in order])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), perm_seed=st.integers(0, 2**32 - 1))
def test_hash_invariant_under_vertex_permutation(seed, perm_seed):
    space = get_space("5v")
    arch = space.sample(np.random.default_rng(seed))[0]
    perm = list(np.random.default_rng(perm_seed).permutation(arch.num_vertices - 2))
    other = _permute(arch, [int(p) for p in perm])
    if other is not None:
        assert hash_module(other.array(), other.labels()) == space.hash(arch)
        fps = wl_fingerprints(np.stack([arch.array(), other.array()]),
                              np.array([arch.labels(), other.labels()]))
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
    state = np.random.get_state()  # noqa: NPY002 (checking it is untouched)
    a = [space.hash(x) for x in space.sample(np.random.default_rng(1), 5000)]
    assert a == [space.hash(x) for x in space.sample(np.random.default_rng(1), 5000)]
    counts = np.unique(a, return_counts=True)[1]
    assert len(counts) == 91 and counts.min() > 20  # 5000/91 ~ 55 per cell
    assert np.all(np.random.get_state()[1] == state[1])  # noqa: NPY002


def test_neighbours_are_valid_distinct_and_one_move_away():
    space = get_space("5v")
    arch = Arch([[0, 1, 0, 0, 1], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1],
                 [0, 0, 0, 0, 0]], ["input", C3, C1, MP, "output"])
    nbrs = space.neighbours(arch)
    hashes = {space.hash(n) for n in nbrs}
    assert len(hashes) == len(nbrs) > 6
    assert space.hash(arch) not in hashes


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


def test_hash_many_matches_hash(raw_dir):
    space = get_space("5v")
    archs = space.sample(np.random.default_rng(3), 200)
    assert space.hash_many(archs) == [hash_module(a.array(), a.labels()) for a in archs]

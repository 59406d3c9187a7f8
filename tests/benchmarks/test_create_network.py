"""The torch NAS-Bench-101 network: parameter counts equal the analytic cost model everywhere."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from benchmarks.create import build_network  # noqa: E402
from benchmarks.create.network import trainable_params  # noqa: E402
from benchmarks.space import get_space  # noqa: E402
from benchmarks.space.arch import Arch, InvalidArchError, check_arch  # noqa: E402
from benchmarks.space.cost import NetworkConfig, count_batch  # noqa: E402


def _check_space(cells, config: NetworkConfig) -> None:
    archs = [Arch.from_strings(m, o) for m, o in zip(cells["matrix"], cells["ops"], strict=True)]
    for v in sorted({a.num_vertices for a in archs}):
        group = [a for a in archs if a.num_vertices == v]
        expected, _ = count_batch(np.stack([a.array() for a in group]),
                                  np.array([a.labels() for a in group]), config)
        got = [trainable_params(build_network(a, config)) for a in group]
        bad = [(str(a), g, int(e)) for a, g, e in zip(group, got, expected, strict=True) if g != e]
        assert not bad, f"{len(bad)} cells differ, first: {bad[0]}"


def test_all_4v_cells_default_network():
    _check_space(get_space("4v").cells(), NetworkConfig())


def test_all_5v_cells_odd_channel_splits():
    # 13 stem channels: uneven channel splits at every stack (13, 26, 52), 3 stacks of 1 module
    _check_space(get_space("5v").cells(), NetworkConfig(stem_channels=13, cells_per_stack=1))


def test_200_sampled_7v_cells():
    # 19 stem channels (uneven splits over up to 5 feeding vertices), 3 stacks of 2 modules:
    # every accounting rule of the default network at a fraction of its allocation cost
    archs = _random_7v_cells(np.random.default_rng(7), 200)
    assert len(archs) == 200
    cells = {"matrix": [a.to_strings()[0] for a in archs],
             "ops": [a.to_strings()[1] for a in archs]}
    _check_space(cells, NetworkConfig(stem_channels=19, cells_per_stack=2))


def _random_7v_cells(rng: np.random.Generator, n: int) -> list[Arch]:
    """Distinct 7-vertex cells (<= 9 edges) by rejection, without enumerating the space
    (``get_space("7v").sample`` builds the 423,624-cell catalogue first: a minute)."""
    ops = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
    out: dict[str, Arch] = {}
    while len(out) < n:
        m = np.triu(rng.random((7, 7)) < 0.35, k=1).astype(int)
        arch = Arch(tuple(map(tuple, m.tolist())),
                    ("input", *(ops[i] for i in rng.integers(3, size=5)), "output"))
        try:
            pruned = check_arch(arch, max_vertices=7, max_edges=9)
        except InvalidArchError:
            continue
        if pruned.num_vertices == 7:  # distinct cells with all 7 vertices after pruning
            out[pruned.module_hash()] = pruned
    return list(out.values())


def test_4v_default_counts_match_the_space_catalogue():
    cells = get_space("4v").cells().iloc[:10]
    for m, o, p in zip(cells["matrix"], cells["ops"], cells["trainable_params"], strict=True):
        assert trainable_params(build_network(Arch.from_strings(m, o))) == p


def test_forward_shapes_and_pruning():
    cells = get_space("5v").cells()
    arch = Arch.from_strings(cells["matrix"][1000], cells["ops"][1000])
    net = build_network(arch, NetworkConfig(stem_channels=8, num_stacks=3, cells_per_stack=1,
                                            input_size=9, input_channels=1, num_classes=4))
    out = net(torch.zeros(2, 1, 9, 9))  # odd side: 'same' max-pool gives 5, then 3
    assert out.shape == (2, 4)
    # an unpruned cell (vertex 2 feeds nothing) builds the pruned network
    dangling = Arch(((0, 1, 1, 0), (0, 0, 0, 1), (0, 0, 0, 0), (0, 0, 0, 0)),
                    ("input", "conv3x3-bn-relu", "conv1x1-bn-relu", "output"))
    pruned = Arch(((0, 1, 0), (0, 0, 1), (0, 0, 0)), ("input", "conv3x3-bn-relu", "output"))
    assert trainable_params(build_network(dangling)) == trainable_params(build_network(pruned))
    assert trainable_params(build_network(pruned.to_json())) == \
        trainable_params(build_network(pruned))

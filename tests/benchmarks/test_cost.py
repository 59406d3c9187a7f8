"""Tests for benchmarks.space.cost: exact parameter counts against EC-NAS's measured networks."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.space.arch import OPS, Arch, InvalidArchError, check_arch
from benchmarks.space.cost import (
    NetworkConfig,
    count_batch,
    count_flops,
    count_params,
    vertex_channels,
)

TINY = NetworkConfig(stem_channels=4, num_stacks=2, cells_per_stack=1, input_size=5,
                     num_classes=2, input_channels=1)


def _reference_channels(matrix: np.ndarray, c_in: int, c_out: int) -> list[int]:
    """Line-by-line port of NAS-Bench-101's compute_vertex_channels."""
    v = len(matrix)
    channels = [c_in, *[0] * (v - 2), c_out]
    if v == 2:
        return channels
    in_degree = np.sum(matrix[1:], axis=0)
    interior, correction = divmod(c_out, int(in_degree[v - 1]))
    for t in range(1, v - 1):
        if matrix[t][v - 1]:
            channels[t] = interior + (correction > 0)
            correction -= correction > 0
    for t in range(v - 3, 0, -1):
        if not matrix[t][v - 1]:
            channels[t] = max(channels[d] for d in range(t + 1, v - 1) if matrix[t][d])
    return channels


def _reference(matrix: np.ndarray, labels: list[int],
               config: NetworkConfig) -> tuple[int, int]:
    """Plain-loop port of NAS-Bench-101's model_builder: (params, MACs) of one cell."""
    v = len(matrix)
    params = 9 * config.input_channels * config.stem_channels + 2 * config.stem_channels
    flops = 9 * config.input_channels * config.stem_channels * config.input_size**2
    side, c_in = config.input_size, config.stem_channels
    for stack in range(config.num_stacks):
        c_out = config.stem_channels * 2**stack
        side = side if stack == 0 else (side + 1) // 2
        for _ in range(config.cells_per_stack):
            ch = _reference_channels(matrix, c_in, c_out)
            for t in range(1, v):
                c = ch[t] if t < v - 1 else c_out
                if matrix[0][t]:  # projection of the module input
                    params += c_in * c + 2 * c
                    flops += c_in * c * side**2
                if t < v - 1 and labels[t] in (0, 1):
                    k2 = 9 if labels[t] == 0 else 1
                    params += k2 * c * c + 2 * c
                    flops += k2 * c * c * side**2
            c_in = c_out
    params += c_in * config.num_classes + config.num_classes
    return params, flops + c_in * config.num_classes


def _stack(cells: list[tuple[np.ndarray, list[int]]]) -> tuple[np.ndarray, np.ndarray]:
    return (np.stack([np.asarray(m, dtype=np.uint8) for m, _ in cells]),
            np.array([lab for _, lab in cells], dtype=np.int8))


def _by_vertices(cells: list[tuple[np.ndarray, list[int], int]]) -> dict[int, list]:
    groups: dict[int, list] = defaultdict(list)
    for m, lab, target in cells:
        groups[len(lab)].append((m, lab, target))
    return groups


def _assert_params_match(cells: list[tuple[np.ndarray, list[int], int]]) -> None:
    for v, group in _by_vertices(cells).items():
        matrices, labels = _stack([(m, lab) for m, lab, _ in group])
        params, _ = count_batch(matrices, labels)
        expected = np.array([target for _, _, target in group])
        mismatches = np.flatnonzero(params != expected)
        assert mismatches.size == 0, f"{v} vertices: {mismatches.size} mismatches"


# ----- hand-computed cases -------------------------------------------------------------------
def test_two_vertex_cell_is_all_projections() -> None:
    # Every module is a 1x1 projection C_in -> C_out + BN: C_in*C_out + 2*C_out.
    # stem 9*3*128 + 256 = 3712; stack 1: 3 * (128*128 + 256) = 49920;
    # stack 2: (128*256 + 512) + 2 * (256*256 + 512) = 33280 + 132096 = 165376;
    # stack 3: (256*512 + 1024) + 2 * (512*512 + 1024) = 132096 + 526336 = 658432;
    # dense 512*10 + 10 = 5130; total 882570.
    assert count_params([[0, 1], [0, 0]], [-1, -2]) == 882570


def test_three_vertex_cell() -> None:
    # input -> conv1x1 -> output plus input -> output. Vertex 1 takes all C_out channels.
    # Module: projection to v1 (C_in*C + 2C) + conv1x1 (C*C + 2C) + output projection
    # (C_in*C + 2C) = 2*C_in*C + C*C + 6C.
    # stack 1: 3 * (2*128*128 + 128*128 + 768) = 3 * 49920 = 149760
    # stack 2: (2*128*256 + 256*256 + 1536) + 2 * (3*256*256 + 1536) = 132608 + 396288 = 528896
    # stack 3: (2*256*512 + 512*512 + 3072) + 2 * (3*512*512 + 3072) = 527360 + 1579008
    # total: 3712 (stem) + 149760 + 528896 + 2106368 + 5130 (dense) = 2793866
    assert count_params([[0, 1, 1], [0, 0, 1], [0, 0, 0]], [-1, 1, -2]) == 2793866


def test_tiny_config_flops_and_params() -> None:
    # input -> conv3x3 -> output on TINY (1 input channel, stem 4, 5x5 image, 2 stacks of 1).
    # stem: 9*1*4*25 = 900 MACs, 9*4 + 8 = 44 params.
    # stack 1 (5x5, 4 -> 4): projection 4*4 + conv 9*4*4 = 160 per pixel -> 4000 MACs;
    #   params 16 + 8 + 144 + 8 = 176.
    # stack 2 (ceil(5/2) = 3x3, 4 -> 8): projection 4*8 + conv 9*8*8 = 608 -> 5472 MACs;
    #   params 32 + 16 + 576 + 16 = 640.
    # dense 8 -> 2: 16 MACs, 18 params.  Totals: 10388 MACs, 878 params.
    cell = [[0, 1, 0], [0, 0, 1], [0, 0, 0]], [-1, 0, -2]
    assert count_flops(*cell, config=TINY) == 900 + 4000 + 5472 + 16
    assert count_params(*cell, config=TINY) == 44 + 176 + 640 + 18


def test_vertex_channels_split_and_propagation() -> None:
    # 1 -> {2, 3}; 2 and 3 feed the output: 129 = 65 + 64; vertex 1 takes max(65, 64).
    m = np.zeros((5, 5), dtype=np.uint8)
    for src, dst in [(0, 1), (1, 2), (1, 3), (2, 4), (3, 4)]:
        m[src, dst] = 1
    assert vertex_channels(m, 7, 129) == [7, 65, 65, 64, 129]
    assert vertex_channels(np.array([[0, 1], [0, 0]]), 7, 129) == [7, 129]


def test_maxpool_and_default_flops() -> None:
    # A max-pool vertex costs nothing; only the two projections remain.
    pool = count_flops([[0, 1, 1], [0, 0, 1], [0, 0, 0]], [-1, 2, -2])
    proj = count_flops([[0, 1], [0, 0]], [-1, -2])
    assert pool == 2 * proj - 9 * 3 * 128 * 32 * 32 - 512 * 10


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="shape"):
        count_batch(np.zeros((2, 3, 4)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="interior"):
        count_params([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [-1, 3, -2])
    with pytest.raises(ValueError, match="positive"):
        NetworkConfig(num_stacks=0)


# ----- random cells: batch == scalar == plain-loop reference ---------------------------------
def _random_cells(n: int, seed: int) -> list[tuple[np.ndarray, list[int]]]:
    rng = np.random.default_rng(seed)
    cells = []
    for _ in range(n):
        v = int(rng.integers(2, 8))
        m = np.triu(rng.random((v, v)) < 0.45, 1).astype(int)
        ops = ("input", *(str(op) for op in rng.choice(OPS, size=v - 2)), "output")
        try:
            arch = check_arch(Arch(m.tolist(), ops))
        except InvalidArchError:
            continue
        cells.append((arch.array(), arch.labels()))
    return cells


@pytest.mark.parametrize("config", [NetworkConfig(), TINY], ids=["default", "tiny"])
def test_batch_matches_scalar_and_reference(config: NetworkConfig) -> None:
    groups: dict[int, list] = defaultdict(list)
    for m, lab in _random_cells(300, seed=1):
        groups[len(lab)].append((m, lab))
    assert len(groups) >= 4
    for cells in groups.values():
        params, flops = count_batch(*_stack(cells), config=config)
        assert params.dtype == flops.dtype == np.int64
        for (m, lab), p, f in zip(cells, params, flops, strict=True):
            assert (count_params(m, lab, config), count_flops(m, lab, config)) == (p, f)
            assert _reference(m, lab, config) == (p, f)
            assert vertex_channels(m, 3, 100) == _reference_channels(m, 3, 100)


# ----- exact agreement with the measured networks ---------------------------------------------
@pytest.mark.parametrize("space", ["4V9E", "5V9E"])
def test_params_match_results_json(raw_dir: Path, space: str) -> None:
    graphs = json.loads((raw_dir / "graphs" / f"generated_graphs_{space}.json").read_text())
    results = sorted((raw_dir / "train_model_results" / "energy" / space / "4_epochs").glob(
        "*/*/repeat_*/results.json"))
    targets = [(f.parents[1].name, json.loads(f.read_text())["trainable_params"])
               for f in results]  # every repeat, not only one per cell
    assert {h for h, _ in targets} == set(graphs)
    assert len(graphs) == {"4V9E": 91, "5V9E": 2532}[space]
    _assert_params_match([(*graphs[h], p) for h, p in targets])


def test_params_match_7v_sample(raw_dir: Path) -> None:
    df = pd.read_csv(raw_dir / "energy_7V9E_4epochs_sample.csv", dtype={"matrix": str})
    assert len(df) == 3448
    cells = []
    for bits, ops, target in zip(df["matrix"], df["ops"], df["trainable_params"], strict=True):
        arch = check_arch(Arch.from_strings(bits, ops))
        cells.append((arch.array(), arch.labels(), int(target)))
    _assert_params_match(cells)

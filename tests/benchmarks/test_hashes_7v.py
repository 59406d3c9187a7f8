"""7V batch hashes against NAS-Bench-101's own algorithm on the 3,448 cells of the 7V sample.

The reference below is NAS-Bench-101's ``model_spec._prune`` and ``graph_util.hash_module``
(Apache-2.0), kept verbatim in logic and independent of ``benchmarks.space``, so a shared bug
cannot hide: every fast path (fingerprint lookup in the 423,624-cell catalog, the batched md5,
the CSV import, the shipped table) must give the official hash of every sampled cell.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from benchmarks.space import Arch, get_space
from benchmarks.space.describe import describe_frame
from benchmarks.space.hashing import hash_modules_batch
from benchmarks.tables.registry import load_benchmark

# the 7V catalog (423,624 cells) is built once per session: under pytest -n, a worker that
# needs it while another builds it waits for that build (benchmarks.space.catalog's lock)

LABEL = {"input": -1, "output": -2, "conv3x3-bn-relu": 0, "conv1x1-bn-relu": 1,
         "maxpool3x3": 2}


def official_prune(matrix: np.ndarray, ops: list[str]) -> tuple[np.ndarray, list[str]]:
    """NAS-Bench-101 ``ModelSpec._prune``: drop vertices not on an input -> output path."""
    n = len(matrix)
    from_input, frontier = {0}, [0]
    while frontier:
        top = frontier.pop()
        for v in range(top + 1, n):
            if matrix[top, v] and v not in from_input:
                from_input.add(v)
                frontier.append(v)
    to_output, frontier = {n - 1}, [n - 1]
    while frontier:
        top = frontier.pop()
        for v in range(0, top):
            if matrix[v, top] and v not in to_output:
                to_output.add(v)
                frontier.append(v)
    extraneous = set(range(n)) - (from_input & to_output)
    keep = [v for v in range(n) if v not in extraneous]
    return matrix[np.ix_(keep, keep)], [ops[v] for v in keep]


def official_hash(matrix: np.ndarray, labeling: list[int]) -> str:
    """NAS-Bench-101 ``graph_util.hash_module``."""
    vertices = np.shape(matrix)[0]
    in_edges = np.sum(matrix, axis=0).tolist()
    out_edges = np.sum(matrix, axis=1).tolist()
    hashes = [hashlib.md5(str(h).encode("utf-8")).hexdigest()
              for h in zip(out_edges, in_edges, labeling, strict=True)]
    for _ in range(vertices):
        hashes = [hashlib.md5(("".join(sorted(hashes[w] for w in range(vertices) if matrix[w, v]))
                               + "|"
                               + "".join(sorted(hashes[w] for w in range(vertices)
                                                if matrix[v, w]))
                               + "|" + hashes[v]).encode("utf-8")).hexdigest()
                  for v in range(vertices)]
    return hashlib.md5(str(sorted(hashes)).encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def sample(raw_dir) -> pd.DataFrame:
    """The 7V sample with each row's pruned cell and its official hash."""
    rows = pd.read_csv(raw_dir / "energy_7V9E_4epochs_sample.csv", dtype={"matrix": str})
    pruned, hashes = [], []
    for bits, ops in zip(rows["matrix"], rows["ops"], strict=True):
        n = round(len(bits) ** 0.5)
        matrix = np.array([int(b) for b in bits], dtype=np.int64).reshape(n, n)
        m, o = official_prune(matrix, ops.split(","))
        pruned.append(Arch(m.tolist(), o))
        hashes.append(official_hash(m, [LABEL[op] for op in o]))
    return rows.assign(arch=pruned, official=hashes)


@pytest.mark.slow
def test_catalog_lookup_gives_the_official_hash_of_every_sampled_cell(sample):
    assert len(sample) == 3448
    assert get_space("7v").hash_many(list(sample["arch"])) == list(sample["official"])


@pytest.mark.slow
def test_batched_md5_gives_the_official_hashes(sample):
    sizes = sample["arch"].map(lambda a: a.num_vertices)
    assert sizes.nunique() > 1  # several sizes: the batches are really grouped
    for _, group in sample.groupby(sizes):
        mats = np.stack([a.array() for a in group["arch"]])
        labels = np.array([[LABEL[op] for op in a.ops] for a in group["arch"]])
        assert hash_modules_batch(mats, labels) == list(group["official"])


@pytest.mark.slow
def test_csv_import_and_shipped_table_carry_the_official_hashes(sample, tmp_path):
    described = describe_frame(sample[["matrix", "ops"]], get_space("7v"), pruned=True)
    assert list(described["module_hash"]) == list(sample["official"])
    bench = load_benchmark("ecnas-7v-energy-sample", data_dir=tmp_path)
    assert sorted(bench.frame["module_hash"]) == sorted(sample["official"])

"""Speed of the cell space against the straightforward NAS-Bench-101 generator loop.

Run: ``python tests/perf/perf_space.py`` (uses a fresh cache dir, so nothing is reused).
Prints: 7V enumeration time (with params and FLOPs) vs the straightforward loop extrapolated
from a timed sample of it, and batch hashing speed vs per-cell hashing, as ratios.
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np

os.environ["ECNAS_CACHE_DIR"] = tempfile.mkdtemp()

import hashlib

from benchmarks.space import get_space, hash_module
from benchmarks.space.catalog import build_cells
from benchmarks.space.enumeration import _labellings, full_dags
from benchmarks.space.hashing import hash_modules_batch


def reference_hash(matrix: np.ndarray, labeling: list[int]) -> str:
    """NAS-Bench-101's ``graph_util.hash_module`` as published (NumPy indexing in loops)."""
    vertices = np.shape(matrix)[0]
    in_edges = np.sum(matrix, axis=0).tolist()
    out_edges = np.sum(matrix, axis=1).tolist()
    hashes = list(zip(out_edges, in_edges, labeling, strict=True))
    hashes = [hashlib.md5(str(h).encode("utf-8")).hexdigest() for h in hashes]
    for _ in range(vertices):
        new_hashes = []
        for v in range(vertices):
            in_neighbors = [hashes[w] for w in range(vertices) if matrix[w, v]]
            out_neighbors = [hashes[w] for w in range(vertices) if matrix[v, w]]
            new_hashes.append(hashlib.md5(
                ("".join(sorted(in_neighbors)) + "|" + "".join(sorted(out_neighbors)) + "|"
                 + hashes[v]).encode("utf-8")).hexdigest())
        hashes = new_hashes
    return hashlib.md5(str(sorted(hashes)).encode("utf-8")).hexdigest()


def straightforward_per_candidate(sample: int = 20_000) -> tuple[float, int]:
    """Seconds per labelled candidate of the generator loop, and the 7V candidate count."""
    rng = np.random.default_rng(0)
    total, mats, labs = 0, [], []
    for v in range(2, 8):
        dags, labels = full_dags(v, 9), _labellings(v, 3)
        total += len(dags) * len(labels)
        if v == 7:
            pick = rng.integers(len(dags), size=sample)
            mats = [dags[i] for i in pick]
            labs = [labels[i] for i in rng.integers(len(labels), size=sample)]
    seen: set[str] = set()
    t = time.perf_counter()
    for m, lab in zip(mats, labs, strict=True):  # the generator's inner loop: hash, dedupe
        seen.add(reference_hash(m, lab.tolist()))
    return (time.perf_counter() - t) / sample, total


def main() -> None:
    per, n_candidates = straightforward_per_candidate()
    print(f"straightforward loop: {per * 1e6:.1f} us per candidate x {n_candidates:,} "
          f"candidates = {per * n_candidates:.0f} s (extrapolated)")
    t = time.perf_counter()
    cells = build_cells(7, 9)
    took = time.perf_counter() - t
    print(f"vectorised 7V enumeration with params+FLOPs: {len(cells):,} cells in {took:.1f} s"
          f"  -> {per * n_candidates / took:.0f}x faster")

    space = get_space("7v")
    cells.to_parquet(os.path.join(os.environ["ECNAS_CACHE_DIR"], "cells-7v9e-v2.parquet"))
    archs = space.sample(np.random.default_rng(1), 100_000)
    seven = [a for a in archs if a.num_vertices == 7]
    mats = np.array([a.matrix for a in seven], dtype=np.uint8)
    labs = np.array([a.labels() for a in seven])
    space.hash_arrays(mats[:10], labs[:10])  # load the lookup index once
    t = time.perf_counter()
    fast = space.hash_arrays(mats, labs)
    batch = (time.perf_counter() - t) / len(seven)
    sub = seven[:3000]
    t = time.perf_counter()
    slow = [reference_hash(a.array(), a.labels()) for a in sub]
    single = (time.perf_counter() - t) / len(sub)
    t = time.perf_counter()
    ours = [hash_module(a.matrix, a.labels()) for a in sub]
    single_ours = (time.perf_counter() - t) / len(sub)
    assert slow == fast[:3000].tolist() == ours
    print(f"per-cell hash: reference {single * 1e6:.1f} us, ecnas hash_module "
          f"{single_ours * 1e6:.1f} us")
    print(f"batch hash of {len(seven):,} 7-vertex cells (hash_arrays): {batch * 1e6:.2f} us/cell"
          f" -> {single / batch:.0f}x the reference per-cell speed (target >= 50x)")
    t = time.perf_counter()
    exact = hash_modules_batch(mats[:20_000], labs[:20_000])
    md5_batch = (time.perf_counter() - t) / 20_000
    assert exact == fast[:20_000].tolist()
    print(f"batch md5 without the table (hash_modules_batch): {md5_batch * 1e6:.1f} us/cell "
          f"-> {single / md5_batch:.1f}x")


if __name__ == "__main__":
    main()

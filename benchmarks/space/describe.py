"""Describe cells: hash, pruned size, parameters and FLOPs, one cell or a table of cells."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from benchmarks.space.arch import Arch, InvalidArchError
from benchmarks.space.cost import count_batch
from benchmarks.space.hashing import hash_modules_batch
from benchmarks.space.search_space import SearchSpace

DESCRIBE_COLUMNS = ["module_hash", "num_vertices", "num_edges", "trainable_params", "flops",
                    "error"]


def describe(arch: Arch, space: SearchSpace) -> dict[str, Any]:
    """Hash, pruned vertex and edge counts, trainable parameters and FLOPs of one valid cell."""
    pruned = space.validate(arch)
    params, flops = count_batch(pruned.array()[None], np.array([pruned.labels()]))
    bits, ops = pruned.to_strings()
    return {"module_hash": space.hash(pruned), "num_vertices": pruned.num_vertices,
            "num_edges": pruned.num_edges, "trainable_params": int(params[0]),
            "flops": int(flops[0]), "matrix": bits, "ops": ops}


def describe_frame(cells: pd.DataFrame, space: SearchSpace, *,
                   pruned: bool = False) -> pd.DataFrame:
    """``cells`` (columns ``matrix``, ``ops``) plus :data:`DESCRIBE_COLUMNS`, row for row.

    Invalid rows get an ``error`` message and empty values; they do not stop the batch. With
    ``pruned``, the ``matrix`` and ``ops`` of valid rows are replaced by the pruned cell's.
    """
    for col in ("matrix", "ops"):
        if col not in cells.columns:
            raise ValueError(f"input has no {col!r} column (found: {', '.join(cells.columns)})")
    n = len(cells)
    out = {"module_hash": np.full(n, "", dtype=object), "num_vertices": np.zeros(n, np.int64),
           "num_edges": np.zeros(n, np.int64), "trainable_params": np.zeros(n, np.int64),
           "flops": np.zeros(n, np.int64), "error": np.full(n, "", dtype=object)}
    matrix, ops = cells["matrix"].astype(str).to_numpy(), cells["ops"].astype(str).to_numpy()
    by_size: dict[int, list[tuple[int, Arch]]] = {}
    for i, (m, o) in enumerate(zip(matrix.tolist(), ops.tolist(), strict=True)):
        try:
            cell = space.validate(Arch.from_strings(m, o))
        except InvalidArchError as exc:
            out["error"][i] = str(exc)
            continue
        by_size.setdefault(cell.num_vertices, []).append((i, cell))
        if pruned:
            matrix[i], ops[i] = cell.to_strings()
    for v, items in by_size.items():
        idx = np.array([i for i, _ in items])
        mats = np.stack([a.array() for _, a in items])
        labels = np.array([a.labels() for _, a in items])
        params, flops = count_batch(mats, labels)
        out["module_hash"][idx] = hash_modules_batch(mats, labels)
        out["num_vertices"][idx] = v
        out["num_edges"][idx] = mats.reshape(len(idx), -1).sum(axis=1)
        out["trainable_params"][idx] = params
        out["flops"][idx] = flops
    result = cells.copy()
    if pruned:
        result["matrix"], result["ops"] = matrix, ops
    for col in DESCRIBE_COLUMNS:
        result[col] = pd.array(out[col]) if col in ("module_hash", "error") else out[col]
    valid = result["error"] == ""
    for col in ("num_vertices", "num_edges", "trainable_params", "flops"):
        result[col] = result[col].astype("Int64").mask(~valid)
    return result

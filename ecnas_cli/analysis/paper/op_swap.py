"""Operation-swap impact: how metrics change when one vertex's operation is replaced.

Two cells form a pair when they have the same (pruned) adjacency matrix and differ in the
operation of exactly one vertex. Pairs are found by grouping cells on the matrix and their
operations with one position masked, one position at a time (vectorised; no pair loop).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from benchmarks.tables.benchmark import Benchmark

__all__ = ["OPS", "RELATIVE", "cell_table", "impact", "swap_pairs"]

OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
#: Metrics reported as relative change (%); accuracies as absolute change (fraction).
RELATIVE = ("energy_kwh", "training_time_s", "trainable_params", "flops")
N_BOOT = 2000


def cell_table(bench: Benchmark, epochs: int | None = None,
               metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per cell: ``module_hash``, ``matrix``, ``ops`` and mean metric values."""
    e = bench.epochs_or_default(epochs)
    metrics = [m for m in (metrics or bench.metrics) if m in bench.metrics]
    rows = bench.frame[bench.frame["epochs"].to_numpy() == e]
    cells = rows.drop_duplicates("module_hash")[["module_hash", "matrix", "ops"]]
    values = bench.query_many(cells["module_hash"].tolist(), epochs=e, metrics=metrics)
    out = cells.reset_index(drop=True)
    for m in metrics:
        out[m] = values[m]
    return out


def swap_pairs(cells: pd.DataFrame) -> pd.DataFrame:
    """Every ordered pair of cells differing by one operation at one vertex.

    Returns
    -------
    pandas.DataFrame
        ``old_op``, ``new_op``, ``position`` and the row positions ``a`` (old) and ``b`` (new)
        in ``cells``; each unordered pair appears in both directions.
    """
    ops = cells["ops"].str.split(",")
    n_ops = ops.str.len().to_numpy()
    parts = []
    for width in np.unique(n_ops):
        idx = np.flatnonzero(n_ops == width)
        table = np.array(ops.iloc[idx].tolist(), dtype=object)
        matrix = cells["matrix"].to_numpy()[idx]
        for pos in range(1, int(width) - 1):  # input and output never change
            masked = table.copy()
            masked[:, pos] = "*"
            key = pd.Series(matrix).str.cat([pd.Series(map(",".join, masked))], sep="|")
            frame = pd.DataFrame({"key": key.to_numpy(), "row": idx, "op": table[:, pos]})
            both = frame.merge(frame, on="key", suffixes=("_a", "_b"))
            both = both[both["op_a"] != both["op_b"]]
            parts.append(pd.DataFrame({"old_op": both["op_a"].to_numpy(),
                                       "new_op": both["op_b"].to_numpy(), "position": pos,
                                       "a": both["row_a"].to_numpy(),
                                       "b": both["row_b"].to_numpy()}))
    cols = ["old_op", "new_op", "position", "a", "b"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def impact(cells: pd.DataFrame, metrics: Sequence[str], *, seed: int = 0,
           n_boot: int = N_BOOT, level: float = 0.95) -> pd.DataFrame:
    """Mean change per (old op -> new op) and metric with a percentile bootstrap interval.

    Relative change in % for :data:`RELATIVE` metrics, ``100 * (new - old) / old`` (``mean``),
    and the paper's antisymmetric change ``100 * (new - old) / mean(old, new)``
    (``symmetric``: the swap matrices of the paper are antisymmetric); absolute change
    (fraction) for accuracies (both columns equal). Pairs are resampled with
    ``numpy.random.default_rng(seed)``.

    Returns
    -------
    pandas.DataFrame
        ``old_op``, ``new_op``, ``metric``, ``kind`` ("relative %" or "absolute"), ``pairs``,
        ``mean``, ``ci_low``, ``ci_high``, ``symmetric``, ``symmetric_low``,
        ``symmetric_high``.
    """
    pairs = swap_pairs(cells)
    rng = np.random.default_rng(seed)
    alpha = (1.0 - level) / 2
    rows = []
    for (old, new), block in pairs.groupby(["old_op", "new_op"], sort=True):
        a, b = block["a"].to_numpy(), block["b"].to_numpy()
        draws = rng.integers(0, len(a), size=(n_boot, len(a)))
        for m in metrics:
            va, vb = cells[m].to_numpy(dtype=float)[a], cells[m].to_numpy(dtype=float)[b]
            rel = m in RELATIVE
            change = 100.0 * (vb - va) / va if rel else vb - va
            # the paper's antisymmetric change: a -> b is exactly minus b -> a
            sym = 200.0 * (vb - va) / (va + vb) if rel else vb - va
            ok = np.isfinite(change) & np.isfinite(sym)
            if not ok.any():
                continue
            boot = np.nanmean(np.where(ok, change, np.nan)[draws], axis=1)
            lo, hi = np.nanquantile(boot, [alpha, 1 - alpha])
            boot = np.nanmean(np.where(ok, sym, np.nan)[draws], axis=1)
            slo, shi = np.nanquantile(boot, [alpha, 1 - alpha])
            rows.append({"old_op": old, "new_op": new, "metric": m,
                         "kind": "relative %" if rel else "absolute", "pairs": int(ok.sum()),
                         "mean": float(change[ok].mean()), "ci_low": float(lo),
                         "ci_high": float(hi), "symmetric": float(sym[ok].mean()),
                         "symmetric_low": float(slo), "symmetric_high": float(shi)})
    return pd.DataFrame(rows, columns=["old_op", "new_op", "metric", "kind", "pairs", "mean",
                                       "ci_low", "ci_high", "symmetric", "symmetric_low",
                                       "symmetric_high"])

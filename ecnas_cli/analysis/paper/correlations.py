"""Energy against training time and parameters: rank correlations and where time misranks.

Kendall's tau (tau-b, scipy) between cells' mean energy and each proxy; a "misranked" pair is
two cells that the proxy orders one way and energy the other, counted only when both differ by
more than ``margin`` (relative), so that ties within measurement noise do not count.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, spearmanr

__all__ = ["PROXIES", "misranked_pairs", "rank_correlations", "rank_gap"]

PROXIES = ("training_time_s", "trainable_params", "flops")


def rank_correlations(cells: pd.DataFrame, space: str, target: str = "energy_kwh",
                      proxies: Sequence[str] = PROXIES) -> pd.DataFrame:
    """Kendall tau and Spearman rho of ``target`` with each proxy column present.

    Returns
    -------
    pandas.DataFrame
        ``space``, ``proxy``, ``cells``, ``kendall_tau``, ``spearman_rho``,
        ``misranked_share`` (of pairs, see :func:`misranked_pairs` with a 5% margin).
    """
    rows = []
    for p in proxies:
        if p not in cells or cells[p].isna().all():
            continue
        ok = cells[[target, p]].notna().all(axis=1).to_numpy()
        x, y = cells[p].to_numpy(dtype=float)[ok], cells[target].to_numpy(dtype=float)[ok]
        rows.append({"space": space, "proxy": p, "cells": int(ok.sum()),
                     "kendall_tau": float(kendalltau(x, y).statistic),
                     "spearman_rho": float(spearmanr(x, y).statistic),
                     "misranked_share": misranked_pairs(x, y, margin=0.05)})
    return pd.DataFrame(rows)


def misranked_pairs(proxy: np.ndarray, energy: np.ndarray, *, margin: float = 0.05,
                    max_cells: int = 3000) -> float:
    """Share of cell pairs, both apart by more than ``margin``, ordered oppositely.

    All pairs are compared (``O(n^2)``, fine up to ``max_cells`` cells; beyond that an evenly
    spaced subset of cells by energy rank is used).

    Examples
    --------
    >>> misranked_pairs(np.array([1.0, 2, 3]), np.array([1.0, 3, 2]))
    0.3333333333333333
    """
    order = np.argsort(energy, kind="stable")
    if len(order) > max_cells:
        order = order[np.linspace(0, len(order) - 1, max_cells).astype(int)]
    x, y = proxy[order], energy[order]
    i, j = np.triu_indices(len(x), k=1)
    dx, dy = x[j] - x[i], y[j] - y[i]
    apart = (np.abs(dx) > margin * np.minimum(x[i], x[j])) & \
        (np.abs(dy) > margin * np.minimum(y[i], y[j]))
    if not apart.any():
        return float("nan")
    return float((np.sign(dx[apart]) != np.sign(dy[apart])).mean())


def rank_gap(cells: pd.DataFrame, proxy: str = "training_time_s",
             target: str = "energy_kwh") -> pd.DataFrame:
    """Per cell: energy rank minus proxy rank (as a share of cells), largest misranks first.

    Returns ``cells`` with ``energy_rank``, ``proxy_rank`` (0..1) and ``rank_gap``.
    """
    out = cells[cells[[target, proxy]].notna().all(axis=1)].copy()
    out["energy_rank"] = out[target].rank(pct=True)
    out["proxy_rank"] = out[proxy].rank(pct=True)
    out["rank_gap"] = out["energy_rank"] - out["proxy_rank"]
    return out.reindex(out["rank_gap"].abs().sort_values(ascending=False).index)

"""The linear-scaling check: energy at two checkpoints of the same run.

If a run costs ``E(e) = a + b e`` (a fixed part ``a`` plus ``b`` per epoch), two checkpoints
``e1 < e2`` give ``b = (E2 - E1) / (e2 - e1)`` and ``a = E2 - b e2``. The official tables scale
the last checkpoint linearly, ``E(T) = E(e2) T / e2``; with a fixed part that overstates
``E(T)`` by ``a (T / e2 - 1) / (a + b T)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.tables.benchmark import Benchmark

__all__ = ["TARGET_EPOCHS", "checkpoint_ratios", "scaling_summary"]

#: The budget the official tables scale to.
TARGET_EPOCHS = 108


def checkpoint_ratios(bench: Benchmark, target: int = TARGET_EPOCHS) -> pd.DataFrame:
    """Per measured run: ``E(e2)/E(e1)``, the fixed share ``a / E(e2)`` and the error of
    linear scaling to ``target`` epochs (%), between the benchmark's first and last
    fidelities (``e1``, ``e2``).

    Returns
    -------
    pandas.DataFrame
        ``module_hash``, ``repeat``, ``e1``, ``e2``, ``energy_e1``, ``energy_e2``, ``ratio``,
        ``fixed_share_pct``, ``scaling_error_pct``.
    """
    if len(bench.fidelities) < 2:
        raise ValueError(f"{bench.name} has one fidelity ({bench.fidelities[0]} epochs); the "
                         "scaling check needs two checkpoints")
    e1, e2 = bench.fidelities[0], bench.fidelities[-1]
    f = bench.frame[["module_hash", "repeat", "epochs", "energy_kwh"]]
    wide = f.pivot_table(index=["module_hash", "repeat"], columns="epochs",
                         values="energy_kwh").dropna(subset=[e1, e2]).reset_index()
    E1, E2 = wide[e1].to_numpy(dtype=float), wide[e2].to_numpy(dtype=float)
    b = (E2 - E1) / (e2 - e1)
    a = E2 - b * e2
    true = a + b * target
    return pd.DataFrame({"module_hash": wide["module_hash"], "repeat": wide["repeat"],
                         "e1": e1, "e2": e2, "energy_e1": E1, "energy_e2": E2,
                         "ratio": E2 / E1, "fixed_share_pct": 100.0 * a / E2,
                         "scaling_error_pct": 100.0 * (E2 * target / e2 - true) / true})


def scaling_summary(ratios: pd.DataFrame, space: str) -> dict[str, float | str]:
    """Medians and quartiles of :func:`checkpoint_ratios`, plus the ratio proportional
    scaling predicts (``e2 / e1``)."""
    q = ratios[["ratio", "fixed_share_pct", "scaling_error_pct"]].quantile([0.25, 0.5, 0.75])
    e1, e2 = int(ratios["e1"].iat[0]), int(ratios["e2"].iat[0])
    out: dict[str, float | str] = {"space": space, "e1": e1, "e2": e2, "runs": len(ratios),
                                   "proportional_ratio": e2 / e1}
    for col in q.columns:
        out[f"{col}_q25"], out[f"{col}_median"], out[f"{col}_q75"] = (
            float(v) for v in q[col].to_numpy())
    out["fixed_share_of_median_ratio_pct"] = float(
        100.0 * _fixed_share(out["ratio_median"], e1, e2))  # type: ignore[arg-type]
    return out


def _fixed_share(ratio: float, e1: int, e2: int) -> float:
    """``a / E(e2)`` implied by one ratio ``r = E(e2) / E(e1)``: ``(e2 - r e1) / (r (e2 - e1))``."""
    return float((e2 - ratio * e1) / (ratio * (e2 - e1))) if np.isfinite(ratio) else np.nan

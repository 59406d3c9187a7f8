"""Measurement noise: how much repeats of the same cell differ, and what that means for regret.

The coefficient of variation (CV = sample std / mean over a cell's repeats) says how noisy one
measurement is. The regret noise floor says how much the hypervolume of the *true* front moves
when each cell is represented by one randomly drawn repeat instead of the mean: regret
differences between strategies smaller than that are within measurement noise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from benchmarks.tables.benchmark import REFERENCE, Benchmark
from benchmarks.tables.objectives import Objective, to_min
from ecnas_cli.analysis import indicators

__all__ = ["NOISE_METRICS", "below_noise", "noise_band", "noise_floor", "repeat_cv"]

NOISE_METRICS = ("energy_kwh", "validation_accuracy", "training_time_s")


def repeat_cv(bench: Benchmark, epochs: int | None = None,
              metrics: Sequence[str] = NOISE_METRICS) -> pd.DataFrame:
    """Per cell with at least two repeats: the CV (%) of each metric over its repeats.

    Returns
    -------
    pandas.DataFrame
        ``module_hash``, ``repeats`` and ``cv_<metric>`` columns.
    """
    e = bench.epochs_or_default(epochs)
    rows = bench.frame[bench.frame["epochs"].to_numpy() == e]
    g = rows.groupby("module_hash")
    out = pd.DataFrame({"repeats": g.size()})
    for m in metrics:
        out[f"cv_{m}"] = 100.0 * g[m].std(ddof=1) / g[m].mean()
    out = out[out["repeats"] >= 2].reset_index()
    if out.empty:
        raise ValueError(f"{bench.name} has no cell with two repeats at {e} epochs")
    return out


def noise_floor(bench: Benchmark, objectives: Sequence[Objective], *,
                epochs: int | None = None, draws: int = 200, seed: int = 0) -> np.ndarray:
    """Relative hypervolume change of the whole table's front, one random repeat per cell.

    Each draw picks one repeat per cell (``numpy.random.default_rng(seed)``), takes the
    Pareto front of those values and compares its hypervolume (in the mean table's normalised
    space, reference :data:`~benchmarks.tables.benchmark.REFERENCE`) with that of the means.

    Returns
    -------
    numpy.ndarray, shape (draws,)
        ``(HV(means) - HV(draw)) / HV(means)``: positive when the draw's front is worse.
    """
    e = bench.epochs_or_default(epochs)
    hashes, mean_values = bench.cell_values(objectives, epochs=e)
    lower, upper = bench.bounds(objectives, epochs=e)
    hv_mean = indicators.hypervolume(
        indicators.normalise(to_min(mean_values, objectives), lower, upper), ref=REFERENCE)
    rng = np.random.default_rng(seed)
    metrics = [o.metric for o in objectives]
    out = np.empty(draws)
    for k in range(draws):
        v = bench.query_many(hashes, epochs=e, repeat="sample", rng=rng, metrics=metrics)
        F = indicators.normalise(to_min(np.column_stack([v[m] for m in metrics]), objectives),
                                 lower, upper)
        out[k] = (hv_mean - indicators.hypervolume(F, ref=REFERENCE)) / hv_mean
    return out


def noise_band(floor: np.ndarray) -> float:
    """Half-width of the 5-95% range of :func:`noise_floor` draws around zero.

    Examples
    --------
    >>> noise_band(np.array([-0.02, 0.0, 0.01]))
    0.018
    """
    lo, hi = np.percentile(floor, [5, 95])
    return round(float(max(abs(lo), abs(hi))), 12)


def below_noise(final_regret: pd.Series, band: float) -> pd.DataFrame:
    """Pairs of strategies whose median final regrets differ by less than ``band``.

    ``final_regret`` is indexed by strategy (median final regret, as in
    :func:`ecnas_cli.analysis.comparison.compare_stats`).
    """
    names = list(final_regret.index)
    rows = [{"a": a, "b": b, "difference": float(final_regret[a] - final_regret[b])}
            for i, a in enumerate(names) for b in names[i + 1:]]
    out = pd.DataFrame(rows, columns=["a", "b", "difference"])
    out["within_noise"] = out["difference"].abs() < band
    return out

"""Surrogate-guided creation: measure a chosen fraction of the cells, predict the rest.

Three rules pick the next cells to measure from the unmeasured ones:

- ``random``: uniformly at random;
- ``diverse``: greedy farthest-point (k-centre) in the standardised surrogate features, so the
  measured cells cover the feature space;
- ``uncertainty``: the cells where the energy surrogate fitted on the cells measured so far
  has the largest ensemble spread (relative to its prediction); before any model exists, the
  first batch is diverse.

:func:`guided_rounds` alternates measuring a batch and refitting, for the CLI (measurement is
a callback that trains the cells) and for the offline study (the callback looks energy up).
Cells are rows of a frame with ``matrix`` and ``ops`` strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchmarks.surrogate.features import cells_of_frame, featurise
from benchmarks.surrogate.model import Surrogate, fit_surrogate

__all__ = ["RULES", "Round", "guided_rounds", "next_batch", "round_sizes"]

RULES = ("uncertainty", "diverse", "random")
MIN_FIT = 10  # the surrogate needs at least this many measured cells


def standardised_features(cells: pd.DataFrame) -> np.ndarray:
    """Surrogate features of ``cells``, each column scaled to zero mean and unit variance."""
    x, _ = featurise(*cells_of_frame(cells))
    std = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)


def _farthest(x: np.ndarray, measured: np.ndarray, n: int, rng: np.random.Generator
              ) -> np.ndarray:
    chosen = measured.copy()
    if not chosen.any():
        chosen[rng.integers(len(x))] = True
    dist = np.min([((x - x[i]) ** 2).sum(axis=1) for i in np.flatnonzero(chosen)[:1]], axis=0)
    for i in np.flatnonzero(chosen)[1:]:
        dist = np.minimum(dist, ((x - x[i]) ** 2).sum(axis=1))
    picked = [int(i) for i in np.flatnonzero(chosen & ~measured)]
    while len(picked) < n:
        i = int(np.argmax(np.where(chosen, -1.0, dist)))
        chosen[i] = True
        picked.append(i)
        dist = np.minimum(dist, ((x - x[i]) ** 2).sum(axis=1))
    return np.asarray(picked[:n], dtype=np.intp)


def next_batch(rule: str, x: np.ndarray, measured: np.ndarray, n: int, *,
               rng: np.random.Generator, spread: np.ndarray | None = None) -> np.ndarray:
    """Indices of ``n`` unmeasured cells to measure next.

    Parameters
    ----------
    rule : {"uncertainty", "diverse", "random"}
    x : numpy.ndarray
        ``(N, d)`` standardised features (:func:`standardised_features`).
    measured : numpy.ndarray
        ``(N,)`` bool mask of cells already measured.
    n : int
        Batch size (at most the number of unmeasured cells).
    rng : numpy.random.Generator
    spread : numpy.ndarray, optional
        ``(N,)`` relative ensemble spread of the current surrogate (``uncertainty`` only).
    """
    if rule not in RULES:
        raise ValueError(f"unknown selection rule {rule!r}; valid: {', '.join(RULES)}")
    free = np.flatnonzero(~measured)
    if not 0 < n <= len(free):
        raise ValueError(f"batch size must be in 1..{len(free)}, got {n}")
    if rule == "random":
        return np.sort(rng.choice(free, size=n, replace=False))
    if rule == "uncertainty" and spread is not None:
        noise = rng.random(len(free)) * 1e-12  # random tie-breaks
        return free[np.argsort(-(spread[free] + noise), kind="stable")[:n]]
    return _farthest(x, measured, n, rng)


def round_sizes(total: int, fraction: float, *, first: float = 0.25, rounds: int = 4
                ) -> list[int]:
    """Cumulative measured-cell counts: a first batch, then equal steps up to the fraction."""
    if not 0 < fraction <= 1:
        raise ValueError(f"measure fraction must be in (0, 1], got {fraction}")
    target = max(MIN_FIT, round(fraction * total))
    if target > total:
        raise ValueError(f"measuring {target} cells needs at least that many, got {total}")
    start = max(MIN_FIT, round(first * target))
    steps = np.linspace(start, target, max(rounds, 1)).round().astype(int)
    return sorted({int(s) for s in steps})


@dataclass(frozen=True)
class Round:
    """State after one round: the cells measured so far and the surrogate fitted on them."""

    measured: np.ndarray  # bool mask over the cells
    model: Surrogate
    mean: np.ndarray      # predicted energy of every cell (kWh)
    spread: np.ndarray    # ensemble standard deviation / mean


def guided_rounds(cells: pd.DataFrame, rule: str, sizes: list[int], measure: Callable[
        [np.ndarray], np.ndarray], *, rng: np.random.Generator, kind: str = "mlp",
        n_models: int = 3, seed: int = 0) -> list[Round]:
    """Measure up to ``sizes[-1]`` cells in rounds chosen by ``rule``; refit after each.

    ``measure(indices)`` returns the energy (kWh) of those cells. Returns one :class:`Round`
    per entry of ``sizes``.
    """
    x = standardised_features(cells)
    energy = np.full(len(cells), np.nan)
    measured = np.zeros(len(cells), dtype=bool)
    spread: np.ndarray | None = None
    out: list[Round] = []
    for size in sizes:
        batch = next_batch(rule, x, measured, size - int(measured.sum()), rng=rng,
                           spread=spread)
        energy[batch] = measure(batch)
        measured[batch] = True
        model = fit_surrogate(cells.assign(energy_kwh=energy)[measured], kind=kind,
                              seed=seed, n_models=n_models)
        mean, std = model.predict(cells)
        spread = std / mean
        out.append(Round(measured.copy(), model, mean, spread))
    return out

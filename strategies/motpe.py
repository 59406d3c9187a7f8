"""MOTPE: Optuna's multi-objective tree-structured Parzen estimator over the cell genome.

Ozaki et al. (2020, 2022) split the told cells into a "good" set (by non-dominated rank, ties
broken by hypervolume contribution) and the rest, fit a Parzen density to each, and propose
the candidate (of ``n_ei_candidates`` drawn from the good density) with the largest density
ratio. This is :class:`optuna.samplers.TPESampler` on a multi-objective study, driven through
:mod:`strategies._optuna` (genome of :mod:`strategies._genome`; invalid genomes told ``FAIL``;
cells already asked told ``FAIL`` too, so they do not sharpen the model, and re-drawn).

Defaults are Optuna's (``n_startup_trials=10`` uniform trials, ``n_ei_candidates=24``,
Optuna's default ``gamma``), with ``multivariate=True`` (a joint density over the genes, as
Optuna recommends for dependent parameters like the edges of a cell). Ozaki et al. used
``11 d - 1`` start-up trials for ``d`` parameters, too many for a 200-evaluation budget here.
Two bounds on the cost per evaluation, both keyword settings: ``max_observations`` (default
150) bounds the completed trials TPE sees, as for :mod:`strategies.ehvi` (best half and most
recent half; failed and repeated trials dropped), since every TPE proposal rebuilds its two
densities from them (uncapped, the time per evaluation grew to 0.43 s past 500 observations
on ecnas-5v); and ``max_repeats`` (default 3) bounds the TPE proposals of cells already asked
per candidate before a mutation of the last one is taken. On ecnas-5v past a few hundred
evaluations nearly every candidate is such a mutation, whatever the bound (the good density
concentrates on cells already asked), so each repeat beyond a few costs a TPE proposal
without adding a new cell (``tests/perf/perf_new_strategies.py overhead --evals 1000``
prints the time per evaluation by observations).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from optuna.samplers import TPESampler

from benchmarks.space import SearchSpace
from strategies._optuna import OptunaStrategy
from strategies.base import check_setting, is_int


class MOTPE(OptunaStrategy):
    """Multi-objective TPE (Optuna's sampler) over the edge-and-op genome.

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    n_startup_trials : int, default 10
        Completed trials drawn uniformly before the model is used.
    n_ei_candidates : int, default 24
        Genomes drawn from the good density per proposal.
    multivariate : bool, default True
        One joint density over all genes instead of one per gene.
    max_attempts : int, default 10
        Invalid genomes per candidate before a fresh cell is proposed instead.
    max_repeats : int, default 3
        Proposals of already-asked cells per candidate (told ``FAIL``) before a new cell is
        taken from the duplicate elimination.
    max_observations : int, default 150
        Completed trials the model sees at most (see the module docstring); None for all.
    """

    name: ClassVar[str] = "motpe"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, n_startup_trials: int = 10,
                 n_ei_candidates: int = 24, multivariate: bool = True, max_attempts: int = 10,
                 max_repeats: int = 3, max_observations: int | None = 150) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        check_setting("n_startup_trials", n_startup_trials,
                      is_int(n_startup_trials) and n_startup_trials >= 1, "a positive int")
        check_setting("n_ei_candidates", n_ei_candidates,
                      is_int(n_ei_candidates) and n_ei_candidates >= 1, "a positive int")
        check_setting("multivariate", multivariate, isinstance(multivariate, bool), "a bool")
        self.n_startup_trials = int(n_startup_trials)
        self.n_ei_candidates = int(n_ei_candidates)
        self.multivariate = multivariate
        sampler = TPESampler(n_startup_trials=self.n_startup_trials,
                             n_ei_candidates=self.n_ei_candidates, multivariate=multivariate,
                             seed=int(rng.integers(2**32)))
        self._start(sampler, max_attempts=max_attempts, max_repeats=max_repeats,
                    max_observations=max_observations)

"""Bayesian optimisation with expected hypervolume improvement (Optuna's GPSampler, logEHVI).

The EC-NAS paper's MS-EHVI family: a Gaussian process per objective over the genome of
:mod:`strategies.nsga2` (one-hot categorical genes; Optuna's Matérn 5/2 kernel with
automatic relevance determination), and the next genome maximises the log expected
hypervolume improvement (Daulton et al. 2020; Ament et al. 2023) over the told front.
Invalid genomes, repeated cells and fresh cells are handled by :mod:`strategies._optuna`
(repeats told ``FAIL``, so they leave the GP unchanged).

Cost: fitting the GP is cubic in the observations. ``max_observations`` (default 200) bounds
the training set: past it the study is rebuilt from the best 100 told cells (non-dominated
rank, then hypervolume contribution) and the 100 most recent, so a 1,000-evaluation run stays
feasible (``tests/perf/perf_new_strategies.py`` prints the time per proposal against the
number of observations). Defaults are Optuna's (``n_startup_trials=10`` uniform trials)
except the effort of the acquisition optimiser, cut from Optuna's 2,048 preliminary samples,
10 local searches and 128 quasi-Monte-Carlo samples of logEHVI to 256, 2 and 32: with Optuna's
values one proposal took 11-15 s after 10 observations on a 2-core machine (these are private
attributes of GPSampler in Optuna 5.1; a version without them fails loudly here). Each
proposal still takes about a second, so ehvi is by far the slowest strategy per evaluation.

Needs torch, an optional extra: ``pip install ecnas[bo]``.
"""

from __future__ import annotations

import importlib.util
from typing import ClassVar

import numpy as np

from benchmarks.space import SearchSpace
from strategies._optuna import OptunaStrategy
from strategies.base import check_setting, is_int


class EHVI(OptunaStrategy):
    """GP-based Bayesian optimisation with logEHVI (Optuna's GPSampler).

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    n_startup_trials : int, default 10
        Completed trials drawn uniformly before the GP is used.
    max_observations : int, default 200
        Completed trials the GP is fitted on at most (see the module docstring); None for all.
    max_attempts : int, default 10
        Invalid genomes per candidate before a fresh cell is proposed instead.
    max_known : int, default 1
        Already-asked cells re-drawn per candidate before a fresh cell is proposed instead
        (each re-draw is a full GP proposal).
    n_preliminary_samples, n_local_search, n_qmc_samples : int, default 256, 2, 32
        Effort of the acquisition optimiser (see the module docstring).

    Raises
    ------
    ImportError
        When torch is not installed.
    """

    name: ClassVar[str] = "ehvi"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, n_startup_trials: int = 10,
                 max_observations: int | None = 200, max_attempts: int = 10,
                 max_known: int = 1, n_preliminary_samples: int = 256, n_local_search: int = 2,
                 n_qmc_samples: int = 32) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        if importlib.util.find_spec("torch") is None:
            raise ImportError("strategy ehvi needs torch: pip install ecnas[bo]")
        from optuna.samplers import GPSampler

        check_setting("n_startup_trials", n_startup_trials,
                      is_int(n_startup_trials) and n_startup_trials >= 1, "a positive int")
        effort = {"n_preliminary_samples": n_preliminary_samples,
                  "n_local_search": n_local_search, "n_qmc_samples": n_qmc_samples}
        for key, value in effort.items():
            check_setting(key, value, is_int(value) and value >= 1, "a positive int")
        self.n_startup_trials = int(n_startup_trials)
        self.n_preliminary_samples = int(n_preliminary_samples)
        self.n_local_search = int(n_local_search)
        self.n_qmc_samples = int(n_qmc_samples)
        sampler = GPSampler(n_startup_trials=self.n_startup_trials,
                            seed=int(rng.integers(2**32)))
        for attr, value in (("_n_preliminary_samples", self.n_preliminary_samples),
                            ("_n_local_search", self.n_local_search),
                            ("_n_qmc_samples_ehvi", self.n_qmc_samples)):
            if not hasattr(sampler, attr):
                raise RuntimeError(f"this Optuna's GPSampler has no {attr}; ehvi needs 5.1")
            setattr(sampler, attr, value)
        self._start(sampler, max_attempts=max_attempts, max_known=max_known,
                    max_observations=max_observations)

"""A nevergrad optimiser over the cell genome, in nevergrad's multi-objective mode.

The genome of :mod:`strategies._genome` (one choice per edge slot and per inner op) is a
:class:`nevergrad.p.Dict` of :class:`nevergrad.p.TransitionChoice` genes; nevergrad's
multi-objective mode (``tell`` of a loss vector) scores each point by the hypervolume of the
front it would make, with the reference point estimated from the first points, and feeds that
scalar to the optimiser (``ng.optimizers.registry[optimizer]``). Nevergrad's generator is
seeded from the strategy's ``rng``. Some nevergrad optimisers draw from numpy's global random
state; every call into nevergrad therefore runs with that state swapped for a private one
(seeded from ``rng`` and kept between calls) and the caller's state put back afterwards, so
runs are reproducible and the global state is untouched.

An invalid genome, or a candidate that could not be evaluated, is told a penalty (the worst
told values plus their range); an invalid genome is re-asked, at most ``max_attempts`` times
per candidate. A genome that is a cell already asked is told its known values again (free: no
evaluation), at most ``max_repeats`` times; then the candidate is a new cell from
:class:`~strategies.duplicates.DuplicateElimination` (a mutation of that cell), which
nevergrad is told about as a point it did not ask.

Optimiser choice (``python tests/perf/perf_new_strategies.py nevergrad`` prints the
comparison; ecnas-5v, 10 seeds, median hypervolume regret and IQR after 200 distinct
trainings): DiscreteOnePlusOne 1.03% (0.98-1.17%), DiscreteLenglerOnePlusOne 1.17%
(1.02-1.17%), PortfolioDiscreteOnePlusOne 1.17% (1.13-1.24%), DoubleFastGADiscreteOnePlusOne
1.17% (1.03-1.17%), RecombiningPortfolioDiscreteOnePlusOne 1.17% (1.11-1.22%); after 50
DiscreteOnePlusOne was also best (1.20% against 1.41-5.86%). So the default is
``DiscreteOnePlusOne``: on a space of 2,532 cells the plain (1+1) with one expected gene change
is already a local search around the front, and the portfolios' larger mutations mostly hit
cells already asked. The differences at 200 are small (inside the IQRs), so this is a choice
of the best-looking, not of a significantly better, optimiser. DiscreteDE stopped with a
KeyError inside nevergrad's population bookkeeping (nevergrad 1.0.12) and is not offered.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import numpy as np

from benchmarks.space import Arch, SearchSpace
from strategies import _pareto
from strategies._genome import Genome
from strategies.base import Candidate, Strategy, check_setting, is_int
from strategies.duplicates import DuplicateElimination

#: The discrete optimisers compared for the default (registry names).
CANDIDATES = ("DiscreteOnePlusOne", "DiscreteLenglerOnePlusOne", "PortfolioDiscreteOnePlusOne",
              "DoubleFastGADiscreteOnePlusOne", "RecombiningPortfolioDiscreteOnePlusOne")


def _import_nevergrad() -> Any:
    """nevergrad, imported here rather than at module level (it takes seconds), with numpy's
    global random state put back: importing nevergrad draws from it."""
    caller = np.random.get_state()  # noqa: NPY002 (saved, to be put back)
    import nevergrad

    np.random.set_state(caller)  # noqa: NPY002
    return nevergrad


class NevergradSearch(Strategy):
    """A nevergrad optimiser, multi-objective mode, over the edge-and-op genome.

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    optimizer : str, default "DiscreteOnePlusOne"
        A name in ``nevergrad.optimizers.registry``.
    max_attempts : int, default 10
        Invalid genomes per candidate before an unasked cell is proposed instead.
    max_repeats : int, default 6
        Proposals of already-asked cells per candidate (told their values again) before a
        new cell is taken from the duplicate elimination.
    """

    name: ClassVar[str] = "nevergrad"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int,
                 optimizer: str = "DiscreteOnePlusOne", max_attempts: int = 10,
                 max_repeats: int = 6) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        ng = _import_nevergrad()

        check_setting("optimizer", optimizer, isinstance(optimizer, str)
                      and optimizer in ng.optimizers.registry, "a nevergrad optimizer name")
        for key, value in (("max_attempts", max_attempts), ("max_repeats", max_repeats)):
            check_setting(key, value, is_int(value) and value >= 1, "a positive int")
        self.optimizer, self.max_attempts = optimizer, int(max_attempts)
        self.max_repeats = int(max_repeats)
        self._unseen = DuplicateElimination(space, rng, max_repeats=self.max_repeats)
        self._genome = Genome(space, rng)
        self._choices = [list(d.choices)  # type: ignore[attr-defined]
                         for d in self._genome.distributions.values()]
        # one flat integer array (gene k in 0 .. choices - 1): a Dict of 13 Choice parameters
        # made nevergrad's own bookkeeping cost ~0.2 s per evaluation
        upper = np.array([len(c) - 1 for c in self._choices], dtype=float)
        # nevergrad takes a legacy RandomState; it is private to this strategy, seeded by rng
        random_state = np.random.RandomState(int(rng.integers(2**32)))
        self._state = np.random.RandomState(int(rng.integers(2**32))).get_state()
        with self._private_global_rng():  # even building a parameter draws from it
            param = ng.p.Array(shape=(len(upper),), lower=0.0,
                               upper=upper).set_integer_casting()
            param.random_state = random_state
            self._opt = ng.optimizers.registry[optimizer](parametrization=param, budget=None)
        self._known: dict[str, list[float]] = {}  # evaluated cells -> their values
        self._told: list[np.ndarray] = []
        self._point: Any = None
        self.n_invalid = self.n_known = self.n_fresh = 0

    @contextmanager
    def _private_global_rng(self) -> Iterator[None]:
        caller = np.random.get_state()  # noqa: NPY002 (saved, to be put back)
        np.random.set_state(self._state)  # noqa: NPY002 (nevergrad's private stream)
        try:
            with warnings.catch_warnings():
                # nevergrad's multi-objective loss is inf for a point beyond its upper bounds
                # (its hypervolume reference; the penalty of an unevaluable point is there):
                # by design, yet it warns (once per optimiser, on the user's terminal)
                warnings.filterwarnings("ignore", "Updating fitness with inf value")
                yield
        finally:
            self._state = np.random.get_state()  # noqa: NPY002
            np.random.set_state(caller)  # noqa: NPY002

    def _ask(self) -> list[Candidate]:
        with self._private_global_rng():
            return self._ask_point()

    def _ask_point(self) -> list[Candidate]:
        arch, last = None, None
        for _ in range(self.max_repeats):
            found = self._valid_point()
            if found is None:
                break
            point, cell = found
            if cell not in self._unseen:
                self._point, arch = point, cell
                break
            known = self._known.get(self.space.hash(cell))  # None: asked, not evaluated
            self._opt.tell(point, known if known is not None else self._penalty())
            self.n_known, last = self.n_known + 1, cell
        if arch is None:
            arch = self._fresh(last)
        return [Candidate(self._unseen.add(arch), self.epochs)]

    def _valid_point(self) -> tuple[Any, Arch] | None:
        for _ in range(self.max_attempts):
            point = self._opt.ask()
            arch = self._genome.valid(self._params(point.value))
            if arch is not None:
                return point, arch
            self._opt.tell(point, self._penalty())
            self.n_invalid += 1
        return None

    def _fresh(self, near: Arch | None) -> Arch:
        arch = self._unseen.fresh([near] if near else [])
        genome = self._genome.encode(arch)
        index = [c.index(genome[k]) for c, k in zip(self._choices, self._genome.names,
                                                     strict=True)]
        self._point = self._opt.parametrization.spawn_child(new_value=np.array(index, float))
        self.n_fresh += 1
        return arch

    def _params(self, value: np.ndarray) -> dict[str, Any]:
        return {k: c[int(v)] for k, c, v in zip(self._genome.names, self._choices,
                                                 value.tolist(), strict=True)}

    def _penalty(self) -> list[float]:
        if not self._told:
            return [1e6] * self.n_objectives
        return _pareto.reference_point(np.array(self._told)).tolist()

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        with self._private_global_rng():
            self._tell_point(candidates, F)

    def _tell_point(self, candidates: list[Candidate], F: np.ndarray) -> None:
        self._told.append(F[0].copy())
        self._known[self.space.hash(candidates[0].arch)] = F[0].tolist()
        self._opt.tell(self._point, F[0].tolist())
        self._point = None

    def _fail(self, candidates: list[Candidate]) -> None:
        with self._private_global_rng():
            self._opt.tell(self._point, self._penalty())
        self._point = None

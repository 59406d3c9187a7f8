"""Successive halving over the benchmark's fidelities, shared by mobohb and shemoa.

A :class:`Bracket` takes some cells through rungs (ascending epochs): every cell of a rung is
evaluated, then the best ``max(1, n // eta)`` (non-dominated rank, then hypervolume
contribution, :func:`strategies._pareto.best`) go up to the next rung, until the last. Cells
that could not be evaluated are never promoted. A (cell, epochs) pair the strategy already
knows (``known``) is not asked again: its told values are reused. :class:`HalvingStrategy`
drains one bracket after another, the one way both strategies do it. Once every cell was
asked no bracket can start with a new cell: each candidate is then an untold pair drawn
directly (highest fidelity first), so asks stay as cheap as random search's to the last pair.

Each rung is a training from scratch at its epochs: the tables' energy and time at a higher
fidelity are those of a full run of that length (the EC-NAS checkpoints are cumulative), so a
promoted cell costs its low-fidelity training plus its full training, and the runner charges
each (cell, epochs) its own energy.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Sequence

import numpy as np

from benchmarks.space import Arch, SearchSpace
from strategies import _pareto
from strategies.base import Candidate, Strategy, check_setting, is_int
from strategies.duplicates import DuplicateElimination

#: Told values per (module hash, epochs); a pair that could not be evaluated holds ``inf``
#: values, which :mod:`strategies._pareto` ranks last (so it is never promoted).
Known = dict[tuple[str, int], np.ndarray]


def hyperband_brackets(fidelities: Sequence[int], eta: float) -> list[tuple[int, tuple[int, ...]]]:
    """Hyperband's brackets over the fidelities, most exploratory first: ``(n, rungs)``.

    Bracket ``s`` (``K`` down to 0, with ``K + 1`` fidelities) starts
    ``ceil((K + 1) / (s + 1) * eta ** s)`` cells at fidelity ``K - s``.

    Examples
    --------
    >>> hyperband_brackets((4, 12, 36, 108), 3)
    [(27, (4, 12, 36, 108)), (12, (12, 36, 108)), (6, (36, 108)), (4, (108,))]
    >>> hyperband_brackets((2, 4), 3)
    [(3, (2, 4)), (2, (4,))]
    """
    k = len(fidelities) - 1
    return [(math.ceil((k + 1) / (s + 1) * eta ** s), tuple(fidelities[k - s:]))
            for s in range(k, -1, -1)]


class Bracket:
    """Successive halving of ``archs`` over ``rungs`` (epochs), promoting the best 1/eta."""

    def __init__(self, archs: Sequence[Arch], rungs: Sequence[int], eta: float,
                 space: SearchSpace, known: Known) -> None:
        self.rungs, self.eta, self.space, self.known = tuple(rungs), eta, space, known
        self.level = 0
        # once the space runs out, new cells may repeat: each cell takes one place
        self.members = list({space.hash(a): a for a in archs}.values())
        self.F: list[np.ndarray | None] = []
        self._pending: int | None = None
        self._enter()

    def _enter(self) -> None:
        epochs = self.rungs[self.level]
        self.F = [self.known.get((self.space.hash(a), epochs)) for a in self.members]

    def next(self) -> Candidate | None:
        """The next (cell, epochs) to evaluate, or None once the bracket is finished."""
        while True:
            todo = [i for i, f in enumerate(self.F) if f is None]
            if todo:
                self._pending = todo[0]
                return Candidate(self.members[todo[0]], self.rungs[self.level])
            if self.level == len(self.rungs) - 1 or not self._promote():
                return None

    def _promote(self) -> bool:
        F = np.array(self.F, dtype=float).reshape(len(self.F), -1)
        keep = _pareto.best(F, max(1, int(len(self.members) // self.eta)))
        if len(keep) == 0:
            self.members = []
            return False
        self.members = [self.members[i] for i in keep.tolist()]
        self.level += 1
        self._enter()
        return True

    def record(self, f: np.ndarray) -> None:
        """The told values of the last candidate of :meth:`next` (``inf``: not evaluated)."""
        assert self._pending is not None
        self.F[self._pending] = np.asarray(f, dtype=float)
        self._pending = None

    def results(self) -> list[tuple[Arch, np.ndarray]]:
        """The cells of the last rung reached with finite values, and those values."""
        if self.level != len(self.rungs) - 1:
            return []
        return [(a, f) for a, f in zip(self.members, self.F, strict=True)
                if f is not None and np.isfinite(f).all()]


class HalvingStrategy(Strategy):
    """Base of the strategies that ask the cells of successive-halving brackets.

    Subclasses build brackets of cells new to :attr:`_unseen` in :meth:`_next_bracket`, and
    may act on such a bracket once it is finished in :meth:`_finished`. Once every cell was
    asked, the candidate is an untold pair drawn directly (:meth:`_untold`), so no ask spins
    when the space is nearly exhausted; those pairs reach no :meth:`_finished`.
    """

    multi_fidelity = True

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, eta: int,
                 max_repeats: int) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        check_setting("eta", eta, is_int(eta) and eta >= 2, "an int >= 2")
        check_setting("max_repeats", max_repeats, is_int(max_repeats) and max_repeats >= 1,
                      "a positive int")
        self.eta, self.max_repeats = int(eta), int(max_repeats)
        self._unseen = DuplicateElimination(space, rng, max_repeats=self.max_repeats)
        self._known: Known = {}
        #: Per fidelity, which rows of ``space.cells()`` were told (built at the first
        #: :meth:`_untold`, then kept up to date by :meth:`_record`).
        self._told: dict[int, np.ndarray] | None = None
        self._bracket: Bracket | None = None
        self._drawn = False  # whether self._bracket is one of _untold's

    @abstractmethod
    def _next_bracket(self) -> Bracket:
        """The next bracket, of cells marked in :attr:`_unseen`."""

    def _finished(self, bracket: Bracket) -> None:
        """Hook: ``bracket`` has nothing more to ask."""

    def _ask(self) -> list[Candidate]:
        candidate = None if self._bracket is None else self._bracket.next()
        if candidate is None:
            if self._bracket is not None and not self._drawn:
                self._finished(self._bracket)
            if not self._unseen.exhausted():
                self._bracket, self._drawn = self._next_bracket(), False
                candidate = self._bracket.next()
        if candidate is None:  # no new cell, or the bracket's pairs were all told
            self._bracket, self._drawn = self._untold(), True
            candidate = self._bracket.next()
        assert candidate is not None
        return [candidate]

    def _untold(self) -> Bracket:
        """A one-cell bracket at an untold pair of the highest fidelity that has one, drawn
        uniformly; a repeat at the target once every pair was told (the runner answers it
        from its cache)."""
        if self._told is None:
            self._told = {e: np.zeros(len(self.space.cells()), dtype=bool)
                          for e in self.fidelities}
            for h, epochs in self._known:
                self._told[epochs][self.space.row_of(h)] = True
        for epochs in reversed(self.fidelities):
            untold = np.flatnonzero(~self._told[epochs])
            if len(untold):
                arch = self.space.arch(int(untold[int(self.rng.integers(len(untold)))]))
                return Bracket([arch], (epochs,), self.eta, self.space, self._known)
        return Bracket(self.space.sample(self.rng, 1), (self.epochs,), self.eta, self.space, {})

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        self._record(candidates[0], F[0])

    def _fail(self, candidates: list[Candidate]) -> None:
        self._record(candidates[0], np.full(self.n_objectives, np.inf))

    def _record(self, candidate: Candidate, f: np.ndarray) -> None:
        assert self._bracket is not None
        self._bracket.record(f)
        key = self.space.hash(candidate.arch)
        self._known[(key, candidate.epochs)] = f.copy()
        if self._told is not None:
            self._told[candidate.epochs][self.space.row_of(key)] = True

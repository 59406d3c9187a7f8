"""Successive halving over the benchmark's fidelities, shared by mobohb and shemoa.

A :class:`Bracket` takes some cells through rungs (ascending epochs): every cell of a rung is
evaluated, then the best ``max(1, n // eta)`` (non-dominated rank, then hypervolume
contribution, :func:`strategies._pareto.best`) go up to the next rung, until the last. Cells
that could not be evaluated are never promoted. A (cell, epochs) pair the strategy already
knows (``known``) is not asked again: its told values are reused.

Each rung is a training from scratch at its epochs: the tables' energy and time at a higher
fidelity are those of a full run of that length (the EC-NAS checkpoints are cumulative), so a
promoted cell costs its low-fidelity training plus its full training, and the runner charges
each (cell, epochs) its own energy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from benchmarks.space import Arch, SearchSpace
from strategies import _pareto
from strategies.base import Candidate

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
        self.members = list(archs)
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
        """The told values of the last candidate of :meth:`next`."""
        assert self._pending is not None
        self.F[self._pending] = np.asarray(f, dtype=float)
        self._pending = None

    def results(self) -> list[tuple[Arch, np.ndarray]]:
        """The cells of the last rung reached with finite values, and those values."""
        if self.level != len(self.rungs) - 1:
            return []
        return [(a, f) for a, f in zip(self.members, self.F, strict=True)
                if f is not None and np.isfinite(f).all()]

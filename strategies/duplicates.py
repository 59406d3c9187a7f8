"""Duplicate elimination: the one operator by which a strategy never asks a cell twice.

As pymoo's ``HashDuplicateElimination``: a strategy holds one :class:`DuplicateElimination`,
marks each cell it asks and passes its proposals through it. Its one setting, ``max_repeats``,
is the proposals per candidate that may repeat an asked cell (or, where a strategy says so, be
an invalid genome) before the operator supplies a new cell (:meth:`~DuplicateElimination.fresh`):
an unasked mutation of given parents, else an unasked uniform draw, found by rejection while at
most half the space is asked; past that, or after ``2 * TRIES`` asked draws, drawn from the
unasked cells of the enumerated space directly, so no proposal spins however few cells are
left. Once every cell was asked, a uniform draw is a repeat (the runner's cache answers it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from benchmarks.space import Arch, SearchSpace

#: Rejection draws of :meth:`DuplicateElimination.fresh` per kind (mutations, then uniform).
TRIES = 200


class DuplicateElimination:
    """The cells one strategy has asked (by module hash), and new cells that avoid them.

    Parameters
    ----------
    space : SearchSpace
    rng : numpy.random.Generator
        The strategy's generator: every draw of the operator comes from it.
    max_repeats : int
        Proposals :meth:`first_new` tries per candidate.

    Examples
    --------
    >>> from benchmarks.space import get_space
    >>> space = get_space("4v")
    >>> seen = DuplicateElimination(space, np.random.default_rng(0), max_repeats=3)
    >>> cells = [seen.add(seen.fresh()) for _ in range(91)]
    >>> len({space.hash(a) for a in cells}), len(seen.unseen()), seen.exhausted()
    (91, 0, True)
    """

    def __init__(self, space: SearchSpace, rng: np.random.Generator, *,
                 max_repeats: int) -> None:
        self.space, self.rng, self.max_repeats = space, rng, max_repeats
        self._seen: set[str] = set()
        self._unseen: np.ndarray | None = None  # per cell of space.cells(), built when needed

    def __contains__(self, arch: Arch) -> bool:
        return self.space.hash(arch) in self._seen

    def __len__(self) -> int:
        return len(self._seen)

    def add(self, arch: Arch) -> Arch:
        """Mark ``arch`` as asked; return it."""
        key = self.space.hash(arch)
        self._seen.add(key)
        if self._unseen is not None:
            self._unseen[self.space.row_of(key)] = False
        return arch

    def exhausted(self) -> bool:
        """Whether every cell of the space was asked."""
        return len(self._seen) >= len(self.space.cells())

    def unseen(self) -> np.ndarray:
        """The rows of :meth:`~benchmarks.space.SearchSpace.cells` not asked yet, ascending."""
        if self._unseen is None:
            self._unseen = np.ones(len(self.space.cells()), dtype=bool)
            self._unseen[[self.space.row_of(h) for h in self._seen]] = False
        return np.flatnonzero(self._unseen)

    def first_new(self, propose: Callable[[], Arch | None]) -> Arch:
        """The first unasked cell of at most ``max_repeats`` proposals (None: not a valid
        cell); else :meth:`fresh` near the last valid one."""
        last = None
        for _ in range(self.max_repeats):
            arch = propose()
            if arch is not None and arch not in self:
                return arch
            last = arch if arch is not None else last
        return self.fresh([last] if last is not None else [])

    def fresh(self, parents: Sequence[Arch] = ()) -> Arch:
        """A cell not asked yet, near a random parent if any (see the module docstring)."""
        n_cells = len(self.space.cells())
        if 2 * len(self._seen) <= n_cells:
            for k in range(2 * TRIES):
                if parents and k < TRIES:
                    parent = parents[int(self.rng.integers(len(parents)))]
                    arch = self.space.mutate(parent, self.rng)
                else:
                    arch = self.space.sample(self.rng, 1)[0]
                if arch not in self:
                    return arch
        unseen = self.unseen()
        if len(unseen) == 0:
            return self.space.sample(self.rng, 1)[0]
        return self.space.arch(int(self.rng.choice(unseen)))

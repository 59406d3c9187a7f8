"""A search space restricted to a set of cells: a table that samples its space is searched
over its own cells.

A table such as ``ecnas-7v-energy-sample`` holds 3,448 of the 423,624 7V cells (0.8%). Searched
over the whole space, nearly every proposal is a cell without a row, and each strategy asks
again and again. :class:`SubSpace` is the space such a table is searched over: its
:meth:`~SubSpace.cells` are the table's cells, so everything drawn from the cell table
(``sample``, ``arch(i)``, unseen cells, candidate sets, random's order) stays inside; a valid cell
of the space outside the set fails :meth:`~SubSpace.validate` with
:class:`~benchmarks.space.arch.InvalidArchError`, so genome strategies repair or regenerate it
as any invalid genome; :meth:`~SubSpace.mutate` and :meth:`~SubSpace.neighbours` return
members. Hashes are the full space's (a cell's identity does not depend on the table).

Examples
--------
>>> from benchmarks.space import get_space
>>> full = get_space("4v")
>>> kept = full.cells()["module_hash"].tolist()[:10]
>>> sub = SubSpace(full, kept)
>>> len(sub.cells()), sub.hash(sub.arch(3)) == kept[3]
(10, True)
>>> sub.is_valid(full.arch(20)), full.is_valid(full.arch(20))
(False, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from benchmarks.progress import Progress
from benchmarks.space.arch import Arch, InvalidArchError
from benchmarks.space.search_space import SearchSpace

#: Mutations of the full space tried before :meth:`SubSpace.mutate` falls back to a uniform
#: member. On ecnas-7v-energy-sample (0.8% of 7V) a member's mutation lands in the set after a
#: median of about 120 tries (p90 about 470; ``tests/perf/perf_sparse.py`` prints them), 0.2 to
#: 0.3 ms each on a 2-core machine; past this many the fallback keeps one mutation's cost bounded.
MUTATION_TRIES = 100


class SubSpace(SearchSpace):
    """The cells of ``space`` whose module hashes are in ``hashes``.

    Parameters
    ----------
    space : SearchSpace
        The full space (hashing, validity and moves are its own).
    hashes : iterable of str
        Module hashes of the member cells; each must be a cell of ``space``.

    Raises
    ------
    ValueError
        When a hash is not a cell of ``space`` or no hash is given.
    """

    def __init__(self, space: SearchSpace, hashes: Iterable[str]) -> None:
        super().__init__(space.name, space.max_vertices, space.max_edges)
        self.base = space
        self.ops = space.ops
        self._members = frozenset(hashes)
        if not self._members:
            raise ValueError(f"a subspace of {space.name} needs at least one cell")
        self._rows: np.ndarray | None = None
        self._cells: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return f"SubSpace({self.base!r}, {len(self._members)} cells)"

    # ----- membership and identity ------------------------------------------------------------
    def validate(self, arch: Arch) -> Arch:
        """``arch`` pruned; :class:`InvalidArchError` if invalid or not one of the cells."""
        pruned = self.base.validate(arch)
        h = self.base.hash(arch)
        if h not in self._members:
            raise InvalidArchError("not-in-table", f"cell {h} is a valid {self.name} cell but "
                                   f"not one of this table's {len(self._members)} cells")
        return pruned

    def is_valid(self, arch: Arch) -> bool:
        try:
            self.validate(arch)
        except InvalidArchError:
            return False
        return True

    def hash(self, arch: Arch) -> str:
        """The full space's module hash (members or not; invalid cells raise)."""
        return self.base.hash(arch)

    def hash_many(self, archs: Sequence[Arch]) -> list[str]:
        return self.base.hash_many(archs)

    def hash_arrays(self, matrices: np.ndarray, labels: np.ndarray) -> np.ndarray:
        return self.base.hash_arrays(matrices, labels)

    # ----- the member cells -------------------------------------------------------------------
    def cells(self, progress: Progress | None = None) -> pd.DataFrame:
        """The member rows of the full space's cell table, in its order (same columns)."""
        if self._cells is None:
            full = self.base.cells(progress)
            rows = np.flatnonzero(full["module_hash"].isin(self._members).to_numpy())
            if len(rows) != len(self._members):
                missing = sorted(self._members - set(full["module_hash"].iloc[rows]))
                raise ValueError(f"{len(missing)} hashes are not cells of {self.name}, e.g. "
                                 f"{missing[0]}")
            self._rows, self._cells = rows, full.iloc[rows].reset_index(drop=True)
        return self._cells

    def arch(self, i: int) -> Arch:
        """The ``i``-th member of :meth:`cells` (the full space's memoised cell)."""
        if self._rows is None:
            self.cells()
        assert self._rows is not None
        return self.base.arch(int(self._rows[i]))

    def sample(self, rng: np.random.Generator, n: int = 1) -> list[Arch]:
        """``n`` members drawn uniformly (with replacement)."""
        return [self.arch(i) for i in rng.integers(len(self.cells()), size=n).tolist()]

    # ----- local moves ------------------------------------------------------------------------
    def mutate(self, arch: Arch, rng: np.random.Generator, *, edge_changes: float = 2.0,
               op_changes: float = 0.5, max_tries: int = MUTATION_TRIES) -> Arch:
        """A different member: the full space's mutation of ``arch``, re-drawn until it is one.

        After ``max_tries`` mutations outside the set, a member other than ``arch`` drawn
        uniformly: a bounded cost per call. (A fallback to the members nearest to ``arch``
        keeps handing a search the same few cells: semo on ecnas-7v-energy-sample then asks
        known cells until the runner's guard stops it.) ``arch`` may be any valid cell of the
        full space.
        """
        for _ in range(max_tries):
            child = self.base.mutate(arch, rng, edge_changes=edge_changes,
                                     op_changes=op_changes)
            if self.base.hash(child) in self._members:
                return child
        others = np.flatnonzero(self.cells()["module_hash"].to_numpy() != self.base.hash(arch))
        if len(others) == 0:
            raise RuntimeError(f"no mutation of {arch}: it is the only cell of {self!r}")
        return self.arch(int(rng.choice(others)))

    def neighbours(self, arch: Arch) -> list[Arch]:
        """The full space's neighbours of ``arch`` that are members."""
        return [n for n in self.base.neighbours(arch) if self.base.hash(n) in self._members]

"""SEMO: a steady-state, mutation-only evolutionary multi-objective algorithm.

What it is: a SEMO (Laumanns et al.) archive with SMS-EMOA-style parent selection by
hypervolume contribution, one child per :meth:`SEMO.ask` (steady state). The population is the
archive of mutually non-dominated cells told so far. After ``n_init`` cells drawn uniformly
from the space, each child is a mutation
(:meth:`~benchmarks.space.SearchSpace.mutate`: each edge slot flips with probability
``edge_changes / slots``, each inner op changes with probability ``op_changes / inner``;
invalid children and copies of the parent are re-drawn there) of a parent picked by linear
ranking on its hypervolume contribution.

It is inspired by, and not the same as, the SEMOA of the EC-NAS paper. Differences:

* population: here the unbounded archive of non-dominated cells (no dominated cell is kept,
  no fixed population size);
* selection pressure: by default rank ``i`` (0 best) of ``k`` has weight ``k - i`` (the best
  drawn ``k`` times as often as the worst); SEMOA's linear ranking uses pressure 1.9/0.1
  (``selection_pressure=1.9`` here gives that rule);
* mutation scope: every edge slot and inner op of the padded ``max_vertices`` cell may change
  (``edge_changes`` and ``op_changes`` expected changes), so a child may grow or shrink;
* duplicates: a child that is a cell already told (evaluated or failed) is drawn again,
  parent selection included, before it is asked. Asking it would change nothing: the runner
  answers it from its cache and, weakly dominated by the archive, in it, or failed, it
  leaves the archive unchanged.
  So each new cell has the distribution SEMO gives the first new cell it would draw. After
  :data:`MAX_DRAWS` told children in a row, the last one is asked (near exhaustion).

Children are drawn ahead, in batches (:meth:`~benchmarks.space.SearchSpace.mutants`: on the
4- and 5-vertex spaces each from its parent's exact child distribution, one look-up), from
the current archive and ranking; the batch is dropped when either changes, so every child
still comes from the archive and ranking it is asked under.

Archive update: Laumanns et al.'s SEMO rule (:class:`strategies._pareto.Archive`) on the
told values; cells that could not be evaluated never enter.

Parent selection: the archive's hypervolume contributions (:func:`moocore.hv_contributions`)
are ranked from largest to smallest. Ties keep archive order (oldest first). The reference
point is ``ref_point`` or, by default, the worst finite value seen per objective plus 10% of
the seen range (plus 1.0 where the range is still zero), so every archive member has a
positive contribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import ClassVar

import moocore
import numpy as np

from benchmarks.space import Arch, SearchSpace
from benchmarks.space.search_space import Mutants
from strategies._pareto import Archive, reference_point
from strategies.base import Candidate, Strategy, check_mutation, check_setting, is_int, is_number

#: Told children drawn in a row before SEMO asks one anyway (the runner answers it from its
#: cache and stops a run that only asks cached cells).
MAX_DRAWS = 10_000


class SEMO(Strategy):
    """Steady-state SEMO, SMS-EMOA-style parent selection (not EC-NAS's SEMOA; see above).

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    n_init : int, default 10
        Cells drawn uniformly from the space before mutation starts (more while the archive
        is still empty because no cell could be evaluated).
    edge_changes : float, default 2.0
        Expected number of edge flips per child, below the space's edge slots
        (``V(V-1)/2`` for ``V = max_vertices``: 6 for 4v).
    op_changes : float, default 0.5
        Expected number of op changes per child, at most the inner ops (``V - 2``).
    ref_point : sequence of float, optional
        Hypervolume reference point (minimisation form); by default derived from the values
        seen (see the module docstring).
    selection_pressure : float, optional
        Linear ranking with the best rank's expected share ``selection_pressure / k`` and the
        worst's ``(2 - selection_pressure) / k`` (in [1, 2]; 1.9 is SEMOA's 1.9/0.1). None:
        weights ``k, k - 1, ..., 1``.
    """

    name: ClassVar[str] = "semo"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, n_init: int = 10,
                 edge_changes: float = 2.0, op_changes: float = 0.5,
                 ref_point: Sequence[float] | None = None,
                 selection_pressure: float | None = None) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        check_setting("n_init", n_init, is_int(n_init) and n_init >= 1, "a positive int")
        check_mutation(space, edge_changes, op_changes)
        if ref_point is not None:
            try:
                ref = np.asarray(ref_point, dtype=float)
            except (TypeError, ValueError):
                ref = np.empty(0)
            check_setting("ref_point", ref_point,
                          ref.shape == (self.n_objectives,) and bool(np.isfinite(ref).all()),
                          f"{self.n_objectives} finite numbers")
        check_setting("selection_pressure", selection_pressure, selection_pressure is None
                      or is_number(selection_pressure, 1, 2), "None or a number in [1, 2]")
        self.n_init = int(n_init)
        self.edge_changes = float(edge_changes)
        self.op_changes = float(op_changes)
        self.ref_point = None if ref_point is None else [float(x) for x in ref_point]
        self.selection_pressure = None if selection_pressure is None \
            else float(selection_pressure)

        self._archive = Archive(space, self.n_objectives)
        self._n_asked = 0
        self._lo = np.full(self.n_objectives, np.inf)
        self._hi = np.full(self.n_objectives, -np.inf)
        self._ranked: np.ndarray | None = None  # archive indices, best contribution first
        self._told = np.zeros(len(space.cells()), dtype=bool)  # by cell-table row
        self._ahead: Mutants | None = None  # children drawn ahead from the current archive
        self._next = 0  # the first of them not yet looked at
        self._batch = 16 if space.tabulated else 1

    # ----- views ------------------------------------------------------------------------------
    @property
    def archive(self) -> list[Arch]:
        """The current non-dominated cells (oldest first)."""
        return list(self._archive.cells)

    @property
    def archive_F(self) -> np.ndarray:
        """The told values of :attr:`archive`, row by row (a copy)."""
        return self._archive.F.copy()

    # ----- ask/tell ---------------------------------------------------------------------------
    def _ask(self) -> list[Candidate]:
        self._n_asked += 1
        if self._n_asked <= self.n_init or not self._archive:
            arch = self.space.sample(self.rng, 1)[0]
        else:
            arch = self._child()
        return [Candidate(arch, self.epochs)]

    def _child(self) -> Arch:
        """The first child drawn that is not a told cell (or, after MAX_DRAWS, a told one)."""
        drawn = 0
        while True:
            if self._ahead is None or self._next >= len(self._ahead):
                if self._ahead is not None:  # a whole batch was used up: draw larger ones
                    self._batch = min(2 * self._batch, 4096)
                self._ahead = self.space.mutants(self._archive.cells, self.rng,
                                                 which=self._select(self._batch),
                                                 edge_changes=self.edge_changes,
                                                 op_changes=self.op_changes)
                self._next = 0
            ahead, start = self._ahead, self._next
            end = min(start + 64, len(ahead))  # look at a few: most asks need few
            fresh = np.flatnonzero(~self._told[ahead.rows[start:end]])
            if len(fresh) or drawn + end - start >= MAX_DRAWS:
                i = start + int(fresh[0]) if len(fresh) else end - 1
                self._next = i + 1
                return ahead.arch(i)
            drawn += end - start
            self._next = end

    def _select(self, n: int = 1) -> np.ndarray:
        """``n`` archive indices drawn by linear ranking on hypervolume contribution."""
        k = len(self._archive)
        if k == 1:
            return np.zeros(n, dtype=np.intp)
        if self._ranked is None:
            contributions = moocore.hv_contributions(self._archive.F, ref=self._reference())
            self._ranked = np.argsort(-contributions, kind="stable")
        cum = _cumulative_weights(k, self.selection_pressure)
        u = self.rng.random(n) * cum[-1]
        rank = np.minimum(np.searchsorted(cum, u, side="right"), k - 1)
        return self._ranked[rank]

    def _reference(self) -> np.ndarray:
        if self.ref_point is not None:
            return np.asarray(self.ref_point, dtype=float)
        return reference_point(np.array([self._lo, self._hi]))

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        for candidate, f in zip(candidates, F, strict=True):
            self._told[self.space.row(candidate.arch)] = True
            if (f < self._lo).any() or (f > self._hi).any():
                self._lo = np.minimum(self._lo, f)
                self._hi = np.maximum(self._hi, f)
                self._ranked = None  # the default reference point moved
            if self._archive.insert(candidate.arch, f):
                self._ranked = None
            if self._ranked is None:  # children drawn ahead came from another selection
                self._ahead = None

    def _fail(self, candidates: list[Candidate]) -> None:
        for candidate in candidates:  # asked again, it would be answered from the cache
            self._told[self.space.row(candidate.arch)] = True


@cache
def _cumulative_weights(k: int, pressure: float | None = None) -> np.ndarray:
    """Cumulative linear-ranking weights, best rank first: ``k, k - 1, ..., 1`` (None), or
    ``pressure`` falling linearly to ``2 - pressure``."""
    if pressure is None:
        return np.cumsum(np.arange(k, 0, -1, dtype=float))
    return np.cumsum(pressure - (2 * pressure - 2) * np.arange(k) / (k - 1))

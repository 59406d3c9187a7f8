"""The ask/tell contract every search strategy follows.

A strategy is built fresh for each run as
``cls(space, *, rng=..., fidelities=..., n_objectives=..., **settings)`` and driven by the runner:
``ask()`` proposes candidates, the runner queries the benchmark, then ``tell(candidates, F,
failed)`` reports their objective values in minimisation form and, explicitly, which ones could
not be evaluated (as Optuna's ``TrialState.FAIL``): a strategy learns from the evaluated ones in
:meth:`Strategy._tell`, which never sees a non-finite value, and of the others in
:meth:`Strategy._fail`. A strategy never queries tables, counts
the budget or writes files; it sees only the search space (sample, mutate, neighbours, encode).

The runner answers a repeated (cell, epochs) query from the run's cache for free
(``ecnas_cli.run.protocol``); a strategy that should not ask a cell twice holds the one operator
for that, :class:`strategies.duplicates.DuplicateElimination`. A strategy
from another package is found by ``package.module:Class`` or through the entry-point group
``ecnas.strategies`` (:func:`load_plugin`); ``strategies.testing`` holds the contract suite
a plugin author runs on their class.

The protocol is strict: every ``ask`` is followed by exactly one ``tell`` of the same list
before the next ``ask``. :class:`Strategy` enforces this and validates ``F``, so subclasses
implement only :meth:`Strategy._ask` and :meth:`Strategy._tell` (and :meth:`Strategy._fail`).
An :attr:`~Strategy.asynchronous` strategy relaxes it for live search with several workers:
it may be asked again while earlier candidates are still training, and each candidate is told
once, on its own, as its training ends, in any order.
"""

from __future__ import annotations

import importlib
import inspect
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, ClassVar

import numpy as np

from benchmarks.space import Arch, SearchSpace


@dataclass(frozen=True, slots=True)
class Candidate:
    """One proposal: a cell and the training epochs (fidelity) to query it at."""

    arch: Arch
    epochs: int


class Strategy(ABC):
    """Base class of search strategies (ask/tell, minimisation).

    Parameters
    ----------
    space : SearchSpace
        The cells to search.
    rng : numpy.random.Generator
        The only source of randomness of the strategy.
    fidelities : tuple of int
        The epochs the benchmark can be queried at, ascending; the last one is the target.
        Single-fidelity strategies query every candidate at ``fidelities[-1]``.
    n_objectives : int
        Number of columns of ``F`` in :meth:`tell`.

    Attributes
    ----------
    name : str
        The registry name of the strategy.
    multi_fidelity : bool
        Whether candidates may ask for epochs other than ``fidelities[-1]``.
    batch : bool
        Whether one :meth:`ask` may return more than one candidate.
    asynchronous : bool
        Whether :meth:`ask` may be called while candidates are pending, and pending candidates
        told in any order and any grouping. True only where proposals do not depend on the
        order results arrive in, so a live search with N workers proposes what a table search
        with the same seed proposes.
    """

    name: ClassVar[str]
    multi_fidelity: ClassVar[bool] = False
    batch: ClassVar[bool] = False
    asynchronous: ClassVar[bool] = False

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int) -> None:
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        ok = isinstance(fidelities, tuple | list) and len(fidelities) > 0 and all(
            is_int(b) and b >= 1 for b in fidelities) and list(fidelities) == sorted(
            set(fidelities))
        if not ok:
            raise ValueError("fidelities must be distinct positive ints, ascending; "
                             f"got {fidelities!r}")
        if not is_int(n_objectives) or n_objectives < 1:
            raise ValueError(f"n_objectives must be a positive int, got {n_objectives!r}")
        self.space = space
        self.rng = rng
        self.fidelities = tuple(int(b) for b in fidelities)
        self.n_objectives = int(n_objectives)
        self._pending: list[Candidate] | None = None

    # ----- the protocol -----------------------------------------------------------------------
    def ask(self) -> list[Candidate]:
        """Propose the next candidates (at least one) to evaluate.

        Raises
        ------
        RuntimeError
            If the previous candidates were not told yet (unless :attr:`asynchronous`).
        """
        if self._pending is not None and not self.asynchronous:
            raise RuntimeError("ask() called again before tell() of the previous candidates")
        candidates = self._ask()
        if not candidates:
            raise RuntimeError(f"{type(self).__name__}._ask returned no candidates")
        self._pending = [*(self._pending or []), *candidates]
        return list(candidates)

    def tell(self, candidates: list[Candidate], F: np.ndarray,
             failed: np.ndarray | list[bool] | None = None) -> None:
        """Report the objective values of the candidates of the last :meth:`ask`.

        Parameters
        ----------
        candidates : list of Candidate
            Exactly the list the last :meth:`ask` returned (:attr:`asynchronous`: any pending
            candidates).
        F : numpy.ndarray
            ``(len(candidates), n_objectives)`` values in minimisation form; every row not
            marked ``failed`` must be finite.
        failed : array of bool, optional
            Per candidate, whether it could not be evaluated (its row of ``F`` is ignored).
            None: every candidate was evaluated.

        Raises
        ------
        ValueError
            If the candidates are not those asked, ``F`` or ``failed`` has the wrong shape,
            or a row not marked failed is not finite.
        """
        if self._pending is None:
            raise RuntimeError("tell() called without a pending ask()")
        left = self._still_pending(list(candidates))
        values = np.array(F, dtype=float, copy=True)
        expected = (len(candidates), self.n_objectives)
        if values.shape != expected:
            raise ValueError(f"F has shape {values.shape}, expected {expected}")
        lost = np.zeros(len(candidates), dtype=bool) if failed is None \
            else np.asarray(failed, dtype=bool)
        if lost.shape != (len(candidates),):
            raise ValueError(f"failed has shape {lost.shape}, expected ({len(candidates)},)")
        unmarked = np.flatnonzero(~lost & ~np.isfinite(values).all(axis=1))
        if len(unmarked):
            raise ValueError(f"F row {int(unmarked[0])} is not finite: tell a candidate that "
                             "could not be evaluated as failed")
        self._pending = left or None
        if not lost.all():
            self._tell([c for c, x in zip(candidates, lost.tolist(), strict=True) if not x],
                       values[~lost])
        if lost.any():
            self._fail([c for c, x in zip(candidates, lost.tolist(), strict=True) if x])

    def _still_pending(self, told: list[Candidate]) -> list[Candidate]:
        """The pending candidates once ``told`` are removed; a ValueError if ``told`` are not
        the last ask's (or, for an asynchronous strategy, not all pending)."""
        assert self._pending is not None
        if not self.asynchronous:
            if told != self._pending:
                raise ValueError("tell() must report exactly the candidates of the last ask()")
            return []
        left = list(self._pending)
        for cand in told:
            if cand not in left:
                raise ValueError(f"tell() of a candidate that is not pending: {cand}")
            left.remove(cand)
        return left

    @abstractmethod
    def _ask(self) -> list[Candidate]:
        """The candidates to propose next (the checks are done by :meth:`ask`)."""

    @abstractmethod
    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        """Learn from the evaluated candidates: ``F`` is finite, ``(n, n_objectives)``, n >= 1."""

    def _fail(self, candidates: list[Candidate]) -> None:  # noqa: B027 (optional hook)
        """Learn that ``candidates`` (n >= 1) could not be evaluated; by default nothing."""

    # ----- description ------------------------------------------------------------------------
    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """The settings of the strategy and their default values (from ``__init__``)."""
        params = inspect.signature(cls.__init__).parameters.values()
        base = {"space", "rng", "fidelities", "n_objectives", "self"}
        return {p.name: p.default for p in params
                if p.kind is p.KEYWORD_ONLY and p.name not in base}

    def settings(self) -> dict[str, Any]:
        """The settings of this run, keyed by name (JSON-friendly values, for run.json)."""
        return {key: getattr(self, key) for key in self.defaults()}

    @property
    def epochs(self) -> int:
        """The epochs single-fidelity candidates are evaluated at (``fidelities[-1]``)."""
        return self.fidelities[-1]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings().items())
        return f"{type(self).__name__}({self.space.name!r}{', ' if args else ''}{args})"


def check_setting(name: str, value: Any, ok: bool, expected: str) -> None:
    """Raise a ValueError naming the setting ``name`` and its bad ``value`` unless ``ok``.

    A non-finite number (``inf``, ``nan``) is refused whatever ``ok`` says."""
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        raise ValueError(f"setting {name} must be finite ({expected}), got {value!r}")
    if not ok:
        raise ValueError(f"setting {name} must be {expected}, got {value!r}")


def check_mutation(space: SearchSpace, edge_changes: float, op_changes: float) -> None:
    """Refuse rates :meth:`~benchmarks.space.SearchSpace.mutate` cannot honour: negative, both
    zero, ``edge_changes >= slots`` (every slot flips every time: a child cannot vary, and its
    one possible edge set may be invalid forever) or more op changes than inner ops."""
    m = space.max_vertices
    slots, inner = m * (m - 1) // 2, max(m - 2, 0)
    check_setting("edge_changes", edge_changes, is_number(edge_changes, 0) and edge_changes
                  < slots, f"a number in [0, {slots}) for space {space.name} (its {slots} "
                  "edge slots)")
    check_setting("op_changes", op_changes, is_number(op_changes, 0, inner),
                  f"a number in [0, {inner}] for space {space.name} (its {inner} inner ops)")
    check_setting("edge_changes", edge_changes, edge_changes + op_changes > 0,
                  "> 0 when op_changes is 0")


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (a bool is not)."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def is_number(value: Any, low: float = -np.inf, high: float = np.inf) -> bool:
    """Whether ``value`` is a real number in ``[low, high]`` (a bool is not)."""
    return isinstance(value, int | float | np.integer | np.floating) \
        and not isinstance(value, bool) and bool(low <= value <= high)


#: Entry-point group where other packages register strategies (name = class).
ENTRY_POINT_GROUP = "ecnas.strategies"
#: ``package.module:Class``: dotted identifiers on both sides, no relative import.
PLUGIN_PATTERN = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def _plugin_code(name: str, load: Callable[[], Any]) -> Any:
    """``load()`` (importing a plugin runs its code); any failure, ``sys.exit`` included,
    is a ValueError naming the plugin: it is not a bug in ecnas."""
    try:
        return load()
    except KeyboardInterrupt:
        raise
    except (Exception, SystemExit) as exc:
        what = (f"called sys.exit({exc.code!r})" if isinstance(exc, SystemExit)
                else f"{type(exc).__name__}: {' '.join(str(exc).split())}")
        raise ValueError(f"cannot load strategy {name!r}: importing it {what}") from None


def load_plugin(name: str) -> type[Strategy] | None:
    """A strategy class from ``package.module:Class`` or the ``ecnas.strategies`` entry
    points; None when ``name`` is neither. A target that is not a Strategy is an error.
    """
    if ":" in name:
        if PLUGIN_PATTERN.fullmatch(name) is None:
            raise ValueError(f"invalid strategy {name!r}: expected package.module:Class "
                             "(dotted Python names, no relative import)")
        module, _, attr = name.partition(":")
        target = _plugin_code(name, lambda: getattr(importlib.import_module(module), attr))
    else:
        found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
        if not found:
            return None
        target = _plugin_code(name, found[0].load)
    if not (isinstance(target, type) and issubclass(target, Strategy)):
        raise ValueError(f"strategy {name!r} is {target!r}, not a strategies.base.Strategy "
                         "subclass")
    return target

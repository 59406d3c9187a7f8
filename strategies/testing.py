"""The strategy contract as an importable test suite, for this package and for plugins.

A plugin author checks a class in one call (pytest not needed)::

    from strategies.testing import check_strategy
    check_strategy(MyStrategy)            # raises AssertionError naming the broken rule

or runs each check as its own pytest test::

    @pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
    def test_contract(check):
        check(MyStrategy)

The checks drive the class through ``ask``/``tell`` on a search space with a synthetic
objective (no benchmark table): valid cells at allowed epochs, batch and multi-fidelity
flags honoured, same seed same asks, another seed other asks, numpy's global random state
untouched, candidates told as failed survived (and never reach ``_tell``), JSON settings equal
to the defaults, and the strict ask -> tell order (a non-finite row not marked failed is
refused).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.space import Arch, SearchSpace, get_space
from strategies.base import Candidate, Strategy

#: The fidelities the checks offer (a multi-fidelity strategy may ask any of them).
FIDELITIES = (4, 12)
CONV = "conv3x3-bn-relu"


def objective(arch: Arch, epochs: int = FIDELITIES[-1]) -> np.ndarray:
    """A cheap two-objective function of a cell (minimise both): minus the conv3x3 count and
    cell size, plus a little for fewer epochs; and the number of edges."""
    return np.array([-(arch.ops.count(CONV) + 0.1 * arch.num_vertices) + 1.0 / epochs,
                     float(arch.num_edges)])


def make(cls: type[Strategy], seed: int = 0, space: SearchSpace | None = None,
         **settings: Any) -> Strategy:
    """``cls`` built as the runner builds it, on the 5-vertex space by default."""
    return cls(space or get_space("5v"), rng=np.random.default_rng(seed),
               fidelities=FIDELITIES, n_objectives=2, **settings)


def drive(strategy: Strategy, queries: int, fail_every: int = 0) -> list[Candidate]:
    """Ask/tell until ``queries`` candidates were asked; every ``fail_every``-th is told as
    failed (not evaluable; its row of ``F`` is ``nan``)."""
    asked: list[Candidate] = []
    while len(asked) < queries:
        candidates = strategy.ask()
        F = np.array([objective(c.arch, c.epochs) for c in candidates])
        failed = np.array([fail_every > 0 and (len(asked) + k + 1) % fail_every == 0
                           for k in range(len(candidates))])
        F[failed] = np.nan
        strategy.tell(candidates, F, failed=failed)
        asked += candidates
    return asked


def check_valid_asks(cls: type[Strategy], queries: int = 60) -> None:
    """Every candidate is a valid cell of the space at an allowed fidelity; flags honoured."""
    space = get_space("5v")
    strategy = make(cls, space=space)
    for c in drive(strategy, queries):
        assert isinstance(c, Candidate), f"{cls.__name__} asked {c!r}, not a Candidate"
        assert space.is_valid(c.arch), f"{cls.__name__} asked an invalid cell {c.arch}"
        allowed = FIDELITIES if cls.multi_fidelity else FIDELITIES[-1:]
        assert c.epochs in allowed, f"{cls.__name__} asked {c.epochs} epochs, not in {allowed}"
    if not cls.batch:
        assert len(make(cls).ask()) == 1, f"{cls.__name__} is not batch but asked several"


def check_deterministic(cls: type[Strategy], queries: int = 40) -> None:
    """The same seed asks the same cells; another seed asks others."""
    space = get_space("5v")

    def keys(seed: int) -> list[tuple[str, int]]:
        return [(space.hash(c.arch), c.epochs)
                for c in drive(make(cls, seed=seed, space=space), queries)]

    first = keys(3)
    assert first == keys(3), f"{cls.__name__}: the same seed asked other cells"
    assert first != keys(4), f"{cls.__name__}: another seed asked the same cells"


def check_global_random_state(cls: type[Strategy], queries: int = 40) -> None:
    """numpy's global random state is untouched (all randomness from the given rng)."""
    before = np.random.get_state()  # noqa: NPY002 (reading the state the check guards)
    drive(make(cls), queries, fail_every=7)
    after = np.random.get_state()  # noqa: NPY002
    assert isinstance(before, tuple) and isinstance(after, tuple)
    same = before[0] == after[0] and np.array_equal(before[1], after[1]) \
        and before[2:] == after[2:]
    assert same, f"{cls.__name__} used numpy's global random state"


def check_unevaluated(cls: type[Strategy], queries: int = 40) -> None:
    """Candidates told as failed do not break the strategy and never reach its ``_tell``."""
    space = get_space("5v")
    strategy = make(cls)
    learn = strategy._tell

    def spy(candidates: list[Candidate], F: np.ndarray) -> None:  # failed rows are nan
        assert np.isfinite(F).all(), f"{cls.__name__}._tell was given failed candidates"
        learn(candidates, F)

    strategy._tell = spy  # type: ignore[method-assign]
    for c in drive(strategy, queries, fail_every=3):
        assert space.is_valid(c.arch), f"{cls.__name__} asked an invalid cell {c.arch}"
    strategy = make(cls)
    for _ in range(20):  # nothing can be evaluated at all
        candidates = strategy.ask()
        strategy.tell(candidates, np.full((len(candidates), 2), np.nan),
                      failed=[True] * len(candidates))


def check_settings(cls: type[Strategy]) -> None:
    """``settings()`` of a default instance equals ``defaults()`` and is JSON."""
    strategy = make(cls)
    assert strategy.settings() == cls.defaults(), f"{cls.__name__}: settings() != defaults()"
    json.dumps(strategy.settings())


def check_protocol(cls: type[Strategy]) -> None:
    """``ask`` twice, ``tell`` without ``ask``, a wrong shape or other candidates all fail."""
    strategy = make(cls)
    _raises(lambda: strategy.tell([], np.empty((0, 2))), RuntimeError,
            f"{cls.__name__}: tell() without ask() was accepted")
    candidates = strategy.ask()
    if cls.asynchronous:  # may be asked again while candidates are pending, told apart
        extra = strategy.ask()
        strategy.tell(extra, np.zeros((len(extra), 2)))
    else:
        _raises(strategy.ask, RuntimeError, f"{cls.__name__}: ask() twice was accepted")
    _raises(lambda: strategy.tell(candidates, np.zeros((len(candidates), 3))), ValueError,
            f"{cls.__name__}: F of the wrong shape was accepted")
    other = [Candidate(c.arch, c.epochs + 1) for c in candidates]
    _raises(lambda: strategy.tell(other, np.zeros((len(candidates), 2))), ValueError,
            f"{cls.__name__}: other candidates were accepted")
    _raises(lambda: strategy.tell(candidates, np.full((len(candidates), 2), np.inf)),
            ValueError, f"{cls.__name__}: non-finite values not marked failed were accepted")
    strategy.tell(candidates, np.zeros((len(candidates), 2)))
    assert strategy.ask()


def _raises(call: Callable[[], object], error: type[Exception], message: str) -> None:
    try:
        call()
    except error:
        return
    raise AssertionError(message)


#: Every check, each taking the strategy class.
CHECKS: tuple[Callable[[type[Strategy]], None], ...] = (
    check_valid_asks, check_deterministic, check_global_random_state, check_unevaluated,
    check_settings, check_protocol)


def check_strategy(cls: type[Strategy]) -> None:
    """Run every check of :data:`CHECKS` on ``cls``; an AssertionError names the first
    broken rule."""
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise TypeError(f"{cls!r} is not a strategies.base.Strategy subclass")
    for check in CHECKS:
        check(cls)

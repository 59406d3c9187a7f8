"""The one boundary where the runner calls a strategy's code: build, ask, tell.

A strategy from another package (a ``package.module:Class`` plugin, an entry point, a class in
a notebook) may fail in any way: raise anything, return no candidates or plain tuples, call
``sys.exit``. Here each such fault becomes one :class:`StrategyError` naming the class, the
method and what it did, so the CLI reports it as the plugin's fault (exit 2) and the runner
marks the run failed, instead of "a bug in ecnas" or a silent exit 0. A fault in a built-in
strategy (package ``strategies``) is an ecnas bug and passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np

from benchmarks.errors import EcnasError
from benchmarks.space import Arch
from strategies.base import Candidate, Strategy, is_int

T = TypeVar("T")


class StrategyError(EcnasError):
    """A strategy from another package failed; the message names it and what it broke."""


def is_plugin(cls: type) -> bool:
    """Whether ``cls`` comes from outside the built-in ``strategies`` package."""
    return str(getattr(cls, "__module__", "")).split(".")[0] != "strategies"


def label(cls: type) -> str:
    """``module:Class`` of a strategy, as a user would name it."""
    return f"{getattr(cls, '__module__', '?')}:{getattr(cls, '__qualname__', cls)!s}"


@contextmanager
def blame(cls: type, method: str) -> Iterator[None]:
    """Turn any failure of a plugin's ``method`` into a :class:`StrategyError`."""
    try:
        yield
    except (KeyboardInterrupt, StrategyError):
        raise
    except (Exception, SystemExit) as exc:
        if not is_plugin(cls) and not isinstance(exc, SystemExit):
            raise  # a built-in strategy's error: a bug in ecnas, reported as such
        what = (f"called sys.exit({exc.code!r})" if isinstance(exc, SystemExit)
                else f"raised {type(exc).__name__}: {' '.join(str(exc).split())}")
        raise StrategyError(f"strategy {label(cls)} failed in {method}: {what}") from None


def build(cls: type[Strategy], *args: Any, **kwargs: Any) -> Strategy:
    """``cls(*args, **kwargs)`` behind the boundary."""
    with blame(cls, "__init__"):
        return cls(*args, **kwargs)


def ask(strat: Strategy) -> list[Candidate]:
    """``strat.ask()``, each proposal checked to be a :class:`Candidate` of an Arch and int
    epochs (the runner would otherwise fail on it later, far from the cause)."""
    with blame(type(strat), "ask"):
        candidates = strat.ask()
        if not isinstance(candidates, list) or not candidates:
            raise TypeError(f"ask() must return a non-empty list of Candidate, got "
                            f"{_short(candidates)}")
        for cand in candidates:
            if not (isinstance(cand, Candidate) and isinstance(cand.arch, Arch)
                    and is_int(cand.epochs)):
                raise TypeError(f"ask() returned {_short(cand)}, not a Candidate(arch: Arch, "
                                "epochs: int)")
    return candidates


def tell(strat: Strategy, candidates: list[Candidate], F: np.ndarray,
         failed: np.ndarray) -> None:
    """``strat.tell(candidates, F, failed=failed)`` behind the boundary."""
    with blame(type(strat), "tell"):
        strat.tell(candidates, F, failed=failed)


def call(cls: type, method: str, fn: Callable[[], T]) -> T:
    """``fn()`` behind the boundary, blamed on ``cls.method`` (e.g. ``settings``)."""
    with blame(cls, method):
        return fn()


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."

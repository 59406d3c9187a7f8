"""The importable contract suite (strategies.testing) over every registered strategy."""

from __future__ import annotations

import numpy as np
import pytest

from strategies import STRATEGIES, RandomSearch, Strategy
from strategies.testing import CHECKS, check_protocol, check_strategy, check_unevaluated
from tests.fixtures.names import strategy_params


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", strategy_params())
def test_contract(name: str, check) -> None:
    check(STRATEGIES[name])


class Broken(Strategy):
    """Asks the same invalid-free cell forever but draws from numpy's global state."""

    name = "broken"

    def _ask(self):
        import numpy as np

        from strategies.base import Candidate
        np.random.random()  # noqa: NPY002 (the rule this class breaks on purpose)
        return [Candidate(self.space.sample(self.rng, 1)[0], self.epochs)]

    def _tell(self, candidates, F) -> None:
        pass


def test_the_suite_catches_a_broken_strategy() -> None:
    with pytest.raises(AssertionError, match="global random state"):
        check_strategy(Broken)
    with pytest.raises(TypeError, match=r"not a strategies\.base\.Strategy"):
        check_strategy(dict)  # type: ignore[arg-type]


class LeaksFailures(RandomSearch):
    """Hands failed candidates to ``_tell`` as non-finite rows (the old way of telling)."""

    def tell(self, candidates, F, failed=None) -> None:
        self._pending = None
        self._tell(list(candidates), np.asarray(F, dtype=float))


class HidesFailures(RandomSearch):
    """Turns non-finite rows into large values instead of refusing them."""

    def tell(self, candidates, F, failed=None) -> None:
        super().tell(candidates, np.nan_to_num(np.asarray(F, dtype=float), posinf=1e9), failed)


def test_the_suite_catches_failures_told_as_values() -> None:
    with pytest.raises(AssertionError, match="given failed candidates"):
        check_unevaluated(LeaksFailures)
    with pytest.raises(AssertionError, match="not marked failed were accepted"):
        check_protocol(HidesFailures)

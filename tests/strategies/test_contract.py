"""The importable contract suite (strategies.testing) over every registered strategy."""

from __future__ import annotations

import pytest

from strategies import STRATEGIES, Strategy
from strategies.testing import CHECKS, check_strategy
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

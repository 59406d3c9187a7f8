"""When a search stops: termination objects, combinable (the first one reached stops).

Every budget counts what a real search would pay: distinct trainings (evaluations), their
energy (kWh) and their simulated training time (s), plus the wall-clock time of the run
itself. A query answered from the run's cache pays nothing (see :mod:`ecnas_cli.run.protocol`).
Cost budgets are checked before an evaluation: an evaluation that would exceed the budget is
not made, and the run ends there.

Examples
--------
>>> stop = MaxEvaluations(1000) | MaxEnergy(5.0)
>>> stop.describe()
{'evaluations': 1000, 'energy_kwh': 5.0}
>>> stop.reached(Spent(evaluations=1000))
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from benchmarks.tables.problem import Problem

#: The largest budget accepted: beyond it a budget is a typo (or ``inf`` in disguise).
MAX_BUDGET = 1e12


@dataclass
class Spent:
    """What a run has spent so far."""

    evaluations: int = 0
    energy_kwh: float = 0.0
    training_time_s: float = 0.0
    wall_s: float = 0.0

    def get(self, key: str) -> float:
        return float(getattr(self, key))


class Termination:
    """Base class: a budget on one quantity of :class:`Spent`; ``a | b`` stops at the first."""

    key: ClassVar[str] = ""
    cost: ClassVar[str | None] = None  # the table column an evaluation costs, if any

    def __init__(self, amount: float) -> None:
        ok = isinstance(amount, int | float) and not isinstance(amount, bool) \
            and math.isfinite(amount) and 0 < amount <= MAX_BUDGET
        if not ok:
            raise ValueError(f"{self.key} budget must be > 0, finite and at most "
                             f"{MAX_BUDGET:g}, got {amount!r}")
        self.amount = amount

    def parts(self) -> list[Termination]:
        return [self]

    def __or__(self, other: Termination) -> AnyOf:
        return AnyOf([*self.parts(), *other.parts()])

    def reached(self, spent: Spent) -> bool:
        """Whether nothing more may be spent."""
        return spent.get(self.key) >= self.amount

    def allows(self, spent: Spent, values: dict[str, float]) -> bool:
        """Whether one more evaluation costing ``values`` stays within the budget."""
        if self.cost is None:
            return not self.reached(spent)
        return spent.get(self.key) + float(values[self.cost]) <= self.amount

    def check(self, problem: Problem) -> None:
        """Refuse (ValueError) a cost budget the problem's table cannot measure, or one too
        small to buy the cheapest training the problem offers (the run could only be empty)."""
        if self.cost is None:
            return
        if not problem.cost_available(self.cost):
            raise ValueError(f"{problem.name} has no complete {self.cost!r} column (missing or "
                             f"NaN at {', '.join(map(str, problem.fidelities))} epochs): a "
                             f"{self.key} budget could never be counted; use another budget")
        cheapest, epochs = cheapest_training(problem, self.cost)
        if self.amount < cheapest:
            raise ValueError(f"the {self.key} budget of {self.amount:g} cannot buy one training "
                             f"on {problem.name}: the cheapest costs {cheapest:g} {self.cost} "
                             f"(at {epochs} epochs)")

    def describe(self) -> dict[str, Any]:
        return {self.key: self.amount}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.amount!r})"


class MaxEvaluations(Termination):
    """Stop after ``amount`` distinct trainings (cached queries do not count)."""

    key = "evaluations"

    def __init__(self, amount: int) -> None:
        whole = isinstance(amount, float) and float(amount).is_integer()
        if not (isinstance(amount, int) and not isinstance(amount, bool)) and not whole:
            raise ValueError(f"evaluations budget must be > 0 and an int, got {amount!r}")
        super().__init__(amount)
        self.amount = int(amount)


class MaxEnergy(Termination):
    """Stop before the search's training energy would pass ``amount`` kWh."""

    key, cost = "energy_kwh", "energy_kwh"


class MaxTrainingTime(Termination):
    """Stop before the search's simulated training time would pass ``amount`` s."""

    key, cost = "training_time_s", "training_time_s"


class MaxWallClock(Termination):
    """Stop once the run itself has taken ``amount`` s of wall-clock time."""

    key = "wall_s"


@dataclass
class AnyOf(Termination):
    """Several budgets: the first one reached stops the run."""

    terms: list[Termination] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.terms:
            raise ValueError("AnyOf needs at least one termination")
        keys = [t.key for t in self.terms]
        if len(set(keys)) != len(keys):
            raise ValueError(f"two budgets on the same quantity: {keys}")

    def parts(self) -> list[Termination]:
        return list(self.terms)

    def reached(self, spent: Spent) -> bool:
        return any(t.reached(spent) for t in self.terms)

    def allows(self, spent: Spent, values: dict[str, float]) -> bool:
        return all(t.allows(spent, values) for t in self.terms)

    def check(self, problem: Problem) -> None:
        for t in self.terms:
            t.check(problem)

    def describe(self) -> dict[str, Any]:
        return {k: v for t in self.terms for k, v in t.describe().items()}


def cheapest_training(problem: Problem, column: str) -> tuple[float, int]:
    """The lowest ``column`` cost of any one training ``problem`` offers, and its epochs.

    Every measured row at the queried fidelities counts: a query samples one repeat, so the
    cheapest repeat is the least a training can cost.
    """
    frame = problem.benchmark.frame
    rows = frame[frame["epochs"].isin(problem.fidelities)]
    costs = rows[column].to_numpy(dtype=float)
    i = int(costs.argmin())
    return float(costs[i]), int(rows["epochs"].iloc[i])


#: Termination classes by the key of :meth:`Termination.describe` (for run.json round trips).
BY_KEY: dict[str, type[Termination]] = {
    c.key: c for c in (MaxEvaluations, MaxEnergy, MaxTrainingTime, MaxWallClock)}


def termination(evaluations: int | None = None, energy_kwh: float | None = None,
                training_time_s: float | None = None, wall_s: float | None = None
                ) -> Termination:
    """The budgets given, combined (at least one).

    Examples
    --------
    >>> termination(evaluations=50, wall_s=60.0)
    AnyOf(terms=[MaxEvaluations(50), MaxWallClock(60.0)])
    """
    given = {"evaluations": evaluations, "energy_kwh": energy_kwh,
             "training_time_s": training_time_s, "wall_s": wall_s}
    terms = [BY_KEY[k](v) for k, v in given.items() if v is not None]
    if not terms:
        raise ValueError("give at least one budget (evaluations, energy, time or wall-clock)")
    return terms[0] if len(terms) == 1 else AnyOf(terms)


def as_termination(budget: Termination | int | dict[str, float]) -> Termination:
    """A budget as given to :func:`~ecnas_cli.run.runner.run_search`: a Termination, a number
    of distinct evaluations, or a dict such as ``{"evaluations": 1000, "energy_kwh": 5.0}``."""
    if isinstance(budget, Termination):
        return budget
    if isinstance(budget, dict):
        return from_dict(budget)
    return MaxEvaluations(budget)


def from_dict(data: dict[str, Any]) -> Termination:
    """Inverse of :meth:`Termination.describe`."""
    unknown = sorted(set(data) - set(BY_KEY))
    if unknown:
        raise ValueError(f"unknown budget {unknown[0]!r}; valid: {', '.join(BY_KEY)}")
    return termination(**data)

"""The evaluation protocol: what a repeated query costs, owned by the runner for every strategy.

Rule ``repeats="cache"`` (the default): a query of a (cell, epochs) pair this run has already
trained is answered from the run's cache with the same values, costs no budget (a real search
would not retrain it) and is logged with ``cached=True``. Budgets therefore count distinct
trainings. A strategy that asks only cached cells for ``max_cached`` queries in a row is
stopped, with the reason in ``run.json``.

Rule ``repeats="retrain"`` (for studying noise): a repeat is trained again: it costs budget
and draws another measured repeat where the table has several.

``name="paper"`` is the EC-NAS authors' protocol (:mod:`ecnas_cli.run.paper_protocol`): their
encoding as the space, the training budget a search dimension, an invalid proposal costs a
trial, repeats are retrained; the evaluations budget counts trials.

Rule ``promotion`` (multi-fidelity strategies): ``continue`` trains a cell at a higher fidelity
after a lower one by resuming that training run, so it costs only the difference of the two
checkpoints' energy and time and returns the same repeat's later checkpoint (logged in the
trial log's ``continued_from`` column); ``restart`` charges every fidelity as a training from
scratch. ``continue`` needs a table whose lower fidelities are checkpoints of the runs of its
highest (:func:`benchmarks.tables.registry.checkpoint_fidelities`: ecnas-4v, ecnas-5v) and is
the default there; ``restart`` is the default, and the only rule, elsewhere.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

REPEATS = ("cache", "retrain")
PROTOCOLS = ("ecnas", "paper")
PROMOTIONS = ("continue", "restart")


@dataclass(frozen=True)
class Protocol:
    """How the runner answers repeated queries.

    Parameters
    ----------
    repeats : {"cache", "retrain"}
        ``cache``: a repeated (cell, epochs) query is free and returns the first values;
        ``retrain``: it is a new evaluation (costs budget, samples a repeat again).
    max_cached : int
        Consecutive cached queries after which the run is stopped (``cache`` only).
    name : {"ecnas", "paper"}
        ``paper``: the authors' protocol (module docstring); it needs ``repeats="retrain"``.
    promotion : {"continue", "restart"}, optional
        What training a cell at a higher fidelity after a lower one costs (module docstring);
        None: the table's default (:meth:`for_table`).
    """

    repeats: str = "cache"
    max_cached: int = 1000
    name: str = "ecnas"
    promotion: str | None = None

    @classmethod
    def named(cls, name: str, repeats: str | None = None, max_cached: int = 1000,
              promotion: str | None = None) -> Protocol:
        """The protocol ``name`` with its default repeat rule (``retrain`` for ``paper``)."""
        if name not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, got {name!r}")
        default = "retrain" if name == "paper" else "cache"
        return cls(repeats or default, max_cached, name, promotion)

    @property
    def paper(self) -> bool:
        return self.name == "paper"

    def __post_init__(self) -> None:
        if self.name not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, "
                             f"got {self.name!r}")
        if self.name == "paper" and self.repeats != "retrain":
            raise ValueError("the paper protocol retrains repeated queries (each costs a "
                             f"trial); repeats={self.repeats!r} contradicts it")
        if self.repeats not in REPEATS:
            raise ValueError(f"repeats must be one of {', '.join(REPEATS)}, "
                             f"got {self.repeats!r}")
        if not isinstance(self.max_cached, int) or isinstance(self.max_cached, bool) \
                or self.max_cached < 1:
            raise ValueError(f"max_cached must be a positive int, got {self.max_cached!r}")
        if self.promotion is not None and self.promotion not in PROMOTIONS:
            raise ValueError(f"promotion must be one of {', '.join(PROMOTIONS)}, "
                             f"got {self.promotion!r}")

    def for_table(self, name: str, checkpoints: bool) -> Protocol:
        """This protocol with ``promotion`` resolved for table ``name``, whose lower fidelities
        are (``checkpoints``) or are not checkpoints of its highest fidelity's runs.

        Raises
        ------
        ValueError
            ``continue`` on a table whose fidelities are separate runs.
        """
        if self.promotion == "continue" and not checkpoints:
            raise ValueError(f"--promotion continue needs lower fidelities that are checkpoints "
                             f"of one training run; {name}'s are separate runs: use restart")
        default = "continue" if checkpoints else "restart"
        return replace(self, promotion=self.promotion or default)

    def describe(self) -> dict[str, Any]:
        """The protocol for ``run.json``, in words a reader of the file needs."""
        if self.paper:
            from ecnas_cli.run.paper_protocol import describe_paper
            return {**asdict(self), **describe_paper()}
        return {**asdict(self),
                "budget_counts": "distinct (cell, epochs) trainings" if self.repeats == "cache"
                else "every query (repeats are retrained)",
                "repeated_query": "answered from the run's cache, free, logged cached=true"
                if self.repeats == "cache" else "retrained: costs budget, samples a repeat",
                "guard": f"stop after {self.max_cached} consecutive cached queries",
                "promoted_training": "costs the checkpoint difference, logged continued_from"
                if self.promotion == "continue" else "costs a training from scratch"}


class CachedQueryLimit(RuntimeError):
    """A strategy asked only cached cells for too long (a converged or stuck search)."""


class RunCache:
    """The (module hash, epochs) -> values answers of one run, and the guard's counter."""

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self._values: dict[tuple[str, int], dict[str, float]] = {}
        self.streak = 0
        self.hits = 0

    def __len__(self) -> int:
        return len(self._values)

    def get(self, h: str, epochs: int) -> dict[str, float] | None:
        """Cached values of a trained pair (None under ``retrain`` or when new)."""
        if self.protocol.repeats != "cache":
            return None
        return self._values.get((h, epochs))

    def hit(self, name: str) -> None:
        """Count a cached answer; raise :class:`CachedQueryLimit` instead once
        ``max_cached`` cached answers came in a row."""
        if self.streak >= self.protocol.max_cached:
            raise CachedQueryLimit(
                f"{name} asked {self.streak} cells in a row that this run had already "
                f"trained (guard max_cached={self.protocol.max_cached}): stopped")
        self.hits += 1
        self.streak += 1

    def put(self, h: str, epochs: int, values: dict[str, float]) -> None:
        """Record a training: the first values of a pair are the ones repeats get."""
        self._values.setdefault((h, epochs), values)
        self.streak = 0

"""Shared ask/tell machinery of the strategies that drive an Optuna sampler over the genome.

One candidate per :meth:`ask`: the sampler proposes a genome (:mod:`strategies._genome`),
invalid genomes are told ``FAIL`` (no evaluation) and re-asked, at most ``max_attempts``
times. A genome that is a cell the strategy already asked is not proposed again: model-based
samplers (``retell_known = False``) get it told as ``FAIL``, so their model is unchanged;
evolutionary samplers get its known values told again, as :mod:`strategies.nsga2` does, so
the generation fills. After ``max_repeats`` such repeats, or ``max_attempts`` invalid genomes,
the candidate is a new cell from :class:`~strategies.duplicates.DuplicateElimination`: a
mutation of the sampler's last repeated proposal (else of a random evaluated cell), enqueued
in the study as a fixed trial so its told values belong to its own genome. A candidate that
could not be evaluated is told ``FAIL``.

``max_observations`` (model-based samplers whose cost grows with the data, such as the GP)
bounds the completed trials the sampler sees: past it the study is rebuilt from the best half
(non-dominated rank, then hypervolume contribution) and the most recent other half.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import optuna
from optuna.samplers import BaseSampler
from optuna.trial import FrozenTrial, Trial, TrialState

from benchmarks.space import Arch, SearchSpace
from strategies import _pareto
from strategies._genome import Genome
from strategies.base import Candidate, Strategy, check_setting, is_int
from strategies.duplicates import DuplicateElimination


class OptunaStrategy(Strategy):
    """Base class: subclasses build ``self._sampler`` and call :meth:`_start`."""

    retell_known: ClassVar[bool] = False
    #: Whether the sampler counts generations (NSGA-II, NSGA-III).
    generational: ClassVar[bool] = False

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        self.n_invalid = 0
        self.n_known = 0
        self.n_fresh = 0
        self._told: dict[str, list[float]] = {}  # evaluated cells -> their values
        self._evaluated: list[Arch] = []
        self._trial: Trial | None = None

    def _start(self, sampler: BaseSampler, *, max_attempts: int, max_repeats: int,
               max_observations: int | None = None) -> None:
        for key, value in (("max_repeats", max_repeats), ("max_attempts", max_attempts)):
            check_setting(key, value, is_int(value) and value >= 1, "a positive int")
        check_setting("max_observations", max_observations, max_observations is None or (
            is_int(max_observations) and max_observations >= 10), "None or an int >= 10")
        self.max_attempts, self.max_repeats = int(max_attempts), int(max_repeats)
        self._unseen = DuplicateElimination(self.space, self.rng, max_repeats=self.max_repeats)
        self.max_observations = None if max_observations is None else int(max_observations)
        if optuna.logging.get_verbosity() < optuna.logging.WARNING:
            optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._sampler = sampler
        self._genome = Genome(self.space, self.rng)
        self._study = self._new_study()

    def _new_study(self) -> optuna.Study:
        return optuna.create_study(directions=["minimize"] * self.n_objectives,
                                   sampler=self._sampler)

    # ----- ask ----------------------------------------------------------------------------------
    def _ask(self) -> list[Candidate]:
        found, repeated = None, None
        for _ in range(self.max_repeats):
            found = self._valid_trial()
            if found is None:
                break
            trial, arch = found
            if arch not in self._unseen:
                break
            self.n_known += 1
            repeated = arch
            known = self._told.get(self.space.hash(arch))
            if self.retell_known and known is not None:
                self._study.tell(trial, known)
            else:
                self._study.tell(trial, state=TrialState.FAIL)
            found = None
        if found is None:
            found = self._fresh_trial(repeated)
        self._trial, arch = found
        return [Candidate(self._unseen.add(arch), self.epochs)]

    def _valid_trial(self) -> tuple[Trial, Arch] | None:
        for _ in range(self.max_attempts):
            trial = self._study.ask(self._genome.distributions)
            arch = self._genome.valid(trial.params)
            if arch is not None:
                return trial, arch
            self._study.tell(trial, state=TrialState.FAIL)
            self.n_invalid += 1
        return None

    def _fresh_trial(self, near: Arch | None) -> tuple[Trial, Arch]:
        # the sampler's own (repeated) proposal is the best guess of where to look next
        arch = self._unseen.fresh([near] if near is not None else self._evaluated)
        self._study.enqueue_trial(self._genome.encode(arch))
        trial = self._study.ask(self._genome.distributions)
        self._fixed_trial_started()
        self.n_fresh += 1
        return trial, self.space.validate(self._genome.decode(trial.params))

    def _fixed_trial_started(self) -> None:
        """A trial with enqueued (not sampled) parameters was just asked."""
        if self.generational:
            # Optuna assigns a generation only when the sampler samples a parameter: assign it
            # here, or NSGA-II/III would never count or select a fixed trial.
            (frozen,) = self._study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
            self._sampler.get_trial_generation(self._study, frozen)  # type: ignore[attr-defined]

    # ----- tell ---------------------------------------------------------------------------------
    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        assert self._trial is not None  # the base class enforces ask before tell
        trial, self._trial = self._trial, None
        self._study.tell(trial, F[0].tolist())
        self._evaluated.append(candidates[0].arch)
        self._told[self.space.hash(candidates[0].arch)] = F[0].tolist()
        self._bound_observations()

    def _fail(self, candidates: list[Candidate]) -> None:
        assert self._trial is not None
        self._study.tell(self._trial, state=TrialState.FAIL)
        self._trial = None

    def _bound_observations(self) -> None:
        cap = self.max_observations
        if cap is None:
            return
        done = self._study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if len(done) <= cap + cap // 4:  # rebuild in steps, not at every tell
            return
        keep = keep_indices(np.array([t.values for t in done]), cap)
        study = self._new_study()
        study.add_trials([_copy(done[i]) for i in keep])
        self._study = study


def keep_indices(F: np.ndarray, cap: int) -> list[int]:
    """``cap`` rows of ``F``: the best ``cap // 2`` by rank and contribution, then the most
    recent others, in row order.

    Examples
    --------
    >>> keep_indices(np.array([[0.0, 0.0], [5.0, 5.0], [4.0, 4.0], [3.0, 3.0]]), 2)
    [0, 3]
    """
    chosen = set(_pareto.best_first(F)[:cap // 2].tolist())
    for i in range(len(F) - 1, -1, -1):
        if len(chosen) >= cap:
            break
        chosen.add(i)
    return sorted(chosen)


def _copy(trial: FrozenTrial) -> FrozenTrial:
    return optuna.trial.create_trial(params=trial.params, distributions=trial.distributions,
                                     values=trial.values)

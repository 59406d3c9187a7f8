"""MO-BOHB: Hyperband over the benchmark's fidelities with a multi-objective TPE model.

Falkner et al.'s BOHB (2018) made multi-objective as in Guerrero-Viu et al.'s MO-BOHB
(2021): brackets of successive halving (:mod:`strategies._halving`; 1 -> 4 epochs on
ecnas-4v, 2 -> 4 on ecnas-5v, 4 -> 12 -> 36 -> 108 on the linear-scaled and 7V tables) cycle
from the most exploratory to plain full-fidelity evaluation, with promotion by non-dominated
rank, then hypervolume contribution. New cells of a bracket are drawn uniformly with
probability ``random_fraction``; otherwise they come from Optuna's multi-objective TPE
(:class:`optuna.samplers.TPESampler`, multivariate, over the genome of
:mod:`strategies._genome`) fitted on the cells told at the highest fidelity that has at least
``min_points_in_model`` observations, as BOHB picks its model's budget. A model proposal that
is an invalid genome or a cell already asked (at any fidelity) is re-drawn, at most
``max_repeats`` times, then replaced by a new cell from
:class:`~strategies.duplicates.DuplicateElimination` (a mutation of that proposal).

Low-fidelity trainings cost their own, lower, energy and time under the protocol; a promotion
is a training from scratch at the higher fidelity (see :mod:`strategies._halving`). Only the
cells trained at the target fidelity count in a run's front.

Defaults follow BOHB: ``eta=3``, ``random_fraction=1/3``, ``min_points_in_model`` = genes + 1
(None), and Optuna's TPE defaults (24 candidates per proposal; constant liar on, so the cells
proposed for one bracket push the next proposals of that bracket away). One deviation: the
model of a fidelity sees at most 1.25 ``max_observations`` cells (one Optuna study per fidelity
takes each new observation, and is cut back to ``max_observations`` past that).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import optuna
from optuna.samplers import TPESampler
from optuna.trial import FrozenTrial, TrialState

from benchmarks.space import Arch, SearchSpace
from strategies._genome import Genome
from strategies._halving import Bracket, HalvingStrategy, hyperband_brackets
from strategies._optuna import keep_indices
from strategies.base import Candidate, check_setting, is_int, is_number


class MOBOHB(HalvingStrategy):
    """Hyperband brackets with proposals from a multi-objective TPE model.

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    eta : int, default 3
        Promotion ratio: the best ``1 / eta`` of a rung go up.
    random_fraction : float, default 1/3
        Probability that a new cell is drawn uniformly rather than from the model.
    min_points_in_model : int, optional
        Finite observations a fidelity needs to be modelled; genes + 1 when None.
    n_ei_candidates : int, default 24
        Genomes drawn from the good density per model proposal.
    max_repeats : int, default 5
        Model proposals (invalid or already asked) per new cell before a new cell is taken
        from the duplicate elimination.
    max_observations : int, default 100
        Observations the model of a fidelity is cut back to, once it holds 1.25 times as many:
        the best half (rank, then contribution) and the most recent (BOHB uses all; fitting
        TPE on all of them made 1,000 evaluations take minutes).
    """

    name: ClassVar[str] = "mobohb"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, eta: int = 3,
                 random_fraction: float = 1 / 3, min_points_in_model: int | None = None,
                 n_ei_candidates: int = 24, max_repeats: int = 5,
                 max_observations: int = 100) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives,
                         eta=eta, max_repeats=max_repeats)
        check_setting("random_fraction", random_fraction, is_number(random_fraction, 0, 1),
                      "a number in [0, 1]")
        check_setting("min_points_in_model", min_points_in_model, min_points_in_model is None
                      or (is_int(min_points_in_model) and min_points_in_model >= 2),
                      "None or an int >= 2")
        for key, value in (("n_ei_candidates", n_ei_candidates),
                           ("max_observations", max_observations)):
            check_setting(key, value, is_int(value) and value >= 1, "a positive int")
        self.max_observations = int(max_observations)
        self.random_fraction = float(random_fraction)
        self.min_points_in_model = min_points_in_model
        self.n_ei_candidates = int(n_ei_candidates)
        if optuna.logging.get_verbosity() < optuna.logging.WARNING:
            optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._genome = Genome(space, rng)
        self._min_points = min_points_in_model or len(self._genome.names) + 1
        self._brackets = hyperband_brackets(self.fidelities, self.eta)
        self._n_brackets = 0
        # told (genome, values) per fidelity (encoded when told: the padding draws from the
        # rng); one study per fidelity holds those the model sees
        self._observed: dict[int, list[tuple[dict[str, Any], list[float]]]] = {
            e: [] for e in self.fidelities}
        self._studies: dict[int, tuple[optuna.Study, int, int]] = {}  # study, told, held
        self.n_model = 0

    def _next_bracket(self) -> Bracket:
        n, rungs = self._brackets[self._n_brackets % len(self._brackets)]
        self._n_brackets += 1
        return Bracket(self._new_cells(n), rungs, self.eta, self.space, self._known)

    def _new_cells(self, n: int) -> list[Arch]:
        study = self._model_study()
        asked: list[optuna.Trial] = []

        def proposal() -> Arch | None:
            assert study is not None
            asked.append(study.ask(self._genome.distributions))
            return self._genome.valid(asked[-1].params)

        cells = []
        for _ in range(n):
            if study is None or self.rng.random() < self.random_fraction:
                arch = self._unseen.fresh()
            else:
                self.n_model += 1
                arch = self._unseen.first_new(proposal)
            cells.append(self._unseen.add(arch))
        for trial in asked:  # the constant liar's running trials end with their bracket
            assert study is not None
            study.tell(trial, state=TrialState.FAIL)
        return cells

    def _model_study(self) -> optuna.Study | None:
        """The study of the highest fidelity with enough observations, with a new seed."""
        for epochs in reversed(self.fidelities):
            if len(self._observed[epochs]) >= self._min_points:
                study = self._study(epochs)
                study.sampler = TPESampler(n_startup_trials=0, multivariate=True,
                                           n_ei_candidates=self.n_ei_candidates,
                                           seed=int(self.rng.integers(2**32)))
                return study
        return None

    def _study(self, epochs: int) -> optuna.Study:
        """The study of ``epochs`` brought up to date: new observations are added to it until
        it holds more than 1.25 ``max_observations``, then it is rebuilt from
        ``max_observations`` of all (:func:`~strategies._optuna.keep_indices`)."""
        observed, cap = self._observed[epochs], self.max_observations
        study, told, held = self._studies.get(epochs, (None, 0, 0))
        if study is None or held + len(observed) - told > cap + cap // 4:
            keep: Sequence[int] = range(len(observed))
            if len(observed) > cap:
                keep = keep_indices(np.array([v for _, v in observed]), cap)
            study = optuna.create_study(directions=["minimize"] * self.n_objectives)
            new, held = [observed[i] for i in keep], 0
        else:
            new = observed[told:]
        study.add_trials([self._frozen(*pair) for pair in new])
        self._studies[epochs] = (study, len(observed), held + len(new))
        return study

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        super()._tell(candidates, F)
        self._observed[candidates[0].epochs].append(
            (self._genome.encode(candidates[0].arch), F[0].tolist()))

    def _frozen(self, params: dict[str, Any], values: list[float]) -> FrozenTrial:
        return optuna.trial.create_trial(params=params, distributions=self._genome.distributions,
                                         values=values)

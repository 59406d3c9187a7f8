"""NSGA-II through Optuna's :class:`~optuna.samplers.NSGAIISampler` and its ask/tell interface.

Encoding: a genome is one categorical ``{0, 1}`` parameter per upper-triangle edge slot of a
``max_vertices`` matrix (``edge_i_j``, vertex ``i`` to ``j``) plus one categorical op per inner
vertex (``op_v``, over the space's ops): 21 + 5 = 26 parameters for 7 vertices. Decoding fills
the matrix (input first, output last) and the space prunes it; smaller cells are encoded padded
with isolated vertices just before the output, as :func:`benchmarks.space.adjacency_encoding`
does.

Invalid genomes (no input -> output path, or too many edges after pruning) cost no evaluation:
:meth:`NSGA2.ask` never returns them. Each one is told to Optuna as a ``FAIL`` trial and a new
trial is asked, at most ``max_attempts`` times per candidate. Optuna's NSGA-II counts only
``COMPLETE`` trials towards a generation and selects parents among them, so failed trials
neither fill nor end a generation; they only make it draw another child. When all
``max_attempts`` genomes of a candidate were invalid (a space where valid genomes are rare),
the candidate is a repair instead: a mutation (:meth:`~benchmarks.space.SearchSpace.mutate`)
of a cell drawn uniformly from the cells evaluated so far (or of the smallest cell,
input -> output, before any), enqueued in the study with its encoding as fixed parameters and
asked as an ordinary trial of the current generation (the strategy assigns its generation,
which Optuna leaves unset for a trial without sampled parameters). So its told values belong
to its own genome (no genome is told values of another cell), and every :meth:`NSGA2.ask`
takes at most ``max_attempts + 1`` Optuna trials.

A child that is a cell the strategy has already been told about is told those values again
(the strategy's own memory: no evaluation, no table query) and another child is drawn, at most
``max_known`` times per candidate; after that the known cell is evaluated again. On a small
space this keeps NSGA-II from spending its budget re-evaluating its converged population. The
bound is small because every told trial makes Optuna's later asks slower (on ecnas-5v, 1,000
evaluations: max_known 0 / 2 / 5 took 1.0 / 3.4 / 16 s per run, median regret 0.81 / 0.74 /
0.73 %, unique cells 127 / 210 / 285).

Candidates told with a non-finite value (not evaluated) are told to Optuna as ``FAIL`` too.
The sampler's seed is drawn from the strategy's ``rng``. Optuna's log level is raised to
``WARNING`` (if it was more verbose) so that runs do not log every trial.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.samplers import NSGAIISampler
from optuna.trial import Trial, TrialState

from benchmarks.space import INPUT, OUTPUT, Arch, InvalidArchError, SearchSpace
from strategies.base import Candidate, Strategy, check_setting, is_int

#: The smallest valid cell; the mutation parent of a repair before any cell was evaluated.
SMALLEST = Arch(((0, 1), (0, 0)), (INPUT, OUTPUT))


class NSGA2(Strategy):
    """NSGA-II (Optuna's sampler) over a fixed-length edge-and-op genome.

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    population_size : int, default 50
        Individuals (completed trials) per generation.
    mutation_prob : float, optional
        Probability of re-drawing each parameter of a child; Optuna's default,
        ``1 / n_parameters``, when None.
    crossover_prob : float, default 0.9
        Probability that a child is a crossover of two parents rather than a parent copy.
    swapping_prob : float, default 0.5
        Probability of taking each parameter from the other parent in uniform crossover.
    max_known : int, default 2
        Children that are cells already evaluated are told their known values again (no
        evaluation) and another child is drawn, up to this many times per candidate.
    max_attempts : int, default 10
        Genomes tried per candidate before a repair (see the module docstring).

    Attributes
    ----------
    n_invalid : int
        Invalid genomes told as ``FAIL`` so far.
    n_repaired : int
        Candidates that were repairs.
    """

    name: ClassVar[str] = "nsga2"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, population_size: int = 50,
                 mutation_prob: float | None = None, crossover_prob: float = 0.9,
                 swapping_prob: float = 0.5, max_attempts: int = 10,
                 max_known: int = 2) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        check_setting("population_size", population_size,
                      is_int(population_size) and population_size >= 2, "an int >= 2")
        check_setting("mutation_prob", mutation_prob,
                      mutation_prob is None or _is_probability(mutation_prob),
                      "None or a number in [0, 1]")
        check_setting("crossover_prob", crossover_prob, _is_probability(crossover_prob),
                      "a number in [0, 1]")
        check_setting("swapping_prob", swapping_prob, _is_probability(swapping_prob),
                      "a number in [0, 1]")
        check_setting("max_attempts", max_attempts, is_int(max_attempts) and max_attempts >= 1,
                      "a positive int")
        self.population_size = int(population_size)
        self.mutation_prob = None if mutation_prob is None else float(mutation_prob)
        self.crossover_prob = float(crossover_prob)
        self.swapping_prob = float(swapping_prob)
        check_setting("max_known", max_known, is_int(max_known) and max_known >= 0,
                      "an int >= 0")
        self.max_attempts = int(max_attempts)
        self.max_known = int(max_known)
        self.n_known = 0
        self._known: dict[str, list[float]] = {}
        self.n_invalid = 0
        self.n_repaired = 0

        if optuna.logging.get_verbosity() < optuna.logging.WARNING:
            optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._sampler = NSGAIISampler(
            population_size=self.population_size, mutation_prob=self.mutation_prob,
            crossover_prob=self.crossover_prob, swapping_prob=self.swapping_prob,
            seed=int(rng.integers(2**32)))
        self._study = optuna.create_study(directions=["minimize"] * self.n_objectives,
                                          sampler=self._sampler)
        m = space.max_vertices
        self._distributions = genome_distributions(m, space.ops)
        self._edges = [(i, j, f"edge_{i}_{j}") for i in range(m) for j in range(i + 1, m)]
        self._op_names = [f"op_{v}" for v in range(1, m - 1)]
        self._trial: Trial | None = None
        self._evaluated: list[Arch] = []  # cells told with finite values: repair parents

    def _ask(self) -> list[Candidate]:
        for attempt in range(self.max_known + 1):
            trial, arch = self._valid_trial()
            known = self._known.get(self.space.hash(arch))
            if known is None or attempt == self.max_known:
                break
            self._study.tell(trial, known)  # a cell it has seen: free, and no evaluation
            self.n_known += 1
        self._trial = trial
        return [Candidate(arch, self.epochs)]

    def _valid_trial(self) -> tuple[Trial, Arch]:
        for _ in range(self.max_attempts):
            trial = self._study.ask(self._distributions)
            try:
                return trial, self.space.validate(self._decode(trial.params))
            except InvalidArchError:
                self._study.tell(trial, state=TrialState.FAIL)
                self.n_invalid += 1
        return self._repair()

    def _repair(self) -> tuple[Trial, Arch]:
        if self._evaluated:
            parent = self._evaluated[int(self.rng.integers(len(self._evaluated)))]
        else:
            parent = SMALLEST
        self._study.enqueue_trial(self._encode(self.space.mutate(parent, self.rng)))
        trial = self._study.ask(self._distributions)
        # Optuna assigns a generation when the sampler samples, and no parameter of a fixed
        # trial is sampled: assign it here, or NSGA-II would never count or select the trial.
        (frozen,) = self._study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        self._sampler.get_trial_generation(self._study, frozen)
        self.n_repaired += 1
        return trial, self.space.validate(self._decode(trial.params))

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        assert self._trial is not None  # the base class enforces ask before tell
        trial, self._trial = self._trial, None
        values = F[0]
        if np.isfinite(values).all():
            self._study.tell(trial, values.tolist())
            self._evaluated.append(candidates[0].arch)
            self._known.setdefault(self.space.hash(candidates[0].arch), values.tolist())
        else:
            self._study.tell(trial, state=TrialState.FAIL)

    # ----- genome <-> cell --------------------------------------------------------------------
    def _decode(self, params: dict[str, Any]) -> Arch:
        m = self.space.max_vertices
        matrix = [[0] * m for _ in range(m)]
        for i, j, name in self._edges:
            matrix[i][j] = params[name]
        return Arch(tuple(map(tuple, matrix)),
                    (INPUT, *(params[name] for name in self._op_names), OUTPUT))

    def _encode(self, arch: Arch) -> dict[str, Any]:
        """The genome of a valid cell, padded with isolated vertices of random ops."""
        cell = self.space.validate(arch)
        n, m = cell.num_vertices, self.space.max_vertices
        slot = [*range(n - 1), m - 1]  # vertex k of the cell sits at slot[k]
        params: dict[str, Any] = {name: 0 for _, _, name in self._edges}
        for a in range(n):
            for b in range(a + 1, n):
                params[f"edge_{slot[a]}_{slot[b]}"] = cell.matrix[a][b]
        pad = [self.space.ops[k] for k in self.rng.integers(len(self.space.ops), size=m - n)]
        ops = [*cell.ops[1:-1], *pad]
        params.update(zip(self._op_names, ops, strict=True))
        return params


def genome_distributions(max_vertices: int, ops: tuple[str, ...]) -> dict[str, BaseDistribution]:
    """The Optuna parameters of the genome: edge slots ``edge_i_j``, then inner ops ``op_v``."""
    rows, cols = np.triu_indices(max_vertices, 1)
    edges: dict[str, BaseDistribution] = {
        f"edge_{i}_{j}": CategoricalDistribution((0, 1))
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True)}
    inner = {f"op_{v}": CategoricalDistribution(tuple(ops)) for v in range(1, max_vertices - 1)}
    return {**edges, **inner}


def _is_probability(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1

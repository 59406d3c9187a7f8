"""The runner's Python API: a :class:`Problem`, :class:`Termination` budgets and :func:`run`.

The runner is the only ask -> query -> tell loop and owns the evaluation protocol for every
strategy (:mod:`ecnas_cli.run.protocol`): a repeated (cell, epochs) query is answered from the
run's cache, free, and budgets count distinct trainings. A strategy written in a notebook runs
through the same runner as the built-in ones (the README example; a test runs it)::

    from benchmarks.tables.problem import Problem
    from benchmarks.tables.registry import load_benchmark
    from ecnas_cli.analysis.fronts import run_front
    from ecnas_cli.run import MaxEvaluations, run
    from strategies import Candidate, Strategy

    class FewEdges(Strategy):
        '''Of 8 random cells, ask the one with the fewest edges.'''
        def _ask(self):
            cells = self.space.sample(self.rng, 8)
            return [Candidate(min(cells, key=lambda a: a.num_edges), self.epochs)]
        def _tell(self, candidates, F):
            pass  # learns nothing

    problem = Problem.from_benchmark(load_benchmark("ecnas-5v"))
    result = run(problem, FewEdges, MaxEvaluations(200), seed=0)
    front = run_front(result, problem)  # its front, hypervolume and regret
    print(f"regret {front.regret:.2%}, {result.meta['cached_queries']} cached")
"""

from __future__ import annotations

from benchmarks.tables.problem import Problem
from ecnas_cli.run.protocol import Protocol
from ecnas_cli.run.runner import run, run_search
from ecnas_cli.run.store import RunResult, load_run
from ecnas_cli.run.termination import (
    AnyOf,
    MaxEnergy,
    MaxEvaluations,
    MaxTrainingTime,
    MaxWallClock,
    Termination,
    termination,
)

__all__ = ["AnyOf", "MaxEnergy", "MaxEvaluations", "MaxTrainingTime", "MaxWallClock",
           "Problem", "Protocol", "RunResult", "Termination", "load_run", "run", "run_search",
           "termination"]

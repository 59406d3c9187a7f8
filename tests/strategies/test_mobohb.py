"""mobohb's TPE model: one Optuna study per fidelity, kept up to date rather than rebuilt per
bracket, bounded by ``max_observations`` (issue 20: 1,000 evaluations on ecnas-5v)."""

from __future__ import annotations

from optuna.trial import TrialState

from strategies import STRATEGIES
from strategies.testing import drive, make


def test_the_model_holds_the_observations_within_the_cap_and_no_running_trial() -> None:
    cap = 20
    strategy = make(STRATEGIES["mobohb"], max_observations=cap)
    drive(strategy, 150, fail_every=11)
    assert strategy.n_model > 0  # type: ignore[attr-defined]
    studies = strategy._studies  # type: ignore[attr-defined]
    assert studies
    for epochs, (study, told, held) in studies.items():
        observed = strategy._observed[epochs]  # type: ignore[attr-defined]
        complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        assert len(complete) == held <= cap + cap // 4
        assert len(complete) >= min(cap, len(observed)) or told < len(observed)
        # the constant liar's trials of a finished bracket no longer push proposals away
        assert not study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        # the newest observation the study took is in it, with its values
        values = {tuple(t.values) for t in complete}
        assert tuple(observed[told - 1][1]) in values

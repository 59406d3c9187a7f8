"""The test helpers themselves: each must be able to fail."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.rng import global_rng_untouched


@pytest.mark.parametrize("use", [
    lambda: np.random.random(2),  # noqa: NPY002
    lambda: np.random.normal(),  # noqa: NPY002 (also caches a second Gaussian)
    lambda: np.random.seed(0),  # noqa: NPY002
])
def test_global_rng_check_catches_any_use(use) -> None:
    saved = np.random.get_state()  # noqa: NPY002
    try:
        with pytest.raises(AssertionError, match="global random generator"), \
                global_rng_untouched():
            use()
    finally:
        np.random.set_state(saved)  # noqa: NPY002


def test_two_draws_leave_the_key_as_it_was() -> None:
    """Why the whole state is compared: the key alone misses draws between regenerations."""
    saved = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(0)  # noqa: NPY002
        np.random.random()  # noqa: NPY002 (the key is regenerated once, at position 0)
        key = np.random.get_state(legacy=False)["state"]["key"].copy()  # noqa: NPY002
        with pytest.raises(AssertionError), global_rng_untouched():
            np.random.random(2)  # noqa: NPY002
        assert np.array_equal(np.random.get_state(legacy=False)["state"]["key"], key)  # noqa: NPY002
    finally:
        np.random.set_state(saved)  # noqa: NPY002


def test_global_rng_check_passes_a_local_generator() -> None:
    with global_rng_untouched():
        np.random.default_rng(0).random(1000)


SKIPPING = """
import pytest
pytest.importorskip("a_module_that_is_not_installed")
def test_never_runs():
    pass
"""
SKIPPING_TEST = """
import pytest
def test_skips():
    pytest.skip("no data here")
@pytest.mark.xfail(reason="known")
def test_expected_failure():
    assert False
"""


@pytest.mark.parametrize(("ci", "outcome"), [("true", "failed"), ("", "skipped")])
def test_a_skip_fails_under_ci(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                               ci: str, outcome: str) -> None:
    monkeypatch.setenv("CI", ci)
    pytester.makeconftest('pytest_plugins = ["tests.fixtures.ci"]')
    pytester.makepyfile(test_module=SKIPPING, test_one=SKIPPING_TEST)
    result = pytester.runpytest("-p", "no:cacheprovider", "--continue-on-collection-errors")
    if outcome == "failed":
        result.assert_outcomes(errors=1, failed=1, xfailed=1)
        result.stdout.fnmatch_lines(["*skipped under CI=true*a_module_that_is_not_installed*",
                                     "*skipped under CI=true*no data here*"], consecutive=False)
    else:
        result.assert_outcomes(skipped=2, xfailed=1)

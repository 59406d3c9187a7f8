"""README's notebook example (the code block in ecnas_cli.run's docstring) runs as shown."""

from __future__ import annotations

import contextlib
import io
import re
import textwrap

import pytest

import ecnas_cli.run


def example() -> str:
    doc = ecnas_cli.run.__doc__ or ""
    block = doc.split("::\n", 1)[1]
    return textwrap.dedent(block)


def test_the_example_is_short_and_runs(raw_dir, monkeypatch) -> None:
    monkeypatch.setenv("ECNAS_RAW_DIR", str(raw_dir))
    code = example()
    assert len(code.strip().splitlines()) < 20
    out = io.StringIO()
    scope: dict = {}
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README example", "exec"), scope)
    match = re.fullmatch(r"regret (\d+\.\d\d)%, (\d+) cached\n", out.getvalue())
    assert match, out.getvalue()
    result, problem, front = scope["result"], scope["problem"], scope["front"]
    assert result.meta["evaluations"] == 200
    # what it prints is Problem's regret of every cell the run trained (the front's, as in
    # ecnas search and compare)
    trained = result.trials.loc[~result.trials["cached"].astype(bool), "module_hash"]
    assert front.regret == pytest.approx(
        problem.regret(problem.cell_means(trained.unique().tolist())), abs=1e-12)
    assert float(match.group(1)) == pytest.approx(100 * front.regret, abs=0.006)

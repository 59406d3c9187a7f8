"""The plugin boundary: a strategy from another package that misbehaves in any method is
named with what it broke (exit 2, one line), and its run is marked failed; never "a bug in
ecnas", never a silent exit 0."""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from typer.testing import CliRunner

from ecnas_cli.cli import app

PLUGINS = textwrap.dedent('''
    import sys
    from strategies.base import Candidate, Strategy

    if "IMPORT_FAILS" in globals().get("__name__", ""):
        raise RuntimeError("no GPU here")

    class Good(Strategy):
        def _ask(self):
            return [Candidate(self.space.sample(self.rng, 1)[0], self.epochs)]
        def _tell(self, candidates, F):
            pass

    class AskNothing(Good):
        def _ask(self):
            return []

    class AskTuples(Good):
        def _ask(self):
            return [(self.space.sample(self.rng, 1)[0], self.epochs)]

    class AskNone(Good):
        def ask(self):
            return None

    class TellRaises(Good):
        def _tell(self, candidates, F):
            raise KeyError("population")

    class TellLate(Good):
        told = 0
        def _tell(self, candidates, F):
            self.told += 1
            if self.told == 3:
                raise ZeroDivisionError("division by zero")

    class ExitsInAsk(Good):
        def _ask(self):
            sys.exit(0)

    class ExitsInInit(Good):
        def __init__(self, space, **kwargs):
            sys.exit(3)

    class InitRaises(Good):
        def __init__(self, space, **kwargs):
            raise AttributeError("no attribute 'population'")
''')

runner = CliRunner()


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    (tmp_path / "plugmod.py").write_text(PLUGINS)
    (tmp_path / "plugmod_IMPORT_FAILS.py").write_text(PLUGINS)
    (tmp_path / "plugexit.py").write_text("import sys\nsys.exit(0)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def search(out, strategy: str, *extra: str):
    return runner.invoke(app, ["search", "--strategy", strategy, "--benchmark", "ecnas-4v",
                               "--evals", "6", "--out", str(out), *extra])


def test_a_good_plugin_runs(plugins):
    result = search(plugins / "runs", "plugmod:Good")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("cls", "method", "what"), [
    ("AskNothing", "ask", "no candidates"),
    ("AskTuples", "ask", "not a Candidate"),
    ("AskNone", "ask", "non-empty list of Candidate, got None"),
    ("TellRaises", "tell", "raised KeyError: 'population'"),
    ("TellLate", "tell", "ZeroDivisionError"),
    ("ExitsInAsk", "ask", r"called sys.exit\(0\)"),
])
def test_misbehaving_plugin_is_named_and_its_run_marked_failed(plugins, cls, method, what):
    result = search(plugins / "runs", f"plugmod:{cls}")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert f"plugmod:{cls} failed in {method}" in lines[0]
    assert "bug in ecnas" not in result.output
    assert re.search(what, lines[0])
    meta = json.loads(next((plugins / "runs").rglob("run.json")).read_text())
    assert meta["status"] == "failed" and f"plugmod:{cls}" in meta["error"]


@pytest.mark.parametrize(("cls", "what"), [("ExitsInInit", r"sys.exit\(3\)"),
                                            ("InitRaises", "AttributeError")])
def test_plugin_failing_to_build_is_named_before_any_run(plugins, cls, what):
    result = search(plugins / "runs", f"plugmod:{cls}")
    assert result.exit_code == 2, result.output
    assert f"plugmod:{cls} failed in __init__" in result.stderr
    assert re.search(what, result.stderr)
    assert not list((plugins / "runs").rglob("run.json"))


@pytest.mark.parametrize(("spec", "what"), [
    ("plugmod_IMPORT_FAILS:Good", "RuntimeError: no GPU here"),
    ("plugexit:Good", r"called sys.exit\(0\)"),
    (".x:Y", "invalid strategy"), ("x:", "invalid strategy"), (":Y", "invalid strategy"),
    ("a..b:C", "invalid strategy"), ("plugmod:Missing", "has no attribute"),
    ("no_such_module_xyz:C", "No module named"),
])
def test_plugins_that_cannot_be_loaded(plugins, spec, what):
    result = search(plugins / "runs", spec)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and spec in lines[0]
    assert re.search(what, lines[0]), lines[0]
    assert not (plugins / "runs").exists()

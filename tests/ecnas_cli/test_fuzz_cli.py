"""Fuzz the application's boundaries:

- every CLI option: generated argument lists against the Typer app (options read from the
  app itself, values from a hostile pool) never end in an internal error or a traceback, are
  one ``error:`` line when refused, and a ``nan`` in a numeric option is never accepted nor
  allowed to start long work (the long workflows are replaced by a sentinel that exits 99);
- plugin classes that misbehave in each method: a run ends, or raises one named
  ``StrategyError`` (or a ValueError of the contract), never anything else, never SystemExit.

``EXAMPLES`` run in the suite; ``tests/perf/fuzz_all.py`` runs 10,000 per target.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecnas_cli.run import MaxEvaluations, run
from ecnas_cli.run.boundary import StrategyError
from strategies.base import Candidate, Strategy
from tests.fixtures.fuzz import check_property
from tests.fixtures.synthetic import synthetic_benchmark

EXAMPLES = 40
#: Nothing may escape a check: the CLI runner catches everything, and the plugin check treats
#: its documented outcomes (StrategyError, or a ValueError of the contract) itself.
ALLOWED: tuple[type[Exception], ...] = ()
_TMP = Path(tempfile.mkdtemp(prefix="ecnas-fuzz-cli-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
#: Commands whose valid input starts minutes of work (or a download): replaced by STARTED.
LONG_WORK = {("bench", "create"): ("ecnas_cli.workflows.create", "create"),
             ("surrogate", "fit"): ("ecnas_cli.workflows.surrogate", "fit"),
             ("surrogate", "eval"): ("ecnas_cli.workflows.surrogate", "evaluate"),
             ("surrogate", "predict"): ("ecnas_cli.workflows.surrogate", "load_or_fit"),
             ("surrogate", "build-7v"): ("ecnas_cli.workflows.surrogate", "build_7v"),
             ("reproduce",): ("ecnas_cli.workflows.reproduce", "reproduce"),
             ("data", "fetch"): ("ecnas_cli.commands.data", "fetch_official")}
STARTED = 99


def _started(*args: Any, **kwargs: Any) -> None:
    raise typer.Exit(code=STARTED)


# --- every CLI option ----------------------------------------------------------------------

@cache
def commands() -> dict[tuple[str, ...], list[tuple[str, Any, bool, bool]]]:
    """Command path -> its parameters: option name ("" for an argument), annotation, whether
    it is a flag, whether it is required."""
    from ecnas_cli.cli import app

    found: dict[tuple[str, ...], list[tuple[str, Any, bool, bool]]] = {}

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, (*path, name))
            return
        found[path] = [(p.opts[0] if p.param_type_name == "option" else "",
                        p.type_descriptor.annotation, bool(getattr(p, "is_flag", False)),
                        bool(p.required))
                       for p in cmd.params if p.name != "help"]

    walk(typer.main.get_command(app), ())
    return found


commands()  # read once at import: importing the app's libraries touches global random state


NUMBERS = ["nan", "inf", "-inf", "-1", "0", "1", "3", "1e308", "0.5", "2", "x"]
TEXT = ["", "x", "../x", "[red]x", "ecnas-4v", "4v", "7v", "random", "nsga2", "semo", ".x:Y",
        "a:", "energy_kwh:min", "validation_accuracy:max,energy_kwh:min", "csv", "xml",
        "cache", "retrain", "mean", "digits", "estimate", "uncertainty", "mlp", "gbt",
        "0110001100010000", "input,conv3x3-bn-relu,maxpool3x3,output", "population_size=3",
        "nan", "\x1b[31m", "a" * 300]
PATHS = ["/dev/null", "out.csv", "out.xml", "out.parquet", "dir", "missing/x.csv", "runs",
         "m.skops", "."]


@st.composite
def cli_args(draw: st.DrawFn) -> tuple[list[str], bool]:
    """An argument list for one command, and whether it holds a nan numeric value."""
    path = draw(st.sampled_from(sorted(commands())))
    args, has_nan = list(path), False
    for opt, annotation, flag, required in commands()[path]:
        if not (required or draw(st.booleans())):
            continue
        kind = str(annotation)
        if flag:
            args.append(opt)
            continue
        numeric = "int" in kind or "float" in kind
        pool = NUMBERS if numeric else PATHS if "Path" in kind else TEXT
        value = draw(st.sampled_from(pool))
        has_nan |= numeric and "float" in kind and value == "nan"
        args += [opt, value] if opt else [value]
    if path == ("search",) and "--evals" not in args:
        args += ["--evals", "3"]  # keep a generated search short
    return args, has_nan


def invoke_cli(args: list[str], has_nan: bool) -> None:
    from ecnas_cli.cli import app

    saved = {(where, name): getattr(sys.modules[where], name) for where, name in
             (_module(target) for target in LONG_WORK.values())}
    for where, name in saved:
        setattr(sys.modules[where], name, _started)
    cwd = os.getcwd()
    os.chdir(tempfile.mkdtemp(dir=_TMP))
    (Path("dir")).mkdir()
    try:
        result = CliRunner().invoke(app, args, env={"ECNAS_DATA_DIR": str(_TMP / "data"),
                                                    "ECNAS_RAW_DIR": None})
    finally:
        os.chdir(cwd)
        for (where, name), value in saved.items():
            setattr(sys.modules[where], name, value)
    text = result.output
    assert result.exit_code in (0, 2, STARTED), f"exit {result.exit_code}: {text[-400:]}"
    assert "Traceback" not in text and "internal error" not in text, text[-400:]
    if result.exit_code == 2 and "Usage:" not in result.stderr:  # typer's usage errors
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr[-400:]
    if has_nan:
        assert result.exit_code == 2, f"nan accepted by {' '.join(args)}"


def _module(target: tuple[str, str]) -> tuple[str, str]:
    __import__(target[0])
    return target


# --- plugins that misbehave in each method ---------------------------------------------------

FAULTS = ["ok", "raise", "exit", "none", "empty", "tuples", "bad epochs", "bad arch",
          "keyboard-free"]


@st.composite
def plugin_faults(draw: st.DrawFn) -> tuple[dict[str, str], int]:
    """A fault per method (``__init__``, ``_ask``, ``_tell``, ``settings``) and the call
    number at which it strikes."""
    methods = ("__init__", "_ask", "_tell", "settings")
    return ({m: draw(st.sampled_from(FAULTS)) for m in methods}, draw(st.integers(1, 4)))


def _fault(kind: str, exc: type[BaseException]) -> Any:
    if kind == "raise":
        raise exc("plugin fault")
    if kind == "exit":
        raise SystemExit(0)
    return {"none": None, "empty": [], "tuples": "tuples", "bad epochs": "bad epochs",
            "bad arch": "bad arch"}.get(kind, "ok")


def misbehaving(faults: dict[str, str], at: int) -> type[Strategy]:
    class Plugin(Strategy):
        calls = 0

        def __init__(self, space: Any, **kwargs: Any) -> None:
            super().__init__(space, **kwargs)
            _fault(faults["__init__"], TypeError)

        def _ask(self) -> list[Candidate]:
            Plugin.calls += 1
            arch = self.space.sample(self.rng, 1)[0]
            if Plugin.calls >= at:
                how = _fault(faults["_ask"], KeyError)
                if how in (None, []):
                    return how  # type: ignore[return-value]
                if how == "tuples":
                    return [(arch, self.epochs)]  # type: ignore[list-item]
                if how == "bad epochs":
                    return [Candidate(arch, 10**6)]
                if how == "bad arch":
                    return [Candidate(np.zeros((3, 3)), self.epochs)]  # type: ignore[arg-type]
            return [Candidate(arch, self.epochs)]

        def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
            if Plugin.calls >= at:
                _fault(faults["_tell"], IndexError)

        def settings(self) -> dict[str, Any]:
            _fault(faults["settings"], AttributeError)
            return {}

    Plugin.__module__ = "fuzzplugin"
    return Plugin


@cache
def _problem() -> Any:
    from benchmarks.tables.problem import Problem
    return Problem.from_benchmark(synthetic_benchmark())


def run_plugin(faults: dict[str, str], at: int) -> None:
    out = Path(tempfile.mkdtemp(dir=_TMP))
    try:
        result = run(_problem(), misbehaving(faults, at), MaxEvaluations(6), seed=0, out=out)
    except StrategyError as exc:
        assert "fuzzplugin" in str(exc)
        metas = list(out.rglob("run.json"))
        assert all('"status": "failed"' in m.read_text() for m in metas), "not marked failed"
        return
    except ValueError as exc:  # the runner's own refusal (epochs the problem lacks)
        assert "asked for" in str(exc), exc
        return
    assert result.meta["status"] == "complete"


#: name -> (strategy of argument tuples, check); shared with ``tests/perf/fuzz_all.py``.
TARGETS: dict[str, tuple[st.SearchStrategy[tuple[Any, ...]], Callable[..., None]]] = {
    "cli options": (cli_args(), invoke_cli),
    "plugin faults": (plugin_faults(), run_plugin),
}


@pytest.mark.parametrize("name", list(TARGETS))
def test_boundary_properties(name: str) -> None:
    strategy, check = TARGETS[name]
    check_property(strategy, check, ALLOWED, EXAMPLES)



def test_an_arch_of_the_wrong_type_is_named():
    with pytest.raises(StrategyError, match="not a Candidate"):
        run(_problem(), misbehaving({"__init__": "ok", "_ask": "bad arch", "_tell": "ok",
                                     "settings": "ok"}, 1), MaxEvaluations(6), seed=0)

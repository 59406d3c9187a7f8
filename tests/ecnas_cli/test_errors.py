"""The CLI's one error boundary: user errors are one escaped line (exit 2), bugs exit 1."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from benchmarks.tables import registry
from ecnas_cli.cli import app

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


@pytest.mark.parametrize("name", ["x[/]y", "a[/bold]b", "[red]x[/red]", "a]b[", "[bold"])
def test_user_text_is_not_markup(name):
    out = run("arch", "info", "--matrix", "0100", "--ops", f"input,{name}")
    assert out.exit_code == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert name in lines[0]  # printed literally, not eaten as a style tag


def test_control_characters_stay_on_one_line():
    out = run("arch", "info", "--matrix", "0100", "--ops", "input,bad\nname\x1b[31m")
    assert out.exit_code == 2
    assert len(out.stderr.strip().splitlines()) == 1
    assert "\x1b" not in out.stderr and "\\x1b" in out.stderr


def _boom(exc: Exception):
    def raiser(*args, **kwargs):
        raise exc
    return raiser


@pytest.mark.parametrize("exc", [KeyError("matrix"), AttributeError("no attr"),
                                 TypeError("bad call"), OSError(5, "Input/output error")])
def test_bugs_are_internal_errors_without_traceback(exc, monkeypatch, tmp_path):
    monkeypatch.delenv("ECNAS_DEBUG", raising=False)
    monkeypatch.setattr(registry, "list_benchmarks", _boom(exc))
    out = run("data", "list", "--data-dir", str(tmp_path))
    assert out.exit_code == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("internal error:")
    assert type(exc).__name__ in lines[0] and "--debug" in lines[0]
    assert "Traceback" not in out.output


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback(how, monkeypatch, tmp_path):
    monkeypatch.setattr(registry, "list_benchmarks", _boom(KeyError("matrix")))
    args = ["--debug"] if how == "flag" else []
    env = {"ECNAS_DEBUG": "1"} if how == "env" else None
    out = run(*args, "data", "list", "--data-dir", str(tmp_path), env=env)
    assert out.exit_code == 1
    assert "Traceback" in out.stderr and out.stderr.strip().splitlines()[-1].startswith(
        "internal error: KeyError: matrix")


@pytest.mark.parametrize("exc", [ValueError("bad value 7"), FileNotFoundError("no file x"),
                                 OSError(28, "No space left on device")])
def test_expected_failures_exit_2(exc, monkeypatch, tmp_path):
    monkeypatch.setattr(registry, "list_benchmarks", _boom(exc))
    out = run("data", "list", "--data-dir", str(tmp_path))
    assert out.exit_code == 2
    assert out.stderr.strip().splitlines() == [f"error: {exc}"]


def _commands(group, prefix: str = ""):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", cmd


def test_every_command_is_behind_the_boundary():
    commands = dict(_commands(typer.main.get_command(app)))
    assert len(commands) > 10
    unguarded = [n for n, c in commands.items()
                 if not getattr(c.callback, "_ecnas_guarded", False)
                 and not getattr(getattr(c.callback, "__wrapped__", None), "_ecnas_guarded",
                                 False)]
    assert unguarded == []


def test_usage_errors_keep_click_behaviour():
    out = run("data", "info")
    assert out.exit_code == 2 and "Missing argument" in out.stderr


def _stored_table(data_dir):
    import pandas as pd

    from benchmarks.paths import PACKAGE_DATA
    from benchmarks.tables.storage import save_table
    path = data_dir / "benchmarks" / "mine.parquet"
    save_table(pd.read_parquet(PACKAGE_DATA / "ecnas-4v.parquet"), path,
               {"name": "mine", "space": "4v"})
    return path


def test_damaged_table_is_one_line(tmp_path):
    path = _stored_table(tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x40
    path.write_bytes(bytes(data))
    out = run("data", "info", "mine", "--data-dir", str(tmp_path))
    assert out.exit_code == 2, out.output
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "damaged" in lines[0] and "mine.parquet" in lines[0]


def test_export_refuses_to_overwrite_a_stored_table(tmp_path):
    path = _stored_table(tmp_path)
    before = path.read_bytes()
    out = run("data", "export", "ecnas-4v", "--output", str(path), "--data-dir", str(tmp_path))
    assert out.exit_code == 2 and "stored benchmark table" in out.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04truncated", b"not a model"])
def test_damaged_model_file_is_one_line(tmp_path, content):
    model = tmp_path / "m.skops"
    model.write_bytes(content)
    cells = tmp_path / "cells.csv"
    cells.write_text("matrix,ops\n0110001100010000,\"input,conv3x3-bn-relu,maxpool3x3,output\"\n")
    out = run("surrogate", "predict", "--input", str(cells), "--output",
              str(tmp_path / "o.csv"), "--model", str(model))
    assert out.exit_code == 2, out.output
    assert len(out.stderr.strip().splitlines()) == 1 and "surrogate fit" in out.stderr
    assert not (tmp_path / "o.csv").exists()


def test_progress_bar_draws_on_a_terminal_and_is_silent_when_quiet(monkeypatch):
    """The one rich implementation of the library's Progress: it draws the notes it is given
    (markup in them shown as text), and nothing when quiet."""
    import io

    from rich.console import Console

    from ecnas_cli import console as plumbing
    screen = Console(file=io.StringIO(), force_terminal=True, width=80)
    monkeypatch.setattr(plumbing, "console", screen)
    with plumbing.progress_bar("training [b]") as bar:
        bar(1, 3)
        bar(2, 3, "2.5 Wh so far [/]")
    assert "2/3" in screen.file.getvalue() and "2.5 Wh so far [/]" in screen.file.getvalue()
    quiet = Console(file=io.StringIO(), force_terminal=True)
    monkeypatch.setattr(plumbing, "console", quiet)
    with plumbing.progress_bar("training", quiet=True) as bar:
        bar(1, 3, "note")
    assert quiet.file.getvalue() == ""

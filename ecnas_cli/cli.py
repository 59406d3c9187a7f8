"""The ``ecnas`` command line: a thin shell over the library."""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType


def _interrupted(signum: int, frame: FrameType | None) -> None:
    sys.stderr.write("error: interrupted\n")
    os._exit(130)  # nothing written yet: importing only


# Ctrl-C while the libraries below import (seconds): one line, not a traceback (only where
# Ctrl-C would raise KeyboardInterrupt: an ignored SIGINT, e.g. under nohup, stays ignored)
_QUIET = (threading.current_thread() is threading.main_thread()
          and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
if _QUIET:
    signal.signal(signal.SIGINT, _interrupted)

from importlib.metadata import version  # noqa: E402
from typing import Annotated  # noqa: E402

import typer  # noqa: E402

from ecnas_cli.commands import (  # noqa: E402
    arch,
    bench,
    campaign,
    compare,
    data,
    pareto,
    report,
    search,
    space,
    surrogate,
)
from ecnas_cli.commands import reproduce as reproduce_cmd  # noqa: E402
from ecnas_cli.console import guard, setup  # noqa: E402

if _QUIET:
    signal.signal(signal.SIGINT, signal.default_int_handler)  # imported: KeyboardInterrupt

app = typer.Typer(
    name="ecnas",
    help="Energy-aware multi-objective NAS on the EC-NAS benchmarks.",
    rich_markup_mode="rich",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(arch.app, name="arch")
app.add_typer(space.app, name="space")
app.add_typer(data.app, name="data")
app.command("search")(search.search)
app.command("strategies")(search.strategies)
app.add_typer(pareto.app, name="pareto")
app.command("compare")(compare.compare)
app.command("report")(report.report)
app.add_typer(surrogate.app, name="surrogate")
app.add_typer(bench.app, name="bench")
app.command("reproduce")(reproduce_cmd.reproduce)
app.add_typer(campaign.app, name="campaign")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ecnas {version('ecnas')}")
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option(
        "--debug", help="Show the traceback of an internal error (or set ECNAS_DEBUG=1).")] = False,
) -> None:
    """Energy-aware multi-objective NAS on the EC-NAS benchmarks."""
    if signal.getsignal(signal.SIGINT) is _interrupted:  # started by run(): a command begins
        signal.signal(signal.SIGINT, signal.default_int_handler)
    setup(debug=debug)


guard(app)  # last: every command registered above gets the one error boundary


def run() -> None:
    """The ``ecnas`` program. Ctrl-C before a command starts (while Typer builds the commands
    from their signatures, a second or more on a slow machine) is one line, as during the
    imports above; :func:`main` hands Ctrl-C back to the commands' error boundary."""
    if (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
        signal.signal(signal.SIGINT, _interrupted)
    app()

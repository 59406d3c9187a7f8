"""The ``ecnas`` command line: a thin shell over the library."""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated

import typer

from ecnas_cli.commands import arch, bench, compare, data, pareto, report, search, space, surrogate
from ecnas_cli.commands import reproduce as reproduce_cmd
from ecnas_cli.console import guard, setup

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
    setup(debug=debug)


guard(app)  # last: every command registered above gets the one error boundary

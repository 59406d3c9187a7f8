"""The ``ecnas`` command line: a thin shell over the library."""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated

import typer

from ecnas_cli.commands import arch, compare, data, pareto, search, space, surrogate

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
app.add_typer(surrogate.app, name="surrogate")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ecnas {version('ecnas')}")
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Energy-aware multi-objective NAS on the EC-NAS benchmarks."""

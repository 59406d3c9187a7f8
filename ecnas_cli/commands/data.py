"""``ecnas data``: list, inspect, query, export, import and fetch benchmark tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from benchmarks.paths import data_dir as resolve_data_dir
from benchmarks.sources import builders
from benchmarks.sources.official import fetch_official
from benchmarks.space import Arch
from benchmarks.tables import registry
from benchmarks.tables.benchmark import Benchmark, summarise
from benchmarks.tables.storage import SPACE_VERTICES
from ecnas_cli.commands._options import DataDir, Json, RawDir
from ecnas_cli.console import console, print_json, progress_bar, user_errors
from ecnas_cli.display import header, metric
from ecnas_cli.files import check_output, write_table

app = typer.Typer(help="Benchmark tables: list, info, query, export, import, fetch.",
                  no_args_is_help=True)


def load(name: str, data_dir: Path | None, raw_dir: Path | None) -> Benchmark:
    """Load a benchmark, with a progress bar while its table is built the first time."""
    with progress_bar(f"building {name}") as progress:
        return registry.load_benchmark(name, data_dir=data_dir, raw_dir=raw_dir,
                                       progress=progress)


@app.command("list")
@user_errors
def list_(data_dir: DataDir = None, raw_dir: RawDir = None, as_json: Json = False) -> None:
    """Known benchmarks: stored, embedded, buildable here, or needing a fetch."""
    rows = registry.list_benchmarks(data_dir, raw_dir)
    if as_json:
        print_json(rows)
        return
    table = Table("name", "space", "status", "cells", "epochs")
    for r in rows:
        cells = f"{r['cells']:,}" if r.get("cells") else ""
        fidelities = ",".join(map(str, r.get("fidelities") or []))
        table.add_row(r["name"], r.get("space", ""), r["status"], cells, fidelities)
    console.print(table)
    for r in rows:
        if r["status"] == "bad":
            console.print(f"[bold red]bad:[/] {r['error']}", highlight=False, markup=False)
    console.print("descriptions, paths and metrics: ecnas data list --json")


@app.command("info")
@user_errors
def info(name: str, data_dir: DataDir = None, raw_dir: RawDir = None,
         as_json: Json = False) -> None:
    """Cells, fidelities and min/median/max of every metric per fidelity."""
    summary = summarise(load(name, data_dir, raw_dir))
    if as_json:
        print_json(summary)
        return
    console.print(f"[bold]{summary['name']}[/] ({summary['space']}): {summary['cells']:,} cells,"
                  f" {summary['rows']:,} rows; fidelities {summary['fidelities']} epochs")
    console.print(summary["provenance"], highlight=False, markup=False)
    for epochs, block in summary["per_fidelity"].items():
        table = Table("metric", "min", "median", "max",
                      title=f"{epochs} epochs: {block['cells']:,} cells")
        for m, s in block["metrics"].items():
            table.add_row(header(m), *(metric(m, s[k]) for k in ("min", "median", "max")))
        console.print(table)


@app.command("query")
@user_errors
def query(
    name: str,
    hash_: Annotated[str | None, typer.Option("--hash", help="Module hash.")] = None,
    matrix: Annotated[str | None, typer.Option(help="Row-major 0/1 adjacency.")] = None,
    ops: Annotated[str | None, typer.Option(help="Comma-separated ops.")] = None,
    epochs: Annotated[int | None, typer.Option(
        help="Fidelity: epochs trained (default: the largest).")] = None,
    repeat: Annotated[str, typer.Option(help="mean, or a repeat number.")] = "mean",
    data_dir: DataDir = None, raw_dir: RawDir = None, as_json: Json = False,
) -> None:
    """Every metric of one cell at one fidelity (epochs)."""
    if (hash_ is None) == (matrix is None):
        raise ValueError("give either --hash or --matrix with --ops")
    if matrix is not None and ops is None:
        raise ValueError("--matrix needs --ops")
    bench = load(name, data_dir, raw_dir)
    key = hash_ if hash_ is not None else Arch.from_strings(matrix or "", ops or "")
    rep: str | int = repeat if repeat == "mean" else int(repeat)
    values = bench.query(key, epochs=epochs, repeat=rep)
    result = {"module_hash": bench.hash_of(key), "epochs": bench.epochs_or_default(epochs),
              **values}
    if as_json:
        print_json(result)
        return
    table = Table(show_header=False, box=None)
    for k, v in result.items():
        table.add_row(header(k), str(v) if k == "module_hash" else metric(k, v))
    console.print(table)


@app.command("export")
@user_errors
def export(name: str, output: Annotated[Path, typer.Option(help=".csv or .parquet")],
           data_dir: DataDir = None, raw_dir: RawDir = None) -> None:
    """Write the whole table: one row per cell, fidelity and repeat."""
    check_output(output)
    bench = load(name, data_dir, raw_dir)
    write_table(bench.frame, output)
    console.print(f"{len(bench.frame):,} rows -> {output}")


@app.command("import")
@user_errors
def import_(
    name: Annotated[str, typer.Option(help="Name to register the table under.")],
    raw: Annotated[Path | None, typer.Option(help="Raw results tree.")] = None,
    tfrecord: Annotated[Path | None, typer.Option(help="EC-NAS energy tfrecord.")] = None,
    space: Annotated[str | None, typer.Option(help="4v, 5v or 7v (raw trees may hold several)."
                                               )] = None,
    checkpoints: Annotated[bool, typer.Option(help="Keep intermediate checkpoints as fidelities."
                                              )] = True,
    overwrite: Annotated[bool, typer.Option(help="Replace a stored table of that name.")
                         ] = False,
    data_dir: DataDir = None,
) -> None:
    """Register another table from a raw results tree or a tfrecord."""
    if (raw is None) == (tfrecord is None):
        raise ValueError("give exactly one of --raw DIR or --tfrecord FILE")
    if space is not None and space not in SPACE_VERTICES:
        raise ValueError(f"unknown space {space!r}; valid: {', '.join(SPACE_VERTICES)}")
    registry.check_importable(name, data_dir=data_dir, overwrite=overwrite)
    if raw is not None:
        if space is None:
            raise ValueError("--raw needs --space (4v, 5v or 7v)")
        with progress_bar(f"reading {raw}") as progress:
            frame, meta = builders.frame_from_raw(raw, space, progress)
    else:
        assert tfrecord is not None
        if not tfrecord.is_file():
            raise FileNotFoundError(f"no such file: {tfrecord}")
        with progress_bar(f"reading {tfrecord.name}") as progress:
            frame, meta = builders.frame_from_tfrecord(tfrecord, space, checkpoints=checkpoints,
                                                       progress=progress)
        space = meta["space_inferred"]
    path = registry.import_table(frame, meta, name=name, space=space or "",
                                 data_dir=data_dir, overwrite=overwrite)
    console.print(f"{name}: {len(frame):,} rows -> {path}")


@app.command("fetch")
@user_errors
def fetch(
    name: str,
    source: Annotated[str | None, typer.Option(help="Local mirror DIR or base URL.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Download a benchmark's official file (checksum-verified) and build its table."""
    spec = registry.REGISTRY.get(name)
    if spec is None or spec.official is None:
        fetchable = [n for n, s in registry.REGISTRY.items() if s.official]
        raise ValueError(f"{name!r} has no official file to fetch; fetchable: "
                         f"{', '.join(fetchable)}")
    path = fetch_official(spec.official, data_dir=resolve_data_dir(data_dir), source=source,
                          progress=True)
    console.print(f"{spec.official} verified at {path}")
    with progress_bar(f"importing {spec.official}") as progress:
        table = registry.build_benchmark(spec, data_dir=data_dir, source=source, fetch=True,
                                         progress=progress)
    console.print(f"{name} -> {table}")

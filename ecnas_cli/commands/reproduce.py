"""``ecnas reproduce``: the EC-NAS paper's figures and findings, regenerated from the tables."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from ecnas_cli.commands._options import DataDir, Json, RawDir
from ecnas_cli.console import console, ensure_writable, print_json, user_errors


@user_errors
def reproduce(
    figures: Annotated[list[str] | None, typer.Argument(
        help="Figures to make (default: all): space, fronts, attainment, regret, radar, "
             "op-swap, proxies, tradeoffs, noise, scaling, hardware, official-runs, "
             "paper-search, attainment-7v, front-7v, radar-7v.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("results/paper"),
    seeds: Annotated[int, typer.Option("--seeds", help="Seeds per strategy.")] = 10,
    jobs: Annotated[int, typer.Option("--jobs", help="Parallel search processes.")] = 1,
    quick: Annotated[bool, typer.Option(
        "--quick", help="At most 3 seeds and 150 evaluations per search; figure 13 "
                        "without its three slowest strategies.")] = False,
    data_dir: DataDir = None, raw_dir: RawDir = None, as_json: Json = False,
) -> None:
    """Regenerate the paper's figures (PNG, PDF, CSV), README.md and paper-vs-ecnas.md in
    --out. Searches are cached in --out/runs and reused."""
    from ecnas_cli.workflows.reproduce import reproduce as run
    ensure_writable(out)
    start = time.perf_counter()
    records = run(figures or (), out=out, seeds=seeds, jobs=jobs, quick=quick,
                  data_dir=data_dir, raw_dir=raw_dir,
                  progress=None if as_json else lambda name: console.print(f"figure {name} ..."))
    seconds = time.perf_counter() - start
    if as_json:
        print_json({"figures": [{"number": r.number, "name": r.name, "files": r.files,
                                 "absent": r.absent} for r in records], "seconds": seconds})
        return
    for r in records:
        note = f"not drawn: {r.absent}" if r.absent else ", ".join(r.files)
        console.print(f"[bold]{r.number:>2} {r.name}[/]: {note}", soft_wrap=True)
    console.print(f"wrote {out} in {seconds:.0f} s")

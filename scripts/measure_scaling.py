"""README's measured scaling table: time and memory of ``search`` and ``compare`` per table.

Every strategy searches each table for 100 and for 1,000 distinct evaluations (seed 0, one
run per process, as ``ecnas search --strategy S --benchmark T --evals N``), then ``ecnas
compare`` reads the runs of each (table, budget). Each command is its own process, timed by
wall clock, its CPU time and its peak resident memory read from ``os.wait4`` (the process and
the children it waited for). ``--jobs`` commands run at once (each process is single-threaded
apart from its start-up); the Markdown table printed at the end says how many.

The tables: ecnas-4v (91 cells), ecnas-5v (2,532), the embedded 3,448-cell 7V sample and
``ecnas-7v-energy`` (423,624 cells, 1.7 M rows), which ``ecnas surrogate build-7v`` writes into
the data dir (about a minute). A run on a table smaller than its budget ends ``space exhausted``.

Usage::

    ecnas surrogate build-7v                       # once, into the data dir
    python scripts/measure_scaling.py [--jobs 2] [--strategies all] [--evals 100 1000]

Writes ``results/scaling/scaling.csv`` (one row per command) and prints the README table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from strategies import STRATEGIES

REPO = Path(__file__).resolve().parents[1]
TABLES = ("ecnas-4v", "ecnas-5v", "ecnas-7v-energy-sample", "ecnas-7v-energy")
ECNAS = "from ecnas_cli.cli import run; run()"


def timed(args: list[str], timeout: float) -> dict[str, object]:
    """Run ``ecnas ARGS`` in its own process: wall and CPU seconds, peak RSS (MB), exit code."""
    log = tempfile.TemporaryFile("w+")  # a file, not a pipe: a chatty child never blocks
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", ECNAS, *args], stdout=subprocess.DEVNULL,
                            stderr=log, text=True)
    deadline = start + timeout
    while True:  # wait4 gives this child's own rusage; poll so a hung run is stopped
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    wall = time.perf_counter() - start
    log.seek(0)
    err = log.read()
    log.close()
    code = os.waitstatus_to_exitcode(status)
    timed_out = wall > timeout
    error = f"timed out after {timeout:.0f} s" if timed_out else \
        (err.strip().splitlines() or [""])[-1] if code else ""
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "max_rss_mb": round(usage.ru_maxrss / 1024, 1), "exit": code,
            "timed_out": timed_out, "error": error}


def search(out: Path, table: str, strategy: str, evals: int, timeout: float,
           data_dir: str | None) -> dict[str, object]:
    args = ["search", "--strategy", strategy, "--benchmark", table, "--evals", str(evals),
            "--seed", "0", "--out", str(out)]
    row: dict[str, object] = {"command": "search", "table": table, "strategy": strategy,
                              "evals": evals, **timed(args + _data(data_dir), timeout)}
    run = out / table / strategy / "seed-0" / "run.json"
    meta = json.loads(run.read_text()) if run.exists() else {}
    row.update(distinct=meta.get("evaluations"), queries=meta.get("queries"),
               stop=meta.get("stop_reason", ""))
    return row


def compare(out: Path, table: str, evals: int, timeout: float,
            data_dir: str | None) -> dict[str, object]:
    args = ["compare", str(out / table), "--out", str(out / f"compare-{table}")]
    return {"command": "compare", "table": table, "strategy": "all", "evals": evals,
            **timed(args + _data(data_dir), timeout)}


def _data(data_dir: str | None) -> list[str]:
    return ["--data-dir", data_dir] if data_dir else []


def measure(tables: list[str], strategies: list[str], budgets: list[int], jobs: int,
            timeout: float, data_dir: str | None) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(jobs) as pool:
        for evals in budgets:
            for table in tables:
                out = Path(tmp) / f"evals-{evals}"
                todo = [pool.submit(search, out, table, s, evals, timeout, data_dir)
                        for s in strategies]
                for future in todo:
                    rows.append(future.result())
                    r = rows[-1]
                    print(f"{table} {evals} {r['strategy']}: {r['wall_s']} s, "
                          f"{r['max_rss_mb']} MB, {r['distinct']} distinct, {r['stop']}"
                          f"{' ERROR ' + str(r['error']) if r['exit'] else ''}", flush=True)
                rows.append(compare(out, table, evals, timeout, data_dir))
                print(f"{table} {evals} compare: {rows[-1]['wall_s']} s, "
                      f"{rows[-1]['max_rss_mb']} MB", flush=True)
    return pd.DataFrame(rows)


def machine() -> tuple[int, float]:
    """This machine's cores and memory (MB)."""
    return os.cpu_count() or 1, os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20


def markdown(frame: pd.DataFrame, jobs: int) -> str:
    """One row per (table, budget): search wall time over the strategies, memory, compare, and
    how many such runs (all strategies in turn) one day of this machine holds: runs at once =
    min(cores, memory / the largest run's peak), each taking the strategies' mean wall time."""
    cores, memory = machine()
    n_strategies = frame.loc[frame["command"] == "search", "strategy"].nunique()
    lines = [f"| table | evaluations | search: median / slowest (strategy) | search: sum over "
             f"{n_strategies} strategies | peak memory of a run | runs per day here "
             f"({cores} cores, {memory / 1024:.0f} GB) | compare: time, memory |",
             "|---|---:|---|---:|---:|---:|---|"]
    for (table, evals), group in frame.groupby(["table", "evals"], sort=False):
        runs = group[group["command"] == "search"]
        cmp_ = group[group["command"] == "compare"].iloc[0]
        slow = runs.loc[runs["wall_s"].idxmax()]
        at_once = max(1, min(cores, int(memory // runs["max_rss_mb"].max())))
        per_day = 86400 * at_once / runs["wall_s"].mean()
        late = "" if not runs["timed_out"].any() else \
            f" ({int(runs['timed_out'].sum())} stopped at the time limit)"
        lines.append(
            f"| {table} | {evals:,} | {runs['wall_s'].median():.1f} s / {slow['wall_s']:.1f} s "
            f"({slow['strategy']}){late} | {runs['wall_s'].sum() / 60:.1f} min | "
            f"{runs['max_rss_mb'].max():,.0f} MB | {per_day:,.0f} | {cmp_['wall_s']:.1f} s, "
            f"{cmp_['max_rss_mb']:,.0f} MB |")
    lines.append(f"\n{jobs} command(s) at once; wall times include process start and table load.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES))
    parser.add_argument("--strategies", default="all", help="comma list or all")
    parser.add_argument("--evals", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per command")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", type=Path, default=REPO / "results" / "scaling")
    parser.add_argument("--update", action="store_true",
                        help="the commands measured now replace the same commands' rows in the "
                             "existing scaling.csv; the other rows are kept")
    parser.add_argument("--merge", type=Path, default=None,
                        help="measure nothing: the rows of this scaling.csv (from another "
                             "--out) replace the same commands' rows in --out's")
    args = parser.parse_args()
    strategies = list(STRATEGIES) if args.strategies == "all" else args.strategies.split(",")
    if args.merge is not None:
        frame = pd.read_csv(args.merge)
        args.tables, args.update = list(dict.fromkeys(frame["table"])), True
    else:
        frame = measure(args.tables, strategies, args.evals, args.jobs, args.timeout,
                        args.data_dir)
    if args.update and (args.out / "scaling.csv").exists():
        kept = pd.read_csv(args.out / "scaling.csv")
        key = ["command", "table", "strategy", "evals"]  # a measured row replaces its own
        kept = kept[~kept.set_index(key).index.isin(frame.set_index(key).index)]
        order = {t: i for i, t in enumerate(dict.fromkeys([*TABLES, *kept["table"], *args.tables]))}
        frame = pd.concat([kept, frame], ignore_index=True)
        frame = frame.sort_values(["evals", "table"], key=lambda c: c.map(order)
                                  if c.name == "table" else c, kind="stable")
    args.out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out / "scaling.csv", index=False)
    table = markdown(frame, args.jobs)
    (args.out / "scaling.md").write_text(table + "\n")
    print(table)
    failed = frame[frame["exit"] != 0]
    if len(failed):
        print(f"{len(failed)} command(s) failed:\n{failed.to_string()}")
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Named benchmarks: where their data comes from, building them once, and loading them.

Where a table is looked for, in order:

1. ``<data_dir>/benchmarks/<name>.parquet``: tables a user built, fetched or imported (these win,
   so a rebuilt ``ecnas-5v`` replaces the shipped one);
2. the embedded tables shipped with the package (:data:`benchmarks.paths.PACKAGE_DATA`: ecnas-4v,
   ecnas-5v, ecnas-4v-paper and ecnas-7v-energy-sample, built by
   ``scripts/build_package_data.py``), so the
   default benchmark works offline, right after install, with no environment variable;
3. its source (a raw results tree, an official tfrecord, the 7V energy CSV or the authors' runs),
   built once into (1).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.atomic import check_target
from benchmarks.paths import PACKAGE_DATA
from benchmarks.paths import data_dir as resolve_data_dir
from benchmarks.paths import raw_dir as resolve_raw_dir
from benchmarks.progress import Progress
from benchmarks.sources.builders import (
    frame_from_csv,
    frame_from_official_runs,
    frame_from_raw,
    frame_from_tfrecord,
)
from benchmarks.sources.energy_csv import find_sample
from benchmarks.sources.official import OFFICIAL_FILES, fetch_official, official_path
from benchmarks.tables.benchmark import Benchmark, load_table
from benchmarks.tables.storage import NAME_PATTERN, check_name, save_table, verify_table


@dataclass(frozen=True)
class BenchmarkSpec:
    """A named benchmark and its sources, tried in order: raw tree, then official file."""

    name: str
    space: str
    description: str
    raw: bool = False  # buildable from a raw results tree (ECNAS_RAW_DIR)
    csv: bool = False  # built from the 7V energy sample CSV in the raw dir
    runs: bool = False  # recovered from the authors' search runs (raw dir's official-runs/)
    official: str | None = None  # official tfrecord (fetched)
    checkpoints: bool = False  # keep intermediate checkpoints as fidelities
    energy_source: str = "measured"  # of the fidelities beyond 4 epochs
    built_by: str | None = None  # the command that builds it, when no source can
    sample: bool = False  # its cells are a sample of the space: searched over them only


def _hw(gpu: str) -> BenchmarkSpec:
    return BenchmarkSpec(f"ecnas-4v-{gpu}", "4v", f"4V cells measured on {gpu} (EC-NAS hardware)",
                         official=f"hardware/energy_4V9E_{gpu}.tfrecord",
                         energy_source="linear-scaled")


REGISTRY: dict[str, BenchmarkSpec] = {s.name: s for s in [
    BenchmarkSpec("ecnas-4v", "4v", "measured 4-epoch runs of all 91 4V cells (3 repeats)",
                  raw=True, official="energy_4V9E_4epochs.tfrecord", checkpoints=True),
    BenchmarkSpec("ecnas-5v", "5v", "measured 4-epoch runs of all 2,532 5V cells",
                  raw=True, official="energy_5V9E_4epochs.tfrecord", checkpoints=True),
    BenchmarkSpec("ecnas-7v-energy-sample", "7v", "measured 4-epoch energy of 3,448 7V cells "
                  "(energy only)", csv=True, sample=True),
    BenchmarkSpec("ecnas-4v-paper", "4v", "the 4V table the EC-NAS authors searched, recovered "
                  "from their runs: NAS-Bench-101 accuracies, energy scaled to 4/12/36/108 "
                  "epochs", runs=True, energy_source="linear-scaled"),
    BenchmarkSpec("ecnas-4v-linscale", "4v", "NAS-Bench-101 accuracies, energy scaled to "
                  "4/12/36/108 epochs", official="energy_4V9E_linscale.tfrecord",
                  energy_source="linear-scaled"),
    BenchmarkSpec("ecnas-5v-linscale", "5v", "NAS-Bench-101 accuracies, energy scaled to "
                  "4/12/36/108 epochs", official="energy_5V9E_linscale.tfrecord",
                  energy_source="linear-scaled"),
    BenchmarkSpec("ecnas-7v-4epochs", "7v", "measured 4-epoch runs of 7V cells",
                  official="energy_7V9E_4epochs.tfrecord", checkpoints=True,
                  sample=True),
    BenchmarkSpec("ecnas-7v", "7v", "all 423,624 7V cells, surrogate energy (EC-NAS)",
                  official="energy_7V9E_surrogate.tfrecord", energy_source="surrogate"),
    BenchmarkSpec("ecnas-7v-energy", "7v", "all 423,624 7V cells: ecnas surrogate energy, "
                  "params, FLOPs (no accuracy)", built_by="ecnas surrogate build-7v"),
    *[_hw(g) for g in ("quadrortx6000", "rtx3060", "rtx3090", "titanxp")],
]}


def checkpoint_fidelities(benchmark: Benchmark) -> bool:
    """Whether a table's lower fidelities are checkpoints of the training runs of its highest.

    The table's metadata says so where it has ``checkpoint_fidelities``; else a registered
    benchmark built with its intermediate checkpoints as fidelities and measured energy does
    (ecnas-4v, ecnas-5v, ecnas-7v-4epochs: one run per repeat, checkpoints at 1 or 2 and 4
    epochs); any other table's fidelities are taken as separate runs (linear-scaled ones are).
    """
    flag = benchmark.meta.get("checkpoint_fidelities")
    if flag is not None:
        return bool(flag)
    spec = REGISTRY.get(benchmark.name)
    return spec is not None and spec.checkpoints and spec.energy_source == "measured"


def searched_as_sample(benchmark: Benchmark) -> bool:
    """Whether a table is searched over its own cells rather than its whole space.

    Registered tables that sample their space say so (ecnas-7v-energy-sample, ecnas-7v-4epochs);
    a flag of the registry, not of the table's metadata, so the embedded files and their
    checksums stay as built. Any other table, whatever its coverage, is searched over the
    whole space: a live table (``live-*``) is replayed over the space its live search asked.
    """
    spec = REGISTRY.get(benchmark.name)
    return spec is not None and spec.sample


def table_path(name: str, data_dir: Path | None = None) -> Path:
    """Where a user-built or imported table ``name`` is stored in the data dir."""
    return resolve_data_dir(data_dir) / "benchmarks" / f"{check_name(name)}.parquet"


def embedded_path(name: str) -> Path:
    """Where the package's own copy of table ``name`` is (it may not exist)."""
    return PACKAGE_DATA / f"{check_name(name)}.parquet"


def stored_path(name: str, data_dir: Path | None = None) -> Path | None:
    """The table to load for ``name``: the data dir's, else the embedded one, else None."""
    for path in (table_path(name, data_dir), embedded_path(name)):
        if path.is_file():
            return path
    return None


def load_benchmark(name: str, *, data_dir: Path | None = None, raw_dir: Path | None = None,
                   source: str | Path | None = None, fetch: bool = False,
                   progress: Progress | None = None) -> Benchmark:
    """Load benchmark ``name``, building its table first if it is not stored yet.

    Sources, in order: the table in the data dir; the embedded table; the raw tree (``raw_dir``
    or ``$ECNAS_RAW_DIR``) for benchmarks built from raw runs or the 7V CSV; the official file
    if present in the data dir (or fetched, when ``fetch`` or ``source`` is given).
    """
    path = stored_path(name, data_dir)
    if path is None:
        if name not in REGISTRY:
            known = ", ".join(known_names(data_dir))
            raise ValueError(f"unknown benchmark {name!r}; known: {known}")
        path = build_benchmark(REGISTRY[name], data_dir=data_dir, raw_dir=raw_dir,
                               source=source, fetch=fetch, progress=progress)
    return _load(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> Benchmark:
    return load_table(path)  # verified: a damaged file is a DamagedTableError naming it


def build_benchmark(spec: BenchmarkSpec, *, data_dir: Path | None = None,
                    raw_dir: Path | None = None, source: str | Path | None = None,
                    fetch: bool = False, progress: Progress | None = None) -> Path:
    """Build and store the table of a registered benchmark; return its path."""
    root = resolve_raw_dir(raw_dir)
    if spec.built_by is not None:
        raise FileNotFoundError(f"{spec.name} is not built yet: run `{spec.built_by}`")
    if spec.csv or spec.runs:
        if root is None:
            raise FileNotFoundError(f"{spec.name} is built from the raw data dir: set "
                                    "ECNAS_RAW_DIR or pass --raw-dir")
        frame, meta = frame_from_official_runs(root, spec.space) if spec.runs \
            else frame_from_csv(find_sample(root))
    elif spec.raw and root is not None and source is None and not fetch:
        frame, meta = frame_from_raw(root, spec.space, progress)
    elif spec.official is not None:
        present = official_path(spec.official, data_dir=resolve_data_dir(data_dir))
        if fetch or source is not None or not present.is_file():
            present = fetch_official(spec.official, data_dir=resolve_data_dir(data_dir),
                                     source=source)
        frame, meta = frame_from_tfrecord(present, spec.space, checkpoints=spec.checkpoints,
                                          energy_source=spec.energy_source, progress=progress)
        meta["inputs"] = {spec.official: OFFICIAL_FILES[spec.official].sha256}
    else:
        raise FileNotFoundError(f"no source for {spec.name}: set ECNAS_RAW_DIR")
    path = table_path(spec.name, data_dir)
    save_table(frame, path, {**meta, "name": spec.name, "space": spec.space,
                             "description": spec.description})
    return path


def known_names(data_dir: Path | None = None) -> list[str]:
    """Registered names, then tables imported into the data dir (with safe names only)."""
    folder = resolve_data_dir(data_dir) / "benchmarks"
    local = sorted(p.stem for p in folder.glob("*.parquet")) if folder.is_dir() else []
    return [*REGISTRY, *[n for n in local if n not in REGISTRY and NAME_PATTERN.fullmatch(n)]]


def list_benchmarks(data_dir: Path | None = None, raw_dir: Path | None = None
                    ) -> list[dict[str, Any]]:
    """Name, space, description and status of every benchmark.

    ``status`` is ``stored`` (in the data dir), ``embedded`` (shipped with the package),
    ``buildable`` (from the raw dir or an official file present here), ``fetch needed``,
    ``build needed`` (by the command in ``built_by``), or
    ``bad`` (a stored table that fails :func:`verify_table`; ``error`` says why and how to
    rebuild it). A bad table does not stop the others from being listed.
    """
    root = resolve_raw_dir(raw_dir)
    return [_entry(name, data_dir, root) for name in known_names(data_dir)]


def _entry(name: str, data_dir: Path | None, root: Path | None) -> dict[str, Any]:
    path, spec = stored_path(name, data_dir), REGISTRY.get(name)
    entry: dict[str, Any] = {"name": name, "present": path is not None}
    if spec is not None:
        entry.update(space=spec.space, description=spec.description)
    if path is None and spec is None:  # listed from the data dir, yet no file to read there
        where = table_path(name, data_dir)
        return {**entry, "path": str(where), "status": "bad",
                "error": f"{where} is not a regular file (a dangling link or a directory); "
                         "remove it"}
    if path is not None:
        entry["path"] = str(path)
        try:
            meta = verify_table(path)
            entry.update(space=str(meta["space"]), description=meta.get("description", ""),
                         rows=meta.get("rows"), cells=meta.get("cells"),
                         fidelities=meta.get("fidelities"), metrics=meta.get("metrics"))
        except (ValueError, KeyError, OSError) as exc:  # DamagedTableError is a ValueError
            return {**entry, "status": "bad", "error": " ".join(str(exc).split())}
        entry["status"] = "stored" if path == table_path(name, data_dir) else "embedded"
    elif spec is not None:
        official = spec.official and official_path(spec.official,
                                                   data_dir=resolve_data_dir(data_dir)).is_file()
        buildable = bool(((spec.raw or spec.csv or spec.runs) and root) or official)
        entry.update(buildable=buildable, built_by=spec.built_by,
                     status="buildable" if buildable else
                     "build needed" if spec.built_by else "fetch needed")
    return entry


def check_importable(name: str, *, data_dir: Path | None = None,
                     overwrite: bool = False) -> Path:
    """Where table ``name`` would be imported; refused for a built-in name, and for a stored
    table of that name unless ``overwrite`` (checked before the source is read)."""
    check_name(name)
    if name in REGISTRY:
        raise ValueError(f"{name!r} is a built-in benchmark name; choose another --name")
    path = table_path(name, data_dir)
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise FileExistsError(f"a table named {name!r} is already stored at {path}; use "
                              "--overwrite to replace it, or choose another --name")
    return check_target(path)


def import_table(frame: pd.DataFrame, meta: dict[str, Any], *, name: str, space: str,
                 data_dir: Path | None = None, overwrite: bool = False) -> Path:
    """Store a user table (from :func:`frame_from_raw` / :func:`frame_from_tfrecord`); see
    :func:`check_importable`."""
    path = check_importable(name, data_dir=data_dir, overwrite=overwrite)
    save_table(frame, path, {**meta, "name": name, "space": space,
                             "description": meta.get("provenance", "")})
    return path

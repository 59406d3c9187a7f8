"""The official raw layout: ``<SPACE>/<E>_epochs/<hh>/<module_hash>/repeat_<n>/results.json``.

One ``results.json`` per training run with the keys of the EC-NAS runs (see
``benchmarks.sources.raw_tree``), so ``ecnas data import --raw`` reads what is written here.
Extra keys say how the energy was obtained: ``meter`` (e.g. ``rapl``, ``nvml+rapl``,
``tdp-estimate``, or ``surrogate``), ``estimated``, ``pue`` and ``energy_source``
(``measured`` or ``surrogate``). Files are written atomically, so a file that exists is a
finished run: that is what makes a killed run resumable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.atomic import atomic_path
from benchmarks.sources.raw_tree import SPACE_DIRS

__all__ = ["is_measured", "pending", "remove_stale_temps", "run_path", "run_record", "write_run"]


def run_path(root: Path, space: str, max_epochs: int, module_hash: str, repeat: int) -> Path:
    """Where run ``repeat`` (1-based, as in the official tree) of a cell goes."""
    if space not in SPACE_DIRS:
        raise ValueError(f"unknown space {space!r}; valid: {', '.join(SPACE_DIRS)}")
    if repeat < 1:
        raise ValueError(f"repeat is 1-based, got {repeat}")
    return (Path(root) / SPACE_DIRS[space] / f"{max_epochs}_epochs" / module_hash[:2]
            / module_hash / f"repeat_{repeat}" / "results.json")


def write_run(path: Path, record: dict[str, Any]) -> Path:
    """Write one run's record atomically (readers never see half a file)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record, allow_nan=True))
    return path


def is_measured(path: Path) -> bool:
    """Whether ``path`` holds a finished, measured (not surrogate-predicted) run."""
    if not path.is_file():
        return False
    return json.loads(path.read_text()).get("energy_source", "measured") == "measured"


def remove_stale_temps(root: Path) -> int:
    """Delete temporary files a killed writer left (``.results.json.*.tmp``); return how many.

    Call it only when no other creation run writes to the same tree.
    """
    stale = list(Path(root).rglob(".results.json.*.tmp")) if Path(root).is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def pending(root: Path, space: str, max_epochs: int, hashes: list[str],
            repeats: int) -> list[tuple[str, int]]:
    """``(module_hash, repeat)`` pairs whose ``results.json`` does not exist yet."""
    return [(h, r) for h in hashes for r in range(1, repeats + 1)
            if not run_path(root, space, max_epochs, h, r).is_file()]


def run_record(*, trainable_params: int, entries: list[dict[str, Any]], usages: dict[str, Any],
               meter: str, estimated: bool, pue: float, intensity: float, total_time: float,
               start: str, stop: str, energy_source: str = "measured") -> dict[str, Any]:
    """A ``results.json`` record; totals are those of the last checkpoint."""
    last = entries[-1]
    return {"trainable_params": int(trainable_params), "total_time": total_time,
            "total_energy (kWh)": last["energy (kWh)"], "total_co2eq (g)": last["co2eq (g)"],
            "start_emission": start, "stop_emission": stop,
            "avg_intensity (gCO2/kWh)": intensity, "avg_power_usages:": usages,
            "evaluation_results": entries, "meter": meter, "estimated": estimated,
            "pue": pue, "energy_source": energy_source}

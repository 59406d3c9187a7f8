"""Energy meters behind one small interface, and a tracker that applies PUE and carbon intensity.

A meter reads the energy one device group (``"gpu"`` or ``"cpu"``) used since :meth:`start`,
per device, in joules. Three kinds:

- :class:`NvmlMeter`: NVIDIA GPUs through NVML's cumulative energy counter
  (``nvmlDeviceGetTotalEnergyConsumption``, Volta and newer), via ``nvidia-ml-py``;
- :class:`RaplMeter`: CPU packages through Linux RAPL (``/sys/class/powercap``), read with
  codecarbon's :class:`~codecarbon.core.cpu.IntelRAPL` (domain selection, counter wrap-around,
  de-duplication of mirrored package counters);
- :class:`TdpMeter`: an explicit estimate where no counter is readable: the CPU's thermal
  design power times this process's CPU utilisation, ``TDP * cpu_seconds / n_cpus``; the TDP
  comes from codecarbon's CPU database (or the ``tdp_w`` setting). Marked as estimated.

Library choice: codecarbon, for its maintained RAPL reader and CPU TDP table and because it
needs no network in this use (carbontracker looks up location and live intensity online);
zeus was the closest fit (NVML/RAPL measurement windows) but its ``amdsmi`` dependency makes
``import ray`` fail on machines without the AMD library. NVML goes through ``nvidia-ml-py``,
the binding codecarbon itself uses. Carbon intensity is a setting, not looked up.
"""

from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass
from typing import Any, Protocol

from benchmarks.create.checks import check_range
from benchmarks.schema import METRICS

__all__ = ["CARBON_INTENSITY_DK", "EnergySettings", "EnergyTracker", "Meter", "NvmlMeter",
           "RaplMeter", "TdpMeter", "make_meters"]

#: gCO2eq/kWh: median ``avg_intensity`` of the 273 EC-NAS 4V runs (Danish grid, 2022; checked
#: against the raw runs by tests/benchmarks/test_create_meters.py).
CARBON_INTENSITY_DK = 96.0
METER_KINDS = ("auto", "nvml", "rapl", "estimate")
RAPL_DIR = "/sys/class/powercap/intel-rapl/subsystem"


class Meter(Protocol):
    """Energy of one device group since :meth:`start`."""

    name: str        # "nvml", "rapl" or "tdp-estimate"
    group: str       # "gpu" or "cpu"
    estimated: bool  # True when the number is an estimate, not a counter reading
    devices: list[str]

    def start(self) -> None: ...

    def joules(self) -> list[float]:
        """Energy per device since :meth:`start`, in J."""
        ...


class NvmlMeter:
    """NVIDIA GPUs' cumulative energy counters (mJ) through NVML."""

    name, group, estimated = "nvml", "gpu", False

    def __init__(self, indices: list[int] | None = None, *, nvml: Any = None) -> None:
        if nvml is None:
            import pynvml

            nvml = pynvml
        self._nvml = nvml
        nvml.nvmlInit()
        count = nvml.nvmlDeviceGetCount()
        self._handles = [nvml.nvmlDeviceGetHandleByIndex(i)
                         for i in (range(count) if indices is None else indices)]
        if not self._handles:
            raise RuntimeError("NVML sees no GPU")
        self.devices = [_text(nvml.nvmlDeviceGetName(h)) for h in self._handles]
        self._start = self._counters()

    def _counters(self) -> list[int]:
        return [int(self._nvml.nvmlDeviceGetTotalEnergyConsumption(h)) for h in self._handles]

    def start(self) -> None:
        self._start = self._counters()

    def joules(self) -> list[float]:
        return [(now - then) / 1000.0 for now, then in zip(self._counters(), self._start,
                                                             strict=True)]


class RaplMeter:
    """CPU energy from RAPL counters, read by codecarbon's ``IntelRAPL``."""

    name, group, estimated = "rapl", "cpu", False

    def __init__(self, rapl_dir: str = RAPL_DIR) -> None:
        from codecarbon.core.cpu import IntelRAPL

        self._rapl = IntelRAPL(rapl_dir=rapl_dir)
        if not self._rapl._rapl_files:  # no readable domain: RAPL is not usable here
            raise PermissionError(f"no readable RAPL energy counter under {rapl_dir}")
        self.devices = [f.name for f in self._rapl._rapl_files]
        self._total: dict[str, float] = {}
        self._last = time.perf_counter()

    def start(self) -> None:
        self._rapl.start()
        self._total = dict.fromkeys(self.devices, 0.0)
        self._last = time.perf_counter()

    def joules(self) -> list[float]:
        from codecarbon.core.units import Time

        now = time.perf_counter()
        deltas = self._rapl.get_cpu_details(Time.from_seconds(max(now - self._last, 1e-9)))
        self._last = now
        for device in self.devices:  # deltas since the previous call, in kWh
            self._total[device] += float(deltas.get(device, 0.0)) * 3.6e6
        return [self._total[d] for d in self.devices]


class TdpMeter:
    """Estimated CPU energy: ``TDP * cpu_seconds / n_cpus`` of this process (and its children)."""

    name, group, estimated = "tdp-estimate", "cpu", True

    def __init__(self, tdp_w: float | None = None, *, n_cpus: int | None = None,
                 cpu_seconds: Any = None) -> None:
        model = "cpu"
        if tdp_w is None:
            model, tdp_w = _cpu_tdp()
            if tdp_w is None:
                raise ValueError(f"unknown TDP for CPU {model!r}; give tdp_w")
        if tdp_w <= 0:
            raise ValueError(f"tdp_w must be positive, got {tdp_w}")
        self.tdp_w = float(tdp_w)
        self.n_cpus = n_cpus or os.cpu_count() or 1
        self.devices = [f"{model} (TDP {self.tdp_w:g} W)"]
        self._cpu_seconds = cpu_seconds or _process_cpu_seconds
        self._start = self._cpu_seconds()

    def start(self) -> None:
        self._start = self._cpu_seconds()

    def joules(self) -> list[float]:
        return [self.tdp_w * (self._cpu_seconds() - self._start) / self.n_cpus]


@functools.lru_cache(maxsize=1)
def _cpu_tdp() -> tuple[str, float | None]:
    """CPU model and TDP (W) from codecarbon's table; looked up once per process."""
    from codecarbon.core.cpu import TDP

    found = TDP()
    return str(found.model), found.tdp


def _process_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _text(name: bytes | str) -> str:
    return name.decode() if isinstance(name, bytes) else str(name)


@dataclass(frozen=True)
class EnergySettings:
    """How energy is measured and converted.

    Parameters
    ----------
    meter : {"auto", "nvml", "rapl", "estimate"}
        ``auto``: NVML for GPUs when present, plus RAPL for the CPU where readable, else the
        TDP estimate.
    pue : float
        Power usage effectiveness multiplied into every energy (EC-NAS: 1.59).
    carbon_intensity : float
        gCO2eq per kWh (default: the Danish grid of the EC-NAS runs).
    tdp_w : float, optional
        CPU TDP for the estimate; by default codecarbon's table.
    rapl_dir : str
        RAPL sysfs folder.
    """

    meter: str = "auto"
    pue: float = 1.59
    carbon_intensity: float = CARBON_INTENSITY_DK
    tdp_w: float | None = None
    rapl_dir: str = RAPL_DIR

    def __post_init__(self) -> None:
        if self.meter not in METER_KINDS:
            raise ValueError(f"unknown meter {self.meter!r}; valid: {', '.join(METER_KINDS)}")
        check_range("pue", self.pue, 1.0, 10.0)
        check_range("carbon_intensity", self.carbon_intensity, 0.0,
                    METRICS["carbon_intensity_g_per_kwh"].upper)
        if self.tdp_w is not None:
            check_range("tdp_w", self.tdp_w, 0.0, METRICS["cpu_power_w"].upper, lo_open=True)


def make_meters(settings: EnergySettings, *, gpu_indices: list[int] | None = None) -> list[Meter]:
    """The meters ``settings.meter`` asks for; ``auto`` falls back as described there."""
    meters: list[Meter] = []
    if settings.meter in ("auto", "nvml"):
        try:
            meters.append(NvmlMeter(gpu_indices))
        except Exception as exc:  # no driver, no GPU, or no energy counter (pre-Volta)
            if settings.meter == "nvml":
                raise RuntimeError(f"NVML meter unavailable: {exc}") from None
    if settings.meter in ("auto", "rapl"):
        try:
            meters.append(RaplMeter(settings.rapl_dir))
        except Exception as exc:  # missing sysfs or no permission
            if settings.meter == "rapl":
                raise RuntimeError(f"RAPL meter unavailable: {exc}") from None
    if settings.meter == "estimate" or not any(m.group == "cpu" for m in meters):
        meters.append(TdpMeter(settings.tdp_w))
    return meters


class EnergyTracker:
    """Sums what its meters read while running; :meth:`pause` leaves evaluation out.

    Energies are device energy times PUE, in kWh; CO2 is that times the carbon intensity.
    """

    def __init__(self, meters: list[Meter], settings: EnergySettings, *,
                 clock: Any = time.perf_counter) -> None:
        if not meters:
            raise ValueError("EnergyTracker needs at least one meter")
        self.meters, self.settings, self._clock = meters, settings, clock
        self._acc = [[0.0] * len(m.devices) for m in meters]
        self._mark: list[list[float]] | None = None
        self._seconds, self._since = 0.0, 0.0

    @property
    def name(self) -> str:
        return "+".join(m.name for m in self.meters)

    @property
    def estimated(self) -> bool:
        return any(m.estimated for m in self.meters)

    def start(self) -> None:
        for m in self.meters:
            m.start()
        self._acc = [[0.0] * len(m.devices) for m in self.meters]
        self._seconds = 0.0
        self.resume()

    def resume(self) -> None:
        self._mark, self._since = [m.joules() for m in self.meters], self._clock()

    def pause(self) -> None:
        self._acc, self._seconds = self._totals(), self._elapsed()
        self._mark = None

    def _totals(self) -> list[list[float]]:
        if self._mark is None:
            return self._acc
        return [[a + now - then for a, now, then in zip(acc, m.joules(), mark, strict=True)]
                for acc, m, mark in zip(self._acc, self.meters, self._mark, strict=True)]

    def _elapsed(self) -> float:
        return self._seconds + (self._clock() - self._since if self._mark is not None else 0.0)

    def energy_kwh(self) -> float:
        """Energy so far (device energy x PUE), in kWh."""
        return sum(map(sum, self._totals())) / 3.6e6 * self.settings.pue

    def co2eq_g(self) -> float:
        return self.energy_kwh() * self.settings.carbon_intensity

    def power_usages(self) -> dict[str, Any]:
        """The raw layout's ``avg_power_usages:`` block: mean W and J per device and group."""
        seconds = max(self._elapsed(), 1e-9)
        out: dict[str, Any] = {}
        for m, joules in zip(self.meters, self._totals(), strict=True):
            group = out.setdefault(m.group, {"avg_power_usages (W)": [[]],
                                             "avg_energy_usages (J)": [[]], "devices": []})
            group["avg_power_usages (W)"][0] += [j / seconds for j in joules]
            group["avg_energy_usages (J)"][0] += list(joules)
            group["devices"] += list(m.devices)
        return out

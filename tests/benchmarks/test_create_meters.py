"""Energy meters on fakes (NVML module, RAPL sysfs tree, CPU clock) and the tracker's sums."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("codecarbon")

from benchmarks.create.meters import (
    CARBON_INTENSITY_DK,
    EnergySettings,
    EnergyTracker,
    NvmlMeter,
    RaplMeter,
    TdpMeter,
    make_meters,
)


class FakeNvml:
    """pynvml's functions over two GPUs whose counters (mJ) the test sets."""

    def __init__(self) -> None:
        self.counters = [1_000_000, 5_000_000]

    def nvmlInit(self) -> None: ...

    def nvmlDeviceGetCount(self) -> int:
        return len(self.counters)

    def nvmlDeviceGetHandleByIndex(self, i: int) -> int:
        return i

    def nvmlDeviceGetName(self, h: int) -> bytes:
        return f"Fake GPU {h}".encode()

    def nvmlDeviceGetTotalEnergyConsumption(self, h: int) -> int:
        return self.counters[h]


def test_nvml_meter_reads_counter_differences():
    nvml = FakeNvml()
    meter = NvmlMeter(nvml=nvml)
    meter.start()
    nvml.counters = [1_250_000, 5_500_000]  # +250 J, +500 J
    assert meter.devices == ["Fake GPU 0", "Fake GPU 1"]
    assert meter.joules() == [250.0, 500.0] and not meter.estimated
    assert NvmlMeter([1], nvml=nvml).devices == ["Fake GPU 1"]


def _rapl_tree(root, energy_uj: int) -> None:
    domain = root / "intel-rapl:0"
    domain.mkdir(parents=True, exist_ok=True)
    (domain / "name").write_text("package-0\n")
    (domain / "max_energy_range_uj").write_text("262143328850\n")
    (domain / "energy_uj").write_text(f"{energy_uj}\n")


def test_rapl_meter_reads_a_sysfs_tree_through_codecarbon(tmp_path):
    _rapl_tree(tmp_path, 10_000_000)
    meter = RaplMeter(str(tmp_path))
    meter.start()
    _rapl_tree(tmp_path, 13_000_000)  # +3 J
    assert meter.joules() == pytest.approx([3.0])
    _rapl_tree(tmp_path, 15_000_000)  # +2 J more: cumulative
    assert meter.joules() == pytest.approx([5.0])
    assert meter.name == "rapl" and not meter.estimated


def test_rapl_meter_refuses_missing_or_unreadable_tree(tmp_path):
    with pytest.raises((FileNotFoundError, PermissionError)):
        RaplMeter(str(tmp_path / "nowhere"))


def test_tdp_estimate_is_tdp_times_cpu_share():
    clock = iter([10.0, 10.0, 14.0])  # construction, start, read: 4 CPU-seconds
    meter = TdpMeter(100.0, n_cpus=8, cpu_seconds=lambda: next(clock))
    meter.start()
    assert meter.joules() == [pytest.approx(50.0)]  # 100 W x 4 s / 8 CPUs
    assert meter.estimated and meter.name == "tdp-estimate"
    with pytest.raises(ValueError, match="tdp_w"):
        TdpMeter(0.0)


class StepMeter:
    """A meter whose joules the test advances by hand."""

    name, group, estimated, devices = "step", "cpu", False, ["d0"]

    def __init__(self) -> None:
        self.value = 0.0

    def start(self) -> None:
        self.value = 0.0

    def joules(self) -> list[float]:
        return [self.value]


def test_tracker_applies_pue_and_leaves_paused_time_out():
    meter, now = StepMeter(), iter([0.0, 10.0, 30.0, 40.0, 40.0, 40.0])
    settings = EnergySettings(pue=1.5, carbon_intensity=200.0)
    tracker = EnergyTracker([meter], settings, clock=lambda: next(now))
    tracker.start()                     # t=0
    meter.value = 3.6e6                 # 1 kWh of device energy while running
    tracker.pause()                     # t=10
    meter.value = 2 * 3.6e6             # evaluation: not counted
    tracker.resume()                    # t=30
    meter.value = 2.5 * 3.6e6           # 0.5 kWh more
    tracker.pause()                     # t=40
    assert tracker.energy_kwh() == pytest.approx(1.5 * 1.5)
    assert tracker.co2eq_g() == pytest.approx(2.25 * 200.0)
    usage = tracker.power_usages()["cpu"]
    assert usage["avg_energy_usages (J)"] == [[pytest.approx(1.5 * 3.6e6)]]
    assert usage["avg_power_usages (W)"] == [[pytest.approx(1.5 * 3.6e6 / 20.0)]]
    assert tracker.name == "step" and not tracker.estimated


def test_settings_and_meter_choice():
    for bad, match in (({"meter": "watts"}, "unknown meter"), ({"pue": 0.5}, "pue"),
                       ({"carbon_intensity": -1.0}, "carbon_intensity")):
        with pytest.raises(ValueError, match=match):
            EnergySettings(**bad)
    meters = make_meters(EnergySettings(meter="estimate", tdp_w=65.0))
    assert [m.name for m in meters] == ["tdp-estimate"] and meters[0].tdp_w == 65.0
    auto = make_meters(EnergySettings(rapl_dir="/nonexistent", tdp_w=65.0))
    assert auto[-1].group == "cpu"  # RAPL unreadable -> the estimate (or a real NVML first)
    with pytest.raises(RuntimeError, match="RAPL meter unavailable"):
        make_meters(EnergySettings(meter="rapl", rapl_dir="/nonexistent"))


def test_default_carbon_intensity_is_the_ecnas_4v_median(raw_dir):
    files = sorted((raw_dir / "train_model_results" / "energy" / "4V9E").rglob("results.json"))
    values = [json.loads(p.read_text())["avg_intensity (gCO2/kWh)"] for p in files]
    assert len(values) == 273 and float(np.median(values)) == CARBON_INTENSITY_DK

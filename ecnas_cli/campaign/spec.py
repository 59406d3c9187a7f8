"""A campaign file (TOML) and the runs it expands into.

A campaign is a grid: studies (a benchmark, its objectives and epochs, one budget) x
strategies (with their settings) x seeds, under one protocol. Example::

    name = "small"
    strategies = ["random", "nsga2"]     # or "all"
    seeds = 3                            # seeds `seed` .. `seed + seeds - 1`
    seed = 0

    [settings.nsga2]                     # a strategy's settings (optional)
    population_size = 20

    [protocol]                           # optional: `ecnas search`'s protocol options
    protocol = "ecnas"                   # or "paper" (the authors' protocol)
    repeats = "cache"                    # default: the protocol's ("retrain" for paper)
    max_cached = 1000
    promotion = "continue"               # or "restart"; default: the table's
    epochs = 108                         # every study's target epochs unless it names its own

    [[study]]
    benchmark = "ecnas-4v"
    budget = { evaluations = 60 }        # or energy_kwh, training_time_s, wall_s
    # objectives = "validation_accuracy:max,energy_kwh:min"; epochs = 4

Each study's runs go to ``<out>/<study label>/<benchmark>/<strategy>/seed-<seed>`` (the
runner's layout under a folder per study), so every study is one ``ecnas compare`` input. A
run's settings hash covers everything that fixes its trial log; a complete run with the same
hash is skipped, an interrupted one resumed.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ecnas_cli.run.protocol import Protocol
from ecnas_cli.run.termination import from_dict
from strategies import STRATEGIES, get_strategy

TOP_KEYS = {"name", "strategies", "seeds", "seed", "settings", "protocol", "study", "out"}
STUDY_KEYS = {"benchmark", "budget", "objectives", "epochs", "label"}
#: ``[protocol]``'s keys (``ecnas search``'s option names) and their defaults
PROTOCOL_KEYS: dict[str, Any] = {"protocol": "ecnas", "repeats": None, "max_cached": 1000,
                                 "promotion": None, "epochs": None}
#: a run's protocol (run_search's keywords) when the file names none
DEFAULT_PROTOCOL: dict[str, Any] = {"repeats": "cache", "max_cached": 1000,
                                    "protocol": "ecnas", "promotion": None}
UNHASHED_DEFAULTS = {"protocol": "ecnas", "promotion": None}


@dataclass(frozen=True)
class Study:
    """One benchmark and budget of a campaign (one ``ecnas compare`` of its strategies)."""

    label: str
    benchmark: str
    budget: dict[str, float]
    objectives: str | None = None
    epochs: int | None = None


@dataclass(frozen=True)
class RunSpec:
    """One run of a campaign: everything that fixes its trial log."""

    study: Study
    strategy: str
    seed: int
    settings: dict[str, Any] = field(default_factory=dict)
    protocol: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PROTOCOL))

    @property
    def settings_hash(self) -> str:
        """12 hex digits of SHA-256 over the run's canonical JSON (label excluded)."""
        data = {**asdict(self), "study": {k: v for k, v in asdict(self.study).items()
                                          if k != "label"}}
        # protocol and promotion enter the hash only when not the default, so the runs
        # of a campaign made before they were options keep their hash (and are not redone)
        data["protocol"] = {k: v for k, v in self.protocol.items()
                            if k not in UNHASHED_DEFAULTS or v != UNHASHED_DEFAULTS.get(k)}
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def strategy_name(self) -> str:
        """The strategy's registry name (a plugin's own name, not ``module:Class``)."""
        from ecnas_cli.run.runner import strategy_class
        return strategy_class(self.strategy)[0]

    def run_dir(self, out: Path) -> Path:
        """Where the runner writes this run (``out`` is the campaign's folder)."""
        return Path(out) / self.study.label / self.study.benchmark / self.strategy_name \
            / f"seed-{self.seed}"


@dataclass(frozen=True)
class Campaign:
    """A parsed campaign file; :attr:`runs` in a fixed order (study, strategy, seed)."""

    name: str
    out: Path
    studies: tuple[Study, ...]
    runs: tuple[RunSpec, ...]


def load_campaign(path: Path, out: Path | None = None) -> Campaign:
    """Parse and check the campaign file ``path`` (a ValueError names the bad entry).

    ``out`` overrides the file's ``out`` (default ``runs/campaigns/<name>``).
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no campaign file {path}")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}") from None
    _known(data, TOP_KEYS, str(path))
    name = str(data.get("name", path.stem))
    strategies = _strategies(data.get("strategies", "all"))
    seeds, first = _int(data.get("seeds", 1), "seeds", 1), _int(data.get("seed", 0), "seed", 0)
    settings = data.get("settings", {})
    for key in settings:
        if key not in strategies:
            raise ValueError(f"[settings.{key}]: {key} is not among the strategies "
                             f"({', '.join(strategies)})")
    protocol, epochs = _protocol(data.get("protocol", {}))
    studies = tuple(_study(i, s, epochs) for i, s in enumerate(data.get("study", [])))
    if not studies:
        raise ValueError(f"{path} names no [[study]] (a benchmark and a budget)")
    labels = [s.label for s in studies]
    if len(set(labels)) != len(labels):
        raise ValueError(f"two studies share a label: {labels}; give each a distinct label")
    runs = tuple(RunSpec(study, s, first + k, dict(settings.get(s, {})), protocol)
                 for study in studies for s in strategies for k in range(seeds))
    root = out or Path(data.get("out", Path("runs") / "campaigns" / name))
    return Campaign(name, Path(root), studies, runs)


def _protocol(data: Any) -> tuple[dict[str, Any], int | None]:
    """``[protocol]`` as run_search's protocol keywords (repeats resolved to the protocol's
    rule), and the default target epochs of the studies."""
    if not isinstance(data, dict):
        raise ValueError(f"[protocol] must be a table, got {data!r}")
    _known(data, set(PROTOCOL_KEYS), "[protocol]")
    given = {**PROTOCOL_KEYS, **data}
    epochs = None if given["epochs"] is None else _int(given["epochs"], "[protocol] epochs", 1)
    for key in ("protocol", "repeats", "promotion"):
        if given[key] is not None and not isinstance(given[key], str):
            raise ValueError(f"[protocol] {key} must be a string, got {given[key]!r}")
    try:  # the runner's own checks: a bad or contradictory protocol names the value
        rule = Protocol.named(given["protocol"], given["repeats"], given["max_cached"],
                              given["promotion"])
    except ValueError as exc:
        raise ValueError(f"[protocol]: {exc}") from None
    return {"repeats": rule.repeats, "max_cached": rule.max_cached,
            "protocol": rule.name,
            "promotion": rule.promotion}, epochs


def _known(data: dict[str, Any], keys: set[str], where: str) -> None:
    unknown = sorted(set(data) - keys)
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r}; valid: {', '.join(sorted(keys))}")


def _int(value: Any, key: str, least: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise ValueError(f"{key} must be an integer >= {least}, got {value!r}")
    return value


def _strategies(spec: Any) -> list[str]:
    names = list(STRATEGIES) if spec == "all" else spec
    if not isinstance(names, list) or not names:
        raise ValueError(f"strategies must be \"all\" or a list of names, got {spec!r}")
    for name in names:
        get_strategy(str(name))  # a clear error naming the valid ones
    return list(dict.fromkeys(str(n) for n in names))


def _study(i: int, data: dict[str, Any], epochs: int | None = None) -> Study:
    where = f"[[study]] {i + 1}"
    _known(data, STUDY_KEYS, where)
    if "benchmark" not in data or "budget" not in data:
        raise ValueError(f"{where} needs a benchmark and a budget")
    budget = dict(data["budget"])
    from_dict(budget)  # a ValueError naming a bad budget
    label = data.get("label") or "-".join(
        [str(data["benchmark"]), *(f"{v:g}{k}" for k, v in sorted(budget.items()))])
    own = data.get("epochs")
    return Study(str(label), str(data["benchmark"]), budget, data.get("objectives"),
                 epochs if own is None else _int(own, "epochs", 1))

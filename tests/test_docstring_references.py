"""Every dotted name a docstring or comment gives (``:func:`benchmarks.x.y```, ````ecnas_cli.z````)
names something that exists: prose about the project stays true when code moves."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("benchmarks", "strategies", "ecnas_cli")
NAME = re.compile(r"(?::[a-z]+:`~?|``)((?:benchmarks|strategies|ecnas_cli)\.[\w.]*\w)")


def _exists(dotted: str) -> bool:
    """Whether ``dotted`` is a module, or an attribute (or dataclass field) reached from one."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError as err:
            if err.name is not None and err.name.split(".")[0] not in PACKAGES:
                pytest.skip(f"{dotted}: needs {err.name}")
            continue
        for i, part in enumerate(parts[split:], split):
            fields = getattr(obj, "__dataclass_fields__", {})
            if not hasattr(obj, part):
                return part in fields and i == len(parts) - 1
            obj = getattr(obj, part)
        return True
    return False


def _references() -> list[tuple[str, str]]:
    found = []
    for package in (*PACKAGES, "scripts"):
        for path in sorted((REPO / package).rglob("*.py")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                where = f"{path.relative_to(REPO)}:{n}"
                found += [(where, m.group(1)) for m in NAME.finditer(line)]
    return found


def test_docstrings_name_things_that_exist() -> None:
    missing = [f"{where}: {name}" for where, name in _references() if not _exists(name)]
    assert not missing, "names that do not exist:\n" + "\n".join(missing)


def test_a_stale_name_is_caught() -> None:
    assert _exists("benchmarks.surrogate.evaluate.fit_best")
    assert _exists("ecnas_cli.analysis.fronts.RunFront.cells")  # a dataclass field
    assert not _exists("benchmarks.surrogate_eval.fit_best")
    assert not _exists("benchmarks.surrogate.fit_surrogate")

"""The embedded tables: rebuilt from ../shared they equal the shipped files; they load offline."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from benchmarks.paths import PACKAGE_DATA
from benchmarks.tables import registry
from benchmarks.tables.benchmark import read_meta, table_digest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_package_data.py"
EMBEDDED = ("ecnas-4v", "ecnas-5v", "ecnas-4v-paper", "ecnas-7v-energy-sample")


def _script():
    spec = importlib.util.spec_from_file_location("build_package_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rebuilt(raw_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("package-data")
    assert _script().main(["--raw-dir", str(raw_dir), "--out", str(out)]) == 0
    return out


def _versions(path: Path) -> tuple[str, str, str]:
    """What the bytes of a Parquet file depend on besides its content: the writing libraries."""
    schema = pq.read_schema(path)
    pandas_meta = schema.pandas_metadata or {}
    return (pq.ParquetFile(path).metadata.created_by, str(pandas_meta.get("pandas_version")),
            str(read_meta(path).get("ecnas_version")))


@pytest.mark.parametrize("name", EMBEDDED)
def test_rebuilt_table_is_identical_to_the_shipped_one(rebuilt, name):
    shipped, fresh = PACKAGE_DATA / f"{name}.parquet", rebuilt / f"{name}.parquet"
    old, new = read_meta(shipped), read_meta(fresh)
    assert old.pop("ecnas_version") and new.pop("ecnas_version")
    assert new == old  # provenance, inputs' checksums, content digest, counts
    a, b = pd.read_parquet(shipped), pd.read_parquet(fresh)
    pd.testing.assert_frame_equal(a, b)
    assert table_digest(a) == old["table_sha256"]


@pytest.mark.parametrize("name", EMBEDDED)
def test_rebuilt_table_has_the_shipped_bytes(rebuilt, name):
    shipped, fresh = PACKAGE_DATA / f"{name}.parquet", rebuilt / f"{name}.parquet"
    if _versions(shipped) != _versions(fresh):  # the bytes depend on the writers' versions
        pytest.skip(f"{name}: shipped by {_versions(shipped)}, rebuilt by {_versions(fresh)} "
                    "(parquet writer, pandas, ecnas); run scripts/build_package_data.py")
    assert shipped.read_bytes() == fresh.read_bytes()


def test_provenance_readme_is_rebuilt_identically(rebuilt):
    text = (PACKAGE_DATA / "README.md").read_text(encoding="utf-8")
    assert (rebuilt / "README.md").read_text(encoding="utf-8") == text
    assert "EC-NAS" in text and "Licence: MIT" in text


@pytest.mark.parametrize("name", EMBEDDED)
def test_shipped_metadata_names_source_citation_licence_and_inputs(name):
    meta = read_meta(PACKAGE_DATA / f"{name}.parquet")
    assert meta["name"] == name and meta["licence"] == "MIT"
    assert "ICASSP 2024" in meta["citation"]
    assert "commit" in meta["provenance"] and "/work" not in meta["provenance"]
    assert all(len(d) == 64 for d in meta["inputs"].values()) and meta["inputs"]


def test_embedded_tables_load_without_environment(tmp_path, monkeypatch):
    for var in ("ECNAS_RAW_DIR", "ECNAS_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    bench = registry.load_benchmark("ecnas-5v", data_dir=tmp_path / "empty")
    assert bench.fidelities == (2, 4) and bench.frame["module_hash"].nunique() == 2532
    assert registry.stored_path("ecnas-5v", tmp_path / "empty") == PACKAGE_DATA / "ecnas-5v.parquet"
    status = {r["name"]: r["status"] for r in registry.list_benchmarks(tmp_path / "empty")}
    assert {status[n] for n in EMBEDDED} == {"embedded"}
    assert status["ecnas-7v"] == "fetch needed"


def test_a_table_in_the_data_dir_wins_over_the_embedded_one(tmp_path):
    bench = registry.load_benchmark("ecnas-4v", data_dir=tmp_path)
    mine = bench.frame[bench.frame["epochs"] == 4].assign(energy_kwh=1.0)
    registry.import_table(mine, {"provenance": "test"}, name="mine", space="4v",
                          data_dir=tmp_path)
    registry.table_path("mine", tmp_path).rename(registry.table_path("ecnas-4v", tmp_path))
    rebuilt = registry.load_benchmark("ecnas-4v", data_dir=tmp_path)
    assert rebuilt.fidelities == (4,) and (rebuilt.frame["energy_kwh"] == 1.0).all()
    status = {r["name"]: r["status"] for r in registry.list_benchmarks(tmp_path)}
    assert status["ecnas-4v"] == "stored" and status["ecnas-5v"] == "embedded"


def test_a_damaged_table_is_listed_as_bad_and_the_rest_still_list(tmp_path):
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    (folder / "broken.parquet").write_bytes(b"not parquet at all")
    rows = {r["name"]: r for r in registry.list_benchmarks(tmp_path)}
    assert rows["broken"]["status"] == "bad" and "broken.parquet" in rows["broken"]["error"]
    assert rows["ecnas-5v"]["status"] == "embedded" and rows["ecnas-5v"]["cells"] == 2532
    with pytest.raises(ValueError, match=r"broken\.parquet is damaged"):
        registry.load_benchmark("broken", data_dir=tmp_path)


@pytest.mark.parametrize("bad", ["../etc/passwd", "a/b", "", ".hidden", "name with space",
                                 "x" * 101, "ü"])
def test_unsafe_names_are_refused(tmp_path, bad):
    with pytest.raises(ValueError, match="invalid benchmark name"):
        registry.load_benchmark(bad, data_dir=tmp_path)
    with pytest.raises(ValueError, match="invalid benchmark name"):
        registry.import_table(pd.DataFrame(), {}, name=bad, space="4v", data_dir=tmp_path)

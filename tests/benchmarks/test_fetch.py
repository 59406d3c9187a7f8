"""Fetching official files: local mirrors, a local HTTP server, failures and data_dir."""

from __future__ import annotations

import functools
import hashlib
import http.server
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest

from benchmarks.paths import data_dir
from benchmarks.sources import official as fetch
from benchmarks.sources.official import (
    OFFICIAL_FILES,
    FetchError,
    OfficialFile,
    fetch_official,
    official_path,
)

TOP = "energy_tiny.tfrecord"
HW = "hardware/energy_tiny_gpu.tfrecord"


def _entry(path: str, payload: bytes) -> OfficialFile:
    return OfficialFile(path, len(payload), hashlib.sha256(payload).hexdigest())


PAYLOADS = {TOP: b"top-level table\x00" * 64, HW: b"hardware table\xff" * 50}
FILES = {name: _entry(name, data) for name, data in PAYLOADS.items()}


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    """A mirror laid out like the upstream folder (``hardware/`` kept)."""
    root = tmp_path / "mirror"
    for name, data in PAYLOADS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


@pytest.fixture
def server(mirror: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Serve ``mirror`` on 127.0.0.1 (ephemeral port); yield its base URL."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(mirror))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _leftovers(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []


@pytest.mark.parametrize("name", [TOP, HW])
def test_mirror_by_path(tmp_path: Path, mirror: Path, name: str) -> None:
    out = fetch_official(name, data_dir=tmp_path / "data", source=mirror, files=FILES)
    assert out == tmp_path / "data" / "official" / name
    assert out.read_bytes() == PAYLOADS[name]
    assert _leftovers(tmp_path / "data") == [out]  # no temp files left behind


def test_mirror_by_basename_and_file_url(tmp_path: Path) -> None:
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / Path(HW).name).write_bytes(PAYLOADS[HW])
    out = fetch_official(HW, data_dir=tmp_path / "a", source=str(flat), files=FILES)
    assert out == tmp_path / "a" / "official" / "hardware" / Path(HW).name
    assert out.read_bytes() == PAYLOADS[HW]
    out = fetch_official(HW, data_dir=tmp_path / "b", source=flat.as_uri(), files=FILES)
    assert out.read_bytes() == PAYLOADS[HW]


@pytest.mark.parametrize("bad", [b"X" * len(PAYLOADS[TOP]), b"short"])  # same size / other size
def test_mirror_wrong_bytes(tmp_path: Path, mirror: Path, bad: bytes) -> None:
    (mirror / TOP).write_bytes(bad)
    with pytest.raises(FetchError) as info:
        fetch_official(TOP, data_dir=tmp_path / "data", source=mirror, files=FILES)
    message = str(info.value)
    assert FILES[TOP].sha256 in message
    assert hashlib.sha256(bad).hexdigest() in message
    assert "\n" not in message
    assert not official_path(TOP, data_dir=tmp_path / "data").exists()
    assert _leftovers(tmp_path / "data") == []


def test_mirror_missing_file(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(FetchError, match="not in mirror"):
        fetch_official(TOP, data_dir=tmp_path / "data", source=tmp_path / "empty", files=FILES)


def test_present_and_valid_needs_no_source(tmp_path: Path) -> None:
    target = official_path(TOP, data_dir=tmp_path)
    target.parent.mkdir(parents=True)
    target.write_bytes(PAYLOADS[TOP])
    # An unusable source proves nothing is fetched.
    out = fetch_official(TOP, data_dir=tmp_path, source=tmp_path / "nowhere", files=FILES)
    assert out == target


def test_corrupt_local_file_refetched(tmp_path: Path, mirror: Path) -> None:
    target = official_path(TOP, data_dir=tmp_path / "data")
    target.parent.mkdir(parents=True)
    target.write_bytes(b"corrupt")
    out = fetch_official(TOP, data_dir=tmp_path / "data", source=mirror, files=FILES)
    assert out.read_bytes() == PAYLOADS[TOP]


def test_corrupt_local_file_refetch_fails(tmp_path: Path) -> None:
    target = official_path(TOP, data_dir=tmp_path / "data")
    target.parent.mkdir(parents=True)
    target.write_bytes(b"corrupt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FetchError) as info:
        fetch_official(TOP, data_dir=tmp_path / "data", source=tmp_path / "empty", files=FILES)
    message = str(info.value)
    assert "corrupt" in message and str(target) in message
    assert hashlib.sha256(b"corrupt").hexdigest() in message and FILES[TOP].sha256 in message


@pytest.mark.parametrize("name", [TOP, HW])
def test_http_success(tmp_path: Path, server: str, name: str) -> None:
    out = fetch_official(name, data_dir=tmp_path / "data", source=server, files=FILES)
    assert out == official_path(name, data_dir=tmp_path / "data")
    assert out.read_bytes() == PAYLOADS[name]
    assert _leftovers(tmp_path / "data") == [out]


def test_http_404(tmp_path: Path, server: str) -> None:
    files = {"missing.tfrecord": _entry("missing.tfrecord", b"abc")}
    with pytest.raises(FetchError) as info:
        fetch_official("missing.tfrecord", data_dir=tmp_path / "data", source=server, files=files)
    message = str(info.value)
    target = official_path("missing.tfrecord", data_dir=tmp_path / "data")
    assert "\n" not in message
    assert "HTTP 404" in message and "missing.tfrecord" in message and str(target) in message
    assert files["missing.tfrecord"].sha256 in message and "--source" in message
    assert _leftovers(tmp_path / "data") == []


def test_http_checksum_mismatch(tmp_path: Path, mirror: Path, server: str) -> None:
    (mirror / TOP).write_bytes(b"tampered")
    with pytest.raises(FetchError) as info:
        fetch_official(TOP, data_dir=tmp_path / "data", source=server, files=FILES)
    message = str(info.value)
    assert FILES[TOP].sha256 in message and hashlib.sha256(b"tampered").hexdigest() in message
    assert _leftovers(tmp_path / "data") == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    source = f"http://127.0.0.1:{_closed_port()}/"
    with pytest.raises(FetchError, match="cannot connect") as info:
        fetch_official(TOP, data_dir=tmp_path / "data", source=source, files=FILES)
    assert str(official_path(TOP, data_dir=tmp_path / "data")) in str(info.value)
    assert _leftovers(tmp_path / "data") == []


def test_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setattr(fetch, "TIMEOUT_S", 0.3)
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        source = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        with pytest.raises(FetchError, match="no response"):
            fetch_official(TOP, data_dir=tmp_path / "data", source=source, files=FILES)
    assert _leftovers(tmp_path / "data") == []


def test_bad_source_and_unknown_name(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="neither"):
        fetch_official(TOP, data_dir=tmp_path, source=tmp_path / "nowhere", files=FILES)
    with pytest.raises(ValueError, match=r"valid: .*energy_4V9E_linscale\.tfrecord"):
        fetch_official("nope.tfrecord", data_dir=tmp_path)


def test_official_path() -> None:
    root = Path("/d")
    assert official_path(HW, data_dir=root) == root / "official" / "hardware" / Path(HW).name
    for bad in ("", "/etc/passwd", "../x", "hardware/../../x"):
        with pytest.raises(ValueError):
            official_path(bad, data_dir=root)


def test_data_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECNAS_DATA_DIR", str(tmp_path / "env"))
    assert data_dir(tmp_path / "explicit") == tmp_path / "explicit"
    assert data_dir() == tmp_path / "env"
    monkeypatch.delenv("ECNAS_DATA_DIR")
    assert data_dir() == Path(platformdirs.user_data_dir("ecnas"))


def test_official_table_matches_readme(raw_dir: Path) -> None:
    readme = (raw_dir / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\S+\.tfrecord) \| (\d+) \| ([0-9a-f]{64}) \|$", readme, re.M)
    assert {p: OfficialFile(p, int(s), h) for p, s, h in rows} == OFFICIAL_FILES

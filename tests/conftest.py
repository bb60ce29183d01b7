"""Shared fixtures: the real extracts in ../shared/data and networks built from them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("BAOTONG_SHARED_DATA", ROOT.parent / "shared" / "data"))
#: Built networks are cached here between test runs (keyed by a hash of the source file).
NETWORK_CACHE = ROOT / ".cache" / "test-networks"


def shared_file(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.exists():
        pytest.fail(f"missing real extract {path}; the tests need ../shared/data beside the project")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return SHARED_DATA


def _network(name: str):
    from routing.network import load_or_build

    net, folder = load_or_build(str(shared_file(name)), NETWORK_CACHE)
    return net, folder


@pytest.fixture(scope="session")
def andorra_network():
    return _network("andorra.osm.pbf")[0]


@pytest.fixture(scope="session")
def monaco_network():
    return _network("monaco.osm.pbf")[0]


@pytest.fixture(scope="session")
def andorra_router():
    from routing.router import Router

    net, folder = _network("andorra.osm.pbf")
    return Router(net, engine="cch", cache_dir=folder)


@pytest.fixture(scope="session")
def monaco_router():
    from routing.router import Router

    net, folder = _network("monaco.osm.pbf")
    return Router(net, engine="cch", cache_dir=folder)

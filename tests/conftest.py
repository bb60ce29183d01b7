"""Shared fixtures: the real extracts in ../shared/data and networks built from them."""

from __future__ import annotations

from pathlib import Path  # noqa: F401

import pytest

from tests._data import NETWORK_CACHE, SHARED_DATA, shared_file  # noqa: F401


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

"""Contraction orders: METIS nested dissection by default, its fallbacks, and the cached order."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse import csgraph

from routing import ordering
from routing.engine import CCHEngine, _order_file, build_topology
from routing.ordering import ORDERS, contraction_order, default_order, metis_order, undirected_csr


def _grid(side: int) -> tuple[np.ndarray, np.ndarray, int]:
    """A ``side x side`` grid, every street both ways."""
    ids = np.arange(side * side).reshape(side, side)
    pairs = np.concatenate(
        [np.stack([ids[:, :-1].ravel(), ids[:, 1:].ravel()], 1), np.stack([ids[:-1].ravel(), ids[1:].ravel()], 1)]
    )
    return np.concatenate([pairs[:, 0], pairs[:, 1]]), np.concatenate([pairs[:, 1], pairs[:, 0]]), side * side


def _random_network(seed: int, nodes: int = 300) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A seeded road-like graph: points joined to their nearest neighbours, some streets one-way, some
    parallel arcs and loops; ``(tail, head, weights, lon, lat)``."""
    rng = np.random.default_rng(seed)
    lon = 113.2 + rng.random(nodes) * 0.2
    lat = 35.2 + rng.random(nodes) * 0.2
    d = np.hypot(lon[:, None] - lon[None, :], lat[:, None] - lat[None, :])
    near = np.argsort(d, axis=1)[:, 1:4]
    tail = np.repeat(np.arange(nodes), 3)
    head = near.ravel()
    both = rng.random(tail.size) < 0.8  # the rest are one-way
    tail, head = np.concatenate([tail, head[both]]), np.concatenate([head, tail[both]])
    extra = rng.integers(0, tail.size, 20)
    tail = np.concatenate([tail, tail[extra], [0, 5]])  # parallel arcs, two loops
    head = np.concatenate([head, head[extra], [0, 5]])
    weights = rng.integers(1, 1000, tail.size)
    return tail, head, weights, lon, lat


def _dijkstra(tail, head, weights, node_count: int, sources) -> np.ndarray:
    """scipy's Dijkstra from ``sources``; of parallel arcs the cheapest counts (scipy would add them)."""
    key = tail.astype(np.int64) * node_count + head
    by = np.lexsort((weights, key))
    first = np.ones(by.size, dtype=bool)
    first[1:] = key[by][1:] != key[by][:-1]
    keep = by[first]
    graph = sp.csr_matrix((weights[keep].astype(np.float64), (tail[keep], head[keep])), shape=(node_count,) * 2)
    return csgraph.dijkstra(graph, directed=True, indices=sources)


def _components_without(tail, head, node_count: int, removed: np.ndarray) -> np.ndarray:
    """Sizes of the connected components left when ``removed`` nodes are taken out, largest first."""
    keep = ~np.isin(tail, removed) & ~np.isin(head, removed)
    graph = sp.csr_matrix((np.ones(int(keep.sum())), (tail[keep], head[keep])), shape=(node_count,) * 2)
    _, label = csgraph.connected_components(graph, directed=False)
    alive = np.setdiff1d(np.arange(node_count), removed)
    return np.sort(np.bincount(label[alive]))[::-1]


# ----------------------------------------------------------------------------------
def test_undirected_csr_is_the_simple_symmetric_graph():
    tail = np.array([0, 1, 1, 2, 0, 0, 2, 3, 4, 4])
    head = np.array([1, 0, 2, 1, 2, 2, 3, 0, 5, 4])  # both ways, parallel arcs, a one-way, a loop
    starts, adjacent = undirected_csr(tail, head, 6)
    assert starts.dtype == adjacent.dtype == np.int32
    neighbours = [adjacent[starts[v] : starts[v + 1]].tolist() for v in range(6)]
    assert neighbours == [[1, 2, 3], [0, 2], [0, 1, 3], [0, 2], [5], [4]]


def test_metis_order_is_a_rank_order_with_the_top_separator_last():
    """``perm`` (not ``iperm``) is the rank order: taking out its last nodes splits the grid in two halves."""
    tail, head, n = _grid(40)
    order = metis_order(tail, head, n)
    np.testing.assert_array_equal(np.sort(order), np.arange(n))
    sizes = _components_without(tail, head, n, order[-40:])  # a grid's best separator: one line of 40
    assert sizes.size >= 2 and sizes[1] >= 0.4 * n
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    assert _components_without(tail, head, n, inverse[-40:]).size == 1  # the inverse has no separator there


def test_metis_order_is_seeded():
    tail, head, n = _grid(30)
    np.testing.assert_array_equal(metis_order(tail, head, n), metis_order(tail, head, n))


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("method", ORDERS)
def test_cch_from_each_order_equals_dijkstra_on_random_graphs(seed, method):
    tail, head, weights, lon, lat = _random_network(seed)
    n = lon.size
    order, used = contraction_order(tail, head, n, lon=lon, lat=lat, method=method)
    assert used == method
    np.testing.assert_array_equal(np.sort(order), np.arange(n))
    engine = CCHEngine(tail, head, n, weights, topology=build_topology_from(order, tail, head, n))
    sources = np.random.default_rng(seed).choice(n, 25, replace=False)
    expected = _dijkstra(tail, head, weights, n, sources)
    np.testing.assert_array_equal(engine.matrix(sources.tolist(), list(range(n))), expected)


def test_metis_is_the_default_order():
    tail, head, _weights, lon, lat = _random_network(6)
    assert default_order(has_coordinates=True) == default_order(has_coordinates=False) == "metis"
    topology = build_topology(tail, head, lon.size, lon=lon, lat=lat)
    np.testing.assert_array_equal(topology.order, metis_order(tail, head, lon.size))


def build_topology_from(order: np.ndarray, tail, head, n: int):
    """The topology of ``order`` through the cache path: saved as the cached order, then built from it."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        _order_file(folder).parent.mkdir(parents=True)
        np.save(_order_file(folder), order)
        topology = build_topology(tail, head, n, topology_dir=folder)
    np.testing.assert_array_equal(topology.order, order)
    return topology


def test_cch_with_metis_order_equals_dijkstra_on_monaco(monaco_network, tmp_path):
    net = monaco_network
    lines: list[str] = []
    topology = build_topology(
        net.tail,
        net.head,
        net.node_count,
        lon=net.node_lon,
        lat=net.node_lat,
        topology_dir=tmp_path,
        progress=lines.append,
    )
    assert lines[0].startswith("computing the contraction order (METIS nested dissection)")
    assert lines[1].startswith("building the hierarchy (CCH)") and "from the metis order" in lines[1]
    np.testing.assert_array_equal(np.load(_order_file(tmp_path)), topology.order)
    weights = np.asarray(net.base_weights)
    engine = CCHEngine(net.tail, net.head, net.node_count, weights, topology=topology)
    sources = np.random.default_rng(11).choice(net.node_count, 30, replace=False)
    expected = _dijkstra(net.tail, net.head, weights, net.node_count, sources)
    assert np.isfinite(expected).all()  # the kept network is strongly connected
    np.testing.assert_array_equal(engine.matrix(sources.tolist(), list(range(net.node_count))), expected)
    for i, t in enumerate(np.random.default_rng(12).choice(net.node_count, 20).tolist()):
        s = int(sources[i])
        found = engine.route(s, t)
        assert found is not None and engine.validate_path(found, s, t)
        assert found.cost == expected[i, t]


# ----------------------------------------------------------------------------------
# the order cache
# ----------------------------------------------------------------------------------
def test_an_order_cached_by_another_method_still_loads(tmp_path):
    tail, head, weights, lon, lat = _random_network(7)
    n = lon.size
    inertial, _ = contraction_order(tail, head, n, lon=lon, lat=lat, method="inertial")
    assert inertial.tolist() != metis_order(tail, head, n).tolist()
    _order_file(tmp_path).parent.mkdir(parents=True)
    np.save(_order_file(tmp_path), inertial.astype(np.int32))  # the old cache, any integer type
    lines: list[str] = []
    topology = build_topology(tail, head, n, lon=lon, lat=lat, topology_dir=tmp_path, progress=lines.append)
    np.testing.assert_array_equal(topology.order, inertial)
    assert lines == [f"building the hierarchy (CCH) of {n:,} nodes from the cached order"]


@pytest.mark.parametrize(
    "damage",
    ["garbage bytes", "another network's order", "not a permutation", "floats", "a pickled object"],
)
def test_a_damaged_or_foreign_order_cache_is_rebuilt(tmp_path, damage):
    tail, head, weights, lon, lat = _random_network(8)
    n = lon.size
    target = _order_file(tmp_path)
    target.parent.mkdir(parents=True)
    if damage == "garbage bytes":
        target.write_bytes(b"\x93NUMPY not really an array")
    elif damage == "another network's order":
        np.save(target, np.arange(n + 1))
    elif damage == "not a permutation":
        np.save(target, np.zeros(n, dtype=np.int64))
    elif damage == "floats":
        np.save(target, np.arange(n, dtype=np.float64))
    else:
        np.save(target, np.array([{"order": 1}] * n, dtype=object), allow_pickle=True)
    lines: list[str] = []
    topology = build_topology(tail, head, n, lon=lon, lat=lat, topology_dir=tmp_path, progress=lines.append)
    assert lines[0].startswith("computing the contraction order (METIS")
    np.testing.assert_array_equal(topology.order, metis_order(tail, head, n))
    np.testing.assert_array_equal(np.load(target), topology.order)  # the cache is whole again
    # no partial file left behind: the order and the hierarchy built from it
    assert sorted(p.name for p in target.parent.iterdir()) == ["hierarchy", "order.npy"]
    engine = CCHEngine(tail, head, n, weights, topology=topology)
    np.testing.assert_array_equal(engine.matrix([0, 1], list(range(n))), _dijkstra(tail, head, weights, n, [0, 1]))


# ----------------------------------------------------------------------------------
# fallbacks
# ----------------------------------------------------------------------------------
def test_without_pymetis_the_order_is_inertial_flow_or_degree(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pymetis", None)  # import pymetis raises ImportError
    assert default_order(has_coordinates=True) == "inertial"
    assert default_order(has_coordinates=False) == "degree"
    tail, head, weights, lon, lat = _random_network(9)
    n = lon.size
    with pytest.raises(ImportError):
        contraction_order(tail, head, n, method="metis")
    lines: list[str] = []
    topology = build_topology(tail, head, n, lon=lon, lat=lat, topology_dir=tmp_path, progress=lines.append)
    assert lines[0].startswith("computing the contraction order (inertial flow)")
    np.testing.assert_array_equal(
        topology.order, contraction_order(tail, head, n, lon=lon, lat=lat, method="inertial")[0]
    )
    order, used = contraction_order(tail, head, n)
    assert used == "degree"
    engine = CCHEngine(tail, head, n, weights, topology=build_topology(tail, head, n))
    np.testing.assert_array_equal(engine.matrix([3], list(range(n))), _dijkstra(tail, head, weights, n, [3]))


def test_a_metis_failure_falls_back_to_inertial_flow(monkeypatch, caplog):
    def refuse(*_args):
        raise RuntimeError("METIS_ERROR_MEMORY")

    monkeypatch.setattr(ordering, "metis_order", refuse)
    caplog.set_level(logging.WARNING, logger="routing.ordering")
    tail, head, _weights, lon, lat = _random_network(10)
    n = lon.size
    order, used = contraction_order(tail, head, n, lon=lon, lat=lat)
    assert used == "inertial" and "METIS_ERROR_MEMORY" in caplog.text
    np.testing.assert_array_equal(np.sort(order), np.arange(n))
    with pytest.raises(RuntimeError, match="METIS_ERROR_MEMORY"):  # asked for by name: no silent substitute
        contraction_order(tail, head, n, lon=lon, lat=lat, method="metis")


def test_contraction_order_refuses_unknown_methods():
    tail, head, n = _grid(3)
    with pytest.raises(ValueError, match="'nested'"):
        contraction_order(tail, head, n, method="nested")
    with pytest.raises(ValueError, match="coordinates"):
        contraction_order(tail, head, n, method="inertial")


def test_a_graph_without_edges_still_has_an_order():
    tail, head = np.array([2, 2]), np.array([2, 2])  # loops only
    starts, adjacent = undirected_csr(tail, head, 4)
    assert starts.tolist() == [0, 0, 0, 0, 0] and adjacent.size == 0
    order, used = contraction_order(tail, head, 4)
    assert used == "metis" and sorted(order.tolist()) == [0, 1, 2, 3]

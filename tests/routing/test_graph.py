"""The one connected-component helper, against networkx on tiny graphs and a seeded random one."""

from __future__ import annotations

import networkx as nx
import numpy as np

from routing.graph import component_labels, largest_component


def _partition(labels: np.ndarray) -> set[frozenset[int]]:
    return {frozenset(np.flatnonzero(labels == k).tolist()) for k in np.unique(labels)}


def test_strong_and_weak_components_of_a_tiny_graph():
    #   0 <-> 1 -> 2 <-> 3      4 -> 5 (one way)      6 (no arc)
    tail = np.array([0, 1, 1, 2, 3, 4])
    head = np.array([1, 0, 2, 3, 2, 5])
    strong = component_labels(7, tail, head)
    assert _partition(strong) == {frozenset({0, 1}), frozenset({2, 3}), frozenset({4}), frozenset({5}), frozenset({6})}
    weak = component_labels(7, tail, head, strong=False)
    assert _partition(weak) == {frozenset({0, 1, 2, 3}), frozenset({4, 5}), frozenset({6})}
    # only the usable arcs count: without 1 -> 2 the undirected graph splits there
    usable = np.ones(tail.size, dtype=bool)
    usable[2] = False
    assert _partition(component_labels(7, tail, head, usable, strong=False)) == {
        frozenset({0, 1}),
        frozenset({2, 3}),
        frozenset({4, 5}),
        frozenset({6}),
    }
    assert largest_component(7, tail, head, strong=False).tolist() == [True] * 4 + [False] * 3


def test_components_match_networkx_on_a_random_graph():
    rng = np.random.default_rng(17)
    n, m = 300, 420
    tail, head = rng.integers(0, n, m), rng.integers(0, n, m)
    usable = rng.random(m) < 0.9
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(tail[usable].tolist(), head[usable].tolist()))
    assert _partition(component_labels(n, tail, head, usable)) == {
        frozenset(c) for c in nx.strongly_connected_components(G)
    }
    assert _partition(component_labels(n, tail, head, usable, strong=False)) == {
        frozenset(c) for c in nx.weakly_connected_components(G)
    }
    biggest = max(nx.strongly_connected_components(G), key=len)
    assert set(np.flatnonzero(largest_component(n, tail, head, usable)).tolist()) == biggest

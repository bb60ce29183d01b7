"""routing.kernels.weak_components: the partition scipy finds, on seeded random graphs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from routing import kernels


@pytest.mark.parametrize("seed", range(8))
def test_weak_components_partition_the_nodes_as_scipy_does(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    m = int(rng.integers(0, 3 * n))
    tail, head = rng.integers(0, n, m), rng.integers(0, n, m)
    allowed = rng.random(m) < 0.7
    ours = kernels.weak_components(tail, head, allowed, n)
    graph = coo_matrix((np.ones(int(allowed.sum()), dtype=np.int8), (tail[allowed], head[allowed])), (n, n))
    count, theirs = connected_components(graph.tocsr(), directed=True, connection="weak")
    assert ours.shape == (n,) and ours.dtype == np.int64
    # the same partition: the pairs of labels are a one-to-one map
    assert len(set(zip(ours.tolist(), theirs.tolist()))) == count == len(set(ours.tolist()))
    # numbered 0.. in the order of each component's lowest node
    first = [int(ours[v]) for v in range(n) if ours[v] not in ours[:v]]
    assert first == list(range(count))
    python = kernels.weak_components.py_func(tail, head, allowed, n)
    assert np.array_equal(python, ours)


def test_weak_components_of_no_arcs_are_the_nodes_themselves():
    empty = np.zeros(0, dtype=np.int64)
    assert kernels.weak_components(empty, empty, np.zeros(0, dtype=bool), 4).tolist() == [0, 1, 2, 3]

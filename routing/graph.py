"""Graph structure of a directed network held as ``tail`` / ``head`` arc arrays.

One connected-component helper for the whole package: the network build keeps
the largest strongly connected truck component, docking points and drop points
look for outside roads in the same strong component, and the closure rules
ask whether removing arcs splits the undirected road graph.
"""

from __future__ import annotations

import numpy as np


def component_labels(
    node_count: int, tail: np.ndarray, head: np.ndarray, usable: np.ndarray | None = None, *, strong: bool = True
) -> np.ndarray:
    """The connected component of every node, over the ``usable`` arcs (default: all).

    ``strong=True`` labels strongly connected components of the directed
    graph (every node of a component reaches every other); ``strong=False``
    labels the components of the undirected graph (arc directions ignored).
    Labels are ``0 .. k - 1`` per node; a node without usable arcs is a
    component of its own.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    tail = np.asarray(tail, dtype=np.int64)
    head = np.asarray(head, dtype=np.int64)
    if usable is not None:
        usable = np.asarray(usable, dtype=bool)
        tail, head = tail[usable], head[usable]
    mat = coo_matrix((np.ones(tail.size, dtype=np.int8), (tail, head)), shape=(node_count, node_count)).tocsr()
    if strong:
        return connected_components(mat, directed=True, connection="strong")[1]
    return connected_components(mat, directed=False)[1]


def largest_component(
    node_count: int, tail: np.ndarray, head: np.ndarray, usable: np.ndarray | None = None, *, strong: bool = True
) -> np.ndarray:
    """Boolean mask of the nodes in the largest component (see :func:`component_labels`)."""
    labels = component_labels(node_count, tail, head, usable, strong=strong)
    return labels == np.bincount(labels).argmax()

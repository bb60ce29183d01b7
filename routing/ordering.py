"""Contraction orders for the CCH: which node a customizable contraction hierarchy contracts first.

A CCH's size, and so the time of its construction, of every customisation and of
every query, depends on its order: a nested dissection, whose separators are
contracted last, keeps the hierarchy small.  The order used by
:func:`routing.engine.build_topology` is, in this preference:

* ``metis`` -- METIS's multilevel nested dissection (``pymetis``) of the network's
  undirected graph.  On the perturbed-grid province it builds the order and the
  hierarchy several times faster than inertial flow, with a smaller hierarchy (see
  the README, "Province scale").
* ``inertial`` -- RoutingKit's inertial flow on the nodes' coordinates (``routingkit-cch``),
  when ``pymetis`` is not installed.
* ``degree`` -- RoutingKit's order by degree, without coordinates (small graphs only).

Every order is a *rank order*: ``order[i]`` is the node contracted ``i``-th, the
separators of the top level last -- what ``routing._cch.CCH`` takes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

logger = logging.getLogger(__name__)

#: The orders :func:`contraction_order` can compute, best first.
ORDERS = ("metis", "inertial", "degree")
#: METIS's seed: the same network gives the same order.
METIS_SEED = 20221002


def undirected_csr(tail: np.ndarray, head: np.ndarray, node_count: int) -> tuple[np.ndarray, np.ndarray]:
    """The symmetric simple graph of the arcs (no loops, no parallel edges) as CSR ``(starts, adjacent)``.

    ``adjacent[starts[v]:starts[v + 1]]`` are the neighbours of node ``v``, sorted, each once;
    both arrays are ``int32`` (what METIS takes).
    """
    t = np.asarray(tail, dtype=np.int64)
    h = np.asarray(head, dtype=np.int64)
    keep = t != h
    lo = np.minimum(t, h)[keep]
    hi = np.maximum(t, h)[keep]
    key = np.sort(lo * node_count + hi)
    first = np.ones(key.size, dtype=bool)
    first[1:] = key[1:] != key[:-1]
    key = key[first]  # each undirected edge once (np.unique, hash-based, is ten times slower here)
    lo, hi = np.divmod(key, node_count)
    both = np.concatenate([key, hi * node_count + lo])  # and each both ways, sorted by (node, neighbour)
    both.sort()
    src, dst = np.divmod(both, node_count)
    starts = np.zeros(node_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=node_count), out=starts[1:])
    return starts.astype(np.int32), dst.astype(np.int32)


def metis_order(tail: np.ndarray, head: np.ndarray, node_count: int) -> np.ndarray:
    """METIS's nested-dissection order of the arcs' undirected graph, as a rank order.

    ``pymetis.nested_dissection`` answers ``(perm, iperm)``; METIS puts the vertex eliminated
    ``i``-th at ``perm[i]`` (the top separator last), which is the rank order the CCH takes.

    Raises
    ------
    ImportError
        If ``pymetis`` is not installed.
    """
    import pymetis

    starts, adjacent = undirected_csr(tail, head, node_count)
    options = pymetis.Options(seed=METIS_SEED)
    perm, _iperm = pymetis.nested_dissection(pymetis.CSRAdjacency(starts, adjacent), options=options)
    return np.asarray(perm, dtype=np.int64)


def inertial_order(tail: np.ndarray, head: np.ndarray, node_count: int, lon, lat) -> np.ndarray:
    """RoutingKit's inertial-flow nested dissection on the nodes' coordinates, as a rank order."""
    import routing._cch as rk

    order = rk.compute_order_inertial(
        node_count,
        np.asarray(tail).tolist(),
        np.asarray(head).tolist(),
        np.asarray(lat, dtype=np.float64).tolist(),
        np.asarray(lon, dtype=np.float64).tolist(),
    )
    return np.asarray(order, dtype=np.int64)


def degree_order(tail: np.ndarray, head: np.ndarray, node_count: int) -> np.ndarray:
    """RoutingKit's order by degree, as a rank order (no coordinates needed; for small graphs)."""
    import routing._cch as rk

    order = rk.compute_order_degree(node_count, np.asarray(tail).tolist(), np.asarray(head).tolist())
    return np.asarray(order, dtype=np.int64)


def _metis_available() -> bool:
    try:
        import pymetis  # noqa: F401
    except ImportError:
        return False
    return True


def default_order(*, has_coordinates: bool) -> str:
    """The order :func:`contraction_order` uses when none is named: the first of :data:`ORDERS` available."""
    if _metis_available():
        return "metis"
    return "inertial" if has_coordinates else "degree"


def contraction_order(
    tail: np.ndarray,
    head: np.ndarray,
    node_count: int,
    *,
    lon=None,
    lat=None,
    method: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[np.ndarray, str]:
    """A rank order for the CCH of the network ``(tail, head)`` and the name of the method that made it.

    ``method`` is one of :data:`ORDERS` (default :func:`default_order`).  ``progress`` gets one line
    before the computation.

    Raises
    ------
    ValueError
        If ``method`` is not one of :data:`ORDERS`, or is ``"inertial"`` without ``lon`` and ``lat``.
    ImportError
        If ``method`` is ``"metis"`` and ``pymetis`` is not installed.

    Without ``method``, a METIS failure is logged and the next order of :data:`ORDERS` used.
    """
    has_coordinates = lon is not None and lat is not None
    chosen = method is None
    if method is None:
        method = default_order(has_coordinates=has_coordinates)
    if method not in ORDERS:
        raise ValueError(f"`method` was {method!r}; expected one of {list(ORDERS)}")
    if method == "inertial" and not has_coordinates:
        raise ValueError("`method` was 'inertial' but the nodes have no coordinates (`lon`, `lat`)")
    if progress is not None:
        label = {"metis": "METIS nested dissection", "inertial": "inertial flow", "degree": "degree"}[method]
        progress(f"computing the contraction order ({label}) of {node_count:,} nodes, {np.size(tail):,} arcs")
    if node_count == 0:
        return np.zeros(0, dtype=np.int64), method
    if method == "metis":
        try:
            return metis_order(tail, head, node_count), method
        except Exception as err:  # METIS refused (out of memory, a graph it rejects): the next best order
            if not chosen:
                raise
            fallback = "inertial" if has_coordinates else "degree"
            logger.warning("METIS nested dissection failed (%s); using the %s order", err, fallback)
            return contraction_order(tail, head, node_count, lon=lon, lat=lat, method=fallback, progress=progress)
    if method == "inertial":
        order = inertial_order(tail, head, node_count, lon, lat)
    else:
        order = degree_order(tail, head, node_count)
    return order, method

"""Shortest-path engines behind one interface.

* :class:`CCHEngine` -- a customizable contraction hierarchy (RoutingKit via
  ``routingkit-cch``): the fast default.
* :class:`ScipyEngine` -- ``scipy.sparse.csgraph`` Dijkstra: the fallback.
* :class:`NetworkxEngine` -- plain networkx (bidirectional) Dijkstra: the
  reference that tests and benchmarks compare against.

All engines take integer arc weights (see ``routing.network.WEIGHT_UNIT_S``)
and answer exactly the same costs.  A weight of :data:`FORBIDDEN` removes an
arc.  :meth:`Engine.route_multi` and :meth:`Engine.distance_multi` take several
sources and targets with initial costs (a point snapped part-way along an arc
leaves and arrives by either end): one CCH query answers them, the other
engines are the reference semantics.  Weight changes (:meth:`Engine.update`, :meth:`Engine.forbid`,
:meth:`Engine.penalise`, :meth:`Engine.restore`) take effect on the next query
without rebuilding the topology.

The CCH wrapper guards against the binding's known defects: every node id,
initial cost and weight is validated before it reaches native code; a metric that queries
are using is never mutated -- a change is made on a copy of the live metric
(or a new metric), which is then swapped in atomically, the old one freed when
its last query ends, so an engine holds one metric, two only while a change is
made; and more than :data:`FULL_CUSTOMIZE_ABOVE` changed arcs trigger a full re-customisation,
which is faster than a partial update at that size -- unless the changed arcs
are spatially compact (a zone, a closure area: at most
:data:`PARTIAL_MAX_FRACTION` of the arcs, inside at most
:data:`COMPACT_CELL_FRACTION` of a grid laid over the network).  A partial
update's cost grows with the part of the hierarchy the changes touch: on a
250,000-node graph a 9,000-arc disk updates in ~0.45 s against ~1.5 s for a
full customisation, while 9,000 scattered arcs would take ~9 s.
"""

from __future__ import annotations

import logging
import math
import operator
import os
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from geo.errors import InvalidInputError
from routing import _cch as rk
from routing.cch_cache import MetricStore, digest_arrays, load_hierarchy, save_hierarchy, weights_digest

logger = logging.getLogger(__name__)

#: The weight of a forbidden arc (RoutingKit's infinity).
FORBIDDEN = 2_147_483_647
#: The largest weight of a usable arc; keeps every path cost below ``FORBIDDEN``.
MAX_ARC_WEIGHT = 1 << 24
#: Above this many changed arcs a full re-customisation beats partial updates
#: (unless the changes are compact, see :data:`COMPACT_CELL_FRACTION`).
FULL_CUSTOMIZE_ABOVE = 1000
#: Compact changes of at most this fraction of the arcs still use a partial update.
PARTIAL_MAX_FRACTION = 0.03
#: Changes are compact when their arcs fall in at most this fraction of a
#: ``COMPACT_GRID x COMPACT_GRID`` grid over the network's bbox.
COMPACT_CELL_FRACTION = 0.04
COMPACT_GRID = 64

ENGINES = ("cch", "scipy", "networkx")


@dataclass(frozen=True)
class PathResult:
    """A shortest path: integer ``cost``, its ``nodes`` and ``arcs`` (arc ids)."""

    cost: int
    nodes: list[int]
    arcs: list[int]


def check_weights(weights, arc_count: int) -> np.ndarray:
    """Validate a full weight vector and return it as ``int64``.

    Raises
    ------
    InvalidInputError
        If the vector has the wrong length, is not integral, or holds a value
        outside ``1..MAX_ARC_WEIGHT`` other than ``FORBIDDEN``.
    """
    w = np.asarray(weights)
    if w.shape != (arc_count,):
        raise InvalidInputError(
            f"weights have shape {w.shape}; expected ({arc_count},), one per arc",
            zh=f"权重数组的形状为 {w.shape}；应为 ({arc_count},)，每个路段一个",
        )
    if w.dtype.kind == "f":
        if not np.all(np.isfinite(w)) or not np.all(w == np.rint(w)):
            raise InvalidInputError(
                "weights must be integers (deciseconds); got non-integral floats",
                zh="权重必须是整数（单位 0.1 秒）；实际含有非整数的浮点数",
            )
    elif w.dtype.kind not in "iu":
        raise InvalidInputError(
            f"weights must be integers; got dtype {w.dtype}", zh=f"权重必须是整数；实际数据类型为 {w.dtype}"
        )
    # a read-only int64 vector is taken as it is (nobody writes it: an engine may keep it, and share it
    # with the weight sets it came from, instead of a copy as long as the network); anything else is copied
    if not (w.dtype == np.int64 and w.flags.c_contiguous and _frozen(w)):
        w = w.astype(np.int64)
    bad = ((w < 1) | (w > MAX_ARC_WEIGHT)) & (w != FORBIDDEN)
    if bad.any():
        i = int(np.nonzero(bad)[0][0])
        raise InvalidInputError(
            f"weight of arc {i} was {int(w[i])}; expected 1..{MAX_ARC_WEIGHT} or FORBIDDEN ({FORBIDDEN})",
            zh=f"路段 {i} 的权重为 {int(w[i])}；应为 1..{MAX_ARC_WEIGHT} 或 FORBIDDEN（{FORBIDDEN}）",
        )
    return w


def _frozen(a: np.ndarray) -> bool:
    """Whether nobody can write ``a``'s values: it and every array it views are read-only, down to one
    that owns its memory."""
    while True:
        if a.flags.writeable:
            return False
        base = a.base
        if base is None:
            return True
        if not isinstance(base, np.ndarray):
            return False
        a = base


def _check_arcs(arcs, arc_count: int) -> np.ndarray:
    a = np.asarray(arcs, dtype=np.int64).reshape(-1)
    if a.size and (a.min() < 0 or a.max() >= arc_count):
        bad = int(a[(a < 0) | (a >= arc_count)][0])
        raise InvalidInputError(
            f"arc id {bad} is out of range 0..{arc_count - 1}", zh=f"路段 id {bad} 超出范围 0..{arc_count - 1}"
        )
    return a


class Engine(ABC):
    """One weight vector (a *metric*) over a fixed network topology."""

    name: str = "engine"

    def __init__(self, tail: np.ndarray, head: np.ndarray, node_count: int, weights: np.ndarray):
        self.tail = np.asarray(tail, dtype=np.int64)
        self.head = np.asarray(head, dtype=np.int64)
        self.node_count = int(node_count)
        if self.tail.shape != self.head.shape:
            raise InvalidInputError("tail and head arrays differ in length", zh="起点数组与终点数组长度不同")
        if self.tail.size and (
            min(self.tail.min(), self.head.min()) < 0 or max(self.tail.max(), self.head.max()) >= node_count
        ):
            raise InvalidInputError(
                f"arc end points must be node ids in 0..{node_count - 1}",
                zh=f"路段端点必须是 0..{node_count - 1} 之间的节点 id",
            )
        self.arc_count = int(self.tail.shape[0])
        self._base = check_weights(weights, self.arc_count)
        self._lock = threading.RLock()

    # -- weights -------------------------------------------------------------------
    @property
    def base_weights(self) -> np.ndarray:
        return self._base

    @property
    @abstractmethod
    def weights(self) -> np.ndarray:
        """The live weight vector (a read-only view)."""

    @abstractmethod
    def _apply(self, new_weights: np.ndarray) -> None:
        """Make ``new_weights`` (already validated) live."""

    def set_weights(self, weights) -> None:
        """Replace every arc weight."""
        w = check_weights(weights, self.arc_count)
        with self._lock:
            self._apply(w)

    def update(self, arcs, weights) -> None:
        """Set the weights of some arcs (others unchanged)."""
        a = _check_arcs(arcs, self.arc_count)
        try:
            w = np.broadcast_to(np.asarray(weights), a.shape)
        except ValueError as err:
            raise InvalidInputError(
                f"{np.size(weights)} weights given for {a.size} arcs",
                zh=f"给出了 {np.size(weights)} 个权重，而路段有 {a.size} 个",
            ) from err
        # validate before casting: assigning 2.5 or nan into an integer copy would truncate or wrap silently
        w = check_weights(np.ascontiguousarray(w), a.size)
        with self._lock:
            new = self.weights.copy()
            new[a] = w
            self._apply(check_weights(new, self.arc_count))

    def forbid(self, arcs) -> None:
        """Remove arcs from routing until :meth:`restore`."""
        self.update(arcs, FORBIDDEN)

    def penalise(self, arcs, factor: float) -> None:
        """Multiply the base weight of arcs by ``factor`` (>= 1)."""
        if not np.isfinite(factor) or factor < 1:
            raise InvalidInputError(
                f"`factor` was {factor!r}; expected a finite number >= 1",
                zh=f"`factor` 为 {factor!r}；应为不小于 1 的有限数",
            )
        a = _check_arcs(arcs, self.arc_count)
        self.update(a, np.minimum(np.rint(self._base[a] * factor), MAX_ARC_WEIGHT).astype(np.int64))

    def restore(self, arcs=None) -> None:
        """Put arcs (default: all) back to their base weights."""
        if arcs is None:
            self.set_weights(self._base)
            return
        a = _check_arcs(arcs, self.arc_count)
        self.update(a, self._base[a])

    # -- queries -------------------------------------------------------------------
    def _check_node(self, node: int, what: str = "node") -> int:
        try:
            n = operator.index(node)  # ints and numpy integers
        except TypeError:
            # an integral float (1.0) is accepted; 1.5, "3", None and the like are not
            if not (isinstance(node, float | np.floating) and np.isfinite(node) and float(node).is_integer()):
                raise InvalidInputError(
                    f"{what} id {node!r} is not an integer", zh=f"{what} id {node!r} 不是整数"
                ) from None
            n = int(node)
        if not 0 <= n < self.node_count:
            raise InvalidInputError(
                f"{what} id {n} is out of range 0..{self.node_count - 1}",
                zh=f"{what} id {n} 超出范围 0..{self.node_count - 1}",
            )
        return n

    @abstractmethod
    def route(self, source: int, target: int) -> PathResult | None:
        """The shortest path from ``source`` to ``target``, or ``None`` if unreachable."""

    def distance(self, source: int, target: int) -> int | None:
        """The shortest-path cost, or ``None`` if unreachable."""
        found = self.route(source, target)
        return None if found is None else found.cost

    @abstractmethod
    def matrix(self, sources: Sequence[int] | np.ndarray, targets: Sequence[int] | np.ndarray) -> np.ndarray:
        """``float64`` costs ``[len(sources), len(targets)]``; ``inf`` where unreachable."""

    def _check_ends(self, ends, what: str) -> list[tuple[int, float]]:
        """``(node, initial_cost)`` pairs checked: node ids in range, costs finite and >= 0."""
        out = []
        for k, item in enumerate(ends):
            try:
                node, cost = item
            except (TypeError, ValueError):
                raise InvalidInputError(
                    f"{what}s[{k}] was {item!r}; expected a (node, initial_cost) pair",
                    zh=f"{what}s[{k}] 为 {item!r}；应为 (节点, 初始代价) 数对",
                ) from None
            n = self._check_node(node, what)
            try:
                c = float(cost)
            except (TypeError, ValueError):
                c = float("nan")
            if not (math.isfinite(c) and c >= 0):
                raise InvalidInputError(
                    f"initial cost of {what} {n} was {cost!r}; expected a finite number >= 0",
                    zh=f"{what} {n} 的初始代价为 {cost!r}；应为不小于 0 的有限数",
                )
            out.append((n, c))
        return out

    def distance_multi(
        self, sources: Sequence[tuple[int, float]], targets: Sequence[tuple[int, float]]
    ) -> tuple[float, int, int] | None:
        """The least ``initial_cost(s) + cost(s, t) + initial_cost(t)`` over ``(node, initial_cost)`` sources
        and targets, and the ``(s, t)`` nodes that achieve it (the first such pair, sources then targets
        in the given order), or ``None`` if no pair is connected.  No path is unpacked.

        Raises
        ------
        InvalidInputError
            For a node id out of range or an initial cost that is negative or not finite.
        """
        src, dst = self._check_ends(sources, "source"), self._check_ends(targets, "target")
        if not src or not dst:
            return None
        costs = self.matrix([s for s, _ in src], [t for t, _ in dst]).tolist()
        best = None
        for (s, s0), row in zip(src, costs):
            for (t, t0), c in zip(dst, row):
                if c != math.inf and (best is None or s0 + c + t0 < best[0]):
                    best = (s0 + c + t0, s, t)
        return best

    def route_multi(
        self, sources: Sequence[tuple[int, float]], targets: Sequence[tuple[int, float]]
    ) -> tuple[float, PathResult] | None:
        """Best path over several ``(node, initial_cost)`` sources and targets.

        Returns ``(total, path)`` where ``total`` adds the initial costs (the
        least over every source and target pair, as :meth:`distance_multi`), or
        ``None`` if no pair is connected.  Used for points snapped mid-arc.

        Raises
        ------
        InvalidInputError
            For a node id out of range or an initial cost that is negative or not finite.
        """
        found = self.distance_multi(sources, targets)
        if found is None:
            return None
        total, s, t = found
        path = self.route(s, t)
        return None if path is None else (total, path)

    def route_multi_nodes(
        self, sources: Sequence[tuple[int, float]], targets: Sequence[tuple[int, float]]
    ) -> tuple[float, int, int, int, np.ndarray] | None:
        """:meth:`route_multi` as ``(total, path cost, source node, target node, arc ids as int64)``:
        no node list (the nodes are the source and the arcs' heads)."""
        found = self.route_multi(sources, targets)
        if found is None:
            return None
        total, path = found
        return total, int(path.cost), path.nodes[0], path.nodes[-1], np.asarray(path.arcs, dtype=np.int64)

    def cost_multi_nodes(
        self, sources: Sequence[tuple[int, float]], targets: Sequence[tuple[int, float]]
    ) -> tuple[float, int, int, int] | None:
        """:meth:`route_multi_nodes` without the path: ``(total, path cost, source node, target node)`` of the
        same route (the same query, the same ends), for callers that need the path only sometimes."""
        found = self.route_multi_nodes(sources, targets)
        return None if found is None else found[:4]

    def validate_path(self, path: PathResult, source: int, target: int) -> bool:
        """True if ``path`` starts and ends as asked, its arcs chain and their weights sum to its cost."""
        if not path.nodes or path.nodes[0] != source or path.nodes[-1] != target:
            return False
        if len(path.arcs) != len(path.nodes) - 1:
            return False
        w = self.weights
        total = 0
        for i, a in enumerate(path.arcs):
            if self.tail[a] != path.nodes[i] or self.head[a] != path.nodes[i + 1] or w[a] == FORBIDDEN:
                return False
            total += int(w[a])
        return total == path.cost


# ----------------------------------------------------------------------------------
class _Native:
    """One metric of :mod:`routing._cch` (Baotong's binding of RoutingKit's CCH, routing/native/cch.cpp):
    every call into the binding, in one place.

    The binding takes numpy arrays and releases Python's lock in every long native call (a full
    customisation, a partial update, a query).  No query object may be bound to the metric while it
    is updated (the binding refuses): queries come from the hierarchy's :class:`QueryPool` and go back
    to it, unbound, before the call returns.  A metric is only read once made, so queries on it need
    no lock (each has its own query object).
    """

    __slots__ = ("cch", "metric", "queries", "store")

    def __init__(self, topology: CCHTopology, weights: np.ndarray):
        self.cch = topology.cch
        self.store = topology.metrics
        self.queries = topology.queries
        self.metric = self._customised(weights)

    def _customised(self, weights: np.ndarray):
        """A metric of ``weights``: from the saved customisation of the same weights when there is one
        (a copy of two vectors), else customised (and saved when these weights are kept)."""
        digest = weights_digest(weights)
        saved = self.store.get(digest)
        if saved is not None:
            return rk.CCHMetric.from_customized(self.cch, weights, saved[0], saved[1])
        metric = rk.CCHMetric(self.cch, weights)
        self.store.put(digest, metric)
        return metric

    def take_query(self) -> rk.CCHQuery:
        """A query object on this metric, from the hierarchy's :class:`QueryPool` (use it on this thread
        only, drop its results, then :meth:`give_query` it back)."""
        return self.queries.take(self.metric)

    def give_query(self, query: rk.CCHQuery) -> None:
        """Hand a query from :meth:`take_query` back to the pool (it lets the metric go)."""
        self.queries.give(query)

    def copy(self) -> _Native:
        """An independent copy of this metric (its vectors copied; Python's lock released)."""
        other = object.__new__(_Native)
        other.cch, other.store, other.queries = self.cch, self.store, self.queries
        other.metric = self.metric.copy()
        return other

    def update_weights(self, arcs: np.ndarray, weights: np.ndarray) -> None:
        """Partial update: new weights for some arcs, the rest of the metric kept."""
        updater = rk.CCHMetricPartialUpdater(self.cch)
        updater.apply_arrays(self.metric, arcs, weights)  # Python's lock released while it runs
        del updater


class _Metric:
    """A CCH metric and its weights, never changed once made (a change makes a new one), so engines whose
    weights are equal share one (:meth:`CCHTopology.live_metric`) and queries on it need no lock.

    It takes ``weights`` as its own (made read-only, not copied: a province's vector is tens of
    megabytes): the engine only hands it vectors nobody else writes (its base weights, a read-only
    vector :func:`check_weights` took as it is, and each change's new vector, itself a copy).
    """

    __slots__ = ("weights", "native", "__weakref__")

    def __init__(self, topology: CCHTopology | None, weights: np.ndarray, native: _Native | None = None):
        self.weights = weights
        self.weights.flags.writeable = False
        if native is None:
            assert topology is not None
            native = _Native(topology, self.weights)
        self.native = native

    def updated(self, changed: np.ndarray, target: np.ndarray) -> _Metric:
        """A new metric: this one's copy with the weights of the ``changed`` arcs set from ``target``
        (a partial update of the copy; this metric is only read, so its queries go on)."""
        native = self.native.copy()
        native.update_weights(changed, target[changed])
        return _Metric(None, target, native)


class QueryPool:
    """Query objects of one hierarchy, kept for reuse across its metrics.

    A query's vectors are as long as the network (about 16 bytes a node: 50 MB at 3 M nodes), so a
    new one costs in proportion to the network (milliseconds at province scale) while the search
    itself touches only its ends' elimination-tree paths.  A kept query is unbound (it holds no
    metric alive and does not block a metric's update) and is bound again, a reset of what its last
    search touched, when taken.  At most ``keep`` are kept: as many as threads query at once.
    """

    __slots__ = ("_free", "keep")

    def __init__(self, keep: int = 4):
        self._free: list[rk.CCHQuery] = []
        self.keep = keep

    def take(self, metric: rk.CCHMetric) -> rk.CCHQuery:
        """A query bound to ``metric``: a kept one when there is one, else a new one."""
        try:
            query = self._free.pop()  # one step under Python's lock: no two threads get the same query
        except IndexError:
            return rk.CCHQuery(metric)
        query.bind(metric)
        return query

    def give(self, query: rk.CCHQuery) -> None:
        """Unbind ``query`` and keep it, up to ``keep``."""
        query.unbind()
        if len(self._free) < self.keep:
            self._free.append(query)

    def __len__(self) -> int:
        return len(self._free)


@dataclass(frozen=True)
class CCHTopology:
    """A contraction hierarchy shared by every metric over one network: the binding's ``CCH``,
    the nested-dissection ``order`` it was built from, the customised metrics saved for it
    (:class:`routing.cch_cache.MetricStore`) and the query objects kept for reuse (:class:`QueryPool`)."""

    cch: rk.CCH
    order: np.ndarray
    node_count: int
    arc_count: int
    metrics: MetricStore
    queries: QueryPool = field(default_factory=QueryPool, compare=False)
    # the metrics in use by some engine, by the digest of their weights (weakly: a metric no engine and no
    # query holds is freed as before)
    live: weakref.WeakValueDictionary = field(default_factory=weakref.WeakValueDictionary, compare=False)

    def live_metric(self, weights: np.ndarray) -> tuple[str, _Metric | None]:
        """The digest of ``weights`` and the metric of equal weights some engine uses, if any (a province's
        metric is hundreds of megabytes: engines of equal weights -- the free and the truck weights of a
        truck, a slot back at the weights of another -- share one)."""
        digest = weights_digest(weights)
        metric = self.live.get(digest)
        if metric is not None and not np.array_equal(metric.weights, weights):
            metric = None  # equal as uint32 only (never for valid weights; checked all the same)
        return digest, metric

    def register(self, digest: str, metric: _Metric) -> _Metric:
        """Offer ``metric`` (of weights of ``digest``) for sharing; the one registered first is kept."""
        return self.live.setdefault(digest, metric)


def _order_file(topology_dir: Path | str) -> Path:
    return Path(topology_dir) / "cch" / "order.npy"


def _cached_order(topology_dir: Path | str | None, node_count: int) -> np.ndarray | None:
    """The nested-dissection order saved for this network, or ``None`` (no cache, damaged, not an order)."""
    if topology_dir is None or not _order_file(topology_dir).is_file():
        return None
    try:
        order = np.load(_order_file(topology_dir), allow_pickle=False)
    except Exception as err:  # a damaged cache: rebuild
        logger.warning("CCH order cache unreadable (%s); rebuilding", err)
        return None
    ok = order.shape == (node_count,) and order.dtype.kind in "iu"
    if ok and node_count:
        ok = bool(
            order.min() >= 0 and order.max() < node_count and (np.bincount(order, minlength=node_count) == 1).all()
        )
    if not ok:
        logger.warning("CCH order cache does not order this network's %s nodes; rebuilding", f"{node_count:,}")
        return None
    return order.astype(np.int64)


def _save_order(topology_dir: Path | str, order: np.ndarray) -> None:
    """Write the order next to the network's cache, atomically (a reader never sees half a file)."""
    target = _order_file(topology_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.stem}.{os.getpid()}.partial.npy")
    np.save(partial, order)
    os.replace(partial, target)


def build_topology(
    tail: np.ndarray,
    head: np.ndarray,
    node_count: int,
    *,
    lon=None,
    lat=None,
    topology_dir: Path | str | None = None,
    progress: Callable[[str], None] | None = None,
) -> CCHTopology:
    """The hierarchy of a network: its order read from ``topology_dir`` when cached there (any valid
    order, whichever method made it), else computed by :func:`routing.ordering.contraction_order`
    (METIS nested dissection; inertial flow on the coordinates without ``pymetis``; by degree without
    either) and saved there.  ``progress`` gets a line before each long step."""
    from routing.ordering import contraction_order

    started = time.perf_counter()
    order = _cached_order(topology_dir, node_count)
    method = "cached"
    if order is None:
        order, method = contraction_order(tail, head, node_count, lon=lon, lat=lat, progress=progress)
        if topology_dir is not None:
            _save_order(topology_dir, order)
    ordered = time.perf_counter()
    key = digest_arrays(np.asarray(tail, dtype=np.uint32), np.asarray(head, dtype=np.uint32), order.astype(np.uint32))
    cch = load_hierarchy(topology_dir, key) if topology_dir is not None else None
    how = "read"
    if cch is not None and progress is not None:
        progress(f"read the hierarchy (CCH) of {node_count:,} nodes from the {method} order, saved with the network")
    if cch is None:
        how = "built"
        if progress is not None:
            progress(f"building the hierarchy (CCH) of {node_count:,} nodes from the {method} order")
        cch = rk.CCH(order, tail, head, False)
        if topology_dir is not None:
            save_hierarchy(topology_dir, cch, key)
    logger.info(
        "%s CCH: %s nodes, %s arcs in %.2f s (%s order %.2f s, hierarchy %.2f s)",
        how,
        f"{node_count:,}",
        f"{tail.size:,}",
        time.perf_counter() - started,
        method,
        ordered - started,
        time.perf_counter() - ordered,
    )
    return CCHTopology(cch, order, node_count, int(tail.size), MetricStore(topology_dir, key))


def prepare_metric(topology: CCHTopology, weights) -> bool:
    """Customise the metric of ``weights`` on ``topology`` and save it with the hierarchy (unless it is
    saved already), for the starts to come; returns whether it had to be customised."""
    w = check_weights(weights, topology.arc_count)
    digest = topology.metrics.keep(w)
    if topology.metrics.get(digest) is not None:
        return False
    _Native(topology, w)
    return True


class CCHEngine(Engine):
    """Customizable contraction hierarchy (RoutingKit through ``routingkit-cch``)."""

    name = "cch"

    def __init__(
        self,
        tail,
        head,
        node_count,
        weights,
        *,
        lon=None,
        lat=None,
        topology: CCHTopology | None = None,
        topology_dir: Path | str | None = None,
    ):
        super().__init__(tail, head, node_count, weights)
        if topology is None or topology.node_count != self.node_count or topology.arc_count != self.arc_count:
            topology = build_topology(
                self.tail, self.head, self.node_count, lon=lon, lat=lat, topology_dir=topology_dir
            )
            topology.metrics.keep(self._base)  # the network's own weights: every start needs their metric
        self.topology = topology
        self._cells = self._grid_cells(lon, lat)
        digest, shared = topology.live_metric(self._base)
        self._live = shared if shared is not None else topology.register(digest, _Metric(topology, self._base))

    @property
    def weights(self) -> np.ndarray:
        w = self._live.weights.view()
        w.flags.writeable = False
        return w

    def fork(self, weights=None) -> CCHEngine:
        """A new engine on the same topology with its own weights (default: the base)."""
        w = self._base if weights is None else weights
        engine = CCHEngine(self.tail, self.head, self.node_count, w, topology=self.topology)
        engine._cells = self._cells
        return engine

    def _grid_cells(self, lon, lat) -> np.ndarray | None:
        """The grid cell of every arc's tail (see :data:`COMPACT_GRID`), or ``None`` without coordinates."""
        if lon is None or lat is None or self.arc_count == 0:
            return None
        lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        if (
            lon.shape != (self.node_count,)
            or lat.shape != (self.node_count,)
            or not (np.isfinite(lon).all() and np.isfinite(lat).all())
        ):
            return None
        cells = []
        for v in (lon, lat):
            lo, span = v.min(), np.ptp(v)
            if span <= 0:
                return None
            cells.append(np.minimum(((v - lo) / span * COMPACT_GRID).astype(np.int64), COMPACT_GRID - 1))
        return (cells[1] * COMPACT_GRID + cells[0])[self.tail]

    def _is_compact(self, changed: np.ndarray) -> bool:
        if self._cells is None:
            return False
        occupied = np.unique(self._cells[changed]).size
        return occupied <= COMPACT_CELL_FRACTION * COMPACT_GRID * COMPACT_GRID

    def _apply(self, new_weights: np.ndarray) -> None:
        """Make ``new_weights`` live: a partial update of a copy of the live metric when few arcs change
        (or many, spatially compact), else a metric of the new weights (saved or customised); then the
        reference swap.  Queries on the old metric finish on it; it is freed with the last of them.  So
        an engine holds one metric, two only while a change is being made."""
        live = self._live
        changed = np.nonzero(live.weights != new_weights)[0]
        if changed.size == 0:
            return
        digest, shared = self.topology.live_metric(new_weights)
        if shared is not None:  # another engine has these weights live: share its metric
            self._live = shared
            return
        full = changed.size > FULL_CUSTOMIZE_ABOVE and not (
            changed.size <= PARTIAL_MAX_FRACTION * new_weights.size and self._is_compact(changed)
        )
        metric = _Metric(self.topology, new_weights) if full else live.updated(changed, new_weights)
        self._live = self.topology.register(digest, metric)  # atomic swap of references

    def keep_metric(self, weights) -> None:
        """Save the metric of ``weights`` with the hierarchy when it is customised (weights every start
        needs, such as the truck weights), so later starts take it instead of customising."""
        self.topology.metrics.keep(check_weights(weights, self.arc_count))

    def _path(self, cost: int, source: int, arcs: list[int]) -> PathResult:
        """The path of ``arcs`` from ``source``: its nodes are the arcs' heads (the binding's node path
        would be unpacked a second time)."""
        if not arcs:
            return PathResult(int(cost), [source], arcs)
        nodes = self.head[np.fromiter(arcs, dtype=np.int64, count=len(arcs))].tolist()
        nodes.insert(0, source)
        return PathResult(int(cost), nodes, arcs)

    def route(self, source: int, target: int) -> PathResult | None:
        s, t = self._check_node(source, "source"), self._check_node(target, "target")
        metric = self._live
        query = metric.native.take_query()
        try:
            result = query.run(s, t)
            cost = result.distance
            arcs = result.arc_path if cost is not None else None
            del result
        finally:
            metric.native.give_query(query)
        if cost is None or cost >= FORBIDDEN:
            return None
        assert arcs is not None  # a reachable target has a path
        return self._path(cost, s, arcs)

    def distance(self, source: int, target: int) -> int | None:
        s, t = self._check_node(source, "source"), self._check_node(target, "target")
        metric = self._live
        query = metric.native.take_query()
        try:
            result = query.run(s, t)
            cost = result.distance
            del result
        finally:
            metric.native.give_query(query)
        return None if cost is None or cost >= FORBIDDEN else int(cost)

    def distance_multi(self, sources, targets) -> tuple[float, int, int] | None:
        """As :meth:`Engine.distance_multi`: the targets pinned and one sweep per source (distances only,
        no path unpacked), on a query from the hierarchy's pool."""
        src, dst = self._check_ends(sources, "source"), self._check_ends(targets, "target")
        if not src or not dst:
            return None
        metric = self._live
        query = metric.native.take_query()
        try:
            rows = query.matrix([s for s, _ in src], [t for t, _ in dst]).tolist()
        finally:
            metric.native.give_query(query)
        best = None
        for (s, s0), row in zip(src, rows):
            for (t, t0), cost in zip(dst, row):
                if cost < FORBIDDEN and (best is None or s0 + cost + t0 < best[0]):
                    best = (s0 + cost + t0, s, t)
        return best

    def route_multi(self, sources, targets) -> tuple[float, PathResult] | None:
        """One CCH query from every source to every target with initial distances, exact for fractional
        initial costs: the binding's ``CCHQuery.route_exact`` keeps, per node of the search, the integer
        distance from its best end and which end that is, comparing initial cost + distance, so one
        search finds the least total (no rounding of the initial costs, no second search for near ties).
        """
        found = self._multi(self._check_ends(sources, "source"), self._check_ends(targets, "target"))
        if found is None:
            return None
        total, cost, s_node, _t_node, arcs = found
        return total, self._path(cost, s_node, arcs.tolist())

    def route_multi_nodes(self, sources, targets) -> tuple[float, int, int, int, np.ndarray] | None:
        """:meth:`route_multi` without the path's node list: ``(total, cost, source, target, arcs)`` with
        ``arcs`` an int64 array (the nodes are the source and the arcs' heads), for callers that build
        the geometry from the arcs in one go.  ``sources`` and ``targets`` are trusted ``(node, cost)``
        pairs (Python ints and floats, as :func:`routing.paths.snap_ends` makes them): they are not
        validated again."""
        found = self._multi(sources, targets)
        if found is None:
            return None
        total, cost, s_node, t_node, arcs = found
        return total, cost, s_node, t_node, arcs.astype(np.int64)

    def cost_multi_nodes(self, sources, targets) -> tuple[float, int, int, int] | None:
        """As :meth:`Engine.cost_multi_nodes`: the search of :meth:`route_multi_nodes` with its path left
        packed (unpacking is about half of a search on a city's network).  Trusted ends, as there."""
        found = self._multi(sources, targets, path=False)
        return None if found is None else found[:4]

    def _multi(self, src, dst, *, path: bool = True) -> tuple[float, int, int, int, np.ndarray] | None:
        """The core of :meth:`route_multi` on checked ends: ``(total, path cost, source node, target node,
        arc ids)``, the arc ids a uint32 array straight from the binding (no Python list of the path).

        One native call (``CCHQuery.route_exact``) does all of it with Python's lock released: one
        search with the fractional initial costs and the path's unpacking (see :meth:`route_multi`).
        """
        if not src or not dst:
            return None
        metric = self._live
        query = metric.native.take_query()
        try:
            return query.route_exact(src, dst, self.tail, self.head, FORBIDDEN, path)
        finally:
            metric.native.give_query(query)

    def matrix(self, sources, targets) -> np.ndarray:
        src = [self._check_node(s, "source") for s in sources]
        dst = [self._check_node(t, "target") for t in targets]
        if not src or not dst:
            return np.zeros((len(src), len(dst)))
        metric = self._live
        query = metric.native.take_query()
        try:
            raw = query.matrix(src, dst)  # the larger side pinned, one sweep per node of the other
        finally:
            metric.native.give_query(query)
        out = raw.astype(np.float64)
        out[raw >= FORBIDDEN] = np.inf  # RoutingKit's "none" (inf_weight) is FORBIDDEN
        return out


# ----------------------------------------------------------------------------------
class ScipyEngine(Engine):
    """``scipy.sparse.csgraph`` Dijkstra on a CSR matrix of the cheapest parallel arcs."""

    name = "scipy"

    def __init__(self, tail, head, node_count, weights, **_):
        super().__init__(tail, head, node_count, weights)
        self._w = self._base.copy()
        self._build()

    @property
    def weights(self) -> np.ndarray:
        w = self._w.view()
        w.flags.writeable = False
        return w

    def _build(self) -> None:
        from scipy.sparse import csr_matrix

        usable = np.nonzero(self._w != FORBIDDEN)[0]
        # keep the cheapest of parallel arcs: sort by (tail, head, weight), take the first
        order = usable[np.lexsort((self._w[usable], self.head[usable], self.tail[usable]))]
        t, h = self.tail[order], self.head[order]
        first = np.ones(order.size, dtype=bool)
        first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
        best = order[first]
        self._best_arc = {(int(a), int(b)): int(arc) for a, b, arc in zip(self.tail[best], self.head[best], best)}
        self._csr = csr_matrix(
            (self._w[best].astype(np.float64), (self.tail[best], self.head[best])),
            shape=(self.node_count, self.node_count),
        )

    def _apply(self, new_weights: np.ndarray) -> None:
        self._w = new_weights.copy()
        self._build()

    def route(self, source, target):
        from scipy.sparse.csgraph import dijkstra

        s, t = self._check_node(source, "source"), self._check_node(target, "target")
        csr, best = self._csr, self._best_arc
        dist, pred = dijkstra(csr, indices=s, return_predecessors=True)
        if not np.isfinite(dist[t]):
            return None
        nodes = [t]
        while nodes[-1] != s:
            nodes.append(int(pred[nodes[-1]]))
        nodes.reverse()
        arcs = [best[(a, b)] for a, b in zip(nodes[:-1], nodes[1:])]
        return PathResult(int(round(dist[t])), nodes, arcs)

    def matrix(self, sources, targets):
        from scipy.sparse.csgraph import dijkstra

        src = [self._check_node(s, "source") for s in sources]
        dst = [self._check_node(t, "target") for t in targets]
        if not src or not dst:
            return np.zeros((len(src), len(dst)))
        dist = dijkstra(self._csr, indices=src)
        return np.asarray(dist[:, dst], dtype=np.float64)


# ----------------------------------------------------------------------------------
class NetworkxEngine(Engine):
    """Plain networkx Dijkstra on a ``DiGraph`` of the cheapest parallel arcs (the reference)."""

    name = "networkx"

    def __init__(self, tail, head, node_count, weights, **_):
        super().__init__(tail, head, node_count, weights)
        self._w = self._base.copy()
        self._build()

    @property
    def weights(self) -> np.ndarray:
        w = self._w.view()
        w.flags.writeable = False
        return w

    def _build(self) -> None:
        import networkx as nx

        G = nx.DiGraph()
        G.add_nodes_from(range(self.node_count))
        for arc, (u, v, w) in enumerate(zip(self.tail.tolist(), self.head.tolist(), self._w.tolist())):
            if w == FORBIDDEN:
                continue
            d = G.get_edge_data(u, v)
            if d is None or w < d["weight"]:
                G.add_edge(u, v, weight=w, arc=arc)
        self.graph = G

    def _apply(self, new_weights: np.ndarray) -> None:
        self._w = new_weights.copy()
        self._build()

    def route(self, source, target):
        import networkx as nx

        s, t = self._check_node(source, "source"), self._check_node(target, "target")
        G = self.graph
        try:
            cost, nodes = nx.bidirectional_dijkstra(G, s, t, weight="weight")
        except nx.NetworkXNoPath:
            return None
        arcs = [G[a][b]["arc"] for a, b in zip(nodes[:-1], nodes[1:])]
        return PathResult(int(cost), list(nodes), arcs)

    def matrix(self, sources, targets):
        import networkx as nx

        src = [self._check_node(s, "source") for s in sources]
        dst = [self._check_node(t, "target") for t in targets]
        out = np.full((len(src), len(dst)), np.inf)
        for i, s in enumerate(src):
            lengths = nx.single_source_dijkstra_path_length(self.graph, s, weight="weight")
            for j, t in enumerate(dst):
                if t in lengths:
                    out[i, j] = lengths[t]
        return out


_CLASSES = {"cch": CCHEngine, "scipy": ScipyEngine, "networkx": NetworkxEngine}


def make_engine(name: str, network, *, weights=None, topology_dir: Path | str | None = None) -> Engine:
    """Build the engine ``name`` (one of :data:`ENGINES`) over a :class:`~routing.network.RoadNetwork`.

    Raises
    ------
    InvalidInputError
        If ``name`` is not a known engine.
    """
    if name not in _CLASSES:
        raise InvalidInputError(
            f"`engine` was {name!r}; expected one of {list(ENGINES)}",
            zh=f"`engine` 为 {name!r}；应为 {list(ENGINES)} 之一",
        )
    w = network.base_weights if weights is None else weights
    kwargs = {}
    if name == "cch":
        kwargs = {"lon": network.node_lon, "lat": network.node_lat, "topology_dir": topology_dir}
    return _CLASSES[name](network.tail, network.head, network.node_count, w, **kwargs)

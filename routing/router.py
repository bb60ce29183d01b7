"""Point-to-point truck routing between arbitrary ``[lon, lat]`` points.

A :class:`Router` owns one :class:`~routing.network.RoadNetwork` and a pool of
engine metrics over one shared topology.  Each metric is named by a *role*
(``"free"``, ``"avoid"``, a vehicle signature...) and is brought to the weight
vector a query needs with partial updates, so zone and closure changes take
effect on the next query without rebuilding anything.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from geo.errors import InvalidInputError, NoRouteError
from routing.engine import FORBIDDEN, Engine, PathResult, make_engine
from routing.network import DEFAULT_MAX_SNAP_M, WEIGHT_UNIT_S, RoadNetwork, Snap

#: Highway classes that make up the "highway transit section" of a trip.
MAIN_ROAD_CLASSES = frozenset({"motorway", "trunk", "primary", "secondary"})


@dataclass(frozen=True)
class Vehicle:
    """A truck's dimensions; ``None`` means not given (no check)."""

    height_m: float | None = None
    weight_t: float | None = None
    width_m: float | None = None

    def __post_init__(self) -> None:
        for name in ("height_m", "weight_t", "width_m"):
            value = getattr(self, name)
            if value is not None and not (np.isfinite(value) and 0 < value < 100):
                raise InvalidInputError(f"`vehicle.{name}` was {value!r}; expected a positive number below 100")


def limit_blocks(network: RoadNetwork, vehicle: Vehicle) -> dict[str, np.ndarray]:
    """Boolean arc masks of what blocks this vehicle, per limit name.

    ``hgv`` (``hgv=no``) always applies: every Baotong vehicle is a truck.
    """
    out = {"hgv": network.hgv_no.copy()}
    with np.errstate(invalid="ignore"):
        if vehicle.height_m is not None:
            out["height"] = network.maxheight_m < vehicle.height_m
        if vehicle.weight_t is not None:
            out["weight"] = network.maxweight_t < vehicle.weight_t
        if vehicle.width_m is not None:
            out["width"] = network.maxwidth_m < vehicle.width_m
    return out


@dataclass
class Leg:
    """A part of a route: ``kind`` is ``origin``, ``transit``, ``destination`` or ``inside``.

    ``arcs`` is an int64 array of arc ids and ``coordinates`` a float ``[n, 2]``
    array of ``[lon, lat]`` rows (no consecutive repeats, at least two rows).
    Both may be views shared with the route and other legs: treat them as
    read-only.  Geometry stays in arrays until an outer layer formats it.
    """

    kind: str
    arcs: np.ndarray
    coordinates: np.ndarray
    length_m: float
    travel_time_s: float
    note: str | None = None


@dataclass
class RoutePlan:
    """A computed truck route between two snapped points (``arcs`` and ``coordinates`` as in :class:`Leg`)."""

    origin: Snap
    destination: Snap
    nodes: list[int]
    arcs: np.ndarray
    coordinates: np.ndarray
    length_m: float
    travel_time_s: float
    cost: float
    legs: list[Leg] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class MetricPool:
    """Named engine metrics over one topology, each synced to the weights a query asks for."""

    def __init__(self, base: Engine, *, max_roles: int = 32):
        self.base = base
        self.max_roles = max_roles
        self._roles: OrderedDict[str, tuple[Engine, threading.Lock]] = OrderedDict()
        self._last: dict[str, np.ndarray] = {}  # the read-only weight array each role was last synced to
        self._lock = threading.Lock()

    def _get(self, role: str) -> tuple[Engine, threading.Lock]:
        with self._lock:
            if role in self._roles:
                self._roles.move_to_end(role)
                return self._roles[role]
            fork = getattr(self.base, "fork", None)
            engine = fork() if fork else make_like(self.base)
            item = (engine, threading.Lock())
            self._roles[role] = item
            while len(self._roles) > self.max_roles:
                evicted, _ = self._roles.popitem(last=False)
                self._last.pop(evicted, None)
            return item

    def settle(self) -> None:
        """Wait until every metric's background work (a spare metric catching up) is done (benchmarks, tests)."""
        with self._lock:
            engines = [engine for engine, _ in self._roles.values()]
        for engine in engines:
            wait = getattr(engine, "wait_for_spare", None)
            if wait is not None:
                wait()

    def using(self, role: str, weights: np.ndarray) -> _Using:
        """Hold the metric ``role`` with exactly ``weights`` live for the block (a context manager)."""
        return _Using(self, role, weights)


class _Using:
    """The context manager of :meth:`MetricPool.using` (a class: cheaper than a generator per query)."""

    __slots__ = ("pool", "role", "weights", "lock")

    def __init__(self, pool: MetricPool, role: str, weights: np.ndarray):
        self.pool, self.role, self.weights = pool, role, weights
        self.lock: threading.Lock | None = None

    def __enter__(self) -> Engine:
        pool, role, weights = self.pool, self.role, self.weights
        engine, lock = pool._get(role)
        lock.acquire()
        self.lock = lock
        try:
            # The same (read-only) array as last time needs no comparison of every arc.
            if pool._last.get(role) is not weights:
                if not np.array_equal(engine.weights, weights):
                    engine.set_weights(weights)
                # only a read-only array is remembered: nobody can change it behind our back
                pool._last[role] = None if weights.flags.writeable else weights
        except BaseException:
            lock.release()
            self.lock = None
            raise
        return engine

    def __exit__(self, *exc) -> None:
        self.lock.release()
        self.lock = None


def make_like(engine: Engine) -> Engine:
    """A fresh engine of the same class over the same arcs (base weights)."""
    return type(engine)(engine.tail, engine.head, engine.node_count, engine.base_weights)


class Router:
    """Routes trucks between points on one network (one instance per process)."""

    def __init__(self, network: RoadNetwork, *, engine: str = "cch", cache_dir: Path | str | None = None,
                 max_snap_m: float = DEFAULT_MAX_SNAP_M):
        self.network = network
        self.max_snap_m = max_snap_m
        self.engine_name = engine
        self.base_engine = make_engine(engine, network, topology_dir=cache_dir)
        self.pool = MetricPool(self.base_engine)
        self._hgv = network.hgv_no
        self._truck_weights = network.base_weights.copy()
        self._truck_weights[self._hgv] = FORBIDDEN
        self._truck_weights.flags.writeable = False

    # -- weights -------------------------------------------------------------------
    @property
    def truck_weights(self) -> np.ndarray:
        """Base weights with ``hgv=no`` arcs forbidden."""
        return self._truck_weights

    def vehicle_weights(self, vehicle: Vehicle | None, base: np.ndarray | None = None) -> np.ndarray:
        """``base`` (default :attr:`truck_weights`) with the arcs this vehicle may not use forbidden."""
        w = (self._truck_weights if base is None else base).copy()
        if vehicle is not None:
            for mask in limit_blocks(self.network, vehicle).values():
                w[mask] = FORBIDDEN
        return w

    # -- snapping and routing ----------------------------------------------------------
    def snap(self, point, *, field_name: str = "point") -> Snap:
        """Snap a ``[lon, lat]`` onto the network (see :meth:`RoadNetwork.snap`)."""
        return self.snap_many([point], field_names=[field_name])[0]

    def snap_many(self, points, *, field_names: list[str]) -> list[Snap]:
        """Snap several ``[lon, lat]`` points at once (see :meth:`RoadNetwork.snap_many`)."""
        for i, (point, name) in enumerate(zip(points, field_names)):
            if not isinstance(point, list | tuple | np.ndarray) or len(point) != 2:
                # the points before it are checked first, as point-by-point snapping would
                self.network.snap_many(points[:i], max_snap_m=self.max_snap_m, field_names=field_names[:i])
                raise InvalidInputError(f"`{name}` was {point!r}; expected [lon, lat]")
        return self.network.snap_many(points, max_snap_m=self.max_snap_m, field_names=field_names)

    def _ends(self, snap: Snap, weights: np.ndarray, *, as_source: bool) -> list[tuple[int, float]]:
        """``(node, initial_cost)`` options to leave (source) or reach (target) a snapped point."""
        net = self.network
        out = []
        a, r, f = snap.arc, snap.reverse_arc, snap.fraction
        wa = weights.item(a)  # Python numbers: cheaper than numpy scalars on this per-query path
        if wa != FORBIDDEN:
            out.append((net.head.item(a), (1 - f) * wa) if as_source else (net.tail.item(a), f * wa))
        if r >= 0:
            wr = weights.item(r)
            if wr != FORBIDDEN:
                # the reverse arc runs head(a) -> tail(a); the point is at (1 - f) along it
                out.append((net.head.item(r), f * wr) if as_source else (net.tail.item(r), (1 - f) * wr))
        return out

    @staticmethod
    def _same_arc(o: Snap, d: Snap, weights: np.ndarray) -> float | None:
        """Cost of driving along the one segment both points lie on, if possible."""
        if o.arc != d.arc:
            return None
        options = []
        if weights[o.arc] != FORBIDDEN and d.fraction >= o.fraction:
            options.append((d.fraction - o.fraction) * weights[o.arc])
        if o.reverse_arc >= 0 and weights[o.reverse_arc] != FORBIDDEN and o.fraction >= d.fraction:
            options.append((o.fraction - d.fraction) * weights[o.reverse_arc])
        return min(options) if options else None

    def route_between(self, o: Snap, d: Snap, weights: np.ndarray, *, role: str = "default") -> tuple[float, PathResult | None]:
        """Cheapest path between two snapped points under ``weights``.

        Returns ``(cost, path)``; ``path`` is ``None`` for a route that stays on
        the origin's arc.

        Raises
        ------
        NoRouteError
            If the points are not connected under these weights.
        """
        direct = self._same_arc(o, d, weights)
        with self.pool.using(role, weights) as engine:
            found = engine.route_multi(self._ends(o, weights, as_source=True), self._ends(d, weights, as_source=False))
        if direct is not None and (found is None or direct <= found[0]):
            return direct, None
        if found is None:
            raise NoRouteError(
                f"no truck route from {[o.lon, o.lat]} to {[d.lon, d.lat]} on the current network"
            )
        return found

    def plan(self, o: Snap, d: Snap, weights: np.ndarray, *, role: str = "default") -> RoutePlan:
        """A :class:`RoutePlan` (geometry, length, time, legs) from ``o`` to ``d``."""
        cost, path = self.route_between(o, d, weights, role=role)
        return self.assemble(o, d, path, cost)

    def assemble(self, o: Snap, d: Snap, path: PathResult | None, cost: float) -> RoutePlan:
        """Turn an engine path between two snaps into a :class:`RoutePlan`."""
        net = self.network
        if path is None:  # along one segment
            arc = o.arc if d.fraction >= o.fraction else o.reverse_arc
            arcs = np.array([arc], dtype=np.int64)
            fracs = np.array([abs(d.fraction - o.fraction)])
            nodes: list[int] = []
        else:
            nodes = path.nodes
            first, f0 = _arc_into(net, o, nodes[0])
            last, f1 = _arc_from(net, d, nodes[-1])
            arcs = np.concatenate([[first], np.asarray(path.arcs, dtype=np.int64), [last]]).astype(np.int64)
            fracs = np.concatenate([[f0], np.ones(len(path.arcs)), [f1]])
            keep = fracs > 0
            arcs, fracs = arcs[keep], fracs[keep]
        # route vertices: snapped origin, the head of every part but the last, snapped destination
        heads = net.head[arcs[:-1]]
        lon = np.concatenate([[o.snapped_lon], net.node_lon[heads], [d.snapped_lon]])
        lat = np.concatenate([[o.snapped_lat], net.node_lat[heads], [d.snapped_lat]])
        points = np.column_stack([lon, lat])
        part_len = fracs * net.length_m[arcs]
        part_time = fracs * net.travel_time_s[arcs]
        plan = RoutePlan(
            origin=o, destination=d, nodes=list(nodes), arcs=arcs, coordinates=_dedupe(points),
            length_m=float(part_len.sum()), travel_time_s=float(part_time.sum()), cost=float(cost) * WEIGHT_UNIT_S,
        )
        plan.legs = split_legs(self.main_road_mask, arcs, points, part_len, part_time)
        return plan

    @property
    def main_road_mask(self) -> np.ndarray:
        """Arcs on :data:`MAIN_ROAD_CLASSES` roads (and their links)."""
        if not hasattr(self, "_main"):
            from routing.roads import base_class

            self._main = np.array([base_class(str(h)) in MAIN_ROAD_CLASSES for h in self.network.highway], dtype=bool)
        return self._main

    def route(self, origin, destination, *, vehicle: Vehicle | None = None) -> RoutePlan:
        """The fastest legal truck route from ``origin`` to ``destination`` (``[lon, lat]`` each).

        Raises
        ------
        OffNetworkError
            If a point is farther than the snap limit from every road.
        NoRouteError
            If no legal route exists; the message names the vehicle limit that blocks it.
        """
        o = self.snap(origin, field_name="origin")
        d = self.snap(destination, field_name="destination")
        weights = self.vehicle_weights(vehicle)
        try:
            return self.plan(o, d, weights, role=self.vehicle_role(vehicle))
        except NoRouteError as err:
            raise NoRouteError(self.explain_no_route(o, d, vehicle, self.network.base_weights)) from err

    @staticmethod
    def vehicle_role(vehicle: Vehicle | None) -> str:
        if vehicle is None:
            return "truck"
        return f"truck:{vehicle.height_m}:{vehicle.weight_t}:{vehicle.width_m}"

    def explain_no_route(self, o: Snap, d: Snap, vehicle: Vehicle | None, base: np.ndarray) -> str:
        """Say which vehicle limit (height, weight, width, hgv=no) blocks a trip.

        ``base`` is the weight vector before any vehicle limit (closures included).
        A limit is named when lifting it alone makes the trip possible.
        """
        where = f"from {[o.lon, o.lat]} to {[d.lon, d.lat]}"
        try:
            self.route_between(o, d, self.network.base_weights, role="explain")
        except NoRouteError:
            return f"no road route {where} at all on this network"
        masks = {k: m for k, m in limit_blocks(self.network, vehicle or Vehicle()).items() if m.any()}
        blocking = []
        for name in masks:
            w = base.copy()
            for other, mask in masks.items():
                if other != name:
                    w[mask] = FORBIDDEN
            try:
                self.route_between(o, d, w, role="explain")
                blocking.append(name)
            except NoRouteError:
                continue
        v = vehicle or Vehicle()
        labels = {
            "height": f"maxheight below the vehicle height {v.height_m} m",
            "weight": f"maxweight below the vehicle weight {v.weight_t} t",
            "width": f"maxwidth below the vehicle width {v.width_m} m",
            "hgv": "roads closed to heavy goods vehicles (hgv=no)",
        }
        if blocking:
            return f"no legal truck route {where}: blocked by " + "; ".join(labels[b] for b in blocking)
        if masks:
            return (f"no legal truck route {where}: the limits together ({', '.join(labels[m] for m in masks)}) "
                    "or the current closures leave no way through")
        return f"no legal truck route {where}: the current closures leave no way through"


def _arc_into(net: RoadNetwork, o: Snap, first_node: int) -> tuple[int, float]:
    """The partial arc from the snapped origin to the first node of the path."""
    if int(net.head[o.arc]) == first_node:
        return o.arc, 1 - o.fraction
    if o.reverse_arc >= 0 and int(net.head[o.reverse_arc]) == first_node:
        return o.reverse_arc, o.fraction
    return o.arc, 0.0


def _arc_from(net: RoadNetwork, d: Snap, last_node: int) -> tuple[int, float]:
    """The partial arc from the last node of the path to the snapped destination."""
    if int(net.tail[d.arc]) == last_node:
        return d.arc, d.fraction
    if d.reverse_arc >= 0 and int(net.tail[d.reverse_arc]) == last_node:
        return d.reverse_arc, 1 - d.fraction
    return d.arc, 0.0


def _dedupe(points: np.ndarray) -> np.ndarray:
    """``points`` (``[n, 2]`` lon, lat) without consecutive repeats, at least two rows (a point twice);
    ``points`` itself when nothing repeats, and no rows for no points."""
    return _dedupe_range(points, _steps(points), 0, len(points) - 1)


def _steps(points: np.ndarray) -> np.ndarray:
    """``steps[k]``: whether point ``k + 1`` differs from point ``k`` by more than 1e-9 (degrees)."""
    if len(points) < 2:
        return np.zeros(0, dtype=bool)
    step = np.abs(points[1:] - points[:-1]) > 1e-9
    return step[:, 0] | step[:, 1]


def _dedupe_range(points: np.ndarray, steps: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """:func:`_dedupe` of ``points[lo:hi + 1]`` given ``steps = _steps(points)`` (a view when nothing repeats)."""
    if hi < lo:
        return points[:0]
    window = steps[lo:hi]
    if window.all():
        out = points[lo:hi + 1]
    else:
        keep = np.ones(hi - lo + 1, dtype=bool)
        keep[1:] = window
        out = points[lo:hi + 1][keep]
    if len(out) == 1:
        out = np.repeat(out, 2, axis=0)
    return out


def split_legs(main: np.ndarray, arcs: np.ndarray, points: np.ndarray, part_len: np.ndarray,
               part_time: np.ndarray) -> list[Leg]:
    """Split a route into ``origin`` (to the first main road), ``transit`` and ``destination`` legs.

    ``main`` flags main-road arcs (:data:`MAIN_ROAD_CLASSES`); ``points[k]`` is
    where part ``k`` starts and ``points[k + 1]`` where it ends.  A route with no
    main road is one ``transit`` leg.  Legs' arcs and coordinates are views of
    ``arcs`` and ``points`` where nothing repeats (a leg starts where the
    previous one ended).
    """
    is_main = main[arcs]
    if not is_main.any():
        ranges = [("transit", 0, len(arcs))]
    else:
        idx = np.nonzero(is_main)[0]
        first, last = int(idx[0]), int(idx[-1])
        ranges = [("origin", 0, first), ("transit", first, last + 1), ("destination", last + 1, len(arcs))]
    steps = _steps(points)
    legs = []
    for kind, lo, hi in ranges:
        if hi <= lo:
            continue
        legs.append(Leg(
            kind=kind,
            arcs=arcs[lo:hi],
            coordinates=_dedupe_range(points, steps, lo, hi),
            length_m=float(part_len[lo:hi].sum()),
            travel_time_s=float(part_time[lo:hi].sum()),
        ))
    return legs

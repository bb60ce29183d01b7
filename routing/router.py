"""Point-to-point truck routing between arbitrary ``[lon, lat]`` points.

A :class:`Router` owns one :class:`~routing.network.RoadNetwork` and a pool of
engine metrics over one shared topology.  Each metric sits in a named *slot*
(``"truck"``, ``"freight-avoid:<vehicle key>"``...) and is brought to the
weight vector a query needs with partial updates, so zone and closure changes
take effect on the next query without rebuilding anything.  Snapped ends,
driven parts, geometry and legs come from :mod:`routing.paths`, which
closed-loop freight routing shares.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from geo.errors import InvalidInputError, NoRouteError
from geo.i18n import Text
from routing import kernels
from routing.engine import FORBIDDEN, Engine, PathResult, make_engine
from routing.network import DEFAULT_MAX_SNAP_M, WEIGHT_UNIT_S, RoadNetwork, Snap
from routing.paths import (
    Drive,
    Leg,
    dedupe_steps,
    drive_along,
    legs_of_parts,
    route_steps,
    same_arc_cost,
    snap_ends,
    split_legs,
)

if TYPE_CHECKING:
    from routing.freight.zones import FreightIndex

__all__ = [
    "MAIN_ROAD_CLASSES",
    "Leg",
    "MetricPool",
    "RoutePlan",
    "Router",
    "Vehicle",
    "limit_blocks",
    "make_like",
    "split_legs",
    "vehicle_key",
]

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
                raise InvalidInputError(
                    f"`vehicle.{name}` was {value!r}; expected a positive number below 100",
                    zh=f"`vehicle.{name}` 为 {value!r}；应为小于 100 的正数",
                )

    @property
    def key(self) -> str:
        """The vehicle's dimensions as a short string: vehicles with equal keys route alike."""
        return f"truck:{self.height_m}:{self.weight_t}:{self.width_m}"


def vehicle_key(vehicle: Vehicle | None) -> str:
    """:attr:`Vehicle.key`, and ``"truck"`` for no vehicle (the truck with no dimensions given)."""
    return "truck" if vehicle is None else vehicle.key


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
class RoutePlan:
    """A computed truck route between two snapped points (``arcs`` and ``coordinates`` as in :class:`Leg`).

    ``node_ids`` holds the engine path's nodes (int64, read-only like ``arcs``); :attr:`nodes` gives
    them as a list, made when read (most callers never read them).
    """

    origin: Snap
    destination: Snap
    node_ids: np.ndarray
    arcs: np.ndarray
    coordinates: np.ndarray
    length_m: float
    travel_time_s: float
    cost: float
    legs: list[Leg] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def nodes(self) -> list[int]:
        """The engine path's node ids (empty for a route that stays on one segment)."""
        return self.node_ids.tolist()


class MetricPool:
    """Engine metrics over one topology in named slots, each synced to the weights a query asks for.

    A slot (``"truck"``, ``"freight-avoid:<vehicle key>"``...) keeps its metric
    between queries, so a query that asks for the weights the slot had last
    time pays nothing, and one that asks for slightly different weights (a new
    zone, a closure) pays a partial update.  At most ``max_slots`` slots are
    kept; the least recently used is dropped.
    """

    def __init__(self, base: Engine, *, max_slots: int = 32):
        self.base = base
        self.max_slots = max_slots
        self._slots: OrderedDict[str, tuple[Engine, threading.Lock]] = OrderedDict()
        self._last: dict[str, np.ndarray | None] = {}  # the read-only weight array each slot was last synced to
        self._lock = threading.Lock()

    def get(self, slot: str) -> tuple[Engine, threading.Lock]:
        """The engine of ``slot`` (created with the base weights on first use) and the lock that
        :meth:`using` holds while a query runs on it."""
        with self._lock:
            if slot in self._slots:
                self._slots.move_to_end(slot)
                return self._slots[slot]
            fork = getattr(self.base, "fork", None)
            engine = fork() if fork else make_like(self.base)
            item = (engine, threading.Lock())
            self._slots[slot] = item
            while len(self._slots) > self.max_slots:
                evicted, _ = self._slots.popitem(last=False)
                self._last.pop(evicted, None)
            return item

    def engines(self) -> dict[str, Engine]:
        """The engine of every slot in use, by slot name (least recently used first)."""
        with self._lock:
            return {slot: engine for slot, (engine, _) in self._slots.items()}

    def using(self, slot: str, weights: np.ndarray) -> _Using:
        """Hold the metric of ``slot`` with exactly ``weights`` live for the block (a context manager)."""
        return _Using(self, slot, weights)


class _Using:
    """The context manager of :meth:`MetricPool.using` (a class: cheaper than a generator per query)."""

    __slots__ = ("pool", "slot", "weights", "lock")

    def __init__(self, pool: MetricPool, slot: str, weights: np.ndarray):
        self.pool, self.slot, self.weights = pool, slot, weights
        self.lock: threading.Lock | None = None

    def __enter__(self) -> Engine:
        pool, slot, weights = self.pool, self.slot, self.weights
        engine, lock = pool.get(slot)
        lock.acquire()
        self.lock = lock
        try:
            # The same (read-only) array as last time needs no comparison of every arc.
            if pool._last.get(slot) is not weights:
                if not np.array_equal(engine.weights, weights):
                    engine.set_weights(weights)
                # only a read-only array is remembered: nobody can change it behind our back
                pool._last[slot] = None if weights.flags.writeable else weights
        except BaseException:
            lock.release()
            self.lock = None
            raise
        return engine

    def __exit__(self, *exc) -> None:
        assert self.lock is not None  # taken by __enter__
        self.lock.release()
        self.lock = None


def make_like(engine: Engine) -> Engine:
    """A fresh engine of the same class over the same arcs (base weights)."""
    return type(engine)(engine.tail, engine.head, engine.node_count, engine.base_weights)


def truck_weights(network: RoadNetwork) -> np.ndarray:
    """The network's base weights with ``hgv=no`` arcs forbidden (read-only)."""
    w = network.base_weights.copy()
    w[network.hgv_no] = FORBIDDEN
    w.flags.writeable = False
    return w


class Router:
    """Routes trucks between points on one network (one instance per process)."""

    def __init__(
        self,
        network: RoadNetwork,
        *,
        engine: str = "cch",
        cache_dir: Path | str | None = None,
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
    ):
        self.network = network
        self.max_snap_m = max_snap_m
        self.engine_name = engine
        self.base_engine = make_engine(engine, network, topology_dir=cache_dir)
        self.pool = MetricPool(self.base_engine)
        self._hgv = network.hgv_no
        self._truck_weights = truck_weights(network)
        keep = getattr(self.base_engine, "keep_metric", None)
        if keep is not None:  # every start's first truck route needs this metric: keep it with the hierarchy
            keep(self._truck_weights)
        self._freight_index: FreightIndex | None = None
        self._lock = threading.Lock()
        self._vehicle_cache: OrderedDict[str, np.ndarray] = OrderedDict()  # read-only weights per vehicle key

    @property
    def freight_index(self) -> FreightIndex:
        """This router's :class:`~routing.freight.zones.FreightIndex` (zone footprints and weight
        vectors of closed-loop freight routing), created on first use."""
        if self._freight_index is None:
            from routing.freight.zones import FreightIndex

            with self._lock:
                if self._freight_index is None:
                    self._freight_index = FreightIndex(self)
        return self._freight_index

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

    def _shared_vehicle_weights(self, vehicle: Vehicle | None) -> np.ndarray:
        """:meth:`vehicle_weights` as a read-only array kept per vehicle key: the metric pool trusts it by
        identity, so a repeated vehicle costs neither a copy nor a comparison of every arc."""
        if vehicle is None:
            return self._truck_weights
        key = vehicle.key
        with self._lock:
            hit = self._vehicle_cache.get(key)
            if hit is not None:
                self._vehicle_cache.move_to_end(key)
                return hit
        w = self.vehicle_weights(vehicle)
        w.flags.writeable = False
        with self._lock:
            self._vehicle_cache[key] = w
            while len(self._vehicle_cache) > 16:
                self._vehicle_cache.popitem(last=False)
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
                raise InvalidInputError(
                    f"`{name}` was {point!r}; expected [lon, lat]", zh=f"`{name}` 为 {point!r}；应为 [经度, 纬度]"
                )
        return self.network.snap_many(points, max_snap_m=self.max_snap_m, field_names=field_names)

    def route_between(
        self, o: Snap, d: Snap, weights: np.ndarray, *, slot: str = "default"
    ) -> tuple[float, PathResult | None]:
        """Cheapest path between two snapped points under ``weights``, on the metric in ``slot``.

        Returns ``(cost, path)``; ``path`` is ``None`` for a route that stays on
        the origin's arc.

        Raises
        ------
        NoRouteError
            If the points are not connected under these weights.
        """
        net = self.network
        direct = same_arc_cost(o, d, weights)
        with self.pool.using(slot, weights) as engine:
            found = engine.route_multi(
                snap_ends(net, o, weights, as_source=True), snap_ends(net, d, weights, as_source=False)
            )
        if direct is not None and (found is None or direct <= found[0]):
            return direct, None
        if found is None:
            raise NoRouteError(
                f"no truck route from {[o.lon, o.lat]} to {[d.lon, d.lat]} on the current network",
                zh=f"在当前路网上没有从 {[o.lon, o.lat]} 到 {[d.lon, d.lat]} 的货车路线",
            )
        return found

    def plan(self, o: Snap, d: Snap, weights: np.ndarray, *, slot: str = "default") -> RoutePlan:
        """A :class:`RoutePlan` (geometry, length, time, legs) from ``o`` to ``d`` on the metric in ``slot``.

        The same answer as :meth:`route_between` then :meth:`assemble`, in fewer steps: one
        multi-source query that returns the arc ids only (:meth:`Engine.route_multi_nodes`), then one
        compiled pass (:func:`routing.kernels.route_parts`) for the driven parts, their vertices, the
        path's nodes and the metres and seconds of the route and of each leg.

        Raises
        ------
        NoRouteError
            If the points are not connected under these weights.
        """
        net = self.network
        direct = same_arc_cost(o, d, weights)
        src = snap_ends(net, o, weights, as_source=True)
        dst = snap_ends(net, d, weights, as_source=False)
        with self.pool.using(slot, weights) as engine:
            found = engine.route_multi_nodes(src, dst)
        if direct is not None and (found is None or direct <= found[0]):
            return self.assemble(o, d, None, direct)
        if found is None:
            raise NoRouteError(
                f"no truck route from {[o.lon, o.lat]} to {[d.lon, d.lat]} on the current network",
                zh=f"在当前路网上没有从 {[o.lon, o.lat]} 到 {[d.lon, d.lat]} 的货车路线",
            )
        total, _cost, s_node, t_node, path = found
        ints, points, sums = kernels.route_parts(
            path,
            s_node,
            t_node,
            o.arc,
            o.reverse_arc,
            o.fraction,
            o.snapped_lon,
            o.snapped_lat,
            d.arc,
            d.reverse_arc,
            d.fraction,
            d.snapped_lon,
            d.snapped_lat,
            net.tail,
            net.head,
            net.node_lon,
            net.node_lat,
            net.length_m,
            net.travel_time_s,
            self.main_road_mask,
        )
        k = points.shape[0] - 1
        if k == 0:
            return self.plan_of(o, d, Drive.empty(o.snapped_lon, o.snapped_lat), [s_node])
        repeats, b0, b1 = ints[:3].tolist()
        arcs = ints[3 : 3 + k]
        length_m, travel_time_s, *leg_sums = sums.tolist()
        steps = None if repeats == 0 else route_steps(points)
        return RoutePlan(
            origin=o,
            destination=d,
            node_ids=ints[3 + k :],
            arcs=arcs,
            coordinates=points if steps is None else dedupe_steps(points, steps),
            length_m=length_m,
            travel_time_s=travel_time_s,
            cost=float(total) * WEIGHT_UNIT_S,
            legs=legs_of_parts(arcs, points, b0, b1, leg_sums, steps),
        )

    def assemble(self, o: Snap, d: Snap, path: PathResult | None, cost: float) -> RoutePlan:
        """Turn an engine path between two snaps into a :class:`RoutePlan` (see :func:`routing.paths.drive_along`)."""
        return self.plan_of(o, d, drive_along(self.network, o, d, path, cost), [] if path is None else path.nodes)

    def plan_of(
        self, o: Snap, d: Snap, drive: Drive, nodes: list[int], *, steps: np.ndarray | None = None
    ) -> RoutePlan:
        """The :class:`RoutePlan` of a :class:`~routing.paths.Drive` from ``o`` to ``d`` (``steps``: the
        drive's :func:`~routing.paths.route_steps` when already known)."""
        net = self.network
        part_len, part_time = drive.part_len(net), drive.part_time(net)
        if steps is None:
            steps = route_steps(drive.points)
        legs = split_legs(self.main_road_mask, drive.arcs, drive.points, part_len, part_time, steps=steps)
        return RoutePlan(
            origin=o,
            destination=d,
            node_ids=np.array(nodes, dtype=np.int64),
            arcs=drive.arcs,
            coordinates=dedupe_steps(drive.points, steps),
            length_m=float(part_len.sum()),
            travel_time_s=float(part_time.sum()),
            cost=float(drive.cost) * WEIGHT_UNIT_S,
            legs=legs,
        )

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
        o, d = self.snap_many([origin, destination], field_names=["origin", "destination"])
        weights = self._shared_vehicle_weights(vehicle)
        try:
            return self.plan(o, d, weights, slot=vehicle_key(vehicle))
        except NoRouteError as err:
            raise NoRouteError(self.explain_no_route(o, d, vehicle, self.network.base_weights)) from err

    def explain_no_route(self, o: Snap, d: Snap, vehicle: Vehicle | None, base: np.ndarray) -> Text:
        """Say which vehicle limit (height, weight, width, hgv=no) blocks a trip.

        ``base`` is the weight vector before any vehicle limit (closures included).
        A limit is named when lifting it alone makes the trip possible.
        """
        where = f"from {[o.lon, o.lat]} to {[d.lon, d.lat]}"
        where_zh = f"从 {[o.lon, o.lat]} 到 {[d.lon, d.lat]}"
        try:
            self.route_between(o, d, self.network.base_weights, slot="explain")
        except NoRouteError:
            return Text(f"no road route {where} at all on this network", zh=f"在本路网上{where_zh}根本没有道路相通")
        masks = {k: m for k, m in limit_blocks(self.network, vehicle or Vehicle()).items() if m.any()}
        blocking = []
        for name in masks:
            w = base.copy()
            for other, mask in masks.items():
                if other != name:
                    w[mask] = FORBIDDEN
            try:
                self.route_between(o, d, w, slot="explain")
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
        labels_zh = {
            "height": f"限高低于车辆高度 {v.height_m} 米",
            "weight": f"限重低于车辆重量 {v.weight_t} 吨",
            "width": f"限宽低于车辆宽度 {v.width_m} 米",
            "hgv": "禁止重型货车通行的道路（hgv=no）",
        }
        if blocking:
            return Text(
                f"no legal truck route {where}: blocked by " + "; ".join(labels[b] for b in blocking),
                zh=f"{where_zh}没有合法的货车路线：受阻于" + "；".join(labels_zh[b] for b in blocking),
            )
        if masks:
            return Text(
                f"no legal truck route {where}: the limits together ({', '.join(labels[m] for m in masks)}) "
                "or the current closures leave no way through",
                zh=f"{where_zh}没有合法的货车路线：这些限制合在一起（{'、'.join(labels_zh[m] for m in masks)}）"
                "或当前的道路封闭使车辆无路可走",
            )
        return Text(
            f"no legal truck route {where}: the current closures leave no way through",
            zh=f"{where_zh}没有合法的货车路线：当前的道路封闭使车辆无路可走",
        )

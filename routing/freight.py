"""Closed-loop freight routing through emergency zones (policy section 五(一)).

A freight trip is a whole-chain closed loop, "origin -- highway transit
section -- destination", point to point.  Trucks may drive *through* sealed
(封控区) and controlled (管控区) zones but never stop in them; precaution zones
(防范区) are informational.  :func:`closed_loop_route` answers one trip:

Zone semantics
    Only zones active at ``departure`` (:meth:`geo.zones.Zone.active_at`) count.
    An arc "meets" a no-stop zone when its segment runs through the zone's
    interior (intersection of positive length, computed in the network's local
    projection).

Route choice (the rule)
    1. ``free``: the fastest legal truck route ignoring zones, time ``T_free``.
    2. ``avoid``: the fastest route on no arc that meets a sealed/controlled
       zone.  If it exists and its time is ``<= max_detour_ratio * T_free`` it
       is the answer (choice ``"avoid"``; ``"free"`` when no zone is in the way).
    3. Otherwise (choice ``"min_inside"``) the truck passes through, on the
       route minimising ``cost = T + K * I`` where ``T`` is the arc travel time
       and ``I`` the travel time spent inside sealed/controlled zones, both in
       integer deciseconds per arc (``I`` of an arc is its weight times the
       fraction of its straight segment's length inside the union of those
       zones, both lengths measured in the network's local projection; at
       least 1 for an arc that meets a zone).  ``K`` is the largest of
       :data:`PENALTY_STEPS` (``2**14, 2**10, 2**7, 2**5, 2**3, 2``) whose route
       still takes ``<= max_detour_ratio * T_free``; if none does, ``K = 0``
       (the fastest route).  So the detour cap always holds, and within it the
       truck spends as little time inside as this penalty ladder finds: with
       ``K = 2**14`` one decisecond inside outweighs 27 minutes of driving
       (lexicographic: least time inside first, least time second).  A
       closed-loop delivery into a zone (below) uses ``K = 2**14`` with no cap:
       it must enter, and enters as briefly as possible.  Per-arc weights are
       capped at ``MAX_ARC_WEIGHT = 2**24`` and path costs stay below
       ``2**31 - 1`` for any trip with less than 3.6 h inside.
    A trip is never refused because it must cross a zone.

Stops
    Origin, destination and waypoints are stops.  A waypoint inside a
    no-stop zone is an :class:`~geo.errors.InvalidInputError` naming the zone.
    A destination inside one is, for a whitelist enterprise's site, a
    closed-loop point-to-point delivery (routed by rule 3, flagged); otherwise
    a transshipment: the truck drives to a docking point (a planned one when
    the zone has any, else the last road node before the boundary crossing
    that the truck can reach without entering the zone and that is nearest to
    the destination for the inside vehicle) and an ``inside`` leg carries the
    goods on.  An origin inside a zone is handled symmetrically.

Speed
    Each zone's arcs (:meth:`RoadNetwork.arcs_intersecting`), inside lengths and
    where each arc's segment enters and leaves the zone are cached by zone id;
    each active-zone set's arc-to-zone table (:class:`ArcZones`, from which a
    route's crossings are read: only the partial arcs at its stops are cut per
    query) and weight vectors by a key.  Every weight variant is a named
    metric of the router's :class:`~routing.router.MetricPool`
    (``freight-free:<vehicle>``, ``freight-avoid:<vehicle>``,
    ``freight-inside:<vehicle>``...), brought to a new zone set by a partial
    CCH update, never a rebuild.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import shapely

from geo.errors import InvalidInputError, NoRouteError
from geo.zones import Zone
from routing.engine import FORBIDDEN, MAX_ARC_WEIGHT
from routing.network import WEIGHT_UNIT_S, RoadNetwork, Snap
from routing.router import Leg, Router, Vehicle, _arc_from, _arc_into, _dedupe, split_legs

#: The largest ``K`` of the route-choice rule ``T + K * I`` (deciseconds): lexicographic in practice.
INSIDE_FACTOR = 1 << 14
#: The penalties tried, most inside-averse first, until a route fits the detour cap.
PENALTY_STEPS = (INSIDE_FACTOR, 1 << 10, 1 << 7, 1 << 5, 1 << 3, 2)
DEFAULT_MAX_DETOUR_RATIO = 1.3


# ----------------------------------------------------------------------------------
# results
# ----------------------------------------------------------------------------------
@dataclass
class ZoneCrossing:
    """One passage of the truck through a zone (``entry``/``exit`` are ``[lon, lat]``)."""

    zone_id: str
    name: str
    risk: str
    entry: list[float]
    exit: list[float]
    time_inside_s: float
    length_inside_m: float


@dataclass
class Transshipment:
    """A handover at a zone boundary: the truck stops at ``docking_point``, an inside vehicle drives ``leg``."""

    end: str  # "origin" or "destination"
    zone_id: str
    zone_name: str
    risk: str
    docking_point: list[float]
    planned: bool
    leg: Leg


@dataclass
class FreightRoute:
    """A closed-loop freight route.

    ``coordinates``/``arcs``/``truck_length_m``/``truck_travel_time_s`` describe
    the truck's drive; ``length_m``/``travel_time_s`` the whole chain (truck plus
    any inside legs).  ``coordinates`` (``[n, 2]`` lon, lat) and ``arcs`` are
    arrays, like every leg's, shared with the legs: treat them as read-only.
    ``costs`` holds the rule's integer costs in deciseconds (``free``, ``avoid``
    or ``None``, ``chosen``, ``inside``).
    """

    origin: list[float]
    destination: list[float]
    snapped_origin: list[float]
    snapped_destination: list[float]
    stops: list[list[float]]
    legs: list[Leg]
    zones_crossed: list[ZoneCrossing]
    transshipments: list[Transshipment]
    length_m: float
    travel_time_s: float
    truck_length_m: float
    truck_travel_time_s: float
    time_inside_s: float
    coordinates: np.ndarray  # [n, 2] lon, lat (see routing.router.Leg)
    arcs: np.ndarray  # int64 arc ids of the truck's drive
    choice: str
    closed_loop_delivery: bool
    warnings: list[str] = field(default_factory=list)
    explanation: str = ""
    costs: dict = field(default_factory=dict)

    @property
    def transshipment(self) -> Transshipment | None:
        return self.transshipments[0] if self.transshipments else None


# ----------------------------------------------------------------------------------
# caches: zone arcs and weight vectors
# ----------------------------------------------------------------------------------
@dataclass
class ZoneArcs:
    """A zone's footprint on the network: its arcs, their length inside the zone, and where
    each arc's segment (tail to head) first meets the zone and last leaves it (``[lon, lat]``)."""

    arcs: np.ndarray  # sorted arc ids whose segment runs through the zone interior
    inside_m: np.ndarray  # metres inside, per arc of ``arcs``
    poly_xy: object  # the zone polygon in the network projection (prepared)
    entry: np.ndarray  # [len(arcs), 2] lon, lat
    exit: np.ndarray  # [len(arcs), 2] lon, lat


@dataclass
class ZoneSet:
    """Derived data of one set of active zones."""

    key: str  # digest of the sorted (zone key, risk) pairs: cheap to hash in cache keys
    zones: list[Zone]  # all active zones (crossings are reported for every risk)
    footprints: list[ZoneArcs]  # aligned with ``zones``
    nostop: list[Zone]
    inside_ds: np.ndarray  # int64 per arc: deciseconds inside the no-stop union (0 outside)
    mask: np.ndarray  # bool per arc: meets a no-stop zone
    tree_wgs: shapely.STRtree | None  # over nostop geometries, for stop containment
    tree_xy: shapely.STRtree | None  # over projected active-zone geometries
    arc_zone: ArcZones | None = None  # arc -> zones it runs through (see :func:`_arc_zone_matrix`)
    polys_xy: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))  # aligned with ``zones``


@dataclass
class Weights:
    free: np.ndarray
    avoid: np.ndarray
    penalised: np.ndarray  # K = INSIDE_FACTOR
    inside_vehicle: np.ndarray
    role: str
    inside_ds: np.ndarray | None = None  # for the lower penalties, built on demand
    _steps: dict = field(default_factory=dict)
    _capped: dict = field(default_factory=dict)

    def capped(self, k: int) -> bool:
        """Whether ``T + k * I`` exceeds ``MAX_ARC_WEIGHT`` on some usable arc (so it was capped there)."""
        if k not in self._capped:
            usable = self.free != FORBIDDEN
            self._capped[k] = bool(
                (self.free[usable].astype(np.int64) + k * self.inside_ds[usable] > MAX_ARC_WEIGHT).any())
        return self._capped[k]

    def with_penalty(self, k: int) -> np.ndarray:
        """``T + k * I`` (capped) on usable arcs; ``k = INSIDE_FACTOR`` is :attr:`penalised`."""
        if k == INSIDE_FACTOR:
            return self.penalised
        if k not in self._steps:
            usable = self.free != FORBIDDEN
            w = self.free.copy()
            w[usable] = np.minimum(self.free[usable] + k * self.inside_ds[usable], MAX_ARC_WEIGHT)
            w.flags.writeable = False
            self._steps[k] = w
        return self._steps[k]


class FreightIndex:
    """Per-router caches of zone footprints and weight vectors (thread-safe)."""

    def __init__(self, router: Router, *, max_sets: int = 6, max_zones: int = 4096):
        self.router = router
        self.network: RoadNetwork = router.network
        self.max_sets = max_sets
        self.max_zones = max_zones
        self._zones: OrderedDict[tuple, ZoneArcs] = OrderedDict()
        self._sets: OrderedDict[str, ZoneSet] = OrderedDict()
        # (zone id, risk, id of the geometry) per zone -> (zone set key, the geometries); holding the
        # geometries keeps their ids from being reused, and shapely geometries are immutable
        self._set_keys: OrderedDict[tuple, tuple[str, tuple]] = OrderedDict()
        self._weights: OrderedDict[tuple, Weights] = OrderedDict()
        self._lock = threading.RLock()
        self._segment_m: np.ndarray | None = None
        net = self.network
        order = np.argsort(net.tail, kind="stable")
        self._out = (np.searchsorted(net.tail[order], np.arange(net.node_count + 1)), order)
        order_in = np.argsort(net.head, kind="stable")
        self._in = (np.searchsorted(net.head[order_in], np.arange(net.node_count + 1)), order_in)

    @property
    def segment_m(self) -> np.ndarray:
        """Projected length of every arc's straight segment (the denominator of inside shares)."""
        if self._segment_m is None:
            self._segment_m = segment_xy_m(self.network, np.arange(self.network.arc_count))
        return self._segment_m

    # -- adjacency -------------------------------------------------------------------
    def out_arcs(self, node: int) -> np.ndarray:
        start, order = self._out
        return order[start[node]:start[node + 1]]

    def in_arcs(self, node: int) -> np.ndarray:
        start, order = self._in
        return order[start[node]:start[node + 1]]

    # -- zones -------------------------------------------------------------------------
    @staticmethod
    def zone_keys(zones: list[Zone]) -> list[tuple]:
        """Cache keys of zones: id and rounded bounds (ids are immutable; bounds guard against reuse)."""
        if not zones:
            return []
        bounds = np.round(shapely.bounds(np.array([z.geometry for z in zones], dtype=object)), 9).tolist()
        return [(z.id, tuple(b)) for z, b in zip(zones, bounds)]

    def zone_arcs(self, zone: Zone, key: tuple | None = None) -> ZoneArcs:
        """The arcs of ``zone`` and their inside lengths (cached by zone id and bounds)."""
        key = key or self.zone_keys([zone])[0]
        with self._lock:
            hit = self._zones.get(key)
            if hit is not None:
                self._zones.move_to_end(key)
                return hit
        net = self.network
        poly = net.projection.forward_geom(zone.geometry)
        shapely.prepare(poly)
        arcs = net.arcs_intersecting(zone.geometry)
        inside, first, last = segment_cuts(net, arcs, poly)
        keep = inside > 1e-6
        ends = np.concatenate([first[keep], last[keep]])
        lon, lat = net.projection.inverse(ends[:, 0], ends[:, 1])
        ends_ll = np.column_stack([np.asarray(lon, dtype=float).reshape(-1), np.asarray(lat, dtype=float).reshape(-1)])
        k = int(keep.sum())
        item = ZoneArcs(arcs=arcs[keep], inside_m=inside[keep], poly_xy=poly, entry=ends_ll[:k], exit=ends_ll[k:])
        with self._lock:
            self._zones[key] = item
            while len(self._zones) > self.max_zones:
                self._zones.popitem(last=False)
        return item

    def zone_set(self, zones: list[Zone]) -> ZoneSet:
        """Derived data for the active ``zones`` (cached by their keys).

        The same zone objects again (same ids, risks and geometry objects) skip
        computing the keys.
        """
        ident = tuple([(z.id, z.risk, id(z.geometry)) for z in zones])
        with self._lock:
            known = self._set_keys.get(ident)
            hit = self._sets.get(known[0]) if known is not None else None
            if hit is not None:
                self._sets.move_to_end(known[0])
                return hit
        keys = self.zone_keys(zones)
        key = hashlib.blake2b(repr(sorted(zip(keys, (z.risk for z in zones)))).encode(), digest_size=16).hexdigest()
        with self._lock:
            hit = self._sets.get(key)
            if hit is not None:
                self._sets.move_to_end(key)
                self._remember_set_key(ident, key, zones)
                return hit
        net = self.network
        order = sorted(range(len(zones)), key=lambda i: (keys[i], zones[i].risk))
        zones = [zones[i] for i in order]
        footprints = [self.zone_arcs(zones[k], keys[i]) for k, i in enumerate(order)]
        nostop = [z for z in zones if z.no_stop]
        inside_m = np.zeros(net.arc_count)
        count = np.zeros(net.arc_count, dtype=np.int32)
        for z, za in zip(zones, footprints):
            if z.no_stop:
                inside_m[za.arcs] += za.inside_m
                count[za.arcs] += 1
        multi = np.nonzero(count > 1)[0]
        if multi.size:  # overlapping zones: measure against their union
            union = shapely.union_all([za.poly_xy for z, za in zip(zones, footprints) if z.no_stop])
            inside_m[multi] = segment_inside_m(net, multi, union)
        mask = count > 0
        seg_m = self.segment_m
        frac = np.where(mask, np.minimum(1.0, inside_m / np.maximum(seg_m, 1e-9)), 0.0)
        inside_ds = np.where(mask, np.maximum(1, np.rint(frac * net.base_weights)), 0).astype(np.int64)
        zs = ZoneSet(
            key=key, zones=zones, footprints=footprints, nostop=nostop, inside_ds=inside_ds, mask=mask,
            tree_wgs=shapely.STRtree([z.geometry for z in nostop]) if nostop else None,
            tree_xy=shapely.STRtree([za.poly_xy for za in footprints]) if zones else None,
            arc_zone=_arc_zone_matrix(footprints, seg_m, net.travel_time_s),
            polys_xy=np.array([za.poly_xy for za in footprints], dtype=object),
        )
        with self._lock:
            self._sets[key] = zs
            while len(self._sets) > self.max_sets:
                self._sets.popitem(last=False)
            self._remember_set_key(ident, key, zones)
        return zs

    def _remember_set_key(self, ident: tuple, key: str, zones: list[Zone]) -> None:
        """Map the zone objects' identity to their zone set key (called under the lock)."""
        self._set_keys[ident] = (key, tuple(z.geometry for z in zones))
        while len(self._set_keys) > 4 * self.max_sets:
            self._set_keys.popitem(last=False)

    def weights(self, zs: ZoneSet, vehicle: Vehicle | None, closed_arcs: np.ndarray | None) -> Weights:
        """Weight vectors (free / avoid / penalised / inside vehicle) for a zone set, vehicle and closures."""
        closed = np.zeros(0, dtype=np.int64) if closed_arcs is None else np.asarray(closed_arcs, dtype=np.int64)
        if closed.size:
            closed = np.unique(closed)
        if closed.size and (closed.min() < 0 or closed.max() >= self.network.arc_count):
            raise InvalidInputError(f"closed arc ids must be in 0..{self.network.arc_count - 1}")
        digest = hashlib.blake2b(closed.tobytes(), digest_size=8).hexdigest() if closed.size else ""
        vrole = Router.vehicle_role(vehicle)
        key = (zs.key, vrole, digest)
        with self._lock:
            hit = self._weights.get(key)
            if hit is not None:
                self._weights.move_to_end(key)
                return hit
        base = self.network.base_weights.copy()
        base[closed] = FORBIDDEN
        free = self.router.vehicle_weights(vehicle, base)
        avoid = free.copy()
        avoid[zs.mask] = FORBIDDEN
        usable = free != FORBIDDEN
        pen = free.copy()
        pen[usable] = np.minimum(free[usable] + INSIDE_FACTOR * zs.inside_ds[usable], MAX_ARC_WEIGHT)
        role = vrole  # not keyed by zones or closures: a change there is a partial update of the same metric
        for arr in (free, avoid, pen, base):
            arr.flags.writeable = False  # shared by every query of this zone set (and remembered by the pool)
        w = Weights(free=free, avoid=avoid, penalised=pen, inside_vehicle=base, role=role, inside_ds=zs.inside_ds)
        with self._lock:
            self._weights[key] = w
            while len(self._weights) > self.max_sets:
                self._weights.popitem(last=False)
        return w


@dataclass(frozen=True)
class ArcZones:
    """CSR over arcs of the zones each arc runs through.

    The zones of arc ``a`` are rows ``indptr[a]:indptr[a + 1]``; per row ``zone``
    (index into the zone set's zones), ``inside_m`` (metres of the arc's segment
    inside that zone), ``time_s`` (the arc's travel time prorated by that planar
    share), ``entry`` and ``exit`` (``[lon, lat]`` where the segment, tail to head,
    first meets the zone and last leaves it).
    """

    indptr: np.ndarray
    count: np.ndarray  # how many zones each arc runs through (``np.diff(indptr)``)
    zone: np.ndarray
    inside_m: np.ndarray
    time_s: np.ndarray
    entry: np.ndarray
    exit: np.ndarray


def _arc_zone_matrix(footprints: list[ZoneArcs], segment_m: np.ndarray, travel_time_s: np.ndarray) -> ArcZones:
    """The :class:`ArcZones` of a zone set's footprints (``footprints[k]`` is zone ``k``).

    ``segment_m`` and ``travel_time_s`` are per arc of the network: the planar
    length of its segment and its travel time.
    """
    rows = np.concatenate([za.arcs for za in footprints] + [np.zeros(0, dtype=np.int64)])
    cols = np.concatenate([np.full(za.arcs.size, k, dtype=np.int64) for k, za in enumerate(footprints)]
                          + [np.zeros(0, dtype=np.int64)])
    vals = np.concatenate([za.inside_m for za in footprints] + [np.zeros(0)])
    entry = np.concatenate([za.entry for za in footprints] + [np.zeros((0, 2))])
    exit_ = np.concatenate([za.exit for za in footprints] + [np.zeros((0, 2))])
    order = np.argsort(rows, kind="stable")
    arcs, inside = rows[order], vals[order]
    indptr = np.searchsorted(arcs, np.arange(segment_m.size + 1))
    time_s = np.minimum(1.0, inside / np.maximum(segment_m[arcs], 1e-12)) * travel_time_s[arcs]
    count = np.diff(indptr)
    count = count.astype(np.min_scalar_type(int(count.max()) if count.size else 0))  # compact: cheap to gather
    return ArcZones(indptr=indptr, count=count, zone=cols[order], inside_m=inside, time_s=time_s,
                    entry=entry[order], exit=exit_[order])


def freight_index(router: Router) -> FreightIndex:
    """The router's :class:`FreightIndex` (created on first use, one per router)."""
    index = router.__dict__.get("_freight_index")
    if index is None:
        index = router.__dict__.setdefault("_freight_index", FreightIndex(router))
    return index


def segment_inside_m(net: RoadNetwork, arcs: np.ndarray, poly_xy) -> np.ndarray:
    """Metres of each arc's straight segment inside a projected polygon."""
    return segment_cuts(net, arcs, poly_xy)[0]


def segment_cuts(net: RoadNetwork, arcs: np.ndarray, poly_xy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each arc's straight segment (tail to head) against a projected polygon.

    Returns ``(inside_m, first, last)``: metres inside, and the projected points
    ``[len(arcs), 2]`` where the segment first meets and last leaves the polygon
    (NaN for a segment that misses it).
    """
    if len(arcs) == 0:
        return np.zeros(0), np.zeros((0, 2)), np.zeros((0, 2))
    x, y = net.node_xy
    t, h = net.tail[arcs], net.head[arcs]
    start = np.column_stack([x[t], y[t]])
    cut = shapely.intersection(shapely.linestrings(np.stack([start, np.column_stack([x[h], y[h]])], axis=1)),
                               poly_xy)
    first, last = first_last_points(cut, start)
    return shapely.length(cut), first, last


def first_last_points(geoms: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each geometry, its vertex nearest to ``start[i]`` and its vertex farthest from it.

    ``geoms`` are the pieces of straight segments starting at ``start``, so these are
    where each segment first meets and last leaves what it was cut with; the first
    listed vertex wins a tie.  Rows of empty geometries are NaN.
    """
    first = np.full((len(geoms), 2), np.nan)
    last = first.copy()
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    if which.size:
        dist = np.hypot(coords[:, 0] - start[which, 0], coords[:, 1] - start[which, 1])
        for out, key in ((first, dist), (last, -dist)):
            order = np.lexsort((key, which))  # by geometry, then distance; stable among ties
            w = which[order]
            lead = np.ones(w.size, dtype=bool)
            lead[1:] = w[1:] != w[:-1]
            out[w[lead]] = coords[order[lead]]
    return first, last


def segment_xy_m(net: RoadNetwork, arcs: np.ndarray) -> np.ndarray:
    """Projected length of each arc's straight segment (the denominator of inside shares)."""
    x, y = net.node_xy
    t, h = net.tail[arcs], net.head[arcs]
    return np.hypot(x[h] - x[t], y[h] - y[t])


# ----------------------------------------------------------------------------------
# drive assembly
# ----------------------------------------------------------------------------------
@dataclass
class Drive:
    """A driven path as parts: ``points[k]`` -> ``points[k+1]`` is ``fracs[k]`` of arc ``arcs[k]``."""

    arcs: np.ndarray
    fracs: np.ndarray
    points: np.ndarray  # [len(arcs) + 1, 2] lon, lat
    cost: float  # weight units
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    @staticmethod
    def empty(lon: float, lat: float) -> Drive:
        return Drive(np.zeros(0, dtype=np.int64), np.zeros(0), np.array([[lon, lat]]), 0.0)

    def part_len(self, net: RoadNetwork) -> np.ndarray:
        """Metres driven on each part (remembered: a drive belongs to one network)."""
        if "len" not in self._memo:
            self._memo["len"] = self.fracs * net.length_m[self.arcs]
        return self._memo["len"]

    def part_time(self, net: RoadNetwork) -> np.ndarray:
        """Seconds driven on each part (remembered: a drive belongs to one network)."""
        if "time" not in self._memo:
            self._memo["time"] = self.fracs * net.travel_time_s[self.arcs]
        return self._memo["time"]

    def then(self, other: Drive) -> Drive:
        return Drive(np.concatenate([self.arcs, other.arcs]), np.concatenate([self.fracs, other.fracs]),
                     np.concatenate([self.points, other.points[1:]]), self.cost + other.cost)


def _parts(net: RoadNetwork, o: Snap, d: Snap, path) -> tuple[np.ndarray, np.ndarray]:
    """The arcs and fractions driven from ``o`` to ``d`` along an engine path (``None``: along one segment)."""
    if path is None:
        if o.arc == d.arc and d.fraction == o.fraction:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        arc = o.arc if d.fraction >= o.fraction else o.reverse_arc
        return np.array([arc], dtype=np.int64), np.array([abs(d.fraction - o.fraction)])
    first, f0 = _arc_into(net, o, path.nodes[0])
    last, f1 = _arc_from(net, d, path.nodes[-1])
    n = len(path.arcs)
    arcs = np.empty(n + 2, dtype=np.int64)
    arcs[0], arcs[-1] = first, last
    arcs[1:-1] = np.fromiter(path.arcs, dtype=np.int64, count=n)  # faster than assigning the list itself
    fracs = np.ones(n + 2)
    fracs[0], fracs[-1] = f0, f1
    if f0 > 0 and f1 > 0:
        return arcs, fracs
    keep = fracs > 0
    return arcs[keep], fracs[keep]


def _drive(net: RoadNetwork, o: Snap, d: Snap, path, cost: float,
           parts: tuple[np.ndarray, np.ndarray] | None = None) -> Drive:
    """Mirror of :meth:`Router.assemble` that keeps the parts (arcs and fractions; ``parts`` if known)."""
    arcs, fracs = _parts(net, o, d, path) if parts is None else parts
    if arcs.size == 0:
        return Drive.empty(o.snapped_lon, o.snapped_lat)
    heads = net.head[arcs[:-1]]
    points = np.empty((arcs.size + 1, 2))
    points[0] = o.snapped_lon, o.snapped_lat
    points[1:-1, 0] = net.node_lon[heads]
    points[1:-1, 1] = net.node_lat[heads]
    points[-1] = d.snapped_lon, d.snapped_lat
    return Drive(arcs, fracs, points, float(cost))


def _leg(kind: str, net: RoadNetwork, drive: Drive, note: str | None = None) -> Leg:
    return Leg(kind=kind, arcs=drive.arcs, coordinates=_dedupe(drive.points),
               length_m=float(drive.part_len(net).sum()), travel_time_s=float(drive.part_time(net).sum()), note=note)


def node_snap(net: RoadNetwork, node: int, arc: int, fraction: float) -> Snap:
    """A :class:`Snap` standing exactly on ``node`` (an end of ``arc``)."""
    lon, lat = float(net.node_lon[node]), float(net.node_lat[node])
    return Snap(lon=lon, lat=lat, arc=int(arc), reverse_arc=int(net.reverse_arc[arc]), fraction=fraction,
                distance_m=0.0, snapped_lon=lon, snapped_lat=lat)


# ----------------------------------------------------------------------------------
# crossings
# ----------------------------------------------------------------------------------
def zone_crossings(index: FreightIndex, zs: ZoneSet, drive: Drive) -> list[ZoneCrossing]:
    """Every passage of a drive through an active zone, with entry, exit and time inside.

    A passage is a maximal run of route parts that have a positive length
    inside the zone; ``time_inside_s`` prorates each part's travel time by the
    share of its length inside (constant speed along an arc).

    Whole arcs read their length inside, entry and exit from the zone set's
    :class:`ArcZones` (measured once per zone); only the partial arcs at the
    stops are cut with the zone polygon here.
    """
    az = zs.arc_zone
    if zs.tree_xy is None or az is None or drive.arcs.size == 0:
        return []
    net = index.network
    arcs = drive.arcs
    count = az.count[arcs]
    hit = np.flatnonzero(count)
    if hit.size == 0:
        return []
    # one row per (part, zone) that the part's arc runs through, in driving order
    n_hit = count[hit].astype(np.int64)
    lo = az.indptr[arcs[hit]]
    single = int(n_hit.sum()) == hit.size  # one zone per part (zones apart)
    if single:
        part, row = hit, lo
    else:
        part = np.repeat(hit, n_hit)
        row = np.repeat(lo - (np.cumsum(n_hit) - n_hit), n_hit) + np.arange(part.size)
    zone_i = az.zone[row]
    # values of row k are table[idx[k]]: the zone set's own tables, or per-row copies where partial parts are cut
    idx, inside_t, time_t, entry_t, exit_t = row, az.inside_m, az.time_s, az.entry, az.exit
    partial = np.flatnonzero(drive.fracs[part] < 1.0 - 1e-12)
    if partial.size:  # a part of an arc: cut it (a part of an arc outside the zone is outside too)
        inside_t, time_t, entry_t, exit_t = az.inside_m[row], az.time_s[row], az.entry[row], az.exit[row]
        _cut_partial(net, zs, drive, part[partial], zone_i[partial], rows=partial, inside=inside_t, time_s=time_t,
                     entry=entry_t, exit_=exit_t)
        idx = np.flatnonzero(inside_t > 1e-6)
        if idx.size < part.size:
            part, zone_i = part[idx], zone_i[idx]
            if part.size == 0:
                return []
    if not single:  # group each zone's rows, in driving order within a zone
        order = np.lexsort((part, zone_i))
        part, zone_i, idx = part[order], zone_i[order], idx[order]
    start = np.ones(part.size, dtype=bool)
    start[1:] = (zone_i[1:] != zone_i[:-1]) | (part[1:] != part[:-1] + 1)
    first = np.flatnonzero(start)
    last = np.empty_like(first)
    last[:-1] = first[1:] - 1
    last[-1] = part.size - 1
    times = np.add.reduceat(time_t[idx], first)
    lengths = np.add.reduceat(inside_t[idx], first)
    if not single:  # in driving order, then by zone
        runs = np.lexsort((zone_i[first], part[first]))
        first, last, times, lengths = first[runs], last[runs], times[runs], lengths[runs]
    zones = zs.zones
    return [ZoneCrossing(zone_id=zones[i].id, name=zones[i].name, risk=zones[i].risk, entry=en, exit=ex,
                         time_inside_s=t, length_inside_m=length)
            for i, en, ex, t, length in zip(zone_i[first].tolist(), entry_t[idx[first]].tolist(),
                                            exit_t[idx[last]].tolist(), times.tolist(), lengths.tolist())]


def _cut_partial(net: RoadNetwork, zs: ZoneSet, drive: Drive, parts: np.ndarray, zones: np.ndarray, *,
                 rows: np.ndarray, inside: np.ndarray, time_s: np.ndarray, entry: np.ndarray,
                 exit_: np.ndarray) -> None:
    """Measure partial parts against their zones and write the results into ``rows`` of the arrays.

    ``time_s`` is the part's travel time prorated by its planar share inside.
    """
    ends = drive.points[np.concatenate([parts, parts + 1])]
    x, y = net.projection.forward(ends[:, 0], ends[:, 1])
    xy = np.column_stack([np.asarray(x, dtype=float).reshape(-1), np.asarray(y, dtype=float).reshape(-1)])
    p0, p1 = xy[:parts.size], xy[parts.size:]
    cut = shapely.intersection(shapely.linestrings(np.stack([p0, p1], axis=1)), zs.polys_xy[zones])
    inside[rows] = cut_m = shapely.length(cut)
    part_xy = np.hypot(p1[:, 0] - p0[:, 0], p1[:, 1] - p0[:, 1])
    part_time = drive.fracs[parts] * net.travel_time_s[drive.arcs[parts]]
    time_s[rows] = np.minimum(1.0, cut_m / np.maximum(part_xy, 1e-12)) * part_time
    first, last = first_last_points(cut, p0)
    pts = np.concatenate([first, last])
    missing = np.isnan(pts[:, 0])
    pts[missing] = np.concatenate([p0, p0])[missing]  # touching only: the part start
    lon, lat = net.projection.inverse(pts[:, 0], pts[:, 1])
    ll = np.column_stack([np.asarray(lon, dtype=float).reshape(-1), np.asarray(lat, dtype=float).reshape(-1)])
    entry[rows], exit_[rows] = ll[:parts.size], ll[parts.size:]


# ----------------------------------------------------------------------------------
# the closed-loop route
# ----------------------------------------------------------------------------------
def closed_loop_route(
    router: Router,
    origin,
    destination,
    *,
    zones: list[Zone],
    waypoints=(),
    vehicle: Vehicle | None = None,
    departure: datetime | None = None,
    max_detour_ratio: float = DEFAULT_MAX_DETOUR_RATIO,
    closed_arcs=None,
    docking_points: dict[str, list[list[float]]] | None = None,
    destination_whitelisted: bool = False,
    origin_whitelisted: bool = False,
) -> FreightRoute:
    """A closed-loop truck route from ``origin`` to ``destination`` (``[lon, lat]``) through ``zones``.

    See the module docstring for the zone semantics and the route-choice rule.

    Raises
    ------
    InvalidInputError
        For a bad point or ratio, or a waypoint inside a sealed/controlled zone
        (the message names the zone id).
    OffNetworkError
        If a stop is farther than the snap limit from every road.
    NoRouteError
        If no legal truck route exists; the message names the limit that blocks it.
    """
    if not (np.isfinite(max_detour_ratio) and max_detour_ratio >= 1.0):
        raise InvalidInputError(f"`max_detour_ratio` was {max_detour_ratio!r}; expected a number >= 1")
    index = freight_index(router)
    net = router.network
    active = [z for z in zones if z.active_at(departure)]
    zs = index.zone_set(active)
    w = index.weights(zs, vehicle, closed_arcs)
    docking_points = docking_points or {}
    warnings: list[str] = []

    o, d, *wps = router.snap_many([origin, destination, *waypoints],
                                  field_names=["origin", "destination",
                                               *(f"waypoints[{i}]" for i in range(len(waypoints)))])
    *wp_zones, o_zone, d_zone = _stop_zones(zs, [*wps, o, d])
    for i, (s, z) in enumerate(zip(wps, wp_zones)):
        if z is not None:
            raise InvalidInputError(
                f"`waypoints[{i}]` {[s.lon, s.lat]} lies inside {z.risk} zone {z.id!r} ({z.name}); "
                "trucks may pass through sealed and controlled zones but not stop in them"
            )
    transshipments: list[Transshipment] = []
    closed_loop = False

    if o_zone is not None and d_zone is not None and o_zone.id == d_zone.id and not wps:
        # the whole trip lies inside one zone: it is an inside delivery only
        cost, path = _route(router, o, d, w.inside_vehicle, f"freight-insideveh:{w.role}", None, net, closed_arcs)
        drive = _drive(net, o, d, path, cost)
        leg = _leg("inside", net, drive, note=f"inside {o_zone.risk} zone {o_zone.id}: inside vehicle only")
        warnings.append(f"origin and destination both lie inside {o_zone.risk} zone {o_zone.id!r}: "
                        "the trip is an inside-zone delivery by an inside vehicle; no truck enters or leaves")
        return _result(index, zs, o, d, [o, d], [leg], drive, Drive.empty(o.snapped_lon, o.snapped_lat), [], "inside",
                       False, warnings, "Both ends lie in the same zone; no truck leg.",
                       {"free": None, "avoid": None, "chosen": None, "inside": None}, truck=False)

    truck_o, truck_d = o, d
    inside_before: Leg | None = None
    inside_after: Leg | None = None
    if o_zone is not None:
        if origin_whitelisted:
            closed_loop = True
            warnings.append(f"origin lies inside {o_zone.risk} zone {o_zone.id!r} at a whitelist enterprise: "
                            "closed-loop point-to-point pickup; the truck enters the zone only for it")
        else:
            t = _transship(router, index, zs, w, o_zone, o, wps[0] if wps else d, docking_points, end="origin")
            transshipments.append(t)
            truck_o = t.leg_snap
            inside_before = t.trans.leg
    if d_zone is not None:
        if destination_whitelisted:
            closed_loop = True
            warnings.append(f"destination lies inside {d_zone.risk} zone {d_zone.id!r} at a whitelist enterprise: "
                            "closed-loop point-to-point delivery; the truck enters the zone only for it")
        else:
            t = _transship(router, index, zs, w, d_zone, d, wps[-1] if wps else truck_o, docking_points,
                           end="destination")
            transshipments.append(t)
            truck_d = t.leg_snap
            inside_after = t.trans.leg

    stops = [truck_o, *wps, truck_d]
    # 1. free, 2. avoid within the cap, 3. the penalty ladder within the cap (see the module docstring).
    pairs = list(zip(stops[:-1], stops[1:]))
    roles = {k: f"freight-{k}:{w.role}" for k in ("free", "avoid", "inside")}
    no_zone = not zs.mask.any()
    free_found = []
    for a, b in pairs:
        try:
            free_found.append(_best(router, a, b, w.free, roles["free"], want_path=no_zone))
        except NoRouteError:
            # route_between fails the same way; _route re-raises naming the blocking limit
            free_found.append(_route(router, a, b, w.free, roles["free"], vehicle, net, closed_arcs))
    free_cost = sum(c for c, _ in free_found)
    cap = max_detour_ratio * free_cost * (1 + 1e-12)
    avoid_cost = None
    penalty: int | None = None
    parts = time_cost = None  # the chosen paths' arcs and fractions, and their time, when already known
    if no_zone:
        chosen, choice = free_found, "free"
    elif closed_loop:
        chosen, choice, penalty = [_best(router, a, b, w.penalised, roles["inside"]) for a, b in pairs], \
            "min_inside", INSIDE_FACTOR
    else:
        try:
            avoid = [_cheapest(router, a, b, w.avoid, roles["avoid"]) for a, b in pairs]
            avoid_cost = sum(c for c, _ in avoid)
        except NoRouteError:
            avoid_cost = None
        if avoid_cost is not None and avoid_cost <= cap:
            chosen = [(c, _path_of(router, w.avoid, roles["avoid"], ends)) for c, ends in avoid]
            choice = "free" if abs(avoid_cost - free_cost) <= 1e-6 * max(1.0, free_cost) else "avoid"
        else:
            choice = "min_inside"
            chosen, penalty, parts, time_cost = _ladder(router, w, stops, roles["inside"], free_cost, cap)
            if chosen is None:  # nothing on the ladder fits: the fastest route
                chosen, penalty, parts, time_cost = \
                    [_best(router, a, b, w.free, roles["free"]) for a, b in pairs], 0, None, None
    drive = _concat(net, stops, chosen, parts)
    if time_cost is None:
        time_cost = float((drive.fracs * w.free[drive.arcs]).sum()) if drive.arcs.size else 0.0
    inside_cost = float((drive.fracs * zs.inside_ds[drive.arcs]).sum()) if drive.arcs.size else 0.0
    costs = {"free": float(free_cost), "avoid": None if avoid_cost is None else float(avoid_cost),
             "chosen": time_cost, "inside": inside_cost, "rule": float(drive.cost), "penalty": penalty}

    if choice == "free":
        names = ", ".join(sorted({z.id for z in zs.nostop}))
        explanation = ("The fastest legal truck route meets no sealed or controlled zone"
                       + (f" (active no-stop zones: {names})." if zs.nostop else "."))
    elif choice == "avoid":
        explanation = (f"The fastest route crosses sealed/controlled zones; a route avoiding them exists at "
                       f"{avoid_cost * WEIGHT_UNIT_S:.0f} s against {free_cost * WEIGHT_UNIT_S:.0f} s "
                       f"(ratio {avoid_cost / max(free_cost, 1e-9):.2f} <= max_detour_ratio {max_detour_ratio}), "
                       "so it is taken.")
    else:
        if closed_loop:
            why = "the trip is a closed-loop delivery to or from a whitelist enterprise inside a zone"
        elif avoid_cost is None:
            why = "no route avoids the sealed/controlled zones"
        else:
            why = (f"the avoiding route takes {avoid_cost * WEIGHT_UNIT_S:.0f} s, more than max_detour_ratio "
                   f"{max_detour_ratio} x the fastest {free_cost * WEIGHT_UNIT_S:.0f} s")
        if closed_loop:
            how = (f"so the route minimises time inside those zones first and total time second "
                   f"(cost = time + {INSIDE_FACTOR} x time inside)")
        else:
            how = (f"so the truck passes through on the route that minimises time + {penalty} x time inside, the "
                   f"largest penalty whose route stays within max_detour_ratio {max_detour_ratio} x the fastest time")
        explanation = f"Passing through is allowed, stopping is not: {why}, {how}."
        if inside_cost > 0:
            warnings.append(f"the route passes through sealed/controlled zones ({inside_cost * WEIGHT_UNIT_S:.0f} s "
                            "inside): do not stop inside them")
        else:
            explanation += " The least-inside route found avoids them after all."

    for t in transshipments:
        explanation += (f" The {t.trans.end} lies inside {t.trans.risk} zone {t.trans.zone_id}: goods are handed over "
                        f"at the {'planned ' if t.trans.planned else ''}docking point {t.trans.docking_point}.")
        warnings.append(f"transshipment at {t.trans.docking_point} ({t.trans.zone_id}): an inside vehicle carries "
                        f"the {t.trans.end} leg")
    legs = split_legs(router.main_road_mask, drive.arcs, drive.points, drive.part_len(net), drive.part_time(net)) \
        if drive.arcs.size else []
    legs = ([inside_before] if inside_before else []) + legs + ([inside_after] if inside_after else [])
    return _result(index, zs, o, d, stops, legs, drive, drive, [t.trans for t in transshipments], choice,
                   closed_loop, warnings, explanation, costs, truck=True)


@dataclass
class _Dock:
    trans: Transshipment
    leg_snap: Snap


def _route(router: Router, a: Snap, b: Snap, weights: np.ndarray, role: str, vehicle: Vehicle | None,
           net: RoadNetwork, closed_arcs=None):
    try:
        return router.route_between(a, b, weights, role=role)
    except NoRouteError as err:
        base = net.base_weights.copy()
        if closed_arcs is not None and len(closed_arcs):
            base[np.asarray(closed_arcs, dtype=np.int64)] = FORBIDDEN
        raise NoRouteError(router.explain_no_route(a, b, vehicle, base)) from err


def _best(router: Router, a: Snap, b: Snap, weights: np.ndarray, role: str, *,
          want_path: bool = True) -> tuple[float, object]:
    """Like :meth:`Router.route_between` (same ends, same costs, same metric roles), but one
    many-to-many call picks the best end pair and only that pair's path is unpacked.

    Raises
    ------
    NoRouteError
        If the points are not connected under these weights.
    """
    cost, ends = _cheapest(router, a, b, weights, role)
    return cost, _path_of(router, weights, role, ends) if want_path else None


def _cheapest(router: Router, a: Snap, b: Snap, weights: np.ndarray, role: str) -> tuple[float, tuple | None]:
    """The cost from ``a`` to ``b`` and the ``(source, target)`` nodes of the engine path that achieves it
    (``None`` when the way stays on the one segment both points lie on); see :func:`_best`.

    Raises
    ------
    NoRouteError
        If the points are not connected under these weights.
    """
    direct = router._same_arc(a, b, weights)
    src = router._ends(a, weights, as_source=True)
    dst = router._ends(b, weights, as_source=False)
    cost, pick = np.inf, None
    if src and dst:
        with router.pool.using(role, weights) as engine:
            m = engine.matrix([s for s, _ in src], [t for t, _ in dst]).tolist()
        # at most 2 x 2 pairs: the first cheapest, as an argmin over the matrix plus end costs picks it
        for (s, s0), row in zip(src, m):
            for (t, t0), c in zip(dst, row):
                c = c + s0 + t0
                if c < cost:
                    cost, pick = float(c), (s, t)
    if direct is not None and direct <= cost:
        return float(direct), None
    if pick is None:
        raise NoRouteError(f"no truck route from {[a.lon, a.lat]} to {[b.lon, b.lat]} on the current network")
    return cost, pick


def _path_of(router: Router, weights: np.ndarray, role: str, ends: tuple | None):
    """The engine path between the nodes :func:`_cheapest` picked (``None`` stays on one segment)."""
    if ends is None:
        return None
    with router.pool.using(role, weights) as engine:
        return engine.route(*ends)


def _ladder(router: Router, w: Weights, stops: list[Snap], inside_role: str, free_cost: float,
            cap: float) -> tuple[list | None, int | None, list | None, float | None]:
    """Rule 3: the first of :data:`PENALTY_STEPS` whose route takes at most ``cap`` under the free weights.

    Returns ``(found, k, parts, time)`` of that step (``found`` as :func:`_best`
    gives per pair), or ``(None, None, None, None)`` if none fits.

    The first step's paths are always unpacked and timed.  A later step ``k``
    is skipped without unpacking when a lower bound on its time already
    exceeds the cap: the least cost ``C(k) = min over routes of T + k * I`` is
    concave in ``k``, so any route optimal at ``k`` has ``I <= (C(k) - C(k')) /
    (k - k')`` for the next smaller step ``k'``, hence ``T = C(k) - k * I >=
    C(k) - k * (C(k) - C(k')) / (k - k')``.  The bound only holds while no arc
    weight is capped at ``MAX_ARC_WEIGHT`` (checked per step); otherwise, and
    for the last step, the paths are unpacked.  Costs come from the cheap
    many-to-many call, each step's once.
    """
    net = router.network
    pairs = list(zip(stops[:-1], stops[1:]))
    costs: dict[int, list] = {}

    def role(k: int) -> str:
        return inside_role if k == INSIDE_FACTOR else f"freight-inside{k}:{w.role}"

    def cheapest(k: int) -> list:
        if k not in costs:
            costs[k] = [_cheapest(router, a, b, w.with_penalty(k), role(k)) for a, b in pairs]
        return costs[k]

    for i, k in enumerate(PENALTY_STEPS):
        lower = PENALTY_STEPS[i + 1] if i + 1 < len(PENALTY_STEPS) else None
        if i > 0 and lower is not None and not (w.capped(k) or w.capped(lower)):
            c_k = sum(c for c, _ in cheapest(k))
            c_lo = sum(c for c, _ in cheapest(lower))
            if c_k - k * (c_k - c_lo) / (k - lower) > cap + 1e-6 * max(1.0, cap):
                continue
        weights = w.with_penalty(k)
        found = [(c, _path_of(router, weights, role(k), ends)) for c, ends in cheapest(k)]
        fits, parts, time = _time_within(net, stops, found, w.free, cap)
        if fits:
            return found, k, parts, time
    return None, None, None, None


def _concat(net: RoadNetwork, stops: list[Snap], found: list, parts: list | None = None) -> Drive:
    """The drive through ``stops`` along the ``found`` ``(cost, path)`` of each pair (``parts`` if known)."""
    drive = None
    for k, ((a, b), (cost, path)) in enumerate(zip(zip(stops[:-1], stops[1:]), found)):
        part = _drive(net, a, b, path, cost, None if parts is None else parts[k])
        drive = part if drive is None else drive.then(part)
    return drive


def _time_within(net: RoadNetwork, stops: list[Snap], found: list, free: np.ndarray,
                 cap: float) -> tuple[bool, list, float]:
    """Whether the ``found`` paths through ``stops`` take at most ``cap`` under ``free``; their parts and time."""
    parts = [_parts(net, a, b, path) for (a, b), (_, path) in zip(zip(stops[:-1], stops[1:]), found)]
    arcs, fracs = parts[0] if len(parts) == 1 else (np.concatenate([p[0] for p in parts]),
                                                     np.concatenate([p[1] for p in parts]))
    time = float((fracs * free[arcs]).sum()) if arcs.size else 0.0
    return arcs.size == 0 or time <= cap, parts, time


def _stop_zones(zs: ZoneSet, stops: list[Snap]) -> list[Zone | None]:
    """The sealed/controlled zone each stop lies in (its given or its snapped position), or ``None``;
    one tree query for all of them."""
    if zs.tree_wgs is None or not stops:
        return [None] * len(stops)
    pts = shapely.points([c for s in stops for c in ([s.lon, s.lat], [s.snapped_lon, s.snapped_lat])])
    hit = zs.tree_wgs.query(pts, predicate="covered_by")
    found: list[set[int]] = [set() for _ in stops]
    for p, z in zip(hit[0].tolist(), hit[1].tolist()):
        found[p // 2].add(z)
    # prefer a sealed zone, then the earliest listed
    return [zs.nostop[min(c, key=lambda i: (zs.nostop[i].risk != "sealed", i))] if c else None for c in found]


def _transship(router: Router, index: FreightIndex, zs: ZoneSet, w: Weights, zone: Zone, stop: Snap, other: Snap,
               docking_points: dict, *, end: str) -> _Dock:
    """Choose the docking point of ``zone`` for a stop inside it and build the inside leg."""
    net = router.network
    za = zs.footprints[zs.zones.index(zone)]
    inside_role = f"freight-insideveh:{w.role}"
    planned = docking_points.get(zone.id) or []
    if planned:
        best = None
        for k, p in enumerate(planned):
            snap = router.snap(p, field_name=f"docking_points[{zone.id!r}][{k}]")
            a, b = (snap, stop) if end == "destination" else (stop, snap)
            try:
                inside_cost, _ = router.route_between(a, b, w.inside_vehicle, role=inside_role)
                ta, tb = (other, snap) if end == "destination" else (snap, other)
                router.route_between(ta, tb, w.penalised, role=f"freight-inside:{w.role}")
            except NoRouteError:
                continue
            if best is None or inside_cost < best[0]:
                best = (inside_cost, snap)
        if best is None:
            raise NoRouteError(f"none of the {len(planned)} planned docking points of zone {zone.id!r} connects "
                               f"the truck and the {end}")
        dock = best[1]
        a, b = (dock, stop) if end == "destination" else (stop, dock)
        cost, path = router.route_between(a, b, w.inside_vehicle, role=inside_role)
        leg = _leg("inside", net, _drive(net, a, b, path, cost),
                   note=f"inside vehicle, {'from' if end == 'destination' else 'to'} planned docking point")
        return _Dock(Transshipment(end=end, zone_id=zone.id, zone_name=zone.name, risk=zone.risk,
                                   docking_point=[dock.snapped_lon, dock.snapped_lat], planned=True, leg=leg), dock)

    # boundary crossings: entry arcs (tail outside, head inside) for a destination, exit arcs for an origin
    arcs = za.arcs
    x, y = net.node_xy
    t_in = shapely.contains_xy(za.poly_xy, x[net.tail[arcs]], y[net.tail[arcs]])
    h_in = shapely.contains_xy(za.poly_xy, x[net.head[arcs]], y[net.head[arcs]])
    if end == "destination":
        cross = arcs[~t_in & h_in]
        docks = net.tail[cross]
    else:
        cross = arcs[t_in & ~h_in]
        docks = net.head[cross]
    usable = np.array([w.free[a] != FORBIDDEN or w.inside_vehicle[a] != FORBIDDEN for a in cross], dtype=bool)
    outside_all = np.ones(docks.size, dtype=bool)
    for z, zfp in zip(zs.zones, zs.footprints):  # a docking point may not lie in another no-stop zone either
        if z.no_stop:
            outside_all &= ~shapely.contains_xy(zfp.poly_xy, x[docks], y[docks])
    docks = np.unique(docks[usable & outside_all])
    if docks.size == 0:
        raise NoRouteError(f"{zone.risk} zone {zone.id!r} has no road crossing its boundary outside other "
                           f"no-stop zones; plan a docking point (POST /zones/{zone.id}/docking-points)")
    # truck side: reachable without entering this zone (other zones penalised)
    w_dock = w.penalised.copy()
    w_dock[za.arcs] = FORBIDDEN
    other_ends_src = router._ends(other, w_dock, as_source=True)
    other_ends_dst = router._ends(other, w_dock, as_source=False)
    stop_ends_dst = router._ends(stop, w.inside_vehicle, as_source=False)
    stop_ends_src = router._ends(stop, w.inside_vehicle, as_source=True)
    with router.pool.using(f"freight-dock:{w.role}", w_dock) as engine:
        if end == "destination":
            truck = _matrix_ends(engine, other_ends_src, [(int(n), 0.0) for n in docks])
        else:
            truck = _matrix_ends(engine, [(int(n), 0.0) for n in docks], other_ends_dst).T
    with router.pool.using(inside_role, w.inside_vehicle) as engine:
        if end == "destination":
            inside = _matrix_ends(engine, [(int(n), 0.0) for n in docks], stop_ends_dst)
        else:
            inside = _matrix_ends(engine, stop_ends_src, [(int(n), 0.0) for n in docks]).T
    truck_best = truck.min(axis=0) if truck.size else np.full(docks.size, np.inf)
    inside_best = inside.min(axis=1) if inside.size else np.full(docks.size, np.inf)
    truck_best = truck_best.reshape(-1)
    ok = np.isfinite(truck_best) & np.isfinite(inside_best)
    if not ok.any():
        raise NoRouteError(f"no docking point on the boundary of {zone.risk} zone {zone.id!r} is reachable by the "
                           f"truck without entering the zone and connected to the {end} for an inside vehicle")
    cand = np.nonzero(ok)[0]
    k = int(cand[np.lexsort((truck_best[cand], inside_best[cand]))[0]])
    node = int(docks[k])
    # a snap standing on the docking node, on an arc outside the zone the truck may use
    if end == "destination":
        arcs_at = [a for a in index.in_arcs(node) if w_dock[a] != FORBIDDEN]
        dock_snap = node_snap(net, node, arcs_at[0], 1.0) if arcs_at else None
    else:
        arcs_at = [a for a in index.out_arcs(node) if w_dock[a] != FORBIDDEN]
        dock_snap = node_snap(net, node, arcs_at[0], 0.0) if arcs_at else None
    if dock_snap is None:
        raise NoRouteError(f"docking node {node} of zone {zone.id!r} has no truck road outside the zone")
    # inside leg: an exact-node snap for the inside vehicle
    if end == "destination":
        a, b = dock_snap, stop
    else:
        a, b = stop, dock_snap
    with router.pool.using(inside_role, w.inside_vehicle) as engine:
        if end == "destination":
            found = engine.route_multi([(node, 0.0)], stop_ends_dst)
        else:
            found = engine.route_multi(stop_ends_src, [(node, 0.0)])
    if found is None:
        raise NoRouteError(f"the inside vehicle cannot reach the {end} from zone {zone.id!r}'s boundary")
    cost, path = found
    # a snap exactly on the node: any arc leaving it (fraction 0) or entering it (fraction 1); the
    # partial first/last part is then empty and dropped by _drive
    if end == "destination":
        a = node_snap(net, node, int(index.out_arcs(node)[0]) if index.out_arcs(node).size else int(cross[0]), 0.0)
    else:
        b = node_snap(net, node, int(index.in_arcs(node)[0]) if index.in_arcs(node).size else int(cross[0]), 1.0)
    drive = _drive(net, a, b, path, cost)
    way = "from" if end == "destination" else "to"
    leg = _leg("inside", net, drive, note=f"inside vehicle {way} the docking point")
    trans = Transshipment(end=end, zone_id=zone.id, zone_name=zone.name, risk=zone.risk,
                          docking_point=[float(net.node_lon[node]), float(net.node_lat[node])], planned=False, leg=leg)
    return _Dock(trans, dock_snap)


def _matrix_ends(engine, sources: list[tuple[int, float]], targets: list[tuple[int, float]]) -> np.ndarray:
    """``[len(sources), len(targets)]`` costs including initial costs (``inf`` where unreachable)."""
    if not sources or not targets:
        return np.full((len(sources), len(targets)), np.inf)
    m = engine.matrix([s for s, _ in sources], [t for t, _ in targets])
    return m + np.array([c for _, c in sources])[:, None] + np.array([c for _, c in targets])[None, :]


def _join(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenate consecutive legs' coordinates (each leg starts where the previous ended)."""
    rows = [p for p in parts if len(p)]
    if not rows:
        return np.zeros((0, 2))
    out = [rows[0]]
    for prev, coords in zip(rows[:-1], rows[1:]):
        out.append(coords[1:] if (coords[0] == prev[-1]).all() else coords)
    joined = out[0] if len(out) == 1 else np.concatenate(out)
    return np.repeat(joined, 2, axis=0) if len(joined) == 1 else joined


def _result(index: FreightIndex, zs: ZoneSet, o: Snap, d: Snap, stops: list[Snap], legs: list[Leg], drive: Drive,
            truck_drive: Drive, transshipments: list[Transshipment], choice: str, closed_loop: bool,
            warnings: list[str], explanation: str, costs: dict, *, truck: bool) -> FreightRoute:
    net = index.network
    crossings = zone_crossings(index, zs, truck_drive) if truck else []
    truck_len = float(truck_drive.part_len(net).sum()) if truck else 0.0
    truck_time = float(truck_drive.part_time(net).sum()) if truck else 0.0
    inside_legs = [leg for leg in legs if leg.kind == "inside"]
    truck_coords = [leg.coordinates for leg in legs if leg.kind != "inside"] if truck else []
    return FreightRoute(
        origin=[o.lon, o.lat], destination=[d.lon, d.lat],
        snapped_origin=[stops[0].snapped_lon, stops[0].snapped_lat],
        snapped_destination=[stops[-1].snapped_lon, stops[-1].snapped_lat],
        stops=[[s.snapped_lon, s.snapped_lat] for s in stops],
        legs=legs, zones_crossed=crossings, transshipments=transshipments,
        length_m=truck_len + sum(leg.length_m for leg in inside_legs),
        travel_time_s=truck_time + sum(leg.travel_time_s for leg in inside_legs),
        truck_length_m=truck_len, truck_travel_time_s=truck_time,
        time_inside_s=float(sum(c.time_inside_s for c in crossings if c.risk in ("sealed", "controlled"))),
        coordinates=_join(truck_coords) if truck_coords else _dedupe((truck_drive if truck else drive).points),
        arcs=truck_drive.arcs if truck else np.zeros(0, dtype=np.int64),
        choice=choice, closed_loop_delivery=closed_loop, warnings=warnings, explanation=explanation, costs=costs,
    )

"""Zone footprints on the network and the per-router index that caches them.

A zone's footprint (:class:`ZoneFootprint`) is the set of arcs whose straight
segment runs through its interior, with the length inside and where each
segment enters and leaves the zone, measured once per zone in the network's
local projection.  A set of active zones (:class:`ZoneSet`) adds the
arc-to-zones table (:class:`ArcZoneTable`) that route crossings are read from,
the time inside per arc and the no-stop mask.  :class:`FreightIndex` caches
footprints by zone, zone sets by their zones and :class:`~routing.freight.weights.Weights`
by zone set, vehicle and closures (thread-safe); every router has one
(:attr:`routing.router.Router.freight_index`).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from geo.errors import InvalidInputError
from geo.zones import Zone
from routing.docking import DockingCandidates, docking_candidates
from routing.engine import FORBIDDEN
from routing.freight.weights import Weights
from routing.network import RoadNetwork
from routing.router import Router, Vehicle, vehicle_key


@dataclass
class ZoneFootprint:
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
    footprints: list[ZoneFootprint]  # aligned with ``zones``
    nostop: list[Zone]
    inside_ds: np.ndarray  # int32 per arc: deciseconds inside the no-stop union (0 outside)
    mask: np.ndarray  # bool per arc: meets a no-stop zone
    tree_wgs: shapely.STRtree | None  # over nostop geometries, for stop containment
    tree_xy: shapely.STRtree | None  # over projected active-zone geometries
    arc_zone: ArcZoneTable | None = None  # arc -> zones it runs through (see :func:`arc_zone_table`)
    polys_xy: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))  # aligned with ``zones``
    cover_grid: CoverGrid | None = None  # where a point may lie in a no-stop zone (None: no no-stop zone)
    meets_arcs: bool = False  # whether any arc meets a no-stop zone (``mask.any()``)


@dataclass(frozen=True)
class CoverGrid:
    """The cells of a grid over the no-stop zones' bounds that some zone's bounds reach (``[lon, lat]``).

    A point outside the grid or in an unmarked cell lies within no zone's bounds, so no zone covers it:
    :meth:`may_cover` answers that without a tree query.  A cell index is ``int((lon - left) / cell_x)``
    (clamped), operations that keep the order of coordinates in floating point, so a point within a
    zone's bounds falls in a cell between those of the bounds' corners, all of which are marked.
    """

    left: float
    bottom: float
    right: float
    top: float
    cell_x: float
    cell_y: float
    nx: int
    ny: int
    marked: bytes  # ny rows of nx cells, 1 where some zone's bounds reach

    @staticmethod
    def of(bounds: np.ndarray, cells: int = 256) -> CoverGrid:
        """The grid of ``cells`` x ``cells`` over ``bounds`` (``[n, 4]`` left, bottom, right, top; n >= 1)."""
        left, bottom = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        right, top = float(bounds[:, 2].max()), float(bounds[:, 3].max())
        cell_x, cell_y = max((right - left) / cells, 1e-12), max((top - bottom) / cells, 1e-12)
        marked = np.zeros((cells, cells), dtype=np.uint8)
        for b_left, b_bottom, b_right, b_top in bounds.tolist():
            i0, i1 = min(int((b_left - left) / cell_x), cells - 1), min(int((b_right - left) / cell_x), cells - 1)
            j0, j1 = min(int((b_bottom - bottom) / cell_y), cells - 1), min(int((b_top - bottom) / cell_y), cells - 1)
            marked[j0 : j1 + 1, i0 : i1 + 1] = 1
        return CoverGrid(left, bottom, right, top, cell_x, cell_y, cells, cells, marked.tobytes())

    def may_cover(self, lon: float, lat: float) -> bool:
        """Whether a no-stop zone's bounds may hold ``(lon, lat)`` (``False``: no zone covers it)."""
        if not (self.left <= lon <= self.right and self.bottom <= lat <= self.top):
            return False
        i = min(int((lon - self.left) / self.cell_x), self.nx - 1)
        j = min(int((lat - self.bottom) / self.cell_y), self.ny - 1)
        return self.marked[j * self.nx + i] != 0


class FreightIndex:
    """Per-router caches of zone footprints and weight vectors (thread-safe)."""

    def __init__(self, router: Router, *, max_sets: int = 6, max_zones: int = 4096, max_bytes: int = 256 * 2**20):
        self.router = router
        self.network: RoadNetwork = router.network
        self.max_sets = max_sets
        # each cache of network-long vectors (zone sets, weight sets, free weights) keeps at most max_sets
        # entries and, beyond the two most recent, at most max_bytes of them: a province's zone set is
        # about 80 MB and its weight set 120 MB, a city's a few
        self.max_bytes = max_bytes
        self.max_zones = max_zones
        self._zones: OrderedDict[tuple, ZoneFootprint] = OrderedDict()
        self._sets: OrderedDict[str, ZoneSet] = OrderedDict()
        # (zone id, risk, id of the geometry) per zone -> (zone set key, the geometries); holding the
        # geometries keeps their ids from being reused, and shapely geometries are immutable
        self._set_keys: OrderedDict[tuple, tuple[str, tuple]] = OrderedDict()
        self._weights: OrderedDict[tuple, Weights] = OrderedDict()
        # (vehicle key, closures digest) -> (inside vehicle, free): these do not depend on the zones, so
        # every zone set of that vehicle and closure set shares one read-only pair
        self._free: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._docking: OrderedDict[tuple, tuple[np.ndarray, np.ndarray, DockingCandidates]] = OrderedDict()
        self._lock = threading.RLock()
        net = self.network
        # CSR of the arcs out of and into every node (int32 when the arcs fit: half of a province's table)
        small = np.int32 if net.arc_count < 2**31 else np.int64
        order = np.argsort(net.tail, kind="stable")
        self._out = (np.searchsorted(net.tail[order], np.arange(net.node_count + 1)).astype(small), order.astype(small))
        order_in = np.argsort(net.head, kind="stable")
        self._in = (
            np.searchsorted(net.head[order_in], np.arange(net.node_count + 1)).astype(small),
            order_in.astype(small),
        )

    @property
    def segment_m(self) -> SegmentLengths:
        """Projected length of every arc's straight segment (the denominator of inside shares), computed for
        the arcs asked (a zone set needs its zones' arcs only: no vector as long as the network)."""
        return SegmentLengths(self.network)

    # -- docking points ---------------------------------------------------------------
    def docking(self, zone: Zone, w: Weights) -> DockingCandidates:
        """The valid docking points of ``zone`` for the truck's ``w.free`` and the inside vehicle's
        ``w.inside_vehicle`` (:func:`routing.docking.docking_candidates`, the planner's definition; cached)."""
        key = (self.zone_keys([zone])[0], id(w.free), id(w.inside_vehicle))
        with self._lock:
            hit = self._docking.get(key)
            if hit is not None:
                self._docking.move_to_end(key)
                return hit[2]
        found = docking_candidates(self.network, zone, w.free, w.inside_vehicle)
        with self._lock:
            # the arrays are held with the answer, so that their ids in the key are not reused
            self._docking[key] = (w.free, w.inside_vehicle, found)
            while len(self._docking) > 4 * self.max_sets:
                self._docking.popitem(last=False)
        return found

    # -- adjacency -------------------------------------------------------------------
    def out_arcs(self, node: int) -> np.ndarray:
        start, order = self._out
        return order[start[node] : start[node + 1]]

    def in_arcs(self, node: int) -> np.ndarray:
        start, order = self._in
        return order[start[node] : start[node + 1]]

    # -- zones -------------------------------------------------------------------------
    @staticmethod
    def zone_keys(zones: list[Zone]) -> list[tuple]:
        """Cache keys of zones: id, version and rounded bounds (an edit stores a new version; bounds guard
        against an id reused by another store)."""
        if not zones:
            return []
        bounds = np.round(shapely.bounds(np.array([z.geometry for z in zones], dtype=object)), 9).tolist()
        return [(z.id, z.version, tuple(b)) for z, b in zip(zones, bounds)]

    def footprint(self, zone: Zone, key: tuple | None = None) -> ZoneFootprint:
        """The footprint of ``zone``: its arcs, their inside lengths, entry and exit points (cached by
        zone id and bounds)."""
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
        item = ZoneFootprint(arcs=arcs[keep], inside_m=inside[keep], poly_xy=poly, entry=ends_ll[:k], exit=ends_ll[k:])
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
            if hit is not None and known is not None:
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
        footprints = [self.footprint(zones[k], keys[i]) for k, i in enumerate(order)]
        nostop = [z for z in zones if z.no_stop]
        # the no-stop zones' arcs only (a few thousand of a province's millions): metres inside, summed in
        # zone order, and how many zones each runs through
        held = [za for z, za in zip(zones, footprints) if z.no_stop]
        every = np.concatenate([za.arcs for za in held] + [np.zeros(0, dtype=np.int64)])
        arcs, where, count = np.unique(every, return_inverse=True, return_counts=True)
        inside_m = np.zeros(arcs.size)
        np.add.at(inside_m, where, np.concatenate([za.inside_m for za in held] + [np.zeros(0)]))
        multi = np.nonzero(count > 1)[0]
        if multi.size:  # overlapping zones: measure against their union
            union = shapely.union_all([za.poly_xy for za in held])
            inside_m[multi] = segment_inside_m(net, arcs[multi], union)
        mask = np.zeros(net.arc_count, dtype=bool)
        mask[arcs] = True
        seg_m = self.segment_m
        frac = np.minimum(1.0, inside_m / np.maximum(seg_m[arcs], 1e-9))
        # int32: at most MAX_ARC_WEIGHT (an arc's weight), and half the memory of a province's int64 vector
        inside_ds = np.zeros(net.arc_count, dtype=np.int32)
        inside_ds[arcs] = np.maximum(1, np.rint(frac * net.base_weights[arcs]))
        zs = ZoneSet(
            key=key,
            zones=zones,
            footprints=footprints,
            nostop=nostop,
            inside_ds=inside_ds,
            mask=mask,
            tree_wgs=shapely.STRtree([z.geometry for z in nostop]) if nostop else None,
            tree_xy=shapely.STRtree([za.poly_xy for za in footprints]) if zones else None,
            arc_zone=arc_zone_table(footprints, seg_m, net.travel_time_s),
            polys_xy=np.array([za.poly_xy for za in footprints], dtype=object),
            meets_arcs=bool(mask.any()),
            cover_grid=CoverGrid.of(shapely.bounds(np.array([z.geometry for z in nostop], dtype=object)))
            if nostop
            else None,
        )
        with self._lock:
            self._sets[key] = zs
            self._trim(self._sets, _set_bytes)
            self._remember_set_key(ident, key, zones)
        return zs

    def _trim(self, cache: OrderedDict, size: Callable[[Any], int]) -> None:
        """Drop ``cache``'s least recently used entries beyond :attr:`max_sets`, and while its entries
        (``size`` bytes each) hold more than :attr:`max_bytes`, the two most recent always kept (called
        under the lock)."""
        while len(cache) > self.max_sets or (len(cache) > 2 and sum(size(v) for v in cache.values()) > self.max_bytes):
            cache.popitem(last=False)

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
            raise InvalidInputError(
                f"closed arc ids must be in 0..{self.network.arc_count - 1}",
                zh=f"封闭路段 id 必须在 0..{self.network.arc_count - 1} 之间",
            )
        digest = hashlib.blake2b(closed.tobytes(), digest_size=8).hexdigest() if closed.size else ""
        vkey = vehicle_key(vehicle)
        key = (zs.key, vkey, digest)
        with self._lock:
            hit = self._weights.get(key)
            if hit is not None:
                self._weights.move_to_end(key)
                return hit
        base, free = self._free_weights(vehicle, vkey, closed, digest)
        avoid = free.copy()
        avoid[zs.mask] = FORBIDDEN
        avoid.flags.writeable = False  # shared by every query of this zone set (and remembered by the pool)
        # slots are keyed by the vehicle only, not by zones or closures: a change there is a partial update of
        # the same metrics; the penalised weights are made when the ladder first needs them
        w = Weights(free=free, avoid=avoid, inside_vehicle=base, vehicle_key=vkey, inside_ds=zs.inside_ds)
        with self._lock:
            self._weights[key] = w
            self._trim(self._weights, _weights_bytes)
        return w

    def _free_weights(
        self, vehicle: Vehicle | None, vkey: str, closed: np.ndarray, digest: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(inside vehicle, free)`` of a vehicle and closure set: read-only, made once and shared by every
        zone set (the metric pool then finds the same array again by identity)."""
        key = (vkey, digest)
        with self._lock:
            hit = self._free.get(key)
            if hit is not None:
                self._free.move_to_end(key)
                return hit
        base = self.network.base_weights.copy()
        base[closed] = FORBIDDEN
        base.flags.writeable = False
        # no vehicle, no limits: the free weights are the inside vehicle's (one array, not two equal ones)
        free = base if vehicle is None else self.router.vehicle_weights(vehicle, base)
        free.flags.writeable = False
        with self._lock:
            hit = self._free.setdefault(key, (base, free))
            self._trim(self._free, lambda pair: _nbytes(*pair))
        return hit


@dataclass(frozen=True)
class ArcZoneTable:
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


def arc_zone_table(
    footprints: list[ZoneFootprint], segment_m: np.ndarray | SegmentLengths, travel_time_s: np.ndarray
) -> ArcZoneTable:
    """The :class:`ArcZoneTable` of a zone set's footprints (``footprints[k]`` is zone ``k``).

    ``segment_m`` and ``travel_time_s`` are per arc of the network: the planar
    length of its segment and its travel time.
    """
    rows = np.concatenate([za.arcs for za in footprints] + [np.zeros(0, dtype=np.int64)])
    cols = np.concatenate(
        [np.full(za.arcs.size, k, dtype=np.int64) for k, za in enumerate(footprints)] + [np.zeros(0, dtype=np.int64)]
    )
    vals = np.concatenate([za.inside_m for za in footprints] + [np.zeros(0)])
    entry = np.concatenate([za.entry for za in footprints] + [np.zeros((0, 2))])
    exit_ = np.concatenate([za.exit for za in footprints] + [np.zeros((0, 2))])
    order = np.argsort(rows, kind="stable")
    arcs, inside = rows[order], vals[order]
    indptr = np.searchsorted(arcs, np.arange(segment_m.size + 1))
    if arcs.size < 2**31:  # one per arc of the network: int32 halves a province's table
        indptr = indptr.astype(np.int32)
    time_s = np.minimum(1.0, inside / np.maximum(segment_m[arcs], 1e-12)) * travel_time_s[arcs]
    count = np.diff(indptr)
    count = count.astype(np.min_scalar_type(int(count.max()) if count.size else 0))  # compact: cheap to gather
    return ArcZoneTable(
        indptr=indptr,
        count=count,
        zone=cols[order],
        inside_m=inside,
        time_s=time_s,
        entry=entry[order],
        exit=exit_[order],
    )


def _nbytes(*arrays) -> int:
    return sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))


def _set_bytes(zs: ZoneSet) -> int:
    """The bytes of a zone set's network-long arrays."""
    az = zs.arc_zone
    table = () if az is None else (az.indptr, az.count, az.zone, az.inside_m, az.time_s, az.entry, az.exit)
    return _nbytes(zs.inside_ds, zs.mask, *table)


def _weights_bytes(w: Weights) -> int:
    """The bytes of a weight set's own vectors (the free and inside-vehicle ones are shared: see ``_free``)."""
    return _nbytes(w.avoid, *w._steps.values(), *w._avoid_parts)


def freight_index(router: Router) -> FreightIndex:
    """The router's :class:`FreightIndex` (:attr:`Router.freight_index <routing.router.Router.freight_index>`)."""
    return router.freight_index


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
    cut = shapely.intersection(shapely.linestrings(np.stack([start, np.column_stack([x[h], y[h]])], axis=1)), poly_xy)
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


class SegmentLengths:
    """:func:`segment_xy_m` of the arcs asked, as an array of every arc's would answer them
    (``lengths[arcs]``, ``lengths.size``)."""

    __slots__ = ("net",)

    def __init__(self, net: RoadNetwork):
        self.net = net

    @property
    def size(self) -> int:
        return self.net.arc_count

    def __getitem__(self, arcs) -> np.ndarray:
        return segment_xy_m(self.net, np.asarray(arcs, dtype=np.int64))


def segment_xy_m(net: RoadNetwork, arcs: np.ndarray) -> np.ndarray:
    """Projected length of each arc's straight segment (the denominator of inside shares)."""
    x, y = net.node_xy
    t, h = net.tail[arcs], net.head[arcs]
    return np.hypot(x[h] - x[t], y[h] - y[t])

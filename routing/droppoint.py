"""Last-mile contactless drop points (固定接收点) of sealed enterprises.

The premises are the site polygon, or a circle of ``radius_m`` (default
:data:`DEFAULT_RADIUS_M`) around a point site, built in the network's local
projection.  The drop point is on the premises' perimeter:

1. an OSM gate or entrance node (``barrier=gate`` / ``entrance=*``) within
   :data:`GATE_TOLERANCE_M` of the perimeter, when the extract has one whose
   nearest road is truck-usable and reachable; otherwise
2. the perimeter point closest to the *best approach road*: the nearest
   truck-usable, reachable road segment within :data:`APPROACH_RADIUS_M` of
   the perimeter (ties broken by road class).

"Reachable" means the segment's end nodes lie in the largest strongly
connected component of the truck network, so a truck can come and go.  The
approach route is planned from the serving origin (nearest by travel time
among the given stations / hubs / docking points) to the access point on
the road next to the drop point.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from shapely.geometry import Point, Polygon
from shapely.ops import nearest_points

from geo.errors import InvalidInputError, NoRouteError
from routing.engine import FORBIDDEN
from routing.graph import largest_component
from routing.stations import snap_endpoint, travel_time_matrix

DEFAULT_RADIUS_M = 100.0
GATE_TOLERANCE_M = 30.0
APPROACH_RADIUS_M = 400.0
_CLASS_RANK = {
    "motorway": 0,
    "trunk": 1,
    "primary": 2,
    "secondary": 3,
    "tertiary": 4,
    "unclassified": 5,
    "residential": 6,
    "service": 7,
}


@dataclass(frozen=True)
class Gate:
    osm_id: int
    lon: float
    lat: float
    tags: dict


@dataclass(frozen=True)
class Origin:
    """A place a drop point can be served from (station, hub, docking point)."""

    kind: str
    id: str
    name: str
    lon: float
    lat: float


@dataclass
class DropPoint:
    site_id: str
    lon: float
    lat: float
    method: str  # "osm_gate" or "nearest_road"
    perimeter_distance_m: float
    gate: dict | None
    access_point: list[float]
    access_road: dict
    origin: Origin
    plan: object  # routing.router.RoutePlan
    premises: Polygon
    radius_m: float | None


def osm_gates(pbf_path: str | Path, *, bbox=None) -> list[Gate]:
    """Gate and entrance nodes of a ``.pbf`` (empty for other sources)."""
    path = Path(pbf_path)
    if not path.name.endswith(".pbf") or not path.exists():
        return []
    from pyrosm import OSM

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        osm = OSM(str(path), bounding_box=list(bbox) if bbox else None)
        df = osm.get_data_by_custom_criteria(
            custom_filter={"barrier": ["gate"], "entrance": True},
            filter_type="keep",
            keep_nodes=True,
            keep_ways=False,
            keep_relations=False,
        )
    if df is None or not len(df):
        return []
    out = []
    for row in df.itertuples():
        tags = {"barrier": getattr(row, "barrier", None), "entrance": getattr(row, "entrance", None)}
        out.append(
            Gate(
                osm_id=int(row.id),
                lon=float(row.lon),
                lat=float(row.lat),
                tags={k: v for k, v in tags.items() if isinstance(v, str)},
            )
        )
    return out


def premises(network, site) -> tuple[Polygon, float | None]:
    """The premises polygon (WGS-84) of a site and the radius used for a point site."""
    if isinstance(site.geometry, Polygon):
        return site.geometry, None
    if not isinstance(site.geometry, Point):
        raise InvalidInputError(
            f"site {site.id!r} has a {site.geometry.geom_type}; expected a Point or Polygon",
            zh=f"站点 {site.id!r} 的几何类型为 {site.geometry.geom_type}；应为 Point 或 Polygon",
        )
    radius = float(site.radius_m or DEFAULT_RADIUS_M)
    proj = network.projection
    x, y = proj.forward(site.geometry.x, site.geometry.y)
    circle = Point(float(x), float(y)).buffer(radius, quad_segs=16)
    return proj.inverse_geom(circle), radius


def _main_component(router) -> np.ndarray:
    net = router.network
    return largest_component(net.node_count, net.tail, net.head, router.truck_weights != FORBIDDEN)


def _usable(weights: np.ndarray, arc: int, rev: int) -> bool:
    return weights[arc] != FORBIDDEN or (rev >= 0 and weights[rev] != FORBIDDEN)


def plan_drop_point(router, site, origins: Sequence[Origin], *, gates: Sequence[Gate] = ()) -> DropPoint:
    """The fixed contactless receiving point of ``site`` and its approach route.

    Raises
    ------
    InvalidInputError
        If no origin is given.
    NoRouteError
        If no truck-usable road reaches the premises, or no origin reaches it.
    """
    if not origins:
        raise InvalidInputError(
            "no serving origin: store a candidate_station or hub_logistics site, or docking points, first",
            zh="没有服务起点：请先保存 candidate_station（候选中转站）或 hub_logistics（物流枢纽）站点，或接驳点",
        )
    net = router.network
    proj = net.projection
    weights = router.truck_weights
    poly, radius = premises(net, site)
    poly_xy = proj.forward_geom(poly)
    ring = poly_xy.exterior
    main = _main_component(router)
    tree, lines, seg_arcs = net._segment_index()
    rev_all = net.reverse_arc

    def ok_segment(i: int) -> bool:
        a = int(seg_arcs[i])
        return _usable(weights, a, int(rev_all[a])) and bool(main[net.tail[a]]) and bool(main[net.head[a]])

    gate_hit = None
    for g in gates:
        gx, gy = proj.forward(g.lon, g.lat)
        gp = Point(float(gx), float(gy))
        d = ring.distance(gp)
        if d > GATE_TOLERANCE_M:
            continue
        idx, dist = tree.query_nearest(gp, return_distance=True, all_matches=False)
        if len(idx) and dist[0] <= APPROACH_RADIUS_M and ok_segment(int(idx[0])):
            if gate_hit is None or d < gate_hit[1]:
                gate_hit = (g, d, int(idx[0]), gp)
    if gate_hit is not None:
        g, d, seg, gp = gate_hit
        on_ring = ring.interpolate(ring.project(gp))
        drop_xy, method, gate = on_ring, "osm_gate", {"osm_id": g.osm_id, "point": [g.lon, g.lat], **g.tags}
    else:
        near = tree.query(ring.buffer(APPROACH_RADIUS_M), predicate="intersects")
        best = None
        for i in near:
            i = int(i)
            if not ok_segment(i):
                continue
            d = float(ring.distance(lines[i]))
            a = int(seg_arcs[i])
            key = (round(d, 1), _CLASS_RANK.get(str(net.highway[a]).replace("_link", ""), 9))
            if best is None or key < best[0]:
                best = (key, i)
        if best is None:
            raise NoRouteError(
                f"no truck-usable road reachable from the network lies within {APPROACH_RADIUS_M:.0f} m "
                f"of the premises of site {site.id!r}",
                zh=f"站点 {site.id!r} 场所 {APPROACH_RADIUS_M:.0f} 米范围内没有从路网可达的货车可用道路",
            )
        seg = best[1]
        drop_xy, _ = nearest_points(ring, lines[seg])
        method, gate = "nearest_road", None
    drop_lon, drop_lat = proj.inverse(drop_xy.x, drop_xy.y)
    # the access point: the drop point projected onto the chosen road segment
    line = lines[seg]
    frac = float(line.project(drop_xy, normalized=True)) if line.length > 0 else 0.0
    on = line.interpolate(frac, normalized=True)
    alon, alat = proj.inverse(on.x, on.y)
    arc = int(seg_arcs[seg])
    from routing.network import Snap

    access = Snap(
        lon=float(alon),
        lat=float(alat),
        arc=arc,
        reverse_arc=int(rev_all[arc]),
        fraction=min(1.0, max(0.0, frac)),
        distance_m=0.0,
        snapped_lon=float(alon),
        snapped_lat=float(alat),
    )
    # serving origin: nearest by truck travel time
    origin_snaps = []
    usable_origins = []
    for o in origins:
        try:
            origin_snaps.append(router.snap([o.lon, o.lat], field_name=f"origin {o.id}"))
            usable_origins.append(o)
        except InvalidInputError:
            continue
    if not usable_origins:
        raise NoRouteError(
            f"none of the {len(origins)} serving origins lies on the truck network",
            zh=f"{len(origins)} 个服务起点都不在货车路网上",
        )
    with router.pool.using("truck", weights) as engine:
        cost = travel_time_matrix(
            engine,
            [snap_endpoint(net, s, weights, as_source=True) for s in origin_snaps],
            [snap_endpoint(net, access, weights, as_source=False)],
            weights,
        )[:, 0]
    if not np.isfinite(cost).any():
        raise NoRouteError(
            f"no truck route reaches the drop point of site {site.id!r} "
            f"from any of the {len(usable_origins)} serving origins",
            zh=f"从 {len(usable_origins)} 个服务起点出发，都没有货车路线能到达站点 {site.id!r} 的固定接收点",
        )
    best_o = int(np.argmin(cost))
    plan = router.plan(origin_snaps[best_o], access, weights, slot="truck")
    return DropPoint(
        site_id=site.id,
        lon=float(drop_lon),
        lat=float(drop_lat),
        method=method,
        perimeter_distance_m=float(ring.distance(Point(drop_xy.x, drop_xy.y))),
        gate=gate,
        access_point=[float(alon), float(alat)],
        access_road={
            "arc": arc,
            "name": net.name[arc],
            "ref": net.ref[arc],
            "highway": str(net.highway[arc]),
            "osm_way_id": int(net.osm_way_id[arc]),
            "distance_m": round(float(Point(drop_xy.x, drop_xy.y).distance(on)), 1),
        },
        origin=usable_origins[best_o],
        plan=plan,
        premises=poly,
        radius_m=radius,
    )

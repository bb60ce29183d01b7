"""Shared helpers of the closed-loop freight tests: seeded zones on real streets, independent references.

Zones are discs of a few hundred metres drawn in the network's local
projection around seeded random network nodes, so they sit on real streets.
References are independent: the zone footprint is recomputed here with a
plain shapely intersection of *every* arc segment, and shortest paths come
from networkx Dijkstra over a graph with a virtual source and target that
carry the snapped ends' partial-arc costs.
"""

from __future__ import annotations

from datetime import UTC, datetime

import networkx as nx
import numpy as np
import shapely

from geo.zones import Zone
from routing.engine import FORBIDDEN
from routing.freight import closed_loop_route

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def disc_zone(net, node: int, radius_m: float, *, zid: str, risk: str = "sealed", **kw) -> Zone:
    x, y = net.node_xy
    poly_xy = shapely.Point(float(x[node]), float(y[node])).buffer(radius_m, quad_segs=16)
    return Zone(id=zid, name=zid, risk=risk, geometry=net.projection.inverse_geom(poly_xy), **kw)


def random_zones(net, rng, count: int, *, risks=("sealed", "controlled")) -> list[Zone]:
    nodes = rng.choice(net.node_count, count, replace=False)
    return [
        disc_zone(net, int(n), float(rng.uniform(150, 400)), zid=f"z{k}", risk=risks[k % len(risks)])
        for k, n in enumerate(nodes)
    ]


def footprint(net, zones: list[Zone]) -> tuple[np.ndarray, np.ndarray]:
    """Independent zone footprint: (mask of arcs with a positive length inside, inside deciseconds)."""
    nostop = [z for z in zones if z.no_stop]
    if not nostop:
        return np.zeros(net.arc_count, dtype=bool), np.zeros(net.arc_count, dtype=np.int64)
    union = shapely.union_all([net.projection.forward_geom(z.geometry) for z in nostop])
    x, y = net.node_xy
    segs = shapely.linestrings(
        np.stack([np.column_stack([x[net.tail], y[net.tail]]), np.column_stack([x[net.head], y[net.head]])], axis=1)
    )
    inside_m = shapely.length(shapely.intersection(segs, union))
    mask = inside_m > 1e-6
    frac = np.minimum(1.0, inside_m / np.maximum(shapely.length(segs), 1e-9))  # planar share
    inside = np.where(mask, np.maximum(1, np.rint(frac * net.base_weights)), 0).astype(np.int64)
    return mask, inside


def graph(net, weights) -> nx.DiGraph:
    G = nx.DiGraph()
    for u, v, w in zip(net.tail.tolist(), net.head.tolist(), np.asarray(weights).tolist()):
        if w >= FORBIDDEN:
            continue
        if not G.has_edge(u, v) or w < G[u][v]["weight"]:
            G.add_edge(u, v, weight=w)
    return G


def reference_cost(net, G, weights, o, d) -> float | None:
    """networkx cost between two snapped points (partial arcs at both ends), or None."""
    src, dst = ("src",), ("dst",)
    added = []

    def link(a, b, w):
        if G.has_edge(a, b):
            G[a][b]["weight"] = min(G[a][b]["weight"], w)
        else:
            G.add_edge(a, b, weight=w)
            added.append((a, b))

    for snap, is_src in ((o, True), (d, False)):
        a, r, f = snap.arc, snap.reverse_arc, snap.fraction
        if weights[a] < FORBIDDEN:
            if is_src:
                link(src, int(net.head[a]), (1 - f) * weights[a])
            else:
                link(int(net.tail[a]), dst, f * weights[a])
        if r >= 0 and weights[r] < FORBIDDEN:
            if is_src:
                link(src, int(net.head[r]), f * weights[r])
            else:
                link(int(net.tail[r]), dst, (1 - f) * weights[r])
    try:
        return nx.dijkstra_path_length(G, src, dst, weight="weight") if src in G and dst in G else None
    except nx.NetworkXNoPath:
        return None
    finally:
        G.remove_edges_from(added)
        for n in (src, dst):
            if n in G:
                G.remove_node(n)


def reference_path_sums(net, weights, o, d, sums: list[np.ndarray]) -> tuple[float, list[float]] | None:
    """networkx optimum between two snapped points under ``weights``, and ``sums`` of other per-arc
    values along that path (partial arcs at the ends in proportion), or None if unreachable."""
    G = nx.DiGraph()
    for a, (u, v, w) in enumerate(zip(net.tail.tolist(), net.head.tolist(), np.asarray(weights).tolist())):
        if w < FORBIDDEN and (not G.has_edge(u, v) or w < G[u][v]["weight"]):
            G.add_edge(u, v, weight=w, arc=a, frac=1.0)
    for snap, is_src in ((o, True), (d, False)):
        for arc, f in ((snap.arc, snap.fraction), (snap.reverse_arc, 1 - snap.fraction)):
            if arc < 0 or weights[arc] >= FORBIDDEN:
                continue
            if is_src:
                G.add_edge(("src",), int(net.head[arc]), weight=(1 - f) * weights[arc], arc=arc, frac=1 - f)
            else:
                G.add_edge(int(net.tail[arc]), ("dst",), weight=f * weights[arc], arc=arc, frac=f)
    try:
        cost, path = nx.single_source_dijkstra(G, ("src",), ("dst",), weight="weight")
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return None
    totals = [0.0 for _ in sums]
    for u, v in zip(path[:-1], path[1:]):
        e = G[u][v]
        for i, arr in enumerate(sums):
            totals[i] += e["frac"] * float(arr[e["arc"]])
    return cost, totals


def covers_any(zones, lon, lat) -> list[str]:
    p = shapely.Point(lon, lat)
    return [z.id for z in zones if z.no_stop and z.geometry.contains(p)]


def node_point(net, n) -> list[float]:
    return [float(net.node_lon[n]), float(net.node_lat[n])]


def od_pairs(net, rng, count):
    for _ in range(count):
        a, b = rng.choice(net.node_count, 2, replace=False)
        yield node_point(net, a), node_point(net, b)


def blocking_zone(router, rng, *, risk="sealed", **kw):
    """A disc over the middle of the fastest route of a random trip, and the trip."""
    net = router.network
    while True:
        o_pt, d_pt = next(od_pairs(net, rng, 1))
        plain = closed_loop_route(router, o_pt, d_pt, zones=[], departure=NOW)
        if len(plain.arcs) > 40:
            mid = int(net.tail[plain.arcs[len(plain.arcs) // 2]])
            return disc_zone(net, mid, 120, zid="block", risk=risk, **kw), o_pt, d_pt, plain


def zone_with_destination(router, rng):
    net = router.network
    for _ in range(50):
        zone = random_zones(net, rng, 1)[0]
        c = zone.geometry.centroid
        d = net.nearest_node(c.x, c.y)
        if covers_any([zone], *node_point(net, d)):
            return zone, node_point(net, d)
    raise AssertionError("no zone with a node at its centre")


def tiny_line_router():
    """0 - 1 - 2 - 3 along a parallel, ~270 m apart, two-way, 40 km/h."""
    from routing.router import Router
    from tests.routing.test_router import LINE, tiny_network

    net = tiny_network(LINE, [{"u": 0, "v": 1}, {"u": 1, "v": 2}, {"u": 2, "v": 3}])
    return Router(net, engine="cch")


def box_zone(net, x0: float, x1: float, *, zid: str = "box", risk: str = "sealed", half_height_m: float = 50.0):
    """A zone over ``x0 <= x <= x1`` (projected metres) across the line, as a WGS-84 polygon."""
    poly = shapely.box(x0, -half_height_m, x1, half_height_m)
    return Zone(id=zid, name=zid, risk=risk, geometry=net.projection.inverse_geom(poly.segmentize(5.0)))


def at_x(net, x: float) -> list[float]:
    """``[lon, lat]`` on the tiny line at projected ``x`` (the line runs at projected y ~ 0)."""
    xs, ys = net.node_xy
    y = float(np.interp(x, xs[:4], ys[:4]))
    lon, lat = net.projection.inverse(x, y)
    return [float(lon), float(lat)]


def crossing_reference(net, route, zone):
    """Independent shapely answer: (length inside, first point, last point) of the route line in ``zone``."""
    proj = net.projection
    line = shapely.LineString(np.column_stack(proj.forward(*np.array(route.coordinates).T)))
    cut = line.intersection(proj.forward_geom(zone.geometry))
    pts = shapely.get_coordinates(cut)
    along = np.array([line.project(shapely.Point(p)) for p in pts])
    return cut.length, pts[np.argmin(along)], pts[np.argmax(along)]

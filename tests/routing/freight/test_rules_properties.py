"""Property tests of the core rules on every shared extract and a synthetic grid, seeded.

Seeded random zones (squares, circles, concave L shapes, pairs of squares touching each other, sealed or
controlled) around random road nodes; origins, destinations and waypoints just outside a zone, just inside
one and far away.  On every answer:

(a) no truck stop lies inside a sealed/controlled zone;
(b) the truck's drive of a transshipment never enters the zone it hands over at (an independent shapely
    footprint of that zone), and the docking point lies outside every no-stop zone;
(e) after a hard closure, every OD pair the impact (:func:`routing.closures.strands`) says stays connected
    is routable, and every pair it says is cut off (the origin cannot leave, or the destination cannot be
    reached) answers a :class:`NoRouteError` that names the closures.

An answer may also be a refusal (a waypoint inside a zone: ``InvalidInputError`` naming a zone that holds
it; no legal route: ``NoRouteError``); anything else fails.  Each test asserts how many cases it checked.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from bench.synthetic import synthetic_network
from geo.errors import InvalidInputError, NoRouteError
from geo.zones import Zone
from routing import closures as C
from routing.engine import FORBIDDEN
from routing.freight import closed_loop_route
from routing.router import Router
from tests._data import NETWORK_CACHE, shared_file
from tests.routing.freight.support import NOW, node_point

NETWORKS = ["andorra.osm.pbf", "monaco.osm.pbf", "liechtenstein.osm.pbf", "shanghai-huangpu.osm", "synthetic"]
ZONE_SETS = 6
TRIPS_PER_SET = 70
CLOSURES = 12
PAIRS_PER_CLOSURE = 12


@pytest.fixture(scope="module", params=NETWORKS)
def router(request):
    if request.param == "synthetic":
        return Router(synthetic_network(6_000, seed=3), engine="cch")
    from routing.network import load_or_build

    net, folder = load_or_build(str(shared_file(request.param)), NETWORK_CACHE)
    return Router(net, engine="cch", cache_dir=folder)


def _shape(rng, cx: float, cy: float, kind: str) -> shapely.Polygon:
    if kind == "circle":
        return shapely.Point(cx, cy).buffer(float(rng.uniform(120, 400)), quad_segs=12)
    h = float(rng.uniform(100, 350))
    square = shapely.box(cx - h, cy - h, cx + h, cy + h)
    if kind == "square":
        return square
    # concave: an L (its inner corner off the centre node, so that no node lies on the boundary by construction)
    return square.difference(shapely.box(cx + 0.37 * h, cy + 0.41 * h, cx + h, cy + h))


def random_zones(net, rng, count: int) -> list[Zone]:
    """``count`` zones (one of them a pair touching along an edge) in the network projection."""
    x, y = net.node_xy
    polys: list[shapely.Polygon] = []
    for _ in range(count):
        n = int(rng.integers(net.node_count))
        polys.append(_shape(rng, float(x[n]), float(y[n]), str(rng.choice(["circle", "square", "concave"]))))
    n = int(rng.integers(net.node_count))
    cx, cy, h = float(x[n]), float(y[n]), float(rng.uniform(100, 250))
    polys += [shapely.box(cx - 2 * h, cy - h, cx, cy + h), shapely.box(cx, cy - h, cx + 2 * h, cy + h)]  # touching
    return [
        Zone(
            id=f"z{k}",
            name=f"z{k}",
            risk=("sealed", "controlled")[int(rng.integers(2))],
            geometry=net.projection.inverse_geom(p.segmentize(20.0)),
        )
        for k, p in enumerate(polys)
    ]


class Places:
    """Road nodes by where they lie: inside a zone, just outside one (within 150 m), far from every zone."""

    def __init__(self, net, zones: list[Zone]):
        x, y = net.node_xy
        union = shapely.union_all([net.projection.forward_geom(z.geometry) for z in zones])
        self.polys = {z.id: net.projection.forward_geom(z.geometry) for z in zones}
        inside = shapely.contains_xy(union, x, y)
        near = shapely.contains_xy(union.buffer(150.0), x, y)
        self.groups = {
            "inside": np.nonzero(inside)[0],
            "just_outside": np.nonzero(near & ~inside)[0],
            "far": np.nonzero(~near)[0],
        }

    def pick(self, rng) -> int:
        kinds = [k for k, v in self.groups.items() if v.size]
        return int(rng.choice(self.groups[str(rng.choice(kinds))]))


def entered_arcs(net, arcs: np.ndarray, poly_xy) -> np.ndarray:
    """The arcs among ``arcs`` whose segment runs inside ``poly_xy`` (more than touching it)."""
    if arcs.size == 0:
        return arcs
    x, y = net.node_xy
    segs = shapely.linestrings(
        np.stack(
            [
                np.column_stack([x[net.tail[arcs]], y[net.tail[arcs]]]),
                np.column_stack([x[net.head[arcs]], y[net.head[arcs]]]),
            ],
            axis=1,
        )
    )
    return arcs[shapely.length(shapely.intersection(segs, poly_xy)) > 1e-6]


def covered(zones: list[Zone], lon: float, lat: float) -> list[str]:
    p = shapely.Point(lon, lat)
    return [z.id for z in zones if z.no_stop and z.geometry.covers(p)]


def test_stops_and_transshipments_on_random_zones(router):
    net = router.network
    rng = np.random.default_rng(20260601)
    counts = {"cases": 0, "routes": 0, "transshipments": 0, "refused": 0}
    for _ in range(ZONE_SETS):
        zones = random_zones(net, rng, int(rng.integers(2, 5)))
        places = Places(net, zones)
        for _ in range(TRIPS_PER_SET):
            o, d = node_point(net, places.pick(rng)), node_point(net, places.pick(rng))
            wps = [node_point(net, places.pick(rng))] if rng.random() < 0.25 else []
            counts["cases"] += 1
            try:
                route = closed_loop_route(router, o, d, waypoints=wps, zones=zones, departure=NOW)
            except InvalidInputError as err:
                # only a waypoint inside a zone is refused as bad input, and the zone named holds it
                assert wps and any(z.id in str(err) and covered([z], *wps[0]) for z in zones), str(err)
                counts["refused"] += 1
                continue
            except NoRouteError as err:
                assert str(err)
                counts["refused"] += 1
                continue
            counts["routes"] += 1
            if route.choice == "inside":  # both ends inside one zone: no truck at all
                assert route.arcs.size == 0
                continue
            for stop in route.stops:  # (a)
                assert not covered(zones, *stop), (o, d, wps, stop)
            for t in route.transshipments:  # (b)
                counts["transshipments"] += 1
                assert not covered(zones, *t.docking_point), (o, d, t.docking_point)
                bad = entered_arcs(net, np.asarray(route.arcs), places.polys[t.zone_id])
                assert bad.size == 0, (o, d, t.zone_id, bad[:5])
                assert t.zone_id not in {c.zone_id for c in route.zones_crossed}
    assert counts["cases"] == ZONE_SETS * TRIPS_PER_SET
    assert counts["routes"] > counts["cases"] // 2 and counts["transshipments"] > 0, counts


def test_closure_impact_agrees_with_routing(router):
    net = router.network
    rng = np.random.default_rng(20260602)
    usable = router.truck_weights != FORBIDDEN
    oneway = np.nonzero(usable & (net.reverse_arc < 0))[0]
    counts = {"closures": 0, "pairs": 0, "connected": 0, "cut": 0}
    for k in range(CLOSURES):
        # a one-way arc (one bore), or a whole way in both directions
        if k % 2 == 0 and oneway.size:
            closed = np.array([int(rng.choice(oneway))])
        else:
            closed = C.undirected(net, net.arcs_of_way(int(net.osm_way_id[int(rng.integers(net.arc_count))])))
        out = C.strands(net.node_count, net.tail, net.head, usable, closed)
        counts["closures"] += 1
        near_closed = np.zeros(net.node_count, dtype=bool)  # nodes a snap might put on a closed arc
        near_closed[net.tail[closed]] = near_closed[net.head[closed]] = True
        stranded = np.zeros(net.node_count, dtype=bool)
        stranded[out.nodes_cut_off] = True
        main = np.nonzero(~stranded & ~near_closed & np.isin(np.arange(net.node_count), net.tail[usable]))[0]
        pairs = [(int(a), int(b)) for a, b in rng.choice(main, (PAIRS_PER_CLOSURE, 2))]
        leave = [int(n) for n in out.cannot_leave if not near_closed[n]]
        reach = [int(n) for n in out.cannot_be_reached if not near_closed[n]]
        if leave:
            pairs += [(int(rng.choice(leave)), int(rng.choice(main))) for _ in range(3)]
        if reach:
            pairs += [(int(rng.choice(main)), int(rng.choice(reach))) for _ in range(3)]
        for a, b in pairs:
            if a == b:
                continue
            counts["pairs"] += 1
            cut = a in leave or b in reach
            try:
                closed_loop_route(router, node_point(net, a), node_point(net, b), zones=[], closed_arcs=closed)
                assert not cut, ("the impact said cut off, routing found a route", a, b, closed[:3])
                counts["connected"] += 1
            except NoRouteError as err:
                assert cut, ("the impact said connected, routing found none", a, b, closed[:3], str(err))
                assert "closures" in str(err)
                counts["cut"] += 1
    assert counts["closures"] == CLOSURES and counts["pairs"] >= CLOSURES * PAIRS_PER_CLOSURE // 2, counts

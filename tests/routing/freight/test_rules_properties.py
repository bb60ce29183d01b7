"""Property tests of the core rules on every shared extract and a synthetic grid, seeded.

Seeded random zones (squares, circles, concave L shapes, pairs of squares touching each other, sealed or
controlled) around random road nodes; origins, destinations and waypoints just outside a zone, just inside
one and far away.  On every answer:

(a) no truck stop lies inside a sealed/controlled zone;
(b) the truck's drive of a transshipment never enters the zone it hands over at (an independent shapely
    footprint of that zone), and the docking point lies outside every no-stop zone;
(c) a transshipment's whole chain (truck + inside vehicle; the handover time is on both sides) is no slower
    than a truck driving in directly by the closed-loop rule (the same trip with the inside ends as
    whitelist sites), or the answer says why (a truck may not stop inside the zone);
(d) every docking point routing hands over at is one the planner accepts
    (:func:`routing.docking.docking_candidates` on the planner's weights, for that end of the trip);
(f) snapping keeps every stop on the side of every zone boundary its given point lies on, or the answer
    says it moved the stop into or out of the named zone;
(e) after a hard closure, every OD pair the impact (:func:`routing.closures.strands`) says stays connected
    is routable, and every pair it says is cut off (the origin cannot leave, or the destination cannot be
    reached) answers a :class:`NoRouteError` that names the closures.

An answer may also be a refusal (a waypoint inside a zone: ``InvalidInputError`` naming a zone that holds
it; no legal route: ``NoRouteError``); anything else fails.  Each test asserts how many cases it checked.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from bench.synthetic import synthetic_network
from geo.errors import InvalidInputError, NoRouteError
from geo.zones import Zone
from routing import closures as C
from routing.docking import docking_candidates
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


def near_point(net, node: int, rng) -> list[float]:
    """A point off the road near ``node``: up to 60 m away in a random direction (half the time the node)."""
    if rng.random() < 0.5:
        return node_point(net, node)
    x, y = net.node_xy
    r, a = float(rng.uniform(0, 60)), float(rng.uniform(0, 2 * np.pi))
    lon, lat = net.projection.inverse(float(x[node]) + r * np.cos(a), float(y[node]) + r * np.sin(a))
    return [float(lon), float(lat)]


def record(record_property, name: str, counts: dict) -> None:
    """Print the cases a property ran (``-s`` shows them) and keep them as the test's properties (junit XML)."""
    print(f"property cases: {json.dumps({'test': name, **counts})}")
    for key, value in counts.items():
        record_property(key, value)


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


def test_stops_and_transshipments_on_random_zones(router, request, record_property):
    net = router.network
    rng = np.random.default_rng(20260601)
    counts = {"cases": 0, "routes": 0, "transshipments": 0, "refused": 0}
    counts |= {"a_stops": 0, "b_handovers": 0, "c_chains": 0, "c_slower_said_why": 0, "d_docks": 0}
    counts |= {"f_snaps": 0, "f_moved_said": 0}
    valid: dict[str, object] = {}  # the planner's docking points of each zone
    for _ in range(ZONE_SETS):
        zones = random_zones(net, rng, int(rng.integers(2, 5)))
        by_id = {z.id: z for z in zones}
        places = Places(net, zones)
        valid.clear()
        for _ in range(TRIPS_PER_SET):
            o, d = near_point(net, places.pick(rng), rng), near_point(net, places.pick(rng), rng)
            wps = [near_point(net, places.pick(rng), rng)] if rng.random() < 0.25 else []
            counts["cases"] += 1
            try:
                route = closed_loop_route(router, o, d, waypoints=wps, zones=zones, departure=NOW)
            except InvalidInputError as err:
                # only a waypoint inside a zone is refused as bad input, and the zone named holds it
                assert wps and any(z.id in str(err) for z in zones), str(err)
                counts["refused"] += 1
                continue
            except NoRouteError as err:
                assert str(err)
                counts["refused"] += 1
                continue
            counts["routes"] += 1
            for r in route.snaps:  # (f)
                counts["f_snaps"] += 1
                if r.moved is None:
                    assert covered(zones, *r.given) == covered(zones, *r.snapped), (r, o, d, wps)
                else:
                    assert covered(zones, *(r.snapped if r.moved == "into" else r.given)).count(r.zone_id) == 1
                    assert any(
                        f"moved {r.moved.replace('_', ' ')} {r.risk} zone {r.zone_id}" in w for w in route.warnings
                    )
                    counts["f_moved_said"] += 1
            if route.choice == "inside":  # both ends inside one zone: no truck at all
                assert route.arcs.size == 0
                continue
            for stop in route.stops:  # (a)
                assert not covered(zones, *stop), (o, d, wps, stop)
                counts["a_stops"] += 1
            for t in route.transshipments:  # (b), (d)
                counts["transshipments"] += 1
                assert not covered(zones, *t.docking_point), (o, d, t.docking_point)
                bad = entered_arcs(net, np.asarray(route.arcs), places.polys[t.zone_id])
                assert bad.size == 0, (o, d, t.zone_id, bad[:5])
                assert t.zone_id not in {c.zone_id for c in route.zones_crossed}
                counts["b_handovers"] += 1
                if t.zone_id not in valid:
                    valid[t.zone_id] = docking_candidates(net, by_id[t.zone_id], router.truck_weights, net.base_weights)
                node = net.nearest_node(*t.docking_point)
                assert valid[t.zone_id].accepts(node, end=t.end), (o, d, t.zone_id, t.end, node)  # type: ignore[attr-defined]
                counts["d_docks"] += 1
            if route.transshipments:  # (c)
                ends = {t.end for t in route.transshipments}
                try:
                    direct = closed_loop_route(
                        router,
                        o,
                        d,
                        waypoints=wps,
                        zones=zones,
                        departure=NOW,
                        destination_whitelisted="destination" in ends,
                        origin_whitelisted="origin" in ends,
                    ).travel_time_s
                except NoRouteError:
                    direct = None
                assert route.costs["direct_s"] == (None if direct is None else pytest.approx(direct))
                counts["c_chains"] += 1
                if direct is not None and route.travel_time_s > direct + 0.5:
                    assert "a truck may not stop inside" in route.explanation
                    assert "卡车不得在" in route.explanation.zh  # type: ignore[attr-defined]
                    counts["c_slower_said_why"] += 1
    record(record_property, f"stops_and_transshipments[{request.node.callspec.id}]", counts)
    assert counts["cases"] == ZONE_SETS * TRIPS_PER_SET
    assert counts["routes"] > counts["cases"] // 2 and counts["transshipments"] > 0, counts


def test_closure_impact_agrees_with_routing(router, request, record_property):
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
    record(record_property, f"closure_impact[{request.node.callspec.id}]", counts)
    assert counts["closures"] == CLOSURES and counts["pairs"] >= CLOSURES * PAIRS_PER_CLOSURE // 2, counts

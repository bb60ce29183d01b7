"""The docking-point planner and closed-loop routing's transshipment share one definition of a docking point.

A tiny hand-built network (units of 0.001 degree near 113.2 E, 35.2 N): an outside ring A-B-C-D, a spur
A-E-F-F2 into a sealed box over ``1.2 <= x <= 2.4``, ``1.0 <= y <= 2.0`` (F and F2 inside), a road G-H just
south of the box (outside), and a pocket P east of the box that a one-way road B->P enters and only the
crossing P-F2 leaves: trucks reach P but cannot leave it without entering the zone.

* A demand site inside the box near its south edge is nearest to G-H (outside).  The planner used to snap
  it there and answer "no inside demand reachable on the zone's own roads" while routing handed over with
  an inside leg on outside roads; now both snap it onto the zone's side, and at the planner's point the
  inside leg is the planner's.
* A destination near F2: routing hands over at P (the shortest chain), which the planner used to reject
  (a truck cannot leave P without entering the zone); both now accept P for goods into the zone, and
  neither for a pickup out of it.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.zones import Zone
from routing.docking import docking_candidates, plan_docking_points
from routing.freight import closed_loop_route
from routing.network import RoadNetwork, haversine_m
from routing.router import Router
from routing.stations import Demand
from tests.routing.freight.support import NOW

LON0, LAT0, UNIT = 113.2, 35.2, 0.001
NODES = {
    "A": (0, 0),
    "B": (3, 0),
    "C": (3, 3),
    "D": (0, 3),
    "E": (0.8, 1.5),
    "F": (1.8, 1.5),
    "F2": (2.2, 1.5),
    "G": (0.8, 0.9),
    "H": (2.8, 0.9),
    "P": (2.6, 1.5),
}
TWO_WAY = [("A", "B"), ("B", "C"), ("C", "D"), ("D", "A"), ("A", "E"), ("E", "F"), ("F", "F2"), ("A", "G")]
TWO_WAY += [("G", "H"), ("H", "B"), ("P", "F2")]
ONE_WAY = [("B", "P")]
NAMES = list(NODES)


def lonlat(x: float, y: float) -> list[float]:
    return [LON0 + x * UNIT, LAT0 + y * UNIT]


def network(one_way: list[tuple[str, str]] = ONE_WAY) -> RoadNetwork:
    pairs = [p for a, b in TWO_WAY for p in ((a, b), (b, a))] + one_way
    tail = np.array([NAMES.index(a) for a, _ in pairs], dtype=np.int64)
    head = np.array([NAMES.index(b) for _, b in pairs], dtype=np.int64)
    lon = np.array([lonlat(*NODES[n])[0] for n in NAMES])
    lat = np.array([lonlat(*NODES[n])[1] for n in NAMES])
    m = tail.size
    way = {frozenset(p): i for i, p in enumerate(TWO_WAY + one_way)}
    return RoadNetwork(
        source="tiny",
        node_osm_id=np.arange(1, len(NAMES) + 1, dtype=np.int64),
        node_lon=lon,
        node_lat=lat,
        tail=tail,
        head=head,
        length_m=haversine_m(lon[tail], lat[tail], lon[head], lat[head]),
        speed_kph=np.full(m, 30.0),
        highway=np.full(m, "residential", dtype=object),
        name=np.full(m, None, dtype=object),
        ref=np.full(m, None, dtype=object),
        grade=np.full(m, "urban", dtype=object),
        osm_way_id=np.array([100 + way[frozenset(p)] for p in pairs], dtype=np.int64),
        oneway=np.array([p in one_way for p in pairs]),
        maxheight_m=np.full(m, np.nan),
        maxweight_t=np.full(m, np.nan),
        maxwidth_m=np.full(m, np.nan),
        hgv_no=np.zeros(m, dtype=bool),
    )


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(network(), engine="cch")


@pytest.fixture(scope="module")
def zone() -> Zone:
    box = shapely.Polygon([lonlat(1.2, 1.0), lonlat(2.4, 1.0), lonlat(2.4, 2.0), lonlat(1.2, 2.0)])
    return Zone(id="box", name="box", risk="sealed", geometry=box.segmentize(UNIT / 20))


def node_of(router: Router, point) -> int:
    return router.network.nearest_node(*point)


def test_a_site_inside_near_an_outside_road_is_planned_for_and_routed_alike(router, zone):
    site = lonlat(1.5, 1.05)  # inside; 17 m from G-H (outside), 50 m from E-F (inside)
    assert zone.geometry.covers(shapely.Point(site))
    near = router.snap(site)
    assert not zone.geometry.covers(shapely.Point(near.snapped_lon, near.snapped_lat))
    plan = plan_docking_points(
        router, zone, 1, demand=[Demand(id="s", name="s", lon=site[0], lat=site[1])], reference_nodes=[0]
    )
    assert [NAMES[p.node] for p in plan.points] == ["E"] and plan.unserved == ()
    valid = docking_candidates(router.network, zone, router.truck_weights, router.network.base_weights)
    route = closed_loop_route(router, lonlat(3, 3), site, zones=[zone], departure=NOW)
    t = route.transshipment
    assert t is not None and valid.accepts(node_of(router, t.docking_point))
    # at the planner's point, the inside leg is the planner's: on the zone's own roads, to the zone's side
    dock = [plan.points[0].lon, plan.points[0].lat]
    at_plan = closed_loop_route(router, lonlat(3, 3), site, zones=[zone], departure=NOW, docking_points={"box": [dock]})
    t = at_plan.transshipment
    assert t.planned and t.docking_point == pytest.approx(dock, abs=1e-7)
    leg = t.leg
    assert valid.zone_mask[leg.arcs].all()
    assert zone.geometry.covers(shapely.Point(*leg.coordinates[-1]))
    assert plan.points[0].mean_time_s == pytest.approx(leg.travel_time_s, rel=1e-3)


def test_routing_hands_over_only_where_the_planner_accepts(router, zone):
    valid = docking_candidates(router.network, zone, router.truck_weights, router.network.base_weights)
    # P is reached by B->P without entering: a docking point for goods into the zone, but a truck picking
    # up there could leave only through the zone
    assert sorted(NAMES[n] for n in valid.nodes) == ["E", "P"]
    assert sorted(NAMES[n] for n in valid.pickup_nodes) == ["E"]
    plan = plan_docking_points(router, zone, 2)
    assert sorted(NAMES[p.node] for p in plan.points) == ["E", "P"] and plan.rejected == ()
    near_f2 = lonlat(2.15, 1.5)
    route = closed_loop_route(router, lonlat(3, 3), near_f2, zones=[zone], departure=NOW)
    node = node_of(router, route.transshipment.docking_point)
    assert valid.accepts(node) and NAMES[node] == "P"  # the shortest chain: C-B-P, then P-F2
    back = closed_loop_route(router, near_f2, lonlat(3, 3), zones=[zone], departure=NOW)
    node = node_of(router, back.transshipment.docking_point)
    assert valid.accepts(node, end="origin") and NAMES[node] == "E"
    assert not any(zone.geometry.covers(shapely.Point(*p)) for p in back.stops)


def test_a_pocket_the_truck_cannot_reach_is_rejected_by_both():
    """Without B->P the pocket is reached only through the zone: the planner rejects it, routing never uses it."""
    net_router = Router(network(one_way=[]), engine="cch")
    box = shapely.Polygon([lonlat(1.2, 1.0), lonlat(2.4, 1.0), lonlat(2.4, 2.0), lonlat(1.2, 2.0)])
    zone = Zone(id="box", name="box", risk="sealed", geometry=box.segmentize(UNIT / 20))
    valid = docking_candidates(net_router.network, zone, net_router.truck_weights, net_router.network.base_weights)
    assert sorted(NAMES[n] for n in valid.nodes) == ["E"] and [NAMES[r["node"]] for r in valid.rejected] == ["P"]
    route = closed_loop_route(net_router, lonlat(3, 3), lonlat(2.15, 1.5), zones=[zone], departure=NOW)
    assert NAMES[node_of(net_router, route.transshipment.docking_point)] == "E"

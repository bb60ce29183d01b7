"""Last-mile drop points on Andorra: on the perimeter, at a gate when there is one, reachable."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import Point, Polygon

from geo.errors import InvalidInputError
from geo.sites import Site
from routing.droppoint import DEFAULT_RADIUS_M, GATE_TOLERANCE_M, Origin, osm_gates, plan_drop_point
from routing.engine import FORBIDDEN, ScipyEngine
from routing.network import WEIGHT_UNIT_S
from routing.stations import snap_endpoint, travel_time_matrix

ORIGINS = [
    Origin("candidate_station", "c1", "Escaldes", 1.5340, 42.5080),
    Origin("hub_logistics", "h1", "Sant Julia", 1.4910, 42.4630),
]


@pytest.fixture(scope="module")
def gates(shared_data):
    return osm_gates(shared_data / "andorra.osm.pbf")


def check_reachable(router, dp):
    """The approach route ends at the access point, its arcs chain and add up, as the reference says."""
    net = router.network
    plan = dp.plan
    assert plan.coordinates[-1] == pytest.approx(dp.access_point, abs=1e-7)
    assert plan.travel_time_s > 0 and plan.length_m > 0
    w = router.truck_weights
    ref = ScipyEngine(net.tail, net.head, net.node_count, w)
    expected = travel_time_matrix(
        ref,
        [snap_endpoint(net, plan.origin, w, as_source=True)],
        [snap_endpoint(net, plan.destination, w, as_source=False)],
        w,
    )[0, 0]
    assert plan.cost == pytest.approx(expected, abs=1e-6)
    # the node path chains over truck-usable arcs
    used = {(int(net.tail[a]), int(net.head[a])) for a in plan.arcs if w[a] != FORBIDDEN}
    assert all((u, v) in used for u, v in zip(plan.nodes[:-1], plan.nodes[1:]))
    # the access point lies on the reported access road (within a metre)
    x, y = net.projection.forward(*dp.access_point)
    tx, ty = net.projection.forward(
        net.node_lon[net.tail[dp.access_road["arc"]]], net.node_lat[net.tail[dp.access_road["arc"]]]
    )
    hx, hy = net.projection.forward(
        net.node_lon[net.head[dp.access_road["arc"]]], net.node_lat[net.head[dp.access_road["arc"]]]
    )
    assert shapely.LineString([(tx, ty), (hx, hy)]).distance(Point(x, y)) < 1.0


def on_perimeter_m(router, poly, lon, lat) -> float:
    proj = router.network.projection
    x, y = proj.forward(lon, lat)
    return proj.forward_geom(poly).exterior.distance(Point(x, y))


def test_point_site_default_radius(andorra_router, gates):
    site = Site(id="e1", kind="enterprise", name="E1", geometry=Point(1.5218, 42.5078))
    dp = plan_drop_point(andorra_router, site, ORIGINS, gates=gates)
    assert dp.radius_m == DEFAULT_RADIUS_M
    proj = andorra_router.network.projection
    cx, cy = proj.forward(1.5218, 42.5078)
    x, y = proj.forward(dp.lon, dp.lat)
    assert Point(cx, cy).distance(Point(x, y)) == pytest.approx(DEFAULT_RADIUS_M, abs=1.0)
    assert on_perimeter_m(andorra_router, dp.premises, dp.lon, dp.lat) < 1.0
    # served from the nearest origin by travel time
    times = [
        andorra_router.route_between(
            andorra_router.snap([o.lon, o.lat]), dp.plan.destination, andorra_router.truck_weights, slot="truck"
        )[0]
        * WEIGHT_UNIT_S
        for o in ORIGINS
    ]
    assert dp.origin.id == ORIGINS[times.index(min(times))].id
    assert dp.plan.cost == pytest.approx(min(times), abs=1e-6)
    check_reachable(andorra_router, dp)


def test_polygon_premises(andorra_router, gates):
    poly = Polygon([(1.5215, 42.5060), (1.5225, 42.5060), (1.5225, 42.5068), (1.5215, 42.5068)])
    site = Site(id="e2", kind="enterprise", name="E2", geometry=poly)
    dp = plan_drop_point(andorra_router, site, ORIGINS, gates=gates)
    assert dp.radius_m is None
    assert on_perimeter_m(andorra_router, poly, dp.lon, dp.lat) < 1.0
    check_reachable(andorra_router, dp)


def test_gate_on_perimeter_is_used(andorra_router, gates):
    assert gates, "the Andorra extract has barrier=gate / entrance nodes"
    proj = andorra_router.network.projection
    g = gates[1]
    gx, gy = proj.forward(g.lon, g.lat)
    # premises whose boundary passes 5 m from the gate
    centre = proj.inverse(gx + 65.0, gy)
    site = Site(id="e3", kind="enterprise", name="E3", geometry=Point(*centre), radius_m=60)
    dp = plan_drop_point(andorra_router, site, ORIGINS, gates=gates)
    assert dp.method == "osm_gate" and dp.gate["osm_id"] == g.osm_id
    x, y = proj.forward(dp.lon, dp.lat)
    assert Point(gx, gy).distance(Point(x, y)) <= GATE_TOLERANCE_M
    assert on_perimeter_m(andorra_router, dp.premises, dp.lon, dp.lat) < 1.0
    check_reachable(andorra_router, dp)
    # without gates the nearest-road rule applies
    assert plan_drop_point(andorra_router, site, ORIGINS).method == "nearest_road"


def test_no_origin(andorra_router):
    site = Site(id="e4", kind="enterprise", name="E4", geometry=Point(1.5218, 42.5078))
    with pytest.raises(InvalidInputError, match="no serving origin"):
        plan_drop_point(andorra_router, site, [])

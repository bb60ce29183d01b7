"""Zone crossings of closed-loop routes, and the zone each stop lies in."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.errors import NoRouteError
from routing.freight import FreightIndex, closed_loop_route
from routing.freight.crossings import stop_zones
from tests.routing.freight.support import (
    NOW,
    at_x,
    box_zone,
    covers_any,
    crossing_reference,
    node_point,
    random_zones,
    tiny_line_router,
)


@pytest.mark.parametrize("which,seed", [("andorra", 3), ("monaco", 5)])
def test_no_stop_inside_and_crossings_geometry(which, seed, request):
    router = request.getfixturevalue(f"{which}_router")
    net = router.network
    rng = np.random.default_rng(seed)
    zones = random_zones(net, rng, 10, risks=("sealed", "controlled", "precaution"))
    nostop = [z for z in zones if z.no_stop]
    proj = net.projection
    checked_crossings = transships = 0
    for k in range(24):
        a, b = (int(v) for v in rng.choice(net.node_count, 2, replace=False))
        if k % 3 == 0:  # aim the destination (or origin) at a zone's centre
            zone = nostop[k % len(nostop)]
            c = zone.geometry.centroid
            b = net.nearest_node(c.x, c.y)
        o_pt, d_pt = node_point(net, a), node_point(net, b)
        if k % 6 == 3:
            o_pt, d_pt = d_pt, o_pt
        try:
            route = closed_loop_route(router, o_pt, d_pt, zones=zones, departure=NOW)
        except NoRouteError:
            continue  # e.g. a zone whose only roads are closed to trucks
        # (a) every truck stop is outside every sealed/controlled zone
        for lon, lat in route.stops:
            assert not covers_any(zones, lon, lat), (route.stops, route.transshipments)
        if covers_any(zones, *d_pt) or covers_any(zones, *o_pt):
            transships += 1
            assert route.transshipments
            at = 0 if route.transshipments[0].end == "origin" else -1
            assert route.legs[at].kind == "inside"
            for t in route.transshipments:
                assert t.docking_point in route.stops
        # (d) time and length inside, entry and exit against a shapely intersection of the route line
        line = shapely.LineString(np.column_stack(proj.forward(*np.array(route.coordinates).T)))
        by_zone: dict[str, list] = {}
        for c in route.zones_crossed:
            by_zone.setdefault(c.zone_id, []).append(c)
        for zone in zones:
            poly = proj.forward_geom(zone.geometry)
            cut = line.intersection(poly)
            length = cut.length
            got = by_zone.get(zone.id, [])
            # same projected vertices, planar arithmetic on both sides: only float noise separates them
            assert sum(c.length_inside_m for c in got) == pytest.approx(length, abs=0.5), zone.id
            if length < 1.0:
                continue
            checked_crossings += 1
            pts = shapely.get_coordinates(cut)
            along = np.array([line.project(shapely.Point(p)) for p in pts])
            first, last = pts[np.argmin(along)], pts[np.argmax(along)]
            entry = np.array(proj.forward(*got[0].entry))
            exit_ = np.array(proj.forward(*got[-1].exit))
            assert np.hypot(*(entry - first)) < 0.5 and np.hypot(*(exit_ - last)) < 0.5
            # constant speed per arc: time inside lies between length / fastest and length / slowest arc;
            # 0.5 % slack because arc times use spherical (haversine) lengths while the projection is
            # on the WGS-84 ellipsoid (they differ by ~0.2 % at these latitudes)
            v = net.speed_kph[route.arcs] / 3.6
            t = sum(c.time_inside_s for c in got)
            assert 0.995 * length / v.max() <= t <= 1.005 * length / v.min()
    assert checked_crossings > 0 and transships > 0


@pytest.mark.parametrize("case", ["through", "from_inside", "waypoint_inside"])
def test_crossings_on_a_tiny_line(case):
    router = tiny_line_router()
    net = router.network
    x, _ = net.node_xy
    speed_ms = 40 / 3.6
    waypoints = []
    if case == "through":  # a sealed zone over the middle of segment 1-2; the only way passes through
        zone = box_zone(net, x[1] + 60, x[2] - 80)
        o, d = at_x(net, (x[0] + x[1]) / 2), at_x(net, (x[2] + x[3]) / 2)
    elif case == "from_inside":  # the origin stands in a precaution zone: a partial arc starts inside
        zone = box_zone(net, x[0] + 20, x[1] - 40, risk="precaution")
        o, d = at_x(net, (x[0] + x[1]) / 2), at_x(net, x[3] - 10)
    else:  # a stop inside a precaution zone, a third of the way along segment 1-2: two partial parts meet there
        zone = box_zone(net, x[1] + 30, x[2] - 30, risk="precaution")
        o, d = at_x(net, x[0] + 10), at_x(net, x[3] - 10)
        waypoints = [at_x(net, x[1] + (x[2] - x[1]) / 3)]
    route = closed_loop_route(router, o, d, zones=[zone], waypoints=waypoints, departure=NOW)
    length, first, last = crossing_reference(net, route, zone)
    assert len(route.zones_crossed) == 1
    c = route.zones_crossed[0]
    assert c.zone_id == zone.id and c.length_inside_m == pytest.approx(length, abs=1e-6)
    proj = net.projection
    assert np.hypot(*(np.array(proj.forward(*c.entry)) - first)) < 1e-6
    assert np.hypot(*(np.array(proj.forward(*c.exit)) - last)) < 1e-6
    # constant speed: haversine arc lengths against planar metres differ by well under 1 %
    assert c.time_inside_s == pytest.approx(length / speed_ms, rel=1e-2)


def test_stop_zones_prefer_sealed_and_keep_order():
    router = tiny_line_router()
    net = router.network
    x, _ = net.node_xy
    sealed = box_zone(net, x[1] - 50, x[1] + 50, zid="s", risk="sealed")
    controlled = box_zone(net, x[1] - 150, x[1] + 20, zid="c", risk="controlled")
    precaution = box_zone(net, x[2] - 50, x[2] + 50, zid="p", risk="precaution")
    zs = FreightIndex(router).zone_set([controlled, precaution, sealed])
    snaps = [router.snap(at_x(net, v)) for v in (x[1] - 100, x[1], x[2], x[1] + 40, x[3] - 5)]
    got = stop_zones(zs, snaps)
    assert [z.id if z else None for z in got] == ["c", "s", None, "s", None]
    assert got == [stop_zones(zs, [s])[0] for s in snaps]  # one query for all: the same answers
    assert stop_zones(zs, []) == []

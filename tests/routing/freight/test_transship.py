"""Transshipment at a zone boundary: computed and planned docking points, both ends."""

from __future__ import annotations

import numpy as np
import pytest

from routing.docking import plan_docking_points
from routing.freight import closed_loop_route
from routing.stations import Demand
from tests.routing.freight.support import NOW, covers_any, node_point, zone_with_destination


def test_transshipment_and_planned_docking_point(andorra_router):
    rng = np.random.default_rng(31)
    net = andorra_router.network
    zone, d_pt = zone_with_destination(andorra_router, rng)
    o_pt = node_point(net, int(rng.integers(net.node_count)))
    route = closed_loop_route(andorra_router, o_pt, d_pt, zones=[zone], departure=NOW)
    t = route.transshipment
    assert t is not None and t.end == "destination" and not t.planned and t.zone_id == zone.id
    assert route.legs[-1].kind == "inside" and route.stops[-1] == t.docking_point
    assert not covers_any([zone], *t.docking_point)
    d_snap = andorra_router.snap(d_pt)
    assert t.leg.coordinates[-1] == pytest.approx([d_snap.snapped_lon, d_snap.snapped_lat])
    assert route.travel_time_s == pytest.approx(route.truck_travel_time_s + t.leg.travel_time_s)
    # a planned docking point (the planner's, for this destination) wins over the boundary crossings
    plan = plan_docking_points(andorra_router, zone, 1, demand=[Demand(id="d", name="d", lon=d_pt[0], lat=d_pt[1])])
    planned = [plan.points[0].lon, plan.points[0].lat]
    with_plan = closed_loop_route(
        andorra_router, o_pt, d_pt, zones=[zone], departure=NOW, docking_points={zone.id: [planned]}
    )
    assert with_plan.transshipment.planned
    # a point inside the zone is no docking point: the truck would have to enter to reach it
    inside = t.leg.coordinates[len(t.leg.coordinates) // 2]
    assert covers_any([zone], *inside)
    fallback = closed_loop_route(
        andorra_router, o_pt, d_pt, zones=[zone], departure=NOW, docking_points={zone.id: [inside]}
    )
    assert not fallback.transshipment.planned and fallback.transshipment.docking_point == t.docking_point
    assert any("none of the 1 planned docking points" in w for w in fallback.warnings)
    assert "without entering the zone" in fallback.explanation
    # symmetric: an origin inside the zone
    back = closed_loop_route(andorra_router, d_pt, o_pt, zones=[zone], departure=NOW)
    assert back.transshipment.end == "origin" and back.legs[0].kind == "inside"
    assert not covers_any([zone], *back.stops[0])

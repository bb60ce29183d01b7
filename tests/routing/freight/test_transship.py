"""Transshipment at a zone boundary: computed and planned docking points, both ends."""

from __future__ import annotations

import numpy as np
import pytest

from routing.freight import closed_loop_route
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
    # a planned docking point wins over the boundary crossings
    planned = t.leg.coordinates[len(t.leg.coordinates) // 2]
    with_plan = closed_loop_route(
        andorra_router, o_pt, d_pt, zones=[zone], departure=NOW, docking_points={zone.id: [planned]}
    )
    assert with_plan.transshipment.planned
    # symmetric: an origin inside the zone
    back = closed_loop_route(andorra_router, d_pt, o_pt, zones=[zone], departure=NOW)
    assert back.transshipment.end == "origin" and back.legs[0].kind == "inside"
    assert not covers_any([zone], *back.stops[0])

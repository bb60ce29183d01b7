"""A transshipment keeps the truck out of the zone it hands over at, and chooses the cheapest whole chain.

A sealed rectangle over a seeded synthetic street grid; the origin far west of it.  The truck's leg
to the docking point never runs on an arc that meets the zone (an independent shapely footprint),
for automatic and planned docking points alike, and among the planned points the one taken
minimises truck leg + inside leg.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from bench.synthetic import synthetic_network
from geo.zones import Zone
from routing.freight import closed_loop_route
from routing.router import Router
from tests.routing.freight.support import NOW, covers_any, footprint, node_point


@pytest.fixture(scope="module")
def grid():
    net = synthetic_network(3_000, seed=11, remove=0.0, oneway=0.0, diagonals=0.0)
    router = Router(net, engine="cch")
    x, y = net.node_xy
    x0, y0 = float(x.min()), float(y.min())
    # columns 20..30, rows 12..42 of the 90 m grid (the nodes are jittered by up to 18 m)
    poly_xy = shapely.box(x0 + 19.5 * 90, y0 + 11.5 * 90, x0 + 30.5 * 90, y0 + 42.5 * 90)
    zone = Zone(id="box", name="box", risk="sealed", geometry=net.projection.inverse_geom(poly_xy.segmentize(10.0)))

    def node_at(col: int, row: int) -> int:
        return int(np.argmin((x - (x0 + col * 90)) ** 2 + (y - (y0 + row * 90)) ** 2))

    return router, zone, node_at


def truck_arcs_in_zone(net, route, zone) -> int:
    mask, _ = footprint(net, [zone])
    return int(mask[route.arcs].sum())


def test_automatic_docking_truck_never_enters_the_handover_zone(grid):
    router, zone, node_at = grid
    net = router.network
    o = node_point(net, node_at(2, 27))
    d = node_point(net, node_at(30, 27))  # just inside the east edge: the nearest crossing is on the far side
    assert covers_any([zone], *d) and not covers_any([zone], *o)
    route = closed_loop_route(router, o, d, zones=[zone], departure=NOW)
    t = route.transshipment
    assert t is not None and t.zone_id == zone.id and not t.planned
    assert truck_arcs_in_zone(net, route, zone) == 0
    assert zone.id not in {c.zone_id for c in route.zones_crossed}
    assert not covers_any([zone], *route.stops[-1])


def test_planned_docking_truck_never_enters_the_handover_zone(grid):
    router, zone, node_at = grid
    net = router.network
    o = node_point(net, node_at(2, 27))
    d = node_point(net, node_at(29, 27))
    east = node_point(net, node_at(31, 27))  # the only planned point: the outside end of an east crossing
    route = closed_loop_route(router, o, d, zones=[zone], departure=NOW, docking_points={zone.id: [east]})
    t = route.transshipment
    assert t is not None and t.planned and t.docking_point == pytest.approx(east, abs=1e-6)
    assert truck_arcs_in_zone(net, route, zone) == 0
    # symmetric: an origin inside the zone, the truck leaves from the planned point without entering
    back = closed_loop_route(router, d, o, zones=[zone], departure=NOW, docking_points={zone.id: [east]})
    assert back.transshipment.end == "origin" and truck_arcs_in_zone(net, back, zone) == 0


def test_the_planned_docking_point_minimises_the_whole_chain(grid):
    router, zone, node_at = grid
    net = router.network
    o = node_point(net, node_at(2, 27))
    d = node_point(net, node_at(29, 27))  # near the east edge: the east point has the shorter inside leg
    # the outside ends of crossings west and east of the zone (a docking point's definition)
    west, east = node_point(net, node_at(19, 27)), node_point(net, node_at(31, 27))
    alone = {
        name: closed_loop_route(router, o, d, zones=[zone], departure=NOW, docking_points={zone.id: [p]})
        for name, p in (("west", west), ("east", east))
    }
    assert alone["east"].transshipment.leg.travel_time_s < alone["west"].transshipment.leg.travel_time_s
    both = closed_loop_route(router, o, d, zones=[zone], departure=NOW, docking_points={zone.id: [west, east]})
    best = min(alone.values(), key=lambda r: r.travel_time_s)
    assert both.transshipment.docking_point == pytest.approx(best.transshipment.docking_point, abs=1e-6)
    assert both.travel_time_s == pytest.approx(best.travel_time_s, rel=1e-6)
    assert truck_arcs_in_zone(net, both, zone) == 0

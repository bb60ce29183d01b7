"""Snapping keeps a stop on the side of a zone boundary its given point lies on.

Two parallel two-way streets about 280 m apart (south: nodes 0-3, north: nodes 4-7, joined at both
ends); a sealed zone over the middle of the south street.  A point given just north of the zone is
nearest to the south street inside it, but snaps to the north street outside; a point given inside
the zone near its north edge is nearest to the north street, but snaps to the south street inside.
Only when the given side has no road within the snap limit does snapping cross, and the answer
says so.
"""

from __future__ import annotations

import pytest
import shapely

from geo.zones import Zone
from routing.freight import closed_loop_route
from routing.router import Router
from tests.routing.freight.support import NOW, covers_any
from tests.routing.test_router import tiny_network

SOUTH = [(113.200, 35.200), (113.203, 35.200), (113.206, 35.200), (113.209, 35.200)]
NORTH = [(lon, 35.2025) for lon, _ in SOUTH]
SEGMENTS = [{"u": u, "v": v} for u, v in ((0, 1), (1, 2), (2, 3), (4, 5), (5, 6), (6, 7), (0, 4), (3, 7))]


def two_streets(max_snap_m: float = 500.0) -> Router:
    return Router(tiny_network(SOUTH + NORTH, SEGMENTS), engine="cch", max_snap_m=max_snap_m)


def zone_over(router: Router, y0: float, y1: float) -> Zone:
    """A sealed zone over the middle of the streets, ``y0 <= y <= y1`` (projected metres)."""
    net = router.network
    x, _ = net.node_xy
    poly = shapely.box(float(x[1]) - 100, y0, float(x[2]) + 100, y1)
    return Zone(id="s1", name="s1", risk="sealed", geometry=net.projection.inverse_geom(poly.segmentize(5.0)))


def point_at(router: Router, x: float, y: float) -> list[float]:
    lon, lat = router.network.projection.inverse(x, y)
    return [float(lon), float(lat)]


def ys(router: Router) -> tuple[float, float, float]:
    """(x between nodes 1 and 2, y of the south street, y of the north street)."""
    x, y = router.network.node_xy
    return float((x[1] + x[2]) / 2), float(y[1]), float(y[5])


def test_a_point_given_outside_stays_outside():
    router = two_streets()
    xm, y_s, y_n = ys(router)
    zone = zone_over(router, y_s - 50, y_s + 50)
    origin = point_at(router, xm, y_s + 70)  # 70 m from the south street (inside), ~210 m from the north one
    assert not covers_any([zone], *origin)
    destination = point_at(router, float(router.network.node_xy[0][7]), y_n)
    route = closed_loop_route(router, origin, destination, zones=[zone], departure=NOW)
    assert route.transshipments == []  # the origin is served by the truck where it was given
    assert not covers_any([zone], *route.snapped_origin)
    first = route.snaps[0]
    assert first.stop == "origin" and first.moved is None and first.zone_id is None
    assert first.distance_m == pytest.approx(y_n - (y_s + 70), abs=2.0)
    assert route.snaps[-1].stop == "destination" and route.snaps[-1].distance_m < 1.0
    assert "origin" in route.explanation and "no stop was moved" in route.explanation
    assert "起点" in route.explanation.zh


def test_a_point_given_inside_stays_inside():
    router = two_streets()
    xm, y_s, y_n = ys(router)
    zone = zone_over(router, y_s - 50, y_n - 40)  # the north edge 40 m short of the north street
    destination = point_at(router, xm, y_n - 60)  # inside: 60 m from the north street, ~220 m from the south one
    assert covers_any([zone], *destination)
    origin = point_at(router, float(router.network.node_xy[0][4]) - 0.0, y_n)
    route = closed_loop_route(router, origin, destination, zones=[zone], departure=NOW)
    assert [t.zone_id for t in route.transshipments] == ["s1"]  # an inside stop: a handover, not a truck stop
    inside = [leg for leg in route.legs if leg.kind == "inside"]
    assert inside and covers_any([zone], *inside[0].coordinates[-1])
    last = route.snaps[-1]
    assert last.moved is None and last.distance_m == pytest.approx(y_n - 60 - y_s, abs=2.0)


def test_no_road_on_the_given_side_within_the_limit_takes_the_nearest_and_says_so():
    router = two_streets(max_snap_m=120.0)
    xm, y_s, y_n = ys(router)
    zone = zone_over(router, y_s - 50, y_s + 50)
    origin = point_at(router, xm, y_s + 70)  # the north street is ~210 m away: beyond the limit
    destination = point_at(router, float(router.network.node_xy[0][7]), y_n)
    route = closed_loop_route(router, origin, destination, zones=[zone], departure=NOW)
    first = route.snaps[0]
    assert (first.moved, first.zone_id, first.risk) == ("into", "s1", "sealed")
    assert first.distance_m == pytest.approx(70.0, abs=2.0)
    assert any("moved into sealed zone s1" in w for w in route.warnings)
    assert "moved into sealed zone s1" in route.explanation and "移入封控区 s1" in route.explanation.zh

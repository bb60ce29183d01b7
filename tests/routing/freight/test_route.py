"""The closed-loop route end to end: validity windows, zone changes, waypoints, whitelist, limits."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from geo.errors import InvalidInputError, NoRouteError
from geo.zones import Zone
from routing.freight import closed_loop_route
from routing.router import Vehicle
from tests.routing.freight.support import (
    NOW,
    blocking_zone,
    covers_any,
    node_point,
    od_pairs,
    random_zones,
    zone_with_destination,
)


def test_validity_window(andorra_router):
    rng = np.random.default_rng(21)
    router = andorra_router
    for window in (
        {"valid_from": NOW + timedelta(hours=1)},
        {"valid_until": NOW - timedelta(seconds=1)},
        {"valid_from": NOW - timedelta(days=2), "valid_until": NOW - timedelta(days=1)},
    ):
        zone, o_pt, d_pt, plain = blocking_zone(router, rng, **window)
        route = closed_loop_route(router, o_pt, d_pt, zones=[zone], departure=NOW)
        assert np.array_equal(route.arcs, plain.arcs) and route.zones_crossed == [] and route.choice == "free"
        # the same zone in force changes the answer
        active = Zone(id="block", name="b", risk="sealed", geometry=zone.geometry)
        now_active = closed_loop_route(router, o_pt, d_pt, zones=[active], departure=NOW)
        assert now_active.choice in ("avoid", "min_inside")
        # either it goes around, or it passes through and says so
        assert not np.array_equal(now_active.arcs, plain.arcs) or (
            {c.zone_id for c in now_active.zones_crossed} == {"block"}
            and any("do not stop" in w for w in now_active.warnings)
        )
        # and at a departure inside the window it applies
        inside_window = (zone.valid_from or zone.valid_until - timedelta(hours=1)) + timedelta(minutes=1)
        assert np.array_equal(
            closed_loop_route(router, o_pt, d_pt, zones=[zone], departure=inside_window).arcs, now_active.arcs
        )


def test_zone_change_takes_effect_without_rebuild(andorra_router):
    rng = np.random.default_rng(4)
    zone, o_pt, d_pt, plain = blocking_zone(andorra_router, rng)
    topology = andorra_router.base_engine.topology
    created = closed_loop_route(andorra_router, o_pt, d_pt, zones=[zone], departure=NOW)
    assert not np.array_equal(created.arcs, plain.arcs)
    lifted = closed_loop_route(andorra_router, o_pt, d_pt, zones=[], departure=NOW)
    assert np.array_equal(lifted.arcs, plain.arcs)
    assert andorra_router.base_engine.topology is topology


def test_precaution_zone_is_informational(andorra_router):
    rng = np.random.default_rng(8)
    zone, o_pt, d_pt, plain = blocking_zone(andorra_router, rng, risk="precaution")
    route = closed_loop_route(andorra_router, o_pt, d_pt, zones=[zone], departure=NOW)
    assert np.array_equal(route.arcs, plain.arcs) and route.choice == "free"
    assert [c.zone_id for c in route.zones_crossed] == ["block"] and route.time_inside_s == 0


def test_waypoint_inside_zone_is_rejected(monaco_router):
    rng = np.random.default_rng(2)
    net = monaco_router.network
    zone = random_zones(net, rng, 1)[0]
    c = zone.geometry.centroid
    o_pt, d_pt = next(od_pairs(net, rng, 1))
    with pytest.raises(InvalidInputError, match="z0"):
        closed_loop_route(monaco_router, o_pt, d_pt, zones=[zone], waypoints=[[c.x, c.y]], departure=NOW)


def test_waypoints_are_visited(monaco_router):
    rng = np.random.default_rng(12)
    net = monaco_router.network
    o_pt, w_pt, d_pt = (node_point(net, int(n)) for n in rng.choice(net.node_count, 3, replace=False))
    route = closed_loop_route(monaco_router, o_pt, d_pt, zones=[], waypoints=[w_pt], departure=NOW)
    assert len(route.stops) == 3
    assert route.stops[1] == pytest.approx(w_pt, abs=1e-7)
    direct = closed_loop_route(monaco_router, o_pt, d_pt, zones=[], departure=NOW)
    assert route.truck_travel_time_s >= direct.truck_travel_time_s - 1e-6


def test_whitelist_delivery_is_point_to_point(andorra_router):
    rng = np.random.default_rng(31)
    net = andorra_router.network
    zone, d_pt = zone_with_destination(andorra_router, rng)
    o_pt = node_point(net, int(rng.integers(net.node_count)))
    route = closed_loop_route(andorra_router, o_pt, d_pt, zones=[zone], departure=NOW, destination_whitelisted=True)
    assert route.closed_loop_delivery and route.transshipment is None
    assert route.choice == "min_inside" and any("whitelist" in w for w in route.warnings)
    assert covers_any([zone], *route.stops[-1])


def test_no_legal_route_names_the_limit(andorra_router):
    net = andorra_router.network
    limited = np.nonzero(np.isfinite(net.maxweight_t))[0]
    origin = node_point(net, 0)
    for arc in limited[:40]:
        d_pt = [
            float((net.node_lon[net.tail[arc]] + net.node_lon[net.head[arc]]) / 2),
            float((net.node_lat[net.tail[arc]] + net.node_lat[net.head[arc]]) / 2),
        ]
        try:
            closed_loop_route(andorra_router, origin, d_pt, zones=[], vehicle=Vehicle(weight_t=30), departure=NOW)
        except NoRouteError as err:
            assert "maxweight" in str(err)
            break
    else:
        pytest.fail("no maxweight-limited dead end found in the first 40 limited arcs")
    # closures: every arc forbidden -> the message names the closures
    with pytest.raises(NoRouteError, match="closures"):
        closed_loop_route(
            andorra_router, origin, node_point(net, 100), zones=[], departure=NOW, closed_arcs=np.arange(net.arc_count)
        )


def test_bad_ratio(monaco_router):
    with pytest.raises(InvalidInputError, match="max_detour_ratio"):
        closed_loop_route(monaco_router, [7.42, 43.73], [7.43, 43.74], zones=[], max_detour_ratio=0.5)

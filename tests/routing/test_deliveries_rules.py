"""Every rule of a delivery plan as a property of seeded random plans over the shared extracts.

No outside-truck call inside a zone, every inside stop served by an inside
vehicle of its zone from a docking point of the zone after the handover,
capacities, windows and shift lengths held, and costs equal the engine's.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
import shapely

from bench.deliveries_scenario import START, scenario
from geo.errors import InvalidInputError
from routing.deliveries import Depot, SolverSettings, plan_deliveries
from routing.deliveries.check import plan_violations
from routing.deliveries.roads import RoadCosts
from routing.freight import closed_loop_route
from routing.router import Vehicle

FAST = SolverSettings(time_limit_s=0.6, seed=5)
CASES = [("andorra_router", 101, 3), ("andorra_router", 102, 2), ("monaco_router", 103, 2)]


@pytest.fixture(scope="module", params=CASES, ids=[f"{c[0].split('_')[0]}-{c[1]}" for c in CASES])
def planned(request):
    router = request.getfixturevalue(request.param[0])
    seed, zones = request.param[1], request.param[2]
    problem = scenario(
        router,
        seed=seed,
        stops=36,
        zones=zones,
        trucks=4,
        inside_share=0.25,
        max_duration_s=9 * 3600,
        vehicle=Vehicle(height_m=3.8, weight_t=12),
    )
    plan = plan_deliveries(router, problem, settings=FAST)
    return router, problem, plan


def test_plan_keeps_every_rule(planned):
    router, problem, plan = planned
    assert plan_violations(problem, plan) == []
    assert plan.inside_routes, "the scenario puts stops inside zones: inside routes must serve them"
    assert len(plan.routes) == plan.vehicles_used
    assert plan.distance_m == pytest.approx(sum(r.distance_m for r in plan.routes))


def test_no_outside_truck_stops_inside_a_zone(planned):
    _, problem, plan = planned
    polys = [z.geometry for z in problem.zones]
    for r in plan.outside_routes:
        for v in r.visits:
            assert not any(p.covers(shapely.Point(*v.point)) for p in polys), (r.id, v.id)


def test_inside_stops_are_served_from_their_zones_docking_point(planned):
    _, problem, plan = planned
    zone = {z.id: z for z in problem.zones}
    docks = {(d.zone_id, d.id): d for d in plan.docking_points}
    inside_stops = {
        s.id for s in problem.stops if any(z.geometry.covers(shapely.Point(*s.point)) for z in problem.zones)
    }
    served_inside = set()
    for r in plan.inside_routes:
        d = docks[(r.zone_id, r.base_id)]
        assert not zone[r.zone_id].geometry.covers(shapely.Point(*d.point)), "a docking point lies outside"
        truck = plan.route(r.supplied_by[0])
        hand = truck.visits[r.supplied_by[1]]
        assert hand.kind == "handover" and hand.id == d.id and hand.demand == r.load
        assert r.departure >= hand.departure
        for v in r.visits:
            assert zone[r.zone_id].geometry.covers(shapely.Point(*v.point)) or v.id in inside_stops
            served_inside.add(v.id)
    unserved = {u.stop_id for u in plan.unserved}
    assert inside_stops <= served_inside | unserved


def test_truck_legs_are_closed_loop_routes_and_costs_equal_the_engine(planned):
    router, problem, plan = planned
    types = {t.id: t for t in problem.fleet}
    legs = [(r, leg) for r in plan.outside_routes for leg in r.legs if leg.kind == "truck"]
    rng = np.random.default_rng(1)
    for k in rng.choice(len(legs), min(12, len(legs)), replace=False):
        r, leg = legs[int(k)]
        a = _point(problem, plan, leg.origin_id)
        b = _point(problem, plan, leg.destination_id)
        route = closed_loop_route(
            router,
            list(a),
            list(b),
            zones=list(problem.zones),
            departure=problem.start,
            vehicle=types[r.vehicle_type].vehicle,
        )
        assert leg.choice == route.choice
        assert leg.travel_time_s == pytest.approx(route.costs["chosen"] / 10, abs=1e-9)
        assert leg.length_m == pytest.approx(route.truck_length_m)
        assert [c.zone_id for c in leg.zones_crossed] == [c.zone_id for c in route.zones_crossed]
        if leg.choice in ("free", "avoid"):
            assert route.time_inside_s == 0


def test_matrix_costs_equal_closed_loop_routes(planned):
    """The many-to-many truck matrix (free/avoid from matrices, the ladder unpacked) is what
    closed_loop_route answers pair by pair."""
    router, problem, _ = planned
    vehicle = problem.fleet[0].vehicle
    roads = RoadCosts(router, list(problem.zones), departure=problem.start)
    pts = [problem.depots[0].point] + [s.point for s in problem.stops]
    snaps = roads.snap(pts, [f"p{i}" for i in range(len(pts))])
    outside = [i for i, z in enumerate(roads.zone_of(snaps)) if z is None]
    pts, snaps = [pts[i] for i in outside], [snaps[i] for i in outside]
    m, info = roads.truck_matrix(pts, snaps, vehicle)
    checked = {"min_inside": 0, "other": 0}
    for i in range(min(18, len(pts))):  # every ordered pair of the first points: each way the cost is derived
        for j in range(min(18, len(pts))):
            if i == j:
                continue
            route = closed_loop_route(router, list(pts[i]), list(pts[j]), zones=list(problem.zones), vehicle=vehicle)
            assert m[i, j] == pytest.approx(route.costs["chosen"], abs=1e-6), (i, j, route.choice)
            checked["min_inside" if route.choice == "min_inside" else "other"] += 1
    rng = np.random.default_rng(2)
    for _ in range(400):  # and ladder pairs among the rest
        if checked["min_inside"] >= 8:
            break
        i, j = (int(v) for v in rng.choice(len(pts), 2, replace=False))
        route = closed_loop_route(router, list(pts[i]), list(pts[j]), zones=list(problem.zones), vehicle=vehicle)
        if route.choice == "min_inside":
            assert m[i, j] == pytest.approx(route.costs["chosen"], abs=1e-6), (i, j, route.choice)
            checked["min_inside"] += 1
    assert checked["other"] > 0 and checked["min_inside"] >= 8, checked  # the ladder pairs were compared too
    assert info["ladder"] > 0


def test_inside_legs_cost_what_the_engine_says(planned):
    router, problem, plan = planned
    for r in plan.inside_routes:
        for leg, v in zip(r.legs, r.visits):
            assert leg.kind in ("inside", "none")
            assert leg.length_m >= 0 and leg.travel_time_s >= 0
            # the zone's own roads: every vertex of the drive is inside the zone or within a road of it
            assert len(leg.coordinates) >= 2
            assert leg.coordinates[-1] == pytest.approx(_snapped(router, v.point), abs=1e-9)


def test_to_json_is_iso_with_offsets(planned):
    _, problem, plan = planned
    doc = json.loads(json.dumps(plan.to_json()))
    assert doc["totals"]["vehicles_used"] == len(plan.routes)
    first = doc["routes"][0]
    assert first["departure"].endswith("+08:00") and first["stops"][0]["arrival"].endswith("+08:00")
    assert doc["totals"]["stops_served"] + doc["totals"]["stops_unserved"] == len(problem.stops)


def test_planned_docking_point_is_used_and_one_inside_a_zone_is_refused(andorra_router):
    router = andorra_router
    problem = scenario(router, seed=104, stops=24, zones=1, trucks=3, inside_share=0.3)
    first = plan_deliveries(router, problem, settings=FAST)
    dock = first.docking_points[0]
    planned = replace(
        problem, depots=(*problem.depots, Depot("dp1", dock.point, kind="docking_point", zone_id=dock.zone_id))
    )
    plan = plan_deliveries(router, planned, settings=FAST)
    assert plan_violations(planned, plan) == []
    assert [(d.id, d.planned) for d in plan.docking_points] == [("dp1", True)]
    assert all(r.base_id == "dp1" for r in plan.inside_routes)
    inside = problem.zones[0].geometry.representative_point()
    bad = replace(
        problem,
        depots=(*problem.depots, Depot("dp2", (inside.x, inside.y), kind="docking_point", zone_id=problem.zones[0].id)),
    )
    with pytest.raises(InvalidInputError, match="`depots\\['dp2'\\]`"):
        plan_deliveries(router, bad, settings=FAST)


def test_a_too_small_fleet_leaves_stops_unserved_with_reasons(andorra_router):
    problem = scenario(andorra_router, seed=105, stops=20, zones=0, trucks=1, windows=False)
    t = problem.fleet[0]
    # 20 stops of 15 minutes each cannot all fit in one truck's three hours; each alone can
    short = replace(
        problem,
        stops=tuple(replace(s, service_time_s=900.0) for s in problem.stops),
        fleet=(replace(t, shift_end=START + timedelta(hours=3)),),
    )
    plan = plan_deliveries(andorra_router, short, settings=FAST)
    assert plan_violations(short, plan) == []
    assert plan.unserved and all("cannot fit it in" in u.reason for u in plan.unserved)


def _point(problem, plan, pid: str):
    for d in problem.depots:
        if d.id == pid:
            return d.point
    for s in problem.stops:
        if s.id == pid:
            return s.point
    for d in plan.docking_points:
        if d.id == pid:
            return d.point
    raise KeyError(pid)


def _snapped(router, point):
    s = router.snap(list(point))
    return (s.snapped_lon, s.snapped_lat)


def test_the_rule_checker_catches_broken_plans(planned):
    """plan_violations is what the other tests lean on: each kind of broken plan is reported."""
    _, problem, plan = planned
    truck = next(r for r in plan.outside_routes if any(v.kind == "stop" for v in r.visits))
    k = next(i for i, v in enumerate(truck.visits) if v.kind == "stop")
    inside = problem.zones[0].geometry.representative_point()

    def with_route(new):
        return replace(plan, routes=tuple(new if r.id == new.id else r for r in plan.routes))

    moved = replace(
        truck, visits=tuple(replace(v, point=(inside.x, inside.y)) if i == k else v for i, v in enumerate(truck.visits))
    )
    assert any("inside zone" in m for m in plan_violations(problem, with_route(moved)))
    types = {t.id: t for t in problem.fleet}
    heavy = replace(truck, load=types[truck.vehicle_type].capacity + 1)
    assert any("capacity" in m for m in plan_violations(problem, with_route(heavy)))
    first = plan.inside_routes[0]
    handed = plan.route(first.supplied_by[0]).visits[first.supplied_by[1]]
    early = replace(first, departure=handed.departure - timedelta(minutes=1))
    assert any("before the handover" in m for m in plan_violations(problem, with_route(early)))
    windowed = next((r, i) for r in plan.routes for i, v in enumerate(r.visits) if v.window is not None)
    r, i = windowed
    late = replace(
        r,
        visits=tuple(
            replace(v, start=v.window[1] + timedelta(minutes=5)) if j == i else v for j, v in enumerate(r.visits)
        ),
    )
    assert any("outside its window" in m for m in plan_violations(problem, with_route(late)))
    dropped = (
        replace(plan, unserved=plan.unserved[1:])
        if plan.unserved
        else replace(plan, unserved=(_unserved(truck.visits[k].id),))
    )
    assert any("served or listed" in m for m in plan_violations(problem, dropped))


def _unserved(stop_id):
    from routing.deliveries import Unserved

    return Unserved(stop_id, "test")


def test_closures_hold_on_every_leg(andorra_router):
    """Closing the arcs of the fastest hub -> stop route makes the plan's leg take the detour closed-loop
    routing takes with the same closures."""
    router = andorra_router
    problem = scenario(router, seed=106, stops=1, zones=0, trucks=1, windows=False)
    hub, stop = problem.depots[0].point, problem.stops[0].point
    from geo.errors import NoRouteError

    open_route = closed_loop_route(router, list(hub), list(stop), zones=[])
    arcs = open_route.arcs[1:-1].tolist()
    for arc in arcs[len(arcs) // 2 :] + arcs[: len(arcs) // 2]:  # an arc whose closure leaves a way round
        closed = (int(arc), int(router.network.reverse_arc[arc]))
        closed = tuple(a for a in closed if a >= 0)
        try:
            detour = closed_loop_route(router, list(hub), list(stop), zones=[], closed_arcs=list(closed))
            closed_loop_route(router, list(stop), list(hub), zones=[], closed_arcs=list(closed))
        except NoRouteError:
            continue
        break
    else:
        pytest.fail("no arc of the route can be closed without cutting the stop off")
    plan = plan_deliveries(router, replace(problem, closed_arcs=closed), settings=FAST)
    leg = plan.outside_routes[0].legs[0]
    assert not set(closed) & set(detour.arcs.tolist())
    assert leg.travel_time_s == pytest.approx(detour.costs["chosen"] / 10, abs=1e-9)
    assert leg.travel_time_s > open_route.costs["chosen"] / 10


def test_the_plan_reads_back_from_its_json_and_keeps_every_rule(planned):
    """A stored plan is its to_json mapping: read back, it is the same plan and the rule check still holds."""
    from routing.deliveries import DeliveryPlan

    _, problem, plan = planned
    doc = json.loads(json.dumps(plan.to_json()))
    back = DeliveryPlan.from_json(doc)
    assert back.to_json() == doc
    assert [r.id for r in back.routes] == [r.id for r in plan.routes]
    assert back.routes == plan.routes and back.unserved == plan.unserved
    assert back.docking_points == plan.docking_points
    assert plan_violations(problem, back) == []
    broken = json.loads(json.dumps(doc))
    broken["routes"][0]["load"] += 1
    assert any("load" in m for m in plan_violations(problem, DeliveryPlan.from_json(broken)))


def test_progress_reports_each_step(andorra_router):
    problem = scenario(andorra_router, seed=107, stops=12, zones=1, trucks=2, inside_share=0.3)
    lines: list[str] = []
    plan = plan_deliveries(andorra_router, problem, settings=FAST, progress=lines.append)
    assert plan_violations(problem, plan) == []
    text = "\n".join(lines)
    assert lines[0].startswith(f"snapped 1 depot(s) and {len(problem.stops)} stop(s)")
    assert "truck matrices" in text and "trucks:" in text and lines[-1].startswith("assembled")
    assert any(line.startswith("zone 'z1'") for line in lines), lines
    assert all(line.endswith(" s)") for line in lines)

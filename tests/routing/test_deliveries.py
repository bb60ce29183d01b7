"""Delivery planner: the input model's errors, infeasible input found before solving, optimality on small
instances (a MILP and brute force), and the VRPLIB runner."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from bench.deliveries_scenario import START, main_nodes, scenario
from geo.errors import InfeasibleError, InvalidInputError
from routing.deliveries import (
    DeliveryProblem,
    Depot,
    SolverSettings,
    Stop,
    VehicleType,
    plan_deliveries,
    solve_data,
    solve_vrplib,
)
from routing.deliveries.check import plan_violations
from routing.deliveries.roads import RoadCosts

TZ = timezone(timedelta(hours=8))
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=TZ)
FAST = SolverSettings(time_limit_s=0.5, seed=3)


def _truck(**kw) -> VehicleType:
    base = dict(id="t", capacity=10, count=2, shift_start=T0, shift_end=T0 + timedelta(hours=8), depot_id="hub")
    base.update(kw)
    return VehicleType(**base)


def _problem(**kw) -> DeliveryProblem:
    base = dict(depots=(Depot("hub", (1.52, 42.51)),), stops=(Stop("a", (1.53, 42.51), demand=1),), fleet=(_truck(),))
    base.update(kw)
    return DeliveryProblem(**base)


# ----------------------------------------------------------------------------------
# the input model
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, names",
    [
        (lambda: Stop("a", (1.5, 42.5), demand=-1), "`stops['a'].demand` was -1"),
        (lambda: Stop("a", (1.5, 42.5), demand=1.5), "`stops['a'].demand` was 1.5"),
        (lambda: Stop("a", (1.5, 95.0)), "`stops['a'].point` was (1.5, 95.0)"),
        (lambda: Stop("a", [1.5]), "`stops['a'].point` was [1.5]"),
        (lambda: Stop("a", (1.5, 42.5), service_time_s=float("nan")), "`stops['a'].service_time_s` was nan"),
        (
            lambda: Stop("a", (1.5, 42.5), window=(datetime(2026, 12, 1, 9), datetime(2026, 12, 1, 10))),
            "expected a time with a UTC offset",
        ),
        (lambda: Stop("a", (1.5, 42.5), window=(T0 + timedelta(hours=2), T0)), "before it opens"),
        (lambda: Stop("", (1.5, 42.5)), "`stop.id` was ''"),
        (lambda: Depot("d", (1.5, 42.5), kind="warehouse"), "`depots['d'].kind` was 'warehouse'"),
        (lambda: Depot("d", (1.5, 42.5), kind="docking_point"), "`depots['d'].zone_id` was None"),
        (lambda: _truck(capacity=0), "`fleet['t'].capacity` was 0"),
        (lambda: _truck(count=0), "`fleet['t'].count` was 0"),
        (lambda: _truck(shift_end=T0), "must be after `shift_start`"),
        (lambda: _truck(zone_id="z"), "exactly one"),
        (lambda: _truck(max_duration_s=0), "`fleet['t'].max_duration_s` was 0"),
        (lambda: _problem(stops=(Stop("a", (1.5, 42.5)), Stop("a", (1.6, 42.5)))), "holds id 'a' twice"),
        (lambda: _problem(stops=()), "`stops` is empty"),
        (lambda: _problem(fleet=(_truck(depot_id="nowhere"),)), "`fleet['t'].depot_id` was 'nowhere'"),
        (lambda: _problem(fleet=(_truck(depot_id=None, zone_id="z"),)), "no outside truck type"),
        (lambda: _problem(max_detour_ratio=0.9), "`max_detour_ratio` was 0.9"),
        (lambda: _problem(handover_time_s=-5), "`handover_time_s` was -5"),
        (lambda: SolverSettings(time_limit_s=0), "`time_limit_s` was 0"),
        (lambda: SolverSettings(seed=-1), "`seed` was -1"),
    ],
)
def test_bad_input_names_the_value(make, names):
    with pytest.raises(InvalidInputError) as err:
        make()
    assert names in str(err.value)


def test_depot_inside_a_sealed_zone_is_refused(andorra_router):
    p = scenario(andorra_router, seed=5, stops=6, zones=1, trucks=2)
    z = p.zones[0]
    inside = z.geometry.representative_point()
    depots = (Depot("hub1", (inside.x, inside.y)),)
    with pytest.raises(InvalidInputError) as err:
        plan_deliveries(andorra_router, replace(p, depots=depots), settings=FAST)
    assert "`depots['hub1']`" in str(err.value) and "sealed zone 'z1'" in str(err.value)


def test_infeasible_input_is_found_before_solving(andorra_router):
    p = scenario(andorra_router, seed=6, stops=8, zones=0, trucks=2, windows=False)
    cap = p.fleet[0].capacity
    heavy = replace(p, stops=(replace(p.stops[0], demand=cap + 1), *p.stops[1:]))
    with pytest.raises(InfeasibleError) as err:
        plan_deliveries(andorra_router, heavy, settings=FAST)
    assert f"stop 's1' demand {cap + 1} > largest truck capacity {cap}" in str(err.value)

    many = replace(p, stops=tuple(replace(s, demand=cap) for s in p.stops))
    with pytest.raises(InfeasibleError) as err:
        plan_deliveries(andorra_router, many, settings=FAST)
    total = cap * len(p.stops)
    assert f"total demand {total}" in str(err.value) and f"total capacity {cap * p.fleet[0].count}" in str(err.value)

    # a window that closes one second after the shift starts: no truck gets there in time
    late = replace(p, stops=(replace(p.stops[0], window=(START, START + timedelta(seconds=1))), *p.stops[1:]))
    with pytest.raises(InfeasibleError) as err:
        plan_deliveries(andorra_router, late, settings=FAST)
    assert "stop 's1'" in str(err.value) and "after the window closes at 1 s" in str(err.value)


def test_inside_stops_need_an_inside_vehicle(andorra_router):
    p = scenario(andorra_router, seed=7, stops=20, zones=1, trucks=2, inside_share=0.3)
    outside_only = replace(p, fleet=tuple(t for t in p.fleet if not t.inside))
    with pytest.raises(InfeasibleError) as err:
        plan_deliveries(andorra_router, outside_only, settings=FAST)
    assert "zone 'z1'" in str(err.value) and "inside vehicle" in str(err.value)


# ----------------------------------------------------------------------------------
# optimality on small instances
# ----------------------------------------------------------------------------------
def _milp_cvrp(dist: np.ndarray, demand: list[int], cap: int) -> float:
    """Exact CVRP (two-index model with MTZ load variables), unlimited identical vehicles, PuLP + CBC."""
    import pulp

    n = len(demand)
    prob = pulp.LpProblem("cvrp", pulp.LpMinimize)
    x = {(i, j): pulp.LpVariable(f"x_{i}_{j}", cat="Binary") for i in range(n) for j in range(n) if i != j}
    u = {i: pulp.LpVariable(f"u_{i}", lowBound=demand[i], upBound=cap) for i in range(1, n)}
    prob += pulp.lpSum(int(dist[i, j]) * v for (i, j), v in x.items())
    for i in range(1, n):
        prob += pulp.lpSum(x[i, j] for j in range(n) if j != i) == 1
        prob += pulp.lpSum(x[j, i] for j in range(n) if j != i) == 1
    prob += pulp.lpSum(x[0, j] for j in range(1, n)) == pulp.lpSum(x[j, 0] for j in range(1, n))
    for i in range(1, n):
        for j in range(1, n):
            if i != j:
                prob += u[j] >= u[i] + demand[j] - cap * (1 - x[i, j])
    prob.solve(pulp.PULP_CBC_CMD(msg=False))
    assert pulp.LpStatus[prob.status] == "Optimal"
    return float(pulp.value(prob.objective))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_solver_matches_a_milp_on_small_cvrps(seed):
    import pyvrp

    rng = np.random.default_rng(seed)
    n = 9  # depot + 8 customers
    xy = rng.integers(0, 100, size=(n, 2))
    dist = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    demand = [0] + rng.integers(1, 6, n - 1).tolist()
    cap = 10
    data = pyvrp.ProblemData(
        locations=[pyvrp.Location(x=int(a), y=int(b)) for a, b in xy],
        clients=[pyvrp.Client(location=i, delivery=[demand[i]]) for i in range(1, n)],
        depots=[pyvrp.Depot(location=0)],
        vehicle_types=[pyvrp.VehicleType(num_available=n - 1, capacity=[cap])],
        distance_matrices=[dist],
        duration_matrices=[np.zeros_like(dist)],
    )
    out = solve_data(data, SolverSettings(time_limit_s=0.5, seed=seed))
    assert out.feasible
    assert out.cost == pytest.approx(_milp_cvrp(dist, demand, cap))


def _brute_force(m: np.ndarray, problem: DeliveryProblem, t0: datetime) -> float:
    """Least total travel time (deciseconds) serving every stop with the problem's one truck type from point 0,
    stops at points 1..n: every order of the stops cut into at most ``count`` routes, windows, capacity
    and shift kept."""
    t = problem.fleet[0]
    stops = problem.stops
    n = len(stops)
    shift_end = (t.shift_end - t0).total_seconds() * 10
    start = (t.shift_start - t0).total_seconds() * 10

    def route_cost(seq):
        if sum(stops[i].demand for i in seq) > t.capacity:
            return None
        clock, cost, here = start, 0.0, 0
        for i in seq:
            clock += m[here, i + 1]
            cost += m[here, i + 1]
            w = stops[i].window
            if w is not None:
                clock = max(clock, (w[0] - t0).total_seconds() * 10)
                if clock > (w[1] - t0).total_seconds() * 10 + 1e-6:
                    return None
            clock += stops[i].service_time_s * 10
            here = i + 1
        cost += m[here, 0]
        return cost if clock + m[here, 0] <= shift_end + 1e-6 else None

    best = np.inf
    for perm in itertools.permutations(range(n)):
        for cuts in itertools.combinations(range(1, n), t.count - 1):
            bounds = (0, *cuts, n)
            total = 0.0
            for a, b in zip(bounds[:-1], bounds[1:]):
                c = route_cost(perm[a:b])
                if c is None:
                    break
                total += c
            else:
                best = min(best, total)
        if t.count > 1:  # fewer routes than trucks
            c = route_cost(perm)
            if c is not None:
                best = min(best, c)
    return best


@pytest.mark.parametrize("seed", [11, 12])
def test_small_plan_matches_brute_force(andorra_router, seed):
    """Six stops, two trucks, capacities and windows: the plan's total travel time is the brute-force optimum
    over the same engine matrix (each route order and split tried)."""
    router = andorra_router
    p = scenario(router, seed=seed, stops=6, zones=1, trucks=2, inside_share=0.0, truck_capacity=9)
    # windows: keep a few, widened to three hours so the instance stays feasible
    stops = tuple(
        replace(s, window=None if s.window is None else (s.window[0], s.window[0] + timedelta(hours=3)))
        for s in p.stops
    )
    p = replace(p, stops=stops, fleet=tuple(t for t in p.fleet if not t.inside))
    plan = plan_deliveries(router, p, settings=SolverSettings(time_limit_s=0.5, seed=1))
    assert plan_violations(p, plan) == []
    assert not plan.unserved
    roads = RoadCosts(router, list(p.zones), departure=p.start)
    pts = [p.depots[0].point] + [s.point for s in p.stops]
    snaps = roads.snap(pts, [f"p{i}" for i in range(len(pts))])
    m, _ = roads.truck_matrix(pts, snaps, None)
    best = _brute_force(np.rint(m), p, p.start)
    assert np.isfinite(best)
    legs = [leg for r in plan.routes for leg in r.legs]
    assert sum(leg.travel_time_s for leg in legs) == pytest.approx(best / 10, abs=0.05 * len(legs))


# ----------------------------------------------------------------------------------
# the VRPLIB runner
# ----------------------------------------------------------------------------------
def test_vrplib_runner_reports_cost_and_gap(shared_data):
    path = shared_data / "vrp" / "X-n101-k25.vrp"
    r = solve_vrplib(path, time_limit_s=1, seed=2)
    assert r.problem_type == "CVRP" and r.clients == 100 and r.best_known == 27591
    assert r.cost is not None and r.cost >= r.best_known
    assert r.gap_pct == pytest.approx(100 * (r.cost - 27591) / 27591)
    # the routes are a solution of the file: every client once, capacity kept, cost as reported
    import vrplib

    inst = vrplib.read_instance(str(path))
    served = sorted(c for route in r.routes for c in route)
    assert served == list(range(1, 101))
    for route in r.routes:
        assert inst["demand"][list(route)].sum() <= inst["capacity"]
    w = np.rint(inst["edge_weight"])
    cost = sum(w[0, rt[0]] + sum(w[a, b] for a, b in zip(rt[:-1], rt[1:])) + w[rt[-1], 0] for rt in r.routes)
    assert cost == pytest.approx(r.cost)
    assert "X-n101-k25" in r.summary() and "gap" in r.summary()


def test_vrplib_runner_bad_files(tmp_path):
    with pytest.raises(InvalidInputError, match="does not exist"):
        solve_vrplib(tmp_path / "none.vrp", time_limit_s=1)
    bad = tmp_path / "bad.vrp"
    bad.write_text("NAME : bad\nTYPE : TSP\nDIMENSION : 3\n")
    with pytest.raises(InvalidInputError, match="TYPE 'TSP'"):
        solve_vrplib(bad, time_limit_s=1)
    with pytest.raises(InvalidInputError, match="`time_limit_s` was -1"):
        solve_vrplib(bad, time_limit_s=-1)


def test_main_nodes_helper_is_the_largest_component(andorra_router):
    nodes = main_nodes(andorra_router)
    assert nodes.size > 0.5 * andorra_router.network.node_count

"""Plan a fleet's deliveries through emergency zones: a two-echelon vehicle-routing plan.

The rules (the closed-loop policy, section 五)
    * An outside truck never stops inside a sealed or controlled zone: its
      calls are its depot, the stops outside every such zone and the docking
      points.  Between two calls it drives by the closed-loop route-choice rule
      of :func:`routing.freight.closed_loop_route` (avoid the zones within
      ``max_detour_ratio`` x the fastest time, else the least time inside on
      the penalty ladder); each leg of the answer is that route.
    * A stop inside such a zone is served by an inside vehicle of that zone
      from one docking point of the zone: the planned one (a depot of kind
      ``docking_point`` for the zone; of several, the one with the least
      inside travel time to the zone's stops) or else the docking point the
      freight rule's transshipment chooses for the zone's stops (the one most
      of them get).  An outside truck brings each inside route's goods to the
      docking point (a *handover* call of ``handover_time_s``), and the inside
      vehicle leaves only once the handover is done.  An inside vehicle stays in
      its zone: its route is open, from the docking point to its last drop
      (the zone's one-way streets need not lead back to the docking point).
    * Truck limits (each vehicle type's dimensions), closures (``closed_arcs``),
      capacities, time windows, shifts and route durations hold on every leg.

How it is solved
    1. Travel-time matrices from the engine's many-to-many call (see
       :mod:`routing.deliveries.roads`): per truck profile between depots,
       outside stops and docking points; per zone and inside profile between
       its docking point and its stops on the zone's own roads.
    2. Infeasible input is refused before any solve
       (:class:`~geo.errors.InfeasibleError`, naming the stops and the
       numbers): a stop heavier than every vehicle that could carry it, demand
       over the fleet's capacity, a stop no vehicle reaches within its window
       and its shift, a zone with stops but no inside vehicle.
    3. Each zone's inside routes are solved first, the inside vehicles
       available from the earliest possible handover on.  Each inside route
       then has a latest start (from its windows, its shift end and its
       route), and becomes one handover call at the docking point with the
       route's load and a window closing at that latest start minus the
       handover time.  (An inside vehicle's capacity counts up to the largest
       truck's: one truck supplies one inside route.)
    4. The outside trucks' plan is solved over the outside stops and the
       handover calls; each supplied inside route starts when its handover is
       done (its windows still hold: it starts no later than its latest start).

Stops are optional to the solver with a prize far above any route's cost, so
it serves every stop it can; one it cannot fit (the fleet is too small for
all) is listed as unserved with the reason.  The objective is the total
travel time.  Solves use :class:`~routing.deliveries.solver.SolverSettings`
(PyVRP, time limit and seed); the time limit is shared by the solves in
proportion to their stops.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from geo.errors import InfeasibleError, InvalidInputError
from geo.i18n import Text, format_duration, risk_zh, zh_time
from routing.deliveries.model import DeliveryProblem, VehicleType
from routing.deliveries.result import (
    Crossing,
    DeliveryPlan,
    DockingChoice,
    PlanLeg,
    PlannedRoute,
    Unserved,
    Visit,
)
from routing.deliveries.roads import WEIGHT_UNIT_S, RoadCosts, Router, Snap, Zone, vehicle_key
from routing.deliveries.solver import SolverSettings, solve_data

logger = logging.getLogger(__name__)

DS = 10  # deciseconds per second: the solver's time unit (the engine's weight unit)
#: Smallest share of the time limit one solve gets.
MIN_SOLVE_S = 0.2
#: How many stops an error message lists before "and N more".
LIST_AT_MOST = 10


def _ds(seconds: float) -> int:
    return int(round(seconds * DS))


def _listing(items: list[str]) -> str:
    head = "; ".join(items[:LIST_AT_MOST])
    return head + (f"; and {len(items) - LIST_AT_MOST} more" if len(items) > LIST_AT_MOST else "")


@dataclass
class _Point:
    """A place the outside trucks call at (depot, outside stop or docking point)."""

    id: str
    point: tuple[float, float]
    snap: Snap


@dataclass
class _Zone:
    zone: Zone
    stops: list[int]  # indices into problem.stops
    types: list[VehicleType]
    dock_id: str = ""
    dock_point: tuple[float, float] = (0.0, 0.0)
    dock_snap: Snap | None = None
    planned: bool = False
    dock_index: int = -1  # index of the docking point among the outside points
    matrices: dict = field(default_factory=dict)  # vehicle key -> [1 + n, 1 + n] deciseconds
    weights: dict = field(default_factory=dict)  # vehicle key -> (weights, role)
    earliest_handover: float = np.inf  # deciseconds from the plan start: the earliest a handover can be done


def plan_deliveries(
    router: Router,
    problem: DeliveryProblem,
    *,
    settings: SolverSettings | None = None,
    progress: Callable[[str], None] | None = None,
) -> DeliveryPlan:
    """A delivery plan for ``problem`` on the router's network (see the module docstring).

    ``progress`` is called with one line for people after each step
    (snapping, docking points, matrices, each solve, the answer), with its
    counts and the seconds so far; without it the lines are logged.

    Raises
    ------
    InvalidInputError
        For a point off the network, a depot or docking point inside a
        sealed/controlled zone, or other bad input (the message names it).
    InfeasibleError
        If the problem cannot be served at all as given (found before solving;
        the message names the stops and the numbers).
    """
    settings = settings or SolverSettings()
    started = time.perf_counter()

    def report(message: str) -> None:
        line = f"{message} ({time.perf_counter() - started:.1f} s)"
        if progress is not None:
            progress(line)
        else:
            logger.info("delivery plan: %s", line)

    t0 = problem.start
    departure = problem.departure or t0
    roads = RoadCosts(
        router,
        list(problem.zones),
        departure=departure,
        closed_arcs=problem.closed_arcs,
        max_detour_ratio=problem.max_detour_ratio,
    )
    warnings: list[str] = []

    # -- snap and classify --------------------------------------------------------------
    stops = problem.stops
    depots = problem.depots
    snaps = roads.snap(
        [d.point for d in depots] + [s.point for s in stops],
        [f"depots[{d.id!r}].point" for d in depots] + [f"stops[{s.id!r}].point" for s in stops],
    )
    depot_snap, stop_snap = snaps[: len(depots)], snaps[len(depots) :]
    depot_zone = roads.zone_of(depot_snap)
    for d, z in zip(depots, depot_zone):
        if z is not None:
            raise InvalidInputError(
                f"`depots[{d.id!r}]` {list(d.point)} lies inside {z.risk} zone {z.id!r} "
                f"({z.name}); trucks may not stop there: put depots and docking points outside",
                zh=f"`depots[{d.id!r}]` {list(d.point)} 位于{risk_zh(z.risk)} {z.id!r}（{z.name}）内；货车不得在该区内停靠：请把场站和接驳点设在区外",
            )
    stop_zone = roads.zone_of(stop_snap)
    nostop_ids = {z.id for z in roads.nostop}
    for t in problem.inside_fleet:
        if t.zone_id not in nostop_ids:
            warnings.append(
                Text(
                    f"inside vehicle type {t.id!r} is based in zone {t.zone_id!r}, which is not a sealed or "
                    f"controlled zone active at {departure.isoformat()}: it is not used",
                    zh=f"区内车型 {t.id!r} 驻在区域 {t.zone_id!r}，该区域在 {zh_time(departure)} 不是生效的封控区或管控区："
                    "不使用该车型",
                )
            )
    zones: dict[str, _Zone] = {}
    for i, z in enumerate(stop_zone):
        if z is not None:
            zones.setdefault(
                z.id, _Zone(zone=z, stops=[], types=[t for t in problem.inside_fleet if t.zone_id == z.id])
            ).stops.append(i)
    no_vehicle = [
        f"zone {zid!r}: {len(zz.stops)} stop(s) ({', '.join(stops[i].id for i in zz.stops[:5])})"
        for zid, zz in zones.items()
        if not zz.types
    ]
    if no_vehicle:
        raise InfeasibleError(
            "stops inside sealed/controlled zones need an inside vehicle of their zone, and these "
            "zones have none in the fleet: " + _listing(no_vehicle),
            zh="封控区、管控区内的停靠点需要本区域的区内车辆，而以下区域在车队中没有区内车辆：" + _listing(no_vehicle),
        )

    outside_types = list(problem.outside_fleet)
    max_truck = max(t.capacity for t in outside_types)
    total_truck = sum(t.capacity * t.count for t in outside_types)
    _check_demand(problem, zones, stop_zone, max_truck, total_truck)
    report(
        f"snapped {len(depots)} depot(s) and {len(stops)} stop(s), "
        f"{sum(len(zz.stops) for zz in zones.values())} of them inside {len(zones)} zone(s)"
    )

    # -- docking points: each inside stop's, then one group of stops per docking point ------------
    planned: dict[str, list] = {}
    for d, s in zip(depots, depot_snap):
        if d.kind == "docking_point" and d.zone_id is not None:  # a docking point names its zone
            planned.setdefault(d.zone_id, []).append((d, s))
    first = outside_types[0]
    first_depot = next(d for d in depots if d.id == first.depot_id)
    matrix_started = time.perf_counter()
    groups: dict[str, _Zone] = {}
    for zid, zz in zones.items():
        # candidates: the planned docking points, else the one the freight rule's transshipment chooses per stop
        cands: list[tuple[str, tuple, Snap, bool]] = []
        if zid in planned:
            cands = [(d.id, d.point, s, True) for d, s in planned[zid]]
        else:
            lost, seen = [], {}
            for i in zz.stops:
                p = roads.freight_docking_point(first_depot.point, stops[i].point, first.vehicle)
                if p is None:
                    lost.append(stops[i].id)
                elif (float(p[0]), float(p[1])) not in seen:
                    seen[(float(p[0]), float(p[1]))] = True
            if lost:
                raise InfeasibleError(
                    f"no docking point of {zz.zone.risk} zone {zid!r} connects a truck from depot "
                    f"{first_depot.id!r} with stop(s) {_listing(lost)}; plan one (a depot of kind "
                    "docking_point for the zone)",
                    zh=f"{risk_zh(zz.zone.risk)} {zid!r} 没有任何接驳点能把出发场站 {first_depot.id!r} 的货车与停靠点 {_listing(lost)} 连接起来；请为该区域规划一个（类型为 docking_point 的场站）",
                )
            points_ = list(seen)
            cand_snaps = roads.snap(points_, [f"docking point of zone {zid!r}"] * len(points_))
            cands = [(f"dock-{zid}-{k + 1}", p, sn, False) for k, (p, sn) in enumerate(zip(points_, cand_snaps))]
        # fewest docking points (at most one per inside vehicle) that reach the stops on the zone's roads
        cost = _inside_costs(roads, zz, cands, stop_snap)
        unreached = ~np.isfinite(cost).any(axis=0)
        if unreached.any() and zid not in planned:
            # the freight rule's docking point for a stop may join it only through roads outside the zone
            # (its inside leg may leave the zone); inside vehicles here keep to the zone's roads, so the
            # boundary crossings nearest those stops are candidates too
            extra = _crossing_candidates(roads, zz.zone, [stops[zz.stops[j]].point for j in np.nonzero(unreached)[0]])
            known = {c[1] for c in cands}
            extra = [p for p in extra if p not in known]
            if extra:
                extra_snaps = roads.snap(extra, [f"boundary crossing of zone {zid!r}"] * len(extra))
                n0 = len(cands)
                cands += [
                    (f"dock-{zid}-{n0 + k + 1}", p, sn, False) for k, (p, sn) in enumerate(zip(extra, extra_snaps))
                ]
                cost = _inside_costs(roads, zz, cands, stop_snap)
        reach = np.isfinite(cost)
        chosen: list[int] = []
        open_ = np.ones(len(zz.stops), dtype=bool)
        while open_.any() and len(chosen) < sum(t.count for t in zz.types):
            gain = (reach & open_[None, :]).sum(axis=1)
            total = np.where(reach, cost, 0).sum(axis=1)
            c = int(np.lexsort((total, -gain))[0])
            if gain[c] == 0:
                break
            chosen.append(c)
            open_ &= ~reach[c]
        chosen = chosen or [0]
        sub = cost[chosen]
        by_dock: dict[tuple, list[int]] = {}
        docks: dict[tuple, tuple] = {}
        for j, i in enumerate(zz.stops):
            cand = cands[chosen[int(np.argmin(sub[:, j]))]]
            docks[cand[1]] = (cand[0], cand[2], cand[3])
            by_dock.setdefault(cand[1], []).append(i)
        for point, members in by_dock.items():
            dock_id, dsnap, is_planned = docks[point]
            g = _Zone(
                zone=zz.zone,
                stops=members,
                types=zz.types,
                dock_id=dock_id,
                dock_point=point,
                dock_snap=dsnap,
                planned=is_planned,
            )
            zsnaps = [dsnap] + [stop_snap[i] for i in members]
            for t in zz.types:
                key = vehicle_key(t.vehicle)
                if key in g.matrices:
                    continue
                w = roads.inside_weights(zz.zone, t.vehicle, zsnaps)
                slot = f"deliveries-inside:{zid}:{vehicle_key(t.vehicle)}"
                g.matrices[key] = roads.inside_matrix(zsnaps, w, slot)
                g.weights[key] = (w, slot)
            groups[f"{zid}#{dock_id}"] = g
    zones = groups
    if zones:
        report(f"{len(zones)} docking point(s) chosen and the inside matrices made")

    # -- outside points and truck matrices -----------------------------------------------------
    points: list[_Point] = []
    depot_index: dict[str, int] = {}
    for t in outside_types:
        if _depot(t) not in depot_index:
            k = next(i for i, d in enumerate(depots) if d.id == t.depot_id)
            depot_index[_depot(t)] = len(points)
            points.append(_Point(depots[k].id, depots[k].point, depot_snap[k]))
    outside_stops = [i for i, z in enumerate(stop_zone) if z is None]
    stop_index = {}
    for i in outside_stops:
        stop_index[i] = len(points)
        points.append(_Point(stops[i].id, stops[i].point, stop_snap[i]))
    for zz in zones.values():
        zz.dock_index = len(points)
        assert zz.dock_snap is not None  # every zone with demand was given its docking point above
        points.append(_Point(zz.dock_id, zz.dock_point, zz.dock_snap))
    truck = {}
    ladder = 0
    truck_started = time.perf_counter()
    for t in outside_types:
        key = vehicle_key(t.vehicle)
        if key not in truck:
            m, info = roads.truck_matrix([p.point for p in points], [p.snap for p in points], t.vehicle)
            truck[key] = m
            ladder += info["ladder"]
    matrix_s = time.perf_counter() - matrix_started
    truck_matrix_s = time.perf_counter() - truck_started
    report(f"truck matrices: {len(points)} points, {ladder:,} pairs on the penalty ladder, {truck_matrix_s:.1f} s")

    # -- feasibility before solving ------------------------------------------------------------
    for zz in zones.values():
        best = np.inf
        for t in outside_types:
            go = truck[vehicle_key(t.vehicle)][depot_index[_depot(t)], zz.dock_index]
            back = truck[vehicle_key(t.vehicle)][zz.dock_index, depot_index[_depot(t)]]
            if np.isfinite(go) and np.isfinite(back):
                best = min(best, _ds(_offset_s(t.shift_start, t0)) + go + _ds(problem.handover_time_s))
        zz.earliest_handover = best
    _check_reach(problem, t0, points, depot_index, stop_index, zones, truck, outside_types)

    # -- solve: inside routes first, then the trucks ----------------------------------------------
    n_total = len(stops)
    inside_routes: list[dict] = []
    unserved: list[Unserved] = []
    iterations = 0
    left = {t.id: t.count for t in problem.inside_fleet}  # a zone's docking points share its inside vehicles
    numbered: Counter = Counter()
    for key, zz in zones.items():
        types = [replace(t, count=left[t.id]) for t in zz.types if left[t.id] > 0]
        if not types:
            unserved += [
                Unserved(
                    stops[i].id,
                    f"every inside vehicle of zone {zz.zone.id!r} already serves another of its docking points",
                )
                for i in zz.stops
            ]
            continue
        share = max(MIN_SOLVE_S, settings.time_limit_s * len(zz.stops) / n_total)
        routes, missed, its = _solve_inside(problem, t0, key, zz, types, max_truck, _with_time(settings, share))
        for r in routes:
            left[r["type"].id] -= 1
            numbered[zz.zone.id] += 1
            r["id"] = f"inside-{zz.zone.id}-{numbered[zz.zone.id]}"
        iterations += its
        inside_routes += routes
        report(
            f"zone {zz.zone.id!r} from docking point {zz.dock_id!r}: {len(routes)} inside route(s) for "
            f"{len(zz.stops) - len(missed)} of {len(zz.stops)} stop(s)"
        )
        unserved += [
            Unserved(
                stops[i].id, f"the inside vehicles of zone {zz.zone.id!r} cannot fit it in (capacity, shifts, windows)"
            )
            for i in missed
        ]
    share = max(MIN_SOLVE_S, settings.time_limit_s * max(1, len(outside_stops)) / n_total)
    truck_routes, missed_stops, missed_handovers, its = _solve_outside(
        problem,
        t0,
        points,
        depot_index,
        stop_index,
        zones,
        truck,
        inside_routes,
        outside_types,
        _with_time(settings, share),
    )
    iterations += its
    report(f"trucks: {len(truck_routes)} route(s), {len(missed_stops)} outside stop(s) left out")
    unserved += [
        Unserved(stops[i].id, "the outside trucks cannot fit it in (capacity, shifts, windows)") for i in missed_stops
    ]
    for r in missed_handovers:
        zz = zones[r["zone"]]
        unserved += [
            Unserved(
                stops[i].id,
                f"no truck can bring its goods to docking point {zz.dock_id!r} of zone "
                f"{zz.zone.id!r} in time for its inside route",
            )
            for i in r["stops"]
        ]

    # -- the answer -----------------------------------------------------------------------------
    plan_routes = _assemble(problem, t0, roads, points, zones, stop_snap, truck_routes, inside_routes)
    report(f"assembled {len(plan_routes)} route(s), {len(unserved)} stop(s) unserved")
    order = {s.id: k for k, s in enumerate(stops)}
    unserved.sort(key=lambda u: order[u.stop_id])
    solver = {
        "name": "pyvrp",
        "time_limit_s": settings.time_limit_s,
        "seed": settings.seed,
        "num_neighbours": settings.num_neighbours,
        "iterations": iterations,
        "matrix_s": matrix_s,
        "truck_matrix_s": truck_matrix_s,
        "points": len(points),
        "ladder_pairs": ladder,
        "paths_unpacked": roads.paths_unpacked,
        "runtime_s": time.perf_counter() - started,
    }
    return DeliveryPlan(
        start=t0,
        routes=tuple(plan_routes),
        unserved=tuple(unserved),
        docking_points=tuple(
            DockingChoice(
                zone_id=zz.zone.id,
                id=zz.dock_id,
                point=(float(zz.dock_point[0]), float(zz.dock_point[1])),
                planned=zz.planned,
                stops=len(zz.stops),
            )
            for zz in zones.values()
        ),
        distance_m=float(sum(r.distance_m for r in plan_routes)),
        travel_time_s=float(sum(r.travel_time_s for r in plan_routes)),
        vehicles_used=len(plan_routes),
        solver=solver,
        warnings=tuple(warnings),
    )


# ----------------------------------------------------------------------------------
# checks before solving
# ----------------------------------------------------------------------------------
def _offset_s(when: datetime, t0: datetime) -> float:
    return (when - t0).total_seconds()


def _check_demand(
    problem: DeliveryProblem, zones: dict[str, _Zone], stop_zone: list, max_truck: int, total_truck: int
) -> None:
    stops = problem.stops
    heavy = []
    for i, s in enumerate(stops):
        z = stop_zone[i]
        if z is None:
            if s.demand > max_truck:
                heavy.append(f"stop {s.id!r} demand {s.demand} > largest truck capacity {max_truck}")
        else:
            inside = max(t.capacity for t in zones[z.id].types)
            limit = min(inside, max_truck)
            if s.demand > limit:
                heavy.append(
                    f"stop {s.id!r} in zone {z.id!r} demand {s.demand} > {limit} (largest inside vehicle "
                    f"{inside}, largest truck {max_truck})"
                )
    if heavy:
        raise InfeasibleError(
            "stops heavier than every vehicle that could carry them: " + _listing(heavy),
            zh="以下停靠点的货物重于所有可承运车辆的载重：" + _listing(heavy),
        )
    total = sum(s.demand for s in stops)
    if total > total_truck:
        raise InfeasibleError(
            f"total demand {total} of {len(stops)} stops exceeds the outside trucks' total capacity "
            f"{total_truck} ({', '.join(f'{t.count} x {t.capacity} {t.id!r}' for t in problem.outside_fleet)}); "
            "every stop's goods travel on a truck",
            zh=f"{len(stops)} 个停靠点的总需求 {total} 超过区外货车的总载重 {total_truck}（{'，'.join(f'{t.count} × {t.capacity} {t.id!r}' for t in problem.outside_fleet)}）；每个停靠点的货物都要经货车运输",
        )
    for zid, zz in zones.items():
        demand = sum(stops[i].demand for i in zz.stops)
        cap = sum(min(t.capacity, max_truck) * t.count for t in zz.types)
        if demand > cap:
            raise InfeasibleError(
                f"demand {demand} of the {len(zz.stops)} stops inside zone {zid!r} exceeds its inside "
                f"vehicles' total capacity {cap}",
                zh=f"区域 {zid!r} 内 {len(zz.stops)} 个停靠点的需求 {demand} 超过其区内车辆的总载重 {cap}",
            )


def _window_ds(stop, t0: datetime) -> tuple[float, float]:
    if stop.window is None:
        return 0.0, np.inf
    return max(0.0, _ds(_offset_s(stop.window[0], t0))), float(_ds(_offset_s(stop.window[1], t0)))


def _best_visit(
    start: float,
    go: float,
    back: float,
    early: float,
    late: float,
    service: float,
    end: float,
    max_duration: float,
    *,
    no_route: str = "no legal route there and back",
) -> tuple[bool, str]:
    """Whether one vehicle leaving at ``start`` can serve one stop and be back in time (deciseconds)."""
    if not (np.isfinite(go) and np.isfinite(back)):
        return False, no_route
    begin = max(start + go, early)
    if begin > late:
        return False, f"earliest arrival {begin / DS:.0f} s after the window closes at {late / DS:.0f} s"
    if begin + service + back > end:
        return False, f"back at {(begin + service + back) / DS:.0f} s, after the shift end at {end / DS:.0f} s"
    if go + service + back > max_duration:
        return (
            False,
            f"the round trip takes {(go + service + back) / DS:.0f} s > max duration {max_duration / DS:.0f} s",
        )
    return True, ""


def _check_reach(
    problem: DeliveryProblem, t0: datetime, points, depot_index, stop_index, zones, truck, outside_types
) -> None:
    stops = problem.stops
    bad = []
    for i, k in stop_index.items():
        s = stops[i]
        early, late = _window_ds(s, t0)
        why = []
        for t in outside_types:
            m = truck[vehicle_key(t.vehicle)]
            d = depot_index[t.depot_id]
            ok, reason = _best_visit(
                _ds(_offset_s(t.shift_start, t0)),
                m[d, k],
                m[k, d],
                early,
                late,
                _ds(s.service_time_s),
                _ds(_offset_s(t.shift_end, t0)),
                _ds(t.max_duration_s) if t.max_duration_s else np.inf,
            )
            if ok:
                break
            why.append(f"{t.id}: {reason}")
        else:
            bad.append(f"stop {s.id!r} ({'; '.join(why)})")
    for zz in zones.values():
        if not np.isfinite(zz.earliest_handover):
            bad += [
                f"stop {stops[i].id!r} (docking point {zz.dock_id!r} of zone {zz.zone.id!r} is reachable by no "
                "truck there and back)"
                for i in zz.stops
            ]
            continue
        for j, i in enumerate(zz.stops):
            s = stops[i]
            early, late = _window_ds(s, t0)
            why = []
            for t in zz.types:
                m = zz.matrices[vehicle_key(t.vehicle)]
                start = max(_ds(_offset_s(t.shift_start, t0)), zz.earliest_handover)
                ok, reason = _best_visit(
                    start,
                    m[0, j + 1],
                    0.0,
                    early,
                    late,
                    _ds(s.service_time_s),
                    _ds(_offset_s(t.shift_end, t0)),
                    _ds(t.max_duration_s) if t.max_duration_s else np.inf,
                    no_route="no route on the zone's own roads from the docking point",
                )
                if ok:
                    break
                why.append(
                    f"{t.id} from docking point {zz.dock_id!r}, earliest handover "
                    f"{zz.earliest_handover / DS:.0f} s: {reason}"
                )
            else:
                bad.append(f"stop {s.id!r} in zone {zz.zone.id!r} ({'; '.join(why)})")
    if bad:
        raise InfeasibleError(
            f"{len(bad)} stop(s) no vehicle can reach within its window and shift (times in s "
            f"from the plan start {t0.isoformat()}): " + _listing(bad),
            zh=f"有 {len(bad)} 个停靠点在其时间窗和班次内没有车辆能到达（时间为距计划开始 {zh_time(t0)} 的秒数）："
            + _listing(bad),
        )


# ----------------------------------------------------------------------------------
# solving
# ----------------------------------------------------------------------------------
def _with_time(settings: SolverSettings, seconds: float) -> SolverSettings:
    return settings.with_time_limit(seconds)


def _int_matrix(m: np.ndarray, unreachable: int) -> np.ndarray:
    return np.where(np.isfinite(m), np.rint(m), unreachable).astype(np.int64)


def _scales(mats) -> tuple[int, int]:
    """``(prize, unreachable)``: a prize above any route's cost, an unreachable cost above any prize."""
    finite = [float(m[np.isfinite(m)].max()) for m in mats if np.isfinite(m).any()]
    top = max(finite) if finite else 1.0
    prize = int(max(10**6, 50 * top))
    return prize, min(1000 * prize, 1 << 42)


def _data(locations: int, depots: list[int], clients: list[dict], vtypes: list[dict], mats: list[Any]):
    import pyvrp

    locs = [pyvrp.Location(x=0, y=0) for _ in range(locations)]
    return pyvrp.ProblemData(
        locations=locs,
        clients=[
            pyvrp.Client(
                location=c["location"],
                delivery=[c["demand"]],
                service_duration=c["service"],
                tw_early=c["early"],
                tw_late=c["late"],
                prize=c["prize"],
                required=False,
            )
            for c in clients
        ],
        depots=[pyvrp.Depot(location=d) for d in depots],
        vehicle_types=[pyvrp.VehicleType(**v) for v in vtypes],
        distance_matrices=mats,
        duration_matrices=mats,
    )


def _vtype(
    t: VehicleType, t0: datetime, *, depot: int, profile: int, capacity: int, early: float | None = None
) -> dict:
    out = dict(
        num_available=t.count,
        capacity=[capacity],
        start_depot=depot,
        end_depot=depot,
        tw_early=int(early if early is not None else _ds(_offset_s(t.shift_start, t0))),
        tw_late=_ds(_offset_s(t.shift_end, t0)),
        profile=profile,
        name=t.id,
    )
    if t.max_duration_s is not None:
        out["shift_duration"] = _ds(t.max_duration_s)
    return out


def _late(value: float) -> int:
    return int(min(value, 1 << 42))


def _solve_inside(
    problem: DeliveryProblem,
    t0: datetime,
    key: str,
    zz: _Zone,
    types: list[VehicleType],
    max_truck: int,
    settings: SolverSettings,
):
    """Inside routes from one docking point: each a dict with its type, stops (indices), load and latest start."""
    stops = problem.stops
    keys = list(zz.matrices)
    prize, unreachable = _scales(zz.matrices.values())
    mats = [_int_matrix(zz.matrices[k], unreachable) for k in keys]
    for m in mats:
        m[:, 0] = 0  # open routes: an inside vehicle ends at its last drop
    clients = []
    for j, i in enumerate(zz.stops):
        early, late = _window_ds(stops[i], t0)
        clients.append(
            dict(
                location=j + 1,
                demand=stops[i].demand,
                service=_ds(stops[i].service_time_s),
                early=int(early),
                late=_late(late),
                prize=prize,
            )
        )
    vtypes = [
        _vtype(
            t,
            t0,
            depot=0,
            profile=keys.index(vehicle_key(t.vehicle)),
            capacity=min(t.capacity, max_truck),
            early=max(_ds(_offset_s(t.shift_start, t0)), zz.earliest_handover),
        )
        for t in types
    ]
    data = _data(len(zz.stops) + 1, [0], clients, vtypes, mats)
    out = solve_data(data, settings)
    if not out.feasible:
        raise InfeasibleError(
            f"the solver found no feasible inside plan for zone {zz.zone.id!r} in "
            f"{settings.time_limit_s:g} s; give it more time or more inside vehicles",
            zh=f"求解器在 {format_duration(settings.time_limit_s, 'zh')} 内没有找到区域 {zz.zone.id!r} 的可行区内方案；请给它更多时间或更多区内车辆",
        )
    routes, served = [], set()
    for route in out.solution.routes():
        t = types[route.vehicle_type()]
        visits = [zz.stops[a.idx] for a in route if a.is_client()]
        served.update(visits)
        m = mats[keys.index(vehicle_key(t.vehicle))]
        seq = [0] + [zz.stops.index(i) + 1 for i in visits]
        latest = _latest_start(problem, t0, t, seq, visits, m)
        routes.append(
            {
                "zone": key,
                "type": t,
                "stops": visits,
                "seq": seq,
                "matrix": m,
                "load": sum(stops[i].demand for i in visits),
                "latest": latest,
                "id": "",
                "start": int(route.start_time()),
            }
        )
    missed = [i for i in zz.stops if i not in served]
    return routes, missed, out.iterations


def _latest_start(problem, t0, t: VehicleType, seq: list[int], visits: list[int], m: np.ndarray) -> float:
    """The latest time (deciseconds) a route may leave its base and still keep every window and its shift end."""
    latest = float(_ds(_offset_s(t.shift_end, t0)))  # the last service done by then (the route is open)
    for pos in range(len(visits), 0, -1):
        s = problem.stops[visits[pos - 1]]
        _, late = _window_ds(s, t0)
        to_next = m[seq[pos], seq[pos + 1]] if pos < len(visits) else 0
        latest = min(late, latest - to_next - _ds(s.service_time_s))
    return latest - m[seq[0], seq[1]]


def _solve_outside(
    problem, t0, points, depot_index, stop_index, zones, truck, inside_routes, outside_types, settings: SolverSettings
):
    stops = problem.stops
    keys = list(truck)
    prize, unreachable = _scales(truck.values())
    depots = sorted(set(depot_index.values()))
    clients, what = [], []
    for i, k in stop_index.items():
        early, late = _window_ds(stops[i], t0)
        clients.append(
            dict(
                location=k,
                demand=stops[i].demand,
                service=_ds(stops[i].service_time_s),
                early=int(early),
                late=_late(late),
                prize=prize,
            )
        )
        what.append(("stop", i))
    handover = _ds(problem.handover_time_s)
    for r in inside_routes:
        zz = zones[r["zone"]]
        late = r["latest"] - handover
        clients.append(
            dict(
                location=zz.dock_index,
                demand=r["load"],
                service=handover,
                early=0,
                late=int(max(0, late)) if late >= 0 else 0,
                prize=prize if late >= 0 else 0,
            )
        )
        what.append(("handover", r))
    # one location per client (handovers at one docking point share its point); the depots come first, as the
    # points do
    loc_of = list(depots)
    for c in clients:
        loc_of.append(c["location"])
        c["location"] = len(loc_of) - 1
    idx = np.asarray(loc_of)
    mats = [_int_matrix(truck[k], unreachable)[np.ix_(idx, idx)] for k in keys]
    vtypes = [
        _vtype(
            t,
            t0,
            depot=depots.index(depot_index[t.depot_id]),
            profile=keys.index(vehicle_key(t.vehicle)),
            capacity=t.capacity,
        )
        for t in outside_types
    ]
    data = _data(len(loc_of), depots, clients, vtypes, mats)
    out = solve_data(data, settings)
    if not out.feasible:
        raise InfeasibleError(
            f"the solver found no feasible truck plan in {settings.time_limit_s:g} s; give it more time or more trucks",
            zh=f"求解器在 {format_duration(settings.time_limit_s, 'zh')} 内没有找到可行的货车方案；请给它更多时间或更多货车",
        )
    routes, served = [], set()
    for route in out.solution.routes():
        t = outside_types[route.vehicle_type()]
        calls = []
        for a in route.schedule():
            if a.is_client():
                served.add(a.idx)
                calls.append(
                    (
                        what[a.idx],
                        a.start_time - a.wait_duration,
                        a.start_time,
                        a.end_time,
                        a.wait_duration,
                        loc_of[clients[a.idx]["location"]],
                    )
                )
        routes.append(
            {
                "type": t,
                "calls": calls,
                "start": route.start_time(),
                "end": route.end_time(),
                "depot": depot_index[t.depot_id],
            }
        )
    missed_stops = [w[1] for k, w in enumerate(what) if w[0] == "stop" and k not in served]
    missed_handovers = [w[1] for k, w in enumerate(what) if w[0] == "handover" and k not in served]
    return routes, missed_stops, missed_handovers, out.iterations


# ----------------------------------------------------------------------------------
# assembling the answer
# ----------------------------------------------------------------------------------
def _at(t0: datetime, ds: float) -> datetime:
    return t0 + timedelta(seconds=float(ds) / DS)


def _truck_leg(roads: RoadCosts, a, b, vehicle) -> PlanLeg:
    if tuple(a.point) == tuple(b.point):
        return PlanLeg(a.id, b.id, "none", "none", 0.0, 0.0, 0.0, (), (tuple(a.point), tuple(b.point)))
    route = roads.truck_leg(a.point, b.point, vehicle)
    crossings = tuple(
        Crossing(
            zone_id=c.zone_id,
            name=c.name,
            risk=c.risk,
            entry=(float(c.entry[0]), float(c.entry[1])),
            exit=(float(c.exit[0]), float(c.exit[1])),
            time_inside_s=float(c.time_inside_s),
            length_inside_m=float(c.length_inside_m),
        )
        for c in route.zones_crossed
    )
    coords = tuple((float(x), float(y)) for x, y in np.asarray(route.coordinates).tolist())
    return PlanLeg(
        a.id,
        b.id,
        "truck",
        route.choice,
        float(route.truck_length_m),
        float(route.costs["chosen"]) * WEIGHT_UNIT_S,
        float(route.time_inside_s),
        crossings,
        coords,
    )


def _assemble(
    problem: DeliveryProblem, t0: datetime, roads: RoadCosts, points, zones, stop_snap, truck_routes, inside_routes
) -> list[PlannedRoute]:
    stops = problem.stops
    out: list[PlannedRoute] = []
    started_inside: dict[str, tuple[str, int, float]] = {}  # inside route id -> (truck route id, visit, done at)
    counters: Counter = Counter()
    for r in truck_routes:
        t = r["type"]
        counters[t.id] += 1
        rid = f"truck-{t.id}-{counters[t.id]}"
        load = sum(stops[w[1]].demand if w[0] == "stop" else w[1]["load"] for w, *_ in r["calls"])
        left = load
        visits, seq = [], [points[r["depot"]]]
        for k, (w, arrival, begin, end, wait, loc) in enumerate(r["calls"]):
            if w[0] == "stop":
                s = stops[w[1]]
                left -= s.demand
                visits.append(
                    Visit(
                        "stop",
                        s.id,
                        tuple(s.point),
                        _at(t0, arrival),
                        _at(t0, begin),
                        _at(t0, end),
                        wait / DS,
                        s.demand,
                        left,
                        window=s.window,
                    )
                )
            else:
                ir = w[1]
                zz = zones[ir["zone"]]
                left -= ir["load"]
                visits.append(
                    Visit(
                        "handover",
                        zz.dock_id,
                        tuple(zz.dock_point),
                        _at(t0, arrival),
                        _at(t0, begin),
                        _at(t0, end),
                        wait / DS,
                        ir["load"],
                        left,
                        zone_id=zz.zone.id,
                        inside_route=ir["id"],
                    )
                )
                started_inside[ir["id"]] = (rid, k, end)
            seq.append(points[loc])
        seq.append(points[r["depot"]])
        legs = tuple(_truck_leg(roads, a, b, t.vehicle) for a, b in zip(seq[:-1], seq[1:]))
        base = points[r["depot"]]
        out.append(
            PlannedRoute(
                id=rid,
                kind="outside",
                vehicle_type=t.id,
                zone_id=None,
                base_id=base.id,
                base_point=tuple(base.point),
                departure=_at(t0, r["start"]),
                arrival=_at(t0, r["end"]),
                visits=tuple(visits),
                legs=legs,
                load=load,
                capacity=t.capacity,
                distance_m=float(sum(leg.length_m for leg in legs)),
                travel_time_s=float(sum(leg.travel_time_s for leg in legs)),
                duration_s=(r["end"] - r["start"]) / DS,
            )
        )
    for ir in inside_routes:
        if ir["id"] not in started_inside:
            continue
        truck_id, visit, done = started_inside[ir["id"]]
        zz = zones[ir["zone"]]
        t = ir["type"]
        m = ir["matrix"]
        # the solver's start, or later once the handover is done: no later than the route's latest start, so every
        # window holds, and a later start only waits less (the duration cannot grow)
        start = max(done, ir["start"])
        w, role = zz.weights[vehicle_key(t.vehicle)]
        zsnaps = [zz.dock_snap] + [stop_snap[i] for i in zz.stops]
        clock, left = float(start), ir["load"]
        inside_visits: list = []
        inside_legs: list[PlanLeg] = []
        names = [zz.dock_id] + [stops[i].id for i in zz.stops]
        pts = [tuple(zz.dock_point)] + [tuple(stops[i].point) for i in zz.stops]
        for pos, (a, b) in enumerate(zip(ir["seq"][:-1], ir["seq"][1:])):
            if pts[a] == pts[b]:
                inside_legs.append(PlanLeg(names[a], names[b], "none", "none", 0.0, 0.0, 0.0, (), (pts[a], pts[b])))
            else:
                path = roads.inside_path(zsnaps[a], zsnaps[b], w, role)
                inside_legs.append(
                    PlanLeg(
                        names[a],
                        names[b],
                        "inside",
                        "inside",
                        path.length_m,
                        path.travel_time_ds * WEIGHT_UNIT_S,
                        path.travel_time_ds * WEIGHT_UNIT_S,
                        (),
                        path.coordinates,
                    )
                )
            arrival = clock + float(m[a, b])
            if pos < len(ir["stops"]):
                s = stops[ir["stops"][pos]]
                early, _ = _window_ds(s, t0)
                begin = max(arrival, early)
                end = begin + _ds(s.service_time_s)
                left -= s.demand
                inside_visits.append(
                    Visit(
                        "stop",
                        s.id,
                        tuple(s.point),
                        _at(t0, arrival),
                        _at(t0, begin),
                        _at(t0, end),
                        (begin - arrival) / DS,
                        s.demand,
                        left,
                        window=s.window,
                        zone_id=zz.zone.id,
                    )
                )
                clock = end
            else:
                clock = arrival
        out.append(
            PlannedRoute(
                id=ir["id"],
                kind="inside",
                vehicle_type=t.id,
                zone_id=zz.zone.id,
                base_id=zz.dock_id,
                base_point=tuple(zz.dock_point),
                departure=_at(t0, start),
                arrival=_at(t0, clock),
                visits=tuple(inside_visits),
                legs=tuple(inside_legs),
                load=ir["load"],
                capacity=t.capacity,
                distance_m=float(sum(leg.length_m for leg in inside_legs)),
                travel_time_s=float(sum(leg.travel_time_s for leg in inside_legs)),
                duration_s=(clock - start) / DS,
                supplied_by=(truck_id, visit),
            )
        )
    return out


def _depot(t) -> str:
    """The depot of an outside truck type (the model requires one)."""
    assert t.depot_id is not None, t
    return t.depot_id


def _inside_costs(roads: RoadCosts, zz: _Zone, cands: list, stop_snap: list[Snap]) -> np.ndarray:
    """Inside-vehicle times ``[candidate, stop]`` on the zone's own roads (the fastest of its vehicle types)."""
    zsnaps = [c[2] for c in cands] + [stop_snap[i] for i in zz.stops]
    cost = np.full((len(cands), len(zz.stops)), np.inf)
    for t in zz.types:
        w = roads.inside_weights(zz.zone, t.vehicle, zsnaps)
        m = roads.inside_matrix(zsnaps, w, f"deliveries-inside:{zz.zone.id}:{vehicle_key(t.vehicle)}")
        cost = np.minimum(cost, m[: len(cands), len(cands) :])
    return cost


#: Boundary crossings tried per stop that the freight rule's docking point does not join on the zone's roads.
CROSSINGS_PER_STOP = 6


def _crossing_candidates(roads: RoadCosts, zone: Zone, points: list) -> list[tuple[float, float]]:
    """The outside ends of the truck roads entering ``zone`` nearest each of ``points`` (``[lon, lat]``)."""
    from routing import docking

    net = roads.network
    inside = docking.inside_nodes(net, zone.geometry)
    arcs = docking.crossing_arcs(net, inside, roads.freight_weights(None).free)
    tails = np.unique(net.tail[arcs])
    if tails.size == 0:
        return []
    x, y = net.node_xy
    proj = net.projection
    out: list[tuple[float, float]] = []
    for lon, lat in points:
        px, py = proj.forward(float(lon), float(lat))
        d = np.hypot(x[tails] - px, y[tails] - py)
        for n in tails[np.argsort(d)[:CROSSINGS_PER_STOP]].tolist():
            p = (float(net.node_lon[n]), float(net.node_lat[n]))
            if p not in out:
                out.append(p)
    return out

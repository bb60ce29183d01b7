"""Check a delivery plan against the rules, the general way (as networkx ``validate_path`` checks a path).

:func:`plan_violations` re-reads a :class:`~routing.deliveries.result.DeliveryPlan`
against its :class:`~routing.deliveries.model.DeliveryProblem` and lists
every rule it breaks (an empty list: none).  Tests and the benchmark run it
on every plan they make.
"""

from __future__ import annotations

from datetime import timedelta

from geo import prepared
from routing.deliveries.model import DeliveryProblem
from routing.deliveries.result import DeliveryPlan

#: Slack for times computed in deciseconds and rounded (seconds).
TIME_SLACK_S = 0.2


def plan_violations(problem: DeliveryProblem, plan: DeliveryPlan) -> list[str]:
    """Every rule the plan breaks, one message each.

    Checked: each stop is served exactly once or listed unserved once; no
    outside truck calls inside an active sealed/controlled zone (given or
    served position); each inside stop is served by an inside vehicle of its
    zone from a docking point chosen for that zone, which a truck's handover
    supplied before the inside vehicle left, with that route's load; loads
    match demands and stay within capacity; service starts within each
    window; routes keep their shift and maximum duration; each arrival is the
    previous departure plus the leg's travel time.
    """
    out: list[str] = []
    stops = {s.id: s for s in problem.stops}
    types = {t.id: t for t in problem.fleet}
    active = [z for z in problem.zones if z.no_stop and z.active_at(problem.departure or problem.start)]
    zone_of = {}
    for s in problem.stops:
        for z in active:
            if prepared.covers_point(z.geometry, *s.point):
                zone_of[s.id] = z.id
                break
    seen: dict[str, int] = {}
    for r in plan.routes:
        for v in r.visits:
            if v.kind == "stop":
                seen[v.id] = seen.get(v.id, 0) + 1
    for u in plan.unserved:
        seen[u.stop_id] = seen.get(u.stop_id, 0) + 1
    for sid in stops:
        if seen.get(sid, 0) != 1:
            out.append(f"stop {sid} is served or listed {seen.get(sid, 0)} times")
    for sid in seen:
        if sid not in stops:
            out.append(f"unknown stop {sid} in the plan")
    docks = {(d.zone_id, d.id): d for d in plan.docking_points}
    slack = timedelta(seconds=TIME_SLACK_S)
    for r in plan.routes:
        t = types.get(r.vehicle_type)
        if t is None:
            out.append(f"{r.id}: unknown vehicle type {r.vehicle_type}")
            continue
        if (r.kind == "inside") != t.inside:
            out.append(f"{r.id}: kind {r.kind} but vehicle type {t.id} is {'inside' if t.inside else 'outside'}")
        if r.departure < t.shift_start - slack or r.arrival > t.shift_end + slack:
            out.append(
                f"{r.id}: {r.departure.isoformat()}..{r.arrival.isoformat()} outside the shift "
                f"{t.shift_start.isoformat()}..{t.shift_end.isoformat()}"
            )
        if t.max_duration_s is not None and r.duration_s > t.max_duration_s + TIME_SLACK_S:
            out.append(f"{r.id}: duration {r.duration_s:.0f} s > max {t.max_duration_s:.0f} s")
        demand = sum(v.demand for v in r.visits)
        if demand != r.load:
            out.append(f"{r.id}: load {r.load} but its calls deliver {demand}")
        if r.load > t.capacity:
            out.append(f"{r.id}: load {r.load} > capacity {t.capacity}")
        left = r.load
        clock = r.departure
        if len(r.legs) != len(r.visits) + (1 if r.kind == "outside" else 0):
            out.append(f"{r.id}: {len(r.legs)} legs for {len(r.visits)} calls")
        for k, v in enumerate(r.visits):
            left -= v.demand
            if v.load_after != left:
                out.append(f"{r.id} call {k}: load after {v.load_after}, expected {left}")
            leg = r.legs[k] if k < len(r.legs) else None
            if leg is not None and abs((v.arrival - clock).total_seconds() - leg.travel_time_s) > TIME_SLACK_S:
                out.append(
                    f"{r.id} call {k}: arrives {(v.arrival - clock).total_seconds():.1f} s after leaving the "
                    f"previous call, the leg takes {leg.travel_time_s:.1f} s"
                )
            if v.start < v.arrival - slack or v.departure < v.start - slack:
                out.append(f"{r.id} call {k}: times out of order")
            clock = v.departure
            if v.kind == "stop":
                stop = stops.get(v.id)
                if stop is None:
                    continue
                if abs((v.departure - v.start).total_seconds() - stop.service_time_s) > TIME_SLACK_S:
                    out.append(
                        f"{r.id}: stop {stop.id} served {(v.departure - v.start).total_seconds():.0f} s, its "
                        f"service time is {stop.service_time_s:.0f} s"
                    )
                if v.demand != stop.demand:
                    out.append(f"{r.id}: stop {stop.id} delivered {v.demand}, its demand is {stop.demand}")
                if stop.window is not None and not (stop.window[0] - slack <= v.start <= stop.window[1] + slack):
                    out.append(
                        f"{r.id}: stop {stop.id} served at {v.start.isoformat()}, outside its window "
                        f"{stop.window[0].isoformat()}..{stop.window[1].isoformat()}"
                    )
                zid = zone_of.get(stop.id)
                if r.kind == "outside" and zid is not None:
                    out.append(f"{r.id}: an outside truck stops at {stop.id} inside zone {zid}")
                if r.kind == "inside" and zid != r.zone_id:
                    out.append(f"{r.id}: inside vehicle of zone {r.zone_id} serves {stop.id} (zone {zid})")
            elif v.kind == "handover":
                if r.kind != "outside":
                    out.append(f"{r.id}: an inside vehicle makes a handover")
                if (v.zone_id, v.id) not in docks:
                    out.append(f"{r.id}: handover at {v.id}, not a docking point chosen for zone {v.zone_id}")
            if r.kind == "outside":
                for z in active:
                    if prepared.covers_point(z.geometry, *v.point):
                        out.append(f"{r.id}: an outside truck calls at {v.id} {list(v.point)} inside zone {z.id}")
        if (
            r.kind == "outside"
            and r.legs
            and abs((r.arrival - clock).total_seconds() - r.legs[-1].travel_time_s) > TIME_SLACK_S
        ):
            out.append(
                f"{r.id}: back {(r.arrival - clock).total_seconds():.1f} s after its last call, the leg takes "
                f"{r.legs[-1].travel_time_s:.1f} s"
            )
        if r.kind == "inside":
            if (r.zone_id, r.base_id) not in docks:
                out.append(f"{r.id}: based at {r.base_id}, not a docking point chosen for zone {r.zone_id}")
            if r.supplied_by is None:
                out.append(f"{r.id}: no handover supplied it")
                continue
            try:
                truck = plan.route(r.supplied_by[0])
                hand = truck.visits[r.supplied_by[1]]
            except (KeyError, IndexError):
                out.append(f"{r.id}: supplied by {r.supplied_by}, which does not exist")
                continue
            if hand.kind != "handover" or hand.inside_route != r.id or hand.id != r.base_id:
                out.append(f"{r.id}: supplied by {r.supplied_by}, which is not its handover")
            if hand.demand != r.load:
                out.append(f"{r.id}: handed {hand.demand} but carries {r.load}")
            if r.departure < hand.departure - slack:
                out.append(
                    f"{r.id}: leaves at {r.departure.isoformat()}, before the handover is done at "
                    f"{hand.departure.isoformat()}"
                )
    return out

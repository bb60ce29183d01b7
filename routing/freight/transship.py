"""Transshipment: a stop inside a sealed or controlled zone is served through a docking point.

The truck stops at a docking point on the zone's boundary (a planned one from
``POST /zones/{id}/docking-points`` when the zone has any, else a valid
docking point by the planner's own definition,
:func:`routing.docking.docking_candidates`: the outside end of a boundary
crossing that trucks reach -- or, for a pickup, leave -- without entering the
zone) and an inside
vehicle carries the goods between it and the stop on the zone's own roads
(:func:`routing.docking.inside_road_weights`; an ``inside`` leg).  Of the
docking points the truck reaches without entering the zone, the one taken
minimises the whole chain: the truck's time to it (free weights with the
zone's arcs forbidden) plus the inside vehicle's time to the stop.  The
truck's own leg is then routed with the zone's arcs forbidden
(:func:`handover_arcs`): a handover keeps the truck out of the zone it hands
over at.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo import prepared
from geo.errors import NoRouteError
from geo.i18n import Text, risk_zh
from geo.zones import Zone
from routing.docking import inside_road_mask, inside_road_weights
from routing.engine import FORBIDDEN, PathResult, ScipyEngine
from routing.freight.choice import cheapest
from routing.freight.results import Transshipment
from routing.freight.weights import Weights
from routing.freight.zones import FreightIndex, ZoneSet
from routing.network import Snap, haversine_m
from routing.paths import drive_along, node_snap, same_arc_cost, snap_ends
from routing.router import Router


@dataclass
class Dock:
    """A transshipment and the snap where the truck's drive ends (or starts) at its docking point."""

    trans: Transshipment
    leg_snap: Snap
    #: why planned docking points were not used (none connects the truck without entering the zone)
    note: str | None = None
    #: metres the inside leg drives off the zone's own roads (where they do not connect the point and the stop)
    off_zone_m: float = 0.0


def transship(
    router: Router,
    index: FreightIndex,
    zs: ZoneSet,
    w: Weights,
    zone: Zone,
    stop: Snap,
    other: Snap,
    docking_points: dict,
    *,
    end: str,
) -> Dock:
    """Choose the docking point of ``zone`` for a stop inside it and build the inside leg."""
    net = router.network
    za = zs.footprints[zs.zones.index(zone)]
    # the truck's way to (or from) a docking point: its legal weights with this zone's arcs forbidden
    w_dock = w.free.copy()
    w_dock[za.arcs] = FORBIDDEN
    w_dock.flags.writeable = False
    dock_slot = w.slot("dock")
    planned = docking_points.get(zone.id) or []
    best: tuple[float, Snap] | None = None
    zone_mask = index.docking(zone, w).zone_mask
    if planned:
        snaps = [
            outside_snap(net, index, router.snap(p, field_name=f"docking_points[{zone.id!r}][{k}]"), w_dock, end=end)
            for k, p in enumerate(planned)
        ]
        # the inside vehicle on the zone's own roads and the segments the stop and the points lie on
        w_in = inside_road_weights(w.inside_vehicle, zone_mask, [stop, *snaps])
        inside_engine = ScipyEngine(net.tail, net.head, net.node_count, w_in)
        for snap in snaps:
            a, b = (snap, stop) if end == "destination" else (stop, snap)
            ta, tb = (other, snap) if end == "destination" else (snap, other)
            inside = inside_between(net, inside_engine, w_in, a, b)
            if inside is None:
                continue
            try:
                truck_cost, _ = cheapest(router, ta, tb, w_dock, dock_slot)
            except NoRouteError:
                continue
            if best is None or truck_cost + inside[0] < best[0]:
                best = (truck_cost + inside[0], snap)
    note = None
    if planned and best is None:
        # planned points on the far side of the zone (a valley the zone closes): the crossings on this side
        note = Text(
            f"none of the {len(planned)} planned docking points of zone {zone.id!r} connects the truck (without "
            f"entering the zone) and the {end}: goods are handed over where a road crosses the boundary",
            zh=f"区域 {zone.id!r} 的 {len(planned)} 个规划接驳点都无法连通货车（不进入该区域）与"
            f"{'终点' if end == 'destination' else '起点'}：货物改在道路穿越边界处交接",
        )
    elif best is not None:
        dock = best[1]
        a, b = (dock, stop) if end == "destination" else (stop, dock)
        inside_way = inside_between(net, inside_engine, w_in, a, b)
        assert inside_way is not None  # it was found above
        cost, path = inside_way
        leg = drive_along(net, a, b, path, cost).leg(
            "inside",
            net,
            note=Text(
                f"inside vehicle, {'from' if end == 'destination' else 'to'} planned docking point",
                zh=f"区内车辆，{'从规划的接驳点出发' if end == 'destination' else '前往规划的接驳点'}",
            ),
        )
        off_m = off_zone_m(net, leg.arcs, inside_road_mask(zone_mask, [stop, *snaps]))
        return Dock(
            Transshipment(
                end=end,
                zone_id=zone.id,
                zone_name=zone.name,
                risk=zone.risk,
                docking_point=[dock.snapped_lon, dock.snapped_lat],
                planned=True,
                leg=leg,
            ),
            dock,
            off_zone_m=off_m,
        )

    try:
        found = crossing_dock(router, index, zs, w, zone, stop, other, w_dock, end=end)
    except NoRouteError as err:
        if note is None:
            raise
        raise NoRouteError(f"{note}; {err}", zh=f"{getattr(note, 'zh', note)}；{err.text('zh')}") from err
    found.note = note
    return found


def crossing_dock(
    router: Router,
    index: FreightIndex,
    zs: ZoneSet,
    w: Weights,
    zone: Zone,
    stop: Snap,
    other: Snap,
    w_dock: np.ndarray,
    *,
    end: str,
) -> Dock:
    """The valid docking point of ``zone`` (:meth:`FreightIndex.docking`, the planner's definition) with the
    fastest whole chain (truck under ``w_dock``, which forbids the zone's arcs, plus the inside vehicle on the
    zone's own roads), and the inside leg."""
    net = router.network
    dock_slot = w.slot("dock")
    valid = index.docking(zone, w)
    docks = valid.nodes if end == "destination" else valid.pickup_nodes
    x, y = net.node_xy
    outside_all = np.ones(docks.size, dtype=bool)
    for z, zfp in zip(zs.zones, zs.footprints):  # a docking point may not lie in another no-stop zone either
        if z.no_stop:
            outside_all &= ~prepared.intersects_xy(zfp.poly_xy, x[docks], y[docks])
    docks = docks[outside_all]
    if docks.size == 0:
        raise NoRouteError(
            f"{zone.risk} zone {zone.id!r} has no valid docking point (a road crossing its boundary that trucks "
            f"reach, or for a pickup leave, without entering it, outside other no-stop zones); plan a docking point "
            f"(POST /zones/{zone.id}/docking-points)",
            zh=f"{risk_zh(zone.risk)} {zone.id!r} 没有有效的接驳点（卡车不进入该区即可到达（取货时可离开）、"
            f"且不在其他禁停区内的跨边界道路）；请规划接驳点（POST /zones/{zone.id}/docking-points）",
        )
    w_in = inside_road_weights(w.inside_vehicle, valid.zone_mask, [stop])
    inside_engine = ScipyEngine(net.tail, net.head, net.node_count, w_in)
    # truck side: reachable without entering this zone
    stop_ends_dst = snap_ends(net, stop, w_in, as_source=False)
    stop_ends_src = snap_ends(net, stop, w_in, as_source=True)
    at_docks = [(int(n), 0.0) for n in docks]
    with router.pool.using(dock_slot, w_dock) as engine:
        if end == "destination":
            truck = matrix_ends(engine, snap_ends(net, other, w_dock, as_source=True), at_docks)
        else:
            truck = matrix_ends(engine, at_docks, snap_ends(net, other, w_dock, as_source=False)).T
    if end == "destination":
        inside = matrix_ends(inside_engine, at_docks, stop_ends_dst)
    else:
        inside = matrix_ends(inside_engine, stop_ends_src, at_docks).T
    truck_best = truck.min(axis=0) if truck.size else np.full(docks.size, np.inf)
    inside_best = inside.min(axis=1) if inside.size else np.full(docks.size, np.inf)
    truck_best = truck_best.reshape(-1)
    ok = np.isfinite(truck_best) & np.isfinite(inside_best)
    if not ok.any():
        raise NoRouteError(
            f"no docking point on the boundary of {zone.risk} zone {zone.id!r} is reachable by the "
            f"truck without entering the zone and connected to the {end} for an inside vehicle",
            zh=f"{risk_zh(zone.risk)} {zone.id!r} 边界上没有卡车不进入该区即可到达、且区内车辆可通往"
            f"{'终点' if end == 'destination' else '起点'}的接驳点",
        )
    cand = np.nonzero(ok)[0]
    # the whole chain (truck + inside), then the shorter inside leg
    k = int(cand[np.lexsort((inside_best[cand], truck_best[cand] + inside_best[cand]))[0]])
    node = int(docks[k])
    # a snap standing on the docking node, on an arc outside the zone the truck may use
    if end == "destination":
        arcs_at = [a for a in index.in_arcs(node) if w_dock[a] != FORBIDDEN]
        dock_snap = node_snap(net, node, arcs_at[0], 1.0) if arcs_at else None
    else:
        arcs_at = [a for a in index.out_arcs(node) if w_dock[a] != FORBIDDEN]
        dock_snap = node_snap(net, node, arcs_at[0], 0.0) if arcs_at else None
    if dock_snap is None:
        raise NoRouteError(
            f"docking node {node} of zone {zone.id!r} has no truck road outside the zone",
            zh=f"区域 {zone.id!r} 的接驳节点 {node} 在区外没有可供货车行驶的道路",
        )
    if end == "destination":
        found = inside_engine.route_multi([(node, 0.0)], stop_ends_dst)
    else:
        found = inside_engine.route_multi(stop_ends_src, [(node, 0.0)])
    if found is None:
        raise NoRouteError(
            f"the inside vehicle cannot reach the {end} from zone {zone.id!r}'s boundary",
            zh=f"区内车辆无法从区域 {zone.id!r} 的边界到达{'终点' if end == 'destination' else '起点'}",
        )
    cost, path = found
    # a snap exactly on the node: any arc leaving it (fraction 0) or entering it (fraction 1); the
    # partial first/last part is then empty and dropped by drive_along
    crossing = valid.crossing_arc(node, end=end)
    if end == "destination":
        a = node_snap(net, node, int(index.out_arcs(node)[0]) if index.out_arcs(node).size else crossing, 0.0)
        b = stop
    else:
        a = stop
        b = node_snap(net, node, int(index.in_arcs(node)[0]) if index.in_arcs(node).size else crossing, 1.0)
    drive = drive_along(net, a, b, path, cost)
    way = "from" if end == "destination" else "to"
    leg = drive.leg(
        "inside",
        net,
        note=Text(
            f"inside vehicle {way} the docking point",
            zh="区内车辆，" + ("从接驳点出发" if end == "destination" else "前往接驳点"),
        ),
    )
    trans = Transshipment(
        end=end,
        zone_id=zone.id,
        zone_name=zone.name,
        risk=zone.risk,
        docking_point=[float(net.node_lon[node]), float(net.node_lat[node])],
        planned=False,
        leg=leg,
    )
    return Dock(trans, dock_snap, off_zone_m=off_zone_m(net, leg.arcs, inside_road_mask(valid.zone_mask, [stop])))


def off_zone_m(net, arcs: np.ndarray, mask: np.ndarray) -> float:
    """Metres of the arcs ``arcs`` off the roads ``mask`` (whole arcs: the partial ones at the ends are on it)."""
    arcs = np.asarray(arcs, dtype=np.int64)
    return float(net.length_m[arcs[~mask[arcs]]].sum()) if arcs.size else 0.0


def inside_between(net, engine, w_in: np.ndarray, a: Snap, b: Snap) -> tuple[float, PathResult | None] | None:
    """The inside vehicle's ``(cost, path)`` from ``a`` to ``b`` on ``engine`` (carrying ``w_in``; ``path`` is
    ``None`` along the one segment both lie on), or ``None`` if they are not connected."""
    direct = same_arc_cost(a, b, w_in)
    src, dst = snap_ends(net, a, w_in, as_source=True), snap_ends(net, b, w_in, as_source=False)
    found = engine.route_multi(src, dst) if src and dst else None
    if direct is not None and (found is None or direct <= found[0]):
        return float(direct), None
    return None if found is None else (float(found[0]), found[1])


def outside_snap(net, index: FreightIndex, snap: Snap, w_dock: np.ndarray, *, end: str) -> Snap:
    """``snap`` of a planned docking point, moved onto a road the truck may use when the point stands on a road
    node (within 1 m) and the nearest arc is one the truck may not use there (the arc crossing into the zone):
    a docking point is the outside end of a crossing, reached (or left) on the roads outside."""
    if w_dock[snap.arc] != FORBIDDEN or (snap.reverse_arc >= 0 and w_dock[snap.reverse_arc] != FORBIDDEN):
        return snap
    node = net.nearest_node(snap.snapped_lon, snap.snapped_lat)
    if haversine_m(net.node_lon[node], net.node_lat[node], snap.snapped_lon, snap.snapped_lat) > 1.0:
        return snap
    arcs = index.in_arcs(node) if end == "destination" else index.out_arcs(node)
    usable = [int(a) for a in arcs if w_dock[a] != FORBIDDEN]
    if not usable:
        return snap
    return node_snap(net, node, usable[0], 1.0 if end == "destination" else 0.0)


def handover_arcs(zs: ZoneSet, docks: list[Dock]) -> np.ndarray:
    """The arcs of the zones handed over at: the truck's legs never use them."""
    parts = [zs.footprints[[z.id for z in zs.zones].index(d.trans.zone_id)].arcs for d in docks]
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


def matrix_ends(engine, sources: list[tuple[int, float]], targets: list[tuple[int, float]]) -> np.ndarray:
    """``[len(sources), len(targets)]`` costs including initial costs (``inf`` where unreachable)."""
    if not sources or not targets:
        return np.full((len(sources), len(targets)), np.inf)
    m = engine.matrix([s for s, _ in sources], [t for t, _ in targets])
    return m + np.array([c for _, c in sources])[:, None] + np.array([c for _, c in targets])[None, :]

"""The closed-loop route: stops, transshipment at zones, the route choice, and the answer."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from geo.errors import InvalidInputError, NoRouteError
from geo.i18n import Text, risk_zh
from geo.zones import Zone
from routing.freight.choice import choose_route, explain_choice, route_or_explain
from routing.freight.crossings import zone_crossings
from routing.freight.results import FreightRoute, Transshipment
from routing.freight.snapping import StopSnap, snap_stops, snap_text
from routing.freight.transship import Dock, handover_arcs, transship
from routing.freight.weights import DEFAULT_MAX_DETOUR_RATIO
from routing.freight.zones import FreightIndex, ZoneSet
from routing.network import Snap
from routing.paths import Drive, Leg, dedupe, drive_along, split_legs, split_legs_known
from routing.router import Router, Vehicle


def closed_loop_route(
    router: Router,
    origin,
    destination,
    *,
    zones: list[Zone],
    waypoints=(),
    vehicle: Vehicle | None = None,
    departure: datetime | None = None,
    max_detour_ratio: float = DEFAULT_MAX_DETOUR_RATIO,
    closed_arcs=None,
    docking_points: dict[str, list[list[float]]] | None = None,
    destination_whitelisted: bool = False,
    origin_whitelisted: bool = False,
) -> FreightRoute:
    """A closed-loop truck route from ``origin`` to ``destination`` (``[lon, lat]``) through ``zones``.

    See :mod:`routing.freight` for the zone semantics and the route-choice rule.

    Raises
    ------
    InvalidInputError
        For a bad point or ratio, or a waypoint inside a sealed/controlled zone
        (the message names the zone id).
    OffNetworkError
        If a stop is farther than the snap limit from every road.
    NoRouteError
        If no legal truck route exists; the message names the limit that blocks it.
    """
    if not (np.isfinite(max_detour_ratio) and max_detour_ratio >= 1.0):
        raise InvalidInputError(
            f"`max_detour_ratio` was {max_detour_ratio!r}; expected a number >= 1",
            zh=f"`max_detour_ratio` 为 {max_detour_ratio!r}；应为不小于 1 的数",
        )
    index = router.freight_index
    net = router.network
    active = list(zones) if departure is None else [z for z in zones if z.active_at(departure)]
    zs = index.zone_set(active)
    w = index.weights(zs, vehicle, closed_arcs)
    docking_points = docking_points or {}

    # each stop on the side of every zone boundary its given point lies on (see routing.freight.snapping)
    snaps, snapped, held = snap_stops(
        router,
        zs,
        [origin, destination, *waypoints],
        field_names=["origin", "destination", *(f"waypoints[{i}]" for i in range(len(waypoints)))],
    )
    o, d, wps = snaps[0], snaps[1], snaps[2:]
    o_zone, d_zone, wp_zones = held[0], held[1], held[2:]
    snapped = [snapped[0], *snapped[2:], snapped[1]]  # in trip order
    snap_line = snap_text(snapped, router.max_snap_m)
    warnings: list[str] = [snap_line] if any(r.moved for r in snapped) else []
    for i, (s, z) in enumerate(zip(wps, wp_zones)):
        if z is not None:
            raise InvalidInputError(
                f"`waypoints[{i}]` {[s.lon, s.lat]} lies inside {z.risk} zone {z.id!r} ({z.name}); "
                "trucks may pass through sealed and controlled zones but not stop in them",
                zh=f"`waypoints[{i}]` {[s.lon, s.lat]} 位于{risk_zh(z.risk)} {z.id!r}（{z.name}）内；货车可以穿过封控区和管控区，但不得在其中停靠",
            )
    transshipments: list[Dock] = []
    closed_loop = False

    if o_zone is not None and d_zone is not None and o_zone.id == d_zone.id and not wps:
        # the whole trip lies inside one zone: it is an inside delivery only
        cost, path = route_or_explain(router, o, d, w.inside_vehicle, w.slot("insideveh"), None, closed_arcs)
        drive = drive_along(net, o, d, path, cost)
        leg = drive.leg(
            "inside",
            net,
            note=Text(
                f"inside {o_zone.risk} zone {o_zone.id}: inside vehicle only",
                zh=f"{risk_zh(o_zone.risk)} {o_zone.id} 内：仅限区内车辆",
            ),
        )
        warnings.append(
            Text(
                f"origin and destination both lie inside {o_zone.risk} zone {o_zone.id!r}: "
                "the trip is an inside-zone delivery by an inside vehicle; no truck enters or leaves",
                zh=f"起点和终点都在{risk_zh(o_zone.risk)} {o_zone.id!r} 内：本次行程由区内车辆在区内配送，没有货车进出",
            )
        )
        return _result(
            index,
            zs,
            o,
            d,
            [o, d],
            [leg],
            drive,
            Drive.empty(o.snapped_lon, o.snapped_lat),
            [],
            "inside",
            False,
            warnings,
            Text("Both ends lie in the same zone; no truck leg.", zh="两端位于同一区域内；没有货车路段。"),
            {"free": None, "avoid": None, "chosen": None, "inside": None},
            snapped,
            snap_line,
            truck=False,
        )

    truck_o, truck_d = o, d
    inside_before: Leg | None = None
    inside_after: Leg | None = None
    if o_zone is not None:
        if origin_whitelisted:
            closed_loop = True
            warnings.append(
                Text(
                    f"origin lies inside {o_zone.risk} zone {o_zone.id!r} at a whitelist enterprise: "
                    "closed-loop point-to-point pickup; the truck enters the zone only for it",
                    zh=f"起点位于{risk_zh(o_zone.risk)} {o_zone.id!r} 内的白名单企业：闭环点对点提货；"
                    "货车只为此进入该区域",
                )
            )
        else:
            t = transship(router, index, zs, w, o_zone, o, wps[0] if wps else d, docking_points, end="origin")
            transshipments.append(t)
            truck_o = t.leg_snap
            inside_before = t.trans.leg
    if d_zone is not None:
        if destination_whitelisted:
            closed_loop = True
            warnings.append(
                Text(
                    f"destination lies inside {d_zone.risk} zone {d_zone.id!r} at a whitelist enterprise: "
                    "closed-loop point-to-point delivery; the truck enters the zone only for it",
                    zh=f"终点位于{risk_zh(d_zone.risk)} {d_zone.id!r} 内的白名单企业：闭环点对点配送；"
                    "货车只为此进入该区域",
                )
            )
        else:
            t = transship(
                router, index, zs, w, d_zone, d, wps[-1] if wps else truck_o, docking_points, end="destination"
            )
            transshipments.append(t)
            truck_d = t.leg_snap
            inside_after = t.trans.leg

    stops = [truck_o, *wps, truck_d]
    # a handover keeps the truck out of the zone it hands over at: the truck's weights forbid its arcs
    w_truck = w
    if transshipments:
        kept_out = handover_arcs(zs, transshipments)
        closed = kept_out if closed_arcs is None else np.concatenate([np.asarray(closed_arcs, np.int64), kept_out])
        w_truck = index.weights(zs, vehicle, closed)
    # 1. free, 2. avoid within the cap, 3. the penalty ladder within the cap (see routing.freight).
    try:
        rc = choose_route(
            router,
            w_truck,
            stops,
            zones_in_way=zs.meets_arcs,
            closed_loop=closed_loop,
            max_detour_ratio=max_detour_ratio,
            vehicle=vehicle,
            closed_arcs=closed_arcs,
        )
    except NoRouteError as err:
        if not transshipments:
            raise
        ids = ", ".join(t.trans.zone_id for t in transshipments)
        raise NoRouteError(
            f"the truck cannot reach the docking point without entering the zone it hands over at ({ids}): {err}",
            zh=f"货车无法在不进入其交接所在区域（{ids}）的情况下到达接驳点：{err.text('zh')}",
        ) from err
    drive = rc.drive(net, stops)
    time_cost = rc.time
    if time_cost is None:
        time_cost = float((drive.fracs * w_truck.free[drive.arcs]).sum()) if drive.arcs.size else 0.0
    inside_cost = float((drive.fracs * zs.inside_ds[drive.arcs]).sum()) if drive.arcs.size else 0.0
    costs = {
        "free": float(rc.free_cost),
        "avoid": None if rc.avoid_cost is None else float(rc.avoid_cost),
        "chosen": time_cost,
        "inside": inside_cost,
        "rule": float(drive.cost),
        "penalty": rc.penalty,
    }
    explanation, more = explain_choice(
        rc, zs, inside_cost=inside_cost, closed_loop=closed_loop, max_detour_ratio=max_detour_ratio
    )
    warnings.extend(more)
    for t in transshipments:
        end_zh = "终点" if t.trans.end == "destination" else "起点"
        explanation += Text(
            f" The {t.trans.end} lies inside {t.trans.risk} zone {t.trans.zone_id}: goods are handed over "
            f"at the {'planned ' if t.trans.planned else ''}docking point {t.trans.docking_point}, the one "
            "with the fastest whole chain (truck + inside vehicle); the truck does not enter the zone.",
            zh=f"{end_zh}位于{risk_zh(t.trans.risk)} {t.trans.zone_id} 内：货物在{'规划的' if t.trans.planned else ''}"
            f"接驳点 {t.trans.docking_point} 交接，这是全程（货车 + 区内车辆）最快的接驳点；货车不进入该区域。",
        )
        if t.note:
            explanation += Text(f" {t.note[0].upper()}{t.note[1:]}.", zh=f"{getattr(t.note, 'zh', t.note)}。")
            warnings.append(t.note)
        warnings.append(
            Text(
                f"transshipment at {t.trans.docking_point} ({t.trans.zone_id}): an inside vehicle carries "
                f"the {t.trans.end} leg",
                zh=f"在 {t.trans.docking_point}（{t.trans.zone_id}）接驳：{end_zh}一段由区内车辆运送",
            )
        )
        if t.off_zone_m > 0:
            warnings.append(
                Text(
                    f"the inside vehicle drives {t.off_zone_m:,.0f} m off zone {t.trans.zone_id}'s own roads: they do "
                    f"not connect the docking point and the {t.trans.end}",
                    zh=f"区内车辆需在区域 {t.trans.zone_id} 自身道路以外行驶 {t.off_zone_m:,.0f} 米：区内道路不连通接驳点与"
                    + ("终点" if t.trans.end == "destination" else "起点"),
                )
            )
    piece = rc.single_piece
    if piece is not None:  # the compiled pass that found the parts also found where the legs split
        legs = split_legs_known(piece[0], *piece[2:])
    else:
        legs = (
            split_legs(router.main_road_mask, drive.arcs, drive.points, drive.part_len(net), drive.part_time(net))
            if drive.arcs.size
            else []
        )
    legs = ([inside_before] if inside_before else []) + legs + ([inside_after] if inside_after else [])
    # one pair with no repeated point and no inside leg: the legs join back into the drive's points
    coordinates = piece[2] if piece is not None and piece[0].size and not transshipments and piece[6][-1] == 0 else None
    route = _result(
        index,
        zs,
        o,
        d,
        stops,
        legs,
        drive,
        drive,
        [t.trans for t in transshipments],
        rc.choice,
        closed_loop,
        warnings,
        explanation,
        costs,
        snapped,
        snap_line,
        truck=True,
        coordinates=coordinates,
    )
    if transshipments:
        # the whole chain against a truck driving in directly by the closed-loop rule (the handover time is on
        # both sides): the answer says which is faster, and why the chain is taken when it is not
        try:
            direct: float | None = closed_loop_route(
                router,
                origin,
                destination,
                zones=zones,
                waypoints=waypoints,
                vehicle=vehicle,
                departure=departure,
                max_detour_ratio=max_detour_ratio,
                closed_arcs=closed_arcs,
                docking_points=docking_points,
                destination_whitelisted=destination_whitelisted or d_zone is not None,
                origin_whitelisted=origin_whitelisted or o_zone is not None,
            ).travel_time_s
        except NoRouteError:
            direct = None
        route.costs["direct_s"] = direct
        line = chain_text(route.travel_time_s, direct, [t.trans for t in transshipments])
        zh = getattr(route.explanation, "zh", route.explanation)
        route.explanation = Text(f"{route.explanation} {line.en}", zh=f"{zh} {line.zh}")
        if direct is not None and route.travel_time_s > direct + CHAIN_SLACK_S:
            route.warnings.append(line)
    return route


#: seconds of rounding the whole chain may exceed the direct drive by and still count as no slower
CHAIN_SLACK_S = 0.5


def chain_text(chain_s: float, direct_s: float | None, transshipments: list[Transshipment]) -> Text:
    """The line of the explanation that compares the whole chain with a truck driving in directly."""
    zones_en = ", ".join(f"{t.risk} zone {t.zone_id}" for t in transshipments)
    zones_zh = "、".join(f"{risk_zh(t.risk)} {t.zone_id}" for t in transshipments)
    if direct_s is None:
        return Text(
            f"The whole chain takes {chain_s:,.0f} s; no truck could drive in directly.",
            zh=f"全程（卡车 + 区内车辆）用时 {chain_s:,.0f} 秒；卡车无法直接驶入。",
        )
    if chain_s <= direct_s + CHAIN_SLACK_S:
        return Text(
            f"The whole chain (truck + inside vehicle) takes {chain_s:,.0f} s, no slower than a truck driving "
            f"in directly by the closed-loop rule ({direct_s:,.0f} s).",
            zh=f"全程（卡车 + 区内车辆）用时 {chain_s:,.0f} 秒，不慢于卡车按闭环规则直接驶入（{direct_s:,.0f} 秒）。",
        )
    return Text(
        f"The whole chain (truck + inside vehicle) takes {chain_s:,.0f} s, {chain_s - direct_s:,.0f} s more than "
        f"a truck driving in directly by the closed-loop rule ({direct_s:,.0f} s): a truck may not stop inside "
        f"{zones_en}, so the goods are handed over at its boundary.",
        zh=f"全程（卡车 + 区内车辆）用时 {chain_s:,.0f} 秒，比卡车按闭环规则直接驶入（{direct_s:,.0f} 秒）多 "
        f"{chain_s - direct_s:,.0f} 秒：卡车不得在{zones_zh}内停靠，货物在边界交接。",
    )


def _join(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenate consecutive legs' coordinates (each leg starts where the previous ended)."""
    rows = [p for p in parts if len(p)]
    if not rows:
        return np.zeros((0, 2))
    out = [rows[0]]
    for prev, coords in zip(rows[:-1], rows[1:]):
        out.append(coords[1:] if (coords[0] == prev[-1]).all() else coords)
    joined = out[0] if len(out) == 1 else np.concatenate(out)
    return np.repeat(joined, 2, axis=0) if len(joined) == 1 else joined


def _result(
    index: FreightIndex,
    zs: ZoneSet,
    o: Snap,
    d: Snap,
    stops: list[Snap],
    legs: list[Leg],
    drive: Drive,
    truck_drive: Drive,
    transshipments: list[Transshipment],
    choice: str,
    closed_loop: bool,
    warnings: list[str],
    explanation: str,
    costs: dict,
    snapped: list[StopSnap],
    snap_line: Text,
    *,
    truck: bool,
    coordinates: np.ndarray | None = None,
) -> FreightRoute:
    net = index.network
    zh = getattr(explanation, "zh", explanation)
    explanation = Text(f"{explanation} {snap_line.en}", zh=f"{zh} {snap_line.zh}")
    crossings = zone_crossings(index, zs, truck_drive) if truck else []
    truck_len = float(truck_drive.part_len(net).sum()) if truck else 0.0
    truck_time = float(truck_drive.part_time(net).sum()) if truck else 0.0
    inside_legs = [leg for leg in legs if leg.kind == "inside"]
    truck_coords = [leg.coordinates for leg in legs if leg.kind != "inside"] if truck else []
    return FreightRoute(
        origin=[o.lon, o.lat],
        destination=[d.lon, d.lat],
        snapped_origin=[stops[0].snapped_lon, stops[0].snapped_lat],
        snapped_destination=[stops[-1].snapped_lon, stops[-1].snapped_lat],
        stops=[[s.snapped_lon, s.snapped_lat] for s in stops],
        legs=legs,
        zones_crossed=crossings,
        transshipments=transshipments,
        length_m=truck_len + sum(leg.length_m for leg in inside_legs),
        travel_time_s=truck_time + sum(leg.travel_time_s for leg in inside_legs),
        truck_length_m=truck_len,
        truck_travel_time_s=truck_time,
        time_inside_s=float(sum(c.time_inside_s for c in crossings if c.risk in ("sealed", "controlled"))),
        coordinates=coordinates
        if coordinates is not None
        else _join(truck_coords)
        if truck_coords
        else dedupe((truck_drive if truck else drive).points),
        arcs=truck_drive.arcs if truck else np.zeros(0, dtype=np.int64),
        choice=choice,
        closed_loop_delivery=closed_loop,
        warnings=warnings,
        explanation=explanation,
        costs=costs,
        snaps=snapped,
    )

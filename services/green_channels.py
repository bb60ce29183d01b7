"""Green channels: protected point-to-point corridors from a rail/coach hub inside an emergency area to a hub outside.

The corridor is the fastest legal truck route under the closures in force when it is created;
its arcs are stored, a closure touching it goes up one approval level (:mod:`routing.closures`),
and the city map shows it (:mod:`services.layers`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from geo.errors import InvalidInputError
from geo.sites import HUB_KINDS
from routing.engine import FORBIDDEN
from services import closures, zones
from services.context import AppContext
from store import closures as store
from store import sites
from store.db import aware, dumps, new_id, utcnow
from store.models import GreenChannelRow
from store.routes import line_geojson

ORIGIN_KINDS = ("hub_rail", "hub_coach")


def channel_json(row: GreenChannelRow) -> dict[str, Any]:
    """A green channel (the ``GreenChannelPublic`` shape)."""
    return {
        "id": row.id,
        "name": row.name,
        "origin_site_id": row.origin_site_id,
        "destination_site_id": row.destination_site_id,
        "zone_ids": json.loads(row.zone_ids),
        "length_m": round(row.length_m, 1),
        "travel_time_s": round(row.travel_time_s, 1),
        "arc_count": len(json.loads(row.arcs)),
        "geometry": json.loads(row.geometry),
        "created_at": aware(row.created_at),
        "created_by": row.created_by,
    }


def create_green_channel(
    ctx: AppContext,
    session: Session,
    origin_site_id: str,
    destination_site_id: str,
    *,
    name: str | None,
    created_by: str | None,
) -> dict[str, Any]:
    """Define a green channel between two stored hubs and store its corridor.

    Raises
    ------
    NotFoundError
        An unknown site id.
    InvalidInputError
        The origin is not a rail/coach hub inside an active zone, or the destination is not a hub
        outside every active zone.
    """
    origin = sites.get_site(session, origin_site_id)
    destination = sites.get_site(session, destination_site_id)
    if origin.kind not in ORIGIN_KINDS:
        raise InvalidInputError(
            f"origin site {origin.id!r} is a {origin.kind!r}; a green channel starts at one of {list(ORIGIN_KINDS)}",
            zh=f"起点站点 {origin.id!r} 的类型为 {origin.kind!r}；绿色通道应从 {list(ORIGIN_KINDS)} 之一出发",
        )
    if destination.kind not in HUB_KINDS:
        raise InvalidInputError(
            f"destination site {destination.id!r} is a {destination.kind!r}; expected one of {sorted(HUB_KINDS)}",
            zh=f"终点站点 {destination.id!r} 的类型为 {destination.kind!r}；应为 {sorted(HUB_KINDS)} 之一",
        )
    if origin.id == destination.id:
        raise InvalidInputError(
            "`origin_site_id` and `destination_site_id` are the same site",
            zh="`origin_site_id` 与 `destination_site_id` 是同一个站点",
        )
    now = datetime.now(UTC)
    active = zones.list_zones(session, active_at=now)
    inside = [z.id for z in active if z.contains(*origin.point)]
    if not inside:
        raise InvalidInputError(
            f"origin hub {origin.id!r} at {list(origin.point)} is not inside any active emergency "
            "zone; green channels serve stations inside an emergency area",
            zh=f"起点枢纽 {origin.id!r}（{list(origin.point)}）不在任何生效的应急管理区域内；绿色通道服务于应急管理地区内的站点",
        )
    outside = [z.id for z in active if z.contains(*destination.point)]
    if outside:
        raise InvalidInputError(
            f"destination hub {destination.id!r} lies inside emergency zone(s) {outside}; "
            "pick a hub outside the emergency area",
            zh=f"终点枢纽 {destination.id!r} 位于应急管理区域 {outside} 内；请选择应急管理地区以外的枢纽",
        )
    road_router = ctx.road_router
    weights = road_router.truck_weights.copy()
    closed = closures.closed_arcs(ctx, now)
    if closed.size:
        weights[closed] = FORBIDDEN
    o = road_router.snap(list(origin.point), field_name="origin site")
    d = road_router.snap(list(destination.point), field_name="destination site")
    plan = road_router.plan(o, d, weights, slot="green-channel")
    row = GreenChannelRow(
        id=new_id("green"),
        name=name or f"{origin.name} -> {destination.name}",
        origin_site_id=origin.id,
        destination_site_id=destination.id,
        zone_ids=dumps(inside),
        arcs=dumps(np.asarray(plan.arcs).tolist()),
        geometry=dumps(line_geojson(plan.coordinates)),
        length_m=plan.length_m,
        travel_time_s=plan.travel_time_s,
        network=ctx.network.source,
        created_at=utcnow(),
        created_by=created_by,
    )
    return channel_json(store.add_green_channel(session, row))


def list_green_channels(session: Session) -> list[dict[str, Any]]:
    return [channel_json(r) for r in store.list_green_channel_rows(session)]


def get_green_channel(session: Session, channel_id: str) -> dict[str, Any]:
    return channel_json(store.get_green_channel_row(session, channel_id))

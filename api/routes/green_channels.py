"""Green channels: protected point-to-point corridors from a rail/coach hub inside an emergency area to a hub outside.

The corridor is the fastest legal truck route under the closures in force
when it is created; its arcs are stored, closures touching it escalate one
approval level (``routing.closures``), and the map shows it (the layer comes
from ``api.routes.closures.map_layers``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
from fastapi import APIRouter, status
from sqlalchemy import select

from api import crud
from api.db import dumps, new_id, utcnow
from api.deps import PlannerUser, SessionDep, StateDep
from api.models_closures import GreenChannelRow
from api.routes.closures import closed_arcs
from api.schemas_closures import GreenChannelCreate, GreenChannelPublic, GreenChannelsPublic
from geo.errors import InvalidInputError, NotFoundError
from geo.sites import HUB_KINDS
from routing.engine import FORBIDDEN

router = APIRouter(prefix="/green-channels", tags=["green-channels"])
ORIGIN_KINDS = ("hub_rail", "hub_coach")


def _public(row: GreenChannelRow) -> dict:
    return {"id": row.id, "name": row.name, "origin_site_id": row.origin_site_id,
            "destination_site_id": row.destination_site_id, "zone_ids": json.loads(row.zone_ids),
            "length_m": round(row.length_m, 1), "travel_time_s": round(row.travel_time_s, 1),
            "arc_count": len(json.loads(row.arcs)), "geometry": json.loads(row.geometry),
            "created_at": row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC),
            "created_by": row.created_by}


@router.post("", response_model=GreenChannelPublic, status_code=status.HTTP_201_CREATED)
def create_green_channel(body: GreenChannelCreate, state: StateDep, session: SessionDep, user: PlannerUser) -> dict:
    """Define a green channel between two stored hubs (by site id) and store its corridor."""
    origin = crud.get_site(session, body.origin_site_id)
    destination = crud.get_site(session, body.destination_site_id)
    if origin.kind not in ORIGIN_KINDS:
        raise InvalidInputError(f"origin site {origin.id!r} is a {origin.kind!r}; a green channel starts at one of "
                                f"{list(ORIGIN_KINDS)}")
    if destination.kind not in HUB_KINDS:
        raise InvalidInputError(f"destination site {destination.id!r} is a {destination.kind!r}; expected one of "
                                f"{sorted(HUB_KINDS)}")
    if origin.id == destination.id:
        raise InvalidInputError("`origin_site_id` and `destination_site_id` are the same site")
    now = datetime.now(UTC)
    zones = crud.list_zones(session, active_at=now)
    inside = [z.id for z in zones if z.contains(*origin.point)]
    if not inside:
        raise InvalidInputError(f"origin hub {origin.id!r} at {list(origin.point)} is not inside any active emergency "
                                "zone; green channels serve stations inside an emergency area")
    outside = [z.id for z in zones if z.contains(*destination.point)]
    if outside:
        raise InvalidInputError(f"destination hub {destination.id!r} lies inside emergency zone(s) {outside}; "
                                "pick a hub outside the emergency area")
    router_ = state.router
    weights = router_.truck_weights.copy()
    closed = closed_arcs(state, session, now)
    if closed.size:
        weights[closed] = FORBIDDEN
    o = router_.snap(list(origin.point), field_name="origin site")
    d = router_.snap(list(destination.point), field_name="destination site")
    plan = router_.plan(o, d, weights, role="green-channel")
    row = GreenChannelRow(
        id=new_id("green"), name=body.name or f"{origin.name} -> {destination.name}", origin_site_id=origin.id,
        destination_site_id=destination.id, zone_ids=dumps(inside), arcs=dumps(np.asarray(plan.arcs).tolist()),
        geometry=dumps({"type": "LineString", "coordinates": np.round(plan.coordinates, 7).tolist()}),
        length_m=plan.length_m, travel_time_s=plan.travel_time_s, network=state.network.source,
        created_at=utcnow(), created_by=user.name,
    )
    session.add(row)
    session.commit()
    return _public(row)


@router.get("", response_model=GreenChannelsPublic)
def list_green_channels(session: SessionDep) -> dict:
    rows = session.scalars(select(GreenChannelRow).order_by(GreenChannelRow.created_at)).all()
    return {"data": [_public(r) for r in rows], "count": len(rows)}


@router.get("/{channel_id}", response_model=GreenChannelPublic)
def get_green_channel(channel_id: str, session: SessionDep) -> dict:
    row = session.get(GreenChannelRow, channel_id)
    if row is None:
        raise NotFoundError(f"no green channel with id {channel_id!r}")
    return _public(row)

"""Green channels: protected point-to-point corridors from a rail/coach hub inside an emergency area to a hub outside."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.deps import ContextDep, PlannerUser, SessionDep
from api.schemas.closures import GreenChannelCreate, GreenChannelPublic, GreenChannelsPublic
from services import green_channels

router = APIRouter(prefix="/green-channels", tags=["green-channels"])


@router.post("", response_model=GreenChannelPublic, status_code=status.HTTP_201_CREATED)
def create_green_channel(
    body: GreenChannelCreate, ctx: ContextDep, session: SessionDep, user: PlannerUser
) -> dict[str, Any]:
    """Define a green channel between two stored hubs (by site id) and store its corridor."""
    return green_channels.create_green_channel(
        ctx, session, body.origin_site_id, body.destination_site_id, name=body.name, created_by=user.name
    )


@router.get("", response_model=GreenChannelsPublic)
def list_green_channels(session: SessionDep) -> dict[str, Any]:
    data = green_channels.list_green_channels(session)
    return {"data": data, "count": len(data)}


@router.get("/{channel_id}", response_model=GreenChannelPublic)
def get_green_channel(channel_id: str, session: SessionDep) -> dict[str, Any]:
    return green_channels.get_green_channel(session, channel_id)

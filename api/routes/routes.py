"""Closed-loop truck routes through emergency zones (dispatcher and planner)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, status

from api.deps import ContextDep, DispatcherUser, RouteReader, SessionDep
from api.schemas.routes import RouteCreate, RoutePublic
from routing.router import Vehicle
from services import routes
from services.routes import RouteRequest

router = APIRouter(prefix="/routes", tags=["routes"])


def route_request(body: RouteCreate) -> RouteRequest:
    """The use case's request from the API's body."""
    return RouteRequest(
        origin=body.origin,
        destination=body.destination,
        waypoints=body.waypoints,
        departure=body.departure,
        vehicle=Vehicle(**body.vehicle.model_dump()) if body.vehicle else None,
        max_detour_ratio=body.max_detour_ratio,
        destination_site_id=body.destination_site_id,
        origin_site_id=body.origin_site_id,
        crs=body.crs,
    )


@router.post(
    "",
    response_model=RoutePublic,
    status_code=status.HTTP_201_CREATED,
    responses={422: {"description": "bad input, a waypoint inside a zone, or no legal route"}},
)
async def create_route(body: RouteCreate, ctx: ContextDep, session: SessionDep, user: DispatcherUser) -> dict[str, Any]:
    """Compute and store a closed-loop truck route through the zones active at ``departure``.

    Sealed and controlled zones may be passed through, never stopped in: a
    zone-avoiding route is taken when it is within ``max_detour_ratio`` of the
    fastest; otherwise the route minimises time inside zones, then total time.
    A destination (origin) inside a sealed zone becomes a transshipment at a
    docking point, or a closed-loop delivery for a whitelist enterprise's site.
    Approved hard-barrier closures in force at ``departure`` are not driven.
    """
    # A route is a few milliseconds of CPU and indexed reads: computed on the event loop, which in a
    # CPU-bound process is faster than a thread fighting the loop for the GIL.  The row is stored by
    # the group-commit writer and the answer waits for its commit.
    record = routes.plan_route(ctx, session, route_request(body))
    await asyncio.wrap_future(routes.save_route(ctx, record, user=user))
    return record.public_json()


@router.get("/{route_id}", response_model=RoutePublic)
def get_route(route_id: str, session: SessionDep, user: RouteReader) -> dict[str, Any]:
    """A stored route (planner, dispatcher; a dispatcher bound to an enterprise: that enterprise's routes)."""
    return routes.get_route(session, route_id, user=user).public_json()

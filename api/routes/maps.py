"""Map views: the city map with every layer, one route's map."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api import pages
from api.deps import ContextDep, OptionalUser, RouteReader, SessionDep
from services import layers

router = APIRouter(tags=["maps"])


@router.get("/map", response_class=HTMLResponse)
def city_map(ctx: ContextDep, session: SessionDep, user: OptionalUser) -> HTMLResponse:
    """The city map.  Public: zones by risk and closures.  With a bureau role's token every layer: sites,
    stored routes, plans, docking and drop points, closures with their impact, green channels and the last
    day's checkpoint scans."""
    return pages.map_page(layers.city_map(ctx, session, viewer=user), ctx.settings)


@router.get("/routes/{route_id}/map", response_class=HTMLResponse)
def route_map(route_id: str, ctx: ContextDep, session: SessionDep, user: RouteReader) -> HTMLResponse:
    """One route: legs in different styles, the zones it meets, entry and exit markers (as ``GET /routes/{id}``)."""
    route, zones = layers.route_map(session, route_id, user=user)
    return pages.route_page(route, zones, ctx.settings)

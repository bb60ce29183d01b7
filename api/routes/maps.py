"""Map views: the city map with every layer, one route's map."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api import pages
from api.deps import ContextDep, OptionalUser, SessionDep, web_session
from services import layers

router = APIRouter(tags=["maps"])


@router.get("/map", response_class=HTMLResponse)
def city_map(request: Request, ctx: ContextDep, session: SessionDep, user: OptionalUser) -> HTMLResponse:
    """The city map over the offline basemap: zones by risk, sites by kind, stored routes, plans, docking and
    drop points, closures, green channels and the last day's checkpoint scans (public, like its layers)."""
    content = layers.city_map(ctx, session)
    return pages.map_page(request, ctx, content, user=user, session=web_session(request, ctx))


@router.get("/routes/{route_id}/map", response_class=HTMLResponse)
def route_map(
    request: Request, route_id: str, ctx: ContextDep, session: SessionDep, user: OptionalUser
) -> HTMLResponse:
    """One route: legs in different styles, the zones it meets, entry and exit markers."""
    route, zones = layers.route_map(session, route_id)
    return pages.route_page(request, ctx, route, zones, user=user, session=web_session(request, ctx))

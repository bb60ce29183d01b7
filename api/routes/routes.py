"""Closed-loop truck routes through emergency zones (dispatcher and planner)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from api.deps import ContextDep, DispatcherUser, RouteReader, SessionDep
from api.i18n import asked_lang
from api.paging import Cursor, Limit, next_url
from api.schemas.common import IsoDateTime
from api.schemas.routes import RouteCreate, RoutePublic, RoutesPublic, RouteSummaryPublic
from routing.router import Vehicle
from services import lists, routes
from services.context import AppContext
from services.routes import RouteRequest
from store.routes import DEFAULT_TOLERANCE_M, MAX_TOLERANCE_M, MIN_TOLERANCE_M, AnswerGeometry
from store.users import Principal

router = APIRouter(prefix="/routes", tags=["routes"])


def answer_geometry(
    geometry: Literal["full", "simplified", "polyline"] = Query(
        default="full",
        description="full: GeoJSON LineStrings of every point (as stored); simplified: GeoJSON LineStrings "
        "simplified (Douglas-Peucker) to `tolerance_m`; polyline: in place of each LineString "
        '`{"type": "EncodedPolyline", "precision": 6, "polyline": "..."}` (Google\'s encoding, lat/lng order)',
    ),
    tolerance_m: float = Query(
        default=DEFAULT_TOLERANCE_M,
        ge=MIN_TOLERANCE_M,
        le=MAX_TOLERANCE_M,
        description="for `geometry=simplified`: the largest distance in metres from a point of the full line "
        "to the simplified one",
    ),
) -> AnswerGeometry:
    """How the answer writes the route's and its legs' lines (the stored route keeps every point)."""
    return AnswerGeometry(geometry, tolerance_m)


GeometryDep = Annotated[AnswerGeometry, Depends(answer_geometry)]


def route_response(body: bytes, status_code: int = status.HTTP_200_OK) -> Response:
    """A route's answer: the JSON bytes of :meth:`~store.routes.RouteRecord.public_bytes`.

    They have the shape of ``RoutePublic`` (the schema stays the documented answer), serialised once by
    orjson from the record's arrays: a route of thousands of points is not validated again point by point
    by the response model.
    """
    return Response(content=body, status_code=status_code, media_type="application/json")


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
async def create_route(
    body: RouteCreate, request: Request, ctx: ContextDep, user: DispatcherUser, geometry: GeometryDep
) -> Response:
    """Compute and store a closed-loop truck route through the zones active at ``departure``.

    Sealed and controlled zones may be passed through, never stopped in: a
    zone-avoiding route is taken when it is within ``max_detour_ratio`` of the
    fastest; otherwise the route minimises time inside zones, then total time.
    A destination (origin) inside a sealed zone becomes a transshipment at a
    docking point, or a closed-loop delivery for a whitelist enterprise's site.
    Approved hard-barrier closures in force at ``departure`` are not driven.
    ``?geometry=simplified|polyline`` shortens the answer's lines (the stored route keeps every point).
    """
    # A route is usually a few milliseconds, but many zones or closures make it seconds: it is computed in
    # the process's bounded compute pool, so checkpoint scans on the event loop never wait for it.  The
    # row is stored by the group-commit writer and the answer waits for its commit.
    loop = asyncio.get_running_loop()
    answer, committed = await loop.run_in_executor(
        ctx.compute, _plan_and_store, ctx, route_request(body), user, asked_lang(request), geometry
    )
    await asyncio.wrap_future(committed)
    return route_response(answer, status.HTTP_201_CREATED)


def _plan_and_store(
    ctx: AppContext, request: RouteRequest, user: Principal, lang: str | None, geometry: AnswerGeometry
) -> tuple[bytes, concurrent.futures.Future[None]]:
    """In the compute pool: the route planned and queued for the writer, then the answer's bytes, serialised
    while the writer commits (the answer is sent only once the commit has resolved the future)."""
    with ctx.sessions() as session:
        record = routes.plan_route(ctx, session, request)
    committed = routes.save_route(ctx, record, user=user)
    return record.public_bytes(lang, geometry=geometry), committed


@router.get("", response_model=RoutesPublic)
def list_routes(
    request: Request,
    session: SessionDep,
    user: DispatcherUser,
    created_by: str | None = Query(default=None, max_length=100, description="the user who asked for the route"),
    created_from: IsoDateTime | None = Query(default=None),
    created_until: IsoDateTime | None = Query(default=None),
    enterprise_id: str | None = Query(default=None, max_length=40, description="routes made by its users"),
    cursor: Cursor = None,
    limit: Limit = 50,
) -> RoutesPublic:
    """Stored routes, newest first, paged (``data``, ``count``, ``next``).  A dispatcher bound to an
    enterprise sees the routes made by its enterprise's users."""
    filters = lists.RouteFilters(created_by, created_from, created_until, enterprise_id)
    page = lists.list_routes(session, filters, user=user, cursor=cursor, limit=limit)
    return RoutesPublic(
        data=[RouteSummaryPublic(**r) for r in page.rows], count=page.count, next=next_url(request, page.next_cursor)
    )


@router.get("/{route_id}", response_model=RoutePublic)
def get_route(
    route_id: str, request: Request, session: SessionDep, user: RouteReader, geometry: GeometryDep
) -> Response:
    """A stored route (planner, dispatcher; a dispatcher bound to an enterprise: that enterprise's routes).

    Its warnings and explanation are in Chinese for a client that asked for Chinese, else in English;
    ``?geometry=`` as for ``POST /routes``.
    """
    record = routes.get_route(session, route_id, user=user)
    return route_response(record.public_bytes(asked_lang(request), geometry=geometry))

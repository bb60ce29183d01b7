"""Road closures: county requests, rule decisions, impact, approval, and the WZDx feed."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, status

from api.deps import ApproverUser, BureauReader, ContextDep, CountyUser, OptionalUser, SessionDep
from api.i18n import asked_lang, page_lang
from api.paging import Cursor, Limit, export_response, export_responses, next_url
from api.schemas.closures import (
    ClosureCreate,
    ClosureDecisionIn,
    ClosurePreview,
    ClosurePublic,
    ClosuresPublic,
    RoadAt,
)
from api.schemas.common import Crs, IsoDateTime
from services import closures, exports, lists
from services.closures import ClosureRequest

router = APIRouter(prefix="/closures", tags=["closures"])


def closure_request(body: ClosureCreate) -> ClosureRequest:
    """The use case's request from the API's body."""
    return ClosureRequest(
        county_code=body.county_code,
        mode=body.mode,
        direction=body.direction,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        reason=body.reason,
        way_ids=body.way_ids,
        geometry_type=body.geometry.type if body.geometry is not None else None,
        coordinates=body.geometry.coordinates if body.geometry is not None else None,
        buffer_m=body.buffer_m,
        crs=body.crs,
    )


@router.post("", response_model=ClosurePublic, status_code=status.HTTP_201_CREATED)
def create_closure(
    body: ClosureCreate, request: Request, ctx: ContextDep, session: SessionDep, user: CountyUser
) -> dict[str, Any]:
    """File a closure request; the rules decide at once (``decision`` with every rule id and the impact).

    ``rejected`` requests are stored as rejected; ``allowed`` ones are approved
    by the rules; the rest wait for a city or province approver.
    """
    filed = closures.file_closure(ctx, session, closure_request(body), user=user)
    return closures.closure_in_lang(filed, asked_lang(request))


@router.post("/preview", response_model=ClosurePreview)
def preview_closure(body: ClosureCreate, ctx: ContextDep, session: SessionDep, user: CountyUser) -> dict[str, Any]:
    """What filing this request would give -- the status, the rules' decision with every rule id, the blocking
    reasons, the matched roads and the impact -- storing nothing (the same checks and errors as filing)."""
    return closures.preview_closure(ctx, session, closure_request(body))


@router.get("/road-at", response_model=RoadAt)
def road_at(
    ctx: ContextDep,
    user: BureauReader,
    lon: float = Query(ge=-180, le=180),
    lat: float = Query(ge=-90, le=90),
    crs: Crs = "wgs84",
) -> dict[str, Any]:
    """The OSM way of the truck network under a point (a click on the map), with its name, ref and grade:
    what a county picks to close.  404-like 422 when no road is within the snap limit."""
    return closures.road_at(ctx, lon, lat, crs=crs)


@router.get("", response_model=ClosuresPublic, responses=export_responses("geojson", "kml", json_model=ClosuresPublic))
def list_closures(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    user: OptionalUser,
    status_: str | None = Query(default=None, alias="status"),
    county_code: str | None = Query(default=None, max_length=12),
    active_at: IsoDateTime | None = Query(default=None),
    format: Literal["json", "geojson", "kml"] = Query(
        default="json", description="json: a page; geojson, kml: every match"
    ),
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Any:
    """Closures, newest first, paged (``data``, ``count``, ``next``); ``?status=pending|approved|rejected``,
    ``?county_code=``, ``?active_at=`` (approved and in force then); or every match as GeoJSON / KML (the matched
    roads with the decision).  Public, like the map and the WZDx feed."""
    filters = lists.ClosureFilters(status_, county_code, active_at)
    if format != "json":
        return export_response(exports.export_closures(ctx, filters, user=user, fmt=format, lang=page_lang(request)))
    page = lists.list_closures(session, filters, user=user, cursor=cursor, limit=limit)
    return {"data": page.rows, "count": page.count, "next": next_url(request, page.next_cursor)}


@router.get("/feed")
def closure_feed(ctx: ContextDep, session: SessionDep) -> dict[str, Any]:
    """Approved closures that have not ended, as a WZDx 4.2 work-zone feed (GeoJSON road events)."""
    return closures.closure_feed(ctx, session)


@router.get("/{closure_id}", response_model=ClosurePublic)
def get_closure(closure_id: str, request: Request, session: SessionDep, user: OptionalUser) -> dict[str, Any]:
    """A closure; public, with its impact, blocking reasons and the officials' names for the bureau's roles.

    Its reasons read in Chinese for a client that asked for Chinese, else in English."""
    return closures.closure_in_lang(closures.get_closure(session, closure_id, viewer=user), asked_lang(request))


@router.get("/{closure_id}/impact")
def closure_impact(
    request: Request, closure_id: str, ctx: ContextDep, session: SessionDep, user: BureauReader
) -> dict[str, Any]:
    """The closure's impact recomputed now (current sites, green channels, stored routes and passes): the
    bureau's roles only (it names passes and plates on the closed road); its notes in the asked language."""
    impact = closures.closure_impact(ctx, session, closure_id)
    if asked_lang(request) == "zh" and "notes_zh" in impact:
        impact["notes"] = impact["notes_zh"]
    return impact


@router.post("/{closure_id}/approve", response_model=ClosurePublic)
def approve_closure(
    closure_id: str, request: Request, session: SessionDep, user: ApproverUser, body: ClosureDecisionIn | None = None
) -> dict[str, Any]:
    """Approve a pending closure (province level: ``province_approver``; city level: either approver)."""
    approved = closures.approve_closure(session, closure_id, user=user, note=body.note if body else None)
    return closures.closure_in_lang(approved, asked_lang(request))


@router.post("/{closure_id}/reject", response_model=ClosurePublic)
def reject_closure(
    closure_id: str, request: Request, session: SessionDep, user: ApproverUser, body: ClosureDecisionIn | None = None
) -> dict[str, Any]:
    """Reject a pending closure (same levels as approval)."""
    rejected = closures.reject_closure(session, closure_id, user=user, note=body.note if body else None)
    return closures.closure_in_lang(rejected, asked_lang(request))

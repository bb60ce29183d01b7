"""Emergency zones (planner writes; reads are public)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, status

from api.deps import ContextDep, PlannerUser, SessionDep
from api.i18n import page_lang
from api.paging import export_response, export_responses
from api.schemas.zones import ZoneCreate, ZonePublic, ZonesPublic
from geo.zones import parse_time
from services import exports, zones

router = APIRouter(prefix="/zones", tags=["zones"])


@router.post("", response_model=ZonePublic, status_code=status.HTTP_201_CREATED)
def create_zone(body: ZoneCreate, ctx: ContextDep, session: SessionDep, user: PlannerUser) -> ZonePublic:
    """Store an emergency zone (GeoJSON Feature, ``properties.risk`` sealed / controlled / precaution)."""
    zone = zones.create_zone(
        ctx, session, body.model_dump(mode="json", exclude={"crs"}), crs=body.crs, created_by=user.name
    )
    return ZonePublic(**zone.to_feature())


@router.get("", response_model=ZonesPublic, responses=export_responses("geojson", "kml", json_model=ZonesPublic))
def list_zones(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    active_at: str | None = Query(default=None, description="ISO 8601 date-time, e.g. 2026-11-26T08:00:00Z"),
    format: Literal["json", "geojson", "kml"] | None = Query(
        default=None, description="geojson, kml: a download of every zone (times in the bureau's zone)"
    ),
) -> Any:
    """All zones as a FeatureCollection; ``?active_at=`` keeps those in force at that time; ``format=geojson|kml``
    downloads them."""
    at = parse_time(active_at, "active_at") if active_at else None
    if format in ("geojson", "kml"):
        return export_response(exports.export_zones(ctx, active_at=at, fmt=format, lang=page_lang(request)))
    found = zones.list_zones(session, active_at=at)
    return ZonesPublic(features=[ZonePublic(**z.to_feature()) for z in found], count=len(found))


@router.get("/{zone_id}", response_model=ZonePublic)
def get_zone(zone_id: str, session: SessionDep) -> ZonePublic:
    return ZonePublic(**zones.get_zone(session, zone_id).to_feature())


@router.delete("/{zone_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_zone(zone_id: str, session: SessionDep, user: PlannerUser) -> None:
    """Lift a zone (kept in the history, no longer routed around)."""
    zones.delete_zone(session, zone_id, deleted_by=user.name)

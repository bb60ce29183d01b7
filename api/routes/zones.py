"""Emergency zones (planner writes; reads are public)."""

from __future__ import annotations

from fastapi import APIRouter, Query, status

from api.deps import ContextDep, PlannerUser, SessionDep
from api.schemas.common import IsoDateTime
from api.schemas.zones import ZoneCreate, ZonePublic, ZonesPublic
from services import zones

router = APIRouter(prefix="/zones", tags=["zones"])


@router.post("", response_model=ZonePublic, status_code=status.HTTP_201_CREATED)
def create_zone(body: ZoneCreate, ctx: ContextDep, session: SessionDep, user: PlannerUser) -> ZonePublic:
    """Store an emergency zone (GeoJSON Feature, ``properties.risk`` sealed / controlled / precaution)."""
    zone = zones.create_zone(
        ctx, session, body.model_dump(mode="json", exclude={"crs"}), crs=body.crs, created_by=user.name
    )
    return ZonePublic(**zone.to_feature())


@router.get("", response_model=ZonesPublic)
def list_zones(
    session: SessionDep,
    active_at: IsoDateTime | None = Query(default=None, description="ISO 8601 date-time, e.g. 2026-11-26T08:00:00Z"),
) -> ZonesPublic:
    """All zones as a FeatureCollection; ``?active_at=`` keeps those in force at that time."""
    found = zones.list_zones(session, active_at=active_at)
    return ZonesPublic(features=[ZonePublic(**z.to_feature()) for z in found], count=len(found))


@router.get("/{zone_id}", response_model=ZonePublic)
def get_zone(zone_id: str, session: SessionDep) -> ZonePublic:
    return ZonePublic(**zones.get_zone(session, zone_id).to_feature())


@router.delete("/{zone_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_zone(zone_id: str, session: SessionDep, user: PlannerUser) -> None:
    """Lift a zone (kept in the history, no longer routed around)."""
    zones.delete_zone(session, zone_id, deleted_by=user.name)

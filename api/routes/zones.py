"""Emergency zones (planner writes; reads are public)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from api.deps import ContextDep, PlannerUser, SessionDep, require
from api.schemas.zones import (
    ZoneChange,
    ZoneCreate,
    ZoneEdit,
    ZoneHistoryPublic,
    ZonePublic,
    ZonesPublic,
    ZoneVersionPublic,
)
from geo.zones import parse_time
from services import zones
from store.users import Principal

router = APIRouter(prefix="/zones", tags=["zones"])

#: Who reads a zone's history (it names the staff who changed it): the bureau's staff, not the public.
HistoryReader = Annotated[Principal, Depends(require("planner", "county", "city_approver", "province_approver"))]


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
    active_at: str | None = Query(default=None, description="ISO 8601 date-time, e.g. 2026-11-26T08:00:00Z"),
) -> ZonesPublic:
    """All zones as a FeatureCollection; ``?active_at=`` keeps those in force at that time."""
    found = zones.list_zones(session, active_at=parse_time(active_at, "active_at") if active_at else None)
    return ZonesPublic(features=[ZonePublic(**z.to_feature()) for z in found], count=len(found))


@router.get("/{zone_id}", response_model=ZonePublic)
def get_zone(zone_id: str, session: SessionDep) -> ZonePublic:
    return ZonePublic(**zones.get_zone(session, zone_id).to_feature())


@router.patch("/{zone_id}", response_model=ZonePublic)
def edit_zone(zone_id: str, body: ZoneEdit, ctx: ContextDep, session: SessionDep, user: PlannerUser) -> ZonePublic:
    """Edit a zone's outline and/or properties: stored as its next version (who, when, what changed),
    routed by from the next request on.  Send ``expected_version`` (the version shown) to get a 409
    rather than overwrite an edit made meanwhile."""
    zone = zones.edit_zone(
        ctx,
        session,
        zone_id,
        geometry=body.geometry.model_dump(mode="json") if body.geometry is not None else None,
        properties=body.properties.model_dump(mode="json", exclude_unset=True) if body.properties else None,
        crs=body.crs,
        expected_version=body.expected_version,
        reason=body.reason,
        changed_by=user.name,
    )
    return ZonePublic(**zone.to_feature())


@router.get("/{zone_id}/history", response_model=ZoneHistoryPublic)
def zone_history(zone_id: str, session: SessionDep, user: HistoryReader) -> ZoneHistoryPublic:
    """Every version of a zone, oldest first, each with the zone as it was after the change."""
    versions = zones.zone_history(session, zone_id)
    return ZoneHistoryPublic(
        zone_id=zone_id,
        current_version=versions[-1].zone.version,
        deleted=versions[-1].action == "delete",
        versions=[
            ZoneVersionPublic(
                version=v.zone.version,
                action=v.action,  # type: ignore[arg-type]  # create, update or delete, as stored
                changed_at=v.changed_at,
                changed_by=v.changed_by,
                reason=v.reason,
                changes=[ZoneChange.model_validate(c) for c in v.changes],
                feature=v.zone.to_feature(),
            )
            for v in versions
        ],
    )


@router.delete("/{zone_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_zone(
    zone_id: str,
    session: SessionDep,
    user: PlannerUser,
    expected_version: int | None = Query(default=None, ge=1, description="the version shown; another is a 409"),
) -> None:
    """Lift a zone (kept in the history, no longer routed around)."""
    zones.delete_zone(session, zone_id, deleted_by=user.name, expected_version=expected_version)

"""Emergency zones (planner writes; reads are public)."""

from __future__ import annotations

from fastapi import APIRouter, Query, status

from api import crud
from api.db import new_id
from api.deps import PlannerUser, SessionDep, StateDep
from api.schemas import ZoneCreate, ZonePublic, ZonesPublic
from geo.errors import InvalidZoneError
from geo.sites import within_bbox
from geo.zones import Zone, parse_time

router = APIRouter(prefix="/zones", tags=["zones"])


def validate_zone(state, body: ZoneCreate) -> Zone:
    """Build a :class:`Zone` from the request and check it lies on the network's area."""
    feature = body.model_dump(mode="json", exclude={"crs"})
    zone = Zone.from_feature(feature, id=new_id("zone"), crs=body.crs)
    margin = state.settings.bbox_margin_deg
    if not within_bbox(zone.geometry, state.network.bbox, margin_deg=margin):
        raise InvalidZoneError(
            f"`geometry` bounds {[round(v, 5) for v in zone.geometry.bounds]} are outside the network bbox "
            f"{[round(v, 5) for v in state.network.bbox]} (margin {margin}°)"
        )
    return zone


@router.post("", response_model=ZonePublic, status_code=status.HTTP_201_CREATED)
def create_zone(body: ZoneCreate, state: StateDep, session: SessionDep, user: PlannerUser) -> ZonePublic:
    """Store an emergency zone (GeoJSON Feature, ``properties.risk`` sealed / controlled / precaution)."""
    zone = validate_zone(state, body)
    stored = crud.add_zone(session, zone, created_by=user.name)
    return ZonePublic(**stored.to_feature())


@router.get("", response_model=ZonesPublic)
def list_zones(
    session: SessionDep,
    active_at: str | None = Query(default=None, description="ISO 8601 date-time, e.g. 2026-11-26T08:00:00Z"),
) -> ZonesPublic:
    """All zones as a FeatureCollection; ``?active_at=`` keeps those in force at that time."""
    zones = crud.list_zones(session, active_at=parse_time(active_at, "active_at") if active_at else None)
    return ZonesPublic(features=[ZonePublic(**z.to_feature()) for z in zones], count=len(zones))


@router.get("/{zone_id}", response_model=ZonePublic)
def get_zone(zone_id: str, session: SessionDep) -> ZonePublic:
    return ZonePublic(**crud.get_zone(session, zone_id).to_feature())


@router.delete("/{zone_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_zone(zone_id: str, session: SessionDep, user: PlannerUser) -> None:
    """Lift a zone (kept in the history, no longer routed around)."""
    crud.delete_zone(session, zone_id, deleted_by=user.name)

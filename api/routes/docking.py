"""Zone docking (handover, 接驳点) points."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.deps import ContextDep, PlannerUser, SessionDep, SiteLogisticsReader
from api.schemas.plans import DockingPointsCreate, DockingPointsPublic
from services import docking

router = APIRouter(prefix="/zones", tags=["plans"])


@router.post("/{zone_id}/docking-points", response_model=DockingPointsPublic, status_code=status.HTTP_201_CREATED)
def create_docking_points(
    zone_id: str, body: DockingPointsCreate, ctx: ContextDep, session: SessionDep, user: PlannerUser
) -> dict[str, Any]:
    """Choose ``k`` docking points where roads cross the zone boundary (replacing the zone's stored set).

    Each point is the outside end of a boundary-crossing road, reachable by truck from outside without
    entering the zone; the ``k`` chosen minimise the demand-weighted travel time *inside* the zone to its
    demand sites.
    """
    return docking.place_docking_points(
        ctx,
        session,
        zone_id,
        body.k,
        demand_ids=body.demand_ids,
        reference_site_id=body.reference_site_id,
        created_by=user.name,
    )


@router.get("/{zone_id}/docking-points", response_model=DockingPointsPublic)
def get_docking_points(zone_id: str, session: SessionDep, user: SiteLogisticsReader) -> dict[str, Any]:
    """A zone's stored docking points (the bureau's roles and dispatchers)."""
    return docking.get_docking_points(session, zone_id)

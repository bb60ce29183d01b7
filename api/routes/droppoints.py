"""Enterprise drop points (固定接收点)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.deps import ContextDep, DispatcherUser, SessionDep, SiteLogisticsReader
from api.schemas.plans import DropPointPublic
from services import droppoints

router = APIRouter(prefix="/sites", tags=["plans"])


@router.post("/{site_id}/drop-point", response_model=DropPointPublic, status_code=status.HTTP_201_CREATED)
def create_drop_point(site_id: str, ctx: ContextDep, session: SessionDep, user: DispatcherUser) -> dict[str, Any]:
    """The fixed contactless receiving point of an enterprise on its premises' perimeter.

    At an OSM gate/entrance on the perimeter when the extract has one, else the perimeter point closest
    to the best truck-usable approach road; with the approach route from the nearest (by travel time)
    stored candidate station, logistics hub or docking point.  Replaces the site's stored drop point.
    A dispatcher bound to an enterprise places only its own enterprise's drop point.
    """
    return droppoints.place_drop_point(ctx, session, site_id, user=user)


@router.get("/{site_id}/drop-point", response_model=DropPointPublic)
def get_drop_point(site_id: str, session: SessionDep, user: SiteLogisticsReader) -> dict[str, Any]:
    """A site's stored drop point (the bureau's roles and dispatchers)."""
    return droppoints.get_drop_point(session, site_id)

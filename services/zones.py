"""Emergency zones: create (checked against the network's area), list, read, lift; the live set for routing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from geo.errors import InvalidZoneError
from geo.sites import within_bbox
from geo.zones import Zone
from services.context import AppContext
from store import zones as store
from store.db import new_id


def validate_zone(ctx: AppContext, feature: dict[str, Any], *, crs: str) -> Zone:
    """A :class:`Zone` from a GeoJSON Feature, checked to lie on the network's area.

    Raises
    ------
    InvalidZoneError
        For an invalid polygon or properties, or one outside the network's bbox.
    """
    zone = Zone.from_feature(feature, id=new_id("zone"), crs=crs)
    margin = ctx.settings.bbox_margin_deg
    bbox = ctx.network.bbox
    if not within_bbox(zone.geometry, bbox, margin_deg=margin):
        raise InvalidZoneError(
            f"`geometry` bounds {[round(v, 5) for v in zone.geometry.bounds]} are outside the network bbox "
            f"{[round(v, 5) for v in bbox]} (margin {margin}°)"
        )
    return zone


def create_zone(
    ctx: AppContext, session: Session, feature: dict[str, Any], *, crs: str, created_by: str | None
) -> Zone:
    """Store an emergency zone; see :func:`validate_zone` for what is refused."""
    return store.add_zone(session, validate_zone(ctx, feature, crs=crs), created_by=created_by)


def list_zones(session: Session, *, active_at: datetime | None = None) -> list[Zone]:
    return store.list_zones(session, active_at=active_at)


def get_zone(session: Session, zone_id: str) -> Zone:
    return store.get_zone(session, zone_id)


def delete_zone(session: Session, zone_id: str, *, deleted_by: str | None) -> None:
    store.delete_zone(session, zone_id, deleted_by=deleted_by)


def live_zones(ctx: AppContext, session: Session, *, active_at: datetime | None = None) -> list[Zone]:
    """:func:`list_zones` for the hot path: the same zones in the same order, each parsed once per process.

    One lean query lists the live zones' ids; a zone's row never changes except to be deleted,
    so the parsed :class:`Zone` of an id seen before is reused and only new ids are read in full.
    """
    zones = ctx.zone_cache.zones(ctx.hot.live_zone_keys(), lambda ids: store.zones_by_id(session, ids))
    return [z for z in zones if z.active_at(active_at)] if active_at is not None else zones

"""Emergency zones: rows <-> :class:`geo.zones.Zone` (a zone row never changes except to be deleted)."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime

from shapely.geometry import mapping, shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.errors import NotFoundError
from geo.zones import Zone
from store.db import aware, dumps
from store.models import ZoneRow


def zone_from_row(row: ZoneRow) -> Zone:
    return Zone(
        id=row.id,
        name=row.name,
        risk=row.risk,
        geometry=shape(json.loads(row.geometry)),
        valid_from=aware(row.valid_from),
        valid_until=aware(row.valid_until),
        county_code=row.county_code,
        notes=json.loads(row.notes or "[]"),
        created_at=aware(row.created_at),
    )


def add_zone(session: Session, zone: Zone, *, created_by: str | None) -> Zone:
    """Store ``zone`` (committed) and return it as read back."""
    row = ZoneRow(
        id=zone.id,
        name=zone.name,
        risk=zone.risk,
        geometry=dumps(mapping(zone.geometry)),
        valid_from=zone.valid_from,
        valid_until=zone.valid_until,
        county_code=zone.county_code,
        notes=dumps(zone.notes),
        created_by=created_by,
    )
    session.add(row)
    session.commit()
    return zone_from_row(row)


def _live_row(session: Session, zone_id: str) -> ZoneRow:
    row = session.get(ZoneRow, zone_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(f"no zone with id {zone_id!r}")
    return row


def get_zone(session: Session, zone_id: str) -> Zone:
    """The zone ``zone_id``.

    Raises
    ------
    NotFoundError
        If there is no such zone, or it was deleted.
    """
    return zone_from_row(_live_row(session, zone_id))


def list_zones(session: Session, *, active_at: datetime | None = None) -> list[Zone]:
    """Every zone not deleted, oldest first; with ``active_at`` only those in force then."""
    rows = session.scalars(select(ZoneRow).where(ZoneRow.deleted_at.is_(None)).order_by(ZoneRow.created_at)).all()
    zones = [zone_from_row(r) for r in rows]
    return [z for z in zones if z.active_at(active_at)] if active_at is not None else zones


def zones_by_id(session: Session, zone_ids: Collection[str]) -> dict[str, Zone]:
    """``{id: Zone}`` of the given ids (deleted ones included: the caller knows which are live)."""
    return {r.id: zone_from_row(r) for r in session.scalars(select(ZoneRow).where(ZoneRow.id.in_(zone_ids)))}


def delete_zone(session: Session, zone_id: str, *, deleted_by: str | None) -> None:
    """Mark a zone deleted (kept in the history).

    Raises
    ------
    NotFoundError
        If there is no such zone, or it was deleted already.
    """
    row = _live_row(session, zone_id)
    row.deleted_at = datetime.now(UTC)
    row.deleted_by = deleted_by
    session.commit()


def count_zones(session: Session) -> int:
    """How many zone rows there are (deleted ones included)."""
    return session.scalar(select(func.count()).select_from(ZoneRow)) or 0

"""Emergency zones: rows <-> :class:`geo.zones.Zone`, and their versions.

A zone's row holds its current version; every change (creation, edit, deletion) adds one row to
``zone_versions`` in the same transaction, with what the zone was after it, who made it, when and
what changed.  An edit or a deletion is a compare-and-set on the version it was based on, so of
two concurrent edits of one version one is stored and the other is a conflict.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shapely.geometry import mapping, shape
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from geo.errors import ConflictError, NotFoundError
from geo.zones import Zone
from store.db import aware, dumps
from store.models import ZoneRow, ZoneVersionRow


def zone_from_row(row: ZoneRow | ZoneVersionRow, *, zone_id: str | None = None, created_at=None) -> Zone:
    """The zone a row holds: a zone's current row, or one of its versions (given its id and creation time)."""
    if isinstance(row, ZoneRow):
        zone_id, created_at = row.id, row.created_at
    assert zone_id is not None
    return Zone(
        id=zone_id,
        name=row.name,
        risk=row.risk,
        geometry=shape(json.loads(row.geometry)),
        valid_from=aware(row.valid_from),
        valid_until=aware(row.valid_until),
        county_code=row.county_code,
        notes=json.loads(row.notes or "[]"),
        created_at=aware(created_at),
        version=row.version or 1,
    )


def _columns(zone: Zone) -> dict[str, Any]:
    """The stored columns of what a zone is (shared by its row and its versions)."""
    return {
        "name": zone.name,
        "risk": zone.risk,
        "geometry": dumps(mapping(zone.geometry)),
        "valid_from": zone.valid_from,
        "valid_until": zone.valid_until,
        "county_code": zone.county_code,
        "notes": dumps(zone.notes),
    }


def _version_row(
    zone: Zone,
    version: int,
    action: str,
    at: datetime,
    by: str | None,
    *,
    reason: str | None = None,
    changes: list[dict[str, Any]] | None = None,
) -> ZoneVersionRow:
    return ZoneVersionRow(
        zone_id=zone.id,
        version=version,
        action=action,
        changed_at=at,
        changed_by=by,
        reason=reason,
        changes=dumps(changes or []),
        **_columns(zone),
    )


def add_zone(session: Session, zone: Zone, *, created_by: str | None) -> Zone:
    """Store ``zone`` as version 1 (committed) and return it as read back."""
    now = datetime.now(UTC)
    row = ZoneRow(id=zone.id, created_by=created_by, created_at=now, version=1, **_columns(zone))
    session.add(row)
    session.add(_version_row(zone, 1, "create", now, created_by))
    session.commit()
    return zone_from_row(row)


def add_zones(session: Session, zones: list[Zone], *, created_by: str | None) -> list[Zone]:
    """Store ``zones`` as version 1 each, in one transaction (all or none), and return them as read back."""
    now = datetime.now(UTC)
    at = [now + timedelta(microseconds=i) for i in range(len(zones))]  # file order is creation order
    rows = [ZoneRow(id=z.id, created_by=created_by, created_at=t, version=1, **_columns(z)) for z, t in zip(zones, at)]
    session.add_all(rows)
    session.add_all(_version_row(z, 1, "create", t, created_by) for z, t in zip(zones, at))
    session.commit()
    return [zone_from_row(r) for r in rows]


def _live_row(session: Session, zone_id: str) -> ZoneRow:
    row = session.get(ZoneRow, zone_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(f"no zone with id {zone_id!r}", zh=f"没有 id 为 {zone_id!r} 的区域")
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


def _conflict(session: Session, zone_id: str, expected: int) -> ConflictError | NotFoundError:
    """Why a compare-and-set on ``expected`` changed no row: gone, or another version stands."""
    session.rollback()
    row = session.get(ZoneRow, zone_id)
    if row is None or row.deleted_at is not None:
        return NotFoundError(f"no zone with id {zone_id!r}")
    last = session.get(ZoneVersionRow, (zone_id, row.version))
    by = f" by {last.changed_by}" if last is not None and last.changed_by else ""
    at = aware(last.changed_at) if last is not None else None
    when = f" at {at.isoformat()}" if at is not None else ""
    return ConflictError(
        f"zone {zone_id!r} is at version {row.version} (changed{by}{when}), not version {expected}; "
        "reload it and make the change again"
    )


def update_zone(
    session: Session,
    zone: Zone,
    *,
    expected_version: int,
    changed_by: str | None,
    changes: list[dict[str, Any]],
    reason: str | None = None,
) -> Zone:
    """Store ``zone`` as the version after ``expected_version`` (committed), with what changed.

    Raises
    ------
    ConflictError
        If the stored zone is no longer at ``expected_version`` (someone else changed it first).
    NotFoundError
        If there is no such zone, or it was deleted.
    """
    now = datetime.now(UTC)
    version = expected_version + 1
    done = session.execute(
        update(ZoneRow)
        .where(ZoneRow.id == zone.id, ZoneRow.version == expected_version, ZoneRow.deleted_at.is_(None))
        .values(version=version, **_columns(zone))
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        raise _conflict(session, zone.id, expected_version)
    session.add(_version_row(zone, version, "update", now, changed_by, reason=reason, changes=changes))
    session.commit()
    session.expire_all()
    return get_zone(session, zone.id)


def delete_zone(
    session: Session,
    zone_id: str,
    *,
    deleted_by: str | None,
    expected_version: int | None = None,
    reason: str | None = None,
) -> None:
    """Mark a zone deleted (its versions kept), a version of its own.

    Raises
    ------
    NotFoundError
        If there is no such zone, or it was deleted already.
    ConflictError
        If ``expected_version`` is given and the zone is at another version.
    """
    row = _live_row(session, zone_id)
    zone = zone_from_row(row)
    base = row.version if expected_version is None else expected_version
    now = datetime.now(UTC)
    done = session.execute(
        update(ZoneRow)
        .where(ZoneRow.id == zone_id, ZoneRow.version == base, ZoneRow.deleted_at.is_(None))
        .values(version=base + 1, deleted_at=now, deleted_by=deleted_by)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise _conflict(session, zone_id, base)
    session.add(_version_row(zone, base + 1, "delete", now, deleted_by, reason=reason))
    session.commit()


@dataclass(frozen=True)
class ZoneVersion:
    """One stored version of a zone: the zone after the change, and the change."""

    zone: Zone
    action: str
    changed_at: datetime
    changed_by: str | None
    reason: str | None
    changes: list[dict[str, Any]]


def zone_history(session: Session, zone_id: str) -> list[ZoneVersion]:
    """Every version of ``zone_id``, oldest first (a deleted zone's too).

    Raises
    ------
    NotFoundError
        If no zone ``zone_id`` was ever stored.
    """
    rows = session.scalars(
        select(ZoneVersionRow).where(ZoneVersionRow.zone_id == zone_id).order_by(ZoneVersionRow.version)
    ).all()
    if not rows:
        raise NotFoundError(f"no zone with id {zone_id!r}", zh=f"没有 id 为 {zone_id!r} 的区域")
    head = session.get(ZoneRow, zone_id)
    out = []
    for r in rows:
        changed_at = aware(r.changed_at)
        assert changed_at is not None  # NOT NULL column
        zone = zone_from_row(r, zone_id=zone_id, created_at=head.created_at if head is not None else None)
        out.append(ZoneVersion(zone, r.action, changed_at, r.changed_by, r.reason, json.loads(r.changes or "[]")))
    return out


def count_zones(session: Session) -> int:
    """How many zone rows there are (deleted ones included)."""
    return session.scalar(select(func.count()).select_from(ZoneRow)) or 0

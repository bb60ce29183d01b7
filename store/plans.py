"""Station plans, zone docking points and enterprise drop points (documents stored as JSON text)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.db import dumps, get_row, new_id
from store.models import DockingPointRow, DropPointRow, PlanRow


# -- station plans -------------------------------------------------------------------------------------
def add_plan(
    session: Session, document: dict[str, Any], *, model: str, request: dict[str, Any], created_by: str | None
) -> None:
    """Store a plan document (its ``id`` is the row's)."""
    session.add(
        PlanRow(id=document["id"], model=model, request=dumps(request), result=dumps(document), created_by=created_by)
    )
    session.commit()


def get_plan(session: Session, plan_id: str) -> dict[str, Any]:
    """The plan document ``plan_id``.

    Raises
    ------
    NotFoundError
        If there is no such plan.
    """
    return json.loads(get_row(session, PlanRow, plan_id, "plan").result)


def latest_plan(session: Session) -> dict[str, Any] | None:
    """The newest plan document, or ``None``."""
    row = session.scalars(select(PlanRow).order_by(PlanRow.created_at.desc())).first()
    return json.loads(row.result) if row is not None else None


# -- docking points ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoredDockingPoint:
    """A docking point as stored: where, its road node, and its facts (``data``)."""

    id: str
    zone_id: str
    lon: float
    lat: float
    node: int
    data: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class NewDockingPoint:
    lon: float
    lat: float
    node: int
    data: dict[str, Any]


def _docking(row: DockingPointRow) -> StoredDockingPoint:
    return StoredDockingPoint(row.id, row.zone_id, row.lon, row.lat, row.node, json.loads(row.data), row.created_at)


def replace_docking_points(
    session: Session, zone_id: str, points: list[NewDockingPoint], *, created_by: str | None, created_at: datetime
) -> list[StoredDockingPoint]:
    """Replace the zone's stored set with ``points`` in one transaction."""
    session.execute(delete(DockingPointRow).where(DockingPointRow.zone_id == zone_id))
    rows = [
        DockingPointRow(
            id=new_id("dock"),
            zone_id=zone_id,
            lon=p.lon,
            lat=p.lat,
            node=p.node,
            data=dumps(p.data),
            created_by=created_by,
            created_at=created_at,
        )
        for p in points
    ]
    session.add_all(rows)
    session.commit()
    return [_docking(r) for r in rows]


def list_docking_points(session: Session, zone_id: str | None = None) -> list[StoredDockingPoint]:
    """The stored docking points (of one zone), by zone and planning order."""
    q = select(DockingPointRow).order_by(DockingPointRow.zone_id, DockingPointRow.created_at, DockingPointRow.id)
    if zone_id is not None:
        q = q.where(DockingPointRow.zone_id == zone_id)
    return [_docking(r) for r in session.scalars(q).all()]


def find_docking_point(session: Session, docking_point_id: str) -> StoredDockingPoint | None:
    """The stored docking point ``docking_point_id``, or ``None``."""
    row = session.get(DockingPointRow, docking_point_id)
    return _docking(row) if row is not None else None


# -- drop points ---------------------------------------------------------------------------------------
def replace_drop_point(
    session: Session,
    document: dict[str, Any],
    *,
    site_id: str,
    lon: float,
    lat: float,
    created_by: str | None,
    created_at: datetime,
) -> None:
    """Store a site's drop point document (its ``id`` is the row's), replacing the one before."""
    session.execute(delete(DropPointRow).where(DropPointRow.site_id == site_id))
    session.add(
        DropPointRow(
            id=document["id"],
            site_id=site_id,
            lon=lon,
            lat=lat,
            data=dumps(document),
            created_by=created_by,
            created_at=created_at,
        )
    )
    session.commit()


def get_drop_point(session: Session, site_id: str) -> dict[str, Any] | None:
    """The drop point document of a site, or ``None``."""
    row = session.scalars(select(DropPointRow).where(DropPointRow.site_id == site_id)).first()
    return json.loads(row.data) if row is not None else None


def list_drop_points(session: Session) -> list[dict[str, Any]]:
    """Every drop point document, oldest first."""
    return [json.loads(r.data) for r in session.scalars(select(DropPointRow).order_by(DropPointRow.created_at)).all()]

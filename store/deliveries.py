"""Delivery plans: the stored request, problem and plan document, and the passes issued from a plan."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.db import aware, dumps, get_row
from store.models import DeliveryPlanPassRow, DeliveryPlanRow


@dataclass(frozen=True)
class StoredDeliveryPlan:
    """A stored plan: its document (what the API answers), and the request and problem it came from."""

    id: str
    enterprise_id: str | None
    created_at: datetime
    created_by: str | None
    document: dict[str, Any]
    request: dict[str, Any]
    problem: dict[str, Any]


def _stored(row: DeliveryPlanRow) -> StoredDeliveryPlan:
    created = aware(row.created_at)
    assert created is not None  # a NOT NULL column
    return StoredDeliveryPlan(
        id=row.id,
        enterprise_id=row.enterprise_id,
        created_at=created,
        created_by=row.created_by,
        document=json.loads(row.result),
        request=json.loads(row.request),
        problem=json.loads(row.problem),
    )


def add_delivery_plan(
    session: Session,
    document: dict[str, Any],
    *,
    request: dict[str, Any],
    problem: dict[str, Any],
    departure: datetime,
    enterprise_id: str | None,
    created_at: datetime,
    created_by: str | None,
) -> None:
    """Store a plan document (its ``id`` is the row's) with the request and problem it came from."""
    session.add(
        DeliveryPlanRow(
            id=document["id"],
            name=document.get("name"),
            enterprise_id=enterprise_id,
            departure=departure,
            stops=len(problem["stops"]),
            vehicles_used=int(document["totals"]["vehicles_used"]),
            request=dumps(request),
            problem=dumps(problem),
            result=dumps(document),
            created_at=created_at,
            created_by=created_by,
        )
    )
    session.commit()


def get_delivery_plan(session: Session, plan_id: str) -> StoredDeliveryPlan:
    """The stored plan ``plan_id``.

    Raises
    ------
    NotFoundError
        If there is no such plan.
    """
    return _stored(get_row(session, DeliveryPlanRow, plan_id, "delivery plan"))


def list_delivery_plans(
    session: Session, *, enterprise_id: str | None, limit: int, offset: int
) -> tuple[list[StoredDeliveryPlan], int]:
    """One page of plans, newest first, and how many there are in all (only ``enterprise_id``'s when given)."""
    query = select(DeliveryPlanRow)
    count = select(func.count()).select_from(DeliveryPlanRow)
    if enterprise_id is not None:
        query = query.where(DeliveryPlanRow.enterprise_id == enterprise_id)
        count = count.where(DeliveryPlanRow.enterprise_id == enterprise_id)
    rows = session.scalars(
        query.order_by(DeliveryPlanRow.created_at.desc(), DeliveryPlanRow.id).limit(limit).offset(offset)
    ).all()
    return [_stored(r) for r in rows], int(session.scalar(count) or 0)


def add_plan_pass(
    session: Session, plan_id: str, route_id: str, pass_no: str, *, created_at: datetime, created_by: str | None
) -> None:
    """Note that ``pass_no`` was issued for the plan's truck route ``route_id`` (it becomes the route's pass)."""
    session.add(
        DeliveryPlanPassRow(
            pass_no=pass_no, plan_id=plan_id, route_id=route_id, created_at=created_at, created_by=created_by
        )
    )
    session.commit()


def plan_passes(session: Session, plan_id: str) -> dict[str, str]:
    """``{route id: pass number}``: the newest pass issued for each truck route of the plan."""
    rows = session.scalars(
        select(DeliveryPlanPassRow)
        .where(DeliveryPlanPassRow.plan_id == plan_id)
        .order_by(DeliveryPlanPassRow.created_at, DeliveryPlanPassRow.pass_no)
    ).all()
    return {r.route_id: r.pass_no for r in rows}

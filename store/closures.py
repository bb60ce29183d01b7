"""Closures with their approval steps, and green channels (the lean reads for routing are in :mod:`store.hot`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from geo.errors import NotFoundError
from store.db import aware, changed_rows, get_row, utcnow
from store.models import ClosureEventRow, ClosureRow, GreenChannelRow


@dataclass(frozen=True)
class Event:
    """One step of a closure: who did what, when (``role`` ``system`` for the rules)."""

    action: str
    actor: str
    role: str
    note: str | None = None


def closure_arcs(row: ClosureRow) -> np.ndarray:
    """A closure's arc ids (``int64``)."""
    return np.asarray(json.loads(row.arcs), dtype=np.int64)


def add_closure(session: Session, row: ClosureRow, events: list[Event]) -> ClosureRow:
    """Store a new closure and its first steps in one transaction."""
    session.add(row)
    session.flush()
    for e in events:
        session.add(
            ClosureEventRow(closure_id=row.id, action=e.action, actor=e.actor, role=e.role, at=utcnow(), note=e.note)
        )
    session.commit()
    return row


def get_closure_row(session: Session, closure_id: str) -> ClosureRow:
    """The closure ``closure_id``.

    Raises
    ------
    NotFoundError
        If there is no such closure.
    """
    return get_row(session, ClosureRow, closure_id, "closure")


def closure_events(session: Session, closure_id: str) -> list[ClosureEventRow]:
    """Every step of a closure, in order."""
    return list(
        session.scalars(
            select(ClosureEventRow).where(ClosureEventRow.closure_id == closure_id).order_by(ClosureEventRow.id)
        ).all()
    )


def list_closure_rows(session: Session, *, status: str | None = None, newest_first: bool = True) -> list[ClosureRow]:
    """Every closure (or those with ``status``), by filing time."""
    order = ClosureRow.created_at.desc() if newest_first else ClosureRow.created_at
    q = select(ClosureRow).order_by(order)
    if status is not None:
        q = q.where(ClosureRow.status == status)
    return list(session.scalars(q).all())


def decided_closure_rows(session: Session, *, limit: int) -> list[ClosureRow]:
    """The ``limit`` most recently decided closures (approved or rejected, by a person or the rules)."""
    q = (
        select(ClosureRow)
        .where(ClosureRow.status != "pending")
        .order_by(ClosureRow.decided_at.desc(), ClosureRow.created_at.desc())
        .limit(limit)
    )
    return list(session.scalars(q).all())


def approved_closure_rows(session: Session) -> list[ClosureRow]:
    """The approved closures, by start time (the WZDx feed)."""
    return list(
        session.scalars(select(ClosureRow).where(ClosureRow.status == "approved").order_by(ClosureRow.starts_at)).all()
    )


def open_closure_rows(session: Session) -> list[ClosureRow]:
    """Pending and approved closures: those a new request may duplicate."""
    return list(session.scalars(select(ClosureRow).where(ClosureRow.status.in_(("pending", "approved")))).all())


def decide_closure(session: Session, closure_id: str, status: str, event: Event) -> ClosureRow | None:
    """Record an approver's decision (``approved`` or ``rejected``) with its step, if the closure is still pending.

    One conditional update (``... WHERE status = 'pending'``) and the step, in one transaction: of two
    approvers deciding at once exactly one changes the row (PostgreSQL's row lock; SQLite's write lock),
    the other's update matches no row and nothing of it is stored.  Returns the decided row, or ``None``
    when the closure was no longer pending (the caller reads who decided it).
    """
    now = utcnow()
    try:
        changed = changed_rows(
            session,
            update(ClosureRow)
            .where(ClosureRow.id == closure_id, ClosureRow.status == "pending")
            .values(status=status, decided_at=now, decided_by=event.actor),
        )
        if changed != 1:
            session.rollback()
            return None
        session.add(
            ClosureEventRow(
                closure_id=closure_id, action=event.action, actor=event.actor, role=event.role, at=now, note=event.note
            )
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return session.get(ClosureRow, closure_id, populate_existing=True)


def fresh_closure_row(session: Session, closure_id: str) -> ClosureRow:
    """The closure as stored now (not as this session read it before).

    Raises
    ------
    NotFoundError
        If there is no such closure.
    """
    row = session.get(ClosureRow, closure_id, populate_existing=True)
    if row is None:
        raise NotFoundError(f"no closure with id {closure_id!r}", zh=f"没有 id 为 {closure_id!r} 的道路封闭")
    return row


def decision_event(session: Session, closure_id: str) -> ClosureEventRow | None:
    """An approver's step that decided a closure (``approved`` / ``rejected``), or ``None``."""
    return session.scalar(
        select(ClosureEventRow)
        .where(ClosureEventRow.closure_id == closure_id, ClosureEventRow.action.in_(("approved", "rejected")))
        .order_by(ClosureEventRow.id.desc())
        .limit(1)
    )


# -- green channels ---------------------------------------------------------------------------------
def add_green_channel(session: Session, row: GreenChannelRow) -> GreenChannelRow:
    session.add(row)
    session.commit()
    return row


def list_green_channel_rows(session: Session, *, network: str | None = None) -> list[GreenChannelRow]:
    """Every green channel, oldest first (or those stored for ``network``)."""
    q = select(GreenChannelRow).order_by(GreenChannelRow.created_at)
    if network is not None:
        q = q.where(GreenChannelRow.network == network)
    return list(session.scalars(q).all())


def get_green_channel_row(session: Session, channel_id: str) -> GreenChannelRow:
    """The green channel ``channel_id``.

    Raises
    ------
    NotFoundError
        If there is no such channel.
    """
    return get_row(session, GreenChannelRow, channel_id, "green channel")


def green_channel_arcs(row: GreenChannelRow) -> np.ndarray:
    """A channel's arc ids in driving order (``int64``)."""
    return np.asarray(json.loads(row.arcs), dtype=np.int64)


def window_overlaps(row: ClosureRow, starts: datetime, ends: datetime) -> bool:
    """Whether a closure's window meets ``[starts, ends)``."""
    row_starts, row_ends = aware(row.starts_at), aware(row.ends_at)
    assert row_starts is not None and row_ends is not None
    return row_starts < ends and starts < row_ends

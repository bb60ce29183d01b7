"""The command dashboard's aggregates: one named query per figure, each an indexed count or a grouped sum.

Every time is UTC (as stored).  A checkpoint is the place its scans were made: the scan's position
rounded to :data:`CHECKPOINT_DECIMALS` decimals of a degree (about 100 m), since a scan carries no
checkpoint id of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Numeric, and_, case, cast, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from store.models import (
    ClosureRow,
    FuseRow,
    PassRow,
    RouteRow,
    ScanRow,
    SiteRow,
)

#: Decimals of a degree a scan's position is rounded to for its checkpoint (0.001° is about 100 m).
CHECKPOINT_DECIMALS = 3

#: ``(table, columns)`` whose count and latest values change whenever a figure or layer of the dashboard does.
DASHBOARD_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("zones", ("created_at", "deleted_at")),
    ("zone_versions", ("changed_at",)),
    ("sites", ("created_at", "updated_at")),
    ("closures", ("created_at", "decided_at")),
    ("closure_events", ("id",)),
    ("passes", ("issued_at", "revoked_at")),
    ("scans", ("id",)),
    ("fuses", ("id",)),
    ("routes", ("created_at",)),
    ("plans", ("created_at",)),
    ("docking_points", ("created_at",)),
    ("drop_points", ("created_at",)),
    ("green_channels", ("created_at",)),
)

_FINGERPRINT = text(
    "SELECT "
    + ", ".join(
        f"(SELECT COUNT(*) FROM {table})" + "".join(f", (SELECT MAX({col}) FROM {table})" for col in cols)
        for table, cols in DASHBOARD_TABLES
    )
)


def fingerprint(session: Session) -> str:
    """A text that changes whenever a row the dashboard counts or draws is added, changed or deleted: one round
    trip of counts and maxima (primary keys and indexed or small columns)."""
    row = session.execute(_FINGERPRINT).one()
    return "|".join("" if v is None else str(v) for v in row)


def _checkpoint_columns() -> tuple[Any, Any]:
    return (
        func.round(cast(ScanRow.lon, Numeric), CHECKPOINT_DECIMALS),
        func.round(cast(ScanRow.lat, Numeric), CHECKPOINT_DECIMALS),
    )


def pass_counts(session: Session, *, now: datetime, day_start: datetime) -> dict[str, int]:
    """Passes valid now (not revoked, not superseded, in their window), issued, revoked and superseded since
    ``day_start``."""
    valid = func.sum(
        case(
            (
                and_(
                    PassRow.revoked_at.is_(None),
                    PassRow.superseded_by.is_(None),
                    PassRow.valid_from <= now,
                    PassRow.valid_until > now,
                ),
                1,
            ),
            else_=0,
        )
    )
    issued = func.sum(case((PassRow.issued_at >= day_start, 1), else_=0))
    revoked = func.sum(case((PassRow.revoked_at >= day_start, 1), else_=0))
    row = session.execute(select(valid, issued, revoked)).one()
    newer = aliased(PassRow)
    superseded = session.scalar(
        select(func.count())
        .select_from(PassRow)
        .join(newer, newer.pass_no == PassRow.superseded_by)
        .where(newer.issued_at >= day_start)
    )
    return {
        "valid_now": int(row[0] or 0),
        "issued_today": int(row[1] or 0),
        "revoked_today": int(row[2] or 0),
        "superseded_today": int(superseded or 0),
    }


def scan_verdict_counts(session: Session, *, since: datetime) -> dict[str, int]:
    """Scans recorded since ``since`` by verdict (``pass``, ``stop``)."""
    rows = session.execute(
        select(ScanRow.verdict, func.count()).where(ScanRow.recorded_at >= since).group_by(ScanRow.verdict)
    ).all()
    return {str(v): int(n) for v, n in rows}


def stop_reason_texts(session: Session, *, since: datetime) -> list[tuple[str, int]]:
    """The reason lists (JSON text) of the STOP scans recorded since ``since``, with how many scans had each."""
    rows = session.execute(
        select(ScanRow.reasons, func.count())
        .where(ScanRow.recorded_at >= since, ScanRow.verdict == "stop")
        .group_by(ScanRow.reasons)
    ).all()
    return [(str(r), int(n)) for r, n in rows]


def checkpoint_counts(
    session: Session, *, since: datetime, until: datetime | None = None
) -> list[tuple[float, float, str, int]]:
    """Scans recorded in ``[since, until)`` by checkpoint (rounded position) and verdict:
    ``(lon, lat, verdict, count)``."""
    lon, lat = _checkpoint_columns()
    q = select(lon, lat, ScanRow.verdict, func.count()).where(ScanRow.recorded_at >= since)
    if until is not None:
        q = q.where(ScanRow.recorded_at < until)
    rows = session.execute(q.group_by(lon, lat, ScanRow.verdict)).all()
    return [(float(x), float(y), str(v), int(n)) for x, y, v, n in rows]


def scans_by_hour(session: Session, *, since: datetime) -> list[tuple[str, str, int]]:
    """Scans recorded since ``since`` by UTC hour (``"YYYY-MM-DD HH"``) and verdict."""
    if session.get_bind().dialect.name == "postgresql":
        hour = func.to_char(func.timezone("UTC", ScanRow.recorded_at), "YYYY-MM-DD HH24")
    else:  # SQLite keeps UTC text "YYYY-MM-DD HH:MM:SS.ffffff"
        hour = func.substr(ScanRow.recorded_at, 1, 13)
    rows = session.execute(
        select(hour, ScanRow.verdict, func.count()).where(ScanRow.recorded_at >= since).group_by(hour, ScanRow.verdict)
    ).all()
    return [(str(h), str(v), int(n)) for h, v, n in rows]


def flagged_scans(session: Session, *, since: datetime, limit: int = 100) -> list[ScanRow]:
    """Scans recorded since ``since`` that carry a travel flag (``flags`` set), newest first."""
    return list(
        session.scalars(
            select(ScanRow)
            .where(ScanRow.recorded_at >= since, ScanRow.flags.is_not(None))
            .order_by(ScanRow.recorded_at.desc())
            .limit(limit)
        ).all()
    )


def fuse_steps(session: Session) -> list[FuseRow]:
    """Every fuse and un-fuse step of every enterprise, oldest first (a row per step: a short table)."""
    return list(session.scalars(select(FuseRow).order_by(FuseRow.created_at, FuseRow.id)))


def scans_of_enterprises(
    session: Session, site_ids: list[str], *, since: datetime, limit: int = 500
) -> list[tuple[ScanRow, str]]:
    """Scans recorded since ``since`` of passes of the enterprises ``site_ids``: ``(scan, enterprise id)``."""
    if not site_ids:
        return []
    rows = session.execute(
        select(ScanRow, PassRow.enterprise_id)
        .join(PassRow, PassRow.pass_no == ScanRow.pass_no)
        .where(ScanRow.recorded_at >= since, PassRow.enterprise_id.in_(site_ids))
        .order_by(ScanRow.recorded_at.desc())
        .limit(limit)
    ).all()
    return [(s, str(e)) for s, e in rows]


def enterprise_counts(session: Session, *, day_start: datetime) -> dict[str, int]:
    """Enterprises on the whitelist now, and those fused (taken off) since ``day_start``."""
    whitelisted = session.scalar(
        select(func.count()).select_from(SiteRow).where(SiteRow.kind == "enterprise", SiteRow.whitelist.is_(True))
    )
    fused = session.scalar(
        select(func.count(func.distinct(FuseRow.site_id))).where(
            FuseRow.action == "fuse", FuseRow.created_at >= day_start
        )
    )
    return {"whitelist": int(whitelisted or 0), "fused_today": int(fused or 0)}


def closures_in_force_or_waiting(session: Session, *, now: datetime) -> list[ClosureRow]:
    """Pending closures, and approved ones that have not ended, by start time."""
    return list(
        session.scalars(
            select(ClosureRow)
            .where(or_(ClosureRow.status == "pending", and_(ClosureRow.status == "approved", ClosureRow.ends_at > now)))
            .order_by(ClosureRow.starts_at)
        ).all()
    )


def route_counts(session: Session, *, since: datetime) -> dict[str, int]:
    """Routes stored since ``since``, and those of them that cross a zone (a non-empty ``zones_crossed``)."""
    crossing = case((RouteRow.result.not_like('%"zones_crossed":[]%'), 1), else_=0)
    row = session.execute(select(func.count(), func.sum(crossing)).where(RouteRow.created_at >= since)).one()
    return {"planned": int(row[0] or 0), "crossing_zone": int(row[1] or 0)}

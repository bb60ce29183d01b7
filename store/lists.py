"""The list queries: passes, routes, checkpoint scans, sites and closures, with their filters and order.

Each ``*_query`` builds the filtered ``select`` of one table; :func:`store.paging.keyset_page` pages
it by the list's keys (``*_KEYS``) and :func:`iter_rows` streams it whole for an export.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from store.models import ClosureRow, PassRow, RouteRow, ScanRow, SiteRow, User, ZoneRow

Keys = list[tuple[InstrumentedAttribute[Any], bool]]

#: Newest first.
PASS_KEYS: Keys = [(PassRow.issued_at, True), (PassRow.pass_no, True)]
ROUTE_KEYS: Keys = [(RouteRow.created_at, True), (RouteRow.id, True)]
SCAN_KEYS: Keys = [(ScanRow.recorded_at, True), (ScanRow.id, True)]
CLOSURE_KEYS: Keys = [(ClosureRow.created_at, True), (ClosureRow.id, True)]
#: Oldest first (as the map and ``GET /sites`` always listed them).
SITE_KEYS: Keys = [(SiteRow.created_at, False), (SiteRow.id, False)]
ZONE_KEYS: Keys = [(ZoneRow.created_at, False), (ZoneRow.id, False)]

PASS_STATUSES = ("valid", "revoked", "expired", "not_yet_valid", "fused")


def _whitelisted(enterprise_id: Any) -> Any:
    return select(SiteRow.id).where(SiteRow.id == enterprise_id, SiteRow.whitelist == true()).exists()


def pass_query(
    *,
    now: datetime,
    enterprise_id: str | None = None,
    plate: str | None = None,
    status: str | None = None,
    valid_at: datetime | None = None,
    issuer: str | None = None,
    issued_from: datetime | None = None,
    issued_until: datetime | None = None,
) -> Select[Any]:
    """Passes by enterprise, plate (normalised), status now (see :func:`services.passes.pass_status`),
    validity at a time, issuer (the user who issued) and issue time."""
    q = select(PassRow)
    if enterprise_id is not None:
        q = q.where(PassRow.enterprise_id == enterprise_id)
    if plate is not None:
        q = q.where(PassRow.plate == plate)
    if issuer is not None:
        q = q.where(PassRow.created_by == issuer)
    if issued_from is not None:
        q = q.where(PassRow.issued_at >= issued_from)
    if issued_until is not None:
        q = q.where(PassRow.issued_at < issued_until)
    if valid_at is not None:
        q = q.where(PassRow.valid_from <= valid_at, PassRow.valid_until > valid_at)
    if status is not None:
        live = and_(PassRow.revoked_at.is_(None), _whitelisted(PassRow.enterprise_id))
        q = q.where(
            {
                "revoked": PassRow.revoked_at.is_not(None),
                "fused": and_(PassRow.revoked_at.is_(None), ~_whitelisted(PassRow.enterprise_id)),
                "not_yet_valid": and_(live, PassRow.valid_from > now),
                "expired": and_(live, PassRow.valid_from <= now, PassRow.valid_until <= now),
                "valid": and_(live, PassRow.valid_from <= now, PassRow.valid_until > now),
            }.get(status, false())
        )
    return q


def users_of_enterprise(enterprise_id: str) -> Select[Any]:
    """The names of the users bound to an enterprise (a subquery)."""
    return select(User.name).where(User.enterprise_id == enterprise_id)


def route_query(
    *,
    enterprise_id: str | None = None,
    created_by: str | None = None,
    created_from: datetime | None = None,
    created_until: datetime | None = None,
) -> Select[Any]:
    """Stored routes by creator and time; ``enterprise_id``: those made by the enterprise's users."""
    q = select(RouteRow)
    if enterprise_id is not None:
        q = q.where(RouteRow.created_by.in_(users_of_enterprise(enterprise_id)))
    if created_by is not None:
        q = q.where(RouteRow.created_by == created_by)
    if created_from is not None:
        q = q.where(RouteRow.created_at >= created_from)
    if created_until is not None:
        q = q.where(RouteRow.created_at < created_until)
    return q


def scan_query(
    *,
    enterprise_id: str | None = None,
    pass_no: str | None = None,
    verdict: str | None = None,
    scanned_by: str | None = None,
    checked_from: datetime | None = None,
    checked_until: datetime | None = None,
) -> Select[Any]:
    """Checkpoint scans by pass, verdict, officer and check time; ``enterprise_id``: scans of its passes."""
    q = select(ScanRow)
    if enterprise_id is not None:
        q = q.where(ScanRow.pass_no.in_(select(PassRow.pass_no).where(PassRow.enterprise_id == enterprise_id)))
    if pass_no is not None:
        q = q.where(ScanRow.pass_no == pass_no)
    if verdict is not None:
        q = q.where(ScanRow.verdict == verdict)
    if scanned_by is not None:
        q = q.where(ScanRow.scanned_by == scanned_by)
    if checked_from is not None:
        q = q.where(ScanRow.checked_at >= checked_from)
    if checked_until is not None:
        q = q.where(ScanRow.checked_at < checked_until)
    return q


def site_query(
    *,
    kind: str | None = None,
    county_code: str | None = None,
    whitelist: bool | None = None,
    enterprise_id: str | None = None,
) -> Select[Any]:
    """Sites by kind, county and whitelist status; ``enterprise_id``: of the enterprises, only that one."""
    q = select(SiteRow)
    if kind is not None:
        q = q.where(SiteRow.kind == kind)
    if county_code is not None:
        q = q.where(SiteRow.county_code == county_code)
    if whitelist is not None:
        q = q.where(SiteRow.whitelist == (true() if whitelist else false()))
    if enterprise_id is not None:
        q = q.where(or_(SiteRow.kind != "enterprise", SiteRow.id == enterprise_id))
    return q


def closure_query(
    *,
    status: str | None = None,
    county_code: str | None = None,
    active_at: datetime | None = None,
) -> Select[Any]:
    """Closures by status and county; ``active_at``: approved and in force then."""
    q = select(ClosureRow)
    if status is not None:
        q = q.where(ClosureRow.status == status)
    if county_code is not None:
        q = q.where(ClosureRow.county_code == county_code)
    if active_at is not None:
        q = q.where(ClosureRow.status == "approved", ClosureRow.starts_at <= active_at, ClosureRow.ends_at > active_at)
    return q


def zone_query(*, active_at: datetime | None = None) -> Select[Any]:
    """Zones not lifted; ``active_at``: those whose window holds that time."""
    q = select(ZoneRow).where(ZoneRow.deleted_at.is_(None))
    if active_at is not None:
        q = q.where(
            or_(ZoneRow.valid_from.is_(None), ZoneRow.valid_from <= active_at),
            or_(ZoneRow.valid_until.is_(None), ZoneRow.valid_until > active_at),
        )
    return q


def iter_rows(session: Session, query: Select[Any], keys: Keys, *, chunk: int = 500) -> Iterator[Any]:
    """Every row of ``query`` in the list's order, fetched ``chunk`` at a time (an export of any size)."""
    ordered = query.order_by(*[col.desc() if desc else col.asc() for col, desc in keys])
    yield from session.scalars(ordered.execution_options(yield_per=chunk))

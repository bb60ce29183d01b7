"""The lists of passes, checkpoint scans, routes, sites, closures and zones: filters, paging, role scope.

Every list answers one page (:class:`store.paging.Page`: ``rows``, ``count`` of every match,
``next_cursor``) of the items its ``GET`` endpoint shows; the exports (:mod:`services.exports`)
stream the same filtered rows whole.  Who sees what: :mod:`services.access`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from geo.errors import InvalidInputError
from geo.sites import SITE_KINDS, Site
from geo.zones import Zone
from passes.plates import normalise_plate
from services.access import enterprise_filter, site_enterprise_filter
from services.closures import STATUSES as CLOSURE_STATUSES
from services.closures import closure_json, closure_view
from services.passes import pass_json, scan_json
from store import lists as q
from store.db import aware
from store.models import ClosureRow, PassRow, RouteRow, ScanRow, ZoneRow
from store.paging import Page, keyset_page
from store.routes import RouteRecord
from store.sites import site_from_row
from store.users import Principal
from store.zones import zone_from_row

VERDICTS = ("pass", "stop")


def _utc(value: datetime | None) -> datetime | None:
    """A filter's time in UTC (a time without a zone is taken as UTC, as everywhere in the API)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _one_of(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    if value is not None and value not in allowed:
        raise InvalidInputError(
            f"`{name}` was {value!r}; expected one of {list(allowed)}",
            zh=f"参数 {name} 的值 {value!r} 无效；应为 {list(allowed)} 之一",
        )
    return value


# -- passes ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PassFilters:
    """``GET /passes``: by enterprise, plate, status now, validity at a time, issuer, issue time."""

    enterprise_id: str | None = None
    plate: str | None = None
    status: str | None = None
    valid_at: datetime | None = None
    issuer: str | None = None
    issued_from: datetime | None = None
    issued_until: datetime | None = None


def _pass_query(filters: PassFilters, user: Principal, now: datetime) -> Select[Any]:
    plate = None
    if filters.plate is not None:
        try:
            plate = normalise_plate(filters.plate)
        except ValueError as err:
            raise InvalidInputError(
                f"`plate` was {filters.plate!r}; {err}", zh=f"车牌 {filters.plate!r} 格式无效"
            ) from err
    return q.pass_query(
        now=now,
        enterprise_id=enterprise_filter(user, filters.enterprise_id),
        plate=plate,
        status=_one_of(filters.status, q.PASS_STATUSES, "status"),
        valid_at=_utc(filters.valid_at),
        issuer=filters.issuer,
        issued_from=_utc(filters.issued_from),
        issued_until=_utc(filters.issued_until),
    )


def list_passes(
    session: Session, filters: PassFilters, *, user: Principal, cursor: str | None, limit: int
) -> Page[dict[str, Any]]:
    """A page of passes (the ``PassPublic`` shape), newest first.

    Raises
    ------
    InvalidInputError
        A bad status, plate, time, cursor or limit.
    PermissionDeniedError
        A bound dispatcher naming another enterprise.
    """
    page = keyset_page(session, _pass_query(filters, user, datetime.now(UTC)), q.PASS_KEYS, cursor=cursor, limit=limit)
    return Page([pass_json(session, r) for r in page.rows], page.count, page.next_cursor)


def iter_passes(session: Session, filters: PassFilters, *, user: Principal) -> Iterator[PassRow]:
    """Every pass the filters match, newest first (an export)."""
    return q.iter_rows(session, _pass_query(filters, user, datetime.now(UTC)), q.PASS_KEYS)


def count_passes(session: Session, *, user: Principal) -> int:
    return keyset_page(
        session, _pass_query(PassFilters(), user, datetime.now(UTC)), q.PASS_KEYS, cursor=None, limit=1
    ).count


# -- checkpoint scans --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScanFilters:
    """``GET /scans``: by enterprise, pass, verdict, officer and check time."""

    enterprise_id: str | None = None
    pass_no: str | None = None
    verdict: str | None = None
    scanned_by: str | None = None
    checked_from: datetime | None = None
    checked_until: datetime | None = None


def _scan_query(filters: ScanFilters, user: Principal) -> Select[Any]:
    return q.scan_query(
        enterprise_id=enterprise_filter(user, filters.enterprise_id),
        pass_no=filters.pass_no,
        verdict=_one_of(filters.verdict, VERDICTS, "verdict"),
        scanned_by=filters.scanned_by,
        checked_from=_utc(filters.checked_from),
        checked_until=_utc(filters.checked_until),
    )


def list_scans(
    session: Session, filters: ScanFilters, *, user: Principal, cursor: str | None, limit: int
) -> Page[dict[str, Any]]:
    """A page of checkpoint scans (the ``ScanPublic`` shape), newest first."""
    page = keyset_page(session, _scan_query(filters, user), q.SCAN_KEYS, cursor=cursor, limit=limit)
    return Page([scan_json(r) for r in page.rows], page.count, page.next_cursor)


def iter_scans(session: Session, filters: ScanFilters, *, user: Principal) -> Iterator[ScanRow]:
    return q.iter_rows(session, _scan_query(filters, user), q.SCAN_KEYS)


# -- routes -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RouteFilters:
    """``GET /routes``: by creator and creation time."""

    created_by: str | None = None
    created_from: datetime | None = None
    created_until: datetime | None = None
    enterprise_id: str | None = None


def _route_query(filters: RouteFilters, user: Principal) -> Select[Any]:
    return q.route_query(
        enterprise_id=enterprise_filter(user, filters.enterprise_id),
        created_by=filters.created_by,
        created_from=_utc(filters.created_from),
        created_until=_utc(filters.created_until),
    )


def route_summary(row: RouteRow) -> dict[str, Any]:
    """What a route list shows of a stored route (no geometry: ``GET /routes/{id}`` has it)."""
    record = RouteRecord.from_json(json.loads(row.result))
    return {
        "id": record.id,
        "created_at": aware(row.created_at),
        "created_by": row.created_by,
        "origin": list(record.origin),
        "destination": list(record.destination),
        "departure": record.departure,
        "length_m": round(record.length_m, 1),
        "travel_time_s": round(record.travel_time_s, 1),
        "choice": record.choice,
        "zones_crossed": [c.zone_id for c in record.zones_crossed],
        "time_inside_s": round(record.time_inside_s, 1),
        "transshipment": bool(record.transshipments),
        "warnings": list(record.warnings),
        "url": f"/routes/{record.id}",
        "map_url": f"/routes/{record.id}/map",
    }


def list_routes(
    session: Session, filters: RouteFilters, *, user: Principal, cursor: str | None, limit: int
) -> Page[dict[str, Any]]:
    """A page of stored routes (summaries), newest first."""
    page = keyset_page(session, _route_query(filters, user), q.ROUTE_KEYS, cursor=cursor, limit=limit)
    return Page([route_summary(r) for r in page.rows], page.count, page.next_cursor)


def count_routes(session: Session, *, user: Principal) -> int:
    return keyset_page(session, _route_query(RouteFilters(), user), q.ROUTE_KEYS, cursor=None, limit=1).count


# -- sites, closures, zones (public layers) ---------------------------------------------------------------------
@dataclass(frozen=True)
class SiteFilters:
    """``GET /sites``: by kind, county and whitelist status."""

    kind: str | None = None
    county_code: str | None = None
    whitelist: bool | None = None


def _site_query(filters: SiteFilters, user: Principal | None) -> Select[Any]:
    return q.site_query(
        kind=_one_of(filters.kind, SITE_KINDS, "kind"),
        county_code=filters.county_code,
        whitelist=filters.whitelist,
        enterprise_id=site_enterprise_filter(user),
    )


def list_sites(
    session: Session, filters: SiteFilters, *, user: Principal | None, cursor: str | None, limit: int
) -> Page[Site]:
    """A page of sites, oldest first."""
    page = keyset_page(session, _site_query(filters, user), q.SITE_KEYS, cursor=cursor, limit=limit)
    return Page([site_from_row(r) for r in page.rows], page.count, page.next_cursor)


def iter_sites(session: Session, filters: SiteFilters, *, user: Principal | None) -> Iterator[Site]:
    return (site_from_row(r) for r in q.iter_rows(session, _site_query(filters, user), q.SITE_KEYS))


def count_sites(session: Session, *, user: Principal | None) -> int:
    return keyset_page(session, _site_query(SiteFilters(), user), q.SITE_KEYS, cursor=None, limit=1).count


@dataclass(frozen=True)
class ClosureFilters:
    """``GET /closures``: by status and county; ``active_at``: approved and in force then."""

    status: str | None = None
    county_code: str | None = None
    active_at: datetime | None = None


def _closure_query(filters: ClosureFilters) -> Select[Any]:
    return q.closure_query(
        status=_one_of(filters.status, CLOSURE_STATUSES, "status"),
        county_code=filters.county_code,
        active_at=_utc(filters.active_at),
    )


def list_closures(
    session: Session, filters: ClosureFilters, *, user: Principal | None, cursor: str | None, limit: int
) -> Page[dict[str, Any]]:
    """A page of closures (the ``ClosurePublic`` shape), newest first."""
    page = keyset_page(session, _closure_query(filters), q.CLOSURE_KEYS, cursor=cursor, limit=limit)
    return Page([closure_view(closure_json(session, r), user) for r in page.rows], page.count, page.next_cursor)


def iter_closures(session: Session, filters: ClosureFilters, *, user: Principal | None) -> Iterator[ClosureRow]:
    return q.iter_rows(session, _closure_query(filters), q.CLOSURE_KEYS)


def count_closures(session: Session, *, user: Principal | None) -> int:
    return keyset_page(session, _closure_query(ClosureFilters()), q.CLOSURE_KEYS, cursor=None, limit=1).count


def iter_zones(session: Session, *, active_at: datetime | None) -> Iterator[Zone]:
    """Every zone not lifted (those in force at ``active_at``), oldest first (an export)."""
    rows: Iterator[ZoneRow] = q.iter_rows(session, q.zone_query(active_at=_utc(active_at)), q.ZONE_KEYS)
    return (zone_from_row(r) for r in rows)

"""Rows <-> domain objects for the core resources (zones, sites, routes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from shapely.geometry import mapping, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import aware, dumps
from api.models import RouteRow, SiteRow, ZoneRow
from geo.errors import NotFoundError
from geo.sites import Site
from geo.zones import Zone


def zone_from_row(row: ZoneRow) -> Zone:
    return Zone(
        id=row.id, name=row.name, risk=row.risk, geometry=shape(json.loads(row.geometry)),
        valid_from=aware(row.valid_from), valid_until=aware(row.valid_until), county_code=row.county_code,
        notes=json.loads(row.notes or "[]"), created_at=aware(row.created_at),
    )


def add_zone(session: Session, zone: Zone, *, created_by: str | None) -> Zone:
    row = ZoneRow(
        id=zone.id, name=zone.name, risk=zone.risk, geometry=dumps(mapping(zone.geometry)),
        valid_from=zone.valid_from, valid_until=zone.valid_until, county_code=zone.county_code,
        notes=dumps(zone.notes), created_by=created_by,
    )
    session.add(row)
    session.commit()
    return zone_from_row(row)


def get_zone(session: Session, zone_id: str) -> Zone:
    row = session.get(ZoneRow, zone_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(f"no zone with id {zone_id!r}")
    return zone_from_row(row)


def list_zones(session: Session, *, active_at: datetime | None = None) -> list[Zone]:
    rows = session.scalars(select(ZoneRow).where(ZoneRow.deleted_at.is_(None)).order_by(ZoneRow.created_at)).all()
    zones = [zone_from_row(r) for r in rows]
    return [z for z in zones if z.active_at(active_at)] if active_at is not None else zones


def live_zones(state, session: Session, *, active_at: datetime | None = None) -> list[Zone]:
    """:func:`list_zones` for the hot path: the same zones in the same order, parsed once per process.

    One lean query lists the live zones' ids; a zone's row never changes except to be deleted,
    so the parsed :class:`Zone` of an id seen before is reused and only new ids are read in full.
    """
    rows = state.hot.query("SELECT id, created_at FROM zones WHERE deleted_at IS NULL ORDER BY created_at")
    with state.lock:
        cache: dict = state.caches.setdefault("live_zones", {})
        missing = [zid for zid, created in rows if (zid, str(created)) not in cache]
    if missing:
        parsed = {r.id: zone_from_row(r) for r in session.scalars(select(ZoneRow).where(ZoneRow.id.in_(missing)))}
        with state.lock:
            live = {(zid, str(created)) for zid, created in rows}
            for key in [k for k in cache if k not in live]:
                del cache[key]
            cache.update({(zid, str(created)): parsed[zid] for zid, created in rows if zid in parsed})
    with state.lock:  # a zone deleted between the two reads is left out
        zones = [cache[key] for key in ((zid, str(created)) for zid, created in rows) if key in cache]
    return [z for z in zones if z.active_at(active_at)] if active_at is not None else zones


def delete_zone(session: Session, zone_id: str, *, deleted_by: str | None) -> None:
    row = session.get(ZoneRow, zone_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(f"no zone with id {zone_id!r}")
    row.deleted_at = datetime.now(UTC)
    row.deleted_by = deleted_by
    session.commit()


def site_from_row(row: SiteRow) -> Site:
    return Site(
        id=row.id, kind=row.kind, name=row.name, geometry=shape(json.loads(row.geometry)), whitelist=row.whitelist,
        sector=row.sector, weight=row.weight, radius_m=row.radius_m, county_code=row.county_code,
        properties=json.loads(row.properties or "{}"),
    )


def add_site(session: Session, site: Site, *, created_by: str | None) -> Site:
    row = SiteRow(
        id=site.id, kind=site.kind, name=site.name, geometry=dumps(mapping(site.geometry)), whitelist=site.whitelist,
        sector=site.sector, weight=site.weight, radius_m=site.radius_m, county_code=site.county_code,
        properties=dumps(site.properties), created_by=created_by,
    )
    session.add(row)
    session.commit()
    return site_from_row(row)


def get_site(session: Session, site_id: str) -> Site:
    row = session.get(SiteRow, site_id)
    if row is None:
        raise NotFoundError(f"no site with id {site_id!r}")
    return site_from_row(row)


def list_sites(session: Session, *, kind: str | None = None) -> list[Site]:
    q = select(SiteRow).order_by(SiteRow.created_at)
    if kind:
        q = q.where(SiteRow.kind == kind)
    return [site_from_row(r) for r in session.scalars(q).all()]


def get_route(session: Session, route_id: str) -> dict:
    row = session.get(RouteRow, route_id)
    if row is None:
        raise NotFoundError(f"no route with id {route_id!r}")
    return json.loads(row.result)


def list_routes(session: Session, *, limit: int = 200) -> list[dict]:
    rows = session.scalars(select(RouteRow).order_by(RouteRow.created_at.desc()).limit(limit)).all()
    return [json.loads(r.result) for r in rows]

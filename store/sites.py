"""Sites (hubs, enterprises, candidate stations, demand points): rows <-> :class:`geo.sites.Site`."""

from __future__ import annotations

import json

from shapely.geometry import mapping, shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.sites import Site
from store.db import dumps, get_row, utcnow
from store.models import SiteRow


def site_from_row(row: SiteRow) -> Site:
    return Site(
        id=row.id,
        kind=row.kind,
        name=row.name,
        geometry=shape(json.loads(row.geometry)),
        whitelist=row.whitelist,
        sector=row.sector,
        weight=row.weight,
        radius_m=row.radius_m,
        county_code=row.county_code,
        properties=json.loads(row.properties or "{}"),
    )


def add_sites(session: Session, sites: list[Site], *, created_by: str | None) -> list[Site]:
    """Store ``sites`` in one transaction (all or none) and return them as read back."""
    rows = [_row(s, created_by) for s in sites]
    session.add_all(rows)
    session.commit()
    return [site_from_row(r) for r in rows]


def add_site(session: Session, site: Site, *, created_by: str | None) -> Site:
    """Store ``site`` (committed) and return it as read back."""
    row = _row(site, created_by)
    session.add(row)
    session.commit()
    return site_from_row(row)


def _row(site: Site, created_by: str | None) -> SiteRow:
    return SiteRow(
        id=site.id,
        kind=site.kind,
        name=site.name,
        geometry=dumps(mapping(site.geometry)),
        whitelist=site.whitelist,
        sector=site.sector,
        weight=site.weight,
        radius_m=site.radius_m,
        county_code=site.county_code,
        properties=dumps(site.properties),
        created_by=created_by,
    )


def get_site(session: Session, site_id: str) -> Site:
    """The site ``site_id``.

    Raises
    ------
    NotFoundError
        If there is no such site.
    """
    return site_from_row(get_row(session, SiteRow, site_id, "site"))


def find_site(session: Session, site_id: str) -> Site | None:
    """The site ``site_id``, or ``None``."""
    row = session.get(SiteRow, site_id)
    return site_from_row(row) if row is not None else None


def list_sites(session: Session, *, kind: str | None = None) -> list[Site]:
    """Every site, oldest first, or those of one ``kind``."""
    q = select(SiteRow).order_by(SiteRow.created_at)
    if kind:
        q = q.where(SiteRow.kind == kind)
    return [site_from_row(r) for r in session.scalars(q).all()]


def count_sites(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SiteRow)) or 0


def update_site(session: Session, site: Site, *, updated_by: str | None) -> Site:
    """Store ``site``'s new position and properties over its row (committed), with who and when."""
    row = get_row(session, SiteRow, site.id, "site")
    row.name = site.name
    row.geometry = dumps(mapping(site.geometry))
    row.sector = site.sector
    row.weight = site.weight
    row.radius_m = site.radius_m
    row.county_code = site.county_code
    row.properties = dumps(site.properties)
    row.updated_at = utcnow()
    row.updated_by = updated_by
    session.commit()
    return site_from_row(row)

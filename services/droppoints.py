"""The fixed contactless receiving point (固定接收点) of an enterprise, on its premises' perimeter."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast

from shapely.geometry import mapping
from sqlalchemy.orm import Session

from geo import prepared
from geo.errors import InvalidInputError, NotFoundError
from routing.droppoint import Gate, Origin, osm_gates, plan_drop_point
from routing.router import RoutePlan
from services.context import AppContext
from services.routes import record_of_plan
from services.stations import CANDIDATE_KINDS, network_pbf
from services.users import act_for
from store import plans as store
from store import sites, zones
from store.db import dumps, new_id
from store.users import Principal


def _gates(ctx: AppContext) -> list[Gate]:
    def load() -> list[Gate]:
        pbf = network_pbf(ctx)
        return osm_gates(pbf, bbox=ctx.network.bbox) if pbf is not None else []

    return ctx.gate_cache.gates(load)


def _origins(session: Session, when: datetime) -> list[Origin]:
    """Where deliveries come from: stations and logistics hubs outside active no-stop zones, docking points."""
    blocking = [z for z in zones.list_zones(session) if z.no_stop and z.active_at(when)]
    out = []
    for kind in CANDIDATE_KINDS:
        for s in sites.list_sites(session, kind=kind):
            if any(z.contains(*s.point) for z in blocking):
                continue
            out.append(Origin(kind=kind, id=s.id, name=s.name, lon=s.point[0], lat=s.point[1]))
    for p in store.list_docking_points(session):
        out.append(
            Origin(kind="docking_point", id=p.id, name=f"docking point of zone {p.zone_id}", lon=p.lon, lat=p.lat)
        )
    return out


def place_drop_point(ctx: AppContext, session: Session, site_id: str, *, user: Principal) -> dict[str, Any]:
    """Find and store an enterprise's drop point, replacing the one before.

    At an OSM gate/entrance on the perimeter when the extract has one, else the perimeter point
    closest to the best truck-usable approach road; with the approach route from the nearest (by
    travel time) stored candidate station, logistics hub or docking point.

    Raises
    ------
    NotFoundError
        An unknown site.
    InvalidInputError
        A site that is not an enterprise.
    PermissionDeniedError
        A dispatcher bound to another enterprise.
    """
    act_for(user, site_id)
    site = sites.get_site(session, site_id)
    if site.kind != "enterprise":
        raise InvalidInputError(
            f"site {site_id!r} is a {site.kind!r}; drop points are for 'enterprise' sites",
            zh=f"站点 {site_id!r} 的类型为 {site.kind!r}；固定接收点只用于 'enterprise'（企业）站点",
        )
    now = datetime.now(UTC)
    dp = plan_drop_point(ctx.road_router, site, _origins(session, now), gates=_gates(ctx))
    approach = cast(RoutePlan, dp.plan)
    zone = next(
        (
            z
            for z in zones.list_zones(session, active_at=now)
            if z.contains(dp.lon, dp.lat) or prepared.intersects(z.geometry, dp.premises)
        ),
        None,
    )
    rid = new_id("drop")
    doc = {
        "id": rid,
        "site_id": site_id,
        "point": [dp.lon, dp.lat],
        "method": dp.method,
        "perimeter_distance_m": round(dp.perimeter_distance_m, 3),
        "gate": dp.gate,
        "access_point": dp.access_point,
        "access_road": dp.access_road,
        "served_from": {
            "kind": dp.origin.kind,
            "id": dp.origin.id,
            "name": dp.origin.name,
            "point": [dp.origin.lon, dp.origin.lat],
            "travel_time_s": round(approach.travel_time_s, 1),
        },
        "approach": record_of_plan(approach, route_id=f"{rid}-approach").public_json(),
        "premises": mapping(dp.premises),
        "radius_m": dp.radius_m,
        "zone": {"id": zone.id, "name": zone.name, "risk": zone.risk} if zone else None,
        "created_at": now.isoformat(),
    }
    doc = json.loads(dumps(doc))  # plain JSON (tuples -> lists)
    store.replace_drop_point(
        session, doc, site_id=site_id, lon=dp.lon, lat=dp.lat, created_by=user.name, created_at=now
    )
    return doc


def get_drop_point(session: Session, site_id: str) -> dict[str, Any]:
    """A site's stored drop point.

    Raises
    ------
    NotFoundError
        An unknown site, or one with no drop point yet.
    """
    sites.get_site(session, site_id)
    doc = store.get_drop_point(session, site_id)
    if doc is None:
        raise NotFoundError(
            f"site {site_id!r} has no drop point yet; POST /sites/{site_id}/drop-point",
            zh=f"站点 {site_id!r} 还没有固定接收点；请 POST /sites/{site_id}/drop-point",
        )
    return doc

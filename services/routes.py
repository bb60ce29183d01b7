"""Closed-loop truck routes: the one way a route is assembled, for ``POST /routes``, ``baotong route``
and pass issuance alike.

:func:`plan_route` reads, per request, the zones active at the departure (from the database, so
several worker processes agree), the approved closures in force then, the planned docking
points and whether the ends are whitelist enterprises' sites, and asks
:func:`routing.freight.closed_loop_route`.  The answer is a :class:`~store.routes.RouteRecord`.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from geo.errors import InvalidInputError
from geo.projection import to_wgs84
from routing.freight import DEFAULT_MAX_DETOUR_RATIO, FreightRoute, closed_loop_route
from routing.router import Leg, RoutePlan, Vehicle
from services import closures, zones
from services.context import AppContext
from services.users import act_for
from store import routes as store
from store import sites
from store.db import dumps, new_id, utcnow
from store.routes import CrossingRecord, LegRecord, RouteRecord, SnapRecord, TransshipmentRecord
from store.users import Principal


@dataclass(frozen=True)
class RouteRequest:
    """A closed-loop truck trip: ``origin``/``destination`` ``[lon, lat]``, or a site id that names them."""

    origin: Sequence[float] | None = None
    destination: Sequence[float] | None = None
    waypoints: Sequence[Sequence[float]] = ()
    departure: datetime | None = None
    vehicle: Vehicle | None = None
    max_detour_ratio: float | None = None
    destination_site_id: str | None = None
    origin_site_id: str | None = None
    crs: str = "wgs84"

    def to_json(self) -> dict[str, Any]:
        """The request as stored with its route."""
        v = self.vehicle
        return {
            "origin": list(self.origin) if self.origin is not None else None,
            "destination": list(self.destination) if self.destination is not None else None,
            "waypoints": [list(p) for p in self.waypoints],
            "departure": self.departure.isoformat() if self.departure else None,
            "vehicle": {"height_m": v.height_m, "weight_t": v.weight_t, "width_m": v.width_m} if v else None,
            "max_detour_ratio": self.max_detour_ratio,
            "destination_site_id": self.destination_site_id,
            "origin_site_id": self.origin_site_id,
            "crs": self.crs,
        }


@dataclass(frozen=True)
class _End:
    """An end of a trip: its ``[lon, lat]``, and whether it is a whitelist enterprise's site."""

    point: list[float]
    whitelisted: bool = False


def _end(session: Session, point: Sequence[float] | None, site_id: str | None, which: str, crs: str) -> _End:
    """The ``[lon, lat]`` of ``origin``/``destination`` and whether it is a whitelist enterprise's site."""
    whitelisted = False
    if site_id is not None:
        site = sites.get_site(session, site_id)  # NotFoundError -> 404
        whitelisted = site.kind == "enterprise" and bool(site.whitelist)
        if point is None:
            return _End(list(site.point), whitelisted)
    if point is None:
        raise InvalidInputError(
            f"`{which}` is missing; give [lon, lat] or `{which}_site_id`",
            zh=f"缺少 `{which}`；请给出 [经度, 纬度] 或 `{which}_site_id`",
        )
    return _End(list(to_wgs84(point[0], point[1], crs)), whitelisted)


def plan_route(ctx: AppContext, session: Session, request: RouteRequest, *, route_id: str | None = None) -> RouteRecord:
    """Compute the closed-loop route of a request (not stored: see :func:`save_route`).

    The zones active at ``request.departure`` (default now), the approved hard-barrier closures
    in force then and the planned docking points apply.

    Raises
    ------
    InvalidInputError
        Bad points, a waypoint inside a sealed/controlled zone (named).
    NotFoundError
        An unknown site id.
    NoRouteError
        No legal truck route; the message names the blocking limit.
    """
    departure = request.departure or datetime.now(UTC)
    if departure.tzinfo is None:
        departure = departure.replace(tzinfo=UTC)
    origin = _end(session, request.origin, request.origin_site_id, "origin", request.crs)
    destination = _end(session, request.destination, request.destination_site_id, "destination", request.crs)
    waypoints = [list(to_wgs84(p[0], p[1], request.crs)) if len(p) == 2 else list(p) for p in request.waypoints]
    for i, p in enumerate(waypoints):
        if len(p) != 2:
            raise InvalidInputError(
                f"`waypoints[{i}]` was {p!r}; expected [lon, lat]", zh=f"`waypoints[{i}]` 为 {p!r}；应为 [经度, 纬度]"
            )
    result = closed_loop_route(
        ctx.road_router,
        origin.point,
        destination.point,
        zones=zones.live_zones(ctx, session, active_at=departure),
        waypoints=waypoints,
        vehicle=request.vehicle,
        departure=departure,
        max_detour_ratio=request.max_detour_ratio or DEFAULT_MAX_DETOUR_RATIO,
        closed_arcs=closures.closed_arcs(ctx, departure),
        docking_points=ctx.hot.docking_points(),
        destination_whitelisted=destination.whitelisted,
        origin_whitelisted=origin.whitelisted,
    )
    return record_of_freight(
        result, route_id=route_id or new_id("route"), departure=departure, request=request.to_json()
    )


def save_route(ctx: AppContext, record: RouteRecord, *, user: Principal) -> concurrent.futures.Future[None]:
    """Queue ``record`` for the group-commit writer; the future resolves once it is committed.

    The route is the enterprise's of a dispatcher bound to one (only that enterprise's dispatchers
    read it back), else the bureau's.
    """
    return ctx.hot.insert_route(
        id=record.id,
        request=dumps(record.request),
        result=record.stored_text(),
        created_at=utcnow(),
        created_by=user.name,
        enterprise_id=user.enterprise_id if user.role == "dispatcher" else None,
    )


def get_route(session: Session, route_id: str, *, user: Principal) -> RouteRecord:
    """The stored route ``route_id``, if ``user`` may read it.

    Raises
    ------
    NotFoundError
        No such route.
    PermissionDeniedError
        A dispatcher bound to an enterprise, and a route that is not that enterprise's.
    """
    act_for(user, store.route_enterprise(session, route_id))
    return store.get_route(session, route_id)


# -- records of computed routes ----------------------------------------------------------------------
def _leg(leg: Leg) -> LegRecord:
    return LegRecord(
        kind=leg.kind,
        length_m=leg.length_m,
        travel_time_s=leg.travel_time_s,
        coordinates=leg.coordinates,
        note=leg.note,
    )


def _point(p: Sequence[float]) -> tuple[float, float]:
    return float(p[0]), float(p[1])


def record_of_freight(
    route: FreightRoute, *, route_id: str, departure: datetime | None = None, request: dict[str, Any] | None = None
) -> RouteRecord:
    """The record of a :class:`FreightRoute` (its own unrounded geometry, arcs and costs)."""
    return RouteRecord(
        id=route_id,
        created_at=datetime.now(UTC),
        origin=_point(route.origin),
        destination=_point(route.destination),
        snapped_origin=_point(route.snapped_origin),
        snapped_destination=_point(route.snapped_destination),
        departure=departure,
        length_m=route.length_m,
        travel_time_s=route.travel_time_s,
        coordinates=route.coordinates,
        legs=tuple(_leg(leg) for leg in route.legs),
        arcs=np.asarray(route.arcs, dtype=np.int64),
        zones_crossed=tuple(
            CrossingRecord(
                zone_id=c.zone_id,
                name=c.name,
                risk=c.risk,
                entry=_point(c.entry),
                exit=_point(c.exit),
                time_inside_s=c.time_inside_s,
                length_inside_m=c.length_inside_m,
            )
            for c in route.zones_crossed
        ),
        transshipments=tuple(
            TransshipmentRecord(
                end=t.end,
                zone_id=t.zone_id,
                zone_name=t.zone_name,
                risk=t.risk,
                docking_point=_point(t.docking_point),
                planned=t.planned,
                leg=_leg(t.leg),
            )
            for t in route.transshipments
        ),
        warnings=tuple(route.warnings),
        explanation=route.explanation,
        choice=route.choice,
        closed_loop_delivery=route.closed_loop_delivery,
        time_inside_s=route.time_inside_s,
        stops=tuple(_point(p) for p in route.stops),
        snaps=tuple(
            SnapRecord(
                stop=r.stop,
                given=_point(r.given),
                snapped=_point(r.snapped),
                distance_m=r.distance_m,
                moved=r.moved,
                zone_id=r.zone_id,
                risk=r.risk,
            )
            for r in route.snaps
        ),
        costs=route.costs,
        request=request,
    )


def record_of_plan(plan: RoutePlan, *, route_id: str, departure: datetime | None = None) -> RouteRecord:
    """The record of a plain :class:`RoutePlan` (no zones: station planning, a drop point's approach)."""
    return RouteRecord(
        id=route_id,
        created_at=datetime.now(UTC),
        origin=(plan.origin.lon, plan.origin.lat),
        destination=(plan.destination.lon, plan.destination.lat),
        snapped_origin=(plan.origin.snapped_lon, plan.origin.snapped_lat),
        snapped_destination=(plan.destination.snapped_lon, plan.destination.snapped_lat),
        departure=departure,
        length_m=plan.length_m,
        travel_time_s=plan.travel_time_s,
        coordinates=plan.coordinates,
        legs=tuple(_leg(leg) for leg in plan.legs),
        arcs=np.asarray(plan.arcs, dtype=np.int64),
        warnings=tuple(plan.warnings),
    )

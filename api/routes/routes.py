"""Closed-loop truck routes through emergency zones (dispatcher and planner).

``POST /routes`` reads, per request, the zones active at ``departure`` from
the database (so several worker processes agree), the planned docking points
and approved closures from the feature modules' hooks, and asks
:func:`routing.freight.closed_loop_route`.  :func:`compute_route` is the
reusable core (vehicle-pass issuance binds a route with it).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import numpy as np
from fastapi import APIRouter, status

from api import crud
from api.db import dumps, new_id, utcnow
from api.deps import DispatcherUser, SessionDep, StateDep
from api.schemas import RouteCreate, RoutePublic
from geo.errors import InvalidInputError
from geo.projection import to_wgs84
from routing.freight import DEFAULT_MAX_DETOUR_RATIO, FreightRoute, closed_loop_route
from routing.router import Leg, RoutePlan, Vehicle

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/routes", tags=["routes"])


def line(coords) -> dict:
    """A GeoJSON LineString with coordinates rounded to 7 decimals (~1 cm)."""
    arr = np.asarray(coords, dtype=float)  # routing hands over [n, 2] arrays
    return {"type": "LineString", "coordinates": np.round(arr, 7).reshape(-1, 2).tolist()}


def _pt(p) -> list[float]:
    return [round(float(p[0]), 7), round(float(p[1]), 7)]


def leg_to_public(leg: Leg) -> dict:
    geom = line(leg.coordinates)
    return {"kind": leg.kind, "length_m": round(leg.length_m, 1), "travel_time_s": round(leg.travel_time_s, 1),
            "geometry": geom, "note": leg.note}


def plan_to_public(plan: RoutePlan, *, route_id: str, departure: datetime | None = None) -> dict:
    """A route document from a plain :class:`RoutePlan` (no zones; used by station planning)."""
    return {
        "id": route_id,
        "created_at": datetime.now(UTC).isoformat(),
        "origin": [plan.origin.lon, plan.origin.lat],
        "destination": [plan.destination.lon, plan.destination.lat],
        "snapped_origin": [plan.origin.snapped_lon, plan.origin.snapped_lat],
        "snapped_destination": [plan.destination.snapped_lon, plan.destination.snapped_lat],
        "departure": departure.isoformat() if departure else None,
        "length_m": round(plan.length_m, 1),
        "travel_time_s": round(plan.travel_time_s, 1),
        "geometry": line(plan.coordinates),
        "legs": [leg_to_public(leg) for leg in plan.legs],
        "zones_crossed": [],
        "transshipment": None,
        "warnings": list(plan.warnings),
        "explanation": None,
        "arcs": np.asarray(plan.arcs, dtype=np.int64).tolist(),
    }


def freight_to_document(route: FreightRoute, *, route_id: str, departure: datetime | None = None,
                        request: dict | None = None) -> dict:
    """The stored route document of a :class:`FreightRoute`.

    Besides the :class:`~api.schemas.RoutePublic` fields it keeps the truck's
    arc ids under ``"arcs"`` (closure impact analysis) and the rule's integer
    costs under ``"costs"``; neither is part of the public response.
    """
    trans = None
    if route.transshipments:
        trans = {
            t.end: {"zone_id": t.zone_id, "zone_name": t.zone_name, "risk": t.risk,
                    "docking_point": _pt(t.docking_point), "planned": t.planned, "leg": leg_to_public(t.leg)}
            for t in route.transshipments
        }
    return {
        "id": route_id,
        "created_at": datetime.now(UTC).isoformat(),
        "origin": route.origin,
        "destination": route.destination,
        "snapped_origin": _pt(route.snapped_origin),
        "snapped_destination": _pt(route.snapped_destination),
        "departure": departure.isoformat() if departure else None,
        "length_m": round(route.length_m, 1),
        "travel_time_s": round(route.travel_time_s, 1),
        "geometry": line(route.coordinates),
        "legs": [leg_to_public(leg) for leg in route.legs],
        "zones_crossed": [
            {"zone_id": c.zone_id, "name": c.name, "risk": c.risk, "entry": _pt(c.entry), "exit": _pt(c.exit),
             "time_inside_s": round(c.time_inside_s, 1), "length_inside_m": round(c.length_inside_m, 1)}
            for c in route.zones_crossed
        ],
        "transshipment": trans,
        "warnings": list(route.warnings),
        "explanation": route.explanation,
        "choice": route.choice,
        "closed_loop_delivery": route.closed_loop_delivery,
        "time_inside_s": round(route.time_inside_s, 1),
        "stops": [_pt(p) for p in route.stops],
        "arcs": np.asarray(route.arcs, dtype=np.int64).tolist(),
        "costs": route.costs,
        "request": request,
    }


def feature_hooks(state, session, at: datetime) -> tuple[dict[str, list[list[float]]], np.ndarray]:
    """Planned docking points and closed arcs from the feature modules' hooks.

    A module in ``state.caches["features"]`` may define
    ``docking_points(state, session) -> {zone_id: [[lon, lat], ...]}`` and
    ``closed_arcs(state, session, at) -> int array`` (arcs of approved closures).
    """
    docks: dict[str, list[list[float]]] = {}
    closed: list[np.ndarray] = []
    for module in state.caches.get("features", []):
        provider = getattr(module, "docking_points", None)
        if provider is not None:
            for zone_id, pts in (provider(state, session) or {}).items():
                docks.setdefault(zone_id, []).extend(pts)
        provider = getattr(module, "closed_arcs", None)
        if provider is not None:
            arcs = provider(state, session, at)
            if arcs is not None and len(arcs):
                closed.append(np.asarray(arcs, dtype=np.int64).reshape(-1))
    return docks, (np.unique(np.concatenate(closed)) if closed else np.zeros(0, dtype=np.int64))


def _end(body: RouteCreate, session, which: str) -> tuple[list[float], bool]:
    """The ``[lon, lat]`` of ``origin``/``destination`` and whether it is a whitelist enterprise's site."""
    point = getattr(body, which)
    site_id = getattr(body, f"{which}_site_id")
    whitelisted = False
    if site_id is not None:
        site = crud.get_site(session, site_id)  # NotFoundError -> 404
        whitelisted = site.kind == "enterprise" and bool(site.whitelist)
        if point is None:
            return list(site.point), whitelisted
    if point is None:
        raise InvalidInputError(f"`{which}` is missing; give [lon, lat] or `{which}_site_id`")
    return list(to_wgs84(point[0], point[1], body.crs)), whitelisted


def compute_route(state, session, body: RouteCreate, *, route_id: str | None = None) -> dict:
    """Compute the closed-loop route of a request and return its document (not stored).

    The zones active at ``body.departure`` (default now) are read from the
    database; docking points and closed arcs come from :func:`feature_hooks`.
    The document holds the public fields plus ``"arcs"`` (the truck's arc
    ids), ``"costs"`` and ``"request"``.

    Raises
    ------
    InvalidInputError
        Bad points, a waypoint inside a sealed/controlled zone (named).
    NotFoundError
        An unknown site id.
    NoRouteError
        No legal truck route; the message names the blocking limit.
    """
    departure = body.departure or datetime.now(UTC)
    if departure.tzinfo is None:
        departure = departure.replace(tzinfo=UTC)
    origin, origin_wl = _end(body, session, "origin")
    destination, destination_wl = _end(body, session, "destination")
    waypoints = [list(to_wgs84(p[0], p[1], body.crs)) if len(p) == 2 else p for p in body.waypoints]
    for i, p in enumerate(waypoints):
        if len(p) != 2:
            raise InvalidInputError(f"`waypoints[{i}]` was {p!r}; expected [lon, lat]")
    zones = crud.live_zones(state, session, active_at=departure)
    docks, closed = feature_hooks(state, session, departure)
    vehicle = Vehicle(**body.vehicle.model_dump()) if body.vehicle else None
    result = closed_loop_route(
        state.router, origin, destination, zones=zones, waypoints=waypoints, vehicle=vehicle, departure=departure,
        max_detour_ratio=body.max_detour_ratio or DEFAULT_MAX_DETOUR_RATIO, closed_arcs=closed,
        docking_points=docks, destination_whitelisted=destination_wl, origin_whitelisted=origin_wl,
    )
    return freight_to_document(result, route_id=route_id or new_id("route"), departure=departure,
                               request=body.model_dump(mode="json"))


@router.post("", response_model=RoutePublic, status_code=status.HTTP_201_CREATED,
             responses={422: {"description": "bad input, a waypoint inside a zone, or no legal route"}})
async def create_route(body: RouteCreate, state: StateDep, session: SessionDep, user: DispatcherUser) -> dict:
    """Compute and store a closed-loop truck route through the zones active at ``departure``.

    Sealed and controlled zones may be passed through, never stopped in: a
    zone-avoiding route is taken when it is within ``max_detour_ratio`` of the
    fastest; otherwise the route minimises time inside zones, then total time.
    A destination (origin) inside a sealed zone becomes a transshipment at a
    docking point, or a closed-loop delivery for a whitelist enterprise's site.
    """
    # A route is a few milliseconds of CPU and indexed reads: computed on the event loop, which in a
    # CPU-bound process is faster than a thread fighting the loop for the GIL.  The row is stored by
    # the group-commit writer and the answer waits for its commit.
    doc = compute_route(state, session, body)
    await asyncio.wrap_future(state.hot.insert("routes", {
        "id": doc["id"], "request": dumps(doc["request"]), "result": dumps(doc), "created_at": utcnow(),
        "created_by": user.name}))
    return doc


@router.get("/{route_id}", response_model=RoutePublic)
def get_route(route_id: str, session: SessionDep) -> dict:
    return crud.get_route(session, route_id)

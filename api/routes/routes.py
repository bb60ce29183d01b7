"""Truck routes (dispatcher and planner)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, status

from api import crud
from api.db import new_id
from api.deps import DispatcherUser, SessionDep, StateDep
from api.schemas import RouteCreate, RoutePublic
from geo.projection import to_wgs84
from routing.router import RoutePlan, Vehicle

router = APIRouter(prefix="/routes", tags=["routes"])


def line(coords) -> dict:
    return {"type": "LineString", "coordinates": [[round(x, 7), round(y, 7)] for x, y in coords]}


def plan_to_public(plan: RoutePlan, *, route_id: str, departure: datetime | None = None) -> dict:
    """A stored/returned route document from a :class:`RoutePlan`."""
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
        "legs": [
            {"kind": leg.kind, "length_m": round(leg.length_m, 1), "travel_time_s": round(leg.travel_time_s, 1),
             "geometry": line(leg.coordinates), "note": leg.note}
            for leg in plan.legs
        ],
        "zones_crossed": [],
        "transshipment": None,
        "warnings": list(plan.warnings),
        "explanation": None,
    }


def points(body: RouteCreate) -> tuple[list[float], list[float]]:
    return list(to_wgs84(*body.origin, body.crs)), list(to_wgs84(*body.destination, body.crs))


@router.post("", response_model=RoutePublic, status_code=status.HTTP_201_CREATED)
def create_route(body: RouteCreate, state: StateDep, session: SessionDep, user: DispatcherUser) -> dict:
    """Compute and store the fastest legal truck route between two ``[lon, lat]`` points."""
    origin, destination = points(body)
    vehicle = Vehicle(**body.vehicle.model_dump()) if body.vehicle else None
    plan = state.router.route(origin, destination, vehicle=vehicle)
    doc = plan_to_public(plan, route_id=new_id("route"), departure=body.departure)
    return crud.add_route(session, body.model_dump(mode="json"), doc, created_by=user.name)


@router.get("/{route_id}", response_model=RoutePublic)
def get_route(route_id: str, session: SessionDep) -> dict:
    return crud.get_route(session, route_id)

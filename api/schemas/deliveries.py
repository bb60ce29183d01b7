"""Request and response schemas of delivery plans (应急物流配送预案) and the passes issued from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import Crs, IsoDateTime, LonLat
from api.schemas.routes import VehicleIn

Point = list[float]


# --- the request -------------------------------------------------------------------------
class DepotIn(BaseModel):
    """A depot: a stored site, a stored docking point of a zone, or a point with an id (exactly one)."""

    site_id: str | None = Field(
        default=None, max_length=40, description="a stored candidate_station (transfer station) or hub_logistics site"
    )
    docking_point_id: str | None = Field(
        default=None, max_length=40, description="a docking point of a zone (POST /zones/{id}/docking-points)"
    )
    id: str | None = Field(default=None, max_length=40, description="the id of a depot given as a point")
    point: LonLat | None = Field(default=None, min_length=2, max_length=2, description="[lon, lat]")
    kind: Literal["transfer_station", "logistics_hub", "docking_point"] | None = Field(
        default=None, description="of a depot given as a point (default logistics_hub)"
    )
    zone_id: str | None = Field(default=None, max_length=40, description="the zone of a docking point given as a point")


class StopIn(BaseModel):
    """A drop: a stored enterprise (served at its drop point when one is stored) or demand site, or a point."""

    site_id: str | None = Field(default=None, max_length=40, description="a stored enterprise or demand site")
    id: str | None = Field(default=None, max_length=40, description="the id of a stop given as a point")
    point: LonLat | None = Field(default=None, min_length=2, max_length=2, description="[lon, lat]")
    demand: int = Field(default=1, ge=0, le=1_000_000, description="units (one unit for the whole plan)")
    service_time_s: float = Field(default=0.0, ge=0, le=86_400)
    window: list[IsoDateTime] | None = Field(
        default=None,
        min_length=2,
        max_length=2,
        description="[earliest, latest] start of the service, ISO 8601 with offsets",
    )


class FleetIn(BaseModel):
    """A vehicle type: registered vehicles by id, or a count; an outside truck type (``depot_id``) or an
    inside vehicle type of a zone (``zone_id``)."""

    id: str | None = Field(default=None, max_length=40, description="the type's id (default fleet-<n>)")
    vehicle_ids: list[str] = Field(
        default_factory=list,
        max_length=500,
        description="registered vehicles of whitelist enterprises (POST /sites/{id}/vehicles); their dimensions "
        "come from the registry, and each truck route's pass is issued to one of them",
    )
    count: int | None = Field(default=None, ge=1, le=1000, description="vehicles not registered (no passes)")
    vehicle: VehicleIn | None = Field(default=None, description="dimensions of vehicles given by count")
    capacity: int = Field(ge=1, le=1_000_000_000)
    shift_start: IsoDateTime
    shift_end: IsoDateTime
    max_duration_s: float | None = Field(default=None, gt=0, le=7 * 86_400)
    depot_id: str | None = Field(default=None, max_length=40, description="an outside truck type's depot")
    zone_id: str | None = Field(default=None, max_length=40, description="an inside vehicle type's zone")


class DeliveryPlanCreate(BaseModel):
    """Depots, stops with demand, service time and windows, a fleet, the departure, the solver's limit and seed."""

    name: str | None = Field(default=None, max_length=200)
    depots: list[DepotIn] = Field(min_length=1, max_length=500)
    stops: list[StopIn] = Field(min_length=1, max_length=5000)
    fleet: list[FleetIn] = Field(min_length=1, max_length=100)
    departure: IsoDateTime | None = Field(
        default=None,
        description="the zones active and the approved closures in force at this time apply (default: the earliest "
        "shift start)",
    )
    max_detour_ratio: float | None = Field(default=None, ge=1.0, le=10.0)
    handover_time_s: float | None = Field(default=None, ge=0, le=86_400, description="truck to inside vehicle")
    use_stored_docking_points: bool = Field(
        default=True, description="serve a zone from its stored docking points unless the depots name some"
    )
    time_limit_s: float = Field(
        default=10.0, gt=0, le=3600, description="solver seconds, at most BAOTONG_MAX_DELIVERY_SOLVE_S (default 120)"
    )
    seed: int = Field(default=0, ge=0, lt=2**32)
    crs: Crs = "wgs84"


# --- the plan ----------------------------------------------------------------------------
class CrossingPublic(BaseModel):
    zone: str
    name: str
    risk: str
    entry: Point
    exit: Point
    time_inside_s: float
    length_inside_m: float


class PlanLegPublic(BaseModel):
    from_: str = Field(alias="from")
    to: str
    kind: Literal["truck", "inside", "none"]
    choice: str = Field(description="free, avoid or min_inside (the closed-loop rule), inside, none")
    length_m: float
    travel_time_s: float
    time_inside_s: float
    zones_crossed: list[CrossingPublic]
    geometry: dict[str, Any]


class VisitPublic(BaseModel):
    kind: Literal["stop", "handover"]
    id: str
    point: Point
    arrival: datetime
    start: datetime
    departure: datetime
    wait_s: float
    demand: int
    load_after: int
    window: list[datetime] | None = None
    zone: str | None = None
    inside_route: str | None = None


class BasePublic(BaseModel):
    id: str
    point: Point


class SuppliedByPublic(BaseModel):
    route: str
    visit: int


class RouteVehiclePublic(BaseModel):
    vehicle_id: str
    plate: str
    enterprise_id: str


class DeliveryRoutePublic(BaseModel):
    id: str
    kind: Literal["outside", "inside"]
    vehicle_type: str
    zone: str | None = None
    base: BasePublic
    departure: datetime
    arrival: datetime
    stops: list[VisitPublic]
    legs: list[PlanLegPublic]
    load: int
    capacity: int
    distance_m: float
    travel_time_s: float
    duration_s: float
    supplied_by: SuppliedByPublic | None = None
    vehicle: RouteVehiclePublic | None = Field(default=None, description="the registered vehicle that drives it")


class UnservedPublic(BaseModel):
    id: str
    reason: str


class DockingChoicePublic(BaseModel):
    zone: str
    id: str
    point: Point
    planned: bool
    stops: int


class DeliveryTotalsPublic(BaseModel):
    distance_m: float
    travel_time_s: float
    vehicles_used: int
    outside_vehicles_used: int
    inside_vehicles_used: int
    stops_served: int
    stops_unserved: int


class PlanZonePublic(BaseModel):
    id: str
    name: str
    risk: str


class DeliveryPlanPublic(BaseModel):
    id: str
    name: str | None = None
    created_at: datetime
    created_by: str | None = None
    departure: datetime | None = None
    start: datetime
    routes: list[DeliveryRoutePublic]
    unserved: list[UnservedPublic]
    docking_points: list[DockingChoicePublic]
    totals: DeliveryTotalsPublic
    solver: dict[str, Any]
    warnings: list[str]
    zones: list[PlanZonePublic] = Field(description="the sealed/controlled zones in force at the departure")
    closed_arcs: int = Field(description="road arcs closed by approved closures in force at the departure")
    rule_violations: list[str] = Field(description="every rule the plan breaks (checked on the plan; empty)")
    passes: dict[str, str] = Field(description="route id -> the pass issued for it from this plan")


class DeliveryPlanSummary(BaseModel):
    id: str
    name: str | None = None
    created_at: datetime
    created_by: str | None = None
    departure: datetime | None = None
    stops: int
    totals: DeliveryTotalsPublic
    rule_violations: int


class DeliveryPlansPublic(BaseModel):
    data: list[DeliveryPlanSummary]
    count: int = Field(description="plans in all")
    next: str | None = Field(description="the next page's URL, none on the last page")


# --- passes from a plan --------------------------------------------------------------------
class DeliveryPassesCreate(BaseModel):
    """Issue the plan's outside trucks' passes: one vehicle, one pass, one route (each truck on its own)."""

    cargo: str = Field(min_length=1, max_length=100)
    crew: dict[str, list[str]] = Field(
        default_factory=dict, max_length=500, description="route id -> crew ids of the truck's crew"
    )
    routes: list[str] | None = Field(
        default=None, max_length=500, description="route ids (default: every truck route with a registered vehicle)"
    )
    margin_s: float = Field(
        default=3600.0,
        ge=0,
        le=86_400,
        description="each pass opens this long before the planned departure and closes this long after the return",
    )


class TruckPassPublic(BaseModel):
    route: str
    vehicle_id: str | None = None
    plate: str | None = None
    enterprise_id: str | None = None
    status: Literal["issued", "already_issued", "refused"]
    http_status: int = Field(description="what issuing this pass alone would have answered")
    pass_no: str | None = None
    reasons: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    valid_from: datetime
    valid_until: datetime


class DeliveryPassesPublic(BaseModel):
    plan_id: str
    issued: int
    already_issued: int
    refused: int
    results: list[TruckPassPublic]

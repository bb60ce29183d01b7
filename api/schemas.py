"""Request and response schemas, in families per resource (Create / Public / ...sPublic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

LonLat = list[float]
Crs = Literal["wgs84", "gcj02"]


def _iso_only(value: Any) -> Any:
    """Refuse numbers (pydantic would read them as Unix times): the API takes ISO 8601 date-times."""
    if isinstance(value, bool | int | float) or (isinstance(value, str) and value.strip().lstrip("+-").replace(
            ".", "", 1).isdigit()):
        raise ValueError(f"expected an ISO 8601 date-time such as 2026-11-26T08:00:00Z, got {value!r}")
    return value


#: An ISO 8601 date-time (with an offset, or taken as UTC); numbers are refused.
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]


class Message(BaseModel):
    detail: str


class Health(BaseModel):
    status: Literal["ok"]
    network_nodes: int
    uptime_s: float
    database: str


class NetworkPublic(BaseModel):
    source: str
    nodes: int
    arcs: int
    bbox: list[float] = Field(description="[left, bottom, right, top] in WGS-84")
    engine: str
    dropped_nodes: int | None = None
    dropped_arcs: int | None = None


# --- zones ---------------------------------------------------------------------------
class ZoneProperties(BaseModel):
    model_config = ConfigDict(extra="allow")
    risk: Literal["sealed", "controlled", "precaution"]
    name: str | None = Field(default=None, max_length=200)
    valid_from: IsoDateTime | None = None
    valid_until: IsoDateTime | None = None
    county_code: str | None = Field(default=None, max_length=12)


class Geometry(BaseModel):
    type: str
    coordinates: Any


class ZoneCreate(BaseModel):
    """A GeoJSON Feature whose geometry is a Polygon or MultiPolygon."""

    type: Literal["Feature"] = "Feature"
    geometry: Geometry
    properties: ZoneProperties
    crs: Crs = "wgs84"


class ZonePublic(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict
    properties: dict


class ZonesPublic(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[ZonePublic]
    count: int


# --- sites ---------------------------------------------------------------------------
class SiteProperties(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: Literal["hub_rail", "hub_coach", "hub_logistics", "enterprise", "candidate_station", "demand"]
    name: str | None = Field(default=None, max_length=200)
    whitelist: bool = False
    sector: str | None = Field(default=None, max_length=100)
    weight: float = Field(default=1.0, ge=0, le=1e9)
    radius_m: float | None = Field(default=None, gt=0, le=10_000)
    county_code: str | None = Field(default=None, max_length=12)


class SiteCreate(BaseModel):
    """A GeoJSON Feature whose geometry is a Point or a Polygon (premises)."""

    type: Literal["Feature"] = "Feature"
    geometry: Geometry
    properties: SiteProperties
    crs: Crs = "wgs84"


class SitePublic(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict
    properties: dict
    snapped: dict | None = Field(default=None, description="where the site meets the truck network")


class SitesPublic(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[SitePublic]
    count: int


# --- routes --------------------------------------------------------------------------
class VehicleIn(BaseModel):
    height_m: float | None = Field(default=None, gt=0, lt=100)
    weight_t: float | None = Field(default=None, gt=0, lt=1000)
    width_m: float | None = Field(default=None, gt=0, lt=100)


class RouteCreate(BaseModel):
    """A closed-loop truck trip; ``origin``/``destination`` may be omitted when a site id names them."""

    origin: LonLat | None = Field(default=None, min_length=2, max_length=2, description="[lon, lat]")
    destination: LonLat | None = Field(default=None, min_length=2, max_length=2, description="[lon, lat]")
    waypoints: list[LonLat] = Field(default_factory=list, max_length=25,
                                    description="intermediate stops [[lon, lat], ...]; never inside a sealed/controlled zone")
    departure: IsoDateTime | None = Field(default=None, description="zones active at this time apply (default now)")
    vehicle: VehicleIn | None = None
    max_detour_ratio: float | None = Field(default=None, ge=1.0, le=10.0,
                                           description="accept a zone-avoiding route up to this x the fastest (1.3)")
    destination_site_id: str | None = Field(default=None, description="a site; a whitelist enterprise inside a sealed "
                                            "zone makes the trip a closed-loop point-to-point delivery")
    origin_site_id: str | None = None
    crs: Crs = "wgs84"


class LegPublic(BaseModel):
    kind: str = Field(description="origin, transit, destination, or inside (the inside vehicle of a transshipment)")
    length_m: float
    travel_time_s: float
    geometry: dict
    coordinates: list[LonLat] = Field(default_factory=list)
    note: str | None = None


class ZoneCrossing(BaseModel):
    zone_id: str
    name: str | None = None
    risk: str
    entry: LonLat | None = None
    exit: LonLat | None = None
    time_inside_s: float
    length_inside_m: float | None = None


class RoutePublic(BaseModel):
    id: str
    created_at: datetime | None = None
    origin: LonLat
    destination: LonLat
    snapped_origin: LonLat
    snapped_destination: LonLat
    departure: datetime | None = None
    length_m: float
    travel_time_s: float
    geometry: dict
    legs: list[LegPublic]
    zones_crossed: list[ZoneCrossing] = Field(default_factory=list)
    transshipment: dict | None = Field(default=None, description="keyed by end (`origin`/`destination`): zone, "
                                       "`docking_point` [lon, lat], `planned`, the inside vehicle's leg")
    warnings: list[str] = Field(default_factory=list)
    explanation: str | None = None
    choice: str | None = Field(default=None, description="free, avoid, min_inside or inside")
    closed_loop_delivery: bool = False
    time_inside_s: float = 0.0
    stops: list[LonLat] = Field(default_factory=list, description="where the truck stops, in order")

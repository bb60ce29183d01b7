"""Schemas of closed-loop truck routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Crs, IsoDateTime, LonLat


class VehicleIn(BaseModel):
    """A truck's dimensions (each optional, 0 < value < 100, as ``routing.router.Vehicle`` checks)."""

    height_m: float | None = Field(default=None, gt=0, lt=100)
    weight_t: float | None = Field(default=None, gt=0, lt=100)
    width_m: float | None = Field(default=None, gt=0, lt=100)


class RouteCreate(BaseModel):
    """A closed-loop truck trip; ``origin``/``destination`` may be omitted when a site id names them."""

    origin: LonLat | None = Field(default=None, min_length=2, max_length=2, description="[lon, lat]")
    destination: LonLat | None = Field(default=None, min_length=2, max_length=2, description="[lon, lat]")
    waypoints: list[LonLat] = Field(
        default_factory=list,
        max_length=25,
        description="intermediate stops [[lon, lat], ...]; never inside a sealed/controlled zone",
    )
    departure: IsoDateTime | None = Field(default=None, description="zones active at this time apply (default now)")
    vehicle: VehicleIn | None = None
    max_detour_ratio: float | None = Field(
        default=None, ge=1.0, le=10.0, description="accept a zone-avoiding route up to this x the fastest (1.3)"
    )
    destination_site_id: str | None = Field(
        default=None,
        description="a site; a whitelist enterprise inside a sealed "
        "zone makes the trip a closed-loop point-to-point delivery",
    )
    origin_site_id: str | None = None
    crs: Crs = "wgs84"


#: What a line geometry of a route answer is, in each ``?geometry=`` mode.
LINE_GEOMETRY = (
    "a GeoJSON LineString (`geometry=full`: every point; `simplified`: the points kept within `tolerance_m`), "
    'or with `geometry=polyline` `{"type": "EncodedPolyline", "precision": 6, "polyline": "..."}` '
    "(Google's encoded polyline of every point, lat/lng order)"
)


class LegPublic(BaseModel):
    kind: str = Field(description="origin, transit, destination, or inside (the inside vehicle of a transshipment)")
    length_m: float
    travel_time_s: float
    geometry: dict = Field(description=LINE_GEOMETRY)
    coordinates: list[LonLat] = Field(default_factory=list)
    note: str | None = None


class ZoneCrossingPublic(BaseModel):
    zone_id: str
    name: str | None = None
    risk: str
    entry: LonLat | None = None
    exit: LonLat | None = None
    time_inside_s: float
    length_inside_m: float | None = None


class StopSnapPublic(BaseModel):
    """How a given stop was snapped to the road."""

    stop: str = Field(description="origin, destination or waypoints[i]")
    given: LonLat
    snapped: LonLat
    distance_m: float = Field(description="metres from the given point to the road point taken")
    moved: Literal["into", "out_of"] | None = Field(
        default=None,
        description="whether snapping carried the stop into or out of a sealed/controlled zone (`zone_id`): "
        "only when no road on the given side of its boundary lies within the snap limit",
    )
    zone_id: str | None = None
    risk: str | None = None


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
    geometry: dict = Field(description=LINE_GEOMETRY)
    legs: list[LegPublic]
    zones_crossed: list[ZoneCrossingPublic] = Field(default_factory=list)
    transshipment: dict | None = Field(
        default=None,
        description="keyed by end (`origin`/`destination`): zone, "
        "`docking_point` [lon, lat], `planned`, the inside vehicle's leg",
    )
    warnings: list[str] = Field(default_factory=list)
    explanation: str | None = None
    choice: str | None = Field(default=None, description="free, avoid, min_inside or inside")
    closed_loop_delivery: bool = False
    time_inside_s: float = 0.0
    stops: list[LonLat] = Field(default_factory=list, description="where the truck stops, in order")
    snaps: list[StopSnapPublic] = Field(
        default_factory=list, description="each given stop (origin, waypoints, destination) as snapped, in trip order"
    )


class RouteSummaryPublic(BaseModel):
    """A stored route in a list (no geometry: ``url`` has the whole route, ``map_url`` its map)."""

    id: str
    created_at: datetime | None = None
    created_by: str | None = None
    origin: LonLat
    destination: LonLat
    departure: datetime | None = None
    length_m: float
    travel_time_s: float
    choice: str | None = None
    zones_crossed: list[str] = Field(default_factory=list, description="ids of the zones the truck drives through")
    time_inside_s: float = 0.0
    transshipment: bool = False
    warnings: list[str] = Field(default_factory=list)
    url: str
    map_url: str


class RoutesPublic(BaseModel):
    """A page of stored routes: ``data``, ``count`` (every match), ``next`` (the next page's URL, or null)."""

    data: list[RouteSummaryPublic]
    count: int
    next: str | None = None

"""Request and response schemas of closures and green channels (Create / Public / ...sPublic)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from api.schemas.common import Crs, Geometry, IsoDateTime

Mode = Literal["hard_barrier", "checkpoint", "lane"]
Direction = Literal["both", "forward", "backward"]
DecisionName = Literal["allowed", "needs_city_approval", "needs_provincial_approval", "rejected"]


class ClosureCreate(BaseModel):
    """A closure request: the road by OSM way ids or by a LineString / Point near it."""

    county_code: str = Field(max_length=12, description="the requesting county's administrative code")
    mode: Mode
    direction: Direction = Field(
        default="both", description="relative to the line as drawn (or the OSM way's digitised direction for way ids)"
    )
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    reason: str = Field(min_length=1, max_length=2000)
    way_ids: list[int] | None = Field(default=None, max_length=200)
    geometry: Geometry | None = Field(default=None, description="GeoJSON LineString or Point, [lon, lat]")
    buffer_m: float = Field(default=25.0, ge=1, le=200, description="how far the line may lie from the road")
    crs: Crs = "wgs84"

    @model_validator(mode="after")
    def _one_road(self) -> ClosureCreate:
        if (self.way_ids is None) == (self.geometry is None):
            raise ValueError("give exactly one of `way_ids` or `geometry`")
        return self


class ClosureEvent(BaseModel):
    action: str
    actor: str | None = Field(description="who took the step (null: not shown without a bureau role)")
    role: str
    at: IsoDateTime
    note: str | None = None


class ClosureDecisionIn(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


class ClosurePublic(BaseModel):
    id: str
    status: Literal["pending", "approved", "rejected"]
    county_code: str
    mode: Mode
    direction: Direction
    starts_at: datetime
    ends_at: datetime
    reason: str
    grade: str | None = Field(description="the strictest road grade of the matched arcs")
    decision: DecisionName
    approval_level: Literal["city", "province"] | None
    reasons: list[dict] = Field(description="every rule that contributed, with its id (`rule`)")
    blocking_reasons: list[dict] | None = Field(
        default_factory=list, description="reasons that stop approval (null: not shown without a bureau role)"
    )
    matched: dict = Field(description="method, arc ids and the named roads / refs that were matched")
    geometry: dict
    impact: dict | None = Field(
        description="routes, passes and places the closure affects (null: not shown without a bureau role)"
    )
    events: list[ClosureEvent]
    created_at: datetime
    created_by: str | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None


class ClosurePreview(BaseModel):
    """What filing a closure request would give, nothing stored: the status it would get, the rules' decision
    with every rule id, the blocking reasons, the matched roads and the impact."""

    status: Literal["pending", "approved", "rejected"] = Field(description="the status filing it would give")
    decision: DecisionName
    grade: str | None
    approval_level: Literal["city", "province"] | None
    reasons: list[dict]
    blocking_reasons: list[dict]
    matched: dict
    geometry: dict
    impact: dict
    starts_at: datetime
    ends_at: datetime


class RoadAt(BaseModel):
    """The OSM way under a point of the map, to pick for a closure."""

    way_id: int
    name: str | None = None
    ref: str | None = None
    highway: str | None = None
    grade: str | None = None
    length_m: float | None = None
    distance_m: float = Field(description="how far the point lay from the road")
    geometry: dict = Field(description="the way as a GeoJSON MultiLineString")


class ClosuresPublic(BaseModel):
    """A page of closures: ``data``, ``count`` (every match), ``next`` (the next page's URL, or null)."""

    data: list[ClosurePublic]
    count: int
    next: str | None = None


class GreenChannelCreate(BaseModel):
    origin_site_id: str = Field(description="a hub_rail or hub_coach site inside an active emergency zone")
    destination_site_id: str = Field(description="a hub outside every active emergency zone")
    name: str | None = Field(default=None, max_length=200)


class GreenChannelPublic(BaseModel):
    id: str
    name: str
    origin_site_id: str
    destination_site_id: str
    zone_ids: list[str]
    length_m: float
    travel_time_s: float
    arc_count: int
    geometry: dict
    created_at: datetime
    created_by: str | None = None


class GreenChannelsPublic(BaseModel):
    data: list[GreenChannelPublic]
    count: int

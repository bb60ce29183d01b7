"""Schemas of a zone outline's effect (``POST /zones/effect``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Crs, Geometry, IsoDateTime


class ZoneEffectRequest(BaseModel):
    """An outline (GeoJSON Polygon or MultiPolygon) drawn or stored, and when to count the valid passes."""

    model_config = ConfigDict(extra="forbid")
    geometry: Geometry
    crs: Crs = "wgs84"
    at: IsoDateTime | None = Field(default=None, description="passes valid at this time (default now)")


class EffectList(BaseModel):
    count: int = Field(description="all that cross the outline")
    data: list[dict[str, Any]] = Field(description="the first of them (at most 50)")


class ZoneEffectPublic(BaseModel):
    area_km2: float
    arcs: int = Field(description="road segments inside (a two-way road once)")
    road_km: float
    km_by_grade: dict[str, float]
    geometry: dict[str, Any] = Field(description="the roads inside as a MultiLineString (simplified, capped)")
    truncated: bool = Field(description="the cap on the lines' vertices left some roads out of `geometry`")
    routes: EffectList
    passes: EffectList
    notes: list[str]

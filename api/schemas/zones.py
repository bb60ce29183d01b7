"""Schemas of emergency zones (GeoJSON Features)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Crs, Geometry, IsoDateTime, ShallowExtras


class ZoneProperties(ShallowExtras):
    risk: Literal["sealed", "controlled", "precaution"]
    name: str | None = Field(default=None, max_length=200)
    valid_from: IsoDateTime | None = None
    valid_until: IsoDateTime | None = None
    county_code: str | None = Field(default=None, max_length=12)


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

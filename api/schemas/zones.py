"""Schemas of emergency zones (GeoJSON Features)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Crs, Geometry, IsoDateTime, ShallowExtras, ShallowJson


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


class ZonePropertiesEdit(BaseModel):
    """The properties an edit changes: only those given; ``null`` clears a window end or the county."""

    model_config = ConfigDict(extra="forbid")
    risk: Literal["sealed", "controlled", "precaution"] | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    valid_from: IsoDateTime | None = None
    valid_until: IsoDateTime | None = None
    county_code: str | None = Field(default=None, max_length=12)


class ZoneEdit(BaseModel):
    """An edit of a zone: a new outline and/or some properties, made on version ``expected_version``."""

    model_config = ConfigDict(extra="forbid")
    geometry: Geometry | None = None
    properties: ZonePropertiesEdit | None = None
    crs: Crs = "wgs84"
    expected_version: int | None = Field(
        default=None, ge=1, description="the version the edit was made on; another version standing is a 409"
    )
    reason: str | None = Field(default=None, max_length=500)


class ZoneChange(BaseModel):
    field: str
    # the old and new value: text or an ISO 8601 time; for the outline {parts, vertices, bounds}
    from_: Any = Field(default=None, alias="from", serialization_alias="from")
    to: Any = None

    model_config = ConfigDict(populate_by_name=True)


class ZoneVersionPublic(BaseModel):
    version: int
    action: Literal["create", "update", "delete"]
    changed_at: datetime
    changed_by: str | None
    reason: str | None
    changes: list[ZoneChange]
    feature: dict  # the zone as it was after this change (GeoJSON Feature)


class ZoneHistoryPublic(BaseModel):
    zone_id: str
    current_version: int
    deleted: bool
    versions: list[ZoneVersionPublic]


class ZonePublic(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict
    properties: dict


class ZonesPublic(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[ZonePublic]
    count: int


class ZoneImportConfirm(BaseModel):
    features: list[ShallowJson] = Field(max_length=1000)


class ZoneImportStored(BaseModel):
    count: int
    zones: list[ZonePublic]

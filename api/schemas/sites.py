"""Schemas of sites: hubs, enterprises, candidate stations, demand points (GeoJSON Features)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Crs, Geometry, ShallowExtras, ShallowJson


class SiteProperties(ShallowExtras):
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


class SiteEdit(BaseModel):
    """A site's move and/or edit: a new ``geometry`` (Point or premises Polygon), and/or ``properties`` among
    name, sector, weight, radius_m, county_code."""

    geometry: Geometry | None = None
    properties: dict[str, ShallowJson] = Field(default_factory=dict, max_length=10)
    crs: Crs = "wgs84"


class SiteEdited(SitePublic):
    notes: list[str] = Field(default_factory=list, description="what else the move asks for (a drop point to re-plan)")


class SitesPublic(BaseModel):
    """A page of sites: ``data`` (GeoJSON Features), ``count`` (every match), ``next`` (the next page's URL)."""

    data: list[SitePublic]
    count: int
    next: str | None = None


class SitesGeoJSON(BaseModel):
    """Every site the filters match as one GeoJSON FeatureCollection (``format=geojson``)."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[SitePublic]
    count: int


class SiteImportConfirm(BaseModel):
    kind: Literal["enterprise", "hub_rail", "hub_coach", "hub_logistics", "candidate_station"]
    features: list[ShallowJson] = Field(max_length=1000)


class SitesStored(BaseModel):
    count: int
    sites: list[SitePublic]

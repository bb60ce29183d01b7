"""Request and response schemas of station plans, docking points and drop points."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import IsoDateTime, LonLat
from api.schemas.routes import RoutePublic

Ids = list[str]


# --- station plans ----------------------------------------------------------------------
class StationPlanCreate(BaseModel):
    """Siting of transfer stations (中转站) among candidate sites to serve demand sites."""

    model: Literal["p_median", "mclp", "lscp"] = Field(
        description="p_median: minimise demand-weighted travel time with p sites; mclp: maximise demand within "
        "service_time_s with p sites; lscp: fewest sites covering all demand within service_time_s"
    )
    p: int | None = Field(default=None, ge=1, le=500, description="sites to open (p_median, mclp)")
    service_time_s: float | None = Field(default=None, gt=0, le=86_400, description="coverage time (mclp, lscp)")
    candidate_ids: Ids | None = Field(
        default=None,
        max_length=5000,
        description=("candidate site ids (candidate_station / hub_logistics); default: all stored ones"),
    )
    demand_ids: Ids | None = Field(
        default=None,
        max_length=20000,
        description=("demand site ids (enterprise / demand); default: whitelist enterprises and demand sites"),
    )
    fixed_ids: Ids = Field(default_factory=list, max_length=500, description="existing sites fixed open")
    include_osm_candidates: bool = Field(
        default=False,
        description=("add landuse=industrial/logistics and large parking areas from the .pbf network source"),
    )
    max_osm_candidates: int = Field(default=20, ge=0, le=200)
    at: IsoDateTime | None = Field(
        default=None, description="zones active at this time exclude candidates (default now)"
    )
    name: str | None = Field(default=None, max_length=200)
    time_limit_s: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="the search stops after about this long with the best plan found and its gap to a lower "
        "bound (`search` in the answer)",
    )


class PlanPublic(BaseModel):
    id: str
    name: str | None = None
    created_at: datetime | None = None
    model: str
    params: dict[str, Any]
    objective: float
    objective_unit: str
    chosen: list[dict[str, Any]]
    assignment: list[dict[str, Any]]
    coverage: dict[str, Any] | None = None
    excluded: list[dict[str, Any]] = Field(default_factory=list)
    unserved: list[dict[str, Any]] = Field(default_factory=list)
    search: dict[str, Any] | None = Field(
        default=None,
        description='`status` "optimal", "time_limit" (the best found when the limit was reached) or "heuristic" '
        "(the exact model too large for the limit: the best found), `time_limit_s`, `bound` (p-median: a lower "
        "bound on the objective) and `gap` (relative, 0 when optimal)",
    )
    matrix: dict[str, Any]
    notes: list[str] = Field(default_factory=list)


# --- docking points ---------------------------------------------------------------------
class DockingPointsCreate(BaseModel):
    """Choose ``k`` docking (handover, 接驳点) points where roads cross the zone boundary."""

    k: int = Field(default=2, ge=1, le=50)
    demand_ids: Ids | None = Field(
        default=None,
        max_length=20000,
        description=(
            "demand sites inside the zone; default: every stored enterprise/demand site inside it "
            "(without any, the zone's road nodes stand in)"
        ),
    )
    reference_site_id: str | None = Field(
        default=None,
        description=("an outside site (e.g. a hub) trucks come from; default: the largest outside road component"),
    )


class DockingPointsPublic(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    zone_id: str
    features: list[dict[str, Any]]
    count: int
    candidates: int | None = None
    rejected: list[dict[str, Any]] = Field(default_factory=list)
    demand_source: str | None = None
    objective_s: float | None = None
    unserved: list[str] = Field(default_factory=list)
    created_at: datetime | None = None


# --- drop points ------------------------------------------------------------------------
class DropPointPublic(BaseModel):
    id: str
    site_id: str
    point: LonLat = Field(description="the drop point [lon, lat] on the premises' perimeter")
    method: Literal["osm_gate", "nearest_road"]
    perimeter_distance_m: float
    gate: dict[str, Any] | None = None
    access_point: LonLat
    access_road: dict[str, Any]
    served_from: dict[str, Any]
    approach: RoutePublic
    premises: dict[str, Any]
    radius_m: float | None = None
    zone: dict[str, Any] | None = None
    created_at: datetime | None = None

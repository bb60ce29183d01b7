"""The typed views a map draws: routes (:class:`RouteView` with its legs and zone crossings), extra
GeoJSON layers (:class:`MapLayer`), and delivery plans (:class:`DeliveryPlanView`: routes by vehicle,
stops, depots, docking points).

Plain frozen values, checked when built, with no folium in sight: the service layer builds them
from its records (:mod:`services.layers`) and :mod:`maps.views` renders them.  Coordinates are
``(lon, lat)`` in WGS-84.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Position = tuple[float, float]


def _position(value: Iterable[float], what: str) -> Position:
    try:
        lon, lat = (float(v) for v in list(value)[:2])
    except (TypeError, ValueError) as err:
        raise ValueError(f"`{what}` was {value!r}; expected [lon, lat]") from err
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"`{what}` was {value!r}; expected [lon, lat] in WGS-84 degrees")
    return lon, lat


@dataclass(frozen=True)
class LegView:
    """One leg of a route: ``kind`` (``origin``/``transit``/``destination``/``inside``), ``(lon, lat)`` vertices.

    Raises
    ------
    ValueError
        If there are fewer than two positions or one is not ``[lon, lat]`` in range.
    """

    kind: str
    coordinates: tuple[Position, ...]
    length_m: float = 0.0
    travel_time_s: float = 0.0

    def __post_init__(self) -> None:
        coords = tuple(_position(c, "legs[].coordinates") for c in self.coordinates)
        if len(coords) < 2:
            raise ValueError(f"`legs[].coordinates` has {len(coords)} positions; a leg needs at least 2")
        object.__setattr__(self, "coordinates", coords)


@dataclass(frozen=True)
class ZoneCrossingView:
    """A zone a route passes through: where it enters and leaves (``(lon, lat)``) and for how long."""

    zone_id: str
    risk: str
    entry: Position | None
    exit: Position | None
    time_inside_s: float | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        for name in ("entry", "exit"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _position(value, f"zones_crossed[].{name}"))


@dataclass(frozen=True)
class RouteView:
    """The shape of a route the map draws.

    Raises
    ------
    ValueError
        If it has no legs.
    """

    legs: tuple[LegView, ...]
    length_m: float
    travel_time_s: float
    warnings: tuple[str, ...] = ()
    zones_crossed: tuple[ZoneCrossingView, ...] = ()
    id: str | None = None

    def __post_init__(self) -> None:
        if not self.legs:
            raise ValueError("a route needs at least one leg with `kind` and `coordinates` [[lon, lat], ...]")


def route_bbox(route: RouteView, *, margin_deg: float = 0.002) -> tuple[float, float, float, float]:
    """``(left, bottom, right, top)`` around a route's coordinates, grown by ``margin_deg``."""
    lons = [c[0] for leg in route.legs for c in leg.coordinates]
    lats = [c[1] for leg in route.legs for c in leg.coordinates]
    return (
        max(-180.0, min(lons) - margin_deg),
        max(-90.0, min(lats) - margin_deg),
        min(180.0, max(lons) + margin_deg),
        min(90.0, max(lats) + margin_deg),
    )


@dataclass(frozen=True)
class MapLayer:
    """A GeoJSON overlay (closures, green channels, stations, drop points, checkpoint scans...).

    Parameters
    ----------
    name
        Layer name in the LayerControl and the legend.
    features
        GeoJSON Features (``[lon, lat]``); points are drawn as circle markers.
        A feature may override the layer style with ``properties["style"]``.
    style
        Leaflet path options for every feature (``color``, ``weight``,
        ``dashArray``, ``fillColor``, ``fillOpacity``, ``radius`` for points...).
    popup_fields
        Feature properties shown in the popup, in order; empty means no popup.
    popup_aliases
        Labels for ``popup_fields`` (default: the field names).
    show
        Whether the layer is on when the map opens.
    key
        The layer's name in URLs (``/map/layers/{key}``), when the map loads it by viewport.
    """

    name: str
    features: Sequence[dict[str, Any]]
    style: Mapping[str, Any] = field(default_factory=dict)
    popup_fields: Sequence[str] = ()
    popup_aliases: Sequence[str] | None = None
    show: bool = True
    key: str | None = None


# -- delivery plans ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FleetRouteView:
    """One vehicle's route of a delivery plan: ``kind`` ``outside`` (a truck) or ``inside`` (a zone's vehicle).

    ``legs`` are the drives between its calls (:class:`LegView`, ``kind`` ``truck``/``inside``);
    ``label`` names it for people (route id and plate).

    Raises
    ------
    ValueError
        If ``kind`` is neither, or there is no leg.
    """

    id: str
    kind: str
    label: str
    legs: tuple[LegView, ...]
    stops: tuple[str, ...] = ()
    load: int = 0
    capacity: int = 0
    distance_m: float = 0.0
    travel_time_s: float = 0.0
    departure: datetime | None = None
    arrival: datetime | None = None
    zone_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("outside", "inside"):
            raise ValueError(f"`kind` was {self.kind!r}; expected 'outside' or 'inside'")
        if not self.legs:
            raise ValueError(f"route {self.id!r} has no leg to draw")


@dataclass(frozen=True)
class PlanStopView:
    """A stop of a delivery plan: where, its time window, and who serves it when (``None``: unserved, ``reason``)."""

    id: str
    point: Position
    window: tuple[datetime, datetime] | None = None
    served_by: str | None = None
    start: datetime | None = None
    demand: int = 0
    zone_id: str | None = None
    name: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "point", _position(self.point, f"stops[{self.id!r}].point"))


@dataclass(frozen=True)
class PlanPlaceView:
    """A depot (``transfer_station``/``logistics_hub``) or a docking point (``docking_point``, of ``zone_id``)."""

    id: str
    point: Position
    kind: str
    zone_id: str | None = None
    name: str | None = None
    planned: bool = False
    stops: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "point", _position(self.point, f"{self.kind}[{self.id!r}].point"))


@dataclass(frozen=True)
class DeliveryPlanView:
    """What a delivery plan's map draws: routes by vehicle, stops, depots and docking points."""

    id: str
    routes: tuple[FleetRouteView, ...]
    stops: tuple[PlanStopView, ...]
    depots: tuple[PlanPlaceView, ...]
    docking_points: tuple[PlanPlaceView, ...] = ()
    name: str | None = None


def delivery_bbox(plan: DeliveryPlanView, *, margin_deg: float = 0.003) -> tuple[float, float, float, float]:
    """``(left, bottom, right, top)`` around a plan's routes, stops, depots and docking points.

    Raises
    ------
    ValueError
        If the plan has nothing to draw.
    """
    points = [c for r in plan.routes for leg in r.legs for c in leg.coordinates]
    points += [s.point for s in plan.stops] + [p.point for p in (*plan.depots, *plan.docking_points)]
    if not points:
        raise ValueError(f"delivery plan {plan.id!r} has nothing to draw")
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return (
        max(-180.0, min(lons) - margin_deg),
        max(-90.0, min(lats) - margin_deg),
        min(180.0, max(lons) + margin_deg),
        min(90.0, max(lats) + margin_deg),
    )

"""Sites: hubs, enterprises and candidate stations.

Kinds: ``hub_rail`` (rail station), ``hub_coach`` (coach station),
``hub_logistics`` (logistics park), ``enterprise`` (with ``whitelist`` and
``sector``; a point, optionally with ``radius_m``, or a polygon of its
premises), ``candidate_station`` (a possible transfer station), ``demand``
(any other demand point, weighted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import Point, Polygon, mapping

from geo.errors import InvalidInputError
from geo.projection import to_wgs84
from geo.zones import polygon_from_geojson

SITE_KINDS = ("hub_rail", "hub_coach", "hub_logistics", "enterprise", "candidate_station", "demand")
HUB_KINDS = frozenset({"hub_rail", "hub_coach", "hub_logistics"})


@dataclass
class Site:
    """A named place.  ``geometry`` is a WGS-84 shapely Point or Polygon."""

    id: str
    kind: str
    name: str
    geometry: Point | Polygon
    whitelist: bool = False
    sector: str | None = None
    weight: float = 1.0
    radius_m: float | None = None
    county_code: str | None = None
    properties: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in SITE_KINDS:
            raise InvalidInputError(
                f"`kind` was {self.kind!r}; expected one of {list(SITE_KINDS)}",
                zh=f"`kind` 为 {self.kind!r}；应为 {list(SITE_KINDS)} 之一",
            )
        if not (self.weight >= 0) or self.weight != self.weight:
            raise InvalidInputError(
                f"`weight` was {self.weight!r}; expected a number >= 0",
                zh=f"`weight` 为 {self.weight!r}；应为不小于 0 的数",
            )
        if self.radius_m is not None and not (0 < self.radius_m <= 10_000):
            raise InvalidInputError(
                f"`radius_m` was {self.radius_m!r}; expected 0 < radius_m <= 10000",
                zh=f"`radius_m` 为 {self.radius_m!r}；应满足 0 < radius_m <= 10000（米）",
            )

    @property
    def point(self) -> tuple[float, float]:
        """A representative ``(lon, lat)``: the point itself, or a point inside the polygon."""
        g = self.geometry if isinstance(self.geometry, Point) else self.geometry.representative_point()
        return float(g.x), float(g.y)

    def to_feature(self) -> dict:
        return {
            "type": "Feature",
            "id": self.id,
            "geometry": mapping(self.geometry),
            "properties": {
                "id": self.id,
                "kind": self.kind,
                "name": self.name,
                "whitelist": self.whitelist,
                "sector": self.sector,
                "weight": self.weight,
                "radius_m": self.radius_m,
                "county_code": self.county_code,
                **self.properties,
            },
        }

    @classmethod
    def from_feature(cls, feature: dict, *, id: str, crs: str = "wgs84") -> Site:
        """Build a site from a GeoJSON Feature with a Point or Polygon geometry.

        Raises
        ------
        InvalidInputError
            For a bad geometry, kind, weight or radius.
        """
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise InvalidInputError("expected a GeoJSON Feature for a site", zh="站点应为一个 GeoJSON Feature")
        props = dict(feature.get("properties") or {})
        geom_json = feature.get("geometry") or {}
        gtype = geom_json.get("type") if isinstance(geom_json, dict) else None
        if gtype == "Point":
            c = geom_json.get("coordinates")
            if not isinstance(c, list | tuple) or len(c) < 2:
                raise InvalidInputError(
                    f"`geometry.coordinates` was {c!r}; expected [lon, lat]",
                    zh=f"`geometry.coordinates` 为 {c!r}；应为 [经度, 纬度]",
                )
            geom = Point(*to_wgs84(c[0], c[1], crs, field_name="geometry.coordinates"))
        elif gtype in ("Polygon", "MultiPolygon"):
            geom, _ = polygon_from_geojson(geom_json, crs=crs)
            if geom.geom_type != "Polygon":
                geom = max(geom.geoms, key=lambda g: g.area)
        else:
            raise InvalidInputError(
                f"`geometry.type` was {gtype!r}; expected 'Point' or 'Polygon'",
                zh=f"`geometry.type` 为 {gtype!r}；应为 'Point' 或 'Polygon'",
            )
        known = {"kind", "name", "whitelist", "sector", "weight", "radius_m", "county_code", "id"}
        kind: Any = props.get("kind")  # any JSON value: __post_init__ names one that is not a site kind
        return cls(
            id=id,
            kind=kind,
            name=str(props.get("name") or id),
            geometry=geom,
            whitelist=bool(props.get("whitelist", False)),
            sector=props.get("sector"),
            weight=float(props.get("weight", 1.0) if props.get("weight") is not None else 1.0),
            radius_m=float(props["radius_m"]) if props.get("radius_m") is not None else None,
            county_code=props.get("county_code"),
            properties={k: v for k, v in props.items() if k not in known},
        )


def within_bbox(geom, bbox: tuple[float, float, float, float], *, margin_deg: float = 0.01) -> bool:
    """Whether ``geom`` lies inside ``bbox`` grown by ``margin_deg`` on each side."""
    left, bottom, right, top = bbox
    box = shapely.box(left - margin_deg, bottom - margin_deg, right + margin_deg, top + margin_deg)
    return bool(box.covers(geom))

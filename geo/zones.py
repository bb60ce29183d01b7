"""Emergency zones: risk level, validity window, polygon validation, GeoJSON in and out.

Risk levels (DESIGN.md): ``sealed`` 封控区 (high), ``controlled`` 管控区
(medium), ``precaution`` 防范区 (low).  Sealed and controlled zones may be
driven through but never stopped in; precaution zones are informational.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.validation import explain_validity

from geo import prepared
from geo.errors import InvalidInputError, InvalidZoneError
from geo.i18n import Text, zh_time
from geo.projection import to_wgs84
from geo.repair import repair_polygon
from geo.times import check_instant

RISKS = ("sealed", "controlled", "precaution")
#: Risks whose zones may be transited but never stopped in.
NO_STOP_RISKS = frozenset({"sealed", "controlled"})
RISK_LABELS = {
    "sealed": "封控区 sealed (high risk)",
    "controlled": "管控区 controlled (medium risk)",
    "precaution": "防范区 precaution (low risk)",
}
MAX_VERTICES = 5000


def parse_time(value, field_name: str) -> datetime | None:
    """Parse an ISO 8601 timestamp (naive values are taken as UTC); ``None`` passes through.

    Raises
    ------
    InvalidInputError
        If the value is not an ISO 8601 date-time, or lies outside the years the service accepts
        (:func:`geo.times.check_instant`).
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as err:
            raise InvalidZoneError(
                f"`{field_name}` was {value!r}; expected an ISO 8601 date-time",
                zh=f"`{field_name}` 为 {value!r}；应为 ISO 8601 日期时间",
            ) from err
    try:
        return check_instant(dt, field_name)
    except InvalidInputError as err:
        raise InvalidZoneError(str(err), zh=err.zh) from None


def _ring_coords(ring, field_name: str, crs: str) -> list[tuple[float, float]]:
    if not isinstance(ring, list | tuple) or len(ring) < 3:
        raise InvalidZoneError(
            f"`{field_name}` has a ring with {len(ring) if isinstance(ring, list | tuple) else ring!r} "
            "positions; a polygon ring needs at least 4 (first = last)",
            zh=f"`{field_name}` 中有一个环只有 {len(ring) if isinstance(ring, list | tuple) else ring!r} 个坐标点；多边形的环至少需要 4 个（首尾相同）",
        )
    out = []
    for pos in ring:
        if not isinstance(pos, list | tuple) or len(pos) < 2:
            raise InvalidZoneError(
                f"`{field_name}` holds position {pos!r}; expected [lon, lat]",
                zh=f"`{field_name}` 中有坐标点 {pos!r}；应为 [经度, 纬度]",
            )
        out.append(to_wgs84(pos[0], pos[1], crs, field_name=field_name))
    return out


def polygon_from_geojson(
    geometry: object, *, crs: str = "wgs84", field_name: str = "geometry", max_vertices: int = MAX_VERTICES
) -> tuple[Polygon | MultiPolygon, list[str]]:
    """Validate a GeoJSON Polygon/MultiPolygon and return ``(shapely geometry, notes)``.

    Unclosed rings are closed and invalid (e.g. self-intersecting) polygons are
    repaired within bounds (:func:`geo.repair.repair_polygon`: a tangle is refused
    before any repair, the repair runs in a worker process with a time limit);
    each fix adds a note.  Coordinates in
    ``gcj02`` are converted to WGS-84.

    Raises
    ------
    InvalidZoneError
        If the geometry is missing, of another type, empty, has too many
        vertices, crosses itself too often, or cannot be repaired (in time) into
        a polygon with an area.
    """
    notes: list[str] = []
    if not isinstance(geometry, dict):
        raise InvalidZoneError(
            f"`{field_name}` was {geometry!r}; expected a GeoJSON Polygon or MultiPolygon",
            zh=f"`{field_name}` 为 {geometry!r}；应为 GeoJSON Polygon 或 MultiPolygon",
        )
    gtype = geometry.get("type")
    coords = geometry.get("coordinates")
    if gtype not in ("Polygon", "MultiPolygon"):
        raise InvalidZoneError(
            f"`{field_name}.type` was {gtype!r}; expected 'Polygon' or 'MultiPolygon'",
            zh=f"`{field_name}.type` 为 {gtype!r}；应为 'Polygon' 或 'MultiPolygon'",
        )
    if not isinstance(coords, list) or not coords:
        raise InvalidZoneError(
            f"`{field_name}.coordinates` is empty; a zone needs at least one ring",
            zh=f"`{field_name}.coordinates` 为空；区域至少需要一个环",
        )
    polys = coords if gtype == "MultiPolygon" else [coords]
    count = sum(len(r) for p in polys if isinstance(p, list) for r in p if isinstance(r, list))
    if count > max_vertices:
        raise InvalidZoneError(
            f"`{field_name}` has {count:,} vertices; the limit is {max_vertices:,}",
            zh=f"`{field_name}` 有 {count:,} 个顶点；上限为 {max_vertices:,} 个",
        )
    built = []
    for poly in polys:
        if not isinstance(poly, list) or not poly:
            raise InvalidZoneError(f"`{field_name}` holds an empty polygon", zh=f"`{field_name}` 中有一个空多边形")
        rings = []
        for ring in poly:
            pts = _ring_coords(ring, field_name, crs)
            if pts[0] != pts[-1]:
                pts.append(pts[0])
                notes.append(Text("closed an unclosed ring", zh="已闭合一个未闭合的环"))
            if len(pts) < 4:
                raise InvalidZoneError(
                    f"`{field_name}` has a ring of {len(pts)} positions; a closed ring needs 4",
                    zh=f"`{field_name}` 中有一个环只有 {len(pts)} 个坐标点；闭合的环需要 4 个",
                )
            rings.append(pts)
        built.append(Polygon(rings[0], rings[1:]))
    geom = built[0] if len(built) == 1 else MultiPolygon(built)
    if not geom.is_valid:
        why = explain_validity(geom)
        try:
            report = repair_polygon(geom, field_name=field_name)
        except InvalidZoneError as err:
            raise InvalidZoneError(f"{err} ({why})", zh=f"{err.text('zh')}（{why}）") from None
        notes.append(
            Text(
                f"repaired an invalid polygon ({why}; {report.parts} part(s), {report.vertices} vertices)",
                zh=f"已修复一个无效多边形（{why}；{report.parts} 个部分，{report.vertices} 个顶点）",
            )
        )
        geom = report.geometry
    if geom.is_empty or geom.area == 0:
        raise InvalidZoneError(f"`{field_name}` has no area", zh=f"`{field_name}` 没有面积")
    return geom, notes


@dataclass
class Zone:
    """An emergency zone.  ``geometry`` is a WGS-84 shapely (Multi)Polygon."""

    id: str
    name: str
    risk: str
    geometry: Polygon | MultiPolygon
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    county_code: str | None = None
    notes: list[str] = field(default_factory=list)
    created_at: datetime | None = None
    version: int = 1  # 1 when created, one more at each stored edit

    def __post_init__(self) -> None:
        if self.risk not in RISKS:
            raise InvalidZoneError(
                f"`risk` was {self.risk!r}; expected one of {list(RISKS)}",
                zh=f"`risk` 为 {self.risk!r}；应为 {list(RISKS)} 之一（封控区、管控区、防范区）",
            )
        if self.valid_from and self.valid_until and not self.valid_from < self.valid_until:
            raise InvalidZoneError(
                f"`valid_from` {self.valid_from.isoformat()} must be before `valid_until` {self.valid_until.isoformat()}",
                zh=f"`valid_from` {zh_time(self.valid_from)} 必须早于 `valid_until` {zh_time(self.valid_until)}",
            )

    @property
    def no_stop(self) -> bool:
        """True for zones that may be transited but not stopped in."""
        return self.risk in NO_STOP_RISKS

    def active_at(self, when: datetime | None) -> bool:
        """Whether the zone is in force at ``when`` (``None`` = always considered)."""
        if when is None:
            return True
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if self.valid_from and when < self.valid_from:
            return False
        if self.valid_until and when >= self.valid_until:
            return False
        return True

    def contains(self, lon: float, lat: float) -> bool:
        return prepared.covers_point(self.geometry, lon, lat)

    def to_feature(self) -> dict:
        """The zone as a GeoJSON Feature."""
        return {
            "type": "Feature",
            "id": self.id,
            "geometry": mapping(self.geometry),
            "properties": {
                "id": self.id,
                "name": self.name,
                "risk": self.risk,
                "valid_from": self.valid_from.isoformat() if self.valid_from else None,
                "valid_until": self.valid_until.isoformat() if self.valid_until else None,
                "county_code": self.county_code,
                "notes": list(self.notes),
                "version": self.version,
            },
        }

    @classmethod
    def from_feature(cls, feature: dict, *, id: str, crs: str = "wgs84") -> Zone:
        """Build a zone from a GeoJSON Feature (``properties.risk`` required).

        Raises
        ------
        InvalidZoneError
            For a bad geometry, risk or validity window.
        """
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise InvalidZoneError(
                f"expected a GeoJSON Feature; got type {feature.get('type') if isinstance(feature, dict) else feature!r}",
                zh=f"应为一个 GeoJSON Feature；实际类型为 {feature.get('type') if isinstance(feature, dict) else feature!r}",
            )
        props = feature.get("properties") or {}
        geom, notes = polygon_from_geojson(feature.get("geometry"), crs=crs)
        risk: Any = props.get("risk")  # any JSON value: __post_init__ names one that is not a risk level
        return cls(
            id=id,
            name=str(props.get("name") or id),
            risk=risk,
            geometry=geom,
            valid_from=parse_time(props.get("valid_from"), "valid_from"),
            valid_until=parse_time(props.get("valid_until"), "valid_until"),
            county_code=props.get("county_code"),
            notes=notes,
        )

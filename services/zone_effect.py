"""What a zone outline touches, before or after it is stored: the roads inside it (km by grade, their
lines for the map), and the stored routes and valid passes whose path crosses it.

The planner's zone page asks for this while an outline is drawn and when a stored zone is selected,
so the work is bounded: an outline larger than :data:`MAX_AREA_KM2` is refused, the roads' lines are
cut to the outline, merged, simplified and capped at :data:`MAX_LINE_VERTICES`, and at most
:data:`MAX_ROUTES` of the newest stored routes are checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import shapely
from sqlalchemy.orm import Session

from geo.errors import InvalidZoneError
from geo.sites import within_bbox
from geo.zones import polygon_from_geojson
from routing.freight.zones import segment_inside_m, segment_xy_m
from services.context import AppContext
from store import passes as pass_store
from store import routes as route_store
from store.db import aware

#: The largest outline whose effect is worked out (a district, not the whole city).
MAX_AREA_KM2 = 50.0
#: The highlighted roads' lines: simplified to this tolerance, at most this many vertices in all.
SIMPLIFY_M = 2.0
MAX_LINE_VERTICES = 5000
#: The newest stored routes checked; the passes valid now are all checked.
MAX_ROUTES = 1000
#: Listed of each kind (the counts cover all).
MAX_LISTED = 50


@dataclass(frozen=True)
class ZoneEffect:
    """The effect of an outline: road length inside by grade, the roads' lines, what crosses it."""

    area_km2: float
    arcs: int
    road_km: float
    km_by_grade: dict[str, float]
    geometry: dict[str, Any]
    truncated: bool
    routes: list[dict[str, Any]]
    routes_count: int
    passes: list[dict[str, Any]]
    passes_count: int
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "area_km2": self.area_km2,
            "arcs": self.arcs,
            "road_km": self.road_km,
            "km_by_grade": self.km_by_grade,
            "geometry": self.geometry,
            "truncated": self.truncated,
            "routes": {"count": self.routes_count, "data": self.routes},
            "passes": {"count": self.passes_count, "data": self.passes},
            "notes": self.notes,
        }


def _lines(ctx: AppContext, arcs: np.ndarray, poly_xy) -> tuple[dict[str, Any], bool]:
    """The roads' lines inside ``poly_xy`` (projected), merged and simplified, as a WGS-84 MultiLineString;
    ``True`` when the vertex cap cut some off."""
    net = ctx.network
    if not arcs.size:
        return {"type": "MultiLineString", "coordinates": []}, False
    x, y = net.node_xy
    t, h = net.tail[arcs], net.head[arcs]
    segments = shapely.linestrings(np.stack([np.column_stack([x[t], y[t]]), np.column_stack([x[h], y[h]])], axis=1))
    inside = shapely.intersection(shapely.union_all(segments), poly_xy)
    merged = shapely.line_merge(inside) if inside.geom_type == "MultiLineString" else inside
    simple = shapely.simplify(merged, SIMPLIFY_M)
    parts = [g for g in getattr(simple, "geoms", [simple]) if g.geom_type == "LineString" and not g.is_empty]
    parts.sort(key=lambda g: -g.length)  # the longest roads first, so a cap keeps the most of the picture
    out: list[list[list[float]]] = []
    used, truncated = 0, False
    for part in parts:
        coords = np.asarray(part.coords)
        if used + len(coords) > MAX_LINE_VERTICES:
            truncated = True
            break
        used += len(coords)
        lon, lat = net.projection.inverse(coords[:, 0], coords[:, 1])
        out.append(np.round(np.column_stack([lon, lat]), 6).tolist())
    return {"type": "MultiLineString", "coordinates": out}, truncated


def zone_effect(
    ctx: AppContext, session: Session, geometry: dict[str, Any], *, crs: str = "wgs84", at: datetime | None = None
) -> ZoneEffect:
    """The effect of a zone outline (GeoJSON Polygon or MultiPolygon) at ``at`` (default now): the network's
    roads inside it -- km by grade, each two-way road once, and their lines -- and the stored routes and the
    passes valid at ``at`` (not revoked) whose stored arcs enter it.  Stores nothing.

    Raises
    ------
    InvalidZoneError
        For an invalid outline, one outside the network's area, or one larger than :data:`MAX_AREA_KM2`.
    """
    polygon, notes = polygon_from_geojson(geometry, crs=crs)
    net = ctx.network
    margin = ctx.settings.bbox_margin_deg
    if not within_bbox(polygon, net.bbox, margin_deg=margin):
        raise InvalidZoneError(
            f"`geometry` bounds {[round(v, 5) for v in polygon.bounds]} are outside the network bbox "
            f"{[round(v, 5) for v in net.bbox]} (margin {margin}°)",
            zh="区域超出路网范围",
        )
    poly_xy = net.projection.forward_geom(polygon)
    area_km2 = float(poly_xy.area) / 1e6
    if area_km2 > MAX_AREA_KM2:
        raise InvalidZoneError(
            f"the outline covers {area_km2:,.1f} km²; the effect is worked out for at most {MAX_AREA_KM2:,.0f} km² "
            "(draw a smaller zone, or split it)",
            zh=f"该区域面积 {area_km2:,.1f} 平方公里，影响分析最多 {MAX_AREA_KM2:,.0f} 平方公里（请画小一些或分块）",
        )
    shapely.prepare(poly_xy)
    arcs = net.arcs_intersecting(polygon)
    inside_m = segment_inside_m(net, arcs, poly_xy)
    keep = inside_m > 1e-6
    arcs, inside_m = arcs[keep], inside_m[keep]
    rev = net.reverse_arc[arcs]
    once = (rev < 0) | (arcs < rev) | ~np.isin(rev, arcs)  # a two-way road once, not both directions
    one_way = arcs[once]
    seg = segment_xy_m(net, one_way)
    # the inside share of each straight segment, applied to the arc's own length
    fraction = np.divide(inside_m[once], seg, out=np.ones(one_way.size), where=seg > 0)
    metres = net.length_m[one_way] * np.clip(fraction, 0.0, 1.0)
    km_by_grade: dict[str, float] = {}
    for grade, m in zip(net.grade[one_way].tolist(), metres.tolist()):
        key = str(grade or "other")
        km_by_grade[key] = km_by_grade.get(key, 0.0) + m / 1000
    km_by_grade = {k: round(v, 3) for k, v in sorted(km_by_grade.items(), key=lambda kv: -kv[1])}
    lines, truncated = _lines(ctx, one_way, poly_xy)

    routes: list[dict[str, Any]] = []
    count_routes = 0
    stored = route_store.list_routes(session, limit=MAX_ROUTES)
    skipped = 0
    for route in stored:
        if not route.arcs.size:
            skipped += 1
            continue
        if np.isin(route.arcs, arcs).any():
            count_routes += 1
            if len(routes) < MAX_LISTED:
                routes.append(
                    {"id": route.id, "created_at": route.created_at.isoformat(), "length_m": round(route.length_m, 1)}
                )
    if skipped:
        notes.append(f"{skipped} stored route(s) carry no arc ids and were not checked")
    if len(stored) == MAX_ROUTES:
        notes.append(f"only the newest {MAX_ROUTES} stored routes were checked")

    when = aware(at) or datetime.now(UTC)
    passes: list[dict[str, Any]] = []
    count_passes = 0
    for row in pass_store.unrevoked_pass_rows(session):
        valid_from, valid_until = aware(row.valid_from), aware(row.valid_until)
        if valid_from is None or valid_until is None or not (valid_from <= when < valid_until):
            continue
        found = route_store.find_route(session, row.route_id)
        if found is None or not found.arcs.size or not np.isin(found.arcs, arcs).any():
            continue
        count_passes += 1
        if len(passes) < MAX_LISTED:
            passes.append(
                {
                    "pass_no": row.pass_no,
                    "plate": row.plate,
                    "route_id": row.route_id,
                    "valid_until": valid_until.isoformat(),
                }
            )
    return ZoneEffect(
        area_km2=round(area_km2, 4),
        arcs=int(one_way.size),
        road_km=round(float(metres.sum()) / 1000, 3),
        km_by_grade=km_by_grade,
        geometry=lines,
        truncated=truncated,
        routes=routes,
        routes_count=count_routes,
        passes=passes,
        passes_count=count_passes,
        notes=notes,
    )

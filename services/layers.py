"""What each map shows, as the typed views of :mod:`maps.layers` (the API and the CLI render them).

The city map has every layer, named here one by one: zones, sites, recent routes, the latest
station plan, docking points, drop points, closures with their impact, green channels and the
last day's checkpoint scans.  A delivery plan's map (:func:`delivery_plan_view`) has its routes by
vehicle, depots, docking points, stops and the zones it was planned with.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import shapely
import shapely.geometry
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from geo import prepared
from geo.errors import InvalidInputError, NotSignedIn, PermissionDeniedError
from geo.i18n import Text
from geo.sites import SITE_KINDS, Site
from geo.zones import RISKS, Zone
from maps.layers import (
    DeliveryPlanView,
    FleetRouteView,
    LegView,
    MapLayer,
    PlanPlaceView,
    PlanStopView,
    RouteView,
    ZoneCrossingView,
    route_bbox,
)
from services import deliveries, passes, routes, stations
from services.context import AppContext
from services.users import is_bureau
from store import closures as closure_store
from store import plans as plan_store
from store import routes as route_store
from store import sites, zones
from store import versions as version_store
from store.db import aware
from store.models import ClosureRow, ScanRow
from store.passes import pass_scans
from store.routes import RouteRecord
from store.users import Principal

#: Served-demand lines drawn per plan on the map.
MAX_MAP_LINES = 2000
PALETTE = (
    "#e6194b",
    "#3cb44b",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#42d4f4",
    "#f032e6",
    "#9a6324",
    "#469990",
    "#800000",
    "#808000",
    "#000075",
)
DECISION_COLOURS = {
    "rejected": "#d62728",
    "needs_provincial_approval": "#9467bd",
    "needs_city_approval": "#ff7f0e",
    "allowed": "#2ca02c",
}


@dataclass(frozen=True)
class MapContent:
    """Everything one map draws: its bbox ``(left, bottom, right, top)``, zones, sites, routes, overlays."""

    bbox: tuple[float, float, float, float]
    zones: Sequence[Zone] = ()
    sites: Sequence[Site] = ()
    routes: Sequence[RouteView] = ()
    extra_layers: Sequence[MapLayer] = field(default_factory=list)


def route_view(record: RouteRecord) -> RouteView:
    """The view of a stored or computed route."""
    return RouteView(
        legs=tuple(
            LegView(
                kind=leg.kind,
                coordinates=tuple(map(tuple, leg.coordinates.tolist())),
                length_m=leg.length_m,
                travel_time_s=leg.travel_time_s,
            )
            for leg in record.legs
        ),
        length_m=record.length_m,
        travel_time_s=record.travel_time_s,
        warnings=tuple(record.warnings),
        zones_crossed=tuple(
            ZoneCrossingView(
                zone_id=c.zone_id, risk=c.risk, entry=c.entry, exit=c.exit, time_inside_s=c.time_inside_s, name=c.name
            )
            for c in record.zones_crossed
        ),
        id=record.id,
    )


# -- overlays ------------------------------------------------------------------------------------------
def plan_layers(document: dict[str, Any], *, label: str | None = None) -> list[MapLayer]:
    """One plan's layers: chosen stations and lines to the demand each serves (one colour per station)."""
    label = label or f"stations {document['id']}"
    colour = {c["id"]: PALETTE[k % len(PALETTE)] for k, c in enumerate(document["chosen"])}
    stations_ = [
        {
            "type": "Feature",
            "id": c["id"],
            "geometry": {"type": "Point", "coordinates": c["point"]},
            "properties": {
                "name": c["name"],
                "id": c["id"],
                "kind": c["kind"],
                "served_count": c["served_count"],
                "mean_time_s": c["mean_time_s"],
                "fixed": c["fixed"],
                "style": {"color": colour[c["id"]], "fillColor": colour[c["id"]], "radius": 9},
            },
        }
        for c in document["chosen"]
    ]
    points = {c["id"]: c["point"] for c in document["chosen"]}
    lines = []
    for a in document["assignment"][:MAX_MAP_LINES]:
        sid = a["station_id"]
        if sid is None:
            continue
        lines.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [points[sid], a["point"]]},
                "properties": {
                    "demand_id": a["demand_id"],
                    "station_id": sid,
                    "travel_time_s": a["travel_time_s"],
                    "style": {"color": colour[sid], "weight": 1.5, "opacity": 0.7},
                },
            }
        )
    return [
        MapLayer(
            name=Text(f"Stations {label}", zh=f"中转站 {label}"),
            features=stations_,
            style={"color": "#d62728", "weight": 2, "fillOpacity": 0.9},
            popup_fields=("name", "id", "served_count", "mean_time_s", "fixed"),
            key="plan-stations",
        ),
        MapLayer(
            name=Text(f"Served demand {label}", zh=f"服务需求 {label}"),
            features=lines,
            style={"weight": 1.5},
            popup_fields=("demand_id", "station_id", "travel_time_s"),
            key="plan-demand",
        ),
    ]


def docking_layer(session: Session) -> MapLayer:
    docks = [
        {
            "type": "Feature",
            "id": p.id,
            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            "properties": {
                "zone_id": p.zone_id,
                "road": p.data.get("road"),
                "served_count": p.data.get("served_count"),
            },
        }
        for p in plan_store.list_docking_points(session)
    ]
    return MapLayer(
        name=Text("Docking points", zh="接驳点"),
        features=docks,
        style={"color": "#ff7f0e", "fillColor": "#ff7f0e", "radius": 7, "fillOpacity": 0.9},
        popup_fields=("zone_id", "road", "served_count"),
        key="docking-points",
    )


def drop_point_layer(session: Session) -> MapLayer:
    drops = []
    for d in plan_store.list_drop_points(session):
        props = {
            "site_id": d["site_id"],
            "method": d["method"],
            "road": d["access_road"].get("name"),
            "served_from": d["served_from"]["name"],
        }
        drops.append(
            {
                "type": "Feature",
                "id": d["id"],
                "geometry": {"type": "Point", "coordinates": d["point"]},
                "properties": props,
            }
        )
        drops.append(
            {
                "type": "Feature",
                "id": f"{d['id']}/approach",
                "geometry": d["approach"]["geometry"],
                "properties": {**props, "style": {"color": "#17becf", "weight": 2, "dashArray": "4 4"}},
            }
        )
    return MapLayer(
        name=Text("Drop points", zh="固定接收点"),
        features=drops,
        style={"color": "#2ca02c", "fillColor": "#2ca02c", "radius": 6, "fillOpacity": 0.9},
        popup_fields=("site_id", "method", "road", "served_from"),
        key="drop-points",
    )


def public_closure_layer(session: Session) -> MapLayer:
    """Closures coloured by decision with their public facts only (no impact): the layer anyone sees."""
    features = []
    for row in closure_store.list_closure_rows(session, newest_first=False):
        starts, ends = aware(row.starts_at), aware(row.ends_at)
        assert starts is not None and ends is not None
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(row.geometry),
                "properties": {
                    "id": row.id,
                    "status": row.status,
                    "decision": row.decision,
                    "mode": row.mode,
                    "grade": row.grade,
                    "window": f"{starts.isoformat()} / {ends.isoformat()}",
                    "reason": row.reason,
                    "style": {
                        "color": DECISION_COLOURS.get(row.decision, "#555555"),
                        "weight": 6,
                        "dashArray": None if row.status == "approved" else "8 6",
                    },
                },
            }
        )
    return MapLayer(
        "Closures",
        features,
        style={"color": "#d62728", "weight": 6},
        popup_fields=("id", "status", "decision", "mode", "grade", "window", "reason"),
        key="closures",
    )


def closure_layers(session: Session, rows: Sequence[ClosureRow] | None = None) -> list[MapLayer]:
    """Closures (every one, or ``rows``) coloured by decision, the enterprises they cut off, and the green
    channels."""
    closures, cut = [], []
    enterprises = {s.id: s for s in sites.list_sites(session, kind="enterprise")}
    if rows is None:
        rows = closure_store.list_closure_rows(session, newest_first=False)
    for row in rows:
        impact = json.loads(row.impact or "{}")
        starts, ends = aware(row.starts_at), aware(row.ends_at)
        assert starts is not None and ends is not None
        closures.append(
            {
                "type": "Feature",
                "geometry": json.loads(row.geometry),
                "properties": {
                    "id": row.id,
                    "status": row.status,
                    "decision": row.decision,
                    "mode": row.mode,
                    "grade": row.grade,
                    "window": f"{starts.isoformat()} / {ends.isoformat()}",
                    "reason": row.reason,
                    "cut_enterprises": len(impact.get("cut_enterprises", [])),
                    "style": {
                        "color": DECISION_COLOURS.get(row.decision, "#555555"),
                        "weight": 6,
                        "dashArray": None if row.status == "approved" else "8 6",
                    },
                },
            }
        )
        if row.status == "rejected":
            continue
        for e in impact.get("enterprises_losing_nearest_hub", []):
            site = enterprises.get(e["id"])
            if site is None:
                continue
            lon, lat = site.point
            cut.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": {
                        "closure": row.id,
                        "enterprise": site.name,
                        "nearest_hub": e["nearest_hub"],
                        "cut_from_every_hub": not e["from_any_hub"],
                    },
                }
            )
    channels = [
        {
            "type": "Feature",
            "geometry": json.loads(g.geometry),
            "properties": {
                "id": g.id,
                "name": g.name,
                "travel_time_s": round(g.travel_time_s, 1),
                "length_m": round(g.length_m, 1),
            },
        }
        for g in closure_store.list_green_channel_rows(session)
    ]
    return [
        MapLayer(
            Text("Closures", zh="道路封闭"),
            closures,
            style={"color": "#d62728", "weight": 6},
            popup_fields=("id", "status", "decision", "mode", "grade", "window", "reason", "cut_enterprises"),
            key="closures",
        ),
        MapLayer(
            Text("Closure impact: enterprises cut off", zh="封闭影响：被切断的企业"),
            cut,
            style={"color": "#d62728", "fillColor": "#d62728", "fillOpacity": 0.8, "radius": 7},
            popup_fields=("closure", "enterprise", "nearest_hub", "cut_from_every_hub"),
            key="closure-impact",
        ),
        MapLayer(
            Text("Green channels", zh="绿色通道"),
            channels,
            style={"color": "#00a651", "weight": 5},
            popup_fields=("id", "name", "travel_time_s", "length_m"),
            key="green-channels",
        ),
    ]


def _scan_feature(s: ScanRow) -> dict[str, Any]:
    color = "#1a9641" if s.verdict == "pass" else "#d7191c"
    checked = aware(s.checked_at)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
        "properties": {
            "pass_no": s.pass_no,
            "verdict": s.verdict,
            "checked_at": checked.isoformat() if checked is not None else None,
            "reasons": "; ".join(json.loads(s.reasons)) or "—",
            "scanned_by": s.scanned_by,
            "style": {"color": color, "fillColor": color},
        },
    }


def scan_layer(scans: Sequence[ScanRow], name: str) -> MapLayer:
    """Checkpoint scans as points: green pass, red stop."""
    return MapLayer(
        name=name,
        features=[_scan_feature(s) for s in scans],
        style={"radius": 7, "weight": 2, "fillOpacity": 0.8},
        popup_fields=("pass_no", "verdict", "checked_at", "reasons", "scanned_by"),
        key="scans",
    )


# -- maps ----------------------------------------------------------------------------------------------
#: The city map also depends on the clock (closures in force, the last day's scans, which are not counted
#: in the version: they arrive many times a second): its version changes at least this often.
CITY_MAP_CLOCK_S = 60


def city_map_version(session: Session) -> str:
    """The version of the city map's content: it changes whenever one of its rows changes (read from the
    database, so every worker process agrees) and every :data:`CITY_MAP_CLOCK_S` seconds."""
    return f"{version_store.map_state_version(session)}|{int(time.time() // CITY_MAP_CLOCK_S)}"


def city_map(ctx: AppContext, session: Session, *, viewer: Principal | None = None) -> MapContent:
    """The city map.  For the bureau's roles every layer: zones by risk, sites by kind, the 50 newest routes,
    the latest plan, docking and drop points, closures with their impact, green channels and the last day's
    checkpoint scans.  For anyone else (``viewer`` ``None`` or another role) only the public layers: zones
    and closures, with their public facts (:func:`public_map`)."""
    if not is_bureau(viewer):
        return public_map(ctx, session)
    layers: list[MapLayer] = []
    latest = plan_store.latest_plan(session)
    if latest is not None:
        layers += plan_layers(latest, label="latest plan")
    layers += [docking_layer(session), drop_point_layer(session)]
    layers += closure_layers(session)
    layers.append(scan_layer(passes.recent_scans(session), Text("Checkpoint scans (24 h)", zh="检查站核验（24 小时）")))
    return MapContent(
        bbox=ctx.network.bbox,
        zones=zones.list_zones(session),
        sites=sites.list_sites(session),
        routes=[route_view(r) for r in route_store.list_routes(session, limit=50)],
        extra_layers=layers,
    )


def public_map(ctx: AppContext, session: Session) -> MapContent:
    """The public map: zones by risk and the closures (no sites, routes, passes, scans or impact details)."""
    return MapContent(
        bbox=ctx.network.bbox, zones=zones.list_zones(session), extra_layers=[public_closure_layer(session)]
    )


def route_map(session: Session, route_id: str, *, user: Principal) -> tuple[RouteView, list[Zone]]:
    """One stored route and the zones to draw under it, if ``user`` may read the route.

    Raises
    ------
    NotFoundError
        An unknown route.
    PermissionDeniedError
        A dispatcher bound to an enterprise, and a route that is not that enterprise's.
    """
    return route_view(routes.get_route(session, route_id, user=user)), zones.list_zones(session)


def plan_map(session: Session, plan_id: str) -> MapContent:
    """One plan's map: its stations, the lines to the demand each serves, zones and sites."""
    doc = stations.get_plan(session, plan_id)
    return MapContent(
        bbox=stations.plan_bbox(doc),
        zones=zones.list_zones(session),
        sites=sites.list_sites(session),
        extra_layers=plan_layers(doc, label=doc["id"]),
    )


def pass_map(session: Session, pass_no: str, *, user: Principal) -> MapContent:
    """A pass's route and the trip's trace: every checkpoint scan, green for pass, red for stop."""
    row = passes.readable_pass(session, pass_no, user=user)
    view = route_view(route_store.get_route(session, row.route_id))
    return MapContent(
        bbox=route_bbox(view),
        zones=zones.list_zones(session),
        routes=[view],
        extra_layers=[scan_layer(pass_scans(session, row.pass_no), Text("Checkpoint scans", zh="核验记录"))],
    )


def delivery_plan_view(document: dict[str, Any], problem: dict[str, Any]) -> tuple[DeliveryPlanView, list[Zone]]:
    """A stored delivery plan's view (routes by vehicle, stops, depots, docking points) and the zones it was
    planned with, from its document and problem (:mod:`services.deliveries`)."""
    served: dict[str, tuple[str, str, Any]] = {}
    routes = []
    for r in document["routes"]:
        legs = tuple(
            LegView(
                kind=leg["kind"],
                coordinates=tuple(tuple(c) for c in leg["geometry"]["coordinates"]),
                length_m=leg["length_m"],
                travel_time_s=leg["travel_time_s"],
            )
            for leg in r["legs"]
            if leg["kind"] != "none"
        )
        vehicle = r.get("vehicle")
        label = f"{r['id']} {vehicle['plate']}" if vehicle else r["id"]
        for v in r["stops"]:
            if v["kind"] == "stop":
                served[v["id"]] = (r["id"], v["start"], v.get("zone"))
        if not legs:
            continue
        routes.append(
            FleetRouteView(
                id=r["id"],
                kind=r["kind"],
                label=label,
                legs=legs,
                stops=tuple(v["id"] for v in r["stops"]),
                load=r["load"],
                capacity=r["capacity"],
                distance_m=r["distance_m"],
                travel_time_s=r["travel_time_s"],
                departure=datetime.fromisoformat(r["departure"]),
                arrival=datetime.fromisoformat(r["arrival"]),
                zone_id=r.get("zone"),
            )
        )
    reasons = {u["id"]: u["reason"] for u in document["unserved"]}
    stops = []
    for s in problem["stops"]:
        by = served.get(s["id"])
        window = s.get("window")
        stops.append(
            PlanStopView(
                id=s["id"],
                point=tuple(s["point"]),
                window=None
                if window is None
                else (datetime.fromisoformat(window[0]), datetime.fromisoformat(window[1])),
                served_by=by[0] if by else None,
                start=datetime.fromisoformat(by[1]) if by else None,
                demand=s["demand"],
                zone_id=by[2] if by else None,
                name=s.get("name"),
                reason=reasons.get(s["id"]),
            )
        )
    names = {d["id"]: d.get("name") for d in problem["depots"]}
    depots = tuple(
        PlanPlaceView(id=d["id"], point=tuple(d["point"]), kind=d["kind"], name=d.get("name"))
        for d in problem["depots"]
        if d["kind"] != "docking_point"
    )
    docks = tuple(
        PlanPlaceView(
            id=d["id"],
            point=tuple(d["point"]),
            kind="docking_point",
            zone_id=d["zone"],
            name=names.get(d["id"]),
            planned=d["planned"],
            stops=d["stops"],
        )
        for d in document["docking_points"]
    )
    view = DeliveryPlanView(
        id=document["id"],
        name=document.get("name"),
        routes=tuple(routes),
        stops=tuple(stops),
        depots=depots,
        docking_points=docks,
    )
    return view, [Zone.from_feature(f, id=f["id"]) for f in problem["zones"]]


def delivery_plan_map(session: Session, plan_id: str, *, user: Principal) -> tuple[DeliveryPlanView, list[Zone]]:
    """A stored delivery plan's map view and zones (see :func:`delivery_plan_view`).

    Raises
    ------
    NotFoundError, PermissionDeniedError
        See :func:`services.deliveries.readable_plan`.
    """
    stored = deliveries.readable_plan(session, plan_id, user=user)
    return delivery_plan_view(stored.document, stored.problem)


#: Margin around a closure's road on its map, in degrees (about 1 km).
CLOSURE_MAP_MARGIN_DEG = 0.01


def closure_map(session: Session, closure_id: str) -> MapContent:
    """One closure's map: its road coloured by decision, the enterprises it cuts off, the green channels
    and the zones, fitted to the road and those enterprises.

    Raises
    ------
    NotFoundError
        An unknown closure.
    """
    row = closure_store.get_closure_row(session, closure_id)
    overlays = closure_layers(session, rows=[row])
    points = [f["geometry"]["coordinates"] for f in overlays[1].features]
    left, bottom, right, top = shape(json.loads(row.geometry)).bounds
    for lon, lat in points:
        left, bottom, right, top = min(left, lon), min(bottom, lat), max(right, lon), max(top, lat)
    m = CLOSURE_MAP_MARGIN_DEG
    return MapContent(
        bbox=(left - m, bottom - m, right + m, top + m), zones=zones.list_zones(session), extra_layers=overlays
    )


def planning_layers(session: Session, *, plan_id: str | None = None) -> dict[str, Any]:
    """What the planner's plan page draws, as GeoJSON: sites, zones, docking and drop points, green channels,
    and one station plan (``plan_id``, else the latest) with its chosen stations, the lines to the demand each
    serves and the candidates it excluded with their reasons."""
    doc = stations.get_plan(session, plan_id) if plan_id is not None else plan_store.latest_plan(session)
    channels = closure_layers(session, rows=[])[2]
    plan: dict[str, Any] | None = None
    if doc is not None:
        chosen, lines = plan_layers(doc)
        plan = {
            "id": doc["id"],
            "model": doc["model"],
            "params": doc["params"],
            "objective": doc["objective"],
            "objective_unit": doc["objective_unit"],
            "search": doc.get("search"),
            "stations": chosen.features,
            "lines": lines.features,
            "excluded": doc.get("excluded", []),
            "unserved": doc.get("unserved", []),
        }
    return {
        "sites": [site.to_feature() for site in sites.list_sites(session)],
        "zones": [zone.to_feature() for zone in zones.list_zones(session)],
        "docking_points": docking_layer(session).features,
        "drop_points": drop_point_layer(session).features,
        "green_channels": channels.features,
        "plan": plan,
    }


# -- the city map's layers by viewport ------------------------------------------------------------------
#: Features one layer answer carries at most; past it the answer says to zoom in.
MAX_LAYER_FEATURES = 500
#: The layers anyone may load; every other layer of the city map needs a bureau role (:func:`is_bureau`).
PUBLIC_LAYERS = (*(f"zones-{risk}" for risk in RISKS), "closures")
#: The deepest zoom a layer answer is simplified for (Leaflet's usual maximum).
MAX_ZOOM = 22
_EARTH_CIRCUMFERENCE_M = 40_075_016.686
_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class LayerSlice:
    """One layer of the city map within a viewport: ``content`` holds that layer's features only (simplified
    for the zoom), ``total`` how many met the viewport, ``truncated`` whether :data:`MAX_LAYER_FEATURES` cut
    them."""

    key: str
    content: MapContent
    total: int
    truncated: bool


def city_layer_keys(content: MapContent, *, viewer: Principal | None) -> list[str]:
    """The layers of ``content`` that ``viewer`` may load, in drawing order: zones by risk, sites by kind,
    routes, then the overlays (:attr:`MapLayer.key`).  Anyone else than the bureau gets :data:`PUBLIC_LAYERS`."""
    keys = [f"zones-{risk}" for risk in RISKS]
    if is_bureau(viewer):
        keys += [f"sites-{kind}" for kind in SITE_KINDS]
        if content.routes:
            keys.append("routes")
    keys += [layer.key for layer in content.extra_layers if layer.key is not None]
    return [k for k in keys if is_bureau(viewer) or k in PUBLIC_LAYERS]


def check_layer_access(layer: str, *, viewer: Principal | None) -> None:
    """Refuse a bureau layer to anyone without a bureau role (the role its inline layer needed).

    Raises
    ------
    NotSignedIn
        A bureau layer and no signed-in user.
    PermissionDeniedError
        A bureau layer and a user of another role.
    """
    if layer in PUBLIC_LAYERS or is_bureau(viewer):
        return
    if viewer is None:
        raise NotSignedIn(
            f"map layer {layer!r} needs a bureau role; sign in", zh=f"地图图层 {layer!r} 需要局内角色；请先登录"
        )
    raise PermissionDeniedError(
        f"role {viewer.role!r} may not read map layer {layer!r}; only {sorted(PUBLIC_LAYERS)} are public",
        zh=f"角色 {viewer.role!r} 无权读取地图图层 {layer!r}；公开图层只有 {sorted(PUBLIC_LAYERS)}",
    )


def parse_view(bbox: str, zoom: str | int) -> tuple[tuple[float, float, float, float], int]:
    """A viewport from its query form: ``bbox`` ``"left,bottom,right,top"`` in WGS-84 degrees and ``zoom``
    0 to :data:`MAX_ZOOM`.

    Raises
    ------
    InvalidInputError
        For a bbox that is not four finite numbers in range with left <= right and bottom <= top, or a zoom
        that is not an integer in range; the message names the value.
    """
    try:
        values = tuple(float(v) for v in bbox.split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InvalidInputError(
            f"`bbox` was {bbox!r}; expected left,bottom,right,top in WGS-84 degrees",
            zh=f"`bbox` 为 {bbox!r}；应为 左,下,右,上（WGS-84 经纬度）",
        )
    left, bottom, right, top = values
    if not (-180 <= left <= right <= 180 and -90 <= bottom <= top <= 90):
        raise InvalidInputError(
            f"`bbox` was {bbox!r}; expected -180 <= left <= right <= 180 and -90 <= bottom <= top <= 90",
            zh=f"`bbox` 为 {bbox!r}；应满足 -180 ≤ 左 ≤ 右 ≤ 180、-90 ≤ 下 ≤ 上 ≤ 90",
        )
    try:
        level = int(str(zoom))
    except ValueError:
        level = -1
    if not 0 <= level <= MAX_ZOOM:
        raise InvalidInputError(
            f"`zoom` was {zoom!r}; expected an integer from 0 to {MAX_ZOOM}",
            zh=f"`zoom` 为 {zoom!r}；应为 0 到 {MAX_ZOOM} 的整数",
        )
    return (left, bottom, right, top), level


def layer_etag(
    version: str,
    layer: str,
    *,
    bbox: tuple[float, float, float, float],
    zoom: int,
    lang: str,
    viewer: Principal | None,
) -> str:
    """The ``ETag`` of a layer answer: it changes with the map's content version (:func:`city_map_version`),
    the layer, the viewport, the language and the audience (the bureau's layers carry more)."""
    audience = "bureau" if is_bureau(viewer) else "public"
    view = ",".join(map(repr, bbox))
    digest = hashlib.blake2b(f"{version}|{audience}|{lang}|{layer}|{view}|{zoom}".encode(), digest_size=16)
    return f'"{digest.hexdigest()}"'


def simplify_tolerance_deg(zoom: int, *, lat: float) -> float:
    """The simplification tolerance for ``zoom``: one screen pixel's width in metres at latitude ``lat``
    (256-pixel web-mercator tiles), as degrees of latitude, so no vertex moves more than a pixel."""
    metres_per_pixel = _EARTH_CIRCUMFERENCE_M * math.cos(math.radians(lat)) / (256 * 2**zoom)
    return metres_per_pixel / _METRES_PER_DEGREE


def _simplified(geometry: BaseGeometry, tolerance: float) -> BaseGeometry:
    if geometry.geom_type == "Point" or tolerance <= 0:
        return geometry
    out = geometry.simplify(tolerance, preserve_topology=True)
    return out if out.is_valid and not out.is_empty else geometry


def _capped(found: Sequence[Any], max_features: int) -> tuple[Sequence[Any], int, bool]:
    return found[:max_features], len(found), len(found) > max_features


def city_layer(
    content: MapContent,
    layer: str,
    *,
    bbox: tuple[float, float, float, float],
    zoom: int,
    max_features: int | None = None,
) -> LayerSlice:
    """Layer ``layer`` of the city map ``content`` (:func:`city_map`) within ``bbox`` ``(left, bottom, right,
    top)``: the features that meet it, at most ``max_features``, their lines and polygons simplified for
    ``zoom`` (:func:`simplify_tolerance_deg`; still valid geometries).  ``max_features`` defaults to
    :data:`MAX_LAYER_FEATURES`.

    Raises
    ------
    InvalidInputError
        If ``content`` has no layer ``layer`` (the message lists the ones it has).
    """
    if max_features is None:
        max_features = MAX_LAYER_FEATURES
    view = shapely.box(*bbox)
    tolerance = simplify_tolerance_deg(zoom, lat=(bbox[1] + bbox[3]) / 2)
    part: MapContent
    if layer.startswith("zones-") and layer.removeprefix("zones-") in RISKS:
        risk = layer.removeprefix("zones-")
        found = [z for z in content.zones if z.risk == risk and prepared.intersects(z.geometry, view)]
        kept, total, truncated = _capped(found, max_features)
        shown = [replace(z, geometry=_simplified(z.geometry, tolerance)) for z in kept]
        return LayerSlice(layer, MapContent(bbox=content.bbox, zones=shown), total, truncated)
    if layer.startswith("sites-") and layer.removeprefix("sites-") in SITE_KINDS:
        kind = layer.removeprefix("sites-")
        found_sites = [s for s in content.sites if s.kind == kind and prepared.intersects(s.geometry, view)]
        kept, total, truncated = _capped(found_sites, max_features)
        return LayerSlice(layer, MapContent(bbox=content.bbox, sites=kept), total, truncated)
    if layer == "routes" and content.routes:
        found_routes = [
            r for r in content.routes if any(shapely.LineString(leg.coordinates).intersects(view) for leg in r.legs)
        ]
        kept, total, truncated = _capped(found_routes, max_features)
        part = MapContent(bbox=content.bbox, routes=[_simplified_route(r, tolerance) for r in kept])
        return LayerSlice(layer, part, total, truncated)
    for overlay in content.extra_layers:
        if overlay.key == layer:
            found_features = [f for f in overlay.features if shapely.geometry.shape(f["geometry"]).intersects(view)]
            kept, total, truncated = _capped(found_features, max_features)
            features = [
                {**f, "geometry": mapping(_simplified(shapely.geometry.shape(f["geometry"]), tolerance))} for f in kept
            ]
            return LayerSlice(
                layer,
                MapContent(bbox=content.bbox, extra_layers=[replace(overlay, features=features)]),
                total,
                truncated,
            )
    known = _all_keys(content)
    raise InvalidInputError(
        f"`layer` was {layer!r}; expected one of {known}", zh=f"`layer` 为 {layer!r}；应为以下之一：{known}"
    )


def _all_keys(content: MapContent) -> list[str]:
    keys = [f"zones-{risk}" for risk in RISKS] + [f"sites-{kind}" for kind in SITE_KINDS]
    keys += ["routes"] if content.routes else []
    return keys + [layer.key for layer in content.extra_layers if layer.key is not None]


def _simplified_route(route: RouteView, tolerance: float) -> RouteView:
    legs = []
    for leg in route.legs:
        line = _simplified(shapely.LineString(leg.coordinates), tolerance)
        legs.append(replace(leg, coordinates=tuple((float(x), float(y)) for x, y, *_ in line.coords)))
    return replace(route, legs=tuple(legs))


class CityMapContents:
    """The city map's content of the last few versions and audiences (``"<version>:<audience>"``), so layer
    answers for many viewports read the database once per version."""

    KEPT = 4

    def __init__(self) -> None:
        self._contents: OrderedDict[str, MapContent] = OrderedDict()
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()  # one build at a time; waiters then find it built

    def _kept(self, key: str) -> MapContent | None:
        with self._lock:
            return self._contents.get(key)

    def get(self, ctx: AppContext, version: str, *, viewer: Principal | None) -> MapContent:
        """The content of ``version`` for ``viewer``'s audience, built (:func:`city_map`) when not kept."""
        key = f"{version}:{'bureau' if is_bureau(viewer) else 'public'}"
        found = self._kept(key)
        if found is not None:
            return found
        with self._build_lock:
            found = self._kept(key)
            if found is not None:
                return found
            with ctx.sessions() as session:
                built = city_map(ctx, session, viewer=viewer)
            with self._lock:
                self._contents[key] = built
                while len(self._contents) > self.KEPT:
                    self._contents.popitem(last=False)
        return built

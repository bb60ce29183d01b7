"""folium map views of zones, sites, routes and extra GeoJSON layers.

Built from domain objects (:class:`geo.zones.Zone`, :class:`geo.sites.Site`) and the typed
views of :mod:`maps.layers` (:class:`RouteView`, :class:`MapLayer`), which the service layer
builds from its records; never from API payloads.  This module does not import ``api`` or FastAPI.
Coordinates are ``(lon, lat)`` everywhere except right here, where folium
wants ``(lat, lon)``; GeoJSON handed to folium stays ``[lon, lat]``.

Every page links Leaflet & co. from the service itself (:mod:`maps.assets`),
so a map works with no internet.  Without ``tiles_url`` there is no base map:
the vector layers draw on a plain background.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.features import GeoJsonPopup
from folium.template import Template
from shapely.geometry import Point, mapping

from geo.sites import SITE_KINDS
from geo.zones import RISK_LABELS, RISKS
from maps.assets import DEFAULT_STATIC_PREFIX, localize
from maps.layers import LegView, MapLayer, RouteView, ZoneCrossingView, route_bbox

__all__ = [
    "city_map",
    "route_map",
    "route_bbox",
    "RouteView",
    "LegView",
    "ZoneCrossingView",
    "MapLayer",
    "Legend",
    "LegendEntry",
    "SafeGeoJsonPopup",
    "LEG_STYLES",
    "RISK_COLORS",
    "ROUTE_LAYER_NAME",
    "SITE_LAYER_NAMES",
    "ZONE_LAYER_NAMES",
]

# -- styles ----------------------------------------------------------------------------

#: Zone fill/outline colour per risk (sealed red, controlled orange, precaution yellow).
RISK_COLORS = {"sealed": "#d7301f", "controlled": "#f28e2b", "precaution": "#f2c80f"}
#: Layer names (shown in the LayerControl).
ZONE_LAYER_NAMES = {
    "sealed": "封控区 sealed zones",
    "controlled": "管控区 controlled zones",
    "precaution": "防范区 precaution zones",
}
SITE_LAYER_NAMES = {
    "hub_rail": "铁路站 rail hubs",
    "hub_coach": "客运站 coach hubs",
    "hub_logistics": "物流园区 logistics hubs",
    "enterprise": "企业 enterprises",
    "candidate_station": "候选中转站 candidate stations",
    "demand": "需求点 demand points",
}
ROUTE_LAYER_NAME = "路线 routes"
SITE_KIND_LABELS = {
    "hub_rail": "铁路站 rail station hub",
    "hub_coach": "客运站 coach station hub",
    "hub_logistics": "物流园区 logistics park hub",
    "enterprise": "企业 enterprise",
    "candidate_station": "候选中转站 candidate transfer station",
    "demand": "需求点 demand point",
}
#: Awesome-markers icon (colour, Font Awesome 6 name) per site kind; enterprises by whitelist.
SITE_ICONS = {
    "hub_rail": ("darkblue", "train"),
    "hub_coach": ("blue", "bus"),
    "hub_logistics": ("purple", "warehouse"),
    "enterprise_whitelisted": ("green", "industry"),
    "enterprise": ("gray", "industry"),
    "candidate_station": ("cadetblue", "truck"),
    "demand": ("black", "location-dot"),
}
#: Marker-colour swatches of the awesome-markers palette, for the legend.
_ICON_SWATCH = {
    "darkblue": "#00639b",
    "blue": "#38aadd",
    "purple": "#d252b9",
    "green": "#72b026",
    "gray": "#575757",
    "cadetblue": "#436978",
    "black": "#303030",
}
#: Polyline style per leg kind: origin dashed, transit solid thick, destination dashed, inside dotted.
LEG_STYLES = {
    "origin": {"color": "#1f78b4", "weight": 4, "opacity": 0.9, "dashArray": "10 7"},
    "transit": {"color": "#253494", "weight": 7, "opacity": 0.85},
    "destination": {"color": "#7b3294", "weight": 4, "opacity": 0.9, "dashArray": "10 7"},
    "inside": {"color": "#b2182b", "weight": 5, "opacity": 0.95, "dashArray": "1 9", "lineCap": "round"},
}
LEG_LABELS = {
    "origin": "起点段 origin",
    "transit": "干线段 transit",
    "destination": "终点段 destination",
    "inside": "区内段 inside zone",
}
_DEFAULT_LEG_STYLE = {"color": "#555555", "weight": 4, "opacity": 0.9}
DEFAULT_ATTRIBUTION = "© OpenStreetMap contributors"


def _text(value: Any) -> str:
    """``value`` escaped for HTML that folium drops into a JS template literal."""
    return html.escape(str(value)).replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def _latlon(lon: float, lat: float) -> list[float]:
    return [float(lat), float(lon)]


def _fmt_time(value: datetime | None, empty: str) -> str:
    return value.isoformat() if value is not None else empty


def _popup_table(rows: Iterable[tuple[str, Any]], *, title: str | None = None) -> str:
    body = "".join(f"<tr><th>{_text(k)}</th><td>{_text(v)}</td></tr>" for k, v in rows if v is not None)
    head = f"<b>{_text(title)}</b>" if title else ""
    return f'<div class="baotong-popup">{head}<table>{body}</table></div>'


# -- popups ------------------------------------------------------------------------------


class SafeGeoJsonPopup(GeoJsonPopup):
    """A ``GeoJsonPopup`` that puts property values in with ``textContent``, never as HTML.

    folium's own one builds the table with ``innerHTML``, so a zone named
    ``<img onerror=...>`` would run script in a planner's browser.
    """

    _template = Template(
        """
    {% macro script(this, kwargs) %}
    {{ this._parent.get_name() }}.bindPopup(function(layer) {
        var div = L.DomUtil.create('div', 'baotong-popup');
        var fields = {{ this.fields|tojson }};
        var aliases = {{ this.aliases|tojson }};
        var props = (layer.feature && layer.feature.properties) || {};
        var table = L.DomUtil.create('table', '', div);
        fields.forEach(function(f, i) {
            var v = props[f];
            if (v === null || v === undefined || v === '') { return; }
            var tr = L.DomUtil.create('tr', '', table);
            {%- if this.labels %}
            L.DomUtil.create('th', '', tr).textContent = aliases[i];
            {%- endif %}
            L.DomUtil.create('td', '', tr).textContent = (typeof v === 'object') ? JSON.stringify(v) : String(v);
        });
        return div;
    }, {{ this.popup_options|tojavascript }});
    {% endmacro %}
    """
    )

    def __init__(self, fields: Sequence[str], aliases: Sequence[str] | None = None, **kwargs: Any):
        super().__init__(
            fields=list(fields), aliases=list(aliases) if aliases is not None else None, localize=False, **kwargs
        )


# -- legend ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a label and a swatch (``"fill"``, ``"line"`` or ``"marker"``) with its CSS colour."""

    label: str
    swatch: str
    color: str
    dash: str | None = None


class Legend(MacroElement):
    """A small HTML/CSS legend in the map's corner (no external assets)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
          .baotong-legend { position: absolute; z-index: 1000; bottom: 18px; left: 10px;
            background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px;
            box-shadow: 0 1px 4px rgba(0,0,0,0.35); font: 12px/1.45 sans-serif; max-width: 280px; }
          .baotong-legend h4 { margin: 0 0 4px; font-size: 13px; }
          .baotong-legend .bl-row { display: flex; align-items: center; gap: 6px; margin: 0; }
          .baotong-legend .bl-sw { flex: 0 0 22px; width: 22px; height: 12px; box-sizing: border-box; }
          .baotong-legend .bl-sw.fill { opacity: 0.75; border: 1px solid rgba(0,0,0,0.4); }
          .baotong-legend .bl-sw.line { height: 0; border-top-width: 4px; }
          .baotong-legend .bl-sw.marker { flex-basis: 12px; width: 12px; margin: 0 5px; border-radius: 50%;
            border: 1px solid rgba(0,0,0,0.5); }
          .baotong-popup th { text-align: left; padding-right: 8px; white-space: nowrap; }
          .baotong-popup td { word-break: break-word; }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <div class="baotong-legend" id="{{ this.get_name() }}"><h4>{{ this.title|e }}</h4>
        {%- for e in this.entries %}
          <div class="bl-row">
          {%- if e.swatch == 'line' %}
            <span class="bl-sw line" style="border-top-style: {{ e.dash or 'solid' }}; border-top-color: {{ e.color|e }};"></span>
          {%- else %}
            <span class="bl-sw {{ e.swatch }}" style="background: {{ e.color|e }};"></span>
          {%- endif %}
            <span class="bl-label">{{ e.label|e }}</span></div>
        {%- endfor %}
        </div>
        {% endmacro %}
        """
    )

    def __init__(self, entries: Sequence[LegendEntry], *, title: str = "图例 Legend"):
        super().__init__()
        self._name = "Legend"
        self.title = title
        self.entries = list(entries)


def _dash_css(dash_array: str | None) -> str | None:
    if not dash_array:
        return None
    first = float(str(dash_array).split()[0])
    return "dotted" if first <= 2 else "dashed"


def _legend_entries(extra_layers: Sequence[MapLayer], *, with_sites: bool, with_routes: bool) -> list[LegendEntry]:
    out = [LegendEntry(ZONE_LAYER_NAMES[r], "fill", RISK_COLORS[r]) for r in RISKS]
    if with_sites:
        for kind in SITE_KINDS:
            if kind == "enterprise":
                out.append(
                    LegendEntry(
                        "企业 enterprise (白名单 whitelisted)",
                        "marker",
                        _ICON_SWATCH[SITE_ICONS["enterprise_whitelisted"][0]],
                    )
                )
                out.append(
                    LegendEntry(
                        "企业 enterprise (not whitelisted)", "marker", _ICON_SWATCH[SITE_ICONS["enterprise"][0]]
                    )
                )
            else:
                out.append(LegendEntry(SITE_KIND_LABELS[kind], "marker", _ICON_SWATCH[SITE_ICONS[kind][0]]))
    if with_routes:
        for kind, style in LEG_STYLES.items():
            out.append(
                LegendEntry(
                    f"路线 route: {LEG_LABELS[kind]}", "line", style["color"], _dash_css(style.get("dashArray"))
                )
            )
        out.append(LegendEntry("进入/驶离 zone entry / exit", "marker", "#ffffff"))
    for layer in extra_layers:
        color = str(layer.style.get("color") or layer.style.get("fillColor") or "#3388ff")
        out.append(LegendEntry(layer.name, "line", color, _dash_css(layer.style.get("dashArray"))))
    return out


# -- layers ------------------------------------------------------------------------------


def _zone_feature(zone) -> dict:
    window = (
        f"{_fmt_time(zone.valid_from, 'open start')} → {_fmt_time(zone.valid_until, 'until lifted')}"
        if zone.valid_from or zone.valid_until
        else "always (no validity window)"
    )
    return {
        "type": "Feature",
        "id": zone.id,
        "geometry": mapping(zone.geometry),
        "properties": {
            "id": zone.id,
            "name": zone.name,
            "risk": zone.risk,
            "risk_label": RISK_LABELS[zone.risk],
            "valid_from": zone.valid_from.isoformat() if zone.valid_from else None,
            "valid_until": zone.valid_until.isoformat() if zone.valid_until else None,
            "validity": window,
            "county_code": zone.county_code,
        },
    }


_ZONE_POPUP = (
    ["name", "risk_label", "validity", "county_code", "id"],
    ["名称 name", "风险 risk", "有效期 validity", "区县 county", "id"],
)


def _add_zone_layers(m: folium.Map, zones: Sequence) -> dict[str, folium.FeatureGroup]:
    groups = {}
    for risk in RISKS:
        group = folium.FeatureGroup(name=ZONE_LAYER_NAMES[risk], show=True)
        feats = [_zone_feature(z) for z in zones if z.risk == risk]
        if feats:
            color = RISK_COLORS[risk]
            style = {
                "color": color,
                "weight": 2,
                "fillColor": color,
                "fillOpacity": 0.3 if risk != "precaution" else 0.22,
            }
            folium.GeoJson(
                {"type": "FeatureCollection", "features": feats},
                name=f"{risk} zones",
                style_function=lambda _f, s=style: dict(s),
                highlight_function=lambda _f: {"weight": 4, "fillOpacity": 0.45},
                popup=SafeGeoJsonPopup(*_ZONE_POPUP),
                control=False,
            ).add_to(group)
        group.add_to(m)
        groups[risk] = group
    return groups


def _site_icon(site) -> folium.Icon:
    key = "enterprise_whitelisted" if site.kind == "enterprise" and site.whitelist else site.kind
    color, icon = SITE_ICONS[key]
    # awesome-markers replaces Leaflet's class names; keep `leaflet-marker-icon` so pages and tests can find markers
    return folium.Icon(color=color, icon=icon, prefix="fa", class_name="awesome-marker leaflet-marker-icon")


def _site_popup(site) -> str:
    rows = [
        ("种类 kind", SITE_KIND_LABELS.get(site.kind, site.kind)),
        ("白名单 whitelist", ("是 yes" if site.whitelist else "否 no") if site.kind == "enterprise" else None),
        ("行业 sector", site.sector),
        ("区县 county", site.county_code),
        ("id", site.id),
    ]
    return _popup_table(rows, title=site.name)


def _add_site_layers(m: folium.Map, sites: Sequence, *, include_empty: bool) -> dict[str, folium.FeatureGroup]:
    groups = {}
    for kind in SITE_KINDS:
        of_kind = [s for s in sites if s.kind == kind]
        if not of_kind and not include_empty:
            continue
        group = folium.FeatureGroup(name=SITE_LAYER_NAMES[kind], show=True)
        polygons = [s for s in of_kind if not isinstance(s.geometry, Point)]
        if polygons:  # premises drawn as outlines, the marker sits inside
            folium.GeoJson(
                {"type": "FeatureCollection", "features": [s.to_feature() for s in polygons]},
                name=f"{kind} premises",
                style_function=lambda _f: {"color": "#444444", "weight": 1.5, "fillOpacity": 0.08},
                control=False,
            ).add_to(group)
        for site in of_kind:
            lon, lat = site.point
            folium.Marker(
                _latlon(lon, lat),
                icon=_site_icon(site),
                popup=folium.Popup(_site_popup(site), max_width=320),
                tooltip=folium.Tooltip(_text(site.name)),
            ).add_to(group)
        group.add_to(m)
        groups[kind] = group
    return groups


def _route_features(route: RouteView, label: str) -> list[dict]:
    warnings = "; ".join(route.warnings) if route.warnings else "none"
    feats = []
    for i, leg in enumerate(route.legs):
        feats.append(
            {
                "type": "Feature",
                "id": f"{label}/{i}",
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in leg.coordinates]},
                "properties": {
                    "route": label,
                    "leg": i,
                    "kind": leg.kind,
                    "kind_label": LEG_LABELS.get(leg.kind, leg.kind),
                    "length_m": round(leg.length_m, 1),
                    "travel_time_s": round(leg.travel_time_s, 1),
                    "route_length_m": round(route.length_m, 1),
                    "route_travel_time_s": round(route.travel_time_s, 1),
                    "warnings": warnings,
                },
            }
        )
    return feats


_ROUTE_POPUP = (
    ["route", "kind_label", "length_m", "travel_time_s", "route_length_m", "route_travel_time_s", "warnings"],
    ["路线 route", "路段 leg", "leg length_m", "leg travel_time_s", "length_m", "travel_time_s", "warnings"],
)


def _leg_style(feature: dict) -> dict:
    return dict(LEG_STYLES.get(feature["properties"]["kind"], _DEFAULT_LEG_STYLE))


def _add_route_layer(m: folium.Map, routes: Sequence[RouteView]) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=ROUTE_LAYER_NAME, show=True)
    for n, route in enumerate(routes, start=1):
        label = route.id or f"route {n}"
        folium.GeoJson(
            {"type": "FeatureCollection", "features": _route_features(route, label)},
            name=label,
            style_function=_leg_style,
            highlight_function=lambda _f: {"weight": 9},
            popup=SafeGeoJsonPopup(*_ROUTE_POPUP),
            control=False,
        ).add_to(group)
        for z in route.zones_crossed:
            color = RISK_COLORS.get(z.risk, "#555555")
            zone_label = z.name or z.zone_id
            for where, point, fill in (("进入 entry", z.entry, "#ffffff"), ("驶离 exit", z.exit, color)):
                if point is None:
                    continue
                rows = [
                    ("路线 route", label),
                    ("区域 zone", zone_label),
                    ("风险 risk", RISK_LABELS.get(z.risk, z.risk)),
                    ("区内时间 time_inside_s", round(z.time_inside_s, 1) if z.time_inside_s is not None else None),
                ]
                folium.CircleMarker(
                    _latlon(*point),
                    radius=6,
                    color=color,
                    weight=3,
                    fill=True,
                    fill_color=fill,
                    fill_opacity=1.0,
                    popup=folium.Popup(_popup_table(rows, title=f"{where}: {zone_label}"), max_width=320),
                ).add_to(group)
    group.add_to(m)
    return group


def _prepare_layer_features(layer: MapLayer) -> list[dict]:
    feats = []
    for i, f in enumerate(layer.features):
        if not isinstance(f, Mapping) or f.get("type") != "Feature" or not isinstance(f.get("geometry"), Mapping):
            raise ValueError(f"layer {layer.name!r} feature {i} is not a GeoJSON Feature with a geometry")
        props = dict(f.get("properties") or {})
        for name in layer.popup_fields:
            props.setdefault(name, None)
        feats.append(
            {
                "type": "Feature",
                "id": f.get("id", f"{layer.name}/{i}"),
                "geometry": dict(f["geometry"]),
                "properties": props,
            }
        )
    return feats


def _add_extra_layer(m: folium.Map, layer: MapLayer) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=layer.name, show=layer.show)
    feats = _prepare_layer_features(layer)
    if feats:
        base = {"color": "#3388ff", "weight": 3, **layer.style}
        radius = float(base.pop("radius", 6))
        popup = SafeGeoJsonPopup(layer.popup_fields, layer.popup_aliases) if layer.popup_fields else None
        folium.GeoJson(
            {"type": "FeatureCollection", "features": feats},
            name=layer.name,
            style_function=lambda f, b=base: {**b, **(f["properties"].get("style") or {})},
            marker=folium.CircleMarker(radius=radius, fill=True),
            popup=popup,
            control=False,
        ).add_to(group)
    group.add_to(m)
    return group


# -- maps --------------------------------------------------------------------------------


def _check_bbox(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    try:
        left, bottom, right, top = (float(v) for v in bbox)
    except (TypeError, ValueError) as err:
        raise ValueError(f"`bbox` was {bbox!r}; expected (left, bottom, right, top) in degrees") from err
    if not (-180 <= left <= right <= 180 and -90 <= bottom <= top <= 90):
        raise ValueError(f"`bbox` was {bbox!r}; expected (left, bottom, right, top) with left <= right, bottom <= top")
    return left, bottom, right, top


def _build(
    *,
    bbox: Sequence[float],
    zones: Iterable[Any],
    sites: Sequence[Any],
    routes: Iterable[RouteView],
    extra_layers: Iterable[MapLayer],
    tiles_url: str | None,
    tiles_attribution: str | None,
    static_prefix: str,
    include_empty_sites: bool,
) -> folium.Map:
    left, bottom, right, top = _check_bbox(bbox)
    route_views = list(routes)
    extra_layers = list(extra_layers)
    m = folium.Map(
        location=_latlon((left + right) / 2, (bottom + top) / 2), tiles=None, zoom_start=13, control_scale=True
    )
    if tiles_url:
        folium.TileLayer(
            tiles=tiles_url,
            attr=html.escape(tiles_attribution or DEFAULT_ATTRIBUTION),  # text, never HTML
            name="底图 basemap",
            overlay=False,
            control=True,
        ).add_to(m)
    _add_zone_layers(m, list(zones))
    _add_site_layers(m, list(sites), include_empty=include_empty_sites)
    if route_views:
        _add_route_layer(m, route_views)
    for layer in extra_layers:
        _add_extra_layer(m, layer)
    folium.LayerControl(collapsed=False).add_to(m)
    Legend(
        _legend_entries(extra_layers, with_sites=include_empty_sites or bool(sites), with_routes=bool(route_views))
    ).add_to(m)
    m.fit_bounds([_latlon(left, bottom), _latlon(right, top)])
    # an inline favicon: the browser asks for no /favicon.ico (a 404 is a console error)
    m.get_root().header.add_child(Element('<link rel="icon" href="data:,">'), name="favicon")
    localize(m, static_prefix=static_prefix)
    return m


def city_map(
    *,
    bbox: Sequence[float],
    zones: Iterable[Any] = (),
    sites: Iterable[Any] = (),
    routes: Iterable[RouteView] = (),
    extra_layers: Iterable[MapLayer] = (),
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    static_prefix: str = DEFAULT_STATIC_PREFIX,
) -> folium.Map:
    """The city map: zones by risk, sites by kind, routes, extra layers, a legend and a LayerControl.

    Parameters
    ----------
    bbox
        ``(left, bottom, right, top)`` in WGS-84 degrees; the map opens fitted to it.
    zones, sites
        :class:`geo.zones.Zone` and :class:`geo.sites.Site` objects.
    routes
        :class:`RouteView` objects.
    extra_layers
        :class:`MapLayer` objects, one overlay each.
    tiles_url, tiles_attribution
        An XYZ tile URL (e.g. the intranet tile server) and its attribution; without one, no base map.
    static_prefix
        Where the API serves ``api/static`` (the vendored Leaflet & co. are under ``<prefix>/vendor/``).

    Returns
    -------
    folium.Map
        Ready to ``get_root().render()`` or ``save()``; it links no CDN.

    Raises
    ------
    ValueError
        For a bad bbox, or an extra-layer item that is not a Feature.
    maps.assets.OfflineAssetError
        If some element links a remote asset with no vendored copy.
    """
    return _build(
        bbox=bbox,
        zones=zones,
        sites=list(sites),
        routes=routes,
        extra_layers=extra_layers,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        static_prefix=static_prefix,
        include_empty_sites=True,
    )


def route_map(
    route: RouteView,
    *,
    zones: Iterable[Any] = (),
    static_prefix: str = DEFAULT_STATIC_PREFIX,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
) -> folium.Map:
    """A map of one route (its legs, zone entries and exits) over ``zones``, fitted to the route."""
    return _build(
        bbox=route_bbox(route),
        zones=zones,
        sites=[],
        routes=[route],
        extra_layers=(),
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        static_prefix=static_prefix,
        include_empty_sites=False,
    )

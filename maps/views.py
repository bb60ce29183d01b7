"""folium map views of zones, sites, routes and extra GeoJSON layers.

Built from domain objects (:class:`geo.zones.Zone`, :class:`geo.sites.Site`) and the typed
views of :mod:`maps.layers` (:class:`RouteView`, :class:`MapLayer`), which the service layer
builds from its records; never from API payloads.  This module does not import ``api`` or FastAPI.
Coordinates are ``(lon, lat)`` everywhere except right here, where folium
wants ``(lat, lon)``; GeoJSON handed to folium stays ``[lon, lat]``.

Every page links Leaflet & co. from the service itself (:mod:`maps.assets`),
so a map works with no internet.  Under the layers lies the app's own vector
basemap (:mod:`maps.basemap_layer`, the tiles of the loaded extract), or a
bureau's raster tile server when ``tiles_url`` names one.  Layer names, the
legend and the popups are in the reader's language (``lang``: ``zh`` first,
``en``); times in the bureau's zone, durations and lengths in words.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from folium.features import GeoJsonPopup
from folium.template import Template
from shapely.geometry import Point, mapping

from geo.i18n import format_duration, format_length, format_time, text_in
from geo.i18n import timezone as zone_named
from geo.sites import SITE_KINDS
from geo.zones import RISKS
from maps.assets import DEFAULT_STATIC_PREFIX, localize
from maps.basemap_layer import DEFAULT_TILES_PATH, VectorBasemap
from maps.layers import (
    DeliveryPlanView,
    FleetRouteView,
    LegView,
    MapLayer,
    PlanPlaceView,
    PlanStopView,
    RouteView,
    ZoneCrossingView,
    delivery_bbox,
    route_bbox,
)

__all__ = [
    "city_map",
    "layer_collection",
    "ViewportSource",
    "route_map",
    "delivery_map",
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
    "VEHICLE_COLOURS",
    "DELIVERY_LAYER_NAMES",
    "window_bins",
]

# -- styles ----------------------------------------------------------------------------

#: Zone fill/outline colour per risk (sealed red, controlled orange, precaution yellow).
RISK_COLORS = {"sealed": "#d7301f", "controlled": "#f28e2b", "precaution": "#f2c80f"}
#: Layer names (shown in the LayerControl), legend texts and popup labels, in each language.
_ZONE_NAMES = {
    "zh": {"sealed": "封控区", "controlled": "管控区", "precaution": "防范区"},
    "en": {"sealed": "Sealed zones", "controlled": "Controlled zones", "precaution": "Precaution zones"},
}
_RISK_NAMES = {
    "zh": {"sealed": "封控区（高风险）", "controlled": "管控区（中风险）", "precaution": "防范区（低风险）"},
    "en": {
        "sealed": "sealed (high risk)",
        "controlled": "controlled (medium risk)",
        "precaution": "precaution (low risk)",
    },
}
_SITE_NAMES = {
    "zh": {
        "hub_rail": "铁路站",
        "hub_coach": "客运站",
        "hub_logistics": "物流园区",
        "enterprise": "企业",
        "candidate_station": "候选中转站",
        "demand": "需求点",
    },
    "en": {
        "hub_rail": "Rail hubs",
        "hub_coach": "Coach hubs",
        "hub_logistics": "Logistics hubs",
        "enterprise": "Enterprises",
        "candidate_station": "Candidate stations",
        "demand": "Demand points",
    },
}
_SITE_KIND_NAMES = {
    "zh": {
        "hub_rail": "铁路站枢纽",
        "hub_coach": "客运站枢纽",
        "hub_logistics": "物流园区枢纽",
        "enterprise": "企业",
        "candidate_station": "候选中转站",
        "demand": "需求点",
    },
    "en": {
        "hub_rail": "rail station hub",
        "hub_coach": "coach station hub",
        "hub_logistics": "logistics park hub",
        "enterprise": "enterprise",
        "candidate_station": "candidate transfer station",
        "demand": "demand point",
    },
}
_LEG_NAMES = {
    "zh": {"origin": "起点段", "transit": "干线段", "destination": "终点段", "inside": "区内段"},
    "en": {
        "origin": "origin leg",
        "transit": "transit leg",
        "destination": "destination leg",
        "inside": "inside a zone",
    },
}
_WORDS = {
    "zh": {
        "routes": "路线",
        "legend": "图例",
        "basemap": "底图",
        "attribution": "© OpenStreetMap 贡献者",
        "whitelisted": "企业（白名单）",
        "not_whitelisted": "企业（非白名单）",
        "route": "路线",
        "entry_exit": "进入 / 驶离区域",
        "entry": "进入",
        "exit": "驶离",
        "name": "名称",
        "risk": "风险",
        "validity": "有效期",
        "county": "区县",
        "kind": "种类",
        "whitelist": "白名单",
        "sector": "行业",
        "yes": "是",
        "no": "否",
        "leg": "路段",
        "leg_length": "本段里程",
        "leg_time": "本段用时",
        "length": "总里程",
        "time": "总用时",
        "warnings": "提示",
        "none": "无",
        "zone": "区域",
        "time_inside": "区内时间",
        "open_start": "即日起",
        "until_lifted": "至解除",
        "always": "长期（无有效期）",
        "zoom_in": "要素过多，只显示了一部分：请放大查看全部",
    },
    "en": {
        "routes": "Routes",
        "legend": "Legend",
        "basemap": "Basemap",
        "attribution": "© OpenStreetMap contributors",
        "whitelisted": "Enterprise (whitelisted)",
        "not_whitelisted": "Enterprise (not whitelisted)",
        "route": "Route",
        "entry_exit": "zone entry / exit",
        "entry": "entry",
        "exit": "exit",
        "name": "name",
        "risk": "risk",
        "validity": "validity",
        "county": "county",
        "kind": "kind",
        "whitelist": "whitelist",
        "sector": "sector",
        "yes": "yes",
        "no": "no",
        "leg": "leg",
        "leg_length": "leg length",
        "leg_time": "leg time",
        "length": "length",
        "time": "travel time",
        "warnings": "warnings",
        "none": "none",
        "zone": "zone",
        "time_inside": "time inside",
        "open_start": "open start",
        "until_lifted": "until lifted",
        "always": "always (no validity window)",
        "zoom_in": "Too many features here, only some are shown: zoom in to see them all",
    },
}
#: Popup labels of the extra layers' fields (a field not listed shows its own name).
FIELD_LABELS = {
    "zh": {
        "id": "编号",
        "name": "名称",
        "zone_id": "区域",
        "road": "道路",
        "served_count": "服务数量",
        "site_id": "站点",
        "method": "方式",
        "served_from": "服务来源",
        "status": "状态",
        "decision": "规则判定",
        "mode": "方式",
        "grade": "道路等级",
        "window": "时间",
        "reason": "原因",
        "cut_enterprises": "被切断企业数",
        "closure": "封闭",
        "enterprise": "企业",
        "nearest_hub": "最近枢纽",
        "cut_from_every_hub": "与所有枢纽断开",
        "travel_time_s": "用时",
        "length_m": "里程",
        "mean_time_s": "平均用时",
        "fixed": "固定",
        "demand_id": "需求点",
        "station_id": "中转站",
        "kind": "种类",
        "pass_no": "通行证",
        "verdict": "结果",
        "checked_at": "时间",
        "reasons": "原因",
        "scanned_by": "检查员",
    },
    "en": {
        "travel_time_s": "travel time",
        "length_m": "length",
        "mean_time_s": "mean time",
        "checked_at": "time",
        "scanned_by": "officer",
        "cut_enterprises": "enterprises cut off",
        "cut_from_every_hub": "cut from every hub",
    },
}
#: Words for the values of the extra layers' fields.
VALUE_LABELS = {
    "zh": {
        "pending": "待审批",
        "approved": "已批准",
        "rejected": "已驳回",
        "allowed": "允许（报备）",
        "needs_city_approval": "需市级审批",
        "needs_provincial_approval": "需省级审批",
        "hard_barrier": "硬隔离",
        "checkpoint": "设卡检查",
        "lane": "封闭车道",
        "pass": "放行",
        "stop": "拦停",
        "expressway": "高速公路",
        "national": "国道",
        "provincial": "省道",
        "county": "县道",
        "township": "乡道",
        "village": "村道",
        "urban": "城市道路",
        "True": "是",
        "False": "否",
    },
    "en": {"True": "yes", "False": "no"},
}
ZONE_LAYER_NAMES = _ZONE_NAMES["zh"]
SITE_LAYER_NAMES = _SITE_NAMES["zh"]
ROUTE_LAYER_NAME = _WORDS["zh"]["routes"]
SITE_KIND_LABELS = _SITE_KIND_NAMES["zh"]
LEG_LABELS = _LEG_NAMES["zh"]


def risk_name(risk: str, lang: str) -> str:
    """A zone risk for people: ``封控区（高风险）`` / ``sealed (high risk)``."""
    return _RISK_NAMES[_lang(lang)].get(risk, risk)


def site_kind_name(kind: str, lang: str) -> str:
    """A site kind for people: ``物流园区枢纽`` / ``logistics hub``."""
    return _SITE_KIND_NAMES[_lang(lang)].get(kind, kind)


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "zh"


def _w(lang: str, key: str) -> str:
    return _WORDS[_lang(lang)][key]


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
LEG_STYLES: dict[str, dict[str, Any]] = {
    "origin": {"color": "#1f78b4", "weight": 4, "opacity": 0.9, "dashArray": "10 7"},
    "transit": {"color": "#253494", "weight": 7, "opacity": 0.85},
    "destination": {"color": "#7b3294", "weight": 4, "opacity": 0.9, "dashArray": "10 7"},
    "inside": {"color": "#b2182b", "weight": 5, "opacity": 0.95, "dashArray": "1 9", "lineCap": "round"},
}
_DEFAULT_LEG_STYLE = {"color": "#555555", "weight": 4, "opacity": 0.9}
_DEFAULT_TZ = zone_named()


def _text(value: Any) -> str:
    """``value`` escaped for HTML that folium drops into a JS template literal."""
    return html.escape(str(value)).replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def _latlon(lon: float, lat: float) -> list[float]:
    return [float(lat), float(lon)]


def _fmt_time(value: datetime | None, empty: str, tz: tzinfo = _DEFAULT_TZ) -> str:
    return format_time(value, tz) if value is not None else empty


_TIME_FIELDS = frozenset(
    {"checked_at", "valid_from", "valid_until", "starts_at", "ends_at", "created_at", "decided_at"}
)
_DURATION_FIELDS = frozenset({"travel_time_s", "mean_time_s", "time_inside_s"})
_LENGTH_FIELDS = frozenset({"length_m"})


def _iso_for_people(value: str, tz: tzinfo) -> str:
    try:
        return format_time(datetime.fromisoformat(value), tz)
    except ValueError:
        return value


def _humanize(key: str, value: Any, lang: str, tz: tzinfo) -> Any:
    """A property value as a person reads it: times in the bureau's zone, durations and lengths in words,
    statuses and decisions translated."""
    if value is None or isinstance(value, dict | list):
        return value
    if key in _TIME_FIELDS and isinstance(value, str):
        return _iso_for_people(value, tz)
    if key == "window" and isinstance(value, str) and " / " in value:
        return " → ".join(_iso_for_people(part, tz) for part in value.split(" / ", 1))
    if key in _DURATION_FIELDS and isinstance(value, int | float) and not isinstance(value, bool):
        return format_duration(float(value), lang)
    if key in _LENGTH_FIELDS and isinstance(value, int | float) and not isinstance(value, bool):
        return format_length(float(value), lang)
    if isinstance(value, bool):
        return VALUE_LABELS[_lang(lang)].get(str(value), value)
    if isinstance(value, str):
        return VALUE_LABELS[_lang(lang)].get(value, value)
    return value


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


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only, bottom right (clear of the legend)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, position: "bottomright"}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


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

    def __init__(self, entries: Sequence[LegendEntry], *, title: str = "图例"):
        super().__init__()
        self._name = "Legend"
        self.title = title
        self.entries = list(entries)


def _dash_css(dash_array: str | None) -> str | None:
    if not dash_array:
        return None
    first = float(str(dash_array).split()[0])
    return "dotted" if first <= 2 else "dashed"


def _legend_entries(
    extra_layers: Sequence[MapLayer], *, with_sites: bool, with_routes: bool, lang: str = "zh"
) -> list[LegendEntry]:
    lang = _lang(lang)
    out = [LegendEntry(_ZONE_NAMES[lang][r], "fill", RISK_COLORS[r]) for r in RISKS]
    if with_sites:
        for kind in SITE_KINDS:
            if kind == "enterprise":
                swatch = _ICON_SWATCH[SITE_ICONS["enterprise_whitelisted"][0]]
                out.append(LegendEntry(_w(lang, "whitelisted"), "marker", swatch))
                out.append(
                    LegendEntry(_w(lang, "not_whitelisted"), "marker", _ICON_SWATCH[SITE_ICONS["enterprise"][0]])
                )
            else:
                out.append(LegendEntry(_SITE_KIND_NAMES[lang][kind], "marker", _ICON_SWATCH[SITE_ICONS[kind][0]]))
    if with_routes:
        for kind, style in LEG_STYLES.items():
            label = f"{_w(lang, 'route')}: {_LEG_NAMES[lang][kind]}"
            dash = style.get("dashArray")
            out.append(LegendEntry(label, "line", str(style["color"]), _dash_css(str(dash) if dash else None)))
        out.append(LegendEntry(_w(lang, "entry_exit"), "marker", "#ffffff"))
    for layer in extra_layers:
        color = str(layer.style.get("color") or layer.style.get("fillColor") or "#3388ff")
        out.append(LegendEntry(text_in(layer.name, lang), "line", color, _dash_css(layer.style.get("dashArray"))))
    return out


# -- layers ------------------------------------------------------------------------------


def _zone_feature(zone, lang: str = "zh", tz: tzinfo = _DEFAULT_TZ) -> dict:
    window = (
        f"{_fmt_time(zone.valid_from, _w(lang, 'open_start'), tz)} → {_fmt_time(zone.valid_until, _w(lang, 'until_lifted'), tz)}"
        if zone.valid_from or zone.valid_until
        else _w(lang, "always")
    )
    return {
        "type": "Feature",
        "id": zone.id,
        "geometry": mapping(zone.geometry),
        "properties": {
            "id": zone.id,
            "name": zone.name,
            "risk": zone.risk,
            "risk_label": _RISK_NAMES[_lang(lang)][zone.risk],
            "valid_from": zone.valid_from.isoformat() if zone.valid_from else None,
            "valid_until": zone.valid_until.isoformat() if zone.valid_until else None,
            "validity": window,
            "county_code": zone.county_code,
        },
    }


def _zone_popup(lang: str) -> tuple[list[str], list[str]]:
    return (
        ["name", "risk_label", "validity", "county_code", "id"],
        [_w(lang, "name"), _w(lang, "risk"), _w(lang, "validity"), _w(lang, "county"), "id"],
    )


_ZONE_HIGHLIGHT = {"weight": 4, "fillOpacity": 0.45}
_ROUTE_HIGHLIGHT = {"weight": 9}
_PREMISES_STYLE = {"color": "#444444", "weight": 1.5, "fillOpacity": 0.08}


def _zone_style(risk: str) -> dict[str, Any]:
    color = RISK_COLORS[risk]
    return {"color": color, "weight": 2, "fillColor": color, "fillOpacity": 0.3 if risk != "precaution" else 0.22}


def _add_zone_layers(
    m: folium.Map, zones: Sequence, lang: str = "zh", tz: tzinfo = _DEFAULT_TZ
) -> dict[str, folium.FeatureGroup]:
    groups = {}
    for risk in RISKS:
        group = folium.FeatureGroup(name=_ZONE_NAMES[_lang(lang)][risk], show=True)
        feats = [_zone_feature(z, lang, tz) for z in zones if z.risk == risk]
        if feats:
            style = _zone_style(risk)
            folium.GeoJson(
                {"type": "FeatureCollection", "features": feats},
                name=f"{risk} zones",
                style_function=lambda _f, s=style: dict(s),
                highlight_function=lambda _f: dict(_ZONE_HIGHLIGHT),
                popup=SafeGeoJsonPopup(*_zone_popup(lang)),
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


def _site_popup(site, lang: str = "zh") -> str:
    return _popup_table(_site_rows(site, lang), title=site.name)


def _site_rows(site, lang: str = "zh") -> list[tuple[str, Any]]:
    lang = _lang(lang)
    return [
        (_w(lang, "kind"), _SITE_KIND_NAMES[lang].get(site.kind, site.kind)),
        (
            _w(lang, "whitelist"),
            (_w(lang, "yes") if site.whitelist else _w(lang, "no")) if site.kind == "enterprise" else None,
        ),
        (_w(lang, "sector"), site.sector),
        (_w(lang, "county"), site.county_code),
        ("id", site.id),
    ]


def _add_site_layers(
    m: folium.Map, sites: Sequence, *, include_empty: bool, lang: str = "zh"
) -> dict[str, folium.FeatureGroup]:
    groups = {}
    for kind in SITE_KINDS:
        of_kind = [s for s in sites if s.kind == kind]
        if not of_kind and not include_empty:
            continue
        group = folium.FeatureGroup(name=_SITE_NAMES[_lang(lang)][kind], show=True)
        polygons = [s for s in of_kind if not isinstance(s.geometry, Point)]
        if polygons:  # premises drawn as outlines, the marker sits inside
            folium.GeoJson(
                {"type": "FeatureCollection", "features": [s.to_feature() for s in polygons]},
                name=f"{kind} premises",
                style_function=lambda _f: dict(_PREMISES_STYLE),
                control=False,
            ).add_to(group)
        for site in of_kind:
            lon, lat = site.point
            folium.Marker(
                _latlon(lon, lat),
                icon=_site_icon(site),
                popup=folium.Popup(_site_popup(site, lang), max_width=320),
                tooltip=folium.Tooltip(_text(site.name)),
            ).add_to(group)
        group.add_to(m)
        groups[kind] = group
    return groups


def _route_features(route: RouteView, label: str, lang: str = "zh") -> list[dict]:
    lang = _lang(lang)
    warnings = "；".join(text_in(list(route.warnings), lang)) if route.warnings else _w(lang, "none")
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
                    "kind_label": _LEG_NAMES[lang].get(leg.kind, leg.kind),
                    "length_m": round(leg.length_m, 1),
                    "travel_time_s": round(leg.travel_time_s, 1),
                    "route_length_m": round(route.length_m, 1),
                    "route_travel_time_s": round(route.travel_time_s, 1),
                    "leg_length": format_length(leg.length_m, lang),
                    "leg_time": format_duration(leg.travel_time_s, lang),
                    "route_length": format_length(route.length_m, lang),
                    "route_time": format_duration(route.travel_time_s, lang),
                    "warnings": warnings,
                },
            }
        )
    return feats


def _route_popup(lang: str) -> tuple[list[str], list[str]]:
    keys = ["route", "leg", "leg_length", "leg_time", "length", "time", "warnings"]
    return (
        ["route", "kind_label", "leg_length", "leg_time", "route_length", "route_time", "warnings"],
        [_w(lang, k) for k in keys],
    )


def _leg_style(feature: dict) -> dict:
    return dict(LEG_STYLES.get(feature["properties"]["kind"], _DEFAULT_LEG_STYLE))


def _add_route_layer(m: folium.Map, routes: Sequence[RouteView], lang: str = "zh") -> folium.FeatureGroup:
    lang = _lang(lang)
    group = folium.FeatureGroup(name=_w(lang, "routes"), show=True)
    for n, route in enumerate(routes, start=1):
        label = route.id or f"{_w(lang, 'route')} {n}"
        folium.GeoJson(
            {"type": "FeatureCollection", "features": _route_features(route, label, lang)},
            name=label,
            style_function=_leg_style,
            highlight_function=lambda _f: dict(_ROUTE_HIGHLIGHT),
            popup=SafeGeoJsonPopup(*_route_popup(lang)),
            control=False,
        ).add_to(group)
        for mark in _crossing_marks(route, label, lang):
            folium.CircleMarker(
                _latlon(*mark.point),
                radius=6,
                color=mark.color,
                weight=3,
                fill=True,
                fill_color=mark.fill,
                fill_opacity=1.0,
                popup=folium.Popup(_popup_table(mark.rows, title=mark.title), max_width=320),
            ).add_to(group)
    group.add_to(m)
    return group


@dataclass(frozen=True)
class _CrossingMark:
    point: tuple[float, float]
    color: str
    fill: str
    title: str
    rows: list[tuple[str, Any]]


def _crossing_marks(route: RouteView, label: str, lang: str) -> list[_CrossingMark]:
    """A route's zone entry (white) and exit (the risk's colour) markers with their popups."""
    marks = []
    for z in route.zones_crossed:
        color = RISK_COLORS.get(z.risk, "#555555")
        zone_label = z.name or z.zone_id
        for where, point, fill in ((_w(lang, "entry"), z.entry, "#ffffff"), (_w(lang, "exit"), z.exit, color)):
            if point is None:
                continue
            rows = [
                (_w(lang, "route"), label),
                (_w(lang, "zone"), zone_label),
                (_w(lang, "risk"), _RISK_NAMES[lang].get(z.risk, z.risk)),
                (
                    _w(lang, "time_inside"),
                    format_duration(z.time_inside_s, lang) if z.time_inside_s is not None else None,
                ),
            ]
            marks.append(_CrossingMark(point, color, fill, f"{where}: {zone_label}", rows))
    return marks


def _prepare_layer_features(layer: MapLayer, lang: str = "zh", tz: tzinfo = _DEFAULT_TZ) -> list[dict]:
    feats = []
    for i, f in enumerate(layer.features):
        if not isinstance(f, Mapping) or f.get("type") != "Feature" or not isinstance(f.get("geometry"), Mapping):
            raise ValueError(f"layer {layer.name!r} feature {i} is not a GeoJSON Feature with a geometry")
        props = {k: (v if k == "style" else _humanize(k, v, lang, tz)) for k, v in (f.get("properties") or {}).items()}
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


def _extra_style(layer: MapLayer) -> tuple[dict[str, Any], float]:
    """An overlay's Leaflet path style and the radius of its circle markers."""
    base = {"color": "#3388ff", "weight": 3, **layer.style}
    return base, float(base.pop("radius", 6))


def _extra_aliases(layer: MapLayer, lang: str) -> list[str]:
    labels = FIELD_LABELS[_lang(lang)]
    if layer.popup_aliases:
        return list(text_in(list(layer.popup_aliases), lang))
    return [labels.get(f, f) for f in layer.popup_fields]


def _add_extra_layer(m: folium.Map, layer: MapLayer, lang: str = "zh", tz: tzinfo = _DEFAULT_TZ) -> folium.FeatureGroup:
    lang = _lang(lang)
    name = text_in(layer.name, lang)
    group = folium.FeatureGroup(name=name, show=layer.show)
    feats = _prepare_layer_features(layer, lang, tz)
    if feats:
        base, radius = _extra_style(layer)
        aliases = _extra_aliases(layer, lang)
        popup = SafeGeoJsonPopup(layer.popup_fields, aliases) if layer.popup_fields else None
        folium.GeoJson(
            {"type": "FeatureCollection", "features": feats},
            name=name,
            style_function=lambda f, b=base: {**b, **(f["properties"].get("style") or {})},
            marker=folium.CircleMarker(radius=radius, fill=True),
            popup=popup,
            control=False,
        ).add_to(group)
    group.add_to(m)
    return group


# -- layers by viewport ------------------------------------------------------------------


@dataclass(frozen=True)
class ViewportSource:
    """Where a city map's layers load their features from: ``url`` answers ``{url}/{key}?bbox=&zoom=&lang=``
    with :func:`layer_collection`, for each of ``keys``."""

    url: str
    keys: tuple[str, ...]


class ViewportLayers(MacroElement):
    """Hands the map's empty layer groups to ``map-layers.js``, which fills them by viewport."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        BaotongLayers.attach({{ this._parent.get_name() }}, {{ this.options|tojson }}, {
        {%- for key, group in this.groups %}
          {{ key|tojson }}: {{ group }}{{ "," if not loop.last }}
        {%- endfor %}
        });
        {% endmacro %}
        """
    )

    def __init__(self, url: str, groups: Sequence[tuple[str, folium.FeatureGroup, dict[str, Any]]], *, lang: str):
        super().__init__()
        self._name = "ViewportLayers"
        self.groups = [(key, group.get_name()) for key, group, _ in groups]
        self.options = {"url": url, "lang": lang, "layers": {key: config for key, _, config in groups}}


def _add_viewport_groups(
    m: folium.Map, keys: Sequence[str], extra_layers: Sequence[MapLayer], lang: str
) -> list[tuple[str, folium.FeatureGroup, dict[str, Any]]]:
    """The empty groups of the layers loaded by viewport, in the LayerControl's order, with their styles."""
    out: list[tuple[str, folium.FeatureGroup, dict[str, Any]]] = []
    for risk in RISKS:
        if f"zones-{risk}" in keys:
            group = folium.FeatureGroup(name=_ZONE_NAMES[lang][risk], show=True)
            group.add_to(m)
            out.append((f"zones-{risk}", group, {"style": _zone_style(risk), "highlight": _ZONE_HIGHLIGHT}))
    for kind in SITE_KINDS:
        if f"sites-{kind}" in keys:
            group = folium.FeatureGroup(name=_SITE_NAMES[lang][kind], show=True)
            group.add_to(m)
            out.append((f"sites-{kind}", group, {"style": _PREMISES_STYLE}))
    if "routes" in keys:
        group = folium.FeatureGroup(name=_w(lang, "routes"), show=True)
        group.add_to(m)
        out.append(("routes", group, {"style": _DEFAULT_LEG_STYLE, "highlight": _ROUTE_HIGHLIGHT, "radius": 6}))
    for layer in extra_layers:
        assert layer.key is not None
        group = folium.FeatureGroup(name=text_in(layer.name, lang), show=layer.show)
        group.add_to(m)
        base, radius = _extra_style(layer)
        out.append((layer.key, group, {"style": base, "radius": radius}))
    return out


def _rows(props: Mapping[str, Any], fields: Sequence[str], aliases: Sequence[str]) -> list[list[Any]]:
    """A popup's rows as :class:`SafeGeoJsonPopup` shows them: the fields with a value, by their labels."""
    return [[alias, props[f]] for f, alias in zip(fields, aliases, strict=True) if props.get(f) not in (None, "")]


def _popup(rows: Iterable[Sequence[Any]], *, title: str | None = None) -> dict[str, Any]:
    return {"title": title, "rows": [[str(k), v] for k, v in rows if v is not None]}


def layer_collection(
    layer: str,
    *,
    zones: Iterable[Any] = (),
    sites: Iterable[Any] = (),
    routes: Iterable[RouteView] = (),
    extra_layers: Iterable[MapLayer] = (),
    lang: str = "zh",
    timezone: tzinfo | None = None,
    total: int | None = None,
    truncated: bool = False,
) -> dict[str, Any]:
    """One layer of the city map as GeoJSON for ``map-layers.js``: the features the inline map would draw,
    their properties humanised in ``lang`` as the inline popups show them, each with ``popup`` (``title``,
    ``rows`` of label and value, put in as text), ``style`` overrides and, for sites, the marker ``icon``.
    ``truncated`` adds ``notice``, the "zoom in" text in ``lang``.

    Raises
    ------
    ValueError
        An extra-layer item that is not a Feature.
    """
    lang = _lang(lang)
    tz = timezone or _DEFAULT_TZ
    features: list[dict[str, Any]] = []
    for zone in zones:
        feature = _zone_feature(zone, lang, tz)
        feature["properties"]["popup"] = _popup(_rows(feature["properties"], *_zone_popup(lang)))
        features.append(feature)
    for site in sites:
        if not isinstance(site.geometry, Point):
            premises = site.to_feature()
            premises["properties"] = {"premises": True}
            features.append(premises)
        key = "enterprise_whitelisted" if site.kind == "enterprise" and site.whitelist else site.kind
        color, icon = SITE_ICONS[key]
        lon, lat = site.point
        features.append(
            {
                "type": "Feature",
                "id": site.id,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": site.id,
                    "name": site.name,
                    "kind": site.kind,
                    "tooltip": site.name,
                    "icon": {"markerColor": color, "icon": icon, "prefix": "fa"},
                    "popup": _popup(_site_rows(site, lang), title=site.name),
                },
            }
        )
    for n, route in enumerate(routes, start=1):
        label = route.id or f"{_w(lang, 'route')} {n}"
        for feature in _route_features(route, label, lang):
            props = feature["properties"]
            props["style"] = _leg_style(feature)
            props["popup"] = _popup(_rows(props, *_route_popup(lang)))
            features.append(feature)
        for i, mark in enumerate(_crossing_marks(route, label, lang)):
            style = {"color": mark.color, "weight": 3, "fill": True, "fillColor": mark.fill, "fillOpacity": 1.0}
            features.append(
                {
                    "type": "Feature",
                    "id": f"{label}/mark/{i}",
                    "geometry": {"type": "Point", "coordinates": list(mark.point)},
                    "properties": {"style": style, "popup": _popup(mark.rows, title=mark.title)},
                }
            )
    for extra in extra_layers:
        aliases = _extra_aliases(extra, lang)
        for feature in _prepare_layer_features(extra, lang, tz):
            props = feature["properties"]
            if extra.popup_fields:
                props["popup"] = _popup(_rows(props, extra.popup_fields, aliases))
            features.append(feature)
    answer: dict[str, Any] = {
        "type": "FeatureCollection",
        "layer": layer,
        "features": features,
        "total": len(features) if total is None else total,
        "truncated": truncated,
    }
    if truncated:
        answer["notice"] = _w(lang, "zoom_in")
    return answer


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
    overlay: Callable[[folium.Map], Sequence[LegendEntry]] | None = None,
    vector_basemap: bool = False,
    lang: str = "zh",
    timezone: tzinfo | None = None,
    viewport: ViewportSource | None = None,
) -> folium.Map:
    lang = _lang(lang)
    tz = timezone or _DEFAULT_TZ
    left, bottom, right, top = _check_bbox(bbox)
    route_views = list(routes)
    extra_layers = list(extra_layers)
    m = folium.Map(
        location=_latlon((left + right) / 2, (bottom + top) / 2), tiles=None, zoom_start=13, control_scale=False
    )
    MetricScale().add_to(m)
    if tiles_url:  # a bureau's own (raster) tile server
        folium.TileLayer(
            tiles=tiles_url,
            attr=html.escape(tiles_attribution or _w(lang, "attribution")),  # text, never HTML
            name=_w(lang, "basemap"),
            overlay=False,
            control=True,
        ).add_to(m)
    elif vector_basemap:  # the app's own vector tiles of the loaded extract
        VectorBasemap(
            url=DEFAULT_TILES_PATH,
            lang=lang,
            attribution=html.escape(tiles_attribution or _w(lang, "attribution")),  # text, never HTML
            static_prefix=static_prefix,
        ).add_to(m)
    if viewport is not None:
        with_sites = any(k.startswith("sites-") for k in viewport.keys)
        with_routes = "routes" in viewport.keys
        extra_layers = [layer for layer in extra_layers if layer.key in viewport.keys]
        groups = _add_viewport_groups(m, viewport.keys, extra_layers, lang)
    else:
        with_sites, with_routes = include_empty_sites or bool(sites), bool(route_views)
        _add_zone_layers(m, list(zones), lang, tz)
        _add_site_layers(m, list(sites), include_empty=include_empty_sites, lang=lang)
        if route_views:
            _add_route_layer(m, route_views, lang)
        for layer in extra_layers:
            _add_extra_layer(m, layer, lang, tz)
    more = list(overlay(m)) if overlay is not None else []
    folium.LayerControl(collapsed=False).add_to(m)
    Legend(
        _legend_entries(extra_layers, with_sites=with_sites, with_routes=with_routes, lang=lang) + more,
        title=_w(lang, "legend"),
    ).add_to(m)
    if viewport is not None:
        ViewportLayers(viewport.url, groups, lang=lang).add_to(m)
        root_ = m.get_root()
        assert isinstance(root_, Figure)
        script = f"{static_prefix.rstrip('/')}/app/map-layers.js"
        root_.header.add_child(Element(f'<script src="{html.escape(script)}"></script>'), name="baotong_map_layers")
    m.fit_bounds([_latlon(left, bottom), _latlon(right, top)])
    # an inline favicon: the browser asks for no /favicon.ico (a 404 is a console error)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element('<link rel="icon" href="data:,">'), name="favicon")
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
    vector_basemap: bool = False,
    lang: str = "zh",
    timezone: tzinfo | None = None,
    viewport: ViewportSource | None = None,
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
        An XYZ raster tile URL (e.g. the bureau's intranet tile server) and its attribution; without one,
        the app's own vector basemap (``/tiles/{z}/{x}/{y}.mvt``) is drawn when ``vector_basemap``.
    vector_basemap
        Draw the app's offline vector basemap (see :mod:`maps.basemap_layer`) when there is no ``tiles_url``.
    lang, timezone
        The reader's language (``zh`` or ``en``: layer names, legend, popups) and the zone times are shown in.
    static_prefix
        Where the API serves ``api/static`` (the vendored Leaflet & co. are under ``<prefix>/vendor/``).
    viewport
        Draw no feature inline: the layers named in :attr:`ViewportSource.keys` (zones, sites, routes, the
        extra layers by :attr:`MapLayer.key`) load their features from :attr:`ViewportSource.url` by viewport
        (``<prefix>/app/map-layers.js``, answers as :func:`layer_collection` builds them).

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
        vector_basemap=vector_basemap,
        lang=lang,
        timezone=timezone,
        viewport=viewport,
    )


def route_map(
    route: RouteView,
    *,
    zones: Iterable[Any] = (),
    static_prefix: str = DEFAULT_STATIC_PREFIX,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    vector_basemap: bool = False,
    lang: str = "zh",
    timezone: tzinfo | None = None,
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
        vector_basemap=vector_basemap,
        lang=lang,
        timezone=timezone,
    )


# -- delivery plans ----------------------------------------------------------------------

#: One colour per vehicle route of a delivery plan, in the plan's order (cycled past the last).
VEHICLE_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
)
#: Trucks solid and thick, inside vehicles dotted.
FLEET_ROUTE_STYLES: dict[str, dict[str, Any]] = {
    "outside": {"weight": 5, "opacity": 0.85},
    "inside": {"weight": 4, "opacity": 0.95, "dashArray": "1 8", "lineCap": "round"},
}
#: A delivery plan map's words (layer names, legend, popups) in each language.
_DELIVERY_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "outside": "货车",
        "inside": "区内车",
        "depots": "中转站/物流园区",
        "docking_points": "接驳点",
        "stops": "配送点（按时间窗）",
        "transfer_station": "中转站",
        "logistics_hub": "物流园区",
        "docking_point": "接驳点",
        "window_opens": "时间窗开始",
        "any_time": "全天",
        "stop_no_window": "配送点：全天（无时间窗）",
        "unserved_stop": "未服务的配送点（红圈）",
        "route": "路线",
        "vehicle": "车辆",
        "leg": "路段",
        "leg_time": "路段时间",
        "load": "装载",
        "departs": "出发",
        "ends": "返回/结束",
        "km": "里程（公里）",
        "zone": "区域",
        "name": "名称",
        "id": "编号",
        "window": "时间窗",
        "served_by": "车辆",
        "start": "服务开始",
        "demand": "需求",
        "reason": "未服务原因",
        "kind": "种类",
        "planned": "规划",
        "planned_yes": "是",
        "planned_no": "否（闭环路线自行选择）",
        "stop_count": "配送点",
    },
    "en": {
        "outside": "truck",
        "inside": "inside vehicle",
        "depots": "depots",
        "docking_points": "docking points",
        "stops": "stops (by time window)",
        "transfer_station": "transfer station",
        "logistics_hub": "logistics hub",
        "docking_point": "docking point",
        "window_opens": "window opens",
        "any_time": "any time",
        "stop_no_window": "stop: any time (no window)",
        "unserved_stop": "unserved stop (red ring)",
        "route": "route",
        "vehicle": "vehicle",
        "leg": "leg",
        "leg_time": "leg time",
        "load": "load",
        "departs": "departs",
        "ends": "ends",
        "km": "km",
        "zone": "zone",
        "name": "name",
        "id": "id",
        "window": "window",
        "served_by": "served by",
        "start": "service starts",
        "demand": "demand",
        "reason": "unserved",
        "kind": "kind",
        "planned": "planned",
        "planned_yes": "yes",
        "planned_no": "no (closed-loop routing's choice)",
        "stop_count": "stops",
    },
}


def _d(lang: str, key: str) -> str:
    return _DELIVERY_WORDS[_lang(lang)][key]


#: Vehicle kinds, layer names and depot kinds in Chinese (the maps' default language).
FLEET_KIND_LABELS = {k: _DELIVERY_WORDS["zh"][k] for k in ("outside", "inside")}
#: Stops by the opening of their time window, earliest dark to latest light (viridis); no window grey.
WINDOW_COLOURS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
NO_WINDOW_COLOUR = "#9e9e9e"
UNSERVED_COLOUR = "#d62728"
DELIVERY_LAYER_NAMES = {k: _DELIVERY_WORDS["zh"][k] for k in ("depots", "docking_points", "stops")}
#: Awesome-markers icon (colour, Font Awesome 6 name) per depot kind.
PLACE_ICONS = {
    "transfer_station": ("cadetblue", "truck-ramp-box"),
    "logistics_hub": ("purple", "warehouse"),
    "docking_point": ("orange", "handshake"),
}
_PLACE_SWATCH = {"cadetblue": "#436978", "purple": "#d252b9", "orange": "#f69730"}
PLACE_LABELS = {k: _DELIVERY_WORDS["zh"][k] for k in PLACE_ICONS}


def _place_label(kind: str, lang: str) -> str:
    return _DELIVERY_WORDS[_lang(lang)].get(kind, kind)


def _people_time(value: datetime | None) -> str | None:
    """A time for people: ``2026-12-01 18:05`` in its own offset."""
    return None if value is None else value.strftime("%Y-%m-%d %H:%M")


def window_bins(stops: Sequence[PlanStopView], *, bins: int = len(WINDOW_COLOURS)) -> list[tuple[datetime, datetime]]:
    """The opening-time classes the stops are coloured by: at most ``bins`` equal spans from the earliest
    opening to the latest (one class per distinct opening when there are no more than ``bins``)."""
    opens = sorted({s.window[0] for s in stops if s.window is not None})
    if not opens:
        return []
    if len(opens) <= bins:
        return [(t, t) for t in opens]
    lo, hi = opens[0], opens[-1]
    step = (hi - lo) / bins
    return [(lo + step * k, lo + step * (k + 1)) for k in range(bins)]


def _window_class(stop: PlanStopView, classes: list[tuple[datetime, datetime]]) -> int | None:
    if stop.window is None:
        return None
    t = stop.window[0]
    for k, (lo, hi) in enumerate(classes):
        if lo <= t <= hi:
            return k
    return len(classes) - 1


def _class_label(lo: datetime, hi: datetime, lang: str = "zh") -> str:
    if lo == hi:
        return f"{_d(lang, 'window_opens')} {_people_time(lo)}"
    return f"{_d(lang, 'window_opens')} {_people_time(lo)} – {hi.strftime('%H:%M')}"


def _fleet_route_features(route: FleetRouteView, label: str, lang: str = "zh") -> list[dict]:
    feats = []
    for i, leg in enumerate(route.legs):
        feats.append(
            {
                "type": "Feature",
                "id": f"{route.id}/{i}",
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in leg.coordinates]},
                "properties": {
                    "route": route.id,
                    "label": label,
                    "kind": route.kind,
                    "kind_label": _d(lang, route.kind),
                    "leg": i + 1,
                    "leg_time": format_duration(leg.travel_time_s, _lang(lang)),
                    "load": f"{route.load} / {route.capacity}",
                    "departure": _people_time(route.departure),
                    "arrival": _people_time(route.arrival),
                    "distance_km": round(route.distance_m / 1000, 2),
                    "zone": route.zone_id,
                },
            }
        )
    return feats


def _fleet_popup(lang: str) -> tuple[list[str], list[str]]:
    return (
        ["label", "kind_label", "leg", "leg_time", "load", "departure", "arrival", "distance_km", "zone"],
        [_d(lang, k) for k in ("route", "vehicle", "leg", "leg_time", "load", "departs", "ends", "km", "zone")],
    )


def _stop_popup(lang: str) -> tuple[list[str], list[str]]:
    fields = ["name", "id", "window", "served_by", "start", "demand", "zone", "reason"]
    return fields, [_d(lang, k) for k in fields]


def _add_fleet_routes(m: folium.Map, routes: Sequence[FleetRouteView], lang: str = "zh") -> list[LegendEntry]:
    entries = []
    for k, route in enumerate(routes):
        colour = VEHICLE_COLOURS[k % len(VEHICLE_COLOURS)]
        style = {"color": colour, **FLEET_ROUTE_STYLES[route.kind]}
        label = route.label or route.id
        name = f"{_d(lang, route.kind)} {label}"
        group = folium.FeatureGroup(name=name, show=True)
        folium.GeoJson(
            {"type": "FeatureCollection", "features": _fleet_route_features(route, label, lang)},
            name=route.id,
            style_function=lambda _f, s=style: dict(s),
            highlight_function=lambda _f: {"weight": 8},
            popup=SafeGeoJsonPopup(*_fleet_popup(lang)),
            control=False,
        ).add_to(group)
        group.add_to(m)
        entries.append(LegendEntry(name, "line", colour, _dash_css(style.get("dashArray"))))
    return entries


def _stop_feature(stop: PlanStopView, colour: str, lang: str = "zh") -> dict:
    window = None
    if stop.window is not None:
        window = f"{_people_time(stop.window[0])} – {stop.window[1].strftime('%H:%M')}"
    unserved = stop.served_by is None
    return {
        "type": "Feature",
        "id": stop.id,
        "geometry": {"type": "Point", "coordinates": list(stop.point)},
        "properties": {
            "id": stop.id,
            "name": stop.name,
            "window": window or _d(lang, "any_time"),
            "served_by": stop.served_by,
            "start": _people_time(stop.start),
            "demand": stop.demand,
            "zone": stop.zone_id,
            "reason": text_in(stop.reason, _lang(lang)),
            "unserved": unserved,
            "style": {
                "fillColor": colour,
                "color": UNSERVED_COLOUR if unserved else "#333333",
                "weight": 3 if unserved else 1,
            },
        },
    }


def _add_stops(m: folium.Map, stops: Sequence[PlanStopView], lang: str = "zh") -> list[LegendEntry]:
    classes = window_bins(stops)
    feats = []
    for stop in stops:
        k = _window_class(stop, classes)
        feats.append(_stop_feature(stop, NO_WINDOW_COLOUR if k is None else WINDOW_COLOURS[k], lang))
    group = folium.FeatureGroup(name=_d(lang, "stops"), show=True)
    if feats:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": feats},
            name="stops",
            style_function=lambda f: {"radius": 6, "fillOpacity": 0.95, "opacity": 1, **f["properties"]["style"]},
            marker=folium.CircleMarker(radius=6, fill=True),
            popup=SafeGeoJsonPopup(*_stop_popup(lang)),
            control=False,
        ).add_to(group)
    group.add_to(m)
    entries = [
        LegendEntry(_class_label(lo, hi, lang), "marker", WINDOW_COLOURS[k]) for k, (lo, hi) in enumerate(classes)
    ]
    entries.append(LegendEntry(_d(lang, "stop_no_window"), "marker", NO_WINDOW_COLOUR))
    if any(s.served_by is None for s in stops):
        entries.append(LegendEntry(_d(lang, "unserved_stop"), "marker", UNSERVED_COLOUR))
    return entries


def _place_popup(place: PlanPlaceView, lang: str = "zh") -> str:
    planned = _d(lang, "planned_yes") if place.planned else _d(lang, "planned_no")
    rows = [
        (_d(lang, "kind"), _place_label(place.kind, lang)),
        (_d(lang, "zone"), place.zone_id),
        (_d(lang, "planned"), planned if place.kind == "docking_point" else None),
        (_d(lang, "stop_count"), place.stops or None),
        (_d(lang, "id"), place.id),
    ]
    return _popup_table(rows, title=place.name or place.id)


def _add_places(m: folium.Map, places: Sequence[PlanPlaceView], layer: str, lang: str = "zh") -> list[LegendEntry]:
    group = folium.FeatureGroup(name=_d(lang, layer), show=True)
    for place in places:
        colour, icon = PLACE_ICONS.get(place.kind, ("gray", "location-dot"))
        folium.Marker(
            _latlon(*place.point),
            icon=folium.Icon(color=colour, icon=icon, prefix="fa", class_name="awesome-marker leaflet-marker-icon"),
            popup=folium.Popup(_place_popup(place, lang), max_width=320),
            tooltip=folium.Tooltip(_text(place.name or place.id)),
        ).add_to(group)
    group.add_to(m)
    kinds = sorted({p.kind for p in places})
    return [
        LegendEntry(_place_label(k, lang), "marker", _PLACE_SWATCH.get(PLACE_ICONS.get(k, ("gray", ""))[0], "#575757"))
        for k in kinds
    ]


def delivery_map(
    plan: DeliveryPlanView,
    *,
    zones: Iterable[Any] = (),
    static_prefix: str = DEFAULT_STATIC_PREFIX,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    vector_basemap: bool = False,
    lang: str = "zh",
    timezone: tzinfo | None = None,
) -> folium.Map:
    """A delivery plan's map, fitted to it: each vehicle's route in its own colour (one layer each; trucks
    solid, inside vehicles dotted), the depots, the docking points, the stops coloured by the opening of
    their time window (unserved ones ringed red), and ``zones``.  Layer names, the legend and the popups are
    in ``lang`` (``zh`` or ``en``), as on the city map.

    Raises
    ------
    ValueError
        If the plan has nothing to draw.
    """

    def overlay(m: folium.Map) -> list[LegendEntry]:
        entries = _add_fleet_routes(m, plan.routes, lang)
        entries += _add_places(m, plan.depots, "depots", lang)
        entries += _add_places(m, plan.docking_points, "docking_points", lang)
        entries += _add_stops(m, plan.stops, lang)
        return entries

    return _build(
        bbox=delivery_bbox(plan),
        zones=zones,
        sites=[],
        routes=[],
        extra_layers=(),
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        static_prefix=static_prefix,
        include_empty_sites=False,
        overlay=overlay,
        vector_basemap=vector_basemap,
        lang=lang,
        timezone=timezone,
    )

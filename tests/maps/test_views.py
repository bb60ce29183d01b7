"""maps.views: layers, bounds, GeoJSON, popups, legend and offline assets (not whole JS strings)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import folium
import pytest
from folium.elements import JSCSSMixin
from folium.map import FitBounds
from shapely.geometry import Point, box

from geo.sites import SITE_KINDS, Site
from geo.zones import RISKS, Zone
from maps.assets import OfflineAssetError, localize, vendor_url
from maps.views import (
    LEG_STYLES,
    ROUTE_LAYER_NAME,
    SITE_LAYER_NAMES,
    ZONE_LAYER_NAMES,
    Legend,
    LegView,
    MapLayer,
    RouteView,
    SafeGeoJsonPopup,
    ZoneCrossingView,
    city_map,
    route_map,
)
from services.layers import route_view
from services.routes import record_of_plan

BBOX = (1.4197, 42.4358, 1.7378, 42.6330)  # Andorra (left, bottom, right, top)
URL = re.compile(r"https?://[^\s\"'<>()\\]+")


# -- helpers -------------------------------------------------------------------------------


def walk(element):
    yield element
    for child in element._children.values():
        yield from walk(child)


def of_type(element, cls) -> list:
    return [e for e in walk(element) if isinstance(e, cls)]


def groups(m: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {g.layer_name: g for g in m._children.values() if isinstance(g, folium.FeatureGroup)}


def geojson_features(element) -> list[dict]:
    return [f for g in of_type(element, folium.GeoJson) for f in g.data["features"]]


def popup_html(element) -> str:
    return " ".join(h.data for p in of_type(element, folium.Popup) for h in p.html._children.values())


def rendered(m: folium.Map) -> str:
    return m.get_root().render()


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan(andorra_router):
    return andorra_router.route([1.5218, 42.5063], [1.5968, 42.5430])


@pytest.fixture(scope="module")
def plan_view(plan) -> RouteView:
    """The plan as the service layer hands it to a map."""
    return route_view(record_of_plan(plan, route_id="plan"))


@pytest.fixture(scope="module")
def zones(plan) -> list[Zone]:
    lon, lat = plan.coordinates[len(plan.coordinates) // 2]
    return [
        Zone(
            id="z-sealed",
            name="Escaldes 封控区",
            risk="sealed",
            geometry=box(lon - 0.004, lat - 0.004, lon + 0.004, lat + 0.004),
            valid_from=datetime(2022, 4, 1, tzinfo=UTC),
            valid_until=datetime(2022, 4, 15, tzinfo=UTC),
            county_code="410802",
        ),
        Zone(id="z-controlled", name="Encamp", risk="controlled", geometry=box(1.54, 42.53, 1.55, 42.54)),
        Zone(id="z-precaution-1", name="Ordino", risk="precaution", geometry=box(1.52, 42.55, 1.54, 42.57)),
        Zone(id="z-precaution-2", name="La Massana", risk="precaution", geometry=box(1.50, 42.53, 1.51, 42.55)),
    ]


@pytest.fixture(scope="module")
def sites() -> list[Site]:
    return [
        Site(id="s-rail", kind="hub_rail", name="Rail hub", geometry=Point(1.50, 42.50)),
        Site(id="s-coach", kind="hub_coach", name="Coach hub", geometry=Point(1.53, 42.51)),
        Site(id="s-park", kind="hub_logistics", name="Logistics park", geometry=Point(1.56, 42.52)),
        Site(
            id="s-ent-w",
            kind="enterprise",
            name="Fresh Foods Co",
            geometry=Point(1.57, 42.53),
            whitelist=True,
            sector="food",
        ),
        Site(
            id="s-ent-n",
            kind="enterprise",
            name="Gadget Works",
            geometry=box(1.58, 42.54, 1.585, 42.545),
            whitelist=False,
            sector="electronics",
        ),
        Site(id="s-cand", kind="candidate_station", name="Candidate 1", geometry=Point(1.59, 42.55)),
        Site(id="s-demand", kind="demand", name="Clinic", geometry=Point(1.60, 42.56), weight=3),
    ]


@pytest.fixture(scope="module")
def crossing_route() -> RouteView:
    """A route with every leg kind and one zone crossed."""
    return RouteView(
        id="r-42",
        length_m=4200.0,
        travel_time_s=360.0,
        warnings=("passes through sealed zone z-sealed: do not stop",),
        legs=(
            LegView("origin", ((1.50, 42.50), (1.51, 42.505)), length_m=900, travel_time_s=90),
            LegView("transit", ((1.51, 42.505), (1.53, 42.51)), length_m=1800, travel_time_s=120),
            LegView("inside", ((1.53, 42.51), (1.54, 42.515)), length_m=800, travel_time_s=80),
            LegView("destination", ((1.54, 42.515), (1.55, 42.52)), length_m=700, travel_time_s=70),
        ),
        zones_crossed=(
            ZoneCrossingView(
                zone_id="z-sealed", risk="sealed", entry=(1.53, 42.51), exit=(1.54, 42.515), time_inside_s=80.0
            ),
        ),
    )


@pytest.fixture(scope="module")
def closures_layer() -> MapLayer:
    return MapLayer(
        name="封闭 closures",
        features=[
            {
                "type": "Feature",
                "id": "c1",
                "geometry": {"type": "LineString", "coordinates": [[1.52, 42.50], [1.53, 42.51]]},
                "properties": {"mode": "checkpoint", "decision": "allowed"},
            },
            {
                "type": "Feature",
                "id": "c2",
                "geometry": {"type": "Point", "coordinates": [1.55, 42.52]},
                "properties": {"mode": "hard_barrier"},
            },
        ],
        style={"color": "#000000", "weight": 5, "dashArray": "4 4"},
        popup_fields=["mode", "decision"],
    )


@pytest.fixture(scope="module")
def full_map(zones, sites, plan_view, crossing_route, closures_layer) -> folium.Map:
    return city_map(
        bbox=BBOX, zones=zones, sites=sites, routes=[plan_view, crossing_route], extra_layers=[closures_layer]
    )


@pytest.fixture(scope="module")
def english_map(zones, sites, plan_view, crossing_route, closures_layer) -> folium.Map:
    return city_map(
        bbox=BBOX,
        zones=zones,
        sites=sites,
        routes=[plan_view, crossing_route],
        extra_layers=[closures_layer],
        lang="en",
    )


# -- layers and bounds ---------------------------------------------------------------------


def test_every_layer_is_in_the_layer_control(full_map, closures_layer):
    rendered(full_map)
    (control,) = of_type(full_map, folium.LayerControl)
    expected = {*ZONE_LAYER_NAMES.values(), *SITE_LAYER_NAMES.values(), ROUTE_LAYER_NAME, closures_layer.name}
    assert set(control.overlays) == expected
    assert not control.base_layers  # no tiles configured


def test_map_fits_the_bbox(full_map):
    (fit,) = of_type(full_map, FitBounds)
    left, bottom, right, top = BBOX
    assert fit.bounds == [[bottom, left], [top, right]]


def test_no_tile_layer_without_tiles_url(full_map):
    assert not of_type(full_map, folium.TileLayer)


def test_tile_layer_uses_configured_url_and_attribution(zones):
    url = "http://tiles.intranet.example/{z}/{x}/{y}.png"
    m = city_map(bbox=BBOX, zones=zones, tiles_url=url, tiles_attribution="© bureau tiles")
    (tiles,) = of_type(m, folium.TileLayer)
    assert tiles.tiles == url
    assert tiles.options["attribution"] == "© bureau tiles"
    assert set(URL.findall(rendered(m))) == {url}


# -- zones ---------------------------------------------------------------------------------


def test_one_zone_feature_per_zone_in_its_risk_layer(full_map, zones):
    layers = groups(full_map)
    for risk in RISKS:
        feats = geojson_features(layers[ZONE_LAYER_NAMES[risk]])
        assert sorted(f["id"] for f in feats) == sorted(z.id for z in zones if z.risk == risk)
        assert all(f["properties"]["risk"] == risk for f in feats)


def test_zone_geojson_is_lon_lat(full_map, zones):
    sealed = zones[0]
    (feat,) = geojson_features(groups(full_map)[ZONE_LAYER_NAMES["sealed"]])
    ring = feat["geometry"]["coordinates"][0]
    assert [tuple(c) for c in ring] == list(sealed.geometry.exterior.coords)
    left, bottom, right, top = BBOX
    assert all(left <= lon <= right and bottom <= lat <= top for lon, lat in ring)


def test_zone_colours_by_risk(full_map):
    colours = {}
    for risk in RISKS:
        (gj,) = of_type(groups(full_map)[ZONE_LAYER_NAMES[risk]], folium.GeoJson)
        colours[risk] = gj.style_function(gj.data["features"][0])["fillColor"]
    assert len(set(colours.values())) == 3


def test_zone_popup_shows_name_risk_and_validity_in_the_bureau_zone(full_map, english_map):
    (gj,) = of_type(groups(full_map)[ZONE_LAYER_NAMES["sealed"]], folium.GeoJson)
    (popup,) = of_type(gj, SafeGeoJsonPopup)
    assert popup.aliases == ["名称", "风险", "有效期", "区县", "id"]
    props = gj.data["features"][0]["properties"]
    shown = " ".join(str(props[f]) for f in popup.fields)
    for fact in ("Escaldes 封控区", "封控区（高风险）", "2022-04-01 08:00", "2022-04-15 08:00"):  # Asia/Shanghai
        assert fact in shown
    assert props["valid_from"] == "2022-04-01T00:00:00+00:00"  # the data stays ISO 8601
    (gj,) = of_type(groups(english_map)["Sealed zones"], folium.GeoJson)
    (popup,) = of_type(gj, SafeGeoJsonPopup)
    assert popup.aliases[:3] == ["name", "risk", "validity"]
    assert "sealed (high risk)" in gj.data["features"][0]["properties"]["risk_label"]


# -- sites ---------------------------------------------------------------------------------


def test_one_marker_per_site_at_lat_lon(full_map, sites):
    layers = groups(full_map)
    for kind in SITE_KINDS:
        markers = of_type(layers[SITE_LAYER_NAMES[kind]], folium.Marker)
        expected = [s for s in sites if s.kind == kind]
        assert len(markers) == len(expected)
        for marker, site in zip(markers, expected, strict=True):
            lon, lat = site.point
            assert marker.location == [lat, lon]


def test_site_popups_name_kind_whitelist_sector(full_map, english_map):
    text = popup_html(groups(full_map)[SITE_LAYER_NAMES["enterprise"]])
    for fact in ("Fresh Foods Co", "Gadget Works", "企业", "白名单", "是", "否", "food", "electronics"):
        assert fact in text
    text = popup_html(groups(english_map)["Enterprises"])
    for fact in ("Fresh Foods Co", "enterprise", "whitelist", "yes", "no", "food"):
        assert fact in text


def test_whitelisted_enterprise_looks_different(full_map):
    markers = of_type(groups(full_map)[SITE_LAYER_NAMES["enterprise"]], folium.Marker)
    colours = [of_type(m, folium.Icon)[0].options["marker_color"] for m in markers]
    assert len(set(colours)) == 2


def test_enterprise_premises_polygon_is_geojson(full_map):
    feats = geojson_features(groups(full_map)[SITE_LAYER_NAMES["enterprise"]])
    assert [f["id"] for f in feats] == ["s-ent-n"]
    assert feats[0]["geometry"]["coordinates"][0][0][0] == pytest.approx(1.585)  # lon first


# -- routes --------------------------------------------------------------------------------


def route_geojsons(m: folium.Map) -> list[folium.GeoJson]:
    return of_type(groups(m)[ROUTE_LAYER_NAME], folium.GeoJson)


def test_route_plan_legs_become_lon_lat_features(full_map, plan):
    plan_layer = route_geojsons(full_map)[0]
    feats = plan_layer.data["features"]
    assert len(feats) == len(plan.legs)
    for feat, leg in zip(feats, plan.legs, strict=True):
        assert feat["geometry"]["type"] == "LineString"
        assert feat["geometry"]["coordinates"] == leg.coordinates.tolist()
        assert feat["properties"]["kind"] == leg.kind
        assert feat["properties"]["length_m"] == pytest.approx(leg.length_m, abs=0.1)
        assert feat["properties"]["travel_time_s"] == pytest.approx(leg.travel_time_s, abs=0.1)
        assert feat["properties"]["route_length_m"] == pytest.approx(plan.length_m, abs=0.1)


def test_each_leg_kind_has_its_own_style(full_map):
    gj = route_geojsons(full_map)[1]
    styles = {f["properties"]["kind"]: gj.style_function(f) for f in gj.data["features"]}
    assert set(styles) == {"origin", "transit", "destination", "inside"}
    assert "dashArray" not in styles["transit"] and styles["transit"]["weight"] > styles["origin"]["weight"]
    assert styles["origin"]["dashArray"] and styles["destination"]["dashArray"]
    assert styles["origin"]["color"] != styles["destination"]["color"]
    assert styles["inside"] == LEG_STYLES["inside"]
    assert len({tuple(sorted(s.items())) for s in styles.values()}) == 4


def test_route_popup_has_length_time_and_warnings(full_map):
    gj = route_geojsons(full_map)[1]
    (popup,) = of_type(gj, SafeGeoJsonPopup)
    assert {"leg_length", "leg_time", "route_length", "route_time", "warnings"} <= set(popup.fields)
    props = gj.data["features"][0]["properties"]
    assert props["route"] == "r-42"
    assert props["route_length_m"] == 4200.0 and props["route_travel_time_s"] == 360.0
    assert props["route_length"] == "4.2 公里" and props["route_time"] == "6 分" and props["leg_time"] == "1 分 30 秒"
    assert "do not stop" in props["warnings"]


def test_zone_entry_and_exit_markers(full_map):
    circles = of_type(groups(full_map)[ROUTE_LAYER_NAME], folium.CircleMarker)
    assert [c.location for c in circles] == [[42.51, 1.53], [42.515, 1.54]]
    text = popup_html(groups(full_map)[ROUTE_LAYER_NAME])
    for fact in ("进入", "驶离", "z-sealed", "封控区", "1 分 20 秒"):
        assert fact in text


@pytest.mark.parametrize(
    "bad",
    [
        lambda: RouteView(legs=(), length_m=0.0, travel_time_s=0.0),
        lambda: LegView("transit", ((1.5, 42.5),)),
        lambda: LegView("transit", ((42.5, 191.0), (1.5, 42.5))),
    ],
)
def test_route_views_refuse_bad_routes(bad):
    with pytest.raises(ValueError, match="legs|coordinates"):
        bad()


def test_route_map_fits_the_route(plan, plan_view, zones):
    m = route_map(plan_view, zones=zones)
    (fit,) = of_type(m, FitBounds)
    (south, west), (north, east) = fit.bounds
    lons = [c[0] for c in plan.coordinates]
    lats = [c[1] for c in plan.coordinates]
    assert west < min(lons) and east > max(lons) and south < min(lats) and north > max(lats)
    assert set(groups(m)) == {*ZONE_LAYER_NAMES.values(), ROUTE_LAYER_NAME}
    assert not URL.findall(rendered(m))


# -- extra layers, legend, assets ----------------------------------------------------------


def test_extra_layer_features_style_and_popup(full_map, closures_layer):
    (gj,) = of_type(groups(full_map)[closures_layer.name], folium.GeoJson)
    assert [f["id"] for f in gj.data["features"]] == ["c1", "c2"]
    assert gj.data["features"][1]["geometry"]["coordinates"] == [1.55, 42.52]
    assert gj.style_function(gj.data["features"][0])["color"] == "#000000"
    (popup,) = of_type(gj, SafeGeoJsonPopup)
    assert popup.fields == ["mode", "decision"]
    assert gj.data["features"][1]["properties"]["decision"] is None  # filled so the popup can render


def test_extra_layer_refuses_non_features():
    with pytest.raises(ValueError, match="not a GeoJSON Feature"):
        city_map(bbox=BBOX, extra_layers=[MapLayer("x", [{"type": "Point", "coordinates": [1, 2]}])])


def test_legend_lists_zones_sites_legs_and_extra_layers(full_map, closures_layer):
    (legend,) = of_type(full_map, Legend)
    labels = [e.label for e in legend.entries]
    assert all(any(name in label for label in labels) for name in ZONE_LAYER_NAMES.values())
    assert "企业（白名单）" in labels and "企业（非白名单）" in labels
    assert any("干线段" in label for label in labels) and closures_layer.name in labels
    assert 'class="baotong-legend"' in rendered(full_map) and "图例" in rendered(full_map)


def test_english_legend_and_layer_names(english_map, closures_layer):
    (legend,) = of_type(english_map, Legend)
    labels = [e.label for e in legend.entries]
    assert legend.title == "Legend" and "Sealed zones" in labels and "Enterprise (whitelisted)" in labels
    assert any("transit leg" in label for label in labels)
    assert {"Sealed zones", "Rail hubs", "Routes"} <= set(groups(english_map))


def test_vector_basemap_under_the_layers_unless_a_tile_server_is_named():
    from maps.basemap_layer import VectorBasemap

    m = city_map(bbox=BBOX, vector_basemap=True, lang="en")
    (basemap,) = of_type(m, VectorBasemap)
    assert '"lang": "en"' in basemap.options_json and "/tiles/{z}/{x}/{y}.mvt" in basemap.options_json
    html = rendered(m)
    assert "/static/vendor/protomaps-leaflet/protomaps-leaflet.js" in html and "BaotongBasemap.add" in html
    raster = city_map(bbox=BBOX, vector_basemap=True, tiles_url="http://127.0.0.1:9/{z}/{x}/{y}.png")
    assert not of_type(raster, VectorBasemap) and of_type(raster, folium.TileLayer)


def test_no_cdn_url_in_rendered_html(full_map):
    html = rendered(full_map)
    assert URL.findall(html) == []
    assert f'src="{vendor_url("leaflet/leaflet.js")}"' in html
    assert 'href="/static/vendor/leaflet/leaflet.css"' in html


def test_static_prefix_is_configurable(zones):
    html = rendered(city_map(bbox=BBOX, zones=zones, static_prefix="/baotong/static"))
    assert 'src="/baotong/static/vendor/leaflet/leaflet.js"' in html


def test_localize_refuses_unknown_remote_assets():
    class Plugin(JSCSSMixin):
        default_js = [("mystery", "https://cdn.example.com/mystery.js")]

    m = folium.Map(tiles=None)
    Plugin().add_to(m)
    with pytest.raises(OfflineAssetError, match="mystery"):
        localize(m)


def test_icon_rotation_css_is_inlined():
    m = folium.Map(tiles=None)
    folium.Marker([42.5, 1.5], icon=folium.Icon(icon="truck", prefix="fa", angle=30)).add_to(m)
    html = localize(m).render()
    assert ".fa-rotate-30{" in html and not URL.findall(html)


def test_folium_class_defaults_are_untouched(full_map):
    assert any(url.startswith("https://") for _, url in folium.Map.default_js)


def test_user_text_is_escaped(plan_view):
    zone = Zone(id="z-x", name="<img src=x onerror=alert(1)>", risk="sealed", geometry=box(1.5, 42.5, 1.51, 42.51))
    site = Site(id="s-x", kind="demand", name="`${alert(2)}`<script>", geometry=Point(1.5, 42.5))
    html = rendered(city_map(bbox=BBOX, zones=[zone], sites=[site], routes=[plan_view]))
    assert "<script>`" not in html and "${alert(2)}" not in html and "`${" not in html
    assert "textContent" in html  # zone names reach the popup as text, never as HTML


def test_scale_bar_is_metric_and_the_attribution_follows_the_language():
    from maps.basemap_layer import VectorBasemap

    html = rendered(city_map(bbox=BBOX))
    assert "imperial: false" in html and "L.control.scale()" not in html
    (zh,) = of_type(city_map(bbox=BBOX, vector_basemap=True), VectorBasemap)
    (en,) = of_type(city_map(bbox=BBOX, vector_basemap=True, lang="en"), VectorBasemap)
    assert "OpenStreetMap 贡献者" in zh.options_json and "OpenStreetMap contributors" in en.options_json

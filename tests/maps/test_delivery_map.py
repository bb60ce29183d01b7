"""A delivery plan's map: routes by vehicle (one colour each, trucks solid, inside vehicles dotted), depots,
docking points, stops coloured by time window, the zones; the layers and GeoJSON, and the page in Chromium."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import folium
import pytest

from bench.deliveries_scenario import scenario
from maps.layers import DeliveryPlanView, FleetRouteView, LegView, PlanPlaceView, PlanStopView, delivery_bbox
from maps.views import (
    DELIVERY_LAYER_NAMES,
    FLEET_ROUTE_STYLES,
    NO_WINDOW_COLOUR,
    UNSERVED_COLOUR,
    VEHICLE_COLOURS,
    WINDOW_COLOURS,
    ZONE_LAYER_NAMES,
    Legend,
    delivery_map,
    window_bins,
)
from routing.deliveries import SolverSettings, plan_deliveries
from services.deliveries import ResolvedProblem, problem_json
from services.layers import delivery_plan_view
from tests.browser import STATIC_DIR, require_vendor_assets, serve_directory

TZ = timezone(timedelta(hours=8))


def walk(element):
    yield element
    for child in element._children.values():
        yield from walk(child)


def groups(m: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {g.layer_name: g for g in m._children.values() if isinstance(g, folium.FeatureGroup)}


def features(group) -> list[dict]:
    return [f for g in walk(group) if isinstance(g, folium.GeoJson) for f in g.data["features"]]


def styles(group) -> list[dict]:
    return [g.style_function(f) for g in walk(group) if isinstance(g, folium.GeoJson) for f in g.data["features"]]


@pytest.fixture(scope="module")
def stored(andorra_router):
    """A plan on Andorra (two sealed zones) as it is stored: its document and problem."""
    problem = scenario(andorra_router, seed=311, stops=24, zones=2, trucks=3, inside_share=0.3)
    plan = plan_deliveries(andorra_router, problem, settings=SolverSettings(time_limit_s=0.6, seed=2))
    doc = {**plan.to_json(), "id": "dlv-map", "name": "预案"}
    for r in doc["routes"]:
        r["vehicle"] = None
    names = {problem.depots[0].id: "物流园区 hub"}
    stored = problem_json(ResolvedProblem(problem, names, {}, {}), network="andorra")
    return json.loads(json.dumps(doc)), json.loads(json.dumps(stored)), plan  # as the database gives them back


@pytest.fixture(scope="module")
def view(stored):
    doc, problem, _ = stored
    return delivery_plan_view(doc, problem)


@pytest.fixture(scope="module")
def the_map(view) -> folium.Map:
    plan, zones = view
    m = delivery_map(plan, zones=zones)
    m.get_root().render()
    return m


def test_every_layer_is_in_the_layer_control(the_map, view):
    plan, zones = view
    (control,) = [e for e in walk(the_map) if isinstance(e, folium.LayerControl)]
    routes = {g for g in control.overlays if g.startswith(("货车 ", "区内车 "))}
    assert len(routes) == len(plan.routes) and all(any(r.id in g for g in routes) for r in plan.routes)
    assert set(control.overlays) == routes | set(DELIVERY_LAYER_NAMES.values()) | set(ZONE_LAYER_NAMES.values())
    zone_feats = features(groups(the_map)[ZONE_LAYER_NAMES["sealed"]])
    assert sorted(f["id"] for f in zone_feats) == sorted(z.id for z in zones) and len(zones) == 2


def _texts(m: folium.Map) -> str:
    """Every text a person reads on the map: layer names, legend, popups (fields' labels and values)."""
    (control,) = [e for e in walk(m) if isinstance(e, folium.LayerControl)]
    (legend,) = [e for e in walk(m) if isinstance(e, Legend)]
    popups = [e for e in walk(m) if isinstance(e, folium.Popup)]
    safe = [e for e in walk(m) if type(e).__name__ == "SafeGeoJsonPopup"]
    parts = [*control.overlays, legend.title, *(e.label for e in legend.entries)]
    parts += [el.render() for p in popups for el in p.html._children.values()]
    parts += [alias for p in safe for alias in p.aliases]
    return "\n".join(parts)


def test_the_map_speaks_the_page_language(view):
    """Chinese or English, not both side by side: layer names, legend, popup labels and values."""
    plan, zones = view
    zh, en = delivery_map(plan, zones=zones, lang="zh"), delivery_map(plan, zones=zones, lang="en")
    for m in (zh, en):
        m.get_root().render()
    names = sorted({n for r in plan.routes for n in (r.label, r.id)} | {s.id for s in plan.stops}, key=len)
    zh_text, en_text = _texts(zh), _texts(en)
    for name in reversed(names):  # ids and plates are no words of either language
        zh_text, en_text = zh_text.replace(name, "·"), en_text.replace(name, "·")
    for word in ("truck", "depots", "docking point", "stops", "window opens", "vehicle", "departs", "leg time"):
        assert word not in zh_text, word
        assert word in en_text, word
    for word in ("货车", "中转站", "接驳点", "配送点", "时间窗", "车辆", "出发", "路段时间", "图例"):
        assert word in zh_text and word not in en_text, word
    assert "Legend" in en_text and "Sealed zones" in en_text
    # durations in words of the language
    leg = features(groups(en)[next(g for g in _overlays(en) if g.startswith("truck "))])[0]["properties"]
    assert "min" in leg["leg_time"] or " s" in leg["leg_time"], leg["leg_time"]
    assert "分" not in leg["leg_time"] and "秒" not in leg["leg_time"]


def _overlays(m: folium.Map) -> list[str]:
    (control,) = [e for e in walk(m) if isinstance(e, folium.LayerControl)]
    return list(control.overlays)


def test_routes_one_colour_each_trucks_solid_inside_dotted(the_map, view):
    plan, _ = view
    assert any(r.kind == "outside" for r in plan.routes) and any(r.kind == "inside" for r in plan.routes)
    by_name = groups(the_map)
    colours = []
    for k, r in enumerate(plan.routes):
        (name,) = [n for n in by_name if n.endswith(f" {r.label}")]
        group = by_name[name]
        feats, looks = features(group), styles(group)
        assert len(feats) == len(r.legs) and {f["properties"]["route"] for f in feats} == {r.id}
        assert [f["geometry"]["coordinates"] for f in feats] == [[list(c) for c in leg.coordinates] for leg in r.legs]
        assert {s["color"] for s in looks} == {VEHICLE_COLOURS[k % len(VEHICLE_COLOURS)]}
        dash = {s.get("dashArray") for s in looks}
        assert dash == {FLEET_ROUTE_STYLES["inside"]["dashArray"]} if r.kind == "inside" else dash == {None}
        colours.append(looks[0]["color"])
    assert len(set(colours)) == min(len(plan.routes), len(VEHICLE_COLOURS))


def test_route_legs_are_the_plans_drives(view, stored):
    plan, _ = view
    _, _, solved = stored
    for r in plan.routes:
        drives = [leg for leg in solved.route(r.id).legs if leg.kind != "none"]
        assert [leg.coordinates for leg in r.legs] == [leg.coordinates for leg in drives]
        assert {leg.kind for leg in r.legs} <= ({"truck"} if r.kind == "outside" else {"inside"})


def test_depots_and_docking_points_are_markers(the_map, view):
    plan, _ = view
    layers = groups(the_map)
    depots = [e for e in walk(layers[DELIVERY_LAYER_NAMES["depots"]]) if isinstance(e, folium.Marker)]
    docks = [e for e in walk(layers[DELIVERY_LAYER_NAMES["docking_points"]]) if isinstance(e, folium.Marker)]
    assert [m.location for m in depots] == [[p.point[1], p.point[0]] for p in plan.depots]
    assert [m.location for m in docks] == [[p.point[1], p.point[0]] for p in plan.docking_points]
    assert len(docks) >= 1


def test_stops_are_coloured_by_the_opening_of_their_window(the_map, view):
    plan, _ = view
    group = groups(the_map)[DELIVERY_LAYER_NAMES["stops"]]
    feats, looks = features(group), styles(group)
    assert [f["id"] for f in feats] == [s.id for s in plan.stops]
    classes = window_bins(plan.stops)
    assert 1 <= len(classes) <= len(WINDOW_COLOURS)
    windowed = 0
    for stop, look in zip(plan.stops, looks):
        if stop.window is None:
            assert look["fillColor"] == NO_WINDOW_COLOUR
            continue
        windowed += 1
        k = WINDOW_COLOURS.index(look["fillColor"])
        lo, hi = classes[k]
        assert lo <= stop.window[0] <= hi
    assert windowed and windowed < len(plan.stops)  # the scenario gives half the stops a window
    # earlier openings take earlier colours
    order = sorted(
        (s.window[0], WINDOW_COLOURS.index(look["fillColor"])) for s, look in zip(plan.stops, looks) if s.window
    )
    assert [k for _, k in order] == sorted(k for _, k in order)


def test_the_legend_names_each_vehicle_and_window_class(the_map, view):
    plan, _ = view
    (legend,) = [e for e in walk(the_map) if isinstance(e, Legend)]
    labels = [e.label for e in legend.entries]
    for r in plan.routes:
        assert any(label.endswith(r.label) for label in labels)
    dotted = [e for e in legend.entries if e.label.startswith("区内车")]
    assert dotted and all(e.dash == "dotted" for e in dotted)
    assert sum(1 for e in legend.entries if e.color in WINDOW_COLOURS) == len(window_bins(plan.stops))


def test_the_map_fits_the_plan(view):
    plan, _ = view
    left, bottom, right, top = delivery_bbox(plan)
    for s in plan.stops:
        assert left < s.point[0] < right and bottom < s.point[1] < top
    for r in plan.routes:
        for leg in r.legs:
            assert all(left < x < right and bottom < y < top for x, y in leg.coordinates)


def test_unserved_stops_are_ringed_and_say_why():
    t = datetime(2026, 12, 1, 8, tzinfo=TZ)
    leg = LegView("truck", ((1.52, 42.50), (1.53, 42.51)))
    plan = DeliveryPlanView(
        id="p",
        routes=(FleetRouteView(id="truck-t-1", kind="outside", label="truck-t-1", legs=(leg,)),),
        stops=(
            PlanStopView(id="a", point=(1.53, 42.51), window=(t, t + timedelta(hours=2)), served_by="truck-t-1"),
            PlanStopView(id="b", point=(1.54, 42.52), reason="the outside trucks cannot fit it in"),
        ),
        depots=(PlanPlaceView(id="hub", point=(1.52, 42.50), kind="logistics_hub"),),
    )
    m = delivery_map(plan)
    group = groups(m)[DELIVERY_LAYER_NAMES["stops"]]
    looks = {f["id"]: s for f, s in zip(features(group), styles(group))}
    props = {f["id"]: f["properties"] for f in features(group)}
    assert looks["b"]["color"] == UNSERVED_COLOUR and looks["a"]["color"] != UNSERVED_COLOUR
    assert props["b"]["reason"] == "the outside trucks cannot fit it in" and props["b"]["unserved"] is True
    assert props["a"]["window"] == "2026-12-01 08:00 – 10:00" and props["b"]["window"] == "全天"
    assert looks["a"]["fillColor"] == WINDOW_COLOURS[0] and looks["b"]["fillColor"] == NO_WINDOW_COLOUR


def test_window_bins_and_view_checks():
    t = datetime(2026, 12, 1, 8, tzinfo=TZ)
    stops = [
        PlanStopView(id=str(k), point=(1.5, 42.5), window=(t + timedelta(hours=k), t + timedelta(hours=k + 1)))
        for k in range(10)
    ]
    bins = window_bins(stops, bins=5)
    assert len(bins) == 5 and bins[0][0] == t and bins[-1][1] == t + timedelta(hours=9)
    assert window_bins(stops[:3], bins=5) == [(s.window[0], s.window[0]) for s in stops[:3]]
    assert window_bins([PlanStopView(id="x", point=(1.5, 42.5))]) == []
    with pytest.raises(ValueError, match="kind"):
        FleetRouteView(id="r", kind="boat", label="r", legs=(LegView("truck", ((1.5, 42.5), (1.6, 42.5))),))
    with pytest.raises(ValueError, match="no leg"):
        FleetRouteView(id="r", kind="outside", label="r", legs=())
    with pytest.raises(ValueError, match="point"):
        PlanStopView(id="x", point=(1.5, 95.0))
    with pytest.raises(ValueError, match="nothing to draw"):
        delivery_bbox(DeliveryPlanView(id="e", routes=(), stops=(), depots=()))


@pytest.mark.browser
def test_the_plan_map_renders_offline(browser_page, view, tmp_path):
    require_vendor_assets()
    plan, zones = view
    delivery_map(plan, zones=zones).save(str(tmp_path / "plan.html"))
    page = browser_page.page
    markers = ".leaflet-marker-pane .leaflet-marker-icon"
    with serve_directory(tmp_path, mounts={"/static": STATIC_DIR}) as base:
        page.goto(f"{base}/plan.html", wait_until="load")
        page.wait_for_selector(".leaflet-container")
        n_markers = len(plan.depots) + len(plan.docking_points)
        page.wait_for_function(f"document.querySelectorAll({markers!r}).length >= {n_markers}", timeout=10_000)
        # SVG paths: each zone, each route leg, each stop (circle markers)
        paths = len(zones) + sum(len(r.legs) for r in plan.routes) + len(plan.stops)
        assert page.locator(".leaflet-overlay-pane path").count() == paths
        assert page.locator(markers).count() == n_markers
        overlays = page.locator(".leaflet-control-layers-overlays label").count()
        assert overlays == len(plan.routes) + len(DELIVERY_LAYER_NAMES) + len(ZONE_LAYER_NAMES)
        assert page.locator(".baotong-legend").is_visible()
    browser_page.assert_clean()

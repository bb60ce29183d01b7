"""The city map in headless Chromium, offline: Leaflet loads from /static, every object is drawn."""

from __future__ import annotations

import pytest
from shapely.geometry import Point, box

from geo.sites import Site
from geo.zones import Zone
from maps.views import LegView, MapLayer, RouteView, ZoneCrossingView, city_map
from services.layers import route_view
from services.routes import record_of_plan
from tests.browser import STATIC_DIR, require_vendor_assets, serve_directory

pytestmark = pytest.mark.browser

BBOX = (1.4197, 42.4358, 1.7378, 42.6330)
#: Site markers.  Awesome markers keep `leaflet-marker-icon` (maps.views sets it) on the icon *and* its
#: shadow, so count in the marker pane only.
MARKERS = ".leaflet-marker-pane .leaflet-marker-icon"


@pytest.fixture
def scenario(andorra_router):
    plan = andorra_router.route([1.5218, 42.5063], [1.5968, 42.5430])
    lon, lat = plan.coordinates[len(plan.coordinates) // 2]
    zones = [
        Zone(
            id="z1",
            name="Escaldes sealed",
            risk="sealed",
            geometry=box(lon - 0.004, lat - 0.004, lon + 0.004, lat + 0.004),
        ),
        Zone(id="z2", name="Encamp", risk="controlled", geometry=box(1.54, 42.53, 1.55, 42.54)),
        Zone(id="z3", name="Ordino", risk="precaution", geometry=box(1.52, 42.55, 1.54, 42.57)),
    ]
    sites = [
        Site(id="s1", kind="hub_rail", name="Rail hub", geometry=Point(1.50, 42.50)),
        Site(id="s2", kind="hub_coach", name="Coach hub", geometry=Point(1.53, 42.51)),
        Site(id="s3", kind="hub_logistics", name="Logistics park", geometry=Point(1.56, 42.52)),
        Site(
            id="s4",
            kind="enterprise",
            name="Fresh Foods Co",
            geometry=Point(1.57, 42.53),
            whitelist=True,
            sector="food",
        ),
        Site(
            id="s5",
            kind="enterprise",
            name="Gadget Works",
            geometry=box(1.58, 42.54, 1.585, 42.545),
            sector="electronics",
        ),
        Site(id="s6", kind="candidate_station", name="Candidate 1", geometry=Point(1.59, 42.55)),
        Site(id="s7", kind="demand", name="Clinic", geometry=Point(1.60, 42.56)),
    ]
    crossing = RouteView(
        id="r-42",
        length_m=4200.0,
        travel_time_s=360.0,
        warnings=("do not stop in z1",),
        legs=(
            LegView("origin", ((1.50, 42.50), (1.51, 42.505)), length_m=900, travel_time_s=90),
            LegView("transit", ((1.51, 42.505), (1.53, 42.51)), length_m=1800, travel_time_s=120),
            LegView("inside", ((1.53, 42.51), (1.54, 42.515)), length_m=800, travel_time_s=80),
            LegView("destination", ((1.54, 42.515), (1.55, 42.52)), length_m=700, travel_time_s=70),
        ),
        zones_crossed=(
            ZoneCrossingView(zone_id="z1", risk="sealed", entry=(1.53, 42.51), exit=(1.54, 42.515), time_inside_s=80.0),
        ),
    )
    closures = MapLayer(
        "closures",
        [
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[1.52, 42.50], [1.53, 42.51]]},
                "properties": {"mode": "checkpoint"},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [1.55, 42.52]},
                "properties": {"mode": "hard_barrier"},
            },
        ],
        style={"color": "#000000", "weight": 5},
        popup_fields=["mode"],
    )
    routes = [route_view(record_of_plan(plan, route_id="plan")), crossing]
    # SVG paths: one per zone, per polygon premises, per route leg, per entry/exit point, per extra feature
    paths = (
        len(zones)
        + sum(not isinstance(s.geometry, Point) for s in sites)
        + sum(len(r.legs) for r in routes)
        + 2
        + len(closures.features)
    )
    return {
        "zones": zones,
        "sites": sites,
        "routes": routes,
        "extra_layers": [closures],
        "paths": paths,
        "markers": len(sites),
    }


def test_city_map_renders_offline(browser_page, scenario, tmp_path):
    require_vendor_assets()
    m = city_map(
        bbox=BBOX,
        zones=scenario["zones"],
        sites=scenario["sites"],
        routes=scenario["routes"],
        extra_layers=scenario["extra_layers"],
    )
    m.save(str(tmp_path / "map.html"))
    page = browser_page.page

    with serve_directory(tmp_path, mounts={"/static": STATIC_DIR}) as base:
        page.goto(f"{base}/map.html", wait_until="load")
        page.wait_for_selector(".leaflet-container")
        page.wait_for_function(
            "n => document.querySelectorAll(MARKERS).length >= n".replace("MARKERS", repr(MARKERS)),
            arg=scenario["markers"],
            timeout=10_000,
        )

        assert page.evaluate("typeof L !== 'undefined'")
        assert page.locator(".leaflet-overlay-pane path").count() == scenario["paths"]
        assert page.locator(MARKERS).count() == scenario["markers"]
        assert page.locator(".baotong-legend").is_visible()
        assert page.locator(".leaflet-control-layers-overlays label").count() == 6 + 3 + 1 + 1
        # Font Awesome glyphs come from the vendored webfonts
        page.wait_for_function("document.fonts.status === 'loaded'")
        assert page.evaluate("document.fonts.check('900 16px \"Font Awesome 6 Free\"')")

        page.locator(MARKERS).first.click()
        page.wait_for_selector(".leaflet-popup-content")
        assert "Rail hub" in page.locator(".leaflet-popup-content").inner_text()
        page.wait_for_timeout(400)  # let the popup fade in before the screenshot

        page.screenshot(path=str(tmp_path / "map.png"), full_page=True)

    browser_page.assert_clean()  # no JS errors, no request left 127.0.0.1 (no tiles configured)
    assert (tmp_path / "map.png").stat().st_size > 10_000

"""GET /map from the real server in headless Chromium, offline: with a bureau role every layer and stored
object draws; without a token only the public layers (zones and closures)."""

from __future__ import annotations

import httpx
import pytest

from services.scenario import read_scenario
from tests.api._server import running_server
from tests.browser import browser, browser_page, require_vendor_assets  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
MARKERS = ".leaflet-marker-pane .leaflet-marker-icon"


def test_map_page_renders_every_layer(browser_page, tmp_path):  # noqa: F811
    require_vendor_assets()
    from services.settings import PROJECT_ROOT

    zones, sites = read_scenario(PROJECT_ROOT / "data" / "demo_scenario.geojson")
    with running_server(tmp_path) as server:
        tokens = server.tokens()
        assert set(tokens) >= {"planner", "dispatcher", "checkpoint"}
        route = httpx.post(
            f"{server.base_url}/routes",
            json={"origin": [24.9390, 60.1655], "destination": [24.9500, 60.1772]},
            headers={"Authorization": f"Bearer {tokens['dispatcher']}"},
            timeout=30,
        )
        assert route.status_code == 201, route.text
        legs = len(route.json()["legs"])
        page = browser_page.page
        # anonymous: the public map, zones only here (no sites, routes or scans)
        page.goto(f"{server.base_url}/map", wait_until="load")
        page.wait_for_selector(".leaflet-container")
        assert page.locator(MARKERS).count() == 0
        assert page.locator(".leaflet-overlay-pane path").count() == len(zones)
        # a planner's token: every layer
        page.set_extra_http_headers({"Authorization": f"Bearer {tokens['planner']}"})
        page.goto(f"{server.base_url}/map", wait_until="load")
        page.wait_for_selector(".leaflet-container")
        page.wait_for_function(
            f"n => document.querySelectorAll({MARKERS!r}).length >= n", arg=len(sites), timeout=10_000
        )
        assert page.evaluate("typeof L !== 'undefined'")
        polygons = len(zones) + sum(s.geometry.geom_type == "Polygon" for s in sites)
        crossings = len(route.json()["zones_crossed"]) * 2
        assert page.locator(".leaflet-overlay-pane path").count() == polygons + legs + crossings
        assert page.locator(MARKERS).count() == len(sites)
        labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        for needle in (
            "sealed",
            "controlled",
            "precaution",
            "rail hub",
            "coach hub",
            "logistics",
            "enterprise",
            "candidate",
            "route",
        ):
            assert any(needle.lower() in label.lower() for label in labels), (needle, labels)
        page.screenshot(path=str(tmp_path / "map.png"), full_page=True)
        if shot := __import__("os").environ.get("BAOTONG_SCREENSHOT"):
            page.screenshot(path=shot, full_page=True)
        browser_page.assert_clean()
        route_page = httpx.get(
            f"{server.base_url}/routes/{route.json()['id']}/map",
            headers={"Authorization": f"Bearer {tokens['dispatcher']}"},
            timeout=30,
        )
        assert route_page.status_code == 200 and "leaflet" in route_page.text.lower()

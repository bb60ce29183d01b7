"""GET /map from the real server in headless Chromium, offline: with a bureau role every layer and stored
object draws; without a token only the public layers (zones and closures)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from services.scenario import read_scenario
from tests.api._server import running_server
from tests.browser import browser, browser_page, require_vendor_assets  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
MARKERS = ".leaflet-marker-pane .leaflet-marker-icon"
PATHS = ".leaflet-overlay-pane path"
PATHS_AT_LEAST = f"n => document.querySelectorAll({PATHS!r}).length >= n"
#: folium names the map's variable after its element
THE_MAP = "window[document.querySelector('.folium-map').id]"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


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
        answered: list[tuple[str, int]] = []
        page.on(
            "response",
            lambda r: answered.append((r.url, r.status)) if "/map/layers/" in r.url else None,
        )
        # anonymous: the public map, zones only here (no sites, routes or scans), loaded after the page
        page.goto(f"{server.base_url}/map", wait_until="load")
        page.wait_for_selector(".leaflet-container")
        page.wait_for_function(PATHS_AT_LEAST, arg=len(zones), timeout=10_000)
        assert page.locator(MARKERS).count() == 0
        assert page.locator(".leaflet-overlay-pane path").count() == len(zones)
        layers_seen = {urlsplit(u).path.rsplit("/", 1)[1] for u, _ in answered}
        assert layers_seen == {"zones-sealed", "zones-controlled", "zones-precaution", "closures"}, answered
        assert all(status == 200 for _, status in answered), answered
        # a zone's popup: its fields in the page's language, put in as text
        page.locator(PATHS).first.click(force=True)
        page.wait_for_selector(".leaflet-popup-content .baotong-popup td")
        popup_labels = page.locator(".leaflet-popup-content .baotong-popup th").all_inner_texts()
        assert "name" in popup_labels and "risk" in popup_labels, popup_labels
        page.evaluate(f"{THE_MAP}.closePopup()")
        # panning far away empties the layers, panning back loads the zones again
        page.wait_for_function(f"() => {THE_MAP}.baotongLayersIdle()", timeout=10_000)
        first = len(answered)
        page.evaluate(f"{THE_MAP}.setView([0.5, 0.5], 12, {{animate: false}})")
        page.wait_for_function(
            f"() => {THE_MAP}.baotongLayersIdle() && document.querySelectorAll({PATHS!r}).length === 0", timeout=10_000
        )
        bbox_away = [parse_qs(urlsplit(u).query)["bbox"][0] for u, _ in answered[first:]]
        assert len(bbox_away) == 4 and all(b.startswith("0.") for b in bbox_away), answered[first:]
        count = page.evaluate(f"{THE_MAP}.baotongLayerAnswers")
        page.evaluate(f"{THE_MAP}.fitBounds([[60.1635, 24.9185], [60.1796, 24.9701]], {{animate: false}})")
        page.wait_for_function(f"() => {THE_MAP}.baotongLayersIdle()", timeout=10_000)
        assert page.evaluate(f"{THE_MAP}.baotongLayerAnswers") == count + 4
        assert page.locator(PATHS).count() == len(zones)
        assert all(status == 200 for _, status in answered), answered
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map-public-viewport.png"), full_page=True)
        # a planner's token: every layer
        page.set_extra_http_headers({"Authorization": f"Bearer {tokens['planner']}"})
        page.goto(f"{server.base_url}/map", wait_until="load")
        page.wait_for_selector(".leaflet-container")
        page.wait_for_function(
            f"n => document.querySelectorAll({MARKERS!r}).length >= n", arg=len(sites), timeout=10_000
        )
        page.wait_for_function(PATHS_AT_LEAST, arg=len(zones), timeout=10_000)
        assert page.evaluate("typeof L !== 'undefined'")
        polygons = len(zones) + sum(s.geometry.geom_type == "Polygon" for s in sites)
        crossings = len(route.json()["zones_crossed"]) * 2
        page.wait_for_function(PATHS_AT_LEAST, arg=polygons + legs + crossings, timeout=10_000)
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

"""A planner draws, edits and lifts a zone on the map as a person would, in headless Chromium against the real server
with every non-local request blocked: draw a rectangle over a street with Geoman's tool driven by the mouse, read
the roads inside, save it as sealed, and find the dispatcher's next route (``POST /routes`` through the API) going
round it; rename it (version 2 in its history), drag a corner (version 3), meet someone else's edit (409, reloaded),
and lift it; draw a circle, stored as a polygon round in metres.  The time of saving a zone (click to the zone drawn)
and of the effect preview (the outline drawn to the roads counted), by the page's clock, is printed as the median of
5 beside the same API calls made without the browser.  Screenshots go to test-artifacts/."""

from __future__ import annotations

import statistics
import time

import httpx
import numpy as np
import pytest

from geo.projection import LocalProjection
from tests._data import shared_file
from tests.api._server import running_server
from tests.api.test_workspace_browser import shot, sign_in
from tests.browser import browser, browser_page, browser_page_zh, require_vendor_assets  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

#: In Andorra la Vella: a dead-end street's end and a point by the bus station, about 1.5 km apart.
ORIGIN = [1.5305071, 42.5082785]
DESTINATION = [1.5194859, 42.4976243]
#: Half the side of the drawn square, in screen pixels at zoom 17 (about 0.9 m a pixel here).
HALF_PX = 30


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_vendor_assets()
    with running_server(tmp_path_factory.mktemp("zones-page"), network=str(shared_file("andorra.osm.pbf"))) as running:
        yield running


def headers(server, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.demo_users()[role]['token']}"}


def route(server, **extra) -> dict:
    body = {"origin": ORIGIN, "destination": DESTINATION, **extra}
    r = httpx.post(f"{server.base_url}/routes", json=body, headers=headers(server, "dispatcher"), timeout=60)
    assert r.status_code == 201, r.text
    return r.json()


def open_page(page, base: str, server) -> None:
    sign_in(page, base, "planner", server)
    page.click(".bt-nav a[href='/zones/edit']")
    page.wait_for_url(f"{base}/zones/edit")
    page.wait_for_function("() => document.getElementById('zn-map').baotongMap !== undefined")
    page.wait_for_function("() => document.getElementById('zn-map').dataset.zones !== undefined")


def screen_point(page, lon: float, lat: float) -> tuple[float, float]:
    """Where ``lon, lat`` is drawn on the page, with the map centred on it at zoom 17."""
    page.evaluate(f"() => document.getElementById('zn-map').baotongMap.setView([{lat}, {lon}], 17, {{animate: false}})")
    x, y = page.evaluate(
        f"() => {{ const p = document.getElementById('zn-map').baotongMap.latLngToContainerPoint([{lat}, {lon}]);"
        " return [p.x, p.y]; }"
    )
    box = page.locator("#zn-map").bounding_box()
    return box["x"] + x, box["y"] + y


def draw_square(page, lon: float, lat: float) -> None:
    """Geoman's rectangle tool with the mouse: its button, a click at one corner, a move, a click at the other."""
    x, y = screen_point(page, lon, lat)
    page.click(".leaflet-pm-toolbar .leaflet-pm-icon-rectangle")
    page.mouse.move(x - HALF_PX, y - HALF_PX)
    page.mouse.click(x - HALF_PX, y - HALF_PX)
    page.mouse.move(x + HALF_PX, y + HALF_PX, steps=5)
    page.mouse.click(x + HALF_PX, y + HALF_PX)


def save(page, count: int) -> str:
    page.click("#zn-save")
    page.wait_for_selector(f"#zn-status[data-saved='{count}']")
    return page.locator("#zn-status").get_attribute("data-zone")


def test_a_planner_draws_a_sealed_zone_that_routes_avoid_then_edits_and_lifts_it(browser_page_zh, server):  # noqa: F811
    page, base = browser_page_zh.page, server.base_url
    before = route(server, max_detour_ratio=10)
    assert before["zones_crossed"] == []
    coords = before["geometry"]["coordinates"]
    lon, lat = coords[len(coords) // 2]  # a street the route takes, half way

    open_page(page, base, server)
    draw_square(page, lon, lat)
    page.wait_for_selector("#zn-effect[data-arcs]")
    effect = page.locator("#zn-effect")
    assert int(effect.get_attribute("data-arcs")) >= 1 and "区域内道路" in effect.inner_text()
    assert page.locator("#zn-effect .zn-routes").get_attribute("data-count") == "1"  # the route just stored
    shot(page, "zones-drawn-effect")

    page.fill("#zn-name", "测试封控区")
    page.select_option("#zn-risk", "sealed")
    page.select_option("#zn-county", "410821")
    zone_id = save(page, 1)
    assert page.locator(f"#zn-map path[data-zone='{zone_id}'][data-risk='sealed']").count() == 1
    assert "测试封控区" in page.locator("#zn-name").input_value()
    shot(page, "zones-saved")

    stored = httpx.get(f"{base}/zones/{zone_id}", timeout=30).json()
    props = stored["properties"]
    assert props["risk"] == "sealed" and props["name"] == "测试封控区" and props["county_code"] == "410821"
    assert props["version"] == 1 and props["valid_from"] and props["valid_until"]
    ring = stored["geometry"]["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    assert min(lons) < lon < max(lons) and min(lats) < lat < max(lats)

    after = route(server, max_detour_ratio=10)  # the dispatcher's next route goes round it
    assert zone_id not in [c["zone_id"] for c in after["zones_crossed"]]
    assert after["geometry"] != before["geometry"] and after["choice"] == "avoid"

    page.fill("#zn-name", "测试封控区（扩大）")
    page.fill("#zn-reason", "名称更正")
    save(page, 2)
    history = page.locator("#zn-history li[data-version='2']")
    history.wait_for()
    assert "测试封控区（扩大）" in history.inner_text() and "名称更正" in history.inner_text()
    versions = httpx.get(f"{base}/zones/{zone_id}/history", headers=headers(server, "planner"), timeout=30).json()
    assert versions["current_version"] == 2
    assert versions["versions"][1]["changes"] == [{"field": "name", "from": "测试封控区", "to": "测试封控区（扩大）"}]
    shot(page, "zones-renamed")

    # the outline: drag a corner in Geoman's edit mode, see the effect again, save it as version 3
    page.wait_for_selector("#zn-effect[data-arcs]")
    corner = page.locator("#zn-map .leaflet-marker-icon.marker-icon:not(.marker-icon-middle)").first
    box = corner.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 25, box["y"] + box["height"] / 2 - 25, steps=5)
    page.mouse.up()
    page.wait_for_selector("#zn-effect[data-arcs]")
    save(page, 3)
    page.locator("#zn-history li[data-version='3']").wait_for()
    versions = httpx.get(f"{base}/zones/{zone_id}/history", headers=headers(server, "planner"), timeout=30).json()
    moved = versions["versions"][2]["changes"]
    assert [c["field"] for c in moved] == ["geometry"] and moved[0]["from"]["bounds"] != moved[0]["to"]["bounds"]
    assert "轮廓" in page.locator("#zn-history li[data-version='3']").inner_text()

    # someone else changes it meanwhile: the page's edit is refused, said in Chinese, and the zone reloaded
    other = httpx.patch(
        f"{base}/zones/{zone_id}",
        json={"properties": {"risk": "controlled"}, "expected_version": 3},
        headers=headers(server, "planner"),
        timeout=30,
    )
    assert other.status_code == 200, other.text
    page.fill("#zn-name", "不会保存")
    page.click("#zn-save")
    page.wait_for_selector("#zn-status[data-conflict]")
    assert "已被他人修改" in page.locator("#zn-status").inner_text()
    page.wait_for_function("() => document.getElementById('zn-form').dataset.version === '4'")
    assert (
        page.locator("#zn-risk").input_value() == "controlled" and page.locator("#zn-name").input_value() != "不会保存"
    )
    shot(page, "zones-conflict")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#zn-delete")
    page.wait_for_selector(f"#zn-status[data-deleted='{zone_id}']")
    assert page.locator(f"#zn-map path[data-zone='{zone_id}']").count() == 0
    assert httpx.get(f"{base}/zones/{zone_id}", timeout=30).status_code == 404
    lifted = httpx.get(f"{base}/zones/{zone_id}/history", headers=headers(server, "planner"), timeout=30).json()
    assert lifted["deleted"] and lifted["current_version"] == 5
    assert route(server, max_detour_ratio=10)["geometry"] == before["geometry"]
    shot(page, "zones-lifted")
    # the one console line is the browser's note of the refused edit (409), which the page answered
    assert browser_page_zh.page_errors == [] and browser_page_zh.blocked_urls == []
    assert [e for e in browser_page_zh.console_errors if "409 (Conflict)" not in e] == []
    assert len(browser_page_zh.console_errors) == 1


def test_a_circle_is_saved_as_a_polygon_laid_out_in_metres(browser_page_zh, server):  # noqa: F811
    page, base = browser_page_zh.page, server.base_url
    open_page(page, base, server)
    lon, lat = 1.5262, 42.5080
    x, y = screen_point(page, lon, lat)
    page.click(".leaflet-pm-toolbar .leaflet-pm-icon-circle")
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.mouse.move(x + 40, y, steps=5)
    page.mouse.click(x + 40, y)
    page.wait_for_selector("#zn-effect[data-arcs]")
    page.fill("#zn-name", "圆形防范区")
    page.select_option("#zn-risk", "precaution")
    zone_id = save(page, 1)
    ring = httpx.get(f"{base}/zones/{zone_id}", timeout=30).json()["geometry"]["coordinates"][0]
    assert len(ring) == 65 and ring[0] == ring[-1]
    proj = LocalProjection(lon, lat)
    cx, cy = proj.forward(*np.mean(np.array(ring[:-1]), axis=0))
    xs, ys = proj.forward(np.array([p[0] for p in ring]), np.array([p[1] for p in ring]))
    radii = np.hypot(np.asarray(xs) - cx, np.asarray(ys) - cy)
    assert 20 < radii.mean() < 60 and radii.max() - radii.min() < 0.01 * radii.mean()  # round in metres
    shot(page, "zones-circle")
    browser_page_zh.assert_clean()


#: Timers the test puts in the page: from the outline drawn (Geoman's ``pm:create``) to the roads counted, and from the
#: click on 保存 to the saved zone drawn on the map, by the page's own clock.
WATCH_EFFECT = """() => {
  window.btEffectMs = null;
  document.getElementById('zn-map').baotongMap.once('pm:create', () => {
    const t0 = performance.now(), out = document.getElementById('zn-effect');
    const obs = new MutationObserver(() => {
      if (out.dataset.arcs !== undefined) { obs.disconnect(); window.btEffectMs = performance.now() - t0; }
    });
    obs.observe(out, {attributes: true});
  });
}"""
WATCH_SAVE = """(n) => {
  window.btSaveMs = null;
  document.getElementById('zn-save').addEventListener('click', () => {
    const t0 = performance.now(), status = document.getElementById('zn-status');
    const done = () => status.dataset.saved === String(n)
      && document.querySelector('#zn-map path[data-zone="' + status.dataset.zone + '"]') !== null;
    const obs = new MutationObserver(() => {
      if (done()) { obs.disconnect(); window.btSaveMs = performance.now() - t0; }
    });
    obs.observe(document.body, {subtree: true, attributes: true, childList: true});
  }, {once: true, capture: true});
}"""


def test_the_time_to_save_a_zone_and_to_preview_its_effect(browser_page_zh, server):  # noqa: F811
    """Not a timed test: it prints the medians (no threshold) after checking every save is drawn."""
    page, base = browser_page_zh.page, server.base_url
    open_page(page, base, server)
    save_s, effect_s = [], []
    for i in range(5):
        lon, lat = 1.5215 + 0.002 * i, 42.5065 - 0.0015 * i  # five squares across Andorra la Vella
        page.evaluate(WATCH_EFFECT)
        draw_square(page, lon, lat)
        page.wait_for_function("() => window.btEffectMs !== null")
        effect_s.append(page.evaluate("() => window.btEffectMs") / 1000)
        page.fill("#zn-name", f"计时区域 {i + 1}")
        page.evaluate(WATCH_SAVE, i + 1)
        save(page, i + 1)  # a real click on 保存
        page.wait_for_function("() => window.btSaveMs !== null")
        save_s.append(page.evaluate("() => window.btSaveMs") / 1000)
    stored = httpx.get(f"{base}/zones", timeout=30).json()
    assert sum(1 for f in stored["features"] if f["properties"].get("name", "").startswith("计时区域")) == 5
    shot(page, "zones-five-saved")
    # the baseline, in the same run: the same calls from a program (store the zone and list the zones again;
    # the effect of the same outline), without the browser
    planner = headers(server, "planner")
    api_save_s, api_effect_s = [], []
    timed = [f for f in stored["features"] if f["properties"].get("name", "").startswith("计时区域")]
    with httpx.Client(base_url=base, headers=planner, timeout=60) as client:
        for feature in timed:
            body = {"type": "Feature", "geometry": feature["geometry"], "properties": {"risk": "sealed"}}
            t0 = time.perf_counter()
            assert client.post("/zones", json=body).status_code == 201
            assert client.get("/zones").status_code == 200
            api_save_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            assert client.post("/zones/effect", json={"geometry": feature["geometry"]}).status_code == 200
            api_effect_s.append(time.perf_counter() - t0)
    page_save, page_effect = statistics.median(save_s), statistics.median(effect_s)
    api_save, api_effect = statistics.median(api_save_s), statistics.median(api_effect_s)
    print(
        f"\nzones page on Andorra, median of 5: save a zone -> drawn {page_save * 1000:.0f} ms "
        f"(each {[round(s * 1000) for s in save_s]}; the API calls alone {api_save * 1000:.0f} ms, "
        f"{page_save / api_save:.1f}x); effect preview {page_effect * 1000:.0f} ms "
        f"(each {[round(s * 1000) for s in effect_s]}; the API call alone {api_effect * 1000:.0f} ms, "
        f"{page_effect / api_effect:.1f}x)"
    )
    browser_page_zh.assert_clean()

"""A dispatcher of a whitelist enterprise plans a trip and manages its passes as a person would, in headless Chromium
against the real server on Andorra with every non-local request blocked: sign in, click the origin and destination
on the map, plan (the route is drawn with its legs, the sealed zone it must cross and the entry and exit points),
request a pass for the enterprise's vehicle and crew (the vehicle holds a pass already: the page names it and
replaces it on request), find the pass in the enterprise's passes, open its printable page, renew it, cancel the
renewal, and read the result through the API.  Screenshots go to test-artifacts/."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from tests._data import NETWORK_CACHE, shared_file
from tests.api._server import ROOT, pass_request, running_server
from tests.api.test_routes import DESTINATION, ORIGIN, band_feature
from tests.api.test_workspace_browser import shot
from tests.browser import browser, browser_page, browser_page_zh, require_vendor_assets  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

DISPATCHER = "disp-jia"
PASSWORD = "jia-dispatch-2026"


def add_dispatcher(server, enterprise_id: str) -> None:
    """``baotong users add`` a dispatcher bound to ``enterprise_id`` with a sign-in password, as an operator would."""
    data_dir = server.output.parent
    env = {**os.environ, "BAOTONG_DATA_DIR": str(data_dir), "BAOTONG_CACHE_DIR": str(NETWORK_CACHE)}
    cmd = [sys.executable, "-m", "cli.main", "users", "add", DISPATCHER, "--role", "dispatcher"]
    cmd += ["--enterprise", enterprise_id, "--password-stdin"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The server, a sealed band across the valley, an enterprise with a vehicle (holding a pass already) and a
    driver, and its dispatcher."""
    require_vendor_assets()
    with running_server(tmp_path_factory.mktemp("trips"), network=str(shared_file("andorra.osm.pbf"))) as server:
        demo = server.demo_users()
        headers = {role: {"Authorization": f"Bearer {d['token']}"} for role, d in demo.items()}
        with httpx.Client(base_url=server.base_url, timeout=60) as api:
            zone = api.post("/zones", json=band_feature(42.537, name="江口封控区"), headers=headers["planner"])
            assert zone.status_code == 201, zone.text
            body = pass_request(
                api, headers, name="甲物流公司", plate="豫H·77777", origin=ORIGIN, destination=DESTINATION
            )
            held = api.post("/passes", json=body, headers=headers["dispatcher"])
            assert held.status_code == 201, held.text
        add_dispatcher(server, body["enterprise_id"])
        yield {"server": server, "headers": headers, "zone": zone.json()["id"], "held": held.json(), "body": body}


def click_at(page, lon: float, lat: float) -> None:
    """A real mouse click on the trip map where ``lon, lat`` is drawn."""
    page.evaluate(f"() => document.getElementById('tp-map').baotongMap.setView([{lat}, {lon}], 15, {{animate: false}})")
    point = page.evaluate(
        f"() => {{ const p = document.getElementById('tp-map').baotongMap.latLngToContainerPoint([{lat}, {lon}]);"
        " return [p.x, p.y]; }"
    )
    box = page.locator("#tp-map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/workspace")
    page.wait_for_selector("#login-form")
    page.fill("#username", DISPATCHER)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/workspace")


def open_trip_page(page, base: str) -> None:
    page.click(".bt-nav a[href='/trips/new']")
    page.wait_for_url(f"{base}/trips/new")
    page.wait_for_function("() => document.getElementById('tp-map').baotongMap !== undefined")
    page.wait_for_selector("#tp-vehicle option[value]:not([value=''])", state="attached")


def test_a_dispatcher_plans_a_trip_requests_a_pass_and_manages_it(browser_page_zh, world):  # noqa: F811
    page, server = browser_page_zh.page, world["server"]
    base, planner = server.base_url, world["headers"]["planner"]
    held = world["held"]["pass_no"]
    sign_in(page, base)
    open_trip_page(page, base)

    click_at(page, *ORIGIN)
    page.wait_for_selector("#tp-map path.tp-point-origin")
    click_at(page, *DESTINATION)  # the page moved on to the destination after the origin
    page.wait_for_selector("#tp-map path.tp-point-destination")
    assert page.locator("#tp-origin-at").inner_text() and page.locator("#tp-destination-at").inner_text()
    page.click("#tp-plan")
    page.wait_for_selector("#tp-map[data-route]")
    route_id = page.locator("#tp-map").get_attribute("data-route")
    assert page.locator("#tp-map path.tp-leg-transit").count() >= 1  # drawn in the route map's leg styles
    assert page.locator("#tp-map path.tp-entry").count() == 1 and page.locator("#tp-map path.tp-exit").count() == 1
    page.wait_for_selector("#tp-map path.tp-zone", state="attached")
    panel = page.locator(f"#tp-panel .tp-route[data-route='{route_id}']")
    panel.wait_for()
    crossed = panel.locator(f"tr[data-zone='{world['zone']}']")
    assert crossed.get_attribute("data-risk") == "sealed" and "江口封控区" in crossed.inner_text()
    assert "秒" in crossed.locator(".tp-inside").inner_text()
    assert "途中不得停留" in panel.inner_text() and "干线段" in panel.inner_text()
    shot(page, "trip-planned")

    # a waypoint on the way (a click on the drawn route, south of the band), and the trip planned again with it
    first = httpx.get(f"{base}/routes/{route_id}", headers=planner, timeout=30).json()
    line = first["geometry"]["coordinates"]
    waypoint = line[len(line) // 4]
    page.check("input[name=pick][value=waypoint]")
    click_at(page, *waypoint)
    page.wait_for_selector("#tp-map path.tp-point-waypoint")
    assert page.locator("#tp-waypoint-count").inner_text() == "1"
    page.click("#tp-plan")
    page.wait_for_function(f"() => (document.getElementById('tp-map').dataset.route || '{route_id}') !== '{route_id}'")
    route_id = page.locator("#tp-map").get_attribute("data-route")
    page.locator(f"#tp-panel .tp-route[data-route='{route_id}']").wait_for()
    again = httpx.get(f"{base}/routes/{route_id}", headers=planner, timeout=30).json()
    assert len(again["stops"]) == len(first["stops"]) + 1 and again["zones_crossed"]

    # the vehicle holds a valid pass: named, and replaced only when asked
    page.wait_for_selector("#tp-pass:not([hidden])")
    assert page.locator("#tp-crew input[name=crew]:checked").count() == 1
    page.click("#tp-request")
    conflict = page.locator("#tp-conflict")
    conflict.wait_for()
    assert conflict.get_attribute("data-pass") == held and held in conflict.inner_text()
    assert browser_page_zh.console_errors == [
        f"Failed to load resource: the server responded with a status of 409 (Conflict) ({base}/passes)"
    ]
    browser_page_zh.console_errors.clear()
    shot(page, "trip-pass-conflict")
    page.click("#tp-replace")
    page.wait_for_selector("#tp-issued[data-pass]")
    issued = page.locator("#tp-issued").get_attribute("data-pass")
    assert issued != held and issued in page.locator("#tp-issued").inner_text()

    # the enterprise's passes: the new one valid, the old one superseded by it
    page.click("#tp-passes-link")
    page.wait_for_url(f"{base}/trips/passes")
    card = page.locator(f".tp-pass[data-pass='{issued}']")
    assert card.get_attribute("data-status") == "valid" and "有效" in card.locator(".tp-status").inner_text()
    assert page.locator(f".tp-pass[data-pass='{held}']").get_attribute("data-status") == "superseded"
    shot(page, "trip-passes")
    with page.context.expect_page() as opened:
        card.locator("a.tp-print").click()
    sheet = opened.value
    sheet.wait_for_load_state()
    assert sheet.url == f"{base}/passes/{issued}/print" and issued in sheet.content() and "<svg" in sheet.content()
    shot(sheet, "trip-pass-print")
    sheet.close()

    # renew: a new pass supersedes it; cancel the renewal (a second click confirms)
    card.locator(".tp-renew").click()
    page.wait_for_selector(f".tp-pass[data-pass='{issued}'][data-status='superseded']")
    renewed = httpx.get(f"{base}/passes/{issued}", headers=planner, timeout=30).json()["superseded_by"]
    renewal = page.locator(f".tp-pass[data-pass='{renewed}']")
    assert renewal.get_attribute("data-status") == "valid"
    renewal.locator(".tp-cancel").click()
    assert renewal.locator(".tp-cancel").inner_text() == "再次点击确认作废"
    renewal.locator(".tp-cancel").click()
    page.wait_for_selector(f".tp-pass[data-pass='{renewed}'][data-status='revoked']")
    assert "已撤销" in page.locator(f".tp-pass[data-pass='{renewed}'] .tp-status").inner_text()
    shot(page, "trip-pass-cancelled")

    stored = httpx.get(f"{base}/passes/{renewed}", headers=planner, timeout=30).json()
    assert stored["status"] == "revoked" and stored["revoke_reason"] == "cancelled by the enterprise"
    assert stored["replaces"] == issued and stored["enterprise_id"] == world["body"]["enterprise_id"]
    first = httpx.get(f"{base}/passes/{issued}", headers=planner, timeout=30).json()
    assert first["replaces"] == held and first["route_id"] and first["plate"] == "豫H·77777"
    browser_page_zh.assert_clean()


def test_a_planner_plans_a_trip_without_the_pass_form(browser_page, world):  # noqa: F811
    from tests.api.test_workspace_browser import sign_in as sign_in_demo

    page, server = browser_page.page, world["server"]
    sign_in_demo(page, server.base_url, "planner", server)
    open_trip_page(page, server.base_url)
    click_at(page, *ORIGIN)
    click_at(page, *DESTINATION)
    page.click("#tp-plan")
    page.wait_for_selector("#tp-map[data-route]")
    page.wait_for_selector("#tp-panel .tp-route tr[data-risk=sealed]")
    assert page.locator("#tp-pass").count() == 0 and page.locator("html").get_attribute("lang") == "en"
    assert "Zones crossed" in page.locator("#tp-panel").inner_text()
    shot(page, "trip-planner-en")
    browser_page.assert_clean()

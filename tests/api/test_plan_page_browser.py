"""A planner plans on one map as a person would, in headless Chromium against the real server with every non-local
request blocked: place a candidate station by a click, drag it to move it, run station siting and read the chosen
station and the excluded candidate with its reason, plan a zone's docking points, a sealed enterprise's drop point
and a green channel from a rail hub in the zone; each stored result is checked through the API.  Screenshots go to
test-artifacts/."""

from __future__ import annotations

import httpx
import pytest

from tests._data import shared_file
from tests.api._server import running_server
from tests.api.test_closure_form_browser import click_at
from tests.api.test_site_import import ANDORRA
from tests.api.test_workspace_browser import shot, sign_in
from tests.browser import browser, browser_page, browser_page_zh, require_vendor_assets  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
OUTSIDE_HUB = [1.5218, 42.5063]


def square(lon: float, lat: float, d: float) -> list[list[float]]:
    return [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]


def on_road(net, lon: float, lat: float) -> list[float]:
    """The middle of the road segment nearest ``lon, lat`` (a place a site may be put)."""
    snap = net.snap(lon, lat)
    t, h = int(net.tail[snap.arc]), int(net.head[snap.arc])
    return [float((net.node_lon[t] + net.node_lon[h]) / 2), float((net.node_lat[t] + net.node_lat[h]) / 2)]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_vendor_assets()
    with running_server(tmp_path_factory.mktemp("plan"), network=str(shared_file("andorra.osm.pbf"))) as running:
        planner = {"Authorization": f"Bearer {running.demo_users()['planner']['token']}"}
        with httpx.Client(base_url=running.base_url, headers=planner, timeout=120) as api:
            zone = api.post(
                "/zones",
                json={
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [square(*ANDORRA, 0.003)]},
                    "properties": {"risk": "sealed", "name": "甲封控区"},
                },
            )
            assert zone.status_code == 201, zone.text
            for kind, point, name, extra in (
                ("hub_rail", ANDORRA, "安道尔火车站", {}),
                ("hub_logistics", OUTSIDE_HUB, "城西物流园", {}),
                ("enterprise", [ANDORRA[0] + 0.001, ANDORRA[1] + 0.0005], "封控区内企业", {"whitelist": True}),
                ("candidate_station", ANDORRA, "区内候选站", {}),
            ):
                r = api.post(
                    "/sites",
                    json={
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": list(point)},
                        "properties": {"kind": kind, "name": name, **extra},
                    },
                )
                assert r.status_code == 201, r.text
        running.zone_id = zone.json()["id"]
        running.planner = planner
        yield running


@pytest.fixture
def api(server):
    with httpx.Client(base_url=server.base_url, headers=server.planner, timeout=60) as client:
        yield client


def test_a_planner_plans_on_one_map(browser_page_zh, server, api, andorra_network):  # noqa: F811
    page, base = browser_page_zh.page, server.base_url
    sign_in(page, base, "planner", server)
    page.click(".bt-nav a[href='/plan']")
    page.wait_for_url(f"{base}/plan")
    page.wait_for_function("() => document.querySelectorAll('#pl-map .leaflet-marker-icon').length === 4")

    # place a candidate station with a click on a road
    page.select_option("#pl-site-kind", "candidate_station")
    page.fill("#pl-site-name", "新候选站")
    page.click("#pl-place")
    spot = on_road(andorra_network, 1.5260, 42.5060)
    click_at(page, *spot, map_id="pl-map")
    page.wait_for_selector("#pl-sites-result[data-site]")
    new_id = page.locator("#pl-sites-result").get_attribute("data-site")
    assert api.get(f"/sites/{new_id}").json()["properties"]["name"] == "新候选站"

    # drag it along the road and confirm the move
    marker = page.locator("#pl-map .leaflet-marker-icon[title^='新候选站']")
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 12, y + 6, steps=6)
    page.mouse.up()
    page.locator("#pl-move:not([hidden])").wait_for()
    page.click("#pl-move-yes")
    page.wait_for_selector(f"#pl-sites-result[data-moved='{new_id}']")
    moved = api.get(f"/sites/{new_id}").json()["geometry"]["coordinates"]
    assert moved != spot

    # station siting: the candidate inside the sealed zone is excluded, with its reason
    page.click("#pl-siting summary")
    page.select_option("#pl-model", "p_median")
    page.fill("#pl-p", "1")
    page.click("#pl-siting-form button[type=submit]")
    page.wait_for_selector("#pl-plan [data-plan]", timeout=60_000)
    assert page.locator("#pl-chosen li").count() == 1
    excluded = page.locator("#pl-excluded").inner_text()
    assert "区内候选站" in excluded and "sealed" in excluded
    plan_id = page.locator("#pl-plan [data-plan]").get_attribute("data-plan")
    assert len(api.get(f"/plans/{plan_id}").json()["chosen"]) == 1
    shot(page, "plan-siting")

    # docking points of the zone, the drop point of the enterprise inside it, a green channel out of it
    page.click("#pl-docking summary")
    page.fill("#pl-dock-k", "2")
    page.click("#pl-docking-form button[type=submit]")
    page.wait_for_selector("#pl-docking-result[data-count]", timeout=60_000)
    assert api.get(f"/zones/{server.zone_id}/docking-points").json()["count"] >= 1
    page.click("#pl-drop summary")
    page.select_option(
        "#pl-drop-site", label=page.locator("#pl-drop-site option", has_text="封控区内企业").inner_text()
    )
    page.click("#pl-drop-form button[type=submit]")
    page.wait_for_selector("#pl-drop-result[data-site]", timeout=60_000)
    site = page.locator("#pl-drop-result").get_attribute("data-site")
    assert api.get(f"/sites/{site}/drop-point").status_code == 200
    page.click("#pl-channel summary")
    page.select_option(
        "#pl-channel-to", label=page.locator("#pl-channel-to option", has_text="城西物流园").inner_text()
    )
    page.fill("#pl-channel-name", "火车站绿色通道")
    page.click("#pl-channel-form button[type=submit]")
    page.wait_for_selector("#pl-channel-result[data-channel]", timeout=60_000)
    channels = api.get("/green-channels").json()
    assert [c["name"] for c in channels["data"]] == ["火车站绿色通道"]
    shot(page, "plan-all")
    browser_page_zh.assert_clean()

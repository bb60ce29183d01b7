"""A county official files a closure on the map as a person would, in headless Chromium against the real server with
every non-local request blocked: click a county road, read it highlighted with its name, ref and grade, check a hard
barrier (rejected: hard isolation of county roads is forbidden, and the page will not submit it), switch to a lane
closure (needs city approval), submit, and find it stored.  Screenshots go to test-artifacts/."""

from __future__ import annotations

import httpx
import pytest

from tests._data import shared_file
from tests.api._server import running_server
from tests.api.test_closure_form import midpoint
from tests.api.test_closures import way_of
from tests.api.test_workspace_browser import shot, sign_in
from tests.browser import browser, browser_page, browser_page_zh, require_vendor_assets  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_vendor_assets()
    with running_server(
        tmp_path_factory.mktemp("closure-form"), network=str(shared_file("andorra.osm.pbf"))
    ) as running:
        yield running


def click_at(page, lon: float, lat: float, map_id: str = "cl-map") -> None:
    """A real mouse click on the map ``map_id`` where ``lon, lat`` is drawn (centred there at zoom 17 first)."""
    the_map = f"document.getElementById('{map_id}').baotongMap"
    page.evaluate(f"() => {the_map}.setView([{lat}, {lon}], 17, {{animate: false}})")
    point = page.evaluate(f"() => {{ const p = {the_map}.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}")
    box = page.locator(f"#{map_id}").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])


def test_a_county_files_a_closure_by_clicking_a_road(browser_page_zh, server, andorra_network):  # noqa: F811
    page, base = browser_page_zh.page, server.base_url
    way = way_of(andorra_network, grade="county")
    lon, lat = midpoint(andorra_network, way)
    sign_in(page, base, "county", server)
    page.click(".bt-nav a[href='/closures/new']")
    page.wait_for_url(f"{base}/closures/new")
    page.wait_for_function("() => document.getElementById('cl-map').baotongMap !== undefined")

    click_at(page, lon, lat)
    picked = page.locator(f"#cl-roads li[data-way='{way}']")
    picked.wait_for()
    assert "县道" in picked.inner_text()
    assert page.locator("#cl-map path.leaflet-interactive").count() >= 1  # the way is drawn highlighted

    page.select_option("#cl-mode", "hard_barrier")
    page.fill("#cl-reason", "疫情防控，临时封闭")
    page.click("#cl-check")
    page.wait_for_selector("#cl-result .cl-check")
    result = page.locator("#cl-result")
    assert result.locator(".cl-check").get_attribute("data-status") == "rejected"
    assert "county/hard_barrier" in result.inner_text() and "规则驳回" in result.inner_text()
    assert page.locator("#cl-submit").is_disabled()
    shot(page, "closure-new-rejected")

    page.select_option("#cl-mode", "lane")
    assert page.locator("#cl-submit").is_disabled()  # changed: check again first
    page.click("#cl-check")
    page.wait_for_selector("#cl-result .cl-check[data-decision=needs_city_approval]")
    assert "需市级审批" in result.inner_text()
    page.click("#cl-submit")
    page.wait_for_selector("#cl-filed[data-closure]")
    closure_id = page.locator("#cl-filed").get_attribute("data-closure")
    assert closure_id in page.locator("#cl-filed").inner_text()
    assert page.locator("#cl-roads li").count() == 0
    shot(page, "closure-new-filed")

    headers = {"Authorization": f"Bearer {server.demo_users()['county']['token']}"}
    stored = httpx.get(f"{base}/closures/{closure_id}", headers=headers, timeout=30).json()
    assert stored["status"] == "pending" and stored["mode"] == "lane" and stored["reason"] == "疫情防控，临时封闭"
    assert [r["way_id"] for r in stored["matched"]["roads"]] == [way]
    assert stored["created_by"] == server.demo_users()["county"]["name"]
    browser_page_zh.assert_clean()

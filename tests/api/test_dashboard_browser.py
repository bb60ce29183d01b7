"""The dashboard live, in headless Chromium against the real server with every non-local request blocked: a planner
signs in and opens the dashboard; a zone made, a closure filed and approved and a checkpoint scan made through the
API (by other users) show in its figures and on its map without a reload -- also when the change is made through a
second server process sharing the database, and after the server restarts.  Screenshots go to test-artifacts/."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests._data import shared_file
from tests.api._server import free_port, kill, running_server
from tests.api.test_approvals_browser import _longest_way
from tests.api.test_checkpoint_browser import _issue
from tests.api.test_workspace_browser import shot, sign_in
from tests.api.test_zones import feature
from tests.browser import browser, browser_page_zh, require_vendor_assets  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

ANDORRA = str(shared_file("andorra.osm.pbf"))
#: How long a wait for the page to show a change may take before the test fails (the latency itself is
#: measured by bench/bench_dashboard.py, not asserted here).
WAIT_MS = 20_000


def bearer(server, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.demo_users()[role]['token']}"}


def fig(page, key: str) -> int:
    return int(page.locator(f'[data-fig="{key}"]').first.inner_text())


def map_count(page, layer: str) -> int:
    return int(page.locator("#db-map").get_attribute(f"data-{layer}") or 0)


def wait_fig(page, key: str, value: int) -> None:
    page.wait_for_function(
        "([k, v]) => { const el = document.querySelector(`[data-fig='${k}']`); return el && el.textContent === v; }",
        arg=[key, str(value)],
        timeout=WAIT_MS,
    )


def wait_map(page, layer: str, value: int) -> None:
    page.wait_for_function(
        "([k, v]) => document.getElementById('db-map').getAttribute('data-' + k) === v",
        arg=[layer, str(value)],
        timeout=WAIT_MS,
    )


def open_dashboard(page, server) -> None:
    sign_in(page, server.base_url, "planner", server)
    page.click(".bt-nav a[href='/dashboard']")
    page.wait_for_url(f"{server.base_url}/dashboard")
    page.wait_for_selector("#db-status[data-state=live]", timeout=WAIT_MS)
    page.evaluate("window.dashboardNotReloaded = true")


def not_reloaded(page) -> bool:
    return page.evaluate("window.dashboardNotReloaded === true")


def make_zone(base: str, server, name: str) -> None:
    r = httpx.post(f"{base}/zones", json=feature(name=name), headers=bearer(server, "planner"), timeout=60)
    assert r.status_code == 201, r.text


def scan(base: str, server, p: dict, point: list[float]) -> None:
    r = httpx.post(
        f"{base}/passes/verify",
        json={"token": p["token"], "checkpoint": point, "plate": "豫H·12345"},
        headers=bearer(server, "checkpoint"),
        timeout=60,
    )
    assert r.status_code == 200 and r.json()["verdict"] == "pass", r.text


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_vendor_assets()
    with running_server(tmp_path_factory.mktemp("dashboard-browser"), network=ANDORRA) as running:
        yield running


def test_a_zone_a_closure_decision_and_a_scan_show_live(browser_page_zh, server, andorra_router):  # noqa: F811
    page, base = browser_page_zh.page, server.base_url
    p, point = _issue(base, {r: server.demo_users()[r]["token"] for r in ("planner", "dispatcher")})
    open_dashboard(page, server)
    assert page.locator("h1").inner_text() == "指挥大屏"
    page.wait_for_selector("#db-series")  # the chart's canvas, drawn by the vendored Chart.js
    assert page.evaluate("typeof window.Chart") == "function"

    # a zone
    sealed, zones = fig(page, "zones.by_risk.sealed"), map_count(page, "zones")
    make_zone(base, server, "封控区 Encamp")
    wait_fig(page, "zones.by_risk.sealed", sealed + 1)
    wait_map(page, "zones", zones + 1)

    # a closure filed by a county, then approved by the city
    pending = fig(page, "closures.pending.city.count")
    start = datetime.now(UTC) + timedelta(minutes=5)
    r = httpx.post(
        f"{base}/closures",
        headers=bearer(server, "county"),
        json={
            "county_code": "410821",
            "reason": "疫情防控",
            "way_ids": [_longest_way(andorra_router.network, "CS-340")],
            "mode": "lane",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=6)).isoformat(),
        },
        timeout=120,
    )
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    closure = r.json()["id"]
    wait_fig(page, "closures.pending.city.count", pending + 1)
    approved = map_count(page, "closures-approved")
    r = httpx.post(f"{base}/closures/{closure}/approve", json={}, headers=bearer(server, "city_approver"), timeout=60)
    assert r.status_code == 200, r.text
    wait_fig(page, "closures.pending.city.count", pending)
    wait_map(page, "closures-approved", approved + 1)

    # a checkpoint scan
    passes, checkpoints = fig(page, "scans.last_hour.pass"), map_count(page, "checkpoints")
    scan(base, server, p, point)
    wait_fig(page, "scans.last_hour.pass", passes + 1)
    wait_map(page, "checkpoints", checkpoints + 1)
    assert not_reloaded(page)
    shot(page, "dashboard-live-zh")
    browser_page_zh.assert_clean()


def test_changes_through_a_second_worker_process_show(browser_page_zh, tmp_path):  # noqa: F811
    require_vendor_assets()
    with running_server(tmp_path, network=ANDORRA) as first, running_server(tmp_path, network=ANDORRA) as second:
        page = browser_page_zh.page
        p, point = _issue(second.base_url, {r: second.demo_users()[r]["token"] for r in ("planner", "dispatcher")})
        open_dashboard(page, first)
        sealed, zones = fig(page, "zones.by_risk.sealed"), map_count(page, "zones")
        make_zone(second.base_url, second, "封控区 Canillo")
        wait_fig(page, "zones.by_risk.sealed", sealed + 1)
        wait_map(page, "zones", zones + 1)
        passes = fig(page, "scans.last_hour.pass")
        scan(second.base_url, second, p, point)
        wait_fig(page, "scans.last_hour.pass", passes + 1)
        wait_map(page, "checkpoints", 1)
        assert not_reloaded(page)
        shot(page, "dashboard-second-worker-zh")
        browser_page_zh.assert_clean()


def test_the_page_reconnects_after_the_server_restarts(browser_page_zh, tmp_path):  # noqa: F811
    require_vendor_assets()
    port = free_port()
    page = browser_page_zh.page
    with running_server(tmp_path, network=ANDORRA, port=port) as before:
        open_dashboard(page, before)
        sealed = fig(page, "zones.by_risk.sealed")
        kill(before.process, 15)
        page.wait_for_selector("#db-status[data-state=reconnecting]", timeout=WAIT_MS)
    with contextlib.ExitStack() as stack:
        for _ in range(20):  # the port may linger a moment after the old server's exit
            try:
                after = stack.enter_context(running_server(tmp_path, network=ANDORRA, port=port))
                break
            except RuntimeError:
                time.sleep(0.5)
        else:
            pytest.fail(f"the server did not start again on port {port}")
        make_zone(after.base_url, after, "封控区 Ordino")
        page.wait_for_selector("#db-status[data-state=live]", timeout=WAIT_MS)
        wait_fig(page, "zones.by_risk.sealed", sealed + 1)
        assert not_reloaded(page)
        shot(page, "dashboard-reconnected-zh")
        # the connection lost while the server was down was logged by the browser; nothing else went wrong
        assert not browser_page_zh.page_errors, browser_page_zh.page_errors
        assert not browser_page_zh.blocked_urls

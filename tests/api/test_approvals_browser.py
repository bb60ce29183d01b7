"""An approver decides from the queue as a person would, in headless Chromium against the real server with every
non-local request blocked: sign in, read the closures waiting (a province-level one without buttons), write a note,
approve, and find the decision stored with who, when and the note.  Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from routing.engine import FORBIDDEN
from tests._data import shared_file, way_with_a_way_round
from tests.api._server import running_server
from tests.api.test_workspace_browser import shot, sign_in
from tests.browser import browser, browser_page, browser_page_zh, require_vendor_assets  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def _longest_way(net, ref: str) -> int:
    import numpy as np

    ways, counts = np.unique(net.osm_way_id[net.ref.astype(str) == ref], return_counts=True)
    return int(ways[np.argmax(counts)])


@pytest.fixture(scope="module")
def server(tmp_path_factory, andorra_router):
    require_vendor_assets()
    net = andorra_router.network
    province_way = way_with_a_way_round(net, andorra_router.truck_weights != FORBIDDEN)
    city_way = _longest_way(net, "CS-340")
    with running_server(tmp_path_factory.mktemp("approvals"), network=str(shared_file("andorra.osm.pbf"))) as running:
        county = {"Authorization": f"Bearer {running.demo_users()['county']['token']}"}
        start = datetime.now(UTC) + timedelta(minutes=5)
        filed = {}
        with httpx.Client(base_url=running.base_url, timeout=120) as api:
            for level, way, mode in (("province", province_way, "hard_barrier"), ("city", city_way, "lane")):
                r = api.post(
                    "/closures",
                    headers=county,
                    json={
                        "county_code": "410821",
                        "reason": "疫情防控",
                        "way_ids": [way],
                        "mode": mode,
                        "starts_at": start.isoformat(),
                        "ends_at": (start + timedelta(hours=6)).isoformat(),
                    },
                )
                assert r.status_code == 201, r.text
                filed[level] = r.json()
        running.filed = filed
        yield running


def test_a_city_approver_approves_from_the_queue(browser_page_zh, server):  # noqa: F811
    page, base = browser_page_zh.page, server.base_url
    city, province = server.filed["city"], server.filed["province"]
    sign_in(page, base, "city_approver", server)
    page.click(".bt-nav a[href='/approvals']")
    page.wait_for_url(f"{base}/approvals")
    card = page.locator(f"#ap-queue #closure-{city['id']}")
    assert "需市级审批" in card.locator(".ap-decision").inner_text()
    assert "CS-340" in card.locator(".ap-roads").inner_text()
    # the province-level closure is there to read, with no buttons
    waiting = page.locator(f"#ap-elsewhere #closure-{province['id']}")
    assert "需省级审批" in waiting.inner_text() and waiting.locator("button").count() == 0
    shot(page, "approvals-queue-zh")

    card.locator("textarea").fill("同意，请做好绕行引导")
    card.locator("button.ap-approve").click()
    page.wait_for_selector(f"#ap-history #decided-{city['id']}[data-status=approved]", timeout=30_000)
    assert page.locator(f"#ap-queue #closure-{city['id']}").count() == 0
    decided = page.locator(f"#decided-{city['id']}")
    me = server.demo_users()["city_approver"]["name"]
    assert me in decided.inner_text() and "同意，请做好绕行引导" in decided.inner_text()
    shot(page, "approvals-decided-zh")

    # what the page did is what is stored
    headers = {"Authorization": f"Bearer {server.demo_users()['city_approver']['token']}"}
    stored = httpx.get(f"{base}/closures/{city['id']}", headers=headers, timeout=30).json()
    assert stored["status"] == "approved"
    assert stored["events"][-1]["actor"] == me and stored["events"][-1]["note"] == "同意，请做好绕行引导"
    assert httpx.get(f"{base}/closures/{province['id']}", headers=headers, timeout=30).json()["status"] == "pending"

    # the closure's own map opens for the approver
    page.goto(f"{base}/closures/{province['id']}/map")
    page.wait_for_selector(".leaflet-container")
    shot(page, "approvals-closure-map")
    browser_page_zh.assert_clean()

"""The checkpoint page without signal, in headless Chromium with every non-local request blocked and service
workers allowed: an officer opens /checkpoint once online (the service worker keeps the page, its assets, the
public keys and the revocation list), a pass is revoked and the page refreshes its list, then the browser goes
offline (Chromium's network emulation); the page reloads from the worker's cache, verifies a valid pass (PASS),
a forged one (STOP) and the revoked one (STOP) in the browser, says "离线核验" with the list's age, and queues the
three scans in IndexedDB.  The page is closed and opened again offline (the queue is still there); when the
signal returns the scans are uploaded, and stored exactly once (read back from the server, again after another
load online).  A queued scan the server refuses (4xx) is kept and shown, and sent once only; a list the server
last vouched for 25 hours ago shows its age in red; signing out drops the kept page and list.  Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests._data import shared_file
from tests.api._server import running_server
from tests.browser import browser, open_browser_page, require_vendor_assets, shot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
ENTERPRISE_POINT = [1.5218, 42.5063]
DESTINATION = [1.5923, 42.5413]
DONE = "#result[data-verdict=pass], #result[data-verdict=stop], #result[data-verdict=error]"
CACHED = """async () => {
  const wanted = ["/checkpoint", "/passes/revocations", "/.well-known/jwks.json", "/static/checkpoint/verify.js"];
  let missing = wanted;
  for (let i = 0; i < 200; i++) {
    const cache = await caches.open("baotong-checkpoint-v1");
    const kept = await Promise.all(wanted.map((u) => cache.match(u)));
    missing = wanted.filter((u, k) => !kept[k]);
    if (navigator.serviceWorker.controller && !missing.length) return "kept";
    await new Promise((r) => setTimeout(r, 100));
  }
  const reg = await navigator.serviceWorker.getRegistration("/checkpoint");
  return JSON.stringify({controller: !!navigator.serviceWorker.controller, missing,
    registration: reg ? {active: !!reg.active, installing: !!reg.installing, waiting: !!reg.waiting} : null});
}"""

QUEUE_PUT = """(scan) => new Promise((resolve, reject) => {
  const req = indexedDB.open("baotong-checkpoint", 1);
  req.onsuccess = () => {
    const tx = req.result.transaction("scans", "readwrite");
    tx.objectStore("scans").put(scan);
    tx.oncomplete = () => { req.result.close(); resolve(true); };
    tx.onerror = () => reject(tx.error);
  };
  req.onerror = () => reject(req.error);
})"""
LIST_AGED = """async (stamp) => {
  const cache = await caches.open("baotong-checkpoint-v1");
  const kept = await cache.match("/passes/revocations");
  const headers = new Headers(kept.headers);
  headers.set("X-Baotong-Checked-At", stamp);
  await cache.put("/passes/revocations", new Response(await kept.arrayBuffer(), {status: 200, headers}));
  return true;
}"""

KEPT = """async (urls) => {
  const cache = await caches.open("baotong-checkpoint-v1");
  return Promise.all(urls.map(async (u) => Boolean(await cache.match(u))));
}"""


@pytest.fixture
def sw_page(browser):  # noqa: F811
    """A gated page (non-local requests blocked) in a Chinese browser whose context allows service workers."""
    yield from open_browser_page(browser, locale="zh-CN", service_workers=True)


def _passes(base: str, planner: dict, dispatcher: dict) -> list[dict]:
    """Two passes of one whitelisted enterprise on real Andorra streets (two vehicles, one crew member)."""
    now = datetime.now(UTC).replace(microsecond=0)
    with httpx.Client(base_url=base, timeout=60) as c:
        site = c.post(
            "/sites",
            headers=planner,
            json={
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": ENTERPRISE_POINT},
                "properties": {"kind": "enterprise", "name": "Offline Foods", "whitelist": True},
            },
        ).json()["id"]
        crew = c.post(
            f"/sites/{site}/crew",
            headers=planner,
            json={
                "name": "张三",
                "id_last4": "1234",
                "role": "driver",
                "tested_at": (now - timedelta(hours=3)).isoformat(),
            },
        ).json()["id"]
        out = []
        for plate in ("豫H·12345", "豫H·54321"):
            vehicle = c.post(f"/sites/{site}/vehicles", headers=planner, json={"plate": plate}).json()["id"]
            r = c.post(
                "/passes",
                headers=dispatcher,
                json={
                    "enterprise_id": site,
                    "vehicle_id": vehicle,
                    "crew_ids": [crew],
                    "cargo": "生活物资",
                    "origin_site_id": site,
                    "destination": DESTINATION,
                    "valid_until": (now + timedelta(hours=12)).isoformat(),
                },
            )
            assert r.status_code == 201, r.text
            out.append(r.json())
        coords = c.get(f"/routes/{out[0]['route_id']}", headers=planner).json()["geometry"]["coordinates"]
    for p in out:
        p["point"] = coords[len(coords) // 2]
    return out


def _check(page, token: str, where: list[float], plate: str = "") -> str:
    page.fill("#plate", plate)
    page.fill("#location", f"{where[0]},{where[1]}")
    page.fill("#token", token)
    page.click("#verify-btn")
    page.wait_for_selector(DONE)
    return page.get_attribute("#result", "data-verdict")


def _codes(page) -> list[str]:
    items = page.locator("#reasons li")
    return [items.nth(i).get_attribute("data-code") for i in range(items.count())]


def _forge(token: str) -> str:
    head, payload, sig = token.split(".")
    return f"{head}.{payload}.{sig[:10]}{'A' if sig[10] != 'A' else 'B'}{sig[11:]}"


def _open(page, base: str) -> None:
    page.goto(f"{base}/checkpoint")
    page.wait_for_selector("#verify-btn")
    page.wait_for_selector("#list-age:not(:empty)")


def test_the_checkpoint_verifies_and_queues_offline_then_uploads_once(sw_page, tmp_path):
    require_vendor_assets()
    env = {"BAOTONG_SCENARIO": str(tmp_path / "no-scenario.geojson")}
    with running_server(tmp_path, network=str(shared_file("andorra.osm.pbf")), env=env) as server:
        base, demo = server.base_url, server.demo_users()
        planner = {"Authorization": f"Bearer {demo['planner']['token']}"}
        valid, revoked = _passes(base, planner, {"Authorization": f"Bearer {demo['dispatcher']['token']}"})
        page, context = sw_page.page, sw_page.page.context

        # online: sign in, open the page; the service worker takes it over and keeps what it needs
        page.goto(f"{base}/login?next=%2Fcheckpoint")
        page.fill("#username", demo["checkpoint"]["name"])
        page.fill("#password", demo["checkpoint"]["password"])
        page.click("#login-submit")
        page.wait_for_url(f"{base}/checkpoint")
        page.wait_for_selector("#verify-btn")
        assert page.evaluate(CACHED) == "kept", "the service worker did not take the page over and keep its files"
        page.wait_for_selector("#ckpt[data-fonts-kept]")  # and the font files that cover the page's texts
        assert int(page.get_attribute("#ckpt", "data-fonts-kept")) > 0

        # a pass is revoked while the page is online; opening the page again refreshes the list
        r = httpx.post(
            f"{base}/passes/{revoked['pass_no']}/revoke", json={"reason": "测试 test"}, headers=planner, timeout=30
        )
        assert r.status_code == 200, r.text
        _open(page, base)
        age = page.locator("#list-age")
        assert age.inner_text().startswith("名单更新于 ") and "stale" not in (age.get_attribute("class") or "")
        # the time shown is the bureau's (Asia/Shanghai), whatever the device's zone (UTC in the test browser)
        stamped = datetime.fromisoformat(age.get_attribute("data-checked-at").replace("Z", "+00:00"))
        assert age.inner_text() == f"名单更新于 {stamped.astimezone(ZoneInfo('Asia/Shanghai')):%H:%M}"
        listed = page.evaluate("fetch('/passes/revocations').then((r) => r.json())")
        assert [x["pass_no"] for x in listed["revoked"]] == [revoked["pass_no"]]
        checked_at = page.evaluate(
            "caches.open('baotong-checkpoint-v1').then((c) => c.match('/passes/revocations'))"
            ".then((r) => r.headers.get('X-Baotong-Checked-At'))"
        )
        assert checked_at

        # no signal: the page comes from the worker's cache, and so does the list (its stamp is unchanged)
        context.set_offline(True)
        response = page.reload()
        assert response is not None and response.from_service_worker
        page.wait_for_selector("#verify-btn")
        page.wait_for_selector("#list-age:not([data-checked-at=''])")
        assert page.evaluate("navigator.onLine") is False
        assert page.get_attribute("#list-age", "data-checked-at") == checked_at

        assert _check(page, valid["token"], valid["point"], plate="豫H12345") == "pass"
        assert page.get_attribute("#result", "data-mode") == "offline"
        sub = page.inner_text("#verdict-sub")
        assert sub.startswith("离线核验") and "名单更新于" in sub, sub
        assert valid["pass_no"] in page.inner_text("#facts")
        shot(page, "checkpoint-offline-pass")
        assert _check(page, _forge(valid["token"]), valid["point"]) == "stop"
        assert _codes(page) == ["bad_signature"] and page.get_attribute("#result", "data-mode") == "offline"
        assert _check(page, revoked["token"], revoked["point"], plate="豫H·54321") == "stop"
        assert _codes(page) == ["revoked"]
        assert page.inner_text("#reasons") == "通行证已被撤销"
        page.wait_for_selector("#queue[data-count='3']")
        assert "3" in page.inner_text("#queue-status")
        shot(page, "checkpoint-offline-stop")

        # nothing has reached the server
        def scans() -> list[dict]:
            r = httpx.get(f"{base}/scans", params={"limit": 100}, headers=planner, timeout=30)
            assert r.status_code == 200, r.text
            return r.json()["data"]

        assert scans() == []

        # the page is closed and opened again, still offline: the queue is in IndexedDB
        page.close()
        page = context.new_page()
        _open(page, base)
        page.wait_for_selector("#queue[data-count='3']")

        # the signal returns: the queue is uploaded once, marked as offline scans with both times
        context.set_offline(False)
        page.wait_for_selector("#queue[data-count='0']", timeout=60_000)
        assert page.get_attribute("#queue", "data-uploaded") == "3"
        assert page.locator("#queue-refused li").count() == 0
        stored = scans()
        assert len(stored) == 3, stored
        assert {s["mode"] for s in stored} == {"uploaded"}
        assert {s["scanned_by"] for s in stored} == {demo["checkpoint"]["name"]}
        by_pass = {s["pass_no"]: s for s in stored}
        assert by_pass[valid["pass_no"]]["verdict"] == "pass"
        assert by_pass[revoked["pass_no"]]["verdict"] == "stop"
        assert by_pass[None]["verdict"] == "stop"  # the forged token names no trusted pass
        for s in stored:
            device, received = datetime.fromisoformat(s["device_time"]), datetime.fromisoformat(s["recorded_at"])
            assert device < received, s

        # opened again online: nothing left to upload, nothing stored twice
        _open(page, base)
        page.wait_for_selector("#queue[data-count='0']")
        assert len(scans()) == 3
        shot(page, "checkpoint-offline-uploaded")

        # a queued scan the server refuses (its device time is 5 days old): kept, shown, not sent again
        old_scan = {
            "idempotency_key": "old-scan-0001",
            "token": valid["token"],
            "checkpoint": valid["point"],
            "device_time": (datetime.now(UTC) - timedelta(days=5)).isoformat(),
            "device_verdict": "pass",
            "device_reasons": [],
            "state": "queued",
        }
        page.evaluate(QUEUE_PUT, old_scan)
        _open(page, base)
        page.wait_for_selector("#queue[data-refused='1']")
        refused = page.inner_text("#queue-refused li")
        assert "上传被拒（422）" in refused and "device_time" in refused, refused
        _open(page, base)
        page.wait_for_selector("#queue[data-refused='1'][data-count='0']")
        assert len(scans()) == 3
        page.click("#queue-refused li button")  # the officer has read it and removes it
        page.wait_for_selector("#queue[data-refused='0']")

        # a list the server last vouched for 25 hours ago, offline: its age in red
        context.set_offline(True)
        page.evaluate(LIST_AGED, (datetime.now(UTC) - timedelta(hours=25)).isoformat())
        _open(page, base)
        page.wait_for_selector("#list-age.stale")
        assert page.inner_text("#list-age").startswith("名单更新于 ")
        shot(page, "checkpoint-offline-stale-list")

        # signed out online: the next visit goes to the sign-in page, and the kept page and list are dropped
        context.set_offline(False)
        _open(page, base)
        page.click(".bt-logout button")
        page.wait_for_url(re.compile(r".*/login.*"))
        page.goto(f"{base}/checkpoint")
        assert page.url == f"{base}/login?next=%2Fcheckpoint"
        assert page.evaluate(KEPT, ["/checkpoint", "/passes/revocations"]) == [False, False]
        assert page.evaluate(KEPT, ["/static/checkpoint/verify.js"]) == [True]
        # no JavaScript error and nothing blocked; the console's one complaint is the refused upload, sent once
        assert sw_page.page_errors == [] and sw_page.blocked_urls == []
        assert sw_page.console_errors == [
            f"Failed to load resource: the server responded with a status of 422 (Unprocessable Entity) "
            f"({base}/passes/scans/offline)"
        ], sw_page.console_errors

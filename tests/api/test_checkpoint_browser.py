"""GET /checkpoint from the real server in headless Chromium, offline: paste a pass, see PASS or STOP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests._data import shared_file
from tests.api._server import running_server
from tests.browser import browser, browser_page, require_vendor_assets  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
ENTERPRISE_POINT = [1.5218, 42.5063]
DESTINATION = [1.5923, 42.5413]


def _issue(base: str, tokens: dict[str, str]) -> tuple[dict, list[float]]:
    """A whitelisted enterprise, a vehicle, a crew member and a pass on real Andorra streets."""
    planner = {"Authorization": f"Bearer {tokens['planner']}"}
    now = datetime.now(UTC).replace(microsecond=0)
    with httpx.Client(base_url=base, timeout=60) as c:
        site = c.post(
            "/sites",
            headers=planner,
            json={
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": ENTERPRISE_POINT},
                "properties": {"kind": "enterprise", "name": "Browser Foods", "whitelist": True},
            },
        ).json()["id"]
        vehicle = c.post(f"/sites/{site}/vehicles", headers=planner, json={"plate": "豫H·12345"}).json()["id"]
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
        r = c.post(
            "/passes",
            headers={"Authorization": f"Bearer {tokens['dispatcher']}"},
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
        p = r.json()
        coords = c.get(f"/routes/{p['route_id']}", headers=planner).json()["geometry"]["coordinates"]
    return p, coords[len(coords) // 2]


def _check(page, token: str, where: list[float], plate: str = "") -> str:
    page.fill("#token", token)
    page.fill("#plate", plate)
    page.fill("#location", f"{where[0]},{where[1]}")
    page.click("#verify-btn")
    page.wait_for_function(
        "() => ['pass', 'stop', 'error'].includes(document.getElementById('result').dataset.verdict)"
    )
    verdict = page.get_attribute("#result", "data-verdict")
    return verdict


def test_checkpoint_page_pass_and_stop(browser_page, tmp_path):  # noqa: F811
    require_vendor_assets()
    env = {"BAOTONG_SCENARIO": str(tmp_path / "no-scenario.geojson")}
    with running_server(tmp_path, network=str(shared_file("andorra.osm.pbf")), env=env) as server:
        tokens = server.tokens()
        p, point = _issue(server.base_url, tokens)
        page = browser_page.page
        page.goto(f"{server.base_url}/checkpoint", wait_until="load")
        assert page.evaluate("typeof QrScanner === 'function'")
        page.fill("#officer-token", tokens["checkpoint"])
        page.click("#save-token-btn")
        assert page.evaluate("localStorage.getItem('baotong.checkpoint.token')") == tokens["checkpoint"]

        # a valid pass on its route: green PASS
        assert _check(page, p["token"], point, plate="豫H12345") == "pass"
        assert "PASS" in page.inner_text("#verdict")
        assert page.locator("#reasons li").count() == 0
        page.screenshot(path=str(tmp_path / "checkpoint-pass.png"), full_page=True)

        # a forged pass (one signature character changed): red STOP with the reason in both languages
        head, payload, sig = p["token"].split(".")
        forged = f"{head}.{payload}.{sig[:10]}{'A' if sig[10] != 'A' else 'B'}{sig[11:]}"
        page.reload(wait_until="load")  # the token survives a reload (localStorage)
        assert _check(page, forged, point) == "stop"
        assert "STOP" in page.inner_text("#verdict")
        reasons = page.locator("#reasons li").all_inner_texts()
        assert len(reasons) == 1 and "签名无效" in reasons[0] and "bad signature" in reasons[0]

        # revoked, far away and the wrong plate: every reason listed (far away seconds after the scan on the
        # route is also a trip no truck could make)
        r = httpx.post(
            f"{server.base_url}/passes/{p['pass_no']}/revoke",
            json={"reason": "测试 test"},
            headers={"Authorization": f"Bearer {tokens['planner']}"},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        assert _check(page, p["token"], [1.7300, 42.5350], plate="豫H·99999") == "stop"
        reasons = page.locator("#reasons li").all_inner_texts()
        assert {t.split(":")[0] for t in reasons} == {"revoked", "off_corridor", "plate_mismatch", "impossible_travel"}
        assert any("通行证已被撤销" in t and "pass revoked" in t for t in reasons)
        page.screenshot(path=str(tmp_path / "checkpoint-stop.png"), full_page=True)
        if shot := __import__("os").environ.get("BAOTONG_SCREENSHOT"):
            page.screenshot(path=shot, full_page=True)

        # every scan was stored, stops included
        scans = httpx.get(
            f"{server.base_url}/passes/{p['pass_no']}/scans",
            headers={"Authorization": f"Bearer {tokens['planner']}"},
            timeout=30,
        ).json()
        assert [s["verdict"] for s in scans] == ["pass", "stop"]  # the forged token names no trusted pass
        browser_page.assert_clean()

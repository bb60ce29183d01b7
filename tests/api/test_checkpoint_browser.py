"""GET /checkpoint from the real server in headless Chromium, every non-local request blocked, driven as an officer:
sign in at /login as the demo checkpoint user, paste a valid pass (PASS) and a forged one (STOP, the reason in
Chinese), a revoked one met far away with the wrong plate (every reason), switch to English and read English; no
credential in localStorage, the session cookie out of the page's reach (HttpOnly).  Screenshots go to
test-artifacts/ (git-ignored)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests._data import shared_file
from tests.api._server import running_server
from tests.browser import browser, browser_page_zh, require_vendor_assets, shot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
ENTERPRISE_POINT = [1.5218, 42.5063]
DESTINATION = [1.5923, 42.5413]
DONE = "#result[data-verdict=pass], #result[data-verdict=stop], #result[data-verdict=error]"
OLD_TOKEN_KEY = "baotong.checkpoint.token"


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


def _check(page, token: str, where: list[float], plate: str = "", *, paste: bool = False) -> str:
    """Verify ``token`` on the page (pasted, or typed and the button pressed); the verdict it shows."""
    page.fill("#plate", plate)
    page.fill("#location", f"{where[0]},{where[1]}")
    page.fill("#token", token)
    if paste:
        page.dispatch_event("#token", "paste")  # the page verifies a pasted code at once
    else:
        page.click("#verify-btn")  # shows "busy" at once, then the verdict
    page.wait_for_selector(DONE)
    return page.get_attribute("#result", "data-verdict")


def _reasons(page) -> list[tuple[str, str]]:
    items = page.locator("#reasons li")
    return [(items.nth(i).get_attribute("data-code"), items.nth(i).inner_text()) for i in range(items.count())]


def _forge(token: str) -> str:
    head, payload, sig = token.split(".")
    return f"{head}.{payload}.{sig[:10]}{'A' if sig[10] != 'A' else 'B'}{sig[11:]}"


def test_an_officer_signs_in_and_checks_passes(browser_page_zh, tmp_path):  # noqa: F811
    require_vendor_assets()
    env = {"BAOTONG_SCENARIO": str(tmp_path / "no-scenario.geojson")}
    with running_server(tmp_path, network=str(shared_file("andorra.osm.pbf")), env=env) as server:
        base, demo = server.base_url, server.demo_users()
        p, point = _issue(base, {role: d["token"] for role, d in demo.items()})
        page = browser_page_zh.page

        # not signed in: the sign-in page, which returns to the checkpoint page
        page.goto(f"{base}/checkpoint")
        assert page.url == f"{base}/login?next=%2Fcheckpoint"
        page.fill("#username", demo["checkpoint"]["name"])
        page.fill("#password", demo["checkpoint"]["password"])
        page.click("#login-submit")
        page.wait_for_url(f"{base}/checkpoint")
        page.wait_for_selector("#verify-btn")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        assert page.locator("#bt-role").inner_text() == "检查站执勤人员"
        assert page.locator(".bt-nav a.active").inner_text() == "检查站核验"
        assert page.locator("h1.ckpt-title").inner_text() == "通行证核验"
        assert page.evaluate("typeof QrScanner === 'function'")
        assert page.locator("#officer-token").count() == 0  # no token typed into the page

        # a valid pass on its route, pasted: green PASS, the facts in Chinese, times in the bureau's zone
        assert _check(page, p["token"], point, plate="豫H12345", paste=True) == "pass"
        assert page.inner_text("#verdict") == "通行" and page.locator("#reasons li").count() == 0
        facts = page.inner_text("#facts")
        assert p["pass_no"] in facts and "豫H·12345" in facts and "有效期" in facts and "核验时间" in facts
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d – \d{4}-\d\d-\d\d \d\d:\d\d", facts), facts
        shot(page, "checkpoint-pass-zh")

        # a forged pass (one signature character changed): red STOP, the reason in Chinese only
        forged = _forge(p["token"])
        assert _check(page, forged, point) == "stop"
        assert page.inner_text("#verdict") == "停车"
        assert _reasons(page) == [("bad_signature", "签名无效，通行证可能被伪造或篡改")]
        shot(page, "checkpoint-forged-zh")

        # revoked, far away and the wrong plate: every reason listed, in Chinese (far away seconds after the
        # scan on the route is also a trip no truck could make)
        r = httpx.post(
            f"{base}/passes/{p['pass_no']}/revoke",
            json={"reason": "测试 test"},
            headers={"Authorization": f"Bearer {demo['planner']['token']}"},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        assert _check(page, p["token"], [1.7300, 42.5350], plate="豫H·99999") == "stop"
        reasons = dict(_reasons(page))
        assert set(reasons) == {"revoked", "off_corridor", "plate_mismatch", "impossible_travel"}
        assert reasons["revoked"].startswith("通行证已被撤销") and "pass revoked" not in reasons["revoked"]
        assert reasons["plate_mismatch"] == "车牌与通行证不符（输入 豫H·99999，通行证为 豫H·12345）"
        assert re.fullmatch(
            r"检查点不在通行证核定路线上（距路线 [\d,]+ 米，最多允许 [\d,]+ 米）", reasons["off_corridor"]
        )
        assert re.search(r"于 \d{4}-\d\d-\d\d \d\d:\d\d 在 ", reasons["impossible_travel"]), reasons
        assert not re.search(r"[A-Za-z]{3,}", "".join(reasons.values())), reasons  # no English word left
        shot(page, "checkpoint-stop-zh")

        # English by the switch, remembered: the page and the reasons in English
        page.click("#bt-lang-switch")
        page.wait_for_selector("html[lang=en]")
        page.goto(f"{base}/checkpoint")  # no ?lang= this time
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("h1.ckpt-title").inner_text() == "Pass checkpoint"
        assert page.locator(".bt-nav a.active").inner_text() == "Checkpoint"
        assert page.input_value("#location") == "1.73,42.535"  # the last position is kept on the device
        assert _check(page, forged, point) == "stop"
        assert page.inner_text("#verdict") == "STOP"
        assert _reasons(page) == [("bad_signature", "bad signature: the pass may be forged or altered")]
        assert not re.search(r"[\u4e00-\u9fff]", page.inner_text("#result")), page.inner_text("#result")
        shot(page, "checkpoint-forged-en")

        # no credential where a script could read it: localStorage holds only the last position, a token
        # an earlier page left there is removed, and the session cookie is HttpOnly
        page.evaluate(f"localStorage.setItem('{OLD_TOKEN_KEY}', 'an old bearer token')")
        page.reload()
        page.wait_for_selector("#verify-btn")
        stored = page.evaluate("Object.fromEntries(Object.entries(localStorage))")
        assert list(stored) == ["baotong.checkpoint.location"], stored
        session = next(c for c in page.context.cookies() if c["name"] == "baotong_session")
        assert session["httpOnly"] and session["sameSite"] == "Lax"
        assert "baotong_session" not in page.evaluate("document.cookie")
        assert session["value"] not in str(stored) and demo["checkpoint"]["token"] not in str(stored)

        # every scan was stored under the signed-in officer, stops included
        scans = httpx.get(
            f"{base}/passes/{p['pass_no']}/scans",
            headers={"Authorization": f"Bearer {demo['planner']['token']}"},
            timeout=30,
        ).json()
        assert [s["verdict"] for s in scans] == ["pass", "stop"]  # the forged token names no trusted pass
        assert {s["scanned_by"] for s in scans} == {demo["checkpoint"]["name"]}
        browser_page_zh.assert_clean()

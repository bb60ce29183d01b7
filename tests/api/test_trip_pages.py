"""The dispatcher's pages through TestClient on Andorra: the trip page and its route panel, the enterprise's passes
page, cancelling a pass (``POST /passes/{no}/cancel``) and the printable pass with the sign-in cookie, by role."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape as html_escape
from sqlalchemy import update

from services import users
from services.passes import CANCEL_REASON
from store import passes as pass_store
from store.models import PassRow
from tests.api._server import pass_request
from tests.api.test_routes import DESTINATION, ORIGIN, band_feature
from tests.api.test_signin import PASSWORD

REFUSED = ("checkpoint", "county", "city_approver")


def roles(auth_headers) -> dict[str, dict[str, str]]:
    return {role: auth_headers(role) for role in ("planner", "dispatcher")}


def enterprise_pass(client, auth_headers, *, name: str, plate: str) -> dict:
    """A whitelist enterprise with a vehicle, a driver and a pass issued for a trip up the valley."""
    body = pass_request(client, roles(auth_headers), name=name, plate=plate, origin=ORIGIN, destination=DESTINATION)
    r = client.post("/passes", json=body, headers=auth_headers("dispatcher"))
    assert r.status_code == 201, r.text
    return {**r.json(), "body": body}


def bound_dispatcher(app, name: str, enterprise_id: str, **kw) -> dict[str, str]:
    state = app.state.baotong
    with state.sessions() as s:
        token = users.add_user(s, name, "dispatcher", state.settings.secret_key, enterprise_id=enterprise_id, **kw)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("path", ["/trips/new", "/trips/passes"])
def test_the_pages_by_role(client, auth_headers, path):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=" + path.replace("/", "%2F")
    for role in ("dispatcher", "planner"):
        page = client.get(path, headers=auth_headers(role))
        assert page.status_code == 200, (role, page.text[:300])
        assert 'href="/trips/new"' in page.text and 'href="/trips/passes"' in page.text  # in the navigation
    for role in REFUSED:
        refused = client.get(path, headers=auth_headers(role))
        assert refused.status_code == 403 and "无权访问" in refused.text and "Traceback" not in refused.text, role


def test_the_trip_page_offers_the_map_and_the_enterprises_sites(client, app, auth_headers):
    mine = enterprise_pass(client, auth_headers, name="甲物流公司", plate="豫H·10001")
    other = enterprise_pass(client, auth_headers, name="乙物流公司", plate="豫H·10002")
    page = client.get("/trips/new", headers=bound_dispatcher(app, "disp-a", mine["enterprise_id"]))
    assert page.status_code == 200
    assert 'id="tp-map"' in page.text and "/static/vendor/leaflet/leaflet.js" in page.text
    assert "/static/app/trip_new.js" in page.text and "规划路线" in page.text
    assert f'value="{mine["enterprise_id"]}"' in page.text and "甲物流公司" in page.text
    assert other["enterprise_id"] not in page.text and "乙物流公司" not in page.text  # a bound dispatcher's own only
    styles = re.search(r'data-styles="([^"]+)"', page.text).group(1)
    assert "#253494" in styles and "dashArray" in styles  # the route map's leg styles
    unbound = client.get("/trips/new", headers=auth_headers("dispatcher"))
    assert "甲物流公司" in unbound.text and "乙物流公司" in unbound.text
    assert 'id="tp-pass"' in unbound.text
    assert 'id="tp-pass"' not in client.get("/trips/new", headers=auth_headers("planner")).text  # plans, issues none
    en = client.get("/trips/new?lang=en", headers=auth_headers("dispatcher"))
    assert "Plan the route" in en.text and "规划路线" not in en.text


def test_the_route_panel_writes_the_route_for_people(client, app, auth_headers):
    zone = client.post("/zones", json=band_feature(42.537, name="Encamp"), headers=auth_headers("planner"))
    assert zone.status_code == 201, zone.text
    route = client.post(
        "/routes", json={"origin": ORIGIN, "destination": DESTINATION}, headers=auth_headers("dispatcher")
    )
    assert route.status_code == 201, route.text
    doc = route.json()
    crossing = doc["zones_crossed"][0]
    panel = client.get(f"/trips/{doc['id']}/panel", headers=auth_headers("dispatcher"))
    assert panel.status_code == 200 and "<html" not in panel.text  # a fragment of the page
    html = panel.text
    assert f'data-route="{doc["id"]}"' in html and 'data-risk="sealed"' in html and "Encamp" in html
    assert f"{crossing['entry'][0]:.5f}, {crossing['entry'][1]:.5f}" in html
    assert f"{crossing['exit'][0]:.5f}, {crossing['exit'][1]:.5f}" in html
    inside = re.search(r'<td class="tp-inside">([^<]+)</td>', html).group(1)
    assert re.fullmatch(r"(\d+ 分 )?\d+ 秒|\d+ 分", inside), inside
    assert [k for k in re.findall(r'<li data-kind="(\w+)"', html)] == [leg["kind"] for leg in doc["legs"]]
    assert "干线段" in html and "封控区" in html and "穿越的区域" in html
    assert "途中不得停留" in html and f'data-choice="{doc["choice"]}"' in html  # the warnings and the explanation
    zh = client.get(f"/routes/{doc['id']}", headers={**auth_headers("dispatcher"), "Accept-Language": "zh-CN"}).json()
    assert zh["explanation"] != doc["explanation"]  # the engine's explanation has its Chinese twin
    assert (
        "允许通行、不得停留" in html and str(html_escape(zh["explanation"])) in html and doc["explanation"] not in html
    )
    en = client.get(f"/trips/{doc['id']}/panel?lang=en", headers=auth_headers("dispatcher"))
    assert "Zones crossed" in en.text and any(w in en.text for w in doc["warnings"])
    assert doc["explanation"] in en.text
    for role in REFUSED:
        assert client.get(f"/trips/{doc['id']}/panel", headers=auth_headers(role)).status_code == 403, role
    assert client.get("/trips/nope/panel", headers=auth_headers("dispatcher")).status_code == 404


def test_a_bound_dispatcher_reads_only_its_enterprises_route_panel(client, app, auth_headers):
    mine = enterprise_pass(client, auth_headers, name="甲物流公司", plate="豫H·10001")
    other = enterprise_pass(client, auth_headers, name="乙物流公司", plate="豫H·10002")
    own = bound_dispatcher(app, "disp-a", mine["enterprise_id"])
    foreign = bound_dispatcher(app, "disp-b", other["enterprise_id"])
    route = client.post("/routes", json={"origin": ORIGIN, "destination": DESTINATION}, headers=own).json()
    assert client.get(f"/trips/{route['id']}/panel", headers=own).status_code == 200
    assert client.get(f"/trips/{route['id']}/panel", headers=foreign).status_code == 403


def test_the_passes_page_shows_only_the_enterprises_passes_with_their_status_and_scans(client, app, auth_headers):
    mine = enterprise_pass(client, auth_headers, name="甲物流公司", plate="豫H·10001")
    other = enterprise_pass(client, auth_headers, name="乙物流公司", plate="豫H·10002")
    own = bound_dispatcher(app, "disp-a", mine["enterprise_id"])
    scan = client.post(
        "/passes/verify", json={"token": mine["token"], "checkpoint": ORIGIN}, headers=auth_headers("checkpoint")
    )
    assert scan.status_code == 200, scan.text
    page = client.get("/trips/passes", headers=own)
    assert page.status_code == 200
    assert f'data-pass="{mine["pass_no"]}"' in page.text and other["pass_no"] not in page.text
    assert 'data-status="valid"' in page.text and "有效" in page.text
    assert f'href="/passes/{mine["pass_no"]}/print"' in page.text
    assert "核验记录（1）" in page.text and f'data-verdict="{scan.json()["verdict"]}"' in page.text
    assert "/static/app/trip_passes.js" in page.text
    both = client.get("/trips/passes", headers=auth_headers("planner")).text
    assert mine["pass_no"] in both and other["pass_no"] in both
    # a window that has ended reads expired (the row moved into the past: no waiting in a test)
    with app.state.baotong.sessions() as s:
        past = datetime.now(UTC) - timedelta(days=2)
        s.execute(
            update(PassRow)
            .where(PassRow.pass_no == other["pass_no"])
            .values(valid_from=past, valid_until=past + timedelta(hours=1))
        )
        s.commit()
    expired = client.get("/trips/passes", headers=auth_headers("planner")).text
    assert f'data-pass="{other["pass_no"]}" data-status="expired"' in expired and "已过期" in expired
    # renewed: the old pass is superseded by the new one; cancelled: revoked by the enterprise
    until = (datetime.now(UTC) + timedelta(hours=10)).isoformat()
    renewed = client.post(f"/passes/{mine['pass_no']}/renew", json={"valid_until": until}, headers=own)
    assert renewed.status_code == 201, renewed.text
    assert client.post(f"/passes/{renewed.json()['pass_no']}/cancel", headers=own).status_code == 200
    page = client.get("/trips/passes", headers=own).text
    assert f'data-pass="{mine["pass_no"]}" data-status="superseded"' in page and "已被替换" in page
    assert f'data-pass="{renewed.json()["pass_no"]}" data-status="revoked"' in page and "已撤销" in page
    assert "企业已作废" in page and f"superseded by {renewed.json()['pass_no']}" not in page
    assert CANCEL_REASON in client.get("/trips/passes?lang=en", headers=own).text


def test_an_enterprise_cancels_its_own_pass(client, app, auth_headers):
    mine = enterprise_pass(client, auth_headers, name="甲物流公司", plate="豫H·10001")
    other = enterprise_pass(client, auth_headers, name="乙物流公司", plate="豫H·10002")
    own = bound_dispatcher(app, "disp-a", mine["enterprise_id"])
    no = mine["pass_no"]
    assert client.post(f"/passes/{no}/cancel").status_code == 401
    for role in ("checkpoint", "county"):
        assert client.post(f"/passes/{no}/cancel", headers=auth_headers(role)).status_code == 403, role
    assert client.post(f"/passes/{other['pass_no']}/cancel", headers=own).status_code == 403  # not its enterprise's
    assert client.get(f"/passes/{other['pass_no']}", headers=auth_headers("planner")).json()["status"] == "valid"
    r = client.post(f"/passes/{no}/cancel", headers=own)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "revoked" and r.json()["revoke_reason"] == CANCEL_REASON
    with app.state.baotong.sessions() as s:
        assert pass_store.get_pass_row(s, no).revoked_by == "disp-a"  # who cancelled it
    again = client.post(f"/passes/{no}/cancel", headers=own)
    assert again.status_code == 409 and "disp-a" in again.json()["detail"]
    verdict = client.post(
        "/passes/verify", json={"token": mine["token"], "checkpoint": ORIGIN}, headers=auth_headers("checkpoint")
    )
    assert verdict.json()["verdict"] == "stop"
    # a superseded pass is not cancelled (its successor is)
    until = (datetime.now(UTC) + timedelta(hours=10)).isoformat()
    renewed = client.post(
        f"/passes/{other['pass_no']}/renew", json={"valid_until": until}, headers=auth_headers("dispatcher")
    )
    assert renewed.status_code == 201, renewed.text
    superseded = client.post(f"/passes/{other['pass_no']}/cancel", headers=auth_headers("planner"))
    assert superseded.status_code == 409 and renewed.json()["pass_no"] in superseded.json()["detail"]


def test_the_printable_pass_opens_with_the_sign_in_cookie(client, app, auth_headers):
    mine = enterprise_pass(client, auth_headers, name="甲物流公司", plate="豫H·10001")
    bound_dispatcher(app, "disp-web", mine["enterprise_id"], password=PASSWORD)
    r = client.post("/login", data={"username": "disp-web", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text
    printed = client.get(f"/passes/{mine['pass_no']}/print")
    assert printed.status_code == 200 and mine["pass_no"] in printed.text and "<svg" in printed.text
    assert client.get(f"/passes/{mine['pass_no']}/qr.svg").status_code == 200
    passes_page = client.get("/trips/passes")
    assert passes_page.status_code == 200 and mine["pass_no"] in passes_page.text
    # the page's cancel is the API call with the session's CSRF token; without it the write is refused
    assert client.post(f"/passes/{mine['pass_no']}/cancel").status_code == 403
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', passes_page.text).group(1)
    ok = client.post(f"/passes/{mine['pass_no']}/cancel", headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200 and ok.json()["status"] == "revoked"

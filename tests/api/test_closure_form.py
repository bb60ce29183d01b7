"""The county's closure page through TestClient on Andorra: the road under a click, the check before filing
(``POST /closures/preview`` and the page's ``POST /closures/new/check``) that stores nothing and decides as
filing does, and the page itself by role."""

from __future__ import annotations

import pytest

from tests.api.test_closures import COUNTY, api, request, way_of, window  # noqa: F401  (the api fixture)


def midpoint(net, way: int) -> list[float]:
    """A point on ``way``: the middle of its middle arc (not a junction shared with another way)."""
    arcs = net.arcs_of_way(way)
    a = int(arcs[arcs.size // 2])
    t, h = int(net.tail[a]), int(net.head[a])
    return [float((net.node_lon[t] + net.node_lon[h]) / 2), float((net.node_lat[t] + net.node_lat[h]) / 2)]


def county_road(net) -> int:
    return way_of(net, grade="county")


def body(way: int, mode: str) -> dict:
    return {"county_code": COUNTY, "reason": "疫情防控", "mode": mode, "way_ids": [way], **window()}


def test_the_road_under_a_click(api):  # noqa: F811
    net = api.state.network
    way = county_road(net)
    lon, lat = midpoint(net, way)
    r = api.get(f"/closures/road-at?lon={lon}&lat={lat}", headers=api.h["county"])
    assert r.status_code == 200, r.text
    road = r.json()
    assert road["way_id"] == way and road["grade"] == "county" and road["distance_m"] < 5
    assert road["geometry"]["type"] == "MultiLineString" and road["geometry"]["coordinates"]
    arcs = net.arcs_of_way(way)
    rev = net.reverse_arc[arcs]
    once = float(net.length_m[arcs[(rev < 0) | (arcs < rev)]].sum())  # each two-way segment once
    assert road["length_m"] == pytest.approx(once, abs=0.1) and once < float(net.length_m[arcs].sum())


def test_the_road_under_a_click_needs_a_road_and_a_role(api):  # noqa: F811
    far = api.get("/closures/road-at?lon=10.0&lat=50.0", headers=api.h["county"])
    assert far.status_code == 422 and "point" in far.text
    bad = api.get("/closures/road-at?lon=200&lat=42.5", headers=api.h["county"])
    assert bad.status_code == 422 and "lon" in bad.text
    assert api.get("/closures/road-at?lon=1.52&lat=42.5").status_code == 401
    assert api.get("/closures/road-at?lon=1.52&lat=42.5", headers=api.h["dispatcher"]).status_code == 403


@pytest.mark.parametrize(
    ("mode", "decision", "status", "rule"),
    [
        ("hard_barrier", "rejected", "rejected", "county/hard_barrier"),
        ("lane", "needs_city_approval", "pending", "county/lane"),
        ("checkpoint", "allowed", "approved", "county/checkpoint"),
    ],
)
def test_the_check_decides_as_filing_does_and_stores_nothing(api, mode, decision, status, rule):  # noqa: F811
    way = county_road(api.state.network)
    r = api.post("/closures/preview", json=body(way, mode), headers=api.h["county"])
    assert r.status_code == 200, r.text
    preview = r.json()
    assert (preview["decision"], preview["status"]) == (decision, status)
    assert [x["rule"] for x in preview["reasons"]] == [rule]
    assert api.get("/closures", headers=api.h["county"]).json()["count"] == 0  # nothing stored
    filed = request(api, {"way_ids": [way], "mode": mode})
    assert filed.status_code == 201, filed.text
    doc = filed.json()
    for key in ("decision", "status", "reasons", "blocking_reasons", "grade", "approval_level", "geometry"):
        assert preview[key] == doc[key], key
    assert preview["matched"]["arcs"] == doc["matched"]["arcs"]


def test_the_check_refuses_what_filing_refuses(api):  # noqa: F811
    way = county_road(api.state.network)
    bad = api.post("/closures/preview", json={**body(way, "lane"), "county_code": "999999"}, headers=api.h["county"])
    assert bad.status_code == 422 and "999999" in bad.json()["detail"]
    assert request(api, {"way_ids": [way], "mode": "lane"}).status_code == 201
    again = api.post("/closures/preview", json=body(way, "lane"), headers=api.h["county"])
    assert again.status_code == 409  # a pending closure covers it already
    assert api.post("/closures/preview", json=body(way, "lane"), headers=api.h["city_approver"]).status_code == 403


def test_the_page_check_writes_the_decision_for_people(api):  # noqa: F811
    way = county_road(api.state.network)
    r = api.post("/closures/new/check", json=body(way, "hard_barrier"), headers=api.h["county"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'data-status="rejected"' in r.text and "<code>county/hard_barrier</code>" in r.text
    assert "规则驳回" in r.text and "<html" not in r.text  # a fragment of the page, in Chinese
    en = api.post("/closures/new/check?lang=en", json=body(way, "lane"), headers=api.h["county"])
    assert "Once filed, it waits for an approver" in en.text and "needs city approval" in en.text
    assert api.get("/closures", headers=api.h["county"]).json()["count"] == 0


def test_the_page_by_role(api):  # noqa: F811
    r = api.get("/closures/new", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fclosures%2Fnew"
    page = api.get("/closures/new", headers=api.h["county"])
    assert page.status_code == 200 and 'id="cl-map"' in page.text and COUNTY in page.text
    assert "申请道路封闭" in page.text and "/static/vendor/leaflet/leaflet.js" in page.text
    for role in ("city_approver", "dispatcher", "planner"):
        assert api.get("/closures/new", headers=api.h[role]).status_code == 403, role
    # a closure's own page is not taken by the form's path
    assert api.get("/closures/new/check", headers=api.h["county"]).status_code == 405


def test_the_import_page_by_role(api):  # noqa: F811
    r = api.get("/imports", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fimports"
    page = api.get("/imports", headers=api.h["planner"])
    assert page.status_code == 200 and 'id="im-zones"' in page.text and 'id="im-sites"' in page.text
    assert "/zones/import/template.xlsx" in page.text and "封控区（高风险）" in page.text
    assert "Import zones, sites, vehicles and crew" in api.get("/imports?lang=en", headers=api.h["planner"]).text
    assert 'id="im-fleet"' in page.text
    # a dispatcher imports its enterprise's vehicles and crew only
    dispatcher = api.get("/imports", headers=api.h["dispatcher"])
    assert dispatcher.status_code == 200 and 'id="im-fleet"' in dispatcher.text
    assert 'id="im-zones"' not in dispatcher.text and 'id="im-sites"' not in dispatcher.text
    for role in ("county", "province_approver", "city_approver"):
        assert api.get("/imports", headers=api.h[role]).status_code == 403, role

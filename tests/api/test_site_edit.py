"""Moving and editing a site (``PATCH /sites/{id}``): checked as a new site is, stored with who and when, drawn
at once on the map; its kind and whitelist status do not change here."""

from __future__ import annotations

from services import layers
from tests.api.test_site_import import ANDORRA

#: another place on the network, in Escaldes-Engordany
ELSEWHERE = [1.5365, 42.5097]


def add(client, hp, **props) -> dict:
    r = client.post(
        "/sites",
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(ANDORRA)},
            "properties": {"kind": "enterprise", "name": "甲物流", "whitelist": True, **props},
        },
        headers=hp,
    )
    assert r.status_code == 201, r.text
    return r.json()


def version(app) -> str:
    with app.state.baotong.sessions() as s:
        return layers.city_map_version(s)


def test_a_move_is_stored_and_changes_the_map(app, client, auth_headers):
    hp = auth_headers("planner")
    site = add(client, hp)
    before = version(app)
    r = client.patch(
        f"/sites/{site['id']}",
        json={"geometry": {"type": "Point", "coordinates": ELSEWHERE}, "properties": {"name": "甲物流（新址）"}},
        headers=hp,
    )
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["geometry"]["coordinates"] == ELSEWHERE and moved["properties"]["name"] == "甲物流（新址）"
    assert moved["properties"]["whitelist"] is True and moved["properties"]["kind"] == "enterprise"
    assert moved["snapped"]["distance_m"] < 100 and moved["notes"] == []
    assert client.get(f"/sites/{site['id']}").json()["geometry"]["coordinates"] == ELSEWHERE
    assert version(app) != before  # the map is drawn again


def test_a_moved_enterprise_is_told_to_replan_its_drop_point(client, auth_headers):
    hp = auth_headers("planner")
    site = add(client, hp)
    x, y, d = ANDORRA[0], ANDORRA[1], 0.003
    ring = [[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]]
    zone = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": {"risk": "sealed"}}
    assert client.post("/zones", json=zone, headers=hp).status_code == 201
    hub = {**zone, "geometry": {"type": "Point", "coordinates": [1.5218, 42.5063]}}
    hub["properties"] = {"kind": "hub_logistics", "name": "物流园"}
    assert client.post("/sites", json=hub, headers=hp).status_code == 201
    r = client.post(f"/sites/{site['id']}/drop-point", headers=hp)
    assert r.status_code == 201, r.text
    move = {"geometry": {"type": "Point", "coordinates": ELSEWHERE}}
    r = client.patch(f"/sites/{site['id']}", json=move, headers=hp)
    assert r.status_code == 200 and "drop point" in r.json()["notes"][0]
    zh = client.patch(f"/sites/{site['id']}", json=move, headers={**hp, "Accept-Language": "zh-CN"})
    assert "固定接收点" in zh.json()["notes"][0]


def test_what_may_not_change_and_bad_places_change_nothing(client, auth_headers):
    hp = auth_headers("planner")
    site = add(client, hp)
    path = f"/sites/{site['id']}"
    for props, needle in (({"whitelist": False}, "whitelist"), ({"kind": "hub_rail"}, "kind")):
        r = client.patch(path, json={"properties": props}, headers=hp)
        assert r.status_code == 422 and needle in r.json()["detail"], props
    far = client.patch(path, json={"geometry": {"type": "Point", "coordinates": [10.0, 10.0]}}, headers=hp)
    assert far.status_code == 422 and "bbox" in far.json()["detail"]
    assert client.patch(path, json={}, headers=hp).status_code == 422
    assert client.get(path).json() == {**site, "snapped": None}
    assert client.patch("/sites/site-nope", json={"properties": {"name": "x"}}, headers=hp).status_code == 404
    for role in ("dispatcher", "county", "checkpoint"):
        assert client.patch(path, json={"properties": {"name": "x"}}, headers=auth_headers(role)).status_code == 403
    assert client.patch(path, json={"properties": {"name": "x"}}).status_code == 401

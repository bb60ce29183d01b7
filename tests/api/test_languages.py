"""Error answers in the language the client asked for: Chinese for ``Accept-Language: zh-CN`` or ``?lang=zh``,
the unchanged English for a program that asked for none."""

from __future__ import annotations

import re

import pytest

CJK = re.compile(r"[\u4e00-\u9fff]")
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
ORIGIN = [1.5343, 42.5078]


def _both(client, method, url, headers=None, **kwargs):
    """The answer without a language and the answer for a Chinese reader."""
    plain = client.request(method, url, headers=headers or {}, **kwargs)
    zh = client.request(method, url, headers={**(headers or {}), **ZH}, **kwargs)
    return plain, zh


def test_unknown_zone_is_named_in_chinese_when_asked(client):
    plain, zh = _both(client, "GET", "/zones/zone-nope")
    assert plain.status_code == zh.status_code == 404
    assert plain.json()["detail"] == "no zone with id 'zone-nope'"
    assert "detail_en" not in plain.json()
    assert zh.json()["detail"] == "没有 id 为 'zone-nope' 的区域"
    assert zh.json()["detail_en"] == plain.json()["detail"]


def test_the_switch_asks_for_chinese_too(client):
    r = client.get("/zones/zone-nope?lang=zh")
    assert r.status_code == 404 and r.json()["detail"] == "没有 id 为 'zone-nope' 的区域"
    r = client.get("/zones/zone-nope?lang=en", headers=ZH)
    assert r.json()["detail"] == "no zone with id 'zone-nope'"


def test_a_zone_outside_the_network_is_refused_in_chinese(client, auth_headers):
    body = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[[30.0, 10.0], [30.1, 10.0], [30.1, 10.1], [30.0, 10.0]]]},
        "properties": {"risk": "sealed"},
    }
    plain, zh = _both(client, "POST", "/zones", headers=auth_headers("planner"), json=body)
    assert plain.status_code == zh.status_code == 422
    assert "outside the network bbox" in plain.json()["detail"] and not CJK.search(plain.json()["detail"])
    assert "超出路网范围" in zh.json()["detail"] and zh.json()["detail_en"] == plain.json()["detail"]


def test_a_point_off_the_network_is_refused_in_chinese(client, auth_headers):
    body = {"origin": ORIGIN, "destination": [1.4207, 42.4368]}
    plain, zh = _both(client, "POST", "/routes", headers=auth_headers("dispatcher"), json=body)
    assert plain.status_code == zh.status_code == 422
    assert "nearest drivable road" in plain.json()["detail"] and not CJK.search(plain.json()["detail"])
    assert "距最近的可行驶道路" in zh.json()["detail"] and "[1.4207, 42.4368]" in zh.json()["detail"]


@pytest.mark.parametrize("role", ["planner"])
def test_an_unknown_closure_is_named_in_chinese(client, auth_headers, role):
    plain, zh = _both(client, "GET", "/closures/closure-nope", headers=auth_headers(role))
    assert plain.status_code == zh.status_code == 404
    assert plain.json()["detail"] == "no closure with id 'closure-nope'"
    assert zh.json()["detail"] == "没有 id 为 'closure-nope' 的道路封闭"


DESTINATION = [1.5970, 42.5670]


def _band(lat: float) -> dict:
    """A sealed zone across the whole network from west to east: every trip from south to north crosses it."""
    ring = [[1.42, lat - 0.002], [1.737, lat - 0.002], [1.737, lat + 0.002], [1.42, lat + 0.002], [1.42, lat - 0.002]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": {"risk": "sealed"}}


def test_a_route_through_a_zone_explains_and_warns_in_the_language_asked(client, auth_headers):
    h = auth_headers("dispatcher")
    assert client.post("/zones", json=_band(42.537), headers=auth_headers("planner")).status_code == 201
    body = {"origin": ORIGIN, "destination": DESTINATION}
    plain, zh = _both(client, "POST", "/routes", headers=h, json=body)
    assert plain.status_code == zh.status_code == 201, (plain.text, zh.text)
    en_doc, zh_doc = plain.json(), zh.json()
    # programs read the English, unchanged
    assert en_doc["explanation"].startswith("Passing through is allowed, stopping is not: no route avoids")
    assert any(w.startswith("the route passes through sealed/controlled zones (") for w in en_doc["warnings"])
    assert not CJK.search(en_doc["explanation"]) and not any(CJK.search(w) for w in en_doc["warnings"])
    assert "texts_zh" not in en_doc and "texts_zh" not in zh_doc
    # a Chinese reader reads the twins
    assert zh_doc["explanation"].startswith("允许穿行，不允许停靠：没有避开封控区/管控区的路线，")
    assert len(zh_doc["warnings"]) == len(en_doc["warnings"])
    assert any(w.startswith("路线穿过封控区/管控区（区内 ") for w in zh_doc["warnings"])
    # the stored route keeps both: read back, it answers each reader in their language
    for doc in (en_doc, zh_doc):
        back_en = client.get(f"/routes/{doc['id']}", headers=h).json()
        back_zh = client.get(f"/routes/{doc['id']}", headers={**h, **ZH}).json()
        assert back_en["explanation"] == en_doc["explanation"] and back_en["warnings"] == en_doc["warnings"]
        assert back_zh["explanation"] == zh_doc["explanation"] and back_zh["warnings"] == zh_doc["warnings"]


def test_times_in_a_chinese_message_read_for_people(client, auth_headers, monkeypatch):
    monkeypatch.delenv("BAOTONG_TIMEZONE", raising=False)
    ring = [[1.52, 42.50], [1.53, 42.50], [1.53, 42.51], [1.52, 42.51], [1.52, 42.50]]
    body = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"risk": "sealed", "valid_from": "2026-12-02T00:00:00Z", "valid_until": "2026-12-01T00:00:00Z"},
    }
    plain, zh = _both(client, "POST", "/zones", headers=auth_headers("planner"), json=body)
    assert plain.status_code == zh.status_code == 422
    assert plain.json()["detail"] == (
        "`valid_from` 2026-12-02T00:00:00+00:00 must be before `valid_until` 2026-12-01T00:00:00+00:00"
    )
    assert zh.json()["detail"] == "`valid_from` 2026-12-02 08:00 必须早于 `valid_until` 2026-12-01 08:00"


def test_a_transshipment_names_its_inside_leg_in_the_language_asked(app, client, auth_headers):
    import shapely
    from shapely.geometry import mapping

    net = app.state.baotong.network
    x, y = net.projection.forward(*DESTINATION)
    disc = net.projection.inverse_geom(shapely.Point(x, y).buffer(300, quad_segs=16))
    zone = {"type": "Feature", "geometry": mapping(disc), "properties": {"risk": "sealed", "name": "Sealed"}}
    assert client.post("/zones", json=zone, headers=auth_headers("planner")).status_code == 201
    h = auth_headers("dispatcher")
    plain, zh = _both(client, "POST", "/routes", headers=h, json={"origin": ORIGIN, "destination": DESTINATION})
    en_doc, zh_doc = plain.json(), zh.json()
    assert en_doc["legs"][-1]["kind"] == zh_doc["legs"][-1]["kind"] == "inside"
    assert en_doc["legs"][-1]["note"] == "inside vehicle from the docking point"
    assert zh_doc["legs"][-1]["note"] == "区内车辆，从接驳点出发"
    assert any(w.startswith("transshipment at ") for w in en_doc["warnings"])
    assert any(w.startswith("在 ") and w.endswith("接驳：终点一段由区内车辆运送") for w in zh_doc["warnings"])
    assert (
        "终点位于封控区" in zh_doc["explanation"] and "The destination lies inside sealed zone" in en_doc["explanation"]
    )
    back = client.get(f"/routes/{en_doc['id']}", headers={**h, **ZH}).json()
    assert back["legs"][-1]["note"] == "区内车辆，从接驳点出发"
    assert client.get(f"/routes/{en_doc['id']}", headers=h).json()["legs"] == en_doc["legs"]


def test_import_row_labels_read_in_chinese_when_asked(client, auth_headers):
    ring = [[1.52, 42.50], [1.53, 42.50], [1.53, 42.51], [1.52, 42.51], [1.52, 42.50]]
    data = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "甲", "risk": "sealed"},'
        ' "geometry": {"type": "Polygon", "coordinates": [' + str(ring) + "]}}]}"
    ).encode()
    files = {"file": ("z.geojson", data)}
    plain, zh = _both(client, "POST", "/zones/import", headers=auth_headers("planner"), files=files)
    assert plain.json()["rows"][0]["label"] == "feature 1 (甲)"
    assert zh.json()["rows"][0]["label"] == "第 1 个要素（甲）"
    table = "名称,经度,纬度,白名单\n乙,abc,42.5,是\n".encode()
    plain, zh = _both(
        client,
        "POST",
        "/sites/import",
        headers=auth_headers("planner"),
        files={"file": ("s.csv", table)},
        data={"kind": "enterprise"},
    )
    assert plain.json()["rows"][0]["label"] == "row 2 (乙)" and plain.json()["rows"][0]["reason"].startswith("row 2: ")
    assert zh.json()["rows"][0]["label"] == "第 2 行（乙）" and zh.json()["rows"][0]["reason"].startswith("第 2 行：")


def test_a_station_plans_notes_read_in_chinese_when_asked(client, auth_headers):
    hp = auth_headers("planner")
    for kind, dx, extra in (("candidate_station", 0.0, {}), ("enterprise", 0.002, {"whitelist": True})):
        site = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [ORIGIN[0] + dx, ORIGIN[1]]},
            "properties": {"kind": kind, "name": kind, **extra},
        }
        assert client.post("/sites", json=site, headers=hp).status_code == 201
    plan = client.post("/plans/stations", json={"model": "p_median", "p": 1}, headers=hp).json()
    plain, zh = _both(client, "GET", f"/plans/{plan['id']}", headers=hp)
    assert plain.json()["notes"] and not any(CJK.search(n) for n in plain.json()["notes"])
    assert len(zh.json()["notes"]) == len(plain.json()["notes"]) and all(CJK.search(n) for n in zh.json()["notes"])


def test_a_closures_impact_notes_read_in_chinese_when_asked(client, auth_headers):
    from datetime import UTC, datetime, timedelta

    net = client.app.state.baotong.network
    snap = net.snap(*ORIGIN)
    start = datetime.now(UTC) + timedelta(minutes=5)
    body = {
        "county_code": "410821",
        "reason": "test",
        "mode": "lane",
        "way_ids": [int(net.osm_way_id[snap.arc])],
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
    }
    enterprise = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": ORIGIN},
        "properties": {"kind": "enterprise", "name": "甲", "whitelist": True},
    }
    assert client.post("/sites", json=enterprise, headers=auth_headers("planner")).status_code == 201
    r = client.post("/closures", json=body, headers=auth_headers("county"))
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    plain, zh = _both(client, "GET", f"/closures/{cid}/impact", headers=auth_headers("planner"))
    assert plain.json()["notes"] and not any(CJK.search(n) for n in plain.json()["notes"])  # no hubs stored
    assert zh.json()["notes"] == ["没有登记枢纽：未检查白名单企业的通达情况"] or all(
        CJK.search(n) for n in zh.json()["notes"]
    )
    stored = client.get(f"/closures/{cid}", headers={**auth_headers("planner"), **ZH}).json()
    assert all(CJK.search(n) for n in stored["impact"]["notes"])

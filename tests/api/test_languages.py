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

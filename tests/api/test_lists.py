"""The paged lists and their exports: filters, ``{data, count, next}``, roles and the enterprise scope; CSV and XLSX
with Chinese headers and times in the bureau's zone; GeoJSON and KML.  SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from services import users
from tests.api.test_passes import DESTINATION, add_crew, add_enterprise, add_vehicle, iso, now

KML = "{http://www.opengis.net/kml/2.2}"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _bound_dispatcher(app, enterprise_id: str, name: str) -> dict[str, str]:
    state = app.state.baotong
    with state.sessions() as s:
        token = users.add_user(s, name, "dispatcher", state.settings.secret_key, enterprise_id=enterprise_id)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def two_fleets(client, auth_headers, app):
    """Two whitelist enterprises, each with vehicles (one pass each: one vehicle, one pass), a driver, a bound
    dispatcher and passes (3 and 1)."""
    out = {}
    for name, plates in (("甲公司", ("豫H·11111", "豫H·11112", "豫H·11113")), ("乙公司", ("豫H·22222",))):
        site = add_enterprise(client, auth_headers, name=name)
        crew = add_crew(client, auth_headers, site)
        dispatcher = _bound_dispatcher(app, site, f"disp-{plates[0][-5:]}")
        issued = []
        for plate in plates:
            vehicle = add_vehicle(client, auth_headers, site, plate=plate)
            body = {
                "enterprise_id": site,
                "vehicle_id": vehicle["id"],
                "crew_ids": [crew["id"]],
                "cargo": "生活物资",
                "origin_site_id": site,
                "destination": DESTINATION,
                "valid_until": iso(now() + timedelta(hours=20)),
            }
            r = client.post("/passes", json=body, headers=dispatcher)
            assert r.status_code == 201, r.text
            issued.append(r.json())
        out[name] = {"site": site, "dispatcher": dispatcher, "passes": issued, "plate": plates[0]}
    return out


def test_passes_page_through_with_count_and_next(client, auth_headers, two_fleets):
    seen, url = [], "/passes?limit=2"
    while url:
        page = client.get(url, headers=auth_headers("planner")).json()
        assert page["count"] == 4 and len(page["data"]) <= 2
        seen += [p["pass_no"] for p in page["data"]]
        url = page["next"]
    issued = sorted((p["pass_no"] for f in two_fleets.values() for p in f["passes"]), reverse=True)
    assert seen == issued  # newest first, each once


def test_pass_filters(client, auth_headers, two_fleets):
    h = auth_headers("planner")
    a = two_fleets["甲公司"]
    assert client.get("/passes", params={"enterprise_id": a["site"]}, headers=h).json()["count"] == 3
    assert client.get("/passes", params={"plate": "豫H22222"}, headers=h).json()["count"] == 1  # normalised
    revoked = a["passes"][0]["pass_no"]
    assert client.post(f"/passes/{revoked}/revoke", json={"reason": "x"}, headers=h).status_code == 200
    assert [p["pass_no"] for p in client.get("/passes?status=revoked", headers=h).json()["data"]] == [revoked]
    assert client.get("/passes?status=valid", headers=h).json()["count"] == 3
    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    assert client.get("/passes", params={"valid_at": later}, headers=h).json()["count"] == 0
    assert client.get("/passes", params={"issuer": "disp-22222"}, headers=h).json()["count"] == 1
    bad = client.get("/passes", params={"status": "lost"}, headers=h)
    assert bad.status_code == 422 and "lost" in bad.text
    assert client.get("/passes", params={"cursor": "not-a-cursor"}, headers=h).status_code == 422


def test_a_bound_dispatcher_sees_only_its_own(client, auth_headers, two_fleets):
    a, b = two_fleets["甲公司"], two_fleets["乙公司"]
    mine = client.get("/passes", headers=b["dispatcher"]).json()
    assert mine["count"] == 1 and {p["enterprise_id"] for p in mine["data"]} == {b["site"]}
    refused = client.get("/passes", params={"enterprise_id": a["site"]}, headers=b["dispatcher"])
    assert refused.status_code == 403
    assert client.get("/routes", headers=b["dispatcher"]).json()["count"] == 1  # its pass's route
    assert client.get("/routes", headers=auth_headers("planner")).json()["count"] == 4
    rows = _csv(client.get("/passes?format=csv", headers=b["dispatcher"]))
    assert [r["企业编号"] for r in rows] == [b["site"]]
    sites = client.get("/sites", headers=b["dispatcher"]).json()
    assert [s["id"] for s in sites["data"]] == [b["site"]]  # the other enterprise is left out
    assert client.get("/sites").json()["count"] == 2  # a public layer


def test_roles_on_every_list_and_export(client, auth_headers, two_fleets):
    for url in ("/passes", "/passes?format=csv", "/passes?format=xlsx", "/scans", "/scans?format=xlsx", "/routes"):
        assert client.get(url).status_code == 401, url
    for role in ("county", "city_approver", "province_approver"):
        for url in ("/passes", "/passes?format=xlsx", "/scans?format=csv", "/routes"):
            assert client.get(url, headers=auth_headers(role)).status_code == 403, (url, role)
    # a checkpoint reads a pass only through its token, never in a list of numbers and plates
    for url in ("/routes", "/passes", "/passes?format=csv", "/scans", "/scans?format=xlsx"):
        assert client.get(url, headers=auth_headers("checkpoint")).status_code == 403, url
    for role in ("planner", "dispatcher", "admin"):
        for url in ("/passes", "/passes?format=xlsx", "/scans?format=csv"):
            assert client.get(url, headers=auth_headers(role)).status_code == 200, (url, role)
    for url in (
        "/sites",
        "/closures",
        "/zones",
        "/closures?format=kml",
        "/zones?format=geojson",
        "/sites?format=geojson",
    ):
        assert client.get(url).status_code == 200, url  # public layers


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_pass_exports_have_chinese_headers_and_local_times(client, auth_headers, two_fleets):
    h = auth_headers("planner")
    rows = _csv(client.get("/passes?format=csv", headers=h))
    assert len(rows) == 4 and {"通行证号", "车牌", "状态", "有效期止", "签发时间"} <= set(rows[0])
    first = two_fleets["乙公司"]["passes"][0]
    row = next(r for r in rows if r["通行证号"] == first["pass_no"])
    until = datetime.fromisoformat(first["valid_until"]).astimezone(SHANGHAI)
    assert row["有效期止"] == until.strftime("%Y-%m-%d %H:%M") and row["状态"] == "有效"
    assert row["企业名称"] == "乙公司" and row["车牌"] == "豫H·22222"
    english = _csv(client.get("/passes?format=csv&lang=en", headers=h))
    assert "Pass no." in english[0] and english[0]["Status"] == "valid"

    xlsx = client.get("/passes?format=xlsx&enterprise_id=" + two_fleets["甲公司"]["site"], headers=h)
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0][:2] == ["通行证号", "状态"] and len(table) == 4
    assert sorted(r[0] for r in table[1:]) == sorted(p["pass_no"] for p in two_fleets["甲公司"]["passes"])


def test_scans_list_and_export(client, auth_headers, two_fleets):
    token = two_fleets["甲公司"]["passes"][0]["token"]
    for _ in range(3):
        r = client.post(
            "/passes/verify", json={"token": token, "checkpoint": DESTINATION}, headers=auth_headers("checkpoint")
        )
        assert r.status_code == 200
    page = client.get("/scans?limit=2", headers=auth_headers("planner")).json()
    assert page["count"] == 3 and len(page["data"]) == 2 and page["next"]
    assert client.get(page["next"], headers=auth_headers("planner")).json()["data"][0]["id"] == min(
        s["id"] for s in client.get("/scans", headers=auth_headers("planner")).json()["data"]
    )
    assert client.get("/scans", headers=two_fleets["乙公司"]["dispatcher"]).json()["count"] == 0
    rows = _csv(client.get("/scans?format=csv&verdict=pass", headers=auth_headers("planner")))
    assert len(rows) == 3 and rows[0]["核验结果"] == "放行" and rows[0]["核验人员"] == "test-checkpoint"
    sheet = load_workbook(io.BytesIO(client.get("/scans?format=xlsx", headers=auth_headers("planner")).content)).active
    assert sheet["A1"].value == "记录编号" and sheet.max_row == 4


def test_sites_are_paged_and_keep_geojson(client, auth_headers):
    for i in range(3):
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [1.5218 + i * 0.001, 42.5063]},
            "properties": {"kind": "hub_logistics", "name": f"园区{i}"},
        }
        assert client.post("/sites", json=feature, headers=auth_headers("planner")).status_code == 201
    page = client.get("/sites?limit=2").json()
    assert page["count"] == 3 and len(page["data"]) == 2 and page["data"][0]["properties"]["name"] == "园区0"
    rest = client.get(page["next"]).json()
    assert [s["properties"]["name"] for s in rest["data"]] == ["园区2"] and rest["next"] is None
    collection = client.get("/sites?format=geojson").json()
    assert collection["type"] == "FeatureCollection" and collection["count"] == 3


def _zone(client, auth_headers, name, risk="sealed"):
    body = {
        "type": "Feature",
        "properties": {"risk": risk, "name": name, "valid_from": "2026-01-01T00:00:00Z"},
        "geometry": {"type": "Polygon", "coordinates": [[[1.52, 42.5], [1.53, 42.5], [1.53, 42.51], [1.52, 42.5]]]},
    }
    assert client.post("/zones", json=body, headers=auth_headers("planner")).status_code == 201


def test_zone_exports_geojson_and_kml(client, auth_headers):
    _zone(client, auth_headers, "封控区一")
    _zone(client, auth_headers, "管控区二", "controlled")
    r = client.get("/zones?format=geojson")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    data = r.json()
    assert [f["properties"]["name"] for f in data["features"]] == ["封控区一", "管控区二"]
    assert data["features"][0]["properties"]["valid_from"] == "2026-01-01T08:00:00+08:00"  # the bureau's zone
    kml = client.get("/zones?format=kml")
    assert kml.headers["content-type"].startswith("application/vnd.google-earth.kml+xml")
    root = ET.fromstring(kml.content)
    marks = root.findall(f".//{KML}Placemark")
    assert [m.find(f"{KML}name").text for m in marks] == ["封控区一", "管控区二"]
    risk = marks[0].find(f".//{KML}Data[@name='risk']/{KML}value").text
    assert risk == "封控区" and marks[0].find(f".//{KML}Polygon") is not None


def test_closure_list_is_paged_and_exports(client, auth_headers, app):
    from tests.api.test_closures import COUNTY, way_of, window

    net = app.state.baotong.network
    made = []
    for hours in (1, 10):
        body = {
            "county_code": COUNTY,
            "reason": "演练",
            "way_ids": [way_of(net, ref="CG-2", grade="provincial")],
            "mode": "checkpoint",
            **window(hours_from_now=hours),
        }
        r = client.post("/closures", json=body, headers=auth_headers("county"))
        assert r.status_code == 201, r.text
        made.append(r.json()["id"])
    page = client.get("/closures?limit=1").json()
    assert page["count"] == 2 and page["data"][0]["id"] == made[1] and page["next"]
    assert client.get(page["next"]).json()["data"][0]["id"] == made[0]
    geo = client.get("/closures?format=geojson").json()
    assert {f["id"] for f in geo["features"]} == set(made)
    assert geo["features"][0]["geometry"]["type"] == "MultiLineString"
    root = ET.fromstring(client.get("/closures?format=kml&status=pending").content)
    marks = root.findall(f".//{KML}Placemark")
    assert len(marks) == 2
    assert marks[0].find(f".//{KML}Data[@name='status']/{KML}value").text == "待审批"
    assert marks[0].find(f".//{KML}Data[@name='decision']/{KML}value").text == "需省级审批"
    assert client.get("/closures?format=pdf").status_code == 422

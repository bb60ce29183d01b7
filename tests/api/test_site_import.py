"""POST /sites/import and /sites/import/confirm (enterprises with whitelist status and sector, hubs,
candidate stations from CSV/XLSX), and the template files (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io

import openpyxl
from sqlalchemy import func, select

from geo.importing import read_site_file
from store.models import SiteRow

ANDORRA = (1.5343, 42.5078)  # on the Vial de la Unió, Andorra la Vella


def count(app) -> int:
    with app.state.baotong.sessions() as s:
        return s.scalar(select(func.count()).select_from(SiteRow))


def upload(client, h, data: bytes, filename: str, **fields):
    return client.post("/sites/import", files={"file": (filename, data)}, data=fields, headers=h)


def test_enterprises_from_a_chinese_csv_then_confirmed(app, client, auth_headers):
    hp = auth_headers("planner")
    text = (
        "名称,经度,纬度,白名单,行业,区县代码,权重\n"
        f"甲物流,{ANDORRA[0]},{ANDORRA[1]},是,冷链,410802,2\n"
        "乙公司,10.0,10.0,否,,,\n"
        f"丙公司,{ANDORRA[0]},{ANDORRA[1]},也许,,,\n"
        f"丁公司,abc,{ANDORRA[1]},是,,,\n"
    )
    r = upload(client, hp, text.encode("gb18030"), "enterprises.csv", kind="enterprise")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["counts"] == {"accepted": 1, "repaired": 0, "rejected": 3}
    a, b, c, d = report["rows"]
    assert a["status"] == "accepted" and a["label"] == "row 2 (甲物流)"
    props = a["feature"]["properties"]
    assert (props["kind"], props["whitelist"], props["sector"], props["county_code"], props["weight"]) == (
        "enterprise",
        True,
        "冷链",
        "410802",
        2.0,
    )
    assert a["feature"]["snapped"]["distance_m"] < 50
    assert b["status"] == "rejected" and "bbox" in b["reason"]
    assert c["status"] == "rejected" and "whitelist" in c["reason"] and "也许" in c["reason"]
    assert d["status"] == "rejected" and "not numbers" in d["reason"]
    assert count(app) == 0  # the report stores nothing
    ok = [row["feature"] for row in report["rows"] if row["feature"]]
    done = client.post("/sites/import/confirm", json={"kind": "enterprise", "features": ok}, headers=hp)
    assert done.status_code == 201, done.text
    assert done.json()["count"] == 1 and count(app) == 1
    listed = client.get("/sites", params={"kind": "enterprise"}).json()["data"]
    assert [(s["properties"]["name"], s["properties"]["whitelist"]) for s in listed] == [("甲物流", True)]


def test_hubs_from_xlsx_with_wkt_premises(app, client, auth_headers):
    hp = auth_headers("planner")
    lon, lat = ANDORRA
    square = f"POLYGON (({lon} {lat}, {lon + 0.0005} {lat}, {lon + 0.0005} {lat + 0.0005}, {lon} {lat + 0.0005}, {lon} {lat}))"
    book = openpyxl.Workbook()
    book.active.append(["name", "wkt"])
    book.active.append(["Hub A", square])
    buf = io.BytesIO()
    book.save(buf)
    r = upload(client, hp, buf.getvalue(), "hubs.xlsx", kind="hub_logistics")
    assert r.status_code == 200 and r.json()["counts"]["accepted"] == 1, r.text
    (row,) = r.json()["rows"]
    assert row["feature"]["geometry"]["type"] == "Polygon" and row["feature"]["properties"]["kind"] == "hub_logistics"


def test_confirm_is_all_or_nothing_and_checks_the_kind(app, client, auth_headers):
    hp = auth_headers("planner")
    good = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(ANDORRA)},
        "properties": {"kind": "enterprise", "name": "A"},
    }
    far = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [10.0, 10.0]},
        "properties": {"kind": "enterprise", "name": "B"},
    }
    r = client.post("/sites/import/confirm", json={"kind": "enterprise", "features": [good, far]}, headers=hp)
    assert r.status_code == 422 and "features[1]" in r.text
    r = client.post("/sites/import/confirm", json={"kind": "hub_rail", "features": [good]}, headers=hp)
    assert r.status_code == 422 and "features[0]" in r.text and "hub_rail" in r.text
    assert count(app) == 0


def test_bad_site_uploads(app, client, auth_headers):
    hp = auth_headers("planner")
    data = f"name,lon,lat\nA,{ANDORRA[0]},{ANDORRA[1]}\n".encode()
    r = upload(client, hp, data, "s.csv")
    assert r.status_code == 422 and "kind" in r.text
    r = upload(client, hp, data, "s.csv", kind="demand")
    assert r.status_code == 422 and "demand" in r.text
    r = upload(client, hp, b"name,risk\nA,x\n", "s.csv", kind="enterprise")
    assert r.status_code == 422 and "longitude" in r.text
    r = upload(client, hp, b"<kml/>", "s.kml", kind="enterprise")
    assert r.status_code == 422 and "kml" in r.text
    for role in ("dispatcher", "checkpoint", "county"):
        assert upload(client, auth_headers(role), data, "s.csv", kind="enterprise").status_code == 403
    assert count(app) == 0


def test_templates_read_back_as_one_example(client, app):
    for path in ("/sites/import/template", "/zones/import/template"):
        got = client.get(f"{path}.csv")
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        assert got.content.startswith(b"\xef\xbb\xbf") and "attachment" in got.headers["content-disposition"]
        header = next(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
        assert "名称" in header and "经度" in header
        xlsx = client.get(f"{path}.xlsx")
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
        assert client.get(f"{path}.pdf").status_code == 404
    # the site template's own example row reads as one enterprise
    (row,) = read_site_file(client.get("/sites/import/template.xlsx").content, kind="enterprise", filename="t.xlsx")
    assert row.feature["properties"]["whitelist"] is True and row.feature["properties"]["name"] == "示例企业"

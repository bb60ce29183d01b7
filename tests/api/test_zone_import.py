"""POST /zones/import and /zones/import/confirm: a per-feature report that stores nothing, then one
transaction for the confirmed features (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import openpyxl
import shapely
from sqlalchemy import func, select

from geo.projection import wgs84_to_gcj02
from store.models import ZoneRow, ZoneVersionRow

RING = [[1.52, 42.50], [1.53, 42.50], [1.53, 42.51], [1.52, 42.51], [1.52, 42.50]]
BOWTIE = [[1.54, 42.50], [1.55, 42.51], [1.55, 42.50], [1.54, 42.51], [1.54, 42.50]]
FAR = [[10.0, 10.0], [10.1, 10.0], [10.1, 10.1], [10.0, 10.0]]


def stored(app) -> tuple[int, int]:
    with app.state.baotong.sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(ZoneRow)),
            s.scalar(select(func.count()).select_from(ZoneVersionRow)),
        )


def feature(ring, **props) -> dict:
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": props}


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()


def upload(client, h, data: bytes, filename: str, **fields):
    return client.post("/zones/import", files={"file": (filename, data)}, data=fields, headers=h)


def test_report_then_confirm_stores_the_accepted_in_one_go(app, client, auth_headers):
    hp = auth_headers("planner")
    data = collection(
        feature(RING, name="甲", risk="封控区"),
        feature(BOWTIE, name="乙", risk="sealed"),
        feature(FAR, name="丙", risk="sealed"),
        feature(RING, name="丁"),
    )
    r = upload(client, hp, data, "zones.geojson")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["format"] == "geojson" and report["filename"] == "zones.geojson"
    assert report["counts"] == {"accepted": 1, "repaired": 1, "rejected": 2}
    a, b, c, d = report["rows"]
    assert (a["status"], a["label"], a["feature"]["properties"]["risk"]) == ("accepted", "feature 1 (甲)", "sealed")
    assert b["status"] == "repaired" and any("self-intersect" in n or "repaired" in n for n in b["notes"])
    assert c["status"] == "rejected" and "bbox" in c["reason"] and c["feature"] is None
    assert d["status"] == "rejected" and "risk" in d["reason"]
    assert stored(app) == (0, 0)  # the report stores nothing
    ok = [row["feature"] for row in report["rows"] if row["feature"] is not None]
    done = client.post("/zones/import/confirm", json={"features": ok}, headers=hp)
    assert done.status_code == 201, done.text
    assert done.json()["count"] == 2 and [z["properties"]["name"] for z in done.json()["zones"]] == ["甲", "乙"]
    assert stored(app) == (2, 2)
    listed = client.get("/zones").json()
    assert [z["properties"]["name"] for z in listed["features"]] == ["甲", "乙"]


def test_a_bad_confirmed_feature_stores_none_and_is_named(app, client, auth_headers):
    hp = auth_headers("planner")
    r = client.post(
        "/zones/import/confirm",
        json={"features": [feature(RING, name="ok", risk="sealed"), feature(FAR, name="far", risk="sealed")]},
        headers=hp,
    )
    assert r.status_code == 422 and "features[1]" in r.text and "bbox" in r.text
    assert stored(app) == (0, 0)
    assert client.post("/zones/import/confirm", json={"features": []}, headers=hp).status_code == 422


def test_a_feature_collection_as_the_body_and_a_default_risk_in_gcj02(app, client, auth_headers):
    hp = auth_headers("planner")
    shifted = [list(wgs84_to_gcj02(lon, lat)) for lon, lat in RING]
    r = client.post(
        "/zones/import",
        content=collection(feature(shifted, name="GCJ")),
        params={"crs": "gcj02", "risk": "controlled"},
        headers={**hp, "Content-Type": "application/geo+json"},
    )
    assert r.status_code == 200, r.text
    (row,) = r.json()["rows"]
    assert row["status"] == "accepted" and row["feature"]["properties"]["risk"] == "controlled"
    got = shapely.geometry.shape(row["feature"]["geometry"])
    assert got.equals_exact(shapely.Polygon(RING), 1e-9)  # Andorra is outside China: GCJ-02 is WGS-84 there


def test_kml_csv_xlsx_and_shapefile_uploads(app, client, auth_headers, tmp_path):
    hp = auth_headers("planner")
    kml = (
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>K</name>'
        '<ExtendedData><Data name="风险等级"><value>管控区</value></Data></ExtendedData>'
        "<Polygon><outerBoundaryIs><LinearRing><coordinates>"
        + " ".join(f"{lon},{lat}" for lon, lat in RING)
        + "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>"
    )
    r = upload(client, hp, kml.encode(), "zones.kml")
    assert r.status_code == 200 and r.json()["rows"][0]["status"] == "accepted", r.text
    assert r.json()["rows"][0]["feature"]["properties"]["risk"] == "controlled"
    csv_text = "名称,风险等级,经度,纬度,半径\n圆,封控区,1.525,42.505,300\n"
    r = upload(client, hp, csv_text.encode("gb18030"), "zones.csv")
    assert r.status_code == 200 and r.json()["counts"]["accepted"] == 1, r.text
    book = openpyxl.Workbook()
    book.active.append(["name", "risk", "wkt"])
    book.active.append(["X", "sealed", shapely.Polygon(RING).wkt])
    buf = io.BytesIO()
    book.save(buf)
    r = upload(client, hp, buf.getvalue(), "zones.xlsx")
    assert r.status_code == 200 and r.json()["counts"]["accepted"] == 1, r.text
    frame = gpd.GeoDataFrame({"name": ["S"], "risk": ["sealed"]}, geometry=[shapely.Polygon(RING)], crs=4326)
    frame.to_crs(32631).to_file(tmp_path / "z.shp", engine="pyogrio")
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as zf:
        for p in tmp_path.iterdir():
            zf.write(p, p.name)
    r = upload(client, hp, zbuf.getvalue(), "zones.zip")
    assert r.status_code == 200, r.text
    (row,) = r.json()["rows"]
    assert row["status"] == "accepted" and any("reprojected" in n for n in row["notes"])
    assert stored(app) == (0, 0)


def test_bad_uploads_are_4xx_and_store_nothing(app, client, auth_headers):
    hp = auth_headers("planner")
    assert upload(client, hp, b"{nope", "z.geojson").status_code == 422
    assert upload(client, hp, b"\x00\x01", "z.bin").status_code == 422
    r = upload(client, hp, collection(feature(RING, risk="sealed")), "z.geojson", crs="mercator")
    assert r.status_code == 422 and "mercator" in r.text
    r = upload(client, hp, collection(feature(RING)), "z.geojson", risk="extreme")
    assert r.status_code == 422 and "extreme" in r.text
    r = client.post("/zones/import", data={"crs": "wgs84"}, headers=hp)
    assert r.status_code in (415, 422)
    r = client.post("/zones/import", content=b"name,risk", headers={**hp, "Content-Type": "text/csv"})
    assert r.status_code == 415 and "text/csv" in r.text
    assert stored(app) == (0, 0)


def test_import_is_for_the_planner(client, auth_headers):
    data = collection(feature(RING, risk="sealed"))
    assert upload(client, {}, data, "z.geojson").status_code == 401
    for role in ("dispatcher", "checkpoint", "county"):
        assert upload(client, auth_headers(role), data, "z.geojson").status_code == 403, role
        r = client.post("/zones/import/confirm", json={"features": []}, headers=auth_headers(role))
        assert r.status_code == 403, role


def test_the_report_reads_in_chinese_when_asked(client, auth_headers):
    hp = auth_headers("planner")
    data = collection(
        feature(RING, name="甲", risk="封控区"),
        feature(BOWTIE, name="乙", risk="sealed"),
        feature(FAR, name="丙", risk="sealed"),
        {"type": "Polygon", "coordinates": [RING]},
    )
    en = upload(client, hp, data, "zones.geojson").json()["rows"]
    zh = client.post(
        "/zones/import", files={"file": ("zones.geojson", data)}, headers={**hp, "Accept-Language": "zh-CN"}
    ).json()["rows"]
    assert en[0]["notes"] == ["risk '封控区' read as 'sealed'"] and zh[0]["notes"] == [
        "风险等级 '封控区' 读作 'sealed'"
    ]
    assert any(n.startswith("repaired an invalid polygon") for n in en[1]["notes"])
    assert any(n.startswith("已修复一个无效多边形") for n in zh[1]["notes"])
    assert "outside the network bbox" in en[2]["reason"] and "超出路网范围" in zh[2]["reason"]
    assert en[3]["reason"] == "feature 4 is a 'Polygon', not a Feature"
    assert zh[3]["reason"] == "第 4 个要素是 'Polygon'，不是 Feature"
    assert [r["status"] for r in en] == [r["status"] for r in zh]


def test_broken_files_of_each_kind_are_refused_and_store_nothing(app, client, auth_headers):
    hp = auth_headers("planner")
    # an empty file, a table without geometry columns
    empty = upload(client, hp, b"", "zones.geojson")
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    columns = upload(client, hp, "名称,风险等级\n甲,封控区\n".encode(), "zones.csv")
    assert columns.status_code == 422 and "WKT" in columns.json()["detail"]
    # projected metres (EPSG:3857) given as WGS-84: every feature rejected, naming where it lies
    metres = [[169_000.0, 5_242_000.0], [170_000.0, 5_242_000.0], [170_000.0, 5_243_000.0], [169_000.0, 5_242_000.0]]
    wrong = upload(client, hp, collection(feature(metres, name="米", risk="sealed")), "zones.geojson")
    row = wrong.json()["rows"][0]
    assert row["status"] == "rejected" and "169000.0" in row["reason"] and "lon in [-180, 180]" in row["reason"]
    # a self-intersecting ring is repaired and says so
    bowtie = upload(client, hp, collection(feature(BOWTIE, name="蝴蝶", risk="sealed")), "zones.geojson").json()
    assert bowtie["rows"][0]["status"] == "repaired" and bowtie["rows"][0]["notes"]
    # a 50 MB upload is refused before it is read
    big = client.post("/zones/import", files={"file": ("big.geojson", b" " * 50_000_000)}, headers=hp)
    assert big.status_code == 413 and "limit" in big.json()["detail"]
    assert stored(app) == (0, 0)

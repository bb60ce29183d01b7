"""Reading zone files: GeoJSON, KML, zipped Shapefiles, CSV and XLSX into Features to check."""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import openpyxl
import pytest
import shapely
from shapely.geometry import shape

from geo.errors import InvalidInputError
from geo.importing import MAX_FEATURES, detect_format, normalise_properties, read_zone_file

RING = [[1.52, 42.50], [1.53, 42.50], [1.53, 42.51], [1.52, 42.51], [1.52, 42.50]]
SQUARE = shapely.Polygon(RING)


def fc(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def feat(props=None, geometry=None) -> dict:
    return {
        "type": "Feature",
        "geometry": geometry or {"type": "Polygon", "coordinates": [RING]},
        "properties": props or {},
    }


def test_geojson_collection_feature_and_bare_polygon():
    got = read_zone_file(fc(feat({"name": "A", "risk": "封控区"}), {"type": "Point"}), filename="z.geojson")
    assert [g.index for g in got] == [0, 1]
    assert got[0].feature["properties"] == {"name": "A", "risk": "sealed"}
    assert got[0].label == "feature 1 (A)" and "risk '封控区' read as 'sealed'" in got[0].notes
    assert got[1].feature is None and "not a Feature" in got[1].error
    (one,) = read_zone_file(json.dumps(feat({"risk": "controlled"})).encode(), filename="a.json")
    assert one.feature["properties"]["risk"] == "controlled"
    (bare,) = read_zone_file(json.dumps({"type": "Polygon", "coordinates": [RING]}).encode())
    assert shape(bare.feature["geometry"]).equals(SQUARE)


def test_properties_chinese_and_english_names():
    props, notes = normalise_properties(
        {
            "名称": " 东区 ",
            "风险等级": "管控区",
            "开始时间": "2026-12-01T08:00:00+08:00",
            "区县代码": 410802.0,
            "备注": "x",
            "空": "",
        }
    )
    assert props == {
        "name": "东区",
        "risk": "controlled",
        "valid_from": "2026-12-01T08:00:00+08:00",
        "county_code": "410802",
        "备注": "x",
    }
    assert notes == ["risk '管控区' read as 'controlled'"]


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder>
<Placemark><name>北区</name>
  <ExtendedData><Data name="risk"><value>sealed</value></Data><Data name="county_code"><value>410802</value></Data></ExtendedData>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>
    1.52,42.50,0 1.53,42.50,0 1.53,42.51,0 1.52,42.51,0 1.52,42.50,0
  </coordinates></LinearRing></outerBoundaryIs>
  <innerBoundaryIs><LinearRing><coordinates>1.524,42.504 1.526,42.504 1.526,42.506 1.524,42.504</coordinates></LinearRing></innerBoundaryIs>
  </Polygon></Placemark>
<Placemark><name>两块</name><MultiGeometry>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>1.52,42.50 1.53,42.50 1.53,42.51 1.52,42.50</coordinates></LinearRing></outerBoundaryIs></Polygon>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>1.54,42.50 1.55,42.50 1.55,42.51 1.54,42.50</coordinates></LinearRing></outerBoundaryIs></Polygon>
</MultiGeometry></Placemark>
<Placemark><name>点</name><Point><coordinates>1.5,42.5</coordinates></Point></Placemark>
</Folder></Document></kml>"""


def test_kml_polygons_holes_multigeometry_and_points():
    a, b, c = read_zone_file(KML.encode(), filename="zones.kml")
    assert a.feature["properties"] == {"name": "北区", "risk": "sealed", "county_code": "410802"}
    poly = shape(a.feature["geometry"])
    assert len(poly.interiors) == 1 and poly.exterior.coords[0] == (1.52, 42.5)
    assert b.feature["geometry"]["type"] == "MultiPolygon" and len(b.feature["geometry"]["coordinates"]) == 2
    assert c.feature is None and "no Polygon" in c.error and "Point" in c.error and c.label == "placemark 3 (点)"


def test_kml_entities_are_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><kml>&b;</kml>'
    with pytest.raises(InvalidInputError, match="entities"):
        read_zone_file(bomb, filename="bomb.kml")


def shapefile_zip(tmp_path, frame: gpd.GeoDataFrame, *, with_prj: bool = True) -> bytes:
    frame.to_file(tmp_path / "zones.shp", engine="pyogrio")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted(tmp_path.iterdir()):
            if p.suffix == ".prj" and not with_prj:
                continue
            zf.write(p, f"export/{p.name}")
    return buf.getvalue()


def test_zipped_shapefile_is_reprojected_to_wgs84(tmp_path):
    frame = gpd.GeoDataFrame({"名称": ["西区"], "风险": ["防范区"]}, geometry=[SQUARE], crs=4326).to_crs(3857)
    data = shapefile_zip(tmp_path, frame)
    assert detect_format("upload.bin", data) == "shapefile"
    (got,) = read_zone_file(data, filename="zones.zip")
    assert got.feature["properties"] == {"name": "西区", "risk": "precaution"}
    assert isinstance(got.feature["geometry"]["coordinates"][0], list)  # lists, as a JSON body has them
    assert shapely.normalize(shape(got.feature["geometry"])).equals_exact(shapely.normalize(SQUARE), 1e-7)
    assert any("reprojected" in n and "WGS-84" in n for n in got.notes)


def test_zip_without_one_shp_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "no shapefile here")
    with pytest.raises(InvalidInputError, match="0 .shp files"):
        read_zone_file(buf.getvalue(), filename="zones.zip")


def test_csv_wkt_and_circles_in_gb18030():
    text = (
        "名称,风险等级,wkt,经度,纬度,半径\n"
        f'甲,封控区,"{SQUARE.wkt}",,,\n'
        "乙,管控区,,1.55,42.52,500\n"
        "丙,封控区,,1.55,42.52,\n"
        "丁,封控区,POLYGON ((1 2,,,\n"
    )
    a, b, c, d = read_zone_file(text.encode("gb18030"), filename="zones.csv")
    assert a.feature["properties"] == {"name": "甲", "risk": "sealed"} and shape(a.feature["geometry"]).equals(SQUARE)
    circle = shape(b.feature["geometry"])
    assert len(circle.exterior.coords) == 65 and b.notes[0].startswith("a circle of 500 m")
    assert circle.centroid.distance(shapely.Point(1.55, 42.52)) < 1e-5
    assert c.feature is None and "row 4" in c.error and "radius" in c.error and c.label == "row 4 (丙)"
    assert d.feature is None and "WKT" in d.error


def test_csv_without_geometry_columns_is_refused():
    with pytest.raises(InvalidInputError, match="WKT column"):
        read_zone_file(b"name,risk\nA,sealed\n", filename="z.csv")


def test_xlsx_rows():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "risk", "WKT", "valid_until"])
    sheet.append(["A", "sealed", SQUARE.wkt, "2027-01-01T00:00:00Z"])
    sheet.append([None, None, None, None])
    sheet.append(["B", "controlled", "POINT (1 2)", None])
    buf = io.BytesIO()
    book.save(buf)
    data = buf.getvalue()
    assert detect_format(None, data) == "xlsx"
    a, b = read_zone_file(data, filename="zones.xlsx")
    assert a.feature["properties"] == {"name": "A", "risk": "sealed", "valid_until": "2027-01-01T00:00:00Z"}
    assert b.feature["geometry"]["type"] == "Point" and b.label == "row 4 (B)"


@pytest.mark.parametrize(
    ("data", "filename", "needle"),
    [
        (b"", "z.geojson", "empty"),
        (b"\x00\x01binary", "z.bin", "not a known format"),
        (b"{not json", "z.geojson", "not JSON"),
        (json.dumps({"type": "Point", "coordinates": [1, 2]}).encode(), "z.geojson", "expected a FeatureCollection"),
        (fc(), "z.geojson", "holds no feature"),
        (b"<kml><Placemark>", "z.kml", "well-formed"),
        (b"PK\x03\x04garbage", "z.zip", "not a zip"),
    ],
)
def test_unreadable_files_name_why(data, filename, needle):
    with pytest.raises(InvalidInputError, match=needle):
        read_zone_file(data, filename=filename)


def test_too_many_features_is_refused():
    with pytest.raises(InvalidInputError, match="limit"):
        read_zone_file(fc(*[feat({"risk": "sealed"})] * (MAX_FEATURES + 1)), filename="z.geojson")


def test_the_zone_template_reads_as_its_example():
    from geo.importing import template

    for fmt in ("csv", "xlsx"):
        (row,) = read_zone_file(template("zones", fmt), filename=f"t.{fmt}")
        assert row.feature["properties"]["risk"] == "sealed" and row.feature["properties"]["name"] == "示例封控区"
        assert row.feature["geometry"]["type"] == "Polygon" and row.notes[0].startswith("a circle of 500 m")

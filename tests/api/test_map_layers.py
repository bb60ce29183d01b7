"""GET /map/layers/{layer}: the city map's layers by viewport (roles per layer, bbox, simplification, the cap,
bad input, ETag and 304, the page language), and the /map page that no longer carries the features."""

from __future__ import annotations

import math

import pytest
import shapely.geometry

from services import layers, users

WORLD = "bbox=-180,-90,180,90&zoom=3"
PUBLIC = ("zones-sealed", "zones-controlled", "zones-precaution", "closures")
#: bureau layers every city map has, even on an empty database
BUREAU_ONLY = (
    "sites-hub_rail",
    "sites-enterprise",
    "docking-points",
    "drop-points",
    "closure-impact",
    "green-channels",
    "scans",
)


def square(lon: float, lat: float, *, size: float = 0.002, risk: str = "controlled", name: str = "区") -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"risk": risk, "name": name},
    }


def circle(lon: float, lat: float, *, radius_deg: float, vertices: int, risk: str = "sealed") -> dict:
    ring = [
        [
            lon + radius_deg * math.cos(2 * math.pi * k / vertices),
            lat + radius_deg * math.sin(2 * math.pi * k / vertices),
        ]
        for k in range(vertices)
    ]
    ring.append(ring[0])
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"risk": risk, "name": "圆"},
    }


def post_zone(client, auth_headers, feature: dict) -> str:
    r = client.post("/zones", json=feature, headers=auth_headers("planner"))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def ids(r) -> set[str]:
    assert r.status_code == 200, r.text
    return {f["id"] for f in r.json()["features"]}


def test_each_layer_needs_the_role_its_inline_layer_needed(client, tokens):
    for layer in PUBLIC:
        assert client.get(f"/map/layers/{layer}?{WORLD}").status_code == 200, layer
    for layer in BUREAU_ONLY:
        r = client.get(f"/map/layers/{layer}?{WORLD}")
        assert r.status_code == 401 and layer in r.json()["detail"], (layer, r.text)
        for role in users.ROLES:
            r = client.get(f"/map/layers/{layer}?{WORLD}", headers={"Authorization": f"Bearer {tokens[role]}"})
            allowed = role in users.BUREAU_ROLES or role == "admin"
            assert r.status_code == (200 if allowed else 403), (layer, role, r.status_code, r.text[:200])


def test_the_page_names_only_the_layers_its_reader_may_load(client, auth_headers):
    anonymous, planner = client.get("/map").text, client.get("/map", headers=auth_headers("planner")).text
    assert "map-layers.js" in anonymous and '"zones-sealed"' in anonymous and '"closures"' in anonymous
    for layer in BUREAU_ONLY:
        assert f'"{layer}"' not in anonymous and f'"{layer}"' in planner, layer


def test_a_layer_answers_only_the_features_in_its_bbox(client, auth_headers):
    west = post_zone(client, auth_headers, square(1.45, 42.45))
    east = post_zone(client, auth_headers, square(1.70, 42.60))
    assert ids(client.get("/map/layers/zones-controlled?bbox=1.44,42.44,1.46,42.46&zoom=15")) == {west}
    assert ids(client.get("/map/layers/zones-controlled?bbox=1.69,42.59,1.71,42.61&zoom=15")) == {east}
    assert ids(client.get("/map/layers/zones-controlled?bbox=1.4,42.4,1.8,42.7&zoom=11")) == {west, east}
    assert ids(client.get("/map/layers/zones-controlled?bbox=1.0,41.0,1.1,41.1&zoom=11")) == set()
    assert ids(client.get("/map/layers/zones-sealed?bbox=1.4,42.4,1.8,42.7&zoom=11")) == set()


def test_geometry_is_simplified_for_the_zoom_and_stays_valid(client, auth_headers):
    zone = post_zone(client, auth_headers, circle(1.55, 42.52, radius_deg=0.01, vertices=720))
    counts = {}
    for zoom in (8, 12, 16, 22):
        r = client.get(f"/map/layers/zones-sealed?bbox=1.5,42.5,1.6,42.6&zoom={zoom}")
        (feature,) = r.json()["features"]
        assert feature["id"] == zone
        shape = shapely.geometry.shape(feature["geometry"])
        assert shape.is_valid and not shape.is_empty and shape.geom_type == "Polygon"
        counts[zoom] = len(feature["geometry"]["coordinates"][0])
    assert counts[8] < counts[12] < counts[16] <= counts[22] == 721, counts


def test_simplification_keeps_random_polygons_valid():
    """Seeded random unions of discs (holes and narrow necks included) stay valid at every zoom."""
    import random

    from geo.zones import Zone

    rng = random.Random(20261202)
    for n in range(25):
        discs = [
            shapely.Point(1.5 + rng.random() * 0.02, 42.5 + rng.random() * 0.02).buffer(
                0.001 + rng.random() * 0.004, 32
            )
            for _ in range(rng.randint(2, 8))
        ]
        shape = shapely.union_all(discs)
        polygon = shape if shape.geom_type == "Polygon" else max(shape.geoms, key=lambda g: g.area)
        content = layers.MapContent(bbox=(1.4, 42.4, 1.6, 42.6), zones=[Zone(f"z{n}", "z", "sealed", polygon)])
        for zoom in range(0, 23, 2):
            part = layers.city_layer(content, "zones-sealed", bbox=(1.4, 42.4, 1.6, 42.6), zoom=zoom)
            (zone,) = part.content.zones
            assert zone.geometry.is_valid and not zone.geometry.is_empty, (n, zoom)


def test_a_layer_is_capped_and_says_to_zoom_in(client, auth_headers, monkeypatch):
    for k in range(3):
        post_zone(client, auth_headers, square(1.45 + 0.01 * k, 42.45))
    monkeypatch.setattr(layers, "MAX_LAYER_FEATURES", 2)
    r = client.get("/map/layers/zones-controlled?bbox=1.4,42.4,1.8,42.7&zoom=11&lang=zh")
    body = r.json()
    assert len(body["features"]) == 2 and body["truncated"] is True and body["total"] == 3
    assert "放大" in body["notice"]
    en = client.get("/map/layers/zones-controlled?bbox=1.4,42.4,1.8,42.7&zoom=11&lang=en").json()
    assert "zoom in" in en["notice"]
    fits = client.get("/map/layers/zones-controlled?bbox=1.44,42.44,1.465,42.46&zoom=14").json()
    assert len(fits["features"]) == 2 and fits["truncated"] is False and "notice" not in fits


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("bbox=1,2,3&zoom=5", "1,2,3"),
        ("bbox=a,b,c,d&zoom=5", "a,b,c,d"),
        ("bbox=3,0,1,1&zoom=5", "3,0,1,1"),
        ("bbox=0,0,1,95&zoom=5", "0,0,1,95"),
        ("bbox=nan,0,1,1&zoom=5", "nan,0,1,1"),
        ("bbox=0,0,1,1&zoom=23", "23"),
        ("bbox=0,0,1,1&zoom=-1", "-1"),
        ("bbox=0,0,1,1&zoom=x", "x"),
    ],
)
def test_a_bad_viewport_is_a_422_naming_the_value(client, query, named):
    r = client.get(f"/map/layers/zones-sealed?{query}")
    assert r.status_code == 422 and repr(named) in r.json()["detail"], r.text


def test_an_unknown_layer_is_a_422_naming_it(client, auth_headers):
    r = client.get(f"/map/layers/no-such-layer?{WORLD}", headers=auth_headers("planner"))
    assert r.status_code == 422 and "no-such-layer" in r.json()["detail"] and "zones-sealed" in r.text
    assert client.get(f"/map/layers/no-such-layer?{WORLD}").status_code == 401  # unknown is not public


def test_answers_carry_an_etag_and_304_when_unchanged(client, auth_headers):
    post_zone(client, auth_headers, square(1.45, 42.45))
    url = "/map/layers/zones-controlled?bbox=1.4,42.4,1.8,42.7&zoom=11"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url).headers["ETag"] == etag
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(url.replace("zoom=11", "zoom=12")).headers["ETag"] != etag
    assert client.get(url.replace("1.8", "1.9")).headers["ETag"] != etag
    assert client.get(url + "&lang=en").headers["ETag"] != etag
    post_zone(client, auth_headers, square(1.46, 42.46))
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag and len(changed.json()["features"]) == 2


def test_popups_are_in_the_page_language_as_text(client, auth_headers):
    hostile = '<img src=x onerror="alert(1)">'
    post_zone(client, auth_headers, square(1.45, 42.45, name=hostile))
    url = "/map/layers/zones-controlled?bbox=1.4,42.4,1.8,42.7&zoom=11"
    zh = client.get(url + "&lang=zh").json()["features"][0]["properties"]
    en = client.get(url + "&lang=en").json()["features"][0]["properties"]
    assert zh["risk_label"] == "管控区（中风险）" and en["risk_label"] == "controlled (medium risk)"
    assert dict(zh["popup"]["rows"])["名称"] == hostile and dict(en["popup"]["rows"])["name"] == hostile
    assert [row[0] for row in zh["popup"]["rows"]][:3] == ["名称", "风险", "有效期"]
    # without ?lang= the page language (the cookie or Accept-Language) decides
    assert client.get(url, headers={"Accept-Language": "en"}).json()["features"][0]["properties"]["validity"] == (
        "always (no validity window)"
    )


def test_closures_by_viewport_keep_their_public_facts_only(client, auth_headers):
    # the bureau's closure layer counts the enterprises cut off; the public one does not carry the field
    anonymous = client.get(f"/map/layers/closures?{WORLD}").json()
    planner = client.get(f"/map/layers/closures?{WORLD}", headers=auth_headers("planner")).json()
    assert anonymous["layer"] == planner["layer"] == "closures"
    assert all("cut_enterprises" not in f["properties"] for f in anonymous["features"])


def test_the_page_stays_small_as_zones_grow(client, auth_headers):
    for k in range(3):
        post_zone(client, auth_headers, square(1.45 + 0.003 * k, 42.45))
    few = len(client.get("/map").content)
    for k in range(297):
        post_zone(client, auth_headers, square(1.45 + 0.003 * (k % 60), 42.46 + 0.003 * (k // 60)))
    many = client.get("/map")
    assert len(ids(client.get("/map/layers/zones-controlled?bbox=1.4,42.4,1.8,42.7&zoom=11"))) == 300
    assert abs(len(many.content) - few) < 3_000, (few, len(many.content))


def test_an_answer_is_computed_once_per_etag(client, auth_headers, monkeypatch):
    import api.pages

    calls: list[str] = []
    real = api.pages.layer_geojson

    def counted(part, ctx, **options):
        calls.append(part.key)
        return real(part, ctx, **options)

    monkeypatch.setattr(api.pages, "layer_geojson", counted)
    post_zone(client, auth_headers, square(1.45, 42.45))
    url = "/map/layers/zones-controlled?bbox=1.4,42.4,1.8,42.7&zoom=11"
    first, second = client.get(url), client.get(url)
    assert first.content == second.content and len(calls) == 1
    assert client.get(url, headers=auth_headers("planner")).status_code == 200 and len(calls) == 2  # the bureau's
    client.get(url.replace("zoom=11", "zoom=12"))
    assert len(calls) == 3
    post_zone(client, auth_headers, square(1.46, 42.46))
    assert len(client.get(url).json()["features"]) == 2 and len(calls) == 4

"""The basemap's vector tiles through the API: gzip MVT, cache headers, 204 for an empty tile, 404 outside."""

from __future__ import annotations

import gzip
import math

import mapbox_vector_tile


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_a_tile_of_the_extract_is_gzip_mvt_with_named_roads(client, app):
    x, y = tile_of(1.5218, 42.5063, 14)  # Andorra la Vella
    r = client.get(f"/tiles/14/{x}/{y}.mvt")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert r.headers["content-encoding"] == "gzip" and "max-age" in r.headers["cache-control"]
    stored = app.state.baotong.basemap.tile(14, x, y)
    assert gzip.decompress(stored) == r.content  # httpx undid the gzip the app sent as stored
    layers = mapbox_vector_tile.decode(r.content)
    assert "roads" in layers and any(f["properties"].get("name") for f in layers["roads"]["features"])


def test_empty_and_impossible_tiles(client):
    x, y = tile_of(100.0, 30.0, 10)  # far from Andorra: nothing there
    empty = client.get(f"/tiles/10/{x}/{y}.mvt")
    assert empty.status_code == 204 and not empty.content
    assert client.get("/tiles/3/9/1.mvt").status_code == 404
    assert client.get("/tiles/30/1/1.mvt").status_code == 422


def test_no_basemap_is_a_clear_404(tmp_path, andorra_router):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from tests._app import make_settings

    app = create_app(make_settings(tmp_path, basemap=False), road_router=andorra_router)
    with TestClient(app) as c:
        r = c.get("/tiles/14/8260/6011.mvt")
        assert r.status_code == 404 and "BAOTONG_BASEMAP" in r.json()["detail"]
        assert "BaotongBasemap.add" not in c.get("/map").text  # no vector basemap drawn without tiles


def test_every_map_view_draws_the_basemap_and_a_tile_server_replaces_it(client, tmp_path, andorra_router):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from tests._app import make_settings

    assert "BaotongBasemap.add" in client.get("/map").text
    app = create_app(
        make_settings(tmp_path, tiles_url="http://127.0.0.1:9/{z}/{x}/{y}.png"), road_router=andorra_router
    )
    with TestClient(app) as c:
        html = c.get("/map").text
        assert "BaotongBasemap.add" not in html and "127.0.0.1:9/{z}/{x}/{y}.png" in html

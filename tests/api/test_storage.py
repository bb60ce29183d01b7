"""Storage: round trips, and nothing is lost across a restart on the same database."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests._app import make_settings, tokens_for

ZONE = {
    "type": "Feature",
    "properties": {"risk": "controlled", "name": "Canillo", "valid_until": "2030-01-01T00:00:00Z"},
    "geometry": {"type": "Polygon", "coordinates": [[[1.59, 42.56], [1.60, 42.56], [1.60, 42.57], [1.59, 42.56]]]},
}
SITE = {
    "type": "Feature",
    "properties": {"kind": "hub_logistics", "name": "Park", "weight": 3.5},
    "geometry": {"type": "Point", "coordinates": [1.5218, 42.5063]},
}


def test_restart_keeps_every_write(tmp_path, database_url):
    settings = make_settings(tmp_path, database_url=database_url)
    app = create_app(settings)
    tokens = tokens_for(app)
    h = {"Authorization": f"Bearer {tokens['planner']}"}
    d = {"Authorization": f"Bearer {tokens['dispatcher']}"}
    with TestClient(app) as c:
        zone = c.post("/zones", json=ZONE, headers=h).json()
        site = c.post("/sites", json=SITE, headers=h).json()
        route = c.post(
            "/routes", json={"origin": [1.5218, 42.5063], "destination": [1.5968, 42.5430]}, headers=d
        ).json()
    app.state.baotong.db_engine.dispose()

    again = create_app(make_settings(tmp_path, database_url=database_url))
    with TestClient(again) as c:
        z = c.get(f"/zones/{zone['id']}").json()
        assert z == zone
        s = c.get(f"/sites/{site['id']}").json()
        assert s["properties"] == site["properties"] and s["geometry"] == site["geometry"]
        r = c.get(f"/routes/{route['id']}", headers=h).json()
        assert r["length_m"] == route["length_m"] and r["geometry"] == route["geometry"]
        # the old tokens still work after the restart
        assert c.post("/zones", json=ZONE, headers=h).status_code == 201
    again.state.baotong.db_engine.dispose()


def test_sqlite_uses_wal(app):
    if app.state.baotong.db_engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with app.state.baotong.db_engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"

"""``baotong route`` and ``POST /routes`` give the same answer: zones, approved closures and planned
docking points apply to both (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import shapely
from shapely.geometry import mapping

from cli.main import main
from store.routes import get_route
from tests._data import NETWORK_CACHE, shared_file

ORIGIN = [1.5343, 42.5078]  # Andorra la Vella
DESTINATION = [1.5970, 42.5670]  # Canillo, up the CG-2 valley
#: a stretch of the CG-2 between the two with a slower way round: closing it strands no road node (one bore of
#: the one-way Túnel de Radio Andorra, way 124674261, strands six nodes beyond it and may not be approved)
TUNNEL = 6166185
PRINTED = (
    "origin",
    "destination",
    "length_m",
    "travel_time_s",
    "choice",
    "zones_crossed",
    "transshipment",
    "warnings",
    "explanation",
)


def sealed_disc(net, lon: float, lat: float, radius_m: float) -> dict:
    x, y = net.projection.forward(lon, lat)
    poly = net.projection.inverse_geom(shapely.Point(x, y).buffer(radius_m, quad_segs=16))
    return {"type": "Feature", "geometry": mapping(poly), "properties": {"risk": "sealed", "name": "Canillo"}}


def test_cli_route_equals_post_routes_with_closures_and_docking_points(
    app, client, auth_headers, settings, monkeypatch, capsys
):
    ctx = app.state.baotong
    net = ctx.network
    zone = client.post("/zones", json=sealed_disc(net, *DESTINATION, 300), headers=auth_headers("planner")).json()
    docks = client.post(f"/zones/{zone['id']}/docking-points", json={"k": 2}, headers=auth_headers("planner"))
    assert docks.status_code == 201, docks.text
    starts = datetime.now(UTC) + timedelta(minutes=2)
    closure = client.post(
        "/closures",
        headers=auth_headers("county"),
        json={
            "county_code": "410821",
            "reason": "tunnel works",
            "way_ids": [TUNNEL],
            "mode": "hard_barrier",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=4)).isoformat(),
        },
    ).json()
    approved = client.post(f"/closures/{closure['id']}/approve", headers=auth_headers("province_approver"))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    departure = (starts + timedelta(minutes=5)).isoformat()

    r = client.post(
        "/routes",
        json={"origin": ORIGIN, "destination": DESTINATION, "departure": departure},
        headers=auth_headers("dispatcher"),
    )
    assert r.status_code == 201, r.text
    api = r.json()
    with ctx.sessions() as s:
        driven = set(get_route(s, api["id"]).arcs.tolist())
    assert not driven & set(net.arcs_of_way(TUNNEL).tolist())  # the closure in force applies
    # the planned docking points (both on the far side of the zone, up the valley) were read and set aside:
    # the truck would have to drive through the zone to reach them
    assert api["transshipment"]["destination"]["planned"] is False
    assert any("none of the 2 planned docking points" in w for w in api["warnings"])
    assert zone["id"] not in {c["zone_id"] for c in api["zones_crossed"]}  # the truck stays out of the zone

    monkeypatch.setenv("BAOTONG_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BAOTONG_CACHE_DIR", str(NETWORK_CACHE))
    monkeypatch.setenv("BAOTONG_DATABASE_URL", settings.database_url)
    capsys.readouterr()
    assert (
        main(
            [
                "route",
                "--network",
                str(shared_file("andorra.osm.pbf")),
                "--from",
                ",".join(map(str, ORIGIN)),
                "--to",
                ",".join(map(str, DESTINATION)),
                "--departure",
                departure,
            ]
        )
        == 0
    )
    cli = json.loads(capsys.readouterr().out)
    assert {k: cli[k] for k in PRINTED} == {k: api[k] for k in PRINTED}
    assert cli["legs"] == [{k: leg[k] for k in ("kind", "length_m", "travel_time_s")} for leg in api["legs"]]


def test_cli_route_prints_the_lines_as_post_routes_writes_them(
    app, client, auth_headers, settings, monkeypatch, capsys
):
    """``--geometry simplified|polyline`` prints the route's and its legs' lines as ``?geometry=`` answers them."""
    monkeypatch.setenv("BAOTONG_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BAOTONG_CACHE_DIR", str(NETWORK_CACHE))
    monkeypatch.setenv("BAOTONG_DATABASE_URL", settings.database_url)
    stops = ["--from", ",".join(map(str, ORIGIN)), "--to", ",".join(map(str, DESTINATION))]
    network = ["--network", str(shared_file("andorra.osm.pbf"))]
    capsys.readouterr()
    assert main(["route", *network, *stops]) == 0
    assert "geometry" not in json.loads(capsys.readouterr().out)  # without --geometry: as before
    for mode, query, kind in (("simplified", "tolerance_m=20", "LineString"), ("polyline", "", "EncodedPolyline")):
        api = client.post(
            f"/routes?geometry={mode}&{query}",
            json={"origin": ORIGIN, "destination": DESTINATION},
            headers=auth_headers("dispatcher"),
        ).json()
        assert main(["route", *network, *stops, "--geometry", mode, "--tolerance-m", "20"]) == 0
        cli = json.loads(capsys.readouterr().out)
        assert cli["geometry"] == api["geometry"] and cli["geometry"]["type"] == kind
        assert [leg["geometry"] for leg in cli["legs"]] == [leg["geometry"] for leg in api["legs"]]
    assert main(["route", *network, *stops, "--geometry", "simplified", "--tolerance-m", "0.1"]) != 0
    assert "`tolerance_m` was 0.1" in capsys.readouterr().err

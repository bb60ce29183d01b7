"""What maps show: the service layer turns its records into the typed views maps.views draws."""

from __future__ import annotations

from services.layers import route_view
from services.routes import record_of_plan


def test_a_route_plan_becomes_a_route_view(andorra_router):
    plan = andorra_router.route([1.5218, 42.5063], [1.5968, 42.5430])
    view = route_view(record_of_plan(plan, route_id="plan-1"))
    assert view.id == "plan-1" and view.zones_crossed == ()
    assert [leg.kind for leg in view.legs] == [leg.kind for leg in plan.legs]
    assert view.legs[0].coordinates[0] == tuple(plan.legs[0].coordinates[0])
    assert view.length_m == plan.length_m and view.travel_time_s == plan.travel_time_s


def test_a_stored_route_keeps_its_crossings(app, client, auth_headers):
    from store.routes import get_route

    trip = {"origin": [1.5343, 42.5078], "destination": [1.5970, 42.5670]}
    first = client.post("/routes", json=trip, headers=auth_headers("dispatcher")).json()
    coords = first["geometry"]["coordinates"]
    lon, lat = coords[len(coords) // 2]
    ring = [
        [lon - 0.002, lat - 0.002],
        [lon + 0.002, lat - 0.002],
        [lon + 0.002, lat + 0.002],
        [lon - 0.002, lat + 0.002],
        [lon - 0.002, lat - 0.002],
    ]
    zone = client.post(
        "/zones",
        json={
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"risk": "precaution", "name": "Encamp"},
        },
        headers=auth_headers("planner"),
    ).json()
    r = client.post("/routes", json=trip, headers=auth_headers("dispatcher")).json()
    with app.state.baotong.sessions() as s:
        view = route_view(get_route(s, r["id"]))
    (crossed,) = [c for c in view.zones_crossed if c.zone_id == zone["id"]]
    answered = next(c for c in r["zones_crossed"] if c["zone_id"] == zone["id"])
    assert crossed.risk == "precaution" and crossed.entry == tuple(answered["entry"])
    assert crossed.time_inside_s == answered["time_inside_s"] and view.id == r["id"]
    assert [leg.kind for leg in view.legs] == [leg["kind"] for leg in r["legs"]]

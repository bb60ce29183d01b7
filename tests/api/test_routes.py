"""POST /routes: closed-loop routing through the zones in the database; bad input stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import shapely
from shapely.geometry import mapping
from sqlalchemy import func, select

from store.models import RouteRow, ZoneRow

# Andorra la Vella (Vial de la Unió) to Canillo: up the CG-2 valley road
ORIGIN = [1.5343, 42.5078]
DESTINATION = [1.5970, 42.5670]


def count(app, model) -> int:
    with app.state.baotong.sessions() as s:
        return s.scalar(
            select(func.count())
            .select_from(model)
            .where(*([model.deleted_at.is_(None)] if hasattr(model, "deleted_at") else []))
        )


def disc_feature(app, lon, lat, radius_m, **props) -> dict:
    props.setdefault("risk", "sealed")
    net = app.state.baotong.network
    x, y = net.projection.forward(lon, lat)
    poly = net.projection.inverse_geom(shapely.Point(x, y).buffer(radius_m, quad_segs=16))
    return {"type": "Feature", "geometry": mapping(poly), "properties": props}


def plain(client, h, **extra):
    r = client.post("/routes", json={"origin": ORIGIN, "destination": DESTINATION, **extra}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def middle_of(route) -> list[float]:
    coords = route["geometry"]["coordinates"]
    return coords[len(coords) // 2]


def test_roles(client, auth_headers):
    body = {"origin": ORIGIN, "destination": DESTINATION}
    assert client.post("/routes", json=body).status_code == 401
    assert client.post("/routes", json=body, headers=auth_headers("checkpoint")).status_code == 403
    assert client.post("/routes", json=body, headers=auth_headers("county")).status_code == 403
    assert client.post("/routes", json=body, headers=auth_headers("planner")).status_code == 201


def band_feature(lat: float, half_height_deg: float = 0.002, **props) -> dict:
    """A zone across the whole network from west to east: every trip from south to north crosses it."""
    props.setdefault("risk", "sealed")
    left, right = 1.42, 1.737
    ring = [
        [left, lat - half_height_deg],
        [right, lat - half_height_deg],
        [right, lat + half_height_deg],
        [left, lat + half_height_deg],
        [left, lat - half_height_deg],
    ]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": props}


def test_closed_loop_route_through_a_zone_and_zone_changes(app, client, auth_headers):
    h, hp = auth_headers("dispatcher"), auth_headers("planner")
    before = plain(client, h)
    assert before["choice"] == "free" and before["zones_crossed"] == []
    assert {leg["kind"] for leg in before["legs"]} <= {"origin", "transit", "destination"}
    assert "arcs" not in before and "costs" not in before
    # a sealed band across the valley: no way around, the truck passes through (never refused)
    zone = client.post("/zones", json=band_feature(42.537, name="Encamp"), headers=hp)
    assert zone.status_code == 201, zone.text
    zid = zone.json()["id"]
    after = plain(client, h)
    assert after["choice"] == "min_inside"
    crossing = next(c for c in after["zones_crossed"] if c["zone_id"] == zid)
    assert crossing["risk"] == "sealed" and crossing["time_inside_s"] > 0 and crossing["length_inside_m"] > 0
    assert crossing["entry"][1] < crossing["exit"][1]  # driving north
    assert after["time_inside_s"] == pytest.approx(sum(c["time_inside_s"] for c in after["zones_crossed"]), abs=0.2)
    assert any("do not stop" in w for w in after["warnings"])
    assert "no route avoids" in after["explanation"]
    # stored with the truck's arcs (internal), read back without them
    from store.routes import get_route

    with app.state.baotong.sessions() as s:
        stored = get_route(s, after["id"]).to_json()
    assert stored["arcs"] and isinstance(stored["arcs"][0], int)
    got = client.get(f"/routes/{after['id']}", headers=h)
    assert got.status_code == 200 and got.json()["zones_crossed"] == after["zones_crossed"] and "arcs" not in got.json()
    page = client.get(f"/routes/{after['id']}/map", headers=h)
    assert page.status_code == 200 and "leaflet" in page.text.lower()
    # deleting the zone lifts it on the next query
    assert client.delete(f"/zones/{zid}", headers=hp).status_code == 204
    lifted = plain(client, h)
    assert lifted["geometry"] == before["geometry"] and lifted["zones_crossed"] == []


def test_avoiding_detour_beyond_the_ratio(app, client, auth_headers):
    """A small zone on the fastest road: going around takes more than 1.3x, so the truck passes
    through (within the cap, told not to stop) -- explained, not refused; a looser cap goes around."""
    h, hp = auth_headers("dispatcher"), auth_headers("planner")
    before = plain(client, h)
    assert client.post("/zones", json=disc_feature(app, *middle_of(before), 250), headers=hp).status_code == 201
    after = plain(client, h)
    assert after["choice"] == "min_inside" and after["zones_crossed"]
    assert after["travel_time_s"] <= 1.3 * before["travel_time_s"] + 0.1
    assert "more than max_detour_ratio 1.3" in after["explanation"] and "passes through" in after["explanation"]
    assert any("do not stop" in w for w in after["warnings"])
    relaxed = plain(client, h, max_detour_ratio=10)
    assert relaxed["choice"] == "avoid" and relaxed["zones_crossed"] == []
    assert relaxed["travel_time_s"] > 1.3 * before["travel_time_s"]


def test_validity_window_at_departure(app, client, auth_headers):
    h, hp = auth_headers("dispatcher"), auth_headers("planner")
    before = plain(client, h, departure="2026-03-01T08:00:00Z")
    lon, lat = middle_of(before)
    feature = disc_feature(app, lon, lat, 250, valid_from="2026-03-02T00:00:00Z", valid_until="2026-03-09T00:00:00Z")
    assert client.post("/zones", json=feature, headers=hp).status_code == 201
    early = plain(client, h, departure="2026-03-01T08:00:00Z")
    late = plain(client, h, departure="2026-03-10T08:00:00Z")
    during = plain(client, h, departure="2026-03-05T08:00:00Z")
    assert early["geometry"] == before["geometry"] == late["geometry"]
    assert during["choice"] in ("avoid", "min_inside")
    assert during["geometry"] != before["geometry"] or [c["zone_id"] for c in during["zones_crossed"]]


def test_destination_in_sealed_zone_transshipment_and_whitelist(app, client, auth_headers):
    h, hp = auth_headers("dispatcher"), auth_headers("planner")
    sealed = disc_feature(app, *DESTINATION, 300, name="Sealed")
    assert client.post("/zones", json=sealed, headers=hp).status_code == 201
    r = plain(client, h)
    trans = r["transshipment"]["destination"]
    assert trans["planned"] is False and r["legs"][-1]["kind"] == "inside"
    assert r["stops"][-1] == trans["docking_point"]
    page = client.get(f"/routes/{r['id']}/map", headers=h)  # the inside leg is drawn in its own style
    assert page.status_code == 200 and "inside" in page.text
    # a whitelist enterprise's site there: closed-loop point-to-point delivery
    site = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": DESTINATION},
        "properties": {"kind": "enterprise", "whitelist": True, "name": "Pharma"},
    }
    sid = client.post("/sites", json=site, headers=hp).json()["id"]
    wl = client.post("/routes", json={"origin": ORIGIN, "destination_site_id": sid}, headers=h)
    assert wl.status_code == 201, wl.text
    assert wl.json()["closed_loop_delivery"] is True and wl.json()["transshipment"] is None
    assert (
        client.post("/routes", json={"origin": ORIGIN, "destination_site_id": "site_nope"}, headers=h).status_code
        == 404
    )


def test_planned_docking_point_is_used(app, client, auth_headers):
    from store.plans import NewDockingPoint, replace_docking_points

    h, hp = auth_headers("dispatcher"), auth_headers("planner")
    zid = client.post("/zones", json=disc_feature(app, *DESTINATION, 300), headers=hp).json()["id"]
    first = plain(client, h)["transshipment"]["destination"]
    planned = first["docking_point"]  # outside the zone, where the truck arrives without entering it
    with (
        app.state.baotong.sessions() as s
    ):  # a planned docking point of the zone, as POST /zones/{id}/docking-points stores it
        replace_docking_points(
            s, zid, [NewDockingPoint(planned[0], planned[1], 0, {})], created_by="test", created_at=datetime.now(UTC)
        )
    got = plain(client, h)["transshipment"]["destination"]
    assert got["planned"] is True and got["docking_point"] == pytest.approx(planned, abs=1e-6)


def test_approved_closure_of_every_arc_blocks(app, client, auth_headers):
    from store.db import dumps
    from store.models import ClosureRow

    h = auth_headers("dispatcher")
    net = app.state.baotong.network
    now = datetime.now(UTC)
    with app.state.baotong.sessions() as s:  # an approved hard barrier in force on every arc
        s.add(
            ClosureRow(
                id="closure-all",
                county_code="410821",
                mode="hard_barrier",
                direction="both",
                reason="test",
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=1),
                status="approved",
                decision="needs_provincial_approval",
                request="{}",
                arcs=dumps(np.arange(net.arc_count)),
                matched="{}",
                geometry="{}",
                reasons="[]",
                network=net.source,
            )
        )
        s.commit()
    n = count(app, RouteRow)
    r = client.post("/routes", json={"origin": ORIGIN, "destination": DESTINATION}, headers=h)
    assert r.status_code == 422 and "closures" in r.json()["detail"]
    assert count(app, RouteRow) == n


@pytest.mark.parametrize(
    ("feature", "needle"),
    [
        ({"type": "Polygon", "coordinates": []}, "empty"),
        ({"type": "Polygon", "coordinates": [[]]}, "ring"),
        # self-intersecting and collapsing to no area: cannot be repaired
        (
            {
                "type": "Polygon",
                "coordinates": [[[1.52, 42.50], [1.53, 42.51], [1.52, 42.50], [1.53, 42.51], [1.52, 42.50]]],
            },
            "invalid",
        ),
        (
            {"type": "Polygon", "coordinates": [[[30.0, 10.0], [30.1, 10.0], [30.1, 10.1], [30.0, 10.0]]]},
            "outside the network bbox",
        ),
    ],
)
def test_bad_zones_store_nothing(app, client, auth_headers, feature, needle):
    r = client.post(
        "/zones",
        json={"type": "Feature", "geometry": feature, "properties": {"risk": "sealed"}},
        headers=auth_headers("planner"),
    )
    assert r.status_code == 422 and needle in r.json()["detail"], r.text
    assert count(app, ZoneRow) == 0


def test_bowtie_is_repaired_with_a_note(client, auth_headers):
    bowtie = [[1.52, 42.50], [1.53, 42.51], [1.53, 42.50], [1.52, 42.51], [1.52, 42.50]]
    r = client.post(
        "/zones",
        json={
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [bowtie]},
            "properties": {"risk": "sealed"},
        },
        headers=auth_headers("planner"),
    )
    assert r.status_code == 201 and any("repaired" in n for n in r.json()["properties"]["notes"])


def test_bad_route_requests_store_nothing(app, client, auth_headers):
    h, hp = auth_headers("dispatcher"), auth_headers("planner")
    before = plain(client, h)
    n = count(app, RouteRow)
    zid = client.post("/zones", json=disc_feature(app, *middle_of(before), 200, risk="controlled"), headers=hp).json()[
        "id"
    ]
    cases = [
        ({"origin": ORIGIN, "destination": DESTINATION, "waypoints": [middle_of(before)]}, zid),
        ({"origin": ORIGIN, "destination": [1.4207, 42.4368]}, "nearest drivable road"),
        ({"origin": ORIGIN, "destination": [30.0, 10.0]}, "destination"),
        ({"origin": ORIGIN}, "destination"),
        ({"origin": ORIGIN, "destination": DESTINATION, "max_detour_ratio": 0.5}, "max_detour_ratio"),
        ({"origin": ORIGIN, "destination": DESTINATION, "waypoints": [[1.5]]}, "waypoints"),
    ]
    for body, needle in cases:
        r = client.post("/routes", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert needle in str(r.json()["detail"]), (body, r.text)
    assert count(app, RouteRow) == n


def test_truck_limit_blocks_names_it(app, client, auth_headers):
    net = app.state.baotong.network
    h = auth_headers("dispatcher")
    for arc in np.nonzero(np.isfinite(net.maxweight_t))[0][:40]:
        n = count(app, RouteRow)
        d = [
            float((net.node_lon[net.tail[arc]] + net.node_lon[net.head[arc]]) / 2),
            float((net.node_lat[net.tail[arc]] + net.node_lat[net.head[arc]]) / 2),
        ]
        r = client.post("/routes", json={"origin": ORIGIN, "destination": d, "vehicle": {"weight_t": 30}}, headers=h)
        if r.status_code == 422:
            assert "maxweight" in r.json()["detail"]
            assert count(app, RouteRow) == n
            break
    else:
        pytest.fail("no maxweight-limited dead end among the first 40 limited arcs")


def test_an_origin_given_outside_a_zone_is_not_snapped_into_it(app, client, auth_headers):
    """The nearest road point lies inside the zone; the answer snaps to a road outside, and says how far."""
    h, hp = auth_headers("dispatcher"), auth_headers("planner")
    net = app.state.baotong.network
    road = net.snap(*ORIGIN)
    x, y = net.projection.forward(road.snapped_lon, road.snapped_lat)
    zone_xy = shapely.Point(x, y).buffer(40.0, quad_segs=16)
    zone_wgs = net.projection.inverse_geom(zone_xy)
    # a given point 55 m from the road point, in the first direction whose nearest road point is inside the zone
    for angle in np.linspace(0, 2 * np.pi, 16, endpoint=False):
        lon, lat = net.projection.inverse(x + 55 * np.cos(angle), y + 55 * np.sin(angle))
        given = [float(lon), float(lat)]
        near = net.snap(*given)
        if zone_wgs.covers(shapely.Point(near.snapped_lon, near.snapped_lat)):
            break
    else:
        pytest.fail("no direction whose nearest road lies inside the zone")
    assert not zone_wgs.covers(shapely.Point(*given))
    feature = {"type": "Feature", "geometry": mapping(zone_wgs), "properties": {"risk": "sealed", "name": "Small"}}
    assert client.post("/zones", json=feature, headers=hp).status_code == 201
    r = client.post("/routes", json={"origin": given, "destination": DESTINATION}, headers=h)
    assert r.status_code == 201, r.text
    route = r.json()
    assert route["transshipment"] is None
    assert not zone_wgs.covers(shapely.Point(*route["snapped_origin"]))
    first, last = route["snaps"][0], route["snaps"][-1]
    assert (first["stop"], first["moved"], first["zone_id"]) == ("origin", None, None)
    assert first["snapped"] == pytest.approx(route["snapped_origin"], abs=1e-6)
    assert first["distance_m"] > near.distance_m and last["stop"] == "destination"
    assert "Snapped to the road: origin" in route["explanation"]


def test_the_answer_is_the_stored_route_in_the_documented_schema(app, client, auth_headers):
    """The answer's bytes, written from the route's arrays while the row is committed, are the stored
    document without its private fields, in each reader's language, and valid ``RoutePublic``."""
    from api.schemas.routes import RoutePublic
    from store.routes import get_route

    h, hp = auth_headers("dispatcher"), auth_headers("planner")
    assert client.post("/zones", json=band_feature(42.537, name="Encamp"), headers=hp).status_code == 201
    answers = {}
    for lang in ("en", "zh"):
        r = client.post(f"/routes?lang={lang}", json={"origin": ORIGIN, "destination": DESTINATION}, headers=h)
        assert r.status_code == 201 and r.headers["content-type"] == "application/json"
        answer = r.json()
        with app.state.baotong.sessions() as s:
            stored = get_route(s, answer["id"])
        assert answer == stored.public_json(lang)
        assert (
            len(answer["legs"]) >= 2
            and answer["geometry"]["coordinates"][0] == answer["legs"][0]["geometry"]["coordinates"][0]
        )
        RoutePublic.model_validate(answer)
        again = client.get(f"/routes/{answer['id']}?lang={lang}", headers=h)
        assert again.status_code == 200 and again.json() == answer
        answers[lang] = answer
    assert answers["zh"]["warnings"] != answers["en"]["warnings"] and answers["zh"]["warnings"]

"""A zone outline's effect through TestClient on Andorra (``POST /zones/effect``): the roads inside by grade, the
stored routes and valid passes that cross it, the limits, the roles; and the planner's zone page by role."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import shapely
from shapely.geometry import mapping

from routing import closures as rules
from services.zone_effect import MAX_AREA_KM2
from store import models
from store.routes import get_route
from tests.api.test_closures import api, way_of  # noqa: F401  (the api fixture)


def around(net, arcs, metres: float) -> dict:
    """A GeoJSON polygon ``metres`` around the straight segments of ``arcs``."""
    x, y = net.node_xy
    t, h = net.tail[arcs], net.head[arcs]
    lines = shapely.linestrings(np.stack([np.column_stack([x[t], y[t]]), np.column_stack([x[h], y[h]])], axis=1))
    return json.loads(
        json.dumps(
            mapping(net.projection.inverse_geom(shapely.union_all(lines).buffer(metres, quad_segs=2).simplify(1.0)))
        )
    )


def one_way_m(net, arcs) -> float:
    rev = net.reverse_arc[arcs]
    return float(net.length_m[arcs[(rev < 0) | (arcs < rev)]].sum())


def effect(api, geometry, role: str = "planner", **extra):  # noqa: F811
    return api.post("/zones/effect", json={"geometry": geometry, **extra}, headers=api.h[role])


def test_a_polygon_around_a_street_holds_its_arcs(api):  # noqa: F811
    net = api.state.network
    way = way_of(net, grade="county")
    arcs = net.arcs_of_way(way)
    r = effect(api, around(net, arcs, 10.0))
    assert r.status_code == 200, r.text
    doc = r.json()
    # every segment of the street is inside (each two-way segment once), besides the stubs of the roads meeting it
    expected_m = one_way_m(net, arcs)
    assert doc["km_by_grade"]["county"] == pytest.approx(expected_m / 1000, rel=0.02)
    assert doc["road_km"] >= doc["km_by_grade"]["county"]
    rev = net.reverse_arc[arcs]
    assert doc["arcs"] >= int(((rev < 0) | (arcs < rev)).sum())
    assert doc["geometry"]["type"] == "MultiLineString" and doc["geometry"]["coordinates"]
    assert not doc["truncated"] and 0 < doc["area_km2"] < 1
    assert doc["routes"] == {"count": 0, "data": []} and doc["passes"]["count"] == 0
    assert api.get("/zones").json()["count"] == 0  # stores nothing


def test_routes_and_valid_passes_that_cross_it_are_counted(api):  # noqa: F811
    net = api.state.network
    way = way_of(net, ref="CG-2", grade="provincial")
    chain = rules.chains(net, net.arcs_of_way(way))[0]
    origin, destination = net.path_coords([chain[0], chain[-1]])
    r = api.post("/routes", json={"origin": origin, "destination": destination}, headers=api.h["dispatcher"])
    assert r.status_code == 201, r.text
    route = r.json()
    now = datetime.now(UTC)
    with api.state.sessions() as s:
        common = dict(
            admin_code="410800",
            enterprise_id="site-x",
            vehicle_id="veh-x",
            crew="[]",
            cargo="food",
            route_id=route["id"],
            origin=json.dumps(origin),
            destination=json.dumps(destination),
            corridor="[]",
            departure=now,
            issued_at=now,
            kid="k",
            token="t",
            valid_from=now - timedelta(minutes=1),
            valid_until=now + timedelta(days=1),
        )
        s.add(models.PassRow(pass_no="410800000001", serial=1, plate="A1", **common))
        s.add(models.PassRow(pass_no="410800000002", serial=2, plate="A2", revoked_at=now, **common))
        s.commit()
    with api.state.sessions() as s:
        used = get_route(s, route["id"]).arcs
    middle = used[used.size // 2 : used.size // 2 + 1]
    doc = effect(api, around(net, np.asarray(middle), 15.0)).json()
    assert doc["routes"]["count"] == 1 and [x["id"] for x in doc["routes"]["data"]] == [route["id"]]
    assert doc["passes"]["count"] == 1
    assert doc["passes"]["data"][0]["pass_no"] == "410800000001" and doc["passes"]["data"][0]["plate"] == "A1"
    earlier = effect(api, around(net, np.asarray(middle), 15.0), at=(now - timedelta(hours=2)).isoformat()).json()
    assert earlier["routes"]["count"] == 1 and earlier["passes"]["count"] == 0  # not valid yet then
    # a street far from the route: nothing crosses it
    x, y = net.node_xy
    route_xy = shapely.multipoints(np.column_stack([x[net.tail[used]], y[net.tail[used]]]))
    other = way_of(net, grade="county")
    first = net.arcs_of_way(other)[:1]
    assert shapely.distance(route_xy, shapely.points(x[net.tail[first]], y[net.tail[first]]))[0] > 200
    far = effect(api, around(net, first, 5.0)).json()
    assert far["arcs"] >= 1
    assert far["routes"]["count"] == 0 and far["passes"]["count"] == 0


@pytest.mark.parametrize(
    ("geometry", "needle"),
    [
        ("huge", "km²"),
        (
            {"type": "Polygon", "coordinates": [[[10, 50], [10.01, 50], [10.01, 50.01], [10, 50]]]},
            "outside the network",
        ),
        ({"type": "LineString", "coordinates": [[1.52, 42.5], [1.53, 42.51]]}, "Polygon"),
        ({"type": "Polygon", "coordinates": []}, "empty"),
    ],
)
def test_bad_outlines_are_refused(api, geometry, needle):  # noqa: F811
    if geometry == "huge":
        left, bottom, right, top = api.state.network.bbox
        geometry = mapping(shapely.box(left, bottom, right, top))
        geometry = json.loads(json.dumps(geometry))
    r = effect(api, geometry)
    assert r.status_code == 422, r.text
    assert needle in r.json()["detail"]
    if needle == "km²":
        assert f"{MAX_AREA_KM2:,.0f} km²" in r.json()["detail"]


def test_the_effect_needs_a_planner(api):  # noqa: F811
    square = {"type": "Polygon", "coordinates": [[[1.52, 42.5], [1.521, 42.5], [1.521, 42.501], [1.52, 42.5]]]}
    assert api.post("/zones/effect", json={"geometry": square}).status_code == 401
    for role in ("dispatcher", "county", "city_approver"):
        assert effect(api, square, role).status_code == 403, role
    assert effect(api, square).status_code == 200


def test_the_page_by_role(api):  # noqa: F811
    r = api.get("/zones/edit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fzones%2Fedit"
    page = api.get("/zones/edit", headers=api.h["planner"])
    assert page.status_code == 200 and 'id="zn-map"' in page.text and "风险区域编辑" in page.text
    assert "/static/vendor/@geoman-io/leaflet-geoman-free/leaflet-geoman.min.js" in page.text
    assert "封控区（高风险）" in page.text and "410821" in page.text
    en = api.get("/zones/edit?lang=en", headers=api.h["planner"])
    assert "Emergency zones" in en.text and "sealed (high risk)" in en.text
    for role in ("dispatcher", "county", "city_approver"):
        refused = api.get("/zones/edit", headers=api.h[role])
        assert refused.status_code == 403 and "Traceback" not in refused.text, role
    work = api.get("/workspace", headers=api.h["planner"])
    assert 'href="/zones/edit"' in work.text
    assert 'href="/zones/edit"' not in api.get("/workspace", headers=api.h["dispatcher"]).text
    # a stored zone's own path is not taken by the page's
    square = {"type": "Polygon", "coordinates": [[[1.52, 42.5], [1.521, 42.5], [1.521, 42.501], [1.52, 42.5]]]}
    zone = api.post(
        "/zones", json={"geometry": square, "properties": {"risk": "sealed"}}, headers=api.h["planner"]
    ).json()
    assert api.get(f"/zones/{zone['id']}").json()["id"] == zone["id"]

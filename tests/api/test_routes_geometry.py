"""POST /routes and GET /routes/{id} with ?geometry=full|simplified|polyline: only the answer's lines change."""

from __future__ import annotations

import numpy as np
import orjson
import pytest

from geo.lines import decode_polyline
from store.routes import public
from tests.api.test_routes import DESTINATION, ORIGIN, band_feature
from tests.geo.test_lines import distance_to_segment_m

# a longer trip across Andorra: Sant Julià de Lòria, past Andorra la Vella and Encamp, to Canillo
LONG_ORIGIN = [1.4914, 42.4637]


def post(client, h, query: str = "", origin=ORIGIN, status: int = 201):
    r = client.post(f"/routes{query}", json={"origin": origin, "destination": DESTINATION}, headers=h)
    assert r.status_code == status, r.text
    return r


def lines(answer) -> list[dict]:
    """Every line geometry of an answer: the route's, then each leg's."""
    return [answer["geometry"], *(leg["geometry"] for leg in answer["legs"])]


def within(full: list[list[float]], simple: list[list[float]]) -> float:
    """The largest distance, metres, from a point of the full line to the simplified one: the kept points
    are a subsequence of the full line's, ends included, and each point is measured to the kept segment
    that spans it."""
    kept, start = [], 0
    for p in simple:
        start = next(k for k in range(start, len(full)) if full[k] == p)
        kept.append(start)
    assert kept[0] == 0 and kept[-1] == len(full) - 1
    pts = np.asarray(full)
    return max(
        (distance_to_segment_m(pts[i], pts[a], pts[b]) for a, b in zip(kept, kept[1:]) for i in range(a + 1, b)),
        default=0.0,
    )


def test_default_answer_is_unchanged_byte_for_byte(app, client, auth_headers):
    h = auth_headers("dispatcher")
    r = post(client, h)
    route_id = r.json()["id"]
    with app.state.baotong.sessions() as s:
        from store.routes import get_route

        stored = get_route(s, route_id)
    # the bytes of today's answer: the stored document without its private fields, dumped whole
    assert r.content == stored.public_bytes() == orjson.dumps(public(stored.to_json()))
    assert post(client, h, "?geometry=full").json()["geometry"] == r.json()["geometry"]
    for query in ("", "?geometry=full"):
        again = client.get(f"/routes/{route_id}{query}", headers=h)
        assert again.status_code == 200 and again.content == stored.public_bytes(None)


@pytest.mark.parametrize("tolerance_m", [1.0, 5.0, 50.0])
def test_simplified_has_fewer_points_within_the_tolerance(app, client, auth_headers, tolerance_m):
    h = auth_headers("dispatcher")
    full = post(client, h, origin=LONG_ORIGIN).json()
    simple = post(client, h, f"?geometry=simplified&tolerance_m={tolerance_m}", origin=LONG_ORIGIN).json()
    assert len(full["geometry"]["coordinates"]) > 200
    for f, s in zip(lines(full), lines(simple), strict=True):
        assert s["type"] == "LineString"
        assert len(s["coordinates"]) <= len(f["coordinates"])
        if len(f["coordinates"]) > 2:
            assert s["coordinates"][0] == f["coordinates"][0] and s["coordinates"][-1] == f["coordinates"][-1]
            assert within(f["coordinates"], s["coordinates"]) <= tolerance_m
    share = 0.8 if tolerance_m < 5 else 0.5  # OSM's shape nodes are a metre or more off the chords
    assert len(simple["geometry"]["coordinates"]) < share * len(full["geometry"]["coordinates"])
    # everything else is the same answer (another route id, the same route)
    for key in ("length_m", "travel_time_s", "zones_crossed", "stops", "snaps", "choice"):
        assert simple[key] == full[key]


def test_a_larger_tolerance_gives_fewer_points(client, auth_headers):
    h = auth_headers("dispatcher")
    sizes = [
        len(
            post(client, h, f"?geometry=simplified&tolerance_m={t}", origin=LONG_ORIGIN).json()["geometry"][
                "coordinates"
            ]
        )
        for t in (0.5, 5, 100, 1000)
    ]
    assert sizes[0] > sizes[1] > sizes[2] >= sizes[3] >= 2


def test_polyline_decodes_to_the_exact_geometry(app, client, auth_headers):
    h, hp = auth_headers("dispatcher"), auth_headers("planner")
    assert client.post("/zones", json=band_feature(42.537, name="Encamp"), headers=hp).status_code == 201
    r = post(client, h, "?geometry=polyline", origin=LONG_ORIGIN)
    answer = r.json()
    assert answer["zones_crossed"], "the trip crosses the band"
    full = client.get(f"/routes/{answer['id']}", headers=h).json()
    assert len(r.content) < len(client.get(f"/routes/{answer['id']}", headers=h).content) / 2
    for f, e in zip(lines(full), lines(answer), strict=True):
        assert set(e) == {"type", "precision", "polyline"} and e["type"] == "EncodedPolyline" and e["precision"] == 6
        decoded = decode_polyline(e["polyline"], precision=e["precision"])
        exact = np.asarray(f["coordinates"])
        assert decoded.shape == exact.shape and np.abs(decoded - exact).max() <= 1e-6
    # crossings are computed on the exact geometry: the same entry and exit as the full answer
    assert answer["zones_crossed"] == full["zones_crossed"]
    again = client.get(f"/routes/{answer['id']}?geometry=polyline", headers=h).json()
    assert again["geometry"] == answer["geometry"]


def test_the_stored_route_stays_exact(app, client, auth_headers):
    """A POST with ?geometry=polyline stores every point: GET with geometry=full is the full answer of the
    same trip, point for point, and the stored document holds LineStrings."""
    import json

    from sqlalchemy import select

    from store.models import RouteRow

    h = auth_headers("dispatcher")
    full = post(client, h, origin=LONG_ORIGIN).json()
    encoded = post(client, h, "?geometry=polyline", origin=LONG_ORIGIN).json()
    stored = client.get(f"/routes/{encoded['id']}?geometry=full", headers=h).json()
    assert lines(stored) == lines(full)
    with app.state.baotong.sessions() as s:
        document = json.loads(s.scalar(select(RouteRow.result).where(RouteRow.id == encoded["id"])))
    assert document["geometry"] == full["geometry"] and document["arcs"]


@pytest.mark.parametrize(
    ("query", "field", "value"),
    [
        ("?geometry=bogus", "geometry", "bogus"),
        ("?geometry=simplified&tolerance_m=0.1", "tolerance_m", "0.1"),
        ("?geometry=simplified&tolerance_m=5000", "tolerance_m", "5000"),
        ("?tolerance_m=abc", "tolerance_m", "abc"),
    ],
)
def test_bad_options_are_422_naming_the_value(app, client, auth_headers, query, field, value):
    from store.models import RouteRow
    from tests.api.test_routes import count

    h = auth_headers("dispatcher")
    before = count(app, RouteRow)
    r = post(client, h, query, status=422)
    (error,) = r.json()["detail"]
    assert error["loc"] == ["query", field] and error["input"] == value
    assert count(app, RouteRow) == before  # nothing stored
    route_id = post(client, h).json()["id"]
    got = client.get(f"/routes/{route_id}{query}", headers=h)
    assert got.status_code == 422 and got.json()["detail"][0]["input"] == value


def test_the_answer_in_each_mode_is_the_documented_schema(client, auth_headers):
    from api.schemas.routes import RoutePublic

    h = auth_headers("dispatcher")
    for mode in ("simplified", "polyline"):
        RoutePublic.model_validate(post(client, h, f"?geometry={mode}&lang=zh").json())


def test_an_inside_vehicles_leg_is_written_the_same_way(app, client, auth_headers):
    """A destination in a sealed zone: the transshipment's inside leg is encoded too, and decodes to the
    full answer's leg."""
    from tests.api.test_routes import disc_feature

    h, hp = auth_headers("dispatcher"), auth_headers("planner")
    assert client.post("/zones", json=disc_feature(app, *DESTINATION, 300), headers=hp).status_code == 201
    encoded = post(client, h, "?geometry=polyline").json()
    full = client.get(f"/routes/{encoded['id']}", headers=h).json()
    leg, full_leg = encoded["transshipment"]["destination"]["leg"], full["transshipment"]["destination"]["leg"]
    assert leg["geometry"]["type"] == "EncodedPolyline" and full_leg["geometry"]["type"] == "LineString"
    decoded = decode_polyline(leg["geometry"]["polyline"])
    assert np.abs(decoded - np.asarray(full_leg["geometry"]["coordinates"])).max() <= 1e-6
    simple = client.get(f"/routes/{encoded['id']}?geometry=simplified&tolerance_m=20", headers=h).json()
    inside = simple["transshipment"]["destination"]["leg"]["geometry"]
    assert inside["type"] == "LineString" and inside["coordinates"][0] == full_leg["geometry"]["coordinates"][0]
    assert within(full_leg["geometry"]["coordinates"], inside["coordinates"]) <= 20

"""The stored route: one JSON mapping for the database and the answer; private fields stay stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import orjson
import pytest

from geo.errors import NotFoundError
from store.db import dumps, make_engine, migrate, session_factory
from store.routes import (
    PRIVATE_FIELDS,
    CrossingRecord,
    LegRecord,
    LineTexts,
    RouteRecord,
    TransshipmentRecord,
    get_route,
    line_geojson,
    list_routes,
    public,
    route_row,
)

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def record(route_id: str = "route-1", *, created_at: datetime = T0) -> RouteRecord:
    truck = np.array([[1.52180001234, 42.50630004567], [1.53, 42.51], [1.54, 42.52]])
    inside = np.array([[1.54, 42.52], [1.545, 42.525]])
    return RouteRecord(
        id=route_id,
        created_at=created_at,
        origin=(1.5218, 42.5063),
        destination=(1.545, 42.525),
        snapped_origin=(1.52180001234, 42.50630004567),
        snapped_destination=(1.54, 42.52),
        departure=T0,
        length_m=2345.678,
        travel_time_s=234.567,
        coordinates=truck,
        legs=(
            LegRecord("origin", 1200.04, 100.06, truck[:2]),
            LegRecord("transit", 1000.0, 90.0, truck[1:]),
            LegRecord("inside", 145.63, 44.5, inside, note="inside vehicle"),
        ),
        arcs=np.array([7, 3, 11], dtype=np.int64),
        zones_crossed=(CrossingRecord("zone-1", "Canillo", "sealed", (1.54, 42.52), (1.545, 42.525), 44.55, 145.63),),
        transshipments=(
            TransshipmentRecord(
                "destination",
                "zone-1",
                "Canillo",
                "sealed",
                (1.54, 42.52),
                True,
                LegRecord("inside", 145.63, 44.5, inside),
            ),
        ),
        warnings=("do not stop in zone-1",),
        explanation="a transshipment at a planned docking point",
        choice="free",
        time_inside_s=44.55,
        stops=((1.5218, 42.5063), (1.54, 42.52)),
        costs={"free": 2346, "chosen": 2346},
        request={"origin": [1.5218, 42.5063], "destination": [1.545, 42.525]},
    )


def test_one_mapping_round_trips():
    doc = record().to_json()
    again = RouteRecord.from_json(doc)
    assert again.to_json() == doc
    assert again.arcs.dtype == np.int64 and again.arcs.tolist() == [7, 3, 11]
    assert doc["geometry"]["coordinates"][0] == [1.5218000, 42.5063000]  # answered to 7 decimals (~1 cm)
    assert doc["transshipment"]["destination"]["planned"] is True and doc["legs"][2]["note"] == "inside vehicle"
    assert doc["length_m"] == 2345.7 and doc["zones_crossed"][0]["time_inside_s"] == pytest.approx(44.5, abs=0.051)


def test_a_fresh_record_keeps_its_unrounded_geometry():
    assert record().coordinates[0, 0] == 1.52180001234


def test_the_answer_is_the_mapping_without_the_private_fields():
    rec = record()
    answer = rec.public_json()
    assert PRIVATE_FIELDS == {"arcs", "costs", "request", "texts_zh"}
    assert set(rec.to_json()) - set(answer) == PRIVATE_FIELDS
    assert answer == public(rec.to_json())
    assert all(answer[k] == v for k, v in rec.to_json().items() if k not in PRIVATE_FIELDS)


def test_stored_and_read_back(database_url):
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as s:
            for i in range(3):
                s.add(route_row(record(f"route-{i}"), created_at=T0 + timedelta(minutes=i), created_by="test"))
            s.commit()
        with session_factory(engine)() as s:
            assert get_route(s, "route-1").to_json() == record("route-1").to_json()
            assert [r.id for r in list_routes(s, limit=2)] == ["route-2", "route-1"]
            with pytest.raises(NotFoundError, match="route-nope"):
                get_route(s, "route-nope")
    finally:
        engine.dispose()


def _random_record(rng: np.random.Generator, route_id: str) -> RouteRecord:
    """A record whose route runs through awkward numbers (both signs, near zero, many digits), with truck legs
    that are runs of the route sharing their end points and an inside leg that is not."""
    n = int(rng.integers(2, 60))
    base = rng.choice([0.0, -76.55, 24.9414, 179.99999995])
    truck = base + np.cumsum(rng.normal(0.0, 1e-4, (n, 2)), axis=0)
    truck[rng.integers(n)] = [-1e-9, 4e-8]  # rounds to -0.0 and 0.0
    cut = int(rng.integers(1, n))
    inside = base + rng.normal(0.0, 1e-3, (int(rng.integers(0, 5)), 2))
    return replace(
        record(route_id),
        coordinates=truck,
        legs=(
            LegRecord("origin", 1.0, 1.0, truck[: cut + 1]),
            LegRecord("transit", 1.0, 1.0, truck[cut:]),
            LegRecord("inside", 1.0, 1.0, inside, note="inside vehicle"),
            LegRecord("transit", 1.0, 1.0, truck[:cut]),  # out of order: written on its own
        ),
        arcs=rng.integers(0, 10**6, int(rng.integers(0, 40))),
    )


def test_the_stored_text_and_the_answer_bytes_are_those_of_the_mapping():
    """The text written from the arrays (each leg cut out of the route's text where it can be) is the
    text of the mapping of lists, for the stored document and for each language's answer."""
    rng = np.random.default_rng(11)
    for rec in [record(), *(_random_record(rng, f"route-{i}") for i in range(200))]:
        fresh = replace(rec)
        assert fresh.public_bytes("zh") == orjson.dumps(rec.public_json("zh"))  # the answer first: no text made yet
        assert fresh.public_bytes() == orjson.dumps(rec.public_json())
        assert fresh.stored_text() == dumps(rec.to_json())


def test_a_record_read_back_writes_the_same_text():
    doc = record().to_json()
    again = RouteRecord.from_json(orjson.loads(dumps(doc)))
    assert again.stored_text() == dumps(doc)
    assert orjson.loads(again.public_bytes("zh")) == again.public_json("zh")


def test_line_texts_cut_a_run_of_the_route_and_write_other_lines_alone():
    route = np.array([[1.0, 2.0], [1.5, -0.25], [3.0000000001, 4.0], [5.0, 6.0]])
    texts = LineTexts(route)
    for line in (route, route[:2], route[1:3], route[2:], route[:1], np.array([[9.0, 9.0]]), np.zeros((0, 2))):
        assert orjson.loads(orjson.dumps({"g": texts(line)}))["g"] == line_geojson(line)
        assert orjson.dumps(texts(line)) == orjson.dumps(line_geojson(line))

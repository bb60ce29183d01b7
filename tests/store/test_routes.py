"""The stored route: one JSON mapping for the database and the answer; private fields stay stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from geo.errors import NotFoundError
from store.db import make_engine, migrate, session_factory
from store.routes import (
    PRIVATE_FIELDS,
    CrossingRecord,
    LegRecord,
    RouteRecord,
    TransshipmentRecord,
    get_route,
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

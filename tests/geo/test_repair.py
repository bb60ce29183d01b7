"""Bounded polygon repair: tangles refused before any repair, repairs in a worker with a time limit."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import shapely

from geo import repair
from geo.errors import InvalidZoneError
from geo.zones import polygon_from_geojson


def _zigzag(teeth: int) -> shapely.Polygon:
    """A ring whose closing edge (along y = 0) crosses each of ``teeth`` zig-zag edges once."""
    pts = [(float(i), 1.0 if i % 2 else -1.0) for i in range(teeth + 1)]
    pts += [(teeth + 0.5, 0.0), (-0.5, 0.0)]
    return shapely.Polygon(pts)


def test_crossings_are_counted_between_edges_that_do_not_share_a_vertex():
    assert repair.count_crossings(shapely.Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])) == 0
    assert repair.count_crossings(shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])) == 1  # a bow-tie
    holed = shapely.Polygon([(0, 0), (0, 10), (10, 10), (10, 0)], [[(1, 1), (1, 2), (2, 2), (2, 1)]])
    assert repair.count_crossings(holed) == 0
    overlap = shapely.MultiPolygon([shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)])
    assert repair.count_crossings(overlap) == 2
    assert repair.count_crossings(_zigzag(30)) == 30


def test_a_bowtie_is_repaired_into_its_two_triangles():
    report = repair.repair_polygon(shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]))
    assert report.parts == 2 and report.crossings == 1
    assert report.geometry.is_valid and report.geometry.area == pytest.approx(0.5)


def test_a_tangle_of_random_vertices_is_refused_before_any_repair():
    rng = np.random.default_rng(20221201)
    for n in (300, 4999):
        ring = np.column_stack([113.2 + rng.uniform(0, 0.05, n), 35.2 + rng.uniform(0, 0.05, n)]).tolist()
        geometry = {"type": "Polygon", "coordinates": [ring + [ring[0]]]}
        with pytest.raises(InvalidZoneError, match="crosses itself more than 200 times"):
            polygon_from_geojson(geometry)


def test_a_repair_into_too_many_parts_is_refused():
    assert repair.count_crossings(_zigzag(150)) <= repair.MAX_CROSSINGS
    with pytest.raises(InvalidZoneError, match=r"repaired into 15\d separate parts \(at most 100\)"):
        repair.repair_polygon(_zigzag(150))


def test_a_repair_over_its_time_limit_is_stopped_and_the_worker_replaced():
    stuck = repair.RepairWorker(command=[sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with pytest.raises(TimeoutError, match="longer than 0.2 s"):
            stuck.repair(_zigzag(60), time_limit_s=0.2)
        assert stuck._proc is None  # the running worker was killed, not left computing
    finally:
        stuck.close()
    worker = repair.RepairWorker()
    try:
        geom = _zigzag(60)
        fixed = worker.repair(geom, time_limit_s=30)
        assert fixed.is_valid and shapely.get_num_geometries(fixed) > 1
        # an answer later than the limit is refused even when it arrives (the worker, idle, is kept)
        with pytest.raises(InvalidZoneError, match="could not be repaired: the repair took longer than"):
            repair.repair_polygon(geom, time_limit_s=1e-6, worker=worker)
        assert worker.repair(geom, time_limit_s=30).equals(fixed)
    finally:
        worker.close()


def test_a_worker_that_dies_is_a_refusal_not_a_hang():
    worker = repair.RepairWorker()
    try:
        worker.repair(_zigzag(4), time_limit_s=30)
        worker._proc.kill()
        worker._proc.wait()
        # the next repair notices the dead worker and starts another
        assert worker.repair(_zigzag(4), time_limit_s=30).is_valid
    finally:
        worker.close()

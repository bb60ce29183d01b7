"""Zone footprints, arc-to-zone tables and the freight index's zone-set cache."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.zones import Zone
from routing.engine import FORBIDDEN
from routing.freight import ArcZoneTable, FreightIndex, ZoneFootprint, arc_zone_table, first_last_points, segment_cuts
from tests.routing.freight.support import box_zone, tiny_line_router


def test_first_last_points_of_cut_segments():
    zone = shapely.union_all([shapely.box(2, -1, 4, 1), shapely.box(6, -1, 8, 1)])  # two squares on the x axis
    start = np.array([[0.0, 0.0], [10.0, 0.0], [3.0, 0.0], [0.0, 5.0]])
    end = np.array([[10.0, 0.0], [0.0, 0.0], [7.0, 0.0], [10.0, 5.0]])
    cut = shapely.intersection(shapely.linestrings(np.stack([start, end], axis=1)), zone)
    first, last = first_last_points(cut, start)
    assert first[0].tolist() == [2.0, 0.0] and last[0].tolist() == [8.0, 0.0]  # through both squares
    assert first[1].tolist() == [8.0, 0.0] and last[1].tolist() == [2.0, 0.0]  # the other way round
    assert first[2].tolist() == [3.0, 0.0] and last[2].tolist() == [7.0, 0.0]  # starts and ends inside
    assert np.isnan(first[3]).all() and np.isnan(last[3]).all()  # misses both


def test_segment_cuts_on_a_tiny_line():
    router = tiny_line_router()
    net = router.network
    x, y = net.node_xy
    boundary_x = {0: (x[0] + x[1]) / 2, 2: (x[1] + x[2]) / 2}  # the zone runs from mid 0-1 to mid 1-2
    poly = shapely.box(boundary_x[0], -1e4, boundary_x[2], 1e4)
    arcs = np.arange(net.arc_count)
    inside, first, last = segment_cuts(net, arcs, poly)
    node1 = [x[1], y[1]]
    for a in arcs.tolist():
        t, h = int(net.tail[a]), int(net.head[a])
        if {t, h} == {2, 3}:
            assert inside[a] == 0 and np.isnan(first[a]).all() and np.isnan(last[a]).all()
            continue
        assert inside[a] == pytest.approx(np.hypot(x[h] - x[t], y[h] - y[t]) / 2, rel=1e-9)
        if t == 1:  # starts inside at node 1, leaves across the boundary
            assert first[a].tolist() == pytest.approx(node1) and last[a][0] == pytest.approx(boundary_x[h])
        else:  # enters across the boundary, ends inside at node 1
            assert first[a][0] == pytest.approx(boundary_x[t]) and last[a].tolist() == pytest.approx(node1)


def test_arc_zone_table_lists_every_zone_of_an_arc():
    a = ZoneFootprint(
        arcs=np.array([1, 3]),
        inside_m=np.array([5.0, 7.0]),
        poly_xy=None,
        entry=np.array([[1.0, 1.0], [3.0, 3.0]]),
        exit=np.array([[1.5, 1.5], [3.5, 3.5]]),
    )
    b = ZoneFootprint(
        arcs=np.array([3, 4]),
        inside_m=np.array([2.0, 9.0]),
        poly_xy=None,
        entry=np.array([[30.0, 30.0], [4.0, 4.0]]),
        exit=np.array([[35.0, 35.0], [4.5, 4.5]]),
    )
    segment_m = np.full(6, 10.0)
    segment_m[1] = 4.0  # shorter than its 5 m inside (float noise in real data): the share is capped at 1
    travel_time_s = np.arange(6) + 1.0
    m = arc_zone_table([a, b], segment_m, travel_time_s)
    assert isinstance(m, ArcZoneTable)
    assert m.count.tolist() == [0, 1, 0, 2, 1, 0]
    rows = {arc: list(range(m.indptr[arc], m.indptr[arc + 1])) for arc in range(6)}
    assert [int(m.zone[r]) for r in rows[3]] == [0, 1]
    assert [float(m.inside_m[r]) for r in rows[3]] == [7.0, 2.0]
    assert [float(m.time_s[r]) for r in rows[3]] == pytest.approx([0.7 * 4, 0.2 * 4])
    assert [float(m.time_s[r]) for r in rows[4]] == pytest.approx([0.9 * 5.0])
    assert [float(m.time_s[r]) for r in rows[1]] == [2.0]
    assert m.entry[rows[3]].tolist() == [[3.0, 3.0], [30.0, 30.0]]
    assert m.exit[rows[4]].tolist() == [[4.5, 4.5]]
    assert rows[0] == rows[2] == rows[5] == []


def test_zone_set_cache_follows_the_zone_objects():
    router = tiny_line_router()
    net = router.network
    x, _ = net.node_xy
    index = FreightIndex(router)
    zone = box_zone(net, x[1] + 60, x[2] - 80, zid="z")
    first = index.zone_set([zone])
    assert index.zone_set([zone]) is first
    # the same id and geometry object in another Zone object: the same set
    assert index.zone_set([Zone(id="z", name="other name", risk="sealed", geometry=zone.geometry)]) is first
    # another risk: another set (precaution zones forbid nothing)
    informational = index.zone_set([Zone(id="z", name="z", risk="precaution", geometry=zone.geometry)])
    assert informational is not first and not informational.mask.any() and first.mask.any()
    # the geometry of the same Zone object replaced: the footprint follows it
    zone.geometry = box_zone(net, x[2] + 60, x[3] - 80).geometry
    moved = index.zone_set([zone])
    assert moved is not first
    touched = {tuple(sorted((int(net.tail[a]), int(net.head[a])))) for a in np.flatnonzero(moved.mask)}
    assert touched == {(2, 3)}


def test_caches_of_network_long_vectors_keep_within_their_bytes_and_the_two_most_recent():
    router = tiny_line_router()
    net = router.network
    x, _ = net.node_xy
    zones = [box_zone(net, x[1] + 60 + 10 * k, x[2] - 80, zid=f"z{k}") for k in range(4)]
    roomy = FreightIndex(router)
    sets = [roomy.zone_set([z]) for z in zones]
    assert all(roomy.zone_set([z]) is zs for z, zs in zip(zones, sets))  # within bytes and count: all kept
    tight = FreightIndex(router, max_bytes=1)  # every entry is over budget: the two most recent stay
    sets = [tight.zone_set([z]) for z in zones]
    assert list(tight._sets.values()) == sets[2:]
    assert tight.zone_set([zones[3]]) is sets[3] and tight.zone_set([zones[0]]) is not sets[0]
    weights = [tight.weights(zs, None, None) for zs in sets[2:]]
    tight.weights(tight.zone_set([zones[1]]), None, None)
    assert len(tight._weights) == 2 and all(w is not weights[0] for w in tight._weights.values())
    for k in range(3):  # the free pair per closure set likewise
        tight.weights(sets[3], None, np.array([k], dtype=np.int64))
    assert len(tight._free) == 2
    few = FreightIndex(router, max_sets=3)  # the count bounds as well
    for z in zones:
        few.zone_set([z])
    assert len(few._sets) == 3
    inside = sets[3].inside_ds
    assert inside.dtype == np.int32 and sets[3].arc_zone is not None and sets[3].arc_zone.indptr.dtype == np.int32


def test_weight_sets_share_the_vectors_that_do_not_depend_on_zones():
    router = tiny_line_router()
    net = router.network
    x, _ = net.node_xy
    index = FreightIndex(router)
    one = index.zone_set([box_zone(net, x[1] + 60, x[2] - 80, zid="a")])
    two = index.zone_set([box_zone(net, x[2] + 60, x[3] - 80, zid="b")])
    wa, wb = index.weights(one, None, None), index.weights(two, None, None)
    # free and the inside vehicle: one read-only pair for both zone sets
    assert wa.free is wb.free and wa.inside_vehicle is wb.inside_vehicle
    assert not wa.free.flags.writeable and not wa.inside_vehicle.flags.writeable
    assert np.array_equal(wa.free, router.vehicle_weights(None, net.base_weights.copy()))
    # what depends on the zones is each set's own
    assert not np.array_equal(wa.avoid, wb.avoid) and not np.array_equal(wa.penalised, wb.penalised)
    # closures make another pair, with the closed arcs forbidden in both
    closed = np.array([0], dtype=np.int64)
    wc = index.weights(one, None, closed)
    assert wc.free is not wa.free and wc.free[0] == FORBIDDEN and wc.inside_vehicle[0] == FORBIDDEN
    assert index.weights(two, None, closed).inside_vehicle is wc.inside_vehicle
    assert np.array_equal(np.delete(wc.free, 0), np.delete(wa.free, 0))

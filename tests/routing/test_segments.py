"""The grid index of a network's segments answers as an STRtree of the same lines would."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from routing.segments import SegmentGrid


def _grid_and_tree(net):
    grid, lines, arcs = net._segment_index()
    assert isinstance(grid, SegmentGrid)
    tree_lines = shapely.linestrings(
        np.stack(
            [
                np.column_stack(grid.ends(np.arange(arcs.size))[:2]),
                np.column_stack(grid.ends(np.arange(arcs.size))[2:]),
            ],
            axis=1,
        )
    )
    return grid, lines, arcs, shapely.STRtree(tree_lines), tree_lines


def _points(net, n: int, seed: int, spread_m: float) -> np.ndarray:
    """``n`` seeded points: near random nodes, within ``spread_m`` of them, plus a few far outside."""
    rng = np.random.default_rng(seed)
    x, y = net.node_xy
    pick = rng.integers(0, net.node_count, n)
    pts = np.column_stack([x[pick], y[pick]]) + rng.uniform(-spread_m, spread_m, (n, 2))
    far = np.array([[x.min() - 5000.0, y.min() - 3000.0], [x.max() + 20000.0, y.mean()], [x.mean(), y.max() + 900.0]])
    nodes = np.column_stack([x[pick[:10]], y[pick[:10]]])  # exactly on nodes: ties between the segments meeting there
    return np.vstack([pts, far, nodes])


@pytest.mark.parametrize("network_name", ["andorra", "monaco"])
def test_nearest_segment_equals_the_tree_distance(request, network_name):
    net = request.getfixturevalue(f"{network_name}_network")
    grid, _lines, _arcs, tree, tree_lines = _grid_and_tree(net)
    pts = _points(net, 400, seed=7, spread_m=300.0)
    found = grid.nearest_many([tuple(p) for p in pts.tolist()])
    _idx, tree_dist = tree.query_nearest(shapely.points(pts), return_distance=True, all_matches=False)
    for (seg, dist, frac), expected, p in zip(found, tree_dist, pts):
        assert seg >= 0
        assert dist == pytest.approx(expected, abs=1e-6)
        # the segment found is one of those at the tree's nearest distance
        assert float(shapely.distance(tree_lines[seg], shapely.Point(p))) == pytest.approx(dist, abs=1e-6)
        ties = tree.query(shapely.Point(p), predicate="dwithin", distance=dist + 1e-6)
        ties = ties[shapely.distance(tree_lines[ties], shapely.Point(p)) <= dist + 1e-6]
        assert seg in set(ties.tolist())
        ax, ay, bx, by = (float(v[0]) for v in grid.ends(np.array([seg])))
        on = (ax + frac * (bx - ax), ay + frac * (by - ay))
        assert np.hypot(on[0] - p[0], on[1] - p[1]) == pytest.approx(dist, abs=1e-6)


def test_queries_equal_the_tree(andorra_network):
    net = andorra_network
    grid, lines, _arcs, tree, tree_lines = _grid_and_tree(net)
    rng = np.random.default_rng(11)
    x, y = net.node_xy
    for k in range(30):
        i = int(rng.integers(0, net.node_count))
        centre = shapely.Point(float(x[i]) + rng.uniform(-500, 500), float(y[i]) + rng.uniform(-500, 500))
        geom = (
            centre.buffer(float(rng.uniform(5, 1500)))
            if k % 2
            else shapely.LineString(
                [(centre.x, centre.y), (centre.x + rng.uniform(-800, 800), centre.y + rng.uniform(-800, 800))]
            )
        )
        assert np.array_equal(
            grid.query(geom, predicate="intersects"), np.sort(tree.query(geom, predicate="intersects"))
        )
        idx, dist = grid.query_nearest(geom, return_distance=True, all_matches=False)
        t_idx, t_dist = tree.query_nearest(geom, return_distance=True, all_matches=True)
        assert dist[0] == pytest.approx(t_dist[0], abs=1e-6)
        assert idx[0] in set(t_idx.tolist())
    # the lines are those of the segments, made on demand
    some = np.array([0, 5, 17])
    assert all(shapely.equals_exact(lines[some], tree_lines[some], 0.0))
    assert shapely.equals_exact(lines[3], tree_lines[3], 0.0)


@pytest.mark.parametrize("network_name", ["andorra", "monaco"])
def test_snap_rows_are_the_nearest_segment_its_arcs_and_the_point_on_it(request, network_name):
    from routing import kernels

    net = request.getfixturevalue(f"{network_name}_network")
    grid, _lines, arcs = net._segment_index()
    pts = _points(net, 300, seed=11, spread_m=200.0)
    rows = grid.snap_rows(pts, net.reverse_arc)
    seg, dist, frac = grid.nearest_arrays(pts[:, 0], pts[:, 1])
    assert np.array_equal(rows[:, 0], seg) and np.array_equal(rows[:, 3], dist) and np.array_equal(rows[:, 4], frac)
    assert np.array_equal(rows[:, 1], arcs[seg]) and np.array_equal(rows[:, 2], net.reverse_arc[arcs[seg]])
    ax, ay, bx, by = grid.ends(seg)
    assert np.array_equal(rows[:, 5], ax + frac * (bx - ax)) and np.array_equal(rows[:, 6], ay + frac * (by - ay))
    args = (pts, grid.x, grid.y, grid.seg_tail, grid.seg_head, grid.start, grid.members, grid.x0, grid.y0)
    python = kernels.snap_rows.py_func(*args, grid.cell, grid.nx, grid.ny, grid.arcs, net.reverse_arc)
    assert np.array_equal(python, rows)  # the compiled kernel is its Python reading
    empty = SegmentGrid(np.zeros(0), np.zeros(0), np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int64))
    none = empty.snap_rows(pts[:2], np.zeros(0, np.int64))
    assert none[:, 0].tolist() == [-1, -1] and np.isinf(none[:, 3]).all()


def test_the_index_is_small_arrays_not_geometries(andorra_network):
    grid, _lines, arcs, _tree, _tree_lines = _grid_and_tree(andorra_network)
    assert grid.members.dtype == np.int32 and grid.seg_tail.dtype == np.int32
    # every segment is registered at least in the cells of its two ends
    assert np.array_equal(np.unique(grid.members), np.arange(arcs.size))


def test_an_empty_index_finds_nothing():
    x = y = np.zeros(0)
    grid = SegmentGrid(x, y, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int64))
    assert grid.nearest_many([(1.0, 2.0)]) == [(-1, float("inf"), 0.0)]
    assert grid.query(shapely.Point(0, 0).buffer(10)).size == 0


def test_within_lists_every_segment_in_the_disc_nearest_first(andorra_network):
    grid, _lines, arcs, tree, tree_lines = _grid_and_tree(andorra_network)
    checked = 0
    for px, py in _points(andorra_network, 60, seed=9, spread_m=300.0):
        seg, dist, frac = grid.within(float(px), float(py), 250.0)
        point = shapely.Point(px, py)
        expect = tree.query(point.buffer(250.0, quad_segs=64).envelope, predicate="intersects")
        d = shapely.distance(tree_lines[expect], point)
        assert set(seg.tolist()) == set(expect[d <= 250.0].tolist())
        assert np.all(np.diff(dist) >= 0)
        assert dist == pytest.approx(shapely.distance(tree_lines[seg], point), abs=1e-6)
        if seg.size:
            ax, ay, bx, by = grid.ends(seg[:1])
            at = (ax + frac[0] * (bx - ax), ay + frac[0] * (by - ay))
            assert np.hypot(at[0] - px, at[1] - py) == pytest.approx(dist[0], abs=1e-6)
            nearest, best, _f = grid.nearest(float(px), float(py))
            assert best == pytest.approx(dist[0], abs=1e-6)
            checked += 1
    assert checked > 30

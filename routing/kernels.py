"""Compiled inner loops of the per-request hot path (numba, compiled on first use and cached on disk).

Snapping a route's few points is a search over a few cells of a grid, where numpy's fixed cost per
call is most of the time: a kernel here does in one call what would otherwise be twenty numpy calls
per ring of cells.  Every kernel is a plain function of arrays, so its Python reading is the
specification (``kernel.py_func``); the tests compare the compiled kernels with an STRtree.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numpy as np

_KERNELS: dict[str, Callable[..., Any]] = {}  # the Python reading of every kernel, by name
_COMPILED: dict[str, Any] = {}


def _compiled() -> dict[str, Any]:
    """Every kernel compiled by numba (on its first call; ``cache=True``: later processes load it from
    disk).  The kernels see each other compiled: a kernel may call another, or itself."""
    if not _COMPILED:
        import numba

        scope = dict(globals())
        for name, fn in _KERNELS.items():
            func = types.FunctionType(fn.__code__, scope, name, fn.__defaults__, fn.__closure__)
            func.__qualname__, func.__module__, func.__doc__ = fn.__qualname__, fn.__module__, fn.__doc__
            scope[name] = numba.njit(cache=True, nogil=True)(func)
        _COMPILED.update({name: scope[name] for name in _KERNELS})
    return _COMPILED


def _jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` compiled by numba on its first call (see :func:`_compiled`)."""
    name = fn.__name__
    _KERNELS[name] = fn

    def call(*args: Any) -> Any:
        return (_COMPILED or _compiled())[name](*args)

    call.__name__ = name
    call.__doc__ = fn.__doc__
    call.py_func = fn  # type: ignore[attr-defined]
    return call


@_jit
def nearest_segments(pts, x, y, seg_tail, seg_head, start, members, x0, y0, cell, nx, ny):  # pragma: no cover
    """The nearest segment to each point of ``pts`` (``[n, 2]`` metres) in a
    :class:`~routing.segments.SegmentGrid`'s cells: ``(segment, distance, fraction from its tail)``
    arrays, a tie to the lowest segment index, ``-1`` for none.

    Rings of cells are searched outwards until the best distance found is within the
    radius the searched cells guarantee (``ring - 1/4`` cells: segments are registered every
    half cell along them), or the whole grid was searched.
    """
    n = pts.shape[0]
    out_seg = np.full(n, -1, dtype=np.int64)
    out_dist = np.full(n, np.inf)
    out_frac = np.zeros(n)
    for i in range(n):
        px, py = pts[i, 0], pts[i, 1]
        cx = int(np.floor((px - x0) / cell))
        cy = int(np.floor((py - y0) / cell))
        best, best_seg, best_f = np.inf, -1, 0.0
        ring = 1
        while True:
            c0, c1 = max(0, cx - ring), min(nx - 1, cx + ring)
            r0, r1 = max(0, cy - ring), min(ny - 1, cy + ring)
            if c0 <= c1:
                for r in range(r0, r1 + 1):
                    for k in range(start[r * nx + c0], start[r * nx + c1 + 1]):
                        s = members[k]
                        t, h = seg_tail[s], seg_head[s]
                        ax, ay = x[t], y[t]
                        dx, dy = x[h] - ax, y[h] - ay
                        ex, ey = px - ax, py - ay
                        len2 = dx * dx + dy * dy
                        f = (ex * dx + ey * dy) / len2 if len2 > 0 else 0.0
                        f = min(1.0, max(0.0, f))
                        qx, qy = ex - f * dx, ey - f * dy
                        d2 = qx * qx + qy * qy
                        if d2 < best or (d2 == best and s < best_seg):
                            best, best_seg, best_f = d2, s, f
            whole = cx - ring <= 0 and cy - ring <= 0 and cx + ring >= nx - 1 and cy + ring >= ny - 1
            if whole or (best_seg >= 0 and np.sqrt(best) <= (ring - 0.25) * cell):
                break
            if best_seg >= 0:
                ring = max(ring * 2, int(np.sqrt(best) / cell) + 2)
            else:
                ring *= 2
        out_seg[i], out_dist[i], out_frac[i] = best_seg, np.sqrt(best), best_f
    return out_seg, out_dist, out_frac


@_jit
def snap_rows(pts, x, y, seg_tail, seg_head, start, members, x0, y0, cell, nx, ny, arcs, reverse):  # pragma: no cover
    """What a snap needs of the nearest segment to each point of ``pts`` (:func:`nearest_segments`), as one
    ``[n, 7]`` float64 array (one array returned: each costs its fixed price): the segment, its arc, the
    arc's reverse (-1 for none), the distance, the fraction from the tail, and the snapped point in
    metres, ``x[t] + f * (x[h] - x[t])`` (likewise ``y``) as the Python reading computes it.  A point
    with no segment (an empty grid) has segment -1 and the other columns 0, distance infinite."""
    seg, dist, frac = nearest_segments(pts, x, y, seg_tail, seg_head, start, members, x0, y0, cell, nx, ny)
    n = pts.shape[0]
    out = np.zeros((n, 7))
    for i in range(n):
        s = seg[i]
        out[i, 0], out[i, 3], out[i, 4] = s, dist[i], frac[i]
        if s >= 0:
            a = arcs[s]
            t, h = seg_tail[s], seg_head[s]
            f = frac[i]
            ax, ay = x[t], y[t]
            out[i, 1], out[i, 2] = a, reverse[a]
            out[i, 5], out[i, 6] = ax + f * (x[h] - ax), ay + f * (y[h] - ay)
    return out


@_jit
def weak_components(tail, head, allowed, node_count):  # pragma: no cover
    """The weakly connected component of every node of the graph of the arcs ``allowed`` (a bool per arc
    ``tail -> head``): int64 labels ``0..``, numbered in the order of each component's lowest node.

    A union-find over the arcs (the root of a set is its lowest node, paths halved on the way up), then
    one pass in node order: the partition scipy's ``connected_components(connection="weak")`` finds, in
    one pass over the arcs instead of a sparse matrix built and sorted from them."""
    parent = np.arange(node_count)
    for a in range(tail.shape[0]):
        if allowed[a]:
            x, y = tail[a], head[a]
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            while parent[y] != y:
                parent[y] = parent[parent[y]]
                y = parent[y]
            if x < y:
                parent[y] = x
            elif y < x:
                parent[x] = y
    labels = np.empty(node_count, dtype=np.int64)
    count = 0
    for v in range(node_count):
        r = parent[v]
        while parent[r] != r:
            r = parent[r]
        if r == v:
            labels[v] = count
            count += 1
        else:
            labels[v] = labels[r]  # r < v: labelled already
    return labels


@_jit
def pairwise_sum(a, lo, n):  # pragma: no cover
    """The sum of ``a[lo:lo + n]`` added as numpy adds a float64 array (``a[lo:lo + n].sum()``, bit for
    bit): a range of up to 128 values in eight running sums, a longer one as the sum of its halves
    (split at a multiple of eight).  numpy recurses; this walks the same tree with a stack."""
    frame_lo = np.empty(64, dtype=np.int64)  # the ranges of more than 128 values being summed
    frame_n = np.empty(64, dtype=np.int64)
    left = np.empty(64)  # their left half's sum, once known
    has_left = np.zeros(64, dtype=np.bool_)
    top = -1
    cur_lo, cur_n = lo, n
    while True:
        while cur_n > 128:  # down the left halves
            top += 1
            frame_lo[top], frame_n[top], has_left[top] = cur_lo, cur_n, False
            half = cur_n // 2
            cur_n = half - half % 8
        if cur_n < 8:
            res = 0.0
            for i in range(cur_lo, cur_lo + cur_n):
                res += a[i]
        else:
            j = cur_lo
            r0, r1, r2, r3 = a[j], a[j + 1], a[j + 2], a[j + 3]
            r4, r5, r6, r7 = a[j + 4], a[j + 5], a[j + 6], a[j + 7]
            end = cur_lo + cur_n - cur_n % 8
            j += 8
            while j < end:
                r0, r1, r2, r3 = r0 + a[j], r1 + a[j + 1], r2 + a[j + 2], r3 + a[j + 3]
                r4, r5, r6, r7 = r4 + a[j + 4], r5 + a[j + 5], r6 + a[j + 6], r7 + a[j + 7]
                j += 8
            res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while j < cur_lo + cur_n:
                res += a[j]
                j += 1
        # up: a left half's sum waits for its right half, a right half's completes its range
        while top >= 0 and has_left[top]:
            res = left[top] + res
            top -= 1
        if top < 0:
            return res
        left[top], has_left[top] = res, True
        half = frame_n[top] // 2
        half -= half % 8
        cur_lo, cur_n = frame_lo[top] + half, frame_n[top] - half


@_jit
def end_arcs(s_node, t_node, o_arc, o_rev, o_frac, d_arc, d_rev, d_frac, tail, head):  # pragma: no cover
    """The partial arcs at the ends of an engine path from node ``s_node`` to node ``t_node``:
    ``(first, f0, last, f1)``, the arc from the origin (``o_frac`` along ``o_arc``, ``o_rev`` its
    reverse arc or -1) into ``s_node`` and the share of it driven (:func:`routing.paths.arc_into`),
    and the arc from ``t_node`` to the destination likewise (:func:`routing.paths.arc_from`)."""
    # the partial arc from the origin into the path's first node (routing.paths.arc_into)
    if head[o_arc] == s_node:
        first, f0 = o_arc, 1 - o_frac
    elif o_rev >= 0 and head[o_rev] == s_node:
        first, f0 = o_rev, o_frac
    else:
        first, f0 = o_arc, 0.0
    # the partial arc from the path's last node to the destination (routing.paths.arc_from)
    if tail[d_arc] == t_node:
        last, f1 = d_arc, d_frac
    elif d_rev >= 0 and tail[d_rev] == t_node:
        last, f1 = d_rev, 1 - d_frac
    else:
        last, f1 = d_arc, 0.0
    return first, f0, last, f1


@_jit
def route_parts(
    path, s_node, t_node, o_arc, o_rev, o_frac, o_lon, o_lat, d_arc, d_rev, d_frac, d_lon, d_lat,
    tail, head, node_lon, node_lat, length_m, travel_time_s, main,
):  # pragma: no cover  # fmt: skip
    """What a route needs of an engine path between two snapped points, in one pass: ``(ints, points,
    sums)``, three arrays (each array returned costs a call its fixed price).

    ``ints`` is ``[repeats, b0, b1, *arcs, *nodes]``.  ``arcs`` (``k`` of them) and ``points``
    (``k + 1`` rows) are the driven parts and their vertices as :func:`routing.paths.path_parts` and
    :func:`routing.paths.drive_along` make them (parts of zero length at either end dropped);
    ``nodes`` the path's nodes (``s_node``, then the head of every arc of ``path``); ``repeats``
    how many points repeat their predecessor (as :func:`routing.paths.route_steps` tells them
    apart); ``b0``, ``b1`` the bounds of the legs :func:`routing.paths.split_legs` makes: parts
    ``[0, b0)`` before the first main road (``main`` arcs), ``[b0, b1)`` up to the last, ``[b1, k)``
    after it (``0, k`` for a route with no main road: all transit).  ``sums`` holds the metres and
    seconds driven: in all (as ``part_len.sum()``), then on each of those three ranges (as
    ``np.add.reduceat`` over the legs' starts; zero for an empty range) -- the same floating-point
    additions in the same order as the numpy reading, so the figures are equal to the last bit.

    ``path`` holds the engine path's arc ids from node ``s_node`` to node ``t_node``; the origin
    lies ``o_frac`` along arc ``o_arc`` (``o_rev`` its reverse arc or -1) at ``(o_lon, o_lat)``,
    the destination likewise.
    """
    first, f0, last, f1 = end_arcs(s_node, t_node, o_arc, o_rev, o_frac, d_arc, d_rev, d_frac, tail, head)
    n = path.shape[0]
    lead = 1 if f0 > 0 else 0
    trail = 1 if f1 > 0 else 0
    k = n + lead + trail
    ints = np.empty(3 + k + n + 1, dtype=np.int64)
    arcs = ints[3 : 3 + k]
    nodes = ints[3 + k :]
    nodes[0] = s_node
    for i in range(n):
        nodes[i + 1] = head[path[i]]
    fracs = np.ones(k)
    if lead:
        arcs[0], fracs[0] = first, f0
    for i in range(n):
        arcs[lead + i] = path[i]
    if trail:
        arcs[k - 1], fracs[k - 1] = last, f1
    sums = np.zeros(8)
    ints[0], ints[1], ints[2] = 0, 0, 0
    points = np.empty((k + 1, 2))
    points[0, 0], points[0, 1] = o_lon, o_lat
    if k == 0:
        return ints, points, sums
    for i in range(k - 1):
        h = head[arcs[i]]
        points[i + 1, 0], points[i + 1, 1] = node_lon[h], node_lat[h]
    points[k, 0], points[k, 1] = d_lon, d_lat
    part_len = np.empty(k)
    part_time = np.empty(k)
    repeats = 0
    b0, b1 = -1, -1
    for i in range(k):
        a = arcs[i]
        part_len[i] = fracs[i] * length_m[a]
        part_time[i] = fracs[i] * travel_time_s[a]
        if not (abs(points[i + 1, 0] - points[i, 0]) > 1e-9 or abs(points[i + 1, 1] - points[i, 1]) > 1e-9):
            repeats += 1
        if main[a]:
            if b0 < 0:
                b0 = i
            b1 = i + 1
    if b0 < 0:
        b0, b1 = 0, k
    ints[0], ints[1], ints[2] = repeats, b0, b1
    sums[0] = pairwise_sum(part_len, 0, k)
    sums[1] = pairwise_sum(part_time, 0, k)
    lo = 0
    for slot, hi in ((2, b0), (4, b1), (6, k)):
        if hi > lo:  # np.add.reduceat over one leg: its first value, then the rest added pairwise
            sums[slot] = part_len[lo] + pairwise_sum(part_len, lo + 1, hi - lo - 1)
            sums[slot + 1] = part_time[lo] + pairwise_sum(part_time, lo + 1, hi - lo - 1)
        lo = hi
    return ints, points, sums


@_jit
def drive_parts(
    path, s_node, t_node, o_arc, o_rev, o_frac, o_lon, o_lat, d_arc, d_rev, d_frac, d_lon, d_lat,
    tail, head, node_lon, node_lat, length_m, travel_time_s, main,
):  # pragma: no cover  # fmt: skip
    """The driven parts of an engine path between two snapped points, in one pass: ``(arcs, fracs,
    points, part_len, part_time, steps, repeats, first_main, last_main)``.  The first six are what
    :func:`routing.paths.path_parts`, :func:`routing.paths.drive_along`,
    :meth:`~routing.paths.Drive.part_len` / :meth:`~routing.paths.Drive.part_time` and
    :func:`routing.paths.route_steps` compute; ``repeats[i]`` counts the points among the first
    ``i + 1`` that repeat their predecessor (``repeats[hi] - repeats[lo]`` is zero when points
    ``lo..hi`` hold no repeat), and ``first_main`` / ``last_main`` are the first and last parts on a
    ``main`` arc (-1 for none), as :func:`routing.paths.split_legs` finds them.

    ``path`` holds the engine path's arc ids from node ``s_node`` to node ``t_node``; the origin
    lies ``o_frac`` along arc ``o_arc`` (``o_rev`` its reverse arc or -1) at ``(o_lon, o_lat)``,
    the destination likewise.  Parts of zero length at either end are dropped.
    """
    first, f0, last, f1 = end_arcs(s_node, t_node, o_arc, o_rev, o_frac, d_arc, d_rev, d_frac, tail, head)
    n = path.shape[0]
    lead = 1 if f0 > 0 else 0
    trail = 1 if f1 > 0 else 0
    k = n + lead + trail
    arcs = np.empty(k, dtype=np.int64)
    fracs = np.ones(k)
    if lead:
        arcs[0], fracs[0] = first, f0
    for i in range(n):
        arcs[lead + i] = path[i]
    if trail:
        arcs[k - 1], fracs[k - 1] = last, f1
    points = np.empty((k + 1, 2))
    part_len = np.empty(k)
    part_time = np.empty(k)
    steps = np.zeros(k, dtype=np.bool_)
    repeats = np.zeros(k + 1, dtype=np.int64)
    if k == 0:
        points = np.empty((1, 2))
        points[0, 0], points[0, 1] = o_lon, o_lat
        return arcs, fracs, points, part_len, part_time, steps, repeats, -1, -1
    points[0, 0], points[0, 1] = o_lon, o_lat
    for i in range(k - 1):
        h = head[arcs[i]]
        points[i + 1, 0], points[i + 1, 1] = node_lon[h], node_lat[h]
    points[k, 0], points[k, 1] = d_lon, d_lat
    for i in range(k):
        a = arcs[i]
        part_len[i] = fracs[i] * length_m[a]
        part_time[i] = fracs[i] * travel_time_s[a]
        steps[i] = abs(points[i + 1, 0] - points[i, 0]) > 1e-9 or abs(points[i + 1, 1] - points[i, 1]) > 1e-9
        repeats[i + 1] = repeats[i] + (0 if steps[i] else 1)
    first_main, last_main = -1, -1
    for i in range(k):
        if main[arcs[i]]:
            if first_main < 0:
                first_main = i
            last_main = i
    return arcs, fracs, points, part_len, part_time, steps, repeats, first_main, last_main

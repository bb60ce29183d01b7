"""Compiled inner loops of the per-request hot path (numba, compiled on first use and cached on disk).

Snapping a route's few points is a search over a few cells of a grid, where numpy's fixed cost per
call is most of the time: a kernel here does in one call what would otherwise be twenty numpy calls
per ring of cells.  Every kernel is a plain function of arrays, so its Python reading is the
specification (``kernel.py_func``); the tests compare the compiled kernels with an STRtree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

_COMPILED: dict[str, Any] = {}


def _jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` compiled by numba on its first call (``cache=True``: later processes load it from disk)."""
    name = fn.__name__

    def call(*args: Any) -> Any:
        compiled = _COMPILED.get(name)
        if compiled is None:
            import numba

            compiled = _COMPILED[name] = numba.njit(cache=True, nogil=True)(fn)
        return compiled(*args)

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

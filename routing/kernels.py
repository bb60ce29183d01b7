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

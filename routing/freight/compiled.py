"""Compiled inner loops of a closed-loop route (numba, compiled on first use and cached on disk).

A route of a thousand parts meets a few zones: finding its passages is one
pass over the parts, which numpy does in some thirty calls on small arrays.
Each kernel here is a plain function of arrays, so its Python reading is the
specification (``kernel.py_func``); the tests run both readings.
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


#: :func:`crossing_runs` statuses
NO_HIT, PARTIAL, RUNS = 0, 1, 2


@_jit
def crossing_runs(arcs, fracs, count, indptr, zone):  # pragma: no cover
    """A drive's passages through zones, from an arc-to-zone table (see
    :func:`routing.freight.crossings.zone_crossings`): ``(status, rows, first, last, order)``.

    ``arcs`` / ``fracs`` are the drive's parts; ``count[a]`` is how many zones arc
    ``a`` runs through, rows ``indptr[a]`` onwards of the table hold them
    (``zone[row]`` the zone).  ``status`` is :data:`NO_HIT` when no part meets a
    zone, :data:`PARTIAL` when a part that meets one is only part of its arc
    (the caller cuts it with the polygon; nothing else is returned), else
    :data:`RUNS`: ``rows`` are the table rows of the parts that meet zones,
    grouped by zone and in driving order within a zone (in driving order alone
    when no part meets two zones); a passage is ``rows[first[r]:last[r] + 1]``
    (a zone's rows of consecutive parts), and ``order`` lists the passages in
    driving order, then by zone.
    """
    n = arcs.shape[0]
    empty = np.zeros(0, dtype=np.int64)
    m = 0
    for i in range(n):
        c = int(count[arcs[i]])
        if c > 0:
            if fracs[i] < 1.0 - 1e-12:
                return PARTIAL, empty, empty, empty, empty
            m += c
    if m == 0:
        return NO_HIT, empty, empty, empty, empty
    part = np.empty(m, dtype=np.int64)
    rows = np.empty(m, dtype=np.int64)
    single = True
    k = 0
    for i in range(n):
        a = arcs[i]
        c = int(count[a])
        if c > 1:
            single = False
        for j in range(c):
            part[k] = i
            rows[k] = indptr[a] + j
            k += 1
    zones = np.empty(m, dtype=np.int64)
    for k in range(m):
        zones[k] = zone[rows[k]]
    if not single:  # by zone, then by part (each (part, zone) once)
        key = zones * (n + 1) + part
        by = np.argsort(key)
        part, rows, zones = part[by], rows[by], zones[by]
    starts = np.empty(m, dtype=np.int64)
    r = 0
    for k in range(m):
        if k == 0 or zones[k] != zones[k - 1] or part[k] != part[k - 1] + 1:
            starts[r] = k
            r += 1
    first = starts[:r].copy()
    last = np.empty(r, dtype=np.int64)
    for q in range(r - 1):
        last[q] = first[q + 1] - 1
    last[r - 1] = m - 1
    if single:
        order = np.arange(r)
    else:  # in driving order, then by zone
        max_zone = 0
        for k in range(m):
            max_zone = max(max_zone, zones[k])
        order = np.argsort(part[first] * (max_zone + 1) + zones[first])
    return RUNS, rows, first, last, order

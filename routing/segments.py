"""A flat grid index of a network's segments in its local projection (arrays, no tree of geometries).

Each undirected segment (one arc per pair of opposite arcs) is registered in every cell of a
square grid that a point sampled along it every half cell falls in, as a CSR table
``cell -> segments``.  A segment that comes within ``r`` of a point then has a registered cell
within ``r + cell / 4`` of it, so a search over the cells of that disc's bounding box misses
nothing: :meth:`SegmentGrid.nearest` (snapping) and :meth:`SegmentGrid.query` /
:meth:`SegmentGrid.query_nearest` (shapely predicates on the candidates only) are exact.

Against an STRtree of one shapely line per segment it holds a few int32 arrays (about 40 MB
for 3 million nodes instead of about 1.9 GB of geometries) and is built in seconds.  The lines
themselves (:attr:`SegmentGrid.lines`) are made on demand for the segments asked for.
"""

from __future__ import annotations

import math

import numpy as np

from routing import kernels


class SegmentLines:
    """The shapely line of each indexed segment, made when indexed (``lines[i]``, ``lines[array]``)."""

    def __init__(self, grid: SegmentGrid):
        self._grid = grid

    def __len__(self) -> int:
        return int(self._grid.arcs.size)

    def __getitem__(self, index):
        import shapely

        g = self._grid
        idx = np.asarray(index)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        flat = idx.reshape(-1).astype(np.int64)
        ax, ay, bx, by = g.ends(flat)
        lines = shapely.linestrings(np.stack([np.column_stack([ax, ay]), np.column_stack([bx, by])], axis=1))
        return lines[0] if idx.ndim == 0 else lines.reshape(idx.shape)


class SegmentGrid:
    """The grid index of the segments ``arcs`` (arc ids, one per segment) of nodes at ``x``, ``y`` (metres)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, tail: np.ndarray, head: np.ndarray, arcs: np.ndarray):
        self.x, self.y = x, y
        self.arcs = np.ascontiguousarray(arcs, dtype=np.int64)
        self.seg_tail = np.ascontiguousarray(tail[self.arcs], dtype=np.int32)
        self.seg_head = np.ascontiguousarray(head[self.arcs], dtype=np.int32)
        n = self.arcs.size
        if n:
            x0, y0 = float(x.min()), float(y.min())
            width, height = float(x.max()) - x0, float(y.max()) - y0
            # about one segment per cell over the bbox (cities are denser than that, which is fine)
            cell = math.sqrt(max(width * height, 1.0) / n)
            cell = min(max(cell, 20.0), 2000.0)
        else:
            x0 = y0 = 0.0
            width = height = 0.0
            cell = 100.0
        self.cell = cell
        self.x0, self.y0 = x0 - cell, y0 - cell  # a margin of one cell on every side
        self.nx = int(width // cell) + 3
        self.ny = int(height // cell) + 3
        self.start, self.members = self._register()
        self.lines = SegmentLines(self)

    # -- building ------------------------------------------------------------------------
    def _register(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR ``cell -> segments``: each segment in the cells of points sampled every half cell along it."""
        ax, ay, bx, by = self.ends(np.arange(self.arcs.size))
        length = np.hypot(bx - ax, by - ay)
        samples = np.ceil(length / (self.cell / 2)).astype(np.int64) + 1  # both ends included
        seg = np.repeat(np.arange(self.arcs.size, dtype=np.int64), samples)
        first = np.cumsum(samples) - samples
        k = np.arange(seg.size, dtype=np.int64) - np.repeat(first, samples)
        t = k / np.maximum(np.repeat(samples - 1, samples), 1)
        px = ax[seg] + t * (bx - ax)[seg]
        py = ay[seg] + t * (by - ay)[seg]
        cells = self._cell_of(px, py)
        del px, py, t, k
        key = np.unique(cells * np.int64(self.arcs.size + 1) + seg)  # (cell, segment) pairs, once each
        cells = key // (self.arcs.size + 1)
        members = (key % (self.arcs.size + 1)).astype(np.int32)
        start = np.searchsorted(cells, np.arange(self.nx * self.ny + 1)).astype(np.int64)
        return start, members

    def ends(self, segments: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(ax, ay, bx, by)``: the tail and head of each segment (metres)."""
        t, h = self.seg_tail[segments], self.seg_head[segments]
        return self.x[t], self.y[t], self.x[h], self.y[h]

    def _cell_of(self, px, py) -> np.ndarray:
        cx = np.clip(((px - self.x0) // self.cell).astype(np.int64), 0, self.nx - 1)
        cy = np.clip(((py - self.y0) // self.cell).astype(np.int64), 0, self.ny - 1)
        return cy * self.nx + cx

    @property
    def nbytes(self) -> int:
        return int(self.arcs.nbytes + self.seg_tail.nbytes + self.seg_head.nbytes + self.start.nbytes)

    # -- candidates ----------------------------------------------------------------------
    def candidates(self, left: float, bottom: float, right: float, top: float) -> np.ndarray:
        """Segments (sorted, unique) that may come within the box; every segment that meets it is among them."""
        m = self.cell / 4
        c0 = max(0, int((left - m - self.x0) // self.cell))
        c1 = min(self.nx - 1, int((right + m - self.x0) // self.cell))
        r0 = max(0, int((bottom - m - self.y0) // self.cell))
        r1 = min(self.ny - 1, int((top + m - self.y0) // self.cell))
        if c0 > c1 or r0 > r1:
            return np.zeros(0, dtype=np.int64)
        start, nx = self.start, self.nx
        parts = [self.members[start[r * nx + c0] : start[r * nx + c1 + 1]] for r in range(r0, r1 + 1)]
        found = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        return np.unique(found).astype(np.int64)

    # -- snapping ------------------------------------------------------------------------
    def nearest_many(self, points: list[tuple[float, float]]) -> list[tuple[int, float, float]]:
        """The nearest segment of each ``(px, py)``: ``(segment, distance, fraction along it from its
        tail)``, a tie to the lowest segment index; ``(-1, inf, 0)`` for an empty index.

        One compiled search (:func:`routing.kernels.nearest_segments`) over the rings of cells around each point.
        """
        if self.arcs.size == 0:
            return [(-1, math.inf, 0.0)] * len(points)
        seg, dist, frac = self._search(np.array(points, dtype=np.float64).reshape(-1, 2))
        return list(zip(seg.tolist(), dist.tolist(), frac.tolist()))

    def nearest_arrays(self, px, py) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`nearest_many` of the points ``(px[i], py[i])`` (sequences of floats) as three arrays
        (segments, distances, fractions), without the list of tuples."""
        n = len(px)
        if self.arcs.size == 0:
            return np.full(n, -1, dtype=np.int64), np.full(n, math.inf), np.zeros(n)
        pts = np.empty((n, 2))
        pts[:, 0] = px
        pts[:, 1] = py
        return self._search(pts)

    def nearest_points(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`nearest_arrays` of the ``(n, 2)`` float64 points ``pts`` (metres)."""
        if self.arcs.size == 0:
            n = pts.shape[0]
            return np.full(n, -1, dtype=np.int64), np.full(n, math.inf), np.zeros(n)
        return self._search(pts)

    def _kernel_args(self) -> tuple:
        """This grid as the compiled kernels take it, after the points (see ``nearest_segments``)."""
        return (
            self.x,
            self.y,
            self.seg_tail,
            self.seg_head,
            self.start,
            self.members,
            self.x0,
            self.y0,
            self.cell,
            self.nx,
            self.ny,
        )

    def _search(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The compiled search of the ``(n, 2)`` points ``pts`` over this grid."""
        return kernels.nearest_segments(pts, *self._kernel_args())

    def snap_rows(self, pts: np.ndarray, reverse: np.ndarray) -> np.ndarray:
        """:func:`routing.kernels.snap_rows` of the ``(n, 2)`` float64 points ``pts`` (metres) over this grid,
        ``reverse`` the network's reverse arc of every arc."""
        if self.arcs.size == 0:
            out = np.zeros((pts.shape[0], 7))
            out[:, 0], out[:, 3] = -1, math.inf
            return out
        return kernels.snap_rows(pts, *self._kernel_args(), self.arcs, reverse)

    def nearest(self, px: float, py: float) -> tuple[int, float, float]:
        """:meth:`nearest_many` of one point."""
        return self.nearest_many([(px, py)])[0]

    def within(self, px: float, py: float, radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every segment within ``radius`` of ``(px, py)``, nearest first (a tie to the lower index):
        ``(segments, distances, fractions along each from its tail)``.

        Only the candidates of the disc's cells are measured (a few dozen in a city), so a caller can
        test where each one's nearest point lies without a scan of the network.
        """
        cand = self.candidates(px - radius, py - radius, px + radius, py + radius)
        if cand.size == 0:
            return cand, np.zeros(0), np.zeros(0)
        ax, ay, bx, by = self.ends(cand)
        dx, dy = bx - ax, by - ay
        den = dx * dx + dy * dy
        t = np.where(den > 0, ((px - ax) * dx + (py - ay) * dy) / np.where(den > 0, den, 1.0), 0.0)
        t = np.clip(t, 0.0, 1.0)
        dist = np.hypot(ax + t * dx - px, ay + t * dy - py)
        keep = dist <= radius
        cand, dist, t = cand[keep], dist[keep], t[keep]
        order = np.lexsort((cand, dist))
        return cand[order], dist[order], t[order]

    # -- shapely-style queries (STRtree's signatures, for the callers that used one) ------------
    def query(self, geometry, predicate: str = "intersects") -> np.ndarray:
        """Indices of the segments whose line satisfies ``predicate(line, geometry)`` (sorted)."""
        import shapely

        cand = self.candidates(*shapely.bounds(geometry).tolist())
        if cand.size == 0:
            return cand
        hit = getattr(shapely, predicate)(self.lines[cand], geometry)
        return cand[hit]

    def query_nearest(self, geometry, return_distance: bool = False, all_matches: bool = False):
        """The segment nearest to ``geometry`` as ``STRtree.query_nearest`` answers for one geometry
        (``all_matches=False``: one, the lowest index among ties)."""
        import shapely

        left, bottom, right, top = shapely.bounds(geometry).tolist()
        radius = self.cell
        while True:
            cand = self.candidates(left - radius, bottom - radius, right + radius, top + radius)
            if cand.size:
                dist = shapely.distance(self.lines[cand], geometry)
                k = int(np.argmin(dist))
                if dist[k] <= radius or cand.size == self.arcs.size:
                    idx = np.array([cand[k]], dtype=np.int64)
                    return (idx, np.array([dist[k]])) if return_distance else idx
            elif self.arcs.size == 0:
                empty = np.zeros(0, dtype=np.int64)
                return (empty, np.zeros(0)) if return_distance else empty
            radius *= 4

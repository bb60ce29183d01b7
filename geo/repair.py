"""Bounded repair of invalid polygons: refuse what would explode, and never run GEOS without a time limit.

GEOS ``make_valid`` on a ring of a few hundred random vertices (every edge
crossing many others) runs for tens of seconds and returns thousands of
parts; on a few thousand vertices it runs for many minutes in gigabytes.
:func:`repair_polygon` therefore

1. counts the ring's self-crossings first (an STRtree over its edges, in
   growing batches, stopping as soon as the count passes
   :data:`MAX_CROSSINGS`) and refuses a tangle before any repair;
2. runs ``make_valid`` in a separate worker process with a time limit
   (:data:`REPAIR_TIME_LIMIT_S`): a repair that is still running then is
   stopped by killing the worker (a GEOS call cannot be interrupted in a
   thread) and refused;
3. refuses a result with too many parts or vertices (:data:`MAX_PARTS`,
   :data:`MAX_REPAIRED_VERTICES`) or no area.

The area is not a refusal criterion: a bow-tie's signed (shoelace) area is
zero while its repair, two triangles, has the area anyone drawing it meant,
so a large "area change" is what a good repair of a crossing looks like.

Every refusal is an :class:`~geo.errors.InvalidZoneError` whose message
names the numbers and what to do instead.
"""

from __future__ import annotations

import atexit
import logging
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from geo.errors import InvalidZoneError

logger = logging.getLogger(__name__)

#: A ring crossing itself more often than this is refused without repair.
MAX_CROSSINGS = 200
#: Parts and vertices a repaired polygon may have.
MAX_PARTS = 100
MAX_REPAIRED_VERTICES = 10_000
#: Wall-clock seconds a repair may take in the worker process.
REPAIR_TIME_LIMIT_S = 5.0


@dataclass(frozen=True)
class RepairReport:
    """What a repair did: the result and the numbers the refusals look at."""

    geometry: Polygon | MultiPolygon
    crossings: int
    parts: int
    vertices: int


def _edges(geom: Polygon | MultiPolygon) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every ring edge as a segment, with its ring number, its position in the ring and the ring's edge count."""
    rings = shapely.get_rings(shapely.get_parts(geom))
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    same = ring_of[1:] == ring_of[:-1]  # consecutive vertices of one ring make an edge
    ring = ring_of[:-1][same]
    first = np.searchsorted(ring_of, np.arange(len(rings)))
    pos = np.flatnonzero(same) - first[ring]
    edges_per_ring = np.bincount(ring, minlength=len(rings))
    segments = shapely.linestrings(np.stack([coords[:-1][same], coords[1:][same]], axis=1))
    return segments, ring, pos, edges_per_ring[ring]


def count_crossings(geom: Polygon | MultiPolygon, *, stop_above: int = MAX_CROSSINGS) -> int:
    """Pairs of ring edges that meet other than at their shared vertex (a lower bound once above ``stop_above``).

    Edges next to each other in one ring (they share a vertex) do not count;
    edges of different rings that touch or cross do.
    """
    segments, ring, pos, size = _edges(geom)
    n = len(segments)
    if n == 0:
        return 0
    tree = shapely.STRtree(segments)
    count = 0
    lo, batch = 0, 16
    while lo < n:
        hi = min(n, lo + batch)
        a, b = tree.query(segments[lo:hi], predicate="intersects")
        a = a + lo
        keep = a < b  # each pair once
        a, b = a[keep], b[keep]
        same_ring = ring[a] == ring[b]
        gap = np.abs(pos[a] - pos[b])
        adjacent = same_ring & ((gap == 1) | (gap == size[a] - 1))
        count += int((~adjacent).sum())
        if count > stop_above:
            return count
        lo, batch = hi, min(batch * 4, 4096)
    return count


class RepairWorker:
    """One long-lived worker process for ``make_valid`` (``python -m geo._repair_worker``, a fresh interpreter
    holding none of the parent's memory), spoken to over its stdin/stdout.

    A repair that overruns its time limit kills the worker; the next repair
    starts a new one.  An answer that arrives after the limit (the caller was
    descheduled while the worker finished) is an overrun too, but the worker,
    idle again, is kept.  Thread-safe: repairs are serialised.  ``command``
    replaces the worker's command line (tests start one that never answers).
    """

    def __init__(self, command: list[str] | None = None) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._command = command or [sys.executable, "-m", "geo._repair_worker"]

    def _start(self) -> subprocess.Popen:
        proc = subprocess.Popen(
            self._command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=str(Path(__file__).resolve().parents[1]),
        )
        self._proc = proc
        return proc

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait(timeout=5)
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()

    def repair(self, geom: Polygon | MultiPolygon, *, time_limit_s: float) -> Polygon | MultiPolygon:
        """``make_valid`` of ``geom`` (its polygonal part), or :class:`TimeoutError` after ``time_limit_s``."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is not None:
                self._stop()  # it died since the last repair: close its pipes
            proc = self._proc if self._proc is not None else self._start()
            wkb = shapely.to_wkb(geom)
            assert proc.stdin is not None and proc.stdout is not None  # started with PIPEs
            started = time.monotonic()
            try:
                proc.stdin.write(struct.pack("<I", len(wkb)) + wkb)
                proc.stdin.flush()
                ready, _, _ = select.select([proc.stdout], [], [], time_limit_s)
                status, payload = _read_frame(proc.stdout) if ready else (b"", b"")
            except (OSError, EOFError, struct.error) as err:  # the worker died (out of memory, killed)
                self._stop()
                raise RuntimeError(f"the repair process ended ({err})") from err
            if not ready:
                self._stop()  # GEOS cannot be interrupted: the worker goes, the next repair starts a new one
                raise TimeoutError(f"the repair took longer than {time_limit_s:g} s")
            if time.monotonic() - started > time_limit_s:
                raise TimeoutError(f"the repair took longer than {time_limit_s:g} s")
        if status != b"o":
            raise RuntimeError(payload.decode("utf-8", "replace"))
        return shapely.from_wkb(payload)

    def close(self) -> None:
        with self._lock:
            self._stop()


def _read_frame(stream) -> tuple[bytes, bytes]:
    """One ``status byte + length + payload`` frame from the worker."""
    head = stream.read(5)
    if len(head) < 5:
        raise EOFError("the worker closed its output")
    (length,) = struct.unpack("<I", head[1:])
    payload = stream.read(length)
    if len(payload) < length:
        raise EOFError("the worker closed its output mid-answer")
    return head[:1], payload


_WORKER = RepairWorker()
atexit.register(_WORKER.close)  # a worker still repairing must not outlive the process


def repair_polygon(
    geom: Polygon | MultiPolygon,
    *,
    field_name: str = "geometry",
    time_limit_s: float = REPAIR_TIME_LIMIT_S,
    worker: RepairWorker | None = None,
) -> RepairReport:
    """Repair an invalid polygon within bounds, or refuse it.

    Raises
    ------
    InvalidZoneError
        If the rings cross themselves more than :data:`MAX_CROSSINGS` times, the
        repair takes longer than ``time_limit_s``, or its result has more than
        :data:`MAX_PARTS` parts or :data:`MAX_REPAIRED_VERTICES` vertices, or no area.
    """
    crossings = count_crossings(geom)
    if crossings > MAX_CROSSINGS:
        raise InvalidZoneError(
            f"`{field_name}` crosses itself more than {MAX_CROSSINGS} times (at least {crossings:,} edge crossings): "
            "repairing it would produce a tangle of pieces, not a zone. Redraw the outline without crossing lines "
            "(or split it into several zones)",
            zh=f"`{field_name}` 自相交超过 {MAX_CROSSINGS} 次（至少 {crossings:,} 处边相交）：修复后只会得到一团碎块，而不是一个区域。请重新绘制不交叉的轮廓（或拆分为多个区域）",
        )
    try:
        fixed = (worker or _WORKER).repair(geom, time_limit_s=time_limit_s)
    except TimeoutError as err:
        raise InvalidZoneError(
            f"`{field_name}` could not be repaired: {err}. Simplify the outline (fewer vertices, "
            "no crossing lines) and send it again",
            zh=f"`{field_name}` 无法修复：{err}。请简化轮廓（减少顶点、不要交叉）后重新提交",
        ) from None
    except RuntimeError as err:
        raise InvalidZoneError(
            f"`{field_name}` could not be repaired ({err})", zh=f"`{field_name}` 无法修复（{err}）"
        ) from None
    parts = int(shapely.get_num_geometries(fixed)) if not fixed.is_empty else 0
    vertices = int(shapely.get_num_coordinates(fixed))
    area = float(fixed.area)
    if fixed.is_empty or area == 0:
        raise InvalidZoneError(
            f"`{field_name}` is invalid and could not be repaired into an area",
            zh=f"`{field_name}` 无效，且无法修复为一个面",
        )
    if parts > MAX_PARTS:
        raise InvalidZoneError(
            f"`{field_name}` would be repaired into {parts:,} separate parts (at most {MAX_PARTS}); "
            "redraw the outline without crossing lines",
            zh=f"`{field_name}` 修复后会分成 {parts:,} 个互不相连的部分（至多 {MAX_PARTS} 个）；请重新绘制不交叉的轮廓",
        )
    if vertices > MAX_REPAIRED_VERTICES:
        raise InvalidZoneError(
            f"`{field_name}` would be repaired into {vertices:,} vertices (at most "
            f"{MAX_REPAIRED_VERTICES:,}); simplify the outline",
            zh=f"`{field_name}` 修复后会有 {vertices:,} 个顶点（至多 {MAX_REPAIRED_VERTICES:,} 个）；请简化轮廓",
        )
    return RepairReport(geometry=fixed, crossings=crossings, parts=parts, vertices=vertices)


def close_worker() -> None:
    """Stop the shared repair worker (at shutdown; the next repair starts a new one)."""
    _WORKER.close()


__all__ = [
    "MAX_CROSSINGS",
    "MAX_PARTS",
    "MAX_REPAIRED_VERTICES",
    "REPAIR_TIME_LIMIT_S",
    "RepairReport",
    "RepairWorker",
    "close_worker",
    "count_crossings",
    "repair_polygon",
]

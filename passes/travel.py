"""Impossible travel between two scans of one pass ("即采即走即追"): the same pass scanned at two places no truck
could drive between in the time between the scans.

:func:`impossible_travel` compares the time between two scans with the road network's fastest truck time
between their places (the caller computes it): a second scan made sooner than :data:`TRAVEL_SLACK` of that
time is flagged.  The slack allows a truck faster than the network's road speeds (by up to 1/0.7, about
1.4 times); places closer than :data:`MIN_DISTANCE_M` (a checkpoint's own extent, position noise) are never
compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["MIN_DISTANCE_M", "TRAVEL_SLACK", "ScanPlace", "impossible_travel"]

#: A second scan sooner than this fraction of the network's fastest time is impossible.
TRAVEL_SLACK = 0.7
#: Places closer than this (straight line) are the same place.
MIN_DISTANCE_M = 1_000.0


@dataclass(frozen=True)
class ScanPlace:
    """Where and when a scan was made (``scan_id`` ``None``: the scan being made now)."""

    scan_id: int | None
    at: datetime
    lon: float
    lat: float

    def to_json(self) -> dict[str, Any]:
        return {"scan_id": self.scan_id, "at": self.at.isoformat(), "checkpoint": [self.lon, self.lat]}


def impossible_travel(
    first: ScanPlace, second: ScanPlace, *, distance_m: float, fastest_s: float | None
) -> dict[str, Any] | None:
    """The ``impossible_travel`` flag of ``second`` after ``first``, or ``None`` when the trip was possible.

    ``distance_m`` is the straight-line distance between the places and ``fastest_s`` the network's fastest
    truck time between them (``None``: not known, e.g. a place off the network; never flagged).
    """
    elapsed = (second.at - first.at).total_seconds()
    if fastest_s is None or distance_m < MIN_DISTANCE_M or elapsed < 0 or elapsed >= TRAVEL_SLACK * fastest_s:
        return None
    return {
        "first": first.to_json(),
        "second": second.to_json(),
        "elapsed_s": round(elapsed, 1),
        "fastest_s": round(fastest_s, 1),
        "distance_m": round(distance_m),
    }

"""Point and polygon predicates on geometries that several threads share.

GEOS prepared geometries are not safe to use from two threads at once.
shapely's ``contains_xy`` and ``intersects_xy`` prepare their geometry in place
on first use, and any predicate on a prepared geometry goes through caches
GEOS fills lazily; two request threads testing points against the same zone
polygon (a zone set is shared by every request) then corrupt the heap and abort
the process (``malloc(): unsorted double linked list corrupted``).  Every such
test in the project goes through this module, which serialises them on one
lock.  They are short (microseconds for one point, milliseconds for a whole
network's nodes); distance and overlay operations (``distance``,
``intersection``) do not touch the prepared caches and need no lock.
"""

from __future__ import annotations

import threading

import numpy as np
import shapely

LOCK = threading.Lock()


def contains_xy(geometry, x, y) -> np.ndarray:
    """``shapely.contains_xy`` (prepares ``geometry`` in place), serialised."""
    with LOCK:
        return shapely.contains_xy(geometry, x, y)


def intersects_xy(geometry, x, y) -> np.ndarray:
    """``shapely.intersects_xy`` (prepares ``geometry`` in place), serialised."""
    with LOCK:
        return shapely.intersects_xy(geometry, x, y)


def covers(a, b):
    """``shapely.covers(a, b)``: a bool for two geometries, an array when either is one."""
    with LOCK:
        out = shapely.covers(a, b)
    return bool(out) if np.ndim(out) == 0 else out


def intersects(a, b):
    """``shapely.intersects(a, b)``: a bool for two geometries, an array when either is one."""
    with LOCK:
        out = shapely.intersects(a, b)
    return bool(out) if np.ndim(out) == 0 else out


def covers_point(geometry, lon: float, lat: float) -> bool:
    """Whether ``geometry`` covers the point ``(lon, lat)`` (inside or on its boundary)."""
    return bool(covers(geometry, shapely.Point(lon, lat)))

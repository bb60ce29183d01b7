"""A pass's corridor: compact polyline for the token, hash of the full geometry, distance checks.

All lengths are metres in a local azimuthal-equidistant projection
(:class:`geo.projection.LocalProjection`), never degrees.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely

from geo.errors import InvalidInputError
from geo.projection import LocalProjection, check_lon_lat
from passes.polyline import encode_lonlat

__all__ = [
    "check_corridor",
    "corridor_hash",
    "simplify_corridor",
    "distance_to_corridor_m",
    "ROUNDING_SLACK_M",
    "DEFAULT_TOLERANCE_M",
    "TOLERANCE_STEPS_M",
    "MAX_POLYLINE_CHARS",
]

#: Douglas-Peucker tolerances tried in turn until the polyline fits :data:`MAX_POLYLINE_CHARS`.
TOLERANCE_STEPS_M = (10.0, 20.0, 30.0, 40.0, 60.0, 80.0, 100.0, 120.0, 160.0, 200.0, 250.0, 320.0)
DEFAULT_TOLERANCE_M = TOLERANCE_STEPS_M[0]
MAX_POLYLINE_CHARS = 320
#: Rounding to 1e-5 degrees moves a point by at most ~0.8 m; added to the tolerance on checks.
ROUNDING_SLACK_M = 1.0
MAX_VERTICES = 200_000


def check_corridor(coordinates: object, *, field_name: str = "corridor") -> list[list[float]]:
    """Return a corridor as ``[[lon, lat], ...]`` floats (at least two positions).

    Raises
    ------
    InvalidInputError
        If it is not a list of at least two valid WGS-84 positions.
    """
    if (
        not isinstance(coordinates, Sequence | np.ndarray)
        or isinstance(coordinates, str)
        or not 2 <= len(coordinates) <= MAX_VERTICES
    ):
        raise InvalidInputError(
            f"`{field_name}` was not a list of 2..{MAX_VERTICES} [lon, lat] positions",
            zh=f"`{field_name}` 不是由 2..{MAX_VERTICES} 个 [经度, 纬度] 坐标组成的列表",
        )
    out = []
    for i, c in enumerate(coordinates):
        if not isinstance(c, Sequence | np.ndarray) or isinstance(c, str) or len(c) != 2:
            raise InvalidInputError(
                f"`{field_name}[{i}]` was {c!r}; expected [lon, lat]",
                zh=f"`{field_name}[{i}]` 为 {c!r}；应为 [经度, 纬度]",
            )
        out.append(list(check_lon_lat(c[0], c[1], field_name=f"{field_name}[{i}]")))
    return out


@dataclass(frozen=True)
class PreparedCorridor:
    """A full stored corridor validated and hashed once (the registry caches one per pass)."""

    coordinates: list[list[float]]
    hash: str

    def distance_m(self, point: Sequence[float]) -> float:
        """Metres from ``[lon, lat]`` to the corridor, in a projection centred on the corridor (cached)."""
        line, proj = self._projected()
        px, py = proj.forward(float(point[0]), float(point[1]))
        return float(shapely.distance(line, shapely.Point(px, py)))

    def _projected(self):
        cached = self.__dict__.get("_line")
        if cached is None:
            arr = np.asarray(self.coordinates, dtype=float)
            proj = projection_near(float(arr[:, 0].mean()), float(arr[:, 1].mean()))
            x, y = proj.forward(arr[:, 0], arr[:, 1])
            line = shapely.LineString(np.column_stack([x, y]))
            shapely.prepare(line)
            cached = (line, proj)
            object.__setattr__(self, "_line", cached)
        return cached

    @classmethod
    def of(cls, coordinates: object) -> PreparedCorridor:
        """Validate and hash ``coordinates``.

        Raises
        ------
        InvalidInputError
            If they are not a list of at least two valid WGS-84 positions.
        """
        full = check_corridor(coordinates)
        return cls(full, corridor_hash(full))


def corridor_hash(coordinates: Sequence[Sequence[float]]) -> str:
    """SHA-256 of the full corridor, truncated to 96 bits, base64url (16 characters).

    The canonical text is ``lon,lat;lon,lat;...`` with 6 decimals (~0.1 m), so
    the hash survives a round trip through JSON or a database.
    """
    text = ";".join(f"{float(c[0]):.6f},{float(c[1]):.6f}" for c in coordinates)
    digest = hashlib.sha256(text.encode("ascii")).digest()[:12]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@lru_cache(maxsize=256)
def _projection(lon0: float, lat0: float) -> LocalProjection:
    return LocalProjection(lon0, lat0)


def projection_near(lon: float, lat: float) -> LocalProjection:
    """A cached local projection centred within ~1 km of ``(lon, lat)`` (grid of 0.01 degrees)."""
    return _projection(round(lon, 2), round(lat, 2))


def _round5(coords: np.ndarray) -> list[list[float]]:
    return [[round(float(x), 5), round(float(y), 5)] for x, y in coords]


def simplify_corridor(
    coordinates: Sequence[Sequence[float]], *, tolerance_m: float | None = None, max_chars: int = MAX_POLYLINE_CHARS
) -> tuple[list[list[float]], float]:
    """Simplify a corridor for the token with Douglas-Peucker in metres.

    With ``tolerance_m`` given, simplify with it; otherwise start at
    10 m and widen it in steps (:data:`TOLERANCE_STEPS_M`, up to 320 m) until
    the encoded polyline has at most ``max_chars`` characters (else the 320 m result).  Every point of the original
    line lies within the tolerance (+ :data:`ROUNDING_SLACK_M`) of the result and
    vice versa.

    Returns
    -------
    (coordinates, tolerance_m)
        ``[[lon, lat], ...]`` rounded to 5 decimals, and the tolerance used.

    Raises
    ------
    InvalidInputError
        If the corridor or the tolerance is invalid.
    """
    coords = check_corridor(coordinates)
    arr = np.asarray(coords, dtype=float)
    mid = arr[len(arr) // 2]
    proj = _projection(round(float(mid[0]), 3), round(float(mid[1]), 3))
    x, y = proj.forward(arr[:, 0], arr[:, 1])
    line = shapely.LineString(np.column_stack([x, y]))
    if tolerance_m is not None:
        if not (isinstance(tolerance_m, int | float) and math.isfinite(tolerance_m) and 0 <= tolerance_m <= 10_000):
            raise InvalidInputError(
                f"`tolerance_m` was {tolerance_m!r}; expected 0..10000 metres",
                zh=f"`tolerance_m` 为 {tolerance_m!r}；应在 0..10000 米之间",
            )
        tolerances = [float(tolerance_m)]
    else:
        tolerances = list(TOLERANCE_STEPS_M)
    for tol in tolerances:
        simple = line.simplify(tol, preserve_topology=False) if tol > 0 else line
        xy = np.asarray(simple.coords)
        lon, lat = proj.inverse(xy[:, 0], xy[:, 1])
        # the ends are the original ends exactly (projection round trips can move them by nanometres)
        lon[0], lat[0], lon[-1], lat[-1] = arr[0, 0], arr[0, 1], arr[-1, 0], arr[-1, 1]
        out = _round5(np.column_stack([lon, lat]))
        if len(encode_lonlat(out)) <= max_chars:
            break
    return out, tol


def distance_to_corridor_m(point: Sequence[float], coordinates: Sequence[Sequence[float]]) -> float:
    """Shortest distance in metres from a ``[lon, lat]`` point to a corridor line.

    Computed in a local azimuthal-equidistant projection centred next to the
    point, where distances from the point are true to well under 0.1 %.
    """
    lon, lat = float(point[0]), float(point[1])
    proj = projection_near(lon, lat)
    arr = np.asarray(coordinates, dtype=float)
    x, y = proj.forward(np.append(arr[:, 0], lon), np.append(arr[:, 1], lat))  # one call: the line and the point
    (px, x), (py, y) = (x[-1], x[:-1]), (y[-1], y[:-1])
    if len(arr) == 1:
        return float(math.hypot(x[0] - px, y[0] - py))
    return float(shapely.distance(shapely.LineString(np.column_stack([x, y])), shapely.Point(px, py)))

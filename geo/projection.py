"""Coordinate systems: WGS-84 in and out, local metric projections, GCJ-02.

Distances and buffers are always computed in a projected CRS; never on
degrees.  A :class:`LocalProjection` is an azimuthal equidistant projection
centred on the area of interest, accurate to well under 0.1 % over a city.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from pyproj import Transformer

from geo.errors import InvalidInputError

CRS_NAMES = ("wgs84", "gcj02")


def check_lon_lat(lon: float, lat: float, *, field_name: str = "point") -> tuple[float, float]:
    """Return ``(lon, lat)`` as floats, or raise if they are not a WGS-84 position.

    Raises
    ------
    InvalidInputError
        If a value is not finite or out of range.
    """
    try:
        lon_f, lat_f = float(lon), float(lat)
    except (TypeError, ValueError) as err:
        raise InvalidInputError(
            f"`{field_name}` was {[lon, lat]!r}; expected [lon, lat] numbers",
            zh=f"`{field_name}` 为 {[lon, lat]!r}；应为 [经度, 纬度] 两个数值",
        ) from err
    if not (math.isfinite(lon_f) and math.isfinite(lat_f)):
        raise InvalidInputError(
            f"`{field_name}` was {[lon, lat]!r}; coordinates must be finite numbers",
            zh=f"`{field_name}` 为 {[lon, lat]!r}；坐标必须是有限的数值",
        )
    if not (-180.0 <= lon_f <= 180.0 and -90.0 <= lat_f <= 90.0):
        raise InvalidInputError(
            f"`{field_name}` was {[lon_f, lat_f]!r}; expected [lon, lat] with lon in [-180, 180] "
            "and lat in [-90, 90] (GeoJSON order)",
            zh=f"`{field_name}` 为 {[lon_f, lat_f]!r}；应为 [经度, 纬度]，经度在 [-180, 180]、纬度在 [-90, 90] 之间（GeoJSON 顺序）",
        )
    return lon_f, lat_f


@dataclass(frozen=True)
class LocalProjection:
    """An azimuthal equidistant projection centred on ``(lon0, lat0)``; units metres."""

    lon0: float
    lat0: float
    _fwd: Transformer = field(init=False, repr=False, compare=False)
    _inv: Transformer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        proj = f"+proj=aeqd +lat_0={self.lat0} +lon_0={self.lon0} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
        object.__setattr__(self, "_fwd", Transformer.from_crs("EPSG:4326", proj, always_xy=True))
        object.__setattr__(self, "_inv", Transformer.from_crs(proj, "EPSG:4326", always_xy=True))

    def __getstate__(self) -> dict:
        return {"lon0": self.lon0, "lat0": self.lat0}

    def __setstate__(self, state: dict) -> None:
        object.__setattr__(self, "lon0", state["lon0"])
        object.__setattr__(self, "lat0", state["lat0"])
        self.__post_init__()

    @property
    def proj4(self) -> str:
        return f"+proj=aeqd +lat_0={self.lat0} +lon_0={self.lon0} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"

    def forward(self, lon, lat):
        """WGS-84 ``(lon, lat)`` (scalars or arrays) to metres ``(x, y)``."""
        return self._fwd.transform(lon, lat)

    def inverse(self, x, y):
        """Metres ``(x, y)`` to WGS-84 ``(lon, lat)``."""
        return self._inv.transform(x, y)

    def forward_geom(self, geom):
        """Project a shapely geometry from WGS-84 to metres."""
        import shapely

        return shapely.transform(geom, lambda c: np.column_stack(self._fwd.transform(c[:, 0], c[:, 1])))

    def inverse_geom(self, geom):
        """Project a shapely geometry from metres back to WGS-84."""
        import shapely

        return shapely.transform(geom, lambda c: np.column_stack(self._inv.transform(c[:, 0], c[:, 1])))


def in_china(lon: float, lat: float) -> bool:
    """Whether GCJ-02 applies here (``prcoords``' own test; elsewhere GCJ-02 equals WGS-84)."""
    import prcoords

    return bool(prcoords.sanity_in_china_p(prcoords.Coords(lat, lon)))


def gcj02_to_wgs84(lon: float, lat: float, *, field_name: str = "point") -> tuple[float, float]:
    """Convert a GCJ-02 position (AMap, Tencent maps) to WGS-84 with ``prcoords``.

    Uses the iterative (precise) inverse; outside China GCJ-02 equals WGS-84.
    """
    import prcoords

    lon, lat = check_lon_lat(lon, lat, field_name=field_name)
    if not in_china(lon, lat):
        return lon, lat
    out = prcoords.gcj_wgs_bored((lat, lon))
    return float(out.lon), float(out.lat)


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Convert a WGS-84 position to GCJ-02 (for display in Chinese map apps)."""
    import prcoords

    lon, lat = check_lon_lat(lon, lat)
    if not in_china(lon, lat):
        return lon, lat
    out = prcoords.wgs_gcj((lat, lon))
    return float(out.lon), float(out.lat)


def to_wgs84(lon: float, lat: float, crs: str = "wgs84", *, field_name: str = "point") -> tuple[float, float]:
    """Return a WGS-84 ``(lon, lat)`` for a point given in ``crs``.

    Raises
    ------
    InvalidInputError
        If ``crs`` is not one of :data:`CRS_NAMES` or the point is invalid.
    """
    if crs == "wgs84":
        return check_lon_lat(lon, lat, field_name=field_name)
    if crs == "gcj02":
        return gcj02_to_wgs84(lon, lat, field_name=field_name)
    raise InvalidInputError(
        f"`crs` was {crs!r}; expected one of {list(CRS_NAMES)}", zh=f"`crs` 为 {crs!r}；应为 {list(CRS_NAMES)} 之一"
    )

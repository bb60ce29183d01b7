"""Lines of ``[lon, lat]`` rows: Douglas-Peucker simplification in metres, and Google encoded polylines.

Both work on ``[n, 2]`` numpy arrays of WGS-84 ``[lon, lat]`` (GeoJSON order) and stay fast for lines of
thousands of points: the simplification is GEOS's Douglas-Peucker (``shapely.simplify``) on projected
coordinates, the polyline encoder and decoder are numpy throughout (no Python loop over points).

Where the simplification measures its tolerance
    A GeoJSON line segment is straight in ``[lon, lat]`` (RFC 7946, 3.1.1: positions are interpolated in
    Cartesian longitude/latitude), so the line is projected with a *local equirectangular* map,
    ``x = N(lat0) cos(lat0) (lon - lon0)``, ``y = M(lat0) (lat - lat0)`` with the WGS-84 ellipsoid's radii
    of curvature at the line's middle latitude: an affine map of ``[lon, lat]``, under which the answer's
    segments stay the straight segments a reader draws, and which costs two multiplications per point
    (no pyproj call).  Its scale is exact at ``lat0`` and drifts with latitude (``cos(lat0) / cos(lat)``
    east-west, about 3 % across a 300 km province at 35° N); the tolerance given to GEOS is shrunk by the
    smallest scale over the line, so every dropped point is within ``tolerance_m`` of the kept line in
    true metres at that point, not only in the projection's.  (The network's ``LocalProjection``, an
    azimuthal equidistant projection, is accurate too but bends the answer's straight segments and needs a
    pyproj transform per line.)

Encoded polylines
    Google's algorithm (https://developers.google.com/maps/documentation/utilities/polylinealgorithm),
    whose order is ``(lat, lng)``: each value rounded half away from zero to ``10**-precision`` degrees,
    delta-coded from the previous point, zig-zag signed and written 5 bits per character from ``?``.
    The default precision here is 6 (about 0.1 m, as OSRM's and Valhalla's ``polyline6``), not Google's 5
    (about 1 m): a route answer's GeoJSON carries 7 decimals, and 6 keeps every point within 5e-7°.
    ``passes.polyline`` is the same format, point by point in Python, for the pass token's short corridor.
"""

from __future__ import annotations

import math

import numpy as np

from geo.errors import InvalidInputError

__all__ = ["DEFAULT_PRECISION", "decode_polyline", "encode_polyline", "simplify_indices", "simplify_line"]

#: Decimal digits of an encoded polyline unless asked otherwise (``polyline6``: 1e-6° ≈ 0.1 m).
DEFAULT_PRECISION = 6

# WGS-84
_A = 6378137.0
_E2 = 6.69437999014e-3


def _radii(lat_deg: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """The meridional (``M``) and prime-vertical (``N``) radii of curvature in metres at ``lat_deg``."""
    s = np.sin(np.radians(lat_deg))
    w = 1.0 - _E2 * s * s
    return _A * (1.0 - _E2) / w**1.5, _A / np.sqrt(w)


def _lines(coordinates: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(coordinates, dtype=np.float64)
    if arr.size == 0:
        return arr.reshape(0, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InvalidInputError(
            f"`{name}` had shape {arr.shape}; expected [n, 2] rows of [lon, lat]",
            zh=f"`{name}` 的形状为 {arr.shape}；应为 [n, 2] 的 [经度, 纬度] 行",
        )
    if not np.isfinite(arr).all() or (np.abs(arr[:, 0]) > 180).any() or (np.abs(arr[:, 1]) > 90).any():
        bad = int(np.flatnonzero(~np.isfinite(arr).all(axis=1) | (np.abs(arr) > [180, 90]).any(axis=1))[0])
        raise InvalidInputError(
            f"`{name}[{bad}]` was {arr[bad].tolist()!r}; expected [lon, lat] with lon in [-180, 180] and lat in [-90, 90]",
            zh=f"`{name}[{bad}]` 为 {arr[bad].tolist()!r}；应为 [经度, 纬度]，经度在 [-180, 180]、纬度在 [-90, 90] 之间",
        )
    return arr


def simplify_indices(coordinates: np.ndarray, tolerance_m: float) -> np.ndarray:
    """The indices of the points a Douglas-Peucker simplification keeps, ascending, first and last included.

    Every point left out lies within ``tolerance_m`` metres of the kept line (its segments straight in
    ``[lon, lat]``, as GeoJSON draws them), measured in true metres at that point (see the module's note).

    Raises
    ------
    InvalidInputError
        If ``tolerance_m`` is not a positive finite number, or ``coordinates`` are not ``[n, 2]`` finite
        ``[lon, lat]`` rows.
    """
    import shapely

    if not (isinstance(tolerance_m, int | float) and math.isfinite(tolerance_m) and tolerance_m > 0):
        raise InvalidInputError(
            f"`tolerance_m` was {tolerance_m!r}; expected a positive number of metres",
            zh=f"`tolerance_m` 为 {tolerance_m!r}；应为正的米数",
        )
    arr = _lines(coordinates, "coordinates")
    n = len(arr)
    if n <= 2:
        return np.arange(n, dtype=np.int64)
    south, north = max(float(arr[:, 1].min()), -89.0), min(float(arr[:, 1].max()), 89.0)
    lat0 = 0.5 * (south + north)
    lon0 = float(arr[0, 0])
    m0, n0 = _radii(lat0)
    kx, ky = float(n0) * math.cos(math.radians(lat0)), float(m0)
    # the projection's scale at a point, east-west kx / (N cos lat) and north-south ky / M: the first is
    # smallest where |lat| is (N cos lat is largest at the equator), the second where |lat| is largest
    # (M grows to the poles); the tolerance is shrunk by the smaller of the two
    nearest = 0.0 if south <= 0.0 <= north else min(abs(south), abs(north))
    _, n_near = _radii(nearest)
    m_far, _ = _radii(max(abs(south), abs(north)))
    scale = min(kx / (float(n_near) * math.cos(math.radians(nearest))), ky / float(m_far))
    x = np.radians(arr[:, 0] - lon0) * kx
    y = np.radians(arr[:, 1] - lat0) * ky
    # the point's index rides along as Z (GEOS's simplifier measures in 2D and keeps the kept points' Z)
    line = shapely.linestrings(x, y, np.arange(n, dtype=np.float64))
    kept = shapely.get_coordinates(shapely.simplify(line, tolerance_m * scale, preserve_topology=False), include_z=True)
    idx = kept[:, 2].astype(np.int64)
    if idx[0] != 0 or idx[-1] != n - 1:  # GEOS keeps a line's ends; say so loudly if that ever changes
        raise AssertionError(f"simplification dropped an end of the line: kept {idx[0]}..{idx[-1]} of 0..{n - 1}")
    return idx


def simplify_line(coordinates: np.ndarray, tolerance_m: float) -> np.ndarray:
    """The line's points that a Douglas-Peucker simplification with ``tolerance_m`` metres keeps.

    Parameters
    ----------
    coordinates
        ``[n, 2]`` WGS-84 ``[lon, lat]`` rows.
    tolerance_m
        The largest distance, in metres, from a point left out to the simplified line.

    Returns
    -------
    numpy.ndarray
        ``[k, 2]`` rows, a subsequence of ``coordinates`` (the same values, not re-projected) that always
        holds the first and the last point.

    Raises
    ------
    InvalidInputError
        As :func:`simplify_indices`.
    """
    arr = _lines(coordinates, "coordinates")
    return arr[simplify_indices(arr, tolerance_m)]


def _check_precision(precision: int) -> int:
    if isinstance(precision, bool) or not isinstance(precision, int | np.integer) or not 0 <= precision <= 10:
        raise InvalidInputError(
            f"`precision` was {precision!r}; expected an integer in 0..10",
            zh=f"`precision` 为 {precision!r}；应为 0..10 之间的整数",
        )
    return int(precision)


def encode_polyline(coordinates: np.ndarray, *, precision: int = DEFAULT_PRECISION) -> str:
    """Google encoded polyline of ``[n, 2]`` ``[lon, lat]`` rows (written in Google's ``lat, lng`` order).

    Raises
    ------
    InvalidInputError
        If the rows are not finite ``[lon, lat]`` or ``precision`` is not an integer in 0..10.
    """
    factor = 10 ** _check_precision(precision)
    arr = _lines(coordinates, "coordinates")
    if len(arr) == 0:
        return ""
    scaled = arr[:, ::-1] * factor  # Google's order: lat, lng
    # rounded half away from zero, as Google's reference (numpy's round is half to even)
    q = (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype(np.int64)
    deltas = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).reshape(-1)
    values = np.where(deltas < 0, ~(deltas << 1), deltas << 1)  # zig-zag: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ...
    # each value takes as many 5-bit chunks as its bits need, at least one (frexp's exponent is the bit
    # length, exact below 2**53), least significant first; all but its last carry 0x20, "more follows"
    counts = np.maximum(1, (np.frexp(values.astype(np.float64))[1] + 4) // 5)
    ends = np.cumsum(counts)
    position = np.arange(int(ends[-1])) - np.repeat(ends - counts, counts)
    chars = ((np.repeat(values, counts) >> (5 * position)) & 0x1F) + (63 + 0x20)
    chars[ends - 1] -= 0x20
    return chars.astype(np.uint8).tobytes().decode("ascii")


def decode_polyline(text: str, *, precision: int = DEFAULT_PRECISION) -> np.ndarray:
    """The ``[n, 2]`` ``[lon, lat]`` rows of a Google encoded polyline (read in Google's ``lat, lng`` order).

    Raises
    ------
    InvalidInputError
        If ``text`` is not a string of ``?``..``~``, ends inside a value or holds an odd number of values,
        or ``precision`` is not an integer in 0..10.
    """
    factor = 10 ** _check_precision(precision)
    if not isinstance(text, str):
        raise InvalidInputError(
            f"polyline was {type(text).__name__}; expected a string", zh=f"折线编码为 {type(text).__name__}；应为字符串"
        )
    try:
        raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8).astype(np.int64)
    except UnicodeEncodeError as err:
        raise InvalidInputError(
            "polyline holds a non-ASCII character; expected '?'..'~'", zh="折线编码中有非 ASCII 字符；应为 '?'..'~'"
        ) from err
    if len(raw) == 0:
        return np.zeros((0, 2), dtype=np.float64)
    outside = np.flatnonzero((raw < 63) | (raw > 126))
    if len(outside):
        pos = int(outside[0])
        raise InvalidInputError(
            f"polyline character {text[pos]!r} at {pos} is outside '?'..'~'",
            zh=f"折线编码第 {pos} 位的字符 {text[pos]!r} 不在 '?'..'~' 之内",
        )
    b = raw - 63
    last = (b & 0x20) == 0  # a value's last character
    if not last[-1]:
        raise InvalidInputError(
            "polyline ends in the middle of a value; it was truncated", zh="折线编码在一个数值的中间结束；它被截断了"
        )
    ends = np.flatnonzero(last)
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts + 1
    if lengths.max() > 12:  # 60 bits: beyond any coordinate at precision 10
        raise InvalidInputError("polyline holds a value that is too long", zh="折线编码中有一个过长的数值")
    if len(ends) % 2:
        raise InvalidInputError(
            "polyline ends in the middle of a point; it was truncated", zh="折线编码在一个点的中间结束；它被截断了"
        )
    position = np.arange(len(b)) - np.repeat(starts, lengths)
    values = np.add.reduceat((b & 0x1F) << (5 * position), starts)
    deltas = (values >> 1) ^ -(values & 1)  # zig-zag back to signed
    latlng = np.cumsum(deltas.reshape(-1, 2), axis=0) / factor
    return np.ascontiguousarray(latlng[:, ::-1])

"""Google encoded polyline algorithm (precision 5 by default).

Implemented here because the ``polyline`` package is not a dependency.  The
format is documented at
https://developers.google.com/maps/documentation/utilities/polylinealgorithm:
each coordinate is rounded to ``10**-precision`` degrees, delta-encoded from
the previous point, zig-zag signed, and written 5 bits per character
(offset 63, so every character is printable ASCII in ``?``..``~``).

Google's order is ``(lat, lng)``; :func:`encode_lonlat` / :func:`decode_lonlat`
wrap it for the GeoJSON ``[lon, lat]`` order used everywhere else in Baotong.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from geo.errors import InvalidInputError

__all__ = ["encode", "decode", "encode_lonlat", "decode_lonlat"]


def _round_half_away(value: float) -> int:
    # Google's reference rounds half away from zero (Math.round on |x| with the sign kept);
    # Python's round() is banker's rounding, which differs on exact halves.
    return int(math.floor(abs(value) + 0.5)) * (1 if value >= 0 else -1)


def _encode_value(value: int, out: list[str]) -> None:
    value = ~(value << 1) if value < 0 else value << 1
    while value >= 0x20:
        out.append(chr((0x20 | (value & 0x1F)) + 63))
        value >>= 5
    out.append(chr(value + 63))


def encode(points: Iterable[Sequence[float]], precision: int = 5) -> str:
    """Encode ``(lat, lng)`` pairs as a Google encoded polyline.

    Raises
    ------
    InvalidInputError
        If a point is not a pair of finite numbers or ``precision`` is not in 0..10.
    """
    if not isinstance(precision, int) or not 0 <= precision <= 10:
        raise InvalidInputError(
            f"`precision` was {precision!r}; expected an integer in 0..10",
            zh=f"`precision` 为 {precision!r}；应为 0..10 之间的整数",
        )
    factor = 10**precision
    out: list[str] = []
    prev_lat = prev_lng = 0
    for i, point in enumerate(points):
        try:
            lat, lng = float(point[0]), float(point[1])
        except (TypeError, ValueError, IndexError) as err:
            raise InvalidInputError(
                f"point {i} was {point!r}; expected (lat, lng) numbers",
                zh=f"第 {i} 个点为 {point!r}；应为 (纬度, 经度) 两个数值",
            ) from err
        if len(point) != 2 or not (math.isfinite(lat) and math.isfinite(lng)):
            raise InvalidInputError(
                f"point {i} was {point!r}; expected a finite (lat, lng) pair",
                zh=f"第 {i} 个点为 {point!r}；应为有限的 (纬度, 经度) 数对",
            )
        ilat, ilng = _round_half_away(lat * factor), _round_half_away(lng * factor)
        _encode_value(ilat - prev_lat, out)
        _encode_value(ilng - prev_lng, out)
        prev_lat, prev_lng = ilat, ilng
    return "".join(out)


def decode(text: str, precision: int = 5) -> list[tuple[float, float]]:
    """Decode a Google encoded polyline into ``(lat, lng)`` pairs.

    Raises
    ------
    InvalidInputError
        If ``text`` holds a character outside ``?``..``~`` or ends mid-value
        or with an unpaired coordinate.
    """
    if not isinstance(text, str):
        raise InvalidInputError(
            f"polyline was {type(text).__name__}; expected a string",
            zh=f"折线编码的类型为 {type(text).__name__}；应为字符串",
        )
    factor = 10**precision
    try:
        data = text.encode("ascii")
    except UnicodeEncodeError:
        raise InvalidInputError(
            "polyline holds a non-ASCII character; expected '?'..'~'",
            zh="折线编码含有非 ASCII 字符；应在 '?'..'~' 范围内",
        ) from None
    if data and (min(data) < 63 or max(data) > 126):
        pos = next(i for i, b in enumerate(data) if not 63 <= b <= 126)
        raise InvalidInputError(
            f"polyline character {text[pos]!r} at {pos} is outside '?'..'~'",
            zh=f"折线编码第 {pos} 位的字符 {text[pos]!r} 不在 '?'..'~' 范围内",
        )
    values: list[int] = []
    shift = result = 0
    for b in data:
        b -= 63
        result |= (b & 0x1F) << shift
        if b < 0x20:
            values.append(~(result >> 1) if result & 1 else result >> 1)
            shift = result = 0
        else:
            shift += 5
            if shift > 60:
                raise InvalidInputError("polyline holds a value that is too long", zh="折线编码中有一个过长的数值")
    if shift or len(values) % 2:
        raise InvalidInputError(
            "polyline ends in the middle of a point; it was truncated", zh="折线编码在一个点的中间结束；它被截断了"
        )
    out: list[tuple[float, float]] = []
    lat = lng = 0
    for i in range(0, len(values), 2):
        lat += values[i]
        lng += values[i + 1]
        out.append((lat / factor, lng / factor))
    return out


def encode_lonlat(coordinates: Iterable[Sequence[float]], precision: int = 5) -> str:
    """Encode GeoJSON-order ``[lon, lat]`` positions (swapped to Google's order)."""
    return encode(((c[1], c[0]) for c in coordinates), precision)


def decode_lonlat(text: str, precision: int = 5) -> list[list[float]]:
    """Decode a polyline into GeoJSON-order ``[lon, lat]`` positions."""
    return [[lng, lat] for lat, lng in decode(text, precision)]

"""A small, vectorised Mapbox Vector Tile (MVT 2.1) encoder for the offline basemap.

The geometry command streams of every feature of a layer are built with a
handful of numpy operations over all their vertices at once (no Python step
per vertex or per part); the protobuf framing is written by hand.  Decoding is
left to the maintained ``mapbox-vector-tile`` package, which the tests use to
check what this writes.

Coordinates handed in are already tile-local integers (0..extent, a little
beyond for the clip buffer), y pointing down, as the specification wants.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Geometry types of the specification.
POINT, LINESTRING, POLYGON = 1, 2, 3
_MOVE_TO_1 = (1 << 3) | 1
_CLOSE_PATH_1 = (1 << 3) | 7


def _varint_of(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


#: The varints of 0 .. 2**14 - 1 (one or two bytes): a feature's lengths and tags are nearly all below.
_SMALL_VARINTS = tuple(_varint_of(v) for v in range(1 << 14))


def _varint(value: int) -> bytes:
    return _SMALL_VARINTS[value] if value < 16384 else _varint_of(value)


def varints(values: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Base-128 varints of non-negative integers below 2**35, concatenated, and each value's byte length."""
    v = np.asarray(values, dtype=np.uint64)
    if v.size == 0:
        return b"", np.zeros(0, dtype=np.int64)
    nbytes = np.ones(v.size, dtype=np.int64)
    for k in range(1, 5):
        nbytes += (v >> np.uint64(7 * k)) > 0
    groups = np.empty((v.size, 5), dtype=np.uint8)
    for k in range(5):
        groups[:, k] = ((v >> np.uint64(7 * k)) & np.uint64(0x7F)).astype(np.uint8)
    cols = np.arange(5)[None, :]
    groups[cols < (nbytes - 1)[:, None]] |= 0x80
    return groups[cols < nbytes[:, None]].tobytes(), nbytes


def _field(number: int, wire: int) -> bytes:
    return _varint((number << 3) | wire)


#: The keys of a feature's tags (field 2 of a Feature) and of a feature in its layer (field 2 of a Layer).
_TAGS_KEY = _FEATURE_KEY = _field(2, 2)


def _bytes_field(number: int, payload: bytes) -> bytes:
    return _field(number, 2) + _varint(len(payload)) + payload


def _zigzag(values: np.ndarray) -> np.ndarray:
    v = values.astype(np.int64)
    return ((v << 1) ^ (v >> 63)).astype(np.uint64)


def _starts(ids: np.ndarray) -> np.ndarray:
    first = np.ones(ids.size, dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    return first


def _dedupe(coords: np.ndarray, part: np.ndarray) -> np.ndarray:
    """Mask keeping the first vertex of each part and every vertex that differs from the previous one."""
    keep = _starts(part)
    keep[1:] |= (coords[1:] != coords[:-1]).any(axis=1)
    return keep


def _stream(
    coords: np.ndarray, part: np.ndarray, feature: np.ndarray, *, closed: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The command stream of parts (lines or rings) grouped in features, and each feature's stream length.

    ``coords`` [n, 2] int, ``part`` and ``feature`` [n] non-decreasing ids per
    vertex (a part lies in one feature).  A part is ``MoveTo(1) x y LineTo(k)
    dx dy ...`` (``ClosePath`` after a ring); deltas run on across the parts of
    one feature and start from (0, 0) at each feature.
    """
    n = coords.shape[0]
    part_first = _starts(part)
    feat_first = _starts(feature)
    prev = np.empty_like(coords)
    prev[1:] = coords[:-1]
    prev[feat_first] = 0
    zz = _zigzag(coords - prev)
    part_start_idx = np.flatnonzero(part_first)
    counts = np.diff(np.append(part_start_idx, n))
    per_part = 2 * counts + 2 + (1 if closed else 0)
    offsets = np.concatenate([[0], np.cumsum(per_part)])
    out = np.empty(int(offsets[-1]), dtype=np.uint64)
    base = np.repeat(offsets[:-1], counts)
    j = np.arange(n) - np.repeat(part_start_idx, counts)
    pos = np.where(j == 0, base + 1, base + 2 * j + 2)
    out[pos] = zz[:, 0]
    out[pos + 1] = zz[:, 1]
    out[offsets[:-1]] = _MOVE_TO_1
    out[offsets[:-1] + 3] = ((counts - 1).astype(np.uint64) << np.uint64(3)) | np.uint64(2)
    if closed:
        out[offsets[1:] - 1] = _CLOSE_PATH_1
    part_feature = feature[part_start_idx]
    feat_ids, feat_part_start = np.unique(part_feature, return_index=True)
    feat_len = np.add.reduceat(per_part, feat_part_start) if feat_ids.size else np.zeros(0, dtype=np.int64)
    return out, feat_len


def line_streams(
    coords: np.ndarray, part: np.ndarray, feature: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(stream, feature_ids, stream_lengths)`` of lines: repeated vertices dropped, parts of < 2 vertices dropped."""
    coords = np.asarray(coords, dtype=np.int64).reshape(-1, 2)
    if coords.shape[0] == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    keep = _dedupe(coords, part)
    coords, part, feature = coords[keep], part[keep], feature[keep]
    starts = np.flatnonzero(_starts(part))
    counts = np.diff(np.append(starts, part.size))
    ok = np.repeat(counts >= 2, counts)
    coords, part, feature = coords[ok], part[ok], feature[ok]
    if coords.shape[0] == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    stream, lengths = _stream(coords, part, feature, closed=False)
    return stream, np.unique(feature), lengths


def polygon_streams(
    coords: np.ndarray, ring: np.ndarray, exterior: np.ndarray, feature: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(stream, feature_ids, stream_lengths)`` of polygons from their rings.

    ``ring`` [n] ring id per vertex (rings of one polygon consecutive, its
    exterior first), ``exterior`` [n] whether the vertex's ring is an exterior.
    Closing vertices, repeated vertices and rings of fewer than three distinct
    vertices or no area are dropped (holes of a dropped exterior with it); rings
    are oriented as the specification wants in y-down tile coordinates:
    exteriors with positive shoelace area, holes negative.
    """
    coords = np.asarray(coords, dtype=np.int64).reshape(-1, 2)
    empty = (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    if coords.shape[0] == 0:
        return empty
    keep = _dedupe(coords, ring)
    coords, ring, exterior, feature = coords[keep], ring[keep], exterior[keep], feature[keep]
    # drop the closing vertex of each ring (the one equal to the ring's first)
    starts = np.flatnonzero(_starts(ring))
    ends = np.append(starts[1:], ring.size) - 1
    closing = np.zeros(ring.size, dtype=bool)
    closing[ends[(ends > starts) & (coords[ends] == coords[starts]).all(axis=1)]] = True
    coords, ring, exterior, feature = coords[~closing], ring[~closing], exterior[~closing], feature[~closing]
    starts = np.flatnonzero(_starts(ring))
    counts = np.diff(np.append(starts, ring.size))
    # shoelace area per ring (twice the signed area)
    nxt = np.arange(ring.size) + 1
    nxt[np.append(starts[1:], ring.size) - 1] = starts
    cross = coords[:, 0] * coords[nxt, 1] - coords[nxt, 0] * coords[:, 1]
    area2 = np.add.reduceat(cross.astype(np.float64), starts)
    ring_ok = (counts >= 3) & (area2 != 0)
    ring_ext = exterior[starts]
    # a hole whose exterior was dropped goes too: carry "alive" along each polygon (exterior, then its holes)
    polygon_no = np.cumsum(ring_ext) - 1
    polygon_alive = np.zeros(int(polygon_no.max()) + 1 if polygon_no.size else 0, dtype=bool)
    polygon_alive[polygon_no[ring_ext]] = ring_ok[ring_ext]
    ring_ok &= polygon_alive[polygon_no]
    flip = ring_ok & ((area2 > 0) != ring_ext)
    # reverse the flipped rings in place
    order = np.arange(ring.size)
    rev_idx = np.repeat(starts + counts - 1, counts) - (order - np.repeat(starts, counts))
    flip_v = np.repeat(flip, counts)
    order[flip_v] = rev_idx[flip_v]
    coords = coords[order]
    alive = np.repeat(ring_ok, counts)
    coords, ring, feature = coords[alive], ring[alive], feature[alive]
    if coords.shape[0] == 0:
        return empty
    stream, lengths = _stream(coords, ring, feature, closed=True)
    return stream, np.unique(feature), lengths


def _scatter(out: np.ndarray, starts: np.ndarray, lengths: np.ndarray, data: np.ndarray) -> None:
    """Write ``data`` (runs of ``lengths`` bytes one after another) at ``starts`` in ``out``."""
    local = np.arange(data.size, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out[np.repeat(starts, lengths) + local] = data


def _frame_untagged(feature_key: bytes, head: bytes, geometries: bytes, sizes: np.ndarray) -> bytes:
    """Features without tags framed as a layer holds them, one after another: for each, ``feature_key``, the
    length, ``head`` (the type and the geometry's key), the geometry's length and its bytes (``sizes`` each,
    one after another in ``geometries``) -- what the per-feature loop of :meth:`LayerBuilder.add_many` writes."""
    sizes = np.asarray(sizes, dtype=np.int64)
    size_bytes, size_n = varints(sizes)
    body = len(head) + size_n + sizes
    body_bytes, body_n = varints(body)
    total = len(feature_key) + body_n + body
    start = np.cumsum(total) - total
    out = np.empty(int(total.sum()), dtype=np.uint8)
    key = np.frombuffer(feature_key, dtype=np.uint8)
    out[start[:, None] + np.arange(key.size)] = key
    at = start + key.size
    _scatter(out, at, body_n, np.frombuffer(body_bytes, dtype=np.uint8))
    at = at + body_n
    out[at[:, None] + np.arange(len(head))] = np.frombuffer(head, dtype=np.uint8)
    at = at + len(head)
    _scatter(out, at, size_n, np.frombuffer(size_bytes, dtype=np.uint8))
    _scatter(out, at + size_n, sizes, np.frombuffer(geometries, dtype=np.uint8))
    return out.tobytes()


class LayerBuilder:
    """One MVT layer: features with string-valued properties, keys and values interned."""

    def __init__(self, name: str, *, extent: int = 4096):
        self.name = name
        self.extent = extent
        self._keys: dict[str, int] = {}
        self._values: dict[str, int] = {}
        self._features: list[bytes] = []  # framed already (the layer's field 2, a length, the feature), or a run
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add_many(
        self, geom_type: int, stream: np.ndarray, lengths: np.ndarray, properties: Sequence[dict[str, str | None]]
    ) -> None:
        """Add features whose command streams lie one after another in ``stream`` (``lengths`` each)."""
        data, nbytes = varints(stream)
        ends = np.cumsum(nbytes)
        bounds = np.concatenate([[0], ends[np.cumsum(lengths) - 1]]) if len(lengths) else np.zeros(1, dtype=np.int64)
        head = _field(3, 0) + _varint(geom_type) + _field(4, 2)  # the type, then the geometry's key
        if len(lengths) and not any(properties):  # no tags (a province's buildings): framed all at once
            self._features.append(_frame_untagged(_FEATURE_KEY, head, data, np.diff(bounds)))
            self._count += len(lengths)
            return
        keys, values = self._keys, self._values
        features = self._features
        self._count += len(properties)
        cuts = bounds.tolist()
        for k, props in enumerate(properties):
            geometry = data[cuts[k] : cuts[k + 1]]
            body = head + _varint(len(geometry)) + geometry
            if props:
                tags: list[int] = []
                for key, value in props.items():
                    if value is None or value == "":
                        continue
                    tags.append(keys.setdefault(key, len(keys)))
                    tags.append(values.setdefault(str(value), len(values)))
                if tags:
                    packed = b"".join([_varint(t) for t in tags])
                    body = _TAGS_KEY + _varint(len(packed)) + packed + body
            features.append(_FEATURE_KEY + _varint(len(body)) + body)

    def encode(self) -> bytes:
        parts = [_field(15, 0) + _varint(2) + _bytes_field(1, self.name.encode("utf-8")), *self._features]
        parts += [_bytes_field(3, key.encode("utf-8")) for key in self._keys]
        parts += [_bytes_field(4, _bytes_field(1, value.encode("utf-8"))) for value in self._values]
        parts.append(_field(5, 0) + _varint(self.extent))
        return b"".join(parts)


def encode_tile(layers: Sequence[LayerBuilder]) -> bytes:
    """The protobuf bytes of a tile made of the non-empty ``layers``."""
    return b"".join(_bytes_field(3, layer.encode()) for layer in layers if len(layer))


__all__ = [
    "POINT",
    "LINESTRING",
    "POLYGON",
    "LayerBuilder",
    "encode_tile",
    "line_streams",
    "polygon_streams",
    "varints",
]

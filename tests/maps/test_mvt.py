"""The vectorised MVT encoder, checked by decoding with the maintained mapbox-vector-tile package."""

from __future__ import annotations

import numpy as np
import pytest

mapbox_vector_tile = pytest.importorskip("mapbox_vector_tile")

from maps import mvt  # noqa: E402


def _decode(data: bytes) -> dict:
    # y_coord_down: keep tile coordinates as encoded (y pointing down)
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})


def test_varints_match_the_protobuf_encoding():
    values = np.array([0, 1, 127, 128, 300, 16383, 16384, 2**21, 2**28 + 5, 2**35 - 1], dtype=np.uint64)
    data, nbytes = mvt.varints(values)
    assert nbytes.tolist() == [1, 1, 1, 2, 2, 2, 3, 4, 5, 5]
    # decode by hand
    out, cur, shift = [], 0, 0
    for byte in data:
        cur |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            out.append(cur)
            cur, shift = 0, 0
    assert out == values.tolist()


def test_lines_round_trip_with_parts_properties_and_repeats():
    layer = mvt.LayerBuilder("roads")
    coords = np.array(
        [
            [0, 0],
            [10, 0],
            [10, 0],
            [10, 20],  # feature 0, part 0 (a repeated vertex)
            [50, 50],
            [60, 70],  # feature 0, part 1
            [5, 5],  # feature 1, part 2: one vertex, dropped
            [100, 200],
            [300, 400],
        ]
    )  # feature 2, part 3
    part = np.array([0, 0, 0, 0, 1, 1, 2, 3, 3])
    feature = np.array([0, 0, 0, 0, 0, 0, 1, 2, 2])
    stream, fids, lengths = mvt.line_streams(coords, part, feature)
    assert fids.tolist() == [0, 2]
    layer.add_many(
        mvt.LINESTRING, stream, lengths, [{"kind": "primary", "name": "人民路"}, {"kind": "minor", "ref": None}]
    )
    tile = _decode(mvt.encode_tile([layer]))
    feats = tile["roads"]["features"]
    assert len(feats) == 2
    assert feats[0]["geometry"] == {
        "type": "MultiLineString",
        "coordinates": [[[0, 0], [10, 0], [10, 20]], [[50, 50], [60, 70]]],
    }
    assert feats[0]["properties"] == {"kind": "primary", "name": "人民路"}
    assert feats[1]["geometry"] == {"type": "LineString", "coordinates": [[100, 200], [300, 400]]}
    assert feats[1]["properties"] == {"kind": "minor"}  # None is not written
    assert tile["roads"]["extent"] == 4096


def _ring(points):
    return np.array(points + [points[0]])


def test_polygons_are_oriented_closed_and_degenerate_rings_dropped():
    # exterior given counter-clockwise on screen (negative area in y-down coordinates), a hole the same way,
    # a second polygon whose exterior collapses (all on one line): dropped with its hole
    ext = _ring([[0, 0], [0, 100], [100, 100], [100, 0]])
    hole = _ring([[20, 20], [20, 40], [40, 40], [40, 20]])
    flat = _ring([[200, 0], [300, 0], [250, 0]])
    flat_hole = _ring([[210, 1], [220, 1], [215, 2]])
    coords = np.vstack([ext, hole, flat, flat_hole])
    ring = np.repeat([0, 1, 2, 3], [len(ext), len(hole), len(flat), len(flat_hole)])
    exterior = np.repeat([True, False, True, False], [len(ext), len(hole), len(flat), len(flat_hole)])
    feature = np.repeat([0, 0, 1, 1], [len(ext), len(hole), len(flat), len(flat_hole)])
    stream, fids, lengths = mvt.polygon_streams(coords, ring, exterior, feature)
    assert fids.tolist() == [0]
    layer = mvt.LayerBuilder("water")
    layer.add_many(mvt.POLYGON, stream, lengths, [{"kind": "water"}])
    feat = _decode(mvt.encode_tile([layer]))["water"]["features"][0]
    assert feat["geometry"]["type"] == "Polygon"
    outer, inner = feat["geometry"]["coordinates"]

    def area2(r):
        r = np.array(r[:-1], dtype=float)
        return float(np.dot(r[:, 0], np.roll(r[:, 1], -1)) - np.dot(np.roll(r[:, 0], -1), r[:, 1]))

    assert area2(outer) > 0 > area2(inner)  # the specification's orientation in y-down tile coordinates
    assert sorted(map(tuple, outer[:-1])) == sorted(map(tuple, ext[:-1].tolist()))


def test_an_empty_layer_is_left_out_of_the_tile():
    empty = mvt.LayerBuilder("buildings")
    roads = mvt.LayerBuilder("roads")
    stream, fids, lengths = mvt.line_streams(np.array([[0, 0], [1, 1]]), np.array([0, 0]), np.array([0, 0]))
    roads.add_many(mvt.LINESTRING, stream, lengths, [{}])
    assert set(_decode(mvt.encode_tile([empty, roads]))) == {"roads"}
    assert mvt.encode_tile([empty]) == b""


def test_the_scalar_varint_agrees_with_the_vector_one_across_the_table_edge():
    values = [0, 1, 127, 128, 300, 16383, 16384, 16385, 2**21, 2**35 - 1]
    data, _ = mvt.varints(np.array(values, dtype=np.uint64))
    assert b"".join(mvt._varint(v) for v in values) == data
    assert all(mvt._varint(v) == mvt._varint_of(v) for v in values)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_features_without_tags_are_framed_as_the_per_feature_loop_frames_them(seed):
    """Seeded polygons of 1 to 3,000 vertices (geometries of one byte to over 16 kB): the layer built with
    no properties (framed all at once) is byte for byte the layer built with a tag on none of them."""
    rng = np.random.default_rng(seed)
    n = 40
    sizes = rng.integers(3, 3000, n)
    sizes[: n // 4] = 3
    coords, ring, exterior, feature = [], [], [], []
    for k, m in enumerate(sizes.tolist()):
        angle = np.sort(rng.uniform(0, 2 * np.pi, m))
        radius = rng.uniform(50, 2000)
        coords.append(np.column_stack([2048 + radius * np.cos(angle), 2048 + radius * np.sin(angle)]).astype(np.int64))
        ring += [k] * m
        exterior += [True] * m
        feature += [k] * m
    stream, fids, lengths = mvt.polygon_streams(
        np.concatenate(coords), np.array(ring), np.array(exterior), np.array(feature)
    )
    assert fids.size > n // 2 and int(lengths.max()) > 128
    untagged, tagged_none = mvt.LayerBuilder("buildings"), mvt.LayerBuilder("buildings")
    untagged.add_many(mvt.POLYGON, stream, lengths, [{} for _ in fids])
    tagged_none.add_many(mvt.POLYGON, stream, lengths, [{"name": None} for _ in fids])  # the loop, no tag kept
    assert len(untagged) == len(tagged_none) == fids.size
    assert untagged.encode() == tagged_none.encode()
    decoded = _decode(mvt.encode_tile([untagged]))["buildings"]["features"]
    assert len(decoded) == fids.size and all(f["properties"] == {} for f in decoded)

"""geo.lines: Douglas-Peucker in metres and Google encoded polylines, on hand-made and seeded random lines."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from geo.errors import InvalidInputError
from geo.lines import decode_polyline, encode_polyline, simplify_indices, simplify_line
from geo.projection import LocalProjection
from passes.polyline import encode_lonlat

# Google's documented example, (lat, lng)
GOOGLE = [(38.5, -120.2), (40.7, -120.95), (43.252, -126.453)]
GOOGLE_TEXT = "_p~iF~ps|U_ulLnnqC_mqNvxq`@"


def lonlat(latlng) -> np.ndarray:
    return np.asarray(latlng, dtype=float)[:, ::-1]


def random_line(seed: int, n: int = 400, *, lat: float | None = None, step_m: float | None = None) -> np.ndarray:
    """A seeded random road-like line: a walk whose heading turns a little at each step, with random
    step lengths (a few metres to hundreds), somewhere between the equator and 60° N."""
    rng = np.random.default_rng(seed)
    lat0 = rng.uniform(0, 60) if lat is None else lat
    lon0 = rng.uniform(-170, 170)
    step = rng.uniform(2, 300) if step_m is None else step_m
    heading = np.cumsum(rng.normal(0, rng.uniform(0.05, 0.8), n))
    length = rng.exponential(step, n)
    x, y = np.cumsum(length * np.cos(heading)), np.cumsum(length * np.sin(heading))
    lats = lat0 + np.degrees(y / 6_371_000)
    lons = lon0 + np.degrees(x / (6_371_000 * np.cos(np.radians(lats))))
    return np.column_stack([lons, lats])


def distance_to_segment_m(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Metres from ``p`` to the segment ``a``-``b`` drawn straight in [lon, lat] (as GeoJSON), in the
    local metric at ``p`` (the WGS-84 ellipsoid's radii of curvature at its latitude): exact near ``p``,
    where the nearest point of a segment within a few metres lies."""
    lat = math.radians(p[1])
    e2, a_ = 6.69437999014e-3, 6378137.0
    w = 1 - e2 * math.sin(lat) ** 2
    kx, ky = a_ / math.sqrt(w) * math.cos(lat), a_ * (1 - e2) / w**1.5
    pa = np.radians(a - p) * (kx, ky)
    pb = np.radians(b - p) * (kx, ky)
    ab = pb - pa
    t = 0.0 if not ab.any() else float(np.clip(-pa @ ab / (ab @ ab), 0.0, 1.0))
    return float(np.hypot(*(pa + t * ab)))


def worst_distance_m(coords: np.ndarray, kept: np.ndarray) -> float:
    """The largest distance from a point of the line to the kept segment that spans it."""
    worst = 0.0
    for j in range(len(kept) - 1):
        a, b = coords[kept[j]], coords[kept[j + 1]]
        for i in range(kept[j] + 1, kept[j + 1]):
            worst = max(worst, distance_to_segment_m(coords[i], a, b))
    return worst


# -- encoded polylines ------------------------------------------------------------------------------
def test_google_documented_example_at_precision_5():
    assert encode_polyline(lonlat(GOOGLE), precision=5) == GOOGLE_TEXT
    np.testing.assert_allclose(decode_polyline(GOOGLE_TEXT, precision=5), lonlat(GOOGLE), atol=1e-12)


def test_default_precision_is_6():
    line = np.array([[113.2412345, 35.2154321], [113.2419876, 35.2160012]])
    assert encode_polyline(line) == encode_polyline(line, precision=6) != encode_polyline(line, precision=5)
    np.testing.assert_allclose(decode_polyline(encode_polyline(line)), line, atol=5e-7)


@pytest.mark.parametrize("precision", [5, 6, 7])
@pytest.mark.parametrize("seed", range(8))
def test_round_trip_within_the_precision(seed, precision):
    line = random_line(seed, 3000)
    text = encode_polyline(line, precision=precision)
    back = decode_polyline(text, precision=precision)
    assert back.shape == line.shape
    assert np.abs(back - line).max() <= 0.5 * 10.0**-precision + 1e-12
    # the same text as the pure-Python encoder of the pass token (an independent implementation)
    assert text == encode_lonlat(line.tolist(), precision=precision)


def test_extremes_and_empty():
    line = np.array([[-180.0, -90.0], [180.0, 90.0], [0.0, 0.0], [-0.0000004, 0.0000006]])
    np.testing.assert_allclose(decode_polyline(encode_polyline(line)), line, atol=5e-7)
    assert encode_polyline(np.zeros((0, 2))) == "" and decode_polyline("").shape == (0, 2)


@pytest.mark.parametrize("bad", ["_p~iF~ps|U_", "_p~iF", "abc\x00", "_p~iF~ps|U ", "豫"])
def test_decode_rejects_bad_text(bad):
    with pytest.raises(InvalidInputError, match="polyline"):
        decode_polyline(bad)


@pytest.mark.parametrize("bad", [[[1.0, float("nan")]], [[200.0, 1.0]], [[1.0, 2.0, 3.0]]])
def test_encode_rejects_bad_rows(bad):
    with pytest.raises(InvalidInputError, match="coordinates"):
        encode_polyline(np.array(bad))


def test_bad_precision_is_named():
    with pytest.raises(InvalidInputError, match="`precision` was 11"):
        encode_polyline(lonlat(GOOGLE), precision=11)


# -- simplification ---------------------------------------------------------------------------------
def test_a_straight_densified_line_keeps_its_two_ends():
    t = np.linspace(0, 1, 1000)
    line = np.column_stack([113.0 + 0.2 * t, 35.0 + 0.1 * t])  # straight in [lon, lat], as GeoJSON draws it
    assert simplify_indices(line, 0.5).tolist() == [0, 999]


def test_a_corner_further_than_the_tolerance_is_kept_and_one_within_is_not():
    # a 1 km leg east, then north; the middle point is 20 m off the chord between its neighbours
    lat = 35.0
    east = 1000 / (111_320 * math.cos(math.radians(lat)))
    line = np.array([[113.0, lat], [113.0 + east / 2, lat + 20 / 110_950], [113.0 + east, lat]])
    assert simplify_indices(line, 25.0).tolist() == [0, 2]
    assert simplify_indices(line, 15.0).tolist() == [0, 1, 2]


@pytest.mark.parametrize("tolerance_m", [0.5, 5.0, 50.0])
@pytest.mark.parametrize("seed", range(12))
def test_random_lines_stay_within_the_tolerance(seed, tolerance_m):
    line = random_line(seed)
    kept = simplify_indices(line, tolerance_m)
    assert kept[0] == 0 and kept[-1] == len(line) - 1 and (np.diff(kept) > 0).all()
    assert worst_distance_m(line, kept) <= tolerance_m
    np.testing.assert_array_equal(simplify_line(line, tolerance_m), line[kept])  # the points themselves


def test_fewer_points_for_a_larger_tolerance():
    line = random_line(3, 2000, step_m=20)
    sizes = [len(simplify_indices(line, tol)) for tol in (0.5, 5.0, 50.0, 500.0)]
    assert sizes[0] > sizes[1] > sizes[2] > sizes[3] >= 2 and sizes[0] < len(line)


def test_a_province_long_line_north_to_south_is_measured_where_each_point_is():
    """300 km north-south: the projection's east-west scale drifts about 3 % from the middle latitude,
    and the tolerance still holds in metres at each point."""
    rng = np.random.default_rng(11)
    n = 6000
    lats = np.linspace(33.6, 36.3, n)
    lons = 113.2 + np.cumsum(rng.normal(0, 2e-5, n))  # wiggles east-west of a few metres
    line = np.column_stack([lons, lats])
    for tol in (1.0, 5.0):
        kept = simplify_indices(line, tol)
        assert 2 < len(kept) < n
        assert worst_distance_m(line, kept) <= tol


def test_within_the_tolerance_measured_with_the_networks_projection():
    """The same check with an independent metric: the azimuthal equidistant LocalProjection centred on a
    city-sized line (its own distortion well under 0.1 % there) and shapely's distance to the whole line."""
    line = random_line(5, 1500, lat=35.2, step_m=30)
    proj = LocalProjection(float(line[:, 0].mean()), float(line[:, 1].mean()))
    simple = simplify_line(line, 5.0)
    x, y = proj.forward(simple[:, 0], simple[:, 1])
    px, py = proj.forward(line[:, 0], line[:, 1])
    d = shapely.distance(shapely.points(px, py), shapely.linestrings(x, y))
    assert d.max() <= 5.0 * 1.001 and len(simple) < len(line)


def test_short_lines_and_loops_keep_their_ends():
    assert simplify_indices(np.zeros((0, 2)), 5.0).tolist() == []
    assert simplify_indices(np.array([[1.0, 2.0]]), 5.0).tolist() == [0]
    loop = np.array([[113.0, 35.0], [113.001, 35.0], [113.001, 35.001], [113.0, 35.0]])
    kept = simplify_indices(loop, 1000.0)
    assert kept[0] == 0 and kept[-1] == 3


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "5"])
def test_bad_tolerance_is_named(bad):
    with pytest.raises(InvalidInputError, match="`tolerance_m` was"):
        simplify_indices(random_line(0, 10), bad)


@pytest.mark.parametrize("lat", [-0.3, 0.0, 59.5, -45.0])
def test_lines_across_the_equator_and_far_from_it(lat):
    """The tolerance's scale is taken at the line's extreme latitudes (and at the equator when it crosses)."""
    line = random_line(21, 3000, lat=lat, step_m=40)
    for tol in (0.5, 5.0):
        kept = simplify_indices(line, tol)
        assert 2 <= len(kept) < len(line) and worst_distance_m(line, kept) <= tol

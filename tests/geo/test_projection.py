"""Coordinate systems: WGS-84 checks, the local metric projection, GCJ-02 conversion."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.errors import InvalidInputError
from geo.projection import (
    LocalProjection,
    check_lon_lat,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_gcj02,
)

# Published WGS-84 -> GCJ-02 reference pairs, (lon, lat).
#: Tiananmen (the pair quoted in the project brief).
TIANANMEN_WGS = (116.397128, 39.916527)
TIANANMEN_GCJ = (116.403370, 39.917929)
#: The test vector shared by coordtransform (Python/JS), Hutool's CoordinateUtilTest and eviltransform ports.
BEIJING_WGS = (116.404, 39.915)
BEIJING_GCJ = (116.41024449916938, 39.91640428150164)

CHINA_POINTS = [
    (116.404, 39.915),  # Beijing
    (121.4737, 31.2304),  # Shanghai
    (113.2418, 35.2156),  # Jiaozuo
    (113.6254, 34.7466),  # Zhengzhou
    (87.6168, 43.8256),  # Urumqi (far from the 105E, 35N centre of the distortion)
    (126.6424, 45.7567),  # Harbin
]
OUTSIDE_CHINA = [
    (1.5218, 42.5063),  # Andorra la Vella
    (7.4246, 43.7384),  # Monaco
    (-74.0060, 40.7128),  # New York
    (151.2093, -33.8688),  # Sydney
    (37.6173, 55.7558),  # Moscow (north of the GCJ-02 box)
]


def test_wgs84_to_gcj02_reference_pairs():
    lon, lat = wgs84_to_gcj02(*TIANANMEN_WGS)
    assert lon == pytest.approx(TIANANMEN_GCJ[0], abs=1e-5)
    assert lat == pytest.approx(TIANANMEN_GCJ[1], abs=1e-5)
    lon, lat = wgs84_to_gcj02(*BEIJING_WGS)
    assert lon == pytest.approx(BEIJING_GCJ[0], abs=1e-9)
    assert lat == pytest.approx(BEIJING_GCJ[1], abs=1e-9)


def test_gcj02_to_wgs84_reference_pairs():
    lon, lat = gcj02_to_wgs84(*TIANANMEN_GCJ)
    assert lon == pytest.approx(TIANANMEN_WGS[0], abs=1e-5)
    assert lat == pytest.approx(TIANANMEN_WGS[1], abs=1e-5)
    lon, lat = gcj02_to_wgs84(*BEIJING_GCJ)
    assert lon == pytest.approx(BEIJING_WGS[0], abs=1e-6)
    assert lat == pytest.approx(BEIJING_WGS[1], abs=1e-6)
    assert to_wgs84(*BEIJING_GCJ, crs="gcj02") == pytest.approx(BEIJING_WGS, abs=1e-6)


@pytest.mark.parametrize("point", CHINA_POINTS)
def test_round_trip_wgs_gcj_wgs(point):
    gcj = wgs84_to_gcj02(*point)
    # the offset in China is real: tens to hundreds of metres
    assert 1e-4 < max(abs(gcj[0] - point[0]), abs(gcj[1] - point[1])) < 0.02
    back = gcj02_to_wgs84(*gcj)
    assert back[0] == pytest.approx(point[0], abs=1e-6)
    assert back[1] == pytest.approx(point[1], abs=1e-6)


@pytest.mark.parametrize("point", OUTSIDE_CHINA)
def test_wgs84_to_gcj02_is_identity_outside_china(point):
    assert wgs84_to_gcj02(*point) == pytest.approx(point, abs=1e-12)


@pytest.mark.parametrize("point", OUTSIDE_CHINA)
def test_gcj02_to_wgs84_is_identity_outside_china(point):
    assert gcj02_to_wgs84(*point) == pytest.approx(point, abs=1e-12)


def test_to_wgs84_dispatch():
    assert to_wgs84(1.5, 42.5) == (1.5, 42.5)
    assert to_wgs84(1.5, 42.5, crs="wgs84") == (1.5, 42.5)
    with pytest.raises(InvalidInputError, match="crs"):
        to_wgs84(1.5, 42.5, crs="bd09")


@pytest.mark.parametrize(
    "bad",
    [(float("nan"), 0.0), (0.0, float("inf")), (181.0, 0.0), (0.0, 91.0), (-180.5, 10.0), ("x", 1.0), (None, 1.0)],
)
def test_check_lon_lat_rejects_bad_points(bad):
    with pytest.raises(InvalidInputError, match="point"):
        check_lon_lat(*bad)
    with pytest.raises(InvalidInputError):
        wgs84_to_gcj02(*bad)
    with pytest.raises(InvalidInputError):
        gcj02_to_wgs84(*bad)


def test_check_lon_lat_names_the_field():
    with pytest.raises(InvalidInputError, match="`origin`"):
        check_lon_lat(200, 0, field_name="origin")
    assert check_lon_lat("1.5", 2) == (1.5, 2.0)
    assert check_lon_lat(-180, 90) == (-180.0, 90.0)


def test_local_projection_is_metric_and_invertible():
    proj = LocalProjection(113.24, 35.22)
    x, y = proj.forward(113.24, 35.22)
    assert (x, y) == pytest.approx((0.0, 0.0), abs=1e-6)
    geod = Geod(ellps="WGS84")
    # azimuthal equidistant: the distance from the centre is the ellipsoidal geodesic distance
    for lon, lat in [(113.30, 35.25), (113.15, 35.10), (113.24, 35.32)]:
        px, py = proj.forward(lon, lat)
        assert math.hypot(px, py) == pytest.approx(geod.inv(113.24, 35.22, lon, lat)[2], rel=1e-6)
        back = proj.inverse(px, py)
        assert back == pytest.approx((lon, lat), abs=1e-9)
    lons, lats = np.array([113.2, 113.3]), np.array([35.2, 35.3])
    xs, ys = proj.forward(lons, lats)
    np.testing.assert_allclose(np.column_stack(proj.inverse(xs, ys)), np.column_stack([lons, lats]), atol=1e-9)


def test_local_projection_geometries_and_pickle():
    proj = LocalProjection(7.42, 43.73)
    disk = proj.inverse_geom(shapely.Point(0, 0).buffer(500, quad_segs=64))
    assert disk.contains(shapely.Point(7.42, 43.73))
    area = proj.forward_geom(disk).area
    assert area == pytest.approx(math.pi * 500**2, rel=1e-3)
    again = pickle.loads(pickle.dumps(proj))
    assert again == proj
    assert again.forward(7.43, 43.74) == pytest.approx(proj.forward(7.43, 43.74))
    assert "+proj=aeqd" in proj.proj4

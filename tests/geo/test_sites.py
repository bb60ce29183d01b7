"""Sites: kinds, GeoJSON in and out, premises polygons, refusals, the bbox check."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import Point, Polygon, box

from geo.errors import InvalidInputError
from geo.projection import wgs84_to_gcj02
from geo.sites import HUB_KINDS, SITE_KINDS, Site, within_bbox


def feature(geometry: dict, **props) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def test_point_site_round_trip_with_extra_properties():
    site = Site.from_feature(
        feature(
            {"type": "Point", "coordinates": [1.5218, 42.5063]},
            kind="enterprise",
            name="Fresh Foods",
            whitelist=True,
            sector="food",
            weight=3,
            county_code="410802",
            phone="0391-1234567",
        ),
        id="site-1",
    )
    assert (site.kind, site.name, site.whitelist, site.sector, site.weight) == (
        "enterprise",
        "Fresh Foods",
        True,
        "food",
        3.0,
    )
    assert site.point == (1.5218, 42.5063) and site.properties == {"phone": "0391-1234567"}
    out = site.to_feature()
    assert out["geometry"] == {"type": "Point", "coordinates": (1.5218, 42.5063)}
    assert out["properties"]["phone"] == "0391-1234567" and out["properties"]["id"] == "site-1"
    again = Site.from_feature(json.loads(json.dumps(out)), id="site-1")  # as stored and served
    assert again.geometry.equals(site.geometry) and again.properties == site.properties


def test_premises_polygon_and_its_representative_point():
    premises = [[1.58, 42.54], [1.585, 42.54], [1.585, 42.545], [1.58, 42.545], [1.58, 42.54]]
    site = Site.from_feature(feature({"type": "Polygon", "coordinates": [premises]}, kind="enterprise"), id="site-2")
    assert isinstance(site.geometry, Polygon) and site.name == "site-2" and site.weight == 1.0
    assert site.geometry.contains(Point(site.point))
    multi = {
        "type": "MultiPolygon",
        "coordinates": [[premises], [[[1.60, 42.60], [1.601, 42.60], [1.601, 42.601], [1.60, 42.60]]]],
    }
    largest = Site.from_feature(feature(multi, kind="enterprise"), id="site-3")
    assert isinstance(largest.geometry, Polygon) and largest.geometry.equals(Polygon(premises))


def test_gcj02_points_are_converted():
    lon, lat = wgs84_to_gcj02(113.2418, 35.2156)
    site = Site.from_feature(
        feature({"type": "Point", "coordinates": [lon, lat]}, kind="hub_rail"), id="s", crs="gcj02"
    )
    assert site.point == pytest.approx((113.2418, 35.2156), abs=2e-6)


@pytest.mark.parametrize(
    ("geometry", "props", "needle"),
    [
        ({"type": "LineString", "coordinates": [[1.5, 42.5], [1.6, 42.5]]}, {"kind": "demand"}, "'Point' or 'Polygon'"),
        ({"type": "Point", "coordinates": [1.5]}, {"kind": "demand"}, "expected [lon, lat]"),
        ({"type": "Point", "coordinates": [181.0, 42.5]}, {"kind": "demand"}, "181"),
        ({"type": "Point", "coordinates": [1.5, 42.5]}, {"kind": "warehouse"}, "`kind` was 'warehouse'"),
        ({"type": "Point", "coordinates": [1.5, 42.5]}, {"kind": "demand", "weight": -1}, "`weight` was -1"),
        (
            {"type": "Point", "coordinates": [1.5, 42.5]},
            {"kind": "enterprise", "radius_m": 20_000},
            "`radius_m` was 20000",
        ),
    ],
)
def test_bad_sites_are_refused_naming_the_value(geometry, props, needle):
    with pytest.raises(InvalidInputError) as info:
        Site.from_feature(feature(geometry, **props), id="s")
    assert needle in str(info.value)


def test_kinds():
    assert set(HUB_KINDS) < set(SITE_KINDS) and HUB_KINDS == {"hub_rail", "hub_coach", "hub_logistics"}
    with pytest.raises(InvalidInputError, match="expected a GeoJSON Feature"):
        Site.from_feature({"type": "Point", "coordinates": [1, 2]}, id="s")


def test_within_bbox_with_a_margin():
    bbox = (1.42, 42.43, 1.74, 42.66)
    assert within_bbox(Point(1.5, 42.5), bbox)
    assert within_bbox(Point(1.425, 42.425), bbox)  # inside the default 0.01 degree margin
    assert not within_bbox(Point(1.40, 42.5), bbox)
    assert within_bbox(Point(1.40, 42.5), bbox, margin_deg=0.05)
    assert not within_bbox(box(1.40, 42.5, 1.5, 42.6), bbox)  # partly outside

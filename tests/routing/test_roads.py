"""Road classes: grades for the closure rules, truck speeds and OSM tag parsing."""

from __future__ import annotations

import math

import pytest

from routing import roads
from routing.roads import (
    DRIVABLE,
    GRADES,
    TRUCK_SPEED_KPH,
    base_class,
    parse_length_m,
    parse_speed_kph,
    parse_weight_t,
    road_grade,
    truck_speed_kph,
)


@pytest.mark.parametrize(
    ("highway", "ref", "grade"),
    [
        # expressways: motorway and its links, whatever the ref says
        ("motorway", None, "expressway"),
        ("motorway", "G4", "expressway"),
        ("motorway_link", None, "expressway"),
        ("motorway", "A8", "expressway"),
        # Chinese route numbers decide the grade
        ("primary", "G107", "national"),
        ("secondary", "S233", "provincial"),
        ("tertiary", "X011", "county"),
        ("unclassified", "Y002", "township"),
        ("residential", "C003", "village"),
        ("trunk", "G4", "national"),  # a G ref on a trunk is still national
        ("primary", "S 233", "provincial"),
        ("primary", "g107", "national"),
        ("tertiary", " X011 ", "county"),
        ("secondary", "G107;S233", "national"),  # several refs: the highest
        ("tertiary", "X011;S233", "provincial"),
        ("tertiary", "Y002;C003", "township"),
        ("residential", "C003;foo", "village"),
        ("primary_link", "G107", "national"),
        # non-Chinese refs that merely start with a prefix letter fall back to the class
        ("secondary", "CG-2", "county"),
        ("primary", "CG-2", "provincial"),
        ("tertiary", "D 6007", "township"),
        ("secondary", "CS-101", "county"),
        ("trunk", "CG3", "national"),
        ("primary", "S", "provincial"),
        ("residential", "Gate 7", "urban"),
        ("residential", "", "urban"),
        # class fallbacks
        ("trunk", None, "national"),
        ("primary", None, "provincial"),
        ("secondary", None, "county"),
        ("tertiary", None, "township"),
        ("unclassified", None, "village"),
        ("road", None, "village"),
        ("residential", None, "urban"),
        ("living_street", None, "urban"),
        ("service", None, "urban"),
        ("something_new", None, "urban"),
        # links take the grade of their class
        ("trunk_link", None, "national"),
        ("primary_link", None, "provincial"),
        ("secondary_link", None, "county"),
        ("tertiary_link", None, "township"),
    ],
)
def test_road_grade(highway, ref, grade):
    assert road_grade(highway, ref) == grade
    assert grade in GRADES


def test_grade_table_covers_every_drivable_class():
    for highway in DRIVABLE:
        assert road_grade(highway, None) in GRADES
    assert GRADES[0] == "expressway" and GRADES[-1] == "urban"


@pytest.mark.parametrize(
    ("highway", "expected"),
    [("primary_link", "primary"), ("motorway_link", "motorway"), ("primary", "primary"), ("", "")],
)
def test_base_class(highway, expected):
    assert base_class(highway) == expected


@pytest.mark.parametrize(
    ("value", "kph"),
    [
        ("50", 50.0),
        (50, 50.0),
        ("50 km/h", 50.0),
        ("50 kmh", 50.0),
        ("50kph", 50.0),
        ("10 knots", 18.52),
        ("30 furlongs", None),  # an unknown unit is ignored, not guessed
        ("30 mph", 30 * 1.609344),
        ("30mph", 30 * 1.609344),
        ("60;40", 60.0),
        ("7,5", 7.5),
        ("none", None),
        ("signals", None),
        ("CN:urban", None),
        ("0", None),
        (None, None),
        (float("nan"), None),
        ("", None),
    ],
)
def test_parse_speed_kph(value, kph):
    got = parse_speed_kph(value)
    if kph is None:
        assert got is None
    else:
        assert got == pytest.approx(kph)


@pytest.mark.parametrize(
    ("value", "metres"),
    [
        ("3.5", 3.5),
        ("3.5 m", 3.5),
        ("3.5m", 3.5),
        ("4,2", 4.2),
        ("12'6\"", 3.81),  # 150 in
        ("12'", 3.658),
        ("11' 2\"", 3.404),
        ("default", None),
        ("below_default", None),
        ("3 ft", None),
        ("0", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_parse_length_m(value, metres):
    got = parse_length_m(value)
    if metres is None:
        assert got is None
    else:
        assert got == pytest.approx(metres, abs=1e-3)


@pytest.mark.parametrize(
    ("value", "tonnes"),
    [
        ("7.5", 7.5),
        ("7.5 t", 7.5),
        ("7.5t", 7.5),
        ("3500 kg", 3.5),
        ("3500kg", 3.5),
        ("10000 lbs", 4.53592),
        ("10 st", 9.07185),
        ("7,5", 7.5),
        ("heavy", None),
        ("5 furlongs", None),
        ("0", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_parse_weight_t(value, tonnes):
    got = parse_weight_t(value)
    if tonnes is None:
        assert got is None
    else:
        assert got == pytest.approx(tonnes, rel=1e-6)


def test_truck_speed_is_the_class_default_capped_by_maxspeed():
    assert truck_speed_kph("motorway", None) == TRUCK_SPEED_KPH["motorway"]
    assert truck_speed_kph("motorway", "120") == TRUCK_SPEED_KPH["motorway"]  # trucks stay slower
    assert truck_speed_kph("motorway", "60") == 60.0
    assert truck_speed_kph("primary", "30 mph") == pytest.approx(30 * 1.609344)
    assert truck_speed_kph("unknown_class", None) == roads.DEFAULT_SPEED_KPH
    assert truck_speed_kph("residential", "2") == 5.0  # never slower than walking pace
    assert truck_speed_kph("residential", "none") == TRUCK_SPEED_KPH["residential"]
    for highway in DRIVABLE:
        speed = truck_speed_kph(highway, None)
        assert math.isfinite(speed) and speed > 0

"""Road classes: truck speeds, road grades and OSM tag parsing.

Road grade (used by the closure rules) is decided in this order:

1. ``highway=motorway`` / ``motorway_link`` -> ``expressway``.
2. A Chinese route number in ``ref`` -> its prefix: ``G`` national,
   ``S`` provincial, ``X`` county, ``Y`` township, ``C`` village
   (``G4``, ``S 233``, ``X011``; the letter must be followed by digits, so
   Andorra's ``CG-2`` or France's ``D 6007`` do not match). A ``G`` ref on a
   ``trunk`` is still national; several refs ``G107;S233`` take the highest.
3. Otherwise the highway class: ``trunk`` -> national, ``primary`` ->
   provincial, ``secondary`` -> county, ``tertiary`` -> township,
   ``unclassified`` / ``road`` -> village, ``residential`` /
   ``living_street`` / ``service`` -> urban. ``*_link`` ramps take the grade
   of their class.
"""

from __future__ import annotations

import math
import re

GRADES = ("expressway", "national", "provincial", "county", "township", "village", "urban")

#: Truck speed defaults in km/h per OSM highway class (capped by ``maxspeed``).
TRUCK_SPEED_KPH: dict[str, float] = {
    "motorway": 80.0,
    "motorway_link": 40.0,
    "trunk": 70.0,
    "trunk_link": 40.0,
    "primary": 60.0,
    "primary_link": 35.0,
    "secondary": 50.0,
    "secondary_link": 30.0,
    "tertiary": 40.0,
    "tertiary_link": 25.0,
    "unclassified": 30.0,
    "road": 30.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 15.0,
}
DEFAULT_SPEED_KPH = 25.0

#: The OSM highway classes a truck network keeps.
DRIVABLE = frozenset(TRUCK_SPEED_KPH)

_GRADE_BY_HIGHWAY = {
    "motorway": "expressway",
    "trunk": "national",
    "primary": "provincial",
    "secondary": "county",
    "tertiary": "township",
    "unclassified": "village",
    "road": "village",
    "residential": "urban",
    "living_street": "urban",
    "service": "urban",
}
_CHINESE_REF = re.compile(r"^\s*([GSXYC])\s?-?\s?\d+[A-Z]?\s*$", re.IGNORECASE)
_REF_GRADE = {"G": "national", "S": "provincial", "X": "county", "Y": "township", "C": "village"}


def base_class(highway: str) -> str:
    """``primary_link`` -> ``primary``; other classes unchanged."""
    return highway[:-5] if highway.endswith("_link") else highway


def road_grade(highway: str, ref: str | None) -> str:
    """The closure-rule grade of a road from its ``highway`` class and ``ref``."""
    cls = base_class(highway or "")
    if cls == "motorway":
        return "expressway"
    if ref:
        found = [m.group(1).upper() for part in str(ref).split(";") if (m := _CHINESE_REF.match(part))]
        if found:
            best = min((_REF_GRADE[p] for p in found), key=GRADES.index)
            return best
    return _GRADE_BY_HIGHWAY.get(cls, "urban")


_NUM = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([a-zA-Z'\"]*)\s*$")
_SPEED = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([a-zA-Z/ ]*?)\s*$")


def parse_speed_kph(value) -> float | None:
    """Parse an OSM ``maxspeed`` (``"50"``, ``"50 km/h"``, ``"30 mph"``, ``"5 knots"``) in km/h.

    ``None`` when not numeric or in an unknown unit (never a guess).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).split(";")[0]
    m = _SPEED.match(text)
    if not m:
        return None
    speed = float(m.group(1).replace(",", "."))
    unit = m.group(2).lower().replace(" ", "")
    if unit == "mph":
        speed *= 1.609344
    elif unit == "knots":
        speed *= 1.852
    elif unit not in ("", "km/h", "kmh", "kph"):
        return None
    return speed if speed > 0 else None


def parse_length_m(value) -> float | None:
    """Parse ``maxheight`` / ``maxwidth`` (``"3.5"``, ``"3.5 m"``, ``"12'6\\""``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip().lower()
    feet = re.match(r"^\s*(\d+)\s*'\s*(?:(\d+)\s*\")?\s*$", text)
    if feet:
        inches = int(feet.group(2) or 0)
        return round((int(feet.group(1)) * 12 + inches) * 0.0254, 3)
    m = _NUM.match(text)
    if not m or m.group(2) not in ("", "m"):
        return None
    out = float(m.group(1).replace(",", "."))
    return out if out > 0 else None


def parse_weight_t(value) -> float | None:
    """Parse ``maxweight`` in tonnes (``"7.5"``, ``"7.5 t"``, ``"3500 kg"``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    m = _NUM.match(str(value).strip().lower())
    if not m:
        return None
    out = float(m.group(1).replace(",", "."))
    unit = m.group(2)
    if unit == "kg":
        out /= 1000.0
    elif unit in ("lbs", "lb"):
        out *= 0.000453592
    elif unit == "st":
        out *= 0.907185
    elif unit not in ("", "t"):
        return None
    return out if out > 0 else None


def truck_speed_kph(highway: str, maxspeed) -> float:
    """The truck speed for a class, capped by a parsed ``maxspeed``."""
    speed = TRUCK_SPEED_KPH.get(highway, DEFAULT_SPEED_KPH)
    cap = parse_speed_kph(maxspeed)
    if cap is not None:
        speed = min(speed, cap)
    return max(speed, 5.0)

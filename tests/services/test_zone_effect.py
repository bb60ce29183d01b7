"""services.zone_effect on Andorra, with seeded random squares: the km by grade add up to the total, two halves of a
square hold what the square holds, a square inside another holds less, and nothing is stored."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from shapely.geometry import mapping

from geo.errors import InvalidZoneError
from services import zone_effect, zones

SEED = 20261202


def square(net, x: float, y: float, half_m: float, *, left_part: bool | None = None) -> dict:
    """A square ``2 * half_m`` wide centred on projected ``x, y`` as WGS-84 GeoJSON (or its left / right half)."""
    left, right = x - half_m, x + half_m
    if left_part is True:
        right = x
    elif left_part is False:
        left = x
    box = shapely.box(left, y - half_m, right, y + half_m)
    return json.loads(json.dumps(mapping(net.projection.inverse_geom(box))))  # lists, as a request holds


def centres(net, count: int) -> list[tuple[float, float]]:
    """Seeded road nodes of the network, in projected metres (so every square holds some road)."""
    rng = np.random.default_rng(SEED)
    x, y = net.node_xy
    picked = rng.choice(net.node_count, size=count, replace=False)
    return [(float(x[i]), float(y[i])) for i in picked]


def test_squares_add_up(app):
    ctx = app.state.baotong
    net = ctx.network
    with ctx.sessions() as session:
        for x, y in centres(net, 6):
            whole = zone_effect.zone_effect(ctx, session, square(net, x, y, 300))
            left = zone_effect.zone_effect(ctx, session, square(net, x, y, 300, left_part=True))
            right = zone_effect.zone_effect(ctx, session, square(net, x, y, 300, left_part=False))
            inner = zone_effect.zone_effect(ctx, session, square(net, x, y, 100))
            assert whole.road_km > 0 and whole.arcs >= 1
            assert sum(whole.km_by_grade.values()) == pytest.approx(whole.road_km, abs=0.01)
            assert left.road_km + right.road_km == pytest.approx(whole.road_km, rel=1e-3, abs=0.005)
            assert left.arcs + right.arcs >= whole.arcs >= max(left.arcs, right.arcs)
            assert inner.road_km <= whole.road_km + 1e-9 and inner.arcs <= whole.arcs
            assert whole.area_km2 == pytest.approx(0.36, rel=1e-3)
            assert whole.geometry["type"] == "MultiLineString" and whole.geometry["coordinates"]
            assert whole.routes_count == 0 and whole.passes_count == 0
        assert zones.list_zones(session) == []  # nothing stored


def test_an_outline_over_the_limit_is_refused_with_its_area(app):
    ctx = app.state.baotong
    net = ctx.network
    x, y = centres(net, 1)[0]
    half = (zone_effect.MAX_AREA_KM2 * 1e6) ** 0.5 / 2 * 1.05
    with ctx.sessions() as session, pytest.raises(InvalidZoneError) as err:
        zone_effect.zone_effect(ctx, session, square(net, x, y, half))
    assert err.value.status == 422 and "km²" in str(err.value) and err.value.zh and "平方公里" in err.value.zh

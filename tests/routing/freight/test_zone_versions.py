"""An edited zone (its next version) gets a footprint of its own, even with the same id and bounds."""

from __future__ import annotations

import numpy as np
import shapely

from geo.zones import Zone
from routing.freight import FreightIndex
from tests.routing.freight.support import tiny_line_router


def test_a_new_version_with_the_same_bounds_is_cut_again():
    router = tiny_line_router()
    net = router.network
    x, _ = net.node_xy
    x0, x1 = float(x[1] + 60), float(x[2] - 80)
    full = shapely.box(x0, -50.0, x1, 50.0)
    # the same bounds, but the line (projected y ~ 0) only crosses its first 20 m
    notched = full.difference(shapely.box(x0 + 20.0, -10.0, x1 + 1.0, 10.0)).union(
        shapely.box(x1 - 1.0, -50.0, x1, 50.0)
    )
    assert np.allclose(notched.bounds, full.bounds)
    v1 = Zone(id="z", name="z", risk="sealed", geometry=net.projection.inverse_geom(full.segmentize(5.0)))
    v2 = Zone(id="z", name="z", risk="sealed", geometry=net.projection.inverse_geom(notched.segmentize(5.0)), version=2)
    index = FreightIndex(router)
    first = index.footprint(v1)
    second = index.footprint(v2)
    assert second is not first
    assert float(first.inside_m.sum()) > float(second.inside_m.sum()) + 100.0
    assert index.footprint(v1) is first  # each version keeps its own cached footprint

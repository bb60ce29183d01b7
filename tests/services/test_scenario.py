"""The demo scenario on the default network: loads, and every site snaps to a real street."""

from __future__ import annotations

from routing.router import Router
from services import scenario
from services.settings import PROJECT_ROOT

SCENARIO = PROJECT_ROOT / "data" / "demo_scenario.geojson"


def test_demo_scenario_has_every_layer_and_snaps():
    from routing.network import build_network

    zones, sites = scenario.read_scenario(SCENARIO)
    assert {z.risk for z in zones} == {"sealed", "controlled", "precaution"}
    kinds = {s.kind for s in sites}
    assert {"hub_rail", "hub_coach", "hub_logistics", "enterprise", "candidate_station"} <= kinds
    enterprises = [s for s in sites if s.kind == "enterprise"]
    assert any(
        s.whitelist and any(z.risk == "sealed" and z.geometry.intersects(s.geometry) for z in zones)
        for s in enterprises
    )
    assert any(s.whitelist and not any(z.geometry.intersects(s.geometry) for z in zones) for s in enterprises)
    router = Router(build_network("default"), engine="scipy")
    for site in sites:
        snap = router.snap(list(site.point))
        assert snap.distance_m < 100, (site.id, snap.distance_m)
        assert router.network.name[snap.arc] or router.network.highway[snap.arc]


def test_scenario_loads_only_into_an_empty_database(app):
    state = app.state.baotong
    from routing.network import build_network
    from store import zones

    router = Router(build_network("default"), engine="scipy")
    with state.sessions() as s:
        assert scenario.load_if_empty(s, SCENARIO, router) > 10
        assert scenario.load_if_empty(s, SCENARIO, router) == 0
        assert len(zones.list_zones(s)) == 3


def test_scenario_for_another_area_is_skipped(app):
    """The app here serves Andorra; the Helsinki demo scenario must not be loaded (nor fail)."""
    from store import sites, zones

    state = app.state.baotong
    with state.sessions() as s:
        assert scenario.load_if_empty(s, SCENARIO, state.road_router) == 0
        assert sites.list_sites(s) == [] and zones.list_zones(s) == []

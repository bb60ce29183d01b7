"""Map views: the city map with every layer, one route's map."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api import crud
from api.deps import SessionDep, StateDep

router = APIRouter(tags=["maps"])


def _render(folium_map) -> HTMLResponse:
    return HTMLResponse(folium_map.get_root().render())


def extra_layers(state, session) -> list:
    """Layers that feature modules contribute (closures, stations...) through ``map_layers(state, session)``."""
    layers = []
    for module in state.caches.get("features", []):
        provider = getattr(module, "map_layers", None)
        if provider is not None:
            layers.extend(provider(state, session))
    return layers


@router.get("/map", response_class=HTMLResponse)
def city_map(state: StateDep, session: SessionDep) -> HTMLResponse:
    """The city map: zones by risk, sites by kind, stored routes, and every feature layer."""
    from maps.views import RouteView, city_map as build

    routes = [RouteView.from_dict(r) for r in crud.list_routes(session, limit=50)]
    m = build(bbox=state.network.bbox, zones=crud.list_zones(session), sites=crud.list_sites(session), routes=routes,
              extra_layers=extra_layers(state, session), tiles_url=state.settings.tiles_url,
              tiles_attribution=state.settings.tiles_attribution)
    return _render(m)


@router.get("/routes/{route_id}/map", response_class=HTMLResponse)
def route_map(route_id: str, state: StateDep, session: SessionDep) -> HTMLResponse:
    """One route: legs in different styles, the zones it meets, entry and exit markers."""
    from maps.views import RouteView, route_map as build

    route = RouteView.from_dict(crud.get_route(session, route_id))
    return _render(build(route, zones=crud.list_zones(session), tiles_url=state.settings.tiles_url))

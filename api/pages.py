"""HTML pages: the Jinja2 templates of ``api/templates`` and the folium maps, rendered for a response.

folium (with branca and its templates) is imported on the first map page, not when the app
starts: a worker that only answers checkpoint scans and route requests never loads it, and in
the measurements of ``bench/bench_passes_http.py`` a process that had loaded it spent about a
tenth more CPU per verification.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from fastapi.responses import HTMLResponse

from api.schemas.passes import PassPublic
from api.security import stamp_scripts
from geo.zones import Zone
from maps.layers import RouteView
from services.layers import MapContent
from services.passes import PassSheet
from services.settings import Settings

if TYPE_CHECKING:
    import folium

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


@lru_cache(maxsize=1)
def _checkpoint_html() -> str:
    return (TEMPLATES / "checkpoint.html").read_text("utf-8")


def _html(folium_map: folium.Map) -> str:
    """The map's page; its own inline scripts carry the nonce placeholder (:mod:`api.security`)."""
    return stamp_scripts(folium_map.get_root().render())


def map_html(content: MapContent, settings: Settings) -> str:
    """The HTML of a city-style map (zones, sites, routes, overlays) fitted to ``content.bbox``."""
    from maps.views import city_map

    return _html(
        city_map(
            bbox=content.bbox,
            zones=content.zones,
            sites=content.sites,
            routes=content.routes,
            extra_layers=content.extra_layers,
            tiles_url=settings.tiles_url,
            tiles_attribution=settings.tiles_attribution,
        )
    )


def map_page(content: MapContent, settings: Settings) -> HTMLResponse:
    """A city-style map (zones, sites, routes, overlays) fitted to ``content.bbox``."""
    return HTMLResponse(map_html(content, settings))


def route_map_html(route: RouteView, zones: Iterable[Zone], settings: Settings) -> str:
    from maps.views import route_map

    return _html(
        route_map(route, zones=zones, tiles_url=settings.tiles_url, tiles_attribution=settings.tiles_attribution)
    )


def route_page(route: RouteView, zones: Iterable[Zone], settings: Settings) -> HTMLResponse:
    """One route's map: legs in their styles, the zones it meets, entry and exit markers."""
    return HTMLResponse(route_map_html(route, zones, settings))


def checkpoint_page() -> HTMLResponse:
    """The checkpoint page (static HTML and JavaScript; the browser keeps the officer's token)."""
    return HTMLResponse(_checkpoint_html(), headers={"Cache-Control": "no-cache"})


def pass_print_page(
    sheet: PassSheet, public: PassPublic, *, route: RouteView, zones: Iterable[Zone], settings: Settings
) -> HTMLResponse:
    """The printable A4 pass: the QR code (80 mm), the facts, the route map and the scans so far."""
    record = sheet.route
    html = (
        _templates()
        .get_template("pass_print.html")
        .render(
            p=public,
            enterprise=sheet.enterprise_name,
            qr=sheet.qr_svg,
            info=sheet.qr_info,
            map_html=route_map_html(route, zones, settings),
            scans=sheet.scans,
            length_km=round(record.length_m / 1000, 1),
            minutes=round(record.travel_time_s / 60),
            zones=list(record.zones_crossed),
        )
    )
    return HTMLResponse(html)

"""folium map views built from the domain objects (see :mod:`maps.views`, :mod:`maps.assets`).

Plain library: never imports ``api`` or FastAPI.  Pages link Leaflet & co. from
``<static_prefix>/vendor/`` (``make assets``), never from a CDN.
"""

from maps.assets import DEFAULT_STATIC_PREFIX, STATIC_DIR, OfflineAssetError, localize, vendor_url
from maps.views import LegView, MapLayer, RouteView, ZoneCrossingView, as_route_view, city_map, route_map

__all__ = [
    "DEFAULT_STATIC_PREFIX", "STATIC_DIR", "LegView", "MapLayer", "OfflineAssetError", "RouteView",
    "ZoneCrossingView", "as_route_view", "city_map", "localize", "route_map", "vendor_url",
]

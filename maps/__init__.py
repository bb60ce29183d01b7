"""Maps: the typed views a map draws (:mod:`maps.layers`, no folium) and their folium rendering
(:mod:`maps.views`, :mod:`maps.assets`).

Plain library: never imports ``api`` or FastAPI.  Pages link Leaflet & co. from
``<static_prefix>/vendor/`` (``make assets``), never from a CDN.  Nothing is imported here, so
``maps.layers`` can be used without loading folium.
"""

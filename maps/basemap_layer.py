"""The offline vector basemap as a folium element (drawn by ``api/static/basemap/basemap.js``).

:class:`VectorBasemap` links protomaps-leaflet, the basemap style and the
Noto Sans SC font from the service itself and adds the tile layer under the
map's other layers.  The tiles are the ones :mod:`maps.basemap` builds from
the loaded extract (served at ``/tiles/{z}/{x}/{y}.mvt``).
"""

from __future__ import annotations

import json

import folium
from branca.element import CssLink, Figure, JavascriptLink, MacroElement
from folium.template import Template

from maps.assets import DEFAULT_STATIC_PREFIX, vendor_url

#: Where the app serves the basemap tiles.
DEFAULT_TILES_PATH = "/tiles/{z}/{x}/{y}.mvt"
PROTOMAPS_JS = "protomaps-leaflet/protomaps-leaflet.js"
FONT_CSS = "@fontsource/noto-sans-sc/noto-sans-sc.css"


class VectorBasemap(MacroElement):
    """The vector basemap under a folium map.

    Parameters
    ----------
    url
        The tile URL template (``{z}/{x}/{y}``); default the app's own tiles.
    lang
        ``"zh"`` (road names in Chinese where the extract has them) or ``"en"``.
    static_prefix
        Where the app serves ``api/static``.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
            BaotongBasemap.add({{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}
    """)

    def __init__(
        self,
        *,
        url: str = DEFAULT_TILES_PATH,
        lang: str = "zh",
        attribution: str | None = None,
        static_prefix: str = DEFAULT_STATIC_PREFIX,
    ):
        super().__init__()
        self._name = "VectorBasemap"
        options = {"url": url, "lang": lang}
        if attribution:
            options["attribution"] = attribution
        self.options_json = json.dumps(options, ensure_ascii=False)
        self.static_prefix = static_prefix

    def render(self, **kwargs) -> None:  # type: ignore[override]  # branca's Element.render returns str; MacroElement's None
        figure = self.get_root()
        assert isinstance(figure, Figure)
        prefix = self.static_prefix.rstrip("/")
        figure.header.add_child(CssLink(vendor_url(FONT_CSS, static_prefix=prefix)), name="noto_sans_sc_css")
        figure.header.add_child(JavascriptLink(vendor_url(PROTOMAPS_JS, static_prefix=prefix)), name="protomaps_js")
        figure.header.add_child(JavascriptLink(f"{prefix}/basemap/basemap.js"), name="baotong_basemap_js")
        super().render(**kwargs)


def add_vector_basemap(m: folium.Map, **options) -> VectorBasemap:
    """Add :class:`VectorBasemap` to ``m`` and return it."""
    layer = VectorBasemap(**options)
    layer.add_to(m)
    return layer


__all__ = ["VectorBasemap", "add_vector_basemap", "DEFAULT_TILES_PATH"]

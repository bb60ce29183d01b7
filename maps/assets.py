"""Point folium maps at the web assets the service serves itself, never at a CDN.

folium loads Leaflet, jQuery, Bootstrap, Font Awesome and Leaflet.awesome-markers
from public CDNs (``folium.Map.default_js`` / ``default_css``, class-level lists;
plugins keep their own).  Offline, such a page fails with ``L is not defined``.
``scripts/vendor_assets.sh`` (``make assets``) copies the pinned npm packages into
``api/static/vendor/``; the API mounts ``api/static`` under :data:`DEFAULT_STATIC_PREFIX`.
:func:`localize` rewrites every asset link of a map to that prefix and refuses to
render a link it does not know a local copy of.
"""

from __future__ import annotations

import re
from pathlib import Path

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink

#: Where the API mounts ``api/static`` (``app.mount("/static", StaticFiles(directory=STATIC_DIR))``).
DEFAULT_STATIC_PREFIX = "/static"
#: The folder the API serves under the static prefix; ``vendor/`` inside it is generated.
STATIC_DIR = Path(__file__).resolve().parents[1] / "api" / "static"
VENDOR_DIR = STATIC_DIR / "vendor"

#: folium's link names -> paths under ``<static prefix>/vendor/`` (see scripts/vendor_assets.sh).
VENDOR_JS: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "jquery": "jquery/jquery.min.js",
    "bootstrap": "bootstrap/js/bootstrap.bundle.min.js",
    "awesome_markers": "leaflet.awesome-markers/leaflet.awesome-markers.js",
}
VENDOR_CSS: dict[str, str] = {
    "leaflet_css": "leaflet/leaflet.css",
    "bootstrap_css": "bootstrap/css/bootstrap.min.css",
    "awesome_markers_font_css": "@fortawesome/fontawesome-free/css/all.min.css",
    "awesome_markers_css": "leaflet.awesome-markers/leaflet.awesome-markers.css",
}
#: The QR-code scanner of the checkpoint page (nimiq ``qr-scanner``, UMD build; it loads
#: ``qr-scanner-worker.min.js`` from its own folder when the browser lacks BarcodeDetector).
QR_SCANNER_JS = "qr-scanner/qr-scanner.umd.min.js"
#: folium links that are dropped: Bootstrap 3 glyphicons (only for ``prefix="glyphicon"``
#: icons, which the maps do not use) and the icon-rotation CSS, inlined instead.
DROPPED = frozenset({"glyphicons_css", "awesome_rotate_css"})

_ROTATE = re.compile(r"fa-rotate-(\d+)")


class OfflineAssetError(ValueError):
    """A map element asks for a web asset with no local copy."""


def vendor_url(path: str, *, static_prefix: str = DEFAULT_STATIC_PREFIX) -> str:
    """The URL of a vendored file, e.g. ``vendor_url("leaflet/leaflet.js")`` -> ``/static/vendor/leaflet/leaflet.js``."""
    return f"{static_prefix.rstrip('/')}/vendor/{path.lstrip('/')}"


def missing_vendor_files(vendor_dir: Path = VENDOR_DIR) -> list[Path]:
    """The vendored files :func:`localize` links to that are not on disk (empty when ``make assets`` ran)."""
    paths = [*VENDOR_JS.values(), *VENDOR_CSS.values(), QR_SCANNER_JS]
    return [vendor_dir / p for p in paths if not (vendor_dir / p).is_file()]


def _local(name: str, url: str, table: dict[str, str], static_prefix: str, owner: str) -> str:
    if name in table:
        return vendor_url(table[name], static_prefix=static_prefix)
    if not re.match(r"^(https?:)?//", url):
        return url  # already local / relative
    raise OfflineAssetError(
        f"{owner} links {name!r} from {url!r}, which has no local copy; vendor it in package.json and "
        "scripts/vendor_assets.sh and add it to maps.assets.VENDOR_JS / VENDOR_CSS"
    )


def _walk(element):
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def _rotate_css(angles: set[int]) -> str:
    rules = "".join(f".fa-rotate-{a}{{transform:rotate({a}deg);}}" for a in sorted(angles))
    return f"<style>{rules}</style>"


def localize(element: folium.Map | Figure, *, static_prefix: str = DEFAULT_STATIC_PREFIX) -> Figure:
    """Rewrite every JS/CSS link under ``element``'s figure to the vendored copies.

    Call it after the last child is added and before rendering.  Instances get
    their own ``default_js`` / ``default_css`` lists (folium's class-level lists
    stay untouched); links already placed in the figure header are rewritten too.

    Returns
    -------
    Figure
        The root figure, ready to ``render()``.

    Raises
    ------
    OfflineAssetError
        If an element links a remote asset with no local copy.
    """
    root = element.get_root()
    if not isinstance(root, Figure):
        raise OfflineAssetError(f"{type(element).__name__} is not inside a branca Figure; add the map to one first")
    angles: set[int] = set()
    for el in _walk(root):
        owner = type(el).__name__
        if "default_js" in dir(el):
            el.default_js = [
                (n, _local(n, u, VENDOR_JS, static_prefix, owner)) for n, u in el.default_js if n not in DROPPED
            ]
            el.default_css = [
                (n, _local(n, u, VENDOR_CSS, static_prefix, owner)) for n, u in el.default_css if n not in DROPPED
            ]
        if isinstance(el, folium.Icon):
            angles.update(int(a) for a in _ROTATE.findall(str(el.options.get("extra_classes", ""))) if int(a))
    for name, child in list(root.header._children.items()):
        if isinstance(child, JavascriptLink | CssLink):
            table = VENDOR_JS if isinstance(child, JavascriptLink) else VENDOR_CSS
            if name in DROPPED:
                del root.header._children[name]
            else:
                child.url = _local(name, child.url, table, static_prefix, "figure header")
    if angles:
        root.header.add_child(Element(_rotate_css(angles)), name="awesome_rotate_css")
    return root

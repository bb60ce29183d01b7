"""GeoJSON features as KML 2.2 (OGC), written piece by piece for a streamed export.

Points, line strings, polygons (with holes) and their multi- forms; each feature a
``Placemark`` with its ``name`` and every other property as ``ExtendedData``.  Coordinates stay
WGS-84 ``lon,lat`` (KML's own order).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

#: Colours of the styles a feature may name in ``style`` (KML's ``aabbggrr``).
STYLES = {
    "sealed": "99201fd7",
    "controlled": "992b8ef2",
    "precaution": "990fc8f2",
    "closure": "ff2828c6",
}


def _coords(points: Sequence[Sequence[float]]) -> str:
    return " ".join(f"{float(p[0]):.7f},{float(p[1]):.7f}" for p in points)


def _geometry(geometry: Mapping[str, Any]) -> str:
    kind = geometry.get("type")
    c: Any = geometry.get("coordinates")
    if kind == "Point":
        return f"<Point><coordinates>{_coords([c])}</coordinates></Point>"
    if kind == "LineString":
        return f"<LineString><tessellate>1</tessellate><coordinates>{_coords(c)}</coordinates></LineString>"
    if kind == "Polygon":
        outer, *inner = c
        holes = "".join(
            f"<innerBoundaryIs><LinearRing><coordinates>{_coords(r)}</coordinates></LinearRing></innerBoundaryIs>"
            for r in inner
        )
        return (
            f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{_coords(outer)}</coordinates></LinearRing>"
            f"</outerBoundaryIs>{holes}</Polygon>"
        )
    if kind in ("MultiPoint", "MultiLineString", "MultiPolygon"):
        single = kind[len("Multi") :]
        parts = "".join(_geometry({"type": single, "coordinates": part}) for part in c)
        return f"<MultiGeometry>{parts}</MultiGeometry>"
    if kind == "GeometryCollection":
        return "<MultiGeometry>" + "".join(_geometry(g) for g in geometry.get("geometries", [])) + "</MultiGeometry>"
    raise ValueError(f"geometry type {kind!r} has no KML form")


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def placemark(feature: Mapping[str, Any], *, name_key: str = "name", labels: Mapping[str, str] | None = None) -> str:
    """One feature as a ``Placemark``; ``labels`` gives each property's display name.

    Raises
    ------
    ValueError
        For a geometry type KML cannot hold.
    """
    props = dict(feature.get("properties") or {})
    name = props.get(name_key) or feature.get("id") or ""
    style = props.get("style_id")
    data = "".join(
        f"<Data name={quoteattr(str(k))}>"
        + (f"<displayName>{escape(labels[k])}</displayName>" if labels and k in labels else "")
        + f"<value>{escape(_value(v))}</value></Data>"
        for k, v in props.items()
        if k != "style_id" and not isinstance(v, dict | list)
    )
    return (
        f"<Placemark{' id=' + quoteattr(str(feature['id'])) if feature.get('id') else ''}>"
        f"<name>{escape(str(name))}</name>"
        + (f"<styleUrl>#{escape(str(style))}</styleUrl>" if style in STYLES else "")
        + f"<ExtendedData>{data}</ExtendedData>{_geometry(feature['geometry'])}</Placemark>\n"
    )


def kml_chunks(
    features: Iterable[Mapping[str, Any]], *, name: str, labels: Mapping[str, str] | None = None
) -> Iterator[str]:
    """A KML document of ``features``, one ``Placemark`` at a time (``name``: the document's name)."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>\n'
    yield f"<name>{escape(name)}</name>\n"
    for style, colour in STYLES.items():
        yield (
            f'<Style id="{style}"><LineStyle><color>{colour[:0] + "ff" + colour[2:]}</color><width>3</width>'
            f"</LineStyle><PolyStyle><color>{colour}</color></PolyStyle></Style>\n"
        )
    for feature in features:
        yield placemark(feature, labels=labels)
    yield "</Document></kml>\n"

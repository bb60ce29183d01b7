"""The offline basemap: vector tiles of what the loaded extract holds, built once and cached.

Without a basemap, route lines float on grey.  :func:`build_basemap` turns the
road network (and, when the source is an OSM file, its water, land use,
railways, buildings and every road's ``name:zh``) into Mapbox Vector Tiles in
one PMTiles archive; :class:`TileArchive` serves single tiles from it.  The
pages draw the tiles with protomaps-leaflet (vendored), so no tile server and
no internet are needed.

Layers (``kind`` and names are tile properties the map styles read):

========== ==================== =======================================================
layer      geometry             properties
========== ==================== =======================================================
roads      lines                ``kind`` (motorway, trunk, primary, secondary, tertiary,
                                minor, service, path), ``name`` (``name:zh`` where
                                present, else ``name``), ``name_en``, ``ref``
railways   lines                ``kind`` (rail, subway, tram, light_rail...)
water      polygons and lines   ``kind`` (water, river, stream, canal...)
landuse    polygons             ``kind`` (residential, commercial, industrial, farmland,
                                forest, grass, park, other)
buildings  polygons             --
========== ==================== =======================================================

Tiles go up to :data:`MAX_ZOOM`; the map overzooms beyond it.  Lower zooms
keep only the larger road classes and areas, simplified to the zoom's
resolution, so a city's archive stays small and each tile light.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from maps import mvt

logger = logging.getLogger(__name__)

#: Earth radius of Web Mercator (EPSG:3857), metres.
MERCATOR_R = 6_378_137.0
#: Highest zoom with its own tiles (the client overzooms past it).
MAX_ZOOM = 14
#: Lowest zoom written.
MIN_ZOOM = 8
#: Tile extent in tile units (MVT default).
EXTENT = 4096
#: Clip buffer around each tile, tile units (lines drawn across a border meet without a seam).
BUFFER = 64
#: Version of the archive's layout; a cached archive of another version is rebuilt.
BASEMAP_VERSION = 1

#: Road class of an OSM ``highway`` value (links draw as their road).
ROAD_KINDS = {
    "motorway": "motorway",
    "motorway_link": "motorway",
    "trunk": "trunk",
    "trunk_link": "trunk",
    "primary": "primary",
    "primary_link": "primary",
    "secondary": "secondary",
    "secondary_link": "secondary",
    "tertiary": "tertiary",
    "tertiary_link": "tertiary",
    "unclassified": "minor",
    "residential": "minor",
    "living_street": "minor",
    "road": "minor",
    "busway": "minor",
    "service": "service",
    "track": "path",
    "pedestrian": "path",
    "footway": "path",
    "path": "path",
    "cycleway": "path",
    "steps": "path",
    "bridleway": "path",
}
#: Lowest zoom at which each layer kind appears.
MIN_ZOOMS = {
    "roads": {
        "motorway": 8,
        "trunk": 8,
        "primary": 9,
        "secondary": 10,
        "tertiary": 11,
        "minor": 12,
        "service": 13,
        "path": 14,
    },
    "railways": {"*": 10},
    "water": {"*": 8},
    "landuse": {"*": 11},
    "buildings": {"*": 14},
}
#: Areas smaller than this many square tile units at a zoom are left out of that zoom.
MIN_AREA_UNITS2 = 64.0
LANDUSE_KINDS = {
    ("landuse", "residential"): "residential",
    ("landuse", "commercial"): "commercial",
    ("landuse", "retail"): "commercial",
    ("landuse", "industrial"): "industrial",
    ("landuse", "railway"): "industrial",
    ("landuse", "construction"): "industrial",
    ("landuse", "farmland"): "farmland",
    ("landuse", "farmyard"): "farmland",
    ("landuse", "orchard"): "farmland",
    ("landuse", "vineyard"): "farmland",
    ("landuse", "allotments"): "farmland",
    ("landuse", "meadow"): "grass",
    ("landuse", "grass"): "grass",
    ("landuse", "forest"): "forest",
    ("natural", "wood"): "forest",
    ("natural", "scrub"): "forest",
    ("natural", "grassland"): "grass",
    ("natural", "heath"): "grass",
    ("natural", "wetland"): "grass",
    ("leisure", "park"): "park",
    ("leisure", "garden"): "park",
    ("leisure", "pitch"): "park",
    ("leisure", "golf_course"): "park",
    ("leisure", "nature_reserve"): "park",
    ("landuse", "cemetery"): "other",
    ("landuse", "military"): "other",
    ("amenity", "school"): "other",
    ("amenity", "university"): "other",
    ("amenity", "hospital"): "other",
    ("amenity", "college"): "other",
}
WATER_AREAS = {("natural", "water"), ("waterway", "riverbank"), ("landuse", "reservoir"), ("landuse", "basin")}
WATERWAY_LINES = frozenset({"river", "stream", "canal", "drain", "ditch"})
RAILWAY_LINES = frozenset({"rail", "light_rail", "subway", "tram", "narrow_gauge", "monorail"})
#: Layers in drawing order (first is drawn first).
LAYERS = ("landuse", "water", "buildings", "railways", "roads")

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


# ----------------------------------------------------------------------------------
# features
# ----------------------------------------------------------------------------------
@dataclass
class FeatureSet:
    """Features of one layer in Web Mercator metres with their properties.

    The geometries are shapely objects, or -- for the layers in :data:`PACKED_LAYERS`, a province's
    millions of buildings -- *packed*: their WKB, envelopes and areas, made shapely objects only for the
    tile that draws them (:meth:`geometries`).  A small polygon takes about 650 bytes as a GEOS object
    and about 170 packed, so 3.4 million buildings hold 0.6 GB instead of 2.2 GB through the tiling.
    """

    layer: str
    geoms: Any  # object array: shapely (Multi)LineStrings or (Multi)Polygons, EPSG:3857; None when packed
    kind: np.ndarray  # object: str
    name: Any = None  # object array: str or None (filled by __post_init__)
    name_en: Any = None
    ref: Any = None
    wkb: Any = None  # packed: object array of the geometries' WKB (bytes)
    bounds: Any = None  # packed: (n, 4) float64 envelopes, NaN for an empty geometry
    areas: Any = None  # packed: float64 areas (m²)

    def __post_init__(self) -> None:
        n = len(self.kind)
        for attr in ("name", "name_en", "ref"):
            if getattr(self, attr) is None:
                setattr(self, attr, np.full(n, None, dtype=object))

    def __len__(self) -> int:
        return len(self.kind)

    @property
    def packed(self) -> bool:
        return self.geoms is None

    def take(self, idx: np.ndarray) -> FeatureSet:
        columns = (self.kind[idx], self.name[idx], self.name_en[idx], self.ref[idx])
        if self.packed:
            return FeatureSet(self.layer, None, *columns, self.wkb[idx], self.bounds[idx], self.areas[idx])
        return FeatureSet(self.layer, self.geoms[idx], *columns)

    def geometries(self, idx: np.ndarray | None = None) -> np.ndarray:
        """The shapely geometries (of the rows ``idx``), made from the WKB of a packed set."""
        if not self.packed:
            return self.geoms if idx is None else self.geoms[idx]
        return shapely.from_wkb(self.wkb if idx is None else self.wkb[idx])

    def pack(self) -> FeatureSet:
        """The same features packed (a packed set is returned as it is)."""
        if self.packed:
            return self
        return FeatureSet(self.layer, None, self.kind, self.name, self.name_en, self.ref, *_packed(self.geoms))

    def unpack(self) -> FeatureSet:
        """The same features as shapely geometries (an unpacked set is returned as it is)."""
        if not self.packed:
            return self
        return FeatureSet(self.layer, self.geometries(), self.kind, self.name, self.name_en, self.ref)


def _packed(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What a packed :class:`FeatureSet` keeps of ``geoms``: their WKB, envelopes and areas."""
    return shapely.to_wkb(geoms), shapely.bounds(geoms), shapely.area(geoms)


#: Layers read packed (see :class:`FeatureSet`): many small features, drawn at the highest zoom only.
PACKED_LAYERS = frozenset({"buildings"})


def to_mercator(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 degrees to Web Mercator metres (latitudes clamped to the projection's limit)."""
    lat = np.clip(np.asarray(lat, dtype=np.float64), -85.05112878, 85.05112878)
    x = MERCATOR_R * np.radians(np.asarray(lon, dtype=np.float64))
    y = MERCATOR_R * np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))
    return x, y


def _mercator_xy(coords: np.ndarray) -> np.ndarray:
    x, y = to_mercator(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def roads_from_network(network) -> FeatureSet:
    """Road lines from a :class:`~routing.network.RoadNetwork` (one line per OSM way, merged)."""
    tail, head = network.tail.astype(np.int64), network.head.astype(np.int64)
    key = np.column_stack([np.minimum(tail, head), np.maximum(tail, head), network.osm_way_id])
    _, arcs = np.unique(key, axis=0, return_index=True)  # one arc per undirected segment of a way
    x, y = to_mercator(network.node_lon, network.node_lat)
    t, h = network.tail[arcs], network.head[arcs]
    segments = shapely.linestrings(np.stack([np.column_stack([x[t], y[t]]), np.column_stack([x[h], y[h]])], axis=1))
    way = network.osm_way_id[arcs]
    order = np.argsort(way, kind="stable")
    ways, first = np.unique(way[order], return_index=True)
    group = np.repeat(np.arange(ways.size), np.diff(np.append(first, order.size)))
    merged = shapely.line_merge(shapely.multilinestrings(segments[order], indices=group))
    pick = arcs[order[first]]
    kind = np.array([ROAD_KINDS.get(str(hw), "minor") for hw in network.highway[pick]], dtype=object)
    return FeatureSet("roads", merged, kind, name=network.name[pick].copy(), ref=network.ref[pick].copy())


def _clean(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


#: WKB geometries read before they are made shapely geometries in one call (bounds the WKB held at once).
WKB_CHUNK = 100_000


def features_from_osm(
    path: Path | str, *, progress: Progress = _quiet, packed: frozenset[str] | set[str] = PACKED_LAYERS
) -> dict[str, FeatureSet]:
    """Every basemap layer read from an ``.osm.pbf`` / ``.osm`` file with pyosmium (areas assembled);
    the layers in ``packed`` packed as they are read (see :class:`FeatureSet`).

    Raises
    ------
    OSError, RuntimeError
        If the file cannot be read (osmium's errors).
    """
    import osmium

    started = time.perf_counter()
    wkb = osmium.geom.WKBFactory()
    # per layer: the shapely geometries made so far (in chunks) and the WKB read since; the other columns
    pending: dict[str, list[str]] = {name: [] for name in LAYERS}  # osmium writes WKB as hex text
    chunks: dict[str, list[Any]] = {name: [] for name in LAYERS}  # geometry arrays, or (wkb, bounds, areas)
    columns: dict[str, tuple[list, list, list, list]] = {name: ([], [], [], []) for name in LAYERS}

    def add(layer: str, geom: str, kind: str | None, name=None, name_en=None, ref=None) -> None:
        waiting = pending[layer]
        waiting.append(geom)
        for column, value in zip(columns[layer], (kind, name, name_en, ref)):
            column.append(value)
        if len(waiting) >= WKB_CHUNK:  # a province's millions of buildings never wait as WKB all at once
            flush(layer)

    def flush(layer: str) -> None:
        if pending[layer]:
            geoms = shapely.transform(shapely.from_wkb(pending[layer]), _mercator_xy)
            if layer in packed:  # the chunk's GEOS objects go as soon as their WKB, envelopes and areas are kept
                chunks[layer].append(_packed(geoms))
            else:
                chunks[layer].append(geoms)
            pending[layer] = []

    skipped = 0
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.WAY | osmium.osm.RELATION | osmium.osm.NODE)
        .with_locations()
        .with_areas()
        .with_filter(
            osmium.filter.KeyFilter(
                "highway", "railway", "waterway", "natural", "landuse", "leisure", "amenity", "building"
            )
        )
    )
    obj: Any
    for obj in processor:
        tags = obj.tags
        if obj.is_area():
            kind = None
            layer = None
            for key in ("natural", "waterway", "landuse"):
                if (key, tags.get(key)) in WATER_AREAS:
                    layer, kind = "water", "water"
                    break
            if layer is None and tags.get("building") not in (None, "no"):
                layer, kind = "buildings", "building"
            if layer is None:
                for key in ("landuse", "natural", "leisure", "amenity"):
                    found = LANDUSE_KINDS.get((key, tags.get(key)))
                    if found is not None:
                        layer, kind = "landuse", found
                        break
            if layer is None:
                continue
            try:
                geom = wkb.create_multipolygon(obj)
            except (RuntimeError, osmium.InvalidLocationError):  # an incomplete ring at the extract's edge
                continue
            add(layer, geom, kind)
        elif obj.is_way():
            highway = tags.get("highway")
            railway = tags.get("railway")
            waterway = tags.get("waterway")
            if highway in ROAD_KINDS:
                layer, kind = "roads", ROAD_KINDS[highway]
            elif railway in RAILWAY_LINES:
                layer, kind = "railways", railway
            elif waterway in WATERWAY_LINES:
                layer, kind = "water", waterway
            else:
                continue
            try:
                geom = wkb.create_linestring(obj)
            except RuntimeError:  # fewer than two distinct nodes
                continue
            except osmium.InvalidLocationError:  # a node missing from the extract (a way cut at its edge)
                skipped += 1
                continue
            name = _clean(tags.get("name:zh")) or _clean(tags.get("name:zh-Hans")) or _clean(tags.get("name"))
            add(layer, geom, kind, name, _clean(tags.get("name:en")), _clean(tags.get("ref")))
    out: dict[str, FeatureSet] = {}
    for layer in LAYERS:
        flush(layer)
        if not chunks[layer]:
            continue
        parts, chunks[layer] = chunks[layer], []
        kinds, names, names_en, refs = (np.array(c, dtype=object) for c in columns.pop(layer))
        if layer in packed:
            wkbs, bounds, areas = (np.concatenate([part[i] for part in parts]) for i in range(3))
            out[layer] = FeatureSet(layer, None, kinds, names, names_en, refs, wkbs, bounds, areas)
        else:
            geoms = parts[0] if len(parts) == 1 else np.concatenate(parts)
            out[layer] = FeatureSet(layer, geoms, kinds, names, names_en, refs)
    progress(
        f"read basemap features from {Path(path).name}: "
        + ", ".join(f"{len(fs):,} {name}" for name, fs in out.items())
        + f" in {time.perf_counter() - started:.1f} s"
        + (f" ({skipped:,} ways through nodes missing from the file left out)" if skipped else "")
    )
    return out


# ----------------------------------------------------------------------------------
# tiling
# ----------------------------------------------------------------------------------
def tile_size_m(z: int) -> float:
    return 2 * math.pi * MERCATOR_R / (1 << z)


def tile_range(bbox_m: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` inclusive tile indices covering a mercator bbox at zoom ``z``."""
    size, half = tile_size_m(z), math.pi * MERCATOR_R
    n = 1 << z
    x0 = int(np.clip(math.floor((bbox_m[0] + half) / size), 0, n - 1))
    x1 = int(np.clip(math.floor((bbox_m[2] + half) / size), 0, n - 1))
    y0 = int(np.clip(math.floor((half - bbox_m[3]) / size), 0, n - 1))
    y1 = int(np.clip(math.floor((half - bbox_m[1]) / size), 0, n - 1))
    return x0, y0, x1, y1


def _visible(fs: FeatureSet, z: int) -> np.ndarray:
    rules = MIN_ZOOMS[fs.layer]
    if "*" in rules:
        return np.full(len(fs), rules["*"] <= z)
    return np.array([rules.get(k, MAX_ZOOM) <= z for k in fs.kind], dtype=bool)


class _TileCells:
    """The rows of a packed layer by the tiles of one zoom whose boxes (with :data:`BUFFER`) their envelopes
    meet: what an STRtree query by each tile's box gives, from the envelopes alone (no GEOS objects)."""

    def __init__(self, bounds: np.ndarray, z: int):
        size = tile_size_m(z)
        half = math.pi * MERCATOR_R
        pad = BUFFER * size / EXTENT
        side = 1 << z
        self.z = z
        self.bounds = bounds
        # tile tx's box spans [tx*size - half - pad, (tx+1)*size - half + pad]: an envelope meets it for
        # tx in [(minx + half - pad)/size - 1, (maxx + half + pad)/size]; likewise ty downwards from the top.
        # A little slack covers the division's rounding; query's exact test takes the extra tiles off.
        slack = 1e-9

        def tile(values: np.ndarray, rounding) -> np.ndarray:
            return np.clip(rounding(values), 0, side - 1).astype(np.int32)

        lx = tile((bounds[:, 0] + half - pad) / size - 1 - slack, np.ceil)
        hx = tile((bounds[:, 2] + half + pad) / size + slack, np.floor)
        ly = tile((half - pad - bounds[:, 3]) / size - 1 - slack, np.ceil)
        hy = tile((half + pad - bounds[:, 1]) / size + slack, np.floor)
        nx = np.maximum(hx - lx + 1, 0)
        ny = np.maximum(hy - ly + 1, 0)
        del hx, hy
        count = nx * ny
        one = np.flatnonzero(count == 1)  # nearly every small feature: one tile, no expansion
        keys = [lx[one].astype(np.int64) * side + ly[one]]
        rows = [one.astype(np.int32)]
        more = np.flatnonzero(count > 1)
        if more.size:
            many = count[more].astype(np.int64)
            row = np.repeat(more, many)
            offset = np.arange(row.size, dtype=np.int64) - np.repeat(np.cumsum(many) - many, many)
            per_row = ny[row].astype(np.int64)
            keys.append((lx[row] + offset // per_row) * side + ly[row] + offset % per_row)
            rows.append(row.astype(np.int32))
        key = np.concatenate(keys)
        order = np.argsort(key)
        self.keys = key[order]
        self.rows = np.concatenate(rows)[order]

    def query(self, tx: int, ty: int, box: tuple[float, float, float, float]) -> np.ndarray:
        """The rows (ascending) whose envelopes meet ``box``, the buffered box of tile ``(tx, ty)``."""
        key = tx * (1 << self.z) + ty
        start, end = np.searchsorted(self.keys, [key, key + 1])
        rows = self.rows[start:end]
        b = self.bounds[rows]
        meets = (b[:, 0] <= box[2]) & (b[:, 2] >= box[0]) & (b[:, 1] <= box[3]) & (b[:, 3] >= box[1])
        return np.sort(rows[meets]).astype(np.int64)


@dataclass
class _ZoomLayer:
    fs: FeatureSet
    tree: shapely.STRtree | None  # None for a packed layer, which has ``cells``
    polygonal: bool
    cells: _TileCells | None = None

    def candidates(self, tx: int, ty: int, box: tuple[float, float, float, float]) -> np.ndarray:
        """The rows (ascending) whose envelopes meet ``box``, the buffered box of tile ``(tx, ty)``."""
        if self.tree is not None:
            return np.sort(self.tree.query(shapely.box(*box)))
        assert self.cells is not None  # made for every packed layer
        return self.cells.query(tx, ty, box)


def _prepare_zoom(fs: FeatureSet, z: int) -> _ZoomLayer | None:
    """The layer's features visible at ``z``, simplified to its resolution, in an STRtree (a packed layer
    at the highest zoom, drawn unsimplified: indexed by tile from its envelopes, and left packed)."""
    keep = _visible(fs, z)
    if not keep.any():
        return None
    unit = tile_size_m(z) / EXTENT
    if fs.packed and z >= MAX_ZOOM:  # drawn as they are: filtered in one step, taken once (or not at all)
        first = fs.geometries(np.array([int(np.argmax(keep))]))
        polygonal = bool(shapely.get_type_id(first)[0] in (3, 6))
        if polygonal:
            keep &= fs.areas >= MIN_AREA_UNITS2 * unit * unit
        keep &= ~np.isnan(fs.bounds[:, 0])
        if not keep.any():
            return None
        packed = fs if keep.all() else fs.take(np.flatnonzero(keep))
        return _ZoomLayer(packed, None, polygonal, _TileCells(packed.bounds, z))
    sub = fs.take(np.nonzero(keep)[0])
    polygonal = bool(shapely.get_type_id(sub.geometries(np.arange(1)))[0] in (3, 6)) if len(sub) else False
    if polygonal:
        big = (sub.areas if sub.packed else shapely.area(sub.geoms)) >= MIN_AREA_UNITS2 * unit * unit
        sub = sub.take(np.nonzero(big)[0])
        if not len(sub):
            return None
    if z < MAX_ZOOM:
        sub = sub.unpack()
        sub.geoms = shapely.simplify(sub.geoms, 2 * unit, preserve_topology=polygonal)
    ok = ~shapely.is_empty(sub.geoms)
    sub = sub.take(np.nonzero(ok)[0])
    if not len(sub):
        return None
    return _ZoomLayer(sub, shapely.STRtree(sub.geoms), polygonal)


def _tile_coords(coords: np.ndarray, x0: float, y1: float, unit: float) -> np.ndarray:
    out = np.empty(coords.shape, dtype=np.int64)
    out[:, 0] = np.rint((coords[:, 0] - x0) / unit)
    out[:, 1] = np.rint((y1 - coords[:, 1]) / unit)
    return out


def _encode_layer(
    zl: _ZoomLayer, idx: np.ndarray, box: tuple[float, float, float, float], x0: float, y1: float, unit: float
) -> mvt.LayerBuilder:
    """The layer's features ``idx`` clipped to ``box`` and encoded for the tile whose top-left is ``(x0, y1)``."""
    fs = zl.fs
    layer = mvt.LayerBuilder(fs.layer, extent=EXTENT)
    clipped = shapely.clip_by_rect(fs.geometries(idx), *box)
    alive = ~shapely.is_empty(clipped)
    idx, clipped = idx[alive], clipped[alive]
    if not idx.size:
        return layer
    parts, part_feature = shapely.get_parts(clipped, return_index=True)
    if zl.polygonal:
        keep = shapely.get_type_id(parts) == 3
        parts, part_feature = parts[keep], part_feature[keep]
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, vertex_ring = shapely.get_coordinates(rings, return_index=True)
        exterior = np.ones(ring_part.size, dtype=bool)
        exterior[1:] = ring_part[1:] != ring_part[:-1]
        stream, fids, lengths = mvt.polygon_streams(
            _tile_coords(coords, x0, y1, unit), vertex_ring, exterior[vertex_ring], part_feature[ring_part[vertex_ring]]
        )
        geom_type = mvt.POLYGON
    else:
        keep = shapely.get_type_id(parts) == 1
        parts, part_feature = parts[keep], part_feature[keep]
        coords, vertex_part = shapely.get_coordinates(parts, return_index=True)
        stream, fids, lengths = mvt.line_streams(
            _tile_coords(coords, x0, y1, unit), vertex_part, part_feature[vertex_part]
        )
        geom_type = mvt.LINESTRING
    rows = idx[fids]
    if fs.layer == "roads":
        props = [
            {"kind": k, "name": n, "name_en": e, "ref": r}
            for k, n, e, r in zip(fs.kind[rows], fs.name[rows], fs.name_en[rows], fs.ref[rows])
        ]
    elif fs.layer == "buildings":
        props = [{} for _ in range(rows.size)]
    else:
        props = [{"kind": k} for k in fs.kind[rows]]
    layer.add_many(geom_type, stream, lengths, props)
    return layer


def iter_tiles(
    features: dict[str, FeatureSet],
    bbox_m: tuple[float, float, float, float],
    *,
    min_zoom: int = MIN_ZOOM,
    max_zoom: int = MAX_ZOOM,
    part: tuple[int, int] = (0, 1),
) -> Iterator[tuple[int, int, int, bytes]]:
    """``(z, x, y, mvt_bytes)`` of every non-empty tile over ``bbox_m``, zoom by zoom; ``part`` ``(k, n)``:
    only the tiles of the columns ``x`` with ``x % n == k`` (the share of one of ``n`` processes)."""
    k, n = part
    half = math.pi * MERCATOR_R
    prepared: list[tuple[str, _ZoomLayer]] = []
    zl: _ZoomLayer | None = None
    for z in range(min_zoom, max_zoom + 1):
        # the last zoom's layers are let go before this zoom's are made (a province's buildings are GBs)
        prepared, zl = [], None
        tx0, ty0, tx1, ty1 = tile_range(bbox_m, z)
        columns = [tx for tx in range(tx0, tx1 + 1) if tx % n == k]
        if not columns:
            continue
        for name in LAYERS:
            zl = _prepare_zoom(features[name], z) if name in features else None
            if zl is not None:
                prepared.append((name, zl))
        zl = None
        if not prepared:
            continue
        size = tile_size_m(z)
        unit = size / EXTENT
        for tx in columns:
            left = tx * size - half
            for ty in range(ty0, ty1 + 1):
                top = half - ty * size
                box = (
                    left - BUFFER * unit,
                    top - size - BUFFER * unit,
                    left + size + BUFFER * unit,
                    top + BUFFER * unit,
                )
                layers = []
                for _name, layer in prepared:
                    idx = layer.candidates(tx, ty, box)
                    if idx.size:
                        layers.append(_encode_layer(layer, idx, box, left, top, unit))
                data = mvt.encode_tile(layers)
                if data:
                    yield z, tx, ty, data


@dataclass(frozen=True)
class BasemapInfo:
    """What :func:`build_basemap` wrote."""

    path: Path
    tiles: int
    bytes: int
    seconds: float
    layers: dict[str, int]
    min_zoom: int
    max_zoom: int


def build_basemap(
    network,
    out: Path | str,
    *,
    source_file: Path | str | None = None,
    min_zoom: int = MIN_ZOOM,
    max_zoom: int = MAX_ZOOM,
    progress: Progress = _quiet,
) -> BasemapInfo:
    """Write the PMTiles archive of the basemap of ``network`` to ``out``.

    Roads come from ``source_file`` (an OSM extract, with every road class and
    ``name:zh``) when given and readable, else from the network's arcs;
    water, land use, railways and buildings only from the file.

    Raises
    ------
    ValueError
        If ``min_zoom``/``max_zoom`` are out of order or range.
    """
    _check_zooms(min_zoom, max_zoom)
    started = time.perf_counter()
    features: dict[str, FeatureSet] = {}
    if source_file is not None:
        try:
            features = features_from_osm(source_file, progress=progress)
        except (OSError, RuntimeError) as err:
            logger.warning("basemap: cannot read %s (%s); drawing the road network only", Path(source_file).name, err)
    if "roads" not in features:
        features["roads"] = roads_from_network(network)
    return write_basemap(
        features,
        network.bbox,
        network.source,
        out,
        min_zoom=min_zoom,
        max_zoom=max_zoom,
        progress=progress,
        started=started,
    )


def _check_zooms(min_zoom: int, max_zoom: int) -> None:
    if not 0 <= min_zoom <= max_zoom <= 16:
        raise ValueError(f"zooms {min_zoom}..{max_zoom} are out of range; expected 0 <= min <= max <= 16")


def write_basemap(
    features: dict[str, FeatureSet],
    bbox: tuple[float, float, float, float],
    source: str,
    out: Path | str,
    *,
    min_zoom: int = MIN_ZOOM,
    max_zoom: int = MAX_ZOOM,
    progress: Progress = _quiet,
    started: float | None = None,
    workers: int = 1,
) -> BasemapInfo:
    """Write the PMTiles archive of ``features`` over ``bbox`` (``(left, bottom, right, top)`` in degrees, the
    network's) to ``out``, its metadata naming the network ``source``; written whole, then moved in place.
    ``workers`` > 1 draws the tiles in that many processes (see :func:`_draw_tiles`); the archive is the same.

    Raises
    ------
    ValueError
        If ``min_zoom``/``max_zoom`` are out of order or range.
    """
    from pmtiles.tile import Compression, TileType
    from pmtiles.writer import Writer

    _check_zooms(min_zoom, max_zoom)
    started = time.perf_counter() if started is None else started
    left, bottom, right, top = bbox
    (x0, x1), (y0, y1) = to_mercator(np.array([left, right]), np.array([bottom, top]))
    bbox_m = (float(x0), float(y0), float(x1), float(y1))
    tiles = _draw_tiles(features, bbox_m, min_zoom, max_zoom, progress, workers)
    tiles.sort(key=lambda t: t[0])
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    layer_counts = {name: len(fs) for name, fs in features.items()}
    with open(tmp, "wb") as fh:
        writer = Writer(fh)
        for tile_id, data in tiles:
            writer.write_tile(tile_id, data)
        header = {
            "tile_type": TileType.MVT,
            "tile_compression": Compression.GZIP,
            "min_zoom": min_zoom,
            "max_zoom": max_zoom,
            "min_lon_e7": int(left * 1e7),
            "min_lat_e7": int(bottom * 1e7),
            "max_lon_e7": int(right * 1e7),
            "max_lat_e7": int(top * 1e7),
            "center_zoom": min(max_zoom, max(min_zoom, 12)),
            "center_lon_e7": int((left + right) / 2 * 1e7),
            "center_lat_e7": int((bottom + top) / 2 * 1e7),
        }
        metadata = {
            "name": "baotong basemap",
            "version": BASEMAP_VERSION,
            "source": source,
            "vector_layers": [{"id": name, "fields": {}} for name in LAYERS if name in features],
            "attribution": "© OpenStreetMap contributors",
        }
        writer.finalize(header, metadata)
    tmp.replace(out)
    info = BasemapInfo(
        path=out,
        tiles=len(tiles),
        bytes=out.stat().st_size,
        seconds=time.perf_counter() - started,
        layers=layer_counts,
        min_zoom=min_zoom,
        max_zoom=max_zoom,
    )
    progress(f"basemap: {info.tiles:,} tiles, {info.bytes / 1e6:,.1f} MB in {info.seconds:.1f} s")
    return info


def _tiles_of(
    features: dict[str, FeatureSet],
    bbox_m: tuple[float, float, float, float],
    min_zoom: int,
    max_zoom: int,
    part: tuple[int, int],
    progress: Progress,
) -> list[tuple[int, bytes]]:
    """``(tile id, gzipped MVT)`` of the tiles of ``part`` (see :func:`iter_tiles`)."""
    from pmtiles.tile import zxy_to_tileid

    share = "" if part[1] == 1 else f" in this process, 1 of {part[1]}"
    tiles: list[tuple[int, bytes]] = []
    for z, x, y, data in iter_tiles(features, bbox_m, min_zoom=min_zoom, max_zoom=max_zoom, part=part):
        tiles.append((zxy_to_tileid(z, x, y), gzip.compress(data, compresslevel=6, mtime=0)))
        if len(tiles) % 2000 == 0:
            progress(f"basemap: {len(tiles):,} tiles{share} (zoom {z})")
    return tiles


def _tiles_of_part(features, bbox_m, min_zoom: int, max_zoom: int, part: tuple[int, int], conn) -> None:
    """A forked helper of :func:`_draw_tiles`: its share of the tiles, sent back (or its error's text)."""
    try:
        conn.send(("done", _tiles_of(features, bbox_m, min_zoom, max_zoom, part, _quiet)))
    except Exception as err:
        conn.send(("error", f"{type(err).__name__}: {err}"))
    finally:
        conn.close()


def _draw_tiles(
    features: dict[str, FeatureSet],
    bbox_m: tuple[float, float, float, float],
    min_zoom: int,
    max_zoom: int,
    progress: Progress,
    workers: int,
) -> list[tuple[int, bytes]]:
    """Every tile, drawn here and, with ``workers`` > 1 where processes can be forked, by ``workers - 1``
    forked helpers, each taking every ``workers``-th column of tiles: the features are shared with them
    (copy-on-write), not copied or pickled, and their tiles come back through a pipe.

    Raises
    ------
    RuntimeError
        If a helper failed or ended without its tiles.
    """
    import multiprocessing

    helpers = []
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("fork")
        for k in range(1, workers):
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=_tiles_of_part,
                args=(features, bbox_m, min_zoom, max_zoom, (k, workers), send),
                name=f"baotong-tiles-{k}",
                daemon=True,
            )
            proc.start()
            send.close()
            helpers.append((proc, recv))
    try:
        tiles = _tiles_of(features, bbox_m, min_zoom, max_zoom, (0, len(helpers) + 1), progress)
        for proc, recv in helpers:
            try:
                kind, value = recv.recv()
            except EOFError:
                proc.join()
                kind, value = "error", f"it ended with exit code {proc.exitcode}"
            if kind != "done":
                raise RuntimeError(f"a basemap tile process failed: {value}")
            tiles += value
    finally:
        for proc, recv in helpers:
            recv.close()
            if proc.is_alive():
                proc.terminate()
            proc.join()
    return tiles


BASEMAP_FILE = "basemap.pmtiles"


def archive_is_current(path: Path | str, source: str) -> bool:
    """Whether ``path`` is a readable basemap archive of this code's version for the network ``source``."""
    path = Path(path)
    if not path.is_file():
        return False
    try:
        with TileArchive(path) as archive:
            meta = archive.metadata
    except (ValueError, OSError, json.JSONDecodeError) as err:
        logger.warning("basemap archive %s is unreadable (%s); rebuilding", path.name, err)
        return False
    return meta.get("version") == BASEMAP_VERSION and meta.get("source") == source


def ensure_basemap(
    network, folder: Path | str, *, source_file: Path | str | None = None, progress: Progress = _quiet
) -> Path:
    """The network's basemap archive in its cache ``folder``: built when missing, of another
    version or of another network (the archive's metadata says which), else reused.

    Returns
    -------
    Path
        The archive's path.
    """
    path = Path(folder) / BASEMAP_FILE
    if archive_is_current(path, network.source):
        return path
    if path.is_file():
        progress("basemap: the cached archive is outdated; rebuilding")
    return build_basemap(network, path, source_file=source_file, progress=progress).path


#: Processes drawing the tiles in the build's basemap process (itself and one forked helper): on two cores,
#: the helper takes the core the network's build leaves when its hierarchy is done.
TILE_WORKERS = 2


class BasemapUnavailable(RuntimeError):
    """The second process could not build the basemap (the file unreadable, or the process gone)."""


def _print_progress(prefix: str) -> Progress:
    def say(message: str) -> None:
        print(f"{prefix}{message}", file=sys.stderr, flush=True)

    return say


def basemap_process_main(argv: list[str]) -> int:
    """``python -m maps.basemap_process FILE PREFIX``, the second process of :class:`BasemapProcess`: read
    FILE's features; then read one JSON line from stdin (``[bbox, source, out]``, or ``null``: not needed)
    and write the archive; answer one JSON line on stdout, ``{"done": path}``, ``{"unreadable": text}`` or
    ``{"error": text}``.  Progress lines go to stderr after PREFIX."""
    source_file, prefix = argv[0], argv[1] if len(argv) > 1 else ""
    progress = _print_progress(prefix)

    def answer(kind: str, value: str) -> int:
        print(json.dumps({kind: value}), flush=True)
        return 0 if kind == "done" else 1

    try:
        try:
            features = features_from_osm(source_file, progress=progress)
        except (OSError, RuntimeError) as err:  # osmium reports a bad file as RuntimeError
            return answer("unreadable", f"cannot read {Path(source_file).name} ({err})")
        line = sys.stdin.readline()
        job = json.loads(line) if line.strip() else None
        if job is None:  # not needed, or the parent went away
            return 0
        bbox, source, out = job
        if "roads" not in features:  # a file without roads (the network's own roads are the parent's)
            return answer("unreadable", f"{Path(source_file).name} has no roads to draw")
        info = write_basemap(features, tuple(bbox), source, out, progress=progress, workers=TILE_WORKERS)
        return answer("done", str(info.path))
    except KeyboardInterrupt:  # Ctrl-C reached the process group: the parent reports it
        return 1
    except Exception as err:  # reported to the parent, which raises it
        return answer("error", f"{type(err).__name__}: {err}")


class BasemapProcess:
    """The basemap of an OSM file built in a second process while this one builds the network from the
    same file (on two cores, the basemap's reading and tiling take no time of their own).

    The process (``python -m maps.basemap_process``: this module and its libraries only, none of this
    process's memory) reads the file's features at once; :meth:`hand` gives it the built network's
    bounds and source and the archive's path, :meth:`wait` waits for the archive; :meth:`cancel` (also on
    leaving a ``with`` block) stops it.  Its progress lines go to stderr, each after ``prefix``.
    """

    def __init__(self, source_file: Path | str, *, prefix: str = ""):
        import subprocess

        self._proc = subprocess.Popen(
            [sys.executable, "-m", "maps.basemap_process", str(Path(source_file).resolve()), prefix],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def hand(self, network, out: Path | str) -> None:
        """Give the process the network's bounds and source and where to write (a process that has stopped
        already is reported by :meth:`wait`)."""
        assert self._proc.stdin is not None  # started with a pipe
        job = [[float(v) for v in network.bbox], network.source, str(out)]
        try:
            self._proc.stdin.write(json.dumps(job) + "\n")
            self._proc.stdin.flush()
        except OSError:  # BrokenPipeError: it stopped (its answer, if any, is waiting for wait())
            pass

    def wait(self) -> Path:
        """The archive's path, once written.

        Raises
        ------
        BasemapUnavailable
            If the file could not be read or the process ended without an archive.
        RuntimeError
            If the process failed otherwise (its error's text).
        """
        assert self._proc.stdout is not None  # started with a pipe
        line = self._proc.stdout.readline()
        code = self._proc.wait()
        self.cancel()
        kind, value = "unreadable", f"the basemap process ended with exit code {code}"
        try:
            answer = json.loads(line) if line.strip() else None
        except ValueError:
            answer = None
        if isinstance(answer, dict) and len(answer) == 1:
            ((kind, value),) = answer.items()
        if kind == "done":
            return Path(value)
        if kind == "unreadable":
            raise BasemapUnavailable(value)
        raise RuntimeError(f"the basemap process failed: {value}")

    def running(self) -> bool:
        return self._proc.poll() is None

    def cancel(self) -> None:
        """Stop the process (if it still runs) and close its pipes."""
        import subprocess

        if self._proc.poll() is None:
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.close()  # waiting for a job: it reads the end and returns at once
            except OSError:
                pass
            try:
                self._proc.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                self._proc.terminate()
                self._proc.wait()
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()

    def __enter__(self) -> BasemapProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()


# ----------------------------------------------------------------------------------
# serving
# ----------------------------------------------------------------------------------
class TileArchive:
    """Read tiles from a PMTiles archive: header and directories parsed once, the file memory-mapped.

    :meth:`tile` returns the stored (gzip-compressed) MVT bytes of a tile, or
    ``None`` for a tile outside the archive.  Thread-safe.

    Raises
    ------
    ValueError
        From the constructor, if the file is not a PMTiles v3 vector archive.
    """

    def __init__(self, path: Path | str, *, max_leaves: int = 256):
        import mmap

        from pmtiles.tile import deserialize_header

        self.path = Path(path)
        # the map keeps its own descriptor: the file is closed at once, so an archive dropped without
        # close() (an app discarded by its tests) leaves no file open behind it
        with open(self.path, "rb") as fh:
            try:
                self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError) as err:  # e.g. an empty file
                raise ValueError(f"{self.path.name} is not a PMTiles archive ({err})") from err
        try:
            self.header = deserialize_header(self._map[0:127])
        except Exception as err:
            self._map.close()
            raise ValueError(f"{self.path.name} is not a PMTiles archive ({err})") from err
        self._root = self._directory(self.header["root_offset"], self.header["root_length"])
        self._leaves: OrderedDict[int, list] = OrderedDict()
        self._max_leaves = max_leaves
        self._lock = threading.Lock()

    def _directory(self, offset: int, length: int) -> list:
        from pmtiles.tile import deserialize_directory

        return deserialize_directory(self._map[offset : offset + length])  # gzip-compressed, as the writer makes them

    @property
    def metadata(self) -> dict:
        from pmtiles.tile import Compression

        raw = self._map[
            self.header["metadata_offset"] : self.header["metadata_offset"] + self.header["metadata_length"]
        ]
        if self.header["internal_compression"] == Compression.GZIP:
            raw = gzip.decompress(raw)
        return json.loads(raw)

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        from pmtiles.tile import find_tile, zxy_to_tileid

        if not (self.header["min_zoom"] <= z <= self.header["max_zoom"]) or not (
            0 <= x < (1 << z) and 0 <= y < (1 << z)
        ):
            return None
        tile_id = zxy_to_tileid(z, x, y)
        directory = self._root
        for _ in range(4):
            entry = find_tile(directory, tile_id)
            if entry is None:
                return None
            if entry.run_length > 0:
                start = self.header["tile_data_offset"] + entry.offset
                return self._map[start : start + entry.length]
            offset = self.header["leaf_directory_offset"] + entry.offset
            with self._lock:
                leaf = self._leaves.get(offset)
                if leaf is not None:
                    self._leaves.move_to_end(offset)
            if leaf is None:
                leaf = self._directory(offset, entry.length)
                with self._lock:
                    self._leaves[offset] = leaf
                    while len(self._leaves) > self._max_leaves:
                        self._leaves.popitem(last=False)
            directory = leaf
        return None

    def close(self) -> None:
        self._map.close()

    def __enter__(self) -> TileArchive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = [
    "BASEMAP_FILE",
    "BasemapInfo",
    "FeatureSet",
    "TileArchive",
    "build_basemap",
    "ensure_basemap",
    "features_from_osm",
    "iter_tiles",
    "roads_from_network",
    "to_mercator",
    "MAX_ZOOM",
    "MIN_ZOOM",
    "LAYERS",
]

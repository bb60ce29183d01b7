"""The offline basemap: vector tiles of the loaded extract in one PMTiles archive."""

from __future__ import annotations

import gzip
import math

import numpy as np
import pytest

mapbox_vector_tile = pytest.importorskip("mapbox_vector_tile")

import shapely  # noqa: E402

from maps import basemap  # noqa: E402
from tests._data import shared_file  # noqa: E402

OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
  <node id="1" lat="35.1510" lon="113.1010" version="1"/>
  <node id="2" lat="35.1510" lon="113.1060" version="1"/>
  <node id="3" lat="35.1550" lon="113.1060" version="1"/>
  <node id="4" lat="35.1550" lon="113.1010" version="1"/>
  <node id="5" lat="35.1520" lon="113.1020" version="1"/>
  <node id="6" lat="35.1520" lon="113.1040" version="1"/>
  <node id="7" lat="35.1540" lon="113.1040" version="1"/>
  <node id="8" lat="35.1540" lon="113.1020" version="1"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="primary"/><tag k="name" v="Renmin Road"/><tag k="name:zh" v="人民路"/>
    <tag k="name:en" v="Renmin Road"/><tag k="ref" v="S233"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="name" v="解放街"/></way>
  <way id="12" version="1"><nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="5"/>
    <tag k="natural" v="water"/></way>
  <way id="13" version="1"><nd ref="1"/><nd ref="4"/><tag k="railway" v="rail"/></way>
  <way id="14" version="1"><nd ref="4"/><nd ref="3"/><tag k="highway" v="footway"/></way>
</osm>
"""


def _tiles(path) -> dict:
    archive = basemap.TileArchive(path)
    out = {}
    header = archive.header
    bbox = basemap.to_mercator(
        np.array([header["min_lon_e7"] / 1e7, header["max_lon_e7"] / 1e7]),
        np.array([header["min_lat_e7"] / 1e7, header["max_lat_e7"] / 1e7]),
    )
    (x0, x1), (y0, y1) = bbox
    for z in range(header["min_zoom"], header["max_zoom"] + 1):
        tx0, ty0, tx1, ty1 = basemap.tile_range((x0, y0, x1, y1), z)
        for x in range(tx0, tx1 + 1):
            for y in range(ty0, ty1 + 1):
                data = archive.tile(z, x, y)
                if data is not None:
                    out[(z, x, y)] = mapbox_vector_tile.decode(gzip.decompress(bytes(data)))
    archive.close()
    return out


def _kinds(tiles: dict, z: int, layer: str) -> set[str]:
    return {
        f["properties"].get("kind")
        for (tz, _, _), t in tiles.items()
        if tz == z
        for f in t.get(layer, {}).get("features", [])
    }


def test_an_osm_file_gives_every_layer_with_chinese_names_and_zoom_rules(tmp_path):
    src = tmp_path / "tiny.osm"
    src.write_text(OSM_XML, "utf-8")
    features = basemap.features_from_osm(src)
    assert set(features) == {"roads", "water", "railways"}
    names = dict(zip(features["roads"].kind, features["roads"].name))
    assert names["primary"] == "人民路"  # name:zh wins over name
    assert names["minor"] == "解放街"

    from bench.synthetic import synthetic_network

    net = synthetic_network(50)  # only its bbox is used: the roads come from the file
    info = basemap.build_basemap(net, tmp_path / "b.pmtiles", source_file=src, min_zoom=8, max_zoom=14)
    assert info.tiles > 0 and info.bytes == (tmp_path / "b.pmtiles").stat().st_size
    tiles = _tiles(info.path)
    assert _kinds(tiles, 14, "roads") == {"primary", "minor", "path"}
    assert _kinds(tiles, 9, "roads") == {"primary"}  # residential from 12, footways from 14
    assert _kinds(tiles, 14, "water") == {"water"}
    assert _kinds(tiles, 14, "railways") == {"rail"}
    primary = [
        f
        for (z, _, _), t in tiles.items()
        if z == 14
        for f in t["roads"]["features"]
        if f["properties"]["kind"] == "primary"
    ]
    assert primary[0]["properties"] == {"kind": "primary", "name": "人民路", "name_en": "Renmin Road", "ref": "S233"}


def test_ways_through_nodes_missing_from_the_file_are_left_out(tmp_path):
    src = tmp_path / "cut.osm"  # an extract cut at its edge: ways 15 and 16 reference node 99, not in the file
    src.write_text(
        OSM_XML.replace(
            "</osm>",
            '<way id="15" version="1"><nd ref="1"/><nd ref="99"/><tag k="highway" v="primary"/></way>\n'
            '<way id="16" version="1"><nd ref="5"/><nd ref="99"/><nd ref="6"/><nd ref="5"/>'
            '<tag k="building" v="yes"/></way>\n</osm>',
        ),
        "utf-8",
    )
    messages: list[str] = []
    features = basemap.features_from_osm(src, progress=messages.append)
    assert len(features["roads"]) == 3 and "buildings" not in features  # ways 10, 11, 14; 15 and 16 left out
    assert "1 ways through nodes missing from the file left out" in messages[-1]


def test_roads_from_the_network_one_feature_per_way_and_zoom_filter(tmp_path):
    from bench.synthetic import synthetic_network

    net = synthetic_network(2_000)
    roads = basemap.roads_from_network(net)
    assert len(roads) == np.unique(net.osm_way_id).size
    # every undirected segment is in its way's merged line: total length matches the network's
    seg_m = float(np.sum(basemap.shapely.length(roads.geoms)))
    rev = net.reverse_arc
    one_way_each = (rev < 0) | (np.arange(net.arc_count) < rev)
    x, y = basemap.to_mercator(net.node_lon, net.node_lat)
    t, h = net.tail[one_way_each], net.head[one_way_each]
    assert seg_m == pytest.approx(float(np.hypot(x[h] - x[t], y[h] - y[t]).sum()), rel=1e-9)
    info = basemap.build_basemap(net, tmp_path / "n.pmtiles", min_zoom=10, max_zoom=14)
    tiles = _tiles(info.path)
    assert "trunk" in _kinds(tiles, 10, "roads")
    assert "minor" not in _kinds(tiles, 11, "roads") and "minor" in _kinds(tiles, 14, "roads")


def test_tile_coordinates_fall_inside_the_tile_plus_buffer(tmp_path):
    from bench.synthetic import synthetic_network

    info = basemap.build_basemap(synthetic_network(3_000), tmp_path / "c.pmtiles", min_zoom=12, max_zoom=14)
    tiles = _tiles(info.path)
    lo, hi = -basemap.BUFFER - 1, basemap.EXTENT + basemap.BUFFER + 1
    count = 0
    for t in tiles.values():
        for f in t["roads"]["features"]:
            coords = np.array(f["geometry"]["coordinates"], dtype=object)
            flat = np.array(
                [c for part in (coords if f["geometry"]["type"] == "MultiLineString" else [coords]) for c in part],
                dtype=float,
            )
            assert (flat >= lo).all() and (flat <= hi).all()
            count += 1
    assert count > 0


def test_the_archive_answers_none_outside_and_refuses_other_files(tmp_path):
    from bench.synthetic import synthetic_network

    info = basemap.build_basemap(synthetic_network(500), tmp_path / "d.pmtiles", min_zoom=12, max_zoom=13)
    archive = basemap.TileArchive(info.path)
    assert archive.tile(11, 0, 0) is None  # below the archive's zooms
    assert archive.tile(12, 0, 0) is None  # far from the network
    assert archive.tile(12, 1 << 12, 0) is None  # not a tile at all
    assert archive.metadata["version"] == basemap.BASEMAP_VERSION
    archive.close()
    (tmp_path / "x.pmtiles").write_bytes(b"not an archive" * 20)
    with pytest.raises(ValueError, match="not a PMTiles archive"):
        basemap.TileArchive(tmp_path / "x.pmtiles")


def test_andorra_has_land_use_water_buildings_and_roads(tmp_path):
    from routing.network import load_or_build
    from tests._data import NETWORK_CACHE

    src = shared_file("andorra.osm.pbf")
    net, _ = load_or_build(str(src), NETWORK_CACHE)
    info = basemap.build_basemap(net, tmp_path / "a.pmtiles", source_file=src)
    assert {"roads", "water", "landuse", "buildings"} <= set(info.layers)
    tiles = _tiles(info.path)
    assert _kinds(tiles, 14, "landuse") >= {"forest", "residential"}
    assert any("buildings" in t for (z, _, _), t in tiles.items() if z == 14)
    assert not any("buildings" in t for (z, _, _), t in tiles.items() if z < 14)
    # the tile over the capital holds named roads
    (x, _), (y, _) = basemap.to_mercator(np.array([1.5218, 0]), np.array([42.5063, 0]))
    size = basemap.tile_size_m(14)
    tx, ty = int((x + math.pi * basemap.MERCATOR_R) // size), int((math.pi * basemap.MERCATOR_R - y) // size)
    names = {f["properties"].get("name") for f in tiles[(14, tx, ty)]["roads"]["features"]}
    assert len(names - {None}) >= 5


def test_ensure_basemap_reuses_a_current_archive_and_rebuilds_a_stale_one(tmp_path):
    from bench.synthetic import synthetic_network

    net = synthetic_network(400)
    path = basemap.ensure_basemap(net, tmp_path)
    first = path.stat().st_mtime_ns
    assert basemap.ensure_basemap(net, tmp_path) == path and path.stat().st_mtime_ns == first
    other = synthetic_network(400, seed=7)  # another network's archive in the folder: rebuilt
    basemap.ensure_basemap(other, tmp_path)
    with basemap.TileArchive(path) as archive:
        assert archive.metadata["source"] == other.source
    path.write_bytes(b"damaged")
    basemap.ensure_basemap(net, tmp_path)
    with basemap.TileArchive(path) as archive:
        assert archive.metadata["source"] == net.source


def test_features_read_in_small_chunks_equal_those_read_at_once(monkeypatch):
    src = shared_file("monaco.osm.pbf")
    whole = basemap.features_from_osm(src)
    monkeypatch.setattr(basemap, "WKB_CHUNK", 7)  # every layer is made of many chunks
    chunked = basemap.features_from_osm(src)
    assert set(chunked) == set(whole) and len(whole["buildings"]) > 7
    for layer, fs in whole.items():
        other = chunked[layer]
        assert len(other) == len(fs) and other.packed == fs.packed == (layer in basemap.PACKED_LAYERS)
        assert bool(shapely.equals_exact(other.geometries(), fs.geometries(), tolerance=0).all())
        for column in ("kind", "name", "name_en", "ref"):
            assert list(getattr(other, column)) == list(getattr(fs, column))
        if fs.packed:
            assert np.array_equal(other.bounds, fs.bounds) and np.array_equal(other.areas, fs.areas)


def _all_tiles(features, bbox_m) -> list[tuple[int, int, int, bytes]]:
    return list(basemap.iter_tiles(features, bbox_m))


def test_packed_buildings_give_the_same_tiles_as_shapely_geometries():
    src = shared_file("monaco.osm.pbf")
    packed = basemap.features_from_osm(src)
    plain = basemap.features_from_osm(src, packed=frozenset())
    assert packed["buildings"].packed and not plain["buildings"].packed and len(packed["buildings"]) > 1000
    geoms = plain["buildings"].geoms
    assert np.array_equal(packed["buildings"].bounds, shapely.bounds(geoms))
    assert np.array_equal(packed["buildings"].areas, shapely.area(geoms))
    left, bottom, right, top = shapely.total_bounds(np.concatenate([fs.geometries() for fs in plain.values()]))
    tiles = _all_tiles(packed, (left, bottom, right, top))
    assert tiles == _all_tiles(plain, (left, bottom, right, top))
    assert sum(1 for z, *_ in tiles if z == basemap.MAX_ZOOM) > 10


def test_packed_features_pack_and_unpack_to_the_same_set():
    fs = basemap.FeatureSet(
        "buildings",
        np.array([shapely.box(0, 0, 10, 10), shapely.Polygon(), shapely.box(5, 5, 7, 9)], dtype=object),
        np.array(["building"] * 3, dtype=object),
    )
    packed = fs.pack()
    assert packed.packed and len(packed) == 3 and packed.pack() is packed
    assert np.isnan(packed.bounds[1]).all() and packed.areas.tolist() == [100.0, 0.0, 8.0]
    assert bool(shapely.equals_exact(packed.unpack().geoms, fs.geoms, tolerance=0).all())
    assert bool(shapely.equals_exact(packed.take(np.array([2])).geometries(), fs.geoms[[2]], tolerance=0).all())
    assert fs.unpack() is fs


@pytest.mark.parametrize("z", [8, 12, 14])
def test_tile_cells_answer_what_an_strtree_query_by_the_tile_box_answers(z):
    """Seeded envelopes of every size, many exactly on a tile box's edge (with its buffer), against
    shapely's STRtree queried with each tile's buffered box."""
    rng = np.random.default_rng(20 + z)
    size = basemap.tile_size_m(z)
    half = math.pi * basemap.MERCATOR_R
    pad = basemap.BUFFER * size / basemap.EXTENT
    tx0, ty0 = (1 << z) // 2 + 3, (1 << z) // 2 - 7
    n = 600
    minx = (tx0 + rng.uniform(0, 4, n)) * size - half
    maxy = half - (ty0 + rng.uniform(0, 4, n)) * size
    width = rng.choice([0.0, 1.0, size / 3, size * 1.5], n)
    height = rng.choice([0.0, 2.0, size / 5, size * 2.2], n)
    # a third of them snapped onto box edges: x on a tile's left/right edge minus/plus the buffer
    edge = rng.random(n) < 0.33
    minx[edge] = (tx0 + rng.integers(0, 4, edge.sum())) * size - half + pad
    maxy[edge] = half - (ty0 + rng.integers(0, 4, edge.sum())) * size - pad
    bounds = np.column_stack([minx, maxy - height, minx + width, maxy])
    cells = basemap._TileCells(bounds, z)
    tree = shapely.STRtree(shapely.box(bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3]))
    checked = 0
    for tx in range(tx0 - 1, tx0 + 6):
        left = tx * size - half
        for ty in range(ty0 - 1, ty0 + 7):
            top = half - ty * size
            box = (left - pad, top - size - pad, left + size + pad, top + pad)
            expected = np.sort(tree.query(shapely.box(*box)))
            got = cells.query(tx, ty, box)
            assert got.tolist() == expected.tolist(), (tx, ty)
            checked += bool(expected.size)
    assert checked > 20


def test_tiles_drawn_by_forked_helpers_make_the_same_archive(tmp_path, monkeypatch):
    """The build's basemap process draws with a forked helper (every other column of tiles): the archive is
    byte for byte the one drawn in one process; a helper that fails fails the archive, naming its error."""
    src = shared_file("monaco.osm.pbf")
    features = basemap.features_from_osm(src)
    degrees = (7.40, 43.72, 7.44, 43.75)  # Monaco's streets
    one = basemap.write_basemap(features, degrees, "monaco", tmp_path / "one.pmtiles", workers=1)
    three = basemap.write_basemap(features, degrees, "monaco", tmp_path / "three.pmtiles", workers=3)
    assert one.tiles == three.tiles > 10
    assert (tmp_path / "one.pmtiles").read_bytes() == (tmp_path / "three.pmtiles").read_bytes()

    real = basemap._tiles_of

    def failing(features, bbox_m, min_zoom, max_zoom, part, progress):
        if part[0] == 1:
            raise MemoryError("no room for the tiles")
        return real(features, bbox_m, min_zoom, max_zoom, part, progress)

    monkeypatch.setattr(basemap, "_tiles_of", failing)  # the forked helper inherits it
    with pytest.raises(RuntimeError, match="tile process failed: MemoryError: no room for the tiles"):
        basemap.write_basemap(features, degrees, "monaco", tmp_path / "failed.pmtiles", workers=2)
    assert not (tmp_path / "failed.pmtiles").exists()

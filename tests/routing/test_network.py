"""The truck road network: builds from every kind of source, snapping, zones, the cache."""

from __future__ import annotations

import json
import pickle
import re
import shutil

import numpy as np
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from geo.errors import InvalidInputError, NetworkSourceError, OffNetworkError
from routing import network as network_mod
from routing.network import (
    CACHE_META,
    CACHE_SUBDIR,
    BuildOptions,
    CacheRejected,
    RoadNetwork,
    build_network,
    cache_key,
    load_network,
    load_or_build,
    parse_source,
)
from routing.roads import DRIVABLE, GRADES
from tests._data import NETWORK_CACHE, shared_file


@pytest.fixture(scope="module")
def shanghai_network():
    return load_or_build(str(shared_file("shanghai-huangpu.osm")), NETWORK_CACHE)[0]


@pytest.fixture(scope="module")
def default_network():
    return load_or_build("default", NETWORK_CACHE)[0]


@pytest.fixture(params=["andorra", "monaco", "shanghai", "default"])
def any_network(request):
    return request.getfixturevalue(f"{request.param}_network")


def check_network(net: RoadNetwork) -> None:
    n, m = net.node_count, net.arc_count
    assert n > 100 and m > 100
    for name in ("node_osm_id", "node_lon", "node_lat"):
        assert getattr(net, name).shape == (n,), name
    for name in (
        "tail",
        "head",
        "length_m",
        "speed_kph",
        "highway",
        "name",
        "ref",
        "grade",
        "osm_way_id",
        "oneway",
        "maxheight_m",
        "maxweight_t",
        "maxwidth_m",
        "hgv_no",
    ):
        assert getattr(net, name).shape == (m,), name
    assert net.tail.min() >= 0 and net.head.min() >= 0
    assert net.tail.max() < n and net.head.max() < n
    assert (net.tail != net.head).all()
    assert len(np.unique(net.node_osm_id)) == n
    assert np.isfinite(net.length_m).all() and (net.length_m > 0).all()
    assert np.isfinite(net.speed_kph).all() and (net.speed_kph > 0).all()
    assert np.isfinite(net.travel_time_s).all() and (net.travel_time_s > 0).all()
    np.testing.assert_allclose(net.travel_time_s, net.length_m / (net.speed_kph / 3.6))
    assert (net.base_weights >= 1).all()
    assert set(net.grade.tolist()) <= set(GRADES)
    assert set(net.highway.tolist()) <= DRIVABLE
    left, bottom, right, top = net.bbox
    assert -180 <= left < right <= 180 and -90 <= bottom < top <= 90
    for limit in (net.maxheight_m, net.maxweight_t, net.maxwidth_m):
        assert (np.isnan(limit) | (limit > 0)).all()
    # the strongly connected core: every node reaches every other on the arcs trucks may use
    usable = ~net.hgv_no
    mat = coo_matrix((np.ones(int(usable.sum())), (net.tail[usable], net.head[usable])), shape=(n, n))
    assert connected_components(mat, directed=True, connection="strong")[0] == 1
    # the build reports what it dropped
    info = net.build_info
    assert info["raw_nodes"] - info["dropped_nodes"] == n
    assert info["raw_arcs"] - info["dropped_arcs"] == m
    assert info["dropped_nodes"] >= 0 and info["dropped_arcs"] >= 0
    summary = net.summary()
    assert summary["nodes"] == n and summary["arcs"] == m and len(summary["bbox"]) == 4
    assert "dropped_arcs" in summary


def test_networks_from_every_kind_of_file(any_network):
    check_network(any_network)


def test_andorra_network_content(andorra_network):
    net = andorra_network
    assert net.node_count > 20_000
    # Andorra's CG-n refs are not Chinese route numbers: grades come from the highway class
    cg = np.array([r is not None and r.startswith("CG") for r in net.ref])
    assert cg.any()
    assert set(net.grade[cg & (net.highway == "primary")].tolist()) == {"provincial"}
    assert "expressway" not in set(net.grade.tolist())
    # two-way streets have a reverse arc on the same segment, one-way ones do not
    rev = net.reverse_arc
    two = np.nonzero(rev >= 0)[0]
    assert (net.tail[rev[two]] == net.head[two]).all() and (net.head[rev[two]] == net.tail[two]).all()
    assert (rev[rev[two]] == two).all()
    arcs = net.arcs_of_way(int(net.osm_way_id[two[0]]))
    assert two[0] in arcs and (net.osm_way_id[arcs] == net.osm_way_id[two[0]]).all()
    assert net.arcs_of_way(-12345).size == 0


def test_monaco_has_motorway_expressways_and_one_ways(monaco_network):
    net = monaco_network
    motorway = np.isin(net.highway, ["motorway", "motorway_link"])
    assert motorway.any()
    assert set(net.grade[motorway].tolist()) == {"expressway"}
    assert net.oneway[net.highway == "motorway"].all()  # (a few links are tagged oneway=no)
    assert (net.reverse_arc[net.oneway] == -1).mean() > 0.95


def test_shanghai_osmnx_xml(shanghai_network):
    net = shanghai_network
    names = [n for n in net.name if n]
    assert any(re.search(r"[\u4e00-\u9fff]", n) for n in names)  # Chinese street names survive
    assert "南北高架路" in set(names)  # the elevated north-south expressway, tagged trunk
    assert set(net.grade[net.highway == "trunk"].tolist()) == {"national"}
    assert net.source.endswith("shanghai-huangpu.osm")


# ----------------------------------------------------------------------------------
# Snapping
# ----------------------------------------------------------------------------------
def _offset_point(net, arc: int, offset_m: float) -> tuple[float, float, np.ndarray, np.ndarray]:
    """A WGS-84 point ``offset_m`` to the side of the middle of ``arc``, and the arc's projected ends."""
    x, y = net.node_xy
    a = np.array([x[net.tail[arc]], y[net.tail[arc]]])
    b = np.array([x[net.head[arc]], y[net.head[arc]]])
    d = (b - a) / np.linalg.norm(b - a)
    p = (a + b) / 2 + offset_m * np.array([-d[1], d[0]])
    lon, lat = net.projection.inverse(p[0], p[1])
    return float(lon), float(lat), a, b


@pytest.mark.parametrize("network_name", ["andorra", "monaco"])
def test_a_point_beside_a_road_snaps_onto_it(request, network_name):
    net = request.getfixturevalue(f"{network_name}_network")
    rng = np.random.default_rng(17)
    long_arcs = np.nonzero(net.length_m > 80)[0]
    for arc in rng.choice(long_arcs, size=20, replace=False):
        lon, lat, a, b = _offset_point(net, int(arc), 2.0)
        snap = net.snap(lon, lat)
        assert snap.distance_m <= 2.0 + 1e-6  # this road or an even closer one
        assert (snap.lon, snap.lat) == (lon, lat)
        # the snapped point lies on the snapped arc, at `fraction` from its tail
        x, y = net.node_xy
        sa = np.array([x[net.tail[snap.arc]], y[net.tail[snap.arc]]])
        sb = np.array([x[net.head[snap.arc]], y[net.head[snap.arc]]])
        sx, sy = net.projection.forward(snap.snapped_lon, snap.snapped_lat)
        seg = shapely.LineString([sa, sb])
        assert seg.distance(shapely.Point(sx, sy)) < 0.01
        expected = sa + snap.fraction * (sb - sa)
        assert np.hypot(sx - expected[0], sy - expected[1]) < 0.05
        assert np.hypot(
            sx - net.projection.forward(lon, lat)[0], sy - net.projection.forward(lon, lat)[1]
        ) == pytest.approx(snap.distance_m, abs=0.01)
        assert snap.reverse_arc == net.reverse_arc[snap.arc]
        if snap.arc in (arc, net.reverse_arc[arc]):
            assert snap.distance_m == pytest.approx(2.0, abs=0.01)


def test_a_node_snaps_to_itself(andorra_network):
    net = andorra_network
    node = int(net.tail[100])
    snap = net.snap(float(net.node_lon[node]), float(net.node_lat[node]))
    assert snap.distance_m < 0.01
    assert net.nearest_node(float(net.node_lon[node]), float(net.node_lat[node])) == node


def test_far_point_is_off_network_with_point_and_distance(andorra_network):
    net = andorra_network
    left, bottom, right, top = net.bbox
    x, y = net.node_xy
    west = int(np.argmin(x))
    lon, lat = net.projection.inverse(x[west] - 5000.0, y[west])
    far = net.snap(lon, lat, max_snap_m=1e7)  # what the distance is
    assert far.distance_m >= 5000.0 - 1e-6
    with pytest.raises(OffNetworkError) as info:
        net.snap(lon, lat, field_name="origin")
    message = str(info.value)
    assert "`origin`" in message
    assert str([lon, lat]) in message
    assert f"{far.distance_m:,.0f} m" in message
    assert "500 m" in message


def test_snap_many_equals_snapping_one_by_one(andorra_network):
    net = andorra_network
    rng = np.random.default_rng(23)
    left, bottom, right, top = net.bbox
    nodes = rng.choice(net.node_count, 40, replace=False)
    points = [[float(net.node_lon[n]), float(net.node_lat[n])] for n in nodes]  # on nodes: ties between arcs
    points += [[float(rng.uniform(left, right)), float(rng.uniform(bottom, top))] for _ in range(400)]
    points = [p for p in points if net.snap(*p, max_snap_m=1e7).distance_m <= 500.0]
    assert len(points) > 100
    assert net.snap_many(points) == [net.snap(*p) for p in points]
    assert net.snap_many([]) == []


def test_snap_many_reports_the_first_bad_point_in_order(andorra_network):
    net = andorra_network
    x, y = net.node_xy
    west = int(np.argmin(x))
    far = [float(v) for v in net.projection.inverse(x[west] - 5000.0, y[west])]
    good = [float(net.node_lon[0]), float(net.node_lat[0])]
    names = ["origin", "destination", "waypoints[0]"]
    with pytest.raises(OffNetworkError, match="`destination`"):
        net.snap_many([good, far, [float("nan"), 42.5]], field_names=names)
    with pytest.raises(InvalidInputError, match="`destination`") as info:
        net.snap_many([good, [float("nan"), 42.5], far], field_names=names)
    assert not isinstance(info.value, OffNetworkError)
    with pytest.raises(OffNetworkError, match="`origin`"):  # off the network before a later bad value
        net.snap_many([far, [float("nan"), 42.5]], field_names=names[:2])


@pytest.mark.parametrize(
    "bad",
    [(float("nan"), 42.5), (1.5, float("nan")), (float("inf"), 42.5), (200.0, 42.5), (1.5, -95.0), ("east", 42.5)],
)
def test_bad_coordinates_raise_invalid_input(andorra_network, bad):
    with pytest.raises(InvalidInputError) as info:
        andorra_network.snap(*bad)
    assert not isinstance(info.value, OffNetworkError)


def test_arcs_intersecting_a_polygon(monaco_network):
    net = monaco_network
    x, y = net.node_xy
    centre = int(np.argmin((x - np.median(x)) ** 2 + (y - np.median(y)) ** 2))
    disk_m = shapely.Point(float(x[centre]), float(y[centre])).buffer(300)
    disk = net.projection.inverse_geom(disk_m)
    arcs = net.arcs_intersecting(disk)
    assert arcs.size > 0 and (np.diff(arcs) > 0).all()
    lines = shapely.linestrings(
        np.stack([np.column_stack([x[net.tail], y[net.tail]]), np.column_stack([x[net.head], y[net.head]])], axis=1)
    )
    expected = np.nonzero(shapely.intersects(lines, disk_m))[0]
    np.testing.assert_array_equal(arcs, expected)
    far = net.projection.inverse_geom(shapely.Point(1e6, 1e6).buffer(10))
    assert net.arcs_intersecting(far).size == 0


# ----------------------------------------------------------------------------------
# Sources and their errors
# ----------------------------------------------------------------------------------
def test_parse_source_kinds(tmp_path):
    assert parse_source("place:Jiaozuo, Henan, China") == ("place", "Jiaozuo, Henan, China")
    assert parse_source("bbox:113.1,35.1,113.4,35.3") == ("bbox", (113.1, 35.1, 113.4, 35.3))
    kind, path = parse_source("default")
    assert kind == "pbf" and path.exists()
    assert parse_source(str(shared_file("monaco.osm.pbf")))[0] == "pbf"
    assert parse_source(str(shared_file("shanghai-huangpu.osm")))[0] == "xml"


@pytest.mark.parametrize(
    "source",
    [
        "bbox:1,2,3",
        "bbox:a,b,c,d",
        "bbox:",
        "bbox:3,2,1,4",
        "bbox:1,4,3,2",
        "bbox:0,95,1,96",
        "bbox:-200,0,1,1",
        "place:",
        "place:   ",
    ],
)
def test_bad_query_sources(source):
    with pytest.raises(NetworkSourceError):
        parse_source(source)
    with pytest.raises(NetworkSourceError):
        build_network(source)


def test_unknown_file_and_suffix(tmp_path):
    with pytest.raises(NetworkSourceError, match="does not exist"):
        build_network(str(tmp_path / "nowhere.osm.pbf"))
    odd = tmp_path / "roads.geojson"
    odd.write_text("{}")
    with pytest.raises(NetworkSourceError, match="suffix"):
        build_network(str(odd))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("junk.osm.pbf", b"this is not a protobuf file\x00\x01\x02" * 50),
        ("random.osm.pbf", np.random.default_rng(0).bytes(4096)),
        ("empty.osm.pbf", b""),
        ("junk.osm", b"<osm><way id='1'><nd ref="),
        ("empty.osm", b""),
        ("noroads.osm", b"<?xml version='1.0'?><osm version='0.6'><node id='1' lat='1' lon='1'/></osm>"),
    ],
)
def test_unreadable_files_raise_network_source_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(NetworkSourceError):
        build_network(str(path))
    with pytest.raises(NetworkSourceError):
        load_or_build(str(path), tmp_path / "cache")


# ----------------------------------------------------------------------------------
# osmnx downloads (mocked: never live)
# ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def huangpu_graph():
    import osmnx as ox

    return ox.graph_from_xml(shared_file("shanghai-huangpu.osm"), simplify=False, retain_all=True)


def test_place_and_bbox_downloads_build_a_network(monkeypatch, huangpu_graph, shanghai_network):
    import osmnx as ox

    calls = []
    tags_before = list(ox.settings.useful_tags_way)

    def fake_place(query, **kwargs):
        calls.append(("place", query, kwargs))
        assert "maxheight" in ox.settings.useful_tags_way  # truck tags are asked for
        return huangpu_graph.copy()

    def fake_bbox(bbox, **kwargs):
        calls.append(("bbox", bbox, kwargs))
        return huangpu_graph.copy()

    monkeypatch.setattr(ox, "graph_from_place", fake_place)
    monkeypatch.setattr(ox, "graph_from_bbox", fake_bbox)

    by_place = build_network("place:Huangpu, Shanghai, China")
    check_network(by_place)
    assert by_place.source == "place:Huangpu, Shanghai, China"
    assert by_place.node_count == shanghai_network.node_count
    assert by_place.arc_count == shanghai_network.arc_count

    by_bbox = build_network("bbox:121.46,31.22,121.49,31.25")
    check_network(by_bbox)
    assert by_bbox.node_count == shanghai_network.node_count

    assert [c[0] for c in calls] == ["place", "bbox"]
    assert calls[0][1] == "Huangpu, Shanghai, China"
    assert tuple(calls[1][1]) == (121.46, 31.22, 121.49, 31.25)  # (left, bottom, right, top)
    for _, _, kwargs in calls:
        assert kwargs.get("network_type") == "drive" and kwargs.get("simplify") is False
    assert list(ox.settings.useful_tags_way) == tags_before  # settings restored


def test_failed_download_is_a_network_source_error(monkeypatch):
    import osmnx as ox

    tags_before = list(ox.settings.useful_tags_way)

    def offline(*args, **kwargs):
        raise ConnectionError("no internet here")

    monkeypatch.setattr(ox, "graph_from_place", offline)
    with pytest.raises(NetworkSourceError, match="no internet here"):
        build_network("place:Jiaozuo, Henan, China")
    assert list(ox.settings.useful_tags_way) == tags_before


def test_query_cache_keys():
    assert cache_key("place:Jiaozuo") == cache_key("place:Jiaozuo")
    assert cache_key("place:Jiaozuo") != cache_key("place:Zhengzhou")
    assert cache_key("bbox:1,2,3,4") != cache_key("bbox:1,2,3,5")
    assert cache_key("place:Jiaozuo") != cache_key("place:Jiaozuo", BuildOptions(keep_largest_scc=False))


# ----------------------------------------------------------------------------------
# The cache
# ----------------------------------------------------------------------------------
def _same_network(a: RoadNetwork, b: RoadNetwork) -> None:
    for name in ("node_osm_id", "node_lon", "node_lat", "tail", "head", "length_m", "speed_kph", "oneway"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.grade.tolist() == b.grade.tolist()


def test_cache_hit_then_a_changed_file_is_never_stale(tmp_path, monkeypatch):
    source = tmp_path / "city.osm.pbf"
    shutil.copyfile(shared_file("monaco.osm.pbf"), source)
    cache = tmp_path / "cache"
    first, folder = load_or_build(str(source), cache)
    assert (folder / CACHE_SUBDIR / CACHE_META).exists()
    check_network(first)

    def no_build(*args, **kwargs):
        raise AssertionError("a cache hit must not rebuild")

    monkeypatch.setattr(network_mod, "build_network", no_build)
    second, folder2 = load_or_build(str(source), cache)
    assert folder2 == folder
    _same_network(first, second)
    assert second.projection == first.projection  # derived state works after loading
    assert second.snap(*first.path_coords([0])[0]).distance_m < 0.01
    monkeypatch.undo()

    # different bytes under the same name: a new key, a new network
    shutil.copyfile(shared_file("andorra.osm.pbf"), source)
    third, folder3 = load_or_build(str(source), cache)
    assert folder3 != folder
    assert third.node_count != first.node_count
    assert third.bbox[1] < 43 < first.bbox[1]  # Andorra lies south of Monaco
    # and back: the first cache entry is still valid for the first bytes
    shutil.copyfile(shared_file("monaco.osm.pbf"), source)
    assert load_or_build(str(source), cache)[1] == folder


def _all_same(a: RoadNetwork, b: RoadNetwork) -> None:
    """Every array of two networks is equal: same dtype, same values, same order (no renumbering)."""
    for name in (
        "node_osm_id",
        "node_lon",
        "node_lat",
        "tail",
        "head",
        "length_m",
        "speed_kph",
        "osm_way_id",
        "oneway",
        "maxheight_m",
        "maxweight_t",
        "maxwidth_m",
        "hgv_no",
    ):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)
    for name in ("highway", "name", "ref", "grade"):
        assert getattr(a, name).tolist() == getattr(b, name).tolist(), name
    np.testing.assert_array_equal(a.reverse_arc, b.reverse_arc)
    np.testing.assert_array_equal(a.travel_time_s, b.travel_time_s)
    np.testing.assert_array_equal(a.base_weights, b.base_weights)
    assert a.source == b.source


def test_cache_round_trip_maps_read_only_arrays(tmp_path):
    source = tmp_path / "city.osm.pbf"
    shutil.copyfile(shared_file("monaco.osm.pbf"), source)
    built, folder = load_or_build(str(source), tmp_path / "cache")
    loaded = load_network(folder, key=folder.name)
    _all_same(built, loaded)
    assert loaded.build_info["raw_arcs"] == built.build_info["raw_arcs"]
    for name in ("tail", "head", "length_m", "node_lon"):
        arr = getattr(loaded, name)
        assert not arr.flags.writeable  # mapped from the cache, never written
        assert isinstance(arr.base, np.memmap)
    meta = json.loads((folder / CACHE_SUBDIR / CACHE_META).read_text())
    assert meta["nodes"] == built.node_count and meta["arcs"] == built.arc_count
    assert meta["key"] == folder.name and meta["bbox"] == list(built.bbox)
    # strings are a categorical: unique strings once, int32 codes per arc
    assert sorted(meta["strings"]["highway"]) == sorted(set(built.highway.tolist()))
    codes = np.load(folder / CACHE_SUBDIR / "name_codes.npy")
    assert codes.dtype == np.int32 and codes.shape == (built.arc_count,)
    assert all(f.suffix in (".npy", ".json") for f in (folder / CACHE_SUBDIR).iterdir())


def _damage_truncate(sub):
    path = sub / "tail.npy"
    path.write_bytes(path.read_bytes()[:-100])


def _damage_flip(sub):
    path = sub / "length_m.npy"
    data = bytearray(path.read_bytes())
    data[-9] ^= 0x40
    path.write_bytes(bytes(data))


def _damage_old_version(sub):
    meta = json.loads((sub / CACHE_META).read_text())
    meta["format_version"] = 0
    (sub / CACHE_META).write_text(json.dumps(meta))


def _damage_old_build(sub):
    meta = json.loads((sub / CACHE_META).read_text())
    meta["build_version"] -= 1
    (sub / CACHE_META).write_text(json.dumps(meta))


def _damage_json(sub):
    (sub / CACHE_META).write_text('{"format": "baotong-network", "nodes": ')


def _damage_foreign_json(sub):
    (sub / CACHE_META).write_text(json.dumps({"hello": "world"}))


def _damage_missing_array(sub):
    (sub / "head.npy").unlink()


def _damage_other_key(sub):
    meta = json.loads((sub / CACHE_META).read_text())
    meta["key"] = "0" * 24
    (sub / CACHE_META).write_text(json.dumps(meta))


def _damage_codes_out_of_range(sub):
    # a consistent file (right checksum) whose codes point past the strings
    path = sub / "grade_codes.npy"
    codes = np.load(path)
    codes[0] = 10_000
    np.save(path, codes)
    _refresh_checksums(sub)


def _refresh_checksums(sub):
    meta = json.loads((sub / CACHE_META).read_text())
    for spec in meta["arrays"].values():
        path = sub / spec["file"]
        spec["bytes"] = path.stat().st_size
        spec["blake2b"] = network_mod.digest_file(path)
    (sub / CACHE_META).write_text(json.dumps(meta))


@pytest.mark.parametrize(
    "damage",
    [
        _damage_truncate,
        _damage_flip,
        _damage_old_version,
        _damage_old_build,
        _damage_json,
        _damage_foreign_json,
        _damage_missing_array,
        _damage_other_key,
        _damage_codes_out_of_range,
    ],
    ids=lambda f: f.__name__.removeprefix("_damage_"),
)
def test_a_damaged_or_foreign_cache_is_rebuilt(tmp_path, damage, monkeypatch):
    source = tmp_path / "city.osm.pbf"
    shutil.copyfile(shared_file("monaco.osm.pbf"), source)
    first, folder = load_or_build(str(source), tmp_path / "cache")
    damage(folder / CACHE_SUBDIR)
    with pytest.raises(CacheRejected):
        load_network(folder, key=folder.name)
    builds = []
    real_build = network_mod.build_network
    monkeypatch.setattr(network_mod, "build_network", lambda *a, **k: builds.append(a) or real_build(*a, **k))
    again, folder2 = load_or_build(str(source), tmp_path / "cache")
    assert folder2 == folder and len(builds) == 1  # rebuilt, not loaded
    _all_same(first, again)
    _all_same(first, load_network(folder, key=folder.name))  # and the rebuilt cache is whole
    rebuilt, _ = load_or_build(str(source), tmp_path / "cache", rebuild=True)
    assert len(builds) == 2
    _all_same(first, rebuilt)


class _Payload:
    """Unpickling this runs code: it creates the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_no_pickle_in_the_cache_dir_is_ever_loaded(tmp_path, monkeypatch):
    source = tmp_path / "city.osm.pbf"
    shutil.copyfile(shared_file("monaco.osm.pbf"), source)
    cache = tmp_path / "cache"
    folder = cache / cache_key(str(source))
    folder.mkdir(parents=True)
    marker = tmp_path / "pwned"
    # a pickle where the cache used to be one
    (folder / "network.pickle").write_bytes(pickle.dumps(_Payload(marker)))
    first, _ = load_or_build(str(source), cache)
    assert not marker.exists()
    assert not (folder / "network.pickle").exists()  # the old format is removed when the cache is written
    # an object array (a pickle inside a .npy) in place of an array, its metadata made to match
    sub = folder / CACHE_SUBDIR
    np.save(sub / "length_m.npy", np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    _refresh_checksums(sub)
    with pytest.raises(CacheRejected):
        load_network(folder, key=folder.name)
    again, _ = load_or_build(str(source), cache)
    assert not marker.exists()
    _all_same(first, again)

    # loading a good cache uses no unpickling at all
    def no_pickle(*args, **kwargs):
        raise AssertionError("the network cache must not be unpickled")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, no_pickle)
    monkeypatch.setattr(network_mod, "build_network", no_pickle)
    loaded, _ = load_or_build(str(source), cache)
    _all_same(first, loaded)
    assert "pickle" not in vars(network_mod)


def test_query_and_rebuild_keys(tmp_path):
    source = tmp_path / "city.osm.pbf"
    shutil.copyfile(shared_file("monaco.osm.pbf"), source)
    _, folder = load_or_build(str(source), tmp_path / "cache")
    assert cache_key(str(source)) == folder.name
    assert cache_key(str(source), BuildOptions(keep_largest_scc=False)) != folder.name


def test_build_reports_each_long_step(tmp_path):
    source = tmp_path / "city.osm.pbf"
    shutil.copyfile(shared_file("andorra.osm.pbf"), source)
    lines = []
    net, _ = load_or_build(str(source), tmp_path / "cache", progress=lines.append)
    text = "\n".join(lines)
    for step in ("reading city.osm.pbf", "assembling arcs", "largest strongly connected component", "writing cache"):
        assert step in text, (step, lines)
    timings = net.build_info["timings_s"]
    assert set(timings) >= {"read_s", "assemble_s", "scc_s", "cache_write_s"}
    assert all(v >= 0 for v in timings.values())


# ----------------------------------------------------------------------------------
# The .osm.pbf reader: pyosmium gives the same network as pyrosm
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["andorra.osm.pbf", "monaco.osm.pbf", "liechtenstein.osm.pbf", "default"])
def test_pyosmium_reader_gives_the_same_network_as_pyrosm(name):
    source = name if name == "default" else str(shared_file(name))
    ours = build_network(source, pbf_reader="osmium")
    reference = build_network(source, pbf_reader="pyrosm")
    _all_same(ours, reference)
    assert ours.build_info["raw_arcs"] == reference.build_info["raw_arcs"]
    assert ours.build_info["dropped_nodes"] == reference.build_info["dropped_nodes"]


def test_pyosmium_reader_same_as_pyrosm_on_a_padded_synthetic_file(tmp_path):
    from bench.synthetic_osm import write_synthetic_osm

    path = tmp_path / "synthetic.osm.pbf"
    summary = write_synthetic_osm(path, 3_000, pad=True, seed=5)
    ours = build_network(str(path), pbf_reader="osmium")
    reference = build_network(str(path), pbf_reader="pyrosm")
    _all_same(ours, reference)
    assert ours.node_count > 0.9 * summary["road_nodes"]
    assert np.isfinite(ours.maxheight_m).any() and np.isfinite(ours.maxweight_t).any()
    assert {"expressway", "national", "provincial", "county", "township", "village", "urban"} <= set(ours.grade)


def _write_osm(path, nodes, ways):
    import osmium
    from osmium.osm import mutable

    writer = osmium.SimpleWriter(str(path))
    try:
        for nid, lon, lat in nodes:
            writer.add_node(mutable.Node(id=nid, location=(lon, lat), tags={}, version=1))
        for wid, refs, tags in ways:
            writer.add_way(mutable.Way(id=wid, nodes=refs, tags=tags, version=1))
    finally:
        writer.close()


#: Tags that decide whether a way is in the network (pyrosm's "driving" filter, then the truck rules), and
#: whether it is.
_TAG_CASES = [
    ({"highway": "residential"}, True),
    ({"highway": "primary", "oneway": "yes"}, True),
    ({"highway": "secondary", "oneway": "-1"}, True),
    ({"highway": "tertiary", "junction": "roundabout"}, True),
    ({"highway": "motorway"}, True),
    ({"highway": "motorway", "oneway": "no"}, True),
    ({"highway": "service"}, False),
    ({"highway": "living_street", "name": "  "}, True),
    ({"highway": "footway"}, False),
    ({"highway": "residential;footway"}, False),
    ({"highway": "unclassified", "area": "yes"}, False),
    ({"highway": "unclassified", "area": "no"}, True),
    ({"highway": "residential", "access": "private"}, False),
    ({"highway": "residential", "access": "private;delivery"}, False),
    ({"highway": "residential", "access": "destination"}, True),
    ({"highway": "residential", "access": "no", "motorcar": "yes"}, False),  # pyrosm keeps it, the truck rule not
    ({"highway": "residential", "access": "No"}, False),
    ({"highway": "residential", "motor_vehicle": "no", "vehicle": "yes"}, False),
    ({"highway": "residential", "motorcar": "no"}, False),
    ({"highway": "residential", "vehicle": "private"}, False),
    ({"highway": "residential", "service": "driveway"}, False),
    ({"highway": "residential", "service": "yes;parking_aisle"}, False),
    ({"highway": "trunk", "ref": "G107;S233", "name": "人民路", "maxspeed": "50"}, True),
    ({"highway": "primary", "ref": "S 233", "maxspeed": "30 mph"}, True),
    ({"highway": "tertiary", "maxheight": "3.5", "maxweight": "7.5 t", "maxwidth": "2.2"}, True),
    ({"highway": "residential", "maxheight": "12'6\"", "maxweight": "3500 kg", "hgv": "no"}, True),
    ({"highway": "road", "hgv": "destination"}, True),
    ({"highway": "construction"}, False),
    ({"highway": "trunk_link", "ref": "CG-2"}, True),
]


def test_pyosmium_reader_keeps_and_drops_ways_as_pyrosm_does(tmp_path):
    """Every tag case of the filter, ways with missing nodes and repeated nodes: the same network."""
    rng = np.random.default_rng(3)
    side = 12
    nodes = [
        (1 + r * side + c, 7.40 + c * 1e-3 + rng.uniform(-2e-4, 2e-4), 43.70 + r * 1e-3)
        for r in range(side)
        for c in range(side)
    ]
    ways, wid = [], 100
    for r in range(side):  # a two-way grid of residential streets holds everything together
        ways.append((wid := wid + 1, [1 + r * side + c for c in range(side)], {"highway": "residential"}))
    for c in range(side):
        ways.append((wid := wid + 1, [1 + r * side + c for r in range(side)], {"highway": "residential"}))
    first_case = wid + 1
    for k, (tags, _) in enumerate(_TAG_CASES):  # diagonals with each tag case
        r, c = k % (side - 2), (k * 5) % (side - 2)
        ways.append((wid := wid + 1, [1 + r * side + c, 1 + (r + 1) * side + c + 1, 1 + (r + 2) * side + c + 2], tags))
    # a way through a node missing from the file is cut through the nodes that remain
    ways.append((wid := wid + 1, [1, 99_999, side + 2, 2 * side + 3], {"highway": "secondary"}))
    ways.append((wid := wid + 1, [99_998, 5], {"highway": "secondary"}))  # one node left: no segment
    ways.append((wid := wid + 1, [7, 7, side + 8], {"highway": "tertiary"}))  # a repeated node: no self-loop
    path = tmp_path / "cases.osm.pbf"
    _write_osm(path, nodes, ways)
    ours = build_network(str(path), pbf_reader="osmium", options=BuildOptions(keep_largest_scc=False))
    reference = build_network(str(path), pbf_reader="pyrosm", options=BuildOptions(keep_largest_scc=False))
    _all_same(ours, reference)
    kept_ways = set(ours.osm_way_id.tolist())
    assert [first_case + k in kept_ways for k in range(len(_TAG_CASES))] == [kept for _, kept in _TAG_CASES]
    limits = ours.osm_way_id == first_case + 25
    assert ours.hgv_no[limits].all() and not ours.hgv_no[ours.osm_way_id == first_case + 26].any()
    np.testing.assert_allclose(ours.maxheight_m[limits], 3.81)
    assert ours.grade[ours.osm_way_id == first_case + 22][0] == "national"
    cut = ours.osm_way_id == wid - 2
    assert cut.sum() == 2 * 2  # nodes (1, side + 2, 2 side + 3) remain: two segments, both ways
    assert not (ours.osm_way_id == wid - 1).any()
    assert (ours.osm_way_id == wid).sum() == 2


def test_reverse_arc_matches_the_definition(andorra_network):
    net = andorra_network
    index: dict[tuple[int, int, int], int] = {}
    triples = list(zip(net.tail.tolist(), net.head.tolist(), net.osm_way_id.tolist()))
    for a, key in enumerate(triples):
        index.setdefault(key, a)
    expected = np.array([index.get((h, t, w), -1) for t, h, w in triples])
    np.testing.assert_array_equal(
        network_mod._reverse_arcs(net.tail, net.head, net.osm_way_id, net.node_count), expected
    )
    # parallel arcs on several ways, a one-way arc, an arc with two reverse candidates
    tail = np.array([0, 1, 0, 1, 1, 2, 0, 1])
    head = np.array([1, 0, 1, 0, 2, 1, 1, 0])
    way = np.array([5, 5, 6, 6, 7, 8, 5, 5])
    np.testing.assert_array_equal(network_mod._reverse_arcs(tail, head, way, 3), [1, 0, 3, 2, -1, -1, 1, 0])

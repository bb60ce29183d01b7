"""The synthetic ``.osm.pbf`` generator of the scale benchmark: seeded, road-like, padded on request."""

from __future__ import annotations

import collections
import hashlib

import numpy as np
import pytest

from bench.synthetic_osm import ROAD_SHARE, main, synthetic_osm_file, write_synthetic_osm


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read(path):
    import osmium

    nodes, ways = {}, {}
    for obj in osmium.FileProcessor(str(path)):
        if obj.is_node():
            nodes[obj.id] = (obj.location.lon, obj.location.lat, dict(obj.tags))
        elif obj.is_way():
            ways[obj.id] = ([n.ref for n in obj.nodes], dict(obj.tags))
    return nodes, ways


def test_same_seed_same_bytes_other_seed_other_file(tmp_path):
    a, b, c = tmp_path / "a.osm.pbf", tmp_path / "b.osm.pbf", tmp_path / "c.osm.pbf"
    sa = write_synthetic_osm(a, 2_000, seed=7)
    sb = write_synthetic_osm(b, 2_000, seed=7)
    write_synthetic_osm(c, 2_000, seed=8)
    assert _digest(a) == _digest(b)
    assert sa == {**sb, "path": sa["path"], "seconds": sa["seconds"]}
    assert _digest(a) != _digest(c)
    assert _read(a) == _read(b)


def test_road_like_content(tmp_path):
    path = tmp_path / "roads.osm.pbf"
    summary = write_synthetic_osm(path, 20_000, seed=3)
    nodes, ways = _read(path)
    assert summary["nodes"] == len(nodes) and summary["ways"] == len(ways)
    assert 0.8 * 20_000 < len(nodes) < 1.2 * 20_000
    # every way's nodes are in the file, ids are unique and written in order
    assert all(ref in nodes for refs, _ in ways.values() for ref in refs)
    highways = collections.Counter(t["highway"] for _, t in ways.values())
    for cls in (
        "motorway",
        "motorway_link",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
    ):
        assert highways[cls] > 0, cls
    motorways = [t for _, t in ways.values() if t["highway"] == "motorway"]
    assert all(t["oneway"] == "yes" and t["ref"].startswith("G") for t in motorways)
    refs = {t["highway"]: t["ref"][0] for _, t in ways.values() if "ref" in t and t["highway"] != "motorway"}
    assert refs == {"trunk": "G", "primary": "S", "secondary": "X", "tertiary": "Y", "unclassified": "C"}
    for key in ("maxheight", "maxweight", "hgv", "maxspeed", "name"):
        assert any(key in t for _, t in ways.values()), key
    assert summary["missing_segments"] > 0 and summary["interchanges"] > 0
    # dual carriageways: the two directions of an expressway use different nodes
    by_ref = collections.defaultdict(list)
    for refs_, t in ways.values():
        if t["highway"] == "motorway":
            by_ref[t["ref"]].append(set(refs_))
    some = next(iter(by_ref.values()))
    assert len(some) >= 2
    # one shape node per segment: about a third of the road nodes are intersections
    degree = collections.Counter(ref for refs_, _ in ways.values() for ref in refs_)
    assert 0.5 < sum(1 for d in degree.values() if d == 1) / len(degree) < 0.8
    lon = np.array([v[0] for v in nodes.values()])
    lat = np.array([v[1] for v in nodes.values()])
    assert 112 < lon.min() < lon.max() < 114.5 and 34 < lat.min() < lat.max() < 36.5  # around Jiaozuo


def test_padding_makes_roads_about_fifteen_percent(tmp_path):
    path = tmp_path / "padded.osm.pbf"
    summary = write_synthetic_osm(path, 5_000, pad=True, seed=3)
    nodes, ways = _read(path)
    assert summary["road_nodes"] / len(nodes) == pytest.approx(ROAD_SHARE, abs=0.02)
    buildings = [(refs, t) for refs, t in ways.values() if "building" in t]
    assert len(buildings) == summary["buildings"] > 0
    assert all(refs[0] == refs[-1] and len(refs) == 5 for refs, _ in buildings)  # closed ways
    tagged = [t for _, _, t in nodes.values() if t]
    assert sum("addr:housenumber" in t for t in tagged) == summary["address_nodes"]
    assert sum("amenity" in t or "shop" in t for t in tagged) == summary["pois"]
    # roads are the same as in the unpadded file of the same seed
    plain = tmp_path / "plain.osm.pbf"
    write_synthetic_osm(plain, 5_000, seed=3)
    plain_nodes, plain_ways = _read(plain)
    assert sorted(t["highway"] for _, t in plain_ways.values()) == sorted(
        t["highway"] for _, t in ways.values() if "highway" in t
    )


def test_cached_file_and_cli(tmp_path, capsys):
    first = synthetic_osm_file(1_000, seed=11, cache_dir=tmp_path)
    stamp = first.stat().st_mtime_ns
    again = synthetic_osm_file(1_000, seed=11, cache_dir=tmp_path)
    assert again == first and again.stat().st_mtime_ns == stamp  # built once
    assert synthetic_osm_file(1_000, seed=12, cache_dir=tmp_path) != first
    out = tmp_path / "cli.osm.pbf"
    assert main(["--nodes", "1000", "--seed", "11", "--out", str(out)]) == 0
    assert _digest(out) == _digest(first)
    assert '"road_nodes"' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--nodes", "50", "--out", str(out)])
    with pytest.raises(SystemExit):
        main(["--nodes", "1000", "--out", str(tmp_path / "roads.pbf.txt")])

"""Seeded synthetic road-like ``.osm.pbf`` files around Jiaozuo, for province-scale benchmarks.

``python -m bench.synthetic_osm --nodes 3000000 [--pad] [--seed N] --out FILE`` writes one;
:func:`synthetic_osm_file` builds a file once and caches it under ``.cache/bench/`` by its
parameters (the benchmarks call it).

The road network is a perturbed grid of intersections ``SPACING_M`` apart, centred on Jiaozuo,
with one shape node on every segment (so about a third of the road nodes are intersections):

* every 40th grid line (offset 20) is an expressway: two one-way carriageways
  (``highway=motorway``, ``oneway=yes``, a ``G`` ref such as ``G4`` or ``G5512``) 20 m
  either side of the line, on their own nodes, crossing the other roads without a junction;
  every 10th crossing road (offset 5) gets an interchange of four ``motorway_link`` ramps;
* the other lines are national (``trunk``, ``G`` ref), provincial (``primary``, ``S``),
  county (``secondary``, ``X``) roads, or minor lines cut into ways of 3-12 segments, each a
  township (``tertiary``, ``Y``), village (``unclassified``, ``C``) road or a residential
  street (no ref; some one-way);
* a few minor segments are missing (about 3 %), some ways carry ``maxheight``, ``maxweight``,
  ``maxspeed`` or ``hgv=no``.

With ``pad`` the file also holds buildings (closed ways of four corner nodes,
``building=*``), POIs (``amenity``/``shop`` nodes with a name) and address nodes
(``addr:*``) until roads are about ``ROAD_SHARE`` of the nodes, as in a real extract,
whose reader must parse and drop them.  Node and way ids are a seeded random permutation
(roads and padding interleaved, as in a real file); nodes are written before ways, each in
id order.  The same arguments give the same bytes.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

#: Bump when the generator writes different content for the same arguments.
GENERATOR_VERSION = 1
#: Centre of the grid (WGS-84): Jiaozuo, Henan.
CENTRE_LON, CENTRE_LAT = 113.24, 35.22
SPACING_M = 300.0
#: Roads' share of the nodes of a padded file.
ROAD_SHARE = 0.15
DEFAULT_SEED = 20221001
#: Where :func:`synthetic_osm_file` keeps the files it builds (git-ignored).
CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "bench"

_M_PER_DEG_LAT = 111_320.0
_MOTORWAY_REFS = ("G4", "G55", "G5512", "G1516", "G3", "G30", "G45", "G35", "G36", "G40", "G5", "G7")
_MOTORWAY_NAMES = (
    "京港澳高速",
    "二广高速",
    "晋新高速",
    "盐洛高速",
    "京台高速",
    "连霍高速",
    "大广高速",
    "济广高速",
    "宁洛高速",
    "沪陕高速",
    "京昆高速",
    "京新高速",
)
_STEMS = (
    "人民",
    "解放",
    "建设",
    "中原",
    "太行",
    "丰收",
    "民主",
    "塔南",
    "焦作",
    "山阳",
    "迎宾",
    "和平",
    "文化",
    "新华",
    "朝阳",
    "光明",
    "胜利",
    "友谊",
    "工业",
    "健康",
    "世纪",
    "维多利亚",
    "龙源",
    "映湖",
)
_SUFFIXES = ("路", "大道", "街", "大街")
_AMENITIES = (
    ("amenity", "restaurant"),
    ("amenity", "school"),
    ("amenity", "pharmacy"),
    ("shop", "supermarket"),
    ("amenity", "bank"),
    ("shop", "convenience"),
    ("amenity", "fuel"),
    ("amenity", "hospital"),
)


def _grid_side(nodes: int) -> int:
    """Intersections per side: a grid of ``k x k`` has about ``3 k^2`` road nodes (a shape node per segment)."""
    return max(4, round(math.sqrt(nodes / 3.0)))


def _line_class(i: int) -> str:
    """The class of grid line ``i`` (a row or a column): ``motorway``, ``trunk``, ``primary``, ``secondary`` or ``minor``."""
    if i % 40 == 20:
        return "motorway"
    if i % 20 == 0:
        return "trunk"
    if i % 20 == 10:
        return "primary"
    if i % 5 == 0:
        return "secondary"
    return "minor"


_REF_LETTER = {"trunk": "G", "primary": "S", "secondary": "X", "tertiary": "Y", "unclassified": "C"}


class _Builder:
    """Accumulates nodes (coordinates, optional tags) and ways (node indices, tags)."""

    def __init__(self) -> None:
        self.lon: list[np.ndarray] = []
        self.lat: list[np.ndarray] = []
        self.count = 0
        self.ways: list[tuple[np.ndarray, dict]] = []
        self.padding: _Padding | None = None

    def add_nodes(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        lon, lat = np.asarray(lon, dtype=np.float64).ravel(), np.asarray(lat, dtype=np.float64).ravel()
        start = self.count
        self.lon.append(lon)
        self.lat.append(lat)
        self.count += lon.size
        return np.arange(start, self.count, dtype=np.int64)

    def add_way(self, nodes, tags: dict) -> None:
        nodes = np.asarray(nodes, dtype=np.int64)
        if nodes.size >= 2:
            self.ways.append((nodes, tags))


def _road_network(b: _Builder, k: int, rng: np.random.Generator, lon0: float, lat0: float) -> dict:
    """Add the road grid of ``k x k`` intersections; returns counts for the summary."""
    m_lon = _M_PER_DEG_LAT * math.cos(math.radians(CENTRE_LAT))

    def to_ll(x, y):
        return lon0 + np.asarray(x) / m_lon, lat0 + np.asarray(y) / _M_PER_DEG_LAT

    classes = [_line_class(i) for i in range(k)]
    # intersections (row r = y index, column c = x index), perturbed by up to 15 % of the spacing
    jitter = rng.uniform(-0.15, 0.15, size=(2, k, k)) * SPACING_M
    gx = np.arange(k)[None, :] * SPACING_M + jitter[0]
    gy = np.arange(k)[:, None] * SPACING_M + jitter[1]
    # an intersection is a node unless both its lines are expressways (nothing would use it)
    used = np.ones((k, k), dtype=bool)
    mw = np.array([c == "motorway" for c in classes])
    used[np.ix_(mw, mw)] = False
    ids = np.full((k, k), -1, dtype=np.int64)
    lon, lat = to_ll(gx[used], gy[used])
    ids[used] = b.add_nodes(lon, lat)

    names: dict[object, tuple[str | None, str | None]] = {}

    def line_name(cls: str, i: int, axis: int) -> tuple[str | None, str | None]:
        key = (cls, i, axis)
        if key not in names:
            seq = (i * 7 + axis * 3) % 900 + 100
            if cls == "motorway":
                j = (i // 40 + axis * 5) % len(_MOTORWAY_REFS)
                names[key] = (_MOTORWAY_REFS[j], _MOTORWAY_NAMES[j])
            elif cls in _REF_LETTER:
                stem = _STEMS[(i * 5 + axis * 11) % len(_STEMS)]
                names[key] = (
                    f"{_REF_LETTER[cls]}{seq if cls != 'trunk' else 100 + seq % 300}",
                    f"{stem}{_SUFFIXES[(i + axis) % 2]}",
                )
            else:
                names[key] = (None, None)
        return names[key]

    def shape_nodes(ax, ay, bx, by):
        """One shape node per segment: the midpoint moved sideways by up to 10 % of the segment."""
        mx, my = (ax + bx) / 2, (ay + by) / 2
        dx, dy = bx - ax, by - ay
        off = rng.uniform(-0.1, 0.1, size=np.shape(mx))
        return b.add_nodes(*to_ll(mx - dy * off, my + dx * off))

    stats = {"missing_segments": 0, "interchanges": 0}
    for axis in (0, 1):  # 0: rows (west-east lines), 1: columns (south-north lines)
        for i in range(k):
            cls = classes[i]
            if axis == 0:
                px, py, pid = gx[i, :], gy[i, :], ids[i, :]
            else:
                px, py, pid = gx[:, i], gy[:, i], ids[:, i]
            if cls == "motorway":
                _expressway(b, rng, to_ll, axis, i, px, py, pid, classes, line_name("motorway", i, axis), stats)
                continue
            shape = shape_nodes(px[:-1], py[:-1], px[1:], py[1:])
            # crossing an expressway line: no junction, the road passes under on its own nodes
            seq_nodes = np.empty(2 * k - 1, dtype=np.int64)
            seq_nodes[0::2] = pid
            seq_nodes[1::2] = shape
            if cls == "minor":
                _minor_line(b, rng, seq_nodes, k, stats)
            else:
                ref, name = line_name(cls, i, axis)
                highway = cls
                for lo in range(0, k - 1, 10):  # one way per 10 segments, as OSM splits long roads
                    seg = seq_nodes[2 * lo : 2 * min(k - 1, lo + 10) + 1]
                    tags = {"highway": highway, "ref": ref, "name": name}
                    if rng.random() < 0.2:
                        tags["maxspeed"] = str(int(rng.choice([60, 70, 80])))
                    if rng.random() < 0.02:
                        tags["maxweight"] = str(int(rng.choice([30, 40, 49])))
                    b.add_way(seg, tags)
    return stats


def _minor_line(b: _Builder, rng, seq_nodes: np.ndarray, k: int, stats: dict) -> None:
    """Cut a minor grid line into ways of 3-12 segments (township, village or residential), with gaps."""
    segments = k - 1
    start = 0
    while start < segments:
        length = int(rng.integers(3, 13))
        end = min(segments, start + length)
        draw = rng.random()
        if draw < 0.15:
            highway = "tertiary"
        elif draw < 0.4:
            highway = "unclassified"
        else:
            highway = "residential"
        tags: dict[str, str] = {"highway": highway}
        if highway in _REF_LETTER:
            tags["ref"] = f"{_REF_LETTER[highway]}{int(rng.integers(1, 999)):03d}"
        if rng.random() < 0.6:
            tags["name"] = f"{_STEMS[int(rng.integers(len(_STEMS)))]}{_SUFFIXES[int(rng.integers(2, 4))]}"
        if highway == "residential" and rng.random() < 0.1:
            tags["oneway"] = "yes" if rng.random() < 0.8 else "-1"
        if rng.random() < 0.015:
            tags["maxheight"] = str(rng.choice(["3.5", "4.2", "4.5 m", "3.8"]))
        if rng.random() < 0.015:
            tags["maxweight"] = str(rng.choice(["10", "15 t", "20", "5"]))
        if highway == "residential" and rng.random() < 0.015:
            tags["hgv"] = "no"
        if highway == "residential" and rng.random() < 0.05:
            tags["maxspeed"] = "30"
        # a few missing segments: the way breaks there
        gaps = np.nonzero(rng.random(end - start) < 0.03)[0]
        stats["missing_segments"] += int(gaps.size)
        lo = start
        for g in [*(start + gaps).tolist(), end]:
            if g > lo:
                b.add_way(seq_nodes[2 * lo : 2 * g + 1], tags)
            lo = g + 1
        start = end


def _expressway(b: _Builder, rng, to_ll, axis: int, i: int, px, py, pid, classes, ref_name, stats: dict) -> None:
    """Two one-way carriageways 20 m either side of grid line ``i``, and interchanges with crossing roads."""
    ref, name = ref_name
    k = px.size
    side = 20.0
    # carriageway nodes beside every crossing, plus a shape node between crossings
    if axis == 0:  # west-east: eastbound on the south side, westbound on the north side
        fwd_xy = (px, py - side)
        bwd_xy = (px, py + side)
    else:  # south-north: northbound on the east side, southbound on the west side
        fwd_xy = (px + side, py)
        bwd_xy = (px - side, py)
    carriageways = []
    for x, y in (fwd_xy, bwd_xy):
        at = b.add_nodes(*to_ll(x, y))
        mx, my = (x[:-1] + x[1:]) / 2, (y[:-1] + y[1:]) / 2
        jit = rng.uniform(-2.0, 2.0, size=mx.size)
        mid = b.add_nodes(*to_ll(mx + (jit if axis == 1 else 0), my + (jit if axis == 0 else 0)))
        seq = np.empty(2 * k - 1, dtype=np.int64)
        seq[0::2] = at
        seq[1::2] = mid
        carriageways.append((at, seq))
    (fwd_at, fwd_seq), (bwd_at, bwd_seq) = carriageways
    tags = {"highway": "motorway", "oneway": "yes", "ref": ref, "name": name, "maxspeed": "120"}
    for lo in range(0, k - 1, 10):
        hi = min(k - 1, lo + 10)
        b.add_way(fwd_seq[2 * lo : 2 * hi + 1], tags)
        b.add_way(bwd_seq[2 * lo : 2 * hi + 1][::-1], tags)
    # interchanges: ramps between the carriageways and a crossing road's node on the line
    link = {"highway": "motorway_link", "oneway": "yes"}
    (fx, fy), (bx, by) = fwd_xy, bwd_xy
    for j in range(1, k - 1):
        if j % 10 != 5 or classes[j] == "motorway" or pid[j] < 0:
            continue
        stats["interchanges"] += 1
        ramps = (
            ((fwd_at[j - 1], fx[j - 1], fy[j - 1]), (pid[j], px[j], py[j])),
            ((pid[j], px[j], py[j]), (fwd_at[j + 1], fx[j + 1], fy[j + 1])),
            ((bwd_at[j + 1], bx[j + 1], by[j + 1]), (pid[j], px[j], py[j])),
            ((pid[j], px[j], py[j]), (bwd_at[j - 1], bx[j - 1], by[j - 1])),
        )
        for (a, ax, ay), (c, cx, cy) in ramps:
            # the ramp's shape node bulges away from the line by a tenth of its length
            dx, dy = cx - ax, cy - ay
            mid = b.add_nodes(*to_ll(np.array([(ax + cx) / 2 + 0.1 * dy]), np.array([(ay + cy) / 2 - 0.1 * dx])))
            b.add_way([a, int(mid[0]), c], link)


def _padding(b: _Builder, rng, k: int, road_nodes: int, lon0: float, lat0: float) -> dict:
    """Buildings, address nodes and POIs until roads are about :data:`ROAD_SHARE` of the nodes."""
    pad = max(0, round(road_nodes / ROAD_SHARE) - road_nodes)
    n_buildings = int(pad * 0.75) // 4
    n_addr = int(pad * 0.15)
    n_poi = pad - 4 * n_buildings - n_addr
    m_lon = _M_PER_DEG_LAT * math.cos(math.radians(CENTRE_LAT))
    extent = (k - 1) * SPACING_M
    # buildings: 10-30 m rectangles at random places (not aligned with the roads: good enough for a reader)
    cx = rng.uniform(0, extent, n_buildings)
    cy = rng.uniform(0, extent, n_buildings)
    w = rng.uniform(5, 15, n_buildings)
    h = rng.uniform(5, 15, n_buildings)
    xs = np.stack([cx - w, cx + w, cx + w, cx - w], axis=1)
    ys = np.stack([cy - h, cy - h, cy + h, cy + h], axis=1)
    corners = b.add_nodes(lon0 + xs / m_lon, lat0 + ys / _M_PER_DEG_LAT).reshape(n_buildings, 4)
    kinds = rng.choice(len(_BUILDINGS), n_buildings, p=[0.5, 0.15, 0.15, 0.1, 0.05, 0.05])
    levels = rng.integers(1, 30, n_buildings)
    # address and POI nodes
    ax = rng.uniform(0, extent, n_addr + n_poi)
    ay = rng.uniform(0, extent, n_addr + n_poi)
    ids = b.add_nodes(lon0 + ax / m_lon, lat0 + ay / _M_PER_DEG_LAT)
    b.padding = _Padding(
        corners=corners,
        kind=kinds,
        levels=levels,
        first_tagged=int(ids[0]) if ids.size else 0,
        n_addr=n_addr,
        numbers=rng.integers(1, 400, n_addr),
        streets=rng.integers(0, len(_STEMS), n_addr),
        poi_kind=rng.integers(0, len(_AMENITIES), n_poi),
    )
    return {"buildings": n_buildings, "address_nodes": n_addr, "pois": n_poi}


_BUILDINGS = ("yes", "house", "residential", "apartments", "industrial", "commercial")


class _Padding:
    """Buildings (four corner nodes each), then address nodes, then POI nodes, held as arrays
    (millions of them: no per-object Python dicts until they are written)."""

    def __init__(self, *, corners, kind, levels, first_tagged: int, n_addr: int, numbers, streets, poi_kind):
        self.corners, self.kind, self.levels = corners, kind, levels
        self.first_tagged, self.n_addr = first_tagged, n_addr
        self.numbers, self.streets, self.poi_kind = numbers, streets, poi_kind

    @property
    def n_tagged(self) -> int:
        return self.n_addr + self.poi_kind.size

    def building(self, k: int) -> tuple[np.ndarray, dict]:
        row = self.corners[k]
        return np.append(row, row[0]), {"building": _BUILDINGS[self.kind[k]], "building:levels": str(self.levels[k])}

    def node_tags(self, idx: int) -> dict:
        j = idx - self.first_tagged
        if j < 0 or j >= self.n_tagged:
            return {}
        if j < self.n_addr:
            return {
                "addr:housenumber": str(self.numbers[j]),
                "addr:street": f"{_STEMS[self.streets[j]]}路",
                "addr:city": "焦作市",
            }
        j -= self.n_addr
        key, value = _AMENITIES[self.poi_kind[j]]
        return {key: value, "name": f"{_STEMS[j % len(_STEMS)]}{value}{j}"}


def write_synthetic_osm(
    path: Path | str, nodes: int, *, pad: bool = False, seed: int = DEFAULT_SEED, progress=None
) -> dict:
    """Write a synthetic road-like ``.osm.pbf`` with about ``nodes`` road nodes; returns a summary.

    Raises
    ------
    ValueError
        If ``nodes`` is below 100.
    """
    import osmium
    from osmium.osm import mutable

    if nodes < 100:
        raise ValueError(f"`nodes` was {nodes}; expected at least 100")
    progress = progress or (lambda m: None)
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    k = _grid_side(nodes)
    m_lon = _M_PER_DEG_LAT * math.cos(math.radians(CENTRE_LAT))
    extent = (k - 1) * SPACING_M
    lon0, lat0 = CENTRE_LON - extent / 2 / m_lon, CENTRE_LAT - extent / 2 / _M_PER_DEG_LAT
    b = _Builder()
    stats = _road_network(b, k, rng, lon0, lat0)
    road_ways = len(b.ways)
    road_nodes = b.count
    if pad:
        stats.update(_padding(b, rng, k, road_nodes, lon0, lat0))
    lon, lat = np.concatenate(b.lon), np.concatenate(b.lat)
    pad_info = b.padding
    n_buildings = pad_info.corners.shape[0] if pad_info is not None else 0
    referenced = np.zeros(lon.size, dtype=bool)
    for way_nodes, _ in b.ways:
        referenced[way_nodes] = True
    if pad_info is not None:
        referenced[pad_info.corners.ravel()] = True
        referenced[pad_info.first_tagged : pad_info.first_tagged + pad_info.n_tagged] = True
    n_ways = len(b.ways) + n_buildings
    # ids: a seeded permutation, so roads and padding interleave as in a real file
    node_id = np.zeros(lon.size, dtype=np.int64)
    node_id[referenced] = rng.permutation(int(referenced.sum())) + 1
    way_id = rng.permutation(n_ways) + 1
    road_nodes = int(referenced[:road_nodes].sum())  # (a missing segment's shape node is left out)
    progress(
        f"generated {int(referenced.sum()):,} nodes ({road_nodes:,} on roads) and {n_ways:,} ways "
        f"in {time.perf_counter() - started:.1f} s; writing {path}"
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part.osm.pbf")  # the writer picks its format from the suffix
    if tmp.exists():
        tmp.unlink()
    writer = osmium.SimpleWriter(str(tmp))
    try:
        order = np.nonzero(referenced)[0]
        order = order[np.argsort(node_id[order])]
        no_tags: dict = {}
        tags_of = pad_info.node_tags if pad_info is not None else (lambda idx: no_tags)
        for idx, osm_id, x, y in zip(order.tolist(), node_id[order].tolist(), lon[order].tolist(), lat[order].tolist()):
            writer.add_node(mutable.Node(id=osm_id, location=(x, y), tags=tags_of(idx), version=1))
        for w in np.argsort(way_id).tolist():
            if w < road_ways:
                way_nodes, tags = b.ways[w]
            else:
                assert pad_info is not None  # ways past the roads are the padding's buildings
                way_nodes, tags = pad_info.building(w - road_ways)
            writer.add_way(mutable.Way(id=int(way_id[w]), nodes=node_id[way_nodes].tolist(), tags=tags, version=1))
    finally:
        writer.close()
    os.replace(tmp, path)
    summary = {
        "path": str(path),
        "seed": seed,
        "pad": pad,
        "grid_side": k,
        "side_km": round(extent / 1000, 1),
        "road_nodes": int(road_nodes),
        "road_ways": road_ways,
        "nodes": int(referenced.sum()),
        "ways": n_ways,
        "bytes": path.stat().st_size,
        "seconds": round(time.perf_counter() - started, 1),
        **stats,
    }
    progress(f"wrote {path} ({summary['bytes'] / 1e6:,.1f} MB) in {summary['seconds']} s")
    return summary


def synthetic_osm_file(
    nodes: int, *, pad: bool = False, seed: int = DEFAULT_SEED, cache_dir: Path | str | None = None, progress=None
) -> Path:
    """The synthetic file for these parameters, built on first use and cached (by its parameters) in ``cache_dir``."""
    folder = Path(cache_dir) if cache_dir is not None else CACHE_DIR
    path = folder / f"synthetic-v{GENERATOR_VERSION}-{nodes}-{'pad' if pad else 'roads'}-{seed}.osm.pbf"
    if not path.exists():
        write_synthetic_osm(path, nodes, pad=pad, seed=seed, progress=progress)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.synthetic_osm", description=__doc__.split("\n\n")[0])
    p.add_argument("--nodes", type=int, required=True, help="about this many road nodes (e.g. 3000000)")
    p.add_argument("--pad", action="store_true", help="add buildings, POIs and addresses (roads about 15 %% of nodes)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--out", type=Path, required=True, help="the .osm.pbf file to write")
    args = p.parse_args(argv)
    if not args.out.name.endswith(".osm.pbf"):
        p.error(f"--out was {str(args.out)!r}; expected a file name ending in .osm.pbf")
    if args.nodes < 100:
        p.error(f"--nodes was {args.nodes}; expected at least 100")
    summary = write_synthetic_osm(
        args.out, args.nodes, pad=args.pad, seed=args.seed, progress=lambda m: print(m, file=sys.stderr, flush=True)
    )
    import json

    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

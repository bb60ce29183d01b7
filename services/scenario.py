"""The demo scenario: zones and sites from a GeoJSON FeatureCollection.

Each feature says ``properties.layer``: ``zone`` (with ``risk``) or ``site``
(with ``kind``).  Loaded into an empty database by ``baotong serve`` in dev mode.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy.orm import Session

from geo.errors import InvalidInputError
from geo.sites import Site, within_bbox
from geo.zones import Zone
from routing.router import Router
from store import sites, zones

logger = logging.getLogger(__name__)


def read_scenario(path: Path) -> tuple[list[Zone], list[Site]]:
    """Parse a scenario file into zones and sites (ids from the features).

    Raises
    ------
    InvalidInputError
        If a feature has no id, an unknown layer, or invalid content.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    zone_list, site_list = [], []
    for i, feature in enumerate(data.get("features", [])):
        props = feature.get("properties") or {}
        fid = feature.get("id") or props.get("id")
        if not fid:
            raise InvalidInputError(f"scenario feature {i} has no id", zh=f"情景要素 {i} 没有 id")
        layer = props.get("layer")
        if layer == "zone":
            zone_list.append(Zone.from_feature(feature, id=str(fid)))
        elif layer == "site":
            site = Site.from_feature(feature, id=str(fid))
            site.properties.pop("layer", None)
            site_list.append(site)
        else:
            raise InvalidInputError(
                f"scenario feature {fid!r}: `layer` was {layer!r}; expected 'zone' or 'site'",
                zh=f"情景要素 {fid!r}：`layer` 为 {layer!r}；应为 'zone' 或 'site'",
            )
    return zone_list, site_list


def load_if_empty(session: Session, path: Path | None, road_router: Router) -> int:
    """Load the scenario when the database holds no zone and no site; returns objects added.

    A scenario for another area (outside the network's bbox) is skipped, so
    ``baotong serve --network OTHER.osm.pbf`` starts empty instead of failing.
    """
    if path is None or not Path(path).exists():
        return 0
    if zones.count_zones(session) or sites.count_sites(session):
        return 0
    zone_list, site_list = read_scenario(path)
    bbox = road_router.network.bbox
    geometries = [z.geometry for z in zone_list] + [s.geometry for s in site_list]
    if not all(within_bbox(geom, bbox) for geom in geometries):
        logger.warning("scenario %s lies outside the network bbox %s; not loaded", path, bbox)
        return 0
    for site in site_list:
        road_router.snap(list(site.point), field_name=f"site {site.id}")
    for zone in zone_list:
        zones.add_zone(session, zone, created_by="scenario")
    for site in site_list:
        sites.add_site(session, site, created_by="scenario")
    logger.info("loaded scenario %s: %d zones, %d sites", path, len(zone_list), len(site_list))
    return len(zone_list) + len(site_list)

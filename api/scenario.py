"""The demo scenario: zones and sites from a GeoJSON FeatureCollection.

Each feature says ``properties.layer``: ``zone`` (with ``risk``) or ``site``
(with ``kind``).  Loaded into an empty database by ``baotong serve`` in dev mode.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import crud
from api.models import SiteRow, ZoneRow
from geo.errors import InvalidInputError
from geo.sites import Site, within_bbox
from geo.zones import Zone

logger = logging.getLogger(__name__)


def read_scenario(path: Path) -> tuple[list[Zone], list[Site]]:
    """Parse a scenario file into zones and sites (ids from the features).

    Raises
    ------
    InvalidInputError
        If a feature has no id, an unknown layer, or invalid content.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    zones, sites = [], []
    for i, feature in enumerate(data.get("features", [])):
        props = feature.get("properties") or {}
        fid = feature.get("id") or props.get("id")
        if not fid:
            raise InvalidInputError(f"scenario feature {i} has no id")
        layer = props.get("layer")
        if layer == "zone":
            zones.append(Zone.from_feature(feature, id=str(fid)))
        elif layer == "site":
            site = Site.from_feature(feature, id=str(fid))
            site.properties.pop("layer", None)
            sites.append(site)
        else:
            raise InvalidInputError(f"scenario feature {fid!r}: `layer` was {layer!r}; expected 'zone' or 'site'")
    return zones, sites


def load_if_empty(session: Session, path: Path | None, router) -> int:
    """Load the scenario when the database holds no zone and no site; returns objects added.

    A scenario for another area (outside the network's bbox) is skipped, so
    ``baotong serve --network OTHER.osm.pbf`` starts empty instead of failing.
    """
    if path is None or not Path(path).exists():
        return 0
    has = session.scalar(select(func.count()).select_from(ZoneRow)) or session.scalar(
        select(func.count()).select_from(SiteRow))
    if has:
        return 0
    zones, sites = read_scenario(path)
    if not all(within_bbox(obj.geometry, router.network.bbox) for obj in [*zones, *sites]):
        logger.warning("scenario %s lies outside the network bbox %s; not loaded", path, router.network.bbox)
        return 0
    for site in sites:
        router.snap(list(site.point), field_name=f"site {site.id}")
    for zone in zones:
        crud.add_zone(session, zone, created_by="scenario")
    for site in sites:
        crud.add_site(session, site, created_by="scenario")
    logger.info("loaded scenario %s: %d zones, %d sites", path, len(zones), len(sites))
    return len(zones) + len(sites)

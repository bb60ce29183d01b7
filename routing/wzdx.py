"""Approved closures as a WZDx 4.2 work-zone feed (GeoJSON FeatureCollection of road events).

Each closure becomes one ``work-zone`` road event per driving direction: the
matched arcs are split into chains (paths that follow the traffic), and each
chain is one event whose ``direction`` comes from its overall bearing.
``vehicle_impact`` is ``all-lanes-closed`` for a hard barrier,
``some-lanes-closed`` for a lane closure and ``flagging`` for a checkpoint
(traffic is stopped and checked but passes).

:func:`validate_feed` checks a feed against the WZDx 4.2 JSON schema files
(``WorkZoneFeed.json`` and the files it references), resolved locally with a
``referencing`` registry; the two GeoJSON geometry schemas the spec points at
(``https://geojson.org/schema/...``) are stood in by minimal local versions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from routing.closures import chains
from routing.network import RoadNetwork

WZDX_VERSION = "4.2"
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
DATA_SOURCE_ID = "baotong-closures"
VEHICLE_IMPACT = {"hard_barrier": "all-lanes-closed", "lane": "some-lanes-closed", "checkpoint": "flagging"}
RESTRICTIONS = {"hard_barrier": [{"type": "no-trucks"}], "lane": [{"type": "reduced-width"}], "checkpoint": []}


@dataclass(frozen=True)
class FeedClosure:
    """What the feed needs to know about one approved closure."""

    id: str
    mode: str
    arcs: np.ndarray
    starts_at: datetime
    ends_at: datetime
    reason: str
    county_code: str
    created_at: datetime | None = None
    updated_at: datetime | None = None


def rfc3339(dt: datetime) -> str:
    """``2026-11-26T08:00:00Z`` (UTC, whole seconds)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def bearing_direction(coords: Sequence[Sequence[float]]) -> str:
    """``northbound``/``eastbound``/``southbound``/``westbound`` from the first to the last point."""
    (lon0, lat0), (lon1, lat1) = coords[0], coords[-1]
    dx = (lon1 - lon0) * math.cos(math.radians((lat0 + lat1) / 2))
    dy = lat1 - lat0
    if dx == 0 and dy == 0:
        return "undefined"
    if abs(dx) >= abs(dy):
        return "eastbound" if dx > 0 else "westbound"
    return "northbound" if dy > 0 else "southbound"


def _road_names(net: RoadNetwork, nodes: list[int], arcs: np.ndarray) -> list[str]:
    names: list[str] = []
    on = set(zip(nodes[:-1], nodes[1:]))
    for a in arcs.tolist():
        if (int(net.tail[a]), int(net.head[a])) in on:
            for value in (net.ref[a], net.name[a]):
                if value and str(value) not in names:
                    names.append(str(value))
    return names or [f"unnamed {net.highway[arcs[0]]} road"]


def _status(c: FeedClosure, now: datetime) -> str:
    if now < c.starts_at:
        return "planned"
    if now >= c.ends_at:
        return "completed"
    return "active"


def road_events(net: RoadNetwork, closure: FeedClosure, *, now: datetime) -> list[dict]:
    """The WZDx road-event Features of one closure (one per chain of arcs)."""
    events = []
    for k, nodes in enumerate(chains(net, closure.arcs)):
        coords = [[round(x, 7), round(y, 7)] for x, y in net.path_coords(nodes)]
        created = closure.created_at or now
        events.append(
            {
                "id": f"{closure.id}-{k + 1}",
                "type": "Feature",
                "properties": {
                    "core_details": {
                        "data_source_id": DATA_SOURCE_ID,
                        "event_type": "work-zone",
                        "road_names": _road_names(net, nodes, closure.arcs),
                        "direction": bearing_direction(coords),
                        "name": closure.id,
                        "description": f"{closure.mode.replace('_', ' ')} approved for county {closure.county_code}: "
                        f"{closure.reason}",
                        "creation_date": rfc3339(created),
                        "update_date": rfc3339(closure.updated_at or created),
                    },
                    "start_date": rfc3339(closure.starts_at),
                    "end_date": rfc3339(closure.ends_at),
                    "is_start_date_verified": False,
                    "is_end_date_verified": False,
                    "is_start_position_verified": False,
                    "is_end_position_verified": False,
                    "location_method": "other",
                    "vehicle_impact": VEHICLE_IMPACT[closure.mode],
                    "work_zone_type": "static",
                    "event_status": _status(closure, now),
                    "restrictions": list(RESTRICTIONS[closure.mode]),
                },
                "geometry": {"type": "LineString", "coordinates": coords},
            }
        )
    return events


def build_feed(
    net: RoadNetwork,
    closures: Sequence[FeedClosure],
    *,
    publisher: str = "Baotong",
    now: datetime | None = None,
    update_frequency_s: int = 60,
) -> dict:
    """A WZDx 4.2 ``WorkZoneFeed`` of the given (approved) closures."""
    now = now or datetime.now(UTC)
    features = [e for c in closures for e in road_events(net, c, now=now)]
    feed: dict[str, Any] = {
        "feed_info": {
            "publisher": publisher,
            "version": WZDX_VERSION,
            "update_date": rfc3339(now),
            "update_frequency": update_frequency_s,
            "license": LICENSE,
            "data_sources": [
                {"data_source_id": DATA_SOURCE_ID, "organization_name": publisher, "update_date": rfc3339(now)}
            ],
        },
        "type": "FeatureCollection",
        "features": features,
    }
    if features:
        pts = np.array([p for f in features for p in f["geometry"]["coordinates"]])
        feed["bbox"] = [float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())]
    return feed


# ----------------------------------------------------------------------------------
# Schema validation (local files only)
# ----------------------------------------------------------------------------------
def _geojson_schema(kind: str, min_items: int) -> dict:
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": f"https://geojson.org/schema/{kind}.json",
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"enum": [kind]},
            "coordinates": {
                "type": "array",
                "minItems": min_items,
                "items": {"type": "array", "minItems": 2, "items": {"type": "number"}},
            },
            "bbox": {"type": "array", "minItems": 4, "items": {"type": "number"}},
        },
    }


def feed_validator(spec_dir: Path | str):
    """A jsonschema validator for ``WorkZoneFeed.json`` with every ``$ref`` resolved from ``spec_dir``."""
    from jsonschema import Draft7Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    spec_dir = Path(spec_dir)
    resources = []
    for path in sorted(spec_dir.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7)))
    for kind, n in (("LineString", 2), ("MultiPoint", 1)):
        schema = _geojson_schema(kind, n)
        resources.append((schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7)))
    registry = Registry().with_resources(resources)
    root = json.loads((spec_dir / "WorkZoneFeed.json").read_text(encoding="utf-8"))
    return Draft7Validator(root, registry=registry, format_checker=FormatChecker())


def validate_feed(feed: dict, spec_dir: Path | str) -> list[str]:
    """Schema errors of ``feed`` (empty when it is a valid WZDx 4.2 feed)."""
    validator = feed_validator(spec_dir)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(feed)]

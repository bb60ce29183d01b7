"""Emergency zones: create (checked against the network's area), edit, list, read, lift, their history;
the live set for routing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from geo.errors import ConflictError, InvalidInputError, InvalidZoneError
from geo.importing import detect_format, read_zone_file
from geo.sites import within_bbox
from geo.zones import Zone, parse_time, polygon_from_geojson
from services.context import AppContext
from services.imports import IMPORT_TIME_BUDGET_S, ImportReport, check_rows
from store import zones as store
from store.db import new_id
from store.zones import ZoneVersion

#: The properties an edit may change (besides the geometry).
EDITABLE = ("name", "risk", "valid_from", "valid_until", "county_code")


def validate_zone(ctx: AppContext, feature: dict[str, Any], *, crs: str) -> Zone:
    """A :class:`Zone` from a GeoJSON Feature, checked to lie on the network's area.

    Raises
    ------
    InvalidZoneError
        For an invalid polygon or properties, or one outside the network's bbox.
    """
    zone = Zone.from_feature(feature, id=new_id("zone"), crs=crs)
    _check_on_network(ctx, zone)
    return zone


def _check_on_network(ctx: AppContext, zone: Zone) -> None:
    margin = ctx.settings.bbox_margin_deg
    bbox = ctx.network.bbox
    if not within_bbox(zone.geometry, bbox, margin_deg=margin):
        raise InvalidZoneError(
            f"`geometry` bounds {[round(v, 5) for v in zone.geometry.bounds]} are outside the network bbox "
            f"{[round(v, 5) for v in bbox]} (margin {margin}°)",
            zh=f"`geometry` 范围 {[round(v, 5) for v in zone.geometry.bounds]} 超出路网范围 {[round(v, 5) for v in bbox]}（余量 {margin}°）",
        )


def _outline(zone: Zone) -> dict[str, Any]:
    """How a change of outline is recorded: vertex count and bounds before and after."""
    geom = zone.geometry
    polys = list(getattr(geom, "geoms", [geom]))
    vertices = sum(len(p.exterior.coords) - 1 + sum(len(r.coords) - 1 for r in p.interiors) for p in polys)
    return {"parts": len(polys), "vertices": vertices, "bounds": [round(v, 6) for v in geom.bounds]}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def edit_zone(
    ctx: AppContext,
    session: Session,
    zone_id: str,
    *,
    geometry: dict[str, Any] | None = None,
    properties: dict[str, Any] | None = None,
    crs: str = "wgs84",
    expected_version: int | None = None,
    reason: str | None = None,
    changed_by: str | None,
) -> Zone:
    """Store an edit of zone ``zone_id`` as its next version: a new outline (GeoJSON Polygon or
    MultiPolygon, repaired and checked as at creation) and/or new values of the :data:`EDITABLE`
    properties (a key given with ``None`` clears ``valid_from``, ``valid_until`` or ``county_code``).
    Routing uses the new version from the next request on.  An edit that changes nothing stores
    nothing and answers the zone as it is.

    ``expected_version`` is the version the edit was made on (the page sends the one it shows):
    another version standing is a conflict, so nobody's change is lost silently.

    Raises
    ------
    NotFoundError
        If there is no such zone, or it was deleted.
    ConflictError
        If the zone is no longer at ``expected_version``.
    InvalidZoneError, InvalidInputError
        For a bad outline, property or window, or an unknown property.
    """
    current = store.get_zone(session, zone_id)
    base = current.version if expected_version is None else expected_version
    if base != current.version:
        raise ConflictError(
            f"zone {zone_id!r} is at version {current.version}, not version {base}; reload it and make the change again",
            zh=f"区域 {zone_id!r} 当前为第 {current.version} 版，而不是第 {base} 版；请重新加载后再修改",
        )
    props = dict(properties or {})
    unknown = sorted(set(props) - set(EDITABLE))
    if unknown:
        raise InvalidInputError(
            f"`properties` has {unknown}; an edit may change {list(EDITABLE)}",
            zh=f"`properties` 中有 {unknown}；修改只能涉及 {list(EDITABLE)}",
        )
    if "name" in props and (not isinstance(props["name"], str) or not props["name"].strip()):
        raise InvalidZoneError(
            f"`properties.name` was {props['name']!r}; expected a non-empty name",
            zh=f"`properties.name` 为 {props['name']!r}；应为非空名称",
        )
    if "county_code" in props and props["county_code"] is not None and not isinstance(props["county_code"], str):
        raise InvalidZoneError(
            f"`properties.county_code` was {props['county_code']!r}; expected a string or null",
            zh=f"`properties.county_code` 为 {props['county_code']!r}；应为字符串或 null",
        )
    values: dict[str, Any] = {
        "name": current.name,
        "risk": current.risk,
        "valid_from": current.valid_from,
        "valid_until": current.valid_until,
        "county_code": current.county_code,
    }
    for key in ("name", "risk", "county_code"):
        if key in props:
            values[key] = props[key].strip() if key == "name" else props[key]
    for key in ("valid_from", "valid_until"):
        if key in props:
            values[key] = parse_time(props[key], key)
    outline, notes = current.geometry, list(current.notes)
    if geometry is not None:
        outline, notes = polygon_from_geojson(geometry, crs=crs)
    edited = Zone(
        id=current.id,
        geometry=outline,
        notes=notes,
        created_at=current.created_at,
        version=current.version + 1,
        **values,
    )
    if geometry is not None:
        _check_on_network(ctx, edited)
    changes: list[dict[str, Any]] = []
    for key in ("name", "risk", "county_code"):
        if getattr(edited, key) != getattr(current, key):
            changes.append({"field": key, "from": getattr(current, key), "to": getattr(edited, key)})
    for key in ("valid_from", "valid_until"):
        if getattr(edited, key) != getattr(current, key):
            changes.append({"field": key, "from": _iso(getattr(current, key)), "to": _iso(getattr(edited, key))})
    if not edited.geometry.equals_exact(current.geometry, 1e-9):
        changes.append({"field": "geometry", "from": _outline(current), "to": _outline(edited)})
    if not changes:
        return current
    return store.update_zone(
        session, edited, expected_version=base, changed_by=changed_by, changes=changes, reason=reason
    )


def create_zone(
    ctx: AppContext, session: Session, feature: dict[str, Any], *, crs: str, created_by: str | None
) -> Zone:
    """Store an emergency zone; see :func:`validate_zone` for what is refused."""
    return store.add_zone(session, validate_zone(ctx, feature, crs=crs), created_by=created_by)


def list_zones(session: Session, *, active_at: datetime | None = None) -> list[Zone]:
    return store.list_zones(session, active_at=active_at)


def get_zone(session: Session, zone_id: str) -> Zone:
    return store.get_zone(session, zone_id)


def delete_zone(
    session: Session,
    zone_id: str,
    *,
    deleted_by: str | None,
    expected_version: int | None = None,
    reason: str | None = None,
) -> None:
    store.delete_zone(session, zone_id, deleted_by=deleted_by, expected_version=expected_version, reason=reason)


def zone_history(session: Session, zone_id: str) -> list[ZoneVersion]:
    """Every stored version of ``zone_id``, oldest first (see :func:`store.zones.zone_history`)."""
    return store.zone_history(session, zone_id)


def live_zones(ctx: AppContext, session: Session, *, active_at: datetime | None = None) -> list[Zone]:
    """:func:`list_zones` for the hot path: the same zones in the same order, each parsed once per process.

    One lean query lists the live zones' ids; a zone's row never changes except to be deleted,
    so the parsed :class:`Zone` of an id seen before is reused and only new ids are read in full.
    """
    zones = ctx.zone_cache.zones(ctx.hot.live_zone_keys(), lambda ids: store.zones_by_id(session, ids))
    return [z for z in zones if z.active_at(active_at)] if active_at is not None else zones


def check_zone_import(
    ctx: AppContext,
    data: bytes,
    *,
    filename: str | None = None,
    fmt: str | None = None,
    crs: str = "wgs84",
    default_risk: str | None = None,
    budget_s: float = IMPORT_TIME_BUDGET_S,
) -> ImportReport:
    """Read a zone file (:func:`geo.importing.read_zone_file`) and check every feature as
    ``POST /zones`` would; stores nothing.  A feature without a risk takes ``default_risk``.  The
    accepted and repaired ones come back as WGS-84 Features to confirm with :func:`confirm_zone_import`.

    Raises
    ------
    InvalidInputError
        If the file as a whole cannot be read (see :func:`~geo.importing.read_zone_file`).
    """
    used = fmt or detect_format(filename, data)
    found = read_zone_file(data, filename=filename, fmt=used)

    def check(feature: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        if default_risk is not None and not feature["properties"].get("risk"):
            feature["properties"]["risk"] = default_risk
        zone = validate_zone(ctx, feature, crs=crs)
        checked = zone.to_feature()  # what would be stored (other properties of the file are not)
        for key in ("id", "version", "notes"):
            checked["properties"].pop(key, None)
        checked.pop("id", None)
        return checked, list(zone.notes)

    return ImportReport(used, check_rows(found, check, budget_s=budget_s))


def confirm_zone_import(
    ctx: AppContext, session: Session, features: list[dict[str, Any]], *, created_by: str | None
) -> list[Zone]:
    """Store the confirmed features of an import (WGS-84 Features as :func:`check_zone_import`
    answered them), all in one transaction or none.

    Raises
    ------
    InvalidZoneError, InvalidInputError
        Naming the first feature (``features[i]``) that is not a valid zone; nothing is stored.
    """
    if not features:
        raise InvalidInputError(
            "`features` is empty; confirm at least one accepted feature",
            zh="`features` 为空；请至少确认一个已接受的要素",
        )
    zones = []
    for i, feature in enumerate(features):
        try:
            zones.append(validate_zone(ctx, feature, crs="wgs84"))
        except InvalidInputError as err:
            raise type(err)(f"features[{i}]: {err}") from None
    return store.add_zones(session, zones, created_by=created_by)

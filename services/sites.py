"""Sites: hubs, enterprises, candidate stations, demand points (each must meet the truck network)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from geo.errors import InvalidInputError
from geo.i18n import Text
from geo.importing import detect_format, read_site_file
from geo.sites import SITE_KINDS, Site, within_bbox
from services.context import AppContext
from services.imports import IMPORT_TIME_BUDGET_S, ImportReport, check_rows
from store import plans as plan_store
from store import sites as store
from store.db import new_id


@dataclass(frozen=True)
class SnappedSite:
    """Where a site meets the truck network: the point on the road, how far, the road's name and ref."""

    point: tuple[float, float]
    distance_m: float
    road: str
    ref: str

    def to_json(self) -> dict[str, Any]:
        return {"point": list(self.point), "distance_m": round(self.distance_m, 1), "road": self.road, "ref": self.ref}


def snap_site(ctx: AppContext, site: Site) -> SnappedSite:
    """Snap a site to the truck network.

    Raises
    ------
    OffNetworkError
        If it lies farther than the snap limit from every road.
    """
    snap = ctx.road_router.snap(list(site.point), field_name="geometry")
    net = ctx.network
    return SnappedSite((snap.snapped_lon, snap.snapped_lat), snap.distance_m, net.name[snap.arc], net.ref[snap.arc])


def create_site(
    ctx: AppContext, session: Session, feature: dict[str, Any], *, crs: str, created_by: str | None
) -> tuple[Site, SnappedSite]:
    """Store a site that lies within the snap distance of the truck network; nothing is stored otherwise.

    Raises
    ------
    InvalidInputError
        For bad properties or geometry, or a site outside the network's bbox.
    OffNetworkError
        If it lies farther than the snap limit from every road.
    """
    site, snapped = validate_site(ctx, feature, crs=crs)
    return store.add_site(session, site, created_by=created_by), snapped


def validate_site(
    ctx: AppContext, feature: dict[str, Any], *, crs: str, site_id: str | None = None
) -> tuple[Site, SnappedSite]:
    """A :class:`Site` from a GeoJSON Feature (a new id unless ``site_id``), on the network's area and within the
    snap distance of a road."""
    site = Site.from_feature(feature, id=site_id or new_id("site"), crs=crs)
    bbox = ctx.network.bbox
    if not within_bbox(site.geometry, bbox, margin_deg=ctx.settings.bbox_margin_deg):
        raise InvalidInputError(
            f"`geometry` {[round(v, 5) for v in site.geometry.bounds]} is outside the network "
            f"bbox {[round(v, 5) for v in bbox]}",
            zh=f"`geometry` {[round(v, 5) for v in site.geometry.bounds]} 超出路网范围 {[round(v, 5) for v in bbox]}",
        )
    return site, snap_site(ctx, site)


#: What a site's edit may change: its place and descriptive properties (not its kind; the whitelist changes
#: only by fusing and restoring, which keep their history).
EDITABLE = ("name", "sector", "weight", "radius_m", "county_code")


def move_site(
    ctx: AppContext,
    session: Session,
    site_id: str,
    *,
    geometry: dict[str, Any] | None,
    properties: dict[str, Any],
    crs: str,
    updated_by: str | None,
) -> tuple[Site, SnappedSite, list[Text]]:
    """Move a site (a new Point or premises Polygon) and/or edit its name, sector, weight, radius or county, checked
    as a new site is (on the network's area, within the snap distance of a road); nothing changes otherwise.
    Returns the site, where it meets the network, and notes (an enterprise's drop point planned for the old
    place: plan it again).

    Raises
    ------
    NotFoundError
        An unknown site.
    InvalidInputError, OffNetworkError
        A property that may not change here (``kind``, ``whitelist``), a bad value, or a place off the network.
    """
    current = store.get_site(session, site_id)
    fixed = sorted(set(properties) - set(EDITABLE))
    if fixed:
        raise InvalidInputError(
            f"{fixed} may not be changed here; a site's edit changes its place and {list(EDITABLE)} "
            "(the whitelist changes by fusing and restoring the enterprise)",
            zh=f"{fixed} 不能在此修改；可修改位置和 {list(EDITABLE)}（白名单通过熔断和解除熔断修改）",
        )
    if geometry is None and not properties:
        raise InvalidInputError("nothing to change: give `geometry` and/or `properties`", zh="没有要修改的内容")
    feature = current.to_feature()
    feature["properties"] = {**feature["properties"], **properties}
    feature["properties"].pop("id", None)
    if geometry is not None:
        feature["geometry"] = geometry
        used_crs = crs
    else:
        used_crs = "wgs84"  # the stored geometry
    site, snapped = validate_site(ctx, feature, crs=used_crs, site_id=site_id)
    notes: list[Text] = []
    if geometry is not None and plan_store.get_drop_point(session, site_id) is not None:
        notes.append(
            Text(
                f"its drop point was planned for the old place; plan it again (POST /sites/{site_id}/drop-point)",
                zh="其固定接收点是按原位置规划的，请重新规划",
            )
        )
    return store.update_site(session, site, updated_by=updated_by), snapped, notes


#: The kinds of site a table imports (demand points come from plans, not files).
IMPORT_KINDS = ("enterprise", "hub_rail", "hub_coach", "hub_logistics", "candidate_station")


def check_site_import(
    ctx: AppContext,
    data: bytes,
    *,
    kind: str,
    filename: str | None = None,
    fmt: str | None = None,
    crs: str = "wgs84",
    budget_s: float = IMPORT_TIME_BUDGET_S,
) -> ImportReport:
    """Read a site file (:func:`geo.importing.read_site_file`: enterprises with their whitelist status
    and sector, hubs or candidate stations) and check every row as ``POST /sites`` would; stores nothing.

    Raises
    ------
    InvalidInputError
        For an unknown kind, or a file that cannot be read as a whole.
    """
    if kind not in IMPORT_KINDS:
        raise InvalidInputError(
            f"`kind` was {kind!r}; expected one of {list(IMPORT_KINDS)}",
            zh=f"`kind` 为 {kind!r}；应为 {list(IMPORT_KINDS)} 之一",
        )
    used = fmt or detect_format(filename, data)
    found = read_site_file(data, kind=kind, filename=filename, fmt=used)

    def check(feature: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        site, snapped = validate_site(ctx, feature, crs=crs)
        checked = site.to_feature()
        checked.pop("id", None)
        checked["properties"].pop("id", None)
        checked["snapped"] = snapped.to_json()  # where it meets the truck network (not stored)
        return checked, []

    return ImportReport(used, check_rows(found, check, budget_s=budget_s))


def confirm_site_import(
    ctx: AppContext, session: Session, features: list[dict[str, Any]], *, kind: str, created_by: str | None
) -> list[Site]:
    """Store the confirmed sites of an import, all in one transaction or none.

    Raises
    ------
    InvalidInputError, OffNetworkError
        Naming the first feature (``features[i]``) that is not a valid site of ``kind``; nothing is stored.
    """
    if kind not in IMPORT_KINDS:
        raise InvalidInputError(
            f"`kind` was {kind!r}; expected one of {list(IMPORT_KINDS)}",
            zh=f"`kind` 为 {kind!r}；应为 {list(IMPORT_KINDS)} 之一",
        )
    if not features:
        raise InvalidInputError(
            "`features` is empty; confirm at least one accepted site", zh="`features` 为空；请至少确认一个已接受的站点"
        )
    sites = []
    for i, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict) or props.get("kind") != kind:
            got = props.get("kind") if isinstance(props, dict) else None
            raise InvalidInputError(
                f"features[{i}]: `properties.kind` was {got!r}; this import is of {kind!r}",
                zh=f"features[{i}]：`properties.kind` 为 {got!r}；本次导入的类型为 {kind!r}",
            )
        try:
            sites.append(validate_site(ctx, feature, crs="wgs84")[0])
        except InvalidInputError as err:
            raise type(err)(f"features[{i}]: {err}") from None
    return store.add_sites(session, sites, created_by=created_by)


def list_sites(session: Session, *, kind: str | None = None) -> list[Site]:
    """Every site, or those of one ``kind``.

    Raises
    ------
    InvalidInputError
        For an unknown kind.
    """
    if kind is not None and kind not in SITE_KINDS:
        raise InvalidInputError(
            f"`kind` was {kind!r}; expected one of {list(SITE_KINDS)}",
            zh=f"`kind` 为 {kind!r}；应为 {list(SITE_KINDS)} 之一",
        )
    return store.list_sites(session, kind=kind)


def get_site(session: Session, site_id: str) -> Site:
    return store.get_site(session, site_id)

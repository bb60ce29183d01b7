"""Exports for reporting upwards: passes and checkpoint scans as CSV and XLSX, zones and closures as
GeoJSON and KML — the list endpoints' own filtered rows, streamed.

Column headers are Chinese (English when the reader asked for English), times are in the
bureau's zone as ``2026-12-01 18:05``, statuses and verdicts read as words.  CSV starts with a
UTF-8 byte-order mark so spreadsheet programs read the Chinese; XLSX is written by openpyxl in
write-only mode (rows go to disk as they come, memory stays flat) and then sent in chunks;
GeoJSON and KML are written feature by feature.  An export opens its own database session and
closes it when the last byte is sent.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from geo.errors import InvalidInputError
from geo.i18n import format_time
from geo.kml import kml_chunks
from geo.zones import Zone
from services import lists
from services.context import AppContext
from services.users import is_bureau
from store.db import aware
from store.models import ClosureRow, PassRow, ScanRow, SiteRow
from store.users import Principal

TABULAR = ("csv", "xlsx")
GEO = ("geojson", "kml")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "kml": "application/vnd.google-earth.kml+xml",
}
CHUNK = 64 * 1024

PASS_STATUS_LABELS = {
    "valid": ("有效", "valid"),
    "revoked": ("已撤销", "revoked"),
    "expired": ("已过期", "expired"),
    "not_yet_valid": ("未生效", "not yet valid"),
    "fused": ("企业已熔断", "enterprise fused"),
}
VERDICT_LABELS = {"pass": ("放行", "PASS"), "stop": ("拦停", "STOP")}
MODE_LABELS = {"online": ("在线核验", "online"), "offline": ("离线核验", "offline")}
RISK_LABELS = {
    "sealed": ("封控区", "sealed"),
    "controlled": ("管控区", "controlled"),
    "precaution": ("防范区", "precaution"),
}
CLOSURE_STATUS_LABELS = {
    "pending": ("待审批", "pending"),
    "approved": ("已批准", "approved"),
    "rejected": ("已驳回", "rejected"),
}
DECISION_LABELS = {
    "allowed": ("允许（报备）", "allowed"),
    "needs_city_approval": ("需市级审批", "needs city approval"),
    "needs_provincial_approval": ("需省级审批", "needs provincial approval"),
    "rejected": ("不予批准", "rejected"),
}
MODE_NAMES = {
    "hard_barrier": ("硬隔离", "hard barrier"),
    "checkpoint": ("设卡检查", "checkpoint"),
    "lane": ("封闭车道", "lane"),
}
DIRECTION_NAMES = {"both": ("双向", "both"), "forward": ("正向", "forward"), "backward": ("反向", "backward")}


def _label(table: dict[str, tuple[str, str]], value: str | None, lang: str) -> str:
    if value is None:
        return ""
    zh, en = table.get(value, (value, value))
    return zh if lang == "zh" else en


@dataclass(frozen=True)
class Column:
    """One column of a table export: its header in Chinese and English and how a row gives its value."""

    zh: str
    en: str
    value: Callable[[Any], Any]

    def header(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Export:
    """A streamed export: its file name, media type and bytes (the iterator closes its session at the end)."""

    filename: str
    media_type: str
    chunks: Iterator[bytes]


def check_format(fmt: str, allowed: Sequence[str]) -> str:
    """``fmt`` if the export offers it.

    Raises
    ------
    InvalidInputError
        Any other format.
    """
    if fmt not in allowed:
        raise InvalidInputError(
            f"`format` was {fmt!r}; expected one of {list(allowed)}",
            zh=f"导出格式 {fmt!r} 无效；应为 {list(allowed)} 之一",
        )
    return fmt


# -- writers ----------------------------------------------------------------------------------------------------
def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def csv_chunks(rows: Iterable[Any], columns: Sequence[Column], lang: str) -> Iterator[bytes]:
    """CSV with a header row, UTF-8 with a byte-order mark, a chunk about every 64 KB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([c.header(lang) for c in columns])
    for row in rows:
        writer.writerow([_cell(c.value(row)) for c in columns])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(rows: Iterable[Any], columns: Sequence[Column], lang: str, *, title: str) -> Iterator[bytes]:
    """An XLSX workbook of one sheet (openpyxl write-only: rows are written to disk as they come)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c.header(lang))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([_cell(c.value(row)) for c in columns])
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as fh:
        wb.save(fh)
        fh.seek(0)
        while True:
            block = fh.read(CHUNK)
            if not block:
                break
            yield block


def geojson_chunks(features: Iterable[dict[str, Any]], *, name: str) -> Iterator[bytes]:
    """A GeoJSON FeatureCollection, one feature at a time."""
    yield b'{"type":"FeatureCollection","name":' + json.dumps(name, ensure_ascii=False).encode() + b',"features":['
    first = True
    for feature in features:
        yield (b"" if first else b",\n") + json.dumps(feature, ensure_ascii=False, default=str).encode("utf-8")
        first = False
    yield b"]}\n"


def _closing(session: Session, chunks: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        session.close()


def _stamp(tz: tzinfo) -> str:
    return datetime.now(UTC).astimezone(tz).strftime("%Y%m%d-%H%M")


def _table_export(
    session: Session,
    rows: Iterator[Any],
    columns: Sequence[Column],
    fmt: str,
    lang: str,
    *,
    stem: str,
    title: str,
    tz: tzinfo,
) -> Export:
    chunks = csv_chunks(rows, columns, lang) if fmt == "csv" else xlsx_chunks(rows, columns, lang, title=title)
    return Export(f"{stem}-{_stamp(tz)}.{fmt}", MEDIA_TYPES[fmt], _closing(session, chunks))


def _ll(value: str | list[float] | None) -> str:
    if value is None:
        return ""
    point = json.loads(value) if isinstance(value, str) else value
    return f"{float(point[0]):.6f}, {float(point[1]):.6f}"


# -- passes -----------------------------------------------------------------------------------------------------
def pass_columns(lang: str, tz: tzinfo, enterprise: Callable[[str], SiteRow | None]) -> list[Column]:
    from services.passes import pass_status

    now = datetime.now(UTC)

    def t(value: datetime | None) -> str:
        return format_time(aware(value), tz)

    def status(row: PassRow) -> str:
        site = enterprise(row.enterprise_id)
        return _label(PASS_STATUS_LABELS, pass_status(row, bool(site is not None and site.whitelist), now), lang)

    def crew(row: PassRow) -> str:
        members = json.loads(row.crew)
        return "、".join(f"{m['name']}（****{m['id_last4']}）" for m in members)

    return [
        Column("通行证号", "Pass no.", lambda r: r.pass_no),
        Column("状态", "Status", status),
        Column("企业编号", "Enterprise id", lambda r: r.enterprise_id),
        Column(
            "企业名称",
            "Enterprise",
            lambda r: getattr(enterprise(r.enterprise_id), "name", ""),
        ),
        Column("车牌", "Plate", lambda r: r.plate),
        Column("货物", "Cargo", lambda r: r.cargo),
        Column("司乘人员", "Crew", crew),
        Column("起点（经度, 纬度）", "Origin (lon, lat)", lambda r: _ll(r.origin)),
        Column("终点（经度, 纬度）", "Destination (lon, lat)", lambda r: _ll(r.destination)),
        Column("出发时间", "Departure", lambda r: t(r.departure)),
        Column("有效期起", "Valid from", lambda r: t(r.valid_from)),
        Column("有效期止", "Valid until", lambda r: t(r.valid_until)),
        Column("签发时间", "Issued at", lambda r: t(r.issued_at)),
        Column("签发人", "Issued by", lambda r: r.created_by),
        Column("路线编号", "Route id", lambda r: r.route_id),
        Column("撤销时间", "Revoked at", lambda r: t(r.revoked_at)),
        Column("撤销原因", "Revocation reason", lambda r: r.revoke_reason),
        Column("提示", "Warnings", lambda r: "；".join(json.loads(r.warnings or "[]"))),
    ]


def _site_lookup(session: Session) -> Callable[[str], SiteRow | None]:
    """Enterprise rows by id, each read once (an export names few enterprises)."""
    seen: dict[str, SiteRow | None] = {}

    def lookup(site_id: str) -> SiteRow | None:
        if site_id not in seen:
            seen[site_id] = session.get(SiteRow, site_id)
        return seen[site_id]

    return lookup


def export_passes(ctx: AppContext, filters: lists.PassFilters, *, user: Principal, fmt: str, lang: str) -> Export:
    """The passes the filters match (as ``GET /passes`` scopes them), as CSV or XLSX.

    Raises
    ------
    InvalidInputError, PermissionDeniedError
        As :func:`services.lists.list_passes`; a format other than csv or xlsx.
    """
    check_format(fmt, TABULAR)
    session = ctx.sessions()
    try:
        rows = lists.iter_passes(session, filters, user=user)
    except BaseException:
        session.close()
        raise
    tz = ctx.settings.tz()
    columns = pass_columns(lang, tz, _site_lookup(session))
    title = "通行证" if lang == "zh" else "passes"
    return _table_export(session, rows, columns, fmt, lang, stem="passes", title=title, tz=tz)


# -- scans ------------------------------------------------------------------------------------------------------
def scan_columns(lang: str, tz: tzinfo) -> list[Column]:
    def t(value: datetime | None) -> str:
        return format_time(aware(value), tz, seconds=True)

    return [
        Column("记录编号", "Scan id", lambda r: r.id),
        Column("通行证号", "Pass no.", lambda r: r.pass_no),
        Column("核验结果", "Verdict", lambda r: _label(VERDICT_LABELS, r.verdict, lang)),
        Column("原因", "Reasons", lambda r: "；".join(json.loads(r.reasons or "[]"))),
        Column("核验时间", "Checked at", lambda r: t(r.checked_at)),
        Column("记录时间", "Recorded at", lambda r: t(r.recorded_at)),
        Column("经度", "Longitude", lambda r: round(r.lon, 6)),
        Column("纬度", "Latitude", lambda r: round(r.lat, 6)),
        Column("核验人员", "Officer", lambda r: r.scanned_by),
        Column("核验方式", "Mode", lambda r: _label(MODE_LABELS, r.mode, lang)),
        Column("录入车牌", "Plate typed", lambda r: r.plate_typed),
    ]


def export_scans(ctx: AppContext, filters: lists.ScanFilters, *, user: Principal, fmt: str, lang: str) -> Export:
    """The checkpoint scans the filters match (as ``GET /scans`` scopes them), as CSV or XLSX."""
    check_format(fmt, TABULAR)
    session = ctx.sessions()
    try:
        rows: Iterator[ScanRow] = lists.iter_scans(session, filters, user=user)
    except BaseException:
        session.close()
        raise
    tz = ctx.settings.tz()
    title = "核验记录" if lang == "zh" else "scans"
    return _table_export(session, rows, scan_columns(lang, tz), fmt, lang, stem="scans", title=title, tz=tz)


# -- zones and closures -------------------------------------------------------------------------------------
ZONE_LABELS = {
    "zh": {
        "id": "编号",
        "name": "名称",
        "risk": "风险等级",
        "valid_from": "生效时间",
        "valid_until": "解除时间",
        "county_code": "区县代码",
    },
    "en": {
        "id": "id",
        "name": "name",
        "risk": "risk",
        "valid_from": "valid from",
        "valid_until": "valid until",
        "county_code": "county",
    },
}
CLOSURE_LABELS = {
    "zh": {
        "id": "编号",
        "name": "道路",
        "status": "状态",
        "decision": "规则判定",
        "mode": "方式",
        "direction": "方向",
        "county_code": "区县代码",
        "starts_at": "开始时间",
        "ends_at": "结束时间",
        "reason": "原因",
        "grade": "道路等级",
        "created_by": "申请人",
        "decided_by": "审批人",
        "decided_at": "审批时间",
    },
    "en": {},
}


def _iso(value: datetime | None, tz: tzinfo) -> str | None:
    at = aware(value)
    return at.astimezone(tz).isoformat() if at is not None else None


def zone_feature(zone: Zone, *, fmt: str, lang: str, tz: tzinfo) -> dict[str, Any]:
    """A zone for an export: GeoJSON keeps ISO 8601 (in the bureau's zone); KML reads for people."""
    feature = zone.to_feature()
    props = feature["properties"]
    props["valid_from"] = _iso(zone.valid_from, tz)
    props["valid_until"] = _iso(zone.valid_until, tz)
    if fmt == "kml":
        props["risk"] = _label(RISK_LABELS, zone.risk, lang)
        props["valid_from"] = format_time(zone.valid_from, tz)
        props["valid_until"] = format_time(zone.valid_until, tz)
        props["style_id"] = zone.risk
        props.pop("notes", None)
    return feature


def export_zones(ctx: AppContext, *, active_at: datetime | None, fmt: str, lang: str) -> Export:
    """The zones not lifted (those in force at ``active_at``) as GeoJSON or KML."""
    check_format(fmt, GEO)
    session = ctx.sessions()
    tz = ctx.settings.tz()
    zones = lists.iter_zones(session, active_at=active_at)
    features = (zone_feature(z, fmt=fmt, lang=lang, tz=tz) for z in zones)
    name = "风险区域" if lang == "zh" else "emergency zones"
    return _geo_export(session, features, fmt, lang, stem="zones", name=name, labels=ZONE_LABELS, tz=tz)


def closure_feature(row: ClosureRow, *, fmt: str, lang: str, tz: tzinfo, officials: bool = False) -> dict[str, Any]:
    """A closure's matched roads with its decision, for an export (the officials' names only with
    ``officials``: for the bureau's roles, as :func:`services.closures.closure_view`)."""
    matched = json.loads(row.matched or "{}")
    roads = matched.get("roads") or []
    names = "、".join(sorted({str(r.get("name") or r.get("ref") or "") for r in roads if isinstance(r, dict)} - {""}))
    people = fmt == "kml"
    props: dict[str, Any] = {
        "id": row.id,
        "name": names or row.id,
        "status": _label(CLOSURE_STATUS_LABELS, row.status, lang) if people else row.status,
        "decision": _label(DECISION_LABELS, row.decision, lang) if people else row.decision,
        "mode": _label(MODE_NAMES, row.mode, lang) if people else row.mode,
        "direction": _label(DIRECTION_NAMES, row.direction, lang) if people else row.direction,
        "county_code": row.county_code,
        "starts_at": format_time(aware(row.starts_at), tz) if people else _iso(row.starts_at, tz),
        "ends_at": format_time(aware(row.ends_at), tz) if people else _iso(row.ends_at, tz),
        "reason": row.reason,
        "grade": row.grade,
        "created_by": row.created_by if officials else None,
        "decided_by": row.decided_by if officials else None,
        "decided_at": format_time(aware(row.decided_at), tz) if people else _iso(row.decided_at, tz),
    }
    if people:
        props["style_id"] = "closure"
    return {"type": "Feature", "id": row.id, "geometry": json.loads(row.geometry), "properties": props}


def export_closures(
    ctx: AppContext, filters: lists.ClosureFilters, *, user: Principal | None, fmt: str, lang: str
) -> Export:
    """The closures the filters match as GeoJSON or KML (their matched roads with the decision)."""
    check_format(fmt, GEO)
    session = ctx.sessions()
    try:
        rows = lists.iter_closures(session, filters, user=user)
    except BaseException:
        session.close()
        raise
    tz = ctx.settings.tz()
    officials = is_bureau(user)
    features = (closure_feature(r, fmt=fmt, lang=lang, tz=tz, officials=officials) for r in rows)
    name = "道路封闭" if lang == "zh" else "road closures"
    return _geo_export(session, features, fmt, lang, stem="closures", name=name, labels=CLOSURE_LABELS, tz=tz)


def _geo_export(
    session: Session,
    features: Iterator[dict[str, Any]],
    fmt: str,
    lang: str,
    *,
    stem: str,
    name: str,
    labels: dict[str, dict[str, str]],
    tz: tzinfo,
) -> Export:
    if fmt == "geojson":
        chunks: Iterator[bytes] = geojson_chunks(features, name=name)
    else:
        chunks = (part.encode("utf-8") for part in kml_chunks(features, name=name, labels=labels.get(lang) or None))
    return Export(f"{stem}-{_stamp(tz)}.{fmt}", MEDIA_TYPES[fmt], _closing(session, chunks))

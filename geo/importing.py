"""Zone files as the bureau receives them, read into GeoJSON Features to check one by one.

Formats: GeoJSON (a FeatureCollection, a Feature or a bare geometry), KML (Placemarks with a Polygon
or a MultiGeometry of Polygons; ``ExtendedData`` and ``name`` as properties), a zipped ESRI
Shapefile (read with pyogrio, reprojected from its ``.prj`` to WGS-84) and CSV or XLSX with a WKT
column or ``lon``/``lat`` and ``radius_m`` columns (a circle of that radius).  Column and property
names may be English or Chinese (``名称``, ``风险等级``, ``开始时间`` ...), risk levels too (``封控区``,
``管控区``, ``防范区``).

Nothing here stores anything or checks a polygon: :func:`read_zone_file` gives one
:class:`ImportedFeature` per feature, either a GeoJSON Feature or the reason it could not be read;
the caller checks each (:meth:`geo.zones.Zone.from_feature`) and stores the accepted ones.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely import wkt as shapely_wkt

from geo.errors import InvalidInputError
from geo.i18n import Text
from geo.projection import LocalProjection

#: The formats :func:`read_zone_file` reads, by name.
FORMATS = ("geojson", "kml", "shapefile", "csv", "xlsx")
#: The most a file may hold.
MAX_BYTES = 20_000_000
MAX_FEATURES = 1_000
#: A zipped Shapefile: at most this much unpacked, and this many members.
MAX_UNZIPPED_BYTES = 100_000_000
MAX_ZIP_MEMBERS = 50

#: Property names as they arrive (lower-cased English, or Chinese) -> the zone's property.
PROPERTY_ALIASES = {
    "name": "name",
    "名称": "name",
    "区域名称": "name",
    "zone": "name",
    "risk": "risk",
    "风险": "risk",
    "风险等级": "risk",
    "类型": "risk",
    "区域类型": "risk",
    "valid_from": "valid_from",
    "开始时间": "valid_from",
    "生效时间": "valid_from",
    "valid_until": "valid_until",
    "结束时间": "valid_until",
    "失效时间": "valid_until",
    "解除时间": "valid_until",
    "county_code": "county_code",
    "区县代码": "county_code",
    "行政区划代码": "county_code",
}
#: Risk levels as they arrive -> the zone's risk.
RISK_ALIASES = {
    "sealed": "sealed",
    "封控区": "sealed",
    "封控": "sealed",
    "controlled": "controlled",
    "管控区": "controlled",
    "管控": "controlled",
    "precaution": "precaution",
    "防范区": "precaution",
    "防范": "precaution",
}
WKT_COLUMNS = ("wkt", "geometry", "geom", "几何", "边界")
LON_COLUMNS = ("lon", "lng", "longitude", "经度")
LAT_COLUMNS = ("lat", "latitude", "纬度")
RADIUS_COLUMNS = ("radius_m", "radius", "半径", "半径米")
#: A circle from lon/lat and a radius: at most this radius, drawn with this many vertices.
MAX_RADIUS_M = 50_000.0
CIRCLE_VERTICES = 64


@dataclass
class ImportedFeature:
    """One feature of a file: a GeoJSON Feature to check, or why it could not be read."""

    index: int  # 0-based, in file order
    label: str  # how a person finds it in the file: its name, or "row 7" / "feature 3"
    feature: dict[str, Any] | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)  # what reading changed (a circle drawn, a CRS converted)


def detect_format(filename: str | None, data: bytes) -> str:
    """The format of a file from its name's suffix, else from its first bytes.

    Raises
    ------
    InvalidInputError
        If neither tells.
    """
    name = (filename or "").lower()
    for suffixes, fmt in (
        ((".geojson", ".json"), "geojson"),
        ((".kml",), "kml"),
        ((".zip", ".shp.zip"), "shapefile"),
        ((".csv", ".txt"), "csv"),
        ((".xlsx",), "xlsx"),
    ):
        if name.endswith(suffixes):
            return fmt
    head = data[:512].lstrip()
    if head.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [n.lower() for n in zf.namelist()]
        if any(n.endswith(".shp") for n in names):
            return "shapefile"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    if head.startswith((b"{", b"[")):
        return "geojson"
    if head.startswith(b"<"):
        return "kml"
    raise InvalidInputError(
        f"the file {filename or '(unnamed)'!r} is not a known format; expected one of {list(FORMATS)} "
        "(by its suffix: .geojson/.json, .kml, .zip with a .shp, .csv, .xlsx)",
        zh=f"文件 {filename or '(未命名)'!r} 的格式无法识别；应为 {list(FORMATS)} 之一（按后缀：.geojson/.json、.kml、含 .shp 的 .zip、.csv、.xlsx）",
    )


def read_zone_file(data: bytes, *, filename: str | None = None, fmt: str | None = None) -> list[ImportedFeature]:
    """The features of a zone file (see the module docstring), in file order.

    Raises
    ------
    InvalidInputError
        If the file is too large, of an unknown format, unreadable as a whole, or holds no feature or
        more than :data:`MAX_FEATURES`.
    """
    if len(data) > MAX_BYTES:
        raise InvalidInputError(
            f"the file has {len(data):,} bytes; the limit is {MAX_BYTES:,}",
            zh=f"文件大小为 {len(data):,} 字节；上限为 {MAX_BYTES:,} 字节",
        )
    if not data.strip():
        raise InvalidInputError(
            f"the file {filename or '(unnamed)'!r} is empty", zh=f"文件 {filename or '(未命名)'!r} 为空"
        )
    fmt = fmt or detect_format(filename, data)
    if fmt not in FORMATS:
        raise InvalidInputError(
            f"`format` was {fmt!r}; expected one of {list(FORMATS)}",
            zh=f"`format` 为 {fmt!r}；应为 {list(FORMATS)} 之一",
        )
    reader = {"geojson": _geojson, "kml": _kml, "shapefile": _shapefile, "csv": _csv, "xlsx": _xlsx}[fmt]
    found = reader(data)
    if not found:
        raise InvalidInputError(
            f"the {fmt} file {filename or '(unnamed)'!r} holds no feature",
            zh=f"{fmt} 文件 {filename or '(未命名)'!r} 中没有任何要素",
        )
    if len(found) > MAX_FEATURES:
        raise InvalidInputError(
            f"the file holds {len(found):,} features; the limit is {MAX_FEATURES:,} per import",
            zh=f"文件中有 {len(found):,} 个要素；每次导入上限为 {MAX_FEATURES:,} 个",
        )
    return found


# -- properties ---------------------------------------------------------------------------------
def normalise_properties(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Zone properties from a file's properties or columns (aliases mapped, risk labels mapped, empty
    cells dropped); the others are kept under their own names.  Also: what was mapped, as notes."""
    out: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in raw.items():
        if (
            value is None
            or (isinstance(value, float) and math.isnan(value))
            or (isinstance(value, str) and not value.strip())
        ):
            continue
        name = PROPERTY_ALIASES.get(str(key).strip().lower(), PROPERTY_ALIASES.get(str(key).strip()))
        if name is None:
            out[str(key)] = value if isinstance(value, (str, int, float, bool)) else str(value)
            continue
        if isinstance(value, str):
            value = value.strip()
        elif hasattr(value, "isoformat"):  # a spreadsheet's date-time cell
            value = value.isoformat()
        if name == "risk":
            mapped = RISK_ALIASES.get(str(value).lower(), RISK_ALIASES.get(str(value)))
            if mapped is not None and mapped != value:
                notes.append(Text(f"risk {value!r} read as {mapped!r}", zh=f"风险等级 {value!r} 读作 {mapped!r}"))
            value = mapped if mapped is not None else value
        if name == "county_code" and not isinstance(value, str):
            value = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        out[name] = value
    return out, notes


def _geojson_of(geom) -> dict[str, Any]:
    """A shapely geometry as a GeoJSON mapping of lists (what a JSON body would hold)."""
    return json.loads(shapely.to_geojson(geom))


def _read_error(place: str, err: Exception) -> Text:
    """Why the feature at ``where`` could not be read, in both languages (an error without a Chinese twin
    reads its English in both)."""
    return Text(f"{place}: {err}", zh=f"{getattr(place, 'zh', place)}：{getattr(err, 'zh', None) or err}")


#: How a place in a file is named for people, in both languages (``row 7`` / ``第 7 行``).
_WHERE_ZH = {"feature": "第 {n} 个要素", "placemark": "第 {n} 个地标", "record": "第 {n} 条记录", "row": "第 {n} 行"}


def where(kind: str, n: int) -> Text:
    """The ``n``-th feature, placemark, record or row of a file, for people: ``Text("row 7", zh="第 7 行")``."""
    return Text(f"{kind} {n}", zh=_WHERE_ZH[kind].format(n=n))


def _label(props: Mapping[str, Any], fallback: str) -> Text:
    """How to find a feature in its file: its place, and its name where it has one (in both languages)."""
    name = props.get("name")
    place = fallback if isinstance(fallback, Text) else Text(fallback)
    if isinstance(name, str) and name:
        return Text(f"{place.en} ({name})", zh=f"{place.zh}（{name}）")
    return place


def _feature(index: int, fallback: str, geometry: Any, raw_props: Mapping[str, Any], notes=()) -> ImportedFeature:
    props, mapped = normalise_properties(raw_props)
    return ImportedFeature(
        index,
        _label(props, fallback),
        feature={"type": "Feature", "geometry": geometry, "properties": props},
        notes=[*notes, *mapped],
    )


# -- GeoJSON ------------------------------------------------------------------------------------
def _geojson(data: bytes) -> list[ImportedFeature]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as err:
        raise InvalidInputError(
            f"the GeoJSON file is not JSON: {err}", zh=f"GeoJSON 文件不是有效的 JSON：{err}"
        ) from None
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        items = doc.get("features")
        if not isinstance(items, list):
            raise InvalidInputError(
                "the FeatureCollection's `features` is not a list", zh="FeatureCollection 的 `features` 不是列表"
            )
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        items = [doc]
    elif isinstance(doc, dict) and doc.get("type") in ("Polygon", "MultiPolygon"):
        items = [{"type": "Feature", "geometry": doc, "properties": {}}]
    else:
        got = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise InvalidInputError(
            f"the GeoJSON file is a {got!r}; expected a FeatureCollection, a Feature or a Polygon",
            zh=f"GeoJSON 文件的类型为 {got!r}；应为 FeatureCollection、Feature 或 Polygon",
        )
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type") != "Feature":
            got = item.get("type") if isinstance(item, dict) else type(item).__name__
            out.append(
                ImportedFeature(
                    i,
                    where("feature", i + 1),
                    error=Text(
                        f"feature {i + 1} is a {got!r}, not a Feature", zh=f"第 {i + 1} 个要素是 {got!r}，不是 Feature"
                    ),
                )
            )
            continue
        props = item.get("properties") or {}
        if not isinstance(props, dict):
            out.append(
                ImportedFeature(
                    i,
                    where("feature", i + 1),
                    error=Text(
                        f"feature {i + 1}'s `properties` is not an object",
                        zh=f"第 {i + 1} 个要素的 `properties` 不是对象",
                    ),
                )
            )
            continue
        out.append(_feature(i, where("feature", i + 1), item.get("geometry"), props))
    return out


# -- KML ----------------------------------------------------------------------------------------
def _kml_ring(text: str | None) -> list[list[float]]:
    ring = []
    for token in (text or "").split():
        parts = token.split(",")
        if len(parts) < 2:
            raise ValueError(f"coordinate {token!r} is not lon,lat[,alt]")
        ring.append([float(parts[0]), float(parts[1])])
    return ring


def _kml(data: bytes) -> list[ImportedFeature]:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException) as err:
        raise InvalidInputError(
            f"the KML file is not well-formed XML (or declares entities): {err}",
            zh=f"KML 文件不是格式正确的 XML（或声明了实体）：{err}",
        ) from None

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    def children(node, name: str) -> Iterable:
        return (c for c in node.iter() if local(c.tag) == name)

    out = []
    for i, placemark in enumerate(children(root, "Placemark")):
        props: dict[str, Any] = {}
        for c in placemark:
            if local(c.tag) in ("name", "description") and c.text:
                props[local(c.tag)] = c.text.strip()
        for data_el in children(placemark, "Data"):
            value = next((v.text for v in data_el if local(v.tag) == "value"), None)
            if data_el.get("name"):
                props[data_el.get("name")] = value
        for simple in children(placemark, "SimpleData"):
            if simple.get("name"):
                props[simple.get("name")] = simple.text
        fallback = where("placemark", i + 1)
        polygons = []
        try:
            for poly in children(placemark, "Polygon"):
                outer = [
                    _kml_ring(r.text)
                    for b in poly
                    if local(b.tag) == "outerBoundaryIs"
                    for r in children(b, "coordinates")
                ]
                inner = [
                    _kml_ring(r.text)
                    for b in poly
                    if local(b.tag) == "innerBoundaryIs"
                    for r in children(b, "coordinates")
                ]
                if outer:
                    polygons.append([outer[0], *inner])
        except ValueError as err:
            out.append(ImportedFeature(i, _label(props, fallback), error=_read_error(fallback, err)))
            continue
        if not polygons:
            kinds = sorted({local(c.tag) for c in placemark.iter()} & {"Point", "LineString", "LinearRing"})
            out.append(
                ImportedFeature(
                    i,
                    _label(props, fallback),
                    error=Text(
                        f"{fallback} has no Polygon (it has {kinds or 'no geometry'})",
                        zh=f"{fallback} 没有多边形（它有 {kinds or '无几何'}）",
                    ),
                )
            )
            continue
        geometry = (
            {"type": "Polygon", "coordinates": polygons[0]}
            if len(polygons) == 1
            else {"type": "MultiPolygon", "coordinates": polygons}
        )
        out.append(_feature(i, fallback, geometry, props))
    return out


# -- zipped Shapefile ---------------------------------------------------------------------------
def _shapefile(data: bytes) -> list[ImportedFeature]:
    import pyogrio

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as err:
        raise InvalidInputError(
            f"the Shapefile upload is not a zip file: {err}", zh=f"上传的 Shapefile 不是 zip 文件：{err}"
        ) from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise InvalidInputError(
                f"the zip holds {len(members)} files; the limit is {MAX_ZIP_MEMBERS}",
                zh=f"zip 中有 {len(members)} 个文件；上限为 {MAX_ZIP_MEMBERS} 个",
            )
        unpacked = sum(m.file_size for m in members)
        if unpacked > MAX_UNZIPPED_BYTES:
            raise InvalidInputError(
                f"the zip unpacks to {unpacked:,} bytes; the limit is {MAX_UNZIPPED_BYTES:,}",
                zh=f"zip 解压后为 {unpacked:,} 字节；上限为 {MAX_UNZIPPED_BYTES:,} 字节",
            )
        shps = [m for m in members if m.filename.lower().endswith(".shp") and not m.is_dir()]
        if len(shps) != 1:
            raise InvalidInputError(
                f"the zip holds {len(shps)} .shp files ({[m.filename for m in shps]}); expected exactly one",
                zh=f"zip 中有 {len(shps)} 个 .shp 文件（{[m.filename for m in shps]}）；应恰好一个",
            )
        with tempfile.TemporaryDirectory(prefix="baotong-shp-") as tmp:
            for m in members:
                name = Path(m.filename).name  # flat: no path from the archive reaches the disk
                if m.is_dir() or not name or name.startswith("."):
                    continue
                (Path(tmp) / name).write_bytes(zf.read(m))
            path = Path(tmp) / Path(shps[0].filename).name
            notes = []
            try:
                frame = pyogrio.read_dataframe(path)
            except Exception as err:  # noqa: BLE001  (GDAL's errors have many types)
                raise InvalidInputError(
                    f"the Shapefile could not be read: {err}", zh=f"无法读取 Shapefile：{err}"
                ) from None
            if frame.crs is None:
                notes.append(
                    Text(
                        "the Shapefile has no .prj: its coordinates were taken as WGS-84 longitude/latitude",
                        zh="该 Shapefile 没有 .prj 文件：其坐标按 WGS-84 经纬度读取",
                    )
                )
            elif frame.crs.to_epsg() != 4326:
                notes.append(
                    Text(f"reprojected from {frame.crs.name} to WGS-84", zh=f"已从 {frame.crs.name} 转换到 WGS-84")
                )
                frame = frame.to_crs(4326)
    out = []
    columns = [c for c in frame.columns if c != "geometry"]
    for i, (geom, row) in enumerate(zip(frame.geometry, frame[columns].itertuples(index=False))):
        props = {c: (v.isoformat() if hasattr(v, "isoformat") else v) for c, v in zip(columns, row)}
        fallback = where("record", i + 1)
        if geom is None or geom.is_empty:
            out.append(
                ImportedFeature(
                    i,
                    _label(props, fallback),
                    error=Text(f"{fallback} has no geometry", zh=f"{fallback.zh} 没有几何图形"),
                )
            )
            continue
        out.append(_feature(i, fallback, _geojson_of(geom), props, notes))
    return out


# -- CSV and XLSX -------------------------------------------------------------------------------
def _rows_features(header: list[str], rows: Iterable[tuple[int, list[Any]]]) -> list[ImportedFeature]:
    keys = [str(h).strip() if h is not None else "" for h in header]
    lower = [k.lower() for k in keys]

    def column(names: tuple[str, ...]) -> int | None:
        for n in names:
            if n in lower:
                return lower.index(n)
            if n in keys:
                return keys.index(n)
        return None

    wkt_col, lon_col, lat_col, radius_col = (
        column(WKT_COLUMNS),
        column(LON_COLUMNS),
        column(LAT_COLUMNS),
        column(RADIUS_COLUMNS),
    )
    if wkt_col is None and (lon_col is None or lat_col is None):
        raise InvalidInputError(
            f"the table's columns are {keys}; expected a WKT column ({list(WKT_COLUMNS)}) or "
            f"longitude and latitude columns ({list(LON_COLUMNS)}, {list(LAT_COLUMNS)}) with a radius ({list(RADIUS_COLUMNS)})",
            zh=f"表格的列为 {keys}；应有一个 WKT 列（{list(WKT_COLUMNS)}），或经度、纬度列（{list(LON_COLUMNS)}、{list(LAT_COLUMNS)}）加半径列（{list(RADIUS_COLUMNS)}）",
        )
    geometry_cols = {c for c in (wkt_col, lon_col, lat_col, radius_col) if c is not None}
    out = []
    for i, (row_no, values) in enumerate(rows):
        values = list(values) + [None] * (len(keys) - len(values))
        props = {keys[c]: values[c] for c in range(len(keys)) if c not in geometry_cols and keys[c]}
        fallback = where("row", row_no)
        try:
            geometry, notes = _row_geometry(values, wkt_col, lon_col, lat_col, radius_col)
        except ValueError as err:
            normalised, _ = normalise_properties(props)
            out.append(ImportedFeature(i, _label(normalised, fallback), error=_read_error(fallback, err)))
            continue
        out.append(_feature(i, fallback, geometry, props, notes))
    return out


def _row_geometry(values, wkt_col, lon_col, lat_col, radius_col) -> tuple[dict[str, Any], list[str]]:
    if wkt_col is not None and values[wkt_col] not in (None, ""):
        text = str(values[wkt_col]).strip()
        try:
            geom = shapely_wkt.loads(text)
        except shapely.errors.ShapelyError as err:
            raise ValueError(f"the WKT {text[:60]!r} could not be read ({err})") from None
        return _geojson_of(geom), []
    if lon_col is None or lat_col is None:
        raise ValueError("the WKT cell is empty")
    try:
        lon, lat = float(values[lon_col]), float(values[lat_col])
    except (TypeError, ValueError):
        raise ValueError(f"longitude/latitude {values[lon_col]!r}, {values[lat_col]!r} are not numbers") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"longitude/latitude {lon}, {lat} are out of range")
    raw_radius = values[radius_col] if radius_col is not None else None
    try:
        radius = float(raw_radius) if raw_radius not in (None, "") else math.nan
    except (TypeError, ValueError):
        radius = math.nan
    if not (0 < radius <= MAX_RADIUS_M):
        raise ValueError(
            f"a zone from a point needs a radius in metres (0 < radius_m <= {MAX_RADIUS_M:,.0f}); got {raw_radius!r}"
        )
    proj = LocalProjection(lon, lat)
    circle = proj.inverse_geom(shapely.Point(0.0, 0.0).buffer(radius, quad_segs=CIRCLE_VERTICES // 4))
    return _geojson_of(circle), [
        f"a circle of {radius:,.0f} m around {lon:.6f}, {lat:.6f} ({CIRCLE_VERTICES} vertices)"
    ]


Table = tuple[list[str], list[tuple[int, list[Any]]]]  # header, (row number, cells) of the non-empty rows


def read_table(data: bytes, fmt: str) -> Table:
    """The header and non-empty rows of a CSV (UTF-8 or GB18030) or XLSX (first sheet) file.

    Raises
    ------
    InvalidInputError
        If the file is too large, empty, not of ``fmt``, or has no header row.
    """
    if len(data) > MAX_BYTES:
        raise InvalidInputError(
            f"the file has {len(data):,} bytes; the limit is {MAX_BYTES:,}",
            zh=f"文件大小为 {len(data):,} 字节；上限为 {MAX_BYTES:,} 字节",
        )
    if fmt == "csv":
        return _csv_table(data)
    if fmt == "xlsx":
        return _xlsx_table(data)
    raise InvalidInputError(
        f"`format` was {fmt!r}; expected 'csv' or 'xlsx' for a table",
        zh=f"`format` 为 {fmt!r}；表格应为 'csv' 或 'xlsx'",
    )


def _csv(data: bytes) -> list[ImportedFeature]:
    return _rows_features(*_csv_table(data))


def _xlsx(data: bytes) -> list[ImportedFeature]:
    return _rows_features(*_xlsx_table(data))


def _csv_table(data: bytes) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise InvalidInputError(
            "the CSV file is neither UTF-8 nor GB18030 text", zh="CSV 文件既不是 UTF-8 也不是 GB18030 编码的文本"
        )
    csv.field_size_limit(MAX_BYTES)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInputError("the CSV file has no header row", zh="CSV 文件没有表头行") from None
    rows = [(n, list(r)) for n, r in enumerate(reader, start=2) if any(cell.strip() for cell in r)]
    return header, rows


def _xlsx_table(data: bytes) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001  (openpyxl raises many kinds for a bad file)
        raise InvalidInputError(f"the XLSX file could not be read: {err}", zh=f"无法读取 XLSX 文件：{err}") from None
    try:
        sheet = book.worksheets[0]
        it = sheet.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            raise InvalidInputError("the XLSX file's first sheet is empty", zh="XLSX 文件的第一个工作表为空")
        rows = ((n, list(r)) for n, r in enumerate(it, start=2) if any(c is not None and str(c).strip() for c in r))
        return [str(h) if h is not None else "" for h in header], list(rows)
    finally:
        book.close()


# -- sites from tables --------------------------------------------------------------------------
#: Column names of a site table (lower-cased English, or Chinese) -> the site's property.
SITE_ALIASES = {
    "name": "name",
    "名称": "name",
    "企业名称": "name",
    "站点名称": "name",
    "whitelist": "whitelist",
    "白名单": "whitelist",
    "是否白名单": "whitelist",
    "sector": "sector",
    "行业": "sector",
    "所属行业": "sector",
    "weight": "weight",
    "权重": "weight",
    "需求量": "weight",
    "radius_m": "radius_m",
    "半径": "radius_m",
    "county_code": "county_code",
    "区县代码": "county_code",
    "行政区划代码": "county_code",
}
TRUE_TEXT = {"true", "yes", "y", "1", "是", "√", "✓"}
FALSE_TEXT = {"false", "no", "n", "0", "否", "×", "✗"}
SITE_FORMATS = ("geojson", "csv", "xlsx")


def _site_value(name: str, value: Any) -> Any:
    if name == "whitelist" and not isinstance(value, bool):
        text = str(value).strip().lower()
        if text in TRUE_TEXT:
            return True
        if text in FALSE_TEXT:
            return False
        raise ValueError(f"whitelist {value!r} is neither yes nor no (是/否, true/false, 1/0)")
    if name in ("weight", "radius_m") and not isinstance(value, (int, float)):
        try:
            return float(str(value).strip())
        except ValueError:
            raise ValueError(f"{name} {value!r} is not a number") from None
    if name == "county_code" and not isinstance(value, str):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return value.strip() if isinstance(value, str) else value


def _site_properties(raw: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        name = SITE_ALIASES.get(str(key).strip().lower(), SITE_ALIASES.get(str(key).strip()))
        if name is None:
            out[str(key)] = value if isinstance(value, (str, int, float, bool)) else str(value)
        else:
            out[name] = _site_value(name, value)
    return out


def read_site_file(
    data: bytes, *, kind: str, filename: str | None = None, fmt: str | None = None
) -> list[ImportedFeature]:
    """The sites of a CSV/XLSX table (a WKT column, or longitude and latitude columns) or a GeoJSON
    FeatureCollection of Points and Polygons, each as a Feature of ``kind``, in file order.

    Raises
    ------
    InvalidInputError
        If the file as a whole cannot be read, holds no site or more than :data:`MAX_FEATURES`.
    """
    if not data.strip():
        raise InvalidInputError(
            f"the file {filename or '(unnamed)'!r} is empty", zh=f"文件 {filename or '(未命名)'!r} 为空"
        )
    fmt = fmt or detect_format(filename, data)
    if fmt not in SITE_FORMATS:
        raise InvalidInputError(
            f"a site file is one of {list(SITE_FORMATS)}; this one is {fmt!r}",
            zh=f"站点文件应为 {list(SITE_FORMATS)} 之一；此文件为 {fmt!r}",
        )
    out: list[ImportedFeature] = []
    if fmt == "geojson":
        for item in _geojson(data):
            if item.feature is None:
                out.append(item)
                continue
            try:
                props = _site_properties(item.feature["properties"])
            except ValueError as err:
                out.append(ImportedFeature(item.index, item.label, error=_read_error(item.label, err)))
                continue
            props["kind"] = kind
            out.append(
                ImportedFeature(
                    item.index,
                    _label(props, where("feature", item.index + 1)),
                    feature={**item.feature, "properties": props},
                )
            )
    else:
        header, rows = read_table(data, fmt)
        keys = [str(h).strip() for h in header]
        lower = [k.lower() for k in keys]

        def column(names: tuple[str, ...]) -> int | None:
            return next(
                (lower.index(n) if n in lower else keys.index(n) for n in names if n in lower or n in keys), None
            )

        wkt_col, lon_col, lat_col = column(WKT_COLUMNS), column(LON_COLUMNS), column(LAT_COLUMNS)
        if wkt_col is None and (lon_col is None or lat_col is None):
            raise InvalidInputError(
                f"the table's columns are {keys}; expected a WKT column ({list(WKT_COLUMNS)}) or "
                f"longitude and latitude columns ({list(LON_COLUMNS)}, {list(LAT_COLUMNS)})",
                zh=f"表格的列为 {keys}；应有一个 WKT 列（{list(WKT_COLUMNS)}），或经度、纬度列（{list(LON_COLUMNS)}、{list(LAT_COLUMNS)}）",
            )
        geometry_cols = {c for c in (wkt_col, lon_col, lat_col) if c is not None}
        for i, (row_no, values) in enumerate(rows):
            values = list(values) + [None] * (len(keys) - len(values))
            raw = {keys[c]: values[c] for c in range(len(keys)) if c not in geometry_cols and keys[c]}
            fallback = where("row", row_no)
            try:
                props = _site_properties(raw)
                if wkt_col is not None and values[wkt_col] not in (None, ""):
                    text = str(values[wkt_col]).strip()
                    try:
                        geometry = _geojson_of(shapely_wkt.loads(text))
                    except shapely.errors.ShapelyError as err:
                        raise ValueError(f"the WKT {text[:60]!r} could not be read ({err})") from None
                elif lon_col is not None and lat_col is not None:
                    try:
                        lon, lat = float(values[lon_col]), float(values[lat_col])
                    except (TypeError, ValueError):
                        raise ValueError(
                            f"longitude/latitude {values[lon_col]!r}, {values[lat_col]!r} are not numbers"
                        ) from None
                    geometry = {"type": "Point", "coordinates": [lon, lat]}
                else:
                    raise ValueError("the WKT cell is empty")
            except ValueError as err:
                out.append(ImportedFeature(i, _label(_safe_name(raw), fallback), error=_read_error(fallback, err)))
                continue
            props["kind"] = kind
            out.append(
                ImportedFeature(
                    i, _label(props, fallback), feature={"type": "Feature", "geometry": geometry, "properties": props}
                )
            )
    if not out:
        raise InvalidInputError(
            f"the {fmt} file {filename or '(unnamed)'!r} holds no site",
            zh=f"{fmt} 文件 {filename or '(未命名)'!r} 中没有任何站点",
        )
    if len(out) > MAX_FEATURES:
        raise InvalidInputError(
            f"the file holds {len(out):,} sites; the limit is {MAX_FEATURES:,} per import",
            zh=f"文件中有 {len(out):,} 个站点；每次导入上限为 {MAX_FEATURES:,} 个",
        )
    return out


def _safe_name(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The name of a row that could not be read, for its label."""
    for key, value in raw.items():
        if SITE_ALIASES.get(str(key).strip().lower(), SITE_ALIASES.get(str(key).strip())) == "name":
            return {"name": str(value).strip()} if value is not None else {}
    return {}


#: The header and one example row of each downloadable template (the headers are names the readers map).
SITE_TEMPLATE = (
    ["名称", "经度", "纬度", "白名单", "行业", "区县代码", "权重"],
    ["示例企业", 113.2418, 35.2159, "是", "冷链", "410802", 1],
)
ZONE_TEMPLATE = (
    ["名称", "风险等级", "wkt", "经度", "纬度", "半径", "开始时间", "结束时间", "区县代码"],
    [
        "示例封控区",
        "封控区",
        "",
        113.2418,
        35.2159,
        500,
        "2026-12-01T08:00:00+08:00",
        "2026-12-08T08:00:00+08:00",
        "410802",
    ],
)


def template(kind: str, fmt: str) -> bytes:
    """A template file (``csv``, UTF-8 with a byte-order mark so that spreadsheet programs read the
    Chinese, or ``xlsx``) for importing ``zones`` or sites (any other ``kind``)."""
    header, example = ZONE_TEMPLATE if kind == "zones" else SITE_TEMPLATE
    return table_file(header, example, fmt)


def table_file(header: Sequence[Any], example: Sequence[Any], fmt: str) -> bytes:
    """A two-row table -- ``header`` and one ``example`` row -- as ``csv`` (UTF-8 with a byte-order mark) or
    ``xlsx``: the template of an import."""
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        writer.writerow(example)
        return buf.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(list(header))
        sheet.append(list(example))
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    raise InvalidInputError(
        f"`format` was {fmt!r}; expected 'csv' or 'xlsx'", zh=f"`format` 为 {fmt!r}；应为 'csv' 或 'xlsx'"
    )

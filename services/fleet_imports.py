"""An enterprise's vehicles and crew from a spreadsheet (the whitelist arrives as tables): every row checked as
``POST /sites/{id}/vehicles`` or ``/crew`` would check it, a report of each, nothing stored until confirmed.

Columns are read by their English or Chinese names (``车牌号``, ``车辆归属``, ``姓名``, ``身份证后四位``,
``核酸采样时间`` ...).  Times without a zone (a spreadsheet's usual ``2026-12-01 08:00``) are read in the
bureau's zone and the row says so.  A column of whole identity numbers is never kept or echoed: only its
last four characters are read, and the row says that too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from geo.errors import BaotongError, InvalidInputError
from geo.i18n import Text
from geo.importing import MAX_FEATURES, detect_format, read_table, table_file, where
from services import passes
from services.context import AppContext
from services.imports import ImportReport, ImportRow
from store import passes as store
from store.users import Principal

FleetKind = Literal["vehicles", "crew"]
FLEET_KINDS: tuple[FleetKind, ...] = ("vehicles", "crew")
TABLE_FORMATS = ("csv", "xlsx")
#: Column names (lower-cased English, or Chinese) -> the field of a vehicle.
VEHICLE_ALIASES = {
    "plate": "plate",
    "车牌": "plate",
    "车牌号": "plate",
    "车牌号码": "plate",
    "ownership": "ownership",
    "归属": "ownership",
    "车辆归属": "ownership",
    "车辆性质": "ownership",
    "out_of_province": "out_of_province",
    "外省车辆": "out_of_province",
    "是否外省": "out_of_province",
    "height_m": "height_m",
    "车高": "height_m",
    "车高（米）": "height_m",
    "高度": "height_m",
    "weight_t": "weight_t",
    "总质量": "weight_t",
    "总质量（吨）": "weight_t",
    "重量": "weight_t",
    "width_m": "width_m",
    "车宽": "width_m",
    "车宽（米）": "width_m",
    "宽度": "width_m",
}
#: Column names -> the field of a crew member; ``id_number`` is a whole ID, of which only the last 4 are read.
CREW_ALIASES = {
    "name": "name",
    "姓名": "name",
    "id_last4": "id_last4",
    "身份证后四位": "id_last4",
    "证件后四位": "id_last4",
    "id_number": "id_number",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "role": "role",
    "岗位": "role",
    "角色": "role",
    "职务": "role",
    "tested_at": "tested_at",
    "核酸采样时间": "tested_at",
    "采样时间": "tested_at",
    "核酸检测时间": "tested_at",
    "mobile_role": "mobile_role",
    "高频接触岗位": "mobile_role",
    "流动岗位": "mobile_role",
}
#: The fields a confirmed row may carry (what the report's ``feature`` holds).
CONFIRM_FIELDS = {
    "vehicles": ("plate", "ownership", "out_of_province", "height_m", "weight_t", "width_m"),
    "crew": ("name", "id_last4", "role", "tested_at", "mobile_role"),
}
REQUIRED = {"vehicles": ("plate",), "crew": ("name", "role", "tested_at")}
OWNERSHIP_TEXT = {"own": "own", "自有": "own", "自营": "own", "contracted": "contracted", "外包": "contracted"}
OWNERSHIP_TEXT |= {"协议": "contracted", "合同": "contracted", "挂靠": "contracted"}
TRUE_TEXT = {"true", "yes", "y", "1", "是", "√", "✓"}
FALSE_TEXT = {"false", "no", "n", "0", "否", "×", "✗", ""}
#: The header and one example row of each template (the headers are names the reader maps).
TEMPLATES: dict[str, tuple[list[str], list[Any]]] = {
    "vehicles": (
        ["车牌号", "车辆归属", "是否外省", "车高（米）", "总质量（吨）", "车宽（米）"],
        ["豫H·12345", "自有", "否", 3.8, 18, 2.5],
    ),
    "crew": (
        ["姓名", "身份证后四位", "岗位", "核酸采样时间", "高频接触岗位"],
        ["张三", "123X", "司机", "2026-12-01 08:00", "否"],
    ),
}


def _text(err: Exception) -> Text:
    """An error's message in both languages (a :class:`Text` message, a domain error's twin, else English)."""
    if isinstance(err, BaotongError):
        return Text(str(err), zh=err.text("zh"))
    first = err.args[0] if err.args else str(err)
    return first if isinstance(first, Text) else Text(str(first))


def _on_row(row_no: int, err: Exception) -> Text:
    """Why row ``row_no`` is refused, in both languages."""
    text = _text(err)
    return Text(f"row {row_no}: {text.en}", zh=f"第 {row_no} 行：{text.zh}")


def _kind(kind: str) -> FleetKind:
    if kind not in FLEET_KINDS:
        raise InvalidInputError(
            f"`kind` was {kind!r}; expected one of {list(FLEET_KINDS)}",
            zh=f"类型 {kind!r} 无效；应为 {list(FLEET_KINDS)} 之一",
        )
    return kind


def _yes_no(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in TRUE_TEXT:
        return True
    if text in FALSE_TEXT:
        return False
    raise ValueError(
        Text(f"{field} {value!r} is neither yes nor no (是/否, true/false, 1/0)", zh=f"{field} {value!r} 应为 是 或 否")
    )


def _number(value: Any, field: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        raise ValueError(Text(f"{field} {value!r} is not a number", zh=f"{field} {value!r} 不是数字")) from None


def _time(value: Any, tz: Any, notes: list[str]) -> datetime:
    if isinstance(value, datetime):
        at = value
    else:
        text = str(value).strip().replace("/", "-")
        try:
            at = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                Text(
                    f"tested_at {value!r} is not a time (expected e.g. 2026-12-01 08:00)",
                    zh=f"核酸采样时间 {value!r} 不是时间（应如 2026-12-01 08:00）",
                )
            ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
        notes.append(
            Text(
                f"tested_at {at.strftime('%Y-%m-%d %H:%M')} read in the bureau's zone ({tz})",
                zh=f"核酸采样时间 {at.strftime('%Y-%m-%d %H:%M')} 按本局时区（{tz}）读取",
            )
        )
    try:
        at.astimezone(UTC)
    except OverflowError:
        raise ValueError(Text(f"tested_at {value!r} is out of range", zh=f"核酸采样时间 {value!r} 超出范围")) from None
    return at


def _last4(fields: dict[str, Any], notes: list[str]) -> str:
    if "id_number" in fields:
        whole = str(fields.pop("id_number")).strip()
        notes.append(
            Text(
                "only the last 4 characters of the ID number were read; the rest is not kept",
                zh="身份证号只读取了后四位，其余部分不保存",
            )
        )
        if "id_last4" not in fields:
            return whole[-4:]
    value = fields.get("id_last4")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):  # a spreadsheet turned "0123" into 123
        text = f"{value:04d}"
        if str(value) != text:
            notes.append(
                Text(
                    f"id_last4 {value} read as {text!r} (a leading zero the spreadsheet dropped)",
                    zh=f"身份证后四位 {value} 读作 {text!r}（表格去掉了开头的 0）",
                )
            )
        return text
    return "" if value is None else str(value).strip()


def _fields(kind: FleetKind, keys: list[str], values: list[Any]) -> dict[str, Any]:
    aliases = VEHICLE_ALIASES if kind == "vehicles" else CREW_ALIASES
    out: dict[str, Any] = {}
    for key, value in zip(keys, values, strict=False):
        name = aliases.get(key.lower(), aliases.get(key))
        if name is not None and value is not None and not (isinstance(value, str) and not value.strip()):
            out[name] = value
    return out


def _body(ctx: AppContext, kind: FleetKind, fields: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """The create body of one row (what ``POST /sites/{id}/vehicles`` or ``/crew`` takes)."""
    missing = [f for f in REQUIRED[kind] if f not in fields]
    if kind == "crew" and "id_last4" not in fields and "id_number" not in fields:
        missing.append("id_last4")
    if missing:
        raise ValueError(Text(f"missing {', '.join(missing)}", zh=f"缺少 {'、'.join(missing)}"))
    if kind == "vehicles":
        ownership = str(fields.get("ownership", "own")).strip().lower()
        if ownership not in OWNERSHIP_TEXT:
            raise ValueError(
                Text(
                    f"ownership {fields['ownership']!r} is neither own (自有) nor contracted (外包)",
                    zh=f"车辆归属 {fields['ownership']!r} 应为 自有 或 外包",
                )
            )
        outside = fields.get("out_of_province")
        return {
            "plate": str(fields["plate"]).strip(),
            "ownership": OWNERSHIP_TEXT[ownership],
            "out_of_province": None if outside is None else _yes_no(outside, "out_of_province"),
            "height_m": _number(fields.get("height_m"), "height_m"),
            "weight_t": _number(fields.get("weight_t"), "weight_t"),
            "width_m": _number(fields.get("width_m"), "width_m"),
        }
    return {
        "name": str(fields["name"]).strip(),
        "id_last4": _last4(fields, notes),
        "role": str(fields["role"]).strip(),
        "tested_at": _time(fields["tested_at"], ctx.settings.tz(), notes),
        "mobile_role": _yes_no(fields.get("mobile_role"), "mobile_role"),
    }


def _row(ctx: AppContext, session: Session, site_id: str, kind: FleetKind, body: dict[str, Any], user: Principal):
    if kind == "vehicles":
        return passes.vehicle_row(ctx, session, site_id, user=user, **body)
    return passes.crew_row(session, site_id, user=user, **body)


def _label(kind: FleetKind, row_no: int, fields: dict[str, Any]) -> Text:
    name = fields.get("plate") if kind == "vehicles" else fields.get("name")
    place = where("row", row_no)
    if name in (None, ""):
        return place
    return Text(f"{place.en} ({str(name).strip()})", zh=f"{place.zh}（{str(name).strip()}）")


def _json(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in body.items()}


def check_fleet_import(
    ctx: AppContext,
    session: Session,
    site_id: str,
    data: bytes,
    *,
    kind: str,
    user: Principal,
    filename: str | None = None,
    fmt: str | None = None,
) -> ImportReport:
    """Read a table of an enterprise's vehicles or crew and check every row as registering it would (a plate
    twice in the file, or registered already, is refused); stores nothing.

    Raises
    ------
    InvalidInputError
        An unknown kind, a file that is not a CSV/XLSX table, empty, or over :data:`MAX_FEATURES` rows.
    PermissionDeniedError, NotFoundError
        A dispatcher of another enterprise; an unknown enterprise.
    """
    fleet = _kind(kind)
    passes.enterprise(session, site_id)
    passes.act_for(user, site_id)
    if not data.strip():
        raise InvalidInputError(f"the file {filename or '(unnamed)'!r} is empty", zh="文件为空")
    used = fmt or detect_format(filename, data)
    if used not in TABLE_FORMATS:
        raise InvalidInputError(
            f"a vehicle or crew file is a CSV or XLSX table; this one is {used!r}",
            zh=f"车辆或人员文件应为 CSV 或 XLSX 表格；此文件为 {used!r}",
        )
    header, rows = read_table(data, used)
    if not rows:
        raise InvalidInputError(
            f"the table {filename or '(unnamed)'!r} has no row under its header", zh="表格表头下没有数据行"
        )
    if len(rows) > MAX_FEATURES:
        raise InvalidInputError(
            f"the table has {len(rows):,} rows; the limit is {MAX_FEATURES:,} per import",
            zh=f"表格有 {len(rows):,} 行；每次导入最多 {MAX_FEATURES:,} 行",
        )
    keys = [str(h).strip() for h in header]
    out: list[ImportRow] = []
    plates: dict[str, int] = {}
    for index, (row_no, values) in enumerate(rows):
        fields = _fields(fleet, keys, values)
        label = _label(fleet, row_no, fields)
        notes: list[str] = []  # Text, each with its Chinese twin
        try:
            body = _body(ctx, fleet, fields, notes)
            row = _row(ctx, session, site_id, fleet, body, user)
        except (ValueError, BaotongError) as err:
            out.append(ImportRow(index, label, "rejected", notes, _on_row(row_no, err)))
            continue
        if fleet == "vehicles":
            first = plates.setdefault(row.plate, row_no)
            if first != row_no:
                reason = Text(
                    f"row {row_no}: plate {row.plate!r} is also on row {first} of this file",
                    zh=f"第 {row_no} 行：车牌 {row.plate!r} 也在本文件第 {first} 行",
                )
                out.append(ImportRow(index, label, "rejected", notes, reason))
                continue
            body["plate"] = row.plate  # as normalised
        status: Literal["accepted", "repaired"] = "repaired" if notes else "accepted"
        out.append(ImportRow(index, label, status, notes, feature=_json(body)))
    return ImportReport(used, out)


def confirm_fleet_import(
    ctx: AppContext,
    session: Session,
    site_id: str,
    bodies: list[dict[str, Any]],
    *,
    kind: str,
    user: Principal,
) -> list[dict[str, Any]]:
    """Register the confirmed rows (as :func:`check_fleet_import` answered them), all in one transaction or none.

    Raises
    ------
    InvalidInputError, ConflictError
        Naming the first row (``rows[i]``) that does not register; nothing is stored.
    """
    fleet = _kind(kind)
    if not bodies:
        raise InvalidInputError("`rows` is empty; confirm at least one accepted row", zh="没有要保存的记录")
    built: list[Any] = []
    plates: set[str] = set()
    for i, body in enumerate(bodies):
        if not isinstance(body, dict):
            raise InvalidInputError(
                f"rows[{i}] was {type(body).__name__}; expected an object as the report gave it",
                zh=f"rows[{i}] 应为检查结果中的对象",
            )
        fields = {k: v for k, v in body.items() if k in CONFIRM_FIELDS[fleet] and v is not None}
        try:
            row = _row(ctx, session, site_id, fleet, _body(ctx, fleet, fields, []), user)
        except ValueError as err:
            text = _text(err)
            raise InvalidInputError(f"rows[{i}]: {text.en}", zh=f"rows[{i}]：{text.zh}") from None
        except BaotongError as err:
            raise type(err)(f"rows[{i}]: {err}", zh=f"rows[{i}]：{err.text('zh')}") from None
        if fleet == "vehicles":
            if row.plate in plates:
                raise InvalidInputError(
                    f"rows[{i}]: plate {row.plate!r} is confirmed twice", zh=f"rows[{i}]：车牌 {row.plate!r} 重复确认"
                )
            plates.add(row.plate)
        built.append(row)
    store.add_fleet_rows(session, built)
    if fleet == "vehicles":
        return [passes.vehicle_json(r) for r in built]
    return [passes.crew_json(r) for r in built]


def template(kind: str, fmt: str) -> bytes:
    """A template table (CSV in UTF-8 with a byte-order mark, or XLSX) for importing vehicles or crew."""
    header, example = TEMPLATES[_kind(kind)]
    return table_file(header, example, fmt)

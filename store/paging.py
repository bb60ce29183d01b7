"""Keyset paging of a list query: one page of rows, the total count, and the cursor of the next page.

A cursor is opaque to clients (base64url JSON of the last row's sort keys); a page continues
strictly after it in the list's order, so rows added meanwhile never shift a page.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from geo.errors import InvalidInputError

T = TypeVar("T")
#: Rows per page unless the client asks for another number; the most a page holds.
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page: its rows, the count of every row the filters match, the next page's cursor (or ``None``)."""

    rows: list[T]
    count: int
    next_cursor: str | None


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return {"t": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"}:
        return datetime.fromisoformat(value["t"])
    return value


def encode_cursor(values: tuple[Any, ...]) -> str:
    blob = json.dumps([_encode(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(blob).decode().rstrip("=")


def decode_cursor(cursor: str, n: int) -> tuple[Any, ...]:
    """The sort keys of a cursor.

    Raises
    ------
    InvalidInputError
        For a cursor this service did not make.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != n:
            raise ValueError("wrong length")
        return tuple(_decode(v) for v in values)
    except (ValueError, TypeError) as err:
        raise InvalidInputError(
            f"`cursor` was {cursor[:60]!r}; it is not a cursor of this list (use the `next` of a page)",
            zh=f"分页游标 {cursor[:60]!r} 无效（请使用上一页返回的 next）",
        ) from err


def check_limit(limit: int) -> int:
    """``limit`` if it is 1..:data:`MAX_LIMIT`.

    Raises
    ------
    InvalidInputError
        Out of range.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(
            f"`limit` was {limit}; expected 1..{MAX_LIMIT}", zh=f"每页条数 {limit} 无效；应为 1 到 {MAX_LIMIT}"
        )
    return limit


def keyset_page(
    session: Session,
    query: Select[Any],
    keys: list[tuple[InstrumentedAttribute[Any], bool]],
    *,
    cursor: str | None,
    limit: int,
) -> Page[Any]:
    """A page of ``query`` (a ``select`` of one entity with its filters) ordered by ``keys``
    (``(column, descending)``, the last one unique), after ``cursor``.

    Raises
    ------
    InvalidInputError
        A bad cursor or limit.
    """
    check_limit(limit)
    count = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    ordered = query.order_by(*[col.desc() if desc else col.asc() for col, desc in keys])
    if cursor:
        values = decode_cursor(cursor, len(keys))
        clauses = []
        for i, (col, desc) in enumerate(keys):
            equal = [keys[j][0] == values[j] for j in range(i)]
            step = col < values[i] if desc else col > values[i]
            clauses.append(and_(*equal, step))
        ordered = ordered.where(or_(*clauses))
    rows = list(session.scalars(ordered.limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(tuple(getattr(last, col.key) for col, _ in keys))
    return Page(rows, int(count), next_cursor)

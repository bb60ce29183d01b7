"""Instants the service accepts: timezone-aware, between :data:`EARLIEST` and :data:`LATEST` in UTC.

Python's ``datetime`` stops at the years 1 and 9999, so ``9999-12-31T23:59:59-23:59`` parses but
cannot be converted to UTC, and an instant near either end overflows as soon as a validity window or
a test's freshness is added to it.  Every caller-given date-time is checked here (the API's
``IsoDateTime`` and the domain parsers alike), so such a value is a 422 naming its field, never a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime

from geo.errors import InvalidInputError

#: The earliest and latest instants accepted (UTC); far beyond any window the service deals in.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)


def check_instant(value: datetime, field_name: str | None) -> datetime:
    """``value`` (naive values are taken as UTC) as an aware UTC datetime within the accepted range.

    ``field_name`` is named in the message (``None`` when the caller names the field itself).

    Raises
    ------
    InvalidInputError
        If its UTC instant is outside ``EARLIEST`` .. ``LATEST`` (or cannot be expressed in UTC at all).
    """
    aware = value if value.tzinfo is not None and value.utcoffset() is not None else value.replace(tzinfo=UTC)
    try:
        utc = aware.astimezone(UTC)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        what = f"`{field_name}` was {value.isoformat()!r}" if field_name else f"{value.isoformat()!r} is out of range"
        raise InvalidInputError(
            f"{what}; expected a date-time between {EARLIEST.date().isoformat()} and {LATEST.date().isoformat()} (UTC)",
            zh=(f"`{field_name}` 为 {value.isoformat()!r}" if field_name else f"{value.isoformat()!r} 超出范围")
            + f"；应为 {EARLIEST.date().isoformat()} 至 {LATEST.date().isoformat()}（UTC）之间的日期时间",
        )
    return utc


__all__ = ["EARLIEST", "LATEST", "check_instant"]

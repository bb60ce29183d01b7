"""The version of what the public map shows, read from the database (so every worker process agrees)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

#: ``(table, columns)`` whose count and latest times change whenever a layer of the city map changes.
MAP_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("zones", ("created_at", "deleted_at")),
    ("sites", ("created_at", "updated_at")),
    ("fuses", ("created_at",)),
    ("routes", ("created_at",)),
    ("plans", ("created_at",)),
    ("docking_points", ("created_at",)),
    ("drop_points", ("created_at",)),
    ("closures", ("created_at", "decided_at")),
    ("closure_events", ("id",)),
    ("green_channels", ("created_at",)),
)
# Checkpoint scans are not counted: they arrive many times a second, and the map's scan layer (the last day's)
# refreshes with the clock instead (services.layers.CITY_MAP_CLOCK_S).

_SQL = text(
    "SELECT "
    + ", ".join(
        f"(SELECT COUNT(*) FROM {table})" + "".join(f", (SELECT MAX({col}) FROM {table})" for col in cols)
        for table, cols in MAP_TABLES
    )
)


def map_state_version(session: Session) -> str:
    """A text that changes whenever a row the city map draws is added, deleted or decided: one round trip."""
    row = session.execute(_SQL).one()
    return "|".join("" if v is None else str(v) for v in row)

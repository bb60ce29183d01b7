"""Types every schema shares: ``[lon, lat]``, the input CRS, ISO 8601 date-times, a GeoJSON geometry."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator

LonLat = list[float]
Crs = Literal["wgs84", "gcj02"]


def _iso_only(value: Any) -> Any:
    """Refuse numbers (pydantic would read them as Unix times): the API takes ISO 8601 date-times."""
    if isinstance(value, bool | int | float) or (
        isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit()
    ):
        raise ValueError(f"expected an ISO 8601 date-time such as 2026-11-26T08:00:00Z, got {value!r}")
    return value


#: An ISO 8601 date-time (with an offset, or taken as UTC); numbers are refused.
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]


class Geometry(BaseModel):
    type: str
    coordinates: Any

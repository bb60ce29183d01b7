"""Types every schema shares: ``[lon, lat]``, the input CRS, ISO 8601 date-times, a GeoJSON geometry."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, model_validator

from geo.times import check_instant

LonLat = list[float]
Crs = Literal["wgs84", "gcj02"]


def _iso_only(value: Any) -> Any:
    """Refuse numbers (pydantic would read them as Unix times): the API takes ISO 8601 date-times."""
    if isinstance(value, bool | int | float) or (
        isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit()
    ):
        raise ValueError(f"expected an ISO 8601 date-time such as 2026-11-26T08:00:00Z, got {value!r}")
    return value


def _in_range(value: datetime) -> datetime:
    """Refuse instants Python cannot convert to UTC or compute with (``9999-12-31T23:59:59-23:59``)."""
    check_instant(value, None)  # InvalidInputError is a ValueError: pydantic names the field
    return value


#: An ISO 8601 date-time (with an offset, or taken as UTC) between the years 1900 and 2999 UTC; numbers are refused.
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_in_range)]

#: How deeply a free-form JSON value (GeoJSON coordinates, extra properties) may nest.
MAX_JSON_DEPTH = 32


def json_depth(value: Any, *, limit: int = MAX_JSON_DEPTH) -> int:
    """The nesting depth of a JSON value (a scalar is 0), counted without recursion, up to ``limit + 1``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth) for child in children)
    return deepest


def _shallow(value: Any) -> Any:
    """Refuse JSON nested deeper than :data:`MAX_JSON_DEPTH` (it could not be stored or answered)."""
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep; flatten the value")
    return value


#: Free-form JSON of bounded depth.
ShallowJson = Annotated[Any, AfterValidator(_shallow)]


class Geometry(BaseModel):
    type: str
    coordinates: ShallowJson


class ShallowExtras(BaseModel):
    """A model whose extra (free-form) fields may not nest deeper than :data:`MAX_JSON_DEPTH`."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="after")
    def _shallow_extras(self) -> Self:
        for name, value in (self.model_extra or {}).items():
            if json_depth(value) > MAX_JSON_DEPTH:
                raise ValueError(f"property `{name}` is nested more than {MAX_JSON_DEPTH} levels deep; flatten it")
        return self

"""Request schemas agree with the domain: vehicle dimensions have the limits routing.Vehicle checks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.schemas.passes import VehicleCreate
from api.schemas.routes import VehicleIn
from geo.errors import InvalidInputError
from routing.router import Vehicle

DIMENSIONS = ("height_m", "weight_t", "width_m")


def schema(model: type, **values: float):
    return model(plate="豫H12345", **values) if model is VehicleCreate else model(**values)


@pytest.mark.parametrize("model", [VehicleIn, VehicleCreate])
@pytest.mark.parametrize("name", DIMENSIONS)
def test_vehicle_dimension_limits_agree_with_routing(model, name):
    for good in (0.1, 4.2, 99.9):
        assert getattr(schema(model, **{name: good}), name) == good
        assert getattr(Vehicle(**{name: good}), name) == good
    for bad in (0, -1.0, 100, 150.0):
        with pytest.raises(ValidationError, match=name):
            schema(model, **{name: bad})
        with pytest.raises(InvalidInputError, match=f"vehicle.{name}"):
            Vehicle(**{name: bad})

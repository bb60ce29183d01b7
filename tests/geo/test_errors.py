"""The domain error hierarchy: each family carries its HTTP status; a deployment fault says only its fix."""

from __future__ import annotations

import pytest

from geo.errors import (
    BaotongError,
    ConflictError,
    DeploymentError,
    InfeasibleError,
    InvalidInputError,
    InvalidZoneError,
    NetworkSourceError,
    NoRouteError,
    NotFoundError,
    OffNetworkError,
    PassRejected,
    PermissionDeniedError,
    StoreUnavailable,
)


@pytest.mark.parametrize(
    ("cls", "status"),
    [
        (BaotongError, 400),
        (InvalidInputError, 422),
        (NetworkSourceError, 422),
        (OffNetworkError, 422),
        (InvalidZoneError, 422),
        (InfeasibleError, 422),
        (NotFoundError, 404),
        (NoRouteError, 422),
        (ConflictError, 409),
        (PermissionDeniedError, 403),
        (DeploymentError, 500),
        (StoreUnavailable, 503),
    ],
)
def test_each_family_carries_its_status(cls, status):
    assert cls.status == status
    assert issubclass(cls, BaotongError)


def test_only_a_store_fault_asks_to_retry():
    assert StoreUnavailable.retry_after_s == 1
    assert all(cls.retry_after_s is None for cls in (BaotongError, InvalidInputError, DeploymentError))


def test_reasons_travel_with_a_refused_pass():
    err = PassRejected(["not_whitelisted: x", "no_crew: y"])
    assert err.status == 422 and err.reasons == ["not_whitelisted: x", "no_crew: y"]
    assert str(err) == "not_whitelisted: x; no_crew: y" and NotFoundError("x").reasons is None


def test_a_deployment_fault_tells_the_client_only_the_fix():
    class Broken(DeploymentError):
        fix = "set BAOTONG_SOMETHING"

    err = Broken("/srv/baotong/var/thing is unreadable")
    assert "/srv/baotong" in str(err)  # for the operator's log
    assert err.public_detail == "set BAOTONG_SOMETHING"
    assert NotFoundError("no zone 'z'").public_detail == "no zone 'z'"

"""The domain error hierarchy (modelled on networkx ``exception.py``).

Every error raised by ``geo`` and ``routing`` for bad input or an impossible
request derives from :class:`BaotongError`; the API maps each family to one
HTTP status in a single exception handler.
"""

from __future__ import annotations


class BaotongError(Exception):
    """Base class of every Baotong domain error."""


class InvalidInputError(BaotongError, ValueError):
    """A value given by the caller is malformed or out of range (HTTP 422)."""


class NetworkSourceError(InvalidInputError):
    """A road-network source cannot be read or holds no drivable road."""


class OffNetworkError(InvalidInputError):
    """A point lies farther from the road network than the snap limit."""


class InvalidZoneError(InvalidInputError):
    """An emergency-zone polygon or its properties are invalid."""


class NotFoundError(BaotongError, LookupError):
    """An id names no stored object (HTTP 404)."""


class NoRouteError(BaotongError):
    """No legal route joins the requested points (HTTP 422)."""


class ConflictError(BaotongError):
    """The request conflicts with stored state (HTTP 409)."""


class PermissionDeniedError(BaotongError):
    """The caller's role may not do this (HTTP 403)."""


class PassRejected(BaotongError):
    """A vehicle pass cannot be issued; carries every reason (HTTP 422)."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))


class InfeasibleError(InvalidInputError):
    """An optimisation problem has no feasible solution (HTTP 422)."""

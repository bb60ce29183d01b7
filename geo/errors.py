"""The domain error hierarchy (modelled on networkx ``exception.py``).

Every error raised by ``geo``, ``routing``, ``passes``, ``store`` and ``services`` for bad
input, an impossible request or a fault of the deployment derives from :class:`BaotongError`.
Each class says its HTTP status in :attr:`BaotongError.status`; the API's one exception handler
reads it, so there is no status table to keep in step with this file.

Every error carries its message in English (``str(err)``, for programs and logs) and, where it
was raised with one, its Simplified Chinese twin for people: ``InvalidInputError("...", zh="...")``
(or a :class:`geo.i18n.Text` as the message).  :meth:`BaotongError.text` gives the message in a
language; without a twin the Chinese falls back to the English.
"""

from __future__ import annotations

from typing import Any, ClassVar


class BaotongError(Exception):
    """Base class of every Baotong domain error.

    Attributes
    ----------
    status
        The HTTP status the API answers with (400 unless a subclass says otherwise).
    retry_after_s
        Seconds a client should wait before retrying (sent as ``Retry-After``), or ``None``.
    reasons
        Every reason, for errors that carry a list of them (``None`` otherwise).
    """

    status: ClassVar[int] = 400
    #: A class's default; an instance may set its own (a rate limit says how long to wait).
    retry_after_s: int | None = None
    reasons: list[str] | None = None
    #: The message in Simplified Chinese, or ``None`` where it has no twin yet.
    zh: str | None = None

    def __init__(self, *args: Any, zh: str | None = None):
        super().__init__(*args)
        if zh is None and args and isinstance(args[0], str):
            zh = getattr(args[0], "zh", None)  # a geo.i18n.Text message carries its twin
        if zh is not None:
            self.zh = zh

    @property
    def public_detail(self) -> str:
        """What the answer's ``detail`` says: the message itself (a deployment fault says less)."""
        return str(self)

    @property
    def public_detail_zh(self) -> str | None:
        """:attr:`public_detail` in Chinese, or ``None`` without a twin."""
        return self.zh

    def text(self, lang: str) -> str:
        """:attr:`public_detail` for a person reading ``lang`` (``zh`` falls back to English)."""
        if lang == "zh":
            return self.public_detail_zh or self.public_detail
        return self.public_detail


class InvalidInputError(BaotongError, ValueError):
    """A value given by the caller is malformed or out of range (HTTP 422)."""

    status = 422


class NetworkSourceError(InvalidInputError):
    """A road-network source cannot be read or holds no drivable road."""


class OffNetworkError(InvalidInputError):
    """A point lies farther from the road network than the snap limit."""


class InvalidZoneError(InvalidInputError):
    """An emergency-zone polygon or its properties are invalid."""


class NotFoundError(BaotongError, LookupError):
    """An id names no stored object (HTTP 404)."""

    status = 404


class NoRouteError(BaotongError):
    """No legal route joins the requested points (HTTP 422)."""

    status = 422


class ConflictError(BaotongError):
    """The request conflicts with stored state (HTTP 409)."""

    status = 409


class PermissionDeniedError(BaotongError):
    """The caller's role may not do this (HTTP 403)."""

    status = 403


class PassRejected(BaotongError):
    """A vehicle pass cannot be issued; carries every reason (HTTP 422)."""

    status = 422
    reasons: list[str]

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        zh = "；".join(getattr(r, "zh", r) for r in self.reasons)
        super().__init__("; ".join(self.reasons), zh=zh if any(hasattr(r, "zh") for r in self.reasons) else None)


class InfeasibleError(InvalidInputError):
    """An optimisation problem has no feasible solution (HTTP 422)."""


class DeploymentError(BaotongError):
    """A fault of the deployment, not of the request: files, keys or configuration (HTTP 500).

    ``str(err)`` is the full message for the operator's log (it may name server paths);
    :attr:`public_detail` is what a client is told: what is wrong and what fixes it, with no
    server path.  Subclasses set :attr:`fix`.
    """

    status = 500
    #: What the operator must do, without server paths (the API answers with it).
    fix: ClassVar[str] = "a deployment fault; the server log names the cause and the fix"
    #: :attr:`fix` in Chinese.
    fix_zh: ClassVar[str | None] = "部署故障；服务器日志写明了原因和修复方法"

    @property
    def public_detail(self) -> str:
        return self.fix

    @property
    def public_detail_zh(self) -> str | None:
        return self.fix_zh


class StoreUnavailable(BaotongError):
    """The database could not store a write: nothing was acknowledged, the client may retry (HTTP 503)."""

    status = 503
    retry_after_s = 1


class NotSignedIn(BaotongError):
    """No valid bearer token or session (HTTP 401)."""

    status = 401


class SignInFailed(NotSignedIn):
    """A sign-in with an unknown name, a wrong password or a disabled user (HTTP 401)."""


class RateLimited(BaotongError):
    """Too many attempts; the client may try again after :attr:`retry_after_s` seconds (HTTP 429)."""

    status = 429

    def __init__(self, message: str, *, retry_after_s: int, zh: str | None = None):
        super().__init__(message, zh=zh)
        self.retry_after_s = max(1, int(retry_after_s))


class DatabaseUnavailable(StoreUnavailable):
    """The database does not answer (stopped, restarting, unreachable): nothing was read or stored; the
    client retries after :attr:`retry_after_s` (HTTP 503), and the service reconnects by itself."""

    retry_after_s = 5
    #: What every client is told (the driver's message, which may name hosts and ports, goes to the log).
    MESSAGE = "数据库暂时不可用，未读取或保存任何数据，请稍后重试 / the database is not answering: nothing was stored; try again"

    @property
    def public_detail(self) -> str:
        return self.MESSAGE

"""One exception handler maps domain errors to HTTP 4xx with the offending value."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from geo.errors import (
    BaotongError,
    ConflictError,
    InvalidInputError,
    NoRouteError,
    NotFoundError,
    PassRejected,
    PermissionDeniedError,
)

logger = logging.getLogger(__name__)


class ErrorPublic(BaseModel):
    """Every 4xx body: ``detail`` says what was wrong and with which value."""

    detail: str | list[dict[str, Any]]
    error: str | None = None
    reasons: list[str] | None = None


#: Documented on every router: the error answers any endpoint may give.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorPublic, "description": "Malformed request"},
    401: {"model": ErrorPublic, "description": "Missing, unknown, revoked or expired bearer token"},
    403: {"model": ErrorPublic, "description": "The token's role may not do this"},
    404: {"model": ErrorPublic, "description": "Unknown id"},
    409: {"model": ErrorPublic, "description": "Conflicts with stored state"},
    413: {"model": ErrorPublic, "description": "Request body too large"},
    422: {"model": ErrorPublic, "description": "Invalid input, naming the field and value"},
}

STATUS = (
    (NotFoundError, 404),
    (ConflictError, 409),
    (PermissionDeniedError, 403),
    (PassRejected, 422),
    (NoRouteError, 422),
    (InvalidInputError, 422),
)


def status_for(err: BaotongError) -> int:
    for cls, code in STATUS:
        if isinstance(err, cls):
            return code
    return 400


def install(app: FastAPI) -> None:
    @app.exception_handler(BaotongError)
    async def _domain_error(request: Request, err: BaotongError) -> JSONResponse:
        code = status_for(err)
        body: dict = {"detail": str(err), "error": type(err).__name__}
        if isinstance(err, PassRejected):
            body["reasons"] = err.reasons
        logger.info("%s %s -> %s %s", request.method, request.url.path, code, type(err).__name__)
        return JSONResponse(body, status_code=code)

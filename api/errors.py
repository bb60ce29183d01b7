"""One exception handler maps domain errors to HTTP 4xx with the offending value."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

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

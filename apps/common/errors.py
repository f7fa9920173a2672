"""Domain errors and their one mapping to HTTP.

Handlers raise these; ``install_error_handlers`` turns them into ``{"detail", "code"}`` bodies. Failures of
the data stores become 503 with ``Retry-After`` rather than 500, and nothing internal leaks into a body.
"""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pynamodb.exceptions import PynamoDBException
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException

from apps.common.bodies import BodyRefusal

log = logging.getLogger(__name__)


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str, code: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.headers = headers or {}


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_authenticated"

    def __init__(self, detail: str = "Invalid or missing credentials", code: str | None = None):
        super().__init__(detail, code, {"WWW-Authenticate": "Bearer"})


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Unprocessable(DomainError):
    status_code = 422
    code = "unprocessable"


class ServiceBusy(DomainError):
    """Contention or a dependency hiccup: the client should retry shortly."""

    status_code = 503
    code = "service_busy"

    def __init__(self, detail: str, code: str | None = None, retry_after_seconds: int = 1):
        super().__init__(detail, code, {"Retry-After": str(retry_after_seconds)})


def error_body(detail: str, code: str) -> dict[str, str]:
    return {"detail": detail, "code": code}


def refused_body(refusal: BodyRefusal) -> Response:
    return JSONResponse(error_body(refusal.message, refusal.code), status_code=refusal.status)


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return JSONResponse(error_body(exc.detail, exc.code), status_code=exc.status_code, headers=exc.headers)


async def _dependency_error(request: Request, exc: Exception) -> JSONResponse:
    log.warning("dependency failure on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return JSONResponse(
        error_body("A backing service is temporarily unavailable, please retry", "dependency_unavailable"),
        status_code=503,
        headers={"Retry-After": "1"},
    )


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse(error_body(str(exc.detail), code), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    """FastAPI's standard 422 list, without echoing the submitted values (passwords among them)."""
    assert isinstance(exc, RequestValidationError)
    errors = [{key: value for key, value in error.items() if key in ("type", "loc", "msg")} for error in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for dependency_error in (PynamoDBException, BotoCoreError, RedisError):
        app.add_exception_handler(dependency_error, _dependency_error)

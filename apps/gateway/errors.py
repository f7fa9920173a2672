"""The gateway's own error bodies: ``{"error", "message", "code", "timestamp"}``."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from apps.common.clock import now_iso

AUTH_INVALID_TOKEN = "AUTH_001"
AUTH_CLIENT_BLOCKED = "AUTH_004"
RATE_LIMITED = "RATE_001"
BAD_REQUEST = "SVC_001"
UPSTREAM_UNAVAILABLE = "SVC_002"
INTERNAL_ERROR = "SVC_003"
"""An answer the gateway never means to give (a bug): still JSON, with a request id."""


def gateway_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": code, "message": message, "code": code, "timestamp": now_iso()}
    return JSONResponse(body, status_code=status, headers=headers)

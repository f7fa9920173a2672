"""The apps' error answers as OpenAPI responses, described once and used by every route.

Bodies are ``apps.common.errors``' shapes: ``{"detail", "code"}`` for every refusal, and FastAPI's validation
list (without the submitted input) for a request that breaks the declared schema.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, ConfigDict, RootModel

Responses = dict[int | str, dict[str, Any]]


class ErrorBody(BaseModel):
    """An app's refusal: a human text and a stable machine code."""

    model_config = ConfigDict(extra="forbid")

    detail: str
    code: str


class ValidationIssue(BaseModel):
    """One broken rule of the request's schema; the submitted value is never echoed."""

    model_config = ConfigDict(extra="forbid")

    type: str
    loc: list[str | int]
    msg: str


class ValidationFailure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    detail: list[ValidationIssue]


class UnprocessableBody(RootModel[ValidationFailure | ErrorBody]):
    """A request breaking the declared schema, or a domain rule's refusal (``insufficient_balance``, ...)."""


def retry_after(*, required: bool = True) -> dict[str, Any]:
    return {"description": "Seconds to wait before retrying", "required": required,
            "schema": {"type": "integer", "minimum": 1}}


def refusal(description: str, model: type[BaseModel] = ErrorBody,
            headers: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"model": model, "description": description}
    if headers:
        answer["headers"] = headers
    return answer


_REFUSALS: dict[int, dict[str, Any]] = {
    400: refusal("The body is nested too deeply (`body_too_deep`), sent on a method that takes none "
                 "(`body_not_allowed`), or unreadable"),
    401: refusal("Missing, invalid, expired or revoked token, or a failed login (`not_authenticated`, "
                 "`invalid_credentials`)",
                 headers={"WWW-Authenticate": {"description": "`Bearer`", "required": True,
                                               "schema": {"type": "string"}}}),
    404: refusal("No such resource for this user (`*_not_found`)"),
    409: refusal("Conflicts with the current state (taken, changed meanwhile or reused)"),
    # Only where a body is allowed (POST, PUT): on other methods any body is already a 400.
    413: refusal("The body is larger than the apps accept (`body_too_large`)"),
    422: refusal("The request breaks the declared schema (FastAPI's list), or a domain rule refuses it",
                 model=UnprocessableBody),
    503: refusal("A data store is unavailable or busy: retry after the given delay",
                 headers={"Retry-After": retry_after()}),
}


def refusals(*statuses: int) -> Responses:
    """The apps' descriptions of these statuses, for a route's ``responses=``."""
    return {status: copy.deepcopy(_REFUSALS[status]) for status in statuses}


def service_refusals(*statuses: int) -> Responses:
    """For a router whose every operation reads a data store: the body guard's 400 (any method can be sent a
    body), the stores' unavailability, and ``statuses``."""
    return refusals(400, 503, *statuses)

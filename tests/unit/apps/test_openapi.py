"""Every public operation of the apps documents the error answers it can give, in the shapes the one error
mapping (apps/common/errors.py) really sends."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from typing import Annotated, Any

import pytest
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient

from apps.common.bodies import BODY_METHODS
from apps.common.errors import Unprocessable, install_error_handlers
from apps.common.openapi import ErrorBody, UnprocessableBody, ValidationFailure
from apps.common.services import upstreams
from apps.gateway.route_table import ROUTES, RouteSpec, upstream_path

REF = "#/components/schemas/"


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return {entry.name: import_module(f"apps.{entry.name}.main").create_app().openapi() for entry in upstreams()}


def _public_operations(documents: dict[str, dict[str, Any]]) -> Iterator[tuple[RouteSpec, str, dict[str, Any]]]:
    for spec in ROUTES:
        for method in spec.methods:
            yield spec, method, documents[spec.upstream]["paths"][upstream_path(spec.path)][method.lower()]


def _schema(operation: dict[str, Any], status: str) -> str:
    ref: str = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
    return ref.removeprefix(REF)


def test_every_operation_documents_the_body_guard_and_the_data_stores(documents: dict[str, dict[str, Any]]) -> None:
    for spec, method, operation in _public_operations(documents):
        where = f"{method} {spec.path}"
        assert _schema(operation, "400") == "ErrorBody", where
        assert ("413" in operation["responses"]) == (method in BODY_METHODS), where
        assert _schema(operation, "503") == "ErrorBody", where
        assert "Retry-After" in operation["responses"]["503"]["headers"], where


def test_the_apps_ask_for_a_token_exactly_where_the_gateway_checks_one(documents: dict[str, dict[str, Any]]) -> None:
    for spec, method, operation in _public_operations(documents):
        where = f"{method} {spec.path}"
        assert ("security" in operation) == spec.auth, where
        if spec.auth:
            assert _schema(operation, "401") == "ErrorBody", where
            assert operation["responses"]["401"]["headers"]["WWW-Authenticate"]["required"], where


def test_every_operation_with_inputs_documents_422_as_either_shape(documents: dict[str, dict[str, Any]]) -> None:
    for spec, method, operation in _public_operations(documents):
        if operation.get("parameters") or operation.get("requestBody"):
            assert _schema(operation, "422") == "UnprocessableBody", f"{method} {spec.path}"
        else:
            assert "422" not in operation["responses"], f"{method} {spec.path}: nothing to refuse"
    for name, document in documents.items():
        assert "HTTPValidationError" not in document["components"]["schemas"], f"{name}: FastAPI's own 422 is left"


def _refusing_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/things")
    def things(limit: Annotated[int, Query(ge=1)], refuse: bool = False) -> dict[str, int]:
        if refuse:
            raise Unprocessable("Not enough of it", code="insufficient_balance")
        return {"limit": limit}

    return app


def test_the_documented_shapes_are_what_the_error_mapping_sends() -> None:
    with TestClient(_refusing_app()) as client:
        invalid = client.get("/things", params={"limit": "0"})
        refused = client.get("/things", params={"limit": "1", "refuse": "true"})
    assert invalid.status_code == 422 and refused.status_code == 422
    assert ValidationFailure.model_validate(invalid.json()).detail[0].loc == ["query", "limit"]
    assert ErrorBody.model_validate(refused.json()).code == "insufficient_balance"
    for body in (invalid.json(), refused.json()):
        UnprocessableBody.model_validate(body)

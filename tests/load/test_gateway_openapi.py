"""The gateway's OpenAPI: the apps' documents merged under the public paths of the route table."""

from __future__ import annotations

from typing import Any

import pytest

from apps.gateway.openapi import REF_PREFIX, merge_documents
from apps.gateway.route_table import ROUTES, RouteSpec

pytestmark = pytest.mark.unit


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF_PREFIX + name}


def _operation(schema: str, operation_id: str) -> dict[str, Any]:
    return {"operationId": operation_id, "requestBody": {"content": {"application/json": {"schema": _ref(schema)}}},
            "responses": {"200": {"description": "ok"}}}


ORDERS: dict[str, Any] = {
    "paths": {"/orders": {"post": _operation("Order", "create"), "get": _operation("Page", "list"),
                          "delete": _operation("Order", "drop")},
              "/health": {"get": _operation("Order", "health")}},
    "components": {"schemas": {"Order": {"type": "object", "properties": {"id": {"type": "string"}}},
                               "Page": {"type": "array", "items": _ref("Order")},
                               "Error": {"type": "string"}},
                   "securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}}},
}
USERS: dict[str, Any] = {"paths": {"/balance": {"get": _operation("Order", "balance")}},
         "components": {"schemas": {"Order": {"type": "integer"}, "Error": {"type": "string"}}}}
ROUTES_UNDER_TEST = (RouteSpec("/api/v1/orders", ("GET", "POST"), "order", auth=True, group="trading"),
                     RouteSpec("/api/v1/balance", ("GET",), "user", auth=True, group="default"),
                     RouteSpec("/api/v1/portfolio", ("GET",), "user", auth=True, group="default"))


def test_only_the_route_tables_routes_and_methods_appear_under_the_public_prefix() -> None:
    merged = merge_documents({"order": ORDERS, "user": USERS}, ROUTES_UNDER_TEST, "api", "1")
    assert set(merged["paths"]) == {"/api/v1/orders", "/api/v1/balance", "/health", "/metrics", "/openapi.json"}
    assert set(merged["paths"]["/api/v1/orders"]) == {"get", "post"}, "methods the gateway does not forward"
    assert merged["paths"]["/api/v1/orders"]["post"]["operationId"] == "order_create"
    assert merged["components"]["securitySchemes"] == {"HTTPBearer": {"type": "http", "scheme": "bearer"}}
    assert {"429", "503"} <= set(merged["paths"]["/api/v1/balance"]["get"]["responses"])


def test_a_schema_name_two_apps_use_differently_is_renamed_where_it_is_used() -> None:
    merged = merge_documents({"order": ORDERS, "user": USERS}, ROUTES_UNDER_TEST, "api", "1")
    schemas = merged["components"]["schemas"]
    assert schemas["OrderOrder"] == ORDERS["components"]["schemas"]["Order"]
    assert schemas["UserOrder"] == {"type": "integer"}
    assert schemas["OrderPage"]["items"] == _ref("OrderOrder"), "a schema referring to a renamed one follows it"
    assert "Error" in schemas and "OrderError" not in schemas, "identical schemas are shared under their name"
    body = merged["paths"]["/api/v1/orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == _ref("OrderOrder")
    assert merged["paths"]["/api/v1/balance"]["get"]["requestBody"]["content"]["application/json"]["schema"] == \
        _ref("UserOrder")


def test_the_real_route_table_maps_every_route_to_an_upstream_path() -> None:
    documents: dict[str, dict[str, Any]] = {spec.upstream: {"paths": {}} for spec in ROUTES}
    for spec in ROUTES:
        path = spec.path.removeprefix("/api/v1")
        for method in spec.methods:
            documents[spec.upstream]["paths"].setdefault(path, {})[method.lower()] = {"responses": {}}
    merged = merge_documents(documents, ROUTES, "api", "1")
    assert {path for path in merged["paths"] if path.startswith("/api/v1")} == {spec.path for spec in ROUTES}

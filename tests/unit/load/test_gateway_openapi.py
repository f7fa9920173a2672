"""The gateway's OpenAPI: the apps' documents merged under the public paths of the route table."""

from __future__ import annotations

from typing import Any

from apps.gateway.openapi import REF_PREFIX, merge_documents
from apps.gateway.route_table import ROUTES, RouteSpec


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
ROUTES_UNDER_TEST = (RouteSpec("/api/v1/orders", ("GET", "POST"), "ledger", auth=True, group="trading"),
                     RouteSpec("/api/v1/balance", ("GET",), "wallet", auth=True, group="default"),
                     RouteSpec("/api/v1/portfolio", ("GET",), "wallet", auth=True, group="default"))


def test_only_the_route_tables_routes_and_methods_appear_under_the_public_prefix() -> None:
    merged = merge_documents({"ledger": ORDERS, "wallet": USERS}, ROUTES_UNDER_TEST, "api", "1")
    assert set(merged["paths"]) == {"/api/v1/orders", "/api/v1/balance", "/health", "/metrics", "/openapi.json"}
    assert set(merged["paths"]["/api/v1/orders"]) == {"get", "post"}, "methods the gateway does not forward"
    assert merged["paths"]["/api/v1/orders"]["post"]["operationId"] == "ledger_create"
    assert merged["components"]["securitySchemes"] == {"HTTPBearer": {"type": "http", "scheme": "bearer"}}
    assert {"429", "503"} <= set(merged["paths"]["/api/v1/balance"]["get"]["responses"])


def test_a_schema_name_two_apps_use_differently_is_renamed_where_it_is_used() -> None:
    merged = merge_documents({"ledger": ORDERS, "wallet": USERS}, ROUTES_UNDER_TEST, "api", "1")
    schemas = merged["components"]["schemas"]
    assert schemas["LedgerOrder"] == ORDERS["components"]["schemas"]["Order"]
    assert schemas["WalletOrder"] == {"type": "integer"}
    assert schemas["LedgerPage"]["items"] == _ref("LedgerOrder"), "a schema referring to a renamed one follows it"
    assert "Error" in schemas and "LedgerError" not in schemas, "identical schemas are shared under their name"
    body = merged["paths"]["/api/v1/orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == _ref("LedgerOrder")
    assert merged["paths"]["/api/v1/balance"]["get"]["requestBody"]["content"]["application/json"]["schema"] == \
        _ref("WalletOrder")


def test_the_real_route_table_maps_every_route_to_an_upstream_path() -> None:
    documents: dict[str, dict[str, Any]] = {spec.upstream: {"paths": {}} for spec in ROUTES}
    for spec in ROUTES:
        path = spec.path.removeprefix("/api/v1")
        for method in spec.methods:
            documents[spec.upstream]["paths"].setdefault(path, {})[method.lower()] = {"responses": {}}
    merged = merge_documents(documents, ROUTES, "api", "1")
    assert {path for path in merged["paths"] if path.startswith("/api/v1")} == {spec.path for spec in ROUTES}


def _error(schema: str, required_headers: dict[str, bool] | None = None) -> dict[str, Any]:
    return {"description": "refused", "content": {"application/json": {"schema": _ref(schema)}},
            "headers": {name: {"required": required, "schema": {"type": "string"}}
                        for name, required in (required_headers or {}).items()}}


AUTH: dict[str, Any] = {"paths": {
    "/auth/login": {"post": {"responses": {"200": {"description": "ok"},
                                           "401": _error("ErrorBody", {"WWW-Authenticate": True}),
                                           "503": _error("ErrorBody", {"Retry-After": False})}}},
    "/auth/profile": {"get": {"responses": {"200": {"description": "ok"},
                                            "401": _error("ErrorBody", {"WWW-Authenticate": True})}}}},
    "components": {"schemas": {"ErrorBody": {"type": "object"}}}}
INVENTORY: dict[str, Any] = {"paths": {"/inventory/assets/{asset_id}": {"get": {"responses": {
    "200": {"description": "ok"}, "404": _error("ErrorBody")}}}}}
GATEWAY_ROUTES = (RouteSpec("/api/v1/auth/login", ("POST",), "accounts", auth=False, group="login", login=True),
                  RouteSpec("/api/v1/auth/profile", ("GET",), "accounts", auth=True, group="default"),
                  RouteSpec("/api/v1/inventory/assets/{asset_id}", ("GET",), "catalogue", auth=False, group="public"))


def _responses(merged: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    responses: dict[str, Any] = merged["paths"][path][method]["responses"]
    return responses


def test_the_gateway_lists_its_own_answers_where_it_can_give_them() -> None:
    merged = merge_documents({"accounts": AUTH, "catalogue": INVENTORY}, GATEWAY_ROUTES, "api", "1")
    login = _responses(merged, "/api/v1/auth/login", "post")
    profile = _responses(merged, "/api/v1/auth/profile", "get")
    asset = _responses(merged, "/api/v1/inventory/assets/{asset_id}", "get")
    assert set(login) == {"200", "400", "401", "403", "413", "429", "503"}, "403 for blocked clients, 413 for bodies"
    assert set(profile) == {"200", "400", "401", "429", "503"}, "no 403: only the login is guarded"
    assert set(asset) == {"200", "400", "404", "429", "503"}, "no 401: a public route"
    assert login["403"]["content"]["application/json"]["schema"] == _ref("GatewayError")
    assert login["403"]["headers"]["Retry-After"]["required"]
    assert asset["404"]["content"]["application/json"]["schema"] == {"anyOf": [_ref("ErrorBody"), _ref("GatewayError")]}


def test_a_status_both_may_answer_accepts_either_body_and_requires_what_both_send() -> None:
    merged = merge_documents({"accounts": AUTH, "catalogue": INVENTORY}, GATEWAY_ROUTES, "api", "1")
    profile = _responses(merged, "/api/v1/auth/profile", "get")
    login = _responses(merged, "/api/v1/auth/login", "post")
    assert profile["401"]["content"]["application/json"]["schema"] == {
        "anyOf": [_ref("ErrorBody"), _ref("GatewayError")]}
    assert profile["401"]["headers"]["WWW-Authenticate"]["required"], "the app and the gateway both send it"
    assert not login["503"]["headers"]["Retry-After"]["required"], "the app does not always send it"
    assert profile["503"]["headers"]["Retry-After"]["required"], "the gateway's alone: always sent"
    assert login["401"]["content"]["application/json"]["schema"] == _ref("ErrorBody"), "the app's alone"


def test_every_answer_names_the_headers_the_gateway_adds() -> None:
    merged = merge_documents({"accounts": AUTH, "catalogue": INVENTORY}, GATEWAY_ROUTES, "api", "1")
    rate_headers = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
    for path, operations in merged["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                assert response["headers"]["X-Request-ID"]["required"], f"{method} {path} {status}"
    for status, response in _responses(merged, "/api/v1/auth/profile", "get").items():
        required = {name for name in rate_headers if response["headers"][name]["required"]}
        assert required == (rate_headers if status == "429" else set()), f"counted answers may carry them ({status})"
    assert _responses(merged, "/api/v1/auth/profile", "get")["429"]["headers"]["Retry-After"]["required"]


def test_the_gateways_own_operations_say_what_they_answer() -> None:
    merged = merge_documents({"accounts": AUTH, "catalogue": INVENTORY}, GATEWAY_ROUTES, "api", "1")
    assert set(_responses(merged, "/metrics", "get")["200"]["content"]) == {"text/plain"}
    assert _responses(merged, "/health", "get")["200"]["content"]["application/json"]["schema"]["required"] == [
        "status", "service", "checks"]
    assert set(_responses(merged, "/openapi.json", "get")) == {"200", "400", "503"}

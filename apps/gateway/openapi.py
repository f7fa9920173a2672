"""The gateway's OpenAPI document: the public contract, merged from the apps' own documents.

Only the route table's routes appear, under their public ``/api/v1`` paths and with the methods the
gateway forwards. Each app's schemas come along; a name two apps use for different shapes is
prefixed with the app's name in that app's operations, so no reference changes meaning. Every operation
also lists what the gateway itself answers (``GatewayError`` bodies; where an app answers the same status,
either body) and the headers it adds. The gateway's own ``/health``, ``/metrics`` and ``/openapi.json`` are
listed too.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from apps.common.bodies import BODY_METHODS
from apps.gateway.route_table import API_PREFIX, RouteSpec

if TYPE_CHECKING:
    from apps.gateway.proxy import Upstream

Document = dict[str, Any]
REF_PREFIX = "#/components/schemas/"
JSON = "application/json"
GATEWAY_ERROR = {
    "type": "object",
    "required": ["error", "message", "code", "timestamp"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}, "code": {"type": "string"},
                   "timestamp": {"type": "string", "format": "date-time"}},
    "additionalProperties": False,
}
HEALTH = {
    "type": "object",
    "required": ["status", "service", "checks"],
    "properties": {"status": {"enum": ["healthy", "degraded"]}, "service": {"const": "gateway"},
                   "checks": {"type": "object", "additionalProperties": {"type": "string"}}},
}


def _header(description: str, minimum: int | None = None) -> dict[str, Any]:
    schema = {"type": "string"} if minimum is None else {"type": "integer", "minimum": minimum}
    return {"description": description, "required": True, "schema": schema}


def _optional(headers: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: {**header, "required": False} for name, header in headers.items()}


REQUEST_ID = {"X-Request-ID": _header("The client's well-formed X-Request-ID, else a new one")}
RETRY_AFTER = {"Retry-After": _header("Seconds to wait before retrying", minimum=1)}
RATE_LIMIT = {
    "X-RateLimit-Limit": _header("Requests allowed per period in this route group", minimum=1),
    "X-RateLimit-Remaining": _header("Requests left in the current period", minimum=0),
    "X-RateLimit-Reset": _header("Seconds until the allowance is whole again", minimum=0),
}


def _gateway_error(description: str, headers: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"description": description, "headers": dict(headers or {}),
            "content": {JSON: {"schema": {"$ref": REF_PREFIX + "GatewayError"}}}}


def gateway_answers(spec: RouteSpec, method: str) -> dict[str, dict[str, Any]]:
    """What the gateway itself may answer on this operation instead of forwarding it."""
    answers = {
        "400": _gateway_error("The body is not JSON, is nested too deeply, or was sent on a GET (SVC_001)"),
        "429": _gateway_error("Rate limited (RATE_001)", {**RETRY_AFTER, **RATE_LIMIT}),
        "503": _gateway_error("Upstream unavailable, circuit open, or the security checks unavailable (SVC_002)",
                              RETRY_AFTER),
    }
    if method in BODY_METHODS:
        answers["413"] = _gateway_error("The body is larger than the gateway accepts (SVC_001)")
    if spec.auth:
        answers["401"] = _gateway_error("Missing, invalid, expired or revoked token (AUTH_001)",
                                        {"WWW-Authenticate": _header("`Bearer`")})
    if spec.login:
        answers["403"] = _gateway_error("Too many failed logins: this client is blocked for a while (AUTH_004)",
                                        RETRY_AFTER)
    if "{" in spec.path:
        answers["404"] = _gateway_error("A path parameter that names no route, such as `..` (SVC_001)")
    return answers


def _either(upstream: dict[str, Any], gateway: dict[str, Any]) -> dict[str, Any]:
    """One status both may answer: either body; a header is required only when both always send it."""
    headers: dict[str, Any] = {}
    for name in {**upstream.get("headers", {}), **gateway["headers"]}:
        ours, theirs = upstream.get("headers", {}).get(name), gateway["headers"].get(name)
        header = copy.deepcopy(ours or theirs)
        header["required"] = bool(ours and theirs and ours.get("required") and theirs.get("required"))
        headers[name] = header
    description = f"{upstream.get('description', 'The app')}; or the gateway's: {gateway['description']}"
    answer = {**upstream, "description": description, "headers": headers}
    app_schema = upstream.get("content", {}).get(JSON, {}).get("schema")
    if app_schema is not None:
        answer["content"] = {JSON: {"schema": {"anyOf": [app_schema, gateway["content"][JSON]["schema"]]}}}
    return answer


def with_gateway_answers(responses: Mapping[str, Any], spec: RouteSpec, method: str) -> dict[str, Any]:
    """The upstream's responses plus the gateway's own, each with the headers the gateway adds."""
    merged = copy.deepcopy(dict(responses))
    for status, answer in gateway_answers(spec, method).items():
        merged[status] = _either(merged[status], answer) if status in merged else answer
    for status, answer in merged.items():
        counted = _optional(RATE_LIMIT) if status != "429" else {}
        answer["headers"] = {**counted, **answer.get("headers", {}), **REQUEST_ID}
    return merged


def _own_operations() -> dict[str, Any]:
    """``/health``, ``/metrics`` and ``/openapi.json``: answered by the gateway, never counted or forwarded."""
    refused_body = _gateway_error("A body was sent on a GET (SVC_001)", REQUEST_ID)
    answers = {
        "/health": ("Gateway and upstream health", {JSON: {"schema": HEALTH}}, {}),
        "/metrics": ("Prometheus metrics", {"text/plain": {"schema": {"type": "string"}}}, {}),
        "/openapi.json": ("This document", {JSON: {"schema": {"type": "object"}}},
                          {"503": _gateway_error("An app's document could not be read (SVC_002)", REQUEST_ID)}),
    }
    return {path: {"get": {"operationId": "gateway_" + path.strip("/").replace(".", "_"), "summary": summary,
                           "tags": ["operations"],
                           "responses": {"200": {"description": "OK", "headers": REQUEST_ID, "content": content},
                                         "400": refused_body, **errors}}}
            for path, (summary, content, errors) in answers.items()}


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].removeprefix(REF_PREFIX)} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def _renamed(node: Any, names: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.removeprefix(REF_PREFIX) in names:
            return {**node, "$ref": REF_PREFIX + names[ref.removeprefix(REF_PREFIX)]}
        return {key: _renamed(value, names) for key, value in node.items()}
    if isinstance(node, list):
        return [_renamed(value, names) for value in node]
    return node


def _schema_names(documents: Mapping[str, Document]) -> dict[str, dict[str, str]]:
    """Per app, the public name of each of its schemas: its own name unless another app means otherwise
    by it (a schema referring to a renamed one is renamed too)."""
    schemas = {app: doc.get("components", {}).get("schemas", {}) for app, doc in documents.items()}
    renamed: dict[str, set[str]] = {app: set() for app in documents}
    changed = True
    while changed:
        changed = False
        for app, own in schemas.items():
            for name, schema in own.items():
                clash = any(name in other and other[name] != schema for peer, other in schemas.items() if peer != app)
                if name not in renamed[app] and (clash or _refs(schema) & renamed[app]):
                    renamed[app].add(name)
                    changed = True
    return {app: {name: f"{app.capitalize()}{name}" if name in renamed[app] else name for name in own}
            for app, own in schemas.items()}


def merge_documents(documents: Mapping[str, Document], routes: Iterable[RouteSpec], title: str,
                    version: str) -> Document:
    names = _schema_names(documents)
    components: dict[str, Any] = {"GatewayError": GATEWAY_ERROR}
    security_schemes: dict[str, Any] = {}
    for app, doc in documents.items():
        for name, schema in doc.get("components", {}).get("schemas", {}).items():
            components[names[app][name]] = _renamed(schema, names[app])
        security_schemes.update(doc.get("components", {}).get("securitySchemes", {}))
    paths: dict[str, Any] = {}
    for spec in routes:
        source = documents.get(spec.upstream, {}).get("paths", {}).get(spec.path.removeprefix(API_PREFIX), {})
        for method in spec.methods:
            operation = source.get(method.lower())
            if operation is None:
                continue
            merged = _renamed(copy.deepcopy(operation), names[spec.upstream])
            merged["operationId"] = f"{spec.upstream}_{merged.get('operationId', method.lower())}"
            merged["responses"] = with_gateway_answers(merged.get("responses", {}), spec, method)
            paths.setdefault(spec.path, {})[method.lower()] = merged
    paths.update(_own_operations())
    merged_doc: Document = {"openapi": "3.1.0", "info": {"title": title, "version": version}, "paths": paths,
                            "components": {"schemas": components}}
    if security_schemes:
        merged_doc["components"]["securitySchemes"] = security_schemes
    return merged_doc


async def fetch_documents(upstreams: Mapping[str, Upstream], timeout: float = 5.0) -> dict[str, Document]:
    """Each upstream's ``/openapi.json`` through its pool; raises when one cannot be read (UpstreamError, or
    ValueError for an answer that is not a 200 JSON document)."""

    async def fetch(upstream: Upstream) -> Document:
        answer = await upstream.get("/openapi.json", timeout=timeout)
        if answer.status != 200:
            raise ValueError(f"{upstream.name}'s /openapi.json answered {answer.status}")
        document: Document = json.loads(answer.body)
        return document

    names = list(upstreams)
    documents = await asyncio.gather(*(fetch(upstreams[name]) for name in names))
    return dict(zip(names, documents, strict=True))

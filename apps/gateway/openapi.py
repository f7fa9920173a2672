"""The gateway's OpenAPI document: the public contract, merged from the apps' own documents.

Only the route table's routes appear, under their public ``/api/v1`` paths and with the methods the
gateway forwards. Each app's schemas come along; a name two apps use for different shapes is
prefixed with the app's name in that app's operations, so no reference changes meaning. The gateway's
own ``/health``, ``/metrics`` and ``/openapi.json`` are listed too.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterable, Mapping
from typing import Any

from apps.gateway.route_table import API_PREFIX, RouteSpec

Document = dict[str, Any]
REF_PREFIX = "#/components/schemas/"
GATEWAY_ERROR = {
    "type": "object",
    "required": ["error", "message", "code", "timestamp"],
    "properties": {name: {"type": "string"} for name in ("error", "message", "code", "timestamp")},
}
GATEWAY_RESPONSES = {
    "429": "Rate limited (RATE_001), with Retry-After",
    "503": "Upstream unavailable or circuit open (SVC_002)",
}


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
            for status, description in GATEWAY_RESPONSES.items():
                merged.setdefault("responses", {}).setdefault(status, {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": REF_PREFIX + "GatewayError"}}}})
            paths.setdefault(spec.path, {})[method.lower()] = merged
    for path, summary in (("/health", "Gateway and upstream health"), ("/metrics", "Prometheus metrics"),
                          ("/openapi.json", "This document")):
        operation_id = "gateway_" + path.strip("/").replace(".", "_")
        paths[path] = {"get": {"operationId": operation_id, "summary": summary, "tags": ["operations"],
                               "responses": {"200": {"description": "OK"}}}}
    merged_doc: Document = {"openapi": "3.1.0", "info": {"title": title, "version": version}, "paths": paths,
                            "components": {"schemas": components}}
    if security_schemes:
        merged_doc["components"]["securitySchemes"] = security_schemes
    return merged_doc


async def fetch_documents(clients: Mapping[str, Any], timeout: float = 5.0) -> dict[str, Document]:
    """Each upstream's ``/openapi.json`` through its pooled client; raises when one cannot be read."""

    async def fetch(client: Any) -> Document:
        answer = await client.get("/openapi.json", timeout=timeout)
        answer.raise_for_status()
        document: Document = answer.json()
        return document

    names = list(clients)
    documents = await asyncio.gather(*(fetch(clients[name]) for name in names))
    return dict(zip(names, documents, strict=True))

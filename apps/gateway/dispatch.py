"""The proxied routes served straight from the route table, without the web framework's router: one compiled
pattern per route (Starlette's own path syntax, so a template matches what it matched under FastAPI), the matched
route and its parameters put in the scope as the router would. Everything else (health, metrics, the API
description, unknown paths and methods) goes on to the FastAPI app.

Measured: FastAPI's routing, exception and dependency layers cost the gateway about a tenth of its CPU per
forwarded request (docs/performance.md); a route table that is data needs none of them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from apps.gateway.route_table import RouteSpec


class ProxiedRoutes:
    """ASGI middleware: the innermost, so every middleware of the app (body guard, CORS, observability,
    security headers, tracing) still wraps the proxied routes."""

    def __init__(self, app: ASGIApp, routes: Sequence[RouteSpec]):
        self.app = app
        self._patterns: list[tuple[re.Pattern[str], RouteSpec]] = [(compile_path(spec.path)[0], spec)
                                                                    for spec in routes]

    def match(self, method: str, path: str) -> tuple[RouteSpec, dict[str, str]] | None:
        for pattern, spec in self._patterns:
            found = pattern.match(path)
            if found is not None:
                return (spec, found.groupdict()) if method in spec.methods else None
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        matched = self.match(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if matched is None:
            await self.app(scope, receive, send)
            return
        spec, params = matched
        scope["route"], scope["path_params"] = spec, params  # what the router would have set (route template)
        response = await scope["app"].state.gateway.handle(spec, Request(scope, receive))
        await response(scope, receive, send)

"""The public routes as data: a route that is not in this table cannot exist on the gateway."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class RouteSpec:
    path: str
    """Public path template, e.g. ``/api/v1/orders/{order_id}``: also the metrics label."""
    methods: tuple[str, ...]
    upstream: str
    auth: bool
    group: str
    """Rate-limit group (``GATEWAY_RATE_LIMITS`` key)."""
    login: bool = False
    """Subject to the brute-force guard."""


ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec("/api/v1/auth/register", ("POST",), "auth", auth=False, group="auth"),
    RouteSpec("/api/v1/auth/login", ("POST",), "auth", auth=False, group="login", login=True),
    RouteSpec("/api/v1/auth/logout", ("POST",), "auth", auth=True, group="auth"),
    RouteSpec("/api/v1/auth/profile", ("GET", "PUT"), "auth", auth=True, group="default"),
    RouteSpec("/api/v1/inventory/assets", ("GET",), "inventory", auth=False, group="public"),
    RouteSpec("/api/v1/inventory/assets/{asset_id}", ("GET",), "inventory", auth=False, group="public"),
    RouteSpec("/api/v1/balance", ("GET",), "user", auth=True, group="default"),
    RouteSpec("/api/v1/balance/deposit", ("POST",), "user", auth=True, group="trading"),
    RouteSpec("/api/v1/balance/withdraw", ("POST",), "user", auth=True, group="trading"),
    RouteSpec("/api/v1/balance/transactions", ("GET",), "user", auth=True, group="default"),
    RouteSpec("/api/v1/balance/asset/{asset_id}", ("GET",), "user", auth=True, group="default"),
    RouteSpec("/api/v1/portfolio", ("GET",), "user", auth=True, group="default"),
    RouteSpec("/api/v1/orders", ("GET", "POST"), "order", auth=True, group="trading"),
    RouteSpec("/api/v1/orders/{order_id}", ("GET",), "order", auth=True, group="default"),
    RouteSpec("/api/v1/assets/{asset_id}/transactions", ("GET",), "order", auth=True, group="default"),
    RouteSpec("/api/v1/insights/portfolio", ("GET",), "insights", auth=True, group="insights"),
)


def upstream_path(raw_path: str) -> str:
    """The apps serve the public paths without the version prefix."""
    return raw_path.removeprefix(API_PREFIX)


def has_dot_segment(raw_path: str) -> bool:
    """A ``.`` or ``..`` segment, literal or percent-encoded: a path that names no route, whatever a
    template would match (``/balance/asset/..`` must not become ``/balance`` on the way upstream)."""
    return any(unquote(segment) in (".", "..") for segment in raw_path.split("/"))


def matched_path(spec: RouteSpec, path_params: dict[str, Any]) -> str:
    """The route's own path with its parameters filled in, each percent-encoded: what is forwarded is
    exactly the route that matched (``/%61pi/v1/balance`` matches ``/api/v1/balance`` and is sent as that)."""
    return spec.path.format(**{name: quote(str(value), safe="") for name, value in path_params.items()})

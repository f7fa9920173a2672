"""The catalogue of the platform's services: the one place that says which services exist and what each is.

Everything that needs the list derives it from here: each app's tables, the gateway's upstreams, the
launcher and the local stack (ports, start order, Prometheus jobs), the bench and load-test stacks, the
test fixtures, the Pulumi program (one AppService per entry, its role scoped to the entry's tables), the
dashboards' job selectors and the compose file's check. ``tests/unit/apps/test_catalogue.py`` fails when any
other module spells a list of services by hand.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apps.common.tables import INVENTORY, ORDERS, USERS, TableDefinition

if TYPE_CHECKING:
    from apps.common.settings import PlatformSettings


@dataclass(frozen=True, kw_only=True)
class Service:
    name: str
    """Also its Prometheus job, its Kubernetes name and its folder under ``apps/``."""
    port: int
    """Where it listens by default, locally and in clusters."""
    settings: str
    """``module:Class`` of its pydantic-settings class (imported on demand: settings import this module)."""
    tables: tuple[TableDefinition, ...] = ()
    """The tables it reads and writes: its models' binding, its health check, its cloud role's scope."""
    authenticates: bool = False
    """Serves routes for signed-in users: verifies tokens, checks their account and keeps the revocation
    list restored in Redis (which needs the users table)."""
    signs_tokens: bool = False
    """Holds the private key (``AUTH_JWT_PRIVATE_KEY``); no other service gets it."""
    calls_gemini: bool = False
    """Gets ``GOOGLE_GEMINI_API_KEY`` when there is one."""
    moves_money: bool = False
    """Changes balances or holdings (deposits, withdrawals, orders): the trading dashboard's services."""
    public: bool = False
    """The only service reachable from outside; every other one is its upstream."""
    health_path: str = "/health"
    """The deep check: its tables and Redis (the gateway: its upstreams and Redis); 503 when degraded. For
    alerts, the local stack and people, never for the kubelet: one Redis blip would unready every pod at once."""
    probe_path: str = "/readyz"
    """The kubelet's probe: the process serves requests, nothing more (no dependency is called)."""
    metrics_path: str = "/metrics"

    def __post_init__(self) -> None:
        if self.authenticates and USERS not in self.tables:
            raise ValueError(f"{self.name}: a service that authenticates users needs the users table")

    @property
    def local_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings_class(self) -> type[PlatformSettings]:
        module, _, name = self.settings.partition(":")
        settings_class: type[PlatformSettings] = getattr(importlib.import_module(module), name)
        return settings_class

    @property
    def env_prefix(self) -> str:
        """The prefix of the variables only this service reads (``AUTH_``, ``GATEWAY_``...)."""
        return str(self.settings_class().model_config.get("env_prefix", ""))


SERVICES: tuple[Service, ...] = (
    Service(name="auth", port=8001, settings="apps.auth.settings:AuthSettings", tables=(USERS,),
            authenticates=True, signs_tokens=True),
    Service(name="user", port=8002, settings="apps.user.settings:UserSettings", tables=(USERS, INVENTORY),
            authenticates=True, moves_money=True),
    Service(name="inventory", port=8003, settings="apps.inventory.settings:InventorySettings", tables=(INVENTORY,)),
    Service(name="order", port=8004, settings="apps.order.settings:OrderSettings",
            tables=(ORDERS, USERS, INVENTORY), authenticates=True, moves_money=True),
    Service(name="insights", port=8005, settings="apps.insights.settings:InsightsSettings",
            tables=(USERS, ORDERS, INVENTORY), authenticates=True, calls_gemini=True),
    Service(name="gateway", port=8080, settings="apps.gateway.settings:GatewaySettings", public=True),
)
"""In start order: the public entry last, so its first JWKS fetch and health checks find the others up."""


def service(name: str) -> Service:
    for entry in SERVICES:
        if entry.name == name:
            return entry
    raise KeyError(f"no service {name!r} in the catalogue; known: {', '.join(names())}")


def names() -> tuple[str, ...]:
    return tuple(entry.name for entry in SERVICES)


def upstreams() -> tuple[Service, ...]:
    """Every service behind the public entry."""
    return tuple(entry for entry in SERVICES if not entry.public)


def public_entry() -> Service:
    [entry] = [entry for entry in SERVICES if entry.public]
    return entry


def token_issuer() -> Service:
    """The service that signs tokens and serves their public keys (JWKS)."""
    [entry] = [entry for entry in SERVICES if entry.signs_tokens]
    return entry

"""Every upstream service of the catalogue in this process, on data stores a test can stop under them, and the
plain read each one serves (taken from the gateway's route table) to ask them with."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from apps.common.services import service, upstreams
from apps.common.settings import PlatformSettings
from apps.gateway.route_table import ROUTES, RouteSpec, upstream_path
from ops.launcher import deterministic_settings
from tests.conftest import app_settings
from tests.support.users import TestUser


@contextmanager
def running_services(platform: PlatformSettings, signing_key_pem: str) -> Iterator[dict[str, TestClient]]:
    """Each upstream service on ``platform``'s data stores, by name. Their 500s are answered, not raised, as a
    caller would see them; the inventory caches nothing, so every read reaches the table."""
    with ExitStack() as running:
        clients = {}
        for entry in upstreams():
            settings_class = entry.settings_class()
            overrides: dict[str, Any] = deterministic_settings(entry)
            if entry.signs_tokens:
                overrides["jwt_private_key"] = signing_key_pem
            if "catalogue_cache_seconds" in settings_class.model_fields:
                overrides["catalogue_cache_seconds"] = 0
            create_app = importlib.import_module(f"apps.{entry.name}.main").create_app
            app = create_app(app_settings(settings_class, platform, **overrides))
            clients[entry.name] = running.enter_context(TestClient(app, raise_server_exceptions=False))
        yield clients


def read_route(name: str) -> RouteSpec:
    """The service's first public read without path parameters."""
    return next(spec for spec in ROUTES if spec.upstream == name and "GET" in spec.methods and "{" not in spec.path)


def read(client: TestClient, name: str, user: TestUser) -> Any:
    spec = read_route(name)
    return client.get(upstream_path(spec.path), headers=user.headers if spec.auth else {})


def health(client: TestClient, name: str) -> Any:
    return client.get(service(name).health_path)


@dataclass(frozen=True)
class Outage:
    """Services whose data store was stopped after ``user`` signed up and ``before`` was read."""

    services: dict[str, TestClient]
    user: TestUser
    before: dict[str, Any]


def reads_before_the_outage(services: dict[str, TestClient], user: TestUser) -> dict[str, Any]:
    return {name: read(client, name, user) for name, client in services.items()}

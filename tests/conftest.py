"""Session fixtures: real DynamoDB Local and redis-server on free ports, tables from the one definition."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from redis import Redis

from apps.common.models import bind_models, dynamodb_connection
from apps.common.settings import PlatformSettings
from ops.keys import KeyPair, local_platform_env
from ops.servers import ServerProcess, free_port, start_dynamodb_local, start_redis
from ops.tables import ensure_tables

TABLE_PREFIX = "test-"


@pytest.fixture(scope="session")
def server_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server-logs")


@pytest.fixture(scope="session")
def dynamodb_server(server_logs: Path) -> Iterator[ServerProcess]:
    server = start_dynamodb_local(free_port(), server_logs / "dynamodb.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server(server_logs: Path) -> Iterator[ServerProcess]:
    server = start_redis(free_port(), server_logs / "redis.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def key_pair() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture(scope="session")
def signing_key(key_pair: KeyPair) -> ec.EllipticCurvePrivateKey:
    return key_pair.private_key


@pytest.fixture(scope="session")
def signing_key_pem(key_pair: KeyPair) -> str:
    return key_pair.private_pem


@pytest.fixture(scope="session")
def public_key_pem(key_pair: KeyPair) -> str:
    return key_pair.public_pem


@pytest.fixture(scope="session")
def platform_env(dynamodb_server: ServerProcess, redis_server: ServerProcess, public_key_pem: str) -> dict[str, str]:
    """The shared settings as environment variables (what a process of the stack would be given)."""
    return local_platform_env(dynamodb_server.port, redis_server.port, TABLE_PREFIX, public_key_pem)


@pytest.fixture(scope="session")
def platform_settings(platform_env: dict[str, str]) -> PlatformSettings:
    return PlatformSettings(**_by_alias(platform_env))


def _by_alias(env: dict[str, str]) -> dict[str, Any]:
    aliases = {field.validation_alias: name for name, field in PlatformSettings.model_fields.items()}
    return {aliases[key]: value for key, value in env.items() if key in aliases}


@pytest.fixture(scope="session")
def tables(platform_settings: PlatformSettings) -> PlatformSettings:
    ensure_tables(dynamodb_connection(platform_settings), platform_settings.table_prefix)
    bind_models(platform_settings)
    return platform_settings


@pytest.fixture(scope="session")
def redis_client(redis_server: ServerProcess) -> Iterator[Redis]:
    client = Redis(port=redis_server.port, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def app_env(platform_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Puts the platform settings in the environment for code that reads settings itself."""
    for key, value in platform_env.items():
        monkeypatch.setenv(key, value)
    return dict(os.environ)


def app_settings(settings_class: type[PlatformSettings], platform: PlatformSettings, **overrides: Any) -> Any:
    """An app's settings: the shared test settings plus the app's own values."""
    return settings_class(**{**platform.model_dump(), **overrides})


@pytest.fixture(scope="session")
def auth_app(tables: PlatformSettings, signing_key_pem: str) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from apps.auth.main import create_app
    from apps.auth.settings import AuthSettings

    settings = app_settings(AuthSettings, tables, jwt_private_key=signing_key_pem)
    with TestClient(create_app(settings)) as client:
        yield client


def _client_for(create_app: Any, settings: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings), raise_server_exceptions=True) as client:
        yield client


@pytest.fixture(scope="session")
def user_app(tables: PlatformSettings) -> Iterator[Any]:
    from apps.user.main import create_app
    from apps.user.settings import UserSettings

    yield from _client_for(create_app, app_settings(UserSettings, tables))


@pytest.fixture(scope="session")
def order_app(tables: PlatformSettings) -> Iterator[Any]:
    from apps.order.main import create_app
    from apps.order.settings import OrderSettings

    yield from _client_for(create_app, app_settings(OrderSettings, tables))


@pytest.fixture(scope="session")
def app_processes(
    platform_env: dict[str, str], tables: PlatformSettings, signing_key_pem: str, server_logs: Path
) -> Iterator[dict[str, str]]:
    """Every app as a real uvicorn process (insights on its offline analyst); yields their base URLs by name."""
    from ops.servers import start_app

    env = {**os.environ, **platform_env, "AUTH_JWT_PRIVATE_KEY": signing_key_pem,
           "INVENTORY_PRICE_FEED_ENABLED": "false", "LOG_LEVEL": "INFO", "GOOGLE_GEMINI_API_KEY": ""}
    started: list[ServerProcess] = []
    try:
        for name in ("auth", "user", "inventory", "order", "insights"):
            started.append(start_app(name, free_port(), env, server_logs / f"{name}.log"))
        yield {server.name: f"http://127.0.0.1:{server.port}" for server in started}
    finally:
        for server in started:
            server.stop()


@pytest.fixture(scope="session")
def inventory_app(tables: PlatformSettings) -> Iterator[Any]:
    """The inventory app with fixed prices (no feed) and no catalogue cache, so tests see writes at once."""
    from apps.inventory.main import create_app
    from apps.inventory.settings import InventorySettings

    settings = app_settings(InventorySettings, tables, price_feed_enabled=False, catalogue_cache_seconds=0)
    yield from _client_for(create_app, settings)


@pytest.fixture(scope="session")
def insights_app(tables: PlatformSettings) -> Iterator[Any]:
    """The insights app on its offline analyst: no Gemini key, whatever the environment holds."""
    from apps.insights.main import create_app
    from apps.insights.settings import InsightsSettings

    yield from _client_for(create_app, app_settings(InsightsSettings, tables, provider="auto", gemini_api_key=None))


GatewayFactory = Any


@pytest.fixture(scope="session")
def start_gateway(
    platform_env: dict[str, str], app_processes: dict[str, str], server_logs: Path
) -> Iterator[GatewayFactory]:
    """Starts gateway processes in front of ``app_processes`` with extra settings; stops them all at the end."""
    from ops.servers import start_app

    started: list[ServerProcess] = []
    upstreams = {f"GATEWAY_{name.upper()}_URL": url for name, url in app_processes.items()}

    def start(**overrides: str) -> str:
        env = {**os.environ, **platform_env, **upstreams, **overrides}
        server = start_app("gateway", free_port(), env, server_logs / f"gateway-{len(started)}.log")
        started.append(server)
        return f"http://127.0.0.1:{server.port}"

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def gateway_url(start_gateway: GatewayFactory) -> str:
    """The gateway with the local (generous) defaults, in front of every app process."""
    url: str = start_gateway()
    return url

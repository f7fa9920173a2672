"""Session fixtures: real DynamoDB Local and redis-server on free ports, tables from the one definition, the
apps in-process (TestClient) and as real processes started by the one launcher (``ops.launcher``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from redis import Redis

from apps.common.models import bind_models, dynamodb_connection
from apps.common.server_settings import ServerSettings
from apps.common.services import Service, public_entry, service, upstreams
from apps.common.settings import PlatformSettings
from apps.common.tracing import TracingSettings
from apps.gateway.settings import upstream_env_name
from ops.envnames import field_of
from ops.keys import KeyPair
from ops.launcher import LocalPlatform, ServiceGroup, deterministic_settings, to_environment
from ops.servers import ServerProcess, free_port, start_dynamodb_local, start_redis, wait_healthy
from ops.tables import ensure_tables

TABLE_PREFIX = "test-"
TIERS = ("unit", "integration", "e2e")
"""Test folders by what their tests need: nothing; DynamoDB Local and redis-server; whole processes."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test is marked with its folder's tier, so ``-m unit`` and ``tests/unit`` select the same tests."""
    tests = Path(__file__).parent
    for item in items:
        tier = item.path.relative_to(tests).parts[0]
        if tier not in TIERS:
            raise pytest.UsageError(f"{item.nodeid}: tests live under one of {', '.join(TIERS)}/")
        item.add_marker(tier)


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
def local_platform(dynamodb_server: ServerProcess, redis_server: ServerProcess, key_pair: KeyPair) -> LocalPlatform:
    """The servers above as a stack's shared pieces: what every process the tests start is given."""
    return LocalPlatform(dynamodb_server.port, redis_server.port, TABLE_PREFIX, key_pair)


@pytest.fixture(scope="session")
def platform_env(local_platform: LocalPlatform) -> dict[str, str]:
    """The shared settings as environment variables (for code that reads its settings itself)."""
    return to_environment(PlatformSettings, local_platform.shared_settings())


@pytest.fixture(scope="session")
def platform_settings(local_platform: LocalPlatform) -> PlatformSettings:
    return local_platform.settings()


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


def app_settings(settings_class: type[PlatformSettings], platform: PlatformSettings, **overrides: Any) -> Any:
    """An app's settings: the shared test settings plus the app's own values."""
    return settings_class(**{**platform.model_dump(), **overrides})


def _in_process(name: str, platform: PlatformSettings, **overrides: Any) -> Iterator[TestClient]:
    """A service of the catalogue in this process, on the test servers, with its own settings."""
    import importlib

    entry = service(name)
    create_app = importlib.import_module(f"apps.{name}.main").create_app
    settings = app_settings(entry.settings_class(), platform, **overrides)
    with TestClient(create_app(settings), raise_server_exceptions=True) as client:
        yield client


@pytest.fixture(scope="session")
def auth_app(tables: PlatformSettings, signing_key_pem: str) -> Iterator[TestClient]:
    yield from _in_process("auth", tables, jwt_private_key=signing_key_pem)


@pytest.fixture(scope="session")
def user_app(tables: PlatformSettings) -> Iterator[TestClient]:
    yield from _in_process("user", tables)


@pytest.fixture(scope="session")
def order_app(tables: PlatformSettings) -> Iterator[TestClient]:
    yield from _in_process("order", tables)


@pytest.fixture(scope="session")
def inventory_app(tables: PlatformSettings) -> Iterator[TestClient]:
    """The inventory app with fixed prices (no feed) and no catalogue cache, so tests see writes at once."""
    yield from _in_process("inventory", tables, price_feed_enabled=False, catalogue_cache_seconds=0)


@pytest.fixture(scope="session")
def insights_app(tables: PlatformSettings) -> Iterator[TestClient]:
    """The insights app on its offline analyst: no Gemini key, whatever the environment holds."""
    yield from _in_process("insights", tables, provider="auto", gemini_api_key=None)


def by_settings_class(entry: Service, variables: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Variables as an operator would set them, sorted into the launcher's settings, server settings, tracing
    settings and upstreams through the settings classes (a variable nothing reads is an error)."""
    sorted_out: dict[str, dict[str, Any]] = {"settings": {}, "server": {}, "tracing": {}, "upstreams": {}}
    names = {upstream_env_name(upstream.name): upstream.name for upstream in upstreams()} if entry.public else {}
    for name, value in variables.items():
        if name in names:
            sorted_out["upstreams"][names[name]] = value
        elif (field := field_of(entry.settings_class(), name)) is not None:
            sorted_out["settings"][field] = value
        elif (field := field_of(ServerSettings, name)) is not None:
            sorted_out["server"][field] = value
        elif (field := field_of(TracingSettings, name)) is not None:
            sorted_out["tracing"][field] = value
        else:
            raise ValueError(f"no setting of {entry.name} is read from {name}")
    return sorted_out


ServiceFactory = Callable[..., ServerProcess]
GatewayFactory = Callable[..., str]


@pytest.fixture(scope="session")
def service_group(local_platform: LocalPlatform, tables: PlatformSettings,
                  server_logs: Path) -> Iterator[ServiceGroup]:
    """Processes the tests start, on the session's servers; all stopped at the end of the session."""
    group = ServiceGroup(local_platform, server_logs)
    yield group
    group.stop_all()


@pytest.fixture(scope="session")
def app_processes(service_group: ServiceGroup) -> dict[str, str]:
    """Every upstream service as a real process (insights on its offline analyst); their base URLs by name."""
    for entry in upstreams():
        service_group.launch(entry, settings=deterministic_settings(entry))
    service_group.wait_healthy()
    return {entry.name: service_group.url(entry.name) for entry in upstreams()}


@pytest.fixture(scope="session")
def start_service(service_group: ServiceGroup) -> ServiceFactory:
    """Starts one more process of a service, its settings given as environment variables; returns it once
    healthy. A public entry fronts ``app_processes`` unless its upstreams are given."""
    count = iter(range(10_000))

    def start(name: str, port: int | None = None, **variables: str) -> ServerProcess:
        entry = service(name)
        given = by_settings_class(entry, variables)
        settings = {**deterministic_settings(entry), **given["settings"]}
        process = service_group.launch(entry, f"{name}-{next(count)}", settings, port=port, server=given["server"],
                                       upstreams=given["upstreams"], tracing=given["tracing"])
        return wait_healthy(process, 60, entry.health_path)

    return start


@pytest.fixture(scope="session")
def start_gateway(app_processes: dict[str, str], start_service: ServiceFactory) -> GatewayFactory:
    """Starts gateway processes in front of ``app_processes`` with extra settings (environment variables)."""

    def start(**variables: str) -> str:
        server = start_service(public_entry().name, **variables)
        return f"http://127.0.0.1:{server.port}"

    return start


@pytest.fixture(scope="session")
def gateway_url(start_gateway: GatewayFactory) -> str:
    """The gateway with the local (generous) defaults, in front of every app process."""
    return start_gateway()
